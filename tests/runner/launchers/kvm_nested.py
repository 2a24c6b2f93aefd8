"""launcher kvm-nested: KVM inside a Linux L1 on TCG's emulated SVM."""

import os
import re
import shlex
import signal
import sys
from pathlib import Path

from ..common import SCRIPT_DIR
from ..guest import judge_guest
from ..process import Run
from ..session import (Outcome, console_lines, exit_hints, judge_qemu,
                       timeout_text)
from . import launcher
from .bed import make_bed_initrd, virtio_disk_args
from .migrate import migrate_script
from .qemu import GuestWatch, run_watched, guest_boot_args, qemu_argv

# launcher kvm-nested: the guest's QEMU runs with KVM inside a Linux (L1)
# that QEMU's TCG runs on its emulated SVM (tests/kvm/).
KVM_L1_SCRIPT = SCRIPT_DIR / "kvm" / "l1"
L1_LINUX_CMDLINE = "console=ttyS0 quiet loglevel=3 mitigations=off"

# --------------------------------------------------------------------------
# launcher kvm-nested: KVM inside a Linux L1 on TCG's emulated SVM
# --------------------------------------------------------------------------
#
# tests/kvm/l1 builds L1's initramfs (Debian's kernel with kvm_amd, this
# host's QEMU); QEMU with TCG and "-cpu max" (an AMD CPU with SVM and
# nested paging) boots it, and its init runs the guest's own QEMU command
# (the environment's, with -accel kvm) and reports on the serial line.
# The files the guest's drives name become L1's virtio disks.

L1_MARK = "pvkit-kvm-l1: "
_L1_EXIT_RE = re.compile(r"qemu exit (\d+)")


def l2_drives(argv):
    """argv with every -drive file=PATH turned into L1's /dev/vdX, and
    the host files in that order."""
    out, files = [], []
    for i, arg in enumerate(argv):
        if i and argv[i - 1] == "-drive":
            opts = []
            for opt in arg.split(","):
                if opt.startswith("file="):
                    opts.append(f"file=/dev/vd{chr(ord('a') + len(files))}")
                    files.append(opt[len("file="):])
                else:
                    opts.append(opt)
            arg = ",".join(opts)
        out.append(arg)
    return out, files


# QEMU options whose value names the host's network or files: from inside
# L1 they would reach L1's, not this host's.
_L1_NETDEVS = ("socket", "stream", "dgram", "tap", "bridge", "vde")
_HOST_PATH_RE = re.compile(r"(?:^|[=,])(/[^,]+)")


# The outer QEMU's user network as L1 sees it (tests/kvm/init sets it up).
L1_ADDR = "10.0.2.15"
L1_HOST_ADDR = "10.0.2.2"
_UDP_SOCKET_RE = re.compile(r"socket,(?P<pre>.*?)udp=127\.0\.0\.1:(?P<peer>\d+),"
                            r"localaddr=127\.0\.0\.1:(?P<local>\d+)(?P<post>.*)")


def l2_network(argv):
    """A UDP socket network of the guest (-netdev socket,udp=127.0.0.1:P,
    localaddr=127.0.0.1:Q, as the host's peers expect it) reaches this host
    through L1: the guest's QEMU sends from L1's address to the user
    network's host address (127.0.0.1 on this side, with another source
    port), and the outer QEMU forwards this host's port Q to L1's.
    Returns (guest argv, outer QEMU arguments, indices rewritten)."""
    out, forwards, done = [], [], set()
    for i, arg in enumerate(argv):
        m = _UDP_SOCKET_RE.fullmatch(arg) if i and argv[i - 1] == "-netdev" else None
        if m:
            arg = (f"socket,{m['pre']}udp={L1_HOST_ADDR}:{m['peer']},"
                   f"localaddr={L1_ADDR}:{m['local']}{m['post']}")
            forwards.append(f"hostfwd=udp:127.0.0.1:{m['local']}-{L1_ADDR}:{m['local']}")
            done.add(i)
        out.append(arg)
    if not forwards:
        return out, [], done
    return out, ["-netdev", ",".join(["user", "id=l1net", *forwards]),
                 "-device", "virtio-net-pci,netdev=l1net"], done


# A tap on L1's bridge (tests/kvm/l1 initrd --bridge): L1's Linux is the peer.
_L1_BRIDGE_RE = re.compile(r"tap,(?:.*,)?script=/l2/ifup(?:,.*)?")


def l1_bridged(argv):
    """The indices of -netdev taps on L1's bridge."""
    return {i for i, arg in enumerate(argv)
            if i and argv[i - 1] == "-netdev" and _L1_BRIDGE_RE.fullmatch(arg)}


def l2_problem(argv, passed=()):
    """Why the guest's QEMU command cannot run inside L1, or ''; the
    indices in passed are networks l2_network already rewrote."""
    passed = set(passed) | l1_bridged(argv)
    for i, arg in enumerate(argv):
        before = argv[i - 1] if i else ""
        if before == "-append" or i in passed:
            continue
        if before == "-drive" and ",," in arg:
            return f"-drive {arg}: an escaped comma in a drive is not supported"
        if before in ("-netdev", "-nic") and arg.split(",")[0] in _L1_NETDEVS:
            return (f"-netdev {arg}: from inside L1 it cannot reach this "
                    f"host (only socket,udp=127.0.0.1:P,localaddr=127.0.0.1:Q "
                    f"is passed through)")
        for path in _HOST_PATH_RE.findall(arg):
            if not path.startswith(("/dev/vd", "/l2/")):
                return (f"{arg}: {path} is a path on this host; only "
                        f"-drive file= is passed into L1")
    return ""


def l1_memory(guest):
    """L1's -m: the guest's memory and 896 MiB for L1, at least 1024M."""
    m = re.fullmatch(r"(\d+)([MmGg]?)", guest.strip())
    mib = int(m[1]) * (1024 if m[2] in ("G", "g") else 1) if m else 128
    return f"{max(1024, mib + 896)}M"


def parse_l1_report(lines):
    """(guest console or None, the guest QEMU's exit code or None, notes)."""
    console, code, notes, inside = None, None, [], False
    for line in lines:
        at = line.find(L1_MARK)
        said = line[at + len(L1_MARK):].strip() if at >= 0 else None
        if said == "guest begin":
            console, inside = [], True
        elif said == "guest end":
            inside = False
        elif inside:
            console.append(line)
        elif said is not None and _L1_EXIT_RE.fullmatch(said):
            code = int(_L1_EXIT_RE.fullmatch(said)[1])
        elif said is not None and said != "done":
            notes.append(said)
    if inside and console is not None:
        notes.append("L1 did not see the guest's QEMU end")
    return console, code, notes


@launcher("kvm-nested", image=True)
def launch_kvm_nested(session):
    env = session.env
    opts = session.opts
    kernel, ramdisk = str(opts.image), None
    if env.guest:
        # anyone's kernel (tests/run --guest) and its initramfs
        boot = guest_boot_args(session, "/l2/kernel", "/l2/ramdisk")
        if isinstance(boot, str):
            return Outcome(problem=boot)
        kernel = session.subst(env.guest)
        ramdisk = session.subst(env.guest_initrd) if env.guest_initrd else None
    else:
        boot = ["-kernel", "/l2/kernel", "-append", session.cmdline()]
    argv, l1_net, passed = l2_network(qemu_argv(session, boot))
    l2, disks = l2_drives(argv)
    problem = l2_problem(l2, passed)
    if problem:
        return Outcome(problem=f"kvm-nested: {problem}")
    # L1 has this host's QEMU (tests/kvm/l1), whatever the matrix names.
    l2[0] = "qemu-system-x86_64"
    script = session.logdir / "l2-run"
    if env.migrate_on:
        # Both QEMUs in L1; the sockets and consoles' logs in its /tmp.
        script.write_text(migrate_script(l2, "/l2/qmp", "/tmp", env.migrate_on,
                                         "/l2/migrate"))
    else:
        script.write_text("#!/bin/sh\nexec " + shlex.join(l2) + "\n")
    initrd = session.logdir / "l1-initrd"
    cache = Path(os.path.abspath(opts.builddir)) / "kvm-l1-cache"
    argv = [sys.executable, str(KVM_L1_SCRIPT), "--cache", str(cache),
            "initrd", "--out", str(initrd), "--kernel", kernel,
            "--run", str(script)] + (["--net"] if l1_net else [])
    argv += ["--migrate"] if env.migrate_on else []
    argv += ["--bridge"] if l1_bridged(l2) else []
    argv += ["--ramdisk", ramdisk] if ramdisk else []
    cachedir, failure = make_bed_initrd(session, argv, "tests/kvm/l1 initrd", "l1",
                                        [str(initrd), *disks])
    if failure:
        return failure
    l1 = [env.qemu, "-M", "q35", "-accel", "tcg", "-cpu", "max",
          "-m", l1_memory(env.memory), "-nodefaults", "-display", "none", "-no-reboot",
          "-serial", "stdio", "-monitor", "none",
          "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
          "-kernel", f"{cachedir}/vmlinux", "-initrd", str(initrd),
          "-append", L1_LINUX_CMDLINE]
    l1 += virtio_disk_args(disks, "l1d") + l1_net
    watch = GuestWatch(env, session.stream) if env.guest else None
    run = run_watched(session, l1, watch) if watch else session.run(l1, guest=True)
    lines = console_lines(run.output)
    console, code, notes = parse_l1_report(lines)
    if watch and watch.reason and console is not None:
        # stopped at a line of the guest's (its panic, a fail or expect line)
        code = -signal.SIGKILL
    details = [f"L1: {note}" for note in notes]
    no_kvm = next((n for n in notes if n.startswith("no /dev/kvm")), None)
    if no_kvm:
        return Outcome(problem=f"KVM did not load in L1: {no_kvm}",
                       details=details)
    if console is None or code is None:
        why = (timeout_text(session.timeout) if run.timed_out
               else run.error or f"QEMU exit {run.returncode}")
        tail = [line for line in lines if line.strip()][-8:]
        return Outcome(problem=f"L1 did not report the guest's end ({why}; "
                               f"no '{L1_MARK}qemu exit' line)",
                       details=details + tail, console=console or [],
                       guest_ran=console is not None, timed_out=run.timed_out)
    (session.logdir / "guest.log").write_text(
        "".join(line + "\n" for line in console))
    if watch:
        status, problem, ran = judge_guest(Run(returncode=code), session.timeout,
                                           console, watch.reason)
        return Outcome(status, problem, [], console, ran,
                       killed_at=watch.matched if watch.reason == "expect" else "")
    status, problem, ran = judge_qemu(Run(returncode=code), session.timeout,
                                      console)
    hints = exit_hints(console, status, problem)
    return Outcome(status, problem, hints, console, ran)


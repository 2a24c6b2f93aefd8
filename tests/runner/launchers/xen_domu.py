"""launcher xen-domu: pvkit (or a test Linux) as a domU of a Linux dom0."""

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..session import Outcome, console_lines, console_status, timeout_text
from ..process import signal_name
from . import launcher
from .bed import make_bed_initrd, virtio_disk_args
from .grub import make_grub_iso
from .qemu import qemu_argv
from .xen import XEN_DOM0_SCRIPT, unpack_xen, xen_dom0_cache
from ..common import FAIL, SCRIPT_DIR
from ..guest import guest_problem, kernel_kind

sys.path.insert(0, str(SCRIPT_DIR / "tools"))
from linuxbed import Error, bzimage_elf  # noqa: E402

# A Linux PV dom0 for domUs.  smap=0: with SMAP, Xen 4.17 under QEMU 7.2
# TCG kills a PV dom0 at its first instructions (#PF in create_bounce_frame).
XEN_DOMU_CMDLINE = ("console=com1 com1=115200,8n1 dom0_mem=512M,max:512M "
                    "dom0_max_vcpus=1 noreboot guest_loglvl=all smap=0")
DOM0_LINUX_CMDLINE = "console=hvc0 quiet loglevel=3 mitigations=off"

# --------------------------------------------------------------------------
# launcher xen-domu: pvkit (or a test Linux) as a domU of a Linux dom0
# --------------------------------------------------------------------------
#
# tests/xen/dom0 builds dom0's initramfs (cached Debian packages plus the
# domU: kernel, xl config); QEMU boots Xen with Debian's Linux as a PV
# dom0 whose init creates the domU, waits for it to end and prints on
# hvc0 (Xen's console, QEMU's serial stdio) the report below, then ends
# QEMU through isa-debug-exit with DOM0_DONE_CODE.

DOMU_MARK = "pvkit-xen-domu: "
DOM0_DONE_CODE = (0x10 << 1) | 1
_DOMU_SHUTDOWN_RE = re.compile(r"shutdown (\S+) \(reason code (\d+)\)")
# tests/xen/init's count of dom0's processes its kernel saw die of SIGSEGV.
_DOM0_SEGV_RE = re.compile(re.escape(DOMU_MARK) + r"dom0 segfaults: (\d+)$")


@dataclass
class DomuReport:
    """What dom0 said about the domU (None: it did not get that far)."""
    console: Optional[list] = None      # the domU's console lines
    complete: bool = False              # "console end" was seen
    shutdown: Optional[str] = None      # poweroff, reboot, crash, ...
    code: Optional[int] = None          # the shutdown reason code
    problem: str = ""                   # xl create failed, timeout, ...
    notes: list = field(default_factory=list)   # other report lines
    done: bool = False                  # dom0 reached its end
    destroyed: bool = False             # the environment's peer destroyed it


def parse_domu_report(lines):
    """dom0's report: the domU console between the markers, then the end.

    Xen's own messages ("(XEN) ...") can interleave on the serial line;
    they are left out of the domU's console.
    """
    report = DomuReport()
    inside = False
    for line in lines:
        at = line.find(DOMU_MARK)
        said = line[at + len(DOMU_MARK):].strip() if at >= 0 else None
        if said == "console begin":
            report = DomuReport(console=[])     # the last report counts
            inside = True
        elif said == "console end" and inside:
            inside = False
            report.complete = True
        elif inside:
            if not line.startswith("(XEN) "):
                report.console.append(line)
        elif said is None or report.console is None:
            continue
        elif said == "done":
            report.done = True
        elif said == "destroyed by the peer":
            report.destroyed = True
        elif _DOMU_SHUTDOWN_RE.fullmatch(said):
            m = _DOMU_SHUTDOWN_RE.fullmatch(said)
            report.shutdown, report.code = m[1], int(m[2])
        elif said.startswith(("timeout", "xl create failed", "shutdown")):
            report.problem = said
        else:
            report.notes.append(said)
    return report


def judge_domu(run, timeout, lines):
    """(status, problem, details, domU console) for a xen-domu boot.

    The domU's status: after a poweroff the 'pvkit: exit status N' line of
    its console (pvkit powers off only for 0), or 0 if there is none (a
    non-pvkit domU); after a crash the status line (pvkit crashes the
    domain with every non-zero status); anything else is a problem.
    """
    if run.error:
        return None, run.error, [], None
    report = parse_domu_report(lines)
    details = [n for n in report.notes if n.startswith("times:")]
    if report.console is None or not report.complete:
        if run.timed_out:
            why = timeout_text(timeout)
        elif run.returncode is not None and run.returncode < 0:
            why = f"QEMU killed by {signal_name(-run.returncode)}"
        else:
            why = f"QEMU exit {run.returncode}"
        tail = [line for line in lines if line.strip()][-8:]
        return None, (f"dom0 did not report on the domU ({why}; no "
                      f"'{DOMU_MARK}console end' line)"), tail, None
    console = report.console
    said = console_status(console)
    if report.problem:
        if report.problem.startswith("xl create failed"):
            details += [line for line in lines if line.startswith("xl: ")][-10:]
        return None, f"domU: {report.problem}", details, console
    if report.destroyed:
        # xl destroy by the peer once the domU reported what was to be
        # checked (tests/xen/blkdestroy-peer): the checks judge the data.
        status, problem = 0, ""
        details.append("destroyed by its dom0 peer, as the environment asks")
    elif report.shutdown == "poweroff":
        status = 0 if said is None else said
        if said not in (None, 0):
            details.append(f"the domU powered off, but its console says "
                           f"'pvkit: exit status {said}'")
        problem = ""
    elif report.shutdown == "crash" and said not in (None, 0):
        status, problem = said, ""
    elif report.shutdown == "crash":
        status = None
        problem = ("domU crashed (Xen shutdown reason crash) without a "
                   "non-zero 'pvkit: exit status' line")
    else:
        status = None
        problem = f"domU shut down with reason {report.shutdown}"
    if problem:
        # After a crash dom0 prints the vCPU's state (xenctx).
        details += [line for line in lines if line.startswith("xenctx: ")][:40]
    if not report.done or run.returncode != DOM0_DONE_CODE:
        details.append("dom0 did not end cleanly after its report "
                       f"(QEMU exit {run.returncode}"
                       f"{', timed out' if run.timed_out else ''})")
    return status, problem, details, console



def bed_stalled(run, lines):
    """Whether dom0 went silent for good right after creating the domU.

    QEMU was killed at the environment's timeout, and dom0's last word was
    "domU created": its init, which reports a domU that outlives its own
    deadline, never spoke again, so Xen or dom0 stopped, not the domU.
    """
    said = [line for line in lines if line.startswith("dom0: ")]
    return bool(run.timed_out and said and
                re.match(r"dom0: \[[0-9.]+\] domU created", said[-1]) and
                not any(line.startswith(DOMU_MARK) for line in lines))


def dom0_crashed(lines):
    """Whether a process of dom0 died of a signal before the domU's report.

    Two signs, each seen while the domU was starting: xl's own process
    aborting on glibc's heap check ("corrupted double-linked list", then
    libxl's "died due to fatal signal"), and dom0's shell saying
    "Segmentation fault" (in the same boot the domU triple-faulted in a
    plain memory read).  Memory going bad in dom0's userspace is the bed's
    failure (Xen or QEMU under it), no verdict on the domU
    (docs/notes/xen-bed-stall-after-create.md).
    """
    for line in lines:
        if line.startswith(f"{DOMU_MARK}console begin"):
            break
        if line.strip() == "Segmentation fault" or (
                line.startswith("xl: ") and "died due to fatal signal" in line):
            return True
    # After the domU's console, only dom0's own report speaks for dom0:
    # its kernel's count of processes killed by SIGSEGV during the boot
    # (the shell's "Segmentation fault" in the console could be the domU's).
    return any(int(m[1]) > 0 for m in map(_DOM0_SEGV_RE.match, lines) if m)


def expects_failed(env, console):
    """Whether the domU's console misses a line the environment expects
    (or shows one it must not): the environment fails, status 0 or not."""
    from ..evaluate import expect_cases     # evaluate imports the launchers

    if console is None:
        return True
    return any(case.status == FAIL for case in expect_cases(env, console))


def boot_bed(session, boot):
    """Boot the bed, once more if the bed and not the domU failed.

    docs/notes/xen-bed-stall-after-create.md: dom0 silent for good after
    creating the domU, or a process of dom0 dead of a signal in a run that
    did not pass (a problem, a status other than 0, or an expected console
    line missing).  The first boot's console is kept (console-stalled.log)
    and the retry said first in the result's details.
    """
    def once():
        run = session.run(qemu_argv(session, boot), guest=True)
        lines = console_lines(run.output)
        return run, lines, judge_domu(run, session.timeout, lines)

    run, lines, verdict = once()
    status, problem, _, console = verdict
    stalled = bed_stalled(run, lines)
    failed = problem or status != 0 or expects_failed(session.env, console)
    if not stalled and not (dom0_crashed(lines) and failed):
        return run, verdict
    (session.logdir / "console-stalled.log").write_bytes(run.output)
    why = ("the dom0 bed stopped right after 'domU created'" if stalled else
           "a dom0 process died of a signal while the domU ran")
    retried = (f"{why}: the bed was booted once more "
               "(docs/notes/xen-bed-stall-after-create.md; "
               "its console: console-stalled.log)")
    print(f"{session.env.name}: {retried}", file=sys.stderr, flush=True)
    run, _, (status, problem, details, console) = once()
    return run, (status, problem, [retried] + details, console)


@launcher("xen-domu")
def launch_xen_domu(session):
    env = session.env
    opts = session.opts
    xen, failure = unpack_xen(session)
    if failure:
        return failure
    kernel = session.subst(env.domu_kernel)
    ramdisk = None
    if env.guest:
        kernel, ramdisk, failure = guest_domu(session)
        if failure:
            return failure
    elif kernel != "linux" and not Path(kernel).is_file():
        return Outcome(problem=f"domU kernel {kernel} not found (build it first)")
    if env.domu_type == "hvm" and kernel != "linux" and not env.guest:
        # Xen's device model (an i386 QEMU) loads no 64-bit ELF for
        # kernel=, so an HVM domU boots pvkit as a PC does: GRUB from a CD.
        kernel, failure = make_grub_iso(session, kernel)
        if failure:
            return failure
        kernel = str(kernel)
    disks = session.substitute(env.domu_disks + env.guest_disks)
    initrd = session.logdir / "dom0-initrd"
    argv = [sys.executable, str(XEN_DOM0_SCRIPT), "--cache", str(xen_dom0_cache(opts)),
            "initrd", "--out", str(initrd), "--type", env.domu_type,
            "--kernel", kernel, "--cmdline", session.cmdline(),
            "--memory", str(env.domu_memory), "--vcpus", str(env.domu_vcpus),
            "--disks", str(len(disks)),
            "--vifs", str(env.domu_vifs), "--timeout", f"{session.scaled(env.domu_timeout):g}",
            "--blk-queues", str(env.domu_blk_queues),
            "--net-queues", str(env.domu_net_queues)]
    for line in env.domu_config:
        argv += ["--config", session.subst(line)]
    if env.domu_peer:
        argv += ["--peer", session.subst(env.domu_peer)]
    if env.domu_vif_model:
        argv += ["--vif-model", env.domu_vif_model]
    argv += ["--ramdisk", ramdisk] if ramdisk else []
    cachedir, failure = make_bed_initrd(session, argv, "tests/xen/dom0 initrd", "dom0",
                                        [str(initrd), *disks])
    if failure:
        return failure
    boot = ["-kernel", str(xen), "-append",
            env.xen_cmdline or XEN_DOMU_CMDLINE,
            "-initrd", f"{cachedir}/vmlinux {DOM0_LINUX_CMDLINE},{initrd}"]
    boot += virtio_disk_args(disks, "domu")
    run, (status, problem, details, console) = boot_bed(session, boot)
    if console is not None:
        (session.logdir / "domu.log").write_text(
            "".join(line + "\n" for line in console))
    # dom0 says "timeout" when the domU outlived domu_timeout.
    return Outcome(status, problem, details, console or [],
                   console is not None,
                   timed_out=run.timed_out or problem.startswith("domU: timeout"),
                   no_boot=problem.startswith("domU: xl create failed"))


# Xen's type of the domU -> what its kernel needs (guest.guest_problem).
_GUEST_NEEDS = {"pv": "xen_pv", "pvh": "pvh", "hvm": "hvm"}


def guest_domu(session):
    """Anyone's kernel (tests/run --guest) as the domU: (kernel, ramdisk,
    None) or (None, None, failure Outcome).  An HVM domU boots a bzImage
    directly (xl's kernel= and ramdisk=: the device model loads them
    through fw_cfg; SeaBIOS reading them from a CD would take minutes
    under TCG), a multiboot2 ELF from a GRUB ISO (its initramfs inside);
    for PV and PVH a bzImage's ELF is handed to xl, which would otherwise
    unpack it under TCG every time."""
    env = session.env
    path = session.subst(env.guest)
    ramdisk = session.subst(env.guest_initrd) or None
    problem = guest_problem(path, _GUEST_NEEDS[env.domu_type])
    if problem:
        return None, None, Outcome(problem=problem)
    kind = kernel_kind(path)
    if env.domu_type == "hvm" and not kind.bzimage:
        iso, failure = make_grub_iso(session, path, ramdisk)
        return (str(iso) if iso else None), None, failure
    if kind.bzimage and env.domu_type != "hvm":
        try:
            elf = bzimage_elf(Path(path).read_bytes())
        except Error as err:
            session._record(f"# {path}: handed to xl as it is ({err})")
        else:
            path = str(session.logdir / "guest.elf")
            Path(path).write_bytes(elf)
            problem = guest_problem(path, _GUEST_NEEDS[env.domu_type])
            if problem:
                return None, None, Outcome(problem=f"the bzImage's kernel: {problem}")
    return path, ramdisk, None

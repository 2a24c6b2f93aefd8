"""Anyone's kernel on the beds (tests/run --guest IMAGE): what the image
is, which environments can boot it, and the environments themselves.

A guest is a Linux bzImage or an ELF kernel with a PVH entry note
(XEN_ELFNOTE_PHYS32_ENTRY) or the Xen PV notes; an HVM domU also boots a
multiboot2 kernel through GRUB.  The environments of --guest are the
matrix's [template:guest-NAME] sections, each made an environment NAME
with the guest's keys (guest, guest_initrd, guest_disks, ...) over it.
"""

import re
import struct
from dataclasses import dataclass
from pathlib import Path

from .process import signal_name
from .session import timeout_text

# Xen's ELF notes (xen/include/public/elfnote.h): owner "Xen".
XEN_ELFNOTE_ENTRY = 1
XEN_ELFNOTE_GUEST_OS = 6
XEN_ELFNOTE_PHYS32_ENTRY = 18
PT_NOTE = 4
MULTIBOOT2_MAGIC = 0xE85250D6
MULTIBOOT2_SEARCH = 32768


class NotAKernel(Exception):
    """The file is no kernel any environment can boot."""


@dataclass
class KernelKind:
    bzimage: bool = False       # a Linux bzImage (boot protocol header)
    pvh: bool = False           # ELF with a PVH entry (or a bzImage: QEMU boots it)
    xen_pv: bool = False        # ELF with the Xen PV notes
    multiboot2: bool = False    # a multiboot2 header in its first 32 KiB

    def describe(self):
        if self.bzimage:
            return "a Linux bzImage"
        notes = [what for what, has in (("PVH", self.pvh), ("Xen PV", self.xen_pv),
                                        ("multiboot2", self.multiboot2)) if has]
        return "an ELF kernel (" + ", ".join(notes) + ")"


def _elf_xen_notes(data):
    """The types of the ELF file's Xen notes (program headers PT_NOTE)."""
    cls = data[4]
    if cls not in (1, 2) or data[5] != 1:
        raise NotAKernel("an ELF file, but not a little-endian ELF32/ELF64")
    if cls == 2:
        phoff, = struct.unpack_from("<Q", data, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    else:
        phoff, = struct.unpack_from("<I", data, 0x1C)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x2A)
    types = set()
    for i in range(min(phnum, 256)):
        at = phoff + i * phentsize
        if cls == 2:
            kind, _f, offset, _v, _p, size = struct.unpack_from("<IIQQQQ", data, at)
        else:
            kind, offset, _v, _p, size = struct.unpack_from("<IIIII", data, at)
        if kind != PT_NOTE:
            continue
        pos, end = offset, min(offset + size, len(data))
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
            name = data[pos + 12:pos + 12 + namesz].rstrip(b"\0")
            if name == b"Xen":
                types.add(ntype)
            pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return types


def _has_multiboot2(data):
    for at in range(0, min(len(data), MULTIBOOT2_SEARCH) - 15, 8):
        magic, arch, length, check = struct.unpack_from("<IIII", data, at)
        if magic == MULTIBOOT2_MAGIC and (magic + arch + length + check) & 0xFFFFFFFF == 0:
            return True
    return False


def kernel_kind(path):
    """The KernelKind of the file at path; NotAKernel says why not."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise NotAKernel(f"cannot read it: {err.strerror}") from None
    if len(data) > 0x210 and data[0x202:0x206] == b"HdrS":
        return KernelKind(bzimage=True, pvh=True)
    if data[:4] == b"\x7fELF":
        try:
            notes = _elf_xen_notes(data)
        except struct.error:
            raise NotAKernel("a truncated ELF file") from None
        kind = KernelKind(pvh=XEN_ELFNOTE_PHYS32_ENTRY in notes,
                          xen_pv=bool(notes & {XEN_ELFNOTE_ENTRY, XEN_ELFNOTE_GUEST_OS}),
                          multiboot2=_has_multiboot2(data))
        if not (kind.pvh or kind.xen_pv):
            raise NotAKernel("an ELF file without a PVH entry note "
                             "(XEN_ELFNOTE_PHYS32_ENTRY) or Xen PV notes")
        return kind
    raise NotAKernel("neither a Linux bzImage (no 'HdrS' boot header) nor "
                     "an ELF kernel")


def guest_problem(path, needs):
    """Why the file at path cannot boot where it needs ('pvh', 'xen_pv',
    'hvm'), or ''."""
    try:
        kind = kernel_kind(path)
    except NotAKernel as err:
        return f"{path} is not a kernel: {err}"
    if needs == "hvm" and not (kind.bzimage or kind.multiboot2):
        return (f"{path} is {kind.describe()}: an HVM domU boots a bzImage "
                f"or a multiboot2 kernel (through GRUB), not this")
    if needs == "xen_pv" and not (kind.xen_pv or kind.bzimage):
        return f"{path} is {kind.describe()}: no Xen PV notes for a PV domain"
    if needs == "pvh" and not kind.pvh:
        return (f"{path} is {kind.describe()}: no PVH entry note, so QEMU "
                f"and Xen PVH cannot boot it")
    return ""


# --------------------------------------------------------------------------
# The environments of tests/run --guest
# --------------------------------------------------------------------------

# Seconds a bed needs before the guest starts (Xen and dom0 booted, L1
# booted): the runner's deadline is the guest's --timeout plus these.
BED_SECONDS = {"xen-domu": 150, "kvm-nested": 60}

# --nic: the guest's NIC is a UDP socket of QEMU's to 127.0.0.1:{port0}
# (its own end {port1}); tests/tools/netpeer.py there is a host on that
# Ethernet (10.0.2.2): it ARPs for the guest at 10.0.2.15, pings it and
# sends UDP datagrams to its port 7 (3 of each of 17 sizes, random data),
# checks every reply byte for byte, then sends "pvkit-quit", which the
# guest echoes and stops at.  Its exit status is the case host.peer.
NIC_LAUNCHERS = ("qemu",)
NETPEER = ("python3 {srcdir}/tests/tools/netpeer.py --peer-port {port0} "
           "--qemu-port {port1} --count 3 --boot-wait 120")


def _mib(text):
    m = re.fullmatch(r"(\d+)([MmGg]?)", text.strip())
    if not m or int(m[1]) == 0:
        raise ValueError(f"--memory {text}: a size in MiB (e.g. 256, 256M, 1G)")
    return int(m[1]) * (1024 if m[2] in ("G", "g") else 1)


def guest_keys(opts):
    """The matrix keys tests/run --guest's options give every guest
    environment (ValueError for a bad value)."""
    keys = {"guest": str(Path(opts.guest).resolve())}
    if opts.initrd:
        keys["guest_initrd"] = str(Path(opts.initrd).resolve())
    if opts.cmdline is not None:
        keys["cmdline"] = opts.cmdline
    if opts.memory:
        mib = _mib(opts.memory)
        keys.update(memory=f"{mib}M", domu_memory=str(mib))
    if opts.disk:
        keys["guest_disks"] = "\n".join(str(Path(d).resolve()) for d in opts.disk)
    if opts.nic:
        keys.update(guest_nic="yes", peer=NETPEER)
    for key in ("expect", "fail"):
        if getattr(opts, key):
            keys[key] = "\n".join(getattr(opts, key))
    if opts.timeout is not None:
        keys["timeout"] = f"{opts.timeout:g}"
    return keys


def with_deadline(keys, launcher):
    """keys for an environment of this launcher: --timeout is the guest's
    own deadline (a domU's domu_timeout), the bed's start comes on top;
    a domU's memory is domu_memory (memory is the bed's machine's)."""
    if launcher == "xen-domu":
        keys = {key: value for key, value in keys.items() if key != "memory"}
    if "timeout" not in keys or float(keys["timeout"]) == 0:
        return keys
    seconds = float(keys["timeout"])
    keys = dict(keys, timeout=f"{seconds + BED_SECONDS.get(launcher, 0):g}")
    if launcher == "xen-domu":
        keys["domu_timeout"] = f"{max(1, seconds):g}"
    return keys


def disk_args(disks, machine):
    """QEMU arguments giving the files to the guest as virtio-blk disks."""
    device = "virtio-blk-device" if machine.startswith("microvm") else \
        "virtio-blk-pci"
    args = []
    for i, disk in enumerate(disks):
        args += ["-drive", f"file={disk},if=none,id=gd{i},format=raw,cache=writeback",
                 "-device", f"{device},drive=gd{i}"]
    return args


def nic_args(machine):
    """QEMU arguments giving the guest --nic's NIC (placeholders left)."""
    device = "virtio-net-device" if machine.startswith("microvm") else \
        "virtio-net-pci"
    return ["-netdev", "socket,id=gn0,udp=127.0.0.1:{port0},"
                       "localaddr=127.0.0.1:{port1}",
            "-device", f"{device},netdev=gn0"]


def nic_problem(env, launcher):
    """Why this environment cannot have its guest_nic, or ''."""
    if env.guest_nic and launcher not in NIC_LAUNCHERS:
        return ("--nic (guest_nic): a NIC with the host's peer is given on "
                "QEMU TCG machines only (guest-pc, guest-q35, guest-microvm), "
                f"not by launcher {launcher}")
    return ""


# --------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------
#
# A guest's end is its own: isa-debug-exit (QEMU exits with (N << 1) | 1,
# status N), a poweroff (QEMU exits with 0; with -no-reboot a reset does
# too, told apart by Linux's "reboot: Restarting system" line), Xen's
# shutdown reason for a domU (poweroff 0, crash a failure), or a console
# line: the runner stops QEMU at a Linux panic's last line, at a --fail
# match and once every --expect matched.

PANIC_RE = re.compile(r"Kernel panic - not syncing: .*")
PANIC_END_RE = re.compile(r"---\[ end Kernel panic")
REBOOT_RE = re.compile(r"reboot: Restarting system")


def panic_line(lines):
    """The first Linux panic message of the console, or ''."""
    return next((m[0] for m in map(PANIC_RE.search, lines) if m), "")


def stop_reason(env, pending, line):
    """Why the runner stops the guest at this console line ('' to go on).
    pending: the expect regexes no line matched yet, updated here."""
    if PANIC_END_RE.search(line):
        return "panic"
    if any(regex.search(line) for regex in env.fail):
        return "fail"
    if pending:
        pending[:] = [regex for regex in pending if not regex.search(line)]
        if not pending:
            return "expect"
    return ""


def judge_guest(run, timeout, lines, stopped=""):
    """(status, problem, ran) of anyone's kernel under QEMU; stopped is
    the stop_reason the runner killed it for."""
    if run.error:
        return None, run.error, False
    panic = panic_line(lines)
    if panic:
        return None, f"kernel panic: {panic}", True
    if stopped == "fail":
        return None, "stopped at a console line matching a fail regex", True
    if stopped == "expect":
        return 0, "", True          # every expected line came: stopped
    if run.timed_out:
        return None, timeout_text(timeout), True
    code = run.returncode
    if code < 0:
        return None, f"QEMU killed by {signal_name(-code)}", True
    printed = any(line.strip() and not line.startswith("qemu-system")
                  for line in lines)
    if code == 0:
        if any(map(REBOOT_RE.search, lines)):
            return None, "the guest rebooted (reboot: Restarting system)", True
        return 0, "", True          # powered off
    if code & 1 and (code > 1 or printed):
        return code >> 1, "", True
    return None, f"QEMU failed (exit {code})", printed

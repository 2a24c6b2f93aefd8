"""What the Xen and KVM beds share: building a bed's initramfs from its
cache (tests/xen/dom0, tests/kvm/l1) and handing files to QEMU as disks."""

import shlex

from ..process import run_command
from ..session import Outcome, console_lines, timeout_text

# Building a bed's cache the first time (apt-get download, dpkg-deb -x)
# may take longer than a boot; this is its own limit.
XEN_CACHE_TIMEOUT = 900


def make_bed_initrd(session, argv, name, prefix, paths, what="cache"):
    """Run a test bed's builder (tests/xen/dom0, tests/kvm/l1), which prints
    'PREFIX: WHAT PATH' ('dom0: cache DIR'; filling the cache the first time may take up to
    XEN_CACHE_TIMEOUT); (cache dir, None) or (None, failure Outcome).  The
    cache and paths go to QEMU, which cannot take a comma in them."""
    session.log.write(f"==> {name}\n".encode())
    session._record(shlex.join(argv))
    run = run_command(argv, session.log, XEN_CACHE_TIMEOUT, None,
                      env=session.child_env)
    session.log.write(b"==> boot\n")
    out = console_lines(run.output)
    mark = f"{prefix}: {what} "
    cachedir = next((line[len(mark):] for line in out if line.startswith(mark)), None)
    if run.error or run.timed_out or run.returncode != 0 or not cachedir:
        why = run.error or (timeout_text(XEN_CACHE_TIMEOUT) if run.timed_out
                            else f"exit {run.returncode}")
        return None, Outcome(problem=f"{name} failed ({why})", details=out[-20:])
    for path in (cachedir, *paths):
        if "," in path:
            return None, Outcome(problem=f"QEMU cannot take a path with a comma: {path}")
    return cachedir, None


def virtio_disk_args(disks, prefix):
    """QEMU arguments giving the files as raw virtio-blk disks, in order."""
    args = []
    for i, disk in enumerate(disks):
        args += ["-drive", f"file={disk},if=none,id={prefix}{i},format=raw,"
                           f"cache=writeback",
                 "-device", f"virtio-blk-pci,drive={prefix}{i}"]
    return args


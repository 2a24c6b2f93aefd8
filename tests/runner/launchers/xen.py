"""launcher xen: the real Xen hypervisor with pvkit as its PVH dom0."""

import gzip
import os
import sys
from pathlib import Path

from ..common import SCRIPT_DIR
from ..session import Outcome
from . import launcher
from .bed import make_bed_initrd
from .qemu import boot_qemu

XEN_DOM0_CMDLINE = "console=com1 com1=115200,8n1 dom0=pvh dom0_mem=128M noreboot"
XEN_DOM0_SCRIPT = SCRIPT_DIR / "xen" / "dom0"


def xen_dom0_cache(opts):
    return Path(os.path.abspath(opts.builddir)) / "xen-dom0-cache"


def unpack_xen(session):
    """The hypervisor as QEMU's -kernel: (path, None) or (None, failure
    Outcome).  Unless the matrix names one, it is Debian's package
    unpacked into the dom0 bed's cache: one installed on the host (its
    postinst adds Xen to the host's boot menu) is never used."""
    if session.env.xen:
        src = Path(session.env.xen)
    else:
        argv = [sys.executable, str(XEN_DOM0_SCRIPT), "--cache",
                str(xen_dom0_cache(session.opts)), "hypervisor"]
        # It names the file of Debian's package (and so Xen's version).
        where, failure = make_bed_initrd(session, argv, "tests/xen/dom0 hypervisor",
                                         "dom0", [], what="hypervisor")
        if failure:
            return None, failure
        src = Path(where)
    if not src.exists():
        return None, Outcome(problem=f"no Xen hypervisor at {src}")
    session._record(f"# hypervisor: {src}")
    xen = session.logdir / "xen"
    data = src.read_bytes()
    if src.suffix == ".gz":
        data = gzip.decompress(data)
    xen.write_bytes(data)
    return xen, None


@launcher("xen", image=True)
def launch_xen(session):
    """The real Xen hypervisor (multiboot) with pvkit as its dom0 module."""
    xen, failure = unpack_xen(session)
    if failure:
        return failure
    image = str(session.opts.image)
    if "," in image:
        return Outcome(problem=f"QEMU cannot pass a module path with a comma: {image}")
    boot = ["-kernel", str(xen), "-append",
            session.env.xen_cmdline or XEN_DOM0_CMDLINE,
            "-initrd", f"{image} " + session.cmdline().replace(",", ",,")]
    # QEMU separates modules with commas; a doubled comma is a literal one.
    return boot_qemu(session, boot)


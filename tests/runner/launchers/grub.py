"""launcher grub: GRUB boots the image through multiboot2 from a CD."""

import shutil

from ..session import Outcome, console_lines, timeout_text
from . import launcher
from .qemu import boot_qemu


@launcher("grub", image=True)
def launch_grub(session):
    iso, failure = make_grub_iso(session)
    if failure:
        return failure
    return boot_qemu(session, ["-cdrom", str(iso), "-boot", "d"])



GRUB_CFG = """\
set timeout=0
set default=0
menuentry "pvkit" {{
    multiboot2 /boot/pvkit {cmdline}
{module}    boot
}}
"""


def make_grub_iso(session, image=None, initrd=None):
    """Build DIR/tests/<env>/pvkit.iso booting image (pvkit's by default)
    through multiboot2, initrd as its module; (iso, None) or (None, failure)."""
    iso_root = session.logdir / "iso"
    shutil.rmtree(iso_root, ignore_errors=True)
    (iso_root / "boot" / "grub").mkdir(parents=True)
    shutil.copyfile(image or session.opts.image, iso_root / "boot" / "pvkit")
    module = ""
    if initrd:
        shutil.copyfile(initrd, iso_root / "boot" / "initrd")
        module = "    module2 /boot/initrd\n"
    (iso_root / "boot" / "grub" / "grub.cfg").write_text(
        GRUB_CFG.format(cmdline=session.cmdline(), module=module))
    iso = session.logdir / "pvkit.iso"
    session.log.write(b"==> grub-mkrescue\n")
    run = session.run(["grub-mkrescue", "-o", str(iso), str(iso_root)],
                      quiet=True)
    session.log.write(b"==> boot\n")
    if run.error or run.timed_out or run.returncode != 0:
        why = run.error or (timeout_text(session.timeout) if run.timed_out
                            else f"exit {run.returncode}")
        return None, Outcome(problem=f"grub-mkrescue failed ({why})",
                             details=console_lines(run.output)[-20:])
    return iso, None


# SPDX-License-Identifier: GPL-2.0
"""What the Linux test beds share (tests/xen/dom0, tests/kvm/l1): Debian
packages fetched with `apt-get download` (no root, nothing installed on
the host), a newc cpio writer for initramfs images, the ELF kernel inside
a bzImage, and kernel modules in dependency order.

Standard library only (and apt-get, dpkg-deb on the host).
"""

import io
import os
import re
import shlex
import stat
import subprocess
import sys

# The scripts set it to their own name: the prefix of their messages.
LOG_PREFIX = "linuxbed"


def log(text):
    print(f"{LOG_PREFIX}: {text}", file=sys.stderr, flush=True)


class Error(Exception):
    pass


def run(argv, **kw):
    proc = subprocess.run(argv, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise Error(f"{shlex.join(argv)} failed (exit {proc.returncode}):\n"
                    f"{proc.stderr.strip()}")
    return proc.stdout


# --------------------------------------------------------------------------
# Debian packages
# --------------------------------------------------------------------------

APT = ["apt-get", "-q", "-o", "APT::Sandbox::User=root"]


def apt(argv, **kw):
    """apt-get ARGV; on failure (no lists yet) apt-get update once, retry."""
    try:
        return run(APT + argv, **kw)
    except Error as err:
        log(f"{err}\n{LOG_PREFIX}: trying apt-get update")
        if os.geteuid() != 0:
            raise Error(f"{err}\n(apt-get update needs root)") from None
        run(["apt-get", "-q", "update"])
        return run(APT + argv, **kw)


def kernel_package():
    """Debian's current kernel package (or PVKIT_XEN_KERNEL_PKG)."""
    name = os.environ.get("PVKIT_XEN_KERNEL_PKG")
    if name:
        return name
    out = run(["apt-cache", "depends", "linux-image-amd64"])
    m = re.search(r"Depends: (linux-image-[0-9][^\s]*-amd64)", out)
    if not m:
        raise Error("cannot resolve linux-image-amd64 (apt lists missing? "
                    "run apt-get update)")
    return m[1]


def resolve(packages):
    """{package: .deb file name} for the candidate versions."""
    out = apt(["download", "--print-uris", *packages])
    debs = {}
    for line in out.splitlines():
        m = re.match(r"'[^']+' (\S+\.deb) ", line)
        if m:
            debs[m[1].split("_")[0]] = m[1]
    missing = [p for p in packages if p not in debs]
    if missing:
        raise Error(f"apt-get download --print-uris did not name: {missing}")
    return debs


def download(debdir, debs):
    """The .deb files of debs ({package: file}) into debdir, those missing."""
    debdir.mkdir(parents=True, exist_ok=True)
    need = [p for p, f in debs.items() if not (debdir / f).exists()]
    if need:
        log(f"apt-get download {' '.join(need)}")
        apt(["download", *need], cwd=debdir)


# --------------------------------------------------------------------------
# cpio (newc), as the kernel's initramfs unpacker reads it
# --------------------------------------------------------------------------

class Cpio:
    def __init__(self):
        self.out = io.BytesIO()
        self.ino = 1000
        self.dirs = set()

    def entry(self, name, mode, data=b""):
        name = name.strip("/")
        self.ino += 1
        namez = name.encode() + b"\0"
        head = "070701" + "".join(f"{v:08x}" for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0,
            len(namez), 0))
        self.out.write(head.encode() + namez)
        self.out.write(b"\0" * (-(110 + len(namez)) % 4))
        self.out.write(data)
        self.out.write(b"\0" * (-len(data) % 4))

    def mkdir(self, name):
        parts = name.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            path = "/".join(parts[:i])
            if path and path not in self.dirs:
                self.dirs.add(path)
                self.entry(path, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o644):
        self.mkdir(os.path.dirname(name.strip("/")))
        self.entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self.mkdir(os.path.dirname(name.strip("/")))
        self.entry(name, stat.S_IFLNK | 0o777, target.encode())

    def copy(self, name, path):
        if path.is_symlink():
            self.symlink(name, os.readlink(path))
        else:
            self.file(name, path.read_bytes(), path.stat().st_mode & 0o777)

    def tree(self, name, path):
        """Directory path (files, symlinks, subdirectories) as name."""
        for sub in sorted(path.rglob("*")):
            dest = f"{name}/{sub.relative_to(path)}"
            if sub.is_dir() and not sub.is_symlink():
                self.mkdir(dest)
            else:
                self.copy(dest, sub)

    def finish(self):
        self.entry("TRAILER!!!", 0)
        self.out.write(b"\0" * (-self.out.tell() % 512))
        return self.out.getvalue()


# --------------------------------------------------------------------------
# The kernel and its modules
# --------------------------------------------------------------------------

def bzimage_elf(data):
    """The ELF kernel inside a bzImage.  Loaders would unpack the xz
    payload themselves, but under TCG that costs seconds each time (8.5 s
    for Xen's dom0 on a busy host); an ELF is just copied, and QEMU boots
    it through its PVH note."""
    import lzma
    import struct
    setup = data[0x1f1] or 4
    offset, length = struct.unpack_from("<II", data, 0x248)
    start = (setup + 1) * 512 + offset
    payload = data[start:start + length]
    if payload[:6] != b"\xfd7zXZ\0":
        raise Error("kernel payload is not xz (Debian's kernels are)")
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    if elf[:4] != b"\x7fELF":
        raise Error("kernel payload is not an ELF file")
    return elf


def module_index(moddir):
    index = {}
    for path in moddir.rglob("*.ko"):
        index[path.stem.replace("-", "_")] = path
    return index


def module_deps(path):
    data = path.read_bytes()
    m = re.search(rb"\0depends=([^\0]*)\0", data)
    if not m or not m[1]:
        return []
    return m[1].decode().split(",")


def module_order(index, wanted):
    """wanted modules with their dependencies first, each once."""
    order = []

    def add(name):
        name = name.replace("-", "_")
        if name in order:
            return
        if name not in index:
            raise Error(f"kernel module {name} not found")
        for dep in module_deps(index[name]):
            add(dep)
        order.append(name)
    for name in wanted:
        add(name)
    return order


def add_modules(cpio, index, wanted):
    """The modules (with dependencies) as /lib/modules/NAME.ko and the
    order to load them in as /lib/modules/order."""
    order = module_order(index, wanted)
    for name in order:
        cpio.file(f"lib/modules/{name}.ko", index[name].read_bytes())
    cpio.file("lib/modules/order", "".join(f"{n}\n" for n in order).encode())

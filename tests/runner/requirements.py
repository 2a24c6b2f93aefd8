"""Whether an environment can run here: its `requires` conditions."""

import fcntl
import functools
import os
import shutil
import struct
import subprocess
from pathlib import Path

from .common import KVM_CPU

KVM_GET_API_VERSION = 0xAE00
KVM_API_VERSION = 12

# --------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def kvm_problem():
    """Why KVM cannot be used here, or None if it can."""
    path = "/dev/kvm"
    if not os.path.exists(path):
        return f"{path} does not exist"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError as err:
        return f"{path}: {err.strerror}"
    try:
        version = fcntl.ioctl(fd, KVM_GET_API_VERSION)
    except OSError as err:
        return f"{path}: KVM_GET_API_VERSION failed: {err.strerror}"
    finally:
        os.close(fd)
    if version != KVM_API_VERSION:
        return f"{path}: unsupported KVM API version {version}"
    return kvm_qemu_problem()


def kvm_qemu_problem():
    """Whether QEMU can create a KVM vCPU here: a paused machine is made
    and quit, which is enough to reach the MSR and CPUID set-up that fails
    on some nested hosts."""
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        return "qemu-system-x86_64 not found on PATH"
    try:
        proc = subprocess.run(
            [qemu, "-accel", "kvm", "-cpu", KVM_CPU, "-M", "q35", "-S",
             "-nodefaults", "-display", "none", "-monitor", "stdio"],
            input="quit\n", capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "QEMU with -accel kvm did not quit within 30 s"
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        why = lines[-1] if lines else f"exit status {proc.returncode}"
        return f"QEMU cannot start a KVM vCPU: {why}"
    return None


CAP_NET_ADMIN = 12


@functools.lru_cache(maxsize=None)
def tap_problem():
    """Why QEMU cannot create a tap here, with a network namespace for the
    peer (tests/tools/netmqpeer.py), or None if it can."""
    try:
        status = Path("/proc/self/status").read_text()
        caps = int(next(line.split()[1] for line in status.splitlines()
                        if line.startswith("CapEff:")), 16)
    except (OSError, StopIteration, ValueError):
        caps = 0
    if not caps >> CAP_NET_ADMIN & 1:
        return "no CAP_NET_ADMIN (not root)"
    try:
        os.close(os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC))
    except OSError as err:
        return f"/dev/net/tun: {err.strerror}"
    for command in ("ip", "unshare"):
        if not shutil.which(command):
            return f"{command} not found on PATH"
    try:
        proc = subprocess.run(["unshare", "-n", "true"], capture_output=True,
                              timeout=30)
    except subprocess.TimeoutExpired:
        return "unshare -n did not return within 30 s"
    if proc.returncode:
        return "cannot make a network namespace (unshare -n failed)"
    return None


def elf_symbols(path):
    """The names in an ELF64 file's symbol tables (.symtab, .dynsym)."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError("not an ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3a)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    names = set()
    for _name, kind, _f, _a, offset, size, link, _i, _al, entsize in sections:
        if kind not in (2, 11) or not entsize:      # SHT_SYMTAB, SHT_DYNSYM
            continue
        strtab = sections[link][4]
        for pos in range(offset, offset + size, entsize):
            start = strtab + struct.unpack_from("<I", data, pos)[0]
            end = data.index(b"\0", start)
            if end > start:
                names.add(data[start:end].decode("utf-8", "replace"))
    return names


def image_symbol_problem(image, name):
    try:
        symbols = elf_symbols(image)
    except (OSError, ValueError, struct.error) as err:
        return f"cannot read symbols of {image}: {err}"
    if name not in symbols:
        return f"{image} has no symbol '{name}'"
    return None


def unmet_requirement(env, image=None):
    """The reason the first unmet 'requires' condition fails, or None."""
    for item in env.requires:
        if item == "kvm":
            problem = kvm_problem()
        elif item == "tap":
            problem = tap_problem()
        elif item.startswith("symbol:"):
            problem = image_symbol_problem(image or "build/pvkit",
                                           item[len("symbol:"):])
        else:
            command = item[len("cmd:"):]
            problem = None if shutil.which(command) else \
                f"{command} not found on PATH"
        if problem:
            return problem
    return None


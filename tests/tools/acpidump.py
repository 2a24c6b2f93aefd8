#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Capture the ACPI tables QEMU gives a machine, from the host.

Boots build/pvkit with app=info under QEMU without the isa-debug-exit device
(so the guest halts at the end instead of ending QEMU), saves the guest's RAM
through the monitor's pmemsave once the console says where the RSDP is, and
walks RSDP -> XSDT/RSDT -> FADT -> DSDT, and every SSDT, in that copy.
Writes SIG.dat files (DSDT.dat, SSDT1.dat, ...) into the output directory.

    tests/tools/acpidump.py --machine q35 --out tests/unit/fixtures/acpi/q35
    tests/tools/acpidump.py --machine microvm --out DIR -- \\
        -device virtio-blk-device,drive=d0 -drive if=none,id=d0,file=IMG

The tables the firmware built are what the guest sees; nothing is computed
here.  Used to produce the fixtures of drivers/acpi/tests/aml_test.c.
"""
import argparse
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time


def monitor(sock_path, command):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.settimeout(10)
    buf = b""
    while b"(qemu)" not in buf:
        buf += s.recv(4096)
    s.sendall(command.encode() + b"\n")
    buf = b""
    while buf.count(b"(qemu)") < 1:
        buf += s.recv(4096)
    s.close()


def table(ram, phys):
    sig = ram[phys:phys + 4].decode("ascii", "replace")
    length = struct.unpack_from("<I", ram, phys + 4)[0]
    if length < 36 or phys + length > len(ram):
        sys.exit(f"{sig} at {phys:#x}: bad length {length}")
    data = ram[phys:phys + length]
    if sum(data) & 0xff:
        sys.exit(f"{sig} at {phys:#x}: bad checksum")
    return sig, data


def walk(ram, rsdp):
    if ram[rsdp:rsdp + 8] != b"RSD PTR ":
        sys.exit(f"no RSDP at {rsdp:#x}")
    rev = ram[rsdp + 15]
    if rev >= 2 and struct.unpack_from("<Q", ram, rsdp + 24)[0]:
        root, esize = struct.unpack_from("<Q", ram, rsdp + 24)[0], 8
    else:
        root, esize = struct.unpack_from("<I", ram, rsdp + 16)[0], 4
    _, rdata = table(ram, root)
    out = []
    for off in range(36, len(rdata), esize):
        phys = int.from_bytes(rdata[off:off + esize], "little")
        sig, data = table(ram, phys)
        out.append((sig, data))
        if sig == "FACP":
            dsdt = struct.unpack_from("<I", data, 40)[0]
            if len(data) >= 148 and struct.unpack_from("<Q", data, 140)[0]:
                dsdt = struct.unpack_from("<Q", data, 140)[0]
            out.append(table(ram, dsdt))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--machine", required=True)
    ap.add_argument("--memory", default="128M")
    ap.add_argument("--image", default="build/pvkit")
    ap.add_argument("--out", required=True)
    ap.add_argument("args", nargs="*", help="more QEMU arguments (after --)")
    opts = ap.parse_args()
    size = int(opts.memory.rstrip("M")) << 20
    with tempfile.TemporaryDirectory() as tmp:
        mon = os.path.join(tmp, "mon")
        ramfile = os.path.join(tmp, "ram")
        qemu = subprocess.Popen(
            ["qemu-system-x86_64", "-M", opts.machine, "-m", opts.memory,
             "-nodefaults", "-display", "none", "-serial", "stdio",
             "-monitor", f"unix:{mon},server=on,wait=off",
             "-kernel", opts.image, "-append", "app=info", *opts.args],
            stdout=subprocess.PIPE)
        try:
            rsdp = None
            deadline = time.monotonic() + 60
            for raw in qemu.stdout:
                m = re.search(r"acpi: RSDP at (0x[0-9a-f]+)", raw.decode())
                if m:
                    rsdp = int(m.group(1), 16)
                    break
                if time.monotonic() > deadline:
                    break
            if rsdp is None:
                sys.exit("the guest did not say where the RSDP is")
            # The tables are firmware's, built before the kernel ran.
            monitor(mon, f'pmemsave 0 {size} "{ramfile}"')
            deadline = time.monotonic() + 30
            while (not os.path.exists(ramfile) or
                   os.path.getsize(ramfile) < size):
                if time.monotonic() > deadline:
                    sys.exit("pmemsave did not complete")
                time.sleep(0.2)
            with open(ramfile, "rb") as f:
                ram = f.read()
        finally:
            qemu.kill()
            qemu.wait()
    os.makedirs(opts.out, exist_ok=True)
    seen = {}
    for sig, data in walk(ram, rsdp):
        n = seen.get(sig, 0)
        seen[sig] = n + 1
        name = f"{sig}{n}.dat" if n else f"{sig}.dat"
        with open(os.path.join(opts.out, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()

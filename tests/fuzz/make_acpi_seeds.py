#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seed inputs for tests/fuzz/acpi_fuzz.c.

Each seed is a small "physical memory" image starting at address 0 with
the RSDP at offset 0, the layout the fuzz target expects.  Tables are laid
out one after the other, 16-byte aligned, with correct checksums.

    python3 tests/fuzz/make_acpi_seeds.py [OUTDIR]   (default tests/fuzz/corpus/acpi)
"""
import os
import struct
import sys


def checksum_fix(buf, start, length, at):
    """Set buf[at] so that buf[start:start+length] sums to 0 mod 256."""
    buf[at] = 0
    buf[at] = (-sum(buf[start:start + length])) & 0xff


def sdt(sig, revision, body):
    """A system description table: header + body, checksummed."""
    length = 36 + len(body)
    hdr = struct.pack("<4sIBB6s8sI4sI", sig, length, revision, 0,
                      b"PVKIT ", b"PVKFUZZ ", 1, b"PVK ", 1)
    table = bytearray(hdr + body)
    checksum_fix(table, 0, length, 9)
    return table


def madt(cpus=2, x2apic=True, lapic_override=False, extra=b""):
    body = struct.pack("<II", 0xfee00000, 1)
    for i in range(cpus):
        body += struct.pack("<BBBBI", 0, 8, i, i, 1)
    if x2apic:
        body += struct.pack("<BBHIII", 9, 16, 0, 0x100, 1, 0x100)
    body += struct.pack("<BBBBII", 1, 12, 0, 0, 0xfec00000, 0)
    body += struct.pack("<BBBBIH", 2, 10, 0, 0, 2, 0)
    body += struct.pack("<BBBBIH", 2, 10, 0, 9, 9, 0xd)
    if lapic_override:
        body += struct.pack("<BBHQ", 5, 12, 0, 0xfee00000)
    body += extra
    return sdt(b"APIC", 4, body)


def gas(space, width, address):
    return struct.pack("<BBBBQ", space, width, 0, 3, address)


def fadt(revision=4, pm_tmr=0xb008, x_pm_tmr=0x608, flags=1 << 8):
    body = bytearray(276 - 36 if revision >= 3 else 116 - 36)

    def put(off, fmt, *vals):
        data = struct.pack(fmt, *vals)
        body[off - 36:off - 36 + len(data)] = data

    put(46, "<H", 9)                    # SCI_INT
    put(76, "<I", pm_tmr)               # PM_TMR_BLK
    put(91, "<B", 4 if pm_tmr else 0)   # PM_TMR_LEN
    put(109, "<H", 3)                   # IAPC_BOOT_ARCH
    put(112, "<I", flags)               # Flags
    if revision >= 3:
        put(208, "<12s", gas(1, 32, x_pm_tmr))   # X_PM_TMR_BLK
    return sdt(b"FACP", revision, bytes(body))


def hpet():
    body = struct.pack("<I", 0x8086a201) + gas(0, 64, 0xfed00000)
    body += struct.pack("<BHB", 0, 0x80, 0)
    return sdt(b"HPET", 1, body)


def mcfg(n=1):
    body = bytes(8)
    for i in range(n):
        body += struct.pack("<QHBBI", 0xb0000000 + i * 0x10000000, i, 0, 255, 0)
    return sdt(b"MCFG", 1, body)


def image(tables, revision=2, use_rsdt=True, use_xsdt=True):
    """RSDP at 0, then the root tables, then the tables; returns bytes."""
    def align(n):
        return (n + 15) & ~15

    offs = []
    pos = 48                            # after the 36-byte RSDP
    n = len(tables)
    rsdt_off = pos if use_rsdt else 0
    if use_rsdt:
        pos = align(pos + 36 + 4 * n)
    xsdt_off = pos if use_xsdt and revision >= 2 else 0
    if xsdt_off:
        pos = align(pos + 36 + 8 * n)
    for t in tables:
        offs.append(pos)
        pos = align(pos + len(t))

    img = bytearray(pos)
    if rsdt_off:
        img[rsdt_off:rsdt_off + 36 + 4 * n] = sdt(
            b"RSDT", 1, b"".join(struct.pack("<I", o) for o in offs))
    if xsdt_off:
        img[xsdt_off:xsdt_off + 36 + 8 * n] = sdt(
            b"XSDT", 1, b"".join(struct.pack("<Q", o) for o in offs))
    for off, t in zip(offs, tables):
        img[off:off + len(t)] = t

    rsdp = bytearray(struct.pack("<8sB6sBI", b"RSD PTR ", 0, b"PVKIT ",
                                 revision, rsdt_off))
    if revision >= 2:
        rsdp += struct.pack("<IQB3s", 36, xsdt_off, 0, bytes(3))
    checksum_fix(rsdp, 0, 20, 8)
    if revision >= 2:
        checksum_fix(rsdp, 0, 36, 32)
    img[0:len(rsdp)] = rsdp
    return bytes(img)


def seeds():
    full = [madt(lapic_override=True), fadt(), hpet(), mcfg()]
    yield "v2_xsdt_full", image(full)
    yield "v1_rsdt", image([madt(x2apic=False), fadt(revision=1), hpet()],
                           revision=0, use_xsdt=False)
    yield "v2_xsdt_only", image([madt(), fadt(), mcfg(3)], use_rsdt=False)
    # more entries than the fixed arrays hold
    yield "many_cpus", image([madt(cpus=80), fadt(x_pm_tmr=0)], revision=0,
                             use_xsdt=False)
    # a MADT whose last entry runs past the end of the table
    yield "madt_overrun", image([madt(extra=struct.pack("<BB", 1, 40)),
                                 fadt()])
    # a bad table checksum: the parser must ignore the table
    bad = bytearray(image([madt(), hpet()], revision=0, use_xsdt=False))
    first = struct.unpack_from("<I", bad, 48 + 36)[0]   # RSDT entry 0
    bad[first + 9] ^= 0xff
    yield "bad_checksum", bytes(bad)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "acpi")
    os.makedirs(outdir, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks on the host what blkbench's per-CPU submitters wrote (bench.cpus).

Each CPU c wrote a pattern over its own region and said so on the console:

    blkbench: cpu C wrote, read back and checked sectors S+N: 0 bad words

This reads the disk image after the guest exited and checks, for each of
the --cpus CPUs, that its line is there, that no two regions overlap, that
every 64-bit word of its sectors holds the pattern of apps/blkbench.c's
pattern(), and (with --before) that every other byte of the image is as
it was before the boot.  Exit status 0 when all hold.
"""
import argparse
import re
import struct
import sys

LINE = re.compile(r"blkbench: cpu (\d+) wrote, read back and checked sectors (\d+)\+(\d+): (\d+) bad words")
GOLDEN = 0x9e3779b97f4a7c15
MASK = (1 << 64) - 1
SECTOR = 512


def pattern(cpu, sector):
    """The 64 words blkbench writes to sector, packed little-endian."""
    key = ((cpu + 1) * GOLDEN) & MASK
    return struct.pack("<64Q", *(((sector << 16 | i << 8 | 0xa5) ^ key) & MASK for i in range(64)))


def regions(console, cpus):
    """{cpu: (first sector, sectors)} from the last line of each CPU."""
    found = {}
    with open(console, errors="replace") as f:
        for line in f:
            m = LINE.search(line)
            if m:
                found[int(m.group(1))] = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
    missing = [c for c in range(cpus) if c not in found]
    if missing:
        raise SystemExit(f"blkpattern: no line for cpu {missing} in {console}")
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("console")
    ap.add_argument("image")
    ap.add_argument("--cpus", type=int, required=True)
    ap.add_argument("--before", help="the image before the boot: the rest must be unchanged")
    a = ap.parse_args()
    found = regions(a.console, a.cpus)
    with open(a.image, "rb") as f:
        disk = f.read()
    errors = 0
    spans = sorted((s, s + n, c) for c, (s, n, _) in found.items())
    for (s0, e0, c0), (s1, _, c1) in zip(spans, spans[1:]):
        if s1 < e0:
            print(f"blkpattern: regions of cpu {c0} and cpu {c1} overlap")
            errors += 1
    for c, (start, n, bad) in sorted(found.items()):
        if bad:
            print(f"blkpattern: cpu {c} said {bad} bad words")
            errors += 1
        if not n or (start + n) * SECTOR > len(disk):
            print(f"blkpattern: cpu {c}: sectors {start}+{n} not on the {len(disk)}-byte disk")
            errors += 1
            continue
        wrong = [s for s in range(start, start + n)
                 if disk[s * SECTOR:(s + 1) * SECTOR] != pattern(c, s)]
        if wrong:
            print(f"blkpattern: cpu {c}: {len(wrong)} of {n} sectors without the pattern, "
                  f"first {wrong[0]}")
            errors += 1
        else:
            print(f"blkpattern: cpu {c}: sectors {start}+{n} hold its pattern")
    if a.before:
        with open(a.before, "rb") as f:
            old = bytearray(f.read())
        for s, e, _ in spans:
            old[s * SECTOR:e * SECTOR] = disk[s * SECTOR:e * SECTOR]
        if bytes(old) != disk:
            first = next(i for i in range(len(disk)) if disk[i] != old[i])
            print(f"blkpattern: the image changed outside the regions, first at byte {first}")
            errors += 1
        else:
            print("blkpattern: the rest of the image is as before")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

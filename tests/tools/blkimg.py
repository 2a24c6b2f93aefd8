#!/usr/bin/env python3
"""Disk images for pvkit's block-device tests, and the host-side checks.

The guest's `blk` app prints lines like these on its console:

    blk: crc32 vda 0+16777216 = 0x1c291ca3
    blk: fill vda 4194304+1048576 seed 42 done
    blk: fill vda 0+4096 seed 9 written, not flushed (REASON)
    blk: verify vda 4194304+1048576 seed 42 ok        (or ... MISMATCH at N)

(OFFSET+LENGTH in bytes, multiples of 512; SEED a decimal u64).  After the
guest has exited, `check-log` reads its console log and checks each line
against the disk image file the guest wrote to: the CRC-32 (zlib's) of the
range, and that a filled range holds exactly the fill pattern.  A fill is
"done" once written and flushed; "written, not flushed" when the device
offers no flush or the guest was told not to (flush=no).  With --lost,
the fills that were not flushed must instead be missing from the image
(it holds what --before holds there): the check for a backend that drops
unflushed writes when QEMU is killed (tests/tools/nbdserver.py).

The fill pattern: the device is a sequence of little-endian 64-bit words;
the word at byte offset o (a multiple of 8) is

    splitmix64(seed * 0x9E3779B97F4A7C15 + o // 8)      (mod 2**64)

    splitmix64(x): x ^= x >> 30; x *= 0xbf58476d1ce4e5b9;
                   x ^= x >> 27; x *= 0x94d049bb133111eb;
                   x ^= x >> 31                          (mod 2**64)

Subcommands (sizes and offsets take K/M/G suffixes, powers of 1024):

    blkimg.py random IMAGE SIZE [--seed N]    pseudo-random image, prints size and CRC
    blkimg.py zero IMAGE SIZE                 zero-filled (sparse) image
    blkimg.py crc IMAGE OFFSET LENGTH         prints the CRC-32 of a range
    blkimg.py pattern IMAGE OFFSET LENGTH SEED   writes the fill pattern
    blkimg.py check-log LOG IMAGE [--device vda] [--expect crc,fill,verify]
                                 [--before COPY] [--lost]

Standard library only (no numpy): the pattern is computed for many words
at once in one big Python integer (128-bit lanes), ~0.3 s per 16 MiB.
"""

import argparse
import functools
import os
import random
import re
import sys
import zlib
from array import array
from dataclasses import dataclass
from typing import Optional

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
MUL1 = 0xBF58476D1CE4E5B9
MUL2 = 0x94D049BB133111EB

CHUNK = 1 << 20                 # bytes read, generated or compared at once
RANDOM_CHUNK = 1 << 20          # fixed: the random image depends on it

# --------------------------------------------------------------------------
# The fill pattern
# --------------------------------------------------------------------------


def splitmix64(x):
    """The reference (one word at a time) splitmix64 finaliser."""
    x &= MASK64
    x ^= x >> 30
    x = (x * MUL1) & MASK64
    x ^= x >> 27
    x = (x * MUL2) & MASK64
    x ^= x >> 31
    return x


def pattern_word(seed, offset):
    """The pattern's 64-bit word at byte offset (a multiple of 8)."""
    return splitmix64(seed * GOLDEN + offset // 8)


@functools.lru_cache(maxsize=8)
def _lanes(count):
    """Constants for `count` 128-bit lanes packed in one integer.

    ones: 1 in every lane; mask: the low 64 bits of every lane; ramp: lane
    i holds i.  Each lane holds one 64-bit word; the upper 64 bits give a
    product by a 64-bit constant room, so lanes never carry into each other.
    """
    ones = int.from_bytes((b"\x01" + bytes(15)) * count, "little")
    mask = int.from_bytes((b"\xff" * 8 + bytes(8)) * count, "little")
    ramp = array("Q", bytes(16 * count))
    ramp[0::2] = array("Q", range(count))
    return ones, mask, int.from_bytes(ramp.tobytes(), "little")


def _pattern_words(seed, first, count):
    """Little-endian bytes of words first .. first+count-1 of the pattern."""
    ones, mask, ramp = _lanes(count)
    x = (((seed * GOLDEN + first) & MASK64) * ones + ramp) & mask
    x ^= (x >> 30) & mask
    x = (x * MUL1) & mask
    x ^= (x >> 27) & mask
    x = (x * MUL2) & mask
    x ^= (x >> 31) & mask
    # Every lane is 16 little-endian bytes, its word in the first 8.
    lanes = memoryview(x.to_bytes(16 * count, "little")).cast("Q")
    return lanes[0::2].tobytes()


def pattern_bytes(seed, offset, length):
    """The pattern over [offset, offset+length) (any byte alignment)."""
    first = offset // 8
    last = (offset + length + 7) // 8
    data = _pattern_words(seed, first, last - first) if last > first else b""
    skip = offset - first * 8
    return data[skip:skip + length]


def iter_pattern(seed, offset, length, chunk=CHUNK):
    """The pattern over a range, in pieces of at most chunk bytes."""
    end = offset + length
    while offset < end:
        size = min(chunk, end - offset)
        yield pattern_bytes(seed, offset, size)
        offset += size


# --------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------

_SIZE_RE = re.compile(r"(\d+)\s*([kmgt]?)(?:i?b)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text):
    """'16M' -> 16777216; K, M, G, T are powers of 1024."""
    match = _SIZE_RE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"bad size {text!r} (use e.g. 4096, 64K, 16M, 1G)")
    return int(match[1]) * _UNITS[match[2].lower()]


def size_text(count):
    """4194304 -> '4M' when it divides evenly, else the plain number."""
    for suffix, unit in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if count and count % unit == 0:
            return f"{count // unit}{suffix}"
    return str(count)


def iter_image(file, offset, length, chunk=CHUNK):
    """Bytes of an open image over a range, in pieces; short at its end."""
    file.seek(offset)
    while length > 0:
        data = file.read(min(chunk, length))
        if not data:
            return
        yield data
        length -= len(data)


def crc_of(file, offset, length, crc=0):
    for data in iter_image(file, offset, length):
        crc = zlib.crc32(data, crc)
    return crc


def make_random(path, size, seed):
    """Write size pseudo-random bytes (deterministic for a seed); its CRC."""
    rng = random.Random(seed)
    crc = 0
    with open(path, "wb") as file:
        left = size
        while left > 0:
            data = rng.randbytes(min(RANDOM_CHUNK, left))
            file.write(data)
            crc = zlib.crc32(data, crc)
            left -= len(data)
    return crc


def make_zero(path, size):
    with open(path, "wb") as file:
        file.truncate(size)


def write_pattern(path, offset, length, seed):
    mode = "r+b" if os.path.exists(path) else "w+b"
    with open(path, mode) as file:
        file.seek(offset)
        for data in iter_pattern(seed, offset, length):
            file.write(data)


# --------------------------------------------------------------------------
# check-log
# --------------------------------------------------------------------------

KINDS = ("crc", "fill", "verify")

_BLK_RE = re.compile(r"blk: (crc32|fill|verify) ")
_CRC_RE = re.compile(r"blk: crc32 (\S+) (\d+)\+(\d+) = 0x([0-9a-fA-F]{1,8})\s*$")
_FILL_RE = re.compile(r"blk: fill (\S+) (\d+)\+(\d+) seed (\d+) "
                      r"(done|written, not flushed \(.+\))\s*$")
_VERIFY_RE = re.compile(r"blk: verify (\S+) (\d+)\+(\d+) seed (\d+) "
                        r"(ok|MISMATCH at (\d+))\s*$")
_WORD_OF = {"crc32": "crc", "fill": "fill", "verify": "verify"}


@dataclass
class Event:
    """One 'blk:' console line."""
    kind: str                   # crc, fill, verify, or bad (unparsable)
    line: int                   # 1-based console line number
    text: str
    device: str = ""
    offset: int = 0
    length: int = 0
    seed: int = 0
    crc: int = 0
    mismatch: Optional[int] = None      # verify: MISMATCH at this offset
    flushed: bool = True                # fill: "done" (not "not flushed")

    @property
    def end(self):
        return self.offset + self.length

    def where(self):
        return (f"{self.device} {self.offset}+{self.length} "
                f"({size_text(self.offset)}+{size_text(self.length)})")


def parse_log(lines):
    """Every 'blk: crc32|fill|verify' line as an Event, in console order."""
    events = []
    for number, raw in enumerate(lines, 1):
        text = raw.rstrip("\r\n")
        found = _BLK_RE.search(text)
        if not found:
            continue
        body = text[found.start():]
        kind = _WORD_OF[found[1]]
        match = {"crc": _CRC_RE, "fill": _FILL_RE,
                 "verify": _VERIFY_RE}[kind].fullmatch(body)
        if not match:
            # The device name is the next word, if there is one.
            words = body.split()
            device = words[2] if len(words) > 2 else ""
            events.append(Event("bad", number, body, device))
            continue
        event = Event(kind, number, body, match[1], int(match[2]),
                      int(match[3]))
        if kind == "crc":
            event.crc = int(match[4], 16)
        else:
            event.seed = int(match[4])
            event.flushed = match[5] == "done"
            if kind == "verify" and match[6] is not None:
                event.mismatch = int(match[6])
        events.append(event)
    return events


def _pieces(start, end, fills):
    """Split [start, end) at every fill boundary inside it."""
    points = {start, end}
    for fill in fills:
        for point in (fill.offset, fill.end):
            if start < point < end:
                points.add(point)
    points = sorted(points)
    return list(zip(points, points[1:]))


def _covering(fills, start, end):
    """Fills (in console order) that cover [start, end) entirely."""
    return [f for f in fills if f.offset <= start and end <= f.end]


def _first_difference(got, want):
    for index, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return index
    return min(len(got), len(want))


class LogChecker:
    """Checks the events of one device against the image after the boot."""

    def __init__(self, image, size, before=None, before_size=0, lost=False):
        self.image = image              # open file
        self.size = size
        self.before = before            # open file or None
        self.before_size = before_size
        self.lost = lost                # unflushed fills must be missing
        self.fills = []

    def check(self, events):
        """(ok, message) for each event, in order."""
        self.fills = [e for e in events if e.kind == "fill"]
        for event in events:
            handler = getattr(self, f"_check_{event.kind}")
            yield event, handler(event)

    def _out_of_range(self, event):
        if event.end > self.size:
            return (False, f"range ends at byte {event.end}, beyond the end "
                           f"of the image ({self.size} bytes)")
        return None

    def _check_bad(self, event):
        if " failed" in event.text:
            return False, "the guest reported a failure"
        return False, "cannot parse this line"

    def _check_verify(self, event):
        if event.mismatch is not None:
            return False, f"the guest found a mismatch at byte {event.mismatch}"
        return True, "the guest read the pattern back"

    def _check_crc(self, event):
        """Rebuild the device as the guest saw it at this line, and CRC it.

        Ranges filled earlier in the log hold their pattern; the rest is the
        image as it was before the boot: --before if given, else the image
        after the boot, as long as no later fill overwrote that part.
        """
        problem = self._out_of_range(event)
        if problem:
            return problem
        crc = 0
        for start, end in _pieces(event.offset, event.end, self.fills):
            earlier = [f for f in _covering(self.fills, start, end)
                       if f.line < event.line]
            later = [f for f in _covering(self.fills, start, end)
                     if f.line > event.line]
            if earlier:
                for data in iter_pattern(earlier[-1].seed, start, end - start):
                    crc = zlib.crc32(data, crc)
            elif self.before is not None:
                if end > self.before_size:
                    return False, (f"range ends beyond the end of the "
                                   f"--before image ({self.before_size} bytes)")
                crc = crc_of(self.before, start, end - start, crc)
            elif later:
                return False, (f"bytes {start}..{end - 1} were overwritten "
                               f"later by the fill on console line "
                               f"{later[0].line}; give --before with a copy "
                               f"of the image from before the boot")
            else:
                crc = crc_of(self.image, start, end - start, crc)
        if crc == event.crc:
            return True, f"0x{crc:08x}"
        return False, f"the guest says 0x{event.crc:08x}, the image has 0x{crc:08x}"

    def _check_fill(self, event):
        problem = self._out_of_range(event)
        if problem:
            return problem
        if self.lost and not event.flushed:
            return self._check_lost(event)
        checked = 0
        for start, end in _pieces(event.offset, event.end, self.fills):
            if any(f.line > event.line
                   for f in _covering(self.fills, start, end)):
                continue            # overwritten later; that fill checks it
            difference = self._compare(event.seed, start, end)
            if difference is not None:
                return False, difference
            checked += end - start
        if checked == event.length:
            return True, "the image holds the pattern"
        if checked == 0:
            return True, "overwritten later by other fills (not checked)"
        return True, (f"the image holds the pattern ({checked} bytes; the "
                      f"rest was overwritten later by other fills)")

    def _check_lost(self, event):
        """An unflushed fill the backend had to drop: the image is as before."""
        if self.before is None or event.end > self.before_size:
            return False, "--lost needs --before covering the range"
        self.before.seek(event.offset)
        self.image.seek(event.offset)
        old = self.before.read(event.length)
        now = self.image.read(event.length)
        if now == old:
            return True, "lost as it must be: the image holds what it held before"
        if self._compare(event.seed, event.offset, event.end) is None:
            return False, ("the unflushed fill is in the image: the backend "
                           "did not drop it")
        at = event.offset + _first_difference(now, old)
        return False, (f"the image differs from what it held before at byte "
                       f"{at}, and does not hold the pattern either")

    def _compare(self, seed, start, end):
        """None if the image holds the pattern over [start, end)."""
        position = start
        pattern = iter_pattern(seed, start, end - start)
        for got in iter_image(self.image, start, end - start):
            want = next(pattern)
            if got != want:
                index = _first_difference(got, want)
                at = position + index
                word = at - at % 8
                return (f"the image differs from the pattern at byte {at} "
                        f"(word at {word}: expected "
                        f"0x{pattern_word(seed, word):016x}, found "
                        f"0x{self._word(word):016x})")
            position += len(got)
        return None

    def _word(self, offset):
        self.image.seek(offset)
        return int.from_bytes(self.image.read(8).ljust(8, b"\0"), "little")


def check_log(log_path, image_path, device="vda", expect=(), before=None,
              out=print, lost=False):
    """Run every check; prints one line per check and returns True if all pass."""
    with open(log_path, "rb") as file:
        lines = file.read().decode("utf-8", "replace").splitlines()
    events = [e for e in parse_log(lines) if e.device == device]
    passed = failed = 0

    def report(ok, text):
        nonlocal passed, failed
        passed += ok
        failed += not ok
        out(f"{'PASS' if ok else 'FAIL'} {text}")

    with open(image_path, "rb") as image, \
            (open(before, "rb") if before else open(os.devnull, "rb")) as old:
        checker = LogChecker(image, os.fstat(image.fileno()).st_size,
                             old if before else None,
                             os.fstat(old.fileno()).st_size, lost)
        for event, (ok, message) in checker.check(events):
            if event.kind == "bad":
                name = event.text
            else:
                name = f"{'crc32' if event.kind == 'crc' else event.kind} " \
                       f"{event.where()}"
                if event.kind != "crc":
                    name += f" seed {event.seed}"
            report(ok, f"{name}: {message} (console line {event.line})")
    for kind in expect:
        if not any(e.kind == kind for e in events):
            word = "crc32" if kind == "crc" else kind
            report(False, f"no 'blk: {word} {device} ...' line in {log_path}")
    if lost and not any(e.kind == "fill" and not e.flushed for e in events):
        report(False, f"--lost: no 'blk: fill {device} ... not flushed' line "
                      f"in {log_path}")
    if passed + failed == 0:
        report(False, f"no 'blk:' lines for {device} in {log_path}: nothing "
                      f"to check")
    out(f"blkimg: {passed + failed} checks on {device}: {passed} passed, "
        f"{failed} failed")
    return failed == 0


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def _size_arg(text):
    try:
        return parse_size(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _seed_arg(text):
    try:
        seed = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad seed {text!r}") from None
    if not 0 <= seed <= MASK64:
        raise argparse.ArgumentTypeError(f"seed {text} is not a u64")
    return seed


def _kinds_arg(text):
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    for kind in kinds:
        if kind not in KINDS:
            raise argparse.ArgumentTypeError(
                f"unknown kind {kind!r} (use {', '.join(KINDS)})")
    return kinds


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="blkimg.py",
        description="Disk images for pvkit's block tests and the host-side "
                    "check of the guest's 'blk:' console lines.")
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("random", help="create an image of pseudo-random data")
    p.add_argument("image")
    p.add_argument("size", type=_size_arg)
    p.add_argument("--seed", type=_seed_arg, default=0)

    p = sub.add_parser("zero", help="create a zero-filled (sparse) image")
    p.add_argument("image")
    p.add_argument("size", type=_size_arg)

    p = sub.add_parser("crc", help="print the CRC-32 of a range")
    p.add_argument("image")
    p.add_argument("offset", type=_size_arg)
    p.add_argument("length", type=_size_arg)

    p = sub.add_parser("pattern", help="write the fill pattern over a range")
    p.add_argument("image")
    p.add_argument("offset", type=_size_arg)
    p.add_argument("length", type=_size_arg)
    p.add_argument("seed", type=_seed_arg)

    p = sub.add_parser("check-log",
                       help="check the guest's blk: lines against the image")
    p.add_argument("log")
    p.add_argument("image")
    p.add_argument("--device", default="vda")
    p.add_argument("--expect", type=_kinds_arg, default=[],
                   help="kinds of line that must appear: crc,fill,verify")
    p.add_argument("--before", metavar="COPY",
                   help="a copy of the image from before the boot, for CRC "
                        "lines over ranges the guest filled later")
    p.add_argument("--lost", action="store_true",
                   help="fills not flushed must be missing from the image "
                        "(a backend that drops unflushed writes)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.cmd == "random":
            crc = make_random(args.image, args.size, args.seed)
            print(f"{args.image}: {args.size} bytes ({size_text(args.size)}), "
                  f"seed {args.seed}, crc32 0x{crc:08x}")
        elif args.cmd == "zero":
            make_zero(args.image, args.size)
            print(f"{args.image}: {args.size} bytes ({size_text(args.size)}) "
                  f"of zeros")
        elif args.cmd == "crc":
            with open(args.image, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                if args.offset + args.length > size:
                    print(f"blkimg.py: range ends beyond the end of "
                          f"{args.image} ({size} bytes)", file=sys.stderr)
                    return 1
                print(f"0x{crc_of(file, args.offset, args.length):08x}")
        elif args.cmd == "pattern":
            write_pattern(args.image, args.offset, args.length, args.seed)
        else:
            ok = check_log(args.log, args.image, args.device, args.expect,
                           args.before, lost=args.lost)
            return 0 if ok else 1
    except OSError as err:
        print(f"blkimg.py: {err.filename or ''}: {err.strerror}",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

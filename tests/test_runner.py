#!/usr/bin/env python3
"""Unit tests for tests/run (the package tests/runner/) and the test tools.

The runner's own tests live beside its modules (tests/runner/test_*.py,
KTAP fixtures in tests/runner/test_data/); this file collects them and
adds those of tests/tools: blkimg.py (the fill pattern, images,
check-log), nbdserver.py (the protocol, and that only flushed writes
reach its file) and exits.py (sums of the KVM bed's exit counts).

Run with either of:
    python3 -m unittest discover -s tests -p 'test_runner.py'
    python3 tests/test_runner.py
"""

import importlib.util
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
BLKIMG = HERE / "tools" / "blkimg.py"
NBDSERVER = HERE / "tools" / "nbdserver.py"
SIZE_CHECK = HERE.parent / "scripts" / "size-check"
EXITS = HERE / "tools" / "exits.py"
sys.path.insert(0, str(HERE))


def load_tests(loader, tests, _pattern):
    """This module's tests and the runner package's (tests/runner/test_*.py)."""
    tests.addTests(loader.discover(str(HERE / "runner"), pattern="test_*.py",
                                   top_level_dir=str(HERE)))
    return tests


def _load_blkimg():
    spec = importlib.util.spec_from_file_location("pvkit_blkimg", BLKIMG)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


blkimg = _load_blkimg()




# --------------------------------------------------------------------------
# tests/tools/blkimg.py
# --------------------------------------------------------------------------

def reference_word(seed, offset):
    """splitmix64 written out independently of blkimg.py."""
    modulus = 2 ** 64
    x = (seed * 0x9E3779B97F4A7C15 + offset // 8) % modulus
    x = x ^ (x >> 30)
    x = (x * 0xBF58476D1CE4E5B9) % modulus
    x = x ^ (x >> 27)
    x = (x * 0x94D049BB133111EB) % modulus
    return x ^ (x >> 31)


# Pattern words for seed 42, hard-coded after checking them with
# reference_word (test_known_values checks them again).
SEED42_WORDS = {0: 0x134F7096918175CE, 8: 0xB54B3C40881E2907,
                4096: 0x63E0435F921BBD5E}


def blk_cli(*args):
    return subprocess.run([sys.executable, str(BLKIMG), *map(str, args)],
                          capture_output=True, text=True, timeout=60)


class BlkPattern(unittest.TestCase):

    def test_known_values(self):
        for offset, word in SEED42_WORDS.items():
            with self.subTest(offset=offset):
                self.assertEqual(reference_word(42, offset), word)
                self.assertEqual(blkimg.pattern_word(42, offset), word)
                data = blkimg.pattern_bytes(42, offset, 8)
                self.assertEqual(struct.unpack("<Q", data)[0], word)
        # splitmix64's published first output for state 0 is mix(golden).
        self.assertEqual(blkimg.pattern_word(1, 0), 0xE220A8397B1DCDAF)

    def test_bulk_matches_reference(self):
        rng = random.Random(7)
        seeds = [0, 1, 42, 2 ** 64 - 1, rng.getrandbits(64)]
        for seed in seeds:
            data = blkimg.pattern_bytes(seed, 4096, 8 * 300)
            words = struct.unpack("<300Q", data)
            self.assertEqual(list(words), [reference_word(seed, 4096 + 8 * i)
                                           for i in range(300)], seed)
        # Unaligned ranges are slices of the aligned pattern.
        whole = blkimg.pattern_bytes(42, 0, 4096)
        self.assertEqual(blkimg.pattern_bytes(42, 13, 1000), whole[13:1013])
        self.assertEqual(b"".join(blkimg.iter_pattern(42, 5, 4000, chunk=999)),
                         whole[5:4005])
        # seed * golden + index wraps around 2**64 inside one chunk.
        seed = (2 ** 64 - 3) * pow(0x9E3779B97F4A7C15, -1, 2 ** 64) % 2 ** 64
        data = blkimg.pattern_bytes(seed, 0, 64)
        self.assertEqual(list(struct.unpack("<8Q", data)),
                         [reference_word(seed, 8 * i) for i in range(8)])

    def test_speed(self):
        start = time.monotonic()
        total = sum(len(chunk) for chunk in
                    blkimg.iter_pattern(42, 0, 16 << 20))
        self.assertEqual(total, 16 << 20)
        # About 0.3 s here; the limit leaves room for slow CI machines.
        self.assertLess(time.monotonic() - start, 6)

    def test_sizes(self):
        self.assertEqual(blkimg.parse_size("16M"), 16 << 20)
        self.assertEqual(blkimg.parse_size("4k"), 4096)
        self.assertEqual(blkimg.parse_size("1G"), 1 << 30)
        self.assertEqual(blkimg.parse_size("512"), 512)
        with self.assertRaises(ValueError):
            blkimg.parse_size("4X")


class BlkImages(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.image = self.dir / "disk.img"

    def tearDown(self):
        self.tmp.cleanup()

    def test_random_zero_crc_pattern(self):
        out = blk_cli("random", self.image, "3M", "--seed", 1234)
        self.assertEqual(out.returncode, 0, out.stderr)
        data = self.image.read_bytes()
        self.assertEqual(len(data), 3 << 20)
        self.assertIn(f"crc32 0x{zlib.crc32(data):08x}", out.stdout)
        copy = self.dir / "copy.img"
        blkimg.make_random(copy, 3 << 20, 1234)
        self.assertEqual(copy.read_bytes(), data)       # deterministic
        blkimg.make_random(copy, 3 << 20, 1235)
        self.assertNotEqual(copy.read_bytes(), data)

        out = blk_cli("crc", self.image, "1M", "512")
        self.assertEqual(out.stdout.strip(),
                         f"0x{zlib.crc32(data[1 << 20:(1 << 20) + 512]):08x}")
        self.assertEqual(blk_cli("crc", self.image, "3M", "1").returncode, 1)

        out = blk_cli("pattern", self.image, "4K", "8K", 42)
        self.assertEqual(out.returncode, 0, out.stderr)
        after = self.image.read_bytes()
        self.assertEqual(after[:4096], data[:4096])
        self.assertEqual(after[12288:], data[12288:])
        self.assertEqual(after[4096:12288], blkimg.pattern_bytes(42, 4096, 8192))
        self.assertEqual(struct.unpack_from("<Q", after, 4096)[0],
                         SEED42_WORDS[4096])

        zero = self.dir / "zero.img"
        self.assertEqual(blk_cli("zero", zero, "2M").returncode, 0)
        self.assertEqual(zero.read_bytes(), bytes(2 << 20))

    def make_log(self, *lines):
        log = self.dir / "console.log"
        log.write_text("\n".join(["SeaBIOS", "blk: vda: 2048 sectors", *lines,
                                  "pvkit: exit status 0"]) + "\n")
        return log

    def check_log(self, log, *args):
        return blk_cli("check-log", log, self.image, *args)

    def test_check_log_passes(self):
        blkimg.make_random(self.image, 1 << 20, 1)
        before = self.dir / "before.img"
        before.write_bytes(self.image.read_bytes())
        crc_all = zlib.crc32(before.read_bytes())
        blkimg.write_pattern(self.image, 65536, 32768, 42)
        crc_filled = zlib.crc32(self.image.read_bytes()[65536:98304])
        log = self.make_log(
            f"[    1.000000] blk: crc32 vda 0+1048576 = 0x{crc_all:08x}",
            "blk: fill vda 65536+32768 seed 42 done",
            "blk: verify vda 65536+32768 seed 42 ok",
            f"blk: crc32 vda 65536+32768 = 0x{crc_filled:08x}\r",
            "blk: crc32 vdb 0+512 = 0xdeadbeef")     # another device
        out = self.check_log(log, "--before", before,
                             "--expect", "crc,fill,verify")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual(len(lines), 5, out.stdout)
        self.assertTrue(all(line.startswith("PASS ") for line in lines[:4]))
        self.assertEqual(lines[-1], "blkimg: 4 checks on vda: 4 passed, 0 failed")
        # Without --before, the CRC over the range filled later cannot be
        # checked; the others still can.
        out = self.check_log(log)
        self.assertEqual(out.returncode, 1)
        self.assertIn("FAIL crc32 vda 0+1048576 (0+1M): bytes 65536..98303 "
                      "were overwritten later by the fill on console line 4",
                      out.stdout)
        self.assertIn("3 passed, 1 failed", out.stdout)

    def test_check_log_failures(self):
        blkimg.make_zero(self.image, 1 << 20)
        blkimg.write_pattern(self.image, 0, 8192, 42)
        # One word the guest did not write as it should have.
        with open(self.image, "r+b") as file:
            file.seek(4096 + 16)
            file.write(b"\0" * 8)
        log = self.make_log(
            "blk: crc32 vda 8192+4096 = 0x12345678",
            "blk: fill vda 0+8192 seed 42 done",
            "blk: fill vda 1048576+512 seed 1 done",
            "blk: verify vda 0+8192 seed 42 MISMATCH at 4112",
            "blk: crc32 vda 0+512 failed: error -1",
            "blk: fill vda 0+abc seed 1 done")
        out = self.check_log(log, "--expect", "crc,fill,verify")
        self.assertEqual(out.returncode, 1, out.stdout)
        lines = out.stdout.splitlines()
        expected_crc = zlib.crc32(bytes(4096))
        self.assertEqual(lines, [
            f"FAIL crc32 vda 8192+4096 (8K+4K): the guest says 0x12345678, "
            f"the image has 0x{expected_crc:08x} (console line 3)",
            f"FAIL fill vda 0+8192 (0+8K) seed 42: the image differs from the "
            f"pattern at byte 4112 (word at 4112: expected "
            f"0x{reference_word(42, 4112):016x}, found 0x0000000000000000) "
            f"(console line 4)",
            "FAIL fill vda 1048576+512 (1M+512) seed 1: range ends at byte "
            "1049088, beyond the end of the image (1048576 bytes) "
            "(console line 5)",
            "FAIL verify vda 0+8192 (0+8K) seed 42: the guest found a "
            "mismatch at byte 4112 (console line 6)",
            "FAIL blk: crc32 vda 0+512 failed: error -1: the guest reported "
            "a failure (console line 7)",
            "FAIL blk: fill vda 0+abc seed 1 done: cannot parse this line "
            "(console line 8)",
            "blkimg: 6 checks on vda: 0 passed, 6 failed"])

    def test_check_log_expect_and_nothing(self):
        blkimg.make_zero(self.image, 4096)
        log = self.make_log(f"blk: crc32 vda 0+4096 = "
                            f"0x{zlib.crc32(bytes(4096)):08x}")
        self.assertEqual(self.check_log(log, "--expect", "crc").returncode, 0)
        out = self.check_log(log, "--expect", "crc,fill")
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"FAIL no 'blk: fill vda ...' line in {log}", out.stdout)
        out = self.check_log(log, "--device", "vdb")
        self.assertEqual(out.returncode, 1)
        self.assertIn("nothing to check", out.stdout)
        self.assertEqual(self.check_log(log, "--expect", "crc,bogus").returncode,
                         2)

    def test_later_fill_over_earlier_fill(self):
        blkimg.make_zero(self.image, 65536)
        blkimg.write_pattern(self.image, 0, 16384, 1)
        blkimg.write_pattern(self.image, 4096, 4096, 2)
        crc = zlib.crc32(self.image.read_bytes()[:16384])
        first = zlib.crc32(blkimg.pattern_bytes(1, 0, 16384))
        log = self.make_log("blk: fill vda 0+16384 seed 1 done",
                            f"blk: crc32 vda 0+16384 = 0x{first:08x}",
                            "blk: fill vda 4096+4096 seed 2 done",
                            f"blk: crc32 vda 0+16384 = 0x{crc:08x}")
        out = self.check_log(log, "--expect", "crc,fill")
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertIn("the image holds the pattern (12288 bytes; the rest was "
                      "overwritten later by other fills)", out.stdout)


class ImageDirTest(unittest.TestCase):
    """A test with a temporary directory (self.dir) and a disk image path in
    it (self.image) that setUp fills as it needs."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)
        self.image = self.dir / "disk.img"


class BlkLost(ImageDirTest):
    """check-log --lost: unflushed fills must be missing from the image."""

    def setUp(self):
        super().setUp()
        self.before = self.dir / "before.img"
        blkimg.make_random(self.image, 1 << 20, 3)
        self.before.write_bytes(self.image.read_bytes())
        self.log = self.dir / "console.log"
        self.log.write_text("blk: fill vda 65536+32768 seed 42 written, "
                            "not flushed (flush=no)\n")

    def check(self, *args):
        return blk_cli("check-log", self.log, self.image, "--before",
                       self.before, "--expect", "fill", *args)

    def test_lost_passes_only_when_the_fill_is_missing(self):
        out = self.check("--lost")
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertIn("lost as it must be", out.stdout)
        # without --lost the same image fails: the fill is not there
        self.assertEqual(self.check().returncode, 1)
        blkimg.write_pattern(self.image, 65536, 32768, 42)
        out = self.check("--lost")
        self.assertEqual(out.returncode, 1)
        self.assertIn("the backend did not drop it", out.stdout)
        self.assertEqual(self.check().returncode, 0)

    def test_lost_needs_an_unflushed_fill(self):
        self.log.write_text("blk: fill vda 65536+32768 seed 42 done\n")
        blkimg.write_pattern(self.image, 65536, 32768, 42)
        out = self.check("--lost")
        self.assertEqual(out.returncode, 1)
        self.assertIn("no 'blk: fill vda ... not flushed' line", out.stdout)


class NbdServer(ImageDirTest):
    """tests/tools/nbdserver.py against a client speaking the protocol."""

    def setUp(self):
        super().setUp()
        self.image.write_bytes(bytes(1 << 16))
        self.log = self.dir / "nbd.log"
        sock = str(self.dir / "s")
        out = subprocess.run(
            [sys.executable, str(NBDSERVER), "serve", str(self.image),
             "--socket", sock, "--log", str(self.log), "--daemon",
             "--lifetime", "20"], capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.conn = socket.socket(socket.AF_UNIX)
        self.conn.settimeout(10)
        self.conn.connect(sock)
        self.addCleanup(self.conn.close)

    def recv(self, count):
        data = b""
        while len(data) < count:
            chunk = self.conn.recv(count - len(data))
            self.assertTrue(chunk, "server closed the connection")
            data += chunk
        return data

    def go(self):
        magic, opt, flags = struct.unpack(">QQH", self.recv(18))
        self.assertEqual((magic, opt), (0x4E42444D41474943, 0x49484156454F5054))
        self.assertEqual(flags & 1, 1)                  # fixed newstyle
        self.conn.sendall(struct.pack(">I", 3))         # fixed, no zeroes
        name = b"disk"
        data = struct.pack(">I", len(name)) + name + struct.pack(">H", 0)
        self.conn.sendall(struct.pack(">QII", 0x49484156454F5054, 7,
                                      len(data)) + data)
        size = None
        while True:
            magic, opt, kind, length = struct.unpack(">QIII", self.recv(20))
            self.assertEqual((magic, opt), (0x3E889045565A9, 7))
            body = self.recv(length)
            if kind == 3 and struct.unpack_from(">H", body)[0] == 0:
                size, tflags = struct.unpack_from(">QH", body, 2)
                self.assertTrue(tflags & 4 and tflags & 8)  # flush, FUA
            if kind == 1:
                return size

    def request(self, kind, offset, length, payload=b"", flags=0):
        self.conn.sendall(struct.pack(">IHHQQI", 0x25609513, flags, kind, 7,
                                      offset, length) + payload)
        magic, error, handle = struct.unpack(">IIQ", self.recv(16))
        self.assertEqual((magic, error, handle), (0x67446698, 0, 7))
        return self.recv(length) if kind == 0 else b""

    def finish(self):
        self.conn.close()
        out = subprocess.run([sys.executable, str(NBDSERVER), "wait",
                              str(self.log), "--timeout", "10"], timeout=20)
        self.assertEqual(out.returncode, 0)
        return self.log.read_text()

    def test_only_flushed_or_fua_writes_reach_the_file(self):
        self.assertEqual(self.go(), 1 << 16)
        self.request(1, 0, 512, b"a" * 512)
        self.assertEqual(self.request(0, 0, 512), b"a" * 512)  # reads see it
        self.assertEqual(self.image.read_bytes()[:512], bytes(512))
        self.request(3, 0, 0)                                  # flush
        self.assertEqual(self.image.read_bytes()[:512], b"a" * 512)
        self.request(1, 4096, 512, b"f" * 512, flags=1)        # FUA
        self.request(1, 8192, 512, b"d" * 512)                 # never flushed
        log = self.finish()
        data = self.image.read_bytes()
        self.assertEqual(data[4096:4608], b"f" * 512)
        self.assertEqual(data[8192:8704], bytes(512))
        self.assertIn("flush: 512 bytes of 1 writes", log)
        self.assertIn("dropped: 512 bytes of 1 writes never flushed", log)
        self.assertTrue(log.endswith("nbdserver: exit\n"))


class SizeCheck(unittest.TestCase):
    """scripts/size-check --no-build against images of known size: an
    object with 3000 bytes of text and 1000 of data stands for each."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)
        src = self.dir / "img.c"
        src.write_text("const char t[3000] = {1};\nchar d[1000] = {1};\n")
        for name in ("tiny", "defconfig"):
            out = self.dir / "configs" / name
            out.mkdir(parents=True)
            subprocess.run(["gcc", "-c", "-o", str(out / "pvkit"), str(src)], check=True)

    def check(self, budget, *configs):
        (self.dir / "budget").write_text(f"# comment\n{budget}\n")
        return subprocess.run([sys.executable, str(SIZE_CHECK), "--no-build", "--builddir",
                               str(self.dir), "--budget", str(self.dir / "budget"), *configs],
                              capture_output=True, text=True, timeout=30)

    def test_within_and_over_budget(self):
        out = self.check("tiny_defconfig 4\ndefconfig 5")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertRegex(out.stdout, r"tiny_defconfig +3\.9 KiB +4 KiB\n")
        out = self.check("tiny_defconfig 3\ndefconfig 5")
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("tiny_defconfig: text+data 4000 bytes is over its budget of 3072 bytes "
                      "(3 KiB) by 928 bytes", out.stderr)
        self.assertNotIn("defconfig: text+data", out.stderr.replace("tiny_defconfig", ""))

    def test_only_named_configs_and_bad_lines(self):
        out = self.check("tiny_defconfig 3\ndefconfig 5", "defconfig")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertNotIn("tiny_defconfig", out.stdout)
        out = self.check("tiny_defconfig 3", "kvm_defconfig")
        self.assertIn("no budget for kvm_defconfig", out.stderr)
        out = self.check("tiny_defconfig three")
        self.assertIn("want 'NAME_defconfig KIB'", out.stderr)


# --------------------------------------------------------------------------
# tests/tools/exits.py
# --------------------------------------------------------------------------

BOOT_EXITS = """\
pvkit-kvm-l1: guest end
pvkit-kvm-l1: exits at entry: 48 (msr 2, npf-ram 26, uart 9, cpuid 5, interrupt 3, write_cr4 3)
pvkit-kvm-l1: exits at mark 0xd1: 6 (cpuid 6)
pvkit-kvm-l1: exits at mark 0xd5: 180 (io 166, npf-ram 12, interrupt 1, vintr 1)
pvkit-kvm-l1: exits at mark 0xd7: 1802 (uart 1682, io 120)
"""


class ExitCounts(unittest.TestCase):
    """exits.py over the bed's report: phases summed, reasons left out."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.console = Path(self.tmp.name) / "console.log"
        self.console.write_text(BOOT_EXITS)

    def tearDown(self):
        self.tmp.cleanup()

    def run_exits(self, *args):
        return subprocess.run([sys.executable, str(EXITS), str(self.console), *args],
                              capture_output=True, text=True)

    def test_sum_of_the_boot_phases(self):
        self.assertEqual(self.run_exits("sum-at-most", "234", "entry", "0xd1", "0xd5").returncode, 0)
        over = self.run_exits("sum-at-most", "233", "entry", "0xd1", "0xd5")
        self.assertEqual(over.returncode, 1)
        self.assertIn("234 exits in entry 0xd1 0xd5", over.stdout)

    def test_reasons_left_out(self):
        # 234 - uart 9 - npf-ram 38 = 187; the app's phase (0xd7) not summed.
        args = ["entry", "0xd1", "0xd5", "--without", "uart", "--without", "npf-ram"]
        self.assertEqual(self.run_exits("sum-at-most", "187", *args).returncode, 0)
        self.assertEqual(self.run_exits("sum-at-most", "186", *args).returncode, 1)

    def test_a_missing_phase_is_no_count(self):
        self.assertEqual(self.run_exits("sum-at-most", "1000", "entry", "0xd2").returncode, 2)

    def test_at_least_and_at_most_one_reason(self):
        self.assertEqual(self.run_exits("at-least", "0xd5", "io", "166").returncode, 0)
        self.assertEqual(self.run_exits("at-least", "0xd5", "io", "167").returncode, 1)
        self.assertEqual(self.run_exits("at-most", "0xd5", "io", "166").returncode, 0)
        self.assertEqual(self.run_exits("at-most", "0xd5", "io", "165").returncode, 1)
        # A reason the phase did not take counts 0.
        self.assertEqual(self.run_exits("at-most", "0xd1", "hypercall", "0").returncode, 0)
        self.assertEqual(self.run_exits("at-most", "0xd2", "io", "0").returncode, 2)

    def test_bound_plus_the_guests_own_count(self):
        # app=smp's line: KVM must have counted a hypercall per kick.
        with open(self.console, "a") as f:
            f.write("smp: mark 0xc7 = 30 lock hand-overs on 3 CPUs, 120 kicks, 166 ms\n")
        kicks = r"^smp: mark 0xc7 = \d+ lock hand-overs on \d+ CPUs, (\d+) kicks"
        self.assertEqual(self.run_exits("at-least", "0xd5", "io", "46",
                                        "--reported", kicks).returncode, 0)
        self.assertEqual(self.run_exits("at-least", "0xd5", "io", "47",
                                        "--reported", kicks).returncode, 1)
        self.assertEqual(self.run_exits("at-least", "0xd5", "io", "0",
                                        "--reported", "^no such line (\\d+)").returncode, 2)


if __name__ == "__main__":
    unittest.main()

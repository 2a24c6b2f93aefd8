#!/usr/bin/env python3
"""Unit tests for tests/run and tests/tools/blkimg.py.

tests/run: KTAP parser, matrix parsing, accounting, and end to end with
fake `host` environments (setup, peer, check, ports), kill_on.  blkimg.py:
the fill pattern, images, check-log.  nbdserver.py: the protocol, and that
only flushed writes reach its file.

Run with either of:
    python3 -m unittest discover -s tests -p 'test_runner.py'
    python3 tests/test_runner.py
"""

import importlib.machinery
import importlib.util
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "run"
BLKIMG = HERE / "tools" / "blkimg.py"
NBDSERVER = HERE / "tools" / "nbdserver.py"


def _load_runner():
    # tests/run has no .py suffix, so it needs an explicit loader.  It goes
    # into sys.modules first because dataclasses look their module up there.
    loader = importlib.machinery.SourceFileLoader("pvkit_run", str(RUNNER))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[loader.name] = module
    loader.exec_module(module)
    return module


run = _load_runner()


def _load_blkimg():
    spec = importlib.util.spec_from_file_location("pvkit_blkimg", BLKIMG)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


blkimg = _load_blkimg()


def ktap(text):
    """Parse a dedented KTAP snippet."""
    return run.parse_ktap(textwrap.dedent(text).splitlines())


def by_id(report):
    return {case.id: case for case in report.cases}


EXAMPLE = """\
    pvkit 0.1 booting ...
    KTAP version 1
    1..2
        KTAP version 1
        # Subtest: lib
        1..3
        ok 1 strlen
        not ok 2 snprintf_int
        # snprintf_int: EXPECTATION FAILED at lib/tests/printf_test.c:40
        # Expected buf == "42", but
        #     buf == "41"
        ok 3 rdrand # SKIP no RDRAND on this CPU
    # lib: pass:1 fail:1 skip:1 total:3
    not ok 1 lib
        KTAP version 1
        # Subtest: memory
        1..1
        ok 1 alloc_free
    ok 2 memory
    pvkit: exit status 1
    """


class KtapGoodInput(unittest.TestCase):

    def test_example(self):
        report = ktap(EXAMPLE)
        self.assertTrue(report.found)
        self.assertEqual(report.errors, [])
        cases = by_id(report)
        self.assertEqual(list(cases), ["lib.strlen", "lib.snprintf_int",
                                       "lib.rdrand", "memory.alloc_free"])
        self.assertEqual(cases["lib.strlen"].status, run.PASS)
        self.assertEqual(cases["memory.alloc_free"].status, run.PASS)

    def test_failing_case_gets_following_diagnostics(self):
        case = by_id(ktap(EXAMPLE))["lib.snprintf_int"]
        self.assertEqual(case.status, run.FAIL)
        self.assertEqual(case.details, [
            "# snprintf_int: EXPECTATION FAILED at lib/tests/printf_test.c:40",
            '# Expected buf == "42", but',
            '#     buf == "41"',
        ])

    def test_skip_with_reason(self):
        case = by_id(ktap(EXAMPLE))["lib.rdrand"]
        self.assertEqual(case.status, run.SKIP)
        self.assertEqual(case.message, "no RDRAND on this CPU")

    def test_skip_variants(self):
        report = ktap("""\
            KTAP version 1
            1..3
            ok 1 - dashed # SKIP
            not ok 2 # SKIP not here
            ok 3 later # TODO not written
            """)
        self.assertEqual(report.errors, [])
        self.assertEqual([(c.name, c.status, c.message) for c in report.cases],
                         [("dashed", run.SKIP, "skip"),
                          ("test2", run.SKIP, "not here"),
                          ("later", run.SKIP, "not written")])

    def test_interleaved_noise(self):
        report = ktap("""\
            SeaBIOS (version 1.16)
            ok this is not a result
            KTAP version 1
            [0.001] timer: calibrated
            1..1
            random log line
                KTAP version 1
            pci: 00:02.0 found
                # Subtest: dev
                1..2
            apic: ok 5 interrupts
                ok 1 probe
              stray indented log line
                ok 2 - remove
            ok 1 dev
            ok 7 after the end is noise
            """)
        self.assertEqual(report.errors, [])
        self.assertEqual([c.id for c in report.cases],
                         ["dev.probe", "dev.remove"])

    def test_crlf_and_tabs(self):
        lines = ["KTAP version 1\r", "1..1\r", "\tKTAP version 1\r",
                 "\t1..1\r", "\tok 1 a\r", "ok 1 s\r"]
        report = run.parse_ktap(lines)
        self.assertEqual(report.errors, [])
        self.assertEqual([c.id for c in report.cases], ["s.a"])

    def test_nested_three_levels(self):
        report = ktap("""\
            KTAP version 1
            1..1
                KTAP version 1
                # Subtest: a
                1..2
                    KTAP version 1
                    # Subtest: b
                    1..2
                    ok 1 c
                    not ok 2 d
                    # d: wrong
                not ok 1 b
                ok 2 e
            not ok 1 a
            """)
        self.assertEqual(report.errors, [])
        cases = by_id(report)
        self.assertEqual(list(cases), ["a.b.c", "a.b.d", "a.e"])
        self.assertEqual(cases["a.b.d"].details, ["# d: wrong"])
        self.assertEqual(cases["a.b.c"].suite, "a.b")

    def test_two_space_nesting(self):
        report = ktap("""\
            KTAP version 1
            1..1
              KTAP version 1
              1..1
                KTAP version 1
                1..1
                ok 1 leaf
              ok 1 mid
            ok 1 top
            """)
        self.assertEqual(report.errors, [])
        self.assertEqual([c.id for c in report.cases], ["top.mid.leaf"])

    def test_tap14_kunit_style_without_nested_version(self):
        report = ktap("""\
            TAP version 14
            1..1
                # Subtest: old
                1..2
                ok 1 - first
                ok 2 - second
            ok 1 - old
            """)
        self.assertEqual(report.errors, [])
        self.assertEqual([c.id for c in report.cases],
                         ["old.first", "old.second"])

    def test_diagnostics_before_failing_result(self):
        # KUnit prints diagnostics before the result line.
        report = ktap("""\
            KTAP version 1
            1..3
            ok 1 a
            # b: EXPECTATION FAILED
            # more about b
            not ok 2 b
            # c: EXPECTATION FAILED
            not ok 3 c
            """)
        cases = by_id(report)
        self.assertEqual(cases["b"].details,
                         ["# b: EXPECTATION FAILED", "# more about b"])
        self.assertEqual(cases["c"].details, ["# c: EXPECTATION FAILED"])

    def test_trailing_diagnostics_of_last_top_level_case(self):
        report = ktap("""\
            KTAP version 1
            1..1
            not ok 1 only
            # only: it broke
            """)
        self.assertEqual(report.errors, [])
        self.assertEqual(report.cases[0].details, ["# only: it broke"])

    def test_parent_not_ok_without_failing_child_is_a_failure(self):
        report = ktap("""\
            KTAP version 1
            1..1
                KTAP version 1
                1..1
                ok 1 fine
            # suite_init failed
            not ok 1 suite
            """)
        cases = by_id(report)
        self.assertEqual(cases["suite"].status, run.FAIL)
        self.assertEqual(cases["suite"].details, ["# suite_init failed"])

    def test_two_documents(self):
        report = ktap("""\
            KTAP version 1
            1..1
            ok 1 first
            reboot
            KTAP version 1
            1..1
            ok 1 second
            """)
        self.assertEqual(report.errors, [])
        self.assertEqual([c.id for c in report.cases], ["first", "second"])

    def test_no_ktap(self):
        report = ktap("just a log\nok 1 looks like a result\n")
        self.assertFalse(report.found)
        self.assertEqual(report.cases, [])
        self.assertEqual(report.errors, [])


class KtapMalformed(unittest.TestCase):

    def test_panic_mid_suite(self):
        report = ktap("""\
            KTAP version 1
            1..2
                KTAP version 1
                # Subtest: lib
                1..3
                ok 1 strlen
                not ok 2 snprintf_int
                # snprintf_int: bad
            PANIC: page fault at 0x0
            pvkit: exit status 2
            """)
        cases = by_id(report)
        # The cases seen so far count as they were ...
        self.assertEqual(list(cases), ["lib.strlen", "lib.snprintf_int"])
        self.assertEqual(cases["lib.snprintf_int"].details, ["# snprintf_int: bad"])
        # ... and the truncation is an error.
        self.assertEqual(len(report.errors), 1)
        self.assertIn("'lib' after 2 of 3 results", report.errors[0])

    def test_console_ends_at_top_level(self):
        report = ktap("KTAP version 1\n1..3\nok 1 a\n")
        self.assertEqual(len(report.errors), 1)
        self.assertIn("top level after 1 of 3", report.errors[0])

    def test_missing_plan(self):
        report = ktap("KTAP version 1\nok 1 a\n")
        self.assertEqual(len(report.errors), 1)
        self.assertIn("without a plan", report.errors[0])

    def test_fewer_results_than_plan(self):
        report = ktap("""\
            KTAP version 1
            1..1
                KTAP version 1
                1..3
                ok 1 a
                ok 2 b
            ok 1 s
            """)
        self.assertEqual(len(report.errors), 1)
        self.assertIn("'s': plan 1..3 but only 2 results", report.errors[0])

    def test_more_results_than_plan(self):
        report = ktap("""\
            KTAP version 1
            1..1
                KTAP version 1
                1..1
                ok 1 a
                ok 2 b
            ok 1 s
            """)
        self.assertEqual(len(report.errors), 1)
        self.assertIn("more results than the plan 1..1", report.errors[0])
        self.assertEqual(len(report.cases), 2)

    def test_non_sequential_numbers(self):
        report = ktap("""\
            KTAP version 1
            1..3
            ok 1 a
            ok 3 c
            ok 2 b
            """)
        self.assertEqual(len(report.errors), 2)
        self.assertIn("expected 2, got 3", report.errors[0])
        self.assertIn("not sequential", report.errors[0])

    def test_parent_ok_while_child_failed(self):
        report = ktap("""\
            KTAP version 1
            1..1
                KTAP version 1
                1..1
                not ok 1 broken
            ok 1 liar
            """)
        self.assertEqual(len(report.errors), 1)
        self.assertIn("'liar' is reported ok", report.errors[0])
        self.assertEqual(by_id(report)["liar.broken"].status, run.FAIL)

    def test_nested_block_restarted(self):
        report = ktap("""\
            KTAP version 1
            1..2
                KTAP version 1
                # Subtest: first
                1..2
                ok 1 a
                KTAP version 1
                # Subtest: second
                1..1
                ok 1 b
            ok 1 second
            """)
        self.assertTrue(any("new KTAP version line" in e for e in report.errors))
        self.assertIn("first.a", [c.id for c in report.cases])


def write(directory, name, text):
    path = Path(directory) / name
    path.write_text(textwrap.dedent(text))
    return path


class Matrix(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def load(self, *texts):
        paths = [write(self.dir, f"m{i}.ini", text)
                 for i, text in enumerate(texts)]
        return run.load_matrix(paths)

    def test_xen_is_never_the_hosts(self):
        # An installed xen-hypervisor changed the host's boot menu: the
        # Xen launchers take Debian's package unpacked by tests/xen/dom0.
        matrix = run.load_matrix([run.DEFAULT_MATRIX])
        xen_envs = [env for env in matrix.envs.values()
                    if env.launcher in ("xen", "xen-domu")]
        self.assertTrue(xen_envs)
        for env in xen_envs:
            with self.subTest(env=env.name):
                self.assertEqual(env.xen, "")
                self.assertIn("cmd:dpkg-deb", env.requires)

    def test_defaults_and_override(self):
        matrix = self.load("""\
            # comment
            ; another comment
            [DEFAULT]
            timeout = 30
            memory = 256M

            [plain]

            [kvm]
            accel = kvm
            timeout = 5
            requires = kvm, cmd:sh
            expect =
                ^cpu:\\s
                ^boot time: \\d+
            ktap = no

            [run]
            order = kvm plain
            """)
        plain, kvm = matrix.envs["plain"], matrix.envs["kvm"]
        self.assertEqual(list(matrix.envs), ["plain", "kvm"])
        self.assertEqual((plain.timeout, plain.memory), (30.0, "256M"))
        self.assertEqual((plain.launcher, plain.machine, plain.accel),
                         ("qemu", "pc", "tcg"))
        self.assertEqual((plain.cpu, plain.cmdline, plain.expect_status),
                         ("max", "app=selftest", 0))
        self.assertEqual(plain.qemu, "qemu-system-x86_64")
        self.assertTrue(plain.ktap)
        self.assertEqual((kvm.timeout, kvm.cpu), (5.0, run.KVM_CPU))
        self.assertEqual(kvm.requires, ["kvm", "cmd:sh"])
        self.assertEqual([r.pattern for r in kvm.expect],
                         ["^cpu:\\s", "^boot time: \\d+"])
        self.assertFalse(kvm.ktap)
        self.assertEqual(matrix.run_order, ["kvm", "plain"])

    def test_later_file_overrides_and_adds(self):
        matrix = self.load("""\
            [a]
            machine = q35
            args = -smp 2 -drive file={builddir}/disk.img
            """, """\
            [a]
            timeout = 9
            [b]
            launcher = host
            command = printf 'x y'
            """)
        self.assertEqual(list(matrix.envs), ["a", "b"])
        self.assertEqual((matrix.envs["a"].machine, matrix.envs["a"].timeout),
                         ("q35", 9.0))
        self.assertEqual(matrix.envs["a"].args,
                         ["-smp", "2", "-drive", "file={builddir}/disk.img"])
        self.assertEqual(matrix.envs["b"].command, ["printf", "x y"])

    def test_errors(self):
        bad = {
            "[a]\nmachin = pc\n": "unknown key",
            "[DEFAULT]\ntimout = 1\n": "unknown key",
            "[a]\nlauncher = docker\n": "launcher",
            "[a]\naccel = hvf\n": "accel",
            "[a]\ntimeout = soon\n": "timeout",
            "[a]\nrequires = kvm gpu\n": "unknown condition 'gpu'",
            "[a]\nrequires = symbol:\n": "unknown condition",
            "[a]\nexpect = (unclosed\n": "bad regex",
            "[a]\nlauncher = host\n": "command",
            "[a]\nktap = maybe\n": "ktap",
            "[a]\n[run]\norder = a b\n": "no environment named 'b'",
            "[a b]\n": "environment names",
            "[a]\n[a]\n": "already exists",
        }
        for text, message in bad.items():
            with self.subTest(text=text):
                with self.assertRaisesRegex(run.MatrixError, message):
                    self.load(text)

    def test_select_envs(self):
        matrix = self.load("[qemu-a]\n[qemu-b]\n[host]\nlauncher = host\n"
                           "command = true\n")
        names = [e.name for e in run.select_envs(matrix, ["qemu-*"])]
        self.assertEqual(names, ["qemu-a", "qemu-b"])
        names = [e.name for e in run.select_envs(matrix, ["host", "*-b"])]
        self.assertEqual(names, ["qemu-b", "host"])
        with self.assertRaisesRegex(run.MatrixError, "no environment matches"):
            run.select_envs(matrix, ["nothing*"])

    def test_shipped_matrix_loads(self):
        matrix = run.load_matrix([run.DEFAULT_MATRIX])
        self.assertIn("qemu-tcg-pc", matrix.envs)
        self.assertEqual(matrix.run_order, ["qemu-kvm-info", "qemu-tcg-info"])

    def test_requirements(self):
        matrix = self.load("[a]\nrequires = cmd:sh\n"
                           "[b]\nrequires = cmd:no-such-command-pvkit\n")
        self.assertIsNone(run.unmet_requirement(matrix.envs["a"]))
        self.assertEqual(run.unmet_requirement(matrix.envs["b"]),
                         "no-such-command-pvkit not found on PATH")


def make_env(**overrides):
    values = dict(name="e", description="", launcher="qemu",
                  qemu="qemu-system-x86_64", machine="pc", accel="tcg",
                  cpu="max", memory="128M", args=[], cmdline="app=selftest",
                  timeout=60.0, requires=[], expect_status=0, expect=[],
                  ktap=True, command=[])
    values.update(overrides)
    return run.Env(**values)


class ExitStatus(unittest.TestCase):

    def judge(self, code, lines=(), timed_out=False):
        result = run.Run(returncode=code, timed_out=timed_out)
        return run.judge_qemu(result, 60, list(lines))

    def test_qemu_codes(self):
        ok = ["pvkit: exit status 0"]
        self.assertEqual(self.judge(1, ok), (0, "", True))
        self.assertEqual(self.judge(3), (1, "", True))
        self.assertEqual(self.judge(5), (2, "", True))
        self.assertEqual(self.judge(7), (3, "", True))
        self.assertEqual(self.judge(0)[1],
                         "no exit status (guest reset or powered off)")
        self.assertEqual(self.judge(2), (None, "QEMU failed (exit 2)", False))
        self.assertEqual(self.judge(-9)[1], "QEMU killed by SIGKILL")
        self.assertEqual(self.judge(None, timed_out=True)[1],
                         "timed out after 60 s")

    def test_exit_1_needs_the_console_line(self):
        # QEMU's own errors also exit with 1.
        status, problem, ran = self.judge(1, ["qemu: invalid kernel header"])
        self.assertIsNone(status)
        self.assertTrue(problem.startswith("QEMU failed (exit 1"))
        self.assertFalse(ran)

    def test_exit_case(self):
        env = make_env(expect_status=3)
        good = run.exit_case(env, run.Outcome(status=3), 1.5)
        self.assertEqual((good.id, good.status, good.seconds),
                         ("boot.exit_status", run.PASS, 1.5))
        bad = run.exit_case(env, run.Outcome(status=2), 0)
        self.assertEqual(bad.status, run.FAIL)
        self.assertEqual(bad.message, "exit status 2 (kernel panic), "
                         "expected 3 (app not found or bad command line)")
        hung = run.exit_case(env, run.Outcome(problem="timed out after 2 s"), 0)
        self.assertEqual((hung.status, hung.message),
                         (run.FAIL, "timed out after 2 s"))


class Accounting(unittest.TestCase):

    def result(self, *statuses, name="e", verdict=None):
        cases = [run.Case("s", f"c{i}", status)
                 for i, status in enumerate(statuses)]
        return run.EnvResult(name, verdict or run.verdict(cases), cases, 1.0)

    def test_final_line(self):
        results = [self.result(run.PASS, run.PASS, run.FAIL),
                   self.result(run.PASS, run.SKIP)]
        self.assertEqual(run.final_line(results), "3 passed, 1 failed, 1 skipped")
        self.assertEqual(run.exit_code(results), 1)
        results = [self.result(run.PASS)]
        self.assertEqual(run.final_line(results), "1 passed, 0 failed")
        self.assertEqual(run.exit_code(results), 0)

    def test_nothing_passed_is_failure(self):
        results = [self.result(run.SKIP, verdict="SKIP")]
        self.assertEqual(run.final_line(results), "0 passed, 0 failed, 1 skipped")
        self.assertEqual(run.exit_code(results), 1)

    def test_evaluate_ktap_required(self):
        env = make_env()
        outcome = run.Outcome(status=0, console=["hello"], guest_ran=True)
        cases = run.evaluate(env, outcome, 0.5)
        self.assertEqual([(c.id, c.status) for c in cases],
                         [("boot.exit_status", run.PASS),
                          ("ktap.format", run.FAIL)])
        self.assertEqual(cases[1].message, "no KTAP output")
        self.assertEqual(run.evaluate(make_env(ktap=False), outcome, 0)[1:], [])

    def test_evaluate_expect_and_ktap(self):
        env = make_env(expect=[run.re.compile(r"^cpu: "),
                               run.re.compile(r"^nothing")])
        console = textwrap.dedent(EXAMPLE).splitlines() + ["cpu: qemu64"]
        outcome = run.Outcome(status=1, console=console, guest_ran=True)
        cases = run.evaluate(env, outcome, 0)
        ids = [(c.id, c.status) for c in cases]
        self.assertEqual(ids[:3], [("boot.exit_status", run.FAIL),
                                   ("boot.expect: ^cpu: ", run.PASS),
                                   ("boot.expect: ^nothing", run.FAIL)])
        self.assertEqual(run.tally(cases), (3, 3, 1))
        self.assertEqual(run.verdict(cases), "FAIL")

    def test_evaluate_guest_never_ran(self):
        outcome = run.Outcome(problem="QEMU failed (exit 2)", guest_ran=False)
        cases = run.evaluate(make_env(expect=[run.re.compile("x")]), outcome, 0)
        self.assertEqual([c.id for c in cases], ["boot.exit_status"])

    def test_ktap_errors_become_one_case(self):
        env = make_env()
        outcome = run.Outcome(status=2, guest_ran=True,
                              console=["KTAP version 1", "1..2", "ok 1 a"])
        case = run.evaluate(env, outcome, 0)[1]
        self.assertEqual((case.id, case.status), ("ktap.format", run.FAIL))
        self.assertIn("after 1 of 2 results", case.message)

    def test_progress_lines(self):
        passed = self.result(run.PASS, run.PASS, run.SKIP, name="qemu-tcg-q35")
        line = run.progress_line(2, 5, passed, 20)
        self.assertTrue(line.startswith("[2/5] qemu-tcg-q35          PASS  "
                                        "2 passed, 0 failed, 1 skipped"))
        self.assertTrue(line.endswith("(1.0 s)"))
        skipped = run.skipped_result(make_env(name="qemu-kvm"),
                                     "/dev/kvm does not exist")
        self.assertEqual(run.progress_line(3, 5, skipped, 8),
                         "[3/5] qemu-kvm  SKIP  /dev/kvm does not exist")

    def test_junit(self):
        failing = run.Case("lib", "printf", run.FAIL, "",
                           ["# bad \x1b[31mred\x1b[0m"])
        cases = [run.Case("boot", "exit_status", run.PASS, seconds=2.0),
                 failing, run.Case("", "top", run.SKIP, "no rdrand")]
        results = [run.EnvResult("q", "FAIL", cases, 2.0),
                   run.skipped_result(make_env(name="k"), "no kvm")]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "sub" / "junit.xml"
            run.write_junit(path, results)
            root = ET.parse(path).getroot()
        self.assertEqual(root.tag, "testsuites")
        self.assertEqual((root.get("tests"), root.get("failures"),
                          root.get("skipped")), ("4", "1", "2"))
        suites = root.findall("testsuite")
        self.assertEqual([s.get("name") for s in suites], ["q", "k"])
        tcs = suites[0].findall("testcase")
        self.assertEqual([(t.get("classname"), t.get("name")) for t in tcs],
                         [("q.boot", "exit_status"), ("q.lib", "printf"),
                          ("q", "top")])
        self.assertEqual(tcs[0].get("time"), "2.000")
        failure = tcs[1].find("failure")
        self.assertIn("\\x1b[31mred", failure.text)
        self.assertEqual(tcs[2].find("skipped").get("message"), "no rdrand")
        skipped = suites[1].find("testcase/skipped")
        self.assertEqual(skipped.get("message"), "no kvm")


class HostEnvironments(unittest.TestCase):
    """End to end through the real script, with fake 'host' environments."""

    def test_run(self):
        with tempfile.TemporaryDirectory() as tmp:
            matrix = write(tmp, "m.ini", """\
                [DEFAULT]
                launcher = host
                [good]
                command = printf 'log line\\nKTAP version 1\\n1..1\\nok 1 x\\n'
                [bad]
                command = sh -c "printf 'KTAP version 1\\n1..1\\nnot ok 1 y\\n# y: boom\\n'; exit 1"
                [hang]
                command = sh -c 'echo $$ > {builddir}/hang.pid; exec sleep 100'
                timeout = 1
                [absent]
                command = true
                requires = cmd:no-such-command-pvkit
                """)
            start = time.monotonic()
            proc = subprocess.run(
                [sys.executable, str(RUNNER), "--builddir", tmp, "--matrix",
                 str(matrix), "--jobs", "4", "--junit", f"{tmp}/j.xml"],
                capture_output=True, text=True, timeout=60)
            elapsed = time.monotonic() - start
            hang_pid = int(Path(tmp, "hang.pid").read_text())
            lines = proc.stdout.splitlines()
            cmd = Path(tmp, "tests", "good", "cmd.txt").read_text()
            log = Path(tmp, "tests", "bad", "console.log").read_text()
            self.assertTrue(Path(tmp, "j.xml").exists())
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        # good: x + exit; bad: y fails + exit fails; hang: exit + no KTAP.
        self.assertEqual(lines[-1], "2 passed, 4 failed, 1 skipped")
        self.assertIn("timed out after 1 s", proc.stdout)
        self.assertIn("# y: boom", proc.stdout)
        self.assertIn("absent  SKIP  no-such-command-pvkit not found on PATH",
                      proc.stdout)
        self.assertLess(elapsed, 30)
        self.assertEqual(cmd, "printf 'log line\\nKTAP version 1\\n1..1\\nok 1 x\\n'\n")
        self.assertIn("not ok 1 y", log)
        self.assertFalse(_alive(hang_pid), "timed-out command still running")

    def test_only_passes(self):
        with tempfile.TemporaryDirectory() as tmp:
            matrix = write(tmp, "m.ini", """\
                [only]
                launcher = host
                command = printf 'KTAP version 1\\n1..1\\nok 1 x\\n'
                """)
            proc = subprocess.run(
                [sys.executable, str(RUNNER), "--builddir", tmp,
                 "--matrix", str(matrix)],
                capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout.splitlines()[-1], "2 passed, 0 failed")


class Repeat(unittest.TestCase):
    """--repeat N: rounds, their table, and a failure in any round fails."""

    # Fails in the round whose number is in {builddir}/fail-rounds; the
    # round is counted in {builddir}/round.
    FLAKY = """\
        [DEFAULT]
        launcher = host
        [steady]
        command = printf 'KTAP version 1\\n1..1\\nok 1 x\\n'
        [flaky]
        command = sh -c 'n=$(($(cat {builddir}/round 2>/dev/null || echo 0) + 1)); echo $n > {builddir}/round; if grep -qx $n {builddir}/fail-rounds; then printf "KTAP version 1\\n1..1\\nnot ok 1 y\\n"; exit 1; fi; printf "KTAP version 1\\n1..1\\nok 1 y\\n"'
        """

    def rounds(self, fail_rounds, *args):
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "fail-rounds").write_text(
                "".join(f"{n}\n" for n in fail_rounds))
            proc = run_runner(tmp, self.FLAKY, "--jobs", "1", *args)
            kept = sorted(str(p.relative_to(tmp))
                          for p in Path(tmp, "tests").glob("rounds/*/*/*"))
            suites = [suite.get("name") for suite in
                      ET.parse(Path(tmp, "j.xml")).getroot()]
            return proc, kept, suites

    def test_all_rounds_pass(self):
        proc, kept, suites = self.rounds([], "--repeat", "3")
        lines = proc.stdout.splitlines()
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        for n in (1, 2, 3):
            self.assertIn(f"=== round {n}/3 ===", lines)
            self.assertIn(f"round {n}/3: 4 passed, 0 failed", lines)
        self.assertRegex(proc.stdout, r"\nflaky +\.\.\. +6 +0 +0 ")
        self.assertIn("rounds: 3, failed: 0  (. pass, F fail, s skip)", lines)
        self.assertEqual(lines[-1], "12 passed, 0 failed")
        self.assertEqual(kept, [])
        self.assertEqual(suites, ["steady#1", "flaky#1", "steady#2",
                                  "flaky#2", "steady#3", "flaky#3"])

    def test_one_failed_round_fails_the_run(self):
        proc, kept, _ = self.rounds([2], "--repeat", "3")
        lines = proc.stdout.splitlines()
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertIn("round 2/3: 2 passed, 2 failed", lines)
        self.assertIn("round 3/3: 4 passed, 0 failed", lines)
        self.assertRegex(proc.stdout, r"\nflaky +\.F\. +4 +2 +0 ")
        self.assertRegex(proc.stdout, r"\nsteady +\.\.\. +6 +0 +0 ")
        self.assertIn("rounds: 3, failed: 1 (round 2)  (. pass, F fail, s skip)",
                      lines)
        self.assertEqual(lines[-1], "10 passed, 2 failed")
        # the failed round's logs survive the rounds after it
        self.assertEqual(kept, ["tests/rounds/2/flaky/cmd.txt",
                                "tests/rounds/2/flaky/console.log"])

    def test_once_is_the_plain_run(self):
        proc, kept, suites = self.rounds([1])
        self.assertEqual(proc.returncode, 1)
        self.assertNotIn("=== round", proc.stdout)
        self.assertNotIn("rounds:", proc.stdout)
        self.assertEqual(proc.stdout.splitlines()[-1], "2 passed, 2 failed")
        self.assertEqual(suites, ["steady", "flaky"])

    def test_bad_values(self):
        for args in (["--repeat", "0"], ["--repeat", "2", "--boot", "x"]):
            with self.subTest(args=args), \
                    tempfile.TemporaryDirectory() as tmp:
                proc = run_runner(tmp, self.FLAKY, *args)
                self.assertEqual(proc.returncode, 2)
                self.assertIn("--repeat", proc.stderr)


class MatrixHostKeys(unittest.TestCase):
    """setup, peer, peer_timeout, check and the placeholders in the matrix."""

    def load(self, text):
        with tempfile.TemporaryDirectory() as tmp:
            return run.load_matrix([write(tmp, "m.ini", text)])

    def test_keys(self):
        matrix = self.load("""\
            [a]
            setup =
                echo one > {envdir}/x
                # a comment line inside the value

                echo two
            peer = nc -l {port0}
            peer_timeout = 2.5
            check = grep one x
            [b]
            """)
        a, b = matrix.envs["a"], matrix.envs["b"]
        self.assertEqual(a.setup, ["echo one > {envdir}/x", "echo two"])
        self.assertEqual((a.peer, a.peer_timeout), ("nc -l {port0}", 2.5))
        self.assertEqual(a.check, ["grep one x"])
        self.assertEqual((b.setup, b.peer, b.peer_timeout, b.check),
                         ([], "", 30.0, []))

    def test_errors(self):
        bad = {
            "[a]\npeer =\n    one\n    two\n": "peer: must be one command",
            "[a]\npeer_timeout = 0\n": "peer_timeout",
            "[a]\npeer_timeout = soon\n": "peer_timeout",
            "[a]\nargs = -p {port10}\n": r"args: \{port10\}: there are only",
            "[a]\ncheck = echo {port12}\n": "check",
        }
        for text, message in bad.items():
            with self.subTest(text=text):
                with self.assertRaisesRegex(run.MatrixError, message):
                    self.load(text)

    def test_other_braces_are_left_alone(self):
        matrix = self.load("[a]\ncheck = awk '{print $1}' x ${HOME}\n")
        self.assertEqual(matrix.envs["a"].check, ["awk '{print $1}' x ${HOME}"])


def run_runner(tmp, matrix_text, *args, timeout=60):
    """Run tests/run on a matrix in tmp (the build directory)."""
    matrix = write(tmp, "m.ini", matrix_text)
    return subprocess.run(
        [sys.executable, str(RUNNER), "--builddir", tmp, "--matrix",
         str(matrix), "--junit", f"{tmp}/j.xml", *args],
        capture_output=True, text=True, timeout=timeout)


def junit_cases(tmp):
    """{env: [(name, 'pass'|'fail'|'skip', message)]} from tmp/j.xml."""
    cases = {}
    for suite in ET.parse(Path(tmp, "j.xml")).getroot():
        for case in suite.findall("testcase"):
            failure, skipped = case.find("failure"), case.find("skipped")
            status = ("fail" if failure is not None else
                      "skip" if skipped is not None else "pass")
            message = (failure if failure is not None else
                       skipped if skipped is not None else case).get("message")
            name = case.get("classname")[len(suite.get("name")):] + \
                "/" + case.get("name")
            cases.setdefault(suite.get("name"), []).append(
                (name.lstrip("."), status, message))
    return cases


class HostSteps(unittest.TestCase):
    """setup, peer and check end to end, with fake 'host' environments."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_setup_check_and_placeholders(self):
        # A stale file from an earlier run disappears: the envdir is fresh.
        old = Path(self.dir, "tests", "ok")
        old.mkdir(parents=True)
        (old / "cmd.txt").write_text("")
        (old / "stale").write_text("")
        proc = run_runner(self.dir, """\
            [DEFAULT]
            launcher = host
            ktap = no
            [ok]
            setup =
                echo made > made.txt
                printf '%s\\n' {envdir} {srcdir} {builddir} {image} > where.txt
                test "$PVKIT_ENVDIR" = {envdir}
            command = sh -c 'cat {envdir}/made.txt; echo guest ran'
            check =
                grep -q 'guest ran' console.log && echo console checked
                echo checked > checked.txt
                echo failing check output; exit 3
            """)
        envdir = Path(self.dir, "tests", "ok")
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout.splitlines()[-1], "4 passed, 1 failed")
        self.assertFalse((envdir / "stale").exists())
        self.assertTrue((envdir / "checked.txt").exists())
        self.assertEqual((envdir / "where.txt").read_text().split(),
                         [str(envdir.absolute()), str(HERE.parent),
                          str(Path(self.dir).absolute()),
                          str(Path(self.dir, "pvkit").absolute())])
        self.assertIn("made\nguest ran", (envdir / "console.log").read_text())
        self.assertIn("failing check output", (envdir / "check.log").read_text())
        self.assertIn("    FAIL host.check: echo failing check output; exit 3:"
                      " exit status 3\n", proc.stdout)
        self.assertIn("        failing check output\n", proc.stdout)
        cases = junit_cases(self.dir)["ok"]
        self.assertEqual([c[:2] for c in cases], [
            ("host/setup", "pass"),
            ("boot/exit_status", "pass"),
            ("host/check: grep -q 'guest ran' console.log && echo console "
             "checked", "pass"),
            ("host/check: echo checked > checked.txt", "pass"),
            ("host/check: echo failing check output; exit 3", "fail")])
        self.assertEqual(cases[2][2], None)     # passing cases: no message

    def test_setup_failure_skips_boot_and_checks(self):
        proc = run_runner(self.dir, """\
            [broken]
            launcher = host
            setup =
                echo first
                echo something went wrong; exit 7
                touch never-setup
            command = touch {envdir}/never-booted
            peer = touch never-peer
            check = touch never-checked
            """)
        envdir = Path(self.dir, "tests", "broken")
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout.splitlines()[-1], "0 passed, 1 failed")
        self.assertEqual(sorted(p.name for p in envdir.iterdir()),
                         ["cmd.txt", "console.log", "setup.log"])
        self.assertIn("FAIL host.setup: echo something went wrong; exit 7: "
                      "exit status 7", proc.stdout)
        self.assertIn("        something went wrong\n", proc.stdout)
        self.assertEqual(junit_cases(self.dir)["broken"],
                         [("host/setup", "fail", "echo something went "
                           "wrong; exit 7: exit status 7")])

    def test_checks_run_when_the_guest_fails(self):
        proc = run_runner(self.dir, """\
            [crashed]
            launcher = host
            command = sh -c 'echo partial output; exit 2'
            check = grep partial console.log
            """)
        cases = junit_cases(self.dir)["crashed"]
        self.assertEqual([c[:2] for c in cases],
                         [("boot/exit_status", "fail"), ("ktap/format", "fail"),
                          ("host/check: grep partial console.log", "pass")])
        self.assertEqual(cases[2][2], None)
        self.assertEqual(proc.stdout.splitlines()[-1], "1 passed, 2 failed")

    def test_peers(self):
        proc = run_runner(self.dir, """\
            [DEFAULT]
            launcher = host
            ktap = no
            [good]
            # The peer sees the guest running, and outlives it a little.
            command = sh -c 'touch {envdir}/guest-started; sleep 0.5'
            peer = sh -c 'sleep 0.2; test -e guest-started && sleep 0.5 && echo peer done'
            check = grep -q 'peer done' peer.log
            [bad]
            command = true
            peer = sh -c 'echo peer says no; exit 3'
            [hang]
            command = true
            peer = sh -c 'echo $$ > {builddir}/peer.pid; sleep 100 & echo $! > {builddir}/peer-child.pid; echo waiting; wait'
            peer_timeout = 1
            [nostart]
            command = no-such-command-pvkit
            peer = touch started
            """, "--jobs", "4")
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        cases = junit_cases(self.dir)
        self.assertEqual(cases["good"][1:], [
            ("host/peer", "pass", None),
            ("host/check: grep -q 'peer done' peer.log", "pass", None)])
        self.assertEqual(cases["bad"][1], ("host/peer", "fail", "exit status 3"))
        self.assertIn("        peer says no\n", proc.stdout)
        self.assertEqual(cases["hang"][1], (
            "host/peer", "fail",
            "still running 1 s after the guest exited: killed"))
        self.assertIn("        waiting\n", proc.stdout)
        for name in ("peer.pid", "peer-child.pid"):
            pid = int(Path(self.dir, name).read_text())
            self.assertFalse(_alive(pid), f"{name}: peer still running")
        self.assertEqual(cases["nostart"][1], (
            "host/peer", "skip", "not started: the guest did not start"))
        self.assertFalse(Path(self.dir, "tests", "nostart", "started").exists())
        # good: exit, peer, check; bad: exit; hang: exit.
        self.assertEqual(proc.stdout.splitlines()[-1],
                         "5 passed, 3 failed, 1 skipped")

    def test_ports_distinct_in_parallel(self):
        # Each peer binds its ports for TCP and UDP: they must be free.
        bind = ("python3 -c 'import socket, sys; [socket.socket(socket."
                "AF_INET, k).bind((\"127.0.0.1\", int(p))) for p in "
                "sys.argv[1:] for k in (socket.SOCK_STREAM, socket.SOCK_DGRAM)"
                "]; print(\"bound\")' {port0} {port1} {port9}")
        env = """\
            [%s]
            launcher = host
            ktap = no
            cmdline = port={port1}
            command = sh -c 'echo {port0} {port1} {port9} $PVKIT_PORT0; sleep 0.5'
            peer = %s
            check = echo {port0} {port1} {port9}
            """
        text = "".join(textwrap.dedent(env % (name, bind)) for name in "ab")
        proc = run_runner(self.dir, text, "--jobs", "2")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        ports = []
        for name in ("a", "b"):
            envdir = Path(self.dir, "tests", name)
            words = (envdir / "console.log").read_text().split()
            self.assertEqual(len(words), 4)
            self.assertEqual(words[0], words[3])     # PVKIT_PORT0
            self.assertIn(" ".join(words[:3]),
                          (envdir / "check.log").read_text())
            self.assertEqual((envdir / "peer.log").read_text(), "bound\n")
            ports += [int(word) for word in words[:3]]
        self.assertEqual(len(set(ports)), 6, ports)
        self.assertTrue(all(0 < port < 65536 for port in ports))

    def test_foreign_directory_is_not_cleared(self):
        foreign = Path(self.dir, "tests", "unit")
        foreign.mkdir(parents=True)
        (foreign / "host-tests").write_text("keep me")
        proc = run_runner(self.dir, "[unit]\nlauncher = host\ncommand = true\n")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual((foreign / "host-tests").read_text(), "keep me")
        self.assertIn("was not made by tests/run", proc.stdout)

    def test_sigterm_kills_setup_peer_and_checks(self):
        matrix = write(self.dir, "m.ini", """\
            [DEFAULT]
            launcher = host
            ktap = no
            [s]
            setup = sh -c 'echo $$ > {builddir}/setup.pid; exec sleep 100'
            command = true
            [p]
            command = sh -c 'echo $$ > {builddir}/guest.pid; exec sleep 100'
            peer = sh -c 'echo $$ > {builddir}/peer.pid; exec sleep 100'
            [c]
            command = true
            check = sh -c 'echo $$ > {builddir}/check.pid; exec sleep 100'
            """)
        proc = subprocess.Popen(
            [sys.executable, str(RUNNER), "--builddir", self.dir,
             "--matrix", str(matrix), "--jobs", "3"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        names = ("setup", "guest", "peer", "check")
        pid_files = [Path(self.dir, f"{name}.pid") for name in names]
        deadline = time.monotonic() + 30
        while not all(p.exists() and p.read_text() for p in pid_files):
            self.assertLess(time.monotonic(), deadline, "commands not started")
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 128 + signal.SIGTERM, err)
        for path in pid_files:
            self.assertFalse(_alive(int(path.read_text())),
                             f"{path.name}: still running")


class PortAllocation(unittest.TestCase):

    def test_never_handed_out_twice(self):
        ports = [run.free_port() for _ in range(50)]
        self.assertEqual(len(set(ports)), 50)
        for port in ports[:5]:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, kind) as sock:
                    sock.bind(("127.0.0.1", port))


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


class BlkLost(unittest.TestCase):
    """check-log --lost: unflushed fills must be missing from the image."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)
        self.image = self.dir / "disk.img"
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


class NbdServer(unittest.TestCase):
    """tests/tools/nbdserver.py against a client speaking the protocol."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)
        self.image = self.dir / "disk.img"
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


class KillOn(unittest.TestCase):
    """kill_on: the process group dies at the first matching line."""

    def test_kills_at_the_matching_line(self):
        killer = run.KillOn(run.re.compile("^now$"))
        with tempfile.TemporaryFile() as log:
            result = run.run_command(
                ["sh", "-c", "echo before; echo now; sleep 20; echo after"],
                log, 30, killer, on_spawn=killer.attach)
        self.assertEqual(result.returncode, -signal.SIGKILL)
        self.assertEqual(killer.matched, "now")
        self.assertNotIn(b"after", result.output)

    def test_matrix_key(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = run.load_matrix([write(tmp, "m.ini", "[a]\nkill_on = ^x$\n")])
            self.assertEqual(env.envs["a"].kill_on.pattern, "^x$")
            for text, message in {
                    "[a]\nlauncher = host\ncommand = true\nkill_on = x\n":
                        "kill_on: only for launcher qemu",
                    "[a]\nkill_on = (\n": "kill_on: bad regex"}.items():
                with self.assertRaisesRegex(run.MatrixError, message):
                    run.load_matrix([write(tmp, "m.ini", text)])


class BlkEndToEnd(unittest.TestCase):
    """The matrix's blk environments' shape, with a host command as guest."""

    MATRIX = """\
        [blk]
        launcher = host
        ktap = no
        setup =
            python3 {srcdir}/tests/tools/blkimg.py random {envdir}/disk.img 1M --seed 1234
            cp disk.img disk.before
        # A fake guest: CRC of the whole disk, then the fill.
        command = sh -c 'b="python3 {srcdir}/tests/tools/blkimg.py"; d={envdir}/disk.img;
            echo "blk: crc32 vda 0+1048576 = $($b crc $d 0 1M)";
            $b pattern $d 256K 64K 42 && echo "blk: fill vda 262144+65536 seed %s done"'
        check =
            python3 {srcdir}/tests/tools/blkimg.py check-log {envdir}/console.log {envdir}/disk.img --before {envdir}/disk.before --expect crc,fill
        """

    def test_pass_and_fail(self):
        with tempfile.TemporaryDirectory() as tmp:
            proc = run_runner(tmp, self.MATRIX % 42)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            self.assertEqual(proc.stdout.splitlines()[-1], "3 passed, 0 failed")
            check = junit_cases(tmp)["blk"][2]
            self.assertEqual(check[1], "pass")
            # The guest claims another seed than it wrote.
            proc = run_runner(tmp, self.MATRIX % 43)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("FAIL fill vda 262144+65536 (256K+64K) seed 43: the "
                          "image differs from the pattern at byte 262144",
                          proc.stdout)
            self.assertEqual(proc.stdout.splitlines()[-1], "2 passed, 1 failed")


class XenDomu(unittest.TestCase):
    """launcher xen-domu: matrix keys, dom0's report, the domU's status."""

    CONSOLE = [
        "(XEN) Xen version 4.17",
        "dom0: [6.57] userspace started",
        "xl: Parsing config from /domu/domu.cfg",
        "pvkit-xen-domu: console begin",
        "KTAP version 1",
        "(XEN) d1v0: upcall vector f3",
        "1..1",
        "ok 1 lib",
        "pvkit: exit status 0 (success)",
        "pvkit-xen-domu: console end",
        "xl-log: Domain 1 has shut down, reason code 0 0x0",
        "pvkit-xen-domu: shutdown poweroff (reason code 0)",
        "pvkit-xen-domu: times: dom0 userspace 6.57 s, xenstored 8.32 s",
        "pvkit-xen-domu: done",
    ]

    def judge(self, lines, code=33, timed_out=False):
        return run.judge_domu(run.Run(returncode=code, timed_out=timed_out),
                              120, list(lines))

    def with_end(self, *end, console=("pvkit: exit status 0 (success)",)):
        return ["junk", "pvkit-xen-domu: console begin", *console,
                "pvkit-xen-domu: console end", *end, "pvkit-xen-domu: done"]

    def test_report_extracted_between_markers(self):
        report = run.parse_domu_report(self.CONSOLE)
        self.assertEqual(report.console, ["KTAP version 1", "1..1", "ok 1 lib",
                                          "pvkit: exit status 0 (success)"])
        self.assertTrue(report.complete and report.done)
        self.assertEqual((report.shutdown, report.code), ("poweroff", 0))
        self.assertEqual(report.notes,
                         ["times: dom0 userspace 6.57 s, xenstored 8.32 s"])
        # The markers may follow other output on the same serial line.
        report = run.parse_domu_report(
            ["abc pvkit-xen-domu: console begin", "x",
             "pvkit-xen-domu: console end\r"])
        self.assertEqual(report.console, ["x"])
        self.assertTrue(report.complete)

    def test_no_report(self):
        report = run.parse_domu_report(["(XEN) panic", "dom0: [1.0] x"])
        self.assertIsNone(report.console)
        status, problem, details, console = self.judge(
            ["(XEN) Hardware Dom0 crashed"], code=None, timed_out=True)
        self.assertIsNone(status)
        self.assertIn("dom0 did not report on the domU (timed out after "
                      "120 s", problem)
        self.assertEqual(details, ["(XEN) Hardware Dom0 crashed"])
        self.assertIsNone(console)
        # Cut off inside the console: no status either.
        status, problem, _, _ = self.judge(self.CONSOLE[:6], code=0)
        self.assertIn("QEMU exit 0", problem)

    def test_statuses(self):
        self.assertEqual(self.judge(self.CONSOLE)[:2], (0, ""))
        # A domU that is not pvkit: a poweroff is success.
        lines = self.with_end("pvkit-xen-domu: shutdown poweroff (reason "
                              "code 0)", console=["hello"])
        self.assertEqual(self.judge(lines)[:2], (0, ""))
        # pvkit crashes its domain with a non-zero status and says which.
        lines = self.with_end("pvkit-xen-domu: shutdown crash (reason code 3)",
                              console=["pvkit: exit status 2 (kernel panic)"])
        self.assertEqual(self.judge(lines)[:2], (2, ""))
        lines = self.with_end("pvkit-xen-domu: shutdown crash (reason code 3)",
                              console=["oops"])
        self.assertIn("domU crashed", self.judge(lines)[1])
        lines = self.with_end("pvkit-xen-domu: shutdown reboot (reason code 1)")
        self.assertEqual(self.judge(lines)[1],
                         "domU shut down with reason reboot")
        lines = self.with_end("pvkit-xen-domu: timeout after 60 s")
        self.assertEqual(self.judge(lines)[1], "domU: timeout after 60 s")
        lines = ["xl: libxl: error: bad", *self.with_end(
            "pvkit-xen-domu: xl create failed (exit 3)")]
        status, problem, details, _ = self.judge(lines)
        self.assertEqual(problem, "domU: xl create failed (exit 3)")
        self.assertIn("xl: libxl: error: bad", details)

    def test_destroyed_by_the_peer(self):
        # xl destroy after the domU reported its write: no exit status of
        # its own, and the environment's checks judge the data.
        lines = self.with_end("pvkit-xen-domu: destroyed by the peer",
                              console=["blk: fill xvda 0+512 seed 1 done"])
        status, problem, details, _ = self.judge(lines)
        self.assertEqual((status, problem), (0, ""))
        self.assertIn("destroyed by its dom0 peer, as the environment asks", details)
        # A domain that vanished without the peer is still a problem.
        lines = self.with_end("pvkit-xen-domu: shutdown unknown (domain vanished)")
        self.assertEqual(self.judge(lines)[1],
                         "domU: shutdown unknown (domain vanished)")

    def test_dom0_not_ending_cleanly_is_noted(self):
        status, problem, details, _ = self.judge(self.CONSOLE[:-1], code=None,
                                                 timed_out=True)
        self.assertEqual((status, problem), (0, ""))
        self.assertIn("dom0 did not end cleanly", details[-1])

    def test_matrix_keys(self):
        with tempfile.TemporaryDirectory() as tmp:
            matrix = run.load_matrix([write(tmp, "m.ini", textwrap.dedent("""\
                [d]
                launcher = xen-domu
                domu_type = pv
                domu_kernel = linux
                domu_memory = 256
                domu_disks = {envdir}/a.img
                    {envdir}/b.img
                domu_vifs = 1
                domu_config = cpuid = "host,rdtscp=0"
                domu_vif_model = e1000
                [e]
                launcher = xen-domu
                """))])
            d, e = matrix.envs["d"], matrix.envs["e"]
            self.assertEqual((d.domu_type, d.domu_kernel, d.domu_memory,
                              d.domu_vifs), ("pv", "linux", 256, 1))
            self.assertEqual(d.domu_disks, ["{envdir}/a.img", "{envdir}/b.img"])
            self.assertEqual(d.domu_config, ['cpuid = "host,rdtscp=0"'])
            self.assertEqual((d.domu_vif_model, e.domu_vif_model), ("e1000", ""))
            self.assertEqual((e.domu_type, e.domu_kernel, e.domu_memory,
                              e.domu_disks, e.domu_timeout),
                             ("pvh", "{image}", 128, [], 60.0))
            for text, message in {"domu_type = hvx": "domu_type",
                                  "domu_vifs = -1": "domu_vifs",
                                  "domu_memory = lots": "domu_memory",
                                  "domu_vif_model = e1000,x": "domu_vif_model",
                                  "domu_disks = {port12}": "only"}.items():
                with self.subTest(text=text):
                    with self.assertRaisesRegex(run.MatrixError, message):
                        run.load_matrix([write(tmp, "bad.ini",
                                               f"[x]\n{text}\n")])

    def test_symbol_requirement(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = write(tmp, "s.c", "int pvkit_marker_symbol;\n"
                                    "int main(void) { return 0; }\n")
            exe = os.path.join(tmp, "s")
            if subprocess.run(["cc", "-o", exe, src]).returncode != 0:
                self.skipTest("no C compiler")
            matrix = run.load_matrix([write(tmp, "m.ini",
                "[a]\nrequires = symbol:pvkit_marker_symbol\n"
                "[b]\nrequires = symbol:no_such_symbol\n")])
            self.assertIsNone(run.unmet_requirement(matrix.envs["a"], exe))
            self.assertEqual(run.unmet_requirement(matrix.envs["b"], exe),
                             f"{exe} has no symbol 'no_such_symbol'")
            self.assertIn("cannot read symbols",
                          run.unmet_requirement(matrix.envs["b"], src))


def _alive(pid):
    """True if pid is a live (non-zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    unittest.main()

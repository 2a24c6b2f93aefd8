#!/usr/bin/env python3
"""Unit tests for tests/run: KTAP parser, matrix parsing, accounting.

Run with either of:
    python3 -m unittest discover -s tests -p 'test_runner.py'
    python3 tests/test_runner.py
"""

import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "run"


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
        self.assertEqual((kvm.timeout, kvm.cpu), (5.0, "host"))
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


def _alive(pid):
    """True if pid is a live (non-zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    unittest.main()

"""Exit statuses, cases, verdicts and the reports (summary, JUnit)."""

import re
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

from runner.common import ERROR, FAIL, PASS, SKIP, Case, tally
from runner import evaluate as evaluation
from runner.evaluate import EnvResult, evaluate, exit_case, skipped_result
from runner.process import Run
from runner.report import (MAX_RECAP_LINES, exit_code, final_line, progress_line,
                           recap_lines, write_junit)
from runner.session import Outcome, judge_qemu
from runner.testutil import TEST_DATA, make_env


class ExitStatus(unittest.TestCase):

    def judge(self, code, lines=(), timed_out=False):
        result = Run(returncode=code, timed_out=timed_out)
        return judge_qemu(result, 60, list(lines))

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
        good = exit_case(env, Outcome(status=3), 1.5)
        self.assertEqual((good.id, good.status, good.seconds),
                         ("boot.exit_status", PASS, 1.5))
        bad = exit_case(env, Outcome(status=2), 0)
        self.assertEqual(bad.status, FAIL)
        self.assertEqual(bad.message, "exit status 2 (kernel panic), "
                         "expected 3 (app not found or bad command line)")
        hung = exit_case(env, Outcome(problem="timed out after 2 s"), 0)
        self.assertEqual((hung.status, hung.message),
                         (FAIL, "timed out after 2 s"))


class Accounting(unittest.TestCase):

    def result(self, *statuses, name="e", verdict=None):
        cases = [Case("s", f"c{i}", status)
                 for i, status in enumerate(statuses)]
        return EnvResult(name, verdict or evaluation.verdict(cases), cases, 1.0)

    def test_final_line(self):
        results = [self.result(PASS, PASS, FAIL),
                   self.result(PASS, SKIP)]
        self.assertEqual(final_line(results), "3 passed, 1 failed, 0 errors, 1 skipped")
        self.assertEqual(exit_code(results), 1)
        results = [self.result(PASS)]
        self.assertEqual(final_line(results), "1 passed, 0 failed, 0 errors")
        self.assertEqual(exit_code(results), 0)

    def test_recap_names_every_failure_and_qemus_last_words(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "console.log"
            log.write_text("    ok 8 stuck\n qemu-system-x86_64: ../hw/net/"
                           "e1000e_core.c:169: Assertion `msix' failed.\n")
            crashed = self.result(PASS, FAIL, name="kvm")
            crashed.cases[1].message = "QEMU killed by SIGABRT"
            crashed.log_path = log
            results = [self.result(PASS, name="fine"), crashed,
                       self.result(ERROR, name="broken")]
            self.assertEqual(recap_lines(results), [
                "FAIL kvm: s.c1: QEMU killed by SIGABRT",
                "    | qemu-system-x86_64: ../hw/net/e1000e_core.c:169: "
                "Assertion `msix' failed.",
                "ERROR broken: s.c0"])
        self.assertEqual(recap_lines([self.result(PASS, SKIP)]), [])

    def test_recap_is_bounded(self):
        many = self.result(*[FAIL] * (MAX_RECAP_LINES + 5), name="x")
        lines = recap_lines([many])
        self.assertEqual(len(lines), MAX_RECAP_LINES + 1)
        self.assertEqual(lines[-1], "... and 5 more line(s)")

    def test_nothing_passed_is_failure(self):
        results = [self.result(SKIP, verdict="SKIP")]
        self.assertEqual(final_line(results), "0 passed, 0 failed, 0 errors, 1 skipped")
        self.assertEqual(exit_code(results), 1)

    def test_evaluate_ktap_required(self):
        env = make_env()
        outcome = Outcome(status=0, console=["hello"], guest_ran=True)
        cases = evaluate(env, outcome, 0.5)
        self.assertEqual([(c.id, c.status) for c in cases],
                         [("boot.exit_status", PASS),
                          ("ktap.format", FAIL)])
        self.assertEqual(cases[1].message, "no KTAP output")
        self.assertEqual(evaluate(make_env(ktap=False), outcome, 0)[1:], [])

    def test_evaluate_expect_and_ktap(self):
        env = make_env(expect=[re.compile(r"^cpu: "),
                               re.compile(r"^nothing")])
        console = (TEST_DATA / "example.log").read_text().splitlines() + ["cpu: qemu64"]
        outcome = Outcome(status=1, console=console, guest_ran=True)
        cases = evaluate(env, outcome, 0)
        ids = [(c.id, c.status) for c in cases]
        self.assertEqual(ids[:3], [("boot.exit_status", FAIL),
                                   ("boot.expect: ^cpu: ", PASS),
                                   ("boot.expect: ^nothing", FAIL)])
        self.assertEqual(tally(cases), (3, 3, 0, 1))
        self.assertEqual(evaluation.verdict(cases), "FAIL")

    def test_evaluate_guest_never_ran(self):
        outcome = Outcome(problem="QEMU failed (exit 2)", guest_ran=False)
        cases = evaluate(make_env(expect=[re.compile("x")]), outcome, 0)
        self.assertEqual([(c.id, c.status, c.message) for c in cases],
                         [("boot.exit_status", ERROR, "QEMU failed (exit 2)")])

    def test_error_or_failure(self):
        """XTF's distinction: broken environments are errors."""
        ktap = ["KTAP version 1", "1..2", "ok 1 a"]
        boot_log = ["SeaBIOS", "pvkit booting"]
        timeout = dict(problem="timed out after 60 s", timed_out=True,
                       guest_ran=True)
        host = [Case("host", "check: x", FAIL, "exit status 1")]
        rows = [
            # (env keys, outcome, error?)
            ({}, Outcome(problem="cannot run qemu: No such file"), True),
            ({}, Outcome(problem="tests/kvm/l1 initrd failed (exit 1)"), True),
            ({}, Outcome(problem="domU: xl create failed", guest_ran=True,
                         no_boot=True), True),
            ({}, Outcome(console=boot_log, **timeout), True),
            ({}, Outcome(console=boot_log + ktap, **timeout), False),
            ({"ktap": False}, Outcome(console=[], **timeout), True),
            ({"ktap": False}, Outcome(console=boot_log, **timeout), False),
            ({}, Outcome(status=1, guest_ran=True, console=boot_log), False),
            ({}, Outcome(problem="no exit status (guest reset or powered "
                                 "off)", guest_ran=True, console=boot_log),
             False),
        ]
        for keys, outcome, error in rows:
            with self.subTest(keys=keys, outcome=outcome):
                cases = evaluate(make_env(**keys), outcome, 0, host)
                statuses = [case.status for case in cases]
                if error:
                    self.assertEqual(statuses, [ERROR])
                    self.assertEqual(cases[0].message, outcome.problem)
                    self.assertIn("not judged, the environment being "
                                  "broken: host.check: x", cases[0].details)
                    self.assertEqual(evaluation.verdict(cases), "ERROR")
                else:
                    self.assertNotIn(ERROR, statuses)
                    self.assertEqual(cases[-1], host[0])
                    self.assertEqual(evaluation.verdict(cases), "FAIL")

    def test_errors_fail_the_run(self):
        broken = self.result(ERROR)
        self.assertEqual(final_line([self.result(PASS), broken]),
                         "1 passed, 0 failed, 1 errors")
        self.assertEqual(exit_code([self.result(PASS), broken]), 1)

    def test_ktap_errors_become_one_case(self):
        env = make_env()
        outcome = Outcome(status=2, guest_ran=True,
                              console=["KTAP version 1", "1..2", "ok 1 a"])
        case = evaluate(env, outcome, 0)[1]
        self.assertEqual((case.id, case.status), ("ktap.format", FAIL))
        self.assertIn("after 1 of 2 results", case.message)

    def test_progress_lines(self):
        passed = self.result(PASS, PASS, SKIP, name="qemu-tcg-q35")
        line = progress_line(2, 5, passed, 20)
        self.assertTrue(line.startswith("[2/5] qemu-tcg-q35          PASS   "
                                        "2 passed, 0 failed, 0 errors, 1 skipped"))
        self.assertTrue(line.endswith("(1.0 s)"))
        skipped = skipped_result(make_env(name="qemu-kvm"),
                                     "/dev/kvm does not exist")
        self.assertEqual(progress_line(3, 5, skipped, 8),
                         "[3/5] qemu-kvm  SKIP   /dev/kvm does not exist")

    def test_junit(self):
        failing = Case("lib", "printf", FAIL, "",
                           ["# bad \x1b[31mred\x1b[0m"])
        cases = [Case("boot", "exit_status", PASS, seconds=2.0),
                 failing, Case("", "top", SKIP, "no rdrand")]
        results = [EnvResult("q", "FAIL", cases, 2.0),
                   skipped_result(make_env(name="k"), "no kvm"),
                   EnvResult("x", "ERROR", [Case("boot", "exit_status", ERROR,
                                                 "QEMU failed (exit 2)")])]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "sub" / "junit.xml"
            write_junit(path, results)
            root = ET.parse(path).getroot()
        self.assertEqual(root.tag, "testsuites")
        self.assertEqual((root.get("tests"), root.get("failures"),
                          root.get("errors"), root.get("skipped")),
                         ("5", "1", "1", "2"))
        suites = root.findall("testsuite")
        self.assertEqual([s.get("name") for s in suites], ["q", "k", "x"])
        self.assertEqual(suites[2].get("errors"), "1")
        error = suites[2].find("testcase/error")
        self.assertEqual(error.get("message"), "QEMU failed (exit 2)")
        self.assertIsNone(suites[2].find("testcase/failure"))
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


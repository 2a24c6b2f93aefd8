"""The KTAP parser, on the fixtures of test_data/."""

import unittest

from runner.common import FAIL, PASS, SKIP
from runner.ktap import parse_ktap
from runner.testutil import by_id, ktap_file


class KtapGoodInput(unittest.TestCase):

    def test_example(self):
        report = ktap_file("example.log")
        self.assertTrue(report.found)
        self.assertEqual(report.errors, [])
        cases = by_id(report)
        self.assertEqual(list(cases), ["lib.strlen", "lib.snprintf_int",
                                       "lib.rdrand", "memory.alloc_free"])
        self.assertEqual(cases["lib.strlen"].status, PASS)
        self.assertEqual(cases["memory.alloc_free"].status, PASS)

    def test_failing_case_gets_following_diagnostics(self):
        case = by_id(ktap_file("example.log"))["lib.snprintf_int"]
        self.assertEqual(case.status, FAIL)
        self.assertEqual(case.details, [
            "# snprintf_int: EXPECTATION FAILED at lib/tests/printf_test.c:40",
            '# Expected buf == "42", but',
            '#     buf == "41"',
        ])

    def test_skip_with_reason(self):
        case = by_id(ktap_file("example.log"))["lib.rdrand"]
        self.assertEqual(case.status, SKIP)
        self.assertEqual(case.message, "no RDRAND on this CPU")

    def test_skip_variants(self):
        report = ktap_file("skip_variants.log")
        self.assertEqual(report.errors, [])
        self.assertEqual([(c.name, c.status, c.message) for c in report.cases],
                         [("dashed", SKIP, "skip"),
                          ("test2", SKIP, "not here"),
                          ("later", SKIP, "not written")])

    def test_interleaved_noise(self):
        report = ktap_file("interleaved_noise.log")
        self.assertEqual(report.errors, [])
        self.assertEqual([c.id for c in report.cases],
                         ["dev.probe", "dev.remove"])

    def test_crlf_and_tabs(self):
        lines = ["KTAP version 1\r", "1..1\r", "\tKTAP version 1\r",
                 "\t1..1\r", "\tok 1 a\r", "ok 1 s\r"]
        report = parse_ktap(lines)
        self.assertEqual(report.errors, [])
        self.assertEqual([c.id for c in report.cases], ["s.a"])

    def test_nested_three_levels(self):
        report = ktap_file("nested_three_levels.log")
        self.assertEqual(report.errors, [])
        cases = by_id(report)
        self.assertEqual(list(cases), ["a.b.c", "a.b.d", "a.e"])
        self.assertEqual(cases["a.b.d"].details, ["# d: wrong"])
        self.assertEqual(cases["a.b.c"].suite, "a.b")

    def test_two_space_nesting(self):
        report = ktap_file("two_space_nesting.log")
        self.assertEqual(report.errors, [])
        self.assertEqual([c.id for c in report.cases], ["top.mid.leaf"])

    def test_tap14_kunit_style_without_nested_version(self):
        report = ktap_file("tap14_kunit_style_without_nested_version.log")
        self.assertEqual(report.errors, [])
        self.assertEqual([c.id for c in report.cases],
                         ["old.first", "old.second"])

    def test_diagnostics_before_failing_result(self):
        # KUnit prints diagnostics before the result line.
        report = ktap_file("diagnostics_before_failing_result.log")
        cases = by_id(report)
        self.assertEqual(cases["b"].details,
                         ["# b: EXPECTATION FAILED", "# more about b"])
        self.assertEqual(cases["c"].details, ["# c: EXPECTATION FAILED"])

    def test_trailing_diagnostics_of_last_top_level_case(self):
        report = ktap_file("trailing_diagnostics_of_last_top_level_case.log")
        self.assertEqual(report.errors, [])
        self.assertEqual(report.cases[0].details, ["# only: it broke"])

    def test_parent_not_ok_without_failing_child_is_a_failure(self):
        report = ktap_file("parent_not_ok_without_failing_child_is_a_failure.log")
        cases = by_id(report)
        self.assertEqual(cases["suite"].status, FAIL)
        self.assertEqual(cases["suite"].details, ["# suite_init failed"])

    def test_two_documents(self):
        report = ktap_file("two_documents.log")
        self.assertEqual(report.errors, [])
        self.assertEqual([c.id for c in report.cases], ["first", "second"])

    def test_no_ktap(self):
        report = ktap_file("no_ktap.log")
        self.assertFalse(report.found)
        self.assertEqual(report.cases, [])
        self.assertEqual(report.errors, [])


class KtapMalformed(unittest.TestCase):

    def test_panic_mid_suite(self):
        report = ktap_file("panic_mid_suite.log")
        cases = by_id(report)
        # The cases seen so far count as they were ...
        self.assertEqual(list(cases), ["lib.strlen", "lib.snprintf_int"])
        self.assertEqual(cases["lib.snprintf_int"].details, ["# snprintf_int: bad"])
        # ... and the truncation is an error.
        self.assertEqual(len(report.errors), 1)
        self.assertIn("'lib' after 2 of 3 results", report.errors[0])

    def test_console_ends_at_top_level(self):
        report = ktap_file("console_ends_at_top_level.log")
        self.assertEqual(len(report.errors), 1)
        self.assertIn("top level after 1 of 3", report.errors[0])

    def test_missing_plan(self):
        report = ktap_file("missing_plan.log")
        self.assertEqual(len(report.errors), 1)
        self.assertIn("without a plan", report.errors[0])

    def test_fewer_results_than_plan(self):
        report = ktap_file("fewer_results_than_plan.log")
        self.assertEqual(len(report.errors), 1)
        self.assertIn("'s': plan 1..3 but only 2 results", report.errors[0])

    def test_more_results_than_plan(self):
        report = ktap_file("more_results_than_plan.log")
        self.assertEqual(len(report.errors), 1)
        self.assertIn("more results than the plan 1..1", report.errors[0])
        self.assertEqual(len(report.cases), 2)

    def test_non_sequential_numbers(self):
        report = ktap_file("non_sequential_numbers.log")
        self.assertEqual(len(report.errors), 2)
        self.assertIn("expected 2, got 3", report.errors[0])
        self.assertIn("not sequential", report.errors[0])

    def test_parent_ok_while_child_failed(self):
        report = ktap_file("parent_ok_while_child_failed.log")
        self.assertEqual(len(report.errors), 1)
        self.assertIn("'liar' is reported ok", report.errors[0])
        self.assertEqual(by_id(report)["liar.broken"].status, FAIL)

    def test_nested_block_restarted(self):
        report = ktap_file("nested_block_restarted.log")
        self.assertTrue(any("new KTAP version line" in e for e in report.errors))
        self.assertIn("first.a", [c.id for c in report.cases])


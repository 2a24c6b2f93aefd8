"""Unit tests for session.py: the deadlines' stretch under load."""

import unittest

from runner.session import MAX_AUTO_SCALE, timeout_scale


class TimeoutScaleTest(unittest.TestCase):
    def test_idle_machine_keeps_the_written_deadlines(self):
        self.assertEqual(timeout_scale({}, loadavg=0.3, cpus=2), 1.0)
        self.assertEqual(timeout_scale({}, loadavg=2.0, cpus=2), 1.0)

    def test_load_per_cpu_stretches_them(self):
        self.assertEqual(timeout_scale({}, loadavg=5.0, cpus=2), 2.5)

    def test_stretch_is_bounded(self):
        self.assertEqual(timeout_scale({}, loadavg=40.0, cpus=2), MAX_AUTO_SCALE)

    def test_variable_wins_over_load(self):
        env = {"PVKIT_TIMEOUT_SCALE": "3"}
        self.assertEqual(timeout_scale(env, loadavg=0.0, cpus=2), 3.0)
        env = {"PVKIT_TIMEOUT_SCALE": "1"}
        self.assertEqual(timeout_scale(env, loadavg=40.0, cpus=2), 1.0)

    def test_bad_variable_is_an_error(self):
        for bad in ("0.5", "fast", "nan", "inf"):
            with self.subTest(bad=bad), self.assertRaises(SystemExit):
                timeout_scale({"PVKIT_TIMEOUT_SCALE": bad}, loadavg=0.0, cpus=2)

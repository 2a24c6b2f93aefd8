"""Sharding: the split, durations, merging JUnit, and the shipped CI
definitions (.github/workflows/matrix.yml, .gitlab-ci.yml)."""

import json
import re
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

from runner.common import DEFAULT_MATRIX
from runner.evaluate import EnvResult
from runner.matrix import load_matrix
from runner.shard import (DEFAULT_DURATIONS, FALLBACK_SECONDS, ShardError,
                          load_durations, merge_junit, parse_shard,
                          record_durations, shard_envs, split)
from runner.testutil import RUNNER, junit_cases, make_env, run_runner, write

SRC = RUNNER.parent.parent


def load_yaml(path):
    """The YAML file as Python data: PyYAML if this Python has it, else the
    system Python's (Debian's python3-yaml, which make check installs)."""
    try:
        import yaml
    except ImportError:
        out = subprocess.run(
            ["/usr/bin/python3", "-c", "import json, sys, yaml; "
             "print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", str(path)],
            check=True, capture_output=True, text=True).stdout
        return json.loads(out)
    return yaml.safe_load(path.read_text())


def names(envs):
    return [env.name for env in envs]


class Split(unittest.TestCase):

    envs = [make_env(name=n) for n in ("a", "b", "c", "d", "e", "f", "g")]

    def test_parse(self):
        self.assertEqual(parse_shard("2/5"), (2, 5))
        for bad in ("0/3", "4/3", "1", "a/b", "1/0", "-1/2", "1/3x"):
            with self.subTest(bad=bad):
                with self.assertRaises(ShardError):
                    parse_shard(bad)

    def test_every_environment_once_and_stable(self):
        durations = {"a": 100, "b": 50, "c": 50, "d": 10, "e": 0}
        for count in range(1, 10):
            shards = split(self.envs, count, durations)
            self.assertEqual(len(shards), count)
            flat = sorted(n for shard in shards for n in names(shard))
            self.assertEqual(flat, names(self.envs))
            # The same on every worker, whatever the selection's order.
            again = split(list(reversed(self.envs)), count, durations)
            self.assertEqual([sorted(names(s)) for s in shards],
                             [sorted(names(s)) for s in again])

    def test_balanced_by_duration(self):
        durations = {"a": 100, "b": 60, "c": 50, "d": 10, "e": 0.5,
                     "f": 0.5, "g": 0.5}
        shards = split(self.envs, 2, durations)
        # Longest first to the least loaded (the first on a tie): a | b,
        # c | d to 110 each, e to the first, f to the second, g.
        self.assertEqual([names(s) for s in shards],
                         [["a", "d", "e", "g"], ["b", "c", "f"]])
        self.assertEqual(names(shard_envs(self.envs, "1/2", durations)),
                         ["a", "d", "e", "g"])

    def test_unknown_environments_get_the_fallback(self):
        shards = split(self.envs[:3], 2, {"a": FALLBACK_SECONDS + 1})
        self.assertEqual([names(s) for s in shards], [["a"], ["b", "c"]])

    def test_more_shards_than_environments(self):
        shards = split(self.envs[:2], 4, {})
        self.assertEqual([names(s) for s in shards], [["a"], ["b"], [], []])


class Durations(unittest.TestCase):

    def test_shipped_file(self):
        durations = load_durations(DEFAULT_DURATIONS)
        matrix = load_matrix([DEFAULT_MATRIX])
        self.assertTrue(durations)
        self.assertLessEqual(set(durations), set(matrix.envs))

    def test_record(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "d.json")
            path.write_text('{"a": 5.0, "gone": 1.0, "b": 7.0}')
            results = [EnvResult("a", "PASS", [], 2.04),
                       EnvResult("a", "FAIL", [], 3.0),     # another round
                       EnvResult("c", "ERROR", [], 1.0),
                       EnvResult("b", "SKIP", [], 0.0)]
            self.assertEqual(record_durations(path, results, {"a", "b", "c"}),
                             2)
            self.assertEqual(json.loads(path.read_text()),
                             {"a": 3.0, "b": 7.0, "c": 1.0})

    def test_bad_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            for text in ("[1, 2]", '{"a": "slow"}', '{"a": -1}', "{"):
                with self.subTest(text=text):
                    path = write(tmp, "d.json", text)
                    with self.assertRaises(ShardError):
                        load_durations(path)
            self.assertEqual(load_durations(Path(tmp, "none.json")), {})


MATRIX = """\
    [DEFAULT]
    launcher = host
    [good]
    command = printf 'KTAP version 1\\n1..1\\nok 1 x\\n'
    [bad]
    command = sh -c "printf 'KTAP version 1\\n1..1\\nnot ok 1 y\\n'; exit 1"
    [broken]
    command = no-such-command-pvkit
    [other]
    command = printf 'KTAP version 1\\n1..2\\nok 1 x\\nok 2 y # SKIP no\\n'
    """


class ShardsEndToEnd(unittest.TestCase):
    """tests/run --shard K/N, then --merge-junit, through the script."""

    def run_runner(self, tmp, *args):
        return run_runner(tmp, MATRIX, "--durations", str(Path(tmp, "d.json")), *args,
                          junit=False)

    def test_shards_then_merge(self):
        with tempfile.TemporaryDirectory() as tmp:
            write(tmp, "d.json", '{"good": 30, "bad": 20, "broken": 10}')
            outs = [self.run_runner(tmp, "--shard", f"{k}/2", "--junit",
                                    f"{tmp}/j{k}.xml") for k in (1, 2)]
            # good 30 s | bad 20 s, other 20 s (the fallback) | broken 10 s
            self.assertIn("shard 1/2: 2 of 4 environments (about 40 s",
                          outs[0].stdout)
            self.assertEqual(outs[0].stdout.splitlines()[-1],
                             "2 passed, 0 failed, 1 errors")
            self.assertEqual(outs[1].stdout.splitlines()[-1],
                             "2 passed, 2 failed, 0 errors, 1 skipped")
            merged = self.run_runner(tmp, "--merge-junit", f"{tmp}/j.xml",
                                     f"{tmp}/j1.xml", f"{tmp}/j2.xml")
            cases = junit_cases(tmp)
            root = ET.parse(Path(tmp, "j.xml")).getroot()
            alone = self.run_runner(tmp, "--merge-junit", f"{tmp}/k.xml",
                                    f"{tmp}/j2.xml")
            twice = self.run_runner(tmp, "--merge-junit", f"{tmp}/k.xml",
                                    f"{tmp}/j2.xml", f"{tmp}/j2.xml")
        self.assertEqual(merged.returncode, 1, merged.stdout + merged.stderr)
        self.assertEqual(merged.stdout.splitlines()[-1],
                         "4 passed, 2 failed, 1 errors, 1 skipped")
        self.assertEqual(sorted(cases), ["bad", "broken", "good", "other"])
        self.assertEqual(cases["broken"][0][1], "error")
        self.assertEqual([root.get(k) for k in ("tests", "failures",
                                                "errors", "skipped")],
                         ["8", "2", "1", "1"])
        self.assertEqual(alone.returncode, 1)
        self.assertIn("missing from every input (2): good, broken",
                      alone.stdout)
        self.assertEqual(twice.returncode, 2)
        self.assertIn("suite bad is also in", twice.stderr)

    def test_bad_shard(self):
        with tempfile.TemporaryDirectory() as tmp:
            proc = self.run_runner(tmp, "--shard", "3/2")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("must be K/N with 1 <= K <= N", proc.stderr)

    def test_merge_checks_inputs(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = write(tmp, "bad.xml", "<testsuite/>")
            with self.assertRaisesRegex(ShardError, "not a <testsuites>"):
                merge_junit(Path(tmp, "out.xml"), [bad])
            with self.assertRaisesRegex(ShardError, "none.xml"):
                merge_junit(Path(tmp, "out.xml"), [Path(tmp, "none.xml")])


class ShippedCi(unittest.TestCase):
    """The CI definitions are valid YAML whose shard jobs together run
    every environment of the matrix exactly once, and whose last job
    merges their JUnit."""

    def check_shards(self, numbers, count, rest):
        self.assertEqual(numbers, list(range(1, count + 1)))
        # Nothing narrows the selection: every shard of the whole matrix.
        self.assertNotRegex(rest, r"--(env|group|matrix)\b")
        matrix = load_matrix([DEFAULT_MATRIX])
        envs = list(matrix.envs.values())
        durations = load_durations(DEFAULT_DURATIONS)
        ran = [env.name for k in numbers
               for env in shard_envs(envs, f"{k}/{count}", durations)]
        self.assertEqual(sorted(ran), sorted(matrix.envs))
        for k in numbers:       # no shard idles
            self.assertTrue(shard_envs(envs, f"{k}/{count}", durations))

    def test_github_actions(self):
        jobs = load_yaml(SRC / ".github" / "workflows" / "matrix.yml")["jobs"]
        shard = jobs["shard"]
        numbers = shard["strategy"]["matrix"]["shard"]
        runs = [step.get("run", "") for step in shard["steps"]]
        command = next(r for r in runs if "tests/run" in r)
        match = re.fullmatch(r"tests/run --shard \$\{\{ matrix\.shard \}\}/"
                             r"(\d+)(.*)", command)
        self.assertIsNotNone(match, command)
        self.check_shards(numbers, int(match[1]), match[2])
        self.assertIn("--junit build/tests/junit-${{ matrix.shard }}.xml",
                      match[2])
        cache = next(step for step in shard["steps"]
                     if step.get("uses", "").startswith("actions/cache@"))
        self.assertEqual(cache["with"]["path"].split(),
                         ["build/xen-dom0-cache", "build/kvm-l1-cache"])
        self.assertIn("hashFiles('tests/xen/**', 'tests/kvm/**'",
                      cache["with"]["key"])
        merge = jobs["merge"]
        self.assertEqual(merge["needs"], "shard")
        self.assertTrue(any("tests/run --merge-junit" in step.get("run", "")
                            for step in merge["steps"]))
        for job in jobs.values():
            self.assertEqual(job["container"], "debian:bookworm")

    def test_gitlab_ci(self):
        config = load_yaml(SRC / ".gitlab-ci.yml")
        job = config["matrix"]
        count = job["parallel"]
        command = next(line for line in job["script"] if "tests/run" in line)
        match = re.fullmatch(r"tests/run --shard \$\{CI_NODE_INDEX\}/"
                             r"\$\{CI_NODE_TOTAL\}(.*)", command)
        self.assertIsNotNone(match, command)
        # GitLab numbers parallel jobs 1..parallel.
        self.check_shards(list(range(1, count + 1)), count, match[1])
        self.assertEqual(job["cache"]["paths"], ["build/xen-dom0-cache/",
                                                 "build/kvm-l1-cache/"])
        self.assertEqual(job["cache"]["key"]["files"],
                         ["tests/xen/dom0", "tests/kvm/l1"])
        merge = config["merge-junit"]
        self.assertEqual(merge["needs"][0]["job"], "matrix")
        self.assertTrue(any("tests/run --merge-junit" in line
                            for line in merge["script"]))
        self.assertEqual(merge["artifacts"]["reports"]["junit"],
                         "build/tests/junit.xml")
        self.assertEqual(config["default"]["image"], "debian:bookworm")

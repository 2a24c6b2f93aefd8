"""What the runner's unit tests share: matrices in files, fake
environments, running tests/run itself."""

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from runner.ktap import parse_ktap
from runner.matrix import Env

# The runs these tests start check their deadlines to the second: no
# stretching by the load of the machine the tests run on.
os.environ["PVKIT_TIMEOUT_SCALE"] = "1"


HERE = Path(__file__).resolve().parent
RUNNER = HERE.parent / "run"
TEST_DATA = HERE / "test_data"


def write(directory, name, text):
    path = Path(directory) / name
    path.write_text(textwrap.dedent(text))
    return path



def make_env(**overrides):
    values = dict(name="e", groups=[], description="", launcher="qemu",
                  qemu="qemu-system-x86_64", machine="pc", accel="tcg",
                  cpu="max", memory="128M", args=[], cmdline="app=selftest",
                  timeout=60.0, requires=[], expect_status=0, expect=[],
                  ktap=True, command=[])
    values.update(overrides)
    return Env(**values)


def run_runner(tmp, matrix_text, *args, timeout=60, junit=True):
    """Run tests/run on a matrix in tmp (the build directory), its JUnit
    in tmp/j.xml unless junit is False (the caller's args say where)."""
    matrix = write(tmp, "m.ini", matrix_text)
    junit_args = ["--junit", f"{tmp}/j.xml"] if junit else []
    return subprocess.run(
        [sys.executable, str(RUNNER), "--builddir", tmp, "--matrix",
         str(matrix), *junit_args, *args],
        capture_output=True, text=True, timeout=timeout)


def junit_cases(tmp):
    """{env: [(name, 'pass'|'fail'|'error'|'skip', message)]} from
    tmp/j.xml (or another JUnit file)."""
    cases = {}
    path = Path(tmp, "j.xml") if Path(tmp).is_dir() else Path(tmp)
    for suite in ET.parse(path).getroot():
        for case in suite.findall("testcase"):
            status, element = "pass", case
            for tag, name in (("failure", "fail"), ("error", "error"),
                              ("skipped", "skip")):
                if case.find(tag) is not None:
                    status, element = name, case.find(tag)
            message = element.get("message")
            name = case.get("classname")[len(suite.get("name")):] + \
                "/" + case.get("name")
            cases.setdefault(suite.get("name"), []).append(
                (name.lstrip("."), status, message))
    return cases



def alive(pid):
    """True if pid is a live (non-zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False



def ktap_file(name):
    """Parse a KTAP fixture of test_data/."""
    return parse_ktap((TEST_DATA / name).read_text().splitlines())


def by_id(report):
    return {case.id: case for case in report.cases}

"""What every part of the runner shares: paths, statuses, test cases."""

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

PROG = "tests/run"
SCRIPT_DIR = Path(__file__).resolve().parent.parent
SRC_DIR = SCRIPT_DIR.parent
DEFAULT_MATRIX = SCRIPT_DIR / "matrix.ini"

# A case passed, failed, was skipped, or could not be judged because its
# environment broke (ERROR: the guest could not boot or its bed failed).
PASS, FAIL, ERROR, SKIP = "pass", "fail", "error", "skip"

# Exit statuses the guest writes to isa-debug-exit (and host tests return).
STATUS_MEANINGS = {
    0: "success",
    1: "failure: some test failed",
    2: "kernel panic",
    3: "app not found or bad command line",
}

LOG_TAIL_LINES = 30
# Lines of a failing setup/check command's or the peer's output shown.
HOST_TAIL_LINES = 20
# A runaway guest can print very fast; stop recording (but keep draining
# the pipe so QEMU never blocks) after this much console output.
MAX_CONSOLE_BYTES = 64 * 1024 * 1024
# How much of the console log goes into JUnit <system-out>.
MAX_JUNIT_LOG_BYTES = 1024 * 1024

# Under nested KVM on AMD hosts the outer hypervisor refuses writes of
# IA32_ARCH_CAPABILITIES and QEMU aborts at reset with "-cpu host"; pvkit
# never reads that MSR, so the KVM default leaves it out.
KVM_CPU = "host,-arch-capabilities"
# The placeholders replaced in args, cmdline, command, setup, peer, check.
PLACEHOLDER_RE = re.compile(r"\{(envdir|srcdir|builddir|image|port(\d+))\}")
PORT_COUNT = 10                 # {port0} .. {port9}


def status_text(status):
    """'1 (failure: some test failed)' -- a status with its meaning."""
    return f"{status} ({STATUS_MEANINGS.get(status, 'unknown status')})"


def count_text(passed, failed, errors, skipped):
    """The 'N passed, N failed, N errors[, N skipped]' phrase used
    everywhere (the last line of a run is one)."""
    text = f"{passed} passed, {failed} failed, {errors} errors"
    return text + (f", {skipped} skipped" if skipped else "")


def tail_lines(path, count):
    """The last count lines of a (possibly huge) log file."""
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            file.seek(max(0, file.tell() - 256 * 1024))
            data = file.read()
    except (OSError, TypeError):
        return []
    return data.decode("utf-8", "replace").splitlines()[-count:]


# Output from worker threads (-v) and the main thread must not interleave
# mid-line.
_print_lock = threading.Lock()


def say(text=""):
    with _print_lock:
        print(text, flush=True)


# --------------------------------------------------------------------------
# Test cases
# --------------------------------------------------------------------------

@dataclass
class Case:
    """One reported test case: a KTAP leaf, boot.exit_status, expect:..."""
    suite: str                  # dotted suite path, "" for top-level leaves
    name: str
    status: str                 # PASS, FAIL or SKIP
    message: str = ""           # failure summary or skip reason
    details: list = field(default_factory=list)   # diagnostics lines
    seconds: float = 0.0

    @property
    def id(self):
        return f"{self.suite}.{self.name}" if self.suite else self.name


def tally(cases):
    """(passed, failed, errors, skipped) counts of a list of cases."""
    statuses = [case.status for case in cases]
    return (statuses.count(PASS), statuses.count(FAIL), statuses.count(ERROR),
            statuses.count(SKIP))


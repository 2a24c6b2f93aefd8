"""One environment's launch (its directory, log, placeholders) and how a
guest's or a host command's end is judged."""

import os
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from . import process
from .common import PLACEHOLDER_RE, PORT_COUNT, PROG, SRC_DIR, say
from .process import Aborted, free_port, run_command, signal_name, spawn

# --------------------------------------------------------------------------
# Launchers
# --------------------------------------------------------------------------

@dataclass
class Outcome:
    """How one launch ended."""
    status: Optional[int] = None    # guest / host command exit status
    problem: str = ""               # why there is no usable status
    details: list = field(default_factory=list)
    console: list = field(default_factory=list)
    guest_ran: bool = False         # whether console output is worth checking
    killed_at: str = ""             # kill_on: the console line QEMU was killed at
    powered_off: str = ""           # monitor_on: how the guest powered off
    timed_out: bool = False         # the guest (or host command) ran out of time
    no_boot: bool = False           # the guest ran, but could not be started


class EnvDirError(Exception):
    """The environment's directory cannot be made fresh."""


def fresh_dir(path):
    """Empty path (an environment's directory) or create it.

    Only a directory an earlier run made (it has cmd.txt) is cleared, so
    that an environment named like another build directory (e.g. 'unit',
    next to build/tests/unit/) cannot wipe it.
    """
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise EnvDirError(f"{path} exists and is not a directory")
    if path.is_dir():
        if any(path.iterdir()) and not (path / "cmd.txt").is_file():
            raise EnvDirError(f"{path} exists and was not made by {PROG}; "
                              f"not clearing it (rename the environment or "
                              f"remove the directory)")
        shutil.rmtree(path)
    path.mkdir(parents=True)


# The most an environment's deadlines stretch by themselves under load.
MAX_AUTO_SCALE = 4.0


def timeout_scale(environ=None, loadavg=None, cpus=None):
    """How many times its written deadlines an environment may take.

    A deadline in the matrix (timeout, domu_timeout) is there to end a
    guest that hangs, not to time it: it is written for an idle machine.
    On a loaded one a guest gets a share of a CPU, and the same work takes
    longer in wall time (an HVM domU under TCG at a load of 10 on 2 CPUs
    took more than its 120 s to reach its first line). So every deadline is
    multiplied by PVKIT_TIMEOUT_SCALE when that is set (a number >= 1, like
    LTP's LTP_TIMEOUT_MUL), else by the load average per CPU when the
    environment starts, at least 1 and at most MAX_AUTO_SCALE.
    """
    environ = os.environ if environ is None else environ
    given = environ.get("PVKIT_TIMEOUT_SCALE")
    if given:
        try:
            scale = float(given)
        except ValueError:
            scale = 0.0
        if not 1.0 <= scale < float("inf"):
            raise SystemExit(f"{PROG}: PVKIT_TIMEOUT_SCALE={given!r}: must be a number >= 1")
        return scale
    if loadavg is None:
        try:
            loadavg = os.getloadavg()[0]
        except OSError:
            return 1.0
    cpus = cpus or os.cpu_count() or 1
    return min(max(loadavg / cpus, 1.0), MAX_AUTO_SCALE)


class Session:
    """One environment's launch: its directory, log file, ports, commands."""

    def __init__(self, env, opts, stream=None, label=None):
        self.env = env
        self.opts = opts
        self.stream = stream
        self.label = label
        # --timeout is taken as given; the matrix's deadlines stretch under load.
        self.scale = 1.0 if opts.timeout is not None else timeout_scale()
        self.timeout = self.scaled(env.timeout if opts.timeout is None else opts.timeout)
        self.logdir = Path(opts.builddir) / "tests" / env.name
        self.envdir = Path(os.path.abspath(self.logdir))
        self.log_path = self.logdir / "console.log"
        self.log = None
        self.ports = {}             # N -> the port {portN} stands for
        self.child_env = None
        # Called once the guest (QEMU or the host command) has started.
        self.on_guest_start = None

    def scaled(self, seconds):
        """A deadline of the matrix (0 = none) as this launch applies it."""
        return round(seconds * self.scale, 1)

    def __enter__(self):
        if process.stopping():
            raise Aborted("runner is stopping")
        fresh_dir(self.logdir)
        (self.logdir / "cmd.txt").write_text(
            f"# deadlines x{self.scale:.2f} (load average per CPU; PVKIT_TIMEOUT_SCALE)\n"
            if self.scale != 1.0 else "")
        self.log = open(self.log_path, "wb", buffering=0)
        try:
            for text in self.env.substituted() + [self.opts.append]:
                for match in PLACEHOLDER_RE.finditer(text):
                    if match[2] is not None:
                        self.port(int(match[2]))
        except BaseException:
            self.log.close()
            raise
        values = self.values()
        self.child_env = dict(os.environ, **{
            f"PVKIT_{name.upper()}": value for name, value in values.items()},
            **{f"PVKIT_PORT{n}": str(port) for n, port in self.ports.items()})
        return self

    def __exit__(self, *exc):
        self.log.close()

    def values(self):
        """The directory placeholders' values: absolute paths."""
        return {"envdir": str(self.envdir),
                "srcdir": str(SRC_DIR),
                "builddir": os.path.abspath(self.opts.builddir),
                "image": os.path.abspath(self.opts.image)}

    def port(self, number):
        if number not in self.ports:
            self.ports[number] = free_port()
        return self.ports[number]

    def _record(self, line):
        with open(self.logdir / "cmd.txt", "a") as cmd_file:
            cmd_file.write(line + "\n")
        if self.opts.verbose:
            say(f"[{self.label}] $ {line}" if self.label else f"$ {line}")

    def run(self, argv, quiet=False, guest=False):
        """Run a command, recording its exact command line in cmd.txt."""
        self._record(shlex.join(argv))
        return run_command(argv, self.log, self.timeout,
                           None if quiet else self.stream,
                           env=self.child_env,
                           on_start=self.on_guest_start if guest else None)

    def _shell_line(self, command):
        return (f"(cd {shlex.quote(str(self.envdir))} && "
                f"{shlex.join(['sh', '-c', command])})")

    def shell(self, command, log):
        """Run a setup/check command line with sh -c in the envdir."""
        self._record(self._shell_line(command))
        return run_command(["sh", "-c", command], log, self.timeout,
                           cwd=self.envdir, env=self.child_env)

    def spawn_shell(self, command):
        """Start a command line in the background (the peer)."""
        self._record(self._shell_line(command) + " &")
        return spawn(["sh", "-c", command], cwd=self.envdir,
                      env=self.child_env)

    def subst(self, text):
        """text with {envdir}, {srcdir}, {builddir}, {image}, {portN} replaced."""
        values = self.values()

        def value(match):
            if match[2] is None:
                return values[match[1]]
            number = int(match[2])
            return str(self.port(number)) if number < PORT_COUNT else match[0]
        return PLACEHOLDER_RE.sub(value, text)

    def substitute(self, words):
        return [self.subst(word) for word in words]

    def cmdline(self):
        # A matrix value may go on over several lines: one line for the
        # kernel (an xl config string, for one, cannot hold a newline).
        return self.subst(" ".join(
            part for part in (self.env.cmdline, self.opts.append) if part)
            ).replace("\n", " ")


def console_lines(output):
    return output.decode("utf-8", "replace").splitlines()


def timeout_text(seconds):
    return f"timed out after {seconds:g} s"


def judge_host(run, timeout):
    """(status, problem, ran) for a host command."""
    if run.error:
        return None, run.error, False
    if run.timed_out:
        return None, timeout_text(timeout), True
    if run.returncode < 0:
        return None, f"killed by {signal_name(-run.returncode)}", True
    return run.returncode, "", True


_EXIT_LINE_RE = re.compile(r"pvkit: exit status (\d+)")


def console_status(lines):
    """The status of the last 'pvkit: exit status N' console line, or None."""
    said = [m[1] for m in map(_EXIT_LINE_RE.search, lines) if m]
    return int(said[-1]) if said else None


def judge_qemu(run, timeout, lines):
    """(status, problem, ran) from QEMU's exit code.

    isa-debug-exit makes QEMU exit with (status << 1) | 1, so odd codes
    carry a guest status.  Exit code 1 is ambiguous: guest status 0, or
    QEMU's own start-up error; only the kernel's 'pvkit: exit status 0'
    line tells them apart.  0 means the guest reset or powered off (with
    -no-reboot a triple fault ends QEMU this way); other even codes are
    QEMU's own errors.
    """
    if run.error:
        return None, run.error, False
    if run.timed_out:
        return None, timeout_text(timeout), True
    code = run.returncode
    if code < 0:
        return None, f"QEMU killed by {signal_name(-code)}", True
    if code == 1 and console_status(lines) != 0:
        return None, "QEMU failed (exit 1, and no 'pvkit: exit status 0' " \
                     "on the console)", False
    if code & 1:
        return code >> 1, "", True
    if code == 0:
        return None, "no exit status (guest reset or powered off)", True
    return None, f"QEMU failed (exit {code})", False


def exit_hints(lines, status, problem):
    """Console evidence that helps explain a missing or odd status."""
    if problem.startswith("QEMU failed"):
        return [line for line in lines if line.strip()][-5:]
    said = console_status(lines)
    if said is not None and problem.startswith("no exit status"):
        return [f"the console says 'pvkit: exit status {said}', but the "
                f"isa-debug-exit write did not end QEMU"]
    if said is not None and status is not None and said != status:
        return [f"the console says 'pvkit: exit status {said}', but QEMU "
                f"reported status {status}"]
    return []


def image_problem(opts):
    image = Path(opts.image)
    if not image.is_file():
        return f"kernel image {image} not found (build it first)"
    return ""


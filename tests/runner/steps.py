"""Host-side steps around a launch: setup, the peer, the checks."""

import threading
import time
from dataclasses import dataclass, field
from typing import Optional

from .common import (ERROR, FAIL, HOST_TAIL_LINES, PASS, SKIP, Case,
                     tail_lines)
from .launchers import LAUNCHERS
from .process import pump, reap, signal_name, wait_exit
from .session import Outcome, console_lines, timeout_text

# --------------------------------------------------------------------------
# Host-side steps: setup, peer, check
# --------------------------------------------------------------------------
#
# setup commands prepare the environment's directory before the boot (disk
# images, ...), the peer is the far end of what the guest does (a network
# server), check commands look at what the guest left behind (the disk
# image it wrote).  All run with sh -c in the envdir, in process groups of
# their own that are killed when they end, time out or the runner stops.

def _tail(lines, count=HOST_TAIL_LINES):
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines[-count:]


def command_problem(run, timeout):
    """Why a setup/check command failed, or '' if it exited with 0."""
    if run.error:
        return run.error
    if run.timed_out:
        return timeout_text(timeout)
    if run.returncode < 0:
        return f"killed by {signal_name(-run.returncode)}"
    if run.returncode != 0:
        return f"exit status {run.returncode}"
    return ""


def run_setup(session):
    """Run the setup commands in order, stopping at the first failure.

    Returns the host.setup case, or None when there is no setup.
    """
    env = session.env
    if not env.setup:
        return None
    start = time.monotonic()
    path = session.logdir / "setup.log"
    with open(path, "wb", buffering=0) as log:
        for line in env.setup:
            command = session.subst(line)
            log.write(f"$ {command}\n".encode())
            run = session.shell(command, log)
            problem = command_problem(run, session.timeout)
            if problem:
                details = [f"$ {command}", *_tail(console_lines(run.output))]
                # Nothing can be booted: the environment is broken.
                return Case("host", "setup", ERROR, f"{line}: {problem}",
                            details, time.monotonic() - start)
    count = len(env.setup)
    return Case("host", "setup", PASS,
                f"{count} command{'s' if count > 1 else ''} succeeded",
                seconds=time.monotonic() - start)


class Peer:
    """The environment's peer: started with the guest, judged after it."""

    def __init__(self, session):
        self.session = session
        self.path = session.logdir / "peer.log"
        self.proc = None
        self.error = ""
        self.reader = None
        self.log = None
        self.start_time = 0.0

    def start(self):
        """Start the peer (once); session.on_guest_start calls this."""
        command = self.session.env.peer
        if not command or self.proc is not None or self.error:
            return
        self.log = open(self.path, "wb", buffering=0)
        self.start_time = time.monotonic()
        try:
            self.proc = self.session.spawn_shell(self.session.subst(command))
        except OSError as err:
            self.error = f"cannot run sh: {err.strerror}"
            return
        self.reader = threading.Thread(
            target=pump, daemon=True,
            args=(self.proc.stdout, self.log, None, bytearray()))
        self.reader.start()

    def finish(self):
        """Wait up to peer_timeout for the peer, kill it; the host.peer case."""
        env = self.session.env
        if not env.peer:
            return None
        if self.error:
            return Case("host", "peer", FAIL, self.error)
        if self.proc is None:
            return Case("host", "peer", SKIP, "not started: the guest did "
                                              "not start")
        deadline = time.monotonic() + env.peer_timeout
        finished = wait_exit(self.proc.pid, deadline)
        returncode = self.kill()
        seconds = time.monotonic() - self.start_time
        if not finished:
            message = (f"still running {env.peer_timeout:g} s after the "
                       f"guest exited: killed")
        elif returncode < 0:
            message = f"killed by {signal_name(-returncode)}"
        elif returncode:
            message = f"exit status {returncode}"
        else:
            return Case("host", "peer", PASS, "exit status 0", [], seconds)
        tail = _tail(tail_lines(self.path, HOST_TAIL_LINES))
        details = [f"--- last {len(tail)} lines of {self.path} ---", *tail,
                   "--- end of peer log ---"] if tail else \
            [f"(peer log {self.path} is empty)"]
        return Case("host", "peer", FAIL, message, details, seconds)

    def kill(self):
        """Kill the peer's process group (if started); its exit code."""
        if self.proc is None:
            returncode = None
        elif self.proc.returncode is not None:
            return self.proc.returncode     # reaped: its pid may be reused
        else:
            returncode = reap(self.proc)
            if self.reader is not None:
                self.reader.join(5)
                if not self.reader.is_alive():
                    self.proc.stdout.close()
                self.reader = None
        if self.log is not None:
            self.log.close()
            self.log = None
        return returncode


def run_checks(session):
    """Run every check command; one host.check case each."""
    cases = []
    if not session.env.check:
        return cases
    path = session.logdir / "check.log"
    with open(path, "wb", buffering=0) as log:
        for line in session.env.check:
            command = session.subst(line)
            log.write(f"$ {command}\n".encode())
            start = time.monotonic()
            run = session.shell(command, log)
            seconds = time.monotonic() - start
            problem = command_problem(run, session.timeout)
            output = _tail(console_lines(run.output))
            name = f"check: {line}"
            if problem:
                cases.append(Case("host", name, FAIL, problem,
                                  [f"$ {command}", *output], seconds))
            else:
                cases.append(Case("host", name, PASS,
                                  output[-1].strip() if output else "",
                                  seconds=seconds))
    return cases


@dataclass
class Steps:
    """What happened to one environment: host steps around the launch."""
    setup: Optional[Case] = None
    outcome: Optional[Outcome] = None   # None: setup failed, no boot
    peer: Optional[Case] = None
    checks: list = field(default_factory=list)

    def host_cases(self):
        return [case for case in (self.peer, *self.checks) if case]


def run_steps(session):
    """setup, then the launch with the peer beside it, then the checks."""
    steps = Steps(setup=run_setup(session))
    if steps.setup is not None and steps.setup.status == ERROR:
        return steps
    peer = Peer(session)
    session.on_guest_start = peer.start
    try:
        steps.outcome = LAUNCHERS[session.env.launcher](session)
        steps.peer = peer.finish()
    finally:
        peer.kill()
    steps.checks = run_checks(session)
    return steps


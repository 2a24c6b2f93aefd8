"""Child processes (each in a process group of its own) and free ports."""

import atexit
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Optional

from .common import MAX_CONSOLE_BYTES

# --------------------------------------------------------------------------
# Child processes
# --------------------------------------------------------------------------
#
# Every command runs in its own session (process group) so that a timeout
# or Ctrl-C can kill it together with anything it started.  QEMU must never
# outlive the runner: all live groups are registered here.

_children_lock = threading.Lock()
_children = set()               # pids (= pgids) not yet reaped
_stopping = False


class Aborted(Exception):
    """The runner is shutting down; no new command may start."""


class Terminated(BaseException):
    """SIGTERM/SIGHUP arrived; unwinds like KeyboardInterrupt."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def stop_all_children():
    """Kill every running command and refuse to start new ones."""
    global _stopping
    with _children_lock:
        _stopping = True
        pids = list(_children)
    for pid in pids:
        kill_group(pid)


atexit.register(stop_all_children)


def stopping():
    """True once stop_all_children() ran: no new command may start."""
    return _stopping


def spawn(argv, cwd=None, env=None):
    with _children_lock:
        if _stopping:
            raise Aborted("runner is stopping")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=cwd, env=env)
        _children.add(proc.pid)
    return proc


def reap(proc):
    """Kill proc's whole process group, reap proc; its exit code."""
    kill_group(proc.pid)
    returncode = proc.wait()
    with _children_lock:
        _children.discard(proc.pid)
    return returncode


def wait_exit(pid, deadline):
    """Wait for pid to exit without reaping it; False on timeout.

    Not reaping keeps the pid (and so the process group id) reserved until
    the whole group has been killed.
    """
    while True:
        try:
            info = os.waitid(os.P_PID, pid,
                             os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        if info is not None:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def pump(pipe, log, stream, sink):
    """Copy a command's output to the log, the live stream and memory."""
    try:
        _copy_output(pipe, log, stream, sink)
    except (OSError, ValueError):
        pass    # log or pipe closed under us (a process escaped its group)


def _copy_output(pipe, log, stream, sink):
    truncated = False
    while True:
        chunk = os.read(pipe.fileno(), 65536)
        if not chunk:
            return
        if stream is not None:
            stream.write(chunk)
            stream.flush()
        room = MAX_CONSOLE_BYTES - len(sink)
        if room > 0:
            sink += chunk[:room]
            log.write(chunk[:room])
        elif not truncated:
            truncated = True
            log.write(b"\n[tests/run: console output truncated]\n")


@dataclass
class Run:
    returncode: Optional[int] = None    # negative: killed by that signal
    timed_out: bool = False
    error: str = ""                     # set when the command did not start
    output: bytes = b""


def run_command(argv, log, timeout, stream=None, cwd=None, env=None,
                on_start=None, on_spawn=None):
    """Run argv with output to log (and stream); kill its group at the end.

    on_spawn(pid) is called as soon as the process exists, before its
    output is read; on_start() once the command is running (the peer
    starts there); the command is killed if it raises.
    """
    try:
        proc = spawn(argv, cwd, env)
    except OSError as err:
        return Run(error=f"cannot run {argv[0]}: {err.strerror}")
    if on_spawn is not None:
        on_spawn(proc.pid)
    output = bytearray()
    reader = threading.Thread(target=pump, daemon=True,
                              args=(proc.stdout, log, stream, output))
    reader.start()
    deadline = time.monotonic() + timeout if timeout else None
    try:
        if on_start is not None:
            on_start()
        finished = wait_exit(proc.pid, deadline)
    finally:
        # Also kills whatever the command left running in the background.
        returncode = reap(proc)
    reader.join(5)
    if not reader.is_alive():
        proc.stdout.close()
    return Run(returncode=returncode, timed_out=not finished,
               output=bytes(output))


def signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


# --------------------------------------------------------------------------
# Ports
# --------------------------------------------------------------------------
#
# {port0}..{port9} stand for ports on 127.0.0.1 that were free for both TCP
# and UDP when the environment started.  The kernel picks them (bind to port
# 0); a port is never handed out twice in one run, so environments running
# in parallel never share one.

_ports_lock = threading.Lock()
_ports_given = set()


def free_port():
    """A port free for TCP and UDP on 127.0.0.1, not handed out before."""
    with _ports_lock:
        for _ in range(1000):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                tcp.bind(("127.0.0.1", 0))
                port = tcp.getsockname()[1]
                if port in _ports_given:
                    continue
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                    try:
                        udp.bind(("127.0.0.1", port))
                    except OSError:
                        continue
            _ports_given.add(port)
            return port
    raise OSError("no free port found on 127.0.0.1")


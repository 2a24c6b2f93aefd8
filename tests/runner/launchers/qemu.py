"""launcher qemu: QEMU boots the image with -kernel (and kill_on)."""

import json
import os
import shlex
import signal
import socket
import tempfile
import threading

from ..common import status_text
from ..guest import (disk_args, guest_problem, judge_guest, nic_args,
                     stop_reason)
from ..process import kill_group, run_command
from ..session import Outcome, console_lines, exit_hints, judge_qemu
from . import launcher
from .migrate import MIGRATE_SCRIPT, QMP_SOURCE, migrate_script


@launcher("qemu", image=True)
def launch_qemu(session):
    if session.env.guest:
        return boot_guest(session, guest_boot_args(session))
    kernel = session.subst(session.env.kernel) or str(session.opts.image)
    boot = ["-kernel", kernel, "-append", session.cmdline()]
    return boot_qemu(session, boot)


def guest_boot_args(session, kernel=None, initrd=None):
    """QEMU's arguments booting the environment's guest (tests/run
    --guest), with its initrd and disks; a str says why it cannot."""
    env = session.env
    path = session.subst(env.guest)
    problem = guest_problem(path, "pvh")
    if problem:
        return problem
    args = ["-kernel", kernel or path, "-append", session.cmdline()]
    if env.guest_initrd:
        args += ["-initrd", initrd or session.subst(env.guest_initrd)]
    args += disk_args(session.substitute(env.guest_disks), env.machine)
    return args + (session.substitute(nic_args(env.machine)) if env.guest_nic else [])


def boot_guest(session, boot_args):
    """Anyone's kernel under QEMU, judged by judge_guest and stopped
    early at the console lines stop_reason names."""
    if isinstance(boot_args, str):
        return Outcome(problem=boot_args)
    watch = GuestWatch(session.env, session.stream)
    run = run_watched(session, qemu_argv(session, boot_args), watch)
    lines = console_lines(run.output)
    status, problem, ran = judge_guest(run, session.timeout, lines, watch.reason)
    return Outcome(status, problem, [], lines, ran,
                   killed_at=watch.matched if watch.reason == "expect" else "",
                   timed_out=run.timed_out)



# console = debugcon or virtio: COM1 and that console share stdout through
# a multiplexer, so the console reads the same whichever the kernel uses.
_MUX = ["-chardev", "stdio,id=con0,mux=on", "-serial", "chardev:con0"]
CONSOLE_ARGS = {
    "serial": ["-serial", "stdio"],
    "debugcon": _MUX + ["-device", "isa-debugcon,iobase=0xe9,chardev=con0"],
    "virtio": _MUX + ["-device", "virtio-serial-pci",
                      "-device", "virtconsole,chardev=con0"],
}


def qemu_argv(session, boot_args, qmp=None):
    env = session.env
    monitor = ["-qmp", f"unix:{qmp},server=on,wait=off"] if qmp else []
    return [env.qemu, "-M", env.machine, "-accel", env.accel,
            "-cpu", env.cpu, "-m", env.memory,
            "-nodefaults", "-display", "none", "-no-reboot",
            *CONSOLE_ARGS[env.console], "-monitor", "none", *monitor,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            *boot_args, *session.substitute(env.args)]


def boot_qemu(session, boot_args):
    if session.env.kill_on is not None:
        return _boot_qemu_kill_on(session, boot_args)
    if session.env.monitor_on is not None:
        return _boot_qemu_monitor_on(session, boot_args)
    if session.env.migrate_on:
        return _boot_qemu_migrate(session, boot_args)
    run = session.run(qemu_argv(session, boot_args), guest=True)
    lines = console_lines(run.output)
    status, problem, ran = judge_qemu(run, session.timeout, lines)
    hints = exit_hints(lines, status, problem)
    return Outcome(status, problem, hints, lines, ran, timed_out=run.timed_out)


# kill_on = REGEX: QEMU gets SIGKILL the moment a console line matches, as
# a power cut would hit the machine (no exit, no flush by QEMU); the checks
# then look at what reached the host.  The boot passes (case
# boot.exit_status) only if that is how QEMU ended: a guest that exits by
# itself, fails or times out first fails it.

class ConsoleTrigger:
    """A console stream (copied to stream) that calls fire(line) once, at
    the first line regex matches."""

    def __init__(self, regex, stream=None):
        self.regex = regex
        self.stream = stream
        self.partial = b""
        self.matched = ""

    def fire(self, line):
        raise NotImplementedError

    def hits(self, line):
        return self.regex.search(line)

    def write(self, chunk):
        if self.stream is not None:
            self.stream.write(chunk)
        *lines, self.partial = (self.partial + chunk).split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r")
            if not self.matched and self.hits(line):
                self.matched = line
                self.fire(line)

    def flush(self):
        if self.stream is not None:
            self.stream.flush()


class KillOn(ConsoleTrigger):
    """A console stream that SIGKILLs the process group at a matching line."""

    def __init__(self, regex, stream=None):
        super().__init__(regex, stream)
        self.pid = None

    def attach(self, pid):
        self.pid = pid

    def fire(self, line):
        kill_group(self.pid)


class GuestWatch(KillOn):
    """Stops anyone's kernel at the console line guest.stop_reason names
    (a panic's end, a fail regex, the last expected line)."""

    def __init__(self, env, stream=None):
        super().__init__(None, stream)
        self.env = env
        self.pending = list(env.expect)
        self.reason = ""

    def hits(self, line):
        self.reason = stop_reason(self.env, self.pending, line)
        return self.reason


def run_watched(session, argv, watch):
    session._record(shlex.join(argv))
    return run_command(argv, session.log, session.timeout, watch,
                       env=session.child_env, on_start=session.on_guest_start,
                       on_spawn=watch.attach)


def _boot_qemu_kill_on(session, boot_args):
    killer = KillOn(session.env.kill_on, session.stream)
    run = run_watched(session, qemu_argv(session, boot_args), killer)
    lines = console_lines(run.output)
    if killer.matched and run.returncode == -signal.SIGKILL:
        return Outcome(None, "", [], lines, True, killed_at=killer.matched)
    status, problem, ran = judge_qemu(run, session.timeout, lines)
    if killer.matched:
        why = f"kill_on: QEMU ended by itself before the kill at: {killer.matched}"
    else:
        why = f"kill_on: no console line matched {session.env.kill_on.pattern!r}"
    return Outcome(None, f"{why}; {problem or 'exit status ' + status_text(status)}",
                   exit_hints(lines, status, problem), lines, ran,
                   timed_out=run.timed_out)



# monitor_on = REGEX -> COMMAND: the moment a console line matches, the QMP
# command (system_powerdown: the ACPI power button) goes to QEMU, and the
# QMP events are read until QEMU's SHUTDOWN event.  The boot passes
# (case boot.exit_status) only if that event says the guest shut itself
# down (reason guest-shutdown: an ACPI S5 write) and QEMU then exited 0:
# a reset, a triple fault (guest-reset with -no-reboot), an exit through
# isa-debug-exit, a timeout or no match fails it.

QMP_TIMEOUT = 10


class MonitorOn(ConsoleTrigger):
    """A console stream that sends a QMP command at a matching line."""

    def __init__(self, regex, command, sock_path, stream=None):
        super().__init__(regex, stream)
        self.command = command
        self.sock_path = sock_path
        self.events = []            # QMP events seen after the command
        self.error = ""
        self.thread = None

    def fire(self, line):
        self.thread = threading.Thread(target=self._send, daemon=True)
        self.thread.start()

    def _send(self):
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(QMP_TIMEOUT)
                sock.connect(self.sock_path)
                reader = sock.makefile("r")
                reader.readline()                       # the greeting
                for command in ("qmp_capabilities", self.command):
                    sock.sendall(json.dumps({"execute": command}).encode()
                                 + b"\n")
                    self._reply(reader)
                self._events(reader)
        except (OSError, ValueError) as err:
            self.error = f"QMP: {err}"

    def _reply(self, reader):
        while True:
            msg = json.loads(reader.readline() or "null")
            if msg is None:
                raise ValueError("QEMU closed QMP before replying")
            if "error" in msg:
                raise ValueError(msg["error"].get("desc", str(msg["error"])))
            if "return" in msg:
                return
            self.events.append(msg)

    def _events(self, reader):
        while not self.shutdown():
            line = reader.readline()
            if not line:
                return
            self.events.append(json.loads(line))

    def shutdown(self):
        """The data of QEMU's SHUTDOWN event, or None."""
        return next((e.get("data", {}) for e in self.events
                     if e.get("event") == "SHUTDOWN"), None)


def judge_monitor_on(monitor, run):
    """'' and how the guest powered off, or the problem."""
    if not monitor.matched:
        return f"monitor_on: no console line matched {monitor.regex.pattern!r}"
    if monitor.error:
        return f"monitor_on: {monitor.command}: {monitor.error}"
    shutdown = monitor.shutdown()
    if shutdown is None:
        return f"monitor_on: no SHUTDOWN event after {monitor.command}"
    reason = shutdown.get("reason", "?")
    if reason != "guest-shutdown":
        return f"monitor_on: QEMU shut down for {reason}, not a guest power-off"
    if run.returncode != 0:
        return f"monitor_on: QEMU exited {run.returncode} after the power-off"
    return ""


def _boot_qemu_monitor_on(session, boot_args):
    regex, command = session.env.monitor_on
    with tempfile.TemporaryDirectory(prefix="pvkit-qmp-") as tmp:
        sock_path = os.path.join(tmp, "qmp.sock")
        monitor = MonitorOn(regex, command, sock_path, session.stream)
        argv = qemu_argv(session, boot_args, qmp=sock_path)
        session._record(shlex.join(argv))
        run = run_command(argv, session.log, session.timeout, monitor,
                          env=session.child_env,
                          on_start=session.on_guest_start)
        if monitor.thread is not None:
            monitor.thread.join(QMP_TIMEOUT)
    lines = console_lines(run.output)
    if run.error or run.timed_out or run.returncode != 0:
        status, problem, ran = judge_qemu(run, session.timeout, lines)
        why = judge_monitor_on(monitor, run)
        return Outcome(None, f"{why or 'monitor_on'}; "
                             f"{problem or 'exit status ' + status_text(status)}",
                       exit_hints(lines, status, problem), lines, ran,
                       timed_out=run.timed_out)
    problem = judge_monitor_on(monitor, run)
    if problem:
        return Outcome(None, problem, [], lines, True)
    return Outcome(None, "", [], lines, True,
                   powered_off=f"{command} at: {monitor.matched}; QEMU's "
                               f"SHUTDOWN event says guest-shutdown, exit 0")


# migrate_on = REGEX: the guest is live-migrated to a second QEMU on this
# host when a console line matches (tests/tools/migrate); the run's exit
# status is the destination's.

def _boot_qemu_migrate(session, boot_args):
    qmp = session.envdir / "qmp"
    build = run_command(["cc", "-O2", "-o", str(qmp), str(QMP_SOURCE)],
                        session.log, 60, None)
    if build.error or build.returncode:
        return Outcome(problem=f"cannot build {QMP_SOURCE} "
                               f"({build.error or 'exit ' + str(build.returncode)})")
    script = session.logdir / "migrate-run"
    script.write_text(migrate_script(qemu_argv(session, boot_args), qmp,
                                     session.envdir, session.env.migrate_on,
                                     MIGRATE_SCRIPT))
    run = session.run(["sh", str(script)], guest=True)
    lines = console_lines(run.output)
    status, problem, ran = judge_qemu(run, session.timeout, lines)
    return Outcome(status, problem, exit_hints(lines, status, problem), lines,
                   ran, timed_out=run.timed_out)

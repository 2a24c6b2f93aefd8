"""launcher qemu: QEMU boots the image with -kernel (and kill_on)."""

import shlex
import signal

from ..common import status_text
from ..process import kill_group, run_command
from ..session import (Outcome, console_lines, exit_hints, image_problem,
                       judge_qemu)
from . import launcher


@launcher("qemu")
def launch_qemu(session):
    problem = image_problem(session.opts)
    if problem:
        return Outcome(problem=problem)
    boot = ["-kernel", str(session.opts.image), "-append", session.cmdline()]
    return boot_qemu(session, boot)



# console = debugcon or virtio: COM1 and that console share stdout through
# a multiplexer, so the console reads the same whichever the kernel uses.
_MUX = ["-chardev", "stdio,id=con0,mux=on", "-serial", "chardev:con0"]
CONSOLE_ARGS = {
    "serial": ["-serial", "stdio"],
    "debugcon": _MUX + ["-device", "isa-debugcon,iobase=0xe9,chardev=con0"],
    "virtio": _MUX + ["-device", "virtio-serial-pci",
                      "-device", "virtconsole,chardev=con0"],
}


def qemu_argv(session, boot_args):
    env = session.env
    return [env.qemu, "-M", env.machine, "-accel", env.accel,
            "-cpu", env.cpu, "-m", env.memory,
            "-nodefaults", "-display", "none", "-no-reboot",
            *CONSOLE_ARGS[env.console], "-monitor", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            *boot_args, *session.substitute(env.args)]


def boot_qemu(session, boot_args):
    if session.env.kill_on is not None:
        return _boot_qemu_kill_on(session, boot_args)
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

class KillOn:
    """A console stream that SIGKILLs the process group at a matching line."""

    def __init__(self, regex, stream=None):
        self.regex = regex
        self.stream = stream
        self.pid = None
        self.partial = b""
        self.matched = ""

    def attach(self, pid):
        self.pid = pid

    def write(self, chunk):
        if self.stream is not None:
            self.stream.write(chunk)
        *lines, self.partial = (self.partial + chunk).split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r")
            if not self.matched and self.regex.search(line):
                self.matched = line
                kill_group(self.pid)

    def flush(self):
        if self.stream is not None:
            self.stream.flush()


def _boot_qemu_kill_on(session, boot_args):
    killer = KillOn(session.env.kill_on, session.stream)
    argv = qemu_argv(session, boot_args)
    session._record(shlex.join(argv))
    run = run_command(argv, session.log, session.timeout, killer,
                      env=session.child_env, on_start=session.on_guest_start,
                      on_spawn=killer.attach)
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


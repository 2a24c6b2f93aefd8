"""launcher qemu: QEMU boots the image with -kernel (and kill_on)."""

import shlex
import signal

from ..common import status_text
from ..guest import disk_args, guest_problem, judge_guest, stop_reason
from ..process import kill_group, run_command
from ..session import Outcome, console_lines, exit_hints, judge_qemu
from . import launcher


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
    return args + disk_args(session.substitute(env.guest_disks), env.machine)


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
                kill_group(self.pid)

    def flush(self):
        if self.stream is not None:
            self.stream.flush()


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


"""launcher host: a command on this machine (host unit tests)."""

from ..session import Outcome, console_lines, judge_host
from . import launcher


@launcher("host")
def launch_host(session):
    run = session.run(session.substitute(session.env.command), guest=True)
    lines = console_lines(run.output)
    status, problem, ran = judge_host(run, session.timeout)
    return Outcome(status, problem, [], lines, ran, timed_out=run.timed_out)


"""One environment from start to verdict: its cases and its result."""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .common import ERROR, FAIL, PASS, SKIP, Case, status_text
from .ktap import parse_ktap
from .process import Aborted
from .requirements import unmet_requirement
from .session import EnvDirError, Session
from .steps import run_steps

# --------------------------------------------------------------------------
# Evaluating one environment
# --------------------------------------------------------------------------

@dataclass
class EnvResult:
    name: str
    verdict: str                # PASS, FAIL, ERROR or SKIP
    cases: list
    seconds: float = 0.0
    reason: str = ""            # why it was skipped
    log_path: Optional[Path] = None


def exit_case(env, outcome, seconds):
    """The boot.exit_status case: did the expected status come back?"""
    def case(status, message):
        return Case("boot", "exit_status", status, message,
                    list(outcome.details), seconds)

    if outcome.problem:
        return case(FAIL, outcome.problem)
    if outcome.killed_at:
        return case(PASS, f"QEMU killed with SIGKILL at: {outcome.killed_at}")
    if outcome.powered_off:
        return case(PASS, outcome.powered_off)
    if outcome.status == env.expect_status:
        return case(PASS, f"exit status {status_text(outcome.status)}")
    return case(FAIL, f"exit status {status_text(outcome.status)}, "
                      f"expected {status_text(env.expect_status)}")


def expect_cases(env, lines):
    """boot.expect: REGEX passes on a matching console line, boot.fail:
    REGEX fails on one."""
    cases = []
    for kind, regexes in (("expect", env.expect), ("fail", env.fail)):
        for regex in regexes:
            hit = next((line for line in lines if regex.search(line)), None)
            if (hit is None) == (kind == "expect"):
                status = FAIL
                message = hit or "no console line matches"
            else:
                status, message = PASS, hit or "no console line matches"
            cases.append(Case("boot", f"{kind}: {regex.pattern}", status, message))
    return cases


def ktap_format_case(errors):
    if len(errors) == 1:
        return Case("ktap", "format", FAIL, errors[0])
    return Case("ktap", "format", FAIL,
                f"{len(errors)} problems with the KTAP output", errors)


def broken(env, outcome, report):
    """Whether the environment broke rather than failed (XTF's error, not
    failure): the guest could not be started (QEMU missing or refusing
    its arguments, the bed not assembled, the domain not created), or it
    ran out of time before any KTAP (or, without KTAP, before any output)."""
    if not outcome.problem or report.found:
        return False
    if not outcome.guest_ran or outcome.no_boot:
        return True
    return outcome.timed_out and (
        env.ktap or not any(line.strip() for line in outcome.console))


def error_case(exit_status, host_cases):
    """A broken environment's one case: the error, with its reason."""
    details = list(exit_status.details)
    if host_cases:
        details.append(f"not judged, the environment being broken: "
                       f"{', '.join(case.id for case in host_cases)}")
    return Case(exit_status.suite, exit_status.name, ERROR,
                exit_status.message, details,
                exit_status.seconds)


def evaluate(env, outcome, seconds, host_cases=()):
    """All cases of one launched environment, its host-side ones (peer,
    checks) last; a broken one has only its error."""
    cases = [exit_case(env, outcome, seconds)]
    report = parse_ktap(outcome.console)
    if broken(env, outcome, report):
        return [error_case(cases[0], host_cases)]
    errors = list(report.errors)
    if env.ktap and not report.found:
        errors.append("no KTAP output")
    if errors:
        cases.append(ktap_format_case(errors))
    return cases + expect_cases(env, outcome.console) + report.cases + \
        list(host_cases)


def verdict(cases):
    statuses = {case.status for case in cases}
    return "ERROR" if ERROR in statuses else "FAIL" if FAIL in statuses \
        else "PASS"


def skipped_result(env, reason):
    return EnvResult(env.name, "SKIP",
                     [Case("boot", "exit_status", SKIP, reason)],
                     reason=reason)


def run_env(env, opts):
    reason = unmet_requirement(env, opts.image)
    if reason:
        return skipped_result(env, reason)
    start = time.monotonic()
    try:
        with Session(env, opts, label=env.name) as session:
            steps = run_steps(session)
    except EnvDirError as err:
        case = Case("boot", "exit_status", ERROR, str(err))
        return EnvResult(env.name, "ERROR", [case])
    seconds = time.monotonic() - start
    if steps.outcome is None:       # setup failed: nothing was booted
        return EnvResult(env.name, "ERROR", [steps.setup], seconds,
                         log_path=session.logdir / "setup.log")
    cases = [steps.setup] if steps.setup else []
    cases += evaluate(env, steps.outcome, seconds, steps.host_cases())
    return EnvResult(env.name, verdict(cases), cases, seconds,
                     log_path=session.log_path)


def safe_run_env(env, opts):
    """run_env, but a runner bug breaks only this environment."""
    try:
        return run_env(env, opts)
    except Aborted:
        raise
    except Exception as err:        # noqa: BLE001 - reported as an error
        case = Case("boot", "exit_status", ERROR, f"runner error: {err!r}")
        return EnvResult(env.name, "ERROR", [case])


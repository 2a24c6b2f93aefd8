"""The runner's modes: run the matrix (once or in rounds), list, boot."""

import dataclasses
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor, as_completed

from .common import (ERROR, FAIL, PROG, SCRIPT_DIR, count_text, say,
                     status_text)
from .evaluate import safe_run_env
from .matrix import select_envs
from .process import stop_all_children
from .report import (exit_code, failure_report, final_line, progress_line,
                     recap_lines, summary_lines, totals, write_junit)
from .shard import (load_durations, merge_junit, record_durations,
                    shard_envs, weight)
from .requirements import unmet_requirement
from .session import EnvDirError, Session, image_problem
from .steps import run_steps

# --------------------------------------------------------------------------
# Modes
# --------------------------------------------------------------------------

def run_matrix(envs, opts):
    """Run the environments in parallel, printing progress as each ends."""
    results = {}
    width = max(len(env.name) for env in envs)
    with ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        try:
            futures = [pool.submit(safe_run_env, env, opts) for env in envs]
            for index, future in enumerate(as_completed(futures), 1):
                result = future.result()
                results[result.name] = result
                say(progress_line(index, len(envs), result, width))
                if result.verdict in ("FAIL", "ERROR"):
                    say("\n".join(failure_report(result)))
        except BaseException:
            # Kill QEMUs before the pool waits for its workers.
            stop_all_children()
            raise
    return [results[env.name] for env in envs]


def round_summary_lines(rounds):
    """The table of --repeat: each environment's verdict in every round."""
    names = [result.name for result in rounds[0]]
    width = max([len("environment")] + [len(name) for name in names])
    marks = {"PASS": ".", "FAIL": "F", "ERROR": "E", "SKIP": "s"}
    rwidth = max(len("rounds"), len(rounds))
    lines = [f"{'environment':<{width}}  {'rounds':<{rwidth}}  passed  "
             f"failed  errors  skipped  max s"]
    for index, name in enumerate(names):
        runs = [results[index] for results in rounds]
        passed, failed, errors, skipped = totals(runs)
        verdicts = "".join(marks[run.verdict] for run in runs)
        lines.append(f"{name:<{width}}  {verdicts:<{rwidth}}  {passed:>6}  "
                     f"{failed:>6}  {errors:>6}  {skipped:>7}  "
                     f"{max(run.seconds for run in runs):>5.1f}")
    bad = [str(number) for number, results in enumerate(rounds, 1)
           if exit_code(results)]
    lines.append(f"rounds: {len(rounds)}, failed: {len(bad)}" +
                 (f" (round {', '.join(bad)})" if bad else "") +
                 "  (. pass, F fail, E error, s skip)")
    return lines


def keep_round_logs(results, builddir, number):
    """Copies a failed environment's logs out of the way of the next round."""
    for result in results:
        if result.verdict not in ("FAIL", "ERROR") or result.log_path is None:
            continue
        dest = builddir / "tests" / "rounds" / str(number) / result.name
        dest.mkdir(parents=True, exist_ok=True)
        for path in result.log_path.parent.iterdir():
            if path.is_file() and path.suffix in (".log", ".txt"):
                shutil.copy2(path, dest / path.name)
        say(f"    logs of round {number} kept in {dest}")


def run_rounds(envs, opts):
    """--repeat: the selected environments opts.repeat times, in rounds."""
    rounds = []
    for number in range(1, opts.repeat + 1):
        say(f"=== round {number}/{opts.repeat} ===")
        results = run_matrix(envs, opts)
        keep_round_logs(results, opts.builddir, number)
        say(f"round {number}/{opts.repeat}: {final_line(results)}")
        rounds.append(results)
    return rounds


def selected_envs(matrix, opts):
    """The environments --env, --group and --shard select."""
    envs = select_envs(matrix, opts.env, opts.group)
    if not opts.shard:
        return envs
    durations = load_durations(opts.durations)
    mine = shard_envs(envs, opts.shard, durations)
    seconds = sum(weight(durations, env.name) for env in mine)
    say(f"shard {opts.shard}: {len(mine)} of {len(envs)} environments "
        f"(about {seconds:.0f} s by {opts.durations})")
    return mine


def test_mode(matrix, opts):
    envs = selected_envs(matrix, opts)
    if not envs:
        say(final_line([]))         # an empty shard: nothing passed
        return 1
    if opts.repeat == 1:
        results = run_matrix(envs, opts)
        table = summary_lines(results)
        measured = results
    else:
        rounds = run_rounds(envs, opts)
        table = round_summary_lines(rounds)
        measured = [result for results in rounds for result in results]
        # one JUnit suite per environment and round
        results = [dataclasses.replace(result, name=f"{result.name}#{number}")
                   for number, round_results in enumerate(rounds, 1)
                   for result in round_results]
    say()
    say("\n".join(table))
    if opts.record_durations:
        count = record_durations(opts.durations, measured, matrix.envs)
        say(f"durations of {count} environments recorded in {opts.durations}")
    if opts.junit:
        try:
            write_junit(opts.junit, results)
        except OSError as err:
            print(f"{PROG}: cannot write {opts.junit}: {err.strerror}",
                  file=sys.stderr)
        else:
            say(f"JUnit XML written to {opts.junit}")
    recap = recap_lines(results)
    if recap:
        say("failed:")
        say("\n".join(recap))
    say(final_line(results))        # must stay the very last stdout line
    return exit_code(results)


def list_mode(matrix, opts):
    envs = selected_envs(matrix, opts)
    if not envs:
        return 0
    width = max(len(env.name) for env in envs)
    rows = []
    for env in envs:
        reason = unmet_requirement(env, opts.image)
        runs = "yes" if reason is None else f"no: {reason}"
        rows.append((env.name, env.launcher, runs, " ".join(env.groups),
                     env.description))
    runs_width = max(len("runs here"), *(len(row[2]) for row in rows))
    groups_width = max(len("groups"), *(len(row[3]) for row in rows))
    say(f"{'environment':<{width}}  launcher  {'runs here':<{runs_width}}  "
        f"{'groups':<{groups_width}}  description")
    for name, launcher, runs, groups, description in rows:
        say(f"{name:<{width}}  {launcher:<8}  {runs:<{runs_width}}  "
            f"{groups:<{groups_width}}  {description}")
    say()
    say("groups: " + ", ".join(f"{group} ({count})"
                               for group, count in group_sizes(envs)))
    return 0


def group_sizes(envs):
    """(group, number of environments in it), by group name."""
    sizes = {}
    for env in envs:
        for group in env.groups:
            sizes[group] = sizes.get(group, 0) + 1
    return sorted(sizes.items())


def merge_mode(matrix, opts):
    """--merge-junit OUT IN...: the shards' JUnit files as one, checked to
    hold every selected environment of the matrix exactly once."""
    out, *inputs = opts.merge_junit
    names, totals = merge_junit(out, inputs)
    ran = {name.split("#")[0] for name in names}
    expected = [env.name for env in select_envs(matrix, opts.env, opts.group)]
    missing = [name for name in expected if name not in ran]
    unknown = sorted(ran - set(expected))
    say(f"JUnit XML of {len(inputs)} files ({len(names)} suites) merged "
        f"into {out}")
    if unknown:
        say(f"not in the matrix: {', '.join(unknown)}")
    if missing:
        say(f"missing from every input ({len(missing)}): {', '.join(missing)}")
    say(count_text(*totals))        # the very last stdout line, as a run's
    passed, failed, errors, _ = totals
    return 0 if not missing and not failed and not errors and passed else 1


def pick_boot_env(matrix, name, image=None):
    """(env, note) for --boot NAME; env is None when it cannot boot."""
    if name != "auto":
        env = matrix.envs.get(name)
        if env is None:
            return None, f"unknown environment '{name}' (see --list)"
        reason = unmet_requirement(env, image)
        if reason:
            return None, f"cannot boot {name}: {reason}"
        return env, ""
    if not matrix.run_order:
        return None, "--boot auto needs a [run] section with 'order' in " \
                     "the matrix"
    skipped = []
    for candidate in matrix.run_order:
        reason = unmet_requirement(matrix.envs[candidate], image)
        if reason is None:
            if not skipped:
                return matrix.envs[candidate], \
                    f"using {candidate} (first in [run] order)"
            return matrix.envs[candidate], "; ".join(skipped) + \
                f"; using {candidate}"
        skipped.append(f"{candidate} skipped: {reason}")
    return None, "no environment of [run] order can run here: " + \
        "; ".join(skipped)


def boot_end_text(outcome):
    if outcome.problem:
        return f"pvkit did not exit with a status: {outcome.problem}"
    return f"pvkit exited with status {status_text(outcome.status)}"


def _ends_with_newline(path):
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            if file.tell() == 0:
                return True
            file.seek(-1, os.SEEK_END)
            return file.read(1) == b"\n"
    except OSError:
        return True


def boot_mode(matrix, opts):
    """Interactive boot of one environment, console streamed live."""
    env, note = pick_boot_env(matrix, opts.boot, opts.image)
    if env is None:
        print(f"{PROG}: {note}", file=sys.stderr)
        return 2
    if note:
        say(note)
    needs_image = env.launcher != "host" and not (
        env.launcher == "xen-domu" and env.domu_kernel == "linux")
    if needs_image and image_problem(opts):
        print(f"{PROG}: {image_problem(opts)}", file=sys.stderr)
        return 2
    try:
        with Session(env, opts, stream=sys.stdout.buffer) as session:
            steps = run_steps(session)
    except EnvDirError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 2
    if steps.outcome is None:
        say_case(steps.setup)
        say("setup failed: nothing was booted")
        return 1
    outcome = steps.outcome
    if not _ends_with_newline(session.log_path):
        say()                       # the guest's last line was unterminated
    say(f"console log: {session.log_path}")
    for detail in outcome.details:
        say(detail)
    say(boot_end_text(outcome))
    for case in steps.host_cases():
        say_case(case)
    ok = not outcome.problem and outcome.status == env.expect_status
    ok = ok and all(case.status != FAIL for case in steps.host_cases())
    return 0 if ok else 1


def say_case(case):
    """One host-side case of --boot: status, name, message, details."""
    say(f"{case.status.upper()} {case.id}" +
        (f": {case.message}" if case.message else ""))
    if case.status in (FAIL, ERROR) and case.details:
        say("\n".join(f"    {line}" for line in case.details))



# The beds --prepare builds: (what, tests/ subdirectory, script, cache in
# the build directory, the script's command).
BEDS = [
    ("Xen dom0 bed", "xen", "dom0", "xen-dom0-cache", ["build"]),
    ("Xen hypervisor", "xen", "dom0", "xen-dom0-cache", ["hypervisor"]),
    ("KVM L1 bed", "kvm", "l1", "kvm-l1-cache", ["build"]),
]


def prepare_mode(opts):
    """--prepare: assemble the beds into their caches (each keyed by its
    package versions and its own files) so that later runs start at once
    and work offline; prints where each is."""
    failed = 0
    for what, subdir, script, cache, argv in BEDS:
        cache = Path(os.path.abspath(opts.builddir)) / cache
        command = [sys.executable, str(SCRIPT_DIR / subdir / script),
                   "--cache", str(cache), *argv]
        say(f"{what}: {shlex.join(command)}")
        proc = subprocess.run(command, stdout=subprocess.PIPE, text=True)
        out = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not out:
            say(f"{what}: failed (exit {proc.returncode})")
            failed += 1
        else:
            say(f"{what}: {out[-1].rsplit(' ', 1)[-1]}")
    return 1 if failed else 0

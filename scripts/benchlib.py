# SPDX-License-Identifier: GPL-2.0
"""What make bench (scripts/bench) and the scripts/bench_*.py share:
their command line's start, blkbench's result line, extra matrix
sections booted through tests/run, and the consoles they leave in
BUILDDIR/tests/ENV/."""
import argparse
import os
import re
import subprocess
import sys

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def arg_parser(doc):
    """Every bench script's parser: its docstring as the help, and
    --builddir (default build), made absolute."""
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--builddir", default="build", type=os.path.abspath,
                    help="the build directory (default: build)")
    return ap

BLK_RE = re.compile(r"blkbench: \S+ (\S+) bs=(\d+) qd=(\d+): (\d+) IOPS, ([\d.]+) MB/s, "
                    r"latency us p50 (\d+) p99 (\d+) max (\d+)(?: \(\d+ completions\))?, "
                    r"notifications/req ([\d.]+), interrupts/req ([\d.]+)([^\n]*)")
TRAPS_RE = re.compile(r"traps/req ([\d.]+)")
# blkbench bench.cpus=N: the IOPS of N submitters together, then each CPU's.
MQ_RE = re.compile(r"blkbench: \S+ cpus=(\d+) (\S+) bs=(\d+) qd=(\d+)/cpu: (\d+) IOPS \(([^)]*)\), "
                   r"notifications/req ([\d.]+), interrupts/req ([\d.]+) \((\S+), (\d+) queues\)")
MQ_QUEUE_RE = re.compile(r"blkbench: queue (\d+) \(cpu (-?\d+)\): (\d+) requests, (\d+) notifications, "
                         r"(\d+) interrupts \((\d+) elsewhere\), (\d+) wake-up IPIs")


def run_envs(builddir, name, sections):
    """Boot matrix sections (text) through tests/run, one at a time; returns
    {env: why it did not run} for those the runner skipped."""
    runner = os.path.join(SRC, "tests", "run")
    matrix = os.path.join(SRC, "tests", "matrix.ini")
    extra = os.path.join(builddir, "bench", f"{name}.ini")
    os.makedirs(os.path.dirname(extra), exist_ok=True)
    with open(extra, "w") as f:
        f.write(sections)
    envs = re.findall(r"^\[([^\]]+)\]", sections, re.M)
    argv = [sys.executable, runner, "--builddir", builddir, "--matrix", matrix,
            "--matrix", extra, "--jobs", "1"]
    for env in envs:
        argv += ["--env", env]
    run = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, errors="replace")
    skipped = {}
    for env in envs:
        m = re.search(rf"^{re.escape(env)}\s+SKIP\s+(.*)", run.stdout, re.M)
        if m:
            skipped[env] = m[1].strip()
    return skipped


def env_console_file(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def env_console(builddir, env, log):
    return env_console_file(os.path.join(builddir, "tests", env, log))


# KVM without /dev/kvm: the guest's QEMU with -accel kvm in a Linux L1 on
# TCG's emulated SVM (launcher kvm-nested, tests/kvm/).  The guest runs at
# TCG speed and every exit goes through L1's KVM under TCG: the times are
# not a KVM host's, the counts are.  extra: more keys, one a line.
def nested_section(env, machine, args, cmdline, extra="", timeout=300):
    return (f"[{env}]\nlauncher = kvm-nested\naccel = kvm\nmachine = {machine}\n"
            f"args = {args}\ncmdline = {cmdline}\nktap = no\n{extra}"
            f"timeout = {timeout}\n\n")

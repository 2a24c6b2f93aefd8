#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Xen's PV spinlocks (lock waits by SCHEDOP_poll, kicks by EVTCHNOP_send)
against spinning waiters, side by side in one run.

app=smp as a PV domU with more vCPUs than the dom0 bed has physical CPUs
(one, shared with dom0's vCPU), once with the default (xen_pvspin=1) and
once with xen_pvspin=0.  A waiter that spins while the vCPU ahead of it
is off the physical CPU burns its time slice; one that polls gives the
CPU up until the unlocker's kick.  For each variant: what the guest said
of its lock phase 0xc7 (a fixed number of hand-overs, 1 ms holds; the
kicks unlock sent) and the smp suite's lock case (locked increments in
its 2 s budget, waits that slept and kicks).  The counts of kicks do not
depend on speed; the times are this bed's (Xen under TCG) and move with
the load.

Used by scripts/bench (markdown(builddir) returns the section's text), or
alone:

    scripts/bench_xen_smp.py [--builddir build] [--vcpus N]
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib import arg_parser, run_envs  # noqa: E402
from benchlib import env_console_file as read  # noqa: E402

VARIANTS = [("PV spinlocks (SCHEDOP_poll)", "xen-bench-pv-smp-pvspin", ""),
            ("spinning waiters (xen_pvspin=0)", "xen-bench-pv-smp-spin", "xen_pvspin=0")]
LOCK_RE = re.compile(r"^smp: mark 0xc7 = (.*)$", re.M)
TORTURE_RE = re.compile(r"spinlock_counter_exact: (\d+ CPUs: \d+ locked increments).* in (\d+) ms")
SLEPT_RE = re.compile(r"spinlock_counter_exact: lock waits slept (\d+), kicks sent (\d+)")


def section(env, vcpus, extra):
    return (f"[{env}]\nlike = xen-domu\ndomu_type = pv\ndomu_vcpus = {vcpus}\n"
            f"cmdline = app=smp expect_hypervisor=xen expect_xen_mode=PV {extra}\n"
            "domu_timeout = 180\ntimeout = 300\n\n")


def cells(console):
    lock = LOCK_RE.search(console)
    torture = TORTURE_RE.search(console)
    slept = SLEPT_RE.search(console)
    return [lock[1] if lock else "no line",
            (f"{torture[1]} in {torture[2]} ms" if torture else "no line")
            + (f", {slept[1]} waits slept, {slept[2]} kicks" if slept else "")]


def markdown(builddir, vcpus=3):
    text = "".join(section(env, vcpus, extra) for _, env, extra in VARIANTS)
    skipped = run_envs(builddir, "xen-bench-pv-smp", text)
    lines = [f"app=smp as a PV domU, {vcpus} vCPUs on the dom0 bed's one physical CPU "
             "(shared with dom0).", "",
             "| variant | 0xc7: lock hand-overs | smp suite: lock case |", "|---|---|---|"]
    for name, env, _ in VARIANTS:
        console = read(os.path.join(builddir, "tests", env, "domu.log"))
        if not console:
            why = skipped.get(env, f"no console (build/tests/{env}/)")
            print(f"  xen smp {name}: {why}", file=sys.stderr)
        lines.append(f"| {name} | " + " | ".join(cells(console)) + " |")
    return "\n".join(lines)


def main():
    ap = arg_parser(__doc__)
    ap.add_argument("--vcpus", type=int, default=3)
    args = ap.parse_args()
    print(markdown(args.builddir, args.vcpus))


if __name__ == "__main__":
    main()

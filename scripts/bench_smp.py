#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""KVM's multi-vCPU paravirtual operations against none, in the nested
KVM bed (tests/kvm/), side by side in one run.

app=smp with 3 vCPUs on L1's one (overcommitted), once with KVM's PV
send-IPI, PV TLB flush, PV unhalt and PV sched yield (the default) and
once with all four off on the command line.  For each phase the guest
marks (apps/smp.c): KVM's own exits by reason (its trace in L1, read by
tests/tools/exits.py) and what the guest reported (IPIs taken, kicks,
the phase's time).  The exits do not depend on the machine's speed; the
times are this bed's (TCG under the L1) and move with the load.

Used by scripts/bench (markdown(builddir) returns the section's text), or
alone:

    scripts/bench_smp.py [--builddir build] [--smp N]
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import exits  # noqa: E402  (tests/tools/exits.py)
from benchlib import arg_parser, nested_section, run_envs  # noqa: E402
from benchlib import env_console_file as read  # noqa: E402

OFF = "kvm.pv_ipi=0 kvm.pv_tlb_flush=0 kvm.pv_unhalt=0 kvm.pv_sched_yield=0"
VARIANTS = [("PV ops on", "kvm-nested-bench-smp-pv", ""),
            ("PV ops off", "kvm-nested-bench-smp-native", OFF)]
PHASE_RE = re.compile(r"^smp: mark (0x[0-9a-f]+) = (.*)$", re.M)


def phases(console):
    """[(mark, what the guest said of it)] in the order printed."""
    return PHASE_RE.findall(console)


def cell(counts):
    if not counts:
        return "no count"
    by = dict(counts)
    total = by.pop("total")
    return f"{total}: " + ", ".join(f"{r} {n}" for r, n in sorted(by.items()))


def markdown(builddir, smp=3):
    text = "".join(nested_section(env, "q35", f"-smp {smp}",
                                  f"app=smp expect_hypervisor=kvm {extra}".strip())
                   for _, env, extra in VARIANTS)
    skipped = run_envs(builddir, "kvm-nested-bench-smp", text)
    results = []
    for name, env, _ in VARIANTS:
        path = os.path.join(builddir, "tests", env, "console.log")
        try:
            counts, lost = exits.parse(path)
        except OSError:
            counts, lost = {}, 0
        said = dict(phases(read(path)))
        results.append((name, env, counts, lost, said))
        if not said:
            why = skipped.get(env, f"no phases (build/tests/{env}/)")
            print(f"  smp {name}: {why}", file=sys.stderr)
    marks = [m for m, _ in phases(read(os.path.join(builddir, "tests", VARIANTS[0][1],
                                                    "console.log")))]
    lines = [f"app=smp, {smp} vCPUs on L1's one. Each cell: KVM's exits in the phase "
             "(total: by reason), then what the guest reported.", "",
             "| phase | " + " | ".join(r[0] for r in results) + " |",
             "|---|" + "---|" * len(results)]
    for mark in marks:
        row = [mark]
        for _, _, counts, _, said in results:
            row.append(f"{cell(counts.get(mark))}<br>{said.get(mark, '')}")
        lines.append("| " + " | ".join(row) + " |")
    for name, _, _, lost, _ in results:
        if lost:
            lines.append(f"\n{name}: the trace lost {lost} events; its counts are incomplete.")
    return "\n".join(lines)


def main():
    ap = arg_parser(__doc__)
    ap.add_argument("--smp", type=int, default=3)
    args = ap.parse_args()
    print(markdown(args.builddir, args.smp))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""virtio-blk with a request queue per CPU: blkbench's IOPS at 1, 2 and 4
submitting CPUs, side by side in one boot (bench.cpus=1,2,4), on QEMU TCG
with 4 vCPUs (MTTCG) and QEMU's null-co backend.

Two boots: the device with 4 queues (each CPU its own queue, its MSI-X
interrupt on that CPU) and with 1 queue (every CPU on queue 0, its
interrupt on CPU 0, the others woken by IPI).  For each count of CPUs:
the IOPS added up over the submitters, the ratio to one CPU's, and the
counts that do not depend on speed: notifications and interrupts per
request, and after the three runs each queue's requests, interrupts and
wake-up IPIs.  The IOPS are TCG's on this host and move with its load:
only the ratios measured in the same boot compare.

Used by scripts/bench (markdown(builddir) returns the section's text), or
alone:

    scripts/bench_mq.py [--builddir build] [--seconds 3]
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "tools"))
from benchlib import MQ_QUEUE_RE, MQ_RE, run_envs  # noqa: E402
from benchlib import env_console_file as read  # noqa: E402
import fiobed  # noqa: E402

CPUS = (1, 2, 4)
QD = 16
VARIANTS = [("4 queues", "bench-blk-mq4", 4), ("1 queue", "bench-blk-mq1", 1)]


def section(env, queues, seconds):
    cpus = ",".join(str(c) for c in CPUS)
    return (f"[{env}]\nmachine = q35\nmemory = {fiobed.MEMORY}\nktap = no\ntimeout = 600\n"
            f"args = -smp 4 {fiobed.NULL_DISK}\n"
            f"    -device virtio-blk-pci,drive=n0,disable-legacy=on,num-queues={queues}\n"
            f"cmdline = app=blkbench bench.cpus={cpus} bench.qd={QD} bench.time={seconds} "
            f"bench.verify=0 bench.span=512M loglevel=4 expect_hypervisor=tcg\n\n")


def results(console):
    """({cpus: (iops, per-CPU text, notif/req, irq/req)}, [queue lines])."""
    runs = {int(m[1]): (int(m[5]), m[6], m[7], m[8]) for m in MQ_RE.finditer(console)}
    return runs, MQ_QUEUE_RE.findall(console)


def markdown(builddir, seconds=3):
    text = "".join(section(env, q, seconds) for _, env, q in VARIANTS)
    skipped = run_envs(builddir, "bench-blk-mq", text)
    got = {name: results(read(os.path.join(builddir, "tests", env, "console.log")))
           for name, env, _ in VARIANTS}
    lines = [f"blkbench random 4 KiB reads, qd {QD} per CPU, {seconds} s per count of "
             "CPUs, TCG with 4 vCPUs (MTTCG), null-co. Against 1 CPU: IOPS over the "
             "same device's with one submitter, in the same boot; against 1 queue: "
             "over the 1-queue device's at the same count of CPUs.", "",
             "| device | CPUs | IOPS | against 1 CPU | against 1 queue | per CPU "
             "| notifications/req | interrupts/req |",
             "|---|---|---|---|---|---|---|---|"]
    queues = []
    single = got[VARIANTS[-1][0]][0]
    for name, env, _ in VARIANTS:
        runs, qs = got[name]
        if not runs:
            why = skipped.get(env, f"no result (build/tests/{env}/)")
            lines.append(f"| {name} | | {why} | | | | | |")
            print(f"  blk-mq {name}: {why}", file=sys.stderr)
            continue
        one = runs.get(1, (0,))[0]
        for cpus in CPUS:
            if cpus not in runs:
                lines.append(f"| {name} | {cpus} | no result | | | | | |")
                continue
            iops, per, notes, irqs = runs[cpus]
            ratio = f"{iops / one:.2f}" if one else ""
            base = single.get(cpus, (0,))[0]
            vs = f"{iops / base:.2f}" if base else ""
            lines.append(f"| {name} | {cpus} | {iops} | {ratio} | {vs} | {per} | {notes} | {irqs} |")
            print(f"  blk-mq {name} cpus={cpus}: {iops} IOPS ({ratio} of 1 CPU, "
                  f"{vs} of 1 queue)", file=sys.stderr)
        queues += [(name,) + q for q in qs]
    lines += ["", "Each queue over the three runs of its boot:", "",
              "| device | queue | interrupt on CPU | requests | notifications | interrupts "
              "| on another CPU | wake-up IPIs |", "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {' | '.join(q)} |" for q in queues]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--builddir", default="build")
    ap.add_argument("--seconds", type=int, default=3)
    args = ap.parse_args()
    print(markdown(os.path.abspath(args.builddir), args.seconds))


if __name__ == "__main__":
    main()

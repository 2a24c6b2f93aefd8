#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""virtio-net with a queue pair per CPU: netbench's UDP round trips at 1,
2 and 4 submitting CPUs, side by side in one boot (bench.cpus=1,2,4), on
QEMU TCG with 4 vCPUs (MTTCG), against Linux reflecting every datagram
behind a multi-queue tap (tests/tools/benchnetpeer.py, in a network
namespace of its own).

Each submitter is its own UDP flow, sent on its CPU's pair; the tap is
steered to send a flow's replies back on that pair (the peer's
TUNSETSTEERINGEBPF program, as a NIC's RSS would).  Two boots:
virtio-net on modern PCI with 4 pairs (each pair's MSI-X vectors on its
CPU) and with 1 pair (every CPU on pair 0, its interrupts on CPU 0, the
other submitters woken by IPI).  Not virtio-mmio: 4 pairs and the
control queue are 9 virtqueues, and its driver sets up 8 ("cannot set
up queue 8").  For each count of
CPUs: round trips per second added up over the submitters, the ratio to
one CPU's and to the 1-pair device's, and the counts that do not depend
on speed: notifications, interrupts and wake-up IPIs per packet, the
share of replies that came to their submitter's CPU, and each queue's
frames and interrupts.  The rates are TCG's on this host and move with
its load: only ratios measured in the same boot compare.

Used by scripts/bench (markdown(builddir) returns the section's text), or
alone:

    scripts/bench_netmq.py [--builddir build] [--seconds 3]

It needs what tests/tools/benchnetpeer.py needs (root, /dev/net/tun);
without it each boot is skipped with the reason.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib import arg_parser, env_console, run_envs  # noqa: E402

CPUS = (1, 2, 4)
WINDOW = 16
GUEST_MAC = "52:54:00:12:34:56"
TAP = "-netdev tap,id=n0,ifname=pvkmq{{port0}},script=no,downscript=no,queues={q}"
# (name, env, machine, QEMU's device, tap queues); the 1-pair boot is the baseline.
VARIANTS = [
    ("pci, 4 pairs", "bench-net-mq4", "q35",
     f"virtio-net-pci,netdev=n0,disable-legacy=on,mq=on,vectors=10,mac={GUEST_MAC}", 4),
    ("pci, 1 pair", "bench-net-mq1", "q35",
     f"virtio-net-pci,netdev=n0,disable-legacy=on,mq=on,mac={GUEST_MAC}", 1),
]
BASELINE = "pci, 1 pair"

RUN_RE = re.compile(r"netbench: \S+ cpus=(\d+) udp size=\d+ window=\d+/cpu: (\d+) round trips/s "
                    r"\(([^)]*)\), lost (\d+), bad (\d+), notifications/packet ([\d.]+), "
                    r"interrupts/packet ([\d.]+), wake-up IPIs/packet ([\d.]+) \((\S+), (\d+) queues\)")
CPU_RE = re.compile(r"netbench: cpus=(\d+) cpu (\d+): \d+ round trips/s, sent \d+, "
                    r"replies (\d+) \((\d+) on its own CPU\)")
QUEUE_RE = re.compile(r"netbench: cpus=(\d+) queue (\d+) \(cpu (-?\d+)\): rx (\d+) frames, "
                      r"(\d+) interrupts; tx (\d+) frames, (\d+) interrupts; (\d+) elsewhere, "
                      r"(\d+) wake-up IPIs")


def section(env, machine, device, queues, seconds):
    cpus = ",".join(str(c) for c in CPUS)
    return (f"[{env}]\nlike = net-mq\nmachine = {machine}\ntimeout = 900\n"
            f"args = -smp 4 {TAP.format(q=queues)}\n    -device {device}\n"
            f"cmdline = app=netbench bench.cpus={cpus} bench.window={WINDOW} "
            f"bench.time={seconds} loglevel=4 expect_hypervisor=tcg\n"
            f"peer = python3 {{srcdir}}/tests/tools/benchnetpeer.py --tap pvkmq{{port0}} "
            f"--queues {queues} --guest-mac {GUEST_MAC}\n"
            "expect = ^netbench: eth0 cpus=4 \n\n")


def results(console):
    """{cpus: run fields}, {cpus: (replies, on own CPU)}, [queue fields]."""
    runs = {int(m[1]): m.groups() for m in RUN_RE.finditer(console)}
    own = {}
    for m in CPU_RE.finditer(console):
        r, o = own.get(int(m[1]), (0, 0))
        own[int(m[1])] = (r + int(m[3]), o + int(m[4]))
    return runs, own, QUEUE_RE.findall(console)


def run_table(got, skipped):
    lines = ["| device | CPUs | round trips/s | against 1 CPU | against 1 pair | per CPU "
             "| notifications/packet | interrupts/packet | wake-up IPIs/packet "
             "| replies on their CPU | lost |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    base = got[BASELINE][0]
    for name, env, *_ in VARIANTS:
        runs, own, _ = got[name]
        if not runs:
            why = skipped.get(env, f"no result (build/tests/{env}/)")
            lines.append(f"| {name} | | {why} | | | | | | | | |")
            print(f"  net-mq {name}: {why}", file=sys.stderr)
            continue
        one = int(runs[1][1]) if 1 in runs else 0
        for cpus in CPUS:
            if cpus not in runs:
                lines.append(f"| {name} | {cpus} | no result | | | | | | | | |")
                continue
            _, rate, per, lost, _, notes, irqs, ipis, _, _ = runs[cpus]
            rate = int(rate)
            ratio = f"{rate / one:.2f}" if one else ""
            b = int(base[cpus][1]) if cpus in base else 0
            vs = f"{rate / b:.2f}" if b else ""
            replies, here = own.get(cpus, (0, 0))
            share = f"{here}/{replies}"
            lines.append(f"| {name} | {cpus} | {rate} | {ratio} | {vs} | {per} | {notes} "
                         f"| {irqs} | {ipis} | {share} | {lost} |")
            print(f"  net-mq {name} cpus={cpus}: {rate} round trips/s ({ratio} of 1 CPU, "
                  f"{vs} of 1 pair)", file=sys.stderr)
    return lines


def queue_table(got):
    lines = ["| device | CPUs | queue | interrupts on CPU | rx frames | rx interrupts "
             "| tx frames | tx interrupts | on another CPU | wake-up IPIs |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, *_ in VARIANTS:
        for q in got[name][2]:
            lines.append(f"| {name} | {' | '.join(q)} |")
    return lines


def markdown(builddir, seconds=3):
    text = "".join(section(env, machine, device, queues, seconds)
                   for _, env, machine, device, queues in VARIANTS)
    skipped = run_envs(builddir, "bench-net-mq", text)
    got = {name: results(env_console(builddir, env, "console.log"))
           for name, env, *_ in VARIANTS}
    lines = [f"netbench UDP round trips of 64 bytes, a window of {WINDOW} per CPU, "
             f"{seconds} s per count of CPUs, TCG with 4 vCPUs (MTTCG), Linux reflecting "
             "behind a multi-queue tap. Against 1 CPU: over one submitter's round trips "
             "in the same boot; against 1 pair: over the 1-pair boot's at the same count "
             "of CPUs. Packets: frames sent and received by the device over the whole "
             "run (warm-up included), as the notifications and interrupts.", ""]
    lines += run_table(got, skipped)
    lines += ["", "Each queue, in each run (its counters' change over the run):", ""]
    lines += queue_table(got)
    return "\n".join(lines)


def main():
    ap = arg_parser(__doc__)
    ap.add_argument("--seconds", type=int, default=3)
    args = ap.parse_args()
    print(markdown(args.builddir, args.seconds))


if __name__ == "__main__":
    main()

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

Xen blkfront the same way (xen_markdown()): a PVH domU with 2 vCPUs in
the dom0 bed (Xen on 2 physical CPUs under TCG, Linux blkback on a sparse
file on a loop device in dom0), bench.cpus=1,2 in one boot, with blkback
offering 2 queues (a queue per vCPU, each queue's event channel bound to
its vCPU) and 1 (both CPUs on one ring, its events on CPU 0), and 2 with
dom0 on 2 vCPUs (dom0_max_vcpus=2: blkback's two ring threads can run at
once, on the same 2 physical CPUs as the domU's).

Used by scripts/bench (markdown(builddir) and xen_markdown(builddir)
return the sections' text), or alone:

    scripts/bench_mq.py [--builddir build] [--seconds 3] [--xen]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "tools"))
from benchlib import MQ_QUEUE_RE, MQ_RE, arg_parser, run_envs  # noqa: E402
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


def run_variants(builddir, name, variants, make_section, log, seconds):
    """Boots each variant's section; ({variant: results()}, {env: why skipped})."""
    text = "".join(make_section(env, q, seconds) for _, env, q in variants)
    skipped = run_envs(builddir, name, text)
    got = {v: results(read(os.path.join(builddir, "tests", env, log)))
           for v, env, _ in variants}
    return got, skipped


def markdown(builddir, seconds=3):
    got, skipped = run_variants(builddir, "bench-blk-mq", VARIANTS, section, "console.log",
                                seconds)
    lines = [f"blkbench random 4 KiB reads, qd {QD} per CPU, {seconds} s per count of "
             "CPUs, TCG with 4 vCPUs (MTTCG), null-co. Against 1 CPU: IOPS over the "
             "same device's with one submitter, in the same boot; against 1 queue: "
             "over the 1-queue device's at the same count of CPUs.", ""]
    return "\n".join(lines + table(VARIANTS, CPUS, got, skipped, "blk-mq"))


XEN_CPUS = (1, 2)
XEN_QD = 8
# (name, env, (blkback's queues, dom0's vCPUs)); the last is the 1-queue baseline.
XEN_VARIANTS = [("blkfront, 2 queues, dom0 2 vCPUs", "xen-bench-blk-mq2-dom0x2", (2, 2)),
                ("blkfront, 2 queues", "xen-bench-blk-mq2", (2, 1)),
                ("blkfront, 1 queue", "xen-bench-blk-mq1", (1, 1))]
# The bed's Xen command line (tests/runner/launchers/xen_domu.py) with dom0's vCPUs.
XEN_CMDLINE = ("console=com1 com1=115200,8n1 dom0_mem=512M,max:512M "
               "dom0_max_vcpus={} noreboot guest_loglvl=all smap=0")


def xen_section(env, config, seconds):
    cpus = ",".join(str(c) for c in XEN_CPUS)
    queues, dom0_vcpus = config
    return (f"[{env}]\nlike = xen-domu\ndomu_vcpus = 2\nargs = -smp 2\n"
            f"xen_cmdline = {XEN_CMDLINE.format(dom0_vcpus)}\n"
            f"domu_blk_queues = {queues}\ndomu_disks = {{envdir}}/disk.img\n"
            "setup = truncate -s 64M {envdir}/disk.img\n"
            f"cmdline = app=blkbench bench.dev=xvda bench.cpus={cpus} bench.qd={XEN_QD} "
            f"bench.time={seconds} bench.verify=0 bench.span=64M loglevel=4\n"
            "ktap = no\nexpect = ^blkbench: xvda cpus=2\ndomu_timeout = 240\ntimeout = 420\n\n")


def table(variants, counts, got, skipped, what):
    """The IOPS table (and each queue's counts) of variants run at counts of CPUs."""
    lines = ["| device | CPUs | IOPS | against 1 CPU | against 1 queue | per CPU "
             "| notifications/req | interrupts/req |",
             "|---|---|---|---|---|---|---|---|"]
    queues = []
    single = got[variants[-1][0]][0]
    for name, env, _ in variants:
        runs, qs = got[name]
        if not runs:
            why = skipped.get(env, f"no result (build/tests/{env}/)")
            lines.append(f"| {name} | | {why} | | | | | |")
            print(f"  {what} {name}: {why}", file=sys.stderr)
            continue
        one = runs.get(1, (0,))[0]
        for cpus in counts:
            if cpus not in runs:
                lines.append(f"| {name} | {cpus} | no result | | | | | |")
                continue
            iops, per, notes, irqs = runs[cpus]
            ratio = f"{iops / one:.2f}" if one else ""
            base = single.get(cpus, (0,))[0]
            vs = f"{iops / base:.2f}" if base else ""
            lines.append(f"| {name} | {cpus} | {iops} | {ratio} | {vs} | {per} | {notes} | {irqs} |")
            print(f"  {what} {name} cpus={cpus}: {iops} IOPS ({ratio} of 1 CPU, "
                  f"{vs} of 1 queue)", file=sys.stderr)
        queues += [(name,) + q for q in qs]
    lines += ["", f"Each queue over the {len(counts)} runs of its boot:", "",
              "| device | queue | interrupt on CPU | requests | notifications | interrupts "
              "| on another CPU | wake-up IPIs |", "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {' | '.join(q)} |" for q in queues]
    return lines


def xen_markdown(builddir, seconds=3):
    got, skipped = run_variants(builddir, "xen-bench-blk-mq", XEN_VARIANTS, xen_section,
                                "domu.log", seconds)
    lines = [f"blkbench random 4 KiB reads through Xen blkfront, qd {XEN_QD} per CPU, "
             f"{seconds} s per count of CPUs, a PVH domU with 2 vCPUs on Xen 4.17 with 2 "
             "physical CPUs under TCG, Linux blkback (dom0's one vCPU, or two where said) on a "
             "sparse 64 MiB file on a loop device. Against 1 CPU: over one submitter's IOPS in the same "
             "boot; against 1 queue: over the 1-queue boot's at the same count of CPUs.", ""]
    return "\n".join(lines + table(XEN_VARIANTS, XEN_CPUS, got, skipped, "blkfront-mq"))


def main():
    ap = arg_parser(__doc__)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--xen", action="store_true", help="the Xen blkfront rows only")
    args = ap.parse_args()
    if args.xen:
        print(xen_markdown(args.builddir, args.seconds))
    else:
        print(markdown(args.builddir, args.seconds))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The charts of `make bench`, drawn from its CSV files with matplotlib
(Debian's python3-matplotlib; scripts/install-deps bench installs it):

    bench_charts.py OUTDIR      OUTDIR/blk.csv, net.csv -> blk_iops.svg,
                                blk_latency.svg, blk_traps.svg, net.svg

IOPS and latency (p50 solid, p99 light behind it) by device model and
queue depth, pvkit beside Linux's fio; notifications, interrupts and
traps per request on a log scale (Linux: its disk's interrupts); network
round trips.  TCG rows only.
"""
import csv
import os
import sys

SERIES = [("pvkit", "blkbench", "pvkit", "#1f77b4"),
          ("linux", "libaio", "Linux fio libaio", "#ff7f0e"),
          ("linux", "io_uring", "Linux fio io_uring", "#2ca02c")]
QDS = ("1", "32")


def read(path):
    try:
        with open(path, newline="") as f:
            return [r for r in csv.DictReader(f) if r["status"] == "ok" and r["accel"] == "tcg"]
    except OSError:
        return []


def models(rows):
    """Device models in the order of the table, those with a Linux row
    (the comparison) first, then pvkit's own."""
    seen = []
    for r in rows:
        if r["model"] not in seen:
            seen.append(r["model"])
    return seen


def pick(rows, system, engine, model, qd):
    """The first row of a model (the table's primary variant), or None."""
    for r in rows:
        if (r["system"], r["engine"], r["model"], r["qd"]) == (system, engine, model, qd):
            return r
    return None


def grouped(plt, rows, fname, ylabel, value, back=None, title=""):
    """Grouped bars: a panel per queue depth, a group per model, a bar per
    series; back: a second value drawn light behind (p99 behind p50)."""
    names = models(rows)
    fig, axes = plt.subplots(1, len(QDS), figsize=(11, 4.2), sharey=True)
    width = 0.8 / len(SERIES)
    # Log-scale bars start at 0: the axis is set to show the lowest top.
    low = min(float(r[value]) for r in rows if float(r[value]) > 0)
    high = max(float(r[k]) for r in rows for k in (value, back) if k)
    for ax, qd in zip(axes, QDS):
        for i, (system, engine, label, color) in enumerate(SERIES):
            xs, ys, bs = [], [], []
            for j, model in enumerate(names):
                r = pick(rows, system, engine, model, qd)
                if r:
                    xs.append(j - 0.4 + width * (i + 0.5))
                    ys.append(float(r[value]))
                    bs.append(float(r[back]) if back else 0)
            if back:
                ax.bar(xs, bs, width, color=color, alpha=0.35)
            ax.bar(xs, ys, width, color=color, label=label)
        for j, model in enumerate(names):
            if not pick(rows, "pvkit", "blkbench", model, qd):
                ax.annotate("no pvkit\nrow", (j - 0.4 + width / 2, 0.02),
                            xycoords=("data", "axes fraction"), fontsize=7, rotation=90,
                            ha="center")
        ax.set_xticks(range(len(names)), names, rotation=20)
        ax.set_yscale("log")
        ax.set_ylim(low / 2, high * 1.5)
        ax.set_title(f"queue depth {qd}")
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0].set_ylabel(ylabel)
    axes[0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(fname)
    plt.close(fig)


def traps(plt, rows, fname):
    """pvkit's counts of its own, and Linux's disk interrupts."""
    pv = [r for r in rows if r.get("irq_per_req")]
    kinds = [("notif_per_req", "notifications/req"), ("irq_per_req", "interrupts/req"),
             ("traps_per_req", "trapping accesses/req")]
    labels = [f"{'pvkit' if r['system'] == 'pvkit' else 'Linux ' + r['engine']} "
              f"{r['device']} qd {r['qd']}" for r in pv]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(pv) + 1.5))
    h = 0.8 / len(kinds)
    for i, (key, label) in enumerate(kinds):
        ys = [(j - 0.4 + h * (i + 0.5), float(r[key])) for j, r in enumerate(pv)
              if r.get(key) and float(r[key]) > 0]
        if ys:
            ax.barh([y for y, _ in ys], [v for _, v in ys], h, label=label)
    ax.set_yticks(range(len(pv)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("per request (log scale)")
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("what each request costs in exits, null-co random 4 KiB reads")
    fig.tight_layout()
    fig.savefig(fname)
    plt.close(fig)


def net(plt, rows, fname):
    names = [r["device"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.8))
    a.bar(range(len(rows)), [float(r["round_trips_per_s"]) for r in rows])
    a.set_ylabel("UDP round trips/s")
    b.bar(range(len(rows)), [float(r["rtt_p99_us"]) for r in rows], alpha=0.35, label="p99")
    b.bar(range(len(rows)), [float(r["rtt_p50_us"]) for r in rows], label="p50")
    b.set_ylabel("round trip, us")
    b.legend(fontsize=8)
    for ax in (a, b):
        ax.set_xticks(range(len(rows)), names, rotation=15, fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("pvkit netbench, 64-byte datagrams, window 16, against a host reflector")
    fig.tight_layout()
    fig.savefig(fname)
    plt.close(fig)


def main(outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams["svg.hashsalt"] = "pvkit"      # the same run draws the same file
    plt.rcParams["svg.fonttype"] = "none"       # text as text, not paths: smaller files
    blk = read(os.path.join(outdir, "blk.csv"))
    drawn = []
    if blk:
        grouped(plt, blk, os.path.join(outdir, "blk_iops.svg"), "IOPS (log scale)", "iops",
                title="IOPS, null-co random 4 KiB reads, QEMU TCG")
        grouped(plt, blk, os.path.join(outdir, "blk_latency.svg"),
                "latency us, p50 (solid) and p99 (light)", "p50_us", back="p99_us",
                title="total latency (submission to completion seen)")
        traps(plt, blk, os.path.join(outdir, "blk_traps.svg"))
        drawn += ["blk_iops.svg", "blk_latency.svg", "blk_traps.svg"]
    netrows = read(os.path.join(outdir, "net.csv"))
    if netrows:
        net(plt, netrows, os.path.join(outdir, "net.svg"))
        drawn.append("net.svg")
    print(" ".join(drawn))


if __name__ == "__main__":
    main(sys.argv[1])

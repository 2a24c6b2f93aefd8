#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Paravirtual against emulated block I/O where they meet on a real
hypervisor, in counts that do not depend on the machine's speed.

* The nested KVM bed (tests/kvm/): blkbench with bench.mark=1 on
  virtio-blk, IDE DMA, AHCI and NVMe (shadow doorbells on and off) at
  queue depth 1 and 32, a fixed number of requests each; KVM's own exits
  in the measured phase (its trace in L1, tests/tools/exits.py) divided
  by the requests the guest completed in it.
* A Xen HVM domU (tests/xen/): blkbench through blkfront (emulated disks
  unplugged) and through the device model's IDE (xen_unplug=0), with the
  guest's own counts: notifications per request (blkfront: event-channel
  sends, each one hypercall; IDE has none), interrupts per request (event
  upcalls or IRQ 14) and the emulated driver's traps per request.

Used by scripts/bench (rows(builddir) returns Markdown lines and CSV
rows), or alone:

    scripts/bench_emulated.py [--builddir build] [--reqs N] [--seconds S]
                              [--only kvm|xen]
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import exits  # noqa: E402  (tests/tools/exits.py)
import fiobed  # noqa: E402  (tests/tools/fiobed.py)
# make bench's runner of extra matrix sections, console reader and result line.
from benchlib import BLK_RE, TRAPS_RE, arg_parser, nested_section, run_envs  # noqa: E402
from benchlib import env_console_file as read  # noqa: E402

NULL_DISK = fiobed.NULL_DISK
MARK = "0xb0"       # blkbench's MARK_MEASURE

# name, machine, -device, extra command line
NESTED_CONFIGS = [
    ("virtio-blk pci-modern", "q35", "virtio-blk-pci,drive=n0,disable-legacy=on", ""),
    ("ATA DMA (PIIX3 IDE)", "pc", "ide-hd,drive=n0,bus=ide.0", "ata.mode=dma"),
    ("AHCI NCQ (ICH9)", "q35", "ide-hd,drive=n0,bus=ide.0", ""),
    ("NVMe shadow doorbells", "q35", "nvme,drive=n0,serial=bench", "nvme.shadow_db=1"),
    ("NVMe MMIO doorbells", "q35", "nvme,drive=n0,serial=bench", "nvme.shadow_db=0"),
]

# name, device, extra command line (xen_unplug=0 keeps the emulated IDE),
# queue depths, seconds (None: the run's).  PIO costs about 0.8 s a sector
# there under TCG (docs/testing.md, "HVM"): QD1 only, and longer.
XEN_CONFIGS = [
    ("blkfront (HVM, emulated disk unplugged)", "xvda", "", (1, 32), None),
    ("ATA DMA (device model's PIIX3 IDE)", "sda", "ata.mode=dma xen_unplug=0", (1, 32), None),
    ("ATA PIO (device model's PIIX3 IDE)", "sda", "ata.mode=pio xen_unplug=0", (1,), 30),
]

CSV_FIELDS = ["bed", "device", "qd", "requests", "iops", "p50_us", "p99_us",
              "kvm_exits_per_req", "kvm_exits_by_reason", "notif_per_req",
              "irq_per_req", "traps_per_req"]


def xen_section(env, dev, qd, seconds, extra):
    return (f"[{env}]\nlauncher = xen-domu\nmemory = 2048M\ndomu_type = hvm\n"
            "domu_disks = {envdir}/disk.img\nsetup = truncate -s 64M {envdir}/disk.img\n"
            f"cmdline = app=blkbench bench.dev={dev} bench.qd={qd} bench.time={seconds} "
            f"bench.mode=randread loglevel=4 {extra}\n"
            f"ktap = no\nexpect = ^blkbench: {dev}\ndomu_timeout = 200\ntimeout = 360\n\n")


def blk_row(bed, name, text):
    m = BLK_RE.search(text)
    if not m:
        return None
    traps = TRAPS_RE.search(m[11])
    return dict(bed=bed, device=name, qd=int(m[3]), iops=int(m[4]), p50_us=int(m[6]),
                p99_us=int(m[7]), notif_per_req=float(m[9]), irq_per_req=float(m[10]),
                traps_per_req=float(traps[1]) if traps else "", requests="",
                kvm_exits_per_req="", kvm_exits_by_reason="")


def kvm_nested_rows(builddir, reqs):
    """CSV rows for the nested KVM bed, KVM's exits per request in each."""
    text, envs = "", []
    for i, (name, machine, device, extra) in enumerate(NESTED_CONFIGS):
        for qd in (1, 32):
            env = f"kvm-nested-emu-{i}-qd{qd}"
            envs.append((env, name, qd))
            text += nested_section(env, machine, f"{NULL_DISK} -device {device}",
                                   f"app=blkbench bench.qd={qd} bench.reqs={reqs} "
                                   f"bench.time=60 bench.warmup_ms=200 bench.mark=1 "
                                   f"loglevel=4 expect_hypervisor=kvm {extra}",
                                   extra="expect = ^blkbench: mark\n", timeout=400)
    skipped = run_envs(builddir, "kvm-nested-emu", text)
    rows = []
    for env, name, qd in envs:
        console = os.path.join(builddir, "tests", env, "console.log")
        row = blk_row("kvm (nested)", name, read(console))
        if row is None:
            why = skipped.get(env, f"no result line (build/tests/{env}/)")
            print(f"  kvm-nested {name} qd={qd}: {why}", file=sys.stderr)
            rows.append(dict(bed="kvm (nested)", device=name, qd=qd, iops=why))
            continue
        marks, lost = exits.parse(console)
        got = exits.requests(console)
        ratio = exits.per_request(marks, got, MARK)
        row["requests"] = got.get(MARK, "")
        if ratio is not None and not lost:
            by = {k: v for k, v in marks[MARK].items() if k != "total"}
            row["kvm_exits_per_req"] = round(ratio, 4)
            row["kvm_exits_by_reason"] = " ".join(f"{k}:{v}" for k, v in by.items())
        print(f"  kvm-nested {name:28} qd={qd:<3} exits/req {row['kvm_exits_per_req']}",
              file=sys.stderr)
        rows.append(row)
    return rows


def xen_hvm_rows(builddir, seconds):
    """CSV rows for blkfront against the device model's IDE in an HVM domU."""
    text, envs = "", []
    for i, (name, dev, extra, depths, secs) in enumerate(XEN_CONFIGS):
        for qd in depths:
            env = f"xen-hvm-emu-{i}-qd{qd}"
            envs.append((env, name, qd))
            text += xen_section(env, dev, qd, secs or seconds, extra)
    skipped = run_envs(builddir, "xen-hvm-emu", text)
    rows = []
    for env, name, qd in envs:
        row = blk_row("xen hvm", name, read(os.path.join(builddir, "tests", env, "domu.log")))
        if row is None:
            why = skipped.get(env, f"no result line (build/tests/{env}/)")
            print(f"  xen hvm {name} qd={qd}: {why}", file=sys.stderr)
            rows.append(dict(bed="xen hvm", device=name, qd=qd, iops=why))
            continue
        print(f"  xen hvm {name:40} qd={row['qd']:<3} {row['iops']:>7} IOPS", file=sys.stderr)
        rows.append(row)
    return rows


def markdown(rows):
    """Markdown table lines; "-" where a count does not apply."""
    lines = ["| bed | device | qd | requests | IOPS | p50 us | p99 us | KVM exits/req "
             "| KVM exits by reason | notifications/req | interrupts/req | traps/req |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [r.get(f, "") for f in CSV_FIELDS]
        lines.append("| " + " | ".join(str(c) if c != "" else "-" for c in cells) + " |")
    return lines


def rows(builddir, reqs=2000, seconds=3, only=None):
    """(Markdown table lines, CSV rows) of every bed that runs here."""
    out = []
    if only in (None, "kvm"):
        print("kvm nested, exits per request (blkbench bench.mark=1):", file=sys.stderr)
        out += kvm_nested_rows(builddir, reqs)
    if only in (None, "xen"):
        print("xen hvm, blkfront against the device model's IDE:", file=sys.stderr)
        out += xen_hvm_rows(builddir, seconds)
    return markdown(out), out


def main():
    ap = arg_parser(__doc__)
    ap.add_argument("--reqs", type=int, default=2000)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--only", choices=("kvm", "xen"))
    opts = ap.parse_args()
    builddir = opts.builddir
    lines, table = rows(builddir, opts.reqs, opts.seconds, opts.only)
    outdir = os.path.join(builddir, "bench")
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "emulated.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(table)
    print("\n".join(lines))
    print(f"written: {outdir}/emulated.csv", file=sys.stderr)


if __name__ == "__main__":
    main()

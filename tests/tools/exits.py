#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks on the VM exits that KVM traced in the nested test bed.

tests/kvm/init reports, after the guest ended, the exits KVM took between
the guest's marks (exit_mark(), a write to port 0x80):

    pvkit-kvm-l1: exits at mark 0xe0: 111 (msr 53, hlt 50, ...)

    exits.py CONSOLE show
        print the counts of every mark
    exits.py CONSOLE fewer A B REASON --by N
        phase A took at least N fewer REASON exits than phase B
    exits.py CONSOLE at-least A REASON N [--reported REGEX]
    exits.py CONSOLE at-most A REASON N [--reported REGEX]
        phase A took at least (at most) N REASON exits; with --reported,
        N plus the number the guest printed: group 1 of the first console
        line REGEX matches (re.search), e.g. the kicks it counted
    exits.py CONSOLE sum-at-most MAX PHASE... [--without REASON]...
        the phases named (marks, or "entry": from the image's first exit
        to its first mark) took at most MAX exits together, not counting
        the reasons named (e.g. "uart", the console's port accesses)
    exits.py CONSOLE per-request A MAX [--min MIN] [--reason R]...
        phase A took at most MAX (and at least MIN) exits per request (of
        the reasons named, else all), the requests being those the guest
        reported for the phase ("blkbench: mark A = N requests completed",
        bench.mark=1; or the lines of "dmesg: mark A = N lines written",
        dmesg.mark=1)

Exit status 0 when the check holds, 1 when it does not, 2 when the
console has no counts for the marks named or the trace lost events.
"""
import argparse
import re
import sys

LINE_RE = re.compile(r"pvkit-kvm-l1: exits at (?:mark )?(0x[0-9a-f]+|entry): (\d+) \((.*)\)")


LOST_RE = re.compile(r"pvkit-kvm-l1: trace lost (\d+) events")
REQS_RE = re.compile(r"(?:blkbench|dmesg): mark (0x[0-9a-f]+) = (\d+) "
                     r"(?:requests completed|lines written)")


def requests(path):
    """{mark: requests the guest completed in that phase}."""
    with open(path, errors="replace") as f:
        return {m[1]: int(m[2]) for m in map(REQS_RE.search, f) if m}


def per_request(marks, reqs, mark, reasons=None):
    """KVM's exits (of reasons, else all) per request in phase mark, or
    None without a count."""
    if mark not in marks or not reqs.get(mark):
        return None
    if not reasons:
        return marks[mark]["total"] / reqs[mark]
    return sum(marks[mark].get(r, 0) for r in reasons) / reqs[mark]


def reported_number(path, regex):
    """Group 1 of the first line regex matches, as an int, or None."""
    pattern = re.compile(regex)
    with open(path, errors="replace") as f:
        for line in f:
            m = pattern.search(line)
            if m:
                return int(m[1])
    return None


def parse(path):
    """({mark: {reason: count, "total": count}}, events the trace lost);
    a mark written twice: its last phase counts."""
    marks, lost = {}, 0
    with open(path, errors="replace") as f:
        for line in f:
            m = LOST_RE.search(line)
            if m:
                lost = int(m[1])
            m = LINE_RE.search(line)
            if not m:
                continue
            counts = {"total": int(m[2])}
            for item in filter(None, (x.strip() for x in m[3].split(","))):
                reason, _, n = item.rpartition(" ")
                counts[reason] = int(n)
            marks[m[1]] = counts
    return marks, lost


def phases_sum(marks, phases, without=()):
    """(exits of the phases named but the reasons without, {reason: count}),
    or None when a phase has no count."""
    if any(p not in marks for p in phases):
        return None
    by = {}
    for p in phases:
        for reason, n in marks[p].items():
            if reason != "total":
                by[reason] = by.get(reason, 0) + n
    return sum(n for r, n in by.items() if r not in without), by


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("console")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("show")
    p = sub.add_parser("fewer")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("reason")
    p.add_argument("--by", type=int, default=1)
    for name in ("at-least", "at-most"):
        p = sub.add_parser(name)
        p.add_argument("a")
        p.add_argument("reason")
        p.add_argument("n", type=int)
        p.add_argument("--reported", help="add group 1 of the first console line matching this")
    p = sub.add_parser("sum-at-most")
    p.add_argument("max", type=int)
    p.add_argument("phases", nargs="+")
    p.add_argument("--without", action="append", default=[],
                   help="do not count exits of this reason (repeatable)")
    p = sub.add_parser("per-request")
    p.add_argument("a")
    p.add_argument("max", type=float)
    p.add_argument("--min", type=float, default=0,
                   help="and at least this many (a bound from below)")
    p.add_argument("--reason", action="append",
                   help="count only exits of this reason (repeatable)")
    opts = ap.parse_args(argv)
    marks, lost = parse(opts.console)
    if lost:
        print(f"exits.py: the trace lost {lost} events: the counts are incomplete")
        return 2
    if opts.cmd == "show":
        for mark, counts in marks.items():
            print(mark, counts)
        return 0 if marks else 2
    if opts.cmd == "sum-at-most":
        got = phases_sum(marks, opts.phases, opts.without)
        if got is None:
            print(f"exits.py: no exit counts for some of {' '.join(opts.phases)} "
                  f"(marks seen: {', '.join(marks) or 'none'})")
            return 2
        total, by = got
        but = f" but {', '.join(opts.without)}" if opts.without else ""
        print(f"exits.py: {total} exits{but} in {' '.join(opts.phases)} "
              f"(by reason: {by}), at most {opts.max} allowed")
        return 0 if total <= opts.max else 1
    if opts.cmd == "per-request":
        ratio = per_request(marks, requests(opts.console), opts.a, opts.reason)
        if ratio is None:
            print(f"exits.py: no exit counts or no requests for mark {opts.a} "
                  f"(marks seen: {', '.join(marks) or 'none'})")
            return 2
        which = " ".join(opts.reason) if opts.reason else "all"
        print(f"exits.py: {ratio:.4f} exits ({which}) per request at mark {opts.a} "
              f"(all: {marks[opts.a]}), {opts.min:g} to {opts.max:g} allowed")
        return 0 if opts.min <= ratio <= opts.max else 1
    if opts.cmd in ("at-least", "at-most"):
        if opts.a not in marks:
            print(f"exits.py: no exit counts for mark {opts.a} "
                  f"(marks seen: {', '.join(marks) or 'none'})")
            return 2
        bound = opts.n
        if opts.reported:
            reported = reported_number(opts.console, opts.reported)
            if reported is None:
                print(f"exits.py: no console line matches {opts.reported!r}")
                return 2
            bound += reported
        got = marks[opts.a].get(opts.reason, 0)
        print(f"exits.py: {got} {opts.reason} exits at mark {opts.a}, "
              f"{opts.cmd} {bound} (all: {marks[opts.a]})")
        return 0 if (got >= bound if opts.cmd == "at-least" else got <= bound) else 1
    missing = [m for m in (opts.a, opts.b) if m not in marks]
    if missing:
        print(f"exits.py: no exit counts for mark {', '.join(missing)} "
              f"(marks seen: {', '.join(marks) or 'none'})")
        return 2
    a = marks[opts.a].get(opts.reason, 0)
    b = marks[opts.b].get(opts.reason, 0)
    print(f"exits.py: {opts.reason} exits: {a} at mark {opts.a}, {b} at mark {opts.b}")
    if b - a < opts.by:
        print(f"exits.py: expected at least {opts.by} fewer at {opts.a}, "
              f"saw {b - a}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

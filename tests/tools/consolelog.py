#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks on what the guest's console carried (kernel/printk.c).

With quiet, log lines below KERN_WARNING go only to the in-memory log;
app=dmesg writes that log afterwards, each line as "<level>[time] text".
The 16550 ends a line with CR LF, the debug console and virtio-console
with LF alone, so the bytes tell which console carried a line.

    consolelog.py CONSOLE dmesg [--min-hidden N]
        the console has the dmesg output, with at least N lines of level
        5 (notice) or above, and none of those reached the console live,
        while every warning or error of it did; the boot's first line
        ("pvkit VERSION") is among them
    consolelog.py CONSOLE absent REGEX...
        no console line matches any REGEX (re.search)
    consolelog.py CONSOLE lf-after REGEX
        a line matches REGEX, and it and every whole line after it end in
        LF alone: not the UART's

Exit status 0 when the check holds, 1 when it does not.
"""
import argparse
import re
import sys

RECORD_RE = re.compile(r"^<([0-7])>(\[ *\d+\.\d{6}\] .*)$")
# The first line every boot logs (kernel/main.c), at KERN_INFO.
BOOT_RE = re.compile(r"^\[ *\d+\.\d{6}\] pvkit \S+ \(entry: ")
# The warning level: quiet shows levels below this one.
QUIET_LEVEL = 5


def read_console(path):
    """(live lines, [(level, text)] of the dmesg output)."""
    live, records = [], []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = RECORD_RE.match(line)
            if m:
                records.append((int(m[1]), m[2]))
            else:
                live.append(line)
    return live, records


def check_dmesg(path, min_hidden):
    live, records = read_console(path)
    shown = set(live)
    problems = []
    hidden = [text for level, text in records if level >= QUIET_LEVEL]
    if len(hidden) < min_hidden:
        problems.append(f"{len(hidden)} info lines in the log, at least "
                        f"{min_hidden} expected")
    if not any(BOOT_RE.search(text) for text in hidden):
        problems.append("the log has no 'pvkit VERSION (entry: ...)' line")
    for level, text in records:
        if level >= QUIET_LEVEL and text in shown:
            problems.append(f"level {level} line reached the console: {text}")
        elif level < QUIET_LEVEL and text not in shown:
            problems.append(f"level {level} line missing from the console: {text}")
    for p in problems:
        print(f"consolelog.py: {p}")
    print(f"consolelog.py: {len(records)} lines in the log, {len(hidden)} of them "
          f"below the warning level")
    return 1 if problems else 0


def check_absent(path, regexes):
    live, _ = read_console(path)
    bad = [line for line in live if any(r.search(line) for r in regexes)]
    for line in bad:
        print(f"consolelog.py: on the console: {line}")
    return 1 if bad else 0


def check_lf_after(path, regex):
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8", "replace").split("\n")[:-1]
    start = next((i for i, line in enumerate(lines)
                  if regex.search(line.rstrip("\r"))), None)
    if start is None:
        print(f"consolelog.py: no line matches {regex.pattern!r}")
        return 1
    crlf = [line for line in lines[start:] if line.endswith("\r")]
    for line in crlf[:5]:
        print(f"consolelog.py: ends in CR LF (the UART's): {line.rstrip()}")
    print(f"consolelog.py: {len(lines) - start} lines from {regex.pattern!r} on, "
          f"{len(crlf)} of them with CR LF")
    return 1 if crlf else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("console")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("dmesg")
    p.add_argument("--min-hidden", type=int, default=1)
    p = sub.add_parser("absent")
    p.add_argument("regex", nargs="+")
    p = sub.add_parser("lf-after")
    p.add_argument("regex")
    opts = ap.parse_args(argv)
    if opts.cmd == "dmesg":
        return check_dmesg(opts.console, opts.min_hidden)
    if opts.cmd == "lf-after":
        return check_lf_after(opts.console, re.compile(opts.regex))
    return check_absent(opts.console, [re.compile(r) for r in opts.regex])


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks, from QEMU's own trace of an IDE or AHCI disk, which ATA commands
the guest issued: the data commands of the mode it was asked to use, and a
FLUSH CACHE EXT after the writes with no queued command still on the device.

QEMU is run with
    -trace ide_exec_cmd -trace process_ncq_command -trace ncq_finish -D TRACE
(the log trace backend of Debian's QEMU), which logs every command written to
an IDE or AHCI device ("cmd 0xNN"), every NCQ command taken ("NCQ op 0xNN")
and every NCQ command finished.

    atatrace.py check TRACE --read 0x25 --write 0x35

passes when the reads and writes were exactly those opcodes (e.g. no PIO
command in DMA mode), there was at least one of each, and every write was
followed by a flush that was issued only once every NCQ command before it
had finished.
"""
import argparse
import re
import sys

READS = {0x24: "READ SECTORS EXT", 0x25: "READ DMA EXT", 0x60: "READ FPDMA QUEUED"}
WRITES = {0x34: "WRITE SECTORS EXT", 0x35: "WRITE DMA EXT", 0x61: "WRITE FPDMA QUEUED"}
FLUSH = 0xEA

CMD_RE = re.compile(r"^ide_exec_cmd .*cmd (0x[0-9a-f]+)")
NCQ_RE = re.compile(r"^process_ncq_command .*NCQ op (0x[0-9a-f]+)")
DONE_RE = re.compile(r"^ncq_finish ")


def events(path):
    """(kind, opcode) in trace order: kind is 'cmd', 'ncq' or 'done'."""
    with open(path, errors="replace") as f:
        for line in f:
            m = CMD_RE.match(line) or NCQ_RE.match(line)
            if m:
                yield ("ncq" if line.startswith("process_ncq") else "cmd", int(m.group(1), 16))
            elif DONE_RE.match(line):
                yield ("done", None)


def check(path, want_read, want_write):
    """Returns the list of (ok, message) results."""
    reads, writes, flushes = {}, {}, 0
    ncq_open = 0
    unflushed = 0          # writes issued since the last flush
    results = []
    for kind, op in events(path):
        if kind == "done":
            ncq_open -= 1
            continue
        if kind == "ncq":
            ncq_open += 1
        if op in READS:
            reads[op] = reads.get(op, 0) + 1
        elif op in WRITES:
            writes[op] = writes.get(op, 0) + 1
            unflushed += 1
        elif op == FLUSH:
            flushes += 1
            results.append((ncq_open == 0, f"flush {flushes} issued with {ncq_open} NCQ "
                            "commands still on the device (want 0)"))
            unflushed = 0
    for name, seen, want, table in (("read", reads, want_read, READS),
                                    ("write", writes, want_write, WRITES)):
        ok = set(seen) == {want}
        got = ", ".join(f"{table[op]} x{n}" for op, n in sorted(seen.items())) or "none"
        results.append((ok, f"{name}s: {got} (want only {table[want]})"))
    results.append((flushes > 0, f"{flushes} FLUSH CACHE EXT"))
    results.append((unflushed == 0, f"{unflushed} writes after the last flush"))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="check the commands in a QEMU trace")
    c.add_argument("trace")
    c.add_argument("--read", type=lambda s: int(s, 0), required=True)
    c.add_argument("--write", type=lambda s: int(s, 0), required=True)
    a = ap.parse_args()
    if a.read not in READS or a.write not in WRITES:
        ap.error("--read/--write: not a data command this knows")
    results = check(a.trace, a.read, a.write)
    for ok, msg in results:
        print(("PASS " if ok else "FAIL ") + msg)
    failed = sum(not ok for ok, _ in results)
    print(f"atatrace: {len(results)} checks: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

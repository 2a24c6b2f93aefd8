#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""balloonpeer: the host end of pvkit's virtio-balloon test.

QEMU runs with a virtio-balloon device (id given by --device) and a QMP
socket; the guest runs app=balloon balloon.rounds=2.  This program speaks
plain QMP on the socket (qmp_capabilities, balloon, query-balloon,
query-memory-size-summary, qom-set/qom-get of the device's stats) and
reads the guest's console log as it grows.  It

  1. waits for the guest's "balloon: ready" line;
  2. asks the guest's stats every second and reads its free and total
     memory as the guest reports them;
  3. round 1: sets the target down to --down MiB and waits until
     query-balloon's actual is exactly that; the stats must show free
     memory fallen by the ballooned pages (and a few for the balloon's
     own bookkeeping) and total memory by exactly those pages; then sets
     the target back to all of RAM and waits for actual to get there;
  4. round 2: asks for all but --overask MiB, more than the guest can
     spare; the guest must say it gives only part, actual must settle
     somewhere between, then back up again;
  5. reads the guest's round lines: the peak it held must be what QEMU
     saw, its free pages must have fallen by the peak (plus bookkeeping)
     and come back, and its memory checks must have passed.

Exit status 0 when every check holds, 1 otherwise.  Python 3 standard
library only.
"""

import argparse
import json
import re
import socket
import sys
import time

PAGE = 4096
MIB = 1 << 20
# The balloon keeps its frame numbers in pages of its own: 510 a page.
PFNS_PER_PAGE = 510
# Pages the guest's app and heap may move besides the balloon.
SLACK_PAGES = 128

ROUND_RE = re.compile(r"^balloon: round (\d+): peak (\d+) pages, free (\d+), "
                      r"lowest (\d+), after (\d+), memory check of (\d+) pages ok")
SHORT_RE = re.compile(r"virtio\d+: the host asks for (\d+) pages, the guest "
                      r"can give (\d+): keeping (\d+) pages free")

failures = []


def log(msg):
    print("balloonpeer: " + msg, flush=True)


def check(ok, msg):
    log(("ok: " if ok else "FAIL: ") + msg)
    if not ok:
        failures.append(msg)
    return ok


class Qmp:
    """A QMP client on a Unix socket, events skipped."""

    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(10)
        self.buf = b""
        self.read()                     # the greeting
        self.cmd("qmp_capabilities")

    def read(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("QMP socket closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self.read()
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError("%s: %s" % (name, reply["error"]))
            return reply["return"]


class Console:
    """The guest's console log, read as it grows."""

    def __init__(self, path):
        self.path = path
        self.lines = []
        self.partial = ""
        self.offset = 0

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        self.offset += len(data)
        text = self.partial + data.decode("utf-8", "replace")
        *done, self.partial = text.replace("\r", "").split("\n")
        self.lines.extend(done)

    def find(self, regex):
        self.poll()
        for line in self.lines:
            m = regex.search(line)
            if m:
                return m
        return None

    def wait(self, regex, deadline):
        while time.monotonic() < deadline:
            m = self.find(regex)
            if m:
                return m
            time.sleep(0.1)
        return None


def actual(qmp):
    return qmp.cmd("query-balloon")["actual"]


def wait_actual(qmp, want, deadline):
    """Waits until QEMU's actual is want bytes; the last value seen."""
    got = actual(qmp)
    while got != want and time.monotonic() < deadline:
        time.sleep(0.1)
        got = actual(qmp)
    return got


def wait_settled(qmp, deadline, quiet=2.0):
    """Waits until actual has not moved for quiet seconds."""
    got, since = actual(qmp), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = actual(qmp)
        if now != got:
            got, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return got


class Stats:
    """The guest's own memory statistics through the stats queue."""

    def __init__(self, qmp, device):
        self.qmp = qmp
        self.path = "/machine/peripheral/" + device
        qmp.cmd("qom-set", path=self.path,
                property="guest-stats-polling-interval", value=1)

    def fresh(self, deadline):
        """The first stats the guest sent after now (free, total bytes)."""
        start = time.time()
        while time.monotonic() < deadline:
            st = self.qmp.cmd("qom-get", path=self.path, property="guest-stats")
            if st.get("last-update", 0) > start + 0.5:
                return (st["stats"]["stat-free-memory"],
                        st["stats"]["stat-total-memory"])
            time.sleep(0.2)
        return None


def round_one(qmp, stats, ram, down, deadline):
    target = down * MIB
    pages = (ram - target) // PAGE
    before = stats.fresh(deadline)
    if not check(before is not None, "the guest's stats arrive"):
        return None
    log("stats before: free %d KiB, total %d KiB" % (before[0] // 1024, before[1] // 1024))
    log("balloon %d MiB (the guest gives %d pages)" % (down, pages))
    qmp.cmd("balloon", value=target)
    got = wait_actual(qmp, target, deadline)
    if not check(got == target, "query-balloon actual %d MiB, want %d MiB"
                 % (got // MIB, down)):
        return None
    during = stats.fresh(deadline)
    if check(during is not None, "the guest's stats arrive while ballooned"):
        fell = (before[0] - during[0]) // PAGE
        log("stats during: free %d KiB, total %d KiB"
            % (during[0] // 1024, during[1] // 1024))
        # The app's own 64-page checks may be under way at either sample.
        want = pages + pages // PFNS_PER_PAGE + 1
        check(abs(fell - want) <= SLACK_PAGES,
              "the guest's free memory fell by %d pages for %d ballooned" % (fell, pages))
        check(before[1] - during[1] == pages * PAGE,
              "the guest's total memory fell by %d pages, want %d"
              % ((before[1] - during[1]) // PAGE, pages))
    qmp.cmd("balloon", value=ram)
    got = wait_actual(qmp, ram, deadline)
    check(got == ram, "query-balloon actual back to %d MiB (%d MiB)" % (ram // MIB, got // MIB))
    return pages


def round_two(qmp, console, ram, overask, deadline):
    target = overask * MIB
    wanted = (ram - target) // PAGE
    log("balloon %d MiB: %d pages, more than the guest can spare" % (overask, wanted))
    qmp.cmd("balloon", value=target)
    short = console.wait(SHORT_RE, deadline)
    if not check(short is not None, "the guest says it gives only part"):
        return None
    got = wait_settled(qmp, deadline)
    given = (ram - got) // PAGE
    asked, can, floor = (int(x) for x in short.groups())
    check(asked == wanted, "the guest read the target %d pages (want %d)" % (asked, wanted))
    check(0 < given < wanted and given == can,
          "query-balloon actual settled at %d MiB: %d pages given, the guest said %d"
          % (got // MIB, given, can))
    qmp.cmd("balloon", value=ram)
    got = wait_actual(qmp, ram, deadline)
    check(got == ram, "query-balloon actual back to %d MiB (%d MiB)" % (ram // MIB, got // MIB))
    return given, floor


def guest_round(console, i, want, deadline):
    """Checks the guest's round i line against what QEMU saw; its lowest free."""
    m = console.wait(re.compile(r"^balloon: round %d: " % i), deadline)
    m = m and ROUND_RE.search(m.string)
    if not check(m is not None, "the guest's round %d line" % i):
        return None
    peak, before, low, after, checked = (int(x) for x in m.groups()[1:])
    check(peak == want, "round %d: the guest held %d pages at the peak, QEMU saw %d"
          % (i, peak, want))
    fell = before - low
    check(peak <= fell <= peak + peak // PFNS_PER_PAGE + 1 + SLACK_PAGES,
          "round %d: the guest's free pages fell by %d for %d ballooned" % (i, fell, peak))
    check(abs(after - before) <= SLACK_PAGES,
          "round %d: the guest's free pages came back: %d before, %d after"
          % (i, before, after))
    check(checked == peak, "round %d: %d pages written and verified after deflating"
          % (i, checked))
    return low


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--qmp", required=True, help="QEMU's QMP Unix socket")
    p.add_argument("--console", required=True, help="the guest's console log")
    p.add_argument("--device", default="bal0", help="the balloon's QEMU id")
    p.add_argument("--down", type=int, default=64, help="round 1 target, MiB")
    p.add_argument("--overask", type=int, default=4, help="round 2 target, MiB")
    p.add_argument("--time", type=float, default=50, help="seconds for it all")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    deadline = time.monotonic() + args.time
    console = Console(args.console)
    try:
        qmp = Qmp(args.qmp, deadline)
    except OSError as e:
        log("cannot connect to QMP at %s: %s" % (args.qmp, e))
        return 1
    ram = qmp.cmd("query-memory-size-summary")["base-memory"]
    log("QEMU: %d MiB of RAM, balloon actual %d MiB" % (ram // MIB, actual(qmp) // MIB))
    if not check(console.wait(re.compile(r"^balloon: ready"), deadline) is not None,
                 "the guest is ready"):
        return 1
    check(actual(qmp) == ram, "nothing ballooned at the start")
    stats = Stats(qmp, args.device)
    # Each round ends when the guest says so: it must see the balloon empty.
    one = round_one(qmp, stats, ram, args.down, deadline)
    if one is not None and guest_round(console, 1, one, deadline) is not None:
        two = round_two(qmp, console, ram, args.overask, deadline)
    else:
        two = None
    if two:
        low = guest_round(console, 2, two[0], deadline)
        if low is not None:
            check(low + SLACK_PAGES >= two[1],
                  "round 2: the guest kept its floor: %d pages free at the lowest, floor %d"
                  % (low, two[1]))
    log("%s: %d checks failed" % ("PASS" if not failures else "FAIL", len(failures)))
    return 0 if not failures and one and two else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, RuntimeError, ValueError) as e:
        log("FAIL: %s" % e)
        sys.exit(1)

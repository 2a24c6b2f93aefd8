#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""netmqpeer: the host end of pvkit's multi-queue network echo test.

QEMU's UDP socket backend has one queue, so a multi-queue virtio-net
behind it gets every frame on queue 0.  A tap device has as many queues
as QEMU asks for (-netdev tap,queues=N): QEMU opens one file per queue
and ties queue pair i of the NIC to queue i of the tap, and Linux spreads
the frames it sends over the tap's queues by flow (a hash of the
addresses and ports, then the queue the flow last came back on).

QEMU creates the tap (ifname=NAME) in the host's network namespace.  This
program moves it into a network namespace of its own (`unshare -n`, so
nothing of the host's network is touched and the namespace, the tap with
it, goes when the program ends), gives it 10.0.2.2/24 and then, from that
namespace:

  1. waits until the guest (10.0.2.15, app=netecho) answers a UDP echo;
  2. pings it with ICMP echo requests of several sizes (a raw socket);
  3. sends a UDP datagram of random data from each of --flows sockets,
     each its own source port and so its own flow, all at once, and
     waits for every echo; --rounds times, with sizes going round;
  4. checks every reply byte for byte (the kernel has checked the
     checksums, addresses and ports already);
  5. with --cpus N, sends "pvkit-cpus", which the guest echoes and
     answers with "pvkit-cpu C" from each of its N CPUs (each on its
     own transmit queue);
  6. sends "pvkit-quit", which the guest echoes before it exits.

It needs root (CAP_NET_ADMIN) and /dev/net/tun: without them it says so
and exits 2.  Exit 0 only if every packet was answered correctly.
"""

import argparse
import ctypes
import os
import random
import select
import socket
import struct
import subprocess
import sys
import time

from netpeer import checksum     # beside this file

GUEST = "10.0.2.15"
ADDR = "10.0.2.2"
PREFIX = 24
ECHO_PORT = 7
QUIT_WORD = b"pvkit-quit"
ICMP_SIZES = (0, 56, 1000, 1472)
UDP_SIZES = (1, 64, 512, 1472)
PR_SET_PDEATHSIG = 1


def log(msg):
    print("netmqpeer: " + msg, flush=True)


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def wait_for(cond, deadline, step=0.05):
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


def has_link(name):
    try:
        socket.if_nametoindex(name)
        return True
    except OSError:
        return False


def udp_echo(sock, payload, deadline):
    """One datagram and its echo: True if it came back whole."""
    sock.send(payload)
    while time.monotonic() < deadline:
        r, _, _ = select.select([sock], [], [], 0.2)
        if r:
            return sock.recv(65536) == payload
    return False


def wait_guest(deadline):
    """Until the guest echoes (it may still be booting): its first answer."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((GUEST, ECHO_PORT))
    try:
        while time.monotonic() < deadline:
            try:
                if udp_echo(s, b"hello", min(deadline, time.monotonic() + 1)):
                    return True
            except ConnectionRefusedError:
                time.sleep(0.2)     # an ICMP port unreachable: not bound yet
        return False
    finally:
        s.close()


def ping(rng, timeout):
    """ICMP echo requests of ICMP_SIZES: the count that failed."""
    failed = 0
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xffff
    for seq, size in enumerate(ICMP_SIZES):
        data = rng.randbytes(size)
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        s.sendto(struct.pack("!BBHHH", 8, 0, checksum(hdr + data), ident, seq) + data,
                 (GUEST, 0))
        ok = False
        deadline = time.monotonic() + timeout
        while not ok and time.monotonic() < deadline:
            r, _, _ = select.select([s], [], [], 0.2)
            if not r:
                continue
            pkt, src = s.recvfrom(65536)
            ihl = (pkt[0] & 15) * 4
            icmp = pkt[ihl:]
            if src[0] != GUEST or len(icmp) < 8:
                continue
            typ, _code, _sum, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
            if typ == 0 and rid == ident and rseq == seq:
                ok = icmp[8:] == data and checksum(icmp) == 0
                break
        log("icmp %d %s" % (size, "ok" if ok else "FAILED"))
        failed += not ok
    s.close()
    return failed


def flows(rng, nflows, rounds, timeout):
    """Every flow's datagram sent at once, then every echo: failures."""
    socks = []
    for _ in range(nflows):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((ADDR, 0))
        s.connect((GUEST, ECHO_PORT))
        socks.append(s)
    failed = 0
    for r in range(rounds):
        size = UDP_SIZES[r % len(UDP_SIZES)]
        want = {}
        for s in socks:
            want[s] = rng.randbytes(size)
            s.send(want[s])
        deadline = time.monotonic() + timeout
        bad = 0
        while want and time.monotonic() < deadline:
            ready, _, _ = select.select(list(want), [], [], 0.2)
            for s in ready:
                if s.recv(65536) != want.pop(s):
                    bad += 1
        bad += len(want)
        log("udp round %d: %d flows, %d bytes, %s" % (r, nflows, size,
            "ok" if not bad else "%d FAILED" % bad))
        failed += bad
    for s in socks:
        s.close()
    return failed


def cpus(ncpus, timeout):
    """"pvkit-cpus": its echo and one line from each CPU; failures."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((GUEST, ECHO_PORT))
    s.send(b"pvkit-cpus")
    want = {b"pvkit-cpus"} | {b"pvkit-cpu %d" % c for c in range(ncpus)}
    extra = 0
    deadline = time.monotonic() + timeout
    while want and time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], 0.2)
        if r:
            got = s.recv(65536)
            if got in want:
                want.discard(got)
            else:
                extra += 1
                log("unexpected %r" % got)
    s.close()
    log("cpus: %d CPUs %s" % (ncpus, "ok" if not want and not extra else
        "missing %s" % sorted(want)))
    return len(want) + extra


def tap_up(tap):
    """In the new namespace: the tap, once it arrives, up as ADDR/PREFIX.
    Why it cannot be, or None."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
    if not wait_for(lambda: has_link(tap), time.monotonic() + 30):
        return "%s never arrived in the namespace" % tap
    for key in ("all", "default", tap):
        with open("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % key, "w") as f:
            f.write("1")
    run("ip", "link", "set", "lo", "up")
    run("ip", "addr", "add", "%s/%d" % (ADDR, PREFIX), "dev", tap)
    run("ip", "link", "set", tap, "up")
    return None


def inner(args):
    """In the new namespace: the tap arrives, then the test."""
    why = tap_up(args.tap)
    if why:
        log(why)
        return 1
    log("%s up as %s/%d in a namespace of its own" % (args.tap, ADDR, PREFIX))
    if not wait_guest(time.monotonic() + args.boot_wait):
        log("the guest never answered within %d s" % args.boot_wait)
        return 1
    rng = random.Random(args.seed)
    failed = ping(rng, args.timeout)
    failed += flows(rng, args.flows, args.rounds, args.timeout)
    if args.cpus:
        failed += cpus(args.cpus, args.timeout)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((GUEST, ECHO_PORT))
    ok = udp_echo(s, QUIT_WORD, time.monotonic() + args.timeout)
    log("quit %s" % ("echoed" if ok else "NOT echoed"))
    failed += not ok
    log("done, %d failed" % failed)
    return 1 if failed else 0


def problem():
    """Why a tap in a namespace of our own cannot be had here, or None."""
    if os.geteuid() != 0:
        return "not root"
    try:
        os.close(os.open("/dev/net/tun", os.O_RDWR))
    except OSError as err:
        return "/dev/net/tun: %s" % err.strerror
    for cmd in ("ip", "unshare"):
        if subprocess.run(["sh", "-c", "command -v " + cmd],
                          stdout=subprocess.DEVNULL).returncode:
            return "%s not found" % cmd
    return None


def in_namespace(script, tap, boot_wait, say=log):
    """Runs `script --inner` with this program's arguments in a network
    namespace of its own, once QEMU has created tap, and moves tap there:
    its exit status (1 if it never ran, 2 if it cannot run here)."""
    why = problem()
    if why:
        say("cannot run: %s" % why)
        return 2
    deadline = time.monotonic() + boot_wait
    if not wait_for(lambda: has_link(tap), deadline):
        say("QEMU never created %s" % tap)
        return 1
    child = subprocess.Popen(["unshare", "-n", sys.executable, os.path.abspath(script),
                              "--inner"] + sys.argv[1:])
    own = os.readlink("/proc/self/ns/net")

    def unshared():
        try:
            return os.readlink("/proc/%d/ns/net" % child.pid) != own
        except OSError:
            return False
    try:
        # unshare execs python in place: the child's pid is the namespace's,
        # once it has one (before, the tap would stay in ours).
        if not wait_for(unshared, time.monotonic() + 30, 0.01):
            say("the namespace never came")
            return 1
        run("ip", "link", "set", tap, "netns", str(child.pid))
        return child.wait()
    except subprocess.CalledProcessError as err:
        say("cannot move %s: %s" % (tap, err))
        child.kill()
        child.wait()
        return 1
    finally:
        if child.poll() is None:
            child.kill()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tap", required=True, help="the tap QEMU creates (ifname=)")
    p.add_argument("--flows", type=int, default=64)
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cpus", type=int, default=0,
                   help="ask for a line from each of the guest's CPUs")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds for each packet's answer")
    p.add_argument("--boot-wait", type=int, default=120)
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.flows < 1 or args.rounds < 1:
        p.error("--flows and --rounds must be at least 1")
    return inner(args) if args.inner else in_namespace(__file__, args.tap, args.boot_wait)


if __name__ == "__main__":
    sys.exit(main())

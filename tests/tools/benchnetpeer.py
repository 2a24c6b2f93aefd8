#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""benchnetpeer: Linux as the reflector of netbench's per-CPU submitters.

netbench bench.cpus=N (apps/netbench.c) runs one submitter per CPU, each
its own UDP flow (source port), each on its CPU's queue pair of a
multi-queue virtio-net.  QEMU's UDP socket backend has one queue, so
this peer stands behind a multi-queue tap (-netdev tap,queues=N), which
QEMU creates and ties queue pair i of the NIC to queue i of the tap.
Linux sends the replies of a flow back on the tap queue that flow last
came in on (the tap's flow table), so each submitter's replies come back
on its own pair.  Linux forgets a flow not heard from for 3 s (a guest
that TCG stalls that long) and then picks a queue by the flow's hash, so
with --queues N this program gives the tap a steering program instead
(TUNSETSTEERINGEBPF, a socket-filter eBPF program): a reply goes to
queue ((destination port - --base-port) mod N), netbench's submitter on
CPU c sending from a port that is --base-port + c modulo N; Linux's own
choice is then never asked.

As tests/tools/netmqpeer.py, it moves the tap into a network namespace of
its own (`unshare -n`: nothing of the host's network is touched, the
namespace goes when this program ends), gives it 10.0.2.2/24 and there
sends every UDP datagram to port --port straight back to its sender,
until the tap is gone (QEMU exited) or --time has passed.  Then it prints
how many it reflected for each flow, and exits 0 if at least --flows
flows had --min datagrams or more reflected (netbench's first datagram,
which waits for an answer, is a flow of its own).

It needs root (CAP_NET_ADMIN) and /dev/net/tun: without them it says so
and exits 2.
"""

import argparse
import ctypes
import fcntl
import os
import select
import socket
import struct
import sys
import time

import netmqpeer     # beside this file
from netmqpeer import has_link

ADDR = netmqpeer.ADDR
PREFIX = netmqpeer.PREFIX


def log(msg):
    print("benchnetpeer: " + msg, flush=True)


SYS_BPF = 321                  # x86-64
BPF_PROG_LOAD = 5
BPF_PROG_TYPE_SOCKET_FILTER = 1
TUNSETIFF = 0x400454ca
TUNSETSTEERINGEBPF = 0x800454e0
IFF_TAP, IFF_NO_PI, IFF_MULTI_QUEUE = 0x0002, 0x1000, 0x0100
# The UDP destination port of an IPv4 frame without options (14 + 20 + 2).
DPORT_OFF = 36


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, src << 4 | dst, off, imm)


def load_steering(base):
    """r0 = the frame's UDP destination port less base (0 if the frame is
    too short): the queue, modulo their number (tun does the modulo, of
    the low 16 bits).  Its fd."""
    libc = ctypes.CDLL(None, use_errno=True)
    code = ctypes.create_string_buffer(
        insn(0xbf, 6, 1) +                   # r6 = ctx, as LD_ABS wants
        insn(0x28, imm=DPORT_OFF) +          # r0 = ntohs(*(u16 *)(skb->data + 36))
        insn(0x17, imm=base) +               # r0 -= base
        insn(0x95))                          # exit
    lic = ctypes.create_string_buffer(b"GPL")
    attr = struct.pack("<IIQQ", BPF_PROG_TYPE_SOCKET_FILTER, len(code.raw) // 8,
                       ctypes.addressof(code), ctypes.addressof(lic))
    buf = ctypes.create_string_buffer(attr + bytes(128 - len(attr)))
    fd = libc.syscall(SYS_BPF, BPF_PROG_LOAD, buf, 128)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "bpf(BPF_PROG_LOAD)")
    return fd


def steer(tap, base):
    """The steering program on tap: a queue of our own is attached for
    the ioctl and detached again (the last, so QEMU's keep their numbers)."""
    prog = load_steering(base)
    tun = os.open("/dev/net/tun", os.O_RDWR)
    try:
        fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH22x", tap.encode(),
                                                 IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE))
        fcntl.ioctl(tun, TUNSETSTEERINGEBPF, struct.pack("i", prog))
    finally:
        os.close(tun)
        os.close(prog)


def reflect(args):
    """Every datagram back to its sender until the tap goes: {flow: count}."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((ADDR, args.port))
    s.setblocking(False)
    buf = bytearray(2048)
    counts = {}
    end = time.monotonic() + args.time
    next_look = 0.0
    while True:
        now = time.monotonic()
        if now >= end:
            log("--time %d s passed" % args.time)
            break
        if now >= next_look:
            if not has_link(args.tap):
                break
            next_look = now + 0.5
        ready, _, _ = select.select([s], [], [], 0.5)
        if not ready:
            continue
        # Whatever is queued, then back to select.
        for _ in range(256):
            try:
                n, src = s.recvfrom_into(buf)
            except BlockingIOError:
                break
            try:
                s.sendto(memoryview(buf)[:n], src)
            except OSError:
                continue    # the tap's queue full: the guest counts it lost
            counts[src] = counts.get(src, 0) + 1
    s.close()
    return counts


def inner(args):
    """In the new namespace: the tap arrives, then the reflection."""
    why = netmqpeer.tap_up(args.tap)
    if why:
        log(why)
        return 1
    if args.guest_mac:
        # Linux never asks: an ARP exchange in the middle would show in
        # the queues' counts.
        netmqpeer.run("ip", "neigh", "replace", args.guest, "lladdr", args.guest_mac,
                      "dev", args.tap, "nud", "permanent")
    if args.queues > 1:
        try:
            steer(args.tap, args.base_port)
        except OSError as err:
            log("cannot steer %s: %s" % (args.tap, err))
            return 1
        log("replies steered to queue ((port - %d) mod %d)" % (args.base_port, args.queues))
    log("%s up as %s/%d in a namespace of its own, reflecting UDP port %d"
        % (args.tap, ADDR, PREFIX, args.port))
    counts = reflect(args)
    for (ip, port), n in sorted(counts.items()):
        log("flow %s:%d: %d datagrams reflected" % (ip, port, n))
    full = sum(n >= args.min for n in counts.values())
    log("%d datagrams reflected, %d flows, %d of them with %d or more"
        % (sum(counts.values()), len(counts), full, args.min))
    if full < args.flows:
        log("FAILED: %d flows of %d or more datagrams wanted" % (args.flows, args.min))
        return 1
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tap", required=True, help="the tap QEMU creates (ifname=)")
    p.add_argument("--port", type=int, default=7, help="the UDP port reflected")
    p.add_argument("--queues", type=int, default=1,
                   help="the tap's queues: more than 1, replies steered by port")
    p.add_argument("--base-port", type=int, default=40000,
                   help="steered: a reply to port P goes to queue (P - this) mod --queues")
    p.add_argument("--guest", default=netmqpeer.GUEST, help="the guest's address")
    p.add_argument("--guest-mac", help="the guest's MAC: Linux's neighbour entry, fixed")
    p.add_argument("--flows", type=int, default=1,
                   help="flows (source addresses and ports) that must be reflected")
    p.add_argument("--min", type=int, default=1,
                   help="datagrams a flow needs to count for --flows")
    p.add_argument("--time", type=int, default=600, help="seconds at most")
    p.add_argument("--boot-wait", type=int, default=120)
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.inner:
        return inner(args)
    return netmqpeer.in_namespace(__file__, args.tap, args.boot_wait, log)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""netpeer: the host end of pvkit's network echo test.

The guest runs app=netecho on a NIC whose QEMU backend is a UDP socket:

    -netdev socket,id=n0,udp=127.0.0.1:PEER_PORT,localaddr=127.0.0.1:QEMU_PORT

QEMU then sends every Ethernet frame the guest transmits as one UDP
datagram from 127.0.0.1:QEMU_PORT to 127.0.0.1:PEER_PORT, and hands every
datagram it receives on QEMU_PORT to the guest as one frame.  This program
binds PEER_PORT and is a host on that Ethernet (by default 10.0.2.2, the
guest's gateway, with a MAC of its own).  It

  1. asks for the guest's MAC with ARP until it answers (the guest may still
     be booting), answering the guest's ARP requests for its own address
     all along;
  2. pings the guest with ICMP echo requests of many sizes and random data;
  3. sends UDP datagrams of many sizes to the echo port;
  4. checks every reply byte for byte: Ethernet addresses, the IPv4 header
     and its checksum, the ICMP or UDP header, checksum and data;
  5. sends "pvkit-quit", which the guest echoes before it exits.

It prints one line per size and exits 0 only if every packet was answered
correctly, 1 otherwise, 2 on a usage error.  Python 3 standard library
only; all traffic stays on 127.0.0.1.
"""

import argparse
import os
import random
import select
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
BROADCAST_MAC = b"\xff" * 6
ZERO_MAC = b"\x00" * 6
ETH_ZLEN = 60
IPPROTO_ICMP = 1
IPPROTO_UDP = 17

ICMP_SIZES = (0, 1, 63, 64, 512, 1000, 1472)
UDP_SIZES = (0, 1, 7, 8, 63, 64, 512, 1000, 1400, 1472)
QUIT_WORD = b"pvkit-quit"
LOCALHOST = "127.0.0.1"


def log(msg):
    print("netpeer: " + msg, flush=True)


def checksum(data):
    """The Internet checksum of RFC 1071 (0 over data that checks out)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def mac_str(mac):
    return ":".join("%02x" % b for b in mac)


def parse_mac(text):
    parts = text.split(":")
    if len(parts) != 6:
        raise ValueError("a MAC address has six parts")
    mac = bytes(int(p, 16) for p in parts)
    if mac[0] & 1:
        raise ValueError("a multicast MAC address")
    return mac


def ip_bytes(text):
    return socket.inet_aton(text)


def first_difference(got, want):
    """Where two byte strings first differ, as a phrase."""
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return "byte %d is 0x%02x, sent 0x%02x" % (i, g, w)
    return "%d bytes instead of %d" % (len(got), len(want))


class BadFrame(Exception):
    """A reply that is wrong: the message says how."""


class Frame:
    """A received Ethernet frame, parsed as far as it goes."""

    def __init__(self, data):
        self.data = data
        self.dst, self.src = data[0:6], data[6:12]
        self.type = struct.unpack("!H", data[12:14])[0] if len(data) >= 14 else None
        self.payload = data[14:]


def build_eth(dst, src, ethertype, payload):
    frame = dst + src + struct.pack("!H", ethertype) + payload
    return frame + b"\0" * max(0, ETH_ZLEN - len(frame))


def build_arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, op, sha, spa, tha, tpa)


def build_ipv4(src, dst, proto, payload, ident):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0,
                      64, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def parse_arp(payload):
    """(op, sha, spa, tha, tpa) of an Ethernet/IPv4 ARP packet, or None."""
    if len(payload) < 28:
        return None
    htype, ptype, hlen, plen, op, sha, spa, tha, tpa = struct.unpack(
        "!HHBBH6s4s6s4s", payload[:28])
    if (htype, ptype, hlen, plen) != (1, ETH_P_IP, 6, 4):
        return None
    return op, sha, spa, tha, tpa


def parse_ipv4(payload):
    """(header fields, body) of a well-formed, unfragmented datagram.

    Raises BadFrame for anything a correct sender would not produce.
    """
    if len(payload) < 20:
        raise BadFrame("IPv4 header cut short (%d bytes)" % len(payload))
    ver_ihl, _tos, tot_len, _ident, frag, ttl, proto, _csum, src, dst = \
        struct.unpack("!BBHHHBBH4s4s", payload[:20])
    ihl = (ver_ihl & 0xF) * 4
    if ver_ihl >> 4 != 4:
        raise BadFrame("IP version %d" % (ver_ihl >> 4))
    if ihl < 20 or ihl > len(payload):
        raise BadFrame("IP header length %d in %d bytes" % (ihl, len(payload)))
    if tot_len < ihl or tot_len > len(payload):
        raise BadFrame("IP total length %d, header %d, frame holds %d"
                       % (tot_len, ihl, len(payload)))
    if checksum(payload[:ihl]):
        raise BadFrame("IP header checksum wrong")
    if frag & 0x3FFF:
        raise BadFrame("a fragment (flags/offset 0x%04x)" % frag)
    if ttl == 0:
        raise BadFrame("TTL 0")
    ip = {"src": src, "dst": dst, "proto": proto, "tot_len": tot_len,
          "padding": payload[tot_len:]}
    return ip, payload[ihl:tot_len]


class Peer:
    def __init__(self, args):
        self.args = args
        self.mac = args.peer_mac
        self.ip = ip_bytes(args.host_ip)
        self.guest_ip = ip_bytes(args.guest_ip)
        self.guest_mac = None
        self.qemu = (LOCALHOST, args.qemu_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOCALHOST, args.peer_port))
        self.ident = random.randrange(1, 0x10000)
        self.arp_answered = 0
        self.stray = 0
        self.silent = 0         # packets in a row without a reply
        self.rng = random.Random(args.seed)

    def send(self, frame):
        if self.args.verbose:
            log("-> %d bytes" % len(frame))
        try:
            self.sock.sendto(frame, self.qemu)
        except OSError as e:
            # QEMU not listening yet (an ICMP error came back): try later.
            if self.args.verbose:
                log("send: %s" % e)

    def send_ipv4(self, proto, payload):
        self.ident = (self.ident + 1) & 0xFFFF
        ip = build_ipv4(self.ip, self.guest_ip, proto, payload, self.ident)
        self.send(build_eth(self.guest_mac, self.mac, ETH_P_IP, ip))

    def receive(self, deadline):
        """The next frame from QEMU before deadline, or None.

        ARP requests for our address are answered here, whatever the
        caller waits for, and not returned.
        """
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                return None
            try:
                data, addr = self.sock.recvfrom(65536)
            except OSError:
                continue
            if addr != self.qemu and not (self.args.any_source_port and
                                          addr[0] == LOCALHOST):
                continue
            if self.args.verbose:
                log("<- %d bytes" % len(data))
            if len(data) < 14:
                self.stray += 1
                continue
            frame = Frame(data)
            if self.answer_arp(frame):
                continue
            return frame

    def answer_arp(self, frame):
        if frame.type != ETH_P_ARP:
            return False
        arp = parse_arp(frame.payload)
        if not arp or arp[0] != 1 or arp[4] != self.ip:
            return False
        op, sha, spa, _tha, _tpa = arp
        reply = build_arp(2, self.mac, self.ip, sha, spa)
        self.send(build_eth(sha, self.mac, ETH_P_ARP, reply))
        self.arp_answered += 1
        return True

    def resolve_guest(self):
        """Asks for the guest's MAC until it answers; True when it has."""
        start = time.monotonic()
        deadline = start + self.args.boot_wait
        request = build_arp(1, self.mac, self.ip, ZERO_MAC, self.guest_ip)
        while time.monotonic() < deadline:
            self.send(build_eth(BROADCAST_MAC, self.mac, ETH_P_ARP, request))
            wait_until = min(deadline, time.monotonic() + 1.0)
            while True:
                frame = self.receive(wait_until)
                if frame is None:
                    break
                arp = parse_arp(frame.payload) if frame.type == ETH_P_ARP else None
                if not arp or arp[0] != 2 or arp[2] != self.guest_ip:
                    self.stray += 1
                    continue
                return self.check_arp_reply(frame, arp, time.monotonic() - start)
        log("FAIL no ARP reply from %s in %d s" % (self.args.guest_ip,
                                                    self.args.boot_wait))
        return False

    def check_arp_reply(self, frame, arp, waited):
        _op, sha, _spa, tha, tpa = arp
        problems = []
        if frame.dst != self.mac:
            problems.append("sent to %s" % mac_str(frame.dst))
        if sha != frame.src:
            problems.append("sender MAC %s but frame from %s"
                            % (mac_str(sha), mac_str(frame.src)))
        if tha != self.mac or tpa != self.ip:
            problems.append("target %s %s" % (mac_str(tha), socket.inet_ntoa(tpa)))
        if sha[0] & 1:
            problems.append("multicast sender MAC %s" % mac_str(sha))
        if problems:
            log("FAIL ARP reply: " + "; ".join(problems))
            return False
        self.guest_mac = sha
        log("guest %s is at %s (answered after %.1f s)"
            % (self.args.guest_ip, mac_str(sha), waited))
        return True

    def check_ip_reply(self, frame, proto):
        """The body of a reply to us from the guest, or BadFrame."""
        if frame.dst != self.mac:
            raise BadFrame("Ethernet destination %s" % mac_str(frame.dst))
        if frame.src != self.guest_mac:
            raise BadFrame("Ethernet source %s" % mac_str(frame.src))
        ip, body = parse_ipv4(frame.payload)
        if ip["src"] != self.guest_ip or ip["dst"] != self.ip:
            raise BadFrame("IP %s -> %s" % (socket.inet_ntoa(ip["src"]),
                                            socket.inet_ntoa(ip["dst"])))
        if ip["proto"] != proto:
            raise BadFrame("IP protocol %d" % ip["proto"])
        # Only the Ethernet minimum may add bytes after the datagram.
        if ip["padding"] and 14 + ip["tot_len"] + len(ip["padding"]) > ETH_ZLEN:
            raise BadFrame("%d bytes after the datagram" % len(ip["padding"]))
        return ip, body

    def exchange(self, send, match, check):
        """Sends, waits for the matching reply, checks it; retries on silence.

        Returns None when it was right, else what went wrong.
        """
        for attempt in range(1 + self.args.retries):
            send()
            deadline = time.monotonic() + self.args.timeout
            while True:
                frame = self.receive(deadline)
                if frame is None:
                    break
                if not match(frame):
                    self.stray += 1
                    continue
                try:
                    check(frame)
                except BadFrame as e:
                    return str(e)
                return None
        return "no reply (%d tries, %.1f s each)" % (1 + self.args.retries,
                                                       self.args.timeout)

    def ping(self, seq, data):
        icmp = struct.pack("!BBHHH", 8, 0, 0, self.ident, seq) + data
        icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
        ident = self.ident

        def match(frame):
            if frame.type != ETH_P_IP or len(frame.payload) < 28:
                return False
            p = frame.payload
            ihl = (p[0] & 0xF) * 4
            # Not by type: a reply of the wrong type is still its reply.
            return (p[9] == IPPROTO_ICMP and p[12:16] == self.guest_ip and
                    len(p) >= ihl + 8 and
                    struct.unpack("!HH", p[ihl + 4:ihl + 8]) == (ident, seq))

        def check(frame):
            _ip, body = self.check_ip_reply(frame, IPPROTO_ICMP)
            if len(body) < 8:
                raise BadFrame("ICMP message of %d bytes" % len(body))
            rtype, code = body[0], body[1]
            if rtype != 0 or code != 0:
                raise BadFrame("ICMP type %d code %d" % (rtype, code))
            if checksum(body):
                raise BadFrame("ICMP checksum wrong")
            if body[8:] != data:
                raise BadFrame("echo data: " + first_difference(body[8:], data))

        return self.exchange(lambda: self.send_ipv4(IPPROTO_ICMP, icmp),
                             match, check)

    def udp(self, sport, data):
        dport = self.args.udp_port
        ulen = 8 + len(data)
        pseudo = self.ip + self.guest_ip + struct.pack("!BBH", 0, IPPROTO_UDP, ulen)
        dgram = struct.pack("!HHHH", sport, dport, ulen, 0) + data
        csum = checksum(pseudo + dgram) or 0xFFFF
        dgram = dgram[:6] + struct.pack("!H", csum) + dgram[8:]

        def match(frame):
            if frame.type != ETH_P_IP or len(frame.payload) < 28:
                return False
            p = frame.payload
            ihl = (p[0] & 0xF) * 4
            return (p[9] == IPPROTO_UDP and p[12:16] == self.guest_ip and
                    len(p) >= ihl + 8 and
                    struct.unpack("!HH", p[ihl:ihl + 4]) == (dport, sport))

        def check(frame):
            ip, body = self.check_ip_reply(frame, IPPROTO_UDP)
            if len(body) < 8:
                raise BadFrame("UDP datagram of %d bytes" % len(body))
            _sp, _dp, length, csum = struct.unpack("!HHHH", body[:8])
            if length != len(body):
                raise BadFrame("UDP length %d in %d bytes" % (length, len(body)))
            # pvkit always computes it, though RFC 768 allows none.
            if csum == 0:
                raise BadFrame("UDP checksum missing")
            pseudo_in = ip["src"] + ip["dst"] + struct.pack("!BBH", 0, IPPROTO_UDP, length)
            if checksum(pseudo_in + body):
                raise BadFrame("UDP checksum wrong")
            if body[8:] != data:
                raise BadFrame("echo data: " + first_difference(body[8:], data))

        return self.exchange(lambda: self.send_ipv4(IPPROTO_UDP, dgram),
                             match, check)


class Results:
    def __init__(self):
        self.rows = []          # (protocol, size, sent, good)
        self.failures = []

    def add(self, proto, size, sent, failures):
        self.rows.append((proto, size, sent, sent - len(failures)))
        self.failures.extend(failures)

    def ok(self):
        return not self.failures and all(s == g for _, _, s, g in self.rows)


# Consecutive packets without any reply after which the guest is given up.
MAX_SILENT = 5


def run_sizes(peer, results, proto, sizes, deadline):
    """count packets of each size; False when out of time or guest gone."""
    for size in sizes:
        failures = []
        sent = 0
        for i in range(peer.args.count):
            if time.monotonic() > deadline:
                results.add(proto, size, sent, failures)
                log("FAIL out of time (--total-time %d s)" % peer.args.total_time)
                return False
            if peer.silent >= MAX_SILENT:
                results.add(proto, size, sent, failures)
                log("FAIL the guest stopped answering (%d packets in a row)"
                    % peer.silent)
                return False
            data = bytes(peer.rng.getrandbits(8) for _ in range(size))
            sent += 1
            if proto == "icmp":
                seq = (len(results.rows) * 1000 + i) & 0xFFFF
                what = "seq %d" % seq
                err = peer.ping(seq, data)
            else:
                sport = 20000 + (len(results.rows) * 1000 + i) % 40000
                what = "from port %d" % sport
                err = peer.udp(sport, data)
            peer.silent = peer.silent + 1 if err and err.startswith("no reply") else 0
            if err:
                failures.append("%s %d bytes %s: %s" % (proto, size, what, err))
                log("FAIL %s" % failures[-1])
        results.add(proto, size, sent, failures)
        log("%-4s %4d bytes: %d/%d answered correctly"
            % (proto, size, sent - len(failures), peer.args.count))
    return True


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Host end of pvkit's network echo test over QEMU's "
                    "UDP socket backend (app=netecho in the guest).")
    ap.add_argument("--peer-port", type=int, default=10002,
                    help="UDP port this program binds: QEMU's udp= "
                         "(default %(default)s)")
    ap.add_argument("--qemu-port", type=int, default=10001,
                    help="UDP port QEMU listens on: its localaddr= "
                         "(default %(default)s)")
    ap.add_argument("--guest-ip", default="10.0.2.15",
                    help="the guest's address (default %(default)s)")
    ap.add_argument("--host-ip", default="10.0.2.2",
                    help="this peer's address on the guest's Ethernet "
                         "(default %(default)s, the guest's gateway)")
    ap.add_argument("--peer-mac", default="02:70:76:6b:00:02", type=parse_mac,
                    help="this peer's MAC (default %(default)s)")
    ap.add_argument("--udp-port", type=int, default=7,
                    help="the guest's echo port, echo.port= (default %(default)s)")
    ap.add_argument("--count", type=int, default=10,
                    help="packets of each size and protocol (default %(default)s)")
    ap.add_argument("--timeout", type=float, default=1.0,
                    help="seconds to wait for each reply (default %(default)s)")
    ap.add_argument("--retries", type=int, default=2,
                    help="sends more when a reply does not come (default %(default)s)")
    ap.add_argument("--boot-wait", type=int, default=60,
                    help="seconds to wait for the guest's first ARP reply "
                         "(default %(default)s)")
    ap.add_argument("--total-time", type=int, default=300,
                    help="seconds for the whole test (default %(default)s)")
    ap.add_argument("--seed", type=int, default=None,
                    help="seed of the random data (default: printed)")
    ap.add_argument("--no-quit", action="store_true",
                    help="do not send pvkit-quit at the end")
    ap.add_argument("--any-source-port", action="store_true",
                    help="take QEMU's datagrams from any port of %s (QEMU "
                         "behind a NAT: tests/kvm/)" % LOCALHOST)
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print every frame")
    args = ap.parse_args(argv)
    for name in ("peer_port", "qemu_port"):
        if not 1 <= getattr(args, name) <= 65535:
            ap.error("--%s must be a UDP port" % name.replace("_", "-"))
    if not 1 <= args.udp_port <= 65535:
        ap.error("--udp-port must be a UDP port")
    if args.count < 1 or args.retries < 0 or args.timeout <= 0:
        ap.error("--count must be at least 1, --retries 0 or more, "
                 "--timeout positive")
    for name in ("guest_ip", "host_ip"):
        try:
            ip_bytes(getattr(args, name))
        except OSError:
            ap.error("--%s: not an IPv4 address" % name.replace("_", "-"))
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "little")
    return args


def main(argv):
    args = parse_args(argv)
    try:
        peer = Peer(args)
    except OSError as e:
        log("cannot bind %s:%d: %s" % (LOCALHOST, args.peer_port, e))
        return 1
    start = time.monotonic()
    log("%s (%s) on %s:%d, QEMU at %s:%d, guest %s, seed %d"
        % (args.host_ip, mac_str(peer.mac), LOCALHOST, args.peer_port,
           LOCALHOST, args.qemu_port, args.guest_ip, args.seed))
    if not peer.resolve_guest():
        return 1
    deadline = start + args.total_time
    results = Results()
    completed = (run_sizes(peer, results, "icmp", ICMP_SIZES, deadline) and
               run_sizes(peer, results, "udp", UDP_SIZES, deadline))
    quit_ok = True
    if not args.no_quit and peer.silent < MAX_SILENT:
        err = peer.udp(40000, QUIT_WORD)
        quit_ok = err is None
        log("pvkit-quit: %s" % ("echoed" if quit_ok else "FAIL " + err))
    sent = sum(r[2] for r in results.rows)
    good = sum(r[3] for r in results.rows)
    ok = completed and quit_ok and results.ok()
    log("%s: %d/%d packets answered correctly, %d ARP requests answered, "
        "%d other frames, %.1f s"
        % ("PASS" if ok else "FAIL", good, sent, peer.arp_answered,
           peer.stray, time.monotonic() - start))
    for failure in results.failures[:20]:
        log("  failed: " + failure)
    if len(results.failures) > 20:
        log("  ... and %d more" % (len(results.failures) - 20))
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)

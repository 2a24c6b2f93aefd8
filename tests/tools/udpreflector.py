#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""udpreflector: the host end of pvkit's netbench.

A host on the guest's Ethernet through QEMU's UDP socket backend
(-netdev socket,id=n0,udp=127.0.0.1:PEER_PORT,localaddr=127.0.0.1:QEMU_PORT):
it answers ARP for its address (default 10.0.2.2) and sends every UDP
datagram addressed to it straight back, addresses and ports swapped.
Swapping leaves both the IPv4 header checksum and the UDP checksum valid,
so the payload is returned untouched.  Runs until --time expires or it is
killed, then prints what it reflected.  Traffic stays on 127.0.0.1.
"""
import argparse
import select
import socket
import struct
import time

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806


def parse_mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def arp_reply(frame, my_mac, my_ip):
    """The reply to an ARP request for my_ip, or None."""
    if len(frame) < 42:
        return None
    htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", frame[14:22])
    if (htype, ptype, hlen, plen, op) != (1, ETH_P_IP, 6, 4, 1) or frame[38:42] != my_ip:
        return None
    sha, spa = frame[22:28], frame[28:32]
    return (sha + my_mac + struct.pack("!H", ETH_P_ARP) +
            struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, 2) + my_mac + my_ip + sha + spa)


def reflect(frame, my_ip):
    """The UDP frame sent back, or None if it is not UDP to us."""
    if len(frame) < 42 or frame[23] != 17 or frame[30:34] != my_ip:
        return None
    ihl = (frame[14] & 0xf) * 4
    udp = 14 + ihl
    if len(frame) < udp + 8:
        return None
    f = bytearray(frame)
    f[0:6], f[6:12] = frame[6:12], frame[0:6]
    f[26:30], f[30:34] = frame[30:34], frame[26:30]
    f[udp:udp + 2], f[udp + 2:udp + 4] = frame[udp + 2:udp + 4], frame[udp:udp + 2]
    return bytes(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--peer-port", type=int, required=True)
    ap.add_argument("--qemu-port", type=int, required=True)
    ap.add_argument("--ip", default="10.0.2.2")
    ap.add_argument("--mac", default="02:70:76:6b:00:03", type=parse_mac)
    ap.add_argument("--time", type=float, default=120)
    args = ap.parse_args()
    my_ip = socket.inet_aton(args.ip)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", args.peer_port))
    qemu = ("127.0.0.1", args.qemu_port)
    end = time.monotonic() + args.time
    reflected = arps = 0
    while time.monotonic() < end:
        ready, _, _ = select.select([sock], [], [], 0.5)
        if not ready:
            continue
        frame = sock.recv(65536)
        if len(frame) < 14:
            continue
        ethertype = struct.unpack("!H", frame[12:14])[0]
        out = None
        if ethertype == ETH_P_ARP:
            out = arp_reply(frame, args.mac, my_ip)
            arps += out is not None
        elif ethertype == ETH_P_IP:
            out = reflect(frame, my_ip)
            reflected += out is not None
        if out:
            sock.sendto(out, qemu)
    print(f"udpreflector: {reflected} datagrams reflected, {arps} ARP requests answered")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""An NBD server that loses what was not flushed, for the durability tests.

It serves one file as one export over a Unix socket, speaking the NBD
protocol (the fixed newstyle handshake, simple replies; see the protocol
document "doc/proto.md" of the NBD project) to one client, QEMU's nbd block
driver.  Writes are acknowledged at once but kept in memory only; they
reach the file when the client sends NBD_CMD_FLUSH (all of them) or with
NBD_CMD_FLAG_FUA (that write).  When the client goes away (QEMU killed,
or a clean disconnect) whatever was not flushed is dropped and said so in
the log.  A disk with a volatile write cache and a power cut behind it,
in other words: a guest that reports data durable before its flush was
acknowledged is caught, because its data is not in the file afterwards.

    nbdserver.py serve IMAGE --socket PATH --log LOG [--daemon] [--lifetime S]
    nbdserver.py wait LOG [--timeout S]

serve --daemon listens before it returns (so QEMU can connect at once),
and returns only once its child is in a session of its own (so a caller
that kills its process group on return, as tests/run does after a setup
line, cannot take it down).  The child serves until its client
disconnects or --lifetime seconds have passed; the last log line is
"nbdserver: exit".  wait returns once that line is in the log.

Standard library only.
"""

import argparse
import os
import socket
import struct
import sys
import time

NBDMAGIC = 0x4E42444D41474943           # "NBDMAGIC"
IHAVEOPT = 0x49484156454F5054           # "IHAVEOPT"
REPLY_MAGIC = 0x0003E889045565A9        # option replies
REQUEST_MAGIC = 0x25609513
SIMPLE_REPLY_MAGIC = 0x67446698

FLAG_FIXED_NEWSTYLE = 1 << 0            # handshake flags
FLAG_NO_ZEROES = 1 << 1
FLAG_C_FIXED_NEWSTYLE = 1 << 0          # client flags
FLAG_C_NO_ZEROES = 1 << 1

OPT_EXPORT_NAME = 1
OPT_ABORT = 2
OPT_LIST = 3
OPT_INFO = 6
OPT_GO = 7

REP_ACK = 1
REP_SERVER = 2
REP_INFO = 3
REP_ERR_UNSUP = (1 << 31) + 1
REP_ERR_INVALID = (1 << 31) + 3

INFO_EXPORT = 0
INFO_BLOCK_SIZE = 3

# transmission flags: flush and FUA are what this server is about
TFLAG_HAS_FLAGS = 1 << 0
TFLAG_SEND_FLUSH = 1 << 2
TFLAG_SEND_FUA = 1 << 3
TFLAG_SEND_TRIM = 1 << 5
TFLAG_SEND_WRITE_ZEROES = 1 << 6
TRANSMISSION_FLAGS = (TFLAG_HAS_FLAGS | TFLAG_SEND_FLUSH | TFLAG_SEND_FUA |
                      TFLAG_SEND_TRIM | TFLAG_SEND_WRITE_ZEROES)

CMD_READ = 0
CMD_WRITE = 1
CMD_DISC = 2
CMD_FLUSH = 3
CMD_TRIM = 4
CMD_WRITE_ZEROES = 6
CMD_FLAG_FUA = 1 << 0

EIO = 5
EINVAL = 22
ENOTSUP = 95

MAX_IMAGE = 256 << 20                   # the whole image is held in memory
MAX_REQUEST = 32 << 20                  # NBD's own limit for a payload
MAX_OPTION = 4096


class Closed(Exception):
    """The client went away."""


def recv_exact(conn, count, deadline):
    """count bytes, by the absolute deadline (time.monotonic())."""
    data = bytearray()
    while len(data) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        conn.settimeout(left)
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise Closed()
        data += chunk
    return bytes(data)


class Disk:
    """The file, and what the client sees: the file plus unflushed writes."""

    def __init__(self, path, log):
        self.path = path
        self.log = log
        with open(path, "rb") as file:
            self.view = bytearray(file.read(MAX_IMAGE + 1))
        if len(self.view) > MAX_IMAGE:
            raise ValueError(f"{path}: larger than {MAX_IMAGE} bytes")
        self.dirty = []                 # (offset, length) not yet in the file
        self.writes = self.flushes = 0

    @property
    def size(self):
        return len(self.view)

    def read(self, offset, length):
        return bytes(self.view[offset:offset + length])

    def write(self, offset, data, fua):
        self.view[offset:offset + len(data)] = data
        self.writes += 1
        if fua:
            self._persist([(offset, len(data))])
        else:
            self.dirty.append((offset, len(data)))

    def flush(self):
        count = sum(length for _, length in self.dirty)
        self._persist(self.dirty)
        self.log(f"flush: {count} bytes of {len(self.dirty)} writes to the file")
        self.dirty = []
        self.flushes += 1

    def _persist(self, ranges):
        with open(self.path, "r+b") as file:
            for offset, length in ranges:
                file.seek(offset)
                file.write(self.view[offset:offset + length])
            file.flush()
            os.fsync(file.fileno())

    def drop(self):
        count = sum(length for _, length in self.dirty)
        self.log(f"dropped: {count} bytes of {len(self.dirty)} writes never "
                 f"flushed ({self.writes} writes, {self.flushes} flushes in all)")
        self.dirty = []


class Session:
    """One client: the handshake, then requests until it goes away."""

    def __init__(self, conn, disk, log, deadline):
        self.conn = conn
        self.disk = disk
        self.log = log
        self.deadline = deadline
        self.no_zeroes = False

    def recv(self, count):
        return recv_exact(self.conn, count, self.deadline)

    # ---- handshake ----

    def handshake(self):
        """True once the client is in transmission, False if it left."""
        self.conn.sendall(struct.pack(">QQH", NBDMAGIC, IHAVEOPT,
                                      FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES))
        (flags,) = struct.unpack(">I", self.recv(4))
        if not flags & FLAG_C_FIXED_NEWSTYLE:
            self.log(f"client flags {flags:#x}: not fixed newstyle")
            return False
        self.no_zeroes = bool(flags & FLAG_C_NO_ZEROES)
        while True:
            magic, option, length = struct.unpack(">QII", self.recv(16))
            if magic != IHAVEOPT or length > MAX_OPTION:
                self.log(f"bad option header (magic {magic:#x}, length {length})")
                return False
            data = self.recv(length)
            done = self.option(option, data)
            if done is not None:
                return done

    def reply(self, option, kind, data=b""):
        self.conn.sendall(struct.pack(">QIII", REPLY_MAGIC, option, kind,
                                      len(data)) + data)

    def option(self, option, data):
        """None to go on haggling; True: transmission; False: end."""
        if option == OPT_EXPORT_NAME:
            self.log(f"export {data.decode(errors='replace')!r} (EXPORT_NAME)")
            self.conn.sendall(struct.pack(">QH", self.disk.size, TRANSMISSION_FLAGS)
                              + (b"" if self.no_zeroes else bytes(124)))
            return True
        if option == OPT_ABORT:
            self.reply(option, REP_ACK)
            return False
        if option == OPT_LIST:
            name = b"disk"
            self.reply(option, REP_SERVER, struct.pack(">I", len(name)) + name)
            self.reply(option, REP_ACK)
            return None
        if option in (OPT_INFO, OPT_GO):
            if len(data) < 6:
                self.reply(option, REP_ERR_INVALID)
                return None
            self.reply(option, REP_INFO, struct.pack(
                ">HQH", INFO_EXPORT, self.disk.size, TRANSMISSION_FLAGS))
            self.reply(option, REP_INFO, struct.pack(
                ">HIII", INFO_BLOCK_SIZE, 1, 4096, MAX_REQUEST))
            self.reply(option, REP_ACK)
            if option == OPT_GO:
                self.log("export negotiated (GO)")
                return True
            return None
        # structured replies, meta contexts, TLS: simple replies do
        self.reply(option, REP_ERR_UNSUP)
        return None

    # ---- transmission ----

    def serve(self):
        while True:
            magic, flags, kind, handle, offset, length = struct.unpack(
                ">IHHQQI", self.recv(28))
            if magic != REQUEST_MAGIC:
                self.log(f"bad request magic {magic:#x}")
                return
            if kind == CMD_DISC:
                self.log("disconnect requested")
                return
            payload = b""
            if kind == CMD_WRITE:
                if length > MAX_REQUEST:
                    self.log(f"write of {length} bytes: too large")
                    return
                payload = self.recv(length)
            error, data = self.command(kind, flags, offset, length, payload)
            self.conn.sendall(struct.pack(">IIQ", SIMPLE_REPLY_MAGIC, error,
                                          handle) + data)

    def command(self, kind, flags, offset, length, payload):
        """(error, data to send)."""
        in_range = offset <= self.disk.size and length <= self.disk.size - offset
        if kind == CMD_FLUSH:
            self.disk.flush()
            return 0, b""
        if not in_range:
            return EINVAL, b""
        fua = bool(flags & CMD_FLAG_FUA)
        if kind == CMD_READ:
            if length > MAX_REQUEST:
                return EINVAL, b""
            return 0, self.disk.read(offset, length)
        if kind == CMD_WRITE:
            self.disk.write(offset, payload, fua)
            return 0, b""
        if kind in (CMD_TRIM, CMD_WRITE_ZEROES):
            # both read back as zeros here (trim may; write-zeroes must)
            self.disk.write(offset, bytes(length), fua)
            return 0, b""
        return ENOTSUP, b""


def make_logger(path):
    log_file = open(path, "a", buffering=1, encoding="utf-8")

    def log(text):
        log_file.write(f"{text}\n")
    return log


def serve_one(listener, image, log, lifetime):
    deadline = time.monotonic() + lifetime
    listener.settimeout(lifetime)
    try:
        conn, _ = listener.accept()
    except socket.timeout:
        log(f"no client within {lifetime:g} s")
        return
    disk = Disk(image, log)
    log(f"client connected; {image}: {disk.size} bytes")
    with conn:
        session = Session(conn, disk, log, deadline)
        try:
            if session.handshake():
                session.serve()
        except Closed:
            log("client gone")
        except socket.timeout:
            log(f"lifetime of {lifetime:g} s over")
        except OSError as err:
            log(f"connection: {err}")
        disk.drop()


def cmd_serve(args):
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    open(args.log, "w").close()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(args.socket)
    listener.listen(1)
    log = make_logger(args.log)
    if args.daemon:
        # The caller (tests/run's setup) kills its process group once we
        # return: we return only after the child has left it.
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid:
            os.close(ready_w)
            left = os.read(ready_r, 1)
            os.close(ready_r)
            if not left:
                print(f"nbdserver: daemon (pid {pid}) died before it started")
                return 1
            print(f"nbdserver: serving {args.image} on {args.socket} (pid {pid})")
            return 0
        # Out of the caller's process group and output: it outlives the call.
        os.close(ready_r)
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.write(ready_w, b"+")
        os.close(ready_w)
    try:
        serve_one(listener, args.image, log, args.lifetime)
    finally:
        listener.close()
        os.unlink(args.socket)
        log("nbdserver: exit")
    return 0


def cmd_wait(args):
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        with open(args.log, encoding="utf-8") as file:
            if "nbdserver: exit\n" in file.read():
                return 0
        time.sleep(0.1)
    print(f"nbdserver.py: {args.log}: no 'nbdserver: exit' within "
          f"{args.timeout:g} s", file=sys.stderr)
    return 1


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="nbdserver.py",
        description="An NBD server that keeps writes in memory until a flush.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve", help="serve IMAGE to one client")
    p.add_argument("image")
    p.add_argument("--socket", required=True, help="Unix socket to listen on")
    p.add_argument("--log", required=True)
    p.add_argument("--daemon", action="store_true",
                   help="return once listening; serve in the background")
    p.add_argument("--lifetime", type=float, default=300,
                   help="give up after this many seconds (default 300)")
    p = sub.add_parser("wait", help="wait until a server has exited")
    p.add_argument("log")
    p.add_argument("--timeout", type=float, default=30)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return cmd_serve(args) if args.cmd == "serve" else cmd_wait(args)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Traffic ends for the selftests: one process per role, because starting
Python under an emulated CPU costs far more than the requests themselves.

  serve --ns NAME=NETNS_PATH... [--port P]
      The real servers: for each NAME, sockets in the network namespace at
      NETNS_PATH (one process for all, as sockets keep the namespace they
      were made in) answering every TCP connection and UDP datagram on
      port P (IPv4 and IPv6) with "NAME\\n". A TCP peer gets its answer
      after its first line, then the server closes; when that line is an
      HTTP GET the answer comes as the body of an HTTP/1.0 200 response.
      Prints "ready" once every socket listens.
  request --proto tcp|udp --addr A --port P --count N [--timeout S]
      In the client: N requests, each from a new socket (so a new
      connection for the balancer), printing one answer per line, or
      "error: ..." for a request that got none.
  flood --proto tcp|udp --addr A --port P --seconds S
      Keep requesting until S seconds have passed (or a signal), print the
      number of answers. Keeps traffic running while a test unloads things.
  rawtcp --src A --dst V --dport P --sports FIRST-LAST [--flags S|A]
      One bare TCP segment (IPv4) from each source port in the range, SYN
      or ACK, through a raw socket: a SYN flood without a stack behind it,
      or mid-stream segments of connections the balancer never saw open.
"""

import argparse
import os
import signal
import select
import socket
import sys
import time

REQUEST = b"hello\n"


CLONE_NEWNET = 0x40000000


def setns(path):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


def serve(args):
    answer = {}     # listening or accepted socket fd -> answer bytes
    socks = {}
    poller = select.poll()
    for spec in args.ns:
        name, _, path = spec.partition("=")
        if path:
            setns(path)
        tcp = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        tcp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind(("::", args.port))
        tcp.listen(128)
        udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        udp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        udp.bind(("::", args.port))
        for sk in (tcp, udp):
            socks[sk.fileno()] = sk
            answer[sk.fileno()] = (name + "\n").encode()
            poller.register(sk, select.POLLIN)
    listeners = set(socks)
    bufs = {}
    print("ready", flush=True)
    while True:
        for fd, _ in poller.poll():
            sk = socks[fd]
            # A namespace's link may go down under a request (vrrp.sh
            # crashes a director): its error must not stop the others.
            if fd in listeners and sk.type == socket.SOCK_STREAM:
                try:
                    c, _ = sk.accept()
                except OSError:
                    continue
                socks[c.fileno()] = c
                answer[c.fileno()] = answer[fd]
                bufs[c.fileno()] = b""
                poller.register(c, select.POLLIN)
            elif fd in listeners:
                try:
                    _, peer = sk.recvfrom(65536)
                    sk.sendto(answer[fd], peer)
                except OSError:
                    pass
            else:
                try:
                    data = sk.recv(4096)
                except OSError:
                    data = b""
                bufs[fd] += data
                if b"\n" in bufs[fd] or not data:
                    if data:
                        reply = answer[fd]
                        if bufs[fd].startswith(b"GET "):
                            # a health checker's HTTP GET (vlbd.sh)
                            reply = b"HTTP/1.0 200 OK\r\n\r\n" + reply
                        try:
                            sk.sendall(reply)
                        except OSError:
                            pass
                    poller.unregister(fd)
                    del socks[fd], answer[fd], bufs[fd]
                    sk.close()


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def one_request(proto, addr, port, timeout):
    if proto == "tcp":
        with socket.socket(family(addr), socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect((addr, port))
            s.sendall(REQUEST)
            buf = b""
            while True:
                data = s.recv(4096)
                if not data:
                    break
                buf += data
            return buf.decode().strip()
    with socket.socket(family(addr), socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(REQUEST, (addr, port))
        data, _ = s.recvfrom(65536)
        return data.decode().strip()


def request(args):
    ok = True
    for _ in range(args.count):
        try:
            print(one_request(args.proto, args.addr, args.port, args.timeout))
        except OSError as e:
            print("error: %s" % e)
            ok = False
        sys.stdout.flush()
    return 0 if ok else 1


def flood(args):
    end = time.monotonic() + args.seconds
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(print(answers)))
    answers = 0
    while time.monotonic() < end:
        try:
            one_request(args.proto, args.addr, args.port, 0.5)
            answers += 1
        except OSError:
            pass
    print(answers)
    return 0


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def rawtcp(args):
    import struct
    src = socket.inet_aton(args.src)
    dst = socket.inet_aton(args.dst)
    flags = {"S": 0x02, "A": 0x10}[args.flags]
    first, _, last = args.sports.partition("-")
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.bind((args.src, 0))
    sent = 0
    for sport in range(int(first), int(last or first) + 1):
        hdr = struct.pack("!HHIIBBHHH", sport, args.dport, 1000 + sport,
                          1 if flags & 0x10 else 0, 5 << 4, flags, 64240, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(hdr))
        hdr = hdr[:16] + struct.pack("!H", csum(pseudo + hdr)) + hdr[18:]
        s.sendto(hdr, (args.dst, 0))
        sent += 1
    print(sent)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--ns", action="append", required=True,
                   help="NAME=NETNS_PATH (or just NAME: this namespace)")
    s.add_argument("--port", type=int, default=80)
    for name in ("request", "flood"):
        r = sub.add_parser(name)
        r.add_argument("--proto", choices=("tcp", "udp"), required=True)
        r.add_argument("--addr", required=True)
        r.add_argument("--port", type=int, default=80)
        r.add_argument("--count", type=int, default=1)
        r.add_argument("--timeout", type=float, default=5.0)
        r.add_argument("--seconds", type=float, default=10.0)
    r = sub.add_parser("rawtcp")
    r.add_argument("--src", required=True)
    r.add_argument("--dst", required=True)
    r.add_argument("--dport", type=int, required=True)
    r.add_argument("--sports", required=True)
    r.add_argument("--flags", choices=("S", "A"), default="S")
    args = p.parse_args()
    if args.cmd == "rawtcp":
        return rawtcp(args)
    if args.cmd == "serve":
        serve(args)
        return 0
    if args.cmd == "request":
        return request(args)
    return flood(args)


if __name__ == "__main__":
    sys.exit(main())

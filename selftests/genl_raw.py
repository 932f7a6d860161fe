#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Malformed requests to the vlb generic netlink family, which no vlbadm
command line can produce: missing, oversized, wrongly typed, unknown and
out-of-range attributes. Each must fail with an errno AND an extended-ACK
message (the kernel's explanation that vlbadm prints). Prints KTAP result
lines numbered from --first; the caller checks that nothing changed.

Attribute numbers mirror include/uapi/linux/vlb.h; the service
TCP 10.0.0.1:80 must exist (control.sh made it).
"""

import argparse
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_ACK = 0x1, 0x4
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
NLMSGERR_ATTR_MSG = 1
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2

# include/uapi/linux/vlb.h
CMD_NEW_SERVICE, CMD_SET_SERVICE, CMD_DEL_SERVICE, CMD_GET_SERVICE = 1, 2, 3, 4
CMD_NEW_DEST, CMD_SET_DEST, CMD_DEL_DEST = 5, 6, 7
CMD_SET_CONFIG, CMD_GET_INFO = 11, 13
A_SERVICE, A_DEST, A_TIMEOUT_TCP = 1, 2, 3
SVC_AF, SVC_PROTOCOL, SVC_ADDR, SVC_PORT, SVC_FWMARK = 1, 2, 3, 4, 5
SVC_SCHED, SVC_FLAGS, SVC_TIMEOUT, SVC_NETMASK = 6, 7, 8, 9
DEST_ADDR, DEST_PORT, DEST_AF, DEST_FWD, DEST_WEIGHT = 1, 2, 3, 4, 5
DEST_U_THRESH, DEST_L_THRESH, DEST_TUN_TYPE = 6, 7, 8
AF_INET, AF_INET6, TCP, UDP = 2, 10, 6, 17


def attr(atype, data):
    hdr = struct.pack("=HH", 4 + len(data), atype)
    return hdr + data + b"\0" * (-len(data) % 4)


def nest(atype, *attrs):
    return attr(atype | NLA_F_NESTED, b"".join(attrs))


def u16(t, v):
    return attr(t, struct.pack("=H", v))


def u32(t, v):
    return attr(t, struct.pack("=I", v))


def be16(t, v):
    return attr(t, struct.pack(">H", v))


def string(t, s):
    return attr(t, s.encode() + b"\0")


def ipv4(t, a):
    return attr(t, socket.inet_pton(socket.AF_INET, a))


class Genl:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 0
        err, _, payload = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                       string(CTRL_ATTR_FAMILY_NAME, "vlb"),
                                       want_reply=True)
        if err:
            raise OSError(-err, "cannot resolve the vlb family")
        self.family = None
        for t, data in parse_attrs(payload[4:]):
            if t == CTRL_ATTR_FAMILY_ID:
                self.family = struct.unpack("=H", data[:2])[0]

    def request(self, ftype, cmd, body, want_reply=False):
        """Returns (errno as a negative number or 0, extack message, the
        payload of the first non-error reply)."""
        self.seq += 1
        payload = struct.pack("=BBH", cmd, 1, 0) + body
        msg = struct.pack("=IHHII", 16 + len(payload), ftype,
                          NLM_F_REQUEST | NLM_F_ACK, self.seq, 0) + payload
        self.sock.send(msg)
        reply = b""
        while True:
            data = self.sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, mtype, flags, seq, _ = struct.unpack_from("=IHHII", data, off)
                body = data[off + 16:off + length]
                off += (length + 3) & ~3
                if seq != self.seq:
                    continue
                if mtype == NLMSG_ERROR:
                    err = struct.unpack_from("=i", body)[0]
                    text = ""
                    if flags & NLM_F_ACK_TLVS:
                        orig_len = struct.unpack_from("=I", body, 4)[0]
                        skip = 4 + (16 if flags & NLM_F_CAPPED else (orig_len + 3) & ~3)
                        for t, v in parse_attrs(body[skip:]):
                            if t == NLMSGERR_ATTR_MSG:
                                text = v.rstrip(b"\0").decode(errors="replace")
                    return err, text, reply
                if mtype == NLMSG_DONE:
                    return 0, "", reply
                if not reply:
                    reply = body
                if not want_reply:
                    continue


def parse_attrs(data):
    off = 0
    while off + 4 <= len(data):
        length, atype = struct.unpack_from("=HH", data, off)
        if length < 4:
            break
        yield atype & 0x3fff, data[off + 4:off + length]
        off += (length + 3) & ~3


SVC_ID = (u16(SVC_AF, AF_INET), u16(SVC_PROTOCOL, TCP),
          ipv4(SVC_ADDR, "10.0.0.9"), be16(SVC_PORT, 80))
EXISTING = (u16(SVC_AF, AF_INET), u16(SVC_PROTOCOL, TCP),
            ipv4(SVC_ADDR, "10.0.0.1"), be16(SVC_PORT, 80))
DEST_ID = (ipv4(DEST_ADDR, "10.9.9.9"), be16(DEST_PORT, 80))

# (description, command, body): every one must be refused.
BAD = [
    ("NEW_SERVICE without VLB_A_SERVICE", CMD_NEW_SERVICE, b""),
    ("NEW_SERVICE without an address family", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID[1:], string(SVC_SCHED, "rr"))),
    ("NEW_SERVICE with address family 99", CMD_NEW_SERVICE,
     nest(A_SERVICE, u16(SVC_AF, 99), *SVC_ID[1:])),
    ("NEW_SERVICE with a 5-byte IPv4 address", CMD_NEW_SERVICE,
     nest(A_SERVICE, SVC_ID[0], SVC_ID[1], attr(SVC_ADDR, b"\x0a\0\0\x09\x01"),
          SVC_ID[3])),
    ("NEW_SERVICE with a 16-byte address for IPv4", CMD_NEW_SERVICE,
     nest(A_SERVICE, SVC_ID[0], SVC_ID[1], attr(SVC_ADDR, b"\x0a" * 16),
          SVC_ID[3])),
    ("NEW_SERVICE with a 40-byte scheduler name", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID, string(SVC_SCHED, "r" * 40))),
    ("NEW_SERVICE with a scheduler name lacking its NUL", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID, attr(SVC_SCHED, b"rr"))),
    ("NEW_SERVICE with an undefined flag bit", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID, u32(SVC_FLAGS, 0x40000))),
    ("NEW_SERVICE with an unknown attribute in the service", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID, u32(60, 1))),
    ("NEW_SERVICE with an unknown top-level attribute", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID) + u32(60, 1)),
    ("NEW_SERVICE with a 4-byte port", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID[:3], u32(SVC_PORT, 80))),
    ("NEW_SERVICE with protocol 132 (SCTP)", CMD_NEW_SERVICE,
     nest(A_SERVICE, SVC_ID[0], u16(SVC_PROTOCOL, 132), *SVC_ID[2:])),
    ("NEW_SERVICE persistent with an IPv4 netmask of 33", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID, u32(SVC_FLAGS, 1), u32(SVC_NETMASK, 33))),
    ("NEW_SERVICE persistent with timeout 2678401", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID, u32(SVC_FLAGS, 1), u32(SVC_TIMEOUT, 2678401))),
    ("NEW_SERVICE with both a fwmark and an address", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID, u32(SVC_FWMARK, 7))),
    ("NEW_DEST without a destination address", CMD_NEW_DEST,
     nest(A_SERVICE, *EXISTING) + nest(A_DEST, DEST_ID[1])),
    ("NEW_DEST without VLB_A_SERVICE", CMD_NEW_DEST, nest(A_DEST, *DEST_ID)),
    ("NEW_DEST with forwarding method 7", CMD_NEW_DEST,
     nest(A_SERVICE, *EXISTING) + nest(A_DEST, *DEST_ID, u32(DEST_FWD, 7))),
    ("NEW_DEST with tunnel type 9", CMD_NEW_DEST,
     nest(A_SERVICE, *EXISTING) +
     nest(A_DEST, *DEST_ID, u32(DEST_FWD, 2), attr(DEST_TUN_TYPE, b"\x09"))),
    ("NEW_DEST with weight 2^31", CMD_NEW_DEST,
     nest(A_SERVICE, *EXISTING) + nest(A_DEST, *DEST_ID, u32(DEST_WEIGHT, 1 << 31))),
    ("NEW_DEST with lower threshold above the upper", CMD_NEW_DEST,
     nest(A_SERVICE, *EXISTING) +
     nest(A_DEST, *DEST_ID, u32(DEST_U_THRESH, 5), u32(DEST_L_THRESH, 6))),
    ("NEW_DEST with an IPv4 address of 3 bytes", CMD_NEW_DEST,
     nest(A_SERVICE, *EXISTING) +
     nest(A_DEST, attr(DEST_ADDR, b"\x0a\x09\x09"), DEST_ID[1])),
    ("SET_CONFIG with a TCP timeout of 2678401 s", CMD_SET_CONFIG,
     u32(A_TIMEOUT_TCP, 2678401)),
    # What vlbadm refuses before asking the kernel, asked directly.
    ("NEW_SERVICE with port 0 and no persistence", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID[:3], be16(SVC_PORT, 0), string(SVC_SCHED, "rr"))),
    ("NEW_SERVICE one-packet on TCP", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID, string(SVC_SCHED, "rr"), u32(SVC_FLAGS, 4))),
    ("NEW_SERVICE with an unknown scheduler", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID, string(SVC_SCHED, "nosuch"))),
    ("NEW_SERVICE persistent with timeout 0", CMD_NEW_SERVICE,
     nest(A_SERVICE, *SVC_ID, u32(SVC_FLAGS, 1), u32(SVC_TIMEOUT, 0))),
    ("NEW_SERVICE of a service that exists", CMD_NEW_SERVICE,
     nest(A_SERVICE, *EXISTING, string(SVC_SCHED, "rr"))),
    ("SET_SERVICE of a service that does not exist", CMD_SET_SERVICE,
     nest(A_SERVICE, *SVC_ID, string(SVC_SCHED, "rr"))),
    ("DEL_SERVICE of a service that does not exist", CMD_DEL_SERVICE,
     nest(A_SERVICE, *SVC_ID)),
    ("NEW_DEST to a service that does not exist", CMD_NEW_DEST,
     nest(A_SERVICE, *SVC_ID) + nest(A_DEST, *DEST_ID, u32(DEST_FWD, 0))),
    ("NEW_DEST IPv6 masquerading server of an IPv4 service", CMD_NEW_DEST,
     nest(A_SERVICE, *EXISTING) +
     nest(A_DEST, attr(DEST_ADDR, socket.inet_pton(socket.AF_INET6, "2001:db8::9")),
          DEST_ID[1], u16(DEST_AF, AF_INET6), u32(DEST_FWD, 0))),
    ("NEW_DEST with port 0 on a TCP service", CMD_NEW_DEST,
     nest(A_SERVICE, *EXISTING) +
     nest(A_DEST, DEST_ID[0], be16(DEST_PORT, 0), u32(DEST_FWD, 0))),
    ("SET_DEST of a destination that does not exist", CMD_SET_DEST,
     nest(A_SERVICE, *EXISTING) + nest(A_DEST, *DEST_ID, u32(DEST_WEIGHT, 2))),
    ("DEL_DEST of a destination that does not exist", CMD_DEL_DEST,
     nest(A_SERVICE, *EXISTING) + nest(A_DEST, *DEST_ID)),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--first", type=int, default=1)
    args = p.parse_args()
    n = args.first
    try:
        g = Genl()
    except OSError as e:
        print("not ok %d vlb generic netlink family resolves # %s" % (n, e))
        return 1
    failed = 0
    err, text, _ = g.request(g.family, CMD_GET_INFO, b"")
    if err == 0:
        print("ok %d well-formed GET_INFO succeeds (the encoding is right)" % n)
    else:
        print("not ok %d well-formed GET_INFO succeeds # %s %s" % (n, os.strerror(-err), text))
        failed += 1
    n += 1
    err, text, _ = g.request(g.family, CMD_GET_SERVICE, nest(A_SERVICE, *EXISTING))
    if err == 0:
        print("ok %d well-formed GET_SERVICE of TCP 10.0.0.1:80 succeeds" % n)
    else:
        print("not ok %d well-formed GET_SERVICE of TCP 10.0.0.1:80 succeeds # %s %s"
              % (n, os.strerror(-err), text))
        failed += 1
    n += 1
    for desc, cmd, body in BAD:
        err, text, _ = g.request(g.family, cmd, body)
        if err < 0 and text:
            print("# %s: %s: %s" % (desc, os.strerror(-err), text))
            print("ok %d %s: refused with a message" % (n, desc))
        else:
            why = "accepted" if err == 0 else "%s without an extack message" % os.strerror(-err)
            print("not ok %d %s: refused with a message # %s" % (n, desc, why))
            failed += 1
        n += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

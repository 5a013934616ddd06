#!/usr/bin/env python3
"""On the wire through ktrsbc: the SRTP/SRTCP packets one UA captured as
received from the SBC are byte-identical to packets the other UA captured as
sent (KTR: no per-packet cryptography at the SBC).

usage: sbc_wire_check.py SENDER.pcap MIN-MAX RECEIVER.pcap MIN-MAX MAX_DIFFERENT [rtcp MIN] [port PORT]
(MIN-MAX: the UA's media port range)

A capture (ktrua --capture) holds each UA's sent packets (source port = one
of its own media ports: RTP, and RTCP when it does not mux) and received
packets (destination port = one of its own). The check: the receiver got at
least 50 packets, and all but MAX_DIFFERENT of them appear, byte for byte,
among the sender's sent packets. With "rtcp MIN" only SRTCP counts (second
byte 200..204, RFC 5761 4), at least MIN of them. With "port PORT" only
what the receiver got on PORT counts (after a media move: its new port).
A RECEIVER ending in .hex is a sink_peer.py udphex file: every line a
datagram received (its MIN-MAX is then not used).
"""
import struct
import sys


def records(path):
    d = open(path, "rb").read()
    e = ">" if d[:4] == b"\xa1\xb2\xc3\xd4" else "<"
    off, out = 24, []
    while off + 16 <= len(d):
        _, _, incl, _ = struct.unpack(e + "IIII", d[off:off + 16])
        ip = d[off + 16:off + 16 + incl]
        off += 16 + incl
        hl = (ip[0] & 15) * 4 if ip[0] >> 4 == 4 else 40
        sport, dport, ulen = struct.unpack(">HHH", ip[hl:hl + 6])
        out.append((sport, dport, bytes(ip[hl + 8:hl + ulen])))
    return out


def own_ports(recs, span):
    # The UA's own media ports: the ends of the records inside its range.
    lo, hi = (int(x) for x in span.split("-"))
    ports = {p for s, d, _ in recs for p in (s, d) if lo <= p <= hi}
    if not ports:
        sys.exit("# no record on a port of " + span)
    return ports


def is_rtcp(p):
    return len(p) >= 2 and 200 <= p[1] <= 204


def hex_records(path):
    # sink_peer.py udphex: one received datagram per line, no ports
    return [(0, 0, bytes.fromhex(l)) for l in open(path).read().split()]


def main():
    hexed = sys.argv[3].endswith(".hex")
    snd, allowed = records(sys.argv[1]), int(sys.argv[5])
    rcv = hex_records(sys.argv[3]) if hexed else records(sys.argv[3])
    opts = dict(zip(sys.argv[6::2], sys.argv[7::2]))
    rtcp_only = "rtcp" in opts
    least = int(opts["rtcp"]) if rtcp_only else 50
    only_port = int(opts["port"]) if "port" in opts else None
    sports = own_ports(snd, sys.argv[2])
    rports = {0} if hexed else own_ports(rcv, sys.argv[4])
    sent = {p for s, _, p in snd if s in sports}
    got = [p for s, d, p in rcv if d in rports and (not rtcp_only or is_rtcp(p))
           and (only_port is None or d == only_port)]
    missing = sum(1 for p in got if p not in sent)
    kind = "SRTCP packets" if rtcp_only else "packets"
    if only_port is not None:
        kind += f" on port {only_port}"
    print(f"# receiver got {len(got)} {kind}; {len(got) - missing} byte-identical to sent ones, "
          f"{missing} not")
    sys.exit(0 if len(got) >= least and missing <= allowed else 1)


if __name__ == "__main__":  # sbc_fork_check.py imports records
    main()

#!/usr/bin/env python3
"""Two-time pad check (draft-wing-avt-dtls-srtp-key-transport-02 6.2) over
ktrua's per-stream captures (--capture, LINKTYPE_RAW pcap).

usage: ktrua_streams_check.py [--by-ssrc] FLOWS PCAP...

Every SRTP packet ktrua's pacer sends carries a known plaintext: each
payload byte is the low 8 bits of the packet index (the sequence number's
low byte). XORing the captured ciphertext with it gives the keystream of
that packet, which AES-CM and AES-GCM derive from (master key, salt, SSRC,
index) alone. So if two flows (a stream in one direction) shared a (master
key, SSRC) pair, their keystreams at the same index would be equal. With
every flow starting at the same index (ktrua --first-seq 0), the indices
overlap and the check compares them:

  - exactly FLOWS flows (UDP source/destination port pairs) of SRTP;
  - one SSRC per flow, and no SSRC on two flows;
  - no keystream block on two flows, over at least 50 common indices for
    every pair of flows;
  - a self-test: a copy of the first flow under other ports (the same key
    and SSRC reused) must be caught by the same keystream comparison.

With --by-ssrc a flow is a port pair and an SSRC: BUNDLE (RFC 9143) puts
several streams of one sender on one port pair, each with its own SSRC
under the one DTLS key of its association.

Prints TAP-friendly "# " lines; exit status 0 when every check holds.
"""
import struct
import sys

KS_LEN = 16


def datagrams(path):
    """(sport, dport, payload) of each UDP datagram in a LINKTYPE_RAW pcap."""
    data = open(path, "rb").read()
    if len(data) < 24 or struct.unpack(">I", data[:4])[0] != 0xA1B2C3D4:
        raise ValueError("%s: not a big-endian classic pcap" % path)
    if struct.unpack(">I", data[20:24])[0] != 101:
        raise ValueError("%s: not LINKTYPE_RAW" % path)
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(">I", data[off + 8:off + 12])[0]
        rec = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ver = rec[0] >> 4
        ihl = (rec[0] & 15) * 4 if ver == 4 else 40
        udp = rec[ihl:]
        sport, dport = struct.unpack(">HH", udp[:4])
        yield sport, dport, udp[8:]


def srtp_flows(paths, by_ssrc=False):
    """{(sport, dport[, ssrc]): {seq: (ssrc, keystream)}} of the SRTP
    packets."""
    flows = {}
    for path in paths:
        for sport, dport, d in datagrams(path):
            if len(d) < 12 + KS_LEN or d[0] >> 6 != 2:
                continue
            if 192 <= d[1] <= 223:  # RTCP (RFC 5761 4)
                continue
            cc = d[0] & 15
            hdr = 12 + 4 * cc
            if d[0] & 0x10:  # header extension (RFC 3550 5.3.1)
                hdr += 4 + 4 * struct.unpack(">H", d[hdr + 2:hdr + 4])[0]
            seq, = struct.unpack(">H", d[2:4])
            ssrc, = struct.unpack(">I", d[8:12])
            ct = d[hdr:hdr + KS_LEN]
            if len(ct) < KS_LEN:
                continue
            ks = bytes(c ^ (seq & 0xFF) for c in ct)
            key = (sport, dport, ssrc) if by_ssrc else (sport, dport)
            flows.setdefault(key, {})[seq] = (ssrc, ks)
    return flows


def keystream_reuse(flows):
    """Pairs of flows that share a keystream block at one index."""
    seen = {}
    reused = set()
    for name, pkts in flows.items():
        for seq, (_, ks) in pkts.items():
            other = seen.setdefault((seq, ks), name)
            if other != name:
                reused.add((other, name))
    return reused


def main():
    args = sys.argv[1:]
    by_ssrc = args[:1] == ["--by-ssrc"]
    if by_ssrc:
        args = args[1:]
    want = int(args[0])
    flows = srtp_flows(args[1:], by_ssrc)
    ok = True
    names = sorted(flows)
    print("# flows: %s" % ", ".join(
        "%d->%d: %d packets, ssrc %s" % (f[0], f[1], len(flows[f]),
                                          sorted({v[0] for v in flows[f].values()}))
        for f in names))
    if len(flows) != want:
        print("# %d SRTP flows, expected %d" % (len(flows), want))
        ok = False
    ssrcs = {}
    for f in names:
        s = {v[0] for v in flows[f].values()}
        if len(s) != 1:
            print("# flow %s: %d SSRCs" % (f, len(s)))
            ok = False
        for x in s:
            if x in ssrcs:
                print("# SSRC %08x on flows %s and %s" % (x, ssrcs[x], f))
                ok = False
            ssrcs[x] = f
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            common = len(set(flows[a]) & set(flows[b]))
            if common < 50:
                print("# flows %s and %s share only %d indices" % (a, b, common))
                ok = False
    reused = keystream_reuse(flows)
    for a, b in sorted(reused):
        print("# two-time pad: flows %s and %s share a keystream" % (a, b))
        ok = False
    if names:
        copy = dict(flows)
        copy[(0, 0, 0)] = flows[names[0]]
        if not keystream_reuse(copy):
            print("# self-test: a reused (key, SSRC) went unnoticed")
            ok = False
    print("# two-time pad check: %s" % ("clean" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

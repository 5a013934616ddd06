#!/usr/bin/env python3
"""A forked call through ktrsbc, from ktrua's captures: the caller heard
the first early dialog (fork A) and, once fork B answered, fork B only.

usage: sbc_fork_check.py CALLER.pcap CALLER-PORTS A.pcap A-PORTS B.pcap B-PORTS MIN [CHANGED]

(PORTS: MIN-MAX, the UA's media port range; captures as ktrua --capture
writes them.) The RTP the caller received, by SSRC: at least MIN packets of
A's SSRC, each byte-identical to one A sent (forwarded untouched; but
CHANGED of them, default 0: those transcrypted in the window of a call
from the DTLS side, before the DTLS caller had A), then at
least MIN of B's SSRC, and none of A's after B's first (the relay follows
B; A's packets are dropped by its source check or never sent again).
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbc_wire_check import own_ports, records  # noqa: E402


def rtp(p):
    return len(p) >= 12 and p[0] >> 6 == 2 and not 192 <= p[1] <= 223


def main():
    cr, cp = records(sys.argv[1]), own_ports(records(sys.argv[1]), sys.argv[2])
    a, ap = records(sys.argv[3]), own_ports(records(sys.argv[3]), sys.argv[4])
    b, bp = records(sys.argv[5]), own_ports(records(sys.argv[5]), sys.argv[6])
    least = int(sys.argv[7])
    changed = int(sys.argv[8]) if len(sys.argv) > 8 else 0
    a_sent = {p for s, _, p in a if s in ap and rtp(p)}
    b_ssrc = {struct.unpack(">I", p[8:12])[0] for s, _, p in b if s in bp and rtp(p)}
    a_ssrc = {struct.unpack(">I", p[8:12])[0] for p in a_sent}
    got = [p for _, d, p in cr if d in cp and rtp(p)]
    seq = [("A" if struct.unpack(">I", p[8:12])[0] in a_ssrc else
            "B" if struct.unpack(">I", p[8:12])[0] in b_ssrc else "?", p) for p in got]
    n_a = sum(1 for w, _ in seq if w == "A")
    n_b = sum(1 for w, _ in seq if w == "B")
    other = sum(1 for w, _ in seq if w == "?")
    first_b = next((i for i, (w, _) in enumerate(seq) if w == "B"), len(seq))
    a_after = sum(1 for w, _ in seq[first_b:] if w == "A")
    a_changed = sum(1 for w, p in seq if w == "A" and p not in a_sent)
    print(f"# caller received {n_a} RTP of fork A ({a_changed} not byte-identical), then {n_b} of "
          f"fork B; {a_after} of A after B's first; {other} of another SSRC")
    ok = n_a >= least and n_b >= least and a_after == 0 and a_changed <= changed and other == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

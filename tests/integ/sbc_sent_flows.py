#!/usr/bin/env python3
"""Keep only what a UA sent: copy ktrua captures (LINKTYPE_RAW pcaps, as
--capture writes them) keeping the datagrams whose UDP source port is in the
UA's own media port range.

usage: sbc_sent_flows.py MIN-MAX IN.pcap OUT.pcap [IN.pcap OUT.pcap ...]

Through ktrsbc with KTR the same SRTP packet is captured twice: as sent by
one UA and as received by the other (byte for byte, on other ports). The
two-time pad check (ktrua_streams_check.py) looks for one keystream on two
flows, so it must see each stream in each direction once: the senders'
side. Exit status 0 when every input had at least one sent datagram.
"""
import struct
import sys


def main():
    lo, hi = (int(x) for x in sys.argv[1].split("-"))
    rc = 0
    args = sys.argv[2:]
    for src, dst in zip(args[0::2], args[1::2]):
        data = open(src, "rb").read()
        out = [data[:24]]
        off, kept = 24, 0
        while off + 16 <= len(data):
            incl = struct.unpack(">I", data[off + 8:off + 12])[0]
            rec = data[off:off + 16 + incl]
            ip = rec[16:]
            off += 16 + incl
            ihl = (ip[0] & 15) * 4 if ip[0] >> 4 == 4 else 40
            sport = struct.unpack(">H", ip[ihl:ihl + 2])[0]
            if lo <= sport <= hi:
                out.append(rec)
                kept += 1
        open(dst, "wb").write(b"".join(out))
        print("# %s: %d datagrams sent from %d-%d" % (src, kept, lo, hi))
        if not kept:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())

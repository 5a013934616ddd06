#!/usr/bin/env python3
"""No key material where it may not go (issue 11 point 3).

usage: keyleak_check.py SIP.pcap SBC_PORT DTLS_PORT EXTRA_KEYS LOG...

SIP.pcap is a capture on lo of ktrsbc's SIP port (UDP; dumpcap -P): every
message ktrsbc sent (source port SBC_PORT) and received (destination port
SBC_PORT). (Sofia-SIP's own TPORT_DUMP leaves out the bodies of the
messages it sends.) The keys: every a=crypto inline: key||salt in any of
those messages (the SDES UAs' and ktrsbc's keys, the re-keys among them;
with KTR the DTLS UA gets the same keys in new_srtp_key) plus EXTRA_KEYS
(hex, one a line: the malformed INVITEs' keys, which never parse). A key's pieces: every 16-character
window of its base64 encoding at each of the three byte alignments (the
key starting at offset 0, 1 or 2 of a larger base64 text: the encodings of
key[0:], key[1:], key[2:], without their last, padding-dependent group)
and of its hex encoding, lower and upper case.

Fails (exit 1, naming file and line or message) if a piece of any key is in
  - any LOG (ktrsbc's stderr and stdout at log_level = debug),
  - any SIP message to or from DTLS_PORT (the DTLS side: no a=crypto there),
  - the status line, Warning or Reason header of any response ktrsbc sent.
Also fails if it found fewer than 3 keys in SIPDUMP or if no key's piece is
in the SIP toward the SDES side (the detector would then be blind).
"""
import base64
import re
import struct
import sys


def pcap_messages(path, sbc_port):
    """(direction "sent"/"recv", peer port, text) of every UDP datagram
    from or to sbc_port in a pcap file (Ethernet or Linux cooked)."""
    data = open(path, "rb").read()
    magic = data[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    link = struct.unpack(end + "I", data[20:24])[0]
    l2 = {1: 14, 113: 16, 0: 4}.get(link)
    if l2 is None:
        raise SystemExit("# unknown pcap link type %d" % link)
    out, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ip = pkt[l2:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        udp = ip[(ip[0] & 15) * 4:]
        sport, dport = struct.unpack(">HH", udp[:4])
        text = udp[8:].decode("latin-1")
        if sport == sbc_port:
            out.append(("sent", dport, text))
        elif dport == sbc_port:
            out.append(("recv", sport, text))
    return out


def pieces(key):
    out = set()
    for a in range(3):
        b = base64.b64encode(key[a:]).decode().rstrip("=")
        b = b[:len(b) - 3] if len(key[a:]) % 3 else b
        for i in range(0, len(b) - 15):
            out.add(b[i:i + 16])
    for h in (key.hex(), key.hex().upper()):
        for i in range(0, len(h) - 15):
            out.add(h[i:i + 16])
    return out


def main():
    pcap, sbc_port, dtls_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    extra, logs = sys.argv[4], sys.argv[5:]
    msgs = pcap_messages(pcap, sbc_port)
    keys = set()
    for _, _, text in msgs:
        for k in re.findall(r"inline:([A-Za-z0-9+/]+={0,2})", text):
            try:
                keys.add(base64.b64decode(k))
            except Exception:
                pass
    n_sip = len(keys)
    for line in open(extra):
        if line.strip():
            keys.add(bytes.fromhex(line.strip()))
    allp = {}
    for k in keys:
        for p in pieces(k):
            allp[p] = k
    bad = 0
    print("# %d SIP messages, %d keys in them, %d keys in all, %d pieces"
          % (len(msgs), n_sip, len(keys), len(allp)))

    def scan(where, text):
        nonlocal bad
        for p in allp:
            if p in text:
                bad += 1
                print("# LEAK: a piece (%s...) of a key in %s" % (p[:4], where))
                return True
        return False

    for path in logs:
        for i, line in enumerate(open(path, "rb").read().decode("latin-1").splitlines()):
            scan("%s:%d: %s" % (path, i + 1, line[:100]), line)
    sdes_seen = False
    for d, peer, text in msgs:
        if peer == dtls_port:
            scan("SIP %s port %d: %s" % (d, peer, text.split("\r\n")[0]), text)
        elif d == "sent" and any(p in text for p in allp):
            sdes_seen = True
        if d == "sent" and text.startswith("SIP/2.0 "):
            hdrs = text.split("\r\n\r\n")[0].split("\r\n")
            for h in [hdrs[0]] + [h for h in hdrs[1:]
                                  if h.lower().startswith(("warning:", "reason:"))]:
                scan("reason of a response to port %d: %s" % (peer, h[:100]), h)
    if n_sip < 3:
        print("# only %d keys found in ktrsbc's SIP: nothing to look for" % n_sip)
        bad += 1
    if not sdes_seen:
        print("# no key found in ktrsbc's SIP toward the SDES side: the detector is blind")
        bad += 1
    sys.exit(1 if bad else 0)


main()

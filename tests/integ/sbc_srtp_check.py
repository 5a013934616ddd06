#!/usr/bin/env python3
"""The SDES leg of a call through ktrsbc, checked from a capture with the
keys of its SDP (RFC 4568): every SRTP and SRTCP packet each side sent
authenticates with the key that side put in its offer or answer, its SRTP
decrypts to PCMU carrying the 440 Hz tone both test UAs send, and none
authenticates with the other direction's key (a control: the check can
fail).

usage: sbc_srtp_check.py CAPTURE.pcap UA_SIP_PORT SBC_SIP_PORT MIN_RTP

CAPTURE.pcap: pcap (not pcapng) of lo with the SIP between the UA and
ktrsbc (UDP, UA_SIP_PORT <-> SBC_SIP_PORT) and the media. The first
INVITE/200 pair between the two ports with SDP is the offer and answer;
the offerer sends with the key of its a=crypto whose tag the answer chose,
the answerer with its answer's key (RFC 4568 5.1, 6.1). Media endpoints:
each SDP's c= address and m=audio port (and port + 1 without a=rtcp-mux).

SRTP (RFC 3711): AES_CM_128_HMAC_SHA1_80 / _32, key derivation rate 0
(4.3.1), the ROC followed per SSRC (Appendix A), SRTCP index and E flag
from the trailer (3.4). Exit 0 when, in each direction, at least MIN_RTP
RTP packets and one SRTCP packet arrived and all of them authenticate.
RTCP sent in the clear (a compound packet without SRTCP trailer) is
counted apart: the UA may send some (baresip 1.0 sends an APP packet
before its SRTP session is keyed and its BYE after it is torn down);
ktrsbc must send none.
"""
import base64
import hashlib
import hmac
import math
import re
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TAG_LEN = {"AES_CM_128_HMAC_SHA1_80": 10, "AES_CM_128_HMAC_SHA1_32": 4}


def udp_records(path):
    """(src_ip, sport, dst_ip, dport, payload) of every IPv4 UDP record."""
    d = open(path, "rb").read()
    magic = d[:4]
    if magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    elif magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    else:
        sys.exit("# not a pcap file (pcapng? capture with dumpcap -P)")
    link = struct.unpack(e + "I", d[20:24])[0]
    skip = {0: 4, 1: 14, 113: 16, 276: 20}.get(link)
    if skip is None:
        sys.exit(f"# unsupported link type {link}")
    off, out = 24, []
    while off + 16 <= len(d):
        incl = struct.unpack(e + "I", d[off + 8:off + 12])[0]
        frame = d[off + 16:off + 16 + incl]
        off += 16 + incl
        ip = frame[skip:]
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        hl = (ip[0] & 15) * 4
        src, dst = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
        sport, dport, ulen = struct.unpack(">HHH", ip[hl:hl + 6])
        out.append((src, sport, dst, dport, bytes(ip[hl + 8:hl + ulen])))
    return out


def sdp_of(msg):
    """(first line, parsed SDP) of a SIP message with an SDP body, or None."""
    text = msg.decode("latin-1")
    if "\r\n\r\n" not in text or not re.search(r"(?im)^content-type:\s*application/sdp", text):
        return None
    head, body = text.split("\r\n\r\n", 1)
    conn = re.search(r"(?m)^c=IN IP4 (\S+)", body)
    media = re.search(r"(?m)^m=audio (\d+) (\S+)", body)
    cryptos = {int(t): (s, base64.b64decode(k + "=" * (-len(k) % 4)))
               for t, s, k in re.findall(r"(?m)^a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)", body)}
    if not conn or not media:
        return None
    return head.split("\r\n", 1)[0], {
        "addr": conn.group(1), "port": int(media.group(1)), "proto": media.group(2),
        "mux": re.search(r"(?m)^a=rtcp-mux\s*$", body) is not None, "crypto": cryptos}


def aes_ctr(key, iv, data):
    c = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return c.update(data) + c.finalize()


def derive(master_key, master_salt, label, n):
    """RFC 3711 4.3.1 with kdr 0: AES-CM PRF at x = label XOR salt."""
    x = bytearray(master_salt)
    x[7] ^= label
    return aes_ctr(master_key, bytes(x) + b"\0\0", bytes(n))


class Keys:
    def __init__(self, suite, keysalt):
        if suite not in TAG_LEN or len(keysalt) != 30:
            sys.exit(f"# unsupported a=crypto {suite} ({len(keysalt)} bytes)")
        mk, ms = keysalt[:16], keysalt[16:]
        self.tag = TAG_LEN[suite]
        self.rtp = (derive(mk, ms, 0, 16), derive(mk, ms, 1, 20), derive(mk, ms, 2, 14))
        self.rtcp = (derive(mk, ms, 3, 16), derive(mk, ms, 4, 20), derive(mk, ms, 5, 14))


def iv_of(salt, ssrc, index):
    iv = bytearray(salt + b"\0\0")
    for i, b in enumerate(struct.pack(">I", ssrc)):
        iv[4 + i] ^= b
    for i, b in enumerate(struct.pack(">Q", index)[2:]):
        iv[8 + i] ^= b
    return bytes(iv)


def rtp_payload_off(p):
    off = 12 + 4 * (p[0] & 15)
    if p[0] & 0x10:
        off += 4 + 4 * struct.unpack(">H", p[off + 2:off + 4])[0]
    return off


def rtp_open(k, p, roc):
    """Decrypted payload if p authenticates with k under roc, else None."""
    enc, auth, salt = k.rtp
    body, tag = p[:-k.tag], p[-k.tag:]
    mac = hmac.new(auth, body + struct.pack(">I", roc), hashlib.sha1).digest()[:k.tag]
    if not hmac.compare_digest(mac, tag):
        return None
    seq, ssrc = struct.unpack(">H", p[2:4])[0], struct.unpack(">I", p[8:12])[0]
    off = rtp_payload_off(p)
    return aes_ctr(enc, iv_of(salt, ssrc, (roc << 16) | seq), body[off:])


def rtcp_ok(k, p):
    auth = k.rtcp[1]
    if len(p) < 8 + 4 + 10:
        return False
    body, tag = p[:-10], p[-10:]
    return hmac.compare_digest(hmac.new(auth, body, hashlib.sha1).digest()[:10], tag)


def plain_rtcp(p):
    """A compound RTCP packet with nothing after it: no SRTCP index and tag
    (RFC 3711 3.4), so sent in the clear."""
    off = 0
    while off + 4 <= len(p) and p[off] >> 6 == 2:
        off += 4 + 4 * struct.unpack(">H", p[off + 2:off + 4])[0]
    return off == len(p)


def ulaw(b):
    b = ~b & 0xFF
    t = (((b & 0x0F) << 3) + 0x84) << ((b & 0x70) >> 4)
    return (0x84 - t) if b & 0x80 else (t - 0x84)


def tone_ratio(samples, f, rate=8000):
    """Goertzel power at f over the mean power at 12 other frequencies."""
    def power(freq):
        w = 2 * math.cos(2 * math.pi * freq / rate)
        s1 = s2 = 0.0
        for x in samples:
            s1, s2 = x + w * s1 - s2, s1
        return s1 * s1 + s2 * s2 - w * s1 * s2
    others = [power(g) for g in (150, 250, 330, 700, 900, 1100, 1400, 1700, 2100, 2500, 3000, 3500)]
    return power(f) / (sum(others) / len(others) + 1e-9)


class Direction:
    def __init__(self, name, keys, wrong):
        self.name, self.keys, self.wrong = name, keys, wrong
        self.rtp_ok = self.rtp_bad = self.rtcp_ok = self.rtcp_bad = self.wrong_ok = self.plain = 0
        self.roc, self.last, self.samples = {}, {}, []

    def rtp(self, p):
        ssrc, seq = struct.unpack(">I", p[8:12])[0], struct.unpack(">H", p[2:4])[0]
        roc, last = self.roc.get(ssrc, 0), self.last.get(ssrc)
        guess = roc
        if last is not None:  # RFC 3711 Appendix A
            if last < 32768 and seq - last > 32768:
                guess = roc - 1
            elif last >= 32768 and last - 32768 > seq:
                guess = roc + 1
        pl = rtp_open(self.keys, p, max(guess, 0))
        if pl is None:
            self.rtp_bad += 1
        else:
            self.rtp_ok += 1
            if guess >= roc and (last is None or guess > roc or seq > last):
                self.roc[ssrc], self.last[ssrc] = max(guess, 0), seq
            if p[1] & 0x7F == 0 and len(self.samples) < 16000:
                self.samples += [ulaw(b) for b in pl]
        self.wrong_ok += rtp_open(self.wrong, p, max(guess, 0)) is not None

    def rtcp(self, p):
        if plain_rtcp(p):
            self.plain += 1
            return
        if rtcp_ok(self.keys, p):
            self.rtcp_ok += 1
        else:
            self.rtcp_bad += 1
        self.wrong_ok += rtcp_ok(self.wrong, p)


def main():
    path, ua_sip, sbc_sip, least = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    recs = udp_records(path)
    offer = answer = None
    for _, sp, _, dp, pl in recs:
        if {sp, dp} != {ua_sip, sbc_sip}:
            continue
        got = sdp_of(pl)
        if not got:
            continue
        first, sdp = got
        sdp["from_ua"] = sp == ua_sip
        if offer is None and first.startswith("INVITE "):
            offer = sdp
        elif offer is not None and answer is None and first.startswith("SIP/2.0 200"):
            answer = sdp
            break
    if not offer or not answer or len(answer["crypto"]) != 1:
        sys.exit("# no INVITE/200 pair with SDES SDP between the UA and ktrsbc")
    tag, (a_suite, a_key) = next(iter(answer["crypto"].items()))
    if tag not in offer["crypto"]:
        sys.exit(f"# the answer's a=crypto tag {tag} is not in the offer")
    o_suite, o_key = offer["crypto"][tag]
    mux = offer["mux"] and answer["mux"]
    ends = []
    for sdp, suite, key in ((offer, o_suite, o_key), (answer, a_suite, a_key)):
        ports = {sdp["port"]} if mux else {sdp["port"], sdp["port"] + 1}
        ends.append((sdp["addr"], ports, Keys(suite, key), "UA" if sdp["from_ua"] else "SBC"))
    print(f"# offer {'UA' if offer['from_ua'] else 'SBC'} {offer['proto']} tag {tag} {o_suite}; "
          f"answer {answer['proto']} {a_suite}; rtcp-mux {mux}")
    dirs = []
    for i in (0, 1):
        src, dst = ends[i], ends[1 - i]
        d = Direction(f"{src[3]} -> {dst[3]}", src[2], dst[2])
        for s, sp, t, dp, pl in recs:
            if s != src[0] or sp not in src[1] or t != dst[0] or dp not in dst[1] or len(pl) < 12:
                continue
            if pl[0] >> 6 != 2:
                continue
            if 192 <= pl[1] <= 223:  # RFC 5761 4
                d.rtcp(pl)
            else:
                d.rtp(pl)
        dirs.append(d)
    ok = True
    for d in dirs:
        ratio = tone_ratio(d.samples[:8000], 440) if len(d.samples) >= 4000 else 0.0
        # plain RTCP: baresip sends an APP packet before its SRTP session
        # is keyed and its BYE after it is gone; ktrsbc must send none
        good = (d.rtp_ok >= least and d.rtp_bad == 0 and d.rtcp_ok >= 1 and d.rtcp_bad == 0
                and d.wrong_ok == 0 and ratio > 20 and (d.name.startswith("UA") or not d.plain))
        ok &= good
        print(f"# {d.name}: SRTP {d.rtp_ok} authenticated, {d.rtp_bad} not; SRTCP {d.rtcp_ok} "
              f"authenticated, {d.rtcp_bad} not, {d.plain} plain RTCP; with the other side's key {d.wrong_ok}; "
              f"440 Hz tone/other bands {ratio:.0f}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

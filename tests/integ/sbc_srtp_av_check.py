#!/usr/bin/env python3
"""The SDES leg of an audio+video call through ktrsbc, checked from a
capture with the keys of each m-line's a=crypto (RFC 4568), as
sbc_srtp_check.py does for audio alone (its SRTP code is used here).

usage: sbc_srtp_av_check.py CAPTURE.pcap UA_SIP_PORT SBC_SIP_PORT MIN_AUDIO MIN_VIDEO

The first INVITE/200 pair with SDP between UA_SIP_PORT and SBC_SIP_PORT
is the offer and answer. For every m-line both kept (port not 0) that is
audio or video: the offerer sends with the key of its a=crypto whose tag
the answer chose on that m-line, the answerer with its answer's key; the
media endpoints are each SDP's c= address and that m-line's port (+1
without a=rtcp-mux). Exit 0 when, in each direction of each stream:
  - at least MIN_AUDIO (audio) or MIN_VIDEO (video) RTP packets and one
    SRTCP packet arrived and all of them authenticate;
  - none authenticates with the other direction's key of the m-line nor
    with a key of another m-line (a control: the check can fail; and each
    stream has keys of its own, RFC 4568 6.1);
  - audio decrypts to PCMU carrying the 440 Hz tone (the UAs' source);
  - video decrypts to VP8 (RFC 7741): at least one key frame whose
    payload header holds the VP8 start code 9d 01 2a (RFC 6386 9.1), and
    every frame start shows a sane frame tag (version <= 3, show_frame).
Plain RTCP (no SRTCP trailer) is counted apart, allowed from the UA only.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sbc_srtp_check as sc  # noqa: E402

import base64  # noqa: E402
import re  # noqa: E402


def sdp_streams(msg):
    """(first line, [stream dict]) of a SIP message with SDP, or None."""
    text = msg.decode("latin-1")
    if "\r\n\r\n" not in text or not re.search(r"(?im)^content-type:\s*application/sdp", text):
        return None
    head, body = text.split("\r\n\r\n", 1)
    parts = re.split(r"(?m)^(?=m=)", body)
    sess_c = re.search(r"(?m)^c=IN IP4 (\S+)", parts[0])
    out = []
    for p in parts[1:]:
        m = re.match(r"m=(\S+) (\d+) (\S+)", p)
        c = re.search(r"(?m)^c=IN IP4 (\S+)", p) or sess_c
        cryptos = {int(t): (s, base64.b64decode(k + "=" * (-len(k) % 4)))
                   for t, s, k in re.findall(r"(?m)^a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)", p)}
        out.append({"kind": m.group(1), "port": int(m.group(2)), "proto": m.group(3),
                    "addr": c.group(1) if c else None,
                    "mux": re.search(r"(?m)^a=rtcp-mux\s*$", p) is not None, "crypto": cryptos})
    return head.split("\r\n", 1)[0], out


def vp8_frame_start(pl):
    """For a VP8 RTP payload (RFC 7741 4.2): None if it does not start a
    frame (S=0 or PID != 0), else (key_frame, sane, start_code_ok)."""
    if len(pl) < 1:
        return None
    b0 = pl[0]
    if not (b0 & 0x10) or (b0 & 0x07):
        return None
    off = 1
    if b0 & 0x80:  # X: extension byte
        if len(pl) < 2:
            return (False, False, False)
        x = pl[1]
        off = 2
        if x & 0x80:  # I: picture id, 7 or 15 bits
            off += 2 if len(pl) > off and pl[off] & 0x80 else 1
        if x & 0x40:  # L
            off += 1
        if x & 0x30:  # T or K
            off += 1
    hdr = pl[off:off + 10]
    if len(hdr) < 3:
        return (False, False, False)
    key = (hdr[0] & 1) == 0
    version = (hdr[0] >> 1) & 7
    show = (hdr[0] >> 4) & 1
    sane = version <= 3 and show == 1
    start = key and len(hdr) >= 6 and hdr[3:6] == b"\x9d\x01\x2a"
    return (key, sane, start)


class Flow(sc.Direction):
    """One direction of one stream; the keys of every other (m-line,
    direction) are controls."""

    def __init__(self, name, keys, others, video):
        super().__init__(name, keys, others[0])
        self.others, self.video = others, video
        self.keyframes = self.frames = self.bad_tags = 0

    def rtp(self, p):
        before = self.rtp_ok
        super().rtp(p)  # counts; wrong_ok against others[0]
        for k in self.others[1:]:
            self.wrong_ok += any(sc.rtp_open(k, p, r) is not None for r in (0, 1))
        if not self.video or self.rtp_ok == before:
            return
        ssrc = struct.unpack(">I", p[8:12])[0]
        roc = self.roc.get(ssrc, 0)
        pl = None
        for r in (roc, roc - 1, roc + 1):
            if r >= 0 and pl is None:
                pl = sc.rtp_open(self.keys, p, r)
        fs = vp8_frame_start(pl) if pl is not None else None
        if fs is None:
            return
        self.frames += 1
        self.keyframes += fs[2]
        self.bad_tags += not fs[1]

    def rtcp(self, p):
        super().rtcp(p)
        for k in self.others[1:]:
            self.wrong_ok += sc.rtcp_ok(k, p)


def main():
    path, ua_sip, sbc_sip = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    least = {"audio": int(sys.argv[4]), "video": int(sys.argv[5])}
    recs = sc.udp_records(path)
    offer = answer = None
    for _, sp, _, dp, pl in recs:
        if {sp, dp} != {ua_sip, sbc_sip}:
            continue
        got = sdp_streams(pl)
        if not got:
            continue
        first, streams = got
        if offer is None and first.startswith("INVITE "):
            offer = (sp == ua_sip, streams)
        elif offer is not None and answer is None and first.startswith("SIP/2.0 200"):
            answer = (sp == ua_sip, streams)
            break
    if not offer or not answer:
        sys.exit("# no INVITE/200 pair with SDP between the UA and ktrsbc")
    # every kept audio/video m-line: its two ends (addr, ports, keys, who)
    streams = []
    for i, (o, a) in enumerate(zip(offer[1], answer[1])):
        if a["port"] == 0 or o["kind"] not in least:
            continue
        if len(a["crypto"]) != 1:
            sys.exit(f"# m-line {i}: the answer has {len(a['crypto'])} a=crypto lines")
        tag, (a_suite, a_key) = next(iter(a["crypto"].items()))
        if tag not in o["crypto"]:
            sys.exit(f"# m-line {i}: the answer's a=crypto tag {tag} is not in the offer")
        o_suite, o_key = o["crypto"][tag]
        mux = o["mux"] and a["mux"]
        ends = []
        for sdp, suite, key, from_ua in ((o, o_suite, o_key, offer[0]), (a, a_suite, a_key, answer[0])):
            ports = {sdp["port"]} if mux else {sdp["port"], sdp["port"] + 1}
            ends.append((sdp["addr"], ports, sc.Keys(suite, key), "UA" if from_ua else "SBC", key))
        print(f"# m-line {i} {o['kind']}: offer {o['proto']} tag {tag} {o_suite}; answer {a['proto']} "
              f"{a_suite}; rtcp-mux {mux}; ports {sorted(ends[0][1])} / {sorted(ends[1][1])}")
        streams.append((i, o["kind"], ends))
    kinds = sorted(k for _, k, _ in streams)
    if kinds != ["audio", "video"]:
        sys.exit(f"# want one audio and one video stream kept, got {kinds}")
    raw = [e[4] for _, _, ends in streams for e in ends]
    distinct = len(set(raw)) == len(raw)
    print(f"# {len(raw)} SDES keys on the leg, all distinct: {distinct}")
    ok = distinct
    for i, kind, ends in streams:
        for d in (0, 1):
            src, dst = ends[d], ends[1 - d]
            others = [dst[2]] + [e[2] for j, _, es in streams if j != i for e in es]
            f = Flow(f"{kind} {src[3]} -> {dst[3]}", src[2], others, kind == "video")
            for s, sp, t, dp, pl in recs:
                if s != src[0] or sp not in src[1] or t != dst[0] or dp not in dst[1] or len(pl) < 12:
                    continue
                if pl[0] >> 6 != 2:
                    continue
                if 192 <= pl[1] <= 223:  # RFC 5761 4
                    f.rtcp(pl)
                else:
                    f.rtp(pl)
            good = (f.rtp_ok >= least[kind] and f.rtp_bad == 0 and f.rtcp_ok >= 1 and
                    f.rtcp_bad == 0 and f.wrong_ok == 0 and (f.name.split()[1] == "UA" or not f.plain))
            extra = ""
            if kind == "audio":
                ratio = sc.tone_ratio(f.samples[:8000], 440) if len(f.samples) >= 4000 else 0.0
                good &= ratio > 20
                extra = f"; 440 Hz tone/other bands {ratio:.0f}"
            else:
                good &= f.keyframes >= 1 and f.bad_tags == 0 and f.frames >= 10
                extra = (f"; VP8 frame starts {f.frames}, key frames with the start code "
                         f"{f.keyframes}, bad frame tags {f.bad_tags}")
            ok &= good
            print(f"# {f.name}: SRTP {f.rtp_ok} authenticated, {f.rtp_bad} not; SRTCP {f.rtcp_ok} "
                  f"authenticated, {f.rtcp_bad} not, {f.plain} plain RTCP; with another key "
                  f"{f.wrong_ok}{extra}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

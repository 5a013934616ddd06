#!/usr/bin/env python3
"""Early media on the SDES leg of a call through ktrsbc, from a capture of
lo: the media that crossed between the SDES UA and ktrsbc BEFORE the 200
answered the INVITE authenticates and decrypts with the keys of the SDP
offer and of the 183's early answer (RFC 4568, RFC 3711), in both
directions, and none with the other direction's key (a control: the check
can fail).

usage: sbc_early_check.py CAPTURE.pcap UA_SIP_PORT SBC_SIP_PORT MIN_RTP [reliable|unreliable]

Between the two SIP ports: the first INVITE with SDP is the offer (either
way), the first 183 with SDP the other way is the early answer, the 200
whose CSeq names INVITE the answer. The offerer sends with the key of its
a=crypto whose tag the 183 chose, the answerer with the 183's key. Only the
SRTP/SRTCP records captured before the 200 count. "reliable": the 183
carried Require: 100rel and an RSeq, a PRACK naming it (RAck) went the
other way before the 200, and the 200 carried no SDP (RFC 3262 5: the
exchange completed in the 183). "unreliable": no RSeq, no PRACK, and the
200 repeated the 183's SDP byte for byte (RFC 3261 13.2.1).
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbc_srtp_check import Keys, directions, sdp_of, udp_records  # noqa: E402


def header(text, name):
    m = re.search(r"(?im)^" + name + r"\s*:\s*(.*)$", text)
    return m.group(1).strip() if m else None


def body(text):
    return text.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in text else ""


def main():
    path, ua_sip, sbc_sip, least = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    mode = sys.argv[5] if len(sys.argv) > 5 else None
    recs = udp_records(path)
    offer = early = None
    i200 = None
    r183 = prack = False
    ans_body = sdp200 = None
    for i, (_, sp, _, dp, pl) in enumerate(recs):
        if {sp, dp} != {ua_sip, sbc_sip}:
            continue
        text = pl.decode("latin-1")
        first = text.split("\r\n", 1)[0]
        got = sdp_of(pl)
        if offer is None and first.startswith("INVITE ") and got:
            offer = dict(got[1], sport=sp)
        elif offer and early is None and first.startswith("SIP/2.0 183") and got and sp != offer["sport"]:
            early = got[1]
            ans_body = body(text)
            r183 = header(text, "RSeq") is not None and "100rel" in (header(text, "Require") or "")
        elif early and first.startswith("PRACK ") and sp == offer["sport"] and header(text, "RAck"):
            prack = True
        elif early and first.startswith("SIP/2.0 200") and "INVITE" in (header(text, "CSeq") or ""):
            i200 = i
            sdp200 = body(text) if got else None
            break
    if not offer or not early or i200 is None or len(early["crypto"]) != 1:
        sys.exit("# no INVITE (SDES SDP), 183 with SDP and 200 between the UA and ktrsbc")
    tag, (e_suite, e_key) = next(iter(early["crypto"].items()))
    if tag not in offer["crypto"]:
        sys.exit(f"# the 183's a=crypto tag {tag} is not in the offer")
    o_suite, o_key = offer["crypto"][tag]
    ends = []
    for sdp, suite, key, who in ((offer, o_suite, o_key, "offerer"), (early, e_suite, e_key, "183")):
        ports = {sdp["port"]} if sdp["mux"] else {sdp["port"], sdp["port"] + 1}
        ends.append((sdp["addr"], ports, Keys(suite, key), who))
    ok = True
    for d in directions(recs[:i200], ends):
        good = d.rtp_ok >= least and d.rtp_bad == 0 and d.rtcp_bad == 0 and d.wrong_ok == 0
        ok &= good
        print(f"# before the 200, {d.name}: SRTP {d.rtp_ok} authenticated, {d.rtp_bad} not; "
              f"SRTCP {d.rtcp_ok}/{d.rtcp_bad}; with the other key {d.wrong_ok}: {'ok' if good else 'FAIL'}")
    print(f"# 183: {'reliable (RSeq)' if r183 else 'unreliable'}; PRACK {'seen' if prack else 'none'}; "
          f"200: {'no SDP' if sdp200 is None else ('the 183 SDP again' if sdp200 == ans_body else 'another SDP')}")
    if mode == "reliable":
        ok &= r183 and prack and sdp200 is None
    elif mode == "unreliable":
        ok &= not r183 and not prack and sdp200 == ans_body
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

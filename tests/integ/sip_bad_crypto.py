#!/usr/bin/env python3
"""INVITEs whose a=crypto is malformed around a real random key, sent over
UDP to ktrsbc from the SDES trunk's address: with and without a key-method,
with a lifetime and an MKI after the key, a bad lifetime, MKI, base64, key
length or suite. Each one's key (hex, one a line) goes to KEYS and each
final response (status line and headers) to RESPONSES, so that
keyleak_check.py can look for the keys in ktrsbc's logs and replies.

usage: sip_bad_crypto.py SBC_PORT LOCAL_PORT KEYS RESPONSES
Exit status: 0 when every INVITE got a final response that is not 2xx.

       sip_bad_crypto.py uas LOCAL_PORT KEYS SECONDS
The other way round: a UAS on LOCAL_PORT answering each INVITE with 200 OK
whose a=crypto is the next malformed variant (keys to KEYS), answering BYE
with 200, for SECONDS. Prints the number of INVITEs answered.
"""
import base64
import os
import socket
import sys
import time

SUITE = "AES_CM_128_HMAC_SHA1_80"


def variants():
    """(name, a=crypto value, key bytes) around fresh 30-byte keys."""
    out = []

    def k(n=30):
        b = os.urandom(n)
        return b, base64.b64encode(b).decode()

    b, s = k(); out.append(("no key-method, lifetime and MKI after the key", "1 %s %s|2^20|1:4" % (SUITE, s), b))
    b, s = k(); out.append(("no key-method, MKI only", "1 %s %s|1:4" % (SUITE, s), b))
    b, s = k(); out.append(("no key-method at all", "1 %s %s" % (SUITE, s), b))
    b, s = k(); out.append(("unknown key-method", "1 %s bogus:%s|2^20|1:4" % (SUITE, s), b))
    b, s = k(); out.append(("field after the MKI", "1 %s inline:%s|2^20|1:4|7" % (SUITE, s), b))
    b, s = k(); out.append(("two lifetimes", "1 %s inline:%s|2^20|2^21" % (SUITE, s), b))
    b, s = k(); out.append(("lifetime over 2^48", "1 %s inline:%s|2^99|1:4" % (SUITE, s), b))
    b, s = k(); out.append(("MKI length out of range", "1 %s inline:%s|2^20|1:9999" % (SUITE, s), b))
    b, s = k(26); out.append(("key||salt too short", "1 %s inline:%s|2^20|1:4" % (SUITE, s), b))
    b, s = k(); out.append(("bad base64", "1 %s inline:%s!|2^20" % (SUITE, s), b))
    b, s = k(); out.append(("unknown suite", "1 FOO_BAR_SUITE inline:%s|2^20|1:4" % s, b))
    b, s = k(); out.append(("bad session parameter", "1 %s inline:%s|2^20|1:4 KDR=99" % (SUITE, s), b))
    b, s = k(); out.append(("bad tag", "x1 %s inline:%s" % (SUITE, s), b))
    return out


def invite(sbc_port, lport, n, crypto):
    sdp = ("v=0\r\no=bad 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
           "t=0 0\r\nm=audio 40000 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
           "a=crypto:%s\r\n" % crypto)
    callid = "bad%d-%d@127.0.0.1" % (n, os.getpid())
    hdr = ("INVITE sip:+15551234567@127.0.0.1:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKbad%d%d;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:bad@127.0.0.1:%d>;tag=bad%d\r\n"
           "To: <sip:+15551234567@127.0.0.1:%d>\r\n"
           "Call-ID: %s\r\nCSeq: 1 INVITE\r\n"
           "Contact: <sip:bad@127.0.0.1:%d>\r\n"
           "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n"
           % (sbc_port, lport, n, os.getpid(), lport, n, sbc_port, callid, lport,
              len(sdp)))
    return hdr + sdp, callid


def ack_for(resp, req):
    """ACK of a non-2xx final response (RFC 3261 17.1.1.3): the INVITE's
    Via, From, Call-ID and Request-URI, the response's To."""
    lines = req.split("\r\n")
    to = [l for l in resp.split("\r\n") if l.lower().startswith("to:")]
    keep = [l for l in lines[1:] if l.split(":")[0] in ("Via", "From", "Call-ID", "Max-Forwards")]
    return "\r\n".join([lines[0].replace("INVITE", "ACK", 1)] + keep + to +
                       ["CSeq: 1 ACK", "Content-Length: 0", "", ""])


def header(msg, name):
    for l in msg.split("\r\n")[1:]:
        if l.split(":")[0].strip().lower() == name.lower():
            return l
        if not l:
            break
    return None


def uas(lport, keys_path, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", lport))
    s.settimeout(0.2)
    vs, n, seen = variants(), 0, {}
    end = time.time() + secs
    with open(keys_path, "w") as keys:
        while time.time() < end:
            try:
                data, addr = s.recvfrom(65536)
            except socket.timeout:
                continue
            msg = data.decode("latin-1")
            method = msg.split(" ")[0]
            if method not in ("INVITE", "BYE"):
                continue
            hs = [header(msg, h) for h in ("Via", "From", "To", "Call-ID", "CSeq")]
            if None in hs:
                continue
            callid = hs[3]
            body = ""
            if method == "INVITE":
                if callid not in seen:
                    name, crypto, key = vs[n % len(vs)]
                    n += 1
                    keys.write(key.hex() + "\n")
                    keys.flush()
                    seen[callid] = crypto
                body = ("v=0\r\no=bad 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                        "t=0 0\r\nm=audio 40000 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                        "a=crypto:%s\r\n" % seen[callid])
                hs[2] = hs[2] + ";tag=uas%d" % (abs(hash(callid)) % 100000)
            resp = "\r\n".join(["SIP/2.0 200 OK"] + hs +
                                 (["Contact: <sip:uas@127.0.0.1:%d>" % lport,
                                   "Content-Type: application/sdp"] if body else []) +
                                 ["Content-Length: %d" % len(body), "", body])
            s.sendto(resp.encode(), addr)
    print(n)


def main():
    if sys.argv[1] == "uas":
        uas(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
        return
    sbc_port, lport = int(sys.argv[1]), int(sys.argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", lport))
    s.settimeout(0.5)
    rc = 0
    with open(sys.argv[3], "w") as keys, open(sys.argv[4], "w") as resps:
        for n, (name, crypto, key) in enumerate(variants()):
            keys.write(key.hex() + "\n")
            req, callid = invite(sbc_port, lport, n, crypto)
            s.sendto(req.encode(), ("127.0.0.1", sbc_port))
            final = None
            end = time.time() + 4
            while time.time() < end and final is None:
                try:
                    data = s.recv(65536).decode("latin-1")
                except socket.timeout:
                    continue
                if callid not in data or not data.startswith("SIP/2.0 "):
                    continue
                code = int(data.split(" ")[1])
                if code >= 200:
                    final = data
            if final is None:
                resps.write("# %s: no final response\n" % name)
                rc = 1
                continue
            s.sendto(ack_for(final, req).encode(), ("127.0.0.1", sbc_port))
            head = final.split("\r\n\r\n")[0]
            resps.write("# %s\n%s\n\n" % (name, head))
            if final.startswith("SIP/2.0 2"):
                rc = 1
    sys.exit(rc)


main()

#!/usr/bin/env python3
"""Each SDES stream and direction has a key of its own (draft-wing-avt-
dtls-srtp-key-transport-02 6.2, two-time pad; RFC 4568 6.1: each side's
a=crypto keys what that side sends), read from a SIPp message trace of an
offer/answer with ktrua.

usage: ktrua_sdp_keys_check.py SIPP-MESSAGE-TRACE KEYED-M-LINES

Every distinct SDP body of the trace (retransmissions count once) is cut
into its m-lines; each SRTP (…/SAVP, …/SAVPF) m-line with a port carries one a=crypto whose
key||salt (30 bytes for AES_CM_128_HMAC_SHA1_80) is collected. The check
holds when exactly KEYED-M-LINES keys were found (offer and answer
together) and no two are equal, so no key serves two streams or two
directions. Prints "# " lines; exit status 0 when it holds.
"""
import base64
import re
import sys


def bodies(text):
    """The distinct SDP bodies (from v=0 to the end of the message)."""
    seen = []
    for msg in re.split(r"\n-{20,}[^\n]*\n", text):
        i = msg.find("\nv=0")
        if i < 0:
            continue
        body = msg[i + 1:].strip()
        if body not in seen:
            seen.append(body)
    return seen


def main():
    text = open(sys.argv[1], errors="replace").read()
    want = int(sys.argv[2])
    keys = []
    for b, body in enumerate(bodies(text)):
        for i, mline in enumerate(re.split(r"\n(?=m=)", body)[1:]):
            head = mline.split("\n", 1)[0].strip()
            port = int(head.split()[1])
            found = re.findall(r"a=crypto:\d+ \S+ inline:([A-Za-z0-9+/=]+)", mline)
            print("# SDP %d m-line %d: %s, %d a=crypto" % (b, i, head, len(found)))
            if port == 0 or "SAVP" not in head.split()[2]:
                continue  # declined, or not SRTP (a data channel)
            if len(found) != 1:
                print("# SDP %d m-line %d: %d a=crypto lines, want 1" % (b, i, len(found)))
                return 1
            ks = base64.b64decode(found[0])
            if len(ks) != 30:
                print("# SDP %d m-line %d: key||salt of %d bytes" % (b, i, len(ks)))
                return 1
            keys.append(ks)
    if len(keys) != want:
        print("# %d keyed m-lines, want %d" % (len(keys), want))
        return 1
    if len(set(keys)) != len(keys):
        print("# a key serves two streams or directions (draft 6.2)")
        return 1
    # The master salt alone must differ too (it is half of what makes the
    # SRTP IV; libsrtp keys each stream with key and salt).
    if len({k[16:] for k in keys}) != len(keys):
        print("# a master salt is used twice")
        return 1
    print("# %d keys, all distinct" % len(keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())

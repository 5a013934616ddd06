#!/usr/bin/env python3
"""GStreamer's srtpdec (an independent SRTP implementation) decrypts the
packets ktrua captured as sent, with the key ktrua announced in its SDP
offer, and every decrypted payload is what ktrua sent.

usage: ktrua_gst_check.py SIPP-MESSAGE-TRACE CAPTURE.pcap KTRUA.json WORKDIR
"""
import base64
import json
import re
import struct
import subprocess
import sys

trace, pcap, result, work = sys.argv[1:5]


def fail(msg):
    print("# " + msg)
    sys.exit(1)


# The INVITE ktrua sent, as SIPp logged it: our key and our media port.
text = open(trace, errors="replace").read()
invite = text[text.find("INVITE sip:"):]
m = re.search(r"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:([A-Za-z0-9+/=]+)", invite)
port = re.search(r"m=audio (\d+) RTP/SAVP", invite)
if not m or not port:
    fail("no a=crypto or m=audio in the INVITE of the trace")
keysalt = base64.b64decode(m.group(1))
if len(keysalt) != 30:
    fail(f"key||salt is {len(keysalt)} bytes, want 30")
port = int(port.group(1))

# The SRTP packets we sent, and our SSRC, from the capture. SRTCP is left
# out of the copy handed to GStreamer: srtpdec would push it on a second
# pad, and a pipeline with two sinks does not end by itself.
d = open(pcap, "rb").read()
endian = ">" if d[:4] == b"\xa1\xb2\xc3\xd4" else "<"
off, ssrc, keep = 24, None, [d[:24]]
while off < len(d):
    hdr = d[off:off + 16]
    _, _, incl, _ = struct.unpack(endian + "IIII", hdr)
    ip = d[off + 16:off + 16 + incl]
    off += 16 + incl
    ihl = (ip[0] & 15) * 4
    sport = struct.unpack(">H", ip[ihl:ihl + 2])[0]
    p = ip[ihl + 8:]
    if sport == port and not 192 <= p[1] <= 223:
        keep.append(hdr + ip)
        if ssrc is None:
            ssrc = struct.unpack(">I", p[8:12])[0]
if ssrc is None:
    fail("no RTP sent from our port in the capture")
pcap = f"{work}/sent-rtp.pcap"
open(pcap, "wb").write(b"".join(keep))

sent = [json.loads(l) for l in open(result) if l.startswith("{")][0]["media"]["rtp_sent"]
caps = (f"application/x-srtp, payload=(int)0, ssrc=(uint){ssrc}, "
        f"srtp-key=(buffer){keysalt.hex()}, "
        "srtp-cipher=(string)aes-128-icm, srtp-auth=(string)hmac-sha1-80, "
        "srtcp-cipher=(string)aes-128-icm, srtcp-auth=(string)hmac-sha1-80")
out = f"{work}/gst.rtp"
# identity hands srtpdec single buffers: srtpdec 1.22 mishandles the buffer
# lists that pcapparse pushes.
r = subprocess.run(["timeout", "30", "gst-launch-1.0", "-q", "filesrc", f"location={pcap}",
                    "!", "pcapparse", f"src-port={port}", f"caps={caps}", "!", "identity",
                    "!", "srtpdec", "!", "filesink", "sync=false", f"location={out}"],
                   capture_output=True, text=True)
if r.returncode != 0:
    fail(f"gst-launch failed ({r.returncode}): " + (r.stdout + r.stderr)[-400:])
rtp = open(out, "rb").read()
size = 12 + 160
if sent < 50 or len(rtp) != sent * size:
    fail(f"decrypted {len(rtp)} bytes, want {sent} packets of {size}")
for i in range(sent):
    pkt = rtp[i * size:(i + 1) * size]
    seq = struct.unpack(">H", pkt[2:4])[0]
    # ktrua's payload: every byte is the low byte of the packet index.
    if pkt[12:] != bytes([seq & 0xFF]) * 160:
        fail(f"packet {i} (seq {seq}) decrypted to other bytes")
print(f"# srtpdec decrypted all {sent} packets, ssrc {ssrc:#x}")

#!/usr/bin/env python3
"""A stand-in SIP peer that never answers and records every byte it is sent,
to prove that ktrsbc sent it nothing (no INVITE, no a=crypto key).

usage: sink_peer.py udp PORT OUT SECONDS
       sink_peer.py udphex PORT OUT SECONDS [ADDR]
       sink_peer.py tls PORT OUT SECONDS CERT KEY

udp: binds 127.0.0.1:PORT and appends each datagram to OUT.
udphex: binds ADDR:PORT (default 127.0.0.1) and writes each datagram to OUT
as one line of hex (a media peer standing where an SDP moved the media to;
sbc_wire_check.py reads such a file as a receiver).
tls: a TLS server on 127.0.0.1:PORT with CERT/KEY; appends to OUT the
application bytes of every connection whose handshake completed, and one
line "# handshake failed: ..." per connection whose handshake did not (the
client refused the certificate). Exits after SECONDS; OUT exists (possibly
empty) from the start, so "empty" means "nothing arrived".
"""
import select
import socket
import ssl
import sys
import time


def main():
    mode, port, out, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    end = time.time() + secs
    f = open(out, "ab", buffering=0)
    if mode in ("udp", "udphex"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((sys.argv[5] if len(sys.argv) > 5 else "127.0.0.1", port))
        while time.time() < end:
            r, _, _ = select.select([s], [], [], 0.2)
            if r:
                d = s.recv(65536)
                f.write(d if mode == "udp" else d.hex().encode() + b"\n")
        return
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[5], sys.argv[6])
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(8)
    while time.time() < end:
        r, _, _ = select.select([ls], [], [], 0.2)
        if not r:
            continue
        c, _ = ls.accept()
        c.settimeout(3)
        try:
            t = ctx.wrap_socket(c, server_side=True)
        except (ssl.SSLError, OSError) as e:
            f.write(("# handshake failed: %s\n" % e).encode())
            c.close()
            continue
        try:
            while True:
                b = t.recv(65536)
                if not b:
                    break
                f.write(b)
        except (ssl.SSLError, OSError):
            pass
        t.close()


main()

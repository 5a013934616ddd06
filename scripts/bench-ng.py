#!/usr/bin/env python3
"""rtpengine ng-protocol client for the relay benchmark (issue 6), not a test.

Sets up N calls on an rtpengine instance over its ng control protocol
(bencoded dictionaries over UDP, "COOKIE DICT"; commands offer, answer,
delete) so that rtpengine relays the benchmark's SRTP streams from the load
generator (bench_gen) to the sink (bench_sink) while transcrypting between
two different SDES keys:

  offer   from the generator's side: m=audio GEN_PORT RTP/SAVP 0 with
          a=crypto:1 AES_CM_128_HMAC_SHA1_80 and stream i's key A(i) (the
          same derivation as bench_key() in tests/bench/bench_common.h);
  answer  from the sink's side: m=audio SINK_PORT RTP/SAVP 0, choosing a
          crypto line of rtpengine's rewritten offer that carries a key
          rtpengine generated itself (see below).

Why the answer does not take crypto line 1: rtpengine passes the offerer's
AES_CM_128_HMAC_SHA1_80 key through into the offer it rewrites (line 1 keeps
key A), and when the answer accepts it, it forwards packets untouched. The
other lines carry keys rtpengine generated; the closest to the offered suite
is AES_CM_128_HMAC_SHA1_32: the same AES-128 counter mode and the same
HMAC-SHA1 over the same bytes, only a 4-byte instead of a 10-byte tag. So
every packet is authenticated and decrypted with A(i), then encrypted and
authenticated again with rtpengine's key: a real transcrypt. The key of that
line is what the sink must authenticate with (bench_sink -K).

Writes:
  PORTS  one line per call: rtpengine's port facing the generator (from the
         rewritten answer), the generator's destination for stream i;
  KEYS   one line per call: "PROFILE HEX(key||salt)" (ksrtp profile numbers:
         1 = AES_CM_128_HMAC_SHA1_80, 2 = _32), for bench_sink -K.

Why Python and not C under tests/bench: this runs only to set calls up and
tear them down, never on the measured path; bencode and SDP text are a few
lines here, and python3 is already a dependency (scripts/deps.sh).

Usage:
  bench-ng.py setup  --ng HOST:PORT --calls N --gen-port P --sink-port P
                     --ports FILE --keys FILE [--id PREFIX]
                     [--gen-addr A --sink-addr A]   (default 127.0.0.1)
  bench-ng.py delete --ng HOST:PORT --calls N [--id PREFIX]
  bench-ng.py ping   --ng HOST:PORT      (is rtpengine up: exit status)
Exit status 0 on success; 1 with a message on the first failed command.
Benchmark keys only: nothing here is secret.
"""
import argparse
import base64
import os
import re
import socket
import sys

NG_TIMEOUT_S = 5.0
NG_TRIES = 3
PROFILE_BY_SUITE = {"AES_CM_128_HMAC_SHA1_80": 1, "AES_CM_128_HMAC_SHA1_32": 2}
ANSWER_SUITE = "AES_CM_128_HMAC_SHA1_32"


def bencode(x):
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, str):
        x = x.encode()
    if isinstance(x, bytes):
        return b"%d:%s" % (len(x), x)
    if isinstance(x, list):
        return b"l" + b"".join(bencode(i) for i in x) + b"e"
    if isinstance(x, dict):
        return b"d" + b"".join(bencode(k) + bencode(x[k]) for k in sorted(x)) + b"e"
    raise TypeError(type(x))


def bdecode(b, i=0):
    """(value, next offset) of the bencoded value at b[i:]."""
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c in (b"l", b"d"):
        i += 1
        items = []
        while b[i:i + 1] != b"e":
            v, i = bdecode(b, i)
            items.append(v)
        if c == b"l":
            return items, i + 1
        return {items[k].decode(): items[k + 1] for k in range(0, len(items), 2)}, i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n], j + 1 + n


class Ng:
    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.addr = (host, int(port))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(NG_TIMEOUT_S)

    def call(self, req):
        """One command; retried with the same cookie (rtpengine answers a
        repeated cookie from its cache) when the reply is lost."""
        cookie = os.urandom(6).hex().encode()
        msg = cookie + b" " + bencode(req)
        for _ in range(NG_TRIES):
            self.sock.sendto(msg, self.addr)
            try:
                while True:
                    data = self.sock.recv(65536)
                    got, _, body = data.partition(b" ")
                    if got == cookie:
                        break
            except socket.timeout:
                continue
            rep, _ = bdecode(body)
            if rep.get("result") not in (b"ok", b"pong"):
                raise RuntimeError("%s: %s %s" % (req["command"], rep.get("result"),
                                                  rep.get("error-reason")))
            return rep
        raise RuntimeError("%s: no reply from %s:%d" % (req["command"], *self.addr))


def key_a(stream):
    """bench_key(k, stream, 'A'): key||salt of the generator's stream."""
    return bytes((ord("A") * 131 + stream * 31 + j * 7 + 1) & 0xFF for j in range(30))


def sdp(addr, port, crypto):
    return ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n%s"
            "a=sendrecv\r\na=rtcp-mux\r\n" % (addr, addr, port, crypto))


CRYPTO_RE = re.compile(r"^a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)", re.M)
MLINE_RE = re.compile(r"^m=audio (\d+) ", re.M)


def setup(ng, a):
    ports, keys = [], []
    for i in range(a.calls):
        cid = "%s-%d" % (a.id, i)
        ka = base64.b64encode(key_a(i)).decode()
        flags = {"call-id": cid, "from-tag": "gen%d" % i, "ICE": "remove", "DTLS": "off"}
        off = ng.call(dict(flags, command="offer",
                           sdp=sdp(a.gen_addr, a.gen_port, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n" % ka)))
        osdp = off["sdp"].decode()
        lines = CRYPTO_RE.findall(osdp)
        pick = [c for c in lines if c[1] == ANSWER_SUITE]
        if not pick:
            raise RuntimeError("call %d: rtpengine's offer has no %s line" % (i, ANSWER_SUITE))
        tag, suite, inline = pick[0]
        rkey = base64.b64decode(inline + "=" * (-len(inline) % 4))[:30]
        if rkey == key_a(i):
            raise RuntimeError("call %d: rtpengine offered key A on the %s line" % (i, suite))
        # The sink's own sending key (never used: no media flows back).
        kb = base64.b64encode(bytes((ord("D") * 131 + i * 31 + j * 7 + 1) & 0xFF
                                    for j in range(30))).decode()
        ans = ng.call(dict(flags, command="answer", **{"to-tag": "sink%d" % i},
                           sdp=sdp(a.sink_addr, a.sink_port, "a=crypto:%s %s inline:%s\r\n" % (tag, suite, kb))))
        m = MLINE_RE.search(ans["sdp"].decode())
        if not m:
            raise RuntimeError("call %d: no m=audio in rtpengine's answer" % i)
        ports.append(m.group(1))
        keys.append("%d %s" % (PROFILE_BY_SUITE[suite], rkey.hex()))
    with open(a.ports + ".tmp", "w") as f:
        f.write("\n".join(ports) + "\n")
    with open(a.keys, "w") as f:
        f.write("\n".join(keys) + "\n")
    os.rename(a.ports + ".tmp", a.ports)


def delete(ng, a):
    for i in range(a.calls):
        ng.call({"command": "delete", "call-id": "%s-%d" % (a.id, i), "from-tag": "gen%d" % i})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("cmd", choices=("setup", "delete", "ping"))
    p.add_argument("--ng", required=True)
    p.add_argument("--calls", type=int, default=0)
    p.add_argument("--gen-port", type=int)
    p.add_argument("--sink-port", type=int)
    # The generator's and the sink's addresses in the SDP (the veth
    # topology of scripts/bench-veth.sh puts them in other namespaces).
    p.add_argument("--gen-addr", default="127.0.0.1")
    p.add_argument("--sink-addr", default="127.0.0.1")
    p.add_argument("--ports")
    p.add_argument("--keys")
    p.add_argument("--id", default="ktrbench")
    a = p.parse_args()
    ng = Ng(a.ng)
    try:
        if a.cmd == "setup":
            if not (a.gen_port and a.sink_port and a.ports and a.keys):
                p.error("setup needs --gen-port, --sink-port, --ports, --keys")
            setup(ng, a)
        elif a.cmd == "ping":
            ng.sock.settimeout(0.2)
            ng.call({"command": "ping"})
        else:
            delete(ng, a)
    except (RuntimeError, OSError) as e:
        print("bench-ng: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

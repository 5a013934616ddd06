#!/bin/sh
# ktrua's benchmark hand-off (scripts/bench-real.sh): a DTLS callee with
# --no-media-tx sends no media yet completes its call; with --handoff FILE
# it writes, at the call's first authenticated RTP packet, the SSRC, its
# media address and port, the peer's, the profile and the receive key; a
# socket bound to the same port with SO_REUSEPORT and connected to the peer
# then receives the call's media in the callee's place, and every packet it
# receives authenticates with the key from the file (RFC 3711 4.2 and
# 4.3.1, checked in Python here, not by ktrua's libsrtp2). ktrua calls ktrua directly (DTLS with KTR negotiated). TAP
# output. Loopback only; every process bounded by timeout(1); only the
# PIDs started here are killed.
set -u
BUILD=${BUILD:-build}
UA=${KTRUA:-$BUILD/asan/tools/ktrua}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

missing=""
[ -x "$UA" ] || missing="$missing $UA"
for tool in python3 timeout ss; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	echo "1..1"
	echo "not ok 1 - missing:$missing (make test-build)"
	exit 1
fi

tmp=$(mktemp -d /tmp/test_ktrua_handoff.XXXXXX) || exit 1
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	[ -n "${KEEP_TMP:-}" ] && echo "# kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" -eq 0 ]; then ok "$2"; else nok "$2"; fi; }

# Ports from the pid (parallel runs), skipping ones in use.
port_free() { ! ss -Hluant 2>/dev/null | awk '{print $5}' | grep -q ":$1\$"; }
next=$((23000 + ($$ % 300) * 10))
take_port() {
	while ! port_free "$next"; do next=$((next + 1)); done
	eval "$1=$next"
	next=$((next + 1))
}
sp=0 cp=0
take_port sp
take_port cp
mb=$((46000 + ($$ % 20) * 100))
wait_port() {
	i=0
	while port_free "$1"; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}

echo "1..6"
timeout 30 "$UA" --dtls --ktr --no-media-tx --handoff "$tmp/handoff" --listen "127.0.0.1:$sp" \
	--media-ports "$mb-$((mb + 49))" >"$tmp/callee.json" 2>"$tmp/callee.err" &
cpid=$!
pids="$pids $cpid"
wait_port "$sp"
# The taker: waits for the hand-off line, takes the port over, receives for
# 1.5 s and authenticates what arrives with the key from the line.
python3 - "$tmp/handoff" >"$tmp/taker.out" 2>&1 <<'PY' &
import hashlib, hmac, os, socket, struct, sys, time
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

def auth_key(keysalt):
    """RFC 3711 4.3.1 (kdr 0): the SRTP authentication key, label 1."""
    x = bytearray(keysalt[16:])
    x[7] ^= 1
    c = Cipher(algorithms.AES(keysalt[:16]), modes.CTR(bytes(x) + b"\0\0")).encryptor()
    return c.update(bytes(20)) + c.finalize()

def authentic(ak, p, roc=0):
    """RFC 3711 4.2: HMAC-SHA1 over the packet and the ROC, 80-bit tag."""
    mac = hmac.new(ak, p[:-10] + struct.pack(">I", roc), hashlib.sha1).digest()[:10]
    return hmac.compare_digest(mac, p[-10:])

path = sys.argv[1]
end = time.time() + 10
while time.time() < end and not (os.path.exists(path) and open(path).read().endswith("\n")):
    time.sleep(0.02)
f = open(path).read().split()
ssrc, addr, port, paddr, pport, profile, hexkey = f[:7]
ak = auth_key(bytes.fromhex(hexkey))
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
sock.bind((addr, int(port)))
sock.connect((paddr, int(pport)))
sock.settimeout(0.2)
got = good = other_ssrc = 0
end = time.time() + 1.5
while time.time() < end:
    try:
        p = sock.recv(2048)
    except socket.timeout:
        continue
    if len(p) < 12 or p[0] >> 6 != 2 or 192 <= p[1] <= 223:
        continue  # RTCP (muxed) and anything else: RTP only here
    got += 1
    if int.from_bytes(p[8:12], "big") != int(ssrc):
        other_ssrc += 1
    if authentic(ak, p):
        good += 1
print("taker: fields", len(f), "profile", profile, "keyhex", len(hexkey), "got", got,
      "good", good, "other_ssrc", other_ssrc)
PY
tpid=$!
pids="$pids $tpid"
timeout 30 "$UA" --dtls --ktr --listen "127.0.0.1:$cp" --media-ports "$((mb + 50))-$((mb + 99))" \
	--duration 3 --call "sip:ktrua@127.0.0.1:$sp" >"$tmp/caller.json" 2>"$tmp/caller.err"
wait "$cpid"
callee_rc=$?
wait "$tpid"

check $callee_rc "--no-media-tx callee: the call ends ok (exit 0) without sending media"
python3 - "$tmp/callee.json" <<'PY'
import json, sys
c = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
m = c[0]["media"] if c else {}
ok = len(c) == 1 and m.get("rtp_sent") == 0 and m.get("rtcp_sent") == 0 and m.get("rtp_recv", 0) > 0
print("# callee media:", {k: m.get(k) for k in ("rtp_sent", "rtcp_sent", "rtp_recv", "auth_fail")})
sys.exit(0 if ok else 1)
PY
check $? "--no-media-tx callee: sent nothing, received and authenticated the caller's media"
python3 - "$tmp/handoff" "$tmp/caller.json" "$tmp/callee.json" "$mb" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
caller = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")][0]["media"]
f = lines[0].split() if len(lines) == 1 else []
ok = (len(f) == 7 and int(f[0]) == caller["ssrc"] and f[1] == "127.0.0.1" and
      int(sys.argv[4]) <= int(f[2]) < int(sys.argv[4]) + 50 and f[3] == "127.0.0.1" and
      f[5] == "1" and len(f[6]) == 60)
print("# hand-off line:", " ".join(f[:6]), "+ %d hex digits" % len(f[6]) if f else lines)
sys.exit(0 if ok else 1)
PY
check $? "--handoff: one line, the caller's SSRC, the callee's port, the peer, profile 1, key||salt"
cat "$tmp/taker.out" | sed 's/^/# /'
got=$(awk '{ for (i = 1; i < NF; i++) if ($i == "got") print $(i + 1) }' "$tmp/taker.out")
good=$(awk '{ for (i = 1; i < NF; i++) if ($i == "good") print $(i + 1) }' "$tmp/taker.out")
other=$(awk '{ for (i = 1; i < NF; i++) if ($i == "other_ssrc") print $(i + 1) }' "$tmp/taker.out")
[ "${got:-0}" -ge 40 ]
check $? "a socket bound to the callee's port (SO_REUSEPORT) and connected to the peer receives the media (${got:-0} RTP packets in 1.5 s)"
[ "${got:-0}" -gt 0 ] && [ "$good" = "$got" ] && [ "$other" = 0 ]
check $? "every packet it received authenticates with the hand-off key (${good:-0}/${got:-0}), SSRC as written"
python3 - "$tmp/callee.json" "$tmp/caller.json" <<'PY'
import json, sys
callee = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][0]["media"]
caller = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")][0]["media"]
print("# caller sent", caller["rtp_sent"], "callee received", callee["rtp_recv"])
sys.exit(0 if callee["rtp_recv"] + 40 <= caller["rtp_sent"] else 1)
PY
check $? "after the take-over the callee no longer receives the media"

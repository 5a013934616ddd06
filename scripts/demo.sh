#!/bin/sh
# The loopback KTR demonstration (README's main job), on conf/ktrsbc.conf:
# two DTLS-SRTP endpoints (build/ktrpeer) on 127.0.0.1 negotiate
# key_transport in the DTLS handshake, stream SRTP and SRTCP to each other,
# and re-key while streaming with Key Transport primitives:
#   - the client announces a new key with new_srtp_key after 50 packets,
#   - the server announces one after 100 packets,
#   - the client asks the server for yet another with new_srtp_key_request
#     after 150 packets.
# Each side switches at the packet index it announced; the summary shows
# that every packet authenticated across every switch.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
CONF=${CONF:-conf/ktrsbc.conf}
PACKETS=${PACKETS:-250}
peer=$BUILD/ktrpeer
tmp=$(mktemp -d)
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$peer" -c "$CONF" --listen auto --port-out "$tmp/port" \
	--fingerprint-out "$tmp/server.fp" --peer-fingerprint-file "$tmp/client.fp" \
	--packets "$PACKETS" --rekey-at 100 --timeout 30000 \
	>"$tmp/server.out" 2>"$tmp/server.err" &
spid=$!
i=0
while [ ! -s "$tmp/port" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$spid" 2>/dev/null; then
		echo "demo: the server endpoint did not start:" >&2
		cat "$tmp/server.err" >&2
		exit 1
	fi
	sleep 0.1
done
addr=$(sed -n 's/^listening //p' "$tmp/server.out")
echo "demo: server endpoint listening on $addr (DTLS server, a=setup:passive)"
echo "demo: client endpoint connecting (DTLS client, a=setup:active); $PACKETS packets each way at 50/s"

crc=0
"$peer" -c "$CONF" --connect "$addr" \
	--fingerprint-out "$tmp/client.fp" --peer-fingerprint-file "$tmp/server.fp" \
	--packets "$PACKETS" --rekey-at 50 --request-at 150 --timeout 30000 \
	>"$tmp/client.out" 2>"$tmp/client.err" || crc=$?
src=0
wait "$spid" || src=$?
spid=""

for side in server client; do
	sed -n '/^ktr /s/^/  '"$side"': /p' "$tmp/$side.out"
done
prc=0
python3 - "$tmp/server.out" "$tmp/client.out" <<'PY' || prc=$?
import json, sys
res = {}
for path in sys.argv[1:]:
    for line in open(path):
        if line.startswith("{"):
            j = json.loads(line)
            res[j["role"]] = j
ok = True
for role in ("client", "server"):
    j = res.get(role)
    if not j:
        print(f"demo: {role}: no result"); ok = False; continue
    print(f"demo: {role}: handshake={'ok' if j['handshake'] else 'FAILED'} "
          f"profile={j['profile']} key_transport={'yes' if j['ktr'] else 'no'}")
    print(f"        sent {j['rtp_sent']} RTP + {j['rtcp_sent']} SRTCP; "
          f"received and authenticated {j['rtp_recv']} RTP + {j['rtcp_recv']} SRTCP; "
          f"auth failures {j['auth_fail']}")
    print(f"        KTR: announced {j['keys_announced']} keys ({j['keys_activated']} acknowledged, "
          f"sending switched {j['tx_switches']}x); installed {j['keys_installed']} peer keys "
          f"(receiving switched {j['rx_switches']}x)")
    if j["error"]:
        print(f"        error: {j['error']}")
    if not j["handshake"] or not j["ktr"] or j["auth_fail"] or j["error"]:
        ok = False
    if j["keys_installed"] < 1 or j["keys_announced"] < 1:
        ok = False
c, s = res.get("client"), res.get("server")
if c and s and (s["rtp_recv"] != c["rtp_sent"] or c["rtp_recv"] != s["rtp_sent"]):
    print("demo: packets were lost on loopback"); ok = False
print("demo: PASS: keys moved inside DTLS, media authenticated across every switch" if ok
      else "demo: FAIL")
sys.exit(0 if ok else 1)
PY
[ "$crc" -eq 0 ] && [ "$src" -eq 0 ] && [ "$prc" -eq 0 ]

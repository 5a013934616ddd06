#!/bin/sh
# Interop: our DTLS-SRTP server side (ktrpeer --handshake-only) against
# `openssl s_client -dtls1_2 -use_srtp`, a standard peer that ignores the
# key_transport extension (RFC 5764 plain DTLS-SRTP; draft 4.1 fallback).
# TAP output. Loopback only; every process is bounded by timeout(1) and only
# the PIDs started here are killed.
#
# Needs: $BUILD/asan/tools/ktrpeer with --listen ADDR:PORT --cert F --key F
# --peer-fingerprint FP --handshake-only, printing
# "handshake ok profile=NAME ktr=0|1" and exiting 0 after a handshake, and
# exiting non-zero when it fails. KTRPEER=path overrides the binary.
set -u
BUILD=${BUILD:-build}
KTRPEER=${KTRPEER:-$BUILD/asan/tools/ktrpeer}
PROFILE=SRTP_AES128_CM_SHA1_80

if [ ! -x "$KTRPEER" ] || ! "$KTRPEER" --help 2>&1 | grep -q -- '--handshake-only'; then
	echo "1..1"
	echo "not ok 1 - $KTRPEER missing or without --handshake-only"
	exit 1
fi
if ! command -v openssl >/dev/null 2>&1 || ! command -v timeout >/dev/null 2>&1; then
	echo "1..1"
	echo "not ok 1 - openssl or timeout not installed (scripts/deps.sh installs them)"
	exit 1
fi

tmp=$(mktemp -d /tmp/test_dtls_sclient.XXXXXX) || exit 1
peer_pid=
cleanup() {
	if [ -n "$peer_pid" ]; then
		kill "$peer_pid" 2>/dev/null
		wait "$peer_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" -eq 0 ]; then ok "$2"; else nok "$2"; fi; }

mkcert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$tmp/$1.key" -out "$tmp/$1.pem" -days 2 -subj "/CN=$1" \
		>/dev/null 2>&1
}

# A UDP port nobody listens on: 20000 + pid % 1000, then the next few.
pick_port() {
	p=$((20000 + $$ % 1000))
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		if ! ss -Hlun 2>/dev/null | awk '{print $4}' | grep -q ":$p\$"; then
			echo "$p"
			return 0
		fi
		p=$((p + 1))
	done
	echo "$p"
}

# Wait (at most ~5 s) until something listens on UDP port $1.
wait_bound() {
	for _ in $(seq 1 50); do
		ss -Hlun 2>/dev/null | awk '{print $4}' | grep -q ":$1\$" && return 0
		sleep 0.1
	done
	return 1
}

# run_pair NAME PEER_FP: ktrpeer listens, s_client connects with client.pem.
# Leaves $tmp/NAME.peer, $tmp/NAME.sclient and $peer_rc.
run_pair() {
	port=$(pick_port)
	timeout 20 "$KTRPEER" --listen "127.0.0.1:$port" --cert "$tmp/server.pem" \
		--key "$tmp/server.key" --peer-fingerprint "$2" --handshake-only \
		>"$tmp/$1.peer" 2>"$tmp/$1.peer.err" &
	peer_pid=$!
	wait_bound "$port"
	# stdin stays open ~2 s so s_client does not quit before the handshake.
	sleep 2 | timeout 10 openssl s_client -dtls1_2 -use_srtp "$PROFILE" \
		-connect "127.0.0.1:$port" -cert "$tmp/client.pem" -key "$tmp/client.key" \
		>"$tmp/$1.sclient" 2>&1
	wait "$peer_pid"
	peer_rc=$?
	peer_pid=
}

echo "1..5"
if ! mkcert server || ! mkcert client; then
	echo "Bail out! openssl req failed"
	exit 1
fi
cfp=$(openssl x509 -noout -fingerprint -sha256 -in "$tmp/client.pem" | cut -d= -f2)

run_pair good "$cfp"
grep -q "SRTP Extension negotiated, profile=$PROFILE" "$tmp/good.sclient"
check $? "s_client negotiated $PROFILE with our server"
grep -qx "handshake ok profile=$PROFILE ktr=0" "$tmp/good.peer"
check $? "ktrpeer: handshake ok profile=$PROFILE ktr=0"
check "$peer_rc" "ktrpeer exits 0 (exit $peer_rc)"
[ "$peer_rc" -eq 0 ] || sed 's/^/# /' "$tmp/good.peer.err" | head -n 20

# Wrong expected fingerprint: ktrpeer must refuse s_client's certificate.
bad=00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF
run_pair bad "$bad"
if [ "$peer_rc" -ne 0 ] && ! grep -q "handshake ok" "$tmp/bad.peer"; then
	ok "ktrpeer rejects a client certificate with the wrong fingerprint"
else
	nok "ktrpeer rejects a client certificate with the wrong fingerprint (exit $peer_rc)"
fi
grep -q "alert bad certificate" "$tmp/bad.sclient"
check $? "s_client receives a bad_certificate alert (RFC 5246 7.2.2)"
exit 0

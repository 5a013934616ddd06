#!/bin/sh
# The README's main job (make demo): ktrsbc on the shipped conf/ (loopback),
# an RFC 4568 endpoint on the "pbx" trunk and a DTLS-SRTP endpoint with Key
# Transport on the "carrier" trunk (both build/ktrua), and two calls through
# the SBC, 10 s of media both ways each:
#   1. SDES -> DTLS (draft Figure 7): the SBC hands the SDES key A to the DTLS
#      UA in new_srtp_key and puts the DTLS UA's own key B in the SDES answer;
#   2. DTLS -> SDES: the SBC offers the SDES UA a fresh key B, sends
#      new_srtp_key(A) and your_new_srtp_key(B) to the DTLS UA, which switches
#      to B.
# The last line is exactly
#   demo: ktr=yes sdes_to_dtls=R/S dtls_to_sdes=R/S sbc_crypto_ops=N window_ops=W
# (R received and authenticated of S sent; N per-packet crypto operations
# of the SBC on KTR calls outside call 2's window, which must be 0; W those
# inside it: packets transcrypted before the DTLS UA had A and before it
# switched to the dictated B, at most the packets of the window's announced
# index ranges, which ktrsbc-ctl stats reports as ended.window_pkts from the
# first index transcrypted to the index the DTLS UA announced in its
# new_srtp_key(B), and to where it acknowledged A). Non-zero exit otherwise.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
CONF=${CONF:-conf/ktrsbc.conf}
SECONDS_OF_MEDIA=${DEMO_SECONDS:-10}
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() {
	echo "demo: $*" >&2
	for f in "$tmp"/*.err; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 5 "$f" >&2; }
	done
	exit 1
}

ctl_path=$(sed -n 's/^control_socket *= *//p' "$CONF")
[ "$ctl_path" = auto ] || [ -z "$ctl_path" ] && ctl_path=/tmp/ktrsbc-$(id -u).ctl
"$BUILD/ktrsbc" -c "$CONF" --check-config >/dev/null || fail "the configuration is not valid"
"$BUILD/ktrsbc" -c "$CONF" >"$tmp/sbc.out" 2>"$tmp/sbc.err" &
spid=$!
pids="$spid"
i=0
while ! "$BUILD/ktrsbc-ctl" -s "$ctl_path" stats >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "ktrsbc did not start"
	kill -0 "$spid" 2>/dev/null || fail "ktrsbc exited"
	sleep 0.1
done
echo "demo: ktrsbc is up on the shipped $CONF (SIP 127.0.0.1:5060, media 127.0.0.1:30000-30999)"

# call NAME CALLEE-ARGS -- CALLER-ARGS
call() {
	name=$1
	shift
	cargs=""
	while [ "$1" != "--" ]; do cargs="$cargs $1"; shift; done
	shift
	# shellcheck disable=SC2086
	timeout 60 "$BUILD/ktrua" $cargs --media-ports 40000-40499 \
		>"$tmp/$name.callee.json" 2>"$tmp/$name.callee.err" &
	cpid=$!
	pids="$pids $cpid"
	sleep 0.5
	timeout 60 "$BUILD/ktrua" "$@" --media-ports 40500-40999 --duration "$SECONDS_OF_MEDIA" \
		>"$tmp/$name.caller.json" 2>"$tmp/$name.caller.err"
	wait "$cpid"
}

echo "demo: call 1: ktrua --sdes (pbx, 127.0.0.1:5070) calls +15551234567, routed to ktrua --dtls --ktr (carrier, 127.0.0.1:5080)"
call c1 --dtls --ktr --listen 127.0.0.1:5080 -- \
	--sdes --listen 127.0.0.1:5070 --call "sip:+15551234567@127.0.0.1:5060"
echo "demo: call 2: ktrua --dtls --ktr (carrier) calls +12125550123, routed to ktrua --sdes (pbx)"
call c2 --sdes --listen 127.0.0.1:5070 -- \
	--dtls --ktr --listen 127.0.0.1:5080 --call "sip:+12125550123@127.0.0.1:5060"

"$BUILD/ktrsbc-ctl" -s "$ctl_path" stats >"$tmp/stats.json" 2>"$tmp/ctl.err" ||
	fail "ktrsbc-ctl stats failed"
kill -TERM "$spid"
wait "$spid"
src=$?
pids=""
[ "$src" -eq 0 ] || fail "ktrsbc did not exit cleanly on SIGTERM (status $src)"

python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
def res(name):
    for line in open(f"{d}/{name}.json"):
        if line.startswith("{"):
            return json.loads(line)
    return None
stats = json.loads(open(f"{d}/stats.json").read())
ok = True
# Caller -> callee: every packet arrives (the callee reads until the BYE).
# Callee -> caller: the packets the callee sends after the caller's BYE
# reached the SBC are not relayed any more (the call is over); at most a
# few, in flight at hang-up.
def leg(sender, receiver, what, tail=0):
    global ok
    s, r = res(sender), res(receiver)
    if not s or not r:
        print(f"demo: {what}: a side reported nothing"); ok = False
        return "0/0"
    sent, got = s["media"]["rtp_sent"], r["media"]["rtp_recv"]
    fails = r["media"]["auth_fail"]
    late = f" (the last {sent - got} sent after the hang-up)" if got < sent else ""
    print(f"demo: {what}: {got} of {sent} RTP packets received and authenticated{late}, "
          f"{fails} failed authentication")
    if not sent - tail <= got <= sent or fails or s["result"] != "ok" or r["result"] != "ok":
        ok = False
    return f"{got}/{sent}"
def ktr(sdes, dtls, what):
    global ok
    a, b = res(sdes), res(dtls)
    if not a or not b:
        ok = False; return
    if b["mode"] != "dtls-ktr" or b["media"]["keys_installed"] < 1:
        print(f"demo: {what}: the DTLS UA did not get its keys by KTR"); ok = False
    else:
        print(f"demo: {what}: the DTLS UA received {b['media']['keys_installed']} key(s) "
              f"through KTR (new_srtp_key) and switched {b['media']['rx_switches']} time(s); "
              f"it switched its own sending key {b['media']['tx_switches']} time(s)")
ktr("c1.caller", "c1.callee", "call 1")
s2d = leg("c1.caller", "c1.callee", "call 1, SDES -> DTLS")
leg("c1.callee", "c1.caller", "call 1, DTLS -> SDES", tail=5)
ktr("c2.callee", "c2.caller", "call 2")
leg("c2.callee", "c2.caller", "call 2, SDES -> DTLS", tail=5)
d2s = leg("c2.caller", "c2.callee", "call 2, DTLS -> SDES")
e = stats["ended"]
ktr_ok = stats["calls_ktr_total"] == 2 and stats["calls_fallback_total"] == 0
print(f"demo: ktrsbc relayed {e['packets_relayed']} packets in {stats['calls_total']} calls, "
      f"{stats['calls_ktr_total']} of them with KTR, {stats['calls_fallback_total']} transcrypting")
w, wmax = e["crypto_ops_window"], e["window_pkts"]
print(f"demo: ktrsbc's per-packet crypto on KTR calls outside the window: {e['crypto_ops_ktr']}; "
      f"in call 2's windows (before the DTLS UA had A, and before it used the dictated B): "
      f"{w} packets of the {wmax} the announced windows held (docs/design.md, the window)")
if w > wmax:
    print(f"demo: {w} packets transcrypted in the window, more than the {wmax} it announced")
if not ktr_ok or e["crypto_ops_ktr"] != 0 or w > wmax:
    ok = False
print(f"demo: ktr={'yes' if ktr_ok else 'no'} sdes_to_dtls={s2d} dtls_to_sdes={d2s} "
      f"sbc_crypto_ops={e['crypto_ops_ktr']} window_ops={w}")
sys.exit(0 if ok else 1)
PY

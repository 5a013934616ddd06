#!/bin/sh
# Issue 5, the double re-key through ktrsbc: the DTLS UA announces a new
# sending key B' by itself (new_srtp_key), ktrsbc passes it to the SDES UA in
# a re-INVITE, the SDES UA answers with a new key A'' of its own (RFC 4568
# lets the answerer change its key) and ktrsbc hands A'' to the DTLS UA by
# new_srtp_key. The SDES UA switches to A'' where RFC 4568 lets it, not at
# an index ktrsbc could name: when B' packets arrive (ktrua's default, about
# as far ahead as ktrsbc's activate_ahead: lost a packet in most calls
# before the fix) or at a fixed time after its answer (--rekey-switch, here
# later than activate_ahead: two dozen packets failed before the fix).
# The bar: no packet lost or failing authentication at either UA.
# TAP output; loopback only; every process bounded by timeout(1); only the
# PIDs started here are killed.
set -u
BUILD=${BUILD:-build}
SBC=${SBC:-$BUILD/asan/tools/ktrsbc}
UA=$BUILD/asan/tools/ktrua
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

tmp=$(mktemp -d /tmp/test_sbc_rekey.XXXXXX) || exit 1
. tests/integ/lib/sbc.sh
need "$SBC" "$UA" python3 timeout ss

# Ports of this run, from the PID as in test_sbc.sh (ranges no other test uses).
P=$((34200 + ($$ % 60) * 10))
M=$((10100 + ($$ % 200) * 40))
PBX=$((P + 2))
CARRIER=$((P + 4))
conf=$tmp/conf
sbc_conf "$conf" "$P" "$PBX" "$CARRIER" "$M" "$((M + 19))"
"$SBC" -c "$conf/ktrsbc.conf" -v >"$tmp/sbc.out" 2>"$tmp/sbc.err" &
spid=$!
wait_port "$P"
check $? "ktrsbc starts on its configuration"

CALLS=4
sdes_caller="--sdes --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$P --duration 4 --calls $CALLS --rate 2"
dtls_callee="--dtls --ktr --listen 127.0.0.1:$CARRIER --rekey-after 1 --calls $CALLS"

# verdict NAME WHAT: the checks over both UAs' JSON lines of run NAME.
verdict() {
	check $((caller_rc + callee_rc)) "$2: $CALLS calls, both UAs ok"
	# The DTLS UA (callee): every packet the SDES UA sent arrived and
	# authenticated (the SDES UA hangs up, so nothing is in flight), A''
	# was installed by new_srtp_key and used.
	python3 - "$tmp/$1.caller.json" "$tmp/$1.callee.json" "$CALLS" <<'PY'
import json, sys
def lines(p):
    return [json.loads(l) for l in open(p) if l.startswith("{")]
sdes, dtls, n = lines(sys.argv[1]), lines(sys.argv[2]), int(sys.argv[3])
ok = len(sdes) == n and len(dtls) == n
sent = sorted(c["media"]["rtp_sent"] for c in sdes)
got = sorted(c["media"]["rtp_recv"] for c in dtls)
for c in dtls:
    m = c["media"]
    print("# DTLS UA call %s: rtp_in %d rtp_recv %d auth_fail %d replay %d "
          "keys_installed %d rx_switches %d tx_switches %d" %
          (c.get("call"), m["rtp_in"], m["rtp_recv"], m["auth_fail"],
           m["replay"], m["keys_installed"], m["rx_switches"], m["tx_switches"]))
    ok = ok and c["result"] == "ok" and m["auth_fail"] == 0 and \
        m["replay"] == 0 and m["rtp_in"] == m["rtp_recv"] and \
        m["keys_installed"] >= 2 and m["rx_switches"] >= 1 and \
        m["tx_switches"] == 1
ok = ok and sent == got
print("# SDES UA sent", sent, "DTLS UA authenticated", got)
sys.exit(0 if ok else 1)
PY
	check $? "$2: the DTLS UA authenticated every packet the SDES UA sent, A'' and the old key"
	# The SDES UA (caller): B' came in the re-INVITE, it answered with A''
	# and switched to it; every packet that reached it authenticated.
	json "$tmp/$1.caller.json" "len(calls) == $CALLS and all(c['result'] == 'ok' and c['media']['auth_fail'] == 0 and c['media']['replay'] == 0 and c['media']['rtp_in'] == c['media']['rtp_recv'] and c['media']['rtp_recv'] > 150 and c['media']['rx_switches'] == 1 and c['media']['tx_switches'] == 1 for c in calls)"
	check $? "$2: the SDES UA authenticated every packet, B' included, and switched to A''"
}

# 1. The SDES UA switches to A'' when the DTLS UA's B' packets arrive.
# shellcheck disable=SC2086
ua_pair onb "$((M + 20))-$((M + 29))" "$((M + 30))-$((M + 39))" $dtls_callee -- $sdes_caller
verdict onb "SDES UA switching on B'"

# 2. The SDES UA switches 1.5 s after its answer: later than the 50 packets
#    (1 s) a KTR speaker announces ahead.
# shellcheck disable=SC2086
ua_pair late "$((M + 20))-$((M + 29))" "$((M + 30))-$((M + 39))" $dtls_callee -- $sdes_caller --rekey-switch 1500
verdict late "SDES UA switching 1.5 s after its answer"

echo "1..$n"

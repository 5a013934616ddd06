#!/bin/sh
# Issue 11 point 1: a KTR failure is never silent. The DTLS UA (ktrua
# --dtls --ktr) refuses new_srtp_key with new_srtp_key_failure
# (--ktr-refuse-after N) or stops answering KTR at all (--ktr-deaf-after N,
# so ktrsbc's retransmissions give up), after acknowledging N keys.
#   ktr = preferred: the SDES -> DTLS direction is transcrypted from then on,
#     under the last key the DTLS UA acknowledged (draft 4.3.1: never back
#     to the handshake key once a KTR key was used), or the handshake key
#     when none was: the DTLS UA authenticates what arrives after the
#     failure. On a call from the DTLS side, a given-up your_new_srtp_key
#     leaves the DTLS -> SDES transcrypt in place, SRTCP included.
#   ktr = required: both legs get BYE with Reason: SIP;cause=488 (RFC 3326).
# Each failure is logged and counted in `ktrsbc-ctl stats`.
# TAP output; loopback only; every process bounded by timeout(1); only the
# PIDs started here are killed.
set -u
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_ktrfail
need "$SBC" "$CTL" "$UA" python3 timeout ss

P=$((5100 + ($$ % 50) * 10))
M=$((5600 + ($$ % 50) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
# Give-ups within a second: 100 + 200 + 200 ms, three sends.
sed -i -e 's/^ktr_retransmit_initial_ms *=.*/ktr_retransmit_initial_ms = 100/' \
    -e 's/^ktr_retransmit_max_ms *=.*/ktr_retransmit_max_ms = 200/' \
    -e 's/^ktr_retransmit_limit *=.*/ktr_retransmit_limit = 3/' "$conf/ktrsbc.conf"
sbc_start -v
check $? "ktrsbc starts with retransmissions given up after three sends"

sdes_caller="--sdes --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$SBC_SIP --duration 3"
dtls_callee="--dtls --ktr --listen 127.0.0.1:$CARRIER"
dtls_caller="--dtls --ktr --listen 127.0.0.1:$CARRIER --call sip:+12125550123@127.0.0.1:$SBC_SIP --duration 3"
sdes_callee="--sdes --listen 127.0.0.1:$PBX"
call() {
	call_name=$1
	shift
	ua_pair "$call_name" "$CALLEE_PORTS" "$CALLER_PORTS" "$@"
}
# rx FILE: the DTLS UA's view of the SDES UA's stream: SDES sent, DTLS
# received / failed, as shell variables (sent, recv, fail, rin).
rx() {
	eval "$(python3 - "$1" "$2" <<'PY'
import json, sys
def first(p):
    for l in open(p):
        if l.startswith("{"):
            return json.loads(l)["media"]
    return {}
s, d = first(sys.argv[1]), first(sys.argv[2])
print("sent=%d recv=%d fail=%d rin=%d" % (s.get("rtp_sent", 0), d.get("rtp_recv", 0),
      d.get("auth_fail", 0), d.get("rtp_in", 0)))
PY
)"
	echo "# $3: SDES UA sent $sent, DTLS UA received $rin, authenticated $recv, failed $fail"
}
stat_is() { stats "$1"; json "$tmp/$1.json" "$2"; }

# 1. The first key refused: the handshake key (nothing was acknowledged).
(sleep 2; "$CTL" -s "$conf/ctl.sock" calls >"$tmp/refuse0.calls" 2>&1) &
pids="$pids $!"
# shellcheck disable=SC2086
call refuse0 $dtls_callee --ktr-refuse-after 0 -- $sdes_caller
json "$tmp/refuse0.calls" 'j["calls"][0]["media"] == "fallback" and j["calls"][0]["sdes_leg"]["crypto_ops"] > 0'
check $? "ktrsbc-ctl calls: the call shows as fallback, the SDES leg transcrypted"
rx "$tmp/refuse0.caller.json" "$tmp/refuse0.callee.json" refuse0
[ "$recv" -ge $((sent - 3)) ] && [ "$fail" -le 2 ] && [ "$sent" -gt 100 ]
check $? "first new_srtp_key refused: the DTLS UA authenticates the SDES UA's stream under the handshake key ($recv of $sent)"
grep -q "refused new_srtp_key (message_seq [0-9]*) with new_srtp_key_failure, reason 3 (cannot act on it now); trunk carrier prefers KTR: SDES->DTLS transcrypted from now on, under the handshake key" "$tmp/sbc.err"
check $? "ktrsbc logs the refusal: message, reason, and the fallback under the handshake key"
stat_is s1 'j["ktr_refused"] >= 1 and j["ktr_fallbacks"] == 1 and j["ktr_gave_up"] == 0 and j["calls_fallback_total"] == 0'
check $? "ktrsbc-ctl stats: the refusal and the call moved to the fallback counted"

# 2. The first key acknowledged, the SDES UA's re-key (re-INVITE at 1 s)
#    refused: transcrypted to the acknowledged key A, not the handshake key
#    (the DTLS UA's listener no longer takes the handshake key for a stream
#    that used a KTR key).
# shellcheck disable=SC2086
call refuse1 $dtls_callee --ktr-refuse-after 1 -- $sdes_caller --rekey-after 1
rx "$tmp/refuse1.caller.json" "$tmp/refuse1.callee.json" refuse1
[ "$recv" -ge $((sent - 3)) ] && [ "$fail" -le 2 ] && [ "$sent" -gt 100 ]
check $? "re-key refused after A was acknowledged: the DTLS UA authenticates what follows under A ($recv of $sent)"
grep -q "under the last key the DTLS UA acknowledged" "$tmp/sbc.err"
check $? "ktrsbc logs the fallback under the last acknowledged key"
json "$tmp/refuse1.caller.json" "calls[0]['media']['tx_switches'] == 1"
check $? "the SDES UA did switch to its new key"

# 3. Nothing ever acknowledged (deaf from the start): give-up, then the
#    handshake key. Packets before the give-up (~0.5 s) fail; every one
#    after it authenticates.
# shellcheck disable=SC2086
call deaf0 $dtls_callee --ktr-deaf-after 0 -- $sdes_caller
rx "$tmp/deaf0.caller.json" "$tmp/deaf0.callee.json" deaf0
[ "$recv" -ge $((sent - 50)) ] && [ "$fail" -le 50 ] && [ "$sent" -gt 100 ]
check $? "first new_srtp_key never acknowledged: after the give-up the DTLS UA authenticates under the handshake key ($recv of $sent, $fail before it)"
grep -q "new_srtp_key (message_seq [0-9]*) never acknowledged by the DTLS UA: retransmission gave up; trunk carrier prefers KTR" "$tmp/sbc.err"
check $? "ktrsbc logs the give-up"

# 4. A acknowledged, then deaf: the re-key gives up; A again.
# shellcheck disable=SC2086
call deaf1 $dtls_callee --ktr-deaf-after 1 -- $sdes_caller --rekey-after 1
rx "$tmp/deaf1.caller.json" "$tmp/deaf1.callee.json" deaf1
[ "$recv" -ge $((sent - 50)) ] && [ "$fail" -le 50 ] && [ "$sent" -gt 100 ]
check $? "re-key never acknowledged after A was: after the give-up the DTLS UA authenticates under A ($recv of $sent, $fail before it)"
stat_is s4 'j["ktr_gave_up"] >= 2 and j["ktr_fallbacks"] == 4 and j["ended"]["crypto_ops_ktr"] == 0 and j["ended"]["crypto_ops_fallback"] > 0'
check $? "ktrsbc-ctl stats: give-ups counted, four calls moved to the fallback, their crypto counted as fallback"

# 5. From the DTLS side, deaf: A and the dictated B both give up. The
#    window's transcrypts stay: each UA authenticates the other's stream,
#    and the DTLS UA's SRTCP reaches the SDES UA again (a window drops it).
# shellcheck disable=SC2086
call ddeaf $sdes_callee -- $dtls_caller --ktr-deaf-after 0
rx "$tmp/ddeaf.callee.json" "$tmp/ddeaf.caller.json" ddeaf
# The SDES callee starts sending with its 200 OK, before the DTLS handshake
# gives the relay a key for the DTLS UA: those first packets are held
# (dropped, counted), a few more on a loaded machine. Loss after that, or
# any authentication failure, still fails.
[ "$recv" -ge $((sent - 10)) ] && [ "$fail" -eq 0 ] && [ "$sent" -gt 100 ]
check $? "DTLS-side call, nothing acknowledged: the DTLS UA authenticates the SDES UA's stream ($recv of $sent)"
json "$tmp/ddeaf.callee.json" "calls[0]['media']['auth_fail'] == 0 and calls[0]['media']['rtp_recv'] > 100 and calls[0]['media']['rtcp_recv'] >= 2"
check $? "... and the SDES UA the DTLS UA's, SRTCP included"
# A is announced once the SDES UA's first packet shows its SSRC, the
# dictated B at once: when B reaches the DTLS UA first it is not deaf yet
# (deaf after 0 keys counts the keys it is sent), takes B and echoes it,
# and only A gives up. Whether it took B is in its own JSON.
took_b=$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['media']['tx_switches'])" "$tmp/ddeaf.caller.json" 2>/dev/null)
want=$((2 + 1 + (${took_b:-0} > 0 ? 0 : 1)))
stat_is s5 "j['ktr_gave_up'] == $want"
check $? "ktrsbc-ctl stats: the give-ups counted ($want: A's, and B's unless the DTLS UA took B before A: switched ${took_b:-?})"

# 6. ktr = required: BYE with Reason to both UAs, a log line.
set_key carrier ktr required
# shellcheck disable=SC2086
call req $dtls_callee --ktr-refuse-after 0 -- $sdes_caller
json "$tmp/req.caller.json" "'SIP;cause=488;text=' in calls[0]['bye'] and 'new_srtp_key_failure' in calls[0]['bye']"
check $? "ktr = required: the SDES UA got BYE with Reason: SIP;cause=488 naming the refusal"
json "$tmp/req.callee.json" "'SIP;cause=488;text=' in calls[0]['bye']"
check $? "ktr = required: the DTLS UA got BYE with Reason: SIP;cause=488"
grep -q "trunk carrier requires KTR: ending the call" "$tmp/sbc.err"
check $? "ktrsbc logs why it ended the call"
stat_is s6 'j["ktr_ended"] == 1 and j["calls_active"] == 0'
check $? "ktrsbc-ctl stats: the call ended by the KTR failure counted"

sbc_term "ktrsbc exits 0 on SIGTERM"
! grep -q "ERROR: AddressSanitizer\|runtime error" "$tmp/sbc.err"
check $? "ktrsbc ran clean under the sanitizers"
echo "1..$n"

#!/bin/sh
# No key material in ktrsbc's logs or where SIP may not carry it (issue 11
# point 3), at log_level = debug: calls both ways (KTR), a double re-key
# (the DTLS UA's new_srtp_key B' goes to the SDES UA in a re-INVITE, which
# answers with a new key A''), and INVITEs whose a=crypto is malformed
# around a real key (with and without a key-method, lifetime and MKI after
# the key, bad lifetime, MKI, base64, length, suite, session parameter),
# and DTLS-side calls that an SDES UA answers with the same malformations.
# ktrsbc's SIP is captured on lo (dumpcap, its SIP port only); keyleak_check.py
# fails if any 16-character piece of any key (base64 at each alignment,
# hex) is in ktrsbc's stderr/stdout, in any SIP to or from the DTLS side,
# or in a status line, Warning or Reason header ktrsbc sent.
# TAP output; loopback only; every process bounded by timeout(1); only the
# PIDs started here are killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_keyleak
need "$SBC" "$UA" python3 timeout ss dumpcap

# Ports of this run (no other test's): SIP of the SBC P (tls P+1), pbx P+2,
# carrier P+4; media M..M+39 (the SBC M..M+19, the UAs above).
P=$((18200 + ($$ % 100) * 10))
M=$((19300 + ($$ % 20) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
sed -i 's/^log_level *=.*/log_level = debug/' "$conf/ktrsbc.conf"
grep -q '^log_level = debug$' "$conf/ktrsbc.conf"
check $? "ktrsbc configured with log_level = debug"

# ktrsbc's SIP, both ways, on lo (UDP only here: no TLS to see through).
timeout 120 dumpcap -q -i lo -P -f "udp port $SBC_SIP" -w "$tmp/sip.pcap" >"$tmp/dumpcap.err" 2>&1 &
cap=$!
pids="$pids $cap"
i=0
while [ ! -s "$tmp/sip.pcap" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$tmp/sip.pcap" ]
check $? "capturing ktrsbc's SIP port on lo"
sbc_start
check $? "ktrsbc starts"

# 1. SDES UA -> DTLS UA (KTR); the DTLS UA re-keys after 1 s: B' in a
#    re-INVITE to the SDES UA, A'' in its answer, A'' by new_srtp_key.
# shellcheck disable=SC2086
ua_pair rekey "$CALLEE_PORTS" "$CALLER_PORTS" \
	--dtls --ktr --listen "127.0.0.1:$CARRIER" --rekey-after 1 -- \
	--sdes --listen "127.0.0.1:$PBX" --call "sip:+15551234567@127.0.0.1:$SBC_SIP" --duration 3
check $((caller_rc + callee_rc)) "SDES UA -> ktrsbc -> DTLS UA with a double re-key: both calls ok"
json "$tmp/rekey.caller.json" "calls[0]['media']['rx_switches'] == 1 and calls[0]['media']['tx_switches'] == 1"
check $? "the SDES UA got B' in a re-INVITE and switched to its new key A''"

# 2. DTLS UA -> SDES UA: key B to the trusted pbx trunk.
# shellcheck disable=SC2086
ua_pair out "$CALLEE_PORTS" "$CALLER_PORTS" --sdes --listen "127.0.0.1:$PBX" -- \
	--dtls --ktr --listen "127.0.0.1:$CARRIER" --call "sip:bob@127.0.0.1:$SBC_SIP" --duration 2
check $((caller_rc + callee_rc)) "DTLS UA -> ktrsbc -> SDES UA: both calls ok"

# 3. Malformed a=crypto around real keys, from the pbx trunk's address.
timeout 90 python3 tests/integ/sip_bad_crypto.py "$SBC_SIP" "$PBX" "$tmp/bad.keys" "$tmp/bad.resp"
check $? "13 INVITEs with malformed a=crypto: each refused with a final error response"
grep -c '^SIP/2.0 488' "$tmp/bad.resp" | grep -qx 13
check $? "all 13 refused with 488"

# 4. The other way: DTLS UA -> ktrsbc -> an SDES UA answering with those
#    malformed a=crypto lines (the reason phrase of the 488 goes to the
#    DTLS side). 13 calls, one per variant.
timeout 60 python3 tests/integ/sip_bad_crypto.py uas "$PBX" "$tmp/badans.keys" 14 >"$tmp/badans.n" &
uas=$!
pids="$pids $uas"
wait_port "$PBX" # the first call found it not yet bound (503) on a loaded host
timeout 40 "$UA" --dtls --ktr --listen "127.0.0.1:$CARRIER" --call "sip:bob@127.0.0.1:$SBC_SIP" \
	--calls 13 --rate 10 --duration 1 --media-ports "$CALLER_PORTS" >"$tmp/badans.json" 2>"$tmp/badans.err"
wait "$uas"
json "$tmp/badans.json" "len(calls) == 13 and all(c['sip_status'] == 488 for c in calls)"
check $? "13 DTLS-side calls answered with malformed a=crypto: each refused with 488"
cat "$tmp/badans.keys" >>"$tmp/bad.keys"

sbc_term "ktrsbc exits 0 on SIGTERM"
sleep 0.3
kill "$cap"
wait "$cap"

# 4. The verdict over everything ktrsbc wrote and sent.
python3 tests/integ/keyleak_check.py "$tmp/sip.pcap" "$SBC_SIP" "$CARRIER" "$tmp/bad.keys" \
	"$tmp/sbc.err" "$tmp/sbc.out"
check $? "no piece of any key in ktrsbc's debug log, its SIP with the DTLS side, or its reason phrases"
grep -q "refused\|malformed\|a=crypto" "$tmp/sbc.err"
check $? "ktrsbc logged the refusals (the log under test is not empty of them)"
echo "1..$n"

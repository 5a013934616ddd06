#!/bin/sh
# ktrsbc with RTCP on its own port (RFC 3550 11, RFC 3605) on the SDES side:
# ktrua --sdes --no-rtcp-mux (a PBX-style UA: no a=rtcp-mux, a=rtcp with an
# address, SRTCP on RTP port + 1) against ktrua --dtls (which muxes, as the
# SBC requires on its DTLS side). SRTCP is checked on the wire from the UAs'
# captures; RTCP from a wrong source must be dropped at the SBC's RTCP port.
# TAP output; loopback only; every process bounded by timeout(1).
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_rtcp
need "$SBC" "$CTL" "$UA" python3 timeout ss

# Ports of this run (apart from the other SBC tests' 23000..32000 and
# 35000..62000): SIP of the SBC P (tls P+1), pbx P+2, carrier P+4; media:
# the SBC M..M+19, the callee M+20..M+29, the caller M+30..M+39.
P=$((32100 + ($$ % 100) * 10))
M=$((62100 + ($$ % 50) * 60))
sbc_ports "$P" "$M" "$((M + 19))"

sbc_start -v
check $? "ktrsbc starts on its configuration"

sdes_nomux="--sdes --no-rtcp-mux --rtcp-every 10"
sdes_caller="$sdes_nomux --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$SBC_SIP"
dtls_callee="--dtls --listen 127.0.0.1:$CARRIER --rtcp-every 10"
rtcp_same() { # sender-pcap sender-ports receiver-pcap receiver-ports max-different min
	python3 tests/integ/sbc_wire_check.py "$1" "$2" "$3" "$4" "$5" rtcp "$6"
}

# 1. SDES caller without mux -> DTLS+KTR callee (Figure 7). Meanwhile the
#    SBC's SDES-side RTCP port gets RTCP-looking datagrams from a stranger.
# shellcheck disable=SC2086
timeout 60 "$UA" $dtls_callee --ktr --media-ports "$CALLEE_PORTS" \
	--capture "$tmp/f7.callee.pcap" >"$tmp/f7.callee.json" 2>"$tmp/f7.callee.err" &
cpid=$!
pids="$pids $cpid"
sleep 0.5
# shellcheck disable=SC2086
timeout 60 "$UA" $sdes_caller --duration 4 --media-ports "$CALLER_PORTS" \
	--capture "$tmp/f7.caller.pcap" >"$tmp/f7.caller.json" 2>"$tmp/f7.caller.err" &
upid=$!
pids="$pids $upid"
sleep 2
"$CTL" -s "$conf/ctl.sock" calls >"$tmp/calls.json" 2>&1
python3 - "$tmp/calls.json" <<'PY'
import json, socket, sys
j = json.loads(open(sys.argv[1]).read())
port = j["calls"][0]["sdes_rtcp"]["port"]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# an SRTCP-shaped receiver report (V=2, PT 201) with a bogus tag
pkt = bytes([0x81, 201, 0, 7]) + bytes(40)
for _ in range(30):
    s.sendto(pkt, ("127.0.0.1", port))
PY
sleep 0.3
"$CTL" -s "$conf/ctl.sock" calls >"$tmp/calls2.json" 2>&1
wait "$upid"
caller_rc=$?
wait "$cpid"
callee_rc=$?
check $((caller_rc + callee_rc)) "SDES caller without rtcp-mux -> ktrsbc -> DTLS+KTR callee: both calls ok"
json "$tmp/calls.json" "(lambda c: 'dtls_rtcp' not in c and c['sdes_rtcp']['port'] == c['sdes_leg']['port'] + 1 and c['sdes_leg']['port'] % 2 == 0 and c['sdes_rtcp']['fwd_pkts'] >= 3)(j['calls'][0])"
check $? "the SBC's SDES leg has an RTCP port (RTP even, RTCP odd) forwarding SRTCP; the DTLS leg muxes"
json "$tmp/calls2.json" "j['calls'][0]['sdes_rtcp']['dropped_src'] >= 30 and j['calls'][0]['sdes_leg']['dropped_src'] == 0"
check $? "30 RTCP datagrams from a wrong source to the SBC's RTCP port dropped and counted there"
json "$tmp/f7.callee.json" "$ok_call and calls[0]['mode'] == 'dtls-ktr' and calls[0]['media']['rtcp_recv'] >= 10"
check $? "the DTLS UA authenticated the SDES UA's SRTCP (muxed on its side), nothing failed"
json "$tmp/f7.caller.json" "$ok_call and calls[0]['media']['rtcp_recv'] >= 10 and calls[0]['media']['dropped_source'] == 0"
check $? "the SDES UA authenticated the DTLS UA's SRTCP on its own RTCP port"
rtcp_same "$tmp/f7.caller.pcap" "$CALLER_PORTS" "$tmp/f7.callee.pcap" "$CALLEE_PORTS" 0 10
check $? "every SRTCP packet that reached the DTLS UA is byte-identical to one the SDES UA sent from its RTCP port"
rtcp_same "$tmp/f7.callee.pcap" "$CALLEE_PORTS" "$tmp/f7.caller.pcap" "$CALLER_PORTS" 0 10
check $? "every SRTCP packet that reached the SDES UA's RTCP port is byte-identical to one the DTLS UA sent"
python3 tests/integ/sbc_wire_check.py "$tmp/f7.caller.pcap" "$CALLER_PORTS" "$tmp/f7.callee.pcap" "$CALLEE_PORTS" 0 >/dev/null
check $? "SRTP too: every packet that reached the DTLS UA is byte-identical to one the SDES UA sent"
stats
json "$tmp/stats.json" "j['calls_ktr_total'] == 1 and j['ended']['crypto_ops_ktr'] == 0"
check $? "ktrsbc: a KTR call, zero per-packet crypto operations (SRTCP included)"

# 2. DTLS+KTR caller -> SDES callee without mux: ktrsbc offers a=rtcp-mux
#    with a=rtcp (RFC 5761 5.1.3); the answer refuses mux and the SBC opens
#    the SDES leg's RTCP port.
# shellcheck disable=SC2086
ua_pair dir2 "$CALLEE_PORTS" "$CALLER_PORTS" $sdes_nomux --listen 127.0.0.1:$PBX -- \
	$dtls_callee --ktr --call "sip:+12125550123@127.0.0.1:$SBC_SIP" --duration 4
check $((caller_rc + callee_rc)) "DTLS+KTR caller -> ktrsbc -> SDES callee without rtcp-mux: both calls ok"
json "$tmp/dir2.callee.json" "$ok_call and calls[0]['media']['rtcp_recv'] >= 5"
check $? "the SDES UA authenticated SRTCP on its own RTCP port"
json "$tmp/dir2.caller.json" "$ok_call and calls[0]['media']['rtcp_recv'] >= 5 and calls[0]['media']['tx_switches'] == 1"
check $? "the DTLS UA authenticated the SDES UA's SRTCP and switched to the dictated key"
rtcp_same "$tmp/dir2.caller.pcap" "$CALLER_PORTS" "$tmp/dir2.callee.pcap" "$CALLEE_PORTS" 0 5
check $? "DTLS -> SDES SRTCP byte-identical (SRTCP of the window before the switch is dropped, never re-protected)"
rtcp_same "$tmp/dir2.callee.pcap" "$CALLEE_PORTS" "$tmp/dir2.caller.pcap" "$CALLER_PORTS" 3 5
check $? "SDES -> DTLS SRTCP byte-identical once the DTLS UA has A"

# 3. Fallback (Figure 6): a DTLS UA without KTR; the SDES UA's SRTCP from
#    its own port goes through the crypto stage.
# shellcheck disable=SC2086
ua_pair fb "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee -- $sdes_caller --duration 3
check $((caller_rc + callee_rc)) "fallback call with an SDES UA without rtcp-mux: both ok"
json "$tmp/fb.callee.json" "$ok_call and calls[0]['mode'] == 'dtls' and calls[0]['media']['rtcp_recv'] >= 5"
check $? "fallback: the DTLS UA authenticated the transcrypted SRTCP from the SDES UA's RTCP port"
json "$tmp/fb.caller.json" "$ok_call and calls[0]['media']['rtcp_recv'] >= 5"
check $? "fallback: the SDES UA got the DTLS UA's SRTCP on its RTCP port"
stats
json "$tmp/stats.json" "j['calls_fallback_total'] == 1 and j['ended']['crypto_ops_fallback'] > 50"
check $? "fallback: ktrsbc transcrypted"

# 4. A DTLS UA (SIPp) refusing the rtcp-mux ktrsbc offered: RTCP on its own
#    port would need a second DTLS association (RFC 5764 4.1), which ktrsbc
#    does not run: 488 to the caller, BYE to the DTLS UA, and why in the log.
if command -v sipp >/dev/null 2>&1; then
	timeout 30 sipp -sf tests/sipp/carrier_uas_nomux.xml -i 127.0.0.1 -p "$CARRIER" \
		-mp "$((P + 6))" -m 1 -timeout 25 >"$tmp/nomux.sipp.out" 2>&1 &
	sipp_pid=$!
	pids="$pids $sipp_pid"
	wait_port "$CARRIER"
	# shellcheck disable=SC2086
	timeout 30 "$UA" $sdes_caller --duration 1 --media-ports "$CALLER_PORTS" \
		>"$tmp/nomux.caller.json" 2>"$tmp/nomux.caller.err"
	json "$tmp/nomux.caller.json" "calls[0]['sip_status'] == 488"
	check $? "a DTLS answer without a=rtcp-mux: the SDES caller gets 488"
	wait "$sipp_pid"
	check $? "carrier_uas_nomux.xml: ktrsbc offered a=rtcp-mux on its DTLS side, then ACKed and sent BYE to the refusal"
	grep -q "DTLS-SRTP answer has no a=rtcp-mux" "$tmp/sbc.err"
	check $? "ktrsbc logged why (RTP/RTCP multiplexing required on the DTLS side)"
else
	nok "sipp is missing (scripts/deps.sh)"
fi

sbc_term "ktrsbc exits 0 on SIGTERM (no leak, no sanitizer report)"
echo "1..$n"

#!/bin/sh
# Issue 14 point 2: media that moves mid-call, through ktrsbc, with real
# peers. ktrua (src/ua/ua_move.c) moves its media to a new port by
# re-INVITE or UPDATE (RFC 3311), holds with c=0.0.0.0 (RFC 3264 8.4) and
# resumes on a new port; SIPp (scripts/sipp/sdes_uac_hold_move.xml) holds
# with c=0.0.0.0 and resumes on a new address where a sink listens. After
# each move: the relay sends to the new port only (nothing on the old one
# after the answer), the bytes arriving there are those the other UA sent,
# packets from the old port are dropped and counted (dropped_source), a
# pure move is answered by ktrsbc without a re-offer to the other UA, and a
# hold reaches the other UA as a=sendonly while nothing is sent toward
# 0.0.0.0. TAP output; loopback only (127.0.0.2 for SIPp's new address);
# every process bounded by timeout(1); only the PIDs started here are
# killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_move
SC=$top/scripts/sipp
PY=/usr/bin/python3
"$PY" -c "import cryptography" 2>/dev/null || missing="${missing:-} python3-cryptography"
[ "$(id -u)" -eq 0 ] || missing="${missing:-} root(SIPp's raw socket for play_pcap_audio)"
need "$SBC" "$CTL" "$UA" sipp python3 timeout ss

# Ports of this run: SIP of the SBC P, pbx P+2, carrier P+4, SIPp's media
# P+6 (and P+8), the sink at 127.0.0.2:P+9; media: the SBC M..M+19, the
# ktrua callee M+20..M+29, caller M+30..M+39.
P=$((34800 + ($$ % 19) * 10))
M=$((65100 + ($$ % 10) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
SIPP_MEDIA=$((P + 6))
SINK=$((P + 9))

sbc_start -v
check $? "ktrsbc starts on its configuration"

sdes_caller="--sdes --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$SBC_SIP --duration 3"
dtls_callee="--dtls --ktr --listen 127.0.0.1:$CARRIER"

# dropped NAME: ktrsbc's ended.dropped_source so far (the control socket
# may still be coming up at the start).
dropped() {
	i=0
	until stats "$1" && grep -q dropped_source "$tmp/$1.json"; do
		i=$((i + 1))
		[ $i -gt 50 ] && break
		sleep 0.1
	done
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ended"]["dropped_source"])' "$tmp/$1.json"
}

# 1. The SDES UA moves its media to a new port by re-INVITE 1 s after
#    the answer, then sends 10 datagrams from the old port.
d0=$(dropped d0)
# shellcheck disable=SC2086
ua_pair mv1 "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee -- $sdes_caller \
	--move-after-ms 1000 --move-stray 10
check $((caller_rc + callee_rc)) "SDES UA moves by re-INVITE: both UAs' calls ok"
json "$tmp/mv1.caller.json" "j['result'] == 'ok' and j['move']['answers'] == 1 and j['move']['old_rx'] == 0 and j['move']['rx_after'] >= 75 and j['media']['auth_fail'] == 0 and j['streams'][0]['port'] != j['move']['old_port']"
check $? "SDES UA moves: after the answer nothing reaches its old port, 75+ authenticated packets its new one"
json "$tmp/mv1.callee.json" "j['result'] == 'ok' and j['move']['reoffers_in'] == 0 and j['media']['auth_fail'] == 0 and j['media']['rtp_recv'] >= 140"
check $? "SDES UA moves: no re-offer reached the DTLS UA, whose media went on authenticated"
same_bytes "$tmp/mv1.callee.pcap" "$CALLEE_PORTS" "$tmp/mv1.caller.pcap" "$CALLER_PORTS" 0 port "$(ua_port "$tmp/mv1.caller.json")"
check $? "SDES UA moves: what reached its new port is byte for byte what the DTLS UA sent"
same_bytes "$tmp/mv1.caller.pcap" "$CALLER_PORTS" "$tmp/mv1.callee.pcap" "$CALLEE_PORTS" 0
check $? "SDES UA moves: the DTLS UA got byte for byte what the SDES UA sent, from either port"
d1=$(dropped d1)
[ $((d1 - d0)) -ge 10 ]
check $? "SDES UA moves: its 10 datagrams from the old port dropped and counted (dropped_source +$((d1 - d0)))"

# 2. The DTLS UA (callee) moves by UPDATE (RFC 3311).
# shellcheck disable=SC2086
ua_pair mv2 "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee --move-after-ms 1000 \
	--move-by-update --move-stray 10 -- $sdes_caller
check $((caller_rc + callee_rc)) "DTLS UA moves by UPDATE: both UAs' calls ok"
json "$tmp/mv2.callee.json" "j['result'] == 'ok' and j['move']['answers'] == 1 and j['move']['old_rx'] == 0 and j['move']['rx_after'] >= 75 and j['media']['auth_fail'] == 0"
check $? "DTLS UA moves: UPDATE answered 200, nothing on its old port afterwards, 75+ authenticated on the new one (same DTLS association, KTR keys)"
json "$tmp/mv2.caller.json" "j['result'] == 'ok' and j['move']['reoffers_in'] == 0 and j['media']['auth_fail'] == 0"
check $? "DTLS UA moves: no re-offer reached the SDES UA"
same_bytes "$tmp/mv2.caller.pcap" "$CALLER_PORTS" "$tmp/mv2.callee.pcap" "$CALLEE_PORTS" 0 port "$(ua_port "$tmp/mv2.callee.json")"
check $? "DTLS UA moves: what reached its new port is byte for byte what the SDES UA sent"
d2=$(dropped d2)
[ $((d2 - d1)) -ge 10 ]
check $? "DTLS UA moves: its 10 datagrams from the old port dropped and counted (dropped_source +$((d2 - d1)))"

# 3. The SDES UA holds with c=0.0.0.0 at 0.8 s and resumes on a new port at
#    1.8 s (it keeps sending while held, as a UA with music on hold).
# shellcheck disable=SC2086
ua_pair h1 "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee -- $sdes_caller \
	--hold0-after-ms 800 --resume-after-ms 1800
check $((caller_rc + callee_rc)) "SDES UA holds with c=0.0.0.0 and resumes: both UAs' calls ok"
json "$tmp/h1.caller.json" "j['move']['answers'] == 2 and j['move']['held_measured'] and j['move']['held_rx'] == 0 and j['move']['old_rx'] == 0 and j['move']['rx_after'] >= 50 and j['media']['auth_fail'] == 0"
check $? "c=0.0.0.0 hold: nothing reached the SDES UA while held; after the resume 50+ packets on its new port, none on the old"
json "$tmp/h1.callee.json" "j['result'] == 'ok' and j['move']['dirs_in'] == 'sendonly,sendrecv' and j['media']['auth_fail'] == 0"
check $? "c=0.0.0.0 hold: the DTLS UA was offered a=sendonly, then a=sendrecv at the resume"
same_bytes "$tmp/h1.callee.pcap" "$CALLEE_PORTS" "$tmp/h1.caller.pcap" "$CALLER_PORTS" 0 port "$(ua_port "$tmp/h1.caller.json")"
check $? "c=0.0.0.0 hold: what reached the resumed port is byte for byte what the DTLS UA sent"

# 4. The DTLS UA holds with c=0.0.0.0 and resumes on a new port, by UPDATE:
#    ktrsbc re-INVITEs the SDES UA with the hold and the resume.
# shellcheck disable=SC2086
ua_pair h2 "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee --hold0-after-ms 800 \
	--resume-after-ms 1800 --move-by-update -- $sdes_caller
check $((caller_rc + callee_rc)) "DTLS UA holds with c=0.0.0.0 and resumes by UPDATE: both UAs' calls ok"
json "$tmp/h2.callee.json" "j['move']['answers'] == 2 and j['move']['held_measured'] and j['move']['held_rx'] == 0 and j['move']['old_rx'] == 0 and j['move']['rx_after'] >= 50 and j['media']['auth_fail'] == 0"
check $? "DTLS UA's hold: nothing reached it while held; after the resume 50+ packets on its new port"
json "$tmp/h2.caller.json" "j['result'] == 'ok' and j['move']['dirs_in'] == 'sendonly,sendrecv' and j['media']['auth_fail'] == 0"
check $? "DTLS UA's hold: the SDES UA was re-INVITEd with a=sendonly, then a=sendrecv"

# 5. SIPp (sdes_uac_hold_move.xml): hold with c=0.0.0.0, resume on
#    127.0.0.2:SINK, where a sink records what the relay sends.
KEY_A=WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz
"$PY" "$SC/srtp_pcap.py" --key "$KEY_A" --packets 100 --out "$tmp/srtp_a.pcap"
check $? "srtp_pcap.py writes the SRTP capture SIPp plays"
# shellcheck disable=SC2086
timeout 60 "$UA" $dtls_callee --media-ports "$CALLEE_PORTS" --capture "$tmp/s5.callee.pcap" \
	>"$tmp/s5.callee.json" 2>"$tmp/s5.callee.err" &
upid=$!
pids="$pids $upid"
timeout 20 python3 tests/integ/sink_peer.py udphex "$SINK" "$tmp/s5.sink.hex" 9 127.0.0.2 &
kpid=$!
pids="$pids $kpid"
sleep 0.5
(cd "$tmp" && timeout 60 sipp -sf "$SC/sdes_uac_hold_move.xml" -i 127.0.0.1 -mp "$SIPP_MEDIA" \
	-key resume_ip 127.0.0.2 -key resume_port "$SINK" -p "$PBX" -s bob -m 1 \
	-nostdin -trace_err -error_file "$tmp/s5.err.log" -timeout 30 -timeout_error \
	"127.0.0.1:$SBC_SIP" >"$tmp/s5.sipp.out" 2>&1)
rc=$?
check $rc "sdes_uac_hold_move.xml: the hold answered a=recvonly with a=crypto:7, the resume on a new address answered without a hold direction, BYE answered"
[ $rc -eq 0 ] || diag "$tmp/s5.sipp.out" "$tmp/s5.err.log"
wait "$upid"
json "$tmp/s5.callee.json" "j['result'] == 'ok' and j['move']['dirs_in'] == 'sendonly,sendrecv' and j['media']['auth_fail'] == 0"
check $? "sdes_uac_hold_move.xml: the DTLS UA saw the hold (a=sendonly) and the resume, authenticated SIPp's SRTP"
wait "$kpid"
same_bytes "$tmp/s5.callee.pcap" "$CALLEE_PORTS" "$tmp/s5.sink.hex" - 0
check $? "sdes_uac_hold_move.xml: after the resume the DTLS UA's SRTP reached the new address, byte for byte"

sbc_term "ktrsbc exits 0 on SIGTERM"
! grep -q "ERROR: AddressSanitizer\|runtime error" "$tmp/sbc.err"
check $? "no sanitizer report from ktrsbc"
echo "1..$n"

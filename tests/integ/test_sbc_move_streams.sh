#!/bin/sh
# Issue 14 point 2, streams removed and added mid-call (RFC 3264 8.1, 8.2),
# through ktrsbc, with ktrua on both sides (src/ua/ua_move.c): a stream
# removed (port 0) by either UA is removed on both legs and its relay call
# freed, the others go on; video added by either UA becomes a stream of
# its own (DTLS association and KTR on the DTLS side), one past
# max_streams is declined with port 0. TAP output;
# loopback only; every process bounded by timeout(1); only the PIDs
# started here are killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_move_streams
need "$SBC" "$CTL" "$UA" python3 timeout ss

# Ports of this run: SIP of the SBC P, pbx P+2, carrier P+4; media: the
# SBC M..M+19, the ktrua callee M+20..M+29, caller M+30..M+39.
P=$((3020 + ($$ % 8) * 10))
M=$((10020 + ($$ % 2) * 40))
sbc_ports "$P" "$M" "$((M + 19))"

sbc_start -v
check $? "ktrsbc starts on its configuration"

sdes_caller="--sdes --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$SBC_SIP --duration 3"
dtls_callee="--dtls --ktr --listen 127.0.0.1:$CARRIER"

# 1. A stream removed (RFC 3264 8.2): the video of an audio+video call
#    offered again at port 0, by either UA; ktrsbc offers the other UA the
#    same, answers with port 0 and frees the stream's relay call (legs,
#    DTLS association, KTR state, keys): `ktrsbc-ctl calls` a second later
#    shows the audio stream alone, which goes on.
# rm NAME CALLEE-ARGS -- CALLER-ARGS: ua_pair with `ktrsbc-ctl calls` taken
# 2.3 s after the caller starts, into $tmp/NAME.calls.
rm_pair() {
	name=$1
	shift
	(sleep 2.3; "$CTL" -s "$conf/ctl.sock" calls >"$tmp/$name.calls" 2>&1) &
	pids="$pids $!"
	ua_pair "$name" "$CALLEE_PORTS" "$CALLER_PORTS" "$@"
}
# shellcheck disable=SC2086
rm_pair rm1 $dtls_callee -- $sdes_caller --video --remove-video-after-ms 1000
json "$tmp/rm1.caller.json" "j['result'] == 'ok' and j['move']['removed'] == 1 and j['streams'][1]['port'] == 0 and j['media']['auth_fail'] == 0 and j['media']['rtp_recv'] >= 140" &&
	json "$tmp/rm1.callee.json" "j['result'] == 'ok' and j['move']['removed_in'] == 1 and j['streams'][1]['port'] == 0 and j['media']['rtp_recv'] >= 140"
check $((caller_rc + callee_rc + $?)) "SDES UA removes its video (port 0): the DTLS UA is offered port 0 and answers it, audio goes on at both"
json "$tmp/rm1.calls" "len(j['calls'][0]['streams']) == 1 and j['calls'][0]['streams'][0]['kind'] == 'audio'"
check $? "SDES UA removes its video: ktrsbc relays the audio stream alone afterwards"
grep -q "m-line 1 removed (port 0" "$tmp/sbc.err"
check $? "SDES UA removes its video: the log names the m-line freed"
# shellcheck disable=SC2086
rm_pair rm2 $dtls_callee --remove-video-after-ms 1000 --move-by-update -- $sdes_caller --video
json "$tmp/rm2.callee.json" "j['result'] == 'ok' and j['move']['removed'] == 1 and j['streams'][1]['port'] == 0" &&
	json "$tmp/rm2.caller.json" "j['result'] == 'ok' and j['move']['removed_in'] == 1 and j['media']['auth_fail'] == 0" &&
	json "$tmp/rm2.calls" "len(j['calls'][0]['streams']) == 1"
check $((caller_rc + callee_rc + $?)) "DTLS UA removes the video by UPDATE: the SDES UA re-INVITEd with port 0, one stream left"

# 2. A stream added mid-call (RFC 3264 8.1), by either UA.
#    The SDES UA adds video: ktrsbc offers the DTLS UA a video m-line of its
#    own (a new DTLS association with KTR for it, RFC 5764 4.1), answers
#    the SDES UA once that handshake is up (key B of the new association),
#    and the video flows both ways, KTR only, byte for byte. The DTLS UA
#    adds video: the SDES UA is offered a fresh key B, the DTLS UA is
#    answered at once and ktrsbc's DTLS client keys the new association
#    (new_srtp_key(A), your_new_srtp_key(B)). The same when the callee
#    adds it.
# shellcheck disable=SC2086
rm_pair ad1 $dtls_callee -- $sdes_caller --add-video-after-ms 800
json "$tmp/ad1.caller.json" "j['result'] == 'ok' and j['move']['added_port'] > 0 and j['streams'][1]['type'] == 'video' and j['streams'][1]['media']['rtp_recv'] >= 200 and j['streams'][1]['media']['auth_fail'] == 0 and j['media']['rtp_recv'] >= 140" &&
	json "$tmp/ad1.callee.json" "j['result'] == 'ok' and j['move']['added_in'] == 1 and j['streams'][1]['media']['rtp_recv'] >= 200 and j['streams'][1]['media']['auth_fail'] == 0 and j['streams'][1]['media']['keys_installed'] >= 1 and j['streams'][1]['media']['mode'] == 'dtls'"
check $((caller_rc + callee_rc + $?)) "SDES UA adds video: a new stream both ways, the DTLS UA's video keyed by KTR on its own association, nothing failing authentication"
json "$tmp/ad1.calls" "len(j['calls'][0]['streams']) == 2 and j['calls'][0]['streams'][1]['kind'] == 'video' and j['calls'][0]['streams'][1]['media'] == 'ktr'"
check $? "SDES UA adds video: ktrsbc-ctl calls shows the video stream, in KTR mode"
same_bytes "$tmp/ad1.caller.m1.pcap" "$CALLER_PORTS" "$tmp/ad1.callee.m1.pcap" "$CALLEE_PORTS" 0 &&
	same_bytes "$tmp/ad1.callee.m1.pcap" "$CALLEE_PORTS" "$tmp/ad1.caller.m1.pcap" "$CALLER_PORTS" 0
check $? "SDES UA adds video: the added stream's SRTP crosses byte for byte both ways (no per-packet crypto)"
grep -q "added stream (m-line 1) up: KTR, forwarding only" "$tmp/sbc.err"
check $? "SDES UA adds video: the log says the added stream is up with KTR"
# The DTLS UA (the callee) adds video, by UPDATE.
# shellcheck disable=SC2086
ua_pair ad2 "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee --add-video-after-ms 800 --move-by-update -- $sdes_caller
json "$tmp/ad2.callee.json" "j['result'] == 'ok' and j['move']['added_port'] > 0 and j['streams'][1]['media']['rtp_recv'] >= 200 and j['streams'][1]['media']['auth_fail'] == 0 and j['streams'][1]['media']['keys_installed'] >= 1 and j['streams'][1]['media']['tx_switches'] == 1" &&
	json "$tmp/ad2.caller.json" "j['result'] == 'ok' and j['move']['added_in'] == 1 and j['streams'][1]['media']['rtp_recv'] >= 200 and j['streams'][1]['media']['auth_fail'] == 0"
check $((caller_rc + callee_rc + $?)) "DTLS UA (callee) adds video by UPDATE: the SDES UA re-INVITEd with a fresh B, the new association keyed by KTR (the switch to B), both ways"
# The DTLS UA places the call and adds video.
(sleep 2.5; "$CTL" -s "$conf/ctl.sock" calls >"$tmp/ad3.calls" 2>&1) &
pids="$pids $!"
timeout 60 "$UA" --sdes --listen "127.0.0.1:$PBX" --media-ports "$CALLEE_PORTS" \
	--capture "$tmp/ad3.callee.pcap" >"$tmp/ad3.callee.json" 2>"$tmp/ad3.callee.err" &
cpid=$!
pids="$pids $cpid"
sleep 0.5
timeout 60 "$UA" --dtls --ktr --listen "127.0.0.1:$CARRIER" --call "sip:+12125550123@127.0.0.1:$SBC_SIP" \
	--duration 3 --add-video-after-ms 800 --media-ports "$CALLER_PORTS" \
	--capture "$tmp/ad3.caller.pcap" >"$tmp/ad3.caller.json" 2>"$tmp/ad3.caller.err"
caller_rc=$?
wait "$cpid"
callee_rc=$?
json "$tmp/ad3.caller.json" "j['result'] == 'ok' and j['move']['added_port'] > 0 and j['streams'][1]['media']['rtp_recv'] >= 200 and j['streams'][1]['media']['auth_fail'] == 0 and j['streams'][1]['media']['keys_installed'] >= 1 and j['streams'][1]['media']['tx_switches'] == 1" &&
	json "$tmp/ad3.callee.json" "j['result'] == 'ok' and j['move']['added_in'] == 1 and j['streams'][1]['media']['rtp_recv'] >= 200 and j['streams'][1]['media']['auth_fail'] == 0"
check $((caller_rc + callee_rc + $?)) "DTLS UA adds video to the call it placed: A by new_srtp_key, the switch to the dictated B, both ways, nothing failing authentication"
json "$tmp/ad3.calls" "len(j['calls'][0]['streams']) == 2 and j['calls'][0]['streams'][1]['kind'] == 'video' and j['calls'][0]['streams'][1]['media'] == 'ktr'"
check $? "DTLS UA adds video: ktrsbc-ctl calls shows the video stream, in KTR mode"

# The SDES UA (the callee) adds video to the call the DTLS UA placed.
timeout 60 "$UA" --sdes --listen "127.0.0.1:$PBX" --media-ports "$CALLEE_PORTS" --add-video-after-ms 800 \
	>"$tmp/ad4.callee.json" 2>"$tmp/ad4.callee.err" &
cpid=$!
pids="$pids $cpid"
sleep 0.5
timeout 60 "$UA" --dtls --ktr --listen "127.0.0.1:$CARRIER" --call "sip:+12125550123@127.0.0.1:$SBC_SIP" \
	--duration 3 --media-ports "$CALLER_PORTS" >"$tmp/ad4.caller.json" 2>"$tmp/ad4.caller.err"
caller_rc=$?
wait "$cpid"
callee_rc=$?
json "$tmp/ad4.callee.json" "j['result'] == 'ok' and j['move']['added_port'] > 0 and j['streams'][1]['media']['rtp_recv'] >= 200 and j['streams'][1]['media']['auth_fail'] == 0" &&
	json "$tmp/ad4.caller.json" "j['result'] == 'ok' and j['move']['added_in'] == 1 and j['streams'][1]['media']['rtp_recv'] >= 200 and j['streams'][1]['media']['keys_installed'] >= 1 and j['streams'][1]['media']['auth_fail'] == 0"
check $((caller_rc + callee_rc + $?)) "SDES UA (callee) adds video to the DTLS UA's call: A by new_srtp_key on the new association, both ways"
sbc_term "ktrsbc exits 0 on SIGTERM"

# 3. Past max_streams (1 here) an added m-line is declined with port 0,
#    logged and counted; the call goes on.
sed -i 's/^max_streams *=.*/max_streams = 1/' "$conf/ktrsbc.conf"
mv "$tmp/sbc.err" "$tmp/sbc1.err"
sbc_start -v
check $? "ktrsbc starts again with max_streams = 1"
# shellcheck disable=SC2086
ua_pair ad5 "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee -- $sdes_caller --add-video-after-ms 800
stats ad5
json "$tmp/ad5.caller.json" "j['result'] == 'ok' and j['move']['added_port'] == 0 and j['media']['rtp_recv'] >= 140" &&
	json "$tmp/ad5.callee.json" "j['result'] == 'ok' and j['move']['reoffers_in'] == 0" &&
	json "$tmp/ad5.json" "j['mlines_declined'] >= 1" &&
	grep -q "m-line 1 (m=video RTP/SAVP) added by the SDES UA: declined with port 0" "$tmp/sbc.err"
check $((caller_rc + callee_rc + $?)) "past max_streams: the added video declined with port 0 (log line, mlines_declined), the DTLS UA not asked, audio goes on"

! grep -q "ERROR: AddressSanitizer\|runtime error" "$tmp/sbc.err" "$tmp/sbc1.err"
check $? "no sanitizer report from ktrsbc"
echo "1..$n"

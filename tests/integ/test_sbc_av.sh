#!/bin/sh
# ktrsbc with audio and video in one call: every RTP m-line is a stream of
# its own (relay ports, keys A/B/C, a DTLS association with KTR toward the
# DTLS UA, RFC 5764 4.1 without BUNDLE), non-RTP m-lines are declined with
# port 0 on both legs, and an offer with more RTP m-lines than max_streams
# gets 488 naming the limit. Peers: ktrua --video on both sides (SDES on the
# pbx trunk, DTLS+KTR on the carrier trunk), both call directions, checked
# from ktrua's per-stream JSON and captures (byte identity per stream, the
# two-time pad of draft-wing-avt-dtls-srtp-key-transport-02 6.2), and SIPp
# (scripts/sipp/sdes_uac_av.xml, tests/sipp/sbc_uac_too_many.xml). TAP
# output; loopback only; every process bounded by timeout(1).
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_av
need "$SBC" "$CTL" "$UA" sipp python3 timeout ss

# Ports of this run: SIP of the SBC P (tls P+1), pbx P+2, carrier P+4;
# media: the SBC M..M+19, the callee M+20..M+29, the caller M+30..M+39,
# SIPp M+40..
P=$((3100 + ($$ % 190) * 10))
M=$((1100 + ($$ % 45) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
sbc_start -v
check $? "ktrsbc starts on its configuration"

sdes_caller="--sdes --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$SBC_SIP"
dtls_caller="--dtls --ktr --listen 127.0.0.1:$CARRIER --call sip:+12125550123@127.0.0.1:$SBC_SIP"

# av_call NAME CALLEE-ARGS -- CALLER-ARGS: ua_pair, and `ktrsbc-ctl calls`
# into $tmp/NAME.calls.json 1.5 s into the call.
av_call() {
	(sleep 2; "$CTL" -s "$conf/ctl.sock" calls >"$tmp/$1.calls.json" 2>&1) &
	ctlpid=$!
	pids="$pids $ctlpid"
	ua_pair "$@"
	wait "$ctlpid"
}

# Per stream (the first two: audio, then video): everything received
# authenticated, none failed, media both ways, its own port and SSRC.
av_ok='calls[0]["result"] == "ok" and [(s["type"], s["pt"]) for s in calls[0]["streams"][:2]] == [("audio", 0), ("video", 96)] and all(s["media"]["received"] == s["media"]["authenticated"] and s["media"]["auth_fail"] == 0 and s["media"]["rtp_recv"] > 50 and s["port"] > 0 and s["peer_port"] > 0 for s in calls[0]["streams"][:2]) and calls[0]["streams"][1]["media"]["rtp_recv"] > 2 * calls[0]["streams"][0]["media"]["rtp_recv"] and calls[0]["streams"][0]["media"]["ssrc"] != calls[0]["streams"][1]["media"]["ssrc"]'
# The third m-line declined with port 0 in both directions.
declined='len(calls[0]["streams"]) == 3 and calls[0]["streams"][2]["media"] is None and calls[0]["streams"][2]["port"] == 0 and calls[0]["streams"][2]["peer_port"] == 0'
# The SBC's view mid-call: two streams, audio and video, each KTR, each with
# its own relay ports; the top-level legs are stream 0's.
ctl_av='len(j["calls"]) == 1 and j["calls"][0]["media"] == "ktr" and [(s["mline"], s["kind"], s["media"]) for s in j["calls"][0]["streams"]] == [(0, "audio", "ktr"), (1, "video", "ktr")] and j["calls"][0]["sdes_leg"] == j["calls"][0]["streams"][0]["sdes_leg"] and len({s[l]["port"] for s in j["calls"][0]["streams"] for l in ("sdes_leg", "dtls_leg")}) == 4'

# 1. SDES audio+video+data channel -> ktrsbc -> DTLS+KTR audio+video. The
#    SDES answer waits for both streams' handshakes; each association gets
#    its own stream's key A by new_srtp_key; m=application is declined.
#    After 1 s the SDES UA re-keys both streams by re-INVITE: each new A
#    goes to its own association by new_srtp_key.
# shellcheck disable=SC2086
av_call f7 "$CALLEE_PORTS" "$CALLER_PORTS" --dtls --ktr --video --first-seq 0 \
	--listen "127.0.0.1:$CARRIER" -- $sdes_caller --video --offer-extra application \
	--first-seq 0 --duration 3 --rekey-after 1
check $((caller_rc + callee_rc)) "SDES audio+video caller -> ktrsbc -> DTLS+KTR audio+video callee: both calls ok"
json "$tmp/f7.caller.json" "$av_ok and $declined and calls[0]['streams'][2]['type'] == 'application' and all(s['media']['tx_switches'] == 1 for s in calls[0]['streams'][:2])"
check $? "SDES UA: audio and video authenticated, own SSRC and port each, each re-keyed; ktrsbc's answer declined m=application with port 0"
sent=$(python3 -c "import json,sys; c=[json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')][0]; print(c['streams'][0]['media']['rtp_sent'], c['streams'][1]['media']['rtp_sent'])" "$tmp/f7.caller.json" 2>/dev/null)
a_sent=${sent% *}
v_sent=${sent#* }
json "$tmp/f7.callee.json" "$av_ok and $declined and calls[0]['mode'] == 'dtls-ktr' and all(s['media']['ktr'] and s['media']['keys_installed'] == 2 and s['media']['rx_switches'] == 1 for s in calls[0]['streams'][:2]) and calls[0]['streams'][0]['media']['rtp_recv'] == ${a_sent:-0} and calls[0]['streams'][1]['media']['rtp_recv'] == ${v_sent:-0}"
check $? "DTLS UA: each association installed its own stream's key A and, after the re-INVITE, its new one by KTR, and switched; all ${a_sent:-?} audio and ${v_sent:-?} video packets arrived and authenticated; m=application offered with port 0"
json "$tmp/f7.calls.json" "$ctl_av and j['calls'][0]['direction'] == 'sdes->dtls'"
check $? "ktrsbc-ctl calls: two streams (audio, video), each KTR with its own relay ports"
rc=0
same_bytes "$tmp/f7.caller.pcap" "$CALLER_PORTS" "$tmp/f7.callee.pcap" "$CALLEE_PORTS" 0 || rc=1
same_bytes "$tmp/f7.caller.m1.pcap" "$CALLER_PORTS" "$tmp/f7.callee.m1.pcap" "$CALLEE_PORTS" 0 || rc=1
same_bytes "$tmp/f7.callee.pcap" "$CALLEE_PORTS" "$tmp/f7.caller.pcap" "$CALLER_PORTS" 0 || rc=1
same_bytes "$tmp/f7.callee.m1.pcap" "$CALLEE_PORTS" "$tmp/f7.caller.m1.pcap" "$CALLER_PORTS" 0 || rc=1
check $rc "audio and video, both directions: every packet byte-identical to one the other UA sent"
two_time_pad f7
check $? "two-time pad: 4 flows (2 streams x 2 directions), 4 SSRCs, no keystream used twice"
stats
json "$tmp/stats.json" "j['calls_ktr_total'] == 1 and j['streams_ktr_total'] == 2 and j['calls_fallback_total'] == 0 and j['ended']['crypto_ops_ktr'] == 0 and j['ended']['crypto_ops_window'] == 0 and j['ended']['crypto_ops_fallback'] == 0 and j['mlines_declined'] == 1"
check $? "ktrsbc: one KTR call of two KTR streams, zero per-packet crypto operations, one m-line declined"
grep -q "m-line 2 (m=application UDP/DTLS/SCTP) declined with port 0: not RTP" "$tmp/sbc.err"
check $? "ktrsbc logs the declined data channel"

# 2. DTLS+KTR audio+video+T.38 -> ktrsbc -> SDES audio+video: a fresh key B
#    per stream for the SDES UA, dictated to each association
#    (your_new_srtp_key); m=image declined.
# shellcheck disable=SC2086
av_call d2s "$CALLEE_PORTS" "$CALLER_PORTS" --sdes --video --first-seq 0 \
	--listen "127.0.0.1:$PBX" -- $dtls_caller --video --offer-extra image \
	--first-seq 0 --duration 3
check $((caller_rc + callee_rc)) "DTLS+KTR audio+video caller -> ktrsbc -> SDES audio+video callee: both calls ok"
json "$tmp/d2s.caller.json" "$av_ok and $declined and calls[0]['streams'][2]['type'] == 'image' and all(s['media']['ktr'] and s['media']['tx_switches'] == 1 and s['media']['keys_installed'] >= 1 for s in calls[0]['streams'][:2])"
check $? "DTLS UA: each association took its dictated key B and its stream's key A; m=image declined with port 0"
json "$tmp/d2s.callee.json" "$av_ok and $declined"
check $? "SDES UA: audio and video authenticated (the windows before the switches included); m=image offered with port 0"
json "$tmp/d2s.calls.json" "$ctl_av and j['calls'][0]['direction'] == 'dtls->sdes'"
check $? "ktrsbc-ctl calls: two streams, each KTR with its own relay ports"
# Before the DTLS UA has A and uses B each stream is transcrypted (the
# window, test_sbc.sh 2): the video sends 3 times the audio's packets.
rc=0
same_bytes "$tmp/d2s.callee.pcap" "$CALLEE_PORTS" "$tmp/d2s.caller.pcap" "$CALLER_PORTS" 60 || rc=1
same_bytes "$tmp/d2s.callee.m1.pcap" "$CALLEE_PORTS" "$tmp/d2s.caller.m1.pcap" "$CALLER_PORTS" 180 || rc=1
same_bytes "$tmp/d2s.caller.pcap" "$CALLER_PORTS" "$tmp/d2s.callee.pcap" "$CALLEE_PORTS" 60 || rc=1
same_bytes "$tmp/d2s.caller.m1.pcap" "$CALLER_PORTS" "$tmp/d2s.callee.m1.pcap" "$CALLEE_PORTS" 180 || rc=1
check $rc "audio and video, both directions: byte-identical once each stream's window closed"
two_time_pad d2s
check $? "two-time pad: 4 flows, 4 SSRCs, no keystream used twice (a fresh B per stream)"
stats
json "$tmp/stats.json" "j['calls_ktr_total'] == 2 and j['streams_ktr_total'] == 4 and j['ended']['crypto_ops_ktr'] == 0 and 0 < j['ended']['crypto_ops_window'] <= j['ended']['window_pkts'] and j['mlines_declined'] == 2"
check $? "ktrsbc: per-packet crypto only inside the windows; m=image declined"
grep -q "m-line 2 (m=image udptl) declined with port 0: not RTP" "$tmp/sbc.err"
check $? "ktrsbc logs the declined T.38 m-line"

# 3. SIPp: the audio+video scenario of scripts/sipp/ (SRTP on each stream,
#    its own key) to ktrua --dtls --ktr --video.
SIPP_MEDIA=$((M + 40))
K=WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz
KV=c2VtY3RsICgpIHsJMjIwO30KfQp1bmxlc3MgZXhp
python3 scripts/sipp/srtp_pcap.py -k "$K" -n 100 -o "$tmp/srtp_a.pcap" >/dev/null &&
	python3 scripts/sipp/srtp_pcap.py -k "$KV" -n 100 -g 5000 --ssrc 0x5eed5678 \
		-o "$tmp/srtp_v.pcap" >/dev/null
check $? "srtp_pcap.py: SRTP captures for the audio and the video key"
timeout 60 "$UA" --dtls --ktr --video --listen "127.0.0.1:$CARRIER" \
	--media-ports "$CALLEE_PORTS" >"$tmp/sipp.callee.json" 2>"$tmp/sipp.callee.err" &
upid=$!
pids="$pids $upid"
sleep 0.5
(sleep 3; "$CTL" -s "$conf/ctl.sock" calls >"$tmp/sipp.calls.json" 2>&1) &
ctlpid=$!
pids="$pids $ctlpid"
(cd "$tmp" && timeout 60 sipp -sf "$top/scripts/sipp/sdes_uac_av.xml" -i 127.0.0.1 \
	-p "$PBX" -mp "$SIPP_MEDIA" -s bob -d 1000 -m 1 -nostdin -trace_err \
	-error_file "$tmp/sipp_av.err.log" -trace_msg -message_file "$tmp/sipp_av.msg.log" \
	-timeout 30 -timeout_error "127.0.0.1:$SBC_SIP" >"$tmp/sipp_av.out" 2>&1)
rc=$?
check $rc "sdes_uac_av.xml: the 200 answers audio and video with a port and an a=crypto each, m=application with port 0; BYE answered"
[ $rc -eq 0 ] || diag "$tmp/sipp_av.out" "$tmp/sipp_av.err.log"
wait "$upid"
wait "$ctlpid"
json "$tmp/sipp.callee.json" "calls[0]['mode'] == 'dtls-ktr' and all(s['media']['ktr'] and s['media']['keys_installed'] == 1 and s['media']['rtp_recv'] >= 90 and s['media']['received'] == s['media']['authenticated'] and s['media']['auth_fail'] == 0 for s in calls[0]['streams'][:2]) and calls[0]['streams'][2]['port'] == 0"
check $? "sdes_uac_av.xml: the DTLS UA authenticated SIPp's audio and video SRTP, each with its stream's own key by KTR"
json "$tmp/sipp.calls.json" "$ctl_av"
check $? "sdes_uac_av.xml: ktrsbc-ctl calls shows both streams KTR"
python3 - "$tmp/sipp_av.msg.log" <<'PY'
import re, sys
t = open(sys.argv[1], errors="replace").read()
# the 200 OK's SDP: the same m-lines in the same order (RFC 3264 6)
i = t.find("SIP/2.0 200 OK")
body = t[i:t.find("\n\n", t.find("v=0", i)) if i >= 0 else 0]
ms = re.findall(r"^m=(\w+) (\d+) (\S+)", body, re.M)
print("# answer m-lines:", ms)
sys.exit(0 if [m[0] for m in ms] == ["audio", "video", "application"] and
         ms[0][1] != "0" and ms[1][1] != "0" and ms[2][1] == "0" else 1)
PY
check $? "sdes_uac_av.xml: the answer has the offer's three m-lines in order"

# 4. More RTP m-lines than max_streams (4): 488 with a Warning naming the
#    limit, nothing relayed, ktrsbc still up.
stats before
(cd "$tmp" && timeout 60 sipp -sf "$top/tests/sipp/sbc_uac_too_many.xml" -i 127.0.0.1 \
	-p "$PBX" -mp "$SIPP_MEDIA" -s bob -m 1 -nostdin -trace_err \
	-error_file "$tmp/sipp_many.err.log" -timeout 30 -timeout_error \
	"127.0.0.1:$SBC_SIP" >"$tmp/sipp_many.out" 2>&1)
rc=$?
check $rc "5 RTP m-lines: 488 with Warning \"5 RTP m-lines exceed the limit max_streams=4\""
[ $rc -eq 0 ] || diag "$tmp/sipp_many.out" "$tmp/sipp_many.err.log"
stats
json "$tmp/stats.json" "j['offers_too_many'] == 1 and j['max_streams'] == 4 and j['calls_active'] == 0"
check $? "ktrsbc counts the refusal (offers_too_many), no call left"
grep -q "the offer has 5 RTP m-lines, more than max_streams 4: refused" "$tmp/sbc.err"
check $? "ktrsbc logs the refusal"

# 5. max_streams past its hard bound (MEDIA_STREAMS_MAX, 8) is a
#    configuration error with file:line.
sed -i "s/^max_streams *=.*/max_streams = 9/" "$conf/ktrsbc.conf"
"$SBC" -c "$conf/ktrsbc.conf" --check-config >"$tmp/check9.out" 2>&1
rc=$?
grep -q "ktrsbc.conf:[0-9]*:.*max_streams" "$tmp/check9.out"
check $(($? + (rc == 0))) "max_streams = 9 (above the hard limit 8) refused with file:line"

sbc_term "ktrsbc exits 0 on SIGTERM"
echo "1..$n"

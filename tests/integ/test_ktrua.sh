#!/bin/sh
# ktrua, the reference endpoint, against itself and against real peers:
# SDES <-> SDES, DTLS <-> DTLS, DTLS+KTR with a key switch, CANCEL, an SDES
# re-key by re-INVITE, SIPp sending a malformed SDP (488 with a reason),
# baresip as an RFC 4568 peer and as a DTLS-SRTP peer, and GStreamer's
# srtpdec decrypting ktrua's capture with the key ktrua put in its offer,
# and calls of several streams: audio + video with SDES and with DTLS-SRTP
# and KTR on each stream, a data channel and a T.38 line declined with port
# 0, every stream and direction its own keys and SSRC (two-time pad, from
# the captures and from SIPp's message traces), too many m-lines refused.
# TAP output. Loopback only; every process bounded by timeout(1); only the
# PIDs started here are killed.
set -u
BUILD=${BUILD:-build}
UA=${KTRUA:-$BUILD/asan/tools/ktrua}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

missing=""
[ -x "$UA" ] || missing="$missing $UA"
for tool in sipp baresip gst-launch-1.0 python3 timeout ss openssl; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	echo "1..1"
	echo "not ok 1 - missing:$missing (make test-build; scripts/deps.sh installs the peers)"
	exit 1
fi

tmp=$(mktemp -d /tmp/test_ktrua.XXXXXX) || exit 1
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	[ -n "${KEEP_TMP:-}" ] && echo "# kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" -eq 0 ]; then ok "$2"; else nok "$2"; fi; }

# Ports: a block per run, chosen from the pid, skipping ones in use.
base=$((21000 + ($$ % 400) * 20))
port_free() { ! ss -Hluant 2>/dev/null | awk '{print $5}' | grep -q ":$1\$"; }
next=$base
# take_port VAR: the next free port into VAR (no subshell: next advances).
take_port() {
	while ! port_free "$next"; do next=$((next + 1)); done
	eval "$1=$next"
	next=$((next + 1))
}
# Media: two ranges of 100, also from the pid (runs in parallel on one host).
mb=$((42000 + ($$ % 15) * 200))
media_a="$mb-$((mb + 99))"
media_b="$((mb + 100))-$((mb + 199))"

# json FILE EXPR: evaluate a Python expression over the list of the JSON
# lines in FILE (as `calls`); exit status 0 when it is true.
json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
calls = []
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{"):
        calls.append(json.loads(line))
ok = False
try:
    ok = bool(eval(sys.argv[2], {"calls": calls}))
except Exception as e:
    print("# eval:", e)
if not ok:
    print("# calls:", calls)
sys.exit(0 if ok else 1)
PY
}

wait_port() { # wait until something listens on UDP port $1
	i=0
	while port_free "$1"; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}

# pair NAME CALLEE-ARGS -- CALLER-ARGS: run a callee and a caller ktrua.
pair() {
	name=$1
	shift
	callee_args=""
	while [ "$1" != "--" ]; do callee_args="$callee_args $1"; shift; done
	shift
	take_port sp
	take_port cp
	# shellcheck disable=SC2086
	timeout 40 "$UA" --listen "127.0.0.1:$sp" --media-ports "$media_a" $callee_args \
		>"$tmp/$name.callee.json" 2>"$tmp/$name.callee.err" &
	cpid=$!
	pids="$pids $cpid"
	wait_port "$sp"
	# shellcheck disable=SC2086
	timeout 40 "$UA" --listen "127.0.0.1:$cp" --media-ports "$media_b" \
		--call "sip:ktrua@127.0.0.1:$sp" "$@" \
		>"$tmp/$name.caller.json" 2>"$tmp/$name.caller.err"
	caller_rc=$?
	wait "$cpid"
	callee_rc=$?
}

both_ok='len(calls) == 1 and calls[0]["result"] == "ok" and calls[0]["media"]["auth_fail"] == 0 and calls[0]["media"]["rtp_recv"] > 0'

# 1. SDES <-> SDES
pair sdes --sdes -- --sdes --duration 2
check $((caller_rc + callee_rc)) "ktrua --sdes calls ktrua --sdes: both exit 0"
json "$tmp/sdes.caller.json" "$both_ok and calls[0]['mode'] == 'sdes'"
check $? "SDES caller: media authenticated, zero failures"
json "$tmp/sdes.callee.json" "$both_ok"
check $? "SDES callee: media authenticated, zero failures"

# 2. DTLS <-> DTLS (no KTR)
pair dtls --dtls -- --dtls --duration 2
check $((caller_rc + callee_rc)) "ktrua --dtls calls ktrua --dtls: both exit 0"
json "$tmp/dtls.caller.json" "$both_ok and calls[0]['mode'] == 'dtls'"
check $? "DTLS caller: media authenticated, zero failures"
json "$tmp/dtls.callee.json" "$both_ok and calls[0]['media']['ktr'] == False"
check $? "DTLS callee: media authenticated, no KTR"

# 3. DTLS + KTR: the caller announces a new key after 1 s; the callee
# switches at the announced index with no packet lost or failed.
pair ktr --dtls --ktr -- --dtls --ktr --duration 3 --rekey-after 1
check $((caller_rc + callee_rc)) "ktrua --dtls --ktr pair with new_srtp_key: both exit 0"
json "$tmp/ktr.caller.json" "$both_ok and calls[0]['mode'] == 'dtls-ktr' and calls[0]['media']['keys_announced'] == 1 and calls[0]['media']['keys_activated'] == 1 and calls[0]['media']['tx_switches'] == 1"
check $? "KTR speaker: key announced, acknowledged, sending switched"
sent=$(python3 -c "import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')][0]['media']['rtp_sent'])" "$tmp/ktr.caller.json" 2>/dev/null)
json "$tmp/ktr.callee.json" "$both_ok and calls[0]['media']['keys_installed'] == 1 and calls[0]['media']['rx_switches'] == 1 and calls[0]['media']['rtp_recv'] == ${sent:-0}"
check $? "KTR listener: switched with zero lost or failed packets (received all ${sent:-?} sent)"

# 4. SDES re-key by re-INVITE with a new a=crypto key
pair rekey --sdes -- --sdes --duration 3 --rekey-after 1
check $((caller_rc + callee_rc)) "SDES re-INVITE with a new key: both exit 0"
json "$tmp/rekey.caller.json" "$both_ok and calls[0]['media']['tx_switches'] == 1 and calls[0]['media']['rx_switches'] == 1"
check $? "re-key offerer: both directions switched, zero failures"
json "$tmp/rekey.callee.json" "$both_ok and calls[0]['media']['tx_switches'] == 1 and calls[0]['media']['rx_switches'] == 1"
check $? "re-key answerer: both directions switched, zero failures"

# 5. CANCEL before the answer
pair cancel --sdes --answer-delay 3000 -- --sdes --cancel-after 500
[ "$caller_rc" -ne 0 ] && [ "$callee_rc" -ne 0 ]
check $? "CANCEL: both report the call as not completed (exit 1)"
json "$tmp/cancel.caller.json" "calls[0]['sip_status'] == 487 and 'cancelled' in calls[0]['error']"
check $? "CANCEL: caller's INVITE ended 487"
json "$tmp/cancel.callee.json" "'cancelled' in calls[0]['error']"
check $? "CANCEL: callee saw the caller cancel"

# 6. A fingerprint the caller cannot match: DTLS fails, the call fails.
#    (A callee whose certificate differs from its a=fingerprint is not
#    something ktrua does; instead the DTLS callee offers no SRTP profile in
#    common, and the failure must be named.)
pair noprof --dtls --profile SRTP_AEAD_AES_256_GCM -- --dtls --profile SRTP_AES128_CM_SHA1_32 --duration 2
[ "$caller_rc" -ne 0 ]
check $? "DTLS with no common SRTP profile: caller exits 1"
json "$tmp/noprof.caller.json" "calls[0]['result'] == 'failed' and 'DTLS' in calls[0]['error']"
check $? "DTLS failure reported with its cause"

# 7. SIPp sends an INVITE with a malformed SDP: 488 with a reason; ktrua
#    keeps running and answers the next, good call.
take_port sp
take_port up
take_port cp
timeout 40 "$UA" --sdes --listen "127.0.0.1:$sp" --media-ports "$media_a" --calls 2 \
	>"$tmp/sipp.callee.json" 2>"$tmp/sipp.callee.err" &
cpid=$!
pids="$pids $cpid"
wait_port "$sp"
timeout 20 sipp -sf tests/sipp/ktrua_uac_bad_sdp.xml -i 127.0.0.1 -p "$up" -m 1 \
	-timeout 15 -trace_err -error_file "$tmp/sipp.err" "127.0.0.1:$sp" \
	>"$tmp/sipp.out" 2>&1
check $? "SIPp: a malformed SDP gets 488 with a Warning naming the fault"
timeout 20 "$UA" --sdes --listen "127.0.0.1:$cp" --media-ports "$media_b" \
	--call "sip:ktrua@127.0.0.1:$sp" --duration 1 >"$tmp/sipp.caller.json" 2>&1
check $? "after the malformed SDP, ktrua still completes a call"
wait "$cpid"
json "$tmp/sipp.callee.json" "len(calls) == 2 and calls[0]['sip_status'] == 488 and 'SDP' in calls[0]['error'] and calls[1]['result'] == 'ok'"
check $? "callee: 488 recorded with its cause, then a good call"

# 8-9. baresip (Debian's) calls ktrua: as an RFC 4568 SDES peer, then as a
# plain DTLS-SRTP peer. ktrua authenticates all of baresip's packets, and
# baresip's own RTCP reception report about ktrua's SSRC shows that it
# decrypted ktrua's packets (only authenticated packets count there).
bdir=$tmp/baresip
mkdir -p "$bdir"
take_port bsip
next=$((next + 1)) # baresip also binds SIP/TLS on the next port
# baresip's media ports: this run's own ten (another run's baresip may hold
# the config's shared range)
brtp=$((42200 + ($$ % 100) * 10))
sed -e "s/@SIP_PORT@/$bsip/" -e "s/^rtp_ports.*/rtp_ports\t\t$brtp-$((brtp + 9))/" \
	tests/data/baresip/config >"$bdir/config"
baresip_call() { # name mediaenc ktrua-mode
	printf '<sip:bob@127.0.0.1>;regint=0;mediaenc=%s;audio_codecs=PCMU\n' "$2" >"$bdir/accounts"
	take_port sp
	timeout 40 "$UA" "$3" --listen "127.0.0.1:$sp" --media-ports "$media_a" \
		>"$tmp/$1.callee.json" 2>"$tmp/$1.callee.err" &
	cpid=$!
	pids="$pids $cpid"
	wait_port "$sp"
	(cd "$bdir" && timeout 30 baresip -f "$bdir" -e "/dial sip:ktrua@127.0.0.1:$sp" -t 9 \
		</dev/null >"$tmp/$1.baresip.out" 2>&1)
	wait "$cpid"
	callee_rc=$?
}
peer_ok='calls[0]["result"] == "ok" and calls[0]["media"]["auth_fail"] == 0 and calls[0]["media"]["rtp_recv"] > 200 and calls[0]["media"]["peer_reports"] >= 1 and calls[0]["media"]["peer_ext_seq"] > 100 and calls[0]["media"]["peer_lost"] == 0'
baresip_call bsdes srtp-mand --sdes
check "$callee_rc" "baresip (RFC 4568 SRTP) calls ktrua --sdes: call ok"
json "$tmp/bsdes.callee.json" "$peer_ok and calls[0]['media']['suite'] == 'AES_CM_128_HMAC_SHA1_80'"
check $? "SDES with baresip: each side decrypts the other (baresip's RTCP report confirms)"
baresip_call bdtls dtls_srtp --dtls
check "$callee_rc" "baresip (DTLS-SRTP) calls ktrua --dtls: call ok"
json "$tmp/bdtls.callee.json" "$peer_ok and calls[0]['mode'] == 'dtls'"
check $? "DTLS-SRTP with baresip: each side decrypts the other (baresip's RTCP report confirms)"
grep -aq 'verified sha-256 fingerprint OK' "$tmp/bdtls.baresip.out"
check $? "baresip verified ktrua's certificate against its a=fingerprint"

# 10. GStreamer's srtpdec, an independent SRTP implementation, decrypts
# ktrua's capture with the key ktrua announced in its a=crypto (read from
# SIPp's message trace, SIPp playing the SDES callee).
take_port sp
take_port cp
(cd "$tmp" && timeout 30 sipp -sf "$top/tests/sipp/ktrua_uas_sdes.xml" -i 127.0.0.1 \
	-p "$sp" -m 1 -timeout 25 -trace_msg -message_file "$tmp/uas.msg" \
	>"$tmp/uas.out" 2>&1) &
spid=$!
pids="$pids $spid"
wait_port "$sp"
timeout 30 "$UA" --sdes --listen "127.0.0.1:$cp" --media-ports "$media_b" \
	--call "sip:sipp@127.0.0.1:$sp" --duration 2 --capture "$tmp/ktrua.pcap" \
	>"$tmp/gst.caller.json" 2>"$tmp/gst.caller.err"
wait "$spid"
check $? "SIPp (SDES callee) completed the call with ktrua"
python3 tests/integ/ktrua_gst_check.py "$tmp/uas.msg" "$tmp/ktrua.pcap" \
	"$tmp/gst.caller.json" "$tmp"
check $? "GStreamer srtpdec decrypts every packet ktrua sent with the key from ktrua's offer"

# 11. SIP over TCP and over TLS (DTLS-SRTP with KTR on top), and many calls:
# 10 SDES calls at 5 per second, all completing.
tlsdir=$tmp/tls
mkdir -p "$tlsdir"
(cd "$tlsdir" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 >/dev/null 2>&1 &&
	cat key.pem cert.pem >agent.pem && cp cert.pem cafile.pem)
transport_call() { # name transport extra-args...
	name=$1
	tp=$2
	shift 2
	take_port sp
	take_port sp_tls # the callee's TLS port is sp + 1
	[ "$sp_tls" -eq $((sp + 1)) ] || { take_port sp; take_port sp_tls; }
	take_port cp
	take_port cp_tls
	target="sip:ktrua@127.0.0.1:$sp;transport=$tp"
	[ "$tp" = tls ] && target="sip:ktrua@127.0.0.1:$sp_tls;transport=tls"
	# Sofia-SIP's own TLS leak (tests/data/lsan-sofia-tls.supp), nothing else.
	export LSAN_OPTIONS="suppressions=$top/tests/data/lsan-sofia-tls.supp"
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0"
	timeout 40 "$UA" "$@" --listen "127.0.0.1:$sp" --tls-dir "$tlsdir" \
		--media-ports "$media_a" >"$tmp/$name.callee.json" 2>"$tmp/$name.callee.err" &
	cpid=$!
	pids="$pids $cpid"
	wait_port "$sp"
	timeout 40 "$UA" "$@" --listen "127.0.0.1:$cp" --tls-dir "$tlsdir" \
		--media-ports "$media_b" --call "$target" --duration 2 \
		>"$tmp/$name.caller.json" 2>"$tmp/$name.caller.err"
	caller_rc=$?
	wait "$cpid"
	callee_rc=$?
	unset LSAN_OPTIONS
}
transport_call tcp tcp --sdes
check $((caller_rc + callee_rc)) "SIP over TCP: SDES call completes"
transport_call tls tls --dtls --ktr
check $((caller_rc + callee_rc)) "SIP over TLS: DTLS-SRTP call with KTR completes"
json "$tmp/tls.callee.json" "$both_ok and calls[0]['mode'] == 'dtls-ktr'"
check $? "SIP over TLS: media authenticated both ways"

take_port sp
take_port cp
timeout 60 "$UA" --sdes --listen "127.0.0.1:$sp" --media-ports "$media_a" --calls 10 \
	>"$tmp/many.callee.json" 2>"$tmp/many.callee.err" &
cpid=$!
pids="$pids $cpid"
wait_port "$sp"
timeout 60 "$UA" --sdes --listen "127.0.0.1:$cp" --media-ports "$media_b" \
	--call "sip:ktrua@127.0.0.1:$sp" --calls 10 --rate 5 --duration 2 \
	>"$tmp/many.caller.json" 2>"$tmp/many.caller.err"
caller_rc=$?
wait "$cpid"
callee_rc=$?
check $((caller_rc + callee_rc)) "--calls 10 --rate 5: every call completes on both sides"
json "$tmp/many.caller.json" "len(calls) == 10 and all(c['result'] == 'ok' and c['media']['auth_fail'] == 0 for c in calls) and len({c['call'] for c in calls}) == 10"
check $? "--calls 10: ten JSON lines, each call authenticated media"

# 12. Audio + video, SDES <-> SDES: the caller offers audio, video (VP8,
# frames of 5 packets of 1200 bytes at 30/s) and a data channel; the callee
# takes both RTP streams, each with its own port, SSRC and keys, and
# declines m=application with port 0. After 1 s the caller re-keys by
# re-INVITE: a new key for each stream, both directions switch on each.
# Every flow starts at index 0 so that the captures can show no keystream
# is used twice.
# av_ok SIDE: per stream, everything received authenticated, media both
# ways, PT 0 audio then PT 96 video; "media" is still the audio stream.
av_ok='len(calls) == 1 and calls[0]["result"] == "ok" and calls[0]["media"] == calls[0]["streams"][0]["media"] and [(s["type"], s["pt"]) for s in calls[0]["streams"][:2]] == [("audio", 0), ("video", 96)] and all(s["media"]["received"] == s["media"]["authenticated"] and s["media"]["auth_fail"] == 0 and s["media"]["rtp_recv"] > 0 and s["port"] > 0 and s["peer_port"] > 0 for s in calls[0]["streams"][:2]) and calls[0]["streams"][1]["media"]["rtp_recv"] > 2 * calls[0]["streams"][0]["media"]["rtp_recv"] and calls[0]["streams"][0]["media"]["ssrc"] != calls[0]["streams"][1]["media"]["ssrc"] and calls[0]["streams"][0]["port"] != calls[0]["streams"][1]["port"]'
declined='calls[0]["streams"][2]["media"] is None and calls[0]["streams"][2]["port"] == 0'
pair avsdes --sdes --first-seq 0 --capture "$tmp/avsdes.ce%u.pcap" -- \
	--sdes --video --offer-extra application --duration 3 --rekey-after 1 \
	--first-seq 0 --capture "$tmp/avsdes.cr%u.pcap"
check $((caller_rc + callee_rc)) "SDES audio+video call: both exit 0"
switched="all(s['media']['tx_switches'] == 1 and s['media']['rx_switches'] == 1 for s in calls[0]['streams'][:2])"
json "$tmp/avsdes.caller.json" "$av_ok and $declined and $switched and calls[0]['streams'][2]['type'] == 'application' and calls[0]['streams'][2]['peer_port'] == 0"
check $? "SDES audio+video caller: each stream authenticated both ways, own SSRC and port, re-keyed both ways; the answer declined m=application with port 0"
json "$tmp/avsdes.callee.json" "$av_ok and $declined and $switched and calls[0]['streams'][2]['peer_port'] == 9"
check $? "SDES audio+video callee: each stream authenticated both ways and re-keyed both ways; m=application answered with port 0"
python3 tests/integ/ktrua_streams_check.py 4 "$tmp/avsdes.cr1.pcap" "$tmp/avsdes.cr1.m1.pcap" \
	"$tmp/avsdes.ce1.pcap" "$tmp/avsdes.ce1.m1.pcap"
check $? "SDES audio+video captures: 4 flows, 4 SSRCs, no keystream on two streams or directions (two-time pad)"

# 13. Audio + video, DTLS-SRTP with KTR on each stream: one association per
# m-line (no BUNDLE, RFC 5764 4.1); after 1 s the caller announces a new
# key on each (new_srtp_key), the callee installs each and switches with
# no packet lost or failed; a T.38 m=image line is declined with port 0.
pair avktr --dtls --ktr --first-seq 0 --capture "$tmp/avktr.ce%u.pcap" -- \
	--dtls --ktr --video --offer-extra image --duration 3 --rekey-after 1 \
	--first-seq 0 --capture "$tmp/avktr.cr%u.pcap"
check $((caller_rc + callee_rc)) "DTLS+KTR audio+video call: both exit 0"
json "$tmp/avktr.caller.json" "$av_ok and $declined and calls[0]['mode'] == 'dtls-ktr' and calls[0]['streams'][2]['type'] == 'image' and calls[0]['streams'][2]['peer_port'] == 0 and all(s['media']['ktr'] and s['media']['keys_announced'] == 1 and s['media']['keys_activated'] == 1 and s['media']['tx_switches'] == 1 for s in calls[0]['streams'][:2])"
check $? "KTR speaker, audio+video: each stream's association announced its key, acknowledged, sending switched"
sent=$(python3 -c "import json,sys; c=[json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')][0]; print(c['streams'][0]['media']['rtp_sent'], c['streams'][1]['media']['rtp_sent'])" "$tmp/avktr.caller.json" 2>/dev/null)
a_sent=${sent% *}
v_sent=${sent#* }
json "$tmp/avktr.callee.json" "$av_ok and $declined and all(s['media']['ktr'] and s['media']['keys_installed'] == 1 and s['media']['rx_switches'] == 1 for s in calls[0]['streams'][:2]) and calls[0]['streams'][0]['media']['rtp_recv'] == ${a_sent:-0} and calls[0]['streams'][1]['media']['rtp_recv'] == ${v_sent:-0}"
check $? "KTR listener, audio+video: each stream installed its own new_srtp_key and switched, zero lost or failed (received all ${a_sent:-?} audio, ${v_sent:-?} video sent)"
python3 tests/integ/ktrua_streams_check.py 4 "$tmp/avktr.cr1.pcap" "$tmp/avktr.cr1.m1.pcap" \
	"$tmp/avktr.ce1.pcap" "$tmp/avktr.ce1.m1.pcap"
check $? "DTLS+KTR audio+video captures: 4 flows, 4 SSRCs, no keystream on two streams or directions (two-time pad)"

# 14. The keys in the SDP, from SIPp's message traces: SIPp offers ktrua
# (callee) audio, video on PT 100 and a data channel; ktrua answers both
# RTP streams (mirroring PT 100) with a key each, m=application with port
# 0. Then ktrua calls SIPp with --video. In each trace the 4 keys (2
# streams x 2 directions) are distinct. Then an offer of 9 m-lines: 488.
take_port sp
take_port up
timeout 30 "$UA" --sdes --listen "127.0.0.1:$sp" --media-ports "$media_a" --calls 2 \
	>"$tmp/avuac.callee.json" 2>"$tmp/avuac.callee.err" &
cpid=$!
pids="$pids $cpid"
wait_port "$sp"
(cd "$tmp" && timeout 20 sipp -sf "$top/tests/sipp/ktrua_uac_av_sdes.xml" -i 127.0.0.1 -p "$up" \
	-m 1 -timeout 15 -trace_msg -message_file "$tmp/avuac.msg" "127.0.0.1:$sp" \
	>"$tmp/avuac.out" 2>&1)
check $? "SIPp offers audio+video+data channel: ktrua accepts both RTP streams (video PT 100 mirrored), m=application 0"
python3 tests/integ/ktrua_sdp_keys_check.py "$tmp/avuac.msg" 4
check $? "ktrua's answer: a key of its own per stream, none equal to another or to the offer's (draft 6.2)"
(cd "$tmp" && timeout 20 sipp -sf "$top/tests/sipp/ktrua_uac_too_many.xml" -i 127.0.0.1 -p "$up" \
	-m 1 -timeout 15 "127.0.0.1:$sp" >"$tmp/avmany.out" 2>&1)
check $? "9 m-lines: 488 with a Warning naming the limit of 8"
wait "$cpid"
json "$tmp/avuac.callee.json" "len(calls) == 2 and [s['port'] > 0 for s in calls[0]['streams']] == [True, True, False] and calls[0]['streams'][1]['pt'] == 100 and calls[1]['sip_status'] == 488 and calls[1]['streams'] == []"
check $? "callee JSON: two streams then the declined line; the 9-line offer refused before any stream was allocated"
take_port sp
take_port cp
(cd "$tmp" && timeout 30 sipp -sf "$top/tests/sipp/ktrua_uas_av_sdes.xml" -i 127.0.0.1 \
	-p "$sp" -m 1 -timeout 25 -trace_msg -message_file "$tmp/avuas.msg" \
	>"$tmp/avuas.out" 2>&1) &
spid=$!
pids="$pids $spid"
wait_port "$sp"
timeout 30 "$UA" --sdes --video --listen "127.0.0.1:$cp" --media-ports "$media_b" \
	--call "sip:sipp@127.0.0.1:$sp" --duration 1 >"$tmp/avuas.caller.json" 2>"$tmp/avuas.caller.err"
wait "$spid"
check $? "ktrua --video calls SIPp: it offers audio and VP8 video"
python3 tests/integ/ktrua_sdp_keys_check.py "$tmp/avuas.msg" 4
check $? "ktrua's offer: a key of its own per stream (draft 6.2)"

echo "1..$n"

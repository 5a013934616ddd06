#!/bin/sh
# Issue 14, point 5: baresip with audio and video through ktrsbc. baresip
# 1.0 with the fakevideo module (a generated picture as the source, a
# display that draws nothing) and VP8 beside PCMU, as the DTLS-SRTP UA
# (mediaenc dtls_srtp, no ICE) on the carrier trunk and as the RFC 4568 UA
# (mediaenc srtp-mand) on the pbx trunk, a call in each direction.
# baresip does no KTR: both streams of each call run the transcrypting
# fallback. Checked per call: both baresips establish the call with two
# streams; each received and decrypted the other's audio (the rtcpsummary
# line of the audio stream) and video (its VP8 decoder's frames, from the
# video statistics baresip prints at hang-up), with no decryption failure
# in either log; ktrsbc relayed two streams (audio, video) for the call;
# and from a capture of lo, the SDES leg's audio and video authenticate
# and decrypt with their m-lines' a=crypto keys in both directions, the
# audio to the 440 Hz tone, the video to VP8 (sbc_srtp_av_check.py).
# TAP output; loopback only; every process bounded by timeout(1); only the
# PIDs started here are killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
# shellcheck source=tests/integ/lib/baresip.sh
. "$(dirname "$0")/lib/baresip.sh"
sbc_init test_sbc_baresip_av
python3 -c 'import cryptography' 2>/dev/null || missing="${missing:-} python3-cryptography"
for m in fakevideo vp8; do
	[ -f "/usr/lib/baresip/modules/$m.so" ] || missing="${missing:-} baresip-module-$m"
done
need "$SBC" "$CTL" baresip dumpcap tshark python3 timeout ss

# Ports of this run (apart from the other SBC tests' blocks): SIP of the
# SBC P (tls P+1), the SDES baresip P+2, the DTLS baresip P+4; media: the
# SBC M..M+19, the SDES baresip M+20..M+29, the DTLS baresip M+30..M+39.
P=$((2900 + ($$ % 20) * 10))
M=22960
sbc_ports "$P" "$M" "$((M + 19))"
sbc_start -v
check $? "ktrsbc starts on the shipped trunks"

# bconf NAME SIP_PORT MEDIAENC RTP_MIN: a baresip directory $tmp/NAME from
# tests/data/baresip/config with video: fakevideo source and display, VP8;
# the stdio module (commands on stdin) and rtcpsummary; it answers calls
# itself, audio and video.
bconf() {
	mkdir -p "$tmp/$1"
	sed -e "s/@SIP_PORT@/$2/" -e "s/^rtp_ports.*/rtp_ports\t\t$4-$(($4 + 9))/" \
		tests/data/baresip/config >"$tmp/$1/config"
	cat >>"$tmp/$1/config" <<'EOF'
module			stdio.so
module			rtcpsummary.so
module			fakevideo.so
module			vp8.so
video_source		fakevideo,nil
video_display		fakevideo,nil
video_size		352x288
video_bitrate		300000
video_fps		15
EOF
	printf '<sip:bob@127.0.0.1>;regint=0;mediaenc=%s;audio_codecs=PCMU;video_codecs=VP8;answermode=auto\n' \
		"$3" >"$tmp/$1/accounts"
}
bconf sdes "$PBX" srtp-mand "$((M + 20))"
bconf dtls "$CARRIER" dtls_srtp "$((M + 30))"

# pr FILE KIND: the RTP packets baresip received and decrypted on its KIND
# stream (PR of the rtcpsummary line whose remote address is the one the
# stream's "incoming rtp ... established" line names: its count as of the
# last RTCP report, about 5 s into the call), 0 when none.
pr() {
	tr '\r' '\n' <"$1" | python3 -c '
import re, sys
t = sys.stdin.read()
m = re.search(r"incoming rtp for .%s. established, receiving from (\S+)" % sys.argv[1], t)
r = [x for x in re.findall(r"EX=BareSip;.*?;PR=(\d+);.*?;IP=[^,]*,(\S+?);", t) if m and x[1] == m.group(1)]
print(r[-1][0] if r else 0)' "$2"
}

# bchecks NAME CALLER CALLEE: the checks of one call.
bchecks() {
	for ua in "$2" "$3"; do
		grep -aq "Call established" "$tmp/$1.$ua" &&
			grep -aq "video tx pipeline:  fakevideo ---> VP8" "$tmp/$1.$ua"
		check $? "$1: the $ua baresip's call is established with audio and video (fakevideo -> VP8)"
	done
	for ua in "$2" "$3"; do
		a=$(pr "$tmp/$1.$ua" audio)
		v=$(pr "$tmp/$1.$ua" video)
		fails=$(grep -aEic "failed to decrypt|srtp.*(unprotect|auth)|decode error|vp8.*error" "$tmp/$1.$ua")
		[ "$a" -ge 150 ] && [ "$v" -ge 50 ] && [ "$fails" -eq 0 ] &&
			grep -aq "video: receiving with resolution 352 x 288" "$tmp/$1.$ua"
		check $? "$1: the $ua baresip received and decrypted $a audio and $v video RTP packets of the other's, decoded VP8 frames of 352x288 ($fails decryption or decoding errors)"
		[ "$a" -ge 150 ] && [ "$v" -ge 50 ] || diag "$tmp/$1.$ua"
	done
	json "$tmp/$1.calls.json" "j['calls'][0]['state'] == 'up' and [s['kind'] for s in j['calls'][0]['streams']] == ['audio', 'video'] and all(s['media'] == 'fallback' and s['sdes_leg']['fwd_pkts'] > 0 and s['dtls_leg']['fwd_pkts'] > 0 for s in j['calls'][0]['streams'])" >/dev/null
	check $? "$1: ktrsbc relays two streams, audio and video, each transcrypting (baresip does no KTR), both directions"
	if [ -s "$tmp/$1.pcap" ] && [ "$(stat -c %s "$tmp/$1.pcap")" -gt 24 ]; then
		python3 tests/integ/sbc_srtp_av_check.py "$tmp/$1.pcap" "$PBX" "$SBC_SIP" 300 80 >"$tmp/$1.check" 2>&1
		rc=$?
		sed -e 's/^/# /' -e 's/^# # /# /' "$tmp/$1.check"
		check $rc "$1: the SDES leg's audio and video, from the capture, authenticate and decrypt with their own m-lines' keys both ways (PCMU 440 Hz, VP8 key frames)"
	else
		ok "$1: the SDES leg from a capture # SKIP no capture of lo: $(tail -n 1 "$tmp/$1.dumpcap" 2>/dev/null)"
	fi
}

# Calls of 10 s: rtcpsummary's counters come with RTCP reports, which
# baresip sends every 5 s on average, randomised; a 5 s call sometimes ends
# before the first.
# 1. DTLS caller -> SDES callee.
bcall d2s dtls sdes 10
bchecks d2s dtls sdes
# 2. SDES caller -> DTLS callee.
bcall s2d sdes dtls 10
bchecks s2d sdes dtls
grep -aq "DTLS-SRTP complete (video/RTP)" "$tmp/s2d.dtls" && grep -aq "DTLS-SRTP complete (video/RTP)" "$tmp/d2s.dtls"
check $? "the DTLS baresip completed a DTLS-SRTP handshake for its video stream in both calls (one association per m-line)"
stats
json "$tmp/stats.json" "j['calls_fallback_total'] == 2 and j['streams_fallback_total'] == 4" >/dev/null
check $? "ktrsbc-ctl stats: two fallback calls, four fallback streams"
sbc_term "ktrsbc exits 0 on SIGTERM"
echo "1..$n"

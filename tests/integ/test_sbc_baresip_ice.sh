#!/bin/sh
# baresip with ICE through ktrsbc (issue 15, points 1, 2 and 4, unbundled):
# baresip 1.0 as the DTLS-SRTP UA with `medianat=ice` (module ice: a full
# ICE agent, its own ICE and DTLS per m-line, rtcp_mux yes so one
# component) on the carrier trunk (ice = lite), and baresip as the RFC 4568
# UA on the pbx trunk; audio (PCMU) and video (fakevideo, VP8); a call in
# each direction. ktrsbc answers the DTLS baresip's ICE offer with ICE-lite
# (d2s) and offers it ICE-lite itself (s2d); the relay answers its checks
# and sends media where it nominates. Checked: both calls connect; each
# baresip received and decrypted the other's audio and video (rtcpsummary's
# per-stream PR, no decryption failure in its log); ktrsbc's stats count
# one nomination per m-line and no dropped check; the SDPs toward the DTLS
# baresip carry a=ice-lite and a host candidate (from the capture, when lo
# can be captured). A baresip without ICE on the same trunk ignores the
# offered ICE-lite and answers without; ktrsbc turns it off and the call
# works as before ICE. Then consent (RFC 7675) with ice_consent_timeout_ms =
# 3000: baresip 1.0 sends no consent checks after its nomination (only
# RFC 8445 11 Binding indications, every 15 s), so media toward it stops
# after 3 s, logged with the reason and counted, while its own media still
# reaches the SDES baresip; and with the carrier trunk's ice_consent = off
# the same call keeps media both ways past the 3 s (the policy logged, the
# expiry counted as unenforced, "consent":"off" in ktrsbc-ctl calls).
# baresip gathers host candidates on its
# non-loopback interfaces and learns 127.0.0.1 as peer-reflexive from
# ktrsbc's answers to its checks; all traffic stays on 127.0.0.1 (ktrsbc's
# only candidate). TAP output; every process bounded by timeout(1); only
# the PIDs started here are killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
# shellcheck source=tests/integ/lib/baresip.sh
. "$(dirname "$0")/lib/baresip.sh" # bready; bcall_ice below, not its bcall
sbc_init test_sbc_baresip_ice
need "$SBC" "$CTL" baresip python3 timeout ss
for mod in ice fakevideo vp8 rtcpsummary stdio; do
	[ -f "/usr/lib/baresip/modules/$mod.so" ] || missing="${missing:-} baresip-module-$mod"
done
need baresip
# baresip's ICE gathers host candidates on non-loopback interfaces only;
# without one it has no candidate pair to check (127.0.0.1 is learned as
# peer-reflexive from ktrsbc's answers, through such a pair).
if ! ip -o addr show scope global 2>/dev/null | grep -q .; then
	echo "1..1"
	echo "ok 1 # SKIP no non-loopback address: baresip's ICE would gather no candidate"
	exit 0
fi

# Ports of this run (a block no other SBC test uses): SIP of the SBC P (tls
# P+1), the SDES baresip P+2, the DTLS baresip P+4; media: the SBC
# M..M+19, the SDES baresip M+20..M+29, the DTLS baresip M+30..M+39.
P=$((9900 + ($$ % 20) * 10))
M=$((34800 + ($$ % 5) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
sed -i 's/^ice *=.*/ice = lite/' "$conf/trunks/carrier.conf"
sbc_start -v
check $? "ktrsbc starts (carrier trunk: ice = lite)"

# bconf NAME SIP_PORT MEDIAENC RTP_MIN [ACCOUNT-EXTRA]: a baresip directory
# $tmp/NAME (tests/data/baresip/config) with stdio, rtcpsummary (at call
# end one "EX=BareSip;...;PR=<packets received and decrypted>;..." line per
# stream, audio first), ice, fakevideo and vp8; it answers calls itself.
bconf() {
	mkdir -p "$tmp/$1"
	sed -e "s/@SIP_PORT@/$2/" -e "s/^rtp_ports.*/rtp_ports\t\t$4-$(($4 + 9))/" \
		tests/data/baresip/config >"$tmp/$1/config"
	printf 'module\t\t\t%s.so\n' stdio rtcpsummary ice fakevideo vp8 >>"$tmp/$1/config"
	printf 'video_source\t\tfakevideo,nil\nvideo_display\t\tfakevideo,nil\nvideo_size\t\t320x240\nvideo_fps\t\t15\n' \
		>>"$tmp/$1/config"
	printf '<sip:bob@127.0.0.1>;regint=0;mediaenc=%s;audio_codecs=PCMU;video_codecs=VP8;answermode=auto%s\n' \
		"$3" "${5:-}" >"$tmp/$1/accounts"
}
bconf sdes "$PBX" srtp-mand "$((M + 20))"
bconf dtls "$CARRIER" dtls_srtp "$((M + 30))" ";medianat=ice"
bconf plain "$CARRIER" dtls_srtp "$((M + 30))" # DTLS without ICE

# snapshots NAME (calls of 8 s or more): `ktrsbc-ctl calls` into $tmp/NAME.c1.json 5 s into the
# call (with WAIT_CONSENT=1: once every stream's DTLS leg has lost
# consent, within 8 s; with WAIT_CONSENT=2: once ktrsbc-ctl stats counts
# an unenforced consent expiry per m-line, ice_consent = off) and into
# NAME.c2.json 2 s later.
snapshots() {
	if [ "${WAIT_CONSENT:-0}" = 1 ]; then
		i=0
		while [ $i -lt 80 ]; do
			"$CTL" -s "$conf/ctl.sock" calls >"$tmp/$1.c1.json" 2>&1
			json "$tmp/$1.c1.json" "j['calls'] and all(s['dtls_leg'].get('ice', {}).get('consent_lost') for s in j['calls'][0]['streams'])" \
				>/dev/null && break
			sleep 0.1
			i=$((i + 1))
		done
	elif [ "${WAIT_CONSENT:-0}" = 2 ]; then
		i=0
		while [ $i -lt 80 ]; do
			"$CTL" -s "$conf/ctl.sock" stats >"$tmp/$1.s1.json" 2>&1
			json "$tmp/$1.s1.json" "j['ice']['consent_unenforced'] >= 2" >/dev/null && break
			sleep 0.1
			i=$((i + 1))
		done
		"$CTL" -s "$conf/ctl.sock" calls >"$tmp/$1.c1.json" 2>&1
	else
		sleep 5
		"$CTL" -s "$conf/ctl.sock" calls >"$tmp/$1.c1.json" 2>&1
	fi
	sleep 2
	"$CTL" -s "$conf/ctl.sock" calls >"$tmp/$1.c2.json" 2>&1
}

# bcall_ice NAME CALLER CALLEE [SECONDS]: CALLER's baresip dials bob through
# ktrsbc and hangs up after SECONDS (default 9: rtcpsummary needs an RTCP
# report from the other side, and the ICE baresip sends its first one 5 s
# after its re-INVITE with the selected candidates, which ktrsbc refuses
# with 491 while the call comes up and takes 3 s later), CALLEE answers;
# lo captured (when dumpcap can) into $tmp/NAME.pcap; `ktrsbc-ctl calls`
# snapshots (above); outputs in $tmp/NAME.CALLER and $tmp/NAME.CALLEE.
bcall_ice() {
	cap_pid=""
	if command -v dumpcap >/dev/null 2>&1; then
		lo_capture "$1" "udp port $SBC_SIP or udp port $PBX or udp port $CARRIER"
	fi
	secs=${4:-9}
	(sleep $((secs + 2)); printf '/quit\n') | (cd "$tmp/$3" && timeout 30 baresip -v -f "$tmp/$3" \
		>"$tmp/$1.$3" 2>&1) &
	cpid=$!
	pids="$pids $cpid"
	bready "$tmp/$1.$3"
	(sleep "$secs"; printf '/hangup\n'; sleep 1; printf '/quit\n') | (cd "$tmp/$2" &&
		timeout 30 baresip -v -f "$tmp/$2" -e "/dial sip:bob@127.0.0.1:$SBC_SIP" \
		>"$tmp/$1.$2" 2>&1) &
	upid=$!
	pids="$pids $upid"
	if [ "$secs" -ge 8 ]; then
		snapshots "$1" &
		spid2=$!
		pids="$pids $spid2"
		wait "$spid2"
	fi
	wait "$upid"
	wait "$cpid"
	if [ -n "$cap_pid" ]; then
		lo_capture_stop
	fi
}

# received FILE N: PR of the Nth rtcpsummary line (1 audio, 2 video), 0
# when there is none.
received() {
	pr=$(tr '\r' '\n' <"$1" | sed -n 's/^EX=BareSip;.*;PR=\([0-9]*\);.*/\1/p' | sed -n "${2}p")
	echo "${pr:-0}"
}

# bchecks NAME CALLER CALLEE: both calls established; each baresip got
# the other's audio (>= 150 packets) and video (>= 60), no decryption
# failure.
bchecks() {
	for ua in "$2" "$3"; do
		grep -aq "Call established" "$tmp/$1.$ua"
		check $? "$1: the $ua baresip's call is established"
	done
	for ua in "$2" "$3"; do
		a=$(received "$tmp/$1.$ua" 1)
		v=$(received "$tmp/$1.$ua" 2)
		fails=$(grep -aic "failed to decrypt\|srtp.*fail\|unprotect" "$tmp/$1.$ua")
		[ "$a" -ge 150 ] && [ "$v" -ge 60 ] && [ "$fails" -eq 0 ]
		check $? "$1: the $ua baresip received and decrypted $a audio and $v video RTP packets of the other's ($fails decryption failures)"
		[ "$a" -ge 150 ] && [ "$v" -ge 60 ] || diag "$tmp/$1.$ua" "$tmp/sbc.err"
	done
	grep -aq "mnat 'ice' connected" "$tmp/$1.dtls"
	check $? "$1: the DTLS baresip's ICE connected (its checks answered by ktrsbc)"
}

# sdp_has NAME DST-PORT TEXT...: the SDP that went to DST-PORT in NAME's
# capture (the first INVITE or 200 with a body) has every TEXT line; a
# skip when lo could not be captured.
sdp_has() {
	name=$1
	port=$2
	shift 2
	desc="$name: ktrsbc's SDP to the DTLS baresip has $*"
	if [ ! -s "$tmp/$name.pcap" ] || ! command -v tshark >/dev/null 2>&1; then
		ok "$desc # SKIP no capture of lo: $(tail -n 1 "$tmp/$name.dumpcap" 2>/dev/null)"
		return
	fi
	timeout 30 tshark -r "$tmp/$name.pcap" -d "udp.port==$SBC_SIP,sip" -d "udp.port==$port,sip" \
		-Y "sdp && udp.dstport == $port" -T fields -e sdp.session_attr -e sdp.media_attr \
		2>/dev/null | head -n 1 | tr ',' '\n' >"$tmp/$name.sdp_attrs"
	rc=0
	for want; do
		grep -q -- "^$want" "$tmp/$name.sdp_attrs" || { rc=1; echo "# missing $want"; }
	done
	check $rc "$desc"
}

# fwd_check NAME TO_DTLS: per stream, between NAME.c1.json and
# NAME.c2.json (fwd_pkts of a leg: what arrived there and went on to the
# other peer), packets toward the DTLS baresip (TO_DTLS 0: none; 1: 20 or
# more) and from it (20 or more), after 50 or more toward it before.
fwd_check() {
	python3 - "$tmp/$1.c1.json" "$tmp/$1.c2.json" "$2" <<'PY'
import json, sys
c1, c2 = (json.load(open(f))["calls"][0]["streams"] for f in sys.argv[1:3])
for a, b in zip(c1, c2):
    to_dtls = b["sdes_leg"]["fwd_pkts"] - a["sdes_leg"]["fwd_pkts"]
    from_dtls = b["dtls_leg"]["fwd_pkts"] - a["dtls_leg"]["fwd_pkts"]
    print("# %s: toward the DTLS baresip +%d, from it +%d" % (a["kind"], to_dtls, from_dtls))
    to_ok = to_dtls >= 20 if sys.argv[3] == "1" else to_dtls == 0
    if a["sdes_leg"]["fwd_pkts"] < 50 or not to_ok or from_dtls < 20:
        sys.exit(1)
PY
}

# 1. DTLS (ICE) caller -> SDES callee: answered with ICE-lite.
bcall_ice d2s dtls sdes
bchecks d2s dtls sdes
sdp_has d2s "$CARRIER" ice-lite ice-ufrag: ice-pwd: "candidate:1 1 UDP 2130706431 127.0.0.1 " end-of-candidates
stats d2s
json "$tmp/d2s.json" "j['ice']['nominations'] == 2 and j['ice']['stun_answered'] >= 2 and j['ice']['stun_dropped_auth'] == 0 and j['ice']['consent_lost'] == 0" >/dev/null
check $? "d2s: ktrsbc counted one nomination per m-line, no check dropped, consent kept"
json "$tmp/d2s.c1.json" "all(s['dtls_leg']['ice']['nominated'] and not s['dtls_leg']['ice']['consent_lost'] and s['dtls_leg']['ice']['stun_answered'] >= 1 and 'ice' not in s['sdes_leg'] for s in j['calls'][0]['streams'])" >/dev/null
check $? "d2s: ktrsbc-ctl calls shows each stream's DTLS leg nominated, with consent"

# 2. SDES caller -> DTLS (ICE) callee: ktrsbc offers ICE-lite (ice = lite).
bcall_ice s2d sdes dtls
bchecks s2d sdes dtls
sdp_has s2d "$CARRIER" ice-lite ice-ufrag: ice-pwd: "candidate:1 1 UDP 2130706431 127.0.0.1 " end-of-candidates
stats s2d
json "$tmp/s2d.json" "j['ice']['nominations'] == 4 and j['ice']['stun_dropped_auth'] == 0 and j['ice']['consent_lost'] == 0" >/dev/null
check $? "s2d: ktrsbc counted the callee's nominations, no check dropped"
grep -aq "verified sha-256 fingerprint OK" "$tmp/s2d.dtls"
check $? "s2d: the DTLS baresip verified ktrsbc's certificate against its a=fingerprint"

# 3. ice = lite toward a DTLS UA without ICE (baresip without medianat):
#    it ignores the ICE attributes and answers without; ktrsbc turns ICE off
#    and uses the answer's c=, as before ICE.
bcall_ice noice sdes plain 3
for ua in sdes plain; do
	grep -aq "incoming rtp for 'audio' established" "$tmp/noice.$ua" &&
		! grep -aiq "failed to decrypt" "$tmp/noice.$ua"
	check $? "noice: the $ua baresip receives the other's audio (no decryption failure)"
done
stats noice
json "$tmp/noice.json" "j['ice']['nominations'] == 4 and j['calls_failed_total'] == 0" >/dev/null
check $? "noice: no ICE on that call (no nomination counted)"

# 4. Consent (RFC 7675) after 3 s: baresip sends no consent checks.
sbc_term "ktrsbc exits 0 on SIGTERM"
sed -i 's/^ice_consent_timeout_ms *=.*/ice_consent_timeout_ms = 3000/' "$conf/ktrsbc.conf"
sbc_start -v
check $? "ktrsbc starts with ice_consent_timeout_ms = 3000"
WAIT_CONSENT=1
bcall_ice consent dtls sdes
# In the 2 s after every stream lost consent (about 3.5 s after its
# nomination), per stream: nothing more toward the DTLS baresip, its own
# media still on.
fwd_check consent 0
check $? "consent: media toward the DTLS baresip stopped (no packet forwarded to it in the 2 s after consent was lost), its own media still reached the SDES side"
grep -q "ICE consent lost: no valid STUN Binding request from 127.0.0.1:[0-9]* for [0-9]* ms (RFC 7675;.*media and DTLS toward it stop" "$tmp/sbc.err"
check $? "consent: ktrsbc's log says why media toward the peer stopped"
stats consent
json "$tmp/consent.json" "j['ice']['consent_lost'] == 2 and j['ice']['nominations'] == 2" >/dev/null
check $? "consent: ktrsbc counted a consent loss per m-line"
json "$tmp/consent.c2.json" "all(s['dtls_leg']['ice']['consent_lost'] for s in j['calls'][0]['streams'])" >/dev/null
check $? "consent: ktrsbc-ctl calls shows each stream's DTLS leg without consent"
sbc_term "ktrsbc exits 0 on SIGTERM after the consent call"

# 5. The carrier trunk's ice_consent = off (consent still 3 s): baresip
#    still sends no consent checks, and the call keeps media both ways.
sed -i 's/^ice_consent *=.*/ice_consent = off/' "$conf/trunks/carrier.conf"
sbc_start -v
check $? "ktrsbc starts with ice_consent = off on the carrier trunk"
WAIT_CONSENT=2
bcall_ice nocons dtls sdes 12
# The 2 s after consent expired on every stream (unenforced), per stream:
# media forwarded toward the DTLS baresip and from it.
fwd_check nocons 1
check $? "nocons: media both ways in the 2 s after consent expired (not enforced)"
# rtcpsummary's PR counts up to the last RTCP report (about every 5 s):
# with consent enforced the DTLS baresip gets no audio after about 4.5 s
# (225 packets at most), off it has 500 by its second report.
for ua_min in dtls:300 sdes:150; do
	ua=${ua_min%:*}
	min=${ua_min#*:}
	a=$(received "$tmp/nocons.$ua" 1)
	fails=$(grep -aic "failed to decrypt\|srtp.*fail\|unprotect" "$tmp/nocons.$ua")
	[ "$a" -ge "$min" ] && [ "$fails" -eq 0 ]
	check $? "nocons: the $ua baresip received and decrypted $a audio RTP packets of the other's 12 s call (>= $min; $fails decryption failures)"
	[ "$a" -ge "$min" ] || diag "$tmp/nocons.$ua" "$tmp/sbc.err"
done
grep -q "call [0-9]*: ICE consent (RFC 7675) not enforced toward the DTLS side (carrier: ice_consent = off)" "$tmp/sbc.err" &&
	grep -q "ICE consent not enforced (ice_consent = off): no valid STUN Binding request from 127.0.0.1:[0-9]* for [0-9]* ms" "$tmp/sbc.err" &&
	! grep -q "ICE consent lost" "$tmp/sbc.err"
check $? "nocons: ktrsbc's log says consent is not enforced on the call, and when it expired (no consent loss)"
stats nocons
json "$tmp/nocons.json" "j['ice']['consent_unenforced'] >= 2 and j['ice']['consent_lost'] == 0 and j['ice']['nominations'] == 2" >/dev/null
check $? "nocons: ktrsbc counted the unenforced expiries, no consent loss"
json "$tmp/nocons.c2.json" "all(s['dtls_leg']['ice']['consent'] == 'off' and not s['dtls_leg']['ice']['consent_lost'] for s in j['calls'][0]['streams'])" >/dev/null
check $? "nocons: ktrsbc-ctl calls shows each stream's DTLS leg with consent off, not lost"
json "$tmp/consent.c2.json" "all(s['dtls_leg']['ice']['consent'] == 'required' for s in j['calls'][0]['streams'])" >/dev/null
check $? "consent: ktrsbc-ctl calls showed consent required on the default trunk"
sbc_term "ktrsbc exits 0 on SIGTERM after the ice_consent = off call"

echo "1..$n"

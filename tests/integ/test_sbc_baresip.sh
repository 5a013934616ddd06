#!/bin/sh
# baresip on both sides of ktrsbc (issue 11, point 4): baresip 1.0 as the
# DTLS-SRTP UA (mediaenc dtls_srtp, rtcp_mux yes, no ICE: mnat unset) on
# the carrier trunk and baresip as the RFC 4568 UA (mediaenc srtp-mand) on
# the pbx trunk, a call in each direction. baresip does no KTR, so both run
# the transcrypting fallback (carrier: ktr = preferred), which ktrsbc must
# report as such. Checked: both calls connect; each baresip received and
# decrypted the other's media (its RTP counter from the rtcpsummary module,
# no decryption failure in its log); the offers carry the trunks' profiles
# (RTP/SAVP toward the SDES UA, UDP/TLS/RTP/SAVPF toward the DTLS UA, read
# by tshark); the SDES leg, from a capture of lo, authenticates and decrypts
# with the keys of its SDP in both directions (sbc_srtp_check.py). Then the
# same calls with the profiles mirrored (the behaviour before sdes_profile
# and dtls_profile): the SDES baresip refuses RTP/SAVPF with 488 (the bug
# this fixes), the DTLS one takes UDP/TLS/RTP/SAVP as well. TAP output; loopback only; every
# process bounded by timeout(1); only the PIDs started here are killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
# shellcheck source=tests/integ/lib/baresip.sh
. "$(dirname "$0")/lib/baresip.sh"
sbc_init test_sbc_baresip
python3 -c 'import cryptography' 2>/dev/null || missing="${missing:-} python3-cryptography"
need "$SBC" "$CTL" baresip dumpcap tshark python3 timeout ss

# Ports of this run (apart from the other SBC tests' blocks): SIP of the
# SBC P (tls P+1), the SDES baresip P+2 (its TLS port P+3), the DTLS
# baresip P+4 (P+5); media: the SBC M..M+19, the SDES baresip M+20..M+29,
# the DTLS baresip M+30..M+39.
P=$((38100 + ($$ % 80) * 10))
M=$((39000 + ($$ % 50) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
sbc_start -v
check $? "ktrsbc starts on the shipped trunks (pbx: sdes_profile RTP/SAVP, carrier: dtls_profile UDP/TLS/RTP/SAVPF)"

# bconf NAME SIP_PORT MEDIAENC RTP_MIN: a baresip directory $tmp/NAME from
# tests/data/baresip/config, with the stdio module (commands on stdin) and
# rtcpsummary (at call end: "EX=BareSip;...;PR=<RTP packets received and
# decrypted>;PS=<sent>;..."); it answers calls itself.
bconf() {
	mkdir -p "$tmp/$1"
	sed -e "s/@SIP_PORT@/$2/" -e "s/^rtp_ports.*/rtp_ports\t\t$4-$(($4 + 9))/" \
		tests/data/baresip/config >"$tmp/$1/config"
	printf 'module\t\t\tstdio.so\nmodule\t\t\trtcpsummary.so\n' >>"$tmp/$1/config"
	printf '<sip:bob@127.0.0.1>;regint=0;mediaenc=%s;audio_codecs=PCMU;answermode=auto\n' \
		"$3" >"$tmp/$1/accounts"
}
bconf sdes "$PBX" srtp-mand "$((M + 20))"
bconf dtls "$CARRIER" dtls_srtp "$((M + 30))"

# oncap NAME DESC CMD...: a test, DESC, of CMD's status when NAME's capture
# holds packets; skipped, with dumpcap's reason, when lo could not be
# captured (dumpcap needs root or CAP_NET_RAW).
oncap() {
	capname=$1
	capdesc=$2
	shift 2
	if [ -s "$tmp/$capname.pcap" ] && [ "$(stat -c %s "$tmp/$capname.pcap")" -gt 24 ]; then
		"$@"
		check $? "$capdesc"
	else
		ok "$capdesc # SKIP no capture of lo: $(tail -n 1 "$tmp/$capname.dumpcap" 2>/dev/null)"
	fi
}

# received FILE: the RTP packets baresip received and decrypted (PR of its
# rtcpsummary line), 0 when it printed none.
received() {
	pr=$(tr '\r' '\n' <"$1" | sed -n 's/^EX=BareSip;.*;PR=\([0-9]*\);.*/\1/p' | tail -n 1)
	echo "${pr:-0}"
}

# bchecks NAME CALLER CALLEE SDES-UA-SIP-PORT: the checks of one call.
bchecks() {
	for ua in "$2" "$3"; do
		grep -aq "Call established" "$tmp/$1.$ua"
		check $? "$1: the $ua baresip's call is established"
	done
	for ua in "$2" "$3"; do
		got=$(received "$tmp/$1.$ua")
		fails=$(grep -ac "failed to decrypt" "$tmp/$1.$ua")
		[ "$got" -ge 150 ] && [ "$fails" -eq 0 ]
		check $? "$1: the $ua baresip received and decrypted $got RTP packets of the other's ($fails decryption failures)"
		[ "$got" -ge 150 ] || diag "$tmp/$1.$ua"
	done
	json "$tmp/$1.calls.json" "j['calls'][0]['media'] == 'fallback' and j['calls'][0]['state'] == 'up'" >/dev/null
	check $? "$1: ktrsbc shows the call as transcrypting fallback (baresip does no KTR)"
	oncap "$1" "$1: the SDES leg on the wire authenticates and decrypts with its SDP's keys, both directions" \
		python3 tests/integ/sbc_srtp_check.py "$tmp/$1.pcap" "$4" "$SBC_SIP" 150
}

# offered NAME DST-PORT PROTO: the INVITE that went to DST-PORT in NAME's
# capture offered PROTO on its m= line, as tshark reads it.
offered() {
	m=$(timeout 30 tshark -r "$tmp/$1.pcap" -d "udp.port==$SBC_SIP,sip" -d "udp.port==$2,sip" \
		-Y "sip.Method == \"INVITE\" && udp.dstport == $2" -T fields -e sdp.media 2>/dev/null | head -n 1)
	echo "# $1: offer to port $2: $m"
	case $m in *" $3 "*) return 0 ;; esac
	return 1
}

# 1. DTLS caller -> SDES callee: ktrsbc offers the SDES UA RTP/SAVP
#    (before: RTP/SAVPF, mirrored, and baresip answered 488).
# 10 s calls: the counters checked come from rtcpsummary, which has them
# only once an RTCP report arrived (baresip sends them every 5 s on average,
# randomised): 5 s calls printed "No RTCP stats collected" now and then.
bcall d2s dtls sdes 10
oncap d2s "d2s: ktrsbc offered the SDES baresip RTP/SAVP (the DTLS baresip offered UDP/TLS/RTP/SAVPF)" \
	offered d2s "$PBX" RTP/SAVP
bchecks d2s dtls sdes "$PBX"
stats
json "$tmp/stats.json" "j['calls_fallback_total'] == 1 and j['calls_ktr_total'] == 0 and j['ended']['crypto_ops_fallback'] > 300" >/dev/null
check $? "d2s: ktrsbc counted one fallback call and its per-packet crypto operations"

# 2. SDES caller -> DTLS callee: ktrsbc offers the DTLS UA UDP/TLS/RTP/SAVPF
#    (mirrored it would be UDP/TLS/RTP/SAVP).
bcall s2d sdes dtls 10
oncap s2d "s2d: ktrsbc offered the DTLS baresip UDP/TLS/RTP/SAVPF (the SDES baresip offered RTP/SAVP)" \
	offered s2d "$CARRIER" UDP/TLS/RTP/SAVPF
bchecks s2d sdes dtls "$PBX"
grep -aq "verified sha-256 fingerprint OK" "$tmp/s2d.dtls"
check $? "s2d: the DTLS baresip verified ktrsbc's certificate against its a=fingerprint"
stats
json "$tmp/stats.json" "j['calls_fallback_total'] == 2 and j['calls_ktr_total'] == 0" >/dev/null
check $? "s2d: ktrsbc counted a second fallback call"

# 3. The profiles mirrored, as ktrsbc wrote them before these options: the
#    SDES baresip refuses RTP/SAVPF (the observed 488).
profile() { # TRUNK KEY VALUE
	sed -i "s|^$2 *=.*|$2 = $3|" "$conf/trunks/$1.conf"
	kill -HUP "$spid"
	sleep 0.3
}
profile pbx sdes_profile mirror
bcall mir1 dtls sdes 2
oncap mir1 "sdes_profile = mirror: ktrsbc offered the SDES baresip RTP/SAVPF, mirroring UDP/TLS/RTP/SAVPF" \
	offered mir1 "$PBX" RTP/SAVPF
grep -aq "488 Not Acceptable Here" "$tmp/mir1.dtls" && ! grep -aq "Call established" "$tmp/mir1.sdes"
check $? "sdes_profile = mirror: RTP/SAVPF to the SDES baresip, refused (488), as before the option"
profile pbx sdes_profile RTP/SAVP
profile carrier dtls_profile mirror
bcall mir2 sdes dtls 2
grep -aq "Call established" "$tmp/mir2.dtls"
check $? "dtls_profile = mirror: the DTLS baresip takes the mirrored offer too"
oncap mir2 "dtls_profile = mirror: ktrsbc offered the DTLS baresip UDP/TLS/RTP/SAVP, mirroring RTP/SAVP" \
	offered mir2 "$CARRIER" UDP/TLS/RTP/SAVP
profile carrier dtls_profile UDP/TLS/RTP/SAVPF
sbc_term "ktrsbc exits 0 on SIGTERM"

echo "1..$n"

#!/bin/sh
# ktrsbc with an SDES trunk reached over SIP/TLS: the trunk is classified by
# match_from alone (a TLS peer's source port is ephemeral, so match_source
# cannot name it) and is not trusted, so its a=crypto is accepted only
# because the INVITE came over TLS (draft section 6); the same UA over UDP
# gets 488. Calls both ways with media both ways, checked on the wire from
# ktrua's captures. TAP output; loopback only; every process bounded by
# timeout(1); only the PIDs started here are killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_tls
need "$SBC" "$CTL" "$UA" python3 timeout ss openssl

# Sofia-SIP's own TLS leak (tests/data/lsan-sofia-tls.supp), nothing else:
# for ktrsbc and ktrua, which both speak SIP over TLS here.
LSAN_OPTIONS="suppressions=$top/tests/data/lsan-sofia-tls.supp"
ASAN_OPTIONS="${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS

# Ports of this run (apart from the other SBC tests' SIP ports 23000..
# 33100): SIP of the SBC P (tls P+1), pbx P+2, carrier P+4, the TLS PBX
# P+6 (its TLS port P+7); media: the SBC M..M+19, callee M+20..M+29,
# caller M+30..M+39.
P=$((33200 + ($$ % 100) * 10))
M=$((20100 + ($$ % 40) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
SBC_TLS=$((P + 1))
TPBX=$((P + 6))
TPBX_TLS=$((P + 7))

# The TLS PBX's certificate (ktrua's --tls-dir layout; ktrsbc makes its own).
tlsdir=$tmp/tls
mkdir -p "$tlsdir"
(cd "$tlsdir" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 >/dev/null 2>&1 &&
	cat key.pem cert.pem >agent.pem && cp cert.pem cafile.pem)

# The trunk: SDES over TLS, untrusted, known by its From user only. The
# carrier routes numbers written tls<digits> to it.
cat >"$conf/trunks/pbxtls.conf" <<EOT
name = pbxtls
side = sdes
peer = 127.0.0.1:$TPBX_TLS
transport = tls
trusted = no
latch = no
keepalive = 0
match_from = ^sips?:branch7@
route = ^.+\$ -> carrier
EOT
sed -i 's/^route = \^\\+1\[2-9\]/route = ^tls(\\d+)$ -> pbxtls sip:$1@{peer}\n&/' "$conf/trunks/carrier.conf"
grep -q '^route = ^tls' "$conf/trunks/carrier.conf"
check $? "carrier trunk copy routes tls<digits> to the TLS trunk"

"$SBC" -c "$conf/ktrsbc.conf" --check-config >"$tmp/check.out" 2>&1
check $? "ktrsbc --check-config accepts a TLS trunk classified by match_from"
sbc_start -v
check $? "ktrsbc starts with SIP over TLS on $SBC_TLS"

tls_pbx="--sdes --user branch7 --listen 127.0.0.1:$TPBX --tls-dir $tlsdir"

# 1. The TLS PBX calls the carrier over SIP/TLS: untrusted trunk, a=crypto
#    accepted because it came over TLS.
# shellcheck disable=SC2086
ua_pair in "$CALLEE_PORTS" "$CALLER_PORTS" --dtls --ktr --listen 127.0.0.1:$CARRIER -- \
	$tls_pbx --call "sip:+15551234567@127.0.0.1:$SBC_TLS;transport=tls" --duration 3
check $((caller_rc + callee_rc)) "TLS PBX (SDES, untrusted) -> ktrsbc over SIP/TLS -> DTLS+KTR callee: both calls ok"
grep -q "pbxtls (sdes) -> carrier (dtls)" "$tmp/sbc.err"
check $? "ktrsbc classified the TLS call to trunk pbxtls by its From"
json "$tmp/in.caller.json" "$ok_call"
check $? "the TLS PBX authenticated the DTLS UA's media"
json "$tmp/in.callee.json" "$ok_call and calls[0]['mode'] == 'dtls-ktr'"
check $? "the DTLS UA authenticated the TLS PBX's media (KTR)"
same_bytes "$tmp/in.caller.pcap" "$CALLER_PORTS" "$tmp/in.callee.pcap" "$CALLEE_PORTS" 0
check $? "every packet that reached the DTLS UA is byte-identical to one the TLS PBX sent"
same_bytes "$tmp/in.callee.pcap" "$CALLEE_PORTS" "$tmp/in.caller.pcap" "$CALLER_PORTS" 0
check $? "every packet that reached the TLS PBX is byte-identical to one the DTLS UA sent"

# 2. The same UA over UDP: the same trunk by its From, but no TLS and not
#    trusted: 488 and a log line.
# shellcheck disable=SC2086
timeout 30 "$UA" $tls_pbx --call "sip:+15551234567@127.0.0.1:$SBC_SIP" --duration 1 \
	--media-ports "$CALLER_PORTS" >"$tmp/udp.caller.json" 2>"$tmp/udp.caller.err"
json "$tmp/udp.caller.json" "calls[0]['sip_status'] == 488"
check $? "the TLS trunk's UA over UDP: a=crypto refused with 488"
grep -q "a=crypto from trunk pbxtls over udp refused" "$tmp/sbc.err"
check $? "ktrsbc logged why (untrusted trunk without TLS)"

# 3. The carrier calls the TLS PBX: ktrsbc sends the INVITE (with a fresh
#    a=crypto key B) over SIP/TLS to the trunk's peer.
# shellcheck disable=SC2086
ua_pair out "$CALLEE_PORTS" "$CALLER_PORTS" $tls_pbx -- \
	--dtls --ktr --listen 127.0.0.1:$CARRIER --call "sip:tls7001@127.0.0.1:$SBC_SIP" --duration 3
check $((caller_rc + callee_rc)) "DTLS+KTR caller -> ktrsbc -> TLS PBX over SIP/TLS: both calls ok"
grep -q "carrier (dtls) -> pbxtls (sdes) sip:7001@127.0.0.1:$TPBX_TLS;transport=tls" "$tmp/sbc.err"
check $? "ktrsbc routed it to the TLS trunk with transport=tls"
json "$tmp/out.callee.json" "$ok_call"
check $? "the TLS PBX authenticated the DTLS UA's media"
json "$tmp/out.caller.json" "$ok_call and calls[0]['media']['tx_switches'] == 1"
check $? "the DTLS UA authenticated the TLS PBX's media and took the dictated key"

sbc_term "ktrsbc exits 0 on SIGTERM (no leak beyond Sofia-SIP's known TLS one)"
echo "1..$n"

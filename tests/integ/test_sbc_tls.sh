#!/bin/sh
# ktrsbc with an SDES trunk reached over SIP/TLS: the trunk is classified by
# match_from alone (a TLS peer's source port is ephemeral, so match_source
# cannot name it) and is not trusted, so its a=crypto is accepted only
# because the INVITE came over TLS (draft section 6); the same UA over UDP
# gets 488. Calls both ways with media both ways, checked on the wire from
# ktrua's captures. Keys only where they may go (issue 11 point 3): a key
# goes to that untrusted trunk only because its certificate verifies against
# its tls_ca; a DTLS-side call to an untrusted SDES trunk over UDP, or over
# TLS without tls_ca, gets 488 and sends nothing; one whose peer's
# certificate does not verify fails without a byte of the INVITE reaching
# the peer. TAP output; loopback only; every process bounded by timeout(1);
# only the PIDs started here are killed.
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
# Sink peers (tests/integ/sink_peer.py): the rogue TLS peer, the TLS peer
# of a trunk without tls_ca, the untrusted UDP peer.
BAD_TLS=$((P + 3))
NOCA_TLS=$((P + 5))
UDP_PEER=$((P + 8))
CA_TLS=$((P + 9))

# The TLS PBX's certificate (ktrua's --tls-dir layout; ktrsbc makes its own).
tlsdir=$tmp/tls
mkdir -p "$tlsdir"
(cd "$tlsdir" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 >/dev/null 2>&1 &&
	cat key.pem cert.pem >agent.pem && cp cert.pem cafile.pem)
# Two more self-signed certificates naming 127.0.0.1: the rogue peer's, and
# one that no peer has (the bad trunk's tls_ca).
for d in rogue other; do
	mkdir -p "$tmp/$d"
	(cd "$tmp/$d" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 >/dev/null 2>&1)
done
cp "$tlsdir/cert.pem" "$conf/trunks/pbxtls-ca.pem"
# A CA and two leaves it issued: one naming the peer's address, one not.
mkdir -p "$tmp/ca"
(cd "$tmp/ca" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=ktrsbc-test-ca >/dev/null 2>&1 &&
	for cn in 127.0.0.1 wrong.example; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$cn.key" -out "$cn.csr" -subj "/CN=$cn" >/dev/null 2>&1 &&
		openssl x509 -req -in "$cn.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out "$cn.pem" -days 2 >/dev/null 2>&1
	done)

# The trunk: SDES over TLS, untrusted, known by its From user only, its
# certificate checked against its tls_ca (relative: next to the trunk
# file). The carrier routes numbers written tls<digits> to it.
cat >"$conf/trunks/pbxtls.conf" <<EOT
name = pbxtls
side = sdes
peer = 127.0.0.1:$TPBX_TLS
transport = tls
trusted = no
tls_ca = pbxtls-ca.pem
latch = no
keepalive = 0
match_from = ^sips?:branch7@
route = ^.+\$ -> carrier
EOT
# Three SDES trunks no key may reach: TLS whose peer's certificate is not
# the tls_ca's (tlsbad<digits>), TLS without tls_ca (tlsnoca<digits>),
# untrusted UDP (udpx<digits>).
sdes_sink() {
	cat >"$conf/trunks/$1.conf" <<EOT
name = $1
side = sdes
peer = 127.0.0.1:$2
transport = $3
trusted = no
$4
route = ^.+\$ -> carrier
EOT
}
sdes_sink pbxbad "$BAD_TLS" tls "tls_ca = $tmp/other/cert.pem"
sdes_sink pbxnoca "$NOCA_TLS" tls ""
sdes_sink pbxudp "$UDP_PEER" udp ""
# ... and one whose tls_ca is a CA: its peer must show a certificate that
# CA issued naming 127.0.0.1 (tlsca<digits>).
sdes_sink pbxca "$CA_TLS" tls "tls_ca = $tmp/ca/ca.pem"
# shellcheck disable=SC2016 # $1 and {peer} are the route template's own
r='route = ^tls(\\d+)$ -> pbxtls sip:$1@{peer}\nroute = ^tlsbad(\\d+)$ -> pbxbad sip:$1@{peer}'
# shellcheck disable=SC2016
r="$r"'\nroute = ^tlsnoca(\\d+)$ -> pbxnoca sip:$1@{peer}\nroute = ^udpx(\\d+)$ -> pbxudp sip:$1@{peer}'
# shellcheck disable=SC2016
r="$r"'\nroute = ^tlsca(\\d+)$ -> pbxca sip:$1@{peer}'
sed -i "s/^route = \\^\\\\+1\\[2-9\\]/$r\\n&/" "$conf/trunks/carrier.conf"
[ "$(grep -c '^route = ^\(tls\|tlsbad\|tlsnoca\|udpx\|tlsca\)(' "$conf/trunks/carrier.conf")" -eq 5 ]
check $? "carrier trunk copy routes tls/tlsbad/tlsnoca/udpx/tlsca<digits> to the SDES trunks"

"$SBC" -c "$conf/ktrsbc.conf" --check-config >"$tmp/check.out" 2>&1
check $? "ktrsbc --check-config accepts a TLS trunk classified by match_from"
# A tls_ca that is not a certificate file: refused with file:line.
sed -i "s|^tls_ca = .*|tls_ca = $tlsdir/agent.pem|" "$conf/trunks/pbxbad.conf"
! timeout 10 "$SBC" -c "$conf/ktrsbc.conf" --check-config >"$tmp/check2.out" 2>&1 &&
	grep -q "pbxbad.conf:6: tls_ca $tlsdir/agent.pem: holds a private key" "$tmp/check2.out"
check $? "ktrsbc --check-config refuses a tls_ca holding a private key, naming file and line"
sed -i "s|^tls_ca = .*|tls_ca = $tmp/nowhere.pem|" "$conf/trunks/pbxbad.conf"
! timeout 10 "$SBC" -c "$conf/ktrsbc.conf" >"$tmp/start2.out" 2>&1 &&
	grep -q "pbxbad.conf:6: tls_ca $tmp/nowhere.pem: No such file" "$tmp/start2.out"
check $? "ktrsbc refuses to start with an unreadable tls_ca, naming file and line"
sed -i "s|^tls_ca = .*|tls_ca = $tmp/other/cert.pem|" "$conf/trunks/pbxbad.conf"
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

# 4-6. DTLS-side calls to SDES trunks no key may reach; the peers are
#      sinks recording every byte they get.
python3 tests/integ/sink_peer.py tls "$BAD_TLS" "$tmp/bad.got" 25 \
	"$tmp/rogue/cert.pem" "$tmp/rogue/key.pem" &
pids="$pids $!"
python3 tests/integ/sink_peer.py tls "$NOCA_TLS" "$tmp/noca.got" 25 \
	"$tlsdir/cert.pem" "$tlsdir/key.pem" &
pids="$pids $!"
python3 tests/integ/sink_peer.py udp "$UDP_PEER" "$tmp/udp.got" 25 &
pids="$pids $!"
sleep 0.5
dtls_call() {
	timeout "${3:-30}" "$UA" --dtls --ktr --listen "127.0.0.1:$CARRIER" --call "sip:$1@127.0.0.1:$SBC_SIP" \
		--duration 1 --media-ports "$CALLER_PORTS" >"$tmp/$2.json" 2>"$tmp/$2.err"
}

# 4. Untrusted UDP SDES trunk: 488 toward the DTLS caller, a log line naming
#    the trunk, nothing sent to it.
dtls_call udpx7001 udpx
json "$tmp/udpx.json" "calls[0]['sip_status'] == 488"
check $? "DTLS caller -> untrusted UDP SDES trunk: 488"
grep -q "call from trunk carrier to trunk pbxudp refused (488): an a=crypto key may not go to pbxudp over udp" "$tmp/sbc.err"
check $? "ktrsbc logged the refusal naming the trunk"

# 5. TLS trunk without tls_ca: TLS alone is not enough.
dtls_call tlsnoca7001 noca
json "$tmp/noca.json" "calls[0]['sip_status'] == 488"
check $? "DTLS caller -> untrusted TLS SDES trunk without tls_ca: 488"
grep -q "to trunk pbxnoca refused (488): an a=crypto key may not go to pbxnoca over tls (not trusted, no tls_ca" "$tmp/sbc.err"
check $? "ktrsbc logged the refusal naming the trunk"

stats
json "$tmp/stats.json" "j['rejected_untrusted'] == 3"
check $? "ktrsbc-ctl stats counts the three refusals in rejected_untrusted (UDP a=crypto in, udpx and tlsnoca out)"

# 6. TLS trunk whose peer presents a certificate its tls_ca does not verify:
#    Sofia-SIP closes the connection before writing the INVITE, and reports
#    nothing until its transaction times out (Timer B, 32 s: 408); the
#    caller gives up after 3 s here (CANCEL). The call never gets up and
#    the peer gets no byte of the INVITE.
dtls_call tlsbad7001 bad 3
json "$tmp/bad.json" "calls[0]['result'] != 'ok' and calls[0]['media'] is None and calls[0]['sip_status'] != 200"
check $? "DTLS caller -> TLS SDES trunk with a certificate that does not verify: no call"
grep -q "call [0-9]* (carrier -> pbxbad) ends" "$tmp/sbc.err"
check $? "ktrsbc logged the failed call to pbxbad"
sleep 0.5
[ -f "$tmp/bad.got" ] && ! grep -aq -e INVITE -e crypto "$tmp/bad.got"
check $? "the rogue TLS peer received no INVITE and no a=crypto (got $(wc -c <"$tmp/bad.got" 2>/dev/null) bytes)"
[ -f "$tmp/noca.got" ] && [ ! -s "$tmp/noca.got" ] && [ -f "$tmp/udp.got" ] && [ ! -s "$tmp/udp.got" ]
check $? "the TLS peer without tls_ca and the UDP peer received nothing at all"

# 6b. A CA in tls_ca: its leaf naming another host gets no INVITE (the
#     subject check); its leaf naming 127.0.0.1 gets it (the control: the
#     chain alone verifies).
python3 tests/integ/sink_peer.py tls "$CA_TLS" "$tmp/wrongcn.got" 8 \
	"$tmp/ca/wrong.example.pem" "$tmp/ca/wrong.example.key" &
sink=$!
pids="$pids $sink"
sleep 0.5
dtls_call tlsca7001 wrongcn 3
kill "$sink" 2>/dev/null
wait "$sink" 2>/dev/null
[ -f "$tmp/wrongcn.got" ] && ! grep -aq -e INVITE -e crypto "$tmp/wrongcn.got"
check $? "a certificate from the trunk's CA naming another host: no INVITE reaches the peer"
python3 tests/integ/sink_peer.py tls "$CA_TLS" "$tmp/rightcn.got" 8 \
	"$tmp/ca/127.0.0.1.pem" "$tmp/ca/127.0.0.1.key" &
sink=$!
pids="$pids $sink"
sleep 0.5
dtls_call tlsca7002 rightcn 3
kill "$sink" 2>/dev/null
wait "$sink" 2>/dev/null
grep -aq "^INVITE sip:7002@127.0.0.1:$CA_TLS;transport=tls" "$tmp/rightcn.got" && grep -aq "^a=crypto:" "$tmp/rightcn.got"
check $? "a certificate from the trunk's CA naming 127.0.0.1: the INVITE with its a=crypto key reaches the peer"

# 7. A reload may not change the CA store Sofia-SIP loaded at start.
sed -i "s|^tls_ca = .*|tls_ca = $tlsdir/cert.pem|" "$conf/trunks/pbxbad.conf"
! timeout 10 "$CTL" -s "$conf/ctl.sock" reload >"$tmp/reload.out" 2>&1 &&
	grep -q "tls_ca certificates differ" "$tmp/reload.out"
check $? "a reload that changes a tls_ca is refused (restart needed)"

sbc_term "ktrsbc exits 0 on SIGTERM (no leak beyond Sofia-SIP's known TLS one)"
echo "1..$n"

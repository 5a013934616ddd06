#!/bin/sh
# ktrsbc with IPv6 media (issue 14 point 4): media_address = 127.0.0.1 and
# media_address6 = ::1, SIP on IPv4 loopback throughout, the SDPs carrying
# c=IN IP6 ::1 where a UA's media is on ::1 (ktrua --media-addr ::1):
#   1. SDES UA on ::1 -> ktrsbc -> DTLS+KTR UA on 127.0.0.1 (carrier
#      media_family = ipv4): IPv6 on one leg, IPv4 on the other;
#   2. DTLS+KTR UA on ::1 -> ktrsbc -> SDES UA on 127.0.0.1 (DTLS and KTR
#      over the relay's IPv6 socket; pbx media_family = ipv4);
#   3. both on ::1 (media_family = same), a stranger on ::1 sending to the
#      SDES leg's port meanwhile: dropped and counted;
#   4. an answer in the other family than ktrsbc's offer: refused (488);
#   5. without media_address6, an IPv6 offer is refused (488).
# Media decrypts at both ends (ktrua's counters) and is byte-identical on
# the wire (ktrua's captures, IPv6 records included); each capture is
# checked to be of the family its leg should have. Skipped (not passed)
# where the machine has no IPv6 loopback. TAP; loopback only; every
# process bounded by timeout(1); only the PIDs started here are killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_ipv6
need "$SBC" "$CTL" "$UA" python3 timeout ss ip
if ! ip -6 addr show dev lo 2>/dev/null | grep -q "inet6 ::1/128"; then
	echo "ok 1 # SKIP no IPv6 loopback (no ::1 in ip -6 addr show lo)"
	echo "1..1"
	exit 0
fi

# Ports of this run: SIP of the SBC P (tls P+1), pbx P+2, carrier P+4;
# media: the SBC M..M+19, the callee M+20..M+29, the caller M+30..M+39.
P=$((21700 + ($$ % 210) * 6))
M=$((48600 + ($$ % 35) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
sed -i "s/^media_address6 *=.*/media_address6 = ::1/" "$conf/ktrsbc.conf"
grep -q "^media_address6 = ::1$" "$conf/ktrsbc.conf" || {
	echo "1..1"
	echo "not ok 1 - conf/ktrsbc.conf has no media_address6 line to set"
	exit 1
}

"$SBC" -c "$conf/ktrsbc.conf" --check-config >"$tmp/check.out" 2>&1
check $? "ktrsbc --check-config accepts media_address6 = ::1"
sbc_start -v
check $? "ktrsbc starts with IPv4 and IPv6 media addresses"

sdes_caller="--sdes --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$SBC_SIP"
dtls_callee="--dtls --ktr --listen 127.0.0.1:$CARRIER"
v6="--media-addr ::1"

# families PCAP 4|6: every record of a ktrua capture is of that IP version
# (the UA's media socket and the relay leg it talks to are of one family).
families() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
e = ">" if d[:4] == b"\xa1\xb2\xc3\xd4" else "<"
off, vers = 24, []
while off + 16 <= len(d):
    incl = struct.unpack(e + "IIII", d[off:off + 16])[2]
    vers.append(d[off + 16] >> 4)
    off += 16 + incl
want = int(sys.argv[2])
bad = sum(1 for v in vers if v != want)
print(f"# {sys.argv[1].rsplit('/', 1)[-1]}: {len(vers)} records, {bad} not IPv{want}")
sys.exit(0 if vers and not bad else 1)
PY
}

# call NAME CALLEE-ARGS -- CALLER-ARGS: as in test_sbc.sh (ua_pair).
call() {
	call_name=$1
	shift
	ua_pair "$call_name" "$CALLEE_PORTS" "$CALLER_PORTS" "$@"
}

# 1. SDES on ::1 -> DTLS+KTR on 127.0.0.1 (draft Figure 7 across families).
set_key carrier media_family ipv4
# shellcheck disable=SC2086
call m64 $dtls_callee -- $sdes_caller $v6 --duration 3
check $((caller_rc + callee_rc)) "SDES UA on ::1 -> ktrsbc -> DTLS+KTR UA on 127.0.0.1: both calls ok"
json "$tmp/m64.callee.json" "$ok_call and calls[0]['mode'] == 'dtls-ktr' and calls[0]['media']['rtp_in'] == calls[0]['media']['rtp_recv']"
check $? "IPv6 -> IPv4: the DTLS UA got key A by new_srtp_key and authenticated every packet"
json "$tmp/m64.caller.json" "$ok_call"
check $? "IPv4 -> IPv6: the SDES UA authenticated every packet (key B)"
families "$tmp/m64.caller.pcap" 6 && families "$tmp/m64.callee.pcap" 4
check $? "the SDES leg's media is IPv6 on the wire, the DTLS leg's IPv4"
same_bytes "$tmp/m64.caller.pcap" "$CALLER_PORTS" "$tmp/m64.callee.pcap" "$CALLEE_PORTS" 0
check $? "IPv6 -> IPv4: every packet byte-identical to one the SDES UA sent"
same_bytes "$tmp/m64.callee.pcap" "$CALLEE_PORTS" "$tmp/m64.caller.pcap" "$CALLER_PORTS" 0
check $? "IPv4 -> IPv6: every packet byte-identical to one the DTLS UA sent"
stats
json "$tmp/stats.json" "j['calls_ktr_total'] == 1 and j['ended']['crypto_ops_ktr'] == 0"
check $? "ktrsbc: a KTR call across families, zero per-packet crypto operations"

# 2. DTLS+KTR on ::1 -> SDES on 127.0.0.1: the handshake and KTR over the
#    relay's IPv6 socket.
set_key carrier media_family same
set_key pbx media_family ipv4
# shellcheck disable=SC2086
call m46 --sdes --listen 127.0.0.1:$PBX -- --dtls --ktr --listen 127.0.0.1:$CARRIER $v6 \
	--call "sip:+12125550123@127.0.0.1:$SBC_SIP" --duration 3
check $((caller_rc + callee_rc)) "DTLS+KTR UA on ::1 -> ktrsbc -> SDES UA on 127.0.0.1: both calls ok"
json "$tmp/m46.caller.json" "$ok_call and calls[0]['mode'] == 'dtls-ktr' and calls[0]['media']['tx_switches'] == 1 and calls[0]['media']['keys_installed'] >= 1"
check $? "DTLS over IPv6: the DTLS UA took B (your_new_srtp_key) and A (new_srtp_key), every packet authenticated"
json "$tmp/m46.callee.json" "$ok_call"
check $? "the SDES UA on IPv4 authenticated every packet"
families "$tmp/m46.caller.pcap" 6 && families "$tmp/m46.callee.pcap" 4
check $? "the DTLS leg's media (and DTLS) is IPv6 on the wire, the SDES leg's IPv4"
same_bytes "$tmp/m46.caller.pcap" "$CALLER_PORTS" "$tmp/m46.callee.pcap" "$CALLEE_PORTS" 60
check $? "IPv6 -> IPv4: byte-identical after the DTLS UA's switch to B (the window before it transcrypted)"
same_bytes "$tmp/m46.callee.pcap" "$CALLEE_PORTS" "$tmp/m46.caller.pcap" "$CALLER_PORTS" 60
check $? "IPv4 -> IPv6: byte-identical once the DTLS UA acknowledged A"
set_key pbx media_family same

# 3. Both on ::1, and a stranger on ::1 aiming at the SDES leg's port.
# shellcheck disable=SC2086
timeout 60 "$UA" $dtls_callee $v6 --media-ports "$CALLEE_PORTS" --capture "$tmp/m66.callee.pcap" \
	>"$tmp/m66.callee.json" 2>"$tmp/m66.callee.err" &
cpid=$!
pids="$pids $cpid"
sleep 0.5
# shellcheck disable=SC2086
timeout 60 "$UA" $sdes_caller $v6 --duration 3 --media-ports "$CALLER_PORTS" \
	--capture "$tmp/m66.caller.pcap" >"$tmp/m66.caller.json" 2>"$tmp/m66.caller.err" &
upid=$!
pids="$pids $upid"
sleep 1.5
"$CTL" -s "$conf/ctl.sock" calls >"$tmp/calls.json" 2>&1
python3 - "$tmp/calls.json" <<'PY'
import json, socket, sys
j = json.loads(open(sys.argv[1]).read())
port = j["calls"][0]["sdes_leg"]["port"]
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::1", 0))
pkt = bytes([0x80, 0, 0, 1]) + bytes(168)
for _ in range(50):
    s.sendto(pkt, ("::1", port))
PY
sleep 0.3
"$CTL" -s "$conf/ctl.sock" calls >"$tmp/calls2.json" 2>&1
wait "$upid"
caller_rc=$?
wait "$cpid"
check $((caller_rc + $?)) "SDES UA on ::1 -> ktrsbc -> DTLS+KTR UA on ::1: both calls ok"
json "$tmp/m66.callee.json" "$ok_call and calls[0]['mode'] == 'dtls-ktr'"
check $? "IPv6 both sides: the DTLS UA authenticated every packet"
json "$tmp/m66.caller.json" "$ok_call"
check $? "IPv6 both sides: the SDES UA authenticated every packet"
families "$tmp/m66.caller.pcap" 6 && families "$tmp/m66.callee.pcap" 6
check $? "both legs' media is IPv6 on the wire"
same_bytes "$tmp/m66.caller.pcap" "$CALLER_PORTS" "$tmp/m66.callee.pcap" "$CALLEE_PORTS" 0 &&
	same_bytes "$tmp/m66.callee.pcap" "$CALLEE_PORTS" "$tmp/m66.caller.pcap" "$CALLER_PORTS" 0
check $? "IPv6 both sides: byte-identical both ways"
json "$tmp/calls2.json" "j['calls'][0]['sdes_leg']['dropped_src'] >= 50"
check $? "50 packets from a stranger on ::1 (right port, wrong source) dropped and counted"
json "$tmp/calls.json" "j['calls'][0]['sdes_leg']['family'] == 'ipv6' and j['calls'][0]['dtls_leg']['family'] == 'ipv6'"
check $? "ktrsbc-ctl calls shows both legs as ipv6"

# 4. ktrsbc offers IPv6 to the DTLS UA (media_family = same, the caller
#    on ::1); the DTLS UA answers from 127.0.0.1: refused, not half-relayed.
# shellcheck disable=SC2086
call mis $dtls_callee -- $sdes_caller $v6 --duration 2
json "$tmp/mis.caller.json" "calls[0]['sip_status'] == 488"
check $? "an IPv4 answer to ktrsbc's IPv6 offer: 488 to the caller"
grep -q "an answer keeps the address family of its offer" "$tmp/sbc.err"
check $? "ktrsbc logged why (the answer's family is not its offer's)"

# 5. Without media_address6 an IPv6 offer is refused with the reason.
sbc_term "ktrsbc exits 0 on SIGTERM"
mv "$tmp/sbc.err" "$tmp/sbc1.err"
sed -i "s/^media_address6 *=.*/media_address6 = none/" "$conf/ktrsbc.conf"
sbc_start -v
check $? "ktrsbc restarts without an IPv6 media address"
# shellcheck disable=SC2086 # no callee: no INVITE leaves ktrsbc
timeout 30 "$UA" $sdes_caller $v6 --duration 1 --media-ports "$CALLER_PORTS" \
	>"$tmp/no6.caller.json" 2>"$tmp/no6.caller.err"
json "$tmp/no6.caller.json" "calls[0]['sip_status'] == 488"
check $? "no media_address6: an IPv6 offer gets 488"
grep -q "has none of that family (media_address6)" "$tmp/sbc.err"
check $? "ktrsbc logged that it has no IPv6 media address"

echo "1..$n"

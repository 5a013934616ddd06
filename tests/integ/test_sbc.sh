#!/bin/sh
# ktrsbc end to end: the SBC on a copy of the shipped conf/ (its own ports),
# ktrua as the RFC 4568 UA on the "pbx" trunk and as the DTLS-SRTP UA on
# the "carrier" trunk, baresip and SIPp as other peers. Media is checked
# on the wire from ktrua's captures. TAP output; loopback only; every
# process bounded by timeout(1); only the PIDs started here are killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc
need "$SBC" "$CTL" "$UA" sipp baresip python3 timeout ss

# Ports of this run: SIP of the SBC (udp/tcp P, tls P+1), pbx P+2,
# carrier P+4 (P+3: baresip's TLS port, on the pbx address + 1); media:
# the SBC M..M+19, the callee M+20..M+29, the caller M+30..M+39.
P=$((23000 + ($$ % 300) * 10))
M=$((50000 + ($$ % 300) * 40))
sbc_ports "$P" "$M" "$((M + 19))"

"$SBC" -c "$conf/ktrsbc.conf" --check-config >"$tmp/check.out" 2>&1
check $? "ktrsbc --check-config accepts the shipped configuration"
sbc_start -v
check $? "ktrsbc starts on its configuration"

# call NAME CALLEE-ARGS -- CALLER-ARGS: a ktrua callee on one trunk, a ktrua
# caller on the other, through the SBC (ua_pair on this run's UA ports).
call() {
	call_name=$1
	shift
	ua_pair "$call_name" "$CALLEE_PORTS" "$CALLER_PORTS" "$@"
}
sdes_caller="--sdes --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$SBC_SIP"
dtls_callee="--listen 127.0.0.1:$CARRIER"

# 1. SDES -> DTLS with KTR (draft Figure 7)
# shellcheck disable=SC2086
call f7 --dtls --ktr $dtls_callee -- $sdes_caller --duration 3
check $((caller_rc + callee_rc)) "SDES caller -> ktrsbc -> DTLS+KTR callee: both calls ok"
json "$tmp/f7.callee.json" "$ok_call and calls[0]['mode'] == 'dtls-ktr' and calls[0]['media']['keys_installed'] >= 1"
check $? "the DTLS UA got the SDES key by new_srtp_key and authenticated every packet"
# The SDES UA (ktrua) starts its sequence numbers at random (RFC 3550 5.1):
# the one new_srtp_key names its SSRC and its first packet's index, and
# what the relay held until the DTLS UA had the key all arrived there.
f7=$(python3 -c "import json,sys; m=json.loads(open(sys.argv[1]).readline())['media']; print(m['ssrc'], m['first_index'], m['rtp_sent'])" "$tmp/f7.caller.json" 2>/dev/null)
# shellcheck disable=SC2086 # three words
set -- $f7
json "$tmp/f7.callee.json" "calls[0]['media']['keys_installed'] == 1 and not calls[0]['media']['first_peer_key_any'] and calls[0]['media']['first_peer_key_ssrc'] == ${1:--1} and calls[0]['media']['first_peer_key_index'] == ${2:--1} and calls[0]['media']['rtp_recv'] == ${3:--1} and calls[0]['media']['rtp_in'] == calls[0]['media']['rtp_recv']"
check $? "new_srtp_key named the SDES UA's SSRC ${1:-?} and first index ${2:-?}; all ${3:-?} packets arrived, none failed"
same_bytes "$tmp/f7.caller.pcap" "$CALLER_PORTS" "$tmp/f7.callee.pcap" "$CALLEE_PORTS" 0
check $? "every packet that reached the DTLS UA is byte-identical to one the SDES UA sent"
same_bytes "$tmp/f7.callee.pcap" "$CALLEE_PORTS" "$tmp/f7.caller.pcap" "$CALLER_PORTS" 0
check $? "every packet that reached the SDES UA is byte-identical to one the DTLS UA sent"
stats
json "$tmp/stats.json" "j['calls_ktr_total'] == 1 and j['ended']['crypto_ops_ktr'] == 0 and j['ended']['packets_relayed'] > 200"
check $? "ktrsbc: one KTR call, zero per-packet crypto operations"

# 2. DTLS -> SDES with KTR: your_new_srtp_key(B)
# shellcheck disable=SC2086
call dir2 --sdes --listen 127.0.0.1:$PBX -- --dtls --ktr --listen 127.0.0.1:$CARRIER \
	--call "sip:+12125550123@127.0.0.1:$SBC_SIP" --duration 3
check $((caller_rc + callee_rc)) "DTLS+KTR caller -> ktrsbc -> SDES callee: both calls ok"
json "$tmp/dir2.caller.json" "$ok_call and calls[0]['media']['tx_switches'] == 1 and calls[0]['media']['keys_installed'] >= 1"
check $? "the DTLS UA took the dictated key B (your_new_srtp_key) and the SDES UA's key A"
json "$tmp/dir2.callee.json" "$ok_call"
check $? "the SDES UA authenticated every packet, the window before the DTLS UA's switch included"
# A is announced for the SDES UA's real SSRC, to take effect where it is
# first used (the last index, 2^48-1): the relay transcrypts that stream
# until the DTLS UA acknowledged A, so no index is known ahead.
dir2=$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['media']['ssrc'])" "$tmp/dir2.callee.json" 2>/dev/null)
json "$tmp/dir2.caller.json" "not calls[0]['media']['first_peer_key_any'] and calls[0]['media']['first_peer_key_ssrc'] == ${dir2:--1} and calls[0]['media']['first_peer_key_index'] == 2**48 - 1 and calls[0]['media']['rtp_in'] == calls[0]['media']['rtp_recv']"
check $? "new_srtp_key(A) named the SDES UA's SSRC ${dir2:-?} at the last index; no packet failed at the DTLS UA"
same_bytes "$tmp/dir2.callee.pcap" "$CALLEE_PORTS" "$tmp/dir2.caller.pcap" "$CALLER_PORTS" 60
check $? "SDES -> DTLS: byte-identical once the DTLS UA acknowledged A (transcrypted before)"
same_bytes "$tmp/dir2.caller.pcap" "$CALLER_PORTS" "$tmp/dir2.callee.pcap" "$CALLEE_PORTS" 60
check $? "DTLS -> SDES: byte-identical after the switch to B (the window before it is transcrypted)"
stats
json "$tmp/stats.json" "j['ended']['crypto_ops_ktr'] == 0 and 0 < j['ended']['crypto_ops_window'] <= j['ended']['window_pkts']"
check $? "ktrsbc: per-packet crypto only inside the window, at most the packets of its announced index range"

# 3. Re-key by re-INVITE mid-call: the new a=crypto key reaches the DTLS UA
#    by new_srtp_key; nothing lost or failing there.
# shellcheck disable=SC2086
call rekey --dtls --ktr $dtls_callee -- $sdes_caller --duration 4 --rekey-after 2
sent=$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['media']['rtp_sent'])" "$tmp/rekey.caller.json" 2>/dev/null)
json "$tmp/rekey.callee.json" "$ok_call and calls[0]['media']['rtp_recv'] == ${sent:-0} and calls[0]['media']['rx_switches'] >= 2"
check $? "re-INVITE re-key: the DTLS UA received all ${sent:-?} packets, zero failures, switched keys"
json "$tmp/rekey.caller.json" "$ok_call and calls[0]['media']['tx_switches'] == 1"
check $? "re-INVITE re-key: the SDES UA switched and kept receiving"

# 4. Spoofed media: a third party sends to the SBC's SDES-leg port from
#    another address during a call; dropped and counted, call undisturbed.
#    Meanwhile the carrier trunk gets an OPTIONS keepalive every second.
set_key carrier keepalive 1
# shellcheck disable=SC2086
timeout 60 "$UA" --dtls --ktr $dtls_callee --media-ports "$((M + 20))-$((M + 29))" \
	>"$tmp/spoof.callee.json" 2>"$tmp/spoof.callee.err" &
cpid=$!
pids="$pids $cpid"
sleep 0.5
# shellcheck disable=SC2086
timeout 60 "$UA" $sdes_caller --duration 3 --media-ports "$((M + 30))-$((M + 39))" \
	>"$tmp/spoof.caller.json" 2>"$tmp/spoof.caller.err" &
upid=$!
pids="$pids $upid"
sleep 1.5
"$CTL" -s "$conf/ctl.sock" calls >"$tmp/calls.json" 2>&1
python3 - "$tmp/calls.json" <<'PY'
import json, socket, sys
j = json.loads(open(sys.argv[1]).read())
port = j["calls"][0]["sdes_leg"]["port"]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
pkt = bytes([0x80, 0, 0, 1]) + bytes(168)
for _ in range(50):
    s.sendto(pkt, ("127.0.0.1", port))
PY
sleep 0.3
"$CTL" -s "$conf/ctl.sock" calls >"$tmp/calls2.json" 2>&1
wait "$upid"
wait "$cpid"
json "$tmp/calls2.json" "j['calls'][0]['sdes_leg']['dropped_src'] >= 50"
check $? "50 spoofed packets (right port, wrong source) dropped and counted by the SBC"
json "$tmp/spoof.callee.json" "$ok_call"
check $? "the call with spoofed traffic aimed at it was undisturbed"
grep -q "trunk carrier: OPTIONS 200 (up)" "$tmp/sbc.err"
check $? "OPTIONS keepalive toward the carrier trunk answered 200 and logged"
set_key carrier keepalive 0

# 5. Fallback (Figure 6): the DTLS UA without KTR, trunk 'preferred'.
# shellcheck disable=SC2086
call fb --dtls $dtls_callee -- $sdes_caller --duration 2
check $((caller_rc + callee_rc)) "ktr=preferred, DTLS UA without KTR: the call works"
stats
json "$tmp/stats.json" "j['calls_fallback_total'] == 1 and j['ended']['crypto_ops_fallback'] > 50"
check $? "fallback call: ktrsbc transcrypted (crypto operations counted)"

# 6. Trunk 'required' (reloaded with SIGHUP): a DTLS UA without KTR -> 488.
set_key carrier ktr required
# shellcheck disable=SC2086
call req --dtls $dtls_callee -- $sdes_caller --duration 2
json "$tmp/req.caller.json" "calls[0]['sip_status'] == 488"
check $? "ktr=required, DTLS UA without KTR: the SDES caller gets 488"
set_key carrier ktr preferred

# 7. a=crypto from an untrusted trunk over UDP -> 488, with a log line.
set_key pbx trusted no
# shellcheck disable=SC2086
timeout 30 "$UA" $sdes_caller --duration 1 --media-ports "$((M + 30))-$((M + 39))" \
	>"$tmp/untrusted.caller.json" 2>"$tmp/untrusted.caller.err"
json "$tmp/untrusted.caller.json" "calls[0]['sip_status'] == 488"
check $? "a=crypto over UDP from an untrusted trunk: 488"
grep -q "not trusted" "$tmp/sbc.err"
check $? "ktrsbc logged why it refused the a=crypto"
set_key pbx trusted yes

# 8. A malformed SDP from the SDES side (SIPp on the pbx address): 488, and
#    the SBC keeps serving calls.
timeout 20 sipp -sf tests/sipp/ktrua_uac_bad_sdp.xml -i 127.0.0.1 -p "$PBX" -m 1 \
	-timeout 15 "127.0.0.1:$SBC_SIP" >"$tmp/sipp.out" 2>&1
check $? "SIPp with a malformed SDP gets 488 with a Warning naming the fault"
timeout 20 sipp -sf tests/sipp/sbc_uac_no_conn.xml -i 127.0.0.1 -p "$PBX" -m 1 \
	-timeout 15 "127.0.0.1:$SBC_SIP" >"$tmp/sipp.noc.out" 2>&1
check $? "an SDP whose media has no c= (RFC 8866 5.7): 488, the Warning names the m-line's line"
printf 'INVITE garbage\r\n\r\n\001\002' | python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', $PBX)); s.sendto(sys.stdin.buffer.read(), ('127.0.0.1', $SBC_SIP))"
# shellcheck disable=SC2086
call after --dtls --ktr $dtls_callee -- $sdes_caller --duration 1
check $((caller_rc + callee_rc)) "after malformed SIP and SDP, the next call works"

# 8b. Hold and resume (RFC 3264 8.4) from the SDES side: each re-INVITE is
#     offered to the DTLS UA and answered with what it accepted.
# shellcheck disable=SC2086
timeout 60 "$UA" --dtls --ktr $dtls_callee --media-ports "$CALLEE_PORTS" \
	>"$tmp/hold.callee.json" 2>"$tmp/hold.callee.err" &
cpid=$!
pids="$pids $cpid"
sleep 0.5
timeout 30 sipp -sf tests/sipp/sbc_uac_hold.xml -i 127.0.0.1 -p "$PBX" -m 1 \
	-timeout 25 "127.0.0.1:$SBC_SIP" >"$tmp/hold.sipp.out" 2>&1
check $? "hold (a=sendonly -> a=recvonly) and resume (a=sendrecv) through ktrsbc"
wait "$cpid"

# 8c. A re-INVITE that switches RTP/SAVP to RTP/SAVPF: ktrsbc's answers take
#     the re-offer's profile (RFC 3264 6.1), its own and the passed-on hold's.
# shellcheck disable=SC2086
timeout 60 "$UA" --dtls --ktr $dtls_callee --media-ports "$CALLEE_PORTS" \
	>"$tmp/avpf.callee.json" 2>"$tmp/avpf.callee.err" &
cpid=$!
pids="$pids $cpid"
sleep 0.5
timeout 30 sipp -sf tests/sipp/sbc_uac_reoffer_savpf.xml -i 127.0.0.1 -p "$PBX" -m 1 \
	-timeout 25 "127.0.0.1:$SBC_SIP" >"$tmp/avpf.sipp.out" 2>&1
check $? "re-offers in RTP/SAVPF after an RTP/SAVP call: both answers RTP/SAVPF (hold included)"
wait "$cpid"

# 9. baresip as the RFC 4568 caller through ktrsbc to ktrua --dtls --ktr.
bdir=$tmp/baresip
mkdir -p "$bdir"
sed -e "s/@SIP_PORT@/$PBX/" -e "s/^rtp_ports.*/rtp_ports\t\t$((M + 30))-$((M + 39))/" \
	tests/data/baresip/config >"$bdir/config"
printf '<sip:bob@127.0.0.1>;regint=0;mediaenc=srtp-mand;audio_codecs=PCMU\n' >"$bdir/accounts"
# shellcheck disable=SC2086
timeout 60 "$UA" --dtls --ktr $dtls_callee --media-ports "$((M + 20))-$((M + 29))" \
	>"$tmp/bare.callee.json" 2>"$tmp/bare.callee.err" &
cpid=$!
pids="$pids $cpid"
sleep 0.5
(cd "$bdir" && timeout 30 baresip -f "$bdir" -e "/dial sip:+15551234567@127.0.0.1:$SBC_SIP" -t 9 \
	</dev/null >"$tmp/bare.baresip.out" 2>&1)
wait "$cpid"
json "$tmp/bare.callee.json" "$ok_call and calls[0]['mode'] == 'dtls-ktr' and calls[0]['media']['peer_reports'] >= 1 and calls[0]['media']['peer_ext_seq'] > 100"
check $? "baresip (SDES) -> ktrsbc -> ktrua --dtls --ktr: both decrypt (baresip's RTCP report confirms)"

# 10. SIGTERM during a call: BYE to both sides, clean exit.
# shellcheck disable=SC2086
timeout 60 "$UA" --dtls --ktr $dtls_callee --media-ports "$((M + 20))-$((M + 29))" \
	>"$tmp/term.callee.json" 2>"$tmp/term.callee.err" &
cpid=$!
pids="$pids $cpid"
sleep 0.5
# shellcheck disable=SC2086
timeout 60 "$UA" $sdes_caller --duration 30 --media-ports "$((M + 30))-$((M + 39))" \
	>"$tmp/term.caller.json" 2>"$tmp/term.caller.err" &
upid=$!
pids="$pids $upid"
sleep 2
sbc_term "ktrsbc exits 0 on SIGTERM"
wait "$upid"
wait "$cpid"
json "$tmp/term.callee.json" "'callee ended' not in calls[0]['error'] and calls[0]['media']['rtp_recv'] > 50"
check $? "SIGTERM: the DTLS UA's call ended by the SBC's BYE"
json "$tmp/term.caller.json" "calls[0]['media']['rtp_recv'] > 50"
check $? "SIGTERM: the SDES UA's call ended by the SBC's BYE"

# 11. A bad trunk file is refused with FILE:LINE.
echo "side = sideways" >>"$conf/trunks/pbx.conf"
"$SBC" -c "$conf/ktrsbc.conf" --check-config >"$tmp/bad.out" 2>&1
[ $? -ne 0 ] && grep -q "pbx.conf:[0-9]*:" "$tmp/bad.out"
check $? "--check-config refuses a bad trunk file with FILE:LINE: reason"

echo "1..$n"

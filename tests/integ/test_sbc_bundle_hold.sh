#!/bin/sh
# Hold, resume and the DTLS UA's own re-key on a bundled call (RFC 9143
# toward the DTLS side, KTR per SSRC: draft-wing-avt-dtls-srtp-key-
# transport-02 4.4), with real peers: ktrua --sdes --video on the SDES side,
# ktrua --dtls --ktr --video --bundle on the DTLS side (the carrier trunk
# says bundle = yes).
#   1. The SDES UA holds with c=0.0.0.0 (RFC 3264 8.4) and resumes on new
#      ports (ktrua --hold0-after-ms / --resume-after-ms) on ktrsbc's
#      bundled offer: nothing reaches it while held, both streams flow
#      again both ways after the resume, byte for byte, the DTLS UA's
#      per-SSRC keys from the call's start still authenticating.
#   2. The bundled DTLS UA holds and resumes on a new port (the bundle's
#      one port moves, every stream with it): nothing reaches it while held
#      (the video stream's relay call included, which sends from the
#      bundle's socket), both streams flow again afterwards; the same on a
#      bundle the DTLS UA offered (2d).
#   3. The bundled DTLS UA offers (it calls) and re-keys itself mid-call:
#      a new_srtp_key per stream naming its SSRC, each of which must reach
#      the SDES UA on that stream's m-line (relay_bundle_ssrc_leg), with no
#      key taken as another stream's (the "no stream of the bundle
#      receives" warning, key_unrouted).
# Checked from ktrua's per-stream JSON and captures, ktrsbc-ctl stats and
# ktrsbc's log. TAP output; loopback only; every process bounded by
# timeout(1), only the PIDs started here killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_bundle_hold
need "$SBC" "$CTL" "$UA" python3 timeout ss

# Ports of this run: SIP of the SBC P (tls P+1), pbx P+2, carrier P+4;
# media: the SBC M..M+19, the callee M+20..M+29, the caller M+30..M+39.
P=$((44100 + ($$ % 100) * 10))
M=$((46100 + ($$ % 40) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
sbc_bundle_start
bundled="--dtls --ktr --video --bundle --first-seq 0"
# Held from 0.8 s to 1.8 s of a 4 s call: 2.2 s of media after the resume
# (110 audio, 330 video packets each way).
hold="--hold0-after-ms 800 --resume-after-ms 1800"


# 1. SDES audio+video caller -> ktrsbc (bundle) -> bundled DTLS+KTR
#    callee; the SDES UA holds and resumes on new ports.
# shellcheck disable=SC2086
ua_pair h1 "$CALLEE_PORTS" "$CALLER_PORTS" $bundled --listen "127.0.0.1:$CARRIER" -- \
	$sdes_caller --video --first-seq 0 --duration 4 $hold
check $((caller_rc + callee_rc)) "SDES UA holds and resumes a call bundled on the DTLS side: both calls ok"
json "$tmp/h1.caller.json" "$bundle_both_ok and $bundle_held_ok and all(s['port'] != j['move']['old_port'] for s in j['streams'])"
check $? "SDES UA: nothing of either stream reached it while held, 200+ packets after the resume on its new ports, none on the old; every packet authenticated"
a_sent=$(ua_media "$tmp/h1.caller.json" rtp_sent 0)
v_sent=$(ua_media "$tmp/h1.caller.json" rtp_sent 1)
ssrcs="$(ua_media "$tmp/h1.caller.json" ssrc 0), $(ua_media "$tmp/h1.caller.json" ssrc 1)"
json "$tmp/h1.callee.json" "$bundle_both_ok and j['move']['dirs_in'] == 'sendonly,sendrecv' and j['streams'][0]['port'] == j['streams'][1]['port'] and all(s['media']['keys_installed'] == 2 and s['media']['first_peer_key_ssrc'] in ($ssrcs) for s in j['streams']) and j['streams'][0]['media']['rtp_recv'] >= ${a_sent:-1} - 5 and j['streams'][1]['media']['rtp_recv'] >= ${v_sent:-1} - 5"
check $? "bundled DTLS UA: offered a=sendonly then a=sendrecv, its two per-SSRC keys (no more) authenticated all but 5 of the ${a_sent:-?} audio and ${v_sent:-?} video packets the held UA sent"
bundle_resumed h1 callee "$CALLEE_PORTS" caller "$CALLER_PORTS"
check $? "after the resume, DTLS UA -> SDES UA: audio and video on the new ports byte for byte what the DTLS UA sent"
rc=0
same_bytes "$tmp/h1.caller.pcap" "$CALLER_PORTS" "$tmp/h1.callee.pcap" "$CALLEE_PORTS" 0 || rc=1
same_bytes "$tmp/h1.caller.m1.pcap" "$CALLER_PORTS" "$tmp/h1.callee.m1.pcap" "$CALLEE_PORTS" 0 || rc=1
check $rc "SDES UA -> DTLS UA, before, during and after the hold: every packet byte-identical to one the SDES UA sent"
stats h1
json "$tmp/h1.json" "j['calls_ktr_total'] == 1 and j['streams_ktr_total'] == 2 and $no_crypto"
check $? "ktrsbc: a KTR call of two KTR streams through the hold, zero per-packet crypto operations"

# 2. The bundled DTLS UA (callee) holds and resumes on a new port.
# shellcheck disable=SC2086
ua_pair h2 "$CALLEE_PORTS" "$CALLER_PORTS" $bundled --listen "127.0.0.1:$CARRIER" $hold -- \
	$sdes_caller --video --first-seq 0 --duration 4
check $((caller_rc + callee_rc)) "bundled DTLS UA holds and resumes: both calls ok"
ssrcs="$(ua_media "$tmp/h2.caller.json" ssrc 0), $(ua_media "$tmp/h2.caller.json" ssrc 1)"
json "$tmp/h2.callee.json" "$bundle_both_ok and $bundle_held_ok and j['streams'][0]['port'] == j['streams'][1]['port'] != j['move']['old_port'] and all(s['media']['keys_installed'] == 2 and s['media']['first_peer_key_ssrc'] in ($ssrcs) for s in j['streams'])"
check $? "bundled DTLS UA: nothing of either stream reached it while held, 200+ packets after the resume on the bundle's new port, none on the old; every packet authenticated under the per-SSRC keys"
json "$tmp/h2.caller.json" "$bundle_both_ok and j['move']['dirs_in'] == 'sendonly,sendrecv'"
check $? "SDES UA: re-INVITEd with a=sendonly then a=sendrecv, both streams authenticated"
bundle_resumed h2 caller "$CALLER_PORTS" callee "$CALLEE_PORTS"
check $? "after the resume, SDES UA -> DTLS UA: audio and video on the bundle's new port byte for byte what the SDES UA sent"
rc=0
same_bytes "$tmp/h2.callee.pcap" "$CALLEE_PORTS" "$tmp/h2.caller.pcap" "$CALLER_PORTS" 0 || rc=1
same_bytes "$tmp/h2.callee.m1.pcap" "$CALLEE_PORTS" "$tmp/h2.caller.m1.pcap" "$CALLER_PORTS" 0 || rc=1
check $rc "DTLS UA -> SDES UA, through the hold: every packet byte-identical to one the DTLS UA sent"
stats h2
json "$tmp/h2.json" "j['calls_ktr_total'] == 2 and j['streams_ktr_total'] == 4 and $no_crypto"
check $? "ktrsbc: the second KTR call of two KTR streams, zero per-packet crypto operations"

# 2d. The bundled DTLS+KTR UA calls (its own bundled offer: each stream's
#     window, a your_new_srtp_key per SSRC), then holds and resumes on a
#     new port.
# shellcheck disable=SC2086
ua_pair hd "$CALLEE_PORTS" "$CALLER_PORTS" --sdes --video --first-seq 0 --listen "127.0.0.1:$PBX" -- \
	$dtls_caller --ktr --video --bundle --first-seq 0 --duration 4 $hold
check $((caller_rc + callee_rc)) "bundled DTLS+KTR caller holds and resumes its own bundle: both calls ok"
json "$tmp/hd.caller.json" "$bundle_both_ok and $bundle_held_ok and j['streams'][0]['port'] == j['streams'][1]['port'] != j['move']['old_port'] and all(s['media']['tx_switches'] == 1 for s in j['streams'])"
check $? "bundled DTLS caller: nothing of either stream reached it while held, 200+ packets after the resume on the bundle's new port; each stream still under the key dictated for its SSRC"
json "$tmp/hd.callee.json" "$bundle_both_ok and j['move']['dirs_in'] == 'sendonly,sendrecv'"
check $? "SDES callee: re-INVITEd with a=sendonly then a=sendrecv, both streams authenticated"
bundle_resumed hd callee "$CALLEE_PORTS" caller "$CALLER_PORTS"
check $? "after the resume, SDES UA -> DTLS UA: audio and video on the bundle's new port byte for byte what the SDES UA sent"

# 3. The bundled DTLS+KTR UA calls (its own bundled offer: a
#    your_new_srtp_key per SSRC, each stream's window) and re-keys itself
#    at 1.5 s, after the windows closed: a new_srtp_key per stream naming
#    its SSRC, each to the SDES UA in a re-INVITE on that stream's m-line.
log_mark=$(wc -l <"$tmp/sbc.err")
# shellcheck disable=SC2086
ua_pair r "$CALLEE_PORTS" "$CALLER_PORTS" --sdes --video --first-seq 0 --listen "127.0.0.1:$PBX" -- \
	$dtls_caller --ktr --video --bundle --first-seq 0 --duration 3 --rekey-after-ms 1500
check $((caller_rc + callee_rc)) "bundled DTLS+KTR caller re-keying itself -> ktrsbc -> SDES audio+video callee: both calls ok"
a_sent=$(ua_media "$tmp/r.caller.json" rtp_sent 0)
v_sent=$(ua_media "$tmp/r.caller.json" rtp_sent 1)
json "$tmp/r.caller.json" "$bundle_both_ok and j['mode'] == 'dtls-ktr' and j['streams'][0]['port'] == j['streams'][1]['port'] and all(s['media']['keys_announced'] == 2 and s['media']['tx_switches'] == 2 for s in j['streams'])"
check $? "bundled DTLS+KTR caller: each stream switched to the key dictated for its SSRC, then to its own new_srtp_key"
json "$tmp/r.callee.json" "$bundle_both_ok and j['move']['reoffers_in'] == 2 and all(s['media']['rx_switches'] == 1 for s in j['streams']) and j['streams'][0]['media']['rtp_recv'] == ${a_sent:-0} and j['streams'][1]['media']['rtp_recv'] == ${v_sent:-0}"
check $? "SDES UA: two re-INVITEs, each stream switched once to the key its SSRC was re-keyed with; all ${a_sent:-?} audio and ${v_sent:-?} video packets authenticated"
rc=0
same_bytes "$tmp/r.caller.pcap" "$CALLER_PORTS" "$tmp/r.callee.pcap" "$CALLEE_PORTS" 60 || rc=1
same_bytes "$tmp/r.caller.m1.pcap" "$CALLER_PORTS" "$tmp/r.callee.m1.pcap" "$CALLEE_PORTS" 180 || rc=1
check $rc "DTLS UA -> SDES UA: byte-identical once each stream's window closed, before and after the re-key"
two_time_pad r --by-ssrc
check $? "two-time pad: 4 flows, 4 SSRCs, no (key, SSRC) keystream used twice across the re-key"
n_rekey=$(tail -n "+$((log_mark + 1))" "$tmp/sbc.err" | grep -c "DTLS UA re-keyed; re-INVITE to the SDES UA")
! grep -q "which no stream of the bundle receives" "$tmp/sbc.err" && [ "$n_rekey" -eq 2 ]
check $? "ktrsbc: both keys routed by the SSRC they name (two re-INVITEs, no key_unrouted warning)"
stats r
json "$tmp/r.json" "j['calls_ktr_total'] == 4 and j['streams_ktr_total'] == 8 and j['ended']['crypto_ops_ktr'] == 0 and j['ended']['crypto_ops_fallback'] == 0 and j['ended']['crypto_ops_window'] <= j['ended']['window_pkts']"
check $? "ktrsbc: four KTR calls; per-packet crypto only inside the windows"

sbc_term "ktrsbc exits 0 on SIGTERM"
! grep -q "ERROR: AddressSanitizer\|runtime error" "$tmp/sbc.err"
check $? "no sanitizer report from ktrsbc"
echo "1..$n"

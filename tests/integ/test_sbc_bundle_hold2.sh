#!/bin/sh
# Hold and resume on a bundled call (RFC 9143 toward the DTLS side, KTR per
# SSRC: draft-wing-avt-dtls-srtp-key-transport-02 4.4), the shapes
# test_sbc_bundle_hold.sh leaves out, with real peers: ktrua --sdes
# --video on the SDES side, ktrua --dtls --ktr --video --bundle on the DTLS
# side (the carrier trunk says bundle = yes).
#   1. The SDES UA holds with c=0.0.0.0 (RFC 3264 8.4) and resumes on new
#      ports by UPDATE (RFC 3311) instead of re-INVITE (ktrua
#      --move-by-update) on ktrsbc's bundled offer: nothing reaches it
#      while held, both streams flow again both ways after the resume, byte
#      for byte, the DTLS UA's per-SSRC keys still authenticating.
#   2. The bundled DTLS UA holds and resumes by UPDATE (the bundle's one
#      port moves, every stream with it).
#   3. The SDES UA holds and resumes by re-INVITE on a bundle the DTLS UA
#      offered (it calls).
#   4. A hold by direction only (RFC 3264 8.4, the UA's own address): the
#      SDES UA with a=sendonly (it still sends, receives nothing), then
#   5. the bundled DTLS UA with a=inactive (neither sends); ktrua
#      --hold-dir, the peer obeying its answer's direction (--obey-dir).
# Checked from ktrua's per-stream JSON and captures and ktrsbc-ctl stats.
# TAP output; loopback only; every process bounded by timeout(1), only the
# PIDs started here killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_bundle_hold2
need "$SBC" "$CTL" "$UA" python3 timeout ss

# Ports of this run: SIP of the SBC P (tls P+1), pbx P+2, carrier P+4;
# media: the SBC M..M+19, the callee M+20..M+29, the caller M+30..M+39.
P=$((45100 + ($$ % 100) * 10))
M=$((47700 + ($$ % 22) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
sbc_bundle_start
bundled="--dtls --ktr --video --bundle --first-seq 0"
# Held from 0.8 s to 1.8 s of a 4 s call: 2.2 s of media after the resume.
hold="--hold0-after-ms 800 --resume-after-ms 1800"
# The checks bundle_both_ok, bundle_held_ok, bundle_resumed and no_crypto:
# lib/sbc.sh.

# 1. SDES audio+video caller -> ktrsbc (bundle) -> bundled DTLS+KTR
#    callee; the SDES UA holds and resumes by UPDATE.
# shellcheck disable=SC2086
ua_pair u "$CALLEE_PORTS" "$CALLER_PORTS" $bundled --listen "127.0.0.1:$CARRIER" -- \
	$sdes_caller --video --first-seq 0 --duration 4 $hold --move-by-update
check $((caller_rc + callee_rc)) "SDES UA holds and resumes by UPDATE, bundled on the DTLS side: both calls ok"
json "$tmp/u.caller.json" "$bundle_both_ok and $bundle_held_ok and all(s['port'] != j['move']['old_port'] for s in j['streams'])"
check $? "SDES UA (UPDATE): nothing of either stream reached it while held, 200+ packets after the resume on its new ports, none on the old; every packet authenticated"
ssrcs="$(ua_media "$tmp/u.caller.json" ssrc 0), $(ua_media "$tmp/u.caller.json" ssrc 1)"
json "$tmp/u.callee.json" "$bundle_both_ok and j['move']['dirs_in'] == 'sendonly,sendrecv' and j['streams'][0]['port'] == j['streams'][1]['port'] and all(s['media']['keys_installed'] == 2 and s['media']['first_peer_key_ssrc'] in ($ssrcs) for s in j['streams'])"
check $? "bundled DTLS UA: offered a=sendonly then a=sendrecv, its two per-SSRC keys (no more) authenticated every packet"
bundle_resumed u callee "$CALLEE_PORTS" caller "$CALLER_PORTS"
check $? "after the UPDATE resume, DTLS UA -> SDES UA: audio and video on the new ports byte for byte what the DTLS UA sent"
rc=0
same_bytes "$tmp/u.caller.pcap" "$CALLER_PORTS" "$tmp/u.callee.pcap" "$CALLEE_PORTS" 0 || rc=1
same_bytes "$tmp/u.caller.m1.pcap" "$CALLER_PORTS" "$tmp/u.callee.m1.pcap" "$CALLEE_PORTS" 0 || rc=1
check $rc "SDES UA -> DTLS UA, through the UPDATE hold: every packet byte-identical to one the SDES UA sent"
stats u
json "$tmp/u.json" "j['calls_ktr_total'] == 1 and j['streams_ktr_total'] == 2 and $no_crypto"
check $? "ktrsbc: a KTR call of two KTR streams, zero per-packet crypto operations"

# 2. The bundled DTLS UA (callee) holds and resumes by UPDATE.
# shellcheck disable=SC2086
ua_pair d "$CALLEE_PORTS" "$CALLER_PORTS" $bundled --listen "127.0.0.1:$CARRIER" $hold --move-by-update -- \
	$sdes_caller --video --first-seq 0 --duration 4
check $((caller_rc + callee_rc)) "bundled DTLS UA holds and resumes by UPDATE: both calls ok"
ssrcs="$(ua_media "$tmp/d.caller.json" ssrc 0), $(ua_media "$tmp/d.caller.json" ssrc 1)"
json "$tmp/d.callee.json" "$bundle_both_ok and $bundle_held_ok and j['streams'][0]['port'] == j['streams'][1]['port'] != j['move']['old_port'] and all(s['media']['keys_installed'] == 2 and s['media']['first_peer_key_ssrc'] in ($ssrcs) for s in j['streams'])"
check $? "bundled DTLS UA (UPDATE): nothing of either stream reached it while held, 200+ packets after the resume on the bundle's new port, none on the old; per-SSRC keys"
json "$tmp/d.caller.json" "$bundle_both_ok and j['move']['dirs_in'] == 'sendonly,sendrecv'"
check $? "SDES UA: offered a=sendonly then a=sendrecv, both streams authenticated"
bundle_resumed d caller "$CALLER_PORTS" callee "$CALLEE_PORTS"
check $? "after the UPDATE resume, SDES UA -> DTLS UA: audio and video on the bundle's new port byte for byte what the SDES UA sent"
stats d
json "$tmp/d.json" "j['calls_ktr_total'] == 2 and j['streams_ktr_total'] == 4 and $no_crypto"
check $? "ktrsbc: the second KTR call of two KTR streams, zero per-packet crypto operations"

n_upd=$(grep -c "sip: UPDATE answered 200" "$tmp/sbc.err")
[ "$n_upd" -eq 4 ]
check $? "ktrsbc: the holds and resumes of 1 and 2 came as UPDATEs, four answered 200 (got $n_upd)"

# 3. Bundled DTLS+KTR caller -> ktrsbc -> SDES audio+video callee; the
#    SDES UA holds and resumes on new ports.
# shellcheck disable=SC2086
ua_pair b "$CALLEE_PORTS" "$CALLER_PORTS" --sdes --video --first-seq 0 --listen "127.0.0.1:$PBX" $hold -- \
	$dtls_caller --ktr --video --bundle --first-seq 0 --duration 4
check $((caller_rc + callee_rc)) "SDES UA holds and resumes on a bundle the DTLS UA offered: both calls ok"
json "$tmp/b.callee.json" "$bundle_both_ok and $bundle_held_ok and all(s['port'] != j['move']['old_port'] for s in j['streams'])"
check $? "SDES UA: nothing of either stream reached it while held, 200+ packets after the resume on its new ports, none on the old; every packet authenticated"
json "$tmp/b.caller.json" "$bundle_both_ok and j['move']['dirs_in'] == 'sendonly,sendrecv' and j['streams'][0]['port'] == j['streams'][1]['port'] and all(s['media']['tx_switches'] == 1 for s in j['streams'])"
check $? "bundled DTLS caller: re-INVITEd with a=sendonly then a=sendrecv on its bundle; each stream still under the key dictated for its SSRC"
bundle_resumed b caller "$CALLER_PORTS" callee "$CALLEE_PORTS"
check $? "after the resume, DTLS UA -> SDES UA: audio and video on the new ports byte for byte what the DTLS UA sent"
# The DTLS caller's bundle port does not move: its capture holds the whole
# call, the windows at its start included (as in test_sbc_bundle_hold.sh 3).
rc=0
same_bytes "$tmp/b.callee.pcap" "$CALLEE_PORTS" "$tmp/b.caller.pcap" "$CALLER_PORTS" 60 || rc=1
same_bytes "$tmp/b.callee.m1.pcap" "$CALLEE_PORTS" "$tmp/b.caller.m1.pcap" "$CALLER_PORTS" 180 || rc=1
check $rc "SDES UA -> DTLS UA, before, during and after the hold: byte-identical once each stream's window closed"
stats b
json "$tmp/b.json" "j['calls_ktr_total'] == 3 and j['streams_ktr_total'] == 6 and j['ended']['crypto_ops_ktr'] == 0 and j['ended']['crypto_ops_fallback'] == 0 and j['ended']['crypto_ops_window'] <= j['ended']['window_pkts']"
check $? "ktrsbc: the third KTR call of two KTR streams through the hold; per-packet crypto only inside the windows"

# 4. A hold by direction only (RFC 3264 8.4: our own address, a=sendonly):
#    the SDES UA on ktrsbc's bundled offer (ktrua --hold-dir sendonly);
#    the DTLS UA answers a=recvonly and, obeying it (--obey-dir), stops
#    sending, so nothing reaches the holder only if ktrsbc passed the
#    direction on; the holder still sends, and all of it arrives.
# shellcheck disable=SC2086
ua_pair s "$CALLEE_PORTS" "$CALLER_PORTS" $bundled --obey-dir --listen "127.0.0.1:$CARRIER" -- \
	$sdes_caller --video --first-seq 0 --duration 4 $hold --hold-dir sendonly
check $((caller_rc + callee_rc)) "SDES UA holds with a=sendonly (its own address) on a bundle: both calls ok"
json "$tmp/s.caller.json" "$bundle_both_ok and $bundle_held_ok and j['move']['answer_dir'] == 'sendrecv' and all(s['port'] != j['move']['old_port'] for s in j['streams'])"
check $? "SDES UA (a=sendonly): nothing of either stream reached it while held, 200+ packets after the resume on its new ports; every packet authenticated"
a_sent=$(ua_media "$tmp/s.caller.json" rtp_sent 0)
v_sent=$(ua_media "$tmp/s.caller.json" rtp_sent 1)
json "$tmp/s.callee.json" "$bundle_both_ok and j['move']['dirs_in'] == 'sendonly,sendrecv' and j['streams'][0]['media']['rtp_recv'] >= ${a_sent:-1} - 5 and j['streams'][1]['media']['rtp_recv'] >= ${v_sent:-1} - 5 and j['streams'][0]['media']['rtp_sent'] <= 175"
check $? "bundled DTLS UA: offered a=sendonly then a=sendrecv; received all but 5 of the ${a_sent:-?} audio and ${v_sent:-?} video packets the holder sent, its own audio paused while held"
rc=0
same_bytes "$tmp/s.caller.pcap" "$CALLER_PORTS" "$tmp/s.callee.pcap" "$CALLEE_PORTS" 0 || rc=1
same_bytes "$tmp/s.caller.m1.pcap" "$CALLER_PORTS" "$tmp/s.callee.m1.pcap" "$CALLEE_PORTS" 0 || rc=1
check $rc "SDES UA -> DTLS UA, before, during and after the a=sendonly hold: every packet byte-identical to one the SDES UA sent"
bundle_resumed s callee "$CALLEE_PORTS" caller "$CALLER_PORTS"
check $? "after the resume, DTLS UA -> SDES UA: audio and video on the new ports byte for byte what the DTLS UA sent"
stats s
json "$tmp/s.json" "j['calls_ktr_total'] == 4 and j['streams_ktr_total'] == 8 and j['ended']['crypto_ops_ktr'] == 0 and j['ended']['crypto_ops_fallback'] == 0 and j['ended']['crypto_ops_window'] == $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ended"]["crypto_ops_window"])' "$tmp/b.json" 2>/dev/null || echo -1)"
check $? "ktrsbc: the fourth KTR call, zero per-packet crypto operations"

# 5. The bundled DTLS UA holds by direction only with a=inactive (its own
#    address; it stops sending itself); the SDES UA answers a=inactive and
#    stops too (--obey-dir).
# shellcheck disable=SC2086
ua_pair i "$CALLEE_PORTS" "$CALLER_PORTS" $bundled --listen "127.0.0.1:$CARRIER" $hold --hold-dir inactive -- \
	$sdes_caller --video --first-seq 0 --duration 4 --obey-dir
check $((caller_rc + callee_rc)) "bundled DTLS UA holds with a=inactive (its own address): both calls ok"
json "$tmp/i.callee.json" "$bundle_both_ok and $bundle_held_ok and j['move']['answer_dir'] == 'sendrecv' and j['streams'][0]['port'] == j['streams'][1]['port'] != j['move']['old_port'] and j['streams'][0]['media']['rtp_sent'] <= 175"
check $? "bundled DTLS UA (a=inactive): nothing of either stream reached it while held, none sent, 200+ packets after the resume on the bundle's new port"
json "$tmp/i.caller.json" "$bundle_both_ok and j['move']['dirs_in'] == 'inactive,sendrecv' and j['streams'][0]['media']['rtp_sent'] <= 175"
check $? "SDES UA: offered a=inactive then a=sendrecv, its own audio paused while held, both streams authenticated"
bundle_resumed i caller "$CALLER_PORTS" callee "$CALLEE_PORTS"
check $? "after the resume, SDES UA -> DTLS UA: audio and video on the bundle's new port byte for byte what the SDES UA sent"
bundle_resumed i callee "$CALLEE_PORTS" caller "$CALLER_PORTS"
check $? "after the resume, DTLS UA -> SDES UA: audio and video byte for byte what the DTLS UA sent"

sbc_term "ktrsbc exits 0 on SIGTERM"
! grep -q "ERROR: AddressSanitizer\|runtime error" "$tmp/sbc.err"
check $? "no sanitizer report from ktrsbc"
echo "1..$n"

#!/bin/sh
# ktrsbc's BUNDLE (RFC 9143) toward the DTLS side with KTR per SSRC
# (draft-wing-avt-dtls-srtp-key-transport-02 4.4): ktrua --sdes --video
# calls through ktrsbc, whose carrier trunk says bundle = yes, to ktrua
# --dtls --ktr --video --bundle: audio and video on one port and one DTLS
# association toward the DTLS UA, each SDES stream's key A in its own
# new_srtp_key naming its SSRC, media forwarded untouched both ways, and
# after the SDES UA's re-key by re-INVITE each new key in its own
# new_srtp_key again. Then
# the DTLS UA bundles its own offer (ktrsbc answers bundled, the fallback
# on each stream), the same with KTR (a your_new_srtp_key per SSRC, each
# stream's window), and a DTLS UA that does not bundle meets ktrsbc's
# bundled offer (refused, 488). Last, the bundled DTLS+KTR UA re-keys
# itself (a new_srtp_key per stream, each naming its SSRC): each key must
# reach the SDES UA on its own stream's m-line. Checked from ktrua's per-stream JSON and
# captures (byte identity per stream, the two-time pad over the senders'
# flows by SSRC), ktrsbc-ctl and the log. TAP output; loopback only;
# every process bounded by timeout(1).
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_bundle
need "$SBC" "$CTL" "$UA" python3 timeout ss

# Ports of this run: SIP of the SBC P (tls P+1), pbx P+2, carrier P+4;
# media: the SBC M..M+19, the callee M+20..M+29, the caller M+30..M+39.
P=$((5100 + ($$ % 190) * 10))
M=$((21000 + ($$ % 45) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
sbc_bundle_start

b_call() {
	(sleep 2; "$CTL" -s "$conf/ctl.sock" calls >"$tmp/$1.calls.json" 2>&1) &
	ctlpid=$!
	pids="$pids $ctlpid"
	ua_pair "$@"
	wait "$ctlpid"
}

# 1. SDES audio+video -> ktrsbc -> bundled DTLS+KTR audio+video.
# shellcheck disable=SC2086
b_call k "$CALLEE_PORTS" "$CALLER_PORTS" --dtls --ktr --video --bundle --first-seq 0 \
	--listen "127.0.0.1:$CARRIER" -- $sdes_caller --video --first-seq 0 --duration 3 --rekey-after 1
check $((caller_rc + callee_rc)) "SDES audio+video caller -> ktrsbc (bundle) -> DTLS+KTR --bundle callee: both calls ok"
sent=$(python3 -c "import json,sys; c=[json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')][0]; print(c['streams'][0]['media']['rtp_sent'], c['streams'][1]['media']['rtp_sent'])" "$tmp/k.caller.json" 2>/dev/null)
a_sent=${sent% *}
v_sent=${sent#* }
ssrcs=$(python3 -c "import json,sys; c=[json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')][0]; print('%d, %d' % (c['streams'][0]['media']['ssrc'], c['streams'][1]['media']['ssrc']))" "$tmp/k.caller.json" 2>/dev/null)
# Per stream: everything received authenticated, none failed, media both
# ways, its own SSRC.
both_ok='calls[0]["result"] == "ok" and [(s["type"], s["pt"]) for s in calls[0]["streams"]] == [("audio", 0), ("video", 96)] and all(s["media"]["received"] == s["media"]["authenticated"] and s["media"]["auth_fail"] == 0 and s["media"]["rtp_recv"] > 50 for s in calls[0]["streams"]) and calls[0]["streams"][0]["media"]["ssrc"] != calls[0]["streams"][1]["media"]["ssrc"]'
json "$tmp/k.caller.json" "$both_ok and calls[0]['streams'][0]['port'] != calls[0]['streams'][1]['port'] and all(s['media']['tx_switches'] == 1 for s in calls[0]['streams'])"
check $? "SDES UA: audio and video authenticated both ways, a port each (no BUNDLE on the SDES side), each re-keyed by re-INVITE"
json "$tmp/k.callee.json" "$both_ok and calls[0]['mode'] == 'dtls-ktr' and calls[0]['streams'][0]['port'] == calls[0]['streams'][1]['port'] and calls[0]['streams'][0]['peer_port'] == calls[0]['streams'][1]['peer_port'] and all(s['media']['ktr'] and s['media']['keys_installed'] == 3 and s['media']['rx_switches'] == 1 and s['media']['no_key'] == 0 for s in calls[0]['streams']) and calls[0]['streams'][0]['media']['rtp_recv'] == ${a_sent:-0} and calls[0]['streams'][1]['media']['rtp_recv'] == ${v_sent:-0} and all(s['media']['first_peer_key_ssrc'] in (${ssrcs:-0}) for s in calls[0]['streams'])"
check $? "bundled DTLS UA: one port and one association for both streams, two new_srtp_key (one per SDES SSRC), and after the SDES UA's re-INVITE one more per stream, each stream switching to its own; all ${a_sent:-?} audio and ${v_sent:-?} video packets arrived and authenticated"
json "$tmp/k.calls.json" "len(j['calls']) == 1 and j['calls'][0]['media'] == 'ktr' and [(s['kind'], s['media']) for s in j['calls'][0]['streams']] == [('audio', 'ktr'), ('video', 'ktr')] and j['calls'][0]['streams'][0]['dtls_leg']['port'] == j['calls'][0]['streams'][1]['dtls_leg']['port'] and j['calls'][0]['streams'][0]['sdes_leg']['port'] != j['calls'][0]['streams'][1]['sdes_leg']['port'] and not any(s['offloaded'] for s in j['calls'][0]['streams'])"
check $? "ktrsbc-ctl calls: two KTR streams on one DTLS port (the bundle's), a port each on the SDES side, in userspace"
rc=0
same_bytes "$tmp/k.caller.pcap" "$CALLER_PORTS" "$tmp/k.callee.pcap" "$CALLEE_PORTS" 0 || rc=1
same_bytes "$tmp/k.caller.m1.pcap" "$CALLER_PORTS" "$tmp/k.callee.m1.pcap" "$CALLEE_PORTS" 0 || rc=1
same_bytes "$tmp/k.callee.pcap" "$CALLEE_PORTS" "$tmp/k.caller.pcap" "$CALLER_PORTS" 0 || rc=1
same_bytes "$tmp/k.callee.m1.pcap" "$CALLEE_PORTS" "$tmp/k.caller.m1.pcap" "$CALLER_PORTS" 0 || rc=1
check $rc "audio and video, both directions: every packet byte-identical to one the other UA sent (KTR: nothing transcrypted)"
two_time_pad k --by-ssrc
check $? "two-time pad: 4 flows (2 streams x 2 directions, the DTLS UA's two on one port pair), 4 SSRCs, no (key, SSRC) keystream used twice"
stats
json "$tmp/stats.json" "j['calls_ktr_total'] == 1 and j['streams_ktr_total'] == 2 and j['calls_fallback_total'] == 0 and j['ended']['crypto_ops_ktr'] == 0 and j['ended']['crypto_ops_fallback'] == 0 and j['ended']['crypto_ops_window'] == 0"
check $? "ktrsbc: one KTR call of two KTR streams, zero per-packet crypto operations"
grep -q "sbc: call [0-9]*: 2 streams bundled on the DTLS side" "$tmp/sbc.err"
check $? "ktrsbc logs the bundle"

# 2. The DTLS UA bundles its own offer (no KTR): answered bundled, every
#    stream transcrypted under the association's one key (the fallback).
# shellcheck disable=SC2086
b_call d "$CALLEE_PORTS" "$CALLER_PORTS" --sdes --video --first-seq 0 \
	--listen "127.0.0.1:$PBX" -- $dtls_caller --video --bundle --first-seq 0 --duration 3
check $((caller_rc + callee_rc)) "bundled DTLS audio+video caller -> ktrsbc -> SDES audio+video callee: both calls ok"
json "$tmp/d.caller.json" "$both_ok and calls[0]['streams'][0]['port'] == calls[0]['streams'][1]['port'] and calls[0]['streams'][0]['peer_port'] == calls[0]['streams'][1]['peer_port']"
check $? "bundled DTLS UA: ktrsbc answered on one port; both streams authenticated both ways on one association"
json "$tmp/d.callee.json" "$both_ok and calls[0]['streams'][0]['port'] != calls[0]['streams'][1]['port']"
check $? "SDES UA: audio and video authenticated, a port and a key each"
json "$tmp/d.calls.json" "len(j['calls']) == 1 and j['calls'][0]['media'] == 'fallback' and [(s['kind'], s['media']) for s in j['calls'][0]['streams']] == [('audio', 'fallback'), ('video', 'fallback')] and j['calls'][0]['streams'][0]['dtls_leg']['port'] == j['calls'][0]['streams'][1]['dtls_leg']['port']"
check $? "ktrsbc-ctl calls: two fallback streams on one DTLS port"

# 2k. The DTLS UA bundles its own offer with KTR: each SDES stream was
#     offered its own key B_k, so each bundled stream gets new_srtp_key(A_k)
#     and a your_new_srtp_key(B_k) naming the SSRC the DTLS UA sends it with
#     (draft 4.4), one after the other over the one association; each
#     stream is transcrypted only inside its window.
# shellcheck disable=SC2086
b_call dk "$CALLEE_PORTS" "$CALLER_PORTS" --sdes --video --first-seq 0 \
	--listen "127.0.0.1:$PBX" -- $dtls_caller --ktr --video --bundle --first-seq 0 --duration 3
check $((caller_rc + callee_rc)) "bundled DTLS+KTR audio+video caller -> ktrsbc -> SDES audio+video callee: both calls ok"
ssrcs=$(python3 -c "import json,sys; c=[json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')][0]; print('%d, %d' % (c['streams'][0]['media']['ssrc'], c['streams'][1]['media']['ssrc']))" "$tmp/dk.callee.json" 2>/dev/null)
json "$tmp/dk.caller.json" "$both_ok and calls[0]['mode'] == 'dtls-ktr' and calls[0]['streams'][0]['port'] == calls[0]['streams'][1]['port'] and calls[0]['streams'][0]['peer_port'] == calls[0]['streams'][1]['peer_port'] and all(s['media']['ktr'] and s['media']['tx_switches'] == 1 and s['media']['rx_switches'] == 1 and s['media']['no_key'] == 0 and s['media']['first_peer_key_ssrc'] in (${ssrcs:-0}) for s in calls[0]['streams'])"
check $? "bundled DTLS+KTR UA: one port and one association; each stream switched once to the key dictated for its own SSRC, and decrypts its SDES stream under that stream's key A"
json "$tmp/dk.callee.json" "$both_ok and calls[0]['streams'][0]['port'] != calls[0]['streams'][1]['port']"
check $? "SDES UA: audio and video authenticated, each under its own key B (the window's packets included)"
json "$tmp/dk.calls.json" "len(j['calls']) == 1 and j['calls'][0]['media'] == 'ktr' and [(s['kind'], s['media']) for s in j['calls'][0]['streams']] == [('audio', 'ktr'), ('video', 'ktr')] and j['calls'][0]['streams'][0]['dtls_leg']['port'] == j['calls'][0]['streams'][1]['dtls_leg']['port']"
check $? "ktrsbc-ctl calls: two KTR streams on one DTLS port"
# Before the DTLS UA has A_k and uses B_k each stream is transcrypted (the
# window): the video sends 3 times the audio's packets.
rc=0
same_bytes "$tmp/dk.callee.pcap" "$CALLEE_PORTS" "$tmp/dk.caller.pcap" "$CALLER_PORTS" 60 || rc=1
same_bytes "$tmp/dk.callee.m1.pcap" "$CALLEE_PORTS" "$tmp/dk.caller.m1.pcap" "$CALLER_PORTS" 180 || rc=1
same_bytes "$tmp/dk.caller.pcap" "$CALLER_PORTS" "$tmp/dk.callee.pcap" "$CALLEE_PORTS" 60 || rc=1
same_bytes "$tmp/dk.caller.m1.pcap" "$CALLER_PORTS" "$tmp/dk.callee.m1.pcap" "$CALLEE_PORTS" 180 || rc=1
check $rc "audio and video, both directions: byte-identical once each stream's window closed"
two_time_pad dk --by-ssrc
check $? "two-time pad: 4 flows (the DTLS UA's two on one port pair), 4 SSRCs, no (key, SSRC) keystream used twice (a dictated B per stream)"
stats
json "$tmp/stats.json" "j['calls_ktr_total'] == 2 and j['streams_ktr_total'] == 4 and j['calls_fallback_total'] == 1 and j['ended']['crypto_ops_ktr'] == 0 and 0 < j['ended']['crypto_ops_window'] <= j['ended']['window_pkts']"
check $? "ktrsbc: the second KTR call of two KTR streams; per-packet crypto only inside the windows"

# 3. ktrsbc's bundled offer to a DTLS UA that does not bundle: refused.
# shellcheck disable=SC2086
b_call n "$CALLEE_PORTS" "$CALLER_PORTS" --dtls --ktr --video --first-seq 0 \
	--listen "127.0.0.1:$CARRIER" -- $sdes_caller --video --first-seq 0 --duration 1
json "$tmp/n.caller.json" "calls[0]['result'] != 'ok' and calls[0]['sip_status'] == 488"
check $? "a DTLS UA answering ktrsbc's bundled offer without BUNDLE: the SDES caller gets 488"
grep -q "does not accept BUNDLE" "$tmp/sbc.err"
check $? "ktrsbc logs why (the answer does not accept BUNDLE)"

# 4. The bundled DTLS+KTR UA re-keys itself mid-call (new_srtp_key, no
#    request): ktrua announces a key per stream, each naming the SSRC that
#    stream sends (draft 4.4), the video's over the audio's association.
#    Each must reach the SDES UA on its own m-line (the re-INVITE's
#    a=crypto of the stream whose SSRC the key named): the SDES UA keeps
#    authenticating every packet of each stream after the switch.
# shellcheck disable=SC2086
b_call r "$CALLEE_PORTS" "$CALLER_PORTS" --dtls --ktr --video --bundle --first-seq 0 \
	--rekey-after-ms 1000 --listen "127.0.0.1:$CARRIER" -- $sdes_caller --video --first-seq 0 --duration 3
check $((caller_rc + callee_rc)) "SDES audio+video caller -> ktrsbc (bundle) -> DTLS+KTR --bundle callee re-keying itself: both calls ok"
sent=$(python3 -c "import json,sys; c=[json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')][0]; print(c['streams'][0]['media']['rtp_sent'], c['streams'][1]['media']['rtp_sent'])" "$tmp/r.callee.json" 2>/dev/null)
a_sent=${sent% *}
v_sent=${sent#* }
json "$tmp/r.callee.json" "$both_ok and calls[0]['mode'] == 'dtls-ktr' and calls[0]['streams'][0]['port'] == calls[0]['streams'][1]['port'] and all(s['media']['keys_announced'] == 1 and s['media']['tx_switches'] == 1 for s in calls[0]['streams'])"
check $? "bundled DTLS+KTR UA: one association; its own new_srtp_key for each stream's SSRC, each stream switched to it mid-call"
json "$tmp/r.caller.json" "$both_ok and all(s['media']['rx_switches'] == 1 for s in calls[0]['streams']) and calls[0]['streams'][0]['media']['rtp_recv'] == ${a_sent:-0} and calls[0]['streams'][1]['media']['rtp_recv'] == ${v_sent:-0}"
check $? "SDES UA: each m-line's re-INVITE key is the one its stream's SSRC was re-keyed with: audio and video each switched once, all ${a_sent:-?} audio and ${v_sent:-?} video packets authenticated, none failed"
# Every re-key above named an SSRC of its bundle: none went unrouted, and
# ktrsbc-ctl stats shows that counter (and the relay's STUN response errors).
stats
json "$tmp/stats.json" "j['bundle_key_unrouted'] == 0 and j['ice']['resp_errs'] == 0"
check $? "ktrsbc-ctl stats: bundle_key_unrouted 0 (each DTLS UA re-key reached its stream), ice.resp_errs 0"

sbc_term "ktrsbc exits 0 on SIGTERM"
echo "1..$n"

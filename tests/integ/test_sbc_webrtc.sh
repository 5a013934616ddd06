#!/bin/sh
# GStreamer's webrtcbin (a real WebRTC stack: full ICE through libnice,
# DTLS-SRTP, bundle-policy max-bundle) with audio (PCMU) and video (VP8) as
# the DTLS side of a call through ktrsbc to an SDES UA (ktrua --sdes
# --video), its SDP carried in SIP by tests/integ/webrtc_sip_peer.py (a
# small SIP UA; the offer goes out once ICE gathering is complete: SIP has
# no trickle). libnice offers no loopback host candidates, so this runs in
# two network namespaces this test creates and deletes, joined by a veth:
#
#   W: webrtcbin 192.0.2.2 (kw) <-> (ksw) 192.0.2.1 S: ktrsbc, ktrua --sdes
#
# ktrsbc answers the bundled offer bundled (one port, a=group:BUNDLE with
# the offer's mids) with ICE-lite (a=ice-lite, its host candidate): it
# answers webrtcbin's connectivity checks, takes the nominated address as
# the peer, and runs the DTLS handshake there; webrtcbin does no KTR, so
# each stream is transcrypted (the fallback). Checked: the call is
# answered with BUNDLE and ICE-lite, webrtcbin's ICE connects, webrtcbin
# decrypts audio and video from the SDES UA and sends both (its get-stats),
# the SDES UA authenticates both streams from webrtcbin, ktrsbc shows the
# two streams on one DTLS port and counts the STUN checks it answered.
# Then the other way: ktrsbc's own offer toward webrtcbin (the carrier
# trunk with ice = lite and bundle = yes) is bundled with ICE-lite and
# a=rtcp-mux-only, webrtcbin answers it (a callee: 200 OK once its ICE
# gathering completed), and media decrypts at both ends again.
# Without root or ip netns: every check is a TAP SKIP with the reason.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_webrtc

PLAN=13
skip() {
	echo "1..$PLAN"
	i=1
	while [ $i -le $PLAN ]; do
		echo "ok $i - webrtcbin through ktrsbc # SKIP $1"
		i=$((i + 1))
	done
	exit 0
}
PY=/usr/bin/python3
need "$SBC" "$CTL" "$UA" "$PY" timeout
"$PY" -c 'import gi; gi.require_version("Gst", "1.0"); gi.require_version("GstWebRTC", "1.0"); from gi.repository import Gst; Gst.init(None); import sys; sys.exit(0 if all(Gst.ElementFactory.find(e) for e in ("webrtcbin", "nicesrc", "vp8enc", "mulawenc", "rtpvp8pay", "rtppcmupay")) else 1)' 2>/dev/null ||
	need "webrtcbin+libnice (python3-gi, gir1.2-gst-plugins-bad-1.0, gstreamer1.0-nice, gstreamer1.0-plugins-good/bad)"
[ "$(id -u)" = 0 ] || skip "not root: cannot create the network namespaces libnice needs (no loopback candidates)"
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) missing"

ns=ktrw$$
netns_del() {
	for s in w s; do ip netns del "$ns-$s" 2>/dev/null; done
}
trap 'cleanup; netns_del' EXIT INT TERM
setup() {
	for s in w s; do ip netns add "$ns-$s" || return 1; done
	ip -n "$ns-w" link add kw type veth peer name ksw netns "$ns-s" &&
	ip -n "$ns-w" addr add 192.0.2.2/24 dev kw &&
	ip -n "$ns-s" addr add 192.0.2.1/24 dev ksw &&
	for s in w s; do ip -n "$ns-$s" link set lo up || return 1; done &&
	ip -n "$ns-w" link set kw up && ip -n "$ns-s" link set ksw up
}
setup >/dev/null 2>&1 || skip "cannot set up network namespaces"

# The shipped configuration, in the SBC's namespace: SIP and media on
# 192.0.2.1; the pbx trunk (ktrua --sdes) on 192.0.2.1:5070, the carrier
# trunk (webrtcbin) is 192.0.2.2:5080. ice and bundle stay as shipped
# (off, no): a DTLS offer with ICE and BUNDLE is answered with both.
conf=$tmp/conf
mkdir -p "$conf/trunks"
sed -e "s/^sip_listen *=.*/sip_listen = udp:192.0.2.1:5060/" \
    -e "s/^media_address *=.*/media_address = 192.0.2.1/" \
    -e "s/^offload *=.*/offload = off/" \
    -e "s|^control_socket *=.*|control_socket = $conf/ctl.sock|" \
    conf/ktrsbc.conf >"$conf/ktrsbc.conf"
sed -e 's/127\.0\.0\.1:5070/192.0.2.1:5070/' -e 's/127\\\.0\\\.0\\\.1:5070/192\\.0\\.2\\.1:5070/' \
    conf/trunks/pbx.conf >"$conf/trunks/pbx.conf"
sed -e 's/127\.0\.0\.1:5080/192.0.2.2:5080/' -e 's/127\\\.0\\\.0\\\.1:5080/192\\.0\\.2\\.2:5080/' \
    -e 's/^ice *=.*/ice = lite/' -e 's/^bundle *=.*/bundle = yes/' \
    conf/trunks/carrier.conf >"$conf/trunks/carrier.conf"

in_s() { ip netns exec "$ns-s" "$@"; }
echo "1..$PLAN"
ip netns exec "$ns-s" "$SBC" -c "$conf/ktrsbc.conf" -v >"$tmp/sbc.out" 2>"$tmp/sbc.err" &
spid=$!
i=0
until in_s "$CTL" -s "$conf/ctl.sock" stats >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -gt 100 ] && break
	sleep 0.1
done
in_s "$CTL" -s "$conf/ctl.sock" stats >/dev/null 2>&1
check $? "ktrsbc starts in the SBC namespace (SIP and media on 192.0.2.1)"

# The SDES UA answers; webrtcbin calls from the other namespace.
in_s timeout 60 "$UA" --sdes --video --listen 192.0.2.1:5070 --media-ports 41000-41099 \
	>"$tmp/sdes.json" 2>"$tmp/sdes.err" &
upid=$!
pids="$pids $upid"
sleep 0.5
(sleep 4; in_s "$CTL" -s "$conf/ctl.sock" calls >"$tmp/calls.json" 2>&1) &
pids="$pids $!"
ip netns exec "$ns-w" timeout 60 "$PY" tests/integ/webrtc_sip_peer.py \
	--sip 192.0.2.2:5080 --call sip:+15551234567@192.0.2.1:5060 --duration 6 \
	--out "$tmp/webrtc.json" >"$tmp/webrtc.out" 2>"$tmp/webrtc.err"
wrc=$?
wait "$upid"
urc=$?
check "$wrc" "webrtcbin's call through ktrsbc: answered, ICE connected, audio and video decrypted in and sent out"
[ "$wrc" -eq 0 ] || diag "$tmp/webrtc.out" "$tmp/webrtc.err" "$tmp/sbc.err"
json "$tmp/webrtc.json" "j['sip_status'] == 200 and j['answer_ice_lite'] and len(j['bundle'].split()) == 2 and j['offer_candidates'] > 0"
check $? "ktrsbc's answer: ICE-lite and one BUNDLE group of the offer's two mids"
json "$tmp/webrtc.json" "j['ice'] in ('connected', 'completed') and j['connection'] == 'connected'"
check $? "webrtcbin: ICE connected (ktrsbc answered its checks) and the DTLS association up"
json "$tmp/webrtc.json" "j['inbound'].get('audio', 0) > 50 and j['inbound'].get('video', 0) > 20 and j['outbound'].get('audio', 0) > 20 and j['outbound'].get('video', 0) > 20"
check $? "webrtcbin decrypted the SDES UA's audio and video (SRTP authenticated) and sent its own"
json "$tmp/sdes.json" "calls[0]['result'] == 'ok' and [s['type'] for s in calls[0]['streams']][:2] == ['audio', 'video'] and all(s['media']['auth_fail'] == 0 and s['media']['rtp_recv'] > 20 and s['media']['received'] == s['media']['authenticated'] for s in calls[0]['streams'][:2])"
check $? "SDES UA: webrtcbin's audio and video authenticated and decrypted (rc $urc)"
json "$tmp/calls.json" "len(j['calls']) == 1 and j['calls'][0]['media'] == 'fallback' and [s['kind'] for s in j['calls'][0]['streams']] == ['audio', 'video'] and j['calls'][0]['streams'][0]['dtls_leg']['port'] == j['calls'][0]['streams'][1]['dtls_leg']['port']"
check $? "ktrsbc-ctl calls: two streams (audio, video) on one DTLS port, transcrypted (webrtcbin has no KTR)"
in_s "$CTL" -s "$conf/ctl.sock" stats >"$tmp/stats.json" 2>&1
json "$tmp/stats.json" "j['ice']['stun_answered'] > 0 and j['ice']['nominations'] >= 1"
check $? "ktrsbc answered webrtcbin's STUN checks and took its nomination"

# 2. The other way: the SDES UA calls webrtcbin; the carrier trunk says
#    ice = lite and bundle = yes, so ktrsbc's own offer is bundled with
#    ICE-lite, and webrtcbin answers it (after its ICE gathering).
ip netns exec "$ns-w" timeout 60 "$PY" tests/integ/webrtc_sip_peer.py \
	--sip 192.0.2.2:5080 --answer --timeout 40 \
	--out "$tmp/webrtc2.json" >"$tmp/webrtc2.out" 2>"$tmp/webrtc2.err" &
wpid=$!
pids="$pids $wpid"
sleep 1
(sleep 4; in_s "$CTL" -s "$conf/ctl.sock" calls >"$tmp/calls2.json" 2>&1) &
pids="$pids $!"
in_s timeout 60 "$UA" --sdes --video --listen 192.0.2.1:5070 --media-ports 41000-41099 \
	--call sip:+12125550123@192.0.2.1:5060 --duration 6 \
	>"$tmp/sdes2.json" 2>"$tmp/sdes2.err"
urc=$?
wait "$wpid"
wrc=$?
check "$wrc" "SDES UA -> ktrsbc -> webrtcbin: webrtcbin answered ktrsbc's offer, ICE connected, audio and video decrypted in and sent out"
[ "$wrc" -eq 0 ] || diag "$tmp/webrtc2.out" "$tmp/webrtc2.err" "$tmp/sbc.err"
json "$tmp/webrtc2.json" "j['offer_ice_lite'] and len(j['bundle'].split()) == 2 and j['offer_rtcp_mux_only'] == 2 and j['ice'] in ('connected', 'completed') and j['connection'] == 'connected' and j['inbound'].get('audio', 0) > 50 and j['inbound'].get('video', 0) > 20 and j['outbound'].get('audio', 0) > 20 and j['outbound'].get('video', 0) > 20"
check $? "ktrsbc's offer: ICE-lite, one BUNDLE group, a=rtcp-mux-only on both m-lines; webrtcbin decrypted the SDES UA's audio and video and sent its own"
json "$tmp/sdes2.json" "calls[0]['result'] == 'ok' and [s['type'] for s in calls[0]['streams']][:2] == ['audio', 'video'] and all(s['media']['auth_fail'] == 0 and s['media']['rtp_recv'] > 20 and s['media']['received'] == s['media']['authenticated'] for s in calls[0]['streams'][:2])"
check $? "SDES UA (caller): webrtcbin's audio and video authenticated and decrypted (rc $urc)"
json "$tmp/calls2.json" "len(j['calls']) == 1 and j['calls'][0]['direction'] == 'sdes->dtls' and [s['kind'] for s in j['calls'][0]['streams']] == ['audio', 'video'] and j['calls'][0]['streams'][0]['dtls_leg']['port'] == j['calls'][0]['streams'][1]['dtls_leg']['port']"
check $? "ktrsbc-ctl calls: the call from the SDES side, two streams on one DTLS port"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
spid=""
grep -q "2 streams bundled on the DTLS side" "$tmp/sbc.err"
check $? "ktrsbc logs the bundle"

# Shared by the shell tests that run ktrsbc (test_sbc*.sh): the run's
# paths and temporary directory, TAP output, process clean-up, the SBC's
# configuration copy, starting and stopping it, waiting for ports, and
# checks over ktrua's JSON lines. Sourced, never run by itself:
#   . "$(dirname "$0")/lib/sbc.sh"
#   sbc_init NAME

# sbc_init NAME: BUILD (default build), top (the project: the working
# directory from here on), SBC, CTL, UA (the sanitizer build's programs,
# absolute paths, so they also run under `ip netns exec`) and tmp (a fresh
# /tmp/NAME.XXXXXX, removed at exit unless KEEP_TMP is set).
sbc_init() {
	BUILD=${BUILD:-build}
	top=$(cd "$(dirname "$0")/../.." && pwd)
	cd "$top" || exit 1
	case $BUILD in
	/*) bin=$BUILD/asan/tools ;;
	*) bin=$top/$BUILD/asan/tools ;;
	esac
	SBC=$bin/ktrsbc
	CTL=$bin/ktrsbc-ctl
	UA=$bin/ktrua
	tmp=$(mktemp -d "/tmp/$1.XXXXXX") || exit 1
}

pids=""
spid=""
cleanup() {
	for p in $pids $spid; do kill "$p" 2>/dev/null; done
	for p in $pids $spid; do wait "$p" 2>/dev/null; done
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept ${tmp:-}"
	elif [ -n "${tmp:-}" ]; then
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT INT TERM

# need PROGRAM...: each (a path, or a command on PATH) is there, and
# nothing else is in $missing (where a test notes other prerequisites it
# lacks); otherwise one failing test saying what is missing, and exit.
need() {
	missing=${missing:-}
	for b; do
		case $b in
		*/*) [ -x "$b" ] || missing="$missing $b" ;;
		*) command -v "$b" >/dev/null 2>&1 || missing="$missing $b" ;;
		esac
	done
	[ -z "$missing" ] && return 0
	echo "1..1"
	echo "not ok 1 - missing:$missing (make test-build; scripts/deps.sh)"
	exit 1
}

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" -eq 0 ]; then ok "$2"; else nok "$2"; fi; }

# sbc_conf DIR SIP_PORT PBX_PORT CARRIER_PORT MEDIA_MIN MEDIA_MAX: a copy of
# the shipped conf/ in DIR with the run's own ports (SIP/TLS on SIP_PORT+1),
# its control socket DIR/ctl.sock, and the trunks' peers moved from the
# shipped 5070 (pbx) and 5080 (carrier) to the given ports.
sbc_conf() {
	mkdir -p "$1/trunks"
	sed -e "s/^sip_listen *=.*/sip_listen = udp:127.0.0.1:$2 tcp:127.0.0.1:$2 tls:127.0.0.1:$(($2 + 1))/" \
	    -e "s|^control_socket *=.*|control_socket = $1/ctl.sock|" \
	    -e "s/^media_port_min *=.*/media_port_min = $5/" \
	    -e "s/^media_port_max *=.*/media_port_max = $6/" \
	    conf/ktrsbc.conf >"$1/ktrsbc.conf"
	for t in pbx carrier; do
		sed -e "s/5070/$3/g" -e "s/5080/$4/g" "conf/trunks/$t.conf" >"$1/trunks/$t.conf"
	done
}

# sbc_ports P MEDIA_MIN MEDIA_MAX: the run's ports, from the test's own
# port block (each test keeps its own formula so that none collide): SIP of
# the SBC SBC_SIP=P (udp/tcp; tls P+1), the pbx trunk's peer PBX=P+2, the
# carrier trunk's CARRIER=P+4, the SBC's media MEDIA_MIN..MEDIA_MAX; the
# ktrua callee's and caller's media ports (ua_pair) CALLEE_PORTS and
# CALLER_PORTS, the 20 above. The configuration copy: conf=$tmp/conf.
sbc_ports() {
	SBC_SIP=$1
	PBX=$(($1 + 2))
	CARRIER=$(($1 + 4))
	CALLEE_PORTS="$(($3 + 1))-$(($3 + 10))"
	CALLER_PORTS="$(($3 + 11))-$(($3 + 20))"
	conf=$tmp/conf
	sbc_conf "$conf" "$SBC_SIP" "$PBX" "$CARRIER" "$2" "$3"
}

# sbc_start ARGS...: ktrsbc on $conf with ARGS, in the background (PID in
# spid, output in $tmp/sbc.out and $tmp/sbc.err); status 0 once its SIP
# port listens.
# shellcheck disable=SC2120 # ARGS are optional
sbc_start() {
	"$SBC" -c "$conf/ktrsbc.conf" "$@" >"$tmp/sbc.out" 2>"$tmp/sbc.err" &
	spid=$!
	wait_port "$SBC_SIP"
}

# sbc_term MESSAGE: SIGTERM to ktrsbc; a test, MESSAGE, that it exits 0.
sbc_term() {
	kill -TERM "$spid"
	wait "$spid"
	check $? "$1"
	spid=""
}

# stats [NAME]: `ktrsbc-ctl stats` into $tmp/NAME.json (default stats).
# shellcheck disable=SC2120 # NAME is optional
stats() { "$CTL" -s "$conf/ctl.sock" stats >"$tmp/${1:-stats}.json" 2>&1; }

# set_key TRUNK KEY VALUE: rewrite a trunk file of $conf, then SIGHUP $spid.
set_key() {
	sed -i "s/^$2 *=.*/$2 = $3/" "$conf/trunks/$1.conf"
	kill -HUP "$spid"
	sleep 0.3
}

udp_free() { ! ss -Hluant 2>/dev/null | awk '{print $5}' | grep -q ":$1\$"; }
wait_port() {
	i=0
	while udp_free "$1"; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}

# diag FILE...: the last lines of each, as TAP comments.
diag() { for f; do tail -n 15 "$f" 2>/dev/null; echo; done | sed -e 's/^/# /'; }

# same_bytes SENDER-PCAP SENDER-PORTS RECEIVER-PCAP RECEIVER-PORTS
# MAX-DIFFERENT: the SRTP on the wire arrived unchanged (sbc_wire_check.py).
same_bytes() { python3 tests/integ/sbc_wire_check.py "$@"; }

# ua_port FILE [STREAM]: the local port of the first stream (or of stream
# STREAM, the m-line's index) of the first call in a ktrua JSON file, at the
# call's end (after any move, ua_move.c).
ua_port() {
	python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][0]["streams"][int(sys.argv[2])]["port"])' "$1" "${2:-0}"
}

# ua_media FILE FIELD STREAM: a field of stream STREAM's "media" counters
# (rtp_sent, ssrc, ...) in the first call of a ktrua JSON file.
ua_media() {
	python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][0]["streams"][int(sys.argv[3])]["media"][sys.argv[2]])' "$1" "$2" "$3"
}

# A ktrua call that ended well and authenticated its media (json EXPR).
ok_call='calls[0]["result"] == "ok" and calls[0]["media"]["auth_fail"] == 0 and calls[0]["media"]["rtp_recv"] > 50'

# json FILE EXPR: a Python expression over `calls` (the JSON lines in FILE,
# as ktrua writes them) or `j` (the first one); status 0 when true.
json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
calls = [json.loads(l) for l in text.splitlines() if l.startswith("{")]
j = calls[0] if calls else None
ok = False
try:
    ok = bool(eval(sys.argv[2], {"calls": calls, "j": j}))
except Exception as e:
    print("# eval:", e)
if not ok:
    print("# got:", text[:1500])
sys.exit(0 if ok else 1)
PY
}

# ua_pair NAME CALLEE_PORTS CALLER_PORTS CALLEE-ARGS -- CALLER-ARGS: a ktrua
# callee and a ktrua caller through the SBC, each capturing to
# $tmp/NAME.{callee,caller}.pcap and writing its JSON lines to
# $tmp/NAME.{callee,caller}.json; sets caller_rc and callee_rc.
ua_pair() {
	name=$1
	cports=$2
	uports=$3
	shift 3
	cargs=""
	while [ "$1" != "--" ]; do cargs="$cargs $1"; shift; done
	shift
	# shellcheck disable=SC2086
	timeout 60 "$UA" $cargs --media-ports "$cports" --capture "$tmp/$name.callee.pcap" \
		>"$tmp/$name.callee.json" 2>"$tmp/$name.callee.err" &
	cpid=$!
	pids="$pids $cpid"
	sleep 0.5
	timeout 60 "$UA" "$@" --media-ports "$uports" --capture "$tmp/$name.caller.pcap" \
		>"$tmp/$name.caller.json" 2>"$tmp/$name.caller.err"
	caller_rc=$?
	wait "$cpid"
	callee_rc=$?
}

# two_time_pad NAME [--by-ssrc]: the senders' side of each stream's
# capture of the ua_pair run NAME, audio and video (sbc_sent_flows.py),
# then the two-time pad check over the 4 flows (ktrua_streams_check.py;
# --by-ssrc: flows told apart by SSRC, as on a bundle's one port pair).
two_time_pad() {
	# shellcheck disable=SC2086 # ${2:-}: no switch, or one
	python3 tests/integ/sbc_sent_flows.py "$CALLER_PORTS" \
		"$tmp/$1.caller.pcap" "$tmp/$1.cr.pcap" \
		"$tmp/$1.caller.m1.pcap" "$tmp/$1.cr.m1.pcap" &&
	python3 tests/integ/sbc_sent_flows.py "$CALLEE_PORTS" \
		"$tmp/$1.callee.pcap" "$tmp/$1.ce.pcap" \
		"$tmp/$1.callee.m1.pcap" "$tmp/$1.ce.m1.pcap" &&
	python3 tests/integ/ktrua_streams_check.py ${2:-} 4 "$tmp/$1.cr.pcap" \
		"$tmp/$1.cr.m1.pcap" "$tmp/$1.ce.pcap" "$tmp/$1.ce.m1.pcap"
}

# sbc_bundle_start: ktrsbc with the carrier trunk's bundle = yes (a test
# line), and the ktrua switches of an SDES caller through the pbx trunk
# (sdes_caller) and of a DTLS caller through the carrier trunk
# (dtls_caller), both calling ktrsbc.
sbc_bundle_start() {
	sed -i "s/^bundle *=.*/bundle = yes/" "$conf/trunks/carrier.conf"
	sbc_start -v
	check $? "ktrsbc starts with the carrier trunk's bundle = yes"
	sdes_caller="--sdes --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$SBC_SIP"
	dtls_caller="--dtls --listen 127.0.0.1:$CARRIER --call sip:+12125550123@127.0.0.1:$SBC_SIP"
}

# On a bundled call (test_sbc_bundle_hold*.sh), json expressions over a
# ktrua JSON file: bundle_both_ok, per stream everything received
# authenticated, none failed, media both ways, audio then video, each its
# own SSRC; bundle_held_ok, the hold as the holder saw it: its hold and its
# resume answered, from the hold's answer (+ 0.1 s for packets in flight)
# to the resume not one RTP packet of either stream, nothing on the port it
# left, 200+ after the resume's answer.
# ktrsbc-ctl stats (j): no per-packet crypto at all in the calls ended so far
# (KTR calls, no window).
no_crypto='j["ended"]["crypto_ops_ktr"] == 0 and j["ended"]["crypto_ops_fallback"] == 0 and j["ended"]["crypto_ops_window"] == 0'
bundle_both_ok='calls[0]["result"] == "ok" and [(s["type"], s["pt"]) for s in calls[0]["streams"]] == [("audio", 0), ("video", 96)] and all(s["media"]["received"] == s["media"]["authenticated"] and s["media"]["auth_fail"] == 0 and s["media"]["no_key"] == 0 and s["media"]["rtp_recv"] > 50 for s in calls[0]["streams"]) and calls[0]["streams"][0]["media"]["ssrc"] != calls[0]["streams"][1]["media"]["ssrc"]'
bundle_held_ok='j["move"]["answers"] == 2 and j["move"]["held_measured"] and j["move"]["held_rx"] == 0 and j["move"]["old_rx"] == 0 and j["move"]["rx_after"] >= 200'

# bundle_resumed NAME SENDER SENDER-PORTS RECEIVER RECEIVER-PORTS: both
# streams of the ua_pair run NAME, what RECEIVER got on the port its stream
# ended on (after the resume) is byte for byte what SENDER sent (50+
# packets per stream).
bundle_resumed() {
	same_bytes "$tmp/$1.$2.pcap" "$3" "$tmp/$1.$4.pcap" "$5" 0 \
		port "$(ua_port "$tmp/$1.$4.json" 0)" &&
		same_bytes "$tmp/$1.$2.m1.pcap" "$3" "$tmp/$1.$4.m1.pcap" "$5" 0 \
			port "$(ua_port "$tmp/$1.$4.json" 1)"
}

# lo_capture NAME FILTER: dumpcap of lo (FILTER, a capture filter) into
# $tmp/NAME.pcap, bounded by timeout (60 s), its PID in cap_pid; returns
# once dumpcap says it is capturing (at most 5 s). lo_capture_stop: 0.3 s
# for the last datagrams, then SIGINT (dumpcap closes the file) and wait.
lo_capture() {
	timeout 60 dumpcap -q -i lo -P -w "$tmp/$1.pcap" -f "$2" 2>"$tmp/$1.dumpcap" &
	cap_pid=$!
	pids="$pids $cap_pid"
	i=0
	while ! grep -q "Capturing on" "$tmp/$1.dumpcap" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
lo_capture_stop() {
	sleep 0.3
	kill -INT "$cap_pid" 2>/dev/null
	wait "$cap_pid" 2>/dev/null
}

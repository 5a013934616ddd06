# Shared by the shell tests that run ktrsbc (test_sbc.sh, test_sbc_sipp.sh):
# TAP output, process clean-up, the SBC's configuration copy, waiting for
# ports, and checks over ktrua's JSON lines. Sourced, never run by itself;
# the caller sets `tmp` (a fresh directory) before sourcing.

pids=""
spid=""
cleanup() {
	for p in $pids $spid; do kill "$p" 2>/dev/null; done
	for p in $pids $spid; do wait "$p" 2>/dev/null; done
	if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT INT TERM

# need PROGRAM...: each (a path, or a command on PATH) is there; otherwise
# one failing test saying what is missing, and exit.
need() {
	missing=""
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

# Shared by the baresip tests (test_sbc_baresip*.sh), after lib/sbc.sh and
# sbc_ports: one call between two baresip instances through ktrsbc.
# Sourced, never run by itself.

# bcall NAME CALLER CALLEE [SECONDS]: CALLER's baresip (the directory
# $tmp/CALLER) dials bob through ktrsbc (the trunks route "bob" to the other
# side unchanged) and hangs up after SECONDS (default 6; hanging up, not
# quitting, makes both print their summary), CALLEE answers; SIP and media
# (ports M..M+39) on lo captured meanwhile into $tmp/NAME.pcap; `ktrsbc-ctl calls` during the call in
# $tmp/NAME.calls.json; outputs in $tmp/NAME.CALLER and $tmp/NAME.CALLEE.
# bready FILE: wait (at most 10 s) until the baresip writing FILE says it
# is ready, and 0.2 s more: a callee must listen before the call comes (a
# fixed 0.7 s was too short on a loaded host).
bready() {
	i=0
	while ! grep -aq "baresip is ready" "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.2
}

bcall() {
	lo_capture "$1" "udp port $SBC_SIP or udp port $PBX or udp port $CARRIER or udp portrange $M-$((M + 39))"
	secs=${4:-6}
	(sleep $((secs + 4)); printf '/quit\n') | (cd "$tmp/$3" && timeout 30 baresip -f "$tmp/$3" \
		>"$tmp/$1.$3" 2>&1) &
	cpid=$!
	pids="$pids $cpid"
	bready "$tmp/$1.$3"
	(sleep "$secs"; printf '/hangup\n'; sleep 1; printf '/quit\n') | (cd "$tmp/$2" &&
		timeout 30 baresip -f "$tmp/$2" -e "/dial sip:bob@127.0.0.1:$SBC_SIP" \
		>"$tmp/$1.$2" 2>&1) &
	upid=$!
	pids="$pids $upid"
	sleep $((secs - 2))
	"$CTL" -s "$conf/ctl.sock" calls >"$tmp/$1.calls.json" 2>&1
	wait "$upid"
	wait "$cpid"
	lo_capture_stop
}

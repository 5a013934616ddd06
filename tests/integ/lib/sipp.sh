# shellcheck shell=sh disable=SC2154 # top, tmp, SC...: lib/sbc.sh and the test set them
# Shared by the shell tests that drive ktrsbc with SIPp and ktrua
# (test_sbc_sipp.sh, test_sbc_sip_timers.sh, test_sbc_early.sh). Sourced
# after lib/sbc.sh and sbc_ports, with SC (scripts/sipp), SIPP_MEDIA (SIPp's
# media port) and UA_PORTS (ktrua's media ports) set:
#   . "$(dirname "$0")/lib/sipp.sh"

# sipp_run NAME SCENARIO ARGS...: SIPp bounded by timeout, run from $tmp
# (where the SRTP captures it plays are), toward ktrsbc's SIP port. SCENARIO
# is a file of scripts/sipp/, or a path from the project's root. Its errors
# in $tmp/NAME.err.log, its messages in $tmp/NAME.msg.log, its statistics
# in $tmp/NAME.stat.csv, its output in $tmp/NAME.sipp.out. SIPP_LIMIT:
# SIPp's own -timeout in seconds (default 30); timeout(1) allows 20 more.
sipp_run() {
	name=$1
	case $2 in
	*/*) sf=$top/$2 ;;
	*) sf=$SC/$2 ;;
	esac
	shift 2
	lim=${SIPP_LIMIT:-30}
	(cd "$tmp" && timeout $((lim + 20)) sipp -sf "$sf" -i 127.0.0.1 -mp "$SIPP_MEDIA" \
		-nostdin -trace_err -error_file "$tmp/$name.err.log" \
		-trace_msg -message_file "$tmp/$name.msg.log" \
		-trace_stat -stf "$tmp/$name.stat.csv" -timeout "$lim" -timeout_error \
		"$@" "127.0.0.1:$SBC_SIP" >"$tmp/$name.sipp.out" 2>&1)
}

# ua_bg NAME ARGS...: ktrua in the background on UA_PORTS (its PID in
# upid, its JSON in $tmp/NAME.ua.json, its stderr in $tmp/NAME.ua.err).
ua_bg() {
	name=$1
	shift
	timeout 60 "$UA" "$@" --media-ports "$UA_PORTS" \
		>"$tmp/$name.ua.json" 2>"$tmp/$name.ua.err" &
	upid=$!
	pids="$pids $upid"
}

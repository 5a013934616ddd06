#!/bin/bash
# Issue 6: rtpengine (Debian's rtpengine-daemon, userspace only) relaying the
# benchmark's SRTP streams while transcrypting between two SDES keys, at each
# call count of $CALLS. A section driver of scripts/bench.sh (see the
# contract there): appends "rtpengine" rows to $CSV and writes
# $SECTIONS/20-rtpengine.md.
#
# rtpengine cannot be measured overloaded (docs/platform.md: it reads at most
# 50 packets per wake-up and gives up on a socket after repeated "queue too
# long" strikes), so instead of a saturation rate this finds its highest
# lossless rate: a bounded search over offered rates (grow by half until a
# trial loses packets, then bisect), each trial on fresh calls (a socket
# rtpengine gave up on in a lossy trial must not spoil the next), at most
# $RTPE_TRIALS trials per call count. "Lossless": the sink received every
# packet sent (at most RTPE_LOSS_MAX, default 0) and every sampled packet
# authenticated with rtpengine's key and none with the generator's.
#
# Our own instance: its own config file under $TMP, loopback only
# (interface 127.0.0.1, ng on 127.0.0.1:$RTPE_NG_PORT), no kernel
# forwarding (table = -1), one media thread, pinned with taskset to the
# relay's core, stopped by its PID. If rtpengine is missing it is installed
# with apt-get with service starts denied (policy-rc.d), and if systemd runs
# the unit the package enabled is disabled and stopped: no system service is
# left running.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${B:?}" "${OUT:?}" "${TMP:?}" "${CSV:?}" "${SECTIONS:?}" "${CALLS:?}"
SUT_CPU=${SUT_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
RTPE_WARM=${RTPE_WARM:-1}
RTPE_WIN=${RTPE_WIN:-2}
RTPE_TRIALS=${RTPE_TRIALS:-6}
RTPE_START=${RTPE_START:-80000}   # first offered rate (pps)
RTPE_MAX=${RTPE_MAX:-400000}
RTPE_LOSS_MAX=${RTPE_LOSS_MAX:-0} # packets lost out of all sent
RTPE_NG_PORT=${RTPE_NG_PORT:-39010}
RTPE_GEN_PORT=${RTPE_GEN_PORT:-39011}
RTPE_SINK_PORT=${RTPE_SINK_PORT:-39012}
RTPE_PORTS=${RTPE_PORTS:-"46000 53999"}
SEC="$SECTIONS/20-rtpengine.md"
W="$TMP/rtpe"
mkdir -p "$W"

na_section() { # na_section REASON: rows and a section saying why not
	local n
	echo "bench: rtpengine: not measured: $1" >&2
	for n in $CALLS; do echo "rtpengine,$n,,,,,,,,," >> "$CSV"; done
	echo "bench-rtpengine: cut (not measured: $1)"
	{
		echo "## rtpengine (transcrypting SDES to SDES)"
		echo
		echo "Not measured: $1."
		echo
	} > "$SEC"
	exit 0
}

install_rtpengine() {
	local made_policy=0 rc=0
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null || return 1
	echo "bench: installing rtpengine-daemon (apt-get)"
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made_policy=1
	fi
	# A stale package list is the usual failure: update once and retry.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		rtpengine-daemon > "$W/apt.log" 2>&1 ||
		{ apt-get update -q >> "$W/apt.log" 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			rtpengine-daemon >> "$W/apt.log" 2>&1; } || rc=$?
	[ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
		systemctl disable --now rtpengine-daemon >/dev/null 2>&1 || true
	fi
	return $rc
}

command -v rtpengine >/dev/null || install_rtpengine || na_section "rtpengine-daemon missing and could not be installed"
RTPE_VERSION=$(dpkg-query -W -f='${Version}' rtpengine-daemon 2>/dev/null || rtpengine --version 2>&1 | head -1)

cat > "$W/rtpengine.conf" <<EOF
[rtpengine]
table = -1
interface = 127.0.0.1
listen-ng = 127.0.0.1:$RTPE_NG_PORT
port-min = ${RTPE_PORTS% *}
port-max = ${RTPE_PORTS#* }
timeout = 600
delete-delay = 0
num-threads = 1
log-level = 4
foreground = true
log-stderr = true
EOF
taskset -c "$SUT_CPU" rtpengine --config-file="$W/rtpengine.conf" --config-section=rtpengine \
	> "$W/rtpengine.log" 2>&1 &
RTPE_PID=$!
stop_rtpengine() {
	kill "$RTPE_PID" 2>/dev/null || return 0
	for _ in $(seq 50); do kill -0 "$RTPE_PID" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$RTPE_PID" 2>/dev/null || true
}
trap stop_rtpengine EXIT
trap "exit 1" TERM INT
NG="127.0.0.1:$RTPE_NG_PORT"
up=0
for _ in $(seq 25); do
	if python3 scripts/bench-ng.py ping --ng "$NG" 2>/dev/null; then up=1; break; fi
	kill -0 "$RTPE_PID" 2>/dev/null || break
done
if [ $up = 0 ]; then
	tail -5 "$W/rtpengine.log" >&2
	na_section "rtpengine did not start (log above)"
fi

# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
LAT_CALLS=${LAT_CALLS:-100}

# trial N RATE ID: fresh calls (call-ids ktrbench-ID-i, never reused), one
# paced run; prints
# "rate sent received loss window_pps busy samples ok fail orig gen_pps
# proc_cpu_pct".
trial() {
	local n=$1 rate=$2 id=ktrbench$$-$3 secs total sink s g
	rm -f "$W/ports"
	python3 scripts/bench-ng.py setup --ng "$NG" --calls "$n" --gen-port "$RTPE_GEN_PORT" \
		--sink-port "$RTPE_SINK_PORT" --ports "$W/ports" --keys "$W/keys" \
		--id "$id" >&2 || return 1
	secs=$(awk -v w="$RTPE_WARM" -v t="$RTPE_WIN" 'BEGIN { print w + t + 0.5 }')
	total=$(awk -v r="$rate" -v s="$secs" 'BEGIN { printf "%d", r * s }')
	taskset -c "$LOAD_CPU" "$B/bench_sink" -s "$RTPE_SINK_PORT" -n "$n" -K "$W/keys" -t 20 \
		-w "$RTPE_WARM" -T "$RTPE_WIN" -c "$SUT_CPU" -p "$RTPE_PID" > "$W/sink.out" &
	sink=$!
	# Small bursts per call (paced; at most 8 packets at once into one
	# call's socket): rtpengine reads 50 packets per wake-up and counts a
	# fuller queue as a strike, so a burst of 50 or more into one socket
	# would be lost to that rule, not to rtpengine's speed. With 32 calls
	# or more one sendmmsg serves 32 calls 4 packets each (GSO), with fewer
	# one call 8 packets. Bounded by -t; every packet once (-1).
	# A prelude (-W) sends each call's first packet alone, as a call
	# starts, before the load.
	local shape="-g 8 -m 1"
	[ "$n" -ge 32 ] && shape="-g 4 -m 32"
	# shellcheck disable=SC2086
	taskset -c "$LOAD_CPU" "$B/bench_gen" -p "$W/ports" -s "$RTPE_GEN_PORT" -t "$secs" -1 \
		-r "$rate" -P "$total" $shape -W 0.5 > "$W/gen.out"
	wait "$sink" || true
	python3 scripts/bench-ng.py delete --ng "$NG" --calls "$n" --id "$id" >&2 || true
	s=$(cat "$W/sink.out")
	g=$(cat "$W/gen.out")
	# One word per value ("-" when missing) so that `read` keeps columns.
	fs() { local v; v=$(echo "$s" | field "$1"); echo "${v:--}"; }
	local sent got
	sent=$(echo "$g" | field sent)
	got=$(echo "$s" | field pkts)
	# The prelude's one packet per call is not in the generator's count.
	sent=$((${sent:-0} + n))
	echo "$rate $sent ${got:-0} $((sent - ${got:-0})) $(fs window_pps) $(fs core_busy_pct) $(fs samples) $(fs auth_ok) $(fs auth_fail) $(fs auth_orig) $(echo "$g" | field pps) $(fs proc_cpu_pct)"
}

{
	echo "## rtpengine (transcrypting SDES to SDES)"
	echo
	echo "rtpengine $RTPE_VERSION, userspace only (table = -1), one media thread (num-threads = 1),"
	echo "pinned to CPU $SUT_CPU; calls set up over its ng protocol by scripts/bench-ng.py. The offer"
	echo "carries the generator's AES_CM_128_HMAC_SHA1_80 key A; rtpengine passes A through on its"
	echo "rewritten offer's first crypto line (answering with it would only forward), so the answer"
	echo "takes the AES_CM_128_HMAC_SHA1_32 line, whose key rtpengine generated: every packet is"
	echo "authenticated and decrypted with A and encrypted and authenticated again with rtpengine's key"
	echo "(same cipher and HMAC, a 4-byte tag). The sink authenticates 1 packet in 1000 with that key"
	echo "and counts samples that A authenticates (auth_orig, must be 0)."
	echo
	echo "rtpengine cannot be measured overloaded (it reads 50 packets per wake-up and gives up on a"
	echo "socket after repeated queue strikes), so the table's rtpengine rows give its **highest lossless"
	echo "rate** from a bounded search (fresh calls per trial, ${RTPE_WIN} s window after ${RTPE_WARM} s): \`fwd pps\`"
	echo "is what the sink received per second in the window at that rate, \`core busy\` the relay core"
	echo "then, and \`pps at 100 %\` an extrapolation (rtpengine does not reach it: it starts losing first)."
	echo "\`rtpengine CPU %\`: rtpengine's own CPU time (all threads) in the window, which on a shared"
	echo "machine, unlike the core's busy share, does not count other work on that core."
	echo
	echo "| calls | offered pps | sent | received | lost | core busy % | rtpengine CPU % | auth ok/sampled | auth with A | verdict |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
} > "$SEC"

for n in $CALLS; do
	lo=0 hi=0 rate=$RTPE_START best=""
	for k in $(seq "$RTPE_TRIALS"); do
		if ! r=$(trial "$n" "$rate" "$n-$k"); then
			echo "bench: rtpengine/$n: call setup failed" >&2
			break
		fi
		read -r rr sent got lost wpps busy smp ok fail orig gpps pcpu <<< "$r"
		if [ "$lost" -le "$RTPE_LOSS_MAX" ] && [ "$fail" = 0 ] && [ "$orig" = 0 ] &&
			[ "$smp" != - ] && [ "$smp" -gt 0 ] && [ "$wpps" != - ]; then
			verdict=lossless; lo=$rate; best="$r"
		else
			verdict=lossy; hi=$rate
		fi
		printf '  %-10s %5s calls: trial %d offered %s pps: sent %s received %s (%s), core %s%%, rtpengine %s%%\n' \
			rtpengine "$n" "$k" "$rr" "$sent" "$got" "$verdict" "${busy:-?}" "${pcpu:-?}"
		echo "| $n | $rr | $sent | $got | $lost | $busy | ${pcpu:-} | $ok/$smp | $orig | $verdict |" >> "$SEC"
		if [ "$hi" = 0 ]; then
			rate=$(awk -v r="$rate" 'BEGIN { printf "%d", r * 1.5 }')
			[ "$rate" -gt "$RTPE_MAX" ] && break
		else
			# Stop when the bracket is within 5 %.
			awk -v l="$lo" -v h="$hi" 'BEGIN { exit !((h - l) <= 0.05 * h) }' && break
			if [ "$lo" = 0 ]; then
				rate=$((hi / 2))
			else
				rate=$(((lo + hi) / 2))
			fi
		fi
	done
	if [ -n "$best" ]; then
		read -r rr sent got lost wpps busy smp ok fail orig gpps pcpu <<< "$best"
		awk -v n="$n" -v p="$wpps" -v b="$busy" -v o="$gpps" -v g="$got" -v s="$smp" -v ok="$ok" -v f="$fail" \
			'BEGIN { printf "rtpengine,%s,%s,%s,%.2f,%.0f,%s,%s,%s,%s,%s\n", n, p, b,
				(p > 0) ? b * 1e4 / p : 0, (b > 0) ? p * 100 / b : 0, o, g, s, ok, f }' >> "$CSV"
		printf '  %-10s %5s calls: highest lossless %s pps (core %s%%; bracket %s..%s)\n' \
			rtpengine "$n" "$wpps" "$busy" "$lo" "$([ "$hi" = 0 ] && echo '>' || echo "$hi")"
	else
		echo "rtpengine,$n,,,,,,,,," >> "$CSV"
		echo "  rtpengine  $n calls: no lossless rate found" >&2
	fi
	# Latency (scripts/bench-latency.sh reports it): at half the highest
	# lossless rate, on fresh calls, and the direct baseline.
	if [ "$n" = "$LAT_CALLS" ] && [ -n "$best" ]; then
		rate=$((lo / 2))
		id=ktrbench$$-lat
		if python3 scripts/bench-ng.py setup --ng "$NG" --calls "$n" --gen-port "$RTPE_GEN_PORT" \
			--sink-port "$RTPE_SINK_PORT" --ports "$W/ports" --keys "$W/keys" --id "$id" >&2; then
			t=$(LAT_GEN_EXTRA="-W 0.5" lat_measure "$W" "$n" "$rate" "$W/ports" "$RTPE_GEN_PORT" \
				"$RTPE_SINK_PORT" -K "$W/keys")
			python3 scripts/bench-ng.py delete --ng "$NG" --calls "$n" --id "$id" >&2 || true
			d=$(LAT_GEN_EXTRA="-W 0.5" lat_direct "$W" "$n" "$rate" "$RTPE_GEN_PORT" "$RTPE_SINK_PORT")
			lat_row rtpengine "$n" "$rate" "$t" "$d"
		fi
	fi
done
echo >> "$SEC"
grep -c 'Too many packets in UDP receive queue' "$W/rtpengine.log" > "$W/strikes" || true
echo "rtpengine logged \"Too many packets in UDP receive queue\" $(cat "$W/strikes") times over the search." >> "$SEC"
echo >> "$SEC"
echo "bench-rtpengine: $(awk -F, 'NR > 1 && $1 == "rtpengine" { printf "%slossless_pps_%s=%s", s, $2, ($3 == "" ? "n/a" : $3); s = " " }' "$CSV")"

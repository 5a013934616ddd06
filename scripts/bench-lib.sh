# shellcheck shell=bash
# Shared by scripts/bench.sh and its section drivers (sourced, not run).
# Needs B (the bench tools' directory) and LOAD_CPU.

# field NAME < line : the word after NAME
field() {
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'
}

LAT_WARM=${LAT_WARM:-1}
LAT_WIN=${LAT_WIN:-2}

# lat_measure DIR N RATE PORTSFILE GENPORT SINKPORT [bench_sink args...]
# One latency run through whatever listens on PORTSFILE's ports (a relay the
# caller started, or the sink itself for the direct baseline): N streams,
# RATE packets/s in total, every packet in its own sendmmsg (-g 1 -m 1: its
# send time is taken right before its own system call), sent once (-1).
# bench_gen -R and bench_sink -R keep the send and kernel receive times
# beside the packets (the SRTP payload is never touched), bench_lat joins
# them by SSRC and sequence number over LAT_WIN seconds after LAT_WARM.
# LAT_GEN_EXTRA: more bench_gen arguments (rtpengine's prelude).
# Prints "sent received p50_us p90_us p99_us gen_pps" (empty on failure;
# gen_pps: the rate the generator achieved, to see that it kept up).
lat_measure() {
	local dir=$1 n=$2 rate=$3 ports=$4 gport=$5 sport=$6 secs sink
	shift 6
	secs=$(awk -v w="$LAT_WARM" -v t="$LAT_WIN" 'BEGIN { print w + t + 0.5 }')
	rm -f "$dir/lat.gen" "$dir/lat.sink"
	taskset -c "$LOAD_CPU" "$B/bench_sink" -s "$sport" -n "$n" -t 30 -R "$dir/lat.sink" "$@" \
		> "$dir/lat.sink.out" &
	sink=$!
	sleep 0.2
	# shellcheck disable=SC2086
	taskset -c "$LOAD_CPU" "$B/bench_gen" -p "$ports" -s "$gport" -t "$secs" -1 -r "$rate" \
		-P "$(awk -v r="$rate" -v s="$secs" 'BEGIN { printf "%d", r * s }')" -g 1 -m 1 \
		-R "$dir/lat.gen" ${LAT_GEN_EXTRA:-} > "$dir/lat.gen.out"
	wait "$sink" || true
	"$B/bench_lat" -w "$LAT_WARM" -T "$LAT_WIN" "$dir/lat.gen" "$dir/lat.sink" > "$dir/lat.out" || return 0
	local l
	l=$(cat "$dir/lat.out")
	echo "$(echo "$l" | field sent) $(echo "$l" | field received) $(echo "$l" | field p50_us) $(echo "$l" | field p90_us) $(echo "$l" | field p99_us) $(field pps < "$dir/lat.gen.out")"
}

# lat_direct DIR N RATE GENPORT SINKPORT: the baseline, generator straight to
# the sink at the same rate and stream count.
lat_direct() {
	local dir=$1 n=$2 rate=$3 gport=$4 sport=$5
	for _ in $(seq "$n"); do echo "$sport"; done > "$dir/lat.direct.ports"
	lat_measure "$dir" "$n" "$rate" "$dir/lat.direct.ports" "$gport" "$sport"
}

# lat_row RELAY N RATE "THROUGH" "DIRECT": one row of $OUT/latency.csv
# (relay-added = through-relay percentile minus the direct one).
lat_row() {
	local relay=$1 n=$2 rate=$3 t=$4 d=$5
	read -r ts tr t50 t90 t99 tg <<< "$t"
	read -r _ _ d50 _ d99 _ <<< "$d"
	if [ -z "${t50:-}" ] || [ -z "${d50:-}" ]; then
		echo "$relay,$n,$rate,${tg:-},${ts:-},${tr:-},,,,,,," >> "$OUT/latency.csv"
		return
	fi
	awk -v r="$relay" -v n="$n" -v rate="$rate" -v tg="$tg" -v ts="$ts" -v tr="$tr" \
		-v t50="$t50" -v t90="$t90" -v t99="$t99" -v d50="$d50" -v d99="$d99" 'BEGIN {
		printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%.1f,%.1f\n", r, n, rate, tg, ts, tr,
			t50, t90, t99, d50, d99, t50 - d50, t99 - d99 }' >> "$OUT/latency.csv"
	printf '  %-10s %5s calls at %s pps: p50 %s us p99 %s us through it; direct p50 %s p99 %s (%s/%s received)\n' \
		"$relay" "$n" "$rate" "$t50" "$t99" "$d50" "$d99" "$tr" "$ts"
}

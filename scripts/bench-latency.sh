#!/bin/bash
# Issue 6: the latency each relay adds per packet (p50, p99) at half of its
# saturation rate. A section driver of scripts/bench.sh (see the contract
# there): reads the forwarding rates from $CSV, appends rows to
# $OUT/latency.csv (rtpengine's row comes from scripts/bench-rtpengine.sh,
# which owns that instance) and writes $SECTIONS/30-latency.md.
#
# Method (scripts/bench-lib.sh, lat_measure): at LAT_CALLS calls, the
# generator sends each packet in its own system call at half the relay's
# forwarding rate from this run, noting its send time just before the call;
# the sink notes each packet's kernel receive time (SO_TIMESTAMPNS); both
# tables are joined by SSRC and sequence number (the SRTP packets are not
# modified: their payload is encrypted and authenticated). The same run
# without any relay (generator straight to the sink, same rate and streams)
# is the baseline; relay-added = through-relay percentile - direct one.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${B:?}" "${OUT:?}" "${TMP:?}" "${CSV:?}" "${SECTIONS:?}"
SUT_CPU=${SUT_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
LAT_CALLS=${LAT_CALLS:-100}
LAT_GEN_PORT=${LAT_GEN_PORT:-39021}
LAT_SINK_PORT=${LAT_SINK_PORT:-39022}
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
W="$TMP/lat"
mkdir -p "$W"
[ -f "$OUT/latency.csv" ] || echo "relay,calls,rate_pps,offered_pps,sent,received,p50_us,p90_us,p99_us,direct_p50_us,direct_p99_us,added_p50_us,added_p99_us" > "$OUT/latency.csv"

rate_of() { # rate_of RELAY: half its forwarding rate at LAT_CALLS, from $CSV
	awk -F, -v r="$1" -v n="$LAT_CALLS" 'NR > 1 && $1 == r && $2 == n && $3 > 0 { printf "%d", $3 / 2; exit }' "$CSV"
}

for relay in raw ktr transcrypt; do
	rate=$(rate_of "$relay")
	if [ -z "$rate" ]; then
		echo "bench: latency $relay: no forwarding rate at $LAT_CALLS calls" >&2
		continue
	fi
	rm -f "$W/ports"
	life=$(awk -v w="$LAT_WARM" -v t="$LAT_WIN" 'BEGIN { print w + t + 2 }')
	case $relay in
	raw) taskset -c "$SUT_CPU" "$B/bench_raw" -n "$LAT_CALLS" -k "$LAT_SINK_PORT" -o "$W/ports" \
		-w 0 -T "$life" -c "$SUT_CPU" > "$W/sut.out" & ;;
	ktr) taskset -c "$SUT_CPU" "$B/bench_ktr" -m ktr -n "$LAT_CALLS" -g "$LAT_GEN_PORT" \
		-k "$LAT_SINK_PORT" -o "$W/ports" -w 0 -T "$life" -c "$SUT_CPU" > "$W/sut.out" & ;;
	transcrypt) taskset -c "$SUT_CPU" "$B/bench_ktr" -m xc -n "$LAT_CALLS" -g "$LAT_GEN_PORT" \
		-k "$LAT_SINK_PORT" -o "$W/ports" -w 0 -T "$life" -c "$SUT_CPU" > "$W/sut.out" & ;;
	esac
	sut=$!
	for _ in $(seq 600); do [ -f "$W/ports" ] && break; sleep 0.05; done
	key=A
	[ "$relay" = transcrypt ] && key=C
	t=$(lat_measure "$W" "$LAT_CALLS" "$rate" "$W/ports" "$LAT_GEN_PORT" "$LAT_SINK_PORT" -k "$key")
	wait "$sut" || true
	d=$(lat_direct "$W" "$LAT_CALLS" "$rate" "$LAT_GEN_PORT" "$LAT_SINK_PORT")
	lat_row "$relay" "$LAT_CALLS" "$rate" "$t" "$d"
done

{
	echo "## Latency added per packet (at half of saturation)"
	echo
	echo "At $LAT_CALLS calls and half of each relay's forwarding rate above (rtpengine: half its highest"
	echo "lossless rate), every packet sent in its own system call; send time taken just before it,"
	echo "receive time by the sink's kernel (SO_TIMESTAMPNS), joined by SSRC and sequence number (the"
	echo "packets themselves are not modified). \`direct\`: the same rate and streams from the"
	echo "generator straight to the sink, no relay; \`added\` = through-relay percentile minus the direct"
	echo "one (a difference of percentiles, not a percentile of differences). Packets sent in a ${LAT_WIN} s"
	echo "window after ${LAT_WARM} s."
	echo
	echo "| relay | calls | rate pps (achieved) | received/sent | p50 µs | p99 µs | direct p50 µs | direct p99 µs | **added p50 µs** | **added p99 µs** |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk -F, 'NR > 1 { printf "| %s | %s | %s (%s) | %s/%s | %s | %s | %s | %s | %s | %s |\n",
		$1, $2, $3, $4, $6, $5, $7, $9, $10, $11, $12, $13 }' "$OUT/latency.csv"
	echo
} > "$SECTIONS/30-latency.md"
echo "bench-latency: calls=$LAT_CALLS $(awk -F, 'NR > 1 && $12 != "" { printf "%sadded_p50_us_%s=%s", s, $1, $12; s = " " }' "$OUT/latency.csv")"

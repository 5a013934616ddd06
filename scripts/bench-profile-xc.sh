#!/bin/bash
# Where the fallback (transcrypting) relay spends its core, at each call
# count given (default "100 1000"): bench_ktr -m xc under `perf record -e
# cpu-clock` (software clock: hardware counters are not available on these
# machines), the same paced SRTP load as `make bench` (bench_gen -1, 50 kpps),
# then the shares by shared object and by symbol. An investigation aid for
# issue 6 (why the fallback collapses at 1000 calls), not part of make bench.
#
# Usage: BUILD=build scripts/bench-profile-xc.sh [CALLS...]
# Needs perf (Debian: linux-perf). Loopback only, relay on CPU 1, load on
# CPU 0, every process bounded in time; prints the reports to stdout.
set -euo pipefail
BUILD=${BUILD:-build}
cd "$(dirname "$0")/.."
B=$BUILD/bench
RATE=${XC_RATE:-50000}
SECS=${XC_SECS:-5.5}
GEN_PORT=${XC_GEN_PORT:-39101}
SINK_PORT=${XC_SINK_PORT:-39102}
command -v perf >/dev/null || { echo "profile: perf missing (apt-get install linux-perf)" >&2; exit 1; }
for t in bench_gen bench_sink bench_ktr; do
	[ -x "$B/$t" ] || { echo "profile: $B/$t missing (make bench-build)" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/ktrprof.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

[ $# -gt 0 ] || set -- 100 1000
for n in "$@"; do
	rm -f "$TMP/ports"
	taskset -c 1 perf record -q -e cpu-clock -F 2000 -o "$TMP/perf.$n" \
		"$B/bench_ktr" -m xc -n "$n" -g "$GEN_PORT" -k "$SINK_PORT" -o "$TMP/ports" \
		-w 1 -T 3 -c 1 > "$TMP/sut.out" 2> "$TMP/perf.err" &
	sut=$!
	taskset -c 0 "$B/bench_sink" -s "$SINK_PORT" -n "$n" -k C -t 60 > "$TMP/sink.out" &
	sink=$!
	for _ in $(seq 600); do [ -f "$TMP/ports" ] && break; sleep 0.05; done
	total=$(awk -v r="$RATE" -v s="$SECS" 'BEGIN { printf "%d", r * s * 1.05 }')
	taskset -c 0 "$B/bench_gen" -p "$TMP/ports" -s "$GEN_PORT" -t "$SECS" -1 -r "$RATE" \
		-P "$total" > "$TMP/gen.out"
	wait "$sut"
	wait "$sink" || true
	echo "=== transcrypt, $n calls"
	grep '^sut:' "$TMP/sut.out"
	cat "$TMP/sink.out"
	echo "--- by shared object"
	perf report -i "$TMP/perf.$n" --no-children --sort dso --stdio 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -10
	echo "--- by symbol (stripped NSS internals show as addresses)"
	perf report -i "$TMP/perf.$n" --no-children --sort dso,sym --stdio 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -15
done

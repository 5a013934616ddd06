#!/bin/bash
# Issue 6: the media relay against the practical limit (a raw
# recvmmsg/sendmmsg relay), against its own transcrypting fallback and
# against rtpengine transcrypting; the latency each adds. Loopback only; the
# relay under test on CPU 1, load generator and sink on CPU 0 (taskset).
# Bounded: every process has its own time bound; the whole run is cut at
# BENCH_LIMIT seconds (the issue's limit is 15 minutes).
#
# Tools (tests/bench/, built by `make bench-build`):
#   bench_gen  SRTP streams precomputed with libsrtp2, sent with UDP GSO;
#   bench_sink counts per stream, authenticates 1 packet in 1000;
#   bench_raw  the thinnest relay;  bench_ktr  src/relay driven directly;
#   bench_lat  per-packet latency from the generator's and sink's tables.
# Output: a table on the terminal and in bench/results.md, bench/results.csv
# (forwarding rates), bench/latency.csv, bench/rate.png (gnuplot), and as
# the last line
#   bench: ktr/raw=R1 ktr/transcrypt=R2 ktr/rtpengine=R3 instr_ktr=I1 instr_transcrypt=I2
#
# Section drivers: each part of the report that is not the forwarding rate
# or the instruction count is a script called below with one line,
# `section scripts/bench-NAME.sh`. Contract: it runs with this environment
# exported (BUILD, B = tools dir, OUT, TMP = scratch dir removed at the end,
# CSV = the forwarding-rate CSV, SECTIONS, CALLS, SUT_CPU, LOAD_CPU, WARM,
# WIN); it may append rows to $CSV (same columns) or write its own
# $OUT/NAME.csv; it writes its part of results.md as $SECTIONS/NN-NAME.md
# (a "## " heading, then text and tables; NN orders the parts: 10-19 this
# script's rate and instructions, 20 rtpengine, 30 latency, 40-89 free, 90
# the summary); it prints progress lines; it stops what it started, by PID;
# a failure is reported and the run goes on. results.md is the header plus
# $SECTIONS/*.md in name order.
set -euo pipefail

BUILD=${BUILD:-build}
cd "$(dirname "$0")/.."
B=$BUILD/bench
OUT=${BENCH_OUT:-bench}
CALLS=${BENCH_CALLS:-"1 100 1000"}
WARM=${BENCH_WARM:-1}       # seconds after the first forwarded packet
WIN=${BENCH_WIN:-3}         # measuring window
XC_RATE=${BENCH_XC_RATE:-80000} # offered pps for the transcrypting relay
CG_CALLS=${BENCH_CG_CALLS:-100}
GEN_PORT=39001
SINK_PORT=39002
SUT_CPU=1
LOAD_CPU=0

for t in bench_gen bench_sink bench_raw bench_ktr; do
	[ -x "$B/$t" ] || { echo "bench: $B/$t missing (make bench-build)" >&2; exit 1; }
done
command -v taskset >/dev/null || { echo "bench: taskset missing" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 CPUs" >&2; exit 1; }

LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
TMP=$(mktemp -d /tmp/ktrbench.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
# Whole-run bound (15 minutes is the issue's limit).
# Its own stderr goes nowhere: stopping its sleep at the end would print
# "Terminated"; its one message goes to ours (fd 3).
( sleep "${BENCH_LIMIT:-840}"; echo "bench: time limit reached" >&3; kill -TERM $$ ) 3>&2 2>/dev/null &
WATCHDOG=$!
PIDS="$WATCHDOG"

mkdir -p "$OUT"
CSV="$OUT/results.csv"
SECTIONS="$TMP/sections"
mkdir -p "$SECTIONS"
echo "relay,calls,fwd_pps,core_busy_pct,cpu_us_per_pkt,pps_at_100pct,offered_pps,sink_pkts,sink_samples,auth_ok,auth_fail" > "$CSV"
echo "relay,calls,rate_pps,offered_pps,sent,received,p50_us,p90_us,p99_us,direct_p50_us,direct_p99_us,added_p50_us,added_p99_us" > "$OUT/latency.csv"
export BUILD B OUT TMP CSV SECTIONS CALLS SUT_CPU LOAD_CPU WARM WIN
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

# section SCRIPT: one section driver (contract above); its failure is
# reported, not fatal.
section() {
	"$@" || echo "bench: $1 failed (status $?)" >&2
}

# run_one RELAY CALLS: one saturation measurement, appends to the CSV.
run_one() {
	local relay=$1 n=$2 key=A genopt="" gt sut
	rm -f "$TMP/ports"
	gt=$(awk -v w="$WARM" -v t="$WIN" 'BEGIN { print w + t + 1.5 }')
	case $relay in
	raw) taskset -c $SUT_CPU "$B/bench_raw" -n "$n" -k $SINK_PORT -o "$TMP/ports" \
		-w "$WARM" -T "$WIN" -c $SUT_CPU > "$TMP/sut.out" & ;;
	ktr) taskset -c $SUT_CPU "$B/bench_ktr" -m ktr -n "$n" -g $GEN_PORT -k $SINK_PORT \
		-o "$TMP/ports" -w "$WARM" -T "$WIN" -c $SUT_CPU > "$TMP/sut.out" & ;;
	transcrypt)
		key=C
		# A transcrypting relay checks replay: every packet once, paced.
		genopt="-1 -r $XC_RATE -P $(awk -v r="$XC_RATE" -v t="$gt" 'BEGIN { printf "%d", r * t * 1.05 }')"
		taskset -c $SUT_CPU "$B/bench_ktr" -m xc -n "$n" -g $GEN_PORT -k $SINK_PORT \
		-o "$TMP/ports" -w "$WARM" -T "$WIN" -c $SUT_CPU > "$TMP/sut.out" & ;;
	esac
	sut=$!
	PIDS="$PIDS $sut"
	taskset -c $LOAD_CPU "$B/bench_sink" -s $SINK_PORT -n "$n" -k $key -t 60 > "$TMP/sink.out" &
	local sink=$!
	PIDS="$PIDS $sink"
	for _ in $(seq 600); do [ -f "$TMP/ports" ] && break; sleep 0.05; done
	# shellcheck disable=SC2086
	taskset -c $LOAD_CPU "$B/bench_gen" -p "$TMP/ports" -s $GEN_PORT -t "$gt" $genopt > "$TMP/gen.out"
	wait $sut || { echo "bench: $relay/$n: relay failed" >&2; cat "$TMP/sut.out" >&2; return 1; }
	wait $sink || true
	local s g k pps busy offered
	s=$(grep '^sut:' "$TMP/sut.out")
	g=$(cat "$TMP/gen.out")
	k=$(cat "$TMP/sink.out")
	pps=$(echo "$s" | field fwd_pps)
	busy=$(echo "$s" | field core_busy_pct)
	offered=$(echo "$g" | field pps)
	echo "$relay,$n,$pps,$busy,$(awk -v p="$pps" -v b="$busy" 'BEGIN { printf "%.2f", (p > 0) ? b * 1e4 / p : 0 }'),$(awk -v p="$pps" -v b="$busy" 'BEGIN { printf "%.0f", (b > 0) ? p * 100 / b : 0 }'),$offered,$(echo "$k" | field pkts),$(echo "$k" | field samples),$(echo "$k" | field auth_ok),$(echo "$k" | field auth_fail)" >> "$CSV"
	printf '  %-10s %5s calls: %9s pps  core %5s%%  (offered %s pps; sink: %s)\n' \
		"$relay" "$n" "$pps" "$busy" "$offered" "$(echo "$k" | sed 's/^sink: //')"
	echo "$s" >> "$TMP/sut.all"
}

# callgrind RELAY: user-space instructions inside the forwarding function per
# packet forwarded (valgrind serialises threads; rate kept low on purpose).
cg_one() {
	local relay=$1 fn args key=A rate=20000 genopt="" sut
	rm -f "$TMP/ports" "$TMP/cg.out"
	case $relay in
	raw) fn=raw_fwd_batch; args="$B/bench_raw -n $CG_CALLS -k $SINK_PORT -o $TMP/ports -w 6 -T 1 -x 120" ;;
	ktr) fn=relay_fwd_batch; args="$B/bench_ktr -m ktr -n $CG_CALLS -g $GEN_PORT -k $SINK_PORT -o $TMP/ports -w 6 -T 1 -x 120" ;;
	transcrypt) fn=relay_fwd_batch; key=C; rate=4000; genopt="-1 -P 20000"
		args="$B/bench_ktr -m xc -n $CG_CALLS -g $GEN_PORT -k $SINK_PORT -o $TMP/ports -w 6 -T 1 -x 120" ;;
	esac
	# shellcheck disable=SC2086
	taskset -c $SUT_CPU valgrind --tool=callgrind --toggle-collect="$fn" \
		--callgrind-out-file="$TMP/cg.out" $args > "$TMP/cgsut.out" 2> "$TMP/cg.err" &
	sut=$!
	PIDS="$PIDS $sut"
	taskset -c $LOAD_CPU "$B/bench_sink" -s $SINK_PORT -n "$CG_CALLS" -k $key -t 60 > "$TMP/sink.out" &
	local sink=$!
	PIDS="$PIDS $sink"
	for _ in $(seq 1200); do [ -f "$TMP/ports" ] && break; sleep 0.05; done
	# shellcheck disable=SC2086
	taskset -c $LOAD_CPU "$B/bench_gen" -p "$TMP/ports" -s $GEN_PORT -t 4 -r $rate -g 4 $genopt > /dev/null
	wait $sut || { echo "bench: callgrind $relay failed" >&2; cat "$TMP/cg.err" >&2; return 1; }
	wait $sink || true
	local ir fwd
	ir=$(awk '/^(totals|summary):/ { print $2; exit }' "$TMP/cg.out")
	fwd=$(field fwd < <(grep '^sut_total:' "$TMP/cgsut.out"))
	cp "$TMP/cg.out" "$OUT/callgrind.$relay.out"
	awk -v i="$ir" -v f="$fwd" 'BEGIN { printf "%.0f", (f > 0) ? i / f : 0 }' > "$TMP/instr.$relay"
	printf '  %-10s %s instructions in %s / %s packets = %s per packet (sink: %s)\n' \
		"$relay" "$ir" "$fn" "$fwd" "$(cat "$TMP/instr.$relay")" "$(sed 's/^sink: //' "$TMP/sink.out")"
}

echo "bench: forwarding rate at saturation (relay on CPU $SUT_CPU; generator + sink on CPU $LOAD_CPU)"
for n in $CALLS; do
	for relay in raw ktr transcrypt; do
		run_one "$relay" "$n"
	done
done
section scripts/bench-rtpengine.sh

echo "bench: latency added per packet at half of saturation"
section scripts/bench-latency.sh

echo "bench: user-space instructions per forwarded packet (callgrind, $CG_CALLS calls)"
INSTR_OK=1
if command -v valgrind >/dev/null; then
	for relay in raw ktr transcrypt; do cg_one "$relay" || INSTR_OK=0; done
else
	INSTR_OK=0
	echo "bench: valgrind missing: no instruction counts" >&2
fi
instr() { if [ "$INSTR_OK" = 1 ] && [ -f "$TMP/instr.$1" ]; then cat "$TMP/instr.$1"; else echo n/a; fi; }

# Call setup rate, post-dial delay, memory per call (writes
# $OUT/results-calls.md); the in-kernel path in namespaces (issue 7, writes
# $OUT/offload.md and prints the bench-offload: line).
echo "bench: call setup rate, post-dial delay, memory per established call"
export BENCH_OUT="$OUT"
section scripts/bench-calls.sh
[ -s "$OUT/results-calls.md" ] && cp "$OUT/results-calls.md" "$SECTIONS/40-calls.md"
echo "bench: the in-kernel path (issue 7)"
section scripts/bench-offload.sh
[ -s "$OUT/offload.md" ] && sed '1s/^# /## /' "$OUT/offload.md" > "$SECTIONS/50-offload.md"

# --- report ------------------------------------------------------------------
val() { # val RELAY CALLS COLUMN
	awk -F, -v r="$1" -v n="$2" -v c="$3" 'NR > 1 && $1 == r && $2 == n { print $c }' "$CSV"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
LAST=$(echo "$CALLS" | awk '{ print $NF }')
R1=$(ratio "$(val ktr "$LAST" 3)" "$(val raw "$LAST" 3)")
R2=$(ratio "$(val ktr "$LAST" 3)" "$(val transcrypt "$LAST" 3)")
R3=$(ratio "$(val ktr "$LAST" 3)" "$(val rtpengine "$LAST" 3)")
N1=$(ratio "$(val ktr "$LAST" 6)" "$(val raw "$LAST" 6)")
N2=$(ratio "$(val ktr "$LAST" 6)" "$(val transcrypt "$LAST" 6)")
N3=$(ratio "$(val ktr "$LAST" 6)" "$(val rtpengine "$LAST" 6)")
FINAL="bench: ktr/raw=$R1 ktr/transcrypt=$R2 ktr/rtpengine=$R3 instr_ktr=$(instr ktr) instr_transcrypt=$(instr transcrypt)"

CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }
{
	echo "## Forwarding rate"
	echo
	echo "\`fwd pps\`: packets the relay sent on, measured by the relay (rtpengine: by the sink, at its"
	echo "highest lossless rate, see below). \`core busy\`: the relay's CPU from /proc/stat (user +"
	echo "system + softirq: on loopback the kernel's delivery work for the relay's sends is softirq time"
	echo "on that core). \`pps at 100 %\` = fwd pps / busy."
	echo
	echo "| relay | calls | fwd pps | core busy % | CPU µs/pkt | pps at 100 % | offered pps | auth ok/sampled |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	awk -F, 'NR > 1 { if ($3 == "") printf "| %s | %s | n/a | | | | | |\n", $1, $2;
		else printf "| %s | %s | %s | %s | %s | %s | %s | %s/%s |\n", $1, $2, $3, $4, $5, $6, $7, $10, $9 }' "$CSV"
	echo
} > "$SECTIONS/10-rate.md"
{
	echo "## User-space instructions per forwarded packet (callgrind)"
	echo
	echo "Collection toggled on the forwarding function (relay_fwd_batch for ktrsbc, raw_fwd_batch"
	echo "for the raw relay; callees included: libc wrappers, and for the fallback ksrtp/libsrtp2),"
	echo "divided by the packets forwarded; $CG_CALLS calls, 20 kpps offered (4 kpps transcrypting)."
	echo
	echo "| path | instructions/packet |"
	echo "|---|---:|"
	echo "| raw relay | $(instr raw) |"
	echo "| ktrsbc, KTR call (forward) | $(instr ktr) |"
	echo "| ktrsbc, fallback (transcrypt) | $(instr transcrypt) |"
	echo
} > "$SECTIONS/12-instr.md"
{
	echo "## At $LAST calls"
	echo
	echo "- ktr/raw = $R1 (target >= 0.90); normalised to a busy core: $N1"
	echo "- ktr/transcrypt = $R2; normalised: $N2"
	echo "- ktr/rtpengine = $R3 (target >= 4; rtpengine at its highest lossless rate); normalised: $N3"
	echo
	echo "$FINAL"
} > "$SECTIONS/90-summary.md"
{
	echo "# Relay benchmark (issue 6)"
	echo
	echo "Produced by \`make bench\` (scripts/bench.sh) on $(date -u +%Y-%m-%d)${BENCH_NOTE:+ — $BENCH_NOTE}."
	echo
	echo "- CPU: $CPU_MODEL, $(nproc) CPUs; kernel $(uname -r); load average before the run: $LOAD_BEFORE"
	echo "- ktrsbc $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)'); libsrtp2 $(ver libsrtp2-1); OpenSSL $(openssl version | awk '{ print $2 }'); $(cc --version | head -1); valgrind $(valgrind --version 2>/dev/null | sed 's/valgrind-//'); rtpengine $(ver rtpengine-daemon)"
	echo "- Loopback; relay under test pinned to CPU $SUT_CPU, load generator and sink to CPU $LOAD_CPU."
	echo "  Streams: SRTP (AES_CM_128_HMAC_SHA1_80) made by libsrtp2, 182-byte packets (G.711 20 ms),"
	echo "  increasing sequence numbers, sent with UDP GSO; one stream per call, in one direction."
	echo "  Window: ${WIN} s after ${WARM} s of warm-up. The sink authenticates 1 packet in 1000 with the"
	echo "  key it should carry (A untouched, C after ktrsbc's fallback, rtpengine's own key after it)."
	echo
	cat "$SECTIONS"/*.md
} > "$OUT/results.md.new"
mv "$OUT/results.md.new" "$OUT/results.md"

if command -v gnuplot >/dev/null; then
	for r in raw ktr transcrypt rtpengine; do
		awk -F, -v r="$r" 'NR > 1 && $1 == r && $3 != "" { print $2, $3 }' "$CSV" > "$TMP/$r.dat"
	done
	PLOT="'$TMP/raw.dat' using 1:2 with linespoints title 'raw recvmmsg/sendmmsg relay', \\
     '$TMP/ktr.dat' using 1:2 with linespoints title 'ktrsbc, KTR calls (forward)', \\
     '$TMP/transcrypt.dat' using 1:2 with linespoints title 'ktrsbc, fallback (transcrypt)'"
	[ -s "$TMP/rtpengine.dat" ] && PLOT="$PLOT, \\
     '$TMP/rtpengine.dat' using 1:2 with linespoints title 'rtpengine (transcrypt SDES-SDES)'"
	gnuplot <<EOF || echo "bench: gnuplot failed" >&2
set terminal png size 900,560
set output '$OUT/rate.png'
set title 'Forwarding rate, one relay core (loopback; rtpengine: highest lossless rate)'
set xlabel 'concurrent calls'
set ylabel 'packets per second forwarded'
set logscale x
set xrange [0.5:2000]
set yrange [0:*]
set key outside right
set grid
plot $PLOT
EOF
else
	echo "bench: gnuplot missing: no plot" >&2
fi

echo
cat "$SECTIONS/10-rate.md" "$SECTIONS/12-instr.md"
sed -n '/^| relay | calls | rate pps/,/^$/p' "$OUT/results.md"
pkill -P "$WATCHDOG" 2>/dev/null || true
kill "$WATCHDOG" 2>/dev/null || true
echo "$FINAL"

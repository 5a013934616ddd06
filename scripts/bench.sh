#!/bin/bash
# `make bench`: the media relay against the practical limit (a raw
# recvmmsg/sendmmsg relay), on calls set up through ktrsbc itself (KTR and
# fallback), against rtpengine transcrypting, on loopback and on a veth +
# network-namespace topology; latency, user-space instructions per
# forwarded packet, call set-up, memory per call, the in-kernel path.
#
# Time budget: BENCH_BUDGET seconds in all (default 900: 15 minutes), split
# into per-section limits (SHARE_* percentages below). A section that
# reaches its limit is stopped (its own processes, by PID, through its
# EXIT trap) and its summary line says `cut`; a section that would start
# with less than 20 s left is not started (`cut`, not run). Every section
# prints one summary line
#   bench-SECTION: key=value ...
# and the overall line is printed last, always:
#   bench: ktr/raw=R1 ktr/rtpengine=R2 fallback/rtpengine=R3 instr_ktr=I1 setup_cpu_ms=C kib_per_call=M
# R1: ktrsbc's relay on real KTR calls (bench-real, saturation, its own
# count) over the raw relay at the same call count (loopback); R2, R3: real
# KTR / fallback calls over rtpengine transcrypting, each at its highest
# lossless rate, on the veth topology in the same run (bench-veth; R2's KTR
# calls forwarded as ktrsbc ships, offload = auto: in the kernel there,
# where rtpengine's own kernel module cannot load; the userspace-only
# ratio is on the bench-veth line as ktr_user/rtpengine); I1:
# instructions per forwarded packet on real KTR calls (bench-real); C:
# ktrsbc's own CPU ms per call set-up (bench-calls); M: KiB per established
# call (bench-calls). n/a where a section was cut or could not run.
#
# Sections (in order): rate (loopback: raw relay, and src/relay driven
# directly by bench_ktr, a secondary figure: no DTLS, no real call state),
# real (scripts/bench-real.sh), rtpengine (loopback), latency (loopback,
# bench_ktr), instr (callgrind on bench_raw / bench_ktr), veth
# (scripts/bench-veth.sh), av (scripts/bench-av.sh: audio + video calls),
# calls (scripts/bench-calls.sh), offload (scripts/bench-offload.sh).
# BENCH_ONLY="NAME ..." runs only those sections (the others say
# "skipped"), with the same shares: to time or check one section alone.
# Tools (tests/bench/, built by `make bench-build`):
#   bench_gen  SRTP streams precomputed with libsrtp2, sent with UDP GSO
#              (loopback) or one frame per packet (veth);
#   bench_sink counts per stream, authenticates 1 packet in 1000;
#   bench_raw  the thinnest relay;  bench_ktr  src/relay driven directly;
#   bench_lat  per-packet latency from the generator's and sink's tables.
# Output: the terminal, bench/results.md, bench/results.csv (forwarding
# rates), bench/latency.csv, bench/veth.csv, bench/rate.png (gnuplot).
#
# Section drivers: a script called with `section NAME SHARE scripts/X.sh`.
# Contract: it runs with this environment exported (BUILD, B = tools dir,
# OUT, TMP = scratch dir removed at the end, CSV = the forwarding-rate CSV,
# SECTIONS, CALLS, SUT_CPU, LOAD_CPU, WARM, WIN, SECTION_LIMIT = its
# seconds); it may append rows to $CSV (same columns) or write its own
# $OUT/NAME.csv; it writes its part of results.md as $SECTIONS/NN-NAME.md
# (a "## " heading, then text and tables; NN orders the parts); it prints
# progress lines and its `bench-NAME:` line; it stops what it started, by
# PID; a failure is reported and the run goes on. results.md is the header
# plus $SECTIONS/*.md in name order.
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
BUDGET=${BENCH_BUDGET:-900}
REAL_CALLS=${REAL_CALLS:-100}
# Shares of the budget, in percent (the rest is the report's margin), from
# each section timed alone (BENCH_ONLY) on this machine's kind (2 vCPU,
# 2026-12-07, while 5 builds ran on it) with the settings below: rate 45 s,
# real 226 s, rtpengine 35 s, latency 36 s, instr 28 s, veth 282 s, av
# 36 s, calls 109 s, offload 49 s (about 850 s of 900). A section's
# deadline is cumulative (limit_of): what one leaves unused, the next ones
# may use.
SHARE_RATE=${SHARE_RATE:-5}
SHARE_REAL=${SHARE_REAL:-26}
SHARE_RTPENGINE=${SHARE_RTPENGINE:-4}
SHARE_LATENCY=${SHARE_LATENCY:-4}
SHARE_INSTR=${SHARE_INSTR:-3}
SHARE_VETH=${SHARE_VETH:-32}
SHARE_AV=${SHARE_AV:-5}
SHARE_CALLS=${SHARE_CALLS:-13}
SHARE_OFFLOAD=${SHARE_OFFLOAD:-6}
# What the default shares need (the scripts' own defaults serve a section
# run alone): the searches' first rates and trials, loopback rtpengine at
# REAL_CALLS only (a secondary table now: R2, R3 come from veth), a 2 s
# window on veth, two trials of bench-av's search.
export REAL_START=${REAL_START:-80000} RTPE_TRIALS=${RTPE_TRIALS:-4} RTPE_START=${RTPE_START:-40000}
export VETH_TRIALS=${VETH_TRIALS:-4} VETH_START=${VETH_START:-80000} VETH_WIN=${VETH_WIN:-2}
export AV_TRIALS=${AV_TRIALS:-2}
RTPE_CALLS=${RTPE_CALLS:-$REAL_CALLS}
ONLY=${BENCH_ONLY:-}
# only NAME: whether section NAME runs (BENCH_ONLY); a skipped one says so.
only() {
	case " ${ONLY:-$1} " in *" $1 "*) return 0 ;; esac
	ORDER="$ORDER $1"
	echo "bench-$1: skipped (BENCH_ONLY)" | tee "$TMP/line.$1"
	return 1
}

for t in bench_gen bench_sink bench_raw bench_ktr; do
	[ -x "$B/$t" ] || { echo "bench: $B/$t missing (make bench-build)" >&2; exit 1; }
done
command -v taskset >/dev/null || { echo "bench: taskset missing" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 CPUs" >&2; exit 1; }

LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
# The code measured: read before the run writes its own results into bench/
# (those are not changes to what was measured).
REV=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
git diff --quiet -- . ':!bench' 2>/dev/null || REV="$REV (with uncommitted changes)"
TMP=$(mktemp -d /tmp/ktrbench.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
T_START=$(date +%s)
ORDER="" # the sections' names in the order they ran (their lines, in the report)
left() { echo $((BUDGET - ($(date +%s) - T_START))); }
# limit_of SHARE: the section's seconds: up to its deadline, the budget's
# share of every section so far and this one (CUM + SHARE percent from the
# start), so the time a section leaves unused goes to the next ones; never
# beyond what the budget has left (less a margin for the report). take
# SHARE adds a section's share to CUM once it has started.
CUM=0
limit_of() {
	local l r
	l=$((T_START + BUDGET * (CUM + $1) / 100 - $(date +%s)))
	r=$(($(left) - 10))
	[ "$r" -lt "$l" ] && l=$r
	echo "$l"
}
take() { CUM=$((CUM + $1)); }
mkdir -p "$OUT"
CSV="$OUT/results.csv"
SECTIONS="$TMP/sections"
mkdir -p "$SECTIONS"
echo "relay,calls,fwd_pps,core_busy_pct,cpu_us_per_pkt,pps_at_100pct,offered_pps,sink_pkts,sink_samples,auth_ok,auth_fail" > "$CSV"
echo "relay,calls,rate_pps,offered_pps,sent,received,p50_us,p90_us,p99_us,direct_p50_us,direct_p99_us,added_p50_us,added_p99_us" > "$OUT/latency.csv"
export BUILD B OUT TMP CSV SECTIONS CALLS SUT_CPU LOAD_CPU WARM WIN
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

# section NAME SHARE COMMAND...: one section driver (contract above), cut
# at its limit; its `bench-NAME:` line is kept in $TMP/line.NAME (a cut or
# failed section gets one saying so). Its failure is reported, not fatal.
section() {
	local name=$1 lim rc=0 t0
	only "$name" || { take "$2"; return 0; }
	t0=$(date +%s)
	lim=$(limit_of "$2")
	take "$2"
	shift 2
	ORDER="$ORDER $name"
	if [ "$lim" -lt 20 ]; then
		echo "bench-$name: cut (not started: ${lim} s left for it, under 20)" | tee "$TMP/line.$name"
		return 0
	fi
	{ SECTION_LIMIT=$lim timeout -k 10 "$lim" "$@"; echo $? > "$TMP/rc.$name"; } 2>&1 |
		tee "$TMP/out.$name" || true
	rc=$(cat "$TMP/rc.$name" 2>/dev/null || echo 1)
	# The summary (key=value, or cut), not a progress line of the section.
	grep -aE "^bench-$name: ([^ ]+=|cut)" "$TMP/out.$name" | tail -1 > "$TMP/line.$name" || true
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then # 137: killed after the grace
		echo "bench-$name: cut (limit ${lim} s reached)" | tee "$TMP/line.$name"
	elif [ ! -s "$TMP/line.$name" ]; then
		echo "bench-$name: cut (failed, status $rc)" | tee "$TMP/line.$name"
	fi
	echo "bench: section $name took $(($(date +%s) - t0)) s of its ${lim} s"
}
# lineval NAME KEY: KEY's value on section NAME's line (n/a if none).
lineval() {
	local v
	v=$(sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$TMP/line.$1" 2>/dev/null | head -1)
	echo "${v:-n/a}"
}
export SECTION_LIMIT REAL_CALLS

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

# --- rate (loopback) ----------------------------------------------------------
RATE_CUT=""
rv() { awk -F, -v r="$1" -v n="$2" 'NR > 1 && $1 == r && $2 == n && $3 != "" { print $3 }' "$CSV"; }
# bench_ktr (src/relay driven directly, a secondary figure) at these call
# counts only; the raw relay at every count of CALLS.
DIRECT_CALLS=${BENCH_DIRECT_CALLS:-$REAL_CALLS}
if only rate; then
echo "bench: forwarding rate at saturation, loopback (relay on CPU $SUT_CPU; generator + sink on CPU $LOAD_CPU)"
echo "  (ktr/transcrypt rows: src/relay driven directly by bench_ktr, no DTLS: a secondary figure; at $DIRECT_CALLS calls)"
T1=$(date +%s)
D=$((T1 + $(limit_of "$SHARE_RATE")))
for n in $CALLS; do
	for relay in raw ktr transcrypt; do
		[ "$relay" = raw ] || [[ " $DIRECT_CALLS " == *" $n "* ]] || continue
		if [ "$(date +%s)" -ge "$D" ]; then RATE_CUT=" cut"; break 2; fi
		run_one "$relay" "$n" || true
	done
done
ORDER="$ORDER rate"
echo "bench-rate: calls=$REAL_CALLS raw_pps=$(rv raw "$REAL_CALLS") ktr_direct_pps=$(rv ktr "$REAL_CALLS") transcrypt_direct_pps=$(rv transcrypt "$REAL_CALLS")$RATE_CUT" | tee "$TMP/line.rate"
echo "bench: section rate took $(($(date +%s) - T1)) s"
fi
take "$SHARE_RATE"

# --- real calls (loopback) ------------------------------------------------------
echo "bench: real calls through ktrsbc (SIPp + ktrua set up, generator and sink take over)"
section real "$SHARE_REAL" env REAL_LIMIT=$(( $(limit_of "$SHARE_REAL") - 30 )) scripts/bench-real.sh

# --- rtpengine (loopback) ---------------------------------------------------------
section rtpengine "$SHARE_RTPENGINE" env CALLS="$RTPE_CALLS" scripts/bench-rtpengine.sh

echo "bench: latency added per packet at half of saturation (loopback, bench_ktr)"
section latency "$SHARE_LATENCY" scripts/bench-latency.sh

instr() { if [ -f "$TMP/instr.$1" ]; then cat "$TMP/instr.$1"; else echo n/a; fi; }
if only instr; then
echo "bench: user-space instructions per forwarded packet (callgrind, $CG_CALLS calls; bench_raw and bench_ktr)"
INSTR_OK=1
T1=$(date +%s)
D=$((T1 + $(limit_of "$SHARE_INSTR")))
if command -v valgrind >/dev/null; then
	for relay in raw ktr transcrypt; do
		if [ "$(date +%s)" -ge "$D" ]; then INSTR_OK=0; break; fi
		cg_one "$relay" || INSTR_OK=0
	done
else
	INSTR_OK=0
	echo "bench: valgrind missing: no instruction counts" >&2
fi
ORDER="$ORDER instr"
echo "bench-instr: raw=$(instr raw) ktr_direct=$(instr ktr) transcrypt_direct=$(instr transcrypt)$([ "$INSTR_OK" = 1 ] || echo " cut")" | tee "$TMP/line.instr"
echo "bench: section instr took $(($(date +%s) - T1)) s"
fi
take "$SHARE_INSTR"

# --- one topology for every relay (veth + namespaces) ---------------------------
echo "bench: every relay on the veth + network-namespace topology"
section veth "$SHARE_VETH" scripts/bench-veth.sh
[ -s "$OUT/veth.md" ] && cp "$OUT/veth.md" "$SECTIONS/17-veth.md"
echo "bench: audio + video calls (issue 14), veth topology"
section av "$SHARE_AV" scripts/bench-av.sh
[ -s "$OUT/av.md" ] && cp "$OUT/av.md" "$SECTIONS/18-av.md"

# Call setup rate, post-dial delay, memory per call (writes
# $OUT/results-calls.md); the in-kernel path in namespaces (issue 7, writes
# $OUT/offload.md and prints the bench-offload: line).
echo "bench: call setup rate, post-dial delay, memory per established call"
export BENCH_OUT="$OUT"
section calls "$SHARE_CALLS" scripts/bench-calls.sh
[ -s "$OUT/results-calls.md" ] && cp "$OUT/results-calls.md" "$SECTIONS/40-calls.md"
echo "bench: the in-kernel path (issue 7)"
section offload "$SHARE_OFFLOAD" scripts/bench-offload.sh
[ -s "$OUT/offload.md" ] && sed '1s/^# /## /' "$OUT/offload.md" > "$SECTIONS/50-offload.md"

# --- report ------------------------------------------------------------------
val() { # val RELAY CALLS COLUMN
	awk -F, -v r="$1" -v n="$2" -v c="$3" 'NR > 1 && $1 == r && $2 == n { print $c }' "$CSV"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
# veth RELAY: its highest lossless rate on the veth topology ($OUT/veth.csv).
veth() { awk -F, -v r="$1" 'NR > 1 && $1 == r && $4 == "lossless" { print $3; exit }' "$OUT/veth.csv" 2>/dev/null; }
R1=$(ratio "$(val ktr-real-sat "$REAL_CALLS" 3)" "$(val raw "$REAL_CALLS" 3)")
# R2: KTR calls forwarded as ktrsbc ships them (offload = auto: the tc eBPF
# path on the veth topology), as scripts/bench-veth.sh reports it.
R2=$(ratio "$(veth ktr-kernel)" "$(veth rtpengine)")
R3=$(ratio "$(veth fallback)" "$(veth rtpengine)")
FINAL="bench: ktr/raw=$R1 ktr/rtpengine=$R2 fallback/rtpengine=$R3 instr_ktr=$(lineval real instr_ktr) setup_cpu_ms=$(lineval calls setup_cpu_ms) kib_per_call=$(lineval calls kib_per_call)"

CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }
{
	echo "## Forwarding rate, loopback"
	echo
	echo "\`fwd pps\`: packets the relay sent on, measured by the relay (rtpengine: by the sink, at its"
	echo "highest lossless rate, see below). \`core busy\`: the relay's CPU from /proc/stat (user +"
	echo "system + softirq: on loopback the kernel's delivery work for the relay's sends is softirq time"
	echo "on that core). \`pps at 100 %\` = fwd pps / busy. Rows \`ktr\` and \`transcrypt\`: src/relay"
	echo "driven directly by bench_ktr, without DTLS, KTR or SIP (no RELAY_F_TRACK, no held first"
	echo "packet): a secondary figure, not the path of a real call. \`ktr-real*\`, \`fallback-real*\`:"
	echo "calls set up through ktrsbc (section \"Real calls\"; \`-sat\`: at saturation, the relay's count;"
	echo "without: highest lossless rate, the sink's count)."
	echo
	echo "| relay | calls | fwd pps | core busy % | CPU µs/pkt | pps at 100 % | offered pps | auth ok/sampled |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	awk -F, 'NR > 1 { if ($3 == "") printf "| %s | %s | n/a | | | | | |\n", $1, $2;
		else printf "| %s | %s | %s | %s | %s | %s | %s | %s/%s |\n", $1, $2, $3, $4, $5, $6, $7, $10, $9 }' "$CSV"
	echo
} > "$SECTIONS/10-rate.md"
{
	echo "## User-space instructions per forwarded packet, relay driven directly (callgrind)"
	echo
	echo "Secondary figures (real calls: section \"Real calls\"). Collection toggled on the forwarding"
	echo "function (relay_fwd_batch for src/relay in bench_ktr, raw_fwd_batch for the raw relay;"
	echo "callees included), divided by the packets forwarded; $CG_CALLS calls, 20 kpps offered (4 kpps"
	echo "transcrypting)."
	echo
	echo "| path | instructions/packet |"
	echo "|---|---:|"
	echo "| raw relay | $(instr raw) |"
	echo "| src/relay forwarding, driven directly (bench_ktr) | $(instr ktr) |"
	echo "| src/relay transcrypting, driven directly (bench_ktr) | $(instr transcrypt) |"
	echo
} > "$SECTIONS/12-instr.md"
{
	echo "## Summary"
	echo
	echo "Targets: ktr/raw >= 0.90 on real calls, ktr/rtpengine >= 4 and fallback/rtpengine >= 2"
	echo "(veth topology, highest lossless rates), instr_ktr <= 150; offload/raw >= 2.5,"
	echo "µs_per_pkt <= 0.8."
	echo
	echo '```'
	for x in $ORDER; do cat "$TMP/line.$x" 2>/dev/null; done
	echo "$FINAL"
	echo '```'
} > "$SECTIONS/90-summary.md"
{
	echo "# Relay benchmark"
	echo
	echo "Produced by \`make bench\` (scripts/bench.sh, BENCH_BUDGET=$BUDGET s) on $(date -u +%Y-%m-%d)${BENCH_NOTE:+ — $BENCH_NOTE}."
	echo
	echo "- CPU: $CPU_MODEL, $(nproc) CPUs; kernel $(uname -r); load average before the run: $LOAD_BEFORE, after: $(cut -d" " -f1-3 /proc/loadavg)"
	echo "- ktrsbc $REV; libsrtp2 $(ver libsrtp2-1); OpenSSL $(openssl version | awk '{ print $2 }'); $(cc --version | head -1); valgrind $(valgrind --version 2>/dev/null | sed 's/valgrind-//'); rtpengine $(ver rtpengine-daemon); SIPp $(sipp -v 2>/dev/null | grep -o 'v[0-9][0-9.]*[0-9]' | head -1)"
	echo "- Relay under test pinned to CPU $SUT_CPU, load generator and sink to CPU $LOAD_CPU."
	echo "  Streams: SRTP (AES_CM_128_HMAC_SHA1_80) made by libsrtp2, 182-byte packets (G.711 20 ms),"
	echo "  increasing sequence numbers; one stream per call, in one direction (SDES side to DTLS"
	echo "  side). Window: ${WIN} s after ${WARM} s of warm-up. The sink authenticates 1 packet in 1000"
	echo "  with the key it should carry."
	echo
	cat "$SECTIONS"/*.md
} > "$OUT/results.md.new"
mv "$OUT/results.md.new" "$OUT/results.md"

if command -v gnuplot >/dev/null; then
	for r in raw ktr transcrypt rtpengine ktr-real-sat fallback-real-sat; do
		awk -F, -v r="$r" 'NR > 1 && $1 == r && $3 != "" { print $2, $3 }' "$CSV" > "$TMP/$r.dat"
	done
	PLOT=""
	for x in "raw:raw relay" "ktr-real-sat:ktrsbc, real KTR calls" \
		"fallback-real-sat:ktrsbc, real fallback calls" \
		"rtpengine:rtpengine transcrypting (highest lossless)" \
		"ktr:src/relay forwarding, direct (no DTLS)" "transcrypt:src/relay transcrypting, direct (paced)"; do
		f=${x%%:*}
		[ -s "$TMP/$f.dat" ] || continue
		# Secondary figures (src/relay driven directly) dashed.
		case $f in ktr | transcrypt) st="dt 2 lw 1.5 pt 6" ;; *) st="lw 2 pt 7" ;; esac
		PLOT="$PLOT${PLOT:+, }'$TMP/$f.dat' using 1:2 with linespoints $st title '${x#*:}'"
	done
	[ -z "$PLOT" ] || gnuplot <<EOF || echo "bench: gnuplot failed" >&2
set terminal pngcairo size 1000,680 font ",11" noenhanced
set output '$OUT/rate.png'
set title 'Packets forwarded per second, one relay core (loopback; dashed: no DTLS, secondary)'
set xlabel 'concurrent calls (one stream each)'
set ylabel 'packets/s'
set logscale x
set xrange [0.7:1500]
set yrange [0:*]
set format y '%.0s%c'
set key outside below center horizontal maxrows 3 Left reverse font ",10" samplen 2 width 1
set grid
plot $PLOT
EOF
else
	echo "bench: gnuplot missing: no plot" >&2
fi

echo
cat "$SECTIONS/10-rate.md"
for x in $ORDER; do cat "$TMP/line.$x" 2>/dev/null; done | sed 's/^/  /'
echo "$FINAL"

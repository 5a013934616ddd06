#!/bin/bash
# Issue 13, item 1: the relay measured on calls set up through ktrsbc
# itself, as a real call sets them up, not on src/relay driven directly.
#
# Per trial, fresh processes and fresh calls (a transcrypting relay checks
# replay, so a stream never restarts on the same call):
#  1. ktrsbc (its own conf copy: one relay worker, room for the calls) on
#     CPU $SUT_CPU, alone.
#  2. The DTLS side: build/ktrua --dtls --ktr (KTR calls) or --dtls without
#     --ktr (fallback calls: the relay transcrypts) answers on the carrier
#     trunk: a full DTLS 1.2 handshake per call with the relay, and for KTR
#     the key transport; with --no-media-tx it sends no media, and with
#     --handoff it notes each call's port, the relay's port and the key it
#     receives with once the call's first RTP packet authenticated.
#  3. The SDES side: SIPp (tests/bench/media_uac.xml) places the calls on
#     the pbx trunk; its SDP names, per call, the port the generator sends
#     that stream from and the stream's key A(i) (an injection file). SIPp
#     sends no media.
#  4. bench_gen sends each stream's first packet alone (-W prelude), from
#     the SDP's port to the port ktrsbc's answer named. That is the state of
#     a live call: ktrsbc holds the SDES UA's media until its first packet
#     and, on a KTR call, until the DTLS UA acknowledged new_srtp_key for
#     that packet's SSRC and index (RELAY_F_TRACK on the leg, the
#     announcement, the acknowledgement, the window closed); on a fallback
#     call the relay transcrypts. ktrua, alive as the DTLS endpoint,
#     acknowledges the key and authenticates that first packet.
#  5. Once every call's first packet reached ktrua (its hand-off file has a
#     line per call), bench_sink takes the ports over: per call a socket
#     with SO_REUSEPORT on ktrua's own media port, connected to the relay's
#     port of that leg; the kernel delivers to the connected socket, so the
#     relay keeps sending exactly where the SDP told it to, to the same
#     address, and the sink (not ktrua, which would authenticate every
#     packet with libsrtp2 and be the bottleneck) receives. ktrua stays up
#     as the calls' SIP and DTLS endpoint. Nothing in ktrsbc is told that
#     this is a benchmark.
#  6. bench_gen's load (after the hand-off), measured over WIN seconds
#     after WARM: the relay's own count (ktrsbc-ctl stats, packets_relayed),
#     ktrsbc's CPU (/proc/PID/stat) and the relay core's busy share
#     (/proc/stat), what the sink received and authenticated (1 in 1000,
#     with the key ktrua received with; and with A, which must authenticate
#     on KTR calls and must not on fallback calls).
#
# Per mode (ktr, fallback) at REAL_CALLS calls: the highest lossless rate
# (bounded search, as scripts/bench-rtpengine.sh does for rtpengine: every
# packet sent reached the sink, none failed authentication), the rate at
# saturation (the generator as fast as it goes), user-space instructions
# per forwarded packet (ktrsbc under callgrind, collection toggled on
# relay_fwd_batch, REAL_CG_CALLS calls at a low rate), and the latency the
# relay adds at half the highest lossless rate (bench_lat, as
# scripts/bench-latency.sh). Loopback only; every process bounded by
# timeout(1) or its own limit and stopped by PID; the section stops
# starting trials at REAL_LIMIT seconds (then it says "cut").
#
# A section driver of scripts/bench.sh (contract there): appends rows
# ktr-real and fallback-real to $CSV, writes $SECTIONS/15-real.md, and prints
#   bench-real: calls=N ktr_lossless_pps=.. ktr_sat_pps=.. fallback_lossless_pps=..
#     fallback_sat_pps=.. instr_ktr=.. instr_fallback=.. ktr_p50_us=.. ...
# Runs by itself too (after `make all bench-build`), as root.
set -uo pipefail

BUILD=${BUILD:-build}
cd "$(dirname "$0")/.." || exit 1
B=${B:-$BUILD/bench}
OUT=${OUT:-${BENCH_OUT:-bench}}
SBC=$PWD/$BUILD/ktrsbc
UA=$PWD/$BUILD/ktrua
CTL=$PWD/$BUILD/ktrsbc-ctl
XML=$PWD/tests/bench/media_uac.xml
# REAL_AV=1 (bench-av, issue 14): calls of an audio and a video stream
# (tests/bench/media_uac_av.xml; ktrua answers both m-lines, each its own
# DTLS association and KTR); streams 2c (audio, 182-byte packets) and 2c+1
# (video, 1,200 bytes, 3 per audio packet: bench_gen -V, bench_sink -V);
# ktrsbc's VmRSS is read before the calls and once every stream's first
# packet went through (KiB per call, as bench-calls measures it).
AV=${REAL_AV:-}
SPC=1 # streams per call
[ -n "$AV" ] && { XML=$PWD/tests/bench/media_uac_av.xml; SPC=2; }
N=${REAL_CALLS:-100}
MODES=${REAL_MODES:-"ktr fallback"}
WARM=${WARM:-1}
WIN=${WIN:-3}
TRIALS=${REAL_TRIALS:-4}
START=${REAL_START:-40000}
START_KERNEL=${REAL_START_KERNEL:-$((START * 2))} # mode ktr-kernel
MAXR=${REAL_MAX:-400000}
SAT_CAP=${REAL_SAT_CAP:-150000} # once mode at saturation: packets/s precomputed
CG_CALLS=${REAL_CG_CALLS:-20}
CG_MODES=${REAL_CG_MODES:-ktr fallback} # callgrind trials (I1 is the KTR figure)
CG_RATE=${REAL_CG_RATE:-20000}
SETUP_CPS=${REAL_SETUP_CPS:-100}
LIMIT=${REAL_LIMIT:-300}
SUT_CPU=${SUT_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
PARTS=${REAL_PARTS:-"lossless sat lat cg"}
# Topology: loopback by default; scripts/bench-veth.sh sets the namespaces
# (REAL_NS_A: SIPp and the generator, REAL_NS_S: ktrsbc, REAL_NS_B: ktrua
# and the sink) and their addresses, REAL_SEGS=1 (one frame per packet).
NS_A=${REAL_NS_A:-}
NS_S=${REAL_NS_S:-}
NS_B=${REAL_NS_B:-}
ADDR_A=${REAL_ADDR_A:-127.0.0.1}
ADDR_S=${REAL_ADDR_S:-127.0.0.1}
ADDR_B=${REAL_ADDR_B:-127.0.0.1}
SEGS=${REAL_SEGS:-}
OFFLOAD=${REAL_OFFLOAD:-off} # ktrsbc's offload for modes other than ktr-kernel
# The veth topology's generator and thinning sink (scripts/bench-veth.sh):
# REAL_GENOPT is added to bench_gen's options (-I ka -M MAC: frames through
# AF_PACKET); REAL_DROPS, a command whose output's "dropped N," counts the
# RTP packets B's filter dropped (they reached B; the sink sees 1 in 64):
# then received = the sink's count + the drops, the sink authenticates 1
# in 16 of what it sees, and a trial's rate is what the generator sent
# per second.
GENOPT_X=${REAL_GENOPT:-}
DROPS_CMD=${REAL_DROPS:-}
drops() { [ -n "$DROPS_CMD" ] && $DROPS_CMD | awk '/dropped/ { sub(",", "", $7); print $7; exit }' || echo 0; }
# ns_cmd NS: the words that run a command in NS ("" for this namespace).
ns_cmd() { [ -n "$1" ] && echo "ip netns exec $1"; }
in_ns() { local ns=$1; shift; if [ -n "$ns" ]; then ip netns exec "$ns" "$@"; else "$@"; fi; }
# nwait NS PORT: until a UDP socket listens on PORT in NS (5 s at most).
nwait() {
	for _ in $(seq 100); do
		in_ns "$1" ss -Hlun 2>/dev/null | awk '{ print $4 }' | grep -q ":$2\$" && return 0
		sleep 0.05
	done
	return 1
}
T0=$(date +%s)
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

missing=""
for b in "$SBC" "$UA" "$CTL" "$B/bench_gen" "$B/bench_sink" "$B/bench_lat"; do
	[ -x "$b" ] || missing="$missing $b"
done
for t in sipp taskset timeout ss python3; do
	command -v $t >/dev/null 2>&1 || missing="$missing $t"
done
[ "$N" -le 2000 ] && [ "$CG_CALLS" -le 2000 ] || missing="$missing REAL_CALLS,REAL_CG_CALLS<=2000"
if [ -n "$missing" ]; then
	echo "bench-real: cut (missing:$missing)"
	exit 0
fi

tmp=$(mktemp -d /tmp/ktrbench-real.XXXXXX)
# pids/spid/cleanup (kills only what we started), sbc_conf, wait_port.
. tests/integ/lib/sbc.sh
trap 'set +e; cleanup' EXIT INT TERM HUP PIPE
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

P=$((64850 + ($$ % 60) * 10))
SBC_SIP=$P
PBX=$((P + 2))
CARRIER=$((P + 4))
# Media ports below the ephemeral range (32768..) and the tests' ports
# (35000..62000): another engineer's test on a shared machine must not
# hold one of them.
SRC_BASE=20000            # bench_gen's source ports (the SDES SDP's ports)
UA_MEDIA=22000-23999
SBC_MEDIA="24000 28799"    # ktrsbc's relay ports (4 per call)
GEN_PORT_DIRECT=64840      # latency baseline (generator straight to sink)
SINK_PORT_DIRECT=64842
TCK=$(getconf CLK_TCK)
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
core_ticks() {
	awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}
now_ms() { date +%s%3N; }
jget() { python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1" 2>/dev/null; }
over() { [ $(($(date +%s) - T0)) -ge "$LIMIT" ]; }
CUT=""

# The injection file: line i = stream i's source port; base64 of A(i)
# (bench_common.h's bench_key: byte j = 'A' * 131 + i * 31 + j * 7 + 1).
# With REAL_AV, "APORT;AKEY;VPORT;VKEY": streams 2i and 2i+1.
python3 - "$((N > CG_CALLS ? N : CG_CALLS))" "$SRC_BASE" "$SPC" >"$tmp/inject.csv" <<'PY'
import base64, sys
n, base, spc = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print("SEQUENTIAL")
for c in range(n):
    f = []
    for i in range(c * spc, c * spc + spc):
        ks = bytes((ord("A") * 131 + i * 31 + j * 7 + 1) & 0xFF for j in range(30))
        f += ["%d" % (base + i), base64.b64encode(ks).decode()]
    print(";".join(f))
PY

# trial MODE RATE NAME [CALLS] [cg]: one trial on fresh calls; RATE 0 =
# as fast as the generator goes. Writes $tmp/NAME/result:
# "sent received relay_pps sink_window_pps busy sbc_cpu samples ok fail orig calls_up crypto_ops
# calls_offloaded"
trial() {
	local mode=$1 rate=$2 name=$3 n=${4:-$N} cg=${5:-} d=$tmp/$3 ktr="" sp up secs total
	local genopt="" offload=$OFFLOAD ns=$((${4:-$N} * SPC)) rss0
	mkdir -p "$d"
	case $mode in ktr*) ktr=--ktr ;; esac
	[ "$mode" = ktr-kernel ] && offload=auto
	# shellcheck disable=SC2086
	sbc_conf "$d/conf" "$SBC_SIP" "$PBX" "$CARRIER" $SBC_MEDIA
	sed -i -e 's/^relay_workers *=.*/relay_workers = 1/' \
		-e 's/^max_calls *=.*/max_calls = 4000/' -e "s/^offload *=.*/offload = $offload/" \
		-e "s/^media_address *=.*/media_address = $ADDR_S/" \
		-e "s/^sip_listen *=.*/sip_listen = udp:$ADDR_S:$SBC_SIP/" "$d/conf/ktrsbc.conf"
	sed -i -e "s/^peer *= *127.0.0.1:/peer = $ADDR_A:/" \
		-e "s/^match_source *= *\^127\\\\.0\\\\.0\\\\.1:/match_source = ^${ADDR_A//./\\\\.}:/" "$d/conf/trunks/pbx.conf"
	sed -i -e "s/^peer *= *127.0.0.1:/peer = $ADDR_B:/" \
		-e "s/^match_source *= *\^127\\\\.0\\\\.0\\\\.1:/match_source = ^${ADDR_B//./\\\\.}:/" "$d/conf/trunks/carrier.conf"
	conf=$d/conf
	local uaconf="" hwait=300 cps=$SETUP_CPS
	if [ -n "$cg" ]; then
		# Under callgrind ktrsbc runs tens of times slower: its KTR and
		# DTLS timers, and ktrua's (-c: the same file), are stretched so
		# that a slow answer is not taken for a lost one (the KTR
		# retransmissions would pile up and the calls fail before their
		# first packet), and the first packets get two minutes.
		sed -i -e 's/^ktr_retransmit_initial_ms *=.*/ktr_retransmit_initial_ms = 3000/' \
			-e 's/^ktr_retransmit_max_ms *=.*/ktr_retransmit_max_ms = 20000/' \
			-e 's/^ktr_retransmit_limit *=.*/ktr_retransmit_limit = 20/' \
			-e 's/^ktr_reassembly_timeout_ms *=.*/ktr_reassembly_timeout_ms = 60000/' \
			-e 's/^dtls_handshake_timeout_ms *=.*/dtls_handshake_timeout_ms = 120000/' "$conf/ktrsbc.conf"
		uaconf="-c $conf/ktrsbc.conf"
		hwait=2400
		# and calls set up a few per second (at SETUP_CPS the first
		# calls' ACKs wait behind the later handshakes past SIP's 32 s).
		cps=${REAL_CG_CPS:-4}
	fi
	if [ -n "$cg" ]; then
		# shellcheck disable=SC2046
		taskset -c "$SUT_CPU" $(ns_cmd "$NS_S") valgrind --tool=callgrind --toggle-collect=relay_fwd_batch \
			--callgrind-out-file="$d/cg.out" "$SBC" -c "$conf/ktrsbc.conf" \
			>"$d/sbc.out" 2>"$d/sbc.err" &
	else
		if [ -n "$NS_S" ]; then
			taskset -c "$SUT_CPU" ip netns exec "$NS_S" "$SBC" -c "$conf/ktrsbc.conf" >"$d/sbc.out" 2>"$d/sbc.err" &
		else
			taskset -c "$SUT_CPU" "$SBC" -c "$conf/ktrsbc.conf" >"$d/sbc.out" 2>"$d/sbc.err" &
		fi
	fi
	spid=$!
	for _ in 1 2 3 4 5 6; do nwait "$NS_S" "$SBC_SIP" && break; done
	nwait "$NS_S" "$SBC_SIP" || { echo "bench-real: ktrsbc did not start" >&2; tail -3 "$d/sbc.err" >&2; return 1; }
	rm -f "$d/handoff" "$d/go"
	rss0=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$spid/status" 2>/dev/null)
	# shellcheck disable=SC2046 # ns_cmd: several words or none
	taskset -c "$LOAD_CPU" timeout 180 $(ns_cmd "$NS_B") "$UA" --dtls $ktr --listen "$ADDR_B:$CARRIER" \
		--calls "$n" --no-media-tx --handoff "$d/handoff" --media-ports "$UA_MEDIA" \
		--timeout 170 $uaconf >"$d/ua.json" 2>"$d/ua.err" &
	local upid=$!
	pids="$pids $upid"
	nwait "$NS_B" "$CARRIER"
	head -n $((n + 1)) "$tmp/inject.csv" >"$d/inject.csv"
	# shellcheck disable=SC2046 # ns_cmd: several words or none
	(cd "$d" && exec taskset -c "$LOAD_CPU" timeout 180 $(ns_cmd "$NS_A") sipp -sf "$XML" \
		-inf "$d/inject.csv" -i "$ADDR_A" -p "$PBX" -s bench -nostdin \
		-r "$cps" -m "$n" -l "$n" -d 150000 -timeout 170 \
		-trace_logs -log_file "$d/sipp.log" -trace_err -error_file "$d/sipp.err" \
		"$ADDR_S:$SBC_SIP" >"$d/sipp.out" 2>&1) &
	sp=$!
	pids="$pids $sp"
	# Every call answered (the 200 carries B: DTLS and KTR are done).
	up=0
	for _ in $(seq $((n * 20 / cps + 300))); do
		up=$(grep -c '^media ' "$d/sipp.log" 2>/dev/null)
		[ "${up:-0}" -ge "$ns" ] && break
		kill -0 "$sp" 2>/dev/null || break
		sleep 0.1
	done
	if [ "${up:-0}" -lt "$ns" ]; then
		echo "bench-real: $name: $up of $ns streams answered" >&2
		tail -3 "$d/sipp.err" "$d/ua.err" >&2 2>/dev/null
		trial_end "$d" "$upid" "$sp"
		return 1
	fi
	# Let ktrsbc finish with the calls' ACKs before the first packets
	# (under callgrind it runs tens of times slower): a first packet that
	# arrives before the call's media state is complete may be dropped, and
	# the prelude sends it only once.
	sleep "$([ -n "$cg" ] && echo "${REAL_SETTLE_CG:-5}" || echo "${REAL_SETTLE:-0.5}")"
	# Streams in injection order: port the relay named, source port.
	sort -n -k2 "$d/sipp.log" | awk '$1 == "media" { print $3 }' >"$d/ports"
	sort -n -k2 "$d/sipp.log" | awk '$1 == "media" { print $2 }' >"$d/srcports"
	secs=$(awk -v w="$WARM" -v t="$WIN" 'BEGIN { print w + t + 1 }')
	if [ -n "$cg" ]; then
		genopt="-1 -r $rate -g 4 -P $(awk -v r="$rate" -v s="$secs" 'BEGIN { printf "%d", r * s }')"
	elif [ "$rate" = 0 ] && [ "${mode#ktr}" != "$mode" ]; then
		genopt="" # wrap mode: forwarding does not check replay
	elif [ "$rate" = 0 ]; then
		# Every packet once (replay), so offered at REAL_SAT_CAP pps,
		# above what the transcrypting relay takes, for the whole run.
		genopt="-1 -r $SAT_CAP -P $(awk -v r="$SAT_CAP" -v s="$secs" 'BEGIN { printf "%d", r * s }')"
	else
		total=$(awk -v r="$rate" -v s="$secs" 'BEGIN { printf "%d", r * s }')
		genopt="-1 -r $rate -P $total"
		[ "$ns" -ge 32 ] && genopt="$genopt -g 4"
	fi
	[ -n "${LATENCY:-}" ] && genopt="$genopt -g 1 -m 1 -R $d/lat.gen"
	[ -n "$SEGS" ] && genopt="$genopt -g $SEGS"
	[ -n "$AV" ] && genopt="$genopt -V"
	# shellcheck disable=SC2086
	# shellcheck disable=SC2046 # ns_cmd: several words or none
	taskset -c "$LOAD_CPU" $(ns_cmd "$NS_A") env BENCH_LOCAL="$ADDR_A" BENCH_REMOTE="$ADDR_S" \
		"$B/bench_gen" -p "$d/ports" -b "$d/srcports" -t "$secs" \
		-W 1 -G "$d/go" $genopt $GENOPT_X >"$d/gen.out" 2>"$d/gen.err" &
	local gp=$!
	pids="$pids $gp"
	# Every call's first packet through the relay and authenticated by
	# ktrua (after the KTR acknowledgement on KTR calls).
	for _ in $(seq "$hwait"); do
		[ "$(wc -l <"$d/handoff" 2>/dev/null || echo 0)" -ge "$ns" ] && break
		sleep 0.05
	done
	local h
	h=$(wc -l <"$d/handoff" 2>/dev/null || echo 0)
	if [ "$h" -lt "$ns" ]; then
		echo "bench-real: $name: only $h of $ns streams' first packets reached ktrua" >&2
		touch "$d/go"
		wait "$gp"
		trial_end "$d" "$upid" "$sp"
		return 1
	fi
	local sinkopt="" d0 d1
	# Memory per call: every call up, every stream's first packet through.
	awk -v r0="${rss0:-0}" -v n="$n" '$1 == "VmRSS:" { printf "%.1f\n", ($2 - r0) / n }' \
		"/proc/$spid/status" >"$d/kib_per_call" 2>/dev/null
	[ -n "$AV" ] && sinkopt="-V"
	[ -n "$DROPS_CMD" ] && sinkopt="$sinkopt -S 16"
	[ -n "${LATENCY:-}" ] && sinkopt="-R $d/lat.sink"
	# shellcheck disable=SC2086
	# shellcheck disable=SC2046 # ns_cmd: several words or none
	taskset -c "$LOAD_CPU" $(ns_cmd "$NS_B") "$B/bench_sink" -H "$d/handoff" -n "$ns" -t $((${secs%.*} + 8)) \
		-T "$WIN" -w "$WARM" -c "$SUT_CPU" -p "$spid" $sinkopt >"$d/sink.out" 2>"$d/sink.err" &
	local kp=$!
	pids="$pids $kp"
	sleep 0.3
	d0=$(drops)
	"$CTL" -s "$conf/ctl.sock" stats >"$d/stats0.json" 2>/dev/null
	# callgrind: count from here on (the handshakes and the prelude's
	# KTR exchange are set-up, not forwarding).
	[ -n "$cg" ] && callgrind_control -z "$spid" >/dev/null 2>&1
	touch "$d/go"
	sleep "$WARM"
	local r0 r1 c0 c1 b0 a0 b1 a1 t0 t1
	# Loopback: ktrsbc's count over the window, unless ktrsbc-ctl answered
	# so late that the window stretched past 1.2 x WIN (an overloaded
	# ktrsbc on a loaded machine): then the sink's own window count.
	# Thinned (veth): no ktrsbc-ctl in the window (an overloaded ktrsbc
	# answers it seconds late, which would shift the window past the
	# load); the relay's rate is what reached B in the window instead:
	# B's filter drops 63 of every 64 RTP packets, so 64/63 of its drops.
	if [ -n "$DROPS_CMD" ]; then r0=$(drops); else
		r0=$("$CTL" -s "$conf/ctl.sock" stats 2>/dev/null | jget packets_relayed); fi
	c0=$(proc_ticks "$spid"); read -r b0 a0 < <(core_ticks "$SUT_CPU"); t0=$(now_ms)
	sleep "$WIN"
	if [ -n "$DROPS_CMD" ]; then r1=$(drops); else
		r1=$("$CTL" -s "$conf/ctl.sock" stats 2>/dev/null | tee "$d/stats1.json" | jget packets_relayed); fi
	c1=$(proc_ticks "$spid"); read -r b1 a1 < <(core_ticks "$SUT_CPU"); t1=$(now_ms)
	wait "$gp"
	wait "$kp"
	d1=$(drops)
	"$CTL" -s "$conf/ctl.sock" stats >"$d/stats2.json" 2>/dev/null
	[ -n "$cg" ] && callgrind_control -d "$spid" >/dev/null 2>&1
	trial_end "$d" "$upid" "$sp"
	local g k
	g=$(cat "$d/gen.out")
	k=$(cat "$d/sink.out")
	fk() { local v; v=$(echo "$k" | field "$1"); echo "${v:--}"; }
	local rc wp thin=""
	rc=$(fk pkts)
	wp=$(fk window_pps)
	if [ -n "$DROPS_CMD" ] && [ "$rc" != - ]; then
		rc=$((rc + d1 - d0))
		wp=$(echo "$g" | field pps)
		thin=1
	fi
	awk -v s="$(echo "$g" | field sent)" -v rc="$rc" -v r0="${r0:-0}" -v r1="${r1:-0}" \
		-v t0="$t0" -v t1="$t1" -v wp="$wp" -v thin="$thin" -v win="$WIN" \
		-v busy="$(awk -v a="$b0" -v b="$b1" -v c="$a0" -v e="$a1" 'BEGIN { printf "%.1f", (e > c) ? (b - a) * 100 / (e - c) : 0 }')" \
		-v cpu="$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v k="$TCK" 'BEGIN { printf "%.1f", (t1 > t0) ? (b - a) * 100000 / k / (t1 - t0) : 0 }')" \
		-v smp="$(fk samples)" -v ok="$(fk auth_ok)" -v fl="$(fk auth_fail)" -v og="$(fk auth_orig)" \
		-v up="$(jget calls_ktr <"$d/stats2.json")/$(jget calls_fallback <"$d/stats2.json")" \
		-v cr="$(jget crypto_ops <"$d/stats2.json")" -v off="$(jget calls_offloaded <"$d/stats2.json")" 'BEGIN {
		printf "%s %s %.0f %s %s %s %s %s %s %s %s %s %s\n", s, rc,
			(t1 > t0 && (thin || t1 - t0 < win * 1200)) ? (r1 - r0) * (thin ? 64 / 63 : 1) * 1000 / (t1 - t0) : (wp + 0 > 0) ? wp : 0, wp, busy, cpu, smp, ok, fl, og, up, cr, (off == "") ? "-" : off }' \
		>"$d/result"
	[ -n "${LATENCY:-}" ] && "$B/bench_lat" -w "${LAT_WARM:-1}" -T "${LAT_WIN:-2}" "$d/lat.gen" "$d/lat.sink" >"$d/lat.out" 2>/dev/null
	return 0
}

# trial_end DIR UA_PID SIPP_PID: stop this trial's processes (ours, by PID).
trial_end() {
	kill "$3" "$2" 2>/dev/null
	wait "$3" "$2" 2>/dev/null
	if [ -n "$spid" ]; then
		kill -TERM "$spid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		spid=""
	fi
}

# lossless MODE RESULT: every packet sent reached the sink and the sampled
# ones authenticated with the key ktrua received with; with A as well on
# KTR calls (forwarded untouched), never with A on fallback calls.
lossless() {
	read -r s rc _ wp _ _ smp ok fl og _ _ off <<<"$2"
	[ "$s" != - ] && [ "$rc" != - ] && [ "$rc" -ge "$s" ] && [ "$fl" = 0 ] &&
		[ "$smp" != - ] && [ "$smp" -gt 0 ] && [ "$wp" != - ] || return 1
	# The in-kernel figure counts only where every call was offloaded
	# (ktrsbc forwards in userspace where it cannot load its program).
	[ "$1" != ktr-kernel ] || [ "$off" = "$((N * SPC))" ] || return 1
	case $1 in ktr*) [ "$og" = "$smp" ] ;; *) [ "$og" = 0 ] ;; esac
}

SEC=${SECTIONS:+$SECTIONS/15-real.md}
SEC=${SEC:-$OUT/real.md}
[ -n "$AV" ] && SEC=${SECTIONS:-$OUT}/18-av.md
PFX=${AV:+av-} # CSV rows of audio + video calls: av-ktr-real...
mkdir -p "$OUT" "$(dirname "$SEC")"
{
	if [ -n "$AV" ]; then
		echo "## Audio + video calls (bench-av: scripts/bench-real.sh with REAL_AV=1)"
		echo
		echo "KTR calls of an audio stream (182-byte SRTP packets: 172 bytes of RTP, 50/s on a real call)"
		echo "and a video stream (1,200-byte packets, 30 frames/s of 5: 150/s), SDP from"
		echo "tests/bench/media_uac_av.xml, ktrua answering both m-lines (a DTLS association and KTR per"
		echo "stream); the generator keeps the real calls' mix (3 video packets per audio packet)."
		echo "\`kib_per_call\`: ktrsbc's VmRSS once every stream's first packet went through, minus before"
		echo "the calls, over the calls (as bench-calls). The rest as in \"Real calls\":"
		echo
	else
		echo "## Real calls: set up through ktrsbc (scripts/bench-real.sh)"
		echo
	fi
	echo "$N calls per trial, each set up through ktrsbc: SIPp (SDES, a=crypto) on the pbx trunk,"
	echo "\`ktrua --dtls [--ktr] --no-media-tx --handoff\` on the carrier trunk (a full DTLS handshake"
	echo "per call; on KTR calls new_srtp_key and its acknowledgement at the stream's first packet)."
	echo "bench_gen sends from the ports the SDES SDP named to the ports ktrsbc answered with; once"
	echo "every call's first packet has reached ktrua (KTR: acknowledged key, window closed;"
	echo "fallback: transcrypted), bench_sink takes ktrua's media ports over (SO_REUSEPORT, connected"
	echo "to the relay's port) while ktrua stays the calls' SIP and DTLS endpoint. ktrsbc on CPU"
	echo "$SUT_CPU with one relay worker; SIPp, ktrua, generator and sink on CPU $LOAD_CPU. \`relay pps\`:"
	echo "ktrsbc's own count (ktrsbc-ctl stats packets_relayed) over ${WIN} s after ${WARM} s;"
	echo "\`sink pps\`: what reached the sink in its window; \`ktrsbc CPU %\`: its process (/proc/PID/stat);"
	echo "\`auth A\`: samples that the SDES UA's key A authenticates (all on KTR calls, none on fallback)."
	echo
	echo "| mode | offered pps | sent | received | relay pps | sink pps | core busy % | ktrsbc CPU % | auth ok/sampled | auth A | KTR/fallback calls | offloaded | verdict |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
} >"$SEC"

row() { # row MODE RATE RESULT VERDICT
	read -r s rc rp wp busy cpu smp ok fl og up _ off <<<"$3"
	echo "| $1 | $([ "$2" = 0 ] && echo "full speed" || echo "$2") | $s | $rc | $rp | $wp | $busy | $cpu | $ok/$smp | $og | $up | $off | $4 |" >>"$SEC"
	printf '  %-9s %6s pps offered: sent %s received %s; relay %s pps, sink %s pps, core %s%%, ktrsbc %s%%; auth %s/%s (A %s); calls KTR/fallback %s, offloaded %s  %s\n' \
		"$1" "$2" "$s" "$rc" "$rp" "$wp" "$busy" "$cpu" "$ok" "$smp" "$og" "$up" "$off" "$4"
}

declare -A LL SAT INSTR LAT SCALLS
for mode in $MODES; do
	echo "bench-real: $mode calls ($N), highest lossless rate"
	lo=0 hi=0 rate=$START best=""
	# The in-kernel path forwards several times what userspace does: its
	# search starts higher, so that its trials reach its capacity.
	[ "$mode" = ktr-kernel ] && rate=$START_KERNEL
	for k in $(seq "$TRIALS"); do
		case " $PARTS " in *" lossless "*) ;; *) break ;; esac
		if over; then CUT=1; break; fi
		if ! trial "$mode" "$rate" "$mode-$k"; then
			row "$mode" "$rate" "- - - - - - - - - - -" "failed"
			hi=$rate
		else
			r=$(cat "$tmp/$mode-$k/result")
			if lossless "$mode" "$r"; then
				v=lossless; lo=$rate; best=$r
			else
				v=lossy; hi=$rate
			fi
			row "$mode" "$rate" "$r" "$v"
		fi
		if [ "$hi" = 0 ]; then
			rate=$(awk -v r="$rate" 'BEGIN { printf "%d", r * 1.5 }')
			[ "$rate" -gt "$MAXR" ] && break
		else
			awk -v l="$lo" -v h="$hi" 'BEGIN { exit !((h - l) <= 0.05 * h) }' && break
			if [ "$lo" = 0 ]; then rate=$((hi / 2)); else rate=$(((lo + hi) / 2)); fi
		fi
	done
	LL[$mode]=$(echo "${best:-}" | awk '{ print $4 }')
	[ -n "$best" ] && echo "$PFX$mode-real,$N,${LL[$mode]},$(echo "$best" | awk '{ print $5 }'),,,$lo,$(echo "$best" | awk '{ print $2 }'),$(echo "$best" | awk '{ print $7 }'),$(echo "$best" | awk '{ print $8 }'),$(echo "$best" | awk '{ print $9 }')" >>"${CSV:-$tmp/csv}"
	echo "bench-real: $mode calls ($N), saturation"
	# Veth: paced at the lowest rate the search found lossy, just above
	# capacity (else SAT_OVER x the highest lossless rate; every packet
	# once): further above, or a generator at full speed through
	# AF_PACKET, the relay's core livelocks on receive work and the
	# count measures the kernel's drops, not the relay.
	srate=0
	[ -n "$DROPS_CMD" ] && srate=$(awk -v l="$lo" -v h="$hi" -v s="$START" -v f="${REAL_SAT_OVER:-1.5}" 'BEGIN { printf "%d", (h > 0) ? h : ((l > 0) ? l : s) * f }')
	if ! part sat; then :; elif over; then CUT=1; elif trial "$mode" "$srate" "$mode-sat"; then
		r=$(cat "$tmp/$mode-sat/result")
		row "$mode" "$([ "$srate" != 0 ] && echo "$srate" || { [ "${mode#ktr}" != "$mode" ] && echo 0 || echo "$SAT_CAP"; })" "$r" saturation
		SAT[$mode]=$(echo "$r" | awk '{ print $3 }')
		echo "$PFX$mode-real-sat,$N,${SAT[$mode]},$(echo "$r" | awk '{ print $5 }'),,,0,$(echo "$r" | awk '{ print $2 }'),$(echo "$r" | awk '{ print $7 }'),$(echo "$r" | awk '{ print $8 }'),$(echo "$r" | awk '{ print $9 }')" >>"${CSV:-$tmp/csv}"
	fi
	if [ -n "$best" ] && [ -z "$NS_A" ] && part lat && ! over; then
		lr=$((lo / 2))
		[ "$lr" -gt 0 ] || lr=1000
		echo "bench-real: $mode calls ($N), latency at $lr pps"
		if LATENCY=1 trial "$mode" "$lr" "$mode-lat" && [ -s "$tmp/$mode-lat/lat.out" ]; then
			l=$(cat "$tmp/$mode-lat/lat.out")
			mkdir -p "$tmp/$mode-lat/direct"
			dr=$(lat_direct "$tmp/$mode-lat/direct" "$N" "$lr" "$GEN_PORT_DIRECT" "$SINK_PORT_DIRECT")
			read -r _ _ d50 _ d99 _ <<<"$dr"
			LAT[$mode]="$(echo "$l" | field p50_us) $(echo "$l" | field p99_us) ${d50:-} ${d99:-}"
		fi
	fi
	if part cg && [[ " $CG_MODES " == *" $mode "* ]] && command -v valgrind >/dev/null && ! over; then
		echo "bench-real: $mode calls ($CG_CALLS), callgrind on ktrsbc"
		# The transcrypting relay under callgrind at a fifth of the rate.
		cgr=$CG_RATE
		[ "${mode#ktr}" = "$mode" ] && cgr=$((CG_RATE / 5))
		if trial "$mode" "$cgr" "$mode-cg" "$CG_CALLS" cg && [ -s "$tmp/$mode-cg/cg.out.1" ]; then
			# The dump taken after the load: counted since the zeroing
			# at the load's start, over the packets relayed since.
			ir=$(awk '/^(totals|summary):/ { print $2; exit }' "$tmp/$mode-cg/cg.out.1")
			fwd=$(($(jget packets_relayed <"$tmp/$mode-cg/stats2.json" || echo 0) - $(jget packets_relayed <"$tmp/$mode-cg/stats0.json" || echo 0)))
			# ktrsbc too slow under callgrind to answer ktrsbc-ctl: the
			# packets the sink received instead.
			[ "$fwd" -gt 0 ] || fwd=$(field pkts <"$tmp/$mode-cg/sink.out")
			INSTR[$mode]=$(awk -v i="$ir" -v f="$fwd" 'BEGIN { if (f > 0) printf "%.0f", i / f }')
			# Per-batch work is a share of each packet's: the system
			# calls the relay made (a recvmmsg and a sendmmsg per
			# batch), per packet, say how large the batches were.
			sc=$(awk '/^cfn=/ { id = $1; sub(/ .*/, "", id); if ($0 ~ / syscall$/) sid = id; cur = (id == sid) }
				/^calls=/ && cur { split($1, a, "="); n += a[2] } END { print n + 0 }' "$tmp/$mode-cg/cg.out.1")
			SCALLS[$mode]=$(awk -v s="$sc" -v f="$fwd" 'BEGIN { if (f > 0) printf "%.2f", s / f }')
			cp "$tmp/$mode-cg/cg.out.1" "$OUT/callgrind.$mode-real.out" 2>/dev/null
			printf '  %-9s %s instructions in relay_fwd_batch / %s packets relayed = %s per packet (%s system calls per packet)\n' \
				"$mode" "$ir" "$fwd" "${INSTR[$mode]}" "${SCALLS[$mode]}"
		fi
	fi
done

lat_cell() { # p50/p99 through, added
	[ -n "${LAT[$1]:-}" ] || { echo "n/a | n/a"; return; }
	read -r t50 t99 d50 d99 <<<"${LAT[$1]}"
	awk -v a="$t50" -v b="$t99" -v c="$d50" -v d="$d99" 'BEGIN {
		if (c == "") printf "%s / %s | n/a", a, b; else printf "%s / %s | %.1f / %.1f", a, b, a - c, b - d }'
}
{
	echo
	echo "| mode | highest lossless pps (sink) | saturation pps (relay) | instructions/packet (callgrind, $CG_CALLS calls, $CG_RATE pps; fallback $((CG_RATE / 5))) | system calls/packet (callgrind) | latency p50 / p99 µs | added by the relay p50 / p99 µs |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for mode in $MODES; do
		echo "| $mode | ${LL[$mode]:-n/a} | ${SAT[$mode]:-n/a} | ${INSTR[$mode]:-n/a} | ${SCALLS[$mode]:-n/a} | $(lat_cell "$mode") |"
	done
	echo
	echo "Instructions: callgrind on ktrsbc (all its threads), collection toggled on relay_fwd_batch"
	echo "(callees included), divided by ktrsbc's packets_relayed, both counted from the load's start (callgrind_control"
	echo "-z; the handshakes and the first packets' KTR exchange are call set-up) to its end (-d). Latency: every packet in its own sendmsg, send time from the generator, kernel"
	echo "receive time at the sink (SO_TIMESTAMPNS); \"added\" subtracts the generator straight to"
	echo "the sink at the same rate.${CUT:+ **Cut short at REAL_LIMIT=${LIMIT} s: missing figures were not measured.**}"
	echo
} >>"$SEC"
SUMMARY="bench-real: calls=$N"
for mode in $MODES; do
	m=${mode//-/_}
	p50=$(echo "${LAT[$mode]:-}" | awk '{ print ($1 == "") ? "n/a" : $1 }')
	SUMMARY="$SUMMARY ${m}_lossless_pps=${LL[$mode]:-n/a} ${m}_sat_pps=${SAT[$mode]:-n/a} instr_$m=${INSTR[$mode]:-n/a} ${m}_p50_us=$p50"
done
SUMMARY="$SUMMARY${CUT:+ cut}"
if [ -n "$AV" ]; then
	# The last trial that measured memory (saturation's, else a search's).
	KIB=$(cat $(ls -t "$tmp"/*/kib_per_call 2>/dev/null | head -1) 2>/dev/null)
	m=${MODES%% *}
	SUMMARY="bench-av: calls=$N streams=$((N * SPC)) pps=${SAT[$m]:-n/a} kib_per_call=${KIB:-n/a} lossless_pps=${LL[$m]:-n/a}${CUT:+ cut}"
fi
echo "$SUMMARY" >>"$SEC"
echo "$SUMMARY"

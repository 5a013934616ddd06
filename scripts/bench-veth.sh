#!/bin/bash
# Issue 13, item 3: every relay on one topology, in one run: the veth +
# network-namespace topology of the in-kernel benchmark
# (scripts/bench-offload.sh), so that loopback's cost on the relay's core
# (the receiver's softirq work charged to the sender) stops bounding the
# ratios. Three namespaces this script creates and deletes:
#
#   A 192.0.2.2 (generator, SIPp) ka <-> ksa  S (the relay: 203.0.113.1 on lo)
#                                    ksb <-> kb  B 198.51.100.2 (sink, ktrua)
#
# GRO is off on ksa and kb, and RPS puts S's receive work on CPU 1 (with the
# relay) and B's on CPU 0 (with the generator and the sink). On 2 CPUs the
# generator, the sink and B's receive work share CPU 0 while the relay has
# CPU 1: for the relay, not CPU 0, to be what runs out, CPU 0 must spend
# less per packet than the relay does. So (as scripts/bench-offload.sh):
#  - the generator writes whole Ethernet frames to ka through AF_PACKET
#    (bench_gen -I ka -M <ksa's MAC>: one frame per packet, no GSO, up to
#    32 frames of any streams per sendmmsg, none of its own UDP stack);
#  - B keeps 1 RTP packet in 64 (tests/bench/sink_drop.bpf.c at kb's tc
#    ingress; SIP, DTLS and RTCP pass) for the sink to authenticate (1 in
#    16 of those) and drops the rest before B's IP and UDP layers. What
#    reached B is the sink's count plus the filter's drops (tc's counter).
# A trial's rate at lossless is what the generator sent per second, all of
# which reached B. Saturation: offered at the lowest rate the search found
# lossy (just above capacity; else VETH_SAT_OVER, 1.5, x the highest
# lossless rate), the rate is what reached B per second in a WIN window
# WARM into the load (64/63 of the filter's drops: what drained from the
# relay's socket buffers after the load is not in it; at full speed the
# generator would livelock the relay's core with receive work).
# VETH_PARTS picks parts: raw, rtpengine, real (default all three), av
# (scripts/bench-av.sh: alone, it prints only its bench-av: line).
#
# Relays, side by side, each at its highest lossless rate (bounded search:
# every packet sent reached the sink, every sampled one authenticated with
# the key it must carry), and at saturation where they can be overloaded:
#   raw        bench_raw (recvmmsg/sendmmsg, no checks): the practical limit;
#   ktr        ktrsbc, real KTR calls, userspace (offload = off);
#   ktr-kernel ktrsbc, real KTR calls, the tc eBPF path (offload = auto);
#   fallback   ktrsbc, real calls with a DTLS UA without KTR (transcrypt);
#   rtpengine  rtpengine transcrypting SDES to SDES, userspace: its kernel
#              module cannot load on this kernel (said beside the figures);
#              highest lossless only (it cannot be measured overloaded:
#              scripts/bench-rtpengine.sh).
# ktrsbc's calls are set up as scripts/bench-real.sh sets them up (SIPp in A,
# ktrua in B, full DTLS and KTR), which this script runs with the
# namespaces. VETH_CALLS calls (default REAL_CALLS, 100).
#
# A section driver of scripts/bench.sh (contract there); by itself after
# `make all bench-build`, as root. Writes $OUT/veth.csv
# (relay,calls,pps,verdict,offered_pps,sent,received,core_busy_pct,auth),
# $OUT/veth.md, and prints
#   bench-veth: calls=N raw=.. ktr=.. ktr_kernel=.. fallback=.. rtpengine=.. ktr/rtpengine=R2
#     ktr_user/rtpengine=.. fallback/rtpengine=R3
# (R2: KTR calls as ktrsbc ships, offload = auto, in the kernel here;
# ktr_user: offload = off)
# (highest lossless pps; `cut` when SECTION_LIMIT ended it); with av,
# $OUT/av.md and the bench-av: line. Bounded: each
# process has its own time limit; trials stop at the section's limit.
set -uo pipefail

BUILD=${BUILD:-build}
cd "$(dirname "$0")/.." || exit 1
B=${B:-$BUILD/bench}
OUT=${OUT:-${BENCH_OUT:-bench}}
N=${VETH_CALLS:-${REAL_CALLS:-100}}
WARM=${WARM:-1}
WIN=${VETH_WIN:-${WIN:-3}}
TRIALS=${VETH_TRIALS:-5}
START=${VETH_START:-60000}
RTPE_START=${VETH_RTPE_START:-20000} # rtpengine: 30..40 k here
RTPE_TRIALS_V=${VETH_RTPE_TRIALS:-$((TRIALS + 1))}
MAXR=${VETH_MAX:-600000}
LIMIT=${SECTION_LIMIT:-600}
SUT_CPU=${SUT_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
T0=$(date +%s)
A_IP=192.0.2.2
S_IP=203.0.113.1
B_IP=198.51.100.2
GEN_PORT=40000
SINK_PORT=40002
NG_PORT=40010

mkdir -p "$OUT"
CSVV=$OUT/veth.csv
# bench-av alone (scripts/bench-av.sh) must not overwrite the veth rows.
[ "${VETH_PARTS:-}" = av ] && CSVV=$OUT/av.csv
echo "relay,calls,pps,verdict,offered_pps,sent,received,core_busy_pct,auth" >"$CSVV"
na() {
	echo "bench-veth: cut (not measured: $1)"
	{
		echo "## Every relay on the veth topology"
		echo
		echo "Not measured: $1."
		echo
	} >"$OUT/veth.md"
	exit 0
}
[ "$(id -u)" = 0 ] || na "not root"
for c in ip ethtool taskset timeout python3; do
	command -v "$c" >/dev/null || na "$c missing"
done
for t in bench_gen bench_sink bench_raw; do [ -x "$B/$t" ] || na "$B/$t missing"; done
command -v tc >/dev/null || na "tc missing"
DROP=$B/sink_drop.bpf.o
clang -O2 -g -target bpf -Wall -Werror -I/usr/include/"$(gcc -print-multiarch 2>/dev/null)" \
	-c tests/bench/sink_drop.bpf.c -o "$DROP" 2>/dev/null || na "cannot build $DROP"

base=kbv$$
W=$(mktemp -d /tmp/ktrbench-veth.XXXXXX)
PIDS=""
RTPE_PID=""
cleanup() {
	for p in $PIDS $RTPE_PID; do kill "$p" 2>/dev/null; done
	for p in $PIDS $RTPE_PID; do wait "$p" 2>/dev/null; done
	for n in a s b; do ip netns del "$base-$n" 2>/dev/null; done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$W"
}
trap 'set +e; cleanup' EXIT
trap 'exit 1' INT TERM HUP
setup() {
	local n
	for n in a s b; do ip netns add "$base-$n" || return 1; done
	ip -n "$base-a" link add ka type veth peer name ksa netns "$base-s" &&
	ip -n "$base-s" link add ksb type veth peer name kb netns "$base-b" &&
	ip -n "$base-a" addr add $A_IP/24 dev ka &&
	ip -n "$base-s" addr add 192.0.2.1/24 dev ksa &&
	ip -n "$base-s" addr add 198.51.100.1/24 dev ksb &&
	ip -n "$base-s" addr add $S_IP/32 dev lo &&
	ip -n "$base-b" addr add $B_IP/24 dev kb &&
	for n in a s b; do ip -n "$base-$n" link set lo up || return 1; done &&
	ip -n "$base-a" link set ka up && ip -n "$base-s" link set ksa up &&
	ip -n "$base-s" link set ksb up && ip -n "$base-b" link set kb up &&
	ip -n "$base-a" route add 203.0.113.0/24 via 192.0.2.1 &&
	ip -n "$base-b" route add 203.0.113.0/24 via 198.51.100.1 &&
	ip netns exec "$base-s" ethtool -K ksa gro off >/dev/null &&
	ip netns exec "$base-b" ethtool -K kb gro off >/dev/null &&
	ip netns exec "$base-s" sh -c "printf %x $((1 << SUT_CPU)) > /sys/class/net/ksa/queues/rx-0/rps_cpus" &&
	ip netns exec "$base-b" sh -c "printf %x $((1 << LOAD_CPU)) > /sys/class/net/kb/queues/rx-0/rps_cpus" &&
	ip netns exec "$base-b" tc qdisc add dev kb clsact &&
	ip netns exec "$base-b" tc filter add dev kb ingress bpf da obj "$DROP" sec tc
}
setup 2>"$W/setup.err" || na "cannot set up network namespaces ($(head -1 "$W/setup.err"))"
over() { [ $(($(date +%s) - T0)) -ge "$1" ]; }
MAC=$(ip -n "$base-s" -br link show ksa | awk '{ print $3 }')
GENDEV="-I ka -M $MAC"
# drops: RTP packets B's filter dropped so far (they reached B).
# (tc -n: no mount namespace set up per read, as ip netns exec does.)
drops() { tc -n "$base-b" -s qdisc show dev kb ingress | awk '/dropped/ { sub(",", "", $7); print $7; exit }'; }
export VETH_DROPS="tc -n $base-b -s qdisc show dev kb ingress"
CUT=""
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
secs=$(awk -v w="$WARM" -v t="$WIN" 'BEGIN { print w + t + 1 }')

# search NAME FN DEADLINE_S [START]: highest lossless rate of relay NAME; FN RATE K
# runs one trial and prints "sent received window_pps busy samples ok fail
# orig" (received: by the sink, over the whole trial), returns 1 when it
# could not run. Lossless: received >= sent, no failure, samples > 0, and
# orig (samples that the untouched key A authenticates) as NAME requires.
search() {
	local name=$1 fn=$2 dl=$3 lo=0 hi=0 rate=${4:-$START} best="" r v
	for k in $(seq "${5:-$TRIALS}"); do
		if over "$dl"; then CUT=1; break; fi
		if r=$($fn "$rate" "$k"); then
			read -r s rc wp busy smp ok fl og <<<"$r"
			v=lossy
			if [ "${rc:-0}" -ge "${s:-1}" ] && [ "$fl" = 0 ] && [ "$smp" != - ] &&
				[ "${smp:-0}" -gt 0 ] && [ "$wp" != - ] && [ "$og" = 0 ]; then
				v=lossless; lo=$rate; best="$r"
			else
				hi=$rate
			fi
		else
			r="- - - - - - - -"; v=failed; hi=$rate
		fi
		read -r s rc wp busy smp ok fl og <<<"$r"
		printf '  %-10s %5s calls: offered %7s pps: sent %s received %s, sink %s pps, core %s%%, auth %s/%s  %s\n' \
			"$name" "$N" "$rate" "$s" "$rc" "$wp" "$busy" "$ok" "$smp" "$v"
		echo "| $name | $rate | $s | $rc | $wp | $busy | $ok/$smp | $v |" >>"$W/trials.md"
		if [ "$hi" = 0 ]; then
			rate=$(awk -v r="$rate" 'BEGIN { printf "%d", r * 1.5 }')
			[ "$rate" -gt "$MAXR" ] && break
		else
			awk -v l="$lo" -v h="$hi" 'BEGIN { exit !((h - l) <= 0.05 * h) }' && break
			if [ "$lo" = 0 ]; then rate=$((hi / 2)); else rate=$(((lo + hi) / 2)); fi
		fi
	done
	LAST_HI=$hi # the lowest rate found lossy (0: none)
	if [ -n "$best" ]; then
		read -r s rc wp busy smp ok fl _ <<<"$best"
		echo "$name,$N,$wp,lossless,$lo,$s,$rc,$busy,$ok/$smp" >>"$CSVV"
	else
		echo "$name,$N,,lossless,,,,," >>"$CSVV"
	fi
}

# --- raw relay -------------------------------------------------------------
# raw_trial RATE K [SAT] (RATE 0: full speed, wrap mode, the relay's own
# count; SAT: what reached B per second in a window inside the load).
raw_trial() {
	local rate=$1 d=$W/raw-$2 sat=${3:-} sut sink genopt tw=$WIN d0 d1
	# Paced: the relay outlives the generator (its window is the sink's).
	[ "$rate" = 0 ] || tw=$((WIN + 3))
	mkdir -p "$d"
	taskset -c "$SUT_CPU" ip netns exec "$base-s" env BENCH_LOCAL=$S_IP BENCH_REMOTE=$B_IP \
		"$B/bench_raw" -n "$N" -k $SINK_PORT -o "$d/ports" -w "$WARM" -T "$tw" -x 30 \
		-c "$SUT_CPU" >"$d/sut.out" 2>&1 &
	sut=$!
	PIDS="$PIDS $sut"
	taskset -c "$LOAD_CPU" ip netns exec "$base-b" env BENCH_LOCAL=$B_IP "$B/bench_sink" \
		-s $SINK_PORT -n "$N" -k A -S 16 -t 40 -T "$WIN" -w "$WARM" -c "$SUT_CPU" >"$d/sink.out" 2>&1 &
	sink=$!
	PIDS="$PIDS $sink"
	for _ in $(seq 200); do [ -f "$d/ports" ] && break; sleep 0.05; done
	d0=$(drops)
	if [ "$rate" = 0 ]; then
		genopt="-g 1"
	else
		# A prelude packet per stream first (ARP on both hops resolved
		# before the load; counted by the sink, not by the generator).
		genopt="-1 -r $rate -P $(awk -v r="$rate" -v s="$secs" 'BEGIN { printf "%d", r * s }') -g 1 -W 0.3"
	fi
	# shellcheck disable=SC2086
	taskset -c "$LOAD_CPU" ip netns exec "$base-a" env BENCH_LOCAL=$A_IP BENCH_REMOTE=$S_IP \
		"$B/bench_gen" -p "$d/ports" -s $GEN_PORT -t "$secs" $genopt $GENDEV >"$d/gen.out" 2>&1 &
	local gp=$! w0=0 w1=0 tw0=0 tw1=1
	PIDS="$PIDS $gp"
	if [ -n "$sat" ]; then
		# The window: WARM after the load reached B, WIN long, inside the
		# load; what reached B in it is 64/63 of B's filter's drops.
		for _ in $(seq 200); do [ "$(drops)" -gt $((d0 + 1000)) ] && break; sleep 0.05; done
		sleep "$WARM"
		w0=$(drops); tw0=$(date +%s%3N)
		sleep "$WIN"
		w1=$(drops); tw1=$(date +%s%3N)
	fi
	wait "$gp"
	wait "$sut" || return 1
	wait "$sink"
	d1=$(drops)
	local g k sp rc
	g=$(cat "$d/gen.out"); k=$(cat "$d/sink.out"); sp=$(grep '^sut:' "$d/sut.out")
	fk() { local v; v=$(echo "$k" | field "$1"); echo "${v:--}"; }
	rc=$(($(fk pkts | tr -d -) + 0 + d1 - d0))
	if [ -n "$sat" ]; then
		# As for ktrsbc (scripts/bench-real.sh): what reached B per
		# second in the window.
		echo "$(echo "$g" | field sent) $rc $(awk -v a="$w0" -v b="$w1" -v t0="$tw0" -v t1="$tw1" 'BEGIN { printf "%.0f", (t1 > t0) ? (b - a) * 64 / 63 * 1000 / (t1 - t0) : 0 }') $(echo "$sp" | field core_busy_pct) $(fk samples) $(fk auth_ok) $(fk auth_fail) 0"
	elif [ "$rate" = 0 ]; then
		echo "$(echo "$g" | field sent) $rc $(echo "$sp" | field fwd_pps) $(echo "$sp" | field core_busy_pct) $(fk samples) $(fk auth_ok) $(fk auth_fail) 0"
	else
		echo "$(echo "$g" | field sent) $rc $(echo "$g" | field pps) $(fk core_busy_pct) $(fk samples) $(fk auth_ok) $(fk auth_fail) 0"
	fi
}

: >"$W/trials.md"
want() { case " ${VETH_PARTS:-raw rtpengine real} " in *" $1 "*) return 0 ;; esac; return 1; }
want raw && echo "bench-veth: raw relay ($N calls), highest lossless rate and saturation"
want raw && search raw raw_trial $((LIMIT * 15 / 100))
# Saturation: paced at the lowest rate the search found lossy (else
# SAT_OVER x the highest lossless rate), what reached B
# per second in a window (at full speed the generator livelocks the relay's
# core with receive work: its count would be the kernel's drops).
SAT_OVER=${VETH_SAT_OVER:-1.5}
srate=$(awk -F, -v f="$SAT_OVER" -v s="$START" -v h="${LAST_HI:-0}" '$1 == "raw" && $4 == "lossless" && $5 != "" { l = $5 } END { printf "%d", (h > 0) ? h : ((l > 0) ? l : s) * f }' "$CSVV")
if want raw && ! over $((LIMIT * 18 / 100)) && r=$(raw_trial "$srate" sat 1); then
	read -r s rc wp busy smp ok fl _ <<<"$r"
	echo "raw,$N,$wp,saturation,$srate,$s,$rc,$busy,$ok/$smp" >>"$CSVV"
	printf '  raw        %5s calls: saturation (offered %s pps): relay %s pps, core %s%%\n' "$N" "$srate" "$wp" "$busy"
fi

# --- rtpengine ----------------------------------------------------------------
RTPE_NOTE=""
if ! want rtpengine; then
	RTPE_NOTE="not measured in this run (VETH_PARTS)"
elif command -v rtpengine >/dev/null; then
	cat >"$W/rtpengine.conf" <<EOF
[rtpengine]
table = -1
interface = $S_IP
listen-ng = 127.0.0.1:$NG_PORT
port-min = 46000
port-max = 53999
timeout = 600
delete-delay = 0
num-threads = 1
log-level = 4
foreground = true
log-stderr = true
EOF
	taskset -c "$SUT_CPU" ip netns exec "$base-s" rtpengine --config-file="$W/rtpengine.conf" \
		--config-section=rtpengine >"$W/rtpengine.log" 2>&1 &
	RTPE_PID=$!
	NG="127.0.0.1:$NG_PORT"
	up=0
	for _ in $(seq 25); do
		if ip netns exec "$base-s" python3 scripts/bench-ng.py ping --ng "$NG" 2>/dev/null; then up=1; break; fi
		kill -0 "$RTPE_PID" 2>/dev/null || break
		sleep 0.2
	done
	[ $up = 1 ] || RTPE_NOTE="rtpengine did not start: $(tail -1 "$W/rtpengine.log")"
else
	RTPE_NOTE="rtpengine-daemon not installed (scripts/bench-rtpengine.sh installs it)"
fi
# rtpe_trial RATE K: fresh calls over ng, as scripts/bench-rtpengine.sh.
rtpe_trial() {
	local rate=$1 d=$W/rtpe-$2 id=ktrbv$$-$2 sink total d0 d1
	mkdir -p "$d"
	ip netns exec "$base-s" python3 scripts/bench-ng.py setup --ng "$NG" --calls "$N" \
		--gen-port $GEN_PORT --sink-port $SINK_PORT --gen-addr $A_IP --sink-addr $B_IP \
		--ports "$d/ports" --keys "$d/keys" --id "$id" >"$d/ng.out" 2>&1 || return 1
	total=$(awk -v r="$rate" -v s="$secs" 'BEGIN { printf "%d", r * s }')
	taskset -c "$LOAD_CPU" ip netns exec "$base-b" env BENCH_LOCAL=$B_IP "$B/bench_sink" \
		-s $SINK_PORT -n "$N" -K "$d/keys" -S 16 -t 30 -w "$WARM" -T "$WIN" -c "$SUT_CPU" \
		-p "$RTPE_PID" >"$d/sink.out" 2>&1 &
	sink=$!
	PIDS="$PIDS $sink"
	d0=$(drops)
	# One packet per frame; a prelude packet per call first (rtpengine
	# sets a stream up on its first packet); bursts of at most one packet
	# per call per message round (rtpengine's 50-packet read rule).
	taskset -c "$LOAD_CPU" ip netns exec "$base-a" env BENCH_LOCAL=$A_IP BENCH_REMOTE=$S_IP \
		"$B/bench_gen" -p "$d/ports" -s $GEN_PORT -t "$secs" -1 -r "$rate" -P "$total" \
		-g 1 -m 32 -W 0.5 $GENDEV >"$d/gen.out" 2>&1
	wait "$sink"
	d1=$(drops)
	ip netns exec "$base-s" python3 scripts/bench-ng.py delete --ng "$NG" --calls "$N" --id "$id" >/dev/null 2>&1
	local g k sent
	g=$(cat "$d/gen.out"); k=$(cat "$d/sink.out")
	fk() { local v; v=$(echo "$k" | field "$1"); echo "${v:--}"; }
	sent=$(($(echo "$g" | field sent) + N)) # + the prelude, one per call
	echo "$sent $(($(fk pkts | tr -d -) + 0 + d1 - d0)) $(echo "$g" | field pps) $(fk core_busy_pct) $(fk samples) $(fk auth_ok) $(fk auth_fail) $(fk auth_orig)"
}
if [ -z "$RTPE_NOTE" ]; then
	echo "bench-veth: rtpengine transcrypting ($N calls), highest lossless rate"
	# One trial more than the others: R2 and R3 are over this figure,
	# and a coarse grid would put rtpengine low.
	search rtpengine rtpe_trial $((LIMIT * 35 / 100)) "$RTPE_START" "$RTPE_TRIALS_V"
	kill "$RTPE_PID" 2>/dev/null
	wait "$RTPE_PID" 2>/dev/null
	RTPE_PID=""
elif want rtpengine; then
	# an empty row: the summary says n/a (a part not asked for has none)
	echo "  rtpengine: not measured: $RTPE_NOTE" >&2
	echo "rtpengine,$N,,lossless,,,,," >>"$CSVV"
fi

# --- ktrsbc on real calls ------------------------------------------------------------
left=$((LIMIT - ($(date +%s) - T0) - 15))
want real && echo "bench-veth: ktrsbc on real calls ($N), userspace KTR, in-kernel KTR, fallback"
if ! want real; then
	:
elif [ "$left" -gt 30 ]; then
	mkdir -p "$W/real"
	env REAL_NS_A="$base-a" REAL_NS_S="$base-s" REAL_NS_B="$base-b" REAL_ADDR_A=$A_IP \
		REAL_ADDR_S=$S_IP REAL_ADDR_B=$B_IP REAL_SEGS=1 REAL_CALLS="$N" \
		REAL_GENOPT="$GENDEV" REAL_DROPS="$VETH_DROPS" WIN="$WIN" \
		REAL_MODES="${VETH_MODES:-ktr ktr-kernel fallback}" REAL_PARTS="lossless sat" \
		REAL_TRIALS="$TRIALS" REAL_START="$START" REAL_LIMIT=$((left - 20)) \
		CSV="$W/real.csv" SECTIONS="$W/real" OUT="$W" \
		timeout -k 5 "$left" scripts/bench-real.sh >"$W/real.out" 2>&1
	grep -v '^bench-real:' "$W/real.out" | sed 's/^/ /'
	grep -q ' cut' "$W/real.out" && CUT=1
	for m in ktr ktr-kernel fallback; do
		awk -F, -v m="$m" -v n="$N" '
			$1 == m "-real" { printf "%s,%s,%s,lossless,%s,,%s,%s,%s/%s\n", m, n, $3, $7, $8, $4, $10, $9; l = 1 }
			$1 == m "-real-sat" { printf "%s,%s,%s,saturation,full,,%s,%s,%s/%s\n", m, n, $3, $8, $4, $10, $9 }
			END { if (!l) printf "%s,%s,,lossless,,,,,\n", m, n }' "$W/real.csv" 2>/dev/null >>"$CSVV"
	done
	sed -n '/^| mode | offered/,/^$/p' "$W/real/15-real.md" >"$W/real-trials.md" 2>/dev/null
else
	CUT=1
fi

# --- bench-av (issue 14): audio + video KTR calls, scripts/bench-av.sh ------------------
if want av; then
	left=$((LIMIT - ($(date +%s) - T0) - 10))
	NAV=${AV_CALLS:-$N}
	echo "bench-av: ktrsbc on real audio + video KTR calls ($NAV), highest lossless rate and saturation"
	mkdir -p "$W/av"
	env REAL_NS_A="$base-a" REAL_NS_S="$base-s" REAL_NS_B="$base-b" REAL_ADDR_A=$A_IP \
		REAL_ADDR_S=$S_IP REAL_ADDR_B=$B_IP REAL_SEGS=1 REAL_CALLS="$NAV" REAL_AV=1 \
		REAL_GENOPT="$GENDEV" REAL_DROPS="$VETH_DROPS" WIN="$WIN" REAL_MODES=ktr REAL_PARTS="lossless sat" \
		REAL_TRIALS="${AV_TRIALS:-3}" REAL_START="${AV_START:-40000}" REAL_LIMIT=$((left - 20)) \
		CSV="$W/av.csv" SECTIONS="$W/av" OUT="$W" \
		timeout -k 5 "$left" scripts/bench-real.sh >"$W/av.out" 2>&1
	grep -v '^bench-av:' "$W/av.out" | sed 's/^/ /'
	cp "$W/av/18-av.md" "$OUT/av.md" 2>/dev/null
	AVLINE=$(grep '^bench-av:' "$W/av.out" | tail -1)
	echo "${AVLINE:-bench-av: cut (no result: $(tail -1 "$W/av.out"))}"
	# bench-av alone (scripts/bench-av.sh): no veth report.
	[ "${VETH_PARTS:-}" = av ] && exit 0
fi

# --- report -------------------------------------------------------------------------
lv() { awk -F, -v r="$1" -v v="$2" 'NR > 1 && $1 == r && $4 == v && $3 != "" { print $3; f = 1; exit } END { if (!f) print "n/a" }' "$CSVV"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
# R2: KTR calls forwarded as ktrsbc ships (offload = auto: in the kernel
# on this topology; the ktr-kernel trials count only where every call was
# offloaded); R2U: the same calls with offload = off, userspace only.
R2=$(ratio "$(lv ktr-kernel lossless)" "$(lv rtpengine lossless)")
R2U=$(ratio "$(lv ktr lossless)" "$(lv rtpengine lossless)")
R3=$(ratio "$(lv fallback lossless)" "$(lv rtpengine lossless)")
KMOD="rtpengine's kernel module (xt_RTPENGINE) cannot load on this kernel ($(uname -r): $([ -d "/lib/modules/$(uname -r)" ] && echo "no rtpengine module built for it" || echo "no /lib/modules tree, no loadable modules")): rtpengine runs userspace only (table = -1)"
{
	echo "## Every relay on the veth topology (scripts/bench-veth.sh)"
	echo
	echo "Namespaces A (generator, SIPp; $A_IP) -- veth -- S (the relay under test; $S_IP) -- veth --"
	echo "B (sink, ktrua; $B_IP), GRO off on the receiving veths, RPS: S's receive work on CPU $SUT_CPU"
	echo "with the relay, B's on CPU $LOAD_CPU with the generator and the sink. One frame per packet (no"
	echo "UDP GSO: the generator writes frames through AF_PACKET). B keeps 1 RTP packet in 64 for the"
	echo "sink (tests/bench/sink_drop.bpf.c at kb's tc ingress) and tc counts the rest. $N calls, one"
	echo "stream each. \`highest lossless\`: bounded search, every packet sent reached B (the sink's"
	echo "count plus tc's drops) and every sampled packet authenticated; the figure is what the generator"
	echo "sent per second. \`saturation\`: offered at the lowest rate the search found lossy, just above"
	echo "capacity (else $SAT_OVER times the highest lossless rate; every packet once; further above, the"
	echo "relay's core livelocks on receive work), what reached B per second in a ${WIN} s window ${WARM} s into the load (64/63 of"
	echo "tc's drops). Searches start at $START packets/s (rtpengine $RTPE_START, in-kernel KTR ${REAL_START_KERNEL:-$((START * 2))}), $TRIALS trials at most"
	echo "(rtpengine $RTPE_TRIALS_V)."
	echo "ktrsbc's calls are real calls (SIPp and ktrua, full DTLS and KTR, as in \"Real calls\")."
	echo
	echo "| relay | highest lossless pps | saturation pps | core busy % (lossless) |"
	echo "|---|---:|---:|---:|"
	for r in raw ktr ktr-kernel fallback rtpengine; do
		case $r in
		raw) label="raw relay (bench_raw)" ;;
		ktr) label="ktrsbc, KTR calls, userspace" ;;
		ktr-kernel) label="ktrsbc, KTR calls, in-kernel (tc eBPF) — rtpengine's kernel module cannot load here" ;;
		fallback) label="ktrsbc, fallback calls (transcrypt)" ;;
		rtpengine) label="rtpengine transcrypting (userspace only)" ;;
		esac
		busy=$(awk -F, -v r="$r" 'NR > 1 && $1 == r && $4 == "lossless" { print $8; exit }' "$CSVV")
		echo "| $label | $(lv "$r" lossless || true) | $(lv "$r" saturation || true) | $busy |"
	done
	echo
	echo "$KMOD${RTPE_NOTE:+; $RTPE_NOTE}."
	echo
	echo "ktr/rtpengine = $R2 (target >= 4: KTR calls as ktrsbc ships, \`offload = auto\`, forwarded in the"
	echo "kernel here), fallback/rtpengine = $R3 (target >= 2); KTR calls with \`offload = off\` (userspace"
	echo "only) against rtpengine: $R2U. Highest lossless against highest lossless.${CUT:+ **Cut short at the limit of this section (${LIMIT} s): missing figures were not measured.**}"
	echo
	echo "Trials (raw, rtpengine):"
	echo
	echo "| relay | offered pps | sent | received | sink pps | core busy % | auth ok/sampled | verdict |"
	echo "|---|---:|---:|---:|---:|---:|---:|---|"
	cat "$W/trials.md"
	echo
	if [ -s "$W/real-trials.md" ]; then
		echo "Trials (ktrsbc, real calls; columns as in \"Real calls\"):"
		echo
		cat "$W/real-trials.md"
	fi
} >"$OUT/veth.md"
echo "bench-veth: calls=$N raw=$(lv raw lossless) ktr=$(lv ktr lossless) ktr_kernel=$(lv ktr-kernel lossless) fallback=$(lv fallback lossless) rtpengine=$(lv rtpengine lossless) ktr/rtpengine=$R2 ktr_user/rtpengine=$R2U fallback/rtpengine=$R3${CUT:+ cut}"

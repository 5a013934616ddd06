#!/bin/bash
# Issue 6, items 3 and 4: call setup rate, the post-dial delay ktrsbc adds,
# and memory per established KTR call. Called by scripts/bench.sh; runs by
# itself too (after `make`), as root (dumpcap on lo).
#
# Peers: SIPp (tests/bench/calls_uac.xml) is the SDES caller on the trusted
# pbx trunk, with a=crypto; build/ktrua --dtls --ktr is the callee on the
# carrier trunk: every call is a full DTLS handshake (ECDSA P-256, no
# resumption) between the relay and ktrua, then KTR new_srtp_key(A). ktrsbc
# is pinned to CPU 1 (all its threads; relay_workers = 1), SIPp, ktrua and
# dumpcap to CPU 0. Loopback only; every process bounded by timeout(1);
# only the PIDs started here are killed.
#
#  1. setup rate: SIPp at R calls/s for CALLS_STEP_S seconds, each call
#     held CALLS_HOLD_MS then hung up, for R in CALLS_RATES, stopping at
#     the first step that fails. A step passes when at most 0.5 % of its
#     calls failed and the 200s came back at >= 95 % of R. setup_cps is the
#     completed rate of the highest passing step. Reported with ktrsbc's
#     CPU (its process, from /proc/PID/stat) and both cores' busy % (from
#     /proc/stat) over the steady part of the step, so the figure can be
#     normalised and a saturated peer core seen.
#  2. post-dial delay at CALLS_PDD_RATE calls/s: a capture of ktrsbc's SIP
#     port (both legs); per call, (INVITE in -> first 18x/200 out on the
#     caller's leg) minus (INVITE out -> first 18x/200 in on the callee's
#     leg), paired by the Request-URI user that SIPp makes unique per call.
#  3. memory: a fresh ktrsbc, a few warm-up calls, idle VmRSS; then CALLS_MEM
#     calls established and held; VmRSS (and Pss, Private_Dirty) minus idle,
#     divided by the calls.
# Output: lines on the terminal, $OUT/results-calls.md (a section for
# bench/results.md), $OUT/results-calls.csv, and as the last line
#   bench-calls: setup_cps=N pdd_p50_ms=X pdd_p99_ms=Y kib_per_call=Z setup_cpu_ms=C
# (C: ktrsbc's own CPU ms per call set-up, from its rusage over the run).
set -euo pipefail

BUILD=${BUILD:-build}
cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-bench}
SBC=$BUILD/ktrsbc
UA=$BUILD/ktrua
CTL=$BUILD/ktrsbc-ctl
RATES=${CALLS_RATES:-"100 200 250 300 350 400 500 600 800"}
STEP_S=${CALLS_STEP_S:-5}
HOLD_MS=${CALLS_HOLD_MS:-1000}
PDD_RATE=${CALLS_PDD_RATE:-50}
PDD_S=${CALLS_PDD_S:-10}
MEM_CALLS=${CALLS_MEM:-1000}
MEM_RATE=${CALLS_MEM_RATE:-200}
UA_PPS=${CALLS_UA_PPS:-5} # ktrua's media per call: light, the load is signalling
SUT_CPU=1
LOAD_CPU=0
PY=/usr/bin/python3

missing=""
for b in "$SBC" "$UA" "$CTL"; do [ -x "$b" ] || missing="$missing $b"; done
for t in sipp taskset timeout dumpcap tshark ss; do
	command -v $t >/dev/null 2>&1 || missing="$missing $t"
done
[ -x "$PY" ] || missing="$missing $PY"
[ "$(id -u)" -eq 0 ] || missing="$missing root(dumpcap)"
[ "$(nproc)" -ge 2 ] || missing="$missing a-second-CPU"
if [ -n "$missing" ]; then
	echo "bench-calls: missing:$missing" >&2
	exit 1
fi

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
tmp=$(mktemp -d /tmp/ktrbench-calls.XXXXXX)
# pids/spid/cleanup (kills only what we started), sbc_conf, wait_port.
. tests/integ/lib/sbc.sh
# sbc.sh's cleanup without errexit (a kill of a process already gone is not
# an error), also when our output goes away (piped into head): no orphans.
trap 'set +e; cleanup' EXIT INT TERM HUP PIPE

# Ports: SIP from $$ in 64800..65399 (above the ephemeral range, apart from
# the tests' ranges); media ranges outside the ephemeral range too.
P=$((64800 + ($$ % 60) * 10))
SBC_SIP=$P
PBX=$((P + 2))
CARRIER=$((P + 4))
SIPP_MEDIA=$((P + 6))
SBC_MEDIA="56000 60799" # 4 ports per call (RTP/RTCP pairs on both legs): 1200 calls
UA_MEDIA=63400-64799
conf=$tmp/conf
sbc_conf "$conf" "$SBC_SIP" "$PBX" "$CARRIER" $SBC_MEDIA
# The bench's own limits (never the shipped conf/): one relay worker on the
# one core, room for the calls.
sed -i -e 's/^relay_workers *=.*/relay_workers = 1/' \
	-e 's/^max_calls *=.*/max_calls = 4000/' "$conf/ktrsbc.conf"
XML=$PWD/tests/bench/calls_uac.xml

mkdir -p "$OUT"
CSV=$OUT/results-calls.csv
echo "test,rate_cps,calls,ok,failed,ktr_ok,completed_cps,sbc_cpu_pct,sut_core_pct,load_core_pct,p50_ms,p99_ms,note,ktrua_cpu_pct,sipp_cpu_pct,sip_drops_sbc/ua/sipp" >"$CSV"

TCK=$(getconf CLK_TCK)
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# The process timeout(1) runs (taskset execs timeout, which forks it).
child_of() { awk '{ print $1 }' "/proc/$1/task/$1/children" 2>/dev/null; }
pct() { awk -v a="$1" -v b="$2" -v t0="$3" -v t1="$4" -v k="$TCK" 'BEGIN { printf "%.0f", (t1 > t0) ? (b - a) * 100000 / k / (t1 - t0) : 0 }'; }
# core_ticks N: "busy total" jiffies of CPU N (busy = all but idle, iowait).
core_ticks() {
	awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}
now_ms() { date +%s%3N; }
# udp_drops PORT: datagrams the kernel dropped (receive buffer full) on the
# UDP sockets bound to 127.0.0.1:PORT (/proc/net/udp, last column).
udp_drops() {
	awk -v p="$(printf '0100007F:%04X' "$1")" '$2 == p { d += $NF } END { print d + 0 }' /proc/net/udp
}

sbc_start() {
	taskset -c $SUT_CPU "$SBC" -c "$conf/ktrsbc.conf" >"$tmp/sbc.out" 2>>"$tmp/sbc.err" &
	spid=$!
	for _ in $(seq 200); do wait_port "$SBC_SIP" && return 0; done
	echo "bench-calls: ktrsbc did not start" >&2
	tail "$tmp/sbc.err" >&2
	exit 1
}
# ktrsbc's own CPU over the whole run (its rusage: utime + stime, as
# /proc/PID/stat gives them, all threads) and the calls it set up, summed
# over its instances: setup_cpu_ms = CPU ms per call set-up (the calls'
# media is ktrua's 5 packets/s: negligible beside set-up and tear-down).
SBC_TICKS=0
SBC_CALLS=0
sbc_stop() {
	local t c
	t=$(proc_ticks "$spid")
	c=$("$CTL" -s "$conf/ctl.sock" stats 2>/dev/null | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["calls_total"])' 2>/dev/null || echo 0)
	SBC_TICKS=$((SBC_TICKS + ${t:-0}))
	SBC_CALLS=$((SBC_CALLS + ${c:-0}))
	kill -TERM "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	spid=""
}

# ua_start NAME CALLS BOUND_S: the DTLS callee, exits after CALLS calls.
ua_start() {
	taskset -c $LOAD_CPU timeout "$3" "$UA" --dtls --ktr --listen "127.0.0.1:$CARRIER" \
		--calls "$2" --pps "$UA_PPS" --media-ports "$UA_MEDIA" --timeout "$3" \
		>"$tmp/$1.ua.json" 2>"$tmp/$1.ua.err" &
	upid=$!
	pids="$pids $upid"
	wait_port "$CARRIER"
}
ua_end() {
	for _ in $(seq 100); do kill -0 "$upid" 2>/dev/null || break; sleep 0.1; done
	kill "$upid" 2>/dev/null || true
	wait "$upid" 2>/dev/null || true
}
# ua_ktr_ok NAME: calls the DTLS UA answered that completed the handshake
# with key_transport negotiated. (ktrsbc announces the SDES UA's key with
# new_srtp_key at that UA's first RTP packet; SIPp sends no media here, so
# no key is announced: scripts/bench-real.sh measures calls with media.)
ua_ktr_ok() {
	"$PY" -c '
import json, sys
n = 0
for l in open(sys.argv[1]):
    if l.startswith("{"):
        c = json.loads(l)
        m = c.get("media") or {}
        n += c["sip_status"] == 200 and c["mode"] == "dtls-ktr" and m.get("ktr", False)
print(n)' "$tmp/$1.ua.json"
}

# sipp_start NAME RATE CALLS HOLD_MS: SIPp in the background from its own
# directory (the rtt file lands there), PID in $sipp_pid.
sipp_start() {
	mkdir -p "$tmp/$1"
	(cd "$tmp/$1" && exec taskset -c $LOAD_CPU timeout 120 sipp -sf "$XML" \
		-i 127.0.0.1 -p "$PBX" -mp "$SIPP_MEDIA" -s bench -nostdin -buff_size 4194304 \
		-r "$2" -m "$3" -l 5000 -d "$4" -timeout 100 -timeout_error \
		-trace_rtt -rtt_freq 100 -trace_stat -stf stat.csv -fd 1 \
		-trace_err -error_file err.log "127.0.0.1:$SBC_SIP" >sipp.out 2>&1) &
	sipp_pid=$!
	pids="$pids $sipp_pid"
}

# sipp_summary NAME: "ok failed completed_cps p50 p99" from SIPp's
# statistics and its INVITE->200 times (ms; SIPp's clock ticks in ms).
sipp_summary() {
	"$PY" - "$tmp/$1" <<'PY'
import csv, glob, sys
d = sys.argv[1]
rows = list(csv.reader(open(d + "/stat.csv"), delimiter=";"))
h, last = rows[0], rows[-1]
ok = int(last[h.index("SuccessfulCall(C)")])
failed = int(last[h.index("FailedCall(C)")])
rt = []
for f in glob.glob(d + "/*_rtt.csv"):
    for l in open(f):
        p = l.strip().split(";")
        if len(p) >= 2 and p[0][:1].isdigit():
            rt.append((float(p[0]), float(p[1])))
cps = 0.0
if len(rt) > 1:
    t0 = min(t - r for t, r in rt)
    t1 = max(t for t, r in rt)
    if t1 > t0:
        cps = (len(rt) - 1) * 1000.0 / (t1 - t0)
v = sorted(r for t, r in rt)
q = lambda x: v[min(len(v) - 1, int(x * len(v)))] if v else 0
print(ok, failed, "%.0f" % cps, "%.1f" % q(0.5), "%.1f" % q(0.99))
PY
}

# --- 1. setup rate --------------------------------------------------------
echo "bench-calls: call setup rate (ktrsbc on CPU $SUT_CPU; SIPp + ktrua on CPU $LOAD_CPU; each call held ${HOLD_MS} ms)"
sbc_start
# Warm-up: the first calls pay one-time set-up (certificates, tables).
ua_start warm 20 30
sipp_start warm 20 20 200
wait "$sipp_pid" || true
ua_end

BEST=0
BEST_LINE=""
# A failed step is run once more before the ladder stops: on a shared
# machine one step can be starved by other processes.
# shellcheck disable=SC2086
set -- $RATES
retried=""
# Under scripts/bench.sh the section has SECTION_LIMIT seconds: the ladder
# stops early enough to leave the post-dial delay and memory parts theirs.
LADDER_END=$(($(date +%s) + ${SECTION_LIMIT:-100000} * 55 / 100))
CALLS_CUT=""
while [ $# -gt 0 ]; do
	if [ "$(date +%s)" -ge "$LADDER_END" ]; then CALLS_CUT=" cut"; break; fi
	R=$1
	S=r$R${retried:+.2}
	M=$((R * STEP_S))
	ua_start "$S" "$M" $((STEP_S + 40))
	sipp_start "$S" "$R" "$M" "$HOLD_MS"
	# Steady state: after the first second (hold and BYEs running) until
	# one second before the last INVITE.
	sleep 1
	ua_p=$(child_of "$upid"); sipp_p=$(child_of "$sipp_pid")
	u0=$(proc_ticks "$ua_p"); s0=$(proc_ticks "$sipp_p")
	p0=$(proc_ticks "$spid"); read -r sb0 st0 < <(core_ticks $SUT_CPU)
	read -r lb0 lt0 < <(core_ticks $LOAD_CPU); t0=$(now_ms)
	sleep $((STEP_S - 2))
	d_sbc=$(udp_drops "$SBC_SIP"); d_ua=$(udp_drops "$CARRIER"); d_sipp=$(udp_drops "$PBX")
	u1=$(proc_ticks "$ua_p"); s1=$(proc_ticks "$sipp_p")
	p1=$(proc_ticks "$spid"); read -r sb1 st1 < <(core_ticks $SUT_CPU)
	read -r lb1 lt1 < <(core_ticks $LOAD_CPU); t1=$(now_ms)
	wait "$sipp_pid" || true
	ua_end
	read -r ok failed cps p50 p99 < <(sipp_summary "$S") || true
	kok=$(ua_ktr_ok "$S")
	sbc_pct=$(pct "$p0" "$p1" "$t0" "$t1")
	ua_pct=$(pct "$u0" "$u1" "$t0" "$t1")
	sipp_pct=$(pct "$s0" "$s1" "$t0" "$t1")
	sut_pct=$(awk -v a="$sb0" -v b="$sb1" -v c="$st0" -v d="$st1" 'BEGIN { printf "%.0f", (d > c) ? (b - a) * 100 / (d - c) : 0 }')
	load_pct=$(awk -v a="$lb0" -v b="$lb1" -v c="$lt0" -v d="$lt1" 'BEGIN { printf "%.0f", (d > c) ? (b - a) * 100 / (d - c) : 0 }')
	pass=$(awk -v m="$M" -v ok="$ok" -v f="$failed" -v c="$cps" -v r="$R" -v k="$kok" \
		'BEGIN { print (ok + f >= m && f * 200 <= m && c >= 0.95 * r && k >= ok) ? "pass" : "FAIL" }')
	echo "setup,$R,$M,$ok,$failed,$kok,$cps,$sbc_pct,$sut_pct,$load_pct,$p50,$p99,$pass,$ua_pct,$sipp_pct,$d_sbc/$d_ua/$d_sipp" >>"$CSV"
	printf '  %5s cps offered: %5s ok %4s failed %5s KTR at the DTLS UA, %5s cps completed; INVITE->200 p50 %s p99 %s ms; CPU %%: ktrsbc %s (core %s %s), ktrua %s + SIPp %s (core %s %s); SIP datagrams dropped by the kernel at ktrsbc/ktrua/SIPp %s  %s\n' \
		"$R" "$ok" "$failed" "$kok" "$cps" "$p50" "$p99" "$sbc_pct" $SUT_CPU "$sut_pct" "$ua_pct" "$sipp_pct" $LOAD_CPU "$load_pct" "$d_sbc/$d_ua/$d_sipp" "$pass"
	if [ "$pass" != pass ]; then
		[ -z "$retried" ] || break
		retried=$R
		continue
	fi
	retried=""
	shift
	BEST=$cps
	BEST_LINE="$R,$cps,$sbc_pct,$load_pct"
done

# --- 2. post-dial delay ---------------------------------------------------
echo "bench-calls: post-dial delay ktrsbc adds at $PDD_RATE calls/s (capture of both SIP legs)"
M=$((PDD_RATE * PDD_S))
taskset -c $LOAD_CPU timeout $((PDD_S + 60)) dumpcap -q -i lo -f "udp port $SBC_SIP" \
	-w "$tmp/pdd.pcapng" >/dev/null 2>"$tmp/dumpcap.err" &
cpid=$!
pids="$pids $cpid"
sleep 1
ua_start pdd "$M" $((PDD_S + 40))
sipp_start pdd "$PDD_RATE" "$M" "$HOLD_MS"
wait "$sipp_pid" || true
ua_end
sleep 0.5
kill "$cpid" 2>/dev/null || true
wait "$cpid" 2>/dev/null || true
read -r pok pfailed pcps _ _ < <(sipp_summary pdd) || true
pkok=$(ua_ktr_ok pdd)
tshark -r "$tmp/pdd.pcapng" -d "udp.port==$SBC_SIP,sip" -Y sip -T fields -E separator=';' \
	-e frame.time_epoch -e udp.srcport -e udp.dstport -e sip.Method -e sip.Status-Code \
	-e sip.CSeq.method -e sip.Call-ID -e sip.r-uri.user >"$tmp/pdd.txt" 2>"$tmp/tshark.err" || true
read -r pdd_n pdd_p50 pdd_p99 pdd_max tot_p50 tot_p99 cal_p50 cal_p99 rt_p50 rt_p99 ans_p50 ans_p99 < <(
	"$PY" - "$tmp/pdd.txt" "$SBC_SIP" "$PBX" "$CARRIER" <<'PY'
import sys
path, sbc, pbx, car = sys.argv[1], *sys.argv[2:5]
user_of = {}          # Call-ID -> Request-URI user (per leg)
t = {}                # (leg, user, what) -> first time
for line in open(path):
    p = line.rstrip("\n").split(";")
    if len(p) < 8:
        continue
    ts, sp, dp, meth, code, cseq, cid, ruser = p[:8]
    ts = float(ts)
    if meth == "INVITE" and ruser:
        leg = "in" if dp == sbc and sp == pbx else "out" if sp == sbc and dp == car else None
        if leg:
            user_of[cid] = ruser
            t.setdefault((leg, ruser, "inv"), ts)
    elif code and cseq == "INVITE" and cid in user_of and code[:1] in "12":
        c = int(code)
        if c < 180 or c >= 300:
            continue
        leg = "in" if sp == sbc and dp == pbx else "out" if sp == car and dp == sbc else None
        if leg:
            t.setdefault((leg, user_of[cid], "ans"), ts)
added, total, callee, route, answer = [], [], [], [], []
for (leg, u, w), v in list(t.items()):
    if leg != "in" or w != "inv":
        continue
    k = [("in", u, "ans"), ("out", u, "inv"), ("out", u, "ans")]
    if not all(x in t for x in k):
        continue
    tot = t[k[0]] - v
    cal = t[k[2]] - t[k[1]]
    total.append(tot * 1e3)
    callee.append(cal * 1e3)
    added.append((tot - cal) * 1e3)
    route.append((t[k[1]] - v) * 1e3)
    answer.append((t[k[0]] - t[k[2]]) * 1e3)
def q(v, x):
    v = sorted(v)
    return "%.2f" % v[min(len(v) - 1, int(x * len(v)))] if v else "n/a"
print(len(added), q(added, .5), q(added, .99), q(added, 1.0), q(total, .5), q(total, .99),
      q(callee, .5), q(callee, .99), q(route, .5), q(route, .99), q(answer, .5), q(answer, .99))
PY
) || true
echo "pdd,$PDD_RATE,$M,$pok,$pfailed,$pkok,$pcps,,,,$pdd_p50,$pdd_p99,paired=$pdd_n max=$pdd_max caller_p50=$tot_p50 caller_p99=$tot_p99 callee_p50=$cal_p50 callee_p99=$cal_p99 route_p50=$rt_p50 route_p99=$rt_p99 answer_p50=$ans_p50 answer_p99=$ans_p99" >>"$CSV"
printf '  %s calls (%s ok, %s failed, %s KTR), %s paired: added p50 %s ms, p99 %s ms (max %s)\n' \
	"$M" "$pok" "$pfailed" "$pkok" "$pdd_n" "$pdd_p50" "$pdd_p99" "$pdd_max"
printf '    caller INVITE->answer p50 %s p99 %s ms = callee %s / %s + INVITE in->out %s / %s + callee answer->our answer (DTLS handshake) %s / %s\n' \
	"$tot_p50" "$tot_p99" "$cal_p50" "$cal_p99" "$rt_p50" "$rt_p99" "$ans_p50" "$ans_p99"
sbc_stop

# --- 3. memory per established call ----------------------------------------
echo "bench-calls: memory per established KTR call ($MEM_CALLS calls, fresh ktrsbc)"
sbc_start
ua_start mwarm 20 30
sipp_start mwarm 20 20 200
wait "$sipp_pid" || true
ua_end
sleep 1
rss() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/$3"; }
idle_rss=$(rss "$spid" VmRSS status)
idle_pss=$(rss "$spid" Pss smaps_rollup)
idle_pd=$(rss "$spid" Private_Dirty smaps_rollup)
# Hold every call until all are up and measured: ramp + settle + margin.
RAMP_MS=$((MEM_CALLS * 1000 / MEM_RATE))
ua_start mem "$MEM_CALLS" $((RAMP_MS / 1000 + 60))
sipp_start mem "$MEM_RATE" "$MEM_CALLS" $((RAMP_MS + 8000))
up=0
end=$(($(now_ms) + RAMP_MS + 6000))
while [ "$(now_ms)" -lt "$end" ]; do
	up=$("$CTL" -s "$conf/ctl.sock" stats 2>/dev/null | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["calls_ktr"])' 2>/dev/null || echo 0)
	[ "$up" -ge "$MEM_CALLS" ] && break
	sleep 0.5
done
sleep 1
full_rss=$(rss "$spid" VmRSS status)
full_pss=$(rss "$spid" Pss smaps_rollup)
full_pd=$(rss "$spid" Private_Dirty smaps_rollup)
cp "/proc/$spid/smaps" "$tmp/smaps.full" 2>/dev/null || true
wait "$sipp_pid" || true
ua_end
sleep 1
after_rss=$(rss "$spid" VmRSS status)
sbc_stop
read -r mok mfailed _ _ _ < <(sipp_summary mem) || true
per() { awk -v a="$1" -v b="$2" -v n="$up" 'BEGIN { if (n > 0) printf "%.1f", (b - a) / n; else print "n/a" }'; }
KIB=$(per "$idle_rss" "$full_rss")
KIB_PSS=$(per "$idle_pss" "$full_pss")
KIB_PD=$(per "$idle_pd" "$full_pd")
echo "memory,$MEM_RATE,$MEM_CALLS,$mok,$mfailed,$up,,,,,,,idle_rss_kib=$idle_rss full_rss_kib=$full_rss after_rss_kib=$after_rss kib_per_call_rss=$KIB kib_per_call_pss=$KIB_PSS kib_per_call_private_dirty=$KIB_PD" >>"$CSV"
printf '  %s KTR calls up at once (of %s): VmRSS idle %s KiB, with the calls %s KiB, after they ended %s KiB\n' \
	"$up" "$MEM_CALLS" "$idle_rss" "$full_rss" "$after_rss"
printf '  per call: VmRSS %s KiB, Pss %s KiB, Private_Dirty %s KiB (target <= 48)\n' "$KIB" "$KIB_PSS" "$KIB_PD"

# --- report -------------------------------------------------------------------
SETUP_CPS=$(echo "$BEST" | awk '{ printf "%.0f", $1 }')
SETUP_CPU_MS=$(awk -v t="$SBC_TICKS" -v c="$SBC_CALLS" -v k="$TCK" 'BEGIN { if (c > 0) printf "%.2f", t * 1000 / k / c; else print "n/a" }')
[ -n "$BEST_LINE" ] || SETUP_CPS=0
{
	echo
	echo "## Call setup, post-dial delay, memory per call (scripts/bench-calls.sh)"
	echo
	echo "SIPp $(sipp -v 2>/dev/null | grep -o 'v[0-9][0-9.]*[0-9]' | head -1) (tests/bench/calls_uac.xml) is the SDES caller on the trusted pbx trunk"
	echo "(a=crypto); \`ktrua --dtls --ktr\` answers on the carrier trunk. Every call: INVITE across ktrsbc,"
	echo "a full DTLS 1.2 handshake (ECDSA P-256, no resumption) between the relay and ktrua, KTR"
	echo "new_srtp_key(A) to ktrua, then the 200 with B to SIPp; held ${HOLD_MS} ms, BYE. ktrsbc on CPU"
	echo "$SUT_CPU (one relay worker), SIPp and ktrua (${UA_PPS} RTP packets/s per call) on CPU $LOAD_CPU."
	echo "Load average when the run started: $LOAD_START (above ~0.2 other processes shared the cores:"
	echo "the figures are noisy)."
	echo
	echo "### Setup rate"
	echo
	echo "Each step offers R calls/s for ${STEP_S} s; it passes with <= 0.5 % failed calls and the 200s"
	echo "completing at >= 95 % of R (a failed step is run once more before the ladder stops). \`KTR ok\`: calls ktrua reports with the handshake done and"
	echo "key_transport negotiated (the SDES UA's key follows its first RTP packet; SIPp sends none here). CPU over the steady part of the step (setups and teardowns): ktrsbc's own"
	echo "(/proc/PID/stat) and each core's (/proc/stat, softirq included). SIP drops: datagrams the"
	echo "kernel dropped on each SIP socket for a full receive buffer (/proc/net/udp), counted up to"
	echo "the end of that window."
	echo
	echo "| offered cps | calls | ok | failed | KTR ok | completed cps | ktrsbc CPU % | SBC core % | ktrua CPU % | SIPp CPU % | peers core % | INVITE->200 p50 / p99 ms | SIP drops ktrsbc/ktrua/SIPp | |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	awk -F, '$1 == "setup" { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8, $9, $14, $15, $10, $11, $12, $16, $13 }' "$CSV"
	echo
	if [ -n "$BEST_LINE" ]; then
		IFS=, read -r br bc bs bl <<<"$BEST_LINE"
		echo "setup_cps = $SETUP_CPS (step $br; target >= 300): ktrsbc's process at $bs % of its core,"
		echo "the peers' core at $bl %$(awk -v s="$bs" -v c="$bc" 'BEGIN { if (s > 0) printf "; at 100 %% of the SBC core this would be ~%.0f cps", c * 100 / s }')."
		echo "Where the peers' core is near 100 % and ktrsbc's is not, the peers (SIPp, ktrua's"
		echo "handshakes) limit the figure, not ktrsbc."
	else
		echo "setup_cps = 0: no step passed."
	fi
	echo
	echo "### Post-dial delay ktrsbc adds (${PDD_RATE} calls/s, ${PDD_S} s)"
	echo
	echo "Method: dumpcap on lo, ktrsbc's SIP port (both legs). Per call: caller INVITE in -> first"
	echo "18x/200 out, minus ktrsbc's INVITE out -> the callee's first 18x/200 in (the callee's own"
	echo "time); the legs are paired by the Request-URI user, unique per call. The difference is"
	echo "routing plus, after the callee's 200, the DTLS handshake and KTR that the SDES answer"
	echo "waits for (it must carry B, the DTLS UA's key)."
	echo
	echo "| | p50 ms | p99 ms |"
	echo "|---|---:|---:|"
	echo "| added by ktrsbc ($pdd_n calls paired; max $pdd_max ms) | $pdd_p50 | $pdd_p99 |"
	echo "| caller's INVITE -> answer | $tot_p50 | $tot_p99 |"
	echo "| callee's INVITE -> answer | $cal_p50 | $cal_p99 |"
	echo "| of the added: INVITE in -> INVITE out | $rt_p50 | $rt_p99 |"
	echo "| of the added: callee's 200 -> ktrsbc's 200 (DTLS + KTR) | $ans_p50 | $ans_p99 |"
	echo
	echo "Target p99 added < 20 ms. Calls: $pok ok, $pfailed failed, $pkok with KTR at the DTLS UA."
	echo
	echo "### Memory per established KTR call"
	echo
	echo "A fresh ktrsbc, 20 warm-up calls, then $MEM_CALLS calls at $MEM_RATE/s held until all are up"
	echo "(ktrsbc-ctl stats: calls_ktr). (with calls - idle) / calls up; the bench's own conf copy"
	echo "raises max_calls to 4000 and gives 4800 relay ports (4 per call)."
	echo
	echo "| | idle KiB | $up calls KiB | per call KiB |"
	echo "|---|---:|---:|---:|"
	echo "| VmRSS | $idle_rss | $full_rss | $KIB |"
	echo "| Pss | $idle_pss | $full_pss | $KIB_PSS |"
	echo "| Private_Dirty | $idle_pd | $full_pd | $KIB_PD |"
	echo
	echo "VmRSS after the calls ended: $after_rss KiB. Target <= 48 KiB per call."
	echo
	echo "### ktrsbc's CPU per call set-up"
	echo
	echo "ktrsbc's own user + system time (/proc/PID/stat, all threads: its rusage) at the end of each"
	echo "of its instances in this run, over the calls it set up (ktrsbc-ctl stats: calls_total):"
	echo "$SBC_TICKS ticks of 1/$TCK s over $SBC_CALLS calls = **$SETUP_CPU_MS ms per call** (set-up,"
	echo "the DTLS handshake and KTR, tear-down, and ktrua's 5 packets/s of media while held)."
	echo
	echo "bench-calls: setup_cps=$SETUP_CPS pdd_p50_ms=$pdd_p50 pdd_p99_ms=$pdd_p99 kib_per_call=$KIB setup_cpu_ms=$SETUP_CPU_MS$CALLS_CUT"
} >"$OUT/results-calls.md.new"
mv "$OUT/results-calls.md.new" "$OUT/results-calls.md"
echo "bench-calls: setup_cps=$SETUP_CPS pdd_p50_ms=$pdd_p50 pdd_p99_ms=$pdd_p99 kib_per_call=$KIB setup_cpu_ms=$SETUP_CPU_MS$CALLS_CUT"

#!/bin/sh
# ktrsbc with the in-kernel fast path (issue 7), end to end, in network
# namespaces this test creates and deletes (nothing leaves them):
#
#   A: ktrua --sdes (pbx)  ka <-> ksa  S: ktrsbc (SIP and media on 203.0.113.1, lo)  ksb <-> kb  B: ktrua --dtls --ktr (carrier)
#
# ktrsbc runs on a copy of the shipped configuration (offload = auto,
# offload_devices = auto: the media address is on lo, so every other up
# device: ksa and ksb). Checked: ktrsbc says it attached; during a KTR call
# (either direction; from the DTLS side once the window has passed)
# `ktrsbc-ctl calls` shows the call offloaded with the kernel's packets
# merged into both legs' counters; both UAs authenticate every packet; a
# re-key by re-INVITE on the offloaded call loses nothing at the DTLS UA;
# a media move (re-INVITE to a new port, ktrua --move-after-ms) takes the
# call back, the relay follows and the call is offloaded again; a hold with
# c=0.0.0.0 takes it back (nothing may go toward the held UA, from the kernel
# either) and the resume offloads it again;
# after the calls no call is offloaded and `stats` counts kernel packets;
# with offload = off the same call works and nothing is offloaded.
# Without root, ip netns or BPF at all (a trivial tc program does not
# load): every check is a TAP SKIP with the reason. When BPF loads but
# ktrsbc does not attach its program (missing, rejected by the verifier,
# not attached): every check fails.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_offload

PLAN=16
skip() {
	echo "1..$PLAN"
	i=1
	while [ $i -le $PLAN ]; do
		echo "ok $i - in-kernel fast path # SKIP BPF unavailable: $1"
		i=$((i + 1))
	done
	exit 0
}
need "$SBC" "$CTL" "$UA"
[ "$(id -u)" = 0 ] || skip "not root"
for t in ip python3 timeout; do
	command -v "$t" >/dev/null 2>&1 || skip "$t missing"
done
# Does this machine load BPF programs at all? r0 = 0; exit as a tc program
# through libbpf (as tests/lib/netns_fix.c's netns_fix_bpf_probe).
bpf_probe() {
	python3 - <<'PY'
import ctypes, ctypes.util, os, sys
try:
    lib = ctypes.CDLL(ctypes.util.find_library("bpf") or "libbpf.so.1")
except OSError as e:
    print(f"no libbpf: {e}"); sys.exit(1)
f = lib.bpf_prog_load
f.restype = ctypes.c_int
f.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p,
              ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
insns = (ctypes.c_uint64 * 2)(0xb7, 0x95)  # BPF_MOV64_IMM(r0, 0); BPF_EXIT
fd = f(3, b"ktr_probe", b"GPL", insns, 2, None)  # BPF_PROG_TYPE_SCHED_CLS
if fd < 0:
    print(f"a trivial tc program does not load: {os.strerror(-fd)}"); sys.exit(1)
os.close(fd)
PY
}
why=$(bpf_probe) || skip "${why:-BPF probe failed}"

ns=ktrs$$
netns_del() {
	for s in a s b; do ip netns del "$ns-$s" 2>/dev/null; done
}
trap 'cleanup; netns_del' EXIT INT TERM

setup() {
	for s in a s b; do ip netns add "$ns-$s" || return 1; done
	ip -n "$ns-a" link add ka type veth peer name ksa netns "$ns-s" &&
	ip -n "$ns-s" link add ksb type veth peer name kb netns "$ns-b" &&
	ip -n "$ns-a" addr add 192.0.2.2/24 dev ka &&
	ip -n "$ns-s" addr add 192.0.2.1/24 dev ksa &&
	ip -n "$ns-s" addr add 198.51.100.1/24 dev ksb &&
	ip -n "$ns-s" addr add 203.0.113.1/32 dev lo &&
	ip -n "$ns-b" addr add 198.51.100.2/24 dev kb &&
	for s in a s b; do ip -n "$ns-$s" link set lo up || return 1; done &&
	ip -n "$ns-a" link set ka up && ip -n "$ns-s" link set ksa up &&
	ip -n "$ns-s" link set ksb up && ip -n "$ns-b" link set kb up &&
	ip -n "$ns-a" route add 203.0.113.0/24 via 192.0.2.1 &&
	ip -n "$ns-b" route add 203.0.113.0/24 via 198.51.100.1
}
setup >/dev/null 2>&1 || skip "cannot set up network namespaces"

# The shipped configuration moved into the namespaces.
conf=$tmp/conf
mkdir -p "$conf/trunks"
sed -e "s/^sip_listen *=.*/sip_listen = udp:203.0.113.1:5060/" \
    -e "s/^media_address *=.*/media_address = 203.0.113.1/" \
    -e "s|^control_socket *=.*|control_socket = $conf/ctl.sock|" \
    conf/ktrsbc.conf >"$conf/ktrsbc.conf"
sed -e 's/127\.0\.0\.1:5070/192.0.2.2:5070/' -e 's/127\\\.0\\\.0\\\.1:5070/192\\.0\\.2\\.2:5070/' \
    conf/trunks/pbx.conf >"$conf/trunks/pbx.conf"
sed -e 's/127\.0\.0\.1:5080/198.51.100.2:5080/' -e 's/127\\\.0\\\.0\\\.1:5080/198\\.51\\.100\\.2:5080/' \
    conf/trunks/carrier.conf >"$conf/trunks/carrier.conf"

in_s() { ip netns exec "$ns-s" "$@"; }
sbc_start_ns() {
	# ip netns exec execs ktrsbc: $! is ktrsbc's own PID
	ip netns exec "$ns-s" "$SBC" -c "$conf/ktrsbc.conf" -v >"$tmp/sbc.out" 2>"$tmp/sbc$1.err" &
	spid=$!
	i=0
	until in_s "$CTL" -s "$conf/ctl.sock" stats >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}
sbc_stop() {
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=""
}

echo "1..$PLAN"
sbc_start_ns 1
check $? "ktrsbc starts in the SBC namespace"
if ! grep -q "offload: KTR calls forwarded in the kernel once established (on: ksa ksb)" "$tmp/sbc1.err"; then
	# BPF loads here (bpf_probe): our program is missing, rejected or
	# not attached. A failure, never a skip.
	why=$(grep -o "offload: not used: .*" "$tmp/sbc1.err" | head -n 1)
	sbc_stop
	while [ "$n" -lt $PLAN ]; do
		nok "ktrsbc did not attach its tc program: ${why:-no offload line}"
	done
	exit 1
fi
ok "offload = auto attached to the devices media arrives on (ksa, ksb)"

# call NAME EXTRA-CALLER-ARGS: the DTLS+KTR UA in B answers, the SDES UA
# in A calls; `ktrsbc-ctl calls` is taken mid-call into $tmp/NAME.calls.
call() {
	name=$1
	shift
	ip netns exec "$ns-b" timeout 60 "$UA" --dtls --ktr --listen 198.51.100.2:5080 \
		>"$tmp/$name.callee.json" 2>"$tmp/$name.callee.err" &
	cpid=$!
	pids="$pids $cpid"
	sleep 0.5
	ip netns exec "$ns-a" timeout 60 "$UA" --sdes --listen 192.0.2.2:5070 \
		--call sip:+15551234567@203.0.113.1:5060 --duration 6 "$@" \
		>"$tmp/$name.caller.json" 2>"$tmp/$name.caller.err" &
	apid=$!
	pids="$pids $apid"
	sleep 4.5
	in_s "$CTL" -s "$conf/ctl.sock" calls >"$tmp/$name.calls" 2>&1
	wait "$apid"
	caller_rc=$?
	wait "$cpid"
	callee_rc=$?
}
ok_call='calls[0]["result"] == "ok" and calls[0]["media"]["auth_fail"] == 0 and calls[0]["media"]["rtp_recv"] > 200'

call f7
check $((caller_rc + callee_rc)) "SDES caller -> ktrsbc -> DTLS+KTR callee across the namespaces: both calls ok"
json "$tmp/f7.calls" 'j["calls"][0]["offloaded"] and all(j["calls"][0][l]["offloaded"] and j["calls"][0][l]["kernel_fwd_pkts"] > 0 and j["calls"][0][l]["fwd_pkts"] >= j["calls"][0][l]["kernel_fwd_pkts"] for l in ("sdes_leg", "dtls_leg"))'
check $? "ktrsbc-ctl calls: the KTR call is offloaded, the kernel's packets merged into both legs"
json "$tmp/f7.callee.json" "$ok_call"
check $? "the DTLS UA authenticated every packet (forwarded by the kernel)"
json "$tmp/f7.caller.json" "$ok_call"
check $? "the SDES UA authenticated every packet"

# The other direction: the DTLS UA in B calls; after the window (until it
# switches to the dictated key B) the call is forward-only and offloaded.
ip netns exec "$ns-a" timeout 60 "$UA" --sdes --listen 192.0.2.2:5070 \
	>"$tmp/dir2.callee.json" 2>"$tmp/dir2.callee.err" &
cpid=$!
pids="$pids $cpid"
sleep 0.5
ip netns exec "$ns-b" timeout 60 "$UA" --dtls --ktr --listen 198.51.100.2:5080 \
	--call sip:+12125550123@203.0.113.1:5060 --duration 6 \
	>"$tmp/dir2.caller.json" 2>"$tmp/dir2.caller.err" &
apid=$!
pids="$pids $apid"
sleep 4.5
in_s "$CTL" -s "$conf/ctl.sock" calls >"$tmp/dir2.calls" 2>&1
wait "$apid"
caller_rc=$?
wait "$cpid"
callee_rc=$?
json "$tmp/dir2.calls" 'j["calls"][0]["offloaded"] and j["calls"][0]["direction"] == "dtls->sdes" and all(j["calls"][0][l]["kernel_fwd_pkts"] > 0 for l in ("sdes_leg", "dtls_leg"))' &&
	json "$tmp/dir2.callee.json" "$ok_call" && json "$tmp/dir2.caller.json" "$ok_call"
check $((caller_rc + callee_rc + $?)) "DTLS+KTR caller -> SDES callee: offloaded after the window, every packet authenticated"

call rekey --rekey-after 3
check $((caller_rc + callee_rc)) "re-key by re-INVITE on an offloaded call: both calls ok"
json "$tmp/rekey.callee.json" "$ok_call and calls[0]['media']['keys_installed'] >= 2"
check $? "the DTLS UA installed the new key (new_srtp_key while offloaded) and lost nothing"

call move --move-after-ms 2000 --move-stray 5
json "$tmp/move.calls" 'j["calls"][0]["offloaded"] and all(j["calls"][0][l]["offloaded"] for l in ("sdes_leg", "dtls_leg"))' &&
	json "$tmp/move.caller.json" "$ok_call and j['move']['answers'] == 1 and j['move']['old_rx'] == 0 and j['move']['rx_after'] >= 100" &&
	json "$tmp/move.callee.json" "$ok_call and j['move']['reoffers_in'] == 0"
check $((caller_rc + callee_rc + $?)) "media move by re-INVITE on an offloaded call: offloaded again 2.5 s later, 100+ packets on the new port, none on the old, no re-offer to the DTLS UA"
grep -q "taken back from the kernel (peer change)" "$tmp/sbc1.err"
check $? "the move took the call back from the kernel before the relay's peer changed"

call hold --hold0-after-ms 1500 --resume-after-ms 2800
json "$tmp/hold.calls" 'j["calls"][0]["offloaded"]' &&
	json "$tmp/hold.caller.json" "$ok_call and j['move']['answers'] == 2 and j['move']['held_measured'] and j['move']['held_rx'] == 0 and j['move']['rx_after'] >= 50" &&
	json "$tmp/hold.callee.json" "$ok_call and j['move']['dirs_in'] == 'sendonly,sendrecv'"
check $((caller_rc + callee_rc + $?)) "c=0.0.0.0 hold on an offloaded call: nothing reaches the held UA (kernel or userspace), the resume on a new port flows and is offloaded again"

in_s "$CTL" -s "$conf/ctl.sock" stats >"$tmp/stats.json" 2>&1
json "$tmp/stats.json" 'j["calls_active"] == 0 and j["calls_offloaded"] == 0 and j["offload"].startswith("on:") and j["ended"]["crypto_ops_ktr"] == 0'
check $? "after the calls: nothing offloaded, no per-packet crypto on KTR calls"
sbc_stop

sed -i 's/^offload *=.*/offload = off/' "$conf/ktrsbc.conf"
sbc_start_ns 2
grep -q "offload: off (configuration)" "$tmp/sbc2.err"
check $? "offload = off: ktrsbc says so once"
call off
in_s "$CTL" -s "$conf/ctl.sock" stats >"$tmp/stats.json" 2>&1
json "$tmp/off.calls" '(not j["calls"][0]["offloaded"]) and j["calls"][0]["sdes_leg"]["kernel_fwd_pkts"] == 0' &&
	json "$tmp/off.callee.json" "$ok_call"
check $? "offload = off: the call works in userspace, nothing offloaded"
sbc_stop
! grep -q "Sanitizer" "$tmp/sbc1.err" "$tmp/sbc2.err"
check $? "ktrsbc exited without sanitizer reports (no leak with or without the offload)"

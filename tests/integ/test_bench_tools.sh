#!/bin/sh
# The benchmark's load tools (tests/bench/, built by `make test-build` too):
#  1. audio + video streams (bench-av): bench_gen -V sends call c's audio
#     (stream 2c, 182-byte SRTP packets) and video (stream 2c+1, 1,200-byte
#     packets, 3 per audio packet) straight to bench_sink -V, which counts
#     them all, finds none malformed and authenticates every one with key
#     A (libsrtp2's protect in the generator, ksrtp's unprotect in the sink);
#  2. frames through AF_PACKET (the veth topology, scripts/bench-veth.sh):
#     bench_gen -I DEV -M MAC writes whole Ethernet frames on one end of a
#     veth pair between two network namespaces; the sink on the other end
#     receives every packet sent and authenticates them (IPv4 and UDP
#     headers and checksums right, or the kernel would drop them);
#  3. the sink side's thinning filter (tests/bench/sink_drop.bpf.c at the
#     device's tc ingress): of the RTP packets, those whose sequence
#     number's low 6 bits are zero reach the sink and the rest are dropped
#     and counted by tc (sink + drops = sent); a SIP request, an RTCP
#     packet (payload-type byte 200) and a DTLS record pass.
# 2 and 3 need root, network namespaces and clang (skipped otherwise).
# TAP output; every process bounded by timeout(1) and killed by PID;
# namespaces of this run's own names, deleted at exit.
set -u
BUILD=${BUILD:-build}
B=$BUILD/bench
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

missing=""
for t in bench_gen bench_sink; do [ -x "$B/$t" ] || missing="$missing $B/$t"; done
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
if [ -n "$missing" ]; then
	echo "1..1"
	echo "not ok 1 - missing:$missing (make test-build)"
	exit 1
fi

tmp=$(mktemp -d /tmp/test_bench_tools.XXXXXX) || exit 1
ns=tbt$$
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	ip netns del "$ns-a" 2>/dev/null
	ip netns del "$ns-b" 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] && echo "# kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }
echo "1..5"

# --- 1: audio + video ------------------------------------------------------------
P=$((36000 + ($$ % 500) * 4))
for i in 0 1 2 3; do echo "$P"; done >"$tmp/ports"
timeout 20 "$B/bench_sink" -s "$P" -n 4 -k A -S 1 -V -t 10 >"$tmp/sink1" 2>&1 &
sp=$!
pids="$pids $sp"
sleep 0.3
timeout 20 "$B/bench_gen" -p "$tmp/ports" -s $((P + 1)) -1 -r 4000 -P 4000 -V >"$tmp/gen1" 2>&1
wait "$sp"
sent=$(field sent <"$tmp/gen1")
k=$(cat "$tmp/sink1")
pk=$(echo "$k" | field pkts)
by=$(echo "$k" | field bytes)
if [ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$pk" = "$sent" ] && [ "$(echo "$k" | field bad)" = 0 ] &&
	[ "$(echo "$k" | field streams_seen)" = 4/4 ] &&
	[ "$(echo "$k" | field auth_ok)" = "$pk" ] && [ "$(echo "$k" | field auth_fail)" = 0 ]; then
	ok "audio + video: every packet received, none malformed, all $pk authenticated with A"
else
	nok "audio + video: gen [$(cat "$tmp/gen1")] sink [$k]"
fi
# 3 video packets (1,200 bytes) per audio packet (182): 945.5 bytes on average.
if awk -v b="$by" -v p="$pk" 'BEGIN { a = (p > 0) ? b / p : 0; exit !(a > 930 && a < 960) }'; then
	ok "audio + video: 3 video packets of 1,200 bytes per audio packet of 182 ($by bytes in $pk)"
else
	nok "audio + video: $by bytes in $pk packets, not the 3:1 mix of 1,200 and 182 bytes"
fi

# --- 2, 3: frames through AF_PACKET, the thinning filter --------------------------
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
	for t in 1 2 3; do skip "frames and the thinning filter need root, ip and tc"; done
	exit 0
fi
if ! { ip netns add "$ns-a" && ip netns add "$ns-b" &&
	ip -n "$ns-a" link add x1 type veth peer name x2 netns "$ns-b" &&
	ip -n "$ns-a" addr add 192.0.2.1/24 dev x1 && ip -n "$ns-b" addr add 192.0.2.2/24 dev x2 &&
	ip -n "$ns-a" link set x1 up && ip -n "$ns-b" link set x2 up; } 2>"$tmp/ns.err"; then
	for t in 1 2 3; do skip "no network namespaces: $(head -1 "$tmp/ns.err")"; done
	exit 0
fi
MAC=$(ip -n "$ns-b" -br link show x2 | awk '{ print $3 }')
# frames RATE TOTAL OUT: the generator's frames from A to the sink in B.
frames() {
	timeout 20 ip netns exec "$ns-b" env BENCH_LOCAL=192.0.2.2 "$B/bench_sink" -s 40002 -n 4 \
		-k A -S 1 -t 10 >"$3.sink" 2>&1 &
	sp=$!
	pids="$pids $sp"
	sleep 0.3
	timeout 20 ip netns exec "$ns-a" env BENCH_LOCAL=192.0.2.1 BENCH_REMOTE=192.0.2.2 \
		"$B/bench_gen" -p "$tmp/ports2" -s 40000 -1 -r "$1" -P "$2" -I x1 -M "$MAC" >"$3.gen" 2>&1
	wait "$sp"
}
for i in 0 1 2 3; do echo 40002; done >"$tmp/ports2"
frames 20000 2048 "$tmp/f"
sent=$(field sent <"$tmp/f.gen")
k=$(cat "$tmp/f.sink")
if [ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$(echo "$k" | field pkts)" = "$sent" ] &&
	[ "$(echo "$k" | field auth_ok)" = "$sent" ] && [ "$(echo "$k" | field bad)" = 0 ]; then
	ok "AF_PACKET frames: all $sent reached the sink's UDP socket and authenticated"
else
	nok "AF_PACKET frames: gen [$(cat "$tmp/f.gen")] sink [$k]"
fi

DROP=$tmp/sink_drop.bpf.o
if ! command -v clang >/dev/null ||
	! clang -O2 -g -target bpf -Wall -Werror -I/usr/include/"$(gcc -print-multiarch 2>/dev/null)" \
		-c tests/bench/sink_drop.bpf.c -o "$DROP" 2>"$tmp/clang.err" ||
	! ip netns exec "$ns-b" tc qdisc add dev x2 clsact 2>>"$tmp/clang.err" ||
	! ip netns exec "$ns-b" tc filter add dev x2 ingress bpf da obj "$DROP" sec tc 2>>"$tmp/clang.err"; then
	for t in 1 2; do skip "cannot build or attach sink_drop: $(head -1 "$tmp/clang.err")"; done
	exit 0
fi
drops() { ip netns exec "$ns-b" tc -s qdisc show dev x2 ingress | awk '/dropped/ { sub(",", "", $7); print $7; exit }'; }
d0=$(drops)
frames 20000 2048 "$tmp/t"
d1=$(drops)
sent=$(field sent <"$tmp/t.gen")
pk=$(field pkts <"$tmp/t.sink")
if [ -n "$sent" ] && [ "$pk" -gt 0 ] && [ $((pk + d1 - d0)) = "$sent" ] &&
	[ "$pk" = $(((sent + 63) / 64)) ] && [ "$(field auth_ok <"$tmp/t.sink")" = "$pk" ]; then
	ok "sink_drop: 1 RTP packet in 64 reached the sink ($pk), tc counted the other $((d1 - d0)) of $sent"
else
	nok "sink_drop: sent $sent, sink $pk, tc drops $((d1 - d0)) (sink [$(cat "$tmp/t.sink")])"
fi
# Non-RTP (SIP, RTCP, DTLS) passes, whatever its 4th byte: to a plain socket.
ip netns exec "$ns-b" timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 40004)); s.settimeout(3)
got = []
try:
    while len(got) < 3:
        got.append(s.recv(2048)[:4])
except OSError:
    pass
print(" ".join(g.hex() for g in got))' >"$tmp/pass.out" 2>&1 &
pp=$!
pids="$pids $pp"
sleep 0.5
ip netns exec "$ns-a" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in (b"SIP/2.0 200 OK\r\n", bytes([0x81, 200, 0, 6]) + bytes(24), bytes([22, 0xfe, 0xfd, 1]) + bytes(20)):
    s.sendto(p, ("192.0.2.2", 40004))'
wait "$pp"
got=$(cat "$tmp/pass.out")
case $got in
*5349502f*81c80006*16fefd01*) ok "sink_drop: SIP, RTCP and DTLS pass ($got)" ;;
*) nok "sink_drop: SIP, RTCP and DTLS should pass, the socket got [$got]" ;;
esac

#!/bin/sh
# Interop: an independent SRTP implementation agrees with ours. Two ktrpeer
# processes in RFC 4568 (SDES) mode (test-only --sdes-key-file) exchange
# SRTP on 127.0.0.1 and each writes a pcap capture (--capture, src/ep);
# then
#   - tshark reads both captures: every record a UDP datagram with correct
#     IPv4 and UDP checksums;
#   - the bytes one side captured as sent are the bytes the other captured
#     as received, in order;
#   - GStreamer's srtpdec (libsrtp2 through gst-plugins-bad, fed by
#     pcapparse) decrypts each direction with the key of the a=crypto line
#     and yields every RTP packet with the right SSRC, sequence numbers and
#     the payload ktrpeer sent (160 zero bytes); a wrong key yields nothing.
# TAP output. Every process is bounded by timeout(1); only the PIDs started
# here are killed. A missing tool is a failure, not a skip.
set -u
BUILD=${BUILD:-build}
KTRPEER=${KTRPEER:-$BUILD/asan/tools/ktrpeer}
N=60
SSRC_C=4369   # 0x1111
SSRC_S=8738   # 0x2222

missing=
[ -x "$KTRPEER" ] && "$KTRPEER" --help 2>&1 | grep -q -- '--sdes-key-file' ||
	missing="$missing ktrpeer(--sdes-key-file)"
for tool in gst-launch-1.0 gst-inspect-1.0 tshark python3 openssl timeout; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -z "$missing" ]; then
	for el in pcapparse srtpdec identity filesink; do
		gst-inspect-1.0 "$el" >/dev/null 2>&1 || missing="$missing gst:$el"
	done
fi
if [ -n "$missing" ]; then
	echo "1..1"
	echo "not ok 1 - missing:$missing (scripts/deps.sh installs gstreamer1.0-plugins-bad/-tools, tshark)"
	exit 1
fi

tmp=$(mktemp -d /tmp/test_gst_srtpdec.XXXXXX) || exit 1
srv_pid=
cleanup() {
	if [ -n "$srv_pid" ]; then
		kill "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" -eq 0 ]; then ok "$2"; else nok "$2"; fi; }

# Two UDP ports nobody listens on.
port_free() { ! ss -Hlun 2>/dev/null | awk '{print $4}' | grep -q ":$1\$"; }
p=$((30000 + $$ % 2000 * 2))
while ! port_free "$p" || ! port_free $((p + 1)); do p=$((p + 2)); done
PC=$p
PS=$((p + 1))

echo "1..8"

# a=crypto inline keys (RFC 4568 6.1): base64 of a 16-byte key and a
# 14-byte salt; line 1 is the client's sending key, line 2 the server's.
openssl rand -base64 30 >"$tmp/keys" && openssl rand -base64 30 >>"$tmp/keys"
hexkey() { sed -n "${1}p" "$tmp/keys" | base64 -d | od -An -tx1 | tr -d ' \n'; }
KEY_C=$(hexkey 1)
KEY_S=$(hexkey 2)

common="--sdes-key-file $tmp/keys --packets $N --pps 200 --rtcp-every 0 --linger 1000 --timeout 20000"
timeout 30 "$KTRPEER" $common --listen "127.0.0.1:$PS" --ssrc $SSRC_S \
	--capture "$tmp/srv.pcap" >"$tmp/srv.out" 2>&1 &
srv_pid=$!
sleep 0.3
timeout 30 "$KTRPEER" $common --connect "127.0.0.1:$PS" --bind "127.0.0.1:$PC" \
	--ssrc $SSRC_C --capture "$tmp/cli.pcap" >"$tmp/cli.out" 2>&1
crc=$?
wait "$srv_pid"
src=$?
srv_pid=

python3 - "$tmp/cli.out" "$tmp/srv.out" "$N" <<'PY'
import json, sys
n = int(sys.argv[3])
ok = True
for path in sys.argv[1:3]:
    j = [json.loads(l) for l in open(path) if l.startswith("{")]
    if len(j) != 1:
        print(f"# {path}: no JSON result"); ok = False; continue
    j = j[0]
    if (j["mode"] != "sdes" or j["rtp_sent"] != n or j["rtp_recv"] != n or
            j["auth_fail"] or j["captured"] != 2 * n or j["capture_errors"]):
        print(f"# {path}: {j}"); ok = False
sys.exit(0 if ok else 1)
PY
prc=$?
[ "$crc" -eq 0 ] && [ "$src" -eq 0 ] && [ "$prc" -eq 0 ]
check $? "two SDES ktrpeers: $N packets each way, zero authentication failures, all captured (exit $crc/$src)"

# tshark: 2N UDP records per file, no bad IPv4 or UDP checksum.
for side in cli srv; do
	total=$(timeout 30 tshark -r "$tmp/$side.pcap" -T fields -e udp.length 2>/dev/null | grep -c .)
	bad=$(timeout 30 tshark -r "$tmp/$side.pcap" -o ip.check_checksum:TRUE \
		-o udp.check_checksum:TRUE -Y 'ip.checksum.status == 0 || udp.checksum.status == 0 || _ws.malformed' \
		-T fields -e frame.number 2>/dev/null | grep -c .)
	[ "$total" -eq $((2 * N)) ] && [ "$bad" -eq 0 ]
	check $? "tshark reads $side.pcap: $total UDP records (want $((2 * N))), $bad with bad checksums"
done

# Sent bytes on one side are received bytes on the other (pcap parsed here
# independently of src/ep: big-endian classic pcap, raw IPv4).
python3 - "$tmp/cli.pcap" "$tmp/srv.pcap" "$PC" "$PS" "$N" <<'PY'
import struct, sys
def records(path):
    d = open(path, "rb").read()
    magic, = struct.unpack(">I", d[:4])
    assert magic == 0xa1b2c3d4, hex(magic)
    assert struct.unpack(">I", d[20:24])[0] == 101
    off, out = 24, []
    while off < len(d):
        _, _, incl, _ = struct.unpack(">IIII", d[off:off + 16]); off += 16
        ip = d[off:off + incl]; off += incl
        ihl = (ip[0] & 15) * 4
        sport, dport, ulen = struct.unpack(">HHH", ip[ihl:ihl + 6])
        out.append((sport, dport, ip[ihl + 8:ihl + ulen]))
    return out
cli, srv = records(sys.argv[1]), records(sys.argv[2])
pc, ps, n = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ok = True
for a, b, port in ((cli, srv, pc), (srv, cli, ps)):
    sent = [r[2] for r in a if r[0] == port]
    got = [r[2] for r in b if r[0] == port]
    if len(sent) != n or sent != got:
        print(f"# from port {port}: sent {len(sent)}, received {len(got)}, equal={sent == got}")
        ok = False
sys.exit(0 if ok else 1)
PY
check $? "the bytes captured as sent by each side are the bytes the other captured as received"

# srtpdec: pcapparse pushes buffer lists, which srtpdec 1.22 mishandles;
# identity in between hands it single buffers.
decrypt() { # file port ssrc hexkey out
	caps="application/x-srtp, payload=(int)0, ssrc=(uint)$3, srtp-key=(buffer)$4,"
	caps="$caps srtp-cipher=(string)aes-128-icm, srtp-auth=(string)hmac-sha1-80,"
	caps="$caps srtcp-cipher=(string)aes-128-icm, srtcp-auth=(string)hmac-sha1-80"
	timeout 30 gst-launch-1.0 -q filesrc location="$1" ! pcapparse src-port="$2" \
		caps="$caps" ! identity ! srtpdec ! filesink sync=false location="$5" \
		>"$5.log" 2>&1
}
verify() { # rtpfile ssrc count
	python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
ssrc, n, size = int(sys.argv[2]), int(sys.argv[3]), 12 + 160
if len(d) != n * size:
    print(f"# {len(d)} bytes of RTP, want {n * size}"); sys.exit(1)
prev = None
for i in range(n):
    p = d[i * size:(i + 1) * size]
    b0, pt, seq, ts, s = struct.unpack(">BBHII", p[:12])
    if b0 != 0x80 or pt != 0 or s != ssrc or p[12:] != bytes(160) or \
            (prev is not None and seq != (prev + 1) & 0xffff):
        print(f"# packet {i}: {p[:12].hex()} payload ok={p[12:] == bytes(160)}"); sys.exit(1)
    prev = seq
PY
}

decrypt "$tmp/cli.pcap" "$PC" $SSRC_C "$KEY_C" "$tmp/c2s.rtp"
rc=$?
[ "$rc" -eq 0 ] && verify "$tmp/c2s.rtp" $SSRC_C "$N"
check $? "srtpdec decrypts the client's $N packets from its capture with the client's key (gst exit $rc)"

decrypt "$tmp/srv.pcap" "$PC" $SSRC_C "$KEY_C" "$tmp/c2s_rx.rtp"
rc=$?
[ "$rc" -eq 0 ] && verify "$tmp/c2s_rx.rtp" $SSRC_C "$N"
check $? "srtpdec decrypts the same packets from the server's capture as received (gst exit $rc)"

decrypt "$tmp/srv.pcap" "$PS" $SSRC_S "$KEY_S" "$tmp/s2c.rtp"
rc=$?
[ "$rc" -eq 0 ] && verify "$tmp/s2c.rtp" $SSRC_S "$N"
check $? "srtpdec decrypts the server's $N packets with the server's key (gst exit $rc)"

# Negative control: the other direction's key authenticates nothing.
decrypt "$tmp/cli.pcap" "$PC" $SSRC_C "$KEY_S" "$tmp/wrong.rtp"
size=$(wc -c <"$tmp/wrong.rtp" 2>/dev/null || echo missing)
[ "$size" = 0 ]
check $? "with the wrong key srtpdec yields no packet (got $size bytes)"

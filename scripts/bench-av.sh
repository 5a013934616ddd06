#!/bin/bash
# Issue 14, point 7: `bench-av: pps=P kib_per_call=M` -- KTR calls of one
# audio stream (50 packets/s of 172 bytes of RTP) and one video stream (30
# frames/s of 5 packets of 1,200 bytes) set up through ktrsbc (SIPp with
# tests/bench/media_uac_av.xml, ktrua --dtls --ktr answering both m-lines),
# then bench_gen -V / bench_sink -V take the streams over as in
# scripts/bench-real.sh (REAL_AV=1). Run on the veth topology of
# scripts/bench-veth.sh (its generator through AF_PACKET keeps up with the
# relay; on loopback it would not), AV_CALLS calls (default 50: 100
# streams, two DTLS handshakes per call, set up afresh per trial): the
# relay's packets per second at saturation (offered 1.5 x the highest
# lossless rate, AV_TRIALS trials of the search, default 3), and KiB of
# ktrsbc's VmRSS per established call (as bench-calls measures it).
# A section driver of scripts/bench.sh (contract there); writes $OUT/av.md.
cd "$(dirname "$0")/.." || exit 1
exec env VETH_PARTS=av AV_CALLS="${AV_CALLS:-50}" scripts/bench-veth.sh

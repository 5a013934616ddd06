#!/bin/sh
# Run every benchmark binary in $BUILD/bench (bounded in time by each).
set -eu
BUILD=${BUILD:-build}
cd "$(dirname "$0")/.."
for b in "$BUILD"/bench/bench_*; do
	[ -x "$b" ] || continue
	echo "bench: $(basename "$b")"
	"$b"
done

#!/bin/sh
# Run every libFuzzer target in $BUILD/fuzz for FUZZ_SECONDS each, starting
# from the seed corpus tests/fuzz/corpus/<family>/ (family = the word after
# "fuzz_": fuzz_ktr_reasm -> ktr). New inputs go to a scratch copy, never
# into the repository. Ends with "N passed, N failed" (one per target).
set -u
BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
pass=0
fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for f in "$BUILD"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	family=$(echo "$name" | sed 's/^fuzz_//; s/_.*//')
	corpus=$work/$name
	mkdir -p "$corpus"
	[ -d "tests/fuzz/corpus/$family" ] && cp -r "tests/fuzz/corpus/$family/." "$corpus/"
	echo "fuzz: $name for ${FUZZ_SECONDS}s (seeds: tests/fuzz/corpus/$family)"
	if "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 \
		-artifact_prefix="$work/$name-" "$corpus" >"$work/$name.log" 2>&1; then
		pass=$((pass + 1))
		tail -n 1 "$work/$name.log" | sed 's/^/    /'
	else
		fail=$((fail + 1))
		echo "FAIL $name:"
		grep -E 'ERROR|SUMMARY|Test unit written' "$work/$name.log" | head -n 10 | sed 's/^/    /'
		mkdir -p "$BUILD/fuzz-crashes"
		cp "$work/$name"-* "$BUILD/fuzz-crashes/" 2>/dev/null
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

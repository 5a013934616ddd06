#!/bin/sh
# Run every test binary (cmocka, TAP output) and every tests/integ/*.sh
# (TAP output), count results and end with one line "N passed, N failed".
# A binary that dies without reporting (a sanitizer abort, a crash) counts as
# one failure on top of whatever it reported.
set -u
BUILD=${BUILD:-build}
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
log=$BUILD/test-logs
mkdir -p "$log"
pass=0
fail=0
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
	name=$1
	shift
	out=$log/$name.log
	"$@" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $name ($p passed, $f failed, exit $rc): see $out"
		grep -E '^not ok|ERROR|error|Sanitizer' "$out" | head -n 20 | sed 's/^/    /'
	else
		echo "ok   $name ($p passed)"
	fi
}

for t in "$BUILD"/asan/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
for t in tests/integ/*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$t" .sh)" sh "$t"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

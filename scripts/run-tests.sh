#!/bin/sh
# Run every test binary (cmocka, TAP output) and every tests/integ/*.sh
# (TAP output), count results and end with one line
# "N passed, N failed, N skipped".
# A TAP line with a "# SKIP" directive counts as skipped, never as passed,
# whether it says "ok" (TAP) or "not ok" (cmocka's skip()); the run's
# summary lists every skip with its reason (the text after "# SKIP", and
# the diagnostic line just above it, where cmocka's skip() names only the
# test); scripts/tap-classify.awk reads the TAP. A binary that dies without
# reporting (a sanitizer abort, a crash) counts as one failure on top of
# whatever it reported, and so does a test that reports fewer results than
# its plan ("1..N").
# Exit status: non-zero when anything failed or nothing passed.
set -u
BUILD=${BUILD:-build}
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
log=$BUILD/test-logs
mkdir -p "$log"
pass=0
fail=0
skipped=0
skips=$log/skips.txt
: >"$skips"
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
	name=$1
	shift
	out=$log/$name.log
	"$@" >"$out" 2>&1
	rc=$?
	awk -f scripts/tap-classify.awk "$out" >"$out.res"
	p=$(grep -c '^pass$' "$out.res")
	f=$(grep -c '^fail$' "$out.res")
	s=$(grep -c '^skip' "$out.res")
	plan=$(sed -n 's/^plan	//p' "$out.res")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	# results missing from the plan checked nothing: one more failure
	if [ -n "$plan" ] && [ $((p + f + s)) -lt "$plan" ]; then
		echo "# $name: $((p + f + s)) results of the $plan planned" >>"$out"
		f=$((f + 1))
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skipped=$((skipped + s))
	sed -n "s/^skip	/$name: /p" "$out.res" >>"$skips"
	if [ "$f" -ne 0 ]; then
		echo "FAIL $name ($p passed, $f failed, $s skipped, exit $rc): see $out"
		grep -E '^not ok|ERROR|error|Sanitizer|planned$' "$out" | head -n 20 | sed 's/^/    /'
	elif [ "$s" -ne 0 ]; then
		echo "ok   $name ($p passed, $s skipped)"
	else
		echo "ok   $name ($p passed)"
	fi
	rm -f "$out.res"
}

for t in "$BUILD"/asan/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
for t in tests/integ/*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$t" .sh)" sh "$t"
done

if [ "$skipped" -ne 0 ]; then
	echo "skipped (not passed), and why:"
	sed 's/^/    SKIP /' "$skips"
fi
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

#!/bin/sh
# scripts/tap-classify.awk, what scripts/run-tests.sh counts with: a skip is
# never a pass (TAP's "ok N - x # SKIP why" and cmocka 1.1's
# "not ok N # SKIP name" alike), each skip keeps its reason, diagnostics
# are not results, and the plan is reported so that missing results count.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
awkf=$top/scripts/tap-classify.awk
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
echo "1..7"
check() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
res() { awk -f "$awkf" "$tmp/in" >"$tmp/out" 2>&1; }

# cmocka 1.1's TAP output (CMOCKA_MESSAGE_OUTPUT=TAP), a skip() with the
# reason printed on the line above it, and a failure.
cat >"$tmp/in" <<'TAP'
1..4
ok 1 - test_a
# BPF unavailable: not root
not ok 2 # SKIP test_b
not ok 3 - test_c
# tests/x.c:10: error: Failure!
not ok 4 # SKIP test_d
# not ok - group
TAP
res
printf 'plan\t4\npass\nskip\ttest_b (BPF unavailable: not root)\nfail\nskip\ttest_d\n' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want"
check $? "cmocka: skip() is a skip with the reason above it, not a failure; '# not ok - group' is no result"

# TAP directives: "# SKIP reason" on ok lines, any case, SKIPPED too.
cat >"$tmp/in" <<'TAP'
# receiver got 157 packets (a diagnostic of an earlier check)
ok 1 - in-kernel fast path # SKIP BPF unavailable: no ip netns
ok 2 - x # skip why not
ok 3 - y # SKIPPED because
ok 4 - a skip mentioned in a name is a pass
TAP
res
printf 'skip\tBPF unavailable: no ip netns\nskip\twhy not\nskip\tbecause\npass\n' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want"
check $? "TAP: a SKIP directive with a reason counts as skipped with that reason, never passed"

# A skip without any reason still says so.
printf 'ok 1 # SKIP\n' >"$tmp/in"
res
[ "$(cat "$tmp/out")" = "$(printf 'skip\t(no reason given)')" ]
check $? "a skip without a reason is reported as such"

# Diagnostics and other lines are not results.
printf '# ok 1 - inside a comment\n    ok 2 - indented\nokay\nnot okay\nok\n' >"$tmp/in"
res
[ "$(cat "$tmp/out")" = "pass" ]
check $? "only lines starting 'ok'/'not ok' are results"

# The plan at the end (shell tests print it last).
printf 'ok 1 - a\nnot ok 2 - b\n1..3\n' >"$tmp/in"
res
printf 'pass\nfail\nplan\t3\n' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want"
check $? "a plan printed last is reported"

# A real cmocka binary's skip, if this machine builds one: the format
# assumed above is cmocka's own.
cat >"$tmp/t.c" <<'C'
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
static void a(void **s) { (void)s; }
static void b(void **s) { (void)s; print_message("# no reason at all\n"); skip(); }
int main(void)
{
	const struct CMUnitTest t[] = { cmocka_unit_test(a), cmocka_unit_test(b) };
	return cmocka_run_group_tests(t, NULL, NULL);
}
C
cc -o "$tmp/t" "$tmp/t.c" -lcmocka >"$tmp/cc.err" 2>&1
check $? "a cmocka test builds (cc, -lcmocka)"
CMOCKA_MESSAGE_OUTPUT=TAP "$tmp/t" >"$tmp/in" 2>&1
awk -f "$awkf" "$tmp/in" >"$tmp/out"
printf 'plan\t2\npass\nskip\tb (no reason at all)\n' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" || sed 's/^/# /' "$tmp/in"
check $? "cmocka's own skip() output is counted as one skip with its reason"

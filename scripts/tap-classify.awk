# The TAP result lines of a test's output, one per line: "pass", "fail",
# or "skip<TAB>reason" (scripts/run-tests.sh counts them); the plan
# ("1..N", first or last) as "plan<TAB>N".
# A line with a SKIP directive (TAP: "ok N - name # SKIP reason", any case)
# is a skip, never a pass, whether it says "ok" or "not ok": cmocka 1.1
# prints skip() as "not ok N # SKIP name", naming only the test, so for that
# form the last diagnostic line ("# why") the test printed before it is
# taken as its reason too, unless the result before was a failure (cmocka
# prints a failure's diagnostics after its "not ok" line).
# Lines that only mention "ok" (diagnostics such as cmocka's "# ok - group")
# are not results.
/^(not )?ok( |$)/ {
	if (match($0, /#[ \t]*[Ss][Kk][Ii][Pp]/)) {
		why = substr($0, RSTART + RLENGTH)
		sub(/^[^ \t]*[ \t]*/, "", why) # the rest of the word (SKIPPED)
		if (diag != "" && $0 ~ /^not ok [0-9]+ #/) # cmocka's form
			why = why (why == "" ? "" : " ") "(" diag ")"
		if (why == "")
			why = "(no reason given)"
		print "skip\t" why
		lastfail = 0
	} else if ($0 ~ /^ok/) {
		print "pass"
		lastfail = 0
	} else {
		print "fail"
		lastfail = 1
	}
	diag = ""
	next
}
/^# / && !lastfail && $0 !~ /^# (not )?ok/ {
	diag = substr($0, 3)
}
/^1\.\.[0-9]+/ && !planned {
	planned = 1
	n = $0
	sub(/^1\.\./, "", n)
	sub(/[^0-9].*$/, "", n)
	print "plan\t" n
}

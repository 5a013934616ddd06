#!/bin/sh
# Issue 14, point 2 (SIP half): glare and session timers, with SIPp on the
# pbx (SDES) trunk and ktrua --dtls --ktr on the carrier trunk.
#   Session timers (RFC 4028), each leg on its own: SIPp's refreshes
#   (re-INVITE and UPDATE with its SDP unchanged, UPDATE without a body)
#   are answered by ktrsbc on the SDES leg with its last SDP, byte for
#   byte, and the DTLS side sees no SIP request for them (capture of its
#   port); a Session-Expires below the trunk's min_se gets 422 with Min-SE;
#   a SIPp that is the refresher and never refreshes (Session-Expires 3,
#   pbx min_se 2: a value for tests only) gets BYE with Reason 408 and so
#   does ktrua, with a log line and session_expired in the stats; on the
#   carrier leg (session_expires 4) ktrsbc is the refresher toward ktrua
#   (no timer support) and refreshes by UPDATE.
#   Glare (RFC 3261 14.1, 14.2): SIPp's re-INVITE (or UPDATE, RFC 3311
#   5.2) crossing ktrsbc's gets 491; a 491 to ktrsbc's re-INVITE (the DTLS UA's re-key passed to the
#   SDES UA) is retried 0..2 s later when SIPp owns the Call-ID, 2.1..4 s
#   later when ktrsbc does (SIPp's message log and ktrsbc's log line; a
#   window, not a tight timing); a SIPp that always answers 491 makes
#   ktrsbc give up after 3 retries (log line, glare_gave_up), the call
#   going on.
# TAP output; loopback only; every process bounded by timeout(1); only
# the PIDs started here are killed. SIPp plays SRTP from a raw socket and
# dumpcap captures lo: root.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_sip_timers
SC=$top/scripts/sipp

missing=""
PY=/usr/bin/python3
"$PY" -c "import cryptography" 2>/dev/null || missing="$missing python3-cryptography"
[ "$(id -u)" -eq 0 ] || missing="$missing root(SIPp's raw socket, dumpcap)"
need "$SBC" "$CTL" "$UA" sipp dumpcap tshark python3 timeout ss

# Ports of this run (apart from the other SBC tests' blocks): SIP of the
# SBC P (tls P+1), pbx P+2, carrier P+4, SIPp's media P+6 (and P+8);
# media: the SBC M..M+19, ktrua M+20..M+39.
P=$((34800 + ($$ % 20) * 10))
M=$((9900 + ($$ % 5) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
SIPP_MEDIA=$((P + 6))
UA_PORTS="$((M + 20))-$((M + 39))"
# The expiry case needs a session of seconds: pbx min_se 2 (tests only).
sed -i "s/^min_se *=.*/min_se = 2/" "$conf/trunks/pbx.conf"

KEY_A=WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz
"$PY" "$SC/srtp_pcap.py" --key "$KEY_A" --packets 100 --out "$tmp/srtp_a.pcap"
check $? "srtp_pcap.py writes the SRTP capture SIPp plays"

sbc_start -v
check $? "ktrsbc starts (pbx trunk: min_se 2 for this test)"

# sipp_run (message log $tmp/NAME.msg.log), ua_bg
# shellcheck source=tests/integ/lib/sipp.sh
. "$(dirname "$0")/lib/sipp.sh"
SIPP_LIMIT=40
# cap_start NAME: SIP to and from the carrier trunk's peer (ktrua) into
# $tmp/NAME.pcap.
cap_start() { lo_capture "$1" "udp port $CARRIER"; }
cap_stop() { lo_capture_stop; }
# sip_methods PCAP: the SIP requests in it, one method a line.
sip_methods() {
	timeout 30 tshark -r "$1" -d "udp.port==$CARRIER,sip" -Y "sip.Request-Line" \
		-T fields -e sip.Method 2>/dev/null
}
stat_of() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$tmp/$1.json" "$2"; }
dtls_callee="--dtls --ktr --listen 127.0.0.1:$CARRIER"
# uac_call NAME SCENARIO UA_ARGS DESC [SIPP_ARGS...]: ktrua --dtls --ktr
# with UA_ARGS as the callee on the carrier trunk, SIPp running SCENARIO as
# the caller on the pbx trunk; a test, DESC, of SIPp's status; then waits
# for ktrua (its JSON in $tmp/NAME.ua.json).
uac_call() {
	name=$1
	sf=$2
	uargs=$3
	desc=$4
	shift 4
	# shellcheck disable=SC2086
	ua_bg "$name" $dtls_callee $uargs
	sleep 0.5
	sipp_run "$name" "$sf" -p "$PBX" -s bob -m 1 "$@"
	rc=$?
	check $rc "$desc"
	[ $rc -eq 0 ] || diag "$tmp/$name.sipp.out" "$tmp/$name.err.log"
	wait "$upid"
}

# msglog FILE: SIPp's message log as (seconds, "sent"/"received", first
# line, body) records, for the checks below.
cat >"$tmp/msglog.py" <<'PY'
import re, sys
from datetime import datetime
def records(path):
    text = open(path, errors="replace").read()
    parts = re.split(r"^-{20,} (\d{4}-\d\d-\d\d\s+\d\d:\d\d:\d\d\.\d+)\s*$", text, flags=re.M)
    out = []
    for i in range(1, len(parts) - 1, 2):
        ts = datetime.strptime(re.sub(r"\s+", " ", parts[i]), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        block = parts[i + 1].strip("\n")
        m = re.match(r".*?message (sent|received)[^\n]*\n+(.*)", block, flags=re.S)
        if not m:
            continue
        msg = m.group(2).replace("\r\n", "\n")
        head, _, body = msg.partition("\n\n")
        out.append((ts, m.group(1), head.split("\n")[0], head, body.strip()))
    return out
PY

# --- 1. refreshes from SIPp answered on its leg alone ----------------------
cap_start refresh
uac_call refresh sdes_uac_refresh.xml "--timeout 30" \
	"sdes_uac_refresh.xml: re-INVITE and UPDATE refreshes (Session-Expires 120, refresher=uac) answered 200 with Session-Expires" \
	-key se 120
cap_stop
python3 - "$tmp/refresh.msg.log" "$tmp/msglog.py" <<'PY'
import sys
exec(open(sys.argv[2]).read())
recs = records(sys.argv[1])
oks = [r for r in recs if r[1] == "received" and r[2].startswith("SIP/2.0 200")]
sdps = [r[4] for r in oks if r[4]]
cseqs = [[l for l in r[3].split("\n") if l.lower().startswith("cseq")][0] for r in oks]
print("# 200s received:", cseqs)
if cseqs != ["CSeq: 1 INVITE", "CSeq: 2 INVITE", "CSeq: 3 UPDATE", "CSeq: 4 UPDATE", "CSeq: 5 BYE"]:
    sys.exit(1)
print("# SDP bodies in them: %d, distinct: %d" % (len(sdps), len(set(sdps))))
se = [[l for l in r[3].split("\n") if l.lower().startswith("session-expires:")] for r in oks[:4]]
print("# Session-Expires of the 200s to INVITE, re-INVITE, UPDATEs:", se)
if se[0] != ["Session-Expires: 120;refresher=uac"] or not all(se):
    sys.exit(1)
# the 200 to the INVITE, to the re-INVITE refresh, to the UPDATE with SDP:
# one and the same SDP (same o= version, same key)
sys.exit(0 if len(sdps) == 3 and len(set(sdps)) == 1 else 1)
PY
check $? "the refresh re-INVITE and UPDATE got ktrsbc's last SDP back, byte for byte (o= version unchanged); every 200 has Session-Expires, the first 120;refresher=uac"
methods=$(sip_methods "$tmp/refresh.pcap" | sort | uniq -c | tr -s ' ' | tr '\n' ',')
echo "# SIP requests on the DTLS leg: $methods"
[ "$(sip_methods "$tmp/refresh.pcap" | grep -c INVITE)" -eq 1 ] &&
	! sip_methods "$tmp/refresh.pcap" | grep -q UPDATE
check $? "the DTLS side saw none of the refreshes: one INVITE, no re-INVITE, no UPDATE on its leg"
json "$tmp/refresh.ua.json" 'calls[0]["result"] == "ok" and calls[0]["media"]["auth_fail"] == 0'
check $? "ktrua's call ended by SIPp's BYE, nothing failed"
stats refresh
[ "$(stat_of refresh session_refreshes_local)" -eq 3 ]
check $? "ktrsbc-ctl stats: session_refreshes_local 3"

# --- 2. 422 below the trunk's min_se ------------------------------------------
sipp_run s422 sdes_uac_422.xml -p "$PBX" -s bob -key se 1 -m 1
rc=$?
check $rc "sdes_uac_422.xml: Session-Expires 1 below min_se 2 gets 422 with Min-SE"
[ $rc -eq 0 ] || diag "$tmp/s422.sipp.out" "$tmp/s422.err.log"
python3 - "$tmp/s422.msg.log" "$tmp/msglog.py" <<'PY'
import sys
exec(open(sys.argv[2]).read())
r = [r for r in records(sys.argv[1]) if r[1] == "received" and r[2].startswith("SIP/2.0 422")]
mse = [l for l in r[0][3].split("\n") if l.lower().startswith("min-se:")] if r else []
print("# 422:", mse)
sys.exit(0 if len(r) == 1 and mse == ["Min-SE: 2"] else 1)
PY
check $? "the 422 names the trunk's min_se (Min-SE: 2), once (its ACK matched)"
grep -q "Session-Expires 1 below min_se 2: 422" "$tmp/sbc.err"
check $? "ktrsbc logged the 422 with the trunk's min_se"

# --- 3. SIPp is the refresher and never refreshes --------------------------
t0=$(date +%s)
uac_call expire sdes_uac_expire.xml "--timeout 40" \
	"sdes_uac_expire.xml: Session-Expires 3 not refreshed: ktrsbc sent SIPp BYE with Reason cause=408" \
	-key se 3
t1=$(date +%s)
grep -q "^Session-Expires: 3;refresher=uac" "$tmp/expire.msg.log" && [ $((t1 - t0)) -le 12 ]
check $? "ktrsbc's 200 agreed to Session-Expires 3;refresher=uac; the session ended within the window (bounded at 12 s): $((t1 - t0)) s"
json "$tmp/expire.ua.json" '"cause=408" in calls[0]["bye"]'
check $? "the DTLS leg got BYE with Reason cause=408 too: $(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["bye"])' "$tmp/expire.ua.json" 2>/dev/null)"
grep -q "session timer of the caller's leg (trunk pbx) expired" "$tmp/sbc.err"
check $? "ktrsbc logged the expiry, naming the leg and trunk"
stats expire
[ "$(stat_of expire session_expired)" -eq 1 ]
check $? "ktrsbc-ctl stats: session_expired 1"

# --- 4. ktrsbc refreshes the carrier leg itself ------------------------------
# both keys, then one reload (session_expires 4 alone is below min_se 90)
sed -i -e "s/^session_expires *=.*/session_expires = 4/" -e "s/^min_se *=.*/min_se = 2/" \
	"$conf/trunks/carrier.conf"
kill -HUP "$spid"
sleep 0.3
cap_start selfref
uac_call selfref sdes_uac.xml "--timeout 30" \
	"a 6 s call with the carrier trunk at session_expires 4: SIPp's call passes" -d 6000
cap_stop
nupd=$(sip_methods "$tmp/selfref.pcap" | grep -c UPDATE)
nok=$(timeout 30 tshark -r "$tmp/selfref.pcap" -d "udp.port==$CARRIER,sip" \
	-Y 'sip.Status-Code == 200 && sip.CSeq.method == "UPDATE"' -T fields -e sip.CSeq 2>/dev/null | grep -c .)
[ "$nupd" -ge 2 ] && [ "$nok" -ge 2 ]
check $? "ktrsbc refreshed the leg to ktrua (which has no timer) by UPDATE: $nupd UPDATEs, $nok answered 200"
json "$tmp/selfref.ua.json" "$ok_call"
check $? "the refreshed call stayed up until SIPp's BYE, media authenticated"
python3 - "$tmp/selfref.msg.log" "$tmp/msglog.py" <<'PY'
import sys
exec(open(sys.argv[2]).read())
r = [r for r in records(sys.argv[1]) if r[1] == "received" and r[2].startswith("SIP/2.0 200") and "INVITE" in r[3]]
sys.exit(0 if r and not any(l.lower().startswith(("session-expires:", "x:")) for l in r[0][3].split("\n")) else 1)
PY
check $? "SIPp's leg (sdes_uac.xml: neither timer in Supported nor UPDATE in Allow) got no session timer: no Session-Expires in ktrsbc's 200"
stats selfref
[ "$(stat_of selfref session_expired)" -eq 1 ]
check $? "no session expired on the refreshed leg (session_expired still 1)"
sed -i -e "s/^session_expires *=.*/session_expires = 1800/" -e "s/^min_se *=.*/min_se = 90/" \
	"$conf/trunks/carrier.conf"
kill -HUP "$spid"
sleep 0.3

# --- 5. glare: SIPp's re-INVITE crosses ktrsbc's --------------------------------
uac_call glare sdes_uac_glare.xml "--rekey-after 1 --timeout 30" \
	"sdes_uac_glare.xml: SIPp's re-INVITE crossing ktrsbc's got 491; both re-INVITEs then went through"
json "$tmp/glare.ua.json" 'calls[0]["result"] == "ok" and calls[0]["media"]["auth_fail"] == 0 and calls[0]["media"]["keys_installed"] >= 2'
check $? "ktrua: the call ended well; SIPp's new key A' (its retried re-INVITE) reached it"

# 5b. the same with an UPDATE (RFC 3311 5.2)
uac_call glareu sdes_uac_glare_update.xml "--rekey-after 1 --timeout 30" \
	"sdes_uac_glare_update.xml: SIPp's UPDATE with an offer crossing ktrsbc's re-INVITE got 491; ktrsbc's re-INVITE then went through"
json "$tmp/glareu.ua.json" 'calls[0]["result"] == "ok" and calls[0]["media"]["auth_fail"] == 0'
check $? "ktrua's call ended well"

# window SIPP-LOG LO HI: every 491 SIPp sent is followed by ktrsbc's next
# INVITE within [LO, HI] seconds.
window() {
	python3 - "$1" "$tmp/msglog.py" "$2" "$3" <<'PY'
import sys
exec(open(sys.argv[2]).read())
lo, hi = float(sys.argv[3]), float(sys.argv[4])
recs = records(sys.argv[1])
gaps = []
for i, r in enumerate(recs):
    if r[1] == "sent" and r[2].startswith("SIP/2.0 491"):
        nxt = [q for q in recs[i + 1:] if q[1] == "received" and q[2].startswith("INVITE ")]
        if nxt:
            gaps.append(nxt[0][0] - r[0])
print("# 491 -> retry: %s s (window %.1f..%.1f)" % (["%.2f" % g for g in gaps], lo, hi))
sys.exit(0 if gaps and all(lo <= g <= hi for g in gaps) else 1)
PY
}

# --- 6. 491 once; SIPp owns the Call-ID: the retry 0..2 s later -----------------
uac_call r491 sdes_uac_491.xml "--rekey-after 1 --timeout 30" \
	"sdes_uac_491.xml: ktrsbc's re-INVITE got 491; its retry carried an a=crypto:7 offer and got 200"
# 0..2 s (RFC 3261 14.1); 0.3 s of slack above for a loaded host
window "$tmp/r491.msg.log" 0 2.3
check $? "the retry came 0..2 s after the 491 (the peer owns the Call-ID)"
python3 - "$tmp/r491.msg.log" "$tmp/msglog.py" <<'PY'
import re, sys
exec(open(sys.argv[2]).read())
inv = [r for r in records(sys.argv[1]) if r[1] == "received" and r[2].startswith("INVITE sip:sipp@")]
vers = [int(re.search(r"(?m)^o=\S+ \S+ (\d+) ", r[4]).group(1)) for r in inv]
rest = [re.sub(r"(?m)^o=.*$", "", r[4]) for r in inv]
print("# ktrsbc's re-INVITEs: o= versions", vers)
sys.exit(0 if len(inv) == 2 and vers[1] == vers[0] + 1 and rest[0] == rest[1] else 1)
PY
check $? "the retry carried the then-current offer: the same SDP (the DTLS UA's new key) with the o= version one up (RFC 3264 8)"
grep "retry in" "$tmp/sbc.err" | tail -n 1 | grep -Eq "retry in ([0-9]|[0-9][0-9]|[0-9][0-9][0-9]|1[0-9][0-9][0-9]|2000) ms \(the peer owns"
check $? "ktrsbc logged the retry's wait (at most 2000 ms, the peer owning the Call-ID)"
json "$tmp/r491.ua.json" 'calls[0]["result"] == "ok" and calls[0]["media"]["auth_fail"] == 0'
check $? "ktrua's call ended well"

# --- 7. 491 once; ktrsbc owns the Call-ID: the retry 2.1..4 s later -------------
sipp_run o491 sdes_uas_491.xml -p "$PBX" -m 1 &
sipp_pid=$!
pids="$pids $sipp_pid"
wait_port "$PBX"
ua_bg o491 --dtls --ktr --listen "127.0.0.1:$CARRIER" \
	--call "sip:+12125550123@127.0.0.1:$SBC_SIP" --duration 6 --rekey-after 1
wait "$upid"
ua_rc=$?
wait "$sipp_pid"
rc=$?
check $rc "sdes_uas_491.xml: ktrsbc's re-INVITE to the SDES callee got 491; the retry got 200; the caller's BYE passed"
[ $rc -eq 0 ] || diag "$tmp/o491.sipp.out" "$tmp/o491.err.log"
window "$tmp/o491.msg.log" 2.0 4.3
check $? "the retry came 2.1..4 s after the 491 (ktrsbc owns the Call-ID)"
grep "retry in" "$tmp/sbc.err" | tail -n 1 | grep -Eq "retry in (2[1-9][0-9]0|3[0-9][0-9]0|4000) ms \(we own"
check $? "ktrsbc logged the retry's wait (2100..4000 ms in 10 ms steps, owning the Call-ID)"
check $ua_rc "ktrua (DTLS caller) exits 0"

# --- 8. 491 every time: ktrsbc gives up after 3 retries ------------------------
stats g0
uac_call giveup sdes_uac_491_giveup.xml "--rekey-after 1 --timeout 40" \
	"sdes_uac_491_giveup.xml: four re-INVITEs of ktrsbc (one and 3 retries), each 491, then none; SIPp's BYE"
window "$tmp/giveup.msg.log" 0 2.3
check $? "every retry 0..2 s after its 491"
grep -q "re-INVITE to the SDES UA given up after 4 x 491" "$tmp/sbc.err"
check $? "ktrsbc logged that it gave up"
stats g1
[ "$(stat_of g1 glare_gave_up)" -eq 1 ] && [ $(($(stat_of g1 glare_retries) - $(stat_of g0 glare_retries))) -eq 3 ]
check $? "ktrsbc-ctl stats: glare_gave_up 1, 3 more glare_retries"
json "$tmp/giveup.ua.json" 'calls[0]["result"] == "ok"'
check $? "the call went on after the re-key was given up (the media core's policy for a refused re-key) and ended by SIPp's BYE"

sbc_term "ktrsbc exits 0 on SIGTERM"
echo "1..$n"

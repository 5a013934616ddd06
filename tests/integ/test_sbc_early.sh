#!/bin/sh
# Early media through ktrsbc (issue 14 point 3): the callee's 183 with SDP
# keys the relay (the DTLS handshake and KTR run before the 200) and
# reaches the caller as a 183 with the translated answer, reliably (RFC
# 3262: RSeq, PRACK) when the caller allows 100rel, unreliably with the
# same answer again in the 200 otherwise (RFC 3261 13.2.1); ktrsbc PRACKs
# a reliable 183 itself. Both call directions, with ktrua on both sides
# (--early-media-ms: the callee answers in a 183 and sends media at once,
# the 200 1 s later) and SIPp (scripts/sipp/sdes_uas_early183.xml: an
# SDES callee with a reliable 183 and SRTP before its 200;
# sdes_uac_early.xml: an SDES caller without 100rel). Proven on the wire:
# what the caller received before the 200 authenticated at ktrua (its JSON
# "early" member), was byte-identical to what the callee sent (captures),
# and, on the SDES leg, authenticates in a capture of lo with the keys of
# the offer and of the 183 (sbc_early_check.py). TAP; loopback only;
# every process bounded by timeout(1).
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_early
SC=$top/scripts/sipp
PY=/usr/bin/python3
"$PY" -c "import cryptography" 2>/dev/null || missing="${missing:-} python3-cryptography"
[ "$(id -u)" -eq 0 ] || missing="${missing:-} root(dumpcap on lo, SIPp's raw socket)"
need "$SBC" "$CTL" "$UA" sipp dumpcap python3 timeout ss

# Ports of this run: SIP of the SBC P (tls P+1), pbx P+2, carrier P+4,
# SIPp's media P+6 (and its video P+8); media: the SBC M..M+19, the callee
# (fork A) M+20..M+29, the caller M+30..M+39, fork B M+40..M+49; SIP of
# the forked callees M+50 and M+52.
P=$((600 + ($$ % 40) * 10))
M=$((34400 + ($$ % 8) * 60))
sbc_ports "$P" "$M" "$((M + 19))"
SIPP_MEDIA=$((P + 6))
sbc_start -v
check $? "ktrsbc starts on its configuration"

KEY_A=WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz
KEY_A2=c2VtY3RsICgpIHsJMjIwO30KfQp1bmxlc3MgZXhp
timeout 60 "$PY" "$SC/srtp_pcap.py" --key "$KEY_A" --packets 100 --out "$tmp/srtp_a.pcap" &&
	timeout 60 "$PY" "$SC/srtp_pcap.py" --key "$KEY_A2" --packets 100 --ssrc 0x0b0b0b0b \
		--out "$tmp/srtp_b.pcap" &&
	timeout 60 "$PY" "$SC/srtp_pcap.py" --key "$KEY_A" --packets 100 --ssrc 0x0a0a0a0a \
		--out "$tmp/srtp_a2.pcap"
check $? "srtp_pcap.py writes the SRTP captures SIPp plays (2 s at 50/s; keys A1, A2, A1 under another SSRC)"

sdes_caller="--sdes --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$SBC_SIP --duration 1"
dtls_caller="--dtls --ktr --listen 127.0.0.1:$CARRIER --call sip:+12125550123@127.0.0.1:$SBC_SIP --duration 1"

# cap_start NAME / cap_stop: dumpcap of lo (SIP and media of this run)
# into $tmp/NAME.pcap.
cap_start() { lo_capture "$1" "udp portrange $P-$((P + 9)) or udp portrange $M-$((M + 49))"; }
cap_stop() { lo_capture_stop; }

# Media reached the caller before the 200 and authenticated: at least 30
# packets (0.6 s of the 1 s of early media), none failing, the call ok.
early_ok='calls[0]["result"] == "ok" and calls[0]["media"]["auth_fail"] == 0 and calls[0]["early"]["rtp_recv_before_200"] >= 30 and not calls[0]["early"]["failed"]'

# early_pair NAME CALLEE-ARGS -- CALLER-ARGS: ua_pair with the callee in
# early media for 1 s, lo captured.
early_pair() {
	cap_start "$1"
	name=$1
	shift
	c=""
	while [ "$1" != "--" ]; do c="$c $1"; shift; done
	shift
	# `ktrsbc-ctl calls` every 0.1 s during the call's first 2 s
	(i=0; while [ $i -lt 20 ]; do
		sleep 0.1
		timeout 5 "$CTL" -s "$conf/ctl.sock" calls
		i=$((i + 1))
	done >"$tmp/$name.calls" 2>&1) &
	pids="$pids $!"
	# shellcheck disable=SC2086
	ua_pair "$name" "$CALLEE_PORTS" "$CALLER_PORTS" $c --early-media-ms 1000 -- "$@"
	cap_stop
}
# seen_early NAME: some `calls` sample showed the call in state "early"
# with KTR keyed (media flowing before the 200).
seen_early() {
	timeout 60 "$PY" - "$tmp/$1.calls" <<'PY'
import json, sys
seen = []
for line in open(sys.argv[1]):
    if line.startswith("{"):
        seen += [(c["state"], c["media"]) for c in json.loads(line)["calls"]]
print("# states seen:", sorted(set(seen)))
sys.exit(0 if ("early", "ktr") in seen and ("up", "ktr") in seen else 1)
PY
}

# 1. SDES caller -> DTLS callee: the DTLS handshake and new_srtp_key(A)
#    during early media; the SDES caller has B from the 183.
# shellcheck disable=SC2086
early_pair s2d --dtls --ktr --listen "127.0.0.1:$CARRIER" -- $sdes_caller
[ $caller_rc -eq 0 ] && [ $callee_rc -eq 0 ]
check $? "SDES caller -> DTLS callee with early media: both calls ok"
json "$tmp/s2d.caller.json" "$early_ok"
check $? "SDES caller: the DTLS callee's media arrived before the 200 and authenticated with B from the 183"
json "$tmp/s2d.callee.json" "$early_ok and calls[0]['media']['keys_installed'] >= 1"
check $? "DTLS callee: KTR (new_srtp_key(A)) and the SDES caller's media before its 200 went out"
same_bytes "$tmp/s2d.caller.pcap" "$CALLER_PORTS" "$tmp/s2d.callee.pcap" "$CALLEE_PORTS" 0 &&
	same_bytes "$tmp/s2d.callee.pcap" "$CALLEE_PORTS" "$tmp/s2d.caller.pcap" "$CALLER_PORTS" 0
check $? "SDES caller <-> DTLS callee: every packet byte for byte, early media included"
timeout 60 "$PY" tests/integ/sbc_early_check.py "$tmp/s2d.pcap" "$PBX" "$SBC_SIP" 30 reliable
check $? "SDES leg (caller): before the 200, SRTP both ways authenticates with the offer's and the 183's keys; the 183 reliable and PRACKed, the 200 without SDP"
seen_early s2d
check $? "ktrsbc-ctl calls: the call in state early with KTR before the 200, up after"

# 2. DTLS caller -> SDES callee: ktrsbc answers the DTLS caller in a 183
#    (a=setup:active), KTR new_srtp_key(A) and your_new_srtp_key(B).
# shellcheck disable=SC2086
early_pair d2s --sdes --listen "127.0.0.1:$PBX" -- $dtls_caller
[ $caller_rc -eq 0 ] && [ $callee_rc -eq 0 ]
check $? "DTLS caller -> SDES callee with early media: both calls ok"
json "$tmp/d2s.caller.json" "$early_ok and calls[0]['media']['keys_installed'] >= 1"
check $? "DTLS caller: KTR during early media, the SDES callee's media before the 200, none failing"
json "$tmp/d2s.callee.json" "$early_ok"
check $? "SDES callee: the DTLS caller's media before its 200 went out, under B"
timeout 60 "$PY" tests/integ/sbc_early_check.py "$tmp/d2s.pcap" "$PBX" "$SBC_SIP" 30 reliable
check $? "SDES leg (callee): before the 200, SRTP both ways authenticates with the offer's (B) and the 183's (A) keys; ktrsbc PRACKed the reliable 183"
seen_early d2s
check $? "ktrsbc-ctl calls: the DTLS caller's call in state early with KTR before the 200, up after"

# sipp_run: a scenario of scripts/sipp/, or a path from the project's root
# shellcheck source=tests/integ/lib/sipp.sh
. "$(dirname "$0")/lib/sipp.sh"

# 3. SIPp as the SDES callee: a reliable 183 (Require: 100rel, RSeq)
#    that ktrsbc must PRACK, SRTP before the 200.
# sipp_uas NAME SCENARIO UA-ARGS...: SIPp's scenario on the pbx trunk's
# address against a ktrua DTLS caller (its JSON in $tmp/NAME.ua.json);
# SIPp's status.
sipp_uas() {
	name=$1
	scen=$2
	shift 2
	sipp_run "$name" "$scen" -p "$PBX" -m 1 &
	sipp_pid=$!
	pids="$pids $sipp_pid"
	wait_port "$PBX"
	timeout 40 "$UA" "$@" --media-ports "$CALLER_PORTS" >"$tmp/$name.ua.json" \
		2>"$tmp/$name.ua.err"
	wait "$sipp_pid"
	rc=$?
	[ $rc -eq 0 ] || diag "$tmp/$name.sipp.out" "$tmp/$name.err.log"
	return $rc
}
# shellcheck disable=SC2086
sipp_uas s3 sdes_uas_early183.xml $dtls_caller
check $? "sdes_uas_early183.xml: ktrsbc PRACKed the reliable 183 (RAck), SIPp's checks pass"
json "$tmp/s3.ua.json" "calls[0]['result'] == 'ok' and calls[0]['media']['auth_fail'] == 0 and calls[0]['early']['rtp_recv_before_200'] >= 30"
check $? "sdes_uas_early183.xml: the DTLS caller decrypted SIPp's SRTP (key A by new_srtp_key) before the 200"

# 4. SIPp as an SDES caller without 100rel: an unreliable 183, the same
#    answer again in the 200.
cap_start s4
# shellcheck disable=SC2086
timeout 40 "$UA" --dtls --ktr --listen "127.0.0.1:$CARRIER" --early-media-ms 1000 \
	--media-ports "$CALLEE_PORTS" >"$tmp/s4.ua.json" 2>"$tmp/s4.ua.err" &
upid=$!
pids="$pids $upid"
wait_port "$CARRIER"
sipp_run s4 sdes_uac_early.xml -p "$PBX" -s bob -d 1000 -m 1
rc=$?
check $rc "sdes_uac_early.xml: an unreliable 183 with the SDES answer, then the 200; SIPp's checks pass"
[ $rc -eq 0 ] || diag "$tmp/s4.sipp.out" "$tmp/s4.err.log"
kill "$upid" 2>/dev/null
wait "$upid"
cap_stop
json "$tmp/s4.ua.json" "calls[0]['media']['auth_fail'] == 0 and calls[0]['early']['rtp_recv_before_200'] >= 25"
check $? "sdes_uac_early.xml: the DTLS callee decrypted SIPp's SRTP (key A by KTR) before its 200"
timeout 60 "$PY" tests/integ/sbc_early_check.py "$tmp/s4.pcap" "$PBX" "$SBC_SIP" 25 unreliable
check $? "sdes_uac_early.xml: on the wire, the 183 unreliable and the 200 with the 183's SDP again; SIPp's SRTP before the 200 authenticates with A"

# 4b. The 200 of the relayed early dialog with another SDP (o= version 2,
#     key A2) than its 183's: after an unreliable 183 the 200's is the
#     answer (RFC 3261 13.2.1) and the relay follows it; after a reliable
#     one it is no answer (RFC 3262 5) and is ignored.
# Both captures decrypted: before the 200 and after it, none failing.
both_parts="calls[0]['media']['auth_fail'] == 0 and calls[0]['early']['rtp_recv_before_200'] >= 25 and calls[0]['media']['rtp_recv'] - calls[0]['early']['rtp_recv_before_200'] >= 20"
# shellcheck disable=SC2086
sipp_uas s4b tests/sipp/sbc_uas_early_changed.xml $dtls_caller
check $? "sbc_uas_early_changed.xml: an unreliable 183, then a 200 with another SDP; SIPp's checks pass"
json "$tmp/s4b.ua.json" "$both_parts and calls[0]['media']['keys_installed'] == 2"
check $? "unreliable 183, another SDP in the 200: ktrsbc followed the 200's answer (A2 by new_srtp_key), the DTLS caller decrypted SIPp's SRTP under A1 before it and A2 after"
# shellcheck disable=SC2086
sipp_uas s4c tests/sipp/sbc_uas_early_changed_rel.xml $dtls_caller
check $? "sbc_uas_early_changed_rel.xml: a reliable 183 PRACKed, then a 200 with another SDP; SIPp's checks pass"
json "$tmp/s4c.ua.json" "$both_parts and calls[0]['media']['keys_installed'] == 1"
check $? "reliable 183, another SDP in the 200: ignored (the DTLS caller never got A2), SIPp's SRTP under A1 decrypted before and after the 200"
grep -q "the 200's is the answer (RFC 3261 13.2.1)" "$tmp/sbc.err" &&
	grep -q "reliable 183 (.*): ignored, that answer stands" "$tmp/sbc.err"
check $? "ktrsbc logs both changed answers and what it did"

# 4d. Early media that ends without an answer: the callee refuses after
#     its early media (486); the caller cancels during early media. The
#     early relay state goes with the call (no call left, stats below).
# shellcheck disable=SC2086
sipp_uas s4d tests/sipp/sbc_uas_early_reject.xml $dtls_caller
check $? "sbc_uas_early_reject.xml: early media, then 486; SIPp's checks pass (its 486 ACKed)"
json "$tmp/s4d.ua.json" "calls[0]['sip_status'] == 486 and calls[0]['media']['auth_fail'] == 0 and calls[0]['media']['rtp_recv'] >= 25"
check $? "callee refuses after early media: the DTLS caller decrypted the early media, then got the 486"
# shellcheck disable=SC2086
ua_pair s4e "$CALLEE_PORTS" "$CALLER_PORTS" --dtls --ktr --listen "127.0.0.1:$CARRIER" \
	--early-media-ms 2000 -- $sdes_caller --cancel-after 1000
json "$tmp/s4e.caller.json" "calls[0]['sip_status'] == 487 and calls[0]['media']['auth_fail'] == 0 and calls[0]['media']['rtp_recv'] >= 25" &&
	json "$tmp/s4e.callee.json" "calls[0]['error'] == 'caller cancelled' and calls[0]['media']['auth_fail'] == 0 and calls[0]['media']['rtp_recv'] >= 25"
check $? "caller cancels during early media: both UAs had the other's media, the callee got the CANCEL"
stats s4e
json "$tmp/s4e.json" "j['calls_active'] == 0"
check $? "no call left at ktrsbc after a refused and a cancelled call with early media"

# 5. Forked early dialogs, through tests/integ/fork_proxy.py on the
#    callee trunk's address: two ktrua callees, each answering with a 183
#    with its own SDP (its own fingerprint, or its own key A) at once, fork
#    B 0.3 s after fork A; fork A's 200 after A_MS, fork B's after B_MS;
#    the proxy CANCELs the other fork at the first 200. --no-100rel: the
#    183s come unreliably (see 5d).
FA=$((M + 50))
FB=$((M + 52))
FB_PORTS="$((M + 40))-$((M + 49))"
# fork_call NAME TRUNK-PORT "CALLEE-MODE" A_MS B_MS PROXY-OPT CALLER-ARGS...
fork_call() {
	name=$1 tp=$2 mode=$3 ea=$4 eb=$5 popt=$6
	shift 6
	# shellcheck disable=SC2086 # $popt: an option, or none
	timeout 30 "$PY" tests/integ/fork_proxy.py "$tp" "$FA" "$FB+300" $popt --seconds 20 \
		>"$tmp/$name.proxy" 2>&1 &
	fpid=$!
	pids="$pids $fpid"
	for f in a b; do
		if [ $f = a ]; then fp=$FA ms=$ea mp=$CALLEE_PORTS; else fp=$FB ms=$eb mp=$FB_PORTS; fi
		# shellcheck disable=SC2086
		timeout 30 "$UA" $mode --listen "127.0.0.1:$fp" --early-media-ms "$ms" \
			--media-ports "$mp" --capture "$tmp/$name.$f.pcap" \
			>"$tmp/$name.$f.json" 2>"$tmp/$name.$f.err" &
		eval "${f}pid=\$!"
		pids="$pids $!"
	done
	wait_port "$tp"
	wait_port "$FB"
	timeout 30 "$UA" "$@" --media-ports "$CALLER_PORTS" --capture "$tmp/$name.caller.pcap" \
		>"$tmp/$name.caller.json" 2>"$tmp/$name.caller.err"
	caller_rc=$?
	# shellcheck disable=SC2154 # apid, bpid: set by eval above
	wait "$apid" "$bpid"
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
}
fork_seen() {
	timeout 60 "$PY" tests/integ/sbc_fork_check.py "$tmp/$1.caller.pcap" "$CALLER_PORTS" \
		"$tmp/$1.a.pcap" "$CALLEE_PORTS" "$tmp/$1.b.pcap" "$FB_PORTS" 20 "${2:-0}"
}
cancelled='calls[0]["error"] == "caller cancelled" and calls[0]["media"]["auth_fail"] == 0'
fork_ok='calls[0]["result"] == "ok" and calls[0]["media"]["auth_fail"] == 0 and calls[0]["media"]["rtp_recv"] >= 20'
sdes_caller3="--sdes --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$SBC_SIP --duration 2"
dtls_caller3="--dtls --ktr --listen 127.0.0.1:$CARRIER --call sip:+12125550123@127.0.0.1:$SBC_SIP --duration 2"

# 5a. DTLS forks (two fingerprints), fork B answers: ktrsbc tears down
#     fork A's DTLS association and ports, builds the relay state for B on
#     the same ports, and tells B to send with the B key the SDES caller
#     has (your_new_srtp_key); the caller's answer never changes.
# shellcheck disable=SC2086
fork_call f5a "$CARRIER" "--dtls --ktr" 1500 800 --no-100rel $sdes_caller3
[ $caller_rc -eq 0 ]
check $? "DTLS forks, the later one answers: the SDES caller's call ends ok"
json "$tmp/f5a.caller.json" "$early_ok"
check $? "DTLS forks: the caller heard fork A's early media (the first 183 with SDP), all authenticated, none failing after the switch either"
json "$tmp/f5a.a.json" "$cancelled and calls[0]['media']['rtp_recv'] >= 20 and calls[0]['media']['keys_installed'] >= 1"
check $? "DTLS forks: fork A had the caller's media by KTR during early media, then was cancelled"
json "$tmp/f5a.b.json" "$fork_ok and calls[0]['media']['keys_installed'] >= 1 and calls[0]['media']['tx_switches'] >= 1"
check $? "DTLS forks: fork B, answering, got A by new_srtp_key, switched to the dictated key, nothing failed"
fork_seen f5a
check $? "DTLS forks: the caller received fork A's packets byte for byte, then fork B's only"
grep -q "relay state torn down (its DTLS association closed" "$tmp/sbc.err" &&
	grep -q "brought its own SDP: not relayed" "$tmp/sbc.err"
check $? "DTLS forks: ktrsbc logs the fork it does not relay and the tear-down of the relayed one"

# 5b. SDES forks (two keys A), fork B answers: the DTLS caller's
#     association stays, B's key goes to it by new_srtp_key.
# shellcheck disable=SC2086
fork_call f5b "$PBX" "--sdes" 1500 800 --no-100rel $dtls_caller
[ $caller_rc -eq 0 ]
check $? "SDES forks, the later one answers: the DTLS caller's call ends ok"
json "$tmp/f5b.caller.json" "$early_ok and calls[0]['media']['keys_installed'] == 2"
check $? "SDES forks: the DTLS caller got fork A's key and then fork B's by new_srtp_key, nothing failed"
json "$tmp/f5b.a.json" "$cancelled" && json "$tmp/f5b.b.json" "$fork_ok"
check $? "SDES forks: fork A cancelled, fork B decrypted the caller's media"
fork_seen f5b 60
check $? "SDES forks: the caller received fork A's packets (byte for byte once KTR had A), then fork B's only"

# 5c. DTLS forks, fork A (the one relayed) answers: nothing to switch.
# shellcheck disable=SC2086
fork_call f5c "$CARRIER" "--dtls --ktr" 800 1500 --no-100rel $sdes_caller
[ $caller_rc -eq 0 ]
json "$tmp/f5c.caller.json" "$early_ok" && json "$tmp/f5c.a.json" "$fork_ok" &&
	json "$tmp/f5c.b.json" "$cancelled"
check $? "DTLS forks, the relayed one answers: the call goes on with it, fork B cancelled"

# 5c2. DTLS forks, the relayed one never completes its handshake (SIPp,
#     no DTLS) and the other answers before the caller was answered at
#     all: the caller gets the answering fork's own B in the 200.
sipp_run f5s tests/sipp/sbc_uas_dtls_fork_silent.xml -p "$FA" -m 1 &
spid2=$!
pids="$pids $spid2"
timeout 30 "$PY" tests/integ/fork_proxy.py "$CARRIER" "$FA" "$FB+300" --no-100rel --seconds 20 \
	>"$tmp/f5s.proxy" 2>&1 &
fpid=$!
pids="$pids $fpid"
timeout 30 "$UA" --dtls --ktr --listen "127.0.0.1:$FB" --early-media-ms 800 \
	--media-ports "$FB_PORTS" >"$tmp/f5s.b.json" 2>"$tmp/f5s.b.err" &
bpid=$!
pids="$pids $bpid"
wait_port "$CARRIER"
wait_port "$FA"
wait_port "$FB"
# shellcheck disable=SC2086
timeout 30 "$UA" $sdes_caller --media-ports "$CALLER_PORTS" >"$tmp/f5s.caller.json" \
	2>"$tmp/f5s.caller.err"
caller_rc=$?
wait "$bpid"
wait "$spid2"
rc=$?
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null
[ $caller_rc -eq 0 ] && [ $rc -eq 0 ] && json "$tmp/f5s.caller.json" "$ok_call and 'early' not in calls[0]" &&
	json "$tmp/f5s.b.json" "$fork_ok"
check $? "DTLS forks, the relayed one's handshake never ends: the other fork's 200 reaches the caller with that fork's own key, media both ways"
[ $rc -eq 0 ] || diag "$tmp/f5s.sipp.out" "$tmp/f5s.err.log" "$tmp/f5s.proxy"

# 5d. Reliable 183s (100rel, as ktrua sends them): Sofia's nua takes the
#     first early dialog's To-tag for the INVITE (RFC 3262 early dialog)
#     and never reports, nor PRACKs, the other fork's reliable 183, which
#     then cannot answer (its 200 waits for the PRACK, RFC 3262 3): the
#     call goes on with the first fork (README, Limits).
# shellcheck disable=SC2086
fork_call f5d "$CARRIER" "--dtls --ktr" 1200 600 "" $sdes_caller
[ $caller_rc -eq 0 ]
json "$tmp/f5d.caller.json" "$early_ok" && json "$tmp/f5d.a.json" "$fork_ok" &&
	json "$tmp/f5d.b.json" "$cancelled"
check $? "reliable forks: only the first early dialog is seen; the call completes with it"

# 5e. SIPp as two forks of an SDES callee in one scenario (two 183s,
#     different To-tags, addresses and keys), the second answering: SRTP
#     under fork A's key from fork A's address before the 200 reaches the
#     caller; after the 200 ktrsbc follows fork B (another address) and
#     drops what still comes from fork A's.
stats s5e.before
# shellcheck disable=SC2086
sipp_uas s5e sdes_uas_fork183.xml $dtls_caller3
check $? "sdes_uas_fork183.xml: two early dialogs, the second answering; SIPp's checks pass"
json "$tmp/s5e.ua.json" "calls[0]['media']['auth_fail'] == 0 and calls[0]['media']['keys_installed'] == 2 and calls[0]['early']['rtp_recv_before_200'] >= 30 and calls[0]['media']['rtp_recv'] == calls[0]['early']['rtp_recv_before_200']"
check $? "sdes_uas_fork183.xml: the DTLS caller decrypted fork A's SRTP before the 200 (A1 by KTR), got fork B's key A2 by new_srtp_key, and nothing from fork A's address after the 200"
stats s5e.after
timeout 60 "$PY" - "$tmp/s5e.before.json" "$tmp/s5e.after.json" <<'PY'
import json, sys
b, a = (json.load(open(f)) for f in sys.argv[1:3])
d = a["ended"]["dropped_source"] - b["ended"]["dropped_source"]
print(f"# dropped at the source check during the call: {d}")
sys.exit(0 if d >= 50 else 1)
PY
check $? "sdes_uas_fork183.xml: SIPp's SRTP from fork A's address after fork B answered was dropped by the relay's source check"
grep -q "answered by early dialog [0-9]*SIPpTagB" "$tmp/sbc.err"
check $? "sdes_uas_fork183.xml: ktrsbc logs that it follows fork B"

# 6. The SBC's own account.
stats
json "$tmp/stats.json" "j['early']['calls'] == 14 and j['early']['forks_not_relayed'] == 5 and j['early']['fork_answers'] == 4 and j['early']['sdp_changed'] == 2 and j['ended']['crypto_ops_ktr'] == 0"
check $? "stats: 14 calls with early media, 5 forks not relayed, 4 answered by the other fork, 2 changed answers, no per-packet crypto on KTR calls"
grep -q "early media: 183 with SDP from early dialog" "$tmp/sbc.err"
check $? "ktrsbc logs the early dialog it relays"

sbc_term "ktrsbc exits 0 on SIGTERM"
echo "1..$n"

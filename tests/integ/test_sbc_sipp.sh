#!/bin/sh
# The SIPp scenarios of scripts/sipp/ against ktrsbc, started here on a copy
# of the shipped conf/ with its own ports and control socket (as
# test_sbc.sh). SIPp stands on the "pbx" trunk's source address as the
# RFC 4568 (SDES) side, and as a DTLS-SRTP UA on the "carrier" trunk's
# where ktrua cannot be used (a non-KTR answer); ktrua --dtls --ktr is the
# DTLS side otherwise. SIPp plays SRTP from a capture made by
# scripts/sipp/srtp_pcap.py with the scenario's a=crypto key, so the DTLS
# UA can authenticate what reaches it. SIPp's raw socket for that needs
# root. TAP output; loopback only; every process bounded by timeout(1);
# only the PIDs started here are killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_sipp
SC=$top/scripts/sipp

missing=""
# srtp_pcap.py runs on Debian's python3 (python3-cryptography from scripts/deps.sh).
PY=/usr/bin/python3
"$PY" -c "import cryptography" 2>/dev/null || missing="$missing python3-cryptography"
[ "$(id -u)" -eq 0 ] || missing="$missing root(SIPp's raw socket for play_pcap_audio)"
need "$SBC" "$CTL" "$UA" sipp python3 timeout ss

# Ports of this run (apart from test_sbc.sh's 23000.. and 50000..): SIP
# of the SBC P (udp/tcp), P+1 (tls); pbx P+2; carrier P+4; SIPp's media
# ports P+6.. (SIPp also binds media port + 2). Media: the SBC M..M+499
# (a leg takes an even port and keeps the odd one above for RTCP: 100
# concurrent calls need 400), ktrua M+500..M+799.
P=$((26000 + ($$ % 300) * 20))
M=$((35000 + ($$ % 18) * 800))
sbc_ports "$P" "$M" "$((M + 499))"
SIPP_MEDIA=$((P + 6))
UA_PORTS="$((M + 500))-$((M + 799))"

# The SRTP SIPp plays: the key of the scenarios' a=crypto lines.
KEY_A=WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz
"$PY" "$SC/srtp_pcap.py" --key "$KEY_A" --packets 100 --out "$tmp/srtp_a.pcap" &&
	"$PY" "$SC/srtp_pcap.py" --key "$KEY_A" --packets 400 --interval-us 1000 \
		--out "$tmp/srtp_a_burst.pcap"
check $? "srtp_pcap.py writes the SRTP captures SIPp plays (2 s at 50/s; 0.4 s at 1000/s)"

sbc_start
check $? "ktrsbc starts on its configuration"

# sipp_run (statistics in $tmp/NAME.stat.csv), ua_bg
# shellcheck source=tests/integ/lib/sipp.sh
. "$(dirname "$0")/lib/sipp.sh"
dtls_callee="--dtls --ktr --listen 127.0.0.1:$CARRIER"
ua_ok='calls[0]["result"] == "ok" and calls[0]["error"] == "" and calls[0]["mode"] == "dtls-ktr" and calls[0]["media"]["auth_fail"] == 0 and calls[0]["media"]["rtp_recv"] >= 50 and calls[0]["media"]["keys_installed"] >= 1'

# 1. sdes_uac.xml: SDES caller -> ktrsbc -> ktrua --dtls --ktr; caller's BYE.
# shellcheck disable=SC2086
ua_bg s1 $dtls_callee
sleep 0.5
sipp_run s1 sdes_uac.xml -p "$PBX" -d 2500 -m 1
rc=$?
check $rc "sdes_uac.xml: the 200 answers RTP/SAVP with a=crypto of the offer's tag; BYE answered"
[ $rc -eq 0 ] || diag "$tmp/s1.sipp.out" "$tmp/s1.err.log"
wait "$upid"
check $? "sdes_uac.xml: ktrua (DTLS callee) exits 0"
json "$tmp/s1.ua.json" "$ua_ok"
check $? "sdes_uac.xml: the DTLS UA got key A by new_srtp_key and authenticated SIPp's SRTP; the caller's BYE ended it"

# 2. dtls_uas_answer.xml: ktrua --dtls --ktr caller -> ktrsbc -> SIPp as the
#    SDES callee; the DTLS caller's BYE (--duration) reaches SIPp.
sipp_run s2 dtls_uas_answer.xml -p "$PBX" -m 1 &
sipp_pid=$!
pids="$pids $sipp_pid"
wait_port "$PBX"
ua_bg s2 --dtls --ktr --listen "127.0.0.1:$CARRIER" \
	--call "sip:+12125550123@127.0.0.1:$SBC_SIP" --duration 3
wait "$upid"
ua_rc=$?
wait "$sipp_pid"
rc=$?
check $rc "dtls_uas_answer.xml: ktrsbc's INVITE to the SDES side is RTP/SAVP with a=crypto, no a=fingerprint; the DTLS caller's BYE passed across"
[ $rc -eq 0 ] || diag "$tmp/s2.sipp.out" "$tmp/s2.err.log"
check $ua_rc "dtls_uas_answer.xml: ktrua (DTLS caller) exits 0"
json "$tmp/s2.ua.json" "$ua_ok and calls[0]['media']['tx_switches'] == 1"
check $? "dtls_uas_answer.xml: the DTLS UA switched to the dictated key and authenticated SIPp's SRTP (key A by new_srtp_key)"

# 3. dtls_uas_bye.xml: the same call, the SDES callee (SIPp) hangs up; the
#    DTLS caller must get the BYE (it would hang up itself only after 30 s).
sipp_run s3 dtls_uas_bye.xml -p "$PBX" -m 1 &
sipp_pid=$!
pids="$pids $sipp_pid"
wait_port "$PBX"
ua_bg s3 --dtls --ktr --listen "127.0.0.1:$CARRIER" \
	--call "sip:+12125550123@127.0.0.1:$SBC_SIP" --duration 30
t0=$(date +%s)
wait "$upid"
ua_rc=$?
t1=$(date +%s)
wait "$sipp_pid"
rc=$?
check $rc "dtls_uas_bye.xml: the SDES callee's BYE answered 200 through ktrsbc"
[ $rc -eq 0 ] || diag "$tmp/s3.sipp.out" "$tmp/s3.err.log"
[ $ua_rc -eq 0 ] && [ $((t1 - t0)) -lt 15 ]
check $? "dtls_uas_bye.xml: ktrua (DTLS caller) ended by the BYE ktrsbc passed on, exits 0 ($((t1 - t0)) s)"
json "$tmp/s3.ua.json" "$ua_ok"
check $? "dtls_uas_bye.xml: the DTLS UA's call: error empty, result ok"

# 3b. dtls_uas_early.xml: as 2, but the SDES callee sends SRTP at once
#    after the ACK, in a 1 ms burst, while the DTLS handshake is still
#    running. The relay holds SDES->DTLS packets until the DTLS UA can have
#    a key for them (RELAY_F_HOLD), then transcrypts them to the SBC's DTLS
#    key until the DTLS UA acknowledged A: none may fail authentication.
sipp_run s3b dtls_uas_early.xml -p "$PBX" -m 1 &
sipp_pid=$!
pids="$pids $sipp_pid"
wait_port "$PBX"
ua_bg s3b --dtls --ktr --listen "127.0.0.1:$CARRIER" \
	--call "sip:+12125550123@127.0.0.1:$SBC_SIP" --duration 2
wait "$upid"
wait "$sipp_pid"
check $? "dtls_uas_early.xml: SIPp's checks and the BYE pass"
# How much of the 400 ms burst arrives after the hold depends on how fast
# the handshake ran (a loaded CI host): a quarter at least, none failing.
json "$tmp/s3b.ua.json" "calls[0]['sip_status'] == 200 and calls[0]['media']['rtp_recv'] >= 100 and calls[0]['media']['auth_fail'] == 0"
check $? "dtls_uas_early.xml: the DTLS UA decrypted SIPp's burst (key A by new_srtp_key)"
json "$tmp/s3b.ua.json" "calls[0]['media']['auth_fail'] == 0 and calls[0]['result'] == 'ok'"
check $? "dtls_uas_early.xml: no SDES packet failed authentication at the DTLS UA (media sent at once after the answer)"

# 4. sdes_uac_cancel.xml: ktrua rings 3 s; SIPp CANCELs after the 180.
# shellcheck disable=SC2086
ua_bg s4 $dtls_callee --answer-delay 3000
sleep 0.5
sipp_run s4 sdes_uac_cancel.xml -p "$PBX" -m 1
rc=$?
check $rc "sdes_uac_cancel.xml: 180 passed across, CANCEL -> 200, INVITE -> 487"
[ $rc -eq 0 ] || diag "$tmp/s4.sipp.out" "$tmp/s4.err.log"
wait "$upid"
json "$tmp/s4.ua.json" "len(calls) == 1 and calls[0]['sip_status'] == 0 and calls[0]['error'] == 'caller cancelled'"
check $? "sdes_uac_cancel.xml: ktrsbc cancelled its INVITE to the DTLS callee (never answered)"

# 5. sdes_uac_reinvite.xml: re-key mid-call by re-INVITE.
# shellcheck disable=SC2086
ua_bg s5 $dtls_callee
sleep 0.5
sipp_run s5 sdes_uac_reinvite.xml -p "$PBX" -m 1
rc=$?
check $rc "sdes_uac_reinvite.xml: the re-INVITE with a new a=crypto key gets 200 with a=crypto of the same tag"
[ $rc -eq 0 ] || diag "$tmp/s5.sipp.out" "$tmp/s5.err.log"
wait "$upid"
json "$tmp/s5.ua.json" "$ua_ok and calls[0]['media']['keys_installed'] == 2 and not calls[0]['media']['first_peer_key_any'] and calls[0]['media']['first_peer_key_ssrc'] != 0"
check $? "sdes_uac_reinvite.xml: the DTLS UA got both keys by new_srtp_key (one each, the first naming SIPp's SSRC), nothing failed"

# 6. KTR required, the DTLS UA (SIPp) answers without KTR: 488.
set_key carrier ktr required
sipp_run s6uas carrier_uas_noktr.xml -p "$CARRIER" -mp "$((SIPP_MEDIA + 4))" -m 1 &
sipp_pid=$!
pids="$pids $sipp_pid"
wait_port "$CARRIER"
sipp_run s6 sdes_uac_488.xml -p "$PBX" -m 1
rc=$?
check $rc "ktr = required, a DTLS answer without a=dtls-srtp-ktr: the SDES caller gets 488"
[ $rc -eq 0 ] || diag "$tmp/s6.sipp.out" "$tmp/s6.err.log"
wait "$sipp_pid"
rc=$?
check $rc "carrier_uas_noktr.xml: the DTLS-side offer had a=dtls-srtp-ktr; ktrsbc ACKed and sent BYE to the non-KTR answer"
[ $rc -eq 0 ] || diag "$tmp/s6uas.sipp.out" "$tmp/s6uas.err.log"
grep -q "does not support Key Transport (trunk requires it)" "$tmp/sbc.err"
check $? "ktrsbc logged that the DTLS UA answered without KTR on a KTR-required trunk"
set_key carrier ktr preferred

# 7. a=crypto over UDP from an untrusted trunk: 488, with a log line.
set_key pbx trusted no
sipp_run s7 sdes_uac_488.xml -p "$PBX" -m 1
rc=$?
check $rc "trusted = no: a=crypto over UDP gets 488"
[ $rc -eq 0 ] || diag "$tmp/s7.sipp.out" "$tmp/s7.err.log"
grep -q "not trusted" "$tmp/sbc.err"
check $? "ktrsbc logged why it refused the a=crypto"
set_key pbx trusted yes

# 8. 100 concurrent calls: SIPp -m 100 -l 100 -r 50, 5 s each, to ktrua
#    --dtls --ktr --calls 100.
stats before
# shellcheck disable=SC2086
ua_bg s8 $dtls_callee --calls 100 --timeout 50
sleep 0.5
sipp_run s8 sdes_uac.xml -p "$PBX" -d 5000 -m 100 -l 100 -r 50
rc=$?
check $rc "100 concurrent calls: SIPp exits 0"
[ $rc -eq 0 ] || diag "$tmp/s8.sipp.out" "$tmp/s8.err.log"
python3 - "$tmp/s8.stat.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
h = rows[0]
last = rows[-1]
succ = int(last[h.index("SuccessfulCall(C)")])
fail = int(last[h.index("FailedCall(C)")])
print("# SIPp: %d successful, %d failed" % (succ, fail))
sys.exit(0 if succ == 100 and fail == 0 else 1)
PY
check $? "100 concurrent calls: SIPp's statistics count 100 successful calls, 0 failed"
wait "$upid"
check $? "100 concurrent calls: ktrua (DTLS callee) exits 0 after 100 calls"
json "$tmp/s8.ua.json" "len(calls) == 100 and all(c['result'] == 'ok' and c['mode'] == 'dtls-ktr' and c['media']['auth_fail'] == 0 and c['media']['rtp_recv'] >= 50 for c in calls)"
check $? "100 concurrent calls: every call authenticated SIPp's SRTP at the DTLS UA"
stats after
python3 - "$tmp/before.json" "$tmp/after.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
a = json.load(open(sys.argv[2]))
print("# calls_ktr_total %d -> %d, ended crypto_ops_ktr %d" % (
    b["calls_ktr_total"], a["calls_ktr_total"], a["ended"]["crypto_ops_ktr"]))
ok = (a["calls_ktr_total"] - b["calls_ktr_total"] >= 100 and
      a["calls_ktr_total"] >= 100 and a["ended"]["crypto_ops_ktr"] == 0)
sys.exit(0 if ok else 1)
PY
check $? "ktrsbc-ctl stats: 100 more KTR calls, zero per-packet crypto operations on KTR calls"

sbc_term "ktrsbc exits 0 on SIGTERM after the scenarios"

echo "1..$n"

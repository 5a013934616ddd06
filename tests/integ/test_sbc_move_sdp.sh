#!/bin/sh
# Issue 14 point 2, what else a re-offer may change mid-call besides the
# address (test_sbc_move.sh has the moves and holds): rtcp-mux switched on
# or off (RFC 5761 5.1.3) and the codecs (RFC 3264 8.3.2), through ktrsbc,
# with ktrua on both sides (src/ua/ua_move.c). The SRTCP the other UA
# sends reaches the switching UA where its new RTCP arrangement says, byte
# for byte; the other UA is not asked about a mux switch; a codec change
# reaches the other UA and its answer comes back (streams removed and
# added: test_sbc_move_streams.sh). TAP output; loopback
# only; every process bounded by timeout(1); only the PIDs started here
# are killed.
set -u
# shellcheck source=tests/integ/lib/sbc.sh
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_move_sdp
need "$SBC" "$CTL" "$UA" python3 timeout ss

# Ports of this run: SIP of the SBC P, pbx P+2, carrier P+4; media: the
# SBC M..M+19, the ktrua callee M+20..M+29, caller M+30..M+39.
P=$((2950 + ($$ % 7) * 10))
M=$((9940 + ($$ % 2) * 40))
sbc_ports "$P" "$M" "$((M + 19))"

sbc_start -v
check $? "ktrsbc starts on its configuration"

sdes_caller="--sdes --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$SBC_SIP --duration 3"
dtls_callee="--dtls --ktr --listen 127.0.0.1:$CARRIER"

# 1. rtcp-mux switched mid-call (RFC 5761 5.1.3) by the SDES UA: off (RTCP
#    to its port + 1; the relay opens its RTCP port), then, for a UA that
#    started without mux, on (the relay closes it). The DTLS UA is not
#    asked; a DTLS UA switching mux off is refused (488), as at the start.
# shellcheck disable=SC2086
ua_pair mx1 "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee -- $sdes_caller --mux-off-after-ms 1000 --move-by-update
check $((caller_rc + callee_rc)) "SDES UA switches rtcp-mux off by UPDATE: both UAs' calls ok"
json "$tmp/mx1.caller.json" "j['move']['mux_answer_ok'] and j['media']['auth_fail'] == 0" &&
	json "$tmp/mx1.callee.json" "j['move']['reoffers_in'] == 0 and j['media']['rtcp_recv'] >= 4"
check $? "rtcp-mux off: answered without a=rtcp-mux and with ktrsbc's a=rtcp port; the DTLS UA not asked, its SRTCP reports go on"
same_bytes "$tmp/mx1.callee.pcap" "$CALLEE_PORTS" "$tmp/mx1.caller.pcap" "$CALLER_PORTS" 0 rtcp 2 port "$(($(ua_port "$tmp/mx1.caller.json") + 1))"
check $? "rtcp-mux off: the DTLS UA's SRTCP reaches the SDES UA's RTCP port (port + 1), byte for byte"
# shellcheck disable=SC2086
ua_pair mx2 "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee -- $sdes_caller --no-rtcp-mux --mux-on-after-ms 1000
check $((caller_rc + callee_rc)) "SDES UA without mux switches rtcp-mux on: both UAs' calls ok"
json "$tmp/mx2.caller.json" "j['move']['mux_answer_ok'] and j['move']['rtcp_old_rx'] == 0 and j['media']['auth_fail'] == 0"
check $? "rtcp-mux on: answered with a=rtcp-mux; nothing on the SDES UA's old RTCP port afterwards"
same_bytes "$tmp/mx2.callee.pcap" "$CALLEE_PORTS" "$tmp/mx2.caller.pcap" "$CALLER_PORTS" 0 rtcp 2 port "$(ua_port "$tmp/mx2.caller.json")"
check $? "rtcp-mux on: the DTLS UA's SRTCP reaches the SDES UA's RTP port, byte for byte"
# shellcheck disable=SC2086
ua_pair mx3 "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee --mux-off-after-ms 1000 -- $sdes_caller
json "$tmp/mx3.callee.json" "'refused: 488' in j['error']" &&
	json "$tmp/mx3.caller.json" "j['result'] == 'ok' and j['move']['reoffers_in'] == 0" &&
	grep -q "re-offer refused: the DTLS-SRTP re-offer has no a=rtcp-mux" "$tmp/sbc.err"
check $? "a DTLS UA switching rtcp-mux off: 488 and a log line; the call and the SDES UA's media go on"

# 2. A codec change (RFC 3264 8.3.2): telephone-event offered beside PCMU
#    in a re-offer goes to the other UA, whose answer comes back: with
#    it (--dtmf) or without it.
# shellcheck disable=SC2086
ua_pair cc1 "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee --dtmf -- $sdes_caller --codec-change-after-ms 1000
json "$tmp/cc1.callee.json" "j['result'] == 'ok' and j['move']['reoffers_in'] == 1 and j['move']['fmts_in'] == '0 101'" &&
	json "$tmp/cc1.caller.json" "j['result'] == 'ok' and j['move']['answer_fmts'] == '0 101' and j['media']['auth_fail'] == 0"
check $((caller_rc + callee_rc + $?)) "SDES UA's codec change (0 101) reaches the DTLS UA; its answer (0 101) comes back"
# shellcheck disable=SC2086
ua_pair cc2 "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee -- $sdes_caller --codec-change-after-ms 1000
json "$tmp/cc2.caller.json" "j['result'] == 'ok' and j['move']['answer_fmts'] == '0'"
check $((caller_rc + callee_rc + $?)) "SDES UA's codec change refused by a DTLS UA without telephone-event: the answer (0) comes back"
# shellcheck disable=SC2086
ua_pair cc3 "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee --codec-change-after-ms 1000 --move-by-update -- $sdes_caller --dtmf
json "$tmp/cc3.caller.json" "j['result'] == 'ok' and j['move']['fmts_in'] == '0 101'" &&
	json "$tmp/cc3.callee.json" "j['result'] == 'ok' and j['move']['answer_fmts'] == '0 101' and j['media']['auth_fail'] == 0"
check $((caller_rc + callee_rc + $?)) "DTLS UA's codec change by UPDATE reaches the SDES UA in a re-INVITE; its answer comes back"

sbc_term "ktrsbc exits 0 on SIGTERM"
! grep -q "ERROR: AddressSanitizer\|runtime error" "$tmp/sbc.err"
check $? "no sanitizer report from ktrsbc"
echo "1..$n"

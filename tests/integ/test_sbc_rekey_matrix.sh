#!/bin/sh
# Issue 11 point 2: re-keying in every direction, on calls from either side,
# through ktrsbc between ktrua peers:
#   {call from the SDES UA, call from the DTLS UA}
#   x {the SDES UA re-keys by re-INVITE (RFC 4568 7.1.4),
#      the DTLS UA re-keys by an unsolicited new_srtp_key (draft 4.3.1),
#      ktrsbc asks the DTLS UA with new_srtp_key_request (`ktrsbc-ctl
#      rekey CALL`, what a trunk's rekey_interval does on a schedule)}.
# A DTLS UA key reaches the SDES UA in a re-INVITE; the SDES UA's answer
# carries a new key of its own, which reaches the DTLS UA by new_srtp_key.
# The bar, from both UAs' JSON: no packet failed authentication or was
# taken for a replay at either UA, every packet that arrived authenticated,
# nothing the caller sent was lost (the callee's first packets may be held
# at the relay before the DTLS UA has a key, its last ones in flight at the
# BYE), and the switches happened on the wire
# (tx_switches at the sender, rx_switches at the receiver).
# TAP output; loopback only; every process bounded by timeout(1); only the
# PIDs started here are killed.
set -u
. "$(dirname "$0")/lib/sbc.sh"
sbc_init test_sbc_rekey_matrix
need "$SBC" "$CTL" "$UA" python3 timeout ss

P=$((7600 + ($$ % 50) * 10))
M=$((8100 + ($$ % 45) * 40))
sbc_ports "$P" "$M" "$((M + 19))"
sbc_start -v
check $? "ktrsbc starts"

sdes_caller="--sdes --listen 127.0.0.1:$PBX --call sip:+15551234567@127.0.0.1:$SBC_SIP --duration 3"
dtls_callee="--dtls --ktr --listen 127.0.0.1:$CARRIER"
dtls_caller="--dtls --ktr --listen 127.0.0.1:$CARRIER --call sip:+12125550123@127.0.0.1:$SBC_SIP --duration 4"
sdes_callee="--sdes --listen 127.0.0.1:$PBX"

# ctl_rekey_after SECONDS NAME: in the background, `ktrsbc-ctl rekey` on
# the one call up SECONDS from now; its reply in $tmp/NAME.rekey.
ctl_rekey_after() {
	(
		sleep "$1"
		id=$("$CTL" -s "$conf/ctl.sock" calls | python3 -c 'import json,sys; print(json.load(sys.stdin)["calls"][0]["id"])')
		"$CTL" -s "$conf/ctl.sock" rekey "$id" >"$tmp/$2.rekey" 2>&1
	) &
	rpid=$!
	pids="$pids $rpid"
}

# verdict NAME DIR WHAT SDES_RX SDES_TX DTLS_RX DTLS_TX: the bar above,
# over run NAME (DIR sdes: SDES UA caller; dtls: DTLS UA caller), with at
# least these rx/tx switches at the SDES UA and the DTLS UA.
verdict() {
	if [ "$2" = sdes ]; then s=$tmp/$1.caller.json d=$tmp/$1.callee.json
	else s=$tmp/$1.callee.json d=$tmp/$1.caller.json; fi
	python3 - "$s" "$d" "$2" "$4" "$5" "$6" "$7" <<'PY'
import json, sys
def first(p):
    for l in open(p):
        if l.startswith("{"):
            return json.loads(l)
    return None
s, d = first(sys.argv[1]), first(sys.argv[2])
caller_is_sdes = sys.argv[3] == "sdes"
want = [int(x) for x in sys.argv[4:8]]
ok = s is not None and d is not None
if ok:
    sm, dm = s["media"], d["media"]
    for name, m in (("SDES UA", sm), ("DTLS UA", dm)):
        print("# %s: sent %d in %d recv %d auth_fail %d replay %d rx_switches %d tx_switches %d %s" %
              (name, m["rtp_sent"], m["rtp_in"], m["rtp_recv"], m["auth_fail"],
               m["replay"], m["rx_switches"], m["tx_switches"], m.get("error", "")))
        ok = ok and m["auth_fail"] == 0 and m["replay"] == 0 and \
            m["rtp_in"] == m["rtp_recv"] and m["rtp_recv"] > 100
    # The caller's packets all arrive. The callee sends from its answer on:
    # the relay holds what the SDES callee sends before the DTLS UA can have
    # a key (call start), and its last packets may be in flight at the BYE;
    # a packet around a switch would fail authentication, not go missing.
    c, e = (sm, dm) if caller_is_sdes else (dm, sm)
    ok = ok and e["rtp_recv"] == c["rtp_sent"] and c["rtp_recv"] >= e["rtp_sent"] - 10
    ok = ok and sm["rx_switches"] >= want[0] and sm["tx_switches"] >= want[1] and \
        dm["rx_switches"] >= want[2] and dm["tx_switches"] >= want[3]
    ok = ok and s["result"] == "ok" and d["result"] == "ok"
sys.exit(0 if ok else 1)
PY
	check $? "$3: every packet authenticated at the receiving UA, none lost, the switches on the wire"
}

# --- calls from the SDES UA ---------------------------------------------------

# shellcheck disable=SC2086
ua_pair s_sdes "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee -- $sdes_caller --rekey-after-ms 1000
verdict s_sdes sdes "call from the SDES UA, SDES UA re-keys by re-INVITE" 0 1 1 0

# shellcheck disable=SC2086
ua_pair s_dtls "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee --rekey-after-ms 1000 -- $sdes_caller
verdict s_dtls sdes "call from the SDES UA, DTLS UA re-keys by new_srtp_key" 1 1 1 1

ctl_rekey_after 1.5 s_sbc
# shellcheck disable=SC2086
ua_pair s_sbc "$CALLEE_PORTS" "$CALLER_PORTS" $dtls_callee -- $sdes_caller
wait "$rpid"
verdict s_sbc sdes "call from the SDES UA, ktrsbc asks for a new key (new_srtp_key_request)" 1 1 1 1
grep -q '"sent":"new_srtp_key_request"' "$tmp/s_sbc.rekey"
check $? "ktrsbc-ctl rekey CALL: new_srtp_key_request sent"

# --- calls from the DTLS UA ---------------------------------------------------

# shellcheck disable=SC2086
ua_pair d_sdes "$CALLEE_PORTS" "$CALLER_PORTS" $sdes_callee --rekey-after-ms 2000 -- $dtls_caller
verdict d_sdes dtls "call from the DTLS UA, SDES UA re-keys by re-INVITE" 0 1 2 1

# shellcheck disable=SC2086
ua_pair d_dtls "$CALLEE_PORTS" "$CALLER_PORTS" $sdes_callee -- $dtls_caller --rekey-after-ms 2000
verdict d_dtls dtls "call from the DTLS UA, DTLS UA re-keys by new_srtp_key" 1 1 1 2

ctl_rekey_after 2.5 d_sbc
# shellcheck disable=SC2086
ua_pair d_sbc "$CALLEE_PORTS" "$CALLER_PORTS" $sdes_callee -- $dtls_caller
wait "$rpid"
verdict d_sbc dtls "call from the DTLS UA, ktrsbc asks for a new key (new_srtp_key_request)" 1 1 1 2

stats
json "$tmp/stats.json" 'j["rekeys_requested"] == 2 and j["rekeys_passed"] == 4 and j["ktr_refused"] == 0 and j["ktr_gave_up"] == 0 and j["ktr_fallbacks"] == 0 and j["ended"]["crypto_ops_ktr"] == 0 and j["calls_ktr_total"] == 6'
check $? "ktrsbc-ctl stats: 2 re-keys asked for, 4 DTLS UA keys passed by re-INVITE, no KTR failure, no crypto on the SDES-side KTR calls"

"$CTL" -s "$conf/ctl.sock" rekey 999999 >/dev/null 2>&1
[ $? -eq 1 ]
check $? "ktrsbc-ctl rekey on an unknown call: an error"

sbc_term "ktrsbc exits 0 on SIGTERM"
! grep -q "ERROR: AddressSanitizer\|runtime error" "$tmp/sbc.err"
check $? "ktrsbc ran clean under the sanitizers"
echo "1..$n"

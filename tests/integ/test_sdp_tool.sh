#!/bin/sh
# Drives build/asan/tools/ktrsbc-sdp (TAP). Fails, never skips, when the
# tool is missing.
BUILD=${BUILD:-build}
T=$BUILD/asan/tools/ktrsbc-sdp
D=tests/data/sdp
FP="sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
echo "1..18"
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

[ -x "$T" ]; ok $? "tool built at $T"
"$T" parse $D/draft-wing-fig13.sdp >"$tmp/j" 2>&1 &&
	grep -q '"ktr":"required"' "$tmp/j" && grep -q '"via_capneg":true' "$tmp/j"
ok $? "parse Figure 13: KTR required through RFC 5939"
"$T" parse - <$D/draft-wing-fig14.sdp >"$tmp/j" 2>&1 && grep -q '"ktr":"optional"' "$tmp/j"
ok $? "parse from stdin: Figure 14 optional"
"$T" parse $D/pbx-multi-crypto.sdp >"$tmp/j" 2>&1 && ! grep -q 'inline:' "$tmp/j" &&
	grep -q '"key_salt_len":46' "$tmp/j" && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/j"
ok $? "parse JSON is valid and never shows keys"
printf 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD\r\n' >"$tmp/bad.sdp"
"$T" parse "$tmp/bad.sdp" >/dev/null 2>"$tmp/e"; rc=$?
[ $rc -eq 1 ] && grep -q "^$tmp/bad.sdp:6:43: key||salt is 3 bytes" "$tmp/e"
ok $? "parse error: FILE:LINE:COL and exit 1"
head -c 1048576 /dev/zero | tr '\0' 'a' | "$T" parse - >/dev/null 2>"$tmp/e"; rc=$?
[ $rc -eq 1 ] && grep -q "^-: SDP of .* over the 65536-byte limit" "$tmp/e"
ok $? "a 1 MiB SDP is refused"
"$T" translate --to dtls --fingerprint "$FP" --relay 203.0.113.5 --port 30000 --port 30002 \
	$D/sdes-offer-2m.sdp >"$tmp/o" 2>&1 &&
	grep -q '^m=audio 30000 UDP/TLS/RTP/SAVPF 0 8 101' "$tmp/o" && grep -q '^a=setup:actpass' "$tmp/o" &&
	grep -q '^a=dtls-srtp-ktr' "$tmp/o" && ! grep -q 'a=crypto' "$tmp/o" && grep -q '^c=IN IP4 203.0.113.5' "$tmp/o"
ok $? "translate SDES offer -> DTLS offer (no a=crypto on the DTLS leg)"
"$T" translate --to dtls --ktr capneg-required --fingerprint "$FP" $D/sdes-offer-2m.sdp >"$tmp/o" 2>&1 &&
	grep -q '^a=pcfg:1 t=1 a=1,2,3' "$tmp/o" && "$T" parse "$tmp/o" | grep -q '"ktr":"required"'
ok $? "translate with the RFC 5939 form, read back as KTR required"
"$T" translate --to sdes --random-keys $D/webrtc-offer.sdp >"$tmp/s" 2>&1 &&
	[ "$(grep -c '^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:' "$tmp/s")" -eq 2 ] &&
	[ "$(grep '^a=crypto' "$tmp/s" | sort -u | wc -l)" -eq 2 ] && ! grep -q 'a=candidate' "$tmp/s"
ok $? "translate DTLS offer -> SDES offer with --random-keys (distinct keys)"
"$T" translate --to sdes --random-keys $D/webrtc-offer.sdp >"$tmp/s" 2>&1 &&
	grep -q '^m=audio 40000 RTP/SAVP 111 63 9 0 8 13 110 126' "$tmp/s" && ! grep -q '^a=rtcp-fb' "$tmp/s" &&
	grep -q '^a=rtpmap:111 opus/48000/2' "$tmp/s" && grep -q '^a=fmtp:111 minptime=10;useinbandfec=1' "$tmp/s"
ok $? "translate to an SDES trunk: RTP/SAVP by default, a=rtcp-fb left out, the codecs kept"
"$T" translate --to sdes --profile mirror --random-keys $D/webrtc-offer.sdp >"$tmp/s" 2>&1 &&
	grep -q '^m=audio 40000 RTP/SAVPF 111 ' "$tmp/s" && grep -q '^a=rtcp-fb:111 transport-cc' "$tmp/s"
ok $? "translate with --profile mirror: RTP/SAVPF with its a=rtcp-fb"
"$T" translate --to dtls --profile mirror --fingerprint "$FP" $D/sdes-offer-2m.sdp >"$tmp/o" 2>&1 &&
	grep -q '^m=audio 40000 UDP/TLS/RTP/SAVP 0 8 101' "$tmp/o"
ok $? "translate to a DTLS trunk with --profile mirror: UDP/TLS/RTP/SAVP for RTP/SAVP"
"$T" translate --to dtls --profile RTP/SAVP --fingerprint "$FP" $D/sdes-offer-2m.sdp >/dev/null 2>&1; [ $? -eq 2 ]
ok $? "--profile of the wrong family: usage error, exit 2"
"$T" translate --to sdes $D/webrtc-offer.sdp >/dev/null 2>"$tmp/e"; rc=$?
[ $rc -eq 1 ] && grep -q 'no key handed in' "$tmp/e"
ok $? "translate without keys refuses (never invents a key)"
"$T" translate --to sdes --key AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd \
	--key AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd $D/webrtc-offer.sdp >/dev/null 2>"$tmp/e"; rc=$?
[ $rc -eq 1 ] && grep -q 'two-time pad' "$tmp/e"
ok $? "the same --key twice is refused (two-time pad)"
"$T" translate --to dtls --answer-to $D/draft-wing-fig13.sdp --fingerprint "$FP" \
	$D/rfc4568-7.1.5-2.sdp >/dev/null 2>"$tmp/e"; rc=$?
[ $rc -eq 1 ] && grep -q 'no acceptable a=crypto' "$tmp/e"
ok $? "SDES answer with only MKI keys is declined with a precise error"
"$T" --help >"$tmp/h" && for o in --to --answer-to --relay --port --fingerprint --setup --ktr --profile --suite --key --random-keys --origin --help; do
	grep -q -- "$o" "$tmp/h" || exit 1; done
ok $? "--help documents every option"
"$T" translate --bogus x >/dev/null 2>&1; [ $? -eq 2 ]
ok $? "unknown option: usage error, exit 2"

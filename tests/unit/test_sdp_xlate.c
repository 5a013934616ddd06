/*
 * Unit tests for sdp_xlate: the four interworking flows of docs/design.md with
 * their exact output SDP, several m-lines, rejected m-lines, rtcp-mux,
 * direction, the RFC 5939 form, and the two-time pad rules (draft 6.2).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sdp/sdp.h"
#include "tests/lib/sdpt.h"

#define FPHEX SDPT_FPHEX

static void key(struct sdp_xlate_mparams *mp, uint8_t seed)
{
	size_t i;

	mp->suite = SDP_SUITE_AES_CM_128_HMAC_SHA1_80;
	mp->keysalt_len = 30;
	for (i = 0; i < 30; i++)
		mp->keysalt[i] = (uint8_t)(seed + i);
}

/* Translate and compare with the exact expected text. */
static struct sdp_xlate_report *run(const struct sdp_session *in,
				    const struct sdp_xlate_params *p,
				    const char *expect)
{
	struct sdp_session *out;
	struct sdp_xlate_report *rep;
	struct sdp_error e;
	char *txt;
	int r = sdp_xlate(&out, &rep, in, p, &e);

	if (r)
		fprintf(stderr, "xlate: %d %u: %s\n", r, e.line, e.msg);
	assert_int_equal(r, 0);
	assert_true(sdp_session_print_alloc(out, &txt) > 0);
	if (strcmp(txt, expect))
		fprintf(stderr, "got:\n%s\nexpected:\n%s\n", txt, expect);
	assert_string_equal(txt, expect);
	/* the output parses again */
	sdp_session_free(out);
	out = sdpt_parse_str(txt);
	sdp_session_free(out);
	free(txt);
	return rep;
}

static const char sdes_offer[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 192.0.2.30\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.30\r\n"
	"t=0 0\r\n"
	"a=sendrecv\r\n"
	"m=audio 49170 RTP/SAVP 0 8 101\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
	"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n"
	"a=rtcp:49175\r\n"
	"m=video 51372 RTP/SAVPF 96\r\n"
	"c=IN IP4 192.0.2.31\r\n"
	"a=rtpmap:96 VP8/90000\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
	"a=rtcp-mux\r\n"
	"a=recvonly\r\n"
	"m=application 0 RTP/SAVP 100\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:p/cfOvaHvg8D7hwH1ElBQp/DsEhOTy4dRL5LxHJo\r\n";

/* Flow 1: SDES offer -> DTLS offer, plain attribute form. */
static void test_flow1_sdes_offer_to_dtls(void **state)
{
	static const char expect[] =
		"v=0\r\n"
		"o=sbc 7 1 IN IP4 203.0.113.5\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.5\r\n"
		"t=0 0\r\n"
		"m=audio 30000 UDP/TLS/RTP/SAVP 0 8 101\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=sendrecv\r\n"
		"a=rtcp-mux\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\n"
		"a=setup:actpass\r\n"
		"a=dtls-srtp-ktr\r\n"
		"m=video 30002 UDP/TLS/RTP/SAVPF 96\r\n"
		"a=rtpmap:96 VP8/90000\r\n"
		"a=recvonly\r\n"
		"a=rtcp-mux\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\n"
		"a=setup:actpass\r\n"
		"a=dtls-srtp-ktr\r\n"
		"m=application 0 UDP/TLS/RTP/SAVP 100\r\n";
	struct sdp_session *in = sdpt_parse_str(sdes_offer);
	struct sdp_fingerprint fp = sdpt_sbc_fp();
	struct sdp_xlate_mparams mp[3] = { { .port = 30000 }, { .port = 30002 }, { .port = 30004 } };
	struct sdp_xlate_params p = {
		.flow = SDP_XLATE_SDES_OFFER_TO_DTLS, .relay_addr = "203.0.113.5",
		.origin_user = "sbc", .sess_id = 7, .sess_ver = 1, .fingerprint = &fp,
		.ktr_form = SDP_KTR_FORM_ATTR, .n_media = 3, .media = mp,
	};
	struct sdp_xlate_report *rep = run(in, &p, expect);

	/* what the SDES UA offered, for the SBC's new_srtp_key */
	assert_int_equal(rep->n_media, 3);
	assert_false(rep->media[0].rejected);
	assert_int_equal(rep->media[0].n_crypto, 2);
	assert_int_equal(rep->media[0].crypto_pick, 0);
	assert_int_equal(rep->media[0].crypto[1].suite, SDP_SUITE_AES_CM_128_HMAC_SHA1_32);
	assert_int_equal(rep->media[0].crypto[0].keys[0].keysalt[0], 0x77);
	assert_int_equal(rep->media[0].port, 49170);
	assert_int_equal(rep->media[0].rtcp_port, 49175);
	assert_string_equal(rep->media[0].conn.addr, "192.0.2.30");
	assert_int_equal(rep->media[1].rtcp_port, 51372);
	assert_true(rep->media[1].rtcp_mux);
	assert_string_equal(rep->media[1].conn.addr, "192.0.2.31");
	assert_int_equal(rep->media[1].dir, SDP_DIR_RECVONLY);
	assert_true(rep->media[2].rejected);
	sdp_xlate_report_free(rep);

	/* the SBC rejects m-line 2; the input's origin is kept */
	mp[1].port = 0;
	p.origin_user = NULL;
	p.ktr_form = SDP_KTR_FORM_NONE;
	{
		static const char expect2[] =
			"v=0\r\n"
			"o=alice 2890844526 2890844526 IN IP4 203.0.113.5\r\n"
			"s=-\r\n"
			"c=IN IP4 203.0.113.5\r\n"
			"t=0 0\r\n"
			"m=audio 30000 UDP/TLS/RTP/SAVP 0 8 101\r\n"
			"a=rtpmap:101 telephone-event/8000\r\n"
			"a=sendrecv\r\n"
			"a=rtcp-mux\r\n"
			"a=fingerprint:sha-256 " FPHEX "\r\n"
			"a=setup:actpass\r\n"
			"m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
			"m=application 0 UDP/TLS/RTP/SAVP 100\r\n";

		rep = run(in, &p, expect2);
		assert_true(rep->media[1].rejected);
		sdp_xlate_report_free(rep);
	}
	sdp_session_free(in);
}

/* Flow 1 in the RFC 5939 form (Figures 13/14); our resolver reads it back. */
static void test_flow1_capneg(void **state)
{
	static const char offer[] =
		"v=0\r\no=a 1 1 IN IP4 192.0.2.30\r\ns=-\r\nc=IN IP4 192.0.2.30\r\nt=0 0\r\n"
		"m=audio 49170 RTP/SAVP 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n";
	static const char expect_req[] =
		"v=0\r\n"
		"o=a 1 1 IN IP4 198.51.100.1\r\n"
		"s=-\r\n"
		"c=IN IP4 198.51.100.1\r\n"
		"t=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n"
		"a=rtcp-mux\r\n"
		"a=tcap:1 UDP/TLS/RTP/SAVP\r\n"
		"a=acap:1 fingerprint:sha-256 " FPHEX "\r\n"
		"a=acap:2 dtls-srtp-ktr\r\n"
		"a=acap:3 setup:actpass\r\n"
		"a=pcfg:1 t=1 a=1,2,3\r\n";
	struct sdp_session *in = sdpt_parse_str(offer), *out;
	struct sdp_fingerprint fp = sdpt_sbc_fp();
	struct sdp_xlate_mparams mp[1] = { { .port = 4000 } };
	struct sdp_xlate_params p = {
		.flow = SDP_XLATE_SDES_OFFER_TO_DTLS, .relay_addr = "198.51.100.1",
		.fingerprint = &fp, .ktr_form = SDP_KTR_FORM_CAPNEG_REQUIRED, .n_media = 1,
		.media = mp,
	};
	struct sdp_dtls_info di;
	char buf[2048];

	sdp_xlate_report_free(run(in, &p, expect_req));
	p.ktr_form = SDP_KTR_FORM_CAPNEG_OPTIONAL;
	assert_int_equal(sdp_xlate(&out, NULL, in, &p, NULL), 0);
	assert_true(sdp_session_print(out, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "a=pcfg:1 t=1 a=1,3,[2]\r\n"));
	assert_int_equal(sdp_media_dtls_info(sdp_session_media(out, 0), &di, NULL), 0);
	assert_true(di.dtls && di.via_capneg);
	assert_int_equal(di.ktr, SDP_KTR_OPTIONAL);
	assert_int_equal(di.setup, SDP_SETUP_ACTPASS);
	assert_memory_equal(di.fingerprint.bytes, fp.bytes, 32);
	assert_null(strstr(buf, "a=crypto"));
	sdp_session_free(out);
	sdp_session_free(in);
}

/* Flow 2: DTLS answer -> SDES answer with the key handed in (B). */
static void test_flow2_dtls_answer_to_sdes(void **state)
{
	static const char dtls_answer[] =
		"v=0\r\n"
		"o=bob 99 1 IN IP4 192.0.2.40\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.40\r\n"
		"t=0 0\r\n"
		"m=audio 6000 UDP/TLS/RTP/SAVP 0\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\n"
		"a=setup:active\r\n"
		"a=dtls-srtp-ktr\r\n"
		"m=video 6002 UDP/TLS/RTP/SAVPF 96\r\n"
		"a=rtpmap:96 VP8/90000\r\n"
		"a=sendonly\r\n"
		"a=rtcp-mux\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\n"
		"a=setup:active\r\n"
		"m=application 0 UDP/TLS/RTP/SAVP 100\r\n";
	static const char expect[] =
		"v=0\r\n"
		"o=sbc 8 2 IN IP4 203.0.113.5\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.5\r\n"
		"t=0 0\r\n"
		"m=audio 31000 RTP/SAVP 0\r\n"
		"a=rtcp:31001\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"
		"m=video 31002 RTP/SAVPF 96\r\n"
		"a=rtpmap:96 VP8/90000\r\n"
		"a=sendonly\r\n"
		"a=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CB\r\n"
		"m=application 0 RTP/SAVP 100\r\n";
	struct sdp_session *offer = sdpt_parse_str(sdes_offer), *ans = sdpt_parse_str(dtls_answer), *out;
	/* rtcp_port: written only where the offer did not mux (audio) */
	struct sdp_xlate_mparams mp[3] = { { .port = 31000, .rtcp_port = 31001 },
					   { .port = 31002, .rtcp_port = 31003 },
					   { .port = 31004 } };
	struct sdp_xlate_params p = {
		.flow = SDP_XLATE_DTLS_ANSWER_TO_SDES, .offer = offer,
		.relay_addr = "203.0.113.5", .origin_user = "sbc", .sess_id = 8, .sess_ver = 2,
		.n_media = 3, .media = mp,
	};
	struct sdp_xlate_report *rep;
	struct sdp_error e;

	key(&mp[0], 0);
	mp[0].suite = SDP_SUITE_AES_CM_128_HMAC_SHA1_32; /* negotiated profile 2 */
	key(&mp[1], 100);
	rep = run(ans, &p, expect);
	/* the DTLS UA's side, for the SBC's DTLS leg */
	assert_true(rep->media[0].dtls.dtls);
	assert_int_equal(rep->media[0].dtls.setup, SDP_SETUP_ACTIVE);
	assert_int_equal(rep->media[0].dtls.ktr, SDP_KTR_REQUIRED);
	assert_int_equal(rep->media[1].dtls.ktr, SDP_KTR_NONE);
	assert_int_equal(rep->media[0].port, 6000);
	assert_int_equal(rep->media[0].n_crypto, 0);
	sdp_xlate_report_free(rep);

	/* two-time pad: the same key twice, or the offer's own key A */
	key(&mp[1], 0);
	assert_int_equal(sdp_xlate(&out, &rep, ans, &p, &e), -EINVAL);
	assert_null(out);
	assert_null(rep);
	assert_non_null(strstr(e.msg, "two-time pad"));
	assert_int_equal(sdp_base64_decode("d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj", 40,
					   mp[1].keysalt, sizeof(mp[1].keysalt)), 30);
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "equals a key of the offer"));
	/* a suite the offer did not carry; a key of the wrong length */
	key(&mp[1], 100);
	mp[1].suite = SDP_SUITE_AEAD_AES_128_GCM;
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, &e), -EINVAL);
	mp[1].keysalt_len = 28;
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "no a=crypto with AEAD_AES_128_GCM"));
	/* an answer with another m-line count than its offer */
	p.n_media = 1;
	sdp_session_free(ans);
	ans = sdpt_parse_str("v=0\r\no=b 1 1 IN IP4 192.0.2.40\r\ns=-\r\nc=IN IP4 192.0.2.40\r\nt=0 0\r\nm=audio 6000 UDP/TLS/RTP/SAVP 0\r\n");
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, &e), -EPROTO);
	sdp_session_free(ans);
	sdp_session_free(offer);
}

/* Flow 3: DTLS offer (Figure 13's RFC 5939 form and a plain one) -> SDES. */
static void test_flow3_dtls_offer_to_sdes(void **state)
{
	static const char dtls_offer[] =
		"v=0\r\n"
		"o=- 25678 753849 IN IP4 192.0.2.1\r\n"
		"s=\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 53456 RTP/AVP 0\r\n"
		"a=tcap:1 UDP/TLS/RTP/SAVP\r\n"
		"a=acap:1 fingerprint:SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\r\n"
		"a=acap:2 dtls-srtp-ktr\r\n"
		"a=pcfg:1 t=1 a=1,2\r\n"
		"m=video 53458 UDP/TLS/RTP/SAVPF 96\r\n"
		"a=candidate:1 1 udp 2122260223 192.0.2.1 53458 typ host\r\n"
		"a=ice-ufrag:abcd\r\n"
		"a=fingerprint:SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\r\n"
		"a=setup:actpass\r\n"
		"a=rtpmap:96 VP8/90000\r\n"
		"a=inactive\r\n"
		"m=audio 53460 RTP/AVP 0\r\n";
	static const char expect[] =
		"v=0\r\n"
		"o=- 25678 753849 IN IP4 10.0.0.1\r\n"
		"s=\r\n"
		"c=IN IP4 10.0.0.1\r\n"
		"t=0 0\r\n"
		"m=audio 32000 RTP/SAVP 0\r\n"
		"a=rtcp-mux\r\n"
		"a=rtcp:32001\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"
		"m=video 32002 RTP/SAVPF 96\r\n"
		"a=rtpmap:96 VP8/90000\r\n"
		"a=inactive\r\n"
		"a=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CB\r\n"
		"m=audio 0 RTP/AVP 0\r\n";
	struct sdp_session *in = sdpt_parse_str(dtls_offer);
	struct sdp_xlate_mparams mp[3] = { { .port = 32000, .rtcp_port = 32001 }, { .port = 32002 },
					   { .port = 32004 } };
	struct sdp_xlate_params p = {
		.flow = SDP_XLATE_DTLS_OFFER_TO_SDES, .relay_addr = "10.0.0.1", .n_media = 3,
		.media = mp,
	};
	struct sdp_xlate_report *rep;
	struct sdp_session *out;

	key(&mp[0], 0);
	key(&mp[1], 100);
	key(&mp[2], 200);
	rep = run(in, &p, expect);
	assert_true(rep->media[0].dtls.via_capneg);
	assert_int_equal(rep->media[0].dtls.ktr, SDP_KTR_REQUIRED);
	assert_int_equal(rep->media[1].dtls.setup, SDP_SETUP_ACTPASS);
	assert_int_equal(rep->media[1].dtls.ktr, SDP_KTR_NONE);
	assert_true(rep->media[2].rejected); /* plain RTP: no DTLS offered */
	sdp_xlate_report_free(rep);
	/* the module never invents a key */
	mp[1].keysalt_len = 0;
	assert_int_equal(sdp_xlate(&out, NULL, in, &p, NULL), -EINVAL);
	sdp_session_free(in);
}

/* Flow 4: SDES answer -> DTLS answer; plain and RFC 5939 (acfg) offers. */
static void test_flow4_sdes_answer_to_dtls(void **state)
{
	static const char dtls_offer[] =
		"v=0\r\no=- 25678 753849 IN IP4 192.0.2.1\r\ns=\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 53456 RTP/AVP 0\r\n"
		"a=tcap:1 UDP/TLS/RTP/SAVP\r\n"
		"a=acap:1 fingerprint:SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\r\n"
		"a=acap:2 dtls-srtp-ktr\r\n"
		"a=pcfg:1 t=1 a=1,[2]\r\n"
		"m=video 53458 UDP/TLS/RTP/SAVPF 96\r\n"
		"a=fingerprint:SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\r\n"
		"a=setup:actpass\r\n"
		"a=dtls-srtp-ktr\r\n";
	static const char sdes_answer[] =
		"v=0\r\no=pbx 5 5 IN IP4 192.0.2.50\r\ns=call\r\nc=IN IP4 192.0.2.50\r\nt=0 0\r\n"
		"m=audio 7000 RTP/SAVP 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
		"a=ptime:20\r\n"
		"m=video 7002 RTP/SAVPF 96\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:p/cfOvaHvg8D7hwH1ElBQp/DsEhOTy4dRL5LxHJo\r\n"
		"a=rtcp-mux\r\n";
	static const char expect[] =
		"v=0\r\n"
		"o=pbx 5 5 IN IP4 203.0.113.5\r\n"
		"s=call\r\n"
		"c=IN IP4 203.0.113.5\r\n"
		"t=0 0\r\n"
		"m=audio 33000 UDP/TLS/RTP/SAVP 0\r\n"
		"a=ptime:20\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\n"
		"a=setup:active\r\n"
		"a=dtls-srtp-ktr\r\n"
		"a=acfg:1 t=1 a=1,2\r\n"
		"m=video 33002 UDP/TLS/RTP/SAVPF 96\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\n"
		"a=setup:active\r\n"
		"a=dtls-srtp-ktr\r\n";
	struct sdp_session *offer = sdpt_parse_str(dtls_offer), *ans = sdpt_parse_str(sdes_answer), *out;
	struct sdp_fingerprint fp = sdpt_sbc_fp();
	struct sdp_xlate_mparams mp[2] = { { .port = 33000 }, { .port = 33002 } };
	struct sdp_xlate_params p = {
		.flow = SDP_XLATE_SDES_ANSWER_TO_DTLS, .offer = offer,
		.relay_addr = "203.0.113.5", .fingerprint = &fp, .ktr_form = SDP_KTR_FORM_ATTR,
		.n_media = 2, .media = mp,
	};
	struct sdp_xlate_report *rep = run(ans, &p, expect);
	char buf[2048];

	/* key A of the SDES UA, for new_srtp_key */
	assert_int_equal(rep->media[0].crypto_pick, 0);
	assert_int_equal(rep->media[0].crypto[0].suite, SDP_SUITE_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(rep->media[1].crypto[0].suite, SDP_SUITE_AES_CM_128_HMAC_SHA1_32);
	sdp_xlate_report_free(rep);
	/* KTR not echoed when the trunk says none */
	p.ktr_form = SDP_KTR_FORM_NONE;
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, NULL), 0);
	assert_true(sdp_session_print(out, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "dtls-srtp-ktr"));
	assert_non_null(strstr(buf, "a=acfg:1 t=1 a=1\r\n"));
	assert_null(strstr(buf, "a=crypto"));
	sdp_session_free(out);
	/* missing fingerprint, keys handed in for a DTLS leg */
	p.fingerprint = NULL;
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, NULL), -EINVAL);
	p.fingerprint = &fp;
	key(&mp[0], 1);
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, NULL), -EINVAL);
	sdp_session_free(ans);
	sdp_session_free(offer);
}

/* Only unknown suites: a precise error naming the m-line. */
static void test_unknown_suites_only(void **state)
{
	struct sdp_session *in = sdpt_parse_str("v=0\r\no=a 1 1 IN IP4 192.0.2.30\r\ns=-\r\nc=IN IP4 192.0.2.30\r\nt=0 0\r\n"
				   "m=audio 49170 RTP/SAVP 0\r\n"
				   "a=crypto:1 SEED_CTR_128_HMAC_SHA1_80 inline:x\r\n"
				   "a=crypto:2 F8_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n");
	struct sdp_fingerprint fp = sdpt_sbc_fp();
	struct sdp_xlate_mparams mp[1] = { { .port = 4000 } };
	struct sdp_xlate_params p = {
		.flow = SDP_XLATE_SDES_OFFER_TO_DTLS, .relay_addr = "198.51.100.1",
		.fingerprint = &fp, .n_media = 1, .media = mp,
	};
	struct sdp_session *out;
	struct sdp_error e;

	assert_int_equal(sdp_xlate(&out, NULL, in, &p, &e), -ENOTSUP);
	assert_null(out);
	assert_int_equal(e.line, 6);
	assert_non_null(strstr(e.msg, "m-line 1: no acceptable a=crypto"));
	/* bad parameters */
	p.relay_addr = "relay.example";
	assert_int_equal(sdp_xlate(&out, NULL, in, &p, &e), -EINVAL);
	p.relay_addr = "198.51.100.1";
	p.n_media = 2;
	assert_int_equal(sdp_xlate(&out, NULL, in, &p, &e), -EINVAL);
	sdp_session_free(in);
}

/* RTCP (RFC 5761, RFC 3605): where a peer takes RTCP (a=rtcp with and
 * without an address, port + 1, mux), and the RTCP attributes of each
 * flow's output: mux always offered, an answer muxes exactly when its
 * offer did, a=rtcp for the SBC's own RTCP port otherwise. */
static void test_rtcp_mux_and_port(void **state)
{
	static const char pbx_offer[] =
		"v=0\r\no=pbx 1 1 IN IP4 192.0.2.60\r\ns=-\r\nc=IN IP4 192.0.2.60\r\nt=0 0\r\n"
		"m=audio 40000 RTP/SAVP 0\r\n"
		"a=rtcp:40101 IN IP4 192.0.2.61\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
		"m=audio 40002 RTP/SAVP 0\r\n"
		"a=rtcp:40009\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
		"m=audio 40004 RTP/SAVP 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:p/cfOvaHvg8D7hwH1ElBQp/DsEhOTy4dRL5LxHJo\r\n"
		"m=audio 40006 RTP/SAVP 0\r\n"
		"a=rtcp-mux\r\n"
		"a=rtcp:40006\r\n" /* RFC 5761 5.1.3: the fallback port */
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n";
	static const char dtls_answer[] =
		"v=0\r\no=b 2 2 IN IP4 192.0.2.70\r\ns=-\r\nc=IN IP4 192.0.2.70\r\nt=0 0\r\n"
		"m=audio 6000 UDP/TLS/RTP/SAVP 0\r\na=rtcp-mux\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\na=setup:active\r\n"
		"m=audio 6002 UDP/TLS/RTP/SAVP 0\r\na=rtcp-mux\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\na=setup:active\r\n"
		"m=audio 6004 UDP/TLS/RTP/SAVP 0\r\na=rtcp-mux\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\na=setup:active\r\n"
		"m=audio 6006 UDP/TLS/RTP/SAVP 0\r\na=rtcp-mux\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\na=setup:active\r\n";
	static const char dtls_offer[] =
		"v=0\r\no=w 3 3 IN IP4 192.0.2.80\r\ns=-\r\nc=IN IP4 192.0.2.80\r\nt=0 0\r\n"
		"m=audio 7000 UDP/TLS/RTP/SAVPF 0\r\na=rtcp-mux\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\na=setup:actpass\r\n";
	static const char sdes_answer_nomux[] =
		"v=0\r\no=pbx 4 4 IN IP4 192.0.2.60\r\ns=-\r\nc=IN IP4 192.0.2.60\r\nt=0 0\r\n"
		"m=audio 41000 RTP/SAVPF 0\r\n"
		"a=rtcp:41001 IN IP4 192.0.2.60\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n";
	struct sdp_session *offer = sdpt_parse_str(pbx_offer), *ans = sdpt_parse_str(dtls_answer), *out, *s;
	struct sdp_fingerprint fp = sdpt_sbc_fp();
	struct sdp_xlate_mparams mp[4];
	struct sdp_xlate_params p = {
		.flow = SDP_XLATE_SDES_OFFER_TO_DTLS, .relay_addr = "203.0.113.5",
		.fingerprint = &fp, .n_media = 4, .media = mp,
	};
	struct sdp_xlate_report *rep;
	struct sdp_conn c;
	struct sdp_rtcp rc;
	uint16_t port = 0;

	/* where the PBX takes RTCP */
	assert_int_equal(sdp_media_rtcp_dest(sdp_session_media(offer, 0), &c, &port), 0);
	assert_int_equal(port, 40101);
	assert_string_equal(c.addr, "192.0.2.61"); /* a=rtcp's own address */
	assert_int_equal(sdp_media_rtcp_dest(sdp_session_media(offer, 1), &c, &port), 0);
	assert_int_equal(port, 40009);
	assert_string_equal(c.addr, "192.0.2.60"); /* a=rtcp without: c= */
	assert_int_equal(sdp_media_rtcp_dest(sdp_session_media(offer, 2), &c, &port), 0);
	assert_int_equal(port, 40005); /* RFC 3550 11: port + 1 */
	assert_int_equal(sdp_media_rtcp_dest(sdp_session_media(offer, 3), &c, &port), -ENOENT);
	assert_int_equal(sdp_media_rtcp_dest(NULL, &c, &port), -EINVAL);

	/* flow 1: the DTLS side is always offered mux, never a=rtcp */
	memset(mp, 0, sizeof(mp));
	for (int i = 0; i < 4; i++)
		mp[i].port = (uint16_t)(30000 + 2 * i);
	assert_int_equal(sdp_xlate(&out, &rep, offer, &p, NULL), 0);
	for (int i = 0; i < 4; i++) {
		assert_true(sdp_media_rtcp_mux(sdp_session_media(out, (size_t)i)));
		assert_false(sdp_media_rtcp(sdp_session_media(out, (size_t)i), NULL));
	}
	assert_false(rep->media[0].rtcp_mux);
	assert_int_equal(rep->media[0].rtcp_port, 40101);
	assert_string_equal(rep->media[0].rtcp_conn.addr, "192.0.2.61");
	assert_int_equal(rep->media[2].rtcp_port, 40005);
	assert_string_equal(rep->media[2].rtcp_conn.addr, "192.0.2.60");
	assert_true(rep->media[3].rtcp_mux);
	assert_string_equal(rep->media[3].rtcp_conn.addr, "");
	sdp_xlate_report_free(rep);
	sdp_session_free(out);

	/* flow 2: the answer to the PBX muxes only where it offered mux, and
	 * elsewhere names the SBC's RTCP port (port only: c= is ours) */
	p.flow = SDP_XLATE_DTLS_ANSWER_TO_SDES;
	p.offer = offer;
	for (int i = 0; i < 4; i++) {
		key(&mp[i], (uint8_t)(10 * i));
		mp[i].port = (uint16_t)(31000 + 2 * i);
		mp[i].rtcp_port = (uint16_t)(31001 + 2 * i);
	}
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, NULL), 0);
	for (int i = 0; i < 3; i++) {
		const struct sdp_media *m = sdp_session_media(out, (size_t)i);

		assert_false(sdp_media_rtcp_mux(m));
		assert_true(sdp_media_rtcp(m, &rc));
		assert_int_equal(rc.port, 31001 + 2 * i);
		assert_false(rc.has_addr);
	}
	assert_true(sdp_media_rtcp_mux(sdp_session_media(out, 3)));
	assert_false(sdp_media_rtcp(sdp_session_media(out, 3), NULL));
	sdp_session_free(out);
	/* without an RTCP port handed in: plain port + 1, nothing written */
	mp[0].rtcp_port = 0;
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, NULL), 0);
	assert_false(sdp_media_rtcp(sdp_session_media(out, 0), NULL));
	assert_false(sdp_media_rtcp_mux(sdp_session_media(out, 0)));
	sdp_session_free(out);
	sdp_session_free(ans);
	sdp_session_free(offer);

	/* flow 4: a DTLS offer with mux gets a muxed answer, whatever the SDES
	 * UA (which the SBC offered mux and a=rtcp) answered; the SDES answer's
	 * RTCP address is reported */
	offer = sdpt_parse_str(dtls_offer);
	ans = sdpt_parse_str(sdes_answer_nomux);
	memset(mp, 0, sizeof(mp));
	mp[0].port = 33000;
	p.flow = SDP_XLATE_SDES_ANSWER_TO_DTLS;
	p.offer = offer;
	p.n_media = 1;
	assert_int_equal(sdp_xlate(&out, &rep, ans, &p, NULL), 0);
	assert_true(sdp_media_rtcp_mux(sdp_session_media(out, 0)));
	assert_false(sdp_media_rtcp(sdp_session_media(out, 0), NULL));
	assert_false(rep->media[0].rtcp_mux);
	assert_int_equal(rep->media[0].rtcp_port, 41001);
	sdp_xlate_report_free(rep);
	sdp_session_free(out);
	sdp_session_free(ans);
	sdp_session_free(offer);

	/* RTP on 65535 has no port + 1; a rejected m-line has no RTCP */
	s = sdpt_parse_str("v=0\r\no=a 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
	      "m=audio 65535 RTP/AVP 0\r\nm=audio 0 RTP/AVP 0\r\n");
	assert_int_equal(sdp_media_rtcp_dest(sdp_session_media(s, 0), &c, &port), -EINVAL);
	assert_int_equal(sdp_media_rtcp_dest(sdp_session_media(s, 1), &c, &port), -ENOENT);
	sdp_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow1_sdes_offer_to_dtls),
		cmocka_unit_test(test_flow1_capneg),
		cmocka_unit_test(test_flow2_dtls_answer_to_sdes),
		cmocka_unit_test(test_flow3_dtls_offer_to_sdes),
		cmocka_unit_test(test_flow4_sdes_answer_to_dtls),
		cmocka_unit_test(test_unknown_suites_only),
		cmocka_unit_test(test_rtcp_mux_and_port),
	};

	return cmocka_run_group_tests_name("sdp_xlate", tests, NULL, NULL);
}

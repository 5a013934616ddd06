/*
 * Unit tests for sdp/sdp_bundle.c (RFC 9143 BUNDLE in SDP) and the one
 * relaxation of sdp_xlate's repeated-key refusal it needs: a WebRTC-style
 * max-bundle offer (a=group:BUNDLE, a=mid, a=ssrc, a=bundle-only with
 * port 0) read into m-line indices, SSRCs and payload types; malformed
 * groups; the attributes written toward a bundled peer (offer and answer)
 * printed exactly; and flow 2 (the SDES answer) accepting the bundle's one
 * DTLS key on the m-lines flagged key_shared, and nowhere else.
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

#include "tests/lib/sdpt.h"

static const char max_bundle_offer[] =
	"v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	"a=group:BUNDLE audio0 video1\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
	"a=mid:audio0\r\na=rtcp-mux\r\na=rtpmap:96 OPUS/48000/2\r\n"
	"a=ssrc:3735928559 cname:x\r\na=ssrc:3735928559 msid:a b\r\n"
	"a=ssrc:12345 cname:x\r\n"
	"m=video 0 UDP/TLS/RTP/SAVPF 97 98\r\nc=IN IP4 0.0.0.0\r\n"
	"a=bundle-only\r\na=mid:video1\r\na=rtcp-mux\r\na=rtpmap:97 VP8/90000\r\n"
	"a=rtpmap:98 rtx/90000\r\na=ssrc:42 cname:x\r\n"
	"m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
	"a=mid:data2\r\n";

static void test_read_group(void **state)
{
	struct sdp_session *s = sdpt_parse_str(max_bundle_offer);
	size_t idx[4], n = 0;
	uint32_t ssrc[8];
	uint8_t pt[8];

	assert_int_equal(sdp_bundle_group(s, idx, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 1);
	assert_true(sdp_bundle_has(idx, n, 1));
	assert_false(sdp_bundle_has(idx, n, 2));
	assert_int_equal(sdp_bundle_group(s, idx, 1, &n), -ENOBUFS);
	/* SSRCs accumulate over the group's m-lines, each once */
	n = 0;
	assert_int_equal(sdp_bundle_ssrcs(sdp_session_media(s, 0), ssrc, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ssrc[0], 3735928559u);
	assert_int_equal(ssrc[1], 12345);
	assert_int_equal(sdp_bundle_ssrcs(sdp_session_media(s, 1), ssrc, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ssrc[2], 42);
	n = 0;
	assert_int_equal(sdp_bundle_ssrcs(sdp_session_media(s, 0), ssrc, 1, &n), -ENOBUFS);
	assert_int_equal(sdp_bundle_pts(sdp_session_media(s, 1), pt, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pt[0], 97);
	assert_int_equal(pt[1], 98);
	/* the data channel's format is no payload type */
	assert_int_equal(sdp_bundle_pts(sdp_session_media(s, 2), pt, 8, &n), 0);
	assert_int_equal(n, 0);
	/* a=bundle-only port 0: the BUNDLE address's port, not rejected */
	assert_int_equal(sdp_bundle_group(s, idx, 4, &n), 0);
	assert_int_equal(sdp_bundle_unbundled_ports(s, idx, n), 0);
	assert_int_equal(sdp_media_port(sdp_session_media(s, 1)), 9);
	assert_int_equal(sdp_media_port(sdp_session_media(s, 2)), 0);
	sdp_session_free(s);
}

static void test_bad_groups(void **state)
{
	static const char *const bad[] = {
		"a=group:BUNDLE a nosuch\r\n", /* a mid no m-line has */
		"a=group:BUNDLE a a\r\n",      /* repeated */
		"a=group:BUNDLE\r\n",          /* empty */
	};
	size_t idx[4], n;
	uint32_t ssrc[4];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char t[512];
		struct sdp_session *s;

		snprintf(t, sizeof(t),
			 "v=0\r\no=- 1 0 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n%s"
			 "m=audio 5000 UDP/TLS/RTP/SAVPF 0\r\na=mid:a\r\na=ssrc:x cname:y\r\n",
			 bad[i]);
		s = sdpt_parse_str(t);
		assert_int_equal(sdp_bundle_group(s, idx, 4, &n), -EBADMSG);
		n = 0;
		assert_int_equal(sdp_bundle_ssrcs(sdp_session_media(s, 0), ssrc, 4, &n),
				 -EBADMSG);
		sdp_session_free(s);
	}
	/* no group, or a group of another semantics (RFC 5888 LS) */
	{
		struct sdp_session *s = sdpt_parse_str(
			"v=0\r\no=- 1 0 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
			"a=group:LS a\r\nm=audio 5000 RTP/SAVP 0\r\na=mid:a\r\n");

		assert_int_equal(sdp_bundle_group(s, idx, 4, &n), -ENOENT);
		assert_int_equal(sdp_bundle_unbundled_ports(s, idx, 0), -ENOENT);
		sdp_session_free(s);
	}
}

static void test_write(void **state)
{
	struct sdp_session *s = sdpt_parse_str(
		"v=0\r\no=- 1 0 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 5000 UDP/TLS/RTP/SAVPF 0\r\na=mid:old\r\na=bundle-only\r\n"
		"m=video 5000 UDP/TLS/RTP/SAVPF 96\r\na=rtcp-mux\r\n");
	char mids[2][SDP_BUNDLE_MID_MAX] = { "0", "1" };
	size_t idx[2] = { 0, 1 };
	char *txt = NULL;

	assert_int_equal(sdp_bundle_write(s, idx, 2, mids, true), 0);
	assert_true(sdp_session_print_alloc(s, &txt) > 0);
	assert_string_equal(txt,
			    "v=0\r\no=- 1 0 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
			    "a=group:BUNDLE 0 1\r\n"
			    "m=audio 5000 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=rtcp-mux\r\na=rtcp-mux-only\r\n"
			    "m=video 5000 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=rtcp-mux\r\na=rtcp-mux-only\r\n");
	free(txt);
	/* an answer: mux, never mux-only (RFC 8858 4); written again, the
	 * group and mids are replaced, not repeated */
	assert_int_equal(sdp_bundle_write(s, idx, 2, mids, false), 0);
	assert_true(sdp_session_print_alloc(s, &txt) > 0);
	assert_null(strstr(txt, "rtcp-mux-only"));
	assert_non_null(strstr(txt, "a=group:BUNDLE 0 1\r\nm="));
	assert_null(strstr(strstr(txt, "a=group") + 1, "a=group"));
	free(txt);
	/* toward a peer that does not bundle */
	sdp_bundle_strip(s);
	assert_true(sdp_session_print_alloc(s, &txt) > 0);
	assert_null(strstr(txt, "a=group"));
	assert_non_null(strstr(txt, "a=mid:1"));
	free(txt);
	mids[1][0] = 0;
	assert_int_equal(sdp_bundle_write(s, idx, 2, mids, true), -EINVAL);
	sdp_session_free(s);
}

/* Flow 2: the bundle's one DTLS key on every bundled m-line of the SDES
 * answer, and only there. */
static void test_xlate_shared_key(void **state)
{
	static const char sdes_offer[] =
		"v=0\r\no=pbx 1 1 IN IP4 192.0.2.60\r\ns=-\r\nc=IN IP4 192.0.2.60\r\nt=0 0\r\n"
		"m=audio 40000 RTP/SAVP 0\r\na=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K4568_D0RM "\r\n"
		"m=video 40002 RTP/SAVP 96\r\na=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K4568_NZB4 "\r\n";
	static const char dtls_answer[] =
		"v=0\r\no=b 2 2 IN IP4 192.0.2.70\r\ns=-\r\nc=IN IP4 192.0.2.70\r\nt=0 0\r\n"
		"a=group:BUNDLE 0 1\r\n"
		"m=audio 6000 UDP/TLS/RTP/SAVP 0\r\na=mid:0\r\na=rtcp-mux\r\n"
		"a=fingerprint:sha-256 " SDPT_FPHEX "\r\na=setup:active\r\n"
		"m=video 6000 UDP/TLS/RTP/SAVP 96\r\na=mid:1\r\na=rtcp-mux\r\n"
		"a=fingerprint:sha-256 " SDPT_FPHEX "\r\na=setup:active\r\n";
	struct sdp_session *offer = sdpt_parse_str(sdes_offer);
	struct sdp_session *ans = sdpt_parse_str(dtls_answer), *out = NULL;
	struct sdp_xlate_mparams mp[2];
	struct sdp_xlate_params p = {
		.flow = SDP_XLATE_DTLS_ANSWER_TO_SDES, .offer = offer,
		.relay_addr = "203.0.113.5", .n_media = 2, .media = mp,
	};
	struct sdp_crypto c0, c1;

	memset(mp, 0, sizeof(mp));
	for (int i = 0; i < 2; i++) {
		mp[i].port = (uint16_t)(31000 + 2 * i);
		mp[i].suite = SDP_SUITE_AES_CM_128_HMAC_SHA1_80;
		mp[i].keysalt_len = 30;
		for (int k = 0; k < 30; k++)
			mp[i].keysalt[k] = (uint8_t)(7 * k + 1); /* the same */
	}
	/* not flagged: the repeat is refused (draft 6.2) */
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, NULL), -EINVAL);
	/* one flagged is not enough */
	mp[0].key_shared = true;
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, NULL), -EINVAL);
	/* both: the one key on both m-lines */
	mp[1].key_shared = true;
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, NULL), 0);
	assert_int_equal(sdp_media_crypto_get(sdp_session_media(out, 0), 0, &c0), 0);
	assert_int_equal(sdp_media_crypto_get(sdp_session_media(out, 1), 0, &c1), 0);
	assert_int_equal(c0.keys[0].keysalt_len, 30);
	assert_memory_equal(c0.keys[0].keysalt, c1.keys[0].keysalt, 30);
	assert_memory_equal(c0.keys[0].keysalt, mp[0].keysalt, 30);
	sdp_crypto_wipe(&c0);
	sdp_crypto_wipe(&c1);
	sdp_session_free(out);
	/* flow 3 (fresh keys per stream, ktrsbc's own): never relaxed */
	p.flow = SDP_XLATE_DTLS_OFFER_TO_SDES;
	p.offer = NULL;
	assert_int_equal(sdp_xlate(&out, NULL, ans, &p, NULL), -EINVAL);
	sdp_session_free(ans);
	sdp_session_free(offer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_group),
		cmocka_unit_test(test_bad_groups),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_xlate_shared_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

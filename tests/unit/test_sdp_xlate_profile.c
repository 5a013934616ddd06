/*
 * Unit tests for the profile sdp_xlate writes (issue 11, point 4): an offer
 * takes the output trunk's profile (sdp_xlate_params.proto: RTP/SAVP or
 * RTP/SAVPF toward an SDES trunk, UDP/TLS/RTP/SAVP[F] toward a DTLS one, or
 * the input's mirrored); a profile without feedback loses the AVPF-only
 * a=rtcp-fb and a=rtcp-rsize and keeps the codecs; an answer keeps its
 * offer's profile (RFC 3264 6.1). The inputs are what baresip 1.0 sends
 * (DTLS-SRTP: UDP/TLS/RTP/SAVPF with a=rtcp-rsize; SDES srtp-mand:
 * RTP/SAVP, with a=rtcp-rsize all the same), with a=rtcp-fb lines added.
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
/* key||salt 0x01..0x1e and 0x28..0x45 in base64 */
#define KEY1 "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"
#define KEY40 "KCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QEFCQ0RF"

static void key(struct sdp_xlate_mparams *mp, uint8_t first)
{
	mp->suite = SDP_SUITE_AES_CM_128_HMAC_SHA1_80;
	mp->keysalt_len = 30;
	for (size_t i = 0; i < 30; i++)
		mp->keysalt[i] = (uint8_t)(first + i);
}

/* Translate; the output must be expect exactly and parse again. */
static void run(const struct sdp_session *in, const struct sdp_xlate_params *p,
		const char *expect)
{
	struct sdp_session *out;
	struct sdp_error e;
	char *txt;
	int r = sdp_xlate(&out, NULL, in, p, &e);

	if (r)
		fprintf(stderr, "xlate: %d %u: %s\n", r, e.line, e.msg);
	assert_int_equal(r, 0);
	assert_true(sdp_session_print_alloc(out, &txt) > 0);
	if (strcmp(txt, expect))
		fprintf(stderr, "got:\n%s\nexpected:\n%s\n", txt, expect);
	assert_string_equal(txt, expect);
	sdp_session_free(out);
	sdp_session_free(sdpt_parse_str(txt));
	free(txt);
}

/* baresip 1.0's DTLS-SRTP offer (mediaenc dtls_srtp, rtcp_mux yes), with
 * two a=rtcp-fb lines as a WebRTC UA would add them. */
static const char dtls_offer[] =
	"v=0\r\n"
	"o=- 2816226626 47574322 IN IP4 192.0.2.50\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.50\r\n"
	"t=0 0\r\n"
	"a=tool:baresip 1.0.0\r\n"
	"a=setup:actpass\r\n"
	"a=fingerprint:SHA-256 " FPHEX "\r\n"
	"m=audio 47212 UDP/TLS/RTP/SAVPF 0 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=sendrecv\r\n"
	"a=rtcp-fb:* nack\r\n"
	"a=rtcp-rsize\r\n"
	"a=rtcp-fb:0 ccm fir\r\n"
	"a=rtcp-mux\r\n"
	"a=ptime:20\r\n";

/* The SDES offer ktrsbc makes of it: head, m= line, the same middle (with
 * or without the AVPF-only lines), tail. */
#define SDES_HEAD                                                              \
	"v=0\r\n"                                                              \
	"o=sbc 9 1 IN IP4 203.0.113.5\r\n"                                     \
	"s=-\r\n"                                                              \
	"c=IN IP4 203.0.113.5\r\n"                                             \
	"t=0 0\r\n"                                                            \
	"a=tool:baresip 1.0.0\r\n"
#define CODECS                                                                 \
	"a=rtpmap:0 PCMU/8000\r\n"                                             \
	"a=rtpmap:101 telephone-event/8000\r\n"                                \
	"a=fmtp:101 0-15\r\n"
#define SDES_TAIL                                                              \
	"a=ptime:20\r\n"                                                       \
	"a=sendrecv\r\n"                                                       \
	"a=rtcp-mux\r\n"                                                       \
	"a=rtcp:31001\r\n"                                                     \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY1 "\r\n"

/* Flow 3 toward an SDES trunk: RTP/SAVP (the default, what PBXs take)
 * drops the AVPF-only lines; RTP/SAVPF and the mirror keep them. */
static void test_dtls_offer_to_sdes_profile(void **state)
{
	static const char savp[] = SDES_HEAD "m=audio 31000 RTP/SAVP 0 101\r\n" CODECS SDES_TAIL;
	static const char savpf[] = SDES_HEAD "m=audio 31000 RTP/SAVPF 0 101\r\n" CODECS
		"a=rtcp-fb:* nack\r\n"
		"a=rtcp-rsize\r\n"
		"a=rtcp-fb:0 ccm fir\r\n" SDES_TAIL;
	struct sdp_session *in = sdpt_parse_str(dtls_offer), *out;
	struct sdp_xlate_mparams mp[1] = { { .port = 31000, .rtcp_port = 31001 } };
	struct sdp_xlate_params p = {
		.flow = SDP_XLATE_DTLS_OFFER_TO_SDES, .relay_addr = "203.0.113.5",
		.origin_user = "sbc", .sess_id = 9, .sess_ver = 1, .n_media = 1,
		.media = mp, .proto = SDP_PROTO_RTP_SAVP,
	};
	struct sdp_error e;

	key(&mp[0], 1);
	run(in, &p, savp);
	p.proto = SDP_PROTO_RTP_SAVPF;
	run(in, &p, savpf);
	p.proto = SDP_PROTO_OTHER; /* mirror: UDP/TLS/RTP/SAVPF -> RTP/SAVPF */
	run(in, &p, savpf);
	/* a DTLS profile toward an SDES leg, or no SRTP at all: refused */
	p.proto = SDP_PROTO_UDP_TLS_RTP_SAVPF;
	assert_int_equal(sdp_xlate(&out, NULL, in, &p, &e), -EINVAL);
	assert_null(out);
	assert_non_null(strstr(e.msg, "does not fit an SDES leg"));
	p.proto = SDP_PROTO_RTP_AVP;
	assert_int_equal(sdp_xlate(&out, NULL, in, &p, &e), -EINVAL);
	sdp_session_free(in);
}

/* baresip 1.0's SDES offer (mediaenc srtp-mand): RTP/SAVP, and yet
 * a=rtcp-rsize. */
static const char sdes_offer[] =
	"v=0\r\n"
	"o=- 1311138176 909729029 IN IP4 192.0.2.60\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.60\r\n"
	"t=0 0\r\n"
	"m=audio 47206 RTP/SAVP 0 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=sendrecv\r\n"
	"a=rtcp-rsize\r\n"
	"a=rtcp-mux\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY40 "\r\n"
	"a=ptime:20\r\n";

#define DTLS_HEAD                                                              \
	"v=0\r\n"                                                              \
	"o=sbc 10 1 IN IP4 203.0.113.5\r\n"                                    \
	"s=-\r\n"                                                              \
	"c=IN IP4 203.0.113.5\r\n"                                             \
	"t=0 0\r\n"
#define DTLS_TAIL                                                              \
	"a=ptime:20\r\n"                                                       \
	"a=sendrecv\r\n"                                                       \
	"a=rtcp-mux\r\n"                                                       \
	"a=fingerprint:sha-256 " FPHEX "\r\n"                                  \
	"a=setup:actpass\r\n"                                                  \
	"a=dtls-srtp-ktr\r\n"

/* Flow 1 toward a DTLS trunk: UDP/TLS/RTP/SAVPF (the default, what WebRTC
 * and baresip's dtls_srtp take) keeps a=rtcp-rsize; UDP/TLS/RTP/SAVP and the
 * mirror of RTP/SAVP drop it; the RFC 5939 form carries the profile in its
 * tcap with RTP/AVPF on the m= line. */
static void test_sdes_offer_to_dtls_profile(void **state)
{
	static const char savpf[] = DTLS_HEAD "m=audio 30000 UDP/TLS/RTP/SAVPF 0 101\r\n" CODECS
		"a=rtcp-rsize\r\n" DTLS_TAIL;
	static const char savp[] = DTLS_HEAD "m=audio 30000 UDP/TLS/RTP/SAVP 0 101\r\n" CODECS
		DTLS_TAIL;
	static const char capneg[] = DTLS_HEAD "m=audio 30000 RTP/AVPF 0 101\r\n" CODECS
		"a=rtcp-rsize\r\n"
		"a=ptime:20\r\n"
		"a=sendrecv\r\n"
		"a=rtcp-mux\r\n"
		"a=tcap:1 UDP/TLS/RTP/SAVPF\r\n"
		"a=acap:1 fingerprint:sha-256 " FPHEX "\r\n"
		"a=acap:2 dtls-srtp-ktr\r\n"
		"a=acap:3 setup:actpass\r\n"
		"a=pcfg:1 t=1 a=1,2,3\r\n";
	struct sdp_session *in = sdpt_parse_str(sdes_offer), *out;
	struct sdp_fingerprint fp = sdpt_sbc_fp();
	struct sdp_xlate_mparams mp[1] = { { .port = 30000 } };
	struct sdp_xlate_params p = {
		.flow = SDP_XLATE_SDES_OFFER_TO_DTLS, .relay_addr = "203.0.113.5",
		.origin_user = "sbc", .sess_id = 10, .sess_ver = 1, .fingerprint = &fp,
		.ktr_form = SDP_KTR_FORM_ATTR, .n_media = 1, .media = mp,
		.proto = SDP_PROTO_UDP_TLS_RTP_SAVPF,
	};
	struct sdp_dtls_info di;
	struct sdp_error e;

	run(in, &p, savpf);
	p.proto = SDP_PROTO_UDP_TLS_RTP_SAVP;
	run(in, &p, savp);
	p.proto = SDP_PROTO_OTHER; /* mirror: RTP/SAVP -> UDP/TLS/RTP/SAVP */
	run(in, &p, savp);
	p.proto = SDP_PROTO_UDP_TLS_RTP_SAVPF;
	p.ktr_form = SDP_KTR_FORM_CAPNEG_REQUIRED;
	run(in, &p, capneg);
	assert_int_equal(sdp_xlate(&out, NULL, in, &p, NULL), 0);
	assert_int_equal(sdp_media_dtls_info(sdp_session_media(out, 0), &di, NULL), 0);
	assert_true(di.dtls && di.via_capneg);
	assert_int_equal(di.proto, SDP_PROTO_UDP_TLS_RTP_SAVPF);
	sdp_session_free(out);
	p.proto = SDP_PROTO_RTP_SAVP; /* an SDES profile toward a DTLS leg */
	assert_int_equal(sdp_xlate(&out, NULL, in, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "does not fit a DTLS-SRTP leg"));
	sdp_session_free(in);
}

/* Answers: the offer's profile whatever the other leg answered with, and
 * without AVPF-only lines under a profile without feedback. */
static void test_answers_keep_offer_profile(void **state)
{
	/* flow 2: the DTLS UA answered UDP/TLS/RTP/SAVPF with feedback
	 * lines; the SDES UA had offered RTP/SAVP */
	static const char dtls_answer[] =
		"v=0\r\n"
		"o=w 5 1 IN IP4 192.0.2.70\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.70\r\n"
		"t=0 0\r\n"
		"m=audio 7000 UDP/TLS/RTP/SAVPF 0 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=rtcp-fb:* nack\r\n"
		"a=rtcp-rsize\r\n"
		"a=rtcp-mux\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\n"
		"a=setup:active\r\n";
	static const char sdes_answer_expect[] =
		"v=0\r\n"
		"o=sbc 11 1 IN IP4 203.0.113.5\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.5\r\n"
		"t=0 0\r\n"
		"m=audio 31000 RTP/SAVP 0 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY1 "\r\n";
	/* flow 4: the SDES UA answered ktrsbc's RTP/SAVP offer; the DTLS UA
	 * had offered UDP/TLS/RTP/SAVPF */
	static const char sdes_answer[] =
		"v=0\r\n"
		"o=p 6 1 IN IP4 192.0.2.80\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.80\r\n"
		"t=0 0\r\n"
		"m=audio 8000 RTP/SAVP 0 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY40 "\r\n";
	static const char dtls_answer_expect[] =
		"v=0\r\n"
		"o=sbc 12 1 IN IP4 203.0.113.5\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.5\r\n"
		"t=0 0\r\n"
		"m=audio 30000 UDP/TLS/RTP/SAVPF 0 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=rtcp-mux\r\n"
		"a=fingerprint:sha-256 " FPHEX "\r\n"
		"a=setup:active\r\n";
	struct sdp_session *soffer = sdpt_parse_str(sdes_offer), *doffer = sdpt_parse_str(dtls_offer);
	struct sdp_session *dans = sdpt_parse_str(dtls_answer), *sans = sdpt_parse_str(sdes_answer), *out;
	struct sdp_fingerprint fp = sdpt_sbc_fp();
	struct sdp_xlate_mparams mp[1] = { { .port = 31000 } };
	struct sdp_xlate_params p = {
		.flow = SDP_XLATE_DTLS_ANSWER_TO_SDES, .offer = soffer,
		.relay_addr = "203.0.113.5", .origin_user = "sbc", .sess_id = 11,
		.sess_ver = 1, .n_media = 1, .media = mp,
	};
	struct sdp_error e;

	key(&mp[0], 1);
	run(dans, &p, sdes_answer_expect);
	/* a profile handed in for an answer is a caller's mistake */
	p.proto = SDP_PROTO_RTP_SAVPF;
	assert_int_equal(sdp_xlate(&out, NULL, dans, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "RFC 3264 6.1"));

	memset(&mp[0], 0, sizeof(mp[0]));
	mp[0].port = 30000;
	p = (struct sdp_xlate_params){
		.flow = SDP_XLATE_SDES_ANSWER_TO_DTLS, .offer = doffer,
		.relay_addr = "203.0.113.5", .origin_user = "sbc", .sess_id = 12,
		.sess_ver = 1, .fingerprint = &fp, .n_media = 1, .media = mp,
	};
	run(sans, &p, dtls_answer_expect);
	p.proto = SDP_PROTO_UDP_TLS_RTP_SAVP;
	assert_int_equal(sdp_xlate(&out, NULL, sans, &p, &e), -EINVAL);
	sdp_session_free(soffer);
	sdp_session_free(doffer);
	sdp_session_free(dans);
	sdp_session_free(sans);
}

/* A re-answer built from an earlier SDP follows the re-offer's profile,
 * within one keying only. */
static void test_profile_follow(void **state)
{
	struct sdp_session *s = sdpt_parse_str(sdes_offer), *d = sdpt_parse_str(dtls_offer);
	struct sdp_media *m = sdp_session_media(s, 0), *dm = sdp_session_media(d, 0);
	char *txt;

	assert_int_equal(sdp_media_profile_follow(m, SDP_PROTO_RTP_SAVP), 0);
	assert_int_equal(sdp_media_profile_follow(m, SDP_PROTO_RTP_SAVPF), 1);
	assert_string_equal(sdp_media_proto(m), "RTP/SAVPF");
	assert_true(sdp_media_attr_find(m, "rtcp-rsize", NULL)); /* kept with feedback */
	assert_int_equal(sdp_media_profile_follow(m, SDP_PROTO_UDP_TLS_RTP_SAVPF), -EINVAL);
	assert_int_equal(sdp_media_profile_follow(m, SDP_PROTO_RTP_AVP), -EINVAL);
	assert_string_equal(sdp_media_proto(m), "RTP/SAVPF");
	/* DTLS: to UDP/TLS/RTP/SAVP, without the feedback-only lines; codecs stay */
	assert_int_equal(sdp_media_profile_follow(dm, SDP_PROTO_UDP_TLS_RTP_SAVP), 1);
	assert_true(sdp_session_print_alloc(d, &txt) > 0);
	assert_non_null(strstr(txt, "m=audio 47212 UDP/TLS/RTP/SAVP 0 101\r\n" CODECS "a=sendrecv\r\n"
				    "a=rtcp-mux\r\na=ptime:20\r\n"));
	assert_null(strstr(txt, "rtcp-fb"));
	assert_null(strstr(txt, "rtcp-rsize"));
	free(txt);
	sdp_session_free(s);
	sdp_session_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dtls_offer_to_sdes_profile),
		cmocka_unit_test(test_sdes_offer_to_dtls_profile),
		cmocka_unit_test(test_answers_keep_offer_profile),
		cmocka_unit_test(test_profile_follow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for src/media/media_bundle.c, BUNDLE (RFC 9143) on the DTLS
 * side, through the media core's offer/answer with a real relay and DTLS
 * context on 127.0.0.1 (no driver, no handshake): ktrsbc's offer to a
 * DTLS trunk with bundle = yes (one port, a=group:BUNDLE, a=mid,
 * a=rtcp-mux-only, KTR offered as without BUNDLE), with bundle = no (as
 * before) and with ktr = off (no KTR); a WebRTC-style max-bundle DTLS offer (a=bundle-only with port
 * 0, a=ssrc) becoming an unbundled SDES offer with a port and a fresh key
 * per m-line, and the answer to the DTLS UA bundled with its mids on one
 * port; the SSRC limit (max_bundle_ssrcs) refusing an offer before any
 * further stream is allocated; a bundled offer without KTR from a ktr =
 * required trunk (one with KTR is taken) and one whose relayed m-line is
 * outside the group refused with a cause.
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

#include "media/media.h"
#include "sdp/sdp.h"

static int t_alloc(void *loop, void **tp, void (*fn)(void *), void *arg)
{
	*tp = calloc(1, 1);
	return *tp ? 0 : -ENOMEM;
}
static int t_start(void *t, unsigned ms) { return 0; }
static void t_stop(void *t) {}
static void t_free(void *t) { free(t); }
static const struct media_timer_ops timers = { t_alloc, t_start, t_stop, t_free };

struct drv {
	char answer[8192]; /* the last answer the core sent */
	enum media_side answer_side;
};

static int h_answer(void *arg, enum media_side side, const char *sdp)
{
	struct drv *d = arg;

	snprintf(d->answer, sizeof(d->answer), "%s", sdp);
	d->answer_side = side;
	return 0;
}
static int h_offer(void *arg, enum media_side side, const char *sdp) { return 0; }
static void h_refuse(void *arg, enum media_side side, enum media_cause cause,
		     const char *text) {}
static void h_up(void *arg) {}
static void h_ended(void *arg, enum media_cause cause, bool with_reason,
		    const char *text) {}
static bool h_keys(void *arg, enum media_side side) { return true; }
static const struct media_handler handler = {
	h_answer, h_offer, h_refuse, h_up, h_ended, h_keys,
};

#define FP "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"

static const char sdes_av[] =
	"v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 20000 RTP/SAVP 0\r\na=rtcp-mux\r\na=ssrc:1111 cname:pbx\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:TVpndIGOm6i1ws/c6fYDEB0qN0RRXmt4hZKfrLnG\r\n"
	"m=video 20002 RTP/SAVP 96\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:W2h1go+cqbbD0N3q9wQRHis4RVJfbHmGk6CtusfU\r\n";

/* webrtcbin-like: max-bundle, the video line bundle-only, a data channel */
static const char dtls_max_bundle[] =
	"v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	"a=group:BUNDLE video0 audio1\r\n"
	"m=video 20100 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 127.0.0.1\r\n"
	"a=mid:video0\r\na=rtcp-mux\r\na=rtcp-mux-only\r\na=setup:actpass\r\n" FP
	"a=rtpmap:97 VP8/90000\r\na=ssrc:7 cname:w\r\n"
	"m=audio 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 127.0.0.1\r\n"
	"a=bundle-only\r\na=mid:audio1\r\na=rtcp-mux\r\na=setup:actpass\r\n" FP
	"a=rtpmap:96 OPUS/48000/2\r\na=ssrc:8 cname:w\r\na=ssrc:9 cname:w\r\n"
	"m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 127.0.0.1\r\n"
	"a=bundle-only\r\na=mid:data2\r\n";

static struct conf cfg_conf;

static int setup(void **state)
{
	struct media_engine_cfg cfg = { 0 };
	struct media_engine *e = NULL;
	char err[256] = "";

	conf_defaults(&cfg_conf);
	snprintf(cfg_conf.media_address, sizeof(cfg_conf.media_address), "127.0.0.1");
	cfg_conf.media_port_min = 48000;
	cfg_conf.media_port_max = 48999;
	cfg_conf.relay_workers = 2; /* a bundle's streams share one worker */
	cfg_conf.offload = CONF_OFFLOAD_OFF;
	cfg_conf.max_bundle_ssrcs = 3;
	cfg.conf = &cfg_conf;
	cfg.timers = &timers;
	assert_int_equal(media_engine_alloc(&e, &cfg, err, sizeof(err)), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	media_engine_free(*state);
	return 0;
}

static struct sdp_session *parse(const char *t)
{
	struct sdp_session *s = NULL;

	assert_int_equal(sdp_parse(&s, t, strlen(t), NULL), 0);
	return s;
}

static const char *mattr(const struct sdp_session *s, size_t i, const char *name)
{
	const char *v = NULL;

	return sdp_media_attr_find(sdp_session_media(s, i), name, &v) ? v : NULL;
}

static void test_sdes_offer_bundled(void **state)
{
	struct media_policy pols[2] = {
		{ .name = "pbx", .ktr = MEDIA_KTR_PREFERRED },
		{ .name = "carrier", .ktr = MEDIA_KTR_PREFERRED, .bundle = true },
	};
	struct media_stream_stats st[2];
	struct media_session *s = NULL;
	struct drv d = { 0 };
	const char *out = NULL, *v = NULL;
	struct sdp_session *o;

	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_SDES, pols, 4,
					     &handler, &d), 0);
	assert_int_equal(media_session_offer(s, sdes_av, strlen(sdes_av), &out), 0);
	o = parse(out);
	assert_true(sdp_session_attr_find(o, "group", &v));
	assert_string_equal(v, "BUNDLE 0 1");
	assert_string_equal(mattr(o, 0, "mid"), "0");
	assert_string_equal(mattr(o, 1, "mid"), "1");
	for (size_t i = 0; i < 2; i++) {
		assert_non_null(mattr(o, i, "rtcp-mux"));
		assert_non_null(mattr(o, i, "rtcp-mux-only"));
		/* KTR per SSRC over the one association (draft 4.4) */
		assert_non_null(mattr(o, i, "dtls-srtp-ktr"));
		assert_string_equal(sdp_media_proto(sdp_session_media(o, i)),
				    "UDP/TLS/RTP/SAVPF");
		assert_int_equal(media_session_stream_stats(s, i, &st[i]), 0);
	}
	/* one port for both, the first stream's; a=ssrc where known */
	assert_int_equal(sdp_media_port(sdp_session_media(o, 0)),
			 st[0].leg[MEDIA_SIDE_DTLS].port);
	assert_int_equal(sdp_media_port(sdp_session_media(o, 1)),
			 st[0].leg[MEDIA_SIDE_DTLS].port);
	assert_int_equal(st[1].leg[MEDIA_SIDE_DTLS].port, st[0].leg[MEDIA_SIDE_DTLS].port);
	assert_int_not_equal(st[0].leg[MEDIA_SIDE_SDES].port, st[1].leg[MEDIA_SIDE_SDES].port);
	assert_string_equal(mattr(o, 0, "ssrc"), "1111 cname:pbx");
	sdp_session_free(o);
	media_session_free(s);

	/* bundle = no: a port per m-line, no group */
	pols[1].bundle = false;
	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_SDES, pols, 4,
					     &handler, &d), 0);
	assert_int_equal(media_session_offer(s, sdes_av, strlen(sdes_av), &out), 0);
	o = parse(out);
	assert_false(sdp_session_attr_find(o, "group", NULL));
	assert_int_not_equal(sdp_media_port(sdp_session_media(o, 0)),
			     sdp_media_port(sdp_session_media(o, 1)));
	assert_non_null(mattr(o, 0, "dtls-srtp-ktr"));
	sdp_session_free(o);
	media_session_free(s);

	/* ktr = off: bundled, no KTR offered */
	pols[1].bundle = true;
	pols[1].ktr = MEDIA_KTR_OFF;
	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_SDES, pols, 4,
					     &handler, &d), 0);
	assert_int_equal(media_session_offer(s, sdes_av, strlen(sdes_av), &out), 0);
	o = parse(out);
	assert_true(sdp_session_attr_find(o, "group", NULL));
	assert_null(mattr(o, 1, "dtls-srtp-ktr"));
	sdp_session_free(o);
	media_session_free(s);
}

static void test_dtls_offer_bundled(void **state)
{
	static const char sdes_answer[] =
		"v=0\r\no=pbx 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		"m=video 21000 RTP/SAVPF 97\r\na=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:TVpndIGOm6i1ws/c6fYDEB0qN0RRXmt4hZKfrLnG\r\n"
		"m=audio 21002 RTP/SAVPF 96\r\na=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:W2h1go+cqbbD0N3q9wQRHis4RVJfbHmGk6CtusfU\r\n"
		"m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n";
	const struct media_policy pols[2] = {
		{ .name = "pbx", .ktr = MEDIA_KTR_PREFERRED },
		{ .name = "webrtc", .ktr = MEDIA_KTR_PREFERRED },
	};
	struct media_stream_stats st[2];
	struct media_session *s = NULL;
	struct drv d = { 0 };
	const char *out = NULL, *v = NULL;
	struct sdp_session *o, *a;
	struct sdp_crypto c0, c1;

	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_DTLS, pols, 4,
					     &handler, &d), 0);
	assert_int_equal(media_session_offer(s, dtls_max_bundle, strlen(dtls_max_bundle),
					     &out), 0);
	/* the bundle-only audio line is a stream, the data channel is not */
	assert_int_equal(media_session_stream_count(s), 2);
	o = parse(out);
	assert_false(sdp_session_attr_find(o, "group", NULL));
	for (size_t i = 0; i < 2; i++) {
		assert_null(mattr(o, i, "bundle-only"));
		assert_null(mattr(o, i, "rtcp-mux-only"));
		assert_int_equal(media_session_stream_stats(s, i, &st[i]), 0);
		assert_int_equal(sdp_media_port(sdp_session_media(o, i)),
				 st[i].leg[MEDIA_SIDE_SDES].port);
	}
	assert_int_equal(sdp_media_port(sdp_session_media(o, 2)), 0);
	/* a fresh key B per SDES m-line, as without BUNDLE */
	assert_int_equal(sdp_media_crypto_get(sdp_session_media(o, 0), 0, &c0), 0);
	assert_int_equal(sdp_media_crypto_get(sdp_session_media(o, 1), 0, &c1), 0);
	assert_memory_not_equal(c0.keys[0].keysalt, c1.keys[0].keysalt, 30);
	sdp_crypto_wipe(&c0);
	sdp_crypto_wipe(&c1);
	sdp_session_free(o);

	/* the answer to the DTLS UA: bundled with its mids, on one port */
	assert_int_equal(media_session_answer(s, sdes_answer, strlen(sdes_answer)), 0);
	assert_int_equal(d.answer_side, MEDIA_SIDE_DTLS);
	a = parse(d.answer);
	assert_true(sdp_session_attr_find(a, "group", &v));
	assert_string_equal(v, "BUNDLE video0 audio1");
	assert_string_equal(mattr(a, 0, "mid"), "video0");
	assert_string_equal(mattr(a, 1, "mid"), "audio1");
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(sdp_media_port(sdp_session_media(a, i)),
				 st[0].leg[MEDIA_SIDE_DTLS].port);
		assert_non_null(mattr(a, i, "rtcp-mux"));
		assert_null(mattr(a, i, "rtcp-mux-only")); /* RFC 8858 4 */
		assert_null(mattr(a, i, "dtls-srtp-ktr"));
		assert_int_equal(sdp_media_setup(sdp_session_media(a, i)), SDP_SETUP_ACTIVE);
	}
	assert_int_equal(sdp_media_port(sdp_session_media(a, 2)), 0);
	sdp_session_free(a);
	media_session_free(s);
}

static void test_refusals(void **state)
{
	struct media_policy pols[2] = {
		{ .name = "pbx", .ktr = MEDIA_KTR_PREFERRED },
		{ .name = "webrtc", .ktr = MEDIA_KTR_PREFERRED },
	};
	struct media_engine_stats es0, es;
	struct media_session *s = NULL;
	struct drv d = { 0 };
	enum media_cause kind;
	const char *out = NULL;
	char t[4096];

	/* 4 SSRCs in the group, max_bundle_ssrcs = 3: refused before the
	 * second stream is allocated */
	snprintf(t, sizeof(t), "%s", dtls_max_bundle);
	{
		char *p = strstr(t, "a=ssrc:9 cname:w\r\n");

		assert_non_null(p);
		memmove(p + 19, p, strlen(p) + 1);
		memcpy(p, "a=ssrc:10 cname:w\r\n", 19);
	}
	media_engine_stats(*state, &es0);
	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_DTLS, pols, 4,
					     &handler, &d), 0);
	assert_int_equal(media_session_offer(s, t, strlen(t), &out), -E2BIG);
	assert_string_equal(media_session_cause(s, &kind),
			    "the BUNDLE group signals more SSRCs than the limit max_bundle_ssrcs=3");
	assert_int_equal(kind, MEDIA_CAUSE_UNACCEPTABLE);
	assert_int_equal(media_session_stream_count(s), 1);
	media_engine_stats(*state, &es);
	assert_int_equal(es.bundle_ssrcs_refused - es0.bundle_ssrcs_refused, 1);
	media_session_free(s);

	/* ktr = required: a bundle without KTR refused, with the cause, as
	 * without BUNDLE; one with a=dtls-srtp-ktr on its m-lines taken (a
	 * your_new_srtp_key per SSRC, relay_bundle_ktr.c) */
	pols[1].ktr = MEDIA_KTR_REQUIRED;
	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_DTLS, pols, 4,
					     &handler, &d), 0);
	assert_int_equal(media_session_offer(s, dtls_max_bundle, strlen(dtls_max_bundle),
					     &out), -ENOTSUP);
	assert_non_null(strstr(media_session_cause(s, NULL),
			       "requires DTLS-SRTP Key Transport; the offer has no a=dtls-srtp-ktr"));
	media_session_free(s);
	snprintf(t, sizeof(t), "%s", dtls_max_bundle);
	for (char *p = t; (p = strstr(p, "a=rtcp-mux\r\n")); p += 29) {
		memmove(p + 17, p, strlen(p) + 1);
		memcpy(p, "a=dtls-srtp-ktr\r\n", 17);
	}
	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_DTLS, pols, 4,
					     &handler, &d), 0);
	assert_int_equal(media_session_offer(s, t, strlen(t), &out), 0);
	assert_int_equal(media_session_stream_count(s), 2);
	media_session_free(s);
	pols[1].ktr = MEDIA_KTR_PREFERRED;

	/* a relayed m-line outside the group */
	snprintf(t, sizeof(t), "%s", dtls_max_bundle);
	memcpy(strstr(t, "BUNDLE video0 audio1"), "BUNDLE video0       ", 20);
	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_DTLS, pols, 4,
					     &handler, &d), 0);
	/* (its port 0 with bundle-only outside a group: declined) */
	assert_int_equal(media_session_offer(s, t, strlen(t), &out), 0);
	assert_int_equal(media_session_stream_count(s), 1);
	media_session_free(s);
	snprintf(t, sizeof(t), "%s", dtls_max_bundle);
	memcpy(strstr(t, "BUNDLE video0 audio1"), "BUNDLE audio1       ", 20);
	memcpy(strstr(t, "m=audio 0 "), "m=audio 9 ", 10);
	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_DTLS, pols, 4,
					     &handler, &d), 0);
	assert_int_equal(media_session_offer(s, t, strlen(t), &out), -EPROTO);
	assert_non_null(strstr(media_session_cause(s, NULL),
			       "m-line 0 is not in the offer's BUNDLE group"));
	media_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdes_offer_bundled),
		cmocka_unit_test(test_dtls_offer_bundled),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * Unit tests for src/media, the media core, without a driver's protocol:
 * a session holds a stream per RTP m-line (at most MEDIA_STREAMS_MAX, the
 * driver's max_streams: more refuse the offer), each with relay ports of
 * its own in the offer it writes for the other side, the non-RTP m-lines
 * declined with port 0; the limits are checked before anything is
 * allocated; the causes a driver
 * maps (an SDP without a usable stream, a re-offer before the session is
 * up). A real relay and DTLS context on 127.0.0.1; the driver's timers are
 * a table of our own (no event loop here: none fires).
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
#include "tests/lib/media_fix.h"

/* What the handler heard. */
struct drv {
	int refused, ended;
	enum media_side refused_side;
	enum media_cause refused_cause;
};

static int h_answer(void *arg, enum media_side side, const char *sdp) { return 0; }
static int h_offer(void *arg, enum media_side side, const char *sdp) { return 0; }
static void h_refuse(void *arg, enum media_side side, enum media_cause cause,
		     const char *text)
{
	struct drv *d = arg;

	d->refused++;
	d->refused_side = side;
	d->refused_cause = cause;
}
static void h_up(void *arg) {}
static void h_ended(void *arg, enum media_cause cause, bool with_reason,
		    const char *text)
{
	((struct drv *)arg)->ended++;
}
static bool h_keys(void *arg, enum media_side side) { return true; }
static const struct media_handler handler = {
	h_answer, h_offer, h_refuse, h_up, h_ended, h_keys,
};

static const struct media_policy pols[2] = {
	{ .name = "pbx", .ktr = MEDIA_KTR_PREFERRED },
	{ .name = "carrier", .ktr = MEDIA_KTR_PREFERRED },
};

/* Three audio m-lines with a port and a key, one declined by its offerer. */
static const char offer3[] =
	"v=0\r\n"
	"o=pbx 1 1 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 20000 RTP/SAVP 0\r\n"
	"a=rtcp-mux\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:TVpndIGOm6i1ws/c6fYDEB0qN0RRXmt4hZKfrLnG\r\n"
	"m=audio 0 RTP/SAVP 0\r\n"
	"m=audio 20002 RTP/SAVP 0\r\n"
	"a=rtcp-mux\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:W2h1go+cqbbD0N3q9wQRHis4RVJfbHmGk6CtusfU\r\n"
	"m=audio 20004 RTP/SAVP 0\r\n"
	"a=rtcp-mux\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:VGFue4iVoq+8ydbj8P0KFyQxPktYZXJ/jJmms8DN\r\n";

static int setup(void **state)
{
	*state = media_fix_engine("127.0.0.1", NULL, 47000, 47999);
	return 0;
}

static int teardown(void **state)
{
	media_engine_free(*state);
	return 0;
}

/* The ports the m-lines of an SDP text carry, in order. */
static size_t ports_of(const char *text, uint16_t *ports, size_t cap)
{
	struct sdp_session *s = NULL;
	size_t n;

	assert_int_equal(sdp_parse(&s, text, strlen(text), NULL), 0);
	n = sdp_session_media_count(s);
	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++)
		ports[i] = sdp_media_port(sdp_session_media(s, i));
	sdp_session_free(s);
	return n;
}

static void test_limits(void **state)
{
	struct media_session *s = NULL;
	struct drv d = { 0 };

	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_SDES, pols, 0,
					     &handler, &d), -EINVAL);
	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_SDES, pols,
					     MEDIA_STREAMS_MAX + 1, &handler, &d),
			 -EINVAL);
	assert_null(s);
}

/* Streams, not a stream: every RTP m-line with a port is relayed, each on
 * ports of its own; a declined m-line stays declined. */
static void test_streams(void **state)
{
	struct media_stream_stats st[4];
	struct media_session *s = NULL;
	struct drv d = { 0 };
	const char *out = NULL;
	uint16_t ports[8];

	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_SDES, pols, 3,
					     &handler, &d), 0);
	assert_int_equal(media_session_stream_count(s), 1); /* reserved up front */
	assert_int_equal(media_session_offer(s, offer3, strlen(offer3), &out), 0);
	assert_int_equal(media_session_stream_count(s), 3);
	assert_int_equal(ports_of(out, ports, 8), 4);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(media_session_stream_stats(s, i, &st[i]), 0);
	assert_int_equal(media_session_stream_stats(s, 3, &st[3]), -EINVAL);
	/* the DTLS side's SDP carries each stream's DTLS leg port */
	assert_int_equal(ports[0], st[0].leg[MEDIA_SIDE_DTLS].port);
	assert_int_equal(ports[1], 0);
	assert_int_equal(ports[2], st[1].leg[MEDIA_SIDE_DTLS].port);
	assert_int_equal(ports[3], st[2].leg[MEDIA_SIDE_DTLS].port);
	assert_int_equal(st[0].mline, 0);
	assert_int_equal(st[1].mline, 2);
	assert_int_equal(st[2].mline, 3);
	assert_string_equal(st[1].kind, "audio");
	assert_int_equal(st[1].mode, MEDIA_MODE_PENDING);
	assert_int_not_equal(ports[0], ports[2]);
	assert_int_not_equal(ports[2], ports[3]);
	assert_int_not_equal(st[0].leg[MEDIA_SIDE_SDES].port,
			     st[1].leg[MEDIA_SIDE_SDES].port);
	assert_int_equal(media_session_mode(s), MEDIA_MODE_PENDING);
	media_session_free(s);
}

/* More RTP m-lines with a port than the session's limit: the offer is
 * refused with a cause naming the limit, before another relay call is
 * allocated (the first was reserved by media_session_alloc). */
static void test_too_many(void **state)
{
	struct media_engine_stats es;
	struct media_session *s = NULL;
	struct drv d = { 0 };
	enum media_cause kind;
	const char *out = NULL;

	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_SDES, pols, 2,
					     &handler, &d), 0);
	assert_int_equal(media_session_offer(s, offer3, strlen(offer3), &out), -E2BIG);
	assert_string_equal(media_session_cause(s, &kind),
			    "3 RTP m-lines exceed the limit max_streams=2");
	assert_int_equal(kind, MEDIA_CAUSE_UNACCEPTABLE);
	assert_int_equal(media_session_stream_count(s), 1);
	media_engine_stats(*state, &es);
	assert_int_equal(es.offers_too_many, 1);
	media_session_free(s);
}

/* Non-RTP m-lines (a data channel, T.38), and from the SDES side plain RTP
 * beside SRTP, are declined with port 0 and do not count against the
 * limit. */
static void test_not_rtp(void **state)
{
	static const char av[] =
		"v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
		"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
		"m=audio 20000 RTP/SAVP 0\r\n"
		"a=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:TVpndIGOm6i1ws/c6fYDEB0qN0RRXmt4hZKfrLnG\r\n"
		"m=image 20002 udptl t38\r\n"
		"m=video 20004 RTP/AVP 96\r\n";
	struct media_engine_stats es0, es;
	struct media_stream_stats st;
	struct media_session *s = NULL;
	struct drv d = { 0 };
	const char *out = NULL;
	uint16_t ports[8];

	media_engine_stats(*state, &es0);
	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_SDES, pols, 1,
					     &handler, &d), 0);
	assert_int_equal(media_session_offer(s, av, strlen(av), &out), 0);
	assert_int_equal(media_session_stream_count(s), 1);
	assert_int_equal(ports_of(out, ports, 8), 4);
	assert_int_equal(media_session_stream_stats(s, 0, &st), 0);
	assert_int_equal(st.mline, 1);
	assert_int_equal(ports[0], 0);
	assert_int_equal(ports[1], st.leg[MEDIA_SIDE_DTLS].port);
	assert_int_equal(ports[2], 0);
	assert_int_equal(ports[3], 0);
	media_engine_stats(*state, &es);
	assert_int_equal(es.mlines_declined - es0.mlines_declined, 3);
	media_session_free(s);
}

static void test_causes(void **state)
{
	static const char none[] = "v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
				   "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
				   "m=audio 0 RTP/SAVP 0\r\n";
	struct media_session *s = NULL;
	struct drv d = { 0 };
	enum media_cause kind;
	const char *out = NULL;

	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_SDES, pols, 1,
					     &handler, &d), 0);
	assert_int_equal(media_session_offer(s, none, strlen(none), &out), -EPROTO);
	assert_string_equal(media_session_cause(s, &kind), "no media stream to relay");
	assert_int_equal(kind, MEDIA_CAUSE_UNACCEPTABLE);
	media_session_free(s);

	/* A re-offer before the session is up: refused as busy, to its side. */
	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_SDES, pols, 3,
					     &handler, &d), 0);
	assert_int_equal(media_session_offer(s, offer3, strlen(offer3), &out), 0);
	media_session_reoffer(s, MEDIA_SIDE_SDES, offer3, strlen(offer3));
	assert_int_equal(d.refused, 1);
	assert_int_equal(d.refused_side, MEDIA_SIDE_SDES);
	assert_int_equal(d.refused_cause, MEDIA_CAUSE_BUSY);
	assert_int_equal(media_session_rekey(s, "test"), -EAGAIN);
	assert_int_equal(d.ended, 0);
	media_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_not_rtp),
		cmocka_unit_test(test_causes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

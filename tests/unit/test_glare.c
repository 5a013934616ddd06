/*
 * Unit tests for glare (RFC 3261 14.1): the retry's wait of
 * src/sbc/sbc_glare.c (2.1..4 s in 10 ms steps for the owner of the
 * Call-ID, 0..2 s for the other, spread over the window) and the offer the
 * media core re-sends (media_session_offer_again: its latest SDP to that
 * side, the same but for sess-version one up, each call one more; nothing
 * before anything was sent to the side). A real relay and DTLS context on
 * 127.0.0.1, the driver's timers a table of our own (none fires).
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "media/media.h"
#include "sbc/sbc_int.h"
#include "tests/lib/media_fix.h"

/* Draws per window: P(no draw in the window's lowest or highest 10%) is
 * below 1e-80 */
#define DRAWS 2000

static void window(bool owner, unsigned lo, unsigned hi)
{
	unsigned min = UINT32_MAX, max = 0;

	for (int i = 0; i < DRAWS; i++) {
		unsigned ms = sbc_glare_delay_ms(owner);

		assert_true(ms >= lo && ms <= hi);
		assert_int_equal(ms % 10, 0); /* "in units of 10 ms" */
		min = ms < min ? ms : min;
		max = ms > max ? ms : max;
	}
	assert_true(min < lo + (hi - lo) / 10);
	assert_true(max > hi - (hi - lo) / 10);
}

static void test_delay_windows(void **state)
{
	window(true, 2100, 4000);
	window(false, 0, 2000);
}

static const struct media_policy pols[2] = {
	{ .name = "pbx", .ktr = MEDIA_KTR_PREFERRED },
	{ .name = "carrier", .ktr = MEDIA_KTR_PREFERRED },
};
static const char offer[] =
	"v=0\r\n"
	"o=pbx 1 1 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 20000 RTP/SAVP 0\r\n"
	"a=rtcp-mux\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:TVpndIGOm6i1ws/c6fYDEB0qN0RRXmt4hZKfrLnG\r\n";

/* The o= line's sess-version, and the text without the o= line. */
static uint64_t version_of(const char *sdp, char *rest, size_t cap)
{
	const char *o = strstr(sdp, "\no=");
	const char *eol;
	uint64_t id, ver;

	assert_non_null(o);
	assert_int_equal(sscanf(o + 3, "%*s %" SCNu64 " %" SCNu64, &id, &ver), 2);
	eol = strchr(o + 1, '\n');
	assert_non_null(eol);
	assert_true(strlen(sdp) < cap);
	snprintf(rest, cap, "%.*s%s", (int)(o - sdp), sdp, eol);
	return ver;
}

static void test_offer_again(void **state)
{
	struct media_engine *e = media_fix_engine("127.0.0.1", NULL, 47200, 47399);
	struct media_session *s = NULL;
	char a[4096], b[4096];
	const char *out = NULL, *again = NULL, *again2 = NULL;
	uint64_t v0, v1;

	assert_int_equal(media_session_alloc(e, &s, MEDIA_SIDE_SDES, pols, 1,
					     &media_fix_handler, NULL), 0);
	/* nothing sent to either side yet */
	assert_int_equal(media_session_offer_again(s, MEDIA_SIDE_DTLS, &again), -ENOENT);
	assert_int_equal(media_session_offer(s, offer, strlen(offer), &out), 0);
	v0 = version_of(out, a, sizeof(a));
	/* nothing sent to the SDES side (it gets its answer later) */
	assert_int_equal(media_session_offer_again(s, MEDIA_SIDE_SDES, &again), -ENOENT);
	assert_int_equal(media_session_offer_again(s, MEDIA_SIDE_DTLS, &again), 0);
	v1 = version_of(again, b, sizeof(b));
	assert_int_equal(v1, v0 + 1); /* RFC 3264 8 */
	assert_string_equal(a, b); /* the same offer otherwise */
	assert_int_equal(media_session_offer_again(s, MEDIA_SIDE_DTLS, &again2), 0);
	assert_int_equal(version_of(again2, b, sizeof(b)), v0 + 2);
	assert_string_equal(a, b);
	assert_int_equal(media_session_offer_again(NULL, MEDIA_SIDE_DTLS, &again2), -EINVAL);
	media_session_free(s);
	media_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_windows),
		cmocka_unit_test(test_offer_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

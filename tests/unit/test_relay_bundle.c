/*
 * Unit tests for the relay's BUNDLE (src/relay/relay_bundle.c, RFC 9143)
 * with plain UDP peers on 127.0.0.1: one peer on the bundle's port sends
 * three streams (SSRCs, payload types), each reaching its own stream's
 * other peer byte for byte (by a signalled SSRC, by payload type with the
 * SSRC learned, RTCP by its sender SSRC); each stream's other peer reaches
 * the bundle's peer from the one bundle port; unknown streams dropped and
 * counted; the SSRC limit refused before anything is added; the payload
 * types unique across the bundle; latching followed by the members; a
 * member freed before the owner and the owner before a member; the
 * bundle's peer holding (c=0.0.0.0) and resuming for every stream; no
 * allocation on the worker while forwarding through the bundle.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/sec.h"
#include "relay/relay.h"
#include "tests/lib/alloc_count.h"
#include "tests/lib/lo_udp.h"

#define PORT_MIN 46000
#define PORT_MAX 46999
#define N 3 /* streams in the bundle */

struct world {
	struct relay *r;
	struct relay_call *c[N];
	uint16_t ports[N][2];
	int fb; /* the bundled peer */
	struct sockaddr_in ab;
	int fs[N]; /* each stream's other (SDES) peer */
	struct sockaddr_in as[N];
};

static void world_open(struct world *w, unsigned ssrcs, bool latch)
{
	struct relay_cfg cfg = { .bind_addr = "127.0.0.1", .port_min = PORT_MIN,
				 .port_max = PORT_MAX, .workers = 2,
				 .bundle_ssrcs = ssrcs };

	memset(w, 0, sizeof(*w));
	assert_int_equal(relay_alloc(&w->r, &cfg), 0);
	assert_int_equal(relay_call_alloc(w->r, &w->c[0], NULL, w->ports[0]), 0);
	for (int i = 1; i < N; i++)
		assert_int_equal(relay_call_alloc_with(w->r, &w->c[i], NULL,
						       w->ports[i], w->c[0]),
				 0);
	w->fb = lo_udp_open(&w->ab);
	for (int i = 0; i < N; i++) {
		w->fs[i] = lo_udp_open(&w->as[i]);
		assert_int_equal(relay_leg_set_peer(w->c[i], 0,
						    (struct sockaddr *)&w->as[i],
						    sizeof(w->as[i]), false),
				 0);
	}
	assert_int_equal(relay_leg_set_peer(w->c[0], 1, latch ? NULL :
					    (struct sockaddr *)&w->ab,
					    sizeof(w->ab), latch),
			 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(relay_bundle_join(w->c[0], 1, w->c[i]), 0);
}

static void world_close(struct world *w)
{
	for (int i = N - 1; i >= 0; i--)
		relay_call_free(w->c[i]);
	relay_free(w->r);
	close(w->fb);
	for (int i = 0; i < N; i++)
		close(w->fs[i]);
}

static size_t rtp(uint8_t *p, size_t len, uint8_t pt, uint16_t seq, uint32_t ssrc)
{
	assert_int_equal(sec_random(p, len), 0);
	p[0] = 0x80;
	p[1] = pt;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	return len;
}

/* An SRTCP-looking sender report (PT 200) of sender ssrc. */
static size_t rtcp(uint8_t *p, size_t len, uint32_t ssrc)
{
	assert_int_equal(sec_random(p, len), 0);
	p[0] = 0x80;
	p[1] = 200;
	p[4] = (uint8_t)(ssrc >> 24);
	p[5] = (uint8_t)(ssrc >> 16);
	p[6] = (uint8_t)(ssrc >> 8);
	p[7] = (uint8_t)ssrc;
	return len;
}

static void expect(int fd, const uint8_t *p, size_t len, uint16_t via)
{
	uint8_t got[2048];
	uint16_t src = 0;

	assert_int_equal(lo_udp_recv(fd, got, sizeof(got), 2000, &src), (ssize_t)len);
	assert_memory_equal(got, p, len);
	assert_int_equal(src, via);
}

static void expect_nothing(int fd, int ms)
{
	uint8_t b[2048];

	assert_true(lo_udp_recv(fd, b, sizeof(b), ms, NULL) < 0);
}

static const uint32_t ssrc_of[N] = { 0x1000, 0x2000, 0x3000 };
static const uint8_t pt_of[N] = { 111, 96, 97 };

static void routes(struct world *w, bool signal_ssrc0)
{
	/* stream 0: a=ssrc signalled; 1 and 2: payload types only */
	for (int i = 0; i < N; i++)
		assert_int_equal(relay_bundle_route(w->c[0], w->c[i],
						    i == 0 && signal_ssrc0 ? &ssrc_of[0] : NULL,
						    i == 0 && signal_ssrc0 ? 1 : 0,
						    &pt_of[i], 1),
				 0);
}

static void test_demux_both_ways(void **state)
{
	struct world w;
	struct relay_bundle_stats bs;
	struct relay_call_stats st;
	uint8_t p[300];
	size_t len;

	world_open(&w, 0, false);
	routes(&w, true);
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < N; i++) {
			/* bundle -> stream i's peer, from stream i's own port */
			len = rtp(p, 100 + 40 * (size_t)i, pt_of[i], (uint16_t)round,
				  ssrc_of[i]);
			lo_udp_send(w.fb, w.ports[0][1], p, len);
			expect(w.fs[i], p, len, w.ports[i][0]);
			/* stream i's peer -> the bundle's peer, from the one
			 * bundle port (the owner's) */
			len = rtp(p, 120, 8, (uint16_t)round, 0xa0 + (uint32_t)i);
			lo_udp_send(w.fs[i], w.ports[i][0], p, len);
			expect(w.fb, p, len, w.ports[0][1]);
		}
	}
	/* Once learned, a stream's SSRC routes whatever its payload type
	 * (RFC 8843 9.2); RTCP by its sender SSRC. */
	len = rtp(p, 80, 13 /* comfort noise */, 99, ssrc_of[2]);
	lo_udp_send(w.fb, w.ports[0][1], p, len);
	expect(w.fs[2], p, len, w.ports[2][0]);
	len = rtcp(p, 60, ssrc_of[1]);
	lo_udp_send(w.fb, w.ports[0][1], p, len);
	expect(w.fs[1], p, len, w.ports[1][0]);
	/* An unknown SSRC with an unknown payload type matches no stream. */
	len = rtp(p, 80, 100, 1, 0xdead);
	lo_udp_send(w.fb, w.ports[0][1], p, len);
	for (int i = 0; i < N; i++)
		expect_nothing(w.fs[i], i ? 20 : 200);
	assert_int_equal(relay_bundle_stats(w.c[0], &bs), 0);
	assert_int_equal(bs.members, N);
	assert_int_equal(bs.ssrcs, N); /* 1 signalled, 2 learned */
	assert_int_equal(bs.learned, 2);
	assert_int_equal(bs.unrouted, 1);
	/* Each stream's own records count its packets. */
	for (int i = 0; i < N; i++) {
		assert_int_equal(relay_call_stats(w.c[i], &st), 0);
		assert_int_equal(st.leg[1].fwd_pkts, 20 + (i == 1 || i == 2));
		assert_int_equal(st.leg[0].fwd_pkts, 20);
		assert_false(st.offloaded);
	}
	/* A member is not a bundle's owner. */
	assert_int_equal(relay_bundle_stats(w.c[1], &bs), -ENOENT);
	world_close(&w);
}

static void test_limits_and_uniqueness(void **state)
{
	struct world w;
	struct relay_bundle_stats bs;
	uint32_t many[5] = { 1, 2, 3, 4, 5 };
	uint8_t pt = 96, p[200];
	size_t len;

	world_open(&w, 4, false);
	/* 5 SSRCs past bundle_ssrcs = 4: refused, nothing added */
	assert_int_equal(relay_bundle_route(w.c[0], w.c[1], many, 5, NULL, 0), -ENOSPC);
	assert_int_equal(relay_bundle_stats(w.c[0], &bs), 0);
	assert_int_equal(bs.ssrcs, 0);
	assert_int_equal(relay_bundle_route(w.c[0], w.c[1], many, 3, &pt, 1), 0);
	/* a payload type or SSRC of another stream: refused */
	assert_int_equal(relay_bundle_route(w.c[0], w.c[2], NULL, 0, &pt, 1), -EEXIST);
	assert_int_equal(relay_bundle_route(w.c[0], w.c[2], &many[0], 1, NULL, 0), -EEXIST);
	assert_int_equal(relay_bundle_route(w.c[0], w.c[2], &many[3], 2, NULL, 0), -ENOSPC);
	pt = 97;
	assert_int_equal(relay_bundle_route(w.c[0], w.c[2], &many[3], 1, &pt, 1), 0);
	/* The table is full: a further stream of payload type 97 is still
	 * routed by its payload type, not learned (counted). */
	len = rtp(p, 100, 97, 1, 0x777);
	lo_udp_send(w.fb, w.ports[0][1], p, len);
	expect(w.fs[2], p, len, w.ports[2][0]);
	assert_int_equal(relay_bundle_stats(w.c[0], &bs), 0);
	assert_int_equal(bs.ssrcs, 4);
	assert_int_equal(bs.learned, 0);
	assert_int_equal(bs.learn_full, 1);
	/* Bad joins: twice, DTLS-less calls of another worker. */
	assert_int_equal(relay_bundle_join(w.c[0], 1, w.c[1]), -EBUSY);
	assert_int_equal(relay_bundle_join(w.c[0], 0, w.c[1]), -EINVAL);
	{
		struct relay_call *x = NULL, *y = NULL;
		uint16_t pp[2];

		/* round-robin over 2 workers: one of two fresh calls is on
		 * another worker than c[0] */
		assert_int_equal(relay_call_alloc(w.r, &x, NULL, pp), 0);
		assert_int_equal(relay_call_alloc(w.r, &y, NULL, pp), 0);
		assert_true(relay_bundle_join(w.c[0], 1, x) == -EXDEV ||
			    relay_bundle_join(w.c[0], 1, y) == -EXDEV);
		relay_call_free(x);
		relay_call_free(y);
	}
	world_close(&w);
}

static void test_latch_and_teardown(void **state)
{
	struct world w;
	uint8_t p[200];
	size_t len;

	world_open(&w, 0, true);
	routes(&w, true);
	/* Nothing to send to before the bundle's peer latched. */
	len = rtp(p, 100, 8, 1, 0xb1);
	lo_udp_send(w.fs[1], w.ports[1][0], p, len);
	expect_nothing(w.fb, 200);
	/* The bundle's peer latches with its first packet (stream 2)... */
	len = rtp(p, 100, pt_of[2], 1, ssrc_of[2]);
	lo_udp_send(w.fb, w.ports[0][1], p, len);
	expect(w.fs[2], p, len, w.ports[2][0]);
	/* ... and every stream sends there now. */
	for (int i = 0; i < N; i++) {
		len = rtp(p, 100, 8, 2, 0xb0 + (uint32_t)i);
		lo_udp_send(w.fs[i], w.ports[i][0], p, len);
		expect(w.fb, p, len, w.ports[0][1]);
	}
	/* A member leaves: its stream no longer routes, the others do. */
	relay_call_free(w.c[1]);
	w.c[1] = NULL;
	len = rtp(p, 100, pt_of[1], 3, ssrc_of[1]);
	lo_udp_send(w.fb, w.ports[0][1], p, len);
	expect_nothing(w.fs[1], 200);
	len = rtp(p, 100, pt_of[2], 3, ssrc_of[2]);
	lo_udp_send(w.fb, w.ports[0][1], p, len);
	expect(w.fs[2], p, len, w.ports[2][0]);
	len = rtp(p, 100, 8, 3, 0xb2);
	lo_udp_send(w.fs[2], w.ports[2][0], p, len);
	expect(w.fb, p, len, w.ports[0][1]);
	/* The owner goes first: the member's transport is gone, it sends
	 * nothing (and its free does not close the owner's socket twice). */
	relay_call_free(w.c[0]);
	w.c[0] = NULL;
	len = rtp(p, 100, 8, 4, 0xb2);
	lo_udp_send(w.fs[2], w.ports[2][0], p, len);
	expect_nothing(w.fb, 200);
	world_close(&w);
}

/* The bundle's peer holds (c=0.0.0.0, RFC 3264 8.4) and resumes on a new
 * port: the hold, set on the owner's leg, is every stream's (nothing goes
 * toward the peer, while what it sends, music on hold, still reaches each
 * stream's other peer); the resume's address is every stream's. */
static void test_hold_and_resume(void **state)
{
	struct world w;
	struct sockaddr_in held, nb;
	uint8_t p[200];
	size_t len;
	int fnb;

	world_open(&w, 0, false);
	routes(&w, true);
	held = w.ab;
	held.sin_addr.s_addr = htonl(INADDR_ANY);
	assert_int_equal(relay_leg_set_peer(w.c[0], 1, (struct sockaddr *)&held,
					    sizeof(held), false),
			 0);
	for (int i = 0; i < N; i++) {
		len = rtp(p, 100, 8, 1, 0xc0 + (uint32_t)i);
		lo_udp_send(w.fs[i], w.ports[i][0], p, len);
		expect_nothing(w.fb, i ? 20 : 200);
		len = rtp(p, 100, pt_of[i], 1, ssrc_of[i]);
		lo_udp_send(w.fb, w.ports[0][1], p, len);
		expect(w.fs[i], p, len, w.ports[i][0]);
	}
	fnb = lo_udp_open(&nb);
	assert_int_equal(relay_leg_set_peer(w.c[0], 1, (struct sockaddr *)&nb,
					    sizeof(nb), false),
			 0);
	for (int i = 0; i < N; i++) {
		len = rtp(p, 100, 8, 2, 0xc0 + (uint32_t)i);
		lo_udp_send(w.fs[i], w.ports[i][0], p, len);
		expect(fnb, p, len, w.ports[0][1]);
	}
	expect_nothing(w.fb, 20);
	close(fnb);
	world_close(&w);
}

static void test_no_alloc(void **state)
{
	struct world w;
	uint8_t p[300];
	size_t len;

	alloc_count_init();
	world_open(&w, 0, false);
	routes(&w, false); /* learning happens under the counter */
	/* every worker has run (a command each): their threads' own start-up
	 * (ASan's included) is behind us */
	{
		struct relay_totals tt;

		assert_int_equal(relay_totals(w.r, &tt), 0);
	}
	alloc_count_start();
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < N; i++) {
			len = rtp(p, 200, pt_of[i], (uint16_t)round, ssrc_of[i]);
			lo_udp_send(w.fb, w.ports[0][1], p, len);
			expect(w.fs[i], p, len, w.ports[i][0]);
		}
	}
	assert_int_equal(alloc_count_stop(), 0);
	world_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demux_both_ways),
		cmocka_unit_test(test_limits_and_uniqueness),
		cmocka_unit_test(test_latch_and_teardown),
		cmocka_unit_test(test_hold_and_resume),
		cmocka_unit_test(test_no_alloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Integration: the relay's crypto stage (relay_call_transcrypt, on
 * src/xsrtp) between plain UDP peers on 127.0.0.1 that protect and check
 * with libsrtp2 (src/srtp ksrtp_tx / ksrtp_rx, as the endpoints do):
 *   - every pair of profiles, in -> out (mixed: AEAD_AES_128_GCM in,
 *     AES128_CM_SHA1_80 out and the other way round...): SRTP and SRTCP
 *     come out protected with the out key, payload intact, one crypto_op
 *     per packet;
 *   - a sender whose SSRC changes and comes back, SRTCP on the leg's own
 *     RTCP port (RFC 3550 11): each SSRC's SRTP and SRTCP indices go on
 *     under the out key (an SRTCP index used twice under one key and SSRC
 *     is a two-time pad, and libsrtp2's replay check refuses it);
 *   - a transcrypt replaced with the same out key keeps its sender: SRTCP
 *     indices go on (draft 6.2);
 *   - XSRTP_STREAMS_DEFAULT SSRCs per direction: one more is dropped and
 *     counted.
 * The Figure 6 fallback with DTLS endpoints is in test_relay_ktr.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/sec.h"
#include "relay/relay.h"
#include "srtp/ksrtp.h"
#include "tests/lib/call_fix.h"
#include "tests/lib/lo_udp.h"
#include "xsrtp/xsrtp.h"

#define PAYLOAD 160
#define RTCP_SR 28 /* RFC 3550 6.4.1 sender report, no report blocks */

static const int profiles[] = {
	KSRTP_AES128_CM_SHA1_80,
	KSRTP_AES128_CM_SHA1_32,
	KSRTP_AEAD_AES_128_GCM,
	KSRTP_AEAD_AES_256_GCM,
};
#define N_PROFILES (sizeof(profiles) / sizeof(profiles[0]))

/* A call: the sender on leg 0 (fa; fa_rtcp for the leg's RTCP port), the
 * receiver on leg 1 (fb, muxed), checking with the out key. */
struct xw {
	struct relay *r;
	struct relay_call *c;
	uint16_t ports[2];
	int fa, fa_rtcp, fb;
	struct ksrtp_rx *rx;
	uint64_t sent;
};

static void xw_open(struct xw *w, struct relay *r,
		    const struct ksrtp_keymat *in,
		    const struct ksrtp_keymat *out)
{
	struct sockaddr_in a, b;

	memset(w, 0, sizeof(*w));
	w->r = r;
	w->fa = lo_udp_open(&a);
	w->fb = lo_udp_open(&b);
	w->fa_rtcp = -1;
	assert_int_equal(relay_call_alloc(r, &w->c, NULL, w->ports), 0);
	assert_int_equal(relay_leg_set_peer(w->c, 0, (struct sockaddr *)&a,
					    sizeof(a), false),
			 0);
	assert_int_equal(relay_leg_set_peer(w->c, 1, (struct sockaddr *)&b,
					    sizeof(b), false),
			 0);
	assert_int_equal(relay_call_transcrypt(w->c, 0, in, out), 0);
	assert_int_equal(ksrtp_rx_alloc(&w->rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(w->rx, true, 0, out, 0), 0);
}

/* Leg 0's peer does not mux: its SRTCP comes from fa_rtcp to the leg's
 * RTCP port. */
static void xw_rtcp_port(struct xw *w)
{
	struct sockaddr_in a;

	w->fa_rtcp = lo_udp_open(&a);
	assert_int_equal(relay_leg_set_rtcp_peer(w->c, 0, (struct sockaddr *)&a,
						 sizeof(a), false),
			 0);
}

static void xw_close(struct xw *w)
{
	relay_call_free(w->c);
	ksrtp_rx_free(w->rx);
	close(w->fa);
	close(w->fb);
	if (w->fa_rtcp >= 0)
		close(w->fa_rtcp);
}

/* Protect plain[0..len) with t, send it to the relay, receive what leg 1
 * forwards and unprotect it with the out key: the very plain packet. */
static void xw_through(struct xw *w, struct ksrtp_tx *t, const uint8_t *plain,
		       size_t len, bool rtcp)
{
	uint8_t pkt[512], got[512];
	size_t n = len;
	ssize_t m;
	uint16_t src = 0;

	memcpy(pkt, plain, len);
	assert_int_equal(rtcp ? ksrtp_tx_protect_rtcp(t, pkt, &n, sizeof(pkt)) :
				ksrtp_tx_protect(t, pkt, &n, sizeof(pkt)),
			 0);
	if (rtcp && w->fa_rtcp >= 0)
		lo_udp_send(w->fa_rtcp, relay_leg_rtcp_port(w->c, 0), pkt, n);
	else
		lo_udp_send(w->fa, w->ports[0], pkt, n);
	m = lo_udp_recv(w->fb, got, sizeof(got), 2000, &src);
	assert_true(m > 0);
	assert_int_equal(src, w->ports[1]);
	n = (size_t)m;
	assert_int_equal(rtcp ? ksrtp_rx_unprotect_rtcp(w->rx, got, &n) :
				ksrtp_rx_unprotect(w->rx, got, &n),
			 0);
	assert_int_equal(n, len);
	assert_memory_equal(got, plain, len);
	w->sent++;
}

/* RTP packet seq of ssrc (payload from the sequence number), through. */
static void xw_rtp(struct xw *w, struct ksrtp_tx *t, uint32_t ssrc,
		   uint16_t seq)
{
	uint8_t p[12 + PAYLOAD];
	struct buf_wr b;

	buf_wr_init(&b, p, sizeof(p));
	assert_int_equal(buf_put_u8(&b, 0x80), 0);
	assert_int_equal(buf_put_u8(&b, 0), 0);
	assert_int_equal(buf_put_u16(&b, seq), 0);
	assert_int_equal(buf_put_u32(&b, (uint32_t)seq * 160), 0);
	assert_int_equal(buf_put_u32(&b, ssrc), 0);
	memset(p + 12, (uint8_t)(seq * 7 + 1), PAYLOAD);
	xw_through(w, t, p, sizeof(p), false);
}

/* An RTCP sender report of ssrc (its counts from n), through. */
static void xw_rtcp(struct xw *w, struct ksrtp_tx *t, uint32_t ssrc,
		    uint32_t n)
{
	uint8_t p[RTCP_SR];
	struct buf_wr b;

	buf_wr_init(&b, p, sizeof(p));
	assert_int_equal(buf_put_u8(&b, 0x80), 0);
	assert_int_equal(buf_put_u8(&b, 200), 0);
	assert_int_equal(buf_put_u16(&b, RTCP_SR / 4 - 1), 0);
	assert_int_equal(buf_put_u32(&b, ssrc), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(buf_put_u32(&b, n * 1000 + (uint32_t)i), 0);
	xw_through(w, t, p, sizeof(p), true);
}

static struct relay *relay_new(void)
{
	struct relay_cfg cfg = {
		.bind_addr = "127.0.0.1",
		.port_min = 36000,
		.port_max = 37999,
		.workers = 1,
	};
	struct relay *r = NULL;

	assert_int_equal(relay_alloc(&r, &cfg), 0);
	return r;
}

static uint64_t crypto_ops(struct relay_call *c)
{
	struct relay_call_stats st;

	assert_int_equal(relay_call_stats(c, &st), 0);
	return st.leg[0].crypto_ops + st.rtcp[0].crypto_ops;
}

/* Every profile in, every profile out: 30 RTP packets (the sequence
 * number wrapping on the way: the ROC moves on both sides) and 6 SRTCP. */
static void test_xc_profile_pairs(void **state)
{
	struct relay *r = relay_new();

	for (size_t i = 0; i < N_PROFILES; i++) {
		for (size_t j = 0; j < N_PROFILES; j++) {
			struct ksrtp_keymat in, out;
			struct ksrtp_tx *t = NULL;
			struct xw w;
			uint32_t ssrc;

			call_fix_random_key(&in, profiles[i]);
			call_fix_random_key(&out, profiles[j]);
			assert_int_equal(sec_random(&ssrc, sizeof(ssrc)), 0);
			xw_open(&w, r, &in, &out);
			assert_int_equal(ksrtp_tx_alloc(&t, ssrc, &in), 0);
			for (uint32_t k = 0; k < 30; k++) {
				xw_rtp(&w, t, ssrc, (uint16_t)(65520 + k));
				if (k % 5 == 4)
					xw_rtcp(&w, t, ssrc, k);
			}
			assert_int_equal(crypto_ops(w.c), w.sent);
			assert_int_equal(w.sent, 36);
			ksrtp_tx_free(t);
			xw_close(&w);
			sec_wipe(&in, sizeof(in));
			sec_wipe(&out, sizeof(out));
		}
	}
	relay_free(r);
}

/* SSRC X, then Y, then X again (draft 4.4: a new SSRC under the same key),
 * SRTCP on the leg's RTCP port: the relay's sender continues each SSRC's
 * indices; the receiver (libsrtp2, replay checked) takes every packet. */
static void ssrc_return(int pin, int pout)
{
	struct relay *r = relay_new();
	struct ksrtp_keymat in, out;
	struct ksrtp_tx *tx = NULL, *ty = NULL;
	const uint32_t x = 0x1111aaaa, y = 0x2222bbbb;
	struct relay_call_stats st;
	struct xw w;

	call_fix_random_key(&in, pin);
	call_fix_random_key(&out, pout);
	xw_open(&w, r, &in, &out);
	xw_rtcp_port(&w);
	assert_int_equal(ksrtp_tx_alloc(&tx, x, &in), 0);
	assert_int_equal(ksrtp_tx_alloc(&ty, y, &in), 0);
	for (uint16_t k = 0; k < 10; k++)
		xw_rtp(&w, tx, x, (uint16_t)(100 + k));
	xw_rtcp(&w, tx, x, 1);
	xw_rtcp(&w, tx, x, 2);
	for (uint16_t k = 0; k < 10; k++)
		xw_rtp(&w, ty, y, (uint16_t)(5000 + k));
	xw_rtcp(&w, ty, y, 1);
	for (uint16_t k = 10; k < 20; k++)
		xw_rtp(&w, tx, x, (uint16_t)(100 + k));
	/* X's third and fourth reports: SRTCP indices 2 and 3 of X */
	xw_rtcp(&w, tx, x, 3);
	xw_rtcp(&w, tx, x, 4);
	for (uint16_t k = 10; k < 15; k++)
		xw_rtp(&w, ty, y, (uint16_t)(5000 + k));
	xw_rtcp(&w, ty, y, 2);
	assert_int_equal(relay_call_stats(w.c, &st), 0);
	assert_true(st.has_rtcp[0]);
	assert_int_equal(st.leg[0].crypto_ops, 35);
	assert_int_equal(st.rtcp[0].crypto_ops, 6);
	assert_int_equal(st.leg[0].dropped_other + st.rtcp[0].dropped_other, 0);
	ksrtp_tx_free(tx);
	ksrtp_tx_free(ty);
	xw_close(&w);
	relay_free(r);
	sec_wipe(&in, sizeof(in));
	sec_wipe(&out, sizeof(out));
}

static void test_xc_ssrc_return_cm(void **state)
{
	ssrc_return(KSRTP_AES128_CM_SHA1_80, KSRTP_AES128_CM_SHA1_80);
}

static void test_xc_ssrc_return_gcm_to_cm(void **state)
{
	ssrc_return(KSRTP_AEAD_AES_128_GCM, KSRTP_AES128_CM_SHA1_32);
}

/* relay_call_transcrypt again with a new in key and the same out key (the
 * SDES UA re-keyed): the out sender stays, so SRTCP under the out key goes
 * on from its index instead of starting over at 0. */
static void test_xc_replace_keeps_sender(void **state)
{
	struct relay *r = relay_new();
	struct ksrtp_keymat in, in2, out;
	struct ksrtp_tx *t = NULL, *t2 = NULL;
	const uint32_t x = 0x0badcafe;
	struct xw w;

	call_fix_random_key(&in, KSRTP_AEAD_AES_256_GCM);
	call_fix_random_key(&in2, KSRTP_AEAD_AES_256_GCM);
	call_fix_random_key(&out, KSRTP_AEAD_AES_128_GCM);
	xw_open(&w, r, &in, &out);
	assert_int_equal(ksrtp_tx_alloc(&t, x, &in), 0);
	assert_int_equal(ksrtp_tx_alloc(&t2, x, &in2), 0);
	for (uint16_t k = 0; k < 5; k++) {
		xw_rtp(&w, t, x, (uint16_t)(700 + k));
		xw_rtcp(&w, t, x, k);
	}
	assert_int_equal(relay_call_transcrypt(w.c, 0, &in2, &out), 0);
	for (uint16_t k = 5; k < 10; k++) {
		xw_rtp(&w, t2, x, (uint16_t)(700 + k));
		xw_rtcp(&w, t2, x, k);
	}
	assert_int_equal(crypto_ops(w.c), 20);
	ksrtp_tx_free(t);
	ksrtp_tx_free(t2);
	xw_close(&w);
	relay_free(r);
	sec_wipe(&in, sizeof(in));
	sec_wipe(&in2, sizeof(in2));
	sec_wipe(&out, sizeof(out));
}

/* A transcrypting direction holds XSRTP_STREAMS_DEFAULT SSRCs (the same
 * key for all, RFC 4568): a packet of one more is dropped and counted
 * (dropped_other), those already held go on. */
static void test_xc_ssrc_limit(void **state)
{
	struct relay *r = relay_new();
	struct ksrtp_keymat in, out;
	struct ksrtp_tx *t[XSRTP_STREAMS_DEFAULT + 1];
	struct relay_call_stats st;
	uint8_t p[12 + PAYLOAD], got[512];
	size_t n = 12;
	struct buf_wr b;
	struct xw w;

	call_fix_random_key(&in, KSRTP_AES128_CM_SHA1_80);
	call_fix_random_key(&out, KSRTP_AES128_CM_SHA1_80);
	xw_open(&w, r, &in, &out);
	for (uint32_t i = 0; i <= XSRTP_STREAMS_DEFAULT; i++)
		assert_int_equal(ksrtp_tx_alloc(&t[i], 0x5000 + i, &in), 0);
	for (uint32_t i = 0; i < XSRTP_STREAMS_DEFAULT; i++)
		xw_rtp(&w, t[i], 0x5000 + i, 1);
	/* one SSRC more: protected correctly, dropped by the relay */
	buf_wr_init(&b, p, sizeof(p));
	assert_int_equal(buf_put_u8(&b, 0x80), 0);
	assert_int_equal(buf_put_u8(&b, 0), 0);
	assert_int_equal(buf_put_u16(&b, 1), 0);
	assert_int_equal(buf_put_u32(&b, 160), 0);
	assert_int_equal(buf_put_u32(&b, 0x5000 + XSRTP_STREAMS_DEFAULT), 0);
	assert_int_equal(ksrtp_tx_protect(t[XSRTP_STREAMS_DEFAULT], p, &n,
					  sizeof(p)),
			 0);
	lo_udp_send(w.fa, w.ports[0], p, n);
	assert_true(lo_udp_recv(w.fb, got, sizeof(got), 300, NULL) < 0);
	xw_rtp(&w, t[0], 0x5000, 2);
	assert_int_equal(relay_call_stats(w.c, &st), 0);
	assert_int_equal(st.leg[0].dropped_other, 1);
	assert_int_equal(st.leg[0].crypto_ops, XSRTP_STREAMS_DEFAULT + 1);
	for (uint32_t i = 0; i <= XSRTP_STREAMS_DEFAULT; i++)
		ksrtp_tx_free(t[i]);
	xw_close(&w);
	relay_free(r);
	sec_wipe(&in, sizeof(in));
	sec_wipe(&out, sizeof(out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xc_profile_pairs),
		cmocka_unit_test(test_xc_ssrc_return_cm),
		cmocka_unit_test(test_xc_ssrc_return_gcm_to_cm),
		cmocka_unit_test(test_xc_replace_keeps_sender),
		cmocka_unit_test(test_xc_ssrc_limit),
	};

	assert_int_equal(ksrtp_init(), 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Integration: a BUNDLE (RFC 9143) of two streams through the relay to one
 * real DTLS-SRTP endpoint (src/ep) on one port and one DTLS association,
 * real OpenSSL DTLS and libsrtp2 on 127.0.0.1; two SDES endpoints, each on
 * its own stream's SDES leg. The test plays the B2BUA (media_bundle.c's
 * part): the DTLS UA's write key as both SDES UAs' receive key B.
 *   - KTR per SSRC (draft 4.4): each SDES UA's own key A_k reaches the DTLS
 *     UA in a new_srtp_key naming that stream's SSRC and first index, the
 *     two announcements one after the other on the one association; every
 *     packet of both streams authenticates at the DTLS UA (each with its
 *     own key), the DTLS UA's stream reaches its SDES UA, and the relay ran
 *     no per-packet crypto; an acknowledgement event per stream.
 *   - The fallback (no KTR): both streams protected with the association's
 *     one key toward the DTLS UA, which decrypts both; a second stream
 *     sending with the first one's SSRC under that shared key is dropped
 *     and counted (draft 6.2: one key, distinct SSRCs only).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/clk.h"
#include "base/sec.h"
#include "dtls/dtls.h"
#include "ep/ep.h"
#include "relay/relay.h"
#include "srtp/ksrtp.h"
#include "tests/lib/call_fix.h"
#include "tests/lib/lo_udp.h"
#include "tests/lib/media_log.h"

#define N_PKT 200
#define EV_MAX 32

struct bw {
	struct relay *r;
	struct dtls_ctx *sbc_ctx, *ua_ctx;
	struct relay_call *c[2];
	uint16_t ports[2][2];
	int fd_s[2], fd_d;
	struct sockaddr_in addr_s[2], addr_d;
	struct ep *sdes[2], *dtls;
	struct media_log log_s[2], log_d;
	struct relay_event ev[EV_MAX];
	size_t nev;
};

static void bw_open(struct bw *w, int profile, bool ktr)
{
	struct dtls_ctx_cfg dc = { .profiles = &profile, .n_profiles = 1,
				   .ktr_ext_type = KTR_EXT_TYPE_DEFAULT };
	struct relay_cfg rc = { .port_min = 43000, .port_max = 43999, .workers = 2 };
	struct sockaddr_in leg;
	struct ep_cfg ec = { .role = DTLS_ROLE_CLIENT, .ktr = ktr,
			     .on_media = media_log_on_media };
	const uint8_t pts[2] = { 0, 96 };

	memset(w, 0, sizeof(*w));
	assert_int_equal(dtls_ctx_alloc(&w->sbc_ctx, &dc), 0);
	assert_int_equal(dtls_ctx_alloc(&w->ua_ctx, &dc), 0);
	rc.dtls = w->sbc_ctx;
	assert_int_equal(relay_alloc(&w->r, &rc), 0);
	assert_int_equal(relay_call_alloc(w->r, &w->c[0], w, w->ports[0]), 0);
	assert_int_equal(relay_call_alloc_with(w->r, &w->c[1], w, w->ports[1], w->c[0]), 0);
	w->fd_d = lo_udp_open(&w->addr_d);
	for (int i = 0; i < 2; i++) {
		w->fd_s[i] = lo_udp_open(&w->addr_s[i]);
		assert_int_equal(relay_leg_set_peer(w->c[i], RELAY_LEG_SDES,
						    (struct sockaddr *)&w->addr_s[i],
						    sizeof(w->addr_s[i]), false),
				 0);
	}
	assert_int_equal(relay_leg_set_peer(w->c[0], RELAY_LEG_DTLS,
					    (struct sockaddr *)&w->addr_d,
					    sizeof(w->addr_d), false),
			 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(relay_bundle_join(w->c[0], RELAY_LEG_DTLS, w->c[i]), 0);
		assert_int_equal(relay_bundle_route(w->c[0], w->c[i], NULL, 0, &pts[i], 1), 0);
	}
	/* DTLS on the bundle's one port: the owner's */
	assert_int_equal(relay_leg_dtls_start(w->c[0], RELAY_LEG_DTLS, DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w->ua_ctx), ktr),
			 0);
	leg = lo_udp_addr(w->ports[0][RELAY_LEG_DTLS]);
	ec.peer_fingerprint = dtls_ctx_fingerprint(w->sbc_ctx);
	ec.media_arg = &w->log_d;
	assert_int_equal(ep_alloc(&w->dtls, w->ua_ctx, w->fd_d, (struct sockaddr *)&leg,
				  sizeof(leg), &ec),
			 0);
	assert_int_equal(ep_start(w->dtls, clk_now_ms()), 0);
}

static void bw_close(struct bw *w)
{
	for (int i = 0; i < 2; i++)
		ep_free(w->sdes[i]);
	ep_free(w->dtls);
	relay_call_free(w->c[1]);
	relay_call_free(w->c[0]);
	relay_free(w->r);
	dtls_ctx_free(w->sbc_ctx);
	dtls_ctx_free(w->ua_ctx);
	for (int i = 0; i < 2; i++)
		close(w->fd_s[i]);
	close(w->fd_d);
	for (size_t i = 0; i < w->nev; i++)
		relay_event_wipe(&w->ev[i]);
}

/* Serve all three endpoints for about ms. */
static void bw_pump(struct bw *w, int ms)
{
	uint64_t end = clk_now_ms() + (uint64_t)ms;

	do {
		struct ep *e1[2] = { w->sdes[0], w->dtls };
		int f1[2] = { w->fd_s[0], w->fd_d };
		struct ep *e2[2] = { w->sdes[1], NULL };
		int f2[2] = { w->fd_s[1], -1 };

		call_fix_pump(w->r, e1, f1, true, w->ev, &w->nev, EV_MAX, 1);
		call_fix_pump(w->r, e2, f2, true, w->ev, &w->nev, EV_MAX, 0);
	} while (clk_now_ms() < end);
}

static const struct relay_event *bw_wait(struct bw *w, enum relay_event_type t,
					 const struct relay_call *c, int ms)
{
	uint64_t end = clk_now_ms() + (uint64_t)ms;

	for (;;) {
		for (size_t i = 0; i < w->nev; i++)
			if (w->ev[i].type == t &&
			    (!c || w->ev[i].call_id == relay_call_id(c)))
				return &w->ev[i];
		if (clk_now_ms() >= end)
			return NULL;
		bw_pump(w, 10);
	}
}

/* SDES UA i: key A (its own), B (the DTLS UA's write key); stream 1 is
 * video-like (payload type 96). ssrc 0: random. */
static void bw_sdes(struct bw *w, int i, const struct ksrtp_keymat *a,
		    const struct ksrtp_keymat *b, uint32_t ssrc)
{
	struct sockaddr_in leg = lo_udp_addr(w->ports[i][RELAY_LEG_SDES]);
	struct ep_sdes_cfg sc = { .profile = a->profile, .local = *a, .remote = *b,
				  .ssrc = ssrc, .on_media = media_log_on_media,
				  .media_arg = &w->log_s[i] };
	struct ep_media_shape sh = { .pt = 96, .payload_len = MEDIA_LOG_PAYLOAD,
				     .pkts_per_frame = 1, .ts_per_frame = 160 };
	uint16_t seq;

	assert_int_equal(sec_random(&seq, sizeof(seq)), 0);
	sc.first_index = seq;
	assert_int_equal(ep_alloc_sdes(&w->sdes[i], w->fd_s[i], (struct sockaddr *)&leg,
				       sizeof(leg), &sc),
			 0);
	if (i == 1)
		assert_int_equal(ep_set_media_shape(w->sdes[i], &sh), 0);
	sec_wipe(&sc, sizeof(sc));
}

/* N_PKT RTP packets from each SDES UA and the DTLS UA, interleaved, an
 * SRTCP report after every 10th. */
static void bw_media(struct bw *w)
{
	struct ep *e[3] = { w->sdes[0], w->sdes[1], w->dtls };
	uint8_t pl[MEDIA_LOG_PAYLOAD];

	for (unsigned k = 0; k < N_PKT; k++) {
		for (int i = 0; i < 3; i++) {
			memset(pl, (uint8_t)ep_next_index(e[i]), sizeof(pl));
			assert_int_equal(ep_send_rtp(e[i], pl, sizeof(pl)), 0);
			if (k % 10 == 9)
				assert_int_equal(ep_send_rtcp(e[i]), 0);
		}
		bw_pump(w, 1);
	}
	bw_pump(w, 300);
}

static void test_ktr_per_ssrc(void **state)
{
	int profile = KSRTP_AES128_CM_SHA1_80;
	const struct relay_event *up, *ack[2];
	struct relay_call_stats st;
	struct relay_bundle_stats bs;
	struct ksrtp_keymat a[2], b;
	struct bw w;

	bw_open(&w, profile, true);
	up = bw_wait(&w, RELAY_EV_DTLS_UP, w.c[0], 10000);
	assert_non_null(up);
	assert_true(up->ktr);
	/* one association: no handshake on the member's leg */
	assert_null(bw_wait(&w, RELAY_EV_DTLS_UP, w.c[1], 0));
	call_fix_keymat(&b, &up->keys, false);
	for (int i = 0; i < 2; i++) {
		call_fix_random_key(&a[i], profile);
		bw_sdes(&w, i, &a[i], &b, 0);
	}
	assert_int_not_equal(ep_ssrc(w.sdes[0]), ep_ssrc(w.sdes[1]));
	for (int i = 0; i < 2; i++)
		assert_int_equal(relay_call_ktr_send_key(w.c[i], RELAY_LEG_DTLS, &a[i]), 0);
	bw_media(&w);
	for (int i = 0; i < 2; i++) {
		ack[i] = bw_wait(&w, RELAY_EV_KTR_ACKED, w.c[i], 5000);
		assert_non_null(ack[i]);
		/* the event carries that stream's own key */
		assert_true(ksrtp_keymat_equal(&ack[i]->peer_key, &a[i]));
	}
	bw_pump(&w, 300);
	/* Two new_srtp_key, one per SSRC, each installed at the DTLS UA */
	assert_int_equal(ep_stats(w.dtls)->keys_installed, 2);
	assert_false(ep_stats(w.dtls)->first_peer_key_any);
	assert_true(ep_stats(w.dtls)->first_peer_key_ssrc == ep_ssrc(w.sdes[0]) ||
		    ep_stats(w.dtls)->first_peer_key_ssrc == ep_ssrc(w.sdes[1]));
	/* Both streams authenticate at the DTLS UA, none lost or failed */
	assert_int_equal(ep_stats(w.dtls)->rtp_recv, 2 * N_PKT);
	assert_int_equal(w.log_d.rtp, 2 * N_PKT);
	assert_int_equal(w.log_d.bad_payload, 0);
	assert_int_equal(ep_stats(w.dtls)->auth_fail, 0);
	assert_int_equal(ep_stats(w.dtls)->no_key, 0);
	assert_int_equal(ep_stats(w.dtls)->rtcp_recv, 2 * N_PKT / 10);
	/* The DTLS UA's one stream (payload type 0) reached SDES UA 0 */
	assert_int_equal(ep_stats(w.sdes[0])->rtp_recv, N_PKT);
	assert_int_equal(ep_stats(w.sdes[0])->auth_fail, 0);
	assert_int_equal(ep_stats(w.sdes[1])->rtp_recv, 0);
	/* forwarded only: no crypto operation anywhere */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(relay_call_stats(w.c[i], &st), 0);
		assert_int_equal(st.leg[0].crypto_ops + st.leg[1].crypto_ops, 0);
		assert_false(st.transcrypt);
		assert_false(st.offloaded);
		assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts, N_PKT + N_PKT / 10);
	}
	assert_int_equal(relay_bundle_stats(w.c[0], &bs), 0);
	assert_int_equal(bs.members, 2);
	assert_int_equal(bs.unrouted, 0);
	sec_wipe(a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	bw_close(&w);
}

static void test_fallback_shared_key(void **state)
{
	int profile = KSRTP_AES128_CM_SHA1_80;
	const struct relay_event *up;
	struct relay_bundle_stats bs;
	struct relay_call_stats st0, st1;
	struct ksrtp_keymat a[2], b, c;
	struct bw w;

	bw_open(&w, profile, false);
	up = bw_wait(&w, RELAY_EV_DTLS_UP, w.c[0], 10000);
	assert_non_null(up);
	assert_false(up->ktr);
	call_fix_keymat(&b, &up->keys, false);
	call_fix_keymat(&c, &up->keys, true);
	for (int i = 0; i < 2; i++) {
		call_fix_random_key(&a[i], profile);
		bw_sdes(&w, i, &a[i], &b, 0);
		/* Figure 6 per stream, both under the association's key C */
		assert_int_equal(relay_call_transcrypt(w.c[i], RELAY_LEG_SDES, &a[i], &c), 0);
	}
	bw_media(&w);
	assert_int_equal(ep_stats(w.dtls)->rtp_recv, 2 * N_PKT);
	assert_int_equal(ep_stats(w.dtls)->auth_fail, 0);
	assert_int_equal(w.log_d.bad_payload, 0);
	assert_int_equal(ep_stats(w.sdes[0])->rtp_recv, N_PKT);
	assert_int_equal(relay_bundle_stats(w.c[0], &bs), 0);
	assert_int_equal(bs.ssrc_clash, 0);
	ep_free(w.sdes[1]);
	w.sdes[1] = NULL;

	/* Stream 1 now sends with stream 0's SSRC: under the shared key that
	 * would repeat keystream (draft 6.2): dropped, counted; stream 0 goes
	 * on authenticating. */
	assert_int_equal(relay_call_stats(w.c[1], &st1), 0);
	bw_sdes(&w, 1, &a[1], &b, ep_ssrc(w.sdes[0]));
	bw_media(&w);
	assert_int_equal(relay_bundle_stats(w.c[0], &bs), 0);
	assert_int_equal(bs.ssrc_clash, N_PKT + N_PKT / 10);
	assert_int_equal(relay_call_stats(w.c[1], &st0), 0);
	assert_int_equal(st0.leg[RELAY_LEG_SDES].fwd_pkts, st1.leg[RELAY_LEG_SDES].fwd_pkts);
	assert_int_equal(st0.leg[RELAY_LEG_SDES].dropped_other -
				 st1.leg[RELAY_LEG_SDES].dropped_other,
			 N_PKT + N_PKT / 10);
	assert_int_equal(ep_stats(w.dtls)->rtp_recv, 3 * N_PKT);
	assert_int_equal(ep_stats(w.dtls)->auth_fail, 0);
	sec_wipe(a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	sec_wipe(&c, sizeof(c));
	bw_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ktr_per_ssrc),
		cmocka_unit_test(test_fallback_shared_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

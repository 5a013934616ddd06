/*
 * Integration: KTR calls through the relay between two real endpoints
 * (src/ep) on 127.0.0.1, real OpenSSL DTLS handshakes on the relay's DTLS
 * leg, real libsrtp2 (the call: tests/lib/relay_world). The test plays the
 * B2BUA: it takes keys from the relay's events and configures the SDES
 * endpoint as the SDP answer would.
 *   - Figure 7 (call from the SDES side, DTLS UA with KTR): new_srtp_key(A)
 *     from the relay, B from the handshake to the SDES UA; media both ways
 *     authenticate at both ends and the relay ran no per-packet crypto.
 *     The one new_srtp_key names the SDES UA's SSRC and the index of its
 *     first packet (random first sequence number; a stream that wrapped
 *     while held), sent when that packet arrives; the stream waits in the
 *     relay until acknowledged (or given up on) and nothing is lost.
 *   - Figure 6 fallback (DTLS UA without KTR): SDES->DTLS transcrypted
 *     (A -> the SBC's exported key), DTLS->SDES forwarded untouched.
 *   - Call from the DTLS side: fresh B offered to the SDES UA, relay as DTLS
 *     client, new_srtp_key(A) + your_new_srtp_key(B); transcrypting only
 *     until the DTLS UA's switch to B, then forwarding untouched.
 *   - A later SDES key (re-INVITE) that the SDES UA starts using long
 *     after the relay announced it: nothing fails at the DTLS UA.
 *   - new_srtp_key_request answered, and a refused key transcrypted.
 * The DTLS leg's edge cases (wrong fingerprint, early ClientHello) are in
 * test_relay_dtls_edge.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/sec.h"
#include "dtls/dtls.h"
#include "ep/ep.h"
#include "ktr/ktr.h"
#include "relay/relay.h"
#include "srtp/ksrtp.h"
#include "tests/lib/call_fix.h"
#include "tests/lib/lo_udp.h"
#include "tests/lib/relay_world.h"

#define N_PKT RELAY_WORLD_N_PKT

/* Figure 7: call from the SDES side to a DTLS UA with KTR. */
static void ktr_call(int profile)
{
	struct relay_world w;
	const struct relay_event *up, *ack;
	uint64_t first;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b;

	relay_world_open(&w, profile);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 -EALREADY);
	relay_world_dtls_ua(&w, DTLS_ROLE_CLIENT, true);
	up = relay_world_wait_ev(&w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	assert_true(up->ktr);
	assert_int_equal(up->leg, RELAY_LEG_DTLS);
	assert_int_equal(up->keys.profile, profile);
	assert_true(ep_ktr(w.dtls));
	/* Step 5: B, the DTLS UA's own write key, goes into the SDES answer. */
	call_fix_keymat(&b, &up->keys, false);
	call_fix_random_key(&a, profile);
	relay_world_sdes_ua(&w, &a, &b);
	first = ep_next_index(w.sdes);
	/* Step 4: new_srtp_key(A) to the DTLS UA, once the SDES UA's first
	 * packet names its SSRC and sequence number: nothing is announced
	 * before it. */
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	relay_world_pump(&w, 300);
	assert_null(relay_world_find_ev(&w, RELAY_EV_KTR_ACKED));
	assert_int_equal(ep_stats(w.dtls)->keys_installed, 0);

	relay_world_media(&w, true, true);
	ack = relay_world_wait_ev(&w, RELAY_EV_KTR_ACKED, 5000);
	assert_non_null(ack);
	/* The one announcement named the SDES UA's real SSRC and the index
	 * of its first packet (ROC 0 | its random first sequence number). */
	assert_int_equal(ep_stats(w.dtls)->keys_installed, 1);
	assert_false(ep_stats(w.dtls)->first_peer_key_any);
	assert_int_equal(ep_stats(w.dtls)->first_peer_key_ssrc, ep_ssrc(w.sdes));
	assert_int_equal(ep_stats(w.dtls)->first_peer_key_index, first);
	assert_int_equal(ack->index, first);
	/* Held in the relay's socket until the DTLS UA had A, then forwarded:
	 * every packet arrived, none failed there. */
	relay_world_expect_all_authenticated(w.dtls, &w.log_d, true);
	relay_world_expect_all_authenticated(w.sdes, &w.log_s, true);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_true(st.dtls_up);
	assert_true(st.ktr);
	assert_false(st.transcrypt);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(st.leg[i].crypto_ops, 0);
		assert_int_equal(st.leg[i].fwd_pkts, N_PKT + N_PKT / 10);
		assert_int_equal(st.leg[i].dropped_src, 0);
		assert_int_equal(st.leg[i].fwd_errs, 0);
	}
	assert_true(st.leg[RELAY_LEG_DTLS].dtls_pkts > 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].dropped_other, 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].last_ssrc, ep_ssrc(w.sdes));
	assert_int_equal(ep_stats(w.dtls)->keys_installed, 1);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	relay_world_close(&w);
}

static void test_ktr_figure7_aes_cm(void **state)
{
	ktr_call(KSRTP_AES128_CM_SHA1_80);
}

static void test_ktr_figure7_gcm(void **state)
{
	ktr_call(KSRTP_AEAD_AES_128_GCM);
}

/* One RTP packet (SSRC 0x5bad5bad) to the SDES leg from a source that is
 * not the SDES UA. */
static void spoof_rtp(const struct relay_world *w, int fd)
{
	uint8_t p[12 + 160 + 10] = { 0x80, 0, 0, 7, 0, 0, 0, 0,
				     0x5b, 0xad, 0x5b, 0xad };

	lo_udp_send(fd, w->ports[RELAY_LEG_SDES], p, sizeof(p));
}

/* The first key's announcement waits for the SDES UA's stream: SRTCP and
 * a spoofed RTP packet before its first RTP packet name nothing (they are
 * dropped as held media), the first RTP packet after the key names the
 * SSRC and its index. That index carries the ROC: the stream started at
 * sequence number 65530 and wrapped while its packets were held before the
 * key was given (tracked all the same, RFC 3711 3.3.1). */
static void first_key_index(unsigned burst)
{
	struct relay_world w;
	const struct relay_event *ack;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b;
	struct sockaddr_in so;
	uint64_t first;
	int profile = KSRTP_AES128_CM_SHA1_80, fd_o;
	uint8_t pl[EP_MEDIA_PAYLOAD];

	relay_world_open(&w, profile);
	fd_o = lo_udp_open(&so);
	relay_world_ktr_up(&w, profile, &a, &b);
	relay_world_sdes_ua_at(&w, &a, &b, 65530);
	/* Early media, before the owner gave the key: held (dropped), in
	 * bursts of `burst` packets that the relay reads as one batch each
	 * (the record is kept once per batch: relay_fwd.c track_batch). */
	for (int i = 0; i < 10; i++) {
		memset(pl, (uint8_t)ep_next_index(w.sdes), sizeof(pl));
		assert_int_equal(ep_send_rtp(w.sdes, pl, sizeof(pl)), 0);
		if ((i + 1) % burst == 0)
			relay_world_pump(&w, 100);
	}
	relay_world_pump(&w, 100);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	assert_int_equal(ep_send_rtcp(w.sdes), 0);
	spoof_rtp(&w, fd_o);
	relay_world_pump(&w, 300);
	assert_null(relay_world_find_ev(&w, RELAY_EV_KTR_ACKED));
	assert_int_equal(ep_stats(w.dtls)->keys_installed, 0);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].dropped_src, 1);
	assert_int_equal(st.leg[RELAY_LEG_SDES].dropped_other, 11);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts, 0);

	first = ep_next_index(w.sdes);
	assert_int_equal(first, 65540); /* ROC 1, sequence number 4 */
	relay_world_media(&w, true, false);
	ack = relay_world_wait_ev(&w, RELAY_EV_KTR_ACKED, 5000);
	assert_non_null(ack);
	assert_int_equal(ack->index, first);
	assert_int_equal(ep_stats(w.dtls)->keys_installed, 1);
	assert_false(ep_stats(w.dtls)->first_peer_key_any);
	assert_int_equal(ep_stats(w.dtls)->first_peer_key_ssrc, ep_ssrc(w.sdes));
	assert_int_equal(ep_stats(w.dtls)->first_peer_key_index, first);
	relay_world_expect_all_authenticated(w.dtls, &w.log_d, true);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts, N_PKT + N_PKT / 10);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops, 0);
	close(fd_o);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	relay_world_close(&w);
}

/* All ten held packets in one batch: the wrap is inside it. */
static void test_ktr_first_key_index(void **state)
{
	first_key_index(10);
}

/* Batches of 4 (65530-65533, 65534-65537, ...): the wrap falls between
 * two batches' last packets. */
static void test_ktr_first_key_index_batches(void **state)
{
	first_key_index(4);
}

/* The first key's announcement never acknowledged (the DTLS UA reads
 * nothing meanwhile): the relay gives up and forwards the queued stream
 * anyway (draft 4.3.1: the speaker switches regardless). The DTLS UA had
 * the key waiting in its socket ahead of the packets: it decrypts all. */
static void test_ktr_first_key_gave_up(void **state)
{
	struct relay_world w;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b;
	struct ktr_sess_cfg kc = {
		.rtx_initial_ms = 50,
		.rtx_max_ms = 50,
		.rtx_limit = 3,
	};
	int profile = KSRTP_AES128_CM_SHA1_80;

	relay_world_open_ex(&w, profile, true, &kc);
	relay_world_ktr_up(&w, profile, &a, &b);
	relay_world_sdes_ua(&w, &a, &b);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	w.dtls_deaf = true;
	relay_world_media(&w, true, false);
	assert_non_null(relay_world_wait_ev(&w, RELAY_EV_KTR_GAVE_UP, 5000));
	relay_world_pump(&w, 200);
	assert_null(relay_world_find_ev(&w, RELAY_EV_KTR_ACKED));
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts, N_PKT + N_PKT / 10);
	assert_int_equal(st.leg[RELAY_LEG_SDES].dropped_other, 0);
	w.dtls_deaf = false;
	relay_world_pump(&w, 500);
	assert_int_equal(ep_stats(w.dtls)->first_peer_key_ssrc, ep_ssrc(w.sdes));
	relay_world_expect_all_authenticated(w.dtls, &w.log_d, true);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	relay_world_close(&w);
}

/* Figure 6: the DTLS UA does not speak KTR; the relay transcrypts
 * SDES->DTLS (SRTP and SRTCP, its crypto stage on OpenSSL: src/xsrtp) and
 * forwards DTLS->SDES untouched. The DTLS UA (libsrtp2) authenticates
 * every transcrypted packet: for each profile the handshake can
 * negotiate. */
static void fallback_figure6(int profile)
{
	struct relay_world w;
	const struct relay_event *up;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b, c;

	relay_world_open(&w, profile);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	relay_world_dtls_ua(&w, DTLS_ROLE_CLIENT, false);
	up = relay_world_wait_ev(&w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	assert_false(up->ktr);
	call_fix_keymat(&b, &up->keys, false);
	call_fix_keymat(&c, &up->keys, true);
	call_fix_random_key(&a, profile);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a),
			 -ENOTSUP);
	relay_world_sdes_ua(&w, &a, &b);
	assert_int_equal(relay_call_transcrypt(w.call, RELAY_LEG_SDES, &a, &c), 0);

	relay_world_media(&w, true, true);
	relay_world_expect_all_authenticated(w.dtls, &w.log_d, true);
	relay_world_expect_all_authenticated(w.sdes, &w.log_s, true);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_false(st.ktr);
	assert_true(st.transcrypt);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops, N_PKT + N_PKT / 10);
	assert_int_equal(st.leg[RELAY_LEG_DTLS].crypto_ops, 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts, N_PKT + N_PKT / 10);
	assert_int_equal(st.leg[RELAY_LEG_DTLS].fwd_pkts, N_PKT + N_PKT / 10);

	/* Stop transcrypting: A-packets now reach the DTLS UA untouched and
	 * fail there (it holds no A): the crypto stage really was in use. */
	assert_int_equal(relay_call_transcrypt(w.call, RELAY_LEG_SDES, NULL, NULL), 0);
	relay_world_media(&w, true, false);
	assert_int_equal(ep_stats(w.dtls)->rtp_recv, N_PKT);
	assert_true(ep_stats(w.dtls)->auth_fail + ep_stats(w.dtls)->no_key > 0);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	sec_wipe(&c, sizeof(c));
	relay_world_close(&w);
}

static void test_fallback_figure6(void **state)
{
	fallback_figure6(KSRTP_AES128_CM_SHA1_80);
}

static void test_fallback_figure6_cm32(void **state)
{
	fallback_figure6(KSRTP_AES128_CM_SHA1_32);
}

static void test_fallback_figure6_gcm128(void **state)
{
	fallback_figure6(KSRTP_AEAD_AES_128_GCM);
}

static void test_fallback_figure6_gcm256(void **state)
{
	fallback_figure6(KSRTP_AEAD_AES_256_GCM);
}

/* Call from the DTLS side (docs/design.md): the SDES UA was offered a fresh B;
 * the relay (a=setup:active) transcrypts the DTLS UA's packets from its
 * exported key to B only until the DTLS UA switches to the dictated B. */
static void test_dtls_originated_window(void **state)
{
	struct relay_world w;
	const struct relay_event *up, *pk;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b, b0;
	int profile = KSRTP_AES128_CM_SHA1_80;
	uint64_t xc;

	relay_world_open(&w, profile);
	relay_world_dtls_ua(&w, DTLS_ROLE_SERVER, true);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_CLIENT,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	up = relay_world_wait_ev(&w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	assert_true(up->ktr);
	call_fix_keymat(&b0, &up->keys, false);
	call_fix_random_key(&a, profile);
	call_fix_random_key(&b, profile);
	relay_world_sdes_ua(&w, &a, &b);
	assert_int_equal(relay_call_transcrypt(w.call, RELAY_LEG_DTLS, &b0, &b), 0);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	assert_int_equal(relay_call_ktr_dictate(w.call, RELAY_LEG_DTLS, &b), 0);
	pk = relay_world_wait_ev(&w, RELAY_EV_KTR_PEER_KEY, 5000);
	assert_non_null(pk);
	assert_int_equal(pk->peer_key.key_len, b.key_len);
	assert_memory_equal(pk->peer_key.key, b.key, b.key_len);
	assert_memory_equal(pk->peer_key.salt, b.salt, b.salt_len);
	assert_false(pk->any_ssrc);
	assert_int_equal(pk->ssrc, ep_ssrc(w.dtls));
	assert_true(pk->index > ep_next_index(w.dtls));
	assert_true(pk->index < N_PKT);

	relay_world_media(&w, true, true);
	relay_world_expect_all_authenticated(w.dtls, &w.log_d, true);
	/* SRTCP inside the window is dropped (relay.h), after it forwarded. */
	relay_world_expect_all_authenticated(w.sdes, &w.log_s, false);
	assert_true(ep_stats(w.sdes)->rtcp_recv > 0);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	xc = st.leg[RELAY_LEG_DTLS].crypto_ops;
	/* Exactly the packets below the switch index were transcrypted. */
	assert_int_equal(xc, pk->index);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops, 0);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	sec_wipe(&b0, sizeof(b0));
	relay_world_close(&w);
}

/* The same call as the SBC sets it up (relay_leg_dtls_prearm): the window's
 * transcrypts both ways, and what they did (relay_window): the DTLS leg's
 * ends at the index the DTLS UA announced in new_srtp_key(B), holding
 * exactly the packets transcrypted; the SDES leg's ends at the
 * acknowledgement of A (announced once the SDES UA's first packet showed
 * its SSRC), holding exactly what it transcrypted before; no other crypto
 * operation on the call. */
static void test_dtls_originated_window_counted(void **state)
{
	struct relay_world w;
	const struct relay_event *pk;
	struct relay_call_stats st;
	const struct relay_window *wd, *ws;
	struct ksrtp_keymat a, b;
	int profile = KSRTP_AES128_CM_SHA1_80;

	relay_world_open(&w, profile);
	call_fix_random_key(&a, profile);
	call_fix_random_key(&b, profile);
	assert_int_equal(relay_leg_dtls_prearm(w.call, RELAY_LEG_DTLS, &b, &a), 0);
	relay_world_dtls_ua(&w, DTLS_ROLE_SERVER, true);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_CLIENT,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	assert_non_null(relay_world_wait_ev(&w, RELAY_EV_DTLS_UP, 10000));
	relay_world_sdes_ua(&w, &a, &b);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	assert_int_equal(relay_call_ktr_dictate(w.call, RELAY_LEG_DTLS, &b), 0);
	pk = relay_world_wait_ev(&w, RELAY_EV_KTR_PEER_KEY, 5000);
	assert_non_null(pk);
	/* A is announced for the SDES UA's SSRC once its first packet shows
	 * it (relay.h): the acknowledgement comes during the media. */
	assert_null(relay_world_find_ev(&w, RELAY_EV_KTR_ACKED));

	relay_world_media(&w, true, true);
	assert_non_null(relay_world_wait_ev(&w, RELAY_EV_KTR_ACKED, 5000));
	relay_world_expect_all_authenticated(w.dtls, &w.log_d, true);
	relay_world_expect_all_authenticated(w.sdes, &w.log_s, false);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	wd = &st.window[RELAY_LEG_DTLS];
	ws = &st.window[RELAY_LEG_SDES];
	assert_true(wd->armed && wd->started && wd->closed);
	assert_int_equal(wd->end_index, pk->index);
	assert_true(wd->first_index < wd->end_index);
	assert_int_equal(wd->rtp_ops, relay_window_pkts(wd));
	assert_int_equal(wd->rtcp_ops, 0); /* SRTCP in the window is dropped */
	/* closed by the ack itself, holding exactly what it transcrypted */
	assert_true(ws->armed && ws->closed);
	assert_int_equal(ws->rtp_ops, relay_window_pkts(ws));
	/* every crypto operation of the call is one of the window's */
	assert_int_equal(st.leg[RELAY_LEG_DTLS].crypto_ops +
				 st.rtcp[RELAY_LEG_DTLS].crypto_ops,
			 wd->rtp_ops + wd->rtcp_ops);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops +
				 st.rtcp[RELAY_LEG_SDES].crypto_ops,
			 ws->rtp_ops + ws->rtcp_ops);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	relay_world_close(&w);
}

/* Issue 5: a later SDES key (a re-INVITE's A2) is announced for wherever
 * the SDES UA starts using it, which RFC 4568 does not fix: here 200
 * packets after the announcement, four times the relay's activate_ahead.
 * The DTLS UA keeps authenticating A until then and A2 from its first
 * packet on; the relay forwarded every packet untouched. */
static void test_ktr_sdes_rekey_late_switch(void **state)
{
	struct relay_world w;
	struct relay_call_stats st;
	struct ksrtp_keymat a, a2, b;
	uint64_t switches;
	int profile = KSRTP_AES128_CM_SHA1_80;

	relay_world_open(&w, profile);
	relay_world_ktr_up(&w, profile, &a, &b);
	call_fix_random_key(&a2, profile);
	relay_world_sdes_ua(&w, &a, &b);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	relay_world_media(&w, true, false);
	assert_non_null(relay_world_wait_ev(&w, RELAY_EV_KTR_ACKED, 5000));
	switches = ep_stats(w.dtls)->rx_switches;

	w.nev = 0;
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a2), 0);
	assert_non_null(relay_world_wait_ev(&w, RELAY_EV_KTR_ACKED, 5000));
	relay_world_media(&w, true, false); /* still A, far past activate_ahead */
	assert_int_equal(ep_stats(w.dtls)->auth_fail, 0);
	assert_int_equal(ep_stats(w.dtls)->rx_switches, switches);
	assert_int_equal(ep_sdes_rekey(w.sdes, &a2, NULL), 0);
	relay_world_media(&w, true, false); /* A2 */

	assert_int_equal(ep_stats(w.dtls)->rtp_recv, 3 * N_PKT);
	assert_int_equal(w.log_d.rtp, 3 * N_PKT);
	assert_int_equal(w.log_d.bad_payload, 0);
	assert_int_equal(ep_stats(w.dtls)->rtcp_recv, 3 * N_PKT / 10);
	assert_int_equal(ep_stats(w.dtls)->auth_fail, 0);
	assert_int_equal(ep_stats(w.dtls)->replay, 0);
	assert_int_equal(ep_stats(w.dtls)->rx_switches, switches + 1);
	assert_int_equal(ep_stats(w.sdes)->tx_switches, 1);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops, 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts, 3 * (N_PKT + N_PKT / 10));
	sec_wipe(&a, sizeof(a));
	sec_wipe(&a2, sizeof(a2));
	sec_wipe(&b, sizeof(b));
	relay_world_close(&w);
}

/* The SBC's re-key on demand: new_srtp_key_request, answered by the DTLS UA
 * with a fresh key of its own that it switches to (the SDES UA gets it as a
 * re-INVITE would give it); then the DTLS UA refuses the SDES UA's next key
 * (its listener policy) and the relay transcrypts that UA's new key A2 to
 * the key the DTLS UA acknowledged, A (draft 4.3.1), RTP only. */
static void test_ktr_request_and_refusal(void **state)
{
	struct relay_world w;
	const struct relay_event *up, *e;
	struct relay_call_stats st;
	struct ksrtp_keymat a, a2, b, b2;
	uint64_t rtcp_d;
	int profile = KSRTP_AES128_CM_SHA1_80;

	relay_world_open(&w, profile);
	w.ua_ktr.refuse_keys = true;
	w.ua_ktr.accept_keys = 1;
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	relay_world_dtls_ua(&w, DTLS_ROLE_CLIENT, true);
	up = relay_world_wait_ev(&w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	call_fix_keymat(&b, &up->keys, false);
	call_fix_random_key(&a, profile);
	call_fix_random_key(&a2, profile);
	relay_world_sdes_ua(&w, &a, &b);
	assert_int_equal(relay_call_ktr_request(w.call, RELAY_LEG_SDES), -EAGAIN);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	relay_world_media(&w, true, true); /* its first packet lets A be announced */
	e = relay_world_wait_ev(&w, RELAY_EV_KTR_ACKED, 5000);
	assert_non_null(e);
	assert_true(ksrtp_keymat_equal(&e->peer_key, &a));

	w.nev = 0;
	assert_int_equal(relay_call_ktr_request(w.call, RELAY_LEG_DTLS), 0);
	e = relay_world_wait_ev(&w, RELAY_EV_KTR_PEER_KEY, 5000);
	assert_non_null(e);
	assert_false(ksrtp_keymat_equal(&e->peer_key, &b));
	b2 = e->peer_key;
	assert_int_equal(ep_sdes_rekey(w.sdes, NULL, &b2), 0);
	relay_world_media(&w, true, true);
	assert_int_equal(ep_stats(w.dtls)->tx_switches, 1);
	assert_int_equal(ep_stats(w.sdes)->rx_switches, 1);
	assert_int_equal(ep_stats(w.sdes)->rtp_recv, 2 * N_PKT);
	assert_int_equal(ep_stats(w.sdes)->auth_fail, 0);

	w.nev = 0;
	rtcp_d = ep_stats(w.dtls)->rtcp_recv;
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a2), 0);
	e = relay_world_wait_ev(&w, RELAY_EV_KTR_REFUSED, 5000);
	assert_non_null(e);
	assert_int_equal(e->msg_type, KTR_NEW_SRTP_KEY);
	assert_int_equal(e->reason, KTR_FAIL_STATE);
	assert_true(ksrtp_keymat_equal(&e->peer_key, &a2));
	assert_int_equal(relay_call_transcrypt_rtp(w.call, RELAY_LEG_SDES, &a2, &a), 0);
	assert_int_equal(ep_sdes_rekey(w.sdes, &a2, NULL), 0);
	relay_world_media(&w, true, false);
	assert_int_equal(ep_stats(w.dtls)->rtp_recv, 3 * N_PKT);
	assert_int_equal(ep_stats(w.dtls)->auth_fail, 0);
	assert_int_equal(ep_stats(w.dtls)->replay, 0);
	assert_int_equal(ep_stats(w.dtls)->rtcp_recv, rtcp_d); /* dropped */
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops, N_PKT);
	assert_int_equal(st.leg[RELAY_LEG_SDES].dropped_other, N_PKT / 10);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&a2, sizeof(a2));
	sec_wipe(&b, sizeof(b));
	sec_wipe(&b2, sizeof(b2));
	relay_world_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ktr_figure7_aes_cm),
		cmocka_unit_test(test_ktr_figure7_gcm),
		cmocka_unit_test(test_ktr_first_key_index),
		cmocka_unit_test(test_ktr_first_key_index_batches),
		cmocka_unit_test(test_ktr_first_key_gave_up),
		cmocka_unit_test(test_fallback_figure6),
		cmocka_unit_test(test_fallback_figure6_cm32),
		cmocka_unit_test(test_fallback_figure6_gcm128),
		cmocka_unit_test(test_fallback_figure6_gcm256),
		cmocka_unit_test(test_dtls_originated_window),
		cmocka_unit_test(test_dtls_originated_window_counted),
		cmocka_unit_test(test_ktr_sdes_rekey_late_switch),
		cmocka_unit_test(test_ktr_request_and_refusal),
	};

	return cmocka_run_group_tests_name("relay_ktr", tests, NULL, NULL);
}

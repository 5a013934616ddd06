/*
 * Integration: two DTLS-SRTP endpoints (src/ep) on real UDP sockets on
 * 127.0.0.1, real OpenSSL handshakes, real libsrtp2, Key Transport between
 * them (draft sections 4.1-4.5). Each test is a whole call.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <srtp2/srtp.h>

#include "base/buf.h"
#include "base/clk.h"
#include "base/sec.h"
#include "dtls/dtls.h"
#include "ep/ep.h"
#include "ktr/ktr.h"
#include "srtp/ksrtp.h"
#include "tests/lib/media_log.h"
#include "tests/lib/udp_pair.h"

#define PAYLOAD_LEN 160

/* What one side received: every decrypted payload must be the one sent
 * for that packet index (the payload carries the index). */


struct call {
	struct udp_pair up;
	struct dtls_ctx *ctx[2];
	struct ep *ep[2]; /* 0 = client (A), 1 = server (B) */
	struct media_log log[2];
};

struct call_opts {
	bool ktr[2];
	int profile; /* 0 = all */
	bool wrong_fp; /* client expects a wrong server fingerprint */
	double drop;
	unsigned seed;
	uint32_t first_index[2];
	uint32_t activate_ahead;
};


static void call_pump(struct call *c, uint64_t ms)
{
	uint64_t end = clk_now_ms() + ms;

	for (;;) {
		uint64_t now = clk_now_ms();
		struct pollfd pfd[2] = {
			{ .fd = c->up.fd[0], .events = POLLIN },
			{ .fd = c->up.fd[1], .events = POLLIN },
		};
		int wait = (int)(end > now ? end - now : 0);

		for (int i = 0; i < 2; i++) {
			int64_t t = ep_timeout_ms(c->ep[i], now);

			if (t >= 0 && t < wait)
				wait = (int)t;
		}
		if (poll(pfd, 2, wait) > 0) {
			for (int i = 0; i < 2; i++)
				if (pfd[i].revents & POLLIN)
					ep_read(c->ep[i], clk_now_ms());
		}
		for (int i = 0; i < 2; i++)
			ep_timer(c->ep[i], clk_now_ms());
		if (clk_now_ms() >= end)
			return;
	}
}

/* Pump until both are established or one failed, at most ms. */
static bool call_handshake(struct call *c, uint64_t ms)
{
	uint64_t end = clk_now_ms() + ms;

	while (clk_now_ms() < end) {
		if (ep_established(c->ep[0]) && ep_established(c->ep[1]))
			return true;
		if (ep_failed(c->ep[0]) || ep_failed(c->ep[1]))
			return false;
		call_pump(c, 10);
	}
	return false;
}

static void call_open(struct call *c, const struct call_opts *o)
{
	int prof = o->profile;

	memset(c, 0, sizeof(*c));
	assert_int_equal(udp_pair_open(&c->up), 0);
	for (int i = 0; i < 2; i++) {
		struct dtls_ctx_cfg dc = {
			.profiles = prof ? &prof : NULL,
			.n_profiles = prof ? 1 : 0,
			.ktr_ext_type = KTR_EXT_TYPE_DEFAULT,
		};

		assert_int_equal(dtls_ctx_alloc(&c->ctx[i], &dc), 0);
	}
	for (int i = 0; i < 2; i++) {
		const char *fp = dtls_ctx_fingerprint(c->ctx[1 - i]);
		char bad[DTLS_FP_LEN];
		struct ep_cfg ec = {
			.role = i == 0 ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER,
			.peer_fingerprint = fp,
			.ktr = o->ktr[i],
			.first_index = o->first_index[i],
			.drop_dtls = o->drop,
			.drop_seed = o->seed + (unsigned)i * 7919u,
			.on_media = media_log_on_media,
			.media_arg = &c->log[i],
		};

		ec.ktr_cfg.activate_ahead = o->activate_ahead;
		if (i == 0 && o->wrong_fp) {
			snprintf(bad, sizeof(bad), "%s", fp);
			bad[0] = bad[0] == 'A' ? 'B' : 'A';
			ec.peer_fingerprint = bad;
		}
		/* The client knows where the server is; the server learns the
		 * client from its first datagram. */
		assert_int_equal(ep_alloc(&c->ep[i], c->ctx[i], c->up.fd[i],
					  i == 0 ? (struct sockaddr *)&c->up.addr[1] : NULL,
					  i == 0 ? sizeof(c->up.addr[1]) : 0, &ec),
				 0);
	}
	assert_int_equal(ep_start(c->ep[0], clk_now_ms()), 0);
}

static void call_close(struct call *c)
{
	for (int i = 0; i < 2; i++) {
		ep_free(c->ep[i]);
		dtls_ctx_free(c->ctx[i]);
	}
	udp_pair_close(&c->up);
}

/* Send n RTP packets from side i, pumping between them; an SRTCP report
 * every 10 packets. The payload is the index's low byte, repeated. */
static void send_media(struct call *c, int i, unsigned n)
{
	uint8_t payload[PAYLOAD_LEN];

	for (unsigned k = 0; k < n; k++) {
		memset(payload, (uint8_t)ep_next_index(c->ep[i]), sizeof(payload));
		assert_int_equal(ep_send_rtp(c->ep[i], payload, sizeof(payload)), 0);
		if (k % 10 == 9)
			assert_int_equal(ep_send_rtcp(c->ep[i]), 0);
		call_pump(c, 1);
	}
	call_pump(c, 50);
}

static bool pump_until_idle(struct call *c, uint64_t ms)
{
	uint64_t end = clk_now_ms() + ms;

	while (clk_now_ms() < end) {
		if (!ep_ktr_busy(c->ep[0]) && !ep_ktr_busy(c->ep[1]))
			return true;
		call_pump(c, 10);
	}
	return false;
}

static void kp_random(struct ktr_keyparams *kp, int profile)
{
	size_t kl, sl, tl;

	memset(kp, 0, sizeof(*kp));
	assert_int_equal(ksrtp_profile_lens(profile, &kl, &sl, &tl), 0);
	kp->key_len = (uint8_t)kl;
	kp->salt_len = (uint8_t)sl;
	kp->tag_len = (uint8_t)tl;
	assert_int_equal(sec_random(kp->key, kl), 0);
	assert_int_equal(sec_random(kp->salt, sl), 0);
}

/* A plain libsrtp2 sender, outside our srtp module, protecting with K. */
static void independent_send(struct call *c, const struct ktr_keyparams *kp,
			     int profile, uint32_t ssrc, uint16_t seq0,
			     unsigned n)
{
	srtp_policy_t pol;
	srtp_t s;
	uint8_t keysalt[46];

	memset(&pol, 0, sizeof(pol));
	assert_int_equal(srtp_crypto_policy_set_from_profile_for_rtp(
				 &pol.rtp, (srtp_profile_t)profile),
			 srtp_err_status_ok);
	assert_int_equal(srtp_crypto_policy_set_from_profile_for_rtcp(
				 &pol.rtcp, (srtp_profile_t)profile),
			 srtp_err_status_ok);
	memcpy(keysalt, kp->key, kp->key_len);
	memcpy(keysalt + kp->key_len, kp->salt, kp->salt_len);
	pol.key = keysalt;
	pol.ssrc.type = ssrc_specific;
	pol.ssrc.value = ssrc;
	pol.window_size = 128;
	assert_int_equal(srtp_create(&s, &pol), srtp_err_status_ok);
	for (unsigned k = 0; k < n; k++) {
		uint8_t pkt[256];
		struct buf_wr w;
		uint16_t seq = (uint16_t)(seq0 + k);
		int len;

		buf_wr_init(&w, pkt, sizeof(pkt));
		assert_int_equal(buf_put_u8(&w, 0x80), 0);
		assert_int_equal(buf_put_u8(&w, 0), 0);
		assert_int_equal(buf_put_u16(&w, seq), 0);
		assert_int_equal(buf_put_u32(&w, (uint32_t)seq * 160), 0);
		assert_int_equal(buf_put_u32(&w, ssrc), 0);
		for (int b = 0; b < PAYLOAD_LEN; b++)
			assert_int_equal(buf_put_u8(&w, (uint8_t)seq), 0);
		len = (int)w.len;
		assert_int_equal(srtp_protect(s, pkt, &len), srtp_err_status_ok);
		assert_true(send(c->up.fd[0], pkt, (size_t)len, 0) == len);
		if (k % 10 == 9) {
			/* RFC 3550 6.4.1 sender report, no report blocks. */
			buf_wr_init(&w, pkt, sizeof(pkt));
			assert_int_equal(buf_put_u8(&w, 0x80), 0);
			assert_int_equal(buf_put_u8(&w, 200), 0);
			assert_int_equal(buf_put_u16(&w, 6), 0);
			assert_int_equal(buf_put_u32(&w, ssrc), 0);
			for (int q = 0; q < 5; q++)
				assert_int_equal(buf_put_u32(&w, (uint32_t)k), 0);
			len = (int)w.len;
			assert_int_equal(srtp_protect_rtcp(s, pkt, &len),
					 srtp_err_status_ok);
			assert_true(send(c->up.fd[0], pkt, (size_t)len, 0) == len);
		}
		call_pump(c, 1);
	}
	srtp_dealloc(s);
	sec_wipe(keysalt, sizeof(keysalt));
	call_pump(c, 50);
}

/* Handshake with key_transport; A sends new_srtp_key(K); B decrypts with K
 * what a plain libsrtp2 sender protected with K, RTP and RTCP. */
static void key_transfer(int profile)
{
	struct call c;
	struct call_opts o = { .ktr = { true, true }, .profile = profile,
			       .activate_ahead = 1 };
	struct ktr_keyparams kp;
	const struct ep_stats *sb;

	call_open(&c, &o);
	assert_true(call_handshake(&c, 10000));
	assert_true(ep_ktr(c.ep[0]));
	assert_true(ep_ktr(c.ep[1]));
	assert_int_equal(ep_profile(c.ep[0]), profile);
	kp_random(&kp, profile);
	assert_int_equal(ep_announce(c.ep[0], &kp, clk_now_ms()), 0);
	assert_true(pump_until_idle(&c, 5000));
	sb = ep_stats(c.ep[1]);
	assert_int_equal(sb->keys_installed, 1);
	assert_int_equal(ep_stats(c.ep[0])->keys_activated, 1);
	/* The key takes effect at index 1; the plain sender starts at 100. */
	independent_send(&c, &kp, profile, ep_ssrc(c.ep[0]), 100, 100);
	assert_int_equal(sb->rtp_recv, 100);
	assert_int_equal(sb->rtcp_recv, 10);
	assert_int_equal(sb->auth_fail, 0);
	assert_int_equal(c.log[1].bad_payload, 0);
	assert_int_equal(c.log[1].rtp, 100);
	sec_wipe(&kp, sizeof(kp));
	call_close(&c);
}

static void test_key_transfer_aes_cm_80(void **state)
{
	key_transfer(KSRTP_AES128_CM_SHA1_80);
}

static void test_key_transfer_aes_cm_32(void **state)
{
	key_transfer(KSRTP_AES128_CM_SHA1_32);
}

static void test_key_transfer_gcm_128(void **state)
{
	key_transfer(KSRTP_AEAD_AES_128_GCM);
}

static void test_key_transfer_gcm_256(void **state)
{
	key_transfer(KSRTP_AEAD_AES_256_GCM);
}

/* A re-key at a chosen sequence number across a ROC wrap loses nothing:
 * start at seq 65500, announce after 10 packets, switch 40 packets later
 * (index 0x1000E: ROC 1, seq 14). */
static void test_rekey_across_roc_wrap(void **state)
{
	struct call c;
	struct call_opts o = { .ktr = { true, true },
			       .first_index = { 65500, 0 },
			       .activate_ahead = 40 };
	const struct ep_stats *sa, *sb;

	call_open(&c, &o);
	assert_true(call_handshake(&c, 10000));
	send_media(&c, 0, 10);
	assert_int_equal(ep_announce(c.ep[0], NULL, clk_now_ms()), 0);
	send_media(&c, 0, 190);
	sa = ep_stats(c.ep[0]);
	sb = ep_stats(c.ep[1]);
	assert_int_equal(ep_next_index(c.ep[0]), 65700);
	assert_int_equal(sa->tx_switches, 1);
	assert_int_equal(sa->keys_activated, 1);
	assert_int_equal(sb->keys_installed, 1);
	assert_int_equal(sb->rtp_recv, 200);
	assert_int_equal(sb->rtcp_recv, 20);
	assert_int_equal(sb->auth_fail, 0);
	assert_int_equal(sb->replay, 0);
	assert_int_equal(sb->rx_switches, 1);
	assert_int_equal(c.log[1].bad_payload, 0);
	call_close(&c);
}

/* A peer without the extension: nothing is sent by KTR, plain DTLS-SRTP
 * keys work both ways. Either side lacking it is enough. */
static void no_extension(bool client_ktr, bool server_ktr)
{
	struct call c;
	struct call_opts o = { .ktr = { client_ktr, server_ktr } };

	call_open(&c, &o);
	assert_true(call_handshake(&c, 10000));
	assert_false(ep_ktr(c.ep[0]));
	assert_false(ep_ktr(c.ep[1]));
	assert_int_equal(ep_announce(c.ep[0], NULL, clk_now_ms()), -ENOTSUP);
	assert_int_equal(ep_request(c.ep[1], clk_now_ms()), -ENOTSUP);
	assert_int_equal(dtls_conn_write(ep_dtls(c.ep[0]), (const uint8_t *)"x", 1),
			 -ENOTSUP);
	send_media(&c, 0, 50);
	send_media(&c, 1, 50);
	for (int i = 0; i < 2; i++) {
		const struct ep_stats *s = ep_stats(c.ep[i]);

		assert_int_equal(s->rtp_recv, 50);
		assert_int_equal(s->auth_fail, 0);
		assert_int_equal(s->keys_installed, 0);
		assert_int_equal(s->keys_announced, 0);
		assert_int_equal(s->ktr_bad_input, 0);
		assert_int_equal(c.log[i].bad_payload, 0);
	}
	call_close(&c);
}

static void test_no_extension_server(void **state)
{
	no_extension(true, false);
}

static void test_no_extension_client(void **state)
{
	no_extension(false, true);
}

static void test_wrong_fingerprint(void **state)
{
	struct call c;
	struct call_opts o = { .ktr = { true, true }, .wrong_fp = true };

	call_open(&c, &o);
	assert_false(call_handshake(&c, 10000));
	assert_int_equal(ep_failed(c.ep[0]), -EKEYREJECTED);
	assert_non_null(strstr(ep_error(c.ep[0]), "fingerprint"));
	assert_false(ep_established(c.ep[0]));
	assert_int_equal(ep_send_rtp(c.ep[0], (const uint8_t *)"x", 1), -EAGAIN);
	call_pump(&c, 300);
	assert_false(ep_established(c.ep[1]));
	call_close(&c);
}

/* 30 % of DTLS datagrams dropped in both directions: the handshake and
 * every KTR exchange still complete, by retransmission. */
static void test_loss_30_percent(void **state)
{
	static const unsigned seeds[] = { 1, 2, 3 };

	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		struct call c;
		struct call_opts o = { .ktr = { true, true }, .drop = 0.30,
				       .seed = seeds[s], .activate_ahead = 20 };
		const struct ep_stats *sa, *sb;

		call_open(&c, &o);
		assert_true(call_handshake(&c, 30000));
		assert_true(ep_ktr(c.ep[0]) && ep_ktr(c.ep[1]));
		/* Speaker's announcement, then the listener's request. */
		assert_int_equal(ep_announce(c.ep[0], NULL, clk_now_ms()), 0);
		assert_true(pump_until_idle(&c, 30000));
		assert_int_equal(ep_request(c.ep[0], clk_now_ms()), 0);
		assert_true(pump_until_idle(&c, 30000));
		sa = ep_stats(c.ep[0]);
		sb = ep_stats(c.ep[1]);
		assert_true(sa->dtls_dropped + sb->dtls_dropped > 0);
		assert_int_equal(sa->keys_activated, 1);
		assert_int_equal(sb->keys_installed, 1);
		assert_int_equal(sb->keys_activated, 1);
		assert_int_equal(sa->keys_installed, 1);
		assert_int_equal(sa->ktr_gave_up + sb->ktr_gave_up, 0);
		send_media(&c, 0, 60);
		send_media(&c, 1, 60);
		assert_int_equal(sb->rtp_recv, 60);
		assert_int_equal(sa->rtp_recv, 60);
		assert_int_equal(sa->auth_fail + sb->auth_fail, 0);
		assert_int_equal(sa->tx_switches, 1);
		assert_int_equal(sb->tx_switches, 1);
		call_close(&c);
	}
}

/* Malformed KTR records inside the real DTLS association: each is refused
 * with an error, and the association and KTR keep working afterwards. */
static void test_malformed_ktr_over_dtls(void **state)
{
	static const uint8_t bad[][40] = {
		/* truncated header */
		{ 0x02, 0x00, 0x00 },
		/* fragment longer than the message */
		{ 0x02, 0x00, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		  0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8 },
		/* oversize message */
		{ 0x02, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
		  0x00, 0x01, 0x00 },
		/* unknown type 77 */
		{ 0x4d, 0x00, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
		  0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8 },
		/* new_srtp_key with key_len 40 */
		{ 0x02, 0x00, 0x00, 0x10, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
		  0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01, 40, 0, 0, 0, 0, 0,
		  0, 0, 0, 0, 0 },
	};
	static const size_t bad_len[] = { 3, 20, 13, 20, 28 };
	/* Two fragments of message_seq 9 overlapping with different bytes. */
	static const uint8_t frag1[] = { 0x00, 0x00, 0x00, 0x08, 0x00, 0x09,
					 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
					 1, 2, 3, 4, 5 };
	static const uint8_t frag2[] = { 0x00, 0x00, 0x00, 0x08, 0x00, 0x09,
					 0x00, 0x00, 0x03, 0x00, 0x00, 0x05,
					 9, 9, 9, 9, 9 };
	struct call c;
	struct call_opts o = { .ktr = { true, true }, .activate_ahead = 5 };
	struct dtls_conn *da;
	const struct ep_stats *sb;

	call_open(&c, &o);
	assert_true(call_handshake(&c, 10000));
	da = ep_dtls(c.ep[0]);
	for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++)
		assert_int_equal(dtls_conn_write(da, bad[i], bad_len[i]), 0);
	assert_int_equal(dtls_conn_write(da, frag1, sizeof(frag1)), 0);
	assert_int_equal(dtls_conn_write(da, frag2, sizeof(frag2)), 0);
	call_pump(&c, 200);
	sb = ep_stats(c.ep[1]);
	assert_int_equal(sb->ktr_bad_input, 6);
	assert_int_equal(ep_failed(c.ep[1]), 0);
	assert_int_equal(sb->keys_installed, 0);
	/* Still working: a real announcement and media across the switch. */
	assert_int_equal(ep_announce(c.ep[0], NULL, clk_now_ms()), 0);
	assert_true(pump_until_idle(&c, 5000));
	send_media(&c, 0, 40);
	assert_int_equal(sb->keys_installed, 1);
	assert_int_equal(sb->rtp_recv, 40);
	assert_int_equal(sb->auth_fail, 0);
	call_close(&c);
}

/* your_new_srtp_key: B dictates A's next key; A announces it as its own
 * and switches; B decrypts across the switch. */
static void test_dictate(void **state)
{
	struct call c;
	struct call_opts o = { .ktr = { true, true }, .activate_ahead = 10 };
	const struct ep_stats *sa, *sb;

	call_open(&c, &o);
	assert_true(call_handshake(&c, 10000));
	send_media(&c, 0, 5);
	assert_int_equal(ep_dictate(c.ep[1], NULL, clk_now_ms()), 0);
	assert_true(pump_until_idle(&c, 5000));
	send_media(&c, 0, 45);
	sa = ep_stats(c.ep[0]);
	sb = ep_stats(c.ep[1]);
	assert_int_equal(sa->keys_announced, 1);
	assert_int_equal(sa->tx_switches, 1);
	assert_int_equal(sb->keys_installed, 1);
	assert_int_equal(sb->rtp_recv, 50);
	assert_int_equal(sb->auth_fail, 0);
	assert_int_equal(sb->rx_switches, 1);
	call_close(&c);
}

/* Section 4.4: A changes its SSRC and keeps the key; B keeps decrypting
 * (trial of the most recent key, then the announcement). */
static void test_ssrc_change(void **state)
{
	struct call c;
	struct call_opts o = { .ktr = { true, true }, .activate_ahead = 10 };
	const struct ep_stats *sb;
	uint32_t old;

	call_open(&c, &o);
	assert_true(call_handshake(&c, 10000));
	send_media(&c, 0, 20);
	old = ep_ssrc(c.ep[0]);
	assert_int_equal(ep_change_ssrc(c.ep[0], old ^ 0x01010101u, clk_now_ms()), 0);
	send_media(&c, 0, 30);
	sb = ep_stats(c.ep[1]);
	assert_int_equal(sb->rtp_recv, 50);
	assert_int_equal(sb->auth_fail, 0);
	assert_int_equal(c.log[1].last_ssrc, old ^ 0x01010101u);
	assert_int_equal(sb->keys_installed, 1);
	call_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_transfer_aes_cm_80),
		cmocka_unit_test(test_key_transfer_aes_cm_32),
		cmocka_unit_test(test_key_transfer_gcm_128),
		cmocka_unit_test(test_key_transfer_gcm_256),
		cmocka_unit_test(test_rekey_across_roc_wrap),
		cmocka_unit_test(test_no_extension_server),
		cmocka_unit_test(test_no_extension_client),
		cmocka_unit_test(test_wrong_fingerprint),
		cmocka_unit_test(test_loss_30_percent),
		cmocka_unit_test(test_malformed_ktr_over_dtls),
		cmocka_unit_test(test_dictate),
		cmocka_unit_test(test_ssrc_change),
	};

	ksrtp_init();
	return cmocka_run_group_tests_name("ktr_e2e", tests, NULL, NULL);
}

/*
 * Unit tests for src/dtls under adverse conditions: fingerprint mismatches,
 * handshakes over a lossy network, and garbage fed to a conn before, during
 * and after its handshake (tests/lib/dtlst moves the datagrams).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/clk.h"
#include "dtls/dtls.h"
#include "tests/lib/dtlst.h"

/* ---- tests ---------------------------------------------------------------- */

static void check_mismatch(bool client_wrong)
{
	static const char wrong[] = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
				    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
	struct dtls_ctx *cc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);
	struct dtls_ctx *sc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);
	struct dtlst_side *bad, *other;
	struct dtlst_net n;
	int rc;

	dtlst_net_open(&n, cc, sc, client_wrong ? wrong : NULL, client_wrong ? NULL : wrong, true,
		       true);
	bad = &n.s[client_wrong ? 0 : 1];
	other = &n.s[client_wrong ? 1 : 0];
	assert_int_equal(dtls_conn_start(n.s[0].c, clk_now_ms()), 0);
	/* The rejecting side fails at once; its bad_certificate alert fails
	 * the other side too. */
	assert_true(dtlst_net_pump(&n, dtlst_any_closed, DTLST_PUMP_LIMIT_MS));
	(void)dtlst_net_pump(&n, dtlst_both_established, 500);
	assert_int_equal(bad->n_closed, 1);
	assert_int_equal(bad->closed_err, -EKEYREJECTED);
	assert_int_equal(bad->n_established, 0);
	assert_non_null(strstr(dtls_conn_error(bad->c), "mismatch"));
	assert_false(dtls_conn_established(bad->c));
	rc = dtls_conn_input(bad->c, (const uint8_t *)"\x16", 1, clk_now_ms());
	assert_int_equal(rc, -EKEYREJECTED);
	assert_int_equal(dtls_conn_timer(bad->c, clk_now_ms()), -EKEYREJECTED);
	assert_int_equal(bad->n_closed, 1);
	assert_int_equal(other->n_closed, 1);
	assert_true(other->closed_err < 0);
	assert_false(dtls_conn_established(other->c));
	dtlst_net_close(&n);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

static void test_fp_mismatch_client(void **state)
{
	check_mismatch(true);
}

static void test_fp_mismatch_server(void **state)
{
	check_mismatch(false);
}

static void test_lossy_handshake(void **state)
{
	static const uint64_t seeds[] = { 1, 2, 3, 42, 1234567 };
	struct dtls_ctx *cc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 50);
	struct dtls_ctx *sc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 50);
	int dropped = 0;

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		struct dtlst_net n;

		dtlst_net_open(&n, cc, sc, NULL, NULL, true, true);
		n.rng = seeds[i] * 0x9e3779b97f4a7c15ULL + 1;
		n.drop_pct = 30;
		dtlst_handshake(&n);
		/* The client's established; the server may still need the
		 * client's retransmitted Finished to resend its last flight:
		 * records must flow both ways despite losses. */
		assert_int_equal(dtlst_keys_match(&n), DTLS_SRTP_AES128_CM_SHA1_80);
		for (int tries = 0; tries < 50 && !dtlst_rx_both(&n); tries++) {
			if (!n.s[1].n_rx)
				assert_int_equal(dtls_conn_write(n.s[0].c, (const uint8_t *)"c", 1), 0);
			if (!n.s[0].n_rx)
				assert_int_equal(dtls_conn_write(n.s[1].c, (const uint8_t *)"s", 1), 0);
			(void)dtlst_net_pump(&n, dtlst_rx_both, 100);
		}
		assert_true(dtlst_rx_both(&n));
		dropped += n.n_dropped;
		dtlst_net_close(&n);
	}
	assert_true(dropped > 0);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

static void feed_garbage(struct dtls_conn *c, uint64_t *rng, const uint8_t *real, size_t real_len)
{
	uint8_t g[300];

	for (int i = 0; i < 40; i++) {
		size_t len = 1 + dtlst_rng_next(rng) % sizeof(g);

		for (size_t j = 0; j < len; j++)
			g[j] = (uint8_t)dtlst_rng_next(rng);
		g[0] = (uint8_t)(i % 3 == 0 ? 22 : 20 + dtlst_rng_next(rng) % 44);
		if (i % 4 == 1 && len > 3) {
			g[1] = 0xfe; /* DTLS 1.2 version, so records parse further */
			g[2] = 0xfd;
		}
		(void)dtls_conn_input(c, g, len, clk_now_ms());
	}
	/* Well-formed epoch-0 handshake records with random bodies
	 * (RFC 6347 4.1 and 4.2.2 headers), as an off-path attacker could. */
	for (int i = 0; i < 40; i++) {
		size_t body = dtlst_rng_next(rng) % 200;
		struct buf_wr w;

		buf_wr_init(&w, g, sizeof(g));
		assert_int_equal(buf_put_u8(&w, 22), 0);
		assert_int_equal(buf_put_u16(&w, 0xfefd), 0);
		assert_int_equal(buf_put_u16(&w, 0), 0); /* epoch */
		assert_int_equal(buf_put_u16(&w, 0), 0); /* seq, 48 bits */
		assert_int_equal(buf_put_u32(&w, (uint32_t)(dtlst_rng_next(rng) % 64)), 0);
		assert_int_equal(buf_put_u16(&w, (uint16_t)(12 + body)), 0);
		/* msg_type */
		assert_int_equal(buf_put_u8(&w, (uint8_t)(dtlst_rng_next(rng) % 24)), 0);
		assert_int_equal(buf_put_u24(&w, (uint32_t)body), 0); /* length */
		/* message_seq */
		assert_int_equal(buf_put_u16(&w, (uint16_t)(dtlst_rng_next(rng) % 6)), 0);
		assert_int_equal(buf_put_u24(&w, 0), 0); /* fragment_offset */
		assert_int_equal(buf_put_u24(&w, (uint32_t)body), 0); /* fragment_length */
		for (size_t j = 0; j < body; j++)
			assert_int_equal(buf_put_u8(&w, (uint8_t)dtlst_rng_next(rng)), 0);
		(void)dtls_conn_input(c, g, w.len, clk_now_ms());
	}
	/* Truncated copies of a real record. */
	for (size_t t = 1; real && t < real_len; t += 7)
		(void)dtls_conn_input(c, real, t, clk_now_ms());
}

/* Capture the first datagram a side sends (for truncated-record input). */
static uint8_t first_dgram[2048];
static size_t first_len;

static int capture_send(void *arg, const uint8_t *data, size_t len)
{
	if (!first_len && len <= sizeof(first_dgram)) {
		memcpy(first_dgram, data, len);
		first_len = len;
	}
	return dtlst_side_send(arg, data, len);
}

static void test_garbage(void **state)
{
	struct dtls_ctx *cc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 50);
	struct dtls_ctx *sc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 50);
	struct dtls_conn_ops cap_ops = dtlst_side_ops;
	uint64_t rng = 77;
	struct dtlst_net n;

	cap_ops.send = capture_send;
	first_len = 0;
	/* Before any handshake: the server must survive garbage and still
	 * complete a handshake afterwards, or fail cleanly. */
	dtlst_net_open(&n, cc, sc, NULL, NULL, true, true);
	dtls_conn_free(n.s[0].c);
	assert_int_equal(dtls_conn_alloc(&n.s[0].c, cc, DTLS_ROLE_CLIENT, dtls_ctx_fingerprint(sc),
					 true, &cap_ops, &n.s[0]),
			 0);
	assert_int_equal(dtls_conn_start(n.s[0].c, clk_now_ms()), 0);
	assert_true(first_len > 13);
	feed_garbage(n.s[1].c, &rng, first_dgram, first_len);
	feed_garbage(n.s[0].c, &rng, first_dgram, first_len);
	assert_true(dtlst_net_pump(&n, dtlst_hs_over, DTLST_PUMP_LIMIT_MS));
	for (int i = 0; i < 2; i++)
		assert_true(n.s[i].n_closed <= 1);

	/* Mid-handshake: garbage after the first flights. */
	dtlst_net_close(&n);
	dtlst_net_open(&n, cc, sc, NULL, NULL, true, true);
	assert_int_equal(dtls_conn_start(n.s[0].c, clk_now_ms()), 0);
	(void)dtlst_net_pump(&n, dtlst_hs_over, 30); /* let a flight or two pass */
	feed_garbage(n.s[1].c, &rng, first_dgram, first_len);
	feed_garbage(n.s[0].c, &rng, first_dgram, first_len);
	assert_true(dtlst_net_pump(&n, dtlst_hs_over, DTLST_PUMP_LIMIT_MS));
	for (int i = 0; i < 2; i++) {
		assert_true(n.s[i].n_closed <= 1);
		if (n.s[i].n_closed)
			assert_true(n.s[i].closed_err < 0);
	}
	dtlst_net_close(&n);

	/* After the handshake: garbage is dropped and records still flow. */
	dtlst_net_open(&n, cc, sc, NULL, NULL, true, true);
	dtlst_handshake(&n);
	feed_garbage(n.s[1].c, &rng, first_dgram, first_len);
	feed_garbage(n.s[0].c, &rng, first_dgram, first_len);
	for (int i = 0; i < 2; i++) {
		if (n.s[i].n_closed) {
			/* Failing cleanly is allowed; it must be reported once. */
			assert_int_equal(n.s[i].n_closed, 1);
			assert_true(n.s[i].closed_err < 0);
		}
	}
	if (!dtlst_any_closed(&n)) {
		assert_int_equal(dtls_conn_write(n.s[0].c, (const uint8_t *)"hello", 5), 0);
		assert_int_equal(dtls_conn_write(n.s[1].c, (const uint8_t *)"world", 5), 0);
		assert_true(dtlst_net_pump(&n, dtlst_rx_both, 5000));
		assert_memory_equal(n.s[1].rx[0], "hello", 5);
		assert_memory_equal(n.s[0].rx[0], "world", 5);
	}
	dtlst_net_close(&n);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fp_mismatch_client),
		cmocka_unit_test(test_fp_mismatch_server),
		cmocka_unit_test(test_lossy_handshake),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests_name("dtls_adverse", tests, NULL, NULL);
}

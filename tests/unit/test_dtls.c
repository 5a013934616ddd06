/*
 * Unit tests for src/dtls: real DTLS 1.2 handshakes between a client and a
 * server conn over two UDP sockets on 127.0.0.1 (tests/lib/dtlst), the API's
 * arguments, profiles, KTR negotiation and records. Losses, garbage and
 * fingerprint mismatches are in test_dtls_adverse.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/clk.h"
#include "dtls/dtls.h"
#include "dtls/dtls_priv.h" /* bufs_freed */
#include "tests/lib/dtlst.h"

/* ---- tests ---------------------------------------------------------------- */

static void test_handshake_ktr(void **state)
{
	struct dtls_ctx *cc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);
	struct dtls_ctx *sc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);
	struct dtls_srtp_keys k;
	struct dtlst_net n;

	dtlst_net_open(&n, cc, sc, NULL, NULL, true, true);
	assert_int_equal(dtls_conn_srtp_keys(n.s[0].c, &k), -EAGAIN);
	assert_int_equal(dtls_conn_write(n.s[0].c, (const uint8_t *)"x", 1), -EAGAIN);
	dtlst_handshake(&n);
	assert_true(dtls_conn_ktr(n.s[0].c));
	assert_true(dtls_conn_ktr(n.s[1].c));
	assert_int_equal(dtlst_keys_match(&n), DTLS_SRTP_AES128_CM_SHA1_80);
	assert_int_equal(n.s[0].n_closed + n.s[1].n_closed, 0);
	assert_string_equal(dtls_conn_error(n.s[0].c), "");
	dtlst_net_close(&n);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

static void test_each_profile(void **state)
{
	static const int all[] = { DTLS_SRTP_AES128_CM_SHA1_80, DTLS_SRTP_AES128_CM_SHA1_32,
				   DTLS_SRTP_AEAD_AES_128_GCM, DTLS_SRTP_AEAD_AES_256_GCM };
	struct dtls_ctx *cc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);

	for (size_t i = 0; i < 4; i++) {
		struct dtls_ctx *sc = dtlst_ctx_new(&all[i], 1, DTLST_EXT_KTR, 0);
		struct dtlst_net n;

		dtlst_net_open(&n, cc, sc, NULL, NULL, true, true);
		dtlst_handshake(&n);
		assert_int_equal(dtlst_keys_match(&n), all[i]);
		assert_true(dtls_conn_ktr(n.s[0].c));
		dtlst_net_close(&n);
		dtls_ctx_free(sc);
	}
	/* Server order wins: the server prefers 256-GCM, the client lists it last. */
	{
		static const int pref[] = { DTLS_SRTP_AEAD_AES_256_GCM, DTLS_SRTP_AES128_CM_SHA1_80 };
		struct dtls_ctx *sc = dtlst_ctx_new(pref, 2, DTLST_EXT_KTR, 0);
		struct dtlst_net n;

		dtlst_net_open(&n, cc, sc, NULL, NULL, true, true);
		dtlst_handshake(&n);
		assert_int_equal(dtlst_keys_match(&n), DTLS_SRTP_AEAD_AES_256_GCM);
		dtlst_net_close(&n);
		dtls_ctx_free(sc);
	}
	dtls_ctx_free(cc);
}

static void test_no_common_profile(void **state)
{
	static const int p80[] = { DTLS_SRTP_AES128_CM_SHA1_80 };
	static const int p32[] = { DTLS_SRTP_AES128_CM_SHA1_32 };
	struct dtls_ctx *cc = dtlst_ctx_new(p80, 1, DTLST_EXT_KTR, 0);
	struct dtls_ctx *sc = dtlst_ctx_new(p32, 1, DTLST_EXT_KTR, 0);
	struct dtlst_net n;

	dtlst_net_open(&n, cc, sc, NULL, NULL, true, true);
	assert_int_equal(dtls_conn_start(n.s[0].c, clk_now_ms()), 0);
	assert_true(dtlst_net_pump(&n, dtlst_both_closed, DTLST_PUMP_LIMIT_MS));
	/* Both sides refuse an association without SRTP keys. The server must
	 * not echo key_transport without use_srtp: the client would abort
	 * with illegal_parameter (-EPROTO) instead of finishing the handshake
	 * and then finding no profile (-ENOTSUP). */
	assert_int_equal(n.s[0].closed_err, -ENOTSUP);
	assert_int_equal(n.s[1].closed_err, -ENOTSUP);
	assert_int_equal(n.s[0].n_established + n.s[1].n_established, 0);
	assert_false(dtls_conn_ktr(n.s[0].c));
	assert_false(dtls_conn_ktr(n.s[1].c));
	assert_int_equal(dtls_conn_write(n.s[0].c, (const uint8_t *)"x", 1), -ENOTSUP);
	dtlst_net_close(&n);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

static void test_app_records(void **state)
{
	struct dtls_ctx *cc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);
	struct dtls_ctx *sc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);
	uint8_t a[300], b[1000], big[1300];
	struct dtlst_net n;
	int sent;

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 13 + 5);
	memset(big, 0xab, sizeof(big));
	dtlst_net_open(&n, cc, sc, NULL, NULL, true, true);
	dtlst_handshake(&n);
	/* Established and between calls: no record buffers held (memory per
	 * call); the writes and reads below allocate them again. */
	assert_true(n.s[0].c->bufs_freed);
	assert_true(n.s[1].c->bufs_freed);
	assert_int_equal(dtls_conn_write(n.s[0].c, a, sizeof(a)), 0);
	assert_int_equal(dtls_conn_write(n.s[1].c, b, sizeof(b)), 0);
	assert_true(dtlst_net_pump(&n, dtlst_rx_both, 5000));
	assert_true(n.s[0].c->bufs_freed && n.s[0].c->depth == 0);
	assert_true(n.s[1].c->bufs_freed && n.s[1].c->depth == 0);
	assert_int_equal(n.s[1].n_rx, 1);
	assert_int_equal(n.s[1].rx_len[0], sizeof(a));
	assert_memory_equal(n.s[1].rx[0], a, sizeof(a));
	assert_int_equal(n.s[0].n_rx, 1);
	assert_int_equal(n.s[0].rx_len[0], sizeof(b));
	assert_memory_equal(n.s[0].rx[0], b, sizeof(b));
	assert_true(n.s[0].max_sent <= DTLS_MTU_DEFAULT);
	assert_true(n.s[1].max_sent <= DTLS_MTU_DEFAULT);
	/* A record that would not fit the 1200-byte MTU is refused, unsent. */
	sent = n.s[0].n_sent;
	assert_int_equal(dtls_conn_write(n.s[0].c, big, sizeof(big)), -EMSGSIZE);
	assert_int_equal(dtls_conn_write(n.s[0].c, big, 0), -EINVAL);
	assert_int_equal(n.s[0].n_sent, sent);
	dtlst_net_close(&n);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

/* KTR must be offered by the client AND echoed by the server. */
static void check_no_ktr(struct dtls_ctx *cc, struct dtls_ctx *sc, bool offer_c, bool offer_s)
{
	struct dtlst_net n;
	int sent0, sent1;

	dtlst_net_open(&n, cc, sc, NULL, NULL, offer_c, offer_s);
	dtlst_handshake(&n);
	assert_false(dtls_conn_ktr(n.s[0].c));
	assert_false(dtls_conn_ktr(n.s[1].c));
	sent0 = n.s[0].n_sent;
	sent1 = n.s[1].n_sent;
	assert_int_equal(dtls_conn_write(n.s[0].c, (const uint8_t *)"key", 3), -ENOTSUP);
	assert_int_equal(dtls_conn_write(n.s[1].c, (const uint8_t *)"key", 3), -ENOTSUP);
	assert_int_equal(n.s[0].n_sent, sent0);
	assert_int_equal(n.s[1].n_sent, sent1);
	assert_int_equal(dtlst_keys_match(&n), DTLS_SRTP_AES128_CM_SHA1_80);
	dtlst_net_close(&n);
}

static void test_ktr_not_negotiated(void **state)
{
	struct dtls_ctx *ck = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);
	struct dtls_ctx *sk = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);
	struct dtls_ctx *c0 = dtlst_ctx_new(NULL, 0, 0, 0);
	struct dtls_ctx *s0 = dtlst_ctx_new(NULL, 0, 0, 0);

	check_no_ktr(ck, sk, true, false); /* only the client offers */
	check_no_ktr(ck, sk, false, true); /* only the server would echo */
	check_no_ktr(c0, s0, true, true); /* ext_type 0 on both */
	check_no_ktr(c0, sk, true, true); /* client context has no code point */
	check_no_ktr(ck, s0, true, true); /* server ignores the extension */
	dtls_ctx_free(ck);
	dtls_ctx_free(sk);
	dtls_ctx_free(c0);
	dtls_ctx_free(s0);
}

/* Read "sha256 Fingerprint=AB:..." from `openssl x509` into fp. */
static int openssl_fingerprint(const char *cert, char fp[DTLS_FP_LEN])
{
	char cmd[512], line[256];
	FILE *f;
	char *eq;
	int rc = -1;

	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -fingerprint -sha256 -in %s", cert);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f) && (eq = strchr(line, '='))) {
		eq[strcspn(eq, "\r\n")] = '\0';
		snprintf(fp, DTLS_FP_LEN, "%s", eq + 1);
		rc = 0;
	}
	if (pclose(f) != 0)
		rc = -1;
	return rc;
}

static void test_pem_files(void **state)
{
	char dir[] = "/tmp/test_dtls.XXXXXX";
	char cert[128], key[128], cmd[1024], fp[DTLS_FP_LEN];
	struct dtls_ctx_cfg cfg = { .ktr_ext_type = DTLST_EXT_KTR };
	struct dtls_ctx *fc = NULL, *gc;
	uint8_t a[32], b[32];
	struct dtlst_net n;

	assert_non_null(mkdtemp(dir));
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		 "-keyout %s -out %s -days 2 -subj /CN=test >/dev/null 2>&1",
		 key, cert);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(openssl_fingerprint(cert, fp), 0);

	/* Only one of the two files: refused. */
	cfg.cert_file = cert;
	assert_int_equal(dtls_ctx_alloc(&fc, &cfg), -EINVAL);
	cfg.key_file = "/nonexistent/key.pem";
	assert_int_equal(dtls_ctx_alloc(&fc, &cfg), -EIO);
	cfg.key_file = key;
	assert_int_equal(dtls_ctx_alloc(&fc, &cfg), 0);
	assert_string_equal(dtls_ctx_fingerprint(fc), fp);
	assert_int_equal(dtls_fingerprint_parse(fp, a), 0);
	assert_int_equal(dtls_fingerprint_parse(dtls_ctx_fingerprint(fc), b), 0);
	assert_memory_equal(a, b, sizeof(a));

	/* The file-backed identity as server, then as client. */
	gc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);
	dtlst_net_open(&n, gc, fc, NULL, NULL, true, true);
	dtlst_handshake(&n);
	assert_int_equal(dtlst_keys_match(&n), DTLS_SRTP_AES128_CM_SHA1_80);
	dtlst_net_close(&n);
	dtlst_net_open(&n, fc, gc, NULL, NULL, true, true);
	dtlst_handshake(&n);
	assert_true(dtls_conn_ktr(n.s[1].c));
	dtlst_net_close(&n);

	dtls_ctx_free(fc);
	dtls_ctx_free(gc);
	unlink(cert);
	unlink(key);
	rmdir(dir);
}

static bool server_closed(const struct dtlst_net *n)
{
	return n->s[1].n_closed > 0;
}

/* A small MTU: handshake messages are fragmented (RFC 6347 4.2.3), no
 * datagram exceeds it, and records are bounded by it. */
static void test_small_mtu(void **state)
{
	struct dtls_ctx_cfg cfg = { .ktr_ext_type = DTLST_EXT_KTR, .mtu = 300 };
	struct dtls_ctx *cc = NULL, *sc = NULL;
	uint8_t rec[300];
	struct dtlst_net n;

	memset(rec, 0x5a, sizeof(rec));
	assert_int_equal(dtls_ctx_alloc(&cc, &cfg), 0);
	assert_int_equal(dtls_ctx_alloc(&sc, &cfg), 0);
	dtlst_net_open(&n, cc, sc, NULL, NULL, true, true);
	dtlst_handshake(&n);
	assert_int_equal(dtlst_keys_match(&n), DTLS_SRTP_AES128_CM_SHA1_80);
	assert_true(n.s[1].n_sent > 3); /* the server's flight did not fit one datagram */
	assert_true(n.s[0].max_sent <= 300);
	assert_true(n.s[1].max_sent <= 300);
	assert_int_equal(dtls_conn_write(n.s[0].c, rec, sizeof(rec)), -EMSGSIZE);
	assert_int_equal(dtls_conn_write(n.s[0].c, rec, 200), 0);
	assert_true(n.s[0].max_sent <= 300);
	dtlst_net_close(&n);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

static void test_shutdown(void **state)
{
	struct dtls_ctx *cc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);
	struct dtls_ctx *sc = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);
	struct dtlst_net n;

	dtlst_net_open(&n, cc, sc, NULL, NULL, true, true);
	assert_int_equal(dtls_conn_shutdown(n.s[0].c), -EAGAIN);
	dtlst_handshake(&n);
	assert_int_equal(dtls_conn_shutdown(n.s[0].c), 0);
	assert_false(dtls_conn_established(n.s[0].c));
	assert_int_equal(dtls_conn_write(n.s[0].c, (const uint8_t *)"x", 1), -EPIPE);
	assert_true(dtlst_net_pump(&n, server_closed, 5000));
	assert_int_equal(n.s[1].n_closed, 1);
	assert_int_equal(n.s[1].closed_err, 0);
	assert_int_equal(n.s[0].n_closed, 0);
	dtlst_net_close(&n);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

static void test_ctx_cfg_rejected(void **state)
{
	static const int bad_id[] = { 3 };
	static const int dup[] = { 1, 1 };
	static const uint16_t bad_ext[] = { 0xFF01, 0x000E, 0x0010, 0x0017, 0x002B };
	struct dtls_ctx_cfg cfg = { 0 };
	struct dtls_ctx *c = NULL;

	for (size_t i = 0; i < sizeof(bad_ext) / sizeof(bad_ext[0]); i++) {
		cfg.ktr_ext_type = bad_ext[i];
		assert_int_equal(dtls_ctx_alloc(&c, &cfg), -EINVAL);
		assert_null(c);
	}
	cfg.ktr_ext_type = DTLST_EXT_KTR;
	cfg.profiles = bad_id;
	cfg.n_profiles = 1;
	assert_int_equal(dtls_ctx_alloc(&c, &cfg), -EINVAL);
	cfg.profiles = dup;
	cfg.n_profiles = 2;
	assert_int_equal(dtls_ctx_alloc(&c, &cfg), -EINVAL);
	cfg.profiles = NULL;
	cfg.mtu = 100;
	assert_int_equal(dtls_ctx_alloc(&c, &cfg), -EINVAL);
	cfg.mtu = 0;
	cfg.key_file = "k.pem";
	assert_int_equal(dtls_ctx_alloc(&c, &cfg), -EINVAL);
	assert_int_equal(dtls_ctx_alloc(&c, NULL), -EINVAL);
	assert_null(c);
	cfg.key_file = NULL;
	cfg.ktr_ext_type = 0xFF00;
	assert_int_equal(dtls_ctx_alloc(&c, &cfg), 0);
	dtls_ctx_free(c);
	dtls_ctx_free(NULL);
}

static void test_conn_args(void **state)
{
	struct dtls_ctx *c = dtlst_ctx_new(NULL, 0, DTLST_EXT_KTR, 0);
	struct dtls_conn_ops no_send = { 0 };
	struct dtls_conn *d = NULL;
	struct dtlst_side s = { .fd = -1 };

	assert_int_equal(dtls_conn_alloc(&d, c, DTLS_ROLE_CLIENT, NULL, true, &dtlst_side_ops, &s),
			 -EINVAL);
	assert_int_equal(dtls_conn_alloc(&d, c, DTLS_ROLE_CLIENT, "AB:CD", true, &dtlst_side_ops,
					 &s),
			 -EINVAL);
	assert_int_equal(dtls_conn_alloc(&d, c, DTLS_ROLE_CLIENT, dtls_ctx_fingerprint(c), true,
					 &no_send, &s),
			 -EINVAL);
	assert_null(d);
	assert_int_equal(dtls_conn_alloc(&d, c, DTLS_ROLE_SERVER, dtls_ctx_fingerprint(c), true,
					 &dtlst_side_ops, &s),
			 0);
	/* A server that heard nothing has no timer and sends nothing. */
	assert_int_equal(dtls_conn_start(d, 0), 0);
	assert_int_equal(dtls_conn_timeout_ms(d, 0), -1);
	assert_int_equal(s.n_sent, 0);
	assert_false(dtls_conn_established(d));
	assert_false(dtls_conn_ktr(d));
	dtls_conn_free(d);
	dtls_conn_free(NULL);
	dtls_ctx_free(c);
}

static void test_handshake_deadline(void **state)
{
	struct dtls_ctx_cfg cfg = { .handshake_timeout_ms = 1000 };
	struct dtls_ctx *c = NULL;
	struct dtlst_side s = { .fd = -1 };
	struct dtls_conn *d = NULL;

	assert_int_equal(dtls_ctx_alloc(&c, &cfg), 0);
	assert_int_equal(dtls_conn_alloc(&d, c, DTLS_ROLE_CLIENT, dtls_ctx_fingerprint(c), false,
					 &dtlst_side_ops, &s),
			 0);
	assert_int_equal(dtls_conn_start(d, 5000), 0);
	assert_int_equal(s.n_sent, 1); /* ClientHello (send fails: no socket) */
	assert_true(dtls_conn_timeout_ms(d, 5000) > 0);
	assert_true(dtls_conn_timeout_ms(d, 5000) <= 1000);
	assert_int_equal(dtls_conn_timeout_ms(d, 6000), 0);
	assert_int_equal(dtls_conn_timer(d, 6000), -ETIMEDOUT);
	assert_int_equal(s.n_closed, 1);
	assert_int_equal(s.closed_err, -ETIMEDOUT);
	assert_int_equal(dtls_conn_timeout_ms(d, 6000), -1);
	assert_int_equal(dtls_conn_timer(d, 7000), -ETIMEDOUT);
	assert_int_equal(s.n_closed, 1);
	dtls_conn_free(d);
	dtls_ctx_free(c);
}

static void test_fingerprint_parse(void **state)
{
	static const char up[] = "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:"
				 "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF";
	static const char lo[] = "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:"
				 "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef";
	uint8_t a[32], b[32], keep[32];
	char bad[DTLS_FP_LEN];

	assert_int_equal(dtls_fingerprint_parse(up, a), 0);
	assert_int_equal(a[0], 0x01);
	assert_int_equal(a[5], 0xab);
	assert_int_equal(a[31], 0xef);
	assert_int_equal(dtls_fingerprint_parse(lo, b), 0);
	assert_memory_equal(a, b, 32);
	memcpy(keep, b, 32);
	assert_int_equal(dtls_fingerprint_parse(NULL, b), -EBADMSG);
	assert_int_equal(dtls_fingerprint_parse("", b), -EBADMSG);
	assert_int_equal(dtls_fingerprint_parse("01:23", b), -EBADMSG);
	memcpy(bad, up, sizeof(up));
	bad[2] = '-';
	assert_int_equal(dtls_fingerprint_parse(bad, b), -EBADMSG);
	memcpy(bad, up, sizeof(up));
	bad[94] = 'G';
	assert_int_equal(dtls_fingerprint_parse(bad, b), -EBADMSG);
	assert_int_equal(dtls_fingerprint_parse("sha-256 01:23", b), -EBADMSG);
	assert_memory_equal(b, keep, 32);
}

static void test_profile_names(void **state)
{
	static const int ids[] = { 1, 2, 7, 8 };
	size_t kl, sl;

	for (size_t i = 0; i < 4; i++)
		assert_int_equal(dtls_profile_parse(dtls_profile_name(ids[i])), ids[i]);
	assert_string_equal(dtls_profile_name(1), "SRTP_AES128_CM_SHA1_80");
	assert_string_equal(dtls_profile_name(8), "SRTP_AEAD_AES_256_GCM");
	assert_null(dtls_profile_name(3));
	assert_true(dtls_profile_parse("SRTP_NULL_SHA1_80") < 0);
	assert_true(dtls_profile_parse(NULL) < 0);
	assert_int_equal(dtls_profile_lens(7, &kl, &sl), 0);
	assert_int_equal(kl, 16);
	assert_int_equal(sl, 12);
	assert_int_equal(dtls_profile_lens(8, &kl, &sl), 0);
	assert_int_equal(kl, 32);
	assert_int_equal(dtls_profile_lens(2, &kl, &sl), 0);
	assert_int_equal(sl, 14);
	assert_true(dtls_profile_lens(0, &kl, &sl) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint_parse),
		cmocka_unit_test(test_profile_names),
		cmocka_unit_test(test_ctx_cfg_rejected),
		cmocka_unit_test(test_conn_args),
		cmocka_unit_test(test_handshake_deadline),
		cmocka_unit_test(test_handshake_ktr),
		cmocka_unit_test(test_each_profile),
		cmocka_unit_test(test_no_common_profile),
		cmocka_unit_test(test_app_records),
		cmocka_unit_test(test_ktr_not_negotiated),
		cmocka_unit_test(test_pem_files),
		cmocka_unit_test(test_small_mtu),
		cmocka_unit_test(test_shutdown),
	};

	return cmocka_run_group_tests_name("dtls", tests, NULL, NULL);
}

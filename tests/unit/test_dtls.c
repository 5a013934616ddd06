/*
 * Unit tests for src/dtls: real DTLS 1.2 handshakes between a client and a
 * server conn over two UDP sockets on 127.0.0.1, moved by a small poll()
 * loop that can drop datagrams and inject garbage.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/clk.h"
#include "base/sec.h"
#include "dtls/dtls.h"
#include "dtls/dtls_priv.h" /* bufs_freed */
#include "tests/lib/udp_pair.h"

#define EXT_KTR 0xFF7Au
#define PUMP_LIMIT_MS 20000 /* give up a handshake after 20 s real time */

/* Test PRNG (xorshift64*): reproducible drops and garbage per seed. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

struct side {
	struct dtls_conn *c;
	int fd;
	int n_sent;
	size_t max_sent; /* largest datagram sent */
	int n_established;
	int n_closed;
	int closed_err;
	int n_rx;
	uint8_t rx[4][2048];
	size_t rx_len[4];
};

struct net {
	struct udp_pair up;
	struct side s[2]; /* 0 = client, 1 = server */
	unsigned drop_pct;
	uint64_t rng;
	int n_dropped;
};

static int side_send(void *arg, const uint8_t *data, size_t len)
{
	struct side *s = arg;

	s->n_sent++;
	if (len > s->max_sent)
		s->max_sent = len;
	return send(s->fd, data, len, 0) == (ssize_t)len ? 0 : -errno;
}

static void side_established(void *arg)
{
	((struct side *)arg)->n_established++;
}

static void side_recv(void *arg, const uint8_t *data, size_t len)
{
	struct side *s = arg;

	if (s->n_rx < 4 && len <= sizeof(s->rx[0])) {
		memcpy(s->rx[s->n_rx], data, len);
		s->rx_len[s->n_rx] = len;
	}
	s->n_rx++;
}

static void side_closed(void *arg, int err)
{
	struct side *s = arg;

	s->n_closed++;
	s->closed_err = err;
}

static const struct dtls_conn_ops side_ops = {
	.send = side_send,
	.established = side_established,
	.recv = side_recv,
	.closed = side_closed,
};

static struct dtls_ctx *ctx_new(const int *profiles, size_t n, uint16_t ext, unsigned rtx_ms)
{
	struct dtls_ctx_cfg cfg = {
		.profiles = profiles,
		.n_profiles = n,
		.ktr_ext_type = ext,
		.retransmit_ms = rtx_ms,
	};
	struct dtls_ctx *c = NULL;

	assert_int_equal(dtls_ctx_alloc(&c, &cfg), 0);
	assert_non_null(c);
	return c;
}

/* Connect client conn (ctx cc) and server conn (ctx sc). A NULL fingerprint
 * means "the right one". */
static void net_open(struct net *n, struct dtls_ctx *cc, struct dtls_ctx *sc,
		     const char *client_expects, const char *server_expects, bool offer_c,
		     bool offer_s)
{
	memset(n, 0, sizeof(*n));
	assert_int_equal(udp_pair_open(&n->up), 0);
	n->s[0].fd = n->up.fd[0];
	n->s[1].fd = n->up.fd[1];
	n->rng = 0x9e3779b97f4a7c15ULL;
	assert_int_equal(dtls_conn_alloc(&n->s[0].c, cc, DTLS_ROLE_CLIENT,
					 client_expects ? client_expects : dtls_ctx_fingerprint(sc),
					 offer_c, &side_ops, &n->s[0]),
			 0);
	assert_int_equal(dtls_conn_alloc(&n->s[1].c, sc, DTLS_ROLE_SERVER,
					 server_expects ? server_expects : dtls_ctx_fingerprint(cc),
					 offer_s, &side_ops, &n->s[1]),
			 0);
	dtls_conn_set_cookie_id(n->s[1].c, &n->up.addr[0], sizeof(n->up.addr[0]));
}

static void net_close(struct net *n)
{
	dtls_conn_free(n->s[0].c);
	dtls_conn_free(n->s[1].c);
	udp_pair_close(&n->up);
}

static bool both_established(const struct net *n)
{
	return dtls_conn_established(n->s[0].c) && dtls_conn_established(n->s[1].c);
}

static bool any_closed(const struct net *n)
{
	return n->s[0].n_closed || n->s[1].n_closed;
}

static bool both_closed(const struct net *n)
{
	return n->s[0].n_closed && n->s[1].n_closed;
}

static bool hs_over(const struct net *n)
{
	return both_established(n) || any_closed(n);
}

static bool rx_both(const struct net *n)
{
	return n->s[0].n_rx > 0 && n->s[1].n_rx > 0;
}

/*
 * Move datagrams and fire timers until done(n) or limit_ms of real time.
 * Returns true when done(n) became true.
 */
static bool net_pump(struct net *n, bool (*done)(const struct net *), uint64_t limit_ms)
{
	uint64_t end = clk_now_ms() + limit_ms;
	uint8_t buf[4096];

	while (!done(n)) {
		uint64_t now = clk_now_ms();
		struct pollfd pfd[2];
		int wait = 20;

		if (now >= end)
			return false;
		for (int i = 0; i < 2; i++) {
			int64_t t = dtls_conn_timeout_ms(n->s[i].c, now);

			if (t == 0)
				(void)dtls_conn_timer(n->s[i].c, now);
			else if (t > 0 && t < wait)
				wait = (int)t;
			pfd[i].fd = n->s[i].fd;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, 2, wait) < 0)
			return false;
		for (int i = 0; i < 2; i++) {
			ssize_t len;

			if (!(pfd[i].revents & POLLIN))
				continue;
			while ((len = recv(n->s[i].fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
				if (n->drop_pct && rng_next(&n->rng) % 100 < n->drop_pct) {
					n->n_dropped++;
					continue;
				}
				(void)dtls_conn_input(n->s[i].c, buf, (size_t)len, clk_now_ms());
			}
		}
	}
	return true;
}

static void handshake(struct net *n)
{
	assert_int_equal(dtls_conn_start(n->s[0].c, clk_now_ms()), 0);
	assert_true(net_pump(n, hs_over, PUMP_LIMIT_MS));
	assert_true(both_established(n));
	assert_int_equal(n->s[0].n_established, 1);
	assert_int_equal(n->s[1].n_established, 1);
}

/* Client local == server remote and vice versa; returns the profile. */
static int assert_keys_match(const struct net *n)
{
	struct dtls_srtp_keys kc, ks;
	size_t kl, sl;
	int profile;

	assert_int_equal(dtls_conn_srtp_keys(n->s[0].c, &kc), 0);
	assert_int_equal(dtls_conn_srtp_keys(n->s[1].c, &ks), 0);
	assert_int_equal(kc.profile, ks.profile);
	assert_int_equal(dtls_profile_lens(kc.profile, &kl, &sl), 0);
	assert_int_equal(kc.key_len, kl);
	assert_int_equal(ks.key_len, kl);
	assert_int_equal(kc.salt_len, sl);
	assert_memory_equal(kc.local_key, ks.remote_key, kl);
	assert_memory_equal(kc.remote_key, ks.local_key, kl);
	assert_memory_equal(kc.local_salt, ks.remote_salt, sl);
	assert_memory_equal(kc.remote_salt, ks.local_salt, sl);
	assert_memory_not_equal(kc.local_key, kc.remote_key, kl);
	profile = kc.profile;
	sec_wipe(&kc, sizeof(kc));
	sec_wipe(&ks, sizeof(ks));
	return profile;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_handshake_ktr(void **state)
{
	struct dtls_ctx *cc = ctx_new(NULL, 0, EXT_KTR, 0);
	struct dtls_ctx *sc = ctx_new(NULL, 0, EXT_KTR, 0);
	struct dtls_srtp_keys k;
	struct net n;

	net_open(&n, cc, sc, NULL, NULL, true, true);
	assert_int_equal(dtls_conn_srtp_keys(n.s[0].c, &k), -EAGAIN);
	assert_int_equal(dtls_conn_write(n.s[0].c, (const uint8_t *)"x", 1), -EAGAIN);
	handshake(&n);
	assert_true(dtls_conn_ktr(n.s[0].c));
	assert_true(dtls_conn_ktr(n.s[1].c));
	assert_int_equal(assert_keys_match(&n), DTLS_SRTP_AES128_CM_SHA1_80);
	assert_int_equal(n.s[0].n_closed + n.s[1].n_closed, 0);
	assert_string_equal(dtls_conn_error(n.s[0].c), "");
	net_close(&n);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

static void test_each_profile(void **state)
{
	static const int all[] = { DTLS_SRTP_AES128_CM_SHA1_80, DTLS_SRTP_AES128_CM_SHA1_32,
				   DTLS_SRTP_AEAD_AES_128_GCM, DTLS_SRTP_AEAD_AES_256_GCM };
	struct dtls_ctx *cc = ctx_new(NULL, 0, EXT_KTR, 0);

	for (size_t i = 0; i < 4; i++) {
		struct dtls_ctx *sc = ctx_new(&all[i], 1, EXT_KTR, 0);
		struct net n;

		net_open(&n, cc, sc, NULL, NULL, true, true);
		handshake(&n);
		assert_int_equal(assert_keys_match(&n), all[i]);
		assert_true(dtls_conn_ktr(n.s[0].c));
		net_close(&n);
		dtls_ctx_free(sc);
	}
	/* Server order wins: the server prefers 256-GCM, the client lists it last. */
	{
		static const int pref[] = { DTLS_SRTP_AEAD_AES_256_GCM, DTLS_SRTP_AES128_CM_SHA1_80 };
		struct dtls_ctx *sc = ctx_new(pref, 2, EXT_KTR, 0);
		struct net n;

		net_open(&n, cc, sc, NULL, NULL, true, true);
		handshake(&n);
		assert_int_equal(assert_keys_match(&n), DTLS_SRTP_AEAD_AES_256_GCM);
		net_close(&n);
		dtls_ctx_free(sc);
	}
	dtls_ctx_free(cc);
}

static void test_no_common_profile(void **state)
{
	static const int p80[] = { DTLS_SRTP_AES128_CM_SHA1_80 };
	static const int p32[] = { DTLS_SRTP_AES128_CM_SHA1_32 };
	struct dtls_ctx *cc = ctx_new(p80, 1, EXT_KTR, 0);
	struct dtls_ctx *sc = ctx_new(p32, 1, EXT_KTR, 0);
	struct net n;

	net_open(&n, cc, sc, NULL, NULL, true, true);
	assert_int_equal(dtls_conn_start(n.s[0].c, clk_now_ms()), 0);
	assert_true(net_pump(&n, both_closed, PUMP_LIMIT_MS));
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
	net_close(&n);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

static void test_app_records(void **state)
{
	struct dtls_ctx *cc = ctx_new(NULL, 0, EXT_KTR, 0);
	struct dtls_ctx *sc = ctx_new(NULL, 0, EXT_KTR, 0);
	uint8_t a[300], b[1000], big[1300];
	struct net n;
	int sent;

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 13 + 5);
	memset(big, 0xab, sizeof(big));
	net_open(&n, cc, sc, NULL, NULL, true, true);
	handshake(&n);
	/* Established and between calls: no record buffers held (memory per
	 * call); the writes and reads below allocate them again. */
	assert_true(n.s[0].c->bufs_freed);
	assert_true(n.s[1].c->bufs_freed);
	assert_int_equal(dtls_conn_write(n.s[0].c, a, sizeof(a)), 0);
	assert_int_equal(dtls_conn_write(n.s[1].c, b, sizeof(b)), 0);
	assert_true(net_pump(&n, rx_both, 5000));
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
	net_close(&n);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

/* KTR must be offered by the client AND echoed by the server. */
static void check_no_ktr(struct dtls_ctx *cc, struct dtls_ctx *sc, bool offer_c, bool offer_s)
{
	struct net n;
	int sent0, sent1;

	net_open(&n, cc, sc, NULL, NULL, offer_c, offer_s);
	handshake(&n);
	assert_false(dtls_conn_ktr(n.s[0].c));
	assert_false(dtls_conn_ktr(n.s[1].c));
	sent0 = n.s[0].n_sent;
	sent1 = n.s[1].n_sent;
	assert_int_equal(dtls_conn_write(n.s[0].c, (const uint8_t *)"key", 3), -ENOTSUP);
	assert_int_equal(dtls_conn_write(n.s[1].c, (const uint8_t *)"key", 3), -ENOTSUP);
	assert_int_equal(n.s[0].n_sent, sent0);
	assert_int_equal(n.s[1].n_sent, sent1);
	assert_int_equal(assert_keys_match(&n), DTLS_SRTP_AES128_CM_SHA1_80);
	net_close(&n);
}

static void test_ktr_not_negotiated(void **state)
{
	struct dtls_ctx *ck = ctx_new(NULL, 0, EXT_KTR, 0);
	struct dtls_ctx *sk = ctx_new(NULL, 0, EXT_KTR, 0);
	struct dtls_ctx *c0 = ctx_new(NULL, 0, 0, 0);
	struct dtls_ctx *s0 = ctx_new(NULL, 0, 0, 0);

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

static void check_mismatch(bool client_wrong)
{
	static const char wrong[] = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
				    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
	struct dtls_ctx *cc = ctx_new(NULL, 0, EXT_KTR, 0);
	struct dtls_ctx *sc = ctx_new(NULL, 0, EXT_KTR, 0);
	struct side *bad, *other;
	struct net n;
	int rc;

	net_open(&n, cc, sc, client_wrong ? wrong : NULL, client_wrong ? NULL : wrong, true, true);
	bad = &n.s[client_wrong ? 0 : 1];
	other = &n.s[client_wrong ? 1 : 0];
	assert_int_equal(dtls_conn_start(n.s[0].c, clk_now_ms()), 0);
	/* The rejecting side fails at once; its bad_certificate alert fails
	 * the other side too. */
	assert_true(net_pump(&n, any_closed, PUMP_LIMIT_MS));
	(void)net_pump(&n, both_established, 500);
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
	net_close(&n);
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
	struct dtls_ctx_cfg cfg = { .ktr_ext_type = EXT_KTR };
	struct dtls_ctx *fc = NULL, *gc;
	uint8_t a[32], b[32];
	struct net n;

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
	gc = ctx_new(NULL, 0, EXT_KTR, 0);
	net_open(&n, gc, fc, NULL, NULL, true, true);
	handshake(&n);
	assert_int_equal(assert_keys_match(&n), DTLS_SRTP_AES128_CM_SHA1_80);
	net_close(&n);
	net_open(&n, fc, gc, NULL, NULL, true, true);
	handshake(&n);
	assert_true(dtls_conn_ktr(n.s[1].c));
	net_close(&n);

	dtls_ctx_free(fc);
	dtls_ctx_free(gc);
	unlink(cert);
	unlink(key);
	rmdir(dir);
}

static void test_lossy_handshake(void **state)
{
	static const uint64_t seeds[] = { 1, 2, 3, 42, 1234567 };
	struct dtls_ctx *cc = ctx_new(NULL, 0, EXT_KTR, 50);
	struct dtls_ctx *sc = ctx_new(NULL, 0, EXT_KTR, 50);
	int dropped = 0;

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		struct net n;

		net_open(&n, cc, sc, NULL, NULL, true, true);
		n.rng = seeds[i] * 0x9e3779b97f4a7c15ULL + 1;
		n.drop_pct = 30;
		handshake(&n);
		/* The client's established; the server may still need the
		 * client's retransmitted Finished to resend its last flight:
		 * records must flow both ways despite losses. */
		assert_int_equal(assert_keys_match(&n), DTLS_SRTP_AES128_CM_SHA1_80);
		for (int tries = 0; tries < 50 && !rx_both(&n); tries++) {
			if (!n.s[1].n_rx)
				assert_int_equal(dtls_conn_write(n.s[0].c, (const uint8_t *)"c", 1), 0);
			if (!n.s[0].n_rx)
				assert_int_equal(dtls_conn_write(n.s[1].c, (const uint8_t *)"s", 1), 0);
			(void)net_pump(&n, rx_both, 100);
		}
		assert_true(rx_both(&n));
		dropped += n.n_dropped;
		net_close(&n);
	}
	assert_true(dropped > 0);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

static void feed_garbage(struct dtls_conn *c, uint64_t *rng, const uint8_t *real, size_t real_len)
{
	uint8_t g[300];

	for (int i = 0; i < 40; i++) {
		size_t len = 1 + rng_next(rng) % sizeof(g);

		for (size_t j = 0; j < len; j++)
			g[j] = (uint8_t)rng_next(rng);
		g[0] = (uint8_t)(i % 3 == 0 ? 22 : 20 + rng_next(rng) % 44);
		if (i % 4 == 1 && len > 3) {
			g[1] = 0xfe; /* DTLS 1.2 version, so records parse further */
			g[2] = 0xfd;
		}
		(void)dtls_conn_input(c, g, len, clk_now_ms());
	}
	/* Well-formed epoch-0 handshake records with random bodies
	 * (RFC 6347 4.1 and 4.2.2 headers), as an off-path attacker could. */
	for (int i = 0; i < 40; i++) {
		size_t body = rng_next(rng) % 200;
		struct buf_wr w;

		buf_wr_init(&w, g, sizeof(g));
		assert_int_equal(buf_put_u8(&w, 22), 0);
		assert_int_equal(buf_put_u16(&w, 0xfefd), 0);
		assert_int_equal(buf_put_u16(&w, 0), 0); /* epoch */
		assert_int_equal(buf_put_u16(&w, 0), 0); /* seq, 48 bits */
		assert_int_equal(buf_put_u32(&w, (uint32_t)(rng_next(rng) % 64)), 0);
		assert_int_equal(buf_put_u16(&w, (uint16_t)(12 + body)), 0);
		assert_int_equal(buf_put_u8(&w, (uint8_t)(rng_next(rng) % 24)), 0); /* msg_type */
		assert_int_equal(buf_put_u24(&w, (uint32_t)body), 0); /* length */
		assert_int_equal(buf_put_u16(&w, (uint16_t)(rng_next(rng) % 6)), 0); /* message_seq */
		assert_int_equal(buf_put_u24(&w, 0), 0); /* fragment_offset */
		assert_int_equal(buf_put_u24(&w, (uint32_t)body), 0); /* fragment_length */
		for (size_t j = 0; j < body; j++)
			assert_int_equal(buf_put_u8(&w, (uint8_t)rng_next(rng)), 0);
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
	return side_send(arg, data, len);
}

static void test_garbage(void **state)
{
	struct dtls_ctx *cc = ctx_new(NULL, 0, EXT_KTR, 50);
	struct dtls_ctx *sc = ctx_new(NULL, 0, EXT_KTR, 50);
	struct dtls_conn_ops cap_ops = side_ops;
	uint64_t rng = 77;
	struct net n;

	cap_ops.send = capture_send;
	first_len = 0;
	/* Before any handshake: the server must survive garbage and still
	 * complete a handshake afterwards, or fail cleanly. */
	net_open(&n, cc, sc, NULL, NULL, true, true);
	dtls_conn_free(n.s[0].c);
	assert_int_equal(dtls_conn_alloc(&n.s[0].c, cc, DTLS_ROLE_CLIENT, dtls_ctx_fingerprint(sc),
					 true, &cap_ops, &n.s[0]),
			 0);
	assert_int_equal(dtls_conn_start(n.s[0].c, clk_now_ms()), 0);
	assert_true(first_len > 13);
	feed_garbage(n.s[1].c, &rng, first_dgram, first_len);
	feed_garbage(n.s[0].c, &rng, first_dgram, first_len);
	assert_true(net_pump(&n, hs_over, PUMP_LIMIT_MS));
	for (int i = 0; i < 2; i++)
		assert_true(n.s[i].n_closed <= 1);

	/* Mid-handshake: garbage after the first flights. */
	net_close(&n);
	net_open(&n, cc, sc, NULL, NULL, true, true);
	assert_int_equal(dtls_conn_start(n.s[0].c, clk_now_ms()), 0);
	(void)net_pump(&n, hs_over, 30); /* let a flight or two pass */
	feed_garbage(n.s[1].c, &rng, first_dgram, first_len);
	feed_garbage(n.s[0].c, &rng, first_dgram, first_len);
	assert_true(net_pump(&n, hs_over, PUMP_LIMIT_MS));
	for (int i = 0; i < 2; i++) {
		assert_true(n.s[i].n_closed <= 1);
		if (n.s[i].n_closed)
			assert_true(n.s[i].closed_err < 0);
	}
	net_close(&n);

	/* After the handshake: garbage is dropped and records still flow. */
	net_open(&n, cc, sc, NULL, NULL, true, true);
	handshake(&n);
	feed_garbage(n.s[1].c, &rng, first_dgram, first_len);
	feed_garbage(n.s[0].c, &rng, first_dgram, first_len);
	for (int i = 0; i < 2; i++) {
		if (n.s[i].n_closed) {
			/* Failing cleanly is allowed; it must be reported once. */
			assert_int_equal(n.s[i].n_closed, 1);
			assert_true(n.s[i].closed_err < 0);
		}
	}
	if (!any_closed(&n)) {
		assert_int_equal(dtls_conn_write(n.s[0].c, (const uint8_t *)"hello", 5), 0);
		assert_int_equal(dtls_conn_write(n.s[1].c, (const uint8_t *)"world", 5), 0);
		assert_true(net_pump(&n, rx_both, 5000));
		assert_memory_equal(n.s[1].rx[0], "hello", 5);
		assert_memory_equal(n.s[0].rx[0], "world", 5);
	}
	net_close(&n);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

static bool server_closed(const struct net *n)
{
	return n->s[1].n_closed > 0;
}

/* A small MTU: handshake messages are fragmented (RFC 6347 4.2.3), no
 * datagram exceeds it, and records are bounded by it. */
static void test_small_mtu(void **state)
{
	struct dtls_ctx_cfg cfg = { .ktr_ext_type = EXT_KTR, .mtu = 300 };
	struct dtls_ctx *cc = NULL, *sc = NULL;
	uint8_t rec[300];
	struct net n;

	memset(rec, 0x5a, sizeof(rec));
	assert_int_equal(dtls_ctx_alloc(&cc, &cfg), 0);
	assert_int_equal(dtls_ctx_alloc(&sc, &cfg), 0);
	net_open(&n, cc, sc, NULL, NULL, true, true);
	handshake(&n);
	assert_int_equal(assert_keys_match(&n), DTLS_SRTP_AES128_CM_SHA1_80);
	assert_true(n.s[1].n_sent > 3); /* the server's flight did not fit one datagram */
	assert_true(n.s[0].max_sent <= 300);
	assert_true(n.s[1].max_sent <= 300);
	assert_int_equal(dtls_conn_write(n.s[0].c, rec, sizeof(rec)), -EMSGSIZE);
	assert_int_equal(dtls_conn_write(n.s[0].c, rec, 200), 0);
	assert_true(n.s[0].max_sent <= 300);
	net_close(&n);
	dtls_ctx_free(cc);
	dtls_ctx_free(sc);
}

static void test_shutdown(void **state)
{
	struct dtls_ctx *cc = ctx_new(NULL, 0, EXT_KTR, 0);
	struct dtls_ctx *sc = ctx_new(NULL, 0, EXT_KTR, 0);
	struct net n;

	net_open(&n, cc, sc, NULL, NULL, true, true);
	assert_int_equal(dtls_conn_shutdown(n.s[0].c), -EAGAIN);
	handshake(&n);
	assert_int_equal(dtls_conn_shutdown(n.s[0].c), 0);
	assert_false(dtls_conn_established(n.s[0].c));
	assert_int_equal(dtls_conn_write(n.s[0].c, (const uint8_t *)"x", 1), -EPIPE);
	assert_true(net_pump(&n, server_closed, 5000));
	assert_int_equal(n.s[1].n_closed, 1);
	assert_int_equal(n.s[1].closed_err, 0);
	assert_int_equal(n.s[0].n_closed, 0);
	net_close(&n);
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
	cfg.ktr_ext_type = EXT_KTR;
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
	struct dtls_ctx *c = ctx_new(NULL, 0, EXT_KTR, 0);
	struct dtls_conn_ops no_send = { 0 };
	struct dtls_conn *d = NULL;
	struct side s = { .fd = -1 };

	assert_int_equal(dtls_conn_alloc(&d, c, DTLS_ROLE_CLIENT, NULL, true, &side_ops, &s), -EINVAL);
	assert_int_equal(dtls_conn_alloc(&d, c, DTLS_ROLE_CLIENT, "AB:CD", true, &side_ops, &s),
			 -EINVAL);
	assert_int_equal(dtls_conn_alloc(&d, c, DTLS_ROLE_CLIENT, dtls_ctx_fingerprint(c), true,
					 &no_send, &s),
			 -EINVAL);
	assert_null(d);
	assert_int_equal(dtls_conn_alloc(&d, c, DTLS_ROLE_SERVER, dtls_ctx_fingerprint(c), true,
					 &side_ops, &s),
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
	struct side s = { .fd = -1 };
	struct dtls_conn *d = NULL;

	assert_int_equal(dtls_ctx_alloc(&c, &cfg), 0);
	assert_int_equal(dtls_conn_alloc(&d, c, DTLS_ROLE_CLIENT, dtls_ctx_fingerprint(c), false,
					 &side_ops, &s),
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
		cmocka_unit_test(test_fp_mismatch_client),
		cmocka_unit_test(test_fp_mismatch_server),
		cmocka_unit_test(test_pem_files),
		cmocka_unit_test(test_lossy_handshake),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_small_mtu),
		cmocka_unit_test(test_shutdown),
	};

	return cmocka_run_group_tests_name("dtls", tests, NULL, NULL);
}

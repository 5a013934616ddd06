/* dtlst: the DTLS unit tests' shared network and checks (see dtlst.h). */
#include "tests/lib/dtlst.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "base/clk.h"
#include "base/sec.h"

uint64_t dtlst_rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

int dtlst_side_send(void *arg, const uint8_t *data, size_t len)
{
	struct dtlst_side *s = arg;

	s->n_sent++;
	if (len > s->max_sent)
		s->max_sent = len;
	return send(s->fd, data, len, 0) == (ssize_t)len ? 0 : -errno;
}

static void side_established(void *arg)
{
	((struct dtlst_side *)arg)->n_established++;
}

static void side_recv(void *arg, const uint8_t *data, size_t len)
{
	struct dtlst_side *s = arg;

	if (s->n_rx < DTLST_RX_MAX && len <= sizeof(s->rx[0])) {
		memcpy(s->rx[s->n_rx], data, len);
		s->rx_len[s->n_rx] = len;
	}
	s->n_rx++;
}

static void side_closed(void *arg, int err)
{
	struct dtlst_side *s = arg;

	s->n_closed++;
	s->closed_err = err;
}

const struct dtls_conn_ops dtlst_side_ops = {
	.send = dtlst_side_send,
	.established = side_established,
	.recv = side_recv,
	.closed = side_closed,
};

struct dtls_ctx *dtlst_ctx_new(const int *profiles, size_t n, uint16_t ext, unsigned rtx_ms)
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

void dtlst_net_open(struct dtlst_net *n, struct dtls_ctx *cc, struct dtls_ctx *sc,
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
					 offer_c, &dtlst_side_ops, &n->s[0]),
			 0);
	assert_int_equal(dtls_conn_alloc(&n->s[1].c, sc, DTLS_ROLE_SERVER,
					 server_expects ? server_expects : dtls_ctx_fingerprint(cc),
					 offer_s, &dtlst_side_ops, &n->s[1]),
			 0);
	dtls_conn_set_cookie_id(n->s[1].c, &n->up.addr[0], sizeof(n->up.addr[0]));
}

void dtlst_net_close(struct dtlst_net *n)
{
	dtls_conn_free(n->s[0].c);
	dtls_conn_free(n->s[1].c);
	udp_pair_close(&n->up);
}

bool dtlst_both_established(const struct dtlst_net *n)
{
	return dtls_conn_established(n->s[0].c) && dtls_conn_established(n->s[1].c);
}

bool dtlst_any_closed(const struct dtlst_net *n)
{
	return n->s[0].n_closed || n->s[1].n_closed;
}

bool dtlst_both_closed(const struct dtlst_net *n)
{
	return n->s[0].n_closed && n->s[1].n_closed;
}

bool dtlst_hs_over(const struct dtlst_net *n)
{
	return dtlst_both_established(n) || dtlst_any_closed(n);
}

bool dtlst_rx_both(const struct dtlst_net *n)
{
	return n->s[0].n_rx > 0 && n->s[1].n_rx > 0;
}

bool dtlst_net_pump(struct dtlst_net *n, bool (*done)(const struct dtlst_net *),
		    uint64_t limit_ms)
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
				if (n->drop_pct && dtlst_rng_next(&n->rng) % 100 < n->drop_pct) {
					n->n_dropped++;
					continue;
				}
				(void)dtls_conn_input(n->s[i].c, buf, (size_t)len, clk_now_ms());
			}
		}
	}
	return true;
}

void dtlst_handshake(struct dtlst_net *n)
{
	assert_int_equal(dtls_conn_start(n->s[0].c, clk_now_ms()), 0);
	assert_true(dtlst_net_pump(n, dtlst_hs_over, DTLST_PUMP_LIMIT_MS));
	assert_true(dtlst_both_established(n));
	assert_int_equal(n->s[0].n_established, 1);
	assert_int_equal(n->s[1].n_established, 1);
}

int dtlst_keys_match(const struct dtlst_net *n)
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

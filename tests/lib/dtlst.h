/*
 * dtlst (test helper): what the DTLS unit tests (test_dtls, test_dtls_adverse)
 * share: a client and a server dtls_conn over a udp_pair on 127.0.0.1, moved
 * by a small poll() loop that can drop datagrams, with each side's callbacks
 * counted and its first records kept. cmocka assertions: call from a test.
 */
#ifndef KTRSBC_TEST_DTLST_H
#define KTRSBC_TEST_DTLST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dtls/dtls.h"
#include "tests/lib/udp_pair.h"

#define DTLST_EXT_KTR 0xFF7Au
#define DTLST_PUMP_LIMIT_MS 20000 /* give up a handshake after 20 s real time */
#define DTLST_RX_MAX 4 /* records kept per side */
#define DTLST_RX_LEN 2048 /* longest record kept */

struct dtlst_side {
	struct dtls_conn *c;
	int fd;
	int n_sent;
	size_t max_sent; /* largest datagram sent */
	int n_established;
	int n_closed;
	int closed_err;
	int n_rx;
	uint8_t rx[DTLST_RX_MAX][DTLST_RX_LEN];
	size_t rx_len[DTLST_RX_MAX];
};

struct dtlst_net {
	struct udp_pair up;
	struct dtlst_side s[2]; /* 0 = client, 1 = server */
	unsigned drop_pct;
	uint64_t rng;
	int n_dropped;
};

/* Callbacks counting into the struct dtlst_side passed as arg; send writes
 * to its fd (-errno when that fails, e.g. fd -1). */
extern const struct dtls_conn_ops dtlst_side_ops;
int dtlst_side_send(void *arg, const uint8_t *data, size_t len);

/* Test PRNG (xorshift64*): reproducible drops and garbage per seed. */
uint64_t dtlst_rng_next(uint64_t *s);

/* A context that must allocate: profiles (NULL = defaults), KTR extension
 * code point ext (0 = none), retransmit_ms (0 = default). */
struct dtls_ctx *dtlst_ctx_new(const int *profiles, size_t n, uint16_t ext, unsigned rtx_ms);

/* Connect client conn (ctx cc) and server conn (ctx sc). A NULL fingerprint
 * means "the right one". */
void dtlst_net_open(struct dtlst_net *n, struct dtls_ctx *cc, struct dtls_ctx *sc,
		    const char *client_expects, const char *server_expects, bool offer_c,
		    bool offer_s);
void dtlst_net_close(struct dtlst_net *n);

/* Conditions for dtlst_net_pump. */
bool dtlst_both_established(const struct dtlst_net *n);
bool dtlst_any_closed(const struct dtlst_net *n);
bool dtlst_both_closed(const struct dtlst_net *n);
bool dtlst_hs_over(const struct dtlst_net *n); /* both established or one closed */
bool dtlst_rx_both(const struct dtlst_net *n); /* each side received a record */

/* Move datagrams (dropping drop_pct percent) and fire timers until done(n)
 * or limit_ms of real time. Returns true when done(n) became true. */
bool dtlst_net_pump(struct dtlst_net *n, bool (*done)(const struct dtlst_net *),
		    uint64_t limit_ms);

/* The client starts; both sides must be established, once each. */
void dtlst_handshake(struct dtlst_net *n);

/* Client local == server remote and vice versa; returns the profile. */
int dtlst_keys_match(const struct dtlst_net *n);

#endif

/*
 * bench_xsrtp: the relay's transcrypting step in memory, libsrtp2 (what
 * relay_fwd.c's crypto stage does today: ksrtp_rx_unprotect with key A,
 * any SSRC, then ksrtp_tx_protect with key B) against src/xsrtp (one
 * context per key: xsrtp_rtp_unprotect, xsrtp_rtp_protect). No sockets.
 *
 * The input is precomputed with libsrtp2 (ksrtp_tx, key A): 172-octet RTP
 * packets (12 + 160, G.711 20 ms), every packet a new index (a replay would
 * be refused), spread round-robin over -c calls (one SSRC and one key pair
 * each). Each implementation transcrypts the same packets from fresh
 * contexts; per packet: copy into a work slot (the relay works in its
 * receive buffer; the copy is in both figures), unprotect, protect. Every
 * result must be 0, and a sample of the output is authenticated with a
 * libsrtp2 listener holding key B, or the run fails (exit 1).
 *
 * Usage: bench_xsrtp [-n packets] [-c calls] [-p profile-id] [-r rounds]
 * Output: one line per profile,
 *   bench_xsrtp: profile=NAME calls=C packets=N libsrtp2_ns=X xsrtp_ns=Y speedup=Z
 * ns per packet (one unprotect + one protect), the best of -r rounds (3;
 * the two implementations alternate, so a busy moment of a shared machine
 * costs both alike). A measurement, not a test: nothing asserts a time.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "srtp/ksrtp.h"
#include "xsrtp/xsrtp.h"

#define RTP_LEN 172
#define SLOT 256 /* room for any tag */
#define SSRC_BASE 0x20000000u
#define WARM 2000 /* packets per run before the clock starts */
#define CHECK_EVERY 997

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_xsrtp: %s: %d (%s)\n", what, err, strerror(-err));
	exit(1);
}

/* Benchmark keys only (nothing here is secret): derived from the call. */
static void key_for(struct ksrtp_keymat *k, int profile, unsigned call,
		    char which)
{
	uint8_t ks[KSRTP_KEY_MAX + KSRTP_SALT_MAX];
	size_t kl, sl;
	int err;

	if (ksrtp_profile_lens(profile, &kl, &sl, NULL))
		die("profile", -EINVAL);
	for (size_t j = 0; j < kl + sl; j++)
		ks[j] = (uint8_t)((unsigned)which * 131u + call * 31u + j * 7u + 1u);
	if ((err = ksrtp_keymat_set(k, profile, ks, kl + sl)))
		die("key", err);
}

static void rtp(uint8_t *p, uint32_t ssrc, uint16_t seq)
{
	struct buf_wr w;

	buf_wr_init(&w, p, SLOT);
	(void)buf_put_u8(&w, 0x80);
	(void)buf_put_u8(&w, 0);
	(void)buf_put_u16(&w, seq);
	(void)buf_put_u32(&w, (uint32_t)seq * 160u);
	(void)buf_put_u32(&w, ssrc);
	for (unsigned i = 0; i < RTP_LEN - 12; i++)
		(void)buf_put_u8(&w, (uint8_t)(seq + i));
}

/* The RFC 3711 packet index of input packet i (ROC << 16 | SEQ): the
 * sequence numbers of each call start at 65000 and count up. */
static uint64_t index_of(unsigned i, unsigned calls)
{
	return 65000u + i / calls;
}

struct input {
	uint8_t (*pkt)[SLOT];
	size_t *len;
	unsigned n, calls;
};

/* n packets, call i = packet % calls, sequence numbers from 65000 (so a
 * long run crosses a ROC wrap). */
static void input_make(struct input *in, int profile, unsigned n,
		       unsigned calls)
{
	struct ksrtp_tx **tx = calloc(calls, sizeof(*tx));
	int err;

	in->pkt = malloc((size_t)n * SLOT);
	in->len = malloc((size_t)n * sizeof(*in->len));
	in->n = n;
	in->calls = calls;
	if (!tx || !in->pkt || !in->len)
		die("input", -ENOMEM);
	for (unsigned c = 0; c < calls; c++) {
		struct ksrtp_keymat a;

		key_for(&a, profile, c, 'A');
		if ((err = ksrtp_tx_alloc(&tx[c], SSRC_BASE + c, &a)))
			die("ksrtp_tx_alloc", err);
		ksrtp_keymat_wipe(&a);
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned c = i % calls;

		rtp(in->pkt[i], SSRC_BASE + c, (uint16_t)index_of(i, calls));
		in->len[i] = RTP_LEN;
		if ((err = ksrtp_tx_protect(tx[c], in->pkt[i], &in->len[i],
					    SLOT)))
			die("ksrtp_tx_protect", err);
	}
	for (unsigned c = 0; c < calls; c++)
		ksrtp_tx_free(tx[c]);
	free(tx);
}

/* Check the output sample of one run with libsrtp2 (key B). */
struct sample {
	uint8_t (*pkt)[SLOT];
	size_t *len;
	unsigned *at; /* input packet number */
	unsigned n;
};


static void sample_check(const struct sample *s, int profile, unsigned calls,
			 const char *who)
{
	struct ksrtp_rx *rx;
	bool *known = calloc(calls, sizeof(*known));
	int err;

	if (!known)
		die("sample", -ENOMEM);
	if ((err = ksrtp_rx_alloc(&rx, &(struct ksrtp_rx_limits){
						.max_streams = calls })))
		die("ksrtp_rx_alloc", err);
	for (unsigned i = 0; i < s->n; i++) {
		unsigned c = s->at[i] % calls;
		size_t n = s->len[i];

		/* The listener joins a call at its first sampled packet,
		 * which may be past a ROC wrap: tell it that packet's index
		 * (RFC 3711 3.3.1: a receiver must learn the ROC). */
		if (!known[c]) {
			struct ksrtp_keymat b;

			key_for(&b, profile, c, 'B');
			if ((err = ksrtp_rx_add_key(rx, false, SSRC_BASE + c, &b,
						    index_of(s->at[i], calls))))
				die("ksrtp_rx_add_key", err);
			ksrtp_keymat_wipe(&b);
			known[c] = true;
		}

		if ((err = ksrtp_rx_unprotect(rx, s->pkt[i], &n)) ||
		    n != RTP_LEN) {
			fprintf(stderr, "bench_xsrtp: %s output %u does not "
				"authenticate with key B (%d)\n", who, i, err);
			exit(1);
		}
	}
	ksrtp_rx_free(rx);
	free(known);
}

static void sample_keep(struct sample *s, unsigned at, const uint8_t *p,
			size_t len)
{
	memcpy(s->pkt[s->n], p, len);
	s->at[s->n] = at;
	s->len[s->n++] = len;
}

/* libsrtp2 as the relay uses it: per call a listener with key A for any
 * SSRC and a sender with key B for the call's SSRC. ns per packet. */
static double run_ksrtp(const struct input *in, int profile,
			struct sample *s)
{
	struct ksrtp_rx **rx = calloc(in->calls, sizeof(*rx));
	struct ksrtp_tx **tx = calloc(in->calls, sizeof(*tx));
	uint8_t work[SLOT];
	double t0 = 0;
	int err;

	if (!rx || !tx)
		die("ksrtp", -ENOMEM);
	for (unsigned c = 0; c < in->calls; c++) {
		struct ksrtp_keymat a, b;

		key_for(&a, profile, c, 'A');
		key_for(&b, profile, c, 'B');
		if ((err = ksrtp_rx_alloc(&rx[c], NULL)) ||
		    (err = ksrtp_rx_add_key(rx[c], true, 0, &a, 0)) ||
		    (err = ksrtp_tx_alloc(&tx[c], SSRC_BASE + c, &b)))
			die("ksrtp setup", err);
		ksrtp_keymat_wipe(&a);
		ksrtp_keymat_wipe(&b);
	}
	for (unsigned i = 0; i < in->n; i++) {
		unsigned c = i % in->calls;
		size_t len = in->len[i];

		if (i == WARM)
			t0 = now();
		memcpy(work, in->pkt[i], len);
		if ((err = ksrtp_rx_unprotect(rx[c], work, &len)) ||
		    (err = ksrtp_tx_protect(tx[c], work, &len, SLOT)))
			die("ksrtp transcrypt", err);
		if (i % CHECK_EVERY == 0)
			sample_keep(s, i, work, len);
	}
	t0 = now() - t0;
	for (unsigned c = 0; c < in->calls; c++) {
		ksrtp_rx_free(rx[c]);
		ksrtp_tx_free(tx[c]);
	}
	free(rx);
	free(tx);
	return t0 * 1e9 / (in->n - WARM);
}

/* xsrtp: per call one context for key A (unprotect) and one for key B
 * (protect). */
static double run_xsrtp(const struct input *in, int profile,
			struct sample *s)
{
	struct xsrtp_ctx **xa = calloc(in->calls, sizeof(*xa));
	struct xsrtp_ctx **xb = calloc(in->calls, sizeof(*xb));
	uint8_t work[SLOT];
	double t0 = 0;
	int err;

	if (!xa || !xb)
		die("xsrtp", -ENOMEM);
	for (unsigned c = 0; c < in->calls; c++) {
		struct ksrtp_keymat a, b;

		key_for(&a, profile, c, 'A');
		key_for(&b, profile, c, 'B');
		if ((err = xsrtp_ctx_alloc(&xa[c], &a, 0)) ||
		    (err = xsrtp_ctx_alloc(&xb[c], &b, 0)))
			die("xsrtp setup", err);
		ksrtp_keymat_wipe(&a);
		ksrtp_keymat_wipe(&b);
	}
	for (unsigned i = 0; i < in->n; i++) {
		unsigned c = i % in->calls;
		size_t len = in->len[i];

		if (i == WARM)
			t0 = now();
		memcpy(work, in->pkt[i], len);
		if ((err = xsrtp_rtp_unprotect(xa[c], work, &len)) ||
		    (err = xsrtp_rtp_protect(xb[c], work, &len, SLOT)))
			die("xsrtp transcrypt", err);
		if (i % CHECK_EVERY == 0)
			sample_keep(s, i, work, len);
	}
	t0 = now() - t0;
	for (unsigned c = 0; c < in->calls; c++) {
		xsrtp_ctx_free(xa[c]);
		xsrtp_ctx_free(xb[c]);
	}
	free(xa);
	free(xb);
	return t0 * 1e9 / (in->n - WARM);
}

static void bench_profile(int profile, unsigned n, unsigned calls,
			  unsigned rounds)
{
	struct input in;
	struct sample s;
	double k = 0, x = 0;
	unsigned cap = n / CHECK_EVERY + 1;

	s.pkt = malloc((size_t)cap * SLOT);
	s.len = malloc(cap * sizeof(*s.len));
	s.at = malloc(cap * sizeof(*s.at));
	if (!s.pkt || !s.len || !s.at)
		die("sample", -ENOMEM);
	input_make(&in, profile, n, calls);
	for (unsigned r = 0; r < rounds; r++) {
		double t;

		s.n = 0;
		t = run_ksrtp(&in, profile, &s);
		sample_check(&s, profile, calls, "libsrtp2");
		k = r == 0 || t < k ? t : k;
		s.n = 0;
		t = run_xsrtp(&in, profile, &s);
		sample_check(&s, profile, calls, "xsrtp");
		x = r == 0 || t < x ? t : x;
	}
	printf("bench_xsrtp: profile=%s calls=%u packets=%u libsrtp2_ns=%.0f "
	       "xsrtp_ns=%.0f speedup=%.2f\n",
	       ksrtp_profile_name(profile), calls, n - WARM, k, x, k / x);
	fflush(stdout);
	free(in.pkt);
	free(in.len);
	free(s.pkt);
	free(s.len);
	free(s.at);
}

int main(int argc, char **argv)
{
	static const int all[] = { KSRTP_AES128_CM_SHA1_80,
				   KSRTP_AES128_CM_SHA1_32,
				   KSRTP_AEAD_AES_128_GCM,
				   KSRTP_AEAD_AES_256_GCM };
	unsigned n = 200000, calls = 1, rounds = 3;
	int profile = 0, o;

	while ((o = getopt(argc, argv, "n:c:p:r:")) != -1) {
		switch (o) {
		case 'n':
			n = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			calls = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			profile = atoi(optarg);
			break;
		case 'r':
			rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench_xsrtp [-n packets] "
				"[-c calls] [-p profile-id] [-r rounds]\n");
			return 2;
		}
	}
	if (n < 2 * WARM || calls < 1 || calls > KSRTP_RX_STREAMS_MAX ||
	    rounds < 1 ||
	    (profile && !ksrtp_profile_name(profile))) {
		fprintf(stderr, "bench_xsrtp: bad arguments\n");
		return 2;
	}
	if (ksrtp_init())
		die("ksrtp_init", -EIO);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!profile || profile == all[i])
			bench_profile(all[i], n, calls, rounds);
	return 0;
}

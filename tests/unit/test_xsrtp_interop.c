/*
 * src/xsrtp against libsrtp2 (through src/srtp's ksrtp_tx / ksrtp_rx, the
 * endpoints' SRTP) in both directions, for every profile: SRTP across a
 * ROC wrap with reordering, SRTCP, replay rejected, tampered tag
 * rejected (packet unchanged), wrong key rejected; and the relay's
 * transcrypt chain (libsrtp2 -> xsrtp in -> xsrtp out -> libsrtp2).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "srtp/ksrtp.h"
#include "xsrtp/xsrtp.h"

#include "ksrtp_test.h"

static const int profiles[] = { KSRTP_AES128_CM_SHA1_80,
				KSRTP_AES128_CM_SHA1_32,
				KSRTP_AEAD_AES_128_GCM,
				KSRTP_AEAD_AES_256_GCM };
#define NPROF (sizeof(profiles) / sizeof(profiles[0]))

#define SSRC 0x5eed1234u
#define FIRST_SEQ 65500 /* 36 packets before the wrap */
#define NPKT 80

struct pkt {
	uint8_t b[T_PKT_CAP];
	size_t n;
	uint16_t seq;
};

static struct pkt sent[NPKT];

static uint16_t seq_of(unsigned i)
{
	return (uint16_t)(FIRST_SEQ + i);
}

/* Delivery order: in order, except that every 8th pair is swapped (one
 * swap straddles the wrap: 65535 and 0 are indexes 35 and 36). */
static unsigned order(unsigned i)
{
	if (i % 8 == 3 && i + 1 < NPKT)
		return i + 1;
	if (i % 8 == 4)
		return i - 1;
	if (i == 35)
		return 36;
	if (i == 36)
		return 35;
	return i;
}

static void expect_plain(const uint8_t *p, size_t n, uint16_t seq)
{
	uint8_t want[T_PKT_CAP];
	size_t wn = t_rtp(want, sizeof(want), SSRC, seq);

	assert_int_equal(n, wn);
	assert_memory_equal(p, want, wn);
}

/* libsrtp2 protects, xsrtp unprotects. */
static void rtp_libsrtp_to_xsrtp(int profile)
{
	struct ksrtp_keymat k = t_keymat(profile);
	struct ksrtp_keymat wrong = t_keymat(profile);
	struct xsrtp_ctx *rx, *rx_wrong;
	struct ksrtp_tx *tx;
	struct xsrtp_stats st;
	uint8_t b[T_PKT_CAP], keep[T_PKT_CAP];
	size_t n;

	assert_int_equal(ksrtp_tx_alloc(&tx, SSRC, &k), 0);
	assert_int_equal(xsrtp_ctx_alloc(&rx, &k, 0), 0);
	assert_int_equal(xsrtp_ctx_alloc(&rx_wrong, &wrong, 0), 0);
	for (unsigned i = 0; i < NPKT; i++) {
		sent[i].seq = seq_of(i);
		sent[i].n = t_rtp(sent[i].b, T_PKT_CAP, SSRC, sent[i].seq);
		assert_int_equal(ksrtp_tx_protect(tx, sent[i].b, &sent[i].n,
						  T_PKT_CAP), 0);
	}
	/* The last packet's index is past the wrap: ROC 1. */
	assert_int_equal(ksrtp_tx_index(tx), 1ull << 16 | seq_of(NPKT - 1));
	for (unsigned i = 0; i < NPKT; i++) {
		struct pkt *p = &sent[order(i)];

		if (i == 5) { /* wrong key: rejected, untouched */
			memcpy(b, p->b, p->n);
			n = p->n;
			assert_int_equal(xsrtp_rtp_unprotect(rx_wrong, b, &n),
					 -EACCES);
			assert_int_equal(n, p->n);
			assert_memory_equal(b, p->b, p->n);
		}
		if (i == 40) { /* tampered tag: rejected, untouched */
			memcpy(b, p->b, p->n);
			b[p->n - 1] ^= 0x40;
			memcpy(keep, b, p->n);
			n = p->n;
			assert_int_equal(xsrtp_rtp_unprotect(rx, b, &n),
					 -EACCES);
			assert_int_equal(n, p->n);
			assert_memory_equal(b, keep, p->n);
		}
		memcpy(b, p->b, p->n);
		n = p->n;
		assert_int_equal(xsrtp_rtp_unprotect(rx, b, &n), 0);
		expect_plain(b, n, p->seq);
	}
	/* Replays, before and after the wrap. */
	for (unsigned i = 30; i < 50; i += 7) {
		memcpy(b, sent[i].b, sent[i].n);
		n = sent[i].n;
		assert_int_equal(xsrtp_rtp_unprotect(rx, b, &n), -EALREADY);
	}
	xsrtp_ctx_stats(rx, &st);
	assert_int_equal(st.ok, NPKT);
	assert_int_equal(st.auth_fail, 1);
	assert_int_equal(st.replay, 3);

	/* SRTCP, libsrtp2 -> xsrtp (libsrtp2's index starts at 1). */
	for (uint32_t j = 0; j < 5; j++) {
		n = t_rtcp(b, sizeof(b), SSRC, j);
		assert_int_equal(ksrtp_tx_protect_rtcp(tx, b, &n, sizeof(b)),
				 0);
		memcpy(keep, b, n);
		if (j == 2) {
			size_t m = n;

			b[9] ^= 1; /* inside the encrypted part */
			assert_int_equal(xsrtp_rtcp_unprotect(rx, b, &m),
					 -EACCES);
			b[9] ^= 1;
			assert_int_equal(xsrtp_rtcp_unprotect(rx_wrong, b, &m),
					 -EACCES);
			assert_memory_equal(b, keep, n);
		}
		assert_int_equal(xsrtp_rtcp_unprotect(rx, b, &n), 0);
		{
			uint8_t want[T_PKT_CAP];
			size_t wn = t_rtcp(want, sizeof(want), SSRC, j);

			assert_int_equal(n, wn);
			assert_memory_equal(b, want, wn);
		}
	}
	/* An SRTCP replay. */
	n = t_rtcp(b, sizeof(b), SSRC, 9);
	assert_int_equal(ksrtp_tx_protect_rtcp(tx, b, &n, sizeof(b)), 0);
	memcpy(keep, b, n);
	{
		size_t m = n;

		assert_int_equal(xsrtp_rtcp_unprotect(rx, b, &m), 0);
		m = n;
		memcpy(b, keep, n);
		assert_int_equal(xsrtp_rtcp_unprotect(rx, b, &m), -EALREADY);
	}
	ksrtp_tx_free(tx);
	xsrtp_ctx_free(rx);
	xsrtp_ctx_free(rx_wrong);
}

/* xsrtp protects, libsrtp2 unprotects. */
static void rtp_xsrtp_to_libsrtp(int profile)
{
	struct ksrtp_keymat k = t_keymat(profile);
	struct ksrtp_keymat wrong = t_keymat(profile);
	struct ksrtp_rx *rx, *rx_wrong;
	struct xsrtp_ctx *tx;
	uint8_t b[T_PKT_CAP];
	size_t n;

	assert_int_equal(xsrtp_ctx_alloc(&tx, &k, 0), 0);
	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, SSRC, &k, 0), 0);
	assert_int_equal(ksrtp_rx_alloc(&rx_wrong, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx_wrong, false, SSRC, &wrong, 0),
			 0);
	for (unsigned i = 0; i < NPKT; i++) {
		sent[i].seq = seq_of(i);
		sent[i].n = t_rtp(sent[i].b, T_PKT_CAP, SSRC, sent[i].seq);
		assert_int_equal(xsrtp_rtp_protect(tx, sent[i].b, &sent[i].n,
						   T_PKT_CAP), 0);
	}
	for (unsigned i = 0; i < NPKT; i++) {
		struct pkt *p = &sent[order(i)];

		if (i == 5) {
			memcpy(b, p->b, p->n);
			n = p->n;
			assert_int_equal(ksrtp_rx_unprotect(rx_wrong, b, &n),
					 -EACCES);
		}
		if (i == 40) {
			memcpy(b, p->b, p->n);
			b[p->n - 1] ^= 0x40;
			n = p->n;
			assert_int_equal(ksrtp_rx_unprotect(rx, b, &n),
					 -EACCES);
		}
		memcpy(b, p->b, p->n);
		n = p->n;
		assert_int_equal(ksrtp_rx_unprotect(rx, b, &n), 0);
		expect_plain(b, n, p->seq);
	}
	memcpy(b, sent[44].b, sent[44].n);
	n = sent[44].n;
	assert_int_equal(ksrtp_rx_unprotect(rx, b, &n), -EALREADY);

	/* SRTCP, xsrtp -> libsrtp2 (xsrtp's index starts at 0). */
	for (uint32_t j = 0; j < 5; j++) {
		uint8_t want[T_PKT_CAP];
		size_t wn = t_rtcp(want, sizeof(want), SSRC, j);

		memcpy(b, want, wn);
		n = wn;
		assert_int_equal(xsrtp_rtcp_protect(tx, b, &n, sizeof(b)), 0);
		assert_int_equal(ksrtp_rx_unprotect_rtcp(rx, b, &n), 0);
		assert_int_equal(n, wn);
		assert_memory_equal(b, want, wn);
	}
	xsrtp_ctx_free(tx);
	ksrtp_rx_free(rx);
	ksrtp_rx_free(rx_wrong);
}

static void test_libsrtp_to_xsrtp(void **state)
{
	for (size_t i = 0; i < NPROF; i++)
		rtp_libsrtp_to_xsrtp(profiles[i]);
}

static void test_xsrtp_to_libsrtp(void **state)
{
	for (size_t i = 0; i < NPROF; i++)
		rtp_xsrtp_to_libsrtp(profiles[i]);
}

/* What relay_fwd.c's crypto stage does, on xsrtp: key A in (any SSRC),
 * key B out, in place with the tail room for the tag; from a libsrtp2
 * sender to a libsrtp2 listener, across the wrap, for every pair of
 * profiles (SDES one side, DTLS-SRTP the other may differ). */
static void test_transcrypt_chain(void **state)
{
	for (size_t a = 0; a < NPROF; a++) {
		for (size_t bi = 0; bi < NPROF; bi++) {
			struct ksrtp_keymat ka = t_keymat(profiles[a]);
			struct ksrtp_keymat kb = t_keymat(profiles[bi]);
			struct xsrtp_ctx *in, *out;
			struct ksrtp_tx *tx;
			struct ksrtp_rx *rx;
			uint8_t b[T_PKT_CAP];
			size_t n;

			assert_int_equal(ksrtp_tx_alloc(&tx, SSRC, &ka), 0);
			assert_int_equal(xsrtp_ctx_alloc(&in, &ka, 0), 0);
			assert_int_equal(xsrtp_ctx_alloc(&out, &kb, 0), 0);
			assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
			assert_int_equal(ksrtp_rx_add_key(rx, true, 0, &kb, 0),
					 0);
			for (unsigned i = 0; i < NPKT; i++) {
				n = t_rtp(b, sizeof(b), SSRC, seq_of(i));
				assert_int_equal(ksrtp_tx_protect(tx, b, &n,
								  sizeof(b)), 0);
				assert_int_equal(xsrtp_rtp_unprotect(in, b, &n),
						 0);
				assert_int_equal(xsrtp_rtp_protect(out, b, &n,
								   sizeof(b)), 0);
				assert_int_equal(ksrtp_rx_unprotect(rx, b, &n),
						 0);
				expect_plain(b, n, seq_of(i));
				if (i % 20)
					continue;
				n = t_rtcp(b, sizeof(b), SSRC, i);
				assert_int_equal(ksrtp_tx_protect_rtcp(tx, b, &n,
								       sizeof(b)), 0);
				assert_int_equal(xsrtp_rtcp_unprotect(in, b, &n),
						 0);
				assert_int_equal(xsrtp_rtcp_protect(out, b, &n,
								    sizeof(b)), 0);
				assert_int_equal(ksrtp_rx_unprotect_rtcp(rx, b,
									 &n), 0);
			}
			ksrtp_tx_free(tx);
			ksrtp_rx_free(rx);
			xsrtp_ctx_free(in);
			xsrtp_ctx_free(out);
		}
	}
}

/* An RTP packet with two CSRCs and a one-word header extension (RFC 3550
 * 5.1, 5.3.1): the header that stays clear (and is the AAD for AEAD) must
 * end where libsrtp2 ends it. */
static size_t rtp_csrc_ext(uint8_t *pkt, size_t cap, uint16_t seq)
{
	struct buf_wr w;

	buf_wr_init(&w, pkt, cap);
	assert_int_equal(buf_put_u8(&w, 0x80 | 0x10 | 2), 0); /* X, CC=2 */
	assert_int_equal(buf_put_u8(&w, 8), 0);
	assert_int_equal(buf_put_u16(&w, seq), 0);
	assert_int_equal(buf_put_u32(&w, 1234), 0);
	assert_int_equal(buf_put_u32(&w, SSRC), 0);
	assert_int_equal(buf_put_u32(&w, 0xc5c5c5c5u), 0);
	assert_int_equal(buf_put_u32(&w, 0xc6c6c6c6u), 0);
	assert_int_equal(buf_put_u16(&w, 0xbede), 0); /* RFC 8285 */
	assert_int_equal(buf_put_u16(&w, 1), 0);
	assert_int_equal(buf_put_u32(&w, 0x10ff0000u), 0);
	for (unsigned i = 0; i < 40; i++)
		assert_int_equal(buf_put_u8(&w, (uint8_t)(i ^ seq)), 0);
	return w.len;
}

static void test_csrc_and_extension(void **state)
{
	for (size_t i = 0; i < NPROF; i++) {
		struct ksrtp_keymat k = t_keymat(profiles[i]);
		struct ksrtp_tx *ktx;
		struct ksrtp_rx *krx;
		struct xsrtp_ctx *xtx, *xrx;
		uint8_t b[T_PKT_CAP], want[T_PKT_CAP];
		size_t n, wn;

		assert_int_equal(ksrtp_tx_alloc(&ktx, SSRC, &k), 0);
		assert_int_equal(ksrtp_rx_alloc(&krx, NULL), 0);
		assert_int_equal(ksrtp_rx_add_key(krx, false, SSRC, &k, 0), 0);
		assert_int_equal(xsrtp_ctx_alloc(&xtx, &k, 0), 0);
		assert_int_equal(xsrtp_ctx_alloc(&xrx, &k, 0), 0);
		for (uint16_t seq = 10; seq < 14; seq++) {
			wn = rtp_csrc_ext(want, sizeof(want), seq);
			/* libsrtp2 -> xsrtp */
			memcpy(b, want, wn);
			n = wn;
			assert_int_equal(ksrtp_tx_protect(ktx, b, &n, sizeof(b)), 0);
			assert_memory_equal(b, want, 12 + 8 + 8); /* clear */
			assert_int_equal(xsrtp_rtp_unprotect(xrx, b, &n), 0);
			assert_int_equal(n, wn);
			assert_memory_equal(b, want, wn);
			/* xsrtp -> libsrtp2 */
			memcpy(b, want, wn);
			n = wn;
			assert_int_equal(xsrtp_rtp_protect(xtx, b, &n, sizeof(b)), 0);
			assert_memory_equal(b, want, 12 + 8 + 8);
			assert_int_equal(ksrtp_rx_unprotect(krx, b, &n), 0);
			assert_int_equal(n, wn);
			assert_memory_equal(b, want, wn);
		}
		ksrtp_tx_free(ktx);
		ksrtp_rx_free(krx);
		xsrtp_ctx_free(xtx);
		xsrtp_ctx_free(xrx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libsrtp_to_xsrtp),
		cmocka_unit_test(test_xsrtp_to_libsrtp),
		cmocka_unit_test(test_transcrypt_chain),
		cmocka_unit_test(test_csrc_and_extension),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for the listener key store of src/srtp (ksrtp_rx.c) together
 * with the sender (ksrtp_tx.c): key switches at a packet index (draft 4.3),
 * across a ROC wrap and with reordering, any_ssrc keys, limits, the trial of
 * the most recently announced key (4.3.4), a stream's key waiting for its
 * first packet behind another SSRC's, and SSRC change (4.4). Real
 * libsrtp2 on both sides.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "srtp/ksrtp.h"

#include "ksrtp_test.h"

#define NPKT 200

struct wire {
	uint8_t b[T_PKT_CAP];
	size_t n;
	uint8_t plain[T_PKT_CAP];
	size_t plain_n;
	uint64_t index;
};

/* Protect NPKT packets from start_seq on with tx into w[]. */
static void send_run(struct ksrtp_tx *tx, uint32_t ssrc, uint16_t start_seq,
		     struct wire *w, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		uint16_t seq = (uint16_t)(start_seq + i);

		w[i].plain_n = t_rtp(w[i].plain, T_PKT_CAP, ssrc, seq);
		memcpy(w[i].b, w[i].plain, w[i].plain_n);
		w[i].n = w[i].plain_n;
		assert_int_equal(ksrtp_tx_protect(tx, w[i].b, &w[i].n,
						  T_PKT_CAP),
				 0);
		w[i].index = ksrtp_tx_index(tx);
	}
}

static int recv_one(struct ksrtp_rx *rx, struct wire *w)
{
	uint8_t p[T_PKT_CAP];
	size_t n = w->n;
	int err;

	memcpy(p, w->b, n);
	err = ksrtp_rx_unprotect(rx, p, &n);
	if (!err) {
		assert_int_equal(n, w->plain_n);
		assert_memory_equal(p, w->plain, n);
	} else {
		/* a failure leaves the packet as it was */
		assert_int_equal(n, w->n);
		assert_memory_equal(p, w->b, n);
	}
	return err;
}

/*
 * The switch scenario: K1 now, K2 at index sw on both sides, NPKT packets
 * from start_seq; reorder swaps every adjacent pair. hold_back, when not
 * SIZE_MAX, keeps one packet to deliver after all others.
 */
static void switch_case(uint16_t start_seq, uint64_t sw, bool reorder,
			int prof)
{
	struct ksrtp_keymat k1 = t_keymat(prof), k2 = t_keymat(prof);
	struct ksrtp_tx *tx = NULL;
	struct ksrtp_rx *rx = NULL;
	struct ksrtp_rx_stats st;
	struct wire *w = calloc(NPKT, sizeof(*w));
	const uint32_t ssrc = 0x5eed0001;
	size_t fails = 0, first_new = SIZE_MAX;

	assert_non_null(w);
	assert_int_equal(ksrtp_tx_alloc(&tx, ssrc, &k1), 0);
	assert_int_equal(ksrtp_tx_set_next(tx, &k2, sw), 0);
	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, ssrc, &k1, 0), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, ssrc, &k2, sw), 0);

	send_run(tx, ssrc, start_seq, w, NPKT);
	assert_true(ksrtp_tx_switch_index(tx) == UINT64_MAX);
	for (size_t i = 0; i < NPKT; i++)
		if (w[i].index >= sw && first_new == SIZE_MAX)
			first_new = i;
	assert_true(first_new > 0 && first_new < NPKT);
	assert_true(w[first_new].index == sw);

	/* The key really changed at the switch: K1 alone cannot read it. This
	 * listener joins late: the announced index gives it the ROC. */
	{
		struct ksrtp_rx *only1 = NULL;

		assert_int_equal(ksrtp_rx_alloc(&only1, NULL), 0);
		assert_int_equal(ksrtp_rx_add_key(only1, false, ssrc, &k1,
						  w[first_new - 1].index),
				 0);
		assert_int_equal(recv_one(only1, &w[first_new - 1]), 0);
		assert_int_equal(recv_one(only1, &w[first_new]), -EACCES);
		ksrtp_rx_free(only1);
	}

	for (size_t i = 0; i < NPKT; i++) {
		size_t j = i;

		if (reorder)
			j = (i % 2 == 0) ? (i + 1 < NPKT ? i + 1 : i) : i - 1;
		if (recv_one(rx, &w[j]) != 0)
			fails++;
	}
	assert_int_equal(fails, 0);
	ksrtp_rx_stats(rx, &st);
	assert_true(st.ok == NPKT);
	assert_true(st.switches == 1);
	assert_true(st.trial_hits == 0 && st.auth_fail == 0);

	/* A replay of any packet is refused. */
	assert_int_equal(recv_one(rx, &w[first_new]), -EALREADY);
	assert_int_equal(recv_one(rx, &w[NPKT - 1]), -EALREADY);

	/* SRTCP after the switch uses K2 on both sides. */
	{
		uint8_t p[T_PKT_CAP], o[T_PKT_CAP];
		size_t n0 = t_rtcp(p, sizeof(p), ssrc, 1), n = n0;

		memcpy(o, p, n0);
		assert_int_equal(ksrtp_tx_protect_rtcp(tx, p, &n, sizeof(p)),
				 0);
		assert_int_equal(ksrtp_rx_unprotect_rtcp(rx, p, &n), 0);
		assert_memory_equal(p, o, n0);
	}
	ksrtp_keymat_wipe(&k1);
	ksrtp_keymat_wipe(&k2);
	ksrtp_tx_free(tx);
	ksrtp_rx_free(rx);
	free(w);
}

static void test_switch_at_seq(void **state)
{
	switch_case(1000, 1050, false, KSRTP_AES128_CM_SHA1_80);
	switch_case(1000, 1050, false, KSRTP_AEAD_AES_256_GCM);
}

static void test_switch_across_roc_wrap(void **state)
{
	switch_case(65500, (1ull << 16) | 20, false, KSRTP_AES128_CM_SHA1_80);
	switch_case(65500, (1ull << 16) | 20, false, KSRTP_AEAD_AES_128_GCM);
	/* the switch right at the wrap */
	switch_case(65500, 1ull << 16, false, KSRTP_AES128_CM_SHA1_32);
}

static void test_switch_with_reordering(void **state)
{
	switch_case(1000, 1051, true, KSRTP_AES128_CM_SHA1_80);
	switch_case(1000, 1050, true, KSRTP_AES128_CM_SHA1_80);
	switch_case(65500, (1ull << 16) | 21, true, KSRTP_AEAD_AES_128_GCM);
	switch_case(65500, (1ull << 16) | 20, true, KSRTP_AES128_CM_SHA1_32);
}

/* Far after the switch the old key is gone: a packet protected with it at
 * I+200 fails, and so does a held-back late packet from before the switch
 * once the previous key was retired (KSRTP_PREV_SPAN), while still inside
 * the replay window. */
static void test_old_key_refused_after_switch(void **state)
{
	struct ksrtp_keymat k1 = t_keymat(1), k2 = t_keymat(1);
	struct ksrtp_tx *tx = NULL, *old = NULL;
	struct ksrtp_rx *rx = NULL;
	struct ksrtp_rx_stats st;
	struct wire *w = calloc(NPKT, sizeof(*w)), late;
	const uint32_t ssrc = 77;
	const uint64_t sw = 1050;

	assert_non_null(w);
	assert_int_equal(ksrtp_tx_alloc(&tx, ssrc, &k1), 0);
	assert_int_equal(ksrtp_tx_set_next(tx, &k2, sw), 0);
	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, ssrc, &k1, 0), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, ssrc, &k2, sw), 0);
	send_run(tx, ssrc, 1000, w, NPKT);
	for (size_t i = 0; i <= 150; i++)
		if (i != 49) /* index 1049: held back */
			assert_int_equal(recv_one(rx, &w[i]), 0);
	assert_int_equal(recv_one(rx, &w[49]), -EACCES);
	for (size_t i = 151; i < NPKT; i++)
		assert_int_equal(recv_one(rx, &w[i]), 0);

	/* An old-key sender at index sw + 200. */
	assert_int_equal(ksrtp_tx_alloc(&old, ssrc, &k1), 0);
	send_run(old, ssrc, (uint16_t)(sw + 200), &late, 1);
	assert_int_equal(recv_one(rx, &late), -EACCES);
	ksrtp_rx_stats(rx, &st);
	assert_true(st.auth_fail == 2 && st.ok == NPKT - 1);
	ksrtp_tx_free(old);
	ksrtp_tx_free(tx);
	ksrtp_rx_free(rx);
	free(w);
}

/* One any_ssrc key serves two SSRCs (two streams, two keystreams). */
static void test_any_ssrc_two_streams(void **state)
{
	struct ksrtp_keymat k = t_keymat(KSRTP_AEAD_AES_128_GCM);
	struct ksrtp_tx *a = NULL, *b = NULL;
	struct ksrtp_rx *rx = NULL;
	struct ksrtp_rx_stats st;
	struct wire wa[10], wb[10];

	assert_int_equal(ksrtp_tx_alloc(&a, 0xa, &k), 0);
	assert_int_equal(ksrtp_tx_alloc(&b, 0xb, &k), 0);
	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, true, 0, &k, 0), 0);
	send_run(a, 0xa, 300, wa, 10);
	send_run(b, 0xb, 300, wb, 10);
	/* same key, same seq, different SSRC: different ciphertext */
	assert_memory_not_equal(wa[0].b + 12, wb[0].b + 12, T_PAYLOAD);
	for (size_t i = 0; i < 10; i++) {
		assert_int_equal(recv_one(rx, &wa[i]), 0);
		assert_int_equal(recv_one(rx, &wb[i]), 0);
	}
	assert_int_equal(recv_one(rx, &wa[3]), -EALREADY);
	ksrtp_rx_stats(rx, &st);
	assert_true(st.ok == 20 && st.replay == 1 && st.trial_hits == 0);
	ksrtp_tx_free(a);
	ksrtp_tx_free(b);
	ksrtp_rx_free(rx);
}

/* Rekeying the any_ssrc key reaches streams created from it. */
static void test_any_ssrc_rekey(void **state)
{
	struct ksrtp_keymat k1 = t_keymat(1), k2 = t_keymat(1);
	struct ksrtp_tx *a = NULL;
	struct ksrtp_rx *rx = NULL;
	struct ksrtp_rx_stats st;
	struct wire w[40];

	assert_int_equal(ksrtp_tx_alloc(&a, 0xa, &k1), 0);
	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, true, 0, &k1, 0), 0);
	assert_int_equal(ksrtp_tx_set_next(a, &k2, 520), 0);
	send_run(a, 0xa, 500, w, 40);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(recv_one(rx, &w[i]), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, true, 0, &k2, 520), 0);
	for (size_t i = 10; i < 40; i++)
		assert_int_equal(recv_one(rx, &w[i]), 0);
	ksrtp_rx_stats(rx, &st);
	assert_true(st.switches == 1 && st.trial_hits == 0);
	ksrtp_tx_free(a);
	ksrtp_rx_free(rx);
}

/* The usual DTLS-SRTP start: the peer's exported key serves any SSRC; then
 * KTR announces a new key for the sender's SSRC at a future index, before
 * the listener saw a packet of that SSRC. Until the index the any_ssrc key
 * still applies. */
static void test_announce_unknown_ssrc_with_any_key(void **state)
{
	struct ksrtp_keymat k1 = t_keymat(2), k2 = t_keymat(2);
	struct ksrtp_tx *tx = NULL;
	struct ksrtp_rx *rx = NULL;
	struct ksrtp_rx_stats st;
	struct wire w[60];

	assert_int_equal(ksrtp_tx_alloc(&tx, 0xabc, &k1), 0);
	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, true, 0, &k1, 0), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 0xabc, &k2,
					  (3ull << 16) | 20),
			 0);
	assert_int_equal(ksrtp_tx_set_next(tx, &k2, (3ull << 16) | 20), 0);
	/* Bring the sender to ROC 2 first (not delivered), 20000 at a step. */
	for (uint32_t j = 0; j <= 9; j++)
		send_run(tx, 0xabc, (uint16_t)(j * 20000u), w, 1);
	assert_true(ksrtp_tx_index(tx) == 180000);
	send_run(tx, 0xabc, 65530, w, 60); /* ROC 2 -> 3, seq 65530..53 */
	assert_true(w[0].index == ((2ull << 16) | 65530));
	assert_true(w[59].index == ((3ull << 16) | 53));
	for (size_t i = 0; i < 60; i++)
		assert_int_equal(recv_one(rx, &w[i]), 0);
	ksrtp_rx_stats(rx, &st);
	assert_true(st.ok == 60 && st.switches == 1 && st.trial_hits == 0);
	ksrtp_tx_free(tx);
	ksrtp_rx_free(rx);
}

static void test_max_streams(void **state)
{
	struct ksrtp_rx_limits lim = { .max_streams = 2 };
	struct ksrtp_keymat k = t_keymat(1);
	struct ksrtp_tx *c = NULL;
	struct ksrtp_rx *rx = NULL;
	struct wire w;

	assert_int_equal(ksrtp_rx_alloc(&rx, &lim), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 1, &k, 0), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 2, &k, 0), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 3, &k, 0), -ENOBUFS);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 2, &k, 0), 0); /* known */
	/* an any_ssrc key cannot open a third stream either */
	assert_int_equal(ksrtp_rx_add_key(rx, true, 0, &k, 0), 0);
	assert_int_equal(ksrtp_tx_alloc(&c, 3, &k), 0);
	send_run(c, 3, 1, &w, 1);
	assert_int_equal(recv_one(rx, &w), -ENOBUFS);
	ksrtp_tx_free(c);
	ksrtp_rx_free(rx);

	lim.max_streams = KSRTP_RX_STREAMS_MAX + 1;
	assert_int_equal(ksrtp_rx_alloc(&rx, &lim), -ERANGE);
	assert_null(rx);
}

/* Draft 4.4: new SSRC, same key; the listener was never told the new SSRC
 * and follows through one trial of the most recently announced key. */
static void test_ssrc_change_same_key(void **state)
{
	struct ksrtp_keymat k = t_keymat(KSRTP_AES128_CM_SHA1_32);
	struct ksrtp_tx *tx = NULL;
	struct ksrtp_rx *rx = NULL;
	struct ksrtp_rx_stats st;
	struct wire w[20];
	uint8_t p[T_PKT_CAP], o[T_PKT_CAP];
	size_t n, n0;

	assert_int_equal(ksrtp_tx_alloc(&tx, 0x1000, &k), 0);
	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 0x1000, &k, 0), 0);
	send_run(tx, 0x1000, 65530, w, 10); /* ROC 1 by the end */
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(recv_one(rx, &w[i]), 0);

	assert_int_equal(ksrtp_tx_set_ssrc(tx, 0x2000), 0);
	assert_true(ksrtp_tx_index(tx) == 0);
	send_run(tx, 0x2000, 30000, w + 10, 10);
	assert_true(ksrtp_tx_index(tx) == 30009); /* the ROC restarted */
	for (size_t i = 10; i < 20; i++)
		assert_int_equal(recv_one(rx, &w[i]), 0);
	/* RTCP of the new SSRC now finds its stream */
	n0 = n = t_rtcp(p, sizeof(p), 0x2000, 3);
	memcpy(o, p, n0);
	assert_int_equal(ksrtp_tx_protect_rtcp(tx, p, &n, sizeof(p)), 0);
	assert_int_equal(ksrtp_rx_unprotect_rtcp(rx, p, &n), 0);
	assert_memory_equal(p, o, n0);
	ksrtp_rx_stats(rx, &st);
	assert_true(st.trial_hits == 1); /* only the first packet */
	assert_true(st.ok == 21 && st.auth_fail == 0 && st.no_key == 0);
	ksrtp_tx_free(tx);
	ksrtp_rx_free(rx);
}

/* A known SSRC whose sender moved to a newly announced key without the
 * listener being told for that SSRC: the trial adopts it (draft 4.3.4). */
static void test_trial_adopts_recent_key(void **state)
{
	struct ksrtp_keymat k1 = t_keymat(1), k2 = t_keymat(1);
	struct ksrtp_tx *tx = NULL;
	struct ksrtp_rx *rx = NULL;
	struct ksrtp_rx_stats st;
	struct wire w[30];

	assert_int_equal(ksrtp_tx_alloc(&tx, 5, &k1), 0);
	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 5, &k1, 0), 0);
	assert_int_equal(ksrtp_tx_set_next(tx, &k2, 110), 0);
	send_run(tx, 5, 100, w, 30);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(recv_one(rx, &w[i]), 0);
	/* k2 announced for another SSRC only: most recent nonetheless */
	assert_int_equal(ksrtp_rx_add_key(rx, false, 6, &k2, 0), 0);
	for (size_t i = 10; i < 30; i++)
		assert_int_equal(recv_one(rx, &w[i]), 0);
	ksrtp_rx_stats(rx, &st);
	assert_true(st.trial_hits == 1 && st.ok == 30 && st.auth_fail == 0);
	ksrtp_tx_free(tx);
	ksrtp_rx_free(rx);
}

/* A key announced at KSRTP_INDEX_ON_USE (an SBC announcing an RFC 4568
 * re-key, issue 5): the old key stays current however long the sender keeps
 * it, here across a ROC wrap; the new one takes over at the first packet
 * protected with it; a late old-key packet still authenticates. For an
 * SSRC without a stream the announcement names no ROC: tracking starts with
 * the first packet. */
static void test_key_on_use(void **state)
{
	struct ksrtp_keymat k1 = t_keymat(1), k2 = t_keymat(1);
	struct ksrtp_tx *tx = NULL, *tx2 = NULL;
	struct ksrtp_rx *rx = NULL;
	struct ksrtp_rx_stats st;
	struct wire *w = calloc(NPKT, sizeof(*w));
	const uint64_t sw = (1ULL << 16) + 60; /* ROC 1, 160 packets in */

	assert_non_null(w);
	assert_int_equal(ksrtp_tx_alloc(&tx, 0x77, &k1), 0);
	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 0x77, &k1, 0), 0);
	send_run(tx, 0x77, 65436, w, 20); /* ROC 0 */
	for (size_t i = 0; i < 20; i++)
		assert_int_equal(recv_one(rx, &w[i]), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 0x77, &k2,
					  KSRTP_INDEX_ON_USE), 0);
	assert_int_equal(ksrtp_tx_set_next(tx, &k2, sw), 0);
	send_run(tx, 0x77, 65456, w, NPKT); /* k1 up to sw - 1, then k2 */
	assert_int_equal(w[NPKT - 1].index, (1ULL << 16) + 119);
	for (size_t i = 0; i < NPKT; i++) {
		if (i == 139)
			continue; /* the last k1 packet, held back */
		assert_int_equal(recv_one(rx, &w[i]), 0);
	}
	assert_int_equal(w[139].index, sw - 1);
	assert_int_equal(recv_one(rx, &w[139]), 0);
	ksrtp_rx_stats(rx, &st);
	assert_true(st.ok == 20 + NPKT && st.auth_fail == 0);
	assert_true(st.switches == 1 && st.trial_hits == 1);

	/* Unknown SSRC 0x78, announced at KSRTP_INDEX_ON_USE only. */
	assert_int_equal(ksrtp_rx_add_key(rx, false, 0x78, &k2,
					  KSRTP_INDEX_ON_USE), 0);
	assert_int_equal(ksrtp_tx_alloc(&tx2, 0x78, &k2), 0);
	send_run(tx2, 0x78, 100, w, 20);
	for (size_t i = 0; i < 20; i++)
		assert_int_equal(recv_one(rx, &w[i]), 0);
	ksrtp_keymat_wipe(&k1);
	ksrtp_keymat_wipe(&k2);
	ksrtp_tx_free(tx);
	ksrtp_tx_free(tx2);
	ksrtp_rx_free(rx);
	free(w);
}

/* A bundle's listener (ktrua --bundle): the association's key for any
 * SSRC, then a key per SSRC at KSRTP_INDEX_ON_USE, the second announced
 * before the first SSRC's first packet. That SSRC's packets, under its
 * own key (the next key of its stream, not the most recently announced
 * one), authenticate from the first. */
static void test_key_on_use_not_last(void **state)
{
	struct ksrtp_keymat k0 = t_keymat(1), k1 = t_keymat(1), k2 = t_keymat(1);
	struct ksrtp_tx *tx = NULL;
	struct ksrtp_rx *rx = NULL;
	struct ksrtp_rx_stats st;
	struct wire w[20];

	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, true, 0, &k0, 0), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 0x77, &k1, KSRTP_INDEX_ON_USE), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 0x88, &k2, KSRTP_INDEX_ON_USE), 0);
	assert_int_equal(ksrtp_tx_alloc(&tx, 0x77, &k1), 0);
	send_run(tx, 0x77, 500, w, 20);
	for (size_t i = 0; i < 20; i++)
		assert_int_equal(recv_one(rx, &w[i]), 0);
	ksrtp_rx_stats(rx, &st);
	assert_true(st.ok == 20 && st.auth_fail == 0 && st.switches == 1);
	ksrtp_keymat_wipe(&k0);
	ksrtp_keymat_wipe(&k1);
	ksrtp_keymat_wipe(&k2);
	ksrtp_tx_free(tx);
	ksrtp_rx_free(rx);
}

/* SRTCP sent with the next key before the first RTP packet of that key
 * reached the listener: the other held key is tried once. */
static void test_rtcp_other_key(void **state)
{
	struct ksrtp_keymat k1 = t_keymat(7), k2 = t_keymat(7);
	struct ksrtp_tx *tx = NULL;
	struct ksrtp_rx *rx = NULL;
	struct ksrtp_rx_stats st;
	struct wire w[4];
	uint8_t p[T_PKT_CAP], o[T_PKT_CAP];
	size_t n, n0;

	assert_int_equal(ksrtp_tx_alloc(&tx, 9, &k1), 0);
	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 9, &k1, 0), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 9, &k2, 12), 0);
	assert_int_equal(ksrtp_tx_set_next(tx, &k2, 12), 0);
	send_run(tx, 9, 10, w, 4); /* 10, 11 with k1; 12, 13 with k2 */
	assert_int_equal(recv_one(rx, &w[0]), 0);
	n0 = n = t_rtcp(p, sizeof(p), 9, 1);
	memcpy(o, p, n0);
	assert_int_equal(ksrtp_tx_protect_rtcp(tx, p, &n, sizeof(p)), 0);
	assert_int_equal(ksrtp_rx_unprotect_rtcp(rx, p, &n), 0);
	assert_memory_equal(p, o, n0);
	for (size_t i = 1; i < 4; i++)
		assert_int_equal(recv_one(rx, &w[i]), 0);
	ksrtp_rx_stats(rx, &st);
	assert_true(st.trial_hits == 1 && st.switches == 1 && st.ok == 5);
	ksrtp_tx_free(tx);
	ksrtp_rx_free(rx);
}

static void test_rx_errors(void **state)
{
	struct ksrtp_keymat k = t_keymat(1), bad = k;
	struct ksrtp_tx *tx = NULL;
	struct ksrtp_rx *rx = NULL;
	struct ksrtp_rx_stats st;
	struct wire w[3], x;
	uint8_t big[KSRTP_MAX_PKT + 1];
	size_t n;

	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_tx_alloc(&tx, 42, &k), 0);
	send_run(tx, 42, 7, w, 3);

	/* nothing known at all */
	assert_int_equal(recv_one(rx, &w[0]), -ENOENT);
	bad.salt_len = 13;
	assert_int_equal(ksrtp_rx_add_key(rx, false, 42, &bad, 0), -ERANGE);
	bad = k;
	bad.profile = 3;
	assert_int_equal(ksrtp_rx_add_key(rx, true, 0, &bad, 0), -EINVAL);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 42, &k, 0), 0);

	/* a flipped byte: -EACCES, packet untouched (recv_one checks) */
	x = w[0];
	x.b[20] ^= 0x01;
	assert_int_equal(recv_one(rx, &x), -EACCES);
	x = w[0];
	x.b[x.n - 1] ^= 0x80; /* in the tag */
	assert_int_equal(recv_one(rx, &x), -EACCES);
	assert_int_equal(recv_one(rx, &w[0]), 0);
	assert_int_equal(recv_one(rx, &w[0]), -EALREADY);
	assert_int_equal(recv_one(rx, &w[1]), 0);

	/* malformed */
	x = w[2];
	x.n = 11;
	assert_int_equal(recv_one(rx, &x), -EBADMSG);
	x = w[2];
	x.b[0] = 0x40; /* version 1 */
	assert_int_equal(recv_one(rx, &x), -EBADMSG);
	x = w[2];
	x.n = 14; /* a header without room for the tag */
	assert_int_equal(recv_one(rx, &x), -EBADMSG);
	n = 3;
	assert_int_equal(ksrtp_rx_unprotect_rtcp(rx, x.b, &n), -EBADMSG);
	memset(big, 0, sizeof(big));
	n = t_rtp(big, sizeof(big), 42, 9);
	n = sizeof(big);
	assert_int_equal(ksrtp_rx_unprotect(rx, big, &n), -EMSGSIZE);
	assert_int_equal(recv_one(rx, &w[2]), 0);

	/* another SSRC, only 42's key to try: no key for it */
	{
		struct ksrtp_tx *o = NULL;
		struct ksrtp_keymat ko = t_keymat(1);

		assert_int_equal(ksrtp_tx_alloc(&o, 43, &ko), 0);
		send_run(o, 43, 7, &x, 1);
		assert_int_equal(recv_one(rx, &x), -ENOENT);
		ksrtp_tx_free(o);
	}
	ksrtp_rx_stats(rx, &st);
	assert_true(st.ok == 3 && st.auth_fail == 2 && st.replay == 1 &&
		    st.no_key == 2 && st.trial_hits == 0);
	ksrtp_tx_free(tx);
	ksrtp_rx_free(rx);
	ksrtp_rx_free(NULL);
}

/* A store holding current, next, previous and any_ssrc keys frees cleanly
 * (LeakSanitizer checks every allocation, libsrtp2's included). */
static void test_free_full_store(void **state)
{
	struct ksrtp_keymat k1 = t_keymat(8), k2 = t_keymat(8),
			    k3 = t_keymat(8);
	struct ksrtp_rx *rx = NULL;

	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	for (uint32_t s = 1; s <= 10; s++) {
		assert_int_equal(ksrtp_rx_add_key(rx, false, s, &k1, 0), 0);
		assert_int_equal(ksrtp_rx_add_key(rx, false, s, &k2, 100), 0);
		assert_int_equal(ksrtp_rx_add_key(rx, false, s, &k3, 200), 0);
	}
	assert_int_equal(ksrtp_rx_add_key(rx, false, 11, &k1, 50), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, 11, &k2, 20), 0); /* now */
	assert_int_equal(ksrtp_rx_add_key(rx, true, 0, &k3, 0), 0);
	ksrtp_rx_free(rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_at_seq),
		cmocka_unit_test(test_switch_across_roc_wrap),
		cmocka_unit_test(test_switch_with_reordering),
		cmocka_unit_test(test_old_key_refused_after_switch),
		cmocka_unit_test(test_any_ssrc_two_streams),
		cmocka_unit_test(test_any_ssrc_rekey),
		cmocka_unit_test(test_announce_unknown_ssrc_with_any_key),
		cmocka_unit_test(test_max_streams),
		cmocka_unit_test(test_ssrc_change_same_key),
		cmocka_unit_test(test_trial_adopts_recent_key),
		cmocka_unit_test(test_key_on_use),
		cmocka_unit_test(test_key_on_use_not_last),
		cmocka_unit_test(test_rtcp_other_key),
		cmocka_unit_test(test_rx_errors),
		cmocka_unit_test(test_free_full_store),
	};

	return cmocka_run_group_tests_name("ksrtp_rx", tests, NULL, NULL);
}

/*
 * Unit tests for src/ktr/ktr_sess.c, the Key Transport state machine
 * (draft-wing-avt-dtls-srtp-key-transport-02 section 4.2 Figure 10, 4.3,
 * 4.5; retransmission rules in docs/ktr-wire.md). Two sessions are wired
 * back to back in memory by tests/lib/ktr_pair: records in, records out, an
 * injected clock, optional loss per direction, an event log per side.
 * What a session refuses (mismatches, malformed input, stale answers, bad
 * configurations): test_ktr_sess_refuse.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "ktr/ktr.h"
#include "tests/lib/ktr_pair.h"

/* Body sizes from docs/ktr-wire.md. */
#define NEW_KEY_BODY(k, s) \
	(1 + 4 + 1 + (k) + 1 + 1 + (s) + 4 + 2 + KTR_RANDOM_LEN)
#define ACTIVATE_BODY (2 + 1 + 4 + KTR_RANDOM_LEN)


static void kp_fill(struct ktr_keyparams *kp, uint8_t key_len,
		    uint8_t salt_len, uint8_t tag_len, uint8_t seed)
{
	memset(kp, 0, sizeof(*kp));
	kp->key_len = key_len;
	kp->salt_len = salt_len;
	kp->tag_len = tag_len;
	for (int i = 0; i < key_len; i++)
		kp->key[i] = (uint8_t)(seed + i);
	for (int i = 0; i < salt_len; i++)
		kp->salt[i] = (uint8_t)(0xa0 + seed + i);
}

static bool all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* --- announce -------------------------------------------------------------- */

static void test_announce_random(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	const struct ktr_pair_ev *lk, *pk, *ac, *lk2;
	struct ktr_msg m;

	assert_false(ktr_sess_busy(p->a.s));
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, 0), -1);
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, 0), 0);

	/* LOCAL_KEY before the call returned, and before the record left. */
	assert_int_equal(p->a.nev, 1);
	lk = &p->a.ev[0];
	assert_int_equal(lk->type, KTR_EV_LOCAL_KEY);
	assert_int_equal(lk->nsent_at, 0);
	assert_true(lk->has_kp);
	assert_int_equal(lk->index, 1000 + 50);
	assert_int_equal(lk->kp.key_len, 16);
	assert_int_equal(lk->kp.salt_len, 14);
	assert_int_equal(lk->kp.tag_len, 10);
	assert_false(lk->kp.any_ssrc);
	assert_int_equal(lk->kp.ssrc, 0x0a0a0a0a);
	assert_false(all_zero(lk->kp.key, 16));
	assert_false(all_zero(lk->kp.salt, 14));
	assert_int_equal(p->a.nsent, 1);
	assert_int_equal(p->b.nev, 0);
	assert_true(ktr_sess_busy(p->a.s));
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, 0), 250);

	/* The record is one unfragmented new_srtp_key carrying that key. */
	assert_int_equal(p->a.sent[0].len,
			 KTR_HDR_LEN + NEW_KEY_BODY(16, 14));
	ktr_pair_rec_decode(&p->a.sent[0], &m);
	assert_int_equal(m.type, KTR_NEW_SRTP_KEY);
	assert_int_equal(m.message_seq, lk->message_seq);
	assert_int_equal(m.u.new_key.roc, 0);
	assert_int_equal(m.u.new_key.seq, 1050);
	assert_true(ktr_pair_same_key(&m.u.new_key.kp, &lk->kp));
	ktr_msg_wipe(&m);

	ktr_pair_pump(p, 10);
	assert_int_equal(p->b.nev, 1);
	pk = &p->b.ev[0];
	assert_int_equal(pk->type, KTR_EV_PEER_KEY);
	assert_true(pk->has_kp);
	assert_true(ktr_pair_same_key(&pk->kp, &lk->kp));
	assert_false(pk->kp.any_ssrc);
	assert_int_equal(pk->kp.ssrc, 0x0a0a0a0a);
	assert_int_equal(pk->index, 1050);
	assert_int_equal(pk->message_seq, lk->message_seq);

	/* B acknowledged with one activate naming A's message_seq. */
	assert_int_equal(p->b.nsent, 1);
	ktr_pair_rec_decode(&p->b.sent[0], &m);
	assert_int_equal(m.type, KTR_NEW_SRTP_KEY_ACTIVATE);
	assert_int_equal(m.u.activate.acked_seq, lk->message_seq);
	assert_false(m.u.activate.any_ssrc);
	assert_int_equal(m.u.activate.ssrc, 0x0a0a0a0a);

	assert_int_equal(p->a.nev, 2);
	ac = &p->a.ev[1];
	assert_int_equal(ac->type, KTR_EV_ACTIVATED);
	assert_int_equal(ac->message_seq, lk->message_seq);
	assert_int_equal(ac->index, 1050);
	assert_false(ktr_sess_busy(p->a.s));
	assert_false(ktr_sess_busy(p->b.s));
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, 10), -1);
	assert_int_equal(p->a.ninput_err + p->b.ninput_err, 0);

	/* Nothing more is sent later. */
	ktr_sess_timer(p->a.s, 100000);
	ktr_sess_timer(p->b.s, 100000);
	assert_int_equal(p->a.nsent, 1);
	assert_int_equal(p->b.nsent, 1);

	/* A second announcement: a fresh CSPRNG key, a new message_seq. */
	ktr_pair_announce_ok(p, &p->a, 200000);
	lk2 = ktr_pair_find(&p->a, KTR_EV_LOCAL_KEY, 1);
	assert_non_null(lk2);
	assert_int_not_equal(lk2->message_seq, lk->message_seq);
	assert_memory_not_equal(lk2->kp.key, lk->kp.key, 16);
	assert_memory_not_equal(lk2->kp.salt, lk->kp.salt, 14);
	ktr_pair_free(p);
}

/* An announcement at a given index (the SBC on an SDES UA's behalf): the
 * wire carries exactly that roc|seq, the last one included; above it
 * -ERANGE with nothing sent. */
static void test_announce_at(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	struct ktr_keyparams kp;
	const struct ktr_pair_ev *lk, *pk;
	struct ktr_msg m;

	kp_fill(&kp, 16, 14, 10, 0x21);
	assert_int_equal(ktr_sess_announce_at(p->a.s, &kp, KTR_INDEX_LAST + 1, 0),
			 -ERANGE);
	assert_int_equal(p->a.nsent, 0);
	assert_int_equal(p->a.nev, 0);
	assert_false(ktr_sess_busy(p->a.s));

	assert_int_equal(ktr_sess_announce_at(p->a.s, &kp, KTR_INDEX_LAST, 0), 0);
	lk = ktr_pair_find(&p->a, KTR_EV_LOCAL_KEY, 0);
	assert_non_null(lk);
	assert_true(ktr_pair_same_key(&lk->kp, &kp));
	assert_int_equal(lk->kp.ssrc, 0x0a0a0a0a);
	assert_int_equal(lk->index, KTR_INDEX_LAST);
	assert_int_equal(p->a.nsent, 1);
	ktr_pair_rec_decode(&p->a.sent[0], &m);
	assert_int_equal(m.type, KTR_NEW_SRTP_KEY);
	assert_int_equal(m.u.new_key.roc, 0xffffffffu);
	assert_int_equal(m.u.new_key.seq, 0xffff);
	ktr_msg_wipe(&m);
	ktr_pair_pump(p, 10);
	pk = ktr_pair_find(&p->b, KTR_EV_PEER_KEY, 0);
	assert_non_null(pk);
	assert_true(ktr_pair_same_key(&pk->kp, &kp));
	assert_int_equal(pk->index, KTR_INDEX_LAST);
	assert_non_null(ktr_pair_find(&p->a, KTR_EV_ACTIVATED, 0));
	assert_false(ktr_sess_busy(p->a.s));

	/* Any other index, below the speaker's own next one too: as given. */
	kp_fill(&kp, 16, 14, 10, 0x31);
	assert_int_equal(ktr_sess_announce_at(p->a.s, &kp, 7, 20), 0);
	lk = ktr_pair_find(&p->a, KTR_EV_LOCAL_KEY, 1);
	assert_non_null(lk);
	assert_int_equal(lk->index, 7);
	ktr_pair_pump(p, 30);
	pk = ktr_pair_find(&p->b, KTR_EV_PEER_KEY, 1);
	assert_non_null(pk);
	assert_int_equal(pk->index, 7);
	ktr_pair_free(p);
}

static void test_announce_explicit(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	struct ktr_keyparams kp, bad;
	const struct ktr_pair_ev *lk, *pk;

	/* Mismatching lengths: -ERANGE, nothing sent, nothing reported. */
	kp_fill(&bad, 32, 14, 10, 1);
	assert_int_equal(ktr_sess_announce(p->a.s, &bad, 0), -ERANGE);
	kp_fill(&bad, 16, 12, 10, 1);
	assert_int_equal(ktr_sess_announce(p->a.s, &bad, 0), -ERANGE);
	kp_fill(&bad, 16, 14, 16, 1);
	assert_int_equal(ktr_sess_announce(p->a.s, &bad, 0), -ERANGE);
	kp_fill(&bad, 24, 14, 10, 1);
	assert_int_equal(ktr_sess_announce(p->a.s, &bad, 0), -ERANGE);
	assert_int_equal(p->a.nsent, 0);
	assert_int_equal(p->a.nev, 0);
	assert_false(ktr_sess_busy(p->a.s));

	kp_fill(&kp, 16, 14, 10, 0x40);
	assert_int_equal(ktr_sess_announce(p->a.s, &kp, 5), 0);
	lk = ktr_pair_find(&p->a, KTR_EV_LOCAL_KEY, 0);
	assert_non_null(lk);
	assert_true(ktr_pair_same_key(&lk->kp, &kp));
	ktr_pair_pump(p, 5);
	pk = ktr_pair_find(&p->b, KTR_EV_PEER_KEY, 0);
	assert_non_null(pk);
	assert_true(ktr_pair_same_key(&pk->kp, &kp));
	assert_int_equal(pk->kp.ssrc, 0x0a0a0a0a);
	assert_int_equal(pk->index, 1050);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_ACTIVATED), 1);
	assert_false(ktr_sess_busy(p->a.s));

	/* Section 4.4: same key, new SSRC. */
	p->a.ssrc = 0x12345678;
	p->a.next_index = 0x2fffe;
	assert_int_equal(ktr_sess_announce(p->a.s, &kp, 10), 0);
	ktr_pair_pump(p, 10);
	pk = ktr_pair_find(&p->b, KTR_EV_PEER_KEY, 1);
	assert_non_null(pk);
	assert_true(ktr_pair_same_key(&pk->kp, &kp));
	assert_int_equal(pk->kp.ssrc, 0x12345678);
	assert_int_equal(pk->index, 0x2fffe + 50);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_ACTIVATED), 2);
	ktr_pair_free(p);
}

/* Announcing requires a sending stream. */
static void test_announce_not_sending(void **state)
{
	struct ktr_pair *p = ktr_pair_default();

	p->a.tx_err = -ENOENT;
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, 0), -ENOENT);
	assert_int_equal(p->a.nsent, 0);
	assert_int_equal(p->a.nev, 0);
	assert_false(ktr_sess_busy(p->a.s));
	ktr_pair_free(p);
}

static void test_profiles(void **state)
{
	static const uint8_t prof[][3] = {
		{ 16, 14, 10 }, { 16, 14, 4 }, { 16, 12, 16 }, { 32, 12, 16 },
	};

	for (size_t i = 0; i < sizeof(prof) / sizeof(prof[0]); i++) {
		struct ktr_sess_cfg c;
		struct ktr_pair *p;
		const struct ktr_pair_ev *pk;

		ktr_pair_cfg(&c, prof[i][0], prof[i][1], prof[i][2]);
		p = ktr_pair_new(&c, NULL);
		pk = ktr_pair_announce_ok(p, &p->a, 0);
		assert_int_equal(pk->kp.key_len, prof[i][0]);
		assert_int_equal(pk->kp.salt_len, prof[i][1]);
		assert_int_equal(pk->kp.tag_len, prof[i][2]);
		assert_int_equal(p->a.sent[0].len,
				 KTR_HDR_LEN +
					 NEW_KEY_BODY(prof[i][0], prof[i][1]));
		/* And the other direction, across a ROC boundary. */
		pk = ktr_pair_announce_ok(p, &p->b, 1);
		assert_int_equal(pk->kp.key_len, prof[i][0]);
		assert_int_equal(pk->kp.salt_len, prof[i][1]);
		assert_int_equal(pk->kp.tag_len, prof[i][2]);
		assert_int_equal(pk->kp.ssrc, 0x0b0b0b0b);
		assert_int_equal(pk->index, 0x1fff0 + 50);
		assert_int_equal(p->a.ninput_err + p->b.ninput_err, 0);
		ktr_pair_free(p);
	}
}

/* --- fragmentation (section 4.5) --------------------------------------------- */

static void frag_case(size_t max_frag, bool reversed)
{
	const size_t body = NEW_KEY_BODY(16, 14);
	const size_t nrec = (body + max_frag - 1) / max_frag;
	const size_t nack = (ACTIVATE_BODY + max_frag - 1) / max_frag;
	struct ktr_sess_cfg c;
	struct ktr_pair *p;
	const struct ktr_pair_ev *lk, *pk;

	ktr_pair_cfg(&c, 16, 14, 10);
	c.max_frag = max_frag;
	p = ktr_pair_new(&c, NULL);
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, 0), 0);
	assert_int_equal(p->a.nsent, nrec);
	for (size_t i = 0; i < nrec; i++) {
		assert_true(p->a.sent[i].len <= KTR_HDR_LEN + max_frag);
		assert_true(p->a.sent[i].len > KTR_HDR_LEN);
	}
	if (reversed) {
		for (size_t i = nrec; i-- > 0;) {
			assert_int_equal(ktr_sess_input(p->b.s, p->a.sent[i].b,
							p->a.sent[i].len, 0),
					 0);
			assert_int_equal(ktr_pair_count(&p->b,
							KTR_EV_PEER_KEY),
					 i == 0);
		}
		p->a.delivered = nrec;
	}
	ktr_pair_pump(p, 0);
	lk = ktr_pair_find(&p->a, KTR_EV_LOCAL_KEY, 0);
	pk = ktr_pair_find(&p->b, KTR_EV_PEER_KEY, 0);
	assert_non_null(lk);
	assert_non_null(pk);
	assert_true(ktr_pair_same_key(&pk->kp, &lk->kp));
	assert_int_equal(pk->index, lk->index);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_PEER_KEY), 1);
	assert_int_equal(p->b.nsent, nack);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_ACTIVATED), 1);
	assert_false(ktr_sess_busy(p->a.s));
	assert_int_equal(p->a.ninput_err + p->b.ninput_err, 0);
	ktr_pair_free(p);
}

static void test_fragmentation(void **state)
{
	frag_case(1, false);
	frag_case(7, false);
	frag_case(7, true);
	frag_case(52, false); /* exactly one record */
}

/* --- retransmission ------------------------------------------------------------- */

static void test_retransmission_gives_up(void **state)
{
	/* Gaps before each resend: 250 ms doubling to at most 2 s. */
	static const uint64_t gap[] = { 250, 500, 1000, 2000, 2000, 2000, 2000 };
	struct ktr_pair *p = ktr_pair_default();
	const struct ktr_pair_ev *gu;
	uint64_t now = 1000, due;

	p->a.drop_all = true;
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, now), 0);
	assert_int_equal(p->a.nsent, 1);
	for (size_t i = 0; i < sizeof(gap) / sizeof(gap[0]); i++) {
		due = now + gap[i];
		assert_int_equal(ktr_sess_timeout_ms(p->a.s, now),
				 (int64_t)gap[i]);
		assert_int_equal(ktr_sess_timeout_ms(p->a.s, due - 1), 1);
		ktr_sess_timer(p->a.s, due - 1); /* not yet due */
		assert_int_equal(p->a.nsent, i + 1);
		assert_int_equal(ktr_sess_timeout_ms(p->a.s, due), 0);
		ktr_sess_timer(p->a.s, due);
		assert_int_equal(p->a.nsent, i + 2);
		ktr_sess_timer(p->a.s, due); /* once per due time */
		assert_int_equal(p->a.nsent, i + 2);
		ktr_pair_pump(p, due);
		now = due;
	}
	/* Eight sends; the ninth due time gives up instead of sending. */
	assert_int_equal(p->a.nsent, 8);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_GAVE_UP), 0);
	assert_true(ktr_sess_busy(p->a.s));
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, now), 2000);
	ktr_sess_timer(p->a.s, now + 1999);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_GAVE_UP), 0);
	ktr_sess_timer(p->a.s, now + 2000);
	assert_int_equal(p->a.nsent, 8);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_GAVE_UP), 1);
	gu = ktr_pair_find(&p->a, KTR_EV_GAVE_UP, 0);
	assert_int_equal(gu->err, -ETIMEDOUT);
	assert_int_equal(gu->message_seq, p->a.ev[0].message_seq);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_ACTIVATED), 0);
	assert_false(ktr_sess_busy(p->a.s));
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, now + 2000), -1);

	/* Every resend is the first record, byte for byte. */
	for (size_t i = 1; i < 8; i++) {
		assert_int_equal(p->a.sent[i].len, p->a.sent[0].len);
		assert_memory_equal(p->a.sent[i].b, p->a.sent[0].b,
				    p->a.sent[0].len);
	}
	assert_int_equal(p->a.ndropped, 8);
	assert_int_equal(p->b.nev, 0);
	ktr_sess_timer(p->a.s, now + 100000);
	assert_int_equal(p->a.nsent, 8);
	ktr_pair_free(p);
}

/* A late timer resends once and restarts the interval from then. */
static void test_retransmission_late_timer(void **state)
{
	struct ktr_pair *p = ktr_pair_default();

	p->a.drop_all = true;
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, 0), 0);
	ktr_sess_timer(p->a.s, 5000);
	assert_int_equal(p->a.nsent, 2);
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, 5000), 500);
	/* The activate finally arrives: no more resends. */
	p->a.drop_all = false;
	p->a.delivered = p->a.nsent - 1;
	ktr_pair_pump(p, 5001);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_ACTIVATED), 1);
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, 5001), -1);
	ktr_sess_timer(p->a.s, 6000);
	assert_int_equal(p->a.nsent, 2);
	ktr_pair_free(p);
}

static void test_lost_activate(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	struct ktr_msg m0, m1;

	p->b.drop_next = 1;
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, 0), 0);
	ktr_pair_pump(p, 0);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_PEER_KEY), 1);
	assert_int_equal(p->b.nsent, 1);
	assert_int_equal(p->b.ndropped, 1);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_ACTIVATED), 0);
	assert_true(ktr_sess_busy(p->a.s));

	ktr_sess_timer(p->a.s, 250);
	assert_int_equal(p->a.nsent, 2);
	ktr_pair_pump(p, 250);
	/* B answered the duplicate with the same activate, acted once. */
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_PEER_KEY), 1);
	assert_int_equal(p->b.nsent, 2);
	ktr_pair_rec_decode(&p->b.sent[0], &m0);
	ktr_pair_rec_decode(&p->b.sent[1], &m1);
	assert_int_equal(m1.type, KTR_NEW_SRTP_KEY_ACTIVATE);
	assert_int_equal(m1.u.activate.acked_seq, p->a.ev[0].message_seq);
	assert_int_equal(m1.message_seq, m0.message_seq);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_ACTIVATED), 1);
	assert_false(ktr_sess_busy(p->a.s));

	/* A duplicated activate is ignored. */
	assert_int_equal(ktr_sess_input(p->a.s, p->b.sent[1].b,
					p->b.sent[1].len, 260),
			 0);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_ACTIVATED), 1);
	ktr_sess_timer(p->a.s, 100000);
	assert_int_equal(p->a.nsent, 2);
	assert_int_equal(p->a.nev, 2);
	assert_int_equal(p->b.nev, 1);
	ktr_pair_free(p);
}

/* A failing send callback is treated like a lost datagram. */
static void test_send_error_retried(void **state)
{
	struct ktr_pair *p = ktr_pair_default();

	p->a.send_err = -EAGAIN;
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, 0), 0);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_LOCAL_KEY), 1);
	assert_int_equal(p->a.nsent, 0);
	assert_true(ktr_sess_busy(p->a.s));
	p->a.send_err = 0;
	ktr_sess_timer(p->a.s, 250);
	assert_int_equal(p->a.nsent, 1);
	ktr_pair_pump(p, 250);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_PEER_KEY), 1);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_ACTIVATED), 1);
	assert_false(ktr_sess_busy(p->a.s));
	ktr_pair_free(p);
}

/* Configured backoff, ceiling, send limit and activation distance. */
static void test_rtx_config(void **state)
{
	struct ktr_sess_cfg c;
	struct ktr_pair *p;
	const struct ktr_pair_ev *gu;

	ktr_pair_cfg(&c, 16, 14, 10);
	c.rtx_initial_ms = 100;
	c.rtx_max_ms = 300;
	c.rtx_limit = 4;
	c.activate_ahead = 7;
	p = ktr_pair_new(&c, NULL);
	p->a.drop_all = true;
	assert_int_equal(ktr_sess_request(p->a.s, 0), 0);
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, 0), 100);
	ktr_sess_timer(p->a.s, 100);
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, 100), 200);
	ktr_sess_timer(p->a.s, 300);
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, 300), 300);
	ktr_sess_timer(p->a.s, 600);
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, 600), 300);
	assert_int_equal(p->a.nsent, 4);
	ktr_sess_timer(p->a.s, 900);
	assert_int_equal(p->a.nsent, 4);
	gu = ktr_pair_find(&p->a, KTR_EV_GAVE_UP, 0);
	assert_non_null(gu);
	assert_int_equal(gu->err, -ETIMEDOUT);
	assert_false(ktr_sess_busy(p->a.s));

	p->a.drop_all = false;
	ktr_pair_lose(&p->a);
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, 1000), 0);
	assert_int_equal(ktr_pair_find(&p->a, KTR_EV_LOCAL_KEY, 0)->index,
			 1000 + 7);
	ktr_pair_pump(p, 1000);
	assert_int_equal(ktr_pair_find(&p->b, KTR_EV_PEER_KEY, 0)->index,
			 1000 + 7);
	ktr_pair_free(p);
}

/* A new announcement supersedes an unacknowledged one. */
static void test_announce_supersedes(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	const struct ktr_pair_ev *lk1;

	p->a.drop_all = true;
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, 0), 0);
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, 100), 0);
	lk1 = ktr_pair_find(&p->a, KTR_EV_LOCAL_KEY, 1);
	assert_non_null(lk1);
	ktr_sess_timer(p->a.s, 350);
	assert_int_equal(p->a.nsent, 3);
	assert_memory_equal(p->a.sent[2].b, p->a.sent[1].b, p->a.sent[1].len);
	/* Only the second arrives; its activate completes everything. */
	p->a.drop_all = false;
	p->a.delivered = 2;
	ktr_pair_pump(p, 360);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_PEER_KEY), 1);
	assert_true(ktr_pair_same_key(&p->b.ev[0].kp, &lk1->kp));
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_ACTIVATED), 1);
	assert_int_equal(ktr_pair_find(&p->a, KTR_EV_ACTIVATED, 0)->message_seq,
			 lk1->message_seq);
	assert_false(ktr_sess_busy(p->a.s));
	ktr_pair_free(p);
}

/* --- your_new_srtp_key ------------------------------------------------------------ */

/* A dictates; B must announce exactly that key as its own. */
static void dictate_flow(struct ktr_pair *p, const struct ktr_keyparams *kp)
{
	struct ktr_keyparams out;
	const struct ktr_pair_ev *lk, *pk;
	struct ktr_msg m;
	size_t na, nb;

	memset(&out, 0xee, sizeof(out));
	assert_int_equal(ktr_sess_dictate(p->a.s, kp, &out, 0), 0);
	assert_int_equal(p->a.nsent, 1);
	assert_int_equal(p->a.nev, 0);
	assert_true(ktr_sess_busy(p->a.s));
	assert_int_equal(out.key_len, 16);
	assert_int_equal(out.salt_len, 14);
	assert_int_equal(out.tag_len, 10);
	if (kp) {
		assert_true(ktr_pair_same_key(&out, kp));
		assert_int_equal(out.any_ssrc, kp->any_ssrc);
	} else {
		assert_true(out.any_ssrc);
		assert_int_equal(out.ssrc, 0);
		assert_false(all_zero(out.key, 16));
	}
	ktr_pair_rec_decode(&p->a.sent[0], &m);
	assert_int_equal(m.type, KTR_YOUR_NEW_SRTP_KEY);
	assert_true(ktr_pair_same_key(&m.u.your_key.kp, &out));
	ktr_msg_wipe(&m);

	ktr_pair_pump(p, 0);
	lk = ktr_pair_find(&p->b, KTR_EV_LOCAL_KEY, 0);
	assert_non_null(lk);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_LOCAL_KEY), 1);
	assert_true(ktr_pair_same_key(&lk->kp, &out));
	assert_false(lk->kp.any_ssrc);
	assert_int_equal(lk->kp.ssrc, 0x0b0b0b0b);
	assert_int_equal(lk->index, 0x1fff0 + 50);
	pk = ktr_pair_find(&p->a, KTR_EV_PEER_KEY, 0);
	assert_non_null(pk);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_PEER_KEY), 1);
	assert_true(ktr_pair_same_key(&pk->kp, &out));
	assert_int_equal(pk->kp.ssrc, 0x0b0b0b0b);
	assert_int_equal(pk->index, 0x1fff0 + 50);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_ACTIVATED), 1);
	assert_false(ktr_sess_busy(p->a.s));
	assert_false(ktr_sess_busy(p->b.s));
	/* The dictation no longer retransmits. */
	na = p->a.nsent;
	nb = p->b.nsent;
	ktr_sess_timer(p->a.s, 100000);
	ktr_sess_timer(p->b.s, 100000);
	assert_int_equal(p->a.nsent, na);
	assert_int_equal(p->b.nsent, nb);
	assert_int_equal(p->a.ninput_err + p->b.ninput_err, 0);
	memset(&out, 0, sizeof(out));
}

static void test_dictate_random(void **state)
{
	struct ktr_pair *p = ktr_pair_default();

	dictate_flow(p, NULL);
	ktr_pair_free(p);
}

static void test_dictate_given(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	struct ktr_keyparams kp;

	kp_fill(&kp, 16, 14, 10, 0x21);
	kp.any_ssrc = true;
	dictate_flow(p, &kp);
	ktr_pair_free(p);

	/* Naming B's SSRC explicitly works too. */
	p = ktr_pair_default();
	kp_fill(&kp, 16, 14, 10, 0x61);
	kp.ssrc = 0x0b0b0b0b;
	dictate_flow(p, &kp);
	ktr_pair_free(p);
}

static void test_dictate_bad_lengths(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	struct ktr_keyparams kp, out;

	kp_fill(&kp, 32, 12, 16, 1);
	memset(&out, 0, sizeof(out));
	assert_int_equal(ktr_sess_dictate(p->a.s, &kp, &out, 0), -ERANGE);
	assert_int_equal(p->a.nsent, 0);
	assert_false(ktr_sess_busy(p->a.s));
	assert_true(all_zero(out.key, sizeof(out.key)));
	ktr_pair_free(p);
}

/* B's new_srtp_key (the echo) is lost: A keeps resending the dictation,
 * B does not act on it twice; B's own retransmission completes it. */
static void test_dictate_lost_echo(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	struct ktr_keyparams out;

	p->b.drop_next = 1;
	assert_int_equal(ktr_sess_dictate(p->a.s, NULL, &out, 0), 0);
	ktr_pair_pump(p, 0);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_LOCAL_KEY), 1);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_PEER_KEY), 0);
	assert_true(ktr_sess_busy(p->a.s));
	ktr_sess_timer(p->a.s, 250);
	assert_int_equal(p->a.nsent, 2);
	assert_memory_equal(p->a.sent[1].b, p->a.sent[0].b, p->a.sent[0].len);
	ktr_pair_pump(p, 250);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_LOCAL_KEY), 1);
	assert_int_equal(p->b.nsent, 1); /* nothing new for the duplicate */
	ktr_sess_timer(p->b.s, 250);
	assert_int_equal(p->b.nsent, 2);
	ktr_pair_pump(p, 250);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_PEER_KEY), 1);
	assert_true(ktr_pair_same_key(&ktr_pair_find(&p->a, KTR_EV_PEER_KEY,
						     0)->kp,
				      &out));
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_ACTIVATED), 1);
	assert_false(ktr_sess_busy(p->a.s));
	assert_false(ktr_sess_busy(p->b.s));
	ktr_pair_free(p);
}


static void test_dictate_not_sending(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	struct ktr_keyparams kp;
	struct ktr_msg m;
	uint16_t seq;

	p->b.tx_err = -ENOENT;
	assert_int_equal(ktr_sess_dictate(p->a.s, NULL, NULL, 0), 0);
	ktr_pair_rec_decode(&p->a.sent[0], &m);
	seq = m.message_seq;
	ktr_msg_wipe(&m);
	ktr_pair_pump(p, 0);
	ktr_pair_expect_peer_failure(&p->a, seq, KTR_FAIL_STATE);
	assert_int_equal(p->b.nev, 0);
	assert_false(ktr_sess_busy(p->b.s));
	ktr_pair_free(p);

	/* Dictating for an SSRC B does not send. */
	p = ktr_pair_default();
	kp_fill(&kp, 16, 14, 10, 3);
	kp.ssrc = 0x0c0c0c0c;
	assert_int_equal(ktr_sess_dictate(p->a.s, &kp, NULL, 0), 0);
	ktr_pair_pump(p, 0);
	ktr_pair_expect_peer_failure(&p->a, 0, KTR_FAIL_STATE);
	assert_int_equal(p->b.nev, 0);
	ktr_pair_free(p);
}

/* BUNDLE (draft 4.4: a key per SSRC): B sends two streams on one
 * association; A dictates a key for each SSRC, one after the other, and B
 * answers each with a new_srtp_key naming that SSRC at that stream's own
 * index. */
static void test_dictate_per_ssrc(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	struct ktr_keyparams k1, k2;
	const struct ktr_pair_ev *lk, *pk;

	p->b.ssrc2 = 0x0b0b0b0c;
	p->b.next_index2 = 500;
	kp_fill(&k1, 16, 14, 10, 0x31);
	k1.ssrc = 0x0b0b0b0c;
	assert_int_equal(ktr_sess_dictate(p->a.s, &k1, NULL, 0), 0);
	ktr_pair_pump(p, 0);
	lk = ktr_pair_find(&p->b, KTR_EV_LOCAL_KEY, 0);
	assert_non_null(lk);
	assert_true(ktr_pair_same_key(&lk->kp, &k1));
	assert_false(lk->kp.any_ssrc);
	assert_int_equal(lk->kp.ssrc, 0x0b0b0b0c);
	assert_int_equal(lk->index, 500 + 50);
	pk = ktr_pair_find(&p->a, KTR_EV_PEER_KEY, 0);
	assert_non_null(pk);
	assert_int_equal(pk->kp.ssrc, 0x0b0b0b0c);
	assert_int_equal(pk->index, 500 + 50);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_PEER_FAILURE), 0);
	assert_false(ktr_sess_busy(p->a.s));

	/* then B's first stream, under another key */
	kp_fill(&k2, 16, 14, 10, 0x41);
	k2.ssrc = 0x0b0b0b0b;
	assert_int_equal(ktr_sess_dictate(p->a.s, &k2, NULL, 0), 0);
	ktr_pair_pump(p, 0);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_LOCAL_KEY), 2);
	lk = ktr_pair_find(&p->b, KTR_EV_LOCAL_KEY, 1);
	assert_non_null(lk);
	assert_true(ktr_pair_same_key(&lk->kp, &k2));
	assert_int_equal(lk->kp.ssrc, 0x0b0b0b0b);
	assert_int_equal(lk->index, 0x1fff0 + 50);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_PEER_KEY), 2);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_ACTIVATED), 2);
	assert_false(ktr_sess_busy(p->a.s));
	assert_false(ktr_sess_busy(p->b.s));

	/* an SSRC B sends on neither stream is still refused */
	kp_fill(&k1, 16, 14, 10, 0x51);
	k1.ssrc = 0x0c0c0c0c;
	assert_int_equal(ktr_sess_dictate(p->a.s, &k1, NULL, 0), 0);
	ktr_pair_pump(p, 0);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_PEER_FAILURE), 1);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_LOCAL_KEY), 2);
	ktr_pair_free(p);
}

/* --- new_srtp_key_request ----------------------------------------------------------- */

static void test_request(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	const struct ktr_pair_ev *lk, *pk;
	struct ktr_msg m;

	assert_int_equal(ktr_sess_request(p->a.s, 0), 0);
	assert_true(ktr_sess_busy(p->a.s));
	assert_int_equal(p->a.nsent, 1);
	ktr_pair_rec_decode(&p->a.sent[0], &m);
	assert_int_equal(m.type, KTR_NEW_SRTP_KEY_REQUEST);
	ktr_pair_pump(p, 0);
	lk = ktr_pair_find(&p->b, KTR_EV_LOCAL_KEY, 0);
	pk = ktr_pair_find(&p->a, KTR_EV_PEER_KEY, 0);
	assert_non_null(lk);
	assert_non_null(pk);
	assert_true(ktr_pair_same_key(&lk->kp, &pk->kp));
	assert_false(all_zero(pk->kp.key, 16));
	assert_int_equal(pk->kp.ssrc, 0x0b0b0b0b);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_ACTIVATED), 1);
	assert_false(ktr_sess_busy(p->a.s));
	assert_false(ktr_sess_busy(p->b.s));
	ktr_sess_timer(p->a.s, 100000);
	assert_int_equal(p->a.nsent, 2); /* request + activate only */
	ktr_pair_free(p);
}

static void test_request_not_sending(void **state)
{
	struct ktr_pair *p = ktr_pair_default();

	p->b.tx_err = -ENOENT;
	assert_int_equal(ktr_sess_request(p->a.s, 0), 0);
	ktr_pair_pump(p, 0);
	ktr_pair_expect_peer_failure(&p->a, 0, KTR_FAIL_STATE);
	assert_int_equal(p->b.nev, 0);
	ktr_pair_free(p);
}

/* The failure is lost: the retransmitted request gets it again. */
static void test_request_lost_failure(void **state)
{
	struct ktr_pair *p = ktr_pair_default();

	p->b.tx_err = -ENOENT;
	p->b.drop_next = 1;
	assert_int_equal(ktr_sess_request(p->a.s, 0), 0);
	ktr_pair_pump(p, 0);
	assert_int_equal(p->b.ndropped, 1);
	assert_true(ktr_sess_busy(p->a.s));
	ktr_sess_timer(p->a.s, 250);
	ktr_pair_pump(p, 250);
	assert_int_equal(p->b.nsent, 2);
	assert_memory_equal(p->b.sent[1].b, p->b.sent[0].b, p->b.sent[0].len);
	ktr_pair_expect_peer_failure(&p->a, 0, KTR_FAIL_STATE);
	ktr_pair_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_announce_random),
		cmocka_unit_test(test_announce_explicit),
		cmocka_unit_test(test_announce_at),
		cmocka_unit_test(test_announce_not_sending),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_fragmentation),
		cmocka_unit_test(test_retransmission_gives_up),
		cmocka_unit_test(test_retransmission_late_timer),
		cmocka_unit_test(test_lost_activate),
		cmocka_unit_test(test_announce_supersedes),
		cmocka_unit_test(test_send_error_retried),
		cmocka_unit_test(test_rtx_config),
		cmocka_unit_test(test_dictate_random),
		cmocka_unit_test(test_dictate_given),
		cmocka_unit_test(test_dictate_bad_lengths),
		cmocka_unit_test(test_dictate_lost_echo),
		cmocka_unit_test(test_dictate_not_sending),
		cmocka_unit_test(test_dictate_per_ssrc),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_request_not_sending),
		cmocka_unit_test(test_request_lost_failure),
	};

	return cmocka_run_group_tests_name("ktr_sess", tests, NULL, NULL);
}

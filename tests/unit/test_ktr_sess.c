/*
 * Unit tests for src/ktr/ktr_sess.c, the Key Transport state machine
 * (draft-wing-avt-dtls-srtp-key-transport-02 section 4.2 Figure 10, 4.3,
 * 4.5; retransmission rules in docs/ktr-wire.md). Two sessions are wired
 * back to back in memory by tests/lib/ktr_pair: records in, records out, an
 * injected clock, optional loss per direction, an event log per side.
 * Here: new_srtp_key (announce, profiles, fragmentation, retransmission).
 * The dictation (your_new_srtp_key) and new_srtp_key_request flows:
 * test_ktr_sess_dictate.c. What a session refuses (mismatches, malformed
 * input, stale answers, bad configurations): test_ktr_sess_refuse.c.
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
	assert_false(ktr_pair_zero(lk->kp.key, 16));
	assert_false(ktr_pair_zero(lk->kp.salt, 14));
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

	ktr_pair_kp_fill(&kp, 16, 14, 10, 0x21);
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
	ktr_pair_kp_fill(&kp, 16, 14, 10, 0x31);
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
	ktr_pair_kp_fill(&bad, 32, 14, 10, 1);
	assert_int_equal(ktr_sess_announce(p->a.s, &bad, 0), -ERANGE);
	ktr_pair_kp_fill(&bad, 16, 12, 10, 1);
	assert_int_equal(ktr_sess_announce(p->a.s, &bad, 0), -ERANGE);
	ktr_pair_kp_fill(&bad, 16, 14, 16, 1);
	assert_int_equal(ktr_sess_announce(p->a.s, &bad, 0), -ERANGE);
	ktr_pair_kp_fill(&bad, 24, 14, 10, 1);
	assert_int_equal(ktr_sess_announce(p->a.s, &bad, 0), -ERANGE);
	assert_int_equal(p->a.nsent, 0);
	assert_int_equal(p->a.nev, 0);
	assert_false(ktr_sess_busy(p->a.s));

	ktr_pair_kp_fill(&kp, 16, 14, 10, 0x40);
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
	};

	return cmocka_run_group_tests_name("ktr_sess", tests, NULL, NULL);
}

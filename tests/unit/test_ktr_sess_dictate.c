/*
 * Unit tests for src/ktr/ktr_sess.c, the Key Transport state machine
 * (draft-wing-avt-dtls-srtp-key-transport-02 section 4.2 Figure 10, 4.4,
 * 4.5): the dictation (your_new_srtp_key: the listener announces the key
 * it was given, per SSRC on a bundle) and new_srtp_key_request flows, two
 * sessions back to back in memory (tests/lib/ktr_pair). The new_srtp_key
 * flows: test_ktr_sess.c; what a session refuses: test_ktr_sess_refuse.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ktr/ktr.h"
#include "tests/lib/ktr_pair.h"

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
		assert_false(ktr_pair_zero(out.key, 16));
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

	ktr_pair_kp_fill(&kp, 16, 14, 10, 0x21);
	kp.any_ssrc = true;
	dictate_flow(p, &kp);
	ktr_pair_free(p);

	/* Naming B's SSRC explicitly works too. */
	p = ktr_pair_default();
	ktr_pair_kp_fill(&kp, 16, 14, 10, 0x61);
	kp.ssrc = 0x0b0b0b0b;
	dictate_flow(p, &kp);
	ktr_pair_free(p);
}

static void test_dictate_bad_lengths(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	struct ktr_keyparams kp, out;

	ktr_pair_kp_fill(&kp, 32, 12, 16, 1);
	memset(&out, 0, sizeof(out));
	assert_int_equal(ktr_sess_dictate(p->a.s, &kp, &out, 0), -ERANGE);
	assert_int_equal(p->a.nsent, 0);
	assert_false(ktr_sess_busy(p->a.s));
	assert_true(ktr_pair_zero(out.key, sizeof(out.key)));
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
	ktr_pair_kp_fill(&kp, 16, 14, 10, 3);
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
	ktr_pair_kp_fill(&k1, 16, 14, 10, 0x31);
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
	ktr_pair_kp_fill(&k2, 16, 14, 10, 0x41);
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
	ktr_pair_kp_fill(&k1, 16, 14, 10, 0x51);
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
	assert_false(ktr_pair_zero(pk->kp.key, 16));
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

	return cmocka_run_group_tests_name("ktr_sess_dictate", tests, NULL, NULL);
}

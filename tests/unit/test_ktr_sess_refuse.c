/*
 * Unit tests for src/ktr/ktr_sess.c, the Key Transport state machine: what a
 * session refuses (key parameters that do not match, records from a peer
 * that did not negotiate KTR, malformed input, stale answers, bad
 * configurations). The protocol flows: test_ktr_sess.c; the harness:
 * tests/lib/ktr_pair.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/sec.h"
#include "ktr/ktr.h"
#include "tests/lib/ktr_pair.h"

/* --- refusals ------------------------------------------------------------------------ */

static void test_key_params_mismatch(void **state)
{
	struct ktr_sess_cfg ca, cb;
	struct ktr_pair *p;
	struct ktr_msg m;

	ktr_pair_cfg(&ca, 32, 12, 16);
	ktr_pair_cfg(&cb, 16, 14, 10);
	p = ktr_pair_new(&ca, &cb);
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, 0), 0);
	ktr_pair_pump(p, 0);
	ktr_pair_expect_peer_failure(&p->a, 0, KTR_FAIL_KEY_PARAMS);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_PEER_KEY), 0);
	assert_int_equal(p->b.nev, 0);
	assert_int_equal(p->b.nsent, 1);
	ktr_pair_rec_decode(&p->b.sent[0], &m);
	assert_int_equal(m.type, KTR_NEW_SRTP_KEY_FAILURE);
	assert_int_equal(m.u.failure.ref_seq, 0);
	assert_int_equal(m.u.failure.reason, KTR_FAIL_KEY_PARAMS);
	assert_int_equal(p->a.ninput_err + p->b.ninput_err, 0);

	/* A dictation that does not fit B's profile is refused alike. */
	assert_int_equal(ktr_sess_dictate(p->a.s, NULL, NULL, 10), 0);
	ktr_pair_pump(p, 10);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_PEER_FAILURE), 2);
	assert_int_equal(ktr_pair_find(&p->a, KTR_EV_PEER_FAILURE, 1)->reason,
			 KTR_FAIL_KEY_PARAMS);
	assert_int_equal(p->b.nev, 0);
	assert_false(ktr_sess_busy(p->a.s));
	ktr_pair_free(p);
}

struct rec_sink {
	struct ktr_pair_side *to;
	uint64_t now;
	int last;
};

static int sink_input(void *arg, const uint8_t *rec, size_t len)
{
	struct rec_sink *k = arg;

	k->last = ktr_sess_input(k->to->s, rec, len, k->now);
	return k->last;
}

static void test_lkh_net_key(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	struct ktr_msg m, r;
	uint8_t rec[KTR_HDR_LEN + 1 + KTR_LKH_MAX];
	struct rec_sink sink = { .now = 0 };
	size_t len;

	memset(&m, 0, sizeof(m));
	m.type = KTR_LKH_NET_KEY;
	m.message_seq = 9;
	m.u.lkh.len = 16;
	memset(m.u.lkh.key, 0x5a, 16);
	assert_int_equal(ktr_msg_encode(&m, rec, sizeof(rec), &len), 0);
	assert_int_equal(ktr_sess_input(p->b.s, rec, len, 0), 0);
	assert_int_equal(p->b.nev, 1);
	assert_int_equal(p->b.ev[0].type, KTR_EV_LKH_NET_KEY);
	assert_int_equal(p->b.ev[0].message_seq, 9);
	assert_false(p->b.ev[0].has_kp);
	assert_int_equal(p->b.nsent, 1);
	ktr_pair_rec_decode(&p->b.sent[0], &r);
	assert_int_equal(r.type, KTR_NEW_SRTP_KEY_FAILURE);
	assert_int_equal(r.u.failure.ref_seq, 9);
	assert_int_equal(r.u.failure.reason, KTR_FAIL_UNSUPPORTED);
	assert_false(ktr_sess_busy(p->b.s));

	/* Fragmented, 128 bytes of key; A hears the refusal of nothing it
	 * sent and ignores it. */
	m.message_seq = 10;
	m.u.lkh.len = KTR_LKH_MAX;
	memset(m.u.lkh.key, 0x3c, KTR_LKH_MAX);
	sink.to = &p->b;
	assert_int_equal(ktr_frag_send(&m, 5, sink_input, &sink), 0);
	assert_int_equal(sink.last, 0);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_LKH_NET_KEY), 2);
	assert_int_equal(ktr_pair_find(&p->b, KTR_EV_LKH_NET_KEY, 1)->message_seq,
			 10);
	assert_int_equal(p->b.nsent, 2);
	ktr_pair_rec_decode(&p->b.sent[1], &r);
	assert_int_equal(r.u.failure.ref_seq, 10);
	assert_int_equal(r.u.failure.reason, KTR_FAIL_UNSUPPORTED);
	ktr_pair_pump(p, 0);
	assert_int_equal(p->a.nev, 0);
	assert_int_equal(p->a.ninput_err, 0);
	ktr_msg_wipe(&m);
	ktr_pair_free(p);
}

static void test_not_negotiated(void **state)
{
	struct ktr_sess_cfg c;
	struct ktr_pair *p, *q;

	ktr_pair_cfg(&c, 16, 14, 10);
	c.negotiated = false;
	p = ktr_pair_new(&c, NULL);
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, 0), -ENOTSUP);
	assert_int_equal(ktr_sess_dictate(p->a.s, NULL, NULL, 0), -ENOTSUP);
	assert_int_equal(ktr_sess_request(p->a.s, 0), -ENOTSUP);
	assert_int_equal(p->a.nsent, 0);
	assert_int_equal(p->a.nev, 0);
	assert_false(ktr_sess_busy(p->a.s));
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, 0), -1);

	/* A valid record from a negotiated peer is not accepted either. */
	q = ktr_pair_default();
	assert_int_equal(ktr_sess_announce(q->a.s, NULL, 0), 0);
	assert_int_equal(ktr_sess_input(p->b.s, q->a.sent[0].b,
					q->a.sent[0].len, 0),
			 -ENOTSUP);
	assert_int_equal(p->b.nev, 0);
	assert_int_equal(p->b.nsent, 0);
	ktr_pair_free(q);
	ktr_pair_free(p);
}

/* --- malformed input ------------------------------------------------------------------ */

/* A 12-byte header written field by field, so that inconsistent ones can
 * be made too (ktr_hdr_encode refuses them). */
static size_t put_hdr(uint8_t *out, size_t cap, uint8_t type, uint32_t length,
		      uint16_t seq, uint32_t off, uint32_t flen)
{
	struct buf_wr w;

	buf_wr_init(&w, out, cap);
	assert_int_equal(buf_put_u8(&w, type), 0);
	assert_int_equal(buf_put_u24(&w, length), 0);
	assert_int_equal(buf_put_u16(&w, seq), 0);
	assert_int_equal(buf_put_u24(&w, off), 0);
	assert_int_equal(buf_put_u24(&w, flen), 0);
	return w.len;
}

/* A whole new_srtp_key record with any key_len byte (no range check). */
static size_t raw_new_key(uint8_t *out, size_t cap, uint16_t seq,
			  uint8_t key_len)
{
	uint8_t body[128], pad[64];
	struct buf_wr w;
	size_t n;

	memset(pad, 0x77, sizeof(pad));
	buf_wr_init(&w, body, sizeof(body));
	assert_int_equal(buf_put_u8(&w, 0), 0); /* flags */
	assert_int_equal(buf_put_u32(&w, 0x01020304), 0);
	assert_int_equal(buf_put_u8(&w, key_len), 0);
	assert_int_equal(buf_put_bytes(&w, pad, key_len), 0);
	assert_int_equal(buf_put_u8(&w, 10), 0); /* tag */
	assert_int_equal(buf_put_u8(&w, 14), 0);
	assert_int_equal(buf_put_bytes(&w, pad, 14), 0);
	assert_int_equal(buf_put_u32(&w, 0), 0); /* roc */
	assert_int_equal(buf_put_u16(&w, 100), 0); /* seq */
	assert_int_equal(buf_put_bytes(&w, pad, KTR_RANDOM_LEN), 0);
	n = put_hdr(out, cap, KTR_NEW_SRTP_KEY, (uint32_t)w.len, seq, 0,
		    (uint32_t)w.len);
	assert_true(n + w.len <= cap);
	memcpy(out + n, body, w.len);
	return n + w.len;
}

/* Feed rec to B: the error `want` comes back, is reported as BAD_INPUT,
 * nothing is sent and nothing else is reported. */
static void expect_bad(struct ktr_pair *p, const uint8_t *rec, size_t len,
		       int want)
{
	size_t nev = p->b.nev, nsent = p->b.nsent;

	assert_int_equal(ktr_sess_input(p->b.s, rec, len, 0), want);
	assert_int_equal(p->b.nev, nev + 1);
	assert_int_equal(p->b.ev[nev].type, KTR_EV_BAD_INPUT);
	assert_int_equal(p->b.ev[nev].err, want);
	assert_false(p->b.ev[nev].has_kp);
	assert_int_equal(p->b.nsent, nsent);
}

static void test_malformed_input(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	uint8_t rec[KTR_HDR_LEN + 600], good[KTR_HDR_LEN + 128];
	uint8_t body[KTR_RANDOM_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t n, glen;

	memset(rec, 0x11, sizeof(rec));
	/* Truncated header, every length 0..11. */
	n = put_hdr(rec, sizeof(rec), KTR_NEW_SRTP_KEY_REQUEST, 8, 0x300, 0, 8);
	memcpy(rec + n, body, 8);
	for (size_t l = 0; l < KTR_HDR_LEN; l++)
		expect_bad(p, rec, l, -ENODATA);
	/* Fragment length says more than the record holds, or less. */
	expect_bad(p, rec, KTR_HDR_LEN + 5, -ENODATA);
	rec[KTR_HDR_LEN + 8] = 0;
	expect_bad(p, rec, KTR_HDR_LEN + 9, -EBADMSG);
	/* fragment_offset + fragment_length > length. */
	n = put_hdr(rec, sizeof(rec), KTR_NEW_SRTP_KEY_REQUEST, 8, 0x301, 4, 8);
	expect_bad(p, rec, n + 8, -EBADMSG);
	/* Empty fragment of a non-empty message. */
	n = put_hdr(rec, sizeof(rec), KTR_NEW_SRTP_KEY_REQUEST, 8, 0x302, 0, 0);
	expect_bad(p, rec, n, -EBADMSG);
	/* Over the reassembly limit (512), whole or first fragment. */
	n = put_hdr(rec, sizeof(rec), KTR_LKH_NET_KEY, 513, 0x303, 0, 513);
	expect_bad(p, rec, n + 513, -EMSGSIZE);
	n = put_hdr(rec, sizeof(rec), KTR_LKH_NET_KEY, 0xffffff, 0x304, 0, 1);
	expect_bad(p, rec, n + 1, -EMSGSIZE);
	/* Unknown types. */
	n = put_hdr(rec, sizeof(rec), 5, 8, 0x305, 0, 8);
	expect_bad(p, rec, n + 8, -ENOMSG);
	n = put_hdr(rec, sizeof(rec), 255, 8, 0x306, 0, 8);
	expect_bad(p, rec, n + 8, -ENOMSG);
	/* Key lengths outside 16/24/32. */
	n = raw_new_key(rec, sizeof(rec), 0x307, 40);
	expect_bad(p, rec, n, -ERANGE);
	n = raw_new_key(rec, sizeof(rec), 0x308, 8);
	expect_bad(p, rec, n, -ERANGE);
	n = raw_new_key(rec, sizeof(rec), 0x309, 17);
	expect_bad(p, rec, n, -ERANGE);
	/* Truncated body (a complete record of a too short message). */
	n = put_hdr(rec, sizeof(rec), KTR_NEW_SRTP_KEY_REQUEST, 7, 0x30a, 0, 7);
	expect_bad(p, rec, n + 7, -ENODATA);

	/* Contradicting fragments of one message_seq: -EPROTO, dropped. */
	glen = raw_new_key(good, sizeof(good), 0x310, 16);
	n = put_hdr(rec, sizeof(rec), KTR_NEW_SRTP_KEY, 52, 0x310, 0, 10);
	memcpy(rec + n, good + KTR_HDR_LEN, 10);
	assert_int_equal(ktr_sess_input(p->b.s, rec, n + 10, 0), 0);
	n = put_hdr(rec, sizeof(rec), KTR_NEW_SRTP_KEY, 52, 0x310, 5, 10);
	memcpy(rec + n, good + KTR_HDR_LEN + 5, 10);
	rec[n + 3] ^= 0xff; /* byte 8: held, now different */
	expect_bad(p, rec, n + 10, -EPROTO);
	/* The partial message was dropped: the whole message is fine now. */
	assert_int_equal(glen, KTR_HDR_LEN + 52);
	n = put_hdr(rec, sizeof(rec), KTR_NEW_SRTP_KEY, 52, 0x311, 0, 10);
	memcpy(rec + n, good + KTR_HDR_LEN, 10);
	assert_int_equal(ktr_sess_input(p->b.s, rec, n + 10, 0), 0);
	/* Same message_seq, different total length, then different type. */
	n = put_hdr(rec, sizeof(rec), KTR_NEW_SRTP_KEY, 53, 0x311, 10, 10);
	expect_bad(p, rec, n + 10, -EPROTO);
	n = put_hdr(rec, sizeof(rec), KTR_NEW_SRTP_KEY, 52, 0x312, 0, 10);
	memcpy(rec + n, good + KTR_HDR_LEN, 10);
	assert_int_equal(ktr_sess_input(p->b.s, rec, n + 10, 0), 0);
	n = put_hdr(rec, sizeof(rec), KTR_LKH_NET_KEY, 52, 0x312, 10, 10);
	expect_bad(p, rec, n + 10, -EPROTO);
	/* Partial messages beyond max_pending (4). */
	for (uint16_t i = 0; i < 4; i++) {
		n = put_hdr(rec, sizeof(rec), KTR_NEW_SRTP_KEY, 52, 0x320 + i,
			    0, 10);
		assert_int_equal(ktr_sess_input(p->b.s, rec, n + 10, 0), 0);
	}
	n = put_hdr(rec, sizeof(rec), KTR_NEW_SRTP_KEY, 52, 0x324, 0, 10);
	expect_bad(p, rec, n + 10, -ENOBUFS);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_PEER_KEY), 0);
	assert_int_equal(p->b.nsent, 0);

	/* Partial messages expire (5 s); the timer says when to look. */
	assert_int_equal(ktr_sess_timeout_ms(p->b.s, 0), 1000);
	ktr_sess_timer(p->b.s, 5000);
	assert_int_equal(ktr_sess_timeout_ms(p->b.s, 5000), -1);

	/* The session keeps working, both ways. */
	ktr_pair_announce_ok(p, &p->a, 6000);
	ktr_pair_announce_ok(p, &p->b, 6001);
	assert_int_equal(p->a.ninput_err + p->b.ninput_err, 0);
	ktr_pair_free(p);
}

/* --- answers that do not match --------------------------------------------------------- */

static size_t enc(const struct ktr_msg *m, uint8_t *out, size_t cap)
{
	size_t len = 0;

	assert_int_equal(ktr_msg_encode(m, out, cap, &len), 0);
	return len;
}

static void test_stale_answers(void **state)
{
	struct ktr_pair *p = ktr_pair_default();
	uint8_t rec[64];
	struct ktr_msg m;
	size_t len;
	uint16_t ann, dic;

	p->a.drop_all = true;
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, 0), 0);
	assert_int_equal(ktr_sess_dictate(p->a.s, NULL, NULL, 0), 0);
	ann = 0;
	dic = 1;
	assert_int_equal(ktr_pair_find(&p->a, KTR_EV_LOCAL_KEY, 0)->message_seq,
			 ann);

	memset(&m, 0, sizeof(m));
	m.type = KTR_NEW_SRTP_KEY_ACTIVATE;
	m.message_seq = 40;
	m.u.activate.ssrc = 0x0a0a0a0a;
	/* Wrong acked_seq: ignored. */
	m.u.activate.acked_seq = 7;
	len = enc(&m, rec, sizeof(rec));
	assert_int_equal(ktr_sess_input(p->a.s, rec, len, 10), 0);
	/* An activate naming the dictation (not a new_srtp_key): ignored. */
	m.message_seq = 41;
	m.u.activate.acked_seq = dic;
	len = enc(&m, rec, sizeof(rec));
	assert_int_equal(ktr_sess_input(p->a.s, rec, len, 10), 0);
	/* A failure naming nothing pending: ignored. */
	memset(&m, 0, sizeof(m));
	m.type = KTR_NEW_SRTP_KEY_FAILURE;
	m.message_seq = 42;
	m.u.failure.ref_seq = 9;
	m.u.failure.reason = KTR_FAIL_STATE;
	len = enc(&m, rec, sizeof(rec));
	assert_int_equal(ktr_sess_input(p->a.s, rec, len, 10), 0);
	assert_int_equal(p->a.nev, 1); /* the LOCAL_KEY only */
	assert_true(ktr_sess_busy(p->a.s));
	assert_int_equal(ktr_sess_timeout_ms(p->a.s, 10), 240);
	assert_int_equal(p->a.nsent, 2);

	/* The right activate completes the announcement only. */
	memset(&m, 0, sizeof(m));
	m.type = KTR_NEW_SRTP_KEY_ACTIVATE;
	m.message_seq = 43;
	m.u.activate.acked_seq = ann;
	m.u.activate.ssrc = 0x0a0a0a0a;
	len = enc(&m, rec, sizeof(rec));
	assert_int_equal(ktr_sess_input(p->a.s, rec, len, 20), 0);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_ACTIVATED), 1);
	assert_true(ktr_sess_busy(p->a.s)); /* the dictation still waits */
	ktr_sess_timer(p->a.s, 250);
	assert_int_equal(p->a.nsent, 3);
	assert_memory_equal(p->a.sent[2].b, p->a.sent[1].b, p->a.sent[1].len);
	/* A failure naming the dictation ends it. */
	memset(&m, 0, sizeof(m));
	m.type = KTR_NEW_SRTP_KEY_FAILURE;
	m.message_seq = 44;
	m.u.failure.ref_seq = dic;
	m.u.failure.reason = KTR_FAIL_INTERNAL;
	len = enc(&m, rec, sizeof(rec));
	assert_int_equal(ktr_sess_input(p->a.s, rec, len, 260), 0);
	ktr_pair_expect_peer_failure(&p->a, dic, KTR_FAIL_INTERNAL);
	/* Repeating the answers changes nothing. */
	assert_int_equal(ktr_sess_input(p->a.s, rec, len, 270), 0);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_PEER_FAILURE), 1);
	assert_int_equal(p->a.ninput_err, 0);
	ktr_pair_free(p);
}

/* --- construction ---------------------------------------------------------------------- */

static int nop_send(void *arg, const uint8_t *rec, size_t len)
{
	return 0;
}

static void nop_event(void *arg, const struct ktr_event *ev)
{
}

/* The listener policy of cfg.refuse_keys / cfg.deaf (ktrua --ktr-refuse-
 * after / --ktr-deaf-after): keys past accept_keys are refused, or nothing
 * is answered any more; the speaker's failure and give-up events name the
 * message's type. */
static void test_listener_policy(void **state)
{
	struct ktr_sess_cfg ca, cb;
	struct ktr_keyparams kp;
	const struct ktr_pair_ev *f;
	struct ktr_pair *p;
	uint64_t now = 0;

	ktr_pair_cfg(&ca, 16, 14, 10);
	cb = ca;
	cb.refuse_keys = true;
	cb.accept_keys = 1;
	p = ktr_pair_new(&ca, &cb);
	assert_false(ktr_sess_refusing(p->b.s));
	kp = ktr_pair_announce_ok(p, &p->a, now)->kp;
	assert_true(ktr_sess_refusing(p->b.s));
	/* The same key again (another SSRC, 4.4) is not a new key. */
	p->a.ssrc = 0x0c0c0c0c;
	assert_int_equal(ktr_sess_announce(p->a.s, &kp, now), 0);
	ktr_pair_pump(p, now);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_ACTIVATED), 2);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_PEER_KEY), 2);
	/* A new key: new_srtp_key_failure, reason "state". */
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, now), 0);
	ktr_pair_pump(p, now);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_PEER_KEY), 2);
	f = ktr_pair_find(&p->a, KTR_EV_PEER_FAILURE, 0);
	assert_non_null(f);
	assert_int_equal(f->reason, KTR_FAIL_STATE);
	assert_int_equal(f->msg_type, KTR_NEW_SRTP_KEY);
	assert_false(ktr_sess_busy(p->a.s));
	assert_string_equal(ktr_fail_reason_name(f->reason), "cannot act on it now");
	sec_wipe(&kp, sizeof(kp));
	ktr_pair_free(p);

	/* Deaf from the first key: nothing is answered, the speaker's
	 * retransmissions give up, and later messages go unanswered too. */
	cb = ca;
	cb.deaf = true;
	p = ktr_pair_new(&ca, &cb);
	assert_int_equal(ktr_sess_announce(p->a.s, NULL, now), 0);
	ktr_pair_pump(p, now);
	assert_true(ktr_sess_refusing(p->b.s));
	assert_int_equal(ktr_sess_dictate(p->a.s, NULL, NULL, now), 0);
	ktr_pair_pump(p, now);
	assert_int_equal(p->b.nsent, 0);
	for (int i = 0; i < 40 && ktr_sess_busy(p->a.s); i++) {
		now += 2000;
		ktr_sess_timer(p->a.s, now);
		ktr_sess_timer(p->b.s, now);
		ktr_pair_pump(p, now);
	}
	assert_false(ktr_sess_busy(p->a.s));
	f = ktr_pair_find(&p->a, KTR_EV_GAVE_UP, 0);
	assert_non_null(f);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_GAVE_UP), 2);
	assert_int_equal(ktr_pair_count(&p->a, KTR_EV_PEER_FAILURE), 0);
	assert_true(f->msg_type == KTR_NEW_SRTP_KEY || f->msg_type == KTR_YOUR_NEW_SRTP_KEY);
	assert_int_equal(ktr_pair_find(&p->a, KTR_EV_GAVE_UP, 1)->msg_type +
			 f->msg_type, KTR_NEW_SRTP_KEY + KTR_YOUR_NEW_SRTP_KEY);
	assert_int_equal(ktr_pair_count(&p->b, KTR_EV_PEER_KEY), 0);
	ktr_pair_free(p);
}

static void test_alloc_rejects(void **state)
{
	static const uint8_t bad[][3] = {
		{ 8, 14, 10 },  { 15, 14, 10 }, { 33, 14, 10 }, { 40, 14, 10 },
		{ 20, 14, 10 }, { 16, 13, 10 }, { 16, 0, 10 },	{ 16, 16, 10 },
		{ 16, 14, 3 },	{ 16, 14, 17 }, { 0, 0, 0 },
	};
	const struct ktr_sess_ops ops = { .send = nop_send,
					  .event = nop_event };
	const struct ktr_sess_ops no_send = { .event = nop_event };
	const struct ktr_sess_ops no_event = { .send = nop_send };
	struct ktr_sess_cfg c;
	struct ktr_sess *s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ktr_pair_cfg(&c, bad[i][0], bad[i][1], bad[i][2]);
		s = NULL;
		assert_int_equal(ktr_sess_alloc(&s, &c, &ops, NULL), -EINVAL);
		assert_null(s);
	}
	ktr_pair_cfg(&c, 16, 14, 10);
	assert_int_equal(ktr_sess_alloc(NULL, &c, &ops, NULL), -EINVAL);
	assert_int_equal(ktr_sess_alloc(&s, NULL, &ops, NULL), -EINVAL);
	assert_int_equal(ktr_sess_alloc(&s, &c, NULL, NULL), -EINVAL);
	assert_int_equal(ktr_sess_alloc(&s, &c, &no_send, NULL), -EINVAL);
	assert_int_equal(ktr_sess_alloc(&s, &c, &no_event, NULL), -EINVAL);
	ktr_sess_free(NULL);

	/* Good profiles allocate; without tx_state nothing can be announced
	 * but everything else works. */
	ktr_pair_cfg(&c, 24, 14, 10);
	assert_int_equal(ktr_sess_alloc(&s, &c, &ops, NULL), 0);
	assert_int_equal(ktr_sess_announce(s, NULL, 0), -ENOENT);
	assert_int_equal(ktr_sess_request(s, 0), 0);
	assert_true(ktr_sess_busy(s));
	ktr_sess_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_params_mismatch),
		cmocka_unit_test(test_lkh_net_key),
		cmocka_unit_test(test_not_negotiated),
		cmocka_unit_test(test_malformed_input),
		cmocka_unit_test(test_stale_answers),
		cmocka_unit_test(test_alloc_rejects),
		cmocka_unit_test(test_listener_policy),
	};

	return cmocka_run_group_tests_name("ktr_sess_refuse", tests, NULL, NULL);
}

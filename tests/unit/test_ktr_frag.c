/*
 * Unit tests for src/ktr/ktr_frag.c: splitting (ktr_frag_send) and
 * reassembly (ktr_reasm_*) per draft-wing-avt-dtls-srtp-key-transport-02
 * section 4.5 and docs/ktr-wire.md "Fragmentation and reassembly".
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

#define REC_CAP (KTR_HDR_LEN + 160)
#define RECS_MAX 200

/* Records captured from ktr_frag_send. */
struct recs {
	size_t n;
	size_t len[RECS_MAX];
	uint8_t rec[RECS_MAX][REC_CAP];
	int fail_at; /* emit returns -EIO on this call (1-based); 0 never */
};

static int emit_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct recs *rs = arg;

	if (rs->fail_at && (int)rs->n + 1 == rs->fail_at)
		return -EIO;
	assert_true(rs->n < RECS_MAX);
	assert_true(len <= REC_CAP);
	memcpy(rs->rec[rs->n], rec, len);
	rs->len[rs->n] = len;
	rs->n++;
	return 0;
}

/* new_srtp_key, AEAD_AES_256_GCM: a 66-byte body. */
static void msg_new_key(struct ktr_msg *m, uint16_t seq)
{
	memset(m, 0, sizeof(*m));
	m->type = KTR_NEW_SRTP_KEY;
	m->message_seq = seq;
	m->u.new_key.kp.ssrc = 0xc0ffee00u + seq;
	m->u.new_key.kp.key_len = 32;
	assert_int_equal(sec_random(m->u.new_key.kp.key, 32), 0);
	m->u.new_key.kp.tag_len = 16;
	m->u.new_key.kp.salt_len = 12;
	assert_int_equal(sec_random(m->u.new_key.kp.salt, 12), 0);
	m->u.new_key.roc = 7;
	m->u.new_key.seq = 0x8001;
	assert_int_equal(sec_random(m->u.new_key.random, 8), 0);
}

/* lkh_net_key of 128 bytes: the largest body (129). */
static void msg_lkh(struct ktr_msg *m, uint16_t seq)
{
	memset(m, 0, sizeof(*m));
	m->type = KTR_LKH_NET_KEY;
	m->message_seq = seq;
	m->u.lkh.len = KTR_LKH_MAX;
	assert_int_equal(sec_random(m->u.lkh.key, KTR_LKH_MAX), 0);
}

/* Same message: same type, seq and encoding. */
static void assert_msg_equal(const struct ktr_msg *a, const struct ktr_msg *b)
{
	uint8_t ea[REC_CAP], eb[REC_CAP];
	size_t na = 0, nb = 0;

	assert_int_equal(a->type, b->type);
	assert_int_equal(a->message_seq, b->message_seq);
	assert_int_equal(ktr_msg_encode(a, ea, sizeof(ea), &na), 0);
	assert_int_equal(ktr_msg_encode(b, eb, sizeof(eb), &nb), 0);
	assert_int_equal(na, nb);
	assert_memory_equal(ea, eb, na);
}

static void split(const struct ktr_msg *m, size_t max_frag, struct recs *rs)
{
	memset(rs, 0, sizeof(*rs));
	assert_int_equal(ktr_frag_send(m, max_frag, emit_cb, rs), 0);
}

/* Feed records in the order given; the last one, and only it, completes. */
static void feed_expect_last(struct ktr_reasm *r, const struct recs *rs,
			     const size_t *order, size_t n,
			     const struct ktr_msg *want)
{
	struct ktr_msg got;

	for (size_t i = 0; i < n; i++) {
		size_t k = order[i];
		int rc = ktr_reasm_input(r, rs->rec[k], rs->len[k], 100, &got);

		assert_int_equal(rc, i + 1 == n ? 1 : 0);
	}
	assert_msg_equal(&got, want);
	assert_int_equal(ktr_reasm_pending(r), 0);
	ktr_msg_wipe(&got);
}

/* Deterministic shuffle (xorshift), so a failure reproduces. */
static void shuffle(size_t *v, size_t n, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;

	for (size_t i = n; i > 1; i--) {
		size_t j;
		size_t t;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		j = x % i;
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

static void check_split(const struct ktr_msg *m, const struct recs *rs,
			size_t body, size_t max_frag)
{
	size_t off = 0;

	assert_int_equal(rs->n, (body + max_frag - 1) / max_frag);
	for (size_t i = 0; i < rs->n; i++) {
		struct buf_rd rd;
		struct ktr_hdr h;

		buf_rd_init(&rd, rs->rec[i], rs->len[i]);
		assert_int_equal(ktr_hdr_decode(&rd, &h), 0);
		assert_int_equal(h.type, m->type);
		assert_int_equal(h.length, body);
		assert_int_equal(h.message_seq, m->message_seq);
		assert_int_equal(h.frag_off, off);
		assert_true(h.frag_len >= 1 && h.frag_len <= max_frag);
		assert_int_equal(buf_rd_left(&rd), h.frag_len);
		off += h.frag_len;
	}
	assert_int_equal(off, body);
}

static void test_split_orders(void **state)
{
	static const size_t sizes[] = { 1, 7, 12, 1024 };
	struct ktr_msg msgs[2];
	size_t bodies[2] = { 66, 129 };
	static struct recs rs;
	size_t order[RECS_MAX];
	struct ktr_reasm *r;

	msg_new_key(&msgs[0], 10);
	msg_lkh(&msgs[1], 11);
	assert_int_equal(ktr_reasm_alloc(&r, NULL), 0);
	for (size_t mi = 0; mi < 2; mi++) {
		for (size_t si = 0; si < 4; si++) {
			split(&msgs[mi], sizes[si], &rs);
			check_split(&msgs[mi], &rs, bodies[mi], sizes[si]);

			for (size_t i = 0; i < rs.n; i++)
				order[i] = i;
			feed_expect_last(r, &rs, order, rs.n, &msgs[mi]);

			for (size_t i = 0; i < rs.n; i++)
				order[i] = rs.n - 1 - i;
			feed_expect_last(r, &rs, order, rs.n, &msgs[mi]);

			for (uint32_t seed = 1; seed <= 5; seed++) {
				for (size_t i = 0; i < rs.n; i++)
					order[i] = i;
				shuffle(order, rs.n, seed * 7919 + si);
				feed_expect_last(r, &rs, order, rs.n,
						 &msgs[mi]);
			}
		}
	}
	ktr_reasm_free(r);
	ktr_msg_wipe(&msgs[0]);
	ktr_msg_wipe(&msgs[1]);
}

/* Every fragment but the last delivered twice (the last one completes). */
static void test_duplicates(void **state)
{
	static struct recs rs;
	struct ktr_reasm *r;
	struct ktr_msg m, got;
	int rc;

	msg_new_key(&m, 3);
	split(&m, 7, &rs);
	assert_int_equal(ktr_reasm_alloc(&r, NULL), 0);
	for (size_t i = 0; i + 1 < rs.n; i++) {
		for (int d = 0; d < 2; d++) {
			rc = ktr_reasm_input(r, rs.rec[i], rs.len[i], 0, &got);
			assert_int_equal(rc, 0);
		}
	}
	assert_int_equal(ktr_reasm_pending(r), 1);
	rc = ktr_reasm_input(r, rs.rec[rs.n - 1], rs.len[rs.n - 1], 0, &got);
	assert_int_equal(rc, 1);
	assert_msg_equal(&got, &m);
	/* A late duplicate after completion starts a new partial message
	 * (the session deduplicates complete ones); it expires. */
	rc = ktr_reasm_input(r, rs.rec[0], rs.len[0], 0, &got);
	assert_int_equal(rc, 0);
	assert_int_equal(ktr_reasm_pending(r), 1);
	assert_int_equal(ktr_reasm_expire(r, 5000), 1);
	assert_int_equal(ktr_reasm_pending(r), 0);
	ktr_reasm_free(r);
}

/* Section 4.5: a retransmission with a smaller fragment size overlaps the
 * first transmission's ranges. */
static void test_overlapping_resplit(void **state)
{
	static struct recs big, small;
	static const size_t sizes[][2] = { { 7, 3 }, { 12, 5 }, { 1024, 1 },
					   { 5, 12 } };
	struct ktr_reasm *r;
	struct ktr_msg m, got;

	msg_lkh(&m, 40);
	assert_int_equal(ktr_reasm_alloc(&r, NULL), 0);
	for (size_t t = 0; t < 4; t++) {
		int done = 0;

		split(&m, sizes[t][0], &big);
		split(&m, sizes[t][1], &small);
		/* First transmission: every other record lost (unless it is
		 * a single record, which would complete on its own). */
		if (big.n > 1)
			for (size_t i = 0; i < big.n; i += 2)
				assert_int_equal(ktr_reasm_input(r, big.rec[i],
								 big.len[i], 0,
								 &got),
						 0);
		/* Retransmission, smaller fragments, in reverse. */
		for (size_t i = small.n; i-- > 0 && !done;) {
			int rc = ktr_reasm_input(r, small.rec[i], small.len[i],
						 0, &got);

			assert_true(rc == 0 || rc == 1);
			done = rc;
		}
		assert_int_equal(done, 1);
		assert_msg_equal(&got, &m);
		assert_int_equal(ktr_reasm_pending(r), 0);
	}
	ktr_reasm_free(r);
}

/* Write a header over rec (keeps the fragment bytes). */
static void set_hdr(uint8_t *rec, uint8_t type, uint32_t length, uint16_t seq,
		    uint32_t off, uint32_t flen)
{
	struct ktr_hdr h = { type, length, seq, off, flen };
	struct buf_wr w;

	buf_wr_init(&w, rec, KTR_HDR_LEN);
	assert_int_equal(ktr_hdr_encode(&w, &h), 0);
}

static void test_contradictions(void **state)
{
	static struct recs a, b;
	struct ktr_reasm *r;
	struct ktr_msg ma, mb, got;
	uint8_t rec[REC_CAP];
	int rc;

	msg_new_key(&ma, 1);
	msg_new_key(&mb, 2);
	split(&ma, 10, &a); /* 7 records */
	split(&mb, 10, &b);
	assert_int_equal(ktr_reasm_alloc(&r, NULL), 0);
	/* mb pending throughout; it must survive every error below. */
	assert_int_equal(ktr_reasm_input(r, b.rec[0], b.len[0], 0, &got), 0);

	/* Different total length for the same message_seq. */
	assert_int_equal(ktr_reasm_input(r, a.rec[0], a.len[0], 0, &got), 0);
	assert_int_equal(ktr_reasm_pending(r), 2);
	memcpy(rec, a.rec[1], a.len[1]);
	set_hdr(rec, KTR_NEW_SRTP_KEY, 67, 1, 10, 10);
	rc = ktr_reasm_input(r, rec, a.len[1], 0, &got);
	assert_int_equal(rc, -EPROTO);
	assert_int_equal(ktr_reasm_pending(r), 1);

	/* Different type for the same message_seq. */
	assert_int_equal(ktr_reasm_input(r, a.rec[0], a.len[0], 0, &got), 0);
	memcpy(rec, a.rec[1], a.len[1]);
	set_hdr(rec, KTR_YOUR_NEW_SRTP_KEY, 66, 1, 10, 10);
	rc = ktr_reasm_input(r, rec, a.len[1], 0, &got);
	assert_int_equal(rc, -EPROTO);
	assert_int_equal(ktr_reasm_pending(r), 1);

	/* Overlap with different bytes: a re-split of [5, 15) whose byte at
	 * offset 12 differs from the held one. */
	assert_int_equal(ktr_reasm_input(r, a.rec[0], a.len[0], 0, &got), 0);
	assert_int_equal(ktr_reasm_input(r, a.rec[1], a.len[1], 0, &got), 0);
	memcpy(rec + KTR_HDR_LEN, a.rec[0] + KTR_HDR_LEN + 5, 5);
	memcpy(rec + KTR_HDR_LEN + 5, a.rec[1] + KTR_HDR_LEN, 5);
	set_hdr(rec, KTR_NEW_SRTP_KEY, 66, 1, 5, 10);
	rec[KTR_HDR_LEN + 7] ^= 0x01;
	rc = ktr_reasm_input(r, rec, KTR_HDR_LEN + 10, 0, &got);
	assert_int_equal(rc, -EPROTO);
	assert_int_equal(ktr_reasm_pending(r), 1);
	/* The same overlap with agreeing bytes is fine. */
	assert_int_equal(ktr_reasm_input(r, a.rec[0], a.len[0], 0, &got), 0);
	assert_int_equal(ktr_reasm_input(r, a.rec[1], a.len[1], 0, &got), 0);
	rec[KTR_HDR_LEN + 7] ^= 0x01;
	assert_int_equal(ktr_reasm_input(r, rec, KTR_HDR_LEN + 10, 0, &got),
			 0);
	/* A whole-message record contradicting the held bytes. */
	{
		uint8_t whole[REC_CAP];
		size_t n = 0;

		assert_int_equal(ktr_msg_encode(&ma, whole, sizeof(whole), &n),
				 0);
		whole[KTR_HDR_LEN + 3] ^= 0x80; /* inside offsets [0, 15) */
		rc = ktr_reasm_input(r, whole, n, 0, &got);
		assert_int_equal(rc, -EPROTO);
		assert_int_equal(ktr_reasm_pending(r), 1);
		/* And one that agrees completes the held partial. */
		assert_int_equal(ktr_reasm_input(r, a.rec[0], a.len[0], 0,
						 &got),
				 0);
		whole[KTR_HDR_LEN + 3] ^= 0x80;
		assert_int_equal(ktr_reasm_input(r, whole, n, 0, &got), 1);
		assert_msg_equal(&got, &ma);
	}

	/* The other message was untouched and still completes. */
	for (size_t i = 1; i < b.n; i++) {
		rc = ktr_reasm_input(r, b.rec[i], b.len[i], 0, &got);
		assert_int_equal(rc, i + 1 == b.n ? 1 : 0);
	}
	assert_msg_equal(&got, &mb);
	assert_int_equal(ktr_reasm_pending(r), 0);
	ktr_reasm_free(r);
}

static void test_limits(void **state)
{
	const struct ktr_reasm_limits lim = { .max_msg = 64,
					      .max_pending = 2,
					      .expire_ms = 1000 };
	static struct recs a, b, c;
	struct ktr_reasm *r;
	struct ktr_msg ma, mb, mc, got, small;
	uint8_t rec[REC_CAP];
	size_t n = 0;

	assert_int_equal(ktr_reasm_alloc(&r, &lim), 0);

	/* 66 > max_msg: refused before anything is held, even whole. */
	msg_new_key(&ma, 1);
	split(&ma, 10, &a);
	assert_int_equal(ktr_reasm_input(r, a.rec[0], a.len[0], 0, &got),
			 -EMSGSIZE);
	assert_int_equal(ktr_msg_encode(&ma, rec, sizeof(rec), &n), 0);
	assert_int_equal(ktr_reasm_input(r, rec, n, 0, &got), -EMSGSIZE);
	set_hdr(rec, KTR_LKH_NET_KEY, 0xFFFFFF, 1, 0, 1);
	assert_int_equal(ktr_reasm_input(r, rec, KTR_HDR_LEN + 1, 0, &got),
			 -EMSGSIZE);
	assert_int_equal(ktr_reasm_pending(r), 0);
	ktr_reasm_free(r);

	/* max_pending = 2 with messages that fit (lkh 16: 17 bytes). */
	assert_int_equal(ktr_reasm_alloc(&r, &lim), 0);
	memset(&ma, 0, sizeof(ma));
	ma.type = KTR_LKH_NET_KEY;
	ma.u.lkh.len = 16;
	sec_random(ma.u.lkh.key, 16);
	mb = ma;
	mc = ma;
	ma.message_seq = 1;
	mb.message_seq = 2;
	mc.message_seq = 3;
	split(&ma, 5, &a);
	split(&mb, 5, &b);
	split(&mc, 5, &c);
	assert_int_equal(ktr_reasm_input(r, a.rec[0], a.len[0], 0, &got), 0);
	assert_int_equal(ktr_reasm_input(r, b.rec[0], b.len[0], 0, &got), 0);
	assert_int_equal(ktr_reasm_input(r, c.rec[0], c.len[0], 0, &got),
			 -ENOBUFS);
	assert_int_equal(ktr_reasm_pending(r), 2);
	/* A whole message needs no slot. */
	memset(&small, 0, sizeof(small));
	small.type = KTR_NEW_SRTP_KEY_FAILURE;
	small.message_seq = 9;
	small.u.failure.reason = KTR_FAIL_STATE;
	assert_int_equal(ktr_msg_encode(&small, rec, sizeof(rec), &n), 0);
	assert_int_equal(ktr_reasm_input(r, rec, n, 0, &got), 1);
	assert_msg_equal(&got, &small);
	/* Completing one frees a slot. */
	for (size_t i = 1; i < a.n; i++)
		assert_int_equal(ktr_reasm_input(r, a.rec[i], a.len[i], 0,
						 &got),
				 i + 1 == a.n ? 1 : 0);
	assert_msg_equal(&got, &ma);
	assert_int_equal(ktr_reasm_input(r, c.rec[0], c.len[0], 0, &got), 0);
	assert_int_equal(ktr_reasm_pending(r), 2);

	/* Expiry by first-fragment time: b at 0, c at 0; expire_ms 1000. */
	assert_int_equal(ktr_reasm_expire(r, 999), 0);
	assert_int_equal(ktr_reasm_input(r, b.rec[1], b.len[1], 999, &got), 0);
	assert_int_equal(ktr_reasm_expire(r, 1000), 2);
	assert_int_equal(ktr_reasm_pending(r), 0);
	/* Expiry also runs on input: a partial from t=2000 is gone when a
	 * fragment arrives at t=3000, so b's remaining fragments do not
	 * complete it. */
	assert_int_equal(ktr_reasm_input(r, b.rec[0], b.len[0], 2000, &got),
			 0);
	assert_int_equal(ktr_reasm_input(r, b.rec[1], b.len[1], 2500, &got),
			 0);
	for (size_t i = 2; i < b.n; i++)
		assert_int_equal(ktr_reasm_input(r, b.rec[i], b.len[i], 3000,
						 &got),
				 0);
	assert_int_equal(ktr_reasm_pending(r), 1);
	/* A clock that goes backwards does not expire anything. */
	assert_int_equal(ktr_reasm_expire(r, 10), 0);
	ktr_reasm_free(r);
	ktr_msg_wipe(&ma);
}

static void test_interleaved(void **state)
{
	static struct recs a, b;
	struct ktr_reasm *r;
	struct ktr_msg ma, mb, got;
	int done_a = 0, done_b = 0;

	msg_new_key(&ma, 100);
	msg_lkh(&mb, 101);
	split(&ma, 5, &a); /* 14 records */
	split(&mb, 5, &b); /* 26 records */
	assert_int_equal(ktr_reasm_alloc(&r, NULL), 0);
	for (size_t i = 0; i < b.n; i++) {
		int rc;

		if (i < a.n) {
			rc = ktr_reasm_input(r, a.rec[i], a.len[i], i, &got);
			assert_int_equal(rc, i + 1 == a.n ? 1 : 0);
			if (rc == 1) {
				assert_msg_equal(&got, &ma);
				done_a++;
			}
		}
		rc = ktr_reasm_input(r, b.rec[i], b.len[i], i, &got);
		assert_int_equal(rc, i + 1 == b.n ? 1 : 0);
		if (rc == 1) {
			assert_msg_equal(&got, &mb);
			done_b++;
		}
	}
	assert_int_equal(done_a, 1);
	assert_int_equal(done_b, 1);
	assert_int_equal(ktr_reasm_pending(r), 0);
	ktr_reasm_free(r);
}

static void test_malformed_records(void **state)
{
	static struct recs a;
	struct ktr_reasm *r;
	struct ktr_msg m, got;
	uint8_t rec[REC_CAP];

	msg_new_key(&m, 5);
	split(&m, 10, &a);
	assert_int_equal(ktr_reasm_alloc(&r, NULL), 0);
	for (size_t len = 0; len < a.len[0]; len++)
		assert_int_equal(ktr_reasm_input(r, a.rec[0], len, 0, &got),
				 -ENODATA);
	memcpy(rec, a.rec[0], a.len[0]);
	rec[a.len[0]] = 0;
	assert_int_equal(ktr_reasm_input(r, rec, a.len[0] + 1, 0, &got),
			 -EBADMSG);
	/* Unknown type: refused before it can hold memory. */
	rec[0] = 5;
	assert_int_equal(ktr_reasm_input(r, rec, a.len[0], 0, &got), -ENOMSG);
	/* Empty fragment of a non-empty message. */
	set_hdr(rec, KTR_NEW_SRTP_KEY, 66, 5, 3, 0);
	assert_int_equal(ktr_reasm_input(r, rec, KTR_HDR_LEN, 0, &got),
			 -EBADMSG);
	/* Empty message: complete at once, and no type has an empty body. */
	set_hdr(rec, KTR_NEW_SRTP_KEY_REQUEST, 0, 5, 0, 0);
	assert_int_equal(ktr_reasm_input(r, rec, KTR_HDR_LEN, 0, &got),
			 -ENODATA);
	/* offset + length beyond the message. */
	set_hdr(rec, KTR_NEW_SRTP_KEY, 66, 5, 60, 6);
	rec[11] = 7;
	assert_int_equal(ktr_reasm_input(r, rec, KTR_HDR_LEN + 7, 0, &got),
			 -EBADMSG);
	assert_int_equal(ktr_reasm_pending(r), 0);

	/* A body that reassembles but does not decode (key_len 17). */
	{
		uint8_t whole[REC_CAP];
		size_t n = 0;

		assert_int_equal(ktr_msg_encode(&m, whole, sizeof(whole), &n),
				 0);
		whole[KTR_HDR_LEN + 5] = 17;
		memcpy(rec, whole, KTR_HDR_LEN + 33);
		set_hdr(rec, KTR_NEW_SRTP_KEY, 66, 5, 0, 33);
		assert_int_equal(ktr_reasm_input(r, rec, KTR_HDR_LEN + 33, 0,
						 &got),
				 0);
		memcpy(rec + KTR_HDR_LEN, whole + KTR_HDR_LEN + 33, 33);
		set_hdr(rec, KTR_NEW_SRTP_KEY, 66, 5, 33, 33);
		assert_int_equal(ktr_reasm_input(r, rec, KTR_HDR_LEN + 33, 0,
						 &got),
				 -ERANGE);
		assert_int_equal(ktr_reasm_pending(r), 0);
	}
	ktr_reasm_free(r);
	ktr_reasm_free(NULL);
}

static void test_send_errors(void **state)
{
	static struct recs rs;
	struct ktr_msg m;
	struct ktr_reasm *r;
	struct ktr_reasm_limits bad = { .max_pending = 100000 };

	msg_new_key(&m, 1);
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(ktr_frag_send(&m, 0, emit_cb, &rs), -EINVAL);
	assert_int_equal(ktr_frag_send(&m, 10, NULL, &rs), -EINVAL);
	assert_int_equal(rs.n, 0);
	/* The first emit error stops the split. */
	rs.fail_at = 3;
	assert_int_equal(ktr_frag_send(&m, 10, emit_cb, &rs), -EIO);
	assert_int_equal(rs.n, 2);
	/* Encoding errors: nothing emitted. */
	memset(&rs, 0, sizeof(rs));
	m.u.new_key.kp.key_len = 17;
	assert_int_equal(ktr_frag_send(&m, 10, emit_cb, &rs), -ERANGE);
	m.type = 77;
	assert_int_equal(ktr_frag_send(&m, 10, emit_cb, &rs), -ENOMSG);
	assert_int_equal(rs.n, 0);
	/* SIZE_MAX fragment size: one record. */
	msg_new_key(&m, 1);
	split(&m, SIZE_MAX, &rs);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.len[0], KTR_HDR_LEN + 66);

	assert_int_equal(ktr_reasm_alloc(&r, &bad), -EINVAL);
	assert_null(r);
	assert_int_equal(ktr_reasm_alloc(NULL, NULL), -EINVAL);
	ktr_msg_wipe(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_orders),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_overlapping_resplit),
		cmocka_unit_test(test_contradictions),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_malformed_records),
		cmocka_unit_test(test_send_errors),
	};

	return cmocka_run_group_tests_name("ktr_frag", tests, NULL, NULL);
}

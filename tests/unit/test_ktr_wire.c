/*
 * Unit tests for src/ktr/ktr_wire.c: the examples of docs/ktr-wire.md as
 * known-answer vectors (decode every field, encode back to the same bytes),
 * round trips of every type, and malformed input of every kind the
 * document names.
 *
 * The HEX_* strings below are the document's "hex:" lines; test_doc_in_step
 * fails when the two drift apart.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/sec.h"
#include "ktr/ktr.h"

/* --- the document's examples ---------------------------------------------- */

#define HEX_REQUEST "000000080000000000000008f0f1f2f3f4f5f6f7"
#define HEX_YOUR_KEY                                                         \
	"0100002e000100000000002e001122334410000102030405060708090a0b0c0d0e0f" \
	"0a0ea0a1a2a3a4a5a6a7a8a9aaabacadf0f1f2f3f4f5f6f7"
#define HEX_NEW_KEY_CM128                                                    \
	"020000340002000000000034001122334410000102030405060708090a0b0c0d0e0f" \
	"0a0ea0a1a2a3a4a5a6a7a8a9aaabacad000000011234f0f1f2f3f4f5f6f7"
#define HEX_NEW_KEY_GCM256                                                   \
	"020000420003000000000042010000000020202122232425262728292a2b2c2d2e2f" \
	"303132333435363738393a3b3c3d3e3f100cb0b1b2b3b4b5b6b7b8b9babb00000000" \
	"fffef0f1f2f3f4f5f6f7"
#define HEX_ACTIVATE "0300000f000400000000000f00020011223344f0f1f2f3f4f5f6f7"
#define HEX_LKH "04000011000500000000001110404142434445464748494a4b4c4d4e4f"
#define HEX_FAILURE "800000030006000000000003000301"
#define HEX_FRAG1 "000000080007000000000004f0f1f2f3"
#define HEX_FRAG2 "000000080007000004000004f4f5f6f7"

/* Path of the document, relative to the project root where
 * scripts/run-tests.sh runs the tests. */
#define DOC_PATH "docs/ktr-wire.md"

#define REC_MAX 256

static const char *const all_hex[] = {
	HEX_REQUEST,	    HEX_YOUR_KEY, HEX_NEW_KEY_CM128,
	HEX_NEW_KEY_GCM256, HEX_ACTIVATE, HEX_LKH,
	HEX_FAILURE,	    HEX_FRAG1,	  HEX_FRAG2,
};
/* The whole-message examples only. */
#define N_WHOLE 7

static size_t hex2bin(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_int_equal(strlen(hex) % 2, 0);
	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void fill_seq(uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static void kp_cm128(struct ktr_keyparams *kp)
{
	memset(kp, 0, sizeof(*kp));
	kp->ssrc = 0x11223344;
	kp->key_len = 16;
	fill_seq(kp->key, 16, 0x00);
	kp->tag_len = 10;
	kp->salt_len = 14;
	fill_seq(kp->salt, 14, 0xa0);
}

/* The structs the examples encode. */
static void ex_msg(int i, struct ktr_msg *m)
{
	memset(m, 0, sizeof(*m));
	switch (i) {
	case 0:
		m->type = KTR_NEW_SRTP_KEY_REQUEST;
		m->message_seq = 0;
		fill_seq(m->u.request.random, 8, 0xf0);
		break;
	case 1:
		m->type = KTR_YOUR_NEW_SRTP_KEY;
		m->message_seq = 1;
		kp_cm128(&m->u.your_key.kp);
		fill_seq(m->u.your_key.random, 8, 0xf0);
		break;
	case 2:
		m->type = KTR_NEW_SRTP_KEY;
		m->message_seq = 2;
		kp_cm128(&m->u.new_key.kp);
		m->u.new_key.roc = 1;
		m->u.new_key.seq = 0x1234;
		fill_seq(m->u.new_key.random, 8, 0xf0);
		break;
	case 3:
		m->type = KTR_NEW_SRTP_KEY;
		m->message_seq = 3;
		m->u.new_key.kp.any_ssrc = true;
		m->u.new_key.kp.ssrc = 0;
		m->u.new_key.kp.key_len = 32;
		fill_seq(m->u.new_key.kp.key, 32, 0x20);
		m->u.new_key.kp.tag_len = 16;
		m->u.new_key.kp.salt_len = 12;
		fill_seq(m->u.new_key.kp.salt, 12, 0xb0);
		m->u.new_key.roc = 0;
		m->u.new_key.seq = 0xfffe;
		fill_seq(m->u.new_key.random, 8, 0xf0);
		break;
	case 4:
		m->type = KTR_NEW_SRTP_KEY_ACTIVATE;
		m->message_seq = 4;
		m->u.activate.acked_seq = 2;
		m->u.activate.ssrc = 0x11223344;
		fill_seq(m->u.activate.random, 8, 0xf0);
		break;
	case 5:
		m->type = KTR_LKH_NET_KEY;
		m->message_seq = 5;
		m->u.lkh.len = 16;
		fill_seq(m->u.lkh.key, 16, 0x40);
		break;
	case 6:
		m->type = KTR_NEW_SRTP_KEY_FAILURE;
		m->message_seq = 6;
		m->u.failure.ref_seq = 3;
		m->u.failure.reason = KTR_FAIL_KEY_PARAMS;
		break;
	default:
		fail();
	}
}

static bool union_is_zero(const struct ktr_msg *m)
{
	const uint8_t *p = (const uint8_t *)&m->u;

	for (size_t i = 0; i < sizeof(m->u); i++)
		if (p[i])
			return false;
	return true;
}

/* --- known answers: decode field by field -------------------------------- */

static void decode_hex(const char *hex, struct ktr_msg *m)
{
	uint8_t rec[REC_MAX];
	size_t n = hex2bin(hex, rec, sizeof(rec));

	memset(m, 0xee, sizeof(*m));
	assert_int_equal(ktr_msg_decode(rec, n, m), 0);
}

static void check_kp_cm128(const struct ktr_keyparams *kp)
{
	uint8_t key[16], salt[14];

	fill_seq(key, 16, 0x00);
	fill_seq(salt, 14, 0xa0);
	assert_false(kp->any_ssrc);
	assert_int_equal(kp->ssrc, 0x11223344);
	assert_int_equal(kp->key_len, 16);
	assert_memory_equal(kp->key, key, 16);
	assert_int_equal(kp->tag_len, 10);
	assert_int_equal(kp->salt_len, 14);
	assert_memory_equal(kp->salt, salt, 14);
}

static void check_random(const uint8_t *r)
{
	uint8_t want[8];

	fill_seq(want, 8, 0xf0);
	assert_memory_equal(r, want, 8);
}

static void test_doc_request(void **state)
{
	struct ktr_msg m;

	decode_hex(HEX_REQUEST, &m);
	assert_int_equal(m.type, KTR_NEW_SRTP_KEY_REQUEST);
	assert_int_equal(m.message_seq, 0);
	check_random(m.u.request.random);
}

static void test_doc_your_key(void **state)
{
	struct ktr_msg m;

	decode_hex(HEX_YOUR_KEY, &m);
	assert_int_equal(m.type, KTR_YOUR_NEW_SRTP_KEY);
	assert_int_equal(m.message_seq, 1);
	check_kp_cm128(&m.u.your_key.kp);
	check_random(m.u.your_key.random);
	ktr_msg_wipe(&m);
	assert_true(union_is_zero(&m));
}

static void test_doc_new_key_cm128(void **state)
{
	struct ktr_msg m;

	decode_hex(HEX_NEW_KEY_CM128, &m);
	assert_int_equal(m.type, KTR_NEW_SRTP_KEY);
	assert_int_equal(m.message_seq, 2);
	check_kp_cm128(&m.u.new_key.kp);
	assert_int_equal(m.u.new_key.roc, 1);
	assert_int_equal(m.u.new_key.seq, 0x1234);
	check_random(m.u.new_key.random);
}

static void test_doc_new_key_gcm256(void **state)
{
	struct ktr_msg m;
	uint8_t key[32], salt[12];

	fill_seq(key, 32, 0x20);
	fill_seq(salt, 12, 0xb0);
	decode_hex(HEX_NEW_KEY_GCM256, &m);
	assert_int_equal(m.type, KTR_NEW_SRTP_KEY);
	assert_int_equal(m.message_seq, 3);
	assert_true(m.u.new_key.kp.any_ssrc);
	assert_int_equal(m.u.new_key.kp.ssrc, 0);
	assert_int_equal(m.u.new_key.kp.key_len, 32);
	assert_memory_equal(m.u.new_key.kp.key, key, 32);
	assert_int_equal(m.u.new_key.kp.tag_len, 16);
	assert_int_equal(m.u.new_key.kp.salt_len, 12);
	assert_memory_equal(m.u.new_key.kp.salt, salt, 12);
	assert_int_equal(m.u.new_key.roc, 0);
	assert_int_equal(m.u.new_key.seq, 0xfffe);
	check_random(m.u.new_key.random);
}

static void test_doc_activate(void **state)
{
	struct ktr_msg m;

	decode_hex(HEX_ACTIVATE, &m);
	assert_int_equal(m.type, KTR_NEW_SRTP_KEY_ACTIVATE);
	assert_int_equal(m.message_seq, 4);
	assert_int_equal(m.u.activate.acked_seq, 2);
	assert_false(m.u.activate.any_ssrc);
	assert_int_equal(m.u.activate.ssrc, 0x11223344);
	check_random(m.u.activate.random);
}

static void test_doc_lkh(void **state)
{
	struct ktr_msg m;
	uint8_t key[16];

	fill_seq(key, 16, 0x40);
	decode_hex(HEX_LKH, &m);
	assert_int_equal(m.type, KTR_LKH_NET_KEY);
	assert_int_equal(m.message_seq, 5);
	assert_int_equal(m.u.lkh.len, 16);
	assert_memory_equal(m.u.lkh.key, key, 16);
}

static void test_doc_failure(void **state)
{
	struct ktr_msg m;

	decode_hex(HEX_FAILURE, &m);
	assert_int_equal(m.type, KTR_NEW_SRTP_KEY_FAILURE);
	assert_int_equal(m.message_seq, 6);
	assert_int_equal(m.u.failure.ref_seq, 3);
	assert_int_equal(m.u.failure.reason, KTR_FAIL_KEY_PARAMS);
}

/* The two fragments: headers decode, neither is a whole message, and the
 * reassembler completes them in either order. */
static void test_doc_fragments(void **state)
{
	uint8_t f1[REC_MAX], f2[REC_MAX];
	size_t n1 = hex2bin(HEX_FRAG1, f1, sizeof(f1));
	size_t n2 = hex2bin(HEX_FRAG2, f2, sizeof(f2));
	struct ktr_reasm *r;
	struct ktr_msg m;
	struct ktr_hdr h;
	struct buf_rd rd;

	buf_rd_init(&rd, f2, n2);
	assert_int_equal(ktr_hdr_decode(&rd, &h), 0);
	assert_int_equal(h.type, KTR_NEW_SRTP_KEY_REQUEST);
	assert_int_equal(h.length, 8);
	assert_int_equal(h.message_seq, 7);
	assert_int_equal(h.frag_off, 4);
	assert_int_equal(h.frag_len, 4);
	assert_int_equal(buf_rd_left(&rd), 4);

	assert_int_equal(ktr_msg_decode(f1, n1, &m), -EBADMSG);
	assert_int_equal(ktr_msg_decode(f2, n2, &m), -EBADMSG);

	assert_int_equal(ktr_reasm_alloc(&r, NULL), 0);
	assert_int_equal(ktr_reasm_input(r, f1, n1, 0, &m), 0);
	assert_int_equal(ktr_reasm_input(r, f2, n2, 1, &m), 1);
	assert_int_equal(m.message_seq, 7);
	check_random(m.u.request.random);
	assert_int_equal(ktr_reasm_input(r, f2, n2, 2, &m), 0);
	assert_int_equal(ktr_reasm_input(r, f1, n1, 3, &m), 1);
	assert_int_equal(m.type, KTR_NEW_SRTP_KEY_REQUEST);
	check_random(m.u.request.random);
	assert_int_equal(ktr_reasm_pending(r), 0);
	ktr_reasm_free(r);
}

/* --- known answers: encode to the same bytes ------------------------------- */

static void test_doc_encode(void **state)
{
	for (int i = 0; i < N_WHOLE; i++) {
		uint8_t want[REC_MAX], out[REC_MAX];
		size_t n = hex2bin(all_hex[i], want, sizeof(want)), got = 0;
		struct ktr_msg m;

		ex_msg(i, &m);
		assert_int_equal(ktr_msg_encode(&m, out, sizeof(out), &got), 0);
		assert_int_equal(got, n);
		assert_memory_equal(out, want, n);
	}
}

/* Every hex string held here appears as a "hex:" line of the document. */
static void test_doc_in_step(void **state)
{
	FILE *f = fopen(DOC_PATH, "r");
	char *doc;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	doc = calloc(1, (size_t)n + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (size_t i = 0; i < sizeof(all_hex) / sizeof(all_hex[0]); i++) {
		char line[REC_MAX * 2 + 16];

		snprintf(line, sizeof(line), "hex: %s\n", all_hex[i]);
		if (!strstr(doc, line))
			print_error("not in %s: %s", DOC_PATH, line);
		assert_non_null(strstr(doc, line));
	}
	free(doc);
}

/* --- round trips ------------------------------------------------------------ */

static void roundtrip(const struct ktr_msg *m)
{
	uint8_t rec[REC_MAX], rec2[REC_MAX];
	size_t n = 0, n2 = 0;
	struct ktr_msg d;

	assert_int_equal(ktr_msg_encode(m, rec, sizeof(rec), &n), 0);
	memset(&d, 0x5a, sizeof(d));
	assert_int_equal(ktr_msg_decode(rec, n, &d), 0);
	assert_int_equal(d.type, m->type);
	assert_int_equal(d.message_seq, m->message_seq);
	assert_int_equal(ktr_msg_encode(&d, rec2, sizeof(rec2), &n2), 0);
	assert_int_equal(n2, n);
	assert_memory_equal(rec, rec2, n);
	ktr_msg_wipe(&d);
}

static void random_kp(struct ktr_keyparams *kp, uint8_t key_len,
		      uint8_t tag_len, uint8_t salt_len, bool any)
{
	uint32_t ssrc;

	memset(kp, 0, sizeof(*kp));
	assert_int_equal(sec_random(&ssrc, sizeof(ssrc)), 0);
	kp->any_ssrc = any;
	kp->ssrc = any ? 0 : ssrc;
	kp->key_len = key_len;
	assert_int_equal(sec_random(kp->key, key_len), 0);
	kp->tag_len = tag_len;
	kp->salt_len = salt_len;
	assert_int_equal(sec_random(kp->salt, salt_len), 0);
}

static void test_roundtrip_all(void **state)
{
	static const uint8_t keys[] = { 16, 24, 32 };
	static const uint8_t tags[] = { 4, 10, 16 };
	static const uint8_t salts[] = { 12, 14 };
	struct ktr_msg m;

	for (size_t k = 0; k < 3; k++)
		for (size_t t = 0; t < 3; t++)
			for (size_t s = 0; s < 2; s++)
				for (int any = 0; any < 2; any++) {
					memset(&m, 0, sizeof(m));
					m.type = KTR_NEW_SRTP_KEY;
					m.message_seq = (uint16_t)(k * 100 + t);
					random_kp(&m.u.new_key.kp, keys[k],
						  tags[t], salts[s], any);
					m.u.new_key.roc = 0xfedcba98;
					m.u.new_key.seq = 0xffff;
					sec_random(m.u.new_key.random, 8);
					roundtrip(&m);

					memset(&m, 0, sizeof(m));
					m.type = KTR_YOUR_NEW_SRTP_KEY;
					m.message_seq = 0xffff;
					random_kp(&m.u.your_key.kp, keys[k],
						  tags[t], salts[s], any);
					roundtrip(&m);
				}

	memset(&m, 0, sizeof(m));
	m.type = KTR_NEW_SRTP_KEY_REQUEST;
	sec_random(m.u.request.random, 8);
	roundtrip(&m);

	for (int any = 0; any < 2; any++) {
		memset(&m, 0, sizeof(m));
		m.type = KTR_NEW_SRTP_KEY_ACTIVATE;
		m.u.activate.acked_seq = 0xabcd;
		m.u.activate.any_ssrc = any;
		m.u.activate.ssrc = any ? 0 : 0xffffffff;
		roundtrip(&m);
	}

	for (unsigned int l = KTR_LKH_MIN; l <= KTR_LKH_MAX; l++) {
		memset(&m, 0, sizeof(m));
		m.type = KTR_LKH_NET_KEY;
		m.u.lkh.len = (uint8_t)l;
		sec_random(m.u.lkh.key, l);
		roundtrip(&m);
	}

	for (uint8_t rsn = KTR_FAIL_KEY_PARAMS; rsn <= KTR_FAIL_INTERNAL;
	     rsn++) {
		memset(&m, 0, sizeof(m));
		m.type = KTR_NEW_SRTP_KEY_FAILURE;
		m.u.failure.ref_seq = 0x8000;
		m.u.failure.reason = rsn;
		roundtrip(&m);
	}
}

/* --- malformed input ---------------------------------------------------------- */

static void test_truncated_header(void **state)
{
	uint8_t rec[REC_MAX];
	size_t n = hex2bin(HEX_REQUEST, rec, sizeof(rec));
	struct ktr_msg m;
	struct ktr_hdr h;
	struct buf_rd r;

	assert_true(n > KTR_HDR_LEN);
	for (size_t len = 0; len < KTR_HDR_LEN; len++) {
		assert_int_equal(ktr_msg_decode(rec, len, &m), -ENODATA);
		buf_rd_init(&r, rec, len);
		assert_int_equal(ktr_hdr_decode(&r, &h), -ENODATA);
		assert_int_equal(buf_rd_left(&r), len);
	}
}

/* Every example cut at every length: -ENODATA, and no key material left
 * in m (which held a full key beforehand). */
static void test_truncated_body(void **state)
{
	for (int i = 0; i < N_WHOLE; i++) {
		uint8_t rec[REC_MAX];
		size_t n = hex2bin(all_hex[i], rec, sizeof(rec));
		struct ktr_msg m;

		for (size_t len = KTR_HDR_LEN; len < n; len++) {
			decode_hex(HEX_NEW_KEY_GCM256, &m);
			assert_int_equal(ktr_msg_decode(rec, len, &m),
					 -ENODATA);
			assert_true(union_is_zero(&m));
			/* The body alone, cut short. */
			decode_hex(HEX_YOUR_KEY, &m);
			assert_int_equal(ktr_body_decode(rec[0],
							 rec + KTR_HDR_LEN,
							 len - KTR_HDR_LEN, &m),
					 -ENODATA);
			assert_true(union_is_zero(&m));
		}
	}
}

static void test_trailing_bytes(void **state)
{
	for (int i = 0; i < N_WHOLE; i++) {
		uint8_t rec[REC_MAX];
		size_t n = hex2bin(all_hex[i], rec, sizeof(rec));
		struct ktr_msg m;

		rec[n] = 0;
		/* A byte after the fragment in the record. */
		assert_int_equal(ktr_msg_decode(rec, n + 1, &m), -EBADMSG);
		/* A body longer than its type's fields, and headers that
		 * agree with that longer length. */
		assert_int_equal(ktr_body_decode(rec[0], rec + KTR_HDR_LEN,
						 n + 1 - KTR_HDR_LEN, &m),
				 -EBADMSG);
		rec[3]++;
		rec[11]++;
		assert_int_equal(ktr_msg_decode(rec, n + 1, &m), -EBADMSG);
	}
}

static void test_length_fields_disagree(void **state)
{
	uint8_t rec[REC_MAX];
	size_t n = hex2bin(HEX_ACTIVATE, rec, sizeof(rec));
	struct ktr_msg m;
	struct ktr_hdr h;
	struct buf_rd r;

	/* frag_off + frag_len > length. */
	rec[8] = 1; /* frag_off 1, frag_len 15, length 15 */
	buf_rd_init(&r, rec, n);
	assert_int_equal(ktr_hdr_decode(&r, &h), -EBADMSG);
	assert_int_equal(buf_rd_left(&r), n);
	assert_int_equal(ktr_msg_decode(rec, n, &m), -EBADMSG);
	rec[8] = 0;
	rec[3] = 14; /* length 14 < frag_len 15 */
	assert_int_equal(ktr_msg_decode(rec, n, &m), -EBADMSG);
	rec[3] = 15;
	/* frag_len larger than the bytes present: truncated. */
	rec[11] = 16;
	rec[3] = 16;
	assert_int_equal(ktr_msg_decode(rec, n, &m), -ENODATA);
	/* frag_len smaller than the bytes present: trailing bytes. */
	rec[11] = 14;
	rec[3] = 14;
	assert_int_equal(ktr_msg_decode(rec, n, &m), -EBADMSG);
	/* A fragment of a longer message is not a whole message. */
	rec[11] = 15;
	rec[3] = 16;
	assert_int_equal(ktr_msg_decode(rec, n, &m), -EBADMSG);
	/* Maximum u24 fields do not overflow. */
	memset(rec + 1, 0xff, 3);
	memset(rec + 6, 0xff, 6);
	buf_rd_init(&r, rec, n);
	assert_int_equal(ktr_hdr_decode(&r, &h), -EBADMSG);
}

/* Set byte `at` of a copy of example `hex` to v and decode. */
static int decode_patched(const char *hex, size_t at, uint8_t v)
{
	uint8_t rec[REC_MAX];
	size_t n = hex2bin(hex, rec, sizeof(rec));
	struct ktr_msg m;
	int err;

	assert_true(at < n);
	rec[at] = v;
	memset(&m, 0x77, sizeof(m));
	err = ktr_msg_decode(rec, n, &m);
	if (err)
		assert_true(union_is_zero(&m));
	return err;
}

/* Offsets in the examples: KeyParams starts at 12 (flags), ssrc 13..16,
 * key_len 17; CM128: tag 34, salt_len 35; GCM256: tag 50, salt_len 51. */
static void test_bad_lengths(void **state)
{
	static const uint8_t bad_keys[] = { 0, 15, 17, 33, 255 };

	for (size_t i = 0; i < sizeof(bad_keys); i++) {
		assert_int_equal(decode_patched(HEX_YOUR_KEY, 17, bad_keys[i]),
				 -ERANGE);
		assert_int_equal(decode_patched(HEX_NEW_KEY_CM128, 17,
						bad_keys[i]),
				 -ERANGE);
		assert_int_equal(decode_patched(HEX_NEW_KEY_GCM256, 17,
						bad_keys[i]),
				 -ERANGE);
	}
	assert_int_equal(decode_patched(HEX_NEW_KEY_CM128, 35, 13), -ERANGE);
	assert_int_equal(decode_patched(HEX_NEW_KEY_CM128, 35, 0), -ERANGE);
	assert_int_equal(decode_patched(HEX_NEW_KEY_GCM256, 51, 13), -ERANGE);
	assert_int_equal(decode_patched(HEX_YOUR_KEY, 35, 16), -ERANGE);
	assert_int_equal(decode_patched(HEX_NEW_KEY_CM128, 34, 3), -ERANGE);
	assert_int_equal(decode_patched(HEX_NEW_KEY_CM128, 34, 17), -ERANGE);
	assert_int_equal(decode_patched(HEX_NEW_KEY_GCM256, 50, 3), -ERANGE);
	assert_int_equal(decode_patched(HEX_NEW_KEY_GCM256, 50, 17), -ERANGE);
	assert_int_equal(decode_patched(HEX_YOUR_KEY, 34, 0), -ERANGE);
	/* In-range changes that shift the layout: the salt then ends 2 bytes
	 * early (trailing bytes); a 24-byte key makes salt byte 0xa6 the
	 * tag length. */
	assert_int_equal(decode_patched(HEX_NEW_KEY_CM128, 35, 12), -EBADMSG);
	assert_int_equal(decode_patched(HEX_NEW_KEY_CM128, 17, 24), -ERANGE);
	/* Tag length bounds themselves are accepted. */
	assert_int_equal(decode_patched(HEX_NEW_KEY_CM128, 34, 4), 0);
	assert_int_equal(decode_patched(HEX_NEW_KEY_CM128, 34, 16), 0);

	/* lkh_net_key: key_len at offset 12. */
	assert_int_equal(decode_patched(HEX_LKH, 12, 15), -ERANGE);
	assert_int_equal(decode_patched(HEX_LKH, 12, 129), -ERANGE);
	assert_int_equal(decode_patched(HEX_LKH, 12, 0), -ERANGE);
	assert_int_equal(decode_patched(HEX_LKH, 12, 17), -ENODATA);
}

static void test_bad_flags_and_ssrc(void **state)
{
	/* KeyParams flags at 12, ssrc 13..16. */
	assert_int_equal(decode_patched(HEX_YOUR_KEY, 12, 0x02), -EBADMSG);
	assert_int_equal(decode_patched(HEX_NEW_KEY_CM128, 12, 0x80),
			 -EBADMSG);
	assert_int_equal(decode_patched(HEX_NEW_KEY_CM128, 12, 0x03),
			 -EBADMSG);
	/* any_ssrc with the example's non-zero SSRC. */
	assert_int_equal(decode_patched(HEX_NEW_KEY_CM128, 12, 0x01),
			 -EBADMSG);
	assert_int_equal(decode_patched(HEX_NEW_KEY_GCM256, 16, 0x01),
			 -EBADMSG);
	assert_int_equal(decode_patched(HEX_NEW_KEY_GCM256, 13, 0x80),
			 -EBADMSG);
	/* Activate: flags at 14, ssrc 15..18. */
	assert_int_equal(decode_patched(HEX_ACTIVATE, 14, 0x04), -EBADMSG);
	assert_int_equal(decode_patched(HEX_ACTIVATE, 14, 0x01), -EBADMSG);
}

static void test_unknown_type(void **state)
{
	static const uint8_t types[] = { 5, 6, 127, 129, 255 };
	uint8_t body[8] = { 0 };
	struct ktr_msg m;

	for (size_t i = 0; i < sizeof(types); i++) {
		assert_int_equal(decode_patched(HEX_REQUEST, 0, types[i]),
				 -ENOMSG);
		assert_int_equal(ktr_body_decode(types[i], body, sizeof(body),
						 &m),
				 -ENOMSG);
		assert_string_equal(ktr_type_name(types[i]), "unknown");
	}
	assert_string_equal(ktr_type_name(KTR_NEW_SRTP_KEY), "new_srtp_key");
	assert_string_equal(ktr_type_name(KTR_NEW_SRTP_KEY_FAILURE),
			    "new_srtp_key_failure");
}

static void test_bad_failure_reason(void **state)
{
	/* reason at offset 14. */
	assert_int_equal(decode_patched(HEX_FAILURE, 14, 0), -EBADMSG);
	assert_int_equal(decode_patched(HEX_FAILURE, 14, 5), -EBADMSG);
	assert_int_equal(decode_patched(HEX_FAILURE, 14, 9), -EBADMSG);
	assert_int_equal(decode_patched(HEX_FAILURE, 14, 4), 0);
}

/* --- encoder errors -------------------------------------------------------------- */

static void test_encode_errors(void **state)
{
	uint8_t out[REC_MAX];
	struct buf_wr w;
	struct ktr_msg m;
	struct ktr_hdr h = { 0 };
	size_t n;

	ex_msg(2, &m);
	m.u.new_key.kp.key_len = 20;
	assert_int_equal(ktr_msg_encode(&m, out, sizeof(out), &n), -ERANGE);
	ex_msg(2, &m);
	m.u.new_key.kp.salt_len = 13;
	assert_int_equal(ktr_msg_encode(&m, out, sizeof(out), &n), -ERANGE);
	ex_msg(1, &m);
	m.u.your_key.kp.tag_len = 17;
	assert_int_equal(ktr_msg_encode(&m, out, sizeof(out), &n), -ERANGE);
	ex_msg(1, &m);
	m.u.your_key.kp.any_ssrc = true;
	assert_int_equal(ktr_msg_encode(&m, out, sizeof(out), &n), -EINVAL);
	ex_msg(4, &m);
	m.u.activate.any_ssrc = true;
	assert_int_equal(ktr_msg_encode(&m, out, sizeof(out), &n), -EINVAL);
	ex_msg(5, &m);
	m.u.lkh.len = 129;
	assert_int_equal(ktr_msg_encode(&m, out, sizeof(out), &n), -ERANGE);
	ex_msg(6, &m);
	m.u.failure.reason = 0;
	assert_int_equal(ktr_msg_encode(&m, out, sizeof(out), &n), -EINVAL);
	ex_msg(0, &m);
	m.type = 5;
	assert_int_equal(ktr_msg_encode(&m, out, sizeof(out), &n), -ENOMSG);

	/* Too small at every size: -ENOSPC and the writer does not move. */
	ex_msg(3, &m);
	for (size_t cap = 0; cap < 66; cap++) {
		memset(out, 0xcc, sizeof(out));
		buf_wr_init(&w, out, cap);
		assert_int_equal(ktr_body_encode(&w, &m), -ENOSPC);
		assert_int_equal(w.len, 0);
		assert_int_equal(out[0], 0xcc);
	}
	for (size_t cap = 0; cap < KTR_HDR_LEN + 66; cap++)
		assert_int_equal(ktr_msg_encode(&m, out, cap, &n), -ENOSPC);
	assert_int_equal(ktr_msg_encode(&m, out, KTR_HDR_LEN + 66, &n), 0);
	assert_int_equal(n, KTR_HDR_LEN + 66);

	/* Header fields that do not fit or disagree. */
	buf_wr_init(&w, out, sizeof(out));
	h.length = 0x1000000;
	assert_int_equal(ktr_hdr_encode(&w, &h), -EINVAL);
	h.length = 10;
	h.frag_off = 6;
	h.frag_len = 5;
	assert_int_equal(ktr_hdr_encode(&w, &h), -EINVAL);
	h.frag_len = 4;
	assert_int_equal(ktr_hdr_encode(&w, &h), 0);
	assert_int_equal(w.len, KTR_HDR_LEN);
	buf_wr_init(&w, out, KTR_HDR_LEN - 1);
	assert_int_equal(ktr_hdr_encode(&w, &h), -ENOSPC);
	assert_int_equal(w.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_request),
		cmocka_unit_test(test_doc_your_key),
		cmocka_unit_test(test_doc_new_key_cm128),
		cmocka_unit_test(test_doc_new_key_gcm256),
		cmocka_unit_test(test_doc_activate),
		cmocka_unit_test(test_doc_lkh),
		cmocka_unit_test(test_doc_failure),
		cmocka_unit_test(test_doc_fragments),
		cmocka_unit_test(test_doc_encode),
		cmocka_unit_test(test_doc_in_step),
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_truncated_body),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_length_fields_disagree),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_bad_flags_and_ssrc),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_bad_failure_reason),
		cmocka_unit_test(test_encode_errors),
	};

	return cmocka_run_group_tests_name("ktr_wire", tests, NULL, NULL);
}

/*
 * Unit tests for the STUN decoder (src/stun/stun_msg.c): the RFC 5769 test
 * vectors decoded and checked, and re-encoded byte for byte by the
 * builder; malformed input of every kind the decoder names. The builder's
 * own rules and round trips: test_stun_build.c.
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

#include <openssl/evp.h>

#include "stun/stun.h"
#include "stun_test.h"

#define CAP 2048

/* --- RFC 5769 ------------------------------------------------------------ */

static void test_rfc5769_request(void **state)
{
	uint8_t pkt[CAP];
	size_t len = t_hex(V_REQ, pkt, sizeof(pkt));
	struct stun_msg m;
	const uint8_t *v;
	uint32_t prio;
	uint64_t tie;
	size_t n;

	(void)state;
	assert_int_equal(len, 108);
	assert_int_equal(stun_msg_decode(&m, pkt, len), 0);
	assert_int_equal(m.type, STUN_BINDING_REQUEST);
	assert_int_equal(stun_type_class(m.type), STUN_CLASS_REQUEST);
	assert_int_equal(stun_type_method(m.type), STUN_METHOD_BINDING);
	assert_memory_equal(m.tid, v_tid, STUN_TID_LEN);
	assert_int_equal(m.n_attr, 6);
	assert_int_equal(m.n_unknown, 0);
	assert_int_equal(stun_msg_attr(&m, STUN_ATTR_SOFTWARE, &v, &n), 0);
	assert_int_equal(n, 16);
	assert_memory_equal(v, "STUN test client", 16);
	assert_int_equal(stun_msg_u32(&m, STUN_ATTR_PRIORITY, &prio), 0);
	assert_int_equal(prio, 0x6e0001ff);
	assert_int_equal(stun_msg_u64(&m, STUN_ATTR_ICE_CONTROLLED, &tie), 0);
	assert_true(tie == 0x932ff9b151263b36ull);
	assert_int_equal(stun_msg_u64(&m, STUN_ATTR_ICE_CONTROLLING, &tie),
			 -ENOENT);
	assert_false(stun_msg_has(&m, STUN_ATTR_USE_CANDIDATE));
	t_check_user(&m, V_USER);
	assert_int_equal(stun_msg_check_fingerprint(&m), 0);
	assert_int_equal(stun_msg_check_integrity(&m, (const uint8_t *)V_PWD,
						  strlen(V_PWD)),
			 0);
	assert_int_equal(stun_msg_check_integrity(&m, (const uint8_t *)"VOkJxbRl1RmTxUk/WvJxBT",
						  strlen(V_PWD)),
			 -EKEYREJECTED);
}

static void check_resp(const char *hex, struct sockaddr_storage *sa)
{
	uint8_t pkt[CAP];
	size_t len = t_hex(hex, pkt, sizeof(pkt));
	struct stun_msg m;
	const uint8_t *v;
	size_t n;

	assert_int_equal(stun_msg_decode(&m, pkt, len), 0);
	assert_int_equal(m.type, STUN_BINDING_SUCCESS);
	assert_int_equal(stun_type_class(m.type), STUN_CLASS_SUCCESS);
	assert_int_equal(stun_type_method(m.type), STUN_METHOD_BINDING);
	assert_memory_equal(m.tid, v_tid, STUN_TID_LEN);
	assert_int_equal(m.n_attr, 4);
	assert_int_equal(stun_msg_attr(&m, STUN_ATTR_SOFTWARE, &v, &n), 0);
	assert_int_equal(n, 11);
	assert_memory_equal(v, "test vector", 11);
	assert_int_equal(stun_msg_check_fingerprint(&m), 0);
	assert_int_equal(stun_msg_check_integrity(&m, (const uint8_t *)V_PWD,
						  strlen(V_PWD)),
			 0);
	assert_int_equal(stun_msg_xor_addr(&m, sa), 0);
}

static void test_rfc5769_ipv4_response(void **state)
{
	struct sockaddr_in want = t_sin("192.0.2.1", 32853);
	struct sockaddr_storage sa;

	(void)state;
	check_resp(V_RESP4, &sa);
	assert_int_equal(sa.ss_family, AF_INET);
	assert_memory_equal(&sa, &want, sizeof(want));
}

static void test_rfc5769_ipv6_response(void **state)
{
	struct sockaddr_in6 want =
		t_sin6("2001:db8:1234:5678:11:2233:4455:6677", 32853);
	struct sockaddr_storage sa;

	(void)state;
	check_resp(V_RESP6, &sa);
	assert_int_equal(sa.ss_family, AF_INET6);
	assert_memory_equal(&sa, &want, sizeof(want));
}

/* 2.4: long-term credentials; the key is MD5(user:realm:pass) (RFC 8489
 * 9.2.2), computed here through OpenSSL's EVP. No FINGERPRINT. */
static void test_rfc5769_long_term(void **state)
{
	uint8_t pkt[CAP], key[EVP_MAX_MD_SIZE];
	size_t len = t_hex(V_LT, pkt, sizeof(pkt));
	unsigned int klen = 0;
	struct stun_msg m;
	const uint8_t *v;
	size_t n;

	(void)state;
	assert_int_equal(stun_msg_decode(&m, pkt, len), 0);
	assert_int_equal(m.type, STUN_BINDING_REQUEST);
	t_check_user(&m, V_LT_USER);
	assert_int_equal(stun_msg_attr(&m, STUN_ATTR_REALM, &v, &n), 0);
	assert_int_equal(n, 11);
	assert_memory_equal(v, "example.org", 11);
	assert_int_equal(stun_msg_attr(&m, STUN_ATTR_NONCE, &v, &n), 0);
	assert_int_equal(n, 28);
	assert_memory_equal(v, "f//499k954d6OL34oL9FSTvy64sA", 28);
	assert_int_equal(m.n_unknown, 0);
	assert_int_equal(stun_msg_check_fingerprint(&m), -ENOENT);
	assert_int_equal(EVP_Digest(V_LT_KEYSTR, strlen(V_LT_KEYSTR), key,
				    &klen, EVP_md5(), NULL),
			 1);
	assert_int_equal(klen, 16);
	assert_int_equal(stun_msg_check_integrity(&m, key, klen), 0);
	key[0] ^= 1;
	assert_int_equal(stun_msg_check_integrity(&m, key, klen),
			 -EKEYREJECTED);
}

/* Overwrite the padding of the attribute just written with 0x20, as
 * RFC 5769 pads, so that the builder's output can equal the vectors byte
 * for byte (its MESSAGE-INTEGRITY and FINGERPRINT then cover the same
 * bytes). The builder's memory is the caller's. */
static void pad_spaces(struct stun_builder *b, size_t pad)
{
	memset(b->w.p + b->w.len - pad, 0x20, pad);
}

static void test_rfc5769_encode(void **state)
{
	struct sockaddr_in a4 = t_sin("192.0.2.1", 32853);
	struct sockaddr_in6 a6 =
		t_sin6("2001:db8:1234:5678:11:2233:4455:6677", 32853);
	const uint8_t *pw = (const uint8_t *)V_PWD;
	uint8_t want[CAP], out[CAP];
	struct stun_builder b;
	size_t n;

	(void)state;
	/* 2.1 */
	n = t_hex(V_REQ, want, sizeof(want));
	assert_int_equal(stun_build_start(&b, out, sizeof(out),
					  STUN_BINDING_REQUEST, v_tid),
			 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_SOFTWARE,
					 "STUN test client", 16),
			 0);
	assert_int_equal(stun_build_u32(&b, STUN_ATTR_PRIORITY, 0x6e0001ff), 0);
	assert_int_equal(stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLED,
					0x932ff9b151263b36ull),
			 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, V_USER, 9), 0);
	pad_spaces(&b, 3);
	assert_int_equal(stun_build_integrity(&b, pw, strlen(V_PWD)), 0);
	assert_int_equal(stun_build_fingerprint(&b), 0);
	assert_int_equal(stun_build_len(&b), n);
	assert_memory_equal(out, want, n);

	/* 2.2 and 2.3 */
	for (int v6 = 0; v6 <= 1; v6++) {
		n = t_hex(v6 ? V_RESP6 : V_RESP4, want, sizeof(want));
		assert_int_equal(stun_build_start(&b, out, sizeof(out),
						  STUN_BINDING_SUCCESS, v_tid),
				 0);
		assert_int_equal(stun_build_attr(&b, STUN_ATTR_SOFTWARE,
						 "test vector", 11),
				 0);
		pad_spaces(&b, 1);
		assert_int_equal(stun_build_xor_addr(&b,
						     STUN_ATTR_XOR_MAPPED_ADDRESS,
						     v6 ? (struct sockaddr *)&a6
							: (struct sockaddr *)&a4),
				 0);
		assert_int_equal(stun_build_integrity(&b, pw, strlen(V_PWD)), 0);
		assert_int_equal(stun_build_fingerprint(&b), 0);
		assert_int_equal(stun_build_len(&b), n);
		assert_memory_equal(out, want, n);
	}
}

/* --- malformed input ------------------------------------------------------- */

static void test_truncated(void **state)
{
	uint8_t pkt[CAP];
	size_t len = t_hex(V_REQ, pkt, sizeof(pkt));
	struct stun_msg m;

	(void)state;
	/* every proper prefix fails, the header ones with -ENODATA */
	for (size_t i = 0; i < len; i++) {
		int err = stun_msg_decode(&m, pkt, i);

		assert_true(err < 0);
		if (i < STUN_HDR_LEN)
			assert_int_equal(err, -ENODATA);
	}
	/* a prefix that keeps the 4-byte grid reads as cut short */
	assert_int_equal(stun_msg_decode(&m, pkt, len - 8), -ENODATA);
	assert_int_equal(stun_msg_decode(&m, NULL, 0), -ENODATA);
	assert_int_equal(stun_msg_decode(&m, NULL, 4), -EINVAL);
}

static void test_bad_header(void **state)
{
	uint8_t pkt[CAP], big[STUN_MSG_MAX + 4];
	size_t len = t_hex(V_REQ, pkt, sizeof(pkt));
	struct stun_msg m;

	(void)state;
	/* magic cookie */
	pkt[4] ^= 0x01;
	assert_int_equal(stun_msg_decode(&m, pkt, len), -EBADMSG);
	pkt[4] ^= 0x01;
	/* the two top bits (RFC 7983: first byte 0..3 is STUN) */
	pkt[0] = 0x40;
	assert_int_equal(stun_msg_decode(&m, pkt, len), -EBADMSG);
	pkt[0] = 0x00;
	/* length not a multiple of 4 */
	pkt[3] = 0x57;
	assert_int_equal(stun_msg_decode(&m, pkt, len - 1), -EBADMSG);
	/* trailing bytes after the message */
	pkt[3] = 0x54;
	assert_int_equal(stun_msg_decode(&m, pkt, len), -EBADMSG);
	pkt[3] = 0x58;
	assert_int_equal(stun_msg_decode(&m, pkt, len), 0);
	/* the size limit comes first: garbage that large is not read */
	memset(big, 0xEE, sizeof(big));
	assert_int_equal(stun_msg_decode(&m, big, sizeof(big)), -EMSGSIZE);
	assert_int_equal(stun_msg_decode(&m, big, STUN_MSG_MAX + 1), -EMSGSIZE);
	assert_int_equal(stun_msg_decode(&m, big, STUN_MSG_MAX), -EBADMSG);
}

static void test_attr_past_end(void **state)
{
	uint8_t pkt[CAP];
	size_t len = t_hex(V_REQ, pkt, sizeof(pkt));
	struct stun_msg m;

	(void)state;
	/* FINGERPRINT's length field (bytes 102-103) says 8: past the end */
	assert_int_equal(pkt[102], 0x00);
	assert_int_equal(pkt[103], 0x04);
	pkt[103] = 0x08;
	assert_int_equal(stun_msg_decode(&m, pkt, len), -EBADMSG);
	pkt[103] = 0x04;
	/* USERNAME (offset 60) claims 0xff bytes */
	assert_int_equal(pkt[62], 0x00);
	assert_int_equal(pkt[63], 0x09);
	pkt[63] = 0xff;
	assert_int_equal(stun_msg_decode(&m, pkt, len), -EBADMSG);
	/* 13 bytes: its padding runs past MESSAGE-INTEGRITY's header, so
	 * the rest no longer frames */
	pkt[63] = 0x0d;
	assert_int_equal(stun_msg_decode(&m, pkt, len), -EBADMSG);
}

static void test_too_many_attrs(void **state)
{
	uint8_t out[CAP];
	struct stun_builder b;
	struct stun_msg m;

	(void)state;
	assert_int_equal(stun_build_start(&b, out, sizeof(out),
					  STUN_BINDING_REQUEST, v_tid),
			 0);
	for (int i = 0; i < STUN_ATTR_MAX; i++)
		assert_int_equal(stun_build_attr(&b, 0x8055, NULL, 0), 0);
	assert_int_equal(stun_msg_decode(&m, out, stun_build_len(&b)), 0);
	assert_int_equal(m.n_attr, STUN_ATTR_MAX);
	assert_int_equal(stun_build_attr(&b, 0x8055, NULL, 0), 0);
	assert_int_equal(stun_msg_decode(&m, out, stun_build_len(&b)),
			 -EMSGSIZE);
}

/* An attribute of type MESSAGE-INTEGRITY written with stun_build_attr,
 * which (unlike stun_build_integrity) lets the test append more after it.
 * Its value is the real HMAC: the one a message of the same prefix gets. */
static void mi_then(uint8_t *out, size_t *len, bool after_fp,
		    const uint8_t *key, size_t key_len)
{
	uint8_t pre[CAP];
	struct stun_builder b;
	struct stun_msg m;
	const uint8_t *mac;
	size_t n;

	assert_int_equal(stun_build_start(&b, pre, sizeof(pre),
					  STUN_BINDING_REQUEST, v_tid),
			 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, "abcd:efgh", 9), 0);
	assert_int_equal(stun_build_integrity(&b, key, key_len), 0);
	assert_int_equal(stun_msg_decode(&m, pre, stun_build_len(&b)), 0);
	assert_int_equal(stun_msg_attr(&m, STUN_ATTR_MESSAGE_INTEGRITY, &mac,
				       &n),
			 0);

	assert_int_equal(stun_build_start(&b, out, CAP, STUN_BINDING_REQUEST,
					  v_tid),
			 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, "abcd:efgh", 9), 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_MESSAGE_INTEGRITY, mac,
					 n),
			 0);
	assert_int_equal(stun_build_u32(&b, STUN_ATTR_PRIORITY, 7), 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0), 0);
	assert_int_equal(stun_build_attr(&b, 0x0003, "\0\0\0\0", 4), 0);
	if (after_fp) {
		assert_int_equal(stun_build_fingerprint(&b), 0);
		assert_int_equal(stun_build_u32(&b, STUN_ATTR_PRIORITY, 8),
				 -EPROTO);
	}
	*len = stun_build_len(&b);
}

/* RFC 8489 14.5: what follows MESSAGE-INTEGRITY, other than FINGERPRINT,
 * is not covered by it and is ignored: an attacker appending
 * USE-CANDIDATE or anything else to a valid request gains nothing. */
static void test_after_integrity(void **state)
{
	const uint8_t *key = (const uint8_t *)V_PWD;
	uint8_t out[CAP];
	struct stun_msg m;
	size_t len;

	(void)state;
	mi_then(out, &len, true, key, strlen(V_PWD));
	assert_int_equal(stun_msg_decode(&m, out, len), 0);
	assert_int_equal(m.n_attr, 3); /* USERNAME, MI, FINGERPRINT */
	assert_int_equal(stun_msg_check_integrity(&m, key, strlen(V_PWD)), 0);
	assert_int_equal(stun_msg_check_fingerprint(&m), 0);
	assert_false(stun_msg_has(&m, STUN_ATTR_PRIORITY));
	assert_false(stun_msg_has(&m, STUN_ATTR_USE_CANDIDATE));
	assert_int_equal(m.n_unknown, 0);
	/* without FINGERPRINT the same */
	mi_then(out, &len, false, key, strlen(V_PWD));
	assert_int_equal(stun_msg_decode(&m, out, len), 0);
	assert_int_equal(m.n_attr, 2);
	assert_int_equal(stun_msg_check_fingerprint(&m), -ENOENT);
	assert_int_equal(stun_msg_check_integrity(&m, key, strlen(V_PWD)), 0);
	assert_false(stun_msg_has(&m, STUN_ATTR_USE_CANDIDATE));
}

static void test_fingerprint_not_last(void **state)
{
	uint8_t out[CAP];
	struct stun_builder b;
	struct stun_msg m;

	(void)state;
	assert_int_equal(stun_build_start(&b, out, sizeof(out),
					  STUN_BINDING_REQUEST, v_tid),
			 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, "abcd:efgh", 9), 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_FINGERPRINT, "\1\2\3\4", 4), 0);
	assert_int_equal(stun_msg_decode(&m, out, stun_build_len(&b)), 0);
	assert_int_equal(stun_msg_check_fingerprint(&m), -EBADMSG);
	/* anything after it */
	assert_int_equal(stun_build_attr(&b, 0x8055, NULL, 0), 0);
	assert_int_equal(stun_msg_decode(&m, out, stun_build_len(&b)), -EBADMSG);
	/* MESSAGE-INTEGRITY after it too */
	assert_int_equal(stun_build_start(&b, out, sizeof(out),
					  STUN_BINDING_REQUEST, v_tid),
			 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_FINGERPRINT, "\1\2\3\4", 4), 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_MESSAGE_INTEGRITY,
					 "01234567890123456789", 20),
			 0);
	assert_int_equal(stun_msg_decode(&m, out, stun_build_len(&b)), -EBADMSG);
}

/* Known attributes with the wrong length or field: malformed. */
static void test_bad_known_attrs(void **state)
{
	static const struct {
		uint16_t type;
		const char *val;
		size_t len;
	} bad[] = {
		{ STUN_ATTR_MESSAGE_INTEGRITY, "0123456789012345678", 19 },
		{ STUN_ATTR_FINGERPRINT, "\1\2\3", 3 },
		{ STUN_ATTR_PRIORITY, "\1\2\3\4\5", 5 },
		{ STUN_ATTR_ICE_CONTROLLED, "\1\2\3\4", 4 },
		{ STUN_ATTR_ICE_CONTROLLING, "\1\2\3\4\5\6\7\0\1", 9 },
		{ STUN_ATTR_USE_CANDIDATE, "\1\2\3\4", 4 },
		/* family 3 */
		{ STUN_ATTR_XOR_MAPPED_ADDRESS, "\0\3\0\1\1\2\3\4", 8 },
		/* IPv4 with 16 address bytes */
		{ STUN_ATTR_XOR_MAPPED_ADDRESS,
		  "\0\1\0\1\1\2\3\4\1\2\3\4\1\2\3\4\1\2\3\4", 20 },
		{ STUN_ATTR_MAPPED_ADDRESS, "\0\2\0\1\1\2\3\4", 8 },
		/* class 7, class 2, number 100 */
		{ STUN_ATTR_ERROR_CODE, "\0\0\7\0", 4 },
		{ STUN_ATTR_ERROR_CODE, "\0\0\2\0", 4 },
		{ STUN_ATTR_ERROR_CODE, "\0\0\4\144", 4 },
		{ STUN_ATTR_ERROR_CODE, "\0\0\4", 3 },
		{ STUN_ATTR_UNKNOWN_ATTRIBUTES, "\0\3\0", 3 },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, "0123456789abcde", 15 },
	};
	uint8_t out[CAP], big[STUN_USERNAME_MAX + 1];
	struct stun_builder b;
	struct stun_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(stun_build_start(&b, out, sizeof(out),
						  STUN_BINDING_REQUEST, v_tid),
				 0);
		assert_int_equal(stun_build_attr(&b, bad[i].type, bad[i].val,
						 bad[i].len),
				 0);
		if (stun_msg_decode(&m, out, stun_build_len(&b)) != -EBADMSG)
			fail_msg("attribute %zu (0x%04x) accepted", i,
				 bad[i].type);
	}
	/* USERNAME longer than 513 bytes (RFC 8489 14.3) */
	memset(big, 'u', sizeof(big));
	assert_int_equal(stun_build_start(&b, out, sizeof(out),
					  STUN_BINDING_REQUEST, v_tid),
			 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, big,
					 STUN_USERNAME_MAX),
			 0);
	assert_int_equal(stun_msg_decode(&m, out, stun_build_len(&b)), 0);
	assert_int_equal(stun_build_start(&b, out, sizeof(out),
					  STUN_BINDING_REQUEST, v_tid),
			 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, big,
					 sizeof(big)),
			 0);
	assert_int_equal(stun_msg_decode(&m, out, stun_build_len(&b)), -EBADMSG);
}

static void test_unknown_attrs(void **state)
{
	uint8_t out[CAP];
	struct stun_builder b;
	struct stun_msg m;

	(void)state;
	assert_int_equal(stun_build_start(&b, out, sizeof(out),
					  STUN_BINDING_REQUEST, v_tid),
			 0);
	assert_int_equal(stun_build_attr(&b, 0x0003, "\0\0\0\0", 4), 0);
	assert_int_equal(stun_build_attr(&b, 0xC001, "x", 1), 0);
	assert_int_equal(stun_build_attr(&b, 0x7FFF, NULL, 0), 0);
	assert_int_equal(stun_build_attr(&b, 0x0003, "\0\0\0\4", 4), 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256,
					 "0123456789abcdef0123456789abcdef",
					 32),
			 0);
	assert_int_equal(stun_msg_decode(&m, out, stun_build_len(&b)), 0);
	/* each comprehension-required unknown type once, in order; the
	 * ignored MESSAGE-INTEGRITY-SHA256 is known */
	assert_int_equal(m.n_unknown, 2);
	assert_int_equal(m.unknown[0], 0x0003);
	assert_int_equal(m.unknown[1], 0x7FFF);
}

/* Padding bytes are not checked (RFC 8489 14): the vectors pad with
 * spaces; any other value decodes the same. */
static void test_padding_ignored(void **state)
{
	uint8_t pkt[CAP];
	size_t len = t_hex(V_REQ, pkt, sizeof(pkt));
	struct stun_msg m;

	(void)state;
	memset(pkt + 73, 0xA5, 3); /* USERNAME's padding */
	assert_int_equal(stun_msg_decode(&m, pkt, len), 0);
	t_check_user(&m, V_USER);
	/* covered by the integrity and fingerprint, though */
	assert_int_equal(stun_msg_check_fingerprint(&m), -EBADMSG);
	assert_int_equal(stun_msg_check_integrity(&m, (const uint8_t *)V_PWD,
						  strlen(V_PWD)),
			 -EKEYREJECTED);
}

static void test_corrupt_vector(void **state)
{
	uint8_t pkt[CAP];
	size_t len = t_hex(V_REQ, pkt, sizeof(pkt));
	struct stun_msg m;

	(void)state;
	/* one bit in SOFTWARE: still decodes, both checks fail */
	pkt[25] ^= 0x20;
	assert_int_equal(stun_msg_decode(&m, pkt, len), 0);
	assert_int_equal(stun_msg_check_fingerprint(&m), -EBADMSG);
	assert_int_equal(stun_msg_check_integrity(&m, (const uint8_t *)V_PWD,
						  strlen(V_PWD)),
			 -EKEYREJECTED);
	pkt[25] ^= 0x20;
	/* the FINGERPRINT value itself */
	pkt[len - 1] ^= 0x01;
	assert_int_equal(stun_msg_decode(&m, pkt, len), 0);
	assert_int_equal(stun_msg_check_fingerprint(&m), -EBADMSG);
	assert_int_equal(stun_msg_check_integrity(&m, (const uint8_t *)V_PWD,
						  strlen(V_PWD)),
			 0);
	assert_int_equal(stun_msg_check_integrity(&m, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5769_request),
		cmocka_unit_test(test_rfc5769_ipv4_response),
		cmocka_unit_test(test_rfc5769_ipv6_response),
		cmocka_unit_test(test_rfc5769_long_term),
		cmocka_unit_test(test_rfc5769_encode),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_attr_past_end),
		cmocka_unit_test(test_too_many_attrs),
		cmocka_unit_test(test_after_integrity),
		cmocka_unit_test(test_fingerprint_not_last),
		cmocka_unit_test(test_bad_known_attrs),
		cmocka_unit_test(test_unknown_attrs),
		cmocka_unit_test(test_padding_ignored),
		cmocka_unit_test(test_corrupt_vector),
	};

	return cmocka_run_group_tests_name("stun", tests, NULL, NULL);
}

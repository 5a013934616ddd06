/*
 * Unit tests for the STUN builder (src/stun/stun_build.c): round trips of
 * every attribute it writes and of the Binding success and error
 * responses through the decoder, its all-or-nothing and ordering rules
 * (RFC 8489 14.5, 14.7), the CRC-32 and the type helpers.
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

#include "stun/stun.h"
#include "stun_test.h"

#define CAP 2048

static void test_crc32(void **state)
{
	(void)state;
	/* The CRC-32 check value (ISO 3309 / zlib). */
	assert_int_equal(stun_crc32((const uint8_t *)"123456789", 9),
			 0xCBF43926u);
	assert_int_equal(stun_crc32(NULL, 0), 0);
}

static void test_roundtrip_attrs(void **state)
{
	static const uint8_t tid[STUN_TID_LEN] = { 1, 2, 3, 4, 5, 6,
						   7, 8, 9, 10, 11, 12 };
	struct sockaddr_in6 a6 = t_sin6("2001:db8::1", 5004);
	const uint16_t unk[] = { 0x0003, 0x0031 };
	uint8_t out[CAP], key[40];
	struct sockaddr_storage sa;
	struct stun_builder b;
	struct stun_msg m;
	const uint8_t *v;
	uint16_t code;
	uint32_t u32;
	uint64_t u64;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(stun_build_start(&b, out, sizeof(out),
					  STUN_BINDING_REQUEST, tid),
			 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, "abcd:efgh", 9), 0);
	assert_int_equal(stun_build_u32(&b, STUN_ATTR_PRIORITY, 0x7e7f00ff), 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0), 0);
	assert_int_equal(stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLING,
					0x0102030405060708ull),
			 0);
	assert_int_equal(stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS,
					     (struct sockaddr *)&a6),
			 0);
	assert_int_equal(stun_build_error_code(&b, 438, "Stale Nonce"), 0);
	assert_int_equal(stun_build_unknown(&b, unk, 2), 0);
	assert_int_equal(stun_build_attr(&b, 0x8055, "opt", 3), 0);
	assert_int_equal(stun_build_integrity(&b, key, sizeof(key)), 0);
	assert_int_equal(stun_build_fingerprint(&b), 0);

	assert_int_equal(stun_msg_decode(&m, out, stun_build_len(&b)), 0);
	assert_int_equal(m.n_attr, 10);
	assert_memory_equal(m.tid, tid, STUN_TID_LEN);
	t_check_user(&m, "abcd:efgh");
	assert_int_equal(stun_msg_u32(&m, STUN_ATTR_PRIORITY, &u32), 0);
	assert_int_equal(u32, 0x7e7f00ff);
	assert_true(stun_msg_has(&m, STUN_ATTR_USE_CANDIDATE));
	assert_int_equal(stun_msg_u64(&m, STUN_ATTR_ICE_CONTROLLING, &u64), 0);
	assert_true(u64 == 0x0102030405060708ull);
	assert_int_equal(stun_msg_xor_addr(&m, &sa), 0);
	assert_memory_equal(&sa, &a6, sizeof(a6));
	assert_int_equal(stun_msg_error_code(&m, &code, &v, &n), 0);
	assert_int_equal(code, 438);
	assert_int_equal(n, 11);
	assert_memory_equal(v, "Stale Nonce", 11);
	assert_int_equal(stun_msg_attr(&m, STUN_ATTR_UNKNOWN_ATTRIBUTES, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(v, "\x00\x03\x00\x31", 4);
	assert_int_equal(stun_msg_attr(&m, 0x8055, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(v, "opt", 3);
	/* comprehension-optional 0x8055 is not "unknown" for a 420 */
	assert_int_equal(m.n_unknown, 0);
	assert_int_equal(stun_msg_check_fingerprint(&m), 0);
	assert_int_equal(stun_msg_check_integrity(&m, key, sizeof(key)), 0);
	key[39] ^= 0x80;
	assert_int_equal(stun_msg_check_integrity(&m, key, sizeof(key)),
			 -EKEYREJECTED);
}

static void test_binding_success(void **state)
{
	struct sockaddr_in a4 = t_sin("198.51.100.7", 65535);
	struct sockaddr_in6 mapped = t_sin6("::ffff:203.0.113.9", 40000);
	struct sockaddr_in want = t_sin("203.0.113.9", 40000);
	const uint8_t *pw = (const uint8_t *)V_PWD;
	struct sockaddr_storage sa;
	uint8_t out[CAP];
	struct stun_msg m;
	int n;

	(void)state;
	n = stun_binding_success(out, sizeof(out), v_tid,
				 (struct sockaddr *)&a4, pw, strlen(V_PWD));
	/* header, XOR-MAPPED-ADDRESS (12), MESSAGE-INTEGRITY (24),
	 * FINGERPRINT (8) */
	assert_int_equal(n, 20 + 12 + 24 + 8);
	assert_int_equal(stun_msg_decode(&m, out, (size_t)n), 0);
	assert_int_equal(m.type, STUN_BINDING_SUCCESS);
	assert_int_equal(m.n_attr, 3);
	assert_int_equal(stun_msg_xor_addr(&m, &sa), 0);
	assert_memory_equal(&sa, &a4, sizeof(a4));
	assert_int_equal(stun_msg_check_integrity(&m, pw, strlen(V_PWD)), 0);
	assert_int_equal(stun_msg_check_fingerprint(&m), 0);

	/* an IPv4 peer on a dual-stack socket reads an IPv4 address */
	n = stun_binding_success(out, sizeof(out), v_tid,
				 (struct sockaddr *)&mapped, pw, strlen(V_PWD));
	assert_int_equal(n, 20 + 12 + 24 + 8);
	assert_int_equal(stun_msg_decode(&m, out, (size_t)n), 0);
	assert_int_equal(stun_msg_xor_addr(&m, &sa), 0);
	assert_memory_equal(&sa, &want, sizeof(want));

	/* too small: nothing usable, an error */
	assert_int_equal(stun_binding_success(out, 20 + 12 + 24 + 7, v_tid,
					      (struct sockaddr *)&a4, pw,
					      strlen(V_PWD)),
			 -ENOSPC);
	assert_int_equal(stun_binding_success(out, sizeof(out), v_tid,
					      (struct sockaddr *)&a4, NULL, 0),
			 -EINVAL);
}

static void test_binding_errors(void **state)
{
	static const uint16_t codes[] = { 400, 401, 420, 487 };
	static const char *const reasons[] = { "Bad Request",
					       "Unauthenticated",
					       "Unknown Attribute",
					       "Role Conflict" };
	const uint16_t unk[] = { 0x0003, 0x7777 };
	const uint8_t *pw = (const uint8_t *)V_PWD;
	uint8_t out[CAP];
	struct stun_msg m;
	const uint8_t *v;
	uint16_t code;
	size_t n;
	int len;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		bool auth = codes[i] == 420 || codes[i] == 487;

		len = stun_binding_error(out, sizeof(out), v_tid, codes[i], unk,
					 2, auth ? pw : NULL,
					 auth ? strlen(V_PWD) : 0);
		assert_true(len > 0);
		assert_int_equal(stun_msg_decode(&m, out, (size_t)len), 0);
		assert_int_equal(m.type, STUN_BINDING_ERROR);
		assert_int_equal(stun_type_class(m.type), STUN_CLASS_ERROR);
		assert_memory_equal(m.tid, v_tid, STUN_TID_LEN);
		assert_int_equal(stun_msg_error_code(&m, &code, &v, &n), 0);
		assert_int_equal(code, codes[i]);
		assert_int_equal(n, strlen(reasons[i]));
		assert_memory_equal(v, reasons[i], n);
		assert_string_equal(stun_error_reason(codes[i]), reasons[i]);
		assert_int_equal(stun_msg_check_fingerprint(&m), 0);
		if (auth)
			assert_int_equal(stun_msg_check_integrity(&m, pw,
								  strlen(V_PWD)),
					 0);
		else
			assert_int_equal(stun_msg_check_integrity(&m, pw,
								  strlen(V_PWD)),
					 -ENOENT);
		assert_int_equal(stun_msg_attr(&m, STUN_ATTR_UNKNOWN_ATTRIBUTES,
					       &v, &n),
				 codes[i] == 420 ? 0 : -ENOENT);
		if (codes[i] == 420) {
			assert_int_equal(n, 4);
			assert_memory_equal(v, "\x00\x03\x77\x77", 4);
		}
	}
	assert_int_equal(stun_binding_error(out, sizeof(out), v_tid, 420, NULL,
					    0, pw, strlen(V_PWD)),
			 -EINVAL);
	assert_int_equal(stun_binding_error(out, sizeof(out), v_tid, 700, NULL,
					    0, NULL, 0),
			 -EINVAL);
}

static void test_builder_all_or_nothing(void **state)
{
	uint8_t out[64], copy[64];
	struct sockaddr_in a4 = t_sin("192.0.2.1", 1);
	struct stun_builder b;
	struct stun_msg m;
	size_t n;

	(void)state;
	memset(out, 0x5A, sizeof(out));
	assert_int_equal(stun_build_start(&b, out, 19, STUN_BINDING_REQUEST,
					  v_tid),
			 -ENOSPC);
	assert_int_equal(stun_build_start(&b, out, 40, 0x4000, v_tid), -EINVAL);
	assert_int_equal(stun_build_start(&b, out, 40, STUN_BINDING_REQUEST,
					  v_tid),
			 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, "abcd:efgh", 9), 0);
	n = stun_build_len(&b);
	assert_int_equal(n, 36);
	memcpy(copy, out, sizeof(out));
	/* 4 bytes left: neither an attribute with a value, nor the
	 * integrity, nor an address, nor the fingerprint (needs 8) */
	assert_int_equal(stun_build_u32(&b, STUN_ATTR_PRIORITY, 1), -ENOSPC);
	assert_int_equal(stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS,
					     (struct sockaddr *)&a4),
			 -ENOSPC);
	assert_int_equal(stun_build_integrity(&b, (const uint8_t *)"k", 1),
			 -ENOSPC);
	assert_int_equal(stun_build_fingerprint(&b), -ENOSPC);
	assert_int_equal(stun_build_len(&b), n);
	assert_memory_equal(out, copy, sizeof(out));
	/* what is there is a whole message */
	assert_int_equal(stun_msg_decode(&m, out, n), 0);
	/* but an empty attribute fits */
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0), 0);
	assert_int_equal(stun_msg_decode(&m, out, stun_build_len(&b)), 0);
	assert_true(stun_msg_has(&m, STUN_ATTR_USE_CANDIDATE));
	assert_int_equal(stun_build_attr(&b, 1, NULL, 4), -EINVAL);
}

static void test_builder_order(void **state)
{
	const uint8_t *k = (const uint8_t *)V_PWD;
	struct sockaddr_un_like {
		sa_family_t family;
		char rest[30];
	} bogus = { .family = AF_UNIX };
	uint8_t out[CAP];
	struct stun_builder b;

	(void)state;
	assert_int_equal(stun_build_start(&b, out, sizeof(out),
					  STUN_BINDING_REQUEST, v_tid),
			 0);
	assert_int_equal(stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS,
					     (struct sockaddr *)&bogus),
			 -EINVAL);
	assert_int_equal(stun_build_error_code(&b, 299, "x"), -EINVAL);
	assert_int_equal(stun_build_unknown(&b, NULL, 0), -EINVAL);
	assert_int_equal(stun_build_integrity(&b, k, 0), -EINVAL);
	assert_int_equal(stun_build_integrity(&b, k, strlen(V_PWD)), 0);
	/* after MESSAGE-INTEGRITY only FINGERPRINT (RFC 8489 14.5) */
	assert_int_equal(stun_build_u32(&b, STUN_ATTR_PRIORITY, 1), -EPROTO);
	assert_int_equal(stun_build_integrity(&b, k, strlen(V_PWD)), -EPROTO);
	assert_int_equal(stun_build_fingerprint(&b), 0);
	/* after FINGERPRINT nothing (14.7) */
	assert_int_equal(stun_build_fingerprint(&b), -EPROTO);
	assert_int_equal(stun_build_attr(&b, 0x8055, NULL, 0), -EPROTO);
}

static void test_type_helpers(void **state)
{
	(void)state;
	assert_int_equal(stun_type_method(STUN_BINDING_ERROR), 1);
	assert_int_equal(stun_type_class(STUN_BINDING_ERROR), STUN_CLASS_ERROR);
	assert_int_equal(stun_type_class(0x0011), STUN_CLASS_INDICATION);
	/* RFC 8489 5: method 0xFFF with every M bit set, class bits clear */
	assert_int_equal(stun_type_method(0x3EEF), 0xFFF);
	assert_int_equal(stun_type_class(0x3EEF), 0);
	/* TURN Allocate (0x003), success 0x0103 */
	assert_int_equal(stun_type_method(0x0103), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_roundtrip_attrs),
		cmocka_unit_test(test_binding_success),
		cmocka_unit_test(test_binding_errors),
		cmocka_unit_test(test_builder_all_or_nothing),
		cmocka_unit_test(test_builder_order),
		cmocka_unit_test(test_type_helpers),
	};

	return cmocka_run_group_tests_name("stun_build", tests, NULL, NULL);
}

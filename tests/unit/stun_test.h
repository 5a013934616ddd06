/*
 * Helpers shared by the stun unit tests: the RFC 5769 test vectors as hex,
 * hex decoding and addresses. Header-only (static inline) so each test
 * binary stays self-contained; include after <cmocka.h>.
 *
 * The vectors are RFC 5769 ("Test Vectors for Session Traversal Utilities
 * for NAT (STUN)") sections 2.1 to 2.4, byte for byte, padding included
 * (the RFC pads with 0x20 on purpose, 2.1-2.3, to show padding is not
 * checked). Their MESSAGE-INTEGRITY and FINGERPRINT values were checked
 * with Python's hmac, hashlib and zlib, independently of this code, when
 * they were typed in.
 */
#ifndef KTRSBC_STUN_TEST_H
#define KTRSBC_STUN_TEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "stun/stun.h"

/* 2.1 Sample Request: SOFTWARE "STUN test client", PRIORITY 0x6e0001ff,
 * ICE-CONTROLLED 0x932ff9b151263b36, USERNAME "evtj:h6vY" (3 bytes of
 * 0x20 padding), MESSAGE-INTEGRITY, FINGERPRINT. */
#define V_REQ                                                          \
	"000100582112a442b7e7a701bc34d686fa87dfae"                     \
	"80220010" "5354554e2074657374" "20636c69656e74"               \
	"00240004" "6e0001ff"                                          \
	"80290008" "932ff9b151263b36"                                  \
	"00060009" "6576746a3a68367659202020"                          \
	"00080014" "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"          \
	"80280004" "e57a3bcf"
/* 2.2 Sample IPv4 Response: SOFTWARE "test vector" (one 0x20 of padding),
 * XOR-MAPPED-ADDRESS 192.0.2.1 port 32853, MESSAGE-INTEGRITY,
 * FINGERPRINT. */
#define V_RESP4                                                        \
	"0101003c2112a442b7e7a701bc34d686fa87dfae"                     \
	"8022000b" "7465737420766563746f7220"                          \
	"00200008" "0001a147e112a643"                                  \
	"00080014" "2b91f599fd9e90c38c7489f92af9ba53f06be7d7"          \
	"80280004" "c07d4c96"
/* 2.3 Sample IPv6 Response: the same with XOR-MAPPED-ADDRESS
 * 2001:db8:1234:5678:11:2233:4455:6677 port 32853. */
#define V_RESP6                                                        \
	"010100482112a442b7e7a701bc34d686fa87dfae"                     \
	"8022000b" "7465737420766563746f7220"                          \
	"00200014" "0002a1470113a9faa5d3f179bc25f4b5bed2b9d9"          \
	"00080014" "a382954e4be67bf11784c97c8292c275bfe3ed41"          \
	"80280004" "c8fb0b4c"
/* 2.4 Sample Request with Long-Term Authentication: USERNAME
 * U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9 (UTF-8, 18 bytes), NONCE
 * "f//499k954d6OL34oL9FSTvy64sA", REALM "example.org", MESSAGE-INTEGRITY
 * with key MD5(username ":" realm ":" SASLprep(password)), the password
 * "The<U+00AD>M<U+00AA>tr<U+2168>" prepared to "TheMatrIX". */
#define V_LT                                                           \
	"000100602112a44278ad3433c6ad72c029da412e"                     \
	"00060012" "e3839ee38388e383aae38383e382afe382b90000"          \
	"0015001c" "662f2f3439396b39353464364f4c33346f4c394653547679"  \
	"36347341"                                                     \
	"0014000b" "6578616d706c652e6f726700"                          \
	"00080014" "f67024656dd64a3e02b8e0712e85c9a28ca89666"

#define V_PWD "VOkJxbRl1RmTxUk/WvJxBt"
#define V_USER "evtj:h6vY"
#define V_LT_USER "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9"
#define V_LT_KEYSTR V_LT_USER ":example.org:TheMatrIX"

static const uint8_t v_tid[STUN_TID_LEN] = { 0xb7, 0xe7, 0xa7, 0x01,
					     0xbc, 0x34, 0xd6, 0x86,
					     0xfa, 0x87, 0xdf, 0xae };

static inline size_t t_hex(const char *hex, uint8_t *out, size_t cap)
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

static inline struct sockaddr_in t_sin(const char *ip, uint16_t port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return a;
}

static inline struct sockaddr_in6 t_sin6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 a;

	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	a.sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, ip, &a.sin6_addr), 1);
	return a;
}

static inline void t_check_user(const struct stun_msg *m, const char *want)
{
	const uint8_t *v;
	size_t n;

	assert_int_equal(stun_msg_attr(m, STUN_ATTR_USERNAME, &v, &n), 0);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(v, want, n);
}

#endif

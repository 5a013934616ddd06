/*
 * libFuzzer target: the STUN decoder, its getters and checks, and the
 * ICE-lite responder (src/stun/) on arbitrary datagrams. Seeds:
 * tests/fuzz/corpus/stun/ (the RFC 5769 vectors and checks written by
 * aioice for the credentials below, those of RFC 5769 2.1).
 *
 * Nothing may crash, leak or read out of bounds, and:
 *   - whatever decodes re-encodes, through the builder, to a message that
 *     decodes to the same attributes (padding aside);
 *   - the responder never fails on input, and every response it writes
 *     decodes, carries a valid FINGERPRINT and, when the request was
 *     authenticated, a MESSAGE-INTEGRITY valid with the local password;
 *   - a request it accepts passes the integrity check on its own.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "stun/stun.h"

#define LUFRAG "evtj"
#define RUFRAG "h6vY"
#define PWD "VOkJxbRl1RmTxUk/WvJxBt"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct stun_ice *ice;

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void getters(const struct stun_msg *m)
{
	struct sockaddr_storage sa;
	const uint8_t *v;
	uint16_t code;
	uint32_t u32;
	uint64_t u64;
	size_t n;

	check(m->n_attr <= STUN_ATTR_MAX && m->n_unknown <= m->n_attr);
	for (size_t i = 0; i < m->n_attr; i++)
		check((size_t)m->attr[i].off + m->attr[i].len <= m->len);
	(void)stun_msg_attr(m, STUN_ATTR_USERNAME, &v, &n);
	(void)stun_msg_u32(m, STUN_ATTR_PRIORITY, &u32);
	(void)stun_msg_u64(m, STUN_ATTR_ICE_CONTROLLED, &u64);
	(void)stun_msg_u64(m, STUN_ATTR_ICE_CONTROLLING, &u64);
	(void)stun_msg_xor_addr(m, &sa);
	(void)stun_msg_error_code(m, &code, &v, &n);
	(void)stun_msg_check_fingerprint(m);
	(void)stun_msg_check_integrity(m, (const uint8_t *)PWD, strlen(PWD));
}

/* Re-encode m attribute by attribute (MESSAGE-INTEGRITY and FINGERPRINT
 * copied as they are) and decode the result: the same attributes. */
static void reencode(const struct stun_msg *m)
{
	static uint8_t out[STUN_MSG_MAX];
	struct stun_builder b;
	struct stun_msg m2;
	const uint8_t *v, *v2;
	size_t n, n2;

	check(stun_build_start(&b, out, sizeof(out), m->type, m->tid) == 0);
	for (size_t i = 0; i < m->n_attr; i++) {
		v = m->raw + m->attr[i].off;
		check(stun_build_attr(&b, m->attr[i].type, v, m->attr[i].len) ==
		      0);
	}
	check(stun_msg_decode(&m2, out, stun_build_len(&b)) == 0);
	check(m2.type == m->type && m2.n_attr == m->n_attr &&
	      m2.n_unknown == m->n_unknown &&
	      memcmp(m2.tid, m->tid, STUN_TID_LEN) == 0);
	for (size_t i = 0; i < m->n_attr; i++) {
		check(m2.attr[i].type == m->attr[i].type);
		check(stun_msg_attr(m, m->attr[i].type, &v, &n) == 0);
		check(stun_msg_attr(&m2, m->attr[i].type, &v2, &n2) == 0);
		check(n == n2 && (n == 0 || memcmp(v, v2, n) == 0));
	}
	check((m->mi_off == 0) == (m2.mi_off == 0));
	check((m->fp_off == 0) == (m2.fp_off == 0));
}

static void respond(const uint8_t *data, size_t size)
{
	static uint8_t out[STUN_MSG_MAX];
	static uint64_t now;
	struct sockaddr_in s4 = { .sin_family = AF_INET,
				  .sin_port = htons(40000) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(40002) };
	struct stun_ice_result r;
	struct stun_msg m;
	bool authed;

	s4.sin_addr.s_addr = htonl(0xC0000201);
	s6.sin6_addr.s6_addr[0] = 0x20;
	s6.sin6_addr.s6_addr[15] = 0x01;
	now += 1000;
	if (size % 2)
		check(stun_ice_input(ice, data, size, (struct sockaddr *)&s4,
				     sizeof(s4), now, out, sizeof(out),
				     &r) == 0);
	else
		check(stun_ice_input(ice, data, size, (struct sockaddr *)&s6,
				     sizeof(s6), now, out, sizeof(out),
				     &r) == 0);
	check((unsigned)r.verdict < STUN_ICE_VERDICTS);
	authed = r.verdict == STUN_ICE_VALID ||
		 r.verdict == STUN_ICE_NOMINATED ||
		 r.verdict == STUN_ICE_ROLE_CONFLICT ||
		 r.verdict == STUN_ICE_UNKNOWN_ATTRIBUTE;
	if (authed) {
		check(stun_msg_decode(&m, data, size) == 0);
		check(stun_msg_check_integrity(&m, (const uint8_t *)PWD,
					       strlen(PWD)) == 0);
		check(stun_msg_check_fingerprint(&m) == 0);
		check(r.resp_len > 0);
	}
	if (!r.resp_len)
		return;
	check(stun_msg_decode(&m, out, r.resp_len) == 0);
	check(stun_msg_check_fingerprint(&m) == 0);
	check(stun_msg_check_integrity(&m, (const uint8_t *)PWD,
				       strlen(PWD)) == (authed ? 0 : -ENOENT));
	(void)stun_ice_consent_expired(ice, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_msg m;

	if (!ice) {
		if (stun_ice_alloc(&ice) ||
		    stun_ice_set_creds(ice, LUFRAG, PWD, RUFRAG))
			abort();
		/* the error paths too */
		stun_ice_set_answer_auth_errors(ice, true);
	}
	if (stun_msg_decode(&m, data, size) == 0) {
		check(m.len == size);
		getters(&m);
		reencode(&m);
	}
	respond(data, size);
	return 0;
}

/*
 * Unit tests for the ICE-lite responder (src/stun/stun_ice.c): every
 * verdict from requests written with the builder (and the RFC 5769 2.1
 * request, which carries ICE-CONTROLLED), the responses checked through
 * the decoder, the nominated address, ICE restart, consent expiry on an
 * injected clock, and the caller's errors.
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

#define LUFRAG "evtj"
#define RUFRAG "h6vY"
#define CAP 2048

/* What a test request carries. */
struct req {
	const char *user; /* NULL: no USERNAME */
	const char *pwd; /* NULL: no MESSAGE-INTEGRITY */
	bool fp; /* FINGERPRINT */
	bool use_candidate, controlling, controlled;
	uint16_t type;
	uint16_t unknown; /* a comprehension-required type to add, or 0 */
	uint8_t tid0; /* first transaction-id byte */
};

static const struct req good = {
	.user = LUFRAG ":" RUFRAG,
	.pwd = V_PWD,
	.fp = true,
	.controlling = true,
	.type = STUN_BINDING_REQUEST,
};

static size_t mkreq(const struct req *q, uint8_t *out)
{
	uint8_t tid[STUN_TID_LEN];
	struct stun_builder b;

	for (size_t i = 0; i < sizeof(tid); i++)
		tid[i] = (uint8_t)(q->tid0 + 0x31 * i);
	assert_int_equal(stun_build_start(&b, out, CAP, q->type, tid), 0);
	if (q->user)
		assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, q->user,
						 strlen(q->user)),
				 0);
	assert_int_equal(stun_build_u32(&b, STUN_ATTR_PRIORITY, 0x6e7f1eff), 0);
	if (q->use_candidate)
		assert_int_equal(stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE,
						 NULL, 0),
				 0);
	if (q->controlling)
		assert_int_equal(stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLING,
						0x1122334455667788ull),
				 0);
	if (q->controlled)
		assert_int_equal(stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLED,
						0x8877665544332211ull),
				 0);
	if (q->unknown)
		assert_int_equal(stun_build_attr(&b, q->unknown, "\0\0\0\0", 4), 0);
	if (q->pwd)
		assert_int_equal(stun_build_integrity(&b, (const uint8_t *)q->pwd,
						      strlen(q->pwd)),
				 0);
	if (q->fp)
		assert_int_equal(stun_build_fingerprint(&b), 0);
	return stun_build_len(&b);
}

static struct stun_ice *ice_new(void)
{
	struct stun_ice *ice = NULL;

	assert_int_equal(stun_ice_alloc(&ice), 0);
	assert_int_equal(stun_ice_set_creds(ice, LUFRAG, V_PWD, RUFRAG), 0);
	return ice;
}

/* Feed req from src at now; the result. */
static struct stun_ice_result feed(struct stun_ice *ice, const struct req *q,
				   const void *src, uint64_t now, uint8_t *out)
{
	const struct sockaddr *sa = src;
	struct stun_ice_result res;
	uint8_t pkt[CAP];
	size_t n = mkreq(q, pkt);
	socklen_t sl = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
						: sizeof(struct sockaddr_in6);

	assert_int_equal(stun_ice_input(ice, pkt, n, sa, sl, now, out, CAP,
					&res),
			 0);
	return res;
}

/* The response is a Binding success for the request's transaction with
 * XOR-MAPPED-ADDRESS = src, authenticated with the local password. */
static void check_success(const uint8_t *out, size_t n, uint8_t tid0,
			  const void *src, size_t srclen)
{
	struct sockaddr_storage sa;
	struct stun_msg m;

	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&m, out, n), 0);
	assert_int_equal(m.type, STUN_BINDING_SUCCESS);
	assert_int_equal(m.tid[0], tid0);
	assert_int_equal(m.tid[11], (uint8_t)(tid0 + 0x31 * 11));
	assert_int_equal(stun_msg_xor_addr(&m, &sa), 0);
	assert_memory_equal(&sa, src, srclen);
	assert_int_equal(stun_msg_check_integrity(&m, (const uint8_t *)V_PWD,
						  strlen(V_PWD)),
			 0);
	assert_int_equal(stun_msg_check_fingerprint(&m), 0);
}

static void check_error(const uint8_t *out, size_t n, uint16_t want,
			bool authenticated)
{
	struct stun_msg m;
	uint16_t code;

	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&m, out, n), 0);
	assert_int_equal(m.type, STUN_BINDING_ERROR);
	assert_int_equal(stun_msg_error_code(&m, &code, NULL, NULL), 0);
	assert_int_equal(code, want);
	assert_int_equal(stun_msg_check_fingerprint(&m), 0);
	assert_int_equal(stun_msg_check_integrity(&m, (const uint8_t *)V_PWD,
						  strlen(V_PWD)),
			 authenticated ? 0 : -ENOENT);
}

static void test_valid(void **state)
{
	struct sockaddr_in src = t_sin("192.0.2.10", 50000);
	struct stun_ice *ice = ice_new();
	struct sockaddr_storage nom;
	struct stun_ice_result r;
	uint8_t out[CAP];
	struct req q = good;

	(void)state;
	q.tid0 = 0x40;
	r = feed(ice, &q, &src, 1000, out);
	assert_int_equal(r.verdict, STUN_ICE_VALID);
	assert_int_equal(r.error_code, 0);
	assert_int_equal(r.priority, 0x6e7f1eff);
	assert_false(r.use_candidate);
	assert_false(r.new_address);
	check_success(out, r.resp_len, 0x40, &src, sizeof(src));
	assert_int_equal(stun_ice_count(ice, STUN_ICE_VALID), 1);
	/* not nominated: no address, no consent to lose */
	assert_int_equal(stun_ice_nominated(ice, &nom), -ENOENT);
	assert_int_equal(stun_ice_last_valid_ms(ice), 0);
	assert_false(stun_ice_consent_expired(ice, 1000000));
	/* a full agent that omits ICE-CONTROLLING is not refused */
	q.controlling = false;
	r = feed(ice, &q, &src, 1000, out);
	assert_int_equal(r.verdict, STUN_ICE_VALID);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_VALID), 2);
	stun_ice_free(ice);
}

static void test_nominated(void **state)
{
	struct sockaddr_in a = t_sin("192.0.2.10", 50000);
	struct sockaddr_in b = t_sin("192.0.2.10", 50002);
	struct sockaddr_in6 c = t_sin6("2001:db8::7", 50000);
	struct stun_ice *ice = ice_new();
	struct sockaddr_storage nom;
	struct stun_ice_result r;
	uint8_t out[CAP];
	struct req q = good;

	(void)state;
	q.use_candidate = true;
	q.tid0 = 7;
	r = feed(ice, &q, &a, 500, out);
	assert_int_equal(r.verdict, STUN_ICE_NOMINATED);
	assert_true(r.use_candidate);
	assert_true(r.new_address);
	check_success(out, r.resp_len, 7, &a, sizeof(a));
	assert_int_equal(stun_ice_nominated(ice, &nom), 0);
	assert_memory_equal(&nom, &a, sizeof(a));
	assert_int_equal(stun_ice_last_valid_ms(ice), 500);
	/* the same again: not new */
	r = feed(ice, &q, &a, 600, out);
	assert_int_equal(r.verdict, STUN_ICE_NOMINATED);
	assert_false(r.new_address);
	/* re-learned: a later nomination from another port */
	r = feed(ice, &q, &b, 700, out);
	assert_int_equal(r.verdict, STUN_ICE_NOMINATED);
	assert_true(r.new_address);
	check_success(out, r.resp_len, 7, &b, sizeof(b));
	assert_int_equal(stun_ice_nominated(ice, &nom), 0);
	assert_memory_equal(&nom, &b, sizeof(b));
	/* and over IPv6 */
	r = feed(ice, &q, &c, 800, out);
	assert_int_equal(r.verdict, STUN_ICE_NOMINATED);
	assert_true(r.new_address);
	check_success(out, r.resp_len, 7, &c, sizeof(c));
	assert_int_equal(stun_ice_nominated(ice, &nom), 0);
	assert_memory_equal(&nom, &c, sizeof(c));
	assert_int_equal(stun_ice_count(ice, STUN_ICE_NOMINATED), 4);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_VALID), 0);
	stun_ice_free(ice);
}

static void test_wrong_pwd(void **state)
{
	struct sockaddr_in src = t_sin("192.0.2.10", 50000);
	struct stun_ice *ice = ice_new();
	struct sockaddr_storage nom;
	struct stun_ice_result r;
	uint8_t out[CAP];
	struct req q = good;

	(void)state;
	q.pwd = "VOkJxbRl1RmTxUk/WvJxBT";
	q.use_candidate = true;
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_BAD_INTEGRITY);
	assert_int_equal(r.resp_len, 0);
	assert_int_equal(r.error_code, STUN_ERR_UNAUTHENTICATED);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_BAD_INTEGRITY), 1);
	/* a forged nomination moves nothing */
	assert_int_equal(stun_ice_nominated(ice, &nom), -ENOENT);
	/* answered when asked to: 401 without MESSAGE-INTEGRITY */
	stun_ice_set_answer_auth_errors(ice, true);
	r = feed(ice, &q, &src, 2, out);
	assert_int_equal(r.verdict, STUN_ICE_BAD_INTEGRITY);
	check_error(out, r.resp_len, 401, false);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_BAD_INTEGRITY), 2);
	stun_ice_free(ice);
}

static void test_wrong_ufrag(void **state)
{
	static const char *const users[] = {
		RUFRAG ":" LUFRAG, /* the wrong way round */
		LUFRAG ":h6vZ",    /* another remote */
		"evtk:" RUFRAG,    /* another local */
		LUFRAG ":",	   /* empty remote */
		LUFRAG ":" RUFRAG "x",
		LUFRAG,
	};
	struct sockaddr_in src = t_sin("192.0.2.10", 50000);
	struct stun_ice *ice = ice_new();
	struct stun_ice_result r;
	uint8_t out[CAP];
	struct req q = good;

	(void)state;
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		q.user = users[i];
		r = feed(ice, &q, &src, 1, out);
		if (r.verdict != STUN_ICE_UNKNOWN_USER)
			fail_msg("USERNAME \"%s\": %s", users[i],
				 stun_ice_verdict_name(r.verdict));
		assert_int_equal(r.resp_len, 0);
	}
	assert_int_equal(stun_ice_count(ice, STUN_ICE_UNKNOWN_USER), 6);
	stun_ice_set_answer_auth_errors(ice, true);
	r = feed(ice, &q, &src, 1, out);
	check_error(out, r.resp_len, 401, false);
	stun_ice_free(ice);
}

static void test_bad_fingerprint(void **state)
{
	struct sockaddr_in src = t_sin("192.0.2.10", 50000);
	struct stun_ice *ice = ice_new();
	struct stun_ice_result r;
	uint8_t pkt[CAP], out[CAP];
	struct req q = good;
	size_t n;

	(void)state;
	stun_ice_set_answer_auth_errors(ice, true);
	/* the last byte is FINGERPRINT's */
	n = mkreq(&good, pkt);
	pkt[n - 1] ^= 0x01;
	assert_int_equal(stun_ice_input(ice, pkt, n, (struct sockaddr *)&src,
					sizeof(src), 1, out, sizeof(out), &r),
			 0);
	assert_int_equal(r.verdict, STUN_ICE_BAD_FINGERPRINT);
	assert_int_equal(r.resp_len, 0);
	/* absent: RFC 8445 7 requires it on checks */
	q.fp = false;
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_BAD_FINGERPRINT);
	assert_int_equal(r.resp_len, 0);
	assert_int_equal(r.error_code, 0);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_BAD_FINGERPRINT), 2);
	stun_ice_free(ice);
}

static void test_not_request(void **state)
{
	struct sockaddr_in src = t_sin("192.0.2.10", 50000);
	struct stun_ice *ice = ice_new();
	struct stun_ice_result r;
	uint8_t out[CAP];
	struct req q = good;

	(void)state;
	stun_ice_set_answer_auth_errors(ice, true);
	q.type = STUN_BINDING_SUCCESS;
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_NOT_REQUEST);
	assert_int_equal(r.resp_len, 0);
	q.type = STUN_METHOD_BINDING | STUN_CLASS_INDICATION;
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_NOT_REQUEST);
	q.type = 0x0003; /* TURN Allocate request */
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_NOT_REQUEST);
	assert_int_equal(r.resp_len, 0);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_NOT_REQUEST), 3);
	stun_ice_free(ice);
}

static void test_no_credentials(void **state)
{
	struct sockaddr_in src = t_sin("192.0.2.10", 50000);
	struct stun_ice *ice = ice_new();
	struct stun_ice_result r;
	uint8_t out[CAP];
	struct req q = good;

	(void)state;
	q.user = NULL;
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_NO_CREDENTIALS);
	assert_int_equal(r.error_code, 400);
	assert_int_equal(r.resp_len, 0);
	q = good;
	q.pwd = NULL;
	stun_ice_set_answer_auth_errors(ice, true);
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_NO_CREDENTIALS);
	check_error(out, r.resp_len, 400, false);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_NO_CREDENTIALS), 2);
	stun_ice_free(ice);
}

static void test_malformed(void **state)
{
	struct sockaddr_in src = t_sin("192.0.2.10", 50000);
	struct stun_ice *ice = ice_new();
	struct stun_ice_result r;
	uint8_t pkt[CAP], out[CAP];
	size_t n = mkreq(&good, pkt);

	(void)state;
	stun_ice_set_answer_auth_errors(ice, true);
	/* an RTP-looking datagram, a truncated request, the cookie */
	pkt[0] = 0x80;
	assert_int_equal(stun_ice_input(ice, pkt, n, (struct sockaddr *)&src,
					sizeof(src), 1, out, sizeof(out), &r),
			 0);
	assert_int_equal(r.verdict, STUN_ICE_MALFORMED);
	pkt[0] = 0x00;
	assert_int_equal(stun_ice_input(ice, pkt, n - 4, (struct sockaddr *)&src,
					sizeof(src), 1, out, sizeof(out), &r),
			 0);
	assert_int_equal(r.verdict, STUN_ICE_MALFORMED);
	pkt[7] ^= 0xFF;
	assert_int_equal(stun_ice_input(ice, pkt, n, (struct sockaddr *)&src,
					sizeof(src), 1, out, sizeof(out), &r),
			 0);
	assert_int_equal(r.verdict, STUN_ICE_MALFORMED);
	assert_int_equal(r.resp_len, 0);
	assert_int_equal(stun_ice_input(ice, NULL, 0, (struct sockaddr *)&src,
					sizeof(src), 1, out, sizeof(out), &r),
			 0);
	assert_int_equal(r.verdict, STUN_ICE_MALFORMED);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_MALFORMED), 4);
	stun_ice_free(ice);
}

static void test_unknown_attribute(void **state)
{
	struct sockaddr_in src = t_sin("192.0.2.10", 50000);
	struct stun_ice *ice = ice_new();
	struct sockaddr_storage nom;
	struct stun_ice_result r;
	uint8_t out[CAP];
	struct req q = good;
	struct stun_msg m;
	const uint8_t *v;
	size_t n;

	(void)state;
	q.unknown = 0x0003; /* CHANGE-REQUEST (RFC 5780): not for ICE */
	q.use_candidate = true;
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_UNKNOWN_ATTRIBUTE);
	check_error(out, r.resp_len, 420, true);
	assert_int_equal(stun_msg_decode(&m, out, r.resp_len), 0);
	assert_int_equal(stun_msg_attr(&m, STUN_ATTR_UNKNOWN_ATTRIBUTES, &v, &n),
			 0);
	assert_int_equal(n, 2);
	assert_memory_equal(v, "\x00\x03", 2);
	assert_int_equal(stun_ice_nominated(ice, &nom), -ENOENT);
	/* comprehension-optional unknowns are skipped */
	q.unknown = 0xC057;
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_NOMINATED);
	/* unauthenticated: the 420 is never reached */
	q.unknown = 0x0003;
	q.pwd = "0123456789012345678901";
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_BAD_INTEGRITY);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_UNKNOWN_ATTRIBUTE), 1);
	stun_ice_free(ice);
}

/* RFC 8445 7.3.1.1 for a lite (always controlled) agent: ICE-CONTROLLED
 * from the peer is a conflict answered with an authenticated 487; the
 * request nominates nothing. The RFC 5769 2.1 request is such a check. */
static void test_role_conflict(void **state)
{
	struct sockaddr_in src = t_sin("192.0.2.10", 50000);
	struct stun_ice *ice = ice_new();
	struct sockaddr_storage nom;
	struct stun_ice_result r;
	uint8_t pkt[CAP], out[CAP];
	size_t n = t_hex(V_REQ, pkt, sizeof(pkt));
	struct req q = good;
	struct stun_msg m;
	const uint8_t *v;
	size_t rl;

	(void)state;
	assert_int_equal(stun_ice_input(ice, pkt, n, (struct sockaddr *)&src,
					sizeof(src), 1, out, sizeof(out), &r),
			 0);
	assert_int_equal(r.verdict, STUN_ICE_ROLE_CONFLICT);
	assert_int_equal(r.priority, 0x6e0001ff);
	check_error(out, r.resp_len, 487, true);
	assert_int_equal(stun_msg_decode(&m, out, r.resp_len), 0);
	assert_memory_equal(m.tid, v_tid, STUN_TID_LEN);
	assert_int_equal(stun_msg_error_code(&m, NULL, &v, &rl), 0);
	assert_int_equal(rl, strlen("Role Conflict"));
	assert_memory_equal(v, "Role Conflict", rl);
	/* with USE-CANDIDATE too: still 487, no nomination */
	q.controlling = false;
	q.controlled = true;
	q.use_candidate = true;
	r = feed(ice, &q, &src, 2, out);
	assert_int_equal(r.verdict, STUN_ICE_ROLE_CONFLICT);
	check_error(out, r.resp_len, 487, true);
	assert_int_equal(stun_ice_nominated(ice, &nom), -ENOENT);
	/* the peer switches to controlling and checks again */
	q.controlled = false;
	q.controlling = true;
	r = feed(ice, &q, &src, 3, out);
	assert_int_equal(r.verdict, STUN_ICE_NOMINATED);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_ROLE_CONFLICT), 2);
	stun_ice_free(ice);
}

/* RFC 8445 7.3: before the peer's description arrives its ufrag is not
 * known; MESSAGE-INTEGRITY with our password still authenticates. */
static void test_remote_ufrag_unknown(void **state)
{
	struct sockaddr_in src = t_sin("192.0.2.10", 50000);
	struct stun_ice *ice = NULL;
	struct stun_ice_result r;
	uint8_t out[CAP];
	struct req q = good;

	(void)state;
	assert_int_equal(stun_ice_alloc(&ice), 0);
	assert_int_equal(stun_ice_set_creds(ice, LUFRAG, V_PWD, NULL), 0);
	q.user = LUFRAG ":anyRemote+/9";
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_VALID);
	q.user = LUFRAG ":";
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_UNKNOWN_USER);
	q.user = LUFRAG "x:" RUFRAG;
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_UNKNOWN_USER);
	/* then the answer lands */
	assert_int_equal(stun_ice_set_creds(ice, LUFRAG, V_PWD, RUFRAG), 0);
	q.user = LUFRAG ":anyRemote+/9";
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_UNKNOWN_USER);
	q.user = LUFRAG ":" RUFRAG;
	r = feed(ice, &q, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_VALID);
	stun_ice_free(ice);
}

/* RFC 8445 9: new credentials; the old ones stop working at once, the
 * nominated address and its consent stay until a new nomination. */
static void test_ice_restart(void **state)
{
	struct sockaddr_in a = t_sin("192.0.2.10", 50000);
	struct sockaddr_in b = t_sin("192.0.2.11", 50000);
	const char *npwd = "NewPasswordOf22Chars++";
	struct stun_ice *ice = ice_new();
	struct sockaddr_storage nom;
	struct stun_ice_result r;
	uint8_t out[CAP];
	struct req q = good;
	struct stun_msg m;

	(void)state;
	q.use_candidate = true;
	r = feed(ice, &q, &a, 1000, out);
	assert_int_equal(r.verdict, STUN_ICE_NOMINATED);
	assert_int_equal(stun_ice_set_creds(ice, "nEwL", npwd, "nEwR"), 0);
	assert_int_equal(stun_ice_nominated(ice, &nom), 0);
	assert_memory_equal(&nom, &a, sizeof(a));
	assert_false(stun_ice_consent_expired(ice, 2000));
	r = feed(ice, &q, &a, 2000, out);
	assert_int_equal(r.verdict, STUN_ICE_UNKNOWN_USER);
	q.user = "nEwL:nEwR";
	r = feed(ice, &q, &b, 3000, out);
	assert_int_equal(r.verdict, STUN_ICE_BAD_INTEGRITY);
	q.pwd = npwd;
	r = feed(ice, &q, &b, 3000, out);
	assert_int_equal(r.verdict, STUN_ICE_NOMINATED);
	assert_true(r.new_address);
	/* the response is keyed with the new password */
	assert_int_equal(stun_msg_decode(&m, out, r.resp_len), 0);
	assert_int_equal(stun_msg_check_integrity(&m, (const uint8_t *)npwd,
						  strlen(npwd)),
			 0);
	assert_int_equal(stun_msg_check_integrity(&m, (const uint8_t *)V_PWD,
						  strlen(V_PWD)),
			 -EKEYREJECTED);
	assert_int_equal(stun_ice_nominated(ice, &nom), 0);
	assert_memory_equal(&nom, &b, sizeof(b));
	stun_ice_free(ice);
}

/* RFC 7675 with an injected clock: 30 s without a valid request from the
 * nominated address. */
static void test_consent(void **state)
{
	struct sockaddr_in a = t_sin("192.0.2.10", 50000);
	struct sockaddr_in other = t_sin("192.0.2.99", 50000);
	struct stun_ice *ice = ice_new();
	struct stun_ice_result r;
	uint8_t out[CAP];
	struct req q = good;

	(void)state;
	assert_false(stun_ice_consent_expired(ice, 0));
	q.use_candidate = true;
	r = feed(ice, &q, &a, 10000, out);
	assert_int_equal(r.verdict, STUN_ICE_NOMINATED);
	assert_int_equal(stun_ice_last_valid_ms(ice), 10000);
	assert_false(stun_ice_consent_expired(ice, 10000));
	assert_false(stun_ice_consent_expired(ice, 39999));
	assert_true(stun_ice_consent_expired(ice, 40000));
	/* a consent check (no USE-CANDIDATE) from the nominated address at
	 * 25 s renews it to 55 s */
	q.use_candidate = false;
	r = feed(ice, &q, &a, 25000, out);
	assert_int_equal(r.verdict, STUN_ICE_VALID);
	assert_int_equal(stun_ice_last_valid_ms(ice), 25000);
	assert_false(stun_ice_consent_expired(ice, 54999));
	assert_true(stun_ice_consent_expired(ice, 55000));
	/* valid checks from elsewhere, failed checks from it: no renewal */
	r = feed(ice, &q, &other, 40000, out);
	assert_int_equal(r.verdict, STUN_ICE_VALID);
	q.pwd = "0123456789012345678901";
	r = feed(ice, &q, &a, 41000, out);
	assert_int_equal(r.verdict, STUN_ICE_BAD_INTEGRITY);
	q.pwd = V_PWD;
	q.controlled = true;
	r = feed(ice, &q, &a, 42000, out);
	assert_int_equal(r.verdict, STUN_ICE_ROLE_CONFLICT);
	q.controlled = false;
	assert_int_equal(stun_ice_last_valid_ms(ice), 25000);
	assert_true(stun_ice_consent_expired(ice, 60000));
	/* regained by a later valid check from it */
	r = feed(ice, &q, &a, 70000, out);
	assert_int_equal(r.verdict, STUN_ICE_VALID);
	assert_false(stun_ice_consent_expired(ice, 70000));
	assert_true(stun_ice_consent_expired(ice, 100000));
	/* a clock that went backwards does not expire it */
	assert_false(stun_ice_consent_expired(ice, 1));
	/* a nomination from elsewhere moves consent there */
	q.use_candidate = true;
	r = feed(ice, &q, &other, 100000, out);
	assert_int_equal(r.verdict, STUN_ICE_NOMINATED);
	assert_false(stun_ice_consent_expired(ice, 100000));
	q.use_candidate = false;
	r = feed(ice, &q, &a, 120000, out);
	assert_int_equal(stun_ice_last_valid_ms(ice), 100000);
	assert_true(stun_ice_consent_expired(ice, 130000));
	/* a configured timeout (ice_consent_timeout_ms), and 0 back to
	 * RFC 7675's 30 s */
	stun_ice_set_consent_timeout(ice, 3000);
	assert_false(stun_ice_consent_expired(ice, 102999));
	assert_true(stun_ice_consent_expired(ice, 103000));
	stun_ice_set_consent_timeout(ice, 0);
	assert_false(stun_ice_consent_expired(ice, 129999));
	assert_true(stun_ice_consent_expired(ice, 130000));
	stun_ice_set_consent_timeout(NULL, 1);
	stun_ice_free(ice);
}

static void test_v4mapped_source(void **state)
{
	struct sockaddr_in6 src = t_sin6("::ffff:192.0.2.44", 41000);
	struct sockaddr_in want = t_sin("192.0.2.44", 41000);
	struct stun_ice *ice = ice_new();
	struct stun_ice_result r;
	uint8_t out[CAP];

	(void)state;
	r = feed(ice, &good, &src, 1, out);
	assert_int_equal(r.verdict, STUN_ICE_VALID);
	check_success(out, r.resp_len, 0, &want, sizeof(want));
	stun_ice_free(ice);
}

static void test_caller_errors(void **state)
{
	struct sockaddr_in src = t_sin("192.0.2.10", 50000);
	struct stun_ice *ice = NULL;
	struct stun_ice_result r;
	uint8_t pkt[CAP], out[CAP];
	size_t n = mkreq(&good, pkt);
	struct sockaddr bogus = { .sa_family = AF_UNIX };

	(void)state;
	assert_int_equal(stun_ice_alloc(NULL), -EINVAL);
	assert_int_equal(stun_ice_alloc(&ice), 0);
	/* no credentials yet */
	assert_int_equal(stun_ice_input(ice, pkt, n, (struct sockaddr *)&src,
					sizeof(src), 1, out, sizeof(out), &r),
			 -EINVAL);
	/* RFC 8839 5.4 lengths and characters */
	assert_int_equal(stun_ice_set_creds(ice, "abc", V_PWD, RUFRAG), -EINVAL);
	assert_int_equal(stun_ice_set_creds(ice, LUFRAG, "012345678901234567890",
					    RUFRAG),
			 -EINVAL);
	assert_int_equal(stun_ice_set_creds(ice, "ev:j", V_PWD, RUFRAG), -EINVAL);
	assert_int_equal(stun_ice_set_creds(ice, LUFRAG, V_PWD, "h6 Y"), -EINVAL);
	assert_int_equal(stun_ice_set_creds(ice, NULL, V_PWD, RUFRAG), -EINVAL);
	assert_int_equal(stun_ice_set_creds(ice, LUFRAG, V_PWD, RUFRAG), 0);
	/* a refused change leaves the credentials as they were */
	assert_int_equal(stun_ice_set_creds(ice, "good", "short", RUFRAG),
			 -EINVAL);
	assert_int_equal(stun_ice_input(ice, pkt, n, (struct sockaddr *)&src,
					sizeof(src), 1, out, sizeof(out), &r),
			 0);
	assert_int_equal(r.verdict, STUN_ICE_VALID);
	/* src */
	assert_int_equal(stun_ice_input(ice, pkt, n, &bogus, sizeof(bogus), 1,
					out, sizeof(out), &r),
			 -EINVAL);
	assert_int_equal(stun_ice_input(ice, pkt, n, (struct sockaddr *)&src,
					sizeof(src) - 1, 1, out, sizeof(out),
					&r),
			 -EINVAL);
	assert_int_equal(stun_ice_input(ice, pkt, n, (struct sockaddr *)&src,
					sizeof(src), 1, NULL, 0, &r),
			 -EINVAL);
	/* no room for the response: the verdict stands and is counted */
	assert_int_equal(stun_ice_input(ice, pkt, n, (struct sockaddr *)&src,
					sizeof(src), 1, out, 40, &r),
			 -ENOSPC);
	assert_int_equal(r.verdict, STUN_ICE_VALID);
	assert_int_equal(r.resp_len, 0);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_VALID), 2);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_VERDICTS), 0);
	assert_string_equal(stun_ice_verdict_name(STUN_ICE_BAD_INTEGRITY),
			    "bad_integrity");
	assert_string_equal(stun_ice_verdict_name(STUN_ICE_VERDICTS), "unknown");
	for (int v = 0; v < STUN_ICE_VERDICTS; v++)
		assert_string_not_equal(stun_ice_verdict_name(v), "unknown");
	stun_ice_free(ice);
	stun_ice_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_nominated),
		cmocka_unit_test(test_wrong_pwd),
		cmocka_unit_test(test_wrong_ufrag),
		cmocka_unit_test(test_bad_fingerprint),
		cmocka_unit_test(test_not_request),
		cmocka_unit_test(test_no_credentials),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unknown_attribute),
		cmocka_unit_test(test_role_conflict),
		cmocka_unit_test(test_remote_ufrag_unknown),
		cmocka_unit_test(test_ice_restart),
		cmocka_unit_test(test_consent),
		cmocka_unit_test(test_v4mapped_source),
		cmocka_unit_test(test_caller_errors),
	};

	return cmocka_run_group_tests_name("stun_ice", tests, NULL, NULL);
}

/*
 * stun ICE-lite responder (RFC 8445 2.5, 6.1.1, 7.3) and its consent
 * bookkeeping (RFC 7675), see stun.h. Pure: no socket, no clock, no
 * allocation per datagram; the caller sends what is written into its
 * buffer.
 */
#include "stun/stun.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "base/sec.h"

struct stun_ice {
	/* "local_ufrag:remote_ufrag" as USERNAME must read (RFC 8445
	 * 7.2.2), or "local_ufrag:" while the remote ufrag is unknown. */
	char user[STUN_ICE_UFRAG_MAX * 2 + 2];
	size_t user_len;
	bool remote_known;
	uint8_t pwd[STUN_ICE_PWD_MAX];
	size_t pwd_len; /* 0: no credentials yet */
	bool answer_auth_errors;
	uint64_t count[STUN_ICE_VERDICTS];
	bool nominated;
	struct sockaddr_storage nom;
	uint64_t consent_ms;
	uint32_t consent_timeout_ms; /* 0: STUN_CONSENT_TIMEOUT_MS */
};

static const char *const verdict_names[STUN_ICE_VERDICTS] = {
	[STUN_ICE_VALID] = "valid",
	[STUN_ICE_NOMINATED] = "nominated",
	[STUN_ICE_MALFORMED] = "malformed",
	[STUN_ICE_BAD_FINGERPRINT] = "bad_fingerprint",
	[STUN_ICE_NOT_REQUEST] = "not_request",
	[STUN_ICE_NO_CREDENTIALS] = "no_credentials",
	[STUN_ICE_UNKNOWN_USER] = "unknown_user",
	[STUN_ICE_BAD_INTEGRITY] = "bad_integrity",
	[STUN_ICE_UNKNOWN_ATTRIBUTE] = "unknown_attribute",
	[STUN_ICE_ROLE_CONFLICT] = "role_conflict",
};

const char *stun_ice_verdict_name(enum stun_ice_verdict v)
{
	if ((unsigned)v >= STUN_ICE_VERDICTS)
		return "unknown";
	return verdict_names[v];
}

int stun_ice_alloc(struct stun_ice **ip)
{
	if (!ip)
		return -EINVAL;
	*ip = calloc(1, sizeof(**ip));
	return *ip ? 0 : -ENOMEM;
}

void stun_ice_free(struct stun_ice *ice)
{
	if (!ice)
		return;
	sec_wipe(ice, sizeof(*ice));
	free(ice);
}

/* RFC 8839 5.4: ice-char = ALPHA / DIGIT / "+" / "/", ufrag 4..256 and pwd
 * 22..256 of them. */
static bool ice_chars(const char *s, size_t min, size_t max)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++) {
		char c = s[n];

		if (n >= max)
			return false;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return false;
	}
	return n >= min;
}

int stun_ice_set_creds(struct stun_ice *ice, const char *local_ufrag,
		       const char *local_pwd, const char *remote_ufrag)
{
	size_t lu, ru, pw;

	if (!ice ||
	    !ice_chars(local_ufrag, STUN_ICE_UFRAG_MIN, STUN_ICE_UFRAG_MAX) ||
	    !ice_chars(local_pwd, STUN_ICE_PWD_MIN, STUN_ICE_PWD_MAX) ||
	    (remote_ufrag && !ice_chars(remote_ufrag, STUN_ICE_UFRAG_MIN,
					STUN_ICE_UFRAG_MAX)))
		return -EINVAL;
	lu = strlen(local_ufrag);
	ru = remote_ufrag ? strlen(remote_ufrag) : 0;
	pw = strlen(local_pwd);
	/* The old password goes before the new one lands. */
	sec_wipe(ice->pwd, sizeof(ice->pwd));
	memcpy(ice->pwd, local_pwd, pw);
	ice->pwd_len = pw;
	memcpy(ice->user, local_ufrag, lu);
	ice->user[lu] = ':';
	if (ru)
		memcpy(ice->user + lu + 1, remote_ufrag, ru);
	ice->user_len = lu + 1 + ru;
	ice->remote_known = remote_ufrag != NULL;
	return 0;
}

void stun_ice_set_answer_auth_errors(struct stun_ice *ice, bool answer)
{
	if (ice)
		ice->answer_auth_errors = answer;
}

/* RFC 8445 7.2.2: USERNAME is "RFRAG:LFRAG" seen from the sender, ours
 * first as we receive it. Not secret (both ufrags travel in SDP). */
static bool user_ok(const struct stun_ice *ice, const uint8_t *u, size_t n)
{
	if (ice->remote_known)
		return n == ice->user_len && memcmp(u, ice->user, n) == 0;
	return n > ice->user_len && memcmp(u, ice->user, ice->user_len) == 0;
}

static bool src_ok(const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET)
		return len >= (socklen_t)sizeof(struct sockaddr_in);
	if (sa->sa_family == AF_INET6)
		return len >= (socklen_t)sizeof(struct sockaddr_in6);
	return false;
}

static bool addr_equal(const struct sockaddr *a,
		       const struct sockaddr_storage *b)
{
	if (a->sa_family != b->ss_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;

	return x->sin6_port == y->sin6_port &&
	       x->sin6_scope_id == y->sin6_scope_id &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

/* The checks of RFC 8489 6.3 / 9.1.3 and RFC 8445 7.3, in order; the
 * verdict of the first that fails. m is decoded on return of anything past
 * STUN_ICE_MALFORMED. */
static enum stun_ice_verdict judge(const struct stun_ice *ice,
				   struct stun_msg *m, const uint8_t *pkt,
				   size_t len, int *err)
{
	const uint8_t *user;
	size_t ulen;

	*err = 0;
	if (stun_msg_decode(m, pkt, len))
		return STUN_ICE_MALFORMED;
	/* RFC 8445 7: every check carries FINGERPRINT; RFC 8489 14.7: one
	 * that does not match means the datagram is not STUN. */
	if (stun_msg_check_fingerprint(m))
		return STUN_ICE_BAD_FINGERPRINT;
	if (m->type != STUN_BINDING_REQUEST)
		return STUN_ICE_NOT_REQUEST;
	/* RFC 8489 9.1.3: short-term credential checks. */
	if (stun_msg_attr(m, STUN_ATTR_USERNAME, &user, &ulen) || !m->mi_off)
		return STUN_ICE_NO_CREDENTIALS;
	if (!user_ok(ice, user, ulen))
		return STUN_ICE_UNKNOWN_USER;
	*err = stun_msg_check_integrity(m, ice->pwd, ice->pwd_len);
	if (*err == -EKEYREJECTED) {
		*err = 0;
		return STUN_ICE_BAD_INTEGRITY;
	}
	if (*err)
		return STUN_ICE_BAD_INTEGRITY; /* -EIO: reported, not counted */
	/* RFC 8489 6.3.1: unknown comprehension-required attributes, once
	 * the request is authenticated. */
	if (m->n_unknown)
		return STUN_ICE_UNKNOWN_ATTRIBUTE;
	/* RFC 8445 7.3.1.1: we are controlled (a lite agent always is,
	 * 6.1.1) and so is a peer sending ICE-CONTROLLED. The controlled
	 * agent whose tie-breaker is not smaller answers 487 and keeps its
	 * role; a lite agent cannot take the controlling role, so it acts
	 * as if its tie-breaker were the largest and always answers 487,
	 * which makes the full peer switch to controlling (7.2.5.1). */
	if (stun_msg_has(m, STUN_ATTR_ICE_CONTROLLED))
		return STUN_ICE_ROLE_CONFLICT;
	return stun_msg_has(m, STUN_ATTR_USE_CANDIDATE) ? STUN_ICE_NOMINATED
							: STUN_ICE_VALID;
}

/* The response for verdict v into out; its length, 0 for none, or a
 * negative error. */
static int respond(const struct stun_ice *ice, const struct stun_msg *m,
		   enum stun_ice_verdict v, const struct sockaddr *src,
		   uint8_t *out, size_t cap, uint16_t *code)
{
	*code = 0;
	switch (v) {
	case STUN_ICE_VALID:
	case STUN_ICE_NOMINATED:
		/* RFC 8445 7.3.1.4 / RFC 8489 9.1.4: XOR-MAPPED-ADDRESS of
		 * the source, MESSAGE-INTEGRITY with the same (our)
		 * password, FINGERPRINT (RFC 8445 7). */
		return stun_binding_success(out, cap, m->tid, src, ice->pwd,
					    ice->pwd_len);
	case STUN_ICE_UNKNOWN_ATTRIBUTE:
		*code = STUN_ERR_UNKNOWN_ATTRIBUTE;
		return stun_binding_error(out, cap, m->tid, *code, m->unknown,
					  m->n_unknown, ice->pwd,
					  ice->pwd_len);
	case STUN_ICE_ROLE_CONFLICT:
		*code = STUN_ERR_ROLE_CONFLICT;
		return stun_binding_error(out, cap, m->tid, *code, NULL, 0,
					  ice->pwd, ice->pwd_len);
	case STUN_ICE_NO_CREDENTIALS:
	case STUN_ICE_UNKNOWN_USER:
	case STUN_ICE_BAD_INTEGRITY:
		*code = v == STUN_ICE_NO_CREDENTIALS ? STUN_ERR_BAD_REQUEST
						     : STUN_ERR_UNAUTHENTICATED;
		if (!ice->answer_auth_errors)
			return 0;
		/* 9.1.3: not authenticated, so no MESSAGE-INTEGRITY. */
		return stun_binding_error(out, cap, m->tid, *code, NULL, 0,
					  NULL, 0);
	default:
		/* Not STUN, not a request: silence (RFC 8489 6.3). */
		return 0;
	}
}

int stun_ice_input(struct stun_ice *ice, const uint8_t *pkt, size_t len,
		   const struct sockaddr *src, socklen_t srclen,
		   uint64_t now_ms, uint8_t *out, size_t cap,
		   struct stun_ice_result *res)
{
	enum stun_ice_verdict v;
	struct stun_msg m;
	uint32_t prio = 0;
	int n, err;

	if (!ice || (!pkt && len) || !src || !out || !res ||
	    !src_ok(src, srclen) || !ice->pwd_len)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	v = judge(ice, &m, pkt, len, &err);
	if (err)
		return err;
	res->verdict = v;
	ice->count[v]++;
	if (v == STUN_ICE_VALID || v == STUN_ICE_NOMINATED ||
	    v == STUN_ICE_UNKNOWN_ATTRIBUTE || v == STUN_ICE_ROLE_CONFLICT) {
		(void)stun_msg_u32(&m, STUN_ATTR_PRIORITY, &prio);
		res->priority = prio;
		res->use_candidate = stun_msg_has(&m, STUN_ATTR_USE_CANDIDATE);
	}
	if (v == STUN_ICE_NOMINATED) {
		/* RFC 8445 7.3.1.5: the nominated pair; a later nomination
		 * from elsewhere moves it (the peer's address changed). */
		res->new_address = !ice->nominated || !addr_equal(src, &ice->nom);
		memset(&ice->nom, 0, sizeof(ice->nom));
		memcpy(&ice->nom, src,
		       src->sa_family == AF_INET ? sizeof(struct sockaddr_in)
						 : sizeof(struct sockaddr_in6));
		ice->nominated = true;
		ice->consent_ms = now_ms;
	} else if (v == STUN_ICE_VALID && ice->nominated &&
		   addr_equal(src, &ice->nom)) {
		/* RFC 7675: the peer's check on the selected pair is its
		 * consent. */
		ice->consent_ms = now_ms;
	}
	n = respond(ice, &m, v, src, out, cap, &res->error_code);
	if (n < 0)
		return n;
	res->resp_len = (size_t)n;
	return 0;
}

uint64_t stun_ice_count(const struct stun_ice *ice, enum stun_ice_verdict v)
{
	if (!ice || (unsigned)v >= STUN_ICE_VERDICTS)
		return 0;
	return ice->count[v];
}

int stun_ice_nominated(const struct stun_ice *ice,
		       struct sockaddr_storage *sa)
{
	if (!ice || !sa)
		return -EINVAL;
	if (!ice->nominated)
		return -ENOENT;
	*sa = ice->nom;
	return 0;
}

uint64_t stun_ice_last_valid_ms(const struct stun_ice *ice)
{
	return ice && ice->nominated ? ice->consent_ms : 0;
}

bool stun_ice_consent_expired(const struct stun_ice *ice, uint64_t now_ms)
{
	if (!ice || !ice->nominated)
		return false;
	return now_ms >= ice->consent_ms &&
	       now_ms - ice->consent_ms >= (ice->consent_timeout_ms ?
							ice->consent_timeout_ms :
							STUN_CONSENT_TIMEOUT_MS);
}

void stun_ice_set_consent_timeout(struct stun_ice *ice, uint32_t ms)
{
	if (ice)
		ice->consent_timeout_ms = ms;
}

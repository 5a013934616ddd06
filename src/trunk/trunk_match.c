/* trunk: inbound classification, routing and NEW-URI rewriting (trunk.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/klog.h"
#include "trunk/trunk_int.h"

/*
 * A byte allowed in a rewritten Request-URI: RFC 3261 25.1 unreserved,
 * reserved and '%' (escapes), plus '[' ']' of IPv6 references. No blank,
 * no control character, no '<' '>' '"': a capture cannot break the
 * header it ends up in.
 */
static bool uri_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("-_.!~*'()%;/?:@&=+$,[]", c) != NULL;
}

static bool has_prefix_ci(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

/*
 * One template element at s: a capture ($N, ${N}), a placeholder
 * ({user}, {peer}), "$$" or a literal byte. Returns its length in s and
 * sets *grp (capture number, -1 none) and *ph ('u', 'p', '$' or 0 for a
 * literal); -1 when malformed.
 */
static int tmpl_elem(const char *s, int *grp, char *ph)
{
	*grp = -1;
	*ph = 0;
	if (s[0] == '$') {
		if (s[1] == '$') {
			*ph = '$';
			return 2;
		}
		if (s[1] >= '0' && s[1] <= '9') {
			*grp = s[1] - '0';
			return 2;
		}
		if (s[1] == '{') {
			int n = 0, i = 2;

			while (s[i] >= '0' && s[i] <= '9' && i < 5)
				n = n * 10 + (s[i++] - '0');
			if (i == 2 || s[i] != '}')
				return -1;
			*grp = n;
			return i + 1;
		}
		return -1;
	}
	if (s[0] == '{') {
		if (strncmp(s, "{user}", 6) == 0) {
			*ph = 'u';
			return 6;
		}
		if (strncmp(s, "{peer}", 6) == 0) {
			*ph = 'p';
			return 6;
		}
		return -1;
	}
	return 1;
}

int trunk_tmpl_check(const char *tmpl, uint32_t ncap, char *why,
		     size_t whylen)
{
	if (!has_prefix_ci(tmpl, "sip:") && !has_prefix_ci(tmpl, "sips:") &&
	    !has_prefix_ci(tmpl, "tel:")) {
		snprintf(why, whylen,
			 "NEW-URI must start with sip:, sips: or tel:");
		return -EINVAL;
	}
	for (const char *p = tmpl; *p;) {
		int grp;
		char ph;
		int n = tmpl_elem(p, &grp, &ph);

		if (n < 0) {
			snprintf(why, whylen,
				 "NEW-URI: bad '%c' at offset %zu (use $N, ${N}, $$, {user} or {peer})",
				 *p, (size_t)(p - tmpl));
			return -EINVAL;
		}
		if (grp > (int)ncap) {
			snprintf(why, whylen,
				 "NEW-URI: $%d but the pattern has %u capture group%s",
				 grp, ncap, ncap == 1 ? "" : "s");
			return -EINVAL;
		}
		if (grp < 0 && !ph && !uri_char((unsigned char)*p)) {
			snprintf(why, whylen,
				 "NEW-URI: byte 0x%02x at offset %zu is not a URI character",
				 (unsigned char)*p, (size_t)(p - tmpl));
			return -EINVAL;
		}
		p += n;
	}
	return 0;
}

/* Append src[0..n) to out at *len, all or nothing; -EMSGSIZE if full. */
static int out_put(char *out, size_t cap, size_t *len, const char *src,
		   size_t n)
{
	if (n >= cap - *len)
		return -EMSGSIZE;
	memcpy(out + *len, src, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/*
 * Run one compiled pattern over subj[0..n) with the set's match data.
 * Returns 1 match, 0 no match, -ENOBUFS a PCRE2 resource limit, -EIO any
 * other matching error (both logged, blaming the pattern's file:line).
 * Caller holds s->lock.
 */
static int re_run(struct trunk_set *s, const struct trunk *t,
		  const struct trunk_re *re, const char *what,
		  const char *subj, size_t n)
{
	PCRE2_UCHAR msg[96];
	int rc = pcre2_match(re->code, (PCRE2_SPTR)subj, n, 0, 0, s->md,
			     s->mcx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", rc);
	/* The subject is the peer's: log its length, not its bytes. */
	klog(KLOG_WARN, "trunk %s: %s:%u: %s pattern failed on a %zu-byte subject: %s",
	     t->name, t->file, re->line, what, n, (const char *)msg);
	switch (rc) {
	case PCRE2_ERROR_MATCHLIMIT:
	case PCRE2_ERROR_DEPTHLIMIT:
	case PCRE2_ERROR_HEAPLIMIT:
	case PCRE2_ERROR_JIT_STACKLIMIT:
	case PCRE2_ERROR_NOMEMORY:
		return -ENOBUFS;
	}
	return -EIO;
}

/* The source as "IP:PORT" / "[IPv6]:PORT", canonical (inet_ntop). */
static int source_format(const char *ip, uint16_t port, char *out,
			 size_t cap)
{
	unsigned char a[16];
	char host[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET, ip, a) == 1) {
		inet_ntop(AF_INET, a, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, port);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a) == 1) {
		inet_ntop(AF_INET6, a, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host, port);
		return 0;
	}
	return -EINVAL;
}

int trunk_classify(struct trunk_set *s, const char *ruri, const char *from,
		   const char *src_ip, uint16_t src_port,
		   const struct trunk **tp)
{
	char src[INET6_ADDRSTRLEN + 10];
	size_t rn, fn = 0;
	int r = -ENOENT;

	if (tp)
		*tp = NULL;
	if (!s || !ruri || !src_ip || !tp)
		return -EINVAL;
	rn = strnlen(ruri, TRUNK_SUBJECT_MAX + 1);
	if (from)
		fn = strnlen(from, TRUNK_SUBJECT_MAX + 1);
	if (rn > TRUNK_SUBJECT_MAX || fn > TRUNK_SUBJECT_MAX)
		return -EMSGSIZE;
	if (source_format(src_ip, src_port, src, sizeof(src)) < 0)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n && r == -ENOENT; i++) {
		const struct trunk *t = s->trunks[i];
		int m = 1;

		if (!trunk_inbound(t))
			continue;
		if (t->match_ruri.code)
			m = re_run(s, t, &t->match_ruri, "match_ruri", ruri, rn);
		if (m == 1 && t->match_from.code)
			m = from ? re_run(s, t, &t->match_from, "match_from",
					  from, fn) : 0;
		if (m == 1 && t->match_source.code)
			m = re_run(s, t, &t->match_source, "match_source", src,
				   strlen(src));
		if (m < 0)
			r = m;	/* fail closed: no later trunk */
		else if (m == 1) {
			*tp = t;
			r = 0;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

/*
 * The user part of a sip:/sips: URI (between the scheme and '@', without
 * a ":password"; empty without '@') or the number of a tel: URI (up to
 * ';'). -EBADMSG for another scheme.
 */
static int uri_user(const char *uri, const char **up, size_t *un)
{
	const char *p, *at;

	if (has_prefix_ci(uri, "tel:")) {
		p = uri + 4;
		*up = p;
		*un = strcspn(p, ";");
		return 0;
	}
	if (has_prefix_ci(uri, "sip:"))
		p = uri + 4;
	else if (has_prefix_ci(uri, "sips:"))
		p = uri + 5;
	else
		return -EBADMSG;
	at = strchr(p, '@');
	*up = p;
	*un = at ? strcspn(p, ":@") : 0;
	return 0;
}

/* Expand the route's template into out (caller holds the lock; s->md
 * holds the match of the route's pattern on user[0..un)). */
static int tmpl_expand(struct trunk_set *s, const struct trunk_route *rt,
		       const char *user, size_t un, char *out, size_t cap)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
	uint32_t pairs = pcre2_get_ovector_count(s->md);
	size_t len = 0;
	int r = 0;

	out[0] = '\0';
	for (const char *p = rt->tmpl; *p && r == 0;) {
		int grp;
		char ph;
		int n = tmpl_elem(p, &grp, &ph);

		if (grp >= 0) {
			/* Unset groups (PCRE2_UNSET) expand to nothing. */
			if ((uint32_t)grp < pairs &&
			    ov[2 * grp] != PCRE2_UNSET &&
			    ov[2 * grp] <= ov[2 * grp + 1])
				r = out_put(out, cap, &len, user + ov[2 * grp],
					    ov[2 * grp + 1] - ov[2 * grp]);
		} else if (ph == 'u') {
			r = out_put(out, cap, &len, user, un);
		} else if (ph == 'p') {
			r = out_put(out, cap, &len, rt->target->peer,
				    strlen(rt->target->peer));
		} else if (ph == '$') {
			r = out_put(out, cap, &len, "$", 1);
		} else {
			r = out_put(out, cap, &len, p, 1);
		}
		p += n;
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < len; i++) {
		if (!uri_char((unsigned char)out[i]))
			return -EBADMSG;
	}
	return 0;
}

int trunk_route(struct trunk_set *s, const struct trunk *in,
		const char *ruri, char *out, size_t cap,
		const struct trunk **target)
{
	const char *user;
	size_t rn, un;
	int r = -ENOENT;

	if (target)
		*target = NULL;
	if (out && cap)
		out[0] = '\0';
	if (!s || !in || !ruri || !out || !cap || !target || in->set != s)
		return -EINVAL;
	rn = strnlen(ruri, TRUNK_SUBJECT_MAX + 1);
	if (rn > TRUNK_SUBJECT_MAX)
		return -EMSGSIZE;
	if (uri_user(ruri, &user, &un) < 0)
		return -EBADMSG;
	if (cap > TRUNK_URI_MAX + 1)
		cap = TRUNK_URI_MAX + 1;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < in->n_routes && r == -ENOENT; i++) {
		const struct trunk_route *rt = &in->routes[i];
		int m = re_run(s, in, &rt->re, "route", user, un);

		if (m < 0) {
			r = m;	/* fail closed: no later route */
		} else if (m == 1) {
			r = tmpl_expand(s, rt, user, un, out, cap);
			if (r == 0)
				*target = rt->target;
			else
				out[0] = '\0';
		}
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

bool trunk_sdes_allowed(const struct trunk *t, bool over_tls)
{
	return t->side == TRUNK_SIDE_SDES && (over_tls || t->trusted);
}

bool trunk_keys_to(const struct trunk *t)
{
	return t->side == TRUNK_SIDE_SDES &&
	       (t->trusted || (t->transport == TRUNK_TLS && t->tls_ca[0]));
}

const char *trunk_tls_ca(const struct trunk *t)
{
	return t->tls_ca[0] ? t->tls_ca : NULL;
}

unsigned trunk_tls_ca_line(const struct trunk *t)
{
	return t->tls_ca_line;
}

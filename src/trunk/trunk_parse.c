/* trunk: one trunk file, key by key (format and keys: trunk.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "trunk/trunk_int.h"

/* Longest piece of a bad value echoed back in a message. */
#define ECHO_MAX 64
/* Deepest parenthesis nesting a pattern may have. */
#define TRUNK_PARENS_MAX 32

enum {
	K_NAME, K_SIDE, K_PEER, K_TRANSPORT, K_TRUSTED, K_KTR, K_KTR_FORM,
	K_LATCH, K_KEEPALIVE, K_REKEY, K_MATCH_RURI, K_MATCH_FROM,
	K_MATCH_SOURCE, K_ROUTE,
	/* issue 11, point 4: the profile of offers toward the trunk */
	K_SDES_PROFILE, K_DTLS_PROFILE,
	/* issue 11 point 3: keys only where they may go */
	K_TLS_CA,
	/* issue 14 point 4: the address family of offers toward the trunk */
	K_MEDIA_FAMILY,
	/* issue 15 point 3: BUNDLE in ktrsbc's offers toward the trunk */
	K_BUNDLE,
	/* issue 15 point 2: ICE-lite in ktrsbc's offers toward the trunk */
	K_ICE,
	/* RFC 7675 consent on the trunk's ICE calls */
	K_ICE_CONSENT,
	/* issue 14 point 2: RFC 4028 session timers per trunk */
	K_SESSION_EXPIRES, K_MIN_SE,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	[K_NAME] = "name",
	[K_SIDE] = "side",
	[K_PEER] = "peer",
	[K_TRANSPORT] = "transport",
	[K_TRUSTED] = "trusted",
	[K_KTR] = "ktr",
	[K_KTR_FORM] = "ktr_form",
	[K_LATCH] = "latch",
	[K_KEEPALIVE] = "keepalive",
	[K_REKEY] = "rekey_interval",
	[K_MATCH_RURI] = "match_ruri",
	[K_MATCH_FROM] = "match_from",
	[K_MATCH_SOURCE] = "match_source",
	[K_ROUTE] = "route",
	[K_SDES_PROFILE] = "sdes_profile",
	[K_DTLS_PROFILE] = "dtls_profile",
	[K_TLS_CA] = "tls_ca",
	[K_MEDIA_FAMILY] = "media_family",
	[K_BUNDLE] = "bundle",
	[K_ICE] = "ice",
	[K_ICE_CONSENT] = "ice_consent",
	[K_SESSION_EXPIRES] = "session_expires",
	[K_MIN_SE] = "min_se",
};

struct parse_state {
	struct trunk *t;
	unsigned line[K_COUNT];	/* 0: not set (route: the last one) */
	bool peer_port_given;
};

/* A name (enumerated value) table. */
struct word {
	const char *s;
	int v;
};

static const struct word sides[] = {
	{ "sdes", TRUNK_SIDE_SDES }, { "dtls", TRUNK_SIDE_DTLS }, { NULL, 0 }
};
static const struct word transports[] = {
	{ "udp", TRUNK_UDP }, { "tcp", TRUNK_TCP }, { "tls", TRUNK_TLS },
	{ NULL, 0 }
};
static const struct word ktrs[] = {
	{ "required", TRUNK_KTR_REQUIRED }, { "preferred", TRUNK_KTR_PREFERRED },
	{ "off", TRUNK_KTR_OFF }, { NULL, 0 }
};
static const struct word ktr_forms[] = {
	{ "attr", TRUNK_KTR_FORM_ATTR },
	{ "capneg-required", TRUNK_KTR_FORM_CAPNEG_REQUIRED },
	{ "capneg-optional", TRUNK_KTR_FORM_CAPNEG_OPTIONAL },
	{ NULL, 0 }
};
/* media_family (trunk.h, enum trunk_family) */
static const struct word families[] = {
	{ "same", TRUNK_FAMILY_SAME }, { "ipv4", TRUNK_FAMILY_IPV4 },
	{ "ipv6", TRUNK_FAMILY_IPV6 }, { NULL, 0 }
};
/* ice (trunk.h, enum trunk_ice) */
static const struct word ices[] = {
	{ "lite", TRUNK_ICE_LITE }, { "off", TRUNK_ICE_OFF }, { NULL, 0 }
};
/* ice_consent (trunk.h, enum trunk_ice_consent) */
static const struct word ice_consents[] = {
	{ "required", TRUNK_ICE_CONSENT_REQUIRED },
	{ "off", TRUNK_ICE_CONSENT_OFF }, { NULL, 0 }
};
/* sdes_profile / dtls_profile (trunk.h, enum trunk_profile) */
static const struct word sdes_profiles[] = {
	{ "RTP/SAVP", TRUNK_PROFILE_SAVP }, { "RTP/SAVPF", TRUNK_PROFILE_SAVPF },
	{ "mirror", TRUNK_PROFILE_MIRROR }, { NULL, 0 }
};
static const struct word dtls_profiles[] = {
	{ "UDP/TLS/RTP/SAVPF", TRUNK_PROFILE_SAVPF },
	{ "UDP/TLS/RTP/SAVP", TRUNK_PROFILE_SAVP },
	{ "mirror", TRUNK_PROFILE_MIRROR }, { NULL, 0 }
};
static const struct word bools[] = {
	{ "yes", 1 }, { "no", 0 }, { NULL, 0 }
};

static const char *word_str(const struct word *w, int v)
{
	for (; w->s; w++) {
		if (w->v == v)
			return w->s;
	}
	return "?";
}

const char *trunk_side_str(enum trunk_side v)
{
	return word_str(sides, (int)v);
}

const char *trunk_transport_str(enum trunk_transport v)
{
	return word_str(transports, (int)v);
}

const char *trunk_ktr_str(enum trunk_ktr v)
{
	return word_str(ktrs, (int)v);
}

const char *trunk_ktr_form_str(enum trunk_ktr_form v)
{
	return word_str(ktr_forms, (int)v);
}

const char *trunk_profile_str(enum trunk_side side, enum trunk_profile v)
{
	return word_str(side == TRUNK_SIDE_SDES ? sdes_profiles : dtls_profiles,
			(int)v);
}

static int parse_word(const struct conf_line *l, const struct word *w,
		      const char *list, int *out, char *err, size_t errlen)
{
	for (const struct word *p = w; p->s; p++) {
		if (strcmp(l->vals[0], p->s) == 0) {
			*out = p->v;
			return 0;
		}
	}
	conf_errf(err, errlen, l->name, l->lineno, "%s: '%.*s' is not %s",
		  l->key, ECHO_MAX, l->vals[0], list);
	return -EINVAL;
}

/* A name: 1..TRUNK_NAME_MAX-1 bytes of [A-Za-z0-9_.-]. */
static bool name_valid(const char *s, size_t n)
{
	if (n == 0 || n >= TRUNK_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* Decimal seconds lo..hi (0 allowed when zero_ok), no sign, no junk. */
static int parse_secs(const struct conf_line *l, uint32_t lo, uint32_t hi,
		      bool zero_ok, uint32_t *out, char *err, size_t errlen)
{
	const char *s = l->vals[0];
	uint64_t v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 10)
			break;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0 || s[i]) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: '%.*s' is not a number of seconds", l->key,
			  ECHO_MAX, s);
		return -EINVAL;
	}
	if (!(zero_ok && v == 0) && (v < lo || v > hi)) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: %.*s is out of range %s%u..%u", l->key, ECHO_MAX,
			  s, zero_ok ? "0 (off) or " : "", lo, hi);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/*
 * peer = HOST[:PORT]: an IPv4 literal or a bracketed IPv6 literal, no DNS
 * (a name would make the trunk's address depend on a resolver at run time
 * and on every reload).
 */
static int parse_peer(struct parse_state *st, const struct conf_line *l,
		      char *err, size_t errlen)
{
	struct trunk *t = st->t;
	const char *s = l->vals[0], *port = NULL;
	char host[INET6_ADDRSTRLEN + 1];
	size_t hn;
	bool v6 = false;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || (rb[1] != '\0' && rb[1] != ':'))
			goto bad;
		hn = (size_t)(rb - s - 1);
		if (hn >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hn);
		host[hn] = '\0';
		port = rb[1] ? rb + 2 : NULL;
		v6 = true;
	} else {
		const char *colon = strchr(s, ':');

		hn = colon ? (size_t)(colon - s) : strlen(s);
		if (hn >= sizeof(host))
			goto bad;
		memcpy(host, s, hn);
		host[hn] = '\0';
		port = colon ? colon + 1 : NULL;
	}
	memset(&t->peer_ss, 0, sizeof(t->peer_ss));
	if (v6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&t->peer_ss;

		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			goto bad;
		a6->sin6_family = AF_INET6;
		t->peer_len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&t->peer_ss;

		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			goto bad;
		a4->sin_family = AF_INET;
		t->peer_len = sizeof(*a4);
	}
	st->peer_port_given = port != NULL;
	t->peer_port = 0;
	if (port) {
		uint32_t v = 0;
		size_t i;

		for (i = 0; port[i] >= '0' && port[i] <= '9' && i < 5; i++)
			v = v * 10 + (uint32_t)(port[i] - '0');
		if (i == 0 || port[i] || v == 0 || v > 65535) {
			conf_errf(err, errlen, l->name, l->lineno,
				  "peer: bad port in '%.*s' (1..65535)",
				  ECHO_MAX, s);
			return -EINVAL;
		}
		t->peer_port = (uint16_t)v;
	}
	return 0;
bad:
	conf_errf(err, errlen, l->name, l->lineno,
		  "peer: '%.*s' is not IPV4[:PORT] or [IPV6][:PORT] (an address literal: no DNS)",
		  ECHO_MAX, s);
	return -EINVAL;
}

/* Compile one pattern (length checked before compiling). */
static int re_compile(struct trunk_re *re, const struct conf_line *l,
		      const char *pat, char *err, size_t errlen)
{
	pcre2_compile_context *ccx;
	PCRE2_UCHAR msg[128];
	PCRE2_SIZE off = 0;
	size_t n = strlen(pat);
	int ec = 0;

	if (n > TRUNK_PATTERN_MAX) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: pattern longer than %d bytes", l->key,
			  TRUNK_PATTERN_MAX);
		return -EMSGSIZE;
	}
	ccx = pcre2_compile_context_create(NULL);
	if (!ccx) {
		conf_errf(err, errlen, l->name, l->lineno, "out of memory");
		return -ENOMEM;
	}
	pcre2_set_max_pattern_length(ccx, TRUNK_PATTERN_MAX);
	pcre2_set_parens_nest_limit(ccx, TRUNK_PARENS_MAX);
	re->code = pcre2_compile((PCRE2_SPTR)pat, n, PCRE2_NEVER_UTF |
				 PCRE2_NEVER_UCP, &ec, &off, ccx);
	pcre2_compile_context_free(ccx);
	if (!re->code) {
		if (pcre2_get_error_message(ec, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", ec);
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: bad pattern at offset %zu: %s", l->key,
			  (size_t)off, (const char *)msg);
		return -EINVAL;
	}
	/* JIT where available; without it the interpreter runs, under the
	 * same limits (no error: PCRE2_ERROR_JIT_BADOPTION etc. ignored). */
	(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
	if (pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &re->ncap))
		re->ncap = 0;
	re->line = l->lineno;
	return 0;
}

/* route = PATTERN -> TRUNK [NEW-URI] */
static int parse_route(struct parse_state *st, const struct conf_line *l,
		       char *err, size_t errlen)
{
	struct trunk *t = st->t;
	struct trunk_route *rt;
	const char *tmpl;
	char why[128];
	int r;

	if (l->n_vals < 3 || l->n_vals > 4 || strcmp(l->vals[1], "->") != 0) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "route: expected 'PATTERN -> TRUNK [NEW-URI]'");
		return -EINVAL;
	}
	if (t->n_routes == TRUNK_ROUTES_MAX) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "route: more than %d routes", TRUNK_ROUTES_MAX);
		return -EMSGSIZE;
	}
	if (!name_valid(l->vals[2], strlen(l->vals[2]))) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "route: '%.*s' is not a trunk name", ECHO_MAX,
			  l->vals[2]);
		return -EINVAL;
	}
	tmpl = l->n_vals == 4 ? l->vals[3] : "sip:{user}@{peer}";
	if (strlen(tmpl) >= TRUNK_REPLACE_MAX) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "route: NEW-URI longer than %d bytes",
			  TRUNK_REPLACE_MAX - 1);
		return -EMSGSIZE;
	}
	rt = &t->routes[t->n_routes];
	r = re_compile(&rt->re, l, l->vals[0], err, errlen);
	if (r < 0)
		return r;
	t->n_routes++;	/* owns rt->re.code from here on */
	if (trunk_tmpl_check(tmpl, rt->re.ncap, why, sizeof(why)) < 0) {
		conf_errf(err, errlen, l->name, l->lineno, "route: %s", why);
		return -EINVAL;
	}
	strcpy(rt->target_name, l->vals[2]);
	strcpy(rt->tmpl, tmpl);
	return 0;
}

/* tls_ca = PATH: the PEM file the peer's TLS certificate must verify
 * against; relative to the trunk file's directory. Only checked for
 * length here (trunk_set_parse also runs on texts without a file system);
 * the SBC reads and checks the file at start (trunk_tls_ca_line). */
static int parse_tls_ca(struct trunk *t, const struct conf_line *l,
			char *err, size_t errlen)
{
	const char *v = l->vals[0], *slash = strrchr(t->file, '/');
	int dl = slash && v[0] != '/' ? (int)(slash - t->file) + 1 : 0;

	if ((size_t)dl + strlen(v) >= sizeof(t->tls_ca)) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "tls_ca: path longer than %zu bytes",
			  sizeof(t->tls_ca) - 1);
		return -EMSGSIZE;
	}
	snprintf(t->tls_ca, sizeof(t->tls_ca), "%.*s%s", dl, t->file, v);
	t->tls_ca_line = l->lineno;
	return 0;
}

static int key_apply(struct parse_state *st, int k, const struct conf_line *l,
		     char *err, size_t errlen)
{
	struct trunk *t = st->t;
	const char *s = l->vals[0];
	int v = 0, r;

	switch (k) {
	case K_NAME:
		if (!name_valid(s, strlen(s))) {
			conf_errf(err, errlen, l->name, l->lineno,
				  "name: '%.*s' is not 1..%d of [A-Za-z0-9_.-]",
				  ECHO_MAX, s, TRUNK_NAME_MAX - 1);
			return -EINVAL;
		}
		strcpy(t->name, s);
		t->name_line = l->lineno;
		return 0;
	case K_SIDE:
		r = parse_word(l, sides, "sdes or dtls", &v, err, errlen);
		t->side = (enum trunk_side)v;
		return r;
	case K_PEER:
		return parse_peer(st, l, err, errlen);
	case K_TRANSPORT:
		r = parse_word(l, transports, "udp, tcp or tls", &v, err,
			       errlen);
		t->transport = (enum trunk_transport)v;
		return r;
	case K_TRUSTED:
		r = parse_word(l, bools, "yes or no", &v, err, errlen);
		t->trusted = v;
		return r;
	case K_KTR:
		r = parse_word(l, ktrs, "required, preferred or off", &v, err,
			       errlen);
		t->ktr = (enum trunk_ktr)v;
		return r;
	case K_KTR_FORM:
		r = parse_word(l, ktr_forms,
			       "attr, capneg-required or capneg-optional", &v,
			       err, errlen);
		t->ktr_form = (enum trunk_ktr_form)v;
		return r;
	case K_LATCH:
		r = parse_word(l, bools, "yes or no", &v, err, errlen);
		t->latch = v;
		return r;
	case K_BUNDLE:
		r = parse_word(l, bools, "yes or no", &v, err, errlen);
		t->bundle = v;
		return r;
	case K_KEEPALIVE:
		return parse_secs(l, 0, 3600, false, &t->keepalive_s, err,
				  errlen);
	case K_REKEY:
		return parse_secs(l, 60, 86400, true, &t->rekey_interval_s,
				  err, errlen);
	case K_TLS_CA:
		return parse_tls_ca(t, l, err, errlen);
	case K_SESSION_EXPIRES:
		/* RFC 4028 4: never below the 90 s floor of Min-SE... */
		return parse_secs(l, TRUNK_MIN_SE_TEST_FLOOR, 86400, true,
				  &t->session_expires_s, err, errlen);
	case K_MIN_SE:
		/* ...but min_se below 90 is accepted for tests (README) */
		return parse_secs(l, TRUNK_MIN_SE_TEST_FLOOR, 86400, false,
				  &t->min_se_s, err, errlen);
	case K_MATCH_RURI:
		return re_compile(&t->match_ruri, l, s, err, errlen);
	case K_MATCH_FROM:
		return re_compile(&t->match_from, l, s, err, errlen);
	case K_MATCH_SOURCE:
		return re_compile(&t->match_source, l, s, err, errlen);
	case K_MEDIA_FAMILY:
		r = parse_word(l, families, "same, ipv4 or ipv6", &v, err,
			       errlen);
		t->family = (enum trunk_family)v;
		return r;
	case K_ICE:
		r = parse_word(l, ices, "lite or off", &v, err, errlen);
		t->ice = (enum trunk_ice)v;
		return r;
	case K_ICE_CONSENT:
		r = parse_word(l, ice_consents, "required or off", &v, err, errlen);
		t->ice_consent = (enum trunk_ice_consent)v;
		return r;
	case K_SDES_PROFILE:
		r = parse_word(l, sdes_profiles, "RTP/SAVP, RTP/SAVPF or mirror",
			       &v, err, errlen);
		t->profile = (enum trunk_profile)v;
		return r;
	case K_DTLS_PROFILE:
		r = parse_word(l, dtls_profiles,
			       "UDP/TLS/RTP/SAVPF, UDP/TLS/RTP/SAVP or mirror",
			       &v, err, errlen);
		t->profile = (enum trunk_profile)v;
		return r;
	}
	return -EINVAL;
}

static int line_apply(void *arg, const struct conf_line *l, char *err,
		      size_t errlen)
{
	struct parse_state *st = arg;

	for (int k = 0; k < K_COUNT; k++) {
		if (strcmp(l->key, key_names[k]) != 0)
			continue;
		if (k == K_ROUTE) {
			st->line[k] = l->lineno;
			return parse_route(st, l, err, errlen);
		}
		if (st->line[k]) {
			conf_errf(err, errlen, l->name, l->lineno,
				  "%s: duplicate key (first set on line %u)",
				  l->key, st->line[k]);
			return -EINVAL;
		}
		st->line[k] = l->lineno;
		if (l->n_vals != 1) {
			conf_errf(err, errlen, l->name, l->lineno,
				  l->n_vals ? "%s: takes one value, got %zu" :
					      "%s: missing value",
				  l->key, l->n_vals);
			return -EINVAL;
		}
		return key_apply(st, k, l, err, errlen);
	}
	conf_errf(err, errlen, l->name, l->lineno, "unknown key '%.*s'",
		  ECHO_MAX, l->key);
	return -EINVAL;
}

/* Checks once the whole file is read: required keys, keys that only one
 * side or one KTR policy uses (blamed on their own line). */
static int file_check(struct parse_state *st, const char *name, char *err,
		      size_t errlen)
{
	struct trunk *t = st->t;
	static const int dtls_only[] = { K_KTR, K_KTR_FORM, K_REKEY, K_BUNDLE, K_ICE,
					 K_ICE_CONSENT };

	if (!st->line[K_SIDE]) {
		conf_errf(err, errlen, name, 0, "side: missing (sdes or dtls)");
		return -EINVAL;
	}
	if (!st->line[K_PEER]) {
		conf_errf(err, errlen, name, 0,
			  "peer: missing (where calls to this trunk go)");
		return -EINVAL;
	}
	if (t->side == TRUNK_SIDE_DTLS && st->line[K_TRUSTED]) {
		conf_errf(err, errlen, name, st->line[K_TRUSTED],
			  "trusted: only for side = sdes (a=crypto trust)");
		return -EINVAL;
	}
	if (t->side == TRUNK_SIDE_DTLS && st->line[K_SDES_PROFILE]) {
		conf_errf(err, errlen, name, st->line[K_SDES_PROFILE],
			  "sdes_profile: only for side = sdes (a dtls trunk has dtls_profile)");
		return -EINVAL;
	}
	if (t->side == TRUNK_SIDE_SDES && st->line[K_DTLS_PROFILE]) {
		conf_errf(err, errlen, name, st->line[K_DTLS_PROFILE],
			  "dtls_profile: only for side = dtls (an sdes trunk has sdes_profile)");
		return -EINVAL;
	}
	if (!st->line[K_SDES_PROFILE] && !st->line[K_DTLS_PROFILE])
		t->profile = t->side == TRUNK_SIDE_SDES ? TRUNK_PROFILE_SAVP
							: TRUNK_PROFILE_SAVPF;
	for (size_t i = 0; i < sizeof(dtls_only) / sizeof(dtls_only[0]); i++) {
		int k = dtls_only[i];

		if (t->side == TRUNK_SIDE_SDES && st->line[k]) {
			conf_errf(err, errlen, name, st->line[k],
				  "%s: only for side = dtls", key_names[k]);
			return -EINVAL;
		}
	}
	if (st->line[K_TLS_CA] && t->transport != TRUNK_TLS) {
		conf_errf(err, errlen, name, st->line[K_TLS_CA],
			  "tls_ca: only with transport = tls");
		return -EINVAL;
	}
	if (t->ktr == TRUNK_KTR_OFF && st->line[K_KTR_FORM]) {
		conf_errf(err, errlen, name, st->line[K_KTR_FORM],
			  "ktr_form: meaningless with ktr = off");
		return -EINVAL;
	}
	if (t->ktr == TRUNK_KTR_OFF && t->rekey_interval_s) {
		conf_errf(err, errlen, name, st->line[K_REKEY],
			  "rekey_interval: needs ktr (new_srtp_key_request is a KTR message)");
		return -EINVAL;
	}
	if (t->session_expires_s && t->session_expires_s < t->min_se_s) {
		conf_errf(err, errlen, name,
			  st->line[K_SESSION_EXPIRES] ? st->line[K_SESSION_EXPIRES]
						      : st->line[K_MIN_SE],
			  "session_expires: %u is below min_se %u (RFC 4028 5)",
			  t->session_expires_s, t->min_se_s);
		return -EINVAL;
	}
	if (!st->peer_port_given)
		t->peer_port = t->transport == TRUNK_TLS ? 5061 : 5060;
	return 0;
}

/* Canonical "HOST:PORT" of the peer, for {peer} and messages. */
static void peer_format(struct trunk *t)
{
	char host[INET6_ADDRSTRLEN];

	if (t->peer_ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&t->peer_ss;

		a6->sin6_port = htons(t->peer_port);
		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
		snprintf(t->peer, sizeof(t->peer), "[%s]:%u", host,
			 t->peer_port);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&t->peer_ss;

		a4->sin_port = htons(t->peer_port);
		inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
		snprintf(t->peer, sizeof(t->peer), "%s:%u", host,
			 t->peer_port);
	}
}

/* The default name: the path's base name without ".conf". */
static int name_from_path(struct trunk *t, const char *path, char *err,
			  size_t errlen)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".conf") == 0)
		n -= 5;
	if (!name_valid(base, n)) {
		conf_errf(err, errlen, path, 0,
			  "name: the file name is not a valid trunk name (1..%d of [A-Za-z0-9_.-]); set name =",
			  TRUNK_NAME_MAX - 1);
		return -EINVAL;
	}
	memcpy(t->name, base, n);
	t->name[n] = '\0';
	return 0;
}

void trunk_destroy(struct trunk *t)
{
	if (!t)
		return;
	pcre2_code_free(t->match_ruri.code);
	pcre2_code_free(t->match_from.code);
	pcre2_code_free(t->match_source.code);
	for (size_t i = 0; i < t->n_routes; i++)
		pcre2_code_free(t->routes[i].re.code);
	free(t);
}

int trunk_file_parse(struct trunk **tp, const struct trunk_file *f,
		     char *err, size_t errlen)
{
	struct parse_state st = { 0 };
	struct trunk *t;
	int r;

	*tp = NULL;
	if (strlen(f->path) >= sizeof(t->file)) {
		conf_errf(err, errlen, f->path, 0, "path longer than %zu bytes",
			  sizeof(t->file) - 1);
		return -EMSGSIZE;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		conf_errf(err, errlen, f->path, 0, "out of memory");
		return -ENOMEM;
	}
	strcpy(t->file, f->path);
	t->ktr = TRUNK_KTR_PREFERRED;
	t->session_expires_s = TRUNK_SESSION_EXPIRES_DEFAULT;
	t->min_se_s = TRUNK_MIN_SE_DEFAULT;
	t->ktr_form = TRUNK_KTR_FORM_ATTR;
	st.t = t;
	r = conf_scan(f->path, f->text, f->len, line_apply, &st, err, errlen);
	if (r == 0)
		r = file_check(&st, f->path, err, errlen);
	if (r == 0 && !st.line[K_NAME])
		r = name_from_path(t, f->path, err, errlen);
	if (r < 0) {
		trunk_destroy(t);
		return r;
	}
	peer_format(t);
	*tp = t;
	return 0;
}

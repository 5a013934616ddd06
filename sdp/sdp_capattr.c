/*
 * sdp RFC 5939 capability attributes, as grammar: a=tcap (3.4.2), a=acap
 * (3.4.1), a=pcfg (3.5.1), a=acfg (3.5.2), looking their numbers up over
 * a media level and its session level, and the parser's check that every
 * number a pcfg names exists and none is defined twice. What they mean
 * (the resolution into DTLS-SRTP with or without KTR) is sdp_capneg.c, a
 * layer above the parsed session; this file sits under sdp_attr.c, which
 * validates these values like any other typed attribute.
 *
 * Layer 1 (docs/layers.md): calls sdp_util.c only.
 *
 *   pcfg-attr = "a=pcfg:" config-number [1*WSP pot-cfg-list]
 *   pot-config = attribute-config-list / transport-protocol-config-list /
 *                extension-config-list
 *   attribute-config-list = "a=" attcap-set *(BAR attcap-set)
 *   attcap-set = [delete-attributes ":"] mo-att-cap-list
 *   delete-attributes = "-" ("m" / "s" / "ms")
 *   mo-att-cap-list = mandatory-att-cap-list ["," optional-att-cap-list]
 *                   / optional-att-cap-list
 *   optional-att-cap-list = "[" att-cap-list "]"
 *   transport-protocol-config-list = "t=" trpr-cap-num *(BAR trpr-cap-num)
 * (Several bracketed groups after the mandatory ones are accepted.)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sdp/sdp_priv.h"

#define CERR(code, col, ...) sdp_err_set(err, code, 0, (uint32_t)(col) + 1, __VA_ARGS__)

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* cap-num: 1*10DIGIT, 1..2^31-1 (RFC 5939 3.4.1). */
static int capnum(const char *v, size_t n, size_t *i, uint32_t *out,
		  struct sdp_error *err)
{
	size_t s = *i;
	uint64_t x;

	while (*i < n && v[*i] >= '0' && v[*i] <= '9')
		(*i)++;
	if (*i == s || *i - s > 10 || sdp_parse_u64(v + s, *i - s, &x))
		return CERR(-EBADMSG, s, "expected a capability number");
	if (x < 1 || x > 0x7fffffffu)
		return CERR(-ERANGE, s, "capability number outside 1..2^31-1");
	*out = (uint32_t)x;
	return 0;
}

int sdp_tcap_parse(const char *v, size_t n, struct sdp_tcap *t,
		   struct sdp_error *err)
{
	size_t i = 0;
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = capnum(v, n, &i, &t->num, err)))
		return r;
	if (i >= n || !is_wsp(v[i]))
		return CERR(-EBADMSG, i, "a=tcap needs a protocol list");
	while (i < n) {
		size_t s;

		while (i < n && is_wsp(v[i]))
			i++;
		if (i >= n)
			break;
		s = i;
		while (i < n && !is_wsp(v[i])) {
			if (!sdp_is_token_char((unsigned char)v[i]) && v[i] != '/')
				return CERR(-EBADMSG, i, "bad character in protocol");
			i++;
		}
		if (t->n >= SDP_CAP_MAX)
			return CERR(-ENOBUFS, s, "more than %u protocols", SDP_CAP_MAX);
		if (sdp_copy_str(t->protos[t->n], SDP_TOKEN_MAX, v + s, i - s))
			return CERR(-EMSGSIZE, s, "protocol too long");
		t->n++;
	}
	if (!t->n)
		return CERR(-EBADMSG, i, "a=tcap needs a protocol list");
	if ((uint64_t)t->num + t->n - 1 > 0x7fffffffu)
		return CERR(-ERANGE, 0, "capability numbers overflow");
	return 0;
}

int sdp_acap_parse(const char *v, size_t n, uint32_t *num, const char **name,
		   size_t *nlen, const char **value, size_t *vlen,
		   bool *has_value, struct sdp_error *err)
{
	size_t i = 0, s;
	int r;

	if ((r = capnum(v, n, &i, num, err)))
		return r;
	if (i >= n || !is_wsp(v[i]))
		return CERR(-EBADMSG, i, "a=acap needs an attribute");
	while (i < n && is_wsp(v[i]))
		i++;
	s = i;
	while (i < n && v[i] != ':') {
		if (!sdp_is_token_char((unsigned char)v[i]))
			return CERR(-EBADMSG, i, "bad attribute name in a=acap");
		i++;
	}
	if (i == s)
		return CERR(-EBADMSG, s, "a=acap needs an attribute");
	*name = v + s;
	*nlen = i - s;
	if (i < n) {
		*has_value = true;
		*value = v + i + 1;
		*vlen = n - i - 1;
	} else {
		*has_value = false;
		*value = NULL;
		*vlen = 0;
	}
	return 0;
}

static int capset_parse(const char *v, size_t n, size_t *i,
			struct sdp_capset *cs, struct sdp_error *err)
{
	bool in_opt = false, any_opt = false;
	uint32_t x;
	int r;

	memset(cs, 0, sizeof(*cs));
	if (*i < n && v[*i] == '-') {
		(*i)++;
		if (*i + 2 < n && v[*i] == 'm' && v[*i + 1] == 's' && v[*i + 2] == ':') {
			cs->del = 'b';
			*i += 3;
		} else if (*i + 1 < n && (v[*i] == 'm' || v[*i] == 's') &&
			   v[*i + 1] == ':') {
			cs->del = (uint8_t)v[*i];
			*i += 2;
		} else {
			return CERR(-EBADMSG, *i, "bad delete-attributes (-m:, -s: or -ms:)");
		}
	}
	for (;;) {
		if (*i < n && v[*i] == '[') {
			if (in_opt)
				return CERR(-EBADMSG, *i, "nested '['");
			in_opt = any_opt = true;
			(*i)++;
		} else if (any_opt && !in_opt) {
			return CERR(-EBADMSG, *i,
				    "mandatory capabilities must precede optional ones");
		}
		if ((r = capnum(v, n, i, &x, err)))
			return r;
		if (in_opt) {
			if (cs->n_opt >= SDP_CAP_MAX)
				return CERR(-ENOBUFS, *i, "too many capabilities");
			cs->opt[cs->n_opt++] = x;
		} else {
			if (cs->n_mand >= SDP_CAP_MAX)
				return CERR(-ENOBUFS, *i, "too many capabilities");
			cs->mand[cs->n_mand++] = x;
		}
		if (in_opt && *i < n && v[*i] == ']') {
			in_opt = false;
			(*i)++;
		}
		if (*i < n && v[*i] == ',') {
			(*i)++;
			continue;
		}
		break;
	}
	if (in_opt)
		return CERR(-EBADMSG, *i, "missing ']'");
	return 0;
}

int sdp_pcfg_parse(const char *v, size_t n, struct sdp_pcfg *p,
		   struct sdp_error *err)
{
	size_t i = 0;
	bool seen_t = false, seen_a = false;
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = capnum(v, n, &i, &p->num, err)))
		return r;
	while (i < n) {
		size_t s;

		if (!is_wsp(v[i]))
			return CERR(-EBADMSG, i, "expected a space");
		while (i < n && is_wsp(v[i]))
			i++;
		if (i >= n)
			break;
		s = i;
		if (i + 1 < n && v[i] == 't' && v[i + 1] == '=') {
			if (seen_t)
				return CERR(-EBADMSG, s, "second t= list");
			seen_t = true;
			i += 2;
			for (;;) {
				if (p->n_t >= SDP_CAP_ALTS)
					return CERR(-ENOBUFS, i, "too many alternatives");
				if ((r = capnum(v, n, &i, &p->t[p->n_t], err)))
					return r;
				p->n_t++;
				if (i < n && v[i] == '|') {
					i++;
					continue;
				}
				break;
			}
		} else if (i + 1 < n && v[i] == 'a' && v[i + 1] == '=') {
			if (seen_a)
				return CERR(-EBADMSG, s, "second a= list");
			seen_a = true;
			i += 2;
			for (;;) {
				if (p->n_a >= SDP_CAP_ALTS)
					return CERR(-ENOBUFS, i, "too many alternatives");
				if ((r = capset_parse(v, n, &i, &p->a[p->n_a], err)))
					return r;
				p->n_a++;
				if (i < n && v[i] == '|') {
					i++;
					continue;
				}
				break;
			}
		} else {
			/* extension-config-list: ["+"] ext-cap-name "=" list;
			 * kept (it stays in the line text), not interpreted */
			bool eq = false;

			while (i < n && !is_wsp(v[i])) {
				unsigned char ch = (unsigned char)v[i];

				if (ch < 0x21 || ch > 0x7e)
					return CERR(-EBADMSG, i, "bad character");
				eq |= ch == '=';
				i++;
			}
			if (!eq)
				return CERR(-EBADMSG, s, "unknown configuration list");
			continue;
		}
		if (i < n && !is_wsp(v[i]))
			return CERR(-EBADMSG, i, "unexpected character");
	}
	return 0;
}

/* ---- lookups over a media level and its session level ---- */

int sdp_tcap_lookup(const struct sdp_alist *ml, const struct sdp_alist *sl,
		    uint32_t num, char proto[SDP_TOKEN_MAX])
{
	const struct sdp_alist *ls[2] = { ml, sl };
	size_t k, i;

	for (k = 0; k < 2; k++)
		for (i = 0; i < ls[k]->n; i++) {
			struct sdp_tcap t;

			if (strcmp(ls[k]->v[i].name, "tcap") ||
			    sdp_tcap_parse(ls[k]->v[i].value,
					   strlen(ls[k]->v[i].value), &t, NULL))
				continue;
			if (num >= t.num && num - t.num < t.n) {
				memcpy(proto, t.protos[num - t.num], SDP_TOKEN_MAX);
				return 0;
			}
		}
	return -ENOENT;
}

int sdp_acap_lookup(const struct sdp_alist *ml, const struct sdp_alist *sl,
		    uint32_t num, const char **name, size_t *nl,
		    const char **val, size_t *vl, bool *hv)
{
	const struct sdp_alist *ls[2] = { ml, sl };
	size_t k, i;
	uint32_t x;

	for (k = 0; k < 2; k++)
		for (i = 0; i < ls[k]->n; i++) {
			const char *v = ls[k]->v[i].value;

			if (strcmp(ls[k]->v[i].name, "acap") ||
			    sdp_acap_parse(v, strlen(v), &x, name, nl, val, vl,
					   hv, NULL))
				continue;
			if (x == num)
				return 0;
		}
	return -ENOENT;
}

/* ---- references (sdp_parse) ---- */

static int check_dups(const struct sdp_alist *l, const char *name,
		      struct sdp_error *err)
{
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		uint64_t a, b;
		size_t al = 0, bl = 0;

		if (strcmp(l->v[i].name, name))
			continue;
		while (l->v[i].value[al] >= '0' && l->v[i].value[al] <= '9')
			al++;
		if (sdp_parse_u64(l->v[i].value, al, &a))
			continue;
		for (j = 0; j < i; j++) {
			if (strcmp(l->v[j].name, name))
				continue;
			bl = 0;
			while (l->v[j].value[bl] >= '0' && l->v[j].value[bl] <= '9')
				bl++;
			if (!sdp_parse_u64(l->v[j].value, bl, &b) && a == b)
				return sdp_err_set(err, -EBADMSG, l->v[i].line,
						   (uint32_t)strlen(name) + 4,
						   "duplicate a=%s number %llu", name,
						   (unsigned long long)a);
		}
	}
	return 0;
}

int sdp_cap_refs_check(const struct sdp_alist *ml, const struct sdp_alist *sl,
		       bool first, struct sdp_error *err)
{
	static const char *const names[] = { "tcap", "acap", "pcfg", "acfg" };
	size_t i, k, j;
	int r;

	for (k = 0; k < 4; k++) {
		if ((r = check_dups(ml, names[k], err)))
			return r;
		if (first && (r = check_dups(sl, names[k], err)))
			return r;
	}
	for (i = 0; i < ml->n; i++) {
		const struct sdp_attr_i *a = &ml->v[i];
		struct sdp_pcfg p;
		char tok[SDP_TOKEN_MAX];
		const char *n, *v;
		size_t nl, vl;
		bool hv;

		/* acfg names the offer's capability numbers: not checkable here */
		if (strcmp(a->name, "pcfg"))
			continue;
		if (sdp_pcfg_parse(a->value, strlen(a->value), &p, NULL))
			continue;
		for (k = 0; k < p.n_t; k++)
			if (sdp_tcap_lookup(ml, sl, p.t[k], tok))
				return sdp_err_set(err, -EBADMSG, a->line, 0,
						   "a=%s:%u names a=tcap %u, which does not exist",
						   a->name, p.num, p.t[k]);
		for (k = 0; k < p.n_a; k++) {
			const struct sdp_capset *cs = &p.a[k];

			for (j = 0; j < cs->n_mand + cs->n_opt; j++) {
				uint32_t x = j < cs->n_mand ? cs->mand[j]
							    : cs->opt[j - cs->n_mand];

				if (sdp_acap_lookup(ml, sl, x, &n, &nl, &v, &vl, &hv))
					return sdp_err_set(err, -EBADMSG, a->line, 0,
							   "a=%s:%u names a=acap %u, which does not exist",
							   a->name, p.num, x);
			}
		}
	}
	return 0;
}

/*
 * sdp RFC 5939 capability negotiation: a=tcap (3.4.2), a=acap (3.4.1),
 * a=pcfg (3.5.1), a=acfg (3.5.2), and their resolution into "does this
 * m-line offer DTLS-SRTP, with KTR required, optional or not at all" as in
 * draft-wing-avt-dtls-srtp-key-transport-02 Figures 13 and 14.
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

/* ---- resolution ---- */

/* tcap number -> proto, searching the media level then the session level. */
static int tcap_find(const struct sdp_media *m, uint32_t num,
		     enum sdp_proto *proto)
{
	const struct sdp_alist *ls[2] = { &m->attrs, &m->sess->attrs };
	size_t k, i;

	for (k = 0; k < 2; k++)
		for (i = 0; i < ls[k]->n; i++) {
			struct sdp_tcap t;

			if (strcmp(ls[k]->v[i].name, "tcap") ||
			    sdp_tcap_parse(ls[k]->v[i].value,
					   strlen(ls[k]->v[i].value), &t, NULL))
				continue;
			if (num >= t.num && num - t.num < t.n) {
				*proto = sdp_proto_parse(t.protos[num - t.num],
							 strlen(t.protos[num - t.num]));
				return 0;
			}
		}
	return -ENOENT;
}

static int acap_find(const struct sdp_media *m, uint32_t num,
		     const char **name, size_t *nl, const char **val,
		     size_t *vl, bool *hv)
{
	const struct sdp_alist *ls[2] = { &m->attrs, &m->sess->attrs };
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

static bool nm_is(const char *n, size_t l, const char *lit)
{
	return strlen(lit) == l && !memcmp(n, lit, l);
}

/* Apply one acap to info; optional says whether it was in brackets. */
static int apply_acap(const struct sdp_media *m, uint32_t num, bool optional,
		      struct sdp_dtls_info *info, uint32_t line,
		      struct sdp_error *err)
{
	const char *n, *v;
	size_t nl, vl;
	bool hv;

	if (acap_find(m, num, &n, &nl, &v, &vl, &hv))
		return sdp_err_set(err, -EBADMSG, line, 0,
				   "configuration names a=acap:%u, which does not exist", num);
	if (nm_is(n, nl, "fingerprint") && hv) {
		if (sdp_fingerprint_parse(v, vl, &info->fingerprint, NULL))
			return sdp_err_set(err, -EBADMSG, line, 0,
					   "a=acap:%u has a bad fingerprint", num);
		info->has_fingerprint = true;
		info->acap_fingerprint = num;
	} else if (nm_is(n, nl, "setup") && hv) {
		if (sdp_setup_parse(v, vl, &info->setup))
			return sdp_err_set(err, -EBADMSG, line, 0,
					   "a=acap:%u has a bad setup", num);
		info->acap_setup = num;
	} else if (nm_is(n, nl, "dtls-srtp-ktr")) {
		enum sdp_ktr k = optional ? SDP_KTR_OPTIONAL : SDP_KTR_REQUIRED;

		if (k > info->ktr)
			info->ktr = k;
		info->acap_ktr = num;
	} else if (nm_is(n, nl, "dtls-srtp-ktr-server") && hv) {
		if (sdp_ktr_server_parse(v, vl, &info->ktr_server, NULL))
			return sdp_err_set(err, -EBADMSG, line, 0,
					   "a=acap:%u has a bad dtls-srtp-ktr-server", num);
		info->has_ktr_server = true;
	}
	return 0;
}

static bool is_dtls_proto(enum sdp_proto p)
{
	return p == SDP_PROTO_UDP_TLS_RTP_SAVP || p == SDP_PROTO_UDP_TLS_RTP_SAVPF;
}

int sdp_media_dtls_info(const struct sdp_media *m, struct sdp_dtls_info *info,
			struct sdp_error *err)
{
	const struct sdp_attr_i *best = NULL;
	struct sdp_pcfg bp;
	uint32_t best_t = 0;
	enum sdp_proto best_proto = SDP_PROTO_OTHER;
	size_t i, k;
	int r;

	if (!m || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	/* plain attributes first (media level, else session level) */
	if (sdp_media_fingerprint_count(m))
		info->has_fingerprint =
			sdp_media_fingerprint_get(m, 0, &info->fingerprint) == 0;
	info->setup = sdp_media_setup(m);
	info->ktr_level = sdp_media_ktr(m);
	if (info->ktr_level != SDP_LEVEL_NONE)
		info->ktr = SDP_KTR_REQUIRED;
	info->has_ktr_server = sdp_media_ktr_server(m, &info->ktr_server);
	info->proto = sdp_media_proto_kind(m);
	if (is_dtls_proto(info->proto)) {
		const struct sdp_attr_i *a = sdp_alist_find(&m->attrs, "acfg");

		info->dtls = true;
		if (a) {
			struct sdp_pcfg p;

			if (sdp_pcfg_parse(a->value, strlen(a->value), &p, NULL) == 0) {
				info->cfg_num = p.num;
				info->tcap_num = p.n_t ? p.t[0] : 0;
			}
		}
		return 0;
	}
	info->proto = SDP_PROTO_OTHER;
	/* RFC 5939 3.5.1: the lowest config number is the most preferred */
	for (i = 0; i < m->attrs.n; i++) {
		const struct sdp_attr_i *a = &m->attrs.v[i];
		struct sdp_pcfg p;

		if (strcmp(a->name, "pcfg"))
			continue;
		if (sdp_pcfg_parse(a->value, strlen(a->value), &p, NULL))
			continue; /* validated at parse time */
		for (k = 0; k < p.n_t; k++) {
			enum sdp_proto pr;

			if (tcap_find(m, p.t[k], &pr))
				return sdp_err_set(err, -EBADMSG, a->line, 0,
						   "a=pcfg:%u names a=tcap %u, which does not exist",
						   p.num, p.t[k]);
			if (is_dtls_proto(pr) && (!best || p.num < bp.num)) {
				best = a;
				bp = p;
				best_t = p.t[k];
				best_proto = pr;
				break;
			}
		}
	}
	if (!best)
		return 0;
	info->dtls = true;
	info->via_capneg = true;
	info->cfg_num = bp.num;
	info->tcap_num = best_t;
	info->proto = best_proto;
	/* first attribute alternative whose capabilities all exist */
	for (k = 0; k < bp.n_a; k++) {
		struct sdp_dtls_info t = *info;
		const struct sdp_capset *cs = &bp.a[k];

		r = 0;
		for (i = 0; !r && i < cs->n_mand; i++)
			r = apply_acap(m, cs->mand[i], false, &t, best->line, err);
		for (i = 0; !r && i < cs->n_opt; i++)
			r = apply_acap(m, cs->opt[i], true, &t, best->line, err);
		if (r == 0) {
			*info = t;
			return 0;
		}
		if (k + 1 == bp.n_a)
			return r;
	}
	return 0;
}

static int capneg_add(struct sdp_media *m, enum sdp_proto dtls_proto,
		      const struct sdp_fingerprint *fp, enum sdp_setup setup,
		      enum sdp_ktr ktr)
{
	char fpbuf[SDP_HASH_NAME_MAX + 3 * SDP_FP_MAX + 16], v[512], list[64];
	uint32_t next = 1;
	int r;
	size_t ll = 0;

	if (sdp_fingerprint_print(fp, fpbuf, sizeof(fpbuf)) < 0)
		return -EINVAL;
	snprintf(v, sizeof(v), "1 %s", sdp_proto_name(dtls_proto));
	if ((r = sdp_media_attr_add(m, "tcap", v)))
		return r;
	snprintf(v, sizeof(v), "%u fingerprint:%s", next, fpbuf);
	if ((r = sdp_media_attr_add(m, "acap", v)))
		return r;
	ll += (size_t)snprintf(list + ll, sizeof(list) - ll, "%u", next++);
	if (ktr != SDP_KTR_NONE) {
		snprintf(v, sizeof(v), "%u dtls-srtp-ktr", next);
		if ((r = sdp_media_attr_add(m, "acap", v)))
			return r;
		if (ktr == SDP_KTR_OPTIONAL)
			ll += (size_t)snprintf(list + ll, sizeof(list) - ll, ",[%u]", next++);
		else
			ll += (size_t)snprintf(list + ll, sizeof(list) - ll, ",%u", next++);
	}
	if (setup != SDP_SETUP_NONE) {
		snprintf(v, sizeof(v), "%u setup:%s", next, sdp_setup_name(setup));
		if ((r = sdp_media_attr_add(m, "acap", v)))
			return r;
		if (ktr == SDP_KTR_OPTIONAL) {
			/* mandatory ones precede the bracketed optional one */
			snprintf(list, sizeof(list), "1,%u,[2]", next);
		} else {
			ll += (size_t)snprintf(list + ll, sizeof(list) - ll, ",%u", next);
		}
		next++;
	}
	snprintf(v, sizeof(v), "1 t=1 a=%s", list);
	return sdp_media_attr_add(m, "pcfg", v);
}

int sdp_media_capneg_dtls_add(struct sdp_media *m, enum sdp_proto dtls_proto,
			      const struct sdp_fingerprint *fp,
			      enum sdp_setup setup, enum sdp_ktr ktr)
{
	int r;

	if (!m || !fp || !is_dtls_proto(dtls_proto))
		return -EINVAL;
	if (sdp_alist_find(&m->attrs, "tcap") || sdp_alist_find(&m->attrs, "acap") ||
	    sdp_alist_find(&m->attrs, "pcfg"))
		return -EINVAL;
	r = capneg_add(m, dtls_proto, fp, setup, ktr);
	if (r) {
		/* all or nothing: drop what was added */
		sdp_alist_del(&m->attrs, "tcap");
		sdp_alist_del(&m->attrs, "acap");
		sdp_alist_del(&m->attrs, "pcfg");
	}
	return r;
}

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

int sdp_media_capneg_check(const struct sdp_media *m, struct sdp_error *err)
{
	static const char *const names[] = { "tcap", "acap", "pcfg", "acfg" };
	size_t i, k, j;
	int r;

	for (k = 0; k < 4; k++) {
		if ((r = check_dups(&m->attrs, names[k], err)))
			return r;
		if (m->idx == 0 && (r = check_dups(&m->sess->attrs, names[k], err)))
			return r;
	}
	for (i = 0; i < m->attrs.n; i++) {
		const struct sdp_attr_i *a = &m->attrs.v[i];
		struct sdp_pcfg p;
		enum sdp_proto pr;
		const char *n, *v;
		size_t nl, vl;
		bool hv;

		/* acfg names the offer's capability numbers: not checkable here */
		if (strcmp(a->name, "pcfg"))
			continue;
		if (sdp_pcfg_parse(a->value, strlen(a->value), &p, NULL))
			continue;
		for (k = 0; k < p.n_t; k++)
			if (tcap_find(m, p.t[k], &pr))
				return sdp_err_set(err, -EBADMSG, a->line, 0,
						   "a=%s:%u names a=tcap %u, which does not exist",
						   a->name, p.num, p.t[k]);
		for (k = 0; k < p.n_a; k++) {
			const struct sdp_capset *cs = &p.a[k];

			for (j = 0; j < cs->n_mand + cs->n_opt; j++) {
				uint32_t x = j < cs->n_mand ? cs->mand[j]
							    : cs->opt[j - cs->n_mand];

				if (acap_find(m, x, &n, &nl, &v, &vl, &hv))
					return sdp_err_set(err, -EBADMSG, a->line, 0,
							   "a=%s:%u names a=acap %u, which does not exist",
							   a->name, p.num, x);
			}
		}
	}
	return 0;
}

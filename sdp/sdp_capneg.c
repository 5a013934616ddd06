/*
 * sdp RFC 5939 capability negotiation, resolved: does this m-line offer
 * DTLS-SRTP, with KTR required, optional or not at all, as in
 * draft-wing-avt-dtls-srtp-key-transport-02 Figures 13 and 14; and the
 * writing of such an offer. A layer on top of the parsed session: the
 * attribute grammar and the parser's reference check are sdp_capattr.c.
 *
 * Layer 6 (docs/layers.md): calls sdp_media.c, sdp_attr.c, sdp_capattr.c,
 * sdp_util.c; called by sdp_xlate.c and users of sdp.h, never by the parser.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sdp/sdp_priv.h"

/* ---- resolution ---- */

/* tcap number -> proto, searching the media level then the session level. */
static int tcap_find(const struct sdp_media *m, uint32_t num,
		     enum sdp_proto *proto)
{
	char tok[SDP_TOKEN_MAX];
	int r = sdp_tcap_lookup(&m->attrs, &m->sess->attrs, num, tok);

	if (!r)
		*proto = sdp_proto_parse(tok, strlen(tok));
	return r;
}

static int acap_find(const struct sdp_media *m, uint32_t num,
		     const char **name, size_t *nl, const char **val,
		     size_t *vl, bool *hv)
{
	return sdp_acap_lookup(&m->attrs, &m->sess->attrs, num, name, nl, val,
			       vl, hv);
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

/*
 * sdp_xlate: the SBC's SDES <-> DTLS-SRTP offer/answer rewriting
 * (docs/design.md, the call flows; draft-wing-avt-dtls-srtp-key-transport-02
 * 3.5.1 Figure 7, 4.6, 5). m-lines map 1:1 (RFC 3264 6: an answer keeps the
 * offer's m-lines, a rejected one gets port 0). Keys: only those handed in
 * through sdp_xlate_params are emitted, each checked against every other
 * key of the call (two-time pad, draft 6.2); a DTLS leg never gets a=crypto.
 *
 * Layer 7, the top (docs/layers.md): may call every other sdp/ file.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sec.h"
#include "sdp/sdp_priv.h"

/* Attributes that describe the input leg's transport and security: never
 * copied across (the SBC writes its own). */
static const char *const dropped[] = {
	"crypto",	     "key-mgmt",	 "fingerprint",	  "setup",
	"connection",	     "tls-id",		 "identity",	  "dtls-srtp-ktr",
	"dtls-srtp-ktr-server", "tcap",		 "acap",	  "pcfg",
	"acfg",		     "rtcp",		 "rtcp-mux",	  "candidate",
	"end-of-candidates", "remote-candidates", "group",	  "zrtp-hash",
	"sendrecv",	     "sendonly",	 "recvonly",	  "inactive",
};

static bool is_dropped(const char *name)
{
	size_t i;

	if (!strncmp(name, "ice-", 4))
		return true;
	for (i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
		if (dropped[i][0] == name[0] && !strcmp(name, dropped[i]))
			return true;
	return false;
}

/* Attributes that only the AVPF profiles define: RTCP feedback (RFC 4585
 * 4.2) and reduced-size RTCP (RFC 5506 5, usable only with feedback). A
 * PBX or IMS UA offered RTP/SAVP has no use for them, and some refuse the
 * m-line when they appear; written only under an AVPF-based profile. */
static bool is_avpf_only(const char *name)
{
	return !strcmp(name, "rtcp-fb") || !strcmp(name, "rtcp-rsize");
}

/* Copy the attributes that are not the input leg's transport; with avpf
 * false, not the AVPF-only ones either. */
static int copy_attrs(struct sdp_alist *d, const struct sdp_alist *s, bool avpf)
{
	size_t i;
	int r;

	for (i = 0; i < s->n; i++) {
		const struct sdp_attr_i *a = &s->v[i];

		if (is_dropped(a->name) || (!avpf && is_avpf_only(a->name)))
			continue;
		r = sdp_alist_add(d, a->name, strlen(a->name), a->value,
				  a->value ? strlen(a->value) : 0,
				  a->value != NULL, 0);
		if (r)
			return r;
	}
	return 0;
}

static bool is_sdes(enum sdp_proto p)
{
	return p == SDP_PROTO_RTP_SAVP || p == SDP_PROTO_RTP_SAVPF;
}

static bool is_dtls(enum sdp_proto p)
{
	return p == SDP_PROTO_UDP_TLS_RTP_SAVP || p == SDP_PROTO_UDP_TLS_RTP_SAVPF;
}

static bool is_f(enum sdp_proto p) /* AVPF family (RFC 4585 / 5124) */
{
	return p == SDP_PROTO_RTP_SAVPF || p == SDP_PROTO_UDP_TLS_RTP_SAVPF ||
	       p == SDP_PROTO_RTP_AVPF;
}

static bool flow_dtls_out(enum sdp_xlate_flow f)
{
	return f == SDP_XLATE_SDES_OFFER_TO_DTLS || f == SDP_XLATE_SDES_ANSWER_TO_DTLS;
}

static bool flow_answer(enum sdp_xlate_flow f)
{
	return f == SDP_XLATE_DTLS_ANSWER_TO_SDES || f == SDP_XLATE_SDES_ANSWER_TO_DTLS;
}

int sdp_media_profile_follow(struct sdp_media *m, enum sdp_proto offered)
{
	enum sdp_proto cur = sdp_media_proto_kind(m);
	int r;

	if (cur == offered)
		return 0;
	if (!((is_sdes(cur) && is_sdes(offered)) || (is_dtls(cur) && is_dtls(offered))))
		return -EINVAL;
	if ((r = sdp_media_proto_set(m, sdp_proto_name(offered))))
		return r;
	if (!is_f(offered)) {
		sdp_media_attr_del(m, "rtcp-fb");
		sdp_media_attr_del(m, "rtcp-rsize");
	}
	return 1;
}

void sdp_xlate_report_free(struct sdp_xlate_report *r)
{
	if (!r)
		return;
	if (r->media) {
		size_t i;

		/* only the used a=crypto entries hold keys */
		for (i = 0; i < r->n_media; i++)
			sec_wipe(r->media[i].crypto,
				 r->media[i].n_crypto * sizeof(r->media[i].crypto[0]));
		free(r->media);
	}
	free(r);
}

/* Same master key (the key part of key||salt), constant time. */
static bool same_key(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t n = al < bl ? al : bl;

	/* key||salt of the same length share the layout; otherwise compare
	 * the shorter length, a prefix match is reuse too */
	if (n < 16)
		return false;
	return sec_equal(a, b, n - (n == 28 || n == 44 ? 12 : 14)) == 1;
}

struct xl {
	const struct sdp_session *in;
	const struct sdp_xlate_params *p;
	struct sdp_error *err;
	struct sdp_session *out;
	struct sdp_xlate_minfo *mi; /* n_media entries */
};

#define XERR(code, line, ...) sdp_err_set(x->err, code, line, 0, __VA_ARGS__)

static int check_params(struct xl *x)
{
	const struct sdp_xlate_params *p = x->p;
	size_t i, j, kl = 0, sl = 0;
	struct sdp_conn c;

	if (p->flow < SDP_XLATE_SDES_OFFER_TO_DTLS || p->flow > SDP_XLATE_SDES_ANSWER_TO_DTLS)
		return XERR(-EINVAL, 0, "unknown translation flow");
	if (!p->relay_addr || sdp_conn_from_addr(&c, p->relay_addr))
		return XERR(-EINVAL, 0, "relay address must be an IPv4 or IPv6 literal");
	if (p->n_media != x->in->n_media || (p->n_media && !p->media))
		return XERR(-EINVAL, 0, "params describe %zu m-lines, the SDP has %zu",
			    p->n_media, x->in->n_media);
	if (flow_answer(p->flow)) {
		if (!p->offer)
			return XERR(-EINVAL, 0, "an answer flow needs the offer it answers");
		if (p->offer->n_media != x->in->n_media)
			return XERR(-EPROTO, 0, "answer has %zu m-lines, its offer %zu (RFC 3264 6)",
				    x->in->n_media, p->offer->n_media);
	}
	if (flow_dtls_out(p->flow)) {
		if (!p->fingerprint || !p->fingerprint->len ||
		    p->fingerprint->len > SDP_FP_MAX || !p->fingerprint->hash[0])
			return XERR(-EINVAL, 0, "a DTLS leg needs the SBC's fingerprint");
		for (i = 0; i < p->n_media; i++)
			if (p->media[i].keysalt_len)
				return XERR(-EINVAL, 0,
					    "m-line %zu: a key was handed in for a DTLS leg (never a=crypto there)",
					    i + 1);
		if (p->ktr_form < SDP_KTR_FORM_NONE || p->ktr_form > SDP_KTR_FORM_CAPNEG_OPTIONAL)
			return XERR(-EINVAL, 0, "bad KTR form");
	}
	if (p->origin_user && !p->origin_user[0])
		return XERR(-EINVAL, 0, "empty origin user");
	if (p->proto != SDP_PROTO_OTHER) {
		if (flow_answer(p->flow))
			return XERR(-EINVAL, 0,
				    "an answer takes the profile of its offer (RFC 3264 6.1): no profile may be given");
		if (p->flow == SDP_XLATE_SDES_OFFER_TO_DTLS ? !is_dtls(p->proto) : !is_sdes(p->proto))
			return XERR(-EINVAL, 0, "profile %s does not fit a%s leg",
				    sdp_proto_name(p->proto) ? sdp_proto_name(p->proto) : "(other)",
				    flow_dtls_out(p->flow) ? " DTLS-SRTP" : "n SDES");
	}
	if (flow_dtls_out(p->flow))
		return 0;
	/* SDES output: per accepted m-line a supported suite and exact key */
	for (i = 0; i < p->n_media; i++) {
		const struct sdp_xlate_mparams *mp = &p->media[i];

		/* an m-line without a key may still end up rejected (input
		 * port 0, no DTLS offered); xlate_media insists on a key for
		 * every accepted one */
		if (!mp->port || !mp->keysalt_len)
			continue;
		if (!sdp_suite_supported(mp->suite))
			return XERR(-EINVAL, 0, "m-line %zu: no supported suite given", i + 1);
		sdp_suite_lens(mp->suite, &kl, &sl);
		if (mp->keysalt_len != kl + sl)
			return XERR(-EINVAL, 0, "m-line %zu: %s needs a %zu-byte key||salt, %u given",
				    i + 1, sdp_suite_name(mp->suite), kl + sl, mp->keysalt_len);
		for (j = 0; j < i; j++)
			if (p->media[j].port && p->media[j].keysalt_len &&
			    !(p->flow == SDP_XLATE_DTLS_ANSWER_TO_SDES &&
			      mp->key_shared && p->media[j].key_shared) &&
			    same_key(mp->keysalt, mp->keysalt_len, p->media[j].keysalt,
				     p->media[j].keysalt_len))
				return XERR(-EINVAL, 0,
					    "the same key is handed for m-lines %zu and %zu (two-time pad, draft 6.2)",
					    j + 1, i + 1);
	}
	return 0;
}

/* Flow 2: a handed-in key must differ from every key the SDES UA offered
 * (it sends with those; the answer key is for the other direction). */
static int check_against_offer(struct xl *x)
{
	const struct sdp_session *o = x->p->offer;
	size_t i, j, k, q;
	struct sdp_crypto c;

	for (i = 0; i < x->p->n_media; i++) {
		const struct sdp_xlate_mparams *mp = &x->p->media[i];

		if (!mp->port)
			continue;
		for (j = 0; j < o->n_media; j++) {
			size_t n = sdp_media_crypto_count(o->media[j]);

			for (k = 0; k < n; k++) {
				bool dup = false;

				if (sdp_media_crypto_get(o->media[j], k, &c))
					continue;
				for (q = 0; q < c.n_keys && c.suite != SDP_SUITE_UNKNOWN; q++)
					dup |= same_key(mp->keysalt, mp->keysalt_len,
							c.keys[q].keysalt, c.keys[q].keysalt_len);
				sdp_crypto_wipe(&c);
				if (dup)
					return XERR(-EINVAL, 0,
						    "m-line %zu: the key handed in equals a key of the offer (two-time pad, draft 6.2)",
						    i + 1);
			}
		}
	}
	return 0;
}

static void fill_info(const struct sdp_media *m, struct sdp_xlate_minfo *mi)
{
	struct sdp_rtcp rc;

	/* the report is not zeroed as a whole (its a=crypto arrays are
	 * large): everything but those arrays is set here */
	memset(mi, 0, offsetof(struct sdp_xlate_minfo, crypto));
	memset(&mi->dtls, 0, sizeof(mi->dtls));
	mi->port = m->port;
	mi->rtcp_mux = sdp_media_rtcp_mux(m);
	if (sdp_media_rtcp(m, &rc))
		mi->rtcp_port = rc.port;
	else if (mi->rtcp_mux)
		mi->rtcp_port = m->port;
	else
		mi->rtcp_port = m->port && m->port < 65535 ? (uint16_t)(m->port + 1) : 0;
	mi->has_conn = sdp_media_conn(m, &mi->conn);
	if (sdp_media_rtcp_dest(m, &mi->rtcp_conn, &mi->rtcp_port))
		memset(&mi->rtcp_conn, 0, sizeof(mi->rtcp_conn));
	mi->dir = sdp_media_dir(m);
	mi->crypto_pick = -1;
}

/* RTCP of an output m-line (sdp.h, sdp_xlate_mparams.rtcp_port): an offer
 * offers mux with a=rtcp as the fallback (RFC 5761 5.1.3, RFC 3605); an
 * answer muxes exactly when its offer did (RFC 5761 5.1.1). */
static int add_rtcp(struct sdp_media *om, const struct sdp_xlate_mparams *mp,
		    const struct sdp_media *offer)
{
	bool mux = !offer || sdp_media_rtcp_mux(offer);
	char v[8];
	int r;

	if (mux && (r = sdp_media_rtcp_mux_set(om, true)))
		return r;
	if (!mp->rtcp_port || (mux && offer))
		return 0;
	snprintf(v, sizeof(v), "%u", mp->rtcp_port);
	return sdp_media_attr_add(om, "rtcp", v);
}

static int add_crypto(struct sdp_media *om, uint32_t tag,
		      const struct sdp_xlate_mparams *mp)
{
	struct sdp_crypto c;
	int r;

	r = sdp_crypto_init(&c, tag, mp->suite, mp->keysalt, mp->keysalt_len);
	if (!r)
		r = sdp_media_crypto_add(om, &c);
	sdp_crypto_wipe(&c);
	return r;
}

/* The SBC's DTLS attributes for flow 1 (offer) and flow 4 (answer). */
static int add_dtls(struct xl *x, struct sdp_media *om,
		    const struct sdp_dtls_info *offer_info, enum sdp_proto dproto)
{
	const struct sdp_xlate_params *p = x->p;
	bool answer = p->flow == SDP_XLATE_SDES_ANSWER_TO_DTLS;
	enum sdp_setup setup = p->setup != SDP_SETUP_NONE ? p->setup
				: answer ? SDP_SETUP_ACTIVE : SDP_SETUP_ACTPASS;
	char v[128];
	size_t l;
	int r;

	if (!answer && (p->ktr_form == SDP_KTR_FORM_CAPNEG_REQUIRED ||
			p->ktr_form == SDP_KTR_FORM_CAPNEG_OPTIONAL))
		return sdp_media_capneg_dtls_add(om, dproto, p->fingerprint, setup,
						 p->ktr_form == SDP_KTR_FORM_CAPNEG_REQUIRED
							 ? SDP_KTR_REQUIRED : SDP_KTR_OPTIONAL);
	if ((r = sdp_media_fingerprint_add(om, p->fingerprint)) ||
	    (r = sdp_media_setup_set(om, setup)))
		return r;
	if (!answer) {
		if (p->ktr_form == SDP_KTR_FORM_ATTR)
			return sdp_media_ktr_set(om, true);
		return 0;
	}
	/* answer: echo KTR when offered and allowed; capneg acfg (RFC 5939
	 * 3.6.2) naming the offer's capabilities we used */
	if (offer_info->ktr != SDP_KTR_NONE && p->ktr_form != SDP_KTR_FORM_NONE &&
	    (r = sdp_media_ktr_set(om, true)))
		return r;
	if (!offer_info->via_capneg)
		return 0;
	l = (size_t)snprintf(v, sizeof(v), "%u t=%u", offer_info->cfg_num,
			     offer_info->tcap_num);
	if (offer_info->acap_fingerprint || offer_info->acap_setup ||
	    offer_info->acap_ktr) {
		const char *sep = " a=";

		if (offer_info->acap_fingerprint) {
			l += (size_t)snprintf(v + l, sizeof(v) - l, "%s%u", sep,
					      offer_info->acap_fingerprint);
			sep = ",";
		}
		if (offer_info->acap_setup) {
			l += (size_t)snprintf(v + l, sizeof(v) - l, "%s%u", sep,
					      offer_info->acap_setup);
			sep = ",";
		}
		if (offer_info->acap_ktr && p->ktr_form != SDP_KTR_FORM_NONE)
			snprintf(v + l, sizeof(v) - l, "%s%u", sep, offer_info->acap_ktr);
	}
	return sdp_media_attr_add(om, "acfg", v);
}

static int xlate_media(struct xl *x, size_t i)
{
	const struct sdp_xlate_params *p = x->p;
	const struct sdp_media *m = x->in->media[i];
	const struct sdp_media *om_offer = flow_answer(p->flow) ? p->offer->media[i] : NULL;
	const struct sdp_xlate_mparams *mp = &p->media[i];
	struct sdp_xlate_minfo *mi = &x->mi[i];
	enum sdp_proto ip = sdp_media_proto_kind(m), oproto;
	struct sdp_dtls_info offer_info = { 0 };
	const char *oname;
	bool accept;
	struct sdp_media *om;
	uint32_t tag = 1;
	size_t k;
	int r;

	fill_info(m, mi);
	accept = m->port && mp->port && (!om_offer || om_offer->port);
	switch (p->flow) {
	case SDP_XLATE_SDES_OFFER_TO_DTLS:
	case SDP_XLATE_SDES_ANSWER_TO_DTLS: {
		size_t n = sdp_media_crypto_count(m);

		mi->n_crypto = n;
		for (k = 0; k < n; k++)
			sdp_media_crypto_get(m, k, &mi->crypto[k]);
		for (k = 0; k < n && mi->crypto_pick < 0; k++)
			if (sdp_crypto_usable(&mi->crypto[k]))
				mi->crypto_pick = (int)k;
		if (p->flow == SDP_XLATE_SDES_ANSWER_TO_DTLS) {
			r = sdp_media_dtls_info(om_offer, &offer_info, x->err);
			if (r)
				return r;
			oproto = offer_info.proto;
		} else if (p->proto != SDP_PROTO_OTHER) {
			oproto = p->proto; /* the DTLS trunk's dtls_profile */
		} else {
			oproto = is_f(ip) ? SDP_PROTO_UDP_TLS_RTP_SAVPF
					  : SDP_PROTO_UDP_TLS_RTP_SAVP;
		}
		if (!is_sdes(ip) || (p->flow == SDP_XLATE_SDES_ANSWER_TO_DTLS &&
				     !offer_info.dtls)) {
			/* not an SDES m-line (or its offer was no DTLS one) */
			if (accept && p->flow == SDP_XLATE_SDES_ANSWER_TO_DTLS)
				return XERR(-EPROTO, m->line,
					    "m-line %zu: accepted without SDES or its offer without DTLS-SRTP",
					    i + 1);
			accept = false;
			oproto = SDP_PROTO_OTHER;
		}
		if (accept && mi->crypto_pick < 0)
			return sdp_media_crypto_pick(m, NULL, 0, NULL, x->err);
		break;
	}
	case SDP_XLATE_DTLS_OFFER_TO_SDES:
	case SDP_XLATE_DTLS_ANSWER_TO_SDES:
		r = sdp_media_dtls_info(m, &mi->dtls, x->err);
		if (r)
			return r;
		if (p->flow == SDP_XLATE_DTLS_ANSWER_TO_SDES) {
			oproto = sdp_media_proto_kind(om_offer);
			if (accept && !mi->dtls.dtls)
				return XERR(-EPROTO, m->line,
					    "m-line %zu: the answer accepted it without DTLS-SRTP",
					    i + 1);
			if (accept && !is_sdes(oproto))
				return XERR(-EPROTO, om_offer->line,
					    "m-line %zu: the offer was not an SDES one", i + 1);
		} else {
			/* the SDES trunk's sdes_profile, or the mirror */
			oproto = p->proto != SDP_PROTO_OTHER ? p->proto
				 : is_f(mi->dtls.proto) ? SDP_PROTO_RTP_SAVPF
							: SDP_PROTO_RTP_SAVP;
			if (!mi->dtls.dtls) {
				accept = false;
				oproto = SDP_PROTO_OTHER;
			}
		}
		if (accept && p->flow == SDP_XLATE_DTLS_ANSWER_TO_SDES) {
			struct sdp_crypto c;
			size_t n = sdp_media_crypto_count(om_offer);
			bool found = false;

			for (k = 0; k < n && !found; k++) {
				if (sdp_media_crypto_get(om_offer, k, &c))
					continue;
				if (c.suite == mp->suite) {
					found = true;
					tag = c.tag;
				}
				sdp_crypto_wipe(&c);
			}
			if (!found)
				return XERR(-EINVAL, om_offer->line,
					    "m-line %zu: the offer has no a=crypto with %s",
					    i + 1, sdp_suite_name(mp->suite));
		}
		break;
	default:
		return -EINVAL;
	}
	mi->rejected = !accept;
	if (accept && !flow_dtls_out(p->flow) && !mp->keysalt_len)
		return XERR(-EINVAL, m->line,
			    "m-line %zu: no key handed in (this module never invents one)", i + 1);
	if (p->flow == SDP_XLATE_SDES_OFFER_TO_DTLS && accept &&
	    (p->ktr_form == SDP_KTR_FORM_CAPNEG_REQUIRED ||
	     p->ktr_form == SDP_KTR_FORM_CAPNEG_OPTIONAL))
		oname = is_f(oproto) ? "RTP/AVPF" : "RTP/AVP"; /* Figures 13/14 */
	else if (p->flow == SDP_XLATE_DTLS_ANSWER_TO_SDES && om_offer)
		oname = om_offer->proto;
	else
		oname = oproto != SDP_PROTO_OTHER ? sdp_proto_name(oproto) : m->proto;
	r = sdp_media_new_internal(x->out, &om, m->type, strlen(m->type),
				   accept ? mp->port : 0, 0, oname, strlen(oname),
				   m->fmts, strlen(m->fmts), 0);
	if (r)
		return r;
	if (!accept)
		return 0;
	/* oproto: the output's profile (an answer's is its offer's) */
	if ((r = copy_attrs(&om->attrs, &m->attrs, is_f(oproto))))
		return r;
	if (sdp_media_dir_explicit(m) != SDP_DIR_NONE &&
	    (r = sdp_media_dir_set(om, sdp_media_dir(m))))
		return r;
	if ((r = add_rtcp(om, mp, om_offer)))
		return r;
	switch (p->flow) {
	case SDP_XLATE_SDES_OFFER_TO_DTLS:
	case SDP_XLATE_SDES_ANSWER_TO_DTLS:
		return add_dtls(x, om, &offer_info, oproto);
	case SDP_XLATE_DTLS_OFFER_TO_SDES:
		return add_crypto(om, 1, mp);
	default:
		return add_crypto(om, tag, mp);
	}
}

int sdp_xlate(struct sdp_session **outp, struct sdp_xlate_report **repp,
	      const struct sdp_session *in, const struct sdp_xlate_params *p,
	      struct sdp_error *err)
{
	struct xl x = { in, p, err, NULL, NULL };
	struct sdp_xlate_report *rep = NULL;
	const char *user;
	uint64_t id, ver;
	size_t i;
	int r;

	if (err)
		memset(err, 0, sizeof(*err));
	if (outp)
		*outp = NULL;
	if (repp)
		*repp = NULL;
	if (!outp || !in || !p)
		return sdp_err_set(err, -EINVAL, 0, 0, "bad arguments");
	if ((r = check_params(&x)))
		return r;
	if (p->flow == SDP_XLATE_DTLS_ANSWER_TO_SDES && (r = check_against_offer(&x)))
		return r;
	rep = calloc(1, sizeof(*rep));
	if (!rep || (in->n_media && !(rep->media = malloc(in->n_media * sizeof(*rep->media))))) {
		r = -ENOMEM;
		goto fail;
	}
	rep->n_media = in->n_media;
	x.mi = rep->media;
	for (i = 0; i < in->n_media; i++)
		rep->media[i].n_crypto = 0; /* for sdp_xlate_report_free on failure */
	user = p->origin_user ? p->origin_user : in->o_user;
	id = p->origin_user ? p->sess_id : in->sess_id;
	ver = p->origin_user ? p->sess_ver : in->sess_ver;
	r = sdp_session_alloc(&x.out, user, id, ver, p->relay_addr);
	if (r) {
		r = sdp_err_set(err, r, 0, 0, r == -EINVAL ? "bad origin user" : "out of memory");
		goto fail;
	}
	/* s=, and i u e p b t r z (never k=, RFC 8866 5.12) from the input */
	sdp_str_free(x.out->name);
	x.out->name = sdp_strndup(in->name, strlen(in->name));
	sdp_llist_free(&x.out->lines);
	r = x.out->name ? 0 : -ENOMEM;
	for (i = 0; !r && i < in->lines.n; i++)
		if (in->lines.v[i].type != 'k')
			r = sdp_llist_add(&x.out->lines, in->lines.v[i].type,
					  in->lines.v[i].text,
					  strlen(in->lines.v[i].text), 0);
	if (!r)
		r = copy_attrs(&x.out->attrs, &in->attrs, true); /* rtcp-fb: media only */
	if (r) {
		r = sdp_err_set(err, r, 0, 0, "out of memory");
		goto fail;
	}
	for (i = 0; i < in->n_media; i++) {
		r = xlate_media(&x, i);
		if (r) {
			if (err && !err->code)
				sdp_err_set(err, r, in->media[i]->line, 0,
					    "m-line %zu: cannot build it (%s)", i + 1,
					    r == -ENOMEM ? "out of memory" : "bad value");
			goto fail;
		}
	}
	*outp = x.out;
	if (repp)
		*repp = rep;
	else
		sdp_xlate_report_free(rep);
	return 0;
fail:
	sdp_session_free(x.out);
	sdp_xlate_report_free(rep);
	return r;
}

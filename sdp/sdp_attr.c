/*
 * sdp attributes other than a=crypto: a=fingerprint (RFC 8122 5),
 * a=setup (RFC 4145 4), a=dtls-srtp-ktr and a=dtls-srtp-ktr-server
 * (draft-wing-avt-dtls-srtp-key-transport-02 4.6), a=rtcp (RFC 3605 2.1),
 * direction (RFC 8866 6.7), m= protos; and the per-attribute validation
 * that sdp_parse and sdp_*_attr_add share (sdp_level_attr_add).
 *
 * Layer 2 (docs/layers.md): calls sdp_crypto.c, sdp_capattr.c (value
 * grammars) and layer 0 only.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/sec.h"
#include "sdp/sdp_priv.h"

#define AERR(code, col, ...) sdp_err_set(err, code, 0, (uint32_t)(col) + 1, __VA_ARGS__)

/* ---- names ---- */

const char *sdp_setup_name(enum sdp_setup s)
{
	switch (s) {
	case SDP_SETUP_ACTIVE: return "active";
	case SDP_SETUP_PASSIVE: return "passive";
	case SDP_SETUP_ACTPASS: return "actpass";
	case SDP_SETUP_HOLDCONN: return "holdconn";
	default: return "";
	}
}

int sdp_setup_parse(const char *v, size_t n, enum sdp_setup *out)
{
	enum sdp_setup s;

	for (s = SDP_SETUP_ACTIVE; s <= SDP_SETUP_HOLDCONN; s++) {
		const char *nm = sdp_setup_name(s);

		if (strlen(nm) == n && !memcmp(nm, v, n)) {
			if (out)
				*out = s;
			return 0;
		}
	}
	return -EBADMSG;
}

const char *sdp_dir_name(enum sdp_dir d)
{
	switch (d) {
	case SDP_DIR_SENDRECV: return "sendrecv";
	case SDP_DIR_SENDONLY: return "sendonly";
	case SDP_DIR_RECVONLY: return "recvonly";
	case SDP_DIR_INACTIVE: return "inactive";
	default: return "";
	}
}

enum sdp_dir sdp_dir_from_name(const char *name)
{
	if (name[0] != 's' && name[0] != 'r' && name[0] != 'i')
		return SDP_DIR_NONE;
	if (!strcmp(name, "sendrecv"))
		return SDP_DIR_SENDRECV;
	if (!strcmp(name, "sendonly"))
		return SDP_DIR_SENDONLY;
	if (!strcmp(name, "recvonly"))
		return SDP_DIR_RECVONLY;
	if (!strcmp(name, "inactive"))
		return SDP_DIR_INACTIVE;
	return SDP_DIR_NONE;
}

enum sdp_dir sdp_dir_answer(enum sdp_dir offered)
{
	switch (offered) {
	case SDP_DIR_SENDONLY: return SDP_DIR_RECVONLY;
	case SDP_DIR_RECVONLY: return SDP_DIR_SENDONLY;
	case SDP_DIR_INACTIVE: return SDP_DIR_INACTIVE;
	default: return SDP_DIR_SENDRECV;
	}
}

static const char *const proto_names[] = {
	[SDP_PROTO_RTP_AVP] = "RTP/AVP",
	[SDP_PROTO_RTP_AVPF] = "RTP/AVPF",
	[SDP_PROTO_RTP_SAVP] = "RTP/SAVP",
	[SDP_PROTO_RTP_SAVPF] = "RTP/SAVPF",
	[SDP_PROTO_UDP_TLS_RTP_SAVP] = "UDP/TLS/RTP/SAVP",
	[SDP_PROTO_UDP_TLS_RTP_SAVPF] = "UDP/TLS/RTP/SAVPF",
};

enum sdp_proto sdp_proto_parse(const char *tok, size_t len)
{
	size_t i;

	if (!tok)
		return SDP_PROTO_OTHER;
	/* RFC 8866 5.14: proto is case-sensitive in practice; compare exactly */
	for (i = 1; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (strlen(proto_names[i]) == len &&
		    !memcmp(proto_names[i], tok, len))
			return (enum sdp_proto)i;
	return SDP_PROTO_OTHER;
}

const char *sdp_proto_name(enum sdp_proto p)
{
	if (p <= SDP_PROTO_OTHER || p > SDP_PROTO_UDP_TLS_RTP_SAVPF)
		return NULL;
	return proto_names[p];
}

/* ---- a=fingerprint ---- */

static const struct {
	const char *name;
	uint8_t len;
} hashes[] = {
	{ "md2", 16 },	   { "md5", 16 },     { "sha-1", 20 },   { "sha-224", 28 },
	{ "sha-256", 32 }, { "sha-384", 48 }, { "sha-512", 64 },
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') /* RFC 8122 says UHEX; accept lower case */
		return c - 'a' + 10;
	return -1;
}

int sdp_fingerprint_parse(const char *v, size_t n, struct sdp_fingerprint *f,
			  struct sdp_error *err)
{
	size_t i = 0, hl, k, start;

	if (!v || !f)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	/* RFC 5763 section 5 and RFC 5939 write "fingerprint: SHA-1 ...":
	 * tolerate spaces before hash-func */
	while (i < n && v[i] == ' ')
		i++;
	start = i;
	while (i < n && v[i] != ' ')
		i++;
	hl = i - start;
	if (hl == 0)
		return AERR(-EBADMSG, start, "missing hash-func");
	if (hl + 1 > sizeof(f->hash))
		return AERR(-EMSGSIZE, start, "hash-func too long");
	for (k = 0; k < hl; k++) {
		if (!sdp_is_token_char((unsigned char)v[start + k]))
			return AERR(-EBADMSG, start + k, "bad hash-func");
		f->hash[k] = (char)tolower((unsigned char)v[start + k]);
	}
	if (i >= n || v[i] != ' ')
		return AERR(-EBADMSG, i, "missing fingerprint after hash-func");
	i++;
	start = i;
	for (;;) {
		int hi, lo;

		if (i + 2 > n || (hi = hexval(v[i])) < 0 ||
		    (lo = hexval(v[i + 1])) < 0)
			return AERR(-EBADMSG, i, "fingerprint needs 2 hex digits here");
		if (f->len >= SDP_FP_MAX)
			return AERR(-EMSGSIZE, i, "fingerprint longer than %u bytes", SDP_FP_MAX);
		f->bytes[f->len++] = (uint8_t)(hi << 4 | lo);
		i += 2;
		if (i == n)
			break;
		if (v[i] != ':')
			return AERR(-EBADMSG, i, "expected ':' in fingerprint");
		i++;
	}
	for (k = 0; k < sizeof(hashes) / sizeof(hashes[0]); k++)
		if (!strcmp(f->hash, hashes[k].name) && f->len != hashes[k].len)
			return AERR(-ERANGE, start, "%s fingerprint has %u bytes, needs %u",
				    f->hash, f->len, hashes[k].len);
	return 0;
}

int sdp_fingerprint_print(const struct sdp_fingerprint *f, char *buf,
			  size_t cap)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t o, i, hl;

	if (!f || !buf || !f->len || f->len > SDP_FP_MAX)
		return -EINVAL;
	hl = strnlen(f->hash, sizeof(f->hash));
	if (!hl || hl >= sizeof(f->hash))
		return -EINVAL;
	if (hl + 1 + (size_t)f->len * 3 > cap) /* incl NUL for the last */
		return -ENOSPC;
	memcpy(buf, f->hash, hl);
	o = hl;
	buf[o++] = ' ';
	for (i = 0; i < f->len; i++) {
		if (i)
			buf[o++] = ':';
		buf[o++] = hx[f->bytes[i] >> 4];
		buf[o++] = hx[f->bytes[i] & 15];
	}
	buf[o] = '\0';
	return (int)o;
}

/* ---- a=dtls-srtp-ktr-server and a=rtcp: port [SP nettype SP addrtype SP
 * addr] ---- */
static int port_addr_parse(const char *v, size_t n, uint16_t *port,
			   bool *has_addr, struct sdp_conn *c, bool port0_ok,
			   struct sdp_error *err)
{
	size_t i = 0;
	uint64_t p;
	int r;

	while (i < n && v[i] != ' ')
		i++;
	if (!i || i > 5 || sdp_parse_u64(v, i, &p))
		return AERR(-EBADMSG, 0, "bad port");
	if (p > 65535 || (!port0_ok && p == 0))
		return AERR(-ERANGE, 0, "port %llu out of range", (unsigned long long)p);
	*port = (uint16_t)p;
	*has_addr = false;
	memset(c, 0, sizeof(*c));
	if (i == n)
		return 0;
	if (i + 1 >= n)
		return AERR(-EBADMSG, i, "trailing space after port");
	r = sdp_conn_parse(v + i + 1, n - i - 1, c, err);
	if (r) {
		if (err)
			err->col += (uint32_t)i + 1;
		return r;
	}
	*has_addr = true;
	return 0;
}

int sdp_ktr_server_parse(const char *v, size_t n, struct sdp_ktr_server *k,
			 struct sdp_error *err)
{
	if (!v || !k)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	return port_addr_parse(v, n, &k->port, &k->has_addr, &k->conn, false,
			       err);
}

int sdp_rtcp_parse(const char *v, size_t n, struct sdp_rtcp *r,
		   struct sdp_error *err)
{
	if (!v || !r)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	return port_addr_parse(v, n, &r->port, &r->has_addr, &r->conn, false,
			       err);
}

/* ---- scope and validation ---- */

static const char *const media_only[] = {
	"rtpmap",    "fmtp",	      "ptime",		   "maxptime",
	"crypto",    "rtcp",	      "rtcp-mux",	   "rtcp-fb",
	"rtcp-rsize", "candidate",    "end-of-candidates", "remote-candidates",
	"mid",	     "ssrc",	      "ssrc-group",	   "pcfg",
	"acfg",	     "msid",	      "sctp-port",	   "max-message-size",
	"rid",	     "simulcast",     "framerate",	   "label",
};

static bool name_is(const char *name, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(name, lit, n);
}

enum sdp_attr_scope sdp_attr_scope(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(media_only) / sizeof(media_only[0]); i++)
		if (media_only[i][0] == name[0] && name_is(name, n, media_only[i]))
			return SDP_SCOPE_MEDIA_ONLY;
	return SDP_SCOPE_ANY;
}

static int no_value(const char *name, size_t nlen, bool has_value,
		    struct sdp_error *err)
{
	if (has_value)
		return AERR(-EBADMSG, 0, "a=%.*s takes no value", (int)nlen, name);
	return 0;
}

static int need_value(const char *name, size_t nlen, bool has_value,
		      size_t vlen, struct sdp_error *err)
{
	if (!has_value || !vlen)
		return AERR(-EBADMSG, 0, "a=%.*s needs a value", (int)nlen, name);
	return 0;
}

int sdp_attr_check(const char *name, size_t nlen, const char *value,
		   size_t vlen, bool has_value, struct sdp_error *err)
{
	int r;

	/* every typed name starts with one of these letters */
	if (!nlen || !strchr("cfsdrtpaei", name[0]))
		return 0;
	if (name_is(name, nlen, "crypto")) {
		struct sdp_crypto c;

		if ((r = need_value(name, nlen, has_value, vlen, err)))
			return r;
		r = sdp_crypto_parse(value, vlen, &c, err);
		sdp_crypto_wipe(&c);
		return r;
	}
	if (name_is(name, nlen, "fingerprint")) {
		struct sdp_fingerprint f;

		if ((r = need_value(name, nlen, has_value, vlen, err)))
			return r;
		return sdp_fingerprint_parse(value, vlen, &f, err);
	}
	if (name_is(name, nlen, "setup")) {
		if ((r = need_value(name, nlen, has_value, vlen, err)))
			return r;
		if (sdp_setup_parse(value, vlen, NULL))
			return AERR(-EBADMSG, 0,
				    "a=setup must be active, passive, actpass or holdconn");
		return 0;
	}
	if (name_is(name, nlen, "dtls-srtp-ktr") ||
	    name_is(name, nlen, "rtcp-mux") || name_is(name, nlen, "sendrecv") ||
	    name_is(name, nlen, "sendonly") || name_is(name, nlen, "recvonly") ||
	    name_is(name, nlen, "inactive"))
		return no_value(name, nlen, has_value, err);
	if (name_is(name, nlen, "dtls-srtp-ktr-server")) {
		struct sdp_ktr_server k;

		if ((r = need_value(name, nlen, has_value, vlen, err)))
			return r;
		return sdp_ktr_server_parse(value, vlen, &k, err);
	}
	if (name_is(name, nlen, "rtcp")) {
		struct sdp_rtcp rc;

		if ((r = need_value(name, nlen, has_value, vlen, err)))
			return r;
		return sdp_rtcp_parse(value, vlen, &rc, err);
	}
	if (name_is(name, nlen, "tcap")) {
		struct sdp_tcap t;

		if ((r = need_value(name, nlen, has_value, vlen, err)))
			return r;
		return sdp_tcap_parse(value, vlen, &t, err);
	}
	if (name_is(name, nlen, "pcfg") || name_is(name, nlen, "acfg")) {
		struct sdp_pcfg p;

		if ((r = need_value(name, nlen, has_value, vlen, err)))
			return r;
		return sdp_pcfg_parse(value, vlen, &p, err);
	}
	if (name_is(name, nlen, "acap")) {
		const char *an, *av;
		size_t anl, avl;
		bool ahv;
		uint32_t num;

		if ((r = need_value(name, nlen, has_value, vlen, err)))
			return r;
		r = sdp_acap_parse(value, vlen, &num, &an, &anl, &av, &avl,
				   &ahv, err);
		if (r)
			return r;
		if (name_is(an, anl, "acap") || name_is(an, anl, "tcap") ||
		    name_is(an, anl, "pcfg") || name_is(an, anl, "acfg"))
			return AERR(-EBADMSG, (size_t)(an - value),
				    "a capability cannot be a capneg attribute");
		r = sdp_attr_check(an, anl, av, avl, ahv, err);
		if (r && err)
			err->col += (uint32_t)(ahv ? av - value : an - value);
		return r;
	}
	return 0;
}

/* Leading 1*9DIGIT of an a=crypto value (its tag), or -1. */
static long crypto_tag(const char *v)
{
	long t = 0;
	int k;

	for (k = 0; k < 9 && v[k] >= '0' && v[k] <= '9'; k++)
		t = t * 10 + (v[k] - '0');
	return k ? t : -1;
}

int sdp_alist_check(const struct sdp_alist *l, bool media,
		    struct sdp_error *err)
{
	size_t i, j, n_crypto = 0, n_fp = 0, n_setup = 0, n_dir = 0,
		     n_srv = 0, n_rtcp = 0;

	for (i = 0; i < l->n; i++) {
		const struct sdp_attr_i *a = &l->v[i];

		if (!strcmp(a->name, "crypto")) {
			long t = crypto_tag(a->value);

			if (++n_crypto > SDP_MAX_CRYPTO)
				return sdp_err_set(err, -ENOBUFS, a->line, 1,
						   "more than %u a=crypto lines", SDP_MAX_CRYPTO);
			for (j = 0; j < i; j++)
				if (!strcmp(l->v[j].name, "crypto") &&
				    crypto_tag(l->v[j].value) == t)
					return sdp_err_set(err, -EBADMSG, a->line, 10,
							   "duplicate a=crypto tag %ld (RFC 4568 9.1: unique per m-line)",
							   t);
		} else if (!strcmp(a->name, "fingerprint")) {
			if (++n_fp > SDP_MAX_FINGERPRINTS)
				return sdp_err_set(err, -ENOBUFS, a->line, 1,
						   "more than %u a=fingerprint lines",
						   SDP_MAX_FINGERPRINTS);
		} else if (!strcmp(a->name, "setup")) {
			if (++n_setup > 1)
				return sdp_err_set(err, -EBADMSG, a->line, 1, "second a=setup");
		} else if (sdp_dir_from_name(a->name) != SDP_DIR_NONE) {
			if (++n_dir > 1)
				return sdp_err_set(err, -EBADMSG, a->line, 1,
						   "second direction attribute");
		} else if (!strcmp(a->name, "dtls-srtp-ktr-server")) {
			if (++n_srv > 1)
				return sdp_err_set(err, -EBADMSG, a->line, 1,
						   "second a=dtls-srtp-ktr-server");
		} else if (!strcmp(a->name, "rtcp")) {
			if (++n_rtcp > 1)
				return sdp_err_set(err, -EBADMSG, a->line, 1, "second a=rtcp");
		}
	}
	(void)media;
	return 0;
}

bool sdp_ktr_attr_present(const struct sdp_alist *l)
{
	return sdp_alist_find(l, "dtls-srtp-ktr") != NULL;
}

/* ---- validated append (sdp_session_attr_add, sdp_media_attr_add) ---- */

int sdp_level_attr_add(struct sdp_alist *l, bool media, const char *name,
		       const char *value)
{
	size_t nl, vl = value ? strlen(value) : 0, i;
	struct sdp_error e;
	int r;

	if (!name || !(nl = strlen(name)))
		return -EINVAL;
	for (i = 0; i < nl; i++)
		if (!sdp_is_token_char((unsigned char)name[i]))
			return -EINVAL;
	for (i = 0; i < vl; i++)
		if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
			return -EINVAL;
	if (vl > SDP_MAX_LINE || nl > SDP_MAX_LINE)
		return -EMSGSIZE;
	if (!media && sdp_attr_scope(name, nl) == SDP_SCOPE_MEDIA_ONLY)
		return -EINVAL;
	r = sdp_attr_check(name, nl, value, vl, value != NULL, &e);
	if (r)
		return r;
	r = sdp_alist_add(l, name, nl, value, vl, value != NULL, 0);
	if (r)
		return r;
	/* sdp_alist_check only counts these (and direction attributes) */
	if (strcmp(name, "crypto") && strcmp(name, "fingerprint") && strcmp(name, "setup") &&
	    strcmp(name, "rtcp") && strcmp(name, "dtls-srtp-ktr-server") &&
	    sdp_dir_from_name(name) == SDP_DIR_NONE)
		return 0;
	r = sdp_alist_check(l, media, &e);
	if (r) {
		l->n--;
		sdp_str_free(l->v[l->n].name);
		sdp_str_free(l->v[l->n].value);
		return r == -EBADMSG ? -EINVAL : r;
	}
	return 0;
}

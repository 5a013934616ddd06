/*
 * sdp_ice: the ICE attributes of RFC 8839 (sdp.h, "ICE"): a=candidate
 * parsed and printed (5.1), the priority formula of RFC 8445 5.1.2.1, the
 * credentials' grammar (5.4), and one m-line's ICE resolved over media and
 * session level (ice-ufrag, ice-pwd, ice-lite, ice-options,
 * end-of-candidates). Only the public sdp_media/sdp_session accessors are
 * used; the password is checked for its grammar and never copied.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sdp/sdp.h"
#include "sdp/sdp_priv.h"

/* RFC 8839 5.1: ice-char = ALPHA / DIGIT / "+" / "/". */
static bool ice_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

bool sdp_ice_chars_valid(const char *s, size_t len, size_t min, size_t max)
{
	if (!s || len < min || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!ice_char((unsigned char)s[i]))
			return false;
	}
	return true;
}

uint32_t sdp_ice_priority(unsigned type_pref, unsigned local_pref,
			  unsigned component)
{
	/* RFC 8445 5.1.2.1: (2^24)*(type preference) + (2^8)*(local
	 * preference) + (2^0)*(256 - component ID). */
	if (type_pref > 126 || local_pref > 65535 || component < 1 ||
	    component > 256)
		return 0;
	return ((uint32_t)type_pref << 24) + ((uint32_t)local_pref << 8) +
	       (256u - component);
}

/* The next SP-separated field of [*p, end): its start and length; false
 * when none is left. Exactly one SP between fields (RFC 8839 5.1). */
static bool field(const char **p, const char *end, const char **f, size_t *n,
		  bool *bad_sp)
{
	const char *s = *p, *e;

	if (s >= end)
		return false;
	e = memchr(s, ' ', (size_t)(end - s));
	if (!e)
		e = end;
	*f = s;
	*n = (size_t)(e - s);
	if (!*n)
		*bad_sp = true;
	*p = e < end ? e + 1 : end;
	if (e < end && e + 1 == end)
		*bad_sp = true; /* a trailing SP */
	return true;
}

static int cand_err(struct sdp_error *err, int code, const char *value,
		    const char *at, const char *what)
{
	return sdp_err_set(err, code, 0, (uint32_t)(at - value) + 1, "%s", what);
}

static int port_parse(const char *s, size_t n, uint16_t *port)
{
	uint64_t v;

	if (n > 5 || sdp_parse_u64(s, n, &v) || v > 65535)
		return -EBADMSG;
	*port = (uint16_t)v;
	return 0;
}

/* connection-address (RFC 8839 5.1: an IP literal or an FQDN): token
 * characters, at most SDP_ADDR_MAX - 1. */
static bool addr_ok(const char *s, size_t n)
{
	if (!n || n >= SDP_ADDR_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!sdp_is_token_char((unsigned char)s[i]) && s[i] != ':')
			return false;
	}
	return true;
}

int sdp_candidate_parse(const char *value, size_t len, struct sdp_candidate *c,
			struct sdp_error *err)
{
	const char *p = value, *end, *f = value;
	bool bad_sp = false;
	uint64_t v;
	size_t n;

	if (!value || !c)
		return -EINVAL;
	end = value + len;
	memset(c, 0, sizeof(*c));
	/* foundation = 1*32ice-char */
	if (!field(&p, end, &f, &n, &bad_sp) ||
	    !sdp_ice_chars_valid(f, n, 1, SDP_ICE_FOUNDATION_MAX))
		return cand_err(err, -EBADMSG, value, value,
				"candidate: foundation must be 1 to 32 ice-chars");
	memcpy(c->foundation, f, n);
	/* component-id = 1*3DIGIT; RFC 8445 5.1.2.1: 1..256 */
	if (!field(&p, end, &f, &n, &bad_sp) || n > 3 || sdp_parse_u64(f, n, &v) ||
	    v < 1 || v > 256)
		return cand_err(err, -EBADMSG, value, f,
				"candidate: component-id must be 1 to 256");
	c->component = (uint32_t)v;
	/* transport = "UDP" / transport-extension (a token) */
	if (!field(&p, end, &f, &n, &bad_sp) || !n || n >= SDP_TOKEN_MAX)
		return cand_err(err, -EBADMSG, value, f,
				"candidate: transport missing");
	for (size_t i = 0; i < n; i++) {
		if (!sdp_is_token_char((unsigned char)f[i]))
			return cand_err(err, -EBADMSG, value, f + i,
					"candidate: transport is not a token");
	}
	memcpy(c->transport, f, n);
	c->udp = n == 3 && strncasecmp(f, "UDP", 3) == 0;
	/* priority = 1*10DIGIT, a positive 32-bit value (RFC 8445 5.1.2) */
	if (!field(&p, end, &f, &n, &bad_sp) || n > 10 || sdp_parse_u64(f, n, &v) ||
	    v < 1 || v > 0xFFFFFFFFu)
		return cand_err(err, -EBADMSG, value, f,
				"candidate: priority must be 1 to 4294967295");
	c->priority = (uint32_t)v;
	if (!field(&p, end, &f, &n, &bad_sp) || !addr_ok(f, n))
		return cand_err(err, -EBADMSG, value, f,
				"candidate: connection-address missing or malformed");
	memcpy(c->addr, f, n);
	if (!field(&p, end, &f, &n, &bad_sp) || port_parse(f, n, &c->port))
		return cand_err(err, -EBADMSG, value, f,
				"candidate: port must be 0 to 65535");
	/* cand-type = "typ" SP candidate-types */
	if (!field(&p, end, &f, &n, &bad_sp) || n != 3 || memcmp(f, "typ", 3))
		return cand_err(err, -EBADMSG, value, f,
				"candidate: \"typ\" expected");
	if (!field(&p, end, &f, &n, &bad_sp) || !n || n >= SDP_TOKEN_MAX)
		return cand_err(err, -EBADMSG, value, end,
				"candidate: candidate type missing");
	for (size_t i = 0; i < n; i++) {
		if (!sdp_is_token_char((unsigned char)f[i]))
			return cand_err(err, -EBADMSG, value, f + i,
					"candidate: candidate type is not a token");
	}
	memcpy(c->type, f, n);
	/* [SP rel-addr] [SP rel-port] *(SP extension-att-name SP
	 * extension-att-value): names and values in pairs. */
	while (field(&p, end, &f, &n, &bad_sp)) {
		const char *name = f;
		size_t nn = n;

		if (!field(&p, end, &f, &n, &bad_sp))
			return cand_err(err, -EBADMSG, value, name,
					"candidate: an extension without its value");
		if (nn == 5 && !memcmp(name, "raddr", 5)) {
			if (!addr_ok(f, n))
				return cand_err(err, -EBADMSG, value, f,
						"candidate: raddr malformed");
			memcpy(c->raddr, f, n);
			c->has_raddr = true;
		} else if (nn == 5 && !memcmp(name, "rport", 5)) {
			if (port_parse(f, n, &c->rport))
				return cand_err(err, -EBADMSG, value, f,
						"candidate: rport must be 0 to 65535");
			c->has_rport = true;
		} else if (++c->n_ext > SDP_ICE_CAND_EXT_MAX) {
			return cand_err(err, -EMSGSIZE, value, name,
					"candidate: too many extensions");
		}
	}
	if (bad_sp)
		return cand_err(err, -EBADMSG, value, value,
				"candidate: fields must be separated by exactly one SP");
	return 0;
}

int sdp_candidate_print(const struct sdp_candidate *c, char *buf, size_t cap)
{
	int n;

	if (!c || !buf || !c->component || !c->priority || !c->foundation[0] ||
	    !c->transport[0] || !c->addr[0] || !c->type[0])
		return -EINVAL;
	n = snprintf(buf, cap, "%s %u %s %u %s %u typ %s", c->foundation,
		     c->component, c->transport, c->priority, c->addr, c->port,
		     c->type);
	if (n > 0 && (size_t)n < cap && c->has_raddr)
		n += snprintf(buf + n, cap - (size_t)n, " raddr %s", c->raddr);
	if (n > 0 && (size_t)n < cap && c->has_rport)
		n += snprintf(buf + n, cap - (size_t)n, " rport %u", c->rport);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

/* An attribute's value at media level, else session level (RFC 8839 5.4:
 * ice-ufrag/ice-pwd may be at either; media level wins). */
static bool level_value(const struct sdp_media *m, const char *name,
			const char **v, uint32_t *line)
{
	const struct sdp_session *s = sdp_media_session(m);
	struct sdp_attr a;

	for (size_t i = 0; i < sdp_media_attr_count(m); i++) {
		if (!sdp_media_attr_get(m, i, &a) && !strcmp(a.name, name)) {
			*v = a.value ? a.value : "";
			*line = a.line;
			return true;
		}
	}
	for (size_t i = 0; i < sdp_session_attr_count(s); i++) {
		if (!sdp_session_attr_get(s, i, &a) && !strcmp(a.name, name)) {
			*v = a.value ? a.value : "";
			*line = a.line;
			return true;
		}
	}
	return false;
}

int sdp_media_ice_info(const struct sdp_media *m, struct sdp_ice_info *info,
		       struct sdp_error *err)
{
	const char *uf = NULL, *pw = NULL, *opt = NULL;
	uint32_t uf_line = 0, pw_line = 0, line = 0;
	bool has_uf, has_pw;
	struct sdp_attr a;
	int rc;

	if (!m || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	has_uf = level_value(m, "ice-ufrag", &uf, &uf_line);
	has_pw = level_value(m, "ice-pwd", &pw, &pw_line);
	if (has_uf && !sdp_ice_chars_valid(uf, strlen(uf), SDP_ICE_UFRAG_MIN,
					   SDP_ICE_UFRAG_MAX))
		return sdp_err_set(err, -EBADMSG, uf_line, 0,
				   "ice-ufrag must be 4 to 256 ice-chars (RFC 8839 5.4)");
	/* The password's value is a credential: no part of it in err. */
	if (has_pw && !sdp_ice_chars_valid(pw, strlen(pw), SDP_ICE_PWD_MIN,
					   SDP_ICE_PWD_MAX))
		return sdp_err_set(err, -EBADMSG, pw_line, 0,
				   "ice-pwd must be 22 to 256 ice-chars (RFC 8839 5.4)");
	if (has_uf != has_pw)
		return sdp_err_set(err, -EPROTO, has_uf ? uf_line : pw_line, 0,
				   "%s without %s (RFC 8839 5.4: both or neither)",
				   has_uf ? "ice-ufrag" : "ice-pwd",
				   has_uf ? "ice-pwd" : "ice-ufrag");
	info->ice = has_uf;
	if (has_uf)
		memcpy(info->ufrag, uf, strlen(uf) + 1);
	info->lite = sdp_session_attr_find(sdp_media_session(m), "ice-lite", NULL);
	if (level_value(m, "ice-options", &opt, &line)) {
		/* ice-options = ice-option-tag *(SP ice-option-tag) */
		const char *p = opt, *end = opt + strlen(opt), *f = opt;
		bool bad_sp = false;
		size_t n;

		while (field(&p, end, &f, &n, &bad_sp)) {
			/* 1*ice-char (RFC 8839 5.6); tokens with "-" seen
			 * in the field are taken too */
			for (size_t i = 0; i < n; i++) {
				if (!sdp_is_token_char((unsigned char)f[i]))
					return sdp_err_set(err, -EBADMSG, line, 0,
							   "ice-options: malformed option tag");
			}
			info->trickle |= n == 7 && !memcmp(f, "trickle", 7);
			info->ice2 |= n == 4 && !memcmp(f, "ice2", 4);
		}
		if (bad_sp || !*opt)
			return sdp_err_set(err, -EBADMSG, line, 0,
					   "ice-options: malformed option list");
	}
	info->end_of_candidates =
		sdp_media_attr_find(m, "end-of-candidates", NULL) ||
		sdp_session_attr_find(sdp_media_session(m), "end-of-candidates", NULL);
	for (size_t i = 0; i < sdp_media_attr_count(m); i++) {
		struct sdp_candidate c;
		struct sdp_error ce;

		if (sdp_media_attr_get(m, i, &a) || strcmp(a.name, "candidate"))
			continue;
		if (!a.value)
			return sdp_err_set(err, -EBADMSG, a.line, 0,
					   "candidate: no value");
		rc = sdp_candidate_parse(a.value, strlen(a.value), &c, &ce);
		if (rc) {
			/* "a=candidate:" is 12 columns before the value */
			return sdp_err_set(err, rc, a.line, ce.col ? ce.col + 12 : 0,
					   "%s", ce.msg);
		}
		info->n_cand++;
		info->n_udp_rtp += c.udp && c.component == 1;
	}
	return 0;
}

int sdp_media_ice_add(struct sdp_media *m, const char *ufrag, const char *pwd,
		      const struct sdp_candidate *c, size_t n, bool end)
{
	char buf[SDP_ADDR_MAX * 2 + 128];
	int rc;

	if (!m || !ufrag || !pwd || (n && !c) ||
	    !sdp_ice_chars_valid(ufrag, strlen(ufrag), SDP_ICE_UFRAG_MIN,
				 SDP_ICE_UFRAG_MAX) ||
	    !sdp_ice_chars_valid(pwd, strlen(pwd), SDP_ICE_PWD_MIN, SDP_ICE_PWD_MAX))
		return -EINVAL;
	if ((rc = sdp_media_attr_add(m, "ice-ufrag", ufrag)) ||
	    (rc = sdp_media_attr_add(m, "ice-pwd", pwd)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		rc = sdp_candidate_print(&c[i], buf, sizeof(buf));
		if (rc < 0)
			return rc;
		if ((rc = sdp_media_attr_add(m, "candidate", buf)))
			return rc;
	}
	return end ? sdp_media_attr_add(m, "end-of-candidates", NULL) : 0;
}

int sdp_media_ice_del(struct sdp_media *m)
{
	static const char *const names[] = {
		"ice-ufrag", "ice-pwd", "ice-options", "candidate",
		"end-of-candidates", "remote-candidates", "ice-mismatch",
	};
	int n = 0;

	if (!m)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int rc = sdp_media_attr_del(m, names[i]);

		if (rc > 0)
			n += rc;
	}
	return n;
}

/*
 * sdp_parse: our own bounded line parser for RFC 8866 (see sdp.h for why
 * not Sofia-SIP's). One pass over the text; every line, attribute and
 * m-line is counted against the limits of sdp.h before it is stored; every
 * error carries the 1-based line and column.
 *
 * Layer 5 (docs/layers.md): builds a session through sdp_session.c and
 * sdp_media.c, validates with sdp_attr.c and sdp_capattr.c (RFC 5939
 * grammar and references only: what a configuration means is resolved
 * above, in sdp_capneg.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sdp/sdp_priv.h"

struct pstate {
	struct sdp_session *s;
	struct sdp_media *m; /* current m-line, NULL at session level */
	uint32_t line;
	int seen; /* 0: nothing, 1: v, 2: o, 3: s and later */
	bool seen_t;
	struct sdp_error *err;
};

#define PERR(code, col, ...) sdp_err_set(ps->err, code, ps->line, (uint32_t)(col), __VA_ARGS__)

static size_t skip_sp(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] == ' ')
		i++;
	return i;
}

static size_t tok_end(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] != ' ')
		i++;
	return i;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
static int parse_o(struct pstate *ps, const char *v, size_t n)
{
	size_t t[6], e[6], i = 0, k;
	static const char *what[6] = { "username", "sess-id", "sess-version",
				       "nettype", "addrtype", "unicast-address" };
	int r;

	for (k = 0; k < 6; k++) {
		i = skip_sp(v, n, i);
		if (i >= n)
			return PERR(-EBADMSG, 3 + i, "o= line: missing %s", what[k]);
		t[k] = i;
		i = e[k] = tok_end(v, n, i);
	}
	if (skip_sp(v, n, i) < n)
		return PERR(-EBADMSG, 3 + i, "o= line: unexpected text after the address");
	r = sdp_parse_u64(v + t[1], e[1] - t[1], &ps->s->sess_id);
	if (r)
		return PERR(r, 3 + t[1], "o= line: sess-id %s", r == -ERANGE ? "overflows 64 bits" : "must be digits");
	r = sdp_parse_u64(v + t[2], e[2] - t[2], &ps->s->sess_ver);
	if (r)
		return PERR(r, 3 + t[2], "o= line: sess-version %s",
			    r == -ERANGE ? "overflows 64 bits" : "must be digits");
	r = sdp_conn_parse(v + t[3], n - t[3], &ps->s->o_addr, ps->err);
	if (r) {
		sdp_err_at(ps->err, ps->line, 2 + (uint32_t)t[3]);
		return r;
	}
	ps->s->o_user = sdp_strndup(v, e[0]);
	return ps->s->o_user ? 0 : -ENOMEM;
}

/* t=<start-time> <stop-time> */
static int check_t(struct pstate *ps, const char *v, size_t n)
{
	size_t i = 0, k, s;
	uint64_t x;

	for (k = 0; k < 2; k++) {
		i = skip_sp(v, n, i);
		s = i;
		i = tok_end(v, n, i);
		if (i == s || sdp_parse_u64(v + s, i - s, &x))
			return PERR(-EBADMSG, 3 + s, "t= line: %s time must be digits",
				    k ? "stop" : "start");
	}
	if (skip_sp(v, n, i) < n)
		return PERR(-EBADMSG, 3 + i, "t= line: unexpected text");
	return 0;
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... */
static int parse_m(struct pstate *ps, const char *v, size_t n)
{
	size_t t[3], e[3], i = 0, k, slash;
	uint64_t port, np = 0;
	int r;
	static const char *what[3] = { "media", "port", "proto" };

	if (ps->s->n_media >= SDP_MAX_MEDIA)
		return PERR(-ENOBUFS, 1, "more than %u m= lines", SDP_MAX_MEDIA);
	for (k = 0; k < 3; k++) {
		i = skip_sp(v, n, i);
		if (i >= n)
			return PERR(-EBADMSG, 3 + i, "m= line: missing %s", what[k]);
		t[k] = i;
		i = e[k] = tok_end(v, n, i);
	}
	for (k = t[0]; k < e[0]; k++)
		if (!sdp_is_token_char((unsigned char)v[k]))
			return PERR(-EBADMSG, 3 + k, "m= line: bad media type");
	for (k = t[2]; k < e[2]; k++)
		if (!sdp_is_token_char((unsigned char)v[k]) && v[k] != '/')
			return PERR(-EBADMSG, 3 + k, "m= line: bad proto");
	if (e[0] - t[0] >= SDP_TOKEN_MAX || e[2] - t[2] >= SDP_TOKEN_MAX)
		return PERR(-EMSGSIZE, 3 + t[0], "m= line: token too long");
	slash = t[1];
	while (slash < e[1] && v[slash] != '/')
		slash++;
	if (slash - t[1] > 5 || sdp_parse_u64(v + t[1], slash - t[1], &port))
		return PERR(-EBADMSG, 3 + t[1], "m= line: bad port");
	if (port > 65535)
		return PERR(-ERANGE, 3 + t[1], "m= line: port over 65535");
	if (slash < e[1]) {
		if (e[1] - slash - 1 > 5 ||
		    sdp_parse_u64(v + slash + 1, e[1] - slash - 1, &np))
			return PERR(-EBADMSG, 3 + slash + 1, "m= line: bad number of ports");
		if (np < 1 || np > 65535)
			return PERR(-ERANGE, 3 + slash + 1, "m= line: number of ports out of range");
	}
	i = skip_sp(v, n, i);
	if (i >= n)
		return PERR(-EBADMSG, 3 + i, "m= line: missing fmt list");
	for (k = i; k < n; k++)
		if (v[k] != ' ' && (unsigned char)v[k] <= ' ')
			return PERR(-EBADMSG, 3 + k, "m= line: bad fmt");
	r = sdp_media_new_internal(ps->s, &ps->m, v + t[0], e[0] - t[0],
				   (uint16_t)port, (uint16_t)np, v + t[2],
				   e[2] - t[2], v + i, n - i, ps->line);
	if (r == -ENOBUFS)
		return PERR(r, 3 + i, "m= line: more than %u formats", SDP_MAX_FMTS);
	return r;
}

static int parse_a(struct pstate *ps, const char *v, size_t n)
{
	size_t nl = 0;
	const char *val = NULL;
	size_t vl = 0;
	bool hv = false;
	struct sdp_alist *l = ps->m ? &ps->m->attrs : &ps->s->attrs;
	int r;

	while (nl < n && v[nl] != ':') {
		if (!sdp_is_token_char((unsigned char)v[nl]))
			return PERR(-EBADMSG, 3 + nl, "bad character in attribute name");
		nl++;
	}
	if (!nl)
		return PERR(-EBADMSG, 3, "empty attribute name");
	if (nl < n) {
		hv = true;
		val = v + nl + 1;
		vl = n - nl - 1;
	}
	if (!ps->m && sdp_attr_scope(v, nl) == SDP_SCOPE_MEDIA_ONLY)
		return PERR(-EBADMSG, 3,
			    "a=%.*s is a media-level attribute but appears before any m= line",
			    (int)nl, v);
	r = sdp_attr_check(v, nl, val, vl, hv, ps->err);
	if (r) {
		sdp_err_at(ps->err, ps->line, (uint32_t)(hv ? 2 + nl + 1 : 2 + nl));
		return r;
	}
	if (l->n >= SDP_MAX_ATTRS)
		return PERR(-ENOBUFS, 1, "more than %u attributes at one level", SDP_MAX_ATTRS);
	return sdp_alist_add(l, v, nl, val, vl, hv, ps->line);
}

static int level_done(struct pstate *ps)
{
	const struct sdp_alist *l = ps->m ? &ps->m->attrs : &ps->s->attrs;

	return sdp_alist_check(l, ps->m != NULL, ps->err);
}

static int parse_line(struct pstate *ps, const char *s, size_t n)
{
	char type;
	const char *v;
	size_t vn;
	int r;

	if (n < 2 || s[1] != '=')
		return PERR(-EBADMSG, n < 2 ? n + 1 : 2, "expected <type>=<value>");
	type = s[0];
	v = s + 2;
	vn = n - 2;
	if (ps->seen < 3) {
		static const char order[] = "vos";

		if (type != order[ps->seen])
			return PERR(-EBADMSG, 1, "expected %c= line (RFC 8866 5: v=, o=, s= come first)",
				    order[ps->seen]);
		ps->seen++;
		if (type == 'v') {
			if (vn != 1 || v[0] != '0')
				return PERR(-EBADMSG, 3, "v= must be 0");
			return 0;
		}
		if (type == 'o')
			return parse_o(ps, v, vn);
		ps->s->name = sdp_strndup(v, vn);
		return ps->s->name ? 0 : -ENOMEM;
	}
	switch (type) {
	case 'v':
	case 'o':
	case 's':
		return PERR(-EBADMSG, 1, "second %c= line", type);
	case 'a':
		return parse_a(ps, v, vn);
	case 'm':
		if (!ps->seen_t)
			return PERR(-EBADMSG, 1, "m= line before any t= line");
		if ((r = level_done(ps)))
			return r;
		return parse_m(ps, v, vn);
	case 'c': {
		bool *has = ps->m ? &ps->m->has_conn : &ps->s->has_conn;
		struct sdp_conn *c = ps->m ? &ps->m->conn : &ps->s->conn;

		if (*has)
			return PERR(-EBADMSG, 1, "second c= line at this level");
		r = sdp_conn_parse(v, vn, c, ps->err);
		if (r) {
			sdp_err_at(ps->err, ps->line, 2);
			return r;
		}
		*has = true;
		return 0;
	}
	case 't':
		if (ps->m)
			return PERR(-EBADMSG, 1, "t= line inside a media description");
		if ((r = check_t(ps, v, vn)))
			return r;
		ps->seen_t = true;
		break;
	case 'b':
		if (!memchr(v, ':', vn) || v[0] == ':')
			return PERR(-EBADMSG, 3, "b= line needs <bwtype>:<bandwidth>");
		break;
	case 'i':
	case 'k':
		break;
	case 'u':
	case 'e':
	case 'p':
	case 'r':
	case 'z':
		if (ps->m)
			return PERR(-EBADMSG, 1, "%c= line inside a media description", type);
		if ((type == 'r' || type == 'z') && !ps->seen_t)
			return PERR(-EBADMSG, 1, "%c= line before t=", type);
		break;
	default:
		return PERR(-EBADMSG, 1, "unknown line type '%c' (RFC 8866 5)",
			    (unsigned char)type >= 0x21 && (unsigned char)type < 0x7f ? type : '?');
	}
	r = sdp_llist_add(ps->m ? &ps->m->lines : &ps->s->lines, type, v, vn,
			  ps->line);
	if (r == -ENOBUFS)
		return PERR(r, 1, "more than %u lines of this kind at one level", SDP_MAX_LINES);
	return r;
}

/* RFC 8866 5.7: "A session description MUST contain either at least one
 * c= field in each media description or a single c= field at the session
 * level." Without one a peer's media has nowhere to go, and the SBC could
 * only fail later with a vaguer cause, so the parser refuses it here, naming
 * the m-line. A rejected m-line (port 0, RFC 3264 6) is let through: it
 * carries no media, and answers that reject a stream often omit its c=. */
static int media_conn_check(const struct sdp_media *m, struct sdp_error *err)
{
	if (!m->port || sdp_media_conn(m, NULL))
		return 0;
	return sdp_err_set(err, -EBADMSG, m->line, 0,
			   "m-line %zu (%s) has no connection address: no c= in it or at session level (RFC 8866 5.7)",
			   m->idx + 1, m->type);
}

int sdp_parse(struct sdp_session **sp, const char *text, size_t len,
	      struct sdp_error *err)
{
	struct pstate st = { 0 };
	struct pstate *ps = &st;
	size_t pos = 0, i;
	int style = 0; /* 1 CRLF, 2 LF */
	int r = 0;

	if (err)
		memset(err, 0, sizeof(*err));
	if (!sp || (!text && len))
		return sdp_err_set(err, -EINVAL, 0, 0, "bad arguments");
	*sp = NULL;
	if (len > SDP_MAX_SIZE)
		return sdp_err_set(err, -EMSGSIZE, 0, 0,
				   "SDP of %zu bytes is over the %u-byte limit", len,
				   SDP_MAX_SIZE);
	if (len == 0)
		return sdp_err_set(err, -ENODATA, 0, 0, "empty SDP");
	st.err = err;
	st.s = calloc(1, sizeof(*st.s));
	if (!st.s)
		return sdp_err_set(err, -ENOMEM, 0, 0, "out of memory");
	while (pos < len) {
		size_t end, ll;
		int ls = 0;

		st.line++;
		for (end = pos; end < len; end++) {
			char c = text[end];

			if (c == '\0') {
				r = sdp_err_set(err, -EBADMSG, st.line,
						(uint32_t)(end - pos) + 1, "NUL byte");
				goto fail;
			}
			if (c == '\r' || c == '\n')
				break;
			if (end - pos >= SDP_MAX_LINE) {
				r = sdp_err_set(err, -EMSGSIZE, st.line, SDP_MAX_LINE + 1,
						"line longer than %u bytes", SDP_MAX_LINE);
				goto fail;
			}
		}
		ll = end - pos;
		if (end < len && text[end] == '\r') {
			if (end + 1 >= len || text[end + 1] != '\n') {
				r = sdp_err_set(err, -EBADMSG, st.line, (uint32_t)ll + 1,
						"CR not followed by LF");
				goto fail;
			}
			ls = 1;
		} else if (end < len) {
			ls = 2;
		}
		if (ls && style && ls != style) {
			r = sdp_err_set(err, -EBADMSG, st.line, (uint32_t)ll + 1,
					"mixed line endings: this line ends with %s, earlier ones with %s",
					ls == 1 ? "CRLF" : "LF", style == 1 ? "CRLF" : "LF");
			goto fail;
		}
		if (ls && !style)
			style = ls;
		if (ll == 0) {
			/* blank lines are only tolerated at the very end */
			for (i = end; i < len; i++)
				if (text[i] != '\r' && text[i] != '\n')
					break;
			if (i == len)
				break;
			r = sdp_err_set(err, -EBADMSG, st.line, 1, "empty line");
			goto fail;
		}
		r = parse_line(ps, text + pos, ll);
		if (r)
			goto fail;
		pos = end + (ls == 1 ? 2 : ls == 2 ? 1 : 0);
	}
	st.line++;
	if (st.seen < 3) {
		r = sdp_err_set(err, -ENODATA, st.line, 0, "truncated: missing %c= line",
				"vos"[st.seen]);
		goto fail;
	}
	if (!st.seen_t) {
		r = sdp_err_set(err, -EBADMSG, st.line, 0, "missing t= line");
		goto fail;
	}
	/* the last level (the session's when there is no m=) */
	if ((r = level_done(ps)))
		goto fail;
	for (i = 0; i < st.s->n_media; i++)
		if ((r = sdp_cap_refs_check(&st.s->media[i]->attrs,
						&st.s->attrs, i == 0, err)) ||
		    (r = media_conn_check(st.s->media[i], err)))
			goto fail;
	*sp = st.s;
	return 0;
fail:
	if (r == -ENOMEM && err)
		sdp_err_set(err, -ENOMEM, st.line, 0, "out of memory");
	sdp_session_free(st.s);
	return r;
}

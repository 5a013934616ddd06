/*
 * sdp m-lines: accessors and builders, with media-level values falling back
 * to the session level where RFC 8866 / RFC 8122 / RFC 4145 / the draft's
 * 4.6 say they do (c=, direction, fingerprint, setup, dtls-srtp-ktr[-server]);
 * their construction, attributes and freeing.
 *
 * Layer 3 (docs/layers.md): calls sdp_attr.c and the layers below. The
 * session owns its m-lines and calls down into this file; the fallbacks
 * read the owning session's record (m->sess) and never call sdp_session.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sec.h"
#include "sdp/sdp_priv.h"

/* ---- construction (the session owns its m-lines: sdp_session_free and
 * sdp_session_dup call down into these) ---- */

static size_t skip_sp(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] == ' ')
		i++;
	return i;
}

static int media_set_fmts(struct sdp_media *m, const char *f, size_t n)
{
	size_t i, k = 0, cnt = 0;
	char *buf, **arr;

	/* normalise to single spaces */
	buf = malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n;) {
		i = skip_sp(f, n, i);
		if (i >= n)
			break;
		if (k)
			buf[k++] = ' ';
		while (i < n && f[i] != ' ')
			buf[k++] = f[i++];
		cnt++;
	}
	buf[k] = '\0';
	if (cnt == 0 || cnt > SDP_MAX_FMTS) {
		free(buf);
		return cnt ? -ENOBUFS : -EBADMSG;
	}
	arr = calloc(cnt, sizeof(*arr));
	m->fmtbuf = sdp_strndup(buf, k);
	if (!arr || !m->fmtbuf) {
		free(arr);
		free(buf);
		sdp_str_free(m->fmtbuf);
		m->fmtbuf = NULL;
		return -ENOMEM;
	}
	sdp_str_free(m->fmts);
	m->fmts = buf;
	free(m->fmt);
	m->fmt = arr;
	m->n_fmts = cnt;
	/* split fmtbuf in place */
	k = 0;
	arr[k++] = m->fmtbuf;
	for (i = 0; m->fmtbuf[i]; i++)
		if (m->fmtbuf[i] == ' ') {
			m->fmtbuf[i] = '\0';
			arr[k++] = m->fmtbuf + i + 1;
		}
	return 0;
}

int sdp_media_new_internal(struct sdp_session *s, struct sdp_media **mp,
			   const char *type, size_t tl, uint16_t port,
			   uint16_t nports, const char *proto, size_t pl,
			   const char *fmts, size_t fl, uint32_t line)
{
	struct sdp_media *m;
	int r;

	if (s->n_media >= SDP_MAX_MEDIA)
		return -ENOBUFS;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->sess = s;
	m->idx = s->n_media;
	m->line = line;
	m->port = port;
	m->nports = nports;
	m->type = sdp_strndup(type, tl);
	m->proto = sdp_strndup(proto, pl);
	if (!m->type || !m->proto) {
		r = -ENOMEM;
		goto fail;
	}
	r = media_set_fmts(m, fmts, fl);
	if (r)
		goto fail;
	s->media[s->n_media++] = m;
	if (mp)
		*mp = m;
	return 0;
fail:
	sdp_str_free(m->type);
	sdp_str_free(m->proto);
	free(m);
	return r;
}

void sdp_media_free_internal(struct sdp_media *m)
{
	if (!m)
		return;
	sdp_str_free(m->type);
	sdp_str_free(m->proto);
	sdp_str_free(m->fmts);
	free(m->fmtbuf); /* split by NULs; holds no secrets */
	free(m->fmt);
	sdp_llist_free(&m->lines);
	sdp_alist_free(&m->attrs);
	sec_wipe(m, sizeof(*m));
	free(m);
}

/* ---- public builders and accessors ---- */

int sdp_media_add(struct sdp_session *s, struct sdp_media **mp,
		  const char *type, uint16_t port, const char *proto,
		  const char *fmts)
{
	size_t i, tl, pl, fl;

	if (mp)
		*mp = NULL;
	if (!s || !type || !proto || !fmts)
		return -EINVAL;
	tl = strlen(type);
	pl = strlen(proto);
	fl = strlen(fmts);
	if (!tl || !pl || !fl || tl >= SDP_TOKEN_MAX || pl >= SDP_TOKEN_MAX ||
	    fl > SDP_MAX_LINE)
		return -EINVAL;
	for (i = 0; i < tl; i++)
		if (!sdp_is_token_char((unsigned char)type[i]))
			return -EINVAL;
	for (i = 0; i < pl; i++)
		if (!sdp_is_token_char((unsigned char)proto[i]) && proto[i] != '/')
			return -EINVAL;
	for (i = 0; i < fl; i++)
		if (fmts[i] != ' ' && (unsigned char)fmts[i] <= ' ')
			return -EINVAL;
	return sdp_media_new_internal(s, mp, type, tl, port, 0, proto, pl, fmts,
				      fl, 0);
}

const char *sdp_media_type(const struct sdp_media *m)
{
	return m->type;
}

uint16_t sdp_media_port(const struct sdp_media *m)
{
	return m->port;
}

uint16_t sdp_media_port_count(const struct sdp_media *m)
{
	return m->nports ? m->nports : 1;
}

const char *sdp_media_proto(const struct sdp_media *m)
{
	return m->proto;
}

enum sdp_proto sdp_media_proto_kind(const struct sdp_media *m)
{
	return sdp_proto_parse(m->proto, strlen(m->proto));
}

const char *sdp_media_fmts(const struct sdp_media *m)
{
	return m->fmts;
}

size_t sdp_media_fmt_count(const struct sdp_media *m)
{
	return m->n_fmts;
}

const char *sdp_media_fmt(const struct sdp_media *m, size_t i)
{
	return i < m->n_fmts ? m->fmt[i] : NULL;
}

size_t sdp_media_index(const struct sdp_media *m)
{
	return m->idx;
}

const struct sdp_session *sdp_media_session(const struct sdp_media *m)
{
	return m->sess;
}

int sdp_media_port_set(struct sdp_media *m, uint16_t port)
{
	m->port = port;
	if (port == 0)
		m->nports = 0;
	return 0;
}

int sdp_media_fmts_set(struct sdp_media *m, const char *fmts)
{
	char *old;
	size_t i, fl;
	int err;

	if (!m || !fmts || !(fl = strlen(fmts)) || fl > SDP_MAX_LINE)
		return -EINVAL;
	for (i = 0; i < fl; i++)
		if (fmts[i] != ' ' && (unsigned char)fmts[i] <= ' ')
			return -EINVAL;
	/* media_set_fmts replaces fmts and fmt; the old split copy is ours */
	old = m->fmtbuf;
	m->fmtbuf = NULL;
	err = media_set_fmts(m, fmts, fl);
	if (err)
		m->fmtbuf = old;
	else
		free(old);
	return err == -EBADMSG ? -EINVAL : err;
}

int sdp_media_proto_set(struct sdp_media *m, const char *proto)
{
	size_t i, pl;
	char *p;

	if (!proto || !(pl = strlen(proto)) || pl >= SDP_TOKEN_MAX)
		return -EINVAL;
	for (i = 0; i < pl; i++)
		if (!sdp_is_token_char((unsigned char)proto[i]) && proto[i] != '/')
			return -EINVAL;
	p = sdp_strndup(proto, pl);
	if (!p)
		return -ENOMEM;
	sdp_str_free(m->proto);
	m->proto = p;
	return 0;
}

bool sdp_media_conn(const struct sdp_media *m, struct sdp_conn *c)
{
	if (m->has_conn) {
		if (c)
			*c = m->conn;
		return true;
	}
	/* RFC 8866 5.7: else the session's c=. Read from the owning session's
	 * record: media never calls up into sdp_session.c. */
	if (!m->sess->has_conn)
		return false;
	if (c)
		*c = m->sess->conn;
	return true;
}

bool sdp_media_conn_own(const struct sdp_media *m)
{
	return m->has_conn;
}

int sdp_media_conn_set(struct sdp_media *m, const char *addr)
{
	struct sdp_conn c;

	if (!addr) {
		m->has_conn = false;
		memset(&m->conn, 0, sizeof(m->conn));
		return 0;
	}
	if (sdp_conn_from_addr(&c, addr))
		return -EINVAL;
	m->conn = c;
	m->has_conn = true;
	return 0;
}

static enum sdp_dir list_dir(const struct sdp_alist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		enum sdp_dir d = sdp_dir_from_name(l->v[i].name);

		if (d != SDP_DIR_NONE)
			return d;
	}
	return SDP_DIR_NONE;
}

enum sdp_dir sdp_media_dir(const struct sdp_media *m)
{
	enum sdp_dir d = list_dir(&m->attrs);

	if (d == SDP_DIR_NONE)
		d = list_dir(&m->sess->attrs);
	return d == SDP_DIR_NONE ? SDP_DIR_SENDRECV : d;
}

/* Direction explicitly written at media or session level (NONE if not). */
enum sdp_dir sdp_media_dir_explicit(const struct sdp_media *m)
{
	enum sdp_dir d = list_dir(&m->attrs);

	return d == SDP_DIR_NONE ? list_dir(&m->sess->attrs) : d;
}

int sdp_media_dir_set(struct sdp_media *m, enum sdp_dir d)
{
	enum sdp_dir x;

	if (d < SDP_DIR_NONE || d > SDP_DIR_INACTIVE)
		return -EINVAL;
	for (x = SDP_DIR_SENDRECV; x <= SDP_DIR_INACTIVE; x++)
		sdp_alist_del(&m->attrs, sdp_dir_name(x));
	if (d == SDP_DIR_NONE)
		return 0;
	return sdp_media_attr_add(m, sdp_dir_name(d), NULL);
}

bool sdp_media_rtcp_mux(const struct sdp_media *m)
{
	return sdp_alist_find(&m->attrs, "rtcp-mux") != NULL;
}

int sdp_media_rtcp_mux_set(struct sdp_media *m, bool on)
{
	sdp_alist_del(&m->attrs, "rtcp-mux");
	return on ? sdp_media_attr_add(m, "rtcp-mux", NULL) : 0;
}

bool sdp_media_rtcp(const struct sdp_media *m, struct sdp_rtcp *r)
{
	const struct sdp_attr_i *a = sdp_alist_find(&m->attrs, "rtcp");
	struct sdp_rtcp tmp;

	if (!a)
		return false;
	if (sdp_rtcp_parse(a->value, strlen(a->value), r ? r : &tmp, NULL))
		return false; /* validated at parse/add time */
	return true;
}

int sdp_media_rtcp_dest(const struct sdp_media *m, struct sdp_conn *c,
			uint16_t *port)
{
	struct sdp_rtcp rc;

	if (!m || !c || !port)
		return -EINVAL;
	if (!m->port || sdp_media_rtcp_mux(m))
		return -ENOENT;
	if (sdp_media_rtcp(m, &rc)) {
		*port = rc.port;
		if (rc.has_addr) {
			*c = rc.conn;
			return 0;
		}
	} else if (m->port == UINT16_MAX) {
		return -EINVAL;
	} else {
		*port = (uint16_t)(m->port + 1);
	}
	return sdp_media_conn(m, c) ? 0 : -EINVAL;
}

/* i-th attribute named name in l, or NULL. */
static const struct sdp_attr_i *nth(const struct sdp_alist *l,
				    const char *name, size_t i)
{
	size_t k;

	for (k = 0; k < l->n; k++)
		if (!strcmp(l->v[k].name, name) && i-- == 0)
			return &l->v[k];
	return NULL;
}

static size_t count(const struct sdp_alist *l, const char *name)
{
	size_t k, c = 0;

	for (k = 0; k < l->n; k++)
		c += !strcmp(l->v[k].name, name);
	return c;
}

size_t sdp_media_crypto_count(const struct sdp_media *m)
{
	return count(&m->attrs, "crypto");
}

int sdp_media_crypto_get(const struct sdp_media *m, size_t i,
			 struct sdp_crypto *c)
{
	const struct sdp_attr_i *a = nth(&m->attrs, "crypto", i);

	if (!a || !c)
		return -ERANGE;
	return sdp_crypto_parse(a->value, strlen(a->value), c, NULL);
}

/* Session parameters and key forms ktrsbc can honour (see sdp.h). */
bool sdp_crypto_usable(const struct sdp_crypto *c)
{
	return sdp_suite_supported(c->suite) && c->n_keys == 1 &&
	       !c->keys[0].has_mki && !c->has_kdr && !c->unencrypted_srtp &&
	       !c->unencrypted_srtcp && !c->unauthenticated_srtp &&
	       c->fec_order == SDP_FEC_NONE && !c->n_fec_keys && !c->ext[0];
}

int sdp_media_crypto_pick(const struct sdp_media *m,
			  const enum sdp_suite *accept, size_t n,
			  struct sdp_crypto *c, struct sdp_error *err)
{
	size_t i, k, total = sdp_media_crypto_count(m);
	struct sdp_crypto t;

	for (i = 0; i < total; i++) {
		bool ok = accept == NULL;

		if (sdp_media_crypto_get(m, i, &t))
			continue;
		for (k = 0; accept && k < n; k++)
			ok |= accept[k] == t.suite;
		if (ok && sdp_crypto_usable(&t)) {
			if (c)
				*c = t;
			sdp_crypto_wipe(&t);
			return (int)i;
		}
		sdp_crypto_wipe(&t);
	}
	return sdp_err_set(err, -ENOTSUP, m->line, 0,
			   total ? "m-line %zu: no acceptable a=crypto (suites unknown, declined or with unsupported parameters)"
				 : "m-line %zu: no a=crypto",
			   m->idx + 1);
}

int sdp_media_crypto_add(struct sdp_media *m, const struct sdp_crypto *c)
{
	char buf[1024];
	int r;

	r = sdp_crypto_print(c, buf, sizeof(buf));
	if (r < 0)
		return r == -ENOSPC ? -EINVAL : r;
	r = sdp_media_attr_add(m, "crypto", buf);
	sec_wipe(buf, sizeof(buf));
	return r;
}

/* Effective list for a name: media level if it has any, else session. */
static const struct sdp_alist *eff(const struct sdp_media *m, const char *name)
{
	return sdp_alist_find(&m->attrs, name) ? &m->attrs : &m->sess->attrs;
}

size_t sdp_media_fingerprint_count(const struct sdp_media *m)
{
	return count(eff(m, "fingerprint"), "fingerprint");
}

int sdp_media_fingerprint_get(const struct sdp_media *m, size_t i,
			      struct sdp_fingerprint *f)
{
	const struct sdp_attr_i *a = nth(eff(m, "fingerprint"), "fingerprint", i);

	if (!a || !f)
		return -ERANGE;
	return sdp_fingerprint_parse(a->value, strlen(a->value), f, NULL);
}

int sdp_media_fingerprint_add(struct sdp_media *m,
			      const struct sdp_fingerprint *f)
{
	char buf[SDP_HASH_NAME_MAX + 3 * SDP_FP_MAX + 8];
	int r = sdp_fingerprint_print(f, buf, sizeof(buf));

	if (r < 0)
		return -EINVAL;
	return sdp_media_attr_add(m, "fingerprint", buf);
}

enum sdp_setup sdp_media_setup(const struct sdp_media *m)
{
	const struct sdp_attr_i *a = sdp_alist_find(eff(m, "setup"), "setup");
	enum sdp_setup s = SDP_SETUP_NONE;

	if (a)
		sdp_setup_parse(a->value, strlen(a->value), &s);
	return s;
}

int sdp_media_setup_set(struct sdp_media *m, enum sdp_setup s)
{
	if (s < SDP_SETUP_NONE || s > SDP_SETUP_HOLDCONN)
		return -EINVAL;
	sdp_alist_del(&m->attrs, "setup");
	if (s == SDP_SETUP_NONE)
		return 0;
	return sdp_media_attr_add(m, "setup", sdp_setup_name(s));
}

enum sdp_level sdp_media_ktr(const struct sdp_media *m)
{
	if (sdp_ktr_attr_present(&m->attrs))
		return SDP_LEVEL_MEDIA;
	if (sdp_ktr_attr_present(&m->sess->attrs))
		return SDP_LEVEL_SESSION;
	return SDP_LEVEL_NONE;
}

int sdp_media_ktr_set(struct sdp_media *m, bool on)
{
	sdp_alist_del(&m->attrs, "dtls-srtp-ktr");
	return on ? sdp_media_attr_add(m, "dtls-srtp-ktr", NULL) : 0;
}

bool sdp_media_ktr_server(const struct sdp_media *m, struct sdp_ktr_server *k)
{
	const struct sdp_attr_i *a =
		sdp_alist_find(eff(m, "dtls-srtp-ktr-server"), "dtls-srtp-ktr-server");
	struct sdp_ktr_server t;

	if (!a || sdp_ktr_server_parse(a->value, strlen(a->value), &t, NULL))
		return false;
	/* draft 4.6: without nettype, the address is the associated c= one */
	if (!t.has_addr)
		sdp_media_conn(m, &t.conn);
	if (k)
		*k = t;
	return true;
}

/* ---- media-level attributes ---- */

size_t sdp_media_attr_count(const struct sdp_media *m)
{
	return m->attrs.n;
}

int sdp_media_attr_get(const struct sdp_media *m, size_t i, struct sdp_attr *a)
{
	return sdp_alist_get(&m->attrs, i, a);
}

bool sdp_media_attr_find(const struct sdp_media *m, const char *name,
			 const char **valuep)
{
	return sdp_alist_value(&m->attrs, name, valuep);
}

int sdp_media_attr_add(struct sdp_media *m, const char *name,
		       const char *value)
{
	return sdp_level_attr_add(&m->attrs, true, name, value);
}

int sdp_media_attr_del(struct sdp_media *m, const char *name)
{
	return sdp_alist_del(&m->attrs, name);
}

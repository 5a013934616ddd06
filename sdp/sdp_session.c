/*
 * sdp sessions: construction, copy, free (wiping every string), session-
 * level accessors and attributes, and printing (RFC 8866 5 line order).
 *
 * Layer 4 (docs/layers.md): calls sdp_media.c (the m-lines it owns),
 * sdp_attr.c and layer 0.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sec.h"
#include "sdp/sdp_priv.h"

void sdp_session_free(struct sdp_session *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_media; i++)
		sdp_media_free_internal(s->media[i]);
	sdp_str_free(s->o_user);
	sdp_str_free(s->name);
	sdp_llist_free(&s->lines);
	sdp_alist_free(&s->attrs);
	sec_wipe(s, sizeof(*s));
	free(s);
}

int sdp_session_alloc(struct sdp_session **sp, const char *user,
		      uint64_t sess_id, uint64_t sess_ver, const char *addr)
{
	struct sdp_session *s;
	struct sdp_conn c;
	size_t i;

	if (!sp)
		return -EINVAL;
	*sp = NULL;
	if (sdp_conn_from_addr(&c, addr))
		return -EINVAL;
	if (!user)
		user = "-";
	if (!*user)
		return -EINVAL;
	for (i = 0; user[i]; i++)
		if ((unsigned char)user[i] <= ' ' || user[i] == 0x7f)
			return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->o_user = sdp_strndup(user, strlen(user));
	s->name = sdp_strndup("-", 1);
	s->sess_id = sess_id;
	s->sess_ver = sess_ver;
	s->o_addr = c;
	s->conn = c;
	s->has_conn = true;
	if (!s->o_user || !s->name || sdp_llist_add(&s->lines, 't', "0 0", 3, 0)) {
		sdp_session_free(s);
		return -ENOMEM;
	}
	*sp = s;
	return 0;
}

int sdp_session_dup(struct sdp_session **dp, const struct sdp_session *s)
{
	struct sdp_session *d;
	size_t i;

	if (!dp || !s)
		return -EINVAL;
	*dp = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->o_user = sdp_strndup(s->o_user, strlen(s->o_user));
	d->name = sdp_strndup(s->name, strlen(s->name));
	d->sess_id = s->sess_id;
	d->sess_ver = s->sess_ver;
	d->o_addr = s->o_addr;
	d->has_conn = s->has_conn;
	d->conn = s->conn;
	if (!d->o_user || !d->name || sdp_llist_dup(&d->lines, &s->lines) ||
	    sdp_alist_dup(&d->attrs, &s->attrs))
		goto fail;
	for (i = 0; i < s->n_media; i++) {
		const struct sdp_media *m = s->media[i];
		struct sdp_media *n;

		if (sdp_media_new_internal(d, &n, m->type, strlen(m->type),
					   m->port, m->nports, m->proto,
					   strlen(m->proto), m->fmts,
					   strlen(m->fmts), m->line))
			goto fail;
		n->has_conn = m->has_conn;
		n->conn = m->conn;
		if (sdp_llist_dup(&n->lines, &m->lines) ||
		    sdp_alist_dup(&n->attrs, &m->attrs))
			goto fail;
	}
	*dp = d;
	return 0;
fail:
	sdp_session_free(d);
	return -ENOMEM;
}

/* ---- printing ---- */

struct pr {
	char *buf;
	size_t cap, len;
};

static void pr_add(struct pr *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void pr_add(struct pr *p, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(p->buf && p->len < p->cap ? p->buf + p->len : NULL,
		      p->buf && p->len < p->cap ? p->cap - p->len : 0, fmt, ap);
	va_end(ap);
	if (w > 0)
		p->len += (size_t)w;
}

static void pr_conn(struct pr *p, const struct sdp_conn *c)
{
	pr_add(p, "c=%s %s %s\r\n", c->nettype, c->addrtype, c->addr);
}

static void pr_lines(struct pr *p, const struct sdp_llist *l, const char *types)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strchr(types, l->v[i].type))
			pr_add(p, "%c=%s\r\n", l->v[i].type, l->v[i].text);
}

static void pr_attrs(struct pr *p, const struct sdp_alist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].value)
			pr_add(p, "a=%s:%s\r\n", l->v[i].name, l->v[i].value);
		else
			pr_add(p, "a=%s\r\n", l->v[i].name);
	}
}

static void pr_session(struct pr *p, const struct sdp_session *s)
{
	size_t i;

	pr_add(p, "v=0\r\n");
	pr_add(p, "o=%s %llu %llu %s %s %s\r\n", s->o_user,
	       (unsigned long long)s->sess_id, (unsigned long long)s->sess_ver,
	       s->o_addr.nettype, s->o_addr.addrtype, s->o_addr.addr);
	pr_add(p, "s=%s\r\n", s->name);
	pr_lines(p, &s->lines, "iuep");
	if (s->has_conn)
		pr_conn(p, &s->conn);
	pr_lines(p, &s->lines, "btrzk");
	pr_attrs(p, &s->attrs);
	for (i = 0; i < s->n_media; i++) {
		const struct sdp_media *m = s->media[i];

		if (m->nports)
			pr_add(p, "m=%s %u/%u %s %s\r\n", m->type, m->port,
			       m->nports, m->proto, m->fmts);
		else
			pr_add(p, "m=%s %u %s %s\r\n", m->type, m->port,
			       m->proto, m->fmts);
		pr_lines(p, &m->lines, "i");
		if (m->has_conn)
			pr_conn(p, &m->conn);
		pr_lines(p, &m->lines, "bk");
		pr_attrs(p, &m->attrs);
	}
}

int sdp_session_print(const struct sdp_session *s, char *buf, size_t cap)
{
	struct pr p = { buf, cap, 0 };

	if (!s || !buf || !cap)
		return -EINVAL;
	pr_session(&p, s);
	if (p.len >= cap) {
		sec_wipe(buf, cap);
		buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)p.len;
}

int sdp_session_print_alloc(const struct sdp_session *s, char **outp)
{
	struct pr p = { NULL, 0, 0 };
	char *b;
	int r;

	if (!s || !outp)
		return -EINVAL;
	*outp = NULL;
	pr_session(&p, s);
	if (p.len >= (size_t)INT32_MAX)
		return -EMSGSIZE;
	b = malloc(p.len + 1);
	if (!b)
		return -ENOMEM;
	r = sdp_session_print(s, b, p.len + 1);
	if (r < 0) {
		free(b);
		return r;
	}
	*outp = b;
	return r;
}

/* ---- session accessors ---- */

void sdp_session_origin(const struct sdp_session *s, struct sdp_origin *o)
{
	o->user = s->o_user;
	o->sess_id = s->sess_id;
	o->sess_ver = s->sess_ver;
	o->nettype = s->o_addr.nettype;
	o->addrtype = s->o_addr.addrtype;
	o->addr = s->o_addr.addr;
}

int sdp_session_origin_set(struct sdp_session *s, const char *user,
			   uint64_t sess_id, uint64_t sess_ver,
			   const char *addr)
{
	struct sdp_conn c = s->o_addr;
	char *u = NULL;
	size_t i;

	if (addr && sdp_conn_from_addr(&c, addr))
		return -EINVAL;
	if (user) {
		if (!*user)
			return -EINVAL;
		for (i = 0; user[i]; i++)
			if ((unsigned char)user[i] <= ' ' || user[i] == 0x7f)
				return -EINVAL;
		u = sdp_strndup(user, strlen(user));
		if (!u)
			return -ENOMEM;
		sdp_str_free(s->o_user);
		s->o_user = u;
	}
	s->o_addr = c;
	s->sess_id = sess_id;
	s->sess_ver = sess_ver;
	return 0;
}

int sdp_session_version_bump(struct sdp_session *s)
{
	if (s->sess_ver == UINT64_MAX)
		return -ERANGE;
	s->sess_ver++;
	return 0;
}

bool sdp_session_conn(const struct sdp_session *s, struct sdp_conn *c)
{
	if (!s->has_conn)
		return false;
	if (c)
		*c = s->conn;
	return true;
}

int sdp_session_conn_set(struct sdp_session *s, const char *addr)
{
	struct sdp_conn c;

	if (!addr) {
		s->has_conn = false;
		memset(&s->conn, 0, sizeof(s->conn));
		return 0;
	}
	if (sdp_conn_from_addr(&c, addr))
		return -EINVAL;
	s->conn = c;
	s->has_conn = true;
	return 0;
}

const char *sdp_session_name(const struct sdp_session *s)
{
	return s->name;
}

size_t sdp_session_media_count(const struct sdp_session *s)
{
	return s ? s->n_media : 0;
}

struct sdp_media *sdp_session_media(const struct sdp_session *s, size_t i)
{
	return s && i < s->n_media ? s->media[i] : NULL;
}

/* ---- session-level attributes ---- */

size_t sdp_session_attr_count(const struct sdp_session *s)
{
	return s->attrs.n;
}

int sdp_session_attr_get(const struct sdp_session *s, size_t i,
			 struct sdp_attr *a)
{
	return sdp_alist_get(&s->attrs, i, a);
}

bool sdp_session_attr_find(const struct sdp_session *s, const char *name,
			   const char **valuep)
{
	return sdp_alist_value(&s->attrs, name, valuep);
}

int sdp_session_attr_add(struct sdp_session *s, const char *name,
			 const char *value)
{
	return sdp_level_attr_add(&s->attrs, false, name, value);
}

int sdp_session_attr_del(struct sdp_session *s, const char *name)
{
	return sdp_alist_del(&s->attrs, name);
}

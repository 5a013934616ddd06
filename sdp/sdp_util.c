/*
 * sdp utilities: error reporting, owned strings (wiped on free), decimal
 * numbers, c= lines, and the attribute/line lists every level keeps.
 *
 * Layer 0 (docs/layers.md): calls no other sdp/ file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sec.h"
#include "sdp/sdp_priv.h"

int sdp_err_set(struct sdp_error *e, int code, uint32_t line, uint32_t col,
		const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->code = code;
		e->line = line;
		e->col = col;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

void sdp_err_at(struct sdp_error *e, uint32_t line, uint32_t base)
{
	if (!e)
		return;
	e->line = line;
	e->col = e->col ? e->col + base : base + 1;
}

int sdp_error_format(const struct sdp_error *e, const char *file, char *buf,
		     size_t cap)
{
	const char *f = file ? file : "<sdp>";

	if (!e)
		return snprintf(buf, cap, "%s: no error", f);
	if (e->line && e->col)
		return snprintf(buf, cap, "%s:%u:%u: %s", f, e->line, e->col,
				e->msg);
	if (e->line)
		return snprintf(buf, cap, "%s:%u: %s", f, e->line, e->msg);
	return snprintf(buf, cap, "%s: %s", f, e->msg);
}

char *sdp_strndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void sdp_str_free(char *s)
{
	if (!s)
		return;
	sec_wipe(s, strlen(s));
	free(s);
}

bool sdp_is_token_char(unsigned char c)
{
	/* RFC 8866 9: token-char = ALPHA / DIGIT / "!" "#" "$" "%" "&" "'"
	 * "*" "+" "-" "." "^" "_" "`" "{" "|" "}" "~" */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`{|}~", c) != NULL;
}

bool sdp_is_digits(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int sdp_parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!sdp_is_digits(s, n))
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (x > (UINT64_MAX - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

int sdp_copy_str(char *dst, size_t cap, const char *s, size_t n)
{
	if (n + 1 > cap)
		return -EMSGSIZE;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* Next space-separated token of s[*off..n): sets t and tl, skips one or more
 * SP before it. 0 or -ENODATA when none is left. */
static int next_tok(const char *s, size_t n, size_t *off, size_t *t,
		    size_t *tl)
{
	size_t i = *off;

	while (i < n && s[i] == ' ')
		i++;
	if (i >= n)
		return -ENODATA;
	*t = i;
	while (i < n && s[i] != ' ')
		i++;
	*tl = i - *t;
	*off = i;
	return 0;
}

static bool is_token(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!sdp_is_token_char((unsigned char)s[i]))
			return false;
	return true;
}

int sdp_conn_parse(const char *s, size_t n, struct sdp_conn *c,
		   struct sdp_error *err)
{
	size_t off = 0, t[3], tl[3], k, x, xl;
	static const char *what[3] = { "nettype", "addrtype",
				       "connection-address" };

	memset(c, 0, sizeof(*c));
	for (k = 0; k < 3; k++) {
		if (next_tok(s, n, &off, &t[k], &tl[k]))
			return sdp_err_set(err, -EBADMSG, 0, (uint32_t)off + 1,
					   "missing %s", what[k]);
		if (k < 2 && !is_token(s + t[k], tl[k]))
			return sdp_err_set(err, -EBADMSG, 0,
					   (uint32_t)t[k] + 1, "bad %s",
					   what[k]);
	}
	if (!next_tok(s, n, &off, &x, &xl))
		return sdp_err_set(err, -EBADMSG, 0, (uint32_t)x + 1,
				   "unexpected text after connection-address");
	for (k = 0; k < tl[2]; k++) {
		unsigned char ch = (unsigned char)s[t[2] + k];

		if (ch <= ' ' || ch >= 0x7f)
			return sdp_err_set(err, -EBADMSG, 0,
					   (uint32_t)(t[2] + k) + 1,
					   "bad character in address");
	}
	if (sdp_copy_str(c->nettype, sizeof(c->nettype), s + t[0], tl[0]) ||
	    sdp_copy_str(c->addrtype, sizeof(c->addrtype), s + t[1], tl[1]) ||
	    sdp_copy_str(c->addr, sizeof(c->addr), s + t[2], tl[2]))
		return sdp_err_set(err, -EMSGSIZE, 0, 1,
				   "connection field too long");
	return 0;
}

int sdp_conn_from_addr(struct sdp_conn *c, const char *addr)
{
	unsigned char b[16];
	size_t n;

	if (!c || !addr)
		return -EINVAL;
	n = strlen(addr);
	if (n + 1 > sizeof(c->addr))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, addr, b) == 1)
		strcpy(c->addrtype, "IP4");
	else if (inet_pton(AF_INET6, addr, b) == 1)
		strcpy(c->addrtype, "IP6");
	else
		return -EINVAL;
	strcpy(c->nettype, "IN");
	memcpy(c->addr, addr, n + 1);
	return 0;
}

/* ---- lists ---- */

static int grow(void **v, size_t *cap, size_t n, size_t elem, size_t max)
{
	size_t nc;
	void *nv;

	if (n < *cap)
		return 0;
	if (n >= max)
		return -ENOBUFS;
	nc = *cap ? *cap * 2 : 8;
	if (nc > max)
		nc = max;
	nv = realloc(*v, nc * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

int sdp_alist_add(struct sdp_alist *l, const char *name, size_t nlen,
		  const char *value, size_t vlen, bool has_value,
		  uint32_t line)
{
	struct sdp_attr_i a;
	int r = grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v),
		     SDP_MAX_ATTRS);

	if (r)
		return r;
	a.name = sdp_strndup(name, nlen);
	a.value = has_value ? sdp_strndup(value, vlen) : NULL;
	a.line = line;
	if (!a.name || (has_value && !a.value)) {
		sdp_str_free(a.name);
		sdp_str_free(a.value);
		return -ENOMEM;
	}
	l->v[l->n++] = a;
	return 0;
}

void sdp_alist_free(struct sdp_alist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		sdp_str_free(l->v[i].name);
		sdp_str_free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int sdp_alist_del(struct sdp_alist *l, const char *name)
{
	size_t i, j = 0;
	int cnt = 0;

	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].name, name)) {
			sdp_str_free(l->v[i].name);
			sdp_str_free(l->v[i].value);
			cnt++;
			continue;
		}
		l->v[j++] = l->v[i];
	}
	l->n = j;
	return cnt;
}

const struct sdp_attr_i *sdp_alist_find(const struct sdp_alist *l,
					const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

int sdp_alist_get(const struct sdp_alist *l, size_t i, struct sdp_attr *a)
{
	if (i >= l->n)
		return -ERANGE;
	a->name = l->v[i].name;
	a->value = l->v[i].value;
	a->line = l->v[i].line;
	return 0;
}

bool sdp_alist_value(const struct sdp_alist *l, const char *name,
		     const char **valuep)
{
	const struct sdp_attr_i *a = sdp_alist_find(l, name);

	if (!a)
		return false;
	if (valuep)
		*valuep = a->value ? a->value : "";
	return true;
}

int sdp_alist_dup(struct sdp_alist *d, const struct sdp_alist *s)
{
	size_t i;
	int r;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < s->n; i++) {
		const struct sdp_attr_i *a = &s->v[i];

		r = sdp_alist_add(d, a->name, strlen(a->name), a->value,
				  a->value ? strlen(a->value) : 0,
				  a->value != NULL, a->line);
		if (r) {
			sdp_alist_free(d);
			return r;
		}
	}
	return 0;
}

int sdp_llist_add(struct sdp_llist *l, char type, const char *text, size_t n,
		  uint32_t line)
{
	int r = grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v),
		     SDP_MAX_LINES);

	if (r)
		return r;
	l->v[l->n].text = sdp_strndup(text, n);
	if (!l->v[l->n].text)
		return -ENOMEM;
	l->v[l->n].type = type;
	l->v[l->n].line = line;
	l->n++;
	return 0;
}

void sdp_llist_free(struct sdp_llist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		sdp_str_free(l->v[i].text);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int sdp_llist_dup(struct sdp_llist *d, const struct sdp_llist *s)
{
	size_t i;
	int r;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < s->n; i++) {
		r = sdp_llist_add(d, s->v[i].type, s->v[i].text,
				  strlen(s->v[i].text), s->v[i].line);
		if (r) {
			sdp_llist_free(d);
			return r;
		}
	}
	return 0;
}

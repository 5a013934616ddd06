/* conf: the configuration file scanner and error messages shared by
 * ktrsbc.conf and the trunk files (see conf.h). */
#include "conf/conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf_int.h"

void conf_errf(char *err, size_t errlen, const char *name, unsigned lineno,
	       const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || errlen == 0)
		return;
	if (lineno)
		n = snprintf(err, errlen, "%s:%u: ", name, lineno);
	else
		n = snprintf(err, errlen, "%s: ", name);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ---- scanner ------------------------------------------------------------ */

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_key_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
}

/*
 * Check one raw line (without its '\n') for bytes a text file must not
 * hold: NUL and other control characters except tab. A '\r' is allowed
 * only as the last byte (a "\r\n" line end).
 */
static int line_check_bytes(const char *name, unsigned lineno, const char *p,
			    size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\0') {
			conf_errf(err, errlen, name, lineno, "NUL byte in line");
			return -EBADMSG;
		}
		if (ch == '\r' && i + 1 == n)
			continue;
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			conf_errf(err, errlen, name, lineno,
				  "control character 0x%02x in line", ch);
			return -EBADMSG;
		}
	}
	return 0;
}

/* Strip a comment: '#' at the start or after a blank. */
static void line_strip_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == '#' && (p == s || is_blank(p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

/* Trim blanks on both ends in place; returns the new start. */
static char *trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Scan one line held NUL-terminated in buf (modified in place). */
static int line_scan(const char *name, unsigned lineno, char *buf,
		     conf_line_h *h, void *arg, char *err, size_t errlen)
{
	const char *vals[CONF_VALUES_MAX];
	struct conf_line l;
	char *s, *eq, *key, *v;
	size_t n_vals = 0;

	line_strip_comment(buf);
	s = trim(buf);
	if (*s == '\0')
		return 0;
	eq = strchr(s, '=');
	if (!eq) {
		conf_errf(err, errlen, name, lineno,
			  "missing '=' (expected \"key = value\")");
		return -EBADMSG;
	}
	*eq = '\0';
	key = trim(s);
	if (*key == '\0') {
		conf_errf(err, errlen, name, lineno, "empty key before '='");
		return -EBADMSG;
	}
	for (const char *k = key; *k; k++) {
		if (!is_key_char(*k)) {
			conf_errf(err, errlen, name, lineno,
				  "bad key '%.*s': use letters, digits, '_', '.', '-'",
				  CONF_ECHO_MAX, key);
			return -EBADMSG;
		}
	}
	v = eq + 1;
	for (;;) {
		while (is_blank(*v))
			v++;
		if (*v == '\0')
			break;
		if (n_vals == CONF_VALUES_MAX) {
			conf_errf(err, errlen, name, lineno,
				  "%s: more than %d values", key,
				  CONF_VALUES_MAX);
			return -EMSGSIZE;
		}
		vals[n_vals++] = v;
		while (*v && !is_blank(*v))
			v++;
		if (*v)
			*v++ = '\0';
	}
	l = (struct conf_line){ .name = name, .lineno = lineno, .key = key,
				.vals = vals, .n_vals = n_vals };
	return h(arg, &l, err, errlen);
}

int conf_scan(const char *name, const char *text, size_t len, conf_line_h *h,
	      void *arg, char *err, size_t errlen)
{
	char buf[CONF_LINE_MAX + 2];	/* line, optional '\r', NUL */
	unsigned lineno = 0;
	size_t off = 0;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!name || !h || (!text && len)) {
		conf_errf(err, errlen, name ? name : "(conf)", 0,
			  "bad arguments");
		return -EINVAL;
	}
	if (len > CONF_FILE_MAX) {
		conf_errf(err, errlen, name, 0, "larger than %d bytes",
			  CONF_FILE_MAX);
		return -EMSGSIZE;
	}
	while (off < len) {
		const char *p = text + off;
		const char *nl = memchr(p, '\n', len - off);
		size_t n = nl ? (size_t)(nl - p) : len - off;
		size_t body = n;

		lineno++;
		off += n + (nl ? 1 : 0);
		r = line_check_bytes(name, lineno, p, n, err, errlen);
		if (r < 0)
			return r;
		if (body > 0 && p[body - 1] == '\r')
			body--;
		if (body > CONF_LINE_MAX) {
			conf_errf(err, errlen, name, lineno,
				  "line longer than %d bytes", CONF_LINE_MAX);
			return -EMSGSIZE;
		}
		memcpy(buf, p, body);
		buf[body] = '\0';
		r = line_scan(name, lineno, buf, h, arg, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

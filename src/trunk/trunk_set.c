/* trunk: loading a directory of trunk files into a reference-counted set,
 * cross-file checks, accessors (see trunk.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "trunk/trunk_int.h"

static void set_destroy(struct trunk_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		trunk_destroy(s->trunks[i]);
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mcx);
	pcre2_jit_stack_free(s->jit);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct trunk_set *trunk_set_ref(struct trunk_set *s)
{
	if (s)
		atomic_fetch_add(&s->refs, 1);
	return s;
}

void trunk_set_unref(struct trunk_set *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		set_destroy(s);
}

void trunk_set_free(struct trunk_set *s)
{
	trunk_set_unref(s);
}

/* Cross-file checks: unique names, route targets known and on the other
 * side. Resolves the route targets. */
static int set_check(struct trunk_set *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->n; i++) {
		struct trunk *t = s->trunks[i];

		for (size_t j = 0; j < i; j++) {
			if (strcmp(s->trunks[j]->name, t->name) == 0) {
				conf_errf(err, errlen, t->file, t->name_line,
					  "name: trunk '%s' is already defined in %s",
					  t->name, s->trunks[j]->file);
				return -EINVAL;
			}
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		struct trunk *t = s->trunks[i];

		for (size_t k = 0; k < t->n_routes; k++) {
			struct trunk_route *rt = &t->routes[k];
			const struct trunk *to =
				trunk_set_find(s, rt->target_name);

			if (!to) {
				conf_errf(err, errlen, t->file, rt->re.line,
					  "route: unknown trunk '%s'",
					  rt->target_name);
				return -EINVAL;
			}
			if (to->side == t->side) {
				conf_errf(err, errlen, t->file, rt->re.line,
					  "route: trunk '%s' is on side %s like this one (routes go sdes <-> dtls)",
					  to->name, trunk_side_str(to->side));
				return -EINVAL;
			}
			rt->target = to;
		}
	}
	return 0;
}

static uint32_t ncap_max(const struct trunk *t)
{
	uint32_t m = t->match_ruri.ncap;

	if (t->match_from.ncap > m)
		m = t->match_from.ncap;
	if (t->match_source.ncap > m)
		m = t->match_source.ncap;
	for (size_t i = 0; i < t->n_routes; i++) {
		if (t->routes[i].re.ncap > m)
			m = t->routes[i].re.ncap;
	}
	return m;
}

/* Match data, context and JIT stack, shared by the set's lookups. */
static int set_match_alloc(struct trunk_set *s)
{
	uint32_t m = 0;

	for (size_t i = 0; i < s->n; i++) {
		uint32_t c = ncap_max(s->trunks[i]);

		if (c > m)
			m = c;
	}
	s->md = pcre2_match_data_create(m + 1, NULL);
	s->mcx = pcre2_match_context_create(NULL);
	s->jit = pcre2_jit_stack_create(32 * 1024, TRUNK_JIT_STACK_MAX, NULL);
	if (!s->md || !s->mcx)
		return -ENOMEM;
	pcre2_set_match_limit(s->mcx, TRUNK_MATCH_LIMIT);
	pcre2_set_depth_limit(s->mcx, TRUNK_DEPTH_LIMIT);
	pcre2_set_heap_limit(s->mcx, TRUNK_HEAP_LIMIT_KIB);
	/* NULL when JIT is not available: PCRE2 then uses its default
	 * stack for JIT code, and there is no JIT code anyway. */
	if (s->jit)
		pcre2_jit_stack_assign(s->mcx, NULL, s->jit);
	return 0;
}

int trunk_set_parse(struct trunk_set **sp, const struct trunk_file *files,
		    size_t n, char *err, size_t errlen)
{
	struct trunk_set *s;
	int r = 0;

	if (err && errlen)
		err[0] = '\0';
	if (sp)
		*sp = NULL;
	if (!sp || (!files && n)) {
		conf_errf(err, errlen, "(trunks)", 0, "bad arguments");
		return -EINVAL;
	}
	if (n == 0) {
		conf_errf(err, errlen, "(trunks)", 0, "no trunk file");
		return -EINVAL;
	}
	if (n > TRUNKS_MAX) {
		conf_errf(err, errlen, "(trunks)", 0, "more than %d trunk files",
			  TRUNKS_MAX);
		return -EMSGSIZE;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		conf_errf(err, errlen, "(trunks)", 0, "out of memory");
		return -ENOMEM;
	}
	atomic_init(&s->refs, 1);
	pthread_mutex_init(&s->lock, NULL);
	for (size_t i = 0; i < n && r == 0; i++) {
		if (!files[i].path || (!files[i].text && files[i].len)) {
			conf_errf(err, errlen, "(trunks)", 0, "bad arguments");
			r = -EINVAL;
			break;
		}
		r = trunk_file_parse(&s->trunks[s->n], &files[i], err, errlen);
		if (r == 0)
			s->trunks[s->n++]->set = s;
	}
	if (r == 0)
		r = set_check(s, err, errlen);
	if (r == 0 && set_match_alloc(s) < 0) {
		conf_errf(err, errlen, "(trunks)", 0, "out of memory");
		r = -ENOMEM;
	}
	if (r < 0) {
		set_destroy(s);
		return r;
	}
	*sp = s;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_trunk_file(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".conf") == 0;
}

/* The sorted "*.conf" names in dir (at most TRUNKS_MAX). */
static int dir_list(const char *dir, char **names, size_t *np, char *err,
		    size_t errlen)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t n = 0;
	int r = 0;

	if (!d) {
		r = -errno;
		conf_errf(err, errlen, dir, 0, "cannot open directory: %s",
			  strerror(-r));
		return r;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_trunk_file(de->d_name))
			continue;
		if (n == TRUNKS_MAX) {
			conf_errf(err, errlen, dir, 0,
				  "more than %d trunk files", TRUNKS_MAX);
			r = -EMSGSIZE;
			break;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			conf_errf(err, errlen, dir, 0, "out of memory");
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (r == 0 && n == 0) {
		conf_errf(err, errlen, dir, 0, "no trunk file (*.conf)");
		r = -EINVAL;
	}
	if (r < 0) {
		while (n)
			free(names[--n]);
		return r;
	}
	qsort(names, n, sizeof(names[0]), name_cmp);
	*np = n;
	return 0;
}

int trunk_set_load(struct trunk_set **sp, const char *dir, char *err,
		   size_t errlen)
{
	char *names[TRUNKS_MAX];
	struct trunk_file *files;
	size_t n = 0, got = 0;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (sp)
		*sp = NULL;
	if (!sp || !dir) {
		conf_errf(err, errlen, dir ? dir : "(trunks)", 0,
			  "bad arguments");
		return -EINVAL;
	}
	r = dir_list(dir, names, &n, err, errlen);
	if (r < 0)
		return r;
	files = calloc(n, sizeof(*files));
	if (!files) {
		conf_errf(err, errlen, dir, 0, "out of memory");
		r = -ENOMEM;
	}
	for (; r == 0 && got < n; got++) {
		char *path, *buf = NULL;
		size_t len = 0;

		size_t dl = strlen(dir);

		if (asprintf(&path, "%s%s%s", dir,
			     dl && dir[dl - 1] == '/' ? "" : "/",
			     names[got]) < 0) {
			conf_errf(err, errlen, dir, 0, "out of memory");
			r = -ENOMEM;
			break;
		}
		files[got].path = path;
		r = conf_file_read(path, &buf, &len, err, errlen);
		files[got].text = buf;
		files[got].len = len;
	}
	if (r == 0)
		r = trunk_set_parse(sp, files, n, err, errlen);
	for (size_t i = 0; i < n; i++) {
		if (files && i < got) {
			free((char *)files[i].path);
			free((char *)files[i].text);
		}
		free(names[i]);
	}
	free(files);
	return r;
}

/* ---- accessors ------------------------------------------------------------ */

size_t trunk_set_count(const struct trunk_set *s)
{
	return s ? s->n : 0;
}

const struct trunk *trunk_set_at(const struct trunk_set *s, size_t i)
{
	return s && i < s->n ? s->trunks[i] : NULL;
}

const struct trunk *trunk_set_find(const struct trunk_set *s,
				   const char *name)
{
	for (size_t i = 0; s && name && i < s->n; i++) {
		if (strcmp(s->trunks[i]->name, name) == 0)
			return s->trunks[i];
	}
	return NULL;
}

const char *trunk_name(const struct trunk *t) { return t->name; }
const char *trunk_file(const struct trunk *t) { return t->file; }
enum trunk_side trunk_side(const struct trunk *t) { return t->side; }
const char *trunk_peer(const struct trunk *t) { return t->peer; }
uint16_t trunk_peer_port(const struct trunk *t) { return t->peer_port; }
bool trunk_trusted(const struct trunk *t) { return t->trusted; }
enum trunk_ktr trunk_ktr(const struct trunk *t) { return t->ktr; }
bool trunk_latch(const struct trunk *t) { return t->latch; }
bool trunk_bundle(const struct trunk *t) { return t->bundle; }
uint32_t trunk_keepalive_s(const struct trunk *t) { return t->keepalive_s; }
size_t trunk_route_count(const struct trunk *t) { return t->n_routes; }

const struct sockaddr *trunk_peer_addr(const struct trunk *t,
				       socklen_t *lenp)
{
	if (lenp)
		*lenp = t->peer_len;
	return (const struct sockaddr *)&t->peer_ss;
}

enum trunk_transport trunk_transport(const struct trunk *t)
{
	return t->transport;
}

enum trunk_ktr_form trunk_ktr_form(const struct trunk *t)
{
	return t->ktr_form;
}

uint32_t trunk_session_expires_s(const struct trunk *t)
{
	return t->session_expires_s;
}

uint32_t trunk_min_se_s(const struct trunk *t)
{
	return t->min_se_s;
}

uint32_t trunk_rekey_interval_s(const struct trunk *t)
{
	return t->rekey_interval_s;
}

enum trunk_profile trunk_profile(const struct trunk *t)
{
	return t->profile;
}

enum trunk_family trunk_family(const struct trunk *t)
{
	return t->family;
}

enum trunk_ice trunk_ice(const struct trunk *t)
{
	return t->ice;
}

enum trunk_ice_consent trunk_ice_consent(const struct trunk *t)
{
	return t->ice_consent;
}

bool trunk_inbound(const struct trunk *t)
{
	return t->match_ruri.code || t->match_from.code ||
	       t->match_source.code;
}

/* Unit tests for src/trunk, lookups: PCRE2 classification, routing with
 * E.164 rewriting, the match limit against catastrophic backtracking,
 * reference counting across a reload, concurrent lookups. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "trunk/trunk.h"

#define ERRLEN 256

/* Two trunks per side, documentation addresses (RFC 5737, RFC 3849). */
static const char pbx_text[] =
	"side = sdes\n"
	"peer = 192.0.2.10:5060\n"
	"trusted = yes\n"
	"match_source = ^192\\.0\\.2\\.10:\\d+$\n"
	"route = ^1?([2-9]\\d{9})$ -> carrier sip:+1$1@{peer};user=phone\n"
	"route = ^00([1-9]\\d{5,14})$ -> carrier sip:+$1@{peer};user=phone\n"
	"route = ^0([1-9]\\d{8,10})$ -> carrier tel:+49$1\n"
	"route = ^\\+([1-9]\\d{5,14})$ -> carrier sip:+$1@{peer}\n"
	"route = ^(\\*)?(9)(\\d+)$ -> lab sips:${3}$2$$@{peer}\n"
	"route = ^([a-z]+)(-x)?$ -> carrier sip:$1$2.{user}@{peer}\n";
static const char branch_text[] =
	"side = sdes\n"
	"peer = 192.0.2.11\n"
	"match_ruri = ^sip:[^@]+@sbc\\.example\\.com\n"
	"match_from = @branch\\.example\\.com$\n"
	"match_source = ^192\\.0\\.2\\.\\d+:5060$\n"
	"route = ^(.*)$ -> carrier\n";
static const char carrier_text[] =
	"side = dtls\n"
	"peer = [2001:db8::20]:5070\n"
	"ktr = required\n"
	"match_source = ^\\[2001:db8::20\\]:5070$\n"
	"route = ^\\+1\\d{3}5550(1\\d\\d)$ -> pbx sip:$1@{peer}\n";
static const char lab_text[] =
	"side = dtls\n"
	"peer = 198.51.100.7\n"
	"transport = tls\n"
	"ktr = off\n";

static struct trunk_set *load4(void)
{
	struct trunk_file f[4] = {
		{ "t/branch.conf", branch_text, sizeof(branch_text) - 1 },
		{ "t/carrier.conf", carrier_text, sizeof(carrier_text) - 1 },
		{ "t/lab.conf", lab_text, sizeof(lab_text) - 1 },
		{ "t/pbx.conf", pbx_text, sizeof(pbx_text) - 1 },
	};
	struct trunk_set *s = NULL;
	char err[ERRLEN];
	int r = trunk_set_parse(&s, f, 4, err, sizeof(err));

	if (r)
		print_error("%d %s\n", r, err);
	assert_int_equal(r, 0);
	return s;
}

static const char *classify(struct trunk_set *s, const char *ruri,
			    const char *from, const char *ip, uint16_t port,
			    int want_rc)
{
	const struct trunk *t = (void *)1;
	int r = trunk_classify(s, ruri, from, ip, port, &t);

	assert_int_equal(r, want_rc);
	if (r < 0) {
		assert_null(t);
		return NULL;
	}
	return trunk_name(t);
}

static void test_classify(void **state)
{
	struct trunk_set *s = load4();
	char big[TRUNK_SUBJECT_MAX + 2];

	/* By source only. */
	assert_string_equal(classify(s, "sip:+12025550123@192.0.2.1", NULL,
				     "192.0.2.10", 5060, 0), "pbx");
	assert_string_equal(classify(s, "sip:x@y", "sip:a@b", "192.0.2.10",
				     41234, 0), "pbx");
	/* IPv6 source, canonicalised before matching. */
	assert_string_equal(classify(s, "sip:1@192.0.2.1", NULL,
				     "2001:DB8:0::20", 5070, 0), "carrier");
	classify(s, "sip:1@192.0.2.1", NULL, "2001:db8::20", 5071, -ENOENT);
	/* All three patterns must match; branch comes first in file order. */
	assert_string_equal(classify(s, "sip:100@sbc.example.com",
				     "sip:alice@branch.example.com",
				     "192.0.2.10", 5060, 0), "branch");
	/* ... else the next trunk that matches (pbx by source). */
	assert_string_equal(classify(s, "sip:100@sbc.example.com",
				     "sip:alice@elsewhere.example.com",
				     "192.0.2.10", 5060, 0), "pbx");
	/* No From given: a trunk with match_from does not match. */
	assert_string_equal(classify(s, "sip:100@sbc.example.com", NULL,
				     "192.0.2.10", 5060, 0), "pbx");
	classify(s, "sip:100@sbc.example.com", "sip:alice@branch.example.com",
		 "192.0.2.99", 5060, 0);
	assert_string_equal(classify(s, "sip:100@sbc.example.com",
				     "sip:alice@branch.example.com",
				     "192.0.2.99", 5060, 0), "branch");
	/* Nobody: lab has no match_ line (route target only). */
	classify(s, "sip:1@198.51.100.7", NULL, "198.51.100.7", 5061, -ENOENT);
	/* Bad arguments and limits. */
	classify(s, "sip:1@x", NULL, "localhost", 5060, -EINVAL);
	classify(s, "sip:1@x", NULL, "192.0.2.300", 5060, -EINVAL);
	assert_int_equal(trunk_classify(NULL, "sip:1@x", NULL, "192.0.2.10",
					5060, &(const struct trunk *){ NULL }),
			 -EINVAL);
	assert_int_equal(trunk_classify(s, "sip:1@x", NULL, "192.0.2.10", 5060,
					NULL),
			 -EINVAL);
	memset(big, 'a', sizeof(big));
	big[TRUNK_SUBJECT_MAX + 1] = '\0';
	classify(s, big, NULL, "192.0.2.10", 5060, -EMSGSIZE);
	classify(s, "sip:1@x", big, "192.0.2.10", 5060, -EMSGSIZE);
	big[TRUNK_SUBJECT_MAX] = '\0';
	assert_string_equal(classify(s, big, big, "192.0.2.10", 5060, 0),
			    "pbx");
	trunk_set_free(s);
}

/* Route from trunk `in`; expect rc, and on success the URI and target. */
static void route(struct trunk_set *s, const char *in, const char *ruri,
		  int rc, const char *uri, const char *target)
{
	const struct trunk *t = (void *)1;
	char out[TRUNK_URI_MAX + 1];
	int r;

	memset(out, 'X', sizeof(out));
	r = trunk_route(s, trunk_set_find(s, in), ruri, out, sizeof(out), &t);
	if (r != rc || (uri && strcmp(out, uri) != 0))
		print_error("route %s [%s]: got %d [%s], want %d [%s]\n", in,
			    ruri, r, out, rc, uri ? uri : "");
	assert_int_equal(r, rc);
	if (rc < 0) {
		assert_null(t);
		assert_string_equal(out, "");
		return;
	}
	assert_string_equal(out, uri);
	assert_string_equal(trunk_name(t), target);
}

/* E.164 normalisation (ITU-T E.164; NANP and German national examples). */
static void test_route_e164(void **state)
{
	struct trunk_set *s = load4();

	/* NANP 10 and 11 digits -> +1NXXNXXXXXX toward the DTLS side. */
	route(s, "pbx", "sip:2025550123@192.0.2.1", 0,
	      "sip:+12025550123@[2001:db8::20]:5070;user=phone", "carrier");
	route(s, "pbx", "sip:12025550123@192.0.2.1;user=phone", 0,
	      "sip:+12025550123@[2001:db8::20]:5070;user=phone", "carrier");
	/* International prefix 00 -> +. */
	route(s, "pbx", "sip:004930123456@192.0.2.1", 0,
	      "sip:+4930123456@[2001:db8::20]:5070;user=phone", "carrier");
	/* National trunk prefix 0 -> +49, as a tel: URI. */
	route(s, "pbx", "sip:0301234567@192.0.2.1", 0, "tel:+49301234567",
	      "carrier");
	/* Already E.164, and a tel: Request-URI (number before ';'). */
	route(s, "pbx", "tel:+442071234567;phone-context=+44", 0,
	      "sip:+442071234567@[2001:db8::20]:5070", "carrier");
	/* sips:, a password in the userinfo is not part of the user. */
	route(s, "pbx", "sips:+33123456789:secret@192.0.2.1", 0,
	      "sip:+33123456789@[2001:db8::20]:5070", "carrier");
	/* ${N}, $N, $$, an unset group, to the other DTLS trunk. */
	route(s, "pbx", "sip:9123@192.0.2.1", 0,
	      "sips:1239$@198.51.100.7:5061", "lab");
	route(s, "pbx", "SIP:*9123@192.0.2.1", 0,
	      "sips:1239$@198.51.100.7:5061", "lab");
	/* {user} and an optional group. */
	route(s, "pbx", "sip:bob@192.0.2.1", 0,
	      "sip:bob.bob@[2001:db8::20]:5070", "carrier");
	route(s, "pbx", "sip:bob-x@192.0.2.1", 0,
	      "sip:bob-x.bob-x@[2001:db8::20]:5070", "carrier");
	/* The DTLS side's direct-dial numbers to PBX extensions. */
	route(s, "carrier", "sip:+12025550142@[2001:db8::1]", 0,
	      "sip:142@192.0.2.10:5060", "pbx");
	route(s, "carrier", "sip:+12025550242@[2001:db8::1]", -ENOENT, NULL,
	      NULL);
	/* Default NEW-URI: sip:{user}@{peer}; no user part: "". */
	route(s, "branch", "sip:+12025550123@sbc.example.com", 0,
	      "sip:+12025550123@[2001:db8::20]:5070", "carrier");
	route(s, "branch", "sip:sbc.example.com", 0,
	      "sip:@[2001:db8::20]:5070", "carrier");
	/* No route on lab; unmatched numbers. */
	route(s, "lab", "sip:1@192.0.2.1", -ENOENT, NULL, NULL);
	route(s, "pbx", "sip:12@192.0.2.1", -ENOENT, NULL, NULL);
	trunk_set_free(s);
}

static void test_route_errors(void **state)
{
	static const char inj_text[] =
		"name = pbx\nside = sdes\npeer = 192.0.2.10\n"
		"route = ^([^@]*)$ -> carrier sip:$1@{peer}\n";
	struct trunk_file f[2] = {
		{ "t/carrier.conf", carrier_text, sizeof(carrier_text) - 1 },
		{ "t/inj.conf", inj_text, sizeof(inj_text) - 1 },
	};
	struct trunk_set *s = load4(), *s2 = NULL;
	const struct trunk *t = NULL, *pbx = trunk_set_find(s, "pbx");
	char out[64], big[TRUNK_SUBJECT_MAX + 2], err[ERRLEN];

	/* Not a SIP/tel URI. */
	route(s, "pbx", "http://192.0.2.1/", -EBADMSG, NULL, NULL);
	route(s, "pbx", "2025550123", -EBADMSG, NULL, NULL);
	/* Output too small: all or nothing. */
	assert_int_equal(trunk_route(s, pbx, "sip:2025550123@x", out, 20, &t),
			 -EMSGSIZE);
	assert_string_equal(out, "");
	assert_null(t);
	assert_int_equal(trunk_route(s, pbx, "sip:2025550123@x", out,
				     sizeof(out), &t),
			 0);
	assert_int_equal(strlen(out), 47);
	assert_int_equal(trunk_route(s, pbx, "sip:2025550123@x", out, 48, &t),
			 0);
	assert_int_equal(trunk_route(s, pbx, "sip:2025550123@x", out, 47, &t),
			 -EMSGSIZE);
	/* Subject too long. */
	memset(big, '1', sizeof(big));
	memcpy(big, "sip:", 4);
	big[TRUNK_SUBJECT_MAX + 1] = '\0';
	assert_int_equal(trunk_route(s, pbx, big, out, sizeof(out), &t),
			 -EMSGSIZE);
	/* Bad arguments; a trunk of another set. */
	assert_int_equal(trunk_route(s, NULL, "sip:1@x", out, sizeof(out), &t),
			 -EINVAL);
	assert_int_equal(trunk_route(s, pbx, NULL, out, sizeof(out), &t),
			 -EINVAL);
	assert_int_equal(trunk_route(s, pbx, "sip:1@x", out, 0, &t), -EINVAL);
	assert_int_equal(trunk_set_parse(&s2, f, 2, err, sizeof(err)), 0);
	assert_int_equal(trunk_route(s2, pbx, "sip:2025550123@x", out,
				     sizeof(out), &t),
			 -EINVAL);
	/* A capture cannot put a non-URI byte into the new Request-URI. */
	route(s2, "pbx", "sip:a>b@x", -EBADMSG, NULL, NULL);
	route(s2, "pbx", "sip:a b@x", -EBADMSG, NULL, NULL);
	route(s2, "pbx", "sip:a\r\nVia:b@x", -EBADMSG, NULL, NULL);
	route(s2, "pbx", "sip:a%20b@x", 0, "sip:a%20b@[2001:db8::20]:5070",
	      "carrier");
	trunk_set_free(s2);
	trunk_set_free(s);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * (a+)+$ on "aaa...a!" backtracks exponentially (2^n paths). The match
 * limit stops it: -ENOBUFS, quickly, and the lookup does not fall through
 * to a later route or trunk that would match (fail closed).
 */
static void test_catastrophic_backtracking(void **state)
{
	static const char evil[] =
		"name = pbx\nside = sdes\npeer = 192.0.2.10\n"
		"match_ruri = ^sip:(a+)+$\n"
		"route = ^(a+)+$ -> carrier\n"
		"route = ^.*$ -> carrier\n";
	static const char later[] =
		"side = sdes\npeer = 192.0.2.12\nmatch_ruri = ^sip:\n";
	struct trunk_file f[3] = {
		{ "t/carrier.conf", carrier_text, sizeof(carrier_text) - 1 },
		{ "t/evil.conf", evil, sizeof(evil) - 1 },
		{ "t/later.conf", later, sizeof(later) - 1 },
	};
	struct trunk_set *s = NULL;
	const struct trunk *t = (void *)1;
	char subj[TRUNK_SUBJECT_MAX + 1], out[TRUNK_URI_MAX + 1],
		err[ERRLEN];
	double t0;

	assert_int_equal(trunk_set_parse(&s, f, 3, err, sizeof(err)), 0);
	/* A short subject is fine: the pattern itself is legal. */
	assert_int_equal(trunk_route(s, trunk_set_find(s, "pbx"),
				     "sip:aaaa@x", out, sizeof(out), &t),
			 0);
	assert_string_equal(out, "sip:aaaa@[2001:db8::20]:5070");

	memcpy(subj, "sip:", 4);
	memset(subj + 4, 'a', 60);
	memcpy(subj + 64, "!@x", 4);
	t0 = now_s();
	assert_int_equal(trunk_route(s, trunk_set_find(s, "pbx"), subj, out,
				     sizeof(out), &t),
			 -ENOBUFS);
	assert_null(t);
	assert_string_equal(out, "");
	/* Without the limit this would run for years; allow a lot. */
	assert_true(now_s() - t0 < 5.0);

	/* Classification: evil.conf's match_ruri blows up; later.conf
	 * would match but is not consulted. */
	subj[64] = '!';
	subj[65] = '\0';
	t0 = now_s();
	assert_int_equal(trunk_classify(s, subj, NULL, "192.0.2.10", 5060, &t),
			 -ENOBUFS);
	assert_null(t);
	assert_true(now_s() - t0 < 5.0);
	/* The longest subject allowed, same result. */
	memset(subj + 4, 'a', TRUNK_SUBJECT_MAX - 5);
	subj[TRUNK_SUBJECT_MAX - 1] = '!';
	subj[TRUNK_SUBJECT_MAX] = '\0';
	assert_int_equal(trunk_classify(s, subj, NULL, "192.0.2.10", 5060, &t),
			 -ENOBUFS);
	/* The set still works afterwards. */
	assert_int_equal(trunk_classify(s, "sip:b", NULL, "192.0.2.10", 5060,
					&t),
			 0);
	assert_string_equal(trunk_name(t), "later");
	trunk_set_free(s);
}

/* ---- reload with references held ---------------------------------------------- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void test_reload_refcount(void **state)
{
	char dir[] = "/tmp/test_trunk_route_XXXXXX", pa[128], pb[128];
	char err[ERRLEN], out[128], cmd[160];
	struct trunk_set *cur = NULL, *call = NULL, *next = NULL;
	const struct trunk *in, *t;

	assert_non_null(mkdtemp(dir));
	snprintf(pa, sizeof(pa), "%s/a.conf", dir);
	snprintf(pb, sizeof(pb), "%s/b.conf", dir);
	write_file(pa, "side = sdes\npeer = 192.0.2.1\nmatch_source = ^\n"
		       "route = ^(\\d+)$ -> b sip:+1$1@{peer}\n");
	write_file(pb, "side = dtls\npeer = 192.0.2.2\n");
	assert_int_equal(trunk_set_load(&cur, dir, err, sizeof(err)), 0);

	/* A call starts: it keeps the set and its inbound trunk. */
	assert_int_equal(trunk_classify(cur, "sip:1@x", NULL, "192.0.2.1", 5060,
					&in),
			 0);
	call = trunk_set_ref(cur);
	assert_ptr_equal(call, cur);

	/* SIGHUP: the files change, a new set is loaded and swapped in; the
	 * daemon drops its reference to the old one. */
	write_file(pa, "side = sdes\npeer = 192.0.2.1\nmatch_source = ^\n"
		       "route = ^(\\d+)$ -> b sip:+44$1@{peer}\n");
	write_file(pb, "side = dtls\npeer = 192.0.2.3:5080\n");
	assert_int_equal(trunk_set_load(&next, dir, err, sizeof(err)), 0);
	trunk_set_unref(cur);
	cur = next;

	/* The old call still routes with the old rules and peer. */
	assert_int_equal(trunk_route(call, in, "sip:555@x", out, sizeof(out),
				     &t),
			 0);
	assert_string_equal(out, "sip:+1555@192.0.2.2:5060");
	assert_string_equal(trunk_peer(t), "192.0.2.2:5060");
	/* New calls get the new ones. */
	assert_int_equal(trunk_classify(cur, "sip:1@x", NULL, "192.0.2.1", 5060,
					&in),
			 0);
	assert_int_equal(trunk_route(cur, in, "sip:555@x", out, sizeof(out),
				     &t),
			 0);
	assert_string_equal(out, "sip:+44555@192.0.2.3:5080");

	/* A bad reload leaves the current set alone. */
	write_file(pb, "side = dtls\npeer = 192.0.2.3:5080\nktr = sometimes\n");
	next = (void *)1;
	assert_int_equal(trunk_set_load(&next, dir, err, sizeof(err)), -EINVAL);
	assert_null(next);
	assert_int_equal(trunk_route(cur, in, "sip:7@x", out, sizeof(out), &t),
			 0);

	/* The old call ends: the old set is freed now (LeakSanitizer checks
	 * that it is freed, ASan that nothing touches it after). */
	trunk_set_unref(call);
	/* Several references on one set. */
	trunk_set_ref(cur);
	trunk_set_ref(cur);
	trunk_set_unref(cur);
	trunk_set_unref(cur);
	assert_int_equal(trunk_route(cur, in, "sip:7@x", out, sizeof(out), &t),
			 0);
	trunk_set_free(cur);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- lookups from several threads on one set ------------------------------------- */

struct worker {
	struct trunk_set *s;
	int failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	const struct trunk *t, *in = trunk_set_find(w->s, "pbx");
	char out[TRUNK_URI_MAX + 1];

	for (int i = 0; i < 2000; i++) {
		char ruri[64];

		snprintf(ruri, sizeof(ruri), "sip:202555%04d@192.0.2.1", i);
		if (trunk_classify(w->s, ruri, NULL, "192.0.2.10", 5060, &t) ||
		    t != in)
			w->failures++;
		if (trunk_route(w->s, in, ruri, out, sizeof(out), &t) ||
		    strncmp(out, "sip:+1202555", 12) != 0 ||
		    strncmp(out + 12, ruri + 10, 4) != 0)
			w->failures++;
		trunk_set_unref(trunk_set_ref(w->s));
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct trunk_set *s = load4();
	struct worker w[4];
	pthread_t th[4];

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .s = trunk_set_ref(s) };
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]),
				 0);
	}
	trunk_set_unref(s);	/* the threads hold the set now */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
		trunk_set_unref(w[i].s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_route_e164),
		cmocka_unit_test(test_route_errors),
		cmocka_unit_test(test_catastrophic_backtracking),
		cmocka_unit_test(test_reload_refcount),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests_name("trunk_route", tests, NULL, NULL);
}

/* Unit tests for src/trunk's tls_ca key and trunk_keys_to (issue 11
 * point 3: a=crypto keys only to a trusted trunk or over SIP/TLS whose
 * certificate is verified): parsing, path resolution, every error with its
 * exact "FILE:LINE: " message, and the key-sending rule for every
 * combination of side, trust, transport and tls_ca. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "trunk/trunk.h"

#define ERRLEN 256

static const char dtls_file[] = "side = dtls\npeer = 192.0.2.20\n";

/* text as "PATH" (sdes side) with a DTLS companion "etc/trunks/z.conf". */
static int parse_at(struct trunk_set **sp, const char *path, const char *text,
		    char *err)
{
	struct trunk_file f[2] = {
		{ path, text, strlen(text) },
		{ "etc/trunks/z.conf", dtls_file, strlen(dtls_file) },
	};

	memset(err, 'X', ERRLEN);
	return trunk_set_parse(sp, f, 2, err, ERRLEN);
}

static const struct trunk *first(const char *path, const char *text,
				 struct trunk_set **sp)
{
	char err[ERRLEN];
	int r = parse_at(sp, path, text, err);

	if (r)
		print_error("input [%s]: %d \"%s\"\n", text, r, err);
	assert_int_equal(r, 0);
	return trunk_set_at(*sp, 0);
}

static void test_tls_ca_paths(void **state)
{
	struct trunk_set *s;
	const struct trunk *t;

	/* relative: against the trunk file's directory */
	t = first("etc/trunks/a.conf",
		  "side = sdes\npeer = 192.0.2.1\ntransport = tls\n\ntls_ca = ca/pbx.pem\n", &s);
	assert_string_equal(trunk_tls_ca(t), "etc/trunks/ca/pbx.pem");
	assert_int_equal(trunk_tls_ca_line(t), 5);
	trunk_set_unref(s);
	/* absolute: as written */
	t = first("etc/trunks/a.conf",
		  "side = sdes\npeer = 192.0.2.1\ntransport = tls\ntls_ca = /etc/ssl/pbx.pem\n", &s);
	assert_string_equal(trunk_tls_ca(t), "/etc/ssl/pbx.pem");
	trunk_set_unref(s);
	/* a file without a directory: as written */
	t = first("a.conf", "side = sdes\npeer = 192.0.2.1\ntransport = tls\ntls_ca = pbx.pem\n", &s);
	assert_string_equal(trunk_tls_ca(t), "pbx.pem");
	trunk_set_unref(s);
	/* not set */
	t = first("etc/trunks/a.conf", "side = sdes\npeer = 192.0.2.1\ntransport = tls\n", &s);
	assert_null(trunk_tls_ca(t));
	assert_int_equal(trunk_tls_ca_line(t), 0);
	trunk_set_unref(s);
	/* the DTLS side may verify its TLS peer too */
	{
		const char *sdes = "side = sdes\npeer = 192.0.2.10\n";
		const char *dt = "side = dtls\npeer = 192.0.2.1\ntransport = tls\ntls_ca = c.pem\n";
		struct trunk_file f[2] = {
			{ "d/a.conf", dt, strlen(dt) },
			{ "d/z.conf", sdes, strlen(sdes) },
		};
		char err[ERRLEN];

		assert_int_equal(trunk_set_parse(&s, f, 2, err, ERRLEN), 0);
		assert_string_equal(trunk_tls_ca(trunk_set_at(s, 0)), "d/c.pem");
		assert_false(trunk_keys_to(trunk_set_at(s, 0)));
		trunk_set_unref(s);
	}
}

static void expect_err(const char *text, int rc, const char *want)
{
	struct trunk_set *s = (void *)1;
	char err[ERRLEN];
	int r = parse_at(&s, "t/a.conf", text, err);

	if (r != rc || strcmp(err, want))
		print_error("input [%s]\n  got %d \"%s\"\n  want %d \"%s\"\n",
			    text, r, err, rc, want);
	assert_int_equal(r, rc);
	assert_string_equal(err, want);
	assert_null(s);
}

static void test_tls_ca_invalid(void **state)
{
	char text[1200], path[TRUNK_TLS_CA_MAX + 8];

	expect_err("side = sdes\npeer = 192.0.2.1\ntls_ca = ca.pem\n", -EINVAL,
		   "t/a.conf:3: tls_ca: only with transport = tls");
	expect_err("side = sdes\ntls_ca = ca.pem\npeer = 192.0.2.1\ntransport = tcp\n",
		   -EINVAL, "t/a.conf:2: tls_ca: only with transport = tls");
	expect_err("side = sdes\npeer = 192.0.2.1\ntransport = tls\ntls_ca = a.pem\ntls_ca = b.pem\n",
		   -EINVAL, "t/a.conf:5: tls_ca: duplicate key (first set on line 4)");
	expect_err("side = sdes\npeer = 192.0.2.1\ntransport = tls\ntls_ca =\n",
		   -EINVAL, "t/a.conf:4: tls_ca: missing value");
	expect_err("side = sdes\npeer = 192.0.2.1\ntransport = tls\ntls_ca = a.pem b.pem\n",
		   -EINVAL, "t/a.conf:4: tls_ca: takes one value, got 2");
	/* resolved against "t/": two bytes more than written */
	memset(path, 'p', TRUNK_TLS_CA_MAX - 2);
	path[TRUNK_TLS_CA_MAX - 2] = 0;
	snprintf(text, sizeof(text),
		 "side = sdes\npeer = 192.0.2.1\ntransport = tls\ntls_ca = %s\n", path);
	snprintf(path, sizeof(path), "t/a.conf:4: tls_ca: path longer than %d bytes",
		 TRUNK_TLS_CA_MAX - 1);
	expect_err(text, -EMSGSIZE, path);
}

/* The key rule, every combination. */
static void test_keys_to(void **state)
{
	static const struct {
		const char *text;
		bool keys;
	} cases[] = {
		{ "side = sdes\npeer = 192.0.2.1\n", false },
		{ "side = sdes\npeer = 192.0.2.1\ntrusted = no\n", false },
		{ "side = sdes\npeer = 192.0.2.1\ntrusted = yes\n", true },
		{ "side = sdes\npeer = 192.0.2.1\ntransport = tcp\n", false },
		{ "side = sdes\npeer = 192.0.2.1\ntransport = tcp\ntrusted = yes\n", true },
		/* TLS alone is not enough: the certificate must be verified */
		{ "side = sdes\npeer = 192.0.2.1\ntransport = tls\n", false },
		{ "side = sdes\npeer = 192.0.2.1\ntransport = tls\ntls_ca = ca.pem\n", true },
		{ "side = sdes\npeer = 192.0.2.1\ntransport = tls\ntrusted = yes\n", true },
		{ "side = sdes\npeer = 192.0.2.1\ntransport = tls\ntrusted = yes\ntls_ca = ca.pem\n", true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct trunk_set *s;
		const struct trunk *t = first("t/a.conf", cases[i].text, &s);

		if (trunk_keys_to(t) != cases[i].keys)
			print_error("case %zu [%s]: want %d\n", i, cases[i].text,
				    cases[i].keys);
		assert_int_equal(trunk_keys_to(t), cases[i].keys);
		/* the DTLS companion never gets a=crypto */
		assert_false(trunk_keys_to(trunk_set_at(s, 1)));
		trunk_set_unref(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_ca_paths),
		cmocka_unit_test(test_tls_ca_invalid),
		cmocka_unit_test(test_keys_to),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

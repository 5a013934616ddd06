/* conft: the src/conf unit tests' shared parse checks (see conft.h). */
#include "tests/lib/conft.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* Parse text (length given) over fresh defaults. */
static int parse_n(struct conf *c, const char *text, size_t len, char *err)
{
	conf_defaults(c);
	memset(err, 'X', CONFT_ERRLEN);
	return conf_parse(c, CONFT_NAME, text, len, err, CONFT_ERRLEN);
}

static int parse(struct conf *c, const char *text, char *err)
{
	return parse_n(c, text, strlen(text), err);
}

/*
 * Expect text[0..len) to fail with rc, the message starting exactly with
 * "t.conf:LINE: " ("t.conf: " for line 0) and containing what.
 */
void conft_expect_err_n(const char *text, size_t len, int rc, unsigned line,
			const char *what)
{
	char err[CONFT_ERRLEN], prefix[64];
	struct conf c;
	int r = parse_n(&c, text, len, err);

	if (line)
		snprintf(prefix, sizeof(prefix), CONFT_NAME ":%u: ", line);
	else
		snprintf(prefix, sizeof(prefix), CONFT_NAME ": ");
	if (r != rc || strncmp(err, prefix, strlen(prefix)) != 0 ||
	    !strstr(err, what))
		print_error("input [%.*s]\n  got %d \"%s\"\n  want %d \"%s...%s\"\n",
			    (int)(len > 80 ? 80 : len), text, r, err, rc,
			    prefix, what);
	assert_int_equal(r, rc);
	assert_memory_equal(err, prefix, strlen(prefix));
	assert_non_null(strstr(err, what));
}

void conft_expect_err(const char *text, int rc, unsigned line,
		      const char *what)
{
	conft_expect_err_n(text, strlen(text), rc, line, what);
}

void conft_expect_ok(const char *text, struct conf *c)
{
	char err[CONFT_ERRLEN];
	int r = parse(c, text, err);

	if (r != 0)
		print_error("input [%s]: %d \"%s\"\n", text, r, err);
	assert_int_equal(r, 0);
	assert_string_equal(err, "");
}

/*
 * conft (test helper): what the src/conf unit tests (test_conf,
 * test_conf_scan) share: parsing a text as ktrsbc.conf named CONFT_NAME
 * over fresh defaults and checking the result or the exact error. cmocka
 * assertions: call from a test.
 */
#ifndef KTRSBC_TEST_CONFT_H
#define KTRSBC_TEST_CONFT_H

#include <stddef.h>

#include "conf/conf.h"

#define CONFT_NAME "t.conf"
#define CONFT_ERRLEN 256

/*
 * Expect text[0..len) to fail with rc, the message starting exactly with
 * "t.conf:LINE: " ("t.conf: " for line 0) and containing what.
 */
void conft_expect_err_n(const char *text, size_t len, int rc, unsigned line,
			const char *what);
/* conft_expect_err_n over the whole NUL-terminated text. */
void conft_expect_err(const char *text, int rc, unsigned line,
		      const char *what);
/* text parses into *c with no error message. */
void conft_expect_ok(const char *text, struct conf *c);

#endif

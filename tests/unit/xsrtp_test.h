/*
 * Helpers shared by the xsrtp unit tests: hex strings (RFC vectors as
 * printed, spaces allowed) to bytes. Header-only so each test binary
 * stays self-contained.
 */
#ifndef KTRSBC_XSRTP_TEST_H
#define KTRSBC_XSRTP_TEST_H

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>

static inline int t_nib(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Whitespace-separated hex into out; returns the byte count (the test
 * fails on odd digits, junk or overflow). */
static inline size_t t_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (isspace((unsigned char)*s))
			continue;
		v = t_nib(*s);
		assert_true(v >= 0);
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1);
	return n;
}

#endif

/* sdpt: the SDP unit tests' shared loaders and checks (see sdpt.h). */
#include "tests/lib/sdpt.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/sec.h"

const uint8_t sdpt_fp_4aad[20] = { 0x4A, 0xAD, 0xB9, 0xB1, 0x3F, 0x82, 0x18, 0x3B, 0x54, 0x02,
				   0x12, 0xDF, 0x3E, 0x5D, 0x49, 0x6B, 0x19, 0xE5, 0x7C, 0xAB };
const uint8_t sdpt_fp_ffff[20] = { 0xFF, 0xFF, 0xFF, 0xB1, 0x3F, 0x82, 0x18, 0x3B, 0x54, 0x02,
				   0x12, 0xDF, 0x3E, 0x5D, 0x49, 0x6B, 0x19, 0xE5, 0x7C, 0xAB };

char *sdpt_load(const char *name, size_t *len)
{
	char path[256];
	FILE *f;
	char *b;
	long n;

	snprintf(path, sizeof(path), SDPT_DATA "%s", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

struct sdp_session *sdpt_parse_file(const char *name)
{
	struct sdp_session *s = NULL;
	struct sdp_error e;
	size_t len;
	char *t = sdpt_load(name, &len);
	int r = sdp_parse(&s, t, len, &e);

	if (r)
		fprintf(stderr, "%s:%u:%u: %s\n", name, e.line, e.col, e.msg);
	assert_int_equal(r, 0);
	free(t);
	return s;
}

struct sdp_fingerprint sdpt_sbc_fp(void)
{
	struct sdp_fingerprint f;
	const char *v = "sha-256 " SDPT_FPHEX;

	assert_int_equal(sdp_fingerprint_parse(v, strlen(v), &f, NULL), 0);
	return f;
}

struct sdp_session *sdpt_parse_str(const char *t)
{
	struct sdp_session *s = NULL;
	struct sdp_error e;
	int r = sdp_parse(&s, t, strlen(t), &e);

	if (r)
		fprintf(stderr, "<str>:%u:%u: %s\n", e.line, e.col, e.msg);
	assert_int_equal(r, 0);
	return s;
}

/* Crypto attribute i of m: tag, suite, number of key-params, and key-param
 * 0 decoded byte for byte from the RFC's base64 (b64), its lifetime (0 =
 * absent; 2^n when pow2) and MKI:length (mki_len 0 = absent). */
void sdpt_chk_crypto(const struct sdp_media *m, size_t i, uint32_t tag,
		     enum sdp_suite suite, unsigned n_keys, const char *b64,
		     uint64_t lifetime, bool pow2, uint32_t mki,
		     unsigned mki_len)
{
	struct sdp_crypto c;
	uint8_t ks[64];
	int n = sdp_base64_decode(b64, strlen(b64), ks, sizeof(ks));

	assert_true(n > 0);
	assert_int_equal(sdp_media_crypto_get(m, i, &c), 0);
	assert_int_equal(c.tag, tag);
	assert_int_equal(c.suite, suite);
	assert_string_equal(c.suite_name, sdp_suite_name(suite));
	assert_int_equal(c.n_keys, n_keys);
	assert_int_equal(c.keys[0].keysalt_len, n);
	assert_memory_equal(c.keys[0].keysalt, ks, (size_t)n);
	assert_int_equal(c.keys[0].has_lifetime, lifetime != 0);
	if (lifetime) {
		assert_int_equal(c.keys[0].lifetime, lifetime);
		assert_int_equal(c.keys[0].lifetime_pow2, pow2);
	}
	assert_int_equal(c.keys[0].has_mki, mki_len != 0);
	if (mki_len) {
		assert_int_equal(c.keys[0].mki, mki);
		assert_int_equal(c.keys[0].mki_len, mki_len);
	}
	sec_wipe(ks, sizeof(ks));
	sdp_crypto_wipe(&c);
}

/* The k-th (0-based) attribute called name in m (or the session's, m NULL),
 * parsed as a pcfg/acfg. */
void sdpt_get_cfg(const struct sdp_session *s, const struct sdp_media *m,
		  const char *name, size_t k, struct sdp_pcfg *p)
{
	struct sdp_attr a;
	size_t i;
	int r;

	for (i = 0;; i++) {
		r = m ? sdp_media_attr_get(m, i, &a) : sdp_session_attr_get(s, i, &a);
		assert_int_equal(r, 0);
		if (!strcmp(a.name, name) && !k--)
			break;
	}
	assert_non_null(a.value);
	assert_int_equal(sdp_pcfg_parse(a.value, strlen(a.value), p, NULL), 0);
}

/* The k-th a=tcap of m (or the session, m NULL). */
void sdpt_get_tcap(const struct sdp_session *s, const struct sdp_media *m,
		   size_t k, struct sdp_tcap *t)
{
	struct sdp_attr a;
	size_t i;

	for (i = 0;; i++) {
		assert_int_equal(m ? sdp_media_attr_get(m, i, &a) : sdp_session_attr_get(s, i, &a), 0);
		if (!strcmp(a.name, "tcap") && !k--)
			break;
	}
	assert_int_equal(sdp_tcap_parse(a.value, strlen(a.value), t, NULL), 0);
}

/* a=acap number num of m (or the session, m NULL): its attribute name and
 * value ("" when it has none) into name/value. */
void sdpt_get_acap(const struct sdp_session *s, const struct sdp_media *m,
		   uint32_t num, char *name, char *value, size_t cap)
{
	struct sdp_attr a;
	size_t i;

	for (i = 0;; i++) {
		uint32_t n;
		const char *nm, *v;
		size_t nl, vl;
		bool hv;

		assert_int_equal(m ? sdp_media_attr_get(m, i, &a) : sdp_session_attr_get(s, i, &a), 0);
		if (strcmp(a.name, "acap"))
			continue;
		assert_int_equal(sdp_acap_parse(a.value, strlen(a.value), &n, &nm, &nl, &v, &vl, &hv,
						NULL), 0);
		if (n != num)
			continue;
		assert_true(nl < cap && vl < cap);
		snprintf(name, cap, "%.*s", (int)nl, nm);
		snprintf(value, cap, "%.*s", hv ? (int)vl : 0, hv ? v : "");
		return;
	}
}

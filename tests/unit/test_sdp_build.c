/*
 * Unit tests for sdp/: a=crypto values on their own (RFC 4568), the builder
 * API, malformed input with exact line/column, what is tolerated, base64
 * and the error and name helpers. The RFC example files: test_sdp.c.
 */
#include <errno.h>
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
#include "sdp/sdp.h"
#include "sdp/sdp_priv.h"
#include "tests/lib/sdpt.h"

/* RFC 4568's a=crypto values on their own: the section 4 line, the 6.1
 * key-params (with the suite the text names), the two of 7.1.5, and
 * constructed ones for everything else the grammar (9.1) allows. */
static void test_crypto_attr(void **state)
{
	/* a published decoding of d0Rm... (key then salt) */
	static const uint8_t key[30] = {
		0x77, 0x44, 0x66, 0x76, 0x67, 0x26, 0x54, 0x2B, 0x29, 0x78,
		0x47, 0x37, 0x40, 0x66, 0x62, 0x35, 0x6A, 0x55, 0x2C, 0x52,
		0x61, 0x41, 0x7D, 0x5C, 0x7C, 0x70, 0x30, 0x25, 0x2A, 0x23 };
	struct sdp_crypto c, c2;
	struct sdp_error e;
	char buf[512];
	const char *v;

	/* section 4 (one line there, folded for the page) */
	v = "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32";
	assert_int_equal(sdp_crypto_parse(v, strlen(v), &c, &e), 0);
	assert_int_equal(c.tag, 1);
	assert_int_equal(c.suite, SDP_SUITE_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(c.keys[0].keysalt_len, 30);
	assert_int_equal(c.keys[0].mki_len, 32);
	assert_int_equal(sdp_crypto_print(&c, buf, sizeof(buf)), (int)strlen(v));
	assert_string_equal(buf, v);
	/* section 6.1's first key-param, for AES_CM_128_HMAC_SHA1_80 */
	v = "1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:4";
	assert_int_equal(sdp_crypto_parse(v, strlen(v), &c, &e), 0);
	assert_memory_equal(c.keys[0].keysalt, key, 30);
	assert_int_equal(c.keys[0].mki_len, 4);
	/* 4.5's video line: same key, MKI length 32 */
	v = "1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:32";
	assert_int_equal(sdp_crypto_parse(v, strlen(v), &c, &e), 0);
	assert_memory_equal(c.keys[0].keysalt, key, 30);
	assert_true(sdp_crypto_print(&c, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, v);

	v = "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP";
	assert_int_equal(sdp_crypto_parse(v, strlen(v), &c, &e), 0);
	assert_int_equal(c.fec_order, SDP_FEC_FEC_SRTP);
	assert_int_equal(sdp_crypto_print(&c, buf, sizeof(buf)), (int)strlen(v));
	assert_string_equal(buf, v);

	/* 7.1.5: F8, two keys with MKIs 1 and 2: recognised, declined */
	v = "2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
	    "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP";
	assert_int_equal(sdp_crypto_parse(v, strlen(v), &c, &e), 0);
	assert_int_equal(c.suite, SDP_SUITE_F8_128_HMAC_SHA1_80);
	assert_false(sdp_suite_supported(c.suite));
	assert_int_equal(c.n_keys, 2);
	assert_int_equal(c.keys[1].mki, 2);

	/* section 6.1's second key-param: MKI without lifetime */
	v = "1 AES_CM_128_HMAC_SHA1_80 inline:YUJDZGVmZ2hpSktMbW9QUXJzVHVWd3l6MTIzNDU2|1066:4";
	assert_int_equal(sdp_crypto_parse(v, strlen(v), &c, &e), 0);
	assert_false(c.keys[0].has_lifetime);
	assert_int_equal(c.keys[0].mki, 1066);
	/* decimal lifetime, every session parameter, an unknown one */
	v = "7 AES_256_CM_HMAC_SHA1_32 inline:BxQhLjtIVWJvfImWo7C9ytfk8f4LGCUyP0xZZnOAjZqntMHO2+j1Ag8cKTZDUA==|1000 "
	    "KDR=23 UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP FEC_ORDER=SRTP_FEC "
	    "FEC_KEY=inline:DhsoNUJPXGl2g5CdqrfE0d7r+AUSHyw5RlNgbXqHDhsoNUJPXGl2g5CdqrfE0d7r+AUSHyw5RlNgbXqH|2^20 "
	    "WSH=64 -FOO=bar";
	/* FEC key of the wrong length for AES_256 first: -ERANGE */
	assert_int_equal(sdp_crypto_parse(v, strlen(v), &c, &e), -ERANGE);
	v = "7 AES_256_CM_HMAC_SHA1_32 inline:BxQhLjtIVWJvfImWo7C9ytfk8f4LGCUyP0xZZnOAjZqntMHO2+j1Ag8cKTZDUA==|1000 "
	    "KDR=23 UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP FEC_ORDER=SRTP_FEC "
	    "FEC_KEY=inline:BxQhLjtIVWJvfImWo7C9ytfk8f4LGCUyP0xZZnOAjZqntMHO2+j1Ag8cKTZDUA==|2^20 "
	    "WSH=64 -FOO=bar";
	assert_int_equal(sdp_crypto_parse(v, strlen(v), &c, &e), 0);
	assert_int_equal(c.keys[0].lifetime, 1000);
	assert_false(c.keys[0].lifetime_pow2);
	assert_true(c.has_kdr && c.kdr == 23);
	assert_true(c.unencrypted_srtp && c.unencrypted_srtcp && c.unauthenticated_srtp);
	assert_int_equal(c.fec_order, SDP_FEC_SRTP_FEC);
	assert_int_equal(c.n_fec_keys, 1);
	assert_true(c.has_wsh && c.wsh == 64);
	assert_string_equal(c.ext, "-FOO=bar");
	assert_int_equal(sdp_crypto_print(&c, buf, sizeof(buf)), (int)strlen(v));
	assert_string_equal(buf, v);
	assert_int_equal(sdp_crypto_parse(buf, strlen(buf), &c2, &e), 0);
	assert_memory_equal(&c, &c2, sizeof(c));
	/* AEAD suites (RFC 7714): 16+12 and 32+12 */
	v = "3 AEAD_AES_128_GCM inline:KjdEUV5reIWSn6y5xtPg7foHFCEuO0hVYm98iQ==";
	assert_int_equal(sdp_crypto_parse(v, strlen(v), &c, &e), 0);
	assert_int_equal(c.keys[0].keysalt_len, 28);
	assert_int_equal(sdp_suite_to_profile(c.suite), 7);
	assert_int_equal(sdp_suite_from_profile(8), SDP_SUITE_AEAD_AES_256_GCM);
	assert_int_equal(sdp_suite_to_profile(SDP_SUITE_AES_192_CM_HMAC_SHA1_80), -ENOTSUP);
	/* unknown suite: recognised and declined, generic grammar only */
	v = "9 SEED_CTR_128_HMAC_SHA1_80 inline:anything|goes";
	assert_int_equal(sdp_crypto_parse(v, strlen(v), &c, &e), 0);
	assert_int_equal(c.suite, SDP_SUITE_UNKNOWN);
	assert_string_equal(c.suite_name, "SEED_CTR_128_HMAC_SHA1_80");
	assert_int_equal(sdp_crypto_print(&c, buf, sizeof(buf)), -EINVAL);

	/* errors, each with its column in the value */
#define BAD(str, code, cl)                                                       \
	do {                                                                     \
		assert_int_equal(sdp_crypto_parse(str, strlen(str), &c, &e), code); \
		assert_int_equal(e.col, cl);                                     \
	} while (0)
	BAD("1 AES_CM_128_HMAC_SHA1_80 inline:d0Rm!mcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj", -EBADMSG, 34);
	BAD("1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1c", -ERANGE, 34);
	BAD("1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^49", -ERANGE, 75);
	BAD("1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|281474976710657", -ERANGE, 75);
	BAD("1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|99999999999999999999", -ERANGE, 75);
	BAD("1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|1:129", -ERANGE, 77);
	BAD("1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|256:1", -ERANGE, 75);
	BAD("1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj KDR=25", -ERANGE, 75);
	BAD("1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj WSH=63", -ERANGE, 75);
	BAD("1 AES_CM_128_HMAC_SHA1_80 uri:http://x", -EBADMSG, 27);
	BAD("1234567890 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj", -EBADMSG, 1);
	BAD("1 AES_CM_128_HMAC_SHA1_80", -EBADMSG, 26);
	BAD("1", -EBADMSG, 2);
	/* two keys without MKIs */
	BAD("1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj;"
	    "inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj", -EBADMSG, 27);
#undef BAD
	sdp_crypto_wipe(&c);
	sdp_crypto_wipe(&c2);
}

/* Parse must fail with code at line:col (col 0 = do not check). */
static void expect_err(const char *t, size_t len, int code, uint32_t line,
		       uint32_t col, const char *msg_part)
{
	struct sdp_session *s = (struct sdp_session *)0x1;
	struct sdp_error e;
	int r = sdp_parse(&s, t, len, &e);

	if (r != code || e.line != line || (col && e.col != col) ||
	    (msg_part && !strstr(e.msg, msg_part)))
		fprintf(stderr, "got %d at %u:%u: %s\n", r, e.line, e.col, e.msg);
	assert_int_equal(r, code);
	assert_int_equal(e.code, code);
	assert_null(s);
	assert_int_equal(e.line, line);
	if (col)
		assert_int_equal(e.col, col);
	if (msg_part)
		assert_non_null(strstr(e.msg, msg_part));
}

/* A UA builds an offer from scratch. */
static void test_build(void **state)
{
	static const char expect[] =
		"v=0\r\n"
		"o=ua 42 1 IN IP4 192.0.2.5\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.5\r\n"
		"t=0 0\r\n"
		"a=dtls-srtp-ktr\r\n"
		"m=audio 5004 RTP/SAVP 0 8 101\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"
		"a=rtcp-mux\r\n"
		"a=sendonly\r\n"
		"m=video 0 UDP/TLS/RTP/SAVP 96\r\n"
		"c=IN IP6 2001:db8::1\r\n"
		"a=fingerprint:sha-256 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F\r\n"
		"a=setup:actpass\r\n";
	struct sdp_session *s, *p, *d;
	struct sdp_media *m;
	struct sdp_crypto c;
	struct sdp_fingerprint f = { .hash = "sha-256", .len = 32 };
	uint8_t ks[30];
	char buf[2048];
	size_t i;
	int n;

	for (i = 0; i < 30; i++)
		ks[i] = (uint8_t)i;
	for (i = 0; i < 32; i++)
		f.bytes[i] = (uint8_t)i;
	assert_int_equal(sdp_session_alloc(&s, "ua", 42, 1, "192.0.2.5"), 0);
	assert_int_equal(sdp_session_attr_add(s, "dtls-srtp-ktr", NULL), 0);
	assert_int_equal(sdp_session_attr_add(s, "crypto", "1 AES_CM_128_HMAC_SHA1_80 inline:x"), -EINVAL);
	assert_int_equal(sdp_media_add(s, &m, "audio", 5004, "RTP/SAVP", "0 8 101"), 0);
	assert_int_equal(sdp_media_attr_add(m, "rtpmap", "101 telephone-event/8000"), 0);
	assert_int_equal(sdp_crypto_init(&c, 1, SDP_SUITE_AES_CM_128_HMAC_SHA1_80, ks, 30), 0);
	assert_int_equal(sdp_media_crypto_add(m, &c), 0);
	assert_int_equal(sdp_media_crypto_add(m, &c), -EINVAL); /* duplicate tag */
	assert_int_equal(sdp_crypto_init(&c, 2, SDP_SUITE_AES_CM_128_HMAC_SHA1_80, ks, 29), -ERANGE);
	assert_int_equal(sdp_crypto_init(&c, 2, SDP_SUITE_F8_128_HMAC_SHA1_80, ks, 30), -EINVAL);
	assert_int_equal(sdp_media_rtcp_mux_set(m, true), 0);
	assert_int_equal(sdp_media_dir_set(m, SDP_DIR_RECVONLY), 0);
	assert_int_equal(sdp_media_dir_set(m, SDP_DIR_SENDONLY), 0);
	assert_int_equal(sdp_media_attr_add(m, "setup", "bogus"), -EBADMSG);
	assert_int_equal(sdp_media_add(s, &m, "video", 0, "UDP/TLS/RTP/SAVP", "96"), 0);
	assert_int_equal(sdp_media_conn_set(m, "2001:db8::1"), 0);
	assert_int_equal(sdp_media_conn_set(m, "not-an-ip"), -EINVAL);
	assert_int_equal(sdp_media_fingerprint_add(m, &f), 0);
	assert_int_equal(sdp_media_setup_set(m, SDP_SETUP_ACTPASS), 0);
	assert_int_equal(sdp_media_add(s, NULL, "bad type", 1, "RTP/AVP", "0"), -EINVAL);
	n = sdp_session_print(s, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(expect));
	assert_string_equal(buf, expect);
	assert_int_equal(sdp_session_print(s, buf, 10), -ENOSPC);
	/* parse back, dup, mutate */
	p = sdpt_parse_str(expect);
	assert_int_equal(sdp_media_ktr(sdp_session_media(p, 0)), SDP_LEVEL_SESSION);
	assert_int_equal(sdp_media_dir(sdp_session_media(p, 0)), SDP_DIR_SENDONLY);
	assert_int_equal(sdp_session_dup(&d, p), 0);
	assert_int_equal(sdp_session_version_bump(d), 0);
	assert_int_equal(sdp_session_attr_del(d, "dtls-srtp-ktr"), 1);
	assert_int_equal(sdp_media_ktr(sdp_session_media(d, 0)), SDP_LEVEL_NONE);
	n = sdp_session_print(d, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "o=ua 42 2 IN IP4 192.0.2.5\r\n"));
	assert_null(strstr(buf, "dtls-srtp-ktr"));
	sdp_crypto_wipe(&c);
	sdp_session_free(s);
	sdp_session_free(p);
	sdp_session_free(d);
	sdp_session_free(NULL);
}

#define HDR "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
#define KEY "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj"

static void E(const char *t, int code, uint32_t line, uint32_t col, const char *part)
{
	expect_err(t, strlen(t), code, line, col, part);
}

static void test_malformed(void **state)
{
	char *big;
	size_t i, n;

	/* truncated lines and documents */
	E(HDR "m=audio 49170\r\n", -EBADMSG, 6, 14, "missing proto");
	E(HDR "m=audio 49170 RTP/AVP\r\n", -EBADMSG, 6, 22, "missing fmt");
	E("v=0\r\no=- 1 1 IN IP4\r\n", -EBADMSG, 2, 15, "unicast-address");
	E("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n", -ENODATA, 3, 0, "missing s=");
	E("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=x\r\n", -EBADMSG, 4, 0, "missing t=");
	/* a body cut in the middle of a key */
	E(HDR "m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3",
	  -ERANGE, 7, 43, "12 bytes");
	E(HDR "m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inl", -EBADMSG, 7, 36, "key-param");
	/* bad base64, wrong key length, lifetime overflow, MKI length */
	E(HDR "m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0Rm*mcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n",
	  -EBADMSG, 7, 43, "base64");
	E(HDR "m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\r\n",
	  -ERANGE, 7, 43, "24 bytes, AES_CM_128_HMAC_SHA1_80 needs 30");
	E(HDR "m=audio 1 RTP/SAVP 0\r\na=crypto:1 AEAD_AES_256_GCM inline:" KEY "\r\n", -ERANGE, 7, 36, "needs 44");
	E(HDR "m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY "|2^64\r\n",
	  -ERANGE, 7, 84, "lifetime");
	E(HDR "m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY "|18446744073709551616\r\n",
	  -ERANGE, 7, 84, "lifetime");
	E(HDR "m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY "|2^20|1:129\r\n",
	  -ERANGE, 7, 91, "MKI length 129");
	/* duplicate tags */
	E(HDR "m=audio 1 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY "\r\n"
	      "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" KEY "\r\n",
	  -EBADMSG, 8, 10, "duplicate a=crypto tag 1");
	/* mixed CRLF/LF */
	E("v=0\r\no=- 1 1 IN IP4 192.0.2.1\ns=-\r\n", -EBADMSG, 2, 25, "mixed line endings");
	E("v=0\no=- 1 1 IN IP4 192.0.2.1\r\n", -EBADMSG, 2, 25, "mixed line endings");
	E("v=0\r\no=- 1 1 IN IP4 192.0.2.1\rs=-\r\n", -EBADMSG, 2, 25, "CR not followed by LF");
	/* NUL bytes */
	expect_err("v=0\r\no=- 1\0 1 IN IP4 192.0.2.1\r\n", 33, -EBADMSG, 2, 6, "NUL");
	/* attributes before any m= line that belong to media */
	E(HDR "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY "\r\nm=audio 1 RTP/SAVP 0\r\n",
	  -EBADMSG, 6, 3, "media-level");
	E(HDR "a=rtpmap:0 PCMU/8000\r\nm=audio 1 RTP/AVP 0\r\n", -EBADMSG, 6, 3, "media-level");
	E(HDR "a=rtcp-mux\r\n", -EBADMSG, 6, 3, "media-level");
	E(HDR "a=candidate:1 1 udp 1 192.0.2.1 9 typ host\r\n", -EBADMSG, 6, 3, "media-level");
	/* other attribute grammars */
	E(HDR "a=fingerprint:sha-256 AB:CD\r\n", -ERANGE, 6, 23, "needs 32");
	E(HDR "a=fingerprint:sha-1 AB:C\r\n", -EBADMSG, 6, 24, "hex");
	E(HDR "a=fingerprint:sha-1\r\n", -EBADMSG, 6, 20, "missing fingerprint");
	E(HDR "a=setup:sometimes\r\n", -EBADMSG, 6, 9, "a=setup");
	E(HDR "a=setup:active\r\na=setup:passive\r\n", -EBADMSG, 7, 1, "second a=setup");
	E(HDR "a=dtls-srtp-ktr:1\r\n", -EBADMSG, 6, 17, "takes no value");
	E(HDR "a=dtls-srtp-ktr-server:0\r\n", -ERANGE, 6, 24, "port 0");
	E(HDR "a=dtls-srtp-ktr-server:4000 IN IP4\r\n", -EBADMSG, 6, 35, "connection-address");
	E(HDR "m=audio 1 RTP/AVP 0\r\na=rtcp:70000\r\n", -ERANGE, 7, 8, "port");
	E(HDR "m=audio 1 RTP/AVP 0\r\na=pcfg:1 t=2\r\na=tcap:1 RTP/SAVP\r\n", -EBADMSG, 7, 0, "a=tcap 2");
	E(HDR "m=audio 1 RTP/AVP 0\r\na=tcap:1 RTP/SAVP\r\na=pcfg:1 t=1 a=4\r\n", -EBADMSG, 8, 0, "a=acap 4");
	E(HDR "m=audio 1 RTP/AVP 0\r\na=pcfg:1 t=1 a=[2],1\r\n", -EBADMSG, 7, 0, "precede");
	E(HDR "m=audio 1 RTP/AVP 0\r\na=pcfg:1 t=1 a=1,[2\r\n", -EBADMSG, 7, 0, "']'");
	E(HDR "m=audio 1 RTP/AVP 0\r\na=acap:1 setup:never\r\n", -EBADMSG, 7, 0, "a=setup");
	/* lines, ports, order */
	E(HDR "m=audio 65536 RTP/AVP 0\r\n", -ERANGE, 6, 9, "65535");
	E(HDR "m=audio x RTP/AVP 0\r\n", -EBADMSG, 6, 9, "bad port");
	E(HDR "x=unknown\r\n", -EBADMSG, 6, 1, "unknown line type");
	E(HDR "m=audio 1 RTP/AVP 0\r\nt=0 0\r\n", -EBADMSG, 7, 1, "t= line inside");
	E("o=- 1 1 IN IP4 192.0.2.1\r\n", -EBADMSG, 1, 1, "expected v=");
	E("v=1\r\n", -EBADMSG, 1, 3, "v= must be 0");
	E(HDR "\r\nm=audio 1 RTP/AVP 0\r\n", -EBADMSG, 6, 1, "empty line");
	E(HDR "c=IN IP4 192.0.2.2\r\n", -EBADMSG, 6, 1, "second c=");
	E("v=0\r\no=- 99999999999999999999 1 IN IP4 192.0.2.1\r\n", -ERANGE, 2, 5, "sess-id");
	E("", -ENODATA, 0, 0, "empty");
	/* RFC 8866 5.7: media with a port needs a c=, its own or the
	 * session's; the error names the m-line (second one here) */
#define NOC "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
	E(NOC "m=audio 49170 RTP/SAVP 0\r\n", -EBADMSG, 5, 0,
	  "m-line 1 (audio) has no connection address");
	E(NOC "m=audio 49170 RTP/AVP 0\r\nc=IN IP4 192.0.2.7\r\nm=video 49172 RTP/AVP 96\r\n",
	  -EBADMSG, 7, 0, "m-line 2 (video) has no connection address: no c= in it or at session level (RFC 8866 5.7)");

	/* a 1 MiB SDP is refused before anything is allocated */
	n = 1024 * 1024;
	big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	expect_err(big, n, -EMSGSIZE, 0, 0, "over the 65536-byte limit");
	/* a line over SDP_MAX_LINE */
	memcpy(big, HDR "a=x:", strlen(HDR "a=x:"));
	expect_err(big, 8000, -EMSGSIZE, 6, SDP_MAX_LINE + 1, "longer than");
	/* too many m-lines */
	n = (size_t)snprintf(big, 65536, HDR);
	for (i = 0; i <= SDP_MAX_MEDIA; i++)
		n += (size_t)snprintf(big + n, 65536 - n, "m=audio %zu RTP/AVP 0\r\n", 1000 + i);
	expect_err(big, n, -ENOBUFS, 6 + SDP_MAX_MEDIA, 1, "m= lines");
	/* too many attributes */
	n = (size_t)snprintf(big, 65536, HDR "m=audio 1 RTP/AVP 0\r\n");
	for (i = 0; i <= SDP_MAX_ATTRS; i++)
		n += (size_t)snprintf(big + n, 65536 - n, "a=x-%zu\r\n", i);
	expect_err(big, n, -ENOBUFS, 7 + SDP_MAX_ATTRS, 1, "attributes");
	/* too many crypto lines */
	n = (size_t)snprintf(big, 65536, HDR "m=audio 1 RTP/SAVP 0\r\n");
	for (i = 0; i <= SDP_MAX_CRYPTO; i++)
		n += (size_t)snprintf(big + n, 65536 - n,
				      "a=crypto:%zu AES_CM_128_HMAC_SHA1_80 inline:" KEY "\r\n", i + 1);
	expect_err(big, n, -ENOBUFS, 7 + SDP_MAX_CRYPTO, 1, "a=crypto lines");
	free(big);
}

/* What is accepted on purpose: LF-only, no final line end, trailing blank
 * lines, unknown attributes and suites. */
static void test_tolerated(void **state)
{
	struct sdp_session *s;
	struct sdp_crypto c;

	/* a rejected m-line (port 0) needs no c= (RFC 3264 6); one with its
	 * own c= beside it does not need a session-level one */
	s = sdpt_parse_str("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 0 RTP/AVP 0\na=x-foo:bar\n"
			   "m=audio 2 RTP/AVP 0\nc=IN IP4 192.0.2.7");
	assert_true(sdp_media_attr_find(sdp_session_media(s, 0), "x-foo", NULL));
	assert_false(sdp_media_conn(sdp_session_media(s, 0), NULL));
	assert_true(sdp_media_conn(sdp_session_media(s, 1), NULL));
	sdp_session_free(s);
	s = sdpt_parse_str(HDR "m=audio 1 RTP/SAVP 0\r\na=crypto:5 FOO_BAR inline:zzz\r\n\r\n\r\n");
	assert_int_equal(sdp_media_crypto_get(sdp_session_media(s, 0), 0, &c), 0);
	assert_int_equal(c.suite, SDP_SUITE_UNKNOWN);
	/* only unknown suites: parses, but nothing acceptable (precise error) */
	{
		struct sdp_error e;

		assert_int_equal(sdp_media_crypto_pick(sdp_session_media(s, 0), NULL, 0, &c, &e), -ENOTSUP);
		assert_int_equal(e.line, 6);
		assert_non_null(strstr(e.msg, "no acceptable a=crypto"));
	}
	sdp_session_free(s);
}

static void test_base64_and_errors(void **state)
{
	static const char *const v[][2] = {
		{ "", "" },	    { "f", "Zg==" },	    { "fo", "Zm8=" },	 { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	uint8_t out[16];
	char enc[32], msg[256];
	struct sdp_error e = { -EBADMSG, 3, 7, "bad thing" };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) { /* RFC 4648 10 */
		assert_int_equal(sdp_base64_encode((const uint8_t *)v[i][0], strlen(v[i][0]), enc,
						   sizeof(enc)),
				 (int)strlen(v[i][1]));
		assert_string_equal(enc, v[i][1]);
		if (i) {
			assert_int_equal(sdp_base64_decode(v[i][1], strlen(v[i][1]), out, sizeof(out)),
					 (int)strlen(v[i][0]));
			assert_memory_equal(out, v[i][0], strlen(v[i][0]));
		}
	}
	assert_int_equal(sdp_base64_decode("Zm9vYg", 6, out, sizeof(out)), 4); /* unpadded */
	assert_int_equal(sdp_base64_decode("Zm9vYh==", 8, out, sizeof(out)), -EBADMSG); /* bits */
	assert_int_equal(sdp_base64_decode("Zm9v=", 5, out, sizeof(out)), -EBADMSG);
	assert_int_equal(sdp_base64_decode("Zm=v", 4, out, sizeof(out)), -EBADMSG);
	assert_int_equal(sdp_base64_decode("Z", 1, out, sizeof(out)), -EBADMSG);
	assert_int_equal(sdp_base64_decode("Zm9vYmFy", 8, out, 5), -ENOSPC);
	assert_int_equal(sdp_base64_encode((const uint8_t *)"foo", 3, enc, 4), -ENOSPC);

	sdp_error_format(&e, "x.sdp", msg, sizeof(msg));
	assert_string_equal(msg, "x.sdp:3:7: bad thing");
	e.col = 0;
	sdp_error_format(&e, NULL, msg, sizeof(msg));
	assert_string_equal(msg, "<sdp>:3: bad thing");
	e.line = 0;
	sdp_error_format(&e, "-", msg, sizeof(msg));
	assert_string_equal(msg, "-: bad thing");
	assert_string_equal(sdp_dir_name(sdp_dir_answer(SDP_DIR_SENDONLY)), "recvonly");
	assert_int_equal(sdp_dir_answer(SDP_DIR_NONE), SDP_DIR_SENDRECV);
	assert_int_equal(sdp_proto_parse("UDP/TLS/RTP/SAVPF", 17), SDP_PROTO_UDP_TLS_RTP_SAVPF);
	assert_null(sdp_proto_name(SDP_PROTO_OTHER));
}

/* sdp_media_fmts_set: a re-offer's new format list (media_codec.c). */
static void test_fmts_set(void **state)
{
	static const char in[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"
				 "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				 "m=audio 4000 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
	struct sdp_session *s = NULL;
	struct sdp_media *m;
	struct sdp_error e;
	char *out = NULL;

	(void)state;
	assert_int_equal(sdp_parse(&s, in, strlen(in), &e), 0);
	m = sdp_session_media(s, 0);
	assert_int_equal(sdp_media_fmts_set(m, "8  0 101"), 0); /* normalised */
	assert_string_equal(sdp_media_fmts(m), "8 0 101");
	assert_int_equal(sdp_media_fmt_count(m), 3);
	assert_string_equal(sdp_media_fmt(m, 2), "101");
	assert_int_equal(sdp_media_fmts_set(m, ""), -EINVAL);
	assert_int_equal(sdp_media_fmts_set(m, "  "), -EINVAL);
	assert_int_equal(sdp_media_fmts_set(m, "0\r\na=x"), -EINVAL);
	assert_string_equal(sdp_media_fmts(m), "8 0 101"); /* unchanged */
	assert_int_equal(sdp_media_fmts_set(m, "0"), 0);
	assert_true(sdp_session_print_alloc(s, &out) > 0);
	assert_non_null(strstr(out, "m=audio 4000 RTP/SAVP 0\r\n"));
	free(out);
	sdp_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crypto_attr),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tolerated),
		cmocka_unit_test(test_base64_and_errors),
		cmocka_unit_test(test_fmts_set),
	};

	return cmocka_run_group_tests_name("sdp_build", tests, NULL, NULL);
}

/*
 * sdpt (test helper): what the SDP unit tests (test_sdp, test_sdp_capneg,
 * test_sdp_build, test_sdp_xlate*) share: loading and parsing the RFC example files of
 * tests/data/sdp/, the typed-attribute checks and getters, and the RFC
 * example keys and fingerprints. cmocka assertions: call from a test.
 */
#ifndef KTRSBC_TEST_SDPT_H
#define KTRSBC_TEST_SDPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdp/sdp.h"
#include "sdp/sdp_priv.h" /* struct sdp_pcfg, struct sdp_tcap */

#define SDPT_DATA "tests/data/sdp/"

/* The RFC examples' a=crypto keys (base64) and a 2^20 lifetime. */
#define K4568_D0RM "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj"
#define K4568_NZB4 "NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj"
#define K4568_WVNF "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
#define K4568_PS1U "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
#define K5939_WSJ "WSJ+PSdFcGdUJShpX1ZjNzB4d1BINUAvLEw6UzF3"
#define K5939_AWWP "AwWpVLFJhQX1cfHJSojd0RmdmcmVCspeEc3QGZiN"
#define P20 (1ull << 20)

/* The RFC 5763 / RFC 5939 examples' SHA-1 fingerprints. */
extern const uint8_t sdpt_fp_4aad[20];
extern const uint8_t sdpt_fp_ffff[20];

/* The SBC's SHA-256 fingerprint in the translation tests (test_sdp_xlate*):
 * SDPT_FPHEX as written in SDP, sdpt_sbc_fp() parsed. */
#define SDPT_FPHEX "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"
struct sdp_fingerprint sdpt_sbc_fp(void);

/* tests/data/sdp/<name>, NUL-terminated, its length in len; free() it. */
char *sdpt_load(const char *name, size_t *len);
/* tests/data/sdp/<name> parsed (must parse); sdp_session_free() it. */
struct sdp_session *sdpt_parse_file(const char *name);
/* t parsed (must parse); sdp_session_free() it. */
struct sdp_session *sdpt_parse_str(const char *t);

/* Crypto attribute i of m: tag, suite, number of key-params, and key-param
 * 0 decoded byte for byte from the RFC's base64 (b64), its lifetime (0 =
 * absent; 2^n when pow2) and MKI:length (mki_len 0 = absent). */
void sdpt_chk_crypto(const struct sdp_media *m, size_t i, uint32_t tag,
		     enum sdp_suite suite, unsigned n_keys, const char *b64,
		     uint64_t lifetime, bool pow2, uint32_t mki,
		     unsigned mki_len);
/* The k-th (0-based) attribute called name in m (or the session's, m NULL),
 * parsed as a pcfg/acfg. */
void sdpt_get_cfg(const struct sdp_session *s, const struct sdp_media *m,
		  const char *name, size_t k, struct sdp_pcfg *p);
/* The k-th a=tcap of m (or the session, m NULL). */
void sdpt_get_tcap(const struct sdp_session *s, const struct sdp_media *m,
		   size_t k, struct sdp_tcap *t);
/* a=acap number num of m (or the session, m NULL): its attribute name and
 * value ("" when it has none) into name/value. */
void sdpt_get_acap(const struct sdp_session *s, const struct sdp_media *m,
		   uint32_t num, char *name, char *value, size_t cap);

#endif

/*
 * sdp a=crypto: RFC 4568 section 9.1 grammar, the SRTP key-info of 9.2
 * (key-salt, lifetime, MKI) and the SRTP session parameters of 6.3, for
 * the suites of RFC 4568 6.2, RFC 6188 and RFC 7714 14.2.
 *
 *   crypto-attribute = "crypto:" tag 1*WSP crypto-suite 1*WSP key-params
 *                      *(1*WSP session-param)
 *   tag = 1*9DIGIT
 *   key-params = key-param *(";" key-param)
 *   key-param = key-method ":" key-info
 *   srtp-key-info = key-salt ["|" lifetime] ["|" mki]
 *   lifetime = ["2^"] 1*(DIGIT)      mki = mki-value ":" mki-length
 *   mki-length = 1*3DIGIT ; 1..128
 *
 * Layer 1 (docs/layers.md): calls sdp_util.c and sdp_base64.c only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/sec.h"
#include "sdp/sdp_priv.h"

static const struct {
	enum sdp_suite s;
	const char *name;
	uint8_t key, salt;
	int profile; /* DTLS-SRTP, or -ENOTSUP */
	bool supported;
} suites[] = {
	{ SDP_SUITE_AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80", 16, 14,
	  1, true },
	{ SDP_SUITE_AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32", 16, 14,
	  2, true },
	{ SDP_SUITE_F8_128_HMAC_SHA1_80, "F8_128_HMAC_SHA1_80", 16, 14,
	  -ENOTSUP, false },
	{ SDP_SUITE_AES_192_CM_HMAC_SHA1_80, "AES_192_CM_HMAC_SHA1_80", 24,
	  14, -ENOTSUP, true },
	{ SDP_SUITE_AES_192_CM_HMAC_SHA1_32, "AES_192_CM_HMAC_SHA1_32", 24,
	  14, -ENOTSUP, true },
	{ SDP_SUITE_AES_256_CM_HMAC_SHA1_80, "AES_256_CM_HMAC_SHA1_80", 32,
	  14, -ENOTSUP, true },
	{ SDP_SUITE_AES_256_CM_HMAC_SHA1_32, "AES_256_CM_HMAC_SHA1_32", 32,
	  14, -ENOTSUP, true },
	{ SDP_SUITE_AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 16, 12, 7, true },
	{ SDP_SUITE_AEAD_AES_256_GCM, "AEAD_AES_256_GCM", 32, 12, 8, true },
};
#define N_SUITES (sizeof(suites) / sizeof(suites[0]))

static int suite_idx(enum sdp_suite s)
{
	size_t i;

	for (i = 0; i < N_SUITES; i++)
		if (suites[i].s == s)
			return (int)i;
	return -1;
}

const char *sdp_suite_name(enum sdp_suite s)
{
	int i = suite_idx(s);

	return i < 0 ? "UNKNOWN" : suites[i].name;
}

enum sdp_suite sdp_suite_parse(const char *tok, size_t len)
{
	size_t i;

	if (!tok)
		return SDP_SUITE_UNKNOWN;
	for (i = 0; i < N_SUITES; i++)
		if (strlen(suites[i].name) == len &&
		    !memcmp(suites[i].name, tok, len))
			return suites[i].s;
	return SDP_SUITE_UNKNOWN;
}

int sdp_suite_lens(enum sdp_suite s, size_t *key_len, size_t *salt_len)
{
	int i = suite_idx(s);

	if (i < 0)
		return -EINVAL;
	if (key_len)
		*key_len = suites[i].key;
	if (salt_len)
		*salt_len = suites[i].salt;
	return 0;
}

bool sdp_suite_supported(enum sdp_suite s)
{
	int i = suite_idx(s);

	return i >= 0 && suites[i].supported;
}

int sdp_suite_to_profile(enum sdp_suite s)
{
	int i = suite_idx(s);

	return i < 0 ? -ENOTSUP : suites[i].profile;
}

enum sdp_suite sdp_suite_from_profile(int profile)
{
	size_t i;

	for (i = 0; i < N_SUITES; i++)
		if (suites[i].profile == profile)
			return suites[i].s;
	return SDP_SUITE_UNKNOWN;
}

void sdp_crypto_wipe(struct sdp_crypto *c)
{
	if (c)
		sec_wipe(c, sizeof(*c));
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

#define CERR(code, col, ...) sdp_err_set(err, code, 0, (uint32_t)(col) + 1, __VA_ARGS__)

/* One "inline:<key-info>" at v[0..n); base = its offset in the value.
 * Messages name columns, never bytes of the key-info (it holds the key). */
static int keyparam_fields(const char *v, size_t n, size_t base,
			  enum sdp_suite suite, struct sdp_keyparam *kp,
			  struct sdp_error *err)
{
	size_t i, start, part = 0, klen = 0, slen = 0;
	int r;

	memset(kp, 0, sizeof(*kp));
	if (n < 7 || memcmp(v, "inline:", 7)) {
		size_t c = 0;

		while (c < n && v[c] != ':')
			c++;
		if (c == n || c == 0)
			return CERR(-EBADMSG, base, "key-param needs key-method \":\" key-info");
		/* Never echo it: without "inline:" the text up to the first
		 * ':' may be the key itself (an MKI "1:4" follows the key). */
		return CERR(-EBADMSG, base, "unknown key-method (only inline, RFC 4568 6.1)");
	}
	for (i = 7; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch < 0x21 || ch > 0x7e || ch == ';')
			return CERR(-EBADMSG, base + i, "bad character in key-info");
	}
	start = 7;
	for (i = 7; i <= n; i++) {
		const char *f;
		size_t fl;

		if (i < n && v[i] != '|')
			continue;
		f = v + start;
		fl = i - start;
		if (part == 0) {
			r = sdp_base64_decode(f, fl, kp->keysalt,
					      sizeof(kp->keysalt));
			if (r == -ENOSPC) {
				sec_wipe(kp, sizeof(*kp));
				return CERR(-ERANGE, base + start, "key||salt longer than %u bytes",
					    SDP_KEYSALT_MAX);
			}
			if (r < 0) {
				sec_wipe(kp, sizeof(*kp));
				return CERR(-EBADMSG, base + start, "bad base64 in key-salt");
			}
			kp->keysalt_len = (uint8_t)r;
			if (sdp_suite_lens(suite, &klen, &slen) == 0 &&
			    (size_t)r != klen + slen) {
				sec_wipe(kp, sizeof(*kp));
				return CERR(-ERANGE, base + start,
					    "key||salt is %d bytes, %s needs %zu",
					    r, sdp_suite_name(suite), klen + slen);
			}
		} else if (memchr(f, ':', fl)) {
			const char *c = memchr(f, ':', fl);
			size_t vl = (size_t)(c - f), ll = fl - vl - 1;
			uint64_t mv, ml;

			if (kp->has_mki)
				return CERR(-EBADMSG, base + start, "two MKIs in one key-param");
			r = sdp_parse_u64(f, vl, &mv);
			if (r == -ERANGE)
				return CERR(-ERANGE, base + start, "MKI value overflows 64 bits");
			if (r)
				return CERR(-EBADMSG, base + start, "bad MKI value");
			if (ll < 1 || ll > 3 || sdp_parse_u64(c + 1, ll, &ml))
				return CERR(-EBADMSG, base + start + vl + 1, "bad MKI length");
			if (ml < 1 || ml > SDP_MKI_LEN_MAX)
				return CERR(-ERANGE, base + start + vl + 1,
					    "MKI length %llu outside 1..%u",
					    (unsigned long long)ml, SDP_MKI_LEN_MAX);
			if (ml < 8 && mv >> (8 * ml))
				return CERR(-ERANGE, base + start,
					    "MKI value does not fit in %llu bytes",
					    (unsigned long long)ml);
			kp->has_mki = true;
			kp->mki = mv;
			kp->mki_len = (uint8_t)ml;
		} else {
			uint64_t lt;

			if (kp->has_lifetime || kp->has_mki)
				return CERR(-EBADMSG, base + start, "lifetime must come once, before the MKI");
			if (fl > 2 && f[0] == '2' && f[1] == '^') {
				uint64_t e;

				r = sdp_parse_u64(f + 2, fl - 2, &e);
				if (r == -EBADMSG)
					return CERR(-EBADMSG, base + start, "bad lifetime");
				if (r || e > 48)
					return CERR(-ERANGE, base + start,
						    "lifetime over 2^48 (RFC 3711 3.2.1)");
				lt = 1ull << e;
				kp->lifetime_pow2 = true;
			} else {
				r = sdp_parse_u64(f, fl, &lt);
				if (r == -EBADMSG)
					return CERR(-EBADMSG, base + start, "bad lifetime");
				if (r || lt > SDP_LIFETIME_MAX)
					return CERR(-ERANGE, base + start,
						    "lifetime over 2^48 (RFC 3711 3.2.1)");
				if (lt == 0)
					return CERR(-ERANGE, base + start, "lifetime 0");
			}
			kp->has_lifetime = true;
			kp->lifetime = lt;
		}
		part++;
		start = i + 1;
	}
	return 0;
}

/* keyparam_fields; on any error nothing of a decoded key stays in kp. */
static int keyparam_parse(const char *v, size_t n, size_t base,
			  enum sdp_suite suite, struct sdp_keyparam *kp,
			  struct sdp_error *err)
{
	int r = keyparam_fields(v, n, base, suite, kp, err);

	if (r)
		sec_wipe(kp, sizeof(*kp));
	return r;
}

/* key-params at v[0..n): several key-params separated by ';'. */
static int keyparams_parse(const char *v, size_t n, size_t base,
			   enum sdp_suite suite, struct sdp_keyparam *kps,
			   uint8_t *nk, struct sdp_error *err)
{
	size_t start = 0, i;
	uint8_t k = 0;
	int r;

	for (i = 0; i <= n; i++) {
		if (i < n && v[i] != ';')
			continue;
		if (k >= SDP_CRYPTO_MAX_KEYS)
			return CERR(-ENOBUFS, base + start, "more than %u key-params",
				    SDP_CRYPTO_MAX_KEYS);
		if (suite == SDP_SUITE_UNKNOWN) {
			/* generic grammar only: key-method ":" 1*key-info */
			const char *c = memchr(v + start, ':', i - start);

			if (!c || c == v + start || c + 1 == v + i)
				return CERR(-EBADMSG, base + start, "bad key-param");
		} else {
			r = keyparam_parse(v + start, i - start, base + start,
					   suite, &kps[k], err);
			if (r)
				return r;
		}
		k++;
		start = i + 1;
	}
	*nk = k;
	/* RFC 4568 6.1 / 9.2: with several keys each carries an MKI, all of
	 * the same length. */
	if (k > 1 && suite != SDP_SUITE_UNKNOWN) {
		for (i = 0; i < k; i++)
			if (!kps[i].has_mki || kps[i].mki_len != kps[0].mki_len)
				return CERR(-EBADMSG, base,
					    "several keys need an MKI of one length each");
	}
	return 0;
}

static int sess_param(const char *t, size_t tl, size_t base,
		      struct sdp_crypto *c, struct sdp_error *err)
{
	uint64_t x;
	size_t el;

#define IS(lit) (tl == sizeof(lit) - 1 && !memcmp(t, lit, tl))
#define PFX(lit) (tl >= sizeof(lit) - 1 && !memcmp(t, lit, sizeof(lit) - 1))
	if (PFX("KDR=")) {
		if (c->has_kdr)
			return CERR(-EBADMSG, base, "duplicate KDR");
		if (tl - 4 < 1 || tl - 4 > 2 || sdp_parse_u64(t + 4, tl - 4, &x))
			return CERR(-EBADMSG, base, "bad KDR");
		if (x > 24)
			return CERR(-ERANGE, base, "KDR %llu over 24", (unsigned long long)x);
		c->has_kdr = true;
		c->kdr = (uint8_t)x;
	} else if (IS("UNENCRYPTED_SRTP")) {
		c->unencrypted_srtp = true;
	} else if (IS("UNENCRYPTED_SRTCP")) {
		c->unencrypted_srtcp = true;
	} else if (IS("UNAUTHENTICATED_SRTP")) {
		c->unauthenticated_srtp = true;
	} else if (PFX("FEC_ORDER=")) {
		if (c->fec_order)
			return CERR(-EBADMSG, base, "duplicate FEC_ORDER");
		if (tl == 18 && !memcmp(t + 10, "FEC_SRTP", 8))
			c->fec_order = SDP_FEC_FEC_SRTP;
		else if (tl == 18 && !memcmp(t + 10, "SRTP_FEC", 8))
			c->fec_order = SDP_FEC_SRTP_FEC;
		else
			return CERR(-EBADMSG, base + 10, "bad FEC_ORDER");
	} else if (PFX("FEC_KEY=")) {
		if (c->n_fec_keys)
			return CERR(-EBADMSG, base, "duplicate FEC_KEY");
		return keyparams_parse(t + 8, tl - 8, base + 8, c->suite,
				       c->fec_keys, &c->n_fec_keys, err);
	} else if (PFX("WSH=")) {
		if (c->has_wsh)
			return CERR(-EBADMSG, base, "duplicate WSH");
		if (tl - 4 < 2 || sdp_parse_u64(t + 4, tl - 4, &x) ||
		    x > UINT32_MAX)
			return CERR(-EBADMSG, base, "bad WSH");
		if (x < 64)
			return CERR(-ERANGE, base, "WSH under 64");
		c->has_wsh = true;
		c->wsh = (uint32_t)x;
	} else {
		el = strlen(c->ext);
		if (el + (el ? 1 : 0) + tl + 1 > sizeof(c->ext))
			return CERR(-EMSGSIZE, base, "unknown session parameters too long");
		if (el)
			c->ext[el++] = ' ';
		memcpy(c->ext + el, t, tl);
		c->ext[el + tl] = '\0';
	}
#undef IS
#undef PFX
	return 0;
}

int sdp_crypto_parse(const char *v, size_t n, struct sdp_crypto *c,
		     struct sdp_error *err)
{
	size_t i = 0, t, tl;
	uint64_t tag;
	int r;

	if (!v || !c)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if ((ch < 0x21 || ch > 0x7e) && !is_wsp((char)ch)) {
			r = CERR(-EBADMSG, i, "bad character in a=crypto");
			goto fail;
		}
	}
	i = 0;
	/* tag */
	t = i;
	while (i < n && !is_wsp(v[i]))
		i++;
	tl = i - t;
	if (tl == 0 || tl > 9 || sdp_parse_u64(v + t, tl, &tag)) {
		r = CERR(-EBADMSG, t, "bad tag (1 to 9 digits)");
		goto fail;
	}
	c->tag = (uint32_t)tag;
	/* suite */
	while (i < n && is_wsp(v[i]))
		i++;
	t = i;
	while (i < n && !is_wsp(v[i]))
		i++;
	tl = i - t;
	if (!tl) {
		r = CERR(-EBADMSG, t, "missing crypto-suite");
		goto fail;
	}
	for (size_t k = 0; k < tl; k++) {
		char ch = v[t + k];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_')) {
			r = CERR(-EBADMSG, t + k, "bad crypto-suite");
			goto fail;
		}
	}
	if (sdp_copy_str(c->suite_name, sizeof(c->suite_name), v + t, tl)) {
		r = CERR(-EMSGSIZE, t, "crypto-suite too long");
		goto fail;
	}
	c->suite = sdp_suite_parse(v + t, tl);
	/* key-params */
	while (i < n && is_wsp(v[i]))
		i++;
	t = i;
	while (i < n && !is_wsp(v[i]))
		i++;
	tl = i - t;
	if (!tl) {
		r = CERR(-EBADMSG, t, "missing key-params");
		goto fail;
	}
	r = keyparams_parse(v + t, tl, t, c->suite, c->keys, &c->n_keys, err);
	if (r)
		goto fail;
	/* session-params */
	for (;;) {
		while (i < n && is_wsp(v[i]))
			i++;
		if (i >= n)
			break;
		t = i;
		while (i < n && !is_wsp(v[i]))
			i++;
		r = sess_param(v + t, i - t, t, c, err);
		if (r)
			goto fail;
	}
	return 0;
fail:
	sdp_crypto_wipe(c);
	return r;
}

static int kp_print(const struct sdp_keyparam *kp, char *buf, size_t cap,
		    size_t *o)
{
	char b64[SDP_KEYSALT_MAX * 2];
	int r, w;

	r = sdp_base64_encode(kp->keysalt, kp->keysalt_len, b64, sizeof(b64));
	if (r < 0)
		return r;
	w = snprintf(buf + *o, cap - *o, "inline:%s", b64);
	sec_wipe(b64, sizeof(b64));
	if (w < 0 || (size_t)w >= cap - *o)
		return -ENOSPC;
	*o += (size_t)w;
	if (kp->has_lifetime) {
		if (kp->lifetime_pow2) {
			unsigned e = (unsigned)__builtin_ctzll(kp->lifetime);

			if (kp->lifetime != 1ull << e)
				return -EINVAL;
			w = snprintf(buf + *o, cap - *o, "|2^%u", e);
		} else {
			w = snprintf(buf + *o, cap - *o, "|%llu",
				     (unsigned long long)kp->lifetime);
		}
		if (w < 0 || (size_t)w >= cap - *o)
			return -ENOSPC;
		*o += (size_t)w;
	}
	if (kp->has_mki) {
		if (kp->mki_len < 1 || kp->mki_len > SDP_MKI_LEN_MAX)
			return -EINVAL;
		w = snprintf(buf + *o, cap - *o, "|%llu:%u",
			     (unsigned long long)kp->mki, kp->mki_len);
		if (w < 0 || (size_t)w >= cap - *o)
			return -ENOSPC;
		*o += (size_t)w;
	}
	return 0;
}

int sdp_crypto_print(const struct sdp_crypto *c, char *buf, size_t cap)
{
	size_t o = 0, k, kl = 0, sl = 0;
	int w, r;

	if (!c || !buf || !cap)
		return -EINVAL;
	if (sdp_suite_lens(c->suite, &kl, &sl) || c->n_keys < 1 ||
	    c->n_keys > SDP_CRYPTO_MAX_KEYS || c->n_fec_keys > SDP_CRYPTO_MAX_KEYS ||
	    c->tag > 999999999u)
		return -EINVAL;
	for (k = 0; k < c->n_keys; k++)
		if (c->keys[k].keysalt_len != kl + sl)
			return -EINVAL;
	w = snprintf(buf, cap, "%u %s ", c->tag, sdp_suite_name(c->suite));
	if (w < 0 || (size_t)w >= cap)
		return -ENOSPC;
	o = (size_t)w;
	for (k = 0; k < c->n_keys; k++) {
		if (k) {
			if (o + 1 >= cap) {
				r = -ENOSPC;
				goto fail;
			}
			buf[o++] = ';';
		}
		r = kp_print(&c->keys[k], buf, cap, &o);
		if (r)
			goto fail;
	}
#define ADD(...)                                                   \
	do {                                                       \
		w = snprintf(buf + o, cap - o, __VA_ARGS__);       \
		if (w < 0 || (size_t)w >= cap - o) {               \
			r = -ENOSPC;                               \
			goto fail;                                 \
		}                                                  \
		o += (size_t)w;                                    \
	} while (0)
	if (c->has_kdr)
		ADD(" KDR=%u", c->kdr);
	if (c->unencrypted_srtp)
		ADD(" UNENCRYPTED_SRTP");
	if (c->unencrypted_srtcp)
		ADD(" UNENCRYPTED_SRTCP");
	if (c->unauthenticated_srtp)
		ADD(" UNAUTHENTICATED_SRTP");
	if (c->fec_order)
		ADD(" FEC_ORDER=%s",
		    c->fec_order == SDP_FEC_FEC_SRTP ? "FEC_SRTP" : "SRTP_FEC");
	if (c->n_fec_keys) {
		ADD(" FEC_KEY=");
		for (k = 0; k < c->n_fec_keys; k++) {
			if (k)
				ADD(";");
			r = kp_print(&c->fec_keys[k], buf, cap, &o);
			if (r)
				goto fail;
		}
	}
	if (c->has_wsh)
		ADD(" WSH=%u", c->wsh);
	if (c->ext[0])
		ADD(" %s", c->ext);
#undef ADD
	if (o >= cap) {
		r = -ENOSPC;
		goto fail;
	}
	buf[o] = '\0';
	return (int)o;
fail:
	sec_wipe(buf, cap);
	buf[0] = '\0';
	return r;
}

int sdp_crypto_init(struct sdp_crypto *c, uint32_t tag, enum sdp_suite suite,
		    const uint8_t *keysalt, size_t len)
{
	size_t kl = 0, sl = 0;

	if (!c || !keysalt || tag == 0 || tag > 999999999u ||
	    !sdp_suite_supported(suite))
		return -EINVAL;
	sdp_suite_lens(suite, &kl, &sl);
	if (len != kl + sl)
		return -ERANGE;
	memset(c, 0, sizeof(*c));
	c->tag = tag;
	c->suite = suite;
	snprintf(c->suite_name, sizeof(c->suite_name), "%s",
		 sdp_suite_name(suite));
	c->n_keys = 1;
	memcpy(c->keys[0].keysalt, keysalt, len);
	c->keys[0].keysalt_len = (uint8_t)len;
	return 0;
}

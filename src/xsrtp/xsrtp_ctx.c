/*
 * xsrtp contexts: RFC 3711 4.3 key derivation, the session keys' OpenSSL
 * contexts (keyed once), AES-CM and AES-GCM per packet (re-IV only), the
 * per-SSRC stream table and the replay window (see xsrtp.h).
 */
#include "xsrtp/xsrtp_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/buf.h"
#include "base/sec.h"

#define AES_BLOCK 16
#define KDF_SALT 14 /* RFC 3711 4.3.1: the PRF input is 112 bits */

/* RFC 3711 4.3.2 labels. */
enum {
	LABEL_RTP_ENC = 0,
	LABEL_RTP_AUTH = 1,
	LABEL_RTP_SALT = 2,
	LABEL_RTCP_ENC = 3,
	LABEL_RTCP_AUTH = 4,
	LABEL_RTCP_SALT = 5,
};

static const EVP_CIPHER *cipher_for(bool gcm, size_t key_len)
{
	if (key_len == 16)
		return gcm ? EVP_aes_128_gcm() : EVP_aes_128_ctr();
	if (key_len == 32)
		return gcm ? EVP_aes_256_gcm() : EVP_aes_256_ctr();
	return NULL;
}

int xsrtp_kdf(const uint8_t *key, size_t key_len, const uint8_t *salt,
	      size_t salt_len, uint8_t label, uint8_t *out, size_t out_len)
{
	const EVP_CIPHER *aes = cipher_for(false, key_len);
	uint8_t iv[AES_BLOCK] = { 0 };
	EVP_CIPHER_CTX *x;
	int n, err = -EIO;

	if (!aes || !key || !salt || !out ||
	    (salt_len != XSRTP_CM_SALT && salt_len != XSRTP_GCM_SALT) ||
	    label > LABEL_RTCP_SALT || out_len > 0xffff * AES_BLOCK)
		return -EINVAL;
	/* 4.3.1: key_id = label || r (r = 0 with kdr 0), 56 bits, XORed
	 * into the low bits of the 112-bit salt: the label lands on octet 7.
	 * x * 2^16 is the AES-CM IV (4.3.3); a 96-bit AEAD salt is first
	 * multiplied by 2^16, i.e. followed by two zero octets (RFC 7714 11
	 * as corrected by its erratum 4938; libsrtp2 does the same). */
	memcpy(iv, salt, salt_len);
	iv[KDF_SALT - 7] ^= label;
	x = EVP_CIPHER_CTX_new();
	if (!x)
		return -ENOMEM;
	memset(out, 0, out_len);
	if (EVP_EncryptInit_ex(x, aes, NULL, key, iv) == 1 &&
	    EVP_EncryptUpdate(x, out, &n, out, (int)out_len) == 1 &&
	    (size_t)n == out_len)
		err = 0;
	EVP_CIPHER_CTX_free(x); /* cleanses the key schedule */
	sec_wipe(iv, sizeof(iv));
	if (err)
		sec_wipe(out, out_len);
	return err;
}

/* --- session keys -------------------------------------------------------- */

static int keys_init(struct xsrtp_keys *k, bool gcm, size_t key_len,
		     const uint8_t *key, const uint8_t *salt,
		     const uint8_t *auth)
{
	const EVP_CIPHER *aes = cipher_for(gcm, key_len);

	if (!aes)
		return -EINVAL;
	k->aes = EVP_CIPHER_CTX_new();
	if (!k->aes)
		return -ENOMEM;
	/* Keyed here, once; per packet only the IV changes. */
	if (EVP_EncryptInit_ex(k->aes, aes, NULL, key, NULL) != 1)
		return -EIO;
	memcpy(k->salt, salt, gcm ? XSRTP_GCM_SALT : XSRTP_CM_SALT);
	if (!gcm)
		xsrtp_hmac_init(&k->mac, auth);
	return 0;
}

static void keys_free(struct xsrtp_keys *k)
{
	/* EVP_CIPHER_CTX_free cleanses the cipher's key schedule. */
	EVP_CIPHER_CTX_free(k->aes);
	k->aes = NULL;
	sec_wipe(k->salt, sizeof(k->salt));
	xsrtp_hmac_wipe(&k->mac);
}

static int profile_setup(struct xsrtp_ctx *c, int profile, size_t max_streams)
{
	size_t key_len, salt_len, tag_len, ov;

	if (ksrtp_profile_lens(profile, &key_len, &salt_len, &tag_len) ||
	    ksrtp_profile_overhead(profile, true, &ov))
		return -EINVAL;
	if (max_streams > XSRTP_STREAMS_MAX)
		return -ERANGE;
	c->profile = profile;
	c->gcm = profile == KSRTP_AEAD_AES_128_GCM ||
		 profile == KSRTP_AEAD_AES_256_GCM;
	c->tag_len = (uint8_t)tag_len;
	c->rtcp_tag_len = (uint8_t)(ov - XSRTP_EIDX_LEN);
	c->max = (uint32_t)(max_streams ? max_streams : XSRTP_STREAMS_DEFAULT);
	return 0;
}

int xsrtp_ctx_alloc_session(struct xsrtp_ctx **cp, int profile,
			    const struct xsrtp_session_keys *rtp,
			    const struct xsrtp_session_keys *rtcp,
			    size_t max_streams)
{
	struct xsrtp_ctx *c;
	size_t key_len = 0;
	int err;

	if (!cp || !rtp || !rtcp)
		return -EINVAL;
	*cp = NULL;
	if (ksrtp_profile_lens(profile, &key_len, NULL, NULL))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = profile_setup(c, profile, max_streams);
	if (!err)
		err = keys_init(&c->rtp, c->gcm, key_len, rtp->key, rtp->salt,
				rtp->auth);
	if (!err)
		err = keys_init(&c->rtcp, c->gcm, key_len, rtcp->key,
				rtcp->salt, rtcp->auth);
	if (err) {
		xsrtp_ctx_free(c);
		return err;
	}
	*cp = c;
	return 0;
}

int xsrtp_ctx_alloc(struct xsrtp_ctx **cp, const struct ksrtp_keymat *k,
		    size_t max_streams)
{
	struct xsrtp_session_keys s[2];
	size_t sl;
	int err;

	if (!cp)
		return -EINVAL;
	*cp = NULL;
	if ((err = ksrtp_keymat_check(k)))
		return err;
	if (max_streams > XSRTP_STREAMS_MAX)
		return -ERANGE;
	memset(s, 0, sizeof(s));
	sl = k->salt_len; /* the session salt is as long as the master's */
	/* RFC 3711 4.3.2: SRTP labels 0..2, SRTCP labels 3..5. The AEAD
	 * profiles derive no authentication key (RFC 7714 11). */
	for (int i = 0; i < 2 && !err; i++) {
		uint8_t base = (uint8_t)(i * 3);

		err = xsrtp_kdf(k->key, k->key_len, k->salt, k->salt_len,
				base + LABEL_RTP_ENC, s[i].key, k->key_len);
		if (!err)
			err = xsrtp_kdf(k->key, k->key_len, k->salt,
					k->salt_len, base + LABEL_RTP_SALT,
					s[i].salt, sl);
		if (!err && sl == XSRTP_CM_SALT)
			err = xsrtp_kdf(k->key, k->key_len, k->salt,
					k->salt_len, base + LABEL_RTP_AUTH,
					s[i].auth, XSRTP_AUTH_KEY);
	}
	if (!err)
		err = xsrtp_ctx_alloc_session(cp, k->profile, &s[0], &s[1],
					      max_streams);
	sec_wipe(s, sizeof(s));
	return err;
}

void xsrtp_ctx_stats(const struct xsrtp_ctx *c, struct xsrtp_stats *st)
{
	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (!c)
		return;
	*st = c->stats;
	st->streams = c->n;
}

void xsrtp_ctx_free(struct xsrtp_ctx *c)
{
	if (!c)
		return;
	keys_free(&c->rtp);
	keys_free(&c->rtcp);
	if (c->st) {
		sec_wipe(c->st, c->cap * sizeof(*c->st));
		free(c->st);
	}
	sec_wipe(c, sizeof(*c));
	free(c);
}

/* --- per packet: AES-CM and AES-GCM ---------------------------------------- */

int xsrtp_cm_crypt(struct xsrtp_keys *k, uint32_t ssrc, uint64_t index,
		   uint8_t *data, size_t n)
{
	uint8_t iv[AES_BLOCK] = { 0 };
	struct buf_wr w;
	int out;

	/* RFC 3711 4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR
	 * (i * 2^16): octets 4..7 SSRC, 8..13 the 48-bit index. */
	buf_wr_init(&w, iv, sizeof(iv));
	(void)buf_put_u32(&w, 0);
	(void)buf_put_u32(&w, ssrc);
	(void)buf_put_u16(&w, (uint16_t)(index >> 32));
	(void)buf_put_u32(&w, (uint32_t)index);
	for (size_t i = 0; i < XSRTP_CM_SALT; i++)
		iv[i] ^= k->salt[i];
	if (!n)
		return 0;
	/* NULL cipher and key: the context keeps its key schedule; a new IV
	 * restarts the counter. */
	if (EVP_EncryptInit_ex(k->aes, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(k->aes, data, &out, data, (int)n) != 1 ||
	    (size_t)out != n)
		return -EIO;
	return 0;
}

/* RFC 7714 8.1 / 9.1: 12-octet IV = (00 00 || SSRC || v48) XOR salt, where
 * v48 is ROC || SEQ for SRTP and 00 00 || 0 || index for SRTCP. */
static void gcm_iv(const struct xsrtp_keys *k, uint32_t ssrc, uint64_t v,
		   uint8_t iv[XSRTP_GCM_SALT])
{
	struct buf_wr w;

	buf_wr_init(&w, iv, XSRTP_GCM_SALT);
	(void)buf_put_u16(&w, 0);
	(void)buf_put_u32(&w, ssrc);
	(void)buf_put_u16(&w, (uint16_t)(v >> 32));
	(void)buf_put_u32(&w, (uint32_t)v);
	for (size_t i = 0; i < XSRTP_GCM_SALT; i++)
		iv[i] ^= k->salt[i];
}

/* One GCM pass in direction enc over aad and data (in place). */
static int gcm_pass(struct xsrtp_keys *k, int enc,
		    const uint8_t iv[XSRTP_GCM_SALT], const uint8_t *a1,
		    size_t a1len, const uint8_t *a2, size_t a2len,
		    uint8_t *data, size_t n)
{
	int out;

	if (EVP_CipherInit_ex(k->aes, NULL, NULL, NULL, iv, enc) != 1 ||
	    EVP_CipherUpdate(k->aes, NULL, &out, a1, (int)a1len) != 1)
		return -EIO;
	if (a2len && EVP_CipherUpdate(k->aes, NULL, &out, a2, (int)a2len) != 1)
		return -EIO;
	if (n && (EVP_CipherUpdate(k->aes, data, &out, data, (int)n) != 1 ||
		  (size_t)out != n))
		return -EIO;
	return 0;
}

int xsrtp_gcm_seal(struct xsrtp_keys *k, uint32_t ssrc, uint64_t v,
		   const uint8_t *a1, size_t a1len, const uint8_t *a2,
		   size_t a2len, uint8_t *data, size_t n,
		   uint8_t tag[XSRTP_GCM_TAG])
{
	uint8_t iv[XSRTP_GCM_SALT];
	int out, err;

	gcm_iv(k, ssrc, v, iv);
	err = gcm_pass(k, 1, iv, a1, a1len, a2, a2len, data, n);
	if (err)
		return err;
	if (EVP_EncryptFinal_ex(k->aes, tag, &out) != 1 ||
	    EVP_CIPHER_CTX_ctrl(k->aes, EVP_CTRL_AEAD_GET_TAG, XSRTP_GCM_TAG,
				tag) != 1)
		return -EIO;
	return 0;
}

int xsrtp_gcm_open(struct xsrtp_keys *k, uint32_t ssrc, uint64_t v,
		   const uint8_t *a1, size_t a1len, const uint8_t *a2,
		   size_t a2len, uint8_t *data, size_t n,
		   const uint8_t tag[XSRTP_GCM_TAG])
{
	uint8_t iv[XSRTP_GCM_SALT], t[XSRTP_GCM_TAG];
	int out, err;

	gcm_iv(k, ssrc, v, iv);
	err = gcm_pass(k, 0, iv, a1, a1len, a2, a2len, data, n);
	if (err)
		return err;
	memcpy(t, tag, sizeof(t)); /* the ctrl takes a non-const pointer */
	if (EVP_CIPHER_CTX_ctrl(k->aes, EVP_CTRL_AEAD_SET_TAG, XSRTP_GCM_TAG,
				t) != 1)
		return -EIO;
	if (EVP_DecryptFinal_ex(k->aes, t, &out) == 1)
		return 0;
	/* Wrong tag: CTR mode is its own inverse, so running the keystream
	 * over the data again restores the packet as it came. */
	if (n && gcm_pass(k, 1, iv, a1, a1len, a2, a2len, data, n))
		return -EIO;
	return -EACCES;
}

/* --- streams and the replay window ---------------------------------------- */

struct xsrtp_stream *xsrtp_stream_find(struct xsrtp_ctx *c, uint32_t ssrc)
{
	if (c->last < c->n && c->st[c->last].ssrc == ssrc)
		return &c->st[c->last];
	for (uint32_t i = 0; i < c->n; i++)
		if (c->st[i].ssrc == ssrc) {
			c->last = i;
			return &c->st[i];
		}
	return NULL;
}

int xsrtp_stream_reserve(struct xsrtp_ctx *c)
{
	struct xsrtp_stream *st;
	uint32_t cap;

	if (c->n >= c->max) {
		c->stats.no_room++;
		return -ENOBUFS;
	}
	if (c->n < c->cap)
		return 0;
	cap = c->cap ? c->cap * 2 : 4;
	if (cap > c->max)
		cap = c->max;
	st = calloc(cap, sizeof(*st));
	if (!st)
		return -ENOMEM;
	if (c->n)
		memcpy(st, c->st, c->n * sizeof(*st));
	if (c->st) {
		sec_wipe(c->st, c->cap * sizeof(*c->st));
		free(c->st);
	}
	c->st = st;
	c->cap = cap;
	return 0;
}

struct xsrtp_stream *xsrtp_stream_add(struct xsrtp_ctx *c,
				      const struct xsrtp_stream *s)
{
	c->last = c->n;
	c->st[c->n] = *s;
	return &c->st[c->n++];
}

int xsrtp_replay_check(const struct xsrtp_replay *r, bool seen, uint64_t idx)
{
	uint64_t d;

	if (!seen || idx > r->hi)
		return 0;
	d = r->hi - idx;
	/* RFC 3711 3.3.2: left of the window, or marked inside it. */
	if (d >= XSRTP_REPLAY_WINDOW || (r->bits >> d) & 1)
		return -EALREADY;
	return 0;
}

void xsrtp_replay_add(struct xsrtp_replay *r, bool seen, uint64_t idx)
{
	uint64_t d;

	if (!seen) {
		r->hi = idx;
		r->bits = 1;
		return;
	}
	if (idx > r->hi) {
		d = idx - r->hi;
		r->bits = d >= XSRTP_REPLAY_WINDOW ? 1 : (r->bits << d) | 1;
		r->hi = idx;
		return;
	}
	r->bits |= 1ULL << (r->hi - idx);
}

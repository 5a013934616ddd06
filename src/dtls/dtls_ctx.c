/*
 * dtls_ctx: the shared DTLS-SRTP context (see dtls.h): SSL_CTX set-up,
 * certificate (loaded or generated), fingerprint, SRTP profiles, and the
 * callbacks that every conn's SSL runs: peer fingerprint check (RFC 5763
 * section 5), HelloVerifyRequest cookies (RFC 6347 4.2.1) and the
 * key_transport extension (draft-wing-avt-dtls-srtp-key-transport-02 4.1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/klog.h"
#include "base/sec.h"
#include "dtls/dtls_priv.h"

/* TLS renegotiation_info (RFC 5746) sits in the private-use range. */
#define DTLS_EXT_RENEGOTIATION_INFO 0xFF01u
#define DTLS_CERT_DAYS 365
#define DTLS_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES:!aNULL:!PSK:!SRP"

static const struct {
	int id;
	const char *name;
	size_t key_len, salt_len;
} profiles[] = {
	{ DTLS_SRTP_AES128_CM_SHA1_80, "SRTP_AES128_CM_SHA1_80", 16, 14 },
	{ DTLS_SRTP_AES128_CM_SHA1_32, "SRTP_AES128_CM_SHA1_32", 16, 14 },
	{ DTLS_SRTP_AEAD_AES_128_GCM, "SRTP_AEAD_AES_128_GCM", 16, 12 },
	{ DTLS_SRTP_AEAD_AES_256_GCM, "SRTP_AEAD_AES_256_GCM", 32, 12 },
};
#define N_PROFILES (sizeof(profiles) / sizeof(profiles[0]))

static int profile_index(int id)
{
	for (size_t i = 0; i < N_PROFILES; i++)
		if (profiles[i].id == id)
			return (int)i;
	return -1;
}

const char *dtls_profile_name(int profile)
{
	int i = profile_index(profile);

	return i < 0 ? NULL : profiles[i].name;
}

int dtls_profile_parse(const char *name)
{
	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < N_PROFILES; i++)
		if (strcmp(name, profiles[i].name) == 0)
			return profiles[i].id;
	return -EINVAL;
}

int dtls_profile_lens(int profile, size_t *key_len, size_t *salt_len)
{
	int i = profile_index(profile);

	if (i < 0)
		return -EINVAL;
	*key_len = profiles[i].key_len;
	*salt_len = profiles[i].salt_len;
	return 0;
}

/* ---- fingerprints (RFC 8122 5) ------------------------------------------ */

void dtls_fp_format(const uint8_t md[32], char out[DTLS_FP_LEN])
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < 32; i++) {
		if (i)
			out[o++] = ':';
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 0x0f];
	}
	out[o] = '\0';
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int dtls_fingerprint_parse(const char *s, uint8_t out[32])
{
	uint8_t md[32];

	if (!s || strlen(s) != DTLS_FP_LEN - 1)
		return -EBADMSG;
	for (size_t i = 0; i < 32; i++) {
		const char *p = s + 3 * i;
		int hi = hexval(p[0]), lo = hexval(p[1]);

		if (hi < 0 || lo < 0 || (i < 31 && p[2] != ':'))
			return -EBADMSG;
		md[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out, md, sizeof(md));
	return 0;
}

int dtls_cert_digest(X509 *cert, uint8_t md[32])
{
	unsigned int n = 0;

	if (!cert || !X509_digest(cert, EVP_sha256(), md, &n) || n != 32)
		return -EIO;
	return 0;
}

/* ---- certificate ---------------------------------------------------------- */

/* ECDSA P-256 self-signed certificate, the usual DTLS-SRTP identity. */
static int cert_generate(SSL_CTX *sctx)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	uint8_t serial[8];
	BIGNUM *bn = NULL;
	int rc = -EIO;

	if (!pkey || !x || sec_random(serial, sizeof(serial)) < 0)
		goto out;
	serial[0] &= 0x7f; /* positive */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		goto out;
	name = X509_get_subject_name(x);
	if (!X509_set_version(x, 2) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -86400L) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 86400L * DTLS_CERT_DAYS) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"ktrsbc", -1, -1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, pkey) ||
	    !X509_sign(x, pkey, EVP_sha256()))
		goto out;
	if (SSL_CTX_use_certificate(sctx, x) != 1 || SSL_CTX_use_PrivateKey(sctx, pkey) != 1)
		goto out;
	rc = 0;
out:
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return rc;
}

static int cert_load(SSL_CTX *sctx, const char *cert_file, const char *key_file)
{
	if (SSL_CTX_use_certificate_chain_file(sctx, cert_file) != 1) {
		klog(KLOG_ERR, "dtls: cannot load certificate %s", cert_file);
		return -EIO;
	}
	if (SSL_CTX_use_PrivateKey_file(sctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(sctx) != 1) {
		klog(KLOG_ERR, "dtls: cannot load key %s or it does not match", key_file);
		return -EIO;
	}
	return 0;
}

/* ---- callbacks ------------------------------------------------------------ */

/*
 * RFC 5763 5: the peer's certificate is typically self-signed; it is
 * accepted iff its SHA-256 equals the SDP fingerprint. Chain errors are
 * ignored; only the leaf (depth 0) decides. May run twice: idempotent.
 * On a mismatch OpenSSL sends bad_certificate (X509_V_ERR_CERT_REJECTED).
 */
static int verify_cb(int preverify, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct dtls_conn *d = ssl ? dtls_conn_of(ssl) : NULL;
	uint8_t md[32];

	if (!d)
		return 0;
	if (X509_STORE_CTX_get_error_depth(xs) != 0)
		return 1;
	if (dtls_cert_digest(X509_STORE_CTX_get_current_cert(xs), md) < 0 ||
	    !sec_equal(md, d->peer_fp, sizeof(md))) {
		d->fp_mismatch = true;
		X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	X509_STORE_CTX_set_error(xs, X509_V_OK);
	return 1;
}

static int cookie_compute(SSL *ssl, uint8_t out[DTLS_COOKIE_LEN])
{
	struct dtls_conn *d = dtls_conn_of(ssl);
	unsigned int n = 0;

	if (!d)
		return -EINVAL;
	if (!HMAC(EVP_sha256(), d->ctx->cookie_secret, sizeof(d->ctx->cookie_secret),
		  d->cookie_id, d->cookie_id_len, out, &n) ||
	    n != DTLS_COOKIE_LEN)
		return -EIO;
	return 0;
}

static int cookie_generate_cb(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
	uint8_t c[DTLS_COOKIE_LEN];

	if (cookie_compute(ssl, c) < 0)
		return 0;
	memcpy(cookie, c, sizeof(c));
	*len = sizeof(c);
	return 1;
}

static int cookie_verify_cb(SSL *ssl, const unsigned char *cookie, unsigned int len)
{
	uint8_t c[DTLS_COOKIE_LEN];

	if (len != sizeof(c) || cookie_compute(ssl, c) < 0)
		return 0;
	return sec_equal(c, cookie, sizeof(c));
}

/*
 * key_transport (draft 4.1): empty extension_data. Client: offer in
 * ClientHello when the conn wants it. Server: this runs only when the
 * ClientHello carried the extension; echo it only if the conn wants KTR
 * and use_srtp was negotiated (the draft ties KTR to DTLS-SRTP).
 */
static int ktr_add_cb(SSL *ssl, unsigned int type, unsigned int context,
		      const unsigned char **out, size_t *outlen, X509 *x, size_t chainidx,
		      int *al, void *arg)
{
	struct dtls_conn *d = dtls_conn_of(ssl);

	if (!d || !d->offer_ktr)
		return 0;
	if (context == SSL_EXT_TLS1_2_SERVER_HELLO) {
		if (!SSL_get_selected_srtp_profile(ssl))
			return 0;
		d->ktr_echoed = true;
	}
	*out = NULL;
	*outlen = 0;
	return 1;
}

static int ktr_parse_cb(SSL *ssl, unsigned int type, unsigned int context,
			const unsigned char *in, size_t inlen, X509 *x, size_t chainidx,
			int *al, void *arg)
{
	struct dtls_conn *d = dtls_conn_of(ssl);

	if (!d)
		return 0;
	if (inlen != 0) {
		*al = SSL_AD_DECODE_ERROR;
		return 0;
	}
	/* The server notes the offer through its add callback running; the
	 * client learns acceptance only here (OpenSSL already refuses an
	 * unsolicited echo). */
	if (context == SSL_EXT_TLS1_2_SERVER_HELLO) {
		/* Built-in extensions (use_srtp) are parsed before custom ones:
		 * an echo without an SRTP profile violates draft 4.1. */
		if (!SSL_get_selected_srtp_profile(ssl)) {
			*al = SSL_AD_ILLEGAL_PARAMETER;
			return 0;
		}
		d->ktr_echoed = true;
	}
	return 1;
}

static int ctx_install_callbacks(struct dtls_ctx *c)
{
	SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   verify_cb);
	SSL_CTX_set_cookie_generate_cb(c->ssl_ctx, cookie_generate_cb);
	SSL_CTX_set_cookie_verify_cb(c->ssl_ctx, cookie_verify_cb);
	if (c->ktr_ext_type == 0)
		return 0;
	if (SSL_CTX_add_custom_ext(c->ssl_ctx, c->ktr_ext_type,
				   SSL_EXT_TLS1_2_AND_BELOW_ONLY | SSL_EXT_CLIENT_HELLO |
					   SSL_EXT_TLS1_2_SERVER_HELLO,
				   ktr_add_cb, NULL, NULL, ktr_parse_cb, NULL) != 1)
		return -EINVAL;
	return 0;
}

/* ---- context ------------------------------------------------------------- */

static int profiles_string(const struct dtls_ctx_cfg *cfg, char *s, size_t cap)
{
	static const int defaults[] = { DTLS_SRTP_AES128_CM_SHA1_80, DTLS_SRTP_AES128_CM_SHA1_32,
					DTLS_SRTP_AEAD_AES_128_GCM, DTLS_SRTP_AEAD_AES_256_GCM };
	const int *list = cfg->profiles ? cfg->profiles : defaults;
	size_t n = cfg->profiles ? cfg->n_profiles : N_PROFILES;
	bool seen[N_PROFILES] = { false };

	if (n == 0 || n > N_PROFILES)
		return -EINVAL;
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int k = profile_index(list[i]);

		if (k < 0 || seen[k])
			return -EINVAL;
		seen[k] = true;
		if (i)
			strncat(s, ":", cap - strlen(s) - 1);
		strncat(s, profiles[k].name, cap - strlen(s) - 1);
	}
	return 0;
}

int dtls_ctx_alloc(struct dtls_ctx **cp, const struct dtls_ctx_cfg *cfg)
{
	struct dtls_ctx *c;
	char plist[128];
	uint8_t md[32];
	int rc;

	if (!cp || !cfg || (!cfg->cert_file != !cfg->key_file))
		return -EINVAL;
	if (cfg->mtu && (cfg->mtu < DTLS_MTU_MIN || cfg->mtu > DTLS_MTU_MAX))
		return -EINVAL;
	if (cfg->ktr_ext_type &&
	    (cfg->ktr_ext_type == DTLS_EXT_RENEGOTIATION_INFO ||
	     SSL_extension_supported(cfg->ktr_ext_type)))
		return -EINVAL;
	if (profiles_string(cfg, plist, sizeof(plist)) < 0)
		return -EINVAL;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ktr_ext_type = cfg->ktr_ext_type;
	c->mtu = cfg->mtu ? cfg->mtu : DTLS_MTU_DEFAULT;
	c->retransmit_ms = cfg->retransmit_ms ? cfg->retransmit_ms : DTLS_RETRANSMIT_MS_DEFAULT;
	c->handshake_timeout_ms = cfg->handshake_timeout_ms ? cfg->handshake_timeout_ms :
							      DTLS_HANDSHAKE_MS_DEFAULT;
	rc = -EIO;
	if (sec_random(c->cookie_secret, sizeof(c->cookie_secret)) < 0)
		goto fail;
	c->bio_meth = dtls_bio_meth_new();
	c->ssl_ctx = SSL_CTX_new(DTLS_method());
	if (!c->bio_meth || !c->ssl_ctx)
		goto fail;
	if (!SSL_CTX_set_min_proto_version(c->ssl_ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(c->ssl_ctx, DTLS1_2_VERSION) ||
	    SSL_CTX_set_cipher_list(c->ssl_ctx, DTLS_CIPHERS) != 1)
		goto fail;
	SSL_CTX_set_options(c->ssl_ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_COOKIE_EXCHANGE |
						SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
						SSL_OP_CLEANSE_PLAINTEXT);
	SSL_CTX_set_session_cache_mode(c->ssl_ctx, SSL_SESS_CACHE_OFF);
	/* RFC 5764 4.1.1; note: returns 0 on success. */
	if (SSL_CTX_set_tlsext_use_srtp(c->ssl_ctx, plist) != 0)
		goto fail;
	rc = cfg->cert_file ? cert_load(c->ssl_ctx, cfg->cert_file, cfg->key_file) :
			      cert_generate(c->ssl_ctx);
	if (rc < 0)
		goto fail;
	rc = -EIO;
	if (dtls_cert_digest(SSL_CTX_get0_certificate(c->ssl_ctx), md) < 0)
		goto fail;
	dtls_fp_format(md, c->fp);
	SSL_CTX_set_app_data(c->ssl_ctx, c);
	rc = ctx_install_callbacks(c);
	if (rc < 0)
		goto fail;
	*cp = c;
	return 0;
fail:
	ERR_clear_error();
	dtls_ctx_free(c);
	return rc;
}

void dtls_ctx_free(struct dtls_ctx *c)
{
	if (!c)
		return;
	SSL_CTX_free(c->ssl_ctx);
	BIO_meth_free(c->bio_meth);
	sec_wipe(c->cookie_secret, sizeof(c->cookie_secret));
	free(c);
}

const char *dtls_ctx_fingerprint(const struct dtls_ctx *c)
{
	return c->fp;
}

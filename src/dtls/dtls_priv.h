/*
 * dtls internals shared by dtls_ctx.c, dtls_bio.c and dtls_conn.c. Not for
 * other modules: use dtls.h.
 */
#ifndef KTRSBC_DTLS_PRIV_H
#define KTRSBC_DTLS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "dtls/dtls.h"

#define DTLS_COOKIE_SECRET_LEN 32
#define DTLS_COOKIE_ID_MAX 64
#define DTLS_COOKIE_LEN 32 /* HMAC-SHA256; <= DTLS1_COOKIE_LENGTH */
#define DTLS_ERR_TEXT_MAX 160

struct dtls_ctx {
	SSL_CTX *ssl_ctx;
	BIO_METHOD *bio_meth; /* the conns' datagram BIO */
	char fp[DTLS_FP_LEN];
	uint16_t ktr_ext_type;
	unsigned mtu;
	unsigned retransmit_ms;
	unsigned handshake_timeout_ms;
	uint8_t cookie_secret[DTLS_COOKIE_SECRET_LEN];
};

enum dtls_state {
	DTLS_ST_IDLE, /* allocated, not started (client) / waiting (server) */
	DTLS_ST_HANDSHAKE,
	DTLS_ST_ESTABLISHED,
	DTLS_ST_FAILED, /* err < 0 */
	DTLS_ST_CLOSED, /* peer close_notify */
};

struct dtls_conn {
	struct dtls_ctx *ctx;
	SSL *ssl;
	BIO *bio; /* owned by ssl */
	enum dtls_role role;
	enum dtls_state state;
	int err;
	struct dtls_conn_ops ops;
	void *arg;
	uint8_t peer_fp[32];
	bool offer_ktr;
	bool ktr_echoed; /* client: ServerHello had it; server: we echoed it */
	bool fp_mismatch; /* set by the verify callback */
	bool hs_done; /* handshake completed once */
	uint64_t hs_deadline_ms; /* 0 = not started */
	uint8_t cookie_id[DTLS_COOKIE_ID_MAX];
	size_t cookie_id_len;
	/* Record buffers freed between calls once established (dtls_conn.c);
	 * depth: calls into OpenSSL in progress (KTR writes nest in reads). */
	bool bufs_freed;
	unsigned depth;
	/* The datagram being fed to OpenSSL during dtls_conn_input only. */
	const uint8_t *in;
	size_t in_len;
	char errtext[DTLS_ERR_TEXT_MAX];
};

/* dtls_ctx.c: format a SHA-256 digest as "AB:CD:...". */
void dtls_fp_format(const uint8_t md[32], char out[DTLS_FP_LEN]);
/* SHA-256 of cert into md. 0 or -EIO. */
int dtls_cert_digest(X509 *cert, uint8_t md[32]);

/* dtls_bio.c: a datagram BIO over conn->in and ops->send. */
BIO_METHOD *dtls_bio_meth_new(void);
BIO *dtls_bio_new(struct dtls_conn *d);

/* The conn behind an SSL (SSL app data). */
static inline struct dtls_conn *dtls_conn_of(const SSL *ssl)
{
	return SSL_get_app_data(ssl);
}

#endif

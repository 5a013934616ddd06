/*
 * xsrtp private: the context, its session keys and streams, shared by
 * xsrtp_ctx.c (derivation, keys, stream table), xsrtp_hmac.c (HMAC-SHA1
 * with precomputed states), xsrtp_rtp.c (SRTP) and xsrtp_rtcp.c (SRTCP).
 * Not for use outside src/xsrtp/.
 */
#ifndef KTRSBC_XSRTP_INT_H
#define KTRSBC_XSRTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "xsrtp/xsrtp.h"

#define XSRTP_CM_SALT 14    /* RFC 3711 4.3.1: 112-bit salt */
#define XSRTP_GCM_SALT 12   /* RFC 7714 8.1: 96-bit salt */
#define XSRTP_AUTH_KEY 20   /* RFC 3711 4.2.1: n_a = 160 */
#define XSRTP_GCM_TAG 16    /* RFC 7714 14.2 */
#define XSRTP_CM_RTCP_TAG 10 /* RFC 5764 4.1.2: 80 bits for both */
#define XSRTP_EIDX_LEN 4    /* E flag + 31-bit SRTCP index (RFC 3711 3.4) */
#define XSRTP_RTCP_HDR 8    /* first 8 octets of SRTCP stay clear */
#define XSRTP_SRTCP_INDEX_MAX 0x7fffffffu
#define XSRTP_SRTP_INDEX_MAX ((1ULL << 48) - 1)

/* HMAC-SHA1 with the key already absorbed (RFC 2104): each packet copies
 * the two states (no allocation). The low-level SHA1 context is the one
 * OpenSSL 3.0 interface that copies without allocating (EVP_MD_CTX_copy_ex
 * duplicates the provider context with malloc on every call; measured
 * 450 ns per HMAC against 200-270 ns here): xsrtp_hmac.c is the one file
 * that uses it. */
struct xsrtp_hmac {
	SHA_CTX in, out;
};
void xsrtp_hmac_init(struct xsrtp_hmac *h, const uint8_t key[XSRTP_AUTH_KEY]);
/* HMAC(a || b) into mac (20 octets). */
void xsrtp_hmac_sum(const struct xsrtp_hmac *h, const uint8_t *a,
		    size_t alen, const uint8_t *b, size_t blen,
		    uint8_t mac[SHA_DIGEST_LENGTH]);
void xsrtp_hmac_wipe(struct xsrtp_hmac *h);

/* The session keys of SRTP or of SRTCP. */
struct xsrtp_keys {
	EVP_CIPHER_CTX *aes;  /* keyed once: CTR (CM) or GCM */
	uint8_t salt[XSRTP_CM_SALT];
	struct xsrtp_hmac mac; /* CM only */
};

/* Replay state of one index space (RFC 3711 3.3.2): the highest index and
 * a bitmap, bit d set when index hi - d was accepted. */
struct xsrtp_replay {
	uint64_t hi;
	uint64_t bits;
};

struct xsrtp_stream {
	uint32_t ssrc;
	bool rtp_seen, rtcp_seen;
	struct xsrtp_replay rtp;  /* hi = ROC << 16 | s_l */
	struct xsrtp_replay rtcp; /* receive: highest index; send: next-1 */
};

struct xsrtp_ctx {
	int profile;
	bool gcm;
	uint8_t tag_len;      /* SRTP tag */
	uint8_t rtcp_tag_len; /* SRTCP tag */
	struct xsrtp_keys rtp, rtcp;
	struct xsrtp_stream *st; /* st[0..n), capacity cap, limit max */
	uint32_t n, cap, max;
	uint32_t last; /* index of the stream used last (cache) */
	struct xsrtp_stats stats;
};

/* The stream for ssrc, or NULL. */
struct xsrtp_stream *xsrtp_stream_find(struct xsrtp_ctx *c, uint32_t ssrc);
/* Before any crypto for an unknown SSRC: -ENOBUFS past max, else make
 * room for one more stream (may allocate: -ENOMEM). */
int xsrtp_stream_reserve(struct xsrtp_ctx *c);
/* Record s (room reserved before). Returns the stored stream. */
struct xsrtp_stream *xsrtp_stream_add(struct xsrtp_ctx *c,
				      const struct xsrtp_stream *s);

/* Replay window (RFC 3711 3.3.2): 0 when idx may be accepted given the
 * state (seen = the space has an accepted index), else -EALREADY. */
int xsrtp_replay_check(const struct xsrtp_replay *r, bool seen, uint64_t idx);
/* Mark idx accepted. */
void xsrtp_replay_add(struct xsrtp_replay *r, bool seen, uint64_t idx);

/* AES-CM (RFC 3711 4.1.1): data[0..n) XOR the keystream for IV
 * (salt * 2^16) XOR (ssrc * 2^64) XOR (index * 2^16). 0 or -EIO. */
int xsrtp_cm_crypt(struct xsrtp_keys *k, uint32_t ssrc, uint64_t index,
		   uint8_t *data, size_t n);
/* AES-GCM (RFC 7714): IV = salt XOR (0 0 || ssrc || v), v the 48-bit SRTP
 * index or the 31-bit SRTCP index (8.1, 9.1). aad = a1 || a2 (a2 may be
 * empty). Encrypt data in place and write the tag; or decrypt in place and
 * check the tag (-EACCES, data restored). 0, -EACCES, -EIO. */
int xsrtp_gcm_seal(struct xsrtp_keys *k, uint32_t ssrc, uint64_t v,
		   const uint8_t *a1, size_t a1len, const uint8_t *a2,
		   size_t a2len, uint8_t *data, size_t n,
		   uint8_t tag[XSRTP_GCM_TAG]);
int xsrtp_gcm_open(struct xsrtp_keys *k, uint32_t ssrc, uint64_t v,
		   const uint8_t *a1, size_t a1len, const uint8_t *a2,
		   size_t a2len, uint8_t *data, size_t n,
		   const uint8_t tag[XSRTP_GCM_TAG]);

#endif

/*
 * xsrtp SRTP: protect and unprotect in place (RFC 3711 3.3 with AES-CM and
 * HMAC-SHA1; RFC 7714 8 with AES-GCM). See xsrtp.h for the contract.
 */
#include "xsrtp/xsrtp_int.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/buf.h"

#define RTP_VERSION 2
#define ROC_LEN 4

/* RFC 3550 5.1 / 5.3.1: the header (fixed part, CSRCs, extension) must be
 * present; *hlen is its length. 0, -EBADMSG. */
static int rtp_header(const uint8_t *pkt, size_t len, size_t *hlen,
		      uint16_t *seq, uint32_t *ssrc)
{
	struct buf_rd r;
	uint8_t b0, b1;
	uint16_t xlen;
	uint32_t ts;

	buf_rd_init(&r, pkt, len);
	if (buf_get_u8(&r, &b0) || b0 >> 6 != RTP_VERSION ||
	    buf_get_u8(&r, &b1) || buf_get_u16(&r, seq) ||
	    buf_get_u32(&r, &ts) || buf_get_u32(&r, ssrc) ||
	    buf_skip(&r, 4u * (b0 & 0x0f)))
		return -EBADMSG;
	if ((b0 & 0x10) &&
	    (buf_skip(&r, 2) || buf_get_u16(&r, &xlen) ||
	     buf_skip(&r, 4u * xlen)))
		return -EBADMSG;
	*hlen = r.off;
	return 0;
}

/* The stream state for ssrc: the table's, or *tmp for an unknown SSRC
 * (room reserved; the caller records it once the packet went through). */
static int stream_get(struct xsrtp_ctx *c, uint32_t ssrc,
		      struct xsrtp_stream *tmp, struct xsrtp_stream **sp)
{
	int err;

	*sp = xsrtp_stream_find(c, ssrc);
	if (*sp)
		return 0;
	if ((err = xsrtp_stream_reserve(c)))
		return err;
	memset(tmp, 0, sizeof(*tmp));
	tmp->ssrc = ssrc;
	*sp = tmp;
	return 0;
}

/* RFC 3711 3.3.1: the packet index for seq given the stream; a fresh
 * stream starts at ROC 0. */
static uint64_t rtp_index(const struct xsrtp_stream *s, uint16_t seq)
{
	if (!s->rtp_seen)
		return seq;
	return ksrtp_index_estimate((uint32_t)(s->rtp.hi >> 16),
				    (uint16_t)s->rtp.hi, seq);
}

static void stream_done(struct xsrtp_ctx *c, struct xsrtp_stream *s,
			const struct xsrtp_stream *tmp, uint64_t v)
{
	if (s == tmp)
		s = xsrtp_stream_add(c, tmp);
	xsrtp_replay_add(&s->rtp, s->rtp_seen, v);
	s->rtp_seen = true;
	c->stats.ok++;
}

static void roc_bytes(uint8_t out[ROC_LEN], uint64_t v)
{
	struct buf_wr w;

	buf_wr_init(&w, out, ROC_LEN);
	(void)buf_put_u32(&w, (uint32_t)(v >> 16));
}

int xsrtp_rtp_protect(struct xsrtp_ctx *c, uint8_t *pkt, size_t *len,
		      size_t cap)
{
	struct xsrtp_stream tmp, *s;
	uint8_t mac[SHA_DIGEST_LENGTH], roc[ROC_LEN];
	size_t hlen, n;
	uint16_t seq;
	uint32_t ssrc;
	uint64_t v;
	int err;

	if (!c || !pkt || !len)
		return -EINVAL;
	n = *len;
	if (n > XSRTP_PKT_MAX)
		return -EMSGSIZE;
	if ((err = rtp_header(pkt, n, &hlen, &seq, &ssrc)))
		return err;
	if (cap < n || cap - n < c->tag_len)
		return -ENOSPC;
	if ((err = stream_get(c, ssrc, &tmp, &s)))
		return err;
	v = rtp_index(s, seq);
	if (v > XSRTP_SRTP_INDEX_MAX)
		return -EKEYEXPIRED;
	/* The same index twice under one key would reuse the keystream. */
	if ((err = xsrtp_replay_check(&s->rtp, s->rtp_seen, v))) {
		c->stats.replay++;
		return err;
	}
	if (c->gcm) {
		/* RFC 7714 8.2: AAD = the RTP header; 8.3: C || tag. */
		err = xsrtp_gcm_seal(&c->rtp, ssrc, v, pkt, hlen, NULL, 0,
				     pkt + hlen, n - hlen, pkt + n);
	} else {
		/* RFC 3711 3.3: encrypt, then tag = HMAC(header || C ||
		 * ROC) truncated (4.2). */
		err = xsrtp_cm_crypt(&c->rtp, ssrc, v, pkt + hlen, n - hlen);
		if (!err) {
			roc_bytes(roc, v);
			xsrtp_hmac_sum(&c->rtp.mac, pkt, n, roc, sizeof(roc),
				       mac);
			memcpy(pkt + n, mac, c->tag_len);
		}
	}
	if (err)
		return err; /* only -EIO: OpenSSL failed mid-way */
	*len = n + c->tag_len;
	stream_done(c, s, &tmp, v);
	return 0;
}

int xsrtp_rtp_unprotect(struct xsrtp_ctx *c, uint8_t *pkt, size_t *len)
{
	struct xsrtp_stream tmp, *s;
	uint8_t mac[SHA_DIGEST_LENGTH], roc[ROC_LEN];
	size_t hlen, n;
	uint16_t seq;
	uint32_t ssrc;
	uint64_t v;
	int err;

	if (!c || !pkt || !len)
		return -EINVAL;
	n = *len;
	if (n > XSRTP_PKT_MAX)
		return -EMSGSIZE;
	if ((err = rtp_header(pkt, n, &hlen, &seq, &ssrc)))
		return err;
	if (n - hlen < c->tag_len)
		return -EBADMSG;
	n -= c->tag_len; /* n: the protected RTP packet without its tag */
	if ((err = stream_get(c, ssrc, &tmp, &s)))
		return err;
	v = rtp_index(s, seq);
	if (v > XSRTP_SRTP_INDEX_MAX)
		return -EKEYEXPIRED;
	/* RFC 3711 3.3.2: the replay check comes before authentication. */
	if ((err = xsrtp_replay_check(&s->rtp, s->rtp_seen, v))) {
		c->stats.replay++;
		return err;
	}
	if (c->gcm) {
		err = xsrtp_gcm_open(&c->rtp, ssrc, v, pkt, hlen, NULL, 0,
				     pkt + hlen, n - hlen, pkt + n);
	} else {
		roc_bytes(roc, v);
		xsrtp_hmac_sum(&c->rtp.mac, pkt, n, roc, sizeof(roc), mac);
		/* Constant time: no timing hint about the tag. */
		if (CRYPTO_memcmp(mac, pkt + n, c->tag_len) != 0)
			err = -EACCES;
		else
			err = xsrtp_cm_crypt(&c->rtp, ssrc, v, pkt + hlen,
					     n - hlen);
	}
	if (err) {
		if (err == -EACCES)
			c->stats.auth_fail++;
		return err;
	}
	*len = n;
	stream_done(c, s, &tmp, v);
	return 0;
}

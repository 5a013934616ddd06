/*
 * xsrtp SRTCP: protect and unprotect in place (RFC 3711 3.4 with AES-CM
 * and HMAC-SHA1; RFC 7714 9 with AES-GCM). See xsrtp.h for the contract.
 *
 *   CM:   header(8) | E(payload) | E|index(4) | tag(10)      auth over all
 *                                                             but the tag
 *   GCM:  header(8) | E(payload) | tag(16) | E|index(4)      AAD = header
 *         || E|index (E=1), or the whole packet || E|index (E=0, nothing
 *         encrypted: RFC 7714 9.3, 17.3)
 */
#include "xsrtp/xsrtp_int.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/buf.h"

#define RTP_VERSION 2
#define RTCP_PT_MIN 192 /* RFC 5761 4 */
#define RTCP_PT_MAX 223
#define E_FLAG 0x80000000u

/* RFC 3550 6.4.1: version 2, an RTCP packet type, the sender SSRC. */
static int rtcp_header(const uint8_t *pkt, size_t len, uint32_t *ssrc)
{
	struct buf_rd r;
	uint8_t b0, pt;
	uint16_t words;

	buf_rd_init(&r, pkt, len);
	if (buf_get_u8(&r, &b0) || buf_get_u8(&r, &pt) ||
	    buf_get_u16(&r, &words) || buf_get_u32(&r, ssrc))
		return -EBADMSG;
	if (b0 >> 6 != RTP_VERSION || pt < RTCP_PT_MIN || pt > RTCP_PT_MAX)
		return -EBADMSG;
	return 0;
}

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

static void stream_done(struct xsrtp_ctx *c, struct xsrtp_stream *s,
			const struct xsrtp_stream *tmp, uint32_t idx)
{
	if (s == tmp)
		s = xsrtp_stream_add(c, tmp);
	xsrtp_replay_add(&s->rtcp, s->rtcp_seen, idx);
	s->rtcp_seen = true;
	c->stats.ok++;
}

int xsrtp_rtcp_protect(struct xsrtp_ctx *c, uint8_t *pkt, size_t *len,
		       size_t cap)
{
	struct xsrtp_stream tmp, *s;
	uint8_t mac[SHA_DIGEST_LENGTH], eidx[XSRTP_EIDX_LEN];
	struct buf_wr w;
	uint32_t ssrc, idx;
	size_t n, ov;
	int err;

	if (!c || !pkt || !len)
		return -EINVAL;
	n = *len;
	if (n > XSRTP_PKT_MAX)
		return -EMSGSIZE;
	if ((err = rtcp_header(pkt, n, &ssrc)))
		return err;
	ov = (size_t)c->rtcp_tag_len + XSRTP_EIDX_LEN;
	if (cap < n || cap - n < ov)
		return -ENOSPC;
	if ((err = stream_get(c, ssrc, &tmp, &s)))
		return err;
	/* RFC 3711 3.4: the index starts at 0 and counts each packet sent;
	 * it never wraps under one key. */
	if (s->rtcp_seen && s->rtcp.hi >= XSRTP_SRTCP_INDEX_MAX)
		return -EKEYEXPIRED;
	idx = s->rtcp_seen ? (uint32_t)s->rtcp.hi + 1 : 0;
	buf_wr_init(&w, eidx, sizeof(eidx));
	(void)buf_put_u32(&w, E_FLAG | idx);
	if (c->gcm) {
		/* RFC 7714 9.2: AAD = header || E|index; the packet ends
		 * C || tag || E|index. */
		err = xsrtp_gcm_seal(&c->rtcp, ssrc, idx, pkt, XSRTP_RTCP_HDR,
				     eidx, sizeof(eidx), pkt + XSRTP_RTCP_HDR,
				     n - XSRTP_RTCP_HDR, pkt + n);
		if (!err)
			memcpy(pkt + n + XSRTP_GCM_TAG, eidx, sizeof(eidx));
	} else {
		err = xsrtp_cm_crypt(&c->rtcp, ssrc, idx, pkt + XSRTP_RTCP_HDR,
				     n - XSRTP_RTCP_HDR);
		if (!err) {
			/* RFC 3711 3.4: the tag covers header, encrypted
			 * part and E|index. */
			memcpy(pkt + n, eidx, sizeof(eidx));
			xsrtp_hmac_sum(&c->rtcp.mac, pkt, n + sizeof(eidx),
				       NULL, 0, mac);
			memcpy(pkt + n + sizeof(eidx), mac, c->rtcp_tag_len);
		}
	}
	if (err)
		return err;
	*len = n + ov;
	stream_done(c, s, &tmp, idx);
	return 0;
}

int xsrtp_rtcp_unprotect(struct xsrtp_ctx *c, uint8_t *pkt, size_t *len)
{
	struct xsrtp_stream tmp, *s;
	uint8_t mac[SHA_DIGEST_LENGTH];
	const uint8_t *eidx_p, *tag;
	struct buf_rd r;
	uint32_t ssrc, eidx, idx;
	size_t n, ov, body;
	bool enc;
	int err;

	if (!c || !pkt || !len)
		return -EINVAL;
	n = *len;
	if (n > XSRTP_PKT_MAX)
		return -EMSGSIZE;
	if ((err = rtcp_header(pkt, n, &ssrc)))
		return err;
	ov = (size_t)c->rtcp_tag_len + XSRTP_EIDX_LEN;
	if (n - XSRTP_RTCP_HDR < ov)
		return -EBADMSG;
	body = n - ov; /* header + (encrypted) part */
	if (c->gcm) {
		tag = pkt + body;
		eidx_p = tag + XSRTP_GCM_TAG;
	} else {
		eidx_p = pkt + body;
		tag = eidx_p + XSRTP_EIDX_LEN;
	}
	buf_rd_init(&r, eidx_p, XSRTP_EIDX_LEN);
	(void)buf_get_u32(&r, &eidx);
	enc = eidx & E_FLAG;
	idx = eidx & ~E_FLAG;
	if ((err = stream_get(c, ssrc, &tmp, &s)))
		return err;
	if ((err = xsrtp_replay_check(&s->rtcp, s->rtcp_seen, idx))) {
		c->stats.replay++;
		return err;
	}
	if (c->gcm) {
		if (enc)
			err = xsrtp_gcm_open(&c->rtcp, ssrc, idx, pkt,
					     XSRTP_RTCP_HDR, eidx_p,
					     XSRTP_EIDX_LEN,
					     pkt + XSRTP_RTCP_HDR,
					     body - XSRTP_RTCP_HDR, tag);
		else /* RFC 7714 9.3: E=0, the whole packet is AAD */
			err = xsrtp_gcm_open(&c->rtcp, ssrc, idx, pkt, body,
					     eidx_p, XSRTP_EIDX_LEN, NULL, 0,
					     tag);
	} else {
		xsrtp_hmac_sum(&c->rtcp.mac, pkt, body + XSRTP_EIDX_LEN, NULL,
			       0, mac);
		if (CRYPTO_memcmp(mac, tag, c->rtcp_tag_len) != 0)
			err = -EACCES;
		else if (enc)
			err = xsrtp_cm_crypt(&c->rtcp, ssrc, idx,
					     pkt + XSRTP_RTCP_HDR,
					     body - XSRTP_RTCP_HDR);
	}
	if (err) {
		if (err == -EACCES)
			c->stats.auth_fail++;
		return err;
	}
	*len = body;
	stream_done(c, s, &tmp, idx);
	return 0;
}

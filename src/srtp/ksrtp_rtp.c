/*
 * ksrtp RTP/RTCP header peeking, demultiplexing and the RFC 3711 3.3.1
 * index estimate (see ksrtp.h). Every read goes through base/buf.
 */
#include "srtp/ksrtp.h"

#include <errno.h>

#include "base/buf.h"

#define RTP_VERSION 2
#define RTP_FIXED_LEN 12 /* RFC 3550 5.1 */
#define RTCP_PT_MIN 192  /* RFC 5761 4 */
#define RTCP_PT_MAX 223

int ksrtp_rtp_peek(const uint8_t *pkt, size_t len, uint16_t *seq,
		   uint32_t *ssrc)
{
	struct buf_rd r;
	uint8_t b0, b1;
	uint16_t s, xlen;
	uint32_t ts, id;
	int err;

	buf_rd_init(&r, pkt, len);
	err = buf_get_u8(&r, &b0);
	if (err)
		return err;
	if (b0 >> 6 != RTP_VERSION)
		return -EBADMSG;
	if ((err = buf_get_u8(&r, &b1)) || (err = buf_get_u16(&r, &s)) ||
	    (err = buf_get_u32(&r, &ts)) || (err = buf_get_u32(&r, &id)))
		return err;
	/* CSRC list, RFC 3550 5.1 */
	err = buf_skip(&r, 4u * (b0 & 0x0f));
	if (err)
		return err;
	/* Header extension, RFC 3550 5.3.1: 16-bit profile, 16-bit length in
	 * 32-bit words. */
	if (b0 & 0x10) {
		if ((err = buf_skip(&r, 2)) || (err = buf_get_u16(&r, &xlen)) ||
		    (err = buf_skip(&r, 4u * xlen)))
			return err;
	}
	if (seq)
		*seq = s;
	if (ssrc)
		*ssrc = id;
	return 0;
}

int ksrtp_rtcp_peek(const uint8_t *pkt, size_t len, uint32_t *ssrc)
{
	struct buf_rd r;
	uint8_t b0, pt;
	uint16_t words;
	uint32_t id;
	int err;

	/* RFC 3550 6.4.1: V P RC | PT | length | SSRC of sender */
	buf_rd_init(&r, pkt, len);
	if ((err = buf_get_u8(&r, &b0)) || (err = buf_get_u8(&r, &pt)))
		return err;
	if (b0 >> 6 != RTP_VERSION || pt < RTCP_PT_MIN || pt > RTCP_PT_MAX)
		return -EBADMSG;
	if ((err = buf_get_u16(&r, &words)) || (err = buf_get_u32(&r, &id)))
		return err;
	if (ssrc)
		*ssrc = id;
	return 0;
}

uint64_t ksrtp_index_estimate(uint32_t roc, uint16_t s_l, uint16_t seq)
{
	uint64_t v = roc;

	/* RFC 3711 3.3.1 */
	if (s_l < 32768) {
		if ((int32_t)seq - (int32_t)s_l > 32768)
			v = roc ? (uint64_t)roc - 1 : 0;
	} else {
		if ((int32_t)s_l - 32768 > (int32_t)seq)
			v = (uint64_t)roc + 1;
	}
	return v << 16 | seq;
}

/*
 * buf: the one bounded reader/writer for binary wire data (KTR messages,
 * RTP/RTCP headers, DTLS record peeking).
 *
 * Network byte order throughout. Every getter and putter is all-or-nothing:
 * on failure the cursor does not move and the output is not touched. Offsets
 * are checked without overflow. Nothing else in the project casts pointers
 * over packets or indexes a packet buffer by hand.
 */
#ifndef KTRSBC_BUF_H
#define KTRSBC_BUF_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* Reader over borrowed memory; the caller keeps the memory alive. */
struct buf_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

/* Writer into caller-owned memory of fixed capacity. */
struct buf_wr {
	uint8_t *p;
	size_t cap;
	size_t len;
};

/* Inline: the relay's demultiplexer reads every forwarded packet's first
 * byte through these (issue 6: instructions per packet). */
static inline void buf_rd_init(struct buf_rd *r, const void *data, size_t len)
{
	r->p = data;
	r->len = data ? len : 0;
	r->off = 0;
}

static inline size_t buf_rd_left(const struct buf_rd *r)
{
	return r->len - r->off;
}

/* Getters: 0, or -ENODATA when fewer bytes remain than asked for. */
int buf_get_u8(struct buf_rd *r, uint8_t *v);
int buf_get_u16(struct buf_rd *r, uint16_t *v);
int buf_get_u24(struct buf_rd *r, uint32_t *v);
int buf_get_u32(struct buf_rd *r, uint32_t *v);
int buf_get_bytes(struct buf_rd *r, void *out, size_t n);
/* Borrow n bytes in place: *pp points into the reader's memory. */
int buf_get_ptr(struct buf_rd *r, const uint8_t **pp, size_t n);
int buf_skip(struct buf_rd *r, size_t n);
/* Peek at the byte at offset off from the cursor without moving; 0 or
 * -ENODATA. */
static inline int buf_peek_u8(const struct buf_rd *r, size_t off, uint8_t *v)
{
	if (off >= r->len - r->off)
		return -ENODATA;
	*v = r->p[r->off + off];
	return 0;
}
/* Peek at the big-endian 16- or 32-bit value at offset off from the cursor
 * without moving; 0 or -ENODATA. Inline: the relay reads an RTP header's
 * sequence number and SSRC per tracked packet (ksrtp_rtp_seq_ssrc). */
static inline int buf_peek_u16(const struct buf_rd *r, size_t off, uint16_t *v)
{
	const uint8_t *p;

	if (r->len - r->off < 2 || off > r->len - r->off - 2)
		return -ENODATA;
	p = r->p + r->off + off;
	*v = (uint16_t)((unsigned)p[0] << 8 | p[1]);
	return 0;
}
static inline int buf_peek_u32(const struct buf_rd *r, size_t off, uint32_t *v)
{
	const uint8_t *p;

	if (r->len - r->off < 4 || off > r->len - r->off - 4)
		return -ENODATA;
	p = r->p + r->off + off;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return 0;
}
/* 0 when every byte was consumed, -EBADMSG when trailing bytes remain. */
int buf_rd_end(const struct buf_rd *r);

void buf_wr_init(struct buf_wr *w, void *data, size_t cap);
/* Putters: 0, or -ENOSPC when the value does not fit. */
int buf_put_u8(struct buf_wr *w, uint8_t v);
int buf_put_u16(struct buf_wr *w, uint16_t v);
/* -EINVAL when v does not fit in 24 bits. */
int buf_put_u24(struct buf_wr *w, uint32_t v);
int buf_put_u32(struct buf_wr *w, uint32_t v);
int buf_put_bytes(struct buf_wr *w, const void *data, size_t n);

#endif

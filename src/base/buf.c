/* buf: bounded, all-or-nothing network-order reader/writer (see buf.h). */
#include "buf.h"

#include <errno.h>
#include <string.h>

/* Borrow n bytes or fail without moving; the subtraction cannot underflow
 * because off <= len always holds. */
int buf_get_ptr(struct buf_rd *r, const uint8_t **pp, size_t n)
{
	if (n > r->len - r->off)
		return -ENODATA;
	*pp = r->p + r->off;
	r->off += n;
	return 0;
}

int buf_get_bytes(struct buf_rd *r, void *out, size_t n)
{
	const uint8_t *p;
	int err = buf_get_ptr(r, &p, n);

	if (err)
		return err;
	if (n)
		memcpy(out, p, n);
	return 0;
}

int buf_skip(struct buf_rd *r, size_t n)
{
	const uint8_t *p;

	return buf_get_ptr(r, &p, n);
}

static int get_be(struct buf_rd *r, size_t n, uint32_t *v)
{
	const uint8_t *p;
	uint32_t x = 0;
	int err = buf_get_ptr(r, &p, n);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		x = (x << 8) | p[i];
	*v = x;
	return 0;
}

int buf_get_u8(struct buf_rd *r, uint8_t *v)
{
	uint32_t x;
	int err = get_be(r, 1, &x);

	if (!err)
		*v = (uint8_t)x;
	return err;
}

int buf_get_u16(struct buf_rd *r, uint16_t *v)
{
	uint32_t x;
	int err = get_be(r, 2, &x);

	if (!err)
		*v = (uint16_t)x;
	return err;
}

int buf_get_u24(struct buf_rd *r, uint32_t *v)
{
	return get_be(r, 3, v);
}

int buf_get_u32(struct buf_rd *r, uint32_t *v)
{
	return get_be(r, 4, v);
}

int buf_rd_end(const struct buf_rd *r)
{
	return r->off == r->len ? 0 : -EBADMSG;
}

void buf_wr_init(struct buf_wr *w, void *data, size_t cap)
{
	w->p = data;
	w->cap = data ? cap : 0;
	w->len = 0;
}

int buf_put_bytes(struct buf_wr *w, const void *data, size_t n)
{
	if (n > w->cap - w->len)
		return -ENOSPC;
	if (n)
		memcpy(w->p + w->len, data, n);
	w->len += n;
	return 0;
}

static int put_be(struct buf_wr *w, size_t n, uint32_t v)
{
	uint8_t b[4];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return buf_put_bytes(w, b, n);
}

int buf_put_u8(struct buf_wr *w, uint8_t v)
{
	return put_be(w, 1, v);
}

int buf_put_u16(struct buf_wr *w, uint16_t v)
{
	return put_be(w, 2, v);
}

int buf_put_u24(struct buf_wr *w, uint32_t v)
{
	if (v > 0xFFFFFFu)
		return -EINVAL;
	return put_be(w, 3, v);
}

int buf_put_u32(struct buf_wr *w, uint32_t v)
{
	return put_be(w, 4, v);
}

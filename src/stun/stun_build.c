/*
 * stun builder: messages written into caller memory attribute by attribute,
 * MESSAGE-INTEGRITY (RFC 8489 14.5) and FINGERPRINT (14.7) last; the
 * Binding success and error responses of an ICE check (see stun.h). Every
 * write goes through base/buf.
 */
#include "stun/stun.h"

#include <errno.h>
#include <string.h>

#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/buf.h"

#define ATTR_HDR 4
#define MI_ATTR_LEN (ATTR_HDR + STUN_HMAC_SHA1_LEN)
#define FP_ATTR_LEN (ATTR_HDR + 4)
#define FAMILY_IPV4 0x01 /* RFC 8489 14.1 */
#define FAMILY_IPV6 0x02

/* (Re)write the 20-byte header with the length field saying body bytes
 * follow. The builder's memory always holds at least the header. */
static void hdr_write(struct stun_builder *b, size_t body)
{
	struct buf_wr h;

	buf_wr_init(&h, b->w.p, STUN_HDR_LEN);
	(void)buf_put_u16(&h, b->type);
	(void)buf_put_u16(&h, (uint16_t)body);
	(void)buf_put_u32(&h, STUN_MAGIC_COOKIE);
	(void)buf_put_bytes(&h, b->tid, STUN_TID_LEN);
}

int stun_build_start(struct stun_builder *b, void *out, size_t cap,
		     uint16_t type, const uint8_t *tid)
{
	if (!b || !out || !tid || type > 0x3FFF)
		return -EINVAL;
	if (cap < STUN_HDR_LEN)
		return -ENOSPC;
	memset(b, 0, sizeof(*b));
	buf_wr_init(&b->w, out, cap);
	b->type = type;
	memcpy(b->tid, tid, STUN_TID_LEN);
	hdr_write(b, 0);
	b->w.len = STUN_HDR_LEN;
	return 0;
}

/* Room for an attribute of value length n: in the memory and within the
 * 16-bit length field. */
static int attr_room(const struct stun_builder *b, size_t n)
{
	size_t total = ATTR_HDR + n + (4 - n % 4) % 4;

	if (n > 0xFFFF)
		return -EINVAL;
	if (total > b->w.cap - b->w.len ||
	    b->w.len - STUN_HDR_LEN + total > 0xFFFF)
		return -ENOSPC;
	return 0;
}

/* 14.5 and 14.7: nothing after FINGERPRINT, only FINGERPRINT after
 * MESSAGE-INTEGRITY. */
static int attr_order(const struct stun_builder *b, uint16_t type)
{
	if (b->has_fp || (b->has_mi && type != STUN_ATTR_FINGERPRINT))
		return -EPROTO;
	return 0;
}

int stun_build_attr(struct stun_builder *b, uint16_t type, const void *val,
		    size_t len)
{
	static const uint8_t zeros[3];
	int err;

	if (!b || !b->w.p || (!val && len))
		return -EINVAL;
	if ((err = attr_order(b, type)) || (err = attr_room(b, len)))
		return err;
	/* attr_room made sure everything below fits. */
	(void)buf_put_u16(&b->w, type);
	(void)buf_put_u16(&b->w, (uint16_t)len);
	(void)buf_put_bytes(&b->w, val, len);
	(void)buf_put_bytes(&b->w, zeros, (4 - len % 4) % 4);
	hdr_write(b, b->w.len - STUN_HDR_LEN);
	return 0;
}

int stun_build_u32(struct stun_builder *b, uint16_t type, uint32_t v)
{
	uint8_t val[4];
	struct buf_wr w;

	buf_wr_init(&w, val, sizeof(val));
	(void)buf_put_u32(&w, v);
	return stun_build_attr(b, type, val, sizeof(val));
}

int stun_build_u64(struct stun_builder *b, uint16_t type, uint64_t v)
{
	uint8_t val[8];
	struct buf_wr w;

	buf_wr_init(&w, val, sizeof(val));
	(void)buf_put_u32(&w, (uint32_t)(v >> 32));
	(void)buf_put_u32(&w, (uint32_t)v);
	return stun_build_attr(b, type, val, sizeof(val));
}

int stun_build_xor_addr(struct stun_builder *b, uint16_t type,
			const struct sockaddr *sa)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0,
					      0, 0, 0, 0, 0xFF, 0xFF };
	uint8_t pad[4 + STUN_TID_LEN], a[16], val[4 + 16];
	const uint8_t *src;
	struct buf_wr w;
	uint8_t family;
	uint16_t port;
	size_t alen;

	if (!b || !sa)
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		family = FAMILY_IPV4;
		port = ntohs(s4->sin_port);
		alen = 4;
		memcpy(a, &s4->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		port = ntohs(s6->sin6_port);
		src = (const uint8_t *)&s6->sin6_addr;
		if (memcmp(src, v4mapped, sizeof(v4mapped)) == 0) {
			/* ::ffff:a.b.c.d is an IPv4 peer on a dual-stack
			 * socket: it sent from IPv4 and reads IPv4. */
			family = FAMILY_IPV4;
			alen = 4;
			memcpy(a, src + sizeof(v4mapped), 4);
		} else {
			family = FAMILY_IPV6;
			alen = 16;
			memcpy(a, src, 16);
		}
	} else {
		return -EINVAL;
	}
	/* 14.2: X-Port is the port XOR the cookie's top 16 bits; X-Address
	 * the address XOR the cookie (IPv4) or cookie || transaction id. */
	buf_wr_init(&w, pad, sizeof(pad));
	(void)buf_put_u32(&w, STUN_MAGIC_COOKIE);
	(void)buf_put_bytes(&w, b->tid, STUN_TID_LEN);
	for (size_t i = 0; i < alen; i++)
		a[i] ^= pad[i];
	buf_wr_init(&w, val, sizeof(val));
	(void)buf_put_u8(&w, 0);
	(void)buf_put_u8(&w, family);
	(void)buf_put_u16(&w, port ^ (uint16_t)(STUN_MAGIC_COOKIE >> 16));
	(void)buf_put_bytes(&w, a, alen);
	return stun_build_attr(b, type, val, w.len);
}

int stun_build_error_code(struct stun_builder *b, uint16_t code,
			  const char *reason)
{
	uint8_t val[4 + STUN_REASON_MAX];
	size_t rlen = reason ? strlen(reason) : 0;
	struct buf_wr w;

	/* 14.8: class 3..6 in the 3 low bits of the third byte, number
	 * 0..99 in the fourth. */
	if (code < 300 || code > 699 || rlen > STUN_REASON_MAX)
		return -EINVAL;
	buf_wr_init(&w, val, sizeof(val));
	(void)buf_put_u16(&w, 0);
	(void)buf_put_u8(&w, (uint8_t)(code / 100));
	(void)buf_put_u8(&w, (uint8_t)(code % 100));
	(void)buf_put_bytes(&w, reason, rlen);
	return stun_build_attr(b, STUN_ATTR_ERROR_CODE, val, w.len);
}

int stun_build_unknown(struct stun_builder *b, const uint16_t *types,
		       size_t n)
{
	uint8_t val[2 * STUN_ATTR_MAX];
	struct buf_wr w;

	if (!types || n == 0 || n > STUN_ATTR_MAX)
		return -EINVAL;
	buf_wr_init(&w, val, sizeof(val));
	for (size_t i = 0; i < n; i++)
		(void)buf_put_u16(&w, types[i]);
	return stun_build_attr(b, STUN_ATTR_UNKNOWN_ATTRIBUTES, val, w.len);
}

int stun_build_integrity(struct stun_builder *b, const uint8_t *key,
			 size_t key_len)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	int err;

	if (!b || !b->w.p || !key || !key_len || key_len > INT32_MAX)
		return -EINVAL;
	if ((err = attr_order(b, STUN_ATTR_MESSAGE_INTEGRITY)) ||
	    (err = attr_room(b, STUN_HMAC_SHA1_LEN)))
		return err;
	/* 14.5: the length field counts MESSAGE-INTEGRITY while the HMAC
	 * is computed. */
	hdr_write(b, b->w.len - STUN_HDR_LEN + MI_ATTR_LEN);
	if (!HMAC(EVP_sha1(), key, (int)key_len, b->w.p, b->w.len, mac,
		  &mac_len) ||
	    mac_len != STUN_HMAC_SHA1_LEN) {
		hdr_write(b, b->w.len - STUN_HDR_LEN);
		return -EIO;
	}
	err = stun_build_attr(b, STUN_ATTR_MESSAGE_INTEGRITY, mac,
			      STUN_HMAC_SHA1_LEN);
	if (!err)
		b->has_mi = true;
	return err;
}

int stun_build_fingerprint(struct stun_builder *b)
{
	uint32_t crc;
	int err;

	if (!b || !b->w.p)
		return -EINVAL;
	if ((err = attr_order(b, STUN_ATTR_FINGERPRINT)) ||
	    (err = attr_room(b, 4)))
		return err;
	/* 14.7: the CRC covers the header with the length field counting
	 * FINGERPRINT. */
	hdr_write(b, b->w.len - STUN_HDR_LEN + FP_ATTR_LEN);
	crc = stun_crc32(b->w.p, b->w.len) ^ STUN_FP_XOR;
	err = stun_build_u32(b, STUN_ATTR_FINGERPRINT, crc);
	if (!err)
		b->has_fp = true;
	return err;
}

const char *stun_error_reason(uint16_t code)
{
	switch (code) {
	case 300:
		return "Try Alternate";
	case STUN_ERR_BAD_REQUEST:
		return "Bad Request";
	case STUN_ERR_UNAUTHENTICATED:
		return "Unauthenticated";
	case STUN_ERR_UNKNOWN_ATTRIBUTE:
		return "Unknown Attribute";
	case 438:
		return "Stale Nonce";
	case STUN_ERR_ROLE_CONFLICT:
		return "Role Conflict";
	case 500:
		return "Server Error";
	default:
		return "Error";
	}
}

int stun_binding_success(void *out, size_t cap, const uint8_t *tid,
			 const struct sockaddr *mapped, const uint8_t *key,
			 size_t key_len)
{
	struct stun_builder b;
	int err;

	if (!key)
		return -EINVAL;
	if ((err = stun_build_start(&b, out, cap, STUN_BINDING_SUCCESS, tid)) ||
	    (err = stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS,
				       mapped)) ||
	    (err = stun_build_integrity(&b, key, key_len)) ||
	    (err = stun_build_fingerprint(&b)))
		return err;
	return (int)stun_build_len(&b);
}

int stun_binding_error(void *out, size_t cap, const uint8_t *tid,
		       uint16_t code, const uint16_t *unknown,
		       size_t n_unknown, const uint8_t *key, size_t key_len)
{
	struct stun_builder b;
	int err;

	if (code == STUN_ERR_UNKNOWN_ATTRIBUTE && (!unknown || !n_unknown))
		return -EINVAL;
	if ((err = stun_build_start(&b, out, cap, STUN_BINDING_ERROR, tid)) ||
	    (err = stun_build_error_code(&b, code, stun_error_reason(code))))
		return err;
	/* 14.9: UNKNOWN-ATTRIBUTES goes with 420 only. */
	if (code == STUN_ERR_UNKNOWN_ATTRIBUTE &&
	    (err = stun_build_unknown(&b, unknown, n_unknown)))
		return err;
	if (key && (err = stun_build_integrity(&b, key, key_len)))
		return err;
	if ((err = stun_build_fingerprint(&b)))
		return err;
	return (int)stun_build_len(&b);
}

/*
 * stun codec: decoding (RFC 8489 5, 6.3, 14), typed attribute getters, the
 * MESSAGE-INTEGRITY (14.5) and FINGERPRINT (14.7) checks (see stun.h).
 * Every read goes through base/buf.
 */
#include "stun/stun.h"

#include <errno.h>
#include <string.h>

#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/buf.h"
#include "base/sec.h"

#define MI_ATTR_LEN (4 + STUN_HMAC_SHA1_LEN)
#define FAMILY_IPV4 0x01 /* RFC 8489 14.1 */
#define FAMILY_IPV6 0x02

/* CRC-32, reflected polynomial 0xEDB88320 (ISO 3309, as RFC 8489 14.7
 * names), four bits at a time: STUN is off the forwarding path, and 16
 * constants are easier to check than 256. */
static const uint32_t crc_nibble[16] = {
	0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu,
	0x76dc4190u, 0x6b6b51f4u, 0x4db26158u, 0x5005713cu,
	0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
	0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu,
};

uint32_t stun_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		c = (c >> 4) ^ crc_nibble[c & 0x0F];
		c = (c >> 4) ^ crc_nibble[c & 0x0F];
	}
	return ~c;
}

/* Comprehension-required types this codec knows (RFC 8489 18.3.1, RFC
 * 8445 16.1); any other type below 0x8000 goes to unknown[]. */
static bool attr_known(uint16_t t)
{
	switch (t) {
	case STUN_ATTR_MAPPED_ADDRESS:
	case STUN_ATTR_USERNAME:
	case STUN_ATTR_MESSAGE_INTEGRITY:
	case STUN_ATTR_ERROR_CODE:
	case STUN_ATTR_UNKNOWN_ATTRIBUTES:
	case STUN_ATTR_REALM:
	case STUN_ATTR_NONCE:
	case STUN_ATTR_MESSAGE_INTEGRITY_SHA256:
	case STUN_ATTR_PASSWORD_ALGORITHM:
	case STUN_ATTR_USERHASH:
	case STUN_ATTR_XOR_MAPPED_ADDRESS:
	case STUN_ATTR_PRIORITY:
	case STUN_ATTR_USE_CANDIDATE:
		return true;
	default:
		return false;
	}
}

/* (XOR-)MAPPED-ADDRESS (14.1, 14.2): 8 bits ignored, the family, the port,
 * then 4 or 16 address bytes: exactly. */
static int addr_check(const uint8_t *v, size_t len)
{
	struct buf_rd r;
	uint8_t family;

	buf_rd_init(&r, v, len);
	if (buf_skip(&r, 1) || buf_get_u8(&r, &family))
		return -EBADMSG;
	if (family == FAMILY_IPV4 && len == 8)
		return 0;
	if (family == FAMILY_IPV6 && len == 20)
		return 0;
	return -EBADMSG;
}

/* ERROR-CODE (14.8): 21 reserved bits, class 3..6 (3 bits), number 0..99,
 * then a reason phrase of at most 763 bytes. */
static int error_code_check(const uint8_t *v, size_t len)
{
	struct buf_rd r;
	uint8_t cls, num;

	buf_rd_init(&r, v, len);
	if (buf_skip(&r, 2) || buf_get_u8(&r, &cls) || buf_get_u8(&r, &num))
		return -EBADMSG;
	cls &= 0x07;
	if (cls < 3 || cls > 6 || num > 99)
		return -EBADMSG;
	return buf_rd_left(&r) <= STUN_REASON_MAX ? 0 : -EBADMSG;
}

/* The lengths and fields of the attributes the codec reads. */
static int attr_check(uint16_t t, const uint8_t *v, size_t len)
{
	switch (t) {
	case STUN_ATTR_MESSAGE_INTEGRITY:
		return len == STUN_HMAC_SHA1_LEN ? 0 : -EBADMSG;
	case STUN_ATTR_MESSAGE_INTEGRITY_SHA256: /* 14.6: 16..32, x4 */
		return len >= 16 && len <= 32 && len % 4 == 0 ? 0 : -EBADMSG;
	case STUN_ATTR_FINGERPRINT:
	case STUN_ATTR_PRIORITY:
		return len == 4 ? 0 : -EBADMSG;
	case STUN_ATTR_ICE_CONTROLLED:
	case STUN_ATTR_ICE_CONTROLLING:
		return len == 8 ? 0 : -EBADMSG;
	case STUN_ATTR_USE_CANDIDATE:
		return len == 0 ? 0 : -EBADMSG;
	case STUN_ATTR_USERNAME:
		return len <= STUN_USERNAME_MAX ? 0 : -EBADMSG;
	case STUN_ATTR_SOFTWARE:
		return len <= STUN_REASON_MAX ? 0 : -EBADMSG;
	case STUN_ATTR_MAPPED_ADDRESS:
	case STUN_ATTR_XOR_MAPPED_ADDRESS:
		return addr_check(v, len);
	case STUN_ATTR_ERROR_CODE:
		return error_code_check(v, len);
	case STUN_ATTR_UNKNOWN_ATTRIBUTES:
		return len % 2 == 0 ? 0 : -EBADMSG;
	default:
		return 0;
	}
}

static void unknown_add(struct stun_msg *m, uint16_t t)
{
	for (size_t i = 0; i < m->n_unknown; i++)
		if (m->unknown[i] == t)
			return;
	/* n_unknown <= n_attr <= STUN_ATTR_MAX */
	m->unknown[m->n_unknown++] = t;
}

/* One attribute at offset at; 0, or the decode error. */
static int attr_decode(struct stun_msg *m, struct buf_rd *r, size_t at,
		       bool *after_mi)
{
	const uint8_t *v;
	uint16_t t, alen;
	int err;

	if (buf_get_u16(r, &t) || buf_get_u16(r, &alen) ||
	    buf_get_ptr(r, &v, alen) || buf_skip(r, (4 - alen % 4) % 4))
		return -EBADMSG;
	/* 14.5: after MESSAGE-INTEGRITY only FINGERPRINT counts (and
	 * MESSAGE-INTEGRITY-SHA256, which this codec ignores anyway); the
	 * rest is not covered by the integrity check. */
	if (*after_mi && t != STUN_ATTR_FINGERPRINT)
		return 0;
	err = attr_check(t, v, alen);
	if (err)
		return err;
	m->attr[m->n_attr].type = t;
	m->attr[m->n_attr].len = alen;
	m->attr[m->n_attr].off = (uint16_t)(at + 4);
	m->n_attr++;
	if (t == STUN_ATTR_MESSAGE_INTEGRITY) {
		m->mi_off = at;
		*after_mi = true;
	} else if (t == STUN_ATTR_FINGERPRINT) {
		m->fp_off = at;
	} else if (t < 0x8000 && !attr_known(t)) {
		unknown_add(m, t);
	}
	return 0;
}

int stun_msg_decode(struct stun_msg *m, const uint8_t *pkt, size_t len)
{
	struct buf_rd r;
	uint16_t type, mlen;
	uint32_t cookie;
	size_t seen = 0;
	bool after_mi = false;
	int err;

	if (!m || (!pkt && len))
		return -EINVAL;
	/* The named limit first: nothing of a larger datagram is read. */
	if (len > STUN_MSG_MAX)
		return -EMSGSIZE;
	buf_rd_init(&r, pkt, len);
	if (buf_rd_left(&r) < STUN_HDR_LEN)
		return -ENODATA;
	if (buf_get_u16(&r, &type) || buf_get_u16(&r, &mlen) ||
	    buf_get_u32(&r, &cookie) ||
	    buf_get_bytes(&r, m->tid, STUN_TID_LEN))
		return -ENODATA;
	/* RFC 8489 5: the two most significant bits are zero, the magic
	 * cookie is fixed, the length counts the attributes (a multiple of 4
	 * as every attribute is padded) and the datagram holds exactly one
	 * message. */
	if ((type & 0xC000) || cookie != STUN_MAGIC_COOKIE || mlen % 4)
		return -EBADMSG;
	if (mlen > buf_rd_left(&r))
		return -ENODATA;
	if (mlen < buf_rd_left(&r))
		return -EBADMSG;
	m->raw = pkt;
	m->len = len;
	m->type = type;
	m->n_attr = 0;
	m->n_unknown = 0;
	m->mi_off = 0;
	m->fp_off = 0;
	while (buf_rd_left(&r)) {
		size_t at = len - buf_rd_left(&r);

		if (seen == STUN_ATTR_MAX)
			return -EMSGSIZE;
		seen++;
		/* 14.7: FINGERPRINT is the last attribute. */
		if (m->fp_off)
			return -EBADMSG;
		err = attr_decode(m, &r, at, &after_mi);
		if (err)
			return err;
	}
	return 0;
}

int stun_msg_attr(const struct stun_msg *m, uint16_t type,
		  const uint8_t **val, size_t *len)
{
	struct buf_rd r;
	const uint8_t *p;

	if (!m)
		return -EINVAL;
	for (size_t i = 0; i < m->n_attr; i++) {
		if (m->attr[i].type != type)
			continue;
		buf_rd_init(&r, m->raw, m->len);
		if (buf_skip(&r, m->attr[i].off) ||
		    buf_get_ptr(&r, &p, m->attr[i].len))
			return -EBADMSG; /* not a decoded message */
		if (val)
			*val = m->attr[i].len ? p : NULL;
		if (len)
			*len = m->attr[i].len;
		return 0;
	}
	return -ENOENT;
}

/* The first occurrence of type as a reader over its value. */
static int attr_rd(const struct stun_msg *m, uint16_t type, struct buf_rd *r)
{
	const uint8_t *v;
	size_t n;
	int err = stun_msg_attr(m, type, &v, &n);

	if (err)
		return err;
	buf_rd_init(r, v, n);
	return 0;
}

int stun_msg_u32(const struct stun_msg *m, uint16_t type, uint32_t *v)
{
	struct buf_rd r;
	int err = attr_rd(m, type, &r);

	if (err)
		return err;
	return buf_get_u32(&r, v) ? -EBADMSG : 0;
}

int stun_msg_u64(const struct stun_msg *m, uint16_t type, uint64_t *v)
{
	struct buf_rd r;
	uint32_t hi, lo;
	int err = attr_rd(m, type, &r);

	if (err)
		return err;
	if (buf_get_u32(&r, &hi) || buf_get_u32(&r, &lo))
		return -EBADMSG;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int stun_msg_xor_addr(const struct stun_msg *m, struct sockaddr_storage *sa)
{
	uint8_t pad[4 + STUN_TID_LEN], a[16];
	struct buf_wr w;
	struct buf_rd r;
	uint8_t family;
	uint16_t port;
	size_t alen;
	int err = attr_rd(m, STUN_ATTR_XOR_MAPPED_ADDRESS, &r);

	if (err)
		return err;
	if (buf_skip(&r, 1) || buf_get_u8(&r, &family) ||
	    buf_get_u16(&r, &port))
		return -EBADMSG;
	alen = family == FAMILY_IPV4 ? 4 : 16;
	if (buf_get_bytes(&r, a, alen))
		return -EBADMSG;
	/* 14.2: the port XOR the cookie's top 16 bits, the address XOR the
	 * cookie (IPv4) or the cookie and the transaction id (IPv6). */
	buf_wr_init(&w, pad, sizeof(pad));
	if (buf_put_u32(&w, STUN_MAGIC_COOKIE) ||
	    buf_put_bytes(&w, m->tid, STUN_TID_LEN))
		return -EBADMSG;
	for (size_t i = 0; i < alen; i++)
		a[i] ^= pad[i];
	port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
	memset(sa, 0, sizeof(*sa));
	if (family == FAMILY_IPV4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a, 16);
	}
	return 0;
}

int stun_msg_error_code(const struct stun_msg *m, uint16_t *code,
			const uint8_t **reason, size_t *reason_len)
{
	struct buf_rd r;
	uint8_t cls, num;
	const uint8_t *p = NULL;
	size_t n;
	int err = attr_rd(m, STUN_ATTR_ERROR_CODE, &r);

	if (err)
		return err;
	if (buf_skip(&r, 2) || buf_get_u8(&r, &cls) || buf_get_u8(&r, &num))
		return -EBADMSG;
	n = buf_rd_left(&r);
	if (n && buf_get_ptr(&r, &p, n))
		return -EBADMSG;
	if (code)
		*code = (uint16_t)((cls & 0x07) * 100 + num);
	if (reason)
		*reason = p;
	if (reason_len)
		*reason_len = n;
	return 0;
}

int stun_msg_check_fingerprint(const struct stun_msg *m)
{
	struct buf_rd r;
	const uint8_t *p;
	uint32_t got;

	if (!m)
		return -EINVAL;
	if (!m->fp_off)
		return -ENOENT;
	/* FINGERPRINT is last, so the header's length already covers it as
	 * 14.7 asks. */
	buf_rd_init(&r, m->raw, m->len);
	if (buf_get_ptr(&r, &p, m->fp_off) || buf_skip(&r, 4) ||
	    buf_get_u32(&r, &got))
		return -EBADMSG;
	return (stun_crc32(p, m->fp_off) ^ STUN_FP_XOR) == got ? 0 : -EBADMSG;
}

int stun_msg_check_integrity(const struct stun_msg *m, const uint8_t *key,
			     size_t key_len)
{
	uint8_t scratch[STUN_MSG_MAX], mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	const uint8_t *p, *got;
	struct buf_rd r;
	struct buf_wr w;

	if (!m || !key || !key_len || key_len > INT32_MAX)
		return -EINVAL;
	if (!m->mi_off)
		return -ENOENT;
	/* 14.5: HMAC over the message up to MESSAGE-INTEGRITY, with the
	 * length field as if MESSAGE-INTEGRITY were the last attribute. */
	buf_rd_init(&r, m->raw, m->len);
	buf_wr_init(&w, scratch, sizeof(scratch));
	if (buf_skip(&r, 4) || buf_get_ptr(&r, &p, m->mi_off - 4) ||
	    buf_skip(&r, 4) || buf_get_ptr(&r, &got, STUN_HMAC_SHA1_LEN) ||
	    buf_put_u16(&w, m->type) ||
	    buf_put_u16(&w, (uint16_t)(m->mi_off + MI_ATTR_LEN - STUN_HDR_LEN)) ||
	    buf_put_bytes(&w, p, m->mi_off - 4))
		return -EBADMSG;
	if (!HMAC(EVP_sha1(), key, (int)key_len, scratch, w.len, mac,
		  &mac_len) ||
	    mac_len != STUN_HMAC_SHA1_LEN)
		return -EIO;
	return sec_equal(mac, got, STUN_HMAC_SHA1_LEN) ? 0 : -EKEYREJECTED;
}

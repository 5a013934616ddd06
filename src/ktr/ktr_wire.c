/*
 * ktr_wire: the KTR codec (draft-wing-avt-dtls-srtp-key-transport-02,
 * Figure 11), in the exact byte layout of docs/ktr-wire.md. Everything goes
 * through the bounded reader/writer of base/buf.h; every decoder checks a
 * field before it uses it and wipes what it filled when it fails.
 */
#include "ktr/ktr.h"

#include <errno.h>
#include <string.h>

#include "base/sec.h"

/* KeyParams on the wire: flags u8 | ssrc u32 | key_len u8 | key |
 * auth_tag_len u8 | salt_len u8 | salt (docs/ktr-wire.md, "KeyParams"). */
#define KP_FIXED_LEN (1 + 4 + 1 + 1 + 1)
#define U24_MAX 0xFFFFFFu

const char *ktr_type_name(uint8_t type)
{
	switch (type) {
	case KTR_NEW_SRTP_KEY_REQUEST:
		return "new_srtp_key_request";
	case KTR_YOUR_NEW_SRTP_KEY:
		return "your_new_srtp_key";
	case KTR_NEW_SRTP_KEY:
		return "new_srtp_key";
	case KTR_NEW_SRTP_KEY_ACTIVATE:
		return "new_srtp_key_activate";
	case KTR_LKH_NET_KEY:
		return "lkh_net_key";
	case KTR_NEW_SRTP_KEY_FAILURE:
		return "new_srtp_key_failure";
	}
	return "unknown";
}

const char *ktr_fail_reason_name(uint8_t reason)
{
	switch (reason) {
	case KTR_FAIL_KEY_PARAMS:
		return "key parameters do not match the profile";
	case KTR_FAIL_UNSUPPORTED:
		return "primitive not supported";
	case KTR_FAIL_STATE:
		return "cannot act on it now";
	case KTR_FAIL_INTERNAL:
		return "local failure";
	}
	return "unknown reason";
}

/* --- header (Figure 11 KeyTransport, first 12 bytes) --------------------- */

/* All-or-nothing: the reader only moves when the header is accepted. */
int ktr_hdr_decode(struct buf_rd *r, struct ktr_hdr *h)
{
	struct buf_rd t;
	struct ktr_hdr x;
	int err;

	if (!r || !h)
		return -EINVAL;
	if (buf_rd_left(r) < KTR_HDR_LEN)
		return -ENODATA;
	t = *r;
	err = buf_get_u8(&t, &x.type);
	if (!err)
		err = buf_get_u24(&t, &x.length);
	if (!err)
		err = buf_get_u16(&t, &x.message_seq);
	if (!err)
		err = buf_get_u24(&t, &x.frag_off);
	if (!err)
		err = buf_get_u24(&t, &x.frag_len);
	if (err)
		return err;
	/* Section 4.5: a fragment lies inside the message. Each term is at
	 * most 2^24 - 1, so the sum cannot overflow. */
	if (x.frag_off + x.frag_len > x.length)
		return -EBADMSG;
	*r = t;
	*h = x;
	return 0;
}

int ktr_hdr_encode(struct buf_wr *w, const struct ktr_hdr *h)
{
	int err;

	if (!w || !h)
		return -EINVAL;
	if (h->length > U24_MAX || h->frag_off > U24_MAX ||
	    h->frag_len > U24_MAX || h->frag_off + h->frag_len > h->length)
		return -EINVAL;
	if (w->cap - w->len < KTR_HDR_LEN)
		return -ENOSPC;
	err = buf_put_u8(w, h->type);
	if (!err)
		err = buf_put_u24(w, h->length);
	if (!err)
		err = buf_put_u16(w, h->message_seq);
	if (!err)
		err = buf_put_u24(w, h->frag_off);
	if (!err)
		err = buf_put_u24(w, h->frag_len);
	return err;
}

/* --- KeyParams ------------------------------------------------------------ */

static bool key_len_ok(unsigned int n)
{
	return n == 16 || n == 24 || n == 32;
}

static bool tag_len_ok(unsigned int n)
{
	return n >= KTR_TAG_MIN && n <= KTR_TAG_MAX;
}

static bool salt_len_ok(unsigned int n)
{
	return n == KTR_SALT_AEAD || n == KTR_SALT_CM;
}

static int kp_check(const struct ktr_keyparams *kp)
{
	if (!key_len_ok(kp->key_len) || !tag_len_ok(kp->tag_len) ||
	    !salt_len_ok(kp->salt_len))
		return -ERANGE;
	if (kp->any_ssrc && kp->ssrc != 0)
		return -EINVAL;
	return 0;
}

static size_t kp_size(const struct ktr_keyparams *kp)
{
	return KP_FIXED_LEN + kp->key_len + kp->salt_len;
}

static int kp_encode(struct buf_wr *w, const struct ktr_keyparams *kp)
{
	int err;

	err = buf_put_u8(w, kp->any_ssrc ? KTR_FLAG_ANY_SSRC : 0);
	if (!err)
		err = buf_put_u32(w, kp->ssrc);
	if (!err)
		err = buf_put_u8(w, kp->key_len);
	if (!err)
		err = buf_put_bytes(w, kp->key, kp->key_len);
	if (!err)
		err = buf_put_u8(w, kp->tag_len);
	if (!err)
		err = buf_put_u8(w, kp->salt_len);
	if (!err)
		err = buf_put_bytes(w, kp->salt, kp->salt_len);
	return err;
}

/* flags and ssrc of KeyParams and of new_srtp_key_activate: bit 0 is
 * any_ssrc, the other bits are reserved and must be 0; with any_ssrc the
 * SSRC field must be 0. -EBADMSG otherwise. */
static int ssrc_decode(struct buf_rd *r, bool *any, uint32_t *ssrc)
{
	uint8_t flags;
	int err;

	err = buf_get_u8(r, &flags);
	if (err)
		return err;
	if (flags & ~KTR_FLAG_ANY_SSRC)
		return -EBADMSG;
	err = buf_get_u32(r, ssrc);
	if (err)
		return err;
	*any = flags & KTR_FLAG_ANY_SSRC;
	if (*any && *ssrc != 0)
		return -EBADMSG;
	return 0;
}

static int kp_decode(struct buf_rd *r, struct ktr_keyparams *kp)
{
	int err;

	err = ssrc_decode(r, &kp->any_ssrc, &kp->ssrc);
	if (err)
		return err;
	err = buf_get_u8(r, &kp->key_len);
	if (err)
		return err;
	if (!key_len_ok(kp->key_len))
		return -ERANGE;
	err = buf_get_bytes(r, kp->key, kp->key_len);
	if (err)
		return err;
	err = buf_get_u8(r, &kp->tag_len);
	if (err)
		return err;
	if (!tag_len_ok(kp->tag_len))
		return -ERANGE;
	err = buf_get_u8(r, &kp->salt_len);
	if (err)
		return err;
	if (!salt_len_ok(kp->salt_len))
		return -ERANGE;
	return buf_get_bytes(r, kp->salt, kp->salt_len);
}

/* --- bodies ----------------------------------------------------------------- */

/* Check m and compute its body size, without writing anything. */
static int body_size(const struct ktr_msg *m, size_t *n)
{
	int err;

	switch (m->type) {
	case KTR_NEW_SRTP_KEY_REQUEST:
		*n = KTR_RANDOM_LEN;
		return 0;
	case KTR_YOUR_NEW_SRTP_KEY:
		err = kp_check(&m->u.your_key.kp);
		*n = kp_size(&m->u.your_key.kp) + KTR_RANDOM_LEN;
		return err;
	case KTR_NEW_SRTP_KEY:
		err = kp_check(&m->u.new_key.kp);
		*n = kp_size(&m->u.new_key.kp) + 4 + 2 + KTR_RANDOM_LEN;
		return err;
	case KTR_NEW_SRTP_KEY_ACTIVATE:
		if (m->u.activate.any_ssrc && m->u.activate.ssrc != 0)
			return -EINVAL;
		*n = 2 + 1 + 4 + KTR_RANDOM_LEN;
		return 0;
	case KTR_LKH_NET_KEY:
		if (m->u.lkh.len < KTR_LKH_MIN || m->u.lkh.len > KTR_LKH_MAX)
			return -ERANGE;
		*n = 1 + (size_t)m->u.lkh.len;
		return 0;
	case KTR_NEW_SRTP_KEY_FAILURE:
		if (m->u.failure.reason < KTR_FAIL_KEY_PARAMS ||
		    m->u.failure.reason > KTR_FAIL_INTERNAL)
			return -EINVAL;
		*n = 2 + 1;
		return 0;
	}
	return -ENOMSG;
}

/*
 * All-or-nothing: m is checked and the space reserved before the first
 * byte is written, so on any error w->len is unchanged. Errors: -EINVAL
 * (NULL argument, ssrc with any_ssrc, bad failure reason), -ERANGE (a
 * length outside its range), -ENOMSG (unknown type), -ENOSPC.
 */
int ktr_body_encode(struct buf_wr *w, const struct ktr_msg *m)
{
	size_t n = 0, start;
	int err;

	if (!w || !m)
		return -EINVAL;
	err = body_size(m, &n);
	if (err)
		return err;
	if (n > w->cap - w->len)
		return -ENOSPC;
	start = w->len;

	switch (m->type) {
	case KTR_NEW_SRTP_KEY_REQUEST:
		err = buf_put_bytes(w, m->u.request.random, KTR_RANDOM_LEN);
		break;
	case KTR_YOUR_NEW_SRTP_KEY:
		err = kp_encode(w, &m->u.your_key.kp);
		if (!err)
			err = buf_put_bytes(w, m->u.your_key.random,
					    KTR_RANDOM_LEN);
		break;
	case KTR_NEW_SRTP_KEY:
		err = kp_encode(w, &m->u.new_key.kp);
		if (!err)
			err = buf_put_u32(w, m->u.new_key.roc);
		if (!err)
			err = buf_put_u16(w, m->u.new_key.seq);
		if (!err)
			err = buf_put_bytes(w, m->u.new_key.random,
					    KTR_RANDOM_LEN);
		break;
	case KTR_NEW_SRTP_KEY_ACTIVATE:
		err = buf_put_u16(w, m->u.activate.acked_seq);
		if (!err)
			err = buf_put_u8(w, m->u.activate.any_ssrc ?
						    KTR_FLAG_ANY_SSRC :
						    0);
		if (!err)
			err = buf_put_u32(w, m->u.activate.ssrc);
		if (!err)
			err = buf_put_bytes(w, m->u.activate.random,
					    KTR_RANDOM_LEN);
		break;
	case KTR_LKH_NET_KEY:
		err = buf_put_u8(w, m->u.lkh.len);
		if (!err)
			err = buf_put_bytes(w, m->u.lkh.key, m->u.lkh.len);
		break;
	case KTR_NEW_SRTP_KEY_FAILURE:
		err = buf_put_u16(w, m->u.failure.ref_seq);
		if (!err)
			err = buf_put_u8(w, m->u.failure.reason);
		break;
	}
	/* Cannot happen after the size check; keep the promise anyway. */
	if (err || w->len - start != n) {
		sec_wipe(w->p + start, w->len - start);
		w->len = start;
		return err ? err : -EINVAL;
	}
	return 0;
}

int ktr_body_decode(uint8_t type, const uint8_t *body, size_t len,
		    struct ktr_msg *m)
{
	struct buf_rd r;
	uint8_t v;
	int err;

	if (!m || (!body && len))
		return -EINVAL;
	m->type = type;
	memset(&m->u, 0, sizeof(m->u));
	buf_rd_init(&r, body, len);

	switch (type) {
	case KTR_NEW_SRTP_KEY_REQUEST:
		err = buf_get_bytes(&r, m->u.request.random, KTR_RANDOM_LEN);
		break;
	case KTR_YOUR_NEW_SRTP_KEY:
		err = kp_decode(&r, &m->u.your_key.kp);
		if (!err)
			err = buf_get_bytes(&r, m->u.your_key.random,
					    KTR_RANDOM_LEN);
		break;
	case KTR_NEW_SRTP_KEY:
		err = kp_decode(&r, &m->u.new_key.kp);
		if (!err)
			err = buf_get_u32(&r, &m->u.new_key.roc);
		if (!err)
			err = buf_get_u16(&r, &m->u.new_key.seq);
		if (!err)
			err = buf_get_bytes(&r, m->u.new_key.random,
					    KTR_RANDOM_LEN);
		break;
	case KTR_NEW_SRTP_KEY_ACTIVATE:
		err = buf_get_u16(&r, &m->u.activate.acked_seq);
		if (!err)
			err = ssrc_decode(&r, &m->u.activate.any_ssrc,
					  &m->u.activate.ssrc);
		if (!err)
			err = buf_get_bytes(&r, m->u.activate.random,
					    KTR_RANDOM_LEN);
		break;
	case KTR_LKH_NET_KEY:
		err = buf_get_u8(&r, &m->u.lkh.len);
		if (!err && (m->u.lkh.len < KTR_LKH_MIN ||
			     m->u.lkh.len > KTR_LKH_MAX))
			err = -ERANGE;
		if (!err)
			err = buf_get_bytes(&r, m->u.lkh.key, m->u.lkh.len);
		break;
	case KTR_NEW_SRTP_KEY_FAILURE:
		err = buf_get_u16(&r, &m->u.failure.ref_seq);
		if (!err)
			err = buf_get_u8(&r, &v);
		if (!err && (v < KTR_FAIL_KEY_PARAMS || v > KTR_FAIL_INTERNAL))
			err = -EBADMSG;
		if (!err)
			m->u.failure.reason = v;
		break;
	default:
		err = -ENOMSG;
		break;
	}
	if (!err)
		err = buf_rd_end(&r);
	if (err)
		ktr_msg_wipe(m);
	return err;
}

/* --- whole unfragmented messages ------------------------------------------- */

int ktr_msg_encode(const struct ktr_msg *m, uint8_t *out, size_t cap,
		   size_t *out_len)
{
	struct buf_wr bw, hw;
	struct ktr_hdr h;
	int err;

	if (!m || !out || !out_len)
		return -EINVAL;
	if (cap < KTR_HDR_LEN)
		return -ENOSPC;
	buf_wr_init(&bw, out + KTR_HDR_LEN, cap - KTR_HDR_LEN);
	err = ktr_body_encode(&bw, m);
	if (err)
		return err;
	h.type = m->type;
	h.length = (uint32_t)bw.len;
	h.message_seq = m->message_seq;
	h.frag_off = 0;
	h.frag_len = (uint32_t)bw.len;
	buf_wr_init(&hw, out, KTR_HDR_LEN);
	err = ktr_hdr_encode(&hw, &h);
	if (err) {
		sec_wipe(out, KTR_HDR_LEN + bw.len);
		return err;
	}
	*out_len = KTR_HDR_LEN + bw.len;
	return 0;
}

/*
 * One record, one unfragmented message (fragment_offset 0, fragment_length
 * == length). A fragment of a larger message is -EBADMSG here: records that
 * may be fragments go through ktr_reasm_input(). frag_len larger than the
 * bytes present is -ENODATA, smaller is -EBADMSG (trailing bytes). On any
 * failure m->u is wiped.
 */
int ktr_msg_decode(const uint8_t *in, size_t len, struct ktr_msg *m)
{
	struct buf_rd r;
	struct ktr_hdr h;
	const uint8_t *body;
	int err;

	if (!m || (!in && len))
		return -EINVAL;
	buf_rd_init(&r, in, len);
	err = ktr_hdr_decode(&r, &h);
	if (!err && buf_rd_left(&r) < h.frag_len)
		err = -ENODATA;
	else if (!err && buf_rd_left(&r) > h.frag_len)
		err = -EBADMSG;
	else if (!err && (h.frag_off != 0 || h.frag_len != h.length))
		err = -EBADMSG;
	if (!err)
		err = buf_get_ptr(&r, &body, h.frag_len);
	if (!err)
		err = ktr_body_decode(h.type, body, h.frag_len, m);
	if (err) {
		ktr_msg_wipe(m);
		return err;
	}
	m->message_seq = h.message_seq;
	return 0;
}

void ktr_msg_wipe(struct ktr_msg *m)
{
	if (m)
		sec_wipe(&m->u, sizeof(m->u));
}

/*
 * ktr_frag: fragmentation and reassembly of KTR messages,
 * draft-wing-avt-dtls-srtp-key-transport-02 section 4.5 (the DTLS handshake
 * technique of RFC 6347 section 4.2.3: message_seq, fragment_offset,
 * fragment_length). Rules and limits: docs/ktr-wire.md, "Fragmentation".
 *
 * A partial message is keyed by message_seq and holds its type, its total
 * length, a heap buffer of exactly `length` bytes and a bitmap of the bytes
 * received so far, so fragments may arrive out of order, twice, or
 * overlapping (a retransmission with a smaller fragment size). Overlapping
 * bytes must agree. Nothing is allocated before the length has been checked
 * against max_msg and the pending count against max_pending. Held bytes are
 * key material: they are wiped whenever a partial message goes away.
 */
#include "ktr/ktr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/sec.h"

#define REASM_MAX_MSG_DEFAULT 512
#define REASM_MAX_PENDING_DEFAULT 4
#define REASM_EXPIRE_MS_DEFAULT 5000
/* Sanity ceilings on operator-supplied limits. */
#define REASM_MAX_MSG_CEIL 0xFFFFFFu /* length is a u24 */
#define REASM_MAX_PENDING_CEIL 256

/* Largest body any known type encodes to: lkh_net_key, 1 + 128 bytes
 * (new_srtp_key is at most 68). */
#define FRAG_BODY_MAX (1 + KTR_LKH_MAX)

struct ktr_pend {
	bool used;
	uint8_t type;
	uint16_t seq;
	uint32_t length;
	uint32_t have; /* distinct body bytes received */
	uint64_t first_ms; /* arrival of the first fragment, for expiry */
	uint8_t *data; /* length bytes of body, then the bitmap */
};

struct ktr_reasm {
	struct ktr_reasm_limits lim;
	size_t npend;
	struct ktr_pend *pend; /* lim.max_pending slots */
};

/* --- sending ---------------------------------------------------------------- */

int ktr_frag_send(const struct ktr_msg *m, size_t max_frag, ktr_emit_h emit,
		  void *arg)
{
	uint8_t body[FRAG_BODY_MAX];
	uint8_t rec[KTR_HDR_LEN + FRAG_BODY_MAX];
	struct buf_wr bw, rw;
	struct ktr_hdr h;
	size_t off = 0, n;
	int err;

	if (!m || !emit || max_frag == 0)
		return -EINVAL;
	buf_wr_init(&bw, body, sizeof(body));
	err = ktr_body_encode(&bw, m);
	if (err)
		goto out;

	/* N contiguous, non-overlapping ranges that jointly hold the body;
	 * an empty body would still go out as one record. */
	do {
		n = bw.len - off;
		if (n > max_frag)
			n = max_frag;
		h.type = m->type;
		h.length = (uint32_t)bw.len;
		h.message_seq = m->message_seq;
		h.frag_off = (uint32_t)off;
		h.frag_len = (uint32_t)n;
		buf_wr_init(&rw, rec, sizeof(rec));
		err = ktr_hdr_encode(&rw, &h);
		if (!err)
			err = buf_put_bytes(&rw, body + off, n);
		if (!err)
			err = emit(arg, rec, rw.len);
		off += n;
	} while (!err && off < bw.len);
out:
	sec_wipe(body, sizeof(body));
	sec_wipe(rec, sizeof(rec));
	return err;
}

/* --- reassembly --------------------------------------------------------------- */

int ktr_reasm_alloc(struct ktr_reasm **rp, const struct ktr_reasm_limits *l)
{
	struct ktr_reasm *r;

	if (!rp)
		return -EINVAL;
	*rp = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->lim.max_msg = REASM_MAX_MSG_DEFAULT;
	r->lim.max_pending = REASM_MAX_PENDING_DEFAULT;
	r->lim.expire_ms = REASM_EXPIRE_MS_DEFAULT;
	/* A zero field keeps its default. */
	if (l && l->max_msg)
		r->lim.max_msg = l->max_msg;
	if (l && l->max_pending)
		r->lim.max_pending = l->max_pending;
	if (l && l->expire_ms)
		r->lim.expire_ms = l->expire_ms;
	if (r->lim.max_msg > REASM_MAX_MSG_CEIL ||
	    r->lim.max_pending > REASM_MAX_PENDING_CEIL) {
		free(r);
		return -EINVAL;
	}
	r->pend = calloc(r->lim.max_pending, sizeof(*r->pend));
	if (!r->pend) {
		free(r);
		return -ENOMEM;
	}
	*rp = r;
	return 0;
}

static size_t bitmap_len(uint32_t length)
{
	return ((size_t)length + 7) / 8;
}

static void pend_drop(struct ktr_reasm *r, struct ktr_pend *p)
{
	if (!p->used)
		return;
	sec_wipe(p->data, p->length + bitmap_len(p->length));
	free(p->data);
	memset(p, 0, sizeof(*p));
	r->npend--;
}

void ktr_reasm_free(struct ktr_reasm *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->lim.max_pending; i++)
		pend_drop(r, &r->pend[i]);
	free(r->pend);
	free(r);
}

size_t ktr_reasm_pending(const struct ktr_reasm *r)
{
	return r ? r->npend : 0;
}

/* A partial message expires once its first fragment is expire_ms old; a
 * clock that went backwards counts as age 0. */
size_t ktr_reasm_expire(struct ktr_reasm *r, uint64_t now_ms)
{
	size_t n = 0;

	if (!r)
		return 0;
	for (size_t i = 0; i < r->lim.max_pending; i++) {
		struct ktr_pend *p = &r->pend[i];

		if (p->used && now_ms >= p->first_ms &&
		    now_ms - p->first_ms >= r->lim.expire_ms) {
			pend_drop(r, p);
			n++;
		}
	}
	return n;
}

static struct ktr_pend *pend_find(struct ktr_reasm *r, uint16_t seq)
{
	for (size_t i = 0; i < r->lim.max_pending; i++)
		if (r->pend[i].used && r->pend[i].seq == seq)
			return &r->pend[i];
	return NULL;
}

/* Callers have checked length <= max_msg and npend < max_pending. */
static int pend_new(struct ktr_reasm *r, const struct ktr_hdr *h,
		    uint64_t now_ms, struct ktr_pend **pp)
{
	struct ktr_pend *p = NULL;

	for (size_t i = 0; i < r->lim.max_pending && !p; i++)
		if (!r->pend[i].used)
			p = &r->pend[i];
	if (!p)
		return -ENOBUFS;
	p->data = calloc(1, h->length + bitmap_len(h->length));
	if (!p->data)
		return -ENOMEM;
	p->used = true;
	p->type = h->type;
	p->seq = h->message_seq;
	p->length = h->length;
	p->have = 0;
	p->first_ms = now_ms;
	r->npend++;
	*pp = p;
	return 0;
}

/* Copy a fragment in; bytes already held must be equal (section 4.5
 * overlapping ranges), else -EPROTO. */
static int pend_merge(struct ktr_pend *p, uint32_t off, const uint8_t *frag,
		      uint32_t len)
{
	uint8_t *bm = p->data + p->length;

	for (uint32_t i = 0; i < len; i++) {
		uint32_t at = off + i;
		uint8_t bit = (uint8_t)(1u << (at % 8));

		if (bm[at / 8] & bit) {
			if (p->data[at] != frag[i])
				return -EPROTO;
			continue;
		}
		p->data[at] = frag[i];
		bm[at / 8] |= bit;
		p->have++;
	}
	return 0;
}

static bool type_known(uint8_t type)
{
	switch (type) {
	case KTR_NEW_SRTP_KEY_REQUEST:
	case KTR_YOUR_NEW_SRTP_KEY:
	case KTR_NEW_SRTP_KEY:
	case KTR_NEW_SRTP_KEY_ACTIVATE:
	case KTR_LKH_NET_KEY:
	case KTR_NEW_SRTP_KEY_FAILURE:
		return true;
	}
	return false;
}

/*
 * Order of checks (docs/ktr-wire.md): header and record length, type,
 * length against max_msg, consistency with what is held for the
 * message_seq, then the pending limit, and only then an allocation. A
 * fragment that is the whole message and meets no partial message is
 * decoded in place without allocating.
 */
int ktr_reasm_input(struct ktr_reasm *r, const uint8_t *rec, size_t len,
		    uint64_t now_ms, struct ktr_msg *m)
{
	struct buf_rd rd;
	struct ktr_hdr h;
	struct ktr_pend *p;
	const uint8_t *frag;
	int err;

	if (!r || !m || (!rec && len))
		return -EINVAL;
	ktr_reasm_expire(r, now_ms);

	buf_rd_init(&rd, rec, len);
	err = ktr_hdr_decode(&rd, &h);
	if (err)
		return err;
	if (buf_rd_left(&rd) < h.frag_len)
		return -ENODATA;
	if (buf_rd_left(&rd) > h.frag_len)
		return -EBADMSG; /* one fragment per record */
	err = buf_get_ptr(&rd, &frag, h.frag_len);
	if (err)
		return err;
	if (!type_known(h.type))
		return -ENOMSG;
	if (h.length > r->lim.max_msg)
		return -EMSGSIZE;
	/* Only an empty message may have an empty fragment. */
	if (h.frag_len == 0 && h.length != 0)
		return -EBADMSG;

	p = pend_find(r, h.message_seq);
	if (p && (p->type != h.type || p->length != h.length)) {
		pend_drop(r, p);
		return -EPROTO;
	}
	if (!p && h.frag_off == 0 && h.frag_len == h.length) {
		err = ktr_body_decode(h.type, frag, h.frag_len, m);
		if (err)
			return err;
		m->message_seq = h.message_seq;
		return 1;
	}
	if (!p) {
		if (r->npend >= r->lim.max_pending)
			return -ENOBUFS;
		err = pend_new(r, &h, now_ms, &p);
		if (err)
			return err;
	}
	err = pend_merge(p, h.frag_off, frag, h.frag_len);
	if (err) {
		pend_drop(r, p);
		return err;
	}
	if (p->have < p->length)
		return 0;

	err = ktr_body_decode(p->type, p->data, p->length, m);
	if (!err)
		m->message_seq = p->seq;
	pend_drop(r, p);
	return err ? err : 1;
}

/*
 * ksrtp sender: one SSRC, a current key and a next key taking effect at a
 * packet index (draft-wing-avt-dtls-srtp-key-transport-02 4.3.1, 4.4).
 */
#include "srtp/ksrtp_int.h"

#include <errno.h>
#include <stdlib.h>

#include "base/sec.h"

struct ksrtp_tx {
	uint32_t ssrc;
	bool seen;              /* any RTP packet protected since the SSRC */
	uint64_t hi;            /* highest index protected */
	uint64_t last;          /* index of the last protected packet */
	struct ksrtp_key *cur;  /* always set */
	struct ksrtp_key *next; /* pending, switches at next->index */
	struct ksrtp_key *prev; /* replaced key, for indexes < cur->index */
};

int ksrtp_tx_alloc(struct ksrtp_tx **tp, uint32_t ssrc,
		   const struct ksrtp_keymat *k)
{
	struct ksrtp_tx *t;
	int err;

	if (!tp)
		return -EINVAL;
	*tp = NULL;
	err = ksrtp_keymat_check(k);
	if (err)
		return err;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	err = ksrtp_key_alloc(&t->cur, k, ssrc, 0);
	if (err) {
		free(t);
		return err;
	}
	t->ssrc = ssrc;
	*tp = t;
	return 0;
}

int ksrtp_tx_set_next(struct ksrtp_tx *t, const struct ksrtp_keymat *k,
		      uint64_t index)
{
	struct ksrtp_key *key;
	int err;

	if (!t)
		return -EINVAL;
	if (t->seen && index <= t->hi)
		return -EINVAL; /* the switch point has already gone out */
	err = ksrtp_key_alloc(&key, k, t->ssrc, index);
	if (err)
		return err;
	ksrtp_key_free(t->next);
	t->next = key;
	return 0;
}

int ksrtp_tx_set_ssrc(struct ksrtp_tx *t, uint32_t ssrc)
{
	struct ksrtp_key *cur = NULL, *next = NULL;
	int err;

	if (!t)
		return -EINVAL;
	/* Build the new sessions first so that a failure changes nothing. */
	err = ksrtp_key_alloc(&cur, &t->cur->km, ssrc, 0);
	if (!err && t->next)
		err = ksrtp_key_alloc(&next, &t->next->km, ssrc,
				      t->next->index);
	if (err) {
		ksrtp_key_free(cur);
		return err;
	}
	ksrtp_key_free(t->cur);
	ksrtp_key_free(t->next);
	ksrtp_key_drop(&t->prev);
	t->cur = cur;
	t->next = next;
	t->ssrc = ssrc;
	t->seen = false;
	t->hi = 0;
	t->last = 0;
	return 0;
}

int ksrtp_tx_protect(struct ksrtp_tx *t, uint8_t *pkt, size_t *len,
		     size_t cap)
{
	struct ksrtp_key *k;
	uint16_t seq;
	uint32_t ssrc;
	uint64_t v;
	int err;

	if (!t || !pkt || !len)
		return -EINVAL;
	err = ksrtp_rtp_peek(pkt, *len, &seq, &ssrc);
	if (err)
		return err;
	if (ssrc != t->ssrc)
		return -EINVAL;
	v = t->seen ? ksrtp_index_estimate((uint32_t)(t->hi >> 16),
					   (uint16_t)t->hi, seq)
		    : seq;
	if (t->next && v >= t->next->index)
		k = t->next;
	else if (t->prev && v < t->cur->index)
		k = t->prev;
	else
		k = t->cur;
	err = ksrtp_key_protect(k, v, pkt, len, cap);
	if (err)
		return err;
	if (k == t->next) {
		/* First packet at or past the switch: SRTCP follows now. */
		ksrtp_key_free(t->prev);
		t->prev = t->cur;
		t->cur = t->next;
		t->next = NULL;
	}
	if (!t->seen || v > t->hi)
		t->hi = v;
	t->seen = true;
	t->last = v;
	if (t->prev && t->hi >= t->cur->index + KSRTP_PREV_SPAN)
		ksrtp_key_drop(&t->prev);
	return 0;
}

int ksrtp_tx_protect_rtcp(struct ksrtp_tx *t, uint8_t *pkt, size_t *len,
			  size_t cap)
{
	uint32_t ssrc;
	int err;

	if (!t || !pkt || !len)
		return -EINVAL;
	err = ksrtp_rtcp_peek(pkt, *len, &ssrc);
	if (err)
		return err;
	if (ssrc != t->ssrc)
		return -EINVAL;
	return ksrtp_key_protect_rtcp(t->cur, pkt, len, cap);
}

uint64_t ksrtp_tx_index(const struct ksrtp_tx *t)
{
	return t ? t->last : 0;
}

uint64_t ksrtp_tx_switch_index(const struct ksrtp_tx *t)
{
	return t && t->next ? t->next->index : UINT64_MAX;
}

void ksrtp_tx_free(struct ksrtp_tx *t)
{
	if (!t)
		return;
	ksrtp_key_free(t->cur);
	ksrtp_key_free(t->next);
	ksrtp_key_free(t->prev);
	sec_wipe(t, sizeof(*t));
	free(t);
}

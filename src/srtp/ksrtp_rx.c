/*
 * ksrtp listener key store (draft-wing-avt-dtls-srtp-key-transport-02
 * 4.3.4 Listener, 4.4 SSRC change). See ksrtp.h for the contract.
 *
 * Per stream we track the highest packet index ourselves (RFC 3711 3.3.1,
 * updated only after a packet authenticated) and choose the key by the
 * packet's estimated index: >= next->index -> next (promoted on success),
 * < cur->index with a previous key held -> previous (late packets from
 * before a switch), else current. The previous key is wiped once the
 * highest index is KSRTP_PREV_SPAN past the switch.
 */
#include "srtp/ksrtp_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/sec.h"

struct rx_stream {
	bool used;
	bool from_any;         /* keyed by the any_ssrc key, follows it */
	bool seen;             /* hi is meaningful */
	uint32_t ssrc;
	uint64_t hi;           /* highest authenticated index (or announced) */
	struct ksrtp_key *cur; /* set whenever used */
	struct ksrtp_key *next;
	struct ksrtp_key *prev;
};

struct ksrtp_rx {
	size_t max_streams;
	struct rx_stream *streams; /* max_streams slots */
	bool has_any;
	uint64_t any_index;
	struct ksrtp_keymat any_km;  /* the any_ssrc key */
	bool has_last;
	struct ksrtp_keymat last_km; /* most recently announced key */
	uint8_t *scratch;            /* KSRTP_MAX_PKT: undo a failed try */
	struct ksrtp_rx_stats st;
};

int ksrtp_rx_alloc(struct ksrtp_rx **rp, const struct ksrtp_rx_limits *l)
{
	struct ksrtp_rx *r;
	size_t max = l && l->max_streams ? l->max_streams
					  : KSRTP_RX_STREAMS_DEFAULT;
	int err;

	if (!rp)
		return -EINVAL;
	*rp = NULL;
	if (max > KSRTP_RX_STREAMS_MAX)
		return -ERANGE;
	err = ksrtp_init();
	if (err)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->streams = calloc(max, sizeof(*r->streams));
	r->scratch = malloc(KSRTP_MAX_PKT);
	if (!r->streams || !r->scratch) {
		free(r->streams);
		free(r->scratch);
		free(r);
		return -ENOMEM;
	}
	r->max_streams = max;
	*rp = r;
	return 0;
}

static void stream_clear(struct rx_stream *s)
{
	ksrtp_key_free(s->cur);
	ksrtp_key_free(s->next);
	ksrtp_key_free(s->prev);
	memset(s, 0, sizeof(*s));
}

void ksrtp_rx_free(struct ksrtp_rx *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->max_streams; i++)
		stream_clear(&r->streams[i]);
	free(r->streams);
	sec_wipe(r->scratch, KSRTP_MAX_PKT); /* may hold plaintext */
	free(r->scratch);
	sec_wipe(r, sizeof(*r));
	free(r);
}

void ksrtp_rx_stats(const struct ksrtp_rx *r, struct ksrtp_rx_stats *st)
{
	if (!st)
		return;
	if (r)
		*st = r->st;
	else
		memset(st, 0, sizeof(*st));
}

static struct rx_stream *stream_find(struct ksrtp_rx *r, uint32_t ssrc)
{
	for (size_t i = 0; i < r->max_streams; i++)
		if (r->streams[i].used && r->streams[i].ssrc == ssrc)
			return &r->streams[i];
	return NULL;
}

static struct rx_stream *stream_free_slot(struct ksrtp_rx *r)
{
	for (size_t i = 0; i < r->max_streams; i++)
		if (!r->streams[i].used)
			return &r->streams[i];
	return NULL;
}

/* Occupy slot s with a stream whose current key is cur. */
static void stream_install(struct rx_stream *s, uint32_t ssrc,
			   struct ksrtp_key *cur, bool from_any)
{
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->ssrc = ssrc;
	s->from_any = from_any;
	s->cur = cur;
}

/* The add_key rules for a known SSRC (ksrtp.h). */
static int stream_apply_key(struct rx_stream *s, const struct ksrtp_keymat *k,
			    uint64_t index)
{
	struct ksrtp_key *key;
	int err = ksrtp_key_alloc(&key, k, s->ssrc, index);

	if (err)
		return err;
	if (index > s->hi) {
		ksrtp_key_free(s->next);
		s->next = key;
		return 0;
	}
	ksrtp_key_free(s->prev);
	s->prev = NULL;
	if (index > 0)
		s->prev = s->cur; /* still serves indexes below index */
	else
		ksrtp_key_free(s->cur);
	s->cur = key;
	if (s->next && s->next->index <= index)
		ksrtp_key_drop(&s->next);
	return 0;
}

/* A key announced for an SSRC without a stream, into free slot s. The
 * announcement's index carries the sender's ROC: tracking starts there
 * (except at KSRTP_INDEX_ON_USE, which carries none).
 * With an any_ssrc key held and a future index, the any_ssrc key is what
 * protects that SSRC until the index (it served SSRCs "not otherwise
 * known"): it becomes current and the announced key next. */
static int stream_new(struct ksrtp_rx *r, struct rx_stream *s, uint32_t ssrc,
		      const struct ksrtp_keymat *k, uint64_t index)
{
	struct ksrtp_key *cur = NULL, *next = NULL;
	bool roc_known = index > 0 && index < KSRTP_INDEX_ON_USE;
	int err;

	if (r->has_any && index > 0) {
		err = ksrtp_key_alloc(&cur, &r->any_km, ssrc, 0);
		if (!err)
			err = ksrtp_key_alloc(&next, k, ssrc, index);
		if (err) {
			ksrtp_key_free(cur);
			return err;
		}
		stream_install(s, ssrc, cur, false);
		s->next = next;
		s->seen = roc_known;
		s->hi = roc_known ? index - 1 : 0;
		return 0;
	}
	err = ksrtp_key_alloc(&cur, k, ssrc, roc_known ? index : 0);
	if (err)
		return err;
	stream_install(s, ssrc, cur, false);
	s->seen = roc_known;
	s->hi = roc_known ? index : 0;
	return 0;
}

int ksrtp_rx_add_key(struct ksrtp_rx *r, bool any_ssrc, uint32_t ssrc,
		     const struct ksrtp_keymat *k, uint64_t index)
{
	struct rx_stream *s;
	int err;

	if (!r)
		return -EINVAL;
	err = ksrtp_keymat_check(k);
	if (err)
		return err;
	if (any_ssrc) {
		r->any_km = *k;
		r->any_index = index;
		r->has_any = true;
		for (size_t i = 0; i < r->max_streams && !err; i++)
			if (r->streams[i].used && r->streams[i].from_any)
				err = stream_apply_key(&r->streams[i], k,
						       index);
	} else if ((s = stream_find(r, ssrc))) {
		err = stream_apply_key(s, k, index);
		if (!err)
			s->from_any = false;
	} else if (!(s = stream_free_slot(r))) {
		err = -ENOBUFS;
	} else {
		err = stream_new(r, s, ssrc, k, index);
	}
	if (err)
		return err;
	r->last_km = *k;
	r->has_last = true;
	return 0;
}

static uint64_t stream_estimate(const struct rx_stream *s, uint16_t seq)
{
	if (!s->seen)
		return seq;
	return ksrtp_index_estimate((uint32_t)(s->hi >> 16), (uint16_t)s->hi,
				    seq);
}

/* One try with key k; on failure the packet is restored from scratch. */
static int attempt(struct ksrtp_rx *r, struct ksrtp_key *k, bool rtcp,
		   uint64_t v, uint8_t *pkt, size_t *len)
{
	size_t len0 = *len;
	int err = rtcp ? ksrtp_key_unprotect_rtcp(k, pkt, len)
		       : ksrtp_key_unprotect(k, v, pkt, len);

	if (err) {
		memcpy(pkt, r->scratch, len0);
		*len = len0;
	}
	return err;
}

/* After an RTP packet with index v authenticated with k (held by s). */
static void stream_accept(struct ksrtp_rx *r, struct rx_stream *s,
			  struct ksrtp_key *k, uint64_t v)
{
	if (k == s->next) {
		ksrtp_key_free(s->prev);
		s->prev = s->cur;
		s->cur = s->next;
		s->next = NULL;
		if (v < s->cur->index)
			s->cur->index = v; /* the sender switched early */
		r->st.switches++;
	}
	if (!s->seen || v > s->hi)
		s->hi = v;
	s->seen = true;
	if (s->prev && s->hi >= s->cur->index + KSRTP_PREV_SPAN)
		ksrtp_key_drop(&s->prev);
}

/* Adopt a key that a trial proved (draft 4.3.4): it becomes current from v
 * on; the replaced key serves late packets. */
static void stream_adopt(struct rx_stream *s, struct ksrtp_key *k, uint64_t v)
{
	ksrtp_key_free(s->prev);
	s->prev = s->cur;
	s->cur = k;
	k->index = v;
	if (s->next && s->next->index <= v)
		ksrtp_key_drop(&s->next);
}

/* Try key material km on a packet of an SSRC without a stream; on success
 * the new key becomes the current key of a new stream in slot. */
static int try_new_stream(struct ksrtp_rx *r, struct rx_stream *slot,
			  uint32_t ssrc, const struct ksrtp_keymat *km,
			  bool from_any, bool rtcp, uint64_t v, uint8_t *pkt,
			  size_t *len)
{
	struct ksrtp_key *k;
	int err = ksrtp_key_alloc(&k, km, ssrc, 0);

	if (err)
		return err;
	err = attempt(r, k, rtcp, v, pkt, len);
	if (err) {
		ksrtp_key_free(k);
		return err;
	}
	stream_install(slot, ssrc, k, from_any);
	if (!rtcp) {
		slot->seen = true;
		slot->hi = v;
	}
	return 0;
}

/* A packet of an SSRC we hold no stream for: the any_ssrc key, else one
 * trial of the most recently announced key (draft 4.3.4 / 4.4). */
static int rx_unknown(struct ksrtp_rx *r, uint32_t ssrc, uint16_t seq,
		      bool rtcp, uint8_t *pkt, size_t *len)
{
	struct rx_stream *slot;
	uint64_t v = seq;
	int err;

	if (!r->has_any && !r->has_last)
		return -ENOENT;
	slot = stream_free_slot(r);
	if (!slot)
		return -ENOBUFS;
	if (r->has_any) {
		if (r->any_index > 0)
			v = ksrtp_index_estimate((uint32_t)(r->any_index >> 16),
						 (uint16_t)r->any_index, seq);
		err = try_new_stream(r, slot, ssrc, &r->any_km, true, rtcp, v,
				     pkt, len);
		if (err != -EACCES ||
		    ksrtp_keymat_equal(&r->any_km, &r->last_km))
			return err;
		v = seq;
	}
	err = try_new_stream(r, slot, ssrc, &r->last_km, false, rtcp, v, pkt,
			     len);
	if (!err)
		r->st.trial_hits++;
	else if (err == -EACCES && !r->has_any)
		err = -ENOENT; /* no key was ever meant for this SSRC */
	return err;
}

/* The one trial of the most recently announced key after key k failed to
 * authenticate an RTP packet of stream s (draft 4.3.4). */
static int rx_trial(struct ksrtp_rx *r, struct rx_stream *s,
		    struct ksrtp_key *k, uint64_t v, uint8_t *pkt, size_t *len)
{
	struct ksrtp_key *held[3] = { s->cur, s->next, s->prev };
	struct ksrtp_key *t = NULL;
	int err;

	if (!r->has_last || ksrtp_keymat_equal(&k->km, &r->last_km))
		return -EACCES;
	for (size_t i = 0; i < 3 && !t; i++)
		if (held[i] && held[i] != k &&
		    ksrtp_keymat_equal(&held[i]->km, &r->last_km))
			t = held[i];
	if (t) {
		err = attempt(r, t, false, v, pkt, len);
		if (!err)
			stream_accept(r, s, t, v);
	} else {
		err = ksrtp_key_alloc(&t, &r->last_km, s->ssrc, v);
		if (err)
			return err;
		err = attempt(r, t, false, v, pkt, len);
		if (err) {
			ksrtp_key_free(t);
		} else {
			stream_adopt(s, t, v);
			stream_accept(r, s, t, v);
		}
	}
	if (!err)
		r->st.trial_hits++;
	return err;
}

static int account(struct ksrtp_rx *r, int err)
{
	switch (err) {
	case 0:
		r->st.ok++;
		break;
	case -EACCES:
		r->st.auth_fail++;
		break;
	case -EALREADY:
		r->st.replay++;
		break;
	case -ENOENT:
		r->st.no_key++;
		break;
	default:
		break;
	}
	return err;
}

/* After the trial failed: the stream's next key when it takes over on use
 * (KSRTP_INDEX_ON_USE) and is not the most recently announced one (tried
 * already), e.g. a bundle's listener whose key for this SSRC was followed
 * by another SSRC's before this SSRC's first packet (draft 4.4: a key per
 * SSRC). On success it becomes current from v. */
static int rx_on_use(struct ksrtp_rx *r, struct rx_stream *s,
		     struct ksrtp_key *k, uint64_t v, uint8_t *pkt, size_t *len)
{
	struct ksrtp_key *t = s->next;
	int err;

	if (!t || t == k || t->index != KSRTP_INDEX_ON_USE ||
	    (r->has_last && ksrtp_keymat_equal(&t->km, &r->last_km)))
		return -EACCES;
	err = attempt(r, t, false, v, pkt, len);
	if (err)
		return err;
	stream_accept(r, s, t, v); /* next becomes current from v */
	r->st.trial_hits++;
	return 0;
}

int ksrtp_rx_unprotect(struct ksrtp_rx *r, uint8_t *pkt, size_t *len)
{
	struct rx_stream *s;
	struct ksrtp_key *k;
	uint16_t seq;
	uint32_t ssrc;
	uint64_t v;
	int err;

	if (!r || !pkt || !len)
		return -EINVAL;
	if (*len > KSRTP_MAX_PKT)
		return -EMSGSIZE;
	if (ksrtp_rtp_peek(pkt, *len, &seq, &ssrc))
		return -EBADMSG;
	memcpy(r->scratch, pkt, *len);
	s = stream_find(r, ssrc);
	if (!s)
		return account(r, rx_unknown(r, ssrc, seq, false, pkt, len));
	v = stream_estimate(s, seq);
	if (s->next && v >= s->next->index)
		k = s->next;
	else if (s->prev && v < s->cur->index)
		k = s->prev;
	else
		k = s->cur;
	err = attempt(r, k, false, v, pkt, len);
	if (!err)
		stream_accept(r, s, k, v);
	else if (err == -EACCES && (err = rx_trial(r, s, k, v, pkt, len)) == -EACCES)
		err = rx_on_use(r, s, k, v, pkt, len);
	return account(r, err);
}

int ksrtp_rx_unprotect_rtcp(struct ksrtp_rx *r, uint8_t *pkt, size_t *len)
{
	struct rx_stream *s;
	struct ksrtp_key *other;
	uint32_t ssrc;
	int err;

	if (!r || !pkt || !len)
		return -EINVAL;
	if (*len > KSRTP_MAX_PKT)
		return -EMSGSIZE;
	if (ksrtp_rtcp_peek(pkt, *len, &ssrc))
		return -EBADMSG;
	memcpy(r->scratch, pkt, *len);
	s = stream_find(r, ssrc);
	if (!s)
		return account(r, rx_unknown(r, ssrc, 0, true, pkt, len));
	err = attempt(r, s->cur, true, 0, pkt, len);
	other = s->next ? s->next : s->prev;
	if (err == -EACCES && other) {
		err = attempt(r, other, true, 0, pkt, len);
		if (!err)
			r->st.trial_hits++;
	}
	return account(r, err);
}

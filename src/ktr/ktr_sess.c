/*
 * ktr_sess: the Key Transport state machine (draft section 4.2 Figure 10,
 * section 4.3). Retransmission and acknowledgement rules are written down in
 * docs/ktr-wire.md, "Retransmission".
 */
#include "ktr/ktr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/klog.h"
#include "base/sec.h"

/* Messages a session may be waiting to have answered: one of each kind. */
enum pend_kind { PEND_ANNOUNCE, PEND_DICTATE, PEND_REQUEST, PEND_N };

struct pending {
	bool active;
	struct ktr_msg msg; /* resent byte for byte (same message_seq) */
	unsigned sends;
	uint32_t backoff_ms;
	uint64_t due_ms;
};

/* Answers we gave to the peer's recent messages, so a retransmission (its
 * earlier answer was lost) gets the same answer again and is not acted on
 * twice. */
#define ANSWERED_MAX 16

struct answered {
	bool used;
	uint16_t peer_seq;
	uint8_t peer_type;
	struct ktr_msg reply; /* activate or failure; no key material */
	bool has_reply;
};

struct ktr_sess {
	struct ktr_sess_cfg cfg;
	struct ktr_sess_ops ops;
	void *arg;
	struct ktr_reasm *reasm;
	uint16_t next_seq;
	struct pending pend[PEND_N];
	struct answered ans[ANSWERED_MAX];
	unsigned ans_next;
	/* The peer's keys acknowledged (a key announced again for another
	 * SSRC, section 4.4, counts once), and the last one: the listener
	 * policy of cfg.refuse_keys / cfg.deaf counts keys, not messages. */
	unsigned keys_accepted;
	struct ktr_keyparams last_kp;
	bool deafened; /* cfg.deaf in force: every record is ignored */
};

static void cfg_defaults(struct ktr_sess_cfg *c)
{
	if (!c->max_frag)
		c->max_frag = 1024;
	if (!c->rtx_initial_ms)
		c->rtx_initial_ms = 250;
	if (!c->rtx_max_ms)
		c->rtx_max_ms = 2000;
	if (!c->rtx_limit)
		c->rtx_limit = 8;
	if (!c->activate_ahead)
		c->activate_ahead = 50;
}

int ktr_sess_alloc(struct ktr_sess **sp, const struct ktr_sess_cfg *cfg,
		   const struct ktr_sess_ops *ops, void *arg)
{
	struct ktr_sess *s;
	const struct ktr_reasm_limits *lim = NULL;
	int err;

	if (!sp || !cfg || !ops || !ops->send || !ops->event)
		return -EINVAL;
	if ((cfg->key_len != 16 && cfg->key_len != 24 && cfg->key_len != 32) ||
	    (cfg->salt_len != KTR_SALT_AEAD && cfg->salt_len != KTR_SALT_CM) ||
	    cfg->tag_len < KTR_TAG_MIN || cfg->tag_len > KTR_TAG_MAX)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	cfg_defaults(&s->cfg);
	s->ops = *ops;
	s->arg = arg;
	if (cfg->reasm.max_msg || cfg->reasm.max_pending || cfg->reasm.expire_ms)
		lim = &cfg->reasm;
	err = ktr_reasm_alloc(&s->reasm, lim);
	if (err) {
		free(s);
		return err;
	}
	*sp = s;
	return 0;
}

static void pend_clear(struct pending *p)
{
	ktr_msg_wipe(&p->msg);
	memset(p, 0, sizeof(*p));
}

void ktr_sess_free(struct ktr_sess *s)
{
	if (!s)
		return;
	for (int i = 0; i < PEND_N; i++)
		pend_clear(&s->pend[i]);
	ktr_reasm_free(s->reasm);
	sec_wipe(s, sizeof(*s));
	free(s);
}

static int emit_record(void *arg, const uint8_t *rec, size_t len)
{
	struct ktr_sess *s = arg;

	return s->ops.send(s->arg, rec, len);
}

static int send_msg(struct ktr_sess *s, const struct ktr_msg *m)
{
	return ktr_frag_send(m, s->cfg.max_frag, emit_record, s);
}

static void emit_event(struct ktr_sess *s, struct ktr_event *ev)
{
	s->ops.event(s->arg, ev);
}

/* Number, send and arm retransmission for a message that needs an answer. */
static int pend_start(struct ktr_sess *s, enum pend_kind k,
		      const struct ktr_msg *m, uint64_t now_ms)
{
	struct pending *p = &s->pend[k];
	int err;

	pend_clear(p);
	p->msg = *m;
	p->msg.message_seq = s->next_seq++;
	p->active = true;
	p->sends = 1;
	p->backoff_ms = s->cfg.rtx_initial_ms;
	p->due_ms = now_ms + p->backoff_ms;
	err = send_msg(s, &p->msg);
	if (err)
		klog(KLOG_WARN, "ktr: sending %s seq %u failed: %d",
		     ktr_type_name(p->msg.type), p->msg.message_seq, err);
	/* A failed send is retried by the timer like a lost datagram. */
	return 0;
}

static int fill_random(uint8_t *r)
{
	return sec_random(r, KTR_RANDOM_LEN);
}

static int fresh_keyparams(struct ktr_sess *s, struct ktr_keyparams *kp)
{
	memset(kp, 0, sizeof(*kp));
	kp->key_len = s->cfg.key_len;
	kp->salt_len = s->cfg.salt_len;
	kp->tag_len = s->cfg.tag_len;
	if (sec_random(kp->key, kp->key_len) ||
	    sec_random(kp->salt, kp->salt_len)) {
		sec_wipe(kp, sizeof(*kp));
		return -EIO;
	}
	return 0;
}

/* Key parameters must match the negotiated profile: KTR changes the key,
 * never the cryptographic parameters (section 4.2). */
static bool kp_fits(const struct ktr_sess *s, const struct ktr_keyparams *kp)
{
	return kp->key_len == s->cfg.key_len &&
	       kp->salt_len == s->cfg.salt_len &&
	       kp->tag_len == s->cfg.tag_len;
}

static bool kp_same_key(const struct ktr_keyparams *a,
			const struct ktr_keyparams *b)
{
	return a->key_len == b->key_len && a->salt_len == b->salt_len &&
	       sec_equal(a->key, b->key, a->key_len) &&
	       sec_equal(a->salt, b->salt, a->salt_len);
}

/* ktr_sess_announce(_at): at `*at`, or tx_state's next index plus
 * activate_ahead when at is NULL; for our stream `*for_ssrc` (tx_ssrc,
 * BUNDLE) when given, else tx_state's. */
static int announce_for(struct ktr_sess *s, const struct ktr_keyparams *kp,
			const uint64_t *at, const uint32_t *for_ssrc,
			uint64_t now_ms)
{
	struct ktr_msg m;
	struct ktr_event ev;
	uint32_t ssrc;
	uint64_t next;
	int err;

	if (!s->cfg.negotiated)
		return -ENOTSUP;
	if (at && *at > KTR_INDEX_LAST)
		return -ERANGE;
	err = s->ops.tx_state ? s->ops.tx_state(s->arg, &ssrc, &next) : -ENOENT;
	if (!err && for_ssrc && *for_ssrc != ssrc) {
		err = s->ops.tx_ssrc ? s->ops.tx_ssrc(s->arg, *for_ssrc, &next) :
				       -ENOENT;
		ssrc = *for_ssrc;
	}
	if (err)
		return err;
	memset(&m, 0, sizeof(m));
	m.type = KTR_NEW_SRTP_KEY;
	if (kp) {
		if (!kp_fits(s, kp))
			return -ERANGE;
		m.u.new_key.kp = *kp;
	} else if ((err = fresh_keyparams(s, &m.u.new_key.kp))) {
		return err;
	}
	/* The announcement names our SSRC (section 4.2: "the SSRC that will be
	 * used for this key"); a speaker's key is never any_ssrc. */
	m.u.new_key.kp.any_ssrc = false;
	m.u.new_key.kp.ssrc = ssrc;
	next = at ? *at : next + s->cfg.activate_ahead;
	m.u.new_key.roc = (uint32_t)(next >> 16);
	m.u.new_key.seq = (uint16_t)next;
	if ((err = fill_random(m.u.new_key.random))) {
		ktr_msg_wipe(&m);
		return err;
	}
	/* Tell the owner first: the sender must switch at the index whether or
	 * not the peer acknowledges (section 4.3.1). */
	memset(&ev, 0, sizeof(ev));
	ev.type = KTR_EV_LOCAL_KEY;
	ev.message_seq = s->next_seq;
	ev.kp = &m.u.new_key.kp;
	ev.index = next;
	emit_event(s, &ev);
	err = pend_start(s, PEND_ANNOUNCE, &m, now_ms);
	ktr_msg_wipe(&m);
	return err;
}

static int announce(struct ktr_sess *s, const struct ktr_keyparams *kp,
		    const uint64_t *at, uint64_t now_ms)
{
	return announce_for(s, kp, at, NULL, now_ms);
}

int ktr_sess_announce(struct ktr_sess *s, const struct ktr_keyparams *kp,
		      uint64_t now_ms)
{
	return announce(s, kp, NULL, now_ms);
}

int ktr_sess_announce_at(struct ktr_sess *s, const struct ktr_keyparams *kp,
			 uint64_t index, uint64_t now_ms)
{
	return announce(s, kp, &index, now_ms);
}

int ktr_sess_announce_ssrc(struct ktr_sess *s, const struct ktr_keyparams *kp,
			   uint32_t ssrc, uint64_t now_ms)
{
	return announce_for(s, kp, NULL, &ssrc, now_ms);
}

int ktr_sess_dictate(struct ktr_sess *s, const struct ktr_keyparams *kp,
		     struct ktr_keyparams *out, uint64_t now_ms)
{
	struct ktr_msg m;
	int err;

	if (!s->cfg.negotiated)
		return -ENOTSUP;
	memset(&m, 0, sizeof(m));
	m.type = KTR_YOUR_NEW_SRTP_KEY;
	if (kp) {
		if (!kp_fits(s, kp))
			return -ERANGE;
		m.u.your_key.kp = *kp;
	} else {
		if ((err = fresh_keyparams(s, &m.u.your_key.kp)))
			return err;
		m.u.your_key.kp.any_ssrc = true;
	}
	if (m.u.your_key.kp.any_ssrc)
		m.u.your_key.kp.ssrc = 0;
	if ((err = fill_random(m.u.your_key.random))) {
		ktr_msg_wipe(&m);
		return err;
	}
	if (out)
		*out = m.u.your_key.kp;
	err = pend_start(s, PEND_DICTATE, &m, now_ms);
	ktr_msg_wipe(&m);
	return err;
}

int ktr_sess_request(struct ktr_sess *s, uint64_t now_ms)
{
	struct ktr_msg m;
	int err;

	if (!s->cfg.negotiated)
		return -ENOTSUP;
	memset(&m, 0, sizeof(m));
	m.type = KTR_NEW_SRTP_KEY_REQUEST;
	if ((err = fill_random(m.u.request.random)))
		return err;
	return pend_start(s, PEND_REQUEST, &m, now_ms);
}

static struct answered *answered_find(struct ktr_sess *s, uint16_t seq,
				      uint8_t type)
{
	for (int i = 0; i < ANSWERED_MAX; i++) {
		struct answered *a = &s->ans[i];

		if (a->used && a->peer_seq == seq && a->peer_type == type)
			return a;
	}
	return NULL;
}

/* Send a one-shot reply (activate or failure) and remember it for the
 * peer's retransmissions. */
static void reply(struct ktr_sess *s, const struct ktr_msg *peer,
		  struct ktr_msg *r)
{
	/* Reuse the entry remember() made for this message, if any, so that
	 * a retransmission finds the reply and not an empty entry. */
	struct answered *a = answered_find(s, peer->message_seq, peer->type);
	int err;

	if (!a)
		a = &s->ans[s->ans_next++ % ANSWERED_MAX];

	r->message_seq = s->next_seq++;
	/* The random field is extra entropy for the peer; zeros if the CSPRNG
	 * fails are harmless there. */
	if (r->type == KTR_NEW_SRTP_KEY_ACTIVATE &&
	    fill_random(r->u.activate.random))
		memset(r->u.activate.random, 0, KTR_RANDOM_LEN);
	memset(a, 0, sizeof(*a));
	a->used = true;
	a->peer_seq = peer->message_seq;
	a->peer_type = peer->type;
	a->reply = *r;
	a->has_reply = true;
	err = send_msg(s, r);
	if (err)
		klog(KLOG_WARN, "ktr: sending %s failed: %d",
		     ktr_type_name(r->type), err);
}

/* Mark a peer message as handled with no reply of its own (the answer is an
 * announcement, retransmitted by its own timer). */
static void remember(struct ktr_sess *s, const struct ktr_msg *peer)
{
	struct answered *a = &s->ans[s->ans_next++ % ANSWERED_MAX];

	memset(a, 0, sizeof(*a));
	a->used = true;
	a->peer_seq = peer->message_seq;
	a->peer_type = peer->type;
}

static void send_failure(struct ktr_sess *s, const struct ktr_msg *peer,
			 enum ktr_fail_reason why)
{
	struct ktr_msg r;

	memset(&r, 0, sizeof(r));
	r.type = KTR_NEW_SRTP_KEY_FAILURE;
	r.u.failure.ref_seq = peer->message_seq;
	r.u.failure.reason = (uint8_t)why;
	klog(KLOG_DEBUG, "ktr: refusing %s seq %u (reason %d)",
	     ktr_type_name(peer->type), peer->message_seq, why);
	reply(s, peer, &r);
}

static void on_new_key(struct ktr_sess *s, const struct ktr_msg *m)
{
	const struct ktr_keyparams *kp = &m->u.new_key.kp;
	struct pending *dict = &s->pend[PEND_DICTATE];
	struct ktr_event ev;
	struct ktr_msg r;

	if (!kp_fits(s, kp)) {
		send_failure(s, m, KTR_FAIL_KEY_PARAMS);
		return;
	}
	/* cfg: the listener policy, at the first key past accept_keys */
	if (ktr_sess_refusing(s) &&
	    !(s->keys_accepted && kp_same_key(kp, &s->last_kp))) {
		if (s->cfg.deaf)
			s->deafened = true;
		else
			send_failure(s, m, KTR_FAIL_STATE);
		return;
	}
	/* Any new key satisfies our request; the echo of the key we dictated
	 * completes the dictation (docs/design.md: the DTLS UA echoes it). */
	if (s->pend[PEND_REQUEST].active)
		pend_clear(&s->pend[PEND_REQUEST]);
	if (dict->active && kp_same_key(kp, &dict->msg.u.your_key.kp))
		pend_clear(dict);

	memset(&ev, 0, sizeof(ev));
	ev.type = KTR_EV_PEER_KEY;
	ev.message_seq = m->message_seq;
	ev.kp = kp;
	ev.index = ((uint64_t)m->u.new_key.roc << 16) | m->u.new_key.seq;
	emit_event(s, &ev);

	memset(&r, 0, sizeof(r));
	r.type = KTR_NEW_SRTP_KEY_ACTIVATE;
	r.u.activate.acked_seq = m->message_seq;
	r.u.activate.any_ssrc = kp->any_ssrc;
	r.u.activate.ssrc = kp->ssrc;
	reply(s, m, &r);
	if (!s->keys_accepted || !kp_same_key(kp, &s->last_kp)) {
		s->keys_accepted++;
		s->last_kp = *kp;
	}
}

static void on_your_key(struct ktr_sess *s, const struct ktr_msg *m,
			uint64_t now_ms)
{
	const struct ktr_keyparams *kp = &m->u.your_key.kp;
	uint32_t ssrc;
	uint64_t next;

	if (!kp_fits(s, kp)) {
		send_failure(s, m, KTR_FAIL_KEY_PARAMS);
		return;
	}
	/* A key for one SSRC (draft 4.4) we send: tx_state's stream, or on a
	 * bundle another of ours (tx_ssrc); any_ssrc means tx_state's. */
	if (!s->ops.tx_state || s->ops.tx_state(s->arg, &ssrc, &next) ||
	    (!kp->any_ssrc && kp->ssrc != ssrc &&
	     (!s->ops.tx_ssrc || s->ops.tx_ssrc(s->arg, kp->ssrc, &next)))) {
		send_failure(s, m, KTR_FAIL_STATE);
		return;
	}
	if (!kp->any_ssrc)
		ssrc = kp->ssrc;
	remember(s, m);
	/* Answer by announcing the dictated key as ours (docs/design.md, call
	 * from the DTLS side), for the SSRC it names; errors here are
	 * reported by the announcement. */
	if (announce_for(s, kp, NULL, &ssrc, now_ms))
		send_failure(s, m, KTR_FAIL_INTERNAL);
}

static void on_request(struct ktr_sess *s, const struct ktr_msg *m,
		       uint64_t now_ms)
{
	int err;

	remember(s, m);
	err = ktr_sess_announce(s, NULL, now_ms);
	if (err == -ENOENT)
		send_failure(s, m, KTR_FAIL_STATE);
	else if (err)
		send_failure(s, m, KTR_FAIL_INTERNAL);
}

static void on_answer(struct ktr_sess *s, const struct ktr_msg *m)
{
	struct ktr_event ev;
	uint16_t ref = m->type == KTR_NEW_SRTP_KEY_ACTIVATE ?
			       m->u.activate.acked_seq :
			       m->u.failure.ref_seq;

	for (int k = 0; k < PEND_N; k++) {
		struct pending *p = &s->pend[k];

		if (!p->active || p->msg.message_seq != ref)
			continue;
		/* Only a new_srtp_key is acknowledged by activate. */
		if (m->type == KTR_NEW_SRTP_KEY_ACTIVATE &&
		    p->msg.type != KTR_NEW_SRTP_KEY)
			return;
		memset(&ev, 0, sizeof(ev));
		ev.message_seq = ref;
		if (m->type == KTR_NEW_SRTP_KEY_ACTIVATE) {
			ev.type = KTR_EV_ACTIVATED;
			ev.index = ((uint64_t)p->msg.u.new_key.roc << 16) |
				   p->msg.u.new_key.seq;
		} else {
			ev.type = KTR_EV_PEER_FAILURE;
			ev.reason = m->u.failure.reason;
			ev.msg_type = p->msg.type;
		}
		pend_clear(p);
		emit_event(s, &ev);
		return;
	}
	/* An answer to something no longer pending: a duplicate; ignore. */
}

static void dispatch(struct ktr_sess *s, const struct ktr_msg *m,
		     uint64_t now_ms)
{
	struct answered *a;
	struct ktr_event ev;
	int err;

	switch (m->type) {
	case KTR_NEW_SRTP_KEY_ACTIVATE:
	case KTR_NEW_SRTP_KEY_FAILURE:
		on_answer(s, m);
		return;
	default:
		break;
	}
	/* A retransmission of something we already acted on: repeat our
	 * answer (it was lost), act on nothing. */
	a = answered_find(s, m->message_seq, m->type);
	if (a) {
		if (a->has_reply && (err = send_msg(s, &a->reply)))
			klog(KLOG_WARN, "ktr: resending answer failed: %d", err);
		return;
	}
	switch (m->type) {
	case KTR_NEW_SRTP_KEY:
		on_new_key(s, m);
		break;
	case KTR_YOUR_NEW_SRTP_KEY:
		on_your_key(s, m, now_ms);
		break;
	case KTR_NEW_SRTP_KEY_REQUEST:
		on_request(s, m, now_ms);
		break;
	case KTR_LKH_NET_KEY:
		/* Group keying (section 3.4) is not part of a two-party call. */
		memset(&ev, 0, sizeof(ev));
		ev.type = KTR_EV_LKH_NET_KEY;
		ev.message_seq = m->message_seq;
		emit_event(s, &ev);
		send_failure(s, m, KTR_FAIL_UNSUPPORTED);
		break;
	default:
		break;
	}
}

int ktr_sess_input(struct ktr_sess *s, const uint8_t *rec, size_t len,
		   uint64_t now_ms)
{
	struct ktr_msg m;
	struct ktr_event ev;
	int rc;

	if (!s->cfg.negotiated)
		return -ENOTSUP;
	if (s->deafened)
		return 0; /* cfg.deaf: nothing is answered any more */
	rc = ktr_reasm_input(s->reasm, rec, len, now_ms, &m);
	if (rc < 0) {
		memset(&ev, 0, sizeof(ev));
		ev.type = KTR_EV_BAD_INPUT;
		ev.err = rc;
		/* Debug only: the peer controls how often this happens; the
		 * owner counts the events. */
		klog(KLOG_DEBUG, "ktr: bad input record (%zu bytes): %d", len, rc);
		emit_event(s, &ev);
		return rc;
	}
	if (rc == 0)
		return 0;
	dispatch(s, &m, now_ms);
	ktr_msg_wipe(&m);
	return 0;
}

int64_t ktr_sess_timeout_ms(const struct ktr_sess *s, uint64_t now_ms)
{
	int64_t best = -1;

	for (int k = 0; k < PEND_N; k++) {
		const struct pending *p = &s->pend[k];
		int64_t d;

		if (!p->active)
			continue;
		d = p->due_ms > now_ms ? (int64_t)(p->due_ms - now_ms) : 0;
		if (best < 0 || d < best)
			best = d;
	}
	if (ktr_reasm_pending(s->reasm) && (best < 0 || best > 1000))
		best = 1000; /* expire partial messages */
	return best;
}

void ktr_sess_timer(struct ktr_sess *s, uint64_t now_ms)
{
	for (int k = 0; k < PEND_N; k++) {
		struct pending *p = &s->pend[k];
		struct ktr_event ev;
		int err;

		if (!p->active || p->due_ms > now_ms)
			continue;
		if (p->sends >= s->cfg.rtx_limit) {
			/* Figure 10 "timeout": the owner's sender still
			 * switches at the announced index. */
			memset(&ev, 0, sizeof(ev));
			ev.type = KTR_EV_GAVE_UP;
			ev.err = -ETIMEDOUT;
			ev.message_seq = p->msg.message_seq;
			ev.msg_type = p->msg.type;
			klog(KLOG_WARN, "ktr: %s seq %u never answered after %u sends",
			     ktr_type_name(p->msg.type), p->msg.message_seq,
			     p->sends);
			pend_clear(p);
			emit_event(s, &ev);
			continue;
		}
		p->sends++;
		p->backoff_ms = p->backoff_ms * 2 > s->cfg.rtx_max_ms ?
					s->cfg.rtx_max_ms :
					p->backoff_ms * 2;
		p->due_ms = now_ms + p->backoff_ms;
		if ((err = send_msg(s, &p->msg)))
			klog(KLOG_WARN, "ktr: resending %s failed: %d",
			     ktr_type_name(p->msg.type), err);
	}
	ktr_reasm_expire(s->reasm, now_ms);
}

bool ktr_sess_busy(const struct ktr_sess *s)
{
	for (int k = 0; k < PEND_N; k++)
		if (s->pend[k].active)
			return true;
	return false;
}

bool ktr_sess_refusing(const struct ktr_sess *s)
{
	return (s->cfg.refuse_keys || s->cfg.deaf) &&
	       s->keys_accepted >= s->cfg.accept_keys;
}

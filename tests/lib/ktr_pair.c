/*
 * ktr_pair: two KTR sessions back to back in memory (see ktr_pair.h).
 */
#include "tests/lib/ktr_pair.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/sec.h"

/* The harness's own limits are test bugs when exceeded: stop loudly. */
static void pair_overflow(const char *what)
{
	fprintf(stderr, "ktr_pair: %s log full\n", what);
	abort();
}

static int pair_send(void *arg, const uint8_t *rec, size_t len)
{
	struct ktr_pair_side *sd = arg;
	struct ktr_pair_rec *r;

	if (sd->send_err)
		return sd->send_err;
	if (sd->nsent >= KTR_PAIR_LOG_MAX || len > KTR_PAIR_REC_MAX)
		pair_overflow("record");
	r = &sd->sent[sd->nsent++];
	memcpy(r->b, rec, len);
	r->len = len;
	return 0;
}

static int pair_tx_state(void *arg, uint32_t *ssrc, uint64_t *next_index)
{
	struct ktr_pair_side *sd = arg;

	if (sd->tx_err)
		return sd->tx_err;
	*ssrc = sd->ssrc;
	*next_index = sd->next_index;
	return 0;
}

static int pair_tx_ssrc(void *arg, uint32_t ssrc, uint64_t *next_index)
{
	struct ktr_pair_side *sd = arg;

	if (sd->tx_err || !sd->ssrc2 || ssrc != sd->ssrc2)
		return -ENOENT;
	*next_index = sd->next_index2;
	return 0;
}

static void pair_event(void *arg, const struct ktr_event *ev)
{
	struct ktr_pair_side *sd = arg;
	struct ktr_pair_ev *e;

	if (sd->nev >= KTR_PAIR_EV_MAX)
		pair_overflow("event");
	e = &sd->ev[sd->nev++];
	memset(e, 0, sizeof(*e));
	e->type = ev->type;
	e->err = ev->err;
	e->message_seq = ev->message_seq;
	e->reason = ev->reason;
	e->msg_type = ev->msg_type;
	e->index = ev->index;
	e->nsent_at = sd->nsent;
	if (ev->kp) {
		e->has_kp = true;
		e->kp = *ev->kp;
	}
}

static const struct ktr_sess_ops pair_ops = {
	.send = pair_send,
	.tx_state = pair_tx_state,
	.tx_ssrc = pair_tx_ssrc,
	.event = pair_event,
};

void ktr_pair_cfg(struct ktr_sess_cfg *c, uint8_t key_len, uint8_t salt_len,
		  uint8_t tag_len)
{
	memset(c, 0, sizeof(*c));
	c->negotiated = true;
	c->key_len = key_len;
	c->salt_len = salt_len;
	c->tag_len = tag_len;
}

int ktr_pair_alloc(struct ktr_pair **pp, const struct ktr_sess_cfg *ca,
		   const struct ktr_sess_cfg *cb)
{
	struct ktr_pair *p;
	int err;

	*pp = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->a.peer = &p->b;
	p->b.peer = &p->a;
	p->a.ssrc = 0x0a0a0a0a;
	p->a.next_index = 1000;
	p->b.ssrc = 0x0b0b0b0b;
	p->b.next_index = 0x1fff0;
	p->a.sent = calloc(KTR_PAIR_LOG_MAX, sizeof(*p->a.sent));
	p->b.sent = calloc(KTR_PAIR_LOG_MAX, sizeof(*p->b.sent));
	if (!p->a.sent || !p->b.sent) {
		ktr_pair_free(p);
		return -ENOMEM;
	}
	err = ktr_sess_alloc(&p->a.s, ca, &pair_ops, &p->a);
	if (!err)
		err = ktr_sess_alloc(&p->b.s, cb ? cb : ca, &pair_ops, &p->b);
	if (err) {
		ktr_pair_free(p);
		return err;
	}
	*pp = p;
	return 0;
}

static void side_free(struct ktr_pair_side *sd)
{
	ktr_sess_free(sd->s);
	if (sd->sent) {
		sec_wipe(sd->sent, KTR_PAIR_LOG_MAX * sizeof(*sd->sent));
		free(sd->sent);
	}
	sec_wipe(sd->ev, sizeof(sd->ev));
}

void ktr_pair_free(struct ktr_pair *p)
{
	if (!p)
		return;
	side_free(&p->a);
	side_free(&p->b);
	free(p);
}

/* Deliver one in-flight record from sd to its peer; false when none. */
static bool deliver_one(struct ktr_pair_side *sd, uint64_t now_ms,
			size_t *handed)
{
	struct ktr_pair_side *to = sd->peer;
	const struct ktr_pair_rec *r;
	int rc;

	if (sd->delivered >= sd->nsent)
		return false;
	r = &sd->sent[sd->delivered++];
	if (sd->drop_all) {
		sd->ndropped++;
		return true;
	}
	if (sd->drop_next) {
		sd->drop_next--;
		sd->ndropped++;
		return true;
	}
	rc = ktr_sess_input(to->s, r->b, r->len, now_ms);
	to->ninput++;
	if (rc < 0) {
		to->ninput_err++;
		to->last_input_err = rc;
	}
	(*handed)++;
	return true;
}

size_t ktr_pair_pump(struct ktr_pair *p, uint64_t now_ms)
{
	size_t handed = 0;
	bool moved;

	do {
		moved = deliver_one(&p->a, now_ms, &handed);
		moved = deliver_one(&p->b, now_ms, &handed) || moved;
	} while (moved);
	return handed;
}

void ktr_pair_lose(struct ktr_pair_side *s)
{
	s->ndropped += s->nsent - s->delivered;
	s->delivered = s->nsent;
}

size_t ktr_pair_count(const struct ktr_pair_side *s, enum ktr_event_type t)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nev; i++)
		n += s->ev[i].type == t;
	return n;
}

const struct ktr_pair_ev *ktr_pair_find(const struct ktr_pair_side *s,
					enum ktr_event_type t, size_t nth)
{
	for (size_t i = 0; i < s->nev; i++)
		if (s->ev[i].type == t && nth-- == 0)
			return &s->ev[i];
	return NULL;
}

bool ktr_pair_same_key(const struct ktr_keyparams *x,
		       const struct ktr_keyparams *y)
{
	return x->key_len == y->key_len && x->salt_len == y->salt_len &&
	       x->tag_len == y->tag_len &&
	       memcmp(x->key, y->key, x->key_len) == 0 &&
	       memcmp(x->salt, y->salt, x->salt_len) == 0;
}

/* ---- cmocka checks ---------------------------------------------------- */

void ktr_pair_kp_fill(struct ktr_keyparams *kp, uint8_t key_len,
		      uint8_t salt_len, uint8_t tag_len, uint8_t seed)
{
	memset(kp, 0, sizeof(*kp));
	kp->key_len = key_len;
	kp->salt_len = salt_len;
	kp->tag_len = tag_len;
	for (int i = 0; i < key_len; i++)
		kp->key[i] = (uint8_t)(seed + i);
	for (int i = 0; i < salt_len; i++)
		kp->salt[i] = (uint8_t)(0xa0 + seed + i);
}

bool ktr_pair_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

struct ktr_pair *ktr_pair_new(const struct ktr_sess_cfg *ca,
			      const struct ktr_sess_cfg *cb)
{
	struct ktr_pair *p = NULL;

	assert_int_equal(ktr_pair_alloc(&p, ca, cb), 0);
	assert_non_null(p);
	return p;
}

struct ktr_pair *ktr_pair_default(void)
{
	struct ktr_sess_cfg c;

	ktr_pair_cfg(&c, 16, 14, 10);
	return ktr_pair_new(&c, NULL);
}

void ktr_pair_rec_decode(const struct ktr_pair_rec *r, struct ktr_msg *m)
{
	assert_int_equal(ktr_msg_decode(r->b, r->len, m), 0);
}

/* A full announcement (kp NULL) from `from` at now_ms: LOCAL_KEY at the
 * speaker, PEER_KEY with the same key at the listener, ACTIVATED back,
 * nothing pending afterwards. Returns the listener's PEER_KEY event. */
const struct ktr_pair_ev *ktr_pair_announce_ok(struct ktr_pair *p,
					       struct ktr_pair_side *from,
					       uint64_t now_ms)
{
	struct ktr_pair_side *to = from->peer;
	size_t nl = ktr_pair_count(from, KTR_EV_LOCAL_KEY);
	size_t na = ktr_pair_count(from, KTR_EV_ACTIVATED);
	size_t np = ktr_pair_count(to, KTR_EV_PEER_KEY);
	const struct ktr_pair_ev *lk, *pk, *ac;

	assert_int_equal(ktr_sess_announce(from->s, NULL, now_ms), 0);
	lk = ktr_pair_find(from, KTR_EV_LOCAL_KEY, nl);
	assert_non_null(lk);
	assert_true(ktr_sess_busy(from->s));
	ktr_pair_pump(p, now_ms);
	pk = ktr_pair_find(to, KTR_EV_PEER_KEY, np);
	assert_non_null(pk);
	assert_int_equal(ktr_pair_count(to, KTR_EV_PEER_KEY), np + 1);
	assert_true(pk->has_kp);
	assert_true(ktr_pair_same_key(&pk->kp, &lk->kp));
	assert_int_equal(pk->kp.ssrc, from->ssrc);
	assert_int_equal(pk->index, lk->index);
	ac = ktr_pair_find(from, KTR_EV_ACTIVATED, na);
	assert_non_null(ac);
	assert_int_equal(ktr_pair_count(from, KTR_EV_ACTIVATED), na + 1);
	assert_int_equal(ac->message_seq, lk->message_seq);
	assert_int_equal(ac->index, lk->index);
	assert_false(ktr_sess_busy(from->s));
	assert_false(ktr_sess_busy(to->s));
	assert_int_equal(ktr_sess_timeout_ms(from->s, now_ms), -1);
	return pk;
}

void ktr_pair_expect_peer_failure(struct ktr_pair_side *s, uint16_t seq,
				  uint8_t reason)
{
	const struct ktr_pair_ev *f;

	assert_int_equal(ktr_pair_count(s, KTR_EV_PEER_FAILURE), 1);
	f = ktr_pair_find(s, KTR_EV_PEER_FAILURE, 0);
	assert_int_equal(f->message_seq, seq);
	assert_int_equal(f->reason, reason);
	assert_false(ktr_sess_busy(s->s));
	assert_int_equal(ktr_sess_timeout_ms(s->s, 0), -1);
}

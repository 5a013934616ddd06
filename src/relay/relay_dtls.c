/*
 * relay DTLS leg: a DTLS-SRTP association (dtls/) and, when key_transport
 * was negotiated, a KTR session (ktr/) living in the worker that owns the
 * call, on the leg's own socket (RFC 5764 5.1.2, RFC 7983). The forwarding
 * path hands DTLS-class datagrams in; the worker's loop runs the timers.
 *
 * The SBC is a KTR speaker on the SDES UA's behalf (Figure 7 step 4: it
 * announces the SDES UA's key A, whose packets it forwards untouched) and a
 * listener for the DTLS UA's keys, which it reports to the owner (they become
 * a re-INVITE towards the SDES UA). It never sends media of its own here.
 * DTLS datagrams that come before the engine starts are kept in
 * relay_dtls_early.c.
 */
#include "relay/relay_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/clk.h"
#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"

static void post(struct relay_leg *l, struct relay_event *ev)
{
	ev->call_id = l->call->id;
	ev->arg = l->call->arg;
	ev->leg = l->idx;
	relay_event_post(l->call->r, ev);
	sec_wipe(ev, sizeof(*ev));
}

/* --- KTR session callbacks -------------------------------------------- */

static int k_send(void *arg, const uint8_t *rec, size_t len)
{
	struct relay_leg *l = arg;

	return dtls_conn_write(l->dtls, rec, len);
}

/* The stream we announce for is the one arriving on the other leg
 * (relay.h); announce_at names its SSRC and the index. Only our own
 * announcements name it: a request or a dictation from the DTLS UA is
 * refused (the SDES UA's key changes only through a re-INVITE, which is
 * the signalling side's business). */
static int k_tx_state(void *arg, uint32_t *ssrc, uint64_t *next_index)
{
	struct relay_leg *l = arg;

	if (!l->announcing)
		return -ENOENT;
	*ssrc = l->ann_ssrc;
	*next_index = 0; /* unused: ktr_sess_announce_at names the index */
	return 0;
}

/* The answer (or the end) of our outstanding new_srtp_key: the other leg's
 * media held for it goes on (relay.h). Acknowledged, or never answered
 * (draft 4.3.1: the speaker switches at its index either way; the DTLS UA
 * may have the key and only its answers were lost): forwarded. Refused:
 * the DTLS UA has no key for it, so it stays held, but it is read (and
 * dropped) again rather than queued; the owner transcrypts or ends. */
static void hold_answer(struct relay_leg *l, const struct ktr_event *kev)
{
	struct relay_leg *o = &l->call->leg[1 - l->idx];

	if (!l->ann_out || kev->message_seq != l->ann_seq)
		return;
	l->ann_out = false;
	if (kev->type != KTR_EV_PEER_FAILURE)
		o->fwd.flags &= (uint8_t)~RELAY_F_HOLD;
	relay_leg_hq_set(l->call->w, o, RELAY_HQ_NONE);
}

bool relay_keymat_same(const struct ksrtp_keymat *a,
		       const struct ksrtp_keymat *b)
{
	return a->profile == b->profile && a->key_len == b->key_len &&
	       a->salt_len == b->salt_len && a->key_len <= KSRTP_KEY_MAX &&
	       a->salt_len <= KSRTP_SALT_MAX &&
	       sec_equal(a->key, b->key, a->key_len) &&
	       sec_equal(a->salt, b->salt, a->salt_len);
}

/* The DTLS UA acknowledged new_srtp_key(A): it decrypts the SDES UA's
 * packets itself from here on, so the window transcrypt of leg o (the SDES
 * leg) ends now, in the worker, not when the owner's relay_call_transcrypt
 * arrives (packets in between would be transcrypted for nothing). */
static void window_acked(struct relay_leg *o)
{
	struct relay_xc *x = o->xc;

	if (!x || !x->win || o->win.closed)
		return;
	x->passthrough = true;
	o->win.end_index = x->seen ? ((uint64_t)x->roc << 16 | x->s_l) + 1 : 0;
	o->win.closed = true;
}

/* KTR on a bundle (relay.h, BUNDLE): the association's legs, the one
 * whose new_srtp_key message_seq is seq (al), or l. */
static struct relay_leg *ann_leg(struct relay_leg *l, uint16_t seq)
{
	struct relay_leg *legs[RELAY_BUNDLE_MEMBERS_MAX];
	unsigned n = relay_bundle_legs(l, legs, RELAY_BUNDLE_MEMBERS_MAX);

	for (unsigned i = 0; i < n; i++)
		if (legs[i]->ann_out && legs[i]->ann_seq == seq)
			return legs[i];
	return l;
}

static int announce_at(struct relay_worker *w, struct relay_leg *l,
		       uint32_t ssrc, uint64_t index);

/* The association's one new_srtp_key slot is free again: the next stream
 * of the bundle waiting for it is announced (draft 4.4: a key per SSRC,
 * one message after the other). */
static void ann_next(struct relay_leg *kl)
{
	struct relay_leg *legs[RELAY_BUNDLE_MEMBERS_MAX];
	unsigned n = relay_bundle_legs(kl, legs, RELAY_BUNDLE_MEMBERS_MAX);
	int err;

	for (unsigned i = 0; i < n; i++)
		if (legs[i]->ann_out)
			return;
	for (unsigned i = 0; i < n; i++) {
		struct relay_leg *q = legs[i];

		if (!q->ann_queued)
			continue;
		q->ann_queued = false;
		if ((err = announce_at(kl->call->w, q, q->ann_q_ssrc, q->ann_q_index)))
			klog(KLOG_WARN, "relay: call %llu: KTR announcement: %s",
			     (unsigned long long)q->call->id, err_str(err));
		return;
	}
}

static void k_event(void *arg, const struct ktr_event *kev)
{
	struct relay_leg *l = arg, *al = l;
	struct relay_event ev;
	bool answered = false, dictated = false;

	memset(&ev, 0, sizeof(ev));
	if (kev->type == KTR_EV_ACTIVATED || kev->type == KTR_EV_GAVE_UP ||
	    kev->type == KTR_EV_PEER_FAILURE) {
		/* On a bundle, the stream whose key it answers */
		al = ann_leg(l, kev->message_seq);
		answered = al->ann_out && kev->message_seq == al->ann_seq;
		hold_answer(al, kev);
	}
	switch (kev->type) {
	case KTR_EV_PEER_KEY:
		ev.type = RELAY_EV_KTR_PEER_KEY;
		ev.peer_key.profile = l->profile;
		ev.peer_key.key_len = kev->kp->key_len;
		ev.peer_key.salt_len = kev->kp->salt_len;
		memcpy(ev.peer_key.key, kev->kp->key, kev->kp->key_len);
		memcpy(ev.peer_key.salt, kev->kp->salt, kev->kp->salt_len);
		ev.any_ssrc = kev->kp->any_ssrc;
		ev.ssrc = kev->kp->ssrc;
		ev.index = kev->index;
		/* On a bundle, the echo of a stream's dictated key is that
		 * stream's (relay_bundle_ktr.c) */
		if ((al = relay_bundle_dict_done(l, &ev.peer_key)))
			dictated = true;
		else if (!ev.any_ssrc)
			/* its own re-key, for the stream that sends the
			 * SSRC it names (draft 4.4) */
			al = relay_bundle_ssrc_leg(l, ev.ssrc);
		else
			al = l;
		/* The window of the DTLS-originated flow ends where the DTLS
		 * UA starts using the key we transcrypt to (relay.h). */
		if (al->xc && relay_keymat_same(&ev.peer_key, &al->xc->out)) {
			al->xc->stop_index = kev->index;
			if (al->xc->win) {
				al->win.end_index = kev->index;
				al->win.closed = true;
			}
		}
		break;
	case KTR_EV_ACTIVATED:
		/* Only our new_srtp_key is acknowledged, and only the latest
		 * (an earlier one is superseded): ktr_key is the key. */
		ev.type = RELAY_EV_KTR_ACKED;
		ev.index = kev->index;
		window_acked(&al->call->leg[1 - al->idx]);
		ev.msg_seq = kev->message_seq;
		ev.msg_type = KTR_NEW_SRTP_KEY;
		ev.peer_key = al->ktr_key;
		break;
	case KTR_EV_GAVE_UP:
	case KTR_EV_PEER_FAILURE:
		ev.type = kev->type == KTR_EV_GAVE_UP ? RELAY_EV_KTR_GAVE_UP :
							 RELAY_EV_KTR_REFUSED;
		ev.err = kev->type == KTR_EV_GAVE_UP ?
				 (kev->err ? kev->err : -ETIMEDOUT) : 0;
		ev.reason = kev->reason;
		ev.msg_seq = kev->message_seq;
		ev.msg_type = kev->msg_type;
		if (kev->msg_type == KTR_NEW_SRTP_KEY) {
			ev.peer_key = al->ktr_key;
		} else if (kev->msg_type == KTR_YOUR_NEW_SRTP_KEY) {
			/* On a bundle, the stream whose dictation it was */
			if ((al = relay_bundle_dict_done(l, NULL)))
				dictated = true;
			else
				al = l;
			/* The DTLS UA keeps its own key: no switch ends the
			 * window, which is the fallback's transcrypt now. */
			if (al->xc)
				ev.peer_key = al->xc->out;
		}
		break;
	case KTR_EV_LOCAL_KEY:
		/* Our announcement (we send no media: nothing to schedule);
		 * its answer ends the hold. On a bundle it is the announcing
		 * stream's (announce_at). */
		al = l->ann_by ? l->ann_by : l;
		al->ann_out = true;
		al->ann_seq = kev->message_seq;
		return;
	case KTR_EV_LKH_NET_KEY:
	case KTR_EV_BAD_INPUT:
		klog(KLOG_DEBUG, "relay: call %llu: KTR input ignored (%s)",
		     (unsigned long long)l->call->id, err_str(kev->err));
		return;
	}
	post(al, &ev);
	if (answered)
		ann_next(l);
	/* The next dictation of the bundle: after an echo, once our
	 * new_srtp_key_activate for it is out (d_recv), so that the DTLS UA
	 * gets it before the next your_new_srtp_key, whose answer would
	 * supersede its announcement still waiting for it. */
	if (dictated && kev->type == KTR_EV_PEER_KEY)
		l->dict_waiting = true;
	else if (dictated)
		relay_bundle_dictate_next(l->call->w, l);
}

/* --- DTLS callbacks ------------------------------------------------------ */

static int d_send(void *arg, const uint8_t *data, size_t len)
{
	struct relay_leg *l = arg;

	if (!l->peer_len || l->ice_st.consent_lost) /* RFC 7675 5.1 */
		return -ENOTCONN;
	if (sendto(l->sfd, data, len, MSG_DONTWAIT,
		   (struct sockaddr *)&l->peer_sa, l->peer_len) < 0)
		return -errno;
	return 0;
}

static int ktr_setup(struct relay_leg *l)
{
	static const struct ktr_sess_ops ops = {
		.send = k_send,
		.tx_state = k_tx_state,
		.event = k_event,
	};
	struct ktr_sess_cfg kc = l->call->r->cfg.ktr;
	size_t kl, sl, tl;
	int err;

	if ((err = ksrtp_profile_lens(l->profile, &kl, &sl, &tl)))
		return err;
	kc.negotiated = true;
	kc.key_len = (uint8_t)kl;
	kc.salt_len = (uint8_t)sl;
	kc.tag_len = (uint8_t)tl;
	return ktr_sess_alloc(&l->ktr, &kc, &ops, l);
}

void relay_keymat_export(struct ksrtp_keymat *k, const struct dtls_srtp_keys *x,
			 bool local)
{
	if (ksrtp_keymat_parts(k, x->profile, local ? x->local_key : x->remote_key,
			       x->key_len, local ? x->local_salt : x->remote_salt,
			       x->salt_len))
		memset(k, 0, sizeof(*k)); /* unusable: fails ksrtp_keymat_check */
}

/* relay_leg_dtls_prearm: the window's transcrypts, now that the export
 * gives their other keys; in the worker, so no packet slips past. */
static void prearm_apply(struct relay_leg *l, const struct dtls_srtp_keys *x)
{
	struct relay_leg *o = &l->call->leg[1 - l->idx];
	struct ksrtp_keymat theirs, ours;
	struct relay_xc *a = NULL, *b = NULL;

	relay_keymat_export(&theirs, x, false);
	relay_keymat_export(&ours, x, true);
	if (relay_xc_alloc(&a, &theirs, &l->prearm_own_out) == 0) {
		relay_xc_free(l->xc);
		l->xc = a;
		a->win = &l->win;
		l->win.armed = true;
		l->fwd.flags |= RELAY_F_TRANSCRYPT;
		l->fwd.flags &= (uint8_t)~RELAY_F_HOLD;
	}
	if (relay_xc_alloc(&b, &l->prearm_other_in, &ours) == 0) {
		relay_bundle_xc_bind(l->call, o->idx, b);
		relay_xc_free(o->xc);
		o->xc = b;
		b->win = &o->win;
		o->win.armed = true;
		o->fwd.flags |= RELAY_F_TRANSCRYPT;
		o->fwd.flags &= (uint8_t)~RELAY_F_HOLD;
	}
	ksrtp_keymat_wipe(&theirs);
	ksrtp_keymat_wipe(&ours);
	ksrtp_keymat_wipe(&l->prearm_own_out);
	ksrtp_keymat_wipe(&l->prearm_other_in);
	l->prearm = false;
	if (!a || !b)
		klog(KLOG_WARN, "relay: call %llu: window transcrypt could not be set up",
		     (unsigned long long)l->call->id);
}

static void d_established(void *arg)
{
	struct relay_leg *l = arg;
	struct relay_event ev;
	int err;

	memset(&ev, 0, sizeof(ev));
	if ((err = dtls_conn_srtp_keys(l->dtls, &ev.keys))) {
		ev.type = RELAY_EV_DTLS_FAILED;
		ev.err = err;
		l->dtls_failed = true;
		post(l, &ev);
		return;
	}
	l->profile = ev.keys.profile;
	l->dtls_up = true;
	if (l->want_ktr && dtls_conn_ktr(l->dtls) && (err = ktr_setup(l)))
		klog(KLOG_WARN, "relay: call %llu: KTR session: %s",
		     (unsigned long long)l->call->id, err_str(err));
	if (l->prearm)
		prearm_apply(l, &ev.keys);
	{
		/* a bundle's other streams, keyed by this association in
		 * the same instant (relay.h, BUNDLE) */
		struct relay_leg *legs[RELAY_BUNDLE_MEMBERS_MAX];
		unsigned n = relay_bundle_legs(l, legs, RELAY_BUNDLE_MEMBERS_MAX);

		for (unsigned i = 1; i < n; i++)
			if (legs[i]->prearm)
				prearm_apply(legs[i], &ev.keys);
	}
	ev.type = RELAY_EV_DTLS_UP;
	ev.ktr = l->ktr != NULL;
	post(l, &ev);
}

static void d_recv(void *arg, const uint8_t *data, size_t len)
{
	struct relay_leg *l = arg;

	if (l->ktr)
		ktr_sess_input(l->ktr, data, len, l->call->w->now_ms);
	if (l->dict_waiting) /* relay_bundle_ktr.c */
		relay_bundle_dictate_next(l->call->w, l);
}

static void d_closed(void *arg, int err)
{
	struct relay_leg *l = arg;
	struct relay_event ev;

	l->dtls_failed = true;
	/* No acknowledgement can come now: media queued for it is read (and
	 * dropped as held, counted) again; so for a bundle's streams. */
	{
		struct relay_leg *legs[RELAY_BUNDLE_MEMBERS_MAX];
		unsigned n = relay_bundle_legs(l, legs, RELAY_BUNDLE_MEMBERS_MAX);

		for (unsigned i = 0; i < n; i++) {
			legs[i]->ann_out = false;
			legs[i]->ann_queued = false;
			relay_leg_hq_set(l->call->w,
					 &legs[i]->call->leg[1 - legs[i]->idx],
					 RELAY_HQ_NONE);
		}
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = RELAY_EV_DTLS_FAILED;
	ev.err = err ? err : -ECONNRESET;
	klog(KLOG_INFO, "relay: call %llu leg %u: DTLS: %s",
	     (unsigned long long)l->call->id, l->idx,
	     err ? dtls_conn_error(l->dtls) : "peer closed");
	post(l, &ev);
}

/* --- worker side ------------------------------------------------------------ */

void relay_dlist_add(struct relay_worker *w, struct relay_call *c)
{
	if (c->on_dlist)
		return;
	c->on_dlist = true;
	c->dprev = NULL;
	c->dnext = w->dcalls;
	if (w->dcalls)
		w->dcalls->dprev = c;
	w->dcalls = c;
}

int relay_dtls_start(struct relay_worker *w, struct relay_leg *l,
		     enum dtls_role role, const char *fp, bool ktr)
{
	static const struct dtls_conn_ops ops = {
		.send = d_send,
		.established = d_established,
		.recv = d_recv,
		.closed = d_closed,
	};
	int err;

	if (l->dtls)
		return -EALREADY;
	/* With ICE the client waits for the nominated peer (relay.h). */
	if (role == DTLS_ROLE_CLIENT && !l->peer_len && !l->ice)
		return -ENOTCONN;
	err = dtls_conn_alloc(&l->dtls, w->r->cfg.dtls, role, fp, ktr, &ops, l);
	if (err)
		return err;
	l->want_ktr = ktr;
	if (l->peer_len)
		dtls_conn_set_cookie_id(l->dtls, &l->peer_sa, l->peer_len);
	l->fwd.flags |= RELAY_F_DTLS;
	l->call->leg[1 - l->idx].fwd.flags |= RELAY_F_TRACK;
	relay_dlist_add(w, l->call);
	w->timers_dirty = true;
	w->now_ms = clk_now_ms();
	if (role == DTLS_ROLE_CLIENT && !l->peer_len) {
		l->dtls_deferred = true; /* relay_dtls_deferred_start */
		relay_dtls_early_free(l);
		return 0;
	}
	err = dtls_conn_start(l->dtls, w->now_ms);
	if (err) {
		dtls_conn_free(l->dtls);
		l->dtls = NULL;
		l->fwd.flags &= (uint8_t)~RELAY_F_DTLS;
	} else {
		relay_dtls_early_feed(w, l, role);
	}
	return err;
}

void relay_dtls_input(struct relay_worker *w, struct relay_leg *l,
		      const uint8_t *pkt, size_t len)
{
	w->now_ms = clk_now_ms();
	/* The server binds its cookie to the peer it latched (RFC 6347
	 * 4.2.1); the first datagram of an unknown peer sets it here. */
	if (!l->dtls_up && !l->dtls_failed)
		dtls_conn_set_cookie_id(l->dtls, &l->peer_sa, l->peer_len);
	dtls_conn_input(l->dtls, pkt, len, w->now_ms);
	w->timers_dirty = true;
}

void relay_dtls_deferred_start(struct relay_worker *w, struct relay_leg *l)
{
	int err;

	l->dtls_deferred = false;
	w->now_ms = clk_now_ms();
	w->timers_dirty = true;
	dtls_conn_set_cookie_id(l->dtls, &l->peer_sa, l->peer_len);
	err = dtls_conn_start(l->dtls, w->now_ms);
	if (err) {
		/* As a failed handshake: the owner learns it by event. */
		struct relay_event ev = {
			.type = RELAY_EV_DTLS_FAILED,
			.call_id = l->call->id,
			.arg = l->call->arg,
			.leg = l->idx,
			.err = err,
		};

		klog(KLOG_WARN, "relay: call %llu leg %u: DTLS client did not start after ICE nomination: %s",
		     (unsigned long long)l->call->id, l->idx, err_str(err));
		l->dtls_failed = true;
		relay_event_post(w->r, &ev);
	}
}

static int64_t leg_timeout(struct relay_leg *l, uint64_t now)
{
	int64_t a = -1, b;

	if (!l->dtls || l->dtls_deferred)
		return -1;
	if (!l->dtls_failed) {
		a = dtls_conn_timeout_ms(l->dtls, now);
		if (a == 0) {
			dtls_conn_timer(l->dtls, now);
			a = l->dtls_failed ? -1 : dtls_conn_timeout_ms(l->dtls, now);
		}
	}
	if (!l->ktr)
		return a;
	b = ktr_sess_timeout_ms(l->ktr, now);
	if (b == 0) {
		ktr_sess_timer(l->ktr, now);
		b = ktr_sess_timeout_ms(l->ktr, now);
	}
	if (a < 0)
		return b;
	return b < 0 || a < b ? a : b;
}

void relay_dtls_timers(struct relay_worker *w, uint64_t now)
{
	uint64_t due = UINT64_MAX;

	w->now_ms = now;
	for (struct relay_call *c = w->dcalls; c; c = c->dnext) {
		for (int i = 0; i < 2; i++) {
			int64_t t = leg_timeout(&c->leg[i], now);

			if (t >= 0 && now + (uint64_t)t < due)
				due = now + (uint64_t)t;
		}
	}
	w->timer_due = due;
	w->timers_dirty = false;
}

static int ktr_ready(const struct relay_leg *l, const struct ksrtp_keymat *k)
{
	if (!l->dtls || !l->dtls_up)
		return l->dtls_failed ? -EPIPE : -EAGAIN;
	if (!l->ktr)
		return -ENOTSUP;
	return k->profile == l->profile ? 0 : -EINVAL;
}

void relay_dtls_kp(struct ktr_keyparams *kp, const struct ksrtp_keymat *k)
{
	size_t tl = 0;

	memset(kp, 0, sizeof(*kp));
	ksrtp_profile_lens(k->profile, NULL, NULL, &tl);
	kp->key_len = k->key_len;
	kp->salt_len = k->salt_len;
	kp->tag_len = (uint8_t)tl;
	memcpy(kp->key, k->key, k->key_len);
	memcpy(kp->salt, k->salt, k->salt_len);
}

/* new_srtp_key(ktr_key) naming ssrc, taking effect at index (relay.h).
 * On a bundle (relay.h, BUNDLE) l may be a member's leg: the key goes over
 * the owner's association (kl), one SSRC after the other: while another
 * stream's new_srtp_key is unanswered, l waits its turn (ann_next), since
 * the session keeps one outstanding new_srtp_key and a second would
 * supersede the first. */
static int announce_at(struct relay_worker *w, struct relay_leg *l,
		       uint32_t ssrc, uint64_t index)
{
	struct relay_leg *kl = relay_bundle_ktr_leg(l);
	struct relay_leg *legs[RELAY_BUNDLE_MEMBERS_MAX];
	unsigned n = relay_bundle_legs(kl, legs, RELAY_BUNDLE_MEMBERS_MAX);
	struct ktr_keyparams kp;
	int err;

	l->ann_wait = false;
	if (!kl->ktr)
		return -ENOTSUP;
	for (unsigned i = 0; kl->bundle_head && i < n; i++) {
		if (legs[i] != l && legs[i]->ann_out) {
			l->ann_queued = true;
			l->ann_q_ssrc = ssrc;
			l->ann_q_index = index;
			return 0;
		}
	}
	relay_dtls_kp(&kp, &l->ktr_key);
	kl->ann_ssrc = ssrc;
	kl->announcing = true;
	kl->ann_by = l;
	err = ktr_sess_announce_at(kl->ktr, &kp, index, w->now_ms);
	kl->announcing = false;
	kl->ann_by = NULL;
	sec_wipe(&kp, sizeof(kp));
	w->timers_dirty = true;
	if (!err)
		l->ktr_announced = true;
	return err;
}

int relay_dtls_send_key(struct relay_worker *w, struct relay_leg *l,
			const struct ksrtp_keymat *k)
{
	struct relay_leg *o = &l->call->leg[1 - l->idx];
	int err;

	/* a bundle's member: the owner's association (relay.h, BUNDLE) */
	if ((err = ktr_ready(relay_bundle_ktr_leg(l), k)))
		return err;
	l->ktr_key = *k;
	/* The first key for media held here: announced at the stream's first
	 * packet, which the other leg's socket keeps queued until the DTLS
	 * UA acknowledged it (relay.h). */
	if (!l->ktr_announced && (o->fwd.flags & RELAY_F_HOLD)) {
		l->ann_wait = false;
		relay_leg_hq_set(w, o, RELAY_HQ_PEEK);
		return 0;
	}
	/* Otherwise the stream already flows (transcrypted, or under an
	 * earlier key): the key takes effect where it is first used, for the
	 * SSRC the stream carries, once a packet showed it. */
	if (!o->fwd.tracked) {
		l->ann_wait = true;
		return 0;
	}
	return announce_at(w, l, o->fwd.last_ssrc, KTR_INDEX_LAST);
}

void relay_dtls_announce_due(struct relay_worker *w, struct relay_leg *l)
{
	const struct relay_fwd *of = &l->call->leg[1 - l->idx].fwd;
	int err;

	l->ann_wait = false;
	if (!relay_bundle_ktr_leg(l)->ktr)
		return;
	w->now_ms = clk_now_ms();
	if ((err = announce_at(w, l, of->last_ssrc, KTR_INDEX_LAST)))
		klog(KLOG_WARN, "relay: call %llu: KTR announcement: %s",
		     (unsigned long long)l->call->id, err_str(err));
}

void relay_dtls_first_packet(struct relay_worker *w, struct relay_leg *held)
{
	struct relay_leg *l = &held->call->leg[1 - held->idx];
	const struct relay_fwd *f = &held->fwd;
	int err = -ENOTCONN;

	relay_leg_hq_set(w, held, RELAY_HQ_QUEUE);
	w->now_ms = clk_now_ms();
	if (relay_bundle_ktr_leg(l)->ktr)
		err = announce_at(w, l, f->last_ssrc,
				  (uint64_t)f->last_roc << 16 | f->last_seq);
	if (err) {
		/* Still held, read and dropped again (counted): the owner
		 * learns of the association's failure by its own event. */
		klog(KLOG_WARN, "relay: call %llu: KTR announcement: %s",
		     (unsigned long long)l->call->id, err_str(err));
		relay_leg_hq_set(w, held, RELAY_HQ_NONE);
	}
}

int relay_dtls_dictate(struct relay_worker *w, struct relay_leg *l,
		       const struct ksrtp_keymat *k)
{
	struct relay_leg *kl = relay_bundle_ktr_leg(l);
	struct relay_leg *legs[2];
	struct ktr_keyparams kp;
	int err;

	if ((err = ktr_ready(kl, k)))
		return err;
	if (l->xc && relay_keymat_same(k, &l->xc->out))
		l->xc->window = true;
	/* a bundle's streams: a key per SSRC (relay_bundle_ktr.c) */
	if (kl->bundle_head && relay_bundle_legs(kl, legs, 2) > 1)
		return relay_bundle_dictate(w, kl, l, k);
	relay_dtls_kp(&kp, k);
	kp.any_ssrc = true;
	err = ktr_sess_dictate(l->ktr, &kp, NULL, w->now_ms);
	sec_wipe(&kp, sizeof(kp));
	w->timers_dirty = true;
	return err;
}

int relay_dtls_request(struct relay_worker *w, struct relay_leg *l)
{
	int err;

	if (!l->dtls || !l->dtls_up)
		return l->dtls_failed ? -EPIPE : -EAGAIN;
	if (!l->ktr)
		return -ENOTSUP;
	err = ktr_sess_request(l->ktr, w->now_ms);
	w->timers_dirty = true;
	return err;
}

void relay_dtls_free(struct relay_leg *l)
{
	relay_dtls_early_free(l);
	ktr_sess_free(l->ktr);
	l->ktr = NULL;
	dtls_conn_free(l->dtls);
	l->dtls = NULL;
	ksrtp_keymat_wipe(&l->ktr_key);
}

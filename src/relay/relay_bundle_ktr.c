/*
 * relay_bundle_ktr: your_new_srtp_key on a bundle's one DTLS association
 * (relay.h, BUNDLE), for a call the DTLS UA offered (docs/design.md, "From
 * the DTLS side"). Each SDES UA was offered its own key B_k, so the DTLS UA
 * must send stream k under B_k: one dictation per stream, each naming the
 * SSRC that stream sends (draft 4.2: the key material carries "the SSRC
 * that will be used for this key"; 4.4: keys are per SSRC), never
 * any_ssrc, which would switch every stream of the association to one key.
 * The DTLS UA answers each with a new_srtp_key for that SSRC, at which
 * index that stream's window toward the SDES UA ends (relay_dtls.c).
 *
 * The stream's SSRC is the one its packets carry (the DTLS leg tracks
 * them, RELAY_F_TRACK): a dictation waits for the stream's first packet.
 * The KTR session keeps one outstanding your_new_srtp_key (a second
 * supersedes the first), so the bundle's dictations go one after the
 * other: the next when the DTLS UA's new_srtp_key echoed the last, or it
 * was refused or never answered. Worker only; never on the forwarding
 * path (the batch only tests dict_waiting).
 */
#include "relay/relay_int.h"

#include <errno.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"

int relay_bundle_dictate(struct relay_worker *w, struct relay_leg *kl,
			 struct relay_leg *l, const struct ksrtp_keymat *k)
{
	l->dict_key = *k;
	l->dict_pending = true;
	l->fwd.flags |= RELAY_F_TRACK;
	kl->dict_waiting = true;
	relay_bundle_dictate_next(w, kl);
	return 0;
}

/* A dictation that could not be sent: the owner falls back as for one
 * the DTLS UA never answered (media_ktr.c). */
static void dictate_failed(struct relay_leg *q, int err)
{
	struct relay_event ev;

	klog(KLOG_WARN, "relay: call %llu: KTR: your_new_srtp_key for a bundled stream: %s",
	     (unsigned long long)q->call->id, err_str(err));
	memset(&ev, 0, sizeof(ev));
	ev.type = RELAY_EV_KTR_GAVE_UP;
	ev.err = err;
	ev.msg_type = KTR_YOUR_NEW_SRTP_KEY;
	ev.peer_key = q->dict_key;
	ev.call_id = q->call->id;
	ev.arg = q->call->arg;
	ev.leg = q->idx;
	relay_event_post(q->call->r, &ev);
	sec_wipe(&ev, sizeof(ev));
}

void relay_bundle_dictate_next(struct relay_worker *w, struct relay_leg *kl)
{
	struct relay_leg *legs[RELAY_BUNDLE_MEMBERS_MAX];
	unsigned n = relay_bundle_legs(kl, legs, RELAY_BUNDLE_MEMBERS_MAX);
	bool waiting = false;

	if (!kl->ktr)
		return;
	for (unsigned i = 0; i < n; i++)
		if (legs[i]->dict_out)
			return;
	for (unsigned i = 0; i < n; i++) {
		struct relay_leg *q = legs[i];
		struct ktr_keyparams kp;
		int err;

		if (!q->dict_pending)
			continue;
		if (q->fwd.tracked != 1) {
			waiting = true; /* its SSRC is not known yet */
			continue;
		}
		q->dict_pending = false;
		relay_dtls_kp(&kp, &q->dict_key);
		kp.any_ssrc = false;
		kp.ssrc = q->fwd.last_ssrc;
		err = ktr_sess_dictate(kl->ktr, &kp, NULL, w->now_ms);
		sec_wipe(&kp, sizeof(kp));
		w->timers_dirty = true;
		if (err) {
			dictate_failed(q, err);
			continue;
		}
		q->dict_out = true;
		/* the others wait for its answer */
		for (unsigned j = i + 1; j < n; j++)
			waiting |= legs[j]->dict_pending;
		break;
	}
	kl->dict_waiting = waiting;
}

struct relay_leg *relay_bundle_dict_done(struct relay_leg *kl,
					 const struct ksrtp_keymat *k)
{
	struct relay_leg *legs[RELAY_BUNDLE_MEMBERS_MAX];
	unsigned n = relay_bundle_legs(kl, legs, RELAY_BUNDLE_MEMBERS_MAX);

	for (unsigned i = 0; i < n; i++) {
		struct relay_leg *q = legs[i];

		if (!q->dict_out || (k && !relay_keymat_same(k, &q->dict_key)))
			continue;
		q->dict_out = false;
		return q;
	}
	return NULL;
}

/*
 * media_ktr: what the media core does with the DTLS UA's answers to its
 * KTR messages (the KTR failure policy of the DTLS side).
 *
 * Acknowledged (new_srtp_key_activate): the key becomes the one the DTLS UA
 * is known to decrypt the SDES UA's stream with (c->dtls_rx). Refused
 * (new_srtp_key_failure) or never acknowledged (retransmission gave up):
 * logged with the message and the reason, counted, then the DTLS trunk's
 * policy. `ktr = required`: the session ends, with a reason for the peers
 * (the B2BUA: BYE carrying a Reason header, RFC 3326). `ktr = preferred`:
 * the direction the message was about moves to the transcrypting stage
 * (draft Figure 6) and the session goes on. Toward the DTLS UA the relay then encrypts under the last key the
 * DTLS UA acknowledged: draft 4.3.1 forbids a speaker to go back to the
 * handshake key once it used a KTR key, so the SBC's own DTLS write key only
 * serves when no KTR key was ever acknowledged on the call.
 *
 * SBC-initiated re-key (media_up.c: `ktrsbc-ctl rekey CALL`, trunk
 * `rekey_interval`): new_srtp_key_request to the DTLS UA (draft 4.2); its
 * answer, a new_srtp_key with a fresh key B' and the index of its switch,
 * becomes a re-offer to the SDES UA with B' (media_sdes_reoffer), and a
 * new key in that UA's answer goes back to the DTLS UA by new_srtp_key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "ktr/ktr.h"
#include "media/media_int.h"

/* The SDES -> DTLS direction through the crypto stage: the SDES UA's key
 * `in` to c->dtls_rx. A KTR key the DTLS UA acknowledged was the SDES UA's
 * own before: its SRTCP index is unknown here, so SRTCP is dropped then
 * (relay_call_transcrypt_rtp). */
int media_ktr_sd_transcrypt(struct media_stream *c, const struct ksrtp_keymat *in)
{
	int err = c->acked_any ?
			  relay_call_transcrypt_rtp(c->relay, RELAY_LEG_SDES, in, &c->dtls_rx) :
			  relay_call_transcrypt(c->relay, RELAY_LEG_SDES, in, &c->dtls_rx);

	if (!err)
		c->sd_xc = true;
	return err;
}

int media_ktr_dtls_start(struct media_stream *m, const struct relay_event *ev)
{
	int err;

	if (!ev->ktr || m->a.profile != ev->keys.profile ||
	    m->b.profile != ev->keys.profile)
		return 0;
	err = relay_call_ktr_send_key(m->relay, RELAY_LEG_DTLS, &m->a);
	if (!err)
		err = relay_call_ktr_dictate(m->relay, RELAY_LEG_DTLS, &m->b);
	return err ? err : 1;
}

void media_ktr_acked(struct media_stream *c, const struct relay_event *ev)
{
	if (ksrtp_keymat_check(&ev->peer_key))
		return;
	c->dtls_rx = ev->peer_key;
	c->acked_any = true;
	if (!c->sd_xc || c->ktr_fallback || !c->ktr)
		return;
	/* DTLS-side call, the window toward the DTLS UA: it has the SDES
	 * UA's key now, forward untouched. If that UA re-keyed meanwhile
	 * (the transcrypt took the new key), announce the new one too and
	 * keep transcrypting until it is acknowledged. */
	if (ksrtp_keymat_equal(&ev->peer_key, &c->a)) {
		if (relay_call_transcrypt(c->relay, RELAY_LEG_SDES, NULL, NULL) == 0)
			c->sd_xc = false;
	} else if (relay_call_ktr_send_key(c->relay, RELAY_LEG_DTLS, &c->a)) {
		klog(KLOG_WARN, "sbc: call %llu: cannot announce the SDES UA's new key; transcrypting on",
		     (unsigned long long)c->sess->id);
	}
}

/* ktr = preferred: the direction `msg_type` was about, through the crypto
 * stage. 0 or the relay's error. */
static int fallback(struct media_stream *c, const struct relay_event *ev)
{
	const struct ksrtp_keymat *in = &c->a;
	int err;

	if (ev->msg_type == KTR_NEW_SRTP_KEY) {
		/* The key refused is the SDES UA's latest (the relay announces
		 * nothing else, and a superseded message gets no answer). */
		if (ksrtp_keymat_check(&ev->peer_key) == 0)
			in = &ev->peer_key;
		err = media_ktr_sd_transcrypt(c, in);
	} else {
		/* your_new_srtp_key(B): the DTLS UA keeps sending under its
		 * handshake key; the window's transcrypt to B stays, now with
		 * its SRTCP (the DTLS UA's SRTCP index does not restart:
		 * it never switches). */
		err = relay_call_transcrypt(c->relay, RELAY_LEG_DTLS, &c->d, &c->b);
	}
	return err;
}

void media_ktr_failed(struct media_stream *c, const struct relay_event *ev)
{
	struct media_session *ms = c->sess;
	struct media_engine_stats *s = &ms->e->st;
	const struct media_policy *pol = media_dtls_pol(ms);
	unsigned long long id = (unsigned long long)ms->id;
	const char *what = ktr_type_name(ev->msg_type);
	char why[MEDIA_CAUSE_MAX];
	int err;

	if (ev->type == RELAY_EV_KTR_REFUSED) {
		s->ktr_refused++;
		snprintf(why, sizeof(why),
			 "KTR: the DTLS UA refused %s (message_seq %u) with new_srtp_key_failure, reason %u (%s)",
			 what, ev->msg_seq, ev->reason, ktr_fail_reason_name(ev->reason));
	} else {
		s->ktr_gave_up++;
		snprintf(why, sizeof(why),
			 "KTR: %s (message_seq %u) never acknowledged by the DTLS UA: retransmission gave up",
			 what, ev->msg_seq);
	}
	if (!ms->up) {
		klog(KLOG_WARN, "sbc: call %llu: %s", id, why);
		return;
	}
	if (ev->msg_type == KTR_NEW_SRTP_KEY_REQUEST) {
		/* Our re-key on demand: the DTLS UA keeps its key, which the
		 * SDES UA has. Nothing else changes. */
		klog(KLOG_WARN, "sbc: call %llu: %s; the DTLS UA keeps its key",
		     id, why);
		return;
	}
	if (ev->msg_type != KTR_NEW_SRTP_KEY && ev->msg_type != KTR_YOUR_NEW_SRTP_KEY) {
		klog(KLOG_WARN, "sbc: call %llu: %s", id, why);
		return;
	}
	if (pol->ktr == MEDIA_KTR_REQUIRED) {
		s->ktr_ended++;
		klog(KLOG_WARN, "sbc: call %llu: %s; trunk %s requires KTR: ending the call",
		     id, why, pol->name);
		media_session_end(ms, MEDIA_CAUSE_UNACCEPTABLE, true, why);
		return;
	}
	err = fallback(c, ev);
	if (err) {
		klog(KLOG_WARN, "sbc: call %llu: %s; cannot transcrypt (%s): ending the call",
		     id, why, err_str(err));
		media_session_end(ms, MEDIA_CAUSE_INTERNAL, true, why);
		return;
	}
	if (!c->ktr_fallback) {
		c->ktr_fallback = true;
		c->fallback = true;
		s->ktr_fallbacks++;
	}
	klog(KLOG_WARN, "sbc: call %llu: %s; trunk %s prefers KTR: %s transcrypted from now on%s",
	     id, why, pol->name,
	     ev->msg_type == KTR_NEW_SRTP_KEY ? "SDES->DTLS" : "DTLS->SDES",
	     ev->msg_type != KTR_NEW_SRTP_KEY ? "" :
	     c->acked_any ? ", under the last key the DTLS UA acknowledged" :
			    ", under the handshake key (no KTR key was acknowledged)");
}

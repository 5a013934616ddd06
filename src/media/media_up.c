/*
 * media_up: a stream's relay events. DTLS up keys the stream: KTR, or the
 * fallback (draft Figure 6) as the DTLS side's policy allows; once every
 * stream is up the session is, the SDES UA gets its answer (SDES-offered)
 * and the driver hears of it. Then the KTR answers and the DTLS UA's own
 * new keys (media_ktr.c, media_reoffer.c), the media timeout, and the
 * SBC-initiated re-keys (`rekey CALL`, rekey_interval).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"
#include "media/media_int.h"

static bool all_up(const struct media_session *s)
{
	for (size_t i = 0; i < s->n_streams; i++)
		if (!s->streams[i].up)
			return false;
	return true;
}

static void session_up(struct media_session *s)
{
	/* reforked: the window of a DTLS-side call (media_early.c) */
	bool sdes = s->offerer == MEDIA_SIDE_SDES && !s->reforked;

	if (s->answer_timer)
		s->e->timers->stop(s->answer_timer);
	s->up = true;
	s->h->up(s->arg);
	media_session_schedule(s);
	for (size_t i = 0; i < s->n_streams; i++) {
		const struct media_stream *m = &s->streams[i];

		klog(KLOG_INFO, "sbc: call %llu up: stream %zu (m-line %zu, %zu of %zu): %s",
		     (unsigned long long)s->id, i, m->idx, i + 1, s->n_streams,
		     sdes ? (m->ktr ? "KTR, forwarding only" :
				      "fallback, transcrypting SDES->DTLS") :
			    (m->ktr ? "KTR, transcrypting only until the DTLS UA has A and uses B" :
				      "fallback, transcrypting both directions"));
	}
}

/* SDES-offered, every stream keyed: the SDES answer with each stream's B,
 * the DTLS UA's write key (Figure 7 step 4). */
static void answer_sdes(struct media_session *s)
{
	struct sdp_session *o = NULL;
	char *sdp = NULL;
	int err;

	err = media_xlate_sdes_answer(s, &o);
	if (!err)
		err = media_print_alloc(o, &sdp);
	sdp_session_free(o);
	if (!err)
		err = s->h->answer(s->arg, MEDIA_SIDE_SDES, sdp);
	if (err) {
		media_sdp_free(sdp);
		media_session_end(s, MEDIA_CAUSE_UNACCEPTABLE, false,
				  s->cause[0] ? NULL : "cannot answer the SDES UA");
		return;
	}
	media_last_sdp_set(s, MEDIA_SIDE_SDES, sdp); /* base of re-answers */
	session_up(s);
}

/* SDES-offered, DTLS up: KTR (new_srtp_key(A)) or the fallback (Figure 7
 * step 3). 0, or the session ended. */
static int up_from_sdes(struct media_stream *m, const struct relay_event *ev)
{
	struct media_session *s = m->sess;
	struct ksrtp_keymat cmat;
	int err;

	relay_keymat_export(&m->b, &ev->keys, false);
	relay_keymat_export(&m->dtls_rx, &ev->keys, true);
	/* With KTR the DTLS UA decrypts A under the negotiated profile, so A's
	 * suite must be that profile; otherwise this stream falls back. */
	if (ev->ktr && m->a.profile == ev->keys.profile)
		m->ktr = relay_call_ktr_send_key(m->relay, RELAY_LEG_DTLS, &m->a) == 0;
	if (!m->ktr) {
		if (media_dtls_pol(s)->ktr == MEDIA_KTR_REQUIRED) {
			media_session_end(s, MEDIA_CAUSE_UNACCEPTABLE, false, ev->ktr ?
					  "KTR: the negotiated SRTP profile is not the offered a=crypto suite" :
					  "the DTLS UA did not negotiate key_transport (trunk requires it)");
			return -ECANCELED;
		}
		/* Figure 6: A -> C per packet, SDES -> DTLS only. */
		relay_keymat_export(&cmat, &ev->keys, true);
		err = relay_call_transcrypt(m->relay, RELAY_LEG_SDES, &m->a, &cmat);
		m->c = cmat;
		ksrtp_keymat_wipe(&cmat);
		if (err) {
			media_session_end(s, MEDIA_CAUSE_INTERNAL, false,
					  "cannot start transcrypting");
			return -ECANCELED;
		}
		m->fallback = true;
		m->sd_xc = true;
	}
	m->up = true;
	return 0;
}

/* DTLS-offered, DTLS up. The relay already transcrypts the window both
 * ways (relay_leg_dtls_prearm): the DTLS UA's packets to B, the SDES UA's
 * to our DTLS key. With KTR: new_srtp_key(A) and your_new_srtp_key(B); the
 * windows close at the acknowledgement of A and at the DTLS UA's switch to
 * B. Without KTR both transcrypts stay: the fallback, both ways. */
static int up_from_dtls(struct media_stream *m, const struct relay_event *ev)
{
	struct media_session *s = m->sess;
	int err = 0;

	/* The window's keys (relay_leg_dtls_prearm), for the fallback of
	 * either direction after a KTR failure (media_ktr.c). */
	relay_keymat_export(&m->d, &ev->keys, false);
	relay_keymat_export(&m->dtls_rx, &ev->keys, true);
	m->sd_xc = true;
	if ((err = media_ktr_dtls_start(m, ev)) != 0) {
		m->ktr = err > 0;
		err = err > 0 ? 0 : err;
	} else if (media_dtls_pol(s)->ktr == MEDIA_KTR_REQUIRED) {
		err = -ENOTSUP;
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the DTLS UA did not negotiate key_transport (trunk requires it)");
	} else {
		m->fallback = true;
	}
	if (err) {
		media_session_end(s, MEDIA_CAUSE_UNACCEPTABLE, false, NULL);
		return -ECANCELED;
	}
	m->up = true;
	return 0;
}

/* A session counts as a KTR call when every stream did KTR, as a
 * fallback call when any stream transcrypts; streams count apart. */
static void count_up(struct media_session *s)
{
	size_t ktr = 0;

	if (s->counted) /* up again for another early dialog (media_early.c) */
		return;
	s->counted = true;
	for (size_t i = 0; i < s->n_streams; i++)
		ktr += s->streams[i].ktr;
	s->e->st.streams_ktr += ktr;
	s->e->st.streams_fallback += s->n_streams - ktr;
	if (ktr == s->n_streams)
		s->e->st.calls_ktr++;
	else
		s->e->st.calls_fallback++;
}

static void dtls_up(struct media_stream *m, const struct relay_event *ev)
{
	struct media_session *s = m->sess;
	/* keyed as its offer came: a stream added mid-call by the other UA
	 * than the call's offerer the other way (media_add.c); dictate_b:
	 * another early dialog's DTLS UA, told to use the B the SDES UA has
	 * already (media_early.c) */
	int err = m->origin == MEDIA_SIDE_SDES && !m->dictate_b ? up_from_sdes(m, ev) :
								   up_from_dtls(m, ev);

	/* the bundle's other streams ride this association */
	if (!err && s->bundle && m == &s->streams[0])
		err = media_bundle_up(s, ev);
	if (!err && s->up) { /* a stream added mid-call (media_add.c) */
		media_add_up(s);
		return;
	}
	if (err || !all_up(s))
		return;
	count_up(s);
	if (s->offerer == MEDIA_SIDE_SDES && !s->reforked)
		answer_sdes(s);
	else
		session_up(s);
}

void media_stream_event(struct media_stream *m, struct relay_event *ev)
{
	struct media_session *s = m->sess;

	switch (ev->type) {
	case RELAY_EV_DTLS_UP:
		dtls_up(m, ev);
		break;
	case RELAY_EV_DTLS_FAILED:
		media_session_end(s, MEDIA_CAUSE_UNACCEPTABLE, false,
				  "DTLS handshake with the DTLS UA failed");
		break;
	case RELAY_EV_MEDIA_TIMEOUT:
		media_session_end(s, MEDIA_CAUSE_MEDIA_TIMEOUT, false, "media timeout");
		break;
	case RELAY_EV_KTR_ACKED:
		/* DTLS-side session: the DTLS UA has A; forward untouched. */
		media_ktr_acked(m, ev);
		break;
	case RELAY_EV_KTR_REFUSED:
	case RELAY_EV_KTR_GAVE_UP:
		media_ktr_failed(m, ev); /* may end s */
		break;
	case RELAY_EV_KTR_PEER_KEY:
		/* The DTLS UA's new key (its own re-key, or its answer to our
		 * new_srtp_key_request) goes to the SDES UA; on a DTLS-side
		 * session the echo of B is not a new key. */
		if (s->up && !ksrtp_keymat_equal(&ev->peer_key, &m->b))
			media_sdes_reoffer(m, &ev->peer_key);
		break;
	}
}

/* --- SBC-initiated re-keys ------------------------------------------------- */

int media_session_rekey(struct media_session *s, const char *why)
{
	size_t asked = 0;
	int err = 0;

	if (!s->up)
		return -EAGAIN;
	/* The DTLS UA's answer (one key for all its streams on the one
	 * association) would re-key only the first SDES UA (media_bundle.c). */
	if (s->bundle)
		return -ENOTSUP;
	for (size_t i = 0; i < s->n_streams; i++) {
		struct media_stream *m = &s->streams[i];

		if (!m->ktr)
			continue;
		err = relay_call_ktr_request(m->relay, RELAY_LEG_DTLS);
		if (err) {
			klog(KLOG_WARN, "sbc: call %llu: new_srtp_key_request (%s): %s",
			     (unsigned long long)s->id, why, err_str(err));
			return err;
		}
		asked++;
		s->e->st.rekeys_requested++;
	}
	if (!asked)
		return -ENOTSUP;
	klog(KLOG_INFO, "sbc: call %llu: new_srtp_key_request to the DTLS UA (%s)",
	     (unsigned long long)s->id, why);
	return 0;
}

static void on_rekey_timer(void *arg)
{
	struct media_session *s = arg;

	media_session_rekey(s, "rekey_interval");
	s->e->timers->start(s->rekey_timer, media_dtls_pol(s)->rekey_interval_s * 1000u);
}

/* Start the DTLS side's rekey_interval timer (a session with KTR, up). */
void media_session_schedule(struct media_session *s)
{
	const struct media_timer_ops *tm = s->e->timers;
	uint32_t sec = media_dtls_pol(s)->rekey_interval_s;
	bool ktr = false;

	for (size_t i = 0; i < s->n_streams; i++)
		ktr |= s->streams[i].ktr;
	if (!sec || !ktr || s->rekey_timer)
		return;
	if (tm->alloc(s->e->loop, &s->rekey_timer, on_rekey_timer, s) == 0)
		tm->start(s->rekey_timer, sec * 1000u);
	else
		klog(KLOG_WARN, "sbc: call %llu: no timer for rekey_interval",
		     (unsigned long long)s->id);
}

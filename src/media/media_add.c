/*
 * media_add: a stream added mid-call (video added to an audio call, RFC
 * 3264 8.1) by either UA: the new m-line gets what an m-line of a first
 * offer from that UA gets (media_sdp.c; media_up.c keys it by its origin),
 * on its own relay call, and toward the DTLS UA its own DTLS association
 * with its own KTR exchange (RFC 5764 4.1: no BUNDLE).
 *   - Added by the SDES UA: key A from its a=crypto, the DTLS UA offered a
 *     new m-line, its answer starting that handshake; at DTLS up
 *     new_srtp_key(A) (or the fallback) and the SDES UA's answer carrying
 *     B, the DTLS UA's export key for that association: that answer waits
 *     as the first one does (answer_wait_ms; past it the SDES UA gets 504
 *     and the stream goes).
 *   - Added by the DTLS UA: a fresh B (CSPRNG, draft 6.2) offered to the
 *     SDES UA, whose answer gives A; the DTLS UA is answered at once
 *     (a=setup:active), and our DTLS client, with the window armed, keys it
 *     at DTLS up (new_srtp_key(A), your_new_srtp_key(B)).
 * Another added m-line (not RTP, no a=crypto, past max_streams, or the two
 * legs' SDPs no longer in step) is declined with port 0 (media_streams.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"
#include "media/media_int.h"

/* m-lines in our last SDP to side's UA (0 when none). */
static size_t mlines(const struct media_session *s, enum media_side side)
{
	struct sdp_session *t = NULL;
	struct sdp_error e;
	size_t n;

	if (!s->last_sdp[side] ||
	    sdp_parse(&t, s->last_sdp[side], strlen(s->last_sdp[side]), &e))
		return 0;
	n = sdp_session_media_count(t);
	sdp_session_free(t);
	return n;
}

int media_add_offer(struct media_session *s, enum media_side from,
		    const struct sdp_session *o, size_t *n)
{
	*n = 0;
	/* both legs' SDPs must have the same m-lines so far (one index) */
	if (!s->n_added || mlines(s, !from) != s->added_first)
		return 0;
	s->add_from = from;
	for (size_t k = 0; k < s->n_added; k++) {
		size_t idx = s->added_first + k;
		const struct sdp_media *md = sdp_session_media(o, idx);
		struct media_stream *m;
		struct sdp_crypto cr;
		struct sdp_error e;
		int err = 0;

		if (!md || !sdp_media_port(md) || sdp_media_proto_kind(md) == SDP_PROTO_OTHER ||
		    s->n_streams >= s->max_streams)
			continue;
		if (from == MEDIA_SIDE_SDES &&
		    (!sdp_media_crypto_count(md) ||
		     sdp_media_crypto_pick(md, media_suites, MEDIA_N_SUITES, &cr, &e) < 0))
			continue;
		if ((err = media_stream_add(s, &m))) {
			if (from == MEDIA_SIDE_SDES)
				sdp_crypto_wipe(&cr);
			klog(KLOG_WARN, "sbc: call %llu: m-line %zu added: no relay stream (%s)",
			     (unsigned long long)s->id, idx, err_str(err));
			continue;
		}
		m->idx = idx;
		m->origin = from;
		snprintf(m->kind, sizeof(m->kind), "%s", sdp_media_type(md));
		m->pending_proto = SDP_PROTO_OTHER;
		if (from == MEDIA_SIDE_SDES) {
			/* key A, as from_sdes (media_sdp.c) */
			m->a_tag = cr.tag;
			m->suite = cr.suite;
			m->ktr_wanted = media_dtls_pol(s)->ktr != MEDIA_KTR_OFF;
			err = media_sdes_keymat(&cr, &m->a);
			sdp_crypto_wipe(&cr);
			if (!err)
				err = media_stream_peer(m, MEDIA_SIDE_SDES, o);
		} else {
			err = media_sdp_dtls_added(m, o); /* B, as from_dtls */
		}
		if (err) {
			media_streams_drop(s, s->n_streams - 1);
			return err;
		}
		m->adding = true;
		s->added[k].taken = true;
		++*n;
		klog(KLOG_INFO, "sbc: call %llu: m-line %zu (m=%s) added by the %s UA: a new stream, offered to the %s UA",
		     (unsigned long long)s->id, idx, sdp_media_type(md),
		     from == MEDIA_SIDE_SDES ? "SDES" : "DTLS", from == MEDIA_SIDE_SDES ? "DTLS" : "SDES");
	}
	sdp_session_free(s->add_offer);
	s->add_offer = NULL;
	if (*n && sdp_session_dup(&s->add_offer, o)) {
		media_add_drop(s);
		*n = 0;
		media_cause_set(s, MEDIA_CAUSE_INTERNAL, "no memory for the added stream");
		return -ENOMEM;
	}
	return 0;
}

char *media_add_offer_text(struct media_session *s, char *text,
			   const struct sdp_session *o)
{
	struct sdp_session *xl = NULL;
	char *out;

	if (!text || !s->n_added)
		return text;
	for (size_t i = 0; i < s->n_streams && !xl; i++)
		if (s->streams[i].adding &&
		    (s->add_from == MEDIA_SIDE_SDES ? media_sdp_xlate(s, o, SDP_XLATE_SDES_OFFER_TO_DTLS, NULL, &xl) :
						     media_sdp_xlate(s, o, SDP_XLATE_DTLS_OFFER_TO_SDES, NULL, &xl))) {
			media_sdp_free(text);
			return NULL;
		}
	out = media_streams_append_added(s, text, xl);
	sdp_session_free(xl);
	return out;
}

static void on_add_timeout(void *arg)
{
	struct media_session *s = arg;

	klog(KLOG_WARN, "sbc: call %llu: the added stream's DTLS handshake did not finish within answer_wait_ms",
	     (unsigned long long)s->id);
	media_add_drop(s);
	s->pending_reoffer = false;
	s->h->refuse(s->arg, MEDIA_SIDE_SDES, MEDIA_CAUSE_HANDSHAKE_TIMEOUT,
		     "ktrsbc: the added stream's DTLS handshake timed out");
}

bool media_add_answered(struct media_session *s, const struct sdp_session *a,
			const enum sdp_dir *dirs)
{
	const struct media_timer_ops *tm = s->e->timers;
	size_t waiting = 0, adding = 0;

	for (size_t i = 0; i < s->n_streams; i++)
		adding += s->streams[i].adding;
	if (!adding)
		return false;
	for (size_t i = s->n_streams; i-- > 0;) {
		struct media_stream *m = &s->streams[i];
		const struct sdp_media *md = sdp_session_media(a, m->idx);

		if (!m->adding)
			continue;
		if (!md || !sdp_media_port(md) ||
		    (s->add_from == MEDIA_SIDE_SDES ? media_stream_dtls_answered(m, a) :
						     media_sdp_sdes_added(m, a))) {
			/* declined by the DTLS UA (or unusable): port 0 back */
			klog(KLOG_INFO, "sbc: call %llu: m-line %zu added: %s",
			     (unsigned long long)s->id, m->idx,
			     md && sdp_media_port(md) ? media_session_cause(s, NULL) :
							"declined by the DTLS UA");
			s->added[m->idx - s->added_first].taken = false;
			media_streams_drop(s, i);
			continue;
		}
		waiting++;
	}
	s->cause[0] = 0;
	s->cause_kind = MEDIA_CAUSE_NONE;
	/* the DTLS UA added: we answer it now (media_add_answer_text) and
	 * are its DTLS client (media_add_answer_sent) */
	if (!waiting || s->add_from == MEDIA_SIDE_DTLS)
		return false;
	sdp_session_free(s->add_answer);
	s->add_answer = NULL;
	if (sdp_session_dup(&s->add_answer, a)) {
		media_add_drop(s);
		return false;
	}
	memcpy(s->add_dirs, dirs, sizeof(s->add_dirs));
	s->pending_reoffer = true; /* until the SDES UA is answered */
	if (s->add_timer || tm->alloc(s->e->loop, &s->add_timer, on_add_timeout, s) == 0)
		tm->start(s->add_timer, s->e->conf.answer_wait_ms);
	return true;
}

static void added_up(struct media_stream *m)
{
	struct media_session *s = m->sess;

	if (m->ktr && !m->ktr_fallback)
		s->e->st.streams_ktr++;
	else
		s->e->st.streams_fallback++;
	klog(KLOG_INFO, "sbc: call %llu: added stream (m-line %zu) up: %s",
	     (unsigned long long)s->id, m->idx,
	     m->ktr ? "KTR, forwarding only" : "fallback, transcrypting");
}

void media_add_up(struct media_session *s)
{
	struct sdp_session *xl = NULL;
	char *text = NULL;
	bool any = false;

	for (size_t i = 0; i < s->n_streams; i++) {
		struct media_stream *m = &s->streams[i];

		if (m->add_up_pending && m->up) {
			m->add_up_pending = false;
			added_up(m);
		}
	}
	for (size_t i = 0; i < s->n_streams; i++) {
		if (s->streams[i].adding && !s->streams[i].up)
			return;
		any |= s->streams[i].adding;
	}
	if (!any || !s->add_answer || !s->add_offer)
		return;
	if (s->add_timer)
		s->e->timers->stop(s->add_timer);
	if (!media_sdp_xlate(s, s->add_answer, SDP_XLATE_DTLS_ANSWER_TO_SDES, s->add_offer, &xl))
		text = media_add_answer_base(s);
	text = media_streams_append_added(s, text, xl);
	sdp_session_free(xl);
	s->pending_reoffer = false;
	if (!text || s->h->answer(s->arg, MEDIA_SIDE_SDES, text)) {
		media_sdp_free(text);
		media_add_drop(s);
		s->h->refuse(s->arg, MEDIA_SIDE_SDES, MEDIA_CAUSE_INTERNAL,
			     "ktrsbc: cannot answer the re-INVITE");
		return;
	}
	media_last_sdp_set(s, MEDIA_SIDE_SDES, text);
	for (size_t i = 0; i < s->n_streams; i++) {
		struct media_stream *m = &s->streams[i];

		if (!m->adding)
			continue;
		m->adding = false;
		added_up(m);
	}
	sdp_session_free(s->add_offer);
	sdp_session_free(s->add_answer);
	s->add_offer = s->add_answer = NULL;
}

char *media_add_answer_text(struct media_session *s, char *text,
			    const struct sdp_session *a)
{
	struct sdp_session *xl = NULL;
	bool any = false;
	char *out;

	for (size_t i = 0; i < s->n_streams; i++)
		any |= s->streams[i].adding;
	if (any && a && s->add_offer && s->add_from == MEDIA_SIDE_DTLS &&
	    media_sdp_xlate(s, a, SDP_XLATE_SDES_ANSWER_TO_DTLS, s->add_offer, &xl)) {
		media_sdp_free(text);
		return NULL;
	}
	out = media_streams_append_added(s, text, xl);
	sdp_session_free(xl);
	return out;
}

void media_add_answer_sent(struct media_session *s)
{
	for (size_t i = s->n_streams; i-- > 0;) {
		struct media_stream *m = &s->streams[i];

		if (!m->adding)
			continue;
		m->adding = false;
		if (s->add_from != MEDIA_SIDE_DTLS || !s->add_offer ||
		    media_sdp_dtls_client(m, s->add_offer)) {
			klog(KLOG_WARN, "sbc: call %llu: added m-line %zu: cannot start its DTLS: %s",
			     (unsigned long long)s->id, m->idx, media_session_cause(s, NULL));
			media_streams_drop(s, i); /* its media never flows */
			continue;
		}
		m->add_up_pending = true;
	}
	sdp_session_free(s->add_offer);
	s->add_offer = NULL;
}

void media_add_drop(struct media_session *s)
{
	for (size_t i = s->n_streams; i-- > 0;)
		if (s->streams[i].adding)
			media_streams_drop(s, i);
	sdp_session_free(s->add_offer);
	sdp_session_free(s->add_answer);
	s->add_offer = s->add_answer = NULL;
}

void media_add_free(struct media_session *s)
{
	if (s->add_timer)
		s->e->timers->free(s->add_timer);
	s->add_timer = NULL;
	sdp_session_free(s->add_offer);
	sdp_session_free(s->add_answer);
	s->add_offer = s->add_answer = NULL;
}

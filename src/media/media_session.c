/*
 * media_session: a session's life (streams allocated, accounted, freed),
 * its cause, and what the control socket reads of it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "media/media_int.h"

/* Suites the SBC can key on its SDES side: those with a DTLS-SRTP profile,
 * since with KTR the DTLS UA decrypts A under the negotiated profile. */
const enum sdp_suite media_suites[] = {
	SDP_SUITE_AES_CM_128_HMAC_SHA1_80,
	SDP_SUITE_AES_CM_128_HMAC_SHA1_32,
	SDP_SUITE_AEAD_AES_128_GCM,
	SDP_SUITE_AEAD_AES_256_GCM,
};

void media_cause_set(struct media_session *s, enum media_cause kind,
		     const char *fmt, ...)
{
	va_list ap;

	if (s->cause[0])
		return;
	s->cause_kind = kind;
	va_start(ap, fmt);
	vsnprintf(s->cause, sizeof(s->cause), fmt, ap);
	va_end(ap);
}

const char *media_session_cause(const struct media_session *s,
				enum media_cause *kind)
{
	if (kind)
		*kind = s->cause_kind;
	return s->cause;
}

void media_session_end(struct media_session *s, enum media_cause kind,
		       bool with_reason, const char *text)
{
	if (text)
		media_cause_set(s, kind, "%s", text);
	s->h->ended(s->arg, kind, with_reason, s->cause[0] ? s->cause : NULL);
}

uint64_t media_session_id(const struct media_session *s)
{
	return s->id;
}

void media_sdp_free(char *text)
{
	if (!text)
		return;
	sec_wipe(text, strlen(text));
	free(text);
}

void media_last_sdp_set(struct media_session *s, int side, char *text)
{
	media_sdp_free(s->last_sdp[side]);
	s->last_sdp[side] = text;
}

int media_sdes_keymat(const struct sdp_crypto *cr, struct ksrtp_keymat *k)
{
	int profile = sdp_suite_to_profile(cr->suite);

	if (profile < 0 || cr->n_keys < 1)
		return -ENOTSUP;
	return ksrtp_keymat_set(k, profile, cr->keys[0].keysalt,
				cr->keys[0].keysalt_len);
}

int media_print_alloc(struct sdp_session *s, char **out)
{
	int n = sdp_session_print_alloc(s, out);

	return n < 0 ? n : 0;
}

char *media_sdp_edit(struct media_session *s, char *text,
		     int (*edit)(struct media_stream *m, struct sdp_media *md,
				 const void *arg),
		     const void *arg)
{
	struct sdp_session *t = NULL;
	struct sdp_error e;
	char *out = NULL;
	int err;

	if (!text)
		return NULL;
	err = sdp_parse(&t, text, strlen(text), &e);
	for (size_t i = 0; i < s->n_streams && !err; i++) {
		struct sdp_media *md = sdp_session_media(t, s->streams[i].idx);

		err = md ? edit(&s->streams[i], md, arg) : -EPROTO;
	}
	if (!err)
		err = media_print_alloc(t, &out);
	sdp_session_free(t);
	media_sdp_free(text);
	if (err)
		klog(KLOG_WARN, "sbc: call %llu: cannot rewrite our SDP: %s",
		     (unsigned long long)s->id, err_str(err));
	return err ? NULL : out;
}

struct media_stream *media_stream_at(struct media_session *s, size_t idx)
{
	for (size_t i = 0; i < s->n_streams; i++)
		if (s->streams[i].idx == idx)
			return &s->streams[i];
	return NULL;
}

int media_stream_add(struct media_session *s, struct media_stream **mp)
{
	struct media_stream *m;
	int err;

	if (s->n_streams >= MEDIA_STREAMS_MAX || s->n_streams >= s->max_streams)
		return -ENOBUFS;
	m = &s->streams[s->n_streams];
	memset(m, 0, sizeof(*m));
	m->sess = s;
	m->origin = s->offerer;
	m->ldir[0] = m->ldir[1] = SDP_DIR_SENDRECV;
	/* A session's streams share its first stream's worker (a bundle's
	 * packets all arrive on that stream's socket, relay.h). */
	err = s->n_streams ? relay_call_alloc_with(s->e->relay, &m->relay, s, m->ports,
						   s->streams[0].relay) :
			     relay_call_alloc(s->e->relay, &m->relay, s, m->ports);
	if (err)
		return err;
	/* A stream added once the sides' families are known (issue 14). */
	if ((err = media_family_stream(m))) {
		relay_call_free(m->relay);
		m->relay = NULL;
		return err;
	}
	s->n_streams++;
	*mp = m;
	return 0;
}

int media_session_alloc(struct media_engine *e, struct media_session **sp,
			enum media_side offerer, const struct media_policy pol[2],
			size_t max_streams, const struct media_handler *h, void *arg)
{
	struct media_session *s;
	struct media_stream *m;
	int err;

	if (!e || !sp || !pol || !h || !max_streams || max_streams > MEDIA_STREAMS_MAX)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->e = e;
	s->h = h;
	s->arg = arg;
	s->offerer = offerer;
	s->pol[0] = pol[0];
	s->pol[1] = pol[1];
	s->max_streams = max_streams;
	err = media_stream_add(s, &m);
	if (err) {
		free(s);
		return err;
	}
	s->id = relay_call_id(m->relay);
	s->next = e->sessions;
	e->sessions = s;
	*sp = s;
	return 0;
}

/* Fold the relay's counters of an ending stream into the engine's totals.
 * On a KTR stream the only crypto operations allowed are the window of a
 * session from the DTLS side (before the DTLS UA had the SDES UA's key A,
 * before it switched to the dictated key B: docs/design.md), which the
 * relay counts apart with the packets its announced index range holds
 * (relay_window); any other crypto operation on a KTR stream would be a
 * bug, counted in crypto_ktr_total. */
void media_stream_account(struct media_stream *m)
{
	struct media_engine_stats *t = &m->sess->e->st;
	struct relay_call_stats st;
	uint64_t ops, win = 0, win_pkts = 0;

	if (!m->relay || relay_call_stats(m->relay, &st))
		return;
	media_ice_account(t, &st);
	media_bundle_account(t, m);
	for (int l = 0; l < 2; l++) {
		t->pkts_total += st.leg[l].fwd_pkts + st.rtcp[l].fwd_pkts;
		t->dropped_src_total += st.leg[l].dropped_src + st.rtcp[l].dropped_src;
		/* SRTCP through a leg's own RTCP port: same crypto stage */
		st.leg[l].crypto_ops += st.rtcp[l].crypto_ops;
	}
	ops = st.leg[0].crypto_ops + st.leg[1].crypto_ops;
	if (!m->ktr || m->ktr_fallback) {
		t->crypto_fallback_total += ops;
		return;
	}
	/* Both windows: before the DTLS UA had A, before it used B. */
	for (int l = 0; l < 2; l++) {
		win += st.window[l].rtp_ops + st.window[l].rtcp_ops;
		win_pkts += relay_window_pkts(&st.window[l]);
	}
	t->crypto_window_total += win;
	t->window_pkts_total += win_pkts;
	t->crypto_ktr_total += ops - (win < ops ? win : ops);
}

void media_stream_free(struct media_stream *m)
{
	media_stream_account(m);
	relay_call_free(m->relay); /* its DTLS association, KTR state, keys */
	m->relay = NULL;
	sec_wipe(m, sizeof(*m)); /* A, B, C, D and the rest */
}

void media_session_free(struct media_session *s)
{
	struct media_session **pp;
	const struct media_timer_ops *tm;

	if (!s)
		return;
	tm = s->e->timers;
	for (pp = &s->e->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	for (size_t i = 0; i < s->n_streams; i++)
		media_stream_free(&s->streams[i]);
	if (s->answer_timer)
		tm->free(s->answer_timer);
	if (s->rekey_timer)
		tm->free(s->rekey_timer);
	media_add_free(s);
	sdp_session_free(s->offer);
	sdp_session_free(s->out_offer);
	sdp_session_free(s->dtls_answer);
	for (int l = 0; l < 2; l++)
		media_last_sdp_set(s, l, NULL);
	sec_wipe(s, sizeof(*s));
	free(s);
}

/* --- what the control socket shows ------------------------------------------ */

static enum media_mode stream_mode(const struct media_stream *m)
{
	if (m->ktr && !m->ktr_fallback)
		return MEDIA_MODE_KTR;
	return m->fallback ? MEDIA_MODE_FALLBACK : MEDIA_MODE_PENDING;
}

/* Fallback if any stream transcrypts, KTR if all forward, else pending. */
enum media_mode media_session_mode(const struct media_session *s)
{
	size_t ktr = 0;

	for (size_t i = 0; i < s->n_streams; i++) {
		enum media_mode md = stream_mode(&s->streams[i]);

		if (md == MEDIA_MODE_FALLBACK)
			return md;
		ktr += md == MEDIA_MODE_KTR;
	}
	return s->n_streams && ktr == s->n_streams ? MEDIA_MODE_KTR : MEDIA_MODE_PENDING;
}

size_t media_session_stream_count(const struct media_session *s)
{
	return s->n_streams;
}

static void leg_stats(struct media_leg_stats *o, const struct relay_fwd *f,
		      uint16_t port, uint64_t kfwd)
{
	o->present = true;
	o->port = port;
	o->pkts = f->pkts;
	o->bytes = f->bytes;
	o->fwd_pkts = f->fwd_pkts;
	o->fwd_bytes = f->fwd_bytes;
	o->dropped_src = f->dropped_src;
	o->dropped_other = f->dropped_other;
	o->dtls_pkts = f->dtls_pkts;
	o->crypto_ops = f->crypto_ops;
	o->kernel_fwd_pkts = kfwd;
}

int media_session_stream_stats(struct media_session *s, size_t i,
			       struct media_stream_stats *o)
{
	struct relay_call_stats st;
	struct media_stream *m;

	if (i >= s->n_streams)
		return -EINVAL;
	m = &s->streams[i];
	memset(&st, 0, sizeof(st));
	relay_call_stats(m->relay, &st);
	memset(o, 0, sizeof(*o));
	o->mline = m->idx;
	if (s->offer && sdp_session_media(s->offer, m->idx))
		snprintf(o->kind, sizeof(o->kind), "%s",
			 sdp_media_type(sdp_session_media(s->offer, m->idx)));
	else
		snprintf(o->kind, sizeof(o->kind), "%s", m->kind);
	o->mode = stream_mode(m);
	o->offloaded = st.offloaded;
	for (unsigned l = 0; l < 2; l++) {
		const struct relay_window *w = &st.window[l];

		/* An ICE leg's port and family: those of the socket its
		 * nominated pair uses (relay_leg_alt_open); a bundle's
		 * member shows the bundle's port. */
		leg_stats(&o->leg[l], &st.leg[l],
			  s->bundle ? media_bundle_port(m, l) :
			  st.send_port[l] ? st.send_port[l] : m->ports[l],
			  st.kernel_fwd_pkts[l]);
		if (st.has_rtcp[l])
			leg_stats(&o->rtcp[l], &st.rtcp[l],
				  relay_leg_rtcp_port(m->relay, l), 0);
		o->leg[l].ipv6 = o->rtcp[l].ipv6 = st.send_family[l] == AF_INET6;
		media_ice_leg_stats(&o->leg[l], &st.ice[l]);
		o->window[l].armed = w->armed;
		o->window[l].rtp_ops = w->rtp_ops;
		o->window[l].rtcp_ops = w->rtcp_ops;
		o->window[l].first_index = w->started ? (int64_t)w->first_index : -1;
		o->window[l].end_index = w->closed ? (int64_t)w->end_index : -1;
		o->window[l].pkts = relay_window_pkts(w);
	}
	return 0;
}

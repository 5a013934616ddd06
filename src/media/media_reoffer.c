/*
 * media_reoffer: re-offers across the session. A new a=crypto key from the
 * SDES UA goes to the DTLS UA by KTR (new_srtp_key); a new key the DTLS UA
 * announces by itself goes to the SDES UA in a re-offer; hold and resume
 * (RFC 3264 8.4) are offered to the other UA and answered with what it
 * accepted, as are new formats and removed streams; media moves are
 * answered here (media_move.c, media_codec.c, media_streams.c). The driver
 * carries the offers and answers (h->offer, h->answer, h->refuse).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "media/media_int.h"

/* Our last SDP toward side's peer, again with a new sess-version and, where
 * dirs[stream] is not NONE (dirs NULL: none), that direction on the
 * stream's m-line. An answer passes the profile of the re-offer it answers
 * (each stream's pending_proto when `answer`): the answer must carry it
 * (RFC 3264 6.1) when the UA switched, say, RTP/SAVP to RTP/SAVPF; another
 * keying is left as it was. */
static char *sdp_again(struct media_session *s, int side, const enum sdp_dir *dirs,
		       bool answer)
{
	struct sdp_session *o = NULL;
	struct sdp_error e;
	char *text = NULL;
	int err;

	if (!s->last_sdp[side])
		return NULL;
	err = sdp_parse(&o, s->last_sdp[side], strlen(s->last_sdp[side]), &e);
	for (size_t i = 0; i < s->n_streams && !err; i++) {
		const struct media_stream *m = &s->streams[i];
		struct sdp_media *md = sdp_session_media(o, m->idx);

		if (!md) /* a stream being added (media_add.c) */
			continue;
		if (dirs && dirs[i] != SDP_DIR_NONE)
			err = sdp_media_dir_set(md, dirs[i]);
		if (!err && answer) /* a UA may switch rtcp-mux (media_move.c) */
			err = media_move_answer_rtcp(&s->streams[i], side, md);
		if (!err && answer && m->pending_proto != SDP_PROTO_OTHER &&
		    sdp_media_profile_follow(md, m->pending_proto) > 0)
			klog(KLOG_INFO, "sbc: call %llu: the re-offer switched to %s; the answer follows",
			     (unsigned long long)s->id, sdp_proto_name(m->pending_proto));
	}
	if (!err && side == MEDIA_SIDE_DTLS && s->ice)
		err = media_ice_write(s, o); /* new credentials after a restart */
	if (!err)
		err = sdp_session_version_bump(o);
	if (!err)
		err = media_print_alloc(o, &text);
	sdp_session_free(o);
	return err ? NULL : text;
}

char *media_add_answer_base(struct media_session *s)
{
	return sdp_again(s, MEDIA_SIDE_SDES, s->add_dirs, true);
}

/*
 * The DTLS UA has a new sending key B' on stream m (new_srtp_key: its own
 * re-key, or its answer to our new_srtp_key_request), on a session from
 * either side: the SDES UA must learn it through a re-offer (RFC 4568
 * 7.1.4; docs/design.md, re-keying). Our last SDP to it with the stream's
 * a=crypto key replaced (same tag), sess-version + 1. While another
 * re-offer is in progress on that side, B' waits for its end
 * (reoffer_retry): losing it would fail every packet after the DTLS UA's
 * switch.
 */
void media_sdes_reoffer(struct media_stream *ms, const struct ksrtp_keymat *nb)
{
	struct media_session *c = ms->sess;
	struct sdp_session *o = NULL;
	struct sdp_crypto cr, old;
	struct sdp_error e;
	struct sdp_media *m;
	uint8_t ks[SDP_KEYSALT_MAX];
	uint32_t tag = ms->a_tag;
	char *text = NULL;
	int n, err;

	if (!c->last_sdp[MEDIA_SIDE_SDES])
		return;
	if (c->pending_reoffer || c->sdes_reinvite) {
		ms->b_next = *nb;
		ms->has_b_next = true;
		return;
	}
	err = sdp_parse(&o, c->last_sdp[MEDIA_SIDE_SDES],
			strlen(c->last_sdp[MEDIA_SIDE_SDES]), &e);
	m = err ? NULL : sdp_session_media(o, ms->idx);
	n = ksrtp_keymat_get(nb, ks, sizeof(ks));
	if (!m || n < 0)
		err = -EINVAL;
	if (!err && sdp_media_crypto_get(m, 0, &old) == 0) {
		tag = old.tag; /* the tag the SDES UA knows our key by */
		sdp_crypto_wipe(&old);
	}
	if (!err) {
		sdp_media_attr_del(m, "crypto");
		err = sdp_crypto_init(&cr, tag, sdp_suite_from_profile(nb->profile),
				      ks, (size_t)n);
	}
	sec_wipe(ks, sizeof(ks));
	if (!err)
		err = sdp_media_crypto_add(m, &cr);
	sdp_crypto_wipe(&cr);
	if (!err)
		err = sdp_session_version_bump(o);
	if (!err)
		err = media_print_alloc(o, &text);
	sdp_session_free(o);
	if (!err)
		err = c->h->offer(c->arg, MEDIA_SIDE_SDES, text);
	if (err == -EPROTO) {
		/* The SDES UA's own offer is pending on that side. */
		ms->b_next = *nb;
		ms->has_b_next = true;
	}
	if (err) {
		if (err != -EPROTO && err != -ENOTCONN)
			klog(KLOG_WARN, "sbc: call %llu: cannot re-offer the DTLS UA's new key to the SDES UA: %s",
			     (unsigned long long)c->id, err_str(err));
		media_sdp_free(text);
		return;
	}
	ms->b = *nb;
	c->sdes_reinvite = true;
	c->e->st.rekeys_passed++;
	media_last_sdp_set(c, MEDIA_SIDE_SDES, text);
	klog(KLOG_INFO, "sbc: call %llu: DTLS UA re-keyed; re-INVITE to the SDES UA",
	     (unsigned long long)c->id);
}

/* DTLS UA keys that waited for the SDES side's dialog (above). */
static void reoffer_retry(struct media_session *c)
{
	struct ksrtp_keymat nb;

	for (size_t i = 0; i < c->n_streams; i++) {
		struct media_stream *m = &c->streams[i];

		if (!m->has_b_next) /* a later stream's may wait (BUNDLE) */
			continue;
		if (c->pending_reoffer || c->sdes_reinvite)
			return;
		nb = m->b_next;
		m->has_b_next = false;
		ksrtp_keymat_wipe(&m->b_next);
		if (!ksrtp_keymat_equal(&nb, &m->b))
			media_sdes_reoffer(m, &nb);
		ksrtp_keymat_wipe(&nb);
	}
}

/* The other UA answered a hold/resume we passed on: answer the UA that
 * offered with the direction the other one accepted (or its refusal). */
static void pass_reanswer(struct media_session *c, enum media_side to,
			  bool accepted, const char *sdp, size_t len)
{
	enum media_side from = c->pending_side;
	enum sdp_dir dirs[MEDIA_STREAMS_MAX];
	struct sdp_session *a = NULL;
	struct sdp_error e;
	char *text;

	c->pending_reoffer = false;
	if (!accepted || !sdp) {
		media_move_undo(c, from);
		media_streams_keep(c);
		media_add_drop(c);
		for (size_t i = 0; i < c->n_streams; i++)
			c->streams[i].ldir[from] = SDP_DIR_NONE;
		c->h->refuse(c->arg, from, MEDIA_CAUSE_REFUSED, "refused by the other side");
		return;
	}
	if (sdp_parse(&a, sdp, len, &e))
		a = NULL;
	for (size_t i = 0; i < c->n_streams; i++) {
		const struct sdp_media *md = a ? sdp_session_media(a, c->streams[i].idx) : NULL;

		dirs[i] = md ? sdp_media_dir(md) : SDP_DIR_NONE;
		c->streams[i].ldir[to] = dirs[i];
	}
	/* streams added: the answer waits for their DTLS (media_add.c) */
	if (a && media_add_answered(c, a, dirs)) {
		sdp_session_free(a);
		return;
	}
	/* new formats the other UA answered go back (media_codec.c) */
	text = media_codec_rewrite(c, sdp_again(c, from, dirs, true), a);
	text = media_add_answer_text(c, media_streams_rewrite(c, text), a);
	sdp_session_free(a);
	if (!text || c->h->answer(c->arg, from, text)) {
		media_sdp_free(text);
		media_move_undo(c, from);
		media_streams_keep(c);
		media_add_drop(c);
		c->h->refuse(c->arg, from, MEDIA_CAUSE_INTERNAL,
			     "ktrsbc: cannot answer the re-INVITE");
		return;
	}
	media_move_done(c, from);
	media_last_sdp_set(c, from, text);
	media_streams_remove(c); /* both legs have port 0 now */
	media_add_answer_sent(c); /* a DTLS UA's added streams: our client */
}

/* A new key of the SDES UA toward the DTLS UA: by new_srtp_key, or into
 * the transcrypt when that direction is transcrypted (the fallback, the
 * window of a DTLS-side session, or since a KTR failure). 0 or -errno. */
static int sdes_key_pass(struct media_stream *c, const struct ksrtp_keymat *na)
{
	if (c->sd_xc)
		return media_ktr_sd_transcrypt(c, na);
	if (c->ktr)
		return relay_call_ktr_send_key(c->relay, RELAY_LEG_DTLS, na);
	return -ENOTSUP;
}

void media_session_reanswer(struct media_session *c, enum media_side side,
			    bool accepted, const char *what, const char *sdp,
			    size_t len)
{
	struct sdp_session *a = NULL;
	struct sdp_crypto cr[MEDIA_STREAMS_MAX];
	struct sdp_error e;
	struct ksrtp_keymat na;
	size_t got = 0;
	int err;

	if (c->pending_reoffer && side != c->pending_side) {
		pass_reanswer(c, side, accepted, sdp, len);
		reoffer_retry(c);
		return;
	}
	if (side == MEDIA_SIDE_SDES)
		c->sdes_reinvite = false;
	if (side != MEDIA_SIDE_SDES || !accepted || !sdp) {
		klog(KLOG_WARN, "sbc: call %llu: the SDES UA refused the re-key (%s)",
		     (unsigned long long)c->id, what);
		reoffer_retry(c);
		return;
	}
	/* If it changed its own keys too, the DTLS UA gets them by
	 * new_srtp_key. */
	err = sdp_parse(&a, sdp, len, &e);
	for (size_t i = 0; i < c->n_streams && !err; i++) {
		const struct sdp_media *md = sdp_session_media(a, c->streams[i].idx);

		if (!md || sdp_media_crypto_count(md) != 1 ||
		    sdp_media_crypto_get(md, 0, &cr[i]))
			err = -EPROTO;
		else
			got++;
	}
	sdp_session_free(a);
	for (size_t i = 0; i < got; i++) {
		struct media_stream *m = &c->streams[i];

		if (!err && media_sdes_keymat(&cr[i], &na) == 0) {
			if (!ksrtp_keymat_equal(&na, &m->a) && sdes_key_pass(m, &na) == 0)
				m->a = na;
			ksrtp_keymat_wipe(&na);
		}
		sdp_crypto_wipe(&cr[i]);
	}
	reoffer_retry(c);
}

/* A new SDES key in a re-offer from the SDES UA (RFC 4568 7.1.4): it goes
 * to the DTLS UA in new_srtp_key, or into the transcrypt. 0 or -errno. */
static int sdes_rekey(struct media_stream *c, const struct sdp_media *m)
{
	struct sdp_crypto cr;
	struct sdp_error e;
	struct ksrtp_keymat na;
	int err;

	if (sdp_media_crypto_pick(m, media_suites, MEDIA_N_SUITES, &cr, &e) < 0)
		return -EPROTO;
	err = media_sdes_keymat(&cr, &na);
	sdp_crypto_wipe(&cr);
	if (!err && na.profile != c->a.profile)
		err = -ENOTSUP; /* a suite change needs a new DTLS profile */
	if (!err && !ksrtp_keymat_equal(&na, &c->a)) {
		bool xc = c->sd_xc;

		err = sdes_key_pass(c, &na);
		if (!err) {
			c->a = na;
			klog(KLOG_INFO, "sbc: call %llu: SDES re-key passed on %s",
			     (unsigned long long)c->sess->id,
			     xc ? "to the transcrypt" : "in new_srtp_key");
		}
	}
	ksrtp_keymat_wipe(&na);
	return err;
}

/* side's re-offer refused (488) for the cause media_move.c,
 * media_codec.c or media_streams.c set; the session goes on, its cause
 * cleared. */
static void refuse_cause(struct media_session *c, enum media_side from)
{
	klog(KLOG_WARN, "sbc: call %llu: re-offer refused: %s",
	     (unsigned long long)c->id, media_session_cause(c, NULL));
	c->h->refuse(c->arg, from, MEDIA_CAUSE_UNACCEPTABLE, media_session_cause(c, NULL));
	c->cause[0] = 0;
	c->cause_kind = MEDIA_CAUSE_NONE;
}

/*
 * A re-offer from either UA (re-INVITE or UPDATE). A new a=crypto key from
 * the SDES UA goes on by KTR (sdes_rekey). A new address, port or rtcp-mux
 * choice moves that UA's relay leg at once (media_move.c). A new direction
 * (hold, resume: RFC 3264 8.4, c=0.0.0.0 included), new formats
 * (media_codec.c) or a stream removed with port 0 (media_streams.c) are
 * offered to the other UA, and the offering UA is answered with what the
 * other one answered. Otherwise the offering UA gets our previous SDP
 * again (sess-version + 1), an m-line it added at port 0. What cannot be
 * done is refused (488), which leaves the session as it was (a move
 * undone); a re-offer while one is in progress is refused as busy.
 */
void media_session_reoffer(struct media_session *c, enum media_side from,
			   const char *sdp, size_t len)
{
	enum media_side other = !from;
	enum sdp_dir dirs[MEDIA_STREAMS_MAX];
	struct sdp_session *o = NULL;
	struct sdp_error e;
	bool changed = false, moved = false;
	size_t removed = 0, added = 0, n_before;
	char *text;
	int err;

	if (!c->up || c->pending_reoffer) {
		c->h->refuse(c->arg, from, MEDIA_CAUSE_BUSY,
			     "ktrsbc: another offer is in progress");
		return;
	}
	err = sdp_parse(&o, sdp, len, &e);
	for (size_t i = 0; i < c->n_streams && !err; i++) {
		const struct sdp_media *m = sdp_session_media(o, c->streams[i].idx);

		if (!m)
			err = -EPROTO;
	}
	if (err) {
		sdp_session_free(o);
		c->h->refuse(c->arg, from, MEDIA_CAUSE_UNACCEPTABLE,
			     "ktrsbc: re-INVITE offer unusable");
		return;
	}
	/* port 0 on a relayed m-line: that stream goes; a new m-line is
	 * declined (media_streams.c) */
	if (media_streams_added(c, from, o) || media_streams_offer(c, o, &removed)) {
		sdp_session_free(o);
		refuse_cause(c, from);
		return;
	}
	for (size_t i = 0; i < c->n_streams; i++) {
		struct media_stream *ms = &c->streams[i];
		const struct sdp_media *m = sdp_session_media(o, ms->idx);

		if (ms->removing) {
			dirs[i] = SDP_DIR_NONE;
			continue;
		}
		if (from == MEDIA_SIDE_SDES && sdes_rekey(ms, m)) {
			media_streams_keep(c);
			sdp_session_free(o);
			c->h->refuse(c->arg, from, MEDIA_CAUSE_UNACCEPTABLE,
				     "ktrsbc: the new a=crypto key is not usable");
			return;
		}
		dirs[i] = sdp_media_dir(m);
		ms->pending_proto = sdp_media_proto_kind(m);
	}
	if (from == MEDIA_SIDE_DTLS)
		media_ice_reoffer(c, o); /* RFC 8445 9: answered below */
	/* A new address or port: the relay follows (media_move.c); c=0.0.0.0
	 * holds, which the other side is offered as a direction. With ICE the
	 * DTLS UA's address is the one it nominates (relay_ice.c), not c=. */
	err = 0;
	if (from != MEDIA_SIDE_DTLS || !c->ice)
		err = media_move_offer(c, from, o, dirs, &moved);
	if (!err) /* new formats: the other UA must agree (media_codec.c) */
		err = media_codec_offer(c, from, o, &changed);
	n_before = c->n_streams;
	if (!err) /* new m-lines: streams (media_add.c) or declined */
		err = media_add_offer(c, from, o, &added);
	if (err) {
		sdp_session_free(o);
		media_move_undo(c, from);
		media_streams_keep(c);
		refuse_cause(c, from);
		return;
	}
	media_streams_added_log(c, from);
	for (size_t i = n_before; i < c->n_streams; i++)
		dirs[i] = SDP_DIR_NONE;
	changed |= removed > 0 || added > 0;
	for (size_t i = 0; i < n_before; i++)
		changed |= dirs[i] != c->streams[i].ldir[from];
	if (changed) {
		/* Hold, resume or new formats: ask the other side first (our
		 * own re-offer keeps the profile that side negotiated). */
		text = media_codec_rewrite(c, sdp_again(c, other, dirs, false), o);
		text = media_add_offer_text(c, media_streams_rewrite(c, text), o);
		sdp_session_free(o);
		if (!text || c->h->offer(c->arg, other, text)) {
			media_sdp_free(text);
			media_move_undo(c, from);
			media_streams_keep(c);
			media_add_drop(c);
			c->h->refuse(c->arg, from, MEDIA_CAUSE_INTERNAL,
				     "ktrsbc: cannot pass the re-INVITE on");
			return;
		}
		media_last_sdp_set(c, other, text);
		for (size_t i = 0; i < c->n_streams; i++)
			c->streams[i].ldir[from] = dirs[i];
		c->pending_reoffer = true;
		c->pending_side = from;
		klog(KLOG_INFO, "sbc: call %llu: re-INVITE (%s) passed on",
		     (unsigned long long)c->id, sdp_dir_name(dirs[0]));
		return;
	}
	/* Nothing the other side must know of (a pure move of this leg, a
	 * re-key, the same SDP again): answered with our SDP for this leg. */
	sdp_session_free(o);
	text = media_streams_decline_added(c, sdp_again(c, from, NULL, true));
	if (!text || c->h->answer(c->arg, from, text)) {
		media_sdp_free(text);
		media_move_undo(c, from);
		c->h->refuse(c->arg, from, MEDIA_CAUSE_INTERNAL,
			     "ktrsbc: cannot answer the re-INVITE");
		return;
	}
	media_move_done(c, from);
	if (moved)
		klog(KLOG_INFO, "sbc: call %llu: media move answered; no re-offer to the other side",
		     (unsigned long long)c->id);
	media_last_sdp_set(c, from, text);
	reoffer_retry(c);
}

/*
 * media_sdp: the SDP glue of a session, offer and answer. The offerer's
 * SDP becomes the other side's (SDES <-> DTLS, sdp_xlate) with the relay's
 * ports on the relayed m-lines (the streams) and the others declined; the
 * other side's answer starts the DTLS handshake on each stream's DTLS leg.
 *
 * From the SDES side (Figure 7): the SDES offer (key A) becomes a DTLS
 * offer; the DTLS UA's answer starts the handshake; at DTLS up (media_up.c)
 * the SDES UA gets an answer with B, the DTLS UA's own write key (RFC 5764
 * 4.2). From the DTLS side: the SDES UA is offered a fresh key B (CSPRNG);
 * its answer (key A) lets the SBC answer the DTLS UA (a=setup:active).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "media/media_int.h"

/* The profile of an offer to a side with policy p (SDP_PROTO_OTHER: mirror
 * the other side's offer). */
static enum sdp_proto offer_proto(enum media_side side, const struct media_policy *p)
{
	static const enum sdp_proto pr[2][3] = { /* [side][enum media_profile] */
		{ SDP_PROTO_OTHER, SDP_PROTO_RTP_SAVP, SDP_PROTO_RTP_SAVPF },
		{ SDP_PROTO_OTHER, SDP_PROTO_UDP_TLS_RTP_SAVP, SDP_PROTO_UDP_TLS_RTP_SAVPF },
	};

	return pr[side][p->profile];
}

static enum sdp_ktr_form ktr_form(const struct media_session *s)
{
	bool wanted = false;

	for (size_t i = 0; i < s->n_streams; i++)
		wanted |= s->streams[i].ktr_wanted;
	if (!wanted)
		return SDP_KTR_FORM_NONE;
	switch (media_dtls_pol(s)->ktr_form) {
	case MEDIA_KTR_FORM_CAPNEG_REQUIRED: return SDP_KTR_FORM_CAPNEG_REQUIRED;
	case MEDIA_KTR_FORM_CAPNEG_OPTIONAL: return SDP_KTR_FORM_CAPNEG_OPTIONAL;
	default: return SDP_KTR_FORM_ATTR;
	}
}

/* Translate with the relay's ports: each stream's m-line gets its port on
 * side `port_side`, the others are declined. An offer (to the other side)
 * takes that side's profile; an answer, its offer's (sdp_xlate, RFC 3264
 * 6.1). key_b: each stream's B goes into the SDES-side SDP. */
static int xlate(struct media_session *s, const struct sdp_session *in,
		 enum sdp_xlate_flow flow, const struct sdp_session *offer,
		 enum media_side port_side, bool key_b, struct sdp_session **out,
		 struct sdp_xlate_report **rep)
{
	struct sdp_xlate_mparams mp[SDP_MAX_MEDIA];
	struct sdp_xlate_params p;
	struct sdp_error e;
	size_t n = sdp_session_media_count(in);
	int err;

	memset(mp, 0, sizeof(mp));
	memset(&p, 0, sizeof(p));
	for (size_t k = 0; k < s->n_streams; k++) {
		const struct media_stream *m = &s->streams[k];
		size_t i = m->idx;

		if (i >= n)
			continue;
		mp[i].port = media_bundle_port(m, port_side);
		/* RTCP: mux, or the SDES leg's own RTCP port (sdp.h); never
		 * a separate port on the DTLS side (rtcp_mux_required). */
		if (flow == SDP_XLATE_DTLS_ANSWER_TO_SDES ||
		    flow == SDP_XLATE_DTLS_OFFER_TO_SDES)
			mp[i].rtcp_port = relay_leg_rtcp_port(m->relay, RELAY_LEG_SDES);
		if (key_b) {
			int kl = ksrtp_keymat_get(&m->b, mp[i].keysalt,
						  sizeof(mp[i].keysalt));

			mp[i].suite = sdp_suite_from_profile(m->b.profile);
			mp[i].keysalt_len = (uint8_t)(kl > 0 ? kl : 0);
			/* a bundle's B is the DTLS UA's one write key
			 * (media_bundle_up; sdp.h, key_shared) */
			mp[i].key_shared = s->bundle &&
					   flow == SDP_XLATE_DTLS_ANSWER_TO_SDES;
		}
	}
	p.flow = flow;
	p.offer = offer;
	if (flow == SDP_XLATE_SDES_OFFER_TO_DTLS || flow == SDP_XLATE_DTLS_OFFER_TO_SDES)
		p.proto = offer_proto(port_side, &s->pol[port_side]); /* the offer's target */
	/* A bundle is WebRTC's shape: AVPF (RFC 8829 5.1.2), whatever
	 * dtls_profile says (media_bundle.c). */
	if (flow == SDP_XLATE_SDES_OFFER_TO_DTLS && s->bundle)
		p.proto = SDP_PROTO_UDP_TLS_RTP_SAVPF;
	p.relay_addr = media_family_addr(s, port_side);
	p.origin_user = "ktrsbc";
	p.sess_id = s->id + 1000;
	p.sess_ver = 1;
	p.fingerprint = &s->e->fp;
	p.setup = flow == SDP_XLATE_SDES_ANSWER_TO_DTLS ? SDP_SETUP_ACTIVE :
							   SDP_SETUP_NONE;
	p.ktr_form = ktr_form(s);
	p.n_media = n;
	p.media = mp;
	err = sdp_xlate(out, rep, in, &p, &e);
	sec_wipe(mp, sizeof(mp));
	if (err) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE, "SDP: %s", e.msg);
		return err;
	}
	/* BUNDLE is the DTLS side's (media_bundle.c); the SDES side never
	 * gets a group, a=bundle-only or a=rtcp-mux-only */
	if (flow == SDP_XLATE_SDES_OFFER_TO_DTLS || flow == SDP_XLATE_SDES_ANSWER_TO_DTLS)
		err = media_bundle_sdp_dtls(s, *out, flow == SDP_XLATE_SDES_OFFER_TO_DTLS);
	else
		sdp_bundle_strip(*out);
	if (err) {
		media_cause_set(s, MEDIA_CAUSE_INTERNAL, "SDP: cannot write BUNDLE (%s)",
				err_str(err));
		sdp_session_free(*out);
		*out = NULL;
	}
	return err;
}

/* A side's peer on stream m: the effective c= and port of its m-line, and,
 * when the peer does not mux (RFC 3550 11, RFC 3605 a=rtcp), its RTCP
 * address, for which the relay opens the leg's RTCP port. */
static int peer_set(struct media_stream *m, enum media_side side,
		    const struct sdp_session *sdp)
{
	struct media_session *s = m->sess;
	const struct sdp_media *md = sdp_session_media(sdp, m->idx);
	bool latch = s->pol[side].latch;
	struct sockaddr_storage ss;
	struct sdp_conn conn;
	socklen_t len;
	uint16_t port;
	int err;

	/* A bundled stream's DTLS peer is the bundle's (relay.h, BUNDLE). */
	if (side == MEDIA_SIDE_DTLS && media_bundle_member(m))
		return 0;
	if (!md || !sdp_media_conn(md, &conn) ||
	    sdp_conn_sockaddr(&conn, sdp_media_port(md), &ss, &len)) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE, "SDP: no usable media address");
		return -EPROTO;
	}
	err = relay_leg_set_peer(m->relay, side, (struct sockaddr *)&ss, len, latch);
	if (err == -EAFNOSUPPORT)
		media_family_mismatch(s, side);
	if (err)
		return err;
	err = sdp_media_rtcp_dest(md, &conn, &port);
	if (err == -ENOENT) /* rtcp-mux */
		return 0;
	if (err || sdp_conn_sockaddr(&conn, port, &ss, &len)) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE, "SDP: no usable RTCP address");
		return -EPROTO;
	}
	err = relay_leg_set_rtcp_peer(m->relay, side, (struct sockaddr *)&ss, len, latch);
	if (err)
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"relay: cannot open RTCP port %u: %s",
				relay_leg_rtcp_port(m->relay, side), err_str(err));
	return err;
}

/* ... and where it is, for the re-offers that move it (media_move.c). */
static int set_peer(struct media_stream *m, enum media_side side,
		    const struct sdp_session *sdp)
{
	int err = peer_set(m, side, sdp);

	if (!err)
		media_move_note(m, side, sdp_session_media(sdp, m->idx));
	return err;
}

static int set_peers(struct media_session *s, enum media_side side,
		     const struct sdp_session *sdp)
{
	int err = 0;

	for (size_t i = 0; i < s->n_streams && !err; i++)
		err = set_peer(&s->streams[i], side, sdp);
	return err;
}

/*
 * The DTLS side must multiplex RTP and RTCP (RFC 5761). Without mux,
 * RFC 5764 4.1 wants a DTLS association of its own for the RTCP component,
 * keyed separately: KTR would have to carry A over both, and the relay would
 * run two handshakes per stream. WebRTC always muxes (RFC 8829 5.1.1 /
 * RFC 8843), so ktrsbc offers a=rtcp-mux on its DTLS side and refuses, with
 * this cause, a DTLS offer or answer without it.
 */
static int rtcp_mux_required(struct media_stream *m, const struct sdp_session *sdp,
			     bool offer)
{
	if (sdp_media_rtcp_mux(sdp_session_media(sdp, m->idx)))
		return 0;
	media_cause_set(m->sess, MEDIA_CAUSE_UNACCEPTABLE,
			"the DTLS-SRTP %s has no a=rtcp-mux: ktrsbc requires RTP/RTCP multiplexing on its DTLS side (RFC 5761)",
			offer ? "offer" : "answer");
	return -EPROTO;
}

/* DTLS parameters of the DTLS UA's SDP: fingerprint and our role. */
static int dtls_params(struct media_session *s, const struct sdp_dtls_info *d,
		       bool answer, char *fp, size_t cap, enum dtls_role *role)
{
	char *p = fp;

	if (!d->dtls || !d->has_fingerprint ||
	    strcmp(d->fingerprint.hash, "sha-256") || d->fingerprint.len != 32 ||
	    cap < DTLS_FP_LEN) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"DTLS-SRTP: no a=fingerprint:sha-256 from the DTLS UA");
		return -EPROTO;
	}
	for (size_t i = 0; i < 32; i++)
		p += sprintf(p, i ? ":%02X" : "%02X", d->fingerprint.bytes[i]);
	if (d->setup == SDP_SETUP_ACTIVE)
		*role = DTLS_ROLE_SERVER;
	else if (d->setup == SDP_SETUP_PASSIVE || !answer)
		*role = DTLS_ROLE_CLIENT; /* RFC 5763 5: answer actpass active */
	else {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"DTLS-SRTP: the answer's a=setup must be active or passive");
		return -EPROTO;
	}
	return 0;
}

/* An m-line the session relays: RTP (SAVP, SAVPF, or their DTLS or plain
 * forms: m= proto or RFC 5939 capability) with a port. Data channels
 * (m=application UDP/DTLS/SCTP) and T.38 (m=image udptl) are not RTP: the
 * relay's legs, keys and KTR are SRTP's. */
static bool relayable(const struct sdp_media *md)
{
	return sdp_media_port(md) && sdp_media_proto_kind(md) != SDP_PROTO_OTHER;
}

/* From the SDES side, plain RTP (RTP/AVP[F] without a=crypto, RFC 3551):
 * no key A to hand the DTLS UA, and ktrsbc relays no media in the clear. */
static bool plain_rtp(const struct media_session *s, const struct sdp_media *md)
{
	enum sdp_proto k = sdp_media_proto_kind(md);

	return s->offerer == MEDIA_SIDE_SDES && !sdp_media_crypto_count(md) &&
	       (k == SDP_PROTO_RTP_AVP || k == SDP_PROTO_RTP_AVPF);
}

/*
 * The m-lines relayed: the RTP ones with a port, in order, each its own
 * stream (the first stream's relay call exists already). The limit is
 * checked before any further relay call is allocated: more RTP m-lines
 * than max_streams refuse the offer (the cause names the limit), rather
 * than relay some and silently drop the rest. Non-RTP m-lines are declined
 * (port 0 in both legs' SDPs, RFC 3264 6: same number and order of
 * m-lines) with a log line. 0 or -errno with the cause set.
 */
static int pick_streams(struct media_session *s)
{
	size_t n = sdp_session_media_count(s->offer), want = 0, plain = 0, used = 0;
	bool skip_plain;

	for (size_t i = 0; i < n; i++) {
		const struct sdp_media *md = sdp_session_media(s->offer, i);

		want += relayable(md);
		plain += relayable(md) && plain_rtp(s, md);
	}
	/* Plain RTP m-lines beside SRTP ones are declined (an SDES UA's
	 * video in the clear next to its keyed audio); with no SRTP m-line
	 * at all the offer fails on its first one's missing a=crypto. */
	skip_plain = plain < want;
	want -= skip_plain ? plain : 0;
	if (want > s->max_streams) {
		s->e->st.offers_too_many++;
		klog(KLOG_WARN, "sbc: call %llu: the offer has %zu RTP m-lines, more than max_streams %zu: refused",
		     (unsigned long long)s->id, want, s->max_streams);
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"%zu RTP m-lines exceed the limit max_streams=%zu",
				want, s->max_streams);
		return -E2BIG;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sdp_media *md = sdp_session_media(s->offer, i);
		struct media_stream *m;
		int err;

		if (!relayable(md) || (skip_plain && plain_rtp(s, md))) {
			if (sdp_media_port(md)) {
				s->e->st.mlines_declined++;
				klog(KLOG_INFO, "sbc: call %llu: m-line %zu (m=%s %s) declined with port 0: %s",
				     (unsigned long long)s->id, i, sdp_media_type(md),
				     sdp_media_proto(md),
				     relayable(md) ? "RTP without a=crypto" : "not RTP");
			}
			continue;
		}
		if (used == s->n_streams && (err = media_stream_add(s, &m))) {
			/* The relay's own capacity (ports, calls) is out: this
			 * stream is declined, the call keeps the others. */
			s->e->st.mlines_declined++;
			klog(KLOG_WARN, "sbc: call %llu: m-line %zu declined with port 0: no relay stream (%s)",
			     (unsigned long long)s->id, i, err_str(err));
			continue;
		}
		s->streams[used++].idx = i;
	}
	if (!used) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE, "no media stream to relay");
		return -EPROTO;
	}
	return 0;
}

/* Figure 7 steps 1-2: the SDES offer becomes a DTLS offer. */
static int from_sdes(struct media_session *s, char **out_sdp)
{
	struct sdp_xlate_report *rep = NULL;
	struct sdp_session *o = NULL;
	struct sdp_crypto cr;
	struct sdp_error e;
	int err;

	for (size_t i = 0; i < s->n_streams; i++) {
		struct media_stream *m = &s->streams[i];

		/* Key A: the first acceptable a=crypto (RFC 4568 7.1.1). */
		err = sdp_media_crypto_pick(sdp_session_media(s->offer, m->idx),
					    media_suites, MEDIA_N_SUITES, &cr, &e);
		if (err < 0) {
			media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
					"no acceptable a=crypto in the offer (%s)", e.msg);
			return -ENOTSUP;
		}
		m->a_tag = cr.tag;
		m->suite = cr.suite;
		err = media_sdes_keymat(&cr, &m->a);
		sdp_crypto_wipe(&cr);
		if (err)
			return err;
		m->ktr_wanted = media_dtls_pol(s)->ktr != MEDIA_KTR_OFF;
	}
	err = xlate(s, s->offer, SDP_XLATE_SDES_OFFER_TO_DTLS, NULL, MEDIA_SIDE_DTLS,
		    false, &o, &rep);
	/* ICE-lite toward the DTLS trunk (ice = lite; media_ice.c): the
	 * relay answers checks from now on, before the answer arrives. */
	if (!err && media_dtls_pol(s)->ice_lite) {
		s->ice = true;
		err = media_ice_creds(s);
		if (!err)
			err = media_ice_write(s, o);
		if (!err)
			err = media_ice_relay(s);
	}
	if (!err)
		err = set_peers(s, MEDIA_SIDE_SDES, s->offer);
	if (!err)
		err = media_print_alloc(o, out_sdp);
	s->out_offer = o;
	sdp_xlate_report_free(rep);
	return err;
}

/* A DTLS UA's offered m-line for stream m: DTLS-SRTP with rtcp-mux, KTR
 * as the offer and policy say, and B, what the SDES UA will receive with
 * (the DTLS UA is told to send with it: your_new_srtp_key), a fresh key
 * per stream, never reused (6.2). 0 or -errno with the cause set. */
static int dtls_offer_line(struct media_stream *m, const struct sdp_session *o)
{
	struct media_session *s = m->sess;
	const struct media_policy *pol = media_dtls_pol(s);
	struct sdp_dtls_info d;
	struct sdp_error e;
	int err, profile = s->e->conf.profiles[0];

	err = sdp_media_dtls_info(sdp_session_media(o, m->idx), &d, &e);
	if (err || !d.dtls) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the DTLS trunk's offer is not DTLS-SRTP");
		return -EPROTO;
	}
	if (!media_bundle_member(m) && (err = rtcp_mux_required(m, o, true)))
		return err;
	/* on the DTLS UA's bundle: a dictated key per SSRC (media_bundle.c) */
	m->ktr_wanted = d.ktr != SDP_KTR_NONE && pol->ktr != MEDIA_KTR_OFF;
	if (d.ktr == SDP_KTR_NONE && pol->ktr == MEDIA_KTR_REQUIRED) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"trunk %s requires DTLS-SRTP Key Transport; the offer has no a=dtls-srtp-ktr",
				pol->name);
		return -ENOTSUP;
	}
	if ((err = ksrtp_keymat_random(&m->b, profile)))
		return err;
	m->suite = sdp_suite_from_profile(profile);
	return 0;
}

/* DTLS-originated: the DTLS offer becomes an SDES offer with a fresh B. */
static int from_dtls(struct media_session *s, char **out_sdp)
{
	struct sdp_session *o = NULL;
	struct sdp_xlate_report *rep = NULL;
	int err;

	for (size_t i = 0; i < s->n_streams; i++)
		if ((err = dtls_offer_line(&s->streams[i], s->offer)))
			return err;
	err = xlate(s, s->offer, SDP_XLATE_DTLS_OFFER_TO_SDES, NULL, MEDIA_SIDE_SDES,
		    true, &o, &rep);
	/* An offer with ICE is answered with ICE-lite whatever the trunk
	 * says (media_ice.c): the peer's address is the one it nominates. */
	if (!err && (err = media_ice_peer(s, s->offer)) == 1) {
		s->ice = true;
		err = media_ice_creds(s);
		if (!err)
			err = media_ice_relay(s);
	} else if (!err) {
		err = set_peers(s, MEDIA_SIDE_DTLS, s->offer);
	}
	if (!err)
		err = media_print_alloc(o, out_sdp);
	s->out_offer = o;
	sdp_xlate_report_free(rep);
	return err;
}

int media_session_offer(struct media_session *s, const char *sdp, size_t len,
			const char **out)
{
	struct sdp_error e;
	char *text = NULL;
	int err;

	if (sdp_parse(&s->offer, sdp, len, &e)) {
		char col[24] = ""; /* none for a whole line (an m-line without c=) */

		if (e.col)
			snprintf(col, sizeof(col), " column %u", e.col);
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE, "malformed SDP: line %u%s: %s",
				e.line, col, e.msg);
		return -EBADMSG;
	}
	if ((err = media_bundle_offer(s)))
		return err;
	if ((err = pick_streams(s)))
		return err;
	if ((err = media_family_offer(s)))
		return err;
	if ((err = media_bundle_join(s)))
		return err;
	err = s->offerer == MEDIA_SIDE_SDES ? from_sdes(s, &text) : from_dtls(s, &text);
	if (err) {
		/* the text is set, but for a lack of memory or keys */
		s->cause_kind = err == -ENOMEM ? MEDIA_CAUSE_INTERNAL :
						 MEDIA_CAUSE_UNACCEPTABLE;
		media_sdp_free(text);
		return err;
	}
	media_last_sdp_set(s, !s->offerer, text);
	*out = text;
	return 0;
}

static void on_answer_timeout(void *arg)
{
	media_session_end(arg, MEDIA_CAUSE_HANDSHAKE_TIMEOUT, false,
			  "the DTLS handshake did not finish within answer_wait_ms");
}

/* SDES-originated: the DTLS UA answered; start the handshakes. The SDES
 * answer waits for DTLS up (it must carry B), bounded by answer_wait_ms.
 * Takes ans (kept for the SDES answer). */
static int answered_dtls(struct media_session *s, struct sdp_session *ans)
{
	const struct media_timer_ops *tm = s->e->timers;
	int err;

	s->dtls_answer = ans;
	if (s->ice) {
		/* Our offer had ICE-lite: the answer's ICE (its ufrag) or
		 * none (its c= is the peer, as without ICE). */
		if ((err = media_ice_peer(s, ans)) < 0)
			return err;
		if (!err)
			media_ice_off(s);
		else if ((err = media_ice_relay(s)))
			return err;
	}
	if ((err = media_bundle_answer(s, ans)))
		return err;
	for (size_t i = 0; i < s->n_streams; i++)
		/* A bundled stream: no DTLS of its own (media_bundle_up) */
		if (!media_bundle_member(&s->streams[i]) &&
		    (err = media_stream_dtls_answered(&s->streams[i], ans)))
			return err;
	if (!s->answer_timer &&
	    tm->alloc(s->e->loop, &s->answer_timer, on_answer_timeout, s) != 0)
		return 0;
	tm->start(s->answer_timer, s->e->conf.answer_wait_ms);
	return 0;
}

/* SDES-originated: the DTLS UA's answer for stream m: its address, and
 * the handshake against its fingerprint in the role its a=setup leaves
 * us. m->dictate_b (another early dialog answered, media_early.c): the
 * window of a DTLS-side call is armed first, so that this DTLS UA is told
 * to send with the B the SDES UA has (your_new_srtp_key). */
int media_stream_dtls_answered(struct media_stream *m, const struct sdp_session *ans)
{
	struct media_session *s = m->sess;
	struct sdp_dtls_info d;
	struct sdp_error e;
	char fp[DTLS_FP_LEN];
	enum dtls_role role;
	bool ktr;
	int err;

	if (sdp_media_dtls_info(sdp_session_media(ans, m->idx), &d, &e) ||
	    dtls_params(s, &d, true, fp, sizeof(fp), &role) ||
	    rtcp_mux_required(m, ans, false))
		return -EPROTO;
	ktr = m->ktr_wanted && d.ktr != SDP_KTR_NONE;
	if (!ktr && media_dtls_pol(s)->ktr == MEDIA_KTR_REQUIRED) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the DTLS UA does not support Key Transport (trunk requires it)");
		return -ENOTSUP;
	}
	/* With ICE the peer comes from a nominated check (relay_ice.c).
	 * set_peer names its cause (an address of the wrong family:
	 * 488, not 500) */
	err = 0;
	if (!s->ice && (err = set_peer(m, MEDIA_SIDE_DTLS, ans))) {
		media_cause_set(s, MEDIA_CAUSE_INTERNAL, "relay: cannot set the DTLS UA's address");
		return err;
	}
	if (m->dictate_b)
		err = relay_leg_dtls_prearm(m->relay, RELAY_LEG_DTLS, &m->b, &m->a);
	if (!err)
		err = relay_leg_dtls_start(m->relay, RELAY_LEG_DTLS, role, fp, ktr);
	if (err) {
		media_cause_set(s, MEDIA_CAUSE_INTERNAL, "cannot start DTLS on the relay");
		s->cause_kind = MEDIA_CAUSE_INTERNAL;
		return err;
	}
	return 0;
}

int media_sdes_answered(struct media_session *s, struct sdp_session *ans)
{
	return answered_dtls(s, ans);
}

int media_stream_peer(struct media_stream *m, enum media_side side,
		      const struct sdp_session *sdp)
{
	return set_peer(m, side, sdp);
}

/* DTLS-originated: the SDES UA answered with its key A; answer the DTLS UA
 * (we are the DTLS client, a=setup:active) and start the handshakes. */
static int answered_sdes(struct media_session *s, struct sdp_session *ans)
{
	struct sdp_xlate_report *rep = NULL;
	struct sdp_session *o = NULL;
	struct sdp_dtls_info d;
	struct sdp_error e;
	char fp[MEDIA_STREAMS_MAX][DTLS_FP_LEN], *sdp = NULL;
	enum dtls_role role[MEDIA_STREAMS_MAX];
	int err;

	if (!s->h->keys_may_come(s->arg, MEDIA_SIDE_SDES)) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"a=crypto refused: the SDES answer came over a path that may not carry keys");
		return -EACCES;
	}
	err = xlate(s, ans, SDP_XLATE_SDES_ANSWER_TO_DTLS, s->offer, MEDIA_SIDE_DTLS,
		    false, &o, &rep);
	for (size_t i = 0; i < s->n_streams && !err; i++) {
		struct media_stream *m = &s->streams[i];

		if (rep->media[m->idx].n_crypto < 1) {
			media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
					"the SDES answer has no a=crypto");
			err = -EPROTO;
		}
		if (!err)
			err = media_sdes_keymat(&rep->media[m->idx].crypto[0], &m->a);
	}
	sdp_xlate_report_free(rep);
	if (!err)
		err = set_peers(s, MEDIA_SIDE_SDES, ans);
	for (size_t i = 0; i < s->n_streams && !err; i++) {
		err = sdp_media_dtls_info(sdp_session_media(s->offer, s->streams[i].idx),
					  &d, &e);
		if (!err)
			err = dtls_params(s, &d, false, fp[i], sizeof(fp[i]), &role[i]);
	}
	if (!err && s->ice)
		err = media_ice_write(s, o);
	if (!err)
		err = media_print_alloc(o, &sdp);
	sdp_session_free(o);
	if (!err)
		err = s->h->answer(s->arg, MEDIA_SIDE_DTLS, sdp);
	media_last_sdp_set(s, MEDIA_SIDE_DTLS, sdp);
	/* The window's transcrypts take effect in the relay the moment DTLS
	 * is up (before the DTLS UA's first packet is handled). */
	for (size_t i = 0; i < s->n_streams && !err; i++) {
		struct media_stream *m = &s->streams[i];

		/* a bundle's member: armed, keyed by the owner's handshake */
		err = relay_leg_dtls_prearm(m->relay, RELAY_LEG_DTLS, &m->b, &m->a);
		if (!err && !media_bundle_member(m))
			err = relay_leg_dtls_start(m->relay, RELAY_LEG_DTLS, role[i], fp[i],
						   m->ktr_wanted);
	}
	if (err)
		s->cause_kind = MEDIA_CAUSE_UNACCEPTABLE;
	return err;
}

int media_session_answer(struct media_session *s, const char *sdp, size_t len)
{
	struct sdp_session *ans;
	struct sdp_error e;
	int err;

	if (sdp_parse(&ans, sdp, len, &e)) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"malformed SDP answer: line %u: %s", e.line, e.msg);
		return -EBADMSG;
	}
	if (s->offerer == MEDIA_SIDE_SDES)
		return answered_dtls(s, ans); /* takes ans */
	err = answered_sdes(s, ans);
	sdp_session_free(ans);
	return err;
}

int media_xlate_sdes_answer(struct media_session *s, struct sdp_session **out)
{
	return xlate(s, s->dtls_answer, SDP_XLATE_DTLS_ANSWER_TO_SDES, s->offer,
		     MEDIA_SIDE_SDES, true, out, NULL);
}

/* --- for streams added mid-call (media_add.c) ------------------------------ */

int media_sdp_xlate(struct media_session *s, const struct sdp_session *in,
		    enum sdp_xlate_flow flow, const struct sdp_session *offer,
		    struct sdp_session **out)
{
	enum media_side to = flow == SDP_XLATE_SDES_OFFER_TO_DTLS ||
			     flow == SDP_XLATE_SDES_ANSWER_TO_DTLS ? MEDIA_SIDE_DTLS :
								      MEDIA_SIDE_SDES;

	/* the SDES side's SDP carries each stream's B (key_b) */
	return xlate(s, in, flow, offer, to, to == MEDIA_SIDE_SDES, out, NULL);
}

/* A stream the DTLS UA added (its offer's m-line): KTR as wanted, a fresh
 * B for the SDES UA (draft 6.2), the DTLS peer; as from_dtls does for the
 * call's first offer. */
int media_sdp_dtls_added(struct media_stream *m, const struct sdp_session *o)
{
	int err = dtls_offer_line(m, o);

	return err ? err : set_peer(m, MEDIA_SIDE_DTLS, o);
}

/* The SDES UA accepted a stream the DTLS UA added: its key A and address
 * from ans; once the DTLS UA has our answer, the window armed and our DTLS
 * client started (offer: the DTLS UA's), as answered_sdes does. */
int media_sdp_sdes_added(struct media_stream *m, const struct sdp_session *ans)
{
	struct media_session *s = m->sess;
	const struct sdp_media *md = sdp_session_media(ans, m->idx);
	struct sdp_crypto cr;
	int err;

	if (!md || sdp_media_crypto_count(md) < 1 || sdp_media_crypto_get(md, 0, &cr)) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE, "the SDES answer has no a=crypto");
		return -EPROTO;
	}
	err = media_sdes_keymat(&cr, &m->a);
	sdp_crypto_wipe(&cr);
	if (!err)
		err = set_peer(m, MEDIA_SIDE_SDES, ans);
	return err;
}

int media_sdp_dtls_client(struct media_stream *m, const struct sdp_session *offer)
{
	struct media_session *s = m->sess;
	struct sdp_dtls_info d;
	struct sdp_error e;
	char fp[DTLS_FP_LEN];
	enum dtls_role role;
	int err;

	err = sdp_media_dtls_info(sdp_session_media(offer, m->idx), &d, &e);
	if (!err)
		err = dtls_params(s, &d, false, fp, sizeof(fp), &role);
	if (!err)
		err = relay_leg_dtls_prearm(m->relay, RELAY_LEG_DTLS, &m->b, &m->a);
	if (!err)
		err = relay_leg_dtls_start(m->relay, RELAY_LEG_DTLS, role, fp, m->ktr_wanted);
	return err;
}

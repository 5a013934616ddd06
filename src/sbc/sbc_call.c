/*
 * sbc_call: the two call flows of docs/design.md, one relay call each.
 *
 * From the SDES side (Figure 7): the SDES offer (key A) becomes a DTLS
 * offer; the DTLS UA's answer starts the handshake on the relay's DTLS leg;
 * at DTLS up the relay sends new_srtp_key(A) and the SDES UA gets an answer
 * with B, the DTLS UA's own write key (RFC 5764 4.2). Without KTR: the
 * relay transcrypts SDES->DTLS (A -> C), DTLS->SDES is still forwarded.
 *
 * From the DTLS side: the SDES UA is offered a fresh key B (CSPRNG); its
 * answer (key A) lets the SBC answer the DTLS UA (a=setup:active); at DTLS
 * up the relay sends new_srtp_key(A) and your_new_srtp_key(B), and
 * transcrypts the DTLS UA's packets (its handshake key -> B) only until the
 * DTLS UA switches to B. Without KTR both directions are transcrypted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clk.h"
#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "sbc/sbc_int.h"

/* Suites the SBC can key on its SDES side: those with a DTLS-SRTP profile,
 * since with KTR the DTLS UA decrypts A under the negotiated profile. */
const enum sdp_suite sbc_suites[] = {
	SDP_SUITE_AES_CM_128_HMAC_SHA1_80,
	SDP_SUITE_AES_CM_128_HMAC_SHA1_32,
	SDP_SUITE_AEAD_AES_128_GCM,
	SDP_SUITE_AEAD_AES_256_GCM,
};

struct sbc_call *sbc_call_by_id(struct sbc *s, uint64_t id)
{
	for (struct sbc_call *c = s->calls; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static void cause_set(struct sbc_call *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void cause_set(struct sbc_call *c, const char *fmt, ...)
{
	va_list ap;

	if (c->cause[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->cause, sizeof(c->cause), fmt, ap);
	va_end(ap);
}

/* Fold the relay's counters of an ending call into the SBC's totals. On
 * a KTR call the only crypto operations allowed are the window of a call
 * from the DTLS side (before the DTLS UA had the SDES UA's key A, before
 * it switched to the dictated key B: docs/design.md), which the relay counts
 * apart with the packets its announced index range holds (relay_window);
 * any other crypto operation on a KTR call would be a bug, counted in
 * crypto_ktr_total. */
static void account(struct sbc_call *c)
{
	struct sbc *s = c->sbc;
	struct relay_call_stats st;
	uint64_t ops, win = 0, win_pkts = 0;

	if (!c->relay || relay_call_stats(c->relay, &st))
		return;
	for (int l = 0; l < 2; l++) {
		s->pkts_total += st.leg[l].fwd_pkts + st.rtcp[l].fwd_pkts;
		s->dropped_src_total += st.leg[l].dropped_src + st.rtcp[l].dropped_src;
		/* SRTCP through a leg's own RTCP port: same crypto stage */
		st.leg[l].crypto_ops += st.rtcp[l].crypto_ops;
	}
	ops = st.leg[0].crypto_ops + st.leg[1].crypto_ops;
	if (!c->ktr || c->ktr_fallback) {
		s->crypto_fallback_total += ops;
		return;
	}
	/* Both windows: before the DTLS UA had A, before it used B. */
	for (int l = 0; l < 2; l++) {
		win += st.window[l].rtp_ops + st.window[l].rtcp_ops;
		win_pkts += relay_window_pkts(&st.window[l]);
	}
	s->crypto_window_total += win;
	s->window_pkts_total += win_pkts;
	s->crypto_ktr_total += ops - (win < ops ? win : ops);
}

void sbc_sdp_free(char *text)
{
	if (!text)
		return;
	sec_wipe(text, strlen(text));
	free(text);
}

/* Our latest SDP toward a leg's peer (offer or answer; may hold a key),
 * the base of re-offers and re-answers. Takes text (or clears with NULL). */
void sbc_last_sdp_set(struct sbc_call *c, int leg, char *text)
{
	sbc_sdp_free(c->last_sdp[leg]);
	c->last_sdp[leg] = text;
}

static void call_free(struct sbc_call *c)
{
	struct sbc *s = c->sbc;
	struct sbc_call **pp;

	for (pp = &s->calls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			s->n_calls--;
			break;
		}
	}
	if (c->in)
		sip_call_set_data(c->in, NULL);
	if (c->out)
		sip_call_set_data(c->out, NULL);
	account(c);
	relay_call_free(c->relay);
	sip_timer_free(c->timer);
	sip_timer_free(c->rekey_timer);
	sdp_session_free(c->offer);
	sdp_session_free(c->out_offer);
	sdp_session_free(c->dtls_answer);
	for (int l = 0; l < 2; l++)
		sbc_last_sdp_set(c, l, NULL);
	trunk_set_unref(c->set);
	sec_wipe(c, sizeof(*c));
	free(c);
}

/* An answered leg gets BYE, with a Reason header (RFC 3326) naming the
 * cause when the SBC itself ends the call for one (c->bye_cause); anything
 * else as sip_call_hangup does. */
static void leg_hangup(struct sbc_call *c, struct sip_call *leg)
{
	if (c->bye_cause && sip_call_bye_reason(leg, c->bye_cause, c->cause) == 0)
		return;
	sip_call_hangup(leg);
}

/* End both legs (BYE, CANCEL or an error response as each needs) and free
 * the call. status is used for a leg still waiting for its answer. */
void sbc_call_end(struct sbc_call *c, int status, const char *why)
{
	if (why)
		cause_set(c, "%s", why);
	klog(c->state == SBC_ST_UP ? KLOG_INFO : KLOG_WARN,
	     "sbc: call %llu (%s -> %s) ends: %s", (unsigned long long)c->id,
	     c->in_trunk ? trunk_name(c->in_trunk) : "?",
	     c->out_trunk ? trunk_name(c->out_trunk) : "?",
	     c->cause[0] ? c->cause : "hang-up");
	if (c->state != SBC_ST_UP)
		c->sbc->calls_failed++;
	c->state = SBC_ST_ENDING;
	if (c->in && !sip_call_is_established(c->in))
		sip_call_reject(c->in, status, c->cause);
	else if (c->in)
		leg_hangup(c, c->in);
	if (c->out)
		leg_hangup(c, c->out);
	call_free(c);
}

int sbc_sdes_keymat(const struct sdp_crypto *cr, struct ksrtp_keymat *k)
{
	int profile = sdp_suite_to_profile(cr->suite);

	if (profile < 0 || cr->n_keys < 1)
		return -ENOTSUP;
	return ksrtp_keymat_set(k, profile, cr->keys[0].keysalt,
				cr->keys[0].keysalt_len);
}

/* The one m-line the relay carries: the first audio one with a port. */
static int pick_media(struct sbc_call *c, const struct sdp_session *s)
{
	for (size_t i = 0; i < sdp_session_media_count(s); i++) {
		const struct sdp_media *m = sdp_session_media(s, i);

		if (sdp_media_port(m)) {
			c->media_idx = i;
			return 0;
		}
	}
	return -EPROTO;
}

int sbc_print_alloc(struct sdp_session *s, char **out)
{
	int n = sdp_session_print_alloc(s, out);

	return n < 0 ? n : 0;
}

/* The profile of an offer to trunk t: its sdes_profile or dtls_profile
 * (trunk.h); SDP_PROTO_OTHER (mirror the other leg's offer) for mirror. */
static enum sdp_proto offer_proto(const struct trunk *t)
{
	static const enum sdp_proto p[2][3] = { /* [side][enum trunk_profile] */
		{ SDP_PROTO_OTHER, SDP_PROTO_RTP_SAVP, SDP_PROTO_RTP_SAVPF },
		{ SDP_PROTO_OTHER, SDP_PROTO_UDP_TLS_RTP_SAVP, SDP_PROTO_UDP_TLS_RTP_SAVPF },
	};

	return p[trunk_side(t) == TRUNK_SIDE_DTLS][trunk_profile(t)];
}

/* Translate with the relay's ports: the carried m-line gets `port`, the
 * others are rejected (the relay carries one stream per call). An offer
 * (to the target trunk) takes that trunk's profile; an answer, its offer's
 * (sdp_xlate, RFC 3264 6.1). */
static int xlate(struct sbc_call *c, const struct sdp_session *in,
		 enum sdp_xlate_flow flow, const struct sdp_session *offer,
		 uint16_t port, const struct ksrtp_keymat *key,
		 struct sdp_session **out, struct sdp_xlate_report **rep)
{
	struct sdp_xlate_mparams mp[SDP_MAX_MEDIA];
	struct sdp_xlate_params p;
	struct sdp_error e;
	size_t n = sdp_session_media_count(in);
	int err;

	memset(mp, 0, sizeof(mp));
	memset(&p, 0, sizeof(p));
	for (size_t i = 0; i < n; i++) {
		if (i != c->media_idx)
			continue;
		mp[i].port = port;
		/* RTCP: mux, or the SDES leg's own RTCP port (sdp.h); never
		 * a separate port on the DTLS side (rtcp_mux_required). */
		if (flow == SDP_XLATE_DTLS_ANSWER_TO_SDES ||
		    flow == SDP_XLATE_DTLS_OFFER_TO_SDES)
			mp[i].rtcp_port = relay_leg_rtcp_port(c->relay, RELAY_LEG_SDES);
		if (key) {
			int kl = ksrtp_keymat_get(key, mp[i].keysalt,
						  sizeof(mp[i].keysalt));

			mp[i].suite = sdp_suite_from_profile(key->profile);
			mp[i].keysalt_len = (uint8_t)(kl > 0 ? kl : 0);
		}
	}
	p.flow = flow;
	p.offer = offer;
	if (flow == SDP_XLATE_SDES_OFFER_TO_DTLS || flow == SDP_XLATE_DTLS_OFFER_TO_SDES)
		p.proto = offer_proto(c->out_trunk);
	p.relay_addr = c->sbc->conf.media_address;
	p.origin_user = "ktrsbc";
	p.sess_id = c->id + 1000;
	p.sess_ver = 1;
	p.fingerprint = &c->sbc->fp;
	p.setup = flow == SDP_XLATE_SDES_ANSWER_TO_DTLS ? SDP_SETUP_ACTIVE :
							   SDP_SETUP_NONE;
	if (!c->ktr_wanted)
		p.ktr_form = SDP_KTR_FORM_NONE;
	else if (trunk_ktr_form(sbc_dtls_trunk(c)) == TRUNK_KTR_FORM_CAPNEG_REQUIRED)
		p.ktr_form = SDP_KTR_FORM_CAPNEG_REQUIRED;
	else if (trunk_ktr_form(sbc_dtls_trunk(c)) == TRUNK_KTR_FORM_CAPNEG_OPTIONAL)
		p.ktr_form = SDP_KTR_FORM_CAPNEG_OPTIONAL;
	else
		p.ktr_form = SDP_KTR_FORM_ATTR;
	p.n_media = n;
	p.media = mp;
	err = sdp_xlate(out, rep, in, &p, &e);
	sec_wipe(mp, sizeof(mp));
	if (err)
		cause_set(c, "SDP: %s", e.msg);
	return err;
}

/* The leg's peer: the effective c= and port of the relayed m-line, and,
 * when the peer does not mux (RFC 3550 11, RFC 3605 a=rtcp), its RTCP
 * address, for which the relay opens the leg's RTCP port. */
static int set_peer(struct sbc_call *c, unsigned leg,
		    const struct sdp_session *sdp, const struct trunk *t)
{
	const struct sdp_media *m = sdp_session_media(sdp, c->media_idx);
	struct sockaddr_storage ss;
	struct sdp_conn conn;
	socklen_t len;
	uint16_t port;
	int err;

	if (!m || !sdp_media_conn(m, &conn) ||
	    sdp_conn_sockaddr(&conn, sdp_media_port(m), &ss, &len)) {
		cause_set(c, "SDP: no usable media address");
		return -EPROTO;
	}
	err = relay_leg_set_peer(c->relay, leg, (struct sockaddr *)&ss, len,
				 trunk_latch(t));
	if (err)
		return err;
	err = sdp_media_rtcp_dest(m, &conn, &port);
	if (err == -ENOENT) /* rtcp-mux */
		return 0;
	if (err || sdp_conn_sockaddr(&conn, port, &ss, &len)) {
		cause_set(c, "SDP: no usable RTCP address");
		return -EPROTO;
	}
	err = relay_leg_set_rtcp_peer(c->relay, leg, (struct sockaddr *)&ss, len,
				      trunk_latch(t));
	if (err)
		cause_set(c, "relay: cannot open RTCP port %u: %s",
			  relay_leg_rtcp_port(c->relay, leg), err_str(err));
	return err;
}

/*
 * The DTLS side must multiplex RTP and RTCP (RFC 5761). Without mux,
 * RFC 5764 4.1 wants a DTLS association of its own for the RTCP component,
 * keyed separately: KTR would have to carry A over both, and the relay would
 * run two handshakes per call. WebRTC always muxes (RFC 8829 5.1.1 /
 * RFC 8843), so ktrsbc offers a=rtcp-mux on its DTLS side and refuses, with
 * 488 and this cause, a DTLS offer or answer without it.
 */
static int rtcp_mux_required(struct sbc_call *c, const struct sdp_session *sdp,
			     bool offer)
{
	if (sdp_media_rtcp_mux(sdp_session_media(sdp, c->media_idx)))
		return 0;
	cause_set(c, "the DTLS-SRTP %s has no a=rtcp-mux: ktrsbc requires RTP/RTCP multiplexing on its DTLS side (RFC 5761)",
		  offer ? "offer" : "answer");
	return -EPROTO;
}

/* DTLS parameters of the DTLS UA's SDP: fingerprint and our role. */
static int dtls_params(struct sbc_call *c, const struct sdp_dtls_info *d,
		       bool answer, char *fp, size_t cap, enum dtls_role *role)
{
	char *p = fp;

	if (!d->dtls || !d->has_fingerprint ||
	    strcmp(d->fingerprint.hash, "sha-256") || d->fingerprint.len != 32 ||
	    cap < DTLS_FP_LEN) {
		cause_set(c, "DTLS-SRTP: no a=fingerprint:sha-256 from the DTLS UA");
		return -EPROTO;
	}
	for (size_t i = 0; i < 32; i++)
		p += sprintf(p, i ? ":%02X" : "%02X", d->fingerprint.bytes[i]);
	if (d->setup == SDP_SETUP_ACTIVE)
		*role = DTLS_ROLE_SERVER;
	else if (d->setup == SDP_SETUP_PASSIVE || !answer)
		*role = DTLS_ROLE_CLIENT; /* RFC 5763 5: answer actpass active */
	else {
		cause_set(c, "DTLS-SRTP: the answer's a=setup must be active or passive");
		return -EPROTO;
	}
	return 0;
}

/* --- a new call ---------------------------------------------------------- */

static int call_new(struct sbc *s, struct sip_call *in, struct sbc_call **cp)
{
	struct sbc_call *c;
	int err;

	if (s->n_calls >= s->conf.max_calls)
		return -ENOBUFS;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sbc = s;
	c->in = in;
	c->set = trunk_set_ref(s->trunks);
	c->t_start = clk_now_ms();
	c->ldir[0] = c->ldir[1] = SDP_DIR_SENDRECV;
	err = relay_call_alloc(s->relay, &c->relay, c, c->ports);
	if (err) {
		trunk_set_unref(c->set);
		free(c);
		return err;
	}
	c->id = relay_call_id(c->relay);
	c->next = s->calls;
	s->calls = c;
	s->n_calls++;
	s->calls_total++;
	sip_call_set_data(in, c);
	*cp = c;
	return 0;
}

/* Figure 7 steps 1-2: the SDES offer becomes a DTLS offer. */
static int from_sdes(struct sbc_call *c, char **out_sdp)
{
	struct sdp_xlate_report *rep = NULL;
	struct sdp_session *o = NULL;
	struct sdp_crypto cr;
	struct sdp_error e;
	int err;

	/* Key A: the first acceptable a=crypto (RFC 4568 7.1.1). */
	err = sdp_media_crypto_pick(sdp_session_media(c->offer, c->media_idx),
				    sbc_suites, SBC_N_SUITES, &cr, &e);
	if (err < 0) {
		cause_set(c, "no acceptable a=crypto in the offer (%s)", e.msg);
		return -ENOTSUP;
	}
	c->a_tag = cr.tag;
	c->suite = cr.suite;
	err = sbc_sdes_keymat(&cr, &c->a);
	sdp_crypto_wipe(&cr);
	if (err)
		return err;
	c->ktr_wanted = trunk_ktr(c->out_trunk) != TRUNK_KTR_OFF;
	err = xlate(c, c->offer, SDP_XLATE_SDES_OFFER_TO_DTLS, NULL,
		    c->ports[RELAY_LEG_DTLS], NULL, &o, &rep);
	if (!err)
		err = set_peer(c, RELAY_LEG_SDES, c->offer, c->in_trunk);
	if (!err)
		err = sbc_print_alloc(o, out_sdp);
	c->out_offer = o;
	sdp_xlate_report_free(rep);
	return err;
}

/* DTLS-originated: the DTLS offer becomes an SDES offer with a fresh B. */
static int from_dtls(struct sbc_call *c, char **out_sdp)
{
	struct sdp_dtls_info d;
	struct sdp_error e;
	struct sdp_session *o = NULL;
	struct sdp_xlate_report *rep = NULL;
	int err, profile = c->sbc->conf.profiles[0];

	err = sdp_media_dtls_info(sdp_session_media(c->offer, c->media_idx), &d, &e);
	if (err || !d.dtls) {
		cause_set(c, "the DTLS trunk's offer is not DTLS-SRTP");
		return -EPROTO;
	}
	if ((err = rtcp_mux_required(c, c->offer, true)))
		return err;
	c->ktr_wanted = d.ktr != SDP_KTR_NONE && trunk_ktr(c->in_trunk) != TRUNK_KTR_OFF;
	if (d.ktr == SDP_KTR_NONE && trunk_ktr(c->in_trunk) == TRUNK_KTR_REQUIRED) {
		cause_set(c, "trunk %s requires DTLS-SRTP Key Transport; the offer has no a=dtls-srtp-ktr",
			  trunk_name(c->in_trunk));
		return -ENOTSUP;
	}
	/* B: what the SDES UA will receive with; the DTLS UA is told to send
	 * with it (your_new_srtp_key). A fresh key, never reused (6.2). */
	if ((err = ksrtp_keymat_random(&c->b, profile)))
		return err;
	c->suite = sdp_suite_from_profile(profile);
	err = xlate(c, c->offer, SDP_XLATE_DTLS_OFFER_TO_SDES, NULL,
		    c->ports[RELAY_LEG_SDES], &c->b, &o, &rep);
	if (!err)
		err = set_peer(c, RELAY_LEG_DTLS, c->offer, c->in_trunk);
	if (!err)
		err = sbc_print_alloc(o, out_sdp);
	c->out_offer = o;
	sdp_xlate_report_free(rep);
	return err;
}

int sbc_call_incoming(struct sbc *s, struct sip_call *in, const char *sdp,
		      size_t len)
{
	const struct sip_call_info *info = sip_call_info_get(in);
	const struct trunk *from = NULL, *to = NULL;
	struct sip_invite_params ip;
	struct sip_ua *ua;
	struct sbc_call *c = NULL;
	struct sdp_error e;
	char ruri[TRUNK_URI_MAX], *out_sdp = NULL;
	int err;

	err = trunk_classify(s->trunks, info->request_uri, info->from,
			     info->peer_addr, info->peer_port, &from);
	if (err) {
		s->rejected_route++;
		klog(KLOG_WARN, "sbc: INVITE from %s:%u matches no trunk: 403",
		     info->peer_addr, info->peer_port);
		sip_call_reject(in, 403, "no trunk for this source");
		return 0;
	}
	err = trunk_route(s->trunks, from, info->request_uri, ruri, sizeof(ruri), &to);
	if (err) {
		s->rejected_route++;
		sip_call_reject(in, 404, "no route");
		return 0;
	}
	if (trunk_side(from) == TRUNK_SIDE_SDES &&
	    !trunk_sdes_allowed(from, info->transport == SIP_TP_TLS)) {
		/* Draft 6 / docs/design.md: a=crypto only over TLS or a trusted trunk. */
		s->rejected_trust++;
		klog(KLOG_WARN, "sbc: a=crypto from trunk %s over %s refused: the trunk is not trusted and the INVITE did not come over TLS",
		     trunk_name(from), sip_transport_name(info->transport));
		sip_call_reject(in, 488, "a=crypto refused: untrusted trunk without TLS");
		return 0;
	}
	if (sbc_keys_refused(s, from, to, in))
		return 0;
	if ((err = call_new(s, in, &c))) {
		sip_call_reject(in, 503, "no capacity");
		return 0;
	}
	c->in_trunk = from;
	c->out_trunk = to;
	c->dir = trunk_side(from) == TRUNK_SIDE_SDES ? SBC_FROM_SDES : SBC_FROM_DTLS;
	if (sdp_parse(&c->offer, sdp, len, &e)) {
		char why[sizeof(e.msg) + 64];
		char col[24] = ""; /* none for a whole line (an m-line without c=) */

		if (e.col)
			snprintf(col, sizeof(col), " column %u", e.col);
		snprintf(why, sizeof(why), "malformed SDP: line %u%s: %s", e.line, col, e.msg);
		sbc_call_end(c, 488, why);
		return 0;
	}
	if (pick_media(c, c->offer)) {
		sbc_call_end(c, 488, "no media stream to relay");
		return 0;
	}
	err = c->dir == SBC_FROM_SDES ? from_sdes(c, &out_sdp) : from_dtls(c, &out_sdp);
	if (err) {
		sbc_call_end(c, err == -ENOMEM ? 500 : 488, NULL);
		return 0;
	}
	/* RFC 3261 16.6 step 3 (a B2BUA is no proxy, but loops must end):
	 * one less Max-Forwards on the other leg. */
	memset(&ip, 0, sizeof(ip));
	ip.max_forwards = info->max_forwards > 1 ? info->max_forwards - 1 : 1;
	/* The target trunk's transport: its agent, and the URI says it. */
	ua = s->ua;
	if (trunk_transport(to) != TRUNK_UDP && !strstr(ruri, ";transport=")) {
		size_t n = strlen(ruri);

		snprintf(ruri + n, sizeof(ruri) - n, ";transport=%s",
			 trunk_transport_str(trunk_transport(to)));
	}
	if (trunk_transport(to) == TRUNK_TLS)
		ua = s->ua_tls;
	err = ua ? sip_call_invite(ua, ruri, out_sdp, &ip, &c->out) : -ENOTSUP;
	sbc_last_sdp_set(c, c->dir == SBC_FROM_SDES ? RELAY_LEG_DTLS : RELAY_LEG_SDES,
		     out_sdp);
	if (err) {
		sbc_call_end(c, 500, "cannot send the INVITE to the target trunk");
		return 0;
	}
	sip_call_set_data(c->out, c);
	klog(KLOG_INFO, "sbc: call %llu: %s (%s) -> %s (%s) %s",
	     (unsigned long long)c->id, trunk_name(from), trunk_side_str(trunk_side(from)),
	     trunk_name(to), trunk_side_str(trunk_side(to)), ruri);
	return 0;
}

/* --- answers --------------------------------------------------------------- */

static void on_answer_timeout(void *arg)
{
	struct sbc_call *c = arg;

	sbc_call_end(c, 504, "the DTLS handshake did not finish within answer_wait_ms");
}

/* SDES-originated: the DTLS UA answered; start the handshake. The SDES
 * answer waits for DTLS up (it must carry B), bounded by answer_wait_ms.
 * Takes ans (kept for the SDES answer). */
static void answered_dtls(struct sbc_call *c, struct sdp_session *ans)
{
	struct sdp_dtls_info d;
	struct sdp_error e;
	char fp[DTLS_FP_LEN];
	enum dtls_role role;
	bool ktr;
	int err;

	c->dtls_answer = ans;
	if (sdp_media_dtls_info(sdp_session_media(ans, c->media_idx), &d, &e) ||
	    dtls_params(c, &d, true, fp, sizeof(fp), &role)) {
		sbc_call_end(c, 488, NULL);
		return;
	}
	if (rtcp_mux_required(c, ans, false)) {
		sbc_call_end(c, 488, NULL);
		return;
	}
	ktr = c->ktr_wanted && d.ktr != SDP_KTR_NONE;
	if (!ktr && trunk_ktr(c->out_trunk) == TRUNK_KTR_REQUIRED) {
		sbc_call_end(c, 488, "the DTLS UA does not support Key Transport (trunk requires it)");
		return;
	}
	err = set_peer(c, RELAY_LEG_DTLS, ans, c->out_trunk);
	if (!err)
		err = relay_leg_dtls_start(c->relay, RELAY_LEG_DTLS, role, fp, ktr);
	if (err) {
		sbc_call_end(c, 500, "cannot start DTLS on the relay");
		return;
	}
	c->state = SBC_ST_HANDSHAKE;
	if (sip_timer_alloc(&c->timer, c->sbc->loop, on_answer_timeout, c) == 0)
		sip_timer_start(c->timer, c->sbc->conf.answer_wait_ms);
}

/* DTLS-originated: the SDES UA answered with its key A; answer the DTLS UA
 * (we are the DTLS client, a=setup:active) and start the handshake. */
static void answered_sdes(struct sbc_call *c, struct sdp_session *ans)
{
	struct sdp_xlate_report *rep = NULL;
	struct sdp_session *o = NULL;
	struct sdp_dtls_info d;
	struct sdp_error e;
	char fp[DTLS_FP_LEN], *sdp = NULL;
	enum dtls_role role;
	int err;

	if (!sbc_answer_path_ok(c->sbc, c->out_trunk, c->out, c->id)) {
		sbc_call_end(c, 488, "a=crypto refused: the SDES answer came over a path that may not carry keys");
		return;
	}
	err = xlate(c, ans, SDP_XLATE_SDES_ANSWER_TO_DTLS, c->offer,
		    c->ports[RELAY_LEG_DTLS], NULL, &o, &rep);
	if (!err && rep->media[c->media_idx].n_crypto < 1) {
		cause_set(c, "the SDES answer has no a=crypto");
		err = -EPROTO;
	}
	if (!err)
		err = sbc_sdes_keymat(&rep->media[c->media_idx].crypto[0], &c->a);
	sdp_xlate_report_free(rep);
	if (!err)
		err = set_peer(c, RELAY_LEG_SDES, ans, c->out_trunk);
	if (!err)
		err = sdp_media_dtls_info(sdp_session_media(c->offer, c->media_idx), &d, &e);
	if (!err)
		err = dtls_params(c, &d, false, fp, sizeof(fp), &role);
	if (!err)
		err = sbc_print_alloc(o, &sdp);
	sdp_session_free(o);
	if (!err)
		err = sip_call_answer(c->in, sdp);
	sbc_last_sdp_set(c, RELAY_LEG_DTLS, sdp);
	/* The window's transcrypts take effect in the relay the moment DTLS
	 * is up (before the DTLS UA's first packet is handled). */
	if (!err)
		err = relay_leg_dtls_prearm(c->relay, RELAY_LEG_DTLS, &c->b, &c->a);
	if (!err)
		err = relay_leg_dtls_start(c->relay, RELAY_LEG_DTLS, role, fp,
					   c->ktr_wanted);
	if (err) {
		sbc_call_end(c, 488, NULL);
		return;
	}
	c->state = SBC_ST_HANDSHAKE;
}

void sbc_call_answered(struct sbc_call *c, const char *sdp, size_t len)
{
	struct sdp_session *ans;
	struct sdp_error e;

	if (!sdp) {
		sbc_call_end(c, 488, "the 200 OK carried no SDP answer");
		return;
	}
	if (sdp_parse(&ans, sdp, len, &e)) {
		char why[200];

		snprintf(why, sizeof(why), "malformed SDP answer: line %u: %s",
			 e.line, e.msg);
		sbc_call_end(c, 488, why);
		return;
	}
	if (c->dir == SBC_FROM_SDES) {
		answered_dtls(c, ans); /* takes ans */
	} else {
		answered_sdes(c, ans);
		sdp_session_free(ans);
	}
}

/* --- relay events -------------------------------------------------------- */

/* SDES-originated, DTLS up: KTR (new_srtp_key(A)) or the fallback, then the
 * SDES answer with B, the DTLS UA's write key (Figure 7 steps 3-4). */
static void up_from_sdes(struct sbc_call *c, const struct relay_event *ev)
{
	struct sdp_session *o = NULL;
	struct ksrtp_keymat cmat;
	char *sdp = NULL;
	int err;

	relay_keymat_export(&c->b, &ev->keys, false);
	relay_keymat_export(&c->dtls_rx, &ev->keys, true);
	/* With KTR the DTLS UA decrypts A under the negotiated profile, so A's
	 * suite must be that profile; otherwise this call falls back. */
	if (ev->ktr && c->a.profile == ev->keys.profile)
		c->ktr = relay_call_ktr_send_key(c->relay, RELAY_LEG_DTLS, &c->a) == 0;
	if (!c->ktr) {
		if (trunk_ktr(c->out_trunk) == TRUNK_KTR_REQUIRED) {
			sbc_call_end(c, 488, ev->ktr ?
				     "KTR: the negotiated SRTP profile is not the offered a=crypto suite" :
				     "the DTLS UA did not negotiate key_transport (trunk requires it)");
			return;
		}
		/* Figure 6: A -> C per packet, SDES -> DTLS only. */
		relay_keymat_export(&cmat, &ev->keys, true);
		err = relay_call_transcrypt(c->relay, RELAY_LEG_SDES, &c->a, &cmat);
		c->c = cmat;
		ksrtp_keymat_wipe(&cmat);
		if (err) {
			sbc_call_end(c, 500, "cannot start transcrypting");
			return;
		}
		c->fallback = true;
		c->sd_xc = true;
		c->sbc->calls_fallback++;
	} else {
		c->sbc->calls_ktr++;
	}
	err = xlate(c, c->dtls_answer, SDP_XLATE_DTLS_ANSWER_TO_SDES, c->offer,
		    c->ports[RELAY_LEG_SDES], &c->b, &o, NULL);
	if (!err)
		err = sbc_print_alloc(o, &sdp);
	sdp_session_free(o);
	if (!err)
		err = sip_call_answer(c->in, sdp);
	if (err) {
		sbc_sdp_free(sdp);
		sbc_call_end(c, 488, c->cause[0] ? NULL : "cannot answer the SDES UA");
		return;
	}
	sbc_last_sdp_set(c, RELAY_LEG_SDES, sdp); /* base of re-answers */
	c->state = SBC_ST_UP;
	sbc_ktr_schedule(c);
	klog(KLOG_INFO, "sbc: call %llu up: %s", (unsigned long long)c->id,
	     c->ktr ? "KTR, forwarding only" : "fallback, transcrypting SDES->DTLS");
}

/* DTLS-originated, DTLS up. The relay already transcrypts the window both
 * ways (relay_leg_dtls_prearm): the DTLS UA's packets to B, the SDES UA's
 * to our DTLS key. With KTR: new_srtp_key(A) and your_new_srtp_key(B); the
 * windows close at the acknowledgement of A and at the DTLS UA's switch to
 * B. Without KTR both transcrypts stay: the fallback, both ways. */
static void up_from_dtls(struct sbc_call *c, const struct relay_event *ev)
{
	int err = 0;

	/* The window's keys (relay_leg_dtls_prearm), for the fallback of
	 * either direction after a KTR failure (sbc_ktr.c). */
	relay_keymat_export(&c->d, &ev->keys, false);
	relay_keymat_export(&c->dtls_rx, &ev->keys, true);
	c->sd_xc = true;
	if (ev->ktr && c->a.profile == ev->keys.profile &&
	    c->b.profile == ev->keys.profile) {
		err = relay_call_ktr_send_key(c->relay, RELAY_LEG_DTLS, &c->a);
		if (!err)
			err = relay_call_ktr_dictate(c->relay, RELAY_LEG_DTLS, &c->b);
		c->ktr = err == 0;
	} else if (trunk_ktr(c->in_trunk) == TRUNK_KTR_REQUIRED) {
		err = -ENOTSUP;
		cause_set(c, "the DTLS UA did not negotiate key_transport (trunk requires it)");
	} else {
		c->fallback = true;
	}
	if (err) {
		sbc_call_end(c, 488, NULL);
		return;
	}
	if (c->ktr)
		c->sbc->calls_ktr++;
	else
		c->sbc->calls_fallback++;
	c->state = SBC_ST_UP;
	sbc_ktr_schedule(c);
	klog(KLOG_INFO, "sbc: call %llu up: %s", (unsigned long long)c->id,
	     c->ktr ? "KTR, transcrypting only until the DTLS UA has A and uses B" :
		      "fallback, transcrypting both directions");
}

void sbc_call_event(struct sbc_call *c, struct relay_event *ev)
{
	switch (ev->type) {
	case RELAY_EV_DTLS_UP:
		sip_timer_stop(c->timer);
		if (c->dir == SBC_FROM_SDES)
			up_from_sdes(c, ev);
		else
			up_from_dtls(c, ev);
		break;
	case RELAY_EV_DTLS_FAILED:
		sbc_call_end(c, 488, "DTLS handshake with the DTLS UA failed");
		break;
	case RELAY_EV_MEDIA_TIMEOUT:
		sbc_call_end(c, 408, "media timeout");
		break;
	case RELAY_EV_KTR_ACKED:
		/* DTLS-side call: the DTLS UA has A; forward untouched. */
		sbc_ktr_acked(c, ev);
		break;
	case RELAY_EV_KTR_REFUSED:
	case RELAY_EV_KTR_GAVE_UP:
		sbc_ktr_failed(c, ev); /* may end c */
		break;
	case RELAY_EV_KTR_PEER_KEY:
		/* The DTLS UA's new key (its own re-key, or its answer to our
		 * new_srtp_key_request) goes to the SDES UA; on a DTLS-side
		 * call the echo of B is not a new key. */
		if (c->state == SBC_ST_UP && !ksrtp_keymat_equal(&ev->peer_key, &c->b))
			sbc_call_sdes_reoffer(c, &ev->peer_key);
		break;
	}
}

/* --- hang-ups -------------------------------------------------------------- */

void sbc_call_ended(struct sbc_call *c, struct sip_call *leg,
		    enum sip_end_cause cause, int status, const char *reason)
{
	bool in = leg == c->in;

	if (in)
		c->in = NULL;
	else
		c->out = NULL;
	if (!in && cause == SIP_END_REJECT_REMOTE && c->in &&
	    !sip_call_is_established(c->in)) {
		/* The target refused: the same status back (3xx become 480:
		 * redirects are not followed across the border). */
		sbc_call_end(c, status >= 400 ? status : 480, reason);
		return;
	}
	sbc_call_end(c, 487, in ? "caller ended the call" : "callee ended the call");
}

/*
 * sbc_call: the SIP half of a call. An INVITE is classified to a trunk and
 * routed to another (trunk/), the media core (media/) turns its offer into
 * the other side's, and the call becomes two legs: the caller's and the
 * target trunk's. Answers, hang-ups and failures of either leg end the
 * other as SIP wants (BYE, CANCEL or an error response); the media core's
 * events come through sbc_media.c. The two call flows (docs/design.md) are
 * the media core's: src/media/media_sdp.c and media_up.c.
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
	sbc_glare_free(c);
	media_session_free(c->media); /* its counters into the engine's */
	sbc_early_free(c);
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
	/* The media core's cause came first, if it set one. */
	if (c->media && media_session_cause(c->media, NULL)[0])
		cause_set(c, "%s", media_session_cause(c->media, NULL));
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

/* --- a new call ---------------------------------------------------------- */

static int call_new(struct sbc *s, struct sip_call *in, const struct trunk *from,
		    const struct trunk *to, struct sbc_call **cp)
{
	struct media_policy pol[2];
	struct sbc_call *c;
	int err;

	if (s->n_calls >= s->conf.max_calls)
		return -ENOBUFS;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sbc = s;
	c->in = in;
	c->in_trunk = from;
	c->out_trunk = to;
	c->dir = trunk_side(from) == TRUNK_SIDE_SDES ? SBC_FROM_SDES : SBC_FROM_DTLS;
	c->set = trunk_set_ref(s->trunks);
	c->t_start = clk_now_ms();
	sbc_media_policies(c, pol);
	/* Every RTP m-line relayed, each its own stream, up to max_streams
	 * (more: 488 naming the limit); non-RTP ones declined (port 0). */
	err = media_session_alloc(s->media, &c->media,
				  c->dir == SBC_FROM_SDES ? MEDIA_SIDE_SDES : MEDIA_SIDE_DTLS,
				  pol, s->conf.max_streams, &sbc_media_handler, c);
	if (err) {
		trunk_set_unref(c->set);
		free(c);
		return err;
	}
	c->id = media_session_id(c->media);
	c->next = s->calls;
	s->calls = c;
	s->n_calls++;
	s->calls_total++;
	sip_call_set_data(in, c);
	*cp = c;
	return 0;
}

int sbc_call_incoming(struct sbc *s, struct sip_call *in, const char *sdp,
		      size_t len)
{
	const struct sip_call_info *info = sip_call_info_get(in);
	const struct trunk *from = NULL, *to = NULL;
	struct sip_invite_params ip;
	struct sip_ua *ua;
	struct sbc_call *c = NULL;
	const char *out_sdp = NULL;
	char ruri[TRUNK_URI_MAX];
	enum media_cause mc;
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
	/* RFC 4028 on this leg, by the caller's trunk */
	if (trunk_session_expires_s(from) && info->session_expires &&
	    info->session_expires < trunk_min_se_s(from)) {
		s->session_too_small++;
		klog(KLOG_INFO, "sbc: INVITE from trunk %s: Session-Expires %u below min_se %u: 422 (RFC 4028 9)",
		     trunk_name(from), info->session_expires, trunk_min_se_s(from));
		sip_call_reject_422(in, trunk_min_se_s(from));
		return 0;
	}
	sip_call_timer_set(in, trunk_session_expires_s(from), trunk_min_se_s(from));
	if ((err = call_new(s, in, from, to, &c))) {
		klog(KLOG_WARN, "sbc: INVITE from trunk %s refused with 503: no capacity (%u calls of max_calls %u, media: %s)",
		     trunk_name(from), s->n_calls, s->conf.max_calls, err_str(err));
		sip_call_reject(in, 503, "no capacity");
		return 0;
	}
	if (media_session_offer(c->media, sdp, len, &out_sdp)) {
		media_session_cause(c->media, &mc);
		sbc_call_end(c, sbc_media_status(mc, 0), NULL);
		return 0;
	}
	/* RFC 3261 16.6 step 3 (a B2BUA is no proxy, but loops must end):
	 * one less Max-Forwards on the other leg. */
	memset(&ip, 0, sizeof(ip));
	ip.max_forwards = info->max_forwards > 1 ? info->max_forwards - 1 : 1;
	/* RFC 4028 on the other leg, by its own trunk */
	ip.timer_set = true;
	ip.session_expires = trunk_session_expires_s(to);
	ip.min_se = trunk_min_se_s(to);
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

/* The target answered: the media core starts the DTLS handshake; the
 * caller's answer goes out through sbc_media.c, now (a DTLS caller) or
 * when DTLS is up (an SDES caller: it must carry the DTLS UA's key). */
void sbc_call_answered(struct sbc_call *c, const char *sdp, size_t len)
{
	enum media_cause mc;

	if (!sdp) {
		sbc_call_end(c, 488, "the 200 OK carried no SDP answer");
		return;
	}
	if (media_session_answer(c->media, sdp, len)) {
		media_session_cause(c->media, &mc);
		sbc_call_end(c, sbc_media_status(mc, 0), NULL);
		return;
	}
	c->state = SBC_ST_HANDSHAKE;
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
	if (cause == SIP_END_EXPIRED) {
		/* RFC 4028 10: the leg's peer did not refresh; the stack sent
		 * it BYE (Reason 408), the other leg gets one too. */
		c->sbc->session_expired++;
		klog(KLOG_WARN, "sbc: call %llu: session timer of the %s leg (trunk %s) expired without a refresh (RFC 4028 10): BYE on both legs",
		     (unsigned long long)c->id, in ? "caller's" : "callee's",
		     trunk_name(in ? c->in_trunk : c->out_trunk));
		c->bye_cause = 408;
		sbc_call_end(c, 408, "session timer expired (RFC 4028)");
		return;
	}
	if (!in && cause == SIP_END_REJECT_REMOTE && c->in &&
	    !sip_call_is_established(c->in)) {
		/* The target refused: the same status back (3xx become 480:
		 * redirects are not followed across the border). */
		sbc_call_end(c, status >= 400 ? status : 480, reason);
		return;
	}
	sbc_call_end(c, 487, in ? "caller ended the call" : "callee ended the call");
}

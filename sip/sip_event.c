/*
 * sip_event: the nua events of calls, turned into sip_ua_ops callbacks.
 *
 * Every call ends in exactly one place: the nua_i_state event with
 * nua_callstate_terminated, where ended() runs and the call is freed. The
 * events before it only record why (sip_call_note_end).
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/url.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "sip/sip_priv.h"

/* A received body as a NUL-terminated copy the application can parse.
 * *sdp NULL when there is none. 0, or the status to answer with. */
static int ev_body(const sip_t *sip, char **sdp, size_t *len,
		   const char **why)
{
	const sip_payload_t *pl = sip ? sip->sip_payload : NULL;
	char *copy;

	*sdp = NULL;
	*len = 0;
	if (!pl || !pl->pl_len)
		return 0;
	if (!sip->sip_content_type || !sip->sip_content_type->c_type ||
	    strcasecmp(sip->sip_content_type->c_type, "application/sdp")) {
		*why = "Body is not application/sdp";
		return 415;
	}
	if (pl->pl_len > SIP_SDP_MAX) {
		*why = "SDP too large";
		return 488;
	}
	if (memchr(pl->pl_data, 0, pl->pl_len)) {
		*why = "NUL byte in SDP";
		return 488;
	}
	copy = malloc(pl->pl_len + 1);
	if (!copy) {
		*why = "Out of memory";
		return 500;
	}
	memcpy(copy, pl->pl_data, pl->pl_len);
	copy[pl->pl_len] = '\0';
	*sdp = copy;
	*len = pl->pl_len;
	return 0;
}

/* Free an ev_body copy: it may hold a=crypto keys (RFC 4568), so it is
 * wiped first. Sofia's own message buffers are beyond reach (README,
 * Limits). */
static void ev_body_free(char *sdp, size_t len)
{
	if (!sdp)
		return;
	sec_wipe(sdp, len);
	free(sdp);
}

/* Map a callback's negative errno to the status refusing the offer. */
static int ev_err_status(int err)
{
	switch (err) {
	case -EBADMSG:
	case -EPROTO:
	case -ENOTSUP:
		return 488;
	case -ENOBUFS:
		return 503;
	default:
		return 500;
	}
}

/* Refuse an INVITE we keep no call for, and drop its handle. */
static void ev_refuse(struct sip_ua *u, nua_handle_t *nh, int status,
		      const char *phrase)
{
	nua_respond(nh, status, phrase, SIPTAG_SERVER_STR(u->product),
		    TAG_END());
	nua_handle_destroy(nh);
}

static int ev_uri(char *dst, size_t size, const url_t *url)
{
	isize_t n;

	if (!url)
		return -EBADMSG;
	n = url_e(dst, (isize_t)size, url);
	if (n < 0 || (size_t)n >= size)
		return -EMSGSIZE;
	dst[n] = '\0';
	return 0;
}

/* The display name of a From as the application sees it (sip.h): a
 * quoted-string unquoted with its quoted-pairs resolved (RFC 3261 25.1),
 * a token sequence as is; "" when over SIP_DISPLAY_MAX or holding a
 * control character. */
static void ev_display(char *dst, size_t size, const char *raw)
{
	size_t n = 0, i = 0;
	bool quoted;

	dst[0] = '\0';
	if (!raw)
		return;
	quoted = raw[0] == '"';
	if (quoted)
		i = 1;
	for (; raw[i]; i++) {
		unsigned char ch = (unsigned char)raw[i];

		if (quoted && ch == '"')
			break;
		if (quoted && ch == '\\' && raw[i + 1])
			ch = (unsigned char)raw[++i];
		if (ch < 0x20 || ch == 0x7f || n + 1 >= size ||
		    n >= SIP_DISPLAY_MAX) {
			dst[0] = '\0';
			return;
		}
		dst[n++] = (char)ch;
	}
	/* a token sequence may end in the blank before '<' */
	while (!quoted && n && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

/* Facts about the peer of an incoming INVITE (sip.h: sip_call_info). */
static int ev_info_fill(struct sip_call *c, const sip_t *sip)
{
	const char *proto, *slash;
	msg_t *msg = nua_current_request(c->ua->nua);
	su_addrinfo_t *ai = msg ? msg_addrinfo(msg) : NULL;
	char port[8];

	if (ev_uri(c->ruri, sizeof(c->ruri), sip->sip_request->rq_url) ||
	    !sip->sip_from || !sip->sip_to ||
	    ev_uri(c->from, sizeof(c->from), sip->sip_from->a_url) ||
	    ev_uri(c->to, sizeof(c->to), sip->sip_to->a_url))
		return -EBADMSG;
	/* the user is part of the From URI, which fitted in SIP_URI_MAX */
	sip_strlcpy(c->from_user, sip->sip_from->a_url->url_user,
		    sizeof(c->from_user));
	ev_display(c->from_display, sizeof(c->from_display),
		   sip->sip_from->a_display);
	/* nta rejected a top Via whose transport is not the one the request
	 * came on, so this names the real transport. */
	proto = sip->sip_via ? sip->sip_via->v_protocol : NULL;
	slash = proto ? strrchr(proto, '/') : NULL;
	c->info.transport = SIP_TP_UDP;
	if (slash && !strcasecmp(slash + 1, "TCP"))
		c->info.transport = SIP_TP_TCP;
	else if (slash && !strcasecmp(slash + 1, "TLS"))
		c->info.transport = SIP_TP_TLS;
	c->info.tls = c->info.transport == SIP_TP_TLS;
	if (sip->sip_max_forwards)
		c->info.max_forwards = sip->sip_max_forwards->mf_count;
	if (ai && ai->ai_addr &&
	    getnameinfo(ai->ai_addr, (socklen_t)ai->ai_addrlen, c->peer,
			sizeof(c->peer), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		c->info.peer_port = (uint16_t)strtoul(port, NULL, 10);
	else
		c->peer[0] = '\0';
	return 0;
}

static void ev_incoming(struct sip_ua *u, nua_handle_t *nh, const sip_t *sip)
{
	const char *why = NULL;
	struct sip_call *c;
	char *sdp;
	size_t len;
	int st, rc;

	if (u->closing) {
		ev_refuse(u, nh, SIP_503_SERVICE_UNAVAILABLE);
		return;
	}
	if (u->ncalls >= u->max_calls) {
		klog(KLOG_WARN, "sip: %u calls live, refusing INVITE",
		     u->ncalls);
		ev_refuse(u, nh, SIP_503_SERVICE_UNAVAILABLE);
		return;
	}
	/* nua does not check this for a UA; a B2BUA must not forward a
	 * request whose Max-Forwards is exhausted (RFC 3261 16.3 step 2). */
	if (sip->sip_max_forwards && sip->sip_max_forwards->mf_count == 0) {
		klog(KLOG_INFO, "sip: refusing INVITE with Max-Forwards 0");
		ev_refuse(u, nh, SIP_483_TOO_MANY_HOPS);
		return;
	}
	st = ev_body(sip, &sdp, &len, &why);
	if (!st && !sdp) {
		st = 488;
		why = "Offer required";
	}
	if (st) {
		klog(KLOG_INFO, "sip: refusing INVITE: %d %s", st, why);
		ev_refuse(u, nh, st, why);
		return;
	}
	c = sip_call_new(u, true);
	if (!c) {
		ev_body_free(sdp, len);
		ev_refuse(u, nh, SIP_500_INTERNAL_SERVER_ERROR);
		return;
	}
	if (ev_info_fill(c, sip)) {
		ev_body_free(sdp, len);
		sip_call_destroy(c); /* c->nh still NULL: nh is ours to drop */
		ev_refuse(u, nh, 400, "Bad URI");
		return;
	}
	c->nh = nh;
	nua_handle_bind(nh, c);
	c->offer_pending = true;
	c->peer_100rel = sip_has_feature(sip->sip_supported, "100rel") ||
			 sip_has_feature(sip->sip_require, "100rel");
	sip_refresh_peer(c, sip);
	sip_refresh_offer_in(c, sdp);
	rc = u->ops.incoming(u->arg, c, sdp, len);
	ev_body_free(sdp, len);
	if (rc < 0 && c->offer_pending)
		(void)sip_call_reject(c, ev_err_status(rc), err_str(rc));
}

static void ev_reinvite(struct sip_call *c, const sip_t *sip)
{
	struct sip_ua *u = c->ua;
	const char *why = NULL;
	char *sdp;
	size_t len;
	int st, rc;

	st = ev_body(sip, &sdp, &len, &why);
	if (!st && !sdp) {
		st = 488;
		why = "Offer required";
	}
	if (!st && (!u->ops.reoffer || u->closing)) {
		st = 488;
		why = "Re-INVITE not accepted";
	}
	c->offer_pending = true;
	c->reinvite_in = true;
	if (!st && sdp)
		sip_refresh_offer_in(c, sdp);
	if (!st && sip_refresh_reinvite(c)) {
		/* RFC 4028: a refresh, answered here with our last SDP */
		ev_body_free(sdp, len);
		return;
	}
	if (st) {
		ev_body_free(sdp, len);
		(void)sip_call_reject(c, st, why);
		return;
	}
	rc = u->ops.reoffer(u->arg, c, sdp, len);
	ev_body_free(sdp, len);
	if (rc < 0 && c->offer_pending)
		(void)sip_call_reject(c, ev_err_status(rc), err_str(rc));
}

/* An UPDATE (RFC 3311): its offer goes the re-INVITE's way
 * (sip_update.c). */
static void ev_update(struct sip_call *c, const sip_t *sip)
{
	const char *why = NULL;
	char *sdp;
	size_t len;
	int st;

	st = ev_body(sip, &sdp, &len, &why);
	sip_update_incoming(c, sdp, len, st, why);
	ev_body_free(sdp, len);
}

static void ev_update_result(struct sip_call *c, int status,
			     const char *phrase, const sip_t *sip)
{
	const char *why = NULL;
	char *sdp = NULL;
	size_t len = 0;

	if (status < 200)
		return;
	if (ev_body(sip, &sdp, &len, &why))
		klog(KLOG_WARN, "sip: ignoring body of %d: %s", status, why);
	sip_update_result(c, status, phrase, sdp, len);
	ev_body_free(sdp, len);
}

/* A response to our INVITE or re-INVITE. */
/* The transport a saved nua event's message came in on (its socket, not
 * its Via); UDP when it cannot be told (the least trusted). */
static enum sip_transport ev_arrival(const struct sip_ua *u,
				     const nua_saved_event_t saved[1])
{
	const nua_event_data_t *d = nua_event_data(saved);
	su_addrinfo_t *ai = d && d->e_msg ? msg_addrinfo(d->e_msg) : NULL;

	if (ai && (ai->ai_protocol == IPPROTO_TCP || ai->ai_socktype == SOCK_STREAM))
		return u->tls_only ? SIP_TP_TLS : SIP_TP_TCP;
	return SIP_TP_UDP;
}

static void ev_invite_result(struct sip_call *c, int status,
			     const char *phrase, const sip_t *sip)
{
	struct sip_ua *u = c->ua;
	nua_saved_event_t saved[1];
	bool have_saved = false;
	const char *why = NULL;
	char *sdp = NULL;
	size_t len = 0;

	if (status <= 100)
		return;
	/* Keep nua's event (and the message sip points into) for this
	 * function, to see which socket the final response came in on. */
	if (status >= 200 && nua_save_event(u->nua, saved)) {
		have_saved = true;
		c->info.answered_over = ev_arrival(u, saved);
	}
	/* Which early dialog (fork) this is, and whether it came reliably. */
	sip_strlcpy(c->rtag, sip && sip->sip_to ? sip->sip_to->a_tag : "",
		    sizeof(c->rtag));
	c->rreliable = sip && sip->sip_rseq;
	/* A bad body in a response is passed on as "no SDP". */
	if (ev_body(sip, &sdp, &len, &why))
		klog(KLOG_WARN, "sip: ignoring body of %d: %s", status, why);

	/* a final response settles our offer: answered (2xx with SDP) or
	 * void (an error, or a 2xx without the answer it owed) */
	if (status >= 200)
		sip_refresh_answer_in(c, status < 300 ? sdp : NULL);
	else if (status > 100 && status < 200 && sdp && c->state == SIP_CS_CALLING)
		sip_refresh_answer_in(c, sdp);
	if (status >= 200 && status < 300 && sip)
		sip_refresh_peer(c, sip);
	if (c->reinvite_pending) {
		if (status >= 200) {
			c->reinvite_pending = false;
			if (u->ops.reanswered && !u->closing)
				u->ops.reanswered(u->arg, c, status, phrase,
						  sdp, len);
		}
	} else if (status < 200) {
		if (u->ops.ringing && !u->closing && c->state == SIP_CS_CALLING)
			u->ops.ringing(u->arg, c, status, sdp, len);
	} else if (status < 300) {
		if (c->state != SIP_CS_CALLING) {
			/* a retransmitted or forked 2xx: nua ACKs it */
		} else if (c->cancel_sent) {
			/* The 2xx crossed our CANCEL: end it (RFC 3261 9.1). */
			c->state = SIP_CS_UP;
			nua_bye(c->nh, TAG_END());
			c->state = SIP_CS_ENDING;
		} else {
			c->state = SIP_CS_UP;
			if (u->ops.answered && !u->closing)
				u->ops.answered(u->arg, c, sdp, len);
		}
	} else if (c->state == SIP_CS_CALLING) {
		sip_call_note_end(c, c->cancel_sent ? SIP_END_CANCEL_LOCAL :
			       SIP_END_REJECT_REMOTE, status, phrase);
		c->state = SIP_CS_ENDING;
	}
	ev_body_free(sdp, len);
	if (have_saved)
		nua_destroy_event(saved);
}

/* The peer's BYE: its Reason header (RFC 3326), when it has one, goes
 * with the end cause ("BYE; SIP;cause=488;text=\"...\""), cut to
 * SIP_REASON_MAX bytes. */
static void ev_bye(struct sip_call *c, const sip_t *sip)
{
	char why[SIP_REASON_MAX + 1];
	size_t n;

	n = (size_t)snprintf(why, sizeof(why), "BYE");
	if (sip && sip->sip_reason && sip->sip_reason->re_protocol) {
		const sip_reason_t *r = sip->sip_reason;

		n += (size_t)snprintf(why + n, sizeof(why) - n, "; %s", r->re_protocol);
		for (int i = 0; r->re_params && r->re_params[i] && n < sizeof(why); i++)
			n += (size_t)snprintf(why + n, sizeof(why) - n, ";%s",
					      r->re_params[i]);
	}
	sip_call_note_end(c, SIP_END_BYE_REMOTE, 200, why);
}

static void ev_terminated(struct sip_call *c, int status, const char *phrase)
{
	struct sip_ua *u = c->ua;

	sip_call_note_end(c, SIP_END_ERROR, status, phrase);
	c->state = SIP_CS_ENDING;
	if (!c->ended && !u->closing) {
		c->ended = true;
		klog(KLOG_DEBUG, "sip: call ended cause=%d status=%d %s",
		     (int)c->cause, c->status, c->reason);
		u->ops.ended(u->arg, c, c->cause, c->status, c->reason);
	}
	sip_call_destroy(c);
}

void sip_event_dispatch(nua_event_t ev, int status, const char *phrase,
			struct sip_ua *u, nua_handle_t *nh,
			struct sip_call *c, const sip_t *sip, tagi_t tags[])
{
	int cs = -1;

	if (!c) {
		if (ev == nua_i_invite && nh && sip)
			ev_incoming(u, nh, sip);
		else if (nh && ev < nua_r_set_params)
			/* A handle the stack made for a request it answered
			 * itself (OPTIONS, ...): we keep nothing of it. */
			nua_handle_destroy(nh);
		else if (ev == nua_i_error)
			klog(KLOG_WARN, "sip: stack error %d %s", status,
			     phrase ? phrase : "");
		return;
	}

	switch (ev) {
	case nua_i_invite:
		if (sip && c->state == SIP_CS_UP && !c->offer_pending)
			ev_reinvite(c, sip);
		break;
	case nua_r_invite:
		ev_invite_result(c, status, phrase, sip);
		break;
	case nua_r_update:
		ev_update_result(c, status, phrase, sip);
		break;
	case nua_i_update:
		/* status < 200: ours to answer (NUTAG_APPL_METHOD) */
		if (sip && status < 200)
			ev_update(c, sip);
		break;
	case nua_i_ack:
		if (c->info.incoming && c->state == SIP_CS_UP &&
		    !c->confirmed) {
			c->confirmed = true;
			if (u->ops.confirmed && !u->closing)
				u->ops.confirmed(u->arg, c);
		}
		break;
	case nua_i_cancel:
		sip_call_note_end(c, SIP_END_CANCEL_REMOTE, 487,
				  "Request Terminated");
		c->offer_pending = false;
		break;
	case nua_i_bye:
		ev_bye(c, sip);
		break;
	case nua_r_bye:
		sip_refresh_bye_result(c);
		break;
	case nua_i_state:
		tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
		if (cs == nua_callstate_terminated)
			ev_terminated(c, status, phrase);
		break;
	case nua_i_error:
		klog(KLOG_WARN, "sip: call error %d %s", status,
		     phrase ? phrase : "");
		/* nua's BYE after an ACK or PRACK timeout follows this */
		if (status == 408)
			c->stack_bye = true;
		break;
	case nua_i_media_error:
		c->stack_bye = true; /* nua's BYE after a bad offer/answer */
		break;
	default:
		break;
	}
}

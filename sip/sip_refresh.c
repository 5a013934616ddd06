/*
 * sip_refresh: session timers (RFC 4028) on one dialog, as sip.h tells.
 *
 * nua negotiates Session-Expires / Min-SE / refresher and runs the timer
 * (sip_ua.c turns it on); what it cannot do with its offer/answer engine
 * off (NUTAG_MEDIA_ENABLE(0)) is done here: a refresh from the peer is
 * answered with the SDP of ours it last accepted, unchanged (RFC 3264 8:
 * a session that does not change keeps its o= version), without the
 * application (an UPDATE's, sip_refresh_update, before sip_update.c
 * takes it as an offer); a BYE the stack sends
 * on its own is the session timer's (RFC 4028 10) and ends the call as
 * SIP_END_EXPIRED.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/klog.h"
#include "base/sec.h"
#include "sip/sip_priv.h"

#define SIP_MIN_SE_RFC 90u /* RFC 4028 4: Min-SE is never below 90 s */

/* The o= line of an SDP (n bytes, not NUL-terminated) into out, without
 * its line end; "" when there is none or it does not fit (then nothing is
 * taken for a refresh). */
static void o_line(const char *p, size_t n, char *out)
{
	size_t i = 0;

	out[0] = '\0';
	while (p && i + 2 <= n) {
		if ((i == 0 || p[i - 1] == '\n') && p[i] == 'o' && p[i + 1] == '=') {
			size_t e = i;

			while (e < n && p[e] != '\r' && p[e] != '\n')
				e++;
			if (e - i >= SIP_O_MAX)
				return;
			memcpy(out, p + i, e - i);
			out[e - i] = '\0';
			return;
		}
		i++;
	}
}

static void sdp_drop(char **sdp)
{
	if (!*sdp)
		return;
	sec_wipe(*sdp, strlen(*sdp));
	free(*sdp);
	*sdp = NULL;
}

void sip_refresh_free(struct sip_call *c)
{
	sdp_drop(&c->loc_sdp);
	sdp_drop(&c->pend_sdp);
}

void sip_refresh_offer_in(struct sip_call *c, const char *sdp)
{
	o_line(sdp, sdp ? strlen(sdp) : 0, c->offer_o);
}

void sip_refresh_answer_out(struct sip_call *c, const char *sdp)
{
	char *n = strdup(sdp); /* sdp may be c->loc_sdp itself */

	sdp_drop(&c->loc_sdp);
	c->loc_sdp = n;
	memcpy(c->rem_o, c->offer_o, sizeof(c->rem_o));
}

void sip_refresh_offer_out(struct sip_call *c, const char *sdp)
{
	char *n = strdup(sdp);

	sdp_drop(&c->pend_sdp);
	c->pend_sdp = n;
}

void sip_refresh_answer_in(struct sip_call *c, const char *sdp)
{
	if (sdp)
		o_line(sdp, strlen(sdp), c->rem_o);
	if (sdp && c->pend_sdp) {
		sdp_drop(&c->loc_sdp);
		c->loc_sdp = c->pend_sdp;
		c->pend_sdp = NULL;
	} else if (!sdp) {
		/* a final response without an answer: our offer is void
		 * (RFC 3261 14.1) */
		sdp_drop(&c->pend_sdp);
	}
}

/* The peer's offer (o= in o) is the SDP it last sent us again. */
static bool is_refresh(const struct sip_call *c, const char *o)
{
	return c->state == SIP_CS_UP && c->loc_sdp && o[0] && c->rem_o[0] &&
	       strcmp(o, c->rem_o) == 0;
}

bool sip_refresh_reinvite(struct sip_call *c)
{
	if (!is_refresh(c, c->offer_o) || c->pend_sdp)
		return false;
	if (sip_call_answer(c, c->loc_sdp))
		return false;
	c->ua->refreshes++;
	klog(KLOG_DEBUG, "sip: session refresh (re-INVITE, unchanged SDP) answered with our last SDP");
	return true;
}

bool sip_refresh_update(struct sip_call *c, const char *sdp, size_t len)
{
	struct sip_ua *u = c->ua;
	char o[SIP_O_MAX];

	if (!sdp || !len) {
		/* RFC 4028 9: an UPDATE without a body refreshes the session;
		 * nua adds Session-Expires to our 200. */
		nua_respond(c->nh, SIP_200_OK, NUTAG_WITH_THIS(u->nua),
			    SIPTAG_SERVER_STR(u->product), TAG_END());
		u->refreshes++;
		return true;
	}
	o_line(sdp, len, o);
	if (c->pend_sdp || c->offer_pending || !is_refresh(c, o))
		return false; /* an offer: sip_update.c's */
	nua_respond(c->nh, SIP_200_OK, NUTAG_WITH_THIS(u->nua),
		    SIPTAG_SERVER_STR(u->product),
		    SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		    SIPTAG_PAYLOAD_STR(c->loc_sdp), TAG_END());
	u->refreshes++;
	klog(KLOG_DEBUG, "sip: session refresh (UPDATE, unchanged SDP) answered with our last SDP");
	return true;
}

void sip_refresh_bye_result(struct sip_call *c)
{
	if (c->cause_set || c->stack_bye || c->state != SIP_CS_UP ||
	    c->ua->closing)
		return;
	/* nua sends BYE on its own in an established dialog for a session
	 * timer the peer let lapse (nua_session_usage_refresh), and after
	 * the events that set stack_bye (an ACK or PRACK timeout, a media
	 * error): this is the former. */
	klog(KLOG_INFO, "sip: session timer expired without a refresh from %s:%u: BYE sent (RFC 4028 10)",
	     c->peer[0] ? c->peer : "the peer", c->info.peer_port);
	sip_call_note_end(c, SIP_END_EXPIRED, 408, "Session timer expired");
	c->state = SIP_CS_ENDING;
}

void sip_refresh_peer(struct sip_call *c, const sip_t *sip)
{
	const sip_session_expires_t *x = sip->sip_session_expires;

	c->peer_update = sip->sip_allow &&
			 sip_is_allowed(sip->sip_allow, sip_method_update, "UPDATE");
	c->peer_timer = sip_has_feature(sip->sip_supported, "timer");
	if (sip->sip_request && x && sip_has_feature(sip->sip_supported, "timer"))
		c->info.session_expires = (unsigned)x->x_delta;
	/* Our refresh (when we are the refresher): UPDATE without a body
	 * where the peer takes UPDATE, else nua re-sends our last INVITE
	 * with its SDP (nua_session_usage_refresh). */
	if (sip->sip_status && c->nh)
		nua_set_hparams(c->nh, NUTAG_UPDATE_REFRESH(c->peer_update),
				TAG_END());
}

int sip_call_timer_set(struct sip_call *c, unsigned session_expires,
		       unsigned min_se)
{
	if (!c)
		return -EINVAL;
	if (c->state != SIP_CS_INCOMING || !c->nh)
		return -EPROTO;
	/* A caller with neither "timer" nor UPDATE would make us the
	 * refresher (RFC 4028 9) with nothing to refresh by: nua would send
	 * a re-INVITE without an offer, whose answer we could not give in
	 * the ACK. The timer is the UAS's option: off on such a leg. */
	if (!c->peer_timer && !c->peer_update)
		session_expires = 0;
	if (!session_expires) {
		nua_set_hparams(c->nh, SIPTAG_SUPPORTED_STR("100rel"),
				NUTAG_SESSION_TIMER(0), TAG_END());
		return 0;
	}
	nua_set_hparams(c->nh, SIPTAG_SUPPORTED_STR("100rel, timer"),
			NUTAG_SESSION_TIMER(session_expires),
			NUTAG_MIN_SE(min_se ? min_se : SIP_MIN_SE_RFC),
			NUTAG_UPDATE_REFRESH(c->peer_update), TAG_END());
	return 0;
}

int sip_call_reject_422(struct sip_call *c, unsigned min_se)
{
	char v[16];

	if (!c || !min_se)
		return -EINVAL;
	if (!c->offer_pending || c->reinvite_in || c->state != SIP_CS_INCOMING)
		return -EPROTO;
	snprintf(v, sizeof(v), "%u", min_se);
	nua_respond(c->nh, SIP_422_SESSION_TIMER_TOO_SMALL,
		    SIPTAG_MIN_SE_STR(v), SIPTAG_SERVER_STR(c->ua->product),
		    TAG_END());
	c->offer_pending = false;
	sip_call_note_end(c, SIP_END_REJECT_LOCAL, 422, "Session Interval Too Small");
	c->state = SIP_CS_ENDING;
	return 0;
}

uint64_t sip_ua_refreshes(const struct sip_ua *u)
{
	return u ? u->refreshes : 0;
}

/*
 * sip_update: UPDATE (RFC 3311) with an offer, in an established call,
 * delivered like a re-INVITE's offer (sip_ua_ops.reoffer) and answered
 * through the same sip_call_answer / sip_call_reject. nua answers UPDATE
 * itself unless the application takes the method (NUTAG_APPL_METHOD, set
 * in sip_ua.c); its answer would carry no SDP here (NUTAG_MEDIA_ENABLE(0)),
 * which leaves the offer unanswered. So the request is kept
 * (nua_save_event) and responded to with NUTAG_WITH_SAVED, now or when the
 * application's answer comes. A refresh (no body, or the peer's last SDP
 * again) is answered by sip_refresh.c. RFC 3311 5.2's overlap rules, which
 * nua leaves to its media engine: 491 when our own offer (re-INVITE) is
 * out, 500 with Retry-After when an offer of the peer is still unanswered.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/klog.h"
#include "sip/sip_priv.h"

#define SIP_CT_SDP "application/sdp"

void sip_update_incoming(struct sip_call *c, const char *sdp, size_t len,
			 int st, const char *why)
{
	struct sip_ua *u = c->ua;
	int rc;

	if (c->state != SIP_CS_UP) {
		/* early dialogs' UPDATE (RFC 3311 5.1) is not used here */
		nua_respond(c->nh, 200, "OK", NUTAG_WITH_THIS(u->nua), TAG_END());
		return;
	}
	/* a refresh (no body, or the peer's last SDP again): answered on
	 * this leg with our last SDP (sip_refresh.c), never the application's */
	if (!st && sip_refresh_update(c, sdp, len))
		return;
	if (!st && (c->reinvite_pending || c->pend_sdp)) {
		st = 491;
		why = "Request Pending";
	} else if (!st && c->offer_pending) {
		nua_respond(c->nh, 500, "Overlapping Offer/Answer",
			    NUTAG_WITH_THIS(u->nua), SIPTAG_RETRY_AFTER_STR("2"),
			    SIPTAG_SERVER_STR(u->product), TAG_END());
		return;
	}
	if (!st && (!u->ops.reoffer || u->closing)) {
		st = 488;
		why = "UPDATE not accepted";
	}
	if (st) {
		nua_respond(c->nh, st, why ? why : "Not Acceptable Here",
			    NUTAG_WITH_THIS(u->nua), SIPTAG_SERVER_STR(u->product),
			    TAG_END());
		return;
	}
	if (nua_save_event(u->nua, c->update_ev) != 1) {
		nua_respond(c->nh, 500, "Internal Server Error",
			    NUTAG_WITH_THIS(u->nua), TAG_END());
		return;
	}
	sip_refresh_offer_in(c, sdp);
	c->update_in = true;
	c->offer_pending = true;
	c->reinvite_in = true; /* a refusal leaves the call up */
	rc = u->ops.reoffer(u->arg, c, sdp, len);
	if (rc < 0 && c->offer_pending)
		(void)sip_call_reject(c, 500, "UPDATE failed");
}

int sip_update_respond(struct sip_call *c, int status, const char *phrase,
		       const char *warning, const char *sdp)
{
	nua_respond(c->nh, status, phrase, NUTAG_WITH_SAVED(c->update_ev),
		    SIPTAG_SERVER_STR(c->ua->product),
		    TAG_IF(warning, SIPTAG_WARNING_STR(warning)),
		    TAG_IF(sdp, SIPTAG_CONTENT_TYPE_STR(SIP_CT_SDP)),
		    TAG_IF(sdp, SIPTAG_PAYLOAD_STR(sdp)), TAG_END());
	nua_destroy_event(c->update_ev);
	c->update_in = false;
	c->offer_pending = false;
	c->reinvite_in = false;
	klog(KLOG_DEBUG, "sip: UPDATE answered %d", status);
	return 0;
}

void sip_update_drop(struct sip_call *c)
{
	if (c->update_in)
		nua_destroy_event(c->update_ev);
	c->update_in = false;
}

int sip_call_update(struct sip_call *c, const char *sdp)
{
	if (!c || !sdp)
		return -EINVAL;
	if (strlen(sdp) > SIP_SDP_MAX)
		return -EMSGSIZE;
	if (c->state != SIP_CS_UP || c->reinvite_pending || c->update_out ||
	    c->offer_pending)
		return -EPROTO;
	nua_update(c->nh, SIPTAG_CONTENT_TYPE_STR(SIP_CT_SDP),
		   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	c->update_out = true;
	sip_refresh_offer_out(c, sdp);
	return 0;
}

void sip_update_result(struct sip_call *c, int status, const char *phrase,
		       const char *sdp, size_t len)
{
	struct sip_ua *u = c->ua;

	if (!c->update_out || status < 200)
		return;
	c->update_out = false;
	/* a final response settles our offer (sip_refresh.c's bookkeeping) */
	sip_refresh_answer_in(c, status < 300 ? sdp : NULL);
	if (u->ops.reanswered && !u->closing)
		u->ops.reanswered(u->arg, c, status, phrase, sdp, len);
}

/*
 * sbc_media: the B2BUA as a driver of the media core. What a call's trunks
 * say becomes each side's media policy; the media core's events become SIP:
 * its answers and offers go out on the leg of their side (sip_call_answer,
 * re-INVITE), its refusals and ends become SIP statuses (488, 500, 504,
 * 408, 491), a KTR failure's end a BYE with a Reason header (RFC 3326).
 */
#include <errno.h>
#include <stdio.h>

#include "sbc/sbc_int.h"

struct sip_call *sbc_call_leg(const struct sbc_call *c, enum media_side side)
{
	return (side == MEDIA_SIDE_SDES) == (c->dir == SBC_FROM_SDES) ? c->in : c->out;
}

enum media_side sbc_call_side(const struct sbc_call *c, const struct sip_call *leg)
{
	bool in = leg == c->in;

	return in == (c->dir == SBC_FROM_SDES) ? MEDIA_SIDE_SDES : MEDIA_SIDE_DTLS;
}

int sbc_media_status(enum media_cause cause, int refused_status)
{
	switch (cause) {
	case MEDIA_CAUSE_INTERNAL: return 500;
	case MEDIA_CAUSE_HANDSHAKE_TIMEOUT: return 504;
	case MEDIA_CAUSE_MEDIA_TIMEOUT: return 408;
	case MEDIA_CAUSE_BUSY: return 491;
	case MEDIA_CAUSE_REFUSED: return refused_status >= 300 ? refused_status : 488;
	default: return 488; /* what SDP offer/answer calls Not Acceptable */
	}
}

static void policy_of(const struct trunk *t, struct media_policy *p)
{
	switch (trunk_ktr(t)) {
	case TRUNK_KTR_REQUIRED: p->ktr = MEDIA_KTR_REQUIRED; break;
	case TRUNK_KTR_PREFERRED: p->ktr = MEDIA_KTR_PREFERRED; break;
	default: p->ktr = MEDIA_KTR_OFF; break;
	}
	switch (trunk_ktr_form(t)) {
	case TRUNK_KTR_FORM_CAPNEG_REQUIRED: p->ktr_form = MEDIA_KTR_FORM_CAPNEG_REQUIRED; break;
	case TRUNK_KTR_FORM_CAPNEG_OPTIONAL: p->ktr_form = MEDIA_KTR_FORM_CAPNEG_OPTIONAL; break;
	default: p->ktr_form = MEDIA_KTR_FORM_ATTR; break;
	}
	switch (trunk_profile(t)) {
	case TRUNK_PROFILE_SAVP: p->profile = MEDIA_PROFILE_SAVP; break;
	case TRUNK_PROFILE_SAVPF: p->profile = MEDIA_PROFILE_SAVPF; break;
	default: p->profile = MEDIA_PROFILE_MIRROR; break;
	}
	p->name = trunk_name(t); /* the call holds its trunk set */
	p->latch = trunk_latch(t);
	p->bundle = trunk_bundle(t);
	switch (trunk_family(t)) {
	case TRUNK_FAMILY_IPV4: p->family = MEDIA_FAMILY_IPV4; break;
	case TRUNK_FAMILY_IPV6: p->family = MEDIA_FAMILY_IPV6; break;
	default: p->family = MEDIA_FAMILY_SAME; break;
	}
	p->rekey_interval_s = trunk_rekey_interval_s(t);
	p->ice_lite = trunk_ice(t) == TRUNK_ICE_LITE;
	p->ice_consent_off = trunk_ice_consent(t) == TRUNK_ICE_CONSENT_OFF;
}

void sbc_media_policies(const struct sbc_call *c, struct media_policy pol[2])
{
	bool sdes_in = c->dir == SBC_FROM_SDES;

	policy_of(sdes_in ? c->in_trunk : c->out_trunk, &pol[MEDIA_SIDE_SDES]);
	policy_of(sdes_in ? c->out_trunk : c->in_trunk, &pol[MEDIA_SIDE_DTLS]);
}

/* --- the media core's events ------------------------------------------------ */

static int on_answer(void *arg, enum media_side side, const char *sdp)
{
	struct sip_call *leg = sbc_call_leg(arg, side);
	int early;

	if (!leg)
		return -ENOTCONN;
	/* early media: the caller's answer in a 183 (sbc_early.c) */
	early = sbc_early_answer(arg, leg, sdp);
	return early <= 0 ? early : sip_call_answer(leg, sdp);
}

static int on_offer(void *arg, enum media_side side, const char *sdp)
{
	struct sip_call *leg = sbc_call_leg(arg, side);

	return leg ? sip_call_reinvite(leg, sdp) : -ENOTCONN;
}

static void on_refuse(void *arg, enum media_side side, enum media_cause cause,
		      const char *text)
{
	struct sbc_call *c = arg;
	struct sip_call *leg = sbc_call_leg(c, side);

	if (leg)
		sip_call_reject(leg, sbc_media_status(cause, c->reanswer_status), text);
}

static void on_up(void *arg)
{
	struct sbc_call *c = arg;

	/* with early media, up once the 200 came too */
	if (sbc_early_up(c))
		c->state = SBC_ST_UP;
}

static void on_ended(void *arg, enum media_cause cause, bool with_reason,
		     const char *text)
{
	struct sbc_call *c = arg;
	int status = sbc_media_status(cause, 0);

	if (with_reason)
		c->bye_cause = status;
	sbc_call_end(c, status, text);
}

static bool on_keys_may_come(void *arg, enum media_side side)
{
	struct sbc_call *c = arg;

	(void)side; /* the SDES answer: always on the out leg */
	return sbc_answer_path_ok(c->sbc, c->out_trunk, c->out, c->id);
}

const struct media_handler sbc_media_handler = {
	.answer = on_answer,
	.offer = on_offer,
	.refuse = on_refuse,
	.up = on_up,
	.ended = on_ended,
	.keys_may_come = on_keys_may_come,
};

/* --- re-INVITEs -------------------------------------------------------------- */

/* A re-INVITE from either UA: the media core answers it, passes it on to
 * the other UA (hold, resume) or refuses it (491, 488, 500). */
int sbc_call_reoffer(struct sbc_call *c, struct sip_call *leg, const char *sdp,
		     size_t len)
{
	media_session_reoffer(c->media, sbc_call_side(c, leg), sdp, len);
	return 0;
}

/* The answer to a re-INVITE of ours (a key of the DTLS UA for the SDES UA,
 * a hold or resume passed on). */
void sbc_call_reanswered(struct sbc_call *c, struct sip_call *leg, int status,
			 const char *sdp, size_t len)
{
	char what[16];

	if (status == 491 && sbc_glare_491(c, leg))
		return; /* retried later (RFC 3261 14.1) or given up */
	sbc_glare_done(c, leg);
	snprintf(what, sizeof(what), "%d", status);
	c->reanswer_status = status;
	media_session_reanswer(c->media, sbc_call_side(c, leg),
			       status >= 200 && status < 300, what, sdp, len);
}

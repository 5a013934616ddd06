/*
 * sbc_glare: a re-INVITE of ours that met the peer's (491 Request Pending,
 * RFC 3261 14.1) is sent again after a random wait: 2.1..4 s when this
 * leg owns the dialog's Call-ID (ktrsbc sent its initial INVITE), 0..2 s
 * when the peer does, in 10 ms steps; the retry carries the offer the
 * media core would make then (media_session_offer_again). Up to
 * SBC_GLARE_RETRIES retries per offer; then the log says so, the counter
 * glare_gave_up counts it, and the media core hears the 491 as the
 * refusal of its offer and does what its policy says. The 491 to a
 * re-INVITE of the peer that crosses one of ours is the SIP stack's own
 * (sip.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "sbc/sbc_int.h"

/* Retries of one offer after 491s before giving up. */
#define SBC_GLARE_RETRIES 3u
/* RFC 3261 14.1 windows, in its 10 ms units. */
#define GLARE_OWNER_MIN 210u
#define GLARE_OWNER_MAX 400u
#define GLARE_OTHER_MAX 200u
#define GLARE_UNIT_MS 10u

/* One leg's retry state (by media side). */
struct sbc_glare_leg {
	struct sbc_call *call;
	enum media_side side;
	struct sip_timer *timer;
	unsigned tries; /* 491s met by the offer being retried */
	bool armed;
};

struct sbc_glare {
	struct sbc_glare_leg leg[2];
};

/* RFC 3261 14.1: the wait before the retry, ms. */
unsigned sbc_glare_delay_ms(bool owner)
{
	uint16_t r = 0;
	unsigned lo = owner ? GLARE_OWNER_MIN : 0;
	unsigned hi = owner ? GLARE_OWNER_MAX : GLARE_OTHER_MAX;

	if (sec_random(&r, sizeof(r)))
		r = (uint16_t)rand(); /* a wait needs no secrecy */
	return (lo + r % (hi - lo + 1)) * GLARE_UNIT_MS;
}

static void glare_give_up(struct sbc_glare_leg *g, const char *why)
{
	struct sbc_call *c = g->call;

	c->sbc->glare_gave_up++;
	klog(KLOG_WARN, "sbc: call %llu: re-INVITE to the %s UA given up after %u x 491 (RFC 3261 14.1): %s",
	     (unsigned long long)c->id, g->side == MEDIA_SIDE_SDES ? "SDES" : "DTLS",
	     g->tries, why);
	g->tries = 0;
	c->reanswer_status = 491;
	/* May end the call (and free g) by the media core's policy. */
	media_session_reanswer(c->media, g->side, false, "491", NULL, 0);
}

static void glare_arm(struct sbc_glare_leg *g)
{
	struct sbc_call *c = g->call;
	struct sip_call *leg = sbc_call_leg(c, g->side);
	bool owner = leg && !sip_call_info_get(leg)->incoming;
	unsigned ms = sbc_glare_delay_ms(owner);

	if (sip_timer_start(g->timer, ms)) {
		glare_give_up(g, "cannot arm the retry timer");
		return;
	}
	g->armed = true;
	c->sbc->glare_retries++;
	klog(KLOG_INFO, "sbc: call %llu: 491 to our re-INVITE to the %s UA (%u); retry in %u ms (%s the Call-ID, RFC 3261 14.1)",
	     (unsigned long long)c->id, g->side == MEDIA_SIDE_SDES ? "SDES" : "DTLS",
	     g->tries, ms, owner ? "we own" : "the peer owns");
}

static void glare_fire(void *arg)
{
	struct sbc_glare_leg *g = arg;
	struct sbc_call *c = g->call;
	struct sip_call *leg = sbc_call_leg(c, g->side);
	const char *sdp = NULL;
	int err;

	g->armed = false;
	if (!leg || c->state == SBC_ST_ENDING)
		return;
	err = media_session_offer_again(c->media, g->side, &sdp);
	if (!err)
		err = sip_call_reinvite(leg, sdp);
	if (err == -EPROTO && g->tries <= SBC_GLARE_RETRIES) {
		/* the peer's own offer is being answered on that leg */
		g->tries++;
		glare_arm(g);
		return;
	}
	if (err)
		glare_give_up(g, err_str(err));
}

static struct sbc_glare_leg *glare_leg(struct sbc_call *c, struct sip_call *leg)
{
	enum media_side side = sbc_call_side(c, leg);
	struct sbc_glare_leg *g;

	if (!c->glare) {
		c->glare = calloc(1, sizeof(*c->glare));
		if (!c->glare)
			return NULL;
	}
	g = &c->glare->leg[side];
	if (!g->timer) {
		g->call = c;
		g->side = side;
		if (sip_timer_alloc(&g->timer, c->sbc->loop, glare_fire, g))
			return NULL;
	}
	return g;
}

bool sbc_glare_491(struct sbc_call *c, struct sip_call *leg)
{
	struct sbc_glare_leg *g = glare_leg(c, leg);

	if (!g) {
		klog(KLOG_WARN, "sbc: call %llu: 491 to our re-INVITE not retried: out of memory",
		     (unsigned long long)c->id);
		c->sbc->glare_gave_up++;
		return false;
	}
	if (++g->tries > SBC_GLARE_RETRIES) {
		glare_give_up(g, "the peer keeps refusing");
		return true;
	}
	glare_arm(g);
	return true;
}

void sbc_glare_done(struct sbc_call *c, struct sip_call *leg)
{
	if (c->glare)
		c->glare->leg[sbc_call_side(c, leg)].tries = 0;
}

void sbc_glare_free(struct sbc_call *c)
{
	if (!c->glare)
		return;
	for (int i = 0; i < 2; i++)
		sip_timer_free(c->glare->leg[i].timer);
	free(c->glare);
	c->glare = NULL;
}

/*
 * ua_early: ktrua's early media (RFC 3261 13.2.1, RFC 3262, RFC 3960).
 *
 * Callee with ua_cfg.early_media_ms: the answer goes out at once in a 183
 * (reliably when the caller allows 100rel: the stack then retransmits it
 * until PRACKed and holds the 200 back until then, RFC 3262 3), the media
 * starts with it (keys, DTLS and KTR as for an answered call), and the
 * 200 with the same answer follows early_media_ms later.
 *
 * Caller: a 183 with SDP is the answer, used as a 200's would be; the
 * 200 then changes nothing (a reliable 183's answer completes the
 * exchange, RFC 3262 5; an unreliable one's must be the 200's, RFC 3261
 * 13.2.1). What arrived before the 200 is counted: the packets received
 * and authenticated on every stream until then (the JSON's "early"), so
 * that a test can tell media reached the caller before the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clk.h"
#include "base/err.h"
#include "base/sec.h"
#include "ua/ua_int.h"

/* RTP received and authenticated so far, over the call's streams. */
static uint64_t rtp_recv(const struct ua_call *c)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < c->n_st; i++)
		if (c->st[i].active && c->st[i].ep)
			n += ep_stats(c->st[i].ep)->rtp_recv;
	return n;
}

int ua_early_incoming(struct ua_call *c, char *answer)
{
	struct ua *u = c->ua;
	int err;

	if (!u->cfg.early_media_ms)
		return 1;
	err = sip_call_progress(c->sc, 183, answer);
	if (err) {
		ua_call_fail(c, "sending the early answer (183): %s", err_str(err));
		sec_wipe(answer, strlen(answer));
		free(answer);
		return err;
	}
	c->early = true;
	c->t_early = clk_now_ms();
	c->pending_answer = answer; /* the 200, with the same answer */
	c->t_answer_due = c->t_early + u->cfg.early_media_ms;
	if (ua_call_media_start(c)) {
		c->early_failed = true;
		return -EPROTO;
	}
	return 0;
}

void ua_early_ringing(struct ua_call *c, int status, const char *sdp, size_t len)
{
	if (!sdp || c->early || c->res.established)
		return;
	c->early = true;
	c->t_early = clk_now_ms();
	if (ua_sdp_use_answer(c, sdp, len) || ua_call_media_start(c))
		c->early_failed = true;
}

bool ua_early_answered(struct ua_call *c)
{
	if (!c->early)
		return false;
	c->early_rx_at_200 = rtp_recv(c);
	c->t_early_200 = clk_now_ms();
	return true;
}

void ua_early_json(const struct ua_call *c, FILE *f)
{
	if (!c->early)
		return;
	fprintf(f,
		",\"early\":{\"ms_before_200\":%llu,\"rtp_recv_before_200\":%llu,"
		"\"failed\":%s}",
		(unsigned long long)(c->t_early_200 > c->t_early ?
				     c->t_early_200 - c->t_early : 0),
		(unsigned long long)c->early_rx_at_200,
		c->early_failed ? "true" : "false");
}

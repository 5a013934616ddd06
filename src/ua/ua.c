/* ua: calls of the reference endpoint ktrua (see ua.h); the media of each
 * stream is in ua_media.c, the SDP in ua_sdp.c. */
#include "ua/ua_int.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clk.h"
#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"

#define UA_TICK_MS 5

void ua_call_fail(struct ua_call *c, const char *fmt, ...)
{
	va_list ap;

	if (c->res.error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->res.error, sizeof(c->res.error), fmt, ap);
	va_end(ap);
	klog(KLOG_WARN, "ua: call %u: %s", c->res.call, c->res.error);
}

/* --- calls ----------------------------------------------------------------- */

/* A call of no m-lines yet: ua_sdp.c adds them (ua_call_stream_add). */
static int ua_call_new(struct ua *u, bool caller, struct ua_call **cp)
{
	struct ua_call *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->ua = u;
	c->res.call = ++u->started;
	c->res.caller = caller;
	c->t_start = clk_now_ms();
	if (sec_random(&c->sess_id, sizeof(c->sess_id))) {
		free(c);
		return -EIO;
	}
	c->sess_id &= 0x7fffffffffffULL;
	c->sess_ver = 1;
	c->next = u->calls;
	u->calls = c;
	*cp = c;
	return 0;
}

/* The stream is ok: keyed, no failure, media both ways authenticated. */
static bool stream_ok(const struct ua_stream *s)
{
	const struct ep_stats *st;

	if (!s->ep)
		return false;
	st = ep_stats(s->ep);
	return !ep_failed(s->ep) &&
	       (st->rtp_sent > 0 || s->call->ua->cfg.no_media_tx) && st->rtp_recv > 0 &&
	       st->auth_fail == 0 && st->ktr_bad_input == 0 &&
	       st->ktr_peer_failures == 0 && st->ktr_gave_up == 0;
}

/* Every stream not declined was set up and carried media both ways. */
static bool call_ok(struct ua_call *c)
{
	if (!c->res.established || c->res.error[0] || !ua_call_first(c))
		return false;
	for (unsigned i = 0; i < c->n_st; i++)
		if (c->st[i].active && !stream_ok(&c->st[i]))
			return false;
	return true;
}

/* A JSON string's body: quotes and backslashes escaped, controls blank. */
static void json_str(FILE *f, const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
	}
}

/* One JSON line: "media" is the first stream's (the audio one in the
 * calls ktrua places), "streams" every m-line's. */
static void call_report(struct ua_call *c)
{
	struct ua *u = c->ua;
	struct ua_stream *first = ua_call_first(c);
	char media[2048] = "null";

	if (first && first->ep && ep_stats_json(first->ep, media, sizeof(media)) < 0)
		snprintf(media, sizeof(media), "null");
	if (u->json) {
		fprintf(u->json,
			"{\"call\":%u,\"role\":\"%s\",\"mode\":\"%s\",\"sip_status\":%d,"
			"\"result\":\"%s\",\"error\":\"",
			c->res.call, c->res.caller ? "caller" : "callee",
			u->cfg.mode == UA_SDES ? "sdes" :
			first && first->ktr ? "dtls-ktr" : "dtls",
			c->res.sip_status, c->res.ok ? "ok" : "failed");
		json_str(u->json, c->res.error);
		fprintf(u->json, "\",\"bye\":\"");
		json_str(u->json, c->res.bye);
		fprintf(u->json, "\",\"media\":%s,\"streams\":", media);
		ua_call_streams_json(c, u->json);
		ua_early_json(c, u->json);
		fprintf(u->json, ",\"move\":");
		ua_move_json(c, u->json);
		fprintf(u->json, "}\n");
		fflush(u->json);
	}
}

static void call_free(struct ua_call *c)
{
	struct ua *u = c->ua;
	struct ua_call **pp;

	for (pp = &u->calls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	ua_move_close(c);
	for (unsigned i = 0; i < c->n_st; i++)
		ua_stream_close(&c->st[i]);
	free(c->pending_answer);
	sec_wipe(c, sizeof(*c));
	free(c);
}

/* The first failure of a stream, named with the stream. */
static void stream_end(struct ua_call *c, struct ua_stream *s)
{
	const struct ep_stats *st;
	char lbl[48];

	if (!s->ep)
		return;
	ua_stream_label(s, lbl, sizeof(lbl));
	/* Packets that arrived before the BYE are still in the socket. */
	ep_read(s->ep, clk_now_ms());
	if (s->rtcp_fd_id >= 0)
		ep_read_rtcp(s->ep, clk_now_ms());
	if (ep_failed(s->ep))
		ua_call_fail(c, "%s%s", lbl, ep_error(s->ep));
	if (c->res.error[0])
		return;
	st = ep_stats(s->ep);
	if (st->ktr_bad_input)
		ua_call_fail(c, "%sKTR: %llu message(s) from the peer refused as malformed",
			     lbl, (unsigned long long)st->ktr_bad_input);
	else if (st->ktr_peer_failures)
		ua_call_fail(c, "%sKTR: the peer refused our message (new_srtp_key_failure)",
			     lbl);
	else if (st->ktr_gave_up)
		ua_call_fail(c, "%sKTR: a message was never acknowledged", lbl);
	else if (st->auth_fail)
		ua_call_fail(c, "%sSRTP: %llu packet(s) failed authentication", lbl,
			     (unsigned long long)st->auth_fail);
	else if (c->res.established && !st->rtp_recv)
		ua_call_fail(c, "%sno media received from the peer", lbl);
}

/* The call is over: record, report, free. */
static void call_end(struct ua_call *c)
{
	struct ua *u = c->ua;

	for (unsigned i = 0; i < c->n_st; i++)
		stream_end(c, &c->st[i]);
	c->res.ok = call_ok(c);
	u->ended++;
	if (c->res.ok)
		u->ok++;
	if (u->n_results < UA_RESULTS_MAX)
		u->results[u->n_results++] = c->res;
	call_report(c);
	call_free(c);
}

static void call_hangup(struct ua_call *c)
{
	if (c->hangup_sent || !c->sc)
		return;
	c->hangup_sent = true;
	sip_call_hangup(c->sc);
}

/* --- SIP callbacks ---------------------------------------------------------- */

static int on_incoming(void *arg, struct sip_call *sc, const char *sdp,
		       size_t len)
{
	struct ua *u = arg;
	struct ua_call *c;
	int status, err;
	char *answer = NULL;

	if (u->cfg.max_calls && u->started >= u->cfg.max_calls) {
		sip_call_reject(sc, 486, "ktrua: call limit reached");
		return 0;
	}
	if ((err = ua_call_new(u, false, &c))) {
		sip_call_reject(sc, 503, "ktrua: out of memory");
		return 0;
	}
	c->sc = sc;
	sip_call_set_data(sc, c);
	status = ua_sdp_answer(c, sdp, len, &answer);
	if (status != 200) {
		/* The reason goes back in the response (Warning), and the call
		 * ends through ended(). */
		sip_call_reject(sc, status, c->res.error);
		return 0;
	}
	if ((err = ua_early_incoming(c, answer)) <= 0) {
		if (err)
			sip_call_reject(sc, 500, c->res.error);
		return 0;
	}
	if (u->cfg.answer_delay_ms) {
		c->pending_answer = answer;
		c->t_answer_due = clk_now_ms() + u->cfg.answer_delay_ms;
		sip_call_progress(sc, 180, NULL);
		return 0;
	}
	err = sip_call_answer(sc, answer);
	free(answer);
	if (err) {
		ua_call_fail(c, "sending the answer: %s", err_str(err));
		sip_call_reject(sc, 500, c->res.error);
		return 0;
	}
	c->res.sip_status = 200;
	c->res.established = ua_call_media_start(c) == 0;
	c->t_established = clk_now_ms();
	return 0;
}

static void on_answered(void *arg, struct sip_call *sc, const char *sdp,
			size_t len)
{
	struct ua_call *c = sip_call_get_data(sc);

	if (!c)
		return;
	c->res.sip_status = 200;
	/* early media: the 183's answer stands (ua_early.c) */
	if (ua_early_answered(c)) {
		c->res.established = !c->early_failed;
		c->t_established = clk_now_ms();
		if (c->early_failed)
			call_hangup(c);
		return;
	}
	if (ua_sdp_use_answer(c, sdp, len) || ua_call_media_start(c)) {
		call_hangup(c);
		return;
	}
	c->res.established = true;
	c->t_established = clk_now_ms();
}

static void on_ringing(void *arg, struct sip_call *sc, int status,
		       const char *sdp, size_t len)
{
	struct ua_call *c = sip_call_get_data(sc);

	if (c)
		ua_early_ringing(c, status, sdp, len);
}

static int on_reoffer(void *arg, struct sip_call *sc, const char *sdp,
		      size_t len)
{
	struct ua_call *c = sip_call_get_data(sc);
	char *answer = NULL;
	int status;

	if (!c || !ua_call_first(c) || !ua_call_first(c)->ep)
		return -EPROTO;
	ua_move_reoffered(c, sdp, len);
	status = ua_sdp_reanswer(c, sdp, len, &answer);
	if (status == 200 && !(answer = ua_move_answer_fix(c, sdp, len, answer)))
		status = 500;
	if (status != 200) {
		sip_call_reject(sc, status, c->res.error);
		c->res.error[0] = 0; /* a refused re-offer does not fail the call */
		return 0;
	}
	sip_call_answer(sc, answer);
	sec_wipe(answer, strlen(answer));
	free(answer);
	ua_move_media_new(c);
	return 0;
}

static void on_reanswered(void *arg, struct sip_call *sc, int status,
			  const char *reason, const char *sdp, size_t len)
{
	struct ua_call *c = sip_call_get_data(sc);

	if (!c || ua_move_reanswered(c, status, sdp, len))
		return;
	if (status < 200 || status >= 300 || !sdp) {
		ua_call_fail(c, "re-INVITE refused: %d %s", status,
			     reason ? reason : "");
		return;
	}
	ua_sdp_use_reanswer(c, sdp, len);
}

static void on_ended(void *arg, struct sip_call *sc, enum sip_end_cause cause,
		     int status, const char *reason)
{
	struct ua_call *c = sip_call_get_data(sc);

	if (!c)
		return;
	c->sc = NULL;
	switch (cause) {
	case SIP_END_REJECT_REMOTE:
		c->res.sip_status = status;
		ua_call_fail(c, "call refused: %d %s", status, reason ? reason : "");
		break;
	case SIP_END_REJECT_LOCAL:
		c->res.sip_status = status;
		ua_call_fail(c, "we refused the call: %d", status);
		break;
	case SIP_END_CANCEL_REMOTE:
		ua_call_fail(c, "caller cancelled");
		break;
	case SIP_END_CANCEL_LOCAL:
		c->res.sip_status = 487;
		ua_call_fail(c, "we cancelled the call");
		break;
	case SIP_END_ERROR:
		ua_call_fail(c, "dialog lost: %d %s", status, reason ? reason : "");
		break;
	case SIP_END_BYE_REMOTE:
		snprintf(c->res.bye, sizeof(c->res.bye), "%s", reason ? reason : "BYE");
		break;
	default:
		break;
	}
	call_end(c);
}

/* --- the tick: media, DTLS/KTR timers, call schedule --------------------- */

static void call_tick(struct ua_call *c, uint64_t now)
{
	struct ua *u = c->ua;

	if (c->pending_answer && now >= c->t_answer_due) {
		char *a = c->pending_answer;

		c->pending_answer = NULL;
		if (sip_call_answer(c->sc, a) == 0) {
			c->res.sip_status = 200;
			c->res.established = ua_early_answered(c) ?
					     !c->early_failed :
					     ua_call_media_start(c) == 0;
			c->t_established = now;
		}
		sec_wipe(a, strlen(a));
		free(a);
		return;
	}
	if (c->res.caller && !c->res.established && u->cfg.cancel_after_ms &&
	    !c->hangup_sent && now >= c->t_start + u->cfg.cancel_after_ms) {
		c->hangup_sent = true;
		sip_call_cancel(c->sc);
		return;
	}
	if (!ua_call_first(c) || !ua_call_first(c)->ep)
		return;
	for (unsigned i = 0; i < c->n_st; i++) {
		struct ua_stream *s = &c->st[i];
		char lbl[48];

		if (!s->active || !s->ep)
			continue;
		ep_timer(s->ep, now);
		if (!s->tx_off)
			ep_media_tick(s->ep, now);
		if (ep_failed(s->ep) && !c->hangup_sent) {
			ua_call_fail(c, "%s%s", ua_stream_label(s, lbl, sizeof(lbl)),
				     ep_error(s->ep));
			call_hangup(c);
			return;
		}
		ua_sdp_rekey_tick(s, now);
	}
	/* SDES re-keys by re-INVITE (every stream a new key); a KTR speaker
	 * announces its new key itself (new_srtp_key, unsolicited), on each
	 * stream's own association. Either side of the call. */
	if (u->cfg.rekey_after_ms && !c->rekeyed &&
	    (u->cfg.mode == UA_SDES || ua_call_first(c)->ktr) &&
	    ua_call_media_established(c) &&
	    now >= c->t_established + u->cfg.rekey_after_ms) {
		c->rekeyed = true;
		if (u->cfg.mode == UA_SDES) {
			ua_sdp_reoffer(c);
		} else {
			for (unsigned i = 0; i < c->n_st; i++)
				if (c->st[i].active && c->st[i].ktr)
					ep_announce(c->st[i].ep, NULL, now);
		}
	}
	ua_move_tick(c, now);
	/* (established: early media runs before the 200, ua_early.c) */
	if (c->res.caller && c->res.established && u->cfg.duration_ms && !c->hangup_sent &&
	    now >= c->t_established + u->cfg.duration_ms)
		call_hangup(c);
}

static void on_tick(void *arg)
{
	struct ua *u = arg;
	uint64_t now = clk_now_ms();
	struct ua_call *c, *next;

	for (c = u->calls; c; c = next) {
		next = c->next;
		call_tick(c, now);
	}
	sip_timer_start(u->timer, UA_TICK_MS);
}

/* --- the UA ---------------------------------------------------------------- */

int ua_alloc(struct ua **up, struct sip_loop *loop,
	     const struct sip_ua_cfg *scfg, const struct ua_cfg *cfg,
	     FILE *json_out)
{
	static const struct sip_ua_ops ops = {
		.incoming = on_incoming,
		.ringing = on_ringing,
		.answered = on_answered,
		.reoffer = on_reoffer,
		.reanswered = on_reanswered,
		.ended = on_ended,
	};
	struct ua *u;
	int err;

	if (!up || !loop || !scfg || !cfg || !cfg->media_addr || !cfg->pps ||
	    cfg->port_min == 0 || cfg->port_min > cfg->port_max ||
	    (cfg->mode == UA_DTLS && !cfg->dtls))
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->loop = loop;
	u->cfg = *cfg;
	u->json = json_out;
	err = sip_ua_alloc(&u->sip, loop, scfg, &ops, u);
	if (!err)
		err = sip_timer_alloc(&u->timer, loop, on_tick, u);
	if (!err)
		err = sip_timer_start(u->timer, UA_TICK_MS);
	if (err) {
		ua_free(u);
		return err;
	}
	*up = u;
	return 0;
}

void ua_stop(struct ua *u)
{
	while (u->calls) {
		struct ua_call *c = u->calls;

		ua_call_fail(c, "ktrua stopped");
		if (c->sc) {
			sip_call_set_data(c->sc, NULL);
			sip_call_hangup(c->sc);
		}
		call_end(c);
	}
}

void ua_free(struct ua *u)
{
	if (!u)
		return;
	sip_timer_free(u->timer);
	ua_stop(u);
	sip_ua_free(u->sip);
	free(u);
}

int ua_call(struct ua *u, const char *target)
{
	struct ua_call *c;
	char *offer = NULL;
	int err;

	if ((err = ua_call_new(u, true, &c)))
		return err;
	if ((err = ua_sdp_offer(c, &offer)) == 0) {
		err = sip_call_invite(u->sip, target, offer, NULL, &c->sc);
		sec_wipe(offer, strlen(offer));
		free(offer);
	}
	if (err) {
		ua_call_fail(c, "INVITE to %s: %s", target, err_str(err));
		call_end(c);
		return err;
	}
	sip_call_set_data(c->sc, c);
	return 0;
}

unsigned ua_started(const struct ua *u)
{
	return u->started;
}

unsigned ua_ended(const struct ua *u)
{
	return u->ended;
}

unsigned ua_ok(const struct ua *u)
{
	return u->ok;
}

void ua_summary(const struct ua *u, FILE *f)
{
	fprintf(f, "ktrua: %u call(s) started, %u ended, %u ok\n", u->started,
		u->ended, u->ok);
	for (size_t i = 0; i < u->n_results; i++) {
		const struct ua_result *r = &u->results[i];

		fprintf(f, "  call %u (%s): %s%s%s\n", r->call,
			r->caller ? "caller" : "callee", r->ok ? "ok" : "FAILED",
			r->error[0] ? ": " : "", r->error);
	}
}

/*
 * sbc_early: early media (RFC 3261 13.2.1, RFC 3262, RFC 3960) across the
 * SBC. A 183 with SDP from the called UA is an answer to our offer: the
 * media core takes it as it takes a 200's (media_session_answer: relay
 * peers, the DTLS handshake, KTR), and its answer to the caller goes out
 * in a 183 instead of the 200, so media flows, keyed and byte for byte,
 * before the call is answered. The 200 then only confirms it.
 *
 * One early dialog is relayed. The caller has one early dialog with
 * ktrsbc, and the answer ktrsbc gave it cannot change within it (an answer
 * in a reliable 183 completes the offer/answer exchange, RFC 3262 5; in an
 * unreliable one it must be the 200's exact answer, RFC 3261 13.2.1). So
 * the caller hears the FIRST early dialog (To-tag) that brought SDP, not
 * the latest of RFC 3960's gateway model: switching at every 183 would
 * tear down a DTLS association (and start a handshake and a KTR exchange)
 * per 183, and an earlier fork that answered after all would need its
 * association built again, which a DTLS UA that got our close_notify
 * need not accept. A 183 with SDP from another fork is logged and
 * counted, and its media dropped by the relay's source check (counted
 * there). A 200 from the relayed dialog confirms the early answer: the
 * same o= line (RFC 3264 8: the version changes with the SDP) changes
 * nothing; a different one in the same dialog (which RFC 3261 13.2.1 does
 * not allow) is logged and counted, and ignored after a reliable 183
 * (whose answer completed the exchange, RFC 3262 5) or followed after an
 * unreliable one (the 2xx carries the answer, 13.2.1). A 200
 * from another fork (RFC 3261 13.2.2.4): the relay follows it
 * (media_session_refork: the relayed dialog's relay state, DTLS
 * association and ports included, torn down and built for the answering
 * one), the caller's answer unchanged; logged and counted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/klog.h"
#include "base/sec.h"
#include "ctl/ctl.h"
#include "sbc/sbc_int.h"

/* The o= line of an SDP ("" when none), at most cap - 1 bytes. */
static void origin_of(const char *sdp, size_t len, char *out, size_t cap)
{
	const char *p = sdp, *end = sdp + len;

	out[0] = 0;
	while (p && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((eol ? eol : end) - p);

		if (n >= 2 && p[0] == 'o' && p[1] == '=') {
			while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
				n--;
			snprintf(out, cap, "%.*s", (int)n, p);
			return;
		}
		p = eol ? eol + 1 : NULL;
	}
}

static struct sbc_early_dialog *dialog_find(struct sbc_early *e, const char *tag)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->d[i].tag, tag) == 0)
			return &e->d[i];
	return NULL;
}

/* A new early dialog's record; NULL beyond SBC_EARLY_DIALOGS_MAX (a fork
 * storm: further forks are only counted). */
static struct sbc_early_dialog *dialog_add(struct sbc_call *c, const char *tag)
{
	struct sbc_early *e = c->early;

	if (e->n >= SBC_EARLY_DIALOGS_MAX) {
		c->sbc->early_forks_untracked++;
		klog(KLOG_WARN, "sbc: call %llu: early dialog %s not tracked: %d early dialogs already",
		     (unsigned long long)c->id, tag, SBC_EARLY_DIALOGS_MAX);
		return NULL;
	}
	snprintf(e->d[e->n].tag, sizeof(e->d[e->n].tag), "%s", tag);
	return &e->d[e->n++];
}

static int early_alloc(struct sbc_call *c)
{
	if (c->early)
		return 0;
	c->early = calloc(1, sizeof(*c->early));
	return c->early ? 0 : -ENOMEM;
}

void sbc_early_free(struct sbc_call *c)
{
	struct sbc_early *e = c->early;

	if (!e)
		return;
	if (e->answer) { /* may hold key B (RFC 4568 a=crypto) */
		sec_wipe(e->answer, strlen(e->answer));
		free(e->answer);
	}
	sec_wipe(e, sizeof(*e));
	free(e);
	c->early = NULL;
}

/* The first 183 with SDP: the media core takes it as the answer. */
static void early_start(struct sbc_call *c, struct sbc_early_dialog *d,
			const char *sdp, size_t len, bool reliable)
{
	struct sbc_early *e = c->early;
	enum media_cause mc;

	e->relayed = true;
	e->heard = (size_t)(d - e->d);
	e->reliable = reliable;
	c->sbc->early_calls++;
	klog(KLOG_INFO, "sbc: call %llu: early media: 183 with SDP from early dialog %s (%s): relayed to the caller before the answer",
	     (unsigned long long)c->id, d->tag[0] ? d->tag : "(no tag)",
	     reliable ? "reliable, PRACKed" : "unreliable");
	if (media_session_answer(c->media, sdp, len)) {
		media_session_cause(c->media, &mc);
		sbc_call_end(c, sbc_media_status(mc, 0), NULL);
		return;
	}
	c->state = SBC_ST_HANDSHAKE;
}

void sbc_early_ringing(struct sbc_call *c, int status, const char *sdp, size_t len)
{
	const char *tag = sip_call_response_tag(c->out);
	struct sbc_early_dialog *d;
	struct sbc_early *e;
	char origin[SBC_ORIGIN_MAX];

	if (!sdp) {
		/* Ringing without media: 180 (and a bare 183) across, unless
		 * the caller has its early answer already. */
		if ((status == 180 || status == 183) &&
		    !(c->early && c->early->caller_answered))
			sip_call_progress(c->in, status, NULL);
		return;
	}
	if (early_alloc(c)) {
		klog(KLOG_ERR, "sbc: call %llu: no memory for early media: the 183's SDP is ignored",
		     (unsigned long long)c->id);
		return;
	}
	e = c->early;
	origin_of(sdp, len, origin, sizeof(origin));
	d = dialog_find(e, tag);
	if (!d && !(d = dialog_add(c, tag)))
		return;
	if (!d->sdp) {
		d->sdp = true;
		snprintf(d->origin, sizeof(d->origin), "%s", origin);
		if (!e->relayed) {
			early_start(c, d, sdp, len, sip_call_response_reliable(c->out));
			return;
		}
		c->sbc->early_forks++;
		klog(KLOG_INFO, "sbc: call %llu: early dialog %s (a fork) brought its own SDP: not relayed, the caller hears early dialog %s",
		     (unsigned long long)c->id, d->tag[0] ? d->tag : "(no tag)",
		     e->d[e->heard].tag);
		return;
	}
	if (strcmp(d->origin, origin) != 0) {
		c->sbc->early_changed++;
		klog(KLOG_WARN, "sbc: call %llu: early dialog %s changed its SDP (%s) within the dialog: ignored, its first answer stands (RFC 3262 5, RFC 3261 13.2.1)",
		     (unsigned long long)c->id, d->tag, origin);
	}
}

int sbc_early_answer(struct sbc_call *c, struct sip_call *leg, const char *sdp)
{
	struct sbc_early *e = c->early;
	int err;

	if (!e || !e->relayed || e->done || leg != c->in)
		return 1; /* not ours: the normal answer */
	if (e->final_pending) {
		/* The 200 came before our answer was ready (the SDES caller's
		 * waits for DTLS up): it goes as the 200. */
		e->done = true;
		return sip_call_answer(leg, sdp);
	}
	if (e->caller_answered)
		return 1;
	err = sip_call_progress(leg, 183, sdp);
	if (err)
		return err;
	e->caller_answered = true;
	e->answer = strdup(sdp);
	if (!e->answer) {
		klog(KLOG_ERR, "sbc: call %llu: no memory to keep the early answer",
		     (unsigned long long)c->id);
		return -ENOMEM;
	}
	klog(KLOG_INFO, "sbc: call %llu: early answer to the caller in a 183 (%s)",
	     (unsigned long long)c->id,
	     sip_call_peer_100rel(leg) ? "reliable, RFC 3262" : "unreliable");
	return 0;
}

/* The caller's 200, once the relay has the callee's answer: the early
 * answer again (the SDP layer drops it after a reliable 183). */
static int answer_caller(struct sbc_call *c)
{
	struct sbc_early *e = c->early;

	if (!e->caller_answered) {
		e->final_pending = true; /* the media core's answer: a 200 */
		return 0;
	}
	e->done = true;
	if (c->in && sip_call_answer(c->in, e->answer))
		sbc_call_end(c, 500, "cannot answer the caller");
	return 0;
}

/* The relay follows another answer than the relayed early dialog's 183
 * (media_session_refork); an SDES caller's streams come up again with
 * the new DTLS UA, a DTLS caller's association stays. 0, or -errno when
 * the call was ended. */
static int follow_answer(struct sbc_call *c, const char *sdp, size_t len)
{
	enum media_cause mc;

	if (media_session_refork(c->media, sdp, len)) {
		media_session_cause(c->media, &mc);
		sbc_call_end(c, sbc_media_status(mc, 0), NULL);
		return -ECANCELED;
	}
	if (c->dir == SBC_FROM_SDES) {
		c->early->media_up = false;
		c->state = SBC_ST_HANDSHAKE;
	}
	return 0;
}

/*
 * The 200 of the relayed early dialog with another SDP than its 183's.
 * After a reliable 183 the offer/answer exchange is over (RFC 3262 5,
 * RFC 3264 4: no second answer to one offer): the 200's SDP is not an
 * answer and is ignored. After an unreliable one, the answer is the
 * 2xx's (RFC 3261 13.2.1; the 183 previewed it and should have been the
 * same): the relay follows it as it follows another fork's 200
 * (media_session_refork), the caller's answer unchanged.
 */
static int changed_answer(struct sbc_call *c, const char *sdp, size_t len,
			  const char *origin)
{
	struct sbc_early *e = c->early;
	struct sbc_early_dialog *h = &e->d[e->heard];

	c->sbc->early_changed++;
	if (e->reliable) {
		klog(KLOG_WARN, "sbc: call %llu: the 200's SDP (%s) is not the answer of early dialog %s's reliable 183 (%s): ignored, that answer stands (RFC 3262 5)",
		     (unsigned long long)c->id, origin, h->tag, h->origin);
	} else {
		klog(KLOG_WARN, "sbc: call %llu: the 200's SDP (%s) is not the one of early dialog %s's unreliable 183 (%s): the 200's is the answer (RFC 3261 13.2.1), the relay follows it",
		     (unsigned long long)c->id, origin, h->tag, h->origin);
		if (follow_answer(c, sdp, len))
			return 0;
		snprintf(h->origin, sizeof(h->origin), "%s", origin);
	}
	if (e->media_up)
		c->state = SBC_ST_UP;
	return answer_caller(c);
}

int sbc_early_answered(struct sbc_call *c, const char *sdp, size_t len)
{
	struct sbc_early *e = c->early;
	const char *tag = sip_call_response_tag(c->out);
	struct sbc_early_dialog *h;
	char origin[SBC_ORIGIN_MAX];

	if (!e || !e->relayed)
		return 1; /* no early media: the normal answer */
	h = &e->d[e->heard];
	if (strcmp(h->tag, tag) != 0) {
		/* RFC 3261 13.2.2.4: a 2xx from another fork. The relay follows
		 * it; the heard dialog's relay state goes (media_early.c). */
		c->sbc->early_fork_answers++;
		if (!sdp) {
			klog(KLOG_WARN, "sbc: call %llu: the 200 of early dialog %s (a fork) has no SDP: nothing to relay",
			     (unsigned long long)c->id, tag[0] ? tag : "(no tag)");
			sbc_call_end(c, 488, "the answering early dialog sent no SDP");
			return 0;
		}
		klog(KLOG_INFO, "sbc: call %llu: answered by early dialog %s (a fork), not %s whose early media was relayed: %s's relay state torn down (%s), the relay follows %s",
		     (unsigned long long)c->id, tag[0] ? tag : "(no tag)", h->tag, h->tag,
		     c->dir == SBC_FROM_SDES ?
			     "its DTLS association closed, keys wiped, ports rebound" :
			     "its address and key A; the DTLS caller gets the new key A by new_srtp_key",
		     tag[0] ? tag : "(no tag)");
		if (follow_answer(c, sdp, len))
			return 0;
		h = dialog_find(e, tag);
		if (!h)
			h = dialog_add(c, tag);
		if (h) {
			e->heard = (size_t)(h - e->d);
			origin_of(sdp, len, h->origin, sizeof(h->origin));
			h->sdp = true;
		}
	} else {
		if (sdp)
			origin_of(sdp, len, origin, sizeof(origin));
		if (sdp && strcmp(origin, h->origin) != 0)
			return changed_answer(c, sdp, len, origin);
		klog(KLOG_INFO, "sbc: call %llu: answered by early dialog %s: its early relay goes on",
		     (unsigned long long)c->id, h->tag);
	}
	if (e->media_up)
		c->state = SBC_ST_UP;
	return answer_caller(c);
}

bool sbc_early_up(struct sbc_call *c)
{
	if (!c->early || !c->early->relayed)
		return true;
	c->early->media_up = true;
	if (c->out && sip_call_is_established(c->out))
		return true;
	c->state = SBC_ST_EARLY; /* ktrsbc-ctl calls: "early" */
	return false;
}

void sbc_early_stats_json(const struct sbc *s, struct ctl_reply *r)
{
	ctl_reply_printf(r,
			 "\"early\":{\"calls\":%" PRIu64 ",\"forks_not_relayed\":%" PRIu64
			 ",\"sdp_changed\":%" PRIu64 ",\"fork_answers\":%" PRIu64
			 ",\"forks_untracked\":%" PRIu64 "}",
			 s->early_calls, s->early_forks, s->early_changed,
			 s->early_fork_answers, s->early_forks_untracked);
}

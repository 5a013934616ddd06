/*
 * relay ICE-lite: STUN answering on a DTLS-side leg (relay.h,
 * relay_leg_ice_set; RFC 8445 2.5 and 6.1.1, RFC 7675).
 *
 * Runs in the worker that owns the leg, on the slow path beside DTLS: the
 * forwarding path hands a STUN-class datagram (RFC 7983 7: first byte
 * 0..3) here before its source check, since checks come from candidate
 * addresses no SDP named for sure. Nothing here touches RTP/RTCP; the
 * HMAC of each check is OpenSSL's (stun_ice_input), the response is built
 * on the stack and sent back to the check's source from the leg's socket
 * it arrived on (a leg may have one per family, relay_leg_alt_open).
 *
 * The peer's address is the nominated one (stun_ice_nominated): a valid
 * check with USE-CANDIDATE makes its source the leg's peer (latched: no
 * other source can take it), and its family picks the socket media and
 * DTLS leave from (relay_leg_send_from); consent (RFC 7675 5.1) is checked by the
 * worker's media-timeout scan: when it expires, media and DTLS toward the
 * peer stop (what it sends is still taken), and a later valid request
 * from the nominated address (or a nomination) restores them. With
 * consent_off (the trunk's ice_consent = off, for a peer that sends no
 * RFC 7675 checks) an expiry is logged and counted and nothing stops.
 */
#include "relay/relay_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"

/* "addr:port" / "[addr]:port" for logs. */
static const char *sa_str(const struct sockaddr_storage *ss, char *buf,
			  size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, cap, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, cap, "%s:%u", a, ntohs(s4->sin_port));
	}
	return buf;
}

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

int relay_ice_exec(struct relay_worker *w, struct relay_leg *l,
		   const struct relay_ice_cfg *cfg)
{
	bool fresh = !l->ice;
	int err;

	if (!cfg) {
		if (l->ice)
			klog(KLOG_INFO, "relay: call %llu leg %u: ICE off (the peer's SDP has no ICE)",
			     (unsigned long long)l->call->id, l->idx);
		relay_ice_free(l);
		return 0;
	}
	if (fresh && (err = stun_ice_alloc(&l->ice)))
		return err;
	err = stun_ice_set_creds(l->ice, cfg->local_ufrag, cfg->local_pwd,
				 cfg->remote_ufrag);
	if (err) {
		if (fresh)
			relay_ice_free(l);
		return err;
	}
	stun_ice_set_consent_timeout(l->ice, cfg->consent_ms);
	l->ice_st.consent_off = cfg->consent_off;
	if (!cfg->consent_off) /* enforced from the next scan on */
		l->ice_st.consent_overdue = false;
	if (!fresh && strcmp(l->ice_ufrag, cfg->local_ufrag)) {
		l->ice_st.restarts++;
		klog(KLOG_INFO, "relay: call %llu leg %u: ICE restart: new credentials (RFC 8445 9)",
		     (unsigned long long)l->call->id, l->idx);
	}
	snprintf(l->ice_ufrag, sizeof(l->ice_ufrag), "%s", cfg->local_ufrag);
	if (fresh) {
		/* The peer is whoever nominates (relay.h): forget the SDP's
		 * address and never latch. */
		l->fwd.flags &= (uint8_t)~(RELAY_F_ALLOW_LATCH | RELAY_F_LATCHED);
		relay_leg_peer_clear(l);
		l->ice_st.on = true;
	}
	(void)w;
	return 0;
}

int relay_leg_ice_set(struct relay_call *c, unsigned leg,
		      const struct relay_ice_cfg *cfg)
{
	struct relay_cmd cmd;
	int err;

	if (!c || leg > 1 ||
	    (cfg && (!cfg->local_ufrag || !cfg->local_pwd)))
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_ICE;
	cmd.call = c;
	cmd.leg = leg;
	cmd.ice = cfg;
	cmd.fd = -1;
	err = relay_cmd_run(c->w, &cmd);
	return err;
}

/* The nominated address becomes (again) the leg's peer. */
static void learn(struct relay_worker *w, struct relay_leg *l,
		  const struct sockaddr_storage *nom, bool regained)
{
	struct relay_call *c = l->call;
	char a[INET6_ADDRSTRLEN + 10];

	/* The kernel's map is keyed by the old peer: take the call back
	 * first, offload it again once it qualifies (relay_offload.c). */
	relay_off_takeback(c, "ICE moved the peer");
	c->off_refused = false; /* a new peer: worth another try */
	/* The nominated pair's family decides the socket media, DTLS and
	 * KTR leave from (a leg with one socket per family). */
	relay_leg_send_from(l, nom->ss_family);
	relay_leg_peer_apply(l, (const struct sockaddr *)nom, sa_len(nom), true);
	l->ice_st.consent_lost = l->ice_st.consent_overdue = false;
	l->ice_st.nominated = true;
	if (!regained)
		l->ice_st.nominations++;
	klog(KLOG_INFO, "relay: call %llu leg %u: ICE %s %s: media and DTLS go there",
	     (unsigned long long)c->id, l->idx,
	     regained ? "consent regained from" : "nominated", sa_str(nom, a, sizeof(a)));
	if (l->dtls_deferred)
		relay_dtls_deferred_start(w, l);
	relay_off_update(c);
}

void relay_ice_input(struct relay_worker *w, struct relay_leg *l, int fd,
		     const uint8_t *pkt, size_t len,
		     const struct sockaddr_storage *src, socklen_t slen)
{
	uint8_t out[STUN_MSG_MAX];
	struct stun_ice_result res;
	struct sockaddr_storage nom;
	int err;

	memset(&res, 0, sizeof(res));
	err = stun_ice_input(l->ice, pkt, len, (const struct sockaddr *)src,
			     slen, w->now_ms, out, sizeof(out), &res);
	if (err) {
		/* No verdict to act on: -EIO from the HMAC leaves res zeroed,
		 * which reads as STUN_ICE_VALID although MESSAGE-INTEGRITY was
		 * never verified (stun.h); a response that could not be
		 * written is not sent either. Counted, never trusted. */
		l->ice_st.resp_errs++;
		klog(KLOG_DEBUG, "relay: call %llu leg %u: STUN check not handled: %s",
		     (unsigned long long)l->call->id, l->idx, err_str(err));
		return;
	}
	if (res.resp_len &&
	    sendto(fd, out, res.resp_len, MSG_DONTWAIT,
		   (const struct sockaddr *)src, slen) < 0)
		l->ice_st.resp_errs++;
	if (res.verdict != STUN_ICE_VALID && res.verdict != STUN_ICE_NOMINATED) {
		char a[INET6_ADDRSTRLEN + 10];

		/* Counted by verdict (relay_ice_stats); a peer's input, so
		 * at debug level (a flood must not flood the log). */
		klog(KLOG_DEBUG, "relay: call %llu leg %u: STUN from %s %s: %s",
		     (unsigned long long)l->call->id, l->idx, sa_str(src, a, sizeof(a)),
		     res.resp_len ? "answered with an error" : "dropped",
		     stun_ice_verdict_name(res.verdict));
		return;
	}
	if (stun_ice_nominated(l->ice, &nom) ||
	    stun_ice_consent_expired(l->ice, w->now_ms))
		return;
	l->ice_st.consent_overdue = false; /* a valid request: consent again */
	if (!(l->fwd.flags & RELAY_F_PEER) || !relay_leg_is_peer(l, &nom))
		learn(w, l, &nom, false);
	else if (l->ice_st.consent_lost)
		learn(w, l, &nom, true);
}

/* RFC 7675 5.1: stop sending toward the peer (media from the other leg,
 * and DTLS: relay_dtls.c checks consent_lost); what the peer sends is
 * still taken. Its STUN checks are still answered: one restores it. */
static void consent_stop(struct relay_leg *l)
{
	struct relay_leg *legs[RELAY_BUNDLE_MEMBERS_MAX];
	unsigned n = relay_bundle_legs(l, legs, RELAY_BUNDLE_MEMBERS_MAX);

	l->ice_st.consent_lost = true;
	/* a bundle's streams all go to that peer (relay.h, BUNDLE) */
	for (unsigned i = 0; i < n; i++) {
		struct relay_leg *o = &legs[i]->call->leg[1 - legs[i]->idx];

		o->fwd.flags &= (uint8_t)~RELAY_F_FORWARD;
		if (o->rtcp)
			o->rtcp->fwd.flags &= (uint8_t)~RELAY_F_FORWARD;
	}
}

void relay_ice_check(struct relay_worker *w, struct relay_call *c,
		     uint64_t now)
{
	for (int i = 0; i < 2; i++) {
		struct relay_leg *l = &c->leg[i];
		struct sockaddr_storage nom;
		char a[INET6_ADDRSTRLEN + 10];

		if (!l->ice || l->ice_st.consent_lost ||
		    l->ice_st.consent_overdue ||
		    !stun_ice_consent_expired(l->ice, now) ||
		    stun_ice_nominated(l->ice, &nom))
			continue;
		if (l->ice_st.consent_off) {
			/* The operator's choice for a peer without RFC 7675
			 * checks: the nominated address was verified by its
			 * authenticated check; said once per silence. */
			l->ice_st.consent_overdue = true;
			l->ice_st.consent_unenforced++;
			klog(KLOG_INFO, "relay: call %llu leg %u: ICE consent not enforced (ice_consent = off): no valid STUN Binding request from %s for %llu ms; media and DTLS toward it go on (RFC 7675 would stop them)",
			     (unsigned long long)c->id, l->idx, sa_str(&nom, a, sizeof(a)),
			     (unsigned long long)(now - stun_ice_last_valid_ms(l->ice)));
			continue;
		}
		l->ice_st.consent_losses++;
		/* Say what the peer did send: a full agent without RFC 7675
		 * sends only Binding indications (RFC 8445 11 keepalives),
		 * which carry no consent. */
		klog(KLOG_WARN, "relay: call %llu leg %u: ICE consent lost: no valid STUN Binding request from %s for %llu ms (RFC 7675; %llu checks answered in all, %llu indications or responses ignored): media and DTLS toward it stop",
		     (unsigned long long)c->id, l->idx, sa_str(&nom, a, sizeof(a)),
		     (unsigned long long)(now - stun_ice_last_valid_ms(l->ice)),
		     (unsigned long long)(stun_ice_count(l->ice, STUN_ICE_VALID) +
					  stun_ice_count(l->ice, STUN_ICE_NOMINATED)),
		     (unsigned long long)stun_ice_count(l->ice, STUN_ICE_NOT_REQUEST));
		relay_off_takeback(c, "ICE consent lost");
		consent_stop(l);
		relay_off_update(c);
	}
	(void)w;
}

void relay_ice_stats_get(const struct relay_leg *l, struct relay_ice_stats *st)
{
	*st = l->ice_st;
	for (int v = 0; v < STUN_ICE_VERDICTS; v++)
		st->verdict[v] += stun_ice_count(l->ice, (enum stun_ice_verdict)v);
}

void relay_ice_free(struct relay_leg *l)
{
	if (!l->ice)
		return;
	/* Keep the counts of the leg's life in its record. */
	for (int v = 0; v < STUN_ICE_VERDICTS; v++)
		l->ice_st.verdict[v] += stun_ice_count(l->ice, (enum stun_ice_verdict)v);
	stun_ice_free(l->ice);
	l->ice = NULL;
	/* Without ICE the peer is the SDP's, in the leg's family. */
	relay_leg_send_from(l, l->family);
	/* Without ICE nothing withholds consent (relay_dtls.c d_send). */
	l->ice_st.on = l->ice_st.consent_lost = l->ice_st.nominated = false;
	l->ice_st.consent_off = l->ice_st.consent_overdue = false;
}

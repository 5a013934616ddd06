/* ua: calls of the reference endpoint ktrua (see ua.h). */
#include "ua/ua_int.h"

#include <arpa/inet.h>
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

/* --- media sockets -------------------------------------------------------- */

static int addr_make(const char *host, uint16_t port,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai;
	char ps[8];

	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(host, ps, &hints, &ai))
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int media_bind(struct ua *u, uint16_t p)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rcv = 1 << 20;

	if (addr_make(u->cfg.media_addr, p, &ss, &len))
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (u->cfg.handoff) {
		int on = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == 0)
		return fd;
	close(fd);
	return -errno;
}

/* Bind the next free port of the range (a rolling cursor, so ports are not
 * reused at once after a call ends); with no_rtcp_mux an even port and
 * the odd one above for RTCP (*rtcp_fd; -1 otherwise). */
static int media_open(struct ua *u, uint16_t *port, int *rtcp_fd)
{
	unsigned span = (unsigned)u->cfg.port_max - u->cfg.port_min + 1;

	*rtcp_fd = -1;
	for (unsigned i = 0; i < span; i++) {
		uint16_t p = (uint16_t)(u->cfg.port_min + (u->port_cursor++ % span));
		int fd;

		if (u->cfg.no_rtcp_mux && ((p & 1u) || p >= u->cfg.port_max))
			continue;
		fd = media_bind(u, p);
		if (fd >= 0 && u->cfg.no_rtcp_mux) {
			*rtcp_fd = media_bind(u, (uint16_t)(p + 1));
			if (*rtcp_fd < 0) {
				close(fd);
				fd = *rtcp_fd;
				*rtcp_fd = -1;
			}
		}
		if (fd >= 0) {
			*port = p;
			return fd;
		}
		if (fd != -EADDRINUSE)
			return fd;
	}
	return -EADDRINUSE;
}

/* ua_cfg.handoff: the SSRC of the peer's first authenticated RTP packet. */
static void on_media_pkt(void *arg, const uint8_t *pkt, size_t len, bool rtcp)
{
	struct ua_call *c = arg;

	if (rtcp || len < 12 || c->rx_ssrc_seen)
		return;
	c->rx_ssrc = (uint32_t)pkt[8] << 24 | (uint32_t)pkt[9] << 16 |
		     (uint32_t)pkt[10] << 8 | pkt[11];
	c->rx_ssrc_seen = true;
}

/* ua_cfg.handoff: the call's line (ua.h), once its media authenticated. */
static void handoff_write(struct ua_call *c)
{
	struct ua *u = c->ua;
	struct ksrtp_keymat k;
	char la[64], pa[64];
	uint16_t pp;
	int err;

	c->handed_off = true;
	if ((err = ep_rx_key(c->ep, &k))) {
		klog(KLOG_WARN, "ua: call %u: hand-off: no receive key: %s",
		     c->res.call, err_str(err));
		return;
	}
	if (c->peer.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&c->peer;

		inet_ntop(AF_INET6, &a->sin6_addr, pa, sizeof(pa));
		pp = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const void *)&c->peer;

		inet_ntop(AF_INET, &a->sin_addr, pa, sizeof(pa));
		pp = ntohs(a->sin_port);
	}
	snprintf(la, sizeof(la), "%s", u->cfg.media_addr);
	fprintf(u->cfg.handoff, "%u %s %u %s %u %d ", c->rx_ssrc, la, c->port,
		pa, pp, k.profile);
	for (unsigned i = 0; i < k.key_len; i++)
		fprintf(u->cfg.handoff, "%02x", k.key[i]);
	for (unsigned i = 0; i < k.salt_len; i++)
		fprintf(u->cfg.handoff, "%02x", k.salt[i]);
	fputc('\n', u->cfg.handoff);
	fflush(u->cfg.handoff);
	ksrtp_keymat_wipe(&k);
}

static void on_media_fd(void *arg, int fd, unsigned events)
{
	struct ua_call *c = arg;

	if (!c->ep)
		return;
	ep_read(c->ep, clk_now_ms());
	if (c->ua->cfg.handoff && !c->handed_off && c->rx_ssrc_seen)
		handoff_write(c);
}

static void on_rtcp_fd(void *arg, int fd, unsigned events)
{
	struct ua_call *c = arg;

	if (c->ep)
		ep_read_rtcp(c->ep, clk_now_ms());
}

/* Index of the call's first RTP packet: ROC 0 and the configured or a
 * random sequence number (RFC 3550 5.1). */
static int first_index(const struct ua *u, uint32_t *idx)
{
	uint16_t seq;
	int err;

	if (u->cfg.first_seq >= 0) {
		*idx = (uint32_t)u->cfg.first_seq & 0xFFFFu;
		return 0;
	}
	if ((err = sec_random(&seq, sizeof(seq))))
		return err;
	*idx = seq;
	return 0;
}

/* Start media once both SDPs are known (ua_sdp.c filled the call). */
int ua_call_media_start(struct ua_call *c)
{
	struct ua *u = c->ua;
	char cap[512];
	uint32_t idx = 0;
	int err;

	if ((err = first_index(u, &idx))) {
		ua_call_fail(c, "media: first sequence number: %s", err_str(err));
		return err;
	}
	if (u->cfg.mode == UA_SDES) {
		struct ep_sdes_cfg sc;

		memset(&sc, 0, sizeof(sc));
		sc.profile = c->local.profile;
		sc.local = c->local;
		sc.remote = c->remote;
		sc.first_index = idx;
		err = ep_alloc_sdes(&c->ep, c->fd, (struct sockaddr *)&c->peer,
				    c->peer_len, &sc);
		sec_wipe(&sc, sizeof(sc));
	} else {
		struct ep_cfg ec;

		memset(&ec, 0, sizeof(ec));
		ec.role = c->dtls_role;
		ec.peer_fingerprint = c->peer_fp;
		ec.ktr = c->ktr;
		ec.ktr_cfg = u->cfg.ktr_cfg;
		ec.first_index = idx;
		if (u->cfg.handoff) {
			ec.keep_rx_key = true;
			ec.on_media = on_media_pkt;
			ec.media_arg = c;
		}
		err = ep_alloc(&c->ep, u->cfg.dtls, c->fd,
			       (struct sockaddr *)&c->peer, c->peer_len, &ec);
	}
	if (err) {
		ua_call_fail(c, "media: %s", err_str(err));
		return err;
	}
	/* SRTCP muxed, or on our RTCP port to the peer's; neither when the
	 * peer refused the mux we offered (we have no RTCP port then). */
	if (!c->peer_mux && c->rtcp_fd >= 0) {
		err = ep_set_rtcp(c->ep, c->rtcp_fd, (struct sockaddr *)&c->peer_rtcp,
				  c->peer_rtcp_len);
		if (!err) {
			c->rtcp_fd_id = sip_loop_fd_add(u->loop, c->rtcp_fd, SIP_FD_IN,
							on_rtcp_fd, c);
			err = c->rtcp_fd_id < 0 ? c->rtcp_fd_id : 0;
		}
		if (err) {
			ua_call_fail(c, "media: RTCP port: %s", err_str(err));
			return err;
		}
	}
	if (!u->cfg.no_media_tx)
		ep_set_media(c->ep, u->cfg.pps,
			     c->peer_mux || c->rtcp_fd_id >= 0 ? u->cfg.rtcp_every : 0, 0);
	if (u->cfg.capture) {
		snprintf(cap, sizeof(cap), u->cfg.capture, c->res.call);
		if ((err = ep_set_capture(c->ep, cap)))
			klog(KLOG_WARN, "ua: capture %s: %s", cap, err_str(err));
	}
	c->fd_id = sip_loop_fd_add(u->loop, c->fd, SIP_FD_IN, on_media_fd, c);
	if (c->fd_id < 0) {
		ua_call_fail(c, "media: %s", err_str(c->fd_id));
		return c->fd_id;
	}
	if (u->cfg.mode == UA_DTLS && c->dtls_role == DTLS_ROLE_CLIENT)
		ep_start(c->ep, clk_now_ms());
	return 0;
}

/* --- calls ----------------------------------------------------------------- */

int ua_call_new(struct ua *u, bool caller, struct ua_call **cp)
{
	struct ua_call *c = calloc(1, sizeof(*c));
	int fd;

	if (!c)
		return -ENOMEM;
	fd = media_open(u, &c->port, &c->rtcp_fd);
	if (fd < 0) {
		free(c);
		return fd;
	}
	c->ua = u;
	c->fd = fd;
	c->fd_id = -1;
	c->rtcp_fd_id = -1;
	c->res.call = ++u->started;
	c->res.caller = caller;
	c->t_start = clk_now_ms();
	if (sec_random(&c->sess_id, sizeof(c->sess_id))) {
		close(fd);
		if (c->rtcp_fd >= 0)
			close(c->rtcp_fd);
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

static bool call_ok(const struct ua_call *c)
{
	const struct ep_stats *s;

	if (!c->res.established || c->res.error[0] || !c->ep)
		return false;
	s = ep_stats(c->ep);
	return !ep_failed(c->ep) &&
	       (s->rtp_sent > 0 || c->ua->cfg.no_media_tx) && s->rtp_recv > 0 &&
	       s->auth_fail == 0 && s->ktr_bad_input == 0 &&
	       s->ktr_peer_failures == 0 && s->ktr_gave_up == 0;
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

static void call_report(struct ua_call *c)
{
	struct ua *u = c->ua;
	char media[2048] = "null";

	if (c->ep && ep_stats_json(c->ep, media, sizeof(media)) < 0)
		snprintf(media, sizeof(media), "null");
	if (u->json) {
		fprintf(u->json,
			"{\"call\":%u,\"role\":\"%s\",\"mode\":\"%s\",\"sip_status\":%d,"
			"\"result\":\"%s\",\"error\":\"",
			c->res.call, c->res.caller ? "caller" : "callee",
			u->cfg.mode == UA_SDES ? "sdes" : c->ktr ? "dtls-ktr" : "dtls",
			c->res.sip_status, c->res.ok ? "ok" : "failed");
		json_str(u->json, c->res.error);
		fprintf(u->json, "\",\"bye\":\"");
		json_str(u->json, c->res.bye);
		fprintf(u->json, "\",\"media\":%s}\n", media);
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
	if (c->fd_id >= 0)
		sip_loop_fd_del(u->loop, c->fd_id);
	if (c->rtcp_fd_id >= 0)
		sip_loop_fd_del(u->loop, c->rtcp_fd_id);
	ep_free(c->ep);
	if (c->fd >= 0)
		close(c->fd);
	if (c->rtcp_fd >= 0)
		close(c->rtcp_fd);
	free(c->pending_answer);
	sec_wipe(c, sizeof(*c));
	free(c);
}

/* The call is over: record, report, free. */
static void call_end(struct ua_call *c)
{
	struct ua *u = c->ua;

	/* Packets that arrived before the BYE are still in the socket. */
	if (c->ep)
		ep_read(c->ep, clk_now_ms());
	if (c->ep && c->rtcp_fd_id >= 0)
		ep_read_rtcp(c->ep, clk_now_ms());
	if (c->ep && ep_failed(c->ep))
		ua_call_fail(c, "%s", ep_error(c->ep));
	if (c->ep && !c->res.error[0]) {
		const struct ep_stats *s = ep_stats(c->ep);

		if (s->ktr_bad_input)
			ua_call_fail(c, "KTR: %llu message(s) from the peer refused as malformed",
				     (unsigned long long)s->ktr_bad_input);
		else if (s->ktr_peer_failures)
			ua_call_fail(c, "KTR: the peer refused our message (new_srtp_key_failure)");
		else if (s->ktr_gave_up)
			ua_call_fail(c, "KTR: a message was never acknowledged");
		else if (s->auth_fail)
			ua_call_fail(c, "SRTP: %llu packet(s) failed authentication",
				     (unsigned long long)s->auth_fail);
		else if (c->res.established && !s->rtp_recv)
			ua_call_fail(c, "no media received from the peer");
	}
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
		sip_call_reject(sc, 503, "ktrua: no media port");
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
	if (ua_sdp_use_answer(c, sdp, len) || ua_call_media_start(c)) {
		call_hangup(c);
		return;
	}
	c->res.established = true;
	c->t_established = clk_now_ms();
}

static int on_reoffer(void *arg, struct sip_call *sc, const char *sdp,
		      size_t len)
{
	struct ua_call *c = sip_call_get_data(sc);
	char *answer = NULL;
	int status;

	if (!c || !c->ep)
		return -EPROTO;
	status = ua_sdp_reanswer(c, sdp, len, &answer);
	if (status != 200) {
		sip_call_reject(sc, status, c->res.error);
		c->res.error[0] = 0; /* a refused re-offer does not fail the call */
		return 0;
	}
	sip_call_answer(sc, answer);
	sec_wipe(answer, strlen(answer));
	free(answer);
	return 0;
}

static void on_reanswered(void *arg, struct sip_call *sc, int status,
			  const char *reason, const char *sdp, size_t len)
{
	struct ua_call *c = sip_call_get_data(sc);

	if (!c)
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
			c->res.established = ua_call_media_start(c) == 0;
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
	if (!c->ep)
		return;
	ep_timer(c->ep, now);
	ep_media_tick(c->ep, now);
	if (ep_failed(c->ep) && !c->hangup_sent) {
		ua_call_fail(c, "%s", ep_error(c->ep));
		call_hangup(c);
		return;
	}
	ua_sdp_rekey_tick(c, now);
	/* SDES re-keys by re-INVITE; a KTR speaker announces its new key
	 * itself (new_srtp_key, unsolicited). Either side of the call. */
	if (u->cfg.rekey_after_ms && !c->rekeyed &&
	    (u->cfg.mode == UA_SDES || c->ktr) &&
	    ep_established(c->ep) &&
	    now >= c->t_established + u->cfg.rekey_after_ms) {
		c->rekeyed = true;
		if (u->cfg.mode == UA_SDES)
			ua_sdp_reoffer(c);
		else if (c->ktr)
			ep_announce(c->ep, NULL, now);
	}
	if (c->res.caller && u->cfg.duration_ms && !c->hangup_sent &&
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

/*
 * relay calls: ports, the signalling-side command functions and their
 * worker-side execution (relay.h, relay_int.h). The worker side of a
 * leg's peer (where its media comes from and goes to, its RTCP
 * component) is in relay_peer.c.
 */
#include "relay/relay_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/klog.h"
#include "base/sec.h"

/* --- signalling side ------------------------------------------------------ */

static void call_release(struct relay_call *c)
{
	struct relay *r = c->r;

	for (int i = 0; i < 2; i++) {
		if (c->leg[i].fd >= 0)
			close(c->leg[i].fd);
		if (c->leg[i].alt_fd >= 0)
			close(c->leg[i].alt_fd);
		if (c->rtcp[i].fd >= 0)
			close(c->rtcp[i].fd);
	}
	sec_wipe(c, sizeof(*c));
	free(c);
	pthread_mutex_lock(&r->mu);
	r->ncalls--;
	pthread_mutex_unlock(&r->mu);
}

/* want NULL: free even ports of the range in the bind address's family;
 * else exactly want[i] in family[i] (relay_call_alloc_at). with: a call
 * whose worker this one must share (a bundle's members, relay_bundle.c). */
static int call_alloc(struct relay *r, struct relay_call **cp, void *arg,
		      uint16_t ports[2], const uint16_t want[2], const int family[2],
		      const struct relay_call *with)
{
	struct relay_cmd cmd;
	struct relay_call *c;
	int err;

	if (!r || !cp)
		return -EINVAL;
	pthread_mutex_lock(&r->mu);
	if (r->ncalls >= r->cfg.max_calls) {
		pthread_mutex_unlock(&r->mu);
		return -ENOBUFS;
	}
	r->ncalls++;
	pthread_mutex_unlock(&r->mu);
	c = calloc(1, sizeof(*c));
	if (!c) {
		pthread_mutex_lock(&r->mu);
		r->ncalls--;
		pthread_mutex_unlock(&r->mu);
		return -ENOMEM;
	}
	c->r = r;
	c->arg = arg;
	pthread_mutex_lock(&r->mu);
	c->id = r->next_id++;
	c->w = with ? with->w : &r->w[r->rr++ % r->nworkers];
	pthread_mutex_unlock(&r->mu);
	for (unsigned i = 0; i < 2; i++) {
		c->leg[i].call = c;
		c->leg[i].idx = i;
		c->leg[i].fd = c->leg[i].sfd = -1;
		c->leg[i].alt_fd = -1;
		c->rtcp[i].call = c;
		c->rtcp[i].idx = i;
		c->rtcp[i].is_rtcp = true;
		c->rtcp[i].fd = c->rtcp[i].sfd = -1;
		c->rtcp[i].alt_fd = -1;
	}
	for (unsigned i = 0; i < 2; i++) {
		int fam = want ? family[i] : r->bind_sa.ss_family;

		if (want) {
			err = relay_port_socket(r, fam, want[i]);
			c->leg[i].port = want[i];
		} else {
			err = relay_port_take(r, fam, &c->leg[i].port);
		}
		if (err < 0)
			goto fail;
		c->leg[i].fd = c->leg[i].sfd = err;
		c->leg[i].family = fam;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_ADD;
	cmd.call = c;
	if ((err = relay_cmd_run(c->w, &cmd)))
		goto fail;
	if (ports) {
		ports[0] = c->leg[0].port;
		ports[1] = c->leg[1].port;
	}
	*cp = c;
	return 0;
fail:
	call_release(c);
	return err;
}

int relay_call_alloc(struct relay *r, struct relay_call **cp, void *arg,
		     uint16_t ports[2])
{
	return call_alloc(r, cp, arg, ports, NULL, NULL, NULL);
}

int relay_call_alloc_with(struct relay *r, struct relay_call **cp, void *arg,
			  uint16_t ports[2], const struct relay_call *with)
{
	if (!with || with->r != r)
		return -EINVAL;
	return call_alloc(r, cp, arg, ports, NULL, NULL, with);
}

int relay_call_alloc_at(struct relay *r, struct relay_call **cp, void *arg,
			const uint16_t ports[2], const int family[2])
{
	if (!ports || !family || !ports[0] || !ports[1])
		return -EINVAL;
	return call_alloc(r, cp, arg, NULL, ports, family, NULL);
}

void relay_call_free(struct relay_call *c)
{
	struct relay_cmd cmd;

	if (!c)
		return;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_FREE;
	cmd.call = c;
	if (relay_cmd_run(c->w, &cmd) == -ESHUTDOWN)
		klog(KLOG_WARN, "relay: call freed after relay_free");
}

uint64_t relay_call_id(const struct relay_call *c)
{
	return c ? c->id : 0;
}

uint16_t relay_leg_port(const struct relay_call *c, unsigned leg)
{
	return c && leg < 2 ? c->leg[leg].port : 0;
}

static int run(struct relay_call *c, struct relay_cmd *cmd)
{
	int err = relay_cmd_run(c->w, cmd);

	sec_wipe(cmd, sizeof(*cmd));
	return err;
}

/* A PEER or RTCP_PEER command (relay_leg_set_peer's checks). */
static int peer_cmd(struct relay_cmd *cmd, struct relay_call *c,
		    enum relay_cmd_type t, unsigned leg,
		    const struct sockaddr *sa, socklen_t len, bool allow_latch)
{
	if (!c || leg > 1 || (!sa && !allow_latch))
		return -EINVAL;
	if (sa && sa->sa_family != c->leg[leg].family)
		return -EAFNOSUPPORT; /* relay_leg_set_family first */
	if (sa && (len < (sa->sa_family == AF_INET6 ?
				  sizeof(struct sockaddr_in6) :
				  sizeof(struct sockaddr_in)) ||
		   len > sizeof(cmd->sa)))
		return -EINVAL;
	memset(cmd, 0, sizeof(*cmd));
	cmd->type = t;
	cmd->call = c;
	cmd->leg = leg;
	cmd->fd = -1;
	if (sa) {
		cmd->sa_len = sa->sa_family == AF_INET6 ?
				      sizeof(struct sockaddr_in6) :
				      sizeof(struct sockaddr_in);
		memcpy(&cmd->sa, sa, cmd->sa_len);
	}
	cmd->flag = allow_latch;
	return 0;
}

int relay_leg_set_peer(struct relay_call *c, unsigned leg,
		       const struct sockaddr *sa, socklen_t len,
		       bool allow_latch)
{
	struct relay_cmd cmd;
	int err = peer_cmd(&cmd, c, RELAY_CMD_PEER, leg, sa, len, allow_latch);

	return err ? err : run(c, &cmd);
}

int relay_leg_set_rtcp_peer(struct relay_call *c, unsigned leg,
			    const struct sockaddr *sa, socklen_t len,
			    bool allow_latch)
{
	struct relay_cmd cmd;
	int err = peer_cmd(&cmd, c, RELAY_CMD_RTCP_PEER, leg, sa, len,
			   allow_latch);

	if (err)
		return err;
	if (c->leg[leg].port >= UINT16_MAX)
		return -EINVAL;
	/* The odd port is this leg's (port_take never hands it out); the
	 * worker owns the socket from the command on, even on failure. */
	if (!c->rtcp_bound[leg]) {
		cmd.fd = relay_port_socket(c->r, c->leg[leg].family,
					   (uint16_t)(c->leg[leg].port + 1));
		if (cmd.fd < 0)
			return cmd.fd == -EACCES ? -EADDRINUSE : cmd.fd;
	}
	err = run(c, &cmd);
	if (!err)
		c->rtcp_bound[leg] = true;
	return err;
}

uint16_t relay_leg_rtcp_port(const struct relay_call *c, unsigned leg)
{
	return c && leg < 2 && c->leg[leg].port < UINT16_MAX ?
		       (uint16_t)(c->leg[leg].port + 1) : 0;
}

int relay_leg_dtls_start(struct relay_call *c, unsigned leg,
			 enum dtls_role role, const char *peer_fingerprint,
			 bool ktr)
{
	struct relay_cmd cmd;

	if (!c || leg > 1 || !peer_fingerprint || !c->r->cfg.dtls)
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_DTLS_START;
	cmd.call = c;
	cmd.leg = leg;
	cmd.role = role;
	cmd.fp = peer_fingerprint;
	cmd.flag = ktr;
	return run(c, &cmd);
}

static int key_cmd(struct relay_call *c, enum relay_cmd_type t, unsigned leg,
		   const struct ksrtp_keymat *k)
{
	struct relay_cmd cmd;
	int err;

	if (!c || leg > 1 || !k)
		return -EINVAL;
	if ((err = ksrtp_keymat_check(k)))
		return err;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = t;
	cmd.call = c;
	cmd.leg = leg;
	cmd.k1 = *k;
	return run(c, &cmd);
}

int relay_call_ktr_send_key(struct relay_call *c, unsigned leg,
			    const struct ksrtp_keymat *k)
{
	return key_cmd(c, RELAY_CMD_KTR_KEY, leg, k);
}

int relay_call_ktr_dictate(struct relay_call *c, unsigned leg,
			   const struct ksrtp_keymat *k)
{
	return key_cmd(c, RELAY_CMD_KTR_DICTATE, leg, k);
}

int relay_call_ktr_request(struct relay_call *c, unsigned leg)
{
	struct relay_cmd cmd;

	if (!c || leg > 1)
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_KTR_REQUEST;
	cmd.call = c;
	cmd.leg = leg;
	return run(c, &cmd);
}

static int xc_cmd(struct relay_call *c, unsigned from_leg,
		  const struct ksrtp_keymat *in,
		  const struct ksrtp_keymat *out, bool no_srtcp)
{
	struct relay_cmd cmd;
	int err;

	if (!c || from_leg > 1 || (in && !out))
		return -EINVAL;
	if (in && ((err = ksrtp_keymat_check(in)) ||
		   (err = ksrtp_keymat_check(out))))
		return err;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_XC;
	cmd.call = c;
	cmd.leg = from_leg;
	cmd.flag = no_srtcp;
	if (in) {
		cmd.has_k1 = true;
		cmd.k1 = *in;
		cmd.k2 = *out;
	}
	return run(c, &cmd);
}

int relay_call_transcrypt(struct relay_call *c, unsigned from_leg,
			  const struct ksrtp_keymat *in,
			  const struct ksrtp_keymat *out)
{
	return xc_cmd(c, from_leg, in, out, false);
}

int relay_call_transcrypt_rtp(struct relay_call *c, unsigned from_leg,
			      const struct ksrtp_keymat *in,
			      const struct ksrtp_keymat *out)
{
	return in ? xc_cmd(c, from_leg, in, out, true) : -EINVAL;
}

int relay_leg_dtls_prearm(struct relay_call *c, unsigned leg,
			  const struct ksrtp_keymat *own_out,
			  const struct ksrtp_keymat *other_in)
{
	struct relay_cmd cmd;
	int err;

	if (!c || leg > 1 || !own_out || !other_in)
		return -EINVAL;
	if ((err = ksrtp_keymat_check(own_out)) ||
	    (err = ksrtp_keymat_check(other_in)))
		return err;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_PREARM;
	cmd.call = c;
	cmd.leg = leg;
	cmd.has_k1 = true;
	cmd.k1 = *own_out;
	cmd.k2 = *other_in;
	return run(c, &cmd);
}

int relay_call_stats(struct relay_call *c, struct relay_call_stats *st)
{
	struct relay_cmd cmd;

	if (!c || !st)
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_STATS;
	cmd.call = c;
	cmd.st = st;
	return run(c, &cmd);
}

int relay_totals(struct relay *r, struct relay_totals *t)
{
	if (!r || !t)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < r->nworkers; i++) {
		struct relay_cmd cmd;
		int err;

		memset(&cmd, 0, sizeof(cmd));
		cmd.type = RELAY_CMD_TOTALS;
		cmd.tot = t; /* each worker adds in turn: one at a time */
		if ((err = relay_cmd_run(&r->w[i], &cmd)))
			return err;
	}
	return 0;
}

/* --- worker side ----------------------------------------------------------- */

static int exec_add(struct relay_worker *w, struct relay_call *c)
{
	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.ptr = &c->leg[i] };

		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->leg[i].fd, &ev) < 0) {
			int err = -errno;

			if (i == 1)
				epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->leg[0].fd,
					  NULL);
			return err;
		}
	}
	c->created_ms = w->now_ms;
	c->next = w->calls;
	if (w->calls)
		w->calls->prev = c;
	w->calls = c;
	w->ncalls++;
	return 0;
}

void relay_call_destroy(struct relay_worker *w, struct relay_call *c)
{
	relay_off_takeback(c, "teardown"); /* no map entry outlives its call */
	relay_bundle_leave(w, c); /* a borrowed socket is not ours to close */
	if (c->prev)
		c->prev->next = c->next;
	else
		w->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->on_dlist) {
		if (c->dprev)
			c->dprev->dnext = c->dnext;
		else
			w->dcalls = c->dnext;
		if (c->dnext)
			c->dnext->dprev = c->dprev;
	}
	w->ncalls--;
	for (int i = 0; i < 2; i++) {
		struct relay_leg *l = &c->leg[i];

		epoll_ctl(w->epfd, EPOLL_CTL_DEL, l->fd, NULL);
		if (l->alt_fd >= 0)
			epoll_ctl(w->epfd, EPOLL_CTL_DEL, l->alt_fd, NULL);
		if (c->rtcp[i].fd >= 0)
			epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->rtcp[i].fd, NULL);
		relay_dtls_free(l);
		relay_ice_free(l);
		relay_xc_free(l->xc);
		l->xc = NULL;
	}
	call_release(c);
}

static int exec_xc(struct relay_call *c, struct relay_cmd *cmd)
{
	struct relay_leg *l = &c->leg[cmd->leg];
	struct relay_xc *x = NULL;
	int err;

	if (cmd->has_k1 && (err = relay_xc_alloc(&x, &cmd->k1, &cmd->k2)))
		return err;
	if (x && l->xc && ksrtp_keymat_equal(&l->xc->out, &x->out)) {
		/* Same out key: keep its sender, whose per-SSRC SRTP and
		 * SRTCP indices go on; a fresh one would start SRTCP at
		 * index 0 again under that key (two-time pad, draft 6.2). */
		struct xsrtp_ctx *t = x->tx;

		x->tx = l->xc->tx;
		l->xc->tx = t;
	}
	if (x) {
		x->window = cmd->flag;
		relay_bundle_xc_bind(c, cmd->leg, x);
	}
	relay_xc_free(l->xc);
	l->xc = x;
	if (x)
		l->fwd.flags |= RELAY_F_TRANSCRYPT;
	else
		l->fwd.flags &= (uint8_t)~RELAY_F_TRANSCRYPT;
	return 0;
}

static void exec_stats(struct relay_call *c, struct relay_call_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < 2; i++) {
		st->leg[i] = c->leg[i].fwd;
		st->has_rtcp[i] = c->leg[i].rtcp != NULL;
		st->rtcp[i] = c->rtcp[i].fwd;
		st->dtls_up |= c->leg[i].dtls_up;
		st->ktr |= c->leg[i].ktr != NULL;
		st->transcrypt |= c->leg[i].xc != NULL;
		st->window[i] = c->leg[i].win;
		relay_ice_stats_get(&c->leg[i], &st->ice[i]);
		st->send_family[i] = relay_leg_sfamily(&c->leg[i]);
		st->send_port[i] = c->leg[i].on_alt ? c->leg[i].alt_port :
						      c->leg[i].port;
	}
}

static void totals_add(struct relay_totals *t, const struct relay_fwd *f)
{
	t->pkts += f->pkts;
	t->fwd_pkts += f->fwd_pkts;
	t->dropped_src += f->dropped_src;
	t->dropped_other += f->dropped_other;
	t->fwd_errs += f->fwd_errs;
	t->crypto_ops += f->crypto_ops;
}

static void exec_totals(struct relay_worker *w, struct relay_totals *t)
{
	for (struct relay_call *c = w->calls; c; c = c->next) {
		t->calls++;
		for (int i = 0; i < 2; i++) {
			totals_add(t, &c->leg[i].fwd);
			totals_add(t, &c->rtcp[i].fwd);
		}
	}
}

void relay_call_exec(struct relay_worker *w, struct relay_cmd *cmd)
{
	struct relay_call *c = cmd->call;
	struct relay_leg *l = c ? &c->leg[cmd->leg & 1] : NULL;
	int err = 0;

	relay_off_before(c, cmd->type);
	switch (cmd->type) {
	case RELAY_CMD_ADD:
		err = exec_add(w, c);
		break;
	case RELAY_CMD_FREE:
		if (l->dtls_up)
			dtls_conn_shutdown(l->dtls);
		if (c->leg[1 - l->idx].dtls_up)
			dtls_conn_shutdown(c->leg[1 - l->idx].dtls);
		relay_call_destroy(w, c);
		break;
	case RELAY_CMD_PEER:
		relay_peer_exec(l, cmd);
		break;
	case RELAY_CMD_RTCP_PEER:
		err = relay_rtcp_peer_exec(w, c, cmd);
		break;
	case RELAY_CMD_RTCP_CLOSE:
		err = relay_rtcp_close_exec(w, c, cmd);
		break;
	case RELAY_CMD_FAMILY:
		err = relay_port_family_exec(w, c, cmd);
		break;
	case RELAY_CMD_ALT:
		err = relay_port_alt_exec(w, c, cmd);
		break;
	case RELAY_CMD_DTLS_START:
		/* No DTLS on a leg with an RTCP component (relay.h). */
		err = l->rtcp ? -EINVAL :
				relay_dtls_start(w, l, cmd->role, cmd->fp, cmd->flag);
		/* Until the owner keys that direction (new_srtp_key or a
		 * transcrypt), the DTLS UA could not decrypt what the other
		 * leg's peer sends: hold it rather than make it fail there. */
		if (!err)
			c->leg[1 - l->idx].fwd.flags |= RELAY_F_HOLD;
		if (!err && l->bundle_head)
			relay_bundle_hold(c); /* so do the bundle's streams */
		break;
	case RELAY_CMD_KTR_KEY:
		/* The hold ends when the DTLS UA acknowledged it (relay.h). */
		err = relay_dtls_send_key(w, l, &cmd->k1);
		break;
	case RELAY_CMD_KTR_DICTATE:
		err = relay_dtls_dictate(w, l, &cmd->k1);
		break;
	case RELAY_CMD_KTR_REQUEST:
		err = relay_dtls_request(w, l);
		break;
	case RELAY_CMD_XC:
		err = exec_xc(c, cmd);
		if (!err) {
			l->fwd.flags &= (uint8_t)~RELAY_F_HOLD;
			relay_leg_hq_set(w, l, RELAY_HQ_NONE);
		}
		break;
	case RELAY_CMD_PREARM:
		l->prearm = true;
		l->prearm_own_out = cmd->k1;
		l->prearm_other_in = cmd->k2;
		break;
	case RELAY_CMD_ICE:
		err = relay_ice_exec(w, l, cmd->ice);
		break;
	case RELAY_CMD_STATS:
		exec_stats(c, cmd->st);
		relay_off_stats(c, cmd->st);
		break;
	case RELAY_CMD_TOTALS:
		exec_totals(w, cmd->tot);
		break;
	case RELAY_CMD_BUNDLE_JOIN:
	case RELAY_CMD_BUNDLE_ROUTE:
	case RELAY_CMD_BUNDLE_STATS:
		err = relay_bundle_exec(w, cmd);
		break;
	case RELAY_CMD_STOP:
		break;
	}
	if (c && cmd->type != RELAY_CMD_FREE && cmd->type != RELAY_CMD_STATS)
		relay_off_update(c);
	cmd->result = err;
}

void relay_worker_idle_check(struct relay_worker *w, uint64_t now)
{
	uint64_t limit = w->r->cfg.media_timeout_ms;

	for (struct relay_call *c = w->calls; c; c = c->next) {
		uint64_t last = c->created_ms;

		relay_off_idle(c, now);
		relay_ice_check(w, c, now);

		for (int i = 0; i < 2; i++) {
			if (c->leg[i].fwd.last_rx_ms > last)
				last = c->leg[i].fwd.last_rx_ms;
			if (c->rtcp[i].fwd.last_rx_ms > last)
				last = c->rtcp[i].fwd.last_rx_ms;
		}
		if (now < last + limit) {
			c->timed_out = false; /* media resumed */
			continue;
		}
		if (c->timed_out)
			continue;
		c->timed_out = true;
		struct relay_event ev = {
			.type = RELAY_EV_MEDIA_TIMEOUT,
			.call_id = c->id,
			.arg = c->arg,
		};
		relay_event_post(w->r, &ev);
	}
}

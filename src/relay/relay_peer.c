/*
 * relay_peer: the worker side of a leg's peer (relay_leg_set_peer,
 * relay_leg_set_rtcp_peer; the signalling side is in relay_call.c): the
 * forwarding records' expected source and destination (relay_fwd), the
 * RTCP components' routes, a peer on hold (c=0.0.0.0, RFC 3264 8.4), and
 * opening a leg's RTCP component (split from relay_call.c).
 */
#include "relay/relay_int.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static void addr_bytes(const struct sockaddr *sa, uint8_t out[16],
		       uint16_t *port)
{
	memset(out, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		memcpy(out, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		memcpy(out, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
	}
}

/* The RTCP components' out_* and RELAY_F_FORWARD: SRTCP from leg i's
 * component goes to the other leg's component when it has one, else to
 * that leg's peer (it muxes). Run whenever a peer or component changes.
 * (What a muxed leg's record says is where its RTP goes; its SRTCP goes to
 * the other component, which relay_fwd_batch looks up per packet.) */
static void rtcp_sync(struct relay_call *c)
{
	for (int i = 0; i < 2; i++) {
		struct relay_leg *rc = c->leg[i].rtcp, *o = &c->leg[1 - i];
		struct relay_leg *d = o->rtcp ? o->rtcp : o;

		if (!rc)
			continue;
		rc->fwd.out_family = d->peer_len ? d->fwd.family : 0;
		memcpy(rc->fwd.out_addr, d->fwd.expect_addr, 16);
		rc->fwd.out_port = d->fwd.expect_port;
		if (d->peer_len && !d->no_send)
			rc->fwd.flags |= RELAY_F_FORWARD;
		else
			rc->fwd.flags &= (uint8_t)~RELAY_F_FORWARD;
	}
}

void relay_leg_peer_apply(struct relay_leg *l, const struct sockaddr *sa,
			  socklen_t len, bool latched)
{
	struct relay_leg *o = &l->call->leg[1 - l->idx];
	struct relay_fwd *f = &l->fwd;

	memset(&l->peer_sa, 0, sizeof(l->peer_sa));
	memcpy(&l->peer_sa, sa, len);
	l->peer_len = len;
	f->family = (uint8_t)sa->sa_family;
	addr_bytes(sa, f->expect_addr, &f->expect_port);
	f->flags |= RELAY_F_PEER;
	if (latched)
		f->flags |= RELAY_F_LATCHED;
	/* What arrives on the other leg goes to this peer. */
	if (!l->is_rtcp && !l->no_send) {
		o->fwd.out_family = f->family;
		memcpy(o->fwd.out_addr, f->expect_addr, 16);
		o->fwd.out_port = f->expect_port;
		o->fwd.flags |= RELAY_F_FORWARD;
	}
	if (l->call->leg[0].rtcp || l->call->leg[1].rtcp)
		rtcp_sync(l->call);
	if (l->bundle_head)
		relay_bundle_peer_sync(l);
}

/* Nothing that arrives on o goes anywhere (its peer's peer is gone). */
static void out_clear(struct relay_leg *o)
{
	o->fwd.out_family = 0;
	memset(o->fwd.out_addr, 0, 16);
	o->fwd.out_port = 0;
	o->fwd.flags &= (uint8_t)~RELAY_F_FORWARD;
}

void relay_leg_peer_clear(struct relay_leg *l)
{
	struct relay_leg *o = &l->call->leg[1 - l->idx];

	memset(&l->peer_sa, 0, sizeof(l->peer_sa));
	l->peer_len = 0;
	l->no_send = false;
	l->fwd.family = 0;
	memset(l->fwd.expect_addr, 0, 16);
	l->fwd.expect_port = 0;
	l->fwd.flags &= (uint8_t)~(RELAY_F_PEER | RELAY_F_LATCHED);
	if (!l->is_rtcp)
		out_clear(o);
	rtcp_sync(l->call);
}

/* An unspecified address (0.0.0.0, ::): RFC 3264 8.4's hold. */
static bool addr_unspec(const struct sockaddr_storage *sa)
{
	static const uint8_t zero[16];

	if (sa->ss_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == 0;
	return !memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, zero, 16);
}

/* A peer at c=0.0.0.0 (relay.h): it keeps its source (its own media, music
 * on hold, still passes the source check) but nothing goes toward it, and
 * no new source may latch meanwhile. */
static void exec_peer_mute(struct relay_leg *l)
{
	struct relay_leg *o = &l->call->leg[1 - l->idx];

	l->no_send = true;
	l->fwd.flags &= (uint8_t)~RELAY_F_ALLOW_LATCH;
	if (!l->is_rtcp)
		out_clear(o);
	rtcp_sync(l->call);
	if (l->bundle_head)
		relay_bundle_peer_sync(l);
}

/* RELAY_CMD_PEER / RTCP_PEER on a leg or an RTCP component. */
void relay_peer_exec(struct relay_leg *l, const struct relay_cmd *cmd)
{
	if (cmd->sa_len && addr_unspec(&cmd->sa)) {
		exec_peer_mute(l);
		return;
	}
	l->no_send = false;
	l->fwd.flags &= (uint8_t)~(RELAY_F_ALLOW_LATCH | RELAY_F_LATCHED);
	if (cmd->flag)
		l->fwd.flags |= RELAY_F_ALLOW_LATCH;
	if (cmd->sa_len) {
		relay_leg_peer_apply(l, (const struct sockaddr *)&cmd->sa,
				     cmd->sa_len, false);
		l->fwd.flags &= (uint8_t)~RELAY_F_LATCHED;
	} else {
		relay_leg_peer_clear(l);
	}
}

/* Open (cmd->fd >= 0: a socket bound on the odd port, ours to close on
 * failure) and/or re-aim a leg's RTCP component. */
int relay_rtcp_peer_exec(struct relay_worker *w, struct relay_call *c,
			 const struct relay_cmd *cmd)
{
	struct relay_leg *l = &c->leg[cmd->leg], *rc = &c->rtcp[cmd->leg];

	if (cmd->fd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = rc };

		/* An ICE leg with a second socket muxes (RFC 5761): its
		 * candidates are component 1 only (relay_leg_alt_open). */
		if (l->dtls || rc->fd >= 0 || l->alt_fd >= 0) {
			close(cmd->fd);
			return -EINVAL;
		}
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, cmd->fd, &ev) < 0) {
			int err = -errno;

			close(cmd->fd);
			return err;
		}
		rc->fd = rc->sfd = cmd->fd;
		rc->port = (uint16_t)(l->port + 1);
		rc->family = l->family;
		l->rtcp = rc;
	}
	if (!l->rtcp)
		return -EINVAL;
	relay_peer_exec(rc, cmd);
	rtcp_sync(c);
	return 0;
}

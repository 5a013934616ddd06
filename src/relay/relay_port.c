/*
 * relay_port: the relay's bind addresses, its legs' sockets and ports, a
 * leg moved to the other address family (relay.h, relay_leg_set_family),
 * and an ICE leg's second socket in the other family (relay_leg_alt_open).
 *
 * A relay binds legs to one address of each family it is given: every leg
 * starts in bind_addr's, and the owner moves a leg to the other one before
 * its peer is set, when that leg's peer speaks the other family (an IPv6
 * SDP c= on one side of a call and IPv4 on the other). Each leg's socket
 * then talks to its peer in the peer's family; a datagram forwarded from
 * one leg to the other leaves from the other leg's socket, so nothing on
 * the forwarding path ever mixes families (relay_fwd.c). A moved leg keeps
 * its port number when that port is free in the new family (RFC 3550 11:
 * the odd port above stays its RTCP port), else takes the next free one.
 */
#include "relay/relay_int.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/klog.h"

const struct sockaddr_storage *relay_bind_addr(const struct relay *r,
					       int family, socklen_t *len)
{
	if (r->bind_sa.ss_family == family) {
		*len = r->bind_len;
		return &r->bind_sa;
	}
	if (r->alt_len && r->alt_sa.ss_family == family) {
		*len = r->alt_len;
		return &r->alt_sa;
	}
	return NULL;
}

void relay_leg_local(const struct relay_leg *l, struct sockaddr_storage *ss)
{
	socklen_t len;
	uint16_t port = l->on_alt ? l->alt_port : l->port;
	const struct sockaddr_storage *b =
		relay_bind_addr(l->call->r, relay_leg_sfamily(l), &len);

	memset(ss, 0, sizeof(*ss));
	if (!b)
		return;
	*ss = *b;
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

void relay_leg_send_from(struct relay_leg *l, int family)
{
	bool alt = l->alt_fd >= 0 && family == l->alt_family;

	if (alt != l->on_alt)
		klog(KLOG_DEBUG, "relay: call %llu leg %u sends from its IPv%c socket, port %u",
		     (unsigned long long)l->call->id, l->idx,
		     family == AF_INET6 ? '6' : '4', alt ? l->alt_port : l->port);
	l->on_alt = alt;
	l->sfd = alt ? l->alt_fd : l->fd;
}

int relay_port_socket(struct relay *r, int family, uint16_t port)
{
	const struct sockaddr_storage *b;
	struct sockaddr_storage sa;
	socklen_t len;
	int fd, rcv = r->cfg.rcvbuf;

	if (!(b = relay_bind_addr(r, family, &len)))
		return -EAFNOSUPPORT;
	sa = *b;
	if (sa.ss_family == AF_INET)
		((struct sockaddr_in *)&sa)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&sa)->sin6_port = htons(port);
	fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Best effort: the kernel caps it at net.core.rmem_max. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Next free even port of the range, from a cursor shared by all callers.
 * RFC 3550 11: RTP on an even port, its RTCP on the odd one above, which
 * no other leg is given: it stays for this leg's RTCP component. */
int relay_port_take(struct relay *r, int family, uint16_t *port)
{
	uint32_t lo = ((uint32_t)r->cfg.port_min + 1u) & ~1u;
	uint32_t span = lo < r->cfg.port_max ?
				(r->cfg.port_max - lo + 1u) / 2u : 0;
	int fd = -EADDRINUSE;

	pthread_mutex_lock(&r->mu);
	for (uint32_t i = 0; i < span; i++) {
		uint16_t p;

		if (r->port_next < lo || (r->port_next & 1u) ||
		    r->port_next + 1u > r->cfg.port_max)
			r->port_next = lo;
		p = (uint16_t)r->port_next;
		r->port_next += 2u;
		fd = relay_port_socket(r, family, p);
		if (fd >= 0) {
			*port = p;
			break;
		}
		if (fd != -EADDRINUSE && fd != -EACCES)
			break;
		fd = -EADDRINUSE;
	}
	pthread_mutex_unlock(&r->mu);
	return fd;
}

int relay_leg_set_family(struct relay_call *c, unsigned leg, int family)
{
	struct relay_cmd cmd;
	socklen_t len;
	uint16_t port;
	int fd, err;

	if (!c || leg > 1 || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	if (c->leg[leg].family == family)
		return 0;
	if (!relay_bind_addr(c->r, family, &len))
		return -EAFNOSUPPORT;
	if (c->rtcp_bound[leg] || c->leg[leg].alt_port)
		return -EBUSY;
	/* The same port in the new family when it is free (the peer of the
	 * other side may have it already), else the next free one. */
	port = c->leg[leg].port;
	fd = relay_port_socket(c->r, family, port);
	if (fd == -EADDRINUSE || fd == -EACCES)
		fd = relay_port_take(c->r, family, &port);
	if (fd < 0)
		return fd;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_FAMILY;
	cmd.call = c;
	cmd.leg = leg;
	cmd.fd = fd; /* the worker's from here, even on failure */
	cmd.port = port;
	cmd.family = family;
	err = relay_cmd_run(c->w, &cmd);
	return err;
}

int relay_leg_family(const struct relay_call *c, unsigned leg)
{
	return c && leg < 2 ? c->leg[leg].family : 0;
}

bool relay_has_family(const struct relay *r, int family)
{
	socklen_t len;

	return r && relay_bind_addr(r, family, &len) != NULL;
}

/* Worker: cmd->fd (a FAMILY or ALT command's socket, the worker's to
 * close on failure) into the epoll set as l's (alt: its second socket),
 * unless busy: -EBUSY, or -errno of epoll_ctl. */
static int cmd_sock_add(struct relay_worker *w, const struct relay_cmd *cmd,
			struct relay_leg *l, bool busy, bool alt)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = relay_leg_ep(l, alt) };
	int err = busy ? -EBUSY : 0;

	if (!err && epoll_ctl(w->epfd, EPOLL_CTL_ADD, cmd->fd, &ev) < 0)
		err = -errno;
	if (err)
		close(cmd->fd);
	return err;
}

/* Worker: swap the leg's socket for cmd->fd. Only before the leg has
 * anything its socket carries: no DTLS engine (its association is bound
 * to the peer's address), no RTCP component, no media queued in the
 * socket (RELAY_HQ_*). The peer of the old family is forgotten. */
int relay_port_family_exec(struct relay_worker *w, struct relay_call *c,
			   const struct relay_cmd *cmd)
{
	struct relay_leg *l = &c->leg[cmd->leg];
	int err;

	if ((err = cmd_sock_add(w, cmd, l, l->dtls || l->rtcp ||
					   l->hq != RELAY_HQ_NONE || l->alt_fd >= 0,
				false)))
		return err;
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, l->fd, NULL);
	close(l->fd);
	l->fd = l->sfd = cmd->fd;
	l->port = cmd->port;
	l->family = cmd->family;
	relay_dtls_free(l); /* early DTLS datagrams of the old socket */
	relay_leg_peer_clear(l);
	klog(KLOG_DEBUG, "relay: call %llu leg %u now IPv%c, port %u",
	     (unsigned long long)c->id, l->idx,
	     l->family == AF_INET6 ? '6' : '4', l->port);
	return 0;
}

/* Signalling side: the second socket of an ICE leg (relay.h). Bound here,
 * handed to the worker by an ALT command; alt_port and alt_family are
 * written before the command and never again (relay_int.h), so this side
 * reads them without asking the worker, and the worker never swaps a
 * socket: it only picks which one it sends from (relay_leg_send_from). */
/* want: exactly that port, else 0 (the leg's port when free, or any). */
static int alt_open(struct relay_call *c, unsigned leg, uint16_t want,
		    uint16_t *port)
{
	struct relay_leg *l;
	struct relay_cmd cmd;
	socklen_t len;
	uint16_t p;
	int fam, fd, err;

	if (!c || leg > 1 || !port)
		return -EINVAL;
	l = &c->leg[leg];
	if (l->alt_port) {
		*port = l->alt_port;
		return want && want != l->alt_port ? -EEXIST : 0;
	}
	if (c->rtcp_bound[leg])
		return -EINVAL; /* ICE legs mux RTP and RTCP (RFC 5761) */
	fam = l->family == AF_INET6 ? AF_INET : AF_INET6;
	if (!relay_bind_addr(c->r, fam, &len))
		return -EAFNOSUPPORT;
	/* One port number for both candidates when it is free. */
	p = want ? want : l->port;
	fd = relay_port_socket(c->r, fam, p);
	if (!want && (fd == -EADDRINUSE || fd == -EACCES))
		fd = relay_port_take(c->r, fam, &p);
	if (fd < 0)
		return fd;
	l->alt_port = p;
	l->alt_family = fam;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_ALT;
	cmd.call = c;
	cmd.leg = leg;
	cmd.fd = fd; /* the worker's from here, even on failure */
	err = relay_cmd_run(c->w, &cmd);
	if (err) {
		l->alt_port = 0;
		l->alt_family = 0;
		return err;
	}
	*port = p;
	return 0;
}

int relay_leg_alt_open(struct relay_call *c, unsigned leg, uint16_t *port)
{
	return alt_open(c, leg, 0, port);
}

int relay_leg_alt_open_at(struct relay_call *c, unsigned leg, uint16_t port)
{
	uint16_t got;

	if (!port)
		return -EINVAL;
	return alt_open(c, leg, port, &got);
}

uint16_t relay_leg_alt_port(const struct relay_call *c, unsigned leg)
{
	return c && leg < 2 ? c->leg[leg].alt_port : 0;
}

/* Worker: RELAY_CMD_ALT. The socket joins the worker's epoll set with the
 * leg's tagged pointer (relay_leg_ep); media keeps leaving from fd until a
 * nomination of the other family. */
int relay_port_alt_exec(struct relay_worker *w, struct relay_call *c,
			const struct relay_cmd *cmd)
{
	struct relay_leg *l = &c->leg[cmd->leg];
	int err;

	if ((err = cmd_sock_add(w, cmd, l, l->alt_fd >= 0 || l->rtcp, true)))
		return err;
	l->alt_fd = cmd->fd;
	klog(KLOG_DEBUG, "relay: call %llu leg %u: second socket IPv%c, port %u",
	     (unsigned long long)c->id, l->idx,
	     l->alt_family == AF_INET6 ? '6' : '4', l->alt_port);
	return 0;
}

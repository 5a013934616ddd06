/*
 * ep_move: an endpoint moving its media to another local port mid-call (a
 * re-INVITE or UPDATE with a new m= port, RFC 3264 8.3.1): the same keys,
 * DTLS association and KTR session, another socket.
 */
#include <errno.h>
#include <sys/socket.h>

#include "ep/ep_int.h"

int ep_move_fd(struct ep *ep, int fd)
{
	socklen_t len = sizeof(ep->cap_local);

	if (!ep || fd < 0)
		return -EINVAL;
	ep->fd = fd;
	/* The capture's records show the new local address. */
	if (ep->cap.f && getsockname(fd, (struct sockaddr *)&ep->cap_local, &len) < 0)
		return -errno;
	return 0;
}

int ep_move_rtcp_mux(struct ep *ep)
{
	if (!ep)
		return -EINVAL;
	ep->rtcp_fd = -1; /* the owner's socket */
	ep->rtcp_peer_len = 0;
	return 0;
}

/* sdp_addr: an SDP connection address and port as a socket address.
 * Layer 0 (docs/layers.md): calls no other sdp/ file. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sdp/sdp.h"

int sdp_conn_sockaddr(const struct sdp_conn *c, uint16_t port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai;
	char ps[8];

	if (!c || !ss || !len || !port)
		return -EINVAL;
	hints.ai_family = strcmp(c->addrtype, "IP6") == 0 ? AF_INET6 : AF_INET;
	snprintf(ps, sizeof(ps), "%u", port);
	/* Numeric only: an FQDN in c= would need DNS, which the SBC does not
	 * do on the call path. A "/ttl" suffix (multicast) is refused too. */
	if (getaddrinfo(c->addr, ps, &hints, &ai))
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

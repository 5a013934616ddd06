/*
 * relay_dtls_early: DTLS datagrams that reach a leg before its engine
 * starts (relay_int.h, relay_dtls_early: an active answerer's ClientHello
 * outracing its SDP answer, RFC 8122 6.2, RFC 5763 5), one kept per
 * source, and handed to the engine by relay_dtls_start (relay_dtls.c; this
 * part was split from it).
 */
#include "relay/relay_int.h"

#include <stdlib.h>
#include <string.h>

/* relay_dtls_early's datagram (relay_int.h). */
struct relay_early {
	struct sockaddr_storage src;
	socklen_t src_len;
	size_t len, cap;
	uint8_t pkt[];
};

void relay_dtls_early_free(struct relay_leg *l)
{
	for (unsigned i = 0; i < RELAY_EARLY_MAX; i++) {
		free(l->early[i]);
		l->early[i] = NULL;
	}
}

/* Same source: family, address and port (not the sockaddr's padding). */
static bool early_from(const struct relay_early *e,
		       const struct sockaddr_storage *src)
{
	if (e->src.ss_family != src->ss_family)
		return false;
	if (src->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)src;
		const struct sockaddr_in *b = (const struct sockaddr_in *)&e->src;

		return a->sin_port == b->sin_port &&
		       a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	if (src->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)src;
		const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)&e->src;

		return a->sin6_port == b->sin6_port &&
		       memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0;
	}
	return false;
}

void relay_dtls_early(struct relay_leg *l, const uint8_t *pkt, size_t len,
		      const struct sockaddr_storage *src, socklen_t slen)
{
	struct relay_early *e;
	unsigned i, slot = RELAY_EARLY_MAX;

	/* Only the DTLS leg's own port ever starts a DTLS engine: anything
	 * DTLS-looking elsewhere is junk, not worth a buffer. */
	if (l->idx != RELAY_LEG_DTLS || l->is_rtcp || len > RELAY_RECV_MAX ||
	    slen > sizeof(e->src))
		return;
	/* The answer named the peer: nothing else is worth keeping (a
	 * latching leg has latched this source already if it may). */
	if ((l->fwd.flags & RELAY_F_PEER) && !relay_leg_is_peer(l, src))
		return;
	/* This source's slot, else the first free one; none: not kept. */
	for (i = 0; i < RELAY_EARLY_MAX; i++) {
		if (l->early[i] && early_from(l->early[i], src)) {
			slot = i;
			break;
		}
		if (!l->early[i] && slot == RELAY_EARLY_MAX)
			slot = i;
	}
	if (slot == RELAY_EARLY_MAX)
		return;
	e = l->early[slot];
	if (!e || e->cap < len) {
		free(e);
		e = malloc(sizeof(*e) + len);
		l->early[slot] = e;
		if (!e)
			return;
		e->cap = len;
	}
	memcpy(&e->src, src, slen);
	e->src_len = slen;
	e->len = len;
	memcpy(e->pkt, pkt, len);
}

/* A server engine just started: the datagram kept from the source the
 * answer named as the peer, if any; the others are dropped. */
void relay_dtls_early_feed(struct relay_worker *w, struct relay_leg *l,
			   enum dtls_role role)
{
	for (unsigned i = 0; i < RELAY_EARLY_MAX; i++) {
		struct relay_early *e = l->early[i];

		if (e && role == DTLS_ROLE_SERVER &&
		    (l->fwd.flags & RELAY_F_PEER) &&
		    relay_leg_is_peer(l, &e->src)) {
			l->fwd.dtls_pkts++;
			relay_dtls_input(w, l, e->pkt, e->len);
			break;
		}
	}
	relay_dtls_early_free(l);
}

/*
 * media_family: the address family of each side of a session (issue 14
 * point 4: IPv6 media on either side, IPv4 on one and IPv6 on the other).
 *
 * The relay binds every leg to the engine's media_address at first; a side
 * whose peer speaks the other family gets its legs moved to media_address6
 * (relay_leg_set_family) before anything is written or sent, and the SDP
 * ktrsbc writes to that side carries that address (c=IN IP6 ...; its
 * a=rtcp:PORT names no address, so RFC 3605 takes the c= one). Which
 * family a side gets:
 *   - the offerer: that of its offer's relayed m-lines (their effective
 *     c=), so the answer speaks the family the offerer asked for; all of
 *     them must be of one family (one relay address per side);
 *   - the other side: its policy's family (a trunk's media_family): the
 *     offerer's (same, the default), IPv4 or IPv6. Its answer must keep
 *     the family of the offer it answers: ktrsbc's leg has no socket in
 *     the other family, so such an answer is refused with a cause.
 * Both legs of a stream may differ in family: the relay forwards from
 * each leg's own socket to that leg's peer.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "base/err.h"
#include "base/klog.h"
#include "media/media_int.h"

static char fam_digit(int family)
{
	return family == AF_INET6 ? '6' : '4';
}

/* The family of the offer's relayed m-lines (their effective c=). */
static int offer_family(struct media_session *s, int *family)
{
	*family = 0;
	for (size_t i = 0; i < s->n_streams; i++) {
		const struct sdp_media *md = sdp_session_media(s->offer, s->streams[i].idx);
		struct sdp_conn conn;
		int f;

		if (!md || !sdp_media_conn(md, &conn))
			continue; /* set_peer names the missing address */
		f = strcmp(conn.addrtype, "IP6") == 0 ? AF_INET6 : AF_INET;
		if (*family && f != *family) {
			media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
					"SDP: m-line %zu is IPv%c, an earlier relayed m-line IPv%c: ktrsbc relays one address family per side",
					s->streams[i].idx + 1, fam_digit(f), fam_digit(*family));
			return -EPROTO;
		}
		*family = f;
	}
	if (!*family)
		*family = AF_INET;
	return 0;
}

static int policy_family(const struct media_policy *p, int same)
{
	switch (p->family) {
	case MEDIA_FAMILY_IPV4: return AF_INET;
	case MEDIA_FAMILY_IPV6: return AF_INET6;
	default: return same;
	}
}

/* Move stream m's leg on side to the session's family for it. */
static int stream_side(struct media_stream *m, enum media_side side)
{
	struct media_session *s = m->sess;
	int err = relay_leg_set_family(m->relay, side, s->family[side]);

	if (err) {
		media_cause_set(s, MEDIA_CAUSE_INTERNAL,
				"relay: cannot open an IPv%c media port toward the %s side: %s",
				fam_digit(s->family[side]), side == MEDIA_SIDE_SDES ? "SDES" : "DTLS",
				err_str(err));
		return err;
	}
	m->ports[side] = relay_leg_port(m->relay, side);
	return 0;
}

int media_family_stream(struct media_stream *m)
{
	int err = 0;

	for (int side = 0; side < 2 && !err; side++)
		if (m->sess->family[side])
			err = stream_side(m, (enum media_side)side);
	return err;
}

int media_family_offer(struct media_session *s)
{
	enum media_side o = s->offerer, a = (enum media_side)!s->offerer;
	int err;

	if ((err = offer_family(s, &s->family[o])))
		return err;
	s->family[a] = policy_family(&s->pol[a], s->family[o]);
	if (!relay_has_family(s->e->relay, s->family[o])) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"SDP: the offer's media address is IPv%c and ktrsbc has none of that family (%s)",
				fam_digit(s->family[o]),
				s->family[o] == AF_INET6 ? "media_address6" : "media_address");
		return -EAFNOSUPPORT;
	}
	if (!relay_has_family(s->e->relay, s->family[a])) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"trunk %s wants IPv%c media (media_family) and ktrsbc has no such media address (%s)",
				s->pol[a].name ? s->pol[a].name : "?", fam_digit(s->family[a]),
				s->family[a] == AF_INET6 ? "media_address6" : "media_address");
		return -EAFNOSUPPORT;
	}
	for (size_t i = 0; i < s->n_streams && !err; i++)
		err = media_family_stream(&s->streams[i]);
	if (!err && (s->family[0] == AF_INET6 || s->family[1] == AF_INET6))
		klog(KLOG_DEBUG, "media: session %llu: SDES side IPv%c, DTLS side IPv%c",
		     (unsigned long long)s->id, fam_digit(s->family[MEDIA_SIDE_SDES]),
		     fam_digit(s->family[MEDIA_SIDE_DTLS]));
	return err;
}

const char *media_family_addr(const struct media_session *s, enum media_side side)
{
	const struct conf *c = &s->e->conf;

	/* media_address is the only one of its family (conf.c refuses an
	 * IPv6 media_address6 beside an IPv6 media_address). */
	if (s->family[side] == AF_INET6 && c->media_address6[0])
		return c->media_address6;
	return c->media_address;
}

void media_family_mismatch(struct media_session *s, enum media_side side)
{
	int f = s->family[side] ? s->family[side] : AF_INET;

	media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
			"SDP: the %s side's media address is IPv%c, ktrsbc's media toward it is IPv%c (an answer keeps the address family of its offer)",
			side == MEDIA_SIDE_SDES ? "SDES" : "DTLS", fam_digit(f == AF_INET6 ? AF_INET : AF_INET6),
			fam_digit(f));
}

/*
 * media_move: re-offers (re-INVITE, UPDATE: RFC 3311) that move a stream's
 * media mid-call (issue 14 point 2). A UA's new c= address or m= port
 * becomes that leg's new peer in the relay (relay_leg_set_peer): packets go
 * there from then on, and packets from the old address fail the source
 * check (draft section 6: dropped, counted in dropped_src). The other UA
 * learns nothing of a pure move: its leg does not change (RFC 3264 8.3.1
 * lets the offerer change its address; the answerer only follows), so the
 * mover is answered with our SDP for its leg (media_reoffer.c). A peer at
 * c=0.0.0.0 (or ::), the hold of RFC 2543 that RFC 3264 8.4 still allows an
 * offerer to send, gets nothing any more (the relay sends nothing toward an
 * unspecified address) and its direction loses its receive half, so the
 * other UA is offered the hold (sendonly / inactive); the resume, to the
 * same or a new address, gives the leg its peer again. A relay call in the
 * kernel's fast path is taken back before its peer changes and offloaded
 * again once it qualifies (relay_offload.c).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"
#include "media/media_int.h"

static bool sa_unspec(const struct sockaddr_storage *ss)
{
	static const uint8_t zero[16];

	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == 0;
	return !memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, zero, 16);
}

static bool sa_same(const struct sockaddr_storage *a, socklen_t al,
		    const struct sockaddr_storage *b, socklen_t bl)
{
	if (al != bl || a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
	}
	return al == 0;
}

/* Where md's RTP and RTCP go (as set_peer reads them). 0 or -EPROTO. */
static int where_of(const struct sdp_media *md, struct media_where *w)
{
	struct sdp_conn conn;
	uint16_t port;
	int err;

	memset(w, 0, sizeof(*w));
	if (!md || !sdp_media_conn(md, &conn) ||
	    sdp_conn_sockaddr(&conn, sdp_media_port(md), &w->rtp, &w->rtp_len))
		return -EPROTO;
	err = sdp_media_rtcp_dest(md, &conn, &port);
	if (err == -ENOENT) /* rtcp-mux */
		return 0;
	if (err || sdp_conn_sockaddr(&conn, port, &w->rtcp, &w->rtcp_len))
		return -EPROTO;
	return 0;
}

void media_move_note(struct media_stream *m, enum media_side side,
		     const struct sdp_media *md)
{
	if (where_of(md, &m->where[side]))
		memset(&m->where[side], 0, sizeof(m->where[side]));
	m->held0[side] = false;
}

/* The relay's leg toward w, its RTCP port following w's arrangement (cur:
 * the leg's arrangement now): opened for a UA that stopped muxing, closed
 * for one that muxes again (RFC 5761 5.1.3: a re-offer may change the
 * choice), re-aimed otherwise; w's RTP address unspecified: toward nobody
 * (relay.h). 0 or -errno. */
static int leg_aim(struct media_stream *m, enum media_side side,
		   const struct media_where *w, const struct media_where *cur)
{
	struct media_session *s = m->sess;
	bool unspec = sa_unspec(&w->rtp);
	bool latch = s->pol[side].latch && !unspec;
	int err;

	err = relay_leg_set_peer(m->relay, side, (const struct sockaddr *)&w->rtp,
				 w->rtp_len, latch);
	if (err == -EAFNOSUPPORT)
		media_family_mismatch(s, side);
	if (err)
		return err;
	if (!w->rtcp_len)
		return cur->rtcp_len ? relay_leg_rtcp_close(m->relay, side) : 0;
	if (unspec) {
		/* at c=0.0.0.0 nothing goes to its RTCP port either */
		struct sockaddr_storage z = w->rtp;

		if (z.ss_family == AF_INET)
			((struct sockaddr_in *)&z)->sin_port = 0;
		else
			((struct sockaddr_in6 *)&z)->sin6_port = 0;
		return relay_leg_set_rtcp_peer(m->relay, side, (struct sockaddr *)&z,
					       w->rtp_len, false);
	}
	err = relay_leg_set_rtcp_peer(m->relay, side, (const struct sockaddr *)&w->rtcp,
				      w->rtcp_len, latch);
	if (err && !cur->rtcp_len)
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"relay: cannot open RTCP port %u: %s",
				relay_leg_rtcp_port(m->relay, side), err_str(err));
	return err;
}

/* What a direction becomes when its offerer sits at c=0.0.0.0: it may
 * still send (music on hold) but receives nothing (RFC 3264 8.4). */
static enum sdp_dir dir_hold0(enum sdp_dir d)
{
	return d == SDP_DIR_RECVONLY || d == SDP_DIR_INACTIVE ? SDP_DIR_INACTIVE :
								SDP_DIR_SENDONLY;
}

static const char *side_name(enum media_side side)
{
	return side == MEDIA_SIDE_SDES ? "SDES" : "DTLS";
}

int media_move_offer(struct media_session *s, enum media_side side,
		     const struct sdp_session *o, enum sdp_dir dirs[], bool *moved)
{
	*moved = false;
	for (size_t i = 0; i < s->n_streams; i++) {
		struct media_stream *m = &s->streams[i];
		const struct sdp_media *md = sdp_session_media(o, m->idx);
		struct media_where w;
		bool unspec, mux_now, mux_was;
		int err;

		m->move_pending[side] = false;
		if (m->removing) /* port 0: media_streams.c */
			continue;
		if (where_of(md, &w)) {
			media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
					"SDP: m-line %zu: no usable media address", m->idx);
			return -EPROTO;
		}
		unspec = sa_unspec(&w.rtp);
		if (unspec)
			dirs[i] = dir_hold0(dirs[i]);
		if (unspec && m->held0[side])
			continue;
		mux_now = !w.rtcp_len;
		mux_was = !m->where[side].rtcp_len;
		if (!unspec && !m->held0[side] &&
		    sa_same(&w.rtp, w.rtp_len, &m->where[side].rtp, m->where[side].rtp_len) &&
		    sa_same(&w.rtcp, w.rtcp_len, &m->where[side].rtcp, m->where[side].rtcp_len))
			continue;
		if (!mux_now && side == MEDIA_SIDE_DTLS) {
			/* As at the call's start: RFC 5764 4.1 would want a
			 * DTLS association of its own for RTCP. */
			media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
					"the DTLS-SRTP re-offer has no a=rtcp-mux (m-line %zu): RTCP on its own port would need a second DTLS association",
					m->idx);
			return -EPROTO;
		}
		if (mux_now != mux_was)
			klog(KLOG_INFO, "sbc: call %llu: m-line %zu: the %s UA switches rtcp-mux %s; the relay's RTCP port follows",
			     (unsigned long long)s->id, m->idx, side_name(side),
			     mux_now ? "on" : "off");
		m->where_prev[side] = m->where[side];
		m->held0_prev[side] = m->held0[side];
		if (side == MEDIA_SIDE_DTLS && media_bundle_member(m)) {
			/* Its DTLS leg sends from the bundle's socket to the
			 * bundle's peer: stream 0's leg, aimed above, passes
			 * the new address or the hold on (relay.h, BUNDLE). */
			err = 0;
		} else if (unspec) {
			/* Keep the address it sent from: its media (music on
			 * hold) still passes the source check. */
			struct media_where keep = m->where[side];

			keep.rtp = w.rtp;
			err = leg_aim(m, side, &keep, &m->where[side]);
		} else {
			err = leg_aim(m, side, &w, &m->where[side]);
		}
		if (err) {
			if (err != -EAFNOSUPPORT)
				media_cause_set(s, MEDIA_CAUSE_INTERNAL,
						"relay: cannot move m-line %zu: %s",
						m->idx, err_str(err));
			return err;
		}
		if (!unspec)
			m->where[side] = w;
		m->held0[side] = unspec;
		m->move_pending[side] = true;
		*moved = true;
		klog(KLOG_INFO, "sbc: call %llu: m-line %zu: the %s UA's media %s",
		     (unsigned long long)s->id, m->idx, side_name(side),
		     unspec ? "is held (c= unspecified): nothing is sent toward it" :
			      "moved; the relay follows");
	}
	return 0;
}

void media_move_undo(struct media_session *s, enum media_side side)
{
	for (size_t i = 0; i < s->n_streams; i++) {
		struct media_stream *m = &s->streams[i];
		struct media_where back;
		int err;

		if (!m->move_pending[side])
			continue;
		m->move_pending[side] = false;
		back = m->where_prev[side];
		if (m->held0_prev[side]) {
			if (back.rtp.ss_family == AF_INET)
				memset(&((struct sockaddr_in *)&back.rtp)->sin_addr, 0, 4);
			else
				memset(&((struct sockaddr_in6 *)&back.rtp)->sin6_addr, 0, 16);
		}
		err = side == MEDIA_SIDE_DTLS && media_bundle_member(m) ? 0 :
			leg_aim(m, side, &back, &m->where[side]);
		m->where[side] = m->where_prev[side];
		m->held0[side] = m->held0_prev[side];
		if (err)
			klog(KLOG_WARN, "sbc: call %llu: m-line %zu: cannot move the %s UA's media back after the refusal: %s",
			     (unsigned long long)s->id, m->idx, side_name(side),
			     err_str(err));
		else
			klog(KLOG_INFO, "sbc: call %llu: m-line %zu: the other UA refused; the %s UA's media back where it was",
			     (unsigned long long)s->id, m->idx, side_name(side));
	}
}

void media_move_done(struct media_session *s, enum media_side side)
{
	for (size_t i = 0; i < s->n_streams; i++)
		s->streams[i].move_pending[side] = false;
}

int media_move_answer_rtcp(struct media_stream *m, enum media_side side,
			   struct sdp_media *md)
{
	char v[8];
	int err;

	if (side != MEDIA_SIDE_SDES || !md || !sdp_media_port(md))
		return 0;
	/* RFC 5761 5.1.1: an answer muxes exactly when its offer did; else
	 * it names our RTCP port (RFC 3605), as sdp_xlate's answers do. */
	sdp_media_attr_del(md, "rtcp");
	err = sdp_media_rtcp_mux_set(md, !m->where[side].rtcp_len);
	if (err || !m->where[side].rtcp_len)
		return err;
	snprintf(v, sizeof(v), "%u", relay_leg_rtcp_port(m->relay, side));
	return sdp_media_attr_add(md, "rtcp", v);
}

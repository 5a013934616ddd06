/*
 * relay BUNDLE (RFC 9143; relay.h): several streams on one transport toward
 * one peer. The owner call's leg carries the bundle: its socket receives
 * every stream's packets, its DTLS association keys them all; each member
 * call's leg on that side sends from the owner's socket. The owner's batch
 * demultiplexes each RTP/RTCP datagram to its stream (RFC 8843 9.2: by
 * SSRC, else by payload type, the SSRC then learned) with a fixed table,
 * then runs that stream's own per-datagram stage (hold, tracking, crypto
 * stage) and sends it from the stream's other leg, one sendmmsg per run of
 * datagrams leaving by the same socket.
 *
 * Two-time pad (draft 6.2): toward the bundle's peer the streams that the
 * relay protects share one key (the DTLS association's), so each SSRC
 * belongs to one stream only: the crypto stage claims an SSRC for its
 * stream before protecting the first packet of it, and drops a packet
 * whose SSRC another stream claimed (relay_bundle_tx_check).
 */
#include "relay/relay_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/klog.h"

#define PT_NONE 0xffu

struct relay_bundle {
	struct relay_call *owner;
	unsigned leg; /* the owner's leg carrying the bundle */
	unsigned n_members;
	struct relay_call *member[RELAY_BUNDLE_MEMBERS_MAX]; /* [0]: owner */
	unsigned max_ssrcs; /* relay_cfg.bundle_ssrcs */
	/* Receive side: SSRC -> member, payload type -> member. */
	unsigned n_ssrcs;
	uint32_t ssrc[RELAY_BUNDLE_SSRCS_MAX];
	uint8_t ssrc_member[RELAY_BUNDLE_SSRCS_MAX];
	uint8_t pt_member[128];
	/* Send side (toward the peer, under the shared key): SSRC -> member. */
	unsigned n_tx;
	uint32_t tx_ssrc[RELAY_BUNDLE_SSRCS_MAX];
	uint8_t tx_member[RELAY_BUNDLE_SSRCS_MAX];
	uint64_t learned, unrouted, learn_full, ssrc_clash;
	uint64_t key_unrouted; /* relay_bundle_ssrc_leg found no stream */
	bool clash_logged, unrouted_logged;
};

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The SSRC a datagram speaks for: RTP's header SSRC (RFC 3550 5.1), an
 * RTCP packet's sender SSRC (6.4; the first packet of a compound one). */
static inline int pkt_ssrc(const uint8_t *pkt, size_t len, bool rtcp,
			   uint32_t *ssrc)
{
	if (len < (rtcp ? 8u : 12u))
		return -EBADMSG;
	*ssrc = be32(pkt + (rtcp ? 4 : 8));
	return 0;
}

static int member_index(const struct relay_bundle *b, const struct relay_call *c)
{
	for (unsigned i = 0; i < b->n_members; i++)
		if (b->member[i] == c)
			return (int)i;
	return -1;
}

/* Receive-side demultiplexing: the member index, or -1. A bounded scan
 * of a small table and a lookup; learning writes one table slot. */
static inline int pick(struct relay_bundle *b, const uint8_t *pkt, size_t len)
{
	bool rtcp = ksrtp_is_rtcp(pkt, len);
	uint32_t ssrc;
	unsigned k;

	if (b->n_members == 1)
		return 0; /* a bundle of one stream: all of it is that stream's */
	if (pkt_ssrc(pkt, len, rtcp, &ssrc))
		return -1;
	for (unsigned i = 0; i < b->n_ssrcs; i++)
		if (b->ssrc[i] == ssrc)
			return b->ssrc_member[i];
	if (rtcp) /* a receiver-only report, say: the owner's stream */
		return 0;
	k = b->pt_member[pkt[1] & 0x7f];
	if (k == PT_NONE)
		return -1;
	if (b->n_ssrcs < b->max_ssrcs) {
		b->ssrc[b->n_ssrcs] = ssrc;
		b->ssrc_member[b->n_ssrcs++] = (uint8_t)k;
		b->learned++;
	} else {
		b->learn_full++;
	}
	return (int)k;
}

/* Counted per datagram (unrouted, dropped_other); said once per bundle:
 * the failure path, never a forwarded packet's. */
static void unrouted_log(struct relay_bundle *b, const uint8_t *pkt, size_t len)
{
	uint32_t ssrc = 0;

	b->unrouted_logged = true;
	pkt_ssrc(pkt, len, ksrtp_is_rtcp(pkt, len), &ssrc);
	klog(KLOG_WARN, "relay: call %llu: bundle: a datagram of SSRC %08x, payload type %u, matches no stream (no a=ssrc for it, its payload type no m-line's): dropped",
	     (unsigned long long)b->owner->id, ssrc, len > 1 ? pkt[1] & 0x7fu : 0u);
}

int relay_bundle_tx_check(struct relay_xc *x, const uint8_t *pkt, size_t len)
{
	struct relay_bundle *b = x->bx;
	uint32_t ssrc;

	if (pkt_ssrc(pkt, len, ksrtp_is_rtcp(pkt, len), &ssrc))
		return -EBADMSG;
	for (unsigned i = 0; i < b->n_tx; i++) {
		if (b->tx_ssrc[i] != ssrc)
			continue;
		if (b->tx_member[i] == x->bx_member)
			return 0;
		goto clash;
	}
	if (b->n_tx < b->max_ssrcs) {
		b->tx_ssrc[b->n_tx] = ssrc;
		b->tx_member[b->n_tx++] = x->bx_member;
		return 0;
	}
clash:
	b->ssrc_clash++;
	if (!b->clash_logged) {
		/* Counted per packet in dropped_other; said once per bundle. */
		b->clash_logged = true;
		klog(KLOG_WARN, "relay: call %llu: bundle: an SSRC another stream sends under the bundle's key (or past bundle_ssrcs=%u): dropped (two-time pad, draft 6.2)",
		     (unsigned long long)b->owner->id, b->max_ssrcs);
	}
	return -EEXIST;
}

void relay_bundle_xc_bind(struct relay_call *c, unsigned from_leg,
			  struct relay_xc *x)
{
	struct relay_leg *o = &c->leg[1 - from_leg];
	struct relay_bundle *b = c->bundle ? c->bundle :
				 c->bundle_owner ? c->bundle_owner->bundle : NULL;
	int k;

	if (!x || !b || !(o->bundle_head || o->bundle_member) ||
	    (k = member_index(b, c)) < 0)
		return;
	x->bx = b;
	x->bx_member = (uint8_t)k;
}

/* --- the bundle's batch ------------------------------------------------------- */

static int sys_recvmmsg(int fd, struct mmsghdr *m, unsigned n)
{
	return (int)syscall(SYS_recvmmsg, fd, m, n, MSG_DONTWAIT, NULL);
}

static int sys_sendmmsg(int fd, struct mmsghdr *m, unsigned n)
{
	return (int)syscall(SYS_sendmmsg, fd, m, n, MSG_DONTWAIT);
}

/* Send tx_msgs[off .. end), all from fd, counting on each one's record. */
static void send_run(struct relay_worker *w, int fd, struct relay_fwd **rec,
		     unsigned off, unsigned end)
{
	while (off < end) {
		int s = sys_sendmmsg(fd, w->tx_msgs + off, end - off);

		if (s <= 0) {
			if (s < 0 && errno == EINTR)
				continue;
			rec[off]->fwd_errs++;
			off++;
			continue;
		}
		for (unsigned i = off; i < off + (unsigned)s; i++) {
			rec[i]->fwd_pkts++;
			rec[i]->fwd_bytes += w->tx_msgs[i].msg_hdr.msg_iov->iov_len;
		}
		off += (unsigned)s;
	}
}

void relay_bundle_fwd_batch(struct relay_worker *w, struct relay_leg *l)
{
	struct relay_bundle *b = l->call->bundle;
	struct relay_fwd *rec[RELAY_BATCH_MAX];
	int fds[RELAY_BATCH_MAX];
	struct mmsghdr *tm = w->tx_msgs;
	struct iovec *tv = w->tx_iov;
	unsigned nout = 0;
	bool from_peer = false;
	int n;

	n = sys_recvmmsg(l->fd, w->rx_msgs, w->batch);
	if (n <= 0)
		return;
	for (unsigned i = 0; i < (unsigned)n; i++) {
		struct msghdr *h = &w->rx_msgs[i].msg_hdr;
		uint8_t *pkt = w->rx_iov[i].iov_base;
		size_t len = w->rx_msgs[i].msg_len;
		socklen_t namelen = h->msg_namelen;
		enum ksrtp_demux cls;

		h->msg_namelen = sizeof(w->src[i]);
		l->fwd.pkts++;
		l->fwd.bytes += len;
		if (h->msg_flags & MSG_TRUNC) {
			l->fwd.dropped_other++;
			continue;
		}
		cls = ksrtp_demux_class(pkt, len);
		/* ICE-lite on the bundle's one port (relay_ice.c), as in
		 * relay_fwd.c's batch */
		if (__builtin_expect(cls == KSRTP_DEMUX_STUN, 0) && l->ice) {
			relay_ice_input(w, l, l->fd, pkt, len, &w->src[i], namelen);
			continue;
		}
		if (!relay_fwd_src_accept(l, &w->src[i], namelen, cls)) {
			if (cls == KSRTP_DEMUX_DTLS && !l->dtls)
				relay_dtls_early(l, pkt, len, &w->src[i], namelen);
			l->fwd.dropped_src++;
			continue;
		}
		from_peer = true;
		if (cls == KSRTP_DEMUX_RTP) {
			int k = pick(b, pkt, len);
			struct relay_call *mc;
			struct relay_leg *ml, *mo;
			bool to_rtcp = false;

			if (k < 0 || (unsigned)k >= b->n_members) {
				b->unrouted++;
				l->fwd.dropped_other++;
				if (!b->unrouted_logged)
					unrouted_log(b, pkt, len);
				continue;
			}
			mc = b->member[k];
			ml = &mc->leg[b->leg];
			mo = &mc->leg[1 - b->leg];
			if (ml != l) {
				ml->fwd.pkts++;
				ml->fwd.bytes += len;
				ml->fwd.last_rx_ms = w->now_ms;
			}
			if (((ml->fwd.flags & (RELAY_F_FORWARD | RELAY_F_HOLD |
					       RELAY_F_TRACK | RELAY_F_TRANSCRYPT)) !=
			     RELAY_F_FORWARD || mo->rtcp) &&
			    !relay_fwd_rtp_stage(ml, ml, mo, pkt, &len, &to_rtcp)) {
				ml->fwd.dropped_other++;
				continue;
			}
			tv[nout].iov_base = pkt;
			tv[nout].iov_len = len;
			if (to_rtcp) {
				tm[nout].msg_hdr.msg_name = &mo->rtcp->peer_sa;
				tm[nout].msg_hdr.msg_namelen = mo->rtcp->peer_len;
				fds[nout] = mo->rtcp->sfd;
			} else {
				tm[nout].msg_hdr.msg_name = &mo->peer_sa;
				tm[nout].msg_hdr.msg_namelen = mo->peer_len;
				fds[nout] = mo->sfd;
			}
			rec[nout++] = &ml->fwd;
		} else if (cls == KSRTP_DEMUX_DTLS && l->dtls) {
			l->fwd.dtls_pkts++;
			relay_dtls_input(w, l, pkt, len);
		} else {
			if (cls == KSRTP_DEMUX_DTLS)
				relay_dtls_early(l, pkt, len, &w->src[i], namelen);
			l->fwd.dropped_other++;
		}
	}
	if (from_peer)
		l->fwd.last_rx_ms = w->now_ms;
	/* a dictation waiting for its stream's SSRC (relay_bundle_ktr.c) */
	if (__builtin_expect(l->dict_waiting, 0))
		relay_bundle_dictate_next(w, l);
	for (unsigned s = 0; s < nout;) {
		unsigned e = s + 1;

		while (e < nout && fds[e] == fds[s])
			e++;
		send_run(w, fds[s], rec, s, e);
		s = e;
	}
}

/* --- commands ------------------------------------------------------------------ */

void relay_bundle_peer_sync(struct relay_leg *l)
{
	struct relay_bundle *b = l->call->bundle;

	if (!b)
		return;
	for (unsigned i = 1; i < b->n_members; i++) {
		struct relay_leg *ml = &b->member[i]->leg[b->leg];
		struct relay_leg *mo = &b->member[i]->leg[1 - b->leg];

		/* The peer's hold (c=0.0.0.0, RFC 3264 8.4) is the whole
		 * bundle's: no stream sends toward it (its RTCP neither:
		 * relay_leg_peer_apply reads no_send), as on the owner's
		 * leg (relay_call.c). */
		ml->no_send = l->no_send;
		if (l->peer_len)
			relay_leg_peer_apply(ml, (const struct sockaddr *)&l->peer_sa,
					     l->peer_len, false);
		else
			relay_leg_peer_clear(ml);
		if (ml->no_send) {
			mo->fwd.flags &= (uint8_t)~RELAY_F_FORWARD;
			mo->fwd.out_family = 0;
			memset(mo->fwd.out_addr, 0, sizeof(mo->fwd.out_addr));
			mo->fwd.out_port = 0;
		}
	}
}

static int exec_join(struct relay_worker *w, struct relay_cmd *cmd)
{
	struct relay_call *o = cmd->call, *m = cmd->call2;
	struct relay_bundle *b = o->bundle;
	struct relay_leg *ol = &o->leg[cmd->leg], *ml;

	if (!b) {
		if (o->bundle_owner || !cmd->bnew)
			return -EBUSY;
		b = cmd->bnew;
		cmd->bnew = NULL; /* taken */
		b->owner = o;
		b->leg = cmd->leg;
		b->member[b->n_members++] = o;
		b->max_ssrcs = w->r->cfg.bundle_ssrcs ? w->r->cfg.bundle_ssrcs :
							 RELAY_BUNDLE_SSRCS_DEFAULT;
		if (b->max_ssrcs > RELAY_BUNDLE_SSRCS_MAX)
			b->max_ssrcs = RELAY_BUNDLE_SSRCS_MAX;
		memset(b->pt_member, PT_NONE, sizeof(b->pt_member));
		o->bundle = b;
		ol->bundle_head = true;
	} else if (b->leg != cmd->leg) {
		return -EINVAL;
	}
	if (m == o)
		return 0;
	ml = &m->leg[cmd->leg];
	if (m->bundle || m->bundle_owner || ml->dtls || ml->rtcp ||
	    ml->alt_fd >= 0 || ol->alt_fd >= 0) /* one socket per bundle */
		return -EBUSY;
	if (b->n_members >= RELAY_BUNDLE_MEMBERS_MAX)
		return -ENOBUFS;
	if (ml->family != ol->family)
		return -EAFNOSUPPORT;
	/* The member's own socket goes: it sends from the owner's. */
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, ml->fd, NULL);
	close(ml->fd);
	ml->fd = ml->sfd = ol->fd; /* a bundle has no second socket */
	ml->bundle_member = true;
	m->bundle_owner = o;
	b->member[b->n_members++] = m;
	if (ol->peer_len)
		relay_leg_peer_apply(ml, (const struct sockaddr *)&ol->peer_sa,
				     ol->peer_len, false);
	/* What the member's other peer sends waits for the bundle's keys
	 * once DTLS runs on it (relay_bundle_hold). */
	m->leg[1 - cmd->leg].fwd.flags |= RELAY_F_TRACK;
	if (ol->dtls)
		m->leg[1 - cmd->leg].fwd.flags |= RELAY_F_HOLD;
	return 0;
}

struct relay_leg *relay_bundle_ktr_leg(struct relay_leg *l)
{
	struct relay_call *o = l->bundle_member ? l->call->bundle_owner : NULL;

	return o && o->bundle ? &o->leg[o->bundle->leg] : l;
}

struct relay_leg *relay_bundle_ssrc_leg(struct relay_leg *kl, uint32_t ssrc)
{
	struct relay_bundle *b = kl->bundle_head ? kl->call->bundle : NULL;

	if (!b)
		return kl;
	/* the receive side's table: the SSRCs the bundle's peer sends,
	 * signalled (a=ssrc) or learned from its packets */
	for (unsigned i = 0; i < b->n_ssrcs; i++)
		if (b->ssrc[i] == ssrc && b->ssrc_member[i] < b->n_members)
			return &b->member[b->ssrc_member[i]]->leg[b->leg];
	b->key_unrouted++;
	klog(KLOG_WARN, "relay: call %llu: bundle: a KTR key for SSRC %08x, which no stream of the bundle receives: taken as the first stream's",
	     (unsigned long long)b->owner->id, ssrc);
	return kl;
}

unsigned relay_bundle_legs(struct relay_leg *kl, struct relay_leg **out,
			   unsigned cap)
{
	struct relay_bundle *b = kl->bundle_head ? kl->call->bundle : NULL;
	unsigned n = 0;

	if (cap)
		out[n++] = kl;
	for (unsigned i = 1; b && i < b->n_members && n < cap; i++)
		out[n++] = &b->member[i]->leg[b->leg];
	return n;
}

void relay_bundle_hold(struct relay_call *owner)
{
	struct relay_bundle *b = owner->bundle;

	for (unsigned i = 1; b && i < b->n_members; i++)
		b->member[i]->leg[1 - b->leg].fwd.flags |= RELAY_F_HOLD;
}

static int exec_route(struct relay_cmd *cmd)
{
	struct relay_bundle *b = cmd->call->bundle;
	int k = b ? member_index(b, cmd->call2) : -1;
	size_t fresh = 0;

	if (k < 0)
		return -EINVAL;
	/* Check everything before changing anything. */
	for (size_t i = 0; i < cmd->n_pts; i++) {
		if (cmd->pts[i] > 127)
			return -EINVAL;
		if (b->pt_member[cmd->pts[i]] != PT_NONE &&
		    b->pt_member[cmd->pts[i]] != k)
			return -EEXIST;
	}
	for (size_t i = 0; i < cmd->n_ssrcs; i++) {
		bool known = false;

		for (unsigned j = 0; j < b->n_ssrcs; j++) {
			if (b->ssrc[j] != cmd->ssrcs[i])
				continue;
			if (b->ssrc_member[j] != k)
				return -EEXIST;
			known = true;
		}
		fresh += !known;
	}
	if (b->n_ssrcs + fresh > b->max_ssrcs)
		return -ENOSPC;
	for (size_t i = 0; i < cmd->n_pts; i++)
		b->pt_member[cmd->pts[i]] = (uint8_t)k;
	for (size_t i = 0; i < cmd->n_ssrcs; i++) {
		bool known = false;

		for (unsigned j = 0; j < b->n_ssrcs; j++)
			known |= b->ssrc[j] == cmd->ssrcs[i];
		if (!known) {
			b->ssrc[b->n_ssrcs] = cmd->ssrcs[i];
			b->ssrc_member[b->n_ssrcs++] = (uint8_t)k;
		}
	}
	return 0;
}

int relay_bundle_exec(struct relay_worker *w, struct relay_cmd *cmd)
{
	struct relay_bundle *b = cmd->call->bundle;

	switch (cmd->type) {
	case RELAY_CMD_BUNDLE_JOIN:
		return exec_join(w, cmd);
	case RELAY_CMD_BUNDLE_ROUTE:
		return exec_route(cmd);
	case RELAY_CMD_BUNDLE_STATS:
		if (!b)
			return -ENOENT;
		cmd->bst->members = b->n_members;
		cmd->bst->ssrcs = b->n_ssrcs;
		cmd->bst->learned = b->learned;
		cmd->bst->unrouted = b->unrouted;
		cmd->bst->learn_full = b->learn_full;
		cmd->bst->ssrc_clash = b->ssrc_clash;
		cmd->bst->key_unrouted = b->key_unrouted;
		return 0;
	default:
		return -EINVAL;
	}
}

void relay_bundle_leave(struct relay_worker *w, struct relay_call *c)
{
	struct relay_bundle *b;

	(void)w;
	if (c->bundle_owner) {
		b = c->bundle_owner->bundle;
		int k = b ? member_index(b, c) : -1;

		if (k > 0) {
			/* Its table entries go with it (indices shift down). */
			for (unsigned i = 0; i < b->n_ssrcs;) {
				if (b->ssrc_member[i] == k) {
					b->ssrc[i] = b->ssrc[b->n_ssrcs - 1];
					b->ssrc_member[i] = b->ssrc_member[--b->n_ssrcs];
					continue;
				}
				b->ssrc_member[i] -= b->ssrc_member[i] > k;
				i++;
			}
			for (unsigned i = 0; i < b->n_tx;) {
				if (b->tx_member[i] == k) {
					b->tx_ssrc[i] = b->tx_ssrc[b->n_tx - 1];
					b->tx_member[i] = b->tx_member[--b->n_tx];
					continue;
				}
				b->tx_member[i] -= b->tx_member[i] > k;
				i++;
			}
			for (unsigned p = 0; p < 128; p++) {
				if (b->pt_member[p] == k)
					b->pt_member[p] = PT_NONE;
				else if (b->pt_member[p] != PT_NONE && b->pt_member[p] > k)
					b->pt_member[p]--;
			}
			for (unsigned i = (unsigned)k; i + 1 < b->n_members; i++)
				b->member[i] = b->member[i + 1];
			b->n_members--;
			/* later members' transcrypts name their index */
			for (unsigned i = (unsigned)k; i < b->n_members; i++)
				for (int g = 0; g < 2; g++)
					if (b->member[i]->leg[g].xc &&
					    b->member[i]->leg[g].xc->bx == b)
						b->member[i]->leg[g].xc->bx_member = (uint8_t)i;
		}
		for (int g = 0; g < 2; g++)
			if (c->leg[g].bundle_member) {
				c->leg[g].fd = c->leg[g].sfd = -1; /* the owner's */
				c->leg[g].bundle_member = false;
			}
		c->bundle_owner = NULL;
	}
	if ((b = c->bundle)) {
		for (unsigned i = 1; i < b->n_members; i++) {
			struct relay_call *m = b->member[i];
			struct relay_leg *ml = &m->leg[b->leg];

			/* The transport is gone: the member forwards nothing
			 * toward the peer any more. */
			relay_leg_peer_clear(ml);
			ml->fd = ml->sfd = -1;
			ml->bundle_member = false;
			m->bundle_owner = NULL;
			for (int g = 0; g < 2; g++)
				if (m->leg[g].xc && m->leg[g].xc->bx == b)
					m->leg[g].xc->bx = NULL;
		}
		for (int g = 0; g < 2; g++)
			if (c->leg[g].xc)
				c->leg[g].xc->bx = NULL;
		c->leg[b->leg].bundle_head = false;
		c->bundle = NULL;
		free(b);
	}
}

/* --- the signalling side ---------------------------------------------------------- */

int relay_bundle_join(struct relay_call *owner, unsigned leg,
		      struct relay_call *member)
{
	struct relay_cmd cmd;
	int err;

	if (!owner || !member || leg > 1)
		return -EINVAL;
	if (owner->w != member->w)
		return -EXDEV;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_BUNDLE_JOIN;
	cmd.call = owner;
	cmd.call2 = member;
	cmd.leg = leg;
	/* Allocated here, never in the worker; taken by the first join. */
	cmd.bnew = calloc(1, sizeof(*cmd.bnew));
	if (!cmd.bnew)
		return -ENOMEM;
	err = relay_cmd_run(owner->w, &cmd);
	free(cmd.bnew);
	return err;
}

int relay_bundle_route(struct relay_call *owner, struct relay_call *member,
		       const uint32_t *ssrcs, size_t n_ssrcs,
		       const uint8_t *pts, size_t n_pts)
{
	struct relay_cmd cmd;

	if (!owner || !member || (n_ssrcs && !ssrcs) || (n_pts && !pts))
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_BUNDLE_ROUTE;
	cmd.call = owner;
	cmd.call2 = member;
	cmd.ssrcs = ssrcs;
	cmd.n_ssrcs = n_ssrcs;
	cmd.pts = pts;
	cmd.n_pts = n_pts;
	return relay_cmd_run(owner->w, &cmd);
}

int relay_bundle_stats(struct relay_call *owner, struct relay_bundle_stats *st)
{
	struct relay_cmd cmd;

	if (!owner || !st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_BUNDLE_STATS;
	cmd.call = owner;
	cmd.bst = st;
	return relay_cmd_run(owner->w, &cmd);
}

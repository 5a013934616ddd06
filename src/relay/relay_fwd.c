/*
 * relay forwarding path (docs/design.md, media relay; relay.h) and the crypto
 * stage of a transcrypted direction (draft Figure 6).
 *
 * relay_fwd_batch is the product's fast path. Per datagram: count, source
 * check against the leg's record (draft section 6; latching once when the
 * trunk allows it), RFC 7983 section 7 demultiplexing by the first byte, and
 * for RTP/RTCP a send slot pointing at the very receive buffer. One
 * recvmmsg (on whichever of the leg's sockets is readable: an ICE leg may
 * have one per family) and one sendmmsg (from the other leg's send socket,
 * sfd) per batch. The
 * buffers, iovecs and message headers were allocated when the worker
 * started; nothing here allocates, locks, copies, logs or runs crypto,
 * except on a leg marked RELAY_F_TRANSCRYPT (the crypto stage), for a
 * DTLS-class datagram handed to the leg's DTLS engine, for one that
 * reaches the DTLS leg before its engine exists (relay_dtls_early copies
 * it into one buffer per source, at most RELAY_EARLY_MAX per leg, reused),
 * for a STUN-class datagram on a leg with ICE (relay_ice_input answers
 * it: an HMAC and a response on the stack), and, once per call, for the
 * held stream's first RTP packet, which starts
 * the KTR announcement made for it (hold_peek; the packet itself is only
 * looked at, and forwarded later like any other). RTP/RTCP is never
 * copied, allocated for or run through crypto outside the crypto stage.
 */
#include "relay/relay_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"

/* --- the crypto stage --------------------------------------------------- */

int relay_xc_alloc(struct relay_xc **xp, const struct ksrtp_keymat *in,
		   const struct ksrtp_keymat *out)
{
	struct relay_xc *x = calloc(1, sizeof(*x));
	int err;

	if (!x)
		return -ENOMEM;
	x->out = *out;
	x->stop_index = UINT64_MAX;
	/* The key of a media stream, whatever SSRC it carries (RFC 4568):
	 * each context keeps a stream per SSRC (at most
	 * XSRTP_STREAMS_DEFAULT; the `in` side records one only once a
	 * packet of it authenticated). Both are made here, once per key:
	 * nothing keyed is made per packet. */
	err = xsrtp_ctx_alloc(&x->rx, in, 0);
	if (!err)
		err = xsrtp_ctx_alloc(&x->tx, out, 0);
	if (err) {
		relay_xc_free(x);
		return err;
	}
	*xp = x;
	return 0;
}

void relay_xc_free(struct relay_xc *x)
{
	if (!x)
		return;
	xsrtp_ctx_free(x->rx);
	xsrtp_ctx_free(x->tx);
	sec_wipe(x, sizeof(*x));
	free(x);
}

/* A window transcrypt's packet (relay.h, relay_window). */
static void window_count(struct relay_window *w, bool rtcp, uint64_t v)
{
	if (rtcp) {
		w->rtcp_ops++;
		return;
	}
	w->rtp_ops++;
	if (!w->started || v < w->first_index) {
		w->first_index = v;
		w->started = true;
	}
}

/*
 * Unprotect with `in`, protect with `out`, in place (the slot has
 * RELAY_SLOT_LEN - RELAY_RECV_MAX bytes of tail room). 1 when the packet is
 * to go untouched (past the window), 0 transcrypted, or a negative error
 * (the packet is dropped).
 */
static int xc_packet(struct relay_xc *x, uint8_t *pkt, size_t *len)
{
	bool rtcp = ksrtp_is_rtcp(pkt, *len);
	uint64_t v = 0;
	uint16_t seq = 0;
	int err;

	if (x->passthrough)
		return 1;
	/* In a window the peer's SRTCP index restarts with the new key: our
	 * SRTCP under that key would reuse its keystream (draft 6.2). */
	if (rtcp && x->window)
		return -EAGAIN;
	if (!rtcp) {
		if ((err = ksrtp_rtp_peek(pkt, *len, &seq, NULL)))
			return err;
		v = x->seen ? ksrtp_index_estimate(x->roc, x->s_l, seq) : seq;
		if (v >= x->stop_index) {
			/* DTLS-originated flow: the peer switched to the key
			 * the other side holds; SRTCP switches with it. */
			x->passthrough = true;
			return 1;
		}
		err = xsrtp_rtp_unprotect(x->rx, pkt, len);
	} else {
		err = xsrtp_rtcp_unprotect(x->rx, pkt, len);
	}
	if (err)
		return err;
	if (!rtcp && (!x->seen || v > ((uint64_t)x->roc << 16 | x->s_l))) {
		x->seen = true;
		x->roc = (uint32_t)(v >> 16);
		x->s_l = seq;
	}
	/* Toward a bundle's peer the streams share our key: only with
	 * distinct SSRCs (draft 6.2; relay_bundle.c). */
	if (x->bx && (err = relay_bundle_tx_check(x, pkt, *len)))
		return err;
	/* The sender's stream of this SSRC goes on (RFC 3711 3.3.1 ROC,
	 * 3.4 SRTCP index); a new SSRC starts its own (draft 4.4: same
	 * key). */
	err = rtcp ? xsrtp_rtcp_protect(x->tx, pkt, len, RELAY_SLOT_LEN) :
		     xsrtp_rtp_protect(x->tx, pkt, len, RELAY_SLOT_LEN);
	if (!err && x->win)
		window_count(x->win, rtcp, v);
	return err;
}

/* --- the forwarding path -------------------------------------------------- */

/* Draft section 6: only the peer's datagrams count. With ALLOW_LATCH the
 * first RTP or DTLS-class datagram fixes the peer for good (symmetric RTP
 * behind NAT); junk never latches. */
static __attribute__((noinline)) bool
src_accept_slow(struct relay_leg *l, const struct sockaddr_storage *s,
		socklen_t slen, enum ksrtp_demux cls)
{
	uint8_t fl = l->fwd.flags;
	bool may_latch = (fl & (RELAY_F_ALLOW_LATCH | RELAY_F_LATCHED)) ==
				 RELAY_F_ALLOW_LATCH &&
			 (cls == KSRTP_DEMUX_RTP || cls == KSRTP_DEMUX_DTLS);

	if ((fl & RELAY_F_PEER) && relay_leg_is_peer(l, s)) {
		if (may_latch)
			l->fwd.flags |= RELAY_F_LATCHED;
		return true;
	}
	/* A leg's socket only receives its own family (relay_port.c). */
	if (!may_latch || s->ss_family != l->family ||
	    slen != (l->family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					     sizeof(struct sockaddr_in)))
		return false;
	relay_leg_peer_apply(l, (const struct sockaddr *)s, slen, true);
	return true;
}

/* The common case inline, per datagram: an IPv4 peer that is known and
 * latched (or never latches), its family, port and address compared as
 * the first 8 bytes of the two sockaddr_in. The rest (IPv6, latching, a
 * stranger) in src_accept_slow. */
_Static_assert(offsetof(struct sockaddr_in, sin_addr) + sizeof(struct in_addr) == 8,
	       "family, port and IPv4 address in the first 8 bytes");
static inline bool src_accept(struct relay_leg *l,
			      const struct sockaddr_storage *s,
			      socklen_t slen, enum ksrtp_demux cls)
{
	uint8_t fl = l->fwd.flags;
	uint64_t a, b;

	memcpy(&a, s, sizeof(a));
	memcpy(&b, &l->peer_sa, sizeof(b));
	if (__builtin_expect(a == b && s->ss_family == AF_INET &&
				     (fl & RELAY_F_PEER) &&
				     (fl & (RELAY_F_ALLOW_LATCH | RELAY_F_LATCHED)) !=
					     RELAY_F_ALLOW_LATCH,
			     1))
		return true;
	return src_accept_slow(l, s, slen, cls);
}

/* RELAY_F_TRACK: the SSRC, sequence number and ROC of the last RTP
 * packet, for a KTR announcement made on this stream's behalf (relay.h).
 * The ROC follows RFC 3711 3.3.1: a sequence number more than half the
 * space below the last one starts the next cycle; one more than half above
 * it is a late packet of the cycle before and does not move the record. A
 * new SSRC is a new stream (ROC 0); so is the first packet after an
 * offload (tracked 2: the kernel forwarded packets this record never saw). */
static inline void track_hdr(struct relay_fwd *f, uint16_t seq, uint32_t ssrc)
{
	if (f->tracked != 1 || ssrc != f->last_ssrc)
		f->last_roc = 0; /* a new stream, or a stale record */
	else if (seq < f->last_seq && f->last_seq - seq > 0x8000)
		f->last_roc++;
	else if (seq > f->last_seq && seq - f->last_seq > 0x8000)
		return;
	f->last_ssrc = ssrc;
	f->last_seq = seq;
	f->tracked = 1;
}

/* The sequence number and SSRC of an RTP packet (not RTCP). */
static bool rtp_hdr(const uint8_t *pkt, size_t len, uint16_t *seq,
		    uint32_t *ssrc)
{
	return !ksrtp_is_rtcp(pkt, len) &&
	       ksrtp_rtp_seq_ssrc(pkt, len, seq, ssrc) == 0;
}

static void track(struct relay_fwd *f, const uint8_t *pkt, size_t len)
{
	uint16_t seq;
	uint32_t ssrc;

	if (rtp_hdr(pkt, len, &seq, &ssrc))
		track_hdr(f, seq, ssrc);
}

/* RELAY_F_TRACK once per batch where the stream goes on: the batch's
 * last RTP packet from the peer (held or not, forwarded or not) leaves
 * the record tracking every packet would (nothing reads it inside the
 * batch: the announcements that do come after it, and the other leg's
 * events concern the other leg's record). Between two batches' last
 * packets of one SSRC there are fewer than RELAY_BATCH_MAX sequence
 * numbers, far below RFC 3711's half of the space, so the ROC counts the
 * same wraps. Where a stream starts (no record, a stale one, another
 * SSRC) its wraps count from its first packet: every packet, in order. */
static void track_batch(struct relay_worker *w, struct relay_fwd *f,
			unsigned nt)
{
	uint16_t seq;
	uint32_t ssrc;
	unsigned k = nt, i;

	do {
		if (k == 0)
			return; /* RTCP and junk only */
		i = w->trk[--k];
	} while (!rtp_hdr(w->rx_iov[i].iov_base, w->rx_msgs[i].msg_len, &seq,
			  &ssrc));
	if (f->tracked == 1 && ssrc == f->last_ssrc) {
		track_hdr(f, seq, ssrc);
		return;
	}
	for (k = 0; k < nt; k++) {
		i = w->trk[k];
		track(f, w->rx_iov[i].iov_base, w->rx_msgs[i].msg_len);
	}
}

/* Whether the leg's RTP goes on untouched to the other leg's RTP port
 * (else rtp_stage): forwarding, not held, not transcrypted, no RTCP port
 * on either side. */
static inline bool fwd_plain(const struct relay_fwd *f, bool split)
{
	return (f->flags & (RELAY_F_FORWARD | RELAY_F_HOLD | RELAY_F_TRANSCRYPT)) ==
		       RELAY_F_FORWARD &&
	       !split;
}

/* The RTP/RTCP datagram's way past a plain forward (relay_fwd_batch):
 * false to drop it (held, RTP on an RTCP port, an RTCP port not known yet,
 * a transcrypt failure); *to_rtcp when it goes to o's RTCP port. */
static bool rtp_stage(struct relay_leg *l, struct relay_leg *m,
		      struct relay_leg *o, uint8_t *pkt, size_t *len,
		      bool *to_rtcp)
{
	struct relay_fwd *f = &l->fwd;

	if ((f->flags & (RELAY_F_FORWARD | RELAY_F_HOLD)) != RELAY_F_FORWARD)
		return false;
	if (o->rtcp || l->is_rtcp) {
		/* RTCP only on an RTCP port (RFC 3550 11) */
		bool rtcp = ksrtp_is_rtcp(pkt, *len);

		*to_rtcp = o->rtcp && rtcp;
		if ((l->is_rtcp && !rtcp) || (*to_rtcp && (!o->rtcp->peer_len || o->rtcp->no_send)))
			return false;
	}
	if (f->flags & RELAY_F_TRANSCRYPT) {
		int rc = xc_packet(m->xc, pkt, len);

		if (rc == -ENOBUFS && !m->xc->full_logged) {
			/* Counted per packet in dropped_other; said once. */
			m->xc->full_logged = true;
			klog(KLOG_WARN, "relay: call %llu: transcrypt holds %d SSRCs, packets of further ones are dropped",
			     (unsigned long long)l->call->id, XSRTP_STREAMS_DEFAULT);
		}
		if (rc < 0)
			return false;
		if (rc == 0)
			f->crypto_ops++;
	}
	return true;
}

bool relay_fwd_src_accept(struct relay_leg *l, const struct sockaddr_storage *s,
			  socklen_t slen, enum ksrtp_demux cls)
{
	return src_accept(l, s, slen, cls);
}

bool relay_fwd_rtp_stage(struct relay_leg *l, struct relay_leg *m,
			 struct relay_leg *o, uint8_t *pkt, size_t *len,
			 bool *to_rtcp)
{
	/* A bundle's streams share one batch: tracked per packet. */
	if (l->fwd.flags & RELAY_F_TRACK)
		track(&l->fwd, pkt, *len);
	return rtp_stage(l, m, o, pkt, len, to_rtcp);
}

/* The relay's workers are never cancelled (they stop on a command), so
 * glibc's cancellation-point bookkeeping around recvmmsg/sendmmsg is pure
 * per-batch cost (issue 6): make the system calls directly. */
static int sys_recvmmsg(int fd, struct mmsghdr *m, unsigned n)
{
	return (int)syscall(SYS_recvmmsg, fd, m, n, MSG_DONTWAIT, NULL);
}

static int sys_sendmmsg(int fd, struct mmsghdr *m, unsigned n)
{
	return (int)syscall(SYS_sendmmsg, fd, m, n, MSG_DONTWAIT);
}

/* Send tx_msgs[off .. end) (bytes: their total length) from o's socket
 * (sfd: the one of its peer's family on a leg with two, relay_int.h). */
static inline void send_batch(struct relay_worker *w, struct relay_leg *o,
			      struct relay_fwd *f, unsigned off, unsigned end,
			      uint64_t bytes)
{
	while (off < end) {
		int s = sys_sendmmsg(o->sfd, w->tx_msgs + off, end - off);

		if (s <= 0) {
			if (s < 0 && errno == EINTR)
				continue;
			/* The first message failed (EAGAIN, ...): lose it. */
			f->fwd_errs++;
			bytes -= w->tx_msgs[off].msg_hdr.msg_iov->iov_len;
			off++;
			continue;
		}
		f->fwd_pkts += (unsigned)s;
		off += (unsigned)s;
	}
	f->fwd_bytes += bytes;
}

/* RTCP components (relay.h): l is the RTCP component of leg m, or m
 * itself. SRTCP goes to the other leg's component when it has one; the
 * slots for it are taken from the end of tx_msgs (a batch never fills
 * both ends past each other: one datagram, at most one slot). max: at
 * most that many datagrams (1 under RELAY_HQ_PEEK). fd: the leg's socket
 * that is readable (fd, or an ICE leg's alt_fd: both are read, the source
 * check keeps only the peer's datagrams, which come in the nominated
 * family). */
static inline __attribute__((always_inline)) void
fwd_batch(struct relay_worker *w, struct relay_leg *l,
			     unsigned max, int fd)
{
	struct relay_leg *m = &l->call->leg[l->idx];
	struct relay_leg *o = &l->call->leg[1 - l->idx];
	struct relay_fwd *f = &l->fwd;
	unsigned nout = 0, nrtcp = 0, nt = 0;
	/* Counted in locals, stored once per batch: the stores into the
	 * message headers would otherwise force every counter through
	 * memory (they may alias). */
	uint64_t bytes = 0, out_bytes = 0, rtcp_bytes = 0;
	uint32_t drop_src = 0, drop_other = 0;
	/* Hoisted: the stores below could alias them. A DTLS datagram cannot
	 * change the other leg's peer (only its own batch or a command). */
	struct mmsghdr *tm = w->tx_msgs;
	struct iovec *tv = w->tx_iov;
	void *to = &o->peer_sa;
	socklen_t to_len = o->peer_len;
	bool split = o->rtcp || l->is_rtcp;
	bool from_peer = false, plain;
	int n;

	if (l->is_rtcp) /* the leg's hold and crypto stage apply to it too */
		f->flags = (uint8_t)((f->flags & ~(RELAY_F_HOLD | RELAY_F_TRANSCRYPT)) |
				     (m->fwd.flags & (RELAY_F_HOLD | RELAY_F_TRANSCRYPT)));
	/* In a local, not read per packet: any store below may alias the
	 * flags' byte. */
	plain = fwd_plain(f, split);

	/* Every slot's msg_namelen is sizeof(src) on entry (set at start,
	 * restored below for the slots this batch used), so a small batch
	 * costs per packet, not per slot. */
	n = sys_recvmmsg(fd, w->rx_msgs, max);
	if (n <= 0)
		return;
	for (unsigned i = 0; i < (unsigned)n; i++) {
		struct msghdr *h = &w->rx_msgs[i].msg_hdr;
		uint8_t *pkt = w->rx_iov[i].iov_base;
		size_t len = w->rx_msgs[i].msg_len;
		socklen_t namelen = h->msg_namelen;
		enum ksrtp_demux cls;
		bool to_rtcp = false;

		h->msg_namelen = sizeof(w->src[i]);
		bytes += len;
		if (h->msg_flags & MSG_TRUNC) {
			drop_other++;
			continue;
		}
		cls = ksrtp_demux_class(pkt, len);
		if (__builtin_expect(cls != KSRTP_DEMUX_RTP, 0)) {
			/* ICE-lite (relay_ice.c): checks come from candidates,
			 * not yet the peer. */
			if (cls == KSRTP_DEMUX_STUN && l->ice) {
				relay_ice_input(w, l, fd, pkt, len, &w->src[i], namelen);
			} else if (!src_accept(l, &w->src[i], namelen, cls)) {
				if (cls == KSRTP_DEMUX_DTLS && !l->dtls)
					relay_dtls_early(l, pkt, len, &w->src[i], namelen);
				drop_src++;
			} else {
				from_peer = true;
				if (cls == KSRTP_DEMUX_DTLS && l->dtls) {
					f->dtls_pkts++;
					relay_dtls_input(w, l, pkt, len);
				} else {
					if (cls == KSRTP_DEMUX_DTLS)
						relay_dtls_early(l, pkt, len, &w->src[i], namelen);
					/* STUN without ICE on the leg, ZRTP,
					 * TURN channels, junk. */
					drop_other++;
				}
			}
			/* A DTLS record (an acknowledgement closing a
			 * window, say) may change this leg's stage. */
			plain = fwd_plain(f, split);
			continue;
		}
		if (!src_accept(l, &w->src[i], namelen, cls)) {
			drop_src++;
			continue;
		}
		from_peer = true;
		w->trk[nt++] = (uint16_t)i; /* track_batch */
		/* The plain forward, or hold, RTCP ports and the crypto
		 * stage in rtp_stage. */
		if (!plain && !rtp_stage(l, m, o, pkt, &len, &to_rtcp)) {
			drop_other++;
			continue;
		}
		if (!to_rtcp) {
			tv[nout].iov_base = pkt;
			tv[nout].iov_len = len;
			tm[nout].msg_hdr.msg_name = to;
			tm[nout].msg_hdr.msg_namelen = to_len;
			out_bytes += len;
			nout++;
		} else {
			unsigned k = w->batch - 1 - nrtcp++;

			tv[k].iov_base = pkt;
			tv[k].iov_len = len;
			tm[k].msg_hdr.msg_name = &o->rtcp->peer_sa;
			tm[k].msg_hdr.msg_namelen = o->rtcp->peer_len;
			rtcp_bytes += len;
		}
	}
	if (nt && (f->flags & RELAY_F_TRACK))
		track_batch(w, f, nt);
	f->pkts += (unsigned)n;
	f->bytes += bytes;
	f->dropped_src += drop_src;
	f->dropped_other += drop_other;
	/* The worker's clock of this wake-up (relay.c). */
	if (from_peer)
		f->last_rx_ms = w->now_ms;
	if (nout)
		send_batch(w, o, f, 0, nout, out_bytes);
	if (nrtcp)
		send_batch(w, o->rtcp, f, w->batch - nrtcp, w->batch, rtcp_bytes);
	if (o->ann_wait && f->tracked && m->hq == RELAY_HQ_NONE)
		relay_dtls_announce_due(w, o);
}

/* --- held media (relay.h, relay_call_ktr_send_key) ------------------------- */

void relay_leg_hq_set(struct relay_worker *w, struct relay_leg *l,
		      enum relay_hq hq)
{
	struct epoll_event ev = { .events = hq == RELAY_HQ_QUEUE ? 0 : EPOLLIN,
				  .data.ptr = l };

	if (l->hq == hq)
		return;
	/* Level-triggered: a socket left in the set with data queued would
	 * wake the worker at once, again and again. */
	if ((l->hq == RELAY_HQ_QUEUE || hq == RELAY_HQ_QUEUE) &&
	    epoll_ctl(w->epfd, EPOLL_CTL_MOD, l->fd, &ev) < 0) {
		klog(KLOG_WARN, "relay: call %llu leg %u: %s held media: %s",
		     (unsigned long long)l->call->id, l->idx,
		     hq == RELAY_HQ_QUEUE ? "queueing" : "releasing",
		     err_str(-errno));
		l->fwd.dropped_other++;
		if (hq == RELAY_HQ_QUEUE)
			hq = RELAY_HQ_NONE; /* read (and drop) instead */
	}
	l->hq = (uint8_t)hq;
}

/* RELAY_HQ_PEEK: the head of the socket's queue, looked at in place. The
 * stream's first RTP packet from the peer stays there (relay_dtls_first_
 * packet announces it and queues the leg); anything before it (spoofed,
 * junk, SRTCP) is taken off as one batch of one, i.e. dropped and counted
 * as held media is. A header peek, no allocation, no crypto. */
static void hold_peek(struct relay_worker *w, struct relay_leg *l)
{
	struct msghdr *h = &w->rx_msgs[0].msg_hdr;
	const uint8_t *pkt = w->rx_iov[0].iov_base;

	for (unsigned i = 0; i < w->batch && l->hq == RELAY_HQ_PEEK; i++) {
		ssize_t n = recvmsg(l->fd, h, MSG_PEEK | MSG_DONTWAIT);
		socklen_t namelen = h->msg_namelen;
		size_t len;

		h->msg_namelen = sizeof(w->src[0]);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* nothing queued */
		}
		len = (size_t)n;
		if (!(h->msg_flags & MSG_TRUNC) &&
		    (l->fwd.flags & (RELAY_F_FORWARD | RELAY_F_TRACK)) ==
			    (RELAY_F_FORWARD | RELAY_F_TRACK) &&
		    ksrtp_demux_class(pkt, len) == KSRTP_DEMUX_RTP &&
		    !ksrtp_is_rtcp(pkt, len) &&
		    ksrtp_rtp_peek(pkt, len, NULL, NULL) == 0 &&
		    src_accept(l, &w->src[0], namelen, KSRTP_DEMUX_RTP)) {
			track(&l->fwd, pkt, len);
			relay_dtls_first_packet(w, l);
			return;
		}
		fwd_batch(w, l, 1, l->fd);
	}
}

void relay_fwd_batch(struct relay_worker *w, struct relay_leg *l, bool alt)
{
	/* Only an ICE leg has a second socket, and only the SDES leg's
	 * media is ever held (relay.h): the hold concerns fd alone. */
	if (__builtin_expect(alt, 0)) {
		fwd_batch(w, l, w->batch, l->alt_fd);
		return;
	}
	if (__builtin_expect(l->hq != RELAY_HQ_NONE, 0)) {
		/* RELAY_HQ_QUEUE: readiness reported before the socket left
		 * the epoll set; it stays queued. */
		if (l->hq == RELAY_HQ_PEEK)
			hold_peek(w, l);
		return;
	}
	if (__builtin_expect(l->bundle_head, 0)) {
		relay_bundle_fwd_batch(w, l); /* relay_bundle.c */
		return;
	}
	fwd_batch(w, l, w->batch, l->fd);
}

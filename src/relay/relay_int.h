/*
 * relay private: the structs the relay's files share (relay.c: relay life
 * cycle, workers, command and event queues; relay_call.c: calls, ports and
 * the commands; relay_peer.c: a leg's peer and RTCP component in the
 * worker; relay_fwd.c: the forwarding path and the crypto stage;
 * relay_dtls.c: DTLS and KTR on a leg; relay_dtls_early.c: DTLS datagrams
 * before the engine starts; relay_port.c: bind addresses, leg sockets and
 * ports, a leg moved to the other address family). Not for use outside
 * src/relay/.
 *
 * Ownership: a call's struct is allocated by the signalling thread in
 * relay_call_alloc, then belongs to its worker, which alone reads or writes
 * it (records, sockets, engines) and frees it on RELAY_CMD_FREE. The
 * signalling side only reads the immutable fields (id, worker, ports).
 */
#ifndef KTRSBC_RELAY_INT_H
#define KTRSBC_RELAY_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "relay/relay.h"
#include "xsrtp/xsrtp.h"

/* The crypto stage of one direction (relay_call_transcrypt), on xsrtp
 * (OpenSSL, contexts made once per key): one context unprotects with the
 * `in` key, another protects with `out`; each keeps a stream per SSRC
 * (ROC, replay window, SRTCP index), so neither side is re-made when the
 * SSRC changes. */
struct relay_xc {
	struct xsrtp_ctx *rx; /* `in` key, any SSRC */
	struct xsrtp_ctx *tx; /* `out` key, a stream per SSRC forwarded */
	/* The out key, compared when a transcrypt is replaced (the sender
	 * is kept) and by the KTR events (relay_dtls.c). */
	struct ksrtp_keymat out;
	/* Window end (DTLS-originated flow): RTP packets at or above this
	 * index go untouched, and everything after the first such packet. */
	uint64_t stop_index; /* UINT64_MAX: none */
	bool passthrough;
	/* A window: SRTCP is dropped, not re-protected (relay.h). */
	bool window;
	/* A new SSRC past XSRTP_STREAMS_DEFAULT was refused (logged once). */
	bool full_logged;
	/* A window transcrypt of relay_leg_dtls_prearm: its leg's record
	 * (relay_window), else NULL. */
	struct relay_window *win;
	/* Toward a bundle's peer (relay_bundle.c): the bundle whose streams
	 * share `out` with distinct SSRCs only, and this stream's member
	 * index in it; NULL otherwise. */
	struct relay_bundle *bx;
	uint8_t bx_member;
	/* RFC 3711 3.3.1 index tracking for stop_index. */
	bool seen;
	uint32_t roc;
	uint16_t s_l;
};

struct relay_call;
struct relay_worker;
struct relay_early;

/* Sources whose early DTLS datagram a leg keeps (relay_dtls_early). */
#define RELAY_EARLY_MAX 4

/* How a held leg's socket is read while the other leg's first key waits
 * for this leg's stream (relay.h, relay_call_ktr_send_key). */
enum relay_hq {
	RELAY_HQ_NONE = 0, /* as usual: recvmmsg batches */
	/* The queue's head is looked at in place (MSG_PEEK): the stream's
	 * first RTP packet from the peer stays queued and is announced;
	 * anything before it is taken off and handled as usual. */
	RELAY_HQ_PEEK,
	/* Announced: the socket is not read (out of the worker's epoll
	 * set); what the peer sends waits in the socket's receive queue
	 * until the DTLS UA acknowledged the key. */
	RELAY_HQ_QUEUE,
};

struct relay_leg {
	struct relay_call *call;
	unsigned idx;
	/* An RTCP component (RFC 3550 11, a peer without rtcp-mux): its own
	 * socket, record and peer; no DTLS engine and no crypto stage of its
	 * own (it uses the crypto stage of call->leg[idx]). */
	bool is_rtcp;
	/* On a leg: its RTCP component once the peer does not mux, else
	 * NULL (RTCP travels on fd with RTP, RFC 5761). */
	struct relay_leg *rtcp;
	int fd;
	uint16_t port;
	/* fd's address family (AF_INET or AF_INET6): the bind address it
	 * uses. port and family change only in a FAMILY command (the caller
	 * waits for it), so the signalling side may read them. */
	int family;
	/* ICE on a relay with addresses of both families (relay_leg_alt_open,
	 * relay_port.c): a second socket, bound in the other family, for the
	 * leg's second host candidate; -1 and port 0 on any other leg (and on
	 * an RTCP component). alt_port and alt_family are written by the
	 * signalling side before the ALT command hands alt_fd to the worker
	 * and never change after, so that side may read them; alt_fd is the
	 * worker's. Both sockets stay open for the call's life: nothing is
	 * ever swapped under the signalling side. */
	int alt_fd;
	uint16_t alt_port;
	int alt_family;
	/* The socket media, DTLS and KTR leave from (worker only): fd, or
	 * alt_fd while ICE's nominated peer is of alt_family (on_alt). The
	 * forwarding path sends from the other leg's sfd. */
	int sfd;
	bool on_alt;
	struct relay_fwd fwd; /* written by the worker only */
	struct sockaddr_storage peer_sa; /* fwd.expect_* as a sockaddr */
	socklen_t peer_len;
	/* The peer said c=0.0.0.0 / :: (RFC 3264 8.4, RFC 2543 hold): peer_sa
	 * stays its source, nothing is sent toward it (relay_peer.c). */
	bool no_send;
	/* DTLS engine (relay_dtls.c); NULL unless started. */
	struct dtls_conn *dtls;
	struct ktr_sess *ktr;
	bool want_ktr, dtls_up, dtls_failed;
	int profile;
	/* ktr_key waits for the SSRC of the other leg's stream (tracked by
	 * the forwarding path) to be announced where it is first used
	 * (relay.h); the first key of held media waits in the other leg's
	 * hq instead. */
	bool ann_wait;
	bool ktr_announced; /* a key was announced on this leg */
	bool announcing; /* inside our own ktr_sess_announce_at */
	uint32_t ann_ssrc; /* ... naming this SSRC (k_tx_state) */
	/* message_seq of our outstanding new_srtp_key (ann_out): its answer
	 * or give-up ends the other leg's hold (relay.h). */
	bool ann_out;
	uint16_t ann_seq;
	/* On the leg whose media is held for the other leg's DTLS UA: how
	 * its socket is read (enum relay_hq). */
	uint8_t hq;
	struct ksrtp_keymat ktr_key;
	struct relay_xc *xc; /* crypto stage for packets from this leg */
	/* relay_leg_dtls_prearm: transcrypts set up the moment the
	 * handshake ends (wiped with the call). */
	bool prearm;
	struct ksrtp_keymat prearm_own_out, prearm_other_in;
	struct relay_window win; /* what the window transcrypts did */
	/* DTLS datagrams that came before the engine started, one per
	 * source (relay_dtls_early.c); NULL mostly. */
	struct relay_early *early[RELAY_EARLY_MAX];
	/* KTR on a bundle's one association (relay_dtls.c): on the owner's
	 * leg, the leg whose key ktr_sess_announce_at is announcing now;
	 * on any leg of the bundle, an announcement waiting for the
	 * association's one new_srtp_key slot (ann_queued: its SSRC and
	 * index). */
	struct relay_leg *ann_by;
	bool ann_queued;
	uint32_t ann_q_ssrc;
	uint64_t ann_q_index;
	/* your_new_srtp_key on a bundle (relay_bundle_ktr.c): dict_key for
	 * this leg's stream waits (dict_pending) for its SSRC and the
	 * association's one dictation slot, or is out (dict_out) until the
	 * DTLS UA's new_srtp_key echoes it; dict_waiting on the owner's leg:
	 * some leg of the bundle has one pending. */
	struct ksrtp_keymat dict_key;
	bool dict_pending, dict_out, dict_waiting;
	/* BUNDLE (relay_bundle.c): the owner's leg that carries the bundle
	 * (its socket receives every member's packets), or a member's leg
	 * that sends from the owner's socket (fd is the owner's then, never
	 * closed or polled here). */
	bool bundle_head, bundle_member;
	/* ICE-lite (relay_ice.c): the responder, NULL without ICE. */
	struct stun_ice *ice;
	struct relay_ice_stats ice_st; /* verdict[] copied at stats time */
	char ice_ufrag[STUN_ICE_UFRAG_MAX + 1]; /* ours: a new one = restart */
	/* A DTLS client waits for the nominated peer to start. */
	bool dtls_deferred;
};

struct relay_call {
	struct relay *r;
	struct relay_worker *w;
	uint64_t id;
	void *arg;
	struct relay_leg leg[2];
	/* Storage of the RTCP components (leg[i].rtcp points here once
	 * opened; fd -1 until then). */
	struct relay_leg rtcp[2];
	/* Signalling side only: rtcp[i]'s socket was handed to the worker. */
	bool rtcp_bound[2];
	struct relay_call *next, *prev; /* the worker's list */
	struct relay_call *dnext, *dprev; /* worker's list of DTLS calls */
	bool on_dlist;
	bool timed_out;
	uint64_t created_ms;
	/* relay_offload.c: the kernel forwards this call's media; an attempt
	 * failed (not retried before the peers change); kernel packets seen
	 * per leg at the last scan; kernel-forwarded packets of earlier
	 * offloads (already folded into the legs' records). */
	bool offloaded, off_refused;
	uint64_t off_seen[2];
	uint64_t off_fwd_total[2];
	/* BUNDLE: the bundle this call owns, or the owner of the bundle it
	 * is a member of (relay_bundle.c); NULL mostly. */
	struct relay_bundle *bundle;
	struct relay_call *bundle_owner;
};

enum relay_cmd_type {
	RELAY_CMD_ADD,
	RELAY_CMD_FREE,
	RELAY_CMD_PEER,
	RELAY_CMD_RTCP_PEER,
	RELAY_CMD_RTCP_CLOSE,
	RELAY_CMD_FAMILY,
	RELAY_CMD_ALT,
	RELAY_CMD_DTLS_START,
	RELAY_CMD_KTR_KEY,
	RELAY_CMD_KTR_DICTATE,
	RELAY_CMD_KTR_REQUEST,
	RELAY_CMD_XC,
	RELAY_CMD_PREARM,
	RELAY_CMD_ICE,
	RELAY_CMD_STATS,
	RELAY_CMD_TOTALS,
	RELAY_CMD_BUNDLE_JOIN,
	RELAY_CMD_BUNDLE_ROUTE,
	RELAY_CMD_BUNDLE_STATS,
	RELAY_CMD_STOP,
};

/* A command lives on the caller's stack until the worker marks it done. */
struct relay_cmd {
	struct relay_cmd *next;
	enum relay_cmd_type type;
	struct relay_call *call;
	unsigned leg;
	struct sockaddr_storage sa;
	socklen_t sa_len;
	int fd; /* RTCP_PEER: a newly bound RTCP socket, or -1; FAMILY: the
		   leg's new socket; ALT: its second socket */
	uint16_t port; /* FAMILY: fd's port */
	int family; /* FAMILY: fd's family */
	bool flag; /* allow_latch / ktr / XC: SRTCP dropped */
	enum dtls_role role;
	const char *fp;
	const struct relay_ice_cfg *ice; /* ICE: the caller's, or NULL */
	struct ksrtp_keymat k1, k2;
	bool has_k1;
	struct relay_call_stats *st;
	struct relay_totals *tot;
	/* BUNDLE_*: the other call, its routes, the stats, a new bundle */
	struct relay_call *call2;
	const uint32_t *ssrcs;
	const uint8_t *pts;
	size_t n_ssrcs, n_pts;
	struct relay_bundle_stats *bst;
	struct relay_bundle *bnew;
	int result;
	bool done;
};

struct relay_worker {
	struct relay *r;
	unsigned idx;
	pthread_t thr;
	bool started;
	int epfd;
	int cmd_fd; /* eventfd */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct relay_cmd *q_head, *q_tail; /* under mu */
	bool stop;
	/* Owned by the worker thread. */
	struct relay_call *calls;
	struct relay_call *dcalls;
	size_t ncalls;
	bool timers_dirty;
	uint64_t timer_due; /* next DTLS/KTR timer, UINT64_MAX none */
	uint64_t next_idle_check;
	uint64_t now_ms; /* of the batch or command being handled */
	/* Preallocated forwarding buffers: batch slots. */
	unsigned batch;
	uint8_t *slots; /* batch * RELAY_SLOT_LEN */
	struct mmsghdr *rx_msgs, *tx_msgs;
	struct iovec *rx_iov, *tx_iov;
	struct sockaddr_storage *src;
	uint16_t *trk; /* a batch's RTP slots from the peer (relay_fwd.c) */
};

struct relay_evq {
	struct relay_evq *next;
	struct relay_event ev;
};

struct relay {
	struct relay_cfg cfg;
	/* Where legs bind: bind_sa (relay_cfg.bind_addr, every leg's family
	 * at first) and alt_sa (relay_cfg.bind_addr_alt, the other family;
	 * alt_len 0 when none). */
	struct sockaddr_storage bind_sa, alt_sa;
	socklen_t bind_len, alt_len;
	unsigned nworkers;
	struct relay_worker *w;
	pthread_mutex_t mu; /* ports cursor, ids, round-robin, calls count */
	uint32_t port_next;
	uint64_t next_id;
	unsigned rr;
	unsigned ncalls;
	/* Events to the owner. */
	pthread_mutex_t ev_mu;
	int ev_fd;
	struct relay_evq *ev_head, *ev_tail;
};

/* relay.c */
/* Queue ev (copied) for the owner; keys in *ev are the caller's to wipe.
 * Allocation failure drops the event (logged). */
void relay_event_post(struct relay *r, const struct relay_event *ev);
/* Run cmd on its call's worker and wait; returns cmd->result. */
int relay_cmd_run(struct relay_worker *w, struct relay_cmd *cmd);

/* relay_port.c */
/* The bind address of that family (port 0) and its length, or NULL. */
const struct sockaddr_storage *relay_bind_addr(const struct relay *r,
					       int family, socklen_t *len);
/* Worker: the address the leg's media leaves from and arrives at (the
 * bind address and port of its sfd). */
void relay_leg_local(const struct relay_leg *l, struct sockaddr_storage *ss);
/* Worker: the family of the leg's sfd. */
static inline int relay_leg_sfamily(const struct relay_leg *l)
{
	return l->on_alt ? l->alt_family : l->family;
}
/* Worker: send from the leg's socket of that family (ICE nominated a
 * peer of it); the primary one when the leg has no socket of it. */
void relay_leg_send_from(struct relay_leg *l, int family);
/* The epoll data of a leg's socket: the leg, its low bit set for alt_fd
 * (a struct relay_leg is at least 8-byte aligned). */
static inline void *relay_leg_ep(struct relay_leg *l, bool alt)
{
	return (void *)((uintptr_t)l | (uintptr_t)alt);
}
/* A UDP socket bound to the family's address and port: fd or -errno. */
int relay_port_socket(struct relay *r, int family, uint16_t port);
/* Next free even port of the range in that family: fd or -EADDRINUSE. */
int relay_port_take(struct relay *r, int family, uint16_t *port);
/* Worker: RELAY_CMD_FAMILY (relay_leg_set_family). */
int relay_port_family_exec(struct relay_worker *w, struct relay_call *c,
			   const struct relay_cmd *cmd);
/* Worker: RELAY_CMD_ALT (relay_leg_alt_open). */
int relay_port_alt_exec(struct relay_worker *w, struct relay_call *c,
			const struct relay_cmd *cmd);

/* relay_call.c: worker side of the commands. */
void relay_call_exec(struct relay_worker *w, struct relay_cmd *cmd);
/* Worker: close, wipe and free a call (also at relay_free). */
void relay_call_destroy(struct relay_worker *w, struct relay_call *c);
/* Worker: fill the leg's fwd.expect_* from sa and the other side's out_*
 * (for an RTCP component: the records that forward RTCP to it). */
void relay_leg_peer_apply(struct relay_leg *l, const struct sockaddr *sa,
			  socklen_t len, bool latched);
/* Worker: forget the leg's peer (and the other leg's out_*). */
void relay_leg_peer_clear(struct relay_leg *l);
/* relay_peer.c (the two above are there too): RELAY_CMD_PEER and
 * RELAY_CMD_RTCP_PEER in the worker, on a leg or an RTCP component; the
 * latter opens the component first when cmd->fd >= 0. */
void relay_peer_exec(struct relay_leg *l, const struct relay_cmd *cmd);
int relay_rtcp_peer_exec(struct relay_worker *w, struct relay_call *c,
			 const struct relay_cmd *cmd);
/* relay_rtcp.c: RELAY_CMD_RTCP_CLOSE in the worker. */
int relay_rtcp_close_exec(struct relay_worker *w, struct relay_call *c,
			  const struct relay_cmd *cmd);
/* Worker: the media timeout scan. */
void relay_worker_idle_check(struct relay_worker *w, uint64_t now);

/* relay_fwd.c */
/* Whether s is the leg's peer (address and port). Inline: the source
 * check of every forwarded datagram. */
static inline bool relay_leg_is_peer(const struct relay_leg *l,
				     const struct sockaddr_storage *s)
{
	if (s->ss_family != l->peer_sa.ss_family)
		return false;
	if (s->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)s;
		const struct sockaddr_in *b =
			(const struct sockaddr_in *)&l->peer_sa;

		return a->sin_port == b->sin_port &&
		       a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	if (s->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)s;
		const struct sockaddr_in6 *b =
			(const struct sockaddr_in6 *)&l->peer_sa;

		return a->sin6_port == b->sin6_port &&
		       memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0;
	}
	return false;
}
/* Receive one batch on l's socket (alt: on alt_fd) and forward it. */
void relay_fwd_batch(struct relay_worker *w, struct relay_leg *l, bool alt);
int relay_xc_alloc(struct relay_xc **xp, const struct ksrtp_keymat *in,
		   const struct ksrtp_keymat *out);
void relay_xc_free(struct relay_xc *x);

/* relay_fwd.c, for the bundle's batch (relay_bundle.c): the source check
 * with latching, and the RTP stage of one datagram (hold, tracking, RTCP
 * ports, the crypto stage) as relay_fwd_batch runs them. */
bool relay_fwd_src_accept(struct relay_leg *l, const struct sockaddr_storage *s,
			  socklen_t slen, enum ksrtp_demux cls);
bool relay_fwd_rtp_stage(struct relay_leg *l, struct relay_leg *m,
			 struct relay_leg *o, uint8_t *pkt, size_t *len,
			 bool *to_rtcp);

/* relay_bundle.c */
/* Receive one batch on a bundle's owner leg and forward each datagram to
 * its stream's other leg. */
void relay_bundle_fwd_batch(struct relay_worker *w, struct relay_leg *l);
/* Worker: the BUNDLE_* commands. */
int relay_bundle_exec(struct relay_worker *w, struct relay_cmd *cmd);
/* Worker: c is being destroyed: leave its bundle, or dissolve the one it
 * owns (members stop forwarding toward the peer). */
void relay_bundle_leave(struct relay_worker *w, struct relay_call *c);
/* The leg whose DTLS association and KTR session serve l: the bundle's
 * owner leg for a member's leg, else l itself. */
struct relay_leg *relay_bundle_ktr_leg(struct relay_leg *l);
/* The legs a bundle owner's leg kl serves (kl first, then each member's
 * leg on that side) into out[0..cap); kl alone when it carries no bundle.
 * Returns how many. */
/* The bundle stream (its leg on the bundle's side) whose peer sends ssrc,
 * for a key the peer announced for it (draft 4.4: keys are per SSRC); kl
 * when kl carries no bundle, or (logged, counted) no stream has ssrc. */
struct relay_leg *relay_bundle_ssrc_leg(struct relay_leg *kl, uint32_t ssrc);
unsigned relay_bundle_legs(struct relay_leg *kl, struct relay_leg **out,
			   unsigned cap);
/* Worker: DTLS started on the bundle's leg: every member's other leg is
 * held until its direction is keyed (relay.h, RELAY_F_HOLD). */
void relay_bundle_hold(struct relay_call *owner);
/* Worker: the peer of a bundle's owner leg changed: members follow. */
void relay_bundle_peer_sync(struct relay_leg *l);
/* A transcrypt x of packets from c's leg from_leg: when they go toward a
 * bundle's peer, bind x to the bundle's SSRC check. */
void relay_bundle_xc_bind(struct relay_call *c, unsigned from_leg,
			  struct relay_xc *x);
/* The crypto stage toward a bundle's peer, before protecting: 0 when the
 * packet's SSRC is this stream's (claimed now if new), -EEXIST when
 * another stream of the bundle sends it under the shared key (draft 6.2:
 * one key, distinct SSRCs), or the table is full. */
int relay_bundle_tx_check(struct relay_xc *x, const uint8_t *pkt, size_t len);

/* relay_bundle_ktr.c: your_new_srtp_key per SSRC on a bundle's one
 * association (draft 4.4). */
/* Worker: dictate k to the DTLS UA for the stream of l (a leg of the
 * bundle kl carries), naming the SSRC that stream sends, once known, one
 * dictation after the other. 0 (queued or sent). */
int relay_bundle_dictate(struct relay_worker *w, struct relay_leg *kl,
			 struct relay_leg *l, const struct ksrtp_keymat *k);
/* Worker: the association's dictation slot is free, or a stream's SSRC
 * became known (after a batch): send the next pending dictation. */
void relay_bundle_dictate_next(struct relay_worker *w, struct relay_leg *kl);
/* The leg of kl's bundle whose dictation is out (all of them when k is
 * NULL, else the one whose key is k), now answered: dict_out cleared.
 * NULL when none. */
struct relay_leg *relay_bundle_dict_done(struct relay_leg *kl,
					 const struct ksrtp_keymat *k);

/* relay_offload.c (relay_cfg.offload); no-ops when it is NULL. */
/* Before cmd runs on c: take c back into userspace when cmd may change
 * what its packets need. */
void relay_off_before(struct relay_call *c, enum relay_cmd_type t);
/* Offload c if it now qualifies, or take it back if it no longer does. */
void relay_off_update(struct relay_call *c);
/* Take c back (map entries removed, the kernel's counters folded into its
 * legs' records); also at teardown. */
void relay_off_takeback(struct relay_call *c, const char *why);
/* Merge the kernel's live counters into a stats copy. */
void relay_off_stats(struct relay_call *c, struct relay_call_stats *st);
/* Media-timeout scan: the kernel's packets count as media received. */
void relay_off_idle(struct relay_call *c, uint64_t now);

/* relay_dtls.c */
int relay_dtls_start(struct relay_worker *w, struct relay_leg *l,
		     enum dtls_role role, const char *fp, bool ktr);
void relay_dtls_input(struct relay_worker *w, struct relay_leg *l,
		      const uint8_t *pkt, size_t len);
/* Forwarding path: a DTLS-class datagram on a leg whose engine has not
 * started yet, from any source. An active answerer's ClientHello can
 * outrace its SDP answer, and the offerer must be listening already (RFC
 * 8122 6.2, RFC 5763 5): such datagrams (up to RELAY_RECV_MAX bytes) are
 * kept until relay_dtls_start, which feeds a server engine the one whose
 * source is the peer the answer named; they are freed then or with the
 * call. Before the answer nobody knows which source is the peer, so each
 * source has its own slot (its retransmission replaces its datagram, in
 * the same buffer when it fits), for the first RELAY_EARLY_MAX sources:
 * a datagram from another source never evicts one already kept, so a
 * spoofer cannot displace the real ClientHello (draft section 6). Once
 * the peer is known, only its datagrams are kept. Without this the
 * handshake waits for the client's first retransmission (1 s with
 * OpenSSL's default timer). */
void relay_dtls_early(struct relay_leg *l, const uint8_t *pkt, size_t len,
		      const struct sockaddr_storage *src, socklen_t slen);
/* relay_dtls_early.c (relay_dtls_early too): a just started engine gets
 * the datagram kept from the peer's source (a server only), and every kept
 * one is freed; or they are freed without (the engine waits, the call
 * ends). */
void relay_dtls_early_feed(struct relay_worker *w, struct relay_leg *l,
			   enum dtls_role role);
void relay_dtls_early_free(struct relay_leg *l);
/* Run due DTLS/KTR timers of the worker's DTLS calls and compute the next
 * due time (w->timer_due). */
void relay_dtls_timers(struct relay_worker *w, uint64_t now);
int relay_dtls_send_key(struct relay_worker *w, struct relay_leg *l,
			const struct ksrtp_keymat *k);
int relay_dtls_dictate(struct relay_worker *w, struct relay_leg *l,
		       const struct ksrtp_keymat *k);
int relay_dtls_request(struct relay_worker *w, struct relay_leg *l);
/* KTR key parameters of k (no SSRC), and whether two keys are one. */
void relay_dtls_kp(struct ktr_keyparams *kp, const struct ksrtp_keymat *k);
bool relay_keymat_same(const struct ksrtp_keymat *a,
		       const struct ksrtp_keymat *b);
/* After a batch of the other leg: l->ann_wait and that leg's stream now
 * tracked: announce ktr_key for its SSRC where first used (relay.h). */
void relay_dtls_announce_due(struct relay_worker *w, struct relay_leg *l);
/* RELAY_HQ_PEEK: the held leg's stream showed its first RTP packet (now
 * tracked, still queued): queue the leg and announce the other leg's key
 * for that SSRC at that packet's index. */
void relay_dtls_first_packet(struct relay_worker *w, struct relay_leg *held);
/* Set a held leg's read mode (RELAY_HQ_*): the socket leaves the worker's
 * epoll set for RELAY_HQ_QUEUE and comes back otherwise. */
void relay_leg_hq_set(struct relay_worker *w, struct relay_leg *l,
		      enum relay_hq hq);
void relay_dtls_free(struct relay_leg *l);
/* A DTLS client deferred until ICE nominated its peer: start it now. */
void relay_dtls_deferred_start(struct relay_worker *w, struct relay_leg *l);

/* relay_ice.c (relay_leg_ice_set) */
/* Worker: RELAY_CMD_ICE. */
int relay_ice_exec(struct relay_worker *w, struct relay_leg *l,
		   const struct relay_ice_cfg *cfg);
/* The slow path beside DTLS: a STUN-class datagram on a leg with ICE,
 * from any source (the checks come from candidates not known before),
 * received on fd (the leg's socket the response leaves from). */
void relay_ice_input(struct relay_worker *w, struct relay_leg *l, int fd,
		     const uint8_t *pkt, size_t len,
		     const struct sockaddr_storage *src, socklen_t slen);
/* The media-timeout scan: consent of each ICE leg of c (RFC 7675). */
void relay_ice_check(struct relay_worker *w, struct relay_call *c,
		     uint64_t now);
/* Stats copy of a leg's counters. */
void relay_ice_stats_get(const struct relay_leg *l, struct relay_ice_stats *st);
void relay_ice_free(struct relay_leg *l);
void relay_dlist_add(struct relay_worker *w, struct relay_call *c);

#endif

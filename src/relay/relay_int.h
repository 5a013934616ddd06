/*
 * relay private: the structs the relay's files share (relay.c: relay life
 * cycle, workers, command and event queues; relay_call.c: calls, ports and
 * the commands; relay_fwd.c: the forwarding path and the crypto stage;
 * relay_dtls.c: DTLS and KTR on a leg; relay_port.c: bind addresses, leg
 * sockets and ports, a leg moved to the other address family). Not for use
 * outside src/relay/.
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
	struct relay_fwd fwd; /* written by the worker only */
	struct sockaddr_storage peer_sa; /* fwd.expect_* as a sockaddr */
	socklen_t peer_len;
	/* The peer said c=0.0.0.0 / :: (RFC 3264 8.4, RFC 2543 hold): peer_sa
	 * stays its source, nothing is sent toward it (relay_call.c). */
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
	 * source (relay_dtls.c, relay_dtls_early); NULL mostly. */
	struct relay_early *early[RELAY_EARLY_MAX];
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
};

enum relay_cmd_type {
	RELAY_CMD_ADD,
	RELAY_CMD_FREE,
	RELAY_CMD_PEER,
	RELAY_CMD_RTCP_PEER,
	RELAY_CMD_RTCP_CLOSE,
	RELAY_CMD_FAMILY,
	RELAY_CMD_DTLS_START,
	RELAY_CMD_KTR_KEY,
	RELAY_CMD_KTR_DICTATE,
	RELAY_CMD_KTR_REQUEST,
	RELAY_CMD_XC,
	RELAY_CMD_PREARM,
	RELAY_CMD_STATS,
	RELAY_CMD_TOTALS,
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
		   leg's new socket */
	uint16_t port; /* FAMILY: fd's port */
	int family; /* FAMILY: fd's family */
	bool flag; /* allow_latch / ktr / XC: SRTCP dropped */
	enum dtls_role role;
	const char *fp;
	struct ksrtp_keymat k1, k2;
	bool has_k1;
	struct relay_call_stats *st;
	struct relay_totals *tot;
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
/* A leg's bound address (its family's bind address and its port). */
void relay_leg_local(const struct relay_leg *l, struct sockaddr_storage *ss);
/* A UDP socket bound to the family's address and port: fd or -errno. */
int relay_port_socket(struct relay *r, int family, uint16_t port);
/* Next free even port of the range in that family: fd or -EADDRINUSE. */
int relay_port_take(struct relay *r, int family, uint16_t *port);
/* Worker: RELAY_CMD_FAMILY (relay_leg_set_family). */
int relay_port_family_exec(struct relay_worker *w, struct relay_call *c,
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
/* Receive one batch on l's socket and forward it. */
void relay_fwd_batch(struct relay_worker *w, struct relay_leg *l);
int relay_xc_alloc(struct relay_xc **xp, const struct ksrtp_keymat *in,
		   const struct ksrtp_keymat *out);
void relay_xc_free(struct relay_xc *x);

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
/* Run due DTLS/KTR timers of the worker's DTLS calls and compute the next
 * due time (w->timer_due). */
void relay_dtls_timers(struct relay_worker *w, uint64_t now);
int relay_dtls_send_key(struct relay_worker *w, struct relay_leg *l,
			const struct ksrtp_keymat *k);
int relay_dtls_dictate(struct relay_worker *w, struct relay_leg *l,
		       const struct ksrtp_keymat *k);
int relay_dtls_request(struct relay_worker *w, struct relay_leg *l);
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
void relay_dlist_add(struct relay_worker *w, struct relay_call *c);

#endif

/*
 * relay: the SBC's media relay (docs/design.md; issue 5 item 3).
 *
 * A call has two legs; each leg is one UDP socket bound to an even port
 * from the configured range, carrying RTP and RTCP muxed (RFC 5761) and, on
 * a DTLS leg, DTLS and KTR records (RFC 7983 demultiplexing). A leg whose
 * peer does not mux gets an RTCP component (relay_leg_set_rtcp_peer): a
 * second socket on the odd port right above (RFC 3550 11), with its own
 * source check, latching and counters; SRTCP from it goes to the other
 * leg's RTCP component or, when the other peer muxes, to its one socket,
 * and SRTCP arriving on a muxed leg goes to the other leg's RTCP component
 * when it has one. DTLS never runs on an RTCP component (RFC 5764 would
 * need an association of its own there; the SBC requires rtcp-mux on its
 * DTLS side instead). Leg 0 conventionally faces the RFC 4568 (SDES)
 * UA and leg 1 the DTLS-SRTP UA, but the relay only cares which leg runs
 * DTLS.
 *
 * Threads. relay_alloc starts cfg.workers worker threads, each with its own
 * epoll, owning the calls assigned to it round-robin at relay_call_alloc.
 * Every relay_call_* / relay_leg_* function is a command: it is queued to
 * the owning worker (mutex-protected queue + eventfd in the worker's epoll),
 * the worker runs it between receive batches, and the caller waits for the
 * result (a round-trip of microseconds; never call these from a worker).
 * Commands for one relay may come from several threads. Events flow back
 * through a queue whose eventfd (relay_event_fd) the owner polls.
 *
 * The forwarding path (relay_fwd.c): recvmmsg a batch from a leg socket;
 * per datagram check the source against the leg's record (drop and count,
 * or latch the first source when allowed), demultiplex by the first byte
 * (RFC 7983 section 7: 20..63 DTLS -> the leg's DTLS engine, else dropped;
 * 0..3 STUN -> the leg's ICE-lite responder when it has one (relay_ice.c,
 * relay_leg_ice_set), beside DTLS, else dropped; 128..191 RTP/RTCP ->
 * forwarded, or transcrypted when a transcrypt was set for that direction;
 * everything else dropped and counted),
 * and send the batch with one sendmmsg from the OTHER leg's socket to that
 * leg's peer. Packets are forwarded byte for byte from the receive buffers
 * (preallocated per worker): no allocation, no lock, no copy, no crypto and
 * no logging on that path.
 *
 * Keys. The relay never logs key material; keys held (DTLS export, KTR,
 * transcrypt) are wiped when dropped. Key-carrying events must be wiped by
 * the owner (relay_event_wipe).
 */
#ifndef KTRSBC_RELAY_H
#define KTRSBC_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dtls/dtls.h"
#include "ktr/ktr.h"
#include "srtp/ksrtp.h"
#include "stun/stun.h"

struct offload; /* src/offload/offload.h */
struct offload_leg;

/* Named limits (everything a peer or the configuration controls). */
#define RELAY_WORKERS_MAX 64
#define RELAY_BATCH_DEFAULT 64
#define RELAY_BATCH_MAX 256 /* datagrams per recvmmsg/sendmmsg */
#define RELAY_SLOT_LEN 2048 /* one receive buffer */
#define RELAY_RECV_MAX (RELAY_SLOT_LEN - 64) /* largest datagram accepted;
	the rest is tail room for a transcrypt's tag (larger: dropped) */
#define RELAY_RCVBUF_DEFAULT (1 << 20) /* docs/platform.md: ~1 MiB, not 16 */
#define RELAY_CALLS_DEFAULT 10000
#define RELAY_MEDIA_TIMEOUT_DEFAULT 60000u /* ms */

/* Leg indices. */
#define RELAY_LEG_SDES 0
#define RELAY_LEG_DTLS 1

/* relay_fwd.flags */
#define RELAY_F_PEER 0x01u /* expect_addr/port are known */
#define RELAY_F_ALLOW_LATCH 0x02u /* the first source wins (NAT) */
#define RELAY_F_LATCHED 0x04u /* expect_* came from a received packet */
#define RELAY_F_FORWARD 0x08u /* out_* known: RTP/RTCP goes there */
#define RELAY_F_TRANSCRYPT 0x10u /* RTP/RTCP goes through the crypto stage
				    (never offloaded to the kernel) */
#define RELAY_F_DTLS 0x20u /* DTLS-class datagrams go to a DTLS engine */
#define RELAY_F_TRACK 0x40u /* remember the last RTP SSRC/seq received */
#define RELAY_F_HOLD 0x80u /* RTP/RTCP held: the other leg runs DTLS and
	its UA has no key for these packets yet. Dropped (counted in
	dropped_other), except while the first KTR key waits for its
	acknowledgement: then they wait in the socket's receive queue
	(relay_call_ktr_send_key). Set by relay_leg_dtls_start, cleared when
	the DTLS UA acknowledged the first key announced on that leg (or it
	was never acknowledged: draft 4.3.1 switches anyway), or by
	relay_call_transcrypt from this leg */

/*
 * A leg's forwarding record: plain, fixed size, no pointers; what the
 * in-kernel path needs of it goes to the offload module as its own plain
 * record (relay_offload_leg_from_fwd; the offload module, below the relay,
 * never sees this one). Addresses in network byte order (IPv4 in the first 4 bytes),
 * ports in host order. Counters count what arrived on THIS leg's socket:
 *   pkts/bytes     every datagram received;
 *   dropped_src    not from the peer (draft section 6);
 *   dropped_other  STUN on a leg without ICE, junk, truncated, DTLS without an engine, RTP before
 *                  the other side is known, transcrypt failures;
 *   dtls_pkts      handed to this leg's DTLS engine;
 *   fwd_pkts/bytes sent on to the other leg's peer;
 *   fwd_errs       sendmmsg refused them;
 *   crypto_ops     packets transcrypted (one unprotect + one protect each);
 *   last_rx_ms     clk_now_ms() of the last batch from the peer.
 */
struct relay_fwd {
	uint8_t family; /* AF_INET or AF_INET6; 0 before the peer is known */
	uint8_t flags; /* RELAY_F_* */
	uint16_t expect_port; /* where this leg's peer sends from */
	uint8_t expect_addr[16];
	uint16_t out_port; /* where packets from this leg's peer go */
	uint8_t out_family;
	uint8_t pad;
	uint8_t out_addr[16];
	uint32_t out_ifindex; /* 0 for now */
	uint32_t last_ssrc; /* RELAY_F_TRACK: last RTP packet's SSRC */
	uint16_t last_seq; /* ... and sequence number */
	uint16_t tracked; /* 1 once last_ssrc/last_seq are valid; 2: only
	 * last_ssrc (an offload forwarded packets this record never saw) */
	uint32_t last_roc; /* ... and its ROC, counted from the first packet
	 * tracked (RFC 3711 3.3.1: 0 at the stream's start); held media is
	 * tracked too */
	uint64_t pkts, bytes;
	uint64_t dropped_src, dropped_other;
	uint64_t dtls_pkts;
	uint64_t fwd_pkts, fwd_bytes, fwd_errs;
	uint64_t crypto_ops;
	uint64_t last_rx_ms;
};

struct relay_cfg {
	/* Numeric IPv4 or IPv6 address the legs bind to; NULL = "127.0.0.1". */
	const char *bind_addr;
	/* A second numeric address, of the other family (IPv6 beside an IPv4
	 * bind_addr, or the reverse); NULL or "" = none. Every leg starts in
	 * bind_addr's family; relay_leg_set_family moves one to this one. */
	const char *bind_addr_alt;
	uint16_t port_min, port_max; /* inclusive; 0,0 = 30000..39999 */
	unsigned workers; /* 0 = online cores; at most RELAY_WORKERS_MAX */
	unsigned batch; /* 0 = RELAY_BATCH_DEFAULT; at most RELAY_BATCH_MAX */
	int rcvbuf; /* SO_RCVBUF per leg; 0 = RELAY_RCVBUF_DEFAULT */
	uint32_t media_timeout_ms; /* 0 = RELAY_MEDIA_TIMEOUT_DEFAULT */
	unsigned max_calls; /* 0 = RELAY_CALLS_DEFAULT */
	/* SSRCs a bundle's table holds (relay_bundle_route, learning);
	 * 0 = RELAY_BUNDLE_SSRCS_DEFAULT, at most RELAY_BUNDLE_SSRCS_MAX. */
	unsigned bundle_ssrcs;
	/* The SBC's DTLS side (certificate, profiles, KTR code point); may be
	 * NULL when no leg will run DTLS. Must outlive the relay. */
	struct dtls_ctx *dtls;
	/* KTR session settings (timers, limits); key lengths are filled from
	 * the negotiated profile. */
	struct ktr_sess_cfg ktr;
	/* The in-kernel fast path (issue 7; relay_offload.c), attached by the
	 * owner to the devices media arrives on, in the namespace the relay
	 * runs in; NULL = everything in userspace. Must outlive the relay.
	 * A call is offloaded while both directions are forward-only: KTR
	 * established on its DTLS leg (a call without DTLS stays in
	 * userspace), no KTR announcement pending, peers known (latched where
	 * latching is allowed), no transcrypt (or its window passed), no
	 * hold (held media, queued or not). It is taken back into userspace before any
	 * command changes it (peer, DTLS, KTR key, transcrypt, free), and
	 * offloaded again once it qualifies (checked after each command and
	 * at each media-timeout scan). Failures to offload leave the call in
	 * userspace (logged at debug level), never fail it. */
	struct offload *offload;
};

struct relay;
struct relay_call;

/*
 * Start the workers. 0, -EINVAL (bad cfg: address not numeric, empty or
 * inverted range, too many workers, batch above RELAY_BATCH_MAX), -ENOMEM,
 * or -errno of epoll/eventfd/pthread_create. *rp is set only on success.
 */
int relay_alloc(struct relay **rp, const struct relay_cfg *cfg);
/* Stop and join the workers; every call still open is torn down (sockets
 * closed, keys wiped); pending events are wiped and dropped. NULL is fine. */
void relay_free(struct relay *r);
unsigned relay_workers(const struct relay *r);

/* --- calls ------------------------------------------------------------ */

/*
 * New call: binds two UDP sockets (in bind_addr's family) on free even
 * ports of the range (a port
 * whose bind fails is skipped; -EADDRINUSE when the range has none left;
 * the odd port above each stays for that leg's RTCP component) and hands
 * the call to a worker (round-robin). ports[0..1] (may be NULL) receive the
 * local ports of leg 0 and 1 for the SDP. arg is echoed in every event of the
 * call. -ENOBUFS past cfg.max_calls.
 */
int relay_call_alloc(struct relay *r, struct relay_call **cp, void *arg,
		     uint16_t ports[2]);
/*
 * As relay_call_alloc, on exactly these ports (leg 0, leg 1) in these
 * address families (AF_INET, AF_INET6): a call's relay state built anew
 * where the SDP already named the ports, e.g. for another early dialog
 * of a forked call (RFC 3261 13.2.2.4) once the first one's call was freed
 * (relay_call_free returns with its ports free). -EINVAL (a port 0),
 * -EADDRINUSE (someone took a port meanwhile), -EAFNOSUPPORT, -ENOBUFS,
 * -errno of socket/bind.
 */
int relay_call_alloc_at(struct relay *r, struct relay_call **cp, void *arg,
			const uint16_t ports[2], const int family[2]);
/* Tear down: the worker sends close_notify on an established DTLS leg,
 * closes the sockets, wipes all keys and frees the call; when this returns
 * the ports are free. NULL is fine. Events already queued for the call
 * stay in the queue (their call_id no longer names a call). Not after
 * relay_free, which has freed every call already. */
void relay_call_free(struct relay_call *c);
/* Unique per relay, never reused; events carry it. */
uint64_t relay_call_id(const struct relay_call *c);
/* Local port of a leg (host order), 0 for a bad leg. */
uint16_t relay_leg_port(const struct relay_call *c, unsigned leg);

/*
 * Where a leg's peer is (from its SDP c=/m= lines); packets from any other
 * source are dropped and counted. allow_latch: the first source of an RTP or
 * DTLS-class datagram replaces this address once (symmetric RTP for NATed
 * peers, per trunk); sa may then be NULL (no address known yet). Setting a
 * peer again (re-INVITE) clears a latch. The other leg's out address follows.
 * An unspecified sa (0.0.0.0 or ::, the hold of RFC 3264 8.4 / RFC 2543)
 * sends nothing toward the peer any more (what arrives for it is dropped,
 * counted in dropped_other) while its last address stays the one packets
 * are accepted from (no latching meanwhile); a later real address resumes.
 * 0, -EINVAL (bad leg, sa NULL without allow_latch), -EAFNOSUPPORT (sa's
 * family is not the leg's: relay_leg_set_family first).
 */
int relay_leg_set_peer(struct relay_call *c, unsigned leg,
		       const struct sockaddr *sa, socklen_t len,
		       bool allow_latch);

/*
 * Move a leg to the other address family (an IPv6 peer on a leg bound in
 * IPv4, or the reverse): its socket is replaced by one bound to the relay's
 * address of that family (relay_cfg.bind_addr / bind_addr_alt), on the
 * same port when that one is free in the new family, else on the next free
 * even port (read it again with relay_leg_port). Before the leg's peer,
 * DTLS or RTCP component is set: any peer it had is forgotten. The two
 * legs of a call may be of different families: each forwards from its own
 * socket to its own peer (an IPv4 UA on one leg, an IPv6 UA on the other).
 * Such a call stays in userspace (the in-kernel path rewrites addresses in
 * place, never one family's header into the other's). 0 (also when the
 * leg is of that family already), -EINVAL, -EAFNOSUPPORT (no bind address
 * of that family), -EBUSY (DTLS started, an RTCP component, media queued,
 * or a second socket open: relay_leg_alt_open), -EADDRINUSE (no free port),
 * -errno of socket/bind/epoll.
 */
int relay_leg_set_family(struct relay_call *c, unsigned leg, int family);

/*
 * A second socket for an ICE-lite leg (relay_leg_ice_set), bound to the
 * relay's address of the other family than the leg's (bind_addr_alt, or
 * bind_addr for a leg moved to the other family), on the leg's port number
 * when it is free there, else on the next free even port; *port is set to
 * it. The owner writes a host candidate for each socket (RFC 8445 5.1.1.1:
 * one per address; IPv6 beside IPv4). Both sockets stay open for the
 * call's life, both are read, and a peer's check on either is answered
 * from the socket it arrived on; the leg's media, DTLS and KTR leave from
 * the socket of the nominated peer's family, which a later nomination
 * moves (ICE-lite, above). Open it after relay_leg_set_family and before
 * writing the SDP; call it only for a leg that will do ICE (other legs keep
 * one socket). 0 (also when open already: *port is its port), -EINVAL (bad
 * leg, an RTCP component open), -EAFNOSUPPORT (no bind address of the
 * other family), -EADDRINUSE, -errno of socket/bind/epoll.
 */
int relay_leg_alt_open(struct relay_call *c, unsigned leg, uint16_t *port);
/* As relay_leg_alt_open, on exactly port: a call built anew by
 * relay_call_alloc_at keeps the second host candidate the SDP already
 * named. -EADDRINUSE when port is taken, -EEXIST when the leg has a second
 * socket on another port, as relay_leg_alt_open otherwise. */
int relay_leg_alt_open_at(struct relay_call *c, unsigned leg, uint16_t port);
/* The port of a leg's second socket (relay_leg_alt_open), 0 if none. */
uint16_t relay_leg_alt_port(const struct relay_call *c, unsigned leg);
/* A leg's address family (AF_INET or AF_INET6), 0 for a bad leg. */
int relay_leg_family(const struct relay_call *c, unsigned leg);
/* Whether the relay has a bind address of that family. */
bool relay_has_family(const struct relay *r, int family);

/*
 * RTCP on its own port for a leg whose peer does not mux (RFC 3550 11,
 * RFC 3605 a=rtcp): the first call binds the leg's RTCP socket on
 * relay_leg_rtcp_port (leg port + 1), later calls only move the peer.
 * sa: where the peer sends and receives RTCP (a=rtcp, or c= and port + 1);
 * packets from any other source are dropped and counted on the
 * component's record; allow_latch as for relay_leg_set_peer (the first
 * RTCP-class datagram latches). The component shares the leg's crypto
 * stage and hold state. There is no way back to mux within a call.
 * 0, -EINVAL (as relay_leg_set_peer; or a leg running DTLS, or with a
 * second socket: relay_leg_alt_open),
 * -EADDRINUSE (someone outside the relay holds the odd port), -errno of
 * socket/bind/epoll.
 */
int relay_leg_set_rtcp_peer(struct relay_call *c, unsigned leg,
			    const struct sockaddr *sa, socklen_t len,
			    bool allow_latch);
/* The leg's peer muxes again (RFC 5761, a re-offer that switches to
 * a=rtcp-mux): its RTCP component's socket is closed, SRTCP for it goes to
 * its one socket; the odd port stays the leg's (relay_rtcp.c). 0 (also
 * when it had none), -EINVAL, -ESHUTDOWN. */
int relay_leg_rtcp_close(struct relay_call *c, unsigned leg);
/* The leg's RTCP port (leg port + 1, bound or not), for a=rtcp; 0 for a
 * bad leg. */
uint16_t relay_leg_rtcp_port(const struct relay_call *c, unsigned leg);

/*
 * ICE-lite on a leg (RFC 8445 2.5, 6.1.1; relay_ice.c), the DTLS side's:
 * the worker answers the peer's STUN Binding requests (RFC 7983: first byte
 * 0..3) with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT
 * (src/stun, stun_ice_input) from the leg's socket the request came on (a
 * leg may have one per family, relay_leg_alt_open), on the slow path beside
 * DTLS; requests that fail the fingerprint or integrity check (or any other
 * check) are dropped and counted by verdict (relay_ice_stats).
 *   - The leg's peer is then known only from the peer's checks: any peer set
 *     before is forgotten and latching is off; the source of a valid
 *     nominated check (USE-CANDIDATE, RFC 8445 7.3.1.5) becomes the peer
 *     (media and DTLS go there, from the leg's socket of its family;
 *     only its datagrams are accepted), and a later nomination from
 *     elsewhere moves it, to the other family too. Do not call
 *     relay_leg_set_peer on such a leg.
 *   - A DTLS client on the leg (relay_leg_dtls_start, DTLS_ROLE_CLIENT)
 *     sends its first flight once the peer is nominated (the
 *     handshake runs on the selected pair).
 *   - Consent (RFC 7675): a lite agent sends no checks; when no valid
 *     request has come from the nominated address for consent_ms, media
 *     and DTLS toward it stop (what it sends is still taken; the log says
 *     why; counted); a valid request from it, or a nomination, resumes
 *     them. A peer that sends no consent checks of its own (only RFC
 *     8445 11 Binding indications, as baresip 1.0) loses media then,
 *     unless consent_off: then media and DTLS keep going to the nominated
 *     address (verified by the authenticated nominating check; a later
 *     nomination still moves it); an expiry is logged and counted
 *     (consent_unenforced), nothing stops.
 *   - Called again with other credentials: an ICE restart (RFC 8445 9);
 *     the nominated address and its consent stay until a new nomination.
 * cfg NULL turns ICE off on the leg (an answer without ICE): STUN is
 * dropped again and the peer is set with relay_leg_set_peer.
 * local_pwd is a credential: copied into the responder (wiped when
 * replaced or freed), never logged. 0, -EINVAL (bad leg, or credentials
 * outside RFC 8839 5.4's ice-chars and lengths), -ENOMEM.
 */
struct relay_ice_cfg {
	const char *local_ufrag, *local_pwd; /* ours, as in our SDP */
	const char *remote_ufrag; /* the peer's; NULL before its SDP */
	uint32_t consent_ms; /* 0: STUN_CONSENT_TIMEOUT_MS (RFC 7675, 30 s) */
	bool consent_off; /* consent not enforced (a peer without RFC 7675) */
};
int relay_leg_ice_set(struct relay_call *c, unsigned leg,
		      const struct relay_ice_cfg *cfg);

/* A leg's ICE counters (relay_call_stats). */
struct relay_ice_stats {
	bool on; /* the leg answers STUN */
	bool nominated; /* a peer address was nominated */
	bool consent_lost; /* now: no media toward it (RFC 7675) */
	bool consent_off; /* consent not enforced (relay_ice_cfg) */
	bool consent_overdue; /* now: expired, but consent_off */
	uint64_t verdict[STUN_ICE_VERDICTS]; /* datagrams per verdict */
	uint64_t nominations; /* times the peer's address was (re)learned */
	uint64_t consent_losses; /* times consent expired */
	uint64_t consent_unenforced; /* times it expired with consent_off */
	uint64_t restarts; /* new credentials on a leg with ICE (RFC 8445 9) */
	uint64_t resp_errs; /* responses that could not be built or sent */
};

/*
 * Run DTLS-SRTP on a leg, as client (a=setup:active) or server, against
 * peer_fingerprint (SHA-256 "AB:CD:..", RFC 8122), offering/accepting
 * key_transport when ktr (cfg.dtls must have a KTR code point). A client
 * needs the peer address first (relay_leg_set_peer). The handshake runs in
 * the worker; RELAY_EV_DTLS_UP or RELAY_EV_DTLS_FAILED follows.
 * 0, -EINVAL (no dtls ctx, bad leg/fingerprint), -EALREADY (already
 * started), -ENOTCONN (client without a peer), or the error of dtls_conn_*.
 */
int relay_leg_dtls_start(struct relay_call *c, unsigned leg,
			 enum dtls_role role, const char *peer_fingerprint,
			 bool ktr);

/*
 * KTR, Figure 7 step 4 (draft 4.3.1): send new_srtp_key carrying the SDES
 * UA's key A on DTLS leg `leg`, so that the DTLS UA can decrypt what the
 * other leg's peer sends; the relay is the speaker on the SDES UA's behalf
 * and retransmits until new_srtp_key_activate (RELAY_EV_KTR_ACKED) or gives
 * up (RELAY_EV_KTR_GAVE_UP); a refusal is RELAY_EV_KTR_REFUSED.
 *
 * SSRC and activation index: an announcement names them only once a
 * packet of the SDES UA's stream has shown them (RFC 3550 5.1: a stream
 * starts at a random sequence number, which no SDP carries; an a=ssrc
 * line would give the SSRC but still not the index, so it is not used).
 * The other leg's record tracks the SSRC, sequence number and ROC of its
 * RTP packets (RELAY_F_TRACK, set on the other leg of every DTLS leg;
 * held packets are tracked too; kept once per batch, from the batch's
 * last RTP packet, and from every packet of a batch where a stream
 * starts: relay_fwd.c).
 *   - The call's first key while that stream is held (RELAY_F_HOLD, the
 *     call from the SDES side): nothing is sent yet. The other leg's
 *     socket queue is looked at in place until the stream's first RTP
 *     packet from the peer is at its head (what comes before it is dropped
 *     as held media); the key is announced for that packet's SSRC, taking
 *     effect at that packet (index ROC | seq, the ROC counted over the
 *     packets held since the handshake started, 0 for a fresh stream).
 *     The packet and all after it then wait in the socket's receive queue
 *     (the socket leaves the worker's epoll set: no copy, no allocation)
 *     until the DTLS UA acknowledges the key (RELAY_EV_KTR_ACKED), and are
 *     forwarded untouched from then on. Design choice: draft 4.3.1
 *     recommends that a sender wait for new_srtp_key_activate before
 *     using a new key, against the loss of the announcement; the SDES UA
 *     cannot wait, so the relay waits for it. Forwarding at once would let
 *     a lost or late announcement fail those packets at the DTLS UA;
 *     dropping them until the acknowledgement would lose one round trip
 *     of the stream's start; queueing loses neither, and every packet the
 *     DTLS UA gets has an index at or above the announced one. The cost:
 *     one round trip of delay at the stream's start (SRTCP on an RTCP
 *     component is dropped meanwhile). Never acknowledged
 *     (RELAY_EV_KTR_GAVE_UP): released and forwarded (4.3.1: the speaker
 *     switches regardless). Refused (RELAY_EV_KTR_REFUSED): read again but
 *     still held (dropped, counted) until the owner transcrypts or ends.
 *   - Any other key: the stream already flows, transcrypted (the window of
 *     a call from the DTLS side, which the owner closes on the
 *     acknowledgement) or under an earlier key (an RFC 4568 re-key: a
 *     re-INVITE's a=crypto, or the SDES UA's answer to ours). RFC 4568
 *     names no packet where the SDES UA switches, and the end of a window
 *     is wherever the owner stops it, so no index the SBC could name is
 *     right: the key is announced at KTR_INDEX_LAST, for the SSRC the
 *     stream carries (at once when tracked, else after the first packet
 *     that shows it). At the last index the old key stays current at the
 *     DTLS UA and a draft 4.3.4 listener takes the new key from the first
 *     packet that authenticates only with it, across a ROC wrap too
 *     (issue 5: naming activate_ahead failed every packet between that
 *     index and a later switch).
 * 0 once the key is taken, whether announced now or when its packet comes
 * (a later announcement's failure is logged; the association's failure
 * has its own event). k must match the negotiated profile. 0, -EINVAL, -EAGAIN (handshake not
 * done), -EPIPE (the association failed), -ENOTSUP (key_transport not
 * negotiated), -ERANGE (lengths).
 *
 * A new_srtp_key_request or your_new_srtp_key FROM the DTLS UA is refused
 * with new_srtp_key_failure (KTR_FAIL_STATE): the SDES UA's key changes only
 * through a re-INVITE, which the signalling side would have to start (not
 * implemented). An unsolicited new_srtp_key from the DTLS UA is acknowledged
 * and reported as RELAY_EV_KTR_PEER_KEY (-> re-INVITE towards the SDES UA).
 *
 * When the DTLS UA refuses the key (RELAY_EV_KTR_REFUSED) or never
 * acknowledges it (RELAY_EV_KTR_GAVE_UP), the relay announces it no more
 * (no re-announcement with the real SSRC either) and keeps forwarding; the
 * owner decides: a transcrypt of that direction (relay_call_transcrypt*)
 * or the end of the call.
 */
int relay_call_ktr_send_key(struct relay_call *c, unsigned leg,
			    const struct ksrtp_keymat *k);
/*
 * KTR, call from the DTLS side: your_new_srtp_key carrying B (any SSRC) on
 * DTLS leg `leg`; the DTLS UA answers with new_srtp_key(B) at the index of
 * its switch (RELAY_EV_KTR_PEER_KEY). When a transcrypt is active for the
 * packets from that leg's peer with out key B, the relay stops transcrypting
 * at that index by itself: from then on they are forwarded untouched (the
 * window of docs/design.md). While that window is open, SRTCP from the DTLS UA
 * is dropped rather than re-protected: its SRTCP index restarts under the
 * new key, so our SRTCP under B would reuse B's keystream (draft 6.2, two-
 * time pad). Call relay_call_transcrypt first, then this. Same errors as
 * relay_call_ktr_send_key.
 */
int relay_call_ktr_dictate(struct relay_call *c, unsigned leg,
			   const struct ksrtp_keymat *k);

/*
 * KTR, the SBC's re-key on demand (draft 4.2): new_srtp_key_request on DTLS
 * leg `leg`. The DTLS UA answers with new_srtp_key carrying a fresh key of
 * its choice and the index of its switch (RELAY_EV_KTR_PEER_KEY, as for an
 * unsolicited one), or with new_srtp_key_failure (RELAY_EV_KTR_REFUSED,
 * msg_type KTR_NEW_SRTP_KEY_REQUEST); the request is retransmitted until
 * then or given up (RELAY_EV_KTR_GAVE_UP). Errors as relay_call_ktr_send_key.
 */
int relay_call_ktr_request(struct relay_call *c, unsigned leg);

/*
 * Per-packet transcrypting of what arrives on from_leg (Figure 6 fallback,
 * and the window before a dictated key takes effect): each SRTP/SRTCP packet
 * is unprotected with `in` (any SSRC) and protected again with `out` for the
 * SSRC it carries, in place, then forwarded. One crypto_op each; failures
 * are dropped and counted as dropped_other. in == NULL stops transcrypting
 * (packets are forwarded untouched again). Replaces an earlier transcrypt of
 * that direction. The first packet of an SSRC allocates its sender (the
 * crypto stage is not the allocation-free path). A transcrypt that
 * replaces one with the same `out` key keeps its sender (SRTP and SRTCP
 * indices go on: a new one would start SRTCP over under that key, draft
 * 6.2). 0, -EINVAL, -ERANGE, -ENOMEM, -EIO.
 */
int relay_call_transcrypt(struct relay_call *c, unsigned from_leg,
			  const struct ksrtp_keymat *in,
			  const struct ksrtp_keymat *out);
/*
 * relay_call_transcrypt (in not NULL) for an `out` key another sender has
 * used before on that stream: the KTR fallback that goes back to the last
 * key the DTLS UA acknowledged (draft 4.3.1), which the SDES UA itself sent
 * with. RTP is safe (its index goes on from where that sender left it), but
 * that sender's SRTCP index is unknown here and ours would start over under
 * its key, so SRTCP from from_leg is dropped (counted in dropped_other).
 */
int relay_call_transcrypt_rtp(struct relay_call *c, unsigned from_leg,
			      const struct ksrtp_keymat *in,
			      const struct ksrtp_keymat *out);

/*
 * Call from the DTLS side: arm, before the handshake ends, the two
 * transcrypts of the window (docs/design.md) so that they take effect the
 * moment DTLS is up, before any further packet of the call is handled:
 * packets from this DTLS leg's peer are unprotected with its exported write
 * key and protected with own_out (B, what the SDES UA receives with), and
 * packets from the other leg's peer are unprotected with other_in (A, the
 * SDES UA's key) and protected with the SBC's exported write key. The
 * second stops by itself when the DTLS UA acknowledges A (the owner frees it
 * later with relay_call_transcrypt NULL); the first at the DTLS UA's switch to B
 * (relay_call_ktr_dictate). Without KTR both stay: the Figure 6 fallback,
 * both ways. 0, -EINVAL, -ERANGE.
 */
int relay_leg_dtls_prearm(struct relay_call *c, unsigned leg,
			  const struct ksrtp_keymat *own_out,
			  const struct ksrtp_keymat *other_in);

/*
 * The window of a call from the DTLS side (relay_leg_dtls_prearm), per
 * direction, kept on the leg the packets arrive on: the SDES leg's
 * transcrypt A -> our DTLS key runs until the DTLS UA acknowledges
 * new_srtp_key(A) (the worker stops it there), the DTLS leg's transcrypt
 * (the DTLS UA's key) -> B until the index the DTLS UA announces in its
 * new_srtp_key(B). Its RTP packets are those of indexes
 * [first_index, end_index): at most end_index - first_index transcrypts
 * (relay_window_pkts); SRTCP has no such index and is counted apart.
 */
struct relay_window {
	bool armed; /* this direction's window transcrypt was set up */
	bool started; /* first_index is valid */
	bool closed; /* end_index is valid */
	uint64_t rtp_ops, rtcp_ops; /* packets it transcrypted */
	uint64_t first_index; /* RFC 3711 index of the first RTP transcrypted */
	uint64_t end_index; /* first index past the window */
};
/* The RTP packets of a closed window's index range: the most rtp_ops may
 * be; 0 while open (no end announced: nothing is allowed). */
static inline uint64_t relay_window_pkts(const struct relay_window *w)
{
	return w->started && w->closed && w->end_index > w->first_index ?
		       w->end_index - w->first_index : 0;
}

struct relay_call_stats {
	struct relay_fwd leg[2];
	/* Each leg's RTCP component (has_rtcp: the leg has one). */
	bool has_rtcp[2];
	struct relay_fwd rtcp[2];
	bool dtls_up; /* a DTLS leg finished its handshake */
	bool ktr; /* ... and negotiated key_transport */
	bool transcrypt; /* some direction is transcrypted */
	/* The kernel forwards the call's RTP/RTCP now (relay_cfg.offload);
	 * leg[] then includes the kernel's counters (forwarded packets and
	 * bytes, spoofed drops) merged in, and kernel_fwd_pkts[i] is the part
	 * of leg[i].fwd_pkts the kernel forwarded over the call's life. */
	bool offloaded;
	uint64_t kernel_fwd_pkts[2];
	/* The windows of a call from the DTLS side, by the leg packets
	 * arrive on (armed false on other calls). */
	struct relay_window window[2];
	/* Each leg's ICE-lite responder (on false: none). */
	struct relay_ice_stats ice[2];
	/* The family and port each leg's media leaves from: its socket's,
	 * or its second socket's once ICE nominated a peer of that family
	 * (relay_leg_alt_open). */
	int send_family[2];
	uint16_t send_port[2];
};
/* A consistent copy of both legs' records (taken by the worker). 0 or
 * -EINVAL. */
int relay_call_stats(struct relay_call *c, struct relay_call_stats *st);

/*
 * The offload module's record of a leg (src/offload/offload.h), filled from
 * the relay's (f: the leg the packets arrive on; local: its bound address;
 * other_local: the other leg's). Only a forward-only leg can be offloaded:
 * -ENOTSUP when f has RELAY_F_TRANSCRYPT, lacks RELAY_F_PEER or
 * RELAY_F_FORWARD, or still waits for a latch (RELAY_F_ALLOW_LATCH without
 * RELAY_F_LATCHED); -EAFNOSUPPORT when the families differ; -EINVAL for bad
 * arguments.
 */
int relay_offload_leg_from_fwd(struct offload_leg *l,
			       const struct sockaddr *local,
			       const struct sockaddr *other_local,
			       const struct relay_fwd *f, unsigned out_ifindex);

/*
 * Totals over every call of the relay: the userspace records of all legs
 * and RTCP components, summed by each worker in one command (one command
 * per worker, not one per call: cheap at thousands of calls). The kernel's
 * counters of calls offloaded now are not in them. 0, -EINVAL, or
 * -ESHUTDOWN when a worker has stopped.
 */
struct relay_totals {
	uint64_t calls;
	uint64_t pkts, fwd_pkts, dropped_src, dropped_other, fwd_errs;
	uint64_t crypto_ops;
};
int relay_totals(struct relay *r, struct relay_totals *t);

/* --- BUNDLE (RFC 9143; relay_bundle.c) --------------------------------- */

/*
 * Several m-lines on one transport toward one peer (RFC 9143): the streams
 * of a session are relay calls of their own, and one of them (the owner)
 * lends its leg `leg`'s socket (and DTLS association) to the others (the
 * members). A member's leg `leg` then sends from the owner's socket to the
 * owner's peer (its own socket is closed, its port unused) and receives
 * through the owner: the owner's leg demultiplexes each RTP/RTCP datagram
 * to the member whose stream it is, by SSRC (RTP: the header's SSRC,
 * RTCP: the sender's SSRC of the first report) in a small fixed table, or,
 * for an SSRC not in it, by payload type (unique across the bundle, RFC
 * 8843 9.1; the SSRC is then learned, up to the table's limit), and hands
 * it to that member's other leg as its own leg would have. RTCP of an
 * unknown sender goes to the owner's own stream. Demultiplexing is a
 * bounded scan of the table and one array lookup: no allocation, lock,
 * copy or crypto. A datagram that matches no stream is dropped and counted
 * on the owner's leg (dropped_other) and in relay_bundle_stats.
 *
 * Bundled calls stay in userspace (the in-kernel map is keyed by the
 * 5-tuple, one entry per leg: it cannot tell a bundle's streams apart).
 */
#define RELAY_BUNDLE_MEMBERS_MAX 8 /* streams per bundle, owner included */
#define RELAY_BUNDLE_SSRCS_MAX 64 /* the SSRC table's size */
#define RELAY_BUNDLE_SSRCS_DEFAULT 16 /* relay_cfg.bundle_ssrcs 0 */

/* relay_call_alloc on the worker of `with` (a bundle's calls must share
 * one worker: a member's packets arrive on the owner's socket). */
int relay_call_alloc_with(struct relay *r, struct relay_call **cp, void *arg,
			  uint16_t ports[2], const struct relay_call *with);

/*
 * Make owner's leg `leg` the transport of a bundle (first call) and join
 * member to it (member == owner: only the bundle is made). The member's
 * leg follows the owner's peer from then on; once DTLS runs on the owner's
 * leg, its other leg's media is held (RELAY_F_HOLD) until the owner keys
 * that direction (a transcrypt). Both
 * calls must be on one worker (relay_call_alloc_with), the member must
 * not run DTLS or have an RTCP component on that leg, and not be in
 * another bundle. 0, -EINVAL, -EXDEV (other worker), -EBUSY (member
 * already bundled or DTLS started on it), -ENOBUFS (RELAY_BUNDLE_MEMBERS_MAX).
 */
int relay_bundle_join(struct relay_call *owner, unsigned leg,
		      struct relay_call *member);
/*
 * What demultiplexes to member (a call of owner's bundle, or owner): the
 * SSRCs its peer signalled (a=ssrc) and its payload types (the m-line's
 * formats). -ENOSPC when the bundle would hold more SSRCs than its limit
 * (relay_cfg.bundle_ssrcs): nothing is added then; -EEXIST when a payload
 * type or SSRC is another member's already (RFC 8843 9.1: they must be
 * unique for this to work); -EINVAL.
 */
int relay_bundle_route(struct relay_call *owner, struct relay_call *member,
		       const uint32_t *ssrcs, size_t n_ssrcs,
		       const uint8_t *pts, size_t n_pts);

struct relay_bundle_stats {
	unsigned members; /* owner included */
	unsigned ssrcs; /* in the table, signalled and learned */
	uint64_t learned; /* SSRCs learned from packets by payload type */
	uint64_t unrouted; /* datagrams matching no stream (dropped) */
	uint64_t learn_full; /* packets routed by payload type only: the
	 * table was full (bundle_ssrcs) */
	uint64_t ssrc_clash; /* toward the bundle's peer: a packet whose SSRC
	 * another stream of the bundle uses under the same key, dropped
	 * (relay_bundle_tx_check) */
	uint64_t key_unrouted; /* the DTLS UA's own new_srtp_key naming an
	 * SSRC no stream of the bundle receives: given to the first stream */
};
/* The bundle of owner's call: 0, -ENOENT (no bundle), -EINVAL. */
int relay_bundle_stats(struct relay_call *owner, struct relay_bundle_stats *st);

/* --- events ----------------------------------------------------------- */

enum relay_event_type {
	RELAY_EV_DTLS_UP, /* keys, ktr, profile */
	RELAY_EV_DTLS_FAILED, /* err: -EKEYREJECTED, -ETIMEDOUT, ... */
	RELAY_EV_KTR_ACKED, /* our new_srtp_key acknowledged: index, key */
	RELAY_EV_KTR_GAVE_UP, /* never answered: err, msg_type, key */
	RELAY_EV_KTR_REFUSED, /* new_srtp_key_failure: reason, msg_type, key */
	RELAY_EV_KTR_PEER_KEY, /* DTLS UA's new key: peer_key, ssrc, index */
	RELAY_EV_MEDIA_TIMEOUT, /* no datagram on either leg for the timeout */
};

struct relay_event {
	enum relay_event_type type;
	uint64_t call_id;
	void *arg; /* relay_call_alloc's arg */
	unsigned leg;
	int err;
	uint8_t reason;
	bool ktr; /* DTLS_UP: key_transport negotiated */
	/* DTLS_UP: RFC 5764 4.2 export; local = the SBC's write key (what the
	 * DTLS UA decrypts with), remote = the DTLS UA's write key (B). */
	struct dtls_srtp_keys keys;
	/* KTR_PEER_KEY: the key, its SSRC (or any) and activation index.
	 * KTR_ACKED: the key acknowledged. KTR_REFUSED / KTR_GAVE_UP: our
	 * message (msg_type: enum ktr_type, msg_seq its message_seq) and,
	 * for a new_srtp_key, the key it carried, for a your_new_srtp_key
	 * the key the relay transcrypts the DTLS UA's packets to (else
	 * zeroed); reason: the failure's reason code (REFUSED). */
	struct ksrtp_keymat peer_key;
	uint8_t msg_type;
	uint16_t msg_seq;
	bool any_ssrc;
	uint32_t ssrc;
	uint64_t index;
};

/* From a DTLS_UP event's export: the SBC's own write key (local) or the
 * DTLS UA's (remote) as key material; zeroed (unusable) when the export's
 * lengths do not fit its profile. */
void relay_keymat_export(struct ksrtp_keymat *k, const struct dtls_srtp_keys *x,
			 bool local);

/* Readable (EPOLLIN) while events are queued; owned by the relay. */
int relay_event_fd(const struct relay *r);
/* Pop the oldest event into *ev: 0, or -EAGAIN when none. The caller wipes
 * *ev (relay_event_wipe) when it carried keys. */
int relay_event_next(struct relay *r, struct relay_event *ev);
void relay_event_wipe(struct relay_event *ev);
const char *relay_event_name(enum relay_event_type t);

#endif

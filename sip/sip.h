/*
 * sip: the SIP layer of ktrua and ktrsbc, on Sofia-SIP's nua (RFC 3261).
 *
 * Three objects:
 *   struct sip_loop   one event loop (a Sofia su_root run without a stack
 *                     thread): the SIP transports, and any other sockets and
 *                     timers the application registers (media, DTLS timers),
 *                     all served in the one thread that calls
 *                     sip_loop_step()/sip_loop_run().
 *   struct sip_ua     one user agent: bound transports (UDP, TCP, TLS) on a
 *                     host:port, registration-free. A B2BUA holds both legs
 *                     in one sip_ua (or in two sip_ua on the same loop, e.g.
 *                     one per network) and pairs them with sip_call_set_data.
 *   struct sip_call   one INVITE dialog (one call leg), caller or callee.
 *
 * SDP is opaque here: the application writes and parses bodies (nua runs
 * with NUTAG_MEDIA_ENABLE(0): no offer/answer engine of its own); this
 * layer only checks the size (SIP_SDP_MAX) and the Content-Type.
 *
 * Threading: nothing here is thread-safe; every function and every callback
 * runs in the loop's thread.
 *
 * Handled by the stack without the application: 100 Trying, ACK for 2xx
 * and non-2xx, retransmissions (RFC 3261 17), OPTIONS answered 200 (RFC 3261
 * 11.2), PRACK (RFC 3262),
 * 481 for requests outside a dialog, 405 for methods other than INVITE,
 * ACK, BYE, CANCEL, OPTIONS, PRACK and UPDATE; 491 to a re-INVITE that
 * crosses a re-INVITE of ours carrying an offer (RFC 3261 14.2).
 *
 * Session timers (RFC 4028), when cfg.session_expires is set: nua
 * negotiates Session-Expires, Min-SE and the refresher per dialog, each
 * leg on its own; it refreshes by UPDATE without a body (RFC 4028 9) when
 * the peer allows UPDATE, else by re-sending our last INVITE with its SDP
 * (so a caller that lists neither "timer" in Supported nor UPDATE in
 * Allow gets no session timer: there would be nothing to refresh by);
 * when the peer is the refresher and lets the session lapse, the stack
 * sends BYE (Reason: SIP;cause=408) and ended() reports
 * SIP_END_EXPIRED. A refresh from the peer -- a re-INVITE or UPDATE whose
 * SDP has the o= line of the peer's last SDP (RFC 3264 8: unchanged), or
 * an UPDATE without a body -- is answered here with our last SDP and never
 * reaches the application (sip_ua_refreshes counts them). An UPDATE with
 * a new offer is refused: 491 while an offer of ours is pending (RFC 3311
 * 5.2), otherwise 488 (media changes come by re-INVITE).
 *
 * Errors follow base/err.h (0 or negative errno).
 */
#ifndef KTRSBC_SIP_H
#define KTRSBC_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Named limits (attacker-controlled input is checked against them). */
#define SIP_SDP_MAX 16384   /* bytes of SDP accepted or sent */
#define SIP_URI_MAX 512     /* bytes of a target / From / To URI we keep */
#define SIP_REASON_MAX 120  /* bytes of a reason phrase we keep or send */
#define SIP_CALLS_DEFAULT 1024 /* cfg.max_calls == 0 */
#define SIP_USER_MAX 64     /* bytes of a URI user part we send */
#define SIP_DISPLAY_MAX 64  /* bytes of a From display name we keep/send */
#define SIP_PRODUCT_MAX 64  /* bytes of cfg.product */
#define SIP_OPTIONS_MAX 32  /* outstanding sip_ua_options() per ua */
#define SIP_PRODUCT_DEFAULT "ktrsbc"
#define SIP_TAG_MAX 64      /* bytes of a To-tag we keep (longer: cut) */

/* ------------------------------------------------------------------ loop */

struct sip_loop;

/* Create a loop (initialises Sofia's su library for this thread).
 * 0, -EINVAL (NULL lp) or -ENOMEM. */
int sip_loop_alloc(struct sip_loop **lp);
/* Free a loop; NULL accepted. Every sip_ua on it, every fd registration
 * and every sip_timer must have been freed first. */
void sip_loop_free(struct sip_loop *l);
/* Run one iteration: wait at most timeout_ms (0 = poll) for an event and
 * dispatch what is ready. 0 or -EINVAL. */
int sip_loop_step(struct sip_loop *l, unsigned timeout_ms);
/* Run until sip_loop_break() is called from a callback. */
void sip_loop_run(struct sip_loop *l);
void sip_loop_break(struct sip_loop *l);

/* Readiness bits for sip_loop_fd_add / sip_fd_h. */
#define SIP_FD_IN 0x1u
#define SIP_FD_OUT 0x2u
#define SIP_FD_ERR 0x4u

/* Called in the loop thread when fd is ready; events are SIP_FD_* bits. The
 * handler must consume the readiness (read the socket): registrations are
 * level-triggered. */
typedef void (*sip_fd_h)(void *arg, int fd, unsigned events);

/* Watch fd (not owned: never closed here) for SIP_FD_IN and/or SIP_FD_OUT.
 * Returns a registration id > 0 for sip_loop_fd_del, or -EINVAL/-ENOMEM. */
int sip_loop_fd_add(struct sip_loop *l, int fd, unsigned events, sip_fd_h h,
		    void *arg);
/* Stop watching; safe from inside the fd's own handler. 0 or -ENOENT. */
int sip_loop_fd_del(struct sip_loop *l, int id);

struct sip_timer;
typedef void (*sip_timer_h)(void *arg);

/* A one-shot timer on the loop (re-arm it from its handler to repeat). */
int sip_timer_alloc(struct sip_timer **tp, struct sip_loop *l, sip_timer_h h,
		    void *arg);
/* (Re)arm to fire once after ms milliseconds. 0 or -EINVAL/-EIO. */
int sip_timer_start(struct sip_timer *t, unsigned ms);
void sip_timer_stop(struct sip_timer *t);
/* Stops and frees; NULL accepted. */
void sip_timer_free(struct sip_timer *t);

/* -------------------------------------------------------------------- ua */

struct sip_ua;
struct sip_call;

enum sip_transport { SIP_TP_UDP = 0, SIP_TP_TCP, SIP_TP_TLS };

struct sip_ua_cfg {
	const char *bind_host; /* numeric address, e.g. "127.0.0.1" */
	uint16_t port;         /* UDP and TCP port (RFC 3261: 5060) */
	uint16_t tls_port;     /* TLS port; 0 = port + 1 */
	bool udp, tcp, tls;    /* at least one */
	/* TLS only: a directory with agent.pem (private key followed by its
	 * certificate chain) and cafile.pem (trusted CAs), Sofia's
	 * TPTAG_CERTIFICATE layout. */
	const char *tls_dir;
	/* TLS only. false: peers' certificates are not verified. true: on
	 * every TLS connection this agent opens, the server's certificate
	 * must verify against tls_dir/cafile.pem (chain depth <= 4, dates)
	 * and name the target's host (as written in the Request-URI) in its
	 * CN or subjectAltName; otherwise Sofia-SIP (tport_tls, policy
	 * TPTLS_VERIFY_SUBJECTS_OUT) closes the connection before any request
	 * is written on it, and the request fails (the stack's 503). One
	 * policy and one CA file per agent: Sofia-SIP 1.12 has no per-peer CA
	 * store and no hook for a certificate pin. Incoming TLS connections
	 * are not asked for a client certificate. */
	bool tls_verify_out;
	const char *user;      /* user part of our From/Contact; "ktr" if NULL */
	unsigned max_calls;    /* live calls (both directions); 0 = default */
	/* The User-Agent of our requests and responses and the Server of
	 * the responses the application makes (RFC 3261 20.41, 20.35),
	 * exactly this string: Sofia's own "sofia-sip/x.y" token is never
	 * sent (topology hiding). 1..SIP_PRODUCT_MAX bytes of token
	 * characters, '/' and spaces; NULL: SIP_PRODUCT_DEFAULT. */
	const char *product;
	/* RFC 4028 session timers: the Session-Expires we ask for and the
	 * Min-SE we accept, seconds; 0 session_expires: timers off (no
	 * "timer" in Supported; a peer's Session-Expires is ignored). Calls
	 * may set their own (sip_invite_params, sip_call_timer_set).
	 * min_se 0: 90 (the RFC's floor). */
	unsigned session_expires, min_se;
};

/* Why a call ended (ops.ended). */
enum sip_end_cause {
	SIP_END_BYE_LOCAL = 0, /* we sent BYE */
	SIP_END_BYE_REMOTE,    /* peer sent BYE */
	SIP_END_CANCEL_LOCAL,  /* we cancelled our INVITE (487) */
	SIP_END_CANCEL_REMOTE, /* peer cancelled its INVITE */
	SIP_END_REJECT_LOCAL,  /* we answered the INVITE with an error */
	SIP_END_REJECT_REMOTE, /* our INVITE got a final error response,
				* including the stack's own 408 (timeout) and
				* 503 (transport failure) */
	SIP_END_ERROR,         /* dialog lost otherwise (e.g. 481, shutdown) */
	SIP_END_EXPIRED        /* the session timer ran out without a refresh
				* from the peer (RFC 4028 10): the stack sent
				* BYE with Reason SIP;cause=408 */
};

/* Facts about a call's peer, fixed when the call is created. For incoming
 * calls they come from the INVITE: transport is the one it arrived on
 * (Sofia refuses a top Via naming another transport), peer_addr/port its
 * source address. Strings are NUL-terminated, at most SIP_URI_MAX bytes
 * (from_display: SIP_DISPLAY_MAX). For outgoing calls they are what we
 * sent. */
struct sip_call_info {
	bool incoming;
	enum sip_transport transport;
	/* transport == SIP_TP_TLS: the request came over a TLS connection
	 * (nta refuses a top Via whose transport differs from the socket's,
	 * so a peer cannot claim TLS over UDP/TCP). For the SBC's trust rule
	 * (RFC 4568 section 8.3: a=crypto only over a secure signalling
	 * path). Outgoing: we send over TLS. */
	bool tls;
	const char *request_uri; /* incoming: Request-URI; outgoing: target */
	const char *from;        /* From URI (no display name, no tag) */
	const char *from_user;   /* user part of the From URI, escaped as
				  * Sofia canonicalises it (%HH of unreserved
				  * characters resolved, RFC 3261 19.1.4;
				  * others kept), "" if none */
	const char *from_display; /* From display name, unquoted and
				   * unescaped; "" if none, if longer than
				   * SIP_DISPLAY_MAX or holding a control
				   * character */
	const char *to;          /* To URI */
	const char *peer_addr;   /* numeric host ("" if unknown) */
	uint16_t peer_port;
	unsigned max_forwards;   /* incoming: the INVITE's (70 if absent) */
	/* incoming: the INVITE's Session-Expires when it has Supported:
	 * timer (RFC 4028 9), else 0 */
	unsigned session_expires;
	/* outgoing: the transport the latest final response to our INVITE or
	 * re-INVITE arrived on, from the socket it came in on (nta matches a
	 * response to its transaction by Via branch, not by connection): a
	 * stream on an agent whose only transport is TLS is TLS. SIP_TP_UDP
	 * until a response arrives or when it cannot be told. For the SBC's
	 * rule on SDES answers (keys only over a path that may carry them). */
	enum sip_transport answered_over;
};

/* Application callbacks; all run in the loop thread, with arg from
 * sip_ua_alloc. The call pointer stays valid until ended() returns. */
struct sip_ua_ops {
	/* A new INVITE with an SDP offer (sdp NUL-terminated, len bytes).
	 * Answered before this runs: 503 beyond max_calls; 483 when
	 * Max-Forwards is 0 (RFC 3261 16.3, which nua does not check);
	 * 488 without an offer or with an SDP over SIP_SDP_MAX or holding a
	 * NUL; 415 for a body other than application/sdp. The
	 * application answers now or later with sip_call_answer(),
	 * sip_call_progress() or sip_call_reject(). Returning a negative
	 * errno rejects the call at once: 488 for -EBADMSG, -EPROTO,
	 * -ENOTSUP; 503 for -ENOBUFS; 500 otherwise. Required. */
	int (*incoming)(void *arg, struct sip_call *c, const char *sdp,
			size_t len);
	/* A provisional response (101-199) to our INVITE; sdp NULL or an
	 * early answer (183 with SDP). Optional. */
	void (*ringing)(void *arg, struct sip_call *c, int status,
			const char *sdp, size_t len);
	/* The 2xx to our initial INVITE (the stack has sent the ACK); sdp
	 * is the answer, NULL if the 2xx carried none. Optional. */
	void (*answered)(void *arg, struct sip_call *c, const char *sdp,
			 size_t len);
	/* Our 2xx to an incoming INVITE was acknowledged (RFC 3261 13.3.1.4):
	 * the call is established. Optional. */
	void (*confirmed)(void *arg, struct sip_call *c);
	/* A re-INVITE in an established call with a new offer (RFC 3261 14.2),
	 * or an UPDATE with one (RFC 3311; sip_update.c).
	 * Answer with sip_call_answer() or refuse with sip_call_reject()
	 * (the call stays up). A negative return refuses it as for
	 * incoming(). A re-INVITE without an offer is answered 488.
	 * Optional: without it, re-INVITEs are refused with 488. */
	int (*reoffer)(void *arg, struct sip_call *c, const char *sdp,
		       size_t len);
	/* The final response to our sip_call_reinvite(): status 2xx with the
	 * answer in sdp, or an error status (the call stays up unless ended()
	 * follows). Optional. */
	void (*reanswered)(void *arg, struct sip_call *c, int status,
			   const char *reason, const char *sdp, size_t len);
	/* The call is over (see enum sip_end_cause); status is the SIP status
	 * that ended it (200 for BYE), reason its phrase. Afterwards the
	 * library frees c. Do not call sip_call_* on c from here except
	 * sip_call_get_data/sip_call_info_get. Required. */
	void (*ended)(void *arg, struct sip_call *c, enum sip_end_cause cause,
		      int status, const char *reason);
};

/* Bind the configured transports on cfg->bind_host and start answering.
 * 0; -EINVAL (bad cfg, missing required op, TLS without tls_dir);
 * -EADDRINUSE or another negative errno when a transport cannot be bound
 * (logged); -ENOMEM. cfg strings are copied. */
int sip_ua_alloc(struct sip_ua **up, struct sip_loop *l,
		 const struct sip_ua_cfg *cfg, const struct sip_ua_ops *ops,
		 void *arg);
/* Shut the stack down and free. Sofia ends live calls itself (BYE, CANCEL
 * or an error response) but ended() is not called for them. Runs the loop
 * until Sofia has finished: at once when peers answer, at most ~35 s when
 * they do not. NULL accepted. */
void sip_ua_free(struct sip_ua *u);
/* Live calls. */
unsigned sip_ua_call_count(const struct sip_ua *u);
/* Refreshes (RFC 4028) answered by this layer so far (sip.h, top). */
uint64_t sip_ua_refreshes(const struct sip_ua *u);
/* Hang up every live call with sip_call_hangup(). */
void sip_ua_hangup_all(struct sip_ua *u);

/* Final status of an OPTIONS (RFC 3261 11): the peer's 2xx-6xx, or the
 * stack's own 408 (no answer: 32 s over UDP, RFC 3261 17.1.2.2 timer F)
 * or 503 (transport failure: connection refused, ICMP unreachable). */
typedef void (*sip_options_h)(void *arg, int status);

/* Send an out-of-dialog OPTIONS to target_uri (a URI as for
 * sip_call_invite; Request-URI and To), e.g. as a trunk keepalive. cb runs
 * exactly once, from the loop, with the final status, after the request's
 * resources are freed (it may send the next OPTIONS) -- except when
 * sip_ua_free() runs first: outstanding OPTIONS are then dropped without
 * cb. 0; -EINVAL (NULL u/cb, bad URI, ua closing); -EMSGSIZE (URI over
 * SIP_URI_MAX); -ENOBUFS (SIP_OPTIONS_MAX outstanding); -ENOMEM. */
int sip_ua_options(struct sip_ua *u, const char *target_uri, sip_options_h cb,
		   void *arg);
/* OPTIONS sent and not yet answered. */
unsigned sip_ua_options_count(const struct sip_ua *u);

/* ------------------------------------------------------------------ call */

/* Send an INVITE with an SDP offer to target, a SIP URI naming the peer
 * directly: "sip:[user@]host:port[;transport=udp|tcp|tls]" (or sips:).
 * On success *cp is the new call (state: calling); its outcome arrives
 * through ops. p may be NULL (defaults).
 * 0; -EINVAL (bad URI, SDP or params); -EMSGSIZE (target or sdp over
 * SIP_URI_MAX/SIP_SDP_MAX); -ENOBUFS (max_calls live); -ENOMEM. */
struct sip_invite_params {
	/* user part of From; NULL: cfg.user. 1..SIP_USER_MAX bytes of
	 * RFC 3261 25.1 user characters (unreserved, user-unreserved and
	 * %HH escapes), e.g. a from_user of an incoming call's info. */
	const char *from_user;
	/* display name of From, sent quoted (quotes and backslashes
	 * escaped, RFC 3261 25.1 quoted-pair); NULL or "": none. At most
	 * SIP_DISPLAY_MAX bytes (-EMSGSIZE), no control character
	 * (-EINVAL). The From host is always our bind address, the To the
	 * target URI (so the To user is the target's user). */
	const char *from_display;
	unsigned max_forwards; /* Max-Forwards to send, 1..255; 0: 70. A
				* B2BUA passes the incoming value minus one
				* (RFC 3261 16.6 step 3). */
	/* RFC 4028 on this call: timer_set false: the agent's; true:
	 * session_expires (0 off) and min_se as in sip_ua_cfg. */
	bool timer_set;
	unsigned session_expires, min_se;
};
int sip_call_invite(struct sip_ua *u, const char *target, const char *sdp,
		    const struct sip_invite_params *p, struct sip_call **cp);
/* Answer the pending offer (incoming INVITE or re-INVITE) with 200 and
 * this SDP answer. 0; -EINVAL; -EMSGSIZE; -EPROTO if no offer is pending. */
int sip_call_answer(struct sip_call *c, const char *sdp);
/* Send a provisional response (180 Ringing, 183 with early SDP or NULL) to
 * the pending initial INVITE. A 183 goes reliably (RFC 3262: Require:
 * 100rel, RSeq, retransmitted until PRACKed) when the INVITE carried
 * Supported or Require: 100rel (nua's rule; any 18x when Require); the
 * stack answers the PRACK and holds a 200 back until it came (RFC 3262 3).
 * When such a 183 carried the answer, the offer/answer exchange is over
 * (RFC 3262 5): sip_call_answer's 200 then goes without a body, as nua
 * itself does. 0; -EINVAL (status not 101..199); -EPROTO. */
int sip_call_progress(struct sip_call *c, int status, const char *sdp);
/* Refuse the pending offer with status 300..699. A non-empty reason is the
 * response's reason phrase and goes into a Warning header (RFC 3261 20.43,
 * code 399) after quotes and control characters are replaced; at most
 * SIP_REASON_MAX bytes are used. For an initial INVITE the call ends
 * (ended(SIP_END_REJECT_LOCAL)); for a re-INVITE it stays up.
 * 0; -EINVAL; -EPROTO if no offer is pending. */
int sip_call_reject(struct sip_call *c, int status, const char *reason);
/* Refuse the pending initial INVITE with 422 Session Interval Too Small
 * and Min-SE: min_se (RFC 4028 9). 0; -EINVAL; -EPROTO. */
int sip_call_reject_422(struct sip_call *c, unsigned min_se);
/* The session timer of an incoming call, before it is answered:
 * session_expires 0 turns timers off for it (so does a caller with
 * neither "timer" nor UPDATE, see the top); otherwise as sip_ua_cfg.
 * 0; -EINVAL; -EPROTO (answered). */
int sip_call_timer_set(struct sip_call *c, unsigned session_expires,
		       unsigned min_se);
/* Send a re-INVITE with a new offer in an established call; the result
 * comes through ops.reanswered. 0; -EINVAL; -EMSGSIZE; -EPROTO (not
 * established, or a re-INVITE of ours already pending). */
int sip_call_reinvite(struct sip_call *c, const char *sdp);
/* The same offer in an UPDATE (RFC 3311; sip_update.c); its result comes
 * through ops.reanswered too. Same errors, -EPROTO also while an offer of
 * either side is unanswered (RFC 3311 5.1). */
int sip_call_update(struct sip_call *c, const char *sdp);
/* Cancel our INVITE before its final response (RFC 3261 9.1).
 * 0; -EPROTO if not an unanswered outgoing call. */
int sip_call_cancel(struct sip_call *c);
/* Send BYE in a call that is answered. 0; -EPROTO otherwise. */
int sip_call_bye(struct sip_call *c);
/* BYE with a Reason header (RFC 3326): `SIP;cause=CAUSE;text="TEXT"`,
 * TEXT cleaned as a reject's reason (printable ASCII, no quote or
 * backslash, at most SIP_REASON_MAX bytes). 0; -EINVAL (cause not
 * 100..699); -EPROTO when the call is not answered. */
int sip_call_bye_reason(struct sip_call *c, int cause, const char *text);
/* End a call in whatever state: CANCEL, 480 reject, or BYE. 0 or -EPROTO
 * when it is already ending. */
int sip_call_hangup(struct sip_call *c);

void sip_call_set_data(struct sip_call *c, void *data);
void *sip_call_get_data(const struct sip_call *c);
/* Never NULL for a live call; valid as long as c. */
const struct sip_call_info *sip_call_info_get(const struct sip_call *c);
/* The ua that owns c. */
struct sip_ua *sip_call_ua(const struct sip_call *c);
/* Our INVITE's latest response (the one ops.ringing or ops.answered is
 * reporting): its To-tag, "" when none (an early dialog is named by it,
 * RFC 3261 12.1; forked responses carry different ones), and whether it
 * came reliably (RSeq; nua PRACKs it itself, RFC 3262 4). */
const char *sip_call_response_tag(const struct sip_call *c);
bool sip_call_response_reliable(const struct sip_call *c);
/* An incoming INVITE allowed reliable provisional responses. */
bool sip_call_peer_100rel(const struct sip_call *c);
/* true once the call is answered (2xx sent or received). */
bool sip_call_is_established(const struct sip_call *c);

/* "udp", "tcp", "tls". */
const char *sip_transport_name(enum sip_transport tp);

#endif

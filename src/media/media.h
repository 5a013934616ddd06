/*
 * media: the media core of ktrsbc (docs/architecture.md).
 *
 * A media session is a call's media without its signalling: its streams
 * (one per relayed m-line, each with its two relay legs, keys A/B/C, KTR or
 * fallback state, direction and RTCP arrangement), the policies acting on
 * them (KTR failure, re-key, hold) and the SDP rewriting between the SDES
 * side's and the DTLS side's SDPs. A driver (a control plane: the SIP B2BUA
 * of src/sbc/ today) feeds it the SDPs it receives and gets back, through
 * one callback interface (struct media_handler), the SDPs to send and the
 * reasons to end. The core knows nothing of the driver's protocol: no SIP
 * type or status code, no trunk file; the driver hands it a plain policy
 * per side (struct media_policy) and maps its causes (enum media_cause).
 *
 * The engine owns the machinery the sessions share: the DTLS context and
 * its certificate's fingerprint, the relay and its worker threads, the
 * in-kernel offload, the relay's event fd. Everything here runs in the
 * driver's thread (the one that reads the event fd and fires the timers).
 */
#ifndef KTRSBC_MEDIA_H
#define KTRSBC_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

/* Streams (relayed m-lines) per session; checked before allocating one.
 * A driver's own limit (ktrsbc.conf max_streams) is at most this. */
#define MEDIA_STREAMS_MAX 8
_Static_assert(CONF_STREAMS_MAX <= MEDIA_STREAMS_MAX,
	       "max_streams' bound fits a session");
/* A session's end cause text, for logs and the driver's reason phrases. */
#define MEDIA_CAUSE_MAX 200

struct media_engine;
struct media_session;

/* Timers of the driver's event loop (the core runs in that thread). */
struct media_timer_ops {
	int (*alloc)(void *loop, void **tp, void (*fn)(void *arg), void *arg);
	int (*start)(void *t, unsigned ms);
	void (*stop)(void *t);
	void (*free)(void *t); /* NULL is fine */
};

struct media_engine_cfg {
	const struct conf *conf; /* copied */
	const struct media_timer_ops *timers;
	void *loop; /* the timers' loop */
};

/* Create the DTLS context (certificate), the offload (or say once why
 * not) and the relay. 0 or -errno with the reason in err. */
int media_engine_alloc(struct media_engine **ep, const struct media_engine_cfg *cfg,
		       char *err, size_t errlen);
/* After every session was freed. NULL is fine. */
void media_engine_free(struct media_engine *e);
/* Readable when relay events wait: then call media_engine_events. */
int media_engine_event_fd(const struct media_engine *e);
/* Hand every pending relay event to its session (which may end it). */
void media_engine_events(struct media_engine *e);
/* The offload's state for the control socket ("on: DEV...", "off ...",
 * "not used: why"); JSON-safe (no quote or backslash). */
const char *media_engine_offload_state(const struct media_engine *e);

/* Counters: live ones over the sessions now, totals since start. */
struct media_engine_stats {
	uint64_t ktr_now, fallback_now, offloaded_now;
	uint64_t fwd_pkts, crypto_ops, dropped_src, kernel_fwd_pkts;
	/* sessions that came up: every stream with KTR, or not (a stream
	 * transcrypting, draft Figure 6); and the same per stream */
	uint64_t calls_ktr, calls_fallback;
	uint64_t streams_ktr, streams_fallback;
	/* m-lines declined with port 0 (not RTP: m=application, m=image;
	 * added mid-call by a re-offer, media_streams.c);
	 * offers refused for more RTP m-lines than the session's limit */
	uint64_t mlines_declined, offers_too_many;
	/* offers/answers refused for more SSRCs in their BUNDLE group than
	 * max_bundle_ssrcs (media_bundle.c) */
	uint64_t bundle_ssrcs_refused;
	/* live and ended bundles: the DTLS UA's own new_srtp_key naming an
	 * SSRC no stream of its bundle receives (given to the first stream;
	 * relay_bundle_stats' key_unrouted) */
	uint64_t bundle_key_unrouted;
	/* of ended sessions: packets relayed, source-check drops, per-packet
	 * crypto on KTR streams (must stay 0), in DTLS-side windows, on
	 * fallback streams; the RTP packets the windows' announced index
	 * ranges held (the most crypto_window may be, but for SRTCP) */
	uint64_t pkts_total, dropped_src_total;
	uint64_t crypto_ktr_total, crypto_window_total, window_pkts_total;
	uint64_t crypto_fallback_total;
	/* KTR: new_srtp_key_failure received, retransmissions given up,
	 * streams moved to the fallback / sessions ended after one of those;
	 * re-keys asked for (new_srtp_key_request), DTLS UA keys passed to
	 * the SDES UA by re-offer */
	uint64_t ktr_refused, ktr_gave_up, ktr_fallbacks, ktr_ended;
	uint64_t rekeys_requested, rekeys_passed;
	/* ICE-lite on the DTLS side, live and ended sessions together: STUN
	 * Binding requests answered with success; dropped for a missing or
	 * wrong FINGERPRINT, USERNAME or MESSAGE-INTEGRITY; dropped as
	 * malformed or not a request; answered with an error (420, 487);
	 * peer addresses learned from nominations; consent losses (RFC
	 * 7675); ICE restarts */
	uint64_t stun_answered, stun_dropped_auth, stun_dropped_other;
	uint64_t stun_errors, ice_nominations, ice_consent_lost, ice_restarts;
	/* consent expiries on legs whose policy is ice_consent_off (nothing
	 * stopped) */
	uint64_t ice_consent_unenforced;
	/* STUN responses the relay could not build or send (relay_ice_stats'
	 * resp_errs) */
	uint64_t ice_resp_errs;
};
void media_engine_stats(struct media_engine *e, struct media_engine_stats *st);

/* --- a session ------------------------------------------------------------ */

/* The two kinds of side of an interworking session. */
enum media_side { MEDIA_SIDE_SDES = 0, MEDIA_SIDE_DTLS = 1 };

/* The DTLS side's KTR policy (required: no KTR ends the session;
 * preferred: fall back to transcrypting, draft Figure 6; off). */
enum media_ktr { MEDIA_KTR_REQUIRED = 0, MEDIA_KTR_PREFERRED, MEDIA_KTR_OFF };
/* How KTR is offered: a=dtls-srtp-ktr, or RFC 5939 capability negotiation
 * with the KTR configuration required or optional (draft Figures 13, 14). */
enum media_ktr_form {
	MEDIA_KTR_FORM_ATTR = 0,
	MEDIA_KTR_FORM_CAPNEG_REQUIRED,
	MEDIA_KTR_FORM_CAPNEG_OPTIONAL,
};
/* The m= profile of offers toward a side: the other side's, or SAVP/SAVPF
 * (RTP/SAVP[F] on the SDES side, UDP/TLS/RTP/SAVP[F] on the DTLS side). */
enum media_profile { MEDIA_PROFILE_MIRROR = 0, MEDIA_PROFILE_SAVP, MEDIA_PROFILE_SAVPF };

/* The address family of the media address the core offers a side (issue
 * 14 point 4): that of the other side's offer (SAME), or IPv4 / IPv6 (the
 * engine's media_address / media_address6). A side that offers gets an
 * answer in its own offer's family whatever this says. */
enum media_family { MEDIA_FAMILY_SAME = 0, MEDIA_FAMILY_IPV4, MEDIA_FAMILY_IPV6 };

/* What the driver decided for one side of a session. */
struct media_policy {
	const char *name; /* for logs; outlives the session */
	enum media_ktr ktr; /* DTLS side */
	enum media_ktr_form ktr_form; /* DTLS side */
	enum media_profile profile;
	bool latch; /* relay may latch to the first source (NAT) */
	bool bundle; /* DTLS side: BUNDLE in our offers (RFC 9143) */
	enum media_family family; /* of our offers to this side */
	uint32_t rekey_interval_s; /* DTLS side: new_srtp_key_request every; 0 never */
	/* DTLS side: ICE-lite in our offers (media_ice.c); an offer from
	 * that side with ICE is answered with ICE-lite whatever this says. */
	bool ice_lite;
	/* DTLS side: RFC 7675 consent not enforced when ICE is used (a peer
	 * that sends no consent checks, baresip 1.0); false: enforced. */
	bool ice_consent_off;
};

/* Why the core ends a session or refuses an offer; the driver maps it to
 * its protocol (the B2BUA: 488, 500, 504, 408, 491, the other side's). */
enum media_cause {
	MEDIA_CAUSE_NONE = 0,
	MEDIA_CAUSE_UNACCEPTABLE, /* the SDP, its keys, or KTR policy */
	MEDIA_CAUSE_INTERNAL, /* no memory, a relay command failed */
	MEDIA_CAUSE_HANDSHAKE_TIMEOUT, /* DTLS not up within answer_wait_ms */
	MEDIA_CAUSE_MEDIA_TIMEOUT, /* no media within media_timeout_ms */
	MEDIA_CAUSE_BUSY, /* another offer is in progress */
	MEDIA_CAUSE_REFUSED, /* the other side refused what was passed on */
};

/*
 * Events up to the driver. Each is called from inside a media_ call or
 * event; after `ended` the driver frees the session (it may do so within
 * the callback: the core touches nothing of it afterwards).
 */
struct media_handler {
	/* An answer for side's peer (the one that offered). 0 if sent. */
	int (*answer)(void *arg, enum media_side side, const char *sdp);
	/* An offer for side's peer (a re-offer on a session up). 0 if sent,
	 * -EPROTO when that peer's own offer is in progress, -ENOTCONN when
	 * that side is gone. */
	int (*offer)(void *arg, enum media_side side, const char *sdp);
	/* side's re-offer is refused; text the reason. */
	void (*refuse)(void *arg, enum media_side side, enum media_cause cause,
		       const char *text);
	/* Every stream is up: media flows, keyed. */
	void (*up)(void *arg);
	/* The session must end. with_reason: the core ends it for a cause the
	 * peers should learn (a KTR failure), e.g. a SIP Reason header. */
	void (*ended)(void *arg, enum media_cause cause, bool with_reason,
		      const char *text);
	/* An answer from the SDES side arrived by a path that may carry keys
	 * (the driver logs and counts a refusal). */
	bool (*keys_may_come)(void *arg, enum media_side side);
};

/*
 * A session offered from side `offerer`, policies by side, relaying at most
 * max_streams RTP m-lines (1..MEDIA_STREAMS_MAX): an offer with more RTP
 * m-lines that have a port is refused (MEDIA_CAUSE_UNACCEPTABLE, the cause
 * naming the limit); non-RTP ones (and, from the SDES side, RTP without
 * a=crypto beside SRTP) are declined with port 0. Reserves the first
 * stream's relay ports (capacity is known before any SDP is read). 0, -EINVAL, -ENOMEM, or the relay's error (no
 * ports, max_calls).
 */
int media_session_alloc(struct media_engine *e, struct media_session **sp,
			enum media_side offerer, const struct media_policy pol[2],
			size_t max_streams, const struct media_handler *h, void *arg);
/* Wipes keys and SDPs, frees the streams' relay calls, folds their
 * counters into the engine's totals. NULL is fine. */
void media_session_free(struct media_session *s);
uint64_t media_session_id(const struct media_session *s);

/* The offerer's SDP: *out gets the offer for the other side (owned by the
 * session, valid until its next change). 0 or -errno with a cause. */
int media_session_offer(struct media_session *s, const char *sdp, size_t len,
			const char **out);
/* The other side's answer (len 0 / sdp NULL: none). The answer to the
 * offerer goes out through h->answer, now or when DTLS is up. 0 or -errno
 * with a cause. */
int media_session_answer(struct media_session *s, const char *sdp, size_t len);
/* Forked early dialogs (media_early.c): the answer came from another
 * early dialog than the one whose SDP media_session_answer took (a 183
 * with early media). Its SDP replaces that one in the relay (the first
 * one's relay state torn down, DTLS association and ports included);
 * what the offerer was answered stays valid (no new answer goes out).
 * 0 or -errno with a cause. */
int media_session_refork(struct media_session *s, const char *sdp, size_t len);
/* A re-offer from side's peer on a session up (re-INVITE or UPDATE):
 * re-key, a new address or rtcp-mux choice (the relay follows; answered
 * here), hold/resume (c=0.0.0.0 too), new formats or a stream removed
 * (passed to the other side), an m-line added (declined), or the same
 * again. Answers, passes on or refuses through the handler. */
void media_session_reoffer(struct media_session *s, enum media_side side,
			   const char *sdp, size_t len);
/* side's peer answered our re-offer: accepted (with sdp) or not; what is
 * the answer as text, for logs. */
void media_session_reanswer(struct media_session *s, enum media_side side,
			    bool accepted, const char *what, const char *sdp,
			    size_t len);
/* The offer to re-send to side's peer after a glare (RFC 3261 14.1), the
 * then-current one: our latest SDP to it, sess-version one up
 * (media_glare.c). *out is valid until the session's next change. 0,
 * -ENOENT (nothing sent to that side yet) or -errno. */
int media_session_offer_again(struct media_session *s, enum media_side side,
			      const char **out);
/* SBC-initiated re-key (new_srtp_key_request to the DTLS UA); why for the
 * log. 0, -EAGAIN (not up), -ENOTSUP (no KTR), or the relay's error. */
int media_session_rekey(struct media_session *s, const char *why);

/* The cause set so far ("" none) and its kind. */
const char *media_session_cause(const struct media_session *s,
				enum media_cause *kind);

/* --- what the control socket shows ---------------------------------------- */

enum media_mode { MEDIA_MODE_PENDING = 0, MEDIA_MODE_KTR, MEDIA_MODE_FALLBACK };
enum media_mode media_session_mode(const struct media_session *s);

/* A relay leg's (or its RTCP port's) record, the kernel's merged in. */
struct media_leg_stats {
	bool present;
	uint16_t port;
	bool ipv6; /* the leg's socket is IPv6 (media_address6) */
	uint64_t pkts, bytes, fwd_pkts, fwd_bytes, dropped_src, dropped_other;
	uint64_t dtls_pkts, crypto_ops, kernel_fwd_pkts;
	/* ICE-lite on this leg (relay_ice_stats): on, a peer nominated,
	 * consent lost now, consent not enforced (policy); Binding requests
	 * answered with success, and
	 * STUN dropped (failed checks, indications, malformed). */
	bool ice, ice_nominated, ice_consent_lost, ice_consent_off;
	uint64_t stun_answered, stun_dropped;
};
/* A DTLS-side window's transcrypts (first/end index -1: not yet). */
struct media_window_stats {
	bool armed;
	uint64_t rtp_ops, rtcp_ops, pkts;
	int64_t first_index, end_index;
};
struct media_stream_stats {
	size_t mline; /* its m-line in the session's SDPs */
	char kind[16]; /* the m-line's media ("audio", "video") */
	enum media_mode mode;
	bool offloaded;
	struct media_leg_stats leg[2], rtcp[2]; /* by enum media_side */
	struct media_window_stats window[2];
};
size_t media_session_stream_count(const struct media_session *s);
/* Stream i's counters. 0 or -EINVAL. */
int media_session_stream_stats(struct media_session *s, size_t i,
			       struct media_stream_stats *st);

#endif

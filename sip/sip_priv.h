/*
 * sip_priv: struct bodies and internal functions shared by the files of sip/.
 * Not for use outside sip/.
 */
#ifndef KTRSBC_SIP_PRIV_H
#define KTRSBC_SIP_PRIV_H

#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tag.h>

#include "sip/sip.h"

/* The longest SDP o= line kept for the refresh check (RFC 4566 5.2). */
#define SIP_O_MAX 256

struct sip_fdreg;
struct sip_opt;

/* The first member of every struct bound to a nua handle (hmagic), so the
 * nua callback can tell what a handle belongs to. */
enum sip_hm_kind { SIP_HM_CALL = 0x43414c4c, SIP_HM_OPT = 0x4f505453 };
struct sip_hmagic {
	enum sip_hm_kind kind;
};

struct sip_loop {
	su_root_t *root;
	struct sip_fdreg *regs;
};

/* Where a call is, from this layer's point of view. */
enum sip_call_state {
	SIP_CS_CALLING = 0, /* our INVITE sent, no final response */
	SIP_CS_INCOMING,    /* INVITE received, no final response sent */
	SIP_CS_UP,          /* 2xx sent or received */
	SIP_CS_ENDING       /* BYE/CANCEL/reject sent or terminated */
};

struct sip_ua {
	struct sip_loop *loop;
	nua_t *nua;
	struct sip_ua_ops ops;
	void *arg;
	unsigned max_calls;
	unsigned ncalls;
	struct sip_call *calls;  /* doubly linked list of live calls */
	char *host;              /* bind host, for From and Warning */
	char *user;
	char *product;           /* User-Agent and Server */
	struct sip_opt *opts;    /* doubly linked list of pending OPTIONS */
	unsigned nopts;
	bool shut_done;          /* nua_r_shutdown final seen */
	bool closing;            /* in sip_ua_free: no more app callbacks */
	bool tls_only;           /* TLS its one transport (a connection = TLS) */
	bool timers;             /* RFC 4028 on by default (cfg.session_expires) */
	uint64_t refreshes;      /* refreshes answered here (sip_refresh.c) */
};

struct sip_call {
	struct sip_hmagic hm;    /* first: SIP_HM_CALL */
	struct sip_call *next, *prev;
	struct sip_ua *ua;
	nua_handle_t *nh;
	void *data;
	enum sip_call_state state;
	bool offer_pending;      /* an INVITE of the peer awaits our answer */
	bool reinvite_pending;   /* our re-INVITE awaits its final response */
	bool reinvite_in;        /* the pending offer is a re-INVITE */
	bool update_in;          /* ... an UPDATE, kept in update_ev */
	nua_saved_event_t update_ev[1];
	bool update_out;         /* our UPDATE awaits its final response */
	bool cancel_sent;
	bool confirmed;         /* ACK for our 2xx seen */
	bool ended;              /* ended() delivered */
	/* Early media (RFC 3262): the caller's INVITE allows 100rel
	 * (Supported or Require), so nua sends our 183 reliably; an answer
	 * went out in such a 183 (the 200 then carries none). */
	bool peer_100rel;
	bool answered_reliably;
	/* The latest response to our INVITE: its To-tag (the early dialog,
	 * RFC 3261 12.1) and whether it came reliably (RSeq, RFC 3262). */
	char rtag[SIP_TAG_MAX + 1];
	bool rreliable;
	enum sip_end_cause cause;
	bool cause_set;
	int status;
	char reason[SIP_REASON_MAX + 1];
	char phrase[SIP_REASON_MAX + 1]; /* of our last error response */
	struct sip_call_info info;
	char ruri[SIP_URI_MAX + 1];
	char from[SIP_URI_MAX + 1];
	char from_user[SIP_URI_MAX + 1];
	char from_display[SIP_DISPLAY_MAX + 1];
	char to[SIP_URI_MAX + 1];
	char peer[64];
	/* sip_refresh.c: the SDP of ours the peer last accepted (we answered
	 * with it, or it answered it), the offer of ours awaiting an answer,
	 * the o= line of the peer's last SDP in a completed exchange and of
	 * its pending offer (RFC 3264 8: an unchanged o= is an unchanged
	 * session). The SDPs may hold a=crypto keys: wiped when freed. */
	char *loc_sdp, *pend_sdp;
	char rem_o[SIP_O_MAX], offer_o[SIP_O_MAX];
	bool peer_update;        /* the peer's Allow lists UPDATE */
	bool peer_timer;         /* its Supported lists timer (RFC 4028) */
	bool stack_bye;          /* nua will BYE for a reason of its own (an
				  * ACK timeout, a media error), not the timer */
};

/* sip_call.c */
struct sip_call *sip_call_new(struct sip_ua *u, bool incoming);
void sip_call_destroy(struct sip_call *c);
void sip_call_note_end(struct sip_call *c, enum sip_end_cause cause,
		       int status, const char *reason);
/* The nua callback's share for call events (sip_event.c). */
void sip_event_dispatch(nua_event_t ev, int status, const char *phrase,
			struct sip_ua *u, nua_handle_t *nh,
			struct sip_call *c, const sip_t *sip, tagi_t tags[]);

/* sip_call.c: check a target URI (sip.h, sip_call_invite) and set *tp
 * from it. 0, -EINVAL or -EMSGSIZE. */
int sip_target_check(const char *target, enum sip_transport *tp);
/* sip_call.c: write our From header value "[\"display\" ]<sip[s]:user@host>"
 * into out; display NULL or "" for none. 0, -EINVAL, -EMSGSIZE. */
int sip_from_build(char *out, size_t size, const struct sip_ua *u,
		   const char *user, const char *display, bool tls);

/* sip_update.c: an UPDATE in the call (RFC 3311); st/why: ev_body's
 * verdict on its body. */
void sip_update_incoming(struct sip_call *c, const char *sdp, size_t len,
			 int st, const char *why);
/* Respond to the kept UPDATE (sip_call_answer / sip_call_reject). */
int sip_update_respond(struct sip_call *c, int status, const char *phrase,
		       const char *warning, const char *sdp);
/* The final response to our UPDATE: reanswered() as for a re-INVITE. */
void sip_update_result(struct sip_call *c, int status, const char *phrase,
		       const char *sdp, size_t len);
/* Forget a kept UPDATE (the call's end). */
void sip_update_drop(struct sip_call *c);

/* sip_options.c: a response on an OPTIONS handle; o is its hmagic. */
void sip_options_event(struct sip_ua *u, struct sip_hmagic *hm, int status);
/* sip_options.c: forget pending OPTIONS (in sip_ua_free, after the
 * stack's shutdown; nua_destroy frees their handles). */
void sip_options_drop_all(struct sip_ua *u);

/* sip_refresh.c: RFC 4028 refreshes and the SDP bookkeeping they need. */
/* An offer from the peer (INVITE, re-INVITE) arrived: note its o=. */
void sip_refresh_offer_in(struct sip_call *c, const char *sdp);
/* We answered the peer's offer with sdp / sent our offer sdp / the peer
 * answered ours (a 1xx or 2xx with sdp; NULL: a final response without
 * an answer, which voids our offer). */
void sip_refresh_answer_out(struct sip_call *c, const char *sdp);
void sip_refresh_offer_out(struct sip_call *c, const char *sdp);
void sip_refresh_answer_in(struct sip_call *c, const char *sdp);
/* A re-INVITE offer that is a refresh gets our last SDP here: true then. */
bool sip_refresh_reinvite(struct sip_call *c);
/* nua_i_update (the application answers UPDATE: NUTAG_APPL_METHOD). */
/* An UPDATE in an established call: without a body, or with the SDP the
 * peer last sent (a refresh, RFC 4028 9): answered here, true; else false
 * (an offer for sip_update.c). */
bool sip_refresh_update(struct sip_call *c, const char *sdp, size_t len);
/* The stack's response to a BYE: one we did not ask for is the session
 * timer's (RFC 4028 10). */
void sip_refresh_bye_result(struct sip_call *c);
/* The peer's Allow, Supported and Session-Expires of an INVITE or its 2xx. */
void sip_refresh_peer(struct sip_call *c, const sip_t *sip);
void sip_refresh_free(struct sip_call *c);

/* Copy a bounded, NUL-terminated string. */
void sip_strlcpy(char *dst, const char *src, size_t size);

#endif

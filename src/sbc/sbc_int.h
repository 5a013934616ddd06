/* sbc: private state shared by sbc.c (set-up, events), sbc_call.c (the
 * SIP half of a call), sbc_media.c (its media half, the media core's
 * handler), sbc_ctl.c, sbc_keepalive.c and sbc_tls.c. */
#ifndef KTRSBC_SBC_INT_H
#define KTRSBC_SBC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "media/media.h"
#include "sbc/sbc.h"
#include "trunk/trunk.h"

struct ctl_reply;

#define SBC_CAUSE_MAX 200 /* a call's end cause, logs and SIP reasons */
/* Early media (sbc_early.c): early dialogs (forks, by To-tag) tracked per
 * call, and the bytes of an o= line kept to compare answers. */
#define SBC_EARLY_DIALOGS_MAX 4
#define SBC_ORIGIN_MAX 160

/* Which side offered: the RFC 4568 UA (Figure 7) or the DTLS UA. */
enum sbc_dir { SBC_FROM_SDES = 0, SBC_FROM_DTLS };

enum sbc_state {
	SBC_ST_ROUTING = 0, /* out leg's INVITE sent */
	SBC_ST_HANDSHAKE, /* answer in, waiting for DTLS (and KTR) */
	SBC_ST_EARLY, /* early media flowing, keyed, before the 200 */
	SBC_ST_UP, /* both legs answered */
	SBC_ST_ENDING,
};

/* sbc_early.c: one early dialog of our INVITE (RFC 3261 12.1: its
 * To-tag) and the o= line of its first SDP. */
struct sbc_early_dialog {
	char tag[SIP_TAG_MAX + 1];
	char origin[SBC_ORIGIN_MAX];
	bool sdp;
};

/* sbc_early.c: a call's early media, from its first 183 with SDP. */
struct sbc_early {
	struct sbc_early_dialog d[SBC_EARLY_DIALOGS_MAX];
	size_t n;
	size_t heard; /* the dialog relayed to the caller */
	bool relayed; /* the media core took that 183's answer */
	bool reliable; /* that 183 came reliably (PRACKed by the stack) */
	bool caller_answered; /* our answer went to the caller in a 183 */
	bool final_pending; /* the 200 came first: our answer goes as 200 */
	bool media_up; /* every stream keyed */
	bool done; /* the 200 went to the caller */
	char *answer; /* our answer to the caller (may hold key B) */
};

/* A call: two SIP legs and the media session between them. */
struct sbc_call {
	struct sbc *sbc;
	uint64_t id; /* the media session's */
	enum sbc_dir dir;
	enum sbc_state state;
	struct trunk_set *set; /* the set the call started with (a ref) */
	const struct trunk *in_trunk, *out_trunk;
	struct sip_call *in, *out; /* in = the caller's leg */
	struct media_session *media;
	int bye_cause; /* a BYE of ours carries Reason: SIP;cause= this */
	/* The status of the re-INVITE answer being handed to the media core
	 * (what a refusal passed back to the offering UA repeats). */
	int reanswer_status;
	struct sbc_early *early; /* NULL until a 183 with SDP */
	struct sbc_glare *glare; /* sbc_glare.c, NULL until a 491 */
	uint64_t t_start;
	char cause[SBC_CAUSE_MAX];
	struct sbc_call *next;
};

/* OPTIONS keepalive toward one trunk (trunk keepalive = seconds). */
struct sbc_keepalive {
	struct sbc *sbc;
	struct sip_timer *timer;
	char name[64];
	char target[160];
	bool tls;
	unsigned interval_ms;
	int last_status; /* 0 before the first answer */
	bool pending, orphan;
	struct sbc_keepalive *next;
};

struct sbc {
	struct sip_loop *loop;
	struct conf conf;
	char conf_path[CONF_PATH_MAX];
	char trunks_dir[CONF_PATH_MAX];
	struct trunk_set *trunks;
	/* The media core: DTLS context, relay, offload; its event fd. */
	struct media_engine *media;
	int media_ev_id;
	struct sip_ua *ua; /* SIP over UDP and TCP */
	struct sip_ua *ua_tls; /* SIP over TLS (sips: Contact) */
	char tls_dir_tmp[64]; /* generated agent.pem dir, removed at free */
	/* sbc_tls.c: the trunks' tls_ca files, concatenated (NULL: none,
	 * outgoing TLS unverified), and the agent's directory with them. */
	char *tls_bundle;
	size_t tls_bundle_len;
	char tls_vdir_tmp[64];
	struct sbc_call *calls;
	unsigned n_calls;
	struct sbc_keepalive *keepalives;
	struct sbc_keepalive *ka_orphans; /* stopped, OPTIONS still out */
	uint64_t next_id;
	/* counters for "stats" (the media ones: media_engine_stats) */
	uint64_t calls_total, calls_failed;
	uint64_t rejected_trust, rejected_route;
	/* sbc_early.c: calls with early media, forks' SDP not relayed, SDP
	 * changed within an early dialog, 200s from an unrelayed fork,
	 * forks beyond SBC_EARLY_DIALOGS_MAX */
	uint64_t early_calls, early_forks, early_changed, early_fork_answers;
	uint64_t early_forks_untracked;
	/* RFC 3261 14.1 retries after a 491 and offers given up; sessions
	 * ended by an RFC 4028 session timer; 422s to a too short one */
	uint64_t glare_retries, glare_gave_up;
	uint64_t session_expired, session_too_small;
};

/* sbc_keepalive.c */
void sbc_keepalive_setup(struct sbc *s);
void sbc_keepalive_stop(struct sbc *s);
/* After the user agents are freed (their OPTIONS answers never come). */
void sbc_keepalive_free_orphans(struct sbc *s);

/* sbc_tls.c: every trunk's tls_ca in file order, concatenated and
 * checked (readable, PEM certificates, no private key); *out NULL when no
 * trunk sets one. 0; -EINVAL with "file:line: reason" in err; -errno. */
int sbc_tls_bundle(const struct trunk_set *set, char **out, size_t *outlen,
		   char *err, size_t errlen);
/* A private copy of src_dir's agent.pem with s->tls_bundle as its
 * cafile.pem, for the TLS agent (its path into out). */
int sbc_tls_verify_dir(struct sbc *s, const char *src_dir, char *out,
		       size_t cap, char *err, size_t errlen);
void sbc_tls_verify_dir_remove(struct sbc *s);
/* Whether an a=crypto key may be sent to trunk t (trusted, or SIP/TLS
 * with its certificate verified). */
bool sbc_keys_to(const struct sbc *s, const struct trunk *t);
/* A call from trunk from to trunk to would send a key where it may not
 * go: refused (488 on in, log line naming the trunks, rejected_trust);
 * true then. */
bool sbc_keys_refused(struct sbc *s, const struct trunk *from,
		      const struct trunk *to, struct sip_call *in);
/* The SDES answer on leg out of call id came in over a path that may
 * carry keys to/from trunk t; false (logged, counted) when not. */
bool sbc_answer_path_ok(struct sbc *s, const struct trunk *t,
			const struct sip_call *out, uint64_t id);
/* A reloaded set must have the tls_ca certificates the agent loaded. */
int sbc_tls_reload_check(struct sbc *s, const struct trunk_set *set,
			 char *err, size_t errlen);

/* sbc_media.c: the media core's handler for a call, the call's side
 * policies from its trunks, and the media core's causes as SIP statuses. */
extern const struct media_handler sbc_media_handler;
void sbc_media_policies(const struct sbc_call *c, struct media_policy pol[2]);
int sbc_media_status(enum media_cause cause, int refused_status);
/* The SIP leg of a media side (NULL once that leg ended). */
struct sip_call *sbc_call_leg(const struct sbc_call *c, enum media_side side);
enum media_side sbc_call_side(const struct sbc_call *c, const struct sip_call *leg);

/* sbc_early.c. A provisional response of the callee (sdp NULL: none). */
void sbc_early_ringing(struct sbc_call *c, int status, const char *sdp, size_t len);
/* The media core's answer for the caller's leg: sent here as a 183 (or as
 * the 200 that came first) when the call has early media: 0 or -errno;
 * 1 when it is not an early answer (the caller sends the 200). */
int sbc_early_answer(struct sbc_call *c, struct sip_call *leg, const char *sdp);
/* The callee's 200: handled here (0; the call may be gone) or 1 when the
 * call had no early media. */
int sbc_early_answered(struct sbc_call *c, const char *sdp, size_t len);
/* Every stream is up: whether the call is (the 200 came too). */
bool sbc_early_up(struct sbc_call *c);
void sbc_early_free(struct sbc_call *c);
/* The counters for "stats", a JSON member without braces. */
void sbc_early_stats_json(const struct sbc *s, struct ctl_reply *r);
/* sbc_glare.c: RFC 3261 14.1 for re-INVITEs of ours. A 491 on leg: the
 * retry is scheduled (or the offer given up and the media core told):
 * true, the media core must not hear the 491 now. */
bool sbc_glare_491(struct sbc_call *c, struct sip_call *leg);
/* Any other final response on leg: the next 491 starts a new count. */
void sbc_glare_done(struct sbc_call *c, struct sip_call *leg);
void sbc_glare_free(struct sbc_call *c);
/* The RFC 3261 14.1 wait, ms: 2100..4000 (owner of the Call-ID) or
 * 0..2000, in 10 ms steps. */
unsigned sbc_glare_delay_ms(bool owner);

/* sbc_call.c */
int sbc_call_incoming(struct sbc *s, struct sip_call *in, const char *sdp,
		      size_t len);
void sbc_call_answered(struct sbc_call *c, const char *sdp, size_t len);
void sbc_call_ended(struct sbc_call *c, struct sip_call *leg,
		    enum sip_end_cause cause, int status, const char *reason);
void sbc_call_end(struct sbc_call *c, int status, const char *why);
struct sbc_call *sbc_call_by_id(struct sbc *s, uint64_t id);
/* sbc_media.c: a re-INVITE and its answer, handed to the media core. */
int sbc_call_reoffer(struct sbc_call *c, struct sip_call *leg,
		     const char *sdp, size_t len);
void sbc_call_reanswered(struct sbc_call *c, struct sip_call *leg, int status,
			 const char *sdp, size_t len);

#endif

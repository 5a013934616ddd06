/* sbc: private state shared by sbc.c (set-up, events, control) and
 * sbc_call.c (the two call flows). */
#ifndef KTRSBC_SBC_INT_H
#define KTRSBC_SBC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "dtls/dtls.h"
#include "relay/relay.h"
#include "sbc/sbc.h"
#include "sdp/sdp.h"
#include "srtp/ksrtp.h"
#include "trunk/trunk.h"

#define SBC_CAUSE_MAX 200 /* a call's end cause, logs and SIP reasons */

/* Which side offered: the RFC 4568 UA (Figure 7) or the DTLS UA. */
enum sbc_dir { SBC_FROM_SDES = 0, SBC_FROM_DTLS };

enum sbc_state {
	SBC_ST_ROUTING = 0, /* out leg's INVITE sent */
	SBC_ST_HANDSHAKE, /* answer in, waiting for DTLS (and KTR) */
	SBC_ST_UP, /* both legs answered */
	SBC_ST_ENDING,
};

struct sbc_call {
	struct sbc *sbc;
	uint64_t id;
	enum sbc_dir dir;
	enum sbc_state state;
	struct trunk_set *set; /* the set the call started with (a ref) */
	const struct trunk *in_trunk, *out_trunk;
	struct sip_call *in, *out; /* in = the caller's leg */
	struct relay_call *relay;
	uint16_t ports[2]; /* relay ports: [RELAY_LEG_SDES], [RELAY_LEG_DTLS] */
	struct sdp_session *offer; /* the offer received on the in leg */
	struct sdp_session *out_offer; /* the offer we sent on the out leg */
	struct sdp_session *dtls_answer; /* SDES-originated: the DTLS answer */
	size_t media_idx; /* the one m-line relayed (others rejected) */
	/* Keys (wiped on free): A = the SDES UA's sending key, B = the key the
	 * SDES UA receives with (the DTLS UA's), C = the SBC's DTLS write key. */
	struct ksrtp_keymat a, b, c;
	/* D = the DTLS UA's handshake write key (DTLS-side call). dtls_rx:
	 * the key the DTLS UA decrypts the SDES UA's stream with for sure: C
	 * at DTLS up, then the last KTR key it acknowledged (acked_any);
	 * what a transcrypt toward it encrypts with (sbc_ktr.c). */
	struct ksrtp_keymat d, dtls_rx;
	bool acked_any;
	uint32_t a_tag; /* a=crypto tag of A in our SDP to the SDES UA */
	enum sdp_suite suite;
	bool ktr; /* key_transport negotiated */
	bool fallback; /* transcrypting (Figure 6) */
	bool ktr_fallback; /* ... since a KTR message failed (sbc_ktr.c) */
	bool sd_xc; /* SDES -> DTLS goes through the crypto stage */
	bool ktr_wanted; /* KTR in the DTLS leg's SDP */
	int bye_cause; /* a BYE of ours carries Reason: SIP;cause= this */
	struct sip_timer *rekey_timer; /* trunk rekey_interval */
	char *last_sdp[2]; /* our last SDP to each leg's peer, by relay leg */
	/* A re-INVITE (hold/resume) passed to the other leg, awaiting its
	 * answer before the offering leg is answered. */
	struct sip_call *pending_reoffer;
	/* Our re-INVITE with a DTLS UA key is out to the SDES UA; a later
	 * key waits in b_next until it is answered (sbc_reinvite.c). */
	bool sdes_reinvite, has_b_next;
	struct ksrtp_keymat b_next;
	enum sdp_proto pending_proto;	/* its m= profile (the answer's) */
	/* Direction each leg's peer last offered or answered (RFC 3264 8.4);
	 * sendrecv until one says otherwise. By relay leg. */
	enum sdp_dir ldir[2];
	struct sip_timer *timer; /* answer wait */
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
	struct dtls_ctx *dtls;
	struct sdp_fingerprint fp;
	struct relay *relay;
	int relay_ev_id;
	/* sbc_offload.c: the in-kernel fast path, or NULL; what ctl shows. */
	struct offload *offload;
	char offload_state[320]; /* JSON-safe: no quote or backslash */
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
	/* counters for "stats" */
	uint64_t calls_total, calls_ktr, calls_fallback, calls_failed;
	uint64_t rejected_trust, rejected_route;
	/* of ended calls: packets relayed, source-check drops, per-packet
	 * crypto on KTR calls (must stay 0), in DTLS-side windows, on
	 * fallback calls */
	uint64_t pkts_total, dropped_src_total;
	uint64_t crypto_ktr_total, crypto_window_total, crypto_fallback_total;
	/* The RTP packets the windows' announced index ranges held
	 * (relay_window_pkts): the most crypto_window_total may be, but for
	 * SRTCP transcrypted in a window. */
	uint64_t window_pkts_total;
	/* KTR: new_srtp_key_failure received, retransmissions given up,
	 * calls moved to the fallback / ended after one of those; re-keys
	 * the SBC asked for (new_srtp_key_request), DTLS UA keys passed to
	 * the SDES UA by re-INVITE */
	uint64_t ktr_refused, ktr_gave_up, ktr_fallbacks, ktr_ended;
	uint64_t rekeys_requested, rekeys_passed;
};

/* sbc_offload.c: attach (or say once why not) before the relay starts;
 * free after relay_free. */
void sbc_offload_setup(struct sbc *s);
void sbc_offload_free(struct sbc *s);

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

/* sbc_call.c: shared with sbc_reinvite.c */
extern const enum sdp_suite sbc_suites[];
#define SBC_N_SUITES 4
void sbc_last_sdp_set(struct sbc_call *c, int leg, char *text);
/* Free an SDP text we printed (it may hold an a=crypto key): wiped first.
 * NULL is a no-op. */
void sbc_sdp_free(char *text);

int sbc_sdes_keymat(const struct sdp_crypto *cr, struct ksrtp_keymat *k);
int sbc_print_alloc(struct sdp_session *s, char **out);
/* sbc_reinvite.c */
void sbc_call_sdes_reoffer(struct sbc_call *c, const struct ksrtp_keymat *nb);
/* The relay leg's SIP call (the SDES UA's or the DTLS UA's). */
struct sip_call *sbc_call_leg(const struct sbc_call *c, int leg);

/* The call's DTLS-side trunk (its KTR policy, form and re-key interval). */
static inline const struct trunk *sbc_dtls_trunk(const struct sbc_call *c)
{
	return c->dir == SBC_FROM_SDES ? c->out_trunk : c->in_trunk;
}

/* sbc_ktr.c: KTR answers (acknowledged, refused, given up: the trunk's
 * policy) and SBC-initiated re-keys. */
void sbc_ktr_acked(struct sbc_call *c, const struct relay_event *ev);
void sbc_ktr_failed(struct sbc_call *c, const struct relay_event *ev);
/* SDES -> DTLS through the crypto stage: in -> c->dtls_rx. */
int sbc_ktr_sd_transcrypt(struct sbc_call *c, const struct ksrtp_keymat *in);
/* new_srtp_key_request to the DTLS UA; why for the log. 0, -EAGAIN (not
 * up), -ENOTSUP (no KTR), or the relay's error. */
int sbc_call_rekey(struct sbc_call *c, const char *why);
/* Start the trunk's rekey_interval timer (a KTR call, once up). */
void sbc_ktr_schedule(struct sbc_call *c);

/* sbc_call.c */
int sbc_call_incoming(struct sbc *s, struct sip_call *in, const char *sdp,
		      size_t len);
void sbc_call_answered(struct sbc_call *c, const char *sdp, size_t len);
void sbc_call_ended(struct sbc_call *c, struct sip_call *leg,
		    enum sip_end_cause cause, int status, const char *reason);
int sbc_call_reoffer(struct sbc_call *c, struct sip_call *leg,
		     const char *sdp, size_t len);
void sbc_call_event(struct sbc_call *c, struct relay_event *ev);
void sbc_call_reanswered(struct sbc_call *c, struct sip_call *leg, int status,
			 const char *sdp, size_t len);
void sbc_call_end(struct sbc_call *c, int status, const char *why);
struct sbc_call *sbc_call_by_id(struct sbc *s, uint64_t id);

#endif

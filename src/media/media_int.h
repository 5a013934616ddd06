/* media: private state shared by the media core's files. */
#ifndef KTRSBC_MEDIA_INT_H
#define KTRSBC_MEDIA_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "dtls/dtls.h"
#include "media/media.h"
#include "relay/relay.h"
#include "sdp/sdp.h"
#include "srtp/ksrtp.h"

struct offload;

/* Our ICE credentials' lengths in ice-chars (RFC 8445 5.3: at least 24
 * bits of randomness in the ufrag, 128 in the password; 6 bits a char). */
#define MEDIA_ICE_UFRAG_LEN 8
#define MEDIA_ICE_PWD_LEN 24

/* A stream's relay legs are indexed by side. */
_Static_assert(MEDIA_SIDE_SDES == RELAY_LEG_SDES && MEDIA_SIDE_DTLS == RELAY_LEG_DTLS,
	       "media sides are the relay's leg indices");

struct media_engine {
	struct conf conf;
	const struct media_timer_ops *timers;
	void *loop;
	struct dtls_ctx *dtls;
	struct sdp_fingerprint fp; /* ours, in every DTLS-side SDP */
	struct relay *relay;
	/* media_offload.c: the in-kernel fast path, or NULL; ctl shows it */
	struct offload *offload;
	char offload_state[320]; /* JSON-safe: no quote or backslash */
	struct media_session *sessions;
	struct media_engine_stats st; /* the totals (live ones computed) */
};

/* Where a side's peer of a stream is, from its last SDP (media_move.c):
 * its RTP address and, without rtcp-mux, its RTCP one (rtcp_len 0: mux). */
struct media_where {
	struct sockaddr_storage rtp, rtcp;
	socklen_t rtp_len, rtcp_len;
};

/* One relayed m-line: its relay call (two legs, by enum media_side) and
 * its keys. */
struct media_stream {
	struct media_session *sess;
	size_t idx; /* its m-line in the session's SDPs */
	struct relay_call *relay;
	uint16_t ports[2]; /* relay ports, by side */
	bool up; /* DTLS up and keyed */
	/* Keys (wiped on free): A = the SDES UA's sending key, B = the key the
	 * SDES UA receives with (the DTLS UA's), C = the SBC's DTLS write key. */
	struct ksrtp_keymat a, b, c;
	/* D = the DTLS UA's handshake write key (DTLS-side session). dtls_rx:
	 * the key the DTLS UA decrypts the SDES UA's stream with for sure: C
	 * at DTLS up, then the last KTR key it acknowledged (acked_any);
	 * what a transcrypt toward it encrypts with (media_ktr.c). */
	struct ksrtp_keymat d, dtls_rx;
	bool acked_any;
	uint32_t a_tag; /* a=crypto tag of A in our SDP to the SDES UA */
	enum sdp_suite suite;
	bool ktr; /* key_transport negotiated */
	bool fallback; /* transcrypting (Figure 6) */
	bool ktr_fallback; /* ... since a KTR message failed (media_ktr.c) */
	bool sd_xc; /* SDES -> DTLS goes through the crypto stage */
	bool ktr_wanted; /* KTR in the DTLS side's SDP */
	/* A DTLS UA key waiting for the SDES side's dialog (media_reoffer.c). */
	bool has_b_next;
	struct ksrtp_keymat b_next;
	/* Direction each side's peer last offered or answered (RFC 3264 8.4);
	 * sendrecv until one says otherwise. By side. */
	enum sdp_dir ldir[2];
	/* The m= profile of the re-offer in progress (what its answer
	 * follows). */
	enum sdp_proto pending_proto;
	/* The DTLS UA's ICE ufrag for this m-line (media_ice.c; RFC 8839
	 * 5.4: media level, else session level), "" without ICE. */
	char ice_rufrag[SDP_ICE_UFRAG_MAX + 1];
	/* SDES-offered, another early dialog answered (media_early.c): its
	 * DTLS UA is told to send with the B the SDES UA has, as on a
	 * DTLS-side call (your_new_srtp_key, media_up.c up_from_dtls). */
	bool dictate_b;
	/* media_move.c, by side: where the peer is, whether it holds with
	 * c=0.0.0.0 (RFC 3264 8.4), and what was there before a move passed
	 * on to the other side (undone if that side refuses). */
	struct media_where where[2], where_prev[2];
	bool held0[2], held0_prev[2], move_pending[2];
	/* media_codec.c: the re-offer in progress changes its formats */
	bool codec_pending;
	/* media_streams.c: the re-offer in progress removes it (port 0) */
	bool removing;
	/* media_add.c: added by the re-offer in progress, not answered yet;
	 * its m= media (the call's first offer has no line for it) */
	bool adding;
	char kind[16];
	/* ... added by the DTLS UA, answered, its DTLS not up yet */
	bool add_up_pending;
	/* The side whose offer brought the stream: the session's offerer, or
	 * the UA that added it mid-call; it decides how DTLS up keys it
	 * (media_up.c). */
	enum media_side origin;
};

struct media_session {
	struct media_engine *e;
	const struct media_handler *h;
	void *arg;
	uint64_t id;
	enum media_side offerer;
	struct media_policy pol[2]; /* by side */
	bool up; /* every stream up */
	struct sdp_session *offer; /* the offerer's offer */
	struct sdp_session *out_offer; /* our offer to the other side */
	struct sdp_session *dtls_answer; /* SDES-offered: the DTLS answer */
	char *last_sdp[2]; /* our last SDP to each side's peer */
	size_t n_streams, max_streams;
	struct media_stream streams[MEDIA_STREAMS_MAX];
	/* Each side's address family (AF_INET, AF_INET6), by side: the
	 * offerer's from its offer, the other's from its policy; 0 until the
	 * offer (media_family.c). Every stream's leg on a side has it. */
	int family[2];
	void *answer_timer; /* answer_wait_ms, SDES-offered */
	void *rekey_timer; /* the DTLS side's rekey_interval */
	/* A re-offer (hold/resume) passed to the other side, awaiting its
	 * answer before the offering side is answered. */
	bool pending_reoffer;
	enum media_side pending_side; /* the side that offered it */
	/* m-lines the re-offer in progress adds (media_streams.c): declined
	 * with port 0 in our answer; their m= type, proto and first format */
	size_t n_added, added_first; /* the first one's m-line */
	struct {
		char type[SDP_TOKEN_MAX], proto[SDP_TOKEN_MAX], fmt[SDP_TOKEN_MAX];
		bool taken; /* set up as a stream (media_add.c) */
	} added[MEDIA_STREAMS_MAX];
	/* media_add.c: streams added by the SDES UA's re-offer wait for their
	 * DTLS handshakes: that re-offer and the DTLS UA's answer, the
	 * directions answered, bounded by answer_wait_ms */
	struct sdp_session *add_offer, *add_answer;
	enum media_side add_from; /* the UA that added them */
	enum sdp_dir add_dirs[MEDIA_STREAMS_MAX];
	void *add_timer;
	/* Our re-offer with a DTLS UA key is out to the SDES UA. */
	bool sdes_reinvite;
	/* media_early.c: the relay state was built anew for another early
	 * dialog (the SDES UA's answer stands); counted in calls_ktr/_fallback
	 * once. */
	bool reforked, counted;
	enum media_cause cause_kind;
	char cause[MEDIA_CAUSE_MAX];
	/* BUNDLE (RFC 9143) on the DTLS side (media_bundle.c): every stream
	 * on streams[0]'s DTLS leg (one port, one association), each with
	 * its a=mid toward the DTLS UA. */
	bool bundle;
	char mids[MEDIA_STREAMS_MAX][SDP_BUNDLE_MID_MAX];
	/* media_ice.c: ICE-lite on the DTLS side. ice: our DTLS-side SDPs
	 * carry it and the relay answers STUN on every stream's DTLS leg;
	 * ufrag/pwd ours, per session (pwd is a credential: wiped, never
	 * logged); the peer's ufrag is per stream (ice_rufrag). */
	bool ice;
	char ice_ufrag[MEDIA_ICE_UFRAG_LEN + 1];
	char ice_pwd[MEDIA_ICE_PWD_LEN + 1];
	bool ice_consent_said; /* the consent policy logged (once per call) */
	struct media_session *next;
};

/* media_ice.c: ICE-lite on the DTLS side (RFC 8445 2.5; issue 15). */
/* Fresh local credentials (CSPRNG), at the session's first DTLS-side SDP
 * and at an ICE restart. 0 or -EIO. */
int media_ice_creds(struct media_session *s);
/* The peer's ICE in sdp (the DTLS side's offer or answer) over the
 * session's streams: 1 with ICE (each stream's ice_rufrag set), 0
 * without (cleared), or -errno with a cause (malformed, or ICE on some
 * relayed m-lines only; nothing changed). */
int media_ice_peer(struct media_session *s, const struct sdp_session *sdp);
/* Our ICE-lite attributes into a DTLS-side SDP we send: a=ice-lite, and on
 * each stream's m-line the credentials, a host candidate for its DTLS
 * leg and a=end-of-candidates (any ICE attributes there before are
 * replaced). 0 or -errno with a cause. */
int media_ice_write(struct media_session *s, struct sdp_session *out);
/* Every stream's DTLS leg answers STUN with the session's credentials
 * (relay_leg_ice_set). 0 or -errno with a cause. */
int media_ice_relay(struct media_session *s);
/* ICE off on every stream's DTLS leg (an answer without ICE). */
void media_ice_off(struct media_session *s);
/* A DTLS-side re-offer: an ICE restart (RFC 8445 9: the peer's ufrag
 * changed) gets fresh local credentials. true when it did. */
bool media_ice_reoffer(struct media_session *s, const struct sdp_session *o);
/* A leg's ICE state and counters for the control socket. */
void media_ice_leg_stats(struct media_leg_stats *o, const struct relay_ice_stats *i);
/* Add a stream's ICE counters (both legs) to t. */
void media_ice_account(struct media_engine_stats *t, const struct relay_call_stats *st);

/* media_offload.c: attach (or say once why not) before the relay starts;
 * free after relay_free. */
void media_offload_setup(struct media_engine *e);
void media_offload_free(struct media_engine *e);

/* media_session.c */
extern const enum sdp_suite media_suites[];
#define MEDIA_N_SUITES 4
void media_cause_set(struct media_session *s, enum media_cause kind,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* End the session through the handler (the cause set, else kind/text). */
void media_session_end(struct media_session *s, enum media_cause kind,
		       bool with_reason, const char *text);
/* Our latest SDP toward side's peer (offer or answer; may hold a key),
 * the base of re-offers and re-answers. Takes text (or clears with NULL). */
void media_last_sdp_set(struct media_session *s, int side, char *text);
/* Free an SDP text we printed (it may hold an a=crypto key): wiped first. */
void media_sdp_free(char *text);
int media_sdes_keymat(const struct sdp_crypto *cr, struct ksrtp_keymat *k);
int media_print_alloc(struct sdp_session *s, char **out);
/* text (ours, freed here) again after edit(stream, its m-line in text,
 * arg) for every stream (a non-zero return stops: NULL, logged); NULL
 * text gives NULL. */
char *media_sdp_edit(struct media_session *s, char *text,
		     int (*edit)(struct media_stream *m, struct sdp_media *md,
				 const void *arg),
		     const void *arg);
/* One more stream (its relay call and ports), the named limits checked
 * first: 0, -ENOBUFS, or the relay's error. */
int media_stream_add(struct media_session *s, struct media_stream **mp);
/* Fold the counters of stream m's relay call into the engine's totals
 * (before it is freed: the session's end, another early dialog's). */
void media_stream_account(struct media_stream *m);
/* A stream's end: its counters into the engine's totals, its relay call
 * (legs, DTLS association, KTR state) freed, its keys wiped. */
void media_stream_free(struct media_stream *m);
/* The stream of m-line idx, or NULL. */
struct media_stream *media_stream_at(struct media_session *s, size_t idx);
/* The session's DTLS-side policy (KTR policy, form, re-key interval). */
static inline const struct media_policy *media_dtls_pol(const struct media_session *s)
{
	return &s->pol[MEDIA_SIDE_DTLS];
}

/* media_family.c: the address family of each side (issue 14 point 4). */
/* At the offer (the streams picked): the offerer's family from its relayed
 * m-lines' c=, the other side's from its policy; every stream's legs are
 * moved to them. 0 or -EPROTO / -EAFNOSUPPORT with a cause. */
int media_family_offer(struct media_session *s);
/* A stream added once the families are known: its legs moved to them. */
int media_family_stream(struct media_stream *m);
/* The relay's address toward side (media_address or media_address6). */
const char *media_family_addr(const struct media_session *s, enum media_side side);
/* A peer of the wrong family for its leg (relay_leg_set_peer said
 * -EAFNOSUPPORT): the cause, naming the side. */
void media_family_mismatch(struct media_session *s, enum media_side side);

/* media_sdp.c: a side's peer on stream m from its SDP (c=, port, RTCP);
 * SDES-offered, the DTLS UA's answer on stream m (peer, handshake; with
 * m->dictate_b the window armed first). 0 or -errno with the cause set. */
int media_stream_peer(struct media_stream *m, enum media_side side,
		      const struct sdp_session *sdp);
int media_stream_dtls_answered(struct media_stream *m, const struct sdp_session *ans);
/* SDES-originated: the DTLS UA's answer, every stream's handshake and the
 * answer_wait_ms timer; takes ans (s->dtls_answer). */
int media_sdes_answered(struct media_session *s, struct sdp_session *ans);
/* media_sdp.c: SDES-offered, every stream up: the DTLS answer as the
 * SDES UA's, with each stream's B. */
int media_xlate_sdes_answer(struct media_session *s, struct sdp_session **out);

/* media_sdp.c, for streams added mid-call (media_add.c; a stream's peer:
 * media_stream_peer, a DTLS answer starting its handshake:
 * media_stream_dtls_answered): an SDP translated for the other side (flow;
 * the SDES side's with each stream's B, offer: the one an answer answers).
 * 0 or -errno with the cause set. */
int media_sdp_xlate(struct media_session *s, const struct sdp_session *in,
		    enum sdp_xlate_flow flow, const struct sdp_session *offer,
		    struct sdp_session **out);
/* ... and the same for a stream the DTLS UA added: its offer's m-line (B
 * drawn, the DTLS peer), the SDES answer's key A and address, our DTLS
 * client started (the window armed). */
int media_sdp_dtls_added(struct media_stream *m, const struct sdp_session *o);
int media_sdp_sdes_added(struct media_stream *m, const struct sdp_session *ans);
int media_sdp_dtls_client(struct media_stream *m, const struct sdp_session *offer);

/* media_up.c: relay events of one stream (may end the session). */
void media_stream_event(struct media_stream *m, struct relay_event *ev);
void media_session_schedule(struct media_session *s);

/* media_ktr.c: KTR answers (acknowledged, refused, given up: the DTLS
 * side's policy). */
void media_ktr_acked(struct media_stream *m, const struct relay_event *ev);
/* A DTLS-offered stream whose association is up with KTR (ev, DTLS_UP)
 * and whose keys fit its profile: new_srtp_key(A) and your_new_srtp_key(B)
 * (docs/design.md, the window). 1 when started, 0 when KTR does not
 * apply (the fallback), or the relay's error. */
int media_ktr_dtls_start(struct media_stream *m, const struct relay_event *ev);
void media_ktr_failed(struct media_stream *m, const struct relay_event *ev);
/* SDES -> DTLS through the crypto stage: in -> m->dtls_rx. */
int media_ktr_sd_transcrypt(struct media_stream *m, const struct ksrtp_keymat *in);

/* media_bundle.c: BUNDLE on the DTLS side (RFC 9143). */
/* The offer parsed, before any stream is picked: a DTLS offer's BUNDLE
 * group read (its a=bundle-only m-lines given the bundle's port, its
 * a=ssrc count checked against max_bundle_ssrcs), or, for an SDES offer,
 * the DTLS trunk's bundle. 0 or -errno with the cause set. */
int media_bundle_offer(struct media_session *s);
/* The streams picked: every stream joins streams[0]'s DTLS leg; a DTLS
 * offer's streams get their routes (a=ssrc, payload types). */
int media_bundle_join(struct media_session *s);
/* SDES-offered: the DTLS UA's answer must bundle too; its routes. */
int media_bundle_answer(struct media_session *s, struct sdp_session *ans);
/* A stream whose DTLS leg rides streams[0]'s (no DTLS of its own). */
bool media_bundle_member(const struct media_stream *m);
/* The relay port of stream m toward side (the bundle's on the DTLS side). */
uint16_t media_bundle_port(const struct media_stream *m, enum media_side side);
/* Our SDP toward the DTLS UA (offer or answer): group, a=mid, mux. */
int media_bundle_sdp_dtls(struct media_session *s, struct sdp_session *o,
			  bool offer);
/* streams[0]'s DTLS is up: key every other stream of the bundle. 0 or
 * -ECANCELED (the session ended). */
int media_bundle_up(struct media_session *s, const struct relay_event *ev);
/* Add the bundle's counters to t when m owns one (streams[0]). */
void media_bundle_account(struct media_engine_stats *t, const struct media_stream *m);
/* media_move.c: re-offers that move a stream's peer (issue 14 point 2). */
/* The peer of stream m on side as its SDP line md says (set_peer). */
void media_move_note(struct media_stream *m, enum media_side side,
		     const struct sdp_media *md);
/* side's re-offer o: each stream whose address or port changed gets its
 * new peer; one at c=0.0.0.0 / :: is held (nothing sent toward it) and its
 * dirs[i] lose their receive half, so the other side sees the hold. 0 or
 * -errno with the cause set. *moved: some stream's peer changed. */
int media_move_offer(struct media_session *s, enum media_side side,
		     const struct sdp_session *o, enum sdp_dir dirs[], bool *moved);
/* The other side refused a re-offer passed on: side's peers back where
 * they were. */
void media_move_undo(struct media_session *s, enum media_side side);
/* Our answer's m-line md toward side's UA: its RTCP arrangement as the
 * relay has it now (rtcp-mux, or a=rtcp with our RTCP port). 0 or -errno. */
int media_move_answer_rtcp(struct media_stream *m, enum media_side side,
			   struct sdp_media *md);
/* The re-offer is settled: nothing to undo any more. */
void media_move_done(struct media_session *s, enum media_side side);

/* media_codec.c: re-offers that change a stream's formats (RFC 3264
 * 8.3.2). Marks the streams whose formats in from's offer o differ from
 * what that UA said before; *changed when any does. 0. */
int media_codec_offer(struct media_session *s, enum media_side from,
		      const struct sdp_session *o, bool *changed);
/* text (ours, freed here) with the marked streams' formats and their
 * attributes taken from src (the re-offer, or the other UA's answer);
 * NULL on failure. */
char *media_codec_rewrite(struct media_session *s, char *text,
			  const struct sdp_session *src);

/* media_streams.c: streams removed by a re-offer (port 0, RFC 3264 8.2). */
/* Marks the relayed streams whose m-line in o has port 0; *n how many.
 * 0, or -EPROTO with the cause when none would be left. */
int media_streams_offer(struct media_session *s, const struct sdp_session *o,
			size_t *n);
/* text (ours, freed here) with the marked streams' m-lines at port 0 and
 * no key; NULL on failure. */
char *media_streams_rewrite(struct media_session *s, char *text);
/* Accepted: the marked streams freed (media_stream_free), the others
 * moved up in s->streams. Refused: unmarked. */
void media_streams_remove(struct media_session *s);
/* from's re-offer o against our last SDP to it: fewer m-lines are refused
 * (-EPROTO, the cause set: RFC 3264 8 never removes one); m-lines beyond
 * it, streams added, are noted to be declined (at most MEDIA_STREAMS_MAX:
 * -E2BIG). 0 or -errno. */
int media_streams_added(struct media_session *s, enum media_side from,
			const struct sdp_session *o);
/* Our SDP text (freed here) with the noted m-lines appended: a taken one
 * as xl has it (a translation of the SDP that added it), the others at
 * port 0 (RFC 3264 6: one m-line per offered one); NULL on failure. */
char *media_streams_append_added(struct media_session *s, char *text,
				 const struct sdp_session *xl);
/* The noted m-lines not taken: declined (log line, mlines_declined). */
void media_streams_added_log(struct media_session *s, enum media_side from);
static inline char *media_streams_decline_added(struct media_session *s, char *text)
{
	return media_streams_append_added(s, text, NULL);
}

/* media_add.c: streams added mid-call by the SDES UA of a session it
 * offered (RFC 3264 8.1). At the re-offer o: each added RTP m-line with
 * a=crypto, within max_streams, becomes a stream (relay call, key A, the
 * SDES peer); *n how many. 0 or -errno (cause set). */
int media_add_offer(struct media_session *s, enum media_side from,
		    const struct sdp_session *o, size_t *n);
/* Our re-offer text to the DTLS UA (freed here) with the added m-lines. */
char *media_add_offer_text(struct media_session *s, char *text,
			   const struct sdp_session *o);
/* The other UA answered the re-offer (pass_reanswer): true when the SDES
 * UA's answer now waits for the new streams' DTLS (media_add_up). */
bool media_add_answered(struct media_session *s, const struct sdp_session *a,
			const enum sdp_dir *dirs);
/* Our answer text to the UA that added (freed here): the added m-lines,
 * translated from the other UA's answer a or declined. */
char *media_add_answer_text(struct media_session *s, char *text,
			    const struct sdp_session *a);
/* That answer went out: a DTLS UA's added streams start our DTLS client. */
void media_add_answer_sent(struct media_session *s);
/* A stream's DTLS came up on a session up: the SDES UA's answer once every
 * added stream is up. */
void media_add_up(struct media_session *s);
/* Refused or failed: the added streams go (media_stream_free). */
void media_add_drop(struct media_session *s);
/* At the session's end. */
void media_add_free(struct media_session *s);
/* media_reoffer.c: our last SDP to the SDES UA again, with the directions
 * the DTLS UA answered (add_dirs), the base of the answer above. */
char *media_add_answer_base(struct media_session *s);
void media_streams_keep(struct media_session *s);
/* Stream i freed now (media_stream_free), the others moved up. */
void media_streams_drop(struct media_session *s, size_t i);

/* media_reoffer.c */
void media_sdes_reoffer(struct media_stream *m, const struct ksrtp_keymat *nb);

#endif

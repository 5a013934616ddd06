/* ua: private state shared by ua.c (calls, SIP, tick), ua_sdp.c
 * (offers, answers) and ua_rekey.c (SDES re-keying), among others. */
#ifndef KTRSBC_UA_INT_H
#define KTRSBC_UA_INT_H

#include <stdarg.h>
#include <sys/socket.h>

#include "ep/ep.h"
#include "sdp/sdp.h"
#include "srtp/ksrtp.h"
#include "ua/ua.h"

#define UA_RESULTS_MAX 4096

enum ua_kind { UA_KIND_AUDIO = 0, UA_KIND_VIDEO, UA_KIND_OTHER };

/* One m-line of the call (RFC 3264: the answer has one per offered line,
 * in order) and, when it is an RTP stream we use, its media: its own UDP
 * port, its own ep (its own SSRC, SDES keys or DTLS association with its
 * own KTR session, capture and counters). A declined line (port 0 in the
 * offer or in the answer) keeps its type and proto for later offers. */
struct ua_stream {
	struct ua_call *call;
	unsigned mline; /* index in the SDP */
	bool active; /* ours: a port, keys, an ep once the SDPs are known */
	enum ua_kind kind;
	char type[16], proto[32], fmts[64]; /* an inactive line's m= */
	uint16_t offered_port; /* an extra line we offer only (cfg.offer_extra) */
	uint16_t peer_port; /* the port in the peer's SDP for this line */
	uint8_t pt; /* the payload type we send (audio 0, video dynamic) */
	int fd, fd_id;
	uint16_t port; /* our media port */
	/* RFC 3264 6.1: our side of the line is recvonly or inactive, so we
	 * send no RTP on it (a direction hold, ua_move.c) */
	bool tx_off;
	struct ep *ep;
	char capture[512]; /* this stream's pcap, "" when none */
	struct sockaddr_storage peer; /* from the peer's SDP */
	socklen_t peer_len;
	bool peer_mux; /* peer agreed to rtcp-mux */
	/* cfg.no_rtcp_mux: our RTCP socket (port + 1) and the peer's RTCP
	 * address (a=rtcp, or c= and port + 1). */
	int rtcp_fd, rtcp_fd_id;
	struct sockaddr_storage peer_rtcp;
	socklen_t peer_rtcp_len;
	/* SDES: current keys and the tag of the a=crypto in use; every stream
	 * and direction its own key (draft 6.2, two-time pad). */
	struct ksrtp_keymat local, remote;
	uint32_t crypto_tag;
	/* SDES re-key in progress: our new key, switched to when the peer's
	 * new-key packets arrive (it has our answer then) or after a bound. */
	struct ksrtp_keymat pending_local;
	bool has_pending_local;
	uint64_t pending_rx_switches, pending_since;
	/* DTLS: one association per m-line, no BUNDLE (RFC 5764 4.1) */
	char peer_fp[DTLS_FP_LEN];
	enum dtls_role dtls_role;
	bool ktr;
	/* ua_cfg.bundle (ua_bundle.c): on the call's bundle; a follower
	 * sends and receives through the first bundled stream's socket and
	 * association (its fd is that stream's, never closed or polled
	 * here); its m-line's a=mid. */
	bool bundled, bundle_follower;
	char mid[32];
	/* ua_cfg.handoff (benchmark): the SSRC of the first RTP packet
	 * received, and whether the stream's hand-off line was written. */
	uint32_t rx_ssrc;
	bool rx_ssrc_seen, handed_off;
};

/* ua_move.c: the call's media moves and c=0.0.0.0 hold (issue 14). */
enum ua_mv_kind { UA_MV_NONE = 0, UA_MV_MOVE, UA_MV_HOLD, UA_MV_RESUME,
		  UA_MV_MUX_OFF, UA_MV_MUX_ON, UA_MV_CODEC, UA_MV_REMOVE,
		  UA_MV_ADD };
struct ua_move {
	enum ua_mv_kind pending; /* our re-offer out */
	bool moved, hold_sent, held, resumed, mux_switched;
	/* the answer took our rtcp-mux switch; SRTCP on the RTCP port we
	 * left (mux on) after that answer (+ grace) */
	bool mux_answer_ok;
	uint64_t rtcp_old_rx;
	/* each stream's port before its last move, still open and counted */
	bool old_open[UA_STREAMS_MAX];
	int old_fd[UA_STREAMS_MAX], old_fd_id[UA_STREAMS_MAX];
	uint16_t old_port[UA_STREAMS_MAX];
	uint64_t t_answer; /* the last answer to one of ours */
	unsigned answers;
	char answer_dir[16];
	/* datagrams on an old port after the answer (+ grace) / before */
	uint64_t old_rx, old_rx_early;
	uint64_t rx_at_answer; /* RTP received at the last move's answer */
	bool rx_at_answer_set;
	unsigned stray_sent;
	/* held: RTP received from the hold's answer (+ grace) to the resume */
	uint64_t held_base, held_rx;
	bool held_base_set, held_measured;
	/* the peer's re-offers, and their first m-line's directions */
	unsigned reoffers_in;
	char dirs_in[64];
	/* formats: of the first m-line of the peer's last re-offer, of the
	 * answer to our codec change */
	char fmts_in[64], answer_fmts[64];
	bool codec_sent;
	/* streams removed (port 0): by our re-offer, by the peer's */
	bool remove_sent;
	unsigned removed, removed_in;
	/* a video m-line added by our re-offer: its answer's port (0:
	 * declined), -1 before an answer */
	bool add_sent;
	int added_port;
	unsigned added_mline;
	/* streams a peer's re-offer added, started */
	unsigned added_in;
};

struct ua_call {
	struct ua *ua;
	struct sip_call *sc;
	struct ua_result res;
	struct ua_stream st[UA_STREAMS_MAX];
	unsigned n_st; /* m-lines of the call */
	uint64_t sess_id, sess_ver; /* our o= line */
	/* schedule */
	uint64_t t_start, t_established, t_answer_due;
	char *pending_answer; /* callee with answer_delay or early media */
	bool rekeyed, hangup_sent;
	/* ua_early.c: media started at a 183's answer; when, and what the
	 * streams had received (authenticated) when the 200 came or went */
	bool early, early_failed;
	uint64_t t_early, t_early_200, early_rx_at_200;
	struct ua_move mv;
	struct ua_call *next;
};

struct ua {
	struct sip_loop *loop;
	struct sip_ua *sip;
	struct sip_timer *timer;
	struct ua_cfg cfg;
	FILE *json;
	struct ua_call *calls;
	unsigned started, ended, ok;
	unsigned port_cursor;
	size_t n_results;
	struct ua_result results[UA_RESULTS_MAX];
};

void ua_call_fail(struct ua_call *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ua_call_media_start(struct ua_call *c);

/* ua_media.c: a stream's media port, its ep and its report. */
/* Open the stream's port(s) and make it active. 0 or -errno. */
int ua_stream_open(struct ua_stream *s);
/* Close the stream's sockets and ep; it stays as an inactive m-line. */
void ua_stream_close(struct ua_stream *s);
int ua_stream_media_start(struct ua_stream *s);
/* Our sending direction on the line (RFC 3264 6.1: none when our side is
 * recvonly or inactive); back on, the pacing restarts from now. */
int ua_stream_tx_dir(struct ua_stream *s, enum sdp_dir ours);
/* "stream N (video): " for a call of several m-lines, else "". */
const char *ua_stream_label(const struct ua_stream *s, char *buf, size_t cap);
/* The first active stream, or NULL. */
struct ua_stream *ua_call_first(struct ua_call *c);
/* Every active stream's ep exists and its association is keyed. */
bool ua_call_media_established(const struct ua_call *c);
/* The call's "streams" array (JSON) to f. */
void ua_call_streams_json(const struct ua_call *c, FILE *f);

/* ua_early.c (early media). Callee: answer in a 183 now and start the
 * media, the 200 after cfg.early_media_ms; takes answer. 0, 1 when early
 * media is off (answer untouched), or -errno (the call failed). */
int ua_early_incoming(struct ua_call *c, char *answer);
/* Caller: a provisional response; one with SDP is the early answer. */
void ua_early_ringing(struct ua_call *c, int status, const char *sdp, size_t len);
/* The 200 came (caller) or went (callee): true when the media runs since
 * the 183 already (counted here). */
bool ua_early_answered(struct ua_call *c);
/* ",\"early\":{...}" for the call's JSON line, nothing without. */
void ua_early_json(const struct ua_call *c, FILE *f);

/* ua_bundle.c: BUNDLE (ua_cfg.bundle). */
/* Open stream st as ua_stream_open does, or, when bundled and not the
 * first bundled stream of its call, on that stream's socket. */
int ua_bundle_open(struct ua_stream *st, bool bundled);
/* The first bundled stream of st's call (the lead), or NULL. */
struct ua_stream *ua_bundle_lead(const struct ua_stream *st);
/* Which m-lines of the peer's offer its BUNDLE group holds (we bundle
 * those we take when ua_cfg.bundle): fills each stream's mid. true when
 * m-line i is in it. */
bool ua_bundle_offered(struct ua_call *c, const struct sdp_session *offer,
		       size_t i);
/* Our SDP (offer or answer): a=group:BUNDLE of the bundled streams,
 * a=mid, a=rtcp-mux. */
int ua_bundle_sdp(struct ua_call *c, struct sdp_session *s, bool offer);
/* Caller: the answer must keep the bundle (our streams share one socket). */
int ua_bundle_use_answer(struct ua_call *c, const struct sdp_session *ans);
/* After the lead moved to a new socket (ua_move.c): every follower sends
 * and is offered on the lead's new port (one transport, RFC 9143). 0 or
 * -errno. */
int ua_bundle_follow(struct ua_call *c);

/* ua_media.c, for ua_move.c: the stream's media to another port of the
 * range (the old socket is left open, unwatched, to the caller). */
int ua_stream_port_move(struct ua_stream *s);
/* ... and its RTCP on its own port (port + 1) once it stops muxing: bound
 * first, then used toward the peer's RTCP address from the answer. */
int ua_stream_rtcp_split(struct ua_stream *s);
int ua_stream_rtcp_use(struct ua_stream *s, const struct sockaddr *peer,
		       socklen_t len);

/* ua_move.c */
void ua_move_tick(struct ua_call *c, uint64_t now);
/* The answer to a re-offer of ours: true when it was a move's. */
bool ua_move_reanswered(struct ua_call *c, int status, const char *sdp, size_t len);
void ua_move_reoffered(struct ua_call *c, const char *sdp, size_t len);
/* After our answer to a re-offer: media of the streams it added. */
void ua_move_media_new(struct ua_call *c);
/* Our answer to a re-offer (ours, freed here) with telephone-event added
 * where the offer has it and cfg.dtmf says so; NULL on failure. */
char *ua_move_answer_fix(struct ua_call *c, const char *offer, size_t len,
			 char *answer);
void ua_move_close(struct ua_call *c);
void ua_move_json(const struct ua_call *c, FILE *f);

/* ua_sdp.c. Offer/answer bodies are malloc'd, NUL-terminated, and may hold
 * keys: the caller wipes and frees them. */
int ua_sdp_offer(struct ua_call *c, char **out);
/* Returns the SIP status: 200 with *out set, or the error status (488,
 * 500) with the cause in c->res.error. */
int ua_sdp_answer(struct ua_call *c, const char *sdp, size_t len, char **out);
/* Caller: the 200's answer; 0 or negative with c->res.error set. */
int ua_sdp_use_answer(struct ua_call *c, const char *sdp, size_t len);
/* SDES re-key (RFC 4568 7.1.4): send a re-INVITE with a new key
 * (ua_rekey.c). */
int ua_sdp_reoffer(struct ua_call *c);
/* Streams added mid-call (ua_move.c): the callee's answer to a re-offer's
 * new m-lines (0 or a SIP status), the caller's new video m-line, and the
 * answer's line for it. */
int ua_sdp_answer_added(struct ua_call *c, const struct sdp_session *offer);
int ua_sdp_stream_new_video(struct ua_call *c);
int ua_sdp_added_answered(struct ua_stream *st, const struct sdp_media *m);
/* Our offer as it stands (ports, keys, fingerprint), for a re-offer. */
int ua_sdp_build_offer(struct ua_call *c, char **out);
int ua_sdp_reanswer(struct ua_call *c, const char *sdp, size_t len, char **out);
/* Parts that ua_rekey.c shares: the peer's SDP parsed (the call failed
 * with the line and column otherwise); the first acceptable a=crypto of m
 * in offer order (index, or negative with e set); a fresh key for suite,
 * and the key of an a=crypto line. */
int ua_sdp_parse_peer(struct ua_call *c, const char *sdp, size_t len,
		      struct sdp_session **sp);
int ua_sdp_crypto_pick(const struct sdp_media *m, struct sdp_crypto *cr,
		       struct sdp_error *e);
int ua_sdp_key_new(enum sdp_suite suite, struct ksrtp_keymat *k);
int ua_sdp_keymat_from_crypto(const struct sdp_crypto *cr,
			      struct ksrtp_keymat *k);
/* ua_rekey.c: the SDES re-key (ua_sdp_reoffer above too). The offerer
 * takes the re-answer's keys; the answerer of a re-offer takes a stream's
 * new key and makes its own (0 or negative: 488); the answerer switches to
 * its own new key once the offerer's new-key packets arrived. */
int ua_sdp_use_reanswer(struct ua_call *c, const char *sdp, size_t len);
int ua_sdp_reanswer_sdes(struct ua_stream *st, const struct sdp_media *om);
void ua_sdp_rekey_tick(struct ua_stream *s, uint64_t now_ms);

#endif

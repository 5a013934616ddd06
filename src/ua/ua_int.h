/* ua: private state shared by ua.c (calls, SIP, tick) and ua_sdp.c
 * (offers, answers, SDES re-keying). */
#ifndef KTRSBC_UA_INT_H
#define KTRSBC_UA_INT_H

#include <stdarg.h>
#include <sys/socket.h>

#include "ep/ep.h"
#include "srtp/ksrtp.h"
#include "ua/ua.h"

#define UA_RESULTS_MAX 4096

struct ua_call {
	struct ua *ua;
	struct sip_call *sc;
	struct ua_result res;
	int fd, fd_id;
	uint16_t port; /* our media port */
	struct ep *ep;
	struct sockaddr_storage peer; /* from the peer's SDP */
	socklen_t peer_len;
	bool peer_mux; /* peer agreed to rtcp-mux */
	/* cfg.no_rtcp_mux: our RTCP socket (port + 1) and the peer's RTCP
	 * address (a=rtcp, or c= and port + 1). */
	int rtcp_fd, rtcp_fd_id;
	struct sockaddr_storage peer_rtcp;
	socklen_t peer_rtcp_len;
	uint64_t sess_id, sess_ver; /* our o= line */
	/* SDES: current keys and the tag of the a=crypto in use. */
	struct ksrtp_keymat local, remote;
	uint32_t crypto_tag;
	/* SDES re-key in progress: our new key, switched to when the peer's
	 * new-key packets arrive (it has our answer then) or after a bound. */
	struct ksrtp_keymat pending_local;
	bool has_pending_local;
	uint64_t pending_rx_switches, pending_since;
	/* DTLS */
	char peer_fp[DTLS_FP_LEN];
	enum dtls_role dtls_role;
	bool ktr;
	/* ua_cfg.handoff: the SSRC of the first RTP packet received, and
	 * whether the call's hand-off line was written. */
	uint32_t rx_ssrc;
	bool rx_ssrc_seen, handed_off;
	/* schedule */
	uint64_t t_start, t_established, t_answer_due;
	char *pending_answer; /* callee with answer_delay */
	bool rekeyed, hangup_sent;
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

/* ua_sdp.c. Offer/answer bodies are malloc'd, NUL-terminated, and may hold
 * keys: the caller wipes and frees them. */
int ua_sdp_offer(struct ua_call *c, char **out);
/* Returns the SIP status: 200 with *out set, or the error status (488,
 * 500) with the cause in c->res.error. */
int ua_sdp_answer(struct ua_call *c, const char *sdp, size_t len, char **out);
/* Caller: the 200's answer; 0 or negative with c->res.error set. */
int ua_sdp_use_answer(struct ua_call *c, const char *sdp, size_t len);
/* SDES re-key (RFC 4568 7.1.4): send a re-INVITE with a new key. */
int ua_sdp_reoffer(struct ua_call *c);
int ua_sdp_reanswer(struct ua_call *c, const char *sdp, size_t len, char **out);
int ua_sdp_use_reanswer(struct ua_call *c, const char *sdp, size_t len);
void ua_sdp_rekey_tick(struct ua_call *c, uint64_t now_ms);

#endif

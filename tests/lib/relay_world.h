/*
 * relay_world (test helper): one relay call between two real endpoints
 * (src/ep) on 127.0.0.1, with real OpenSSL DTLS on the relay's DTLS leg and
 * real libsrtp2, as tests/integ/test_relay_ktr.c and test_relay_dtls_edge.c
 * share it: the SDES UA on the SDES leg, the DTLS UA (client or server,
 * with or without KTR) on the DTLS leg, the relay's events collected per
 * call. The test plays the B2BUA: it takes keys from the relay's events and
 * configures the SDES UA as the SDP answer would. Built on call_fix and
 * lo_udp. cmocka assertions: call from a test.
 */
#ifndef KTRSBC_TEST_RELAY_WORLD_H
#define KTRSBC_TEST_RELAY_WORLD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dtls/dtls.h"
#include "ep/ep.h"
#include "relay/relay.h"
#include "srtp/ksrtp.h"
#include "tests/lib/media_log.h"

#define RELAY_WORLD_N_PKT 200 /* RTP packets per UA per relay_world_media */
#define RELAY_WORLD_EV_MAX 32 /* relay events kept */

struct relay_world {
	struct relay *r;
	struct dtls_ctx *sbc_ctx, *ua_ctx;
	struct relay_call *call;
	uint16_t ports[2];
	int fd_s, fd_d; /* the SDES UA's and the DTLS UA's sockets */
	struct sockaddr_in addr_s, addr_d;
	struct ep *sdes, *dtls;
	struct media_log log_s, log_d;
	struct relay_event ev[RELAY_WORLD_EV_MAX];
	size_t nev;
	bool no_ua_timers; /* pump: never run the endpoints' timers */
	struct ktr_sess_cfg ua_ktr; /* the DTLS UA's KTR settings (policy) */
	bool dtls_deaf; /* pump: the DTLS UA reads nothing */
};

/* A relay (two workers, ports 46000-47999) with one call, both endpoints'
 * sockets, the SDES leg's peer set; one SRTP profile on both sides' DTLS
 * contexts. dtls_peer: the DTLS leg's peer known from the start (else set
 * later, as when the DTLS UA's answer arrives). ktr: the relay's KTR
 * settings (NULL: defaults). */
void relay_world_open_ex(struct relay_world *w, int profile, bool dtls_peer,
			 const struct ktr_sess_cfg *ktr);
/* relay_world_open_ex with the DTLS leg's peer set, KTR defaults. */
void relay_world_open(struct relay_world *w, int profile);
void relay_world_close(struct relay_world *w);

/* The DTLS UA: client (it answered a=setup:active) or server. */
void relay_world_dtls_ua(struct relay_world *w, enum dtls_role role, bool ktr);
/* The SDES UA: local key A, remote key B (from the SBC's SDP); its first
 * RTP sequence number random (RFC 3550 5.1), as ktrua's. */
void relay_world_sdes_ua(struct relay_world *w, const struct ksrtp_keymat *a,
			 const struct ksrtp_keymat *b);
/* first_seq: of the UA's first RTP packet, -1 random. */
void relay_world_sdes_ua_at(struct relay_world *w,
			    const struct ksrtp_keymat *a,
			    const struct ksrtp_keymat *b, int first_seq);

/* call_fix_pump for about ms milliseconds; every event must name this
 * call. */
void relay_world_pump(struct relay_world *w, int ms);
/* The first collected event of type t, or NULL. */
const struct relay_event *relay_world_find_ev(const struct relay_world *w,
					      enum relay_event_type t);
/* Pump until an event of type t was collected, at most ms; NULL if none. */
const struct relay_event *relay_world_wait_ev(struct relay_world *w,
					      enum relay_event_type t, int ms);

/* RELAY_WORLD_N_PKT RTP packets from each chosen UA, an SRTCP report after
 * every 10th. */
void relay_world_media(struct relay_world *w, bool sdes, bool dtls);
/* e received RELAY_WORLD_N_PKT RTP packets (with_rtcp: and one SRTCP
 * report per 10), each authenticated with its payload intact. */
void relay_world_expect_all_authenticated(const struct ep *e,
					  const struct media_log *ml,
					  bool with_rtcp);

/* The relay's DTLS leg as server with KTR, the DTLS UA as client, up:
 * *b the DTLS UA's write key (the SDES UA's remote key), *a a fresh key
 * for the SDES UA. */
void relay_world_ktr_up(struct relay_world *w, int profile,
			struct ksrtp_keymat *a, struct ksrtp_keymat *b);

#endif

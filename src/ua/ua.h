/*
 * ua: the call engine of the reference endpoint ktrua: SIP (sip/) for
 * signalling, SDP (sdp/) for offers and answers, an ep (ep/) per stream
 * for media: RFC 4568 SDES, or DTLS-SRTP (RFC 5763/5764) with or without
 * Key Transport (draft-wing-avt-dtls-srtp-key-transport-02).
 *
 * A call has one or more streams (m-lines, at most UA_STREAMS_MAX): audio,
 * and video when offered; each is set up as its own call would be (port,
 * SSRC, keys or DTLS association and KTR session), and the call is ok only
 * when every stream not declined carried media both ways. An answerer
 * declines (port 0) what it does not carry: other media types, another
 * transport, audio without PCMU, video without VP8; an audio or video line
 * it takes but cannot key (no acceptable a=crypto, no usable fingerprint)
 * refuses the call with 488 and the cause, so a test sees the fault
 * instead of a call quietly short of a stream.
 * Each stream gets its own UDP media port from the configured range, RTP and
 * RTCP multiplexed on it (RFC 5761, a=rtcp-mux in every offer and answer;
 * without mux from the peer, no SRTCP is sent). With no_rtcp_mux (a
 * PBX-style UA) a stream takes an even/odd port pair instead, never offers or
 * accepts a=rtcp-mux, announces its RTCP port with a=rtcp:PORT IN IP4|IP6
 * ADDR (RFC 3605) and sends and receives SRTCP on the odd port, to and
 * from the peer's RTCP address (RFC 3550 11). Everything runs in the
 * sip_loop's thread.
 */
#ifndef KTRSBC_UA_H
#define KTRSBC_UA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dtls/dtls.h"
#include "ktr/ktr.h"
#include "sdp/sdp.h"
#include "sip/sip.h"

enum ua_mode { UA_SDES = 0, UA_DTLS };

/* Most m-lines one call has (offered or answered, declined ones included):
 * an offer with more is refused (488) before anything is allocated. */
#define UA_STREAMS_MAX 8
/* The video stream ktrua offers: VP8/90000 (RFC 7741) on this dynamic
 * payload type; the payload is a dummy (every byte the packet index's low
 * 8 bits), not a VP8 picture. */
#define UA_VIDEO_PT 96
/* telephone-event/8000 (RFC 4733) in ktrua's codec change (ua_move.c) */
#define UA_DTMF_PT 101

struct ua_cfg {
	enum ua_mode mode;
	bool ktr; /* DTLS: offer/accept a=dtls-srtp-ktr and key_transport */
	bool no_rtcp_mux; /* RTCP on its own port (see above) */
	enum sdp_suite suite; /* SDES: what we offer (answer: what we pick) */
	struct dtls_ctx *dtls; /* DTLS: certificate, profiles, code point */
	struct ktr_sess_cfg ktr_cfg; /* KTR timers and limits */
	const char *media_addr; /* numeric; our c= and media sockets */
	uint16_t port_min, port_max; /* media port range */
	unsigned pps, rtcp_every; /* media pacing */
	unsigned duration_ms; /* caller hangs up after this (0: never) */
	unsigned rekey_after_ms; /* SDES: re-INVITE with a new a=crypto key;
				    DTLS+KTR: new_srtp_key; either role, once
				    per call; 0: never */
	/* SDES answering a re-key: switch to our new key this long after the
	 * answer; 0: when the offerer's new-key packets arrive (at most
	 * UA_REKEY_SWITCH_MS later). RFC 4568 allows either. */
	unsigned rekey_switch_ms;
	/* Media moves (ua_move.c), ms after the answer, 0 never: every stream
	 * to a new port (by UPDATE when move_update), then move_stray
	 * datagrams from the old one; a hold with c=0.0.0.0, and its resume
	 * on a new port. */
	unsigned move_after_ms, hold0_after_ms, resume_after_ms, move_stray;
	/* the hold by direction instead (RFC 3264 8.4): our own address,
	 * a=sendonly or a=inactive; SDP_DIR_NONE: c=0.0.0.0 */
	enum sdp_dir hold_dir;
	/* an answerer of a re-offer sends no RTP on a line it answers
	 * a=recvonly or a=inactive (RFC 3264 6.1); off: it sends regardless */
	bool obey_dir;
	/* ... and a switch of rtcp-mux off (RTCP to port + 1) or on (a UA
	 * started with no_rtcp_mux), RFC 5761 5.1.3 */
	unsigned mux_off_after_ms, mux_on_after_ms;
	/* ... and a codec change: audio offered again with telephone-event
	 * (RFC 4733, payload type UA_DTMF_PT) beside PCMU; dtmf: an answerer
	 * accepts telephone-event in a re-offer */
	unsigned codec_change_after_ms;
	bool dtmf;
	/* ... and the video streams removed (port 0, RFC 3264 8.2) */
	unsigned remove_video_after_ms;
	/* ... and a video stream added to the call (RFC 3264 8.1) */
	unsigned add_video_after_ms;
	bool move_update;
	unsigned answer_delay_ms; /* callee: 180 Ringing, answer after this */
	/* callee: the answer in a 183 at once, media from then on, the 200
	 * after this (ua_early.c); 0: off */
	unsigned early_media_ms;
	unsigned cancel_after_ms; /* caller: CANCEL if unanswered by then */
	unsigned max_calls; /* callee: stop after this many calls ended */
	/* pcap path; "%u" in it is the call number. m-line 0's stream writes
	 * it, m-line N > 0's the same name with ".mN" before its extension
	 * (call1.pcap, call1.m1.pcap). */
	const char *capture;
	/* Streams: offer a video m-line besides the audio one (an answerer
	 * accepts every offered audio and video line it can key, whatever
	 * this says); its frames per second, packets per frame and payload
	 * bytes per packet. */
	bool video;
	unsigned video_fps, video_pkts, video_size;
	/* DTLS: BUNDLE (RFC 9143): the call's audio and video on one port
	 * and one DTLS association (the first stream's), each stream with
	 * its own SSRC under the association's key, and with KTR each
	 * stream's key from the peer in a new_srtp_key for its SSRC (draft
	 * 4.4): offers carry a=group:BUNDLE and a=mid, an offer that bundles
	 * is answered bundled (ua_bundle.c). Without it a bundled offer is
	 * answered with a port per m-line. */
	bool bundle;
	/* Extra m-lines we offer without using them ("application",
	 * "image"), for the answerer to decline with port 0 (RFC 3264 6). */
	const char *offer_extra[UA_STREAMS_MAX];
	unsigned n_offer_extra;
	/* Sequence number of each call's first RTP packet: -1 = a fresh one
	 * from the CSPRNG per call (RFC 3550 5.1: the initial value SHOULD be
	 * random), else 0..65535. */
	int32_t first_seq;
	/* Benchmark hand-off (scripts/bench-real.sh): no_media_tx: send no
	 * media (the call's keys, DTLS and KTR run as usual; ok then needs
	 * only media received). handoff: when a call's first RTP packet has
	 * authenticated, append one line
	 *   "SSRC LOCAL_ADDR LOCAL_PORT PEER_ADDR PEER_PORT PROFILE HEX"
	 * (HEX: the key||salt the peer's media is received with, ep_rx_key)
	 * and flush; the media sockets then carry SO_REUSEPORT, so that a
	 * sink can bind the same port and, connected to the peer, receive the
	 * call's media in this endpoint's place (a connected socket is
	 * preferred by the kernel's lookup). Benchmark keys only: the file
	 * holds key material, so it is never written unless asked for. */
	bool no_media_tx;
	FILE *handoff;
};

/* Outcome of one call, for the JSON line and the summary. */
struct ua_result {
	unsigned call; /* 1-based */
	bool caller;
	bool established; /* SIP answered and media keyed */
	bool ok; /* established, no failure, media both ways authenticated */
	int sip_status; /* final status of the INVITE (200, 488, ...) */
	char error[256]; /* cause, empty when none */
	/* The peer's BYE: "BYE", and its Reason header's value (RFC 3326)
	 * after "; " when it had one; empty when the peer sent no BYE. */
	char bye[SIP_REASON_MAX + 1];
};

struct ua;

int ua_alloc(struct ua **up, struct sip_loop *loop,
	     const struct sip_ua_cfg *scfg, const struct ua_cfg *cfg,
	     FILE *json_out);
/* Hang up every live call and record it as cut short. */
void ua_stop(struct ua *u);
/* ua_stop, then free everything. NULL accepted. */
void ua_free(struct ua *u);
/* Place a call to target (a SIP URI). */
int ua_call(struct ua *u, const char *target);
/* Calls started, ended, ended well. */
unsigned ua_started(const struct ua *u);
unsigned ua_ended(const struct ua *u);
unsigned ua_ok(const struct ua *u);
/* Human summary of every ended call. */
void ua_summary(const struct ua *u, FILE *f);

#endif

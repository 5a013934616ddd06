/*
 * ep: one SRTP media endpoint on one UDP socket: DTLS-SRTP with Key
 * Transport (ep_alloc), or RFC 4568 Security Descriptions (ep_alloc_sdes).
 *
 * It joins the pieces the way a KTR-capable endpoint must: the DTLS
 * association (dtls/) and SRTP (srtp/) share the socket, split by the first
 * byte (RFC 7983: 20..63 DTLS, 128..191 RTP/RTCP); when the handshake ends,
 * the exported keys (RFC 5764 4.2) become the SRTP sender and receiver; when
 * key_transport was negotiated, a KTR session (ktr/) carries new keys both
 * ways and the endpoint installs them (draft 4.3.1 speaker, 4.3.4 listener).
 * Everything is driven by ep_read/ep_timer from the owner's event loop; no
 * call blocks. Packets from any address but the peer's are dropped (draft 6).
 *
 * SDES mode (RFC 4568): the keys come from the a=crypto lines of the offer
 * and answer; there is no DTLS and no KTR, and DTLS-class datagrams are
 * dropped and counted. The same media, pacing, capture and statistics
 * functions serve both modes.
 */
#ifndef KTRSBC_EP_H
#define KTRSBC_EP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dtls/dtls.h"
#include "ktr/ktr.h"
#include "srtp/ksrtp.h"

struct ep_cfg {
	enum dtls_role role;
	const char *peer_fingerprint; /* SHA-256, required */
	bool ktr; /* offer (client) / accept (server) key_transport */
	struct ktr_sess_cfg ktr_cfg; /* timers, limits; key lengths ignored */
	uint32_t ssrc; /* our sending SSRC; 0 = random */
	uint32_t first_index; /* index of our first RTP packet (roc<<16|seq) */
	/* Test shim: drop this share (0..1) of outgoing DTLS datagrams, from a
	 * seeded generator, to exercise retransmission. */
	double drop_dtls;
	unsigned drop_seed;
	/* Each authenticated, decrypted packet, as the peer's application sent
	 * it (RTP or RTCP header included). Optional. */
	void (*on_media)(void *arg, const uint8_t *pkt, size_t len, bool rtcp);
	void *media_arg;
	/* Benchmark hand-off only (ktrua --handoff): keep a copy of the key
	 * the peer's media is received with, for ep_rx_key. Off: no copy. */
	bool keep_rx_key;
	/* ep_alloc_bundled: the payload type of the peer's RTP for this
	 * follower's stream (RFC 8843 9.2: the lead tells the streams apart
	 * by it); unused otherwise. */
	uint8_t bundle_pt;
};

struct ep_stats {
	uint64_t rtp_sent, rtcp_sent;
	uint64_t rtp_recv, rtcp_recv; /* authenticated and decrypted */
	uint64_t auth_fail, replay, no_key;
	uint64_t dropped_source; /* from an address that is not the peer */
	uint64_t dropped_other; /* neither DTLS nor RTP/RTCP */
	uint64_t keys_installed; /* peer keys from KTR, or SDES re-keys */
	/* What the peer's first new_srtp_key named (KTR, keys_installed > 0):
	 * any SSRC, or its SSRC, and the packet index it takes effect at. */
	bool first_peer_key_any;
	uint32_t first_peer_key_ssrc;
	uint64_t first_peer_key_index;
	uint64_t keys_announced; /* our keys sent with KTR */
	uint64_t keys_activated; /* our announcements acknowledged */
	uint64_t rx_switches, tx_switches;
	uint64_t ktr_gave_up, ktr_peer_failures, ktr_bad_input;
	uint64_t dtls_dropped; /* by the drop_dtls shim */
	/* SRTP / SRTCP datagrams received from the peer, before unprotect
	 * (rtp_recv/rtcp_recv count the ones that authenticated). */
	uint64_t rtp_in, rtcp_in;
	uint64_t dropped_dtls; /* DTLS-class datagrams in SDES mode */
	uint64_t send_errors;  /* sendto failures of SRTP/SRTCP */
	uint64_t captured, capture_errors; /* pcap records written / lost */
	/* The peer's own view of our stream, from the last reception report
	 * block about our SSRC in its SRTCP (RFC 3550 6.4.1): proof that the
	 * peer authenticated and decrypted what we sent. */
	uint64_t peer_reports; /* report blocks about our SSRC */
	uint32_t peer_ext_seq; /* extended highest sequence number received */
	int32_t peer_lost; /* cumulative number of packets lost */
};

/* SDES mode (RFC 4568 6.1): each side's a=crypto carries the key that side
 * sends with. */
struct ep_sdes_cfg {
	int profile;                 /* enum ksrtp_profile, the crypto-suite */
	struct ksrtp_keymat local;   /* from our a=crypto: protects what we send */
	struct ksrtp_keymat remote;  /* from the peer's a=crypto */
	uint32_t ssrc;               /* our sending SSRC; 0 = random */
	uint32_t first_index;        /* index of our first RTP packet */
	void (*on_media)(void *arg, const uint8_t *pkt, size_t len, bool rtcp);
	void *media_arg;
};

struct ep;

/*
 * fd: a bound non-blocking UDP socket the endpoint reads and writes (the
 * owner keeps and closes it). peer: where the peer is; NULL for a server
 * that learns it from the first ClientHello. ctx must outlive the endpoint.
 */
int ep_alloc(struct ep **epp, struct dtls_ctx *ctx, int fd,
	     const struct sockaddr *peer, socklen_t peer_len,
	     const struct ep_cfg *cfg);
/*
 * SDES endpoint. fd as for ep_alloc. peer: the address in the peer's SDP;
 * NULL = learn it from the first SRTP/SRTCP packet that authenticates
 * (symmetric RTP latching; an unauthenticated packet never moves it), after
 * which other sources are dropped as in DTLS mode. Until then ep_send_*
 * return -ENOTCONN. The keys are copied (the caller wipes its cfg); the
 * remote key serves any SSRC the peer sends. Both keys must have the
 * profile's lengths. 0, -EINVAL (NULL args, unknown profile, a key of
 * another profile), -ERANGE (key lengths), -ENOMEM, -EIO.
 */
int ep_alloc_sdes(struct ep **epp, int fd, const struct sockaddr *peer,
		  socklen_t peer_len, const struct ep_sdes_cfg *cfg);
/*
 * SDES re-key after an offer/answer with new a=crypto keys (RFC 4568 6.4,
 * 7.1.4); either key may be NULL (that direction keeps its key).
 *   local: our new sending key; it protects our next RTP packet (and SRTCP
 *     from then on).
 *   remote: the peer's new key. It is installed as the peer SSRC's next key
 *     (ksrtp_rx, draft 4.3.4 rule): packets keep authenticating with the old
 *     key until the first one that authenticates only with the new key;
 *     from that packet's index on the new key is current and the old one
 *     stays for late packets below it (KSRTP_PREV_SPAN). This tolerates the
 *     re-INVITE race in which the peer's old-key packets are still in flight.
 *     Before any packet of the peer authenticated, the key simply replaces
 *     the old one.
 * Sequence without loss: the answerer installs the offerer's key as remote
 * when the offer arrives and switches its own (local) after the ACK; the
 * offerer installs both when the answer arrives.
 * Counts: keys_installed per remote key; rx_switches/tx_switches when the
 * switch happens on the wire. 0, -EINVAL (not SDES, profile mismatch),
 * -ERANGE, -ENOMEM, -EIO.
 */
int ep_sdes_rekey(struct ep *ep, const struct ksrtp_keymat *local,
		  const struct ksrtp_keymat *remote);
/*
 * BUNDLE (RFC 9143): a further stream on lead's socket and DTLS
 * association. The follower sends from lead's socket to lead's peer with
 * its own SSRC (cfg->ssrc, else random and unlike the lead's) under the
 * association's write key, and receives what lead's socket gets for its
 * stream: RTP of payload type cfg->bundle_pt, RTCP of an SSRC it received
 * RTP from (the rest stays the lead's); with the peer's handshake key,
 * and each key the peer's KTR announces (new_srtp_key for an SSRC, draft
 * 4.4) is installed in every stream's receiver. It has no DTLS or KTR of
 * its own (cfg's role, fingerprint and ktr are not used) and is
 * established once lead is. Only the owner reads lead's socket (ep_read on
 * lead). Free followers before their lead, or the lead first: its
 * followers then stop. At most EP_BUNDLE_MAX followers per lead.
 * 0, -EINVAL (lead not a DTLS endpoint, or a follower), -ENOBUFS,
 * -ENOMEM, or ksrtp's errors.
 */
#define EP_BUNDLE_MAX 7
int ep_alloc_bundled(struct ep **epp, struct ep *lead, const struct ep_cfg *cfg);
/* Media moves to fd (a bound non-blocking UDP socket the owner keeps,
 * ep_move.c): sent from and read on it from now on, with the same keys and
 * association; the old socket stays the owner's. 0 or -EINVAL. */
int ep_move_fd(struct ep *ep, int fd);
/* RTCP back on the main socket (the peer muxes again, RFC 5761 5.1.3):
 * undoes ep_set_rtcp; its socket stays the owner's. 0 or -EINVAL. */
int ep_move_rtcp_mux(struct ep *ep);
/* Flushes and closes a capture. NULL accepted. */
void ep_free(struct ep *ep);
/*
 * RTCP on its own port (RFC 3550 11), for a peer that does not multiplex
 * (no a=rtcp-mux): SRTCP is then sent from fd (a bound non-blocking UDP
 * socket the owner keeps and closes) to peer (its a=rtcp, or c= and port
 * + 1), and ep_read_rtcp reads fd: SRTCP from peer is handled as on the
 * main socket (keys, counters, capture with fd's own address), datagrams
 * from any other source are dropped (dropped_source), non-RTCP ones too
 * (dropped_other). Without this call SRTCP shares the main socket
 * (RFC 5761). 0, -EINVAL (NULL, bad length, fd < 0), -errno of
 * getsockname.
 */
int ep_set_rtcp(struct ep *ep, int fd, const struct sockaddr *peer,
		socklen_t peer_len);
int ep_read_rtcp(struct ep *ep, uint64_t now_ms);

/* Client: send the ClientHello. SDES mode: nothing to start, 0. */
int ep_start(struct ep *ep, uint64_t now_ms);
/* Read and handle every datagram waiting on the socket (bounded batch). */
int ep_read(struct ep *ep, uint64_t now_ms);
/* Handle one datagram received from `from` (the demultiplexer). */
int ep_input(struct ep *ep, uint8_t *pkt, size_t len,
	     const struct sockaddr *from, socklen_t from_len, uint64_t now_ms);
/* Milliseconds until ep_timer is due; -1 when nothing is pending. */
int64_t ep_timeout_ms(const struct ep *ep, uint64_t now_ms);
void ep_timer(struct ep *ep, uint64_t now_ms);

bool ep_established(const struct ep *ep);
bool ep_ktr(const struct ep *ep);
/* Non-zero once the association failed; ep_error says why. */
int ep_failed(const struct ep *ep);
const char *ep_error(const struct ep *ep);
int ep_profile(const struct ep *ep);
const struct ep_stats *ep_stats(const struct ep *ep);

/* Send one RTP packet with this payload (payload type, timestamp and
 * marker bit from the media shape: by default PT 0, 8 kHz), SRTP
 * protected; -EAGAIN before the keys exist, -ENOTCONN while the peer's
 * address is not known (nothing consumed), -errno of sendto. */
int ep_send_rtp(struct ep *ep, const uint8_t *payload, size_t len);
/* Send an SRTCP sender report. */
int ep_send_rtcp(struct ep *ep);
/* Index of the next RTP packet we send. */
uint64_t ep_next_index(const struct ep *ep);
uint32_t ep_ssrc(const struct ep *ep);
/*
 * Benchmark hand-off (ktrua --handoff, scripts/bench-real.sh): the key the
 * peer's media is received with now — the DTLS-SRTP export's remote key
 * (RFC 5764 4.2), replaced by the last key a KTR new_srtp_key installed —
 * so that a measuring sink can take this endpoint's place on its port and
 * still authenticate what arrives. Only with cfg.keep_rx_key; the copy is
 * wiped with the endpoint. 0, -EINVAL, -ENOENT (not kept, or no key yet).
 */
int ep_rx_key(const struct ep *ep, struct ksrtp_keymat *out);

/* KTR speaker: announce a new sending key (kp NULL = fresh random key). */
int ep_announce(struct ep *ep, const struct ktr_keyparams *kp,
		uint64_t now_ms);
/* KTR: ask the peer for a new key / dictate the peer's key. */
int ep_request(struct ep *ep, uint64_t now_ms);
int ep_dictate(struct ep *ep, const struct ktr_keyparams *kp,
	       uint64_t now_ms);
/* Section 4.4: change our SSRC (collision), keep the key, and announce it. */
int ep_change_ssrc(struct ep *ep, uint32_t ssrc, uint64_t now_ms);
/*
 * Media pacing for a user agent (ktrua). ep_set_media: from the first
 * ep_media_tick that can send, RTP packets of 160 bytes of payload (20 ms of
 * G.711; every byte is the low 8 bits of the packet index, so a receiver
 * can check them) at pps packets per second (1..EP_MEDIA_PPS_MAX), an
 * SRTCP sender report after every rtcp_every RTP packets (0 = none), and
 * total packets in all (0 = unlimited). Calling it again restarts the
 * schedule. 0 or -EINVAL.
 * ep_media_tick: send every packet due at now_ms (at most EP_MEDIA_BATCH
 * per call). Returns the milliseconds until the next one is due (0: call
 * again at once), -ENODATA when total packets were sent, -EAGAIN before
 * the keys exist or while the peer is not known, -EINVAL when media was
 * not configured. A failed sendto is counted (send_errors), not retried.
 */
#define EP_MEDIA_PPS_MAX 100000
#define EP_MEDIA_BATCH 256
#define EP_MEDIA_PAYLOAD 160
int ep_set_media(struct ep *ep, unsigned pps, unsigned rtcp_every,
		 uint64_t total_packets);
int ep_media_tick(struct ep *ep, uint64_t now_ms);
/*
 * What our RTP packets look like, for ep_send_rtp and the pacer. The
 * default (G.711 audio): payload type 0, 160 bytes, one packet per frame,
 * 160 timestamp units per frame, marker bit never set. A video-like stream
 * sends frames of pkts_per_frame packets that share one timestamp, the last
 * one with the marker bit (RFC 3551 4.1: the end of a video frame). The
 * pacer sends a frame's packets together: packet n is due at
 * start + (n / pkts_per_frame) * pkts_per_frame * 1000 / pps, so the frame
 * rate is pps / pkts_per_frame (e.g. pps 150, 5 packets: 30 frames/s).
 * Every payload byte is still the low 8 bits of the packet index. The
 * payload type is not checked on reception (it is inside the protected
 * packet; the receiver's ep counts what authenticates). 0 or -EINVAL
 * (pt > 127, payload_len 0 or above EP_MEDIA_PAYLOAD_MAX, no packets per
 * frame).
 */
#define EP_MEDIA_PAYLOAD_MAX 1400
struct ep_media_shape {
	uint8_t pt;              /* RTP payload type, 0..127 */
	uint16_t payload_len;    /* bytes per packet, 1..EP_MEDIA_PAYLOAD_MAX */
	uint16_t pkts_per_frame; /* packets sharing a timestamp, >= 1 */
	uint32_t ts_per_frame;   /* timestamp units from one frame to the next */
};
int ep_set_media_shape(struct ep *ep, const struct ep_media_shape *sh);
/*
 * Capture to a pcap file (see ep_int.h for the format: LINKTYPE_RAW,
 * synthetic IPv4/IPv6 + UDP headers with the real local and peer addresses
 * and ports, CLOCK_REALTIME timestamps): every SRTP/SRTCP datagram exactly
 * as sent (after protect) and as received from the accepted source (before
 * unprotect). DTLS records are not captured. path NULL stops (and flushes)
 * a capture; a new path replaces the old file. The file is flushed at
 * ep_free. 0, -EINVAL, -errno of fopen/fwrite/getsockname.
 */
int ep_set_capture(struct ep *ep, const char *path);
/*
 * One JSON object (no newline) with the mode, the profile, ktr, the error
 * text (escaped), our SSRC ("ssrc") and first packet index ("first_index"),
 * sent/received/authenticated totals, key_switches and every ep_stats
 * field under its name. Never key material.
 * Returns the length written (NUL excluded), or -ENOSPC when cap is too
 * small (buf then holds "" when cap > 0), -EINVAL.
 */
int ep_stats_json(const struct ep *ep, char *buf, size_t cap);
/* The DTLS association, for diagnostics and tests that inject records;
 * NULL in SDES mode. */
struct dtls_conn *ep_dtls(struct ep *ep);
/* True while a KTR message of ours awaits its answer. */
bool ep_ktr_busy(const struct ep *ep);

#endif

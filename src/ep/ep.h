/*
 * ep: one DTLS-SRTP media endpoint on one UDP socket, with Key Transport.
 *
 * It joins the pieces the way a KTR-capable endpoint must: the DTLS
 * association (dtls/) and SRTP (srtp/) share the socket, split by the first
 * byte (RFC 7983: 20..63 DTLS, 128..191 RTP/RTCP); when the handshake ends,
 * the exported keys (RFC 5764 4.2) become the SRTP sender and receiver; when
 * key_transport was negotiated, a KTR session (ktr/) carries new keys both
 * ways and the endpoint installs them (draft 4.3.1 speaker, 4.3.4 listener).
 * Everything is driven by ep_read/ep_timer from the owner's event loop; no
 * call blocks. Packets from any address but the peer's are dropped (draft 6).
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
};

struct ep_stats {
	uint64_t rtp_sent, rtcp_sent;
	uint64_t rtp_recv, rtcp_recv; /* authenticated and decrypted */
	uint64_t auth_fail, replay, no_key;
	uint64_t dropped_source; /* from an address that is not the peer */
	uint64_t dropped_other; /* neither DTLS nor RTP/RTCP */
	uint64_t keys_installed; /* peer keys from KTR */
	uint64_t keys_announced; /* our keys sent with KTR */
	uint64_t keys_activated; /* our announcements acknowledged */
	uint64_t rx_switches, tx_switches;
	uint64_t ktr_gave_up, ktr_peer_failures, ktr_bad_input;
	uint64_t dtls_dropped; /* by the drop_dtls shim */
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
void ep_free(struct ep *ep);

/* Client: send the ClientHello. */
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

/* Send one RTP packet with this payload (PT 0, 8 kHz timestamps), SRTP
 * protected; -EAGAIN before the keys exist. */
int ep_send_rtp(struct ep *ep, const uint8_t *payload, size_t len);
/* Send an SRTCP sender report. */
int ep_send_rtcp(struct ep *ep);
/* Index of the next RTP packet we send. */
uint64_t ep_next_index(const struct ep *ep);
uint32_t ep_ssrc(const struct ep *ep);

/* KTR speaker: announce a new sending key (kp NULL = fresh random key). */
int ep_announce(struct ep *ep, const struct ktr_keyparams *kp,
		uint64_t now_ms);
/* KTR: ask the peer for a new key / dictate the peer's key. */
int ep_request(struct ep *ep, uint64_t now_ms);
int ep_dictate(struct ep *ep, const struct ktr_keyparams *kp,
	       uint64_t now_ms);
/* Section 4.4: change our SSRC (collision), keep the key, and announce it. */
int ep_change_ssrc(struct ep *ep, uint32_t ssrc, uint64_t now_ms);
/* The DTLS association, for diagnostics and tests that inject records. */
struct dtls_conn *ep_dtls(struct ep *ep);
/* True while a KTR message of ours awaits its answer. */
bool ep_ktr_busy(const struct ep *ep);

#endif

/*
 * ep private: the endpoint struct and the functions its files share
 * (ep.c: life cycle, demultiplexer, DTLS and KTR; ep_sdes.c: RFC 4568 mode;
 * ep_media.c: SRTP send/receive and pacing; ep_cap.c: pcap capture;
 * ep_stats.c: the JSON report). Not for use outside src/ep/ and its tests.
 */
#ifndef KTRSBC_EP_INT_H
#define KTRSBC_EP_INT_H

#include <stdio.h>
#include <time.h>

#include "ep/ep.h"
#include "srtp/ksrtp.h"

#define EP_PKT_MAX 1500
#define EP_READ_BATCH 64

/* --- capture (ep_cap.c) ------------------------------------------------
 * A classic libpcap file (magic a1b2c3d4 written big-endian, version 2.4,
 * microsecond timestamps) of link type LINKTYPE_RAW (101): every record is
 * an IPv4 (RFC 791) or IPv6 (RFC 8200) header, a UDP header (RFC 768) with
 * a correct checksum, then the datagram. GStreamer's pcapparse reads raw
 * IPv4 only; tshark reads both. All headers go through base/buf; a record
 * costs one fwrite of its headers and one of the datagram, nothing is
 * allocated per packet. */
#define EP_CAP_LINKTYPE_RAW 101
#define EP_CAP_SNAPLEN 65535
#define EP_CAP_GLOBAL_LEN 24
#define EP_CAP_REC_LEN 16
/* Largest datagram a record can carry: the IPv4 total length and the
 * IPv6/UDP length fields are 16 bits. */
#define EP_CAP_DGRAM_MAX (65535 - 20 - 8)

struct ep_cap {
	FILE *f;
	uint16_t ip_id; /* IPv4 identification, one per record */
	uint64_t records;
	int err; /* first write error, sticky */
};

/* Create (truncate) path and write the global header. c must be zeroed or
 * closed. 0, -EINVAL, or -errno from fopen/fwrite. */
int ep_cap_open(struct ep_cap *c, const char *path);
/* Append one datagram sent from src to dst (both AF_INET or both AF_INET6,
 * else -EAFNOSUPPORT) at time ts. 0, -EINVAL (not open, bad args),
 * -EMSGSIZE (above EP_CAP_DGRAM_MAX), or the sticky -errno of a failed
 * write. */
int ep_cap_write(struct ep_cap *c, const struct sockaddr *src,
		 const struct sockaddr *dst, const uint8_t *pkt, size_t len,
		 const struct timespec *ts);
/* Flush and close (c becomes closed; closing a closed one is 0). 0 or the
 * first write/close error as -errno. */
int ep_cap_close(struct ep_cap *c);

/* --- the endpoint --------------------------------------------------------- */

enum ep_mode { EP_MODE_DTLS = 0, EP_MODE_SDES };

struct ep {
	enum ep_mode mode;
	struct ep_cfg cfg; /* SDES mode: only on_media/media_arg are used */
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len; /* 0 until the peer is learned (latched) */
	/* ep_set_rtcp: RTCP on its own port; rtcp_fd -1 when muxed.
	 * on_rtcp_port: the datagram being sent or handled uses it (for the
	 * capture's addresses). */
	int rtcp_fd;
	struct sockaddr_storage rtcp_peer, rtcp_local;
	socklen_t rtcp_peer_len;
	bool on_rtcp_port;
	struct dtls_conn *dtls; /* NULL in SDES mode */
	struct ktr_sess *ktr;
	struct ksrtp_tx *tx;
	struct ksrtp_rx *rx;
	int profile;
	uint32_t ssrc;
	uint64_t next_index;
	uint64_t first_index; /* of our first RTP packet (ep_stats_json) */
	/* Our current and next sending key, kept to re-announce on an SSRC
	 * change (section 4.4 recommends keeping the key). */
	struct ksrtp_keymat tx_cur, tx_next;
	uint64_t tx_next_index; /* UINT64_MAX: no switch pending */
	uint32_t rtcp_count;
	/* SDES: the peer's latest key (to ignore an unchanged a=crypto) and
	 * the SSRC of its last authenticated RTP packet. */
	struct ksrtp_keymat rx_km;
	/* cfg.keep_rx_key: the current receive key (ep_rx_key), DTLS mode. */
	struct ksrtp_keymat rx_kept;
	bool rx_kept_set;
	bool rx_ssrc_known;
	bool dtls_closed; /* peer sent close_notify: no more KTR */
	uint32_t rx_ssrc;
	/* Pacing (ep_set_media / ep_media_tick). */
	unsigned pps, rtcp_every;
	uint64_t media_total; /* 0 = unlimited */
	uint64_t media_sent;  /* RTP packets the pacer sent */
	bool media_on, media_started;
	uint64_t media_start_ms;
	struct ep_media_shape shape; /* ep_set_media_shape; G.711 by default */
	/* Capture, with the local address shown in its records. */
	struct ep_cap cap;
	struct sockaddr_storage cap_local;
	bool cap_local_known;
	int failed;
	char error[256];
	unsigned drop_state;
	struct ep_stats st;
	uint64_t now_ms; /* of the call being handled, for callbacks */
	/* BUNDLE (ep_bundle.c): a follower's lead, or a lead's followers;
	 * the peer's handshake write key (their receive key for any SSRC). */
	struct ep *lead;
	struct ep *follow[EP_BUNDLE_MAX];
	unsigned n_follow;
	struct ksrtp_keymat rx_base;
	bool rx_base_set;
};

/* ep.c */
int ep_send_dgram(struct ep *ep, const uint8_t *data, size_t len);
/* A zeroed endpoint on fd with the peer (NULL: learned later). */
int ep_new(struct ep **epp, int fd, const struct sockaddr *peer,
	   socklen_t peer_len);

/* ep_media.c: an SRTP/SRTCP datagram from the (accepted) source `from`:
 * capture, unprotect, count, deliver. Returns ksrtp_rx's result. */
int ep_srtp_input(struct ep *ep, uint8_t *pkt, size_t len,
		  const struct sockaddr *from);
/* Send a protected datagram and capture it. */
int ep_send_srtp(struct ep *ep, const uint8_t *pkt, size_t len);

/* ep_bundle.c */
/* The lead's association is up: key a follower from it (its own SSRC). */
int ep_bundle_keys(struct ep *f);
/* The stream of lead's bundle that receives kp's SSRC (an authenticated
 * packet of it came), or NULL: unknown yet, any SSRC, or no bundle. */
struct ep *ep_bundle_key_dest(struct ep *lead, const struct ktr_keyparams *kp);
/* The follower of lead's bundle that sends ssrc, or NULL. */
struct ep *ep_bundle_tx_dest(struct ep *lead, uint32_t ssrc);
/* A peer key the lead's KTR announced: into the followers' receivers,
 * only `only`'s when that is a follower, none when it is the lead. A
 * receiver's newest key is the one it tries on a packet that fails
 * (draft 4.3.4), so another stream's key must not become it. */
void ep_bundle_peer_key(struct ep *lead, const struct ktr_keyparams *kp,
			const struct ksrtp_keymat *k, uint64_t index,
			const struct ep *only);
/* The endpoint an RTP/RTCP datagram on the lead's socket is for. */
struct ep *ep_bundle_route(struct ep *lead, const uint8_t *pkt, size_t len);
/* A follower takes the lead's peer once known. */
void ep_bundle_sync(struct ep *ep);
/* Before freeing ep: out of its bundle (followers of a lead lose it). */
void ep_bundle_detach(struct ep *ep);

/* ep_cap.c: record a datagram of ours (sent = true: local -> peer) or the
 * peer's (from -> local); errors are counted in the stats, not returned. */
void ep_capture(struct ep *ep, bool sent, const struct sockaddr *from,
		const uint8_t *pkt, size_t len);

#endif

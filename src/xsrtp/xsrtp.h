/*
 * xsrtp: SRTP and SRTCP on OpenSSL with contexts made once per key, for the
 * relay's transcrypting stage (issue 13, "Honest performance"):
 * src/relay/relay_fwd.c (the crypto stage of relay_call_transcrypt, the
 * Figure 6 fallback and the window) runs on it; libsrtp2 (src/srtp) stays
 * for the endpoints.
 *
 * Why: Debian's libsrtp2 does its AES and HMAC through NSS and creates an
 * NSS context per packet. Here everything keyed is made when the context
 * is made: the RFC 3711 4.3 key derivation runs once, the AES contexts
 * (EVP_CIPHER_CTX) are keyed once and only re-IV'd per packet, and the
 * HMAC-SHA1 inner and outer states (RFC 2104: the key XOR ipad/opad block
 * already hashed) are computed once per session key and copied per packet.
 * Nothing on the per-packet path allocates, except the first packet of a
 * new SSRC (bounded, below).
 *
 * Profiles (enum ksrtp_profile, input struct ksrtp_keymat):
 *   AES128_CM_SHA1_80 / _32   RFC 3711 3.3, 3.4, 4.1.1 (AES-CM), 4.2.1
 *                             (HMAC-SHA1, 160-bit key); SRTP tag 80 / 32
 *                             bits, SRTCP tag 80 bits for both (RFC 5764
 *                             4.1.2);
 *   AEAD_AES_128_GCM / 256    RFC 7714: IV (8.1, 9.1), AAD (8.2, 9.2),
 *                             16-octet tag, SRTCP with the E flag and
 *                             index in the AAD (9.2; E=0, nothing
 *                             encrypted: 9.3, vectors 17.3/17.4).
 * Key derivation (RFC 3711 4.3.1, 4.3.3): the AES-CM PRF with the master
 * key's AES (AES-256 for AEAD_AES_256_GCM, as RFC 6188 7.2 / RFC 7714 11),
 * key derivation rate 0; a 96-bit AEAD master salt is multiplied by 2^16
 * (two zero octets after it) to make the 112-bit PRF input (RFC 7714
 * erratum 4938; libsrtp2 does the same, the interop tests check it).
 *
 * One context = one master key: the SRTP and SRTCP session keys, and a
 * table of per-SSRC streams (with kdr 0 every SSRC shares the session
 * keys, RFC 3711 4.3). A stream holds, for SRTP, the ROC, the highest
 * sequence number and a 64-packet replay window (RFC 3711 3.3.1, 3.3.2),
 * and for SRTCP the next index to send or the highest index received with
 * its own 64-packet window (3.4). A context is used for one direction: its
 * streams track either what it protected or what it unprotected (using one
 * context both ways mixes the two; do not).
 *
 * Streams: a packet of an SSRC the context does not know starts a stream
 * (RTP: ROC 0, index = its sequence number, as libsrtp2 and RFC 3711
 * 3.3.1 for a fresh receiver; SRTCP: index 0 on protect, any index
 * accepted first on unprotect). At most max_streams streams (-ENOBUFS,
 * checked before anything is allocated); the table grows by doubling when
 * a new SSRC needs room, so a context allocates at most about
 * log2(max_streams) times in its life. On unprotect a stream is only
 * recorded once its first packet authenticated.
 *
 * Errors follow base/err.h (0 or negative errno):
 *   -EINVAL   bad argument;  -ERANGE key/salt length wrong for the profile;
 *   -EBADMSG  not RTP/RTCP version 2, or too short for its header + tag;
 *   -EMSGSIZE longer than XSRTP_PKT_MAX;
 *   -ENOSPC   cap leaves no room for the tag (protect);
 *   -EACCES   authentication failed (unprotect);
 *   -EALREADY replayed, or older than the window (RFC 3711 3.3.2); on
 *             protect: that index was already protected;
 *   -EKEYEXPIRED the 48-bit SRTP or 31-bit SRTCP index is exhausted
 *             (RFC 3711 3.3.1, 3.4: re-key);
 *   -ENOBUFS  a new SSRC past max_streams;  -ENOMEM;  -EIO (OpenSSL).
 * On any failure but -EIO the packet and *len are unchanged (an AEAD
 * packet that fails its tag is decrypted in place and then re-encrypted;
 * an AES-CM packet is authenticated before it is decrypted). -EIO, an
 * OpenSSL call failing half-way, may leave the packet damaged: drop it.
 *
 * Objects are not thread-safe: one thread uses a context at a time. Key
 * material (session keys and salts, HMAC states, the AES key schedules
 * inside the EVP contexts; the master key is not kept past the
 * derivation) is wiped when the context is freed (OPENSSL_cleanse,
 * sec_wipe) and never logged.
 *
 * In the relay's crypto stage (relay_fwd.c xc_packet): the `in` key is one
 * xsrtp context (any SSRC: a stream per SSRC, as the any_ssrc key of
 * ksrtp_rx), the `out` key another, both made when the transcrypt is set
 * up; a new SSRC simply gets its own stream in the out context, and a
 * transcrypt replaced with the same out key keeps that context (its SRTCP
 * indices go on, draft 6.2). The stage drops the packet on any error.
 */
#ifndef KTRSBC_XSRTP_H
#define KTRSBC_XSRTP_H

#include <stddef.h>
#include <stdint.h>

#include "srtp/ksrtp.h"

/* Default and hard upper bound of the streams (SSRCs) of one context. */
#define XSRTP_STREAMS_DEFAULT 64
#define XSRTP_STREAMS_MAX 4096
/* Replay window, in packets (RFC 3711 3.3.2: at least 64). */
#define XSRTP_REPLAY_WINDOW 64
/* Largest packet accepted (-EMSGSIZE above): far above any UDP datagram,
 * and room for RFC 3711 B.2's whole 2^16-block keystream segment; it keeps
 * every length within OpenSSL's int. */
#define XSRTP_PKT_MAX (1u << 24)

struct xsrtp_ctx;

/* A context for k (checked as ksrtp_keymat_check), with at most
 * max_streams SSRCs (0: XSRTP_STREAMS_DEFAULT). Derives the session keys;
 * the caller may wipe k afterwards. 0, -EINVAL, -ERANGE (lengths, or
 * max_streams above XSRTP_STREAMS_MAX), -ENOMEM, -EIO. */
int xsrtp_ctx_alloc(struct xsrtp_ctx **cp, const struct ksrtp_keymat *k,
		    size_t max_streams);

/* Session keys given directly (no derivation): for known-answer tests
 * (RFC 3711 B.2, RFC 7714 16-17 give session keys) and for a peer that
 * hands out session keys. Lengths as the profile's: key = its AES key,
 * salt 14 (CM) or 12 (AEAD) octets, auth 20 octets (CM only). */
struct xsrtp_session_keys {
	uint8_t key[KSRTP_KEY_MAX];
	uint8_t salt[KSRTP_SALT_MAX];
	uint8_t auth[20];
};
int xsrtp_ctx_alloc_session(struct xsrtp_ctx **cp, int profile,
			    const struct xsrtp_session_keys *rtp,
			    const struct xsrtp_session_keys *rtcp,
			    size_t max_streams);

/* RFC 3711 4.3.1-4.3.3 key derivation, kdr 0: out_len octets of
 * PRF(master key, (label << 48) XOR master salt), the AES-CM PRF with
 * AES-128 or AES-256 by key_len (16 or 32). salt_len 14, or 12 (AEAD:
 * zero-padded to 14). Labels 0..5 (RFC 3711 4.3.2 table: SRTP encryption,
 * authentication, salt; SRTCP the same). 0, -EINVAL, -EIO. */
int xsrtp_kdf(const uint8_t *key, size_t key_len, const uint8_t *salt,
	      size_t salt_len, uint8_t label, uint8_t *out, size_t out_len);

/* Protect the RTP packet pkt[0..*len) in place (RFC 3711 3.3 / RFC 7714
 * 8): payload encrypted, tag appended; *len grows by the tag, which must
 * fit in cap. The sender's ROC follows the sequence numbers it protects
 * (a wrap increments it). */
int xsrtp_rtp_protect(struct xsrtp_ctx *c, uint8_t *pkt, size_t *len,
		      size_t cap);
/* Unprotect an SRTP packet in place: index estimate (RFC 3711 3.3.1),
 * replay check, authentication, decryption; then the ROC, highest index
 * and window move. *len shrinks to the RTP packet. */
int xsrtp_rtp_unprotect(struct xsrtp_ctx *c, uint8_t *pkt, size_t *len);
/* SRTCP (RFC 3711 3.4 / RFC 7714 9): everything after the first 8 octets
 * encrypted (E=1 always on protect), then E|index (and for CM the 80-bit
 * tag; for AEAD the tag precedes E|index). Unprotect also accepts E=0
 * (authenticated only). The sender's index starts at 0 per SSRC. */
int xsrtp_rtcp_protect(struct xsrtp_ctx *c, uint8_t *pkt, size_t *len,
		       size_t cap);
int xsrtp_rtcp_unprotect(struct xsrtp_ctx *c, uint8_t *pkt, size_t *len);

struct xsrtp_stats {
	uint64_t ok;        /* packets protected or unprotected */
	uint64_t auth_fail; /* -EACCES */
	uint64_t replay;    /* -EALREADY */
	uint64_t no_room;   /* -ENOBUFS */
	uint32_t streams;   /* SSRCs currently held */
};
void xsrtp_ctx_stats(const struct xsrtp_ctx *c, struct xsrtp_stats *st);

/* Wipes every key and state. NULL accepted. */
void xsrtp_ctx_free(struct xsrtp_ctx *c);

#endif

/*
 * ksrtp: SRTP/SRTCP on libsrtp2 for KTR (draft-wing-avt-dtls-srtp-key-transport-02).
 *
 * Four parts behind this one header:
 *   - policies (ksrtp_policy.c): {profile, key, salt} -> libsrtp2 policy,
 *     profile lengths and names, key-material checks and wiping;
 *   - RTP/RTCP header peeking (ksrtp_rtp.c) through base/buf, the RFC 5761
 *     and RFC 7983 demultiplexing tests, the RFC 3711 3.3.1 index estimate;
 *   - the sender (ksrtp_tx.c): one SSRC, a current key and a next key that
 *     takes effect at a packet index (draft 4.3, ROC<<16 | SEQ);
 *   - the listener's key store (ksrtp_rx.c): per SSRC a current and a next
 *     key, any_ssrc keys, the trial of the most recently announced key on an
 *     authentication failure (draft 4.3.4) and SSRC change with the same key
 *     (draft 4.4).
 *
 * Errors follow base/err.h (0 or negative errno). Objects are not
 * thread-safe: one thread uses a given ksrtp_tx / ksrtp_rx at a time.
 * Key material is copied in and wiped (sec_wipe) when dropped; it is never
 * logged.
 */
#ifndef KTRSBC_KSRTP_H
#define KTRSBC_KSRTP_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* DTLS-SRTP protection profiles (RFC 5764 4.1.2, RFC 7714 14.2). The values
 * equal OpenSSL's SRTP_* ids and libsrtp2's srtp_profile_t. */
enum ksrtp_profile {
	KSRTP_AES128_CM_SHA1_80 = 1,
	KSRTP_AES128_CM_SHA1_32 = 2,
	KSRTP_AEAD_AES_128_GCM = 7,
	KSRTP_AEAD_AES_256_GCM = 8,
};

#define KSRTP_KEY_MAX 32
#define KSRTP_SALT_MAX 14
/* Largest RTP/RTCP packet the listener accepts (it keeps one scratch copy
 * of this size to undo a failed trial, draft 4.3.4). */
#define KSRTP_MAX_PKT 8192
/* Default and hard upper bound of ksrtp_rx_limits.max_streams. */
#define KSRTP_RX_STREAMS_DEFAULT 64
#define KSRTP_RX_STREAMS_MAX 4096
/* A replaced key stays for late (reordered) packets with an index below the
 * switch until the highest index seen is this far past the switch. */
#define KSRTP_PREV_SPAN 64

/* Master key and salt of one SRTP crypto context. Only the first key_len /
 * salt_len bytes are meaningful; they must match the profile. */
struct ksrtp_keymat {
	int profile;
	uint8_t key_len, salt_len;
	uint8_t key[KSRTP_KEY_MAX];
	uint8_t salt[KSRTP_SALT_MAX];
};

/* Initialise libsrtp2 once per process (pthread_once; idempotent and
 * thread-safe). Every allocator below calls it. 0 or -EIO. */
int ksrtp_init(void);

/* Lengths for a profile (RFC 3711, RFC 5764 4.1.2, RFC 7714): master key,
 * master salt and SRTP authentication tag. Any out pointer may be NULL.
 * 0, or -EINVAL for an unknown profile. */
int ksrtp_profile_lens(int profile, size_t *key_len, size_t *salt_len,
		       size_t *tag_len);
/* Bytes that protecting adds to a packet: the SRTP tag, or for SRTCP the
 * tag (10 for both SHA1 profiles, RFC 5764 4.1.2) plus the 4-byte E|index
 * word (RFC 3711 3.4). 0, or -EINVAL for an unknown profile. */
int ksrtp_profile_overhead(int profile, bool rtcp, size_t *overhead);
/* RFC 4568 / RFC 7714 suite name ("AES_CM_128_HMAC_SHA1_80", ...), or NULL
 * for an unknown profile. Static storage. */
const char *ksrtp_profile_name(int profile);
/* 0 when the lengths match the profile; -EINVAL for NULL or an unknown
 * profile; -ERANGE for a key or salt length that does not match. */
int ksrtp_keymat_check(const struct ksrtp_keymat *k);
/* Overwrite the whole struct (NULL accepted). */
void ksrtp_keymat_wipe(struct ksrtp_keymat *k);
/* k := the profile's master key and salt from key||salt (as RFC 4568
 * inline: and RFC 5764's export carry them). 0, -EINVAL (unknown profile),
 * -ERANGE (len is not key_len + salt_len). */
int ksrtp_keymat_set(struct ksrtp_keymat *k, int profile,
		     const uint8_t *keysalt, size_t len);
/* The same from separate key and salt (as RFC 5764 4.2's export splits
 * them). 0, -EINVAL, -ERANGE. */
int ksrtp_keymat_parts(struct ksrtp_keymat *k, int profile,
		       const uint8_t *key, size_t key_len,
		       const uint8_t *salt, size_t salt_len);
/* key||salt of k into out (cap >= KSRTP_KEY_MAX + KSRTP_SALT_MAX); returns
 * the length or -ENOSPC. The caller wipes out. */
int ksrtp_keymat_get(const struct ksrtp_keymat *k, uint8_t *out, size_t cap);
/* A fresh key and salt for profile from the CSPRNG (RFC 4086). 0, -EINVAL,
 * -EIO. */
int ksrtp_keymat_random(struct ksrtp_keymat *k, int profile);
/* Same profile, key and salt (constant time in the key bytes). */
bool ksrtp_keymat_equal(const struct ksrtp_keymat *a,
			const struct ksrtp_keymat *b);

/*
 * Header peeking (RFC 3550 5.1 / 6.4.1), through base/buf, never writing.
 * ksrtp_rtp_peek: the fixed header, the CSRC list and, when X is set, the
 * header extension must all be present. seq/ssrc may be NULL.
 * 0, -ENODATA (truncated) or -EBADMSG (version != 2).
 * ksrtp_rtcp_peek: version 2, packet type 192..223 and the sender SSRC.
 * 0, -ENODATA or -EBADMSG.
 */
int ksrtp_rtp_peek(const uint8_t *pkt, size_t len, uint16_t *seq,
		   uint32_t *ssrc);
int ksrtp_rtcp_peek(const uint8_t *pkt, size_t len, uint32_t *ssrc);
/* RFC 5761 4: version 2 and a second byte (payload type with the marker
 * bit) in 192..223 means RTCP. Inline: the relay asks per packet. */
static inline bool ksrtp_is_rtcp(const uint8_t *pkt, size_t len)
{
	struct buf_rd r;
	uint8_t b0, b1;

	buf_rd_init(&r, pkt, len);
	if (buf_peek_u8(&r, 0, &b0) || buf_peek_u8(&r, 1, &b1))
		return false;
	return b0 >> 6 == 2 && b1 >= 192 && b1 <= 223;
}
/*
 * The sequence number and SSRC of an RTP packet's fixed header (RFC 3550
 * 5.1): version 2 and the 12 fixed bytes are checked, the CSRC list and
 * header extension are not (ksrtp_rtp_peek checks the whole header). For
 * the relay's tracking of a stream it forwards untouched (RELAY_F_TRACK),
 * once per packet, hence inline. 0, -EBADMSG (not version 2) or -ENODATA.
 */
static inline int ksrtp_rtp_seq_ssrc(const uint8_t *pkt, size_t len,
				     uint16_t *seq, uint32_t *ssrc)
{
	struct buf_rd r;
	uint8_t b0;

	buf_rd_init(&r, pkt, len);
	if (buf_peek_u8(&r, 0, &b0) || len < 12)
		return -ENODATA;
	if (b0 >> 6 != 2)
		return -EBADMSG;
	buf_peek_u16(&r, 2, seq);
	buf_peek_u32(&r, 8, ssrc);
	return 0;
}

/* RFC 7983 7 first-byte demultiplexing classes. */
enum ksrtp_demux {
	KSRTP_DEMUX_DROP = 0, /* empty or unassigned range */
	KSRTP_DEMUX_STUN,     /* 0..3 */
	KSRTP_DEMUX_ZRTP,     /* 16..19 */
	KSRTP_DEMUX_DTLS,     /* 20..63 */
	KSRTP_DEMUX_TURN,     /* 64..79 (TURN channel) */
	KSRTP_DEMUX_RTP,      /* 128..191 (RTP or RTCP) */
};
/* Inline: the relay classifies every datagram it receives (issue 6). */
static inline enum ksrtp_demux ksrtp_demux_class(const uint8_t *pkt,
						  size_t len)
{
	struct buf_rd r;
	uint8_t b;

	buf_rd_init(&r, pkt, len);
	if (buf_peek_u8(&r, 0, &b))
		return KSRTP_DEMUX_DROP;
	/* RFC 7983 7; media first, the common case. */
	if (b >= 128 && b <= 191)
		return KSRTP_DEMUX_RTP;
	if (b <= 3)
		return KSRTP_DEMUX_STUN;
	if (b >= 16 && b <= 19)
		return KSRTP_DEMUX_ZRTP;
	if (b >= 20 && b <= 63)
		return KSRTP_DEMUX_DTLS;
	if (b >= 64 && b <= 79)
		return KSRTP_DEMUX_TURN;
	return KSRTP_DEMUX_DROP;
}

/* RFC 3711 3.3.1 packet-index estimate for sequence number seq given the
 * receiver's highest sequence number s_l and its roc: returns
 * v << 16 | seq with v in {roc-1, roc, roc+1}. roc-1 is clamped to 0 when
 * roc is 0 (there is no packet before index 0). */
uint64_t ksrtp_index_estimate(uint32_t roc, uint16_t s_l, uint16_t seq);

/*
 * Sender for one SSRC (draft 4.3.1). Protects RTP and RTCP with the current
 * key; a next key takes effect at a packet index. The sender tracks its own
 * ROC from the sequence numbers it protects (a wrap increments it).
 */
struct ksrtp_tx;

/* Copies k (the caller may wipe its copy). 0, -EINVAL (NULL args, unknown
 * profile), -ERANGE (lengths), -ENOMEM, -EIO (libsrtp2). */
int ksrtp_tx_alloc(struct ksrtp_tx **tp, uint32_t ssrc,
		   const struct ksrtp_keymat *k);
/* RTP packets whose index (roc<<16|seq) is >= index use k; SRTCP switches
 * with the first RTP packet that does. Replaces (and wipes) a pending next
 * key. 0, -EINVAL if index is not above the highest index already
 * protected (or bad args), -ERANGE, -ENOMEM, -EIO. */
int ksrtp_tx_set_next(struct ksrtp_tx *t, const struct ksrtp_keymat *k,
		      uint64_t index);
/* Draft 4.4: a new SSRC keeps the current and next key(s); the ROC restarts
 * with the new SSRC's sequence numbers (tx_index returns 0 again); a pending
 * switch keeps its index. A key kept for late packets is dropped.
 * 0 or -ENOMEM/-EIO, in which case nothing changed. */
int ksrtp_tx_set_ssrc(struct ksrtp_tx *t, uint32_t ssrc);
/* Protect the RTP packet pkt[0..*len) in place; on success *len grows by the
 * profile's overhead. The packet's SSRC must be the tx's (-EINVAL); cap must
 * leave room for the tag (-ENOSPC). -EBADMSG/-ENODATA for a malformed
 * header, -EALREADY when the index was already protected with that key,
 * -EIO for another libsrtp2 failure. On failure *len is unchanged. */
int ksrtp_tx_protect(struct ksrtp_tx *t, uint8_t *pkt, size_t *len,
		     size_t cap);
/* The same for an RTCP compound packet (sender SSRC must be the tx's),
 * with the key RTP currently uses. */
int ksrtp_tx_protect_rtcp(struct ksrtp_tx *t, uint8_t *pkt, size_t *len,
			  size_t cap);
/* Index of the last protected RTP packet (0 before any). */
uint64_t ksrtp_tx_index(const struct ksrtp_tx *t);
/* Pending switch index, or UINT64_MAX when no next key is pending. */
uint64_t ksrtp_tx_switch_index(const struct ksrtp_tx *t);
/* Wipes every key. NULL accepted. */
void ksrtp_tx_free(struct ksrtp_tx *t);

/*
 * Listener key store (draft 4.3.4, 4.4). Per SSRC: a current key, an
 * optional next key with its activation packet index, and, after a switch,
 * the previous key for late packets (KSRTP_PREV_SPAN). any_ssrc keys serve
 * SSRCs not otherwise known (a stream is created for such an SSRC on its
 * first authenticated packet). On an authentication failure, or a packet of
 * an unknown SSRC without an any_ssrc key, the most recently announced key
 * is tried exactly once (on the same packet, restored if the trial fails);
 * if it works it becomes that SSRC's current key (this is also how an SSRC
 * change with the same key is followed, draft 4.4). An RTP packet that
 * fails that trial too is tried with its stream's next key when that one
 * takes over on use (KSRTP_INDEX_ON_USE below): keys per SSRC announced
 * one after the other (a bundle) leave only the last one "most recent".
 * The per-packet path allocates only when it installs a stream or a key.
 */
struct ksrtp_rx_limits {
	size_t max_streams; /* default KSRTP_RX_STREAMS_DEFAULT (when 0) */
};
struct ksrtp_rx;

/* l may be NULL (defaults). 0, -ERANGE (max_streams above
 * KSRTP_RX_STREAMS_MAX), -EINVAL, -ENOMEM, -EIO. */
int ksrtp_rx_alloc(struct ksrtp_rx **rp, const struct ksrtp_rx_limits *l);
/* Announce a key (draft 4.3: ssrc or any_ssrc, key, salt, roc, seq);
 * index = roc<<16|seq is its activation packet index, 0 = valid now.
 *   - known SSRC, index above its highest seen index: becomes "next"
 *     (replacing and wiping a previous next);
 *   - known SSRC otherwise: becomes current at once (the old current stays
 *     for packets below index when index > 0);
 *   - unknown SSRC: a new stream (-ENOBUFS past max_streams) whose index
 *     tracking starts at index; k is its current key, except when an
 *     any_ssrc key is held and index > 0: then the any_ssrc key (which
 *     served that SSRC so far) is current and k next;
 *   - any_ssrc: the key for SSRCs not otherwise known; streams created from
 *     an earlier any_ssrc key get it under the rules above.
 * Always remembered as the "most recently announced key". Copies k.
 * 0, -EINVAL, -ERANGE, -ENOBUFS, -ENOMEM, -EIO. */
int ksrtp_rx_add_key(struct ksrtp_rx *r, bool any_ssrc, uint32_t ssrc,
		     const struct ksrtp_keymat *k, uint64_t index);
/* An activation index at or past the last 48-bit packet index (KTR's roc
 * 2^32-1, seq 2^16-1): no stream reaches it, so the key takes over where a
 * packet first authenticates with it (the trial above), and it carries no
 * ROC: a stream created by such an announcement starts tracking from its
 * first packet, as for index 0. */
#define KSRTP_INDEX_ON_USE ((1ULL << 48) - 1)
/* Unprotect an SRTP packet in place; on success *len shrinks to the RTP
 * packet. 0, -EBADMSG (not RTP, too short), -EMSGSIZE (above
 * KSRTP_MAX_PKT), -ENOENT (no key for this SSRC), -EACCES (authentication
 * failed), -EALREADY (replayed or too old), -ENOBUFS (a new SSRC past
 * max_streams), -ENOMEM/-EIO. On failure the packet and *len are
 * unchanged. */
int ksrtp_rx_unprotect(struct ksrtp_rx *r, uint8_t *pkt, size_t *len);
/* SRTCP: uses the key the RTP stream of that SSRC currently uses; on an
 * authentication failure tries the other held key (next, else previous)
 * once. Same return codes. */
int ksrtp_rx_unprotect_rtcp(struct ksrtp_rx *r, uint8_t *pkt, size_t *len);

struct ksrtp_rx_stats {
	uint64_t ok;         /* packets (RTP + RTCP) unprotected */
	uint64_t auth_fail;  /* -EACCES results */
	uint64_t replay;     /* -EALREADY results */
	uint64_t no_key;     /* -ENOENT results */
	uint64_t switches;   /* next keys that became current at their index */
	uint64_t trial_hits; /* packets saved by a trial of another key */
};
void ksrtp_rx_stats(const struct ksrtp_rx *r, struct ksrtp_rx_stats *st);
/* Wipes every key. NULL accepted. */
void ksrtp_rx_free(struct ksrtp_rx *r);

#endif

/*
 * ktr: DTLS-SRTP Key Transport (draft-wing-avt-dtls-srtp-key-transport-02).
 *
 * Three layers behind this one header:
 *   - the wire codec (ktr_wire.c): the 12-byte KeyTransport header of
 *     Figure 11 and the body of each primitive, in the exact layout written
 *     down in docs/ktr-wire.md;
 *   - fragmentation and reassembly (ktr_frag.c), section 4.5;
 *   - the protocol state machine (ktr_sess.c), Figure 10 and section 4.3.
 *
 * The codec and reassembler never see a socket; the session sends records
 * through a callback and takes "now" as a parameter.
 */
#ifndef KTRSBC_KTR_H
#define KTRSBC_KTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/*
 * The draft's srtp_key_transport content type has no code point, and
 * OpenSSL 3 cannot send or accept records of a new content type (an unknown
 * authenticated record type is a fatal alert). KTR messages therefore travel
 * as DTLS application_data records on an association that negotiated the
 * key_transport extension. This is the one place that says so.
 */
#define KTR_CONTENT_TYPE 23 /* TLS ContentType application_data */

/* Default TLS extension code point for key_transport, in the private-use
 * range; 0xFF01 is renegotiation_info and must not be used. */
#define KTR_EXT_TYPE_DEFAULT 0xFF7Au

/* Figure 11 SRTPKeyTransportType. */
enum ktr_type {
	KTR_NEW_SRTP_KEY_REQUEST = 0,
	KTR_YOUR_NEW_SRTP_KEY = 1,
	KTR_NEW_SRTP_KEY = 2,
	KTR_NEW_SRTP_KEY_ACTIVATE = 3,
	KTR_LKH_NET_KEY = 4,
	KTR_NEW_SRTP_KEY_FAILURE = 128,
};

/* Wire sizes and ranges (docs/ktr-wire.md). */
#define KTR_HDR_LEN 12
#define KTR_RANDOM_LEN 8 /* uint random<64>: 64 bits */
#define KTR_KEY_MIN 16
#define KTR_KEY_MAX 32
#define KTR_TAG_MIN 4
#define KTR_TAG_MAX 16
#define KTR_SALT_AEAD 12 /* RFC 7714 */
#define KTR_SALT_CM 14 /* RFC 3711: salt<112> */
#define KTR_SALT_MAX 14
#define KTR_LKH_MIN 16 /* lkhnetkey<128..1024> bits */
#define KTR_LKH_MAX 128
#define KTR_FLAG_ANY_SSRC 0x01u

/* new_srtp_key_failure reasons (the draft's struct is empty; we name one). */
enum ktr_fail_reason {
	KTR_FAIL_KEY_PARAMS = 1, /* lengths do not match the negotiated profile */
	KTR_FAIL_UNSUPPORTED = 2, /* primitive not supported by this endpoint */
	KTR_FAIL_STATE = 3, /* cannot act on it now (e.g. not sending) */
	KTR_FAIL_INTERNAL = 4, /* local failure (CSPRNG, memory) */
};

struct ktr_hdr {
	uint8_t type;
	uint32_t length; /* u24: length of the whole body */
	uint16_t message_seq;
	uint32_t frag_off; /* u24 */
	uint32_t frag_len; /* u24 */
};

/* Key parameters shared by your_new_srtp_key and new_srtp_key. */
struct ktr_keyparams {
	bool any_ssrc;
	uint32_t ssrc; /* 0 on the wire when any_ssrc */
	uint8_t key_len; /* 16, 24 or 32 */
	uint8_t key[KTR_KEY_MAX];
	uint8_t tag_len; /* 4..16 */
	uint8_t salt_len; /* 12 (AEAD) or 14 (AES-CM) */
	uint8_t salt[KTR_SALT_MAX];
};

struct ktr_msg {
	uint8_t type; /* enum ktr_type */
	uint16_t message_seq;
	union {
		struct {
			uint8_t random[KTR_RANDOM_LEN];
		} request;
		struct {
			struct ktr_keyparams kp;
			uint8_t random[KTR_RANDOM_LEN];
		} your_key;
		struct {
			struct ktr_keyparams kp;
			uint32_t roc;
			uint16_t seq; /* key takes effect at index roc<<16|seq */
			uint8_t random[KTR_RANDOM_LEN];
		} new_key;
		struct {
			uint16_t acked_seq; /* message_seq acknowledged */
			bool any_ssrc;
			uint32_t ssrc;
			uint8_t random[KTR_RANDOM_LEN];
		} activate;
		struct {
			uint8_t len;
			uint8_t key[KTR_LKH_MAX];
		} lkh;
		struct {
			uint16_t ref_seq; /* message_seq refused */
			uint8_t reason; /* enum ktr_fail_reason */
		} failure;
	} u;
};

/* --- codec (ktr_wire.c) ---------------------------------------------- */

/* Name of a type for logs ("new_srtp_key", ...); "unknown" otherwise. */
const char *ktr_type_name(uint8_t type);
/* What a new_srtp_key_failure reason means, for logs; "unknown reason"
 * for a code this endpoint does not define. */
const char *ktr_fail_reason_name(uint8_t reason);

/* Read a 12-byte header. 0, -ENODATA (short) or -EBADMSG when
 * frag_off + frag_len > length. Does not look at the body. */
int ktr_hdr_decode(struct buf_rd *r, struct ktr_hdr *h);
int ktr_hdr_encode(struct buf_wr *w, const struct ktr_hdr *h);

/* Encode m's body (no header). 0 or -ENOSPC/-EINVAL/-ERANGE/-ENOMSG. */
int ktr_body_encode(struct buf_wr *w, const struct ktr_msg *m);
/* Decode a complete body of the given type; trailing bytes are an error.
 * 0, -ENODATA (truncated), -EBADMSG (bad field, trailing bytes), -ERANGE
 * (a length outside its range), -ENOMSG (unknown type). m->message_seq is
 * left to the caller. On failure m holds no key material. */
int ktr_body_decode(uint8_t type, const uint8_t *body, size_t len,
		    struct ktr_msg *m);

/* Whole unfragmented message: header (offset 0, length = fragment length)
 * followed by the body. *out_len receives the size written. */
int ktr_msg_encode(const struct ktr_msg *m, uint8_t *out, size_t cap,
		   size_t *out_len);
/* Decode one record that holds an unfragmented message. */
int ktr_msg_decode(const uint8_t *in, size_t len, struct ktr_msg *m);

/* Wipe any key material held in m. */
void ktr_msg_wipe(struct ktr_msg *m);

/* --- fragmentation and reassembly (ktr_frag.c), section 4.5 ---------- */

/* Called once per record to send; returns 0 or a negative error that stops
 * the split. */
typedef int (*ktr_emit_h)(void *arg, const uint8_t *rec, size_t len);

/* Encode m and emit it as records of at most KTR_HDR_LEN + max_frag bytes,
 * each a header plus one contiguous, non-overlapping fragment. max_frag >= 1.
 * 0 or the first error from encoding or from emit. */
int ktr_frag_send(const struct ktr_msg *m, size_t max_frag, ktr_emit_h emit,
		  void *arg);

struct ktr_reasm_limits {
	size_t max_msg; /* largest body accepted (default 512) */
	size_t max_pending; /* partial messages held at once (default 4) */
	uint64_t expire_ms; /* a partial message older than this is dropped */
};

struct ktr_reasm;

/* Limits NULL, or a zero field, means the defaults above; expire_ms default
 * 5000. 0, -EINVAL (rp NULL, max_msg > 2^24-1, max_pending > 256), -ENOMEM;
 * *rp is NULL on failure. */
int ktr_reasm_alloc(struct ktr_reasm **rp, const struct ktr_reasm_limits *l);
/* Frees and wipes every pending fragment. NULL is fine. */
void ktr_reasm_free(struct ktr_reasm *r);

/*
 * Feed one received record holding exactly one fragment. Returns 1 and
 * fills *m (message_seq included) when a message became complete, 0 when
 * more fragments are needed, or a negative error; an error never disturbs
 * other pending messages except the one the bad fragment contradicts, which
 * is dropped:
 *   -ENODATA/-EBADMSG malformed record or body, -EMSGSIZE length > max_msg,
 *   -EPROTO fragment contradicts what is held for that message_seq
 *   (different type or total length, overlap with different bytes),
 *   -ENOBUFS max_pending partial messages already held,
 *   -ERANGE/-ENOMSG from the body decoder.
 */
int ktr_reasm_input(struct ktr_reasm *r, const uint8_t *rec, size_t len,
		    uint64_t now_ms, struct ktr_msg *m);
/* Drop partial messages older than expire_ms; returns how many. */
size_t ktr_reasm_expire(struct ktr_reasm *r, uint64_t now_ms);
size_t ktr_reasm_pending(const struct ktr_reasm *r);


/* --- the protocol session (ktr_sess.c), Figure 10 and section 4.3 ----- */

/*
 * One session per DTLS association that negotiated key_transport. It speaks
 * every primitive: as a speaker it announces its own sending keys
 * (new_srtp_key, retransmitted with backoff until new_srtp_key_activate names
 * it, given up after a bound); as a listener it reports the peer's keys and
 * acknowledges them; it answers your_new_srtp_key by announcing that key as
 * its own, and new_srtp_key_request by a fresh key from the CSPRNG. It never
 * touches SRTP itself: the owner installs keys from the events.
 */
struct ktr_sess_cfg {
	bool negotiated; /* key_transport echoed in the handshake */
	uint8_t key_len, salt_len, tag_len; /* of the negotiated profile */
	size_t max_frag; /* largest fragment body per record; 0 = 1024 */
	struct ktr_reasm_limits reasm; /* zeros = defaults */
	uint32_t rtx_initial_ms; /* first retransmission; 0 = 250 */
	uint32_t rtx_max_ms; /* backoff ceiling; 0 = 2000 */
	unsigned rtx_limit; /* sends before giving up; 0 = 8 */
	uint32_t activate_ahead; /* packets between announce and switch;
				    0 = 50 (one second of 20 ms frames) */
	/* Listener policy of an endpoint that stops taking its peer's keys
	 * after accept_keys of them (0: from the first): refuse_keys answers
	 * every later new_srtp_key with new_srtp_key_failure
	 * (KTR_FAIL_STATE); deaf ignores every KTR record from then on (no
	 * answer at all, so the peer's retransmissions give up). Off by
	 * default; what ktrua --ktr-refuse-after / --ktr-deaf-after set to
	 * exercise a speaker's failure handling (the SBC's). */
	bool refuse_keys, deaf;
	unsigned accept_keys;
};

enum ktr_event_type {
	KTR_EV_PEER_KEY, /* peer's new sending key: kp, index (listener) */
	KTR_EV_LOCAL_KEY, /* our next sending key: kp, index (speaker) */
	KTR_EV_ACTIVATED, /* peer acknowledged our new_srtp_key */
	KTR_EV_GAVE_UP, /* a message was never acknowledged: err */
	KTR_EV_PEER_FAILURE, /* peer refused message_seq: reason */
	KTR_EV_LKH_NET_KEY, /* lkh_net_key received (refused: no LKH here) */
	KTR_EV_BAD_INPUT, /* malformed or contradicting input: err */
};

struct ktr_event {
	enum ktr_event_type type;
	int err;
	uint16_t message_seq;
	uint8_t reason;
	/* GAVE_UP, PEER_FAILURE: the type of our message that was never
	 * answered or was refused (enum ktr_type). */
	uint8_t msg_type;
	const struct ktr_keyparams *kp; /* valid during the callback only */
	uint64_t index; /* activation packet index roc<<16|seq */
};

struct ktr_sess_ops {
	/* Send one record as DTLS application_data. 0 or negative error. */
	int (*send)(void *arg, const uint8_t *rec, size_t len);
	/* Our sending stream: SSRC and the index of the next RTP packet we
	 * will send. -ENOENT when we do not send (recvonly). */
	int (*tx_state)(void *arg, uint32_t *ssrc, uint64_t *next_index);
	/* Optional, for a speaker of several streams on one association
	 * (BUNDLE, RFC 9143): whether we send ssrc as well as tx_state's, and
	 * that stream's next index. 0, or -ENOENT when we do not send it. A
	 * your_new_srtp_key naming such an SSRC (draft 4.4: keys are per
	 * SSRC) is answered with a new_srtp_key for that SSRC. */
	int (*tx_ssrc)(void *arg, uint32_t ssrc, uint64_t *next_index);
	void (*event)(void *arg, const struct ktr_event *ev);
};

struct ktr_sess;

int ktr_sess_alloc(struct ktr_sess **sp, const struct ktr_sess_cfg *cfg,
		   const struct ktr_sess_ops *ops, void *arg);
/* Wipes every key held (outstanding messages included). NULL is fine. */
void ktr_sess_free(struct ktr_sess *s);

/*
 * Announce a new sending key (section 4.3.1): kp NULL picks a fresh key and
 * salt from the CSPRNG for our SSRC; otherwise kp is announced as given
 * (SSRC change of section 4.4: same key, new SSRC). The activation index is
 * tx_state's next index plus activate_ahead; KTR_EV_LOCAL_KEY tells the
 * owner before this returns. Supersedes an unacknowledged announcement.
 * -ENOTSUP (nothing sent) when key_transport was not negotiated.
 */
int ktr_sess_announce(struct ktr_sess *s, const struct ktr_keyparams *kp,
		      uint64_t now_ms);
/* The last packet index the wire can name (roc<32> = 2^32 - 1, sequence<16>
 * = 2^16 - 1): a key announced there takes effect at no index a stream
 * reaches, only where a listener finds it in use (section 4.3.4 trial). */
#define KTR_INDEX_LAST ((1ULL << 48) - 1)
/* ktr_sess_announce with the activation index given (roc<<16|seq, at most
 * KTR_INDEX_LAST) instead of tx_state's next index plus activate_ahead: for
 * a speaker on behalf of a sender whose switch it cannot know (the SBC for
 * an RFC 4568 UA, relay.h). tx_state still names the SSRC. -ERANGE for an
 * index above KTR_INDEX_LAST. */
int ktr_sess_announce_at(struct ktr_sess *s, const struct ktr_keyparams *kp,
			 uint64_t index, uint64_t now_ms);
/* ktr_sess_announce for another SSRC we send on this association (BUNDLE,
 * draft 4.4: keys are per SSRC): its next index from tx_ssrc; -ENOENT when
 * tx_ssrc knows no such stream. */
int ktr_sess_announce_ssrc(struct ktr_sess *s, const struct ktr_keyparams *kp,
			   uint32_t ssrc, uint64_t now_ms);
/* Dictate the peer's sending key (your_new_srtp_key); kp NULL = fresh
 * random key for any SSRC. The copy in *out (may be NULL) is what the peer
 * will use. Retransmitted until the peer's new_srtp_key echoes it. */
int ktr_sess_dictate(struct ktr_sess *s, const struct ktr_keyparams *kp,
		     struct ktr_keyparams *out, uint64_t now_ms);
/* Ask the peer to choose a new key (new_srtp_key_request). */
int ktr_sess_request(struct ktr_sess *s, uint64_t now_ms);

/* One received application_data record. 0, or the negative error of bad
 * input (also reported as KTR_EV_BAD_INPUT); the session keeps working. */
int ktr_sess_input(struct ktr_sess *s, const uint8_t *rec, size_t len,
		   uint64_t now_ms);
/* Milliseconds until ktr_sess_timer is due, -1 when nothing is pending. */
int64_t ktr_sess_timeout_ms(const struct ktr_sess *s, uint64_t now_ms);
/* Retransmit what is due, expire partial messages. */
void ktr_sess_timer(struct ktr_sess *s, uint64_t now_ms);
/* True while an announcement, dictation or request awaits its answer. */
bool ktr_sess_busy(const struct ktr_sess *s);
/* True once the listener policy (cfg.refuse_keys / cfg.deaf) is in force. */
bool ktr_sess_refusing(const struct ktr_sess *s);

#endif

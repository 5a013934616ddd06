/*
 * stun: the STUN message codec (RFC 8489) and the ICE-lite responder
 * (RFC 8445 2.5, 7.3) with consent-freshness bookkeeping (RFC 7675).
 *
 * Three parts behind this one header:
 *   - the codec (stun_msg.c): decoding a datagram into a struct stun_msg
 *     that borrows the datagram, typed attribute getters, the
 *     MESSAGE-INTEGRITY (14.5) and FINGERPRINT (14.7) checks;
 *   - the builder (stun_build.c): a message written into caller memory,
 *     attribute by attribute, ending with MESSAGE-INTEGRITY and
 *     FINGERPRINT; Binding success and error responses on top of it;
 *   - the ICE-lite responder (stun_ice.c): given one received datagram, its
 *     source address and the ICE credentials, a verdict and the response to
 *     send, written into a caller-provided buffer; the nominated address
 *     and the time of the last valid request from it (consent).
 *
 * Nothing here opens a socket, reads a clock or allocates per message: the
 * caller passes "now" (base/clk.h) and the memory (the HMAC-SHA1 is
 * OpenSSL's one-shot HMAC(), which allocates inside OpenSSL; STUN is
 * answered beside the forwarding path, never on it). Every read and write
 * goes through base/buf. Errors follow base/err.h. A struct stun_ice is
 * used by one thread at a time (the relay worker that owns its leg).
 *
 * Used by the relay worker that owns a DTLS leg (src/relay/relay_ice.c;
 * one struct stun_ice per leg, which is one component: the DTLS side
 * muxes RTP and RTCP):
 *   - leg set-up: stun_ice_alloc, stun_ice_set_creds (our ufrag and pwd,
 *     the peer's ufrag);
 *   - each datagram that RFC 7983 classifies as STUN (ksrtp_demux_class()
 *     == KSRTP_DEMUX_STUN, first byte 0..3): stun_ice_input; send
 *     resp_len bytes back to the source when non-zero; on
 *     STUN_ICE_NOMINATED with new_address, (re)latch the peer to the
 *     source; any verdict other than VALID / NOMINATED is a drop to count
 *     and log (stun_ice_verdict_name);
 *   - its timer: stun_ice_consent_expired -> stop media toward the peer and
 *     log why;
 *   - a re-offer with new credentials (ICE restart): stun_ice_set_creds.
 *
 * The local ICE password is the short-term credential's key (RFC 8489
 * 9.1.1, RFC 8445 7.2.2): the responder keeps a copy, wipes it (sec_wipe)
 * when replaced or freed, and never logs it.
 */
#ifndef KTRSBC_STUN_H
#define KTRSBC_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/buf.h"

/* --- wire constants (RFC 8489 5, 14, 18; RFC 8445 16.1) ------------------ */

#define STUN_HDR_LEN 20
#define STUN_MAGIC_COOKIE 0x2112A442u
#define STUN_TID_LEN 12
#define STUN_HMAC_SHA1_LEN 20 /* MESSAGE-INTEGRITY value */
#define STUN_FP_XOR 0x5354554Eu /* FINGERPRINT: CRC-32 XOR "STUN" */

/* Classes (RFC 8489 5): the two C bits, already at their place in the
 * 14-bit type (C1 at bit 8, C0 at bit 4). */
#define STUN_CLASS_REQUEST 0x0000u
#define STUN_CLASS_INDICATION 0x0010u
#define STUN_CLASS_SUCCESS 0x0100u
#define STUN_CLASS_ERROR 0x0110u
#define STUN_CLASS_MASK 0x0110u
#define STUN_METHOD_BINDING 0x001u

#define STUN_BINDING_REQUEST (STUN_METHOD_BINDING | STUN_CLASS_REQUEST)
#define STUN_BINDING_SUCCESS (STUN_METHOD_BINDING | STUN_CLASS_SUCCESS)
#define STUN_BINDING_ERROR (STUN_METHOD_BINDING | STUN_CLASS_ERROR)

/* Attribute types. 0x0000-0x7FFF are comprehension-required, 0x8000-0xFFFF
 * comprehension-optional (RFC 8489 14). */
enum stun_attr_type {
	STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	STUN_ATTR_USERNAME = 0x0006,
	STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	STUN_ATTR_ERROR_CODE = 0x0009,
	STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
	STUN_ATTR_REALM = 0x0014,
	STUN_ATTR_NONCE = 0x0015,
	STUN_ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C, /* known, ignored */
	STUN_ATTR_PASSWORD_ALGORITHM = 0x001D,
	STUN_ATTR_USERHASH = 0x001E,
	STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	STUN_ATTR_PRIORITY = 0x0024, /* RFC 8445 16.1 */
	STUN_ATTR_USE_CANDIDATE = 0x0025,
	STUN_ATTR_PASSWORD_ALGORITHMS = 0x8002,
	STUN_ATTR_ALTERNATE_DOMAIN = 0x8003,
	STUN_ATTR_SOFTWARE = 0x8022,
	STUN_ATTR_ALTERNATE_SERVER = 0x8023,
	STUN_ATTR_FINGERPRINT = 0x8028,
	STUN_ATTR_ICE_CONTROLLED = 0x8029,
	STUN_ATTR_ICE_CONTROLLING = 0x802A,
};

/* Error codes the responder writes (RFC 8489 14.8, RFC 8445 16.1). */
#define STUN_ERR_BAD_REQUEST 400
#define STUN_ERR_UNAUTHENTICATED 401
#define STUN_ERR_UNKNOWN_ATTRIBUTE 420
#define STUN_ERR_ROLE_CONFLICT 487

/* --- named limits ----------------------------------------------------------
 * STUN_MSG_MAX: the largest datagram decoded. RFC 8489 6.1 asks senders to
 * stay under the path MTU; an ICE Binding request is 100-200 bytes, so
 * anything past an Ethernet MTU is refused before a byte is read.
 * STUN_ATTR_MAX: attributes in one message (a browser's Binding request
 * carries about seven).
 * STUN_USERNAME_MAX (RFC 8489 14.3), STUN_REASON_MAX (14.8): value limits.
 * STUN_ICE_UFRAG_MIN/MAX, STUN_ICE_PWD_MIN/MAX: RFC 8839 5.4.
 */
#define STUN_MSG_MAX 1500
#define STUN_ATTR_MAX 32
#define STUN_USERNAME_MAX 513
#define STUN_REASON_MAX 763
#define STUN_ICE_UFRAG_MIN 4
#define STUN_ICE_UFRAG_MAX 256
#define STUN_ICE_PWD_MIN 22
#define STUN_ICE_PWD_MAX 256

/* RFC 7675 5.1: consent expires 30 s after the last valid check. */
#define STUN_CONSENT_TIMEOUT_MS 30000u

/* Type helpers (RFC 8489 5): the class and method bits of a 14-bit type. */
static inline uint16_t stun_type_class(uint16_t type)
{
	return type & STUN_CLASS_MASK;
}
static inline uint16_t stun_type_method(uint16_t type)
{
	return (uint16_t)((type & 0x000F) | ((type & 0x00E0) >> 1) |
			  ((type & 0x3E00) >> 2));
}

/* RFC 7983 7: a datagram whose first byte is 0..3 is STUN; the demux test
 * itself is ksrtp_demux_class() (srtp/ksrtp.h), which the relay already
 * runs on every datagram. */

/* --- the codec (stun_msg.c) ---------------------------------------------- */

/* One attribute: its type, and where its value lies in the message. */
struct stun_attr {
	uint16_t type;
	uint16_t len; /* value length, without padding */
	uint16_t off; /* offset of the value from the start of the message */
};

/*
 * A decoded message. It borrows the datagram (raw): the caller keeps it
 * alive and unchanged while the struct is used. Read it through the
 * functions below; the fields are public only so that it can live on the
 * caller's stack.
 *
 * attr[] holds the attributes up to MESSAGE-INTEGRITY and the
 * MESSAGE-INTEGRITY and FINGERPRINT attributes themselves; the others that
 * follow MESSAGE-INTEGRITY are ignored as RFC 8489 14.5 requires (they are
 * not covered by the integrity check) and appear nowhere.
 */
struct stun_msg {
	const uint8_t *raw;
	size_t len; /* STUN_HDR_LEN + the header's length field */
	uint16_t type;
	uint8_t tid[STUN_TID_LEN];
	size_t n_attr;
	struct stun_attr attr[STUN_ATTR_MAX];
	/* Offsets of the MESSAGE-INTEGRITY / FINGERPRINT attribute headers;
	 * 0 when absent (no attribute starts inside the header). */
	size_t mi_off, fp_off;
	/* Unknown comprehension-required types, first occurrence each, in
	 * message order: what a 420 response lists (RFC 8489 6.3.1). */
	size_t n_unknown;
	uint16_t unknown[STUN_ATTR_MAX];
};

/*
 * Decode one whole datagram (RFC 8489 5, 6.3, 14). Checks, in this order:
 * the size limit (-EMSGSIZE above STUN_MSG_MAX), the 20-byte header
 * (-ENODATA when shorter), the top two bits zero and the magic cookie
 * (-EBADMSG), the length field (a multiple of 4, and equal to the datagram
 * less the header: -EBADMSG), then each attribute: its value and padding
 * inside the message (-EBADMSG), at most STUN_ATTR_MAX of them
 * (-EMSGSIZE), nothing after FINGERPRINT (14.7: it is last; -EBADMSG), and
 * the length and contents of every attribute this codec knows (-EBADMSG:
 * e.g. MESSAGE-INTEGRITY of other than 20 bytes, an XOR-MAPPED-ADDRESS of
 * an unknown family, an ERROR-CODE class outside 3..6). Padding bytes are
 * ignored whatever their value (RFC 8489 14).
 * Unknown comprehension-optional attributes are kept in attr[] and
 * otherwise skipped; unknown comprehension-required ones are listed in
 * unknown[] for the caller's 420. Integrity and fingerprint values are not
 * checked here (see below). On failure *m is unspecified.
 */
int stun_msg_decode(struct stun_msg *m, const uint8_t *pkt, size_t len);

/* The first occurrence of an attribute: 0 and its value (borrowed from the
 * datagram; *val may be NULL for an empty value), or -ENOENT. */
int stun_msg_attr(const struct stun_msg *m, uint16_t type,
		  const uint8_t **val, size_t *len);
static inline bool stun_msg_has(const struct stun_msg *m, uint16_t type)
{
	return stun_msg_attr(m, type, NULL, NULL) == 0;
}
/* Typed getters for the first occurrence (the decoder checked the
 * lengths): 0 or -ENOENT. */
int stun_msg_u32(const struct stun_msg *m, uint16_t type, uint32_t *v);
int stun_msg_u64(const struct stun_msg *m, uint16_t type, uint64_t *v);
/* XOR-MAPPED-ADDRESS (RFC 8489 14.2) as a sockaddr_in or sockaddr_in6;
 * 0 or -ENOENT. */
int stun_msg_xor_addr(const struct stun_msg *m, struct sockaddr_storage *sa);
/* ERROR-CODE (14.8): the code (class * 100 + number) and the reason
 * phrase, borrowed, not NUL-terminated. 0 or -ENOENT. */
int stun_msg_error_code(const struct stun_msg *m, uint16_t *code,
			const uint8_t **reason, size_t *reason_len);

/* FINGERPRINT (RFC 8489 14.7): 0 when present and equal to the CRC-32 of
 * the message before it XOR 0x5354554e; -ENOENT when absent; -EBADMSG when
 * wrong. */
int stun_msg_check_fingerprint(const struct stun_msg *m);
/* MESSAGE-INTEGRITY (14.5): 0 when present and equal to HMAC-SHA1(key,
 * the message up to it, with the header's length field set to end just
 * after it); -ENOENT when absent; -EKEYREJECTED when wrong; -EIO when
 * OpenSSL fails. Compared in constant time. For short-term credentials
 * (ICE) key is the password (9.1.1); for long-term credentials the caller
 * passes MD5(username ":" realm ":" password) (9.2.2). */
int stun_msg_check_integrity(const struct stun_msg *m, const uint8_t *key,
			     size_t key_len);

/* CRC-32 (ISO 3309 / ITU-T V.42, as zlib's crc32), the FINGERPRINT's
 * checksum before the XOR. */
uint32_t stun_crc32(const uint8_t *p, size_t n);

/* --- the builder (stun_build.c) ------------------------------------------ */

/*
 * A message written into caller memory. Every call is all-or-nothing: on
 * failure the message written so far is unchanged (an attribute that does
 * not fit is not half written), and the call returns -ENOSPC; -EINVAL for a
 * bad argument; -EPROTO for an attribute after FINGERPRINT or an attribute
 * other than FINGERPRINT after MESSAGE-INTEGRITY (RFC 8489 14.5, 14.7).
 * The header's length field is kept current after every call, so the
 * memory holds a complete message at any point. Padding is written as
 * zeros.
 */
struct stun_builder {
	struct buf_wr w; /* the whole message, header included */
	uint16_t type;
	uint8_t tid[STUN_TID_LEN];
	bool has_mi, has_fp;
};

/* Start a message of the given 14-bit type (-EINVAL above 0x3FFF) with
 * transaction id tid (STUN_TID_LEN bytes). -ENOSPC below STUN_HDR_LEN. */
int stun_build_start(struct stun_builder *b, void *out, size_t cap,
		     uint16_t type, const uint8_t *tid);
/* One attribute of len bytes (val may be NULL when len is 0); -EINVAL when
 * len > 0xFFFF. Any type is written as given: a MESSAGE-INTEGRITY or
 * FINGERPRINT written this way is not computed and does not close the
 * message (the tests write malformed messages so). */
int stun_build_attr(struct stun_builder *b, uint16_t type, const void *val,
		    size_t len);
int stun_build_u32(struct stun_builder *b, uint16_t type, uint32_t v);
int stun_build_u64(struct stun_builder *b, uint16_t type, uint64_t v);
/* XOR-MAPPED-ADDRESS from a sockaddr_in or sockaddr_in6; an IPv4-mapped
 * IPv6 address (::ffff:a.b.c.d, as a dual-stack socket reports an IPv4
 * peer) is written as IPv4, the family the peer sent from. -EINVAL for
 * another family. */
int stun_build_xor_addr(struct stun_builder *b, uint16_t type,
			const struct sockaddr *sa);
/* ERROR-CODE: code 300..699 (-EINVAL otherwise), reason (UTF-8, at most
 * STUN_REASON_MAX bytes). */
int stun_build_error_code(struct stun_builder *b, uint16_t code,
			  const char *reason);
/* UNKNOWN-ATTRIBUTES (14.9): n types, n >= 1. */
int stun_build_unknown(struct stun_builder *b, const uint16_t *types,
		       size_t n);
/* MESSAGE-INTEGRITY over what is written, with the length field covering
 * it (14.5). -EIO when OpenSSL fails. */
int stun_build_integrity(struct stun_builder *b, const uint8_t *key,
			 size_t key_len);
/* FINGERPRINT, the last attribute (14.7). */
int stun_build_fingerprint(struct stun_builder *b);
static inline size_t stun_build_len(const struct stun_builder *b)
{
	return b->w.len;
}

/*
 * Responses for a short-term credential (ICE) check. tid is the request's
 * transaction id; key/key_len the local ICE password.
 * stun_binding_success: XOR-MAPPED-ADDRESS of mapped, MESSAGE-INTEGRITY,
 * FINGERPRINT (RFC 8445 7.3.1.4 with RFC 8489 9.1.4 and 14.7).
 * stun_binding_error: ERROR-CODE with the RFC 8489 14.8 reason phrase,
 * for 420 the unknown types (UNKNOWN-ATTRIBUTES; n_unknown >= 1), then
 * MESSAGE-INTEGRITY when key is not NULL, then FINGERPRINT. RFC 8489 9.1.3:
 * a 400 or 401 answers a request that could not be authenticated and
 * carries no MESSAGE-INTEGRITY; the caller passes key NULL for those.
 * Both return the message length (> 0) or -ENOSPC/-EINVAL/-EIO.
 */
int stun_binding_success(void *out, size_t cap, const uint8_t *tid,
			 const struct sockaddr *mapped, const uint8_t *key,
			 size_t key_len);
int stun_binding_error(void *out, size_t cap, const uint8_t *tid,
		       uint16_t code, const uint16_t *unknown,
		       size_t n_unknown, const uint8_t *key, size_t key_len);
/* The RFC 8489 14.8 / RFC 8445 16.1 reason phrase for a code, or "Error". */
const char *stun_error_reason(uint16_t code);

/* --- the ICE-lite responder (stun_ice.c) --------------------------------- */

/*
 * What a received datagram was; each value is a counter of the responder
 * (stun_ice_count). Checks, in the order RFC 8489 6.3 and 9.1.3 and RFC
 * 8445 7.3 give them; the first that fails is the verdict.
 */
enum stun_ice_verdict {
	/* A valid Binding request: the success response is written. */
	STUN_ICE_VALID = 0,
	/* The same with USE-CANDIDATE (RFC 8445 7.3.1.5): the source is
	 * now the nominated address. */
	STUN_ICE_NOMINATED,
	/* Not a STUN message (size, header, cookie, length, attribute
	 * framing; RFC 8489 6.3): dropped. */
	STUN_ICE_MALFORMED,
	/* FINGERPRINT absent or wrong: RFC 8445 7 requires it on every
	 * check, and a wrong one means "not STUN" (RFC 8489 14.7):
	 * dropped. */
	STUN_ICE_BAD_FINGERPRINT,
	/* A response, an indication or another method: dropped (a lite
	 * agent sends no requests, RFC 8445 2.5, so expects no response). */
	STUN_ICE_NOT_REQUEST,
	/* The next three fail authentication (RFC 8489 9.1.3): dropped, or
	 * answered with the error named when stun_ice_set_answer_auth_errors
	 * asks for it. USERNAME or MESSAGE-INTEGRITY absent: 400. */
	STUN_ICE_NO_CREDENTIALS,
	/* USERNAME is not "local_ufrag:remote_ufrag": 401. */
	STUN_ICE_UNKNOWN_USER,
	/* MESSAGE-INTEGRITY does not match the local password: 401. */
	STUN_ICE_BAD_INTEGRITY,
	/* Authenticated, but an unknown comprehension-required attribute:
	 * 420 with UNKNOWN-ATTRIBUTES (RFC 8489 6.3.1). */
	STUN_ICE_UNKNOWN_ATTRIBUTE,
	/* Authenticated, with ICE-CONTROLLED: the peer is controlled too.
	 * 487 (RFC 8445 7.3.1.1); the lite agent keeps its role. */
	STUN_ICE_ROLE_CONFLICT,
	STUN_ICE_VERDICTS /* count, not a verdict */
};

struct stun_ice_result {
	enum stun_ice_verdict verdict;
	/* Bytes written to out: the response to send back to the source,
	 * or 0 for none. */
	size_t resp_len;
	/* 0 for a success response or none; else the ERROR-CODE written
	 * (or, under the default policy, that would have been). */
	uint16_t error_code;
	/* From an authenticated request (VALID, NOMINATED, ROLE_CONFLICT,
	 * UNKNOWN_ATTRIBUTE): PRIORITY (0 when absent) and USE-CANDIDATE. */
	uint32_t priority;
	bool use_candidate;
	/* NOMINATED only: the nominated address differs from the one
	 * before (the first nomination, or the peer moved). */
	bool new_address;
};

/* The responder of one ICE session (one DTLS leg, one component). */
struct stun_ice;

/* 0 or -ENOMEM (-EINVAL when ip is NULL). */
int stun_ice_alloc(struct stun_ice **ip);
/* Wipes the password. NULL is fine. */
void stun_ice_free(struct stun_ice *ice);

/*
 * Set (or, on ICE restart, replace: RFC 8445 9) the credentials. The local
 * ufrag and pwd are ours (the SDP we sent), remote_ufrag the peer's; NULL
 * while the peer's description has not arrived yet, when a request's
 * USERNAME must be "local_ufrag:" and a non-empty rest (RFC 8445 7.3: the
 * MESSAGE-INTEGRITY with the local password is what authenticates it).
 * Each must be ice-chars (ALPHA / DIGIT / "+" / "/") of the RFC 8839 5.4
 * lengths: -EINVAL otherwise, and nothing changes. A restart keeps the
 * nominated address and its consent: RFC 8445 9 keeps media on the
 * previous pair until the new checks nominate one.
 */
int stun_ice_set_creds(struct stun_ice *ice, const char *local_ufrag,
		       const char *local_pwd, const char *remote_ufrag);

/*
 * Answer the unauthenticated errors (400, 401) or not. RFC 8489 9.1.3 has
 * a server reject such a request with an error response; an ICE-lite SBC
 * drops it by default instead (false): the source is unverified, and
 * answering spoofed sources turns the relay into a reflector. The verdict
 * and its counter are the same either way.
 */
void stun_ice_set_answer_auth_errors(struct stun_ice *ice, bool answer);

/*
 * Judge one datagram received from src (a sockaddr_in or sockaddr_in6;
 * srclen its size) at now_ms, and write the response, if any, into out
 * (cap bytes; STUN_MSG_MAX is always enough). Fills *res and counts the
 * verdict. A valid request refreshes consent when it comes from the
 * nominated address; a nominated one (USE-CANDIDATE) makes its source the
 * nominated address and refreshes consent.
 * 0; -EINVAL for a NULL argument, an unusable src or no credentials yet
 * (nothing counted); -EIO when OpenSSL cannot compute the request's HMAC
 * (nothing counted); -ENOSPC (or -EIO) when the response cannot be written:
 * res->verdict is set and counted, resp_len is 0, the state is updated as
 * for 0.
 */
int stun_ice_input(struct stun_ice *ice, const uint8_t *pkt, size_t len,
		   const struct sockaddr *src, socklen_t srclen,
		   uint64_t now_ms, uint8_t *out, size_t cap,
		   struct stun_ice_result *res);

/* Datagrams judged with verdict v so far (0 for an out-of-range v). */
uint64_t stun_ice_count(const struct stun_ice *ice, enum stun_ice_verdict v);
/* Name of a verdict for logs and counters ("valid", "bad_integrity", ...). */
const char *stun_ice_verdict_name(enum stun_ice_verdict v);

/* The nominated address (the peer's address as the latest valid nominated
 * check came from it): 0, or -ENOENT before the first nomination. */
int stun_ice_nominated(const struct stun_ice *ice,
		       struct sockaddr_storage *sa);
/* Time of the last valid request from the nominated address (0 before
 * any; the nomination itself counts). */
uint64_t stun_ice_last_valid_ms(const struct stun_ice *ice);
/*
 * RFC 7675 for a lite agent: it sends no consent checks of its own; the
 * peer's checks are its consent. true when there is a nominated address
 * and no valid request has come from it for STUN_CONSENT_TIMEOUT_MS: media
 * toward it must stop. A later valid request from it (a peer that never
 * stopped checking, or one that came back) makes this false again, and a
 * valid nomination from elsewhere moves the consent there. false before
 * any nomination (there is nowhere to send yet).
 */
bool stun_ice_consent_expired(const struct stun_ice *ice, uint64_t now_ms);
/* The consent timeout in ms; 0 restores RFC 7675's 30 s
 * (STUN_CONSENT_TIMEOUT_MS). Shorter values are for tests. */
void stun_ice_set_consent_timeout(struct stun_ice *ice, uint32_t ms);

#endif

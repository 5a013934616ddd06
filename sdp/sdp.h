/*
 * sdp: SDP (RFC 8866) parse/print, the security attributes the SBC works
 * with, and the SDES <-> DTLS-SRTP offer/answer rewriting of docs/design.md
 * "Interworking flows".
 *
 * Attributes understood (typed parsers, exact grammars):
 *   a=crypto            RFC 4568 9.1 (suites of RFC 4568, RFC 6188, RFC 7714)
 *   a=fingerprint       RFC 8122 5
 *   a=setup             RFC 4145 4
 *   a=dtls-srtp-ktr, a=dtls-srtp-ktr-server
 *                       draft-wing-avt-dtls-srtp-key-transport-02 4.6
 *   a=tcap a=acap a=pcfg a=acfg   RFC 5939 3.4-3.6 (capability negotiation)
 *   a=rtcp              RFC 3605;  a=rtcp-mux  RFC 5761 5.1.1
 *   a=sendrecv/sendonly/recvonly/inactive   RFC 8866 6.7
 * Every other attribute (ICE, BUNDLE, rtpmap, fmtp, ...) is kept verbatim,
 * in its original order, and printed back untouched.
 *
 * Why our own parser and not Sofia-SIP's sdp_parse (which is linked in):
 * Sofia-SIP reports errors without line and column (operators need
 * FILE:LINE:COL), folds direction attributes into m_mode (attribute order
 * and session- versus media-level placement are lost), recognises only
 * RTP/AVP and RTP/SAVP as RTP (with UDP/TLS/RTP/SAVP the rtpmaps stay plain
 * attributes), and has no bound on the number of lines or attributes an
 * attacker may send. So sdp/ parses with its own bounded line parser, and
 * the unit tests use Sofia-SIP's sdp_parse as an independent cross-check:
 * every example we accept Sofia also accepts, with the same m-line count,
 * ports and protocols.
 *
 * Errors follow base/err.h: 0 (or a non-negative count) on success, a
 * negative errno on failure. Functions that take a struct sdp_error * fill it
 * (when non-NULL) with the code, the 1-based line and column of the offending
 * byte in the input (0 when the error is not tied to input text) and a
 * message that names what is wrong. Messages never contain key material.
 *
 * Key material: a=crypto keys live in the session's line text and in
 * struct sdp_crypto copies. sdp_session_free wipes every stored string
 * (sec_wipe); callers wipe their struct sdp_crypto copies with
 * sdp_crypto_wipe. Nothing here logs.
 *
 * Threads: no global state; one thread uses a given session at a time;
 * sessions may be read concurrently if nobody modifies them.
 */
#ifndef KTRSBC_SDP_H
#define KTRSBC_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Link names. Sofia-SIP (linked into every ktrsbc program) exports
 * sdp_parse, sdp_media_type and sdp_session_dup with other signatures; in
 * one executable either definition would interpose the other (Sofia's soa
 * calling ours, or the reverse). These three therefore keep their C names
 * but link as ktrsbc_sdp_*. Do not include <sofia-sip/sdp.h> in a file
 * that includes this header; a new sdp_* function here must not reuse a
 * name Sofia-SIP exports (nm -D libsofia-sip-ua.so | grep ' sdp_').
 */
#define SDP_LINK_NAME(n) __asm__(#n)

/* ---- named limits (everything an attacker controls) ------------------- */
#define SDP_MAX_SIZE (64u * 1024u) /* whole body; larger: -EMSGSIZE */
#define SDP_MAX_LINE 4096u /* one line without its end; larger: -EMSGSIZE */
#define SDP_MAX_MEDIA 16u /* m-lines; more: -ENOBUFS */
#define SDP_MAX_ATTRS 128u /* a= lines per level (session or one m-line) */
#define SDP_MAX_LINES 32u /* other lines (i,u,e,p,b,t,r,z,k) per level */
#define SDP_MAX_CRYPTO 16u /* a=crypto lines per m-line */
#define SDP_MAX_FMTS 64u /* formats on one m-line */
#define SDP_MAX_FINGERPRINTS 4u /* a=fingerprint lines per level */
#define SDP_CRYPTO_MAX_KEYS 4u /* inline key-params on one a=crypto line */
#define SDP_KEYSALT_MAX 46u /* key||salt bytes: AES_256_CM 32 + 14 */
#define SDP_MKI_LEN_MAX 128u /* RFC 4568 9.1: mki-length 1..128 */
#define SDP_LIFETIME_MAX (1ull << 48) /* RFC 3711 3.2.1: SRTP key lifetime */
#define SDP_FP_MAX 64u /* fingerprint bytes (sha-512) */
#define SDP_HASH_NAME_MAX 16u /* "sha-256" ... incl. NUL */
#define SDP_SUITE_NAME_MAX 48u /* crypto-suite token incl. NUL */
#define SDP_CRYPTO_EXT_MAX 256u /* unknown session params, joined, incl NUL */
#define SDP_ADDR_MAX 256u /* connection-address incl. NUL (FQDN allowed) */
#define SDP_TOKEN_MAX 32u /* nettype, addrtype, media, proto token incl NUL */
#define SDP_CAP_MAX 16u /* capability numbers in one pcfg/acfg list */
#define SDP_CAP_ALTS 8u /* alternatives ("|") in one pcfg/acfg list */

/* ---- errors ------------------------------------------------------------- */
struct sdp_error {
	int code; /* negative errno, 0 when no error */
	uint32_t line; /* 1-based input line, 0 = not tied to input */
	uint32_t col; /* 1-based byte column, 0 = whole line / none */
	char msg[160];
};

/* "FILE:LINE:COL: message" (or "FILE: message" without a line) into buf,
 * always NUL-terminated when cap > 0. file may be NULL ("<sdp>").
 * Returns the length that the full text needs (like snprintf). */
int sdp_error_format(const struct sdp_error *e, const char *file, char *buf,
		     size_t cap);

/* ---- base64 (RFC 4648 4, with padding; what RFC 4568 key-salt uses) ---- */
/* Encode n bytes into out (NUL-terminated). Returns the text length, or
 * -ENOSPC when cap < 4*ceil(n/3)+1. */
int sdp_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap);
/* Decode exactly len characters. "=" padding is optional (several SDES
 * implementations omit it) but, when present, must be correct; non-zero
 * bits after the last full byte are refused. Returns the byte count, -EBADMSG
 * for a character outside the alphabet or a bad length/padding, -ENOSPC
 * when out is too small. On failure out may hold partial data: wipe it. */
int sdp_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/* ---- enums -------------------------------------------------------------- */
/* RFC 4568 6.2, RFC 6188, RFC 7714 14.2 crypto-suites. */
enum sdp_suite {
	SDP_SUITE_UNKNOWN = 0, /* recognised as a token, declined */
	SDP_SUITE_AES_CM_128_HMAC_SHA1_80,
	SDP_SUITE_AES_CM_128_HMAC_SHA1_32,
	SDP_SUITE_F8_128_HMAC_SHA1_80, /* parsed, always declined */
	SDP_SUITE_AES_192_CM_HMAC_SHA1_80,
	SDP_SUITE_AES_192_CM_HMAC_SHA1_32,
	SDP_SUITE_AES_256_CM_HMAC_SHA1_80,
	SDP_SUITE_AES_256_CM_HMAC_SHA1_32,
	SDP_SUITE_AEAD_AES_128_GCM,
	SDP_SUITE_AEAD_AES_256_GCM,
};
/* Canonical name; "UNKNOWN" for SDP_SUITE_UNKNOWN. Static storage. */
const char *sdp_suite_name(enum sdp_suite s);
/* Exact (case-sensitive, RFC 4568 9.1) token -> suite; SDP_SUITE_UNKNOWN
 * for anything else. */
enum sdp_suite sdp_suite_parse(const char *tok, size_t len);
/* Master key and salt lengths in bytes. 0, or -EINVAL for UNKNOWN. */
int sdp_suite_lens(enum sdp_suite s, size_t *key_len, size_t *salt_len);
/* true for suites ktrsbc can key (everything known except F8). */
bool sdp_suite_supported(enum sdp_suite s);
/* DTLS-SRTP profile id (RFC 5764 4.1.2 / RFC 7714: 1, 2, 7, 8 — the values
 * of enum dtls_profile / enum ksrtp_profile) <-> suite. to_profile returns
 * the id or -ENOTSUP (no DTLS-SRTP profile, e.g. AES_192_CM);
 * from_profile returns SDP_SUITE_UNKNOWN for an unknown id. */
int sdp_suite_to_profile(enum sdp_suite s);
enum sdp_suite sdp_suite_from_profile(int profile);

enum sdp_setup { /* RFC 4145 4 */
	SDP_SETUP_NONE = 0, /* attribute absent */
	SDP_SETUP_ACTIVE,
	SDP_SETUP_PASSIVE,
	SDP_SETUP_ACTPASS,
	SDP_SETUP_HOLDCONN,
};
const char *sdp_setup_name(enum sdp_setup s); /* "active", ... "" for NONE */

enum sdp_dir { /* RFC 8866 6.7 */
	SDP_DIR_NONE = 0, /* no direction attribute at this level */
	SDP_DIR_SENDRECV,
	SDP_DIR_SENDONLY,
	SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE,
};
const char *sdp_dir_name(enum sdp_dir d); /* "sendrecv", ... "" for NONE */
/* RFC 3264 6.1 answer direction for an offered one: sendonly->recvonly,
 * recvonly->sendonly, inactive->inactive, sendrecv/NONE->sendrecv. */
enum sdp_dir sdp_dir_answer(enum sdp_dir offered);

/* Media transport protocols we distinguish (m= proto field). */
enum sdp_proto {
	SDP_PROTO_OTHER = 0,
	SDP_PROTO_RTP_AVP, /* RTP/AVP */
	SDP_PROTO_RTP_AVPF, /* RTP/AVPF */
	SDP_PROTO_RTP_SAVP, /* RTP/SAVP  (SDES) */
	SDP_PROTO_RTP_SAVPF, /* RTP/SAVPF (SDES) */
	SDP_PROTO_UDP_TLS_RTP_SAVP, /* UDP/TLS/RTP/SAVP  (DTLS-SRTP, RFC 5764 8) */
	SDP_PROTO_UDP_TLS_RTP_SAVPF, /* UDP/TLS/RTP/SAVPF (RFC 5764 8) */
};
enum sdp_proto sdp_proto_parse(const char *tok, size_t len);
const char *sdp_proto_name(enum sdp_proto p); /* NULL for OTHER */

/* Where an attribute was found. */
enum sdp_level { SDP_LEVEL_NONE = 0, SDP_LEVEL_SESSION, SDP_LEVEL_MEDIA };

/* What an offer says about DTLS-SRTP Key Transport (draft 4.6, 5). */
enum sdp_ktr {
	SDP_KTR_NONE = 0, /* not offered */
	SDP_KTR_OPTIONAL, /* RFC 5939 pcfg "a=1,[2]" (Figure 14) */
	/* The plain a=dtls-srtp-ktr attribute (Figure 12's caption: "Key
	 * Transport is required"; 4.6 calls it a capability) or pcfg
	 * "a=1,2" (Figure 13). */
	SDP_KTR_REQUIRED,
};

/* ---- typed attribute values --------------------------------------------- */
/* c= line (RFC 8866 5.7) and the optional address of a=rtcp /
 * a=dtls-srtp-ktr-server. addr keeps any "/ttl/num" suffix verbatim. */
struct sdp_conn {
	char nettype[SDP_TOKEN_MAX]; /* "IN" */
	char addrtype[SDP_TOKEN_MAX]; /* "IP4" / "IP6" */
	char addr[SDP_ADDR_MAX];
};

/* One RFC 4568 key-param "inline:<key||salt>[|lifetime][|mki:len]". */
struct sdp_keyparam {
	uint8_t keysalt[SDP_KEYSALT_MAX]; /* master key then master salt */
	uint8_t keysalt_len; /* checked against the suite when known */
	bool has_lifetime;
	bool lifetime_pow2; /* written as 2^n (printed back that way) */
	uint64_t lifetime; /* packets, 1..SDP_LIFETIME_MAX */
	bool has_mki;
	uint64_t mki; /* mki-value (decimal on the wire) */
	uint8_t mki_len; /* bytes on the wire, 1..SDP_MKI_LEN_MAX */
};

enum sdp_fec_order { SDP_FEC_NONE = 0, SDP_FEC_FEC_SRTP, SDP_FEC_SRTP_FEC };

/* a=crypto (RFC 4568 9.1). A plain value: copy freely, wipe with
 * sdp_crypto_wipe when done. For SDP_SUITE_UNKNOWN (declined anyway) only
 * tag, suite_name and n_keys are meaningful: its key-params and session
 * params are checked against the generic grammar of 9.1 only, nothing is
 * decoded. F8 is decoded and checked like the supported suites. */
struct sdp_crypto {
	uint32_t tag; /* 1*9DIGIT, unique per m-line */
	enum sdp_suite suite;
	char suite_name[SDP_SUITE_NAME_MAX]; /* token as written */
	uint8_t n_keys; /* 1..SDP_CRYPTO_MAX_KEYS */
	struct sdp_keyparam keys[SDP_CRYPTO_MAX_KEYS];
	/* session parameters (RFC 4568 6.3) */
	bool has_kdr;
	uint8_t kdr; /* 0..24: key derivation rate 2^kdr */
	bool unencrypted_srtp, unencrypted_srtcp, unauthenticated_srtp;
	enum sdp_fec_order fec_order;
	uint8_t n_fec_keys; /* FEC_KEY=key-params */
	struct sdp_keyparam fec_keys[SDP_CRYPTO_MAX_KEYS];
	bool has_wsh;
	uint32_t wsh; /* window size hint, >= 64 */
	/* unknown session parameters, verbatim, space-separated, "" if none */
	char ext[SDP_CRYPTO_EXT_MAX];
};

/* Parse the value of an a=crypto line (text after "crypto:"). err->col is
 * relative to value[0] (1-based). Errors: -EBADMSG malformed (bad base64,
 * missing fields), -ERANGE key length wrong for the suite / lifetime
 * overflow / MKI length over 128 / KDR or WSH out of range, -EMSGSIZE over a
 * limit, -ENOBUFS more than SDP_CRYPTO_MAX_KEYS key-params. *out is wiped on
 * failure. */
int sdp_crypto_parse(const char *value, size_t len, struct sdp_crypto *out,
		     struct sdp_error *err);
/* Value text (without "crypto:") into buf, NUL-terminated; returns the
 * length or -ENOSPC / -EINVAL (inconsistent struct). The caller wipes buf. */
int sdp_crypto_print(const struct sdp_crypto *c, char *buf, size_t cap);
/* A single-key a=crypto: tag, suite, key||salt of exactly the suite's
 * length. 0, -EINVAL (UNKNOWN/F8 suite, tag 0 or > 999999999), -ERANGE
 * (length). */
int sdp_crypto_init(struct sdp_crypto *c, uint32_t tag, enum sdp_suite suite,
		    const uint8_t *keysalt, size_t len);
void sdp_crypto_wipe(struct sdp_crypto *c); /* NULL accepted */

/* a=fingerprint (RFC 8122 5): hash-func SP 2UHEX *(":" 2UHEX). */
struct sdp_fingerprint {
	char hash[SDP_HASH_NAME_MAX]; /* lower-cased: "sha-1", "sha-256" ... */
	uint8_t len; /* bytes, 1..SDP_FP_MAX */
	uint8_t bytes[SDP_FP_MAX];
};
/* Hash names accepted case-insensitively; known ones (md2, md5, sha-1,
 * sha-224, sha-256, sha-384, sha-512) must carry their digest length
 * (-ERANGE otherwise); other tokens are kept. -EBADMSG malformed. */
int sdp_fingerprint_parse(const char *value, size_t len,
			  struct sdp_fingerprint *out, struct sdp_error *err);
/* "sha-256 AB:CD:..." (upper-case hex, RFC 8122). Length or -ENOSPC. */
int sdp_fingerprint_print(const struct sdp_fingerprint *f, char *buf,
			  size_t cap);

/* a=setup value -> enum; -EBADMSG for other words. */
int sdp_setup_parse(const char *value, size_t len, enum sdp_setup *out);

/* a=dtls-srtp-ktr-server (draft 4.6): port [SP nettype SP addrtype SP
 * connection-address]. Without the address, has_addr is false and the
 * address is that of the associated c= line (sdp_media_ktr_server fills it
 * in). -EBADMSG malformed, -ERANGE port 0 or > 65535. */
struct sdp_ktr_server {
	uint16_t port;
	bool has_addr; /* written on the line */
	struct sdp_conn conn;
};
int sdp_ktr_server_parse(const char *value, size_t len,
			 struct sdp_ktr_server *out, struct sdp_error *err);

/* a=rtcp (RFC 3605 2.1): port [SP nettype SP addrtype SP addr]. */
struct sdp_rtcp {
	uint16_t port;
	bool has_addr;
	struct sdp_conn conn;
};
int sdp_rtcp_parse(const char *value, size_t len, struct sdp_rtcp *out,
		   struct sdp_error *err);

/* ---- sessions and media (opaque) ---------------------------------------- */
struct sdp_session;
struct sdp_media;

/* An attribute as stored: name without "a=", value after the first ':'
 * (NULL for a property attribute such as "rtcp-mux"). Valid until the
 * attribute is deleted or the session freed. line = input line, 0 when
 * added through the API. */
struct sdp_attr {
	const char *name;
	const char *value;
	uint32_t line;
};

/* Parse len bytes of text (need not be NUL-terminated; a SIP body). Rules:
 * all lines end with CRLF or all with LF (mixed: -EBADMSG); the last line
 * may lack its end; NUL or other control bytes: -EBADMSG; v=0 then o= then
 * s=, at least one t= before the first m=; unknown line types rejected
 * (RFC 8866 5); media-only attributes (rtpmap, fmtp, ptime, crypto, rtcp,
 * rtcp-mux, candidate, mid, pcfg, ...) before the first m= are -EBADMSG;
 * every typed attribute is parsed and its errors reported with line/col;
 * duplicate a=crypto tags in one m-line -EBADMSG; an m-line with a port
 * but no connection address (no c= in it nor at session level, RFC 8866
 * 5.7) -EBADMSG with the m-line's line; more than SDP_MAX_SIZE:
 * -EMSGSIZE before anything is allocated. On success *sp owns a new
 * session (free with sdp_session_free); on failure *sp is NULL and err says
 * where. */
int sdp_parse(struct sdp_session **sp, const char *text, size_t len,
	      struct sdp_error *err) SDP_LINK_NAME(ktrsbc_sdp_parse);

/* A new session for building from scratch: "v=0", "o=<user> <sess_id>
 * <sess_ver> IN IP4|IP6 <addr>", "s=-", "c=IN IP4|IP6 <addr>", "t=0 0".
 * user NULL = "-". addr must be a numeric IPv4 or IPv6 literal (-EINVAL).
 * 0, -EINVAL, -ENOMEM. */
int sdp_session_alloc(struct sdp_session **sp, const char *user,
		      uint64_t sess_id, uint64_t sess_ver, const char *addr);
/* Deep copy (strings wiped on free independently). 0, -ENOMEM. */
int sdp_session_dup(struct sdp_session **dp, const struct sdp_session *s)
	SDP_LINK_NAME(ktrsbc_sdp_session_dup);
/* Wipes every stored string, then frees. NULL accepted. */
void sdp_session_free(struct sdp_session *s);

/* Print as RFC 8866 text with CRLF line ends, in order: v o s [i u e p] c
 * [b] t [r z k] session a= lines (stored order), then each m-line with its
 * [i] [c] [b] [k] and a= lines (stored order). buf NUL-terminated. Returns
 * the length (without NUL), -ENOSPC when cap is too small. The output may
 * contain keys (a=crypto): wipe buf when done with it. */
int sdp_session_print(const struct sdp_session *s, char *buf, size_t cap);
/* The same into a new malloc'd buffer *outp (caller frees, after
 * sec_wipe when it may contain keys). Length or -ENOMEM. */
int sdp_session_print_alloc(const struct sdp_session *s, char **outp);

/* Origin (o=). Strings valid for the session's lifetime. */
struct sdp_origin {
	const char *user;
	uint64_t sess_id;
	uint64_t sess_ver;
	const char *nettype, *addrtype, *addr;
};
void sdp_session_origin(const struct sdp_session *s, struct sdp_origin *o);
/* Replace o=; user NULL keeps the user; addr NULL keeps the address.
 * 0, -EINVAL (addr not an IP literal), -ENOMEM. */
int sdp_session_origin_set(struct sdp_session *s, const char *user,
			   uint64_t sess_id, uint64_t sess_ver,
			   const char *addr);
/* RFC 3264 8: increment sess-version for a modified offer. -ERANGE at the
 * top of the range. */
int sdp_session_version_bump(struct sdp_session *s);
/* Session-level c=; false when absent. */
bool sdp_session_conn(const struct sdp_session *s, struct sdp_conn *c);
/* Set (addr non-NULL, IP literal) or remove (NULL) the session-level c=. */
int sdp_session_conn_set(struct sdp_session *s, const char *addr);
const char *sdp_session_name(const struct sdp_session *s); /* s= value */

size_t sdp_session_media_count(const struct sdp_session *s);
/* i-th m-line (0-based) or NULL. Owned by the session. */
struct sdp_media *sdp_session_media(const struct sdp_session *s, size_t i);

/* Session-level attributes, in order. */
size_t sdp_session_attr_count(const struct sdp_session *s);
/* i-th attribute into *a; -ERANGE past the end. */
int sdp_session_attr_get(const struct sdp_session *s, size_t i,
			 struct sdp_attr *a);
/* First attribute named name (case-sensitive, RFC 8866 5.13): value via
 * *valuep ("" for a property attribute). true when found. */
bool sdp_session_attr_find(const struct sdp_session *s, const char *name,
			   const char **valuep);
/* Append "a=name[:value]". Typed attributes are validated (the same
 * parser as sdp_parse: -EBADMSG/-ERANGE); media-only attributes -EINVAL;
 * -ENOBUFS over SDP_MAX_ATTRS; -ENOMEM. */
int sdp_session_attr_add(struct sdp_session *s, const char *name,
			 const char *value);
/* Remove every session attribute named name; returns how many. */
int sdp_session_attr_del(struct sdp_session *s, const char *name);

/* ---- m-lines ------------------------------------------------------------ */
/* Append "m=<type> <port> <proto> <fmts>" (fmts space-separated, e.g.
 * "0 8 101"; non-empty, RFC 8866 5.14). *mp (may be NULL) receives the
 * media, owned by s.
 * 0, -EINVAL (bad token), -ENOBUFS (SDP_MAX_MEDIA / SDP_MAX_FMTS), -ENOMEM. */
int sdp_media_add(struct sdp_session *s, struct sdp_media **mp,
		  const char *type, uint16_t port, const char *proto,
		  const char *fmts);
/* Accessors. Strings valid until the media is modified or freed. */
const char *sdp_media_type(const struct sdp_media *m) /* "audio" */
	SDP_LINK_NAME(ktrsbc_sdp_media_type);
uint16_t sdp_media_port(const struct sdp_media *m); /* 0 = rejected */
uint16_t sdp_media_port_count(const struct sdp_media *m); /* "/n", else 1 */
const char *sdp_media_proto(const struct sdp_media *m); /* as written */
enum sdp_proto sdp_media_proto_kind(const struct sdp_media *m);
const char *sdp_media_fmts(const struct sdp_media *m); /* "0 8 101" */
size_t sdp_media_fmt_count(const struct sdp_media *m);
const char *sdp_media_fmt(const struct sdp_media *m, size_t i); /* or NULL */
size_t sdp_media_index(const struct sdp_media *m); /* 0-based position */
const struct sdp_session *sdp_media_session(const struct sdp_media *m);

int sdp_media_port_set(struct sdp_media *m, uint16_t port); /* 0 = reject */
/* The format list ("0 8 101": non-empty, at most SDP_MAX_FMTS); -EINVAL,
 * -ENOBUFS, -ENOMEM (the m-line unchanged then). */
int sdp_media_fmts_set(struct sdp_media *m, const char *fmts);
/* proto as a token; -EINVAL. */
int sdp_media_proto_set(struct sdp_media *m, const char *proto);

/* Effective connection: the m-line's own c= or else the session's. false
 * when neither exists: sdp_parse refuses that for an m-line with a port
 * (RFC 8866 5.7) and lets it pass for a rejected one (port 0); a session
 * built through the API may lack it too. */
bool sdp_media_conn(const struct sdp_media *m, struct sdp_conn *c);
/* true when the m-line has its own c=. */
bool sdp_media_conn_own(const struct sdp_media *m);
/* Set (IP literal) or remove (NULL) the media-level c=. */
int sdp_media_conn_set(struct sdp_media *m, const char *addr);

/* Effective direction: media level, else session level, else
 * SDP_DIR_SENDRECV (RFC 8866 6.7 default). */
enum sdp_dir sdp_media_dir(const struct sdp_media *m);
/* Replace any media-level direction attribute (NONE removes it). */
int sdp_media_dir_set(struct sdp_media *m, enum sdp_dir d);

bool sdp_media_rtcp_mux(const struct sdp_media *m);
int sdp_media_rtcp_mux_set(struct sdp_media *m, bool on);
/* a=rtcp of this m-line; false when absent (RTCP then uses port+1,
 * RFC 3550 11, unless rtcp-mux). */
bool sdp_media_rtcp(const struct sdp_media *m, struct sdp_rtcp *r);
/* Where this m-line's RTCP goes when it is not multiplexed: a=rtcp's port
 * and, when the line names one, its address (RFC 3605 2.1), else the
 * effective c= and port + 1 (RFC 3550 11). 0; -ENOENT when the m-line
 * carries a=rtcp-mux (RTCP shares the RTP port, RFC 5761) or is rejected;
 * -EINVAL without a connection address or with RTP on port 65535. */
int sdp_media_rtcp_dest(const struct sdp_media *m, struct sdp_conn *c,
			uint16_t *port);

/* a=crypto lines of this m-line, in order. get fills *c (wipe it after);
 * -ERANGE past the end. */
size_t sdp_media_crypto_count(const struct sdp_media *m);
int sdp_media_crypto_get(const struct sdp_media *m, size_t i,
			 struct sdp_crypto *c);
/* RFC 4568 7.1.1 answerer's choice: the first a=crypto (in offer order)
 * whose suite is in accept[0..n) (NULL = every sdp_suite_supported suite)
 * and that uses no session parameter we do not implement (UNENCRYPTED_*,
 * UNAUTHENTICATED_SRTP, FEC_*, unknown ones, more than one key or an MKI).
 * Returns its index and fills *c, or -ENOTSUP (with err: line of the
 * m-line) when none is acceptable — e.g. only unknown suites. */
int sdp_media_crypto_pick(const struct sdp_media *m,
			  const enum sdp_suite *accept, size_t n,
			  struct sdp_crypto *c, struct sdp_error *err);
/* Append an a=crypto line; -EINVAL for a duplicate tag or a struct that
 * sdp_crypto_print refuses; -ENOBUFS over SDP_MAX_CRYPTO. */
int sdp_media_crypto_add(struct sdp_media *m, const struct sdp_crypto *c);

/* Effective fingerprints: the m-line's, or else the session's (RFC 8122 5).
 * count/get as for crypto. */
size_t sdp_media_fingerprint_count(const struct sdp_media *m);
int sdp_media_fingerprint_get(const struct sdp_media *m, size_t i,
			      struct sdp_fingerprint *f);
int sdp_media_fingerprint_add(struct sdp_media *m,
			      const struct sdp_fingerprint *f);
/* Effective a=setup (media, else session); SDP_SETUP_NONE when absent. */
enum sdp_setup sdp_media_setup(const struct sdp_media *m);
int sdp_media_setup_set(struct sdp_media *m, enum sdp_setup s);
/* Where a plain a=dtls-srtp-ktr is (media level first); NONE if absent. */
enum sdp_level sdp_media_ktr(const struct sdp_media *m);
int sdp_media_ktr_set(struct sdp_media *m, bool on);
/* Effective a=dtls-srtp-ktr-server (media, else session) with its address
 * resolved from the effective c= when the line had none. false if absent. */
bool sdp_media_ktr_server(const struct sdp_media *m, struct sdp_ktr_server *k);

/* The m-line's attributes, in order (same contract as the session ones). */
size_t sdp_media_attr_count(const struct sdp_media *m);
int sdp_media_attr_get(const struct sdp_media *m, size_t i, struct sdp_attr *a);
bool sdp_media_attr_find(const struct sdp_media *m, const char *name,
			 const char **valuep);
int sdp_media_attr_add(struct sdp_media *m, const char *name,
		       const char *value);
int sdp_media_attr_del(struct sdp_media *m, const char *name);

/* ---- DTLS-SRTP / KTR / capability negotiation resolved ------------------- */
/* What one m-line offers or answers for DTLS-SRTP, resolved over media and
 * session level and over RFC 5939 capability negotiation (tcap/acap/pcfg at
 * either level; the first pcfg, in preference order (lowest config number,
 * RFC 5939 3.5.1), whose transport is UDP/TLS/RTP/SAVP[F] is used). */
struct sdp_dtls_info {
	bool dtls; /* DTLS-SRTP offered/answered (m= proto or a pcfg/acfg) */
	bool via_capneg; /* only through a potential/actual configuration */
	uint32_t cfg_num; /* that pcfg/acfg number (0 when !via_capneg) */
	uint32_t tcap_num; /* its UDP/TLS/RTP/SAVP[F] tcap number */
	enum sdp_proto proto; /* the DTLS proto (m= or the tcap's) */
	enum sdp_ktr ktr;
	enum sdp_level ktr_level; /* where the plain attribute was, if any */
	bool has_fingerprint; /* first effective (or acap) fingerprint */
	struct sdp_fingerprint fingerprint;
	enum sdp_setup setup; /* effective or acap; NONE when absent */
	bool has_ktr_server;
	struct sdp_ktr_server ktr_server;
	/* capneg numbers of the acaps used (0 = none): for an answer's acfg */
	uint32_t acap_fingerprint, acap_setup, acap_ktr;
};
/* 0 (info filled, info->dtls may be false), -EBADMSG when a pcfg/acfg names
 * a tcap/acap that does not exist or an acap value fails its parser (err
 * says where). */
int sdp_media_dtls_info(const struct sdp_media *m, struct sdp_dtls_info *info,
			struct sdp_error *err);
/* Add the RFC 5939 form of Figures 13/14 to an m-line whose m= proto is the
 * fallback (e.g. RTP/AVP): "a=tcap:1 <dtls_proto>", "a=acap:1
 * fingerprint:...", then (ktr not NONE) "a=acap:2 dtls-srtp-ktr", then
 * (setup not NONE) "a=acap:N setup:<setup>" with the next number, and
 * "a=pcfg:1 t=1 a=<list>": every acap mandatory, except dtls-srtp-ktr in
 * brackets when ktr is OPTIONAL. With setup NONE that is exactly Figure 13
 * ("a=1,2") or Figure 14 ("a=1,[2]"). -EINVAL when the m-line already has
 * tcap/acap/pcfg attributes or fp is NULL; -ENOBUFS, -ENOMEM. */
int sdp_media_capneg_dtls_add(struct sdp_media *m, enum sdp_proto dtls_proto,
			      const struct sdp_fingerprint *fp,
			      enum sdp_setup setup, enum sdp_ktr ktr);

/* ---- BUNDLE (RFC 9143; sdp_bundle.c) ----------------------------------- */
#define SDP_BUNDLE_MAX 16u /* m-lines in one group (SDP_MAX_MEDIA) */
#define SDP_BUNDLE_MID_MAX 32 /* a=mid value, NUL included */
/* The session's (first) a=group:BUNDLE as m-line indices, in the group's
 * order (the first is the offerer's tag, RFC 9143 7.2). 0, -ENOENT (no
 * BUNDLE group), -EBADMSG (a mid no m-line carries, a repeated one, an
 * empty group), -ENOBUFS (more than cap). */
int sdp_bundle_group(const struct sdp_session *s, size_t *idx, size_t cap,
		     size_t *n);
/* Whether m-line i is one of idx[0..n). */
bool sdp_bundle_has(const size_t *idx, size_t n, size_t i);
/* The distinct SSRCs of the m-line's a=ssrc lines (RFC 5576 4.1), added to
 * out[0..*n) (the caller sets *n, 0 or an earlier m-line's count; an SSRC
 * already there is not added again). 0, -EBADMSG (not a 32-bit number),
 * -ENOBUFS (more than cap in all). */
int sdp_bundle_ssrcs(const struct sdp_media *m, uint32_t *out, size_t cap,
		     size_t *n);
/* The m-line's RTP payload types (its numeric formats 0..127). 0 or
 * -ENOBUFS. */
int sdp_bundle_pts(const struct sdp_media *m, uint8_t *out, size_t cap,
		   size_t *n);
/* m-lines of the group with port 0 and a=bundle-only (RFC 9143 6: they
 * exist only inside the bundle) get the BUNDLE address's port, the first
 * bundled m-line's, so that they read as the bundle's streams. 0,
 * -ENOENT (no bundled m-line has a port), or sdp_media_port_set's error. */
int sdp_bundle_unbundled_ports(struct sdp_session *s, const size_t *idx,
			       size_t n);
/* Toward a bundled peer: a=group:BUNDLE of mids[0..n) (in that order: the
 * first is our tag), and on each m-line idx[k] a=mid:mids[k] (replacing
 * any), a=rtcp-mux and, in an offer, a=rtcp-mux-only (RFC 8858 4); any
 * a=bundle-only removed. 0, -EINVAL, or an attribute's error. */
int sdp_bundle_write(struct sdp_session *s, const size_t *idx, size_t n,
		     char mids[][SDP_BUNDLE_MID_MAX], bool offer);
/* Toward a peer that does not bundle: no a=group, a=bundle-only or
 * a=rtcp-mux-only (a=mid stays: harmless, RFC 5888). */
void sdp_bundle_strip(struct sdp_session *s);

/* ---- SBC translation (docs/design.md, the call flows) ------------------ */
enum sdp_xlate_flow {
	/* 1. SDES UA's offer -> offer to the DTLS UA (UDP/TLS/RTP/SAVP[F],
	 *    SBC fingerprint, setup:actpass, KTR per ktr_form, no a=crypto). */
	SDP_XLATE_SDES_OFFER_TO_DTLS = 1,
	/* 2. DTLS UA's answer -> answer to the SDES UA (RTP/SAVP[F] as
	 *    offered, one a=crypto per accepted m-line: the offer's tag for
	 *    the given suite, the given key). */
	SDP_XLATE_DTLS_ANSWER_TO_SDES,
	/* 3. DTLS UA's offer -> offer to the SDES UA (one a=crypto per m-line
	 *    with the given suite and key, tag 1). */
	SDP_XLATE_DTLS_OFFER_TO_SDES,
	/* 4. SDES UA's answer -> answer to the DTLS UA (UDP/TLS/RTP/SAVP[F]
	 *    or the offer's capneg acfg, SBC fingerprint, setup:active, KTR
	 *    echoed when the offer had it and ktr_form is not NONE). */
	SDP_XLATE_SDES_ANSWER_TO_DTLS,
};

enum sdp_ktr_form {
	SDP_KTR_FORM_NONE = 0, /* no KTR in the DTLS offer */
	SDP_KTR_FORM_ATTR, /* a=dtls-srtp-ktr (Figure 12) */
	SDP_KTR_FORM_CAPNEG_REQUIRED, /* RFC 5939 form, Figure 13 */
	SDP_KTR_FORM_CAPNEG_OPTIONAL, /* RFC 5939 form, Figure 14 */
};

/* Per input m-line, in order. */
struct sdp_xlate_mparams {
	/* Relay port of the output leg for this m-line; 0 rejects it (port 0,
	 * RFC 3264 6). An m-line rejected in the input stays rejected. */
	uint16_t port;
	/* SDES output flows (2, 3) only, for an accepted m-line: the suite
	 * and key||salt to put in the a=crypto line. Must be a supported
	 * suite with the exact length; for flow 2 the SDES offer must carry a
	 * crypto line of that suite. Never invented by this module. */
	enum sdp_suite suite;
	uint8_t keysalt_len;
	uint8_t keysalt[SDP_KEYSALT_MAX];
	/* The relay's RTCP port of the output leg for this m-line (RTP port
	 * + 1), 0 = none. RTCP in the output (RFC 5761, RFC 3605): an offer
	 * (flows 1, 3) always offers a=rtcp-mux and, when rtcp_port is set,
	 * a=rtcp:rtcp_port, the port the offerer uses should the answer
	 * refuse mux (RFC 5761 5.1.3); an answer (flows 2, 4) carries
	 * a=rtcp-mux exactly when its offer's m-line did (5.1.1), else
	 * a=rtcp:rtcp_port when set. */
	uint16_t rtcp_port;
	/* Flow 2: the key is the one DTLS key of a BUNDLE group (the DTLS
	 * UA's write key, RFC 9143: one association for the group): it may
	 * repeat on the other key_shared m-lines, whose streams the DTLS UA
	 * sends with distinct SSRCs (draft 6.2: a master key may protect
	 * several streams only with distinct SSRCs). Every other repeat is
	 * still refused. */
	bool key_shared;
};

struct sdp_xlate_params {
	enum sdp_xlate_flow flow;
	/* Answer flows (2, 4): the offer that this answer answers, as it was
	 * received on the *output* leg (the SDES UA's offer for flow 2, the
	 * DTLS UA's offer for flow 4). Same number of m-lines as the input.
	 * NULL for offer flows. */
	const struct sdp_session *offer;
	/* Relay address (IPv4/IPv6 literal): session c= and o= address;
	 * media-level c= and a=rtcp are removed. Required. */
	const char *relay_addr;
	/* Output origin. origin_user NULL: keep the input's user, sess-id and
	 * sess-version (only the address becomes relay_addr): a re-offer
	 * then bumps exactly when the peer's does. Otherwise use these. */
	const char *origin_user;
	uint64_t sess_id, sess_ver;
	/* DTLS output flows (1, 4): the SBC's certificate fingerprint. */
	const struct sdp_fingerprint *fingerprint;
	/* DTLS output: NONE = actpass for flow 1, active for flow 4. */
	enum sdp_setup setup;
	/* Flow 1: how to advertise KTR. Flow 4: NONE = do not echo KTR. */
	enum sdp_ktr_form ktr_form;
	/* Offer flows (1, 3): the profile of the output's m-lines, what the
	 * output trunk takes (trunk sdes_profile / dtls_profile): flow 1
	 * UDP/TLS/RTP/SAVP or UDP/TLS/RTP/SAVPF (with a capneg ktr_form, the
	 * tcap's; the m= line is then RTP/AVP or RTP/AVPF), flow 3 RTP/SAVP or
	 * RTP/SAVPF; anything else -EINVAL. SDP_PROTO_OTHER (0): mirror the
	 * input, AVPF exactly when the input m-line is (RFC 4585, RFC 5124).
	 * Answer flows (2, 4) must leave it 0: an answer takes the profile of
	 * the offer it answers (RFC 3264 6.1). In every flow an output m-line
	 * whose profile is not AVPF-based gets none of the AVPF-only
	 * attributes a=rtcp-fb (RFC 4585 4.2) and a=rtcp-rsize (RFC 5506 5);
	 * the codecs (formats, rtpmap, fmtp) are kept as they are. */
	enum sdp_proto proto;
	size_t n_media; /* must equal the input's m-line count */
	const struct sdp_xlate_mparams *media;
};

/* What the input said, per m-line, so the SBC can key its other side. */
struct sdp_xlate_minfo {
	bool rejected; /* input port 0 or rejected by params */
	uint16_t port; /* input port */
	uint16_t rtcp_port; /* a=rtcp or port+1; = port with rtcp-mux */
	bool rtcp_mux;
	/* Where RTCP goes without mux (sdp_media_rtcp_dest: a=rtcp's address
	 * or the effective c=); empty addr with mux or when unknown. */
	struct sdp_conn rtcp_conn;
	bool has_conn;
	struct sdp_conn conn; /* effective input c= (peer media address) */
	enum sdp_dir dir; /* effective input direction */
	/* SDES input (flows 1, 4): the a=crypto lines (offer: all of them, in
	 * order; answer: the one chosen). Keys: wipe via
	 * sdp_xlate_report_free. */
	size_t n_crypto;
	struct sdp_crypto crypto[SDP_MAX_CRYPTO];
	/* index in crypto[] of sdp_media_crypto_pick's choice (any supported
	 * suite), -1 when none or not an SDES input */
	int crypto_pick;
	/* DTLS input (flows 2, 3): fingerprint, setup, KTR. */
	struct sdp_dtls_info dtls;
};
struct sdp_xlate_report {
	size_t n_media;
	struct sdp_xlate_minfo *media;
};
/* Wipes the keys and frees. NULL accepted. */
void sdp_xlate_report_free(struct sdp_xlate_report *r);

/*
 * Translate `in` per p into a new session *outp (and, when repp is non-NULL,
 * a report *repp). m-lines map 1:1 in order. Transport attributes of the
 * input (c=, a=rtcp, a=crypto, a=fingerprint, a=setup, a=dtls-srtp-ktr*,
 * capneg tcap/acap/pcfg/acfg, ICE: candidate, ice-*, end-of-candidates,
 * remote-candidates, and session a=group) are not copied; codec and other
 * attributes (rtpmap, fmtp, ptime, mid, ...) are copied in order; the
 * direction is carried over explicitly, rtcp-mux and a=rtcp are written
 * per flow (sdp_xlate_mparams.rtcp_port). Keys: only those in
 * p->media are emitted; a=crypto is never emitted on a DTLS leg.
 * Errors: -EINVAL bad params (missing relay_addr/fingerprint/offer,
 * n_media mismatch, a key of the wrong length or suite, the same key handed
 * twice or equal to a key in the input — two-time pad, draft 6.2), -EPROTO
 * input that does not fit the flow (e.g. an SDES offer without a=crypto on
 * an accepted m-line, an answer with another m-line count than its offer),
 * -ENOTSUP no acceptable crypto suite on an m-line, -ENOMEM. err says what
 * (line = input line when the problem is in the input). On failure *outp
 * and *repp are NULL.
 */
int sdp_xlate(struct sdp_session **outp, struct sdp_xlate_report **repp,
	      const struct sdp_session *in, const struct sdp_xlate_params *p,
	      struct sdp_error *err);

/* An answer's m-line takes the profile of the m-line it answers (RFC 3264
 * 6.1), e.g. when a re-offer switches RTP/SAVP to RTP/SAVPF and the answer
 * is built from an earlier SDP: m's proto becomes `offered` and, without
 * feedback, m loses a=rtcp-fb and a=rtcp-rsize (as in sdp_xlate). Only
 * within one keying: RTP/SAVP <-> RTP/SAVPF, UDP/TLS/RTP/SAVP <->
 * UDP/TLS/RTP/SAVPF. 1 changed, 0 already the same, -EINVAL another
 * keying or a profile outside these four (m unchanged). */
int sdp_media_profile_follow(struct sdp_media *m, enum sdp_proto offered);

/* ---- ICE (RFC 8839; sdp_ice.c) ---------------------------------------------
 * The peer's ICE attributes, resolved per m-line, and ours written. Named
 * limits: RFC 8839 5.4 (credentials), 5.1 (foundation); extensions on one
 * candidate line (what an attacker sends more of is refused). */
#define SDP_ICE_UFRAG_MIN 4u
#define SDP_ICE_UFRAG_MAX 256u
#define SDP_ICE_PWD_MIN 22u
#define SDP_ICE_PWD_MAX 256u
#define SDP_ICE_FOUNDATION_MAX 32u
#define SDP_ICE_CAND_EXT_MAX 16u

/* true when s[0..len) is len ice-chars (ALPHA / DIGIT / "+" / "/"), min
 * <= len <= max. */
bool sdp_ice_chars_valid(const char *s, size_t len, size_t min, size_t max);
/* RFC 8445 5.1.2.1: (2^24)*type_pref + (2^8)*local_pref + (256 -
 * component); 0 for arguments out of range (type_pref 0..126, local_pref
 * 0..65535, component 1..256). Host candidates: type_pref 126. */
uint32_t sdp_ice_priority(unsigned type_pref, unsigned local_pref,
			  unsigned component);

/* a=candidate (RFC 8839 5.1): foundation SP component-id SP transport SP
 * priority SP connection-address SP port SP "typ" SP cand-type [SP
 * "raddr" SP addr] [SP "rport" SP port] *(SP ext-name SP ext-value). */
struct sdp_candidate {
	char foundation[SDP_ICE_FOUNDATION_MAX + 1];
	uint32_t component; /* 1..256 */
	char transport[SDP_TOKEN_MAX]; /* as written ("UDP", "tcp", ...) */
	bool udp; /* transport is UDP (case-insensitive) */
	uint32_t priority; /* 1..2^32-1 */
	char addr[SDP_ADDR_MAX]; /* IP literal or FQDN, as written */
	uint16_t port;
	char type[SDP_TOKEN_MAX]; /* "host", "srflx", "prflx", "relay", ... */
	bool has_raddr, has_rport;
	char raddr[SDP_ADDR_MAX];
	uint16_t rport;
	size_t n_ext; /* other extensions (skipped) */
};
/* Parse the value after "candidate:". err->col relative to value[0].
 * -EBADMSG malformed, -EMSGSIZE more than SDP_ICE_CAND_EXT_MAX
 * extensions. */
int sdp_candidate_parse(const char *value, size_t len, struct sdp_candidate *c,
			struct sdp_error *err);
/* The value text (without "candidate:"); length or -ENOSPC / -EINVAL. */
int sdp_candidate_print(const struct sdp_candidate *c, char *buf, size_t cap);

/* One m-line's ICE as its peer wrote it: ice-ufrag/ice-pwd at media level,
 * else session level (RFC 8839 5.4); a=ice-lite (session level, 5.3);
 * ice-options (5.6); end-of-candidates (RFC 8840); every a=candidate line
 * parsed. The password is checked, not copied (a credential). */
struct sdp_ice_info {
	bool ice; /* ice-ufrag and ice-pwd present */
	bool lite; /* the peer is a lite agent */
	bool trickle, ice2; /* ice-options */
	bool end_of_candidates;
	char ufrag[SDP_ICE_UFRAG_MAX + 1];
	size_t n_cand; /* a=candidate lines */
	size_t n_udp_rtp; /* ... of them UDP for component 1 */
};
/* 0 (info->ice may be false: no ICE), -EBADMSG a malformed ufrag, pwd,
 * ice-options or candidate (err: its line and column), -EPROTO ice-ufrag
 * without ice-pwd or the reverse. */
int sdp_media_ice_info(const struct sdp_media *m, struct sdp_ice_info *info,
		       struct sdp_error *err);
/* Append a=ice-ufrag, a=ice-pwd, one a=candidate per c[0..n) and (end)
 * a=end-of-candidates to m. -EINVAL bad credentials or candidate. */
int sdp_media_ice_add(struct sdp_media *m, const char *ufrag, const char *pwd,
		      const struct sdp_candidate *c, size_t n, bool end);
/* Remove every ICE attribute of m (a re-answer built from an earlier SDP
 * gets fresh ones); the count removed, or -EINVAL. */
int sdp_media_ice_del(struct sdp_media *m);

/* ---- addresses ------------------------------------------------------------ */
struct sockaddr_storage;
/* The numeric address of c (IP4 or IP6) and port as a socket address
 * (media destination). 0, -EINVAL (not a numeric address, port 0). */
int sdp_conn_sockaddr(const struct sdp_conn *c, uint16_t port,
		      struct sockaddr_storage *ss, socklen_t *len);

#endif

/*
 * dtls: DTLS-SRTP (RFC 5763/5764) on OpenSSL 3, DTLS 1.2 only, with the
 * key_transport extension of draft-wing-avt-dtls-srtp-key-transport-02
 * (section 4.1: negotiated in ClientHello/ServerHello together with
 * use_srtp; extension_data empty).
 *
 * Two objects:
 *   - struct dtls_ctx: certificate (loaded or generated), our SHA-256
 *     fingerprint, SRTP profiles, the key_transport code point and the
 *     cookie secret. Read-only after dtls_ctx_alloc(): it may be shared by
 *     several threads. It must outlive every conn made from it.
 *   - struct dtls_conn: one association. It never touches a socket: the
 *     owner demultiplexes its UDP port (RFC 7983: first byte 20..63 is DTLS),
 *     feeds datagrams to dtls_conn_input() and sends what ops->send gets.
 *     Everything is driven by input and timer calls; nothing blocks. A conn
 *     belongs to one thread.
 *
 * Both sides always present and demand certificates; the peer's is accepted
 * only if its SHA-256 matches the fingerprint from SDP (RFC 5763 section 5).
 * Key material never reaches a log.
 */
#ifndef KTRSBC_DTLS_H
#define KTRSBC_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DTLS_FP_LEN 96 /* "AB:CD:..." 32 bytes -> 95 chars + NUL */

/* SRTP protection profiles; the values are the RFC 5764 / RFC 7714 ids,
 * equal to OpenSSL's SRTP_* and libsrtp2's srtp_profile_t. */
enum dtls_profile {
	DTLS_SRTP_AES128_CM_SHA1_80 = 1,
	DTLS_SRTP_AES128_CM_SHA1_32 = 2,
	DTLS_SRTP_AEAD_AES_128_GCM = 7,
	DTLS_SRTP_AEAD_AES_256_GCM = 8,
};

#define DTLS_MTU_DEFAULT 1200u /* largest datagram we send */
#define DTLS_MTU_MIN 256u /* OpenSSL's floor for DTLS_set_link_mtu */
#define DTLS_MTU_MAX 9000u
#define DTLS_RETRANSMIT_MS_DEFAULT 200u /* first retransmission (RFC 6347 4.2.4.1 allows < 1 s) */
#define DTLS_RETRANSMIT_MS_MAX_DEFAULT 6400u /* doubling stops here */
#define DTLS_HANDSHAKE_MS_DEFAULT 30000u /* give up a handshake after this */
#define DTLS_APP_MAX 16384u /* largest application_data plaintext (RFC 6347 4.1) */

struct dtls_ctx_cfg {
	/* PEM files; both NULL = generate an ECDSA P-256 self-signed certificate
	 * now. cert_file may hold a chain (leaf first). */
	const char *cert_file, *key_file;
	/* Preference order (the server picks by its own order); NULL = all four
	 * in enum order, AES128_CM_SHA1_80 first. No duplicates. */
	const int *profiles;
	size_t n_profiles;
	/* TLS extension code point for key_transport; 0 = neither offer nor
	 * accept KTR. */
	uint16_t ktr_ext_type;
	unsigned mtu; /* largest datagram sent; 0 = DTLS_MTU_DEFAULT */
	/* Small additions: 0 = the defaults above. */
	unsigned retransmit_ms; /* first retransmission timeout, then doubled */
	unsigned handshake_timeout_ms; /* whole-handshake bound (conn clock) */
};

struct dtls_ctx;
struct dtls_conn;

/*
 * Build a context. *cp is set only on success; the caller frees it with
 * dtls_ctx_free(). Errors: -EINVAL bad cfg (one of cert/key NULL, unknown or
 * duplicate profile, mtu out of range, ktr_ext_type that OpenSSL handles
 * itself (SSL_extension_supported) or 0xFF01 renegotiation_info), -EIO file
 * or crypto failure, -ENOMEM.
 */
int dtls_ctx_alloc(struct dtls_ctx **cp, const struct dtls_ctx_cfg *cfg);
/* Accepts NULL. Wipes the cookie secret. No conn may still use c. */
void dtls_ctx_free(struct dtls_ctx *c);
/* SHA-256 of our certificate, uppercase hex with colons (RFC 8122
 * a=fingerprint form, without the "sha-256 " prefix). Valid as long as c. */
const char *dtls_ctx_fingerprint(const struct dtls_ctx *c);
/* Parse "AB:CD:..." (32 bytes, upper or lower case hex, colons between
 * bytes, nothing else). 0 or -EBADMSG; out is untouched on error. */
int dtls_fingerprint_parse(const char *s, uint8_t out[32]);

enum dtls_role { DTLS_ROLE_CLIENT, DTLS_ROLE_SERVER }; /* client = a=setup:active */

/*
 * Callbacks, all called from inside dtls_conn_start/input/timer/write with
 * the caller's arg. They may call dtls_conn_write() and the getters, but
 * must not free the conn (defer that to after the call returns).
 */
struct dtls_conn_ops {
	/* One datagram to the peer; the owner does sendto. A negative return is
	 * treated as a lost datagram (retransmission covers it). */
	int (*send)(void *arg, const uint8_t *data, size_t len);
	/* Handshake done, fingerprint verified, SRTP profile negotiated. */
	void (*established)(void *arg);
	/* One application_data record (KTR message); data valid during call. */
	void (*recv)(void *arg, const uint8_t *data, size_t len);
	/* Called once: failure (err < 0) or peer close_notify (err == 0). */
	void (*closed)(void *arg, int err);
};

/*
 * New association. peer_fingerprint (SHA-256, required) is copied. offer_ktr:
 * client: put key_transport in ClientHello; server: echo it when the
 * ClientHello had it and use_srtp. Both need cfg.ktr_ext_type != 0. ops is
 * copied; send is required, the others may be NULL. Errors: -EINVAL (NULL
 * ops/send, bad fingerprint), -ENOMEM, -EIO.
 */
int dtls_conn_alloc(struct dtls_conn **cp, struct dtls_ctx *c, enum dtls_role role,
		    const char *peer_fingerprint, bool offer_ktr,
		    const struct dtls_conn_ops *ops, void *arg);
/* Server: the peer's transport address bytes, bound into the stateless
 * HelloVerifyRequest cookie (RFC 6347 4.2.1) as HMAC-SHA256(secret, id).
 * At most 64 bytes are used; call before the first input. */
void dtls_conn_set_cookie_id(struct dtls_conn *d, const void *id, size_t len);
/* Client: send the ClientHello. Server: no-op. 0 or negative error. now_ms
 * starts the handshake bound. */
int dtls_conn_start(struct dtls_conn *d, uint64_t now_ms);
/*
 * One received datagram (first byte 20..63). Drives the handshake and hands
 * each application_data record to ops->recv. Returns 0, or a negative error
 * once the association failed (ops->closed was called once, at the call that
 * failed): -EKEYREJECTED fingerprint mismatch, -ENOTSUP no SRTP profile,
 * -ETIMEDOUT, -EPROTO any other TLS failure, -EPIPE after a clean close.
 * Garbage is dropped or fails the association cleanly. data is not kept.
 */
int dtls_conn_input(struct dtls_conn *d, const uint8_t *data, size_t len, uint64_t now_ms);
/* ms until dtls_conn_timer() is due (0 = now), -1 when no timer pending.
 * OpenSSL keeps its retransmission timer on the real clock; the handshake
 * bound uses now_ms. */
int64_t dtls_conn_timeout_ms(const struct dtls_conn *d, uint64_t now_ms);
/* Retransmit if due, fail with -ETIMEDOUT past the handshake bound or when
 * OpenSSL gives up. 0 or negative error (as dtls_conn_input). */
int dtls_conn_timer(struct dtls_conn *d, uint64_t now_ms);
bool dtls_conn_established(const struct dtls_conn *d);
/* key_transport negotiated: we offered and it was echoed (client), or the
 * client offered and we echoed (server). */
bool dtls_conn_ktr(const struct dtls_conn *d);
/*
 * Send one application_data record (KTR). 0, or -ENOTSUP if !dtls_conn_ktr
 * (nothing sent), -EAGAIN before established, -EMSGSIZE if the record would
 * not fit the MTU (DTLS_get_data_mtu), the association's error after a
 * failure, -EINVAL for NULL/empty data.
 */
int dtls_conn_write(struct dtls_conn *d, const uint8_t *data, size_t len);
/* Send close_notify (once). The conn stays allocated. 0 or -EAGAIN. */
int dtls_conn_shutdown(struct dtls_conn *d);

struct dtls_srtp_keys {
	int profile; /* enum dtls_profile */
	size_t key_len, salt_len;
	uint8_t local_key[32], local_salt[14], remote_key[32], remote_salt[14];
};
/*
 * RFC 5764 4.2: the exporter ("EXTRACTOR-dtls_srtp") output
 * client_key|server_key|client_salt|server_salt, split by role: local = what
 * WE protect with (client: client write key), remote = what the peer
 * protects with. Sizes: profiles 1,2: 16/14; 7: 16/12; 8: 32/12. Unused tail
 * bytes are zero. The caller wipes *k (sec_wipe) when done. 0, -EAGAIN
 * before established, -EIO exporter failure.
 */
int dtls_conn_srtp_keys(const struct dtls_conn *d, struct dtls_srtp_keys *k);
/* Last failure text ("peer certificate fingerprint mismatch", OpenSSL's
 * reason, ...), "" when none. Valid until the next call on d. */
const char *dtls_conn_error(const struct dtls_conn *d);
/* Accepts NULL. Sends nothing; frees all state. */
void dtls_conn_free(struct dtls_conn *d);

/* "SRTP_AES128_CM_SHA1_80" etc. (RFC 5764 4.1.2 names); NULL if unknown. */
const char *dtls_profile_name(int profile);
/* Inverse of dtls_profile_name; -EINVAL when unknown or NULL. */
int dtls_profile_parse(const char *name);
/* Key and salt lengths of a profile; 0 or -EINVAL. */
int dtls_profile_lens(int profile, size_t *key_len, size_t *salt_len);

#endif

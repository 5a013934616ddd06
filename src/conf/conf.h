/*
 * conf: the ktrsbc configuration file (conf/ktrsbc.conf) and the generic
 * line scanner that later configuration files (one per trunk in conf/trunks/) reuse.
 *
 * Format, one setting per line:
 *
 *	# a whole-line comment
 *	key = value                # a trailing comment (after a blank)
 *	key = value1 value2 ...    # a list: values separated by blanks
 *
 * Blank lines are skipped; blanks (space, tab) around keys and values are
 * trimmed; "\r\n" line ends are accepted. '#' starts a comment at the start
 * of a line or after a blank; elsewhere ('a#b') it is part of the value.
 * Values carry no quoting: a value never contains a blank. Keys are made
 * of [A-Za-z0-9_.-]. Unknown and duplicate keys are errors. Numbers are
 * decimal ("010" is ten, not octal) or hexadecimal with a 0x prefix, with
 * no sign, no blanks and nothing after the digits.
 *
 * Every error is written to a caller-supplied buffer as
 * "FILE:LINE: message" ("FILE: message" when no line is to blame: the
 * file cannot be read, or a cross-field check fails against defaults), and
 * the function returns a negative errno (base/err.h):
 *	-EBADMSG   syntax: missing '=', empty or malformed key, NUL byte or
 *	           other control character in a line
 *	-EMSGSIZE  a named limit exceeded: CONF_LINE_MAX, CONF_FILE_MAX,
 *	           CONF_VALUES_MAX
 *	-EINVAL    unknown key, duplicate key, bad value, value out of range,
 *	           cross-field conflict
 *	-errno     the file cannot be opened or read (-ENOENT, -EACCES,
 *	           -EISDIR ...), -ENOMEM
 * Nothing is logged: the caller decides where the message goes.
 */
#ifndef KTRSBC_CONF_H
#define KTRSBC_CONF_H

#include <stddef.h>
#include <stdint.h>

/* Limits on what a configuration file may hold (checked before use). */
#define CONF_LINE_MAX	1024	/* bytes in one line, without "\r\n" */
#define CONF_FILE_MAX	65536	/* bytes in one file */
#define CONF_VALUES_MAX	16	/* values on one line */
#define CONF_OFFLOAD_DEVS_MAX	16	/* offload_devices (OFFLOAD_IFS_MAX) */
#define CONF_IFNAME_MAX	16	/* a device name and its NUL (IF_NAMESIZE) */
#define CONF_OFFLOAD_AUTO	1
#define CONF_OFFLOAD_OFF	0
#define CONF_PROFILES_MAX 4	/* SRTP protection profiles we implement */
#define CONF_LISTEN_MAX	8	/* sip_listen entries */
#define CONF_PATH_MAX	256	/* bytes in a path setting, with NUL */
#define CONF_CTL_PATH_MAX 108	/* control_socket: sun_path, with NUL */
#define CONF_STREAMS_MAX 8	/* max_streams' hard bound (MEDIA_STREAMS_MAX) */
#define CONF_BUNDLE_SSRCS_MAX 64 /* max_bundle_ssrcs' bound (RELAY_BUNDLE_SSRCS_MAX) */

/* SIP transports of sip_listen. */
enum conf_transport {
	CONF_TRANSPORT_UDP = 0,
	CONF_TRANSPORT_TCP,
	CONF_TRANSPORT_TLS,
};

/* One SIP listen address: "udp:127.0.0.1:5060", "tls:[::1]:5061". */
struct conf_listen {
	int transport;			/* enum conf_transport */
	char host[48];			/* IPv4/IPv6 literal, no brackets */
	uint16_t port;			/* 1..65535 */
};

/* SRTP protection profile ids: RFC 5764 4.1.2, RFC 7714 14.2. */
#define CONF_SRTP_AES128_CM_SHA1_80	0x0001
#define CONF_SRTP_AES128_CM_SHA1_32	0x0002
#define CONF_SRTP_AEAD_AES_128_GCM	0x0007
#define CONF_SRTP_AEAD_AES_256_GCM	0x0008

/*
 * The loaded configuration. Plain data: copy it, keep it on the stack.
 * Ranges and defaults are those of conf/ktrsbc.conf; conf_parse()
 * guarantees them for every struct it returns 0 for.
 */
struct conf {
	int log_level;			/* enum klog_level; default KLOG_INFO */
	char certificate[256];		/* "auto" (default): fresh ECDSA P-256
					 * at start; else a PEM path */
	char private_key[256];		/* PEM path; required with a
					 * certificate path, empty with auto */
	int profiles[CONF_PROFILES_MAX];	/* CONF_SRTP_*, preference order */
	size_t n_profiles;		/* 1..4; default all four, as above */
	uint16_t ktr_extension;		/* 0xff00..0xffff but not 0xff01;
					 * default 0xff7a (draft 4.1) */
	uint32_t ktr_max_fragment;	/* 1..16384, default 1024 (4.5) */
	uint32_t ktr_max_message;	/* 64..65536, default 512 (4.5) */
	uint32_t ktr_max_pending;	/* 1..64, default 4 (4.5) */
	uint32_t ktr_reassembly_timeout_ms;	/* 100..60000, default 5000 */
	uint32_t ktr_retransmit_initial_ms;	/* 10..10000, default 250 (4.2) */
	uint32_t ktr_retransmit_max_ms;	/* initial..60000, default 2000 */
	uint32_t ktr_retransmit_limit;	/* 1..64, default 8 */
	uint32_t ktr_activate_ahead;	/* packets, 1..65535, default 50
					 * (4.3.1: about 1 s ahead) */
	uint32_t dtls_mtu;		/* 256..9000, default 1200 */
	uint32_t dtls_handshake_timeout_ms;	/* 1000..120000, default 10000 */
	char media_address[64];		/* IPv4/IPv6 literal, default 127.0.0.1 */
	char media_address6[64];	/* IPv6 literal beside an IPv4
					 * media_address, for legs whose
					 * peer's SDP is IPv6; "" (default,
					 * or "none"): none */
	uint16_t media_port_min;	/* 1024..65535, default 30000 */
	uint16_t media_port_max;	/* min..65535, default 30999 */
	uint32_t media_timeout_ms;	/* no media on a call for this long
					 * ends it; 1000..3600000, default
					 * 60000 */
	uint32_t relay_workers;		/* media threads, 0..256, default 0
					 * (one per core) */
	int offload;			/* CONF_OFFLOAD_AUTO (default) or
					 * CONF_OFFLOAD_OFF: the in-kernel
					 * fast path (issue 7) */
	char offload_devices[CONF_OFFLOAD_DEVS_MAX][CONF_IFNAME_MAX];
	size_t n_offload_devices;	/* 0 (default, "auto"): the device
					 * holding media_address, or every
					 * up non-loopback device when that
					 * is a loopback device */
	/* ---- the SBC (issue 5) ---- */
	struct conf_listen sip_listen[CONF_LISTEN_MAX];
	size_t n_sip_listen;		/* 1..CONF_LISTEN_MAX; default 3:
					 * udp:127.0.0.1:5060
					 * tcp:127.0.0.1:5060
					 * tls:127.0.0.1:5061 */
	char sip_tls_dir[CONF_PATH_MAX];	/* "auto" (default): generate
					 * agent.pem + cafile.pem at start;
					 * else a directory holding them
					 * (relative: see conf_path_resolve) */
	char trunks_dir[CONF_PATH_MAX];	/* default "trunks" (relative: see
					 * conf_path_resolve) */
	char control_socket[CONF_CTL_PATH_MAX];	/* "auto" (default): see
					 * conf_control_path; else an
					 * absolute path */
	uint32_t answer_wait_ms;	/* how long the SDES answer may wait
					 * for the DTLS handshake; 100..120000,
					 * default 5000 (docs/design.md, from
					 * the SDES side, step 5) */
	uint32_t ice_consent_timeout_ms; /* ICE-lite on the DTLS side: no
					 * valid STUN check from the peer for
					 * this long stops media toward it;
					 * 1000..30000, default 30000 (RFC
					 * 7675 5.1) */
	uint32_t max_calls;		/* calls at once; 1..100000, default
					 * 1000 */
	uint32_t max_streams;		/* RTP m-lines with a port relayed
					 * per call; an offer with more gets
					 * 488; 1..CONF_STREAMS_MAX, default 4 */
	uint32_t max_bundle_ssrcs;	/* SSRCs one BUNDLE group may carry
					 * (RFC 9143; the relay's demux table):
					 * an offer or answer signalling more
					 * gets 488; 1..CONF_BUNDLE_SSRCS_MAX,
					 * default 16 */
	int daemonize;			/* 0/1, default 0 */
	int log_syslog;			/* 0/1, default 0: also log to
					 * syslog (LOG_DAEMON) */
};

/* Fill every field of c with its default (zeroing the rest first). */
void conf_defaults(struct conf *c);

/*
 * conf_load - conf_defaults(c), then read and parse the file at path.
 * Returns 0, or a negative errno with "path[:LINE]: message" in err (err
 * may be NULL when errlen is 0). On failure c is partially updated: the
 * caller discards it (keeps its previous configuration on reload).
 */
int conf_load(struct conf *c, const char *path, char *err, size_t errlen);

/*
 * conf_parse - apply the settings in text[0..len) over c, which the
 * caller has initialised with conf_defaults(); name is used in messages.
 * text need not be NUL-terminated; an embedded NUL byte is an error.
 * Cross-field checks (certificate vs private_key, retransmit max vs
 * initial, port min vs max) run after the whole text and blame the later
 * of the two keys' lines (no line when both come from the defaults).
 * Returns 0 or a negative errno as above; c may be partially updated.
 */
int conf_parse(struct conf *c, const char *name, const char *text, size_t len,
	       char *err, size_t errlen);

/*
 * conf_path_resolve - the path a relative path setting (trunks_dir,
 * sip_tls_dir) names: relative to the directory of the configuration file
 * conf_path ("conf/ktrsbc.conf" + "trunks" -> "conf/trunks"); an absolute
 * value is copied. Returns 0, -EINVAL (NULL argument) or -EMSGSIZE when
 * the result does not fit in cap bytes.
 */
int conf_path_resolve(const char *conf_path, const char *value, char *out,
		      size_t cap);

/*
 * conf_control_path - the control socket path: control_socket, or for
 * "auto" "/tmp/ktrsbc-UID.ctl" (UID the real user id: each user has their
 * own, no root needed). 0, -EINVAL or -EMSGSIZE.
 */
int conf_control_path(const struct conf *c, char *out, size_t cap);

/*
 * conf_file_read - read the file at path (at most CONF_FILE_MAX bytes)
 * into a new buffer *bufp (not NUL-terminated; the caller frees it) of
 * *lenp bytes. Returns 0 or a negative errno with "path: message" in err:
 * -ENOENT, -EACCES, -EISDIR ..., -EMSGSIZE over CONF_FILE_MAX, -ENOMEM.
 */
int conf_file_read(const char *path, char **bufp, size_t *lenp, char *err,
		   size_t errlen);

/* ---- generic scanner, for this and later configuration files ---------- */

/* One "key = value..." line, valid only during the handler call. */
struct conf_line {
	const char *name;		/* file name, for messages */
	unsigned lineno;		/* 1-based */
	const char *key;		/* non-empty, [A-Za-z0-9_.-]+ */
	const char *const *vals;	/* values split on blanks */
	size_t n_vals;			/* 0..CONF_VALUES_MAX (0: "key =") */
};

/*
 * Handler called by conf_scan() for each setting, in file order. Returns
 * 0 to go on, or a negative errno after writing the message into err
 * (with conf_errf(), blaming l->lineno); conf_scan() then stops with it.
 */
typedef int (conf_line_h)(void *arg, const struct conf_line *l, char *err,
			  size_t errlen);

/*
 * conf_scan - split text[0..len) into lines, check the syntax and the
 * limits, and call h for each setting. Returns 0, the handler's error, or
 * a negative errno of its own with the message in err.
 */
int conf_scan(const char *name, const char *text, size_t len, conf_line_h *h,
	      void *arg, char *err, size_t errlen);

/*
 * conf_errf - write "name:lineno: <fmt>" into err, or "name: <fmt>" when
 * lineno is 0. Truncates to errlen; does nothing when err is NULL or
 * errlen is 0.
 */
void conf_errf(char *err, size_t errlen, const char *name, unsigned lineno,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif

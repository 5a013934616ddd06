/* conf: the ktrsbc.conf keys (see conf.h; the scanner is conf_scan.c). */
#include "conf/conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/klog.h"
#include "conf/conf_int.h"

/* ---- ktrsbc.conf keys ----------------------------------------------------- */

enum conf_kind {
	K_U32,		/* uint32_t at off, min..max */
	K_U16,		/* uint16_t at off, min..max */
	K_LOG_LEVEL,
	K_CERT,
	K_KEY,
	K_PROFILES,
	K_EXTENSION,
	K_ADDRESS,
	K_ADDRESS6,
	K_LISTEN,	/* sip_listen list */
	K_DIR,		/* char[max] at off: "auto" or a path */
	K_CTL,		/* control_socket */
	K_BOOL,		/* int at off: yes/no */
	K_OFFLOAD,	/* auto/off */
	K_DEVICES,	/* offload_devices list */
};

struct conf_key {
	const char *name;
	enum conf_kind kind;
	size_t off;
	uint32_t min, max;
};

#define U32(f, lo, hi) { #f, K_U32, offsetof(struct conf, f), lo, hi }
#define U16(f, lo, hi) { #f, K_U16, offsetof(struct conf, f), lo, hi }

/* Index names for the cross-field checks; order matches keys[]. */
enum {
	KEY_LOG_LEVEL, KEY_CERT, KEY_PRIVKEY, KEY_PROFILES, KEY_EXTENSION,
	KEY_MAX_FRAGMENT, KEY_MAX_MESSAGE, KEY_MAX_PENDING, KEY_REASM_TIMEOUT,
	KEY_RTX_INITIAL, KEY_RTX_MAX, KEY_RTX_LIMIT, KEY_ACTIVATE_AHEAD,
	KEY_DTLS_MTU, KEY_DTLS_TIMEOUT, KEY_ADDRESS, KEY_PORT_MIN, KEY_PORT_MAX,
	KEY_MEDIA_TIMEOUT, KEY_RELAY_WORKERS, KEY_SIP_LISTEN, KEY_SIP_TLS_DIR,
	KEY_TRUNKS_DIR, KEY_CONTROL_SOCKET, KEY_ANSWER_WAIT, KEY_MAX_CALLS,
	KEY_MAX_STREAMS,
	KEY_MAX_BUNDLE_SSRCS,
	KEY_DAEMONIZE, KEY_LOG_SYSLOG, KEY_OFFLOAD, KEY_OFFLOAD_DEVICES,
	KEY_ADDRESS6, KEY_ICE_CONSENT, KEY_COUNT
};

static const struct conf_key keys[KEY_COUNT] = {
	[KEY_LOG_LEVEL] = { "log_level", K_LOG_LEVEL, 0, 0, 0 },
	[KEY_CERT] = { "certificate", K_CERT, 0, 0, 0 },
	[KEY_PRIVKEY] = { "private_key", K_KEY, 0, 0, 0 },
	[KEY_PROFILES] = { "srtp_profiles", K_PROFILES, 0, 0, 0 },
	[KEY_EXTENSION] = { "ktr_extension", K_EXTENSION, 0, 0xff00, 0xffff },
	[KEY_MAX_FRAGMENT] = U32(ktr_max_fragment, 1, 16384),
	[KEY_MAX_MESSAGE] = U32(ktr_max_message, 64, 65536),
	[KEY_MAX_PENDING] = U32(ktr_max_pending, 1, 64),
	[KEY_REASM_TIMEOUT] = U32(ktr_reassembly_timeout_ms, 100, 60000),
	[KEY_RTX_INITIAL] = U32(ktr_retransmit_initial_ms, 10, 10000),
	[KEY_RTX_MAX] = U32(ktr_retransmit_max_ms, 10, 60000),
	[KEY_RTX_LIMIT] = U32(ktr_retransmit_limit, 1, 64),
	[KEY_ACTIVATE_AHEAD] = U32(ktr_activate_ahead, 1, 65535),
	[KEY_DTLS_MTU] = U32(dtls_mtu, 256, 9000),
	[KEY_DTLS_TIMEOUT] = U32(dtls_handshake_timeout_ms, 1000, 120000),
	[KEY_ADDRESS] = { "media_address", K_ADDRESS, 0, 0, 0 },
	[KEY_PORT_MIN] = U16(media_port_min, 1024, 65534),
	[KEY_PORT_MAX] = U16(media_port_max, 1025, 65535),
	[KEY_MEDIA_TIMEOUT] = U32(media_timeout_ms, 1000, 3600000),
	[KEY_RELAY_WORKERS] = U32(relay_workers, 0, 256),
	[KEY_SIP_LISTEN] = { "sip_listen", K_LISTEN, 0, 0, 0 },
	[KEY_SIP_TLS_DIR] = { "sip_tls_dir", K_DIR,
			      offsetof(struct conf, sip_tls_dir), 0,
			      CONF_PATH_MAX },
	[KEY_TRUNKS_DIR] = { "trunks_dir", K_DIR,
			     offsetof(struct conf, trunks_dir), 0,
			     CONF_PATH_MAX },
	[KEY_CONTROL_SOCKET] = { "control_socket", K_CTL, 0, 0, 0 },
	[KEY_ANSWER_WAIT] = U32(answer_wait_ms, 100, 120000),
	[KEY_MAX_CALLS] = U32(max_calls, 1, 100000),
	[KEY_MAX_STREAMS] = U32(max_streams, 1, CONF_STREAMS_MAX),
	[KEY_MAX_BUNDLE_SSRCS] = U32(max_bundle_ssrcs, 1, CONF_BUNDLE_SSRCS_MAX),
	[KEY_DAEMONIZE] = { "daemonize", K_BOOL,
			    offsetof(struct conf, daemonize), 0, 0 },
	[KEY_LOG_SYSLOG] = { "log_syslog", K_BOOL,
			     offsetof(struct conf, log_syslog), 0, 0 },
	[KEY_OFFLOAD] = { "offload", K_OFFLOAD, 0, 0, 0 },
	[KEY_OFFLOAD_DEVICES] = { "offload_devices", K_DEVICES, 0, 0, 0 },
	[KEY_ADDRESS6] = { "media_address6", K_ADDRESS6, 0, 0, 0 },
	[KEY_ICE_CONSENT] = U32(ice_consent_timeout_ms, 1000, 30000),
};

static const char *const transport_names[] = {
	[CONF_TRANSPORT_UDP] = "udp",
	[CONF_TRANSPORT_TCP] = "tcp",
	[CONF_TRANSPORT_TLS] = "tls",
};

/* The default sip_listen: UDP and TCP on 5060, TLS on 5061 (RFC 3261
 * 19.1.2, 26.2), loopback. */
static const struct conf_listen listen_defaults[] = {
	{ CONF_TRANSPORT_UDP, "127.0.0.1", 5060 },
	{ CONF_TRANSPORT_TCP, "127.0.0.1", 5060 },
	{ CONF_TRANSPORT_TLS, "127.0.0.1", 5061 },
};

static const struct {
	const char *name;
	int id;
} profile_names[CONF_PROFILES_MAX] = {
	{ "SRTP_AES128_CM_SHA1_80", CONF_SRTP_AES128_CM_SHA1_80 },
	{ "SRTP_AES128_CM_SHA1_32", CONF_SRTP_AES128_CM_SHA1_32 },
	{ "SRTP_AEAD_AES_128_GCM", CONF_SRTP_AEAD_AES_128_GCM },
	{ "SRTP_AEAD_AES_256_GCM", CONF_SRTP_AEAD_AES_256_GCM },
};

#define KTR_EXTENSION_DEFAULT	0xff7a	/* first byte 255: private use, RFC 8446 11 */
#define TLS_EXT_RENEGOTIATION	0xff01	/* renegotiation_info, RFC 5746 */

/* Parsing state: the target and the line on which each key was set. */
struct conf_state {
	struct conf *c;
	unsigned line[KEY_COUNT];	/* 0: still the default */
};

void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->log_level = KLOG_INFO;
	strcpy(c->certificate, "auto");
	for (size_t i = 0; i < CONF_PROFILES_MAX; i++)
		c->profiles[i] = profile_names[i].id;
	c->n_profiles = CONF_PROFILES_MAX;
	c->ktr_extension = KTR_EXTENSION_DEFAULT;
	c->ktr_max_fragment = 1024;
	c->ktr_max_message = 512;
	c->ktr_max_pending = 4;
	c->ktr_reassembly_timeout_ms = 5000;
	c->ktr_retransmit_initial_ms = 250;
	c->ktr_retransmit_max_ms = 2000;
	c->ktr_retransmit_limit = 8;
	c->ktr_activate_ahead = 50;
	c->dtls_mtu = 1200;
	c->dtls_handshake_timeout_ms = 10000;
	strcpy(c->media_address, "127.0.0.1");
	c->media_port_min = 30000;
	c->media_port_max = 30999;
	c->media_timeout_ms = 60000;
	c->relay_workers = 0;
	memcpy(c->sip_listen, listen_defaults, sizeof(listen_defaults));
	c->n_sip_listen = sizeof(listen_defaults) / sizeof(listen_defaults[0]);
	strcpy(c->sip_tls_dir, "auto");
	strcpy(c->trunks_dir, "trunks");
	strcpy(c->control_socket, "auto");
	c->answer_wait_ms = 5000;
	c->ice_consent_timeout_ms = 30000; /* RFC 7675 5.1 */
	c->max_calls = 1000;
	c->max_streams = 4;
	c->max_bundle_ssrcs = 16;
	c->daemonize = 0;
	c->log_syslog = 0;
	c->offload = CONF_OFFLOAD_AUTO;
	c->n_offload_devices = 0;
}

static bool is_digit(char ch, int base)
{
	if (ch >= '0' && ch <= '9')
		return true;
	return base == 16 && ((ch >= 'a' && ch <= 'f') ||
			      (ch >= 'A' && ch <= 'F'));
}

/*
 * Parse an unsigned number: decimal, or hex after "0x"/"0X". No sign, no
 * blanks, nothing after the digits, no overflow. Every character is
 * checked here before strtoul() runs, as strtoul() itself would accept a
 * sign, leading blanks and a second "0x". 0 or -EINVAL with the message
 * (blaming l) in err.
 */
static int parse_u32(const struct conf_line *l, const char *s, uint32_t *out,
		     char *err, size_t errlen)
{
	const char *digits = s;
	unsigned long v;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	if (!is_digit(digits[0], base)) {
		conf_errf(err, errlen, l->name, l->lineno,
			  base == 16 ? "%s: '%.*s' is not a valid hex number" :
				       "%s: '%.*s' is not a number",
			  l->key, CONF_ECHO_MAX, s);
		return -EINVAL;
	}
	for (const char *p = digits; *p; p++) {
		if (!is_digit(*p, base)) {
			conf_errf(err, errlen, l->name, l->lineno,
				  "%s: junk after the number in '%.*s'",
				  l->key, CONF_ECHO_MAX, s);
			return -EINVAL;
		}
	}
	errno = 0;
	v = strtoul(digits, NULL, base);
	if (errno == ERANGE || v > UINT32_MAX) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: '%.*s' is too large", l->key, CONF_ECHO_MAX, s);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* parse_u32() plus a range check. */
static int parse_range(const struct conf_line *l, const char *s, uint32_t min,
		       uint32_t max, uint32_t *out, char *err, size_t errlen)
{
	uint32_t v;
	int r = parse_u32(l, s, &v, err, errlen);

	if (r < 0)
		return r;
	if (v < min || v > max) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: %.*s is out of range %u..%u", l->key,
			  CONF_ECHO_MAX, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Copy a value into a fixed string field, zero-filling the rest. */
static int set_string(const struct conf_line *l, char *dst, size_t size,
		      const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (n >= size) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: longer than %zu bytes", l->key, size - 1);
		return -EINVAL;
	}
	memset(dst, 0, size);
	memcpy(dst, s, n);
	return 0;
}

static int set_extension(struct conf *c, const struct conf_line *l,
			 const char *s, char *err, size_t errlen)
{
	uint32_t v;
	int r = parse_u32(l, s, &v, err, errlen);

	if (r < 0)
		return r;
	/* Draft 4.1 assigns no code point (section 8 leaves it to IANA):
	 * the value must come from TLS's private-use range. */
	if (v == TLS_EXT_RENEGOTIATION) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: 0x%04x is renegotiation_info (RFC 5746), not usable",
			  l->key, v);
		return -EINVAL;
	}
	if (v < 0xff00 || v > 0xffff) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: 0x%04x is outside the private-use range 0xff00..0xffff%s",
			  l->key, v,
			  v == 0x000e ? " (0x000e is use_srtp, RFC 5764)" : "");
		return -EINVAL;
	}
	c->ktr_extension = (uint16_t)v;
	return 0;
}

static int set_profiles(struct conf *c, const struct conf_line *l, char *err,
			size_t errlen)
{
	int ids[CONF_PROFILES_MAX];
	size_t n = 0;

	if (l->n_vals == 0) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: empty list, name at least one profile", l->key);
		return -EINVAL;
	}
	for (size_t i = 0; i < l->n_vals; i++) {
		const char *s = l->vals[i];
		int id = -1;

		for (size_t k = 0; k < CONF_PROFILES_MAX; k++) {
			if (strcmp(s, profile_names[k].name) == 0)
				id = profile_names[k].id;
		}
		if (id < 0) {
			conf_errf(err, errlen, l->name, l->lineno,
				  "%s: unknown profile '%.*s'", l->key,
				  CONF_ECHO_MAX, s);
			return -EINVAL;
		}
		for (size_t k = 0; k < n; k++) {
			if (ids[k] == id) {
				conf_errf(err, errlen, l->name, l->lineno,
					  "%s: %s listed twice", l->key, s);
				return -EINVAL;
			}
		}
		/* n < CONF_PROFILES_MAX here: more names would repeat one. */
		ids[n++] = id;
	}
	memset(c->profiles, 0, sizeof(c->profiles));
	memcpy(c->profiles, ids, n * sizeof(ids[0]));
	c->n_profiles = n;
	return 0;
}

/*
 * One sip_listen entry, "TRANSPORT:HOST:PORT" with HOST an IPv4 literal or
 * a bracketed IPv6 literal (a SIP listener binds an address, never a
 * name).
 */
static int listen_parse(const struct conf_line *l, const char *s,
			struct conf_listen *out, char *err, size_t errlen)
{
	const char *h, *port;
	unsigned char addr[16];
	size_t hn;
	uint32_t v;
	int t = -1;

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(transport_names[i]);

		if (strncmp(s, transport_names[i], n) == 0 && s[n] == ':')
			t = (int)i;
	}
	if (t < 0)
		goto bad;
	h = s + 4;
	if (h[0] == '[') {
		const char *rb = strchr(h, ']');

		if (!rb || rb[1] != ':')
			goto bad;
		hn = (size_t)(rb - h - 1);
		port = rb + 2;
		h++;
	} else {
		const char *colon = strrchr(h, ':');

		if (!colon)
			goto bad;
		hn = (size_t)(colon - h);
		port = colon + 1;
	}
	if (hn == 0 || hn >= sizeof(out->host))
		goto bad;
	memset(out, 0, sizeof(*out));
	memcpy(out->host, h, hn);
	if (inet_pton(h[-1] == '[' ? AF_INET6 : AF_INET, out->host, addr) != 1)
		goto bad;
	for (const char *p = port; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
	}
	if (*port == '\0' || strlen(port) > 5)
		goto bad;
	v = (uint32_t)strtoul(port, NULL, 10);
	if (v == 0 || v > 65535)
		goto bad;
	out->transport = t;
	out->port = (uint16_t)v;
	return 0;
bad:
	conf_errf(err, errlen, l->name, l->lineno,
		  "%s: '%.*s' is not udp|tcp|tls:IPV4:PORT or udp|tcp|tls:[IPV6]:PORT",
		  l->key, CONF_ECHO_MAX, s);
	return -EINVAL;
}

static int set_listen(struct conf *c, const struct conf_line *l, char *err,
		      size_t errlen)
{
	struct conf_listen ls[CONF_LISTEN_MAX];
	size_t n = 0;
	int r;

	if (l->n_vals == 0) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: empty list, name at least one address", l->key);
		return -EINVAL;
	}
	if (l->n_vals > CONF_LISTEN_MAX) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: more than %d addresses", l->key,
			  CONF_LISTEN_MAX);
		return -EMSGSIZE;
	}
	for (size_t i = 0; i < l->n_vals; i++) {
		r = listen_parse(l, l->vals[i], &ls[n], err, errlen);
		if (r < 0)
			return r;
		for (size_t k = 0; k < n; k++) {
			bool both_tcp = ls[k].transport != CONF_TRANSPORT_UDP &&
					ls[n].transport != CONF_TRANSPORT_UDP;

			if (ls[k].port != ls[n].port ||
			    strcmp(ls[k].host, ls[n].host) != 0)
				continue;
			if (ls[k].transport == ls[n].transport) {
				conf_errf(err, errlen, l->name, l->lineno,
					  "%s: %s listed twice", l->key,
					  l->vals[i]);
				return -EINVAL;
			}
			if (both_tcp) {
				conf_errf(err, errlen, l->name, l->lineno,
					  "%s: %s and %s share one TCP port",
					  l->key, l->vals[k], l->vals[i]);
				return -EINVAL;
			}
		}
		n++;
	}
	memset(c->sip_listen, 0, sizeof(c->sip_listen));
	memcpy(c->sip_listen, ls, n * sizeof(ls[0]));
	c->n_sip_listen = n;
	return 0;
}

/* offload_devices: "auto" alone, or device names (checked against the
 * machine at start, not here: --check-config may run elsewhere). */
static int set_devices(struct conf *c, const struct conf_line *l, char *err,
		       size_t errlen)
{
	if (l->n_vals == 0) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: empty list, give auto or device names", l->key);
		return -EINVAL;
	}
	if (l->n_vals == 1 && strcmp(l->vals[0], "auto") == 0) {
		c->n_offload_devices = 0;
		return 0;
	}
	if (l->n_vals > CONF_OFFLOAD_DEVS_MAX) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: more than %d devices", l->key,
			  CONF_OFFLOAD_DEVS_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < l->n_vals; i++) {
		if (strcmp(l->vals[i], "auto") == 0) {
			conf_errf(err, errlen, l->name, l->lineno,
				  "%s: auto stands alone", l->key);
			return -EINVAL;
		}
		if (set_string(l, c->offload_devices[i], CONF_IFNAME_MAX,
			       l->vals[i], err, errlen))
			return -EINVAL;
	}
	c->n_offload_devices = l->n_vals;
	return 0;
}

/* Apply one value to the key k. */
static int key_set(struct conf *c, const struct conf_key *k,
		   const struct conf_line *l, char *err, size_t errlen)
{
	const char *s = l->n_vals ? l->vals[0] : "";
	enum klog_level lvl;
	unsigned char addr[16];
	uint32_t v;
	uint16_t v16;
	int r;

	if (k->kind == K_PROFILES)
		return set_profiles(c, l, err, errlen);
	if (k->kind == K_LISTEN)
		return set_listen(c, l, err, errlen);
	if (k->kind == K_DEVICES)
		return set_devices(c, l, err, errlen);
	if (l->n_vals > 1) {
		conf_errf(err, errlen, l->name, l->lineno,
			  "%s: takes one value, got %zu", l->key, l->n_vals);
		return -EINVAL;
	}
	/* Only private_key and media_address6 may be empty ("none"). */
	if (l->n_vals == 0 && k->kind != K_KEY && k->kind != K_ADDRESS6) {
		conf_errf(err, errlen, l->name, l->lineno, "%s: missing value",
			  l->key);
		return -EINVAL;
	}
	switch (k->kind) {
	case K_U32:
		r = parse_range(l, s, k->min, k->max, &v, err, errlen);
		if (r == 0)
			memcpy((char *)c + k->off, &v, sizeof(v));
		return r;
	case K_U16:
		r = parse_range(l, s, k->min, k->max, &v, err, errlen);
		if (r < 0)
			return r;
		v16 = (uint16_t)v;	/* k->max <= 65535 */
		memcpy((char *)c + k->off, &v16, sizeof(v16));
		return 0;
	case K_LOG_LEVEL:
		if (klog_level_parse(s, &lvl) < 0) {
			conf_errf(err, errlen, l->name, l->lineno,
				  "%s: '%.*s' is not one of err, warn, info, debug",
				  l->key, CONF_ECHO_MAX, s);
			return -EINVAL;
		}
		c->log_level = (int)lvl;
		return 0;
	case K_CERT:
		return set_string(l, c->certificate, sizeof(c->certificate), s,
				  err, errlen);
	case K_KEY:
		return set_string(l, c->private_key, sizeof(c->private_key), s,
				  err, errlen);
	case K_EXTENSION:
		return set_extension(c, l, s, err, errlen);
	case K_ADDRESS:
		if (inet_pton(AF_INET, s, addr) != 1 &&
		    inet_pton(AF_INET6, s, addr) != 1) {
			conf_errf(err, errlen, l->name, l->lineno,
				  "%s: '%.*s' is not an IPv4 or IPv6 address",
				  l->key, CONF_ECHO_MAX, s);
			return -EINVAL;
		}
		return set_string(l, c->media_address,
				  sizeof(c->media_address), s, err, errlen);
	case K_ADDRESS6:
		/* The IPv6 address beside an IPv4 media_address (conf.h);
		 * empty or "none": no IPv6 media. */
		if (!s[0] || strcmp(s, "none") == 0) {
			c->media_address6[0] = '\0';
			return 0;
		}
		if (inet_pton(AF_INET6, s, addr) != 1) {
			conf_errf(err, errlen, l->name, l->lineno,
				  "%s: '%.*s' is not an IPv6 address (or none)",
				  l->key, CONF_ECHO_MAX, s);
			return -EINVAL;
		}
		return set_string(l, c->media_address6,
				  sizeof(c->media_address6), s, err, errlen);
	case K_DIR:
		return set_string(l, (char *)c + k->off, k->max, s, err,
				  errlen);
	case K_CTL:
		if (strcmp(s, "auto") != 0 && s[0] != '/') {
			conf_errf(err, errlen, l->name, l->lineno,
				  "%s: '%.*s' is neither auto nor an absolute path",
				  l->key, CONF_ECHO_MAX, s);
			return -EINVAL;
		}
		return set_string(l, c->control_socket,
				  sizeof(c->control_socket), s, err, errlen);
	case K_BOOL:
		if (strcmp(s, "yes") != 0 && strcmp(s, "no") != 0) {
			conf_errf(err, errlen, l->name, l->lineno,
				  "%s: '%.*s' is not yes or no", l->key,
				  CONF_ECHO_MAX, s);
			return -EINVAL;
		}
		v = strcmp(s, "yes") == 0;
		memcpy((char *)c + k->off, &(int){ (int)v }, sizeof(int));
		return 0;
	case K_OFFLOAD:
		if (strcmp(s, "auto") != 0 && strcmp(s, "off") != 0) {
			conf_errf(err, errlen, l->name, l->lineno,
				  "%s: '%.*s' is not auto or off", l->key,
				  CONF_ECHO_MAX, s);
			return -EINVAL;
		}
		c->offload = strcmp(s, "auto") == 0 ? CONF_OFFLOAD_AUTO :
						      CONF_OFFLOAD_OFF;
		return 0;
	case K_PROFILES:
	case K_LISTEN:
	case K_DEVICES:
		break;
	}
	return -EINVAL;
}

static int conf_line_apply(void *arg, const struct conf_line *l, char *err,
			   size_t errlen)
{
	struct conf_state *st = arg;

	for (size_t i = 0; i < KEY_COUNT; i++) {
		if (strcmp(l->key, keys[i].name) != 0)
			continue;
		if (st->line[i]) {
			conf_errf(err, errlen, l->name, l->lineno,
				  "%s: duplicate key (first set on line %u)",
				  l->key, st->line[i]);
			return -EINVAL;
		}
		st->line[i] = l->lineno;
		return key_set(st->c, &keys[i], l, err, errlen);
	}
	conf_errf(err, errlen, l->name, l->lineno, "unknown key '%.*s'",
		  CONF_ECHO_MAX, l->key);
	return -EINVAL;
}

static unsigned later(const struct conf_state *st, int a, int b)
{
	return st->line[a] > st->line[b] ? st->line[a] : st->line[b];
}

/* Checks that involve two keys, once the whole file is read. */
static int conf_check_cross(const struct conf_state *st, const char *name,
			    char *err, size_t errlen)
{
	const struct conf *c = st->c;
	bool cert_auto = strcmp(c->certificate, "auto") == 0;

	if (!cert_auto && c->private_key[0] == '\0') {
		conf_errf(err, errlen, name, later(st, KEY_CERT, KEY_PRIVKEY),
			  "certificate: a PEM path needs private_key");
		return -EINVAL;
	}
	if (cert_auto && c->private_key[0] != '\0') {
		conf_errf(err, errlen, name, later(st, KEY_CERT, KEY_PRIVKEY),
			  "private_key: must be empty with certificate = auto");
		return -EINVAL;
	}
	if (c->ktr_retransmit_max_ms < c->ktr_retransmit_initial_ms) {
		conf_errf(err, errlen, name, later(st, KEY_RTX_INITIAL, KEY_RTX_MAX),
			  "ktr_retransmit_max_ms: %u is below ktr_retransmit_initial_ms %u",
			  c->ktr_retransmit_max_ms,
			  c->ktr_retransmit_initial_ms);
		return -EINVAL;
	}
	if (c->media_port_min > c->media_port_max) {
		conf_errf(err, errlen, name, later(st, KEY_PORT_MIN, KEY_PORT_MAX),
			  "media_port_min: %u is above media_port_max %u",
			  c->media_port_min, c->media_port_max);
		return -EINVAL;
	}
	/* One address per family: the relay binds each leg to the one of
	 * its peer's family (relay_leg_set_family). */
	if (c->media_address6[0] && strchr(c->media_address, ':')) {
		conf_errf(err, errlen, name, later(st, KEY_ADDRESS, KEY_ADDRESS6),
			  "media_address6: media_address %s is IPv6 already; give media_address an IPv4 address, or leave media_address6 out",
			  c->media_address);
		return -EINVAL;
	}
	/* A leg takes an even port and the odd one above (RFC 3550 11). */
	if ((((unsigned)c->media_port_min + 1u) & ~1u) >= c->media_port_max) {
		conf_errf(err, errlen, name, later(st, KEY_PORT_MIN, KEY_PORT_MAX),
			  "media_port_min..media_port_max: %u..%u holds no even/odd port pair",
			  c->media_port_min, c->media_port_max);
		return -EINVAL;
	}
	return 0;
}

int conf_parse(struct conf *c, const char *name, const char *text, size_t len,
	       char *err, size_t errlen)
{
	struct conf_state st = { .c = c };
	int r;

	if (!c) {
		conf_errf(err, errlen, name ? name : "(conf)", 0,
			  "bad arguments");
		return -EINVAL;
	}
	r = conf_scan(name, text, len, conf_line_apply, &st, err, errlen);
	if (r < 0)
		return r;
	return conf_check_cross(&st, name, err, errlen);
}

int conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!c || !path) {
		conf_errf(err, errlen, path ? path : "(conf)", 0,
			  "bad arguments");
		return -EINVAL;
	}
	conf_defaults(c);
	r = conf_file_read(path, &buf, &len, err, errlen);
	if (r < 0)
		return r;
	r = conf_parse(c, path, buf, len, err, errlen);
	free(buf);
	return r;
}

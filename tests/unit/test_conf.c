/* Unit tests for src/conf: the shipped file, every key, every error with
 * its "FILE:LINE: " prefix. Syntax, limits, conf_load and the generic
 * scanner: test_conf_scan.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/klog.h"
#include "conf/conf.h"
#include "tests/lib/conft.h"

static void assert_conf_equal(const struct conf *a, const struct conf *b)
{
	assert_int_equal(a->log_level, b->log_level);
	assert_string_equal(a->certificate, b->certificate);
	assert_string_equal(a->private_key, b->private_key);
	assert_int_equal(a->n_profiles, b->n_profiles);
	for (size_t i = 0; i < CONF_PROFILES_MAX; i++)
		assert_int_equal(a->profiles[i], b->profiles[i]);
	assert_int_equal(a->ktr_extension, b->ktr_extension);
	assert_int_equal(a->ktr_max_fragment, b->ktr_max_fragment);
	assert_int_equal(a->ktr_max_message, b->ktr_max_message);
	assert_int_equal(a->ktr_max_pending, b->ktr_max_pending);
	assert_int_equal(a->ktr_reassembly_timeout_ms,
			 b->ktr_reassembly_timeout_ms);
	assert_int_equal(a->ktr_retransmit_initial_ms,
			 b->ktr_retransmit_initial_ms);
	assert_int_equal(a->ktr_retransmit_max_ms, b->ktr_retransmit_max_ms);
	assert_int_equal(a->ktr_retransmit_limit, b->ktr_retransmit_limit);
	assert_int_equal(a->ktr_activate_ahead, b->ktr_activate_ahead);
	assert_int_equal(a->dtls_mtu, b->dtls_mtu);
	assert_int_equal(a->dtls_handshake_timeout_ms,
			 b->dtls_handshake_timeout_ms);
	assert_string_equal(a->media_address, b->media_address);
	assert_string_equal(a->media_address6, b->media_address6);
	assert_int_equal(a->media_port_min, b->media_port_min);
	assert_int_equal(a->media_port_max, b->media_port_max);
	assert_int_equal(a->media_timeout_ms, b->media_timeout_ms);
	assert_int_equal(a->relay_workers, b->relay_workers);
	assert_int_equal(a->n_sip_listen, b->n_sip_listen);
	for (size_t i = 0; i < CONF_LISTEN_MAX; i++) {
		assert_int_equal(a->sip_listen[i].transport,
				 b->sip_listen[i].transport);
		assert_string_equal(a->sip_listen[i].host, b->sip_listen[i].host);
		assert_int_equal(a->sip_listen[i].port, b->sip_listen[i].port);
	}
	assert_string_equal(a->sip_tls_dir, b->sip_tls_dir);
	assert_string_equal(a->trunks_dir, b->trunks_dir);
	assert_string_equal(a->control_socket, b->control_socket);
	assert_int_equal(a->answer_wait_ms, b->answer_wait_ms);
	assert_int_equal(a->ice_consent_timeout_ms, b->ice_consent_timeout_ms);
	assert_int_equal(a->max_calls, b->max_calls);
	assert_int_equal(a->max_streams, b->max_streams);
	assert_int_equal(a->daemonize, b->daemonize);
	assert_int_equal(a->log_syslog, b->log_syslog);
	assert_int_equal(a->offload, b->offload);
	assert_int_equal(a->n_offload_devices, b->n_offload_devices);
}


/* ---- defaults and the shipped file ----------------------------------- */

static void test_defaults(void **state)
{
	struct conf c;

	conf_defaults(&c);
	assert_int_equal(c.log_level, KLOG_INFO);
	assert_string_equal(c.certificate, "auto");
	assert_string_equal(c.private_key, "");
	assert_int_equal(c.n_profiles, 4);
	assert_int_equal(c.profiles[0], 1);
	assert_int_equal(c.profiles[1], 2);
	assert_int_equal(c.profiles[2], 7);
	assert_int_equal(c.profiles[3], 8);
	assert_int_equal(c.ktr_extension, 0xff7a);
	assert_int_equal(c.ktr_max_fragment, 1024);
	assert_int_equal(c.ktr_max_message, 512);
	assert_int_equal(c.ktr_max_pending, 4);
	assert_int_equal(c.ktr_reassembly_timeout_ms, 5000);
	assert_int_equal(c.ktr_retransmit_initial_ms, 250);
	assert_int_equal(c.ktr_retransmit_max_ms, 2000);
	assert_int_equal(c.ktr_retransmit_limit, 8);
	assert_int_equal(c.ktr_activate_ahead, 50);
	assert_int_equal(c.dtls_mtu, 1200);
	assert_int_equal(c.dtls_handshake_timeout_ms, 10000);
	assert_string_equal(c.media_address, "127.0.0.1");
	assert_int_equal(c.media_port_min, 30000);
	assert_int_equal(c.media_port_max, 30999);
	assert_int_equal(c.media_timeout_ms, 60000);
	assert_int_equal(c.relay_workers, 0);
	assert_int_equal(c.n_sip_listen, 3);
	assert_int_equal(c.sip_listen[0].transport, CONF_TRANSPORT_UDP);
	assert_string_equal(c.sip_listen[0].host, "127.0.0.1");
	assert_int_equal(c.sip_listen[0].port, 5060);
	assert_int_equal(c.sip_listen[1].transport, CONF_TRANSPORT_TCP);
	assert_int_equal(c.sip_listen[1].port, 5060);
	assert_int_equal(c.sip_listen[2].transport, CONF_TRANSPORT_TLS);
	assert_string_equal(c.sip_listen[2].host, "127.0.0.1");
	assert_int_equal(c.sip_listen[2].port, 5061);
	assert_string_equal(c.sip_listen[3].host, "");
	assert_string_equal(c.sip_tls_dir, "auto");
	assert_string_equal(c.trunks_dir, "trunks");
	assert_string_equal(c.control_socket, "auto");
	assert_int_equal(c.answer_wait_ms, 5000);
	assert_int_equal(c.ice_consent_timeout_ms, 30000);
	assert_int_equal(c.max_calls, 1000);
	assert_int_equal(c.max_streams, 4);
	assert_int_equal(c.max_bundle_ssrcs, 16);
	assert_int_equal(c.daemonize, 0);
	assert_int_equal(c.log_syslog, 0);
}

/* The shipped conf/ktrsbc.conf sets every key to its default. */
static void test_shipped_file(void **state)
{
	static const char *const all_keys[] = {
		"log_level", "certificate", "private_key", "srtp_profiles",
		"ktr_extension", "ktr_max_fragment", "ktr_max_message",
		"ktr_max_pending", "ktr_reassembly_timeout_ms",
		"ktr_retransmit_initial_ms", "ktr_retransmit_max_ms",
		"ktr_retransmit_limit", "ktr_activate_ahead", "dtls_mtu",
		"dtls_handshake_timeout_ms", "media_address",
		"media_port_min", "media_port_max", "media_timeout_ms",
		"relay_workers", "sip_listen", "sip_tls_dir", "trunks_dir",
		"control_socket", "answer_wait_ms", "max_calls", "max_streams",
		"max_bundle_ssrcs", "daemonize",
		"log_syslog", "offload", "offload_devices", "media_address6",
		"ice_consent_timeout_ms",
	};
	struct conf c, d;
	char err[CONFT_ERRLEN] = "X", line[CONF_LINE_MAX + 2];
	size_t found = 0;
	FILE *f;

	assert_int_equal(conf_load(&c, "conf/ktrsbc.conf", err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	conf_defaults(&d);
	assert_conf_equal(&c, &d);

	/* Every option is present (with its default, checked above). */
	f = fopen("conf/ktrsbc.conf", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < sizeof(all_keys) / sizeof(all_keys[0]);
		     i++) {
			size_t n = strlen(all_keys[i]);

			if (strncmp(line, all_keys[i], n) == 0 &&
			    line[n] == ' ' && line[n + 1] == '=')
				found++;
		}
	}
	fclose(f);
	assert_int_equal(found, sizeof(all_keys) / sizeof(all_keys[0]));
}

/* ---- every key, valid values ------------------------------------------- */

static void test_every_key_valid(void **state)
{
	struct conf c;

	conft_expect_ok("# header\n"
			"log_level = debug\n"
			"\n"
			"certificate = /etc/ktrsbc/cert#1.pem   # '#' inside a value\n"
			"private_key\t=\t/etc/ktrsbc/key.pem\r\n"
			"srtp_profiles = SRTP_AEAD_AES_256_GCM SRTP_AES128_CM_SHA1_80\n"
			"  ktr_extension = 0xFF00\n"
			"ktr_max_fragment = 0x10\n"
			"ktr_max_message = 65536\n"
			"ktr_max_pending = 64\n"
			"ktr_reassembly_timeout_ms = 100\n"
			"ktr_retransmit_initial_ms = 10000\n"
			"ktr_retransmit_max_ms = 010000\n"
			"ktr_retransmit_limit = 1\n"
			"ktr_activate_ahead = 65535\n"
			"dtls_mtu = 9000\n"
			"dtls_handshake_timeout_ms = 120000\n"
			"media_address = 2001:db8::1\n"
			"media_port_min = 1024\n"
			"media_port_max = 0xffff", /* no final newline */
			&c);
	assert_int_equal(c.log_level, KLOG_DEBUG);
	assert_string_equal(c.certificate, "/etc/ktrsbc/cert#1.pem");
	assert_string_equal(c.private_key, "/etc/ktrsbc/key.pem");
	assert_int_equal(c.n_profiles, 2);
	assert_int_equal(c.profiles[0], CONF_SRTP_AEAD_AES_256_GCM);
	assert_int_equal(c.profiles[1], CONF_SRTP_AES128_CM_SHA1_80);
	assert_int_equal(c.profiles[2], 0);
	assert_int_equal(c.ktr_extension, 0xff00);
	assert_int_equal(c.ktr_max_fragment, 16);
	assert_int_equal(c.ktr_max_message, 65536);
	assert_int_equal(c.ktr_max_pending, 64);
	assert_int_equal(c.ktr_reassembly_timeout_ms, 100);
	assert_int_equal(c.ktr_retransmit_initial_ms, 10000);
	assert_int_equal(c.ktr_retransmit_max_ms, 10000); /* not octal */
	assert_int_equal(c.ktr_retransmit_limit, 1);
	assert_int_equal(c.ktr_activate_ahead, 65535);
	assert_int_equal(c.dtls_mtu, 9000);
	assert_int_equal(c.dtls_handshake_timeout_ms, 120000);
	assert_string_equal(c.media_address, "2001:db8::1");
	assert_int_equal(c.media_port_min, 1024);
	assert_int_equal(c.media_port_max, 65535);

	/* media_address6: an IPv6 literal beside an IPv4 media_address;
	 * none or empty is none; never beside an IPv6 media_address. */
	conft_expect_ok("media_address6 = ::1\n", &c);
	assert_string_equal(c.media_address6, "::1");
	assert_string_equal(c.media_address, "127.0.0.1");
	conft_expect_ok("media_address6 = none\n", &c);
	assert_string_equal(c.media_address6, "");
	conft_expect_ok("media_address6 =\n", &c);
	assert_string_equal(c.media_address6, "");
	conft_expect_err("\nmedia_address6 = 127.0.0.1\n", -EINVAL, 2,
			 "is not an IPv6 address");
	conft_expect_err("media_address = ::1\n\nmedia_address6 = ::2\n", -EINVAL, 3,
			 "media_address ::1 is IPv6 already");
	conft_expect_err("media_address6 = ::2\nmedia_address = 2001:db8::1\n", -EINVAL, 2,
			 "media_address 2001:db8::1 is IPv6 already");

	conft_expect_ok("log_level = err\nmedia_address = 192.0.2.10\n"
			"ktr_extension = 65535\nsrtp_profiles = SRTP_AES128_CM_SHA1_32\n",
			&c);
	assert_int_equal(c.log_level, KLOG_ERR);
	assert_string_equal(c.media_address, "192.0.2.10");
	assert_int_equal(c.ktr_extension, 0xffff);
	assert_int_equal(c.n_profiles, 1);
	assert_int_equal(c.profiles[0], CONF_SRTP_AES128_CM_SHA1_32);
	conft_expect_ok("log_level = warn\n", &c);
	assert_int_equal(c.log_level, KLOG_WARN);
	conft_expect_ok("media_address = ::1\n", &c);
	assert_string_equal(c.media_address, "::1");
	conft_expect_ok("media_port_min = 40000\nmedia_port_max = 40001\n", &c);
	assert_int_equal(c.media_port_min, 40000);
	assert_int_equal(c.media_port_max, 40001);
}

/* Empty text, comments only, blank lines: the defaults stay. */
static void test_empty_and_comments(void **state)
{
	struct conf c, d;

	conf_defaults(&d);
	conft_expect_ok("", &c);
	assert_conf_equal(&c, &d);
	conft_expect_ok("\n\n   \n\t\r\n# x = y\n   # dtls_mtu = 1\n#\n", &c);
	assert_conf_equal(&c, &d);
	conft_expect_ok("dtls_mtu = 1300 # trailing = comment\n", &c);
	assert_int_equal(c.dtls_mtu, 1300);
	conft_expect_ok("dtls_mtu = 1301\t# after a tab\n", &c);
	assert_int_equal(c.dtls_mtu, 1301);
	/* '#' right after a value (no blank) is part of it: a bad number. */
	conft_expect_err("\ndtls_mtu = 1300#x\n", -EINVAL, 2, "junk after the number");
}

/* ---- numbers ------------------------------------------------------------- */

static const struct {
	const char *key;
	uint32_t min, max;
} ranges[] = {
	{ "ktr_max_fragment", 1, 16384 },
	{ "ktr_max_message", 64, 65536 },
	{ "ktr_max_pending", 1, 64 },
	{ "ktr_reassembly_timeout_ms", 100, 60000 },
	{ "ktr_retransmit_initial_ms", 10, 10000 },
	{ "ktr_retransmit_max_ms", 10, 60000 },
	{ "ktr_retransmit_limit", 1, 64 },
	{ "ktr_activate_ahead", 1, 65535 },
	{ "dtls_mtu", 256, 9000 },
	{ "dtls_handshake_timeout_ms", 1000, 120000 },
	{ "media_port_min", 1024, 65534 },
	{ "media_port_max", 1025, 65535 },
	{ "media_timeout_ms", 1000, 3600000 },
	{ "answer_wait_ms", 100, 120000 },
	{ "ice_consent_timeout_ms", 1000, 30000 },
	{ "max_calls", 1, 100000 },
	{ "max_streams", 1, 8 },
	{ "max_bundle_ssrcs", 1, 64 },
};

/* Each numeric key: min and max accepted, min-1 and max+1 refused on the
 * right line; the refusal names the range. */
static void test_numeric_ranges(void **state)
{
	char text[256], what[128];
	struct conf c;

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const char *k = ranges[i].key;
		uint32_t lo = ranges[i].min, hi = ranges[i].max;
		/* Keep the cross-field checks out of the way. */
		const char *pre = strncmp(k, "ktr_retransmit", 14) == 0 ?
					  "ktr_retransmit_initial_ms = 10\n"
					  "ktr_retransmit_max_ms = 60000\n" :
				  strncmp(k, "media_port", 10) == 0 ?
					  "media_port_min = 1024\n"
					  "media_port_max = 65535\n" :
					  "# a\n# b\n";
		/* Drop the key's own line from pre when it is that key. */
		char prebuf[128];
		char *dup;

		snprintf(prebuf, sizeof(prebuf), "%s", pre);
		dup = strstr(prebuf, k);
		if (dup)
			memcpy(dup, "#", 1);

		snprintf(text, sizeof(text), "%s%s = %u\n", prebuf, k, lo);
		conft_expect_ok(text, &c);
		snprintf(text, sizeof(text), "%s%s = %u\n", prebuf, k, hi);
		conft_expect_ok(text, &c);
		snprintf(what, sizeof(what), "%s: %u is out of range %u..%u", k,
			 lo - 1, lo, hi);
		snprintf(text, sizeof(text), "%s%s = %u\n", prebuf, k, lo - 1);
		conft_expect_err(text, -EINVAL, 3, what);
		snprintf(what, sizeof(what), "%s: %u is out of range %u..%u", k,
			 hi + 1, lo, hi);
		snprintf(text, sizeof(text), "%s%s = %u\n", prebuf, k, hi + 1);
		conft_expect_err(text, -EINVAL, 3, what);
	}
}

static void test_number_syntax(void **state)
{
	conft_expect_err("dtls_mtu = 1200x\n", -EINVAL, 1,
			 "dtls_mtu: junk after the number in '1200x'");
	conft_expect_err("\ndtls_mtu = 12.5\n", -EINVAL, 2, "junk after the number");
	conft_expect_err("\n\ndtls_mtu = 99999999999999999999\n", -EINVAL, 3,
			 "dtls_mtu: '99999999999999999999' is too large");
	conft_expect_err("dtls_mtu = 4294967296\n", -EINVAL, 1, "is too large");
	conft_expect_err("dtls_mtu = 0x100000000\n", -EINVAL, 1, "is too large");
	conft_expect_err("dtls_mtu = 4294967295\n", -EINVAL, 1,
			 "4294967295 is out of range 256..9000");
	conft_expect_err("dtls_mtu = 0x\n", -EINVAL, 1,
			 "dtls_mtu: '0x' is not a valid hex number");
	conft_expect_err("dtls_mtu = 0xg00\n", -EINVAL, 1, "not a valid hex number");
	conft_expect_err("dtls_mtu = 0x4g0\n", -EINVAL, 1, "junk after the number");
	conft_expect_err("dtls_mtu = 0x0x500\n", -EINVAL, 1, "junk after the number");
	conft_expect_err("dtls_mtu = -1200\n", -EINVAL, 1,
			 "dtls_mtu: '-1200' is not a number");
	conft_expect_err("dtls_mtu = +1200\n", -EINVAL, 1, "is not a number");
	conft_expect_err("dtls_mtu = big\n", -EINVAL, 1, "is not a number");
	conft_expect_err("dtls_mtu = 1200 1300\n", -EINVAL, 1,
			 "dtls_mtu: takes one value, got 2");
	conft_expect_err("dtls_mtu =\n", -EINVAL, 1, "dtls_mtu: missing value");
	conft_expect_err("dtls_mtu =   # nothing\n", -EINVAL, 1, "missing value");
}

/* ---- ktr_extension (draft 4.1, private-use code point) ------------------- */

static void test_ktr_extension(void **state)
{
	struct conf c;

	conft_expect_err("\n\n\n\n\n\n\n\n\n\n\nktr_extension = 0xFF01\n", -EINVAL,
			 12,
			 "ktr_extension: 0xff01 is renegotiation_info (RFC 5746), not usable");
	conft_expect_err("ktr_extension = 65281\n", -EINVAL, 1, "renegotiation_info");
	conft_expect_err("ktr_extension = 0x000E\n", -EINVAL, 1,
			 "ktr_extension: 0x000e is outside the private-use range 0xff00..0xffff (0x000e is use_srtp, RFC 5764)");
	conft_expect_err("# c\nktr_extension = 0xFEFF\n", -EINVAL, 2,
			 "ktr_extension: 0xfeff is outside the private-use range");
	conft_expect_err("ktr_extension = 0x10000\n", -EINVAL, 1,
			 "0x10000 is outside the private-use range");
	conft_expect_err("ktr_extension = 0xff7a 0xff7b\n", -EINVAL, 1,
			 "takes one value");
	conft_expect_err("ktr_extension = 0xzz\n", -EINVAL, 1,
			 "not a valid hex number");
	conft_expect_ok("ktr_extension = 0xff02\n", &c);
	assert_int_equal(c.ktr_extension, 0xff02);
	conft_expect_ok("ktr_extension = 0xFfFf\n", &c);
	assert_int_equal(c.ktr_extension, 0xffff);
}

/* ---- strings, lists, addresses ------------------------------------------- */

static void test_profiles(void **state)
{
	struct conf c;

	conft_expect_err("srtp_profiles = SRTP_AES128_CM_SHA1_80 SRTP_NULL_SHA1_80\n",
			 -EINVAL, 1,
			 "srtp_profiles: unknown profile 'SRTP_NULL_SHA1_80'");
	conft_expect_err("\nsrtp_profiles = srtp_aes128_cm_sha1_80\n", -EINVAL, 2,
			 "unknown profile");
	conft_expect_err("\nsrtp_profiles = SRTP_AEAD_AES_128_GCM SRTP_AES128_CM_SHA1_32 SRTP_AEAD_AES_128_GCM\n",
			 -EINVAL, 2,
			 "srtp_profiles: SRTP_AEAD_AES_128_GCM listed twice");
	conft_expect_err("srtp_profiles =\n", -EINVAL, 1, "srtp_profiles: empty list");
	conft_expect_err("srtp_profiles = # none\n", -EINVAL, 1, "empty list");
	conft_expect_ok("srtp_profiles = SRTP_AEAD_AES_256_GCM SRTP_AEAD_AES_128_GCM "
			"SRTP_AES128_CM_SHA1_32 SRTP_AES128_CM_SHA1_80\n",
			&c);
	assert_int_equal(c.n_profiles, 4);
	assert_int_equal(c.profiles[0], 8);
	assert_int_equal(c.profiles[1], 7);
	assert_int_equal(c.profiles[2], 2);
	assert_int_equal(c.profiles[3], 1);
}

static void test_strings(void **state)
{
	char text[600], path[300];

	conft_expect_err("log_level = verbose\n", -EINVAL, 1,
			 "log_level: 'verbose' is not one of err, warn, info, debug");
	conft_expect_err("log_level = INFO\n", -EINVAL, 1, "is not one of");
	conft_expect_err("log_level =\n", -EINVAL, 1, "log_level: missing value");
	conft_expect_err("certificate =\n", -EINVAL, 1, "certificate: missing value");
	conft_expect_err("certificate = a b\nprivate_key = k\n", -EINVAL, 1,
			 "certificate: takes one value, got 2");
	conft_expect_err("media_address = 1.2.3\n", -EINVAL, 1,
			 "media_address: '1.2.3' is not an IPv4 or IPv6 address");
	conft_expect_err("\nmedia_address = localhost\n", -EINVAL, 2,
			 "not an IPv4 or IPv6 address");
	conft_expect_err("media_address = 192.0.2.256\n", -EINVAL, 1, "not an IPv4");
	conft_expect_err("media_address = 2001:db8::1%eth0\n", -EINVAL, 1,
			 "not an IPv4");

	/* A path of 255 bytes fits; 256 does not. */
	memset(path, 'p', sizeof(path));
	snprintf(text, sizeof(text), "certificate = %.255s\nprivate_key = k\n",
		 path);
	{
		struct conf c;

		conft_expect_ok(text, &c);
		assert_int_equal(strlen(c.certificate), 255);
	}
	snprintf(text, sizeof(text), "certificate = %.256s\nprivate_key = k\n",
		 path);
	conft_expect_err(text, -EINVAL, 1, "certificate: longer than 255 bytes");
	snprintf(text, sizeof(text), "\nprivate_key = %.256s\n", path);
	conft_expect_err(text, -EINVAL, 2, "private_key: longer than 255 bytes");
}

/* ---- the SBC's keys (issue 5) ---------------------------------------------- */

/* offload = auto | off; offload_devices = auto | names (issue 7). */
static void test_offload_keys(void **state)
{
	struct conf c;

	conf_defaults(&c);
	assert_int_equal(c.offload, CONF_OFFLOAD_AUTO);
	assert_int_equal(c.n_offload_devices, 0);
	conft_expect_ok("offload = off\noffload_devices = eth0 veth-b1\n", &c);
	assert_int_equal(c.offload, CONF_OFFLOAD_OFF);
	assert_int_equal(c.n_offload_devices, 2);
	assert_string_equal(c.offload_devices[0], "eth0");
	assert_string_equal(c.offload_devices[1], "veth-b1");
	conft_expect_ok("offload = auto\noffload_devices = auto\n", &c);
	assert_int_equal(c.offload, CONF_OFFLOAD_AUTO);
	assert_int_equal(c.n_offload_devices, 0);
	conft_expect_err("offload = yes\n", -EINVAL, 1, "is not auto or off");
	conft_expect_err("offload_devices = eth0 auto\n", -EINVAL, 1, "auto stands alone");
	conft_expect_err("offload_devices = abcdefghijklmnop\n", -EINVAL, 1, "longer than");
	conft_expect_err("offload_devices =\n", -EINVAL, 1, "empty list");
	(void)state;
}

static void test_sbc_keys(void **state)
{
	struct conf c;

	conft_expect_ok("sip_listen = udp:192.0.2.5:5060 tcp:[2001:db8::5]:5060 "
			"tls:[2001:db8::5]:5061 udp:0.0.0.0:65535\n"
			"sip_tls_dir = /etc/ktrsbc/tls\n"
			"trunks_dir = /etc/ktrsbc/trunks\n"
			"control_socket = /run/ktrsbc.ctl\n"
			"media_timeout_ms = 3600000\n"
			"relay_workers = 256\n"
			"answer_wait_ms = 100\n"
			"max_calls = 100000\n"
			"max_streams = 8\n"
			"daemonize = yes\n"
			"log_syslog = yes\n",
			&c);
	assert_int_equal(c.n_sip_listen, 4);
	assert_int_equal(c.sip_listen[0].transport, CONF_TRANSPORT_UDP);
	assert_string_equal(c.sip_listen[0].host, "192.0.2.5");
	assert_int_equal(c.sip_listen[1].transport, CONF_TRANSPORT_TCP);
	assert_string_equal(c.sip_listen[1].host, "2001:db8::5");
	assert_int_equal(c.sip_listen[1].port, 5060);
	assert_int_equal(c.sip_listen[2].transport, CONF_TRANSPORT_TLS);
	assert_int_equal(c.sip_listen[2].port, 5061);
	assert_string_equal(c.sip_listen[3].host, "0.0.0.0");
	assert_int_equal(c.sip_listen[3].port, 65535);
	assert_string_equal(c.sip_tls_dir, "/etc/ktrsbc/tls");
	assert_string_equal(c.trunks_dir, "/etc/ktrsbc/trunks");
	assert_string_equal(c.control_socket, "/run/ktrsbc.ctl");
	assert_int_equal(c.media_timeout_ms, 3600000);
	assert_int_equal(c.relay_workers, 256);
	assert_int_equal(c.answer_wait_ms, 100);
	assert_int_equal(c.max_calls, 100000);
	assert_int_equal(c.max_streams, 8);
	assert_int_equal(c.daemonize, 1);
	assert_int_equal(c.log_syslog, 1);
	conft_expect_ok("sip_listen = tls:127.0.0.1:5061\ndaemonize = no\n"
			"relay_workers = 0\n", &c);
	assert_int_equal(c.n_sip_listen, 1);
	assert_int_equal(c.sip_listen[1].port, 0);
	assert_int_equal(c.daemonize, 0);
	/* UDP and TCP may share a port; TCP and TLS may not. */
	conft_expect_ok("sip_listen = udp:127.0.0.1:5060 tls:127.0.0.1:5060\n", &c);

	conft_expect_err("\nsip_listen = udp:127.0.0.1:5060 sctp:127.0.0.1:5060\n",
			 -EINVAL, 2,
			 "sip_listen: 'sctp:127.0.0.1:5060' is not udp|tcp|tls:IPV4:PORT or udp|tcp|tls:[IPV6]:PORT");
	conft_expect_err("sip_listen = udp:localhost:5060\n", -EINVAL, 1,
			 "'udp:localhost:5060' is not udp|tcp|tls");
	conft_expect_err("sip_listen = udp:127.0.0.1\n", -EINVAL, 1, "is not udp");
	conft_expect_err("sip_listen = udp:127.0.0.1:0\n", -EINVAL, 1, "is not udp");
	conft_expect_err("sip_listen = udp:127.0.0.1:65536\n", -EINVAL, 1,
			 "is not udp");
	conft_expect_err("sip_listen = udp:127.0.0.1:50x\n", -EINVAL, 1, "is not udp");
	conft_expect_err("sip_listen = udp:2001:db8::1:5060\n", -EINVAL, 1,
			 "is not udp");
	conft_expect_err("sip_listen = tcp:[::1:5060\n", -EINVAL, 1, "is not udp");
	conft_expect_err("sip_listen = tcp:[127.0.0.1]:5060\n", -EINVAL, 1,
			 "is not udp");
	conft_expect_err("sip_listen = udp:127.0.0.1:5060 udp:127.0.0.1:5060\n",
			 -EINVAL, 1, "sip_listen: udp:127.0.0.1:5060 listed twice");
	conft_expect_err("sip_listen = tcp:127.0.0.1:5060 tls:127.0.0.1:5060\n",
			 -EINVAL, 1,
			 "sip_listen: tcp:127.0.0.1:5060 and tls:127.0.0.1:5060 share one TCP port");
	conft_expect_err("sip_listen =\n", -EINVAL, 1,
			 "sip_listen: empty list, name at least one address");
	conft_expect_err("sip_listen = udp:127.0.0.1:1 udp:127.0.0.1:2 udp:127.0.0.1:3 "
			 "udp:127.0.0.1:4 udp:127.0.0.1:5 udp:127.0.0.1:6 "
			 "udp:127.0.0.1:7 udp:127.0.0.1:8 udp:127.0.0.1:9\n",
			 -EMSGSIZE, 1, "sip_listen: more than 8 addresses");
	conft_expect_err("control_socket = ktrsbc.ctl\n", -EINVAL, 1,
			 "control_socket: 'ktrsbc.ctl' is neither auto nor an absolute path");
	conft_expect_err("control_socket = /tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
			 -EINVAL, 1, "control_socket: longer than 107 bytes");
	conft_expect_err("daemonize = true\n", -EINVAL, 1,
			 "daemonize: 'true' is not yes or no");
	conft_expect_err("log_syslog =\n", -EINVAL, 1, "log_syslog: missing value");
	conft_expect_err("trunks_dir =\n", -EINVAL, 1, "trunks_dir: missing value");
	conft_expect_err("sip_tls_dir = a b\n", -EINVAL, 1,
			 "sip_tls_dir: takes one value, got 2");
	conft_expect_err("relay_workers = 257\n", -EINVAL, 1,
			 "relay_workers: 257 is out of range 0..256");
	conft_expect_err("\ndaemonize = no\ndaemonize = no\n", -EINVAL, 3,
			 "daemonize: duplicate key (first set on line 2)");
}

static void test_sbc_paths(void **state)
{
	char out[64], err[CONFT_ERRLEN], want[64];
	struct conf c;
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(conf_path_resolve("conf/ktrsbc.conf", "trunks", out,
					   sizeof(out)), 0);
	assert_string_equal(out, "conf/trunks");
	assert_int_equal(conf_path_resolve("/etc/ktrsbc/ktrsbc.conf", "tls",
					   out, sizeof(out)), 0);
	assert_string_equal(out, "/etc/ktrsbc/tls");
	assert_int_equal(conf_path_resolve("ktrsbc.conf", "trunks", out,
					   sizeof(out)), 0);
	assert_string_equal(out, "trunks");
	assert_int_equal(conf_path_resolve("/ktrsbc.conf", "trunks", out,
					   sizeof(out)), 0);
	assert_string_equal(out, "/trunks");
	assert_int_equal(conf_path_resolve("conf/ktrsbc.conf", "/srv/trunks",
					   out, sizeof(out)), 0);
	assert_string_equal(out, "/srv/trunks");
	assert_int_equal(conf_path_resolve("conf/ktrsbc.conf", "trunks", out,
					   11), -EMSGSIZE);
	assert_string_equal(out, "");
	assert_int_equal(conf_path_resolve("conf/ktrsbc.conf", "trunks", out,
					   12), 0);
	assert_int_equal(conf_path_resolve(NULL, "x", out, sizeof(out)),
			 -EINVAL);

	conf_defaults(&c);
	assert_int_equal(conf_control_path(&c, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "/tmp/ktrsbc-%u.ctl", (unsigned)getuid());
	assert_string_equal(out, want);
	assert_int_equal(conf_control_path(&c, out, 5), -EMSGSIZE);
	strcpy(c.control_socket, "/run/k.ctl");
	assert_int_equal(conf_control_path(&c, out, sizeof(out)), 0);
	assert_string_equal(out, "/run/k.ctl");
	assert_int_equal(conf_control_path(NULL, out, sizeof(out)), -EINVAL);

	/* The shipped trunks_dir resolves to the shipped conf/trunks. */
	assert_int_equal(conf_load(&c, "conf/ktrsbc.conf", err, sizeof(err)),
			 0);
	assert_int_equal(conf_path_resolve("conf/ktrsbc.conf", c.trunks_dir,
					   out, sizeof(out)), 0);
	assert_string_equal(out, "conf/trunks");

	/* conf_file_read: the caller's buffer, errors with the path. */
	assert_int_equal(conf_file_read("conf/ktrsbc.conf", &buf, &len, err,
					sizeof(err)), 0);
	assert_true(len > 0);
	assert_memory_equal(buf, "# ktrsbc.conf", 13);
	free(buf);
	assert_int_equal(conf_file_read("conf/nope", &buf, &len, err,
					sizeof(err)), -ENOENT);
	assert_string_equal(err, "conf/nope: cannot open: No such file or directory");
}

/* ---- cross-field checks, blamed on the later key ----------------------- */

static void test_cross_fields(void **state)
{
	char err[CONFT_ERRLEN];
	struct conf c;

	conft_expect_err("# c\ncertificate = /etc/cert.pem\n", -EINVAL, 2,
			 "certificate: a PEM path needs private_key");
	conft_expect_err("private_key =\n# c\ncertificate = cert.pem\n", -EINVAL, 3,
			 "a PEM path needs private_key");
	conft_expect_err("certificate = cert.pem\n\n\nprivate_key =\n", -EINVAL, 4,
			 "a PEM path needs private_key");
	conft_expect_err("\nprivate_key = key.pem\n", -EINVAL, 2,
			 "private_key: must be empty with certificate = auto");
	conft_expect_err("private_key = key.pem\ncertificate = auto\n", -EINVAL, 2,
			 "must be empty with certificate = auto");
	conft_expect_ok("private_key = key.pem\ncertificate = cert.pem\n", &c);

	conft_expect_err("ktr_retransmit_max_ms = 100\n\nktr_retransmit_initial_ms = 200\n",
			 -EINVAL, 3,
			 "ktr_retransmit_max_ms: 100 is below ktr_retransmit_initial_ms 200");
	conft_expect_err("ktr_retransmit_initial_ms = 3000\n", -EINVAL, 1,
			 "is below ktr_retransmit_initial_ms 3000");
	conft_expect_err("\nktr_retransmit_max_ms = 200\n", -EINVAL, 2,
			 "is below ktr_retransmit_initial_ms 250");
	conft_expect_ok("ktr_retransmit_initial_ms = 300\nktr_retransmit_max_ms = 300\n",
			&c);

	conft_expect_err("media_port_min = 2000\n# c\n# d\nmedia_port_max = 1999\n",
			 -EINVAL, 4, "media_port_min: 2000 is above media_port_max 1999");
	conft_expect_err("media_port_max = 1999\nmedia_port_min = 2000\n", -EINVAL, 2,
			 "is above media_port_max");
	conft_expect_err("\n\nmedia_port_min = 31000\n", -EINVAL, 3,
			 "media_port_min: 31000 is above media_port_max 30999");
	/* RTP even, RTCP on the odd port above (RFC 3550 11): one pair at
	 * least */
	conft_expect_err("media_port_min = 40000\nmedia_port_max = 40000\n", -EINVAL, 2,
			 "40000..40000 holds no even/odd port pair");
	conft_expect_err("media_port_min = 40001\nmedia_port_max = 40002\n", -EINVAL, 2,
			 "no even/odd port pair");

	/* Both from the structure the caller passed: no line to blame. */
	conf_defaults(&c);
	c.media_port_min = 40000;
	assert_int_equal(conf_parse(&c, CONFT_NAME, "", 0, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
			    CONFT_NAME ": media_port_min: 40000 is above media_port_max 30999");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_shipped_file),
		cmocka_unit_test(test_every_key_valid),
		cmocka_unit_test(test_empty_and_comments),
		cmocka_unit_test(test_numeric_ranges),
		cmocka_unit_test(test_number_syntax),
		cmocka_unit_test(test_ktr_extension),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_sbc_keys),
		cmocka_unit_test(test_offload_keys),
		cmocka_unit_test(test_sbc_paths),
		cmocka_unit_test(test_cross_fields),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}

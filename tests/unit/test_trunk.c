/* Unit tests for src/trunk, loading: the shipped conf/trunks, every key
 * valid and invalid with its exact "FILE:LINE: " message, cross-file
 * checks, the named limits and the directory loader. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "trunk/trunk.h"

#define ERRLEN 256

/* A DTLS trunk that SDES trunks under test route to. */
static const char dtls_file[] = "side = dtls\npeer = 192.0.2.20\n";
/* An SDES trunk that DTLS trunks under test route to. */
static const char sdes_file[] = "side = sdes\npeer = 192.0.2.10\n";

/*
 * Parse text as "t/a.conf" together with a companion "t/z.conf" of the
 * other side (chosen by text's side, dtls when absent), so that routes to
 * "z" resolve.
 */
static int parse(struct trunk_set **sp, const char *text, char *err)
{
	const char *other = strstr(text, "side = dtls") ? sdes_file : dtls_file;
	struct trunk_file f[2] = {
		{ "t/a.conf", text, strlen(text) },
		{ "t/z.conf", other, strlen(other) },
	};

	memset(err, 'X', ERRLEN);
	return trunk_set_parse(sp, f, 2, err, ERRLEN);
}

/* Expect text to fail with rc and the message exactly "t/a.conf:LINE: what"
 * ("t/a.conf: what" for line 0). */
static void expect_err(const char *text, int rc, unsigned line,
		       const char *what)
{
	struct trunk_set *s = (void *)1;
	char err[ERRLEN], want[ERRLEN];
	int r = parse(&s, text, err);

	if (line)
		snprintf(want, sizeof(want), "t/a.conf:%u: %s", line, what);
	else
		snprintf(want, sizeof(want), "t/a.conf: %s", what);
	if (r != rc || strcmp(err, want) != 0)
		print_error("input [%s]\n  got %d \"%s\"\n  want %d \"%s\"\n",
			    text, r, err, rc, want);
	assert_int_equal(r, rc);
	assert_string_equal(err, want);
	assert_null(s);
}

static struct trunk_set *expect_ok(const char *text)
{
	struct trunk_set *s = NULL;
	char err[ERRLEN];
	int r = parse(&s, text, err);

	if (r != 0)
		print_error("input [%s]: %d \"%s\"\n", text, r, err);
	assert_int_equal(r, 0);
	assert_string_equal(err, "");
	assert_non_null(s);
	return s;
}

/* ---- the shipped files ------------------------------------------------------- */

static void test_shipped(void **state)
{
	struct trunk_set *s = NULL;
	const struct trunk *pbx, *car;
	char err[ERRLEN] = "X";

	assert_int_equal(trunk_set_load(&s, "conf/trunks", err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_int_equal(trunk_set_count(s), 2);
	/* File-name order: carrier.conf, pbx.conf. */
	car = trunk_set_at(s, 0);
	pbx = trunk_set_at(s, 1);
	assert_null(trunk_set_at(s, 2));
	assert_ptr_equal(trunk_set_find(s, "pbx"), pbx);
	assert_ptr_equal(trunk_set_find(s, "carrier"), car);
	assert_null(trunk_set_find(s, "nope"));

	assert_string_equal(trunk_name(pbx), "pbx");
	assert_string_equal(trunk_file(pbx), "conf/trunks/pbx.conf");
	assert_int_equal(trunk_side(pbx), TRUNK_SIDE_SDES);
	assert_string_equal(trunk_peer(pbx), "127.0.0.1:5070");
	assert_int_equal(trunk_transport(pbx), TRUNK_UDP);
	assert_true(trunk_trusted(pbx));
	assert_false(trunk_latch(pbx));
	assert_false(trunk_bundle(pbx));
	assert_false(trunk_bundle(car));
	assert_true(trunk_inbound(pbx));
	assert_int_equal(trunk_route_count(pbx), 4);
	assert_true(trunk_sdes_allowed(pbx, false));
	assert_int_equal(trunk_profile(pbx), TRUNK_PROFILE_SAVP);

	assert_string_equal(trunk_name(car), "carrier");
	assert_int_equal(trunk_side(car), TRUNK_SIDE_DTLS);
	assert_string_equal(trunk_peer(car), "127.0.0.1:5080");
	assert_int_equal(trunk_ktr(car), TRUNK_KTR_PREFERRED);
	assert_int_equal(trunk_ktr_form(car), TRUNK_KTR_FORM_ATTR);
	assert_int_equal(trunk_rekey_interval_s(car), 0);
	assert_int_equal(trunk_keepalive_s(car), 0);
	assert_int_equal(trunk_route_count(car), 2);
	assert_false(trunk_sdes_allowed(car, true));
	assert_int_equal(trunk_profile(car), TRUNK_PROFILE_SAVPF);
	assert_int_equal(trunk_family(car), TRUNK_FAMILY_SAME);
	assert_int_equal(trunk_family(pbx), TRUNK_FAMILY_SAME);
	trunk_set_free(s);
}

/* ---- every key, valid ------------------------------------------------------------ */

static void test_every_key_valid(void **state)
{
	struct trunk_set *s;
	const struct trunk *t;
	const struct sockaddr_in6 *a6;
	const struct sockaddr_in *a4;
	char host[INET6_ADDRSTRLEN];
	socklen_t len;

	s = expect_ok("# a DTLS trunk with every key\n"
		      "name = Carrier_1.b-2\n"
		      "side = dtls\n"
		      "peer = [2001:DB8::0:1]:5070\n"
		      "transport = tls\n"
		      "ktr = required\n"
		      "ktr_form = capneg-optional\n"
		      "latch = yes\n"
		      "bundle = yes\n"
		      "keepalive = 3600\n"
		      "rekey_interval = 86400\n"
		      "dtls_profile = mirror\n"
		      "match_ruri = ^sips:\n"
		      "match_from = @carrier\\.example\\.net$\n"
		      "match_source = ^\\[2001:db8::1\\]:\\d+$\n"
		      "route = ^\\+(\\d+)$ -> z sip:$1@{peer}\n"
		      "route = ^(\\d+)$ -> z\r\n");
	t = trunk_set_at(s, 0);
	assert_string_equal(trunk_name(t), "Carrier_1.b-2");
	assert_int_equal(trunk_side(t), TRUNK_SIDE_DTLS);
	assert_string_equal(trunk_peer(t), "[2001:db8::1]:5070");
	assert_int_equal(trunk_peer_port(t), 5070);
	a6 = (const struct sockaddr_in6 *)trunk_peer_addr(t, &len);
	assert_int_equal(len, sizeof(*a6));
	assert_int_equal(a6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(a6->sin6_port), 5070);
	inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
	assert_string_equal(host, "2001:db8::1");
	assert_int_equal(trunk_transport(t), TRUNK_TLS);
	assert_false(trunk_trusted(t));
	assert_int_equal(trunk_ktr(t), TRUNK_KTR_REQUIRED);
	assert_int_equal(trunk_ktr_form(t), TRUNK_KTR_FORM_CAPNEG_OPTIONAL);
	assert_true(trunk_latch(t));
	assert_true(trunk_bundle(t));
	assert_int_equal(trunk_keepalive_s(t), 3600);
	assert_int_equal(trunk_rekey_interval_s(t), 86400);
	assert_int_equal(trunk_profile(t), TRUNK_PROFILE_MIRROR);
	assert_true(trunk_inbound(t));
	assert_int_equal(trunk_route_count(t), 2);
	assert_false(trunk_sdes_allowed(t, true));
	/* The companion file: name from the file name, defaults. */
	t = trunk_set_at(s, 1);
	assert_string_equal(trunk_name(t), "z");
	assert_string_equal(trunk_peer(t), "192.0.2.10:5060");
	assert_false(trunk_inbound(t));
	assert_int_equal(trunk_route_count(t), 0);
	assert_int_equal(trunk_profile(t), TRUNK_PROFILE_SAVP); /* sdes default */
	trunk_set_free(s);

	/* An SDES trunk; defaults; tls default port 5061. */
	s = expect_ok("side = sdes\npeer = 192.0.2.1\ntransport = tls\n"
		      "trusted = no\nkeepalive = 0\n");
	t = trunk_set_at(s, 0);
	assert_string_equal(trunk_name(t), "a");
	assert_string_equal(trunk_peer(t), "192.0.2.1:5061");
	a4 = (const struct sockaddr_in *)trunk_peer_addr(t, NULL);
	assert_int_equal(a4->sin_family, AF_INET);
	assert_int_equal(ntohs(a4->sin_port), 5061);
	assert_int_equal(ntohl(a4->sin_addr.s_addr), 0xc0000201);
	assert_false(trunk_trusted(t));
	assert_false(trunk_latch(t));
	assert_false(trunk_inbound(t));
	/* a=crypto trust: only over TLS when not trusted. */
	assert_true(trunk_sdes_allowed(t, true));
	assert_false(trunk_sdes_allowed(t, false));
	trunk_set_free(s);

	s = expect_ok("side = sdes\npeer = 192.0.2.1:65535\ntrusted = yes\n"
		      "transport = tcp\nlatch = no\n");
	t = trunk_set_at(s, 0);
	assert_string_equal(trunk_peer(t), "192.0.2.1:65535");
	assert_int_equal(trunk_transport(t), TRUNK_TCP);
	assert_true(trunk_trusted(t));
	assert_true(trunk_sdes_allowed(t, false));
	trunk_set_free(s);

	/* Offer profiles (issue 11): each value of each key, by name. */
	s = expect_ok("side = sdes\npeer = 192.0.2.1\nsdes_profile = RTP/SAVPF\n");
	t = trunk_set_at(s, 0);
	assert_int_equal(trunk_profile(t), TRUNK_PROFILE_SAVPF);
	assert_string_equal(trunk_profile_str(TRUNK_SIDE_SDES, trunk_profile(t)), "RTP/SAVPF");
	assert_int_equal(trunk_profile(trunk_set_at(s, 1)), TRUNK_PROFILE_SAVPF); /* dtls default */
	trunk_set_free(s);
	s = expect_ok("sdes_profile = mirror\nside = sdes\npeer = 192.0.2.1\n");
	assert_int_equal(trunk_profile(trunk_set_at(s, 0)), TRUNK_PROFILE_MIRROR);
	trunk_set_free(s);
	s = expect_ok("side = sdes\npeer = 192.0.2.1\nsdes_profile = RTP/SAVP\n");
	assert_int_equal(trunk_profile(trunk_set_at(s, 0)), TRUNK_PROFILE_SAVP);
	trunk_set_free(s);
	s = expect_ok("side = dtls\npeer = 192.0.2.1\ndtls_profile = UDP/TLS/RTP/SAVP\n");
	assert_int_equal(trunk_profile(trunk_set_at(s, 0)), TRUNK_PROFILE_SAVP);
	trunk_set_free(s);
	s = expect_ok("side = dtls\npeer = 192.0.2.1\ndtls_profile = UDP/TLS/RTP/SAVPF\n");
	assert_int_equal(trunk_profile(trunk_set_at(s, 0)), TRUNK_PROFILE_SAVPF);
	trunk_set_free(s);
	s = expect_ok("side = dtls\npeer = 192.0.2.1\nmedia_family = ipv6\n");
	assert_int_equal(trunk_family(trunk_set_at(s, 0)), TRUNK_FAMILY_IPV6);
	trunk_set_free(s);
	s = expect_ok("media_family = ipv4\nside = sdes\npeer = 192.0.2.1\n");
	assert_int_equal(trunk_family(trunk_set_at(s, 0)), TRUNK_FAMILY_IPV4);
	trunk_set_free(s);
	s = expect_ok("side = sdes\npeer = 192.0.2.1\nmedia_family = same\n");
	assert_int_equal(trunk_family(trunk_set_at(s, 0)), TRUNK_FAMILY_SAME);
	trunk_set_free(s);
	/* ice (issue 15): off by default, lite on a dtls trunk */
	assert_int_equal(trunk_ice(trunk_set_at(s = expect_ok("side = dtls\npeer = 192.0.2.1\n"), 0)),
			 TRUNK_ICE_OFF);
	trunk_set_free(s);
	s = expect_ok("side = dtls\npeer = 192.0.2.1\nice = lite\n");
	assert_int_equal(trunk_ice(trunk_set_at(s, 0)), TRUNK_ICE_LITE);
	trunk_set_free(s);
	s = expect_ok("side = dtls\npeer = 192.0.2.1\nice = off\n");
	assert_int_equal(trunk_ice(trunk_set_at(s, 0)), TRUNK_ICE_OFF);
	assert_int_equal(trunk_ice_consent(trunk_set_at(s, 0)), TRUNK_ICE_CONSENT_REQUIRED);
	trunk_set_free(s);
	/* ice_consent (RFC 7675): required by default, off on request */
	s = expect_ok("side = dtls\npeer = 192.0.2.1\nice_consent = off\n");
	assert_int_equal(trunk_ice_consent(trunk_set_at(s, 0)), TRUNK_ICE_CONSENT_OFF);
	trunk_set_free(s);
	s = expect_ok("side = dtls\npeer = 192.0.2.1\nice_consent = required\n");
	assert_int_equal(trunk_ice_consent(trunk_set_at(s, 0)), TRUNK_ICE_CONSENT_REQUIRED);
	trunk_set_free(s);
	assert_string_equal(trunk_profile_str(TRUNK_SIDE_DTLS, TRUNK_PROFILE_SAVPF), "UDP/TLS/RTP/SAVPF");
	assert_string_equal(trunk_profile_str(TRUNK_SIDE_DTLS, TRUNK_PROFILE_MIRROR), "mirror");
	assert_string_equal(trunk_profile_str(TRUNK_SIDE_SDES, TRUNK_PROFILE_SAVP), "RTP/SAVP");

	/* DTLS defaults: ktr preferred, attr; ktr off alone. */
	s = expect_ok("side = dtls\npeer = [::1]\nrekey_interval = 60\n");
	t = trunk_set_at(s, 0);
	assert_string_equal(trunk_peer(t), "[::1]:5060");
	assert_int_equal(trunk_ktr(t), TRUNK_KTR_PREFERRED);
	assert_int_equal(trunk_ktr_form(t), TRUNK_KTR_FORM_ATTR);
	assert_int_equal(trunk_rekey_interval_s(t), 60);
	assert_int_equal(trunk_transport(t), TRUNK_UDP);
	trunk_set_free(s);
	s = expect_ok("side = dtls\npeer = 192.0.2.2\nktr = off\n");
	assert_int_equal(trunk_ktr(trunk_set_at(s, 0)), TRUNK_KTR_OFF);
	/* RFC 4028 defaults: 1800 s, Min-SE 90 */
	assert_int_equal(trunk_session_expires_s(trunk_set_at(s, 0)), 1800);
	assert_int_equal(trunk_min_se_s(trunk_set_at(s, 0)), 90);
	trunk_set_free(s);
	s = expect_ok("side = sdes\npeer = 192.0.2.2\nsession_expires = 0\n");
	assert_int_equal(trunk_session_expires_s(trunk_set_at(s, 0)), 0);
	trunk_set_free(s);
	s = expect_ok("side = sdes\npeer = 192.0.2.2\nsession_expires = 4\nmin_se = 2\n");
	assert_int_equal(trunk_session_expires_s(trunk_set_at(s, 0)), 4);
	assert_int_equal(trunk_min_se_s(trunk_set_at(s, 0)), 2);
	trunk_set_free(s);
}

/* ---- every key, invalid -------------------------------------------------------- */

static const struct bad {
	const char *text;
	int rc;
	unsigned line;
	const char *what;
} bad[] = {
	/* syntax and unknown keys (conf_scan) */
	{ "side = sdes\npeer 192.0.2.1\n", -EBADMSG, 2,
	  "missing '=' (expected \"key = value\")" },
	{ "side = sdes\npeer = 192.0.2.1\nmatch_uri = x\n", -EINVAL, 3,
	  "unknown key 'match_uri'" },
	{ "side = sdes\nside = sdes\npeer = 192.0.2.1\n", -EINVAL, 2,
	  "side: duplicate key (first set on line 1)" },
	{ "side = sdes\npeer = 192.0.2.1\nlatch =\n", -EINVAL, 3,
	  "latch: missing value" },
	{ "side = sdes\npeer = 192.0.2.1 192.0.2.2\n", -EINVAL, 2,
	  "peer: takes one value, got 2" },
	/* name */
	{ "name = a/b\nside = sdes\npeer = 192.0.2.1\n", -EINVAL, 1,
	  "name: 'a/b' is not 1..31 of [A-Za-z0-9_.-]" },
	{ "name = abcdefghijabcdefghijabcdefghij12\nside = sdes\npeer = 192.0.2.1\n",
	  -EINVAL, 1,
	  "name: 'abcdefghijabcdefghijabcdefghij12' is not 1..31 of [A-Za-z0-9_.-]" },
	/* side, peer: values and missing */
	{ "side = SDES\npeer = 192.0.2.1\n", -EINVAL, 1,
	  "side: 'SDES' is not sdes or dtls" },
	{ "peer = 192.0.2.1\n", -EINVAL, 0, "side: missing (sdes or dtls)" },
	{ "side = dtls\n", -EINVAL, 0,
	  "peer: missing (where calls to this trunk go)" },
	{ "side = sdes\npeer = pbx.example.com:5060\n", -EINVAL, 2,
	  "peer: 'pbx.example.com:5060' is not IPV4[:PORT] or [IPV6][:PORT] (an address literal: no DNS)" },
	{ "side = sdes\npeer = 2001:db8::1\n", -EINVAL, 2,
	  "peer: '2001:db8::1' is not IPV4[:PORT] or [IPV6][:PORT] (an address literal: no DNS)" },
	{ "side = sdes\npeer = [2001:db8::1\n", -EINVAL, 2,
	  "peer: '[2001:db8::1' is not IPV4[:PORT] or [IPV6][:PORT] (an address literal: no DNS)" },
	{ "side = sdes\npeer = [192.0.2.1]:5060\n", -EINVAL, 2,
	  "peer: '[192.0.2.1]:5060' is not IPV4[:PORT] or [IPV6][:PORT] (an address literal: no DNS)" },
	{ "side = sdes\npeer = 192.0.2.1:0\n", -EINVAL, 2,
	  "peer: bad port in '192.0.2.1:0' (1..65535)" },
	{ "side = sdes\npeer = 192.0.2.1:65536\n", -EINVAL, 2,
	  "peer: bad port in '192.0.2.1:65536' (1..65535)" },
	{ "side = sdes\npeer = 192.0.2.1:\n", -EINVAL, 2,
	  "peer: bad port in '192.0.2.1:' (1..65535)" },
	{ "side = sdes\npeer = [::1]:50x\n", -EINVAL, 2,
	  "peer: bad port in '[::1]:50x' (1..65535)" },
	/* enumerations and booleans */
	{ "side = sdes\npeer = 192.0.2.1\ntransport = sctp\n", -EINVAL, 3,
	  "transport: 'sctp' is not udp, tcp or tls" },
	{ "side = sdes\npeer = 192.0.2.1\ntrusted = true\n", -EINVAL, 3,
	  "trusted: 'true' is not yes or no" },
	{ "side = sdes\npeer = 192.0.2.1\nlatch = 1\n", -EINVAL, 3,
	  "latch: '1' is not yes or no" },
	{ "side = dtls\npeer = 192.0.2.1\nktr = maybe\n", -EINVAL, 3,
	  "ktr: 'maybe' is not required, preferred or off" },
	{ "side = dtls\npeer = 192.0.2.1\nktr_form = sdp\n", -EINVAL, 3,
	  "ktr_form: 'sdp' is not attr, capneg-required or capneg-optional" },
	{ "side = sdes\npeer = 192.0.2.1\nsdes_profile = RTP/AVP\n", -EINVAL, 3,
	  "sdes_profile: 'RTP/AVP' is not RTP/SAVP, RTP/SAVPF or mirror" },
	{ "side = sdes\npeer = 192.0.2.1\nsdes_profile = rtp/savp\n", -EINVAL, 3,
	  "sdes_profile: 'rtp/savp' is not RTP/SAVP, RTP/SAVPF or mirror" },
	{ "side = dtls\npeer = 192.0.2.1\nmedia_family = inet6\n", -EINVAL, 3,
	  "media_family: 'inet6' is not same, ipv4 or ipv6" },
	{ "side = dtls\npeer = 192.0.2.1\nice = full\n", -EINVAL, 3,
	  "ice: 'full' is not lite or off" },
	{ "side = sdes\npeer = 192.0.2.1\n\nice = lite\n", -EINVAL, 4,
	  "ice: only for side = dtls" },
	{ "side = dtls\npeer = 192.0.2.1\nice_consent = no\n", -EINVAL, 3,
	  "ice_consent: 'no' is not required or off" },
	{ "side = sdes\npeer = 192.0.2.1\n\nice_consent = off\n", -EINVAL, 4,
	  "ice_consent: only for side = dtls" },
	{ "side = dtls\npeer = 192.0.2.1\nice_consent = off\nice_consent = off\n", -EINVAL, 4,
	  "ice_consent: duplicate key (first set on line 3)" },
	{ "side = dtls\npeer = 192.0.2.1\ndtls_profile = RTP/SAVPF\n", -EINVAL, 3,
	  "dtls_profile: 'RTP/SAVPF' is not UDP/TLS/RTP/SAVPF, UDP/TLS/RTP/SAVP or mirror" },
	/* numbers */
	{ "side = sdes\npeer = 192.0.2.1\nkeepalive = 3601\n", -EINVAL, 3,
	  "keepalive: 3601 is out of range 0..3600" },
	{ "side = sdes\npeer = 192.0.2.1\nkeepalive = -1\n", -EINVAL, 3,
	  "keepalive: '-1' is not a number of seconds" },
	{ "side = sdes\npeer = 192.0.2.1\nkeepalive = 30s\n", -EINVAL, 3,
	  "keepalive: '30s' is not a number of seconds" },
	{ "side = sdes\npeer = 192.0.2.1\nkeepalive = 99999999999\n", -EINVAL,
	  3, "keepalive: '99999999999' is not a number of seconds" },
	{ "side = dtls\npeer = 192.0.2.1\nrekey_interval = 59\n", -EINVAL, 3,
	  "rekey_interval: 59 is out of range 0 (off) or 60..86400" },
	{ "side = dtls\npeer = 192.0.2.1\nrekey_interval = 86401\n", -EINVAL,
	  3, "rekey_interval: 86401 is out of range 0 (off) or 60..86400" },
	/* RFC 4028 session timers */
	{ "side = sdes\npeer = 192.0.2.1\nsession_expires = 1\n", -EINVAL, 3,
	  "session_expires: 1 is out of range 0 (off) or 2..86400" },
	{ "side = sdes\npeer = 192.0.2.1\nsession_expires = 86401\n", -EINVAL, 3,
	  "session_expires: 86401 is out of range 0 (off) or 2..86400" },
	{ "side = sdes\npeer = 192.0.2.1\nmin_se = 0\n", -EINVAL, 3,
	  "min_se: 0 is out of range 2..86400" },
	{ "side = sdes\npeer = 192.0.2.1\nmin_se = 9x\n", -EINVAL, 3,
	  "min_se: '9x' is not a number of seconds" },
	{ "side = dtls\npeer = 192.0.2.1\nsession_expires = 100\nmin_se = 120\n",
	  -EINVAL, 3, "session_expires: 100 is below min_se 120 (RFC 4028 5)" },
	{ "side = dtls\npeer = 192.0.2.1\nmin_se = 2000\n", -EINVAL, 3,
	  "session_expires: 1800 is below min_se 2000 (RFC 4028 5)" },
	/* keys of the other side, policy conflicts (blamed on their line) */
	{ "side = dtls\npeer = 192.0.2.1\n\ntrusted = yes\n", -EINVAL, 4,
	  "trusted: only for side = sdes (a=crypto trust)" },
	{ "ktr = required\nside = sdes\npeer = 192.0.2.1\n", -EINVAL, 1,
	  "ktr: only for side = dtls" },
	{ "side = sdes\npeer = 192.0.2.1\nktr_form = attr\n", -EINVAL, 3,
	  "ktr_form: only for side = dtls" },
	{ "side = sdes\npeer = 192.0.2.1\nrekey_interval = 0\n", -EINVAL, 3,
	  "rekey_interval: only for side = dtls" },
	{ "side = sdes\npeer = 192.0.2.1\nbundle = no\n", -EINVAL, 3,
	  "bundle: only for side = dtls" },
	{ "side = dtls\npeer = 192.0.2.1\nbundle = maybe\n", -EINVAL, 3,
	  "bundle: 'maybe' is not yes or no" },
	{ "side = dtls\npeer = 192.0.2.1\nsdes_profile = RTP/SAVP\n", -EINVAL, 3,
	  "sdes_profile: only for side = sdes (a dtls trunk has dtls_profile)" },
	{ "dtls_profile = mirror\nside = sdes\npeer = 192.0.2.1\n", -EINVAL, 1,
	  "dtls_profile: only for side = dtls (an sdes trunk has sdes_profile)" },
	{ "side = dtls\nktr_form = attr\npeer = 192.0.2.1\nktr = off\n",
	  -EINVAL, 2, "ktr_form: meaningless with ktr = off" },
	{ "side = dtls\nrekey_interval = 600\npeer = 192.0.2.1\nktr = off\n",
	  -EINVAL, 2,
	  "rekey_interval: needs ktr (new_srtp_key_request is a KTR message)" },
	/* patterns */
	{ "side = sdes\npeer = 192.0.2.1\nmatch_ruri = ^sip:(abc\n", -EINVAL,
	  3, "match_ruri: bad pattern at offset 9: missing closing parenthesis" },
	{ "side = sdes\npeer = 192.0.2.1\nmatch_from = a{2,1}\n", -EINVAL, 3,
	  "match_from: bad pattern at offset 5: numbers out of order in {} quantifier" },
	{ "side = sdes\npeer = 192.0.2.1\nmatch_source = ^x\n\nmatch_source = ^y\n",
	  -EINVAL, 5, "match_source: duplicate key (first set on line 3)" },
	{ "side = sdes\npeer = 192.0.2.1\nmatch_ruri = a b\n", -EINVAL, 3,
	  "match_ruri: takes one value, got 2" },
	{ "side = sdes\npeer = 192.0.2.1\nmatch_ruri = (((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))\n",
	  -EINVAL, 3,
	  "match_ruri: bad pattern at offset 33: parentheses are too deeply nested" },
	/* routes */
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^1 z\n", -EINVAL, 3,
	  "route: expected 'PATTERN -> TRUNK [NEW-URI]'" },
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^1 => z\n", -EINVAL, 3,
	  "route: expected 'PATTERN -> TRUNK [NEW-URI]'" },
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^1 -> z sip:x@y extra\n",
	  -EINVAL, 3, "route: expected 'PATTERN -> TRUNK [NEW-URI]'" },
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^1 -> z/1\n", -EINVAL, 3,
	  "route: 'z/1' is not a trunk name" },
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^(1 -> z\n", -EINVAL, 3,
	  "route: bad pattern at offset 3: missing closing parenthesis" },
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^1 -> z http://x\n", -EINVAL,
	  3, "route: NEW-URI must start with sip:, sips: or tel:" },
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^(1)$ -> z sip:$2@{peer}\n",
	  -EINVAL, 3, "route: NEW-URI: $2 but the pattern has 1 capture group" },
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^1$ -> z sip:${1}@{peer}\n",
	  -EINVAL, 3, "route: NEW-URI: $1 but the pattern has 0 capture groups" },
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^1$ -> z sip:1@{host}\n",
	  -EINVAL, 3,
	  "route: NEW-URI: bad '{' at offset 6 (use $N, ${N}, $$, {user} or {peer})" },
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^1$ -> z sip:$x@{peer}\n",
	  -EINVAL, 3,
	  "route: NEW-URI: bad '$' at offset 4 (use $N, ${N}, $$, {user} or {peer})" },
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^1$ -> z sip:${1@{peer}\n",
	  -EINVAL, 3,
	  "route: NEW-URI: bad '$' at offset 4 (use $N, ${N}, $$, {user} or {peer})" },
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^1$ -> z sip:<1>@{peer}\n",
	  -EINVAL, 3,
	  "route: NEW-URI: byte 0x3c at offset 4 is not a URI character" },
	/* cross-file: routes to unknown trunks, to the same side */
	{ "side = sdes\npeer = 192.0.2.1\n# c\nroute = ^1 -> nowhere\n",
	  -EINVAL, 4, "route: unknown trunk 'nowhere'" },
	{ "side = sdes\npeer = 192.0.2.1\nroute = ^1 -> a\n", -EINVAL, 3,
	  "route: trunk 'a' is on side sdes like this one (routes go sdes <-> dtls)" },
};

static void test_every_key_invalid(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_err(bad[i].text, bad[i].rc, bad[i].line, bad[i].what);
}

/* ---- limits ---------------------------------------------------------------------- */

static void test_limits(void **state)
{
	char text[4096], pat[TRUNK_PATTERN_MAX + 2], want[128];
	struct trunk_set *s;
	size_t n;

	/* A pattern of TRUNK_PATTERN_MAX bytes compiles; one more is
	 * refused before compiling. */
	memset(pat, 'a', sizeof(pat));
	pat[TRUNK_PATTERN_MAX] = '\0';
	snprintf(text, sizeof(text), "side = sdes\npeer = 192.0.2.1\n"
		 "match_ruri = %s\n", pat);
	s = expect_ok(text);
	trunk_set_free(s);
	pat[TRUNK_PATTERN_MAX] = 'a';
	pat[TRUNK_PATTERN_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "side = sdes\npeer = 192.0.2.1\n"
		 "match_ruri = %s\n", pat);
	expect_err(text, -EMSGSIZE, 3, "match_ruri: pattern longer than 256 bytes");

	/* TRUNK_ROUTES_MAX routes; one more refused on its line. */
	n = (size_t)snprintf(text, sizeof(text), "side = sdes\npeer = 192.0.2.1\n");
	for (int i = 0; i < TRUNK_ROUTES_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "route = ^%d$ -> z\n", i);
	s = expect_ok(text);
	assert_int_equal(trunk_route_count(trunk_set_at(s, 0)),
			 TRUNK_ROUTES_MAX);
	trunk_set_free(s);
	snprintf(text + n, sizeof(text) - n, "route = ^x$ -> z\n");
	snprintf(want, sizeof(want), "route: more than %d routes",
		 TRUNK_ROUTES_MAX);
	expect_err(text, -EMSGSIZE, TRUNK_ROUTES_MAX + 3, want);

	/* A NEW-URI template of TRUNK_REPLACE_MAX bytes is refused. */
	memset(pat, 'u', sizeof(pat));
	memcpy(pat, "sip:", 4);
	pat[TRUNK_REPLACE_MAX] = '\0';
	snprintf(text, sizeof(text), "side = sdes\npeer = 192.0.2.1\n"
		 "route = ^1 -> z %s\n", pat);
	expect_err(text, -EMSGSIZE, 3, "route: NEW-URI longer than 255 bytes");
	pat[TRUNK_REPLACE_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "side = sdes\npeer = 192.0.2.1\n"
		 "route = ^1 -> z %s\n", pat);
	s = expect_ok(text);
	trunk_set_free(s);
}

/* ---- several files ------------------------------------------------------------------ */

static void test_cross_file(void **state)
{
	struct trunk_set *s = (void *)1;
	char err[ERRLEN];
	struct trunk_file f[3] = {
		{ "d/one.conf", "side = sdes\npeer = 192.0.2.1\n", 0 },
		{ "d/two.conf", "side = dtls\n\nname = one\npeer = 192.0.2.2\n", 0 },
		{ "d/three.conf", "side = dtls\npeer = 192.0.2.3\n", 0 },
	};

	for (size_t i = 0; i < 3; i++)
		f[i].len = strlen(f[i].text);
	assert_int_equal(trunk_set_parse(&s, f, 3, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "d/two.conf:3: name: trunk 'one' is already defined in d/one.conf");
	assert_null(s);

	/* A file name that is no trunk name needs name =. */
	f[1].path = "d/my trunk.conf";
	f[1].text = "side = dtls\npeer = 192.0.2.2\n";
	f[1].len = strlen(f[1].text);
	assert_int_equal(trunk_set_parse(&s, f, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "d/my trunk.conf: name: the file name is not a valid trunk name (1..31 of [A-Za-z0-9_.-]); set name =");
	f[1].text = "side = dtls\npeer = 192.0.2.2\nname = mine\n";
	f[1].len = strlen(f[1].text);
	assert_int_equal(trunk_set_parse(&s, f, 2, err, sizeof(err)), 0);
	assert_non_null(trunk_set_find(s, "mine"));
	trunk_set_free(s);

	/* Bad arguments, no file, too many files. */
	assert_int_equal(trunk_set_parse(&s, f, 0, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "(trunks): no trunk file");
	assert_int_equal(trunk_set_parse(&s, NULL, 1, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(trunk_set_parse(NULL, f, 1, NULL, 0), -EINVAL);
	assert_int_equal(trunk_set_parse(&s, f, TRUNKS_MAX + 1, err,
					 sizeof(err)),
			 -EMSGSIZE);
	assert_string_equal(err, "(trunks): more than 64 trunk files");
	assert_null(s);
	/* NULL-safe helpers. */
	trunk_set_free(NULL);
	trunk_set_unref(NULL);
	assert_null(trunk_set_ref(NULL));
	assert_int_equal(trunk_set_count(NULL), 0);
	assert_string_equal(trunk_side_str(TRUNK_SIDE_DTLS), "dtls");
	assert_string_equal(trunk_transport_str(TRUNK_TLS), "tls");
	assert_string_equal(trunk_ktr_str(TRUNK_KTR_OFF), "off");
	assert_string_equal(trunk_ktr_form_str(TRUNK_KTR_FORM_CAPNEG_REQUIRED),
			    "capneg-required");
}

/* ---- the directory loader ------------------------------------------------------------- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void rm_dir(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_load_dir(void **state)
{
	char dir[] = "/tmp/test_trunk_XXXXXX", err[ERRLEN], want[ERRLEN];
	char dirslash[64], name[32];
	struct trunk_set *s = (void *)1;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(trunk_set_load(&s, dir, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: no trunk file (*.conf)", dir);
	assert_string_equal(err, want);
	assert_null(s);

	/* Only *.conf, not hidden, in strcmp order. */
	write_file(dir, "b.conf", "side = dtls\npeer = 192.0.2.2\n");
	write_file(dir, "a.conf", "side = sdes\npeer = 192.0.2.1\n"
				  "route = ^ -> b\n");
	write_file(dir, ".hidden.conf", "garbage\n");
	write_file(dir, "README", "garbage\n");
	write_file(dir, "c.conf.orig", "garbage\n");
	assert_int_equal(trunk_set_load(&s, dir, err, sizeof(err)), 0);
	assert_int_equal(trunk_set_count(s), 2);
	assert_string_equal(trunk_name(trunk_set_at(s, 0)), "a");
	assert_string_equal(trunk_name(trunk_set_at(s, 1)), "b");
	snprintf(want, sizeof(want), "%s/a.conf", dir);
	assert_string_equal(trunk_file(trunk_set_at(s, 0)), want);
	trunk_set_free(s);
	/* A trailing '/' on the directory gives no "//". */
	snprintf(dirslash, sizeof(dirslash), "%s/", dir);
	assert_int_equal(trunk_set_load(&s, dirslash, err, sizeof(err)), 0);
	assert_string_equal(trunk_file(trunk_set_at(s, 0)), want);
	trunk_set_free(s);

	/* A bad file is blamed by path and line. */
	write_file(dir, "c.conf", "side = dtls\npeer = 192.0.2.3\nktr = yes\n");
	assert_int_equal(trunk_set_load(&s, dir, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/c.conf:3: ktr: 'yes' is not required, preferred or off",
		 dir);
	assert_string_equal(err, want);
	assert_null(s);

	/* A directory called x.conf cannot be read. */
	snprintf(want, sizeof(want), "%s/c.conf", dir);
	unlink(want);
	assert_int_equal(mkdir(want, 0700), 0);
	assert_int_equal(trunk_set_load(&s, dir, err, sizeof(err)), -EISDIR);
	assert_int_equal(strncmp(err, want, strlen(want)), 0);
	rmdir(want);

	/* More than TRUNKS_MAX files. */
	for (int i = 0; i < TRUNKS_MAX - 2; i++) {
		snprintf(name, sizeof(name), "t%02d.conf", i);
		write_file(dir, name, "side = dtls\npeer = 192.0.2.2\n");
	}
	assert_int_equal(trunk_set_load(&s, dir, err, sizeof(err)), 0);
	assert_int_equal(trunk_set_count(s), TRUNKS_MAX);
	trunk_set_free(s);
	write_file(dir, "zz.conf", "side = dtls\npeer = 192.0.2.2\n");
	assert_int_equal(trunk_set_load(&s, dir, err, sizeof(err)), -EMSGSIZE);
	snprintf(want, sizeof(want), "%s: more than 64 trunk files", dir);
	assert_string_equal(err, want);
	rm_dir(dir);

	assert_int_equal(trunk_set_load(&s, "/nonexistent/trunks", err,
					sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/nonexistent/trunks: cannot open directory: No such file or directory");
	assert_int_equal(trunk_set_load(&s, NULL, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_every_key_valid),
		cmocka_unit_test(test_every_key_invalid),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_cross_file),
		cmocka_unit_test(test_load_dir),
	};

	return cmocka_run_group_tests_name("trunk", tests, NULL, NULL);
}

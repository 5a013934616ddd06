/*
 * Unit tests for the media core's address families (src/media/
 * media_family.c, issue 14 point 4): with media_address 127.0.0.1 and
 * media_address6 ::1, the offer ktrsbc writes to the other side carries
 * c=IN IP6 ::1 or c=IN IP4 127.0.0.1 as that side's policy says (the
 * offerer's family, or IPv4 / IPv6 always), its origin the same address,
 * an a=rtcp with a port only (RFC 3605: the c= address); the causes: an
 * offer whose relayed m-lines mix families, an IPv6 offer to an engine
 * without media_address6, an answer of the other family than the offer
 * it answers. A real relay and DTLS context on loopback; skipped (with
 * the reason) where ::1 cannot be bound.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "media/media.h"
#include "sdp/sdp.h"
#include "tests/lib/media_fix.h"

#define KEY "inline:TVpndIGOm6i1ws/c6fYDEB0qN0RRXmt4hZKfrLnG"

/* An SDES offer from ADDRTYPE ADDR, one audio m-line, no mux. */
static void sdes_offer(char *buf, size_t cap, const char *type, const char *addr)
{
	snprintf(buf, cap,
		 "v=0\r\no=pbx 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
		 "m=audio 20000 RTP/SAVP 0\r\n"
		 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 " KEY "\r\n",
		 type, addr, type, addr);
}

/* A DTLS offer from ADDRTYPE ADDR (mux, fingerprint, actpass). */
static void dtls_sdp(char *buf, size_t cap, const char *type, const char *addr,
		     const char *setup)
{
	char fp[3 * 32] = "";
	size_t n = 0;

	for (int i = 0; i < 32; i++)
		n += (size_t)snprintf(fp + n, sizeof(fp) - n, i ? ":%02X" : "%02X", i);
	snprintf(buf, cap,
		 "v=0\r\no=ua 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
		 "m=audio 20000 UDP/TLS/RTP/SAVPF 0\r\n"
		 "a=fingerprint:sha-256 %s\r\na=setup:%s\r\na=rtcp-mux\r\n",
		 type, addr, type, addr, fp, setup);
}

static bool have_ipv6(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	bool ok;

	a.sin6_addr = in6addr_loopback;
	ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static struct media_engine *engine(const char *addr6)
{
	return media_fix_engine(NULL, addr6, 47000, 47999);
}

static int setup(void **state)
{
	if (!have_ipv6()) {
		*state = NULL;
		return 0;
	}
	*state = engine("::1");
	return 0;
}

static int teardown(void **state)
{
	media_engine_free(*state);
	return 0;
}

#define NEED_ENGINE()                                                        \
	do {                                                                 \
		if (!*state) {                                               \
			print_message("# no IPv6 loopback (::1) here\n");    \
			skip();                                              \
		}                                                            \
	} while (0)

/* The offer from `from` with policies pol, translated: 0 and *outp (a copy)
 * or the error and the cause. */
static int offer(struct media_engine *e, enum media_side from,
		 enum media_family fam_other, const char *sdp, char **outp,
		 struct media_session **sp)
{
	struct media_policy pol[2] = {
		{ .name = "pbx", .ktr = MEDIA_KTR_PREFERRED },
		{ .name = "carrier", .ktr = MEDIA_KTR_PREFERRED },
	};
	const char *out = NULL;
	int err;

	pol[!from].family = fam_other;
	assert_int_equal(media_session_alloc(e, sp, from, pol, 1, &media_fix_handler, NULL), 0);
	err = media_session_offer(*sp, sdp, strlen(sdp), &out);
	*outp = err ? NULL : strdup(out);
	return err;
}

static void expect_line(const char *sdp, const char *line)
{
	if (!strstr(sdp, line))
		fail_msg("no \"%s\" in:\n%s", line, sdp);
}

/* SDES offer in IPv6: the DTLS side gets IPv6 (same), IPv4 (ipv4). */
static void test_sdes_ipv6_offer(void **state)
{
	struct media_session *s = NULL;
	char in[512], *out = NULL;

	NEED_ENGINE();
	sdes_offer(in, sizeof(in), "IP6", "::1");
	assert_int_equal(offer(*state, MEDIA_SIDE_SDES, MEDIA_FAMILY_SAME, in, &out, &s), 0);
	expect_line(out, "c=IN IP6 ::1\r\n");
	expect_line(out, " IN IP6 ::1\r\n"); /* o= */
	assert_null(strstr(out, "IP4"));
	free(out);
	media_session_free(s);

	assert_int_equal(offer(*state, MEDIA_SIDE_SDES, MEDIA_FAMILY_IPV4, in, &out, &s), 0);
	expect_line(out, "c=IN IP4 127.0.0.1\r\n");
	assert_null(strstr(out, "IP6"));
	free(out);
	media_session_free(s);
}

/* DTLS offer in IPv4, SDES trunk ipv6: c=IN IP6 ::1 and a=rtcp:PORT with
 * no address (RFC 3605 2.1: the c= one). */
static void test_dtls_offer_to_ipv6(void **state)
{
	struct media_session *s = NULL;
	char in[768], *out = NULL;

	NEED_ENGINE();
	dtls_sdp(in, sizeof(in), "IP4", "127.0.0.1", "actpass");
	assert_int_equal(offer(*state, MEDIA_SIDE_DTLS, MEDIA_FAMILY_IPV6, in, &out, &s), 0);
	expect_line(out, "c=IN IP6 ::1\r\n");
	expect_line(out, "a=rtcp:");
	assert_null(strstr(strstr(out, "a=rtcp:"), " IN "));
	assert_null(strstr(out, "IP4"));
	free(out);
	media_session_free(s);
}

/* The causes: mixed families in one offer, IPv4 answer to an IPv6 offer. */
static void test_family_causes(void **state)
{
	static const char mixed[] =
		"v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		"m=audio 20000 RTP/SAVP 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 " KEY "\r\n"
		"m=audio 20002 RTP/SAVP 0\r\nc=IN IP6 ::1\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:W2h1go+cqbbD0N3q9wQRHis4RVJfbHmGk6CtusfU\r\n";
	struct media_policy pol[2] = {
		{ .name = "pbx", .ktr = MEDIA_KTR_PREFERRED },
		{ .name = "carrier", .ktr = MEDIA_KTR_PREFERRED },
	};
	struct media_session *s = NULL;
	enum media_cause kind;
	const char *out = NULL;
	char in[768], *o = NULL;

	NEED_ENGINE();
	assert_int_equal(media_session_alloc(*state, &s, MEDIA_SIDE_SDES, pol, 2,
					     &media_fix_handler, NULL), 0);
	assert_int_equal(media_session_offer(s, mixed, strlen(mixed), &out), -EPROTO);
	assert_non_null(strstr(media_session_cause(s, &kind),
			       "ktrsbc relays one address family per side"));
	assert_int_equal(kind, MEDIA_CAUSE_UNACCEPTABLE);
	media_session_free(s);

	sdes_offer(in, sizeof(in), "IP6", "::1");
	assert_int_equal(offer(*state, MEDIA_SIDE_SDES, MEDIA_FAMILY_SAME, in, &o, &s), 0);
	free(o);
	dtls_sdp(in, sizeof(in), "IP4", "127.0.0.1", "active");
	assert_int_equal(media_session_answer(s, in, strlen(in)), -EAFNOSUPPORT);
	assert_non_null(strstr(media_session_cause(s, &kind),
			       "the DTLS side's media address is IPv4, ktrsbc's media toward it is IPv6"));
	assert_int_equal(kind, MEDIA_CAUSE_UNACCEPTABLE);
	media_session_free(s);
}

/* No media_address6: an IPv6 offer, or a trunk wanting IPv6, refused. */
static void test_no_ipv6_address(void **state)
{
	struct media_engine *e = engine("");
	struct media_session *s = NULL;
	enum media_cause kind;
	char in[512], *out = NULL;

	sdes_offer(in, sizeof(in), "IP6", "::1");
	assert_int_equal(offer(e, MEDIA_SIDE_SDES, MEDIA_FAMILY_IPV4, in, &out, &s),
			 -EAFNOSUPPORT);
	assert_non_null(strstr(media_session_cause(s, &kind),
			       "IPv6 and ktrsbc has none of that family (media_address6)"));
	assert_int_equal(kind, MEDIA_CAUSE_UNACCEPTABLE);
	media_session_free(s);
	sdes_offer(in, sizeof(in), "IP4", "127.0.0.1");
	assert_int_equal(offer(e, MEDIA_SIDE_SDES, MEDIA_FAMILY_IPV6, in, &out, &s),
			 -EAFNOSUPPORT);
	assert_non_null(strstr(media_session_cause(s, &kind),
			       "trunk carrier wants IPv6 media (media_family)"));
	media_session_free(s);
	/* IPv4 both ways still works */
	assert_int_equal(offer(e, MEDIA_SIDE_SDES, MEDIA_FAMILY_SAME, in, &out, &s), 0);
	expect_line(out, "c=IN IP4 127.0.0.1\r\n");
	free(out);
	media_session_free(s);
	media_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdes_ipv6_offer),
		cmocka_unit_test(test_dtls_offer_to_ipv6),
		cmocka_unit_test(test_family_causes),
		cmocka_unit_test(test_no_ipv6_address),
	};

	return cmocka_run_group_tests_name("media_family", tests, setup, teardown);
}

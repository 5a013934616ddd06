/*
 * Unit tests for sdp/sdp_ice.c: a=candidate (RFC 8839 5.1) on the RFC's
 * own examples and on what browsers write (extensions, mDNS names, IPv6),
 * refused malformed forms with their columns; the RFC 8445 5.1.2.1
 * priority against the RFC 8839 example values; one m-line's ICE resolved
 * over media and session level (the RFC 8839 Appendix A offer), the
 * credentials' grammar (5.4) with a password that never reaches an error
 * message; our own attributes written, printed and read back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sdp/sdp.h"
#include "tests/lib/sdpt.h"

static struct sdp_candidate cand_ok(const char *v)
{
	struct sdp_candidate c;
	struct sdp_error e;

	memset(&e, 0, sizeof(e));
	if (sdp_candidate_parse(v, strlen(v), &c, &e))
		fail_msg("'%s': %s (col %u)", v, e.msg, e.col);
	return c;
}

static void cand_bad(const char *v, int rc, uint32_t col)
{
	struct sdp_candidate c;
	struct sdp_error e;

	memset(&e, 0, sizeof(e));
	assert_int_equal(sdp_candidate_parse(v, strlen(v), &c, &e), rc);
	if (col && e.col != col)
		fail_msg("'%s': column %u, expected %u (%s)", v, e.col, col, e.msg);
	assert_true(strncmp(e.msg, "candidate: ", 11) == 0);
}

/* RFC 8839 5.1 / Appendix A, RFC 8445 5.1.2.1. */
static void test_candidate_rfc(void **state)
{
	struct sdp_candidate c = cand_ok("1 1 UDP 2130706431 203.0.113.141 8998 typ host");
	char buf[256];

	assert_string_equal(c.foundation, "1");
	assert_int_equal(c.component, 1);
	assert_string_equal(c.transport, "UDP");
	assert_true(c.udp);
	assert_int_equal(c.priority, 2130706431u);
	assert_string_equal(c.addr, "203.0.113.141");
	assert_int_equal(c.port, 8998);
	assert_string_equal(c.type, "host");
	assert_false(c.has_raddr || c.has_rport);
	assert_int_equal(sdp_candidate_print(&c, buf, sizeof(buf)), 46);
	assert_string_equal(buf, "1 1 UDP 2130706431 203.0.113.141 8998 typ host");

	c = cand_ok("2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998");
	assert_string_equal(c.type, "srflx");
	assert_true(c.has_raddr && c.has_rport);
	assert_string_equal(c.raddr, "203.0.113.141");
	assert_int_equal(c.rport, 8998);
	assert_true(sdp_candidate_print(&c, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998");

	/* The priorities of those examples: host and server-reflexive type
	 * preferences 126 and 100, local preference 65535, component 1. */
	assert_int_equal(sdp_ice_priority(126, 65535, 1), 2130706431u);
	assert_int_equal(sdp_ice_priority(100, 65535, 1), 1694498815u);
	assert_int_equal(sdp_ice_priority(126, 65535, 2), 2130706430u);
	assert_int_equal(sdp_ice_priority(0, 0, 256), 0); /* 256 - 256 */
	assert_int_equal(sdp_ice_priority(127, 0, 1), 0);
	assert_int_equal(sdp_ice_priority(126, 65536, 1), 0);
	assert_int_equal(sdp_ice_priority(126, 0, 0), 0);
	assert_int_equal(sdp_ice_priority(126, 0, 257), 0);
}

/* What browsers and libnice write: lower-case transport, extensions
 * (generation, network-cost, ufrag), mDNS host names, IPv6, TCP. */
static void test_candidate_in_the_wild(void **state)
{
	struct sdp_candidate c;

	c = cand_ok("842163049 1 udp 1677729535 198.51.100.7 53705 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag EsAw network-cost 999");
	assert_true(c.udp);
	assert_int_equal(c.n_ext, 3);
	assert_true(c.has_rport);
	assert_int_equal(c.rport, 0);
	c = cand_ok("1 1 udp 2122262783 6b7e5a8c-3d2e-4b1f-9c0a-2d3e4f5a6b7c.local 54321 typ host generation 0");
	assert_string_equal(c.addr, "6b7e5a8c-3d2e-4b1f-9c0a-2d3e4f5a6b7c.local");
	c = cand_ok("3 1 UDP 2130706175 2001:db8::1 9 typ host");
	assert_string_equal(c.addr, "2001:db8::1");
	c = cand_ok("4 1 TCP 1518280447 192.0.2.9 9 typ host tcptype active");
	assert_false(c.udp);
	assert_string_equal(c.transport, "TCP");
	c = cand_ok("a+/Z 256 UDP 4294967295 192.0.2.1 65535 typ relay raddr 192.0.2.2 rport 1");
	assert_int_equal(c.component, 256);
	assert_int_equal(c.priority, 4294967295u);
	assert_string_equal(c.foundation, "a+/Z");
}

static void test_candidate_malformed(void **state)
{
	cand_bad("", -EBADMSG, 1);
	cand_bad("1 1 UDP 2130706431 192.0.2.1 9 host", -EBADMSG, 32);
	cand_bad("1 1 UDP 2130706431 192.0.2.1 9 typ", -EBADMSG, 0);
	cand_bad("1 0 UDP 1 192.0.2.1 9 typ host", -EBADMSG, 3);
	cand_bad("1 257 UDP 1 192.0.2.1 9 typ host", -EBADMSG, 3);
	cand_bad("1 1 UDP 0 192.0.2.1 9 typ host", -EBADMSG, 9);
	cand_bad("1 1 UDP 4294967296 192.0.2.1 9 typ host", -EBADMSG, 9);
	cand_bad("1 1 UDP 12x 192.0.2.1 9 typ host", -EBADMSG, 9);
	cand_bad("1 1 UDP 1 192.0.2.1 65536 typ host", -EBADMSG, 21);
	cand_bad("1 1 UDP 1 192.0.2.1 -1 typ host", -EBADMSG, 21);
	cand_bad("123456789012345678901234567890123 1 UDP 1 192.0.2.1 9 typ host",
		 -EBADMSG, 1);
	cand_bad("a-b 1 UDP 1 192.0.2.1 9 typ host", -EBADMSG, 1);
	cand_bad("1  1 UDP 1 192.0.2.1 9 typ host", -EBADMSG, 0);
	cand_bad("1 1 UDP 1 192.0.2.1 9 typ host ", -EBADMSG, 0);
	cand_bad("1 1 UDP 1 192.0.2.1 9 typ host generation", -EBADMSG, 32);
	cand_bad("1 1 UDP 1 192.0.2.1 9 typ host raddr", -EBADMSG, 32);
	cand_bad("1 1 UDP 1 192.0.2.1 9 typ host rport x", -EBADMSG, 38);
	cand_bad("1 1 U\"P 1 192.0.2.1 9 typ host", -EBADMSG, 6);
	cand_bad("1 1 UDP 1 192.0.2.1 9 typ ho\"t", -EBADMSG, 29);
	cand_bad("1 1 UDP 1 192.0.2.1 9 typ host a 1 b 2 c 3 d 4 e 5 f 6 g 7 h 8 i 9 j 10 k 11 l 12 m 13 n 14 o 15 p 16 q 17",
		 -EMSGSIZE, 0);
	assert_int_equal(sdp_candidate_parse(NULL, 0, NULL, NULL), -EINVAL);
	{
		struct sdp_candidate c;
		char b[8];

		memset(&c, 0, sizeof(c));
		assert_int_equal(sdp_candidate_print(&c, b, sizeof(b)), -EINVAL);
		c = cand_ok("1 1 UDP 2130706431 203.0.113.141 8998 typ host");
		assert_int_equal(sdp_candidate_print(&c, b, sizeof(b)), -ENOSPC);
	}
}

/* RFC 8839 Appendix A's offer (addresses filled in): credentials at
 * session level, candidates at media level. */
static const char rfc8839_offer[] =
	"v=0\r\n"
	"o=jdoe 2890844526 2890842807 IN IP6 2001:db8::10\r\n"
	"s=-\r\n"
	"c=IN IP6 2001:db8::20\r\n"
	"t=0 0\r\n"
	"a=ice-options:ice2\r\n"
	"a=ice-pacing:50\r\n"
	"a=ice-pwd:asd88fgpdd777uzjYhagZg\r\n"
	"a=ice-ufrag:8hhY\r\n"
	"m=audio 45664 RTP/AVP 0\r\n"
	"b=RS:0\r\n"
	"b=RR:0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=candidate:1 1 UDP 2130706431 2001:db8::10 8998 typ host\r\n"
	"a=candidate:2 1 UDP 1694498815 2001:db8::20 45664 typ srflx raddr 2001:db8::10 rport 8998\r\n";

static int info_of(const char *sdp, size_t mline, struct sdp_ice_info *i,
		   struct sdp_error *e)
{
	struct sdp_session *s = sdpt_parse_str(sdp);
	int rc;

	memset(e, 0, sizeof(*e));
	rc = sdp_media_ice_info(sdp_session_media(s, mline), i, e);
	sdp_session_free(s);
	return rc;
}

static void test_ice_info(void **state)
{
	struct sdp_ice_info i;
	struct sdp_error e;
	char sdp[2048];

	assert_int_equal(info_of(rfc8839_offer, 0, &i, &e), 0);
	assert_true(i.ice);
	assert_false(i.lite);
	assert_true(i.ice2);
	assert_false(i.trickle);
	assert_string_equal(i.ufrag, "8hhY");
	assert_int_equal(i.n_cand, 2);
	assert_int_equal(i.n_udp_rtp, 2);
	assert_false(i.end_of_candidates);

	/* Media level wins; ice-lite; end-of-candidates; trickle. */
	snprintf(sdp, sizeof(sdp), "%sa=ice-ufrag:mediaUfrag\r\na=ice-pwd:mediaLevelPassword+/0123\r\na=end-of-candidates\r\n",
		 rfc8839_offer);
	assert_int_equal(info_of(sdp, 0, &i, &e), 0);
	assert_string_equal(i.ufrag, "mediaUfrag");
	assert_true(i.end_of_candidates);
	assert_int_equal(info_of("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				 "a=ice-lite\r\na=ice-options:trickle\r\n"
				 "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:Lite\r\na=ice-pwd:ktrsbcLitePassword+0123/x\r\n",
				 0, &i, &e), 0);
	assert_true(i.ice && i.lite && i.trickle);
	assert_int_equal(i.n_cand, 0);

	/* No ICE at all. */
	assert_int_equal(info_of("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n",
				 0, &i, &e), 0);
	assert_false(i.ice);

	/* Malformed: the line named; the password never in the message. */
	assert_int_equal(info_of("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				 "m=audio 9 RTP/AVP 0\r\na=ice-ufrag:abc\r\na=ice-pwd:ktrsbcLitePassword+0123/x\r\n",
				 0, &i, &e), -EBADMSG);
	assert_int_equal(e.line, 7);
	assert_int_equal(info_of("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				 "m=audio 9 RTP/AVP 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:secret-Pass-word-1234567\r\n",
				 0, &i, &e), -EBADMSG);
	assert_int_equal(e.line, 8);
	assert_null(strstr(e.msg, "secret"));
	assert_int_equal(info_of("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				 "m=audio 9 RTP/AVP 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:shortPassword12345678\r\n",
				 0, &i, &e), -EBADMSG);
	assert_int_equal(info_of("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				 "m=audio 9 RTP/AVP 0\r\na=ice-ufrag:abcd\r\n",
				 0, &i, &e), -EPROTO);
	assert_int_equal(e.line, 7);
	assert_int_equal(info_of("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				 "a=ice-pwd:ktrsbcLitePassword+0123/x\r\nm=audio 9 RTP/AVP 0\r\n",
				 0, &i, &e), -EPROTO);
	assert_int_equal(e.line, 6);
	assert_int_equal(info_of("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				 "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=candidate:1 1 UDP 0 192.0.2.1 9 typ host\r\n",
				 0, &i, &e), -EBADMSG);
	assert_int_equal(e.line, 8);
	assert_int_equal(e.col, 21); /* "a=candidate:" + the priority's column */
	assert_int_equal(info_of("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				 "a=ice-options:ice2  trickle\r\nm=audio 9 RTP/AVP 0\r\n",
				 0, &i, &e), -EBADMSG);
	assert_int_equal(sdp_media_ice_info(NULL, &i, &e), -EINVAL);
}

/* Ours: written, printed, read back; bad credentials refused. */
static void test_ice_write(void **state)
{
	struct sdp_session *s = sdpt_parse_str("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
					       "m=audio 30000 UDP/TLS/RTP/SAVPF 0\r\na=rtcp-mux\r\n");
	struct sdp_media *m = sdp_session_media(s, 0);
	struct sdp_candidate c;
	struct sdp_ice_info i;
	struct sdp_session *s2;
	struct sdp_error e;
	char *txt = NULL;

	memset(&c, 0, sizeof(c));
	strcpy(c.foundation, "1");
	c.component = 1;
	strcpy(c.transport, "UDP");
	c.priority = sdp_ice_priority(126, 65535, 1);
	strcpy(c.addr, "192.0.2.1");
	c.port = 30000;
	strcpy(c.type, "host");
	assert_int_equal(sdp_media_ice_add(m, "ab", "ktrsbcLitePassword+0123/x", &c, 1, true), -EINVAL);
	assert_int_equal(sdp_media_ice_add(m, "abcd", "tooShort", &c, 1, true), -EINVAL);
	assert_int_equal(sdp_media_ice_add(m, "ab-d", "ktrsbcLitePassword+0123/x", &c, 1, true), -EINVAL);
	assert_int_equal(sdp_media_ice_add(m, "Lite", "ktrsbcLitePassword+0123/x", &c, 1, true), 0);
	assert_int_equal(sdp_session_attr_add(s, "ice-lite", NULL), 0);
	assert_true(sdp_session_print_alloc(s, &txt) > 0);
	assert_non_null(strstr(txt, "a=ice-lite\r\n"));
	assert_non_null(strstr(txt, "a=candidate:1 1 UDP 2130706431 192.0.2.1 30000 typ host\r\n"));
	assert_non_null(strstr(txt, "a=end-of-candidates\r\n"));
	assert_int_equal(sdp_parse(&s2, txt, strlen(txt), &e), 0);
	assert_int_equal(sdp_media_ice_info(sdp_session_media(s2, 0), &i, &e), 0);
	assert_true(i.ice && i.lite && i.end_of_candidates);
	assert_string_equal(i.ufrag, "Lite");
	assert_int_equal(i.n_cand, 1);
	/* Removed again: none left. */
	assert_int_equal(sdp_media_ice_del(sdp_session_media(s2, 0)), 4);
	assert_int_equal(sdp_media_ice_info(sdp_session_media(s2, 0), &i, &e), 0);
	assert_false(i.ice);
	assert_int_equal(i.n_cand, 0);
	assert_true(sdp_ice_chars_valid("a+/Z09", 6, 1, 6));
	assert_false(sdp_ice_chars_valid("a+/Z09", 6, 1, 5));
	assert_false(sdp_ice_chars_valid("a=b", 3, 1, 5));
	free(txt);
	sdp_session_free(s);
	sdp_session_free(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_candidate_rfc),
		cmocka_unit_test(test_candidate_in_the_wild),
		cmocka_unit_test(test_candidate_malformed),
		cmocka_unit_test(test_ice_info),
		cmocka_unit_test(test_ice_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for sdp/: RFC 5939 capability negotiation (a=tcap, a=acap,
 * a=pcfg/acfg) over every complete RFC 5939 SDP example in tests/data/sdp/
 * (which bodies, and how they were copied from the RFC: test_sdp.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sdp/sdp.h"
#include "sdp/sdp_priv.h"
#include "tests/lib/sdpt.h"

/* One RFC 5939 body: per m-line (up to 2) proto, port and a=crypto count,
 * and what sdp_media_dtls_info makes of m-line 0. */
struct ex5939 {
	const char *file;
	size_t n_media;
	struct {
		const char *proto;
		uint16_t port;
		size_t n_crypto;
	} m[2];
	bool dtls, via_capneg;
	uint32_t cfg_num;
};

static const struct ex5939 ex5939[] = {
	{ "rfc5939-3.2-1.sdp", 1, { { "RTP/AVP", 53456, 0 } }, false, false, 0 },
	{ "rfc5939-3.2-2.sdp", 1, { { "RTP/SAVP", 54568, 1 } }, false, false, 0 },
	{ "rfc5939-3.2-3.sdp", 1, { { "RTP/SAVP", 53456, 1 } }, false, false, 0 },
	{ "rfc5939-3.2-4.sdp", 1, { { "RTP/SAVP", 54568, 1 } }, false, false, 0 },
	{ "rfc5939-3.2-5.sdp", 1, { { "RTP/AVP", 54568, 0 } }, false, false, 0 },
	{ "rfc5939-3.5.1-1.sdp", 1, { { "RTP/AVP", 53456, 0 } }, false, false, 0 },
	{ "rfc5939-3.5.1-2.sdp", 1, { { "RTP/AVPF", 53456, 0 } }, false, false, 0 },
	{ "rfc5939-3.5.2-1.sdp", 1, { { "RTP/SAVPF", 54568, 1 } }, false, false, 0 },
	{ "rfc5939-3.6.2.1-3.sdp", 2, { { "RTP/SAVP", 59000, 1 }, { "RTP/SAVP", 52000, 1 } },
	  false, false, 0 },
	{ "rfc5939-4.1-1.sdp", 1, { { "RTP/AVP", 53456, 0 } }, false, false, 0 },
	{ "rfc5939-4.1-2.sdp", 1, { { "RTP/AVPF", 54568, 0 } }, false, false, 0 },
	{ "rfc5939-4.1-3.sdp", 1, { { "RTP/AVPF", 53456, 0 } }, false, false, 0 },
	{ "rfc5939-4.1-4.sdp", 1, { { "RTP/AVPF", 54568, 0 } }, false, false, 0 },
	{ "rfc5939-4.1-5.sdp", 1, { { "RTP/AVP", 54568, 0 } }, false, false, 0 },
	{ "rfc5939-4.2-1.sdp", 1, { { "RTP/AVP", 59000, 0 } }, true, true, 1 },
	{ "rfc5939-4.2-2.sdp", 1, { { "UDP/TLS/RTP/SAVP", 54568, 0 } }, true, false, 1 },
	/* "UDP/TLS/RTP/AVP" as printed in the RFC: not an SRTP profile */
	{ "rfc5939-4.2-3.sdp", 1, { { "UDP/TLS/RTP/AVP", 59000, 0 } }, false, false, 0 },
	{ "rfc5939-4.2-4.sdp", 1, { { "UDP/TLS/RTP/SAVP", 54568, 0 } }, true, false, 1 },
	{ "rfc5939-4.2-5.sdp", 1, { { "RTP/AVP", 54568, 0 } }, false, false, 0 },
	{ "rfc5939-4.2-6.sdp", 1, { { "RTP/SAVP", 54568, 1 } }, false, false, 0 },
	{ "rfc5939-4.3-2.sdp", 2, { { "RTP/SAVP", 54568, 1 }, { "RTP/SAVPF", 55468, 1 } },
	  false, false, 0 },
	{ "rfc5939-4.3-3.sdp", 2, { { "RTP/SAVP", 59000, 1 }, { "RTP/SAVPF", 52000, 1 } },
	  false, false, 0 },
	{ "rfc5939-4.3-4.sdp", 2, { { "RTP/SAVP", 54568, 1 }, { "RTP/SAVPF", 55468, 1 } },
	  false, false, 0 },
	{ "rfc5939-4.3-5.sdp", 2, { { "RTP/AVP", 54568, 0 }, { "RTP/AVP", 55468, 0 } },
	  false, false, 0 },
	{ "rfc5939-4.4-2.sdp", 2, { { "RTP/SAVP", 54568, 1 }, { "RTP/SAVP", 55468, 1 } },
	  false, false, 0 },
};

static struct sdp_session *ex(const char *file)
{
	size_t k;

	for (k = 0; k < sizeof(ex5939) / sizeof(ex5939[0]); k++)
		if (!strcmp(ex5939[k].file, file))
			return sdpt_parse_file(file);
	fail_msg("%s is not in ex5939[]", file);
	return NULL;
}

static void test_rfc5939(void **state)
{
	struct sdp_session *s;
	struct sdp_dtls_info di;
	struct sdp_media *m;
	struct sdp_tcap t;
	struct sdp_pcfg p;
	struct sdp_conn cn;
	char name[128], value[128];
	const char *v;
	size_t k, i;

	/* every body: m-lines, protos, ports, crypto counts, DTLS or not */
	for (k = 0; k < sizeof(ex5939) / sizeof(ex5939[0]); k++) {
		const struct ex5939 *x = &ex5939[k];

		s = sdpt_parse_file(x->file);
		assert_int_equal(sdp_session_media_count(s), x->n_media);
		for (i = 0; i < x->n_media; i++) {
			m = sdp_session_media(s, i);
			assert_string_equal(sdp_media_proto(m), x->m[i].proto);
			assert_int_equal(sdp_media_port(m), x->m[i].port);
			assert_int_equal(sdp_media_crypto_count(m), x->m[i].n_crypto);
			assert_true(sdp_media_conn(m, &cn));
		}
		assert_int_equal(sdp_media_dtls_info(sdp_session_media(s, 0), &di, NULL), 0);
		if (di.dtls != x->dtls || di.via_capneg != x->via_capneg)
			fprintf(stderr, "%s: dtls %d via_capneg %d\n", x->file, di.dtls, di.via_capneg);
		assert_int_equal(di.dtls, x->dtls);
		assert_int_equal(di.via_capneg, x->via_capneg);
		assert_int_equal(di.cfg_num, x->cfg_num);
		sdp_session_free(s);
	}

	/* 3.2: offer, the answer on potential configuration 1, then plain SRTP */
	s = ex("rfc5939-3.2-1.sdp");
	m = sdp_session_media(s, 0);
	assert_string_equal(sdp_media_fmts(m), "0 18");
	sdpt_get_tcap(s, m, 0, &t);
	assert_true(t.num == 1 && t.n == 1);
	assert_string_equal(t.protos[0], "RTP/SAVP");
	sdpt_get_acap(s, m, 1, name, value, sizeof(name));
	assert_string_equal(name, "crypto");
	assert_string_equal(value, "1 AES_CM_128_HMAC_SHA1_80 inline:" K4568_WVNF "|2^20|1:4");
	sdpt_get_cfg(s, m, "pcfg", 0, &p);
	assert_true(p.num == 1 && p.n_t == 1 && p.t[0] == 1 && p.n_a == 1);
	assert_true(p.a[0].n_mand == 1 && p.a[0].mand[0] == 1 && p.a[0].n_opt == 0 && !p.a[0].del);
	sdp_session_free(s);
	s = ex("rfc5939-3.2-2.sdp");
	m = sdp_session_media(s, 0);
	sdpt_chk_crypto(m, 0, 1, SDP_SUITE_AES_CM_128_HMAC_SHA1_80, 1, K4568_PS1U, P20, true, 1, 4);
	sdpt_get_cfg(s, m, "acfg", 0, &p);
	assert_true(p.num == 1 && p.t[0] == 1 && p.a[0].mand[0] == 1);
	sdp_session_free(s);
	s = ex("rfc5939-3.2-3.sdp");
	sdpt_chk_crypto(sdp_session_media(s, 0), 0, 1, SDP_SUITE_AES_CM_128_HMAC_SHA1_80, 1, K4568_WVNF,
			P20, true, 1, 4);
	sdp_session_free(s);
	s = ex("rfc5939-3.2-5.sdp");
	assert_int_equal(sdp_media_attr_count(sdp_session_media(s, 0)), 0);
	sdp_session_free(s);

	/* 3.5.1: one tcap line numbers two protos; "t=4|3" alternatives and a
	 * pcfg with no attribute list */
	s = ex("rfc5939-3.5.1-1.sdp");
	m = sdp_session_media(s, 0);
	sdpt_get_tcap(s, m, 0, &t);
	assert_true(t.num == 1 && t.n == 2);
	assert_string_equal(t.protos[1], "RTP/SAVPF");
	sdpt_get_cfg(s, m, "pcfg", 1, &p);
	assert_true(p.num == 2 && p.n_t == 1 && p.t[0] == 2 && p.a[0].mand[0] == 1);
	sdpt_get_acap(s, m, 1, name, value, sizeof(name));
	assert_string_equal(value, "1 AES_CM_128_HMAC_SHA1_32 inline:" K4568_NZB4 "|2^20|1:32");
	sdp_session_free(s);
	s = ex("rfc5939-3.5.1-2.sdp");
	m = sdp_session_media(s, 0);
	sdpt_get_tcap(s, m, 0, &t);
	assert_true(t.num == 1 && t.n == 4);
	assert_string_equal(t.protos[3], "RTP/SAVPF");
	sdpt_get_cfg(s, m, "pcfg", 0, &p);
	assert_true(p.num == 1 && p.n_t == 2 && p.t[0] == 4 && p.t[1] == 3);
	assert_true(p.n_a == 1 && p.a[0].n_mand == 1 && p.a[0].mand[0] == 1);
	sdpt_get_cfg(s, m, "pcfg", 1, &p);
	assert_true(p.num == 8 && p.n_t == 2 && p.t[0] == 1 && p.t[1] == 2 && p.n_a == 0);
	sdp_session_free(s);
	/* 3.5.2: the answer's acfg names the offer's tcap 4 */
	s = ex("rfc5939-3.5.2-1.sdp");
	m = sdp_session_media(s, 0);
	assert_string_equal(sdp_media_fmts(m), "0");
	sdpt_chk_crypto(m, 0, 1, SDP_SUITE_AES_CM_128_HMAC_SHA1_32, 1, K5939_WSJ, P20, true, 1, 32);
	sdpt_get_cfg(s, m, "acfg", 0, &p);
	assert_true(p.num == 1 && p.n_t == 1 && p.t[0] == 4 && p.a[0].mand[0] == 1);
	sdp_session_free(s);
	/* 3.6.2.1: the "seen" configuration, c= after t= */
	s = ex("rfc5939-3.6.2.1-3.sdp");
	assert_true(sdp_session_conn(s, &cn));
	assert_string_equal(cn.addr, "lost.example.com");
	assert_true(sdp_session_attr_find(s, "tool", &v));
	assert_string_equal(v, "foo");
	sdpt_chk_crypto(sdp_session_media(s, 0), 0, 1, SDP_SUITE_AES_CM_128_HMAC_SHA1_32, 1, K4568_NZB4,
			P20, true, 1, 32);
	sdpt_chk_crypto(sdp_session_media(s, 1), 0, 1, SDP_SUITE_AES_CM_128_HMAC_SHA1_80, 1, K4568_D0RM,
			P20, true, 1, 32);
	assert_true(sdp_media_attr_find(sdp_session_media(s, 1), "rtpmap", &v));
	assert_string_equal(v, "31 H261/90000");
	sdp_session_free(s);

	/* 4.1: mandatory and optional ("[2]") attribute capabilities */
	s = ex("rfc5939-4.1-1.sdp");
	m = sdp_session_media(s, 0);
	sdpt_get_tcap(s, m, 0, &t);
	assert_true(t.n == 3);
	assert_string_equal(t.protos[0], "RTP/SAVPF");
	assert_string_equal(t.protos[2], "RTP/AVPF");
	sdpt_get_acap(s, m, 1, name, value, sizeof(name));
	assert_string_equal(value, "1 AES_CM_128_HMAC_SHA1_80 inline:" K4568_WVNF "|2^20|1:4 FEC_ORDER=FEC_SRTP");
	sdpt_get_acap(s, m, 2, name, value, sizeof(name));
	assert_string_equal(name, "rtcp-fb");
	assert_string_equal(value, "0 nack");
	sdpt_get_cfg(s, m, "pcfg", 0, &p);
	assert_true(p.num == 1 && p.t[0] == 1 && p.n_a == 1);
	assert_true(p.a[0].n_mand == 1 && p.a[0].mand[0] == 1);
	assert_true(p.a[0].n_opt == 1 && p.a[0].opt[0] == 2);
	sdpt_get_cfg(s, m, "pcfg", 2, &p);
	assert_true(p.num == 3 && p.t[0] == 3 && p.a[0].n_mand == 0 && p.a[0].n_opt == 1);
	sdp_session_free(s);
	s = ex("rfc5939-4.1-2.sdp");
	m = sdp_session_media(s, 0);
	assert_true(sdp_media_attr_find(m, "rtcp-fb", &v));
	assert_string_equal(v, "0 nack");
	sdpt_get_cfg(s, m, "acfg", 0, &p);
	assert_true(p.num == 1 && p.t[0] == 3 && p.a[0].n_mand == 0 && p.a[0].opt[0] == 2);
	sdp_session_free(s);

	/* 4.2: session-level acaps (setup, fingerprint with "SHA-1" after a
	 * SP), DTLS-SRTP preferred over SDES */
	s = ex("rfc5939-4.2-1.sdp");
	m = sdp_session_media(s, 0);
	sdpt_get_tcap(s, NULL, 0, &t);
	assert_true(t.num == 1 && t.n == 2);
	assert_string_equal(t.protos[0], "UDP/TLS/RTP/SAVP");
	sdpt_get_acap(s, NULL, 2, name, value, sizeof(name));
	assert_string_equal(name, "fingerprint");
	assert_string_equal(value, " SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB");
	sdpt_get_acap(s, m, 3, name, value, sizeof(name));
	assert_string_equal(value, "1 AES_CM_128_HMAC_SHA1_32 inline:" K4568_NZB4 "|2^20|1:32");
	assert_int_equal(sdp_media_dtls_info(m, &di, NULL), 0);
	assert_int_equal(di.tcap_num, 1);
	assert_int_equal(di.proto, SDP_PROTO_UDP_TLS_RTP_SAVP);
	assert_int_equal(di.setup, SDP_SETUP_ACTPASS);
	assert_int_equal(di.acap_setup, 1);
	assert_int_equal(di.acap_fingerprint, 2);
	assert_true(di.has_fingerprint);
	assert_memory_equal(di.fingerprint.bytes, sdpt_fp_4aad, 20);
	sdpt_get_cfg(s, m, "pcfg", 1, &p);
	assert_true(p.num == 2 && p.t[0] == 2 && p.a[0].mand[0] == 3);
	sdp_session_free(s);
	s = ex("rfc5939-4.2-2.sdp");
	m = sdp_session_media(s, 0);
	assert_int_equal(sdp_media_dtls_info(m, &di, NULL), 0);
	assert_int_equal(di.setup, SDP_SETUP_ACTIVE);
	assert_memory_equal(di.fingerprint.bytes, sdpt_fp_ffff, 20);
	sdpt_get_cfg(s, m, "acfg", 0, &p);
	assert_true(p.num == 1 && p.t[0] == 1 && p.a[0].n_mand == 2 && p.a[0].mand[1] == 2);
	sdp_session_free(s);
	s = ex("rfc5939-4.2-3.sdp");
	m = sdp_session_media(s, 0);
	assert_int_equal(sdp_media_proto_kind(m), SDP_PROTO_OTHER);
	assert_int_equal(sdp_media_setup(m), SDP_SETUP_ACTPASS);
	assert_int_equal(sdp_media_fingerprint_count(m), 1);
	sdp_session_free(s);
	s = ex("rfc5939-4.2-6.sdp");
	m = sdp_session_media(s, 0);
	sdpt_chk_crypto(m, 0, 1, SDP_SUITE_AES_CM_128_HMAC_SHA1_32, 1, K5939_WSJ, P20, true, 1, 32);
	sdpt_get_cfg(s, m, "acfg", 0, &p);
	assert_true(p.num == 2 && p.t[0] == 2 && p.a[0].mand[0] == 3);
	sdp_session_free(s);

	/* 4.3: per-stream acfg, "a=3,4" */
	s = ex("rfc5939-4.3-2.sdp");
	sdpt_chk_crypto(sdp_session_media(s, 0), 0, 1, SDP_SUITE_AES_CM_128_HMAC_SHA1_32, 1, K5939_WSJ,
			P20, true, 1, 32);
	m = sdp_session_media(s, 1);
	sdpt_chk_crypto(m, 0, 1, SDP_SUITE_AES_CM_128_HMAC_SHA1_80, 1, K5939_AWWP, P20, true, 1, 32);
	assert_true(sdp_media_attr_find(m, "rtcp-fb", &v));
	assert_string_equal(v, "* nack");
	sdpt_get_cfg(s, m, "acfg", 0, &p);
	assert_true(p.num == 1 && p.t[0] == 1 && p.a[0].n_mand == 2 && p.a[0].mand[0] == 3 &&
		    p.a[0].mand[1] == 4);
	sdp_session_free(s);
	s = ex("rfc5939-4.3-3.sdp");
	sdpt_chk_crypto(sdp_session_media(s, 1), 0, 1, SDP_SUITE_AES_CM_128_HMAC_SHA1_80, 1, K4568_D0RM,
			P20, true, 1, 32);
	sdp_session_free(s);

	/* 4.4: delete-attributes "-s" in an acfg, no transport list */
	s = ex("rfc5939-4.4-2.sdp");
	for (i = 0; i < 2; i++) {
		m = sdp_session_media(s, i);
		sdpt_get_cfg(s, m, "acfg", 0, &p);
		assert_true(p.num == 1 && p.n_t == 0 && p.n_a == 1);
		assert_int_equal(p.a[0].del, 's');
		assert_true(p.a[0].n_mand == 1 && p.a[0].mand[0] == i + 1);
	}
	sdpt_chk_crypto(sdp_session_media(s, 1), 0, 1, SDP_SUITE_AES_CM_128_HMAC_SHA1_80, 1, K5939_AWWP,
			P20, true, 1, 32);
	sdp_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5939),
	};

	return cmocka_run_group_tests_name("sdp_capneg", tests, NULL, NULL);
}

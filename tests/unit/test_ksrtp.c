/*
 * Unit tests for src/srtp (policies, header peeking, index estimate, the
 * sender, and interoperation with a plain libsrtp2 sender). Real libsrtp2
 * throughout; the listener's key store has its own file, test_ksrtp_rx.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <srtp2/srtp.h>

#include "base/buf.h"
#include "srtp/ksrtp.h"

#include "ksrtp_test.h"

static const int all_profiles[] = { KSRTP_AES128_CM_SHA1_80,
				    KSRTP_AES128_CM_SHA1_32,
				    KSRTP_AEAD_AES_128_GCM,
				    KSRTP_AEAD_AES_256_GCM };

static void test_profile_table(void **state)
{
	size_t k, s, t, o;

	assert_int_equal(ksrtp_init(), 0);
	assert_int_equal(ksrtp_init(), 0); /* idempotent */
	assert_int_equal(ksrtp_profile_lens(1, &k, &s, &t), 0);
	assert_true(k == 16 && s == 14 && t == 10);
	assert_int_equal(ksrtp_profile_lens(2, &k, &s, &t), 0);
	assert_true(k == 16 && s == 14 && t == 4);
	assert_int_equal(ksrtp_profile_lens(7, &k, &s, &t), 0);
	assert_true(k == 16 && s == 12 && t == 16);
	assert_int_equal(ksrtp_profile_lens(8, &k, &s, &t), 0);
	assert_true(k == 32 && s == 12 && t == 16);
	assert_int_equal(ksrtp_profile_lens(3, &k, &s, &t), -EINVAL);
	assert_int_equal(ksrtp_profile_lens(0, NULL, NULL, NULL), -EINVAL);

	/* RFC 5764 4.1.2: the _32 profile keeps an 80-bit SRTCP tag. */
	assert_int_equal(ksrtp_profile_overhead(2, false, &o), 0);
	assert_int_equal(o, 4);
	assert_int_equal(ksrtp_profile_overhead(2, true, &o), 0);
	assert_int_equal(o, 14);
	assert_int_equal(ksrtp_profile_overhead(7, true, &o), 0);
	assert_int_equal(o, 20);
	assert_int_equal(ksrtp_profile_overhead(9, true, &o), -EINVAL);

	assert_string_equal(ksrtp_profile_name(1), "AES_CM_128_HMAC_SHA1_80");
	assert_string_equal(ksrtp_profile_name(2), "AES_CM_128_HMAC_SHA1_32");
	assert_string_equal(ksrtp_profile_name(7), "AEAD_AES_128_GCM");
	assert_string_equal(ksrtp_profile_name(8), "AEAD_AES_256_GCM");
	assert_null(ksrtp_profile_name(4));
}

static void test_keymat_check(void **state)
{
	struct ksrtp_keymat k = t_keymat(KSRTP_AES128_CM_SHA1_80), z;

	assert_int_equal(ksrtp_keymat_check(&k), 0);
	k.salt_len = 12; /* AEAD salt on a CM profile */
	assert_int_equal(ksrtp_keymat_check(&k), -ERANGE);
	k.salt_len = 14;
	k.key_len = 32;
	assert_int_equal(ksrtp_keymat_check(&k), -ERANGE);
	k.key_len = 16;
	k.profile = 5;
	assert_int_equal(ksrtp_keymat_check(&k), -EINVAL);
	assert_int_equal(ksrtp_keymat_check(NULL), -EINVAL);

	k = t_keymat(KSRTP_AEAD_AES_256_GCM);
	assert_int_equal(ksrtp_keymat_check(&k), 0);
	k.salt_len = 14;
	assert_int_equal(ksrtp_keymat_check(&k), -ERANGE);

	ksrtp_keymat_wipe(&k);
	memset(&z, 0, sizeof(z));
	assert_memory_equal(&k, &z, sizeof(k));
	ksrtp_keymat_wipe(NULL);
}

static void test_rtp_peek(void **state)
{
	uint8_t p[T_PKT_CAP];
	size_t n = t_rtp(p, sizeof(p), 0xdeadbeef, 4242);
	uint16_t seq = 0;
	uint32_t ssrc = 0;

	assert_int_equal(ksrtp_rtp_peek(p, n, &seq, &ssrc), 0);
	assert_int_equal(seq, 4242);
	assert_int_equal(ssrc, 0xdeadbeef);
	assert_int_equal(ksrtp_rtp_peek(p, 12, NULL, NULL), 0);
	assert_int_equal(ksrtp_rtp_peek(p, 11, &seq, &ssrc), -ENODATA);
	assert_int_equal(ksrtp_rtp_peek(p, 0, &seq, &ssrc), -ENODATA);
	assert_int_equal(ksrtp_rtp_peek(NULL, 0, &seq, &ssrc), -ENODATA);

	p[0] = 0x40; /* version 1 */
	assert_int_equal(ksrtp_rtp_peek(p, n, &seq, &ssrc), -EBADMSG);
	p[0] = 0x83; /* three CSRCs: 24 bytes needed */
	assert_int_equal(ksrtp_rtp_peek(p, 23, &seq, &ssrc), -ENODATA);
	assert_int_equal(ksrtp_rtp_peek(p, 24, &seq, &ssrc), 0);
	p[0] = 0x90; /* extension: profile 0x0102, 0x0203 words -> too long */
	p[12] = 1;
	p[13] = 2;
	p[14] = 2;
	p[15] = 3;
	assert_int_equal(ksrtp_rtp_peek(p, n, &seq, &ssrc), -ENODATA);
	p[14] = 0;
	p[15] = 2; /* 8 bytes of extension */
	assert_int_equal(ksrtp_rtp_peek(p, 24, &seq, &ssrc), 0);
	assert_int_equal(ksrtp_rtp_peek(p, 23, &seq, &ssrc), -ENODATA);
}

/* The relay's per-packet read of the fixed header (RELAY_F_TRACK): seq and
 * SSRC with version and length checked, the CSRC list and extension not. */
static void test_rtp_seq_ssrc(void **state)
{
	uint8_t p[T_PKT_CAP];
	size_t n = t_rtp(p, sizeof(p), 0xdeadbeef, 4242);
	uint16_t seq = 0;
	uint32_t ssrc = 0;

	assert_int_equal(ksrtp_rtp_seq_ssrc(p, n, &seq, &ssrc), 0);
	assert_int_equal(seq, 4242);
	assert_int_equal(ssrc, 0xdeadbeef);
	seq = 1;
	ssrc = 2;
	assert_int_equal(ksrtp_rtp_seq_ssrc(p, 11, &seq, &ssrc), -ENODATA);
	assert_int_equal(ksrtp_rtp_seq_ssrc(p, 0, &seq, &ssrc), -ENODATA);
	assert_int_equal(ksrtp_rtp_seq_ssrc(NULL, 0, &seq, &ssrc), -ENODATA);
	assert_int_equal(seq, 1); /* nothing written on failure */
	assert_int_equal(ssrc, 2);
	assert_int_equal(ksrtp_rtp_seq_ssrc(p, 12, &seq, &ssrc), 0);
	assert_int_equal(seq, 4242);
	p[0] = 0x40; /* version 1 */
	assert_int_equal(ksrtp_rtp_seq_ssrc(p, n, &seq, &ssrc), -EBADMSG);
	assert_false(ksrtp_is_rtcp(p, n));
	p[0] = 0x80;
	p[1] = 200; /* an SR: RTCP by RFC 5761 4 */
	assert_true(ksrtp_is_rtcp(p, n));
	assert_false(ksrtp_is_rtcp(p, 1));
	p[1] = 224;
	assert_false(ksrtp_is_rtcp(p, n));
}

static void test_rtcp_peek_and_demux(void **state)
{
	uint8_t p[T_PKT_CAP];
	size_t n = t_rtcp(p, sizeof(p), 0x01020304, 7);
	uint32_t ssrc = 0;

	assert_int_equal(ksrtp_rtcp_peek(p, n, &ssrc), 0);
	assert_int_equal(ssrc, 0x01020304);
	assert_int_equal(ksrtp_rtcp_peek(p, 7, &ssrc), -ENODATA);
	assert_true(ksrtp_is_rtcp(p, n));
	p[1] = 72 | 0x80; /* RTP PT 72 with marker = 200: RFC 5761 4 */
	assert_true(ksrtp_is_rtcp(p, n));
	p[1] = 0x80; /* PT 0, marker */
	assert_false(ksrtp_is_rtcp(p, n));
	assert_int_equal(ksrtp_rtcp_peek(p, n, &ssrc), -EBADMSG);
	p[1] = 224;
	assert_false(ksrtp_is_rtcp(p, n));
	p[1] = 200;
	p[0] = 0x00;
	assert_false(ksrtp_is_rtcp(p, n));
	assert_int_equal(ksrtp_rtcp_peek(p, n, &ssrc), -EBADMSG);
	assert_false(ksrtp_is_rtcp(p, 1));

	/* RFC 7983 7 */
	const struct {
		uint8_t b;
		enum ksrtp_demux c;
	} d[] = { { 0, KSRTP_DEMUX_STUN },   { 3, KSRTP_DEMUX_STUN },
		  { 4, KSRTP_DEMUX_DROP },   { 16, KSRTP_DEMUX_ZRTP },
		  { 20, KSRTP_DEMUX_DTLS },  { 22, KSRTP_DEMUX_DTLS },
		  { 63, KSRTP_DEMUX_DTLS },  { 64, KSRTP_DEMUX_TURN },
		  { 79, KSRTP_DEMUX_TURN },  { 80, KSRTP_DEMUX_DROP },
		  { 127, KSRTP_DEMUX_DROP }, { 128, KSRTP_DEMUX_RTP },
		  { 191, KSRTP_DEMUX_RTP },  { 192, KSRTP_DEMUX_DROP } };
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		assert_int_equal(ksrtp_demux_class(&d[i].b, 1), d[i].c);
	assert_int_equal(ksrtp_demux_class(p, 0), KSRTP_DEMUX_DROP);
}

static void test_index_estimate(void **state)
{
	/* RFC 3711 3.3.1 */
	assert_true(ksrtp_index_estimate(0, 100, 101) == 101);
	assert_true(ksrtp_index_estimate(0, 100, 50) == 50);
	assert_true(ksrtp_index_estimate(3, 40000, 40001) ==
		    ((3ull << 16) | 40001));
	/* s_l near the top, small seq: the sender wrapped -> roc + 1 */
	assert_true(ksrtp_index_estimate(0, 65530, 5) == ((1ull << 16) | 5));
	assert_true(ksrtp_index_estimate(7, 65535, 0) == ((8ull << 16) | 0));
	/* s_l near the bottom, large seq: a late packet -> roc - 1 */
	assert_true(ksrtp_index_estimate(1, 10, 65530) == 65530);
	assert_true(ksrtp_index_estimate(9, 0, 40000) ==
		    ((8ull << 16) | 40000));
	/* ... and no roc - 1 below zero */
	assert_true(ksrtp_index_estimate(0, 10, 65530) == 65530);
	/* exactly half a cycle away stays in the same roc */
	assert_true(ksrtp_index_estimate(2, 32768, 0) == (2ull << 16));
	assert_true(ksrtp_index_estimate(2, 0, 32768) ==
		    ((2ull << 16) | 32768));
}

/* tx protects, rx (key added) unprotects, payload identical; SRTCP too. */
static void test_roundtrip_every_profile(void **state)
{
	for (size_t pi = 0; pi < 4; pi++) {
		int prof = all_profiles[pi];
		struct ksrtp_keymat k = t_keymat(prof);
		struct ksrtp_tx *tx = NULL;
		struct ksrtp_rx *rx = NULL;
		struct ksrtp_rx_stats st;
		uint8_t p[T_PKT_CAP], orig[T_PKT_CAP];
		size_t over = 0, rover = 0;
		const uint32_t ssrc = 0x11223344;

		assert_int_equal(ksrtp_profile_overhead(prof, false, &over), 0);
		assert_int_equal(ksrtp_profile_overhead(prof, true, &rover), 0);
		assert_int_equal(ksrtp_tx_alloc(&tx, ssrc, &k), 0);
		assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
		assert_int_equal(ksrtp_rx_add_key(rx, false, ssrc, &k, 0), 0);
		ksrtp_keymat_wipe(&k); /* both hold copies */
		assert_int_equal(ksrtp_tx_index(tx), 0);
		assert_true(ksrtp_tx_switch_index(tx) == UINT64_MAX);

		for (uint16_t seq = 1000; seq < 1020; seq++) {
			size_t n = t_rtp(p, sizeof(p), ssrc, seq), n0 = n;

			memcpy(orig, p, n);
			assert_int_equal(ksrtp_tx_protect(tx, p, &n, sizeof(p)),
					 0);
			assert_int_equal(n, n0 + over);
			assert_memory_not_equal(p + 12, orig + 12, T_PAYLOAD);
			assert_memory_equal(p, orig, 12); /* header clear */
			assert_int_equal(ksrtp_rx_unprotect(rx, p, &n), 0);
			assert_int_equal(n, n0);
			assert_memory_equal(p, orig, n0);
			assert_true(ksrtp_tx_index(tx) == seq);
		}
		for (uint32_t i = 0; i < 5; i++) {
			size_t n = t_rtcp(p, sizeof(p), ssrc, i), n0 = n;

			memcpy(orig, p, n);
			assert_int_equal(
				ksrtp_tx_protect_rtcp(tx, p, &n, sizeof(p)), 0);
			assert_int_equal(n, n0 + rover);
			assert_int_equal(ksrtp_rx_unprotect_rtcp(rx, p, &n), 0);
			assert_int_equal(n, n0);
			assert_memory_equal(p, orig, n0);
		}
		ksrtp_rx_stats(rx, &st);
		assert_true(st.ok == 25 && st.auth_fail == 0 &&
			    st.trial_hits == 0);
		ksrtp_tx_free(tx);
		ksrtp_rx_free(rx);
	}
}

/* An independent sender: plain libsrtp2 calls, its own policy setters. */
static void plain_sender(int prof)
{
	struct ksrtp_keymat k = t_keymat(prof);
	uint8_t master[KSRTP_KEY_MAX + KSRTP_SALT_MAX];
	uint8_t p[T_PKT_CAP], orig[T_PKT_CAP];
	struct ksrtp_rx *rx = NULL;
	srtp_policy_t pol;
	srtp_t s = NULL;
	const uint32_t ssrc = 0xcafe0001;

	assert_int_equal(ksrtp_init(), 0);
	memset(&pol, 0, sizeof(pol));
	if (prof == KSRTP_AES128_CM_SHA1_80) {
		srtp_crypto_policy_set_rtp_default(&pol.rtp);
		srtp_crypto_policy_set_rtcp_default(&pol.rtcp);
	} else {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
	}
	memcpy(master, k.key, k.key_len);
	memcpy(master + k.key_len, k.salt, k.salt_len);
	pol.ssrc.type = ssrc_any_outbound;
	pol.key = master;
	pol.window_size = 128;
	assert_int_equal(srtp_create(&s, &pol), srtp_err_status_ok);

	assert_int_equal(ksrtp_rx_alloc(&rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(rx, false, ssrc, &k, 0), 0);
	for (uint16_t seq = 65530; seq != 10; seq++) { /* across a wrap */
		size_t n0 = t_rtp(p, sizeof(p), ssrc, seq), n = n0;
		int len = (int)n0;

		memcpy(orig, p, n0);
		assert_int_equal(srtp_protect(s, p, &len), srtp_err_status_ok);
		n = (size_t)len;
		assert_int_equal(ksrtp_rx_unprotect(rx, p, &n), 0);
		assert_int_equal(n, n0);
		assert_memory_equal(p, orig, n0);
	}
	for (uint32_t i = 0; i < 3; i++) {
		size_t n0 = t_rtcp(p, sizeof(p), ssrc, i), n;
		int len = (int)n0;

		memcpy(orig, p, n0);
		assert_int_equal(srtp_protect_rtcp(s, p, &len),
				 srtp_err_status_ok);
		n = (size_t)len;
		assert_int_equal(ksrtp_rx_unprotect_rtcp(rx, p, &n), 0);
		assert_int_equal(n, n0);
		assert_memory_equal(p, orig, n0);
	}
	srtp_dealloc(s);
	ksrtp_rx_free(rx);
}

static void test_plain_libsrtp_sender_cm80(void **state)
{
	plain_sender(KSRTP_AES128_CM_SHA1_80);
}

static void test_plain_libsrtp_sender_gcm128(void **state)
{
	plain_sender(KSRTP_AEAD_AES_128_GCM);
}

static void test_tx_errors(void **state)
{
	struct ksrtp_keymat k = t_keymat(KSRTP_AES128_CM_SHA1_80);
	struct ksrtp_keymat k2 = t_keymat(KSRTP_AES128_CM_SHA1_80);
	struct ksrtp_keymat bad = k;
	struct ksrtp_tx *tx = NULL;
	uint8_t p[T_PKT_CAP];
	size_t n, n0;

	bad.key_len = 15;
	assert_int_equal(ksrtp_tx_alloc(&tx, 1, &bad), -ERANGE);
	assert_null(tx);
	assert_int_equal(ksrtp_tx_alloc(&tx, 1, NULL), -EINVAL);
	assert_int_equal(ksrtp_tx_alloc(&tx, 1, &k), 0);

	n = t_rtp(p, sizeof(p), 2, 10); /* wrong SSRC */
	assert_int_equal(ksrtp_tx_protect(tx, p, &n, sizeof(p)), -EINVAL);
	n0 = n = t_rtp(p, sizeof(p), 1, 10);
	assert_int_equal(ksrtp_tx_protect(tx, p, &n, n + 9), -ENOSPC);
	assert_int_equal(n, n0);
	assert_int_equal(ksrtp_tx_protect(tx, p, &n, n + 10), 0);
	/* same index again: libsrtp2 refuses to reuse a keystream */
	n = t_rtp(p, sizeof(p), 1, 10);
	assert_int_equal(ksrtp_tx_protect(tx, p, &n, sizeof(p)), -EALREADY);
	n = 5;
	assert_int_equal(ksrtp_tx_protect(tx, p, &n, sizeof(p)), -ENODATA);
	n = t_rtcp(p, sizeof(p), 1, 0);
	assert_int_equal(ksrtp_tx_protect_rtcp(tx, p, &n, n + 13), -ENOSPC);
	n = t_rtcp(p, sizeof(p), 3, 0);
	assert_int_equal(ksrtp_tx_protect_rtcp(tx, p, &n, sizeof(p)), -EINVAL);

	/* index 10 already went out with the current key */
	assert_int_equal(ksrtp_tx_set_next(tx, &k2, 10), -EINVAL);
	assert_int_equal(ksrtp_tx_set_next(tx, &k2, 5), -EINVAL);
	assert_int_equal(ksrtp_tx_set_next(tx, &bad, 20), -ERANGE);
	assert_int_equal(ksrtp_tx_set_next(tx, &k2, 11), 0);
	assert_true(ksrtp_tx_switch_index(tx) == 11);
	assert_int_equal(ksrtp_tx_set_next(tx, &k2, 30), 0); /* replaces */
	assert_true(ksrtp_tx_switch_index(tx) == 30);
	ksrtp_tx_free(tx); /* with a pending key: LSan checks */
	ksrtp_tx_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_table),
		cmocka_unit_test(test_keymat_check),
		cmocka_unit_test(test_rtp_peek),
		cmocka_unit_test(test_rtp_seq_ssrc),
		cmocka_unit_test(test_rtcp_peek_and_demux),
		cmocka_unit_test(test_index_estimate),
		cmocka_unit_test(test_roundtrip_every_profile),
		cmocka_unit_test(test_plain_libsrtp_sender_cm80),
		cmocka_unit_test(test_plain_libsrtp_sender_gcm128),
		cmocka_unit_test(test_tx_errors),
	};

	return cmocka_run_group_tests_name("ksrtp", tests, NULL, NULL);
}

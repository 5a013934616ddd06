/*
 * Helpers shared by the ksrtp unit tests: key material from the CSPRNG and
 * RTP/RTCP packets written through base/buf. Header-only (static inline) so
 * each test binary stays self-contained.
 */
#ifndef KTRSBC_KSRTP_TEST_H
#define KTRSBC_KSRTP_TEST_H

#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "base/sec.h"
#include "srtp/ksrtp.h"

#define T_PKT_CAP 512
#define T_PAYLOAD 160 /* 20 ms of G.711 */

/* Fresh random key material for profile. */
static inline struct ksrtp_keymat t_keymat(int profile)
{
	struct ksrtp_keymat k;
	size_t kl = 0, sl = 0;

	memset(&k, 0, sizeof(k));
	assert_int_equal(ksrtp_profile_lens(profile, &kl, &sl, NULL), 0);
	k.profile = profile;
	k.key_len = (uint8_t)kl;
	k.salt_len = (uint8_t)sl;
	assert_int_equal(sec_random(k.key, kl), 0);
	assert_int_equal(sec_random(k.salt, sl), 0);
	return k;
}

/* An RTP packet (RFC 3550 5.1), PT 0, payload bytes derived from seq and
 * ssrc so that every packet differs. Returns its length. */
static inline size_t t_rtp(uint8_t *pkt, size_t cap, uint32_t ssrc,
			   uint16_t seq)
{
	struct buf_wr w;

	buf_wr_init(&w, pkt, cap);
	assert_int_equal(buf_put_u8(&w, 0x80), 0);
	assert_int_equal(buf_put_u8(&w, 0), 0);
	assert_int_equal(buf_put_u16(&w, seq), 0);
	assert_int_equal(buf_put_u32(&w, (uint32_t)seq * 160u), 0);
	assert_int_equal(buf_put_u32(&w, ssrc), 0);
	for (size_t i = 0; i < T_PAYLOAD; i++)
		assert_int_equal(
			buf_put_u8(&w, (uint8_t)(seq + i * 7 + ssrc)), 0);
	return w.len;
}

/* An RTCP sender report without report blocks (RFC 3550 6.4.1). */
static inline size_t t_rtcp(uint8_t *pkt, size_t cap, uint32_t ssrc,
			    uint32_t n)
{
	struct buf_wr w;

	buf_wr_init(&w, pkt, cap);
	assert_int_equal(buf_put_u8(&w, 0x80), 0);
	assert_int_equal(buf_put_u8(&w, 200), 0);
	assert_int_equal(buf_put_u16(&w, 6), 0); /* 28 bytes / 4 - 1 */
	assert_int_equal(buf_put_u32(&w, ssrc), 0);
	assert_int_equal(buf_put_u32(&w, 0x83aa7e80u), 0); /* NTP MSW */
	assert_int_equal(buf_put_u32(&w, n), 0);           /* NTP LSW */
	assert_int_equal(buf_put_u32(&w, n * 160u), 0);
	assert_int_equal(buf_put_u32(&w, n), 0);
	assert_int_equal(buf_put_u32(&w, n * T_PAYLOAD), 0);
	return w.len;
}

#endif

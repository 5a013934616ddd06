/*
 * libFuzzer target: src/xsrtp's unprotect paths (SRTP and SRTCP, every
 * profile) on arbitrary packets, and on packets it protected itself and
 * the input then damaged (so the fuzzer also reaches the authenticated
 * paths: index estimate, replay window, stream table and its limit).
 *
 * Input: byte 0 selects: bits 0-1 the profile, bit 2 RTCP, bit 3 the mode
 * (0: unprotect the rest as it is; 1: protect the rest with the sender's
 * context, flip the bit byte 1 names (0: none), unprotect). Nothing may
 * crash, leak or read out of bounds; a failed call must leave the packet
 * and its length unchanged; -EIO (an OpenSSL failure) never happens.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srtp/ksrtp.h"
#include "xsrtp/xsrtp.h"

#define MAX_PKT 2048
#define TAIL 64 /* room for any tag */
#define STREAMS 8 /* small: the limit is reached */

static const int profiles[4] = { KSRTP_AES128_CM_SHA1_80,
				 KSRTP_AES128_CM_SHA1_32,
				 KSRTP_AEAD_AES_128_GCM,
				 KSRTP_AEAD_AES_256_GCM };
static struct xsrtp_ctx *tx[4], *rx[4];

static void ctx_init(void)
{
	for (int p = 0; p < 4; p++) {
		struct ksrtp_keymat k;
		size_t kl, sl;

		memset(&k, 0, sizeof(k));
		if (ksrtp_profile_lens(profiles[p], &kl, &sl, NULL))
			abort();
		k.profile = profiles[p];
		k.key_len = (uint8_t)kl;
		k.salt_len = (uint8_t)sl;
		for (size_t i = 0; i < kl; i++)
			k.key[i] = (uint8_t)(0x11 * i + p);
		for (size_t i = 0; i < sl; i++)
			k.salt[i] = (uint8_t)(0x5a ^ i);
		if (xsrtp_ctx_alloc(&tx[p], &k, STREAMS) ||
		    xsrtp_ctx_alloc(&rx[p], &k, STREAMS))
			abort();
		ksrtp_keymat_wipe(&k);
	}
}

/* Unprotect pkt[0..n); a failure must leave it as it was. */
static void unprotect(int p, bool rtcp, uint8_t *pkt, size_t n)
{
	static uint8_t before[MAX_PKT + TAIL];
	size_t len = n;
	int err;

	memcpy(before, pkt, n);
	err = rtcp ? xsrtp_rtcp_unprotect(rx[p], pkt, &len) :
		     xsrtp_rtp_unprotect(rx[p], pkt, &len);
	if (err == -EIO)
		abort();
	if (err && (len != n || memcmp(pkt, before, n) != 0))
		abort();
	if (!err && len > n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[MAX_PKT + TAIL];
	bool rtcp;
	size_t n;
	int p, err;

	if (!tx[0])
		ctx_init();
	if (size < 2 || size - 2 > MAX_PKT)
		return 0;
	p = data[0] & 3;
	rtcp = data[0] & 4;
	n = size - 2;
	memcpy(pkt, data + 2, n);
	if (!(data[0] & 8)) {
		unprotect(p, rtcp, pkt, n);
		return 0;
	}
	err = rtcp ? xsrtp_rtcp_protect(tx[p], pkt, &n, sizeof(pkt)) :
		     xsrtp_rtp_protect(tx[p], pkt, &n, sizeof(pkt));
	if (err == -EIO)
		abort();
	if (err)
		return 0;
	if (data[1])
		pkt[(data[1] - 1u) % n] ^= (uint8_t)(1u << (data[1] & 7));
	unprotect(p, rtcp, pkt, n);
	return 0;
}

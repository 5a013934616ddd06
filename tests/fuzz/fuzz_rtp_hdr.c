/*
 * libFuzzer target: RTP/RTCP header peeking, the RFC 5761 / RFC 7983
 * classifiers, and the listener's unprotect paths on a store holding one
 * key (for SSRC 0x01020304, also the most recently announced key, so
 * unknown SSRCs go through the trial path too). Nothing may crash, leak or
 * read out of bounds; a failed unprotect must leave the packet unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srtp/ksrtp.h"

static struct ksrtp_rx *store;

static void store_init(void)
{
	struct ksrtp_keymat k = {
		.profile = KSRTP_AES128_CM_SHA1_80,
		.key_len = 16,
		.salt_len = 14,
	};

	for (size_t i = 0; i < sizeof(k.key); i++)
		k.key[i] = (uint8_t)(0x11 * i);
	for (size_t i = 0; i < sizeof(k.salt); i++)
		k.salt[i] = (uint8_t)(0x5a ^ i);
	if (ksrtp_rx_alloc(&store, NULL) ||
	    ksrtp_rx_add_key(store, false, 0x01020304, &k, 0))
		abort();
	ksrtp_keymat_wipe(&k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[KSRTP_MAX_PKT + 64];
	uint16_t seq = 0;
	uint32_t ssrc = 0;
	size_t n;
	int err;

	if (!store)
		store_init();
	if (ksrtp_rtp_peek(data, size, &seq, &ssrc) == 0)
		(void)ksrtp_index_estimate(ssrc, (uint16_t)(ssrc >> 16), seq);
	(void)ksrtp_rtcp_peek(data, size, &ssrc);
	(void)ksrtp_is_rtcp(data, size);
	(void)ksrtp_demux_class(data, size);
	if (size > sizeof(pkt))
		return 0;

	memcpy(pkt, data, size);
	n = size;
	err = ksrtp_rx_unprotect(store, pkt, &n);
	if (err && (n != size || memcmp(pkt, data, size) != 0))
		abort();

	memcpy(pkt, data, size);
	n = size;
	err = ksrtp_rx_unprotect_rtcp(store, pkt, &n);
	if (err && (n != size || memcmp(pkt, data, size) != 0))
		abort();
	return 0;
}

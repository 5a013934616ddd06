/*
 * media_log (test helper): an ep on_media callback that counts what an
 * endpoint received and checks every RTP payload: 160 bytes, each the low
 * byte of the packet's index (timestamp / 160), as ep_media_tick and the
 * tests' own senders write them.
 */
#ifndef KTRSBC_TEST_MEDIA_LOG_H
#define KTRSBC_TEST_MEDIA_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIA_LOG_PAYLOAD 160

struct media_log {
	uint64_t rtp, rtcp, bad_payload;
	uint32_t last_ssrc;
};

/* ep_cfg.on_media / ep_sdes_cfg.on_media with media_arg = a media_log. */
void media_log_on_media(void *arg, const uint8_t *pkt, size_t len, bool rtcp);

#endif

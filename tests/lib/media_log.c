/* media_log: checks of received media for the integration tests. */
#include "tests/lib/media_log.h"

#include <string.h>

#include "base/buf.h"

void media_log_on_media(void *arg, const uint8_t *pkt, size_t len, bool rtcp)
{
	struct media_log *ml = arg;
	struct buf_rd r;
	const uint8_t *payload;
	uint8_t b0, pt, expect[MEDIA_LOG_PAYLOAD];
	uint16_t seq;
	uint32_t ts, ssrc;

	if (rtcp) {
		ml->rtcp++;
		return;
	}
	buf_rd_init(&r, pkt, len);
	if (buf_get_u8(&r, &b0) || buf_get_u8(&r, &pt) ||
	    buf_get_u16(&r, &seq) || buf_get_u32(&r, &ts) ||
	    buf_get_u32(&r, &ssrc) ||
	    buf_get_ptr(&r, &payload, MEDIA_LOG_PAYLOAD) || buf_rd_end(&r)) {
		ml->bad_payload++;
		return;
	}
	memset(expect, (uint8_t)(ts / 160), sizeof(expect));
	if (memcmp(payload, expect, MEDIA_LOG_PAYLOAD) != 0)
		ml->bad_payload++;
	ml->rtp++;
	ml->last_ssrc = ssrc;
}

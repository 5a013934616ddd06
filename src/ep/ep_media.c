/* ep media: SRTP/SRTCP send and receive, and the pacer (ep.h). */
#include "ep/ep_int.h"

#include <errno.h>
#include <string.h>

#include "base/buf.h"
#include "base/sec.h"

/* After protecting a packet, notice the sender's switch to the next key. */
static void track_tx_switch(struct ep *ep)
{
	if (ep->tx_next_index == UINT64_MAX ||
	    ksrtp_tx_switch_index(ep->tx) != UINT64_MAX)
		return;
	ep->tx_cur = ep->tx_next;
	ksrtp_keymat_wipe(&ep->tx_next);
	ep->tx_next_index = UINT64_MAX;
	ep->st.tx_switches++;
}

int ep_send_srtp(struct ep *ep, const uint8_t *pkt, size_t len)
{
	int err = ep_send_dgram(ep, pkt, len);

	if (err) {
		ep->st.send_errors++;
		return err;
	}
	ep_capture(ep, true, NULL, pkt, len);
	return 0;
}

/* The RTP timestamp of the packet with this index: frames of
 * pkts_per_frame packets counted from our first packet share one; with one
 * packet per frame it is index * ts_per_frame (G.711: index * 160). */
static uint32_t media_ts(const struct ep *ep, uint64_t index)
{
	uint64_t frame = (index - ep->first_index) / ep->shape.pkts_per_frame;

	return (uint32_t)((ep->first_index + frame) * ep->shape.ts_per_frame);
}

int ep_set_media_shape(struct ep *ep, const struct ep_media_shape *sh)
{
	if (!ep || !sh || sh->pt > 127 || sh->payload_len == 0 ||
	    sh->payload_len > EP_MEDIA_PAYLOAD_MAX || sh->pkts_per_frame == 0)
		return -EINVAL;
	ep->shape = *sh;
	return 0;
}

int ep_send_rtp(struct ep *ep, const uint8_t *payload, size_t len)
{
	uint8_t pkt[EP_PKT_MAX];
	struct buf_wr w;
	uint16_t seq = (uint16_t)ep->next_index;
	uint16_t ppf = ep->shape.pkts_per_frame;
	/* RFC 3551 4.1: video marks the last packet of a frame; a stream of
	 * one packet per frame (audio without silence) never sets it. */
	bool marker = ppf > 1 && (ep->next_index - ep->first_index) % ppf == ppf - 1u;
	size_t plen;
	int err;

	ep_bundle_sync(ep);
	if (!ep->tx || ep->failed)
		return -EAGAIN;
	if (!ep->peer_len)
		return -ENOTCONN;
	buf_wr_init(&w, pkt, sizeof(pkt));
	/* RFC 3550 5.1: V=2, no padding/extension/CSRC, M and PT. */
	if ((err = buf_put_u8(&w, 0x80)) ||
	    (err = buf_put_u8(&w, (uint8_t)((marker ? 0x80u : 0u) | ep->shape.pt))) ||
	    (err = buf_put_u16(&w, seq)) ||
	    (err = buf_put_u32(&w, media_ts(ep, ep->next_index))) ||
	    (err = buf_put_u32(&w, ep->ssrc)) ||
	    (err = buf_put_bytes(&w, payload, len)))
		return err;
	plen = w.len;
	if ((err = ksrtp_tx_protect(ep->tx, pkt, &plen, sizeof(pkt))))
		return err;
	track_tx_switch(ep);
	ep->next_index++;
	if ((err = ep_send_srtp(ep, pkt, plen)))
		return err;
	ep->st.rtp_sent++;
	return 0;
}

int ep_send_rtcp(struct ep *ep)
{
	uint8_t pkt[EP_PKT_MAX];
	struct buf_wr w;
	size_t plen;
	int err;

	ep_bundle_sync(ep);
	if (!ep->tx || ep->failed)
		return -EAGAIN;
	if (!ep->peer_len)
		return -ENOTCONN;
	buf_wr_init(&w, pkt, sizeof(pkt));
	/* RFC 3550 6.4.1 sender report without report blocks: 28 bytes. */
	if ((err = buf_put_u8(&w, 0x80)) || (err = buf_put_u8(&w, 200)) ||
	    (err = buf_put_u16(&w, 6)) || (err = buf_put_u32(&w, ep->ssrc)) ||
	    (err = buf_put_u32(&w, 0)) || (err = buf_put_u32(&w, ep->rtcp_count)) ||
	    (err = buf_put_u32(&w, media_ts(ep, ep->next_index))) ||
	    (err = buf_put_u32(&w, (uint32_t)ep->st.rtp_sent)) ||
	    (err = buf_put_u32(&w, (uint32_t)ep->st.rtp_sent * ep->shape.payload_len)))
		return err;
	plen = w.len;
	if ((err = ksrtp_tx_protect_rtcp(ep->tx, pkt, &plen, sizeof(pkt))))
		return err;
	ep->rtcp_count++;
	if (ep->rtcp_fd >= 0) { /* its own port (ep_set_rtcp) */
		if (sendto(ep->rtcp_fd, pkt, plen, 0,
			   (struct sockaddr *)&ep->rtcp_peer,
			   ep->rtcp_peer_len) < 0) {
			ep->st.send_errors++;
			return -errno;
		}
		ep->on_rtcp_port = true;
		ep_capture(ep, true, NULL, pkt, plen);
		ep->on_rtcp_port = false;
	} else if ((err = ep_send_srtp(ep, pkt, plen))) {
		return err;
	}
	ep->st.rtcp_sent++;
	return 0;
}

/* RFC 3550 6.4: walk a compound RTCP packet; note the report block (in an
 * SR or RR) that the peer wrote about our SSRC. Malformed input ends the
 * walk; it was authenticated, so it is the peer's bug, not an attack. */
static void note_reports(struct ep *ep, const uint8_t *pkt, size_t len)
{
	struct buf_rd r;

	buf_rd_init(&r, pkt, len);
	while (buf_rd_left(&r) >= 4) {
		uint8_t b0, pt;
		uint16_t words;
		uint32_t ssrc;
		struct buf_rd body;
		const uint8_t *p;

		if (buf_get_u8(&r, &b0) || buf_get_u8(&r, &pt) ||
		    buf_get_u16(&r, &words) ||
		    buf_get_ptr(&r, &p, (size_t)words * 4))
			return;
		buf_rd_init(&body, p, (size_t)words * 4);
		if ((pt != 200 && pt != 201) || buf_get_u32(&body, &ssrc) ||
		    (pt == 200 && buf_skip(&body, 20)))
			continue;
		for (unsigned i = 0; i < (b0 & 0x1fu); i++) {
			uint32_t who, lost, ext;

			if (buf_get_u32(&body, &who) || buf_get_u32(&body, &lost) ||
			    buf_get_u32(&body, &ext) || buf_skip(&body, 12))
				break;
			if (who != ep->ssrc)
				continue;
			ep->st.peer_reports++;
			ep->st.peer_ext_seq = ext;
			/* 24-bit signed cumulative count (the low 3 bytes). */
			ep->st.peer_lost = (int32_t)((lost & 0xffffffu) << 8) >> 8;
		}
	}
}

int ep_srtp_input(struct ep *ep, uint8_t *pkt, size_t len,
		  const struct sockaddr *from)
{
	struct ksrtp_rx_stats rs;
	bool rtcp = ksrtp_is_rtcp(pkt, len);
	uint32_t ssrc;
	int err;

	if (rtcp)
		ep->st.rtcp_in++;
	else
		ep->st.rtp_in++;
	/* Before unprotect: the bytes exactly as they arrived. */
	ep_capture(ep, false, from, pkt, len);
	if (!ep->rx) {
		ep->st.no_key++;
		return -ENOENT;
	}
	err = rtcp ? ksrtp_rx_unprotect_rtcp(ep->rx, pkt, &len) :
		     ksrtp_rx_unprotect(ep->rx, pkt, &len);
	switch (err) {
	case 0:
		if (rtcp) {
			ep->st.rtcp_recv++;
			note_reports(ep, pkt, len);
		} else {
			ep->st.rtp_recv++;
			if (ksrtp_rtp_peek(pkt, len, NULL, &ssrc) == 0) {
				ep->rx_ssrc = ssrc;
				ep->rx_ssrc_known = true;
			}
		}
		if (ep->cfg.on_media)
			ep->cfg.on_media(ep->cfg.media_arg, pkt, len, rtcp);
		break;
	case -EACCES:
		ep->st.auth_fail++;
		break;
	case -EALREADY:
		ep->st.replay++;
		break;
	case -ENOENT:
		ep->st.no_key++;
		break;
	default:
		ep->st.dropped_other++;
		break;
	}
	ksrtp_rx_stats(ep->rx, &rs);
	ep->st.rx_switches = rs.switches;
	return err;
}

/* --- pacing --------------------------------------------------------------- */

int ep_set_media(struct ep *ep, unsigned pps, unsigned rtcp_every,
		 uint64_t total_packets)
{
	if (!ep || pps == 0 || pps > EP_MEDIA_PPS_MAX)
		return -EINVAL;
	ep->pps = pps;
	ep->rtcp_every = rtcp_every;
	ep->media_total = total_packets;
	ep->media_sent = 0;
	ep->media_on = true;
	ep->media_started = false;
	return 0;
}

/* When the n-th packet of the schedule is due: no drift accumulates; the
 * packets of one frame are due together (ep.h). */
static uint64_t media_due(const struct ep *ep, uint64_t n)
{
	uint64_t first = n - n % ep->shape.pkts_per_frame;

	return ep->media_start_ms + first * 1000 / ep->pps;
}

int ep_media_tick(struct ep *ep, uint64_t now_ms)
{
	uint8_t payload[EP_MEDIA_PAYLOAD_MAX];
	uint64_t due;
	int err;

	if (!ep || !ep->media_on)
		return -EINVAL;
	if (ep->media_total && ep->media_sent >= ep->media_total)
		return -ENODATA;
	ep_bundle_sync(ep);
	if (!ep->tx || ep->failed || !ep->peer_len)
		return -EAGAIN;
	if (!ep->media_started) {
		ep->media_started = true;
		ep->media_start_ms = now_ms;
	}
	for (int i = 0; i < EP_MEDIA_BATCH; i++) {
		if (ep->media_total && ep->media_sent >= ep->media_total)
			return -ENODATA;
		due = media_due(ep, ep->media_sent);
		if (due > now_ms)
			return (int)(due - now_ms);
		memset(payload, (uint8_t)ep->next_index, ep->shape.payload_len);
		err = ep_send_rtp(ep, payload, ep->shape.payload_len);
		if (err == -EAGAIN || err == -ENOTCONN)
			return err;
		/* Any other failure consumed the index and was counted. */
		ep->media_sent++;
		if (ep->rtcp_every && ep->media_sent % ep->rtcp_every == 0)
			ep_send_rtcp(ep);
	}
	if (ep->media_total && ep->media_sent >= ep->media_total)
		return -ENODATA;
	due = media_due(ep, ep->media_sent);
	return due > now_ms ? (int)(due - now_ms) : 0;
}

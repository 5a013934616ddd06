/*
 * ep BUNDLE (RFC 9143; ep.h, ep_alloc_bundled): further streams on one
 * endpoint's socket and DTLS association. The lead runs the handshake and
 * KTR; each follower has its own SSRC, sender, receiver, pacing, capture
 * and counters. What arrives on the lead's socket is handed to the stream
 * it belongs to (RFC 8843 9.2): RTP by payload type, RTCP by the SSRC of
 * its sender when a follower receives that SSRC's RTP, else the lead's.
 * Every stream sends under the association's one write key with its own
 * SSRC (draft 6.2: one key, distinct SSRCs), and receives with the peer's
 * write key and with every key the peer's KTR announces, each for the SSRC
 * it names (draft 4.4).
 */
#include "ep/ep_int.h"

#include <errno.h>
#include <string.h>

#include "base/sec.h"

int ep_bundle_keys(struct ep *f)
{
	struct ep *l = f->lead;
	int err;

	if (!l || !l->tx || !l->rx_base_set || f->tx)
		return l && l->tx && !l->rx_base_set ? -EINVAL : 0;
	f->profile = l->profile;
	f->tx_cur = l->tx_cur;
	err = ksrtp_tx_alloc(&f->tx, f->ssrc, &f->tx_cur);
	if (!err)
		err = ksrtp_rx_alloc(&f->rx, NULL);
	if (!err)
		err = ksrtp_rx_add_key(f->rx, true, 0, &l->rx_base, 0);
	return err;
}

struct ep *ep_bundle_key_dest(struct ep *lead, const struct ktr_keyparams *kp)
{
	if (!lead->n_follow || kp->any_ssrc)
		return NULL;
	if (lead->rx_ssrc_known && lead->rx_ssrc == kp->ssrc)
		return lead;
	for (unsigned i = 0; i < lead->n_follow; i++)
		if (lead->follow[i]->rx_ssrc_known && lead->follow[i]->rx_ssrc == kp->ssrc)
			return lead->follow[i];
	return NULL;
}

struct ep *ep_bundle_tx_dest(struct ep *lead, uint32_t ssrc)
{
	for (unsigned i = 0; i < lead->n_follow; i++)
		if (lead->follow[i]->ssrc == ssrc)
			return lead->follow[i];
	return NULL;
}

void ep_bundle_peer_key(struct ep *lead, const struct ktr_keyparams *kp,
			const struct ksrtp_keymat *k, uint64_t index,
			const struct ep *only)
{
	for (unsigned i = 0; i < lead->n_follow; i++) {
		struct ep *f = lead->follow[i];

		if ((only && f != only) || !f->rx ||
		    ksrtp_rx_add_key(f->rx, kp->any_ssrc, kp->ssrc, k, index))
			continue;
		if (!f->st.keys_installed++) {
			f->st.first_peer_key_any = kp->any_ssrc;
			f->st.first_peer_key_ssrc = kp->ssrc;
			f->st.first_peer_key_index = index;
		}
	}
}

struct ep *ep_bundle_route(struct ep *lead, const uint8_t *pkt, size_t len)
{
	bool rtcp;

	if (!lead->n_follow || len < 8)
		return lead;
	rtcp = ksrtp_is_rtcp(pkt, len);
	for (unsigned i = 0; i < lead->n_follow; i++) {
		struct ep *f = lead->follow[i];

		if (!rtcp && (pkt[1] & 0x7f) == f->cfg.bundle_pt)
			return f;
		if (rtcp && f->rx_ssrc_known &&
		    f->rx_ssrc == ((uint32_t)pkt[4] << 24 | (uint32_t)pkt[5] << 16 |
				   (uint32_t)pkt[6] << 8 | pkt[7]))
			return f;
	}
	return lead;
}

void ep_bundle_sync(struct ep *ep)
{
	struct ep *l = ep->lead;

	if (!l || ep->peer_len || !l->peer_len)
		return;
	memcpy(&ep->peer, &l->peer, l->peer_len);
	ep->peer_len = l->peer_len;
}

void ep_bundle_detach(struct ep *ep)
{
	struct ep *l = ep->lead;

	if (l) {
		for (unsigned i = 0; i < l->n_follow; i++) {
			if (l->follow[i] != ep)
				continue;
			l->follow[i] = l->follow[--l->n_follow];
			break;
		}
		ep->lead = NULL;
	}
	for (unsigned i = 0; i < ep->n_follow; i++) {
		/* the transport is gone: the follower sends nothing more */
		ep->follow[i]->lead = NULL;
		ep->follow[i]->failed = -ENOTCONN;
	}
	ep->n_follow = 0;
}

int ep_alloc_bundled(struct ep **epp, struct ep *lead, const struct ep_cfg *cfg)
{
	struct ep *ep;
	int err = 0;

	if (!epp || !lead || !cfg || lead->mode != EP_MODE_DTLS || lead->lead ||
	    cfg->bundle_pt > 127)
		return -EINVAL;
	if (lead->n_follow >= EP_BUNDLE_MAX)
		return -ENOBUFS;
	if ((err = ep_new(&ep, lead->fd, lead->peer_len ? (struct sockaddr *)&lead->peer : NULL,
			  lead->peer_len)))
		return err;
	ep->mode = EP_MODE_DTLS;
	ep->cfg = *cfg;
	ep->next_index = ep->first_index = cfg->first_index;
	ep->ssrc = cfg->ssrc;
	/* distinct from every SSRC of the bundle: one key for all of them */
	for (bool clash = true; clash && !err;) {
		clash = !ep->ssrc || ep->ssrc == lead->ssrc;
		for (unsigned i = 0; i < lead->n_follow; i++)
			clash |= ep->ssrc == lead->follow[i]->ssrc;
		if (clash)
			err = sec_random(&ep->ssrc, sizeof(ep->ssrc));
	}
	ep->lead = lead;
	if (!err)
		err = ep_bundle_keys(ep);
	if (err) {
		ep->lead = NULL;
		ep_free(ep);
		return err;
	}
	lead->follow[lead->n_follow++] = ep;
	*epp = ep;
	return 0;
}

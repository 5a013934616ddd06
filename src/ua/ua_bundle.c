/*
 * ua_bundle: ktrua's BUNDLE (RFC 9143; ua_cfg.bundle, --bundle with
 * --dtls). The call's audio and video share the first bundled stream's
 * UDP port and DTLS association (ep_alloc_bundled): each stream keeps its
 * own SSRC, pacing, capture and report; with KTR each of the peer's
 * streams is keyed by its own new_srtp_key naming its SSRC (draft 4.4).
 * Our offer carries a=group:BUNDLE with a=mid per m-line (the m-line's
 * index) and one port; an offer that bundles is answered bundled, with
 * its own mids, when --bundle is given; RTP and RTCP are multiplexed
 * (RFC 8843 9.1). A move of the lead's port (ua_move.c: a move, the
 * resume of a hold) takes the followers with it (ua_bundle_follow).
 */
#include "ua/ua_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/klog.h"
#include "sdp/sdp.h"

struct ua_stream *ua_bundle_lead(const struct ua_stream *st)
{
	const struct ua_call *c = st->call;

	for (unsigned i = 0; i < c->n_st; i++)
		if (c->st[i].active && c->st[i].bundled && !c->st[i].bundle_follower)
			return (struct ua_stream *)&c->st[i];
	return NULL;
}

int ua_bundle_open(struct ua_stream *st, bool bundled)
{
	struct ua_stream *lead;

	if (!bundled || !st->call->ua->cfg.bundle)
		return ua_stream_open(st);
	lead = ua_bundle_lead(st);
	st->bundled = true;
	if (!lead) /* the first: its own port, the bundle's */
		return ua_stream_open(st);
	st->fd = lead->fd;
	st->port = lead->port;
	st->rtcp_fd = -1;
	st->fd_id = st->rtcp_fd_id = -1;
	st->bundle_follower = true;
	st->active = true;
	return 0;
}

bool ua_bundle_offered(struct ua_call *c, const struct sdp_session *offer,
		       size_t i)
{
	size_t idx[SDP_BUNDLE_MAX], n = 0;
	const char *mid = "";

	if (!c->ua->cfg.bundle || sdp_bundle_group(offer, idx, SDP_BUNDLE_MAX, &n) ||
	    !sdp_bundle_has(idx, n, i))
		return false;
	if (i < c->n_st) {
		sdp_media_attr_find(sdp_session_media(offer, i), "mid", &mid);
		snprintf(c->st[i].mid, sizeof(c->st[i].mid), "%s", mid);
	}
	return true;
}

int ua_bundle_sdp(struct ua_call *c, struct sdp_session *s, bool offer)
{
	char mids[SDP_BUNDLE_MAX][SDP_BUNDLE_MID_MAX];
	size_t idx[SDP_BUNDLE_MAX], n = 0;

	for (unsigned i = 0; i < c->n_st && n < SDP_BUNDLE_MAX; i++) {
		struct ua_stream *st = &c->st[i];

		if (!st->active || !st->bundled)
			continue;
		if (offer || !st->mid[0])
			snprintf(st->mid, sizeof(st->mid), "%u", st->mline);
		snprintf(mids[n], sizeof(mids[n]), "%s", st->mid);
		idx[n++] = i;
	}
	return n ? sdp_bundle_write(s, idx, n, mids, offer) : 0;
}

int ua_bundle_use_answer(struct ua_call *c, const struct sdp_session *ans)
{
	size_t idx[SDP_BUNDLE_MAX], n = 0;
	int err;

	if (!ua_bundle_lead(c->st))
		return 0;
	err = sdp_bundle_group(ans, idx, SDP_BUNDLE_MAX, &n);
	for (unsigned i = 0; !err && i < c->n_st; i++)
		if (c->st[i].active && c->st[i].bundled && !sdp_bundle_has(idx, n, i))
			err = -EPROTO;
	if (err)
		ua_call_fail(c, "answer unusable: it does not keep our BUNDLE group (our streams share one port)");
	return err;
}

int ua_bundle_follow(struct ua_call *c)
{
	for (unsigned i = 0; i < c->n_st; i++) {
		struct ua_stream *st = &c->st[i], *lead;
		int err;

		if (!st->active || !st->ep || !st->bundle_follower)
			continue;
		if (!(lead = ua_bundle_lead(st)))
			return -EINVAL;
		if ((err = ep_move_fd(st->ep, lead->fd)))
			return err;
		st->fd = lead->fd;
		st->port = lead->port;
	}
	return 0;
}

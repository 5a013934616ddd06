/*
 * ua_rekey: ktrua's SDES re-key by re-INVITE (RFC 4568 7.1.4; split from
 * ua_sdp.c, which answers the re-offer as a whole, ua_sdp_reanswer): the
 * offerer's new key per stream and its switch on the answer, the
 * answerer's new key per stream and its switch once the offerer's new-key
 * packets arrive (or a timer says so).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/clk.h"
#include "base/err.h"
#include "base/sec.h"
#include "ua/ua_int.h"

#define UA_REKEY_SWITCH_MS 2000 /* answerer's switch when no media shows it */

static void pending_wipe(struct ua_call *c)
{
	for (unsigned i = 0; i < c->n_st; i++) {
		ksrtp_keymat_wipe(&c->st[i].pending_local);
		c->st[i].has_pending_local = false;
	}
}

/* Every stream gets a new key of its own. */
int ua_sdp_reoffer(struct ua_call *c)
{
	char *offer = NULL;
	int err = 0;

	for (unsigned i = 0; !err && i < c->n_st; i++) {
		struct ua_stream *st = &c->st[i];

		if (!st->active)
			continue;
		err = ua_sdp_key_new(sdp_suite_from_profile(st->local.profile),
				     &st->pending_local);
		st->has_pending_local = !err;
	}
	c->sess_ver++;
	if (!err)
		err = ua_sdp_build_offer(c, &offer);
	if (!err) {
		err = sip_call_reinvite(c->sc, offer);
		sec_wipe(offer, strlen(offer));
		free(offer);
	}
	if (err) {
		pending_wipe(c);
		ua_call_fail(c, "re-INVITE: %s", err_str(err));
	}
	return err;
}

/* The re-answer's key for one stream (the same profile); *changed when it
 * differs from the current one. */
static int reanswer_key(struct ua_stream *st, const struct sdp_media *m,
			struct ksrtp_keymat *remote, bool *changed)
{
	struct sdp_crypto cr;
	int err = -EPROTO;

	if (m && sdp_media_port(m) && sdp_media_crypto_count(m) == 1 &&
	    !sdp_media_crypto_get(m, 0, &cr)) {
		if (!ua_sdp_keymat_from_crypto(&cr, remote) &&
		    remote->profile == st->local.profile) {
			*changed = !ksrtp_keymat_equal(remote, &st->remote);
			err = 0;
		}
		sdp_crypto_wipe(&cr);
	}
	return err;
}

/* Offerer: both new keys of each stream take effect now (ep.h: the
 * answerer switches its own when our new-key packets reach it). */
int ua_sdp_use_reanswer(struct ua_call *c, const char *sdp, size_t len)
{
	struct sdp_session *s;
	int err = 0;

	if (!ua_call_first(c) || !ua_call_first(c)->has_pending_local ||
	    ua_sdp_parse_peer(c, sdp, len, &s))
		return -EPROTO;
	if (sdp_session_media_count(s) != c->n_st)
		err = -EPROTO;
	for (unsigned i = 0; !err && i < c->n_st; i++) {
		struct ua_stream *st = &c->st[i];
		struct ksrtp_keymat remote;
		bool changed = false;

		if (!st->active || !st->has_pending_local)
			continue;
		err = reanswer_key(st, sdp_session_media(s, i), &remote, &changed);
		if (!err)
			err = ep_sdes_rekey(st->ep, &st->pending_local,
					    changed ? &remote : NULL);
		if (!err) {
			st->local = st->pending_local;
			if (changed)
				st->remote = remote;
		}
		ksrtp_keymat_wipe(&remote);
	}
	sdp_session_free(s);
	pending_wipe(c);
	if (err)
		ua_call_fail(c, "re-INVITE answer unusable");
	return err;
}

/* SDES answerer of a re-offer, one stream: a changed key is installed at
 * once (as the next key, so old-key packets in flight still pass); we
 * answer with a new key of our own and switch to it once the offerer's
 * new-key packets arrive. */
int ua_sdp_reanswer_sdes(struct ua_stream *st, const struct sdp_media *om)
{
	struct ksrtp_keymat remote;
	struct sdp_crypto cr;
	struct sdp_error e;
	int err;

	if (!sdp_media_port(om) ||
	    ua_sdp_crypto_pick(om, &cr, &e) < 0)
		return -EPROTO;
	err = ua_sdp_keymat_from_crypto(&cr, &remote);
	st->crypto_tag = cr.tag;
	sdp_crypto_wipe(&cr);
	if (!err && remote.profile != st->local.profile)
		err = -ENOTSUP; /* a suite change needs a new session */
	if (!err && !ksrtp_keymat_equal(&remote, &st->remote)) {
		err = ep_sdes_rekey(st->ep, NULL, &remote);
		if (!err) {
			st->remote = remote;
			err = ua_sdp_key_new(sdp_suite_from_profile(st->local.profile),
					     &st->pending_local);
			st->has_pending_local = !err;
			st->pending_rx_switches = ep_stats(st->ep)->rx_switches;
			st->pending_since = clk_now_ms();
		}
	}
	ksrtp_keymat_wipe(&remote);
	return err;
}

void ua_sdp_rekey_tick(struct ua_stream *s, uint64_t now_ms)
{
	struct ua *u = s->call->ua;

	/* Only the answerer of a re-offer waits here; the offerer switches
	 * in ua_sdp_use_reanswer. */
	if (!s->has_pending_local || s->call->sc == NULL || !s->ep ||
	    s->pending_since == 0)
		return;
	if (u->cfg.rekey_switch_ms) {
		if (now_ms < s->pending_since + u->cfg.rekey_switch_ms)
			return;
	} else if (ep_stats(s->ep)->rx_switches == s->pending_rx_switches &&
		   now_ms < s->pending_since + UA_REKEY_SWITCH_MS) {
		return;
	}
	if (ep_sdes_rekey(s->ep, &s->pending_local, NULL) == 0)
		s->local = s->pending_local;
	ksrtp_keymat_wipe(&s->pending_local);
	s->has_pending_local = false;
	s->pending_since = 0;
}

/*
 * ep SDES mode: SRTP keyed by RFC 4568 Security Descriptions (ep.h).
 * The a=crypto keys are handed in by the SIP/SDP layer; this file only
 * turns them into the sender and the listener's key store.
 */
#include "ep/ep_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/klog.h"
#include "base/sec.h"

/* A switch index no 48-bit SRTP packet index (ROC<<16|SEQ, RFC 3711 3.3.1)
 * reaches: the key waits as "next" until a packet authenticates with it
 * through ksrtp_rx's trial of the most recently announced key (draft
 * 4.3.4), which then makes it current from that packet's index on. */
#define EP_SDES_SWITCH_ON_USE (1ULL << 48)

static int keymat_ok(int profile, const struct ksrtp_keymat *k)
{
	if (!k || k->profile != profile)
		return -EINVAL;
	return ksrtp_keymat_check(k);
}

/* Same profile, lengths and key bytes (compared in constant time). */
static bool keymat_same(const struct ksrtp_keymat *a,
			const struct ksrtp_keymat *b)
{
	bool same = a->profile == b->profile && a->key_len == b->key_len &&
		    a->salt_len == b->salt_len;

	if (!same || a->key_len > KSRTP_KEY_MAX || a->salt_len > KSRTP_SALT_MAX)
		return false;
	/* Only the first key_len / salt_len bytes are meaningful. */
	return sec_equal(a->key, b->key, a->key_len) &&
	       sec_equal(a->salt, b->salt, a->salt_len);
}

int ep_alloc_sdes(struct ep **epp, int fd, const struct sockaddr *peer,
		  socklen_t peer_len, const struct ep_sdes_cfg *cfg)
{
	struct ep *ep;
	int err;

	if (!epp || fd < 0 || !cfg || !ksrtp_profile_name(cfg->profile))
		return -EINVAL;
	if ((err = keymat_ok(cfg->profile, &cfg->local)) ||
	    (err = keymat_ok(cfg->profile, &cfg->remote)))
		return err;
	if ((err = ep_new(&ep, fd, peer, peer_len)))
		return err;
	ep->mode = EP_MODE_SDES;
	ep->profile = cfg->profile;
	ep->cfg.on_media = cfg->on_media;
	ep->cfg.media_arg = cfg->media_arg;
	ep->next_index = ep->first_index = cfg->first_index;
	ep->ssrc = cfg->ssrc;
	while (!ep->ssrc && !err)
		err = sec_random(&ep->ssrc, sizeof(ep->ssrc));
	ep->tx_cur = cfg->local;
	ep->rx_km = cfg->remote;
	if (!err)
		err = ksrtp_tx_alloc(&ep->tx, ep->ssrc, &ep->tx_cur);
	if (!err)
		err = ksrtp_rx_alloc(&ep->rx, NULL);
	/* RFC 4568 keys a media stream, not an SSRC: serve any SSRC. */
	if (!err)
		err = ksrtp_rx_add_key(ep->rx, true, 0, &cfg->remote, 0);
	if (err) {
		ep_free(ep);
		return err;
	}
	*epp = ep;
	return 0;
}

static int rekey_remote(struct ep *ep, const struct ksrtp_keymat *k)
{
	int err;

	if (keymat_same(&ep->rx_km, k))
		return 0; /* the same a=crypto again (e.g. a session refresh) */
	if (ep->rx_ssrc_known)
		err = ksrtp_rx_add_key(ep->rx, false, ep->rx_ssrc, k,
				       EP_SDES_SWITCH_ON_USE);
	else
		err = ksrtp_rx_add_key(ep->rx, true, 0, k, 0);
	if (err)
		return err;
	ep->rx_km = *k;
	ep->st.keys_installed++;
	return 0;
}

int ep_sdes_rekey(struct ep *ep, const struct ksrtp_keymat *local,
		  const struct ksrtp_keymat *remote)
{
	int err;

	if (!ep || ep->mode != EP_MODE_SDES)
		return -EINVAL;
	if ((local && (err = keymat_ok(ep->profile, local))) ||
	    (remote && (err = keymat_ok(ep->profile, remote))))
		return err;
	if (remote && (err = rekey_remote(ep, remote)))
		return err;
	if (!local || keymat_same(&ep->tx_cur, local))
		return 0;
	/* RFC 4568 7.1.4: the new key protects our next packet. */
	if ((err = ksrtp_tx_set_next(ep->tx, local, ep->next_index)))
		return err;
	ep->tx_next = *local;
	ep->tx_next_index = ep->next_index;
	klog(KLOG_DEBUG, "ep: sdes: new sending key from index %llu",
	     (unsigned long long)ep->next_index);
	return 0;
}

/* ep: a DTLS-SRTP endpoint with Key Transport on one UDP socket (ep.h). */
#include "ep/ep_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "srtp/ksrtp.h"

static void ep_fail(struct ep *ep, int err, const char *what)
{
	if (ep->failed)
		return;
	ep->failed = err ? err : -EPROTO;
	snprintf(ep->error, sizeof(ep->error), "%s", what);
	klog(KLOG_WARN, "ep: %s", what);
}

/* xorshift32: a seeded, reproducible loss pattern for the test shim. */
static bool shim_drops(struct ep *ep)
{
	uint32_t x = ep->drop_state;

	if (ep->cfg.drop_dtls <= 0)
		return false;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	ep->drop_state = x;
	return (double)x / 4294967296.0 < ep->cfg.drop_dtls;
}

int ep_send_dgram(struct ep *ep, const uint8_t *data, size_t len)
{
	if (!ep->peer_len)
		return -ENOTCONN;
	if (sendto(ep->fd, data, len, 0, (struct sockaddr *)&ep->peer,
		   ep->peer_len) < 0)
		return -errno;
	return 0;
}

static void keymat_from_kp(struct ksrtp_keymat *k, int profile,
			   const struct ktr_keyparams *kp)
{
	memset(k, 0, sizeof(*k));
	k->profile = profile;
	k->key_len = kp->key_len;
	k->salt_len = kp->salt_len;
	memcpy(k->key, kp->key, kp->key_len);
	memcpy(k->salt, kp->salt, kp->salt_len);
}

static void kp_from_keymat(struct ktr_keyparams *kp,
			   const struct ksrtp_keymat *k, uint32_t ssrc)
{
	size_t kl, sl, tl;

	memset(kp, 0, sizeof(*kp));
	ksrtp_profile_lens(k->profile, &kl, &sl, &tl);
	kp->ssrc = ssrc;
	kp->key_len = k->key_len;
	kp->salt_len = k->salt_len;
	kp->tag_len = (uint8_t)tl;
	memcpy(kp->key, k->key, k->key_len);
	memcpy(kp->salt, k->salt, k->salt_len);
}

/* --- KTR session callbacks -------------------------------------------- */

static int ktr_send(void *arg, const uint8_t *rec, size_t len)
{
	struct ep *ep = arg;

	return dtls_conn_write(ep->dtls, rec, len);
}

static int ktr_tx_state(void *arg, uint32_t *ssrc, uint64_t *next_index)
{
	struct ep *ep = arg;

	if (!ep->tx)
		return -ENOENT;
	*ssrc = ep->ssrc;
	*next_index = ep->next_index;
	return 0;
}

/* BUNDLE: a follower's SSRC, named by a your_new_srtp_key (ep_bundle.c) */
static int ktr_tx_ssrc(void *arg, uint32_t ssrc, uint64_t *next_index)
{
	const struct ep *f = ep_bundle_tx_dest(arg, ssrc);

	if (!f || !f->tx)
		return -ENOENT;
	*next_index = f->next_index;
	return 0;
}

static void ktr_event(void *arg, const struct ktr_event *ev)
{
	struct ep *ep = arg, *only;
	struct ksrtp_keymat k;
	int err;

	switch (ev->type) {
	case KTR_EV_PEER_KEY:
		keymat_from_kp(&k, ep->profile, ev->kp);
		/* BUNDLE: the stream that receives that SSRC, when known, is
		 * the only one to take it (ep_bundle.c) */
		only = ep_bundle_key_dest(ep, ev->kp);
		err = only && only != ep ? 0 :
			ksrtp_rx_add_key(ep->rx, ev->kp->any_ssrc, ev->kp->ssrc,
					 &k, ev->index);
		if (!err && ep->cfg.keep_rx_key) {
			ep->rx_kept = k;
			ep->rx_kept_set = true;
		}
		if (!err)
			ep_bundle_peer_key(ep, ev->kp, &k, ev->index, only);
		ksrtp_keymat_wipe(&k);
		if (err) {
			klog(KLOG_WARN, "ep: installing peer key for ssrc %08x: %s",
			     ev->kp->ssrc, err_str(err));
			break;
		}
		if (only && only != ep)
			break;
		if (!ep->st.keys_installed++) {
			ep->st.first_peer_key_any = ev->kp->any_ssrc;
			ep->st.first_peer_key_ssrc = ev->kp->ssrc;
			ep->st.first_peer_key_index = ev->index;
		}
		break;
	case KTR_EV_LOCAL_KEY:
		/* BUNDLE: the stream that sends the SSRC the key names (a
		 * dictation for a follower's SSRC, draft 4.4) */
		only = ev->kp->ssrc == ep->ssrc ? ep :
						  ep_bundle_tx_dest(ep, ev->kp->ssrc);
		if (!only || !only->tx) {
			klog(KLOG_WARN, "ep: key announced for ssrc %08x, which no stream sends",
			     ev->kp->ssrc);
			break;
		}
		keymat_from_kp(&only->tx_next, ep->profile, ev->kp);
		err = ksrtp_tx_set_next(only->tx, &only->tx_next, ev->index);
		if (err) {
			klog(KLOG_WARN, "ep: scheduling key switch: %s",
			     err_str(err));
			ksrtp_keymat_wipe(&only->tx_next);
			break;
		}
		only->tx_next_index = ev->index;
		only->st.keys_announced++;
		break;
	case KTR_EV_ACTIVATED:
		ep->st.keys_activated++;
		break;
	case KTR_EV_GAVE_UP:
		ep->st.ktr_gave_up++;
		break;
	case KTR_EV_PEER_FAILURE:
		ep->st.ktr_peer_failures++;
		klog(KLOG_WARN, "ep: peer refused KTR message %u (reason %u)",
		     ev->message_seq, ev->reason);
		break;
	case KTR_EV_LKH_NET_KEY:
		break;
	case KTR_EV_BAD_INPUT:
		ep->st.ktr_bad_input++;
		break;
	}
}

/* --- DTLS callbacks ----------------------------------------------------- */

static int dtls_send(void *arg, const uint8_t *data, size_t len)
{
	struct ep *ep = arg;

	if (shim_drops(ep)) {
		ep->st.dtls_dropped++;
		return 0;
	}
	return ep_send_dgram(ep, data, len);
}

/* RFC 5764 4.2: our write key protects what we send, the peer's what we
 * receive. Until KTR says otherwise, the peer's key serves any SSRC. */
static int setup_srtp(struct ep *ep)
{
	struct dtls_srtp_keys dk;
	struct ksrtp_keymat remote;
	size_t kl, sl, tl;
	int err;

	if ((err = dtls_conn_srtp_keys(ep->dtls, &dk)))
		return err;
	ep->profile = dk.profile;
	memset(&remote, 0, sizeof(remote));
	err = ksrtp_keymat_parts(&ep->tx_cur, dk.profile, dk.local_key,
				 dk.key_len, dk.local_salt, dk.salt_len);
	if (!err)
		err = ksrtp_keymat_parts(&remote, dk.profile, dk.remote_key,
					 dk.key_len, dk.remote_salt, dk.salt_len);
	sec_wipe(&dk, sizeof(dk));

	if (!err)
		err = ksrtp_tx_alloc(&ep->tx, ep->ssrc, &ep->tx_cur);
	if (!err)
		err = ksrtp_rx_alloc(&ep->rx, NULL);
	if (!err)
		err = ksrtp_rx_add_key(ep->rx, true, 0, &remote, 0);
	if (!err && ep->cfg.keep_rx_key) {
		ep->rx_kept = remote;
		ep->rx_kept_set = true;
	}
	ep->rx_base = remote; /* a bundle's followers receive with it too */
	ep->rx_base_set = !err;
	ksrtp_keymat_wipe(&remote);
	for (unsigned i = 0; !err && i < ep->n_follow; i++)
		err = ep_bundle_keys(ep->follow[i]);
	if (err)
		return err;

	if (dtls_conn_ktr(ep->dtls)) {
		struct ktr_sess_cfg kc = ep->cfg.ktr_cfg;
		struct ktr_sess_ops ops = {
			.send = ktr_send,
			.tx_state = ktr_tx_state,
			.tx_ssrc = ktr_tx_ssrc,
			.event = ktr_event,
		};

		if ((err = ksrtp_profile_lens(ep->profile, &kl, &sl, &tl)))
			return err;
		kc.negotiated = true;
		kc.key_len = (uint8_t)kl;
		kc.salt_len = (uint8_t)sl;
		kc.tag_len = (uint8_t)tl;
		err = ktr_sess_alloc(&ep->ktr, &kc, &ops, ep);
	}
	return err;
}

static void dtls_established(void *arg)
{
	struct ep *ep = arg;
	int err = setup_srtp(ep);

	if (err) {
		char why[128];

		snprintf(why, sizeof(why), "setting up SRTP: %s", err_str(err));
		ep_fail(ep, err, why);
	}
}

static void dtls_recv(void *arg, const uint8_t *data, size_t len)
{
	struct ep *ep = arg;

	if (ep->ktr)
		ktr_sess_input(ep->ktr, data, len, ep->now_ms);
	else
		ep->st.dropped_other++;
}

static void dtls_closed(void *arg, int err)
{
	struct ep *ep = arg;
	char why[200];

	/* A close_notify ends the association, not the call: peers send it
	 * when they hang up (before or after the BYE). The SRTP keys stay
	 * valid; KTR can no longer be used. */
	if (!err) {
		klog(KLOG_INFO, "ep: DTLS: peer sent close_notify");
		ep->dtls_closed = true;
		return;
	}
	snprintf(why, sizeof(why), "DTLS: %s", dtls_conn_error(ep->dtls));
	ep_fail(ep, err, why);
}

/* --- life cycle ----------------------------------------------------------- */

int ep_new(struct ep **epp, int fd, const struct sockaddr *peer,
	   socklen_t peer_len)
{
	struct ep *ep;
	int err;

	if (peer && (peer_len == 0 || peer_len > sizeof(ep->peer)))
		return -EINVAL;
	if ((err = ksrtp_init()))
		return err;
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	ep->fd = fd;
	ep->rtcp_fd = -1;
	ep->tx_next_index = UINT64_MAX;
	ep->shape = (struct ep_media_shape){ .pt = 0, .payload_len = EP_MEDIA_PAYLOAD,
					     .pkts_per_frame = 1, .ts_per_frame = 160 };
	if (peer) {
		memcpy(&ep->peer, peer, peer_len);
		ep->peer_len = peer_len;
	}
	*epp = ep;
	return 0;
}

int ep_alloc(struct ep **epp, struct dtls_ctx *ctx, int fd,
	     const struct sockaddr *peer, socklen_t peer_len,
	     const struct ep_cfg *cfg)
{
	static const struct dtls_conn_ops ops = {
		.send = dtls_send,
		.established = dtls_established,
		.recv = dtls_recv,
		.closed = dtls_closed,
	};
	struct ep *ep;
	int err;

	if (!epp || !ctx || fd < 0 || !cfg || !cfg->peer_fingerprint)
		return -EINVAL;
	if ((err = ep_new(&ep, fd, peer, peer_len)))
		return err;
	ep->mode = EP_MODE_DTLS;
	ep->cfg = *cfg;
	ep->drop_state = cfg->drop_seed ? cfg->drop_seed : 0x9e3779b9u;
	ep->next_index = ep->first_index = cfg->first_index;
	ep->ssrc = cfg->ssrc;
	while (!ep->ssrc && !err)
		err = sec_random(&ep->ssrc, sizeof(ep->ssrc));
	if (!err)
		err = dtls_conn_alloc(&ep->dtls, ctx, cfg->role,
				      cfg->peer_fingerprint, cfg->ktr, &ops, ep);
	if (err) {
		free(ep);
		return err;
	}
	if (peer)
		dtls_conn_set_cookie_id(ep->dtls, peer, peer_len);
	*epp = ep;
	return 0;
}

void ep_free(struct ep *ep)
{
	if (!ep)
		return;
	ep_bundle_detach(ep);
	ktr_sess_free(ep->ktr);
	dtls_conn_free(ep->dtls);
	ksrtp_tx_free(ep->tx);
	ksrtp_rx_free(ep->rx);
	if (ep->cap.f && ep_cap_close(&ep->cap))
		klog(KLOG_WARN, "ep: capture file incomplete");
	sec_wipe(ep, sizeof(*ep));
	free(ep);
}

int ep_start(struct ep *ep, uint64_t now_ms)
{
	ep->now_ms = now_ms;
	if (ep->mode == EP_MODE_SDES || ep->lead)
		return 0;
	return dtls_conn_start(ep->dtls, now_ms);
}

static bool same_addr(const struct sockaddr_storage *a, socklen_t alen,
		      const struct sockaddr *b, socklen_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* SDES mode (ep.h): no DTLS; the peer is latched on the first packet that
 * authenticates when its address was not given. */
static int sdes_input(struct ep *ep, uint8_t *pkt, size_t len,
		      const struct sockaddr *from, socklen_t from_len)
{
	enum ksrtp_demux cls = ksrtp_demux_class(pkt, len);

	if (ep->peer_len && !same_addr(&ep->peer, ep->peer_len, from, from_len)) {
		ep->st.dropped_source++;
		return 0;
	}
	if (cls == KSRTP_DEMUX_DTLS) {
		ep->st.dropped_dtls++;
		return 0;
	}
	if (cls != KSRTP_DEMUX_RTP) {
		ep->st.dropped_other++;
		return 0;
	}
	if (ep_srtp_input(ep, pkt, len, from) == 0 && !ep->peer_len &&
	    from_len <= sizeof(ep->peer)) {
		memcpy(&ep->peer, from, from_len);
		ep->peer_len = from_len;
	}
	return 0;
}

int ep_input(struct ep *ep, uint8_t *pkt, size_t len,
	     const struct sockaddr *from, socklen_t from_len, uint64_t now_ms)
{
	uint8_t b;

	ep->now_ms = now_ms;
	if (!len) {
		ep->st.dropped_other++;
		return 0;
	}
	if (ep->mode == EP_MODE_SDES)
		return sdes_input(ep, pkt, len, from, from_len);
	b = pkt[0];
	/* A server learns its peer from the first DTLS datagram; after that,
	 * as everywhere, other sources are dropped (draft section 6). */
	if (!ep->peer_len && b >= 20 && b <= 63 && from_len <= sizeof(ep->peer)) {
		memcpy(&ep->peer, from, from_len);
		ep->peer_len = from_len;
		dtls_conn_set_cookie_id(ep->dtls, from, from_len);
	}
	if (!same_addr(&ep->peer, ep->peer_len, from, from_len)) {
		ep->st.dropped_source++;
		return 0;
	}
	/* RFC 7983 section 7: demultiplex by the first byte. */
	if (b >= 20 && b <= 63)
		return dtls_conn_input(ep->dtls, pkt, len, now_ms);
	if (b >= 128 && b <= 191)
		ep_srtp_input(ep_bundle_route(ep, pkt, len), pkt, len, from);
	else
		ep->st.dropped_other++;
	return 0;
}

int ep_read(struct ep *ep, uint64_t now_ms)
{
	uint8_t pkt[EP_PKT_MAX];
	struct sockaddr_storage from;

	for (int i = 0; i < EP_READ_BATCH; i++) {
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(ep->fd, pkt, sizeof(pkt), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &flen);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 :
									 -errno;
		ep_input(ep, pkt, (size_t)n, (struct sockaddr *)&from, flen,
			 now_ms);
	}
	return 0;
}

int ep_set_rtcp(struct ep *ep, int fd, const struct sockaddr *peer,
		socklen_t peer_len)
{
	socklen_t len = sizeof(ep->rtcp_local);

	if (!ep || fd < 0 || !peer || !peer_len ||
	    peer_len > sizeof(ep->rtcp_peer))
		return -EINVAL;
	memset(&ep->rtcp_local, 0, sizeof(ep->rtcp_local));
	if (getsockname(fd, (struct sockaddr *)&ep->rtcp_local, &len) < 0)
		return -errno;
	ep->rtcp_fd = fd;
	memset(&ep->rtcp_peer, 0, sizeof(ep->rtcp_peer));
	memcpy(&ep->rtcp_peer, peer, peer_len);
	ep->rtcp_peer_len = peer_len;
	return 0;
}

int ep_read_rtcp(struct ep *ep, uint64_t now_ms)
{
	uint8_t pkt[EP_PKT_MAX];
	struct sockaddr_storage from;

	if (ep->rtcp_fd < 0)
		return -EINVAL;
	ep->now_ms = now_ms;
	for (int i = 0; i < EP_READ_BATCH; i++) {
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(ep->rtcp_fd, pkt, sizeof(pkt), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &flen);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 :
									 -errno;
		if (!same_addr(&ep->rtcp_peer, ep->rtcp_peer_len,
			       (struct sockaddr *)&from, flen)) {
			ep->st.dropped_source++;
			continue;
		}
		if (!ksrtp_is_rtcp(pkt, (size_t)n)) {
			ep->st.dropped_other++;
			continue;
		}
		ep->on_rtcp_port = true;
		ep_srtp_input(ep, pkt, (size_t)n, (struct sockaddr *)&from);
		ep->on_rtcp_port = false;
	}
	return 0;
}

int64_t ep_timeout_ms(const struct ep *ep, uint64_t now_ms)
{
	int64_t a = ep->failed || !ep->dtls ? -1 :
					     dtls_conn_timeout_ms(ep->dtls, now_ms);
	int64_t b = ep->ktr ? ktr_sess_timeout_ms(ep->ktr, now_ms) : -1;

	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

void ep_timer(struct ep *ep, uint64_t now_ms)
{
	ep->now_ms = now_ms;
	if (!ep->failed && ep->dtls &&
	    dtls_conn_timeout_ms(ep->dtls, now_ms) == 0)
		dtls_conn_timer(ep->dtls, now_ms);
	if (ep->ktr)
		ktr_sess_timer(ep->ktr, now_ms);
}

bool ep_established(const struct ep *ep)
{
	return ep->tx != NULL;
}

bool ep_ktr(const struct ep *ep)
{
	/* a bundle's follower: its lead's association (ep_bundle.c) */
	return ep->ktr != NULL || (ep->lead && ep->lead->ktr);
}

int ep_failed(const struct ep *ep)
{
	return ep->failed;
}

const char *ep_error(const struct ep *ep)
{
	return ep->failed ? ep->error : "";
}

int ep_profile(const struct ep *ep)
{
	return ep->profile;
}

int ep_rx_key(const struct ep *ep, struct ksrtp_keymat *out)
{
	if (!ep || !out)
		return -EINVAL;
	if (!ep->rx_kept_set)
		return -ENOENT;
	*out = ep->rx_kept;
	return 0;
}

const struct ep_stats *ep_stats(const struct ep *ep)
{
	return &ep->st;
}

uint64_t ep_next_index(const struct ep *ep)
{
	return ep->next_index;
}

uint32_t ep_ssrc(const struct ep *ep)
{
	return ep->ssrc;
}

/* --- KTR ---------------------------------------------------------------- */

int ep_announce(struct ep *ep, const struct ktr_keyparams *kp,
		uint64_t now_ms)
{
	/* A bundle follower's key goes over the lead's association, naming
	 * the follower's SSRC (draft 4.4; ep_bundle.c) */
	if (!ep->ktr && ep->lead && ep->lead->ktr && ep->tx)
		return ktr_sess_announce_ssrc(ep->lead->ktr, kp, ep->ssrc, now_ms);
	if (!ep->ktr)
		return ep->tx ? -ENOTSUP : -EAGAIN;
	return ktr_sess_announce(ep->ktr, kp, now_ms);
}

int ep_request(struct ep *ep, uint64_t now_ms)
{
	if (!ep->ktr)
		return ep->tx ? -ENOTSUP : -EAGAIN;
	return ktr_sess_request(ep->ktr, now_ms);
}

int ep_dictate(struct ep *ep, const struct ktr_keyparams *kp, uint64_t now_ms)
{
	if (!ep->ktr)
		return ep->tx ? -ENOTSUP : -EAGAIN;
	return ktr_sess_dictate(ep->ktr, kp, NULL, now_ms);
}

int ep_change_ssrc(struct ep *ep, uint32_t ssrc, uint64_t now_ms)
{
	struct ktr_keyparams kp;
	int err;

	if (!ep->tx)
		return -EAGAIN;
	if ((err = ksrtp_tx_set_ssrc(ep->tx, ssrc)))
		return err;
	ep->ssrc = ssrc;
	/* A new SSRC starts a new packet index space: ROC 0, same seq. */
	ep->next_index &= 0xFFFF;
	if (!ep->ktr)
		return 0;
	kp_from_keymat(&kp, ep->tx_next_index != UINT64_MAX ? &ep->tx_next :
							       &ep->tx_cur,
		       ssrc);
	err = ktr_sess_announce(ep->ktr, &kp, now_ms);
	sec_wipe(&kp, sizeof(kp));
	return err;
}

struct dtls_conn *ep_dtls(struct ep *ep)
{
	return ep->dtls;
}

bool ep_ktr_busy(const struct ep *ep)
{
	return ep->ktr && ktr_sess_busy(ep->ktr);
}

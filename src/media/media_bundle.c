/*
 * media_bundle: BUNDLE (RFC 9143) on the DTLS side of a session. Every
 * stream's DTLS leg rides the first stream's (relay.h, BUNDLE): one port
 * and one DTLS association toward the DTLS UA for all m-lines, each
 * m-line with its a=mid, RTP and RTCP multiplexed (RFC 8843 9.1 and RFC
 * 8858: a=rtcp-mux and, in our offers, a=rtcp-mux-only), while the SDES
 * side keeps a port (and key) per m-line. The relay tells the bundle's
 * streams apart by SSRC (the DTLS UA's a=ssrc, or learned) or payload type.
 *
 * When: a DTLS UA's offer with a=group:BUNDLE is answered bundled, always;
 * ktrsbc's own offer to a DTLS trunk bundles when the trunk says bundle =
 * yes (and its ktr is not required, see below).
 *
 * Keys. The one association exports one key pair (RFC 5764 4.2): the DTLS
 * UA protects every stream it sends with its write key, and decrypts every
 * stream it receives with ours, each stream under its own SSRC (RFC 8843
 * 9.1). So:
 *   - from the SDES side's offer, each SDES UA's answer key B is that one
 *     DTLS UA write key (the same key on every m-line of the SDES answer,
 *     which sdp_xlate refuses elsewhere: key_shared), and the relay
 *     forwards those packets untouched; the SDES UAs' streams are
 *     transcrypted A_k -> our write key;
 *   - from the DTLS side's offer, each SDES UA gets a fresh B_k as
 *     without BUNDLE; the relay transcrypts the DTLS UA's streams to B_k
 *     and the SDES UAs' streams A_k -> our write key.
 * Toward the DTLS UA the streams share our write key: only with distinct
 * SSRCs (draft 6.2), which the relay's crypto stage enforces per bundle
 * (relay_bundle_tx_check: a packet whose SSRC another stream uses is
 * dropped and counted).
 *
 * KTR. On ktrsbc's own bundled offer (a call from the SDES side) KTR runs
 * as without BUNDLE, per stream, over the one association: each SDES UA's
 * key A_k goes to the DTLS UA in a new_srtp_key naming that stream's SSRC
 * (draft 4.4), one after the other (relay_dtls.c), and every packet is
 * forwarded untouched both ways; a stream whose A_k does not fit the
 * negotiated profile, or a DTLS UA without KTR, gets the fallback. On a
 * DTLS UA's bundled offer with KTR each SDES UA was offered its own B_k:
 * each stream gets new_srtp_key(A_k) and a your_new_srtp_key(B_k) naming
 * the SSRC the DTLS UA sends that stream with (never any_ssrc, which
 * would switch all of its streams to one key; relay_bundle_ktr.c), and
 * each stream's window closes as an unbundled stream's does (docs/
 * design.md, the window). A DTLS UA without KTR gets the fallback, or the
 * call ends when the trunk requires KTR.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"
#include "media/media_int.h"

bool media_bundle_member(const struct media_stream *m)
{
	return m->sess->bundle && m != &m->sess->streams[0];
}

uint16_t media_bundle_port(const struct media_stream *m, enum media_side side)
{
	if (side == MEDIA_SIDE_DTLS && m->sess->bundle)
		return m->sess->streams[0].ports[MEDIA_SIDE_DTLS];
	return m->ports[side];
}

/* The bundle's counters live on its owner's relay call (streams[0]):
 * counted once per bundle, while it runs (media_engine_stats) and when the
 * owner's relay call ends (media_stream_account). */
void media_bundle_account(struct media_engine_stats *t, const struct media_stream *m)
{
	struct relay_bundle_stats bs;

	if (!m->sess->bundle || m != &m->sess->streams[0] || !m->relay ||
	    relay_bundle_stats(m->relay, &bs))
		return; /* -ENOENT: not joined yet */
	t->bundle_key_unrouted += bs.key_unrouted;
}

/* The distinct SSRCs the bundled m-lines of sdp signal, against the limit
 * (conf max_bundle_ssrcs): refused before any relay port is taken for
 * them. */
static int ssrc_limit(struct media_session *s, const struct sdp_session *sdp,
		      const size_t *idx, size_t n, const char *what)
{
	uint32_t ssrc[RELAY_BUNDLE_SSRCS_MAX + 1];
	size_t limit = s->e->conf.max_bundle_ssrcs, got = 0;
	int err = 0;

	if (!limit || limit > RELAY_BUNDLE_SSRCS_MAX)
		limit = RELAY_BUNDLE_SSRCS_MAX;
	for (size_t k = 0; k < n && !err; k++)
		err = sdp_bundle_ssrcs(sdp_session_media(sdp, idx[k]), ssrc, limit, &got);
	if (err == -ENOBUFS) {
		s->e->st.bundle_ssrcs_refused++;
		klog(KLOG_WARN, "sbc: call %llu: the %s signals more than max_bundle_ssrcs=%zu SSRCs in its BUNDLE group: refused",
		     (unsigned long long)s->id, what, limit);
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the BUNDLE group signals more SSRCs than the limit max_bundle_ssrcs=%zu",
				limit);
		return -E2BIG;
	}
	if (err) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"malformed SDP: an a=ssrc in the %s is not a 32-bit SSRC", what);
		return -EBADMSG;
	}
	return 0;
}

int media_bundle_offer(struct media_session *s)
{
	const struct media_policy *pol = media_dtls_pol(s);
	size_t idx[SDP_BUNDLE_MAX], n = 0;
	int err;

	if (s->offerer == MEDIA_SIDE_SDES) {
		s->bundle = pol->bundle; /* ktrsbc's offer: the trunk's choice */
		return 0;
	}
	err = sdp_bundle_group(s->offer, idx, SDP_BUNDLE_MAX, &n);
	if (err == -ENOENT)
		return 0;
	if (err) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"malformed SDP: the a=group:BUNDLE names an m-line that has no such a=mid, or one twice");
		return -EBADMSG;
	}
	if ((err = ssrc_limit(s, s->offer, idx, n, "offer")))
		return err;
	/* RFC 9143 6: an a=bundle-only m-line (port 0) is a stream of the
	 * bundle, not a declined one. */
	if ((err = sdp_bundle_unbundled_ports(s->offer, idx, n)) && err != -ENOENT) {
		media_cause_set(s, MEDIA_CAUSE_INTERNAL, "SDP: cannot read the BUNDLE group");
		return err;
	}
	s->bundle = true;
	return 0;
}

/* The demultiplexing routes of stream m from the DTLS UA's SDP: its
 * m-line's a=ssrc and payload types. Payload types shared with another
 * m-line (RFC 8843 9.1 wants them unique) are left out: those streams are
 * told apart by SSRC only. */
static int route(struct media_stream *m, const struct sdp_session *sdp)
{
	struct media_session *s = m->sess;
	const struct sdp_media *md = sdp_session_media(sdp, m->idx);
	uint32_t ssrc[RELAY_BUNDLE_SSRCS_MAX];
	uint8_t pt[SDP_MAX_FMTS];
	size_t ns = 0, np = 0;
	int err;

	if (!md)
		return -EINVAL;
	if (sdp_bundle_ssrcs(md, ssrc, RELAY_BUNDLE_SSRCS_MAX, &ns) ||
	    sdp_bundle_pts(md, pt, SDP_MAX_FMTS, &np))
		ns = np = 0; /* the limit was checked: a malformed line only */
	err = relay_bundle_route(s->streams[0].relay, m->relay, ssrc, ns, pt, np);
	if (err == -EEXIST) {
		klog(KLOG_INFO, "sbc: call %llu: m-line %zu shares a payload type or SSRC with another m-line of the BUNDLE group: told apart by SSRC only",
		     (unsigned long long)s->id, m->idx);
		err = relay_bundle_route(s->streams[0].relay, m->relay, ssrc, ns, NULL, 0);
	}
	if (err == -ENOSPC) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the BUNDLE group signals more SSRCs than the limit max_bundle_ssrcs=%u",
				s->e->conf.max_bundle_ssrcs);
		return -E2BIG;
	}
	if (err)
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the BUNDLE group's streams cannot be told apart (%s)", err_str(err));
	return err;
}

int media_bundle_join(struct media_session *s)
{
	size_t idx[SDP_BUNDLE_MAX], n = 0;
	int err;

	if (!s->bundle)
		return 0;
	if (s->offerer == MEDIA_SIDE_DTLS) {
		/* Every relayed m-line must be in the group: ktrsbc relays one
		 * bundle per call, or none. */
		if (sdp_bundle_group(s->offer, idx, SDP_BUNDLE_MAX, &n))
			return -EPROTO;
		for (size_t i = 0; i < s->n_streams; i++) {
			const char *mid = "";

			if (!sdp_bundle_has(idx, n, s->streams[i].idx)) {
				media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
						"m-line %zu is not in the offer's BUNDLE group: ktrsbc relays all of a call's m-lines in one group or none",
						s->streams[i].idx);
				return -EPROTO;
			}
			sdp_media_attr_find(sdp_session_media(s->offer, s->streams[i].idx),
					    "mid", &mid);
			snprintf(s->mids[i], sizeof(s->mids[i]), "%s", mid);
		}
	} else {
		/* Ours: the m-line's index, unique and stable across
		 * re-offers (RFC 9143 7.2: the first one tags the bundle). */
		for (size_t i = 0; i < s->n_streams; i++)
			snprintf(s->mids[i], sizeof(s->mids[i]), "%zu", s->streams[i].idx);
	}
	for (size_t i = 0; i < s->n_streams; i++) {
		err = relay_bundle_join(s->streams[0].relay, RELAY_LEG_DTLS,
					s->streams[i].relay);
		if (err) {
			media_cause_set(s, MEDIA_CAUSE_INTERNAL,
					"relay: cannot bundle stream %zu (%s)", i, err_str(err));
			return err;
		}
	}
	if (s->offerer == MEDIA_SIDE_DTLS)
		for (size_t i = 0; i < s->n_streams; i++)
			if ((err = route(&s->streams[i], s->offer)))
				return err;
	klog(KLOG_INFO, "sbc: call %llu: %zu stream%s bundled on the DTLS side (port %u)",
	     (unsigned long long)s->id, s->n_streams, s->n_streams == 1 ? "" : "s",
	     s->streams[0].ports[MEDIA_SIDE_DTLS]);
	return 0;
}

int media_bundle_answer(struct media_session *s, struct sdp_session *ans)
{
	size_t idx[SDP_BUNDLE_MAX], n = 0;
	int err;

	if (!s->bundle)
		return 0;
	err = sdp_bundle_group(ans, idx, SDP_BUNDLE_MAX, &n);
	if (err) {
		/* Its m-lines would each want their own transport, and the
		 * bundle's streams have none (relay.h). */
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the DTLS UA's answer does not accept BUNDLE (no valid a=group:BUNDLE): ktrsbc offered one transport for all m-lines");
		return -EPROTO;
	}
	for (size_t i = 0; i < s->n_streams; i++) {
		if (!sdp_bundle_has(idx, n, s->streams[i].idx)) {
			media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
					"the DTLS UA's answer takes m-line %zu out of the BUNDLE group",
					s->streams[i].idx);
			return -EPROTO;
		}
	}
	if ((err = ssrc_limit(s, ans, idx, n, "answer")))
		return err;
	/* RFC 9143 7.3.1: the answer's other bundled m-lines may carry
	 * port 0 with a=bundle-only; the bundle's address is its tag's. */
	sdp_bundle_unbundled_ports(ans, idx, n);
	for (size_t i = 0; i < s->n_streams; i++)
		if ((err = route(&s->streams[i], ans)))
			return err;
	return 0;
}

int media_bundle_sdp_dtls(struct media_session *s, struct sdp_session *o,
			  bool offer)
{
	size_t idx[MEDIA_STREAMS_MAX];

	if (!s->bundle) {
		sdp_bundle_strip(o);
		return 0;
	}
	for (size_t i = 0; i < s->n_streams; i++)
		idx[i] = s->streams[i].idx;
	return sdp_bundle_write(o, idx, s->n_streams, s->mids, offer);
}

/* One bundled stream keyed from the association's export: Figure 6 both
 * ways as the module comment says. */
static int key_member(struct media_stream *m, const struct relay_event *ev)
{
	struct media_session *s = m->sess;
	int err;

	relay_keymat_export(&m->dtls_rx, &ev->keys, true);
	m->c = m->dtls_rx;
	if (s->offerer == MEDIA_SIDE_SDES) {
		/* B: the DTLS UA's one write key, forwarded untouched */
		relay_keymat_export(&m->b, &ev->keys, false);
		/* KTR: A_k for this stream's SSRC over the association
		 * (media_up.c's up_from_sdes, per stream) */
		if (ev->ktr && m->a.profile == ev->keys.profile &&
		    relay_call_ktr_send_key(m->relay, RELAY_LEG_DTLS, &m->a) == 0) {
			m->ktr = true;
			m->up = true;
			return 0;
		}
		if (media_dtls_pol(s)->ktr == MEDIA_KTR_REQUIRED)
			return -ENOTSUP;
		err = relay_call_transcrypt(m->relay, RELAY_LEG_SDES, &m->a, &m->c);
	} else {
		/* Both transcrypts were armed (relay_leg_dtls_prearm) and took
		 * effect in the relay with the owner's handshake: D -> B_k and
		 * A_k -> our key, the window. With KTR, as without BUNDLE:
		 * new_srtp_key(A_k) and your_new_srtp_key(B_k) naming this
		 * stream's SSRC (relay_bundle_ktr.c), each over the one
		 * association after the other; the windows close at the
		 * acknowledgement of A_k and at the DTLS UA's switch to B_k.
		 * Without, both transcrypts stay: the fallback both ways. */
		relay_keymat_export(&m->d, &ev->keys, false);
		m->sd_xc = true;
		if ((err = media_ktr_dtls_start(m, ev)) < 0)
			return err;
		if (err) {
			m->ktr = true;
			m->up = true;
			return 0;
		}
		if (media_dtls_pol(s)->ktr == MEDIA_KTR_REQUIRED)
			return -ENOTSUP;
		err = 0;
	}
	if (err)
		return err;
	m->fallback = true;
	m->sd_xc = true;
	m->up = true;
	return 0;
}

int media_bundle_up(struct media_session *s, const struct relay_event *ev)
{
	for (size_t i = 1; i < s->n_streams; i++) {
		int err = key_member(&s->streams[i], ev);

		if (err) {
			klog(KLOG_WARN, "sbc: call %llu: bundled stream %zu: cannot start transcrypting: %s",
			     (unsigned long long)s->id, i, err_str(err));
			media_session_end(s, MEDIA_CAUSE_INTERNAL, false,
					  "cannot start transcrypting a bundled stream");
			return -ECANCELED;
		}
	}
	return 0;
}

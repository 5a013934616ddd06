/*
 * media_early: a forked call whose early media came from one early dialog
 * and whose answer (200) from another (RFC 3261 13.2.2.4, RFC 3960). The
 * session was answered from the first one's SDP (its 183): the relay holds
 * that UA's address, keys and, on the DTLS side, its DTLS association. The
 * answering UA's SDP replaces it, while what the offerer was answered
 * stays exactly as sent (a reliable 183's answer completed the exchange,
 * RFC 3262 5, and an unreliable one's must be the 200's, RFC 3261 13.2.1):
 *
 * - SDES-offered (the forks are DTLS UAs, each with its own fingerprint):
 *   each stream's relay call is torn down (close_notify to the first DTLS
 *   UA, its keys wiped, its ports closed) and built anew on the same two
 *   ports (those the SDPs named), the SDES UA's address set again, and a
 *   handshake started with the answering DTLS UA. (Before the SDES UA was
 *   answered, i.e. before the first DTLS UA's handshake ended, it simply
 *   gets the answering one's B once that one is up.) The SDES UA keeps
 *   receiving with B, the first DTLS UA's write key it was answered
 *   with: the new DTLS UA is told to send with it (your_new_srtp_key, as
 *   on a call from the DTLS side) and gets A (new_srtp_key); until its
 *   switch the relay transcrypts its packets to B and the SDES UA's to our
 *   DTLS key (the window, relay_leg_dtls_prearm). Two-time pad (draft
 *   6.2): B is now used by the new DTLS UA for its own SSRC; the first DTLS
 *   UA's SSRC sent under B is gone with its association.
 * - DTLS-offered (the forks are SDES UAs, each with its own key A): the
 *   DTLS UA's association stays; the SDES leg's peer becomes the answering
 *   UA's address and its key A goes to the DTLS UA by new_srtp_key (or
 *   into the transcrypt of that direction, or the window armed for the
 *   handshake), as an SDES re-key would (media_reoffer.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "media/media_int.h"

/* SDES-offered: stream m's relay state for the answering DTLS UA;
 * dictate: the SDES UA was answered already (with B). */
static int refork_dtls_stream(struct media_stream *m, bool dictate)
{
	struct media_session *s = m->sess;
	/* An ICE leg's second host candidate (media_ice.c), in the SDP the
	 * forks were offered: its socket is rebound on the same port. */
	uint16_t alt = relay_leg_alt_port(m->relay, RELAY_LEG_DTLS);
	int fam[2];
	int err;

	fam[0] = relay_leg_family(m->relay, RELAY_LEG_SDES);
	fam[1] = relay_leg_family(m->relay, RELAY_LEG_DTLS);
	media_stream_account(m); /* its counters into the totals */
	relay_call_free(m->relay); /* close_notify, keys wiped, ports free */
	m->relay = NULL;
	err = relay_call_alloc_at(s->e->relay, &m->relay, s, m->ports, fam);
	if (err) {
		m->relay = NULL;
		media_cause_set(s, MEDIA_CAUSE_INTERNAL,
				"relay: cannot rebind ports %u/%u for the answering early dialog: %s",
				m->ports[0], m->ports[1], err_str(err));
		return err;
	}
	if (alt && (err = relay_leg_alt_open_at(m->relay, RELAY_LEG_DTLS, alt))) {
		media_cause_set(s, MEDIA_CAUSE_INTERNAL,
				"relay: cannot rebind the second ICE port %u for the answering early dialog: %s",
				alt, err_str(err));
		return err;
	}
	m->up = m->ktr = m->fallback = m->ktr_fallback = m->sd_xc = false;
	m->acked_any = false;
	ksrtp_keymat_wipe(&m->c);
	ksrtp_keymat_wipe(&m->d);
	ksrtp_keymat_wipe(&m->dtls_rx);
	m->dictate_b = dictate;
	return media_stream_peer(m, MEDIA_SIDE_SDES, s->offer);
}

static int refork_from_sdes(struct media_session *s, struct sdp_session *ans)
{
	/* Not answered yet (the first DTLS UA's handshake still running):
	 * the SDES UA will get the answering DTLS UA's own B, as usual. */
	bool answered = s->last_sdp[MEDIA_SIDE_SDES] != NULL;
	int err = 0;

	for (size_t i = 0; i < s->n_streams && !err && answered; i++) {
		/* B: the first DTLS UA's write key, which the SDES UA has */
		if (ksrtp_keymat_check(&s->streams[i].b)) {
			media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
					"the first early dialog never keyed stream %zu: no B to keep",
					i);
			err = -EPROTO;
		}
	}
	for (size_t i = 0; i < s->n_streams && !err; i++)
		err = refork_dtls_stream(&s->streams[i], answered);
	if (err) {
		sdp_session_free(ans);
		return err;
	}
	sdp_session_free(s->dtls_answer);
	s->dtls_answer = NULL;
	s->up = false;
	s->reforked = answered;
	return media_sdes_answered(s, ans); /* takes ans */
}

/* DTLS-offered: the answering SDES UA's key A and address on stream m. */
static int refork_sdes_stream(struct media_stream *m, const struct sdp_session *ans)
{
	struct media_session *s = m->sess;
	struct sdp_crypto cr;
	struct sdp_error e;
	struct ksrtp_keymat na;
	int err;

	if (sdp_media_crypto_pick(sdp_session_media(ans, m->idx), media_suites,
				  MEDIA_N_SUITES, &cr, &e) < 0) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the answering early dialog has no acceptable a=crypto (%s)", e.msg);
		return -EPROTO;
	}
	err = media_sdes_keymat(&cr, &na);
	sdp_crypto_wipe(&cr);
	if (!err && na.profile != m->a.profile) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the answering early dialog's a=crypto suite differs from the first one's");
		err = -ENOTSUP;
	}
	if (!err)
		err = media_stream_peer(m, MEDIA_SIDE_SDES, ans);
	if (!err && !m->up)
		/* handshake still running: the window's input key */
		err = relay_leg_dtls_prearm(m->relay, RELAY_LEG_DTLS, &m->b, &na);
	else if (!err && m->sd_xc)
		err = media_ktr_sd_transcrypt(m, &na);
	else if (!err && m->ktr)
		err = relay_call_ktr_send_key(m->relay, RELAY_LEG_DTLS, &na);
	if (!err)
		m->a = na;
	else if (!s->cause[0])
		media_cause_set(s, MEDIA_CAUSE_INTERNAL,
				"relay: cannot pass the answering early dialog's key: %s",
				err_str(err));
	ksrtp_keymat_wipe(&na);
	return err;
}

int media_session_refork(struct media_session *s, const char *sdp, size_t len)
{
	struct sdp_session *ans;
	struct sdp_error e;
	int err = 0;

	if (sdp_parse(&ans, sdp, len, &e)) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"malformed SDP answer of the answering early dialog: line %u: %s",
				e.line, e.msg);
		return -EBADMSG;
	}
	if (sdp_session_media_count(ans) != sdp_session_media_count(s->offer)) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the answering early dialog's SDP has %zu m-lines for the offer's %zu",
				sdp_session_media_count(ans), sdp_session_media_count(s->offer));
		sdp_session_free(ans);
		return -EPROTO;
	}
	if (s->offerer == MEDIA_SIDE_SDES)
		return refork_from_sdes(s, ans); /* takes ans */
	if (!s->h->keys_may_come(s->arg, MEDIA_SIDE_SDES)) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"a=crypto refused: the SDES answer came over a path that may not carry keys");
		err = -EACCES;
	}
	for (size_t i = 0; i < s->n_streams && !err; i++)
		err = refork_sdes_stream(&s->streams[i], ans);
	sdp_session_free(ans);
	return err;
}

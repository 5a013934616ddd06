/*
 * sbc_reinvite: re-INVITEs across the B2BUA. A new a=crypto key from the
 * SDES UA goes to the DTLS UA by KTR (new_srtp_key); a new key the DTLS
 * UA announces by itself goes to the SDES UA in a re-INVITE; hold and
 * resume (RFC 3264 8.4) are offered to the other UA and answered with
 * what it accepted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "sbc/sbc_int.h"

/* Our last SDP toward relay leg `leg`, again with a new sess-version and,
 * when dir is not NONE, that direction on the relayed m-line. An answer
 * passes the profile of the re-offer it answers (proto, else
 * SDP_PROTO_OTHER): the answer must carry it (RFC 3264 6.1) when the UA
 * switched, say, RTP/SAVP to RTP/SAVPF; another keying is left as it was. */
static char *sdp_again(struct sbc_call *c, int leg, enum sdp_dir dir,
		       enum sdp_proto proto)
{
	struct sdp_session *o = NULL;
	struct sdp_error e;
	char *text = NULL;
	int err;

	if (!c->last_sdp[leg])
		return NULL;
	err = sdp_parse(&o, c->last_sdp[leg], strlen(c->last_sdp[leg]), &e);
	if (!err && dir != SDP_DIR_NONE)
		err = sdp_media_dir_set(sdp_session_media(o, c->media_idx), dir);
	if (!err && proto != SDP_PROTO_OTHER &&
	    sdp_media_profile_follow(sdp_session_media(o, c->media_idx), proto) > 0)
		klog(KLOG_INFO, "sbc: call %llu: the re-offer switched to %s; the answer follows",
		     (unsigned long long)c->id, sdp_proto_name(proto));
	if (!err)
		err = sdp_session_version_bump(o);
	if (!err)
		err = sbc_print_alloc(o, &text);
	sdp_session_free(o);
	return err ? NULL : text;
}

static int leg_of(const struct sbc_call *c, const struct sip_call *sc)
{
	bool in = sc == c->in;

	return (in == (c->dir == SBC_FROM_SDES)) ? RELAY_LEG_SDES : RELAY_LEG_DTLS;
}

static struct sip_call *call_of(const struct sbc_call *c, int leg)
{
	return (leg == RELAY_LEG_SDES) == (c->dir == SBC_FROM_SDES) ? c->in : c->out;
}

struct sip_call *sbc_call_leg(const struct sbc_call *c, int leg)
{
	return call_of(c, leg);
}

/*
 * The DTLS UA has a new sending key B' (new_srtp_key: its own re-key, or
 * its answer to our new_srtp_key_request), on a call from either side: the
 * SDES UA must learn it through a re-INVITE (RFC 4568 7.1.4; docs/design.md, re-keying). Our last SDP
 * to it with the a=crypto key replaced (same tag), sess-version + 1. While
 * another re-INVITE is in progress on that leg, B' waits for its end
 * (sbc_reoffer_retry): losing it would fail every packet after the DTLS
 * UA's switch.
 */
void sbc_call_sdes_reoffer(struct sbc_call *c, const struct ksrtp_keymat *nb)
{
	struct sip_call *sc = call_of(c, RELAY_LEG_SDES);
	struct sdp_session *o = NULL;
	struct sdp_crypto cr, old;
	struct sdp_error e;
	struct sdp_media *m;
	uint8_t ks[SDP_KEYSALT_MAX];
	uint32_t tag = c->a_tag;
	char *text = NULL;
	int n, err;

	if (!c->last_sdp[RELAY_LEG_SDES] || !sc)
		return;
	if (c->pending_reoffer || c->sdes_reinvite) {
		c->b_next = *nb;
		c->has_b_next = true;
		return;
	}
	err = sdp_parse(&o, c->last_sdp[RELAY_LEG_SDES], strlen(c->last_sdp[RELAY_LEG_SDES]), &e);
	m = err ? NULL : sdp_session_media(o, c->media_idx);
	n = ksrtp_keymat_get(nb, ks, sizeof(ks));
	if (!m || n < 0)
		err = -EINVAL;
	if (!err && sdp_media_crypto_get(m, 0, &old) == 0) {
		tag = old.tag; /* the tag the SDES UA knows our key by */
		sdp_crypto_wipe(&old);
	}
	if (!err) {
		sdp_media_attr_del(m, "crypto");
		err = sdp_crypto_init(&cr, tag, sdp_suite_from_profile(nb->profile),
				      ks, (size_t)n);
	}
	sec_wipe(ks, sizeof(ks));
	if (!err)
		err = sdp_media_crypto_add(m, &cr);
	sdp_crypto_wipe(&cr);
	if (!err)
		err = sdp_session_version_bump(o);
	if (!err)
		err = sbc_print_alloc(o, &text);
	sdp_session_free(o);
	if (!err)
		err = sip_call_reinvite(sc, text);
	if (err == -EPROTO) {
		/* The SDES UA's own offer is pending on that dialog. */
		c->b_next = *nb;
		c->has_b_next = true;
	}
	if (err) {
		if (err != -EPROTO)
			klog(KLOG_WARN, "sbc: call %llu: cannot re-offer the DTLS UA's new key to the SDES UA: %s",
			     (unsigned long long)c->id, err_str(err));
		sbc_sdp_free(text);
		return;
	}
	c->b = *nb;
	c->sdes_reinvite = true;
	c->sbc->rekeys_passed++;
	sbc_last_sdp_set(c, RELAY_LEG_SDES, text);
	klog(KLOG_INFO, "sbc: call %llu: DTLS UA re-keyed; re-INVITE to the SDES UA",
	     (unsigned long long)c->id);
}

/* A DTLS UA key that waited for the SDES leg's dialog (above). */
static void sbc_reoffer_retry(struct sbc_call *c)
{
	struct ksrtp_keymat nb;

	if (!c->has_b_next || c->pending_reoffer || c->sdes_reinvite)
		return;
	nb = c->b_next;
	c->has_b_next = false;
	ksrtp_keymat_wipe(&c->b_next);
	if (!ksrtp_keymat_equal(&nb, &c->b))
		sbc_call_sdes_reoffer(c, &nb);
	ksrtp_keymat_wipe(&nb);
}

/* The other UA answered a hold/resume we passed on: answer the UA that
 * offered with the direction the other one accepted (or its refusal). */
static void pass_reanswer(struct sbc_call *c, struct sip_call *leg, int status,
			  const char *sdp, size_t len)
{
	struct sip_call *offerer = c->pending_reoffer;
	int from = leg_of(c, offerer), to = leg_of(c, leg);
	struct sdp_session *a = NULL;
	struct sdp_error e;
	enum sdp_dir d = SDP_DIR_NONE;
	char *text;

	c->pending_reoffer = NULL;
	if (status < 200 || status >= 300 || !sdp) {
		c->ldir[from] = SDP_DIR_NONE;
		sip_call_reject(offerer, status >= 300 ? status : 488,
				"refused by the other side");
		return;
	}
	if (sdp_parse(&a, sdp, len, &e) == 0 && sdp_session_media(a, c->media_idx))
		d = sdp_media_dir(sdp_session_media(a, c->media_idx));
	sdp_session_free(a);
	c->ldir[to] = d;
	text = sdp_again(c, from, d, c->pending_proto);
	if (!text || sip_call_answer(offerer, text)) {
		sbc_sdp_free(text);
		sip_call_reject(offerer, 500, "ktrsbc: cannot answer the re-INVITE");
		return;
	}
	sbc_last_sdp_set(c, from, text);
}

/* A new key of the SDES UA toward the DTLS UA: by new_srtp_key, or into
 * the transcrypt when that direction is transcrypted (the fallback, the
 * window of a DTLS-side call, or since a KTR failure). 0 or -errno. */
static int sdes_key_pass(struct sbc_call *c, const struct ksrtp_keymat *na)
{
	if (c->sd_xc)
		return sbc_ktr_sd_transcrypt(c, na);
	if (c->ktr)
		return relay_call_ktr_send_key(c->relay, RELAY_LEG_DTLS, na);
	return -ENOTSUP;
}

/* The SDES UA's answer to that re-INVITE: if it changed its own key too,
 * the DTLS UA gets it by new_srtp_key. */
void sbc_call_reanswered(struct sbc_call *c, struct sip_call *leg, int status,
			 const char *sdp, size_t len)
{
	struct sdp_session *a = NULL;
	struct sdp_crypto cr;
	struct sdp_error e;
	struct ksrtp_keymat na;
	int err;

	if (c->pending_reoffer && leg != c->pending_reoffer) {
		pass_reanswer(c, leg, status, sdp, len);
		sbc_reoffer_retry(c);
		return;
	}
	if (leg == call_of(c, RELAY_LEG_SDES))
		c->sdes_reinvite = false;
	if (leg != call_of(c, RELAY_LEG_SDES) || status < 200 || status >= 300 || !sdp) {
		klog(KLOG_WARN, "sbc: call %llu: the SDES UA refused the re-key (%d)",
		     (unsigned long long)c->id, status);
		sbc_reoffer_retry(c);
		return;
	}
	err = sdp_parse(&a, sdp, len, &e);
	if (!err && (!sdp_session_media(a, c->media_idx) ||
		     sdp_media_crypto_count(sdp_session_media(a, c->media_idx)) != 1 ||
		     sdp_media_crypto_get(sdp_session_media(a, c->media_idx), 0, &cr)))
		err = -EPROTO;
	sdp_session_free(a);
	if (err) {
		sbc_reoffer_retry(c);
		return;
	}
	err = sbc_sdes_keymat(&cr, &na);
	sdp_crypto_wipe(&cr);
	if (!err && !ksrtp_keymat_equal(&na, &c->a) && sdes_key_pass(c, &na) == 0)
		c->a = na;
	ksrtp_keymat_wipe(&na);
	sbc_reoffer_retry(c);
}

/* A new SDES key in a re-offer from the SDES UA (RFC 4568 7.1.4): it goes
 * to the DTLS UA in new_srtp_key, or into the transcrypt. 0 or -errno. */
static int sdes_rekey(struct sbc_call *c, const struct sdp_media *m)
{
	struct sdp_crypto cr;
	struct sdp_error e;
	struct ksrtp_keymat na;
	int err;

	if (sdp_media_crypto_pick(m, sbc_suites, SBC_N_SUITES, &cr, &e) < 0)
		return -EPROTO;
	err = sbc_sdes_keymat(&cr, &na);
	sdp_crypto_wipe(&cr);
	if (!err && na.profile != c->a.profile)
		err = -ENOTSUP; /* a suite change needs a new DTLS profile */
	if (!err && !ksrtp_keymat_equal(&na, &c->a)) {
		bool xc = c->sd_xc;

		err = sdes_key_pass(c, &na);
		if (!err) {
			c->a = na;
			klog(KLOG_INFO, "sbc: call %llu: SDES re-key passed on %s",
			     (unsigned long long)c->id,
			     xc ? "to the transcrypt" : "in new_srtp_key");
		}
	}
	ksrtp_keymat_wipe(&na);
	return err;
}

/*
 * A re-INVITE from either UA. A new a=crypto key from the SDES UA goes on
 * by KTR (sdes_rekey). A new direction (hold, resume: RFC 3264 8.4) is
 * offered to the other UA in a re-INVITE, and the offering UA is answered
 * with the direction the other one answered. Otherwise the offering UA gets
 * our previous SDP again (sess-version + 1). Other changes (new streams,
 * another address or fingerprint) are refused with 488, which leaves the
 * call as it was (RFC 3261 14.2); a re-INVITE while one is in progress 491.
 */
int sbc_call_reoffer(struct sbc_call *c, struct sip_call *leg, const char *sdp,
		     size_t len)
{
	int from = leg_of(c, leg), other = 1 - from;
	struct sdp_session *o = NULL;
	const struct sdp_media *m;
	struct sdp_error e;
	enum sdp_proto proto;
	enum sdp_dir d;
	char *text;
	int err;

	if (c->state != SBC_ST_UP || c->pending_reoffer) {
		sip_call_reject(leg, 491, "ktrsbc: another offer is in progress");
		return 0;
	}
	err = sdp_parse(&o, sdp, len, &e);
	m = err ? NULL : sdp_session_media(o, c->media_idx);
	if (!m || sdp_session_media_count(o) != sdp_session_media_count(c->offer) ||
	    !sdp_media_port(m)) {
		sdp_session_free(o);
		sip_call_reject(leg, 488, "ktrsbc: re-INVITE offer unusable");
		return 0;
	}
	if (from == RELAY_LEG_SDES && sdes_rekey(c, m)) {
		sdp_session_free(o);
		sip_call_reject(leg, 488, "ktrsbc: the new a=crypto key is not usable");
		return 0;
	}
	d = sdp_media_dir(m);
	proto = sdp_media_proto_kind(m);
	sdp_session_free(o);
	if (d != c->ldir[from]) {
		/* Hold or resume: ask the other side first (our own re-offer
		 * keeps the profile that leg negotiated). */
		text = sdp_again(c, other, d, SDP_PROTO_OTHER);
		if (!text || sip_call_reinvite(call_of(c, other), text)) {
			sbc_sdp_free(text);
			sip_call_reject(leg, 500, "ktrsbc: cannot pass the re-INVITE on");
			return 0;
		}
		sbc_last_sdp_set(c, other, text);
		c->ldir[from] = d;
		c->pending_reoffer = leg;
		c->pending_proto = proto;
		klog(KLOG_INFO, "sbc: call %llu: re-INVITE (%s) passed on",
		     (unsigned long long)c->id, sdp_dir_name(d));
		return 0;
	}
	text = sdp_again(c, from, SDP_DIR_NONE, proto);
	if (!text || sip_call_answer(leg, text)) {
		sbc_sdp_free(text);
		sip_call_reject(leg, 500, "ktrsbc: cannot answer the re-INVITE");
		return 0;
	}
	sbc_last_sdp_set(c, from, text);
	sbc_reoffer_retry(c);
	return 0;
}

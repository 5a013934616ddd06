/*
 * ua_sdp: ktrua's offers and answers (RFC 3264) for RFC 4568 SDES and for
 * DTLS-SRTP (RFC 5763) with a=dtls-srtp-ktr (draft 4.6), and the SDES
 * re-key by re-INVITE (RFC 4568 7.1.4).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clk.h"
#include "base/err.h"
#include "base/sec.h"
#include "ua/ua_int.h"

#define UA_REKEY_SWITCH_MS 2000 /* answerer's switch when no media shows it */

/* The suites ktrua can key: those with a DTLS-SRTP profile (ksrtp). */
static const enum sdp_suite ua_suites[] = {
	SDP_SUITE_AES_CM_128_HMAC_SHA1_80,
	SDP_SUITE_AES_CM_128_HMAC_SHA1_32,
	SDP_SUITE_AEAD_AES_128_GCM,
	SDP_SUITE_AEAD_AES_256_GCM,
};

static int key_new(enum sdp_suite suite, struct ksrtp_keymat *k)
{
	int profile = sdp_suite_to_profile(suite);

	return profile < 0 ? -ENOTSUP : ksrtp_keymat_random(k, profile);
}

static int keymat_from_crypto(const struct sdp_crypto *cr,
			      struct ksrtp_keymat *k)
{
	int profile = sdp_suite_to_profile(cr->suite);

	if (profile < 0 || cr->n_keys < 1)
		return -ENOTSUP;
	return ksrtp_keymat_set(k, profile, cr->keys[0].keysalt,
				cr->keys[0].keysalt_len);
}

static int crypto_add(struct sdp_media *m, uint32_t tag,
		      const struct ksrtp_keymat *k)
{
	struct sdp_crypto cr;
	uint8_t ks[SDP_KEYSALT_MAX];
	int n = ksrtp_keymat_get(k, ks, sizeof(ks));
	int err = n < 0 ? n :
		  sdp_crypto_init(&cr, tag, sdp_suite_from_profile(k->profile),
				  ks, (size_t)n);

	if (!err)
		err = sdp_media_crypto_add(m, &cr);
	sdp_crypto_wipe(&cr);
	sec_wipe(ks, sizeof(ks));
	return err;
}

static int fingerprint_add(struct ua *u, struct sdp_media *m)
{
	struct sdp_fingerprint fp;
	char text[160];

	snprintf(text, sizeof(text), "sha-256 %s",
		 dtls_ctx_fingerprint(u->cfg.dtls));
	if (sdp_fingerprint_parse(text, strlen(text), &fp, NULL))
		return -EINVAL;
	return sdp_media_fingerprint_add(m, &fp);
}

/* The peer's media address: effective c= and the m-line's port. */
static int peer_from_media(struct ua_call *c, const struct sdp_media *m)
{
	struct sdp_conn conn;

	uint16_t rport;
	int err;

	if (!sdp_media_conn(m, &conn) ||
	    sdp_conn_sockaddr(&conn, sdp_media_port(m), &c->peer, &c->peer_len))
		return -EINVAL;
	/* no_rtcp_mux: we never mux, whatever the peer wrote (RFC 5761 5.1.1) */
	c->peer_mux = sdp_media_rtcp_mux(m) && c->rtcp_fd < 0;
	if (c->rtcp_fd < 0)
		return 0;
	/* sdp_media_rtcp_dest says -ENOENT for a=rtcp-mux: port + 1 then */
	err = sdp_media_rtcp_dest(m, &conn, &rport);
	if (err == -ENOENT && sdp_media_port(m) < UINT16_MAX) {
		rport = (uint16_t)(sdp_media_port(m) + 1);
		err = sdp_media_conn(m, &conn) ? 0 : -EINVAL;
	}
	if (err || sdp_conn_sockaddr(&conn, rport, &c->peer_rtcp, &c->peer_rtcp_len))
		return -EINVAL;
	return 0;
}

static bool has_pcmu(const struct sdp_media *m)
{
	for (size_t i = 0; i < sdp_media_fmt_count(m); i++)
		if (strcmp(sdp_media_fmt(m, i), "0") == 0)
			return true;
	return false;
}

static bool proto_fits(const struct ua *u, enum sdp_proto p)
{
	if (u->cfg.mode == UA_SDES)
		return p == SDP_PROTO_RTP_SAVP || p == SDP_PROTO_RTP_SAVPF;
	return p == SDP_PROTO_UDP_TLS_RTP_SAVP ||
	       p == SDP_PROTO_UDP_TLS_RTP_SAVPF;
}

/* Remote DTLS parameters (RFC 5763 5): SHA-256 fingerprint, our role from
 * the peer's a=setup, KTR when both sides advertise it. */
static int dtls_params(struct ua_call *c, const struct sdp_media *m,
		       bool answer)
{
	struct sdp_dtls_info info;
	struct sdp_error e;
	char *p = c->peer_fp;

	if (sdp_media_dtls_info(m, &info, &e) || !info.dtls) {
		ua_call_fail(c, "SDP: no usable DTLS-SRTP parameters");
		return -EPROTO;
	}
	if (!info.has_fingerprint || strcmp(info.fingerprint.hash, "sha-256") ||
	    info.fingerprint.len != 32) {
		ua_call_fail(c, "SDP: no a=fingerprint:sha-256 (RFC 5763 5)");
		return -EPROTO;
	}
	for (size_t i = 0; i < 32; i++)
		p += sprintf(p, i ? ":%02X" : "%02X", info.fingerprint.bytes[i]);
	switch (info.setup) {
	case SDP_SETUP_ACTIVE:
		c->dtls_role = DTLS_ROLE_SERVER;
		break;
	case SDP_SETUP_PASSIVE:
		c->dtls_role = DTLS_ROLE_CLIENT;
		break;
	case SDP_SETUP_ACTPASS:
	case SDP_SETUP_NONE:
		if (answer) {
			ua_call_fail(c, "SDP: the answer must say a=setup:active or passive (RFC 5763 5)");
			return -EPROTO;
		}
		/* RFC 5763 5: the answerer to actpass SHOULD be active. */
		c->dtls_role = DTLS_ROLE_CLIENT;
		break;
	default:
		ua_call_fail(c, "SDP: a=setup:holdconn is not supported");
		return -EPROTO;
	}
	c->ktr = c->ua->cfg.ktr && info.ktr != SDP_KTR_NONE;
	if (!c->ua->cfg.ktr && info.via_capneg && info.ktr == SDP_KTR_REQUIRED) {
		ua_call_fail(c, "SDP: the offer requires DTLS-SRTP Key Transport");
		return -ENOTSUP;
	}
	return 0;
}

/* Our audio m-line: PCMU, RTP/RTCP muxed when the peer muxes (or always in
 * an offer), direction and keying per mode. */
static int media_fill(struct ua_call *c, struct sdp_media *m, bool offer,
		      enum sdp_dir dir)
{
	struct ua *u = c->ua;
	int err = sdp_media_attr_add(m, "rtpmap", "0 PCMU/8000");

	if (!err && !u->cfg.no_rtcp_mux && (offer || c->peer_mux))
		err = sdp_media_rtcp_mux_set(m, true);
	if (!err && u->cfg.no_rtcp_mux) { /* RFC 3605, with the address */
		char v[96];

		snprintf(v, sizeof(v), "%u IN %s %s", (unsigned)c->port + 1,
			 strchr(u->cfg.media_addr, ':') ? "IP6" : "IP4",
			 u->cfg.media_addr);
		err = sdp_media_attr_add(m, "rtcp", v);
	}
	if (!err)
		err = sdp_media_dir_set(m, dir);
	if (err)
		return err;
	if (u->cfg.mode == UA_SDES)
		return crypto_add(m, c->crypto_tag,
				  c->has_pending_local ? &c->pending_local : &c->local);
	if ((err = fingerprint_add(u, m)))
		return err;
	err = sdp_media_setup_set(m, offer ? SDP_SETUP_ACTPASS :
				  c->dtls_role == DTLS_ROLE_CLIENT ? SDP_SETUP_ACTIVE :
								    SDP_SETUP_PASSIVE);
	if (!err && (offer ? u->cfg.ktr : c->ktr))
		err = sdp_media_ktr_set(m, true);
	return err;
}

static int print_out(struct sdp_session *s, char **out)
{
	int n = sdp_session_print_alloc(s, out);

	sdp_session_free(s);
	return n < 0 ? n : 0;
}

static int build_offer(struct ua_call *c, char **out)
{
	struct ua *u = c->ua;
	struct sdp_session *s;
	struct sdp_media *m;
	int err;

	err = sdp_session_alloc(&s, "ktrua", c->sess_id, c->sess_ver,
				u->cfg.media_addr);
	if (err)
		return err;
	err = sdp_media_add(s, &m, "audio", c->port,
			    u->cfg.mode == UA_SDES ? "RTP/SAVP" : "UDP/TLS/RTP/SAVP",
			    "0");
	if (!err)
		err = media_fill(c, m, true, SDP_DIR_SENDRECV);
	if (err) {
		sdp_session_free(s);
		return err;
	}
	return print_out(s, out);
}

int ua_sdp_offer(struct ua_call *c, char **out)
{
	int err;

	if (c->ua->cfg.mode == UA_SDES) {
		if ((err = key_new(c->ua->cfg.suite, &c->local)))
			return err;
		c->crypto_tag = 1;
	}
	return build_offer(c, out);
}

static int parse_peer(struct ua_call *c, const char *sdp, size_t len,
		      struct sdp_session **sp)
{
	struct sdp_error e;
	int err = sdp_parse(sp, sdp, len, &e);

	if (err)
		ua_call_fail(c, "SDP: line %u column %u: %s", e.line, e.col, e.msg);
	return err;
}

/* Callee: answer an initial offer. */
int ua_sdp_answer(struct ua_call *c, const char *sdp, size_t len, char **out)
{
	struct ua *u = c->ua;
	struct sdp_session *offer, *s = NULL;
	const struct sdp_media *chosen = NULL;
	struct sdp_crypto cr;
	struct sdp_error e;
	struct sdp_origin o;
	int err, idx;

	if (parse_peer(c, sdp, len, &offer))
		return 488;
	for (size_t i = 0; i < sdp_session_media_count(offer) && !chosen; i++) {
		const struct sdp_media *m = sdp_session_media(offer, i);

		if (sdp_media_port(m) && !strcmp(sdp_media_type(m), "audio") &&
		    proto_fits(u, sdp_media_proto_kind(m)))
			chosen = m;
	}
	if (!chosen) {
		ua_call_fail(c, "SDP: no audio m-line with %s",
			     u->cfg.mode == UA_SDES ? "RTP/SAVP" : "UDP/TLS/RTP/SAVP");
		goto refuse;
	}
	if (!has_pcmu(chosen)) {
		ua_call_fail(c, "SDP: no common codec (ktrua sends PCMU, payload type 0)");
		goto refuse;
	}
	if (peer_from_media(c, chosen)) {
		ua_call_fail(c, "SDP: no usable connection address");
		goto refuse;
	}
	if (u->cfg.mode == UA_SDES) {
		/* RFC 4568 7.1.1: the first acceptable a=crypto in offer order. */
		idx = sdp_media_crypto_pick(chosen, ua_suites,
					    sizeof(ua_suites) / sizeof(ua_suites[0]),
					    &cr, &e);
		if (idx < 0) {
			ua_call_fail(c, "SDP: no acceptable a=crypto (%s)", e.msg);
			goto refuse;
		}
		err = keymat_from_crypto(&cr, &c->remote);
		c->crypto_tag = cr.tag;
		if (!err)
			err = key_new(cr.suite, &c->local);
		sdp_crypto_wipe(&cr);
		if (err) {
			ua_call_fail(c, "SDES key: %s", err_str(err));
			goto refuse;
		}
	} else if (dtls_params(c, chosen, false)) {
		goto refuse;
	}

	sdp_session_origin(offer, &o);
	err = sdp_session_alloc(&s, "ktrua", c->sess_id, c->sess_ver,
				u->cfg.media_addr);
	/* RFC 3264 6: one m-line per offered one, the others rejected. */
	for (size_t i = 0; !err && i < sdp_session_media_count(offer); i++) {
		const struct sdp_media *om = sdp_session_media(offer, i);
		struct sdp_media *m;

		err = sdp_media_add(s, &m, sdp_media_type(om),
				    om == chosen ? c->port : 0,
				    sdp_media_proto(om), om == chosen ? "0" :
				    sdp_media_fmts(om));
		if (!err && om == chosen)
			err = media_fill(c, m, false,
					 sdp_dir_answer(sdp_media_dir(om)));
	}
	sdp_session_free(offer);
	if (err) {
		sdp_session_free(s);
		ua_call_fail(c, "building the answer: %s", err_str(err));
		return 500;
	}
	return print_out(s, out) ? 500 : 200;
refuse:
	sdp_session_free(offer);
	return 488;
}

/* Caller: the answer to our offer (RFC 3264 7). */
int ua_sdp_use_answer(struct ua_call *c, const char *sdp, size_t len)
{
	struct ua *u = c->ua;
	struct sdp_session *s;
	const struct sdp_media *m;
	struct sdp_crypto cr;
	int err = -EPROTO;

	if (!sdp) {
		ua_call_fail(c, "the 200 OK carried no SDP answer");
		return -EPROTO;
	}
	if (parse_peer(c, sdp, len, &s))
		return -EBADMSG;
	m = sdp_session_media(s, 0);
	if (!m || sdp_session_media_count(s) != 1) {
		ua_call_fail(c, "answer unusable: %zu m-lines for our one",
			     sdp_session_media_count(s));
	} else if (!sdp_media_port(m)) {
		ua_call_fail(c, "answer unusable: the audio stream was rejected");
	} else if (!proto_fits(u, sdp_media_proto_kind(m))) {
		ua_call_fail(c, "answer unusable: transport %s", sdp_media_proto(m));
	} else if (peer_from_media(c, m)) {
		ua_call_fail(c, "answer unusable: no connection address");
	} else if (u->cfg.mode == UA_DTLS) {
		err = dtls_params(c, m, true);
	} else if (sdp_media_crypto_count(m) != 1 ||
		   sdp_media_crypto_get(m, 0, &cr)) {
		ua_call_fail(c, "answer unusable: it needs exactly one a=crypto (RFC 4568 7.1.1)");
	} else {
		if (cr.tag != c->crypto_tag ||
		    sdp_suite_to_profile(cr.suite) != c->local.profile)
			ua_call_fail(c, "answer unusable: a=crypto tag %u / suite %s is not what we offered",
				     cr.tag, sdp_suite_name(cr.suite));
		else if (keymat_from_crypto(&cr, &c->remote))
			ua_call_fail(c, "answer unusable: a=crypto key");
		else
			err = 0;
		sdp_crypto_wipe(&cr);
	}
	sdp_session_free(s);
	return err;
}

/* --- SDES re-key: RFC 4568 7.1.4, a new offer with a new key ------------ */

int ua_sdp_reoffer(struct ua_call *c)
{
	char *offer = NULL;
	int err;

	if ((err = key_new(sdp_suite_from_profile(c->local.profile),
			   &c->pending_local)))
		return err;
	c->has_pending_local = true;
	c->sess_ver++;
	err = build_offer(c, &offer);
	if (!err) {
		err = sip_call_reinvite(c->sc, offer);
		sec_wipe(offer, strlen(offer));
		free(offer);
	}
	if (err) {
		ksrtp_keymat_wipe(&c->pending_local);
		c->has_pending_local = false;
		ua_call_fail(c, "re-INVITE: %s", err_str(err));
	}
	return err;
}

/* Offerer: both new keys take effect now (ep.h: the answerer switches its
 * own when our new-key packets reach it). */
int ua_sdp_use_reanswer(struct ua_call *c, const char *sdp, size_t len)
{
	struct ksrtp_keymat remote;
	struct sdp_session *s;
	const struct sdp_media *m;
	struct sdp_crypto cr;
	bool new_remote = false;
	int err = -EPROTO;

	if (!c->has_pending_local || parse_peer(c, sdp, len, &s))
		return -EPROTO;
	m = sdp_session_media(s, 0);
	if (m && sdp_media_crypto_count(m) == 1 && !sdp_media_crypto_get(m, 0, &cr)) {
		if (!keymat_from_crypto(&cr, &remote) &&
		    remote.profile == c->local.profile) {
			new_remote = !ksrtp_keymat_equal(&remote, &c->remote);
			err = 0;
		}
		sdp_crypto_wipe(&cr);
	}
	sdp_session_free(s);
	if (err) {
		ua_call_fail(c, "re-INVITE answer unusable");
		return err;
	}
	err = ep_sdes_rekey(c->ep, &c->pending_local, new_remote ? &remote : NULL);
	if (!err) {
		c->local = c->pending_local;
		if (new_remote)
			c->remote = remote;
	}
	ksrtp_keymat_wipe(&remote);
	ksrtp_keymat_wipe(&c->pending_local);
	c->has_pending_local = false;
	return err;
}

/* Answerer of a re-offer: a changed key is installed at once (as the next
 * key, so old-key packets in flight still pass); we answer with a new key
 * of our own and switch to it once the offerer's new-key packets arrive. */
int ua_sdp_reanswer(struct ua_call *c, const char *sdp, size_t len, char **out)
{
	struct ua *u = c->ua;
	struct sdp_session *offer, *s = NULL;
	const struct sdp_media *om;
	struct sdp_media *m;
	struct sdp_crypto cr;
	struct ksrtp_keymat remote;
	struct sdp_error e;
	int err;

	if (parse_peer(c, sdp, len, &offer))
		return 488;
	if (u->cfg.mode != UA_SDES) {
		/* DTLS keys change through KTR, not through SDP: a re-offer
		 * (hold, resume, refresh) is answered with the same DTLS
		 * parameters and the mirrored direction (RFC 3264 8.4). */
		om = sdp_session_media(offer, 0);
		err = om && sdp_session_media_count(offer) == 1 ? 0 : -EPROTO;
		if (!err) {
			c->sess_ver++;
			err = sdp_session_alloc(&s, "ktrua", c->sess_id, c->sess_ver,
						u->cfg.media_addr);
		}
		if (!err)
			err = sdp_media_add(s, &m, "audio", c->port, sdp_media_proto(om), "0");
		if (!err)
			err = media_fill(c, m, false, sdp_dir_answer(sdp_media_dir(om)));
		sdp_session_free(offer);
		if (err) {
			sdp_session_free(s);
			ua_call_fail(c, "re-INVITE: offer unusable");
			return 488;
		}
		return print_out(s, out) ? 500 : 200;
	}
	om = sdp_session_media(offer, 0);
	if (!om || sdp_session_media_count(offer) != 1 || !sdp_media_port(om) ||
	    sdp_media_crypto_pick(om, ua_suites,
				  sizeof(ua_suites) / sizeof(ua_suites[0]), &cr,
				  &e) < 0) {
		sdp_session_free(offer);
		ua_call_fail(c, "re-INVITE: offer unusable");
		return 488;
	}
	err = keymat_from_crypto(&cr, &remote);
	c->crypto_tag = cr.tag;
	sdp_crypto_wipe(&cr);
	if (!err && remote.profile != c->local.profile)
		err = -ENOTSUP; /* a suite change needs a new session */
	if (!err && !ksrtp_keymat_equal(&remote, &c->remote)) {
		err = ep_sdes_rekey(c->ep, NULL, &remote);
		if (!err) {
			c->remote = remote;
			err = key_new(sdp_suite_from_profile(c->local.profile),
				      &c->pending_local);
			c->has_pending_local = !err;
			c->pending_rx_switches = ep_stats(c->ep)->rx_switches;
			c->pending_since = clk_now_ms();
		}
	}
	ksrtp_keymat_wipe(&remote);
	if (!err) {
		c->sess_ver++;
		err = sdp_session_alloc(&s, "ktrua", c->sess_id, c->sess_ver,
					u->cfg.media_addr);
	}
	if (!err)
		err = sdp_media_add(s, &m, "audio", c->port, sdp_media_proto(om), "0");
	if (!err)
		err = media_fill(c, m, false, sdp_dir_answer(sdp_media_dir(om)));
	sdp_session_free(offer);
	if (err) {
		sdp_session_free(s);
		ua_call_fail(c, "re-INVITE: %s", err_str(err));
		return 488;
	}
	return print_out(s, out) ? 500 : 200;
}

void ua_sdp_rekey_tick(struct ua_call *c, uint64_t now_ms)
{
	/* Only the answerer of a re-offer waits here; the offerer switches
	 * in ua_sdp_use_reanswer. */
	if (!c->has_pending_local || c->sc == NULL || !c->ep ||
	    c->pending_since == 0)
		return;
	if (c->ua->cfg.rekey_switch_ms) {
		if (now_ms < c->pending_since + c->ua->cfg.rekey_switch_ms)
			return;
	} else if (ep_stats(c->ep)->rx_switches == c->pending_rx_switches &&
		   now_ms < c->pending_since + UA_REKEY_SWITCH_MS) {
		return;
	}
	if (ep_sdes_rekey(c->ep, &c->pending_local, NULL) == 0)
		c->local = c->pending_local;
	ksrtp_keymat_wipe(&c->pending_local);
	c->has_pending_local = false;
	c->pending_since = 0;
}

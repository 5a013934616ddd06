/*
 * ua_sdp: ktrua's offers and answers (RFC 3264) for RFC 4568 SDES and for
 * DTLS-SRTP (RFC 5763) with a=dtls-srtp-ktr (draft 4.6), and the SDES
 * re-key by re-INVITE (RFC 4568 7.1.4). A call has up to UA_STREAMS_MAX
 * m-lines: an audio one (PCMU), a video one (VP8) and lines ktrua does not
 * use, declined with port 0 (RFC 3264 6). Each RTP stream has its own
 * port, its own a=crypto keys (draft 6.2: never one key on two streams or
 * directions) or its own a=fingerprint/a=setup and DTLS association with
 * KTR (RFC 5764 4.1, no BUNDLE). The SDES re-key's own steps (new keys
 * in a re-offer, the re-answer's keys, the answerer's switch) are in
 * ua_rekey.c; the answer to any re-offer is here (ua_sdp_reanswer).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "ua/ua_int.h"

/* The suites ktrua can key: those with a DTLS-SRTP profile (ksrtp). */
static const enum sdp_suite ua_suites[] = {
	SDP_SUITE_AES_CM_128_HMAC_SHA1_80,
	SDP_SUITE_AES_CM_128_HMAC_SHA1_32,
	SDP_SUITE_AEAD_AES_128_GCM,
	SDP_SUITE_AEAD_AES_256_GCM,
};

int ua_sdp_crypto_pick(const struct sdp_media *m, struct sdp_crypto *cr,
		       struct sdp_error *e)
{
	return sdp_media_crypto_pick(m, ua_suites,
				     sizeof(ua_suites) / sizeof(ua_suites[0]), cr, e);
}

int ua_sdp_key_new(enum sdp_suite suite, struct ksrtp_keymat *k)
{
	int profile = sdp_suite_to_profile(suite);

	return profile < 0 ? -ENOTSUP : ksrtp_keymat_random(k, profile);
}

int ua_sdp_keymat_from_crypto(const struct sdp_crypto *cr,
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
static int peer_from_media(struct ua_stream *st, const struct sdp_media *m)
{
	struct sdp_conn conn;
	uint16_t rport;
	int err;

	if (!sdp_media_conn(m, &conn) ||
	    sdp_conn_sockaddr(&conn, sdp_media_port(m), &st->peer, &st->peer_len))
		return -EINVAL;
	/* no_rtcp_mux: we never mux, whatever the peer wrote (RFC 5761 5.1.1) */
	st->peer_mux = sdp_media_rtcp_mux(m) && st->rtcp_fd < 0;
	if (st->rtcp_fd < 0)
		return 0;
	/* sdp_media_rtcp_dest says -ENOENT for a=rtcp-mux: port + 1 then */
	err = sdp_media_rtcp_dest(m, &conn, &rport);
	if (err == -ENOENT && sdp_media_port(m) < UINT16_MAX) {
		rport = (uint16_t)(sdp_media_port(m) + 1);
		err = sdp_media_conn(m, &conn) ? 0 : -EINVAL;
	}
	if (err || sdp_conn_sockaddr(&conn, rport, &st->peer_rtcp, &st->peer_rtcp_len))
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

/* The payload type of the first offered VP8/90000 format (RFC 7741 6.1),
 * or -1. */
static int vp8_pt(const struct sdp_media *m)
{
	struct sdp_attr a;
	unsigned pt;
	int n = 0;

	for (size_t i = 0; i < sdp_media_attr_count(m); i++) {
		if (sdp_media_attr_get(m, i, &a) || strcmp(a.name, "rtpmap") ||
		    !a.value || sscanf(a.value, "%u %n", &pt, &n) != 1 || pt > 127 ||
		    strncasecmp(a.value + n, "VP8/90000", 9))
			continue;
		for (size_t f = 0; f < sdp_media_fmt_count(m); f++)
			if ((unsigned)atoi(sdp_media_fmt(m, f)) == pt)
				return (int)pt;
	}
	return -1;
}

static enum ua_kind kind_of(const char *type)
{
	return !strcmp(type, "audio") ? UA_KIND_AUDIO :
	       !strcmp(type, "video") ? UA_KIND_VIDEO : UA_KIND_OTHER;
}

static bool proto_fits(const struct ua *u, enum sdp_proto p)
{
	if (u->cfg.mode == UA_SDES)
		return p == SDP_PROTO_RTP_SAVP || p == SDP_PROTO_RTP_SAVPF;
	return p == SDP_PROTO_UDP_TLS_RTP_SAVP ||
	       p == SDP_PROTO_UDP_TLS_RTP_SAVPF;
}

/* A new m-line of the call: inactive (no port) until ua_stream_open. */
static struct ua_stream *stream_add(struct ua_call *c, const char *type,
				    const char *proto, const char *fmts)
{
	struct ua_stream *st;

	if (c->n_st >= UA_STREAMS_MAX)
		return NULL;
	st = &c->st[c->n_st];
	memset(st, 0, sizeof(*st));
	st->call = c;
	st->mline = c->n_st++;
	st->fd = st->rtcp_fd = st->fd_id = st->rtcp_fd_id = -1;
	st->kind = kind_of(type);
	snprintf(st->type, sizeof(st->type), "%s", type);
	snprintf(st->proto, sizeof(st->proto), "%s", proto);
	snprintf(st->fmts, sizeof(st->fmts), "%s", fmts);
	return st;
}

/* Remote DTLS parameters (RFC 5763 5) of one m-line: SHA-256 fingerprint,
 * our role from the peer's a=setup, KTR when both sides advertise it. */
static int dtls_params(struct ua_stream *st, const struct sdp_media *m,
		       bool answer)
{
	struct ua_call *c = st->call;
	struct sdp_dtls_info info;
	struct sdp_error e;
	char *p = st->peer_fp, lbl[48];

	ua_stream_label(st, lbl, sizeof(lbl));
	if (sdp_media_dtls_info(m, &info, &e) || !info.dtls) {
		ua_call_fail(c, "%sSDP: no usable DTLS-SRTP parameters", lbl);
		return -EPROTO;
	}
	if (!info.has_fingerprint || strcmp(info.fingerprint.hash, "sha-256") ||
	    info.fingerprint.len != 32) {
		ua_call_fail(c, "%sSDP: no a=fingerprint:sha-256 (RFC 5763 5)", lbl);
		return -EPROTO;
	}
	for (size_t i = 0; i < 32; i++)
		p += sprintf(p, i ? ":%02X" : "%02X", info.fingerprint.bytes[i]);
	switch (info.setup) {
	case SDP_SETUP_ACTIVE:
		st->dtls_role = DTLS_ROLE_SERVER;
		break;
	case SDP_SETUP_PASSIVE:
		st->dtls_role = DTLS_ROLE_CLIENT;
		break;
	case SDP_SETUP_ACTPASS:
	case SDP_SETUP_NONE:
		if (answer) {
			ua_call_fail(c, "%sSDP: the answer must say a=setup:active or passive (RFC 5763 5)",
				     lbl);
			return -EPROTO;
		}
		/* RFC 5763 5: the answerer to actpass SHOULD be active. */
		st->dtls_role = DTLS_ROLE_CLIENT;
		break;
	default:
		ua_call_fail(c, "%sSDP: a=setup:holdconn is not supported", lbl);
		return -EPROTO;
	}
	st->ktr = c->ua->cfg.ktr && info.ktr != SDP_KTR_NONE;
	if (!c->ua->cfg.ktr && info.via_capneg && info.ktr == SDP_KTR_REQUIRED) {
		ua_call_fail(c, "%sSDP: the offer requires DTLS-SRTP Key Transport", lbl);
		return -ENOTSUP;
	}
	return 0;
}

/* An active m-line of ours: its codec, RTP/RTCP muxed when the peer muxes
 * (or always in an offer), direction and keying per mode. */
static int media_fill(struct ua_stream *st, struct sdp_media *m, bool offer,
		      enum sdp_dir dir)
{
	struct ua *u = st->call->ua;
	char v[96];
	int err;

	if (st->kind == UA_KIND_VIDEO)
		snprintf(v, sizeof(v), "%u VP8/90000", st->pt);
	else
		snprintf(v, sizeof(v), "0 PCMU/8000");
	err = sdp_media_attr_add(m, "rtpmap", v);
	if (!err && !u->cfg.no_rtcp_mux && (offer || st->peer_mux))
		err = sdp_media_rtcp_mux_set(m, true);
	if (!err && u->cfg.no_rtcp_mux) { /* RFC 3605, with the address */
		snprintf(v, sizeof(v), "%u IN %s %s", (unsigned)st->port + 1,
			 strchr(u->cfg.media_addr, ':') ? "IP6" : "IP4",
			 u->cfg.media_addr);
		err = sdp_media_attr_add(m, "rtcp", v);
	}
	if (!err)
		err = sdp_media_dir_set(m, dir);
	if (err)
		return err;
	if (u->cfg.mode == UA_SDES)
		return crypto_add(m, st->crypto_tag,
				  st->has_pending_local ? &st->pending_local : &st->local);
	if ((err = fingerprint_add(u, m)))
		return err;
	err = sdp_media_setup_set(m, offer ? SDP_SETUP_ACTPASS :
				  st->dtls_role == DTLS_ROLE_CLIENT ? SDP_SETUP_ACTIVE :
								     SDP_SETUP_PASSIVE);
	if (!err && (offer ? u->cfg.ktr : st->ktr))
		err = sdp_media_ktr_set(m, true);
	return err;
}

static int print_out(struct sdp_session *s, char **out)
{
	int n = sdp_session_print_alloc(s, out);

	sdp_session_free(s);
	return n < 0 ? n : 0;
}

/* One m= line of ours: an active stream with its port and payload type,
 * an inactive one as it was (port 0, or the port of a line we offer only
 * to see it declined). dir: the direction of an answer's line. */
static int mline_add(struct ua_stream *st, struct sdp_session *s, bool offer,
		     const char *proto, enum sdp_dir dir)
{
	struct sdp_media *m;
	char fmt[8];
	int err;

	if (!st->active)
		return sdp_media_add(s, &m, st->type, offer ? st->offered_port : 0,
				     proto, st->fmts);
	snprintf(fmt, sizeof(fmt), "%u", st->pt);
	err = sdp_media_add(s, &m, st->type, st->port, proto, fmt);
	return err ? err : media_fill(st, m, offer, dir);
}

static int build_offer(struct ua_call *c, char **out)
{
	struct ua *u = c->ua;
	struct sdp_session *s;
	int err;

	err = sdp_session_alloc(&s, "ktrua", c->sess_id, c->sess_ver,
				u->cfg.media_addr);
	for (unsigned i = 0; !err && i < c->n_st; i++)
		err = mline_add(&c->st[i], s, true, c->st[i].proto, SDP_DIR_SENDRECV);
	if (!err)
		err = ua_bundle_sdp(c, s, true);
	if (err) {
		sdp_session_free(s);
		return err;
	}
	return print_out(s, out);
}

/* Extra lines we offer only to see them declined: what a WebRTC data
 * channel (RFC 8841) and T.38 fax (ITU-T T.38 Annex D) look like. */
static int extra_add(struct ua_call *c, const char *type)
{
	struct ua_stream *st;

	if (!strcmp(type, "application"))
		st = stream_add(c, type, "UDP/DTLS/SCTP", "webrtc-datachannel");
	else if (!strcmp(type, "image"))
		st = stream_add(c, type, "udptl", "t38");
	else
		return -EINVAL;
	if (!st)
		return -E2BIG;
	st->offered_port = 9; /* a port, never bound: we expect port 0 back */
	return 0;
}

int ua_sdp_offer(struct ua_call *c, char **out)
{
	struct ua *u = c->ua;
	const char *proto = u->cfg.mode == UA_SDES ? "RTP/SAVP" : "UDP/TLS/RTP/SAVP";
	struct ua_stream *st;
	int err = 0;

	st = stream_add(c, "audio", proto, "0");
	if (!st || (err = ua_bundle_open(st, u->cfg.mode == UA_DTLS)))
		return st ? err : -E2BIG;
	st->pt = 0;
	if (u->cfg.video) {
		st = stream_add(c, "video", proto, "96");
		if (!st || (err = ua_bundle_open(st, u->cfg.mode == UA_DTLS)))
			return st ? err : -E2BIG;
		st->pt = UA_VIDEO_PT;
	}
	for (unsigned i = 0; i < u->cfg.n_offer_extra; i++)
		if ((err = extra_add(c, u->cfg.offer_extra[i])))
			return err;
	for (unsigned i = 0; u->cfg.mode == UA_SDES && i < c->n_st; i++) {
		st = &c->st[i];
		if (!st->active)
			continue;
		if ((err = ua_sdp_key_new(u->cfg.suite, &st->local)))
			return err;
		st->crypto_tag = 1;
	}
	return build_offer(c, out);
}

int ua_sdp_parse_peer(struct ua_call *c, const char *sdp, size_t len,
		      struct sdp_session **sp)
{
	struct sdp_error e;
	int err = sdp_parse(sp, sdp, len, &e);

	if (err)
		ua_call_fail(c, "SDP: line %u column %u: %s", e.line, e.col, e.msg);
	return err;
}

/* SDES answerer: the first acceptable a=crypto in offer order (RFC 4568
 * 7.1.1), and a fresh key of our own for this stream. */
static int sdes_answer_keys(struct ua_stream *st, const struct sdp_media *om)
{
	struct sdp_crypto cr;
	struct sdp_error e;
	char lbl[48];
	int idx, err;

	ua_stream_label(st, lbl, sizeof(lbl));
	idx = ua_sdp_crypto_pick(om, &cr, &e);
	if (idx < 0) {
		ua_call_fail(st->call, "%sSDP: no acceptable a=crypto (%s)", lbl, e.msg);
		return -EPROTO;
	}
	err = ua_sdp_keymat_from_crypto(&cr, &st->remote);
	st->crypto_tag = cr.tag;
	if (!err)
		err = ua_sdp_key_new(cr.suite, &st->local);
	sdp_crypto_wipe(&cr);
	if (err)
		ua_call_fail(st->call, "%sSDES key: %s", lbl, err_str(err));
	return err;
}

/* Whether we take an offered m-line: a port, audio with PCMU or video with
 * VP8, our transport. Sets st->pt. */
static bool offer_fits(struct ua_stream *st, const struct sdp_media *om,
		       bool *no_codec)
{
	int pt;

	if (!sdp_media_port(om) || st->kind == UA_KIND_OTHER ||
	    !proto_fits(st->call->ua, sdp_media_proto_kind(om)))
		return false;
	pt = st->kind == UA_KIND_AUDIO ? (has_pcmu(om) ? 0 : -1) : vp8_pt(om);
	if (pt < 0) {
		*no_codec = true;
		return false;
	}
	st->pt = (uint8_t)pt;
	return true;
}

/* One offered m-line i of the callee's: a stream of ours when we can use
 * it (*any), else declined (*no_codec when only the codec was missing).
 * 0, or the SIP status to refuse with (the cause in c->res.error). */
static int answer_line(struct ua_call *c, size_t i, const struct sdp_media *om,
		       bool bundled, bool *no_codec, bool *any)
{
	struct ua *u = c->ua;
	struct ua_stream *st = stream_add(c, sdp_media_type(om), sdp_media_proto(om),
					  sdp_media_fmts(om));
	int err;

	if (!st)
		return 488;
	st->peer_port = sdp_media_port(om);
	if (!offer_fits(st, om, no_codec)) {
		if (sdp_media_port(om))
			klog(KLOG_INFO, "ua: call %u: m-line %zu (%s %s) declined",
			     c->res.call, i, st->type, st->proto);
		return 0;
	}
	/* bundled: on the first bundled stream's socket (ua_bundle.c) */
	if ((err = ua_bundle_open(st, bundled))) {
		ua_call_fail(c, "no media port: %s", err_str(err));
		return 503;
	}
	*any = true;
	if (peer_from_media(st, om)) {
		ua_call_fail(c, "SDP: no usable connection address");
		return 488;
	}
	if (u->cfg.mode == UA_SDES ? sdes_answer_keys(st, om) : dtls_params(st, om, false))
		return 488;
	return 0;
}

static int use_answer_line(struct ua_stream *st, const struct sdp_media *m);

/* ua_move.c: a re-offer's m-lines past the call's, answered as in an
 * initial offer (RFC 3264 8.1: a stream added). 0 or the SIP status. */
int ua_sdp_answer_added(struct ua_call *c, const struct sdp_session *offer)
{
	bool no_codec = false, any = false;
	size_t n = sdp_session_media_count(offer);
	int st = 0;

	if (n > UA_STREAMS_MAX)
		return 488;
	for (size_t i = c->n_st; i < n && !st; i++)
		st = answer_line(c, i, sdp_session_media(offer, i), false, &no_codec,
				 &any); /* an added stream: its own port */
	return st;
}

/* ua_move.c: an m-line of ours added mid-call (kind "video"), its port
 * and, SDES, its key. */
int ua_sdp_stream_new_video(struct ua_call *c)
{
	struct ua *u = c->ua;
	const char *proto = u->cfg.mode == UA_SDES ? "RTP/SAVP" : "UDP/TLS/RTP/SAVP";
	struct ua_stream *st = stream_add(c, "video", proto, "96");
	int err;

	if (!st)
		return -E2BIG;
	if ((err = ua_stream_open(st)))
		return err;
	st->pt = UA_VIDEO_PT;
	if (u->cfg.mode == UA_SDES) {
		if ((err = ua_sdp_key_new(u->cfg.suite, &st->local)))
			return err;
		st->crypto_tag = 1;
	}
	return 0;
}

/* ua_move.c: the answer's line for an m-line we added (use_answer_line). */
int ua_sdp_added_answered(struct ua_stream *st, const struct sdp_media *m)
{
	return use_answer_line(st, m);
}

/* Callee: answer an initial offer. Every audio and video line we can use
 * is accepted with its own port and keys; the others get port 0 (RFC 3264
 * 6). Returns the SIP status. */
int ua_sdp_answer(struct ua_call *c, const char *sdp, size_t len, char **out)
{
	struct ua *u = c->ua;
	struct sdp_session *offer, *s = NULL;
	bool no_codec = false, any = false;
	size_t n;
	int err, status = 488;

	if (ua_sdp_parse_peer(c, sdp, len, &offer))
		return 488;
	n = sdp_session_media_count(offer);
	if (n > UA_STREAMS_MAX) {
		ua_call_fail(c, "SDP: %zu m-lines, ktrua takes at most %u per call",
			     n, UA_STREAMS_MAX);
		goto refuse;
	}
	for (size_t i = 0; i < n; i++) {
		if ((err = answer_line(c, i, sdp_session_media(offer, i),
				       ua_bundle_offered(c, offer, i), &no_codec, &any))) {
			status = err;
			goto refuse;
		}
	}
	if (!any) {
		if (no_codec)
			ua_call_fail(c, "SDP: no common codec (ktrua sends PCMU, payload type 0, and VP8 video)");
		else
			ua_call_fail(c, "SDP: no audio or video m-line with %s",
				     u->cfg.mode == UA_SDES ? "RTP/SAVP" : "UDP/TLS/RTP/SAVP");
		goto refuse;
	}
	err = sdp_session_alloc(&s, "ktrua", c->sess_id, c->sess_ver,
				u->cfg.media_addr);
	/* RFC 3264 6: one m-line per offered one, the others rejected. */
	for (size_t i = 0; !err && i < n; i++) {
		const struct sdp_media *om = sdp_session_media(offer, i);

		err = mline_add(&c->st[i], s, false, sdp_media_proto(om),
				sdp_dir_answer(sdp_media_dir(om)));
	}
	if (!err)
		err = ua_bundle_sdp(c, s, false);
	sdp_session_free(offer);
	if (err) {
		sdp_session_free(s);
		ua_call_fail(c, "building the answer: %s", err_str(err));
		return 500;
	}
	return print_out(s, out) ? 500 : 200;
refuse:
	sdp_session_free(offer);
	return status;
}

/* Caller: one m-line of the answer, for one of our streams. */
static int use_answer_line(struct ua_stream *st, const struct sdp_media *m)
{
	struct ua_call *c = st->call;
	struct sdp_crypto cr;
	char lbl[48];
	int err = -EPROTO;

	ua_stream_label(st, lbl, sizeof(lbl));
	st->peer_port = sdp_media_port(m);
	if (!st->active) {
		st->offered_port = 0; /* later offers: removed (RFC 3264 8.2) */
		return 0;
	}
	if (!sdp_media_port(m)) {
		/* RFC 3264 6: the answerer may decline a stream. */
		klog(KLOG_INFO, "ua: call %u: %sdeclined by the answer", c->res.call, lbl);
		ua_stream_close(st);
		return 0;
	}
	if (strcmp(sdp_media_type(m), st->type)) {
		ua_call_fail(c, "%sanswer unusable: m=%s for our m=%s", lbl,
			     sdp_media_type(m), st->type);
	} else if (!proto_fits(c->ua, sdp_media_proto_kind(m))) {
		ua_call_fail(c, "%sanswer unusable: transport %s", lbl, sdp_media_proto(m));
	} else if (peer_from_media(st, m)) {
		ua_call_fail(c, "%sanswer unusable: no connection address", lbl);
	} else if (c->ua->cfg.mode == UA_DTLS) {
		err = dtls_params(st, m, true);
	} else if (sdp_media_crypto_count(m) != 1 ||
		   sdp_media_crypto_get(m, 0, &cr)) {
		ua_call_fail(c, "%sanswer unusable: it needs exactly one a=crypto (RFC 4568 7.1.1)",
			     lbl);
	} else {
		if (cr.tag != st->crypto_tag ||
		    sdp_suite_to_profile(cr.suite) != st->local.profile)
			ua_call_fail(c, "%sanswer unusable: a=crypto tag %u / suite %s is not what we offered",
				     lbl, cr.tag, sdp_suite_name(cr.suite));
		else if (ua_sdp_keymat_from_crypto(&cr, &st->remote))
			ua_call_fail(c, "%sanswer unusable: a=crypto key", lbl);
		else
			err = 0;
		sdp_crypto_wipe(&cr);
	}
	return err;
}

/* Caller: the answer to our offer (RFC 3264 7): one line per offered one;
 * a stream declined there is closed, the others must be usable. */
int ua_sdp_use_answer(struct ua_call *c, const char *sdp, size_t len)
{
	struct sdp_session *s;
	int err = 0;

	if (!sdp) {
		ua_call_fail(c, "the 200 OK carried no SDP answer");
		return -EPROTO;
	}
	if (ua_sdp_parse_peer(c, sdp, len, &s))
		return -EBADMSG;
	if (sdp_session_media_count(s) != c->n_st) {
		ua_call_fail(c, "answer unusable: %zu m-lines for our %u",
			     sdp_session_media_count(s), c->n_st);
		err = -EPROTO;
	}
	if (!err)
		err = ua_bundle_use_answer(c, s);
	for (unsigned i = 0; !err && i < c->n_st; i++)
		err = use_answer_line(&c->st[i], sdp_session_media(s, i));
	sdp_session_free(s);
	if (!err && !ua_call_first(c)) {
		ua_call_fail(c, "answer unusable: every stream was rejected");
		err = -EPROTO;
	}
	return err;
}

int ua_sdp_build_offer(struct ua_call *c, char **out)
{
	return build_offer(c, out);
}

/* Answerer of a re-offer with the call's m-lines (adding or removing
 * streams mid-call is not supported: 488). SDES: each stream's key
 * (ua_sdp_reanswer_sdes, ua_rekey.c). DTLS: keys change through KTR, not
 * through SDP, so a re-offer (hold, resume, refresh) is answered with the
 * same DTLS parameters and the mirrored direction (RFC 3264 8.4). */
int ua_sdp_reanswer(struct ua_call *c, const char *sdp, size_t len, char **out)
{
	struct ua *u = c->ua;
	struct sdp_session *offer, *s = NULL;
	int err = 0;

	unsigned n_before = c->n_st;

	if (ua_sdp_parse_peer(c, sdp, len, &offer))
		return 488;
	if (sdp_session_media_count(offer) < c->n_st)
		err = -EPROTO; /* RFC 3264 8: m-lines are never removed */
	else if (sdp_session_media_count(offer) > c->n_st &&
		 ua_sdp_answer_added(c, offer)) /* streams added (ua_move.c) */
		err = -EPROTO;
	/* RFC 3264 8.2: a stream the offerer removed (port 0) goes, and its
	 * line stays at port 0 (ua_move.c counts it) */
	for (unsigned i = 0; !err && i < c->n_st; i++)
		if (c->st[i].active && !sdp_media_port(sdp_session_media(offer, i)))
			ua_stream_close(&c->st[i]);
	for (unsigned i = 0; !err && u->cfg.mode == UA_SDES && i < n_before; i++)
		if (c->st[i].active)
			err = ua_sdp_reanswer_sdes(&c->st[i], sdp_session_media(offer, i));
	if (!err) {
		c->sess_ver++;
		err = sdp_session_alloc(&s, "ktrua", c->sess_id, c->sess_ver,
					u->cfg.media_addr);
	}
	for (unsigned i = 0; !err && i < c->n_st; i++) {
		const struct sdp_media *om = sdp_session_media(offer, i);

		err = mline_add(&c->st[i], s, false, sdp_media_proto(om),
				sdp_dir_answer(sdp_media_dir(om)));
		if (!err && c->st[i].active && u->cfg.obey_dir)
			err = ua_stream_tx_dir(&c->st[i], sdp_dir_answer(sdp_media_dir(om)));
	}
	sdp_session_free(offer);
	if (err) {
		sdp_session_free(s);
		ua_call_fail(c, "re-INVITE: offer unusable: %s", err_str(err));
		return 488;
	}
	return print_out(s, out) ? 500 : 200;
}

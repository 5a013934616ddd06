/*
 * ua_move: ktrua's media moves mid-call (issue 14 point 2), so a test can
 * check that an SBC follows them:
 *   - move (cfg.move_after_ms): every active stream goes to a new port of
 *     the range, offered in a re-INVITE or an UPDATE (RFC 3311,
 *     cfg.move_update). The old socket stays open and counts what still
 *     arrives on it after the answer (old_rx: must be 0); move_stray
 *     RTP-like datagrams are then sent from it, which the SBC must drop
 *     (its dropped_src).
 *   - hold (cfg.hold0_after_ms): a re-offer with c=0.0.0.0 (RFC 3264 8.4,
 *     the RFC 2543 form), the direction left as it was, or (cfg.hold_dir)
 *     our own address with a=sendonly or a=inactive (we stop sending when
 *     inactive; an answerer with cfg.obey_dir stops on a line it answers
 *     a=recvonly or a=inactive, RFC 3264 6.1, ua_stream_tx_dir); the media we
 *     receive while held is counted (held_rx: must be 0 once the answer
 *     is in, past a grace for packets in flight).
 *   - resume (cfg.resume_after_ms, after a hold): our address again, on a
 *     new port (a move at the same time).
 *   - rtcp-mux switched off (cfg.mux_off_after_ms: RTCP on port + 1 with
 *     a=rtcp, used once the answer names the peer's RTCP address) or on
 *     (cfg.mux_on_after_ms, a UA started without mux: the RTCP port is then
 *     kept open and counts what still arrives, rtcp_old_rx: must be 0).
 *   - codec change (cfg.codec_change_after_ms): each audio m-line offered
 *     again with telephone-event (RFC 4733) beside PCMU; the answer's
 *     formats are noted (answer_fmts). An answerer with cfg.dtmf takes
 *     telephone-event when a re-offer has it (ua_move_answer_fix).
 *   - stream removal (cfg.remove_video_after_ms): every video m-line
 *     offered again at port 0 (RFC 3264 8.2); closed once the answer has
 *     port 0 there too (removed). A peer's removal is counted (removed_in;
 *     ua_sdp_reanswer closes the stream).
 *   - stream addition (cfg.add_video_after_ms, RFC 3264 8.1): a video
 *     stream of our own (port, SDES key or DTLS association) offered with
 *     the others; started when the answer accepts it (added_port), closed
 *     when it declines it (port 0). A callee sets up a stream a peer's
 *     re-offer adds (ua_sdp_answer_added; added_in once started).
 * A re-offer the peer sends us is noted (reoffers_in, dirs_in), so the
 * other UA of a call can show whether it saw a hold or a move.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clk.h"
#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "sdp/sdp.h"
#include "ua/ua_int.h"

/* Packets in flight when an answer arrives (loopback: far less). */
#define UA_MOVE_GRACE_MS 100

static uint64_t rx_now(const struct ua_call *c)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < c->n_st; i++)
		if (c->st[i].active && c->st[i].ep)
			n += ep_stats(c->st[i].ep)->rtp_recv;
	return n;
}

static void on_old_fd(void *arg, int fd, unsigned events)
{
	struct ua_call *c = arg;
	struct ua_move *mv = &c->mv;
	uint8_t buf[2048];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0) {
		if (mv->t_answer && clk_now_ms() >= mv->t_answer + UA_MOVE_GRACE_MS)
			mv->old_rx++;
		else
			mv->old_rx_early++;
	}
}

static void on_old_rtcp_fd(void *arg, int fd, unsigned events)
{
	struct ua_call *c = arg;
	uint8_t buf[2048];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		if (clk_now_ms() >= c->mv.t_answer + UA_MOVE_GRACE_MS)
			c->mv.rtcp_old_rx++;
}

/* The answer to our rtcp-mux switch, per stream: off: its a=rtcp address
 * for our RTCP socket; on: RTCP back on the main socket, the old RTCP
 * socket counted. 0 or -EPROTO. */
static int mux_answered(struct ua_call *c, const struct sdp_session *a, bool on)
{
	struct ua *u = c->ua;

	for (unsigned i = 0; i < c->n_st; i++) {
		struct ua_stream *s = &c->st[i];
		const struct sdp_media *m = sdp_session_media(a, i);
		struct sockaddr_storage ss;
		struct sdp_conn conn;
		socklen_t len;
		uint16_t port;
		int id;

		if (!s->active || !s->ep)
			continue;
		if (!m || sdp_media_rtcp_mux(m) != on)
			return -EPROTO;
		if (!on) {
			if (sdp_media_rtcp_dest(m, &conn, &port) ||
			    sdp_conn_sockaddr(&conn, port, &ss, &len) ||
			    ua_stream_rtcp_use(s, (struct sockaddr *)&ss, len))
				return -EPROTO;
			continue;
		}
		ep_move_rtcp_mux(s->ep);
		s->peer_mux = true;
		if (s->rtcp_fd_id >= 0)
			sip_loop_fd_del(u->loop, s->rtcp_fd_id);
		id = sip_loop_fd_add(u->loop, s->rtcp_fd, SIP_FD_IN, on_old_rtcp_fd, c);
		s->rtcp_fd_id = id; /* ua_stream_close stops and closes it */
	}
	return 0;
}

/* Every active stream to a new port; the old sockets kept and watched. */
static int streams_move(struct ua_call *c)
{
	struct ua *u = c->ua;

	for (unsigned i = 0; i < c->n_st; i++) {
		struct ua_stream *s = &c->st[i];
		int fd = s->fd, err;

		if (!s->active || !s->ep || s->bundle_follower)
			continue; /* a follower goes with its lead, below */
		if (c->mv.old_open[i]) { /* one old port per stream is enough */
			sip_loop_fd_del(u->loop, c->mv.old_fd_id[i]);
			close(c->mv.old_fd[i]);
			c->mv.old_open[i] = false;
		}
		c->mv.old_port[i] = s->port;
		err = ua_stream_port_move(s);
		if (err)
			return err;
		c->mv.old_fd[i] = fd;
		c->mv.old_fd_id[i] = sip_loop_fd_add(u->loop, fd, SIP_FD_IN, on_old_fd, c);
		c->mv.old_open[i] = true;
		klog(KLOG_INFO, "ua: call %u: stream %u moves from port %u to %u",
		     c->res.call, i, c->mv.old_port[i], s->port);
	}
	return ua_bundle_follow(c);
}

/* An audio m-line with telephone-event added: format pt, its a=rtpmap and,
 * when given, its a=fmtp. */
static int dtmf_add(struct sdp_media *m, unsigned pt, const char *fmtp)
{
	char v[96];
	int err;

	snprintf(v, sizeof(v), "%s %u", sdp_media_fmts(m), pt);
	err = sdp_media_fmts_set(m, v);
	snprintf(v, sizeof(v), "%u telephone-event/8000", pt);
	if (!err)
		err = sdp_media_attr_add(m, "rtpmap", v);
	if (!err && fmtp)
		err = sdp_media_attr_add(m, "fmtp", fmtp);
	return err;
}

/* Our offer again (the streams' current ports and keys); hold: every
 * active m-line at c=0.0.0.0; codec: telephone-event added to the audio
 * ones. Sent by re-INVITE or UPDATE. */
static int reoffer_ex(struct ua_call *c, bool hold, bool codec, bool remove,
		      bool add)
{
	struct sdp_session *s = NULL;
	struct sdp_error e;
	char *offer = NULL, *text = NULL;
	int err;

	c->sess_ver++;
	err = ua_sdp_build_offer(c, &offer);
	if (!err && (hold || codec || remove || add)) {
		err = sdp_parse(&s, offer, strlen(offer), &e);
		for (unsigned i = 0; !err && i < c->n_st; i++) {
			struct sdp_media *m = sdp_session_media(s, i);

			if (!c->st[i].active || !m)
				continue;
			if (remove) {
				if (c->st[i].kind == UA_KIND_VIDEO &&
				    !(err = sdp_media_port_set(m, 0)))
					sdp_media_attr_del(m, "crypto");
			} else if (hold && c->ua->cfg.hold_dir != SDP_DIR_NONE) {
				err = sdp_media_dir_set(m, c->ua->cfg.hold_dir);
				if (!err)
					err = ua_stream_tx_dir(&c->st[i], c->ua->cfg.hold_dir);
			} else if (hold)
				err = sdp_media_conn_set(m, strchr(c->ua->cfg.media_addr, ':') ?
								    "::" : "0.0.0.0");
			else if (codec && c->st[i].kind == UA_KIND_AUDIO)
				err = dtmf_add(m, UA_DTMF_PT, "101 0-16");
		}
		if (!err && sdp_session_print_alloc(s, &text) < 0)
			err = -ENOMEM;
		sdp_session_free(s);
	}
	if (!err) {
		const char *body = text ? text : offer;

		err = c->ua->cfg.move_update ? sip_call_update(c->sc, body) :
					       sip_call_reinvite(c->sc, body);
	}
	if (offer) {
		sec_wipe(offer, strlen(offer));
		free(offer);
	}
	if (text) {
		sec_wipe(text, strlen(text));
		free(text);
	}
	return err;
}

static int reoffer(struct ua_call *c, bool hold)
{
	return reoffer_ex(c, hold, false, false, false);
}

void ua_move_tick(struct ua_call *c, uint64_t now)
{
	struct ua *u = c->ua;
	struct ua_move *mv = &c->mv;
	uint64_t t0 = c->t_established;
	int err = 0;

	if (!c->sc || !c->res.established || mv->pending || c->hangup_sent ||
	    !ua_call_media_established(c))
		return;
	if (mv->held && !mv->held_base_set && mv->t_answer &&
	    now >= mv->t_answer + UA_MOVE_GRACE_MS) {
		mv->held_base = rx_now(c);
		mv->held_base_set = true;
	}
	if (u->cfg.move_after_ms && !mv->moved && now >= t0 + u->cfg.move_after_ms) {
		mv->moved = true;
		err = streams_move(c);
		if (!err)
			err = reoffer(c, false);
		mv->pending = UA_MV_MOVE;
	} else if (u->cfg.hold0_after_ms && !mv->hold_sent &&
		   now >= t0 + u->cfg.hold0_after_ms) {
		mv->hold_sent = true;
		err = reoffer(c, true);
		mv->pending = UA_MV_HOLD;
	} else if (u->cfg.codec_change_after_ms && !mv->codec_sent &&
		   now >= t0 + u->cfg.codec_change_after_ms) {
		mv->codec_sent = true;
		err = reoffer_ex(c, false, true, false, false);
		mv->pending = UA_MV_CODEC;
	} else if (u->cfg.remove_video_after_ms && !mv->remove_sent &&
		   now >= t0 + u->cfg.remove_video_after_ms) {
		mv->remove_sent = true;
		err = reoffer_ex(c, false, false, true, false);
		mv->pending = UA_MV_REMOVE;
	} else if (u->cfg.add_video_after_ms && !mv->add_sent &&
		   now >= t0 + u->cfg.add_video_after_ms) {
		mv->add_sent = true;
		mv->added_port = -1;
		mv->added_mline = c->n_st;
		err = ua_sdp_stream_new_video(c);
		if (!err)
			err = reoffer_ex(c, false, false, false, true);
		mv->pending = UA_MV_ADD;
	} else if ((u->cfg.mux_off_after_ms || u->cfg.mux_on_after_ms) &&
		   !mv->mux_switched &&
		   now >= t0 + (u->cfg.mux_off_after_ms ? u->cfg.mux_off_after_ms :
							 u->cfg.mux_on_after_ms)) {
		mv->mux_switched = true;
		for (unsigned i = 0; !err && u->cfg.mux_off_after_ms && i < c->n_st; i++)
			if (c->st[i].active)
				err = ua_stream_rtcp_split(&c->st[i]);
		/* what media_fill writes from now on (a=rtcp, or a=rtcp-mux) */
		u->cfg.no_rtcp_mux = u->cfg.mux_off_after_ms != 0;
		if (!err)
			err = reoffer(c, false);
		mv->pending = u->cfg.mux_off_after_ms ? UA_MV_MUX_OFF : UA_MV_MUX_ON;
	} else if (u->cfg.resume_after_ms && mv->held && !mv->resumed &&
		   now >= t0 + u->cfg.resume_after_ms) {
		mv->resumed = true;
		mv->held_rx = mv->held_base_set ? rx_now(c) - mv->held_base : 0;
		mv->held_measured = mv->held_base_set;
		mv->held = false;
		for (unsigned i = 0; i < c->n_st; i++)
			if (c->st[i].active && !err)
				err = ua_stream_tx_dir(&c->st[i], SDP_DIR_SENDRECV);
		if (!err)
			err = streams_move(c);
		if (!err)
			err = reoffer(c, false);
		mv->pending = UA_MV_RESUME;
	}
	if (err) {
		mv->pending = UA_MV_NONE;
		ua_call_fail(c, "media move: %s", err_str(err));
	}
}

bool ua_move_reanswered(struct ua_call *c, int status, const char *sdp, size_t len)
{
	struct ua_move *mv = &c->mv;
	enum ua_mv_kind k = mv->pending;
	struct sdp_session *s = NULL;
	struct sdp_error e;

	if (k == UA_MV_NONE)
		return false;
	mv->pending = UA_MV_NONE;
	if (status < 200 || status >= 300 || !sdp) {
		ua_call_fail(c, "media move refused: %d", status);
		return true;
	}
	mv->t_answer = clk_now_ms();
	mv->answers++;
	if (!sdp_parse(&s, sdp, len, &e)) {
		const struct sdp_media *m = sdp_session_media(s, 0);

		if (m)
			snprintf(mv->answer_dir, sizeof(mv->answer_dir), "%s",
				 sdp_dir_name(sdp_media_dir(m)));
		if (m && k == UA_MV_CODEC)
			snprintf(mv->answer_fmts, sizeof(mv->answer_fmts), "%s",
				 sdp_media_fmts(m));
		if (k == UA_MV_ADD) {
			struct ua_stream *st = &c->st[mv->added_mline];
			const struct sdp_media *am = sdp_session_media(s, mv->added_mline);

			mv->added_port = am ? sdp_media_port(am) : -1;
			if (!am)
				ua_call_fail(c, "stream addition: the answer has no m-line for it");
			else if (!ua_sdp_added_answered(st, am) && st->active &&
				 ua_stream_media_start(st) == 0)
				klog(KLOG_INFO, "ua: call %u: added stream %u started",
				     c->res.call, mv->added_mline);
		}
		for (unsigned i = 0; k == UA_MV_REMOVE && i < c->n_st; i++) {
			const struct sdp_media *am = sdp_session_media(s, i);

			if (!c->st[i].active || c->st[i].kind != UA_KIND_VIDEO)
				continue;
			if (am && !sdp_media_port(am)) {
				ua_stream_close(&c->st[i]);
				mv->removed++;
			} else {
				ua_call_fail(c, "stream removal: the answer keeps m-line %u", i);
			}
		}
		if (k == UA_MV_MUX_OFF || k == UA_MV_MUX_ON) {
			mv->mux_answer_ok = !mux_answered(c, s, k == UA_MV_MUX_ON);
			if (!mv->mux_answer_ok)
				ua_call_fail(c, "rtcp-mux switch: the answer does not follow it");
		}
		sdp_session_free(s);
	}
	if (k == UA_MV_MUX_OFF || k == UA_MV_MUX_ON || k == UA_MV_CODEC ||
	    k == UA_MV_REMOVE || k == UA_MV_ADD) {
		/* nothing else changed */
	} else if (k == UA_MV_HOLD) {
		mv->held = true;
		mv->held_base_set = false;
	} else {
		mv->rx_at_answer = rx_now(c);
		mv->rx_at_answer_set = true;
		for (unsigned i = 0; i < c->n_st && c->ua->cfg.move_stray; i++) {
			struct ua_stream *st = &c->st[i];
			uint8_t pkt[172] = { 0x80, 0 };

			/* RTP-shaped, from the port we left: the SBC must
			 * drop them as not from the peer (draft section 6). */
			if (!mv->old_open[i] || !st->peer_len)
				continue;
			for (unsigned n = 0; n < c->ua->cfg.move_stray; n++) {
				pkt[3] = (uint8_t)n;
				if (sendto(mv->old_fd[i], pkt, sizeof(pkt), 0,
					   (struct sockaddr *)&st->peer, st->peer_len) > 0)
					mv->stray_sent++;
			}
		}
	}
	klog(KLOG_INFO, "ua: call %u: %s answered (%s)", c->res.call,
	     k == UA_MV_HOLD ? (c->ua->cfg.hold_dir ? "hold (direction)" : "hold (c=0.0.0.0)") :
	     k == UA_MV_RESUME ? "resume" :
	     k == UA_MV_MOVE ? "move" : "rtcp-mux switch",
	     mv->answer_dir);
	return true;
}

void ua_move_reoffered(struct ua_call *c, const char *sdp, size_t len)
{
	struct ua_move *mv = &c->mv;
	struct sdp_session *s = NULL;
	struct sdp_error e;
	size_t n = strlen(mv->dirs_in);

	mv->reoffers_in++;
	if (sdp_parse(&s, sdp, len, &e))
		return;
	for (unsigned i = 0; i < c->n_st; i++)
		mv->removed_in += c->st[i].active && sdp_session_media(s, i) &&
				  !sdp_media_port(sdp_session_media(s, i));
	if (sdp_session_media(s, 0) && n + 12 < sizeof(mv->dirs_in))
		snprintf(mv->dirs_in + n, sizeof(mv->dirs_in) - n, "%s%s", n ? "," : "",
			 sdp_dir_name(sdp_media_dir(sdp_session_media(s, 0))));
	if (sdp_session_media(s, 0))
		snprintf(mv->fmts_in, sizeof(mv->fmts_in), "%s",
			 sdp_media_fmts(sdp_session_media(s, 0)));
	sdp_session_free(s);
}

void ua_move_close(struct ua_call *c)
{
	for (unsigned i = 0; i < UA_STREAMS_MAX; i++) {
		if (!c->mv.old_open[i])
			continue;
		sip_loop_fd_del(c->ua->loop, c->mv.old_fd_id[i]);
		close(c->mv.old_fd[i]);
		c->mv.old_open[i] = false;
	}
}

void ua_move_json(const struct ua_call *c, FILE *f)
{
	const struct ua_move *mv = &c->mv;
	uint64_t after = mv->rx_at_answer_set ? rx_now(c) - mv->rx_at_answer : 0;

	fprintf(f, "{\"answers\":%u,\"answer_dir\":\"%s\",\"old_port\":%u,"
		"\"old_rx\":%llu,\"old_rx_early\":%llu,\"rx_after\":%llu,"
		"\"stray_sent\":%u,\"held_measured\":%s,\"held_rx\":%llu,"
		"\"reoffers_in\":%u,\"dirs_in\":\"%s\",\"mux_answer_ok\":%s,"
		"\"rtcp_old_rx\":%llu,\"fmts_in\":\"%s\",\"answer_fmts\":\"%s\","
		"\"removed\":%u,\"removed_in\":%u,\"added_port\":%d,\"added_in\":%u}",
		mv->answers, mv->answer_dir, mv->old_port[0],
		(unsigned long long)mv->old_rx, (unsigned long long)mv->old_rx_early,
		(unsigned long long)after, mv->stray_sent,
		mv->held_measured ? "true" : "false",
		(unsigned long long)mv->held_rx, mv->reoffers_in, mv->dirs_in,
		mv->mux_answer_ok ? "true" : "false",
		(unsigned long long)mv->rtcp_old_rx, mv->fmts_in, mv->answer_fmts,
		mv->removed, mv->removed_in, mv->add_sent ? mv->added_port : -1,
		mv->added_in);
}

/* The offer's telephone-event format on m, or -1 (and its a=fmtp value). */
static int dtmf_pt(const struct sdp_media *m, const char **fmtp)
{
	int pt = -1;

	*fmtp = NULL;
	for (size_t i = 0; i < sdp_media_attr_count(m); i++) {
		struct sdp_attr a;
		unsigned p;
		char enc[32];

		if (sdp_media_attr_get(m, i, &a) || !a.value)
			continue;
		if (!strcmp(a.name, "rtpmap") && sscanf(a.value, "%u %31[^/]", &p, enc) == 2 &&
		    !strcasecmp(enc, "telephone-event") && p < 128)
			pt = (int)p;
	}
	for (size_t i = 0; pt >= 0 && i < sdp_media_attr_count(m); i++) {
		struct sdp_attr a;
		unsigned p;

		if (!sdp_media_attr_get(m, i, &a) && a.value && !strcmp(a.name, "fmtp") &&
		    sscanf(a.value, "%u", &p) == 1 && (int)p == pt)
			*fmtp = a.value;
	}
	return pt;
}

char *ua_move_answer_fix(struct ua_call *c, const char *offer, size_t len,
			 char *answer)
{
	struct sdp_session *o = NULL, *a = NULL;
	struct sdp_error e;
	char *out = NULL;
	int err;

	if (!c->ua->cfg.dtmf || !answer)
		return answer;
	err = sdp_parse(&o, offer, len, &e);
	if (!err)
		err = sdp_parse(&a, answer, strlen(answer), &e);
	for (unsigned i = 0; !err && i < c->n_st; i++) {
		struct sdp_media *am = sdp_session_media(a, i);
		const struct sdp_media *om = sdp_session_media(o, i);
		const char *fmtp;
		int pt;

		if (!c->st[i].active || c->st[i].kind != UA_KIND_AUDIO || !am || !om)
			continue;
		if ((pt = dtmf_pt(om, &fmtp)) >= 0) /* RFC 3264 6.1: its number */
			err = dtmf_add(am, (unsigned)pt, fmtp);
	}
	if (!err && sdp_session_print_alloc(a, &out) < 0)
		err = -ENOMEM;
	sdp_session_free(o);
	sdp_session_free(a);
	sec_wipe(answer, strlen(answer));
	free(answer);
	return err ? NULL : out;
}

void ua_move_media_new(struct ua_call *c)
{
	for (unsigned i = 0; i < c->n_st; i++) {
		struct ua_stream *st = &c->st[i];

		if (st->active && !st->ep && ua_stream_media_start(st) == 0)
			c->mv.added_in++;
	}
}

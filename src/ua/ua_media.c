/*
 * ua_media: the media of one stream (one m-line) of a ktrua call: its UDP
 * port(s), its ep (SDES keys or its own DTLS association with KTR, RFC
 * 5764 4.1: no BUNDLE, so one association per m-line), its pacing and
 * capture, and its JSON report. Every stream sends with its own SSRC and
 * its own keys: no (master key, SSRC) pair on two streams or in two
 * directions (draft 6.2, two-time pad).
 */
#include "ua/ua_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clk.h"
#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"

/* --- media sockets -------------------------------------------------------- */

static int addr_make(const char *host, uint16_t port,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai;
	char ps[8];

	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(host, ps, &hints, &ai))
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int media_bind(struct ua *u, uint16_t p)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rcv = 1 << 20;

	if (addr_make(u->cfg.media_addr, p, &ss, &len))
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (u->cfg.handoff) {
		int on = 1;

		/* a measuring sink takes the port over (ua.h, handoff) */
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == 0)
		return fd;
	close(fd);
	return -errno;
}

/* Bind the next free port of the range (a rolling cursor, so ports are not
 * reused at once after a call ends); with no_rtcp_mux an even port and
 * the odd one above for RTCP (*rtcp_fd; -1 otherwise). */
static int media_open(struct ua *u, uint16_t *port, int *rtcp_fd)
{
	unsigned span = (unsigned)u->cfg.port_max - u->cfg.port_min + 1;

	*rtcp_fd = -1;
	for (unsigned i = 0; i < span; i++) {
		uint16_t p = (uint16_t)(u->cfg.port_min + (u->port_cursor++ % span));
		int fd;

		if (u->cfg.no_rtcp_mux && ((p & 1u) || p >= u->cfg.port_max))
			continue;
		fd = media_bind(u, p);
		if (fd >= 0 && u->cfg.no_rtcp_mux) {
			*rtcp_fd = media_bind(u, (uint16_t)(p + 1));
			if (*rtcp_fd < 0) {
				close(fd);
				fd = *rtcp_fd;
				*rtcp_fd = -1;
			}
		}
		if (fd >= 0) {
			*port = p;
			return fd;
		}
		if (fd != -EADDRINUSE)
			return fd;
	}
	return -EADDRINUSE;
}

int ua_stream_open(struct ua_stream *s)
{
	int fd = media_open(s->call->ua, &s->port, &s->rtcp_fd);

	if (fd < 0)
		return fd;
	s->fd = fd;
	s->fd_id = s->rtcp_fd_id = -1;
	s->active = true;
	return 0;
}

void ua_stream_close(struct ua_stream *s)
{
	struct ua *u = s->call->ua;

	if (s->fd_id >= 0)
		sip_loop_fd_del(u->loop, s->fd_id);
	if (s->rtcp_fd_id >= 0)
		sip_loop_fd_del(u->loop, s->rtcp_fd_id);
	ep_free(s->ep);
	s->ep = NULL;
	if (s->active && s->fd >= 0 && !s->bundle_follower) /* a follower's is the lead's */
		close(s->fd);
	if (s->active && s->rtcp_fd >= 0)
		close(s->rtcp_fd);
	s->fd = s->rtcp_fd = s->fd_id = s->rtcp_fd_id = -1;
	s->port = 0;
	s->active = false;
	s->bundled = s->bundle_follower = false;
	ksrtp_keymat_wipe(&s->local);
	ksrtp_keymat_wipe(&s->remote);
	ksrtp_keymat_wipe(&s->pending_local);
	s->has_pending_local = false;
}

/* ua_cfg.handoff: the SSRC of the peer's first authenticated RTP packet. */
static void on_media_pkt(void *arg, const uint8_t *pkt, size_t len, bool rtcp)
{
	struct ua_stream *s = arg;

	if (rtcp || len < 12 || s->rx_ssrc_seen)
		return;
	s->rx_ssrc = (uint32_t)pkt[8] << 24 | (uint32_t)pkt[9] << 16 |
		     (uint32_t)pkt[10] << 8 | pkt[11];
	s->rx_ssrc_seen = true;
}

/* ua_cfg.handoff: the stream's line (ua.h), once its media authenticated. */
static void handoff_write(struct ua_stream *s)
{
	struct ua *u = s->call->ua;
	struct ksrtp_keymat k;
	char pa[64];
	uint16_t pp;
	int err;

	s->handed_off = true;
	if ((err = ep_rx_key(s->ep, &k))) {
		klog(KLOG_WARN, "ua: call %u: hand-off: no receive key: %s",
		     s->call->res.call, err_str(err));
		return;
	}
	if (s->peer.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&s->peer;

		inet_ntop(AF_INET6, &a->sin6_addr, pa, sizeof(pa));
		pp = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const void *)&s->peer;

		inet_ntop(AF_INET, &a->sin_addr, pa, sizeof(pa));
		pp = ntohs(a->sin_port);
	}
	fprintf(u->cfg.handoff, "%u %s %u %s %u %d ", s->rx_ssrc, u->cfg.media_addr,
		s->port, pa, pp, k.profile);
	for (unsigned i = 0; i < k.key_len; i++)
		fprintf(u->cfg.handoff, "%02x", k.key[i]);
	for (unsigned i = 0; i < k.salt_len; i++)
		fprintf(u->cfg.handoff, "%02x", k.salt[i]);
	fputc('\n', u->cfg.handoff);
	fflush(u->cfg.handoff);
	ksrtp_keymat_wipe(&k);
}

static void on_media_fd(void *arg, int fd, unsigned events)
{
	struct ua_stream *s = arg;

	if (!s->ep)
		return;
	ep_read(s->ep, clk_now_ms());
	if (s->call->ua->cfg.handoff && !s->handed_off && s->rx_ssrc_seen)
		handoff_write(s);
}

/* ua_move.c: the stream's media on another port of the range (its fd,
 * read by on_media_fd from now on; the old socket stays the caller's). */
int ua_stream_port_move(struct ua_stream *s)
{
	struct ua *u = s->call->ua;
	uint16_t port;
	int rtcp_fd, fd = media_open(u, &port, &rtcp_fd);
	int id;

	if (fd < 0)
		return fd;
	if (rtcp_fd >= 0)
		close(rtcp_fd); /* moves are for muxed streams (ktrua.c) */
	id = sip_loop_fd_add(u->loop, fd, SIP_FD_IN, on_media_fd, s);
	if (id < 0 || ep_move_fd(s->ep, fd)) {
		if (id >= 0)
			sip_loop_fd_del(u->loop, id);
		close(fd);
		return id < 0 ? id : -EINVAL;
	}
	if (s->fd_id >= 0)
		sip_loop_fd_del(u->loop, s->fd_id);
	s->fd = fd;
	s->fd_id = id;
	s->port = port;
	return 0;
}

static void on_rtcp_fd(void *arg, int fd, unsigned events)
{
	struct ua_stream *s = arg;

	if (s->ep)
		ep_read_rtcp(s->ep, clk_now_ms());
}

/* Index of the stream's first RTP packet: ROC 0 and the configured or a
 * random sequence number (RFC 3550 5.1). */
static int first_index(const struct ua *u, uint32_t *idx)
{
	uint16_t seq;
	int err;

	if (u->cfg.first_seq >= 0) {
		*idx = (uint32_t)u->cfg.first_seq & 0xFFFFu;
		return 0;
	}
	if ((err = sec_random(&seq, sizeof(seq))))
		return err;
	*idx = seq;
	return 0;
}

const char *ua_stream_label(const struct ua_stream *s, char *buf, size_t cap)
{
	if (s->call->n_st <= 1)
		snprintf(buf, cap, "%s", "");
	else
		snprintf(buf, cap, "stream %u (%s): ", s->mline, s->type);
	return buf;
}

/* cfg.capture for m-line 0; ".mN" before the extension for m-line N. */
static void capture_path(const struct ua_stream *s, char *out, size_t cap)
{
	char base[448];
	const char *dot, *slash;

	snprintf(base, sizeof(base), s->call->ua->cfg.capture, s->call->res.call);
	if (s->mline == 0) {
		snprintf(out, cap, "%s", base);
		return;
	}
	dot = strrchr(base, '.');
	slash = strrchr(base, '/');
	if (!dot || (slash && dot < slash))
		snprintf(out, cap, "%s.m%u", base, s->mline);
	else
		snprintf(out, cap, "%.*s.m%u%s", (int)(dot - base), base, s->mline,
			 dot);
}

/* RTP packets per second of the stream: audio cfg.pps, video frames of
 * video_pkts packets at video_fps. */
static unsigned stream_pps(const struct ua_stream *s)
{
	const struct ua *u = s->call->ua;

	return s->kind == UA_KIND_VIDEO ? u->cfg.video_fps * u->cfg.video_pkts :
					  u->cfg.pps;
}

/* SRTCP muxed or on our RTCP port: a sender report every rtcp_every. */
static unsigned stream_rtcp_every(const struct ua_stream *s)
{
	return s->peer_mux || s->rtcp_fd_id >= 0 ? s->call->ua->cfg.rtcp_every : 0;
}

int ua_stream_tx_dir(struct ua_stream *s, enum sdp_dir ours)
{
	bool off = ours == SDP_DIR_RECVONLY || ours == SDP_DIR_INACTIVE;
	bool was = s->tx_off;

	s->tx_off = off;
	if (off || !was || !s->ep || s->call->ua->cfg.no_media_tx)
		return 0;
	/* the packet index goes on (ep.h): only the schedule restarts */
	return ep_set_media(s->ep, stream_pps(s), stream_rtcp_every(s), 0);
}

/* The stream's ep (ua_sdp.c filled its keys or DTLS parameters), its
 * pacing and shape, its sockets in the loop; a DTLS client starts its
 * handshake. */
int ua_stream_media_start(struct ua_stream *s)
{
	struct ua_call *c = s->call;
	struct ua *u = c->ua;
	struct ep_media_shape shape = { .pt = s->pt, .payload_len = EP_MEDIA_PAYLOAD,
					.pkts_per_frame = 1, .ts_per_frame = 160 };
	char lbl[48];
	unsigned pps = u->cfg.pps;
	uint32_t idx = 0;
	int err;

	ua_stream_label(s, lbl, sizeof(lbl));
	if ((err = first_index(u, &idx))) {
		ua_call_fail(c, "%smedia: first sequence number: %s", lbl, err_str(err));
		return err;
	}
	if (u->cfg.mode == UA_SDES) {
		struct ep_sdes_cfg sc;

		memset(&sc, 0, sizeof(sc));
		sc.profile = s->local.profile;
		sc.local = s->local;
		sc.remote = s->remote;
		sc.first_index = idx;
		err = ep_alloc_sdes(&s->ep, s->fd, (struct sockaddr *)&s->peer,
				    s->peer_len, &sc);
		sec_wipe(&sc, sizeof(sc));
	} else {
		struct ep_cfg ec;

		memset(&ec, 0, sizeof(ec));
		ec.role = s->dtls_role;
		ec.peer_fingerprint = s->peer_fp;
		ec.ktr = s->ktr;
		ec.ktr_cfg = u->cfg.ktr_cfg;
		ec.first_index = idx;
		if (u->cfg.handoff) {
			ec.keep_rx_key = true;
			ec.on_media = on_media_pkt;
			ec.media_arg = s;
		}
		if (s->bundle_follower) {
			/* the lead's socket and association (ua_bundle.c); the
			 * peer's RTP of our payload type is this stream's */
			struct ua_stream *lead = ua_bundle_lead(s);

			ec.bundle_pt = s->pt;
			err = lead && lead->ep ? ep_alloc_bundled(&s->ep, lead->ep, &ec) :
						 -ENOTCONN;
		} else {
			err = ep_alloc(&s->ep, u->cfg.dtls, s->fd,
				       (struct sockaddr *)&s->peer, s->peer_len, &ec);
		}
	}
	if (err) {
		ua_call_fail(c, "%smedia: %s", lbl, err_str(err));
		return err;
	}
	/* SRTCP muxed, or on our RTCP port to the peer's; neither when the
	 * peer refused the mux we offered (we have no RTCP port then). */
	if (!s->peer_mux && s->rtcp_fd >= 0) {
		err = ep_set_rtcp(s->ep, s->rtcp_fd, (struct sockaddr *)&s->peer_rtcp,
				  s->peer_rtcp_len);
		if (!err) {
			s->rtcp_fd_id = sip_loop_fd_add(u->loop, s->rtcp_fd, SIP_FD_IN,
							on_rtcp_fd, s);
			err = s->rtcp_fd_id < 0 ? s->rtcp_fd_id : 0;
		}
		if (err) {
			ua_call_fail(c, "%smedia: RTCP port: %s", lbl, err_str(err));
			return err;
		}
	}
	if (s->kind == UA_KIND_VIDEO) {
		/* Frames of video_pkts packets at video_fps, 90 kHz clock
		 * (RFC 7741 4.1). */
		shape.payload_len = (uint16_t)u->cfg.video_size;
		shape.pkts_per_frame = (uint16_t)u->cfg.video_pkts;
		shape.ts_per_frame = 90000 / u->cfg.video_fps;
	}
	pps = stream_pps(s);
	if ((err = ep_set_media_shape(s->ep, &shape)) ||
	    (!u->cfg.no_media_tx &&
	     (err = ep_set_media(s->ep, pps, stream_rtcp_every(s), 0)))) {
		ua_call_fail(c, "%smedia: pacing: %s", lbl, err_str(err));
		return err;
	}
	if (u->cfg.capture) {
		capture_path(s, s->capture, sizeof(s->capture));
		if ((err = ep_set_capture(s->ep, s->capture)))
			klog(KLOG_WARN, "ua: capture %s: %s", s->capture, err_str(err));
	}
	if (s->bundle_follower)
		return 0; /* the lead reads the socket and runs the handshake */
	s->fd_id = sip_loop_fd_add(u->loop, s->fd, SIP_FD_IN, on_media_fd, s);
	if (s->fd_id < 0) {
		ua_call_fail(c, "%smedia: %s", lbl, err_str(s->fd_id));
		return s->fd_id;
	}
	if (u->cfg.mode == UA_DTLS && s->dtls_role == DTLS_ROLE_CLIENT)
		ep_start(s->ep, clk_now_ms());
	return 0;
}

/* Start media once both SDPs are known: every active stream. */
/* ua_move.c: the stream stops muxing (RFC 5761 5.1.3): its RTCP socket on
 * port + 1, bound now (for the re-offer's a=rtcp), used once the answer
 * names the peer's RTCP address (ua_stream_rtcp_use). */
int ua_stream_rtcp_split(struct ua_stream *s)
{
	int fd;

	if (s->rtcp_fd >= 0 || s->port >= UINT16_MAX)
		return -EALREADY;
	fd = media_bind(s->call->ua, (uint16_t)(s->port + 1));
	if (fd < 0)
		return fd;
	s->rtcp_fd = fd;
	return 0;
}

int ua_stream_rtcp_use(struct ua_stream *s, const struct sockaddr *peer,
		       socklen_t len)
{
	struct ua *u = s->call->ua;
	int id, err;

	if (s->rtcp_fd < 0 || len > sizeof(s->peer_rtcp))
		return -EINVAL;
	if ((err = ep_set_rtcp(s->ep, s->rtcp_fd, peer, len)))
		return err;
	id = sip_loop_fd_add(u->loop, s->rtcp_fd, SIP_FD_IN, on_rtcp_fd, s);
	if (id < 0)
		return id;
	s->rtcp_fd_id = id;
	memcpy(&s->peer_rtcp, peer, len);
	s->peer_rtcp_len = len;
	s->peer_mux = false;
	return 0;
}

int ua_call_media_start(struct ua_call *c)
{
	int err;

	for (unsigned i = 0; i < c->n_st; i++)
		if (c->st[i].active && (err = ua_stream_media_start(&c->st[i])))
			return err;
	return 0;
}

struct ua_stream *ua_call_first(struct ua_call *c)
{
	for (unsigned i = 0; i < c->n_st; i++)
		if (c->st[i].active)
			return &c->st[i];
	return NULL;
}

bool ua_call_media_established(const struct ua_call *c)
{
	bool any = false;

	for (unsigned i = 0; i < c->n_st; i++) {
		const struct ua_stream *s = &c->st[i];

		if (!s->active)
			continue;
		if (!s->ep || !ep_established(s->ep))
			return false;
		any = true;
	}
	return any;
}

static void json_str(FILE *f, const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
	}
}

void ua_call_streams_json(const struct ua_call *c, FILE *f)
{
	char media[2048];

	fputc('[', f);
	for (unsigned i = 0; i < c->n_st; i++) {
		const struct ua_stream *s = &c->st[i];

		fprintf(f, "%s{\"mline\":%u,\"type\":\"", i ? "," : "", s->mline);
		json_str(f, s->type);
		fprintf(f, "\",\"port\":%u,\"peer_port\":%u,\"pt\":%d,\"capture\":\"",
			s->port, s->peer_port, s->active ? s->pt : -1);
		json_str(f, s->capture);
		if (!s->ep || ep_stats_json(s->ep, media, sizeof(media)) < 0)
			snprintf(media, sizeof(media), "null");
		fprintf(f, "\",\"media\":%s}", media);
	}
	fputc(']', f);
}

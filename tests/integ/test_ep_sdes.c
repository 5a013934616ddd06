/*
 * Integration: two RFC 4568 (SDES) endpoints (src/ep, ep_alloc_sdes) on
 * real UDP sockets on 127.0.0.1 with real libsrtp2: media both ways with
 * every profile, re-keying both directions mid-stream (RFC 4568 7.1.4),
 * symmetric-RTP latching and the source check, DTLS-class datagrams
 * dropped, the pacer (G.711 audio and a video-like stream of frames of
 * several packets), the pcap capture read back, the JSON statistics.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/clk.h"
#include "base/sec.h"
#include "ep/ep.h"
#include "srtp/ksrtp.h"
#include "tests/lib/call_fix.h"
#include "tests/lib/media_log.h"
#include "tests/lib/lo_udp.h"

#define PAYLOAD_LEN EP_MEDIA_PAYLOAD
#define EP_PKT_MAX_TEST 1600



/* Two endpoints on unconnected loopback sockets (a connected socket would
 * let the kernel filter the spoofed source this file tests). */
struct sdes_call {
	int fd[3]; /* fd[2]: a third party */
	struct sockaddr_in addr[3];
	struct ep *ep[2];
	struct ksrtp_keymat key[2]; /* key[i]: what ep[i] sends with */
	struct media_log log[2];
	uint64_t t; /* injected pacing clock */
};


/* latch1: ep[1] is not told ep[0]'s address and learns it. */
static void call_setup(struct sdes_call *c, int profile, bool latch1)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < 3; i++)
		c->fd[i] = lo_udp_open(&c->addr[i]);
	call_fix_random_key(&c->key[0], profile);
	call_fix_random_key(&c->key[1], profile);
	for (int i = 0; i < 2; i++) {
		struct ep_sdes_cfg sc = {
			.profile = profile,
			.local = c->key[i],
			.remote = c->key[1 - i],
			.ssrc = 0x1000u + (uint32_t)i,
			.first_index = 100,
			.on_media = media_log_on_media,
			.media_arg = &c->log[i],
		};
		bool no_peer = i == 1 && latch1;

		assert_int_equal(ep_alloc_sdes(&c->ep[i], c->fd[i],
					       no_peer ? NULL :
					       (struct sockaddr *)&c->addr[1 - i],
					       no_peer ? 0 : sizeof(c->addr[0]),
					       &sc), 0);
	}
}

static void call_teardown(struct sdes_call *c)
{
	for (int i = 0; i < 2; i++)
		ep_free(c->ep[i]);
	for (int i = 0; i < 3; i++)
		close(c->fd[i]);
}

/* Read whatever both sockets hold until ms pass with nothing new. */
static void call_pump(struct sdes_call *c, int ms)
{
	for (;;) {
		struct pollfd pfd[2] = { { .fd = c->fd[0], .events = POLLIN },
					 { .fd = c->fd[1], .events = POLLIN } };

		if (poll(pfd, 2, ms) <= 0)
			return;
		for (int i = 0; i < 2; i++)
			if (pfd[i].revents & POLLIN)
				assert_int_equal(ep_read(c->ep[i], clk_now_ms()), 0);
	}
}

/* Each side sends n RTP packets through the pacer (1000 pps on the
 * injected clock: one per tick), an SRTCP report every 10; no reading. */
static void call_send(struct sdes_call *c, int side, unsigned n)
{
	for (int i = 0; i < 2; i++) {
		if (side >= 0 && i != side)
			continue;
		assert_int_equal(ep_set_media(c->ep[i], 1000, 10, n), 0);
		for (unsigned k = 0; k < n; k++) {
			int r = ep_media_tick(c->ep[i], c->t + k);

			assert_true(r == 1 || (k == n - 1 && r == -ENODATA));
		}
		assert_int_equal(ep_media_tick(c->ep[i], c->t + n), -ENODATA);
	}
	c->t += n;
}

static void assert_clean(struct sdes_call *c, uint64_t rtp, uint64_t rtcp)
{
	for (int i = 0; i < 2; i++) {
		const struct ep_stats *s = ep_stats(c->ep[i]);

		assert_int_equal(s->rtp_sent, rtp);
		assert_int_equal(c->log[1 - i].rtp, rtp);
		assert_int_equal(ep_stats(c->ep[1 - i])->rtp_recv, rtp);
		assert_int_equal(ep_stats(c->ep[1 - i])->rtp_in, rtp);
		assert_int_equal(c->log[1 - i].rtcp, rtcp);
		assert_int_equal(c->log[i].bad_payload, 0);
		assert_int_equal(s->auth_fail, 0);
		assert_int_equal(s->replay, 0);
		assert_int_equal(s->no_key, 0);
		assert_int_equal(s->send_errors, 0);
	}
}

static void test_media_both_ways(void **state)
{
	static const int profiles[] = { KSRTP_AES128_CM_SHA1_80,
					KSRTP_AES128_CM_SHA1_32,
					KSRTP_AEAD_AES_128_GCM,
					KSRTP_AEAD_AES_256_GCM };
	struct sdes_call c;

	for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
		call_setup(&c, profiles[p], false);
		assert_true(ep_established(c.ep[0]));
		assert_null(ep_dtls(c.ep[0]));
		assert_false(ep_ktr(c.ep[0]));
		assert_int_equal(ep_profile(c.ep[0]), profiles[p]);
		assert_int_equal(ep_start(c.ep[0], clk_now_ms()), 0);
		assert_int_equal(ep_timeout_ms(c.ep[0], clk_now_ms()), -1);
		call_send(&c, -1, 200);
		call_pump(&c, 100);
		assert_clean(&c, 200, 20);
		assert_int_equal(ep_next_index(c.ep[0]), 300);
		call_teardown(&c);
	}
}

/* RFC 4568 7.1.4 re-INVITE: the answerer learns the offerer's new key from
 * the offer, the offerer both new keys from the answer, the answerer
 * switches its own key after the ACK; packets stay in flight across every
 * step. Zero loss, one switch each way on each side. */
static void test_rekey_mid_stream(void **state)
{
	struct sdes_call c;
	struct ksrtp_keymat a2, b2;
	uint64_t idx;

	call_setup(&c, KSRTP_AES128_CM_SHA1_80, false);
	call_fix_random_key(&a2, KSRTP_AES128_CM_SHA1_80);
	call_fix_random_key(&b2, KSRTP_AES128_CM_SHA1_80);
	call_send(&c, -1, 50);
	call_pump(&c, 50);
	/* Offer arrives at B (ep[1]); A keeps sending with its old key. */
	assert_int_equal(ep_sdes_rekey(c.ep[1], NULL, &a2), 0);
	call_send(&c, -1, 20);
	/* Answer arrives at A, with B's packets still unread. */
	idx = ep_next_index(c.ep[0]);
	assert_int_equal(ep_sdes_rekey(c.ep[0], &a2, &b2), 0);
	call_send(&c, -1, 20);
	/* ACK arrives at B: it switches its sending key. */
	assert_int_equal(ep_sdes_rekey(c.ep[1], &b2, NULL), 0);
	call_send(&c, -1, 60);
	call_pump(&c, 100);
	assert_clean(&c, 150, 15);
	for (int i = 0; i < 2; i++) {
		const struct ep_stats *s = ep_stats(c.ep[i]);

		assert_int_equal(s->tx_switches, 1);
		assert_int_equal(s->rx_switches, 1);
		assert_int_equal(s->keys_installed, 1);
	}
	assert_true(ep_next_index(c.ep[0]) > idx);
	/* The same a=crypto again (a session refresh) changes nothing. */
	assert_int_equal(ep_sdes_rekey(c.ep[0], &a2, &b2), 0);
	assert_int_equal(ep_stats(c.ep[0])->keys_installed, 1);
	call_send(&c, -1, 10);
	call_pump(&c, 50);
	assert_clean(&c, 160, 16);
	assert_int_equal(ep_stats(c.ep[0])->tx_switches, 1);
	/* A key of another profile is refused. */
	call_fix_random_key(&a2, KSRTP_AEAD_AES_128_GCM);
	assert_int_equal(ep_sdes_rekey(c.ep[0], &a2, NULL), -EINVAL);
	assert_int_equal(ep_sdes_rekey(c.ep[0], NULL, &a2), -EINVAL);
	ksrtp_keymat_wipe(&a2);
	ksrtp_keymat_wipe(&b2);
	call_teardown(&c);
}

/* An SRTP packet protected with `k` as SSRC ssrc, index seq. */
static size_t forge(const struct ksrtp_keymat *k, uint32_t ssrc, uint16_t seq,
		    uint8_t *pkt, size_t cap)
{
	struct ksrtp_tx *tx;
	struct buf_wr w;
	uint8_t payload[PAYLOAD_LEN];
	size_t len;

	memset(payload, (uint8_t)seq, sizeof(payload));
	buf_wr_init(&w, pkt, cap);
	assert_int_equal(buf_put_u8(&w, 0x80), 0);
	assert_int_equal(buf_put_u8(&w, 0), 0);
	assert_int_equal(buf_put_u16(&w, seq), 0);
	assert_int_equal(buf_put_u32(&w, (uint32_t)seq * 160), 0);
	assert_int_equal(buf_put_u32(&w, ssrc), 0);
	assert_int_equal(buf_put_bytes(&w, payload, sizeof(payload)), 0);
	len = w.len;
	assert_int_equal(ksrtp_tx_alloc(&tx, ssrc, k), 0);
	assert_int_equal(ksrtp_tx_protect(tx, pkt, &len, cap), 0);
	ksrtp_tx_free(tx);
	return len;
}

static void send_from(struct sdes_call *c, int from, int to, const void *p,
		      size_t len)
{
	assert_int_equal(sendto(c->fd[from], p, len, 0,
				(struct sockaddr *)&c->addr[to],
				sizeof(c->addr[0])), (ssize_t)len);
}

/* Symmetric RTP latching: ep[1] learns ep[0]'s address from the first
 * packet that authenticates; a forgery before that does not move it, and
 * after it even an authentic packet from another address is dropped. */
static void test_latching_and_spoofed_source(void **state)
{
	struct sdes_call c;
	struct ksrtp_keymat wrong;
	uint8_t pkt[512];
	uint8_t payload[PAYLOAD_LEN] = { 0 };
	size_t len;

	call_setup(&c, KSRTP_AES128_CM_SHA1_80, true);
	assert_int_equal(ep_send_rtp(c.ep[1], payload, sizeof(payload)),
			 -ENOTCONN);
	assert_int_equal(ep_send_rtcp(c.ep[1]), -ENOTCONN);
	assert_int_equal(ep_set_media(c.ep[1], 50, 0, 0), 0);
	assert_int_equal(ep_media_tick(c.ep[1], 0), -EAGAIN);
	assert_int_equal(ep_next_index(c.ep[1]), 100); /* nothing consumed */

	/* A third party with a wrong key: fails, and latches nothing. */
	call_fix_random_key(&wrong, KSRTP_AES128_CM_SHA1_80);
	len = forge(&wrong, 0x1000, 7, pkt, sizeof(pkt));
	send_from(&c, 2, 1, pkt, len);
	call_pump(&c, 50);
	assert_int_equal(ep_stats(c.ep[1])->auth_fail, 1);
	assert_int_equal(ep_send_rtp(c.ep[1], payload, sizeof(payload)),
			 -ENOTCONN);

	/* The genuine peer: latched. */
	call_send(&c, 0, 10);
	call_pump(&c, 50);
	assert_int_equal(c.log[1].rtp, 10);
	call_send(&c, 1, 10);
	call_pump(&c, 50);
	assert_int_equal(c.log[0].rtp, 10);

	/* An authentic packet (the right key, a fresh index) from the third
	 * socket: dropped by the source check before any cryptography. */
	len = forge(&c.key[0], 0x1000, 500, pkt, sizeof(pkt));
	send_from(&c, 2, 1, pkt, len);
	call_pump(&c, 50);
	assert_int_equal(ep_stats(c.ep[1])->dropped_source, 1);
	assert_int_equal(ep_stats(c.ep[1])->rtp_recv, 10);
	assert_int_equal(ep_stats(c.ep[1])->rtp_in, 11); /* incl. the forgery */
	/* The same bytes from the latched address do authenticate. */
	send_from(&c, 0, 1, pkt, len);
	call_pump(&c, 50);
	assert_int_equal(ep_stats(c.ep[1])->rtp_recv, 11);
	ksrtp_keymat_wipe(&wrong);
	call_teardown(&c);
}

/* RFC 7983 classes other than RTP: DTLS is counted apart in SDES mode. */

/* RTCP on its own port (RFC 3550 11, ep_set_rtcp): SRTCP both ways between
 * the two RTCP sockets, RTP still on the RTP sockets; on an RTCP socket a
 * stranger's datagram is dropped (dropped_source) and so is RTP
 * (dropped_other). */
static void test_rtcp_own_port(void **state)
{
	struct sdes_call c;
	struct sockaddr_in ra[2];
	int rfd[2];
	uint8_t junk[40] = { 0x80, 200, 0, 9 }, rtp[40] = { 0x80, 0 };

	call_setup(&c, KSRTP_AES128_CM_SHA1_80, false);
	for (int i = 0; i < 2; i++)
		rfd[i] = lo_udp_open(&ra[i]);
	assert_int_equal(ep_set_rtcp(c.ep[0], -1, (struct sockaddr *)&ra[1],
				     sizeof(ra[1])),
			 -EINVAL);
	assert_int_equal(ep_read_rtcp(c.ep[0], clk_now_ms()), -EINVAL);
	for (int i = 0; i < 2; i++)
		assert_int_equal(ep_set_rtcp(c.ep[i], rfd[i], (struct sockaddr *)&ra[1 - i],
					     sizeof(ra[0])),
				 0);
	call_send(&c, -1, 100); /* 10 SRTCP reports each */
	call_pump(&c, 100);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ep_stats(c.ep[i])->rtcp_in, 0); /* not muxed */
		assert_int_equal(ep_read_rtcp(c.ep[i], clk_now_ms()), 0);
	}
	assert_clean(&c, 100, 10);
	/* a stranger, and RTP on the RTCP port */
	assert_int_equal(sendto(c.fd[2], junk, sizeof(junk), 0, (struct sockaddr *)&ra[0],
				sizeof(ra[0])),
			 (ssize_t)sizeof(junk));
	assert_int_equal(sendto(rfd[1], rtp, sizeof(rtp), 0, (struct sockaddr *)&ra[0],
				sizeof(ra[0])),
			 (ssize_t)sizeof(rtp));
	usleep(50000);
	assert_int_equal(ep_read_rtcp(c.ep[0], clk_now_ms()), 0);
	assert_int_equal(ep_stats(c.ep[0])->dropped_source, 1);
	assert_int_equal(ep_stats(c.ep[0])->dropped_other, 1);
	assert_int_equal(ep_stats(c.ep[0])->rtcp_recv, 10);
	call_teardown(&c);
	close(rfd[0]);
	close(rfd[1]);
}

static void test_dtls_class_dropped(void **state)
{
	static const uint8_t client_hello[] = { 22, 0xfe, 0xfd, 0, 0, 0, 0,
						0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t stun[] = { 0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42 };
	struct sdes_call c;

	call_setup(&c, KSRTP_AES128_CM_SHA1_80, false);
	send_from(&c, 0, 1, client_hello, sizeof(client_hello));
	send_from(&c, 0, 1, client_hello, sizeof(client_hello));
	send_from(&c, 0, 1, stun, sizeof(stun));
	call_pump(&c, 50);
	assert_int_equal(ep_stats(c.ep[1])->dropped_dtls, 2);
	assert_int_equal(ep_stats(c.ep[1])->dropped_other, 1);
	assert_int_equal(ep_stats(c.ep[1])->rtp_in, 0);
	assert_int_equal(ep_failed(c.ep[1]), 0);
	call_send(&c, -1, 5);
	call_pump(&c, 50);
	assert_clean(&c, 5, 0);
	call_teardown(&c);
}

/* Pacing on an injected clock: 50 pps = one packet per 20 ms. */
static void test_pacing(void **state)
{
	struct sdes_call c;

	call_setup(&c, KSRTP_AES128_CM_SHA1_80, false);
	assert_int_equal(ep_media_tick(c.ep[0], 0), -EINVAL);
	assert_int_equal(ep_set_media(c.ep[0], 0, 0, 0), -EINVAL);
	assert_int_equal(ep_set_media(c.ep[0], EP_MEDIA_PPS_MAX + 1, 0, 0),
			 -EINVAL);
	assert_int_equal(ep_set_media(c.ep[0], 50, 5, 0), 0);
	assert_int_equal(ep_media_tick(c.ep[0], 1000), 20);
	assert_int_equal(ep_stats(c.ep[0])->rtp_sent, 1);
	assert_int_equal(ep_media_tick(c.ep[0], 1019), 1);
	assert_int_equal(ep_stats(c.ep[0])->rtp_sent, 1);
	assert_int_equal(ep_media_tick(c.ep[0], 1020), 20);
	/* 200 ms late: the 10 packets due go out at once. */
	assert_int_equal(ep_media_tick(c.ep[0], 1230), 10);
	assert_int_equal(ep_stats(c.ep[0])->rtp_sent, 12);
	assert_int_equal(ep_stats(c.ep[0])->rtcp_sent, 2);
	/* A burst larger than one batch: the rest on the next call. */
	assert_int_equal(ep_media_tick(c.ep[0], 1240 + 20 * EP_MEDIA_BATCH), 0);
	assert_int_equal(ep_stats(c.ep[0])->rtp_sent, 12 + EP_MEDIA_BATCH);
	call_pump(&c, 100);
	assert_int_equal(c.log[1].rtp, 12 + EP_MEDIA_BATCH);
	assert_int_equal(c.log[1].bad_payload, 0);
	/* A total: exactly that many, then -ENODATA. */
	assert_int_equal(ep_set_media(c.ep[1], 1000, 0, 3), 0);
	assert_int_equal(ep_media_tick(c.ep[1], 5000), 1);
	assert_int_equal(ep_media_tick(c.ep[1], 5010), -ENODATA);
	assert_int_equal(ep_stats(c.ep[1])->rtp_sent, 3);
	call_teardown(&c);
}

/* --- a video-like stream (ep_set_media_shape) ------------------------- */

struct frame_log {
	unsigned n, bad;
	uint8_t pt[64], marker[64];
	uint16_t seq[64];
	uint32_t ts[64], ssrc;
	size_t payload_len;
};

/* on_media: each received RTP packet's header, and whether every payload
 * byte is its index's low 8 bits (the sequence number's, here). */
static void frame_log_on_media(void *arg, const uint8_t *pkt, size_t len,
			       bool rtcp)
{
	struct frame_log *fl = arg;

	if (rtcp || len < 12 || fl->n >= 64)
		return;
	fl->marker[fl->n] = pkt[1] >> 7;
	fl->pt[fl->n] = pkt[1] & 0x7f;
	fl->seq[fl->n] = (uint16_t)(pkt[2] << 8 | pkt[3]);
	fl->ts[fl->n] = (uint32_t)pkt[4] << 24 | (uint32_t)pkt[5] << 16 |
			(uint32_t)pkt[6] << 8 | pkt[7];
	fl->payload_len = len - 12;
	for (size_t i = 12; i < len; i++)
		if (pkt[i] != (uint8_t)fl->seq[fl->n])
			fl->bad++;
	fl->n++;
}

/* 30 frames/s of 5 packets of 1200 bytes, PT 96, 90 kHz: the pacer sends
 * each frame's packets together, they share a timestamp, the last has the
 * marker bit (RFC 3551 4.1), and the receiver authenticates them all. */
static void test_video_shape(void **state)
{
	const struct ep_media_shape video = { .pt = 96, .payload_len = 1200,
					      .pkts_per_frame = 5,
					      .ts_per_frame = 3000 };
	struct ep_media_shape bad = video;
	struct frame_log fl;
	struct sdes_call c;

	call_setup(&c, KSRTP_AES128_CM_SHA1_80, false);
	memset(&fl, 0, sizeof(fl));
	/* The receiver's log is ours for this test (call_setup's is unused). */
	ep_free(c.ep[1]);
	{
		struct ep_sdes_cfg sc = { .profile = KSRTP_AES128_CM_SHA1_80,
					  .local = c.key[1], .remote = c.key[0],
					  .ssrc = 0x1001u, .first_index = 100,
					  .on_media = frame_log_on_media,
					  .media_arg = &fl };

		assert_int_equal(ep_alloc_sdes(&c.ep[1], c.fd[1],
					       (struct sockaddr *)&c.addr[0],
					       sizeof(c.addr[0]), &sc), 0);
	}
	assert_int_equal(ep_set_media_shape(NULL, &video), -EINVAL);
	bad.pt = 128;
	assert_int_equal(ep_set_media_shape(c.ep[0], &bad), -EINVAL);
	bad = video;
	bad.payload_len = EP_MEDIA_PAYLOAD_MAX + 1;
	assert_int_equal(ep_set_media_shape(c.ep[0], &bad), -EINVAL);
	bad.payload_len = 0;
	assert_int_equal(ep_set_media_shape(c.ep[0], &bad), -EINVAL);
	bad = video;
	bad.pkts_per_frame = 0;
	assert_int_equal(ep_set_media_shape(c.ep[0], &bad), -EINVAL);
	assert_int_equal(ep_set_media_shape(c.ep[0], &video), 0);
	/* 150 packets/s of 5 per frame: a frame every 33 ms, 10 frames. */
	assert_int_equal(ep_set_media(c.ep[0], 150, 0, 50), 0);
	assert_int_equal(ep_media_tick(c.ep[0], 1000), 33);
	assert_int_equal(ep_stats(c.ep[0])->rtp_sent, 5);
	assert_int_equal(ep_media_tick(c.ep[0], 1032), 1);
	assert_int_equal(ep_stats(c.ep[0])->rtp_sent, 5);
	assert_int_equal(ep_media_tick(c.ep[0], 1033), 33);
	assert_int_equal(ep_stats(c.ep[0])->rtp_sent, 10);
	assert_int_equal(ep_media_tick(c.ep[0], 2000), -ENODATA);
	assert_int_equal(ep_stats(c.ep[0])->rtp_sent, 50);
	call_pump(&c, 100);
	assert_int_equal(fl.n, 50);
	assert_int_equal(fl.bad, 0);
	assert_int_equal(fl.payload_len, 1200);
	assert_int_equal(ep_stats(c.ep[1])->auth_fail, 0);
	for (unsigned i = 0; i < fl.n; i++) {
		assert_int_equal(fl.pt[i], 96);
		assert_int_equal(fl.seq[i], 100 + i);
		assert_int_equal(fl.marker[i], i % 5 == 4);
		assert_int_equal(fl.ts[i], (100 + i / 5) * 3000u);
	}
	call_teardown(&c);
}

/* --- capture ----------------------------------------------------------- */

struct cap_rec {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	size_t len;
	uint8_t data[EP_PKT_MAX_TEST];
};

static size_t read_capture(const char *path, struct cap_rec *recs, size_t max)
{
	static uint8_t file[1 << 20];
	FILE *f = fopen(path, "rb");
	struct buf_rd r;
	uint32_t v32, incl, orig;
	uint16_t v16;
	size_t n = 0, flen;

	assert_non_null(f);
	flen = fread(file, 1, sizeof(file), f);
	fclose(f);
	buf_rd_init(&r, file, flen);
	/* Global header, big-endian: magic, 2.4, zone, sigfigs, snaplen, link. */
	assert_int_equal(buf_get_u32(&r, &v32), 0);
	assert_int_equal(v32, 0xa1b2c3d4u);
	assert_int_equal(buf_get_u16(&r, &v16), 0);
	assert_int_equal(v16, 2);
	assert_int_equal(buf_get_u16(&r, &v16), 0);
	assert_int_equal(v16, 4);
	assert_int_equal(buf_skip(&r, 8), 0);
	assert_int_equal(buf_get_u32(&r, &v32), 0);
	assert_int_equal(v32, 65535);
	assert_int_equal(buf_get_u32(&r, &v32), 0);
	assert_int_equal(v32, 101);
	while (buf_rd_left(&r)) {
		struct cap_rec *c = &recs[n];
		uint8_t vihl;
		uint16_t tot, ulen;

		assert_true(n < max);
		assert_int_equal(buf_get_u32(&r, &v32), 0); /* seconds */
		assert_true(v32 > 1600000000u); /* CLOCK_REALTIME */
		assert_int_equal(buf_get_u32(&r, &v32), 0);
		assert_true(v32 < 1000000);
		assert_int_equal(buf_get_u32(&r, &incl), 0);
		assert_int_equal(buf_get_u32(&r, &orig), 0);
		assert_int_equal(incl, orig);
		assert_int_equal(buf_get_u8(&r, &vihl), 0);
		assert_int_equal(vihl, 0x45);
		assert_int_equal(buf_skip(&r, 1), 0);
		assert_int_equal(buf_get_u16(&r, &tot), 0);
		assert_int_equal(tot, incl);
		assert_int_equal(buf_skip(&r, 8), 0);
		assert_int_equal(buf_get_u32(&r, &c->saddr), 0);
		assert_int_equal(buf_get_u32(&r, &c->daddr), 0);
		assert_int_equal(buf_get_u16(&r, &c->sport), 0);
		assert_int_equal(buf_get_u16(&r, &c->dport), 0);
		assert_int_equal(buf_get_u16(&r, &ulen), 0);
		assert_int_equal(ulen, tot - 20);
		assert_int_equal(buf_skip(&r, 2), 0);
		c->len = ulen - 8u;
		assert_true(c->len <= sizeof(c->data));
		assert_int_equal(buf_get_bytes(&r, c->data, c->len), 0);
		n++;
	}
	return n;
}

static void test_capture(void **state)
{
	static struct cap_rec rec[2][200];
	char path[2][64];
	struct sdes_call c;
	size_t n[2], sent_a = 0, recv_b = 0;
	uint16_t port[2];

	call_setup(&c, KSRTP_AES128_CM_SHA1_80, false);
	for (int i = 0; i < 2; i++) {
		snprintf(path[i], sizeof(path[i]), "/tmp/test_ep_sdes.%d.%d.pcap",
			 (int)getpid(), i);
		assert_int_equal(ep_set_capture(c.ep[i], path[i]), 0);
		port[i] = ntohs(c.addr[i].sin_port);
	}
	assert_true(ep_set_capture(c.ep[0], "/nonexistent/dir/x.pcap") < 0);
	assert_int_equal(ep_set_capture(c.ep[0], path[0]), 0);
	call_send(&c, -1, 40);
	call_pump(&c, 100);
	assert_clean(&c, 40, 4);
	assert_int_equal(ep_stats(c.ep[0])->captured, 88);
	assert_int_equal(ep_stats(c.ep[0])->capture_errors, 0);
	ep_free(c.ep[0]); /* flushes */
	ep_free(c.ep[1]);
	c.ep[0] = c.ep[1] = NULL;
	for (int i = 0; i < 2; i++) {
		n[i] = read_capture(path[i], rec[i], 200);
		unlink(path[i]);
		assert_int_equal(n[i], 88); /* 40 + 4 each way */
	}
	/* Every record of A's file from A is a datagram B's file holds as
	 * received from A, byte for byte and in the same order. */
	for (size_t i = 0; i < n[0]; i++) {
		struct cap_rec *a = &rec[0][i];

		assert_int_equal(a->saddr, INADDR_LOOPBACK);
		assert_int_equal(a->daddr, INADDR_LOOPBACK);
		if (a->sport != port[0])
			continue;
		assert_int_equal(a->dport, port[1]);
		while (recv_b < n[1] && rec[1][recv_b].sport != port[0])
			recv_b++;
		assert_true(recv_b < n[1]);
		assert_int_equal(rec[1][recv_b].dport, port[1]);
		assert_int_equal(rec[1][recv_b].len, a->len);
		assert_memory_equal(rec[1][recv_b].data, a->data, a->len);
		recv_b++;
		sent_a++;
	}
	assert_int_equal(sent_a, 44);
	call_teardown(&c);
}

static void test_args_and_json(void **state)
{
	struct sdes_call c;
	struct ep *ep = NULL;
	struct ep_sdes_cfg sc;
	char json[2048], small[16];
	int n;

	call_setup(&c, KSRTP_AES128_CM_SHA1_80, false);
	memset(&sc, 0, sizeof(sc));
	sc.profile = KSRTP_AES128_CM_SHA1_80;
	sc.local = c.key[0];
	sc.remote = c.key[1];
	assert_int_equal(ep_alloc_sdes(NULL, c.fd[2], NULL, 0, &sc), -EINVAL);
	assert_int_equal(ep_alloc_sdes(&ep, -1, NULL, 0, &sc), -EINVAL);
	sc.profile = 99;
	assert_int_equal(ep_alloc_sdes(&ep, c.fd[2], NULL, 0, &sc), -EINVAL);
	sc.profile = KSRTP_AEAD_AES_128_GCM;
	assert_int_equal(ep_alloc_sdes(&ep, c.fd[2], NULL, 0, &sc), -EINVAL);
	sc.profile = KSRTP_AES128_CM_SHA1_80;
	sc.remote.key_len = 5;
	assert_int_equal(ep_alloc_sdes(&ep, c.fd[2], NULL, 0, &sc), -ERANGE);
	assert_null(ep);
	ep_free(NULL);

	call_send(&c, -1, 3);
	call_pump(&c, 50);
	n = ep_stats_json(c.ep[1], json, sizeof(json));
	assert_true(n > 0 && (size_t)n == strlen(json));
	assert_true(json[0] == '{' && json[n - 1] == '}');
	assert_non_null(strstr(json, "\"mode\":\"sdes\""));
	assert_non_null(strstr(json, "\"profile\":\"SRTP_AES128_CM_SHA1_80\""));
	assert_non_null(strstr(json, "\"suite\":\"AES_CM_128_HMAC_SHA1_80\""));
	assert_non_null(strstr(json, "\"rtp_sent\":3,"));
	assert_non_null(strstr(json, "\"rtp_recv\":3,"));
	assert_non_null(strstr(json, "\"authenticated\":3,"));
	assert_non_null(strstr(json, "\"received\":3,"));
	assert_non_null(strstr(json, "\"key_switches\":0,"));
	assert_non_null(strstr(json, "\"auth_fail\":0,"));
	assert_null(strchr(json, '\n'));
	assert_int_equal(ep_stats_json(c.ep[1], small, sizeof(small)), -ENOSPC);
	assert_string_equal(small, "");
	assert_int_equal(ep_stats_json(c.ep[1], json, 0), -EINVAL);
	call_teardown(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_media_both_ways),
		cmocka_unit_test(test_rekey_mid_stream),
		cmocka_unit_test(test_latching_and_spoofed_source),
		cmocka_unit_test(test_dtls_class_dropped),
		cmocka_unit_test(test_rtcp_own_port),
		cmocka_unit_test(test_pacing),
		cmocka_unit_test(test_video_shape),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_args_and_json),
	};

	return cmocka_run_group_tests_name("ep_sdes", tests, NULL, NULL);
}

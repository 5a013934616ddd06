/*
 * Integration: the relay between two real endpoints (src/ep) on 127.0.0.1,
 * real OpenSSL DTLS handshakes on the relay's DTLS leg, real libsrtp2. The
 * test plays the B2BUA: it takes keys from the relay's events and configures
 * the SDES endpoint as the SDP answer would.
 *   - Figure 7 (call from the SDES side, DTLS UA with KTR): new_srtp_key(A)
 *     from the relay, B from the handshake to the SDES UA; media both ways
 *     authenticate at both ends and the relay ran no per-packet crypto.
 *     The one new_srtp_key names the SDES UA's SSRC and the index of its
 *     first packet (random first sequence number; a stream that wrapped
 *     while held), sent when that packet arrives; the stream waits in the
 *     relay until acknowledged (or given up on) and nothing is lost.
 *   - Figure 6 fallback (DTLS UA without KTR): SDES->DTLS transcrypted
 *     (A -> the SBC's exported key), DTLS->SDES forwarded untouched.
 *   - Call from the DTLS side: fresh B offered to the SDES UA, relay as DTLS
 *     client, new_srtp_key(A) + your_new_srtp_key(B); transcrypting only
 *     until the DTLS UA's switch to B, then forwarding untouched.
 *   - A later SDES key (re-INVITE) that the SDES UA starts using long
 *     after the relay announced it: nothing fails at the DTLS UA.
 *   - A wrong fingerprint: RELAY_EV_DTLS_FAILED.
 *   - The DTLS UA's ClientHello arriving before its SDP answer (RFC 8122
 *     6.2): the handshake completes without the client retransmitting,
 *     also when spoofed datagrams from other sources arrive around it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/clk.h"
#include "base/sec.h"
#include "dtls/dtls.h"
#include "ep/ep.h"
#include "relay/relay.h"
#include "srtp/ksrtp.h"
#include "tests/lib/call_fix.h"
#include "tests/lib/media_log.h"

#define N_PKT 200
#define EV_MAX 32
/* More spoofing sources than the relay keeps early datagrams for (4). */
#define N_SPOOFERS 6

struct world {
	struct relay *r;
	struct dtls_ctx *sbc_ctx, *ua_ctx;
	struct relay_call *call;
	uint16_t ports[2];
	int fd_s, fd_d; /* the SDES UA's and the DTLS UA's sockets */
	struct sockaddr_in addr_s, addr_d;
	struct ep *sdes, *dtls;
	struct media_log log_s, log_d;
	struct relay_event ev[EV_MAX];
	size_t nev;
	bool no_ua_timers; /* pump: never run the endpoints' timers */
	struct ktr_sess_cfg ua_ktr; /* the DTLS UA's KTR settings (policy) */
	bool dtls_deaf; /* pump: the DTLS UA reads nothing */
};

/* The relay's KTR settings for the next world_open (zeros: defaults). */
static struct ktr_sess_cfg world_ktr;

static int open_udp(struct sockaddr_in *a)
{
	socklen_t alen = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rcvbuf = 1 << 20;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)a, sizeof(*a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)a, &alen), 0);
	return fd;
}

static struct sockaddr_in leg_addr(const struct world *w, unsigned leg)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(w->ports[leg]);
	return a;
}

/* dtls_peer: the DTLS leg's peer known from the start (else set later,
 * as when the DTLS UA's answer arrives). */
static void world_open_ex(struct world *w, int profile, bool dtls_peer)
{
	struct dtls_ctx_cfg dc = {
		.profiles = &profile,
		.n_profiles = 1,
		.ktr_ext_type = KTR_EXT_TYPE_DEFAULT,
	};
	struct relay_cfg rc = {
		.port_min = 46000,
		.port_max = 47999,
		.workers = 2,
	};

	memset(w, 0, sizeof(*w));
	rc.ktr = world_ktr;
	assert_int_equal(dtls_ctx_alloc(&w->sbc_ctx, &dc), 0);
	assert_int_equal(dtls_ctx_alloc(&w->ua_ctx, &dc), 0);
	rc.dtls = w->sbc_ctx;
	assert_int_equal(relay_alloc(&w->r, &rc), 0);
	assert_int_equal(relay_call_alloc(w->r, &w->call, w, w->ports), 0);
	w->fd_s = open_udp(&w->addr_s);
	w->fd_d = open_udp(&w->addr_d);
	assert_int_equal(relay_leg_set_peer(w->call, RELAY_LEG_SDES,
					    (struct sockaddr *)&w->addr_s,
					    sizeof(w->addr_s), false),
			 0);
	if (dtls_peer)
		assert_int_equal(relay_leg_set_peer(w->call, RELAY_LEG_DTLS,
						    (struct sockaddr *)&w->addr_d,
						    sizeof(w->addr_d), false),
				 0);
}

static void world_open(struct world *w, int profile)
{
	world_open_ex(w, profile, true);
}

static void world_close(struct world *w)
{
	ep_free(w->sdes);
	ep_free(w->dtls);
	relay_call_free(w->call);
	relay_free(w->r);
	dtls_ctx_free(w->sbc_ctx);
	dtls_ctx_free(w->ua_ctx);
	close(w->fd_s);
	close(w->fd_d);
	for (size_t i = 0; i < w->nev; i++)
		relay_event_wipe(&w->ev[i]);
}

/* The DTLS UA: client (it answered a=setup:active) or server. */
static void dtls_ua(struct world *w, enum dtls_role role, bool ktr)
{
	struct sockaddr_in leg = leg_addr(w, RELAY_LEG_DTLS);
	struct ep_cfg ec = {
		.role = role,
		.peer_fingerprint = dtls_ctx_fingerprint(w->sbc_ctx),
		.ktr = ktr,
		.ktr_cfg = w->ua_ktr,
		.on_media = media_log_on_media,
		.media_arg = &w->log_d,
	};
	bool client = role == DTLS_ROLE_CLIENT;

	assert_int_equal(ep_alloc(&w->dtls, w->ua_ctx, w->fd_d,
				  client ? (struct sockaddr *)&leg : NULL,
				  client ? sizeof(leg) : 0, &ec),
			 0);
	assert_int_equal(ep_start(w->dtls, clk_now_ms()), 0);
}

/* The SDES UA: local key A, remote key B (from the SBC's SDP); its first
 * RTP sequence number random (RFC 3550 5.1), as ktrua's. */
static void sdes_ua_at(struct world *w, const struct ksrtp_keymat *a,
		       const struct ksrtp_keymat *b, int first_seq);

static void sdes_ua(struct world *w, const struct ksrtp_keymat *a,
		    const struct ksrtp_keymat *b)
{
	sdes_ua_at(w, a, b, -1);
}

/* first_seq: of the UA's first RTP packet, -1 random. */
static void sdes_ua_at(struct world *w, const struct ksrtp_keymat *a,
		       const struct ksrtp_keymat *b, int first_seq)
{
	struct sockaddr_in leg = leg_addr(w, RELAY_LEG_SDES);
	struct ep_sdes_cfg sc = {
		.profile = a->profile,
		.local = *a,
		.remote = *b,
		.on_media = media_log_on_media,
		.media_arg = &w->log_s,
	};
	uint16_t seq;

	assert_int_equal(sec_random(&seq, sizeof(seq)), 0);
	sc.first_index = first_seq < 0 ? seq : (uint32_t)first_seq;

	assert_int_equal(ep_alloc_sdes(&w->sdes, w->fd_s, (struct sockaddr *)&leg,
				       sizeof(leg), &sc),
			 0);
	sec_wipe(&sc, sizeof(sc));
}

/* call_fix_pump; every event must name this call. */
static void pump(struct world *w, int ms)
{
	struct ep *eps[2] = { w->sdes, w->dtls_deaf ? NULL : w->dtls };
	int fds[2] = { w->fd_s, w->fd_d };
	size_t n0 = w->nev;

	call_fix_pump(w->r, eps, fds, !w->no_ua_timers, w->ev, &w->nev, EV_MAX,
		      ms);
	for (size_t i = n0; i < w->nev; i++) {
		assert_ptr_equal(w->ev[i].arg, w);
		assert_int_equal(w->ev[i].call_id, relay_call_id(w->call));
	}
}

static const struct relay_event *find_ev(const struct world *w,
					 enum relay_event_type t)
{
	for (size_t i = 0; i < w->nev; i++)
		if (w->ev[i].type == t)
			return &w->ev[i];
	return NULL;
}

static const struct relay_event *wait_ev(struct world *w,
					 enum relay_event_type t, int ms)
{
	uint64_t end = clk_now_ms() + (uint64_t)ms;
	const struct relay_event *e;

	while (!(e = find_ev(w, t)) && clk_now_ms() < end)
		pump(w, 10);
	return e;
}

static void pump_cb(void *w, int ms)
{
	pump(w, ms);
}

/* N_PKT RTP packets from each UA (dtls_first: the DTLS UA only), an SRTCP
 * report after every 10th. */
static void media(struct world *w, bool sdes, bool dtls)
{
	call_fix_media(sdes ? w->sdes : NULL, dtls ? w->dtls : NULL, N_PKT,
		       pump_cb, w);
}

static void expect_all_authenticated(const struct ep *e,
				     const struct media_log *ml,
				     bool with_rtcp)
{
	const struct ep_stats *s = ep_stats(e);

	assert_int_equal(s->rtp_recv, N_PKT);
	assert_int_equal(ml->rtp, N_PKT);
	assert_int_equal(ml->bad_payload, 0);
	assert_int_equal(s->auth_fail, 0);
	assert_int_equal(s->replay, 0);
	assert_int_equal(s->no_key, 0);
	if (with_rtcp)
		assert_int_equal(s->rtcp_recv, N_PKT / 10);
}

/* The relay's DTLS leg as server with KTR, the DTLS UA as client, up:
 * *b the DTLS UA's write key (the SDES UA's remote key), *a a fresh key
 * for the SDES UA. */
static void ktr_up(struct world *w, int profile, struct ksrtp_keymat *a,
		   struct ksrtp_keymat *b)
{
	const struct relay_event *up;

	assert_int_equal(relay_leg_dtls_start(w->call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w->ua_ctx), true),
			 0);
	dtls_ua(w, DTLS_ROLE_CLIENT, true);
	up = wait_ev(w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	assert_true(up->ktr);
	call_fix_keymat(b, &up->keys, false);
	call_fix_random_key(a, profile);
}

/* Pump until the DTLS leg dropped n datagrams by the source check. */
static void wait_dtls_dropped_src(struct world *w, uint64_t n)
{
	struct relay_call_stats st;

	for (int i = 0; i < 500; i++) {
		assert_int_equal(relay_call_stats(w->call, &st), 0);
		if (st.leg[RELAY_LEG_DTLS].dropped_src >= n)
			break;
		pump(w, 10);
	}
	assert_int_equal(st.leg[RELAY_LEG_DTLS].dropped_src, n);
}

/* Figure 7: call from the SDES side to a DTLS UA with KTR. */
static void ktr_call(int profile)
{
	struct world w;
	const struct relay_event *up, *ack;
	uint64_t first;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b;

	world_open(&w, profile);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 -EALREADY);
	dtls_ua(&w, DTLS_ROLE_CLIENT, true);
	up = wait_ev(&w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	assert_true(up->ktr);
	assert_int_equal(up->leg, RELAY_LEG_DTLS);
	assert_int_equal(up->keys.profile, profile);
	assert_true(ep_ktr(w.dtls));
	/* Step 5: B, the DTLS UA's own write key, goes into the SDES answer. */
	call_fix_keymat(&b, &up->keys, false);
	call_fix_random_key(&a, profile);
	sdes_ua(&w, &a, &b);
	first = ep_next_index(w.sdes);
	/* Step 4: new_srtp_key(A) to the DTLS UA, once the SDES UA's first
	 * packet names its SSRC and sequence number: nothing is announced
	 * before it. */
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	pump(&w, 300);
	assert_null(find_ev(&w, RELAY_EV_KTR_ACKED));
	assert_int_equal(ep_stats(w.dtls)->keys_installed, 0);

	media(&w, true, true);
	ack = wait_ev(&w, RELAY_EV_KTR_ACKED, 5000);
	assert_non_null(ack);
	/* The one announcement named the SDES UA's real SSRC and the index
	 * of its first packet (ROC 0 | its random first sequence number). */
	assert_int_equal(ep_stats(w.dtls)->keys_installed, 1);
	assert_false(ep_stats(w.dtls)->first_peer_key_any);
	assert_int_equal(ep_stats(w.dtls)->first_peer_key_ssrc, ep_ssrc(w.sdes));
	assert_int_equal(ep_stats(w.dtls)->first_peer_key_index, first);
	assert_int_equal(ack->index, first);
	/* Held in the relay's socket until the DTLS UA had A, then forwarded:
	 * every packet arrived, none failed there. */
	expect_all_authenticated(w.dtls, &w.log_d, true);
	expect_all_authenticated(w.sdes, &w.log_s, true);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_true(st.dtls_up);
	assert_true(st.ktr);
	assert_false(st.transcrypt);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(st.leg[i].crypto_ops, 0);
		assert_int_equal(st.leg[i].fwd_pkts, N_PKT + N_PKT / 10);
		assert_int_equal(st.leg[i].dropped_src, 0);
		assert_int_equal(st.leg[i].fwd_errs, 0);
	}
	assert_true(st.leg[RELAY_LEG_DTLS].dtls_pkts > 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].dropped_other, 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].last_ssrc, ep_ssrc(w.sdes));
	assert_int_equal(ep_stats(w.dtls)->keys_installed, 1);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	world_close(&w);
}

static void test_ktr_figure7_aes_cm(void **state)
{
	ktr_call(KSRTP_AES128_CM_SHA1_80);
}

static void test_ktr_figure7_gcm(void **state)
{
	ktr_call(KSRTP_AEAD_AES_128_GCM);
}

/* One RTP packet (SSRC 0x5bad5bad) to the SDES leg from a source that is
 * not the SDES UA. */
static void spoof_rtp(const struct world *w, int fd)
{
	struct sockaddr_in leg = leg_addr(w, RELAY_LEG_SDES);
	uint8_t p[12 + 160 + 10] = { 0x80, 0, 0, 7, 0, 0, 0, 0,
				     0x5b, 0xad, 0x5b, 0xad };

	assert_int_equal(sendto(fd, p, sizeof(p), 0, (struct sockaddr *)&leg,
				sizeof(leg)),
			 (ssize_t)sizeof(p));
}

/* The first key's announcement waits for the SDES UA's stream: SRTCP and
 * a spoofed RTP packet before its first RTP packet name nothing (they are
 * dropped as held media), the first RTP packet after the key names the
 * SSRC and its index. That index carries the ROC: the stream started at
 * sequence number 65530 and wrapped while its packets were held before the
 * key was given (tracked all the same, RFC 3711 3.3.1). */
static void test_ktr_first_key_index(void **state)
{
	struct world w;
	const struct relay_event *ack;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b;
	struct sockaddr_in so;
	uint64_t first;
	int profile = KSRTP_AES128_CM_SHA1_80, fd_o;
	uint8_t pl[EP_MEDIA_PAYLOAD];

	world_open(&w, profile);
	fd_o = open_udp(&so);
	ktr_up(&w, profile, &a, &b);
	sdes_ua_at(&w, &a, &b, 65530);
	/* Early media, before the owner gave the key: held (dropped). */
	for (int i = 0; i < 10; i++) {
		memset(pl, (uint8_t)ep_next_index(w.sdes), sizeof(pl));
		assert_int_equal(ep_send_rtp(w.sdes, pl, sizeof(pl)), 0);
	}
	pump(&w, 100);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	assert_int_equal(ep_send_rtcp(w.sdes), 0);
	spoof_rtp(&w, fd_o);
	pump(&w, 300);
	assert_null(find_ev(&w, RELAY_EV_KTR_ACKED));
	assert_int_equal(ep_stats(w.dtls)->keys_installed, 0);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].dropped_src, 1);
	assert_int_equal(st.leg[RELAY_LEG_SDES].dropped_other, 11);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts, 0);

	first = ep_next_index(w.sdes);
	assert_int_equal(first, 65540); /* ROC 1, sequence number 4 */
	media(&w, true, false);
	ack = wait_ev(&w, RELAY_EV_KTR_ACKED, 5000);
	assert_non_null(ack);
	assert_int_equal(ack->index, first);
	assert_int_equal(ep_stats(w.dtls)->keys_installed, 1);
	assert_false(ep_stats(w.dtls)->first_peer_key_any);
	assert_int_equal(ep_stats(w.dtls)->first_peer_key_ssrc, ep_ssrc(w.sdes));
	assert_int_equal(ep_stats(w.dtls)->first_peer_key_index, first);
	expect_all_authenticated(w.dtls, &w.log_d, true);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts, N_PKT + N_PKT / 10);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops, 0);
	close(fd_o);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	world_close(&w);
}

/* The first key's announcement never acknowledged (the DTLS UA reads
 * nothing meanwhile): the relay gives up and forwards the queued stream
 * anyway (draft 4.3.1: the speaker switches regardless). The DTLS UA had
 * the key waiting in its socket ahead of the packets: it decrypts all. */
static void test_ktr_first_key_gave_up(void **state)
{
	struct world w;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b;
	int profile = KSRTP_AES128_CM_SHA1_80;

	world_ktr.rtx_initial_ms = 50;
	world_ktr.rtx_max_ms = 50;
	world_ktr.rtx_limit = 3;
	world_open(&w, profile);
	memset(&world_ktr, 0, sizeof(world_ktr));
	ktr_up(&w, profile, &a, &b);
	sdes_ua(&w, &a, &b);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	w.dtls_deaf = true;
	media(&w, true, false);
	assert_non_null(wait_ev(&w, RELAY_EV_KTR_GAVE_UP, 5000));
	pump(&w, 200);
	assert_null(find_ev(&w, RELAY_EV_KTR_ACKED));
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts, N_PKT + N_PKT / 10);
	assert_int_equal(st.leg[RELAY_LEG_SDES].dropped_other, 0);
	w.dtls_deaf = false;
	pump(&w, 500);
	assert_int_equal(ep_stats(w.dtls)->first_peer_key_ssrc, ep_ssrc(w.sdes));
	expect_all_authenticated(w.dtls, &w.log_d, true);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	world_close(&w);
}

/* Figure 6: the DTLS UA does not speak KTR; the relay transcrypts
 * SDES->DTLS (SRTP and SRTCP, its crypto stage on OpenSSL: src/xsrtp) and
 * forwards DTLS->SDES untouched. The DTLS UA (libsrtp2) authenticates
 * every transcrypted packet: for each profile the handshake can
 * negotiate. */
static void fallback_figure6(int profile)
{
	struct world w;
	const struct relay_event *up;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b, c;

	world_open(&w, profile);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	dtls_ua(&w, DTLS_ROLE_CLIENT, false);
	up = wait_ev(&w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	assert_false(up->ktr);
	call_fix_keymat(&b, &up->keys, false);
	call_fix_keymat(&c, &up->keys, true);
	call_fix_random_key(&a, profile);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a),
			 -ENOTSUP);
	sdes_ua(&w, &a, &b);
	assert_int_equal(relay_call_transcrypt(w.call, RELAY_LEG_SDES, &a, &c), 0);

	media(&w, true, true);
	expect_all_authenticated(w.dtls, &w.log_d, true);
	expect_all_authenticated(w.sdes, &w.log_s, true);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_false(st.ktr);
	assert_true(st.transcrypt);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops, N_PKT + N_PKT / 10);
	assert_int_equal(st.leg[RELAY_LEG_DTLS].crypto_ops, 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts, N_PKT + N_PKT / 10);
	assert_int_equal(st.leg[RELAY_LEG_DTLS].fwd_pkts, N_PKT + N_PKT / 10);

	/* Stop transcrypting: A-packets now reach the DTLS UA untouched and
	 * fail there (it holds no A): the crypto stage really was in use. */
	assert_int_equal(relay_call_transcrypt(w.call, RELAY_LEG_SDES, NULL, NULL), 0);
	media(&w, true, false);
	assert_int_equal(ep_stats(w.dtls)->rtp_recv, N_PKT);
	assert_true(ep_stats(w.dtls)->auth_fail + ep_stats(w.dtls)->no_key > 0);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	sec_wipe(&c, sizeof(c));
	world_close(&w);
}

static void test_fallback_figure6(void **state)
{
	fallback_figure6(KSRTP_AES128_CM_SHA1_80);
}

static void test_fallback_figure6_cm32(void **state)
{
	fallback_figure6(KSRTP_AES128_CM_SHA1_32);
}

static void test_fallback_figure6_gcm128(void **state)
{
	fallback_figure6(KSRTP_AEAD_AES_128_GCM);
}

static void test_fallback_figure6_gcm256(void **state)
{
	fallback_figure6(KSRTP_AEAD_AES_256_GCM);
}

/* Call from the DTLS side (docs/design.md): the SDES UA was offered a fresh B;
 * the relay (a=setup:active) transcrypts the DTLS UA's packets from its
 * exported key to B only until the DTLS UA switches to the dictated B. */
static void test_dtls_originated_window(void **state)
{
	struct world w;
	const struct relay_event *up, *pk;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b, b0;
	int profile = KSRTP_AES128_CM_SHA1_80;
	uint64_t xc;

	world_open(&w, profile);
	dtls_ua(&w, DTLS_ROLE_SERVER, true);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_CLIENT,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	up = wait_ev(&w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	assert_true(up->ktr);
	call_fix_keymat(&b0, &up->keys, false);
	call_fix_random_key(&a, profile);
	call_fix_random_key(&b, profile);
	sdes_ua(&w, &a, &b);
	assert_int_equal(relay_call_transcrypt(w.call, RELAY_LEG_DTLS, &b0, &b), 0);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	assert_int_equal(relay_call_ktr_dictate(w.call, RELAY_LEG_DTLS, &b), 0);
	pk = wait_ev(&w, RELAY_EV_KTR_PEER_KEY, 5000);
	assert_non_null(pk);
	assert_int_equal(pk->peer_key.key_len, b.key_len);
	assert_memory_equal(pk->peer_key.key, b.key, b.key_len);
	assert_memory_equal(pk->peer_key.salt, b.salt, b.salt_len);
	assert_false(pk->any_ssrc);
	assert_int_equal(pk->ssrc, ep_ssrc(w.dtls));
	assert_true(pk->index > ep_next_index(w.dtls));
	assert_true(pk->index < N_PKT);

	media(&w, true, true);
	expect_all_authenticated(w.dtls, &w.log_d, true);
	/* SRTCP inside the window is dropped (relay.h), after it forwarded. */
	expect_all_authenticated(w.sdes, &w.log_s, false);
	assert_true(ep_stats(w.sdes)->rtcp_recv > 0);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	xc = st.leg[RELAY_LEG_DTLS].crypto_ops;
	/* Exactly the packets below the switch index were transcrypted. */
	assert_int_equal(xc, pk->index);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops, 0);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	sec_wipe(&b0, sizeof(b0));
	world_close(&w);
}

/* The same call as the SBC sets it up (relay_leg_dtls_prearm): the window's
 * transcrypts both ways, and what they did (relay_window): the DTLS leg's
 * ends at the index the DTLS UA announced in new_srtp_key(B), holding
 * exactly the packets transcrypted; the SDES leg's ends at the
 * acknowledgement of A (announced once the SDES UA's first packet showed
 * its SSRC), holding exactly what it transcrypted before; no other crypto
 * operation on the call. */
static void test_dtls_originated_window_counted(void **state)
{
	struct world w;
	const struct relay_event *pk;
	struct relay_call_stats st;
	const struct relay_window *wd, *ws;
	struct ksrtp_keymat a, b;
	int profile = KSRTP_AES128_CM_SHA1_80;

	world_open(&w, profile);
	call_fix_random_key(&a, profile);
	call_fix_random_key(&b, profile);
	assert_int_equal(relay_leg_dtls_prearm(w.call, RELAY_LEG_DTLS, &b, &a), 0);
	dtls_ua(&w, DTLS_ROLE_SERVER, true);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_CLIENT,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	assert_non_null(wait_ev(&w, RELAY_EV_DTLS_UP, 10000));
	sdes_ua(&w, &a, &b);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	assert_int_equal(relay_call_ktr_dictate(w.call, RELAY_LEG_DTLS, &b), 0);
	pk = wait_ev(&w, RELAY_EV_KTR_PEER_KEY, 5000);
	assert_non_null(pk);
	/* A is announced for the SDES UA's SSRC once its first packet shows
	 * it (relay.h): the acknowledgement comes during the media. */
	assert_null(find_ev(&w, RELAY_EV_KTR_ACKED));

	media(&w, true, true);
	assert_non_null(wait_ev(&w, RELAY_EV_KTR_ACKED, 5000));
	expect_all_authenticated(w.dtls, &w.log_d, true);
	expect_all_authenticated(w.sdes, &w.log_s, false);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	wd = &st.window[RELAY_LEG_DTLS];
	ws = &st.window[RELAY_LEG_SDES];
	assert_true(wd->armed && wd->started && wd->closed);
	assert_int_equal(wd->end_index, pk->index);
	assert_true(wd->first_index < wd->end_index);
	assert_int_equal(wd->rtp_ops, relay_window_pkts(wd));
	assert_int_equal(wd->rtcp_ops, 0); /* SRTCP in the window is dropped */
	/* closed by the ack itself, holding exactly what it transcrypted */
	assert_true(ws->armed && ws->closed);
	assert_int_equal(ws->rtp_ops, relay_window_pkts(ws));
	/* every crypto operation of the call is one of the window's */
	assert_int_equal(st.leg[RELAY_LEG_DTLS].crypto_ops +
				 st.rtcp[RELAY_LEG_DTLS].crypto_ops,
			 wd->rtp_ops + wd->rtcp_ops);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops +
				 st.rtcp[RELAY_LEG_SDES].crypto_ops,
			 ws->rtp_ops + ws->rtcp_ops);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	world_close(&w);
}

/* Issue 5: a later SDES key (a re-INVITE's A2) is announced for wherever
 * the SDES UA starts using it, which RFC 4568 does not fix: here 200
 * packets after the announcement, four times the relay's activate_ahead.
 * The DTLS UA keeps authenticating A until then and A2 from its first
 * packet on; the relay forwarded every packet untouched. */
static void test_ktr_sdes_rekey_late_switch(void **state)
{
	struct world w;
	struct relay_call_stats st;
	struct ksrtp_keymat a, a2, b;
	uint64_t switches;
	int profile = KSRTP_AES128_CM_SHA1_80;

	world_open(&w, profile);
	ktr_up(&w, profile, &a, &b);
	call_fix_random_key(&a2, profile);
	sdes_ua(&w, &a, &b);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	media(&w, true, false);
	assert_non_null(wait_ev(&w, RELAY_EV_KTR_ACKED, 5000));
	switches = ep_stats(w.dtls)->rx_switches;

	w.nev = 0;
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a2), 0);
	assert_non_null(wait_ev(&w, RELAY_EV_KTR_ACKED, 5000));
	media(&w, true, false); /* still A, far past activate_ahead */
	assert_int_equal(ep_stats(w.dtls)->auth_fail, 0);
	assert_int_equal(ep_stats(w.dtls)->rx_switches, switches);
	assert_int_equal(ep_sdes_rekey(w.sdes, &a2, NULL), 0);
	media(&w, true, false); /* A2 */

	assert_int_equal(ep_stats(w.dtls)->rtp_recv, 3 * N_PKT);
	assert_int_equal(w.log_d.rtp, 3 * N_PKT);
	assert_int_equal(w.log_d.bad_payload, 0);
	assert_int_equal(ep_stats(w.dtls)->rtcp_recv, 3 * N_PKT / 10);
	assert_int_equal(ep_stats(w.dtls)->auth_fail, 0);
	assert_int_equal(ep_stats(w.dtls)->replay, 0);
	assert_int_equal(ep_stats(w.dtls)->rx_switches, switches + 1);
	assert_int_equal(ep_stats(w.sdes)->tx_switches, 1);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops, 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts, 3 * (N_PKT + N_PKT / 10));
	sec_wipe(&a, sizeof(a));
	sec_wipe(&a2, sizeof(a2));
	sec_wipe(&b, sizeof(b));
	world_close(&w);
}

/* The SBC's re-key on demand: new_srtp_key_request, answered by the DTLS UA
 * with a fresh key of its own that it switches to (the SDES UA gets it as a
 * re-INVITE would give it); then the DTLS UA refuses the SDES UA's next key
 * (its listener policy) and the relay transcrypts that UA's new key A2 to
 * the key the DTLS UA acknowledged, A (draft 4.3.1), RTP only. */
static void test_ktr_request_and_refusal(void **state)
{
	struct world w;
	const struct relay_event *up, *e;
	struct relay_call_stats st;
	struct ksrtp_keymat a, a2, b, b2;
	uint64_t rtcp_d;
	int profile = KSRTP_AES128_CM_SHA1_80;

	world_open(&w, profile);
	w.ua_ktr.refuse_keys = true;
	w.ua_ktr.accept_keys = 1;
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	dtls_ua(&w, DTLS_ROLE_CLIENT, true);
	up = wait_ev(&w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	call_fix_keymat(&b, &up->keys, false);
	call_fix_random_key(&a, profile);
	call_fix_random_key(&a2, profile);
	sdes_ua(&w, &a, &b);
	assert_int_equal(relay_call_ktr_request(w.call, RELAY_LEG_SDES), -EAGAIN);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a), 0);
	media(&w, true, true); /* its first packet lets A be announced */
	e = wait_ev(&w, RELAY_EV_KTR_ACKED, 5000);
	assert_non_null(e);
	assert_true(ksrtp_keymat_equal(&e->peer_key, &a));

	w.nev = 0;
	assert_int_equal(relay_call_ktr_request(w.call, RELAY_LEG_DTLS), 0);
	e = wait_ev(&w, RELAY_EV_KTR_PEER_KEY, 5000);
	assert_non_null(e);
	assert_false(ksrtp_keymat_equal(&e->peer_key, &b));
	b2 = e->peer_key;
	assert_int_equal(ep_sdes_rekey(w.sdes, NULL, &b2), 0);
	media(&w, true, true);
	assert_int_equal(ep_stats(w.dtls)->tx_switches, 1);
	assert_int_equal(ep_stats(w.sdes)->rx_switches, 1);
	assert_int_equal(ep_stats(w.sdes)->rtp_recv, 2 * N_PKT);
	assert_int_equal(ep_stats(w.sdes)->auth_fail, 0);

	w.nev = 0;
	rtcp_d = ep_stats(w.dtls)->rtcp_recv;
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a2), 0);
	e = wait_ev(&w, RELAY_EV_KTR_REFUSED, 5000);
	assert_non_null(e);
	assert_int_equal(e->msg_type, KTR_NEW_SRTP_KEY);
	assert_int_equal(e->reason, KTR_FAIL_STATE);
	assert_true(ksrtp_keymat_equal(&e->peer_key, &a2));
	assert_int_equal(relay_call_transcrypt_rtp(w.call, RELAY_LEG_SDES, &a2, &a), 0);
	assert_int_equal(ep_sdes_rekey(w.sdes, &a2, NULL), 0);
	media(&w, true, false);
	assert_int_equal(ep_stats(w.dtls)->rtp_recv, 3 * N_PKT);
	assert_int_equal(ep_stats(w.dtls)->auth_fail, 0);
	assert_int_equal(ep_stats(w.dtls)->replay, 0);
	assert_int_equal(ep_stats(w.dtls)->rtcp_recv, rtcp_d); /* dropped */
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops, N_PKT);
	assert_int_equal(st.leg[RELAY_LEG_SDES].dropped_other, N_PKT / 10);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&a2, sizeof(a2));
	sec_wipe(&b, sizeof(b));
	sec_wipe(&b2, sizeof(b2));
	world_close(&w);
}

static void test_wrong_fingerprint_fails(void **state)
{
	struct world w;
	const struct relay_event *e;
	struct relay_call_stats st;
	struct dtls_ctx *other = NULL;
	struct dtls_ctx_cfg dc = { .ktr_ext_type = KTR_EXT_TYPE_DEFAULT };

	world_open(&w, KSRTP_AES128_CM_SHA1_80);
	assert_int_equal(dtls_ctx_alloc(&other, &dc), 0);
	/* The SDP promised another certificate. */
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(other), true),
			 0);
	dtls_ua(&w, DTLS_ROLE_CLIENT, true);
	e = wait_ev(&w, RELAY_EV_DTLS_FAILED, 10000);
	assert_non_null(e);
	assert_int_equal(e->err, -EKEYREJECTED);
	assert_null(find_ev(&w, RELAY_EV_DTLS_UP));
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_false(st.dtls_up);
	dtls_ctx_free(other);
	world_close(&w);
}

/* RFC 8122 6.2: the answerer (DTLS client, a=setup:active) starts its
 * handshake when it sends its answer, so its ClientHello can reach the
 * relay before the answer reaches the SBC: the DTLS leg has no peer and no
 * engine yet. The relay keeps that datagram and feeds it in when the
 * handshake starts. The DTLS UA's timers never run here, so it cannot
 * retransmit: without the kept ClientHello the handshake cannot finish. */
static void test_client_hello_before_answer(void **state)
{
	struct world w;
	struct relay_call_stats st;
	const struct relay_event *up;

	world_open_ex(&w, KSRTP_AES128_CM_SHA1_80, false);
	w.no_ua_timers = true;
	dtls_ua(&w, DTLS_ROLE_CLIENT, true);
	/* The ClientHello reached the leg (dropped by the source check). */
	wait_dtls_dropped_src(&w, 1);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_DTLS].dtls_pkts, 0);
	/* The answer: peer, then the handshake as server. */
	assert_int_equal(relay_leg_set_peer(w.call, RELAY_LEG_DTLS,
					    (struct sockaddr *)&w.addr_d,
					    sizeof(w.addr_d), false),
			 0);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	up = wait_ev(&w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	assert_true(up->ktr);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_true(st.dtls_up);
	assert_int_equal(st.leg[RELAY_LEG_DTLS].dropped_src, 1);
	world_close(&w);
}

/* A DTLS-looking datagram from a source that is not fd's (a spoofer). */
static void spoof_dtls(const struct world *w, int fd)
{
	struct sockaddr_in leg = leg_addr(w, RELAY_LEG_DTLS);
	uint8_t junk[100];

	assert_int_equal(sec_random(junk, sizeof(junk)), 0);
	junk[0] = 22; /* handshake */
	junk[1] = 0xfe;
	junk[2] = 0xfd; /* DTLS 1.2 */
	assert_int_equal(sendto(fd, junk, sizeof(junk), 0,
				(struct sockaddr *)&leg, sizeof(leg)),
			 (ssize_t)sizeof(junk));
}

/* Before the answer, datagrams from other sources around the real early
 * ClientHello (one before it, then one from the same spoofer and from
 * more sources than the relay keeps): none replaces it, and the
 * handshake completes without the client retransmitting. */
static void test_early_client_hello_not_evicted(void **state)
{
	struct world w;

	struct sockaddr_in sa[N_SPOOFERS];
	int fds[N_SPOOFERS];
	const struct relay_event *up;

	world_open_ex(&w, KSRTP_AES128_CM_SHA1_80, false);
	w.no_ua_timers = true;
	for (int i = 0; i < N_SPOOFERS; i++)
		fds[i] = open_udp(&sa[i]);
	spoof_dtls(&w, fds[0]);
	dtls_ua(&w, DTLS_ROLE_CLIENT, true);
	wait_dtls_dropped_src(&w, 2);
	for (int i = 0; i < N_SPOOFERS; i++)
		spoof_dtls(&w, fds[i]);
	wait_dtls_dropped_src(&w, 2 + N_SPOOFERS);
	/* The answer names the real DTLS UA. */
	assert_int_equal(relay_leg_set_peer(w.call, RELAY_LEG_DTLS,
					    (struct sockaddr *)&w.addr_d,
					    sizeof(w.addr_d), false),
			 0);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	up = wait_ev(&w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	assert_true(up->ktr);
	assert_null(find_ev(&w, RELAY_EV_DTLS_FAILED));
	for (int i = 0; i < N_SPOOFERS; i++)
		close(fds[i]);
	world_close(&w);
}

/* The same datagram from a source other than the answer's: never fed in
 * (draft section 6), and freed with the call (LeakSanitizer). */
static void test_early_datagram_other_source(void **state)
{
	struct world w;
	struct relay_call_stats st;
	struct sockaddr_in other;
	int fd_o;

	world_open_ex(&w, KSRTP_AES128_CM_SHA1_80, false);
	w.no_ua_timers = true;
	dtls_ua(&w, DTLS_ROLE_CLIENT, true);
	wait_dtls_dropped_src(&w, 1);
	/* The answer names another address. */
	fd_o = open_udp(&other);
	assert_int_equal(relay_leg_set_peer(w.call, RELAY_LEG_DTLS,
					    (struct sockaddr *)&other,
					    sizeof(other), false),
			 0);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	pump(&w, 300);
	assert_null(find_ev(&w, RELAY_EV_DTLS_UP));
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_DTLS].dtls_pkts, 0);
	assert_false(st.dtls_up);
	close(fd_o);
	world_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ktr_figure7_aes_cm),
		cmocka_unit_test(test_ktr_figure7_gcm),
		cmocka_unit_test(test_ktr_first_key_index),
		cmocka_unit_test(test_ktr_first_key_gave_up),
		cmocka_unit_test(test_fallback_figure6),
		cmocka_unit_test(test_fallback_figure6_cm32),
		cmocka_unit_test(test_fallback_figure6_gcm128),
		cmocka_unit_test(test_fallback_figure6_gcm256),
		cmocka_unit_test(test_dtls_originated_window),
		cmocka_unit_test(test_dtls_originated_window_counted),
		cmocka_unit_test(test_ktr_sdes_rekey_late_switch),
		cmocka_unit_test(test_ktr_request_and_refusal),
		cmocka_unit_test(test_wrong_fingerprint_fails),
		cmocka_unit_test(test_client_hello_before_answer),
		cmocka_unit_test(test_early_datagram_other_source),
		cmocka_unit_test(test_early_client_hello_not_evicted),
	};

	return cmocka_run_group_tests_name("relay_ktr", tests, NULL, NULL);
}

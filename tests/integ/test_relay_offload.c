/*
 * Integration: the relay with the in-kernel fast path (relay_cfg.offload,
 * src/relay/relay_offload.c, issue 7), between real endpoints (src/ep: real
 * DTLS-SRTP with KTR, real libsrtp2), in network namespaces this test
 * creates and deletes:
 *
 *   ns A (SDES UA)  ka <-veth-> ksa   ns S (the relay)   ksb <-veth-> kb  ns B (DTLS UA)
 *   192.0.2.2            192.0.2.1    203.0.113.1 on lo   198.51.100.1    198.51.100.2
 *   2001:db8:a::2   2001:db8:a::1     2001:db8:ff::1 on lo  2001:db8:b::1  2001:db8:b::2
 *
 * The relay binds both legs to 203.0.113.1 (one media address, as ktrsbc
 * does); A and B route to it through S, so each leg's egress device comes
 * from S's routing table. The program sits on ksa's and ksb's ingress; B
 * verifies checksums in software.
 * Checked: a Figure 7 KTR call is offloaded once KTR is acknowledged, then
 * every RTP/SRTCP packet both ways is forwarded by the kernel (the kernel's
 * counters, merged into relay_call_stats, account for all of them) and
 * authenticates at the far end (bytes unchanged), over IPv4 and IPv6; a
 * new_srtp_key re-key on the offloaded call takes it back into userspace,
 * the DTLS UA installs the key and authenticates the SDES UA's packets
 * under it, and the call is offloaded again after the acknowledgement; a
 * transcrypt takes it back and
 * keeps it in userspace until stopped; a peer change takes it back; media
 * forwarded only by the kernel keeps the media timeout quiet, which fires
 * once the media stops; after relay_call_free no map entry is left; with
 * relay_cfg.offload NULL nothing is offloaded; a call with IPv6 on one leg
 * and IPv4 on the other (relay_leg_set_family) stays in userspace; ICE-lite
 * on the DTLS leg of an offloaded call (STUN passed up by the kernel,
 * nomination, consent lost and regained); an ICE leg with a socket per
 * family nominated on its second (IPv6) socket is offloaded with the IPv6
 * SDES leg, keyed by that socket.
 * Without root, namespaces or BPF at all (a trivial program does not load)
 * each test is skipped with the reason; when BPF loads but ktr_tc.bpf.o is
 * missing, rejected or does not attach, each fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/clk.h"
#include "base/sec.h"
#include "dtls/dtls.h"
#include "ep/ep.h"
#include "offload/offload.h"
#include "relay/relay.h"
#include "srtp/ksrtp.h"
#include "stun/stun.h"
#include "tests/lib/call_fix.h"
#include "tests/lib/media_log.h"
#include "tests/lib/netns_fix.h"

#define N_PKT 100
#define EV_MAX 64
#define MEDIA_ADDR "203.0.113.1"
#define MEDIA_ADDR6 "2001:db8:ff::1"

/* The addresses of a run: IPv4 or IPv6 (the same topology, both), or the
 * SDES UA on IPv6 and the DTLS UA on IPv4 (media_alt: the relay's second
 * address, relay_leg_set_family). */
struct fam {
	const char *media, *ua_s, *ua_d, *media_alt;
	/* ICE-lite on the DTLS leg, kept in media's family with a second
	 * socket in media_alt's (relay_leg_alt_open), the DTLS UA nominating
	 * that one. */
	bool ice_dual;
};
static const struct fam v4 = { MEDIA_ADDR, "192.0.2.2", "198.51.100.2", NULL, false };
static const struct fam v6 = { MEDIA_ADDR6, "2001:db8:a::2", "2001:db8:b::2", NULL, false };
static const struct fam mixed = { MEDIA_ADDR, "2001:db8:a::2", "198.51.100.2",
				  MEDIA_ADDR6, false };
static const struct fam dual6 = { MEDIA_ADDR, "2001:db8:a::2", "2001:db8:b::2",
				  MEDIA_ADDR6, true };
#define ICE_PWD "ktrsbcLitePassword+0123/x"
static void ice_check_fd(int fd, const struct fam *f, uint16_t port, bool nominate);
/* The relay's address toward a UA at ip: the one of ip's family. */
static const char *media_for(const struct fam *f, const char *ip)
{
	return f->media_alt && (strchr(ip, ':') != NULL) != (strchr(f->media, ':') != NULL) ?
		       f->media_alt : f->media;
}
#define MEDIA_TIMEOUT_MS 2000 /* scans every 500 ms (relay.c) */
#define OFFLOAD_WAIT_MS 4000

/* the namespaces, in tests/lib/netns_fix.h's order */
enum {
	NS_A = NETNS_FIX_A,
	NS_S = NETNS_FIX_S,
	NS_B = NETNS_FIX_B,
	NS_N = NETNS_FIX_ASB
};

static struct {
	struct netns_fix ns;
	struct offload *o;
	bool ready; /* fixture_up succeeded */
} fx;

/* A test where fixture_up failed: skipped with the reason on the line
 * above cmocka's "not ok N # SKIP" when this machine has no BPF or
 * namespaces, failed when BPF loads but our program does not
 * (tests/lib/netns_fix.h). Never a pass that checked nothing. */
#define NEED_BPF()                                                          \
	do {                                                                \
		if (!fx.ready && fx.ns.broken)                              \
			fail_msg("our tc program: %s", fx.ns.why);         \
		if (!fx.ready) {                                            \
			print_message("# BPF unavailable: %s\n", fx.ns.why); \
			skip();                                             \
		}                                                           \
	} while (0)

static void enter(int ns)
{
	if (netns_fix_enter(&fx.ns, ns) < 0)
		abort();
}

static void ns_cleanup(void)
{
	if (fx.o && fx.ns.inited && fx.ns.fd[NS_S] >= 0) {
		enter(NS_S);
		offload_free(fx.o);
		fx.o = NULL;
	}
	netns_fix_down(&fx.ns);
}

/* Beside tests/lib/netns_fix.h's topology: the media address on S's lo,
 * routed to from A and B. */
static const char *const ns_cmds[] = {
	"ip -n %1$s-s addr add " MEDIA_ADDR "/32 dev lo",
	"ip -n %1$s-a route add 203.0.113.0/24 via 192.0.2.1",
	"ip -n %1$s-b route add 203.0.113.0/24 via 198.51.100.1",
	"ip -n %1$s-s addr add " MEDIA_ADDR6 "/128 dev lo",
	"ip -n %1$s-a route add 2001:db8:ff::/64 via 2001:db8:a::1",
	"ip -n %1$s-b route add 2001:db8:ff::/64 via 2001:db8:b::1",
};

/* Namespaces, veths, routes and the program on ksa/ksb
 * (tests/lib/netns_fix.h); false with fx.ns.why when this machine cannot.
 * Leaves the thread in S on success. */
static bool fixture_up(void)
{
	if (!netns_fix_asb_offload(&fx.ns, "ktrr", ns_cmds,
				   sizeof(ns_cmds) / sizeof(ns_cmds[0]),
				   ns_cleanup, &fx.o))
		return false;
	enter(NS_S);
	return true;
}

/* --- a call between two endpoints (as tests/integ/test_relay_ktr.c) ---- */

struct world {
	struct relay *r;
	struct dtls_ctx *sbc_ctx, *ua_ctx;
	struct relay_call *call;
	uint16_t ports[2];
	int fd_s, fd_d;
	struct sockaddr_storage addr_s, addr_d;
	socklen_t alen;
	const struct fam *f;
	struct ep *sdes, *dtls;
	struct media_log log_s, log_d;
	struct relay_event ev[EV_MAX];
	size_t nev;
};

static socklen_t sa_make(struct sockaddr_storage *ss, const char *ip,
			 uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &a->sin_addr), 1);
	return sizeof(*a);
}

static uint16_t sa_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ?
			     ((const struct sockaddr_in6 *)ss)->sin6_port :
			     ((const struct sockaddr_in *)ss)->sin_port);
}

/* A socket in namespace ns bound to ip (any port); the thread returns to S. */
static int open_udp(int ns, const char *ip, struct sockaddr_storage *a)
{
	socklen_t alen = sa_make(a, ip, 0), l = alen;
	int fd, rcvbuf = 1 << 20;

	enter(ns);
	fd = socket(a->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	enter(NS_S);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	assert_int_equal(bind(fd, (struct sockaddr *)a, alen), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)a, &l), 0);
	return fd;
}

static void world_open(struct world *w, bool offload, const struct fam *f)
{
	int profile = KSRTP_AES128_CM_SHA1_80;
	struct dtls_ctx_cfg dc = {
		.profiles = &profile,
		.n_profiles = 1,
		.ktr_ext_type = KTR_EXT_TYPE_DEFAULT,
	};
	struct relay_cfg rc = {
		.bind_addr = f->media,
		.bind_addr_alt = f->media_alt,
		.port_min = 30000,
		.port_max = 30999,
		.workers = 2,
		.media_timeout_ms = MEDIA_TIMEOUT_MS,
	};

	memset(w, 0, sizeof(*w));
	w->f = f;
	rc.offload = offload ? fx.o : NULL;
	assert_int_equal(dtls_ctx_alloc(&w->sbc_ctx, &dc), 0);
	assert_int_equal(dtls_ctx_alloc(&w->ua_ctx, &dc), 0);
	rc.dtls = w->sbc_ctx;
	assert_int_equal(relay_alloc(&w->r, &rc), 0);
	assert_int_equal(relay_call_alloc(w->r, &w->call, w, w->ports), 0);
	w->fd_s = open_udp(NS_A, f->ua_s, &w->addr_s);
	w->fd_d = open_udp(NS_B, f->ua_d, &w->addr_d);
	/* Each leg in its UA's family (a no-op but for `mixed`). */
	assert_int_equal(relay_leg_set_family(w->call, RELAY_LEG_SDES,
					      w->addr_s.ss_family), 0);
	if (!f->ice_dual)
		assert_int_equal(relay_leg_set_family(w->call, RELAY_LEG_DTLS,
						      w->addr_d.ss_family), 0);
	for (unsigned i = 0; i < 2; i++)
		w->ports[i] = relay_leg_port(w->call, i);
	if (f->ice_dual) {
		struct relay_ice_cfg ic = { .local_ufrag = "Lite", .local_pwd = ICE_PWD,
					    .remote_ufrag = "peer" };

		/* The DTLS UA talks to the leg's second socket, and the
		 * nomination names it (no SDP peer). */
		assert_int_equal(relay_leg_alt_open(w->call, RELAY_LEG_DTLS,
						    &w->ports[RELAY_LEG_DTLS]), 0);
		assert_int_equal(relay_leg_family(w->call, RELAY_LEG_DTLS), AF_INET);
		assert_int_equal(relay_leg_ice_set(w->call, RELAY_LEG_DTLS, &ic), 0);
	}
	w->alen = w->addr_s.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						    sizeof(struct sockaddr_in);
	assert_int_equal(relay_leg_set_peer(w->call, RELAY_LEG_SDES,
					    (struct sockaddr *)&w->addr_s,
					    w->alen, false), 0);
	if (f->ice_dual) {
		ice_check_fd(w->fd_d, f, w->ports[RELAY_LEG_DTLS], true);
		return;
	}
	assert_int_equal(relay_leg_set_peer(w->call, RELAY_LEG_DTLS,
					    (struct sockaddr *)&w->addr_d,
					    w->addr_d.ss_family == AF_INET6 ?
						    sizeof(struct sockaddr_in6) :
						    sizeof(struct sockaddr_in),
					    false), 0);
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

static void pump(struct world *w, int ms)
{
	struct ep *eps[2] = { w->sdes, w->dtls };
	int fds[2] = { w->fd_s, w->fd_d };

	call_fix_pump(w->r, eps, fds, true, w->ev, &w->nev, EV_MAX, ms);
}

static size_t count_ev(const struct world *w, enum relay_event_type t)
{
	size_t n = 0;

	for (size_t i = 0; i < w->nev; i++)
		n += w->ev[i].type == t;
	return n;
}

/* Wait until there are `want` events of type t. */
static bool wait_ev(struct world *w, enum relay_event_type t, size_t want,
		    int ms)
{
	uint64_t end = clk_now_ms() + (uint64_t)ms;

	while (count_ev(w, t) < want && clk_now_ms() < end)
		pump(w, 10);
	return count_ev(w, t) >= want;
}

static const struct relay_event *last_ev(const struct world *w,
					 enum relay_event_type t)
{
	for (size_t i = w->nev; i > 0; i--)
		if (w->ev[i - 1].type == t)
			return &w->ev[i - 1];
	return NULL;
}

static bool offloaded(struct world *w)
{
	struct relay_call_stats st;

	assert_int_equal(relay_call_stats(w->call, &st), 0);
	return st.offloaded;
}

/* Poll the relay's state (its scans run every MEDIA_TIMEOUT_MS / 4). */
static bool wait_offloaded(struct world *w, bool want)
{
	uint64_t end = clk_now_ms() + OFFLOAD_WAIT_MS;

	while (offloaded(w) != want && clk_now_ms() < end)
		pump(w, 20);
	return offloaded(w) == want;
}

/* n RTP packets from each enabled UA, an SRTCP report after every 10th,
 * paced at about 1 per ms. */
static void pump_cb(void *w, int ms)
{
	pump(w, ms);
}

static void media(struct world *w, unsigned n, bool sdes, bool dtls)
{
	call_fix_media(sdes ? w->sdes : NULL, dtls ? w->dtls : NULL, n, pump_cb,
		       w);
}

static void expect_clean(const struct ep *e, const struct media_log *ml,
			 uint64_t rtp)
{
	const struct ep_stats *s = ep_stats(e);

	assert_int_equal(s->rtp_recv, rtp);
	assert_int_equal(ml->rtp, rtp);
	assert_int_equal(ml->bad_payload, 0);
	assert_int_equal(s->auth_fail, 0);
	assert_int_equal(s->replay, 0);
	assert_int_equal(s->no_key, 0);
}

/* Figure 7 up to the acknowledgement of A (announced for the SDES UA's
 * first packet, held in userspace until then), then offloaded; bundle:
 * the DTLS leg carries a BUNDLE (relay.h), which never qualifies. */
static void ktr_call_up_ex(struct world *w, struct ksrtp_keymat *a,
			   struct ksrtp_keymat *b, bool offload,
			   const struct fam *f, bool bundle)
{
	const struct relay_event *up;
	struct sockaddr_storage leg;
	socklen_t ll;
	struct ep_cfg ec = {
		.role = DTLS_ROLE_CLIENT,
		.ktr = true,
		.on_media = media_log_on_media,
		.media_arg = &w->log_d,
	};
	struct ep_sdes_cfg sc = {
		.on_media = media_log_on_media,
		.media_arg = &w->log_s,
	};

	world_open(w, offload, f);
	if (bundle)
		assert_int_equal(relay_bundle_join(w->call, RELAY_LEG_DTLS, w->call), 0);
	assert_false(offloaded(w)); /* peers known, but no KTR yet */
	assert_int_equal(relay_leg_dtls_start(w->call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w->ua_ctx), true), 0);
	ll = sa_make(&leg, media_for(f, f->ua_d), w->ports[RELAY_LEG_DTLS]);
	ec.peer_fingerprint = dtls_ctx_fingerprint(w->sbc_ctx);
	assert_int_equal(ep_alloc(&w->dtls, w->ua_ctx, w->fd_d,
				  (struct sockaddr *)&leg, ll, &ec), 0);
	assert_int_equal(ep_start(w->dtls, clk_now_ms()), 0);
	assert_true(wait_ev(w, RELAY_EV_DTLS_UP, 1, 10000));
	up = last_ev(w, RELAY_EV_DTLS_UP);
	assert_true(up->ktr);
	call_fix_keymat(b, &up->keys, false);
	call_fix_random_key(a, KSRTP_AES128_CM_SHA1_80);
	sc.profile = a->profile;
	sc.local = *a;
	sc.remote = *b;
	ll = sa_make(&leg, media_for(f, f->ua_s), w->ports[RELAY_LEG_SDES]);
	assert_int_equal(ep_alloc_sdes(&w->sdes, w->fd_s, (struct sockaddr *)&leg,
				       ll, &sc), 0);
	sec_wipe(&sc, sizeof(sc));
	assert_false(offloaded(w)); /* KTR not yet acknowledged */
	assert_int_equal(relay_call_ktr_send_key(w->call, RELAY_LEG_DTLS, a), 0);
	/* The SDES UA's first packet names the SSRC and index A is announced
	 * for (its stream waits in the relay until the DTLS UA has A); once
	 * that is acknowledged the call qualifies. */
	media(w, 10, true, true);
	assert_true(wait_ev(w, RELAY_EV_KTR_ACKED, 1, 5000));
	if (offload && (!f->media_alt || f->ice_dual) && !bundle) /* a mixed call never qualifies */
		assert_true(wait_offloaded(w, true));
}

static void ktr_call_up(struct world *w, struct ksrtp_keymat *a,
			struct ksrtp_keymat *b, bool offload, const struct fam *f)
{
	ktr_call_up_ex(w, a, b, offload, f, false);
}

static void ktr_call_offloaded(const struct fam *f)
{
	struct world w;
	struct relay_call_stats s0, s1;
	struct ksrtp_keymat a, b;
	unsigned legs, ctrs;
	uint64_t rtp_d, rtp_s;

	ktr_call_up(&w, &a, &b, true, f);
	assert_int_equal(offload_map_entries(fx.o, &legs, &ctrs), 0);
	assert_int_equal(legs, 2);
	assert_int_equal(ctrs, 2);
	assert_int_equal(relay_call_stats(w.call, &s0), 0);
	rtp_d = ep_stats(w.dtls)->rtp_recv;
	rtp_s = ep_stats(w.sdes)->rtp_recv;

	media(&w, N_PKT, true, true);
	expect_clean(w.dtls, &w.log_d, rtp_d + N_PKT);
	expect_clean(w.sdes, &w.log_s, rtp_s + N_PKT);
	assert_int_equal(relay_call_stats(w.call, &s1), 0);
	assert_true(s1.offloaded);
	assert_false(s1.transcrypt);
	for (int i = 0; i < 2; i++) {
		/* Every RTP and SRTCP packet of the stretch went through the
		 * kernel, and the merged counters show them. */
		assert_int_equal(s1.kernel_fwd_pkts[i] - s0.kernel_fwd_pkts[i],
				 N_PKT + N_PKT / 10);
		assert_int_equal(s1.leg[i].fwd_pkts - s0.leg[i].fwd_pkts,
				 N_PKT + N_PKT / 10);
		assert_true(s1.leg[i].fwd_bytes > s0.leg[i].fwd_bytes);
		assert_int_equal(s1.leg[i].crypto_ops, 0);
		assert_int_equal(s1.leg[i].dropped_src, 0);
	}

	/* Teardown: no map entry outlives the call. */
	relay_call_free(w.call);
	w.call = NULL;
	assert_int_equal(offload_map_entries(fx.o, &legs, &ctrs), 0);
	assert_int_equal(legs, 0);
	assert_int_equal(ctrs, 0);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	world_close(&w);
}

static void test_ktr_call_offloaded(void **state)
{
	NEED_BPF();
	ktr_call_offloaded(&v4);
	(void)state;
}

/* The same over IPv6 (one media address, egress devices from the IPv6
 * routing table). */
static void test_ktr_call_offloaded_v6(void **state)
{
	NEED_BPF();
	ktr_call_offloaded(&v6);
	(void)state;
}

/* An ICE leg with a socket per family (relay_leg_alt_open): its first
 * socket IPv4, the DTLS UA nominating the IPv6 one, the SDES UA on IPv6:
 * both legs send in IPv6, so the call qualifies, its DTLS leg's map entry
 * keyed by the second socket, every packet forwarded by the kernel. */
static void test_ktr_call_offloaded_ice_dual(void **state)
{
	NEED_BPF();
	ktr_call_offloaded(&dual6);
	(void)state;
}

/* new_srtp_key on an offloaded call: DTLS/KTR still reach userspace, the
 * call is taken back for the key's announcement and offloaded again. */
static void test_rekey_while_offloaded(void **state)
{
	struct world w;
	struct relay_call_stats s0, s1;
	struct ksrtp_keymat a, a2, b;
	uint64_t keys, rtp_d;
	size_t acked;

	NEED_BPF();
	ktr_call_up(&w, &a, &b, true, &v4);
	acked = count_ev(&w, RELAY_EV_KTR_ACKED);
	keys = ep_stats(w.dtls)->keys_installed;
	rtp_d = ep_stats(w.dtls)->rtp_recv;
	call_fix_random_key(&a2, a.profile);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a2), 0);
	assert_false(offloaded(&w)); /* taken back for the announcement */
	/* The SDES UA switches (its re-INVITE's answer) and keeps sending. */
	assert_int_equal(ep_sdes_rekey(w.sdes, &a2, &b), 0);
	media(&w, N_PKT, true, true);
	assert_true(wait_ev(&w, RELAY_EV_KTR_ACKED, acked + 1, 5000));
	assert_true(ep_stats(w.dtls)->keys_installed > keys);
	expect_clean(w.dtls, &w.log_d, rtp_d + N_PKT);
	assert_true(wait_offloaded(&w, true));

	/* Forwarded by the kernel again, under the new key. */
	assert_int_equal(relay_call_stats(w.call, &s0), 0);
	media(&w, N_PKT, true, true);
	expect_clean(w.dtls, &w.log_d, rtp_d + 2 * N_PKT);
	assert_int_equal(relay_call_stats(w.call, &s1), 0);
	assert_int_equal(s1.kernel_fwd_pkts[RELAY_LEG_SDES] -
				 s0.kernel_fwd_pkts[RELAY_LEG_SDES],
			 N_PKT + N_PKT / 10);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&a2, sizeof(a2));
	sec_wipe(&b, sizeof(b));
	world_close(&w);
	(void)state;
}

/* A transcrypt (fallback or window) keeps the call in userspace; so does
 * nothing else once it stops. A peer change takes the call back. */
static void test_takeback_transcrypt_and_peer(void **state)
{
	struct world w;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b, c;
	struct sockaddr_storage other;
	unsigned legs, ctrs;

	NEED_BPF();
	ktr_call_up(&w, &a, &b, true, &v4);
	call_fix_random_key(&c, a.profile);
	assert_int_equal(relay_call_transcrypt(w.call, RELAY_LEG_SDES, &a, &c), 0);
	assert_false(offloaded(&w));
	pump(&w, MEDIA_TIMEOUT_MS / 2 + 200); /* at least one scan */
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_false(st.offloaded);
	assert_true(st.transcrypt);
	assert_int_equal(offload_map_entries(fx.o, &legs, &ctrs), 0);
	assert_int_equal(legs, 0);
	assert_int_equal(ctrs, 0);
	assert_int_equal(relay_call_transcrypt(w.call, RELAY_LEG_SDES, NULL, NULL), 0);
	assert_true(wait_offloaded(&w, true));

	/* Re-INVITE with a new address for the SDES UA: taken back, then
	 * offloaded with the new peer. */
	sa_make(&other, "192.0.2.3", sa_port(&w.addr_s));
	assert_int_equal(relay_leg_set_peer(w.call, RELAY_LEG_SDES,
					    (struct sockaddr *)&other,
					    w.alen, false), 0);
	assert_true(wait_offloaded(&w, true));
	/* The old address is now a spoofer: dropped and counted by the
	 * kernel, merged into the leg's dropped_src. */
	media(&w, 10, true, false);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_true(st.offloaded);
	assert_int_equal(st.leg[RELAY_LEG_SDES].dropped_src, 11);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	sec_wipe(&c, sizeof(c));
	world_close(&w);
	(void)state;
}

/* Media only the kernel sees keeps the call alive; silence times it out. */
static void test_media_timeout_uses_kernel_counters(void **state)
{
	struct world w;
	struct ksrtp_keymat a, b;
	uint64_t end;

	NEED_BPF();
	ktr_call_up(&w, &a, &b, true, &v4);
	end = clk_now_ms() + MEDIA_TIMEOUT_MS + MEDIA_TIMEOUT_MS / 2;
	while (clk_now_ms() < end)
		media(&w, 10, true, true); /* ~10 ms + 200 ms each */
	assert_true(offloaded(&w));
	assert_int_equal(count_ev(&w, RELAY_EV_MEDIA_TIMEOUT), 0);
	assert_true(wait_ev(&w, RELAY_EV_MEDIA_TIMEOUT, 1, 2 * MEDIA_TIMEOUT_MS));
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	world_close(&w);
	(void)state;
}

/* relay_cfg.offload NULL (offload = off): a KTR call stays in userspace. */
static void test_offload_off(void **state)
{
	struct world w;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b;
	uint64_t rtp_d;

	NEED_BPF();
	ktr_call_up(&w, &a, &b, false, &v4);
	rtp_d = ep_stats(w.dtls)->rtp_recv;
	media(&w, N_PKT, true, true);
	pump(&w, MEDIA_TIMEOUT_MS / 2 + 200); /* at least one scan */
	expect_clean(w.dtls, &w.log_d, rtp_d + N_PKT);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_false(st.offloaded);
	assert_int_equal(st.kernel_fwd_pkts[RELAY_LEG_SDES], 0);
	assert_int_equal(st.kernel_fwd_pkts[RELAY_LEG_DTLS], 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts,
			 10 + 1 + N_PKT + N_PKT / 10);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	world_close(&w);
	(void)state;
}

/* IPv6 on the SDES leg, IPv4 on the DTLS leg (DTLS and KTR over IPv4):
 * KTR up and forward-only, but the program cannot turn one family's
 * header into the other's, so the call stays in userspace: no map entry,
 * nothing forwarded by the kernel, every packet authenticated at both
 * ends (issue 14 point 4). */
static void test_mixed_family_stays_in_userspace(void **state)
{
	struct world w;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b;
	unsigned legs, ctrs;
	uint64_t rtp_d, rtp_s;

	NEED_BPF();
	ktr_call_up(&w, &a, &b, true, &mixed);
	rtp_d = ep_stats(w.dtls)->rtp_recv;
	rtp_s = ep_stats(w.sdes)->rtp_recv;
	media(&w, N_PKT, true, true);
	pump(&w, MEDIA_TIMEOUT_MS / 2 + 200); /* at least one scan */
	expect_clean(w.dtls, &w.log_d, rtp_d + N_PKT);
	expect_clean(w.sdes, &w.log_s, rtp_s + N_PKT);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_false(st.offloaded);
	assert_int_equal(st.leg[RELAY_LEG_SDES].family, AF_INET6);
	assert_int_equal(st.leg[RELAY_LEG_DTLS].family, AF_INET);
	assert_int_equal(st.kernel_fwd_pkts[RELAY_LEG_SDES], 0);
	assert_int_equal(st.kernel_fwd_pkts[RELAY_LEG_DTLS], 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops, 0);
	assert_int_equal(offload_map_entries(fx.o, &legs, &ctrs), 0);
	assert_int_equal(legs, 0);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	world_close(&w);
	(void)state;
}

/* A KTR call whose DTLS leg carries a BUNDLE (relay.h): forward-only like
 * the first test's, but the eBPF map is keyed by the 5-tuple, which a
 * bundle's streams share: it stays in userspace, every packet
 * authenticated at both ends (issue 15 point 3). */
static void test_bundle_stays_in_userspace(void **state)
{
	struct world w;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b;
	unsigned legs, ctrs;
	uint64_t rtp_d, rtp_s;

	NEED_BPF();
	ktr_call_up_ex(&w, &a, &b, true, &v4, true);
	rtp_d = ep_stats(w.dtls)->rtp_recv;
	rtp_s = ep_stats(w.sdes)->rtp_recv;
	media(&w, N_PKT, true, true);
	pump(&w, MEDIA_TIMEOUT_MS / 2 + 200); /* at least one scan */
	expect_clean(w.dtls, &w.log_d, rtp_d + N_PKT);
	expect_clean(w.sdes, &w.log_s, rtp_s + N_PKT);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_true(st.ktr);
	assert_false(st.transcrypt);
	assert_false(st.offloaded);
	assert_int_equal(st.kernel_fwd_pkts[RELAY_LEG_SDES], 0);
	assert_int_equal(st.kernel_fwd_pkts[RELAY_LEG_DTLS], 0);
	assert_int_equal(offload_map_entries(fx.o, &legs, &ctrs), 0);
	assert_int_equal(legs, 0);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	world_close(&w);
	(void)state;
}

static struct world w_ice; /* large: not on the stack */

/* A connectivity check from the DTLS UA's socket to its relay leg, as a
 * controlling full agent writes it (RFC 8445 7.2.2); the answer goes to
 * the DTLS UA's endpoint, which counts it in dropped_other. */
static void ice_check(struct world *w, bool nominate)
{
	ice_check_fd(w->fd_d, w->f, w->ports[RELAY_LEG_DTLS], nominate);
}

static void ice_check_fd(int fd, const struct fam *f, uint16_t port, bool nominate)
{
	uint8_t req[256], tid[STUN_TID_LEN];
	struct sockaddr_storage leg;
	struct stun_builder b;
	socklen_t ll = sa_make(&leg, media_for(f, f->ua_d), port);

	assert_int_equal(sec_random(tid, sizeof(tid)), 0);
	assert_int_equal(stun_build_start(&b, req, sizeof(req), STUN_BINDING_REQUEST, tid), 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, "Lite:peer", 9), 0);
	assert_int_equal(stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLING, 42), 0);
	if (nominate)
		assert_int_equal(stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0), 0);
	assert_int_equal(stun_build_integrity(&b, (const uint8_t *)ICE_PWD,
					      strlen(ICE_PWD)), 0);
	assert_int_equal(stun_build_fingerprint(&b), 0);
	assert_int_equal(sendto(fd, req, stun_build_len(&b), 0,
				(struct sockaddr *)&leg, ll),
			 (ssize_t)stun_build_len(&b));
}

static struct relay_ice_stats ice_stats(struct world *w)
{
	struct relay_call_stats st;

	assert_int_equal(relay_call_stats(w->call, &st), 0);
	return st.ice[RELAY_LEG_DTLS];
}

/* ICE-lite on the DTLS leg of an offloaded call (relay_ice.c): the
 * credentials take the call back (no peer until a nomination); the
 * nominated check names the peer and the call is offloaded again; a
 * consent check while offloaded reaches the relay (the kernel passes
 * STUN up) and changes nothing; without checks consent is lost (1 s):
 * taken back, media toward the DTLS UA stops, its own still reaches the
 * SDES UA; a check regains consent and the call is offloaded again. */
static void test_ice_while_offloaded(void **state)
{
	struct relay_ice_cfg ic = { .local_ufrag = "Lite", .local_pwd = ICE_PWD,
				    .remote_ufrag = "peer", .consent_ms = 1000 };
	struct relay_call_stats st;
	struct relay_ice_stats is;
	struct ksrtp_keymat a, b;
	uint64_t rtp_d, rtp_s, answers, end;

	NEED_BPF();
	ktr_call_up(&w_ice, &a, &b, true, &v4);
	assert_int_equal(relay_leg_ice_set(w_ice.call, RELAY_LEG_DTLS, &ic), 0);
	assert_false(offloaded(&w_ice));
	ice_check(&w_ice, true);
	assert_true(wait_offloaded(&w_ice, true));
	is = ice_stats(&w_ice);
	assert_int_equal(is.nominations, 1);
	assert_int_equal(is.verdict[STUN_ICE_NOMINATED], 1);
	rtp_d = ep_stats(w_ice.dtls)->rtp_recv;
	rtp_s = ep_stats(w_ice.sdes)->rtp_recv;
	media(&w_ice, N_PKT, true, true);
	expect_clean(w_ice.dtls, &w_ice.log_d, rtp_d + N_PKT);
	expect_clean(w_ice.sdes, &w_ice.log_s, rtp_s + N_PKT);
	assert_int_equal(relay_call_stats(w_ice.call, &st), 0);
	assert_true(st.offloaded);
	assert_true(st.kernel_fwd_pkts[RELAY_LEG_SDES] >= N_PKT);

	/* A consent check while offloaded: up to the relay, answered. */
	answers = ep_stats(w_ice.dtls)->dropped_other;
	ice_check(&w_ice, false);
	pump(&w_ice, 200);
	assert_int_equal(ice_stats(&w_ice).verdict[STUN_ICE_VALID], 1);
	assert_int_equal(ep_stats(w_ice.dtls)->dropped_other, answers + 1);
	assert_true(offloaded(&w_ice));

	/* No check for 1 s: consent lost, the call taken back. */
	end = clk_now_ms() + 3000;
	while (!ice_stats(&w_ice).consent_lost && clk_now_ms() < end)
		pump(&w_ice, 50);
	is = ice_stats(&w_ice);
	assert_true(is.consent_lost);
	assert_int_equal(is.consent_losses, 1);
	assert_false(offloaded(&w_ice));
	rtp_d = ep_stats(w_ice.dtls)->rtp_recv;
	rtp_s = ep_stats(w_ice.sdes)->rtp_recv;
	media(&w_ice, 20, true, true);
	pump(&w_ice, 100);
	assert_int_equal(ep_stats(w_ice.dtls)->rtp_recv, rtp_d);
	assert_int_equal(ep_stats(w_ice.sdes)->rtp_recv, rtp_s + 20);

	/* A valid check from it: consent again, offloaded again. */
	ice_check(&w_ice, false);
	assert_true(wait_offloaded(&w_ice, true));
	assert_false(ice_stats(&w_ice).consent_lost);
	rtp_d = ep_stats(w_ice.dtls)->rtp_recv;
	media(&w_ice, 20, true, true);
	assert_int_equal(ep_stats(w_ice.dtls)->rtp_recv, rtp_d + 20);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	world_close(&w_ice);
	(void)state;
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ktr_call_offloaded),
		cmocka_unit_test(test_ktr_call_offloaded_v6),
		cmocka_unit_test(test_ktr_call_offloaded_ice_dual),
		cmocka_unit_test(test_rekey_while_offloaded),
		cmocka_unit_test(test_takeback_transcrypt_and_peer),
		cmocka_unit_test(test_media_timeout_uses_kernel_counters),
		cmocka_unit_test(test_offload_off),
		cmocka_unit_test(test_mixed_family_stays_in_userspace),
		cmocka_unit_test(test_bundle_stays_in_userspace),
		cmocka_unit_test(test_ice_while_offloaded),
	};
	size_t n = sizeof(tests) / sizeof(tests[0]);

	fx.ready = fixture_up();
	if (!fx.ready)
		ns_cleanup(); /* each test says why (NEED_BPF) */
	return _cmocka_run_group_tests("relay_offload", tests, n, NULL, NULL);
}

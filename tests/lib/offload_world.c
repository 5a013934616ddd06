/*
 * offload_world: the relay with the in-kernel fast path between two real
 * endpoints in network namespaces (see offload_world.h).
 */
#include "tests/lib/offload_world.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/clk.h"
#include "base/sec.h"
#include "stun/stun.h"
#include "tests/lib/call_fix.h"

#define MEDIA_ADDR "203.0.113.1"
#define MEDIA_ADDR6 "2001:db8:ff::1"
#define OFFLOAD_WAIT_MS 4000

const struct offload_world_fam offload_world_v4 = { MEDIA_ADDR, "192.0.2.2",
						    "198.51.100.2", NULL, false };
const struct offload_world_fam offload_world_v6 = { MEDIA_ADDR6, "2001:db8:a::2",
						    "2001:db8:b::2", NULL, false };
const struct offload_world_fam offload_world_mixed = { MEDIA_ADDR, "2001:db8:a::2",
						       "198.51.100.2", MEDIA_ADDR6,
						       false };
const struct offload_world_fam offload_world_dual6 = { MEDIA_ADDR, "2001:db8:a::2",
						       "2001:db8:b::2", MEDIA_ADDR6,
						       true };

struct offload_world_fx offload_world_fx;

/* The relay's address toward a UA at ip: the one of ip's family. */
static const char *media_for(const struct offload_world_fam *f, const char *ip)
{
	return f->media_alt && (strchr(ip, ':') != NULL) != (strchr(f->media, ':') != NULL) ?
		       f->media_alt : f->media;
}

/* the namespaces, in tests/lib/netns_fix.h's order */
enum {
	NS_A = NETNS_FIX_A,
	NS_S = NETNS_FIX_S,
	NS_B = NETNS_FIX_B,
	NS_N = NETNS_FIX_ASB
};

static void enter(int ns)
{
	if (netns_fix_enter(&offload_world_fx.ns, ns) < 0)
		abort();
}

static void ns_cleanup(void)
{
	if (offload_world_fx.o && offload_world_fx.ns.inited &&
	    offload_world_fx.ns.fd[NS_S] >= 0) {
		enter(NS_S);
		offload_free(offload_world_fx.o);
		offload_world_fx.o = NULL;
	}
	netns_fix_down(&offload_world_fx.ns);
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
 * (tests/lib/netns_fix.h); false with offload_world_fx.ns.why when this
 * machine cannot. Leaves the thread in S on success. */
static bool fixture_up(void)
{
	if (!netns_fix_asb_offload(&offload_world_fx.ns, "ktrr", ns_cmds,
				   sizeof(ns_cmds) / sizeof(ns_cmds[0]),
				   ns_cleanup, &offload_world_fx.o))
		return false;
	enter(NS_S);
	return true;
}

bool offload_world_setup(void)
{
	offload_world_fx.ready = fixture_up();
	if (!offload_world_fx.ready)
		ns_cleanup(); /* each test says why (OFFLOAD_WORLD_NEED_BPF) */
	return offload_world_fx.ready;
}

socklen_t offload_world_sa(struct sockaddr_storage *ss, const char *ip,
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

uint16_t offload_world_sa_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ?
			     ((const struct sockaddr_in6 *)ss)->sin6_port :
			     ((const struct sockaddr_in *)ss)->sin_port);
}

/* A socket in namespace ns bound to ip (any port); the thread returns to S. */
static int open_udp(int ns, const char *ip, struct sockaddr_storage *a)
{
	socklen_t alen = offload_world_sa(a, ip, 0), l = alen;
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

void offload_world_open(struct offload_world *w, bool offload,
			const struct offload_world_fam *f)
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
		.media_timeout_ms = OFFLOAD_WORLD_MEDIA_TIMEOUT_MS,
	};

	memset(w, 0, sizeof(*w));
	w->f = f;
	rc.offload = offload ? offload_world_fx.o : NULL;
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
		struct relay_ice_cfg ic = { .local_ufrag = "Lite",
					    .local_pwd = OFFLOAD_WORLD_ICE_PWD,
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
		offload_world_ice_check(w->fd_d, f, w->ports[RELAY_LEG_DTLS], true);
		return;
	}
	assert_int_equal(relay_leg_set_peer(w->call, RELAY_LEG_DTLS,
					    (struct sockaddr *)&w->addr_d,
					    w->addr_d.ss_family == AF_INET6 ?
						    sizeof(struct sockaddr_in6) :
						    sizeof(struct sockaddr_in),
					    false), 0);
}

void offload_world_close(struct offload_world *w)
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

void offload_world_pump(struct offload_world *w, int ms)
{
	struct ep *eps[2] = { w->sdes, w->dtls };
	int fds[2] = { w->fd_s, w->fd_d };

	call_fix_pump(w->r, eps, fds, true, w->ev, &w->nev, OFFLOAD_WORLD_EV_MAX, ms);
}

size_t offload_world_count_ev(const struct offload_world *w,
			      enum relay_event_type t)
{
	size_t n = 0;

	for (size_t i = 0; i < w->nev; i++)
		n += w->ev[i].type == t;
	return n;
}

/* Wait until there are `want` events of type t. */
bool offload_world_wait_ev(struct offload_world *w, enum relay_event_type t,
			   size_t want, int ms)
{
	uint64_t end = clk_now_ms() + (uint64_t)ms;

	while (offload_world_count_ev(w, t) < want && clk_now_ms() < end)
		offload_world_pump(w, 10);
	return offload_world_count_ev(w, t) >= want;
}

const struct relay_event *offload_world_last_ev(const struct offload_world *w,
						enum relay_event_type t)
{
	for (size_t i = w->nev; i > 0; i--)
		if (w->ev[i - 1].type == t)
			return &w->ev[i - 1];
	return NULL;
}

bool offload_world_offloaded(struct offload_world *w)
{
	struct relay_call_stats st;

	assert_int_equal(relay_call_stats(w->call, &st), 0);
	return st.offloaded;
}

/* Poll the relay's state (its scans run every OFFLOAD_WORLD_MEDIA_TIMEOUT_MS / 4). */
bool offload_world_wait_offloaded(struct offload_world *w, bool want)
{
	uint64_t end = clk_now_ms() + OFFLOAD_WAIT_MS;

	while (offload_world_offloaded(w) != want && clk_now_ms() < end)
		offload_world_pump(w, 20);
	return offload_world_offloaded(w) == want;
}

/* n RTP packets from each enabled UA, an SRTCP report after every 10th,
 * paced at about 1 per ms. */
static void pump_cb(void *w, int ms)
{
	offload_world_pump(w, ms);
}

void offload_world_media(struct offload_world *w, unsigned n, bool sdes,
			 bool dtls)
{
	call_fix_media(sdes ? w->sdes : NULL, dtls ? w->dtls : NULL, n, pump_cb,
		       w);
}

void offload_world_expect_clean(const struct ep *e, const struct media_log *ml,
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
void offload_world_ktr_up_ex(struct offload_world *w, struct ksrtp_keymat *a,
			     struct ksrtp_keymat *b, bool offload,
			     const struct offload_world_fam *f, bool bundle)
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

	offload_world_open(w, offload, f);
	if (bundle)
		assert_int_equal(relay_bundle_join(w->call, RELAY_LEG_DTLS, w->call), 0);
	assert_false(offload_world_offloaded(w)); /* peers known, but no KTR yet */
	assert_int_equal(relay_leg_dtls_start(w->call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w->ua_ctx), true), 0);
	ll = offload_world_sa(&leg, media_for(f, f->ua_d), w->ports[RELAY_LEG_DTLS]);
	ec.peer_fingerprint = dtls_ctx_fingerprint(w->sbc_ctx);
	assert_int_equal(ep_alloc(&w->dtls, w->ua_ctx, w->fd_d,
				  (struct sockaddr *)&leg, ll, &ec), 0);
	assert_int_equal(ep_start(w->dtls, clk_now_ms()), 0);
	assert_true(offload_world_wait_ev(w, RELAY_EV_DTLS_UP, 1, 10000));
	up = offload_world_last_ev(w, RELAY_EV_DTLS_UP);
	assert_true(up->ktr);
	call_fix_keymat(b, &up->keys, false);
	call_fix_random_key(a, KSRTP_AES128_CM_SHA1_80);
	sc.profile = a->profile;
	sc.local = *a;
	sc.remote = *b;
	ll = offload_world_sa(&leg, media_for(f, f->ua_s), w->ports[RELAY_LEG_SDES]);
	assert_int_equal(ep_alloc_sdes(&w->sdes, w->fd_s, (struct sockaddr *)&leg,
				       ll, &sc), 0);
	sec_wipe(&sc, sizeof(sc));
	assert_false(offload_world_offloaded(w)); /* KTR not yet acknowledged */
	assert_int_equal(relay_call_ktr_send_key(w->call, RELAY_LEG_DTLS, a), 0);
	/* The SDES UA's first packet names the SSRC and index A is announced
	 * for (its stream waits in the relay until the DTLS UA has A); once
	 * that is acknowledged the call qualifies. */
	offload_world_media(w, 10, true, true);
	assert_true(offload_world_wait_ev(w, RELAY_EV_KTR_ACKED, 1, 5000));
	if (offload && (!f->media_alt || f->ice_dual) && !bundle) /* a mixed call never qualifies */
		assert_true(offload_world_wait_offloaded(w, true));
}

void offload_world_ktr_up(struct offload_world *w, struct ksrtp_keymat *a,
			  struct ksrtp_keymat *b, bool offload,
			  const struct offload_world_fam *f)
{
	offload_world_ktr_up_ex(w, a, b, offload, f, false);
}

void offload_world_ice_check(int fd, const struct offload_world_fam *f,
			     uint16_t port, bool nominate)
{
	uint8_t req[256], tid[STUN_TID_LEN];
	struct sockaddr_storage leg;
	struct stun_builder b;
	socklen_t ll = offload_world_sa(&leg, media_for(f, f->ua_d), port);

	assert_int_equal(sec_random(tid, sizeof(tid)), 0);
	assert_int_equal(stun_build_start(&b, req, sizeof(req), STUN_BINDING_REQUEST, tid), 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, "Lite:peer", 9), 0);
	assert_int_equal(stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLING, 42), 0);
	if (nominate)
		assert_int_equal(stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0), 0);
	assert_int_equal(stun_build_integrity(&b, (const uint8_t *)OFFLOAD_WORLD_ICE_PWD,
					      strlen(OFFLOAD_WORLD_ICE_PWD)), 0);
	assert_int_equal(stun_build_fingerprint(&b), 0);
	assert_int_equal(sendto(fd, req, stun_build_len(&b), 0,
				(struct sockaddr *)&leg, ll),
			 (ssize_t)stun_build_len(&b));
}

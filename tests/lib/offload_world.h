/*
 * offload_world (test helper): the relay with the in-kernel fast path
 * (relay_cfg.offload, src/relay/relay_offload.c) between two real
 * endpoints (src/ep: real DTLS-SRTP with KTR, real libsrtp2), in network
 * namespaces it creates and deletes (tests/lib/netns_fix.h's a-s-b
 * topology), as tests/integ/test_relay_offload.c (what the kernel
 * forwards) and test_relay_offload_takeback.c (what it must not) share:
 *
 *   ns A (SDES UA)  ka <-veth-> ksa   ns S (the relay)   ksb <-veth-> kb  ns B (DTLS UA)
 *   192.0.2.2            192.0.2.1    203.0.113.1 on lo   198.51.100.1    198.51.100.2
 *   2001:db8:a::2   2001:db8:a::1     2001:db8:ff::1 on lo  2001:db8:b::1  2001:db8:b::2
 *
 * The relay binds both legs to 203.0.113.1 (one media address, as ktrsbc
 * does); A and B route to it through S, so each leg's egress device comes
 * from S's routing table. The program sits on ksa's and ksb's ingress; B
 * verifies checksums in software. Built on call_fix, media_log and
 * netns_fix. cmocka assertions: call from a test.
 */
#ifndef KTRSBC_TEST_OFFLOAD_WORLD_H
#define KTRSBC_TEST_OFFLOAD_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dtls/dtls.h"
#include "ep/ep.h"
#include "offload/offload.h"
#include "relay/relay.h"
#include "srtp/ksrtp.h"
#include "tests/lib/media_log.h"
#include "tests/lib/netns_fix.h"

#define OFFLOAD_WORLD_EV_MAX 64 /* relay events kept */
#define OFFLOAD_WORLD_MEDIA_TIMEOUT_MS 2000 /* scans every 500 ms (relay.c) */
/* The relay's ICE-lite password on an ICE leg (ufrag "Lite", the DTLS
 * UA's "peer"). */
#define OFFLOAD_WORLD_ICE_PWD "ktrsbcLitePassword+0123/x"

/* The addresses of a run: IPv4 or IPv6 (the same topology, both), or the
 * SDES UA on IPv6 and the DTLS UA on IPv4 (media_alt: the relay's second
 * address, relay_leg_set_family). */
struct offload_world_fam {
	const char *media, *ua_s, *ua_d, *media_alt;
	/* ICE-lite on the DTLS leg, kept in media's family with a second
	 * socket in media_alt's (relay_leg_alt_open), the DTLS UA nominating
	 * that one. */
	bool ice_dual;
};
extern const struct offload_world_fam offload_world_v4, offload_world_v6;
extern const struct offload_world_fam offload_world_mixed, offload_world_dual6;

/* The namespaces and the loaded program (offload_world_setup). */
struct offload_world_fx {
	struct netns_fix ns;
	struct offload *o;
	bool ready; /* offload_world_setup succeeded */
};
extern struct offload_world_fx offload_world_fx;

/* Namespaces, veths, routes and the program on ksa/ksb; false with
 * offload_world_fx.ns.why when this machine cannot (then everything is
 * cleaned up again). Leaves the thread in S on success. Call once from
 * main, before the tests. */
bool offload_world_setup(void);

/* A test where offload_world_setup failed: skipped with the reason on the
 * line above cmocka's "not ok N # SKIP" when this machine has no BPF or
 * namespaces, failed when BPF loads but our program does not
 * (tests/lib/netns_fix.h). Never a pass that checked nothing. */
#define OFFLOAD_WORLD_NEED_BPF()                                                        \
	do {                                                                            \
		if (!offload_world_fx.ready && offload_world_fx.ns.broken)             \
			fail_msg("our tc program: %s", offload_world_fx.ns.why);       \
		if (!offload_world_fx.ready) {                                          \
			print_message("# BPF unavailable: %s\n", offload_world_fx.ns.why); \
			skip();                                                         \
		}                                                                       \
	} while (0)

/* A call between two endpoints (as tests/integ/test_relay_ktr.c). */
struct offload_world {
	struct relay *r;
	struct dtls_ctx *sbc_ctx, *ua_ctx;
	struct relay_call *call;
	uint16_t ports[2];
	int fd_s, fd_d;
	struct sockaddr_storage addr_s, addr_d;
	socklen_t alen;
	const struct offload_world_fam *f;
	struct ep *sdes, *dtls;
	struct media_log log_s, log_d;
	struct relay_event ev[OFFLOAD_WORLD_EV_MAX];
	size_t nev;
};

/* ip and port as a sockaddr; its length. */
socklen_t offload_world_sa(struct sockaddr_storage *ss, const char *ip,
			   uint16_t port);
uint16_t offload_world_sa_port(const struct sockaddr_storage *ss);

/* A relay (offload: with the loaded program) with one call, both UAs'
 * sockets in A and B, both legs' peers set (f->ice_dual: the DTLS leg's
 * nominated instead, on its second socket). */
void offload_world_open(struct offload_world *w, bool offload,
			const struct offload_world_fam *f);
void offload_world_close(struct offload_world *w);

/* call_fix_pump for about ms milliseconds. */
void offload_world_pump(struct offload_world *w, int ms);
size_t offload_world_count_ev(const struct offload_world *w,
			      enum relay_event_type t);
/* Wait until there are `want` events of type t. */
bool offload_world_wait_ev(struct offload_world *w, enum relay_event_type t,
			   size_t want, int ms);
const struct relay_event *offload_world_last_ev(const struct offload_world *w,
						enum relay_event_type t);
bool offload_world_offloaded(struct offload_world *w);
/* Poll the relay's state (its scans run every
 * OFFLOAD_WORLD_MEDIA_TIMEOUT_MS / 4). */
bool offload_world_wait_offloaded(struct offload_world *w, bool want);

/* n RTP packets from each enabled UA, an SRTCP report after every 10th,
 * paced at about 1 per ms. */
void offload_world_media(struct offload_world *w, unsigned n, bool sdes,
			 bool dtls);
/* e received rtp RTP packets, each authenticated with its payload intact. */
void offload_world_expect_clean(const struct ep *e, const struct media_log *ml,
				uint64_t rtp);

/* Figure 7 up to the acknowledgement of A (announced for the SDES UA's
 * first packet, held in userspace until then), then offloaded; bundle:
 * the DTLS leg carries a BUNDLE (relay.h), which never qualifies. */
void offload_world_ktr_up_ex(struct offload_world *w, struct ksrtp_keymat *a,
			     struct ksrtp_keymat *b, bool offload,
			     const struct offload_world_fam *f, bool bundle);
void offload_world_ktr_up(struct offload_world *w, struct ksrtp_keymat *a,
			  struct ksrtp_keymat *b, bool offload,
			  const struct offload_world_fam *f);

/* A connectivity check from fd (the DTLS UA's socket) to the relay's DTLS
 * leg at port, as a controlling full agent writes it (RFC 8445 7.2.2),
 * nominating or not. */
void offload_world_ice_check(int fd, const struct offload_world_fam *f,
			     uint16_t port, bool nominate);

#endif

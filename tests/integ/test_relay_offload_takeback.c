/*
 * Integration: the relay with the in-kernel fast path (relay_cfg.offload,
 * src/relay/relay_offload.c, issue 7), between real endpoints (src/ep: real
 * DTLS-SRTP with KTR, real libsrtp2), in network namespaces
 * (tests/lib/offload_world.h): what keeps a call in userspace or takes it
 * back. Checked: a transcrypt takes an offloaded call back and keeps it in
 * userspace until stopped; a peer change takes it back (and the old
 * address is dropped by the kernel as a spoofer); with relay_cfg.offload
 * NULL nothing is offloaded; a call with IPv6 on one leg and IPv4 on the
 * other (relay_leg_set_family) stays in userspace, and so does a call whose
 * DTLS leg carries a BUNDLE; ICE-lite on the DTLS leg of an offloaded call
 * (STUN passed up by the kernel, nomination, consent lost and regained).
 * What the kernel forwards: test_relay_offload.c.
 * Without root, namespaces or BPF at all (a trivial program does not load)
 * each test is skipped with the reason; when BPF loads but ktr_tc.bpf.o is
 * missing, rejected or does not attach, each fails.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "base/clk.h"
#include "base/sec.h"
#include "ep/ep.h"
#include "offload/offload.h"
#include "relay/relay.h"
#include "srtp/ksrtp.h"
#include "stun/stun.h"
#include "tests/lib/call_fix.h"
#include "tests/lib/offload_world.h"

#define N_PKT 100

static struct offload_world w_ice; /* large: not on the stack */

/* A connectivity check from the DTLS UA's socket to its relay leg, as a
 * controlling full agent writes it (RFC 8445 7.2.2); the answer goes to
 * the DTLS UA's endpoint, which counts it in dropped_other. */
static void ice_check(struct offload_world *w, bool nominate)
{
	offload_world_ice_check(w->fd_d, w->f, w->ports[RELAY_LEG_DTLS], nominate);
}

static struct relay_ice_stats ice_stats(struct offload_world *w)
{
	struct relay_call_stats st;

	assert_int_equal(relay_call_stats(w->call, &st), 0);
	return st.ice[RELAY_LEG_DTLS];
}

/* A transcrypt (fallback or window) keeps the call in userspace; so does
 * nothing else once it stops. A peer change takes the call back. */
static void test_takeback_transcrypt_and_peer(void **state)
{
	struct offload_world w;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b, c;
	struct sockaddr_storage other;
	unsigned legs, ctrs;

	OFFLOAD_WORLD_NEED_BPF();
	offload_world_ktr_up(&w, &a, &b, true, &offload_world_v4);
	call_fix_random_key(&c, a.profile);
	assert_int_equal(relay_call_transcrypt(w.call, RELAY_LEG_SDES, &a, &c), 0);
	assert_false(offload_world_offloaded(&w));
	/* at least one scan */
	offload_world_pump(&w, OFFLOAD_WORLD_MEDIA_TIMEOUT_MS / 2 + 200);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_false(st.offloaded);
	assert_true(st.transcrypt);
	assert_int_equal(offload_map_entries(offload_world_fx.o, &legs, &ctrs), 0);
	assert_int_equal(legs, 0);
	assert_int_equal(ctrs, 0);
	assert_int_equal(relay_call_transcrypt(w.call, RELAY_LEG_SDES, NULL, NULL), 0);
	assert_true(offload_world_wait_offloaded(&w, true));

	/* Re-INVITE with a new address for the SDES UA: taken back, then
	 * offloaded with the new peer. */
	offload_world_sa(&other, "192.0.2.3", offload_world_sa_port(&w.addr_s));
	assert_int_equal(relay_leg_set_peer(w.call, RELAY_LEG_SDES,
					    (struct sockaddr *)&other,
					    w.alen, false), 0);
	assert_true(offload_world_wait_offloaded(&w, true));
	/* The old address is now a spoofer: dropped and counted by the
	 * kernel, merged into the leg's dropped_src. */
	offload_world_media(&w, 10, true, false);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_true(st.offloaded);
	assert_int_equal(st.leg[RELAY_LEG_SDES].dropped_src, 11);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	sec_wipe(&c, sizeof(c));
	offload_world_close(&w);
	(void)state;
}

/* relay_cfg.offload NULL (offload = off): a KTR call stays in userspace. */
static void test_offload_off(void **state)
{
	struct offload_world w;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b;
	uint64_t rtp_d;

	OFFLOAD_WORLD_NEED_BPF();
	offload_world_ktr_up(&w, &a, &b, false, &offload_world_v4);
	rtp_d = ep_stats(w.dtls)->rtp_recv;
	offload_world_media(&w, N_PKT, true, true);
	/* at least one scan */
	offload_world_pump(&w, OFFLOAD_WORLD_MEDIA_TIMEOUT_MS / 2 + 200);
	offload_world_expect_clean(w.dtls, &w.log_d, rtp_d + N_PKT);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_false(st.offloaded);
	assert_int_equal(st.kernel_fwd_pkts[RELAY_LEG_SDES], 0);
	assert_int_equal(st.kernel_fwd_pkts[RELAY_LEG_DTLS], 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts,
			 10 + 1 + N_PKT + N_PKT / 10);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	offload_world_close(&w);
	(void)state;
}

/* IPv6 on the SDES leg, IPv4 on the DTLS leg (DTLS and KTR over IPv4):
 * KTR up and forward-only, but the program cannot turn one family's
 * header into the other's, so the call stays in userspace: no map entry,
 * nothing forwarded by the kernel, every packet authenticated at both
 * ends (issue 14 point 4). */
static void test_mixed_family_stays_in_userspace(void **state)
{
	struct offload_world w;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b;
	unsigned legs, ctrs;
	uint64_t rtp_d, rtp_s;

	OFFLOAD_WORLD_NEED_BPF();
	offload_world_ktr_up(&w, &a, &b, true, &offload_world_mixed);
	rtp_d = ep_stats(w.dtls)->rtp_recv;
	rtp_s = ep_stats(w.sdes)->rtp_recv;
	offload_world_media(&w, N_PKT, true, true);
	/* at least one scan */
	offload_world_pump(&w, OFFLOAD_WORLD_MEDIA_TIMEOUT_MS / 2 + 200);
	offload_world_expect_clean(w.dtls, &w.log_d, rtp_d + N_PKT);
	offload_world_expect_clean(w.sdes, &w.log_s, rtp_s + N_PKT);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_false(st.offloaded);
	assert_int_equal(st.leg[RELAY_LEG_SDES].family, AF_INET6);
	assert_int_equal(st.leg[RELAY_LEG_DTLS].family, AF_INET);
	assert_int_equal(st.kernel_fwd_pkts[RELAY_LEG_SDES], 0);
	assert_int_equal(st.kernel_fwd_pkts[RELAY_LEG_DTLS], 0);
	assert_int_equal(st.leg[RELAY_LEG_SDES].crypto_ops, 0);
	assert_int_equal(offload_map_entries(offload_world_fx.o, &legs, &ctrs), 0);
	assert_int_equal(legs, 0);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	offload_world_close(&w);
	(void)state;
}

/* A KTR call whose DTLS leg carries a BUNDLE (relay.h): forward-only like
 * the first test's, but the eBPF map is keyed by the 5-tuple, which a
 * bundle's streams share: it stays in userspace, every packet
 * authenticated at both ends (issue 15 point 3). */
static void test_bundle_stays_in_userspace(void **state)
{
	struct offload_world w;
	struct relay_call_stats st;
	struct ksrtp_keymat a, b;
	unsigned legs, ctrs;
	uint64_t rtp_d, rtp_s;

	OFFLOAD_WORLD_NEED_BPF();
	offload_world_ktr_up_ex(&w, &a, &b, true, &offload_world_v4, true);
	rtp_d = ep_stats(w.dtls)->rtp_recv;
	rtp_s = ep_stats(w.sdes)->rtp_recv;
	offload_world_media(&w, N_PKT, true, true);
	/* at least one scan */
	offload_world_pump(&w, OFFLOAD_WORLD_MEDIA_TIMEOUT_MS / 2 + 200);
	offload_world_expect_clean(w.dtls, &w.log_d, rtp_d + N_PKT);
	offload_world_expect_clean(w.sdes, &w.log_s, rtp_s + N_PKT);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_true(st.ktr);
	assert_false(st.transcrypt);
	assert_false(st.offloaded);
	assert_int_equal(st.kernel_fwd_pkts[RELAY_LEG_SDES], 0);
	assert_int_equal(st.kernel_fwd_pkts[RELAY_LEG_DTLS], 0);
	assert_int_equal(offload_map_entries(offload_world_fx.o, &legs, &ctrs), 0);
	assert_int_equal(legs, 0);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	offload_world_close(&w);
	(void)state;
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
	struct relay_ice_cfg ic = { .local_ufrag = "Lite",
				    .local_pwd = OFFLOAD_WORLD_ICE_PWD,
				    .remote_ufrag = "peer", .consent_ms = 1000 };
	struct relay_call_stats st;
	struct relay_ice_stats is;
	struct ksrtp_keymat a, b;
	uint64_t rtp_d, rtp_s, answers, end;

	OFFLOAD_WORLD_NEED_BPF();
	offload_world_ktr_up(&w_ice, &a, &b, true, &offload_world_v4);
	assert_int_equal(relay_leg_ice_set(w_ice.call, RELAY_LEG_DTLS, &ic), 0);
	assert_false(offload_world_offloaded(&w_ice));
	ice_check(&w_ice, true);
	assert_true(offload_world_wait_offloaded(&w_ice, true));
	is = ice_stats(&w_ice);
	assert_int_equal(is.nominations, 1);
	assert_int_equal(is.verdict[STUN_ICE_NOMINATED], 1);
	rtp_d = ep_stats(w_ice.dtls)->rtp_recv;
	rtp_s = ep_stats(w_ice.sdes)->rtp_recv;
	offload_world_media(&w_ice, N_PKT, true, true);
	offload_world_expect_clean(w_ice.dtls, &w_ice.log_d, rtp_d + N_PKT);
	offload_world_expect_clean(w_ice.sdes, &w_ice.log_s, rtp_s + N_PKT);
	assert_int_equal(relay_call_stats(w_ice.call, &st), 0);
	assert_true(st.offloaded);
	assert_true(st.kernel_fwd_pkts[RELAY_LEG_SDES] >= N_PKT);

	/* A consent check while offloaded: up to the relay, answered. */
	answers = ep_stats(w_ice.dtls)->dropped_other;
	ice_check(&w_ice, false);
	offload_world_pump(&w_ice, 200);
	assert_int_equal(ice_stats(&w_ice).verdict[STUN_ICE_VALID], 1);
	assert_int_equal(ep_stats(w_ice.dtls)->dropped_other, answers + 1);
	assert_true(offload_world_offloaded(&w_ice));

	/* No check for 1 s: consent lost, the call taken back. */
	end = clk_now_ms() + 3000;
	while (!ice_stats(&w_ice).consent_lost && clk_now_ms() < end)
		offload_world_pump(&w_ice, 50);
	is = ice_stats(&w_ice);
	assert_true(is.consent_lost);
	assert_int_equal(is.consent_losses, 1);
	assert_false(offload_world_offloaded(&w_ice));
	rtp_d = ep_stats(w_ice.dtls)->rtp_recv;
	rtp_s = ep_stats(w_ice.sdes)->rtp_recv;
	offload_world_media(&w_ice, 20, true, true);
	offload_world_pump(&w_ice, 100);
	assert_int_equal(ep_stats(w_ice.dtls)->rtp_recv, rtp_d);
	assert_int_equal(ep_stats(w_ice.sdes)->rtp_recv, rtp_s + 20);

	/* A valid check from it: consent again, offloaded again. */
	ice_check(&w_ice, false);
	assert_true(offload_world_wait_offloaded(&w_ice, true));
	assert_false(ice_stats(&w_ice).consent_lost);
	rtp_d = ep_stats(w_ice.dtls)->rtp_recv;
	offload_world_media(&w_ice, 20, true, true);
	assert_int_equal(ep_stats(w_ice.dtls)->rtp_recv, rtp_d + 20);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	offload_world_close(&w_ice);
	(void)state;
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(test_takeback_transcrypt_and_peer),
		cmocka_unit_test(test_offload_off),
		cmocka_unit_test(test_mixed_family_stays_in_userspace),
		cmocka_unit_test(test_bundle_stays_in_userspace),
		cmocka_unit_test(test_ice_while_offloaded),
	};
	size_t n = sizeof(tests) / sizeof(tests[0]);

	offload_world_setup(); /* when it fails, each test says why */
	return _cmocka_run_group_tests("relay_offload_takeback", tests, n, NULL, NULL);
}

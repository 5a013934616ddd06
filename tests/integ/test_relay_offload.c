/*
 * Integration: the relay with the in-kernel fast path (relay_cfg.offload,
 * src/relay/relay_offload.c, issue 7), between real endpoints (src/ep: real
 * DTLS-SRTP with KTR, real libsrtp2), in network namespaces
 * (tests/lib/offload_world.h): what the kernel forwards.
 * Checked: a Figure 7 KTR call is offloaded once KTR is acknowledged, then
 * every RTP/SRTCP packet both ways is forwarded by the kernel (the kernel's
 * counters, merged into relay_call_stats, account for all of them) and
 * authenticates at the far end (bytes unchanged), over IPv4 and IPv6; an
 * ICE leg with a socket per family nominated on its second (IPv6) socket
 * is offloaded with the IPv6 SDES leg, keyed by that socket; a
 * new_srtp_key re-key on the offloaded call takes it back into userspace,
 * the DTLS UA installs the key and authenticates the SDES UA's packets
 * under it, and the call is offloaded again after the acknowledgement;
 * media forwarded only by the kernel keeps the media timeout quiet, which
 * fires once the media stops; after relay_call_free no map entry is left.
 * What keeps a call in userspace or takes it back (transcrypt, peer
 * change, offload off, mixed families, BUNDLE, ICE consent):
 * test_relay_offload_takeback.c.
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
#include "tests/lib/call_fix.h"
#include "tests/lib/offload_world.h"

#define N_PKT 100

static void ktr_call_offloaded(const struct offload_world_fam *f)
{
	struct offload_world w;
	struct relay_call_stats s0, s1;
	struct ksrtp_keymat a, b;
	unsigned legs, ctrs;
	uint64_t rtp_d, rtp_s;

	offload_world_ktr_up(&w, &a, &b, true, f);
	assert_int_equal(offload_map_entries(offload_world_fx.o, &legs, &ctrs), 0);
	assert_int_equal(legs, 2);
	assert_int_equal(ctrs, 2);
	assert_int_equal(relay_call_stats(w.call, &s0), 0);
	rtp_d = ep_stats(w.dtls)->rtp_recv;
	rtp_s = ep_stats(w.sdes)->rtp_recv;

	offload_world_media(&w, N_PKT, true, true);
	offload_world_expect_clean(w.dtls, &w.log_d, rtp_d + N_PKT);
	offload_world_expect_clean(w.sdes, &w.log_s, rtp_s + N_PKT);
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
	assert_int_equal(offload_map_entries(offload_world_fx.o, &legs, &ctrs), 0);
	assert_int_equal(legs, 0);
	assert_int_equal(ctrs, 0);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	offload_world_close(&w);
}

static void test_ktr_call_offloaded(void **state)
{
	OFFLOAD_WORLD_NEED_BPF();
	ktr_call_offloaded(&offload_world_v4);
	(void)state;
}

/* The same over IPv6 (one media address, egress devices from the IPv6
 * routing table). */
static void test_ktr_call_offloaded_v6(void **state)
{
	OFFLOAD_WORLD_NEED_BPF();
	ktr_call_offloaded(&offload_world_v6);
	(void)state;
}

/* An ICE leg with a socket per family (relay_leg_alt_open): its first
 * socket IPv4, the DTLS UA nominating the IPv6 one, the SDES UA on IPv6:
 * both legs send in IPv6, so the call qualifies, its DTLS leg's map entry
 * keyed by the second socket, every packet forwarded by the kernel. */
static void test_ktr_call_offloaded_ice_dual(void **state)
{
	OFFLOAD_WORLD_NEED_BPF();
	ktr_call_offloaded(&offload_world_dual6);
	(void)state;
}

/* new_srtp_key on an offloaded call: DTLS/KTR still reach userspace, the
 * call is taken back for the key's announcement and offloaded again. */
static void test_rekey_while_offloaded(void **state)
{
	struct offload_world w;
	struct relay_call_stats s0, s1;
	struct ksrtp_keymat a, a2, b;
	uint64_t keys, rtp_d;
	size_t acked;

	OFFLOAD_WORLD_NEED_BPF();
	offload_world_ktr_up(&w, &a, &b, true, &offload_world_v4);
	acked = offload_world_count_ev(&w, RELAY_EV_KTR_ACKED);
	keys = ep_stats(w.dtls)->keys_installed;
	rtp_d = ep_stats(w.dtls)->rtp_recv;
	call_fix_random_key(&a2, a.profile);
	assert_int_equal(relay_call_ktr_send_key(w.call, RELAY_LEG_DTLS, &a2), 0);
	assert_false(offload_world_offloaded(&w)); /* taken back for the announcement */
	/* The SDES UA switches (its re-INVITE's answer) and keeps sending. */
	assert_int_equal(ep_sdes_rekey(w.sdes, &a2, &b), 0);
	offload_world_media(&w, N_PKT, true, true);
	assert_true(offload_world_wait_ev(&w, RELAY_EV_KTR_ACKED, acked + 1, 5000));
	assert_true(ep_stats(w.dtls)->keys_installed > keys);
	offload_world_expect_clean(w.dtls, &w.log_d, rtp_d + N_PKT);
	assert_true(offload_world_wait_offloaded(&w, true));

	/* Forwarded by the kernel again, under the new key. */
	assert_int_equal(relay_call_stats(w.call, &s0), 0);
	offload_world_media(&w, N_PKT, true, true);
	offload_world_expect_clean(w.dtls, &w.log_d, rtp_d + 2 * N_PKT);
	assert_int_equal(relay_call_stats(w.call, &s1), 0);
	assert_int_equal(s1.kernel_fwd_pkts[RELAY_LEG_SDES] -
				 s0.kernel_fwd_pkts[RELAY_LEG_SDES],
			 N_PKT + N_PKT / 10);
	sec_wipe(&a, sizeof(a));
	sec_wipe(&a2, sizeof(a2));
	sec_wipe(&b, sizeof(b));
	offload_world_close(&w);
	(void)state;
}

/* Media only the kernel sees keeps the call alive; silence times it out. */
static void test_media_timeout_uses_kernel_counters(void **state)
{
	struct offload_world w;
	struct ksrtp_keymat a, b;
	uint64_t end;

	OFFLOAD_WORLD_NEED_BPF();
	offload_world_ktr_up(&w, &a, &b, true, &offload_world_v4);
	end = clk_now_ms() + OFFLOAD_WORLD_MEDIA_TIMEOUT_MS +
	      OFFLOAD_WORLD_MEDIA_TIMEOUT_MS / 2;
	while (clk_now_ms() < end)
		offload_world_media(&w, 10, true, true); /* ~10 ms + 200 ms each */
	assert_true(offload_world_offloaded(&w));
	assert_int_equal(offload_world_count_ev(&w, RELAY_EV_MEDIA_TIMEOUT), 0);
	assert_true(offload_world_wait_ev(&w, RELAY_EV_MEDIA_TIMEOUT, 1,
					  2 * OFFLOAD_WORLD_MEDIA_TIMEOUT_MS));
	sec_wipe(&a, sizeof(a));
	sec_wipe(&b, sizeof(b));
	offload_world_close(&w);
	(void)state;
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ktr_call_offloaded),
		cmocka_unit_test(test_ktr_call_offloaded_v6),
		cmocka_unit_test(test_ktr_call_offloaded_ice_dual),
		cmocka_unit_test(test_rekey_while_offloaded),
		cmocka_unit_test(test_media_timeout_uses_kernel_counters),
	};
	size_t n = sizeof(tests) / sizeof(tests[0]);

	offload_world_setup(); /* when it fails, each test says why */
	return _cmocka_run_group_tests("relay_offload", tests, n, NULL, NULL);
}

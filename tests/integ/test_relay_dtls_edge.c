/*
 * Integration: the edge cases of the relay's DTLS leg, with a real DTLS UA
 * (src/ep, OpenSSL) on 127.0.0.1 (the call: tests/lib/relay_world; the
 * KTR calls themselves are in test_relay_ktr.c).
 *   - A wrong fingerprint: RELAY_EV_DTLS_FAILED.
 *   - The DTLS UA's ClientHello arriving before its SDP answer (RFC 8122
 *     6.2): the handshake completes without the client retransmitting,
 *     also when spoofed datagrams from other sources arrive around it;
 *     one from a source other than the answer's is never fed in.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/sec.h"
#include "dtls/dtls.h"
#include "ktr/ktr.h"
#include "relay/relay.h"
#include "srtp/ksrtp.h"
#include "tests/lib/lo_udp.h"
#include "tests/lib/relay_world.h"

/* More spoofing sources than the relay keeps early datagrams for (4). */
#define N_SPOOFERS 6

/* Pump until the DTLS leg dropped n datagrams by the source check. */
static void wait_dtls_dropped_src(struct relay_world *w, uint64_t n)
{
	struct relay_call_stats st;

	for (int i = 0; i < 500; i++) {
		assert_int_equal(relay_call_stats(w->call, &st), 0);
		if (st.leg[RELAY_LEG_DTLS].dropped_src >= n)
			break;
		relay_world_pump(w, 10);
	}
	assert_int_equal(st.leg[RELAY_LEG_DTLS].dropped_src, n);
}

static void test_wrong_fingerprint_fails(void **state)
{
	struct relay_world w;
	const struct relay_event *e;
	struct relay_call_stats st;
	struct dtls_ctx *other = NULL;
	struct dtls_ctx_cfg dc = { .ktr_ext_type = KTR_EXT_TYPE_DEFAULT };

	relay_world_open(&w, KSRTP_AES128_CM_SHA1_80);
	assert_int_equal(dtls_ctx_alloc(&other, &dc), 0);
	/* The SDP promised another certificate. */
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(other), true),
			 0);
	relay_world_dtls_ua(&w, DTLS_ROLE_CLIENT, true);
	e = relay_world_wait_ev(&w, RELAY_EV_DTLS_FAILED, 10000);
	assert_non_null(e);
	assert_int_equal(e->err, -EKEYREJECTED);
	assert_null(relay_world_find_ev(&w, RELAY_EV_DTLS_UP));
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_false(st.dtls_up);
	dtls_ctx_free(other);
	relay_world_close(&w);
}

/* RFC 8122 6.2: the answerer (DTLS client, a=setup:active) starts its
 * handshake when it sends its answer, so its ClientHello can reach the
 * relay before the answer reaches the SBC: the DTLS leg has no peer and no
 * engine yet. The relay keeps that datagram and feeds it in when the
 * handshake starts. The DTLS UA's timers never run here, so it cannot
 * retransmit: without the kept ClientHello the handshake cannot finish. */
static void test_client_hello_before_answer(void **state)
{
	struct relay_world w;
	struct relay_call_stats st;
	const struct relay_event *up;

	relay_world_open_ex(&w, KSRTP_AES128_CM_SHA1_80, false, NULL);
	w.no_ua_timers = true;
	relay_world_dtls_ua(&w, DTLS_ROLE_CLIENT, true);
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
	up = relay_world_wait_ev(&w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	assert_true(up->ktr);
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_true(st.dtls_up);
	assert_int_equal(st.leg[RELAY_LEG_DTLS].dropped_src, 1);
	relay_world_close(&w);
}

/* A DTLS-looking datagram from a source that is not fd's (a spoofer). */
static void spoof_dtls(const struct relay_world *w, int fd)
{
	uint8_t junk[100];

	assert_int_equal(sec_random(junk, sizeof(junk)), 0);
	junk[0] = 22; /* handshake */
	junk[1] = 0xfe;
	junk[2] = 0xfd; /* DTLS 1.2 */
	lo_udp_send(fd, w->ports[RELAY_LEG_DTLS], junk, sizeof(junk));
}

/* Before the answer, datagrams from other sources around the real early
 * ClientHello (one before it, then one from the same spoofer and from
 * more sources than the relay keeps): none replaces it, and the
 * handshake completes without the client retransmitting. */
static void test_early_client_hello_not_evicted(void **state)
{
	struct relay_world w;

	struct sockaddr_in sa[N_SPOOFERS];
	int fds[N_SPOOFERS];
	const struct relay_event *up;

	relay_world_open_ex(&w, KSRTP_AES128_CM_SHA1_80, false, NULL);
	w.no_ua_timers = true;
	for (int i = 0; i < N_SPOOFERS; i++)
		fds[i] = lo_udp_open(&sa[i]);
	spoof_dtls(&w, fds[0]);
	relay_world_dtls_ua(&w, DTLS_ROLE_CLIENT, true);
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
	up = relay_world_wait_ev(&w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	assert_true(up->ktr);
	assert_null(relay_world_find_ev(&w, RELAY_EV_DTLS_FAILED));
	for (int i = 0; i < N_SPOOFERS; i++)
		close(fds[i]);
	relay_world_close(&w);
}

/* The same datagram from a source other than the answer's: never fed in
 * (draft section 6), and freed with the call (LeakSanitizer). */
static void test_early_datagram_other_source(void **state)
{
	struct relay_world w;
	struct relay_call_stats st;
	struct sockaddr_in other;
	int fd_o;

	relay_world_open_ex(&w, KSRTP_AES128_CM_SHA1_80, false, NULL);
	w.no_ua_timers = true;
	relay_world_dtls_ua(&w, DTLS_ROLE_CLIENT, true);
	wait_dtls_dropped_src(&w, 1);
	/* The answer names another address. */
	fd_o = lo_udp_open(&other);
	assert_int_equal(relay_leg_set_peer(w.call, RELAY_LEG_DTLS,
					    (struct sockaddr *)&other,
					    sizeof(other), false),
			 0);
	assert_int_equal(relay_leg_dtls_start(w.call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w.ua_ctx), true),
			 0);
	relay_world_pump(&w, 300);
	assert_null(relay_world_find_ev(&w, RELAY_EV_DTLS_UP));
	assert_int_equal(relay_call_stats(w.call, &st), 0);
	assert_int_equal(st.leg[RELAY_LEG_DTLS].dtls_pkts, 0);
	assert_false(st.dtls_up);
	close(fd_o);
	relay_world_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrong_fingerprint_fails),
		cmocka_unit_test(test_client_hello_before_answer),
		cmocka_unit_test(test_early_datagram_other_source),
		cmocka_unit_test(test_early_client_hello_not_evicted),
	};

	return cmocka_run_group_tests_name("relay_dtls_edge", tests, NULL, NULL);
}

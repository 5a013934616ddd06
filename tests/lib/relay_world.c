/* relay_world: a relay call between two real endpoints, for tests (see
 * relay_world.h). */
#include "tests/lib/relay_world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/clk.h"
#include "base/sec.h"
#include "tests/lib/call_fix.h"
#include "tests/lib/lo_udp.h"

void relay_world_open_ex(struct relay_world *w, int profile, bool dtls_peer,
			 const struct ktr_sess_cfg *ktr)
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
	if (ktr)
		rc.ktr = *ktr;
	assert_int_equal(dtls_ctx_alloc(&w->sbc_ctx, &dc), 0);
	assert_int_equal(dtls_ctx_alloc(&w->ua_ctx, &dc), 0);
	rc.dtls = w->sbc_ctx;
	assert_int_equal(relay_alloc(&w->r, &rc), 0);
	assert_int_equal(relay_call_alloc(w->r, &w->call, w, w->ports), 0);
	w->fd_s = lo_udp_open(&w->addr_s);
	w->fd_d = lo_udp_open(&w->addr_d);
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

void relay_world_open(struct relay_world *w, int profile)
{
	relay_world_open_ex(w, profile, true, NULL);
}

void relay_world_close(struct relay_world *w)
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

void relay_world_dtls_ua(struct relay_world *w, enum dtls_role role, bool ktr)
{
	struct sockaddr_in leg = lo_udp_addr(w->ports[RELAY_LEG_DTLS]);
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

void relay_world_sdes_ua(struct relay_world *w, const struct ksrtp_keymat *a,
			 const struct ksrtp_keymat *b)
{
	relay_world_sdes_ua_at(w, a, b, -1);
}

void relay_world_sdes_ua_at(struct relay_world *w,
			    const struct ksrtp_keymat *a,
			    const struct ksrtp_keymat *b, int first_seq)
{
	struct sockaddr_in leg = lo_udp_addr(w->ports[RELAY_LEG_SDES]);
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

void relay_world_pump(struct relay_world *w, int ms)
{
	struct ep *eps[2] = { w->sdes, w->dtls_deaf ? NULL : w->dtls };
	int fds[2] = { w->fd_s, w->fd_d };
	size_t n0 = w->nev;

	call_fix_pump(w->r, eps, fds, !w->no_ua_timers, w->ev, &w->nev,
		      RELAY_WORLD_EV_MAX, ms);
	for (size_t i = n0; i < w->nev; i++) {
		assert_ptr_equal(w->ev[i].arg, w);
		assert_int_equal(w->ev[i].call_id, relay_call_id(w->call));
	}
}

const struct relay_event *relay_world_find_ev(const struct relay_world *w,
					      enum relay_event_type t)
{
	for (size_t i = 0; i < w->nev; i++)
		if (w->ev[i].type == t)
			return &w->ev[i];
	return NULL;
}

const struct relay_event *relay_world_wait_ev(struct relay_world *w,
					      enum relay_event_type t, int ms)
{
	uint64_t end = clk_now_ms() + (uint64_t)ms;
	const struct relay_event *e;

	while (!(e = relay_world_find_ev(w, t)) && clk_now_ms() < end)
		relay_world_pump(w, 10);
	return e;
}

static void pump_cb(void *w, int ms)
{
	relay_world_pump(w, ms);
}

void relay_world_media(struct relay_world *w, bool sdes, bool dtls)
{
	call_fix_media(sdes ? w->sdes : NULL, dtls ? w->dtls : NULL,
		       RELAY_WORLD_N_PKT, pump_cb, w);
}

void relay_world_expect_all_authenticated(const struct ep *e,
					  const struct media_log *ml,
					  bool with_rtcp)
{
	const struct ep_stats *s = ep_stats(e);

	assert_int_equal(s->rtp_recv, RELAY_WORLD_N_PKT);
	assert_int_equal(ml->rtp, RELAY_WORLD_N_PKT);
	assert_int_equal(ml->bad_payload, 0);
	assert_int_equal(s->auth_fail, 0);
	assert_int_equal(s->replay, 0);
	assert_int_equal(s->no_key, 0);
	if (with_rtcp)
		assert_int_equal(s->rtcp_recv, RELAY_WORLD_N_PKT / 10);
}

void relay_world_ktr_up(struct relay_world *w, int profile,
			struct ksrtp_keymat *a, struct ksrtp_keymat *b)
{
	const struct relay_event *up;

	assert_int_equal(relay_leg_dtls_start(w->call, RELAY_LEG_DTLS,
					      DTLS_ROLE_SERVER,
					      dtls_ctx_fingerprint(w->ua_ctx), true),
			 0);
	relay_world_dtls_ua(w, DTLS_ROLE_CLIENT, true);
	up = relay_world_wait_ev(w, RELAY_EV_DTLS_UP, 10000);
	assert_non_null(up);
	assert_true(up->ktr);
	call_fix_keymat(b, &up->keys, false);
	call_fix_random_key(a, profile);
}

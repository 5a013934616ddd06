/* call_fix: a relay call between two endpoints, for tests (see call_fix.h). */
#include "tests/lib/call_fix.h"

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/clk.h"
#include "base/sec.h"

void call_fix_pump(struct relay *r, struct ep *const eps[2],
		   const int fds[2], bool timers, struct relay_event *ev,
		   size_t *nev, size_t max, int ms)
{
	uint64_t end = clk_now_ms() + (uint64_t)ms;

	for (;;) {
		struct pollfd p[3];
		uint64_t now = clk_now_ms();
		int wait = (int)(end > now ? end - now : 0), np = 0;

		for (int i = 0; i < 2; i++) {
			int64_t t;

			if (!eps[i])
				continue;
			p[np].fd = fds[i];
			p[np].events = POLLIN;
			np++;
			t = ep_timeout_ms(eps[i], now);
			if (t >= 0 && t < wait)
				wait = (int)t;
		}
		p[np].fd = relay_event_fd(r);
		p[np].events = POLLIN;
		poll(p, (nfds_t)np + 1, wait);
		for (int i = 0; i < 2; i++) {
			if (!eps[i])
				continue;
			ep_read(eps[i], clk_now_ms());
			if (timers)
				ep_timer(eps[i], clk_now_ms());
		}
		while (*nev < max && relay_event_next(r, &ev[*nev]) == 0)
			(*nev)++;
		if (clk_now_ms() >= end)
			return;
	}
}

void call_fix_media(struct ep *sdes, struct ep *dtls, unsigned n,
		    void (*pump)(void *arg, int ms), void *arg)
{
	struct ep *e[2] = { sdes, dtls };
	uint8_t pl[EP_MEDIA_PAYLOAD];

	for (unsigned k = 0; k < n; k++) {
		for (int i = 0; i < 2; i++) {
			if (!e[i])
				continue;
			memset(pl, (uint8_t)ep_next_index(e[i]), sizeof(pl));
			assert_int_equal(ep_send_rtp(e[i], pl, sizeof(pl)), 0);
			if (k % 10 == 9)
				assert_int_equal(ep_send_rtcp(e[i]), 0);
		}
		pump(arg, 1);
	}
	pump(arg, 200);
}

void call_fix_random_key(struct ksrtp_keymat *k, int profile)
{
	size_t kl, sl;

	assert_int_equal(ksrtp_profile_lens(profile, &kl, &sl, NULL), 0);
	memset(k, 0, sizeof(*k));
	k->profile = profile;
	k->key_len = (uint8_t)kl;
	k->salt_len = (uint8_t)sl;
	assert_int_equal(sec_random(k->key, kl), 0);
	assert_int_equal(sec_random(k->salt, sl), 0);
}

void call_fix_keymat(struct ksrtp_keymat *k, const struct dtls_srtp_keys *dk,
		     bool local)
{
	memset(k, 0, sizeof(*k));
	k->profile = dk->profile;
	k->key_len = (uint8_t)dk->key_len;
	k->salt_len = (uint8_t)dk->salt_len;
	memcpy(k->key, local ? dk->local_key : dk->remote_key, dk->key_len);
	memcpy(k->salt, local ? dk->local_salt : dk->remote_salt, dk->salt_len);
}

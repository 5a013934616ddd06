/* media_fix (test helper): see media_fix.h. */
#include "tests/lib/media_fix.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "conf/conf.h"

static int t_alloc(void *loop, void **tp, void (*fn)(void *), void *arg)
{
	*tp = calloc(1, 1);
	return *tp ? 0 : -ENOMEM;
}
static int t_start(void *t, unsigned ms) { return 0; }
static void t_stop(void *t) {}
static void t_free(void *t) { free(t); }
const struct media_timer_ops media_fix_timers = { t_alloc, t_start, t_stop, t_free };

static int h_answer(void *arg, enum media_side side, const char *sdp) { return 0; }
static int h_offer(void *arg, enum media_side side, const char *sdp) { return 0; }
static void h_refuse(void *arg, enum media_side side, enum media_cause cause,
		     const char *text) {}
static void h_up(void *arg) {}
static void h_ended(void *arg, enum media_cause cause, bool with_reason,
		    const char *text) {}
static bool h_keys(void *arg, enum media_side side) { return true; }
const struct media_handler media_fix_handler = {
	h_answer, h_offer, h_refuse, h_up, h_ended, h_keys,
};

struct media_engine *media_fix_engine(const char *addr, const char *addr6,
				      uint16_t port_min, uint16_t port_max)
{
	struct media_engine_cfg cfg = { 0 };
	struct media_engine *e = NULL;
	struct conf c;
	char err[256] = "";

	conf_defaults(&c);
	if (addr)
		snprintf(c.media_address, sizeof(c.media_address), "%s", addr);
	if (addr6)
		snprintf(c.media_address6, sizeof(c.media_address6), "%s", addr6);
	c.media_port_min = port_min;
	c.media_port_max = port_max;
	c.relay_workers = 1;
	c.offload = CONF_OFFLOAD_OFF;
	cfg.conf = &c;
	cfg.timers = &media_fix_timers;
	if (media_engine_alloc(&e, &cfg, err, sizeof(err)))
		fail_msg("media_engine_alloc: %s", err);
	return e;
}

/* media_fix (test helper): see media_fix.h. */
#include "tests/lib/media_fix.h"

#include <errno.h>
#include <stdlib.h>

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

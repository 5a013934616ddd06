/*
 * media_fix (test helper): what the media core's unit tests (test_media.c,
 * test_media_family.c, test_media_ice.c, test_glare.c) give it for a
 * driver where the test has nothing to observe: a timer table whose timers
 * are allocated but never fire, and a handler that takes every SDP and
 * event without a word (keys may come over any path).
 */
#ifndef KTRSBC_TEST_MEDIA_FIX_H
#define KTRSBC_TEST_MEDIA_FIX_H

#include "media/media.h"

extern const struct media_timer_ops media_fix_timers;
extern const struct media_handler media_fix_handler;

/* A media engine on conf_defaults with one relay worker, no offload,
 * media_fix_timers, media ports port_min..port_max (each test its own
 * range), media_address addr and media_address6 addr6 (NULL: the
 * default). cmocka assertions: call from a test or its setup. */
struct media_engine *media_fix_engine(const char *addr, const char *addr6,
				      uint16_t port_min, uint16_t port_max);

#endif

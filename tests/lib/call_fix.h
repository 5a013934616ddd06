/*
 * call_fix (test helper): the parts of a relay call between two real
 * endpoints (src/ep) that tests/lib/relay_world (test_relay_ktr.c,
 * test_relay_dtls_edge.c) and tests/lib/offload_world (test_relay_offload.c,
 * test_relay_offload_takeback.c) share: the loop that serves both
 * endpoints and collects the relay's events, media from the endpoints,
 * and key material. Each keeps its own world (sockets,
 * namespaces, relay configuration).
 * cmocka assertions: call from a test.
 */
#ifndef KTRSBC_TEST_CALL_FIX_H
#define KTRSBC_TEST_CALL_FIX_H

#include <stdbool.h>
#include <stddef.h>

#include "dtls/dtls.h"
#include "ep/ep.h"
#include "relay/relay.h"
#include "srtp/ksrtp.h"

/* For about ms milliseconds: poll the endpoints eps[i] (NULL: not there
 * yet) on fds[i] and the relay's event fd; let each endpoint read and,
 * with timers, run its timers; append the relay's events to ev[*nev..max)
 * (the rest stay queued in the relay). */
void call_fix_pump(struct relay *r, struct ep *const eps[2],
		   const int fds[2], bool timers, struct relay_event *ev,
		   size_t *nev, size_t max, int ms);

/* n RTP packets from each non-NULL endpoint, an SRTCP report after every
 * 10th, pump(arg, 1) after each round and pump(arg, 200) at the end. */
void call_fix_media(struct ep *sdes, struct ep *dtls, unsigned n,
		    void (*pump)(void *arg, int ms), void *arg);

/* A fresh random key and salt for profile (also test_ep_sdes.c). */
void call_fix_random_key(struct ksrtp_keymat *k, int profile);
/* The local or the remote half of DTLS-SRTP keys as key material. */
void call_fix_keymat(struct ksrtp_keymat *k, const struct dtls_srtp_keys *dk,
		     bool local);

#endif

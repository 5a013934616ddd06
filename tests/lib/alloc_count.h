/*
 * alloc_count (test helper): count the allocations made by threads other
 * than the test's own (the relay's workers) while counting, through the
 * sanitizer runtime's malloc hooks (tests run under ASan), for the tests of
 * an allocation-free forwarding path (test_relay, test_relay_bundle).
 * cmocka assertions: call from a test.
 */
#ifndef KTRSBC_TEST_ALLOC_COUNT_H
#define KTRSBC_TEST_ALLOC_COUNT_H

/* Install the hooks (once per process) with the calling thread as the
 * test's, and check that the counter sees another thread's allocation (a
 * negative control). */
void alloc_count_init(void);
/* Count from now on (from zero). */
void alloc_count_start(void);
/* Stop counting; the allocations counted since alloc_count_start. */
unsigned long alloc_count_stop(void);

#endif

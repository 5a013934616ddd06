/* alloc_count: allocations off the test's thread (see alloc_count.h). */
#include "tests/lib/alloc_count.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

/* From the sanitizer runtime (compiler-rt's sanitizer/allocator_interface.h,
 * which gcc does not ship; libasan exports the symbol). */
int __sanitizer_install_malloc_and_free_hooks(
	void (*malloc_hook)(const volatile void *, size_t),
	void (*free_hook)(const volatile void *));

static pthread_t main_thr;
static int counting;
static unsigned long off_main_allocs;

static void malloc_hook(const volatile void *ptr, size_t size)
{
	if (__atomic_load_n(&counting, __ATOMIC_RELAXED) &&
	    !pthread_equal(pthread_self(), main_thr))
		__atomic_add_fetch(&off_main_allocs, 1, __ATOMIC_RELAXED);
}

static void free_hook(const volatile void *ptr)
{
}

static void *allocating_thread(void *arg)
{
	free(malloc(32));
	return arg;
}

void alloc_count_init(void)
{
	pthread_t t;

	main_thr = pthread_self();
	assert_int_not_equal(__sanitizer_install_malloc_and_free_hooks(malloc_hook,
								     free_hook),
			     0);
	/* The counter sees another thread's allocation (negative control). */
	alloc_count_start();
	assert_int_equal(pthread_create(&t, NULL, allocating_thread, NULL), 0);
	pthread_join(t, NULL);
	assert_true(alloc_count_stop() > 0);
}

void alloc_count_start(void)
{
	__atomic_store_n(&off_main_allocs, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&counting, 1, __ATOMIC_RELAXED);
}

unsigned long alloc_count_stop(void)
{
	__atomic_store_n(&counting, 0, __ATOMIC_RELAXED);
	return __atomic_load_n(&off_main_allocs, __ATOMIC_RELAXED);
}

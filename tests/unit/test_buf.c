/* Unit tests for src/base/buf: all-or-nothing, network order, bounds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"

static void test_get_network_order(void **state)
{
	const uint8_t in[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
			       0x09, 0x0a };
	struct buf_rd r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u24, u32;

	buf_rd_init(&r, in, sizeof(in));
	assert_int_equal(buf_get_u8(&r, &u8), 0);
	assert_int_equal(u8, 0x01);
	assert_int_equal(buf_get_u16(&r, &u16), 0);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(buf_get_u24(&r, &u24), 0);
	assert_int_equal(u24, 0x040506);
	assert_int_equal(buf_get_u32(&r, &u32), 0);
	assert_int_equal(u32, 0x0708090a);
	assert_int_equal(buf_rd_left(&r), 0);
	assert_int_equal(buf_rd_end(&r), 0);
}

static void test_short_read_leaves_state(void **state)
{
	const uint8_t in[] = { 0xaa, 0xbb, 0xcc };
	struct buf_rd r;
	uint32_t v = 0x11111111;
	uint8_t b[4] = { 0 };

	buf_rd_init(&r, in, sizeof(in));
	assert_int_equal(buf_get_u32(&r, &v), -ENODATA);
	assert_int_equal(v, 0x11111111);
	assert_int_equal(buf_get_bytes(&r, b, 4), -ENODATA);
	assert_int_equal(b[0], 0);
	assert_int_equal(buf_rd_left(&r), 3);
	assert_int_equal(buf_get_u24(&r, &v), 0);
	assert_int_equal(v, 0xaabbcc);
	assert_int_equal(buf_skip(&r, 1), -ENODATA);
}

static void test_trailing_rejected(void **state)
{
	const uint8_t in[] = { 1, 2 };
	struct buf_rd r;
	uint8_t v, p;

	buf_rd_init(&r, in, sizeof(in));
	assert_int_equal(buf_get_u8(&r, &v), 0);
	assert_int_equal(buf_rd_end(&r), -EBADMSG);
	assert_int_equal(buf_peek_u8(&r, 0, &p), 0);
	assert_int_equal(p, 2);
	assert_int_equal(buf_peek_u8(&r, 1, &p), -ENODATA);
}

static void test_huge_length_no_overflow(void **state)
{
	const uint8_t in[] = { 1, 2, 3 };
	struct buf_rd r;
	const uint8_t *p = NULL;

	buf_rd_init(&r, in, sizeof(in));
	assert_int_equal(buf_skip(&r, 1), 0);
	assert_int_equal(buf_get_ptr(&r, &p, SIZE_MAX), -ENODATA);
	assert_null(p);
	assert_int_equal(buf_rd_left(&r), 2);
}

static void test_peek_wide(void **state)
{
	const uint8_t in[] = { 0x12, 0x34, 0x56, 0x78, 0x9a };
	struct buf_rd r;
	uint16_t v16 = 7;
	uint32_t v32 = 7;

	buf_rd_init(&r, in, sizeof(in));
	assert_int_equal(buf_peek_u16(&r, 3, &v16), 0);
	assert_int_equal(v16, 0x789a);
	assert_int_equal(buf_peek_u32(&r, 1, &v32), 0);
	assert_int_equal(v32, 0x3456789a);
	v16 = 7;
	v32 = 7;
	assert_int_equal(buf_peek_u16(&r, 4, &v16), -ENODATA);
	assert_int_equal(buf_peek_u32(&r, 2, &v32), -ENODATA);
	assert_int_equal(buf_peek_u16(&r, SIZE_MAX, &v16), -ENODATA);
	assert_int_equal(v16, 7);
	assert_int_equal(v32, 7);
	assert_int_equal(buf_skip(&r, 4), 0); /* offsets count from the cursor */
	assert_int_equal(buf_peek_u16(&r, 0, &v16), -ENODATA);
	assert_int_equal(buf_rd_left(&r), 1);
}

static void test_writer(void **state)
{
	uint8_t out[10];
	struct buf_wr w;
	const uint8_t want[] = { 0xff, 0x12, 0x34, 0x00, 0x00, 0x0c,
				 0xde, 0xad, 0xbe, 0xef };

	buf_wr_init(&w, out, sizeof(out));
	assert_int_equal(buf_put_u8(&w, 0xff), 0);
	assert_int_equal(buf_put_u16(&w, 0x1234), 0);
	assert_int_equal(buf_put_u24(&w, 0x1000000), -EINVAL);
	assert_int_equal(buf_put_u24(&w, 12), 0);
	assert_int_equal(buf_put_u32(&w, 0xdeadbeef), 0);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(buf_put_u8(&w, 0), -ENOSPC);
	assert_int_equal(w.len, sizeof(want));
}

static void test_writer_partial_nothing_written(void **state)
{
	uint8_t out[3] = { 0x55, 0x55, 0x55 };
	struct buf_wr w;

	buf_wr_init(&w, out, sizeof(out));
	assert_int_equal(buf_put_u8(&w, 1), 0);
	assert_int_equal(buf_put_u32(&w, 0x01020304), -ENOSPC);
	assert_int_equal(w.len, 1);
	assert_int_equal(out[1], 0x55);
}

static void test_err_str(void **state)
{
	assert_string_equal(err_str(-EBADMSG), "malformed message");
	assert_string_equal(err_str(EPROTO), "protocol violation");
	assert_non_null(err_str(-12345));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_network_order),
		cmocka_unit_test(test_short_read_leaves_state),
		cmocka_unit_test(test_trailing_rejected),
		cmocka_unit_test(test_huge_length_no_overflow),
		cmocka_unit_test(test_peek_wide),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_writer_partial_nothing_written),
		cmocka_unit_test(test_err_str),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}

/*
 * Unit: the endpoint's pcap writer (src/ep/ep_cap.c, format in ep_int.h):
 * the global header, IPv4 and IPv6 records with their UDP/IP checksums
 * verified independently, timestamps, limits and write errors. Addresses
 * from the documentation ranges (192.0.2.0/24, 2001:db8::/32).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "ep/ep_int.h"

static uint8_t file[1 << 17];

static size_t slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(file, 1, sizeof(file), f);
	fclose(f);
	return n;
}

static void tmp_path(char *p, size_t cap, const char *tag)
{
	snprintf(p, cap, "/tmp/test_ep_capture.%d.%s.pcap", (int)getpid(), tag);
}

static struct sockaddr_in v4(const char *ip, uint16_t port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return a;
}

static struct sockaddr_in6 v6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 a;

	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	a.sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, ip, &a.sin6_addr), 1);
	return a;
}

/* RFC 1071 sum of a byte range, written plainly for the test. */
static uint32_t sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void check_global(struct buf_rd *r)
{
	uint32_t v;
	uint16_t h;

	assert_int_equal(buf_get_u32(r, &v), 0);
	assert_int_equal(v, 0xa1b2c3d4u);
	assert_int_equal(buf_get_u16(r, &h), 0);
	assert_int_equal(h, 2);
	assert_int_equal(buf_get_u16(r, &h), 0);
	assert_int_equal(h, 4);
	assert_int_equal(buf_get_u32(r, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(buf_get_u32(r, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(buf_get_u32(r, &v), 0);
	assert_int_equal(v, EP_CAP_SNAPLEN);
	assert_int_equal(buf_get_u32(r, &v), 0);
	assert_int_equal(v, EP_CAP_LINKTYPE_RAW);
}

static void test_ipv4_record(void **state)
{
	static const uint8_t dgram[] = { 0x80, 0x00, 0x12, 0x34, 'o', 'd', 'd' };
	struct sockaddr_in src = v4("192.0.2.1", 5004), dst = v4("192.0.2.2", 6000);
	struct timespec ts = { .tv_sec = 1700000000, .tv_nsec = 123456789 };
	struct ep_cap c = { 0 };
	struct buf_rd r;
	char path[96];
	const uint8_t *ip, *udp;
	uint32_t v, incl;
	size_t n;

	tmp_path(path, sizeof(path), "v4");
	assert_int_equal(ep_cap_open(&c, path), 0);
	assert_int_equal(ep_cap_write(&c, (struct sockaddr *)&src,
				      (struct sockaddr *)&dst, dgram,
				      sizeof(dgram), &ts), 0);
	ts.tv_nsec = 0;
	assert_int_equal(ep_cap_write(&c, (struct sockaddr *)&dst,
				      (struct sockaddr *)&src, dgram, 0, &ts), 0);
	assert_int_equal(c.records, 2);
	assert_int_equal(ep_cap_close(&c), 0);
	assert_int_equal(ep_cap_close(&c), 0);
	n = slurp(path);
	unlink(path);
	assert_int_equal(n, 24 + 16 + 28 + sizeof(dgram) + 16 + 28);

	buf_rd_init(&r, file, n);
	check_global(&r);
	assert_int_equal(buf_get_u32(&r, &v), 0);
	assert_int_equal(v, 1700000000u);
	assert_int_equal(buf_get_u32(&r, &v), 0);
	assert_int_equal(v, 123456); /* microseconds */
	assert_int_equal(buf_get_u32(&r, &incl), 0);
	assert_int_equal(incl, 28 + sizeof(dgram));
	assert_int_equal(buf_get_u32(&r, &v), 0);
	assert_int_equal(v, incl);
	assert_int_equal(buf_get_ptr(&r, &ip, 20), 0);
	/* version/IHL, total length, DF, TTL, UDP, addresses */
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[2] << 8 | ip[3], incl);
	assert_int_equal(ip[6], 0x40);
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], 17);
	assert_memory_equal(ip + 12, &src.sin_addr, 4);
	assert_memory_equal(ip + 16, &dst.sin_addr, 4);
	assert_int_equal(fold(sum16(ip, 20)), 0xffff); /* header checksum */
	assert_int_equal(buf_get_ptr(&r, &udp, 8 + sizeof(dgram)), 0);
	assert_int_equal(udp[0] << 8 | udp[1], 5004);
	assert_int_equal(udp[2] << 8 | udp[3], 6000);
	assert_int_equal(udp[4] << 8 | udp[5], 8 + sizeof(dgram));
	assert_memory_equal(udp + 8, dgram, sizeof(dgram));
	/* UDP checksum: pseudo-header + UDP header + data sums to all ones. */
	assert_int_equal(fold(sum16(ip + 12, 8) + 17 + 8 + sizeof(dgram) +
			      sum16(udp, 8 + sizeof(dgram))), 0xffff);

	/* Second record: empty datagram, reversed direction, next IP id. */
	assert_int_equal(buf_skip(&r, 4), 0);
	assert_int_equal(buf_get_u32(&r, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(buf_skip(&r, 8), 0);
	assert_int_equal(buf_get_ptr(&r, &ip, 20), 0);
	assert_int_equal(ip[5], 1);
	assert_memory_equal(ip + 12, &dst.sin_addr, 4);
	assert_int_equal(buf_get_ptr(&r, &udp, 8), 0);
	assert_int_equal(udp[0] << 8 | udp[1], 6000);
	assert_int_equal(fold(sum16(ip + 12, 8) + 17 + 8 + sum16(udp, 8)),
			 0xffff);
	assert_int_equal(buf_rd_end(&r), 0);
}

static void test_ipv6_record(void **state)
{
	uint8_t dgram[200];
	struct sockaddr_in6 src = v6("2001:db8::1", 40000),
			    dst = v6("2001:db8::2", 40002);
	struct timespec ts = { .tv_sec = 1700000001, .tv_nsec = 999999999 };
	struct ep_cap c = { 0 };
	struct buf_rd r;
	char path[96];
	const uint8_t *ip, *udp;
	uint32_t v;
	size_t n;

	for (size_t i = 0; i < sizeof(dgram); i++)
		dgram[i] = (uint8_t)(i * 7 + 3);
	tmp_path(path, sizeof(path), "v6");
	assert_int_equal(ep_cap_open(&c, path), 0);
	assert_int_equal(ep_cap_write(&c, (struct sockaddr *)&src,
				      (struct sockaddr *)&dst, dgram,
				      sizeof(dgram), &ts), 0);
	assert_int_equal(ep_cap_close(&c), 0);
	n = slurp(path);
	unlink(path);
	assert_int_equal(n, 24 + 16 + 48 + sizeof(dgram));
	buf_rd_init(&r, file, n);
	check_global(&r);
	assert_int_equal(buf_skip(&r, 4), 0);
	assert_int_equal(buf_get_u32(&r, &v), 0);
	assert_int_equal(v, 999999);
	assert_int_equal(buf_get_u32(&r, &v), 0);
	assert_int_equal(v, 48 + sizeof(dgram));
	assert_int_equal(buf_skip(&r, 4), 0);
	assert_int_equal(buf_get_ptr(&r, &ip, 40), 0);
	assert_int_equal(ip[0], 0x60);
	assert_int_equal(ip[4] << 8 | ip[5], 8 + sizeof(dgram));
	assert_int_equal(ip[6], 17);
	assert_int_equal(ip[7], 64);
	assert_memory_equal(ip + 8, &src.sin6_addr, 16);
	assert_memory_equal(ip + 24, &dst.sin6_addr, 16);
	assert_int_equal(buf_get_ptr(&r, &udp, 8 + sizeof(dgram)), 0);
	assert_int_equal(udp[0] << 8 | udp[1], 40000);
	assert_int_equal(udp[2] << 8 | udp[3], 40002);
	assert_memory_equal(udp + 8, dgram, sizeof(dgram));
	assert_int_equal(fold(sum16(ip + 8, 32) + 17 + 8 + sizeof(dgram) +
			      sum16(udp, 8 + sizeof(dgram))), 0xffff);
	assert_int_equal(buf_rd_end(&r), 0);
}

static void test_errors(void **state)
{
	static uint8_t big[EP_CAP_DGRAM_MAX + 1];
	struct sockaddr_in a = v4("192.0.2.1", 1);
	struct sockaddr_in6 b = v6("2001:db8::1", 2);
	struct sockaddr unix_sa = { .sa_family = AF_UNIX };
	struct timespec ts = { 0 };
	struct ep_cap c = { 0 };
	char path[96];

	/* Not open. */
	assert_int_equal(ep_cap_write(&c, (struct sockaddr *)&a,
				      (struct sockaddr *)&a, big, 1, &ts),
			 -EINVAL);
	assert_int_equal(ep_cap_open(&c, NULL), -EINVAL);
	assert_int_equal(ep_cap_open(&c, "/nonexistent/dir/x.pcap"), -ENOENT);
	tmp_path(path, sizeof(path), "err");
	assert_int_equal(ep_cap_open(&c, path), 0);
	assert_int_equal(ep_cap_open(&c, path), -EINVAL); /* already open */
	assert_int_equal(ep_cap_write(&c, (struct sockaddr *)&a,
				      (struct sockaddr *)&b, big, 1, &ts),
			 -EAFNOSUPPORT);
	assert_int_equal(ep_cap_write(&c, &unix_sa, &unix_sa, big, 1, &ts),
			 -EAFNOSUPPORT);
	assert_int_equal(ep_cap_write(&c, (struct sockaddr *)&a,
				      (struct sockaddr *)&a, big, sizeof(big),
				      &ts), -EMSGSIZE);
	assert_int_equal(ep_cap_write(&c, (struct sockaddr *)&a,
				      (struct sockaddr *)&a, big,
				      EP_CAP_DGRAM_MAX, &ts), 0);
	assert_int_equal(ep_cap_write(&c, (struct sockaddr *)&a,
				      (struct sockaddr *)&a, NULL, 1, &ts),
			 -EINVAL);
	assert_int_equal(c.records, 1);
	assert_int_equal(ep_cap_close(&c), 0);
	assert_int_equal(slurp(path), 24 + 16 + 20 + 8 + EP_CAP_DGRAM_MAX);
	unlink(path);

	/* A full disk: the error surfaces at the latest when closing. */
	if (access("/dev/full", W_OK) == 0) {
		int err = 0;

		assert_int_equal(ep_cap_open(&c, "/dev/full"), 0); /* buffered */
		for (int i = 0; i < 100 && !err; i++)
			err = ep_cap_write(&c, (struct sockaddr *)&a,
					   (struct sockaddr *)&a, big, 1000,
					   &ts);
		assert_int_equal(err, -ENOSPC);
		/* Sticky: later writes and the close report it too. */
		assert_int_equal(ep_cap_write(&c, (struct sockaddr *)&a,
					      (struct sockaddr *)&a, big, 1,
					      &ts), -ENOSPC);
		assert_int_equal(ep_cap_close(&c), -ENOSPC);
		assert_null(c.f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_record),
		cmocka_unit_test(test_ipv6_record),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("ep_capture", tests, NULL, NULL);
}

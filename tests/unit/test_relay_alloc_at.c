/*
 * Unit tests for relay_call_alloc_at (src/relay): a call's relay state
 * built anew on the ports an SDP already named, as early media does when
 * another early dialog answers (src/media/media_early.c): the ports of a
 * freed call are bound again, exactly, and forward byte for byte; a port
 * someone holds, a port 0, a family without a bind address and bad
 * arguments are refused, and a refusal leaves nothing taken. And
 * relay_leg_alt_open_at, which rebinds an ICE leg's second socket there.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "relay/relay.h"
#include "tests/lib/lo_udp.h"

#define PORT_MIN 47100
#define PORT_MAX 47199

static struct relay *relay_new(void)
{
	struct relay_cfg cfg = { .bind_addr = "127.0.0.1", .port_min = PORT_MIN,
				 .port_max = PORT_MAX, .workers = 1, .max_calls = 4 };
	struct relay *r = NULL;

	assert_int_equal(relay_alloc(&r, &cfg), 0);
	return r;
}

/* A freed call's two ports, bound again by relay_call_alloc_at: the same
 * ports, and a datagram from one peer reaches the other unchanged. */
static void test_same_ports(void **state)
{
	static const int fam[2] = { AF_INET, AF_INET };
	struct relay *r = relay_new();
	struct relay_call *c = NULL;
	struct sockaddr_in a, b, pa, pb;
	uint8_t pkt[172], got[sizeof(pkt)];
	uint16_t ports[2], from = 0;
	int fa, fb;

	(void)state;
	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	relay_call_free(c);
	c = NULL;
	assert_int_equal(relay_call_alloc_at(r, &c, NULL, ports, fam), 0);
	assert_int_equal(relay_leg_port(c, 0), ports[0]);
	assert_int_equal(relay_leg_port(c, 1), ports[1]);

	fa = lo_udp_open(&a);
	fb = lo_udp_open(&b);
	pa = a;
	pb = b;
	assert_int_equal(relay_leg_set_peer(c, 0, (struct sockaddr *)&pa, sizeof(pa), false), 0);
	assert_int_equal(relay_leg_set_peer(c, 1, (struct sockaddr *)&pb, sizeof(pb), false), 0);
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x80; /* RTP version 2 (RFC 7983: forwarded) */
	for (size_t i = 12; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)i;
	lo_udp_send(fa, ports[0], pkt, sizeof(pkt));
	assert_int_equal(lo_udp_recv(fb, got, sizeof(got), 2000, &from), sizeof(pkt));
	assert_memory_equal(got, pkt, sizeof(pkt));
	assert_int_equal(from, ports[1]);
	close(fa);
	close(fb);
	relay_call_free(c);
	relay_free(r);
}

/* Refusals, and nothing taken by one: the ports of a live call, a port
 * 0, IPv6 without an IPv6 bind address, NULL arguments. */
static void test_refused(void **state)
{
	static const int fam[2] = { AF_INET, AF_INET };
	static const int fam6[2] = { AF_INET, AF_INET6 };
	struct relay *r = relay_new();
	struct relay_call *c = NULL, *d = NULL;
	uint16_t ports[2], zero[2] = { 0, 0 }, other[2];

	(void)state;
	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	assert_int_equal(relay_call_alloc_at(r, &d, NULL, ports, fam), -EADDRINUSE);
	assert_null(d);
	zero[0] = ports[0];
	assert_int_equal(relay_call_alloc_at(r, &d, NULL, zero, fam), -EINVAL);
	assert_int_equal(relay_call_alloc_at(r, &d, NULL, NULL, fam), -EINVAL);
	assert_int_equal(relay_call_alloc_at(r, &d, NULL, ports, NULL), -EINVAL);
	assert_int_equal(relay_call_alloc_at(NULL, &d, NULL, ports, fam), -EINVAL);
	relay_call_free(c);
	c = NULL;
	assert_int_equal(relay_call_alloc_at(r, &d, NULL, ports, fam6), -EAFNOSUPPORT);
	/* none of those kept a port or a call slot (max_calls 4) */
	assert_int_equal(relay_call_alloc_at(r, &c, NULL, ports, fam), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(relay_call_alloc(r, &d, NULL, other), 0);
		assert_int_not_equal(other[0], ports[0]);
		assert_int_not_equal(other[1], ports[1]);
	}
	assert_int_equal(relay_call_alloc(r, &d, NULL, other), -ENOBUFS);
	relay_free(r); /* frees the calls still open */
}

/* relay_leg_alt_open_at: an ICE leg's second socket (the other family)
 * on exactly the port asked for, or a refusal that opens nothing. */
static void test_alt_at(void **state)
{
	struct relay_cfg cfg = { .bind_addr = "127.0.0.1", .bind_addr_alt = "::1",
				 .port_min = PORT_MIN, .port_max = PORT_MAX,
				 .workers = 1, .max_calls = 4 };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct relay *r = NULL;
	struct relay_call *c = NULL;
	uint16_t ports[2], want = PORT_MAX - 1;
	int fd;

	(void)state;
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	s6.sin6_port = htons(want);
	if (fd < 0 || bind(fd, (struct sockaddr *)&s6, sizeof(s6))) {
		if (fd >= 0)
			close(fd);
		print_message("# no IPv6 loopback (::1) here\n");
		skip();
	}
	assert_int_equal(relay_alloc(&r, &cfg), 0);
	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	assert_int_equal(relay_leg_alt_open_at(c, 1, 0), -EINVAL);
	assert_int_equal(relay_leg_alt_open_at(c, 2, want), -EINVAL);
	/* a stranger holds [::1]:want */
	assert_int_equal(relay_leg_alt_open_at(c, 1, want), -EADDRINUSE);
	assert_int_equal(relay_leg_alt_port(c, 1), 0);
	close(fd);
	assert_int_equal(relay_leg_alt_open_at(c, 1, want), 0);
	assert_int_equal(relay_leg_alt_port(c, 1), want);
	assert_int_equal(relay_leg_alt_open_at(c, 1, want), 0); /* open already */
	assert_int_equal(relay_leg_alt_open_at(c, 1, want - 2), -EEXIST);
	assert_int_equal(relay_leg_alt_port(c, 1), want);
	relay_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_ports),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_alt_at),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

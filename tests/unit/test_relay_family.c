/*
 * Unit tests for src/relay's two address families (relay_leg_set_family):
 * a call with an IPv4 peer on one leg and an IPv6 peer on the other,
 * forwarded byte for byte both ways from each leg's own socket, the source
 * check per family (a stranger on ::1 dropped and counted), latching and
 * RTCP on its own port on an IPv6 leg, and the refusals (no address of
 * that family, a peer of the leg's other family, a bad second address).
 * Plain UDP peers on 127.0.0.1 and ::1; skipped (with the reason) where
 * the machine has no IPv6 loopback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/sec.h"
#include "relay/relay.h"
#include "tests/lib/lo_udp.h"

#define RTP_SSRC 0x55667788 /* the tests' RTP (lo_udp_rtp) */

#define PORT_MIN 46000
#define PORT_MAX 46999

/* A socket on ::1 (port 0: any), its address in *a; -1 when the machine
 * has no IPv6 loopback. */
static int lo6_open(struct sockaddr_in6 *a, uint16_t port)
{
	socklen_t l = sizeof(*a);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(a, 0, sizeof(*a));
	a->sin6_family = AF_INET6;
	a->sin6_addr = in6addr_loopback;
	a->sin6_port = htons(port);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &l) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool have_ipv6(void)
{
	struct sockaddr_in6 a;
	int fd = lo6_open(&a, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

#define NEED_IPV6()                                                          \
	do {                                                                 \
		if (!have_ipv6()) {                                          \
			print_message("# no IPv6 loopback (::1) here\n");    \
			skip();                                              \
		}                                                            \
	} while (0)

static void send6(int fd, uint16_t port, const void *p, size_t len)
{
	struct sockaddr_in6 to;

	memset(&to, 0, sizeof(to));
	to.sin6_family = AF_INET6;
	to.sin6_addr = in6addr_loopback;
	to.sin6_port = htons(port);
	assert_int_equal(sendto(fd, p, len, 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)len);
}

/* One datagram within ms from any family; its source port in *from. */
static ssize_t recv_any(int fd, void *buf, size_t cap, int ms, uint16_t *from,
			int *family)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	ssize_t n;

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)&ss, &sl);
	if (n >= 0) {
		*family = ss.ss_family;
		*from = ss.ss_family == AF_INET6 ?
				ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
				ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	return n;
}

/* n packets from fd_from (family from_fam) to relay port `to`; each must
 * reach fd_to byte for byte, from relay port `via` in family via_fam. */
static void pump(int fd_from, int from_fam, uint16_t to, int fd_to,
		 uint16_t via, int via_fam, unsigned n)
{
	uint8_t p[1300], got[2048];

	for (unsigned i = 0; i < n; i++) {
		size_t len = lo_udp_rtp(p, 12 + i * 53 % 1200, i, RTP_SSRC);
		uint16_t src = 0;
		int fam = 0;

		if (from_fam == AF_INET6)
			send6(fd_from, to, p, len);
		else
			lo_udp_send(fd_from, to, p, len);
		assert_int_equal(recv_any(fd_to, got, sizeof(got), 2000, &src, &fam),
				 (ssize_t)len);
		assert_memory_equal(got, p, len);
		assert_int_equal(src, via);
		assert_int_equal(fam, via_fam);
	}
}

static struct relay *relay_two(const char *a, const char *b)
{
	struct relay_cfg cfg = { .bind_addr = a, .bind_addr_alt = b,
				 .port_min = PORT_MIN, .port_max = PORT_MAX,
				 .workers = 1 };
	struct relay *r = NULL;

	assert_int_equal(relay_alloc(&r, &cfg), 0);
	return r;
}

/* IPv4 UA on leg 0, IPv6 UA on leg 1: forwarded both ways, byte for byte,
 * each leg answering from its own family; a stranger on ::1 is dropped. */
static void test_mixed_call(void **state)
{
	struct relay *r;
	struct relay_call *c = NULL;
	struct relay_call_stats st;
	struct sockaddr_in a;
	struct sockaddr_in6 b, x;
	int fa, fb, fx;
	uint16_t ports[2], p1;
	uint8_t p[200];

	(void)state;
	NEED_IPV6();
	r = relay_two("127.0.0.1", "::1");
	assert_true(relay_has_family(r, AF_INET6));
	fa = lo_udp_open(&a);
	fb = lo6_open(&b, 0);
	fx = lo6_open(&x, 0);
	assert_true(fb >= 0 && fx >= 0);
	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	assert_int_equal(relay_leg_family(c, 1), AF_INET);
	/* An IPv6 peer on a leg still IPv4: refused until the leg moves. */
	assert_int_equal(relay_leg_set_peer(c, 1, (struct sockaddr *)&b, sizeof(b),
					    false),
			 -EAFNOSUPPORT);
	assert_int_equal(relay_leg_set_family(c, 1, AF_INET6), 0);
	assert_int_equal(relay_leg_family(c, 1), AF_INET6);
	assert_int_equal(relay_leg_family(c, 0), AF_INET);
	p1 = relay_leg_port(c, 1);
	assert_int_equal(p1, ports[1]); /* free in IPv6: the same port */
	assert_int_equal(relay_leg_set_family(c, 1, AF_INET6), 0); /* no-op */
	assert_int_equal(relay_leg_set_peer(c, 0, (struct sockaddr *)&a, sizeof(a),
					    false),
			 0);
	assert_int_equal(relay_leg_set_peer(c, 1, (struct sockaddr *)&b, sizeof(b),
					    false),
			 0);
	/* the IPv4 socket of that port is gone: nothing arrives there */
	lo_udp_send(fa, p1, p, lo_udp_rtp(p, sizeof(p), 1, RTP_SSRC));
	pump(fa, AF_INET, ports[0], fb, p1, AF_INET6, 40);
	pump(fb, AF_INET6, p1, fa, ports[0], AF_INET, 40);
	/* Right port on ::1, wrong source port: dropped and counted. */
	for (unsigned i = 0; i < 7; i++)
		send6(fx, p1, p, lo_udp_rtp(p, sizeof(p), i, RTP_SSRC));
	{
		uint8_t got[2048];
		uint16_t src;
		int fam;

		assert_true(recv_any(fa, got, sizeof(got), 150, &src, &fam) < 0);
	}
	assert_int_equal(relay_call_stats(c, &st), 0);
	assert_int_equal(st.leg[0].family, AF_INET);
	assert_int_equal(st.leg[1].family, AF_INET6);
	assert_int_equal(st.leg[0].out_family, AF_INET6);
	assert_int_equal(st.leg[1].out_family, AF_INET);
	assert_memory_equal(st.leg[1].expect_addr, &in6addr_loopback, 16);
	assert_int_equal(st.leg[0].fwd_pkts, 40);
	assert_int_equal(st.leg[1].fwd_pkts, 40);
	assert_int_equal(st.leg[1].dropped_src, 7);
	assert_int_equal(st.leg[0].fwd_errs + st.leg[1].fwd_errs, 0);
	/* With a peer set, the leg may still move back (a re-offer in the
	 * other family before DTLS): its peer is forgotten. */
	assert_int_equal(relay_leg_set_family(c, 1, AF_INET), 0);
	assert_int_equal(relay_call_stats(c, &st), 0);
	assert_false(st.leg[1].flags & RELAY_F_PEER);
	assert_false(st.leg[0].flags & RELAY_F_FORWARD);
	relay_call_free(c);
	relay_free(r);
	close(fa);
	close(fb);
	close(fx);
}

/* An IPv6 leg latches an IPv6 source and opens its RTCP port (port + 1)
 * in IPv6; SRTCP goes from there to the IPv4 leg's peer. */
static void test_ipv6_latch_and_rtcp(void **state)
{
	struct relay *r;
	struct relay_call *c = NULL;
	struct relay_call_stats st;
	struct sockaddr_in a;
	struct sockaddr_in6 b, br, sdp;
	int fa, fb, fbr;
	uint16_t ports[2];
	uint8_t p[120], got[2048];
	uint16_t src;
	int fam;

	(void)state;
	NEED_IPV6();
	r = relay_two("127.0.0.1", "::1");
	fa = lo_udp_open(&a);
	fb = lo6_open(&b, 0);
	fbr = lo6_open(&br, 0);
	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	assert_int_equal(relay_leg_set_family(c, 0, AF_INET6), 0);
	ports[0] = relay_leg_port(c, 0);
	sdp = b;
	sdp.sin6_port = htons(9); /* behind a NAT: the SDP says port 9 */
	assert_int_equal(relay_leg_set_peer(c, 0, (struct sockaddr *)&sdp,
					    sizeof(sdp), true),
			 0);
	assert_int_equal(relay_leg_set_peer(c, 1, (struct sockaddr *)&a, sizeof(a),
					    false),
			 0);
	assert_int_equal(relay_leg_set_rtcp_peer(c, 0, (struct sockaddr *)&br,
						 sizeof(br), false),
			 0);
	/* Once the RTCP port is bound, the leg's family is fixed. */
	assert_int_equal(relay_leg_set_family(c, 0, AF_INET), -EBUSY);
	pump(fb, AF_INET6, ports[0], fa, ports[1], AF_INET, 5); /* latches */
	pump(fa, AF_INET, ports[1], fb, ports[0], AF_INET6, 5);
	/* SRTCP (PT 200) from B's RTCP port, on the leg's RTCP port. */
	memset(p, 0, sizeof(p));
	p[0] = 0x80;
	p[1] = 200;
	send6(fbr, relay_leg_rtcp_port(c, 0), p, sizeof(p));
	assert_int_equal(recv_any(fa, got, sizeof(got), 2000, &src, &fam),
			 (ssize_t)sizeof(p));
	assert_memory_equal(got, p, sizeof(p));
	assert_int_equal(src, ports[1]);
	assert_int_equal(relay_call_stats(c, &st), 0);
	assert_true(st.leg[0].flags & RELAY_F_LATCHED);
	assert_int_equal(st.leg[0].expect_port, ntohs(b.sin6_port));
	assert_int_equal(st.rtcp[0].fwd_pkts, 1);
	relay_call_free(c);
	relay_free(r);
	close(fa);
	close(fb);
	close(fbr);
}

/* The refusals: no address of that family, a second address of the same
 * family, bad arguments; a taken port in the new family moves the leg to
 * another one. */
static void test_family_errors(void **state)
{
	struct relay_cfg cfg = { .bind_addr = "127.0.0.1", .port_min = PORT_MIN,
				 .port_max = PORT_MAX, .workers = 1 };
	struct relay *r = NULL;
	struct relay_call *c = NULL;
	struct sockaddr_in6 blk;
	uint16_t ports[2];
	int fblk;

	(void)state;
	assert_int_equal(relay_alloc(&r, &cfg), 0);
	assert_false(relay_has_family(r, AF_INET6));
	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	assert_int_equal(relay_leg_set_family(c, 0, AF_INET6), -EAFNOSUPPORT);
	assert_int_equal(relay_leg_set_family(c, 2, AF_INET), -EINVAL);
	assert_int_equal(relay_leg_set_family(c, 0, AF_UNIX), -EINVAL);
	assert_int_equal(relay_leg_set_family(NULL, 0, AF_INET), -EINVAL);
	assert_int_equal(relay_leg_set_family(c, 0, AF_INET), 0);
	assert_int_equal(relay_leg_family(c, 3), 0);
	relay_call_free(c);
	relay_free(r);
	r = NULL;
	cfg.bind_addr_alt = "127.0.0.2"; /* the same family twice */
	assert_int_equal(relay_alloc(&r, &cfg), -EINVAL);
	cfg.bind_addr_alt = "ip6-localhost"; /* numeric only */
	assert_int_equal(relay_alloc(&r, &cfg), -EINVAL);
	cfg.bind_addr_alt = "";
	assert_int_equal(relay_alloc(&r, &cfg), 0);
	assert_false(relay_has_family(r, AF_INET6));
	relay_free(r);
	if (!have_ipv6()) {
		print_message("# no IPv6 loopback (::1) here\n");
		skip();
	}
	/* IPv6 first, IPv4 as the other family; a stranger holds the leg's
	 * port on 127.0.0.1: the leg moves to the next free one. */
	r = relay_two("::1", "127.0.0.1");
	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	assert_int_equal(relay_leg_family(c, 0), AF_INET6);
	{
		struct sockaddr_in ba = lo_udp_addr(ports[0]);
		int b4 = socket(AF_INET, SOCK_DGRAM, 0);

		assert_int_equal(bind(b4, (struct sockaddr *)&ba, sizeof(ba)), 0);
		assert_int_equal(relay_leg_set_family(c, 0, AF_INET), 0);
		assert_int_not_equal(relay_leg_port(c, 0), ports[0]);
		assert_int_equal(relay_leg_port(c, 0) % 2, 0);
		close(b4);
	}
	fblk = lo6_open(&blk, 0);
	assert_int_equal(relay_leg_set_peer(c, 0, (struct sockaddr *)&blk,
					    sizeof(blk), false),
			 -EAFNOSUPPORT);
	close(fblk);
	relay_call_free(c);
	relay_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed_call),
		cmocka_unit_test(test_ipv6_latch_and_rtcp),
		cmocka_unit_test(test_family_errors),
	};

	return cmocka_run_group_tests_name("relay_family", tests, NULL, NULL);
}

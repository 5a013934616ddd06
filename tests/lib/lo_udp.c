/* lo_udp: loopback UDP sockets for tests (see lo_udp.h). */
#include "tests/lib/lo_udp.h"

#include <arpa/inet.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/sec.h"

int lo_udp_open(struct sockaddr_in *a)
{
	socklen_t alen = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rcvbuf = LO_UDP_RCVBUF;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)a, sizeof(*a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)a, &alen), 0);
	return fd;
}

struct sockaddr_in lo_udp_addr(uint16_t port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	return a;
}

void lo_udp_send(int fd, uint16_t port, const void *p, size_t len)
{
	struct sockaddr_in a = lo_udp_addr(port);

	assert_int_equal(sendto(fd, p, len, 0, (struct sockaddr *)&a, sizeof(a)),
			 (ssize_t)len);
}

/* One datagram within ms, or -1. *from_port receives the source port. */
ssize_t lo_udp_recv(int fd, void *buf, size_t cap, int ms,
		    uint16_t *from_port)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return -1;
	n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)&from, &flen);
	if (n >= 0 && from_port)
		*from_port = ntohs(from.sin_port);
	return n;
}

size_t lo_udp_rtp(uint8_t *p, size_t len, uint32_t n, uint32_t ssrc)
{
	struct buf_wr w;

	assert_true(len >= 12);
	assert_int_equal(sec_random(p, len), 0);
	buf_wr_init(&w, p, len);
	assert_int_equal(buf_put_u8(&w, 0x80), 0);
	assert_int_equal(buf_put_u8(&w, 0), 0);
	assert_int_equal(buf_put_u16(&w, (uint16_t)n), 0);
	assert_int_equal(buf_put_u32(&w, n * 160), 0);
	assert_int_equal(buf_put_u32(&w, ssrc), 0);
	return len;
}

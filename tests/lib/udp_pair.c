/* udp_pair: two connected loopback UDP sockets for tests (see udp_pair.h). */
#include "tests/lib/udp_pair.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int bind_loopback(struct sockaddr_in *a)
{
	socklen_t alen = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &alen) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int udp_pair_open(struct udp_pair *p)
{
	int e;

	p->fd[0] = p->fd[1] = -1;
	for (int i = 0; i < 2; i++) {
		p->fd[i] = bind_loopback(&p->addr[i]);
		if (p->fd[i] < 0) {
			e = p->fd[i];
			p->fd[i] = -1;
			udp_pair_close(p);
			return e;
		}
	}
	for (int i = 0; i < 2; i++) {
		if (connect(p->fd[i], (struct sockaddr *)&p->addr[1 - i], sizeof(p->addr[0])) < 0) {
			e = -errno;
			udp_pair_close(p);
			return e;
		}
	}
	return 0;
}

void udp_pair_close(struct udp_pair *p)
{
	for (int i = 0; i < 2; i++) {
		if (p->fd[i] >= 0)
			close(p->fd[i]);
		p->fd[i] = -1;
	}
}

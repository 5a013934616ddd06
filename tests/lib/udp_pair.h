/*
 * udp_pair (test helper): two UDP sockets on 127.0.0.1, each connected to
 * the other, non-blocking. Loopback only.
 */
#ifndef KTRSBC_TEST_UDP_PAIR_H
#define KTRSBC_TEST_UDP_PAIR_H

#include <netinet/in.h>
#include <stdint.h>

struct udp_pair {
	int fd[2];
	struct sockaddr_in addr[2]; /* addr[i] is fd[i]'s local address */
};

/* 0 or negative errno; on failure nothing stays open. */
int udp_pair_open(struct udp_pair *p);
/* Closes both sockets; accepts a pair that failed to open or was closed. */
void udp_pair_close(struct udp_pair *p);

#endif

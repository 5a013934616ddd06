/*
 * lo_udp (test helper): UDP sockets on 127.0.0.1 for tests that talk to
 * the relay or an endpoint as plain peers. cmocka assertions: call from a
 * test. Loopback only.
 */
#ifndef KTRSBC_TEST_LO_UDP_H
#define KTRSBC_TEST_LO_UDP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Asked for as SO_RCVBUF (the kernel caps it at rmem_max): room for the
 * tests' bursts (50 packets of up to 1400 bytes, EP_MEDIA_BATCH). */
#define LO_UDP_RCVBUF (1 << 21)

/* A non-blocking socket bound to 127.0.0.1 on a free port; its address in
 * *a. */
int lo_udp_open(struct sockaddr_in *a);
/* 127.0.0.1:port. */
struct sockaddr_in lo_udp_addr(uint16_t port);
/* One datagram of len bytes to 127.0.0.1:port; all of it must be sent. */
void lo_udp_send(int fd, uint16_t port, const void *p, size_t len);
/* One datagram within ms, or -1. *from_port receives the source port. */
ssize_t lo_udp_recv(int fd, void *buf, size_t cap, int ms,
		    uint16_t *from_port);
/* An RTP-class datagram (first byte 0x80, RFC 7983 7) of len >= 12 bytes
 * into p: sequence number n, timestamp n * 160, SSRC ssrc, the rest
 * random (so a byte-for-byte check means something). Returns len. */
size_t lo_udp_rtp(uint8_t *p, size_t len, uint32_t n, uint32_t ssrc);

#endif

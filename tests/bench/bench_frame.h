/*
 * bench_frame: whole Ethernet frames for the benchmark generators that
 * write to a veth device through AF_PACKET (bench_offload gen -I, bench_gen
 * -I): on a 2-CPU machine the sender's own UDP stack costs several times
 * what the path under test does, so a generator that goes through it runs
 * out before the relay it measures. Header-only (static inline), as
 * bench_common.h.
 */
#ifndef KTRSBC_BENCH_FRAME_H
#define KTRSBC_BENCH_FRAME_H

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "tests/bench/bench_common.h"

static inline uint16_t bench_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint32_t bench_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

#define BENCH_FRAME_HDR (14 + 20 + 8)

/* An AF_PACKET socket on dev sending to mac; *hdr receives the frame's
 * Ethernet header. */
static inline int bench_frame_open(const char *dev, const char *mac, uint8_t hdr[14])
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	struct ifreq ifr;
	unsigned m[6];
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0 || strlen(dev) >= IFNAMSIZ ||
	    sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6) {
		fprintf(stderr, "bench: raw socket on %s to %s\n", dev, mac);
		exit(2);
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror("bench: SIOCGIFHWADDR");
		exit(2);
	}
	for (int i = 0; i < 6; i++)
		hdr[i] = (uint8_t)m[i];
	memcpy(hdr + 6, ifr.ifr_hwaddr.sa_data, 6);
	hdr[12] = 0x08;
	hdr[13] = 0x00;
	ll.sll_ifindex = (int)if_nametoindex(dev);
	ll.sll_protocol = htons(ETH_P_IP);
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	if (!ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
		perror("bench: bind AF_PACKET");
		exit(2);
	}
	return fd;
}

/* Ethernet + IPv4 + UDP in front of the len-byte SRTP packet at f + 42;
 * the UDP checksum computed when udp_csum, else 0 (none). */
static inline size_t bench_frame_make(uint8_t *f, const uint8_t eth[14], size_t len,
			 const struct sockaddr_in *src, const struct sockaddr_in *dst,
			 uint16_t id, bool udp_csum)
{
	struct iphdr *ip = (struct iphdr *)(f + 14);
	struct udphdr *u = (struct udphdr *)(f + 34);
	uint8_t ph[12];
	uint32_t sum;

	memcpy(f, eth, 14);
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)(20 + 8 + len));
	ip->id = htons(id);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = src->sin_addr.s_addr;
	ip->daddr = dst->sin_addr.s_addr;
	ip->check = htons(bench_csum_fold(bench_csum_add(0, (uint8_t *)ip, 20)));
	u->source = src->sin_port;
	u->dest = dst->sin_port;
	u->len = htons((uint16_t)(8 + len));
	u->check = 0;
	if (!udp_csum)
		return BENCH_FRAME_HDR + len; /* none: allowed over IPv4 (RFC 768) */
	memcpy(ph, &ip->saddr, 4);
	memcpy(ph + 4, &ip->daddr, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	memcpy(ph + 10, &u->len, 2);
	sum = bench_csum_add(bench_csum_add(0, ph, 12), (uint8_t *)u, 8 + len);
	u->check = htons(bench_csum_fold(sum));
	if (!u->check)
		u->check = 0xffff;
	return BENCH_FRAME_HDR + len;
}

#endif

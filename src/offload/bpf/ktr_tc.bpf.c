// SPDX-License-Identifier: GPL-2.0
/*
 * ktr_tc: the in-kernel fast path of the media relay (issue 7), a tc clsact
 * ingress program. Built by the Makefile with `clang -O2 -g -target bpf`
 * into $(BUILD)/ktr_tc.bpf.o and loaded by src/offload/offload.c; it is not
 * part of libktr.a (the Makefile takes only the .c files directly under
 * src/<module>/).
 *
 * For each packet arriving on the device:
 *   - anything but Ethernet + IPv4 (no options, not a fragment) or IPv6
 *     (UDP as the first next header) + UDP passes up (TC_ACT_UNSPEC) untouched;
 *   - a UDP datagram whose destination (address, port) is no offloaded leg
 *     (map ktr_legs) passes up untouched;
 *   - on a leg, only RTP/RTCP is handled here: first payload byte 128..191
 *     (RFC 7983 section 7); DTLS (20..63), STUN (0..3) and everything else
 *     pass up untouched (TC_ACT_UNSPEC: later filters still run) and are
 *     counted as "passed", so DTLS and KTR keep
 *     working in userspace on an offloaded call;
 *   - RTP/RTCP whose source is not the leg's peer is dropped and counted
 *     (draft-wing-avt-dtls-srtp-key-transport section 6, as the userspace
 *     relay does);
 *   - RTP/RTCP from the peer is rewritten (source = the SBC's other leg,
 *     destination = the other leg's peer), its IPv4 header checksum and UDP
 *     checksum updated incrementally (bpf_l3/l4_csum_replace, which also
 *     handle CHECKSUM_PARTIAL packets from local senders), and redirected
 *     to the egress device with bpf_redirect_neigh (route + neighbour table
 *     give the link-layer addresses). Its payload is not touched: SRTP keeps
 *     authenticating under the sender's key.
 * Counters are per CPU and per leg (map ktr_ctrs).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "offload/offload_map.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFLOAD_LEGS_MAX);
	__type(key, struct offload_key);
	__type(value, struct offload_rule);
} ktr_legs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, OFFLOAD_LEGS_MAX);
	__type(key, struct offload_key);
	__type(value, struct offload_ctr);
} ktr_ctrs SEC(".maps");

#define ETH_LEN 14
#define IP4_LEN 20
#define IP6_LEN 40
#define UDP_LEN 8
#define IP4_CSUM_OFF (ETH_LEN + 10)
#define IP4_ADDR_OFF (ETH_LEN + 12)
#define IP6_ADDR_OFF (ETH_LEN + 8)
/* What is not forwarded or dropped goes on untouched: TC_ACT_UNSPEC, not
 * TC_ACT_OK, so that a later filter on the same hook (another ktrsbc on the
 * same device, with its own legs) still sees it; with none, the packet is
 * delivered as usual. */
#define PASS TC_ACT_UNSPEC
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

static __always_inline int addr_eq(const __u8 *a, const __u8 *b)
{
	__u32 x[4], y[4];

	__builtin_memcpy(x, a, 16);
	__builtin_memcpy(y, b, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
		(x[3] ^ y[3])) == 0;
}

/* Make the first `len` bytes linear; 0 or -1. */
static __always_inline int need(struct __sk_buff *skb, __u32 len)
{
	if ((void *)(long)skb->data + len <= (void *)(long)skb->data_end)
		return 0;
	if (skb->len < len || bpf_skb_pull_data(skb, len) < 0)
		return -1;
	if ((void *)(long)skb->data + len > (void *)(long)skb->data_end)
		return -1;
	return 0;
}

/* Rewrite ports and redirect; shared tail of both families. */
static __always_inline int fwd_ports(struct __sk_buff *skb, __u32 udp_off,
				     __be16 osp, __be16 odp,
				     const struct offload_rule *r)
{
	__u32 csum_off = udp_off + 6;
	__be16 ports[2] = { r->src_port, r->dst_port };

	if (bpf_l4_csum_replace(skb, csum_off, osp, r->src_port,
				BPF_F_MARK_MANGLED_0 | 2) < 0 ||
	    bpf_l4_csum_replace(skb, csum_off, odp, r->dst_port,
				BPF_F_MARK_MANGLED_0 | 2) < 0 ||
	    bpf_skb_store_bytes(skb, udp_off, ports, sizeof(ports), 0) < 0)
		return -1;
	return 0;
}

static __always_inline void count_err(struct offload_ctr *c)
{
	if (c)
		c->errors++;
}

static __always_inline int on_v4(struct __sk_buff *skb)
{
	struct offload_key key = { .fam = OFFLOAD_FAM_V4 };
	const __u32 udp_off = ETH_LEN + IP4_LEN;
	struct offload_rule *r;
	struct offload_ctr *c;
	struct iphdr *ip;
	struct udphdr *udp;
	__u8 *pl, src[16] = {};
	__be32 osa, oda, nsa, nda;
	__be16 osp, odp;
	__u16 ulen;
	__u8 b;
	void *data;

	if (need(skb, udp_off + UDP_LEN + 1) < 0)
		return PASS;
	data = (void *)(long)skb->data;
	ip = data + ETH_LEN;
	udp = data + udp_off;
	pl = data + udp_off + UDP_LEN;
	if ((void *)(pl + 1) > (void *)(long)skb->data_end)
		return PASS;
	if (ip->version != 4 || ip->ihl != 5 || ip->protocol != IPPROTO_UDP ||
	    (ip->frag_off & bpf_htons(IP_MF | IP_OFFMASK)))
		return PASS;
	osa = ip->saddr;
	oda = ip->daddr;
	osp = udp->source;
	odp = udp->dest;
	ulen = bpf_ntohs(udp->len);
	b = pl[0];
	key.port = odp;
	__builtin_memcpy(key.addr, &oda, 4);
	r = bpf_map_lookup_elem(&ktr_legs, &key);
	if (!r || r->fam != OFFLOAD_FAM_V4)
		return PASS;
	c = bpf_map_lookup_elem(&ktr_ctrs, &key);
	if (b < 128 || b > 191 || ulen <= UDP_LEN) {
		if (c)
			c->passed++;
		return PASS;
	}
	__builtin_memcpy(src, &osa, 4);
	if (osp != r->peer_port || !addr_eq(src, r->peer_addr)) {
		if (c)
			c->spoofed++;
		return TC_ACT_SHOT;
	}
	__builtin_memcpy(&nsa, r->src_addr, 4);
	__builtin_memcpy(&nda, r->dst_addr, 4);
	/* UDP first (pseudo-header), then the IP header checksum, then the
	 * fields; the helpers read only the checksum fields. */
	if (bpf_l4_csum_replace(skb, udp_off + 6, osa, nsa,
				BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | 4) < 0 ||
	    bpf_l4_csum_replace(skb, udp_off + 6, oda, nda,
				BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | 4) < 0 ||
	    bpf_l3_csum_replace(skb, IP4_CSUM_OFF, osa, nsa, 4) < 0 ||
	    bpf_l3_csum_replace(skb, IP4_CSUM_OFF, oda, nda, 4) < 0 ||
	    bpf_skb_store_bytes(skb, IP4_ADDR_OFF, &nsa, 4, 0) < 0 ||
	    bpf_skb_store_bytes(skb, IP4_ADDR_OFF + 4, &nda, 4, 0) < 0 ||
	    fwd_ports(skb, udp_off, osp, odp, r) < 0) {
		/* A half-rewritten packet must not go up: drop it. */
		count_err(c);
		return TC_ACT_SHOT;
	}
	if (c) {
		c->pkts++;
		c->bytes += ulen - UDP_LEN;
	}
	return bpf_redirect_neigh(r->ifindex, NULL, 0, 0);
}

static __always_inline int on_v6(struct __sk_buff *skb)
{
	struct offload_key key = { .fam = OFFLOAD_FAM_V6 };
	const __u32 udp_off = ETH_LEN + IP6_LEN;
	struct offload_rule *r;
	struct offload_ctr *c;
	struct ipv6hdr *ip6;
	struct udphdr *udp;
	__u32 old[8], nw[8];
	__be16 osp, odp;
	__u16 ulen;
	__s64 diff;
	__u8 *pl, b;
	void *data;

	if (need(skb, udp_off + UDP_LEN + 1) < 0)
		return PASS;
	data = (void *)(long)skb->data;
	ip6 = data + ETH_LEN;
	udp = data + udp_off;
	pl = data + udp_off + UDP_LEN;
	if ((void *)(pl + 1) > (void *)(long)skb->data_end)
		return PASS;
	if (ip6->version != 6 || ip6->nexthdr != IPPROTO_UDP)
		return PASS;
	__builtin_memcpy(old, &ip6->saddr, 16);
	__builtin_memcpy(old + 4, &ip6->daddr, 16);
	osp = udp->source;
	odp = udp->dest;
	ulen = bpf_ntohs(udp->len);
	b = pl[0];
	key.port = odp;
	__builtin_memcpy(key.addr, old + 4, 16);
	r = bpf_map_lookup_elem(&ktr_legs, &key);
	if (!r || r->fam != OFFLOAD_FAM_V6)
		return PASS;
	c = bpf_map_lookup_elem(&ktr_ctrs, &key);
	if (b < 128 || b > 191 || ulen <= UDP_LEN) {
		if (c)
			c->passed++;
		return PASS;
	}
	if (osp != r->peer_port || !addr_eq((__u8 *)old, r->peer_addr)) {
		if (c)
			c->spoofed++;
		return TC_ACT_SHOT;
	}
	__builtin_memcpy(nw, r->src_addr, 16);
	__builtin_memcpy(nw + 4, r->dst_addr, 16);
	diff = bpf_csum_diff(old, sizeof(old), nw, sizeof(nw), 0);
	if (diff < 0 ||
	    bpf_l4_csum_replace(skb, udp_off + 6, 0, diff,
				BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0) < 0 ||
	    bpf_skb_store_bytes(skb, IP6_ADDR_OFF, nw, sizeof(nw), 0) < 0 ||
	    fwd_ports(skb, udp_off, osp, odp, r) < 0) {
		count_err(c);
		return TC_ACT_SHOT;
	}
	if (c) {
		c->pkts++;
		c->bytes += ulen - UDP_LEN;
	}
	return bpf_redirect_neigh(r->ifindex, NULL, 0, 0);
}

SEC("tc")
int ktr_tc_ingress(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(ETH_P_IP))
		return on_v4(skb);
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return on_v6(skb);
	return PASS;
}

char _license[] SEC("license") = "GPL";

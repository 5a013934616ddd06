// SPDX-License-Identifier: GPL-2.0
/*
 * sink_drop: the benchmark sink's thinning filter (scripts/bench-offload.sh,
 * scripts/bench-veth.sh; not part of the product): on the sink's device,
 * keep 1 RTP packet in 64 (sequence number's low 6 bits zero) for the sink
 * to authenticate and drop the rest at tc ingress, so the sink's receive
 * work does not starve the load generator that shares its CPU. Anything
 * not IPv4/UDP RTP passes: RTP is version 2 (RFC 3550 5.1) with a payload
 * type outside 64..95 (RFC 5761 4: where RTCP's packet types 200..204 fall
 * once the marker bit is masked), which SIP, DTLS, STUN and RTCP are not,
 * so calls are set up through it. tc counts the drops (the clsact qdisc's
 * "dropped").
 * Compiled by the script: clang -O2 -target bpf -c.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define RTP_HDR (14 + 20 + 8) /* Ethernet, IPv4, UDP */

SEC("tc")
int sink_drop(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + 14;
	__u8 *rtp = data + RTP_HDR;

	if (skb->protocol != bpf_htons(ETH_P_IP) || (void *)(rtp + 4) > end ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_UDP ||
	    (rtp[0] & 0xc0) != 0x80 || ((rtp[1] & 0x7f) >= 64 && (rtp[1] & 0x7f) < 96))
		return TC_ACT_OK;
	return (rtp[3] & 0x3f) ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";

/*
 * offload_map: the layout of the maps shared by the tc program
 * (src/offload/bpf/ktr_tc.bpf.c) and its loader (offload.c). Internal to the
 * offload module; both sides compile this one definition, so keep it free of
 * anything but fixed-size integer fields (no pointers, explicit padding).
 *
 * Addresses are in network byte order (IPv4 in the first 4 bytes, the rest
 * zero), ports in network byte order: the program compares and writes them
 * as they sit in the packet.
 */
#ifndef KTRSBC_OFFLOAD_MAP_H
#define KTRSBC_OFFLOAD_MAP_H

#include <linux/types.h>

#define OFFLOAD_MAP_LEGS "ktr_legs"
#define OFFLOAD_MAP_CTRS "ktr_ctrs"
#define OFFLOAD_PROG_NAME "ktr_tc_ingress"

/* Entries of both maps: the most legs one loader can offload. */
#define OFFLOAD_LEGS_MAX 65536

#define OFFLOAD_FAM_V4 4
#define OFFLOAD_FAM_V6 6

/* Key: the leg's local (SBC) address and UDP port, i.e. the destination of
 * the packets arriving on that leg. */
struct offload_key {
	__u8 fam; /* OFFLOAD_FAM_V4 / OFFLOAD_FAM_V6 */
	__u8 pad;
	__be16 port;
	__u8 addr[16];
};

/* Value: what a packet arriving on the leg must look like and what it
 * becomes. peer_* is the only accepted source (draft section 6: anything
 * else is dropped and counted); src_* is the SBC's other leg (the new
 * source), dst_* the other leg's peer (the new destination); ifindex the
 * egress device, whose neighbour table supplies the link-layer addresses
 * (bpf_redirect_neigh). */
struct offload_rule {
	__u8 fam; /* same as the key's; no IPv4 <-> IPv6 translation */
	__u8 pad[3];
	__u32 ifindex;
	__be16 peer_port;
	__be16 src_port;
	__be16 dst_port;
	__u16 pad2;
	__u8 peer_addr[16];
	__u8 src_addr[16];
	__u8 dst_addr[16];
};

/* Per-CPU counters of one leg (the loader sums the CPUs). */
struct offload_ctr {
	__u64 pkts; /* RTP/RTCP forwarded by the kernel */
	__u64 bytes; /* ... their UDP payload bytes */
	__u64 spoofed; /* RTP/RTCP from another source: dropped */
	__u64 passed; /* non-RTP (DTLS, STUN, junk) passed to userspace */
	__u64 errors; /* rewrite/redirect failed: passed to userspace */
};

#endif

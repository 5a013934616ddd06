/*
 * offload: the in-kernel fast path of the media relay (issue 7).
 *
 * A tc clsact ingress eBPF program (src/offload/bpf/ktr_tc.bpf.c, built by
 * the Makefile into $(BUILD)/ktr_tc.bpf.o) forwards an offloaded leg's
 * RTP/RTCP (first byte 128..191, RFC 7983 section 7) from its expected peer
 * to the other leg's peer, rewriting only addresses and ports (KTR needs no
 * cryptography at the SBC, so SRTP passes byte for byte). RTP/RTCP from any
 * other source is dropped and counted (draft-wing-avt-dtls-srtp-key-
 * transport section 6). Everything else - DTLS (20..63), STUN (0..3), junk,
 * fragments, IP options, IPv6 extension headers, unknown legs - goes up to
 * userspace untouched, so DTLS and KTR keep working on an offloaded call.
 * IPv4 and IPv6 (no translation between them). Checksums: the IPv4 header
 * and UDP checksums are updated incrementally, CHECKSUM_PARTIAL included.
 * Link-layer addresses come from the egress device's neighbour table
 * (bpf_redirect_neigh).
 *
 * Privileges: loading needs CAP_BPF (or CAP_SYS_ADMIN) and attaching
 * CAP_NET_ADMIN. When offload_alloc fails the caller runs everything in
 * userspace; `why` says why, once, in words an operator can act on.
 *
 * Network namespace: offload_alloc and offload_free talk rtnetlink in the
 * calling thread's namespace (the devices' one); the leg functions work on
 * map file descriptors and may be called from any namespace or thread, but
 * not concurrently on one struct offload (the caller serialises).
 */
#ifndef KTRSBC_OFFLOAD_H
#define KTRSBC_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Devices one loader attaches to. */
#define OFFLOAD_IFS_MAX 16
/* Where an installed ktrsbc finds the program when the cfg names none. */
#define OFFLOAD_OBJ_DEFAULT "/usr/local/lib/ktrsbc/ktr_tc.bpf.o"

struct offload_cfg {
	const char *obj_path; /* compiled program; NULL = OFFLOAD_OBJ_DEFAULT */
	const char *const *ifnames; /* devices whose ingress gets it */
	unsigned n_ifnames; /* 1..OFFLOAD_IFS_MAX */
};

struct offload;

/*
 * Open and load the program, create its maps, and attach it to the tc
 * clsact ingress hook of every device (creating the clsact qdisc where
 * there is none; one found already is kept and left in place by
 * offload_free). All or nothing: on failure everything done is undone.
 * why (may be NULL) receives a one-line reason on failure.
 * 0, -EINVAL (bad cfg, ifnames[i] too long), -ENODEV (no such device),
 * -ENOENT (no object file), -EPERM/-EACCES (not privileged enough), or
 * another -errno from libbpf / the kernel.
 */
int offload_alloc(struct offload **op, const struct offload_cfg *cfg,
		  char *why, size_t why_cap);
/* Detach from every device, remove a clsact qdisc created by
 * offload_alloc, close the program and its maps (the kernel frees them:
 * no map entry outlives the loader). NULL is fine. */
void offload_free(struct offload *o);

/*
 * One offloaded leg: packets to `local` (the SBC's leg address and port)
 * from `peer` leave as `out_src` (the SBC's other leg) -> `out_dst` (the
 * other leg's peer) through device out_ifindex (0 = the device that holds
 * out_src's address). All four of one family, AF_INET or AF_INET6, with
 * specific addresses and non-zero ports. This is all the kernel
 * mirrors of a leg; the caller fills it from whatever record it keeps
 * (this module knows nothing of the layers above it).
 */
struct offload_leg {
	struct sockaddr_storage local, peer, out_src, out_dst;
	unsigned out_ifindex;
};

/*
 * The device packets to dst leave by, from the routing table of the calling
 * thread's namespace (rtnetlink): a leg's out_ifindex. 0, -ENETUNREACH (no
 * route, or a route with no device), -EINVAL, or another -errno.
 */
int offload_route_ifindex(const struct sockaddr *dst, unsigned *ifindex);

/* Per-leg counters, summed over CPUs. */
struct offload_counters {
	uint64_t pkts; /* RTP/RTCP forwarded in the kernel */
	uint64_t bytes; /* ... UDP payload bytes of those */
	uint64_t spoofed; /* RTP/RTCP from another source: dropped */
	uint64_t passed; /* other datagrams passed up to userspace */
	uint64_t errors; /* rewrite failed: dropped */
};

/*
 * Offload a leg, or replace its rewrite (counters are kept when the leg
 * is already offloaded, zeroed otherwise). 0, -EINVAL (families differ,
 * zero port, unspecified address), -ENODEV (no device for out_src),
 * -E2BIG (OFFLOAD_LEGS_MAX reached), or -errno of the map update.
 */
int offload_leg_add(struct offload *o, const struct offload_leg *l);
/*
 * Stop offloading the leg bound to `local`: its rule and counters leave
 * the maps; last (may be NULL) receives the final counters. 0, -ENOENT
 * (not offloaded), -EINVAL.
 */
int offload_leg_del(struct offload *o, const struct sockaddr *local,
		    struct offload_counters *last);
/* Current counters of an offloaded leg. 0, -ENOENT, -EINVAL. */
int offload_leg_counters(struct offload *o, const struct sockaddr *local,
			 struct offload_counters *c);
/* Entries now in the rule map and in the counter map (for checks that no
 * stale entry outlives its call). 0 or -errno. */
int offload_map_entries(struct offload *o, unsigned *legs, unsigned *ctrs);

#endif

/*
 * netns_fix (test helper): network namespaces a test creates for itself and
 * deletes again, at exit and on SIGINT/SIGTERM/SIGHUP too (timeout(1), ^C),
 * so nothing it sends leaves them. Needs root, `ip netns` and ethtool;
 * without them netns_fix_up says why and the test skips (a TAP SKIP with
 * the reason, never a pass).
 * Namespaces are named <prefix><pid>-<suffix>; set-up commands are format
 * strings in which %1$s stands for <prefix><pid>.
 */
#ifndef KTRSBC_TEST_NETNS_FIX_H
#define KTRSBC_TEST_NETNS_FIX_H

#include <stdbool.h>
#include <stddef.h>

#define NETNS_FIX_MAX 4
#define NETNS_FIX_NAME 32
#define NETNS_FIX_WHY 256

struct netns_fix {
	bool inited; /* netns_fix_up ran: the fields below are valid */
	size_t n;
	char base[24]; /* <prefix><pid> */
	char name[NETNS_FIX_MAX][NETNS_FIX_NAME];
	int fd[NETNS_FIX_MAX];
	bool made[NETNS_FIX_MAX];
	int self; /* the namespace the process started in */
	char why[NETNS_FIX_WHY];
	/* This machine loads BPF programs (netns_fix_bpf_probe) and has the
	 * namespaces, yet the project's own program is missing, rejected by
	 * the verifier or does not attach: the tests fail, not skip. */
	bool broken;
};

/*
 * Three namespaces <base>-a, <base>-s, <base>-b joined by two veth pairs,
 * the offload tests' topology (addresses from RFC 5737 / RFC 3849):
 *
 *   a: ka  192.0.2.2, .3, 2001:db8:a::2 <-> s: ksa 192.0.2.1, 2001:db8:a::1
 *   s: ksb 198.51.100.1, 2001:db8:b::1  <-> b: kb  198.51.100.2, 2001:db8:b::2
 *
 * every link and lo up; kb verifies checksums in software (rx off) and ksa,
 * ksb finish partial checksums in software (tx off), so a wrong checksum
 * written by an eBPF program shows at the receiver.
 */
extern const char *const netns_fix_asb_cmds[];
extern const size_t netns_fix_asb_n;
/* Their indexes in struct netns_fix. */
enum { NETNS_FIX_A, NETNS_FIX_S, NETNS_FIX_B, NETNS_FIX_ASB };

/* Runs fmt through sh with its output discarded; its exit status, or -1. */
int netns_fix_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Creates n (<= NETNS_FIX_MAX) namespaces <prefix><pid>-<suffixes[i]> and
 * registers cleanup (which must end with netns_fix_down) with atexit and
 * the exit-on-signal handlers. Runs before cmocka: no assertions; false
 * with f->why set when this machine cannot.
 */
bool netns_fix_up(struct netns_fix *f, const char *prefix,
		  const char *const *suffixes, size_t n, void (*cleanup)(void));
/* Runs each command (%1$s = f->base); false with f->why at the first that
 * fails. */
bool netns_fix_run(struct netns_fix *f, const char *const *cmds, size_t n);
/* Moves the calling thread into namespace ns, or back to the starting one
 * for ns < 0. 0 or negative errno. */
int netns_fix_enter(const struct netns_fix *f, int ns);
/* The tc eBPF program: $KTR_BPF_OBJ, else $(BUILD)/ktr_tc.bpf.o found from
 * this binary's place ($(BUILD)/asan/tests/). 0, or -1 with why set. */
int netns_fix_bpf_obj(char *path, size_t cap, char *why, size_t why_cap);
/* Whether this machine loads BPF programs at all: a two-instruction tc
 * program (r0 = 0; exit) through libbpf. 0, or negative errno with why
 * set. Tells "no BPF here" (skip) from "our program is broken" (fail). */
int netns_fix_bpf_probe(char *why, size_t why_cap);
struct offload;
/*
 * The offload tests' fixture: netns_fix_up with the namespaces a, s, b,
 * netns_fix_asb_cmds then the test's own extra commands, and the tc
 * program (netns_fix_bpf_obj) loaded in s on ksa's and ksb's ingress into
 * *o. Runs before cmocka: no assertions; the thread is back in the
 * starting namespace. false with f->why set when the tests cannot run:
 * f->broken false when this machine cannot (not root, no namespaces, no
 * BPF at all: skip), true when BPF loads but our program does not (fail).
 */
bool netns_fix_asb_offload(struct netns_fix *f, const char *prefix,
			   const char *const *extra, size_t n_extra,
			   void (*cleanup)(void), struct offload **o);
/* Back to the starting namespace, deletes the namespaces (and so their veth
 * ends); safe to call again and before netns_fix_up. */
void netns_fix_down(struct netns_fix *f);

#endif

/* netns_fix: network namespaces for the offload tests (see netns_fix.h). */
#include "tests/lib/netns_fix.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "offload/offload.h"

#define CMD_MAX 512

const char *const netns_fix_asb_cmds[] = {
	"ip -n %1$s-a link add ka type veth peer name ksa netns %1$s-s",
	"ip -n %1$s-s link add ksb type veth peer name kb netns %1$s-b",
	"ip -n %1$s-a addr add 192.0.2.2/24 dev ka",
	"ip -n %1$s-a addr add 192.0.2.3/24 dev ka",
	"ip -n %1$s-a addr add 2001:db8:a::2/64 dev ka nodad",
	"ip -n %1$s-s addr add 192.0.2.1/24 dev ksa",
	"ip -n %1$s-s addr add 2001:db8:a::1/64 dev ksa nodad",
	"ip -n %1$s-s addr add 198.51.100.1/24 dev ksb",
	"ip -n %1$s-s addr add 2001:db8:b::1/64 dev ksb nodad",
	"ip -n %1$s-b addr add 198.51.100.2/24 dev kb",
	"ip -n %1$s-b addr add 2001:db8:b::2/64 dev kb nodad",
	"ip -n %1$s-a link set ka up",
	"ip -n %1$s-s link set ksa up",
	"ip -n %1$s-s link set ksb up",
	"ip -n %1$s-b link set kb up",
	"ip -n %1$s-a link set lo up",
	"ip -n %1$s-s link set lo up",
	"ip -n %1$s-b link set lo up",
	/* Receiver verifies checksums in software; the SBC's egress finishes
	 * partial checksums in software (so a wrong pseudo-header seed
	 * would show at B). */
	"ip netns exec %1$s-b ethtool -K kb rx off",
	"ip netns exec %1$s-s ethtool -K ksb tx off",
	"ip netns exec %1$s-s ethtool -K ksa tx off",
};
const size_t netns_fix_asb_n =
	sizeof(netns_fix_asb_cmds) / sizeof(netns_fix_asb_cmds[0]);

int netns_fix_sh(const char *fmt, ...)
{
	char cmd[CMD_MAX];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " >/dev/null 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	st = system(cmd);
	return (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
}

/* timeout(1) or ^C: exit() so the atexit cleanup still deletes the
 * namespaces */
static void on_signal(int sig)
{
	signal(sig, SIG_DFL);
	exit(128 + sig);
}

bool netns_fix_up(struct netns_fix *f, const char *prefix,
		  const char *const *suffixes, size_t n, void (*cleanup)(void))
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < NETNS_FIX_MAX; i++)
		f->fd[i] = -1;
	f->self = -1;
	f->inited = true;
	if (n > NETNS_FIX_MAX) {
		snprintf(f->why, sizeof(f->why), "too many namespaces");
		return false;
	}
	if (geteuid() != 0) {
		snprintf(f->why, sizeof(f->why), "not root");
		return false;
	}
	if (netns_fix_sh("command -v ethtool") != 0 ||
	    netns_fix_sh("ip netns list") != 0) {
		snprintf(f->why, sizeof(f->why), "ethtool or ip netns missing");
		return false;
	}
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	f->self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(f->base, sizeof(f->base), "%s%d", prefix, (int)getpid());
	f->n = n;
	for (size_t i = 0; i < n; i++) {
		char p[64];

		snprintf(f->name[i], sizeof(f->name[i]), "%s-%s", f->base,
			 suffixes[i]);
		if (netns_fix_sh("ip netns add %s", f->name[i]) != 0) {
			snprintf(f->why, sizeof(f->why),
				 "cannot create network namespaces");
			return false;
		}
		f->made[i] = true;
		snprintf(p, sizeof(p), "/run/netns/%s", f->name[i]);
		f->fd[i] = open(p, O_RDONLY | O_CLOEXEC);
		if (f->fd[i] < 0 || f->self < 0) {
			snprintf(f->why, sizeof(f->why), "cannot open %s", p);
			return false;
		}
	}
	return true;
}

bool netns_fix_run(struct netns_fix *f, const char *const *cmds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), cmds[i], f->base);
		if (netns_fix_sh("%s", cmd) != 0) {
			snprintf(f->why, sizeof(f->why),
				 "namespace set-up failed: %.180s", cmd);
			return false;
		}
	}
	return true;
}

int netns_fix_enter(const struct netns_fix *f, int ns)
{
	int fd = ns < 0 ? f->self : f->fd[ns];

	if (!f->inited || fd < 0)
		return -EBADF;
	return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

int netns_fix_bpf_obj(char *path, size_t cap, char *why, size_t why_cap)
{
	const char *env = getenv("KTR_BPF_OBJ");
	char exe[4096];
	ssize_t n;

	if (env) {
		snprintf(path, cap, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		snprintf(why, why_cap, "no /proc/self/exe");
		return -1;
	}
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(path, cap, "%s/../../ktr_tc.bpf.o", exe);
	return 0;
}

int netns_fix_bpf_probe(char *why, size_t why_cap)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "ktr_probe", "GPL",
			       insns, 2, NULL);

	if (fd < 0) {
		snprintf(why, why_cap, "this machine loads no BPF program "
			 "(a trivial tc program: %s)", strerror(-fd));
		return fd;
	}
	close(fd);
	return 0;
}

bool netns_fix_asb_offload(struct netns_fix *f, const char *prefix,
			   const char *const *extra, size_t n_extra,
			   void (*cleanup)(void), struct offload **o)
{
	static const char *const sfx[NETNS_FIX_ASB] = { "a", "s", "b" };
	const char *ifs[] = { "ksa", "ksb" };
	struct offload_cfg cfg = { .ifnames = ifs, .n_ifnames = 2 };
	char obj[4200];
	int err;

	if (!netns_fix_up(f, prefix, sfx, NETNS_FIX_ASB, cleanup) ||
	    netns_fix_bpf_probe(f->why, sizeof(f->why)) < 0 ||
	    !netns_fix_run(f, netns_fix_asb_cmds, netns_fix_asb_n) ||
	    !netns_fix_run(f, extra, n_extra))
		return false;
	/* From here on BPF and the namespaces work: whatever goes wrong is
	 * the project's program (missing, rejected, not attached). */
	f->broken = true;
	if (netns_fix_bpf_obj(obj, sizeof(obj), f->why, sizeof(f->why)) < 0)
		return false;
	cfg.obj_path = obj;
	err = netns_fix_enter(f, NETNS_FIX_S);
	if (err < 0) {
		snprintf(f->why, sizeof(f->why), "setns: %s", strerror(-err));
		return false;
	}
	err = offload_alloc(o, &cfg, f->why, sizeof(f->why));
	if (netns_fix_enter(f, -1) < 0)
		abort();
	if (err)
		return false; /* f->why says why */
	f->broken = false;
	return true;
}

void netns_fix_down(struct netns_fix *f)
{
	if (!f->inited)
		return;
	if (f->self >= 0)
		(void)setns(f->self, CLONE_NEWNET);
	for (size_t i = 0; i < f->n; i++) {
		if (f->fd[i] >= 0)
			close(f->fd[i]);
		f->fd[i] = -1;
		/* deleting a namespace deletes the veth ends in it and so
		 * their peers */
		if (f->made[i] && netns_fix_sh("ip netns del %s", f->name[i]))
			fprintf(stderr, "# could not delete netns %s\n",
				f->name[i]);
		f->made[i] = false;
	}
	if (f->self >= 0)
		close(f->self);
	f->self = -1;
}

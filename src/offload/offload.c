/*
 * offload: loader of the tc fast path (see offload.h) on libbpf 1.1.
 */
#include "offload/offload.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/err.h"
#include "base/klog.h"
#include "offload/offload_map.h"

struct offload_if {
	unsigned ifindex;
	bool hook_created; /* we created the clsact qdisc */
	bool attached;
	uint32_t handle, priority; /* of our filter */
	char name[IF_NAMESIZE];
};

struct offload {
	struct bpf_object *obj;
	int prog_fd, legs_fd, ctrs_fd;
	unsigned ncpu;
	struct offload_ctr *percpu; /* ncpu values: a lookup/update buffer */
	unsigned n_if;
	struct offload_if ifs[OFFLOAD_IFS_MAX];
};

static void why_set(char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!why || !cap)
		return;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
}

/* libbpf's own messages go to klog: warnings at debug level (the caller
 * reports the one reason that matters), so a failed probe is not noisy. */
static int offload_libbpf_print(enum libbpf_print_level lvl, const char *fmt,
				va_list ap)
{
	char line[512];
	size_t n;

	if (lvl == LIBBPF_DEBUG || klog_get_level() < KLOG_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = '\0';
	klog(KLOG_DEBUG, "offload: libbpf: %s", line);
	return 0;
}

static const char *priv_hint(int err)
{
	return (err == -EPERM || err == -EACCES) ?
		       " (needs CAP_BPF and CAP_NET_ADMIN)" :
		       "";
}

static void offload_detach(struct offload *o)
{
	for (unsigned i = 0; i < o->n_if; i++) {
		struct offload_if *f = &o->ifs[i];
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)f->ifindex,
			    .attach_point = BPF_TC_INGRESS);
		int err;

		if (f->attached) {
			LIBBPF_OPTS(bpf_tc_opts, opts, .handle = f->handle,
				    .priority = f->priority);
			err = bpf_tc_detach(&hook, &opts);
			if (err < 0)
				klog(KLOG_WARN, "offload: detach from %s: %s",
				     f->name, err_str(err));
			f->attached = false;
		}
		if (f->hook_created) {
			/* Both points: this removes the clsact qdisc itself
			 * (ingress alone would flush other filters). */
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			err = bpf_tc_hook_destroy(&hook);
			if (err < 0 && err != -ENOENT)
				klog(KLOG_WARN, "offload: clsact on %s: %s",
				     f->name, err_str(err));
			f->hook_created = false;
		}
	}
}

void offload_free(struct offload *o)
{
	if (!o)
		return;
	offload_detach(o);
	bpf_object__close(o->obj); /* closes prog and map fds */
	free(o->percpu);
	free(o);
}

static int offload_attach(struct offload *o, const char *ifname, char *why,
			  size_t cap)
{
	struct offload_if *f = &o->ifs[o->n_if];
	int err;

	if (strlen(ifname) >= IF_NAMESIZE) {
		why_set(why, cap, "device name too long: %s", ifname);
		return -EINVAL;
	}
	strcpy(f->name, ifname);
	f->ifindex = if_nametoindex(ifname);
	if (!f->ifindex) {
		why_set(why, cap, "no device %s", ifname);
		return -ENODEV;
	}
	o->n_if++; /* from here offload_detach undoes what was done */

	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)f->ifindex,
		    .attach_point = BPF_TC_INGRESS);
	err = bpf_tc_hook_create(&hook);
	if (err == 0)
		f->hook_created = true;
	else if (err != -EEXIST) {
		why_set(why, cap, "clsact qdisc on %s: %s%s", ifname,
			err_str(err), priv_hint(err));
		return err;
	}
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = o->prog_fd);
	err = bpf_tc_attach(&hook, &opts);
	if (err < 0) {
		why_set(why, cap, "attach to ingress of %s: %s%s", ifname,
			err_str(err), priv_hint(err));
		return err;
	}
	f->attached = true;
	f->handle = opts.handle;
	f->priority = opts.priority;
	return 0;
}

int offload_alloc(struct offload **op, const struct offload_cfg *cfg,
		  char *why, size_t why_cap)
{
	const char *path;
	struct bpf_program *prog;
	struct offload *o;
	int err, n;

	if (why && why_cap)
		why[0] = '\0';
	if (!op || !cfg || !cfg->ifnames || cfg->n_ifnames == 0 ||
	    cfg->n_ifnames > OFFLOAD_IFS_MAX) {
		why_set(why, why_cap, "bad configuration (1..%d devices)",
			OFFLOAD_IFS_MAX);
		return -EINVAL;
	}
	path = cfg->obj_path ? cfg->obj_path : OFFLOAD_OBJ_DEFAULT;
	libbpf_set_print(offload_libbpf_print);
	n = libbpf_num_possible_cpus();
	if (n <= 0) {
		why_set(why, why_cap, "cannot count CPUs: %s", err_str(n));
		return n < 0 ? n : -EIO;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->ncpu = (unsigned)n;
	o->percpu = calloc(o->ncpu, sizeof(*o->percpu));
	if (!o->percpu) {
		free(o);
		return -ENOMEM;
	}
	o->obj = bpf_object__open_file(path, NULL);
	if (!o->obj) {
		err = -errno;
		why_set(why, why_cap, "open %s: %s", path, err_str(err));
		goto fail;
	}
	err = bpf_object__load(o->obj);
	if (err < 0) {
		why_set(why, why_cap, "load %s into the kernel: %s%s", path,
			err_str(err), priv_hint(err));
		goto fail;
	}
	prog = bpf_object__find_program_by_name(o->obj, OFFLOAD_PROG_NAME);
	o->prog_fd = prog ? bpf_program__fd(prog) : -1;
	o->legs_fd = bpf_object__find_map_fd_by_name(o->obj, OFFLOAD_MAP_LEGS);
	o->ctrs_fd = bpf_object__find_map_fd_by_name(o->obj, OFFLOAD_MAP_CTRS);
	if (o->prog_fd < 0 || o->legs_fd < 0 || o->ctrs_fd < 0) {
		err = -ENOENT;
		why_set(why, why_cap, "%s lacks %s or its maps", path,
			OFFLOAD_PROG_NAME);
		goto fail;
	}
	for (unsigned i = 0; i < cfg->n_ifnames; i++) {
		err = offload_attach(o, cfg->ifnames[i], why, why_cap);
		if (err < 0)
			goto fail;
	}
	klog(KLOG_INFO, "offload: attached to %u device(s)", o->n_if);
	*op = o;
	return 0;
fail:
	offload_free(o);
	return err;
}

/* --- legs ----------------------------------------------------------------- */

/* Address and port of sa as the program sees them (network order); 0 or
 * -EINVAL (not AF_INET/AF_INET6). */
static int sa_parse(const struct sockaddr *sa, uint8_t *fam, uint8_t addr[16],
		    __be16 *port)
{
	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		*fam = OFFLOAD_FAM_V4;
		memcpy(addr, &s->sin_addr, 4);
		*port = s->sin_port;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		*fam = OFFLOAD_FAM_V6;
		memcpy(addr, &s->sin6_addr, 16);
		*port = s->sin6_port;
		return 0;
	}
	return -EINVAL;
}

static bool addr_zero(const uint8_t a[16])
{
	static const uint8_t z[16];

	return memcmp(a, z, 16) == 0;
}

static int key_of(const struct sockaddr *local, struct offload_key *k)
{
	if (!local)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	return sa_parse(local, &k->fam, k->addr, &k->port);
}

/* The device holding address a (family fam) in this namespace, or 0. */
static unsigned ifindex_of_addr(uint8_t fam, const uint8_t a[16])
{
	struct ifaddrs *ifa, *i;
	unsigned idx = 0;

	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i && !idx; i = i->ifa_next) {
		uint8_t f, b[16];
		__be16 p;

		if (!i->ifa_addr || sa_parse(i->ifa_addr, &f, b, &p) < 0)
			continue;
		if (f == fam && memcmp(a, b, 16) == 0)
			idx = if_nametoindex(i->ifa_name);
	}
	freeifaddrs(ifa);
	return idx;
}

int offload_leg_add(struct offload *o, const struct offload_leg *l)
{
	struct offload_rule r;
	struct offload_key k;
	uint8_t f[3];
	int err;

	if (!o || !l)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	if (key_of((const struct sockaddr *)&l->local, &k) < 0 ||
	    sa_parse((const struct sockaddr *)&l->peer, &f[0], r.peer_addr,
		     &r.peer_port) < 0 ||
	    sa_parse((const struct sockaddr *)&l->out_src, &f[1], r.src_addr,
		     &r.src_port) < 0 ||
	    sa_parse((const struct sockaddr *)&l->out_dst, &f[2], r.dst_addr,
		     &r.dst_port) < 0)
		return -EINVAL;
	if (f[0] != k.fam || f[1] != k.fam || f[2] != k.fam || !k.port ||
	    !r.peer_port || !r.src_port || !r.dst_port || addr_zero(k.addr) ||
	    addr_zero(r.peer_addr) || addr_zero(r.src_addr) ||
	    addr_zero(r.dst_addr))
		return -EINVAL;
	r.fam = k.fam;
	r.ifindex = l->out_ifindex ? l->out_ifindex :
				     ifindex_of_addr(k.fam, r.src_addr);
	if (!r.ifindex)
		return -ENODEV;

	/* Counters first: the program counts only legs that have them, and a
	 * leg already offloaded keeps its own (BPF_NOEXIST). */
	memset(o->percpu, 0, o->ncpu * sizeof(*o->percpu));
	err = bpf_map_update_elem(o->ctrs_fd, &k, o->percpu, BPF_NOEXIST);
	if (err < 0 && err != -EEXIST)
		return err;
	err = bpf_map_update_elem(o->legs_fd, &k, &r, BPF_ANY);
	if (err < 0) {
		bpf_map_delete_elem(o->ctrs_fd, &k);
		return err;
	}
	return 0;
}

static int ctr_read(struct offload *o, const struct offload_key *k,
		    struct offload_counters *c)
{
	int err;

	err = bpf_map_lookup_elem(o->ctrs_fd, k, o->percpu);
	if (err < 0)
		return err;
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < o->ncpu; i++) {
		c->pkts += o->percpu[i].pkts;
		c->bytes += o->percpu[i].bytes;
		c->spoofed += o->percpu[i].spoofed;
		c->passed += o->percpu[i].passed;
		c->errors += o->percpu[i].errors;
	}
	return 0;
}

int offload_leg_del(struct offload *o, const struct sockaddr *local,
		    struct offload_counters *last)
{
	struct offload_counters c;
	struct offload_key k;
	int err, err2;

	if (!o || key_of(local, &k) < 0)
		return -EINVAL;
	/* Rule first: from here the kernel passes the leg's packets up. */
	err = bpf_map_delete_elem(o->legs_fd, &k);
	if (ctr_read(o, &k, &c) < 0)
		memset(&c, 0, sizeof(c));
	err2 = bpf_map_delete_elem(o->ctrs_fd, &k);
	if (last)
		*last = c;
	if (err < 0 && err2 < 0)
		return err;
	return 0;
}

int offload_leg_counters(struct offload *o, const struct sockaddr *local,
			 struct offload_counters *c)
{
	struct offload_key k;

	if (!o || !c || key_of(local, &k) < 0)
		return -EINVAL;
	return ctr_read(o, &k, c);
}

static int map_count(int fd, unsigned *n)
{
	struct offload_key k, next;
	const void *prev = NULL;
	int err;

	*n = 0;
	for (;;) {
		err = bpf_map_get_next_key(fd, prev, &next);
		if (err == -ENOENT)
			return 0;
		if (err < 0)
			return err;
		if (++*n > OFFLOAD_LEGS_MAX)
			return -EOVERFLOW;
		k = next;
		prev = &k;
	}
}

int offload_map_entries(struct offload *o, unsigned *legs, unsigned *ctrs)
{
	int err;

	if (!o || !legs || !ctrs)
		return -EINVAL;
	err = map_count(o->legs_fd, legs);
	return err < 0 ? err : map_count(o->ctrs_fd, ctrs);
}

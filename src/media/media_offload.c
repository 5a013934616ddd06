/*
 * media_offload: the in-kernel fast path for the media engine's relay (issue 7,
 * `offload` and `offload_devices` in ktrsbc.conf). Decides once, at start,
 * whether and where to attach; any reason not to is logged once and the
 * relay then forwards everything in userspace. A call never fails because
 * of the offload.
 */
#include "media/media_int.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/klog.h"
#include "offload/offload.h"

/* Where the program is looked for, relative to the running binary: beside
 * it (build/), two up (build/asan/tools/), PREFIX/lib/ktrsbc (installed). */
static const char *const obj_rel[] = {
	"ktr_tc.bpf.o",
	"../../ktr_tc.bpf.o",
	"../lib/ktrsbc/ktr_tc.bpf.o",
};

static bool obj_find(char *out, size_t cap)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		for (size_t i = 0; i < sizeof(obj_rel) / sizeof(obj_rel[0]); i++) {
			snprintf(out, cap, "%s/%s", exe, obj_rel[i]);
			if (access(out, R_OK) == 0)
				return true;
		}
	}
	snprintf(out, cap, "%s", OFFLOAD_OBJ_DEFAULT);
	return access(out, R_OK) == 0;
}

static bool addr_loopback(const char *a)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, a, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, a, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static bool same_addr(const struct sockaddr *sa, const char *a)
{
	char buf[INET6_ADDRSTRLEN];
	const void *p;

	if (sa->sa_family == AF_INET)
		p = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		p = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		return false;
	if (!inet_ntop(sa->sa_family, p, buf, sizeof(buf)))
		return false;
	/* Compare in binary: "::1" and "0::1" are one address. */
	uint8_t x[16] = { 0 }, y[16] = { 0 };

	return inet_pton(sa->sa_family, buf, x) == 1 &&
	       inet_pton(sa->sa_family, a, y) == 1 && memcmp(x, y, 16) == 0;
}

static bool name_listed(char (*names)[CONF_IFNAME_MAX], size_t n,
			const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* offload_devices = auto: the device holding media_address; when that is
 * a loopback device (an address on lo), every up non-loopback device, since
 * media for it may arrive on any of them. Appended to the n names already
 * there (media_address6's device after media_address's). 0 devices: why
 * says why. */
static size_t devices_auto(const char *media, char (*names)[CONF_IFNAME_MAX],
			   size_t n, char *why, size_t cap)
{
	struct ifaddrs *ifa;
	const char *holder = NULL;
	bool holder_lo = false;

	if (getifaddrs(&ifa) < 0) {
		snprintf(why, cap, "cannot list devices");
		return 0;
	}
	for (struct ifaddrs *i = ifa; i && !holder; i = i->ifa_next) {
		if (i->ifa_addr && same_addr(i->ifa_addr, media)) {
			holder = i->ifa_name;
			holder_lo = i->ifa_flags & IFF_LOOPBACK;
		}
	}
	for (struct ifaddrs *i = ifa; i && holder && n < CONF_OFFLOAD_DEVS_MAX;
	     i = i->ifa_next) {
		const char *d = i->ifa_name;

		if (holder_lo ? (!(i->ifa_flags & IFF_UP) ||
				 (i->ifa_flags & IFF_LOOPBACK)) :
				strcmp(d, holder) != 0)
			continue;
		if (strlen(d) >= CONF_IFNAME_MAX || name_listed(names, n, d))
			continue;
		strcpy(names[n++], d);
	}
	if (!holder)
		snprintf(why, cap, "no device holds media_address %s", media);
	else if (!n)
		snprintf(why, cap, "no device up besides %s", holder);
	freeifaddrs(ifa);
	return n;
}

void media_offload_setup(struct media_engine *s)
{
	const struct conf *c = &s->conf;
	char names[CONF_OFFLOAD_DEVS_MAX][CONF_IFNAME_MAX];
	const char *ptrs[CONF_OFFLOAD_DEVS_MAX];
	char obj[PATH_MAX + 32], why[256] = "";
	struct offload_cfg oc;
	size_t n = 0, off = 0;
	int err;

	memset(names, 0, sizeof(names));
	if (c->offload == CONF_OFFLOAD_OFF) {
		snprintf(s->offload_state, sizeof(s->offload_state),
			 "off (configuration)");
		klog(KLOG_INFO, "offload: off (configuration): media forwarded in userspace");
		return;
	}
	if (addr_loopback(c->media_address)) {
		snprintf(s->offload_state, sizeof(s->offload_state),
			 "not used: loopback media_address");
		klog(KLOG_INFO, "offload: not used: media_address %s is loopback "
		     "(lo's tc hook is shared by every local process and an offloaded "
		     "packet would pass it twice on the sender's CPU); media forwarded "
		     "in userspace", c->media_address);
		return;
	}
	if (c->n_offload_devices) {
		n = c->n_offload_devices;
		memcpy(names, c->offload_devices, sizeof(names));
	} else {
		n = devices_auto(c->media_address, names, 0, why, sizeof(why));
		/* IPv6 legs (media_address6) arrive on its device. */
		if (n && c->media_address6[0] && !addr_loopback(c->media_address6))
			n = devices_auto(c->media_address6, names, n, why, sizeof(why));
	}
	if (n && !obj_find(obj, sizeof(obj))) {
		snprintf(why, sizeof(why), "program ktr_tc.bpf.o not found beside "
			 "ktrsbc nor at %s", OFFLOAD_OBJ_DEFAULT);
		n = 0;
	}
	if (n) {
		for (size_t i = 0; i < n; i++)
			ptrs[i] = names[i];
		memset(&oc, 0, sizeof(oc));
		oc.obj_path = obj;
		oc.ifnames = ptrs;
		oc.n_ifnames = (unsigned)n;
		err = offload_alloc(&s->offload, &oc, why, sizeof(why));
		if (err) {
			s->offload = NULL;
			if (!why[0])
				snprintf(why, sizeof(why), "error %d", err);
		}
	}
	if (!s->offload) {
		/* ctl prints the state inside a JSON string */
		for (char *p = why; *p; p++)
			if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
				*p = '\'';
		snprintf(s->offload_state, sizeof(s->offload_state),
			 "not used: %s", why);
		klog(KLOG_WARN, "offload: not used: %s; media forwarded in userspace",
		     why);
		return;
	}
	off = (size_t)snprintf(s->offload_state, sizeof(s->offload_state), "on:");
	for (size_t i = 0; i < n && off < sizeof(s->offload_state); i++)
		off += (size_t)snprintf(s->offload_state + off,
					sizeof(s->offload_state) - off, " %s",
					names[i]);
	klog(KLOG_INFO, "offload: KTR calls forwarded in the kernel once established (%s)",
	     s->offload_state);
}

void media_offload_free(struct media_engine *s)
{
	offload_free(s->offload); /* after relay_free: no leg left in it */
	s->offload = NULL;
}

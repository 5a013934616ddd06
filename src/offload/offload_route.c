/*
 * offload_route: the device a packet to a given address leaves by, asked
 * of the kernel's routing table (rtnetlink RTM_GETROUTE), for the egress
 * ifindex of an offloaded leg (offload.h). A relay binds both legs of a call
 * to one media address, so the device holding that address says nothing
 * about where the other leg's peer is reached; the route does.
 */
#include "offload/offload.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Answer buffer: one RTM_NEWROUTE (a few hundred bytes) or an error. */
#define ROUTE_REPLY_MAX 4096
/* The kernel answers at once; bounded so a lost reply cannot hang a worker. */
#define ROUTE_TIMEOUT_MS 500

struct route_req {
	struct nlmsghdr nh;
	struct rtmsg rt;
	char attrs[RTA_SPACE(16)];
};

/* RTA_OIF of a RTM_NEWROUTE answer; 0 or -errno. */
static int route_parse(const uint8_t *buf, size_t n, uint32_t seq,
		       unsigned *ifindex)
{
	for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, n);
	     h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_seq != seq)
			continue;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EBADMSG;
			return e->error ? e->error : -ENOENT;
		}
		if (h->nlmsg_type != RTM_NEWROUTE)
			continue;
		const struct rtmsg *rt = NLMSG_DATA(h);
		size_t alen = RTM_PAYLOAD(h);

		for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, alen);
		     a = RTA_NEXT(a, alen)) {
			if (a->rta_type == RTA_OIF &&
			    RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
				uint32_t oif;

				memcpy(&oif, RTA_DATA(a), sizeof(oif));
				*ifindex = oif;
				return oif ? 0 : -ENETUNREACH;
			}
		}
		return -ENETUNREACH;
	}
	return -EBADMSG;
}

int offload_route_ifindex(const struct sockaddr *dst, unsigned *ifindex)
{
	static const struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { 0, ROUTE_TIMEOUT_MS * 1000 };
	struct route_req req;
	struct rtattr *a;
	uint8_t buf[ROUTE_REPLY_MAX];
	const void *addr;
	size_t alen;
	ssize_t n;
	int fd, err;

	if (!dst || !ifindex)
		return -EINVAL;
	if (dst->sa_family == AF_INET) {
		addr = &((const struct sockaddr_in *)dst)->sin_addr;
		alen = 4;
	} else if (dst->sa_family == AF_INET6) {
		addr = &((const struct sockaddr_in6 *)dst)->sin6_addr;
		alen = 16;
	} else {
		return -EINVAL;
	}
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.rt)) + RTA_SPACE(alen);
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.rt.rtm_family = (unsigned char)dst->sa_family;
	req.rt.rtm_dst_len = (unsigned char)(alen * 8);
	a = (struct rtattr *)req.attrs;
	a->rta_type = RTA_DST;
	a->rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(RTA_DATA(a), addr, alen);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (const void *)&kernel,
		   sizeof(kernel)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	err = n < 0 ? -errno : route_parse(buf, (size_t)n, 1, ifindex);
	close(fd);
	return err;
}

/*
 * ep capture: SRTP/SRTCP datagrams to a classic pcap file (format in
 * ep_int.h), so that a test can prove that the bytes one endpoint received
 * are the bytes the other sent, and an independent SRTP implementation can
 * decrypt them.
 */
#include "ep/ep_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/klog.h"

#define PCAP_MAGIC 0xa1b2c3d4u /* microsecond timestamps */
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define UDP_HDR_LEN 8
#define IP_TTL_DEFAULT 64
#define IPPROTO_UDP_NUM 17
/* Record header + the largest IP header + UDP header. */
#define CAP_HDRS_MAX (EP_CAP_REC_LEN + IPV6_HDR_LEN + UDP_HDR_LEN)

/* One's-complement sum of 16-bit words (RFC 1071), read through buf; an odd
 * final byte is padded with zero. Chunks other than the last must have an
 * even length. */
static uint32_t csum_add(uint32_t sum, const void *data, size_t n)
{
	struct buf_rd r;
	uint16_t w;
	uint8_t b;

	buf_rd_init(&r, data, n);
	while (buf_get_u16(&r, &w) == 0)
		sum += w;
	if (buf_get_u8(&r, &b) == 0)
		sum += (uint32_t)b << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int fwrite_all(struct ep_cap *c, const void *p, size_t n)
{
	if (c->err)
		return c->err;
	if (n && fwrite(p, 1, n, c->f) != n)
		c->err = errno ? -errno : -EIO;
	return c->err;
}

int ep_cap_open(struct ep_cap *c, const char *path)
{
	uint8_t hdr[EP_CAP_GLOBAL_LEN];
	struct buf_wr w;
	int err;

	if (!c || !path || c->f)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	buf_wr_init(&w, hdr, sizeof(hdr));
	if ((err = buf_put_u32(&w, PCAP_MAGIC)) ||
	    (err = buf_put_u16(&w, PCAP_VERSION_MAJOR)) ||
	    (err = buf_put_u16(&w, PCAP_VERSION_MINOR)) ||
	    (err = buf_put_u32(&w, 0)) || /* thiszone: UTC */
	    (err = buf_put_u32(&w, 0)) || /* sigfigs */
	    (err = buf_put_u32(&w, EP_CAP_SNAPLEN)) ||
	    (err = buf_put_u32(&w, EP_CAP_LINKTYPE_RAW)))
		return err;
	c->f = fopen(path, "wb");
	if (!c->f)
		return -errno;
	if ((err = fwrite_all(c, hdr, w.len))) {
		fclose(c->f);
		memset(c, 0, sizeof(*c));
	}
	return err;
}

/* Address bytes and port of an AF_INET / AF_INET6 socket address. */
static int addr_parts(const struct sockaddr *sa, int family, uint8_t *ip,
		      uint16_t *port)
{
	struct sockaddr_in in;
	struct sockaddr_in6 in6;

	if (!sa || sa->sa_family != family)
		return -EAFNOSUPPORT;
	if (family == AF_INET) {
		memcpy(&in, sa, sizeof(in));
		memcpy(ip, &in.sin_addr, 4);
		*port = ntohs(in.sin_port);
	} else {
		memcpy(&in6, sa, sizeof(in6));
		memcpy(ip, &in6.sin6_addr, 16);
		*port = ntohs(in6.sin6_port);
	}
	return 0;
}

int ep_cap_write(struct ep_cap *c, const struct sockaddr *src,
		 const struct sockaddr *dst, const uint8_t *pkt, size_t len,
		 const struct timespec *ts)
{
	uint8_t hdr[CAP_HDRS_MAX], s_ip[16], d_ip[16], pseudo[40];
	struct buf_wr w, pw;
	uint16_t sport, dport, udp_len;
	int family, err;
	size_t alen, ip_len, ip_off;
	uint32_t sum;

	if (!c || !c->f || !src || !dst || (!pkt && len) || !ts)
		return -EINVAL;
	if (c->err)
		return c->err;
	if (len > EP_CAP_DGRAM_MAX)
		return -EMSGSIZE;
	family = src->sa_family;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if ((err = addr_parts(src, family, s_ip, &sport)) ||
	    (err = addr_parts(dst, family, d_ip, &dport)))
		return err;
	alen = family == AF_INET ? 4 : 16;
	ip_len = family == AF_INET ? IPV4_HDR_LEN : IPV6_HDR_LEN;
	udp_len = (uint16_t)(UDP_HDR_LEN + len);

	/* UDP checksum over the pseudo-header (RFC 768 / RFC 8200 8.1), the
	 * UDP header with a zero checksum, and the datagram. The IPv6 layout
	 * (32-bit length, 24 zero bits, next header) sums to the same words as
	 * IPv4's (zero, protocol, 16-bit length), so one layout serves both. */
	buf_wr_init(&pw, pseudo, sizeof(pseudo));
	if ((err = buf_put_bytes(&pw, s_ip, alen)) ||
	    (err = buf_put_bytes(&pw, d_ip, alen)) ||
	    (err = buf_put_u32(&pw, udp_len)) ||
	    (err = buf_put_u32(&pw, IPPROTO_UDP_NUM)))
		return err;
	sum = csum_add(0, pseudo, pw.len);
	sum += sport;
	sum += dport;
	sum += udp_len;
	sum = csum_add(sum, pkt, len);

	buf_wr_init(&w, hdr, sizeof(hdr));
	/* Record header: seconds, microseconds, captured and original length. */
	if ((err = buf_put_u32(&w, (uint32_t)ts->tv_sec)) ||
	    (err = buf_put_u32(&w, (uint32_t)(ts->tv_nsec / 1000))) ||
	    (err = buf_put_u32(&w, (uint32_t)(ip_len + udp_len))) ||
	    (err = buf_put_u32(&w, (uint32_t)(ip_len + udp_len))))
		return err;
	ip_off = w.len;
	if (family == AF_INET) {
		/* RFC 791 3.1: version 4, IHL 5, DF, TTL, UDP. */
		if ((err = buf_put_u8(&w, 0x45)) || (err = buf_put_u8(&w, 0)) ||
		    (err = buf_put_u16(&w, (uint16_t)(ip_len + udp_len))) ||
		    (err = buf_put_u16(&w, c->ip_id)) ||
		    (err = buf_put_u16(&w, 0x4000)) ||
		    (err = buf_put_u8(&w, IP_TTL_DEFAULT)) ||
		    (err = buf_put_u8(&w, IPPROTO_UDP_NUM)) ||
		    (err = buf_put_u16(&w, 0)) || /* checksum, below */
		    (err = buf_put_bytes(&w, s_ip, 4)) ||
		    (err = buf_put_bytes(&w, d_ip, 4)))
			return err;
	} else {
		/* RFC 8200 3: version 6, no class/label, payload length. */
		if ((err = buf_put_u32(&w, 0x60000000u)) ||
		    (err = buf_put_u16(&w, udp_len)) ||
		    (err = buf_put_u8(&w, IPPROTO_UDP_NUM)) ||
		    (err = buf_put_u8(&w, IP_TTL_DEFAULT)) ||
		    (err = buf_put_bytes(&w, s_ip, 16)) ||
		    (err = buf_put_bytes(&w, d_ip, 16)))
			return err;
	}
	if ((err = buf_put_u16(&w, sport)) || (err = buf_put_u16(&w, dport)) ||
	    (err = buf_put_u16(&w, udp_len)))
		return err;
	sum = csum_fold(sum);
	/* RFC 768: a computed zero is sent as all ones. */
	if ((err = buf_put_u16(&w, sum ? (uint16_t)sum : 0xffff)))
		return err;
	if (family == AF_INET) {
		/* Patch the header checksum in through a second writer. */
		struct buf_wr cw;
		uint16_t hsum = csum_fold(csum_add(0, hdr + ip_off, IPV4_HDR_LEN));

		buf_wr_init(&cw, hdr + ip_off + 10, 2);
		if ((err = buf_put_u16(&cw, hsum)))
			return err;
	}
	if ((err = fwrite_all(c, hdr, w.len)) || (err = fwrite_all(c, pkt, len)))
		return err;
	c->ip_id++;
	c->records++;
	return 0;
}

int ep_cap_close(struct ep_cap *c)
{
	int err;

	if (!c || !c->f)
		return 0;
	err = c->err;
	if (fclose(c->f) && !err)
		err = errno ? -errno : -EIO;
	memset(c, 0, sizeof(*c));
	return err;
}

/* --- the endpoint's side ------------------------------------------------- */

static bool addr_is_any(const struct sockaddr_storage *ss)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;

	if (ss->ss_family == AF_INET) {
		memcpy(&in, ss, sizeof(in));
		return in.sin_addr.s_addr == htonl(INADDR_ANY);
	}
	memcpy(&in6, ss, sizeof(in6));
	return memcmp(&in6.sin6_addr, &any6, sizeof(any6)) == 0;
}

/* A socket bound to the wildcard address: show the source address the
 * kernel picks toward the peer (found once, by connecting a throwaway
 * socket; nothing is sent). */
static void resolve_local(struct ep *ep)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	if (ep->cap_local_known || !ep->peer_len)
		return;
	ep->cap_local_known = true;
	if (!addr_is_any(&ep->cap_local))
		return;
	fd = socket(ep->peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&ep->peer, ep->peer_len) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == ep->cap_local.ss_family) {
		/* Keep our own port; take the address. */
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in a, b;

			memcpy(&a, &ep->cap_local, sizeof(a));
			memcpy(&b, &ss, sizeof(b));
			a.sin_addr = b.sin_addr;
			memcpy(&ep->cap_local, &a, sizeof(a));
		} else {
			struct sockaddr_in6 a, b;

			memcpy(&a, &ep->cap_local, sizeof(a));
			memcpy(&b, &ss, sizeof(b));
			a.sin6_addr = b.sin6_addr;
			memcpy(&ep->cap_local, &a, sizeof(a));
		}
	}
	close(fd);
}

void ep_capture(struct ep *ep, bool sent, const struct sockaddr *from,
		const uint8_t *pkt, size_t len)
{
	const struct sockaddr *local = (struct sockaddr *)&ep->cap_local;
	const struct sockaddr *peer = sent ? (struct sockaddr *)&ep->peer : from;
	struct timespec ts;

	if (!ep->cap.f)
		return;
	resolve_local(ep);
	if (ep->on_rtcp_port) { /* ep_set_rtcp: RTCP's own addresses */
		local = (struct sockaddr *)&ep->rtcp_local;
		if (sent)
			peer = (struct sockaddr *)&ep->rtcp_peer;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ep_cap_write(&ep->cap, sent ? local : peer, sent ? peer : local,
			 pkt, len, &ts))
		ep->st.capture_errors++;
	else
		ep->st.captured++;
}

int ep_set_capture(struct ep *ep, const char *path)
{
	socklen_t len = sizeof(ep->cap_local);
	int err = 0;

	if (!ep)
		return -EINVAL;
	if (ep->cap.f && (err = ep_cap_close(&ep->cap)))
		klog(KLOG_WARN, "ep: previous capture incomplete");
	if (!path)
		return err;
	memset(&ep->cap_local, 0, sizeof(ep->cap_local));
	ep->cap_local_known = false;
	if (getsockname(ep->fd, (struct sockaddr *)&ep->cap_local, &len) < 0)
		return -errno;
	if (ep->cap_local.ss_family != AF_INET &&
	    ep->cap_local.ss_family != AF_INET6)
		return -EAFNOSUPPORT;
	return ep_cap_open(&ep->cap, path);
}

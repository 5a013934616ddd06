/*
 * bench_offload: the tools of scripts/bench-offload.sh (issue 7's offloaded
 * path beside the userspace relay, in network namespaces), not a test. One
 * binary, four roles; addresses are IPv4 literals with ports (A.B.C.D:P):
 *
 *   gen  -b SRC -d DST -t SECS [-r PPS] [-I DEV -m MAC]   one SRTP stream
 *        (stream 0's key A of bench_common.h) from SRC to DST as fast as
 *        sendmmsg goes, or paced to PPS, one datagram per packet (no UDP GSO, so every packet is
 *        counted on the way); a ring of BENCH_RING packets protected
 *        beforehand (no crypto while sending). With -I/-m the datagrams are
 *        written as whole Ethernet frames (IPv4 and UDP checksums computed)
 *        to DEV for next-hop MAC through an AF_PACKET socket that bypasses
 *        the qdisc: the sender's own UDP stack costs several times what the
 *        path under test does on this machine, so without it the generator
 *        runs out first. Prints "gen: sent N secs T pps R".
 *   relay -l IP -i PIN -o POUT -d DST -t SECS   the userspace reference:
 *        what arrives on IP:PIN goes from IP:POUT to DST (recvmmsg/sendmmsg
 *        of up to BENCH_BATCH, no per-packet work: bench_raw's loop).
 *        Prints "relay: fwd N cpu_s S" (S: its own user + system CPU).
 *   offload -O OBJ -I DEV[,DEV] -l IP -i PIN -o POUT -p PEER -d DST -t SECS
 *        the in-kernel path: loads OBJ on the devices' ingress and offloads
 *        one leg (IP:PIN from PEER -> IP:POUT -> DST, egress device from
 *        the routing table) as the relay would, holds it SECS seconds, and
 *        prints the kernel's counters "offload: pkts N spoofed S passed P
 *        errors E". Both ports are bound, as a relay call's legs are.
 *   sink -l IP:PORT -t SECS [-S EVERY]   counts datagrams and authenticates
 *        every EVERY-th (default 64) with key A (a new context at each
 *        pass of the generator's ring, whose sequence numbers restart).
 *        Prints "sink: recv N checked C auth_fail F".
 * Every role stops after its SECS (bounded).
 */
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "offload/offload.h"
#include "tests/bench/bench_common.h"
#include "tests/bench/bench_frame.h"

#define BENCH_RING 8192
#define SINK_EVERY_DEFAULT 64

static void addr_parse(const char *s, struct sockaddr_in *a)
{
	char ip[64];
	const char *c = strrchr(s, ':');

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	if (!c || (size_t)(c - s) >= sizeof(ip)) {
		fprintf(stderr, "bench_offload: %s is not A.B.C.D:PORT\n", s);
		exit(2);
	}
	memcpy(ip, s, (size_t)(c - s));
	ip[c - s] = '\0';
	a->sin_port = htons((uint16_t)atoi(c + 1));
	if (inet_pton(AF_INET, ip, &a->sin_addr) != 1) {
		fprintf(stderr, "bench_offload: bad address %s\n", s);
		exit(2);
	}
}

static int udp_bound(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int buf = 1 << 20;
	struct timeval tv = { 0, 100000 };

	if (fd < 0 || bind(fd, (const struct sockaddr *)a, sizeof(*a)) < 0) {
		perror("bench_offload: bind");
		exit(2);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	/* Blocking reads wake at least every 100 ms to check the clock. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static uint8_t bufs[BENCH_BATCH][2048];
static struct mmsghdr mm[BENCH_BATCH];
static struct iovec iov[BENCH_BATCH];

static void mm_setup(const struct sockaddr_in *dst)
{
	for (int i = 0; i < BENCH_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		if (dst) {
			mm[i].msg_hdr.msg_name = (void *)dst;
			mm[i].msg_hdr.msg_namelen = sizeof(*dst);
		}
	}
}

static int role_gen(const struct sockaddr_in *src, const struct sockaddr_in *dst,
		    double secs, double rate, const char *dev, const char *mac)
{
	static uint8_t ring[BENCH_RING][BENCH_FRAME_HDR + BENCH_SRTP_LEN + 16];
	static size_t rlen[BENCH_RING];
	struct ksrtp_keymat k;
	struct ksrtp_tx *tx = NULL;
	uint8_t eth[14];
	size_t off = dev ? BENCH_FRAME_HDR : 0;
	int fd = dev ? bench_frame_open(dev, mac, eth) : udp_bound(src);
	uint64_t sent = 0;
	unsigned pos = 0;
	double t0, t;

	bench_key(&k, 0, 'A');
	if (ksrtp_init() || ksrtp_tx_alloc(&tx, BENCH_SSRC_BASE, &k)) {
		fprintf(stderr, "bench_offload: SRTP sender\n");
		return 2;
	}
	for (unsigned i = 0; i < BENCH_RING; i++) {
		uint8_t *p = ring[i] + off;

		memset(p, 0, BENCH_RTP_LEN);
		p[0] = 0x80;
		p[1] = 0; /* PCMU */
		p[2] = (uint8_t)(i >> 8);
		p[3] = (uint8_t)i;
		p[8] = (uint8_t)(BENCH_SSRC_BASE >> 24);
		memset(p + 12, (uint8_t)i, BENCH_RTP_LEN - 12);
		rlen[i] = BENCH_RTP_LEN;
		if (ksrtp_tx_protect(tx, p, &rlen[i], sizeof(ring[i]) - off)) {
			fprintf(stderr, "bench_offload: protect failed\n");
			return 2;
		}
		if (dev)
			rlen[i] = bench_frame_make(ring[i], eth, rlen[i], src, dst,
					     (uint16_t)i, true);
	}
	ksrtp_tx_free(tx);
	mm_setup(dev ? NULL : dst);
	t0 = bench_now();
	do {
		for (int i = 0; i < BENCH_BATCH; i++) {
			iov[i].iov_base = ring[pos];
			iov[i].iov_len = rlen[pos];
			pos = (pos + 1) % BENCH_RING;
		}
		int s = sendmmsg(fd, mm, BENCH_BATCH, 0);

		if (s > 0)
			sent += (unsigned)s;
		t = bench_now();
		/* Paced: wait until this batch is due (sleeping when far). */
		while (rate > 0 && t - t0 < (double)sent / rate && t - t0 < secs) {
			double ahead = (double)sent / rate - (t - t0);

			if (ahead > 200e-6)
				usleep((useconds_t)(ahead * 1e6 / 2));
			t = bench_now();
		}
	} while (t - t0 < secs);
	printf("gen: sent %llu secs %.3f pps %.0f\n", (unsigned long long)sent,
	       t - t0, (double)sent / (t - t0));
	close(fd);
	return 0;
}

static int role_relay(const struct sockaddr_in *in, const struct sockaddr_in *out,
		      const struct sockaddr_in *dst, double secs)
{
	int fi = udp_bound(in), fo = udp_bound(out);
	uint64_t fwd = 0;
	double t0 = bench_now();

	mm_setup(NULL);
	while (bench_now() - t0 < secs) {
		int n = recvmmsg(fi, mm, BENCH_BATCH, MSG_WAITFORONE, NULL);

		if (n <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			iov[i].iov_len = mm[i].msg_len;
			mm[i].msg_hdr.msg_name = (void *)dst;
			mm[i].msg_hdr.msg_namelen = sizeof(*dst);
		}
		int s = sendmmsg(fo, mm, (unsigned)n, 0);

		if (s > 0)
			fwd += (unsigned)s;
		for (int i = 0; i < n; i++) {
			iov[i].iov_len = sizeof(bufs[i]);
			mm[i].msg_hdr.msg_name = NULL;
			mm[i].msg_hdr.msg_namelen = 0;
		}
	}
	printf("relay: fwd %llu cpu_s %.3f\n", (unsigned long long)fwd, bench_cpu());
	return 0;
}

static int role_offload(const char *obj, char *devs, const struct sockaddr_in *in,
			const struct sockaddr_in *out, const struct sockaddr_in *peer,
			const struct sockaddr_in *dst, double secs)
{
	const char *ifs[OFFLOAD_IFS_MAX];
	struct offload_cfg cfg = { .obj_path = obj, .ifnames = ifs };
	struct offload_counters c;
	struct offload_leg l;
	struct offload *o;
	char why[256];
	unsigned ifx = 0;
	int fi = udp_bound(in), fo = udp_bound(out), err;

	for (char *t = strtok(devs, ","); t && cfg.n_ifnames < OFFLOAD_IFS_MAX;
	     t = strtok(NULL, ","))
		ifs[cfg.n_ifnames++] = t;
	if ((err = offload_alloc(&o, &cfg, why, sizeof(why)))) {
		printf("offload: unavailable: %s\n", why);
		return 3;
	}
	memset(&l, 0, sizeof(l));
	memcpy(&l.local, in, sizeof(*in));
	memcpy(&l.peer, peer, sizeof(*peer));
	memcpy(&l.out_src, out, sizeof(*out));
	memcpy(&l.out_dst, dst, sizeof(*dst));
	err = offload_route_ifindex((const struct sockaddr *)dst, &ifx);
	l.out_ifindex = ifx;
	if (err || (err = offload_leg_add(o, &l))) {
		printf("offload: leg: %s\n", strerror(-err));
		offload_free(o);
		return 2;
	}
	usleep((useconds_t)(secs * 1e6));
	memset(&c, 0, sizeof(c));
	offload_leg_del(o, (const struct sockaddr *)in, &c);
	printf("offload: pkts %llu spoofed %llu passed %llu errors %llu\n",
	       (unsigned long long)c.pkts, (unsigned long long)c.spoofed,
	       (unsigned long long)c.passed, (unsigned long long)c.errors);
	offload_free(o);
	close(fi);
	close(fo);
	return 0;
}

static int role_sink(const struct sockaddr_in *at, double secs, unsigned every)
{
	struct ksrtp_rx *rx = NULL;
	struct ksrtp_keymat k;
	int fd = udp_bound(at);
	uint64_t recv = 0, checked = 0, fail = 0;
	int last_seq = -1;
	double t0 = bench_now();

	bench_key(&k, 0, 'A');
	if (ksrtp_init())
		return 2;
	mm_setup(NULL);
	while (bench_now() - t0 < secs) {
		int n = recvmmsg(fd, mm, BENCH_BATCH, MSG_WAITFORONE, NULL);

		for (int i = 0; i < n; i++) {
			size_t len = mm[i].msg_len;
			int seq = len >= 4 ? bufs[i][2] << 8 | bufs[i][3] : 0;

			if (recv++ % every)
				continue;
			/* The generator's ring restarts its sequence numbers:
			 * a new pass needs a new replay window. */
			if (!rx || seq <= last_seq) {
				ksrtp_rx_free(rx);
				rx = NULL;
				if (ksrtp_rx_alloc(&rx, NULL) ||
				    ksrtp_rx_add_key(rx, true, 0, &k, 0))
					return 2;
			}
			last_seq = seq;
			checked++;
			if (ksrtp_rx_unprotect(rx, bufs[i], &len))
				fail++;
		}
	}
	ksrtp_rx_free(rx);
	printf("sink: recv %llu checked %llu auth_fail %llu\n",
	       (unsigned long long)recv, (unsigned long long)checked,
	       (unsigned long long)fail);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in l, in, out, d = { 0 }, b = { 0 }, p = { 0 };
	const char *role = argc > 1 ? argv[1] : "", *obj = NULL, *ip = NULL;
	const char *mac = NULL;
	char *devs = NULL;
	unsigned pin = 0, pout = 0, every = SINK_EVERY_DEFAULT;
	double secs = 5, rate = 0;
	int o;

	optind = 2;
	while ((o = getopt(argc, argv, "b:d:t:l:i:o:p:O:I:S:m:r:")) != -1) {
		switch (o) {
		case 'b': addr_parse(optarg, &b); break;
		case 'd': addr_parse(optarg, &d); break;
		case 'p': addr_parse(optarg, &p); break;
		case 't': secs = atof(optarg); break;
		case 'l': ip = optarg; break;
		case 'i': pin = (unsigned)atoi(optarg); break;
		case 'o': pout = (unsigned)atoi(optarg); break;
		case 'O': obj = optarg; break;
		case 'I': devs = optarg; break;
		case 'S': every = (unsigned)atoi(optarg); break;
		case 'm': mac = optarg; break;
		case 'r': rate = atof(optarg); break;
		default: return 2;
		}
	}
	if (secs <= 0 || secs > 600 || !every) {
		fprintf(stderr, "bench_offload: 0 < -t <= 600, -S > 0\n");
		return 2;
	}
	if (strcmp(role, "gen") == 0)
		return role_gen(&b, &d, secs, rate, mac ? devs : NULL, mac);
	if (strcmp(role, "sink") == 0 && ip) {
		addr_parse(ip, &l); /* -l IP:PORT here */
		return role_sink(&l, secs, every);
	}
	if (!ip || !pin || !pout) {
		fprintf(stderr, "usage: bench_offload gen|relay|offload|sink ... (see the source)\n");
		return 2;
	}
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	if (inet_pton(AF_INET, ip, &in.sin_addr) != 1)
		return 2;
	out = in;
	in.sin_port = htons((uint16_t)pin);
	out.sin_port = htons((uint16_t)pout);
	if (strcmp(role, "relay") == 0)
		return role_relay(&in, &out, &d, secs);
	if (strcmp(role, "offload") == 0 && obj && devs)
		return role_offload(obj, devs, &in, &out, &p, &d, secs);
	fprintf(stderr, "usage: bench_offload gen|relay|offload|sink ... (see the source)\n");
	return 2;
}

/*
 * bench_relay: a first side-by-side measurement (issue 6), not a test.
 * One load generator thread (sendmmsg, 172-byte RTP-class datagrams), one
 * sink thread (recvmmsg), and between them either
 *   raw   - a bare recvmmsg/sendmmsg loop on one thread (the ceiling), or
 *   relay - ktrsbc's relay with one worker (source check, RFC 7983 demux,
 *           counters; the KTR forwarding path),
 * each for the same duration on 127.0.0.1. Prints packets per second
 * delivered and process CPU microseconds per delivered packet for both, and
 * the ratio relay/raw (issue 6 target: >= 0.90). On loopback every thread
 * pays the kernel's receive path, so quote ratios, not absolute numbers.
 *
 * Usage: bench_relay [seconds per run, default 3]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clk.h"
#include "relay/relay.h"

#define PKT_LEN 172
#define BATCH 64

struct run {
	int gen_fd, sink_fd, raw_in, raw_out;
	struct sockaddr_in to, raw_dst;
	volatile int stop;
	uint64_t sent, got;
};

static int udp(struct sockaddr_in *a)
{
	socklen_t l = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), buf = 1 << 20;
	struct timeval tv = { .tv_usec = 100000 };

	if (fd < 0)
		exit(1);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &l) < 0)
		exit(1);
	return fd;
}

static void *gen(void *arg)
{
	struct run *r = arg;
	static uint8_t pkt[PKT_LEN] = { 0x80 };
	struct mmsghdr m[BATCH];
	struct iovec iov = { pkt, PKT_LEN };

	memset(m, 0, sizeof(m));
	for (int i = 0; i < BATCH; i++) {
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = &r->to;
		m[i].msg_hdr.msg_namelen = sizeof(r->to);
	}
	while (!r->stop) {
		int n = sendmmsg(r->gen_fd, m, BATCH, 0);

		if (n > 0)
			r->sent += (uint64_t)n;
	}
	return NULL;
}

static void *sink(void *arg)
{
	struct run *r = arg;
	static uint8_t buf[BATCH][2048];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];

	memset(m, 0, sizeof(m));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	while (!r->stop) {
		int n = recvmmsg(r->sink_fd, m, BATCH, 0, NULL);

		if (n > 0)
			r->got += (uint64_t)n;
	}
	return NULL;
}

/* The ceiling: receive a batch, send it on from another socket. */
static void *raw_relay(void *arg)
{
	struct run *r = arg;
	static uint8_t buf[BATCH][2048];
	struct mmsghdr in[BATCH], out[BATCH];
	struct iovec iov[BATCH], oiov[BATCH];

	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		in[i].msg_hdr.msg_iov = &iov[i];
		in[i].msg_hdr.msg_iovlen = 1;
		out[i].msg_hdr.msg_iov = &oiov[i];
		out[i].msg_hdr.msg_iovlen = 1;
		out[i].msg_hdr.msg_name = &r->raw_dst;
		out[i].msg_hdr.msg_namelen = sizeof(r->raw_dst);
	}
	while (!r->stop) {
		int n = recvmmsg(r->raw_in, in, BATCH, 0, NULL);

		for (int i = 0; i < n; i++) {
			oiov[i].iov_base = buf[i];
			oiov[i].iov_len = in[i].msg_len;
		}
		if (n > 0)
			sendmmsg(r->raw_out, out, (unsigned)n, 0);
	}
	return NULL;
}

static double cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void measure(const char *name, struct run *r, unsigned secs,
		    bool raw, double *pps_out)
{
	pthread_t t[3];
	uint64_t t0;
	double c0, pps, us;

	r->stop = 0;
	r->sent = r->got = 0;
	c0 = cpu_us();
	t0 = clk_now_ms();
	pthread_create(&t[0], NULL, sink, r);
	if (raw)
		pthread_create(&t[2], NULL, raw_relay, r);
	pthread_create(&t[1], NULL, gen, r);
	sleep(secs);
	r->stop = 1;
	pthread_join(t[1], NULL);
	pthread_join(t[0], NULL);
	if (raw)
		pthread_join(t[2], NULL);
	pps = (double)r->got * 1000.0 / (double)(clk_now_ms() - t0);
	us = r->got ? (cpu_us() - c0) / (double)r->got : 0;
	printf("%-6s offered %10.0f pps  delivered %10.0f pps  %.2f us CPU/pkt (whole process)\n",
	       name, (double)r->sent * 1000.0 / (double)(clk_now_ms() - t0), pps, us);
	*pps_out = pps;
}

int main(int argc, char **argv)
{
	unsigned secs = argc > 1 ? (unsigned)atoi(argv[1]) : 3;
	struct relay_cfg cfg = { .port_min = 48000, .port_max = 48999, .workers = 1 };
	struct relay *rl = NULL;
	struct relay_call *c = NULL;
	struct sockaddr_in ga, sa, ra, rb;
	struct run r;
	uint16_t ports[2];
	double raw_pps, relay_pps;

	memset(&r, 0, sizeof(r));
	r.gen_fd = udp(&ga);
	r.sink_fd = udp(&sa);
	if (!secs)
		secs = 3;

	/* raw: gen -> raw_in, raw_out -> sink */
	r.raw_in = udp(&ra);
	r.raw_out = udp(&rb);
	r.to = ra;
	r.raw_dst = sa;
	measure("raw", &r, secs, true, &raw_pps);

	if (relay_alloc(&rl, &cfg) || relay_call_alloc(rl, &c, NULL, ports)) {
		fprintf(stderr, "bench_relay: relay setup failed\n");
		return 1;
	}
	relay_leg_set_peer(c, 0, (struct sockaddr *)&ga, sizeof(ga), false);
	relay_leg_set_peer(c, 1, (struct sockaddr *)&sa, sizeof(sa), false);
	r.to.sin_port = htons(ports[0]);
	measure("relay", &r, secs, false, &relay_pps);
	{
		struct relay_call_stats st;

		if (!relay_call_stats(c, &st))
			printf("relay  leg0: pkts %llu fwd %llu dropped_src %llu dropped_other %llu fwd_errs %llu crypto_ops %llu\n",
			       (unsigned long long)st.leg[0].pkts,
			       (unsigned long long)st.leg[0].fwd_pkts,
			       (unsigned long long)st.leg[0].dropped_src,
			       (unsigned long long)st.leg[0].dropped_other,
			       (unsigned long long)st.leg[0].fwd_errs,
			       (unsigned long long)st.leg[0].crypto_ops);
	}
	printf("ratio relay/raw %.3f (target >= 0.90)\n",
	       raw_pps > 0 ? relay_pps / raw_pps : 0.0);
	relay_call_free(c);
	relay_free(rl);
	close(r.gen_fd);
	close(r.sink_fd);
	close(r.raw_in);
	close(r.raw_out);
	return 0;
}

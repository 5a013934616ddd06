/*
 * bench_raw: the thinnest user-space UDP relay (issue 6's "practical
 * limit"), not a test. N calls, each two UDP sockets on 127.0.0.1 (like a
 * ktrsbc relay call: SO_RCVBUF 1 MiB, level-triggered epoll on the
 * receiving one); per ready socket one recvmmsg of up to 64 datagrams
 * and one sendmmsg of them, from the call's other socket, to the sink. No
 * per-packet work beyond setting each iovec's length: no source check, no
 * demultiplexing, no counters per packet.
 *
 * Measurement (same as bench_ktr): after the first forwarded packet wait
 * WARMUP seconds, then count forwarded packets and process CPU over WINDOW
 * seconds; prints "sut: ... fwd_pps R cpu_pct C" and, at exit,
 * "sut_total: fwd F" (for callgrind: raw_fwd_batch is the function to
 * toggle collection on).
 *
 * Usage: bench_raw -n CALLS -k SINKPORT -o PORTSFILE [-w WARMUP=1]
 *        [-T WINDOW=3] [-x MAXWAIT=30] [-b RCVBUF=1048576] [-c CPU=1]
 * core_busy_pct: the relay's core (CPU, /proc/stat) busy, softirq included.
 */
#include <stdint.h>
#include <sys/epoll.h>

#include "tests/bench/bench_common.h"

struct pair {
	int in, out;
};

static uint8_t bufs[BENCH_BATCH][2048];
static struct mmsghdr rx[BENCH_BATCH], tx[BENCH_BATCH];
static struct iovec rxiov[BENCH_BATCH], txiov[BENCH_BATCH];
static struct sockaddr_in sink;

/* The relay loop's body: one batch from p->in to the sink. */
__attribute__((noinline)) unsigned raw_fwd_batch(struct pair *p)
{
	int n = recvmmsg(p->in, rx, BENCH_BATCH, MSG_DONTWAIT, NULL);
	int s;

	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++)
		txiov[i].iov_len = rx[i].msg_len;
	s = sendmmsg(p->out, tx, (unsigned)n, MSG_DONTWAIT);
	return s > 0 ? (unsigned)s : 0;
}

int main(int argc, char **argv)
{
	unsigned n = 1, sinkport = 0;
	int rcvbuf = 1 << 20;
	double warm = 1, win = 3, maxwait = 30;
	const char *pfile = NULL;
	static struct pair pairs[BENCH_STREAMS_MAX];
	static uint16_t ports[BENCH_STREAMS_MAX];
	struct epoll_event evs[256];
	uint64_t fwd = 0, f0 = 0;
	double t_start, t_first = 0, w0 = 0, c0 = 0, b0 = 0, a0 = 0;
	int cpu = 1;
	int ep, o, phase = 0;

	while ((o = getopt(argc, argv, "n:k:o:w:T:x:b:c:")) != -1) {
		switch (o) {
		case 'n': n = (unsigned)atoi(optarg); break;
		case 'k': sinkport = (unsigned)atoi(optarg); break;
		case 'o': pfile = optarg; break;
		case 'w': warm = atof(optarg); break;
		case 'T': win = atof(optarg); break;
		case 'x': maxwait = atof(optarg); break;
		case 'b': rcvbuf = atoi(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench_raw -n CALLS -k SINKPORT -o PORTSFILE [-w S] [-T S] [-x S]\n");
			return 2;
		}
	}
	if (!n || n > BENCH_STREAMS_MAX || !sinkport || !pfile) {
		fprintf(stderr, "bench_raw: bad arguments\n");
		return 2;
	}
	bench_addr(&sink, (uint16_t)sinkport);
	for (unsigned i = 0; i < BENCH_BATCH; i++) {
		rxiov[i].iov_base = bufs[i];
		rxiov[i].iov_len = sizeof(bufs[i]);
		rx[i].msg_hdr.msg_iov = &rxiov[i];
		rx[i].msg_hdr.msg_iovlen = 1;
		txiov[i].iov_base = bufs[i];
		tx[i].msg_hdr.msg_iov = &txiov[i];
		tx[i].msg_hdr.msg_iovlen = 1;
		tx[i].msg_hdr.msg_name = &sink;
		tx[i].msg_hdr.msg_namelen = sizeof(sink);
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (unsigned i = 0; i < n; i++) {
		struct sockaddr_in a;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &pairs[i] };

		pairs[i].in = bench_udp(0, rcvbuf, &a);
		pairs[i].out = bench_udp(0, rcvbuf, NULL);
		ports[i] = ntohs(a.sin_port);
		if (epoll_ctl(ep, EPOLL_CTL_ADD, pairs[i].in, &ev) < 0) {
			perror("bench_raw: epoll_ctl");
			return 2;
		}
	}
	bench_write_ports(pfile, ports, n);
	t_start = bench_now();
	for (;;) {
		int k = epoll_wait(ep, evs, 256, 100);
		double now;

		for (int i = 0; i < k; i++)
			fwd += raw_fwd_batch(evs[i].data.ptr);
		now = bench_now();
		if (phase == 0) {
			if (fwd) {
				t_first = now;
				phase = 1;
			} else if (now - t_start > maxwait) {
				fprintf(stderr, "bench_raw: no traffic\n");
				return 1;
			}
		} else if (phase == 1 && now - t_first >= warm) {
			w0 = now;
			f0 = fwd;
			c0 = bench_cpu();
			bench_cpu_ticks(cpu, &b0, &a0);
			phase = 2;
		} else if (phase == 2 && now - w0 >= win) {
			double c = bench_cpu() - c0, t = now - w0, b1, a1;

			bench_cpu_ticks(cpu, &b1, &a1);
			printf("sut: raw calls %u window_s %.2f fwd %llu fwd_pps %.0f cpu_pct %.1f core_busy_pct %.1f\n",
			       n, t, (unsigned long long)(fwd - f0),
			       (double)(fwd - f0) / t, 100.0 * c / t,
			       a1 > a0 ? 100.0 * (b1 - b0) / (a1 - a0) : 0.0);
			fflush(stdout);
			break;
		}
	}
	printf("sut_total: fwd %llu\n", (unsigned long long)fwd);
	for (unsigned i = 0; i < n; i++) {
		close(pairs[i].in);
		close(pairs[i].out);
	}
	close(ep);
	return 0;
}

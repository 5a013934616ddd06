/*
 * bench_common: what the issue 6 load tools share (bench_gen, bench_sink,
 * bench_raw, bench_ktr). Header-only (static inline) because the Makefile
 * links each tests/bench/bench_*.c on its own against libktr.a.
 *
 * Stream i (0-based) of a run:
 *   SSRC        BENCH_SSRC_BASE + i;
 *   key A(i)    what the generator protects with (the SDES UA's key);
 *   key C(i)    what a transcrypting relay re-protects with (the DTLS key);
 * both AES_CM_128_HMAC_SHA1_80 (RFC 4568), derived from i so that every
 * tool computes them without exchanging key material. Benchmark keys only:
 * nothing here is secret.
 * Packets: 12-byte RTP header + 160-byte G.711 payload (20 ms at 8 kHz),
 * 182 bytes once protected (10-byte tag).
 */
#ifndef KTRSBC_BENCH_COMMON_H
#define KTRSBC_BENCH_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "srtp/ksrtp.h"

#define BENCH_SSRC_BASE 0x10000000u
#define BENCH_RTP_LEN 172 /* 12 + 160 */
#define BENCH_SRTP_LEN 182 /* + 10-byte HMAC-SHA1-80 tag */
#define BENCH_STREAMS_MAX 4096
/* Audio + video calls (bench_gen -V, bench_sink -V): stream 2c is call c's
 * audio (the packets above), stream 2c+1 its video, 1,200-byte SRTP
 * packets (issue 14: 30 frames/s of 5 packets of 1,200 bytes). */
#define BENCH_VIDEO_SRTP_LEN 1200u
#define BENCH_BATCH 64

static inline void bench_key(struct ksrtp_keymat *k, unsigned stream, char which)
{
	uint8_t ks[30];

	for (unsigned j = 0; j < sizeof(ks); j++)
		ks[j] = (uint8_t)((unsigned)which * 131u + stream * 31u + j * 7u + 1u);
	if (ksrtp_keymat_set(k, KSRTP_AES128_CM_SHA1_80, ks, sizeof(ks))) {
		fprintf(stderr, "bench: key setup failed\n");
		exit(2);
	}
}

/* Latency side tables (bench_gen -R, bench_sink -R, bench_lat): the
 * generator's file is this header then streams x ring int64 send times;
 * the sink's is this header (ring = 0) then bench_lat_rx records. Times are
 * CLOCK_REALTIME nanoseconds because that is the clock of SO_TIMESTAMPNS. */
#define BENCH_LAT_MAGIC 0x6b6c6174u /* "klat" */

struct bench_lat_hdr {
	uint32_t magic, streams, ring, reserved;
};

struct bench_lat_rx {
	uint32_t stream, index; /* index: RFC 3711 packet index, low 32 bits */
	int64_t t_ns;
};

static inline int64_t bench_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* User + system CPU seconds of the whole process (all threads). */
static inline double bench_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

/* Ticks of CPU `cpu` from /proc/stat: *busy = everything but idle and
 * iowait (user, nice, system, irq, softirq, steal: the kernel's softirq
 * work on loopback is not charged to any process), *all = the sum. */
static inline void bench_cpu_ticks(int cpu, double *busy, double *all)
{
	char name[16], line[512];
	FILE *f = fopen("/proc/stat", "r");

	*busy = *all = 0;
	if (!f)
		return;
	snprintf(name, sizeof(name), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[10] = { 0 };

		if (strncmp(line, name, strlen(name)))
			continue;
		sscanf(line + strlen(name), "%llu %llu %llu %llu %llu %llu %llu %llu",
		       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		for (int i = 0; i < 8; i++)
			*all += (double)v[i];
		*busy = *all - (double)v[3] - (double)v[4];
		break;
	}
	fclose(f);
}

/* Addresses: 127.0.0.1 unless the environment says otherwise (the veth +
 * namespace topology of scripts/bench-veth.sh): BENCH_LOCAL is what a
 * tool binds, BENCH_REMOTE where it sends (bench_addr). */
static inline void bench_host(struct sockaddr_in *a, const char *env)
{
	const char *h = getenv(env);

	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (h && *h && inet_pton(AF_INET, h, &a->sin_addr) != 1) {
		fprintf(stderr, "bench: %s=%s: not an IPv4 address\n", env, h);
		exit(2);
	}
}

static inline void bench_addr(struct sockaddr_in *a, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	bench_host(a, "BENCH_REMOTE");
	a->sin_port = htons(port);
}

/* A UDP socket on 127.0.0.1 (or BENCH_LOCAL):port (0 = any), with SO_RCVBUF rcvbuf (0 =
 * leave); exits on failure (a benchmark cannot go on without it). */
static inline int bench_udp(uint16_t port, int rcvbuf, struct sockaddr_in *out)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		perror("bench: socket");
		exit(2);
	}
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	bench_host(&a, "BENCH_LOCAL");
	a.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &l) < 0) {
		fprintf(stderr, "bench: bind 127.0.0.1:%u: %s\n", port,
			strerror(errno));
		exit(2);
	}
	if (out)
		*out = a;
	return fd;
}

/* Write ports[0..n) one per line to path, atomically (tmp + rename), so a
 * driver polling for the file sees it complete. */
static inline void bench_write_ports(const char *path, const uint16_t *ports,
				     unsigned n)
{
	char tmp[512];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		perror(tmp);
		exit(2);
	}
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%u\n", ports[i]);
	if (fclose(f) || rename(tmp, path)) {
		perror(path);
		exit(2);
	}
}

/* Read up to max ports from path; returns how many. */
static inline unsigned bench_read_ports(const char *path, uint16_t *ports,
					unsigned max)
{
	FILE *f = fopen(path, "r");
	unsigned n = 0, p;

	if (!f) {
		perror(path);
		exit(2);
	}
	while (n < max && fscanf(f, "%u", &p) == 1)
		ports[n++] = (uint16_t)p;
	fclose(f);
	return n;
}

#endif

/*
 * bench_gen: SRTP load generator for issue 6 (not a test).
 *
 * For N streams (one per destination port read from a file, all sent from
 * one socket bound to 127.0.0.1:srcport) it first protects, with libsrtp2
 * through ksrtp_tx and stream i's key A(i) (bench_common.h), a ring of
 * G.711-sized RTP packets with increasing sequence numbers; sending then
 * costs no crypto: sendmmsg of up to BENCH_MSGS messages, each carrying
 * `segs` consecutive packets of one stream as one UDP GSO super-datagram
 * (UDP_SEGMENT, docs/platform.md: lifts a loopback sender to ~1.3 Mpps),
 * streams served round-robin.
 *
 * Bounded: stops after `seconds`, and in -1 (once) mode when every ring
 * has been sent once (a transcrypting relay checks replay, so a ring must
 * not repeat); in wrap mode rings repeat (ring <= 30000 packets so that a
 * receiver's RFC 3711 index estimate sees the wrap as a step back, not a
 * roll-over). -r paces to a packet rate (0 = as fast as it can).
 * -W SECS (prelude): first send each stream's first packet, one stream
 * at a time at most 10 per millisecond, then wait SECS before the load: a
 * relay that sets a stream up on its first packet (rtpengine) does so the
 * way a call starts, not under a burst. The prelude is not in the counts.
 * -G FILE (with -W): after the prelude wait until FILE exists (at most
 * `seconds`) instead of SECS: the driver of real calls (bench-real.sh)
 * lets a sink take the DTLS UA's ports over in between.
 * -b FILE: stream i is sent from its own socket bound to 127.0.0.1 and the
 * i-th port of FILE (real calls: the port the SDES side's SDP named, which
 * the relay's source check expects; the pbx trunk does not latch); each
 * message then goes out in its own sendmsg (still GSO: -g packets of one
 * stream per message).
 * -I DEV -M MAC (veth topology, scripts/bench-veth.sh): every packet is
 * written as a whole Ethernet frame (IPv4 and UDP headers from BENCH_LOCAL
 * and the stream's source port to the stream's destination) to DEV for
 * next-hop MAC, through one AF_PACKET socket that bypasses the qdisc
 * (bench_frame.h): one frame per packet, no GSO, up to -m frames of any
 * streams per sendmmsg, and none of the sender's UDP stack, which on 2
 * CPUs costs more than the relay under test does per packet.
 * -V (audio + video calls, bench-av): stream 2c is call c's audio (the
 * usual 182-byte packets: 172 bytes of RTP), stream 2c+1 its video:
 * 1,200-byte SRTP packets, 3 per audio packet (30 frames/s of 5 packets
 * against 50 audio packets/s); one packet per message (no GSO).
 * -m sets the messages per
 * sendmmsg (default BENCH_MSGS): with -m 1 -g 1 each packet is stamped just
 * before its own system call.
 *
 * -R FILE (latency, once mode): the send time of every packet, in a
 * bench_lat_hdr (bench_common.h) followed by streams x ring int64
 * nanoseconds (CLOCK_REALTIME, the clock of the sink's SO_TIMESTAMPNS),
 * indexed by stream * ring + packet index; 0 = never sent. A packet's time
 * is taken right before the sendmmsg that carries it. The SRTP payload
 * stays untouched (precomputed, authenticated by the sink): the stamp lives
 * in this side table, joined by SSRC and sequence number (bench_lat).
 *
 * Usage: bench_gen -p PORTSFILE -s SRCPORT [-t SECONDS=5] [-r PPS=0]
 *        [-P TOTAL_PKTS=262144] [-1] [-g SEGS=16] [-m MSGS=32]
 *        [-R FILE] [-W SECS [-G FILE]] [-b SRCPORTSFILE] [-I DEV -M MAC] [-V]
 * Prints one line: "gen: streams N ring L precompute_s X sent P secs T pps R".
 */
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>

#include "tests/bench/bench_common.h"
#include "tests/bench/bench_frame.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#define BENCH_MSGS 32
#define WRAP_RING_MAX 30000u
#define VIDEO_WEIGHT 3u /* video packets per audio packet (150/s against 50/s) */

int main(int argc, char **argv)
{
	const char *pfile = NULL;
	unsigned srcport = 0, segs = 16, once = 0, n, msgs = BENCH_MSGS;
	const char *rfile = NULL, *gofile = NULL, *bfile = NULL, *dev = NULL, *mac = NULL;
	unsigned av = 0, turn = 0;
	size_t stride = BENCH_SRTP_LEN, off = 0;
	static size_t plen[BENCH_STREAMS_MAX], rl[BENCH_STREAMS_MAX];
	uint8_t eth[14];
	struct sockaddr_in laddr;
	static uint16_t sports[BENCH_STREAMS_MAX];
	static int sfd[BENCH_STREAMS_MAX];
	int64_t *stamps = NULL;
	double secs = 5, rate = 0, prelude = 0;
	unsigned long total = 262144;
	static uint16_t ports[BENCH_STREAMS_MAX];
	static struct sockaddr_in dst[BENCH_STREAMS_MAX];
	static unsigned pos[BENCH_STREAMS_MAX];
	uint8_t *ring;
	size_t ring_len;
	int fd = -1, opt, sndbuf = 4 << 20;
	double t0, tp;
	uint64_t sent = 0;
	unsigned done = 0, s = 0;
	struct mmsghdr m[BENCH_MSGS];
	struct iovec iov[BENCH_MSGS];
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl[BENCH_MSGS];
	unsigned mseg[BENCH_MSGS], mstream[BENCH_MSGS], mstart[BENCH_MSGS];

	while ((opt = getopt(argc, argv, "p:s:t:r:P:1g:m:R:W:G:b:I:M:V")) != -1) {
		switch (opt) {
		case 'p': pfile = optarg; break;
		case 's': srcport = (unsigned)atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'P': total = strtoul(optarg, NULL, 0); break;
		case '1': once = 1; break;
		case 'g': segs = (unsigned)atoi(optarg); break;
		case 'm': msgs = (unsigned)atoi(optarg); break;
		case 'R': rfile = optarg; break;
		case 'W': prelude = atof(optarg); break;
		case 'G': gofile = optarg; break;
		case 'b': bfile = optarg; break;
		case 'I': dev = optarg; break;
		case 'M': mac = optarg; break;
		case 'V': av = 1; break;
		default:
			fprintf(stderr, "usage: bench_gen -p PORTSFILE -s SRCPORT [-t S] [-r PPS] [-P PKTS] [-1] [-g SEGS] [-m MSGS] [-R FILE] [-W SECS [-G FILE]] [-b SRCPORTSFILE] [-I DEV -M MAC] [-V]\n");
			return 2;
		}
	}
	if (!pfile || (!srcport && !bfile) || segs < 1 || segs > 64 || msgs < 1 ||
	    msgs > BENCH_MSGS || (rfile && !once) || (!dev != !mac)) {
		fprintf(stderr, "bench_gen: -p and -s (or -b) are required, 1 <= -g <= 64, 1 <= -m <= %d, -R needs -1, -I with -M\n",
			BENCH_MSGS);
		return 2;
	}
	n = bench_read_ports(pfile, ports, BENCH_STREAMS_MAX);
	if (!n) {
		fprintf(stderr, "bench_gen: no ports in %s\n", pfile);
		return 2;
	}
	if (dev) {
		/* One frame per packet: a message is one packet. */
		segs = 1;
		off = BENCH_FRAME_HDR;
		stride = BENCH_FRAME_HDR + (av ? BENCH_VIDEO_SRTP_LEN : BENCH_SRTP_LEN);
	} else if (av) {
		segs = 1; /* packets of both sizes in one ring: not contiguous */
		stride = BENCH_VIDEO_SRTP_LEN;
	}
	/* -V: a video ring holds VIDEO_WEIGHT times an audio ring's packets,
	 * so that in once mode both end together and the mix holds. */
	ring_len = av ? total * VIDEO_WEIGHT / ((VIDEO_WEIGHT + 1) * (n / 2 ? n / 2 : 1)) : total / n;
	if (!once && ring_len > WRAP_RING_MAX)
		ring_len = WRAP_RING_MAX;
	if (ring_len < segs * (av ? VIDEO_WEIGHT : 1))
		ring_len = segs * (av ? VIDEO_WEIGHT : 1);
	for (unsigned i = 0; i < n; i++)
		rl[i] = av && !(i & 1) ? ring_len / VIDEO_WEIGHT : ring_len;
	ring = malloc((size_t)n * ring_len * stride);
	if (!ring) {
		fprintf(stderr, "bench_gen: no memory for %u x %zu packets\n", n, ring_len);
		return 2;
	}

	if (dev) {
		close(bench_udp(0, 0, &laddr)); /* BENCH_LOCAL, as the sockets would bind */
		fd = bench_frame_open(dev, mac, eth);
	}
	/* Precompute: real SRTP from libsrtp2, sequence numbers 0, 1, ... */
	tp = bench_now();
	for (unsigned i = 0; i < n; i++) {
		struct ksrtp_keymat k;
		struct ksrtp_tx *tx = NULL;
		uint32_t ssrc = BENCH_SSRC_BASE + i;

		bench_key(&k, i, 'A');
		if (ksrtp_tx_alloc(&tx, ssrc, &k)) {
			fprintf(stderr, "bench_gen: ksrtp_tx_alloc failed\n");
			return 2;
		}
		for (size_t j = 0; j < rl[i]; j++) {
			uint8_t *p = ring + ((size_t)i * ring_len + j) * stride + off;
			bool video = av && (i & 1);
			size_t len = video ? BENCH_VIDEO_SRTP_LEN - 10 : BENCH_RTP_LEN;
			uint16_t seq = (uint16_t)j;
			uint32_t ts = (uint32_t)j * 160u;

			p[0] = 0x80; /* V=2 */
			p[1] = video ? 96 : 0x00; /* PT 96 VP8, PT 0 PCMU */
			p[2] = (uint8_t)(seq >> 8);
			p[3] = (uint8_t)seq;
			p[4] = (uint8_t)(ts >> 24);
			p[5] = (uint8_t)(ts >> 16);
			p[6] = (uint8_t)(ts >> 8);
			p[7] = (uint8_t)ts;
			p[8] = (uint8_t)(ssrc >> 24);
			p[9] = (uint8_t)(ssrc >> 16);
			p[10] = (uint8_t)(ssrc >> 8);
			p[11] = (uint8_t)ssrc;
			memset(p + 12, 0xff ^ (int)(j & 0x0f), len - 12);
			if (ksrtp_tx_protect(tx, p, &len, stride - off) ||
			    len != (video ? BENCH_VIDEO_SRTP_LEN : BENCH_SRTP_LEN)) {
				fprintf(stderr, "bench_gen: protect failed\n");
				return 2;
			}
		}
		ksrtp_tx_free(tx);
		ksrtp_keymat_wipe(&k);
		bench_addr(&dst[i], ports[i]);
		plen[i] = av && (i & 1) ? BENCH_VIDEO_SRTP_LEN : BENCH_SRTP_LEN;
	}
	tp = bench_now() - tp;
	if (rfile) {
		stamps = calloc((size_t)n * ring_len, sizeof(*stamps));
		if (!stamps) {
			fprintf(stderr, "bench_gen: no memory for send times\n");
			return 2;
		}
	}

	if (bfile && bench_read_ports(bfile, sports, BENCH_STREAMS_MAX) != n) {
		fprintf(stderr, "bench_gen: %s: not %u source ports\n", bfile, n);
		return 2;
	}
	if (dev) {
		/* The frames' headers: from BENCH_LOCAL and the stream's
		 * source port to its destination (the relay's port). */
		for (unsigned i = 0; i < n; i++) {
			struct sockaddr_in src = laddr;

			src.sin_port = htons(bfile ? sports[i] : (uint16_t)srcport);
			for (size_t j = 0; j < rl[i]; j++)
				bench_frame_make(ring + ((size_t)i * ring_len + j) * stride, eth,
						 plen[i], &src, &dst[i], (uint16_t)j, false);
		}
		msgs = msgs < BENCH_MSGS ? msgs : BENCH_MSGS;
	} else if (bfile) {
		for (unsigned i = 0; i < n; i++) {
			sfd[i] = bench_udp(sports[i], 0, NULL);
			setsockopt(sfd[i], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		}
		msgs = 1;
		fd = sfd[0];
	} else {
		fd = bench_udp((uint16_t)srcport, 0, NULL);
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}
	memset(m, 0, sizeof(m));
	for (unsigned j = 0; j < BENCH_MSGS; j++) {
		struct cmsghdr *c;

		m[j].msg_hdr.msg_iov = &iov[j];
		m[j].msg_hdr.msg_iovlen = 1;
		if (dev)
			continue; /* whole frames: no address, no GSO */
		m[j].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
		m[j].msg_hdr.msg_control = ctl[j].buf;
		m[j].msg_hdr.msg_controllen = sizeof(ctl[j].buf);
		c = CMSG_FIRSTHDR(&m[j].msg_hdr);
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		*(uint16_t *)(void *)CMSG_DATA(c) = BENCH_SRTP_LEN;
	}

	if (prelude > 0) {
		for (unsigned i = 0; i < n; i++) {
			struct timespec ts = { 0, 100000 };

			size_t fl = off + plen[i];

			if (dev ? send(fd, ring + (size_t)i * ring_len * stride, fl, 0) == (ssize_t)fl
				: sendto(bfile ? sfd[i] : fd, ring + (size_t)i * ring_len * stride,
					 plen[i], 0, (struct sockaddr *)&dst[i],
					 sizeof(dst[i])) == (ssize_t)plen[i]) {
				if (stamps)
					stamps[(size_t)i * ring_len] = bench_realtime_ns();
				pos[i] = 1;
			}
			nanosleep(&ts, NULL);
		}
		if (gofile) {
			double g0 = bench_now();

			while (access(gofile, F_OK) && bench_now() - g0 < secs)
				usleep(20000);
		} else {
			usleep((useconds_t)(prelude * 1e6));
		}
	}
	t0 = bench_now();
	for (;;) {
		double now = bench_now();
		unsigned nm = 0, tries = 0;
		int r;

		if (now - t0 >= secs || done == n)
			break;
		if (rate > 0 && (double)sent >= rate * (now - t0)) {
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
			continue;
		}
		/* Up to BENCH_MSGS messages, streams round-robin; with fewer
		 * streams than messages a stream gets consecutive slices. */
		while (nm < msgs && tries < n) {
			unsigned k;

			if (pos[s] >= rl[s]) {
				if (once) {
					s = (s + 1) % n;
					tries++;
					continue;
				}
				pos[s] = 0;
			}
			k = (unsigned)(rl[s] - pos[s]);
			if (k > segs)
				k = segs;
			iov[nm].iov_base = ring + ((size_t)s * ring_len + pos[s]) * stride;
			iov[nm].iov_len = dev ? off + plen[s] : (size_t)k * plen[s];
			if (!dev) {
				m[nm].msg_hdr.msg_name = &dst[s];
				/* the GSO segment size: this stream's packets */
				*(uint16_t *)(void *)CMSG_DATA(CMSG_FIRSTHDR(&m[nm].msg_hdr)) =
					(uint16_t)plen[s];
			}
			mseg[nm] = k;
			mstream[nm] = s;
			mstart[nm] = pos[s];
			pos[s] += k;
			nm++;
			tries = 0;
			/* -V: a video stream keeps its turn for VIDEO_WEIGHT packets. */
			if (av && (s & 1) && ++turn < VIDEO_WEIGHT)
				continue;
			turn = 0;
			if (n > 1)
				s = (s + 1) % n;
		}
		if (!nm) {
			done = n;
			break;
		}
		if (stamps) {
			int64_t t = bench_realtime_ns();

			for (unsigned j = 0; j < nm; j++) {
				size_t at = (size_t)mstream[j] * ring_len + mstart[j];

				for (unsigned q = 0; q < mseg[j]; q++)
					stamps[at + q] = t;
			}
		}
		r = sendmmsg(bfile && !dev ? sfd[mstream[0]] : fd, m, nm, 0);
		if (r < 0) {
			if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
				r = 0;
			else {
				perror("bench_gen: sendmmsg");
				return 1;
			}
		}
		for (unsigned j = 0; j < (unsigned)r; j++)
			sent += mseg[j];
		/* Messages not sent: give their packets back (once mode keeps
		 * its sequence numbers contiguous). */
		if (once)
			for (unsigned j = nm; j-- > (unsigned)r;) {
				pos[mstream[j]] -= mseg[j];
				if (stamps)
					memset(stamps + (size_t)mstream[j] * ring_len + mstart[j],
					       0, mseg[j] * sizeof(*stamps));
			}
	}
	t0 = bench_now() - t0;
	printf("gen: streams %u ring %zu precompute_s %.2f sent %llu secs %.2f pps %.0f\n",
	       n, ring_len, tp, (unsigned long long)sent, t0,
	       t0 > 0 ? (double)sent / t0 : 0.0);
	if (stamps) {
		struct bench_lat_hdr h = { BENCH_LAT_MAGIC, n, (uint32_t)ring_len, 0 };
		FILE *f = fopen(rfile, "w");

		if (!f || fwrite(&h, sizeof(h), 1, f) != 1 ||
		    fwrite(stamps, sizeof(*stamps), (size_t)n * ring_len, f) !=
			    (size_t)n * ring_len ||
		    fclose(f)) {
			perror(rfile);
			return 1;
		}
		free(stamps);
	}
	free(ring);
	if (bfile && !dev)
		for (unsigned i = 0; i < n; i++)
			close(sfd[i]);
	else
		close(fd);
	return 0;
}

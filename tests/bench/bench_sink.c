/*
 * bench_sink: the far end of issue 6's relay benchmark (not a test).
 *
 * Receives on 127.0.0.1:port with recvmmsg, counts packets and bytes per
 * stream (stream = SSRC - BENCH_SSRC_BASE), follows each stream's RFC 3711
 * packet index (ksrtp_index_estimate) and authenticates a sample, one
 * packet in `sample`, with the key it should carry: A(i) when the relay
 * forwards untouched (-k A), C(i) when it transcrypts (-k C). A sampled
 * packet is checked with a fresh ksrtp_rx announced at the packet's index
 * (the listener of the DTLS UA, draft 4.3), so rings that repeat in the
 * generator's wrap mode are not mistaken for replays.
 *
 * -K FILE: the keys come from FILE instead, one line per stream, "PROFILE
 * HEX(key||salt)" (ksrtp profile numbers): what scripts/bench-ng.py learnt
 * from rtpengine's SDP, the key rtpengine re-protects with. Packets must
 * then be as long as that profile makes them, and every sample is also
 * tried with A(i): "auth_orig" counts samples that A authenticates, which
 * would mean the relay forwarded the generator's packet untouched (must be
 * 0 for a transcrypting relay).
 *
 * -R FILE (latency): the kernel's receive time of every packet
 * (SO_TIMESTAMPNS, taken when the packet reaches this socket's host side,
 * before this process is scheduled), with its stream and packet index, as
 * bench_lat_rx records (bench_common.h) for bench_lat to join with the
 * generator's send times.
 *
 * -T WINDOW [-w WARMUP=1] [-c CPU=1]: measure a window, as bench_ktr
 * does for its relay, for a relay that cannot report its own forwarding
 * (rtpengine): WARMUP seconds after the first packet, count the packets
 * received and the busy share of CPU (/proc/stat) for WINDOW seconds;
 * adds "window_s W window_pps R core_busy_pct C" to the line; with -p PID
 * also "proc_cpu_pct P", that process's own CPU (user + system, all its
 * threads, /proc/PID/stat) in the window: on a shared machine the core's
 * busy share also counts whatever else ran there.
 *
 * -H FILE (real calls, scripts/bench-real.sh): instead of -s, the lines
 * ktrua --handoff wrote, "SSRC ADDR PORT PEER_ADDR PEER_PORT PROFILE HEX"
 * one per call: for each a socket with SO_REUSEPORT bound to ADDR:PORT
 * (the DTLS UA's own media port, which the relay sends the call's media
 * to) and connected to PEER_ADDR:PEER_PORT (the relay's port of that leg):
 * the kernel prefers the connected socket, so from then on the call's
 * datagrams from the relay reach this sink and no longer the DTLS UA.
 * Stream = SSRC - BENCH_SSRC_BASE; its key is HEX (what the DTLS UA
 * received with: A after KTR, the DTLS-SRTP key after the fallback), and
 * every sample is also tried with A(i) (auth_orig: must be 0 for the
 * fallback, equal to the samples for KTR). -n must be the line count.
 *
 * -V (audio + video calls, bench-av): odd streams carry video, packets of
 * BENCH_VIDEO_SRTP_LEN bytes (bench_common.h).
 *
 * Usage: bench_sink -s PORT -n STREAMS [-k A|C] [-K KEYFILE] [-t SECONDS=5]
 *        [-S SAMPLE=1000] [-b RCVBUF=4194304] [-R FILE]
 *        [-T WINDOW [-w WARMUP=1] [-c CPU=1] [-p PID]] [-H HANDOFF] [-V]
 * Stops after SECONDS, or one second after the traffic stopped.
 * Prints one line: "sink: pkts P bytes B pps R streams_seen S/N min X max Y
 * bad B samples K auth_ok O auth_fail F [auth_orig A]".
 */
#include <stdint.h>
#include <sys/epoll.h>

#include "tests/bench/bench_common.h"

struct st {
	uint64_t pkts, bytes;
	bool seen;
	uint32_t roc;
	uint16_t s_l;
};

#define LAT_RECORDS_MAX (16u << 20)

/* utime + stime of process pid in seconds (all threads), -1 if unknown. */
static double proc_cpu(int pid)
{
	char path[64], line[1024], *p;
	unsigned long long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* Fields after the parenthesised command name: state is field 3,
	 * utime 14, stime 15. */
	if (!p || !(p = strrchr(line, ')')) ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static struct ksrtp_keymat *fkeys; /* -K, -H: one per stream */

/* -H: one socket per call, read through epoll (level-triggered: a socket
 * still holding datagrams comes back at the next epoll_wait). */
static int h_n, h_ep = -1, h_ready[BENCH_BATCH], h_nready, h_iready;

static void handoff_load(const char *path, unsigned n, int rcvbuf, bool stamps)
{
	FILE *f = fopen(path, "r");
	char addr[64], paddr[64], hex[2 * (KSRTP_KEY_MAX + KSRTP_SALT_MAX) + 1];
	unsigned ssrc, port, pport;
	int profile;

	fkeys = calloc(n, sizeof(*fkeys));
	h_ep = epoll_create1(EPOLL_CLOEXEC);
	if (!f || !fkeys || h_ep < 0) {
		perror(path);
		exit(2);
	}
	while (fscanf(f, "%u %63s %u %63s %u %d %64s", &ssrc, addr, &port, paddr,
		      &pport, &profile, hex) == 7) {
		uint8_t ks[KSRTP_KEY_MAX + KSRTP_SALT_MAX];
		size_t len = strlen(hex) / 2;
		unsigned s = ssrc - BENCH_SSRC_BASE;
		struct sockaddr_in a, p;
		struct epoll_event ev = { .events = EPOLLIN };
		int on = 1, fd;

		for (size_t j = 0; j < len; j++) {
			unsigned b;

			if (sscanf(hex + 2 * j, "%2x", &b) != 1)
				break;
			ks[j] = (uint8_t)b;
		}
		memset(&a, 0, sizeof(a));
		memset(&p, 0, sizeof(p));
		a.sin_family = p.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)port);
		p.sin_port = htons((uint16_t)pport);
		if (s >= n || fkeys[s].profile ||
		    ksrtp_keymat_set(&fkeys[s], profile, ks, len) ||
		    inet_pton(AF_INET, addr, &a.sin_addr) != 1 ||
		    inet_pton(AF_INET, paddr, &p.sin_addr) != 1) {
			fprintf(stderr, "bench_sink: %s: bad line for ssrc %u\n", path, ssrc);
			exit(2);
		}
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) ||
		    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) ||
		    (stamps && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on))) ||
		    bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
		    connect(fd, (struct sockaddr *)&p, sizeof(p))) {
			fprintf(stderr, "bench_sink: %s:%u <- %s:%u: %s\n", addr, port,
				paddr, pport, strerror(errno));
			exit(2);
		}
		ev.data.fd = fd;
		if (epoll_ctl(h_ep, EPOLL_CTL_ADD, fd, &ev)) {
			perror("bench_sink: epoll_ctl");
			exit(2);
		}
		h_n++;
	}
	fclose(f);
	if ((unsigned)h_n != n) {
		fprintf(stderr, "bench_sink: %s: %d calls for %u streams\n", path, h_n, n);
		exit(2);
	}
}

/* One batch: from fd, or with -H from the next socket epoll found ready;
 * <= 0 after 100 ms without traffic (fd's SO_RCVTIMEO, epoll's timeout). */
static int recv_batch(int fd, struct mmsghdr *m, unsigned vlen)
{
	if (h_ep < 0)
		return recvmmsg(fd, m, vlen, 0, NULL);
	for (;;) {
		int r;

		if (h_iready == h_nready) {
			struct epoll_event ev[BENCH_BATCH];
			int k = epoll_wait(h_ep, ev, BENCH_BATCH, 100);

			if (k <= 0)
				return -1;
			for (int i = 0; i < k; i++)
				h_ready[i] = ev[i].data.fd;
			h_nready = k;
			h_iready = 0;
		}
		r = recvmmsg(h_ready[h_iready++], m, vlen, MSG_DONTWAIT, NULL);
		if (r > 0)
			return r;
	}
}

/* -K FILE into fkeys[0..n); exits on a malformed or short file. */
static void keys_load(const char *path, unsigned n)
{
	FILE *f = fopen(path, "r");
	char hex[2 * (KSRTP_KEY_MAX + KSRTP_SALT_MAX) + 1];
	unsigned i = 0;
	int profile;

	fkeys = calloc(n, sizeof(*fkeys));
	if (!f || !fkeys) {
		perror(path);
		exit(2);
	}
	while (i < n && fscanf(f, "%d %64s", &profile, hex) == 2) {
		uint8_t ks[KSRTP_KEY_MAX + KSRTP_SALT_MAX];
		size_t len = strlen(hex) / 2;

		for (size_t j = 0; j < len; j++) {
			unsigned b;

			if (sscanf(hex + 2 * j, "%2x", &b) != 1)
				break;
			ks[j] = (uint8_t)b;
		}
		if (ksrtp_keymat_set(&fkeys[i], profile, ks, len)) {
			fprintf(stderr, "bench_sink: %s: bad key on line %u\n", path, i + 1);
			exit(2);
		}
		i++;
	}
	fclose(f);
	if (i != n) {
		fprintf(stderr, "bench_sink: %s: %u keys for %u streams\n", path, i, n);
		exit(2);
	}
}

/* -V: odd streams are video (BENCH_VIDEO_SRTP_LEN-byte packets). */
static unsigned av;

/* 0 when pkt (stream `stream`, packet index v) authenticates with key
 * `which` (A, C, or F: the -K file's). */
static int check(const uint8_t *pkt, size_t len, unsigned stream, char which,
		 uint64_t v)
{
	static uint8_t copy[2048];
	struct ksrtp_keymat k;
	struct ksrtp_rx *rx = NULL;
	int err;

	if (which == 'F')
		k = fkeys[stream];
	else
		bench_key(&k, stream, which);
	memcpy(copy, pkt, len);
	err = ksrtp_rx_alloc(&rx, NULL);
	if (!err)
		err = ksrtp_rx_add_key(rx, false, BENCH_SSRC_BASE + stream, &k,
				       v ? v - 1 : 0);
	if (!err)
		err = ksrtp_rx_unprotect(rx, copy, &len);
	if (!err && len != BENCH_RTP_LEN + (av && (stream & 1) ?
					    BENCH_VIDEO_SRTP_LEN - BENCH_SRTP_LEN : 0))
		err = -EBADMSG;
	ksrtp_rx_free(rx);
	ksrtp_keymat_wipe(&k);
	return err;
}

int main(int argc, char **argv)
{
	unsigned port = 0, n = 0, sample = 1000, opt;
	char which = 'A';
	const char *kfile = NULL, *rfile = NULL, *hfile = NULL;
	size_t want_len = BENCH_SRTP_LEN, tag_len;
	struct bench_lat_rx *rec = NULL;
	size_t nrec = 0, caprec = 0;
	uint64_t orig = 0;
	double warm = 1, win = 0, w0 = 0, w1 = 0, b0 = 0, a0 = 0, b1 = 0, a1 = 0;
	uint64_t p0 = 0, p1 = 0;
	int cpu = 1, phase = 0, pid = 0;
	double pc0 = 0, pc1 = 0;
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl[BENCH_BATCH];
	double secs = 5, t0, first = 0, last = 0;
	int rcvbuf = 4 << 20, fd, o;
	static struct st st[BENCH_STREAMS_MAX];
	static uint8_t buf[BENCH_BATCH][2048];
	struct mmsghdr m[BENCH_BATCH];
	struct iovec iov[BENCH_BATCH];
	uint64_t total = 0, bytes = 0, bad = 0, samples = 0, ok = 0, fail = 0;
	uint64_t mn = UINT64_MAX, mx = 0;
	unsigned seen = 0;
	int first_err = 0;
	struct timeval tv = { 0, 100000 };

	while ((o = getopt(argc, argv, "s:n:k:K:t:S:b:R:T:w:c:p:H:V")) != -1) {
		opt = (unsigned)o;
		switch (opt) {
		case 's': port = (unsigned)atoi(optarg); break;
		case 'n': n = (unsigned)atoi(optarg); break;
		case 'k': which = optarg[0]; break;
		case 'K': kfile = optarg; break;
		case 'H': hfile = optarg; break;
		case 'V': av = 1; break;
		case 'R': rfile = optarg; break;
		case 'T': win = atof(optarg); break;
		case 'w': warm = atof(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'p': pid = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'S': sample = (unsigned)atoi(optarg); break;
		case 'b': rcvbuf = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench_sink -s PORT -n STREAMS [-k A|C] [-K KEYFILE] [-t S] [-S N] [-b BYTES] [-R FILE] [-T S [-w S] [-c CPU] [-p PID]] [-H HANDOFF]\n");
			return 2;
		}
	}
	if ((!port && !hfile) || (kfile && hfile) || !n || n > BENCH_STREAMS_MAX || !sample ||
	    (which != 'A' && which != 'C')) {
		fprintf(stderr, "bench_sink: bad arguments\n");
		return 2;
	}
	if (kfile) {
		keys_load(kfile, n);
		which = 'F';
		/* Every stream carries the same profile in our runs; the
		 * first one's tag length sets the packet length. */
		if (ksrtp_profile_lens(fkeys[0].profile, NULL, NULL, &tag_len))
			return 2;
		want_len = BENCH_RTP_LEN + tag_len;
	}
	if (hfile) {
		handoff_load(hfile, n, rcvbuf, rfile != NULL);
		which = 'F';
		if (ksrtp_profile_lens(fkeys[0].profile, NULL, NULL, &tag_len))
			return 2;
		want_len = BENCH_RTP_LEN + tag_len;
		fd = -1;
	} else {
		fd = bench_udp((uint16_t)port, rcvbuf, NULL);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (rfile && !hfile) {
		int on = 1;

		if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on))) {
			perror("bench_sink: SO_TIMESTAMPNS");
			return 2;
		}
	}
	memset(m, 0, sizeof(m));
	for (unsigned i = 0; i < BENCH_BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = bench_now();
	while (bench_now() - t0 < secs) {
		int r;

		if (rfile)
			for (unsigned i = 0; i < BENCH_BATCH; i++) {
				m[i].msg_hdr.msg_control = ctl[i].buf;
				m[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
			}
		r = recv_batch(fd, m, BENCH_BATCH);

		if (r <= 0) {
			/* Done once traffic stopped for a second. */
			if (total && bench_now() - last > 1.0)
				break;
			continue;
		}
		last = bench_now();
		if (!total)
			first = last;
		if (win > 0 && phase == 0 && last - first >= warm) {
			w0 = last;
			p0 = total;
			bench_cpu_ticks(cpu, &b0, &a0);
			if (pid)
				pc0 = proc_cpu(pid);
			phase = 1;
		} else if (phase == 1 && last - w0 >= win) {
			w1 = last;
			p1 = total;
			bench_cpu_ticks(cpu, &b1, &a1);
			if (pid)
				pc1 = proc_cpu(pid);
			phase = 2;
		}
		for (unsigned i = 0; i < (unsigned)r; i++) {
			size_t len = m[i].msg_len;
			uint16_t seq;
			uint32_t ssrc;
			unsigned s;
			struct st *p;
			uint64_t v;

			total++;
			bytes += len;
			if (ksrtp_rtp_peek(buf[i], len, &seq, &ssrc) ||
			    ssrc - BENCH_SSRC_BASE >= n ||
			    len != want_len + (av && ((ssrc - BENCH_SSRC_BASE) & 1) ?
					       BENCH_VIDEO_SRTP_LEN - BENCH_SRTP_LEN : 0)) {
				bad++;
				continue;
			}
			s = ssrc - BENCH_SSRC_BASE;
			p = &st[s];
			p->pkts++;
			p->bytes += len;
			if (!p->seen) {
				p->seen = true;
				p->s_l = seq;
				v = seq;
			} else {
				v = ksrtp_index_estimate(p->roc, p->s_l, seq);
				if (v > ((uint64_t)p->roc << 16 | p->s_l)) {
					p->roc = (uint32_t)(v >> 16);
					p->s_l = seq;
				}
			}
			if (rfile) {
				struct cmsghdr *c = CMSG_FIRSTHDR(&m[i].msg_hdr);

				if (nrec == caprec) {
					caprec = caprec ? 2 * caprec : 65536;
					if (caprec > LAT_RECORDS_MAX ||
					    !(rec = realloc(rec, caprec * sizeof(*rec)))) {
						fprintf(stderr, "bench_sink: too many latency records\n");
						return 2;
					}
				}
				if (c && c->cmsg_level == SOL_SOCKET &&
				    c->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec ts;

					memcpy(&ts, CMSG_DATA(c), sizeof(ts));
					rec[nrec].stream = s;
					rec[nrec].index = (uint32_t)v;
					rec[nrec].t_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
					nrec++;
				}
			}
			if (total % sample == 0) {
				int err = check(buf[i], len, s, which, v);

				if (which == 'F' && !check(buf[i], len, s, 'A', v))
					orig++;
				samples++;
				if (err) {
					fail++;
					if (!first_err)
						first_err = err;
				} else {
					ok++;
				}
			}
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (st[i].pkts)
			seen++;
		if (st[i].pkts < mn)
			mn = st[i].pkts;
		if (st[i].pkts > mx)
			mx = st[i].pkts;
	}
	printf("sink: pkts %llu bytes %llu pps %.0f streams_seen %u/%u min %llu max %llu bad %llu samples %llu auth_ok %llu auth_fail %llu",
	       (unsigned long long)total, (unsigned long long)bytes,
	       last > first ? (double)total / (last - first) : 0.0, seen, n,
	       (unsigned long long)mn, (unsigned long long)mx,
	       (unsigned long long)bad, (unsigned long long)samples,
	       (unsigned long long)ok, (unsigned long long)fail);
	if (kfile || hfile)
		printf(" auth_orig %llu", (unsigned long long)orig);
	if (phase == 2)
		printf(" window_s %.2f window_pps %.0f core_busy_pct %.1f", w1 - w0,
		       (double)(p1 - p0) / (w1 - w0),
		       a1 > a0 ? 100.0 * (b1 - b0) / (a1 - a0) : 0.0);
	if (phase == 2 && pid && pc0 >= 0 && pc1 >= 0)
		printf(" proc_cpu_pct %.1f", 100.0 * (pc1 - pc0) / (w1 - w0));
	if (first_err)
		printf(" first_err %s", strerror(-first_err));
	printf("\n");
	if (rfile) {
		struct bench_lat_hdr h = { BENCH_LAT_MAGIC, n, 0, 0 };
		FILE *f = fopen(rfile, "w");

		if (!f || fwrite(&h, sizeof(h), 1, f) != 1 ||
		    fwrite(rec, sizeof(*rec), nrec, f) != nrec || fclose(f)) {
			perror(rfile);
			return 1;
		}
		free(rec);
	}
	free(fkeys);
	if (fd >= 0)
		close(fd);
	return 0;
}

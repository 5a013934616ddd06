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
 * Usage: bench_sink -s PORT -n STREAMS [-k A|C] [-t SECONDS=5]
 *        [-S SAMPLE=1000] [-b RCVBUF=4194304]
 * Stops after SECONDS, or one second after the traffic stopped.
 * Prints one line: "sink: pkts P bytes B pps R streams_seen S/N min X max Y
 * bad B samples K auth_ok O auth_fail F".
 */
#include <stdint.h>

#include "tests/bench/bench_common.h"

struct st {
	uint64_t pkts, bytes;
	bool seen;
	uint32_t roc;
	uint16_t s_l;
};

static int check(const uint8_t *pkt, size_t len, unsigned stream, char which,
		 uint64_t v)
{
	static uint8_t copy[2048];
	struct ksrtp_keymat k;
	struct ksrtp_rx *rx = NULL;
	int err;

	bench_key(&k, stream, which);
	memcpy(copy, pkt, len);
	err = ksrtp_rx_alloc(&rx, NULL);
	if (!err)
		err = ksrtp_rx_add_key(rx, false, BENCH_SSRC_BASE + stream, &k,
				       v ? v - 1 : 0);
	if (!err)
		err = ksrtp_rx_unprotect(rx, copy, &len);
	if (!err && len != BENCH_RTP_LEN)
		err = -EBADMSG;
	ksrtp_rx_free(rx);
	ksrtp_keymat_wipe(&k);
	return err;
}

int main(int argc, char **argv)
{
	unsigned port = 0, n = 0, sample = 1000, opt;
	char which = 'A';
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

	while ((o = getopt(argc, argv, "s:n:k:t:S:b:")) != -1) {
		opt = (unsigned)o;
		switch (opt) {
		case 's': port = (unsigned)atoi(optarg); break;
		case 'n': n = (unsigned)atoi(optarg); break;
		case 'k': which = optarg[0]; break;
		case 't': secs = atof(optarg); break;
		case 'S': sample = (unsigned)atoi(optarg); break;
		case 'b': rcvbuf = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench_sink -s PORT -n STREAMS [-k A|C] [-t S] [-S N] [-b BYTES]\n");
			return 2;
		}
	}
	if (!port || !n || n > BENCH_STREAMS_MAX || !sample ||
	    (which != 'A' && which != 'C')) {
		fprintf(stderr, "bench_sink: bad arguments\n");
		return 2;
	}
	fd = bench_udp((uint16_t)port, rcvbuf, NULL);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(m, 0, sizeof(m));
	for (unsigned i = 0; i < BENCH_BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = bench_now();
	while (bench_now() - t0 < secs) {
		int r = recvmmsg(fd, m, BENCH_BATCH, 0, NULL);

		if (r <= 0) {
			/* Done once traffic stopped for a second. */
			if (total && bench_now() - last > 1.0)
				break;
			continue;
		}
		last = bench_now();
		if (!total)
			first = last;
		for (unsigned i = 0; i < (unsigned)r; i++) {
			size_t len = m[i].msg_len;
			uint16_t seq;
			uint32_t ssrc;
			unsigned s;
			struct st *p;
			uint64_t v;

			total++;
			bytes += len;
			if (len != BENCH_SRTP_LEN ||
			    ksrtp_rtp_peek(buf[i], len, &seq, &ssrc) ||
			    ssrc - BENCH_SSRC_BASE >= n) {
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
			if (total % sample == 0) {
				int err = check(buf[i], len, s, which, v);

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
	if (first_err)
		printf(" first_err %s", strerror(-first_err));
	printf("\n");
	close(fd);
	return 0;
}

/*
 * bench_lat: per-packet latency from issue 6's side tables (not a test).
 *
 * Joins the generator's send times (bench_gen -R: one per stream and packet
 * index, taken right before the sendmmsg that carried the packet) with the
 * sink's kernel receive times (bench_sink -R: SO_TIMESTAMPNS, with the
 * stream and packet index it read from the RTP header), both CLOCK_REALTIME
 * on this one machine. The SRTP packets themselves carry no stamp: their
 * payload is encrypted and authenticated, and a transcrypting relay
 * re-encrypts it, so the stamp lives beside them, keyed by SSRC and
 * sequence number (RFC 3711 index), which every relay here keeps.
 *
 * Counts only packets sent in [first send + WARMUP, + WINDOW): the start
 * (relays setting up, queues filling) and the tail are left out.
 * Usage: bench_lat GENFILE SINKFILE [-w WARMUP=1] [-T WINDOW=2]
 * Prints one line: "lat: sent S received R p50_us A p90_us B p99_us C
 * max_us D" (received: of the packets sent in the window; a packet
 * received twice counts once).
 */
#include <stdint.h>

#include "tests/bench/bench_common.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Read a whole file into a malloc'd buffer; exits on failure. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	uint8_t *b;
	long l;

	if (!f || fseek(f, 0, SEEK_END) || (l = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		perror(path);
		exit(2);
	}
	b = malloc((size_t)l + 1);
	if (!b || fread(b, 1, (size_t)l, f) != (size_t)l) {
		perror(path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)l;
	return b;
}

int main(int argc, char **argv)
{
	double warm = 1, win = 2;
	struct bench_lat_hdr gh, sh;
	uint8_t *gb, *sb;
	size_t gl, sl, cells, nrx, nlat = 0;
	int64_t *send, *lat, t_first = INT64_MAX, lo, hi;
	uint8_t *got;
	uint64_t in_win = 0;
	int o;

	while ((o = getopt(argc, argv, "w:T:")) != -1) {
		switch (o) {
		case 'w': warm = atof(optarg); break;
		case 'T': win = atof(optarg); break;
		default:
			fprintf(stderr, "usage: bench_lat GENFILE SINKFILE [-w S] [-T S]\n");
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: bench_lat GENFILE SINKFILE [-w S] [-T S]\n");
		return 2;
	}
	gb = slurp(argv[optind], &gl);
	sb = slurp(argv[optind + 1], &sl);
	if (gl < sizeof(gh) || sl < sizeof(sh)) {
		fprintf(stderr, "bench_lat: short file\n");
		return 2;
	}
	memcpy(&gh, gb, sizeof(gh));
	memcpy(&sh, sb, sizeof(sh));
	cells = (size_t)gh.streams * gh.ring;
	if (gh.magic != BENCH_LAT_MAGIC || sh.magic != BENCH_LAT_MAGIC ||
	    gl != sizeof(gh) + cells * sizeof(int64_t) ||
	    (sl - sizeof(sh)) % sizeof(struct bench_lat_rx)) {
		fprintf(stderr, "bench_lat: not a pair of latency tables\n");
		return 2;
	}
	send = (int64_t *)(void *)(gb + sizeof(gh));
	nrx = (sl - sizeof(sh)) / sizeof(struct bench_lat_rx);
	for (size_t i = 0; i < cells; i++)
		if (send[i] && send[i] < t_first)
			t_first = send[i];
	if (t_first == INT64_MAX) {
		fprintf(stderr, "bench_lat: nothing was sent\n");
		return 1;
	}
	lo = t_first + (int64_t)(warm * 1e9);
	hi = lo + (int64_t)(win * 1e9);
	for (size_t i = 0; i < cells; i++)
		if (send[i] >= lo && send[i] < hi)
			in_win++;
	lat = malloc((nrx ? nrx : 1) * sizeof(*lat));
	got = calloc(cells ? cells : 1, 1);
	if (!lat || !got) {
		fprintf(stderr, "bench_lat: no memory\n");
		return 2;
	}
	for (size_t i = 0; i < nrx; i++) {
		struct bench_lat_rx r;
		size_t at;

		memcpy(&r, sb + sizeof(sh) + i * sizeof(r), sizeof(r));
		if (r.stream >= gh.streams || r.index >= gh.ring)
			continue;
		at = (size_t)r.stream * gh.ring + r.index;
		if (got[at] || send[at] < lo || send[at] >= hi)
			continue;
		got[at] = 1;
		lat[nlat++] = r.t_ns - send[at];
	}
	if (!nlat) {
		fprintf(stderr, "bench_lat: no packet of the window was received\n");
		return 1;
	}
	qsort(lat, nlat, sizeof(*lat), cmp_i64);
	printf("lat: sent %llu received %zu p50_us %.1f p90_us %.1f p99_us %.1f max_us %.1f\n",
	       (unsigned long long)in_win, nlat, (double)lat[nlat / 2] / 1e3,
	       (double)lat[nlat * 9 / 10] / 1e3, (double)lat[nlat * 99 / 100] / 1e3,
	       (double)lat[nlat - 1] / 1e3);
	free(lat);
	free(got);
	free(gb);
	free(sb);
	return 0;
}

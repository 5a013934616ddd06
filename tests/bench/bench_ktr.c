/*
 * bench_ktr: ktrsbc's media relay (src/relay) under issue 6's load, driven
 * directly, without SIP (not a test). One relay worker; N established
 * calls, each relay_call_alloc + relay_leg_set_peer on both legs (leg 0's
 * peer is the generator, leg 1's the sink), so packets from the generator
 * to leg 0 go out of leg 1 to the sink:
 *   -m ktr  forwarding only (a KTR call: the relay holds no per-packet key);
 *   -m xc   the Figure 6 fallback: relay_call_transcrypt(leg 0, A(i), C(i)),
 *           every packet unprotected with A and protected again with C.
 * Writes the calls' leg-0 ports to PORTSFILE (the generator's destinations).
 *
 * Measurement: after the first forwarded packet wait WARMUP seconds, then
 * take the relay's totals (relay_totals) and the process CPU at the
 * start and end of a WINDOW; prints "sut: ... fwd_pps R cpu_pct C" and at
 * exit "sut_total: fwd F" (everything forwarded, for callgrind, whose
 * collection is toggled on relay_fwd_batch).
 *
 * Usage: bench_ktr -n CALLS -g GENPORT -k SINKPORT -o PORTSFILE
 *        [-m ktr|xc] [-w WARMUP=1] [-T WINDOW=3] [-x MAXWAIT=30] [-c CPU=1]
 * core_busy_pct: the relay's core (CPU, /proc/stat) busy, softirq included.
 */
#include <stdint.h>

#include "relay/relay.h"
#include "tests/bench/bench_common.h"

static struct relay_call *calls[BENCH_STREAMS_MAX];

struct snap {
	uint64_t fwd, pkts, drop_src, drop_other, errs, crypto;
};

/* relay_totals: one command for the worker, whatever the number of calls
 * (one relay_call_stats per call took seconds at 1000 transcrypted calls,
 * competing with the worker for its core and skewing the window). Only
 * leg 0 carries traffic here, so the totals are that direction's. */
static void snapshot(struct relay *rl, struct snap *s)
{
	struct relay_totals t;

	memset(s, 0, sizeof(*s));
	if (relay_totals(rl, &t)) {
		fprintf(stderr, "bench_ktr: relay_totals failed\n");
		exit(1);
	}
	s->fwd = t.fwd_pkts;
	s->pkts = t.pkts;
	s->drop_src = t.dropped_src;
	s->drop_other = t.dropped_other;
	s->errs = t.fwd_errs;
	s->crypto = t.crypto_ops;
}

int main(int argc, char **argv)
{
	unsigned n = 1, genport = 0, sinkport = 0;
	double warm = 1, win = 3, maxwait = 30, t0, ta, tb, c0, c1;
	double b0, a0, b1, a1;
	int cpu = 1;
	const char *pfile = NULL, *mode = "ktr";
	static uint16_t ports[BENCH_STREAMS_MAX];
	struct relay_cfg cfg = { .port_min = 42000, .port_max = 49999, /* even+odd per leg */
				 .workers = 1, .max_calls = 2 * BENCH_STREAMS_MAX };
	struct relay *rl = NULL;
	struct sockaddr_in gen, sink;
	struct snap s0, s1, sf;
	bool xc;
	int o, err;

	while ((o = getopt(argc, argv, "n:g:k:o:m:w:T:x:c:")) != -1) {
		switch (o) {
		case 'n': n = (unsigned)atoi(optarg); break;
		case 'g': genport = (unsigned)atoi(optarg); break;
		case 'k': sinkport = (unsigned)atoi(optarg); break;
		case 'o': pfile = optarg; break;
		case 'm': mode = optarg; break;
		case 'w': warm = atof(optarg); break;
		case 'T': win = atof(optarg); break;
		case 'x': maxwait = atof(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench_ktr -n CALLS -g GENPORT -k SINKPORT -o PORTSFILE [-m ktr|xc] [-w S] [-T S] [-x S]\n");
			return 2;
		}
	}
	xc = strcmp(mode, "xc") == 0;
	if (!n || n > BENCH_STREAMS_MAX || !genport || !sinkport || !pfile ||
	    (!xc && strcmp(mode, "ktr"))) {
		fprintf(stderr, "bench_ktr: bad arguments\n");
		return 2;
	}
	bench_addr(&gen, (uint16_t)genport);
	bench_addr(&sink, (uint16_t)sinkport);
	if ((err = relay_alloc(&rl, &cfg))) {
		fprintf(stderr, "bench_ktr: relay_alloc: %s\n", strerror(-err));
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		uint16_t p[2];

		err = relay_call_alloc(rl, &calls[i], NULL, p);
		if (!err)
			err = relay_leg_set_peer(calls[i], RELAY_LEG_SDES,
						 (struct sockaddr *)&gen,
						 sizeof(gen), false);
		if (!err)
			err = relay_leg_set_peer(calls[i], RELAY_LEG_DTLS,
						 (struct sockaddr *)&sink,
						 sizeof(sink), false);
		if (!err && xc) {
			struct ksrtp_keymat a, c;

			bench_key(&a, i, 'A');
			bench_key(&c, i, 'C');
			err = relay_call_transcrypt(calls[i], RELAY_LEG_SDES, &a, &c);
			ksrtp_keymat_wipe(&a);
			ksrtp_keymat_wipe(&c);
		}
		if (err) {
			fprintf(stderr, "bench_ktr: call %u: %s\n", i, strerror(-err));
			return 1;
		}
		ports[i] = p[0];
	}
	bench_write_ports(pfile, ports, n);

	/* Wait for traffic on the first call. */
	t0 = bench_now();
	for (;;) {
		struct relay_call_stats st;
		struct timespec ts = { 0, 20000000 };

		if (!relay_call_stats(calls[0], &st) && st.leg[0].fwd_pkts)
			break;
		if (bench_now() - t0 > maxwait) {
			fprintf(stderr, "bench_ktr: no traffic\n");
			return 1;
		}
		nanosleep(&ts, NULL);
	}
	usleep((useconds_t)(warm * 1e6));
	ta = bench_now();
	c0 = bench_cpu();
	bench_cpu_ticks(cpu, &b0, &a0);
	snapshot(rl, &s0);
	ta = (ta + bench_now()) / 2;
	usleep((useconds_t)(win * 1e6));
	tb = bench_now();
	c1 = bench_cpu();
	bench_cpu_ticks(cpu, &b1, &a1);
	snapshot(rl, &s1);
	tb = (tb + bench_now()) / 2;
	printf("sut: %s calls %u window_s %.2f fwd %llu fwd_pps %.0f cpu_pct %.1f core_busy_pct %.1f rx_pps %.0f dropped_src %llu dropped_other %llu fwd_errs %llu crypto_ops %llu\n",
	       xc ? "transcrypt" : "ktr", n, tb - ta,
	       (unsigned long long)(s1.fwd - s0.fwd),
	       (double)(s1.fwd - s0.fwd) / (tb - ta),
	       100.0 * (c1 - c0) / (tb - ta),
	       a1 > a0 ? 100.0 * (b1 - b0) / (a1 - a0) : 0.0,
	       (double)(s1.pkts - s0.pkts) / (tb - ta),
	       (unsigned long long)(s1.drop_src - s0.drop_src),
	       (unsigned long long)(s1.drop_other - s0.drop_other),
	       (unsigned long long)(s1.errs - s0.errs),
	       (unsigned long long)(s1.crypto - s0.crypto));
	fflush(stdout);
	snapshot(rl, &sf);
	printf("sut_total: fwd %llu\n", (unsigned long long)sf.fwd);
	for (unsigned i = 0; i < n; i++)
		relay_call_free(calls[i]);
	relay_free(rl);
	return 0;
}

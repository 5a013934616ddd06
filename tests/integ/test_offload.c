/*
 * Integration: the in-kernel fast path (src/offload, issue 7) in network
 * namespaces this test creates and deletes (nothing leaves them):
 *
 *   ns A (SDES UA)   ka  <-veth->  ksa   ns S (the SBC)   ksb <-veth-> kb  ns B (DTLS UA)
 *   192.0.2.2              192.0.2.1          198.51.100.1        198.51.100.2
 *   2001:db8:a::2          2001:db8:a::1      2001:db8:b::1       2001:db8:b::2
 *
 * The program sits on ksa's and ksb's ingress. Checked: SRTP (ksrtp over
 * libsrtp2) both ways over IPv4 and IPv6 arrives byte for byte, from the
 * SBC's other leg, and authenticates under the sender's key, while the
 * SBC's leg sockets see none of it; spoofed RTP dropped and counted; DTLS-
 * and STUN-class datagrams and unknown legs reach the userspace sockets in
 * S; receiver-side software checksum verification (B's rx offload off, S's
 * tx offload off so partial checksums are finished in software) with both
 * partial and full sender checksums, and a negative control (a stale UDP
 * checksum sent through the same path is counted as InCsumErrors and not
 * delivered); no map entry after offload_leg_del; no clsact after
 * offload_free.
 * Without root, `ip netns`, ethtool or BPF at all (a trivial program does not
 * load) each namespace test is skipped with the reason; when BPF loads but
 * ktr_tc.bpf.o is missing, rejected or does not attach, each fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "offload/offload.h"
#include "relay/relay.h"
#include "srtp/ksrtp.h"
#include "tests/lib/netns_fix.h"

#define N_PKT 64
#define SSRC_A 0x11223344u
#define SSRC_B 0x55667788u
#define PA 40000 /* UA A's port */
#define PB 40002 /* UA B's port */
#define LA 30000 /* SBC leg facing A */
#define LB 30002 /* SBC leg facing B */
#define LX 30004 /* an SBC port that is not offloaded */

/* the namespaces, in tests/lib/netns_fix.h's order */
enum {
	NS_A = NETNS_FIX_A,
	NS_S = NETNS_FIX_S,
	NS_B = NETNS_FIX_B,
	NS_N = NETNS_FIX_ASB
};

static struct {
	struct netns_fix ns;
	struct offload *o;
	bool ready;
	int sa4, sb4, sx4, ua4, ub4; /* sockets (S: sa/sb/sx; A, B) */
	int sa6, ub6, ua6, sb6;
} fx;

static void enter(int ns)
{
	assert_int_equal(netns_fix_enter(&fx.ns, ns), 0);
}

static void sa_make(struct sockaddr_storage *ss, const char *addr,
		    uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, addr, &s->sin6_addr), 1);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, addr, &s->sin_addr), 1);
	}
}

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

/* A UDP socket bound to addr:port inside namespace ns. */
static int usock(int ns, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	int fd;

	sa_make(&ss, addr, port);
	enter(ns);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, sa_len(&ss)), 0);
	enter(-1);
	return fd;
}

static void send_to(int fd, const char *addr, uint16_t port, const void *p,
		    size_t n)
{
	struct sockaddr_storage ss;

	sa_make(&ss, addr, port);
	assert_int_equal(sendto(fd, p, n, 0, (struct sockaddr *)&ss,
				sa_len(&ss)),
			 (ssize_t)n);
}

/* One datagram within ms, or -ETIMEDOUT. */
static ssize_t recv_within(int fd, uint8_t *buf, size_t cap, int ms,
			   struct sockaddr_storage *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t fl = sizeof(*from);

	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	return recvfrom(fd, buf, cap, 0, (struct sockaddr *)from, &fl);
}

/* No datagram within ms. A datagram queued but refused by recvfrom (UDP
 * verifies an unverified checksum while copying: InCsumErrors, EAGAIN)
 * counts as none. */
static void expect_nothing(int fd, int ms)
{
	struct sockaddr_storage from;
	uint8_t b[2048];
	ssize_t n;

	for (;;) {
		n = recv_within(fd, b, sizeof(b), ms, &from);
		if (n == -ETIMEDOUT)
			return;
		assert_int_equal(n, -1);
		assert_int_equal(errno, EAGAIN);
	}
}

static void expect_from(const struct sockaddr_storage *from, const char *addr,
			uint16_t port)
{
	struct sockaddr_storage want;

	sa_make(&want, addr, port);
	assert_int_equal(from->ss_family, want.ss_family);
	if (want.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)from;
		const struct sockaddr_in *b = (const void *)&want;

		assert_int_equal(a->sin_port, b->sin_port);
		assert_memory_equal(&a->sin_addr, &b->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *a = (const void *)from;
		const struct sockaddr_in6 *b = (const void *)&want;

		assert_int_equal(a->sin6_port, b->sin6_port);
		assert_memory_equal(&a->sin6_addr, &b->sin6_addr, 16);
	}
}

/* A UDP counter of namespace ns from /proc/net/snmp ("Udp" row) or
 * /proc/net/snmp6 ("Udp6InCsumErrors"). */
static uint64_t udp_ctr(int ns, bool v6, const char *name)
{
	char cmd[160], line[1024], hdr[1024] = "";
	uint64_t v = UINT64_MAX;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /proc/net/%s",
		 fx.ns.name[ns], v6 ? "snmp6" : "snmp");
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (v6) {
			char k[64];
			unsigned long long n;

			if (sscanf(line, "%63s %llu", k, &n) == 2 &&
			    strcmp(k + 4, name) == 0 &&
			    strncmp(k, "Udp6", 4) == 0)
				v = n;
			continue;
		}
		if (strncmp(line, "Udp: ", 5) != 0)
			continue;
		if (!hdr[0]) {
			strcpy(hdr, line);
			continue;
		}
		/* values row: walk both rows together */
		char *hs, *vs, *h = strtok_r(hdr + 5, " \n", &hs);
		char *val = strtok_r(line + 5, " \n", &vs);
		for (; h && val; h = strtok_r(NULL, " \n", &hs),
				 val = strtok_r(NULL, " \n", &vs))
			if (strcmp(h, name) == 0)
				v = strtoull(val, NULL, 10);
	}
	pclose(f);
	assert_true(v != UINT64_MAX);
	return v;
}

/* --- fixture -------------------------------------------------------------- */

static void ns_cleanup(void)
{
	if (fx.o && netns_fix_enter(&fx.ns, NS_S) == 0) {
		offload_free(fx.o);
		fx.o = NULL;
	}
	(void)netns_fix_enter(&fx.ns, -1);
	int *fds[] = { &fx.sa4, &fx.sb4, &fx.sx4, &fx.ua4, &fx.ub4,
		       &fx.sa6, &fx.sb6, &fx.ua6, &fx.ub6 };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	netns_fix_down(&fx.ns);
}

/* The second addresses on ka: a source the program has no leg for. */
static const char *const ns_cmds[] = {
	"ip -n %1$s-a addr add 2001:db8:a::3/64 dev ka nodad",
};

/* Namespaces, veths and the program on ksa/ksb's ingress
 * (tests/lib/netns_fix.h); runs before cmocka (no assertions here). false
 * with fx.ns.why set when this machine cannot (not root, no ip
 * netns/ethtool, BPF does not load or attach). */
static bool fixture_up(void)
{
	return netns_fix_asb_offload(&fx.ns, "ktro", ns_cmds,
				     sizeof(ns_cmds) / sizeof(ns_cmds[0]),
				     ns_cleanup, &fx.o);
}

static int group_setup(void **state)
{
	if (!fx.o)
		return 0;
	fx.sa4 = usock(NS_S, "192.0.2.1", LA);
	fx.sb4 = usock(NS_S, "198.51.100.1", LB);
	fx.sx4 = usock(NS_S, "192.0.2.1", LX);
	fx.ua4 = usock(NS_A, "192.0.2.2", PA);
	fx.ub4 = usock(NS_B, "198.51.100.2", PB);
	fx.sa6 = usock(NS_S, "2001:db8:a::1", LA);
	fx.sb6 = usock(NS_S, "2001:db8:b::1", LB);
	fx.ua6 = usock(NS_A, "2001:db8:a::2", PA);
	fx.ub6 = usock(NS_B, "2001:db8:b::2", PB);
	fx.ready = true;
	(void)state;
	return 0;
}

static int group_teardown(void **state)
{
	ns_cleanup();
	(void)state;
	return 0;
}

/* A namespace test where fixture_up failed: skipped with the reason on
 * the line above cmocka's "not ok N # SKIP" when this machine has no BPF
 * or namespaces, failed when BPF loads but our program does not
 * (tests/lib/netns_fix.h). Never a pass that checked nothing. */
#define NEED_BPF()                                                          \
	do {                                                                \
		if (!fx.ready && fx.ns.broken)                              \
			fail_msg("our tc program: %s", fx.ns.why);         \
		if (!fx.ready) {                                            \
			print_message("# BPF unavailable: %s\n", fx.ns.why); \
			skip();                                             \
		}                                                           \
	} while (0)

/* Offload one direction: packets to local from peer -> out_src -> out_dst;
 * the egress device is found from out_src's address (ifindex 0). */
static void leg_add(const char *local, uint16_t lp, const char *peer,
		    uint16_t pp, const char *src, uint16_t sp, const char *dst,
		    uint16_t dp)
{
	struct offload_leg l = { .out_ifindex = 0 };

	sa_make(&l.local, local, lp);
	sa_make(&l.peer, peer, pp);
	sa_make(&l.out_src, src, sp);
	sa_make(&l.out_dst, dst, dp);
	enter(NS_S);
	int err = offload_leg_add(fx.o, &l);
	enter(-1);
	assert_int_equal(err, 0);
}

static void counters(const char *local, uint16_t lp,
		     struct offload_counters *c)
{
	struct sockaddr_storage ss;

	sa_make(&ss, local, lp);
	assert_int_equal(offload_leg_counters(fx.o, (struct sockaddr *)&ss, c),
			 0);
}

/* --- SRTP through the kernel path ------------------------------------------ */

struct stream {
	struct ksrtp_keymat k;
	struct ksrtp_tx *tx;
	struct ksrtp_rx *rx;
	uint32_t ssrc;
	uint16_t seq;
};

static void stream_init(struct stream *s, uint32_t ssrc)
{
	memset(s, 0, sizeof(*s));
	s->ssrc = ssrc;
	s->seq = 1000;
	assert_int_equal(ksrtp_keymat_random(&s->k, KSRTP_AES128_CM_SHA1_80), 0);
	assert_int_equal(ksrtp_tx_alloc(&s->tx, ssrc, &s->k), 0);
	assert_int_equal(ksrtp_rx_alloc(&s->rx, NULL), 0);
	assert_int_equal(ksrtp_rx_add_key(s->rx, false, ssrc, &s->k, 0), 0);
}

static void stream_free(struct stream *s)
{
	ksrtp_tx_free(s->tx);
	ksrtp_rx_free(s->rx);
	ksrtp_keymat_wipe(&s->k);
}

/* RTP packet seq with a payload derived from seq, protected; *plain gets
 * the RTP packet. */
static size_t srtp_make(struct stream *s, uint8_t *pkt, size_t cap,
			uint8_t *plain, size_t *plain_len)
{
	struct buf_wr w;
	size_t len;

	buf_wr_init(&w, pkt, cap);
	assert_int_equal(buf_put_u8(&w, 0x80), 0);
	assert_int_equal(buf_put_u8(&w, 0), 0);
	assert_int_equal(buf_put_u16(&w, s->seq), 0);
	assert_int_equal(buf_put_u32(&w, 160u * s->seq), 0);
	assert_int_equal(buf_put_u32(&w, s->ssrc), 0);
	for (unsigned i = 0; i < 160; i++)
		assert_int_equal(buf_put_u8(&w, (uint8_t)(s->seq * 7 + i)), 0);
	len = 12 + 160;
	memcpy(plain, pkt, len);
	*plain_len = len;
	assert_int_equal(ksrtp_tx_protect(s->tx, pkt, &len, cap), 0);
	s->seq++;
	return len;
}

/* N_PKT SRTP packets from `from` (a UA socket) to the SBC leg dst:dport;
 * each must arrive at `to` byte for byte from src:sport and authenticate;
 * the SBC's own leg socket `leg` must see none of them. */
static void srtp_run(struct stream *s, int from, const char *dst,
		     uint16_t dport, int to, const char *src, uint16_t sport,
		     int leg)
{
	uint8_t pkt[1500], plain[1500], got[2048];
	struct sockaddr_storage f;
	size_t plen, len, glen;
	ssize_t n;

	for (unsigned i = 0; i < N_PKT; i++) {
		len = srtp_make(s, pkt, sizeof(pkt), plain, &plen);
		send_to(from, dst, dport, pkt, len);
		n = recv_within(to, got, sizeof(got), 2000, &f);
		assert_int_equal(n, (ssize_t)len);
		assert_memory_equal(got, pkt, len);
		expect_from(&f, src, sport);
		glen = (size_t)n;
		assert_int_equal(ksrtp_rx_unprotect(s->rx, got, &glen), 0);
		assert_int_equal(glen, plen);
		assert_memory_equal(got, plain, plen);
	}
	expect_nothing(leg, 100);
}

static void test_srtp_v4_both_ways(void **state)
{
	struct offload_counters c;
	struct stream a, b;
	uint64_t e0;

	NEED_BPF();
	leg_add("192.0.2.1", LA, "192.0.2.2", PA, "198.51.100.1", LB,
		"198.51.100.2", PB);
	leg_add("198.51.100.1", LB, "198.51.100.2", PB, "192.0.2.1", LA,
		"192.0.2.2", PA);
	stream_init(&a, SSRC_A);
	stream_init(&b, SSRC_B);
	e0 = udp_ctr(NS_B, false, "InCsumErrors");
	/* A's checksums partial (veth tx offload on), then full. */
	srtp_run(&a, fx.ua4, "192.0.2.1", LA, fx.ub4, "198.51.100.1", LB,
		 fx.sa4);
	assert_int_equal(netns_fix_sh("ip netns exec %s ethtool -K ka tx off",
				      fx.ns.name[NS_A]),
			 0);
	srtp_run(&a, fx.ua4, "192.0.2.1", LA, fx.ub4, "198.51.100.1", LB,
		 fx.sa4);
	assert_int_equal(netns_fix_sh("ip netns exec %s ethtool -K ka tx on",
				      fx.ns.name[NS_A]),
			 0);
	srtp_run(&b, fx.ub4, "198.51.100.1", LB, fx.ua4, "192.0.2.1", LA,
		 fx.sb4);
	assert_true(udp_ctr(NS_B, false, "InCsumErrors") == e0);

	counters("192.0.2.1", LA, &c);
	assert_int_equal(c.pkts, 2 * N_PKT);
	assert_int_equal(c.bytes, 2 * N_PKT * (12 + 160 + 10));
	assert_int_equal(c.spoofed, 0);
	assert_int_equal(c.errors, 0);
	counters("198.51.100.1", LB, &c);
	assert_int_equal(c.pkts, N_PKT);
	stream_free(&a);
	stream_free(&b);
	(void)state;
}

static void test_srtp_v6(void **state)
{
	struct offload_counters c;
	struct stream a;
	uint64_t e0;

	NEED_BPF();
	leg_add("2001:db8:a::1", LA, "2001:db8:a::2", PA, "2001:db8:b::1", LB,
		"2001:db8:b::2", PB);
	stream_init(&a, SSRC_A);
	e0 = udp_ctr(NS_B, true, "InCsumErrors");
	srtp_run(&a, fx.ua6, "2001:db8:a::1", LA, fx.ub6, "2001:db8:b::1", LB,
		 fx.sa6);
	assert_true(udp_ctr(NS_B, true, "InCsumErrors") == e0);
	counters("2001:db8:a::1", LA, &c);
	assert_int_equal(c.pkts, N_PKT);

	/* spoofed: right address, wrong port */
	int sp = usock(NS_A, "2001:db8:a::3", PA);
	uint8_t rtp[40] = { 0x80 };
	send_to(sp, "2001:db8:a::1", LA, rtp, sizeof(rtp));
	expect_nothing(fx.ub6, 200);
	expect_nothing(fx.sa6, 1);
	counters("2001:db8:a::1", LA, &c);
	assert_int_equal(c.spoofed, 1);
	close(sp);
	stream_free(&a);
	(void)state;
}

/* --- what the kernel must not forward --------------------------------------- */

static void test_spoofed_dropped(void **state)
{
	struct offload_counters c0, c;
	uint8_t rtp[100] = { 0x80, 0x00 };
	int wrong_port, wrong_addr;

	NEED_BPF();
	counters("192.0.2.1", LA, &c0);
	wrong_port = usock(NS_A, "192.0.2.2", PA + 1);
	wrong_addr = usock(NS_A, "192.0.2.3", PA);
	send_to(wrong_port, "192.0.2.1", LA, rtp, sizeof(rtp));
	send_to(wrong_addr, "192.0.2.1", LA, rtp, sizeof(rtp));
	rtp[0] = 0xbf; /* RTCP range's top: still RTP-class */
	send_to(wrong_addr, "192.0.2.1", LA, rtp, sizeof(rtp));
	expect_nothing(fx.ub4, 200);
	expect_nothing(fx.sa4, 1); /* dropped, not passed up either */
	counters("192.0.2.1", LA, &c);
	assert_int_equal(c.spoofed - c0.spoofed, 3);
	assert_int_equal(c.pkts, c0.pkts);
	close(wrong_port);
	close(wrong_addr);
	(void)state;
}

static void test_non_rtp_passes_up(void **state)
{
	/* DTLS handshake record (20..63), STUN binding request (0..3), a
	 * byte just outside RTP/RTCP (192), and RTP to a port not offloaded */
	static const uint8_t kinds[][4] = { { 22, 0xfe, 0xfd, 0 },
					    { 0x00, 0x01, 0x00, 0x00 },
					    { 20, 0xfe, 0xfd, 1 },
					    { 192, 0, 0, 0 } };
	struct offload_counters c0, c;
	struct sockaddr_storage f;
	uint8_t got[256], pkt[64];

	NEED_BPF();
	counters("192.0.2.1", LA, &c0);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		memset(pkt, (int)i, sizeof(pkt));
		memcpy(pkt, kinds[i], 4);
		send_to(fx.ua4, "192.0.2.1", LA, pkt, sizeof(pkt));
		assert_int_equal(recv_within(fx.sa4, got, sizeof(got), 2000, &f),
				 sizeof(pkt));
		assert_memory_equal(got, pkt, sizeof(pkt));
		expect_from(&f, "192.0.2.2", PA);
	}
	counters("192.0.2.1", LA, &c);
	assert_int_equal(c.passed - c0.passed, 4);
	assert_int_equal(c.pkts, c0.pkts);
	pkt[0] = 0x80;
	send_to(fx.ua4, "192.0.2.1", LX, pkt, sizeof(pkt));
	assert_int_equal(recv_within(fx.sx4, got, sizeof(got), 2000, &f),
			 sizeof(pkt));
	expect_nothing(fx.ub4, 100);
	(void)state;
}

/* --- checksums: a negative control ------------------------------------------ */

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Raw IPv4 UDP from A 192.0.2.2:PA to the leg; bad = a stale checksum. */
static void raw_udp(int raw, const uint8_t *payload, size_t n, bool bad)
{
	uint8_t pkt[512], ph[12];
	struct buf_wr w;
	uint32_t s = 0;
	uint16_t ck;
	size_t len = 8 + n;

	buf_wr_init(&w, ph, sizeof(ph));
	assert_int_equal(buf_put_u32(&w, 0xc0000202u), 0); /* 192.0.2.2 */
	assert_int_equal(buf_put_u32(&w, 0xc0000201u), 0); /* 192.0.2.1 */
	assert_int_equal(buf_put_u16(&w, IPPROTO_UDP), 0);
	assert_int_equal(buf_put_u16(&w, (uint16_t)len), 0);
	buf_wr_init(&w, pkt, sizeof(pkt));
	assert_int_equal(buf_put_u16(&w, PA), 0);
	assert_int_equal(buf_put_u16(&w, LA), 0);
	assert_int_equal(buf_put_u16(&w, (uint16_t)len), 0);
	assert_int_equal(buf_put_u16(&w, 0), 0);
	assert_int_equal(buf_put_bytes(&w, payload, n), 0);
	for (size_t i = 0; i < 12; i += 2)
		s += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	for (size_t i = 0; i < len; i += 2)
		s += (uint32_t)(pkt[i] << 8 | (i + 1 < len ? pkt[i + 1] : 0));
	ck = csum_fold(s);
	if (ck == 0)
		ck = 0xffff;
	if (bad)
		ck ^= 0x0100;
	buf_wr_init(&w, pkt + 6, 2);
	assert_int_equal(buf_put_u16(&w, ck), 0);
	send_to(raw, "192.0.2.1", 0, pkt, len);
}

static void test_checksum_negative_control(void **state)
{
	struct offload_counters c0, c;
	struct sockaddr_storage f;
	uint8_t pl[100], got[256];
	uint64_t e0;
	int raw;

	NEED_BPF();
	for (size_t i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(0x80 + i);
	enter(NS_A);
	raw = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	enter(-1);
	assert_true(raw >= 0);
	counters("192.0.2.1", LA, &c0);
	e0 = udp_ctr(NS_B, false, "InCsumErrors");

	/* control of the control: the same raw path with a right checksum */
	raw_udp(raw, pl, sizeof(pl), false);
	assert_int_equal(recv_within(fx.ub4, got, sizeof(got), 2000, &f),
			 sizeof(pl));
	assert_memory_equal(got, pl, sizeof(pl));
	assert_true(udp_ctr(NS_B, false, "InCsumErrors") == e0);

	/* stale checksum: forwarded by the kernel path (it does not verify),
	 * caught and counted by B's software verification */
	raw_udp(raw, pl, sizeof(pl), true);
	expect_nothing(fx.ub4, 300);
	assert_true(udp_ctr(NS_B, false, "InCsumErrors") == e0 + 1);
	counters("192.0.2.1", LA, &c);
	assert_int_equal(c.pkts - c0.pkts, 2);
	close(raw);
	(void)state;
}

/* --- teardown of legs and of the loader -------------------------------------- */

static void test_leg_del(void **state)
{
	static const struct {
		const char *a;
		uint16_t p;
	} legs[] = { { "192.0.2.1", LA },
		     { "198.51.100.1", LB },
		     { "2001:db8:a::1", LA } };
	struct offload_counters last;
	struct sockaddr_storage ss, f;
	unsigned nl, nc;
	uint8_t pkt[64] = { 0x80 }, got[128];

	NEED_BPF();
	assert_int_equal(offload_map_entries(fx.o, &nl, &nc), 0);
	assert_int_equal(nl, 3);
	assert_int_equal(nc, 3);
	for (size_t i = 0; i < 3; i++) {
		sa_make(&ss, legs[i].a, legs[i].p);
		assert_int_equal(offload_leg_del(fx.o, (struct sockaddr *)&ss,
						 &last),
				 0);
		assert_true(last.pkts >= N_PKT);
		assert_int_equal(offload_leg_del(fx.o, (struct sockaddr *)&ss,
						 NULL),
				 -ENOENT);
		assert_int_equal(offload_leg_counters(
					 fx.o, (struct sockaddr *)&ss, &last),
				 -ENOENT);
	}
	assert_int_equal(offload_map_entries(fx.o, &nl, &nc), 0);
	assert_int_equal(nl, 0);
	assert_int_equal(nc, 0);
	/* back in userspace: the leg socket gets RTP again */
	send_to(fx.ua4, "192.0.2.1", LA, pkt, sizeof(pkt));
	assert_int_equal(recv_within(fx.sa4, got, sizeof(got), 2000, &f),
			 sizeof(pkt));
	expect_nothing(fx.ub4, 100);

	/* offload_free removes the filter and the clsact qdisc it made */
	enter(NS_S);
	offload_free(fx.o);
	fx.o = NULL;
	enter(-1);
	assert_int_not_equal(netns_fix_sh("ip netns exec %s tc qdisc show "
					  "dev ksa | grep -q clsact",
					  fx.ns.name[NS_S]),
			     0);
	assert_int_not_equal(netns_fix_sh("ip netns exec %s tc qdisc show "
					  "dev ksb | grep -q clsact",
					  fx.ns.name[NS_S]),
			     0);
	(void)state;
}

/* --- no privileges needed ---------------------------------------------------- */

static void test_errors(void **state)
{
	const char *ifs[] = { "lo" };
	struct offload_cfg cfg = { .obj_path = "/nonexistent/ktr_tc.bpf.o",
				   .ifnames = ifs,
				   .n_ifnames = 1 };
	struct offload *o = NULL;
	char why[256];

	assert_int_equal(offload_alloc(&o, &cfg, why, sizeof(why)), -ENOENT);
	assert_null(o);
	assert_non_null(strstr(why, "/nonexistent/ktr_tc.bpf.o"));
	cfg.n_ifnames = 0;
	assert_int_equal(offload_alloc(&o, &cfg, why, sizeof(why)), -EINVAL);
	offload_free(NULL);
	(void)state;
}

/* The relay fills this module's leg record from its own (relay.h). */
static void test_leg_from_fwd(void **state)
{
	struct relay_fwd f = { .family = AF_INET, .out_family = AF_INET };
	struct sockaddr_storage loc, oth;
	struct offload_leg l;
	struct sockaddr_in *p = (struct sockaddr_in *)&l.peer;
	struct sockaddr_in *d = (struct sockaddr_in *)&l.out_dst;

	sa_make(&loc, "192.0.2.1", LA);
	sa_make(&oth, "198.51.100.1", LB);
	f.expect_port = PA;
	f.out_port = PB;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.2", f.expect_addr), 1);
	assert_int_equal(inet_pton(AF_INET, "198.51.100.2", f.out_addr), 1);
	f.flags = RELAY_F_PEER; /* no out address yet */
	assert_int_equal(relay_offload_leg_from_fwd(&l, (struct sockaddr *)&loc,
						    (struct sockaddr *)&oth, &f,
						    7),
			 -ENOTSUP);
	f.flags = RELAY_F_PEER | RELAY_F_FORWARD | RELAY_F_TRANSCRYPT;
	assert_int_equal(relay_offload_leg_from_fwd(&l, (struct sockaddr *)&loc,
						    (struct sockaddr *)&oth, &f,
						    7),
			 -ENOTSUP);
	f.flags = RELAY_F_PEER | RELAY_F_FORWARD | RELAY_F_ALLOW_LATCH;
	assert_int_equal(relay_offload_leg_from_fwd(&l, (struct sockaddr *)&loc,
						    (struct sockaddr *)&oth, &f,
						    7),
			 -ENOTSUP);
	f.flags |= RELAY_F_LATCHED | RELAY_F_DTLS | RELAY_F_TRACK;
	assert_int_equal(relay_offload_leg_from_fwd(&l, (struct sockaddr *)&loc,
						    (struct sockaddr *)&oth, &f,
						    7),
			 0);
	assert_int_equal(l.out_ifindex, 7);
	assert_memory_equal(&l.local, &loc, sizeof(struct sockaddr_in));
	assert_memory_equal(&l.out_src, &oth, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(p->sin_port), PA);
	assert_int_equal(ntohl(p->sin_addr.s_addr), 0xc0000202u);
	assert_int_equal(ntohs(d->sin_port), PB);
	assert_int_equal(ntohl(d->sin_addr.s_addr), 0xc6336402u);
	f.out_family = AF_INET6;
	assert_int_equal(relay_offload_leg_from_fwd(&l, (struct sockaddr *)&loc,
						    (struct sockaddr *)&oth, &f,
						    7),
			 -EAFNOSUPPORT);
	(void)state;
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_leg_from_fwd),
		cmocka_unit_test(test_srtp_v4_both_ways),
		cmocka_unit_test(test_srtp_v6),
		cmocka_unit_test(test_spoofed_dropped),
		cmocka_unit_test(test_non_rtp_passes_up),
		cmocka_unit_test(test_checksum_negative_control),
		cmocka_unit_test(test_leg_del),
	};
	size_t n = sizeof(tests) / sizeof(tests[0]);

	fx.sa4 = fx.sb4 = fx.sx4 = fx.ua4 = fx.ub4 = -1;
	fx.sa6 = fx.sb6 = fx.ua6 = fx.ub6 = -1;
	if (!fixture_up())
		ns_cleanup(); /* each namespace test says why (NEED_BPF) */
	return _cmocka_run_group_tests("offload", tests, n, group_setup,
				       group_teardown);
}

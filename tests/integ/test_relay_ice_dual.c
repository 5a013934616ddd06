/*
 * ICE-lite with a host candidate per family (relay_leg_alt_open, relay.h):
 * a relay bound to 127.0.0.1 and ::1 gives a DTLS-side ICE leg a second
 * socket on ::1, on plain UDP peers of both families. A check on either
 * socket is answered from that socket with the checker's own address; a
 * nomination on ::1 moves the leg's media there (sent from the ::1
 * socket, byte for byte both ways, the IPv4 candidate's datagrams no
 * longer taken), a later nomination on 127.0.0.1 moves it back, and one
 * more on ::1 again; a deferred DTLS client's flights follow the
 * nomination too. A leg without ICE has no second socket, and a leg with
 * one keeps its family. The checks are written with our STUN builder
 * (src/stun, itself checked against RFC 5769 and aioice). Then aioice's
 * full agent (Debian's python3-aioice, tests/integ/stun_aioice_peer.py
 * --agent --echo) with host candidates on 127.0.0.1 and ::1 pairs them
 * with ours family by family and nominates one, then an agent of the other
 * family alone nominates again: each time an RTP packet from the other
 * leg's UA comes back through the agent's nominated pair byte for byte.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/clk.h"
#include "base/sec.h"
#include "dtls/dtls.h"
#include "relay/relay.h"
#include "stun/stun.h"
#include "tests/lib/dtlst.h"
#include "tests/lib/lo_udp.h"

#define RTP_SSRC 0x11223344 /* the tests' RTP (lo_udp_rtp) */

#define PORT_MIN 43000
#define PORT_MAX 43999
#define LUFRAG "Lite"
#define RUFRAG "peer"
#define PWD "ktrsbcLitePassword+0123/x"

/* A UDP socket on 127.0.0.1 or ::1 (any port), its address in *a; -1 when
 * the machine has no such loopback. */
static int lo_open(int fam, struct sockaddr_storage *a)
{
	socklen_t l = sizeof(*a);
	int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(a, 0, sizeof(*a));
	a->ss_family = (sa_family_t)fam;
	if (fam == AF_INET6)
		((struct sockaddr_in6 *)a)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)a)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)a, fam == AF_INET6 ? sizeof(struct sockaddr_in6) :
							   sizeof(struct sockaddr_in)) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &l) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t sa_port(const struct sockaddr_storage *a)
{
	return ntohs(a->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)a)->sin6_port :
						((const struct sockaddr_in *)a)->sin_port);
}

static bool have_ipv6(void)
{
	struct sockaddr_storage a;
	int fd = lo_open(AF_INET6, &a);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

#define NEED_IPV6()                                                          \
	do {                                                                 \
		if (!have_ipv6()) {                                          \
			print_message("# no IPv6 loopback (::1) here\n");    \
			skip();                                              \
		}                                                            \
	} while (0)

/* One datagram from fd (of family fam) to the loopback of fam, port. */
static void send_to(int fd, int fam, uint16_t port, const void *p, size_t len)
{
	struct sockaddr_storage to;

	memset(&to, 0, sizeof(to));
	to.ss_family = (sa_family_t)fam;
	if (fam == AF_INET6) {
		((struct sockaddr_in6 *)&to)->sin6_addr = in6addr_loopback;
		((struct sockaddr_in6 *)&to)->sin6_port = htons(port);
	} else {
		((struct sockaddr_in *)&to)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		((struct sockaddr_in *)&to)->sin_port = htons(port);
	}
	assert_int_equal(sendto(fd, p, len, 0, (struct sockaddr *)&to,
				fam == AF_INET6 ? sizeof(struct sockaddr_in6) :
						  sizeof(struct sockaddr_in)),
			 (ssize_t)len);
}

/* One datagram within ms, or -1; its source in *from. */
static ssize_t recv_from(int fd, void *buf, size_t cap, int ms,
			 struct sockaddr_storage *from)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	socklen_t sl = sizeof(*from);

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return recvfrom(fd, buf, cap, 0, (struct sockaddr *)from, &sl);
}

/* n RTP packets from fd_from (family from_fam) to relay port `to`: true
 * when each reached fd_to byte for byte from the relay's port `via` in
 * family via_fam; false as soon as one did not arrive (within 300 ms). */
static bool media_flows(int fd_from, int from_fam, uint16_t to, int fd_to,
			uint16_t via, int via_fam, unsigned n)
{
	uint8_t p[1300], got[2048];

	for (unsigned i = 0; i < n; i++) {
		size_t len = lo_udp_rtp(p, 12 + (i * 97) % 1200, i, RTP_SSRC);
		struct sockaddr_storage src;
		ssize_t r;

		send_to(fd_from, from_fam, to, p, len);
		r = recv_from(fd_to, got, sizeof(got), 300, &src);
		if (r < 0)
			return false;
		assert_int_equal(r, (ssize_t)len);
		assert_memory_equal(got, p, len);
		assert_int_equal(src.ss_family, via_fam);
		assert_int_equal(sa_port(&src), via);
	}
	return true;
}

/* A controlling full agent's check (RFC 8445 7.2.2), with USE-CANDIDATE
 * when nominate. */
static size_t make_check(uint8_t *out, size_t cap, bool nominate, uint8_t tid[12])
{
	struct stun_builder b;
	const char *user = LUFRAG ":" RUFRAG;

	assert_int_equal(sec_random(tid, STUN_TID_LEN), 0);
	assert_int_equal(stun_build_start(&b, out, cap, STUN_BINDING_REQUEST, tid), 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, user, strlen(user)), 0);
	assert_int_equal(stun_build_u32(&b, STUN_ATTR_PRIORITY, 0x6E7F1EFF), 0);
	assert_int_equal(stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLING, 0x1122334455667788ull), 0);
	if (nominate)
		assert_int_equal(stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0), 0);
	assert_int_equal(stun_build_integrity(&b, (const uint8_t *)PWD, strlen(PWD)), 0);
	assert_int_equal(stun_build_fingerprint(&b), 0);
	return stun_build_len(&b);
}

/* A check from fd (bound at *me, family fam) to the relay's port `to` of
 * that family: answered with success from that very port, authenticated,
 * with XOR-MAPPED-ADDRESS our own address. */
static void check_answered(int fd, const struct sockaddr_storage *me, uint16_t to,
			   bool nominate)
{
	uint8_t req[256], resp[2048], tid[STUN_TID_LEN];
	struct sockaddr_storage mapped, src;
	struct stun_msg m;
	ssize_t n;

	send_to(fd, me->ss_family, to, req, make_check(req, sizeof(req), nominate, tid));
	n = recv_from(fd, resp, sizeof(resp), 1000, &src);
	assert_true(n > 0);
	assert_int_equal(src.ss_family, me->ss_family);
	assert_int_equal(sa_port(&src), to);
	assert_int_equal(stun_msg_decode(&m, resp, (size_t)n), 0);
	assert_int_equal(m.type, STUN_BINDING_SUCCESS);
	assert_memory_equal(m.tid, tid, STUN_TID_LEN);
	assert_int_equal(stun_msg_check_fingerprint(&m), 0);
	assert_int_equal(stun_msg_check_integrity(&m, (const uint8_t *)PWD, strlen(PWD)), 0);
	assert_int_equal(stun_msg_xor_addr(&m, &mapped), 0);
	assert_int_equal(mapped.ss_family, me->ss_family);
	assert_int_equal(sa_port(&mapped), sa_port(me));
	if (me->ss_family == AF_INET6)
		assert_memory_equal(&((struct sockaddr_in6 *)&mapped)->sin6_addr,
				    &in6addr_loopback, 16);
	else
		assert_int_equal(((struct sockaddr_in *)&mapped)->sin_addr.s_addr,
				 htonl(INADDR_LOOPBACK));
}

static struct relay *relay_dual(struct dtls_ctx *dtls)
{
	struct relay_cfg cfg = {
		.bind_addr = "127.0.0.1",
		.bind_addr_alt = "::1",
		.port_min = PORT_MIN,
		.port_max = PORT_MAX,
		.workers = 1,
		.dtls = dtls,
	};
	struct relay *r = NULL;

	assert_int_equal(relay_alloc(&r, &cfg), 0);
	return r;
}

static void ice_on(struct relay_call *c)
{
	struct relay_ice_cfg cfg = {
		.local_ufrag = LUFRAG,
		.local_pwd = PWD,
		.remote_ufrag = RUFRAG,
	};

	assert_int_equal(relay_leg_ice_set(c, RELAY_LEG_DTLS, &cfg), 0);
}

/* Checks on both sockets; media follows each nomination's family. */
static void test_nomination_moves_family(void **state)
{
	struct relay *r;
	struct relay_call *c = NULL, *plain = NULL;
	struct relay_call_stats st;
	struct sockaddr_storage a, b4, b6;
	int fa, fb4, fb6;
	uint16_t ports[2], p6 = 0, again = 0;

	NEED_IPV6();
	r = relay_dual(NULL);
	fa = lo_open(AF_INET, &a);
	fb4 = lo_open(AF_INET, &b4);
	fb6 = lo_open(AF_INET6, &b6);
	assert_true(fa >= 0 && fb4 >= 0 && fb6 >= 0);
	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	/* A call without ICE: one socket per leg. */
	assert_int_equal(relay_call_alloc(r, &plain, NULL, NULL), 0);
	assert_int_equal(relay_leg_alt_port(plain, RELAY_LEG_DTLS), 0);
	assert_int_equal(relay_leg_alt_port(plain, RELAY_LEG_SDES), 0);

	/* The second socket, on ::1; opening it again changes nothing, and
	 * the leg keeps its family from then on. */
	assert_int_equal(relay_leg_alt_open(c, RELAY_LEG_DTLS, &p6), 0);
	assert_int_not_equal(p6, 0);
	assert_int_equal(relay_leg_alt_port(c, RELAY_LEG_DTLS), p6);
	assert_int_equal(relay_leg_alt_open(c, RELAY_LEG_DTLS, &again), 0);
	assert_int_equal(again, p6);
	assert_int_equal(relay_leg_family(c, RELAY_LEG_DTLS), AF_INET);
	assert_int_equal(relay_leg_set_family(c, RELAY_LEG_DTLS, AF_INET6), -EBUSY);
	/* ICE muxes: no RTCP port beside a second socket. */
	assert_int_equal(relay_leg_set_rtcp_peer(c, RELAY_LEG_DTLS, (struct sockaddr *)&b4,
						 sizeof(struct sockaddr_in), false), -EINVAL);
	assert_int_equal(relay_leg_alt_open(c, 2, &again), -EINVAL);
	assert_int_equal(relay_leg_alt_open(NULL, RELAY_LEG_DTLS, &again), -EINVAL);
	assert_int_equal(relay_leg_port(c, RELAY_LEG_DTLS), ports[1]);
	assert_int_equal(relay_leg_set_peer(c, RELAY_LEG_SDES, (struct sockaddr *)&a,
					    sizeof(struct sockaddr_in), false), 0);
	ice_on(c);

	/* Both candidates answer, each from its own socket; nothing flows
	 * before a nomination. */
	check_answered(fb6, &b6, p6, false);
	check_answered(fb4, &b4, ports[1], false);
	assert_false(media_flows(fa, AF_INET, ports[0], fb6, p6, AF_INET6, 1));
	assert_false(media_flows(fa, AF_INET, ports[0], fb4, ports[1], AF_INET, 1));

	/* Nominated on ::1: media both ways over IPv6, from the ::1 socket;
	 * the IPv4 candidate's datagrams are not taken. */
	check_answered(fb6, &b6, p6, true);
	assert_true(media_flows(fa, AF_INET, ports[0], fb6, p6, AF_INET6, 20));
	assert_true(media_flows(fb6, AF_INET6, p6, fa, ports[0], AF_INET, 20));
	assert_false(media_flows(fb4, AF_INET, ports[1], fa, ports[0], AF_INET, 1));

	/* A later nomination on 127.0.0.1 moves it back to IPv4. */
	check_answered(fb4, &b4, ports[1], true);
	assert_true(media_flows(fa, AF_INET, ports[0], fb4, ports[1], AF_INET, 20));
	assert_true(media_flows(fb4, AF_INET, ports[1], fa, ports[0], AF_INET, 20));
	assert_false(media_flows(fb6, AF_INET6, p6, fa, ports[0], AF_INET, 1));
	{
		/* One more toward the DTLS side: at B4 only. */
		uint8_t buf[2048];
		struct sockaddr_storage src;

		assert_false(media_flows(fa, AF_INET, ports[0], fb6, p6, AF_INET6, 1));
		assert_int_equal(recv_from(fb4, buf, sizeof(buf), 1000, &src), 12);
	}

	/* ... and one more on ::1 relearns IPv6. */
	check_answered(fb6, &b6, p6, true);
	assert_true(media_flows(fa, AF_INET, ports[0], fb6, p6, AF_INET6, 5));
	assert_true(media_flows(fb6, AF_INET6, p6, fa, ports[0], AF_INET, 5));

	assert_int_equal(relay_call_stats(c, &st), 0);
	/* What ktrsbc-ctl shows: the socket the leg sends from. */
	assert_int_equal(st.send_family[RELAY_LEG_DTLS], AF_INET6);
	assert_int_equal(st.send_port[RELAY_LEG_DTLS], p6);
	assert_int_equal(st.send_family[RELAY_LEG_SDES], AF_INET);
	assert_int_equal(st.send_port[RELAY_LEG_SDES], ports[0]);
	assert_int_equal(st.ice[RELAY_LEG_DTLS].nominations, 3);
	assert_int_equal(st.ice[RELAY_LEG_DTLS].verdict[STUN_ICE_NOMINATED], 3);
	assert_int_equal(st.ice[RELAY_LEG_DTLS].verdict[STUN_ICE_VALID], 2);
	/* 20 + 21 + 5 packets from the UA's side after a nomination, every
	 * one forwarded. */
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_pkts, 46);
	assert_int_equal(st.leg[RELAY_LEG_SDES].fwd_errs, 0);

	/* ICE off (an answer without ICE): media goes back to the leg's
	 * family, from its first socket. */
	assert_int_equal(relay_leg_ice_set(c, RELAY_LEG_DTLS, NULL), 0);
	assert_int_equal(relay_leg_set_peer(c, RELAY_LEG_DTLS, (struct sockaddr *)&b4,
					    sizeof(struct sockaddr_in), false), 0);
	assert_true(media_flows(fa, AF_INET, ports[0], fb4, ports[1], AF_INET, 3));
	assert_int_equal(relay_call_stats(c, &st), 0);
	assert_int_equal(st.send_family[RELAY_LEG_DTLS], AF_INET);
	assert_int_equal(st.send_port[RELAY_LEG_DTLS], ports[1]);
	relay_call_free(plain);
	relay_call_free(c);
	relay_free(r);
	close(fa);
	close(fb4);
	close(fb6);
}

/* A relay with one media address: no second socket to open. */
static void test_one_family(void **state)
{
	struct relay_cfg cfg = { .bind_addr = "127.0.0.1", .port_min = PORT_MIN,
				 .port_max = PORT_MAX, .workers = 1 };
	struct relay *r = NULL;
	struct relay_call *c = NULL;
	uint16_t p = 0;

	assert_int_equal(relay_alloc(&r, &cfg), 0);
	assert_int_equal(relay_call_alloc(r, &c, NULL, NULL), 0);
	assert_int_equal(relay_leg_alt_open(c, RELAY_LEG_DTLS, &p), -EAFNOSUPPORT);
	assert_int_equal(relay_leg_alt_port(c, RELAY_LEG_DTLS), 0);
	relay_call_free(c);
	relay_free(r);
	(void)state;
}

/* The first byte of a DTLS handshake record (RFC 6347 4.1: content type
 * 22) from the relay's port `via` of family fam, within ms. */
static bool dtls_flight_from(int fd, uint16_t via, int fam, int ms)
{
	uint8_t buf[2048];
	struct sockaddr_storage src;
	ssize_t n;

	while ((n = recv_from(fd, buf, sizeof(buf), ms, &src)) >= 0) {
		if (n > 13 && buf[0] == 22) {
			assert_int_equal(src.ss_family, fam);
			assert_int_equal(sa_port(&src), via);
			return true;
		}
	}
	return false;
}

/* A DTLS client deferred until the nomination sends its flight from the
 * nominated family's socket, and its retransmissions follow a later
 * nomination to the other family. */
static void test_dtls_follows(void **state)
{
	struct dtls_ctx *ctx, *peer;
	struct relay *r;
	struct relay_call *c = NULL;
	struct sockaddr_storage a, b4, b6;
	int fa, fb4, fb6;
	uint16_t ports[2], p6 = 0;

	NEED_IPV6();
	ctx = dtlst_ctx_new(NULL, 0, 0, 0);
	peer = dtlst_ctx_new(NULL, 0, 0, 0);
	r = relay_dual(ctx);
	fa = lo_open(AF_INET, &a);
	fb4 = lo_open(AF_INET, &b4);
	fb6 = lo_open(AF_INET6, &b6);
	assert_true(fa >= 0 && fb4 >= 0 && fb6 >= 0);
	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	assert_int_equal(relay_leg_alt_open(c, RELAY_LEG_DTLS, &p6), 0);
	assert_int_equal(relay_leg_set_peer(c, RELAY_LEG_SDES, (struct sockaddr *)&a,
					    sizeof(struct sockaddr_in), false), 0);
	ice_on(c);
	assert_int_equal(relay_leg_dtls_start(c, RELAY_LEG_DTLS, DTLS_ROLE_CLIENT,
					      dtls_ctx_fingerprint(peer), false), 0);
	/* Nothing before the nomination. */
	assert_false(dtls_flight_from(fb6, p6, AF_INET6, 300));
	check_answered(fb6, &b6, p6, true);
	assert_true(dtls_flight_from(fb6, p6, AF_INET6, 2000));
	/* Nobody answers it: the retransmissions go to the IPv4 candidate
	 * once nominated (OpenSSL's timer doubles from 1 s). */
	check_answered(fb4, &b4, ports[1], true);
	assert_true(dtls_flight_from(fb4, ports[1], AF_INET, 5000));
	relay_call_free(c);
	relay_free(r);
	dtls_ctx_free(ctx);
	dtls_ctx_free(peer);
	close(fa);
	close(fb4);
	close(fb6);
}

/* aioice's agent on hosts ("127.0.0.1,::1") toward the relay ports
 * ("P4,P6"), echoing one datagram: once the leg is nominated, RTP from A
 * (to the relay's port `to`) must come back to A identical. The agent's
 * output is copied to *out. */
static void aioice_echo(struct relay_call *c, const char *hosts, const char *ports,
			int fa, uint16_t to, char *out, size_t cap)
{
	char log[] = "/tmp/test_relay_ice_dual.XXXXXX";
	uint8_t p[200], got[2048];
	uint64_t end = clk_now_ms() + 15000;
	unsigned nom0, sent = 0;
	bool echoed = false;
	int lfd, st = 0;
	size_t n;
	pid_t pid;
	FILE *f;
	struct relay_call_stats cs;

	assert_int_equal(relay_call_stats(c, &cs), 0);
	nom0 = (unsigned)cs.ice[RELAY_LEG_DTLS].nominations;
	lfd = mkstemp(log);
	assert_true(lfd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(lfd, 1);
		dup2(lfd, 2);
		execlp("timeout", "timeout", "25", "/usr/bin/python3",
		       "tests/integ/stun_aioice_peer.py", "--agent", "--echo", hosts, ports,
		       LUFRAG, RUFRAG, PWD, (char *)NULL);
		_exit(127);
	}
	lo_udp_rtp(p, sizeof(p), 99, RTP_SSRC);
	while (!echoed && clk_now_ms() < end) {
		struct sockaddr_storage src;
		ssize_t r;

		assert_int_equal(relay_call_stats(c, &cs), 0);
		if (cs.ice[RELAY_LEG_DTLS].nominations == nom0) {
			usleep(50000);
			continue;
		}
		/* Nominated: toward the agent until it echoes. */
		send_to(fa, AF_INET, to, p, sizeof(p));
		sent++;
		r = recv_from(fa, got, sizeof(got), 200, &src);
		if (r == (ssize_t)sizeof(p) && memcmp(got, p, sizeof(p)) == 0 &&
		    sa_port(&src) == to)
			echoed = true;
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	f = fdopen(lfd, "r");
	assert_non_null(f);
	rewind(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
	unlink(log);
	/* Each line as a TAP comment: the agent's "ok ..." lines are not
	 * test results. */
	print_message("# aioice (%u packets sent):\n", sent);
	for (char *line = out, *nl; *line; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		print_message("#   %.*s\n", (int)(nl ? nl - line : (ptrdiff_t)strlen(line)), line);
	}
	assert_true(echoed);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* aioice with a candidate per family: both pairs answered, one nominated,
 * media through it; then an agent of the other family moves it there. */
static void test_aioice_dual(void **state)
{
	struct relay *r;
	struct relay_call *c = NULL;
	struct relay_call_stats st;
	struct sockaddr_storage a;
	char ps[16], out[2048];
	uint16_t ports[2], p6 = 0;
	bool on6;
	int fa;

	NEED_IPV6();
	if (system("/usr/bin/python3 -c 'import aioice' >/dev/null 2>&1") != 0)
		skip();
	r = relay_dual(NULL);
	fa = lo_open(AF_INET, &a);
	assert_true(fa >= 0);
	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	assert_int_equal(relay_leg_alt_open(c, RELAY_LEG_DTLS, &p6), 0);
	assert_int_equal(relay_leg_set_peer(c, RELAY_LEG_SDES, (struct sockaddr *)&a,
					    sizeof(struct sockaddr_in), false), 0);
	{
		/* aioice's ufrag is its own (random): the relay does not
		 * know it, as before an answer. */
		struct relay_ice_cfg cfg = { .local_ufrag = LUFRAG, .local_pwd = PWD };

		assert_int_equal(relay_leg_ice_set(c, RELAY_LEG_DTLS, &cfg), 0);
	}
	snprintf(ps, sizeof(ps), "%u,%u", ports[1], p6);
	aioice_echo(c, "127.0.0.1,::1", ps, fa, ports[0], out, sizeof(out));
	assert_non_null(strstr(out, "ok pairs: "));
	on6 = strstr(out, "nominated ::1") != NULL;
	assert_int_equal(relay_call_stats(c, &st), 0);
	assert_true(st.ice[RELAY_LEG_DTLS].nominated);
	/* At least one answered check per pair. */
	assert_true(st.ice[RELAY_LEG_DTLS].verdict[STUN_ICE_VALID] +
		    st.ice[RELAY_LEG_DTLS].verdict[STUN_ICE_NOMINATED] >= 2);

	/* The other family alone: nominated there, media follows. */
	snprintf(ps, sizeof(ps), "%u", on6 ? ports[1] : p6);
	aioice_echo(c, on6 ? "127.0.0.1" : "::1", ps, fa, ports[0], out, sizeof(out));
	assert_non_null(strstr(out, on6 ? "nominated 127.0.0.1" : "nominated ::1"));
	relay_call_free(c);
	relay_free(r);
	close(fa);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nomination_moves_family),
		cmocka_unit_test(test_one_family),
		cmocka_unit_test(test_dtls_follows),
		cmocka_unit_test(test_aioice_dual),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

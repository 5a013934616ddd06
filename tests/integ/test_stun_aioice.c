/*
 * Interop of the ICE-lite responder (src/stun/) with an independent STUN
 * implementation: aioice (Debian's python3-aioice) writes the connectivity
 * checks of a full ICE agent and verifies our answers
 * (tests/integ/stun_aioice_peer.py), over UDP on 127.0.0.1 and ::1. Our
 * responder must accept aioice's requests (its MESSAGE-INTEGRITY and
 * FINGERPRINT), refuse its forged one silently, and aioice must accept our
 * success and error responses. Then aioice's own full ICE agent connects
 * to the responder (role switch on our 487, nomination, a consent check).
 * The peer runs under timeout(1) and is
 * waited for by PID. Skipped, with the reason, where python3-aioice or
 * IPv6 loopback is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "base/clk.h"
#include "stun/stun.h"

/* Debian's interpreter: python3-aioice installs for it (a python3 found
 * first on PATH, e.g. a pyenv one, may not see it). */
#define PY "/usr/bin/python3"
#define PEER "tests/integ/stun_aioice_peer.py"
#define PEER_TIMEOUT "20"
#define WAIT_MS 25000
#define LUFRAG "Lite"
#define RUFRAG "aioi"
#define PWD "ktrsbcLitePassword+0123/x"

static bool have_aioice(void)
{
	return system(PY " -c 'import aioice.stun' >/dev/null 2>&1") == 0;
}

static pid_t peer_start(bool agent, const char *host, uint16_t port,
			const char *log)
{
	char ps[8];
	pid_t pid;
	int fd;

	snprintf(ps, sizeof(ps), "%u", port);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if (agent)
			execlp("timeout", "timeout", PEER_TIMEOUT, PY, PEER,
			       "--agent", host, ps, LUFRAG, RUFRAG, PWD,
			       (char *)NULL);
		else
			execlp("timeout", "timeout", PEER_TIMEOUT, PY, PEER,
			       host, ps, LUFRAG, RUFRAG, PWD, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void log_print(const char *log)
{
	char line[256];
	FILE *f = fopen(log, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		print_message("# aioice: %s", line);
	fclose(f);
}

/* What the responder's side saw. */
struct seen {
	bool any;
	struct sockaddr_storage first; /* source of the first datagram */
	uint64_t nom_ms; /* time of the first nomination, 0: none */
};

/* Serve the peer's checks until it exits; its exit status. */
static int serve(struct stun_ice *ice, int fd, pid_t pid, struct seen *sn)
{
	uint64_t end = clk_now_ms() + WAIT_MS;
	uint8_t pkt[STUN_MSG_MAX + 1], out[STUN_MSG_MAX];
	int st = 0;

	while (clk_now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_storage src;
		socklen_t sl = sizeof(src);
		struct stun_ice_result r;
		ssize_t n;

		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		if (poll(&p, 1, 50) <= 0)
			continue;
		n = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&src,
			     &sl);
		if (n < 0)
			continue;
		if (!sn->any) {
			sn->first = src;
			sn->any = true;
		}
		assert_int_equal(stun_ice_input(ice, pkt, (size_t)n,
						(struct sockaddr *)&src, sl,
						clk_now_ms(), out, sizeof(out),
						&r),
				 0);
		if (r.verdict == STUN_ICE_NOMINATED && !sn->nom_ms)
			sn->nom_ms = clk_now_ms();
		print_message("# responder: %s, %zu-byte answer\n",
			      stun_ice_verdict_name(r.verdict), r.resp_len);
		if (r.resp_len)
			assert_int_equal(sendto(fd, out, r.resp_len, 0,
						(struct sockaddr *)&src, sl),
					 (ssize_t)r.resp_len);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* A socket bound to host on a free port (skips where IPv6 loopback is
 * missing); the port in *port. */
static int bind_host(int family, const char *host, uint16_t *port)
{
	struct sockaddr_storage me;
	socklen_t ml;
	int fd;

	memset(&me, 0, sizeof(me));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&me;

		a->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, host, &a->sin_addr), 1);
		ml = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&me;

		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, host, &a->sin6_addr), 1);
		ml = sizeof(*a);
	}
	fd = socket(family, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	if (bind(fd, (struct sockaddr *)&me, ml) != 0) {
		int e = errno;

		close(fd);
		if (family == AF_INET6) {
			print_message("# no IPv6 loopback here: %s\n",
				      strerror(e));
			skip();
		}
		fail_msg("bind %s: %s", host, strerror(e));
	}
	assert_int_equal(getsockname(fd, (struct sockaddr *)&me, &ml), 0);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&me)->sin_port
					: ((struct sockaddr_in6 *)&me)->sin6_port);
	return fd;
}

/* Run the peer (checks, or --agent) against a fresh responder on host;
 * the responder and what it saw, after the peer exited 0. */
static struct stun_ice *run_peer(bool agent, int family, const char *host,
				 struct seen *sn)
{
	char log[] = "/tmp/stun_aioice.XXXXXX";
	struct stun_ice *ice = NULL;
	uint16_t port;
	int fd, lf, rc;

	if (!have_aioice()) {
		print_message("# python3-aioice not installed for " PY
			      " (scripts/deps.sh installs it)\n");
		skip();
	}
	fd = bind_host(family, host, &port);
	assert_int_equal(stun_ice_alloc(&ice), 0);
	assert_int_equal(stun_ice_set_creds(ice, LUFRAG, PWD, RUFRAG), 0);
	lf = mkstemp(log);
	assert_true(lf >= 0);
	close(lf);
	memset(sn, 0, sizeof(*sn));
	rc = serve(ice, fd, peer_start(agent, host, port, log), sn);
	log_print(log);
	unlink(log);
	close(fd);
	assert_int_equal(rc, 0);
	assert_true(sn->any);
	return ice;
}

static void run(int family, const char *host)
{
	struct sockaddr_storage nom;
	struct stun_ice *ice;
	struct seen sn;

	ice = run_peer(false, family, host, &sn);
	/* what our side saw of the same five checks */
	assert_int_equal(stun_ice_count(ice, STUN_ICE_VALID), 1);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_NOMINATED), 1);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_BAD_INTEGRITY), 1);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_ROLE_CONFLICT), 1);
	assert_int_equal(stun_ice_count(ice, STUN_ICE_UNKNOWN_ATTRIBUTE), 1);
	for (int v = STUN_ICE_MALFORMED; v <= STUN_ICE_UNKNOWN_USER; v++)
		assert_int_equal(stun_ice_count(ice, v), 0);
	/* the nominated address is the peer's */
	assert_int_equal(stun_ice_nominated(ice, &nom), 0);
	assert_memory_equal(&nom, &sn.first,
			    family == AF_INET ? sizeof(struct sockaddr_in)
					      : sizeof(struct sockaddr_in6));
	stun_ice_free(ice);
}

static void test_aioice_ipv4(void **state)
{
	(void)state;
	run(AF_INET, "127.0.0.1");
}

static void test_aioice_ipv6(void **state)
{
	(void)state;
	run(AF_INET6, "::1");
}

/* aioice's full ICE agent against the responder: started controlled, it
 * must switch on our 487, nominate (regular nomination, RFC 8445 8.1.1)
 * and connect; its consent check (RFC 7675) then renews consent. */
static void test_aioice_agent(void **state)
{
	struct sockaddr_storage nom;
	struct stun_ice *ice;
	struct seen sn;
	uint64_t last;

	(void)state;
	ice = run_peer(true, AF_INET, "127.0.0.1", &sn);
	assert_true(stun_ice_count(ice, STUN_ICE_ROLE_CONFLICT) >= 1);
	assert_true(stun_ice_count(ice, STUN_ICE_NOMINATED) >= 1);
	/* its first check in the controlling role, then consent checks */
	assert_true(stun_ice_count(ice, STUN_ICE_VALID) >= 2);
	for (int v = STUN_ICE_MALFORMED; v <= STUN_ICE_BAD_INTEGRITY; v++)
		assert_int_equal(stun_ice_count(ice, v), 0);
	assert_int_equal(stun_ice_nominated(ice, &nom), 0);
	assert_memory_equal(&nom, &sn.first, sizeof(struct sockaddr_in));
	/* a consent check from the nominated address came after the
	 * nomination (aioice: every 4-6 s) */
	last = stun_ice_last_valid_ms(ice);
	print_message("# consent renewed %llu ms after the nomination\n",
		      (unsigned long long)(last - sn.nom_ms));
	assert_true(sn.nom_ms > 0 && last >= sn.nom_ms + 3000);
	assert_false(stun_ice_consent_expired(ice, clk_now_ms()));
	assert_true(stun_ice_consent_expired(ice, last + STUN_CONSENT_TIMEOUT_MS));
	stun_ice_free(ice);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aioice_ipv4),
		cmocka_unit_test(test_aioice_ipv6),
		cmocka_unit_test(test_aioice_agent),
	};

	return cmocka_run_group_tests_name("stun_aioice", tests, NULL, NULL);
}

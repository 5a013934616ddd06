/*
 * ICE-lite in the relay (src/relay/relay_ice.c, relay_leg_ice_set) with
 * plain UDP peers on 127.0.0.1: a DTLS-side leg answers STUN Binding
 * requests (XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT, checked
 * with the password); checks failing the integrity or fingerprint check,
 * or naming another user, are dropped and counted; the peer's address is
 * learned only from a valid nominated check (USE-CANDIDATE), and moves on
 * a later nomination from elsewhere; consent (RFC 7675, a short timeout)
 * stops media toward the peer (not from it) and a valid check resumes it,
 * unless the leg's consent is off (a peer without RFC 7675 checks: media
 * goes on past the timeout, the expiry counted; a nomination still moves
 * it; required again, it stops); an ICE
 * restart (new credentials) refuses the old ones and keeps the nominated
 * pair until a new nomination. Then aioice's full ICE agent (Debian's
 * python3-aioice, tests/integ/stun_aioice_peer.py --agent) connects to a
 * relay leg and is nominated there. The checks are written with our STUN
 * builder (src/stun, itself checked against RFC 5769 and aioice).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
#include "relay/relay.h"
#include "stun/stun.h"
#include "tests/lib/lo_udp.h"

#define RTP_SSRC 0x11223344 /* the tests' RTP (lo_udp_rtp) */

#define PORT_MIN 46000
#define PORT_MAX 46999
#define LUFRAG "Lite"
#define RUFRAG "peer"
#define PWD "ktrsbcLitePassword+0123/x"
#define PWD2 "anotherLitePassword+456/y"

static struct relay *relay_new(void)
{
	/* A short media timeout: the worker's scan (consent) runs every
	 * 100 ms; the media-timeout events it posts are not read here. */
	struct relay_cfg cfg = {
		.bind_addr = "127.0.0.1",
		.port_min = PORT_MIN,
		.port_max = PORT_MAX,
		.workers = 1,
		.media_timeout_ms = 400,
	};
	struct relay *r = NULL;

	assert_int_equal(relay_alloc(&r, &cfg), 0);
	return r;
}

/* One RTP packet from fd_from to relay port `to` arrives at fd_to. */
static bool rtp_arrives(int fd_from, uint16_t to, int fd_to)
{
	uint8_t p[160], got[2048];
	ssize_t n;

	lo_udp_send(fd_from, to, p, lo_udp_rtp(p, sizeof(p), 7, RTP_SSRC));
	n = lo_udp_recv(fd_to, got, sizeof(got), 300, NULL);
	return n == (ssize_t)sizeof(p) && memcmp(got, p, sizeof(p)) == 0;
}

enum chk { CHK_PLAIN, CHK_NOMINATE, CHK_BAD_PWD, CHK_NO_FP, CHK_OTHER_USER };

/* A connectivity check (RFC 8445 7.2.2) as a controlling full agent writes
 * it: USERNAME "lufrag:RUFRAG", PRIORITY, ICE-CONTROLLING, [USE-CANDIDATE],
 * MESSAGE-INTEGRITY with pwd, FINGERPRINT. */
static size_t make_check(uint8_t *out, size_t cap, enum chk k,
			 const char *lufrag, const char *pwd, uint8_t tid[12])
{
	struct stun_builder b;
	char user[64];

	assert_int_equal(sec_random(tid, STUN_TID_LEN), 0);
	snprintf(user, sizeof(user), "%s:%s", k == CHK_OTHER_USER ? "Nope" : lufrag,
		 RUFRAG);
	assert_int_equal(stun_build_start(&b, out, cap, STUN_BINDING_REQUEST, tid), 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, user, strlen(user)), 0);
	assert_int_equal(stun_build_u32(&b, STUN_ATTR_PRIORITY, 0x6E7F1EFF), 0);
	assert_int_equal(stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLING, 0x1122334455667788ull), 0);
	if (k == CHK_NOMINATE)
		assert_int_equal(stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0), 0);
	if (k == CHK_BAD_PWD)
		pwd = "notTheRightPassword+000/";
	assert_int_equal(stun_build_integrity(&b, (const uint8_t *)pwd, strlen(pwd)), 0);
	if (k != CHK_NO_FP)
		assert_int_equal(stun_build_fingerprint(&b), 0);
	return stun_build_len(&b);
}

/* Send a check from fd (bound at *from) to relay port `to`; true when a
 * success response came back that authenticates with pwd, carries a good
 * FINGERPRINT, answers our transaction and maps us to *from. */
static bool check_answered(int fd, const struct sockaddr_in *from, uint16_t to,
			   enum chk k, const char *lufrag, const char *pwd)
{
	uint8_t req[256], resp[2048], tid[STUN_TID_LEN];
	struct sockaddr_storage mapped;
	struct stun_msg m;
	ssize_t n;

	lo_udp_send(fd, to, req, make_check(req, sizeof(req), k, lufrag, pwd, tid));
	n = lo_udp_recv(fd, resp, sizeof(resp), 300, NULL);
	if (n <= 0)
		return false;
	assert_int_equal(stun_msg_decode(&m, resp, (size_t)n), 0);
	assert_int_equal(m.type, STUN_BINDING_SUCCESS);
	assert_memory_equal(m.tid, tid, STUN_TID_LEN);
	assert_int_equal(stun_msg_check_fingerprint(&m), 0);
	assert_int_equal(stun_msg_check_integrity(&m, (const uint8_t *)pwd, strlen(pwd)), 0);
	assert_int_equal(stun_msg_xor_addr(&m, &mapped), 0);
	assert_int_equal(mapped.ss_family, AF_INET);
	assert_int_equal(((struct sockaddr_in *)&mapped)->sin_port, from->sin_port);
	assert_int_equal(((struct sockaddr_in *)&mapped)->sin_addr.s_addr,
			 from->sin_addr.s_addr);
	return true;
}

static void ice_on_policy(struct relay_call *c, const char *ufrag,
			  const char *pwd, uint32_t consent_ms, bool consent_off)
{
	struct relay_ice_cfg cfg = {
		.local_ufrag = ufrag,
		.local_pwd = pwd,
		.remote_ufrag = RUFRAG,
		.consent_ms = consent_ms,
		.consent_off = consent_off,
	};

	assert_int_equal(relay_leg_ice_set(c, RELAY_LEG_DTLS, &cfg), 0);
}

static void ice_on(struct relay_call *c, const char *ufrag, const char *pwd,
		   uint32_t consent_ms)
{
	ice_on_policy(c, ufrag, pwd, consent_ms, false);
}

static struct relay_ice_stats ice_stats(struct relay_call *c)
{
	struct relay_call_stats st;

	assert_int_equal(relay_call_stats(c, &st), 0);
	return st.ice[RELAY_LEG_DTLS];
}

/* Answering, the drops, nomination and a second nomination elsewhere. */
static void test_answer_and_nominate(void **state)
{
	struct relay *r = relay_new();
	struct relay_call *c = NULL;
	struct relay_ice_stats is;
	struct sockaddr_in a, b, x, sdp = lo_udp_addr(9);
	int fa = lo_udp_open(&a), fb = lo_udp_open(&b), fx = lo_udp_open(&x);
	uint16_t ports[2];
	uint8_t buf[256], tid[STUN_TID_LEN];

	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	assert_int_equal(relay_leg_set_peer(c, RELAY_LEG_SDES, (struct sockaddr *)&a,
					    sizeof(a), false), 0);
	/* An SDP address set before ICE is forgotten: only a nomination
	 * names the peer. */
	assert_int_equal(relay_leg_set_peer(c, RELAY_LEG_DTLS, (struct sockaddr *)&sdp,
					    sizeof(sdp), false), 0);
	ice_on(c, LUFRAG, PWD, 0);
	assert_true(ice_stats(c).on);

	/* Before any nomination nothing goes to B, nothing from B is taken. */
	assert_false(rtp_arrives(fa, ports[0], fb));
	assert_false(rtp_arrives(fb, ports[1], fa));
	/* A valid check is answered but nominates nothing. */
	assert_true(check_answered(fb, &b, ports[1], CHK_PLAIN, LUFRAG, PWD));
	assert_false(rtp_arrives(fa, ports[0], fb));
	/* Failing checks: no answer, counted by verdict. */
	assert_false(check_answered(fb, &b, ports[1], CHK_BAD_PWD, LUFRAG, PWD));
	assert_false(check_answered(fb, &b, ports[1], CHK_NO_FP, LUFRAG, PWD));
	assert_false(check_answered(fb, &b, ports[1], CHK_OTHER_USER, LUFRAG, PWD));
	/* A failing check with USE-CANDIDATE nominates nothing either. */
	lo_udp_send(fx, ports[1], buf, make_check(buf, sizeof(buf), CHK_BAD_PWD, LUFRAG, PWD, tid));
	assert_false(rtp_arrives(fa, ports[0], fb));
	is = ice_stats(c);
	assert_int_equal(is.verdict[STUN_ICE_VALID], 1);
	assert_int_equal(is.verdict[STUN_ICE_BAD_INTEGRITY], 2);
	assert_int_equal(is.verdict[STUN_ICE_BAD_FINGERPRINT], 1);
	assert_int_equal(is.verdict[STUN_ICE_UNKNOWN_USER], 1);
	assert_int_equal(is.nominations, 0);
	assert_false(is.nominated);

	/* Nominated: media both ways with B, and only with B. */
	assert_true(check_answered(fb, &b, ports[1], CHK_NOMINATE, LUFRAG, PWD));
	assert_true(rtp_arrives(fa, ports[0], fb));
	assert_true(rtp_arrives(fb, ports[1], fa));
	assert_false(rtp_arrives(fx, ports[1], fa));
	is = ice_stats(c);
	assert_true(is.nominated);
	assert_int_equal(is.nominations, 1);
	assert_int_equal(is.verdict[STUN_ICE_NOMINATED], 1);

	/* A later nomination from X moves the peer there. */
	assert_true(check_answered(fx, &x, ports[1], CHK_NOMINATE, LUFRAG, PWD));
	assert_true(rtp_arrives(fa, ports[0], fx));
	assert_true(rtp_arrives(fx, ports[1], fa));
	assert_false(rtp_arrives(fb, ports[1], fa));
	assert_int_equal(ice_stats(c).nominations, 2);

	/* ICE off again (an answer without ICE): STUN is dropped. */
	assert_int_equal(relay_leg_ice_set(c, RELAY_LEG_DTLS, NULL), 0);
	assert_false(check_answered(fb, &b, ports[1], CHK_PLAIN, LUFRAG, PWD));
	assert_false(ice_stats(c).on);
	relay_call_free(c);
	relay_free(r);
	close(fa);
	close(fb);
	close(fx);
}

/* RFC 7675 with a 600 ms consent: silence stops media toward the peer, a
 * valid check from it resumes it. */
static void test_consent(void **state)
{
	struct relay *r = relay_new();
	struct relay_call *c = NULL;
	struct relay_ice_stats is;
	struct sockaddr_in a, b;
	int fa = lo_udp_open(&a), fb = lo_udp_open(&b);
	uint16_t ports[2];
	uint64_t t0;

	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	assert_int_equal(relay_leg_set_peer(c, RELAY_LEG_SDES, (struct sockaddr *)&a,
					    sizeof(a), false), 0);
	ice_on(c, LUFRAG, PWD, 600);
	assert_true(check_answered(fb, &b, ports[1], CHK_NOMINATE, LUFRAG, PWD));
	t0 = clk_now_ms();
	/* Checks keep consent: media flows past the timeout. */
	while (clk_now_ms() < t0 + 1200) {
		assert_true(rtp_arrives(fa, ports[0], fb));
		assert_true(check_answered(fb, &b, ports[1], CHK_PLAIN, LUFRAG, PWD));
		usleep(100 * 1000);
	}
	assert_false(ice_stats(c).consent_lost);
	/* Silence: lost within the timeout and one scan. */
	usleep(900 * 1000);
	assert_false(rtp_arrives(fa, ports[0], fb));
	/* RFC 7675 stops sending only: what the peer sends still goes on. */
	assert_true(rtp_arrives(fb, ports[1], fa));
	is = ice_stats(c);
	assert_true(is.consent_lost);
	assert_int_equal(is.consent_losses, 1);
	assert_true(is.nominated);
	/* A valid check from the nominated address: consent again. */
	assert_true(check_answered(fb, &b, ports[1], CHK_PLAIN, LUFRAG, PWD));
	assert_true(rtp_arrives(fa, ports[0], fb));
	assert_true(rtp_arrives(fb, ports[1], fa));
	is = ice_stats(c);
	assert_false(is.consent_lost);
	assert_int_equal(is.nominations, 1);
	relay_call_free(c);
	relay_free(r);
	close(fa);
	close(fb);
}

/* Consent off (a peer that sends no RFC 7675 checks, as baresip 1.0)
 * beside consent required, 600 ms each, the same silence on both after
 * their nominations: media toward the required one's peer stops, toward
 * the other's it goes on, the expiry counted once; a valid check clears
 * it (the next silence counts again); a nomination from elsewhere still
 * moves the peer; the same leg with consent required again loses it. */
static void test_consent_off(void **state)
{
	struct relay *r = relay_new();
	struct relay_call *on = NULL, *off = NULL;
	struct relay_ice_stats is;
	struct sockaddr_in a, b, a2, b2, x;
	int fa = lo_udp_open(&a), fb = lo_udp_open(&b);
	int fa2 = lo_udp_open(&a2), fb2 = lo_udp_open(&b2), fx = lo_udp_open(&x);
	uint16_t pon[2], poff[2];

	assert_int_equal(relay_call_alloc(r, &on, NULL, pon), 0);
	assert_int_equal(relay_call_alloc(r, &off, NULL, poff), 0);
	assert_int_equal(relay_leg_set_peer(on, RELAY_LEG_SDES, (struct sockaddr *)&a,
					    sizeof(a), false), 0);
	assert_int_equal(relay_leg_set_peer(off, RELAY_LEG_SDES, (struct sockaddr *)&a2,
					    sizeof(a2), false), 0);
	ice_on_policy(on, LUFRAG, PWD, 600, false);
	ice_on_policy(off, LUFRAG, PWD, 600, true);
	assert_false(ice_stats(on).consent_off);
	assert_true(ice_stats(off).consent_off);
	assert_true(check_answered(fb, &b, pon[1], CHK_NOMINATE, LUFRAG, PWD));
	assert_true(check_answered(fb2, &b2, poff[1], CHK_NOMINATE, LUFRAG, PWD));
	/* Silence from both peers past the timeout and one scan. */
	usleep(1000 * 1000);
	assert_false(rtp_arrives(fa, pon[0], fb));
	assert_true(rtp_arrives(fb, pon[1], fa));
	assert_true(rtp_arrives(fa2, poff[0], fb2));
	assert_true(rtp_arrives(fb2, poff[1], fa2));
	is = ice_stats(on);
	assert_true(is.consent_lost);
	assert_int_equal(is.consent_losses, 1);
	assert_int_equal(is.consent_unenforced, 0);
	is = ice_stats(off);
	assert_false(is.consent_lost);
	assert_true(is.consent_overdue);
	assert_int_equal(is.consent_losses, 0);
	assert_int_equal(is.consent_unenforced, 1);
	/* Longer still: counted once per silence, media keeps going. */
	usleep(700 * 1000);
	assert_true(rtp_arrives(fa2, poff[0], fb2));
	assert_int_equal(ice_stats(off).consent_unenforced, 1);
	/* A valid check ends the silence; the next one counts again. */
	assert_true(check_answered(fb2, &b2, poff[1], CHK_PLAIN, LUFRAG, PWD));
	assert_false(ice_stats(off).consent_overdue);
	usleep(1000 * 1000);
	assert_true(rtp_arrives(fa2, poff[0], fb2));
	assert_int_equal(ice_stats(off).consent_unenforced, 2);
	/* A nomination from elsewhere still moves the peer. */
	assert_true(check_answered(fx, &x, poff[1], CHK_NOMINATE, LUFRAG, PWD));
	assert_true(rtp_arrives(fa2, poff[0], fx));
	assert_false(rtp_arrives(fb2, poff[1], fa2));
	assert_int_equal(ice_stats(off).nominations, 2);
	/* The same leg with consent required (a restart under that policy):
	 * the next silence stops media toward X. */
	ice_on_policy(off, "Lit2", PWD2, 600, false);
	usleep(1000 * 1000);
	assert_false(rtp_arrives(fa2, poff[0], fx));
	is = ice_stats(off);
	assert_true(is.consent_lost);
	assert_false(is.consent_off);
	assert_int_equal(is.consent_losses, 1);
	relay_call_free(on);
	relay_call_free(off);
	relay_free(r);
	close(fa);
	close(fb);
	close(fa2);
	close(fb2);
	close(fx);
}

/* RFC 8445 9: new credentials; the old ones are refused, the nominated
 * pair carries media until a new nomination. */
static void test_restart(void **state)
{
	struct relay *r = relay_new();
	struct relay_call *c = NULL;
	struct relay_ice_stats is;
	struct sockaddr_in a, b, x;
	int fa = lo_udp_open(&a), fb = lo_udp_open(&b), fx = lo_udp_open(&x);
	uint16_t ports[2];

	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	assert_int_equal(relay_leg_set_peer(c, RELAY_LEG_SDES, (struct sockaddr *)&a,
					    sizeof(a), false), 0);
	ice_on(c, LUFRAG, PWD, 0);
	assert_true(check_answered(fb, &b, ports[1], CHK_NOMINATE, LUFRAG, PWD));
	ice_on(c, "Lit2", PWD2, 0);
	assert_true(rtp_arrives(fa, ports[0], fb)); /* the pair stays */
	assert_false(check_answered(fb, &b, ports[1], CHK_PLAIN, LUFRAG, PWD));
	assert_true(check_answered(fx, &x, ports[1], CHK_NOMINATE, "Lit2", PWD2));
	assert_true(rtp_arrives(fa, ports[0], fx));
	is = ice_stats(c);
	assert_int_equal(is.restarts, 1);
	assert_int_equal(is.verdict[STUN_ICE_UNKNOWN_USER], 1);
	assert_int_equal(is.nominations, 2);
	/* Bad credentials change nothing. */
	{
		struct relay_ice_cfg bad = { .local_ufrag = "ab", .local_pwd = PWD };

		assert_int_equal(relay_leg_ice_set(c, RELAY_LEG_DTLS, &bad), -EINVAL);
		assert_true(check_answered(fx, &x, ports[1], CHK_PLAIN, "Lit2", PWD2));
	}
	assert_int_equal(relay_leg_ice_set(NULL, 1, NULL), -EINVAL);
	assert_int_equal(relay_leg_ice_set(c, 2, NULL), -EINVAL);
	relay_call_free(c);
	relay_free(r);
	close(fa);
	close(fb);
	close(fx);
}

/* aioice's full agent (controlling, regular nomination) against a relay
 * leg; nominated there, its address becomes the leg's peer. */
static void test_aioice_agent(void **state)
{
	struct relay *r;
	struct relay_call *c = NULL;
	struct relay_ice_stats is;
	struct sockaddr_in a;
	char ps[8], log[] = "/tmp/test_relay_ice.XXXXXX";
	uint16_t ports[2];
	int fa, st = 0, lfd;
	pid_t pid;

	if (system("/usr/bin/python3 -c 'import aioice' >/dev/null 2>&1") != 0)
		skip();
	r = relay_new();
	fa = lo_udp_open(&a);
	assert_int_equal(relay_call_alloc(r, &c, NULL, ports), 0);
	assert_int_equal(relay_leg_set_peer(c, RELAY_LEG_SDES, (struct sockaddr *)&a,
					    sizeof(a), false), 0);
	{
		/* aioice's ufrag is its own (random): the remote one is not
		 * known to the relay, as before an answer. */
		struct relay_ice_cfg cfg = { .local_ufrag = LUFRAG, .local_pwd = PWD };

		assert_int_equal(relay_leg_ice_set(c, RELAY_LEG_DTLS, &cfg), 0);
	}
	lfd = mkstemp(log);
	assert_true(lfd >= 0);
	snprintf(ps, sizeof(ps), "%u", ports[1]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(lfd, 1);
		dup2(lfd, 2);
		execlp("timeout", "timeout", "20", "/usr/bin/python3",
		       "tests/integ/stun_aioice_peer.py", "--agent", "127.0.0.1", ps,
		       LUFRAG, RUFRAG, PWD, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		char line[512];
		FILE *f = fdopen(lfd, "r");

		rewind(f);
		while (f && fgets(line, sizeof(line), f))
			fprintf(stderr, "# %s", line);
	}
	close(lfd);
	unlink(log);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	is = ice_stats(c);
	assert_true(is.nominated);
	assert_true(is.nominations >= 1);
	assert_true(is.verdict[STUN_ICE_NOMINATED] >= 1);
	/* the 487 that made it switch to controlling (RFC 8445 7.3.1.1) */
	assert_true(is.verdict[STUN_ICE_ROLE_CONFLICT] >= 1);
	relay_call_free(c);
	relay_free(r);
	close(fa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_and_nominate),
		cmocka_unit_test(test_consent),
		cmocka_unit_test(test_consent_off),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_aioice_agent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Integration tests for sip/ against a real peer: SIPp 3.6.1 (Debian
 * sip-tester), started here on 127.0.0.1, bounded by timeout(1) and only
 * its own PID waited for or killed. Scenarios: tests/sipp/sip_*.xml.
 *
 * SIPp as caller -> sip_ua callee: INVITE/200/ACK/BYE over UDP and TCP
 * (Debian's SIPp is built without TLS; TLS is covered between two sip_ua
 * in test_sip_ua.c), 20 calls at 10 cps, re-INVITE, CANCEL, a malformed SDP refused with
 * 488 and a Warning, OPTIONS answered 200 and Max-Forwards: 0 refused
 * with 483. sip_ua caller -> SIPp callee: answered then our BYE,
 * the callee's BYE, a 486.
 * Topology hiding (issue 5): SIPp checks by regexp that our requests and
 * responses (INVITE, ACK, BYE, 200, 483, the stack's OPTIONS 200) name
 * the product "ktrsbc" in User-Agent/Server and never "sofia"; that our
 * INVITE's From carries the display name and user we chose and the To
 * the target's user; and logs our Contact port, compared here with the
 * ua's. OPTIONS keepalive to a SIPp peer answering 200; the same with a
 * ua product of "sofia-sip/1.12" makes SIPp fail (the checks can fail).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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
#include <cmocka.h>

#include "base/clk.h"
#include "sip/sip.h"
#include "tests/lib/sip_fix.h"

/* See test_sip_ua.c: Sofia 1.12.11 leaks the SSL of each TLS connection. */
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void)
{
	return "leak:tls_init_secondary\nleak:tls_connect\n"
	       "leak:tls_init_master\nleak:tls_accept\n";
}

#define ANSWER "v=0\r\no=ktr 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n" \
	       "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"
#define REANSWER "v=0\r\no=ktr 2 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n" \
		 "t=0 0\r\nm=audio 5002 RTP/AVP 0\r\n"
#define OFFER "v=0\r\no=ktr 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n" \
	      "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
#define SIPP_TIMEOUT "60"

/* cfg.product of the next app_open (NULL: the default). */
static const char *g_product;

/* The test program's behaviour, as the brief for ktrua describes it:
 * request user "ring" only rings; an offer not starting with "v=0" gets
 * 488; anything else is answered. */
struct app {
	struct sip_loop *loop;
	struct sip_ua *ua;
	uint16_t port;
	int incoming, rejected, answered, confirmed, reoffers, ended;
	int ringing, bye_remote, bye_local, cancel_remote, reject_remote;
	int last_status;
	int bye_after_answer; /* caller side: BYE when answered */
	char tls_dir[64];
};

static int a_incoming(void *arg, struct sip_call *c, const char *sdp,
		      size_t len)
{
	struct app *a = arg;
	const struct sip_call_info *i = sip_call_info_get(c);

	a->incoming++;
	if (strncmp(sdp, "v=0", 3) != 0) {
		a->rejected++;
		return sip_call_reject(c, 488, "SDP does not start with v=0");
	}
	if (!strncmp(i->request_uri, "sip:ring@", 9) ||
	    !strncmp(i->request_uri, "sips:ring@", 10))
		return sip_call_progress(c, 180, NULL);
	return sip_call_answer(c, ANSWER);
}

static void a_ringing(void *arg, struct sip_call *c, int st, const char *sdp,
		      size_t len)
{
	((struct app *)arg)->ringing++;
}

static void a_answered(void *arg, struct sip_call *c, const char *sdp,
		       size_t len)
{
	struct app *a = arg;

	a->answered++;
	assert_non_null(sdp);
	assert_int_equal(strncmp(sdp, "v=0", 3), 0);
	if (a->bye_after_answer)
		assert_int_equal(sip_call_bye(c), 0);
}

static void a_confirmed(void *arg, struct sip_call *c)
{
	((struct app *)arg)->confirmed++;
}

static int a_reoffer(void *arg, struct sip_call *c, const char *sdp,
		     size_t len)
{
	((struct app *)arg)->reoffers++;
	return sip_call_answer(c, REANSWER);
}

static void a_ended(void *arg, struct sip_call *c, enum sip_end_cause cause,
		    int status, const char *reason)
{
	struct app *a = arg;

	a->ended++;
	a->last_status = status;
	if (cause == SIP_END_BYE_REMOTE)
		a->bye_remote++;
	else if (cause == SIP_END_BYE_LOCAL)
		a->bye_local++;
	else if (cause == SIP_END_CANCEL_REMOTE)
		a->cancel_remote++;
	else if (cause == SIP_END_REJECT_REMOTE)
		a->reject_remote++;
}

static const struct sip_ua_ops app_ops = {
	.incoming = a_incoming,
	.ringing = a_ringing,
	.answered = a_answered,
	.confirmed = a_confirmed,
	.reoffer = a_reoffer,
	.ended = a_ended,
};

static void app_open(struct app *a, bool tls)
{
	struct sip_ua_cfg cfg = { .bind_host = "127.0.0.1", .udp = true,
				  .tcp = true, .user = "ktr" };

	memset(a, 0, sizeof(*a));
	if (tls)
		sip_fix_tls_dir_make(a->tls_dir, sizeof(a->tls_dir),
				     "/tmp/test_sip_sipp.XXXXXX");
	assert_int_equal(sip_loop_alloc(&a->loop), 0);
	a->port = sip_fix_free_port();
	assert_int_not_equal(a->port, 0);
	cfg.port = a->port;
	cfg.tls = tls;
	cfg.tls_dir = tls ? a->tls_dir : NULL;
	cfg.product = g_product;
	assert_int_equal(sip_ua_alloc(&a->ua, a->loop, &cfg, &app_ops, a), 0);
}

static void app_close(struct app *a)
{
	sip_ua_free(a->ua);
	sip_loop_free(a->loop);
	sip_fix_tls_dir_rm(a->tls_dir);
}

/* Start SIPp (under timeout(1)) with the scenario and extra args; output
 * to a log file. Returns its PID. */
static pid_t sipp_start(const char *scenario, const char *log,
			const char *const *extra)
{
	const char *argv[40];
	char errf[160];
	int n = 0, fd;
	pid_t pid;

	argv[n++] = "timeout";
	argv[n++] = SIPP_TIMEOUT;
	argv[n++] = "sipp";
	argv[n++] = "-sf";
	argv[n++] = scenario;
	argv[n++] = "-i";
	argv[n++] = "127.0.0.1";
	argv[n++] = "-nostdin";
	argv[n++] = "-timeout";
	argv[n++] = "40s";
	snprintf(errf, sizeof(errf), "%s.err", log);
	argv[n++] = "-trace_err";
	argv[n++] = "-error_file";
	argv[n++] = errf;
	for (; *extra && n < 38; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static void sipp_logs_rm(const char *log)
{
	char errf[160];

	snprintf(errf, sizeof(errf), "%s.err", log);
	unlink(log);
	unlink(errf);
}

/* Run the loop until SIPp exits; its exit status (0: all calls passed). */
static int sipp_wait(struct app *a, pid_t pid, const char *log)
{
	uint64_t end = clk_now_ms() + 70000;
	int st = 0;
	pid_t r = 0;
	char cmd[300];

	while (clk_now_ms() < end) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		sip_loop_step(a->loop, 20);
	}
	if (r != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return -1;
	}
	/* let our side finish the last exchange (e.g. the 200 to a BYE) */
	for (int i = 0; i < 10; i++)
		sip_loop_step(a->loop, 20);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(cmd, sizeof(cmd), "tail -n 30 %s.err >&2; echo >&2", log);
		if (system(cmd) != 0)
			fprintf(stderr, "see %s\n", log);
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	}
	return 0;
}

/* Is SIPp listening on port (transport tcp or udp) yet? */
static bool port_taken(uint16_t port, int type)
{
	struct sockaddr_in s = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	int fd = socket(AF_INET, type, 0), one = 1;
	bool taken;

	s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	taken = bind(fd, (void *)&s, sizeof(s)) != 0;
	close(fd);
	return taken;
}

/* SIPp calls us with a scenario, `calls` calls at `rate` per second. */
static void uac_run(const char *scenario, const char *tp, int calls,
		    int rate, struct app *a)
{
	char remote[64], m[16], r[16], l[16], log[128], sport[8];
	const char *tflag = !strcmp(tp, "udp") ? "u1" :
			    !strcmp(tp, "tcp") ? "t1" : "l1";
	char cert[128], key[128];
	const char *extra[16];
	int n = 0;
	pid_t pid;

	snprintf(remote, sizeof(remote), "127.0.0.1:%u",
		 !strcmp(tp, "tls") ? a->port + 1u : a->port);
	snprintf(m, sizeof(m), "%d", calls);
	snprintf(r, sizeof(r), "%d", rate);
	snprintf(l, sizeof(l), "%d", calls);
	snprintf(log, sizeof(log), "/tmp/test_sip_sipp.%d.log", (int)getpid());
	extra[n++] = remote;
	extra[n++] = "-t";
	extra[n++] = tflag;
	extra[n++] = "-m";
	extra[n++] = m;
	extra[n++] = "-r";
	extra[n++] = r;
	extra[n++] = "-l";
	extra[n++] = l;
	snprintf(sport, sizeof(sport), "%u", sip_fix_free_port());
	extra[n++] = "-p";
	extra[n++] = sport;
	if (!strcmp(tp, "tls")) {
		snprintf(cert, sizeof(cert), "%s/cert.pem", a->tls_dir);
		snprintf(key, sizeof(key), "%s/key.pem", a->tls_dir);
		extra[n++] = "-tls_cert";
		extra[n++] = cert;
		extra[n++] = "-tls_key";
		extra[n++] = key;
	}
	extra[n] = NULL;
	pid = sipp_start(scenario, log, extra);
	assert_int_equal(sipp_wait(a, pid, log), 0);
	sipp_logs_rm(log);
}

static void sipp_calls_us(const char *tp, int calls, int rate)
{
	struct app a;

	app_open(&a, !strcmp(tp, "tls"));
	uac_run("tests/sipp/sip_uac_call.xml", tp, calls, rate, &a);
	assert_int_equal(a.incoming, calls);
	assert_int_equal(a.confirmed, calls);
	assert_int_equal(a.bye_remote, calls);
	assert_int_equal(a.ended, calls);
	assert_int_equal(sip_ua_call_count(a.ua), 0);
	app_close(&a);
}

static void test_uac_udp(void **state)
{
	sipp_calls_us("udp", 1, 10);
}

static void test_uac_tcp(void **state)
{
	sipp_calls_us("tcp", 1, 10);
}

static void test_uac_many_udp(void **state)
{
	sipp_calls_us("udp", 20, 10);
}

static void test_uac_many_tcp(void **state)
{
	sipp_calls_us("tcp", 20, 10);
}

static void test_uac_reinvite(void **state)
{
	struct app a;

	app_open(&a, false);
	uac_run("tests/sipp/sip_uac_reinvite.xml", "udp", 1, 10, &a);
	assert_int_equal(a.reoffers, 1);
	assert_int_equal(a.bye_remote, 1);
	app_close(&a);
}

static void test_uac_cancel(void **state)
{
	struct app a;

	app_open(&a, false);
	uac_run("tests/sipp/sip_uac_cancel.xml", "udp", 1, 10, &a);
	assert_int_equal(a.incoming, 1);
	assert_int_equal(a.cancel_remote, 1);
	assert_int_equal(a.confirmed, 0);
	app_close(&a);
}

static void test_uac_bad_sdp(void **state)
{
	struct app a;

	app_open(&a, false);
	uac_run("tests/sipp/sip_uac_bad_sdp.xml", "udp", 1, 10, &a);
	assert_int_equal(a.rejected, 1);
	assert_int_equal(a.ended, 1);
	/* still serving: a good call afterwards */
	uac_run("tests/sipp/sip_uac_call.xml", "udp", 1, 10, &a);
	assert_int_equal(a.confirmed, 1);
	app_close(&a);
}

static void test_uac_options_max_forwards(void **state)
{
	struct app a;

	app_open(&a, false);
	uac_run("tests/sipp/sip_uac_options_mf.xml", "udp", 1, 10, &a);
	assert_int_equal(a.incoming, 0);
	assert_int_equal(sip_ua_call_count(a.ua), 0);
	app_close(&a);
}

/* Start SIPp as UAS (-m 1) on a free port over tp and wait until it
 * listens; *sport gets the port. SIPp's <log> lines go to mlog. */
static pid_t uas_start(const char *scenario, const char *tp, const char *log,
		       const char *mlog, uint16_t *sport)
{
	char port[16];
	const char *extra[12];
	uint64_t end;
	int n = 0;
	pid_t pid;

	*sport = sip_fix_free_port();
	assert_int_not_equal(*sport, 0);
	snprintf(port, sizeof(port), "%u", *sport);
	extra[n++] = "-p";
	extra[n++] = port;
	extra[n++] = "-t";
	extra[n++] = !strcmp(tp, "tcp") ? "t1" : "u1";
	extra[n++] = "-m";
	extra[n++] = "1";
	extra[n++] = "-trace_logs";
	extra[n++] = "-log_file";
	extra[n++] = mlog;
	extra[n] = NULL;
	pid = sipp_start(scenario, log, extra);
	end = clk_now_ms() + 10000;
	while (!port_taken(*sport, !strcmp(tp, "tcp") ? SOCK_STREAM :
			   SOCK_DGRAM) && clk_now_ms() < end)
		usleep(20000);
	return pid;
}

/* We call SIPp (as callee with the scenario) over transport tp, with
 * INVITE parameters ip (may be NULL); SIPp must pass.
 * If mlog is not NULL, SIPp's log is kept there for the caller. */
static void uas_run_params(const char *scenario, const char *tp,
			   struct app *a, const struct sip_invite_params *ip,
			   const char *mlog_keep)
{
	char target[96], log[128], mlog[160];
	uint16_t sport;
	struct sip_call *c;
	uint64_t end;
	pid_t pid;

	snprintf(log, sizeof(log), "/tmp/test_sip_sipp.uas.%d.log",
		 (int)getpid());
	snprintf(mlog, sizeof(mlog), "%s", mlog_keep ? mlog_keep : log);
	if (!mlog_keep)
		strncat(mlog, ".msg", sizeof(mlog) - strlen(mlog) - 1);
	pid = uas_start(scenario, tp, log, mlog, &sport);
	snprintf(target, sizeof(target), "sip:sipp@127.0.0.1:%u;transport=%s",
		 sport, tp);
	assert_int_equal(sip_call_invite(a->ua, target, OFFER, ip, &c), 0);
	assert_int_equal(sipp_wait(a, pid, log), 0);
	end = clk_now_ms() + 5000;
	while (!a->ended && clk_now_ms() < end)
		sip_loop_step(a->loop, 20);
	sipp_logs_rm(log);
	if (!mlog_keep)
		unlink(mlog);
}

/* We call SIPp (as callee with the scenario) over transport tp. */
static void uas_run(const char *scenario, const char *tp, struct app *a)
{
	uas_run_params(scenario, tp, a, NULL, NULL);
}

/* What our INVITE reveals, checked by SIPp (tests/sipp/sip_uas_topo.xml);
 * the Contact port it logged is ours. */
static void test_uas_topology(void **state)
{
	struct sip_invite_params ip = { .from_user = "+4930123",
					.from_display = "Alice A. Smith" };
	char mlog[128], line[256], want[64];
	bool found = false;
	struct app a;
	FILE *f;

	snprintf(mlog, sizeof(mlog), "/tmp/test_sip_sipp.topo.%d.log",
		 (int)getpid());
	app_open(&a, false);
	a.bye_after_answer = 1;
	uas_run_params("tests/sipp/sip_uas_topo.xml", "udp", &a, &ip, mlog);
	assert_int_equal(a.answered, 1);
	assert_int_equal(a.bye_local, 1);
	snprintf(want, sizeof(want), "contact_port=%u", a.port);
	f = fopen(mlog, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, want))
			found = true;
	fclose(f);
	unlink(mlog);
	assert_true(found);
	app_close(&a);
}

struct optw {
	int n, status;
};

static void optw_cb(void *arg, int status)
{
	struct optw *w = arg;

	w->n++;
	w->status = status;
}

/* An OPTIONS keepalive to a SIPp peer answering 200; SIPp's exit status. */
static int options_to_sipp(struct app *a, struct optw *w)
{
	char target[96], log[128], mlog[160];
	uint16_t sport;
	uint64_t end;
	pid_t pid;
	int rc;

	snprintf(log, sizeof(log), "/tmp/test_sip_sipp.opt.%d.log",
		 (int)getpid());
	snprintf(mlog, sizeof(mlog), "%s.msg", log);
	pid = uas_start("tests/sipp/sip_uas_options.xml", "udp", log, mlog,
			&sport);
	snprintf(target, sizeof(target), "sip:sipp@127.0.0.1:%u", sport);
	assert_int_equal(sip_ua_options(a->ua, target, optw_cb, w), 0);
	rc = sipp_wait(a, pid, log);
	end = clk_now_ms() + 3000;
	while (!w->n && clk_now_ms() < end)
		sip_loop_step(a->loop, 20);
	sipp_logs_rm(log);
	unlink(mlog);
	return rc;
}

static void test_options_keepalive(void **state)
{
	struct optw w = { 0 };
	struct app a;

	app_open(&a, false);
	assert_int_equal(options_to_sipp(&a, &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.status, 200);
	assert_int_equal(sip_ua_options_count(a.ua), 0);
	app_close(&a);
}

/* The same checks fail when the product names Sofia: they can fail. */
static void test_options_product_checked(void **state)
{
	struct optw w = { 0 };
	struct app a;

	g_product = "sofia-sip/1.12";
	app_open(&a, false);
	g_product = NULL;
	assert_int_not_equal(options_to_sipp(&a, &w), 0);
	app_close(&a);
}

static void test_uas_answer_udp(void **state)
{
	struct app a;

	app_open(&a, false);
	a.bye_after_answer = 1;
	uas_run("tests/sipp/sip_uas_answer.xml", "udp", &a);
	assert_int_equal(a.ringing, 1);
	assert_int_equal(a.answered, 1);
	assert_int_equal(a.bye_local, 1);
	app_close(&a);
}

static void test_uas_answer_tcp(void **state)
{
	struct app a;

	app_open(&a, false);
	a.bye_after_answer = 1;
	uas_run("tests/sipp/sip_uas_answer.xml", "tcp", &a);
	assert_int_equal(a.answered, 1);
	assert_int_equal(a.bye_local, 1);
	app_close(&a);
}

static void test_uas_remote_bye(void **state)
{
	struct app a;

	app_open(&a, false);
	uas_run("tests/sipp/sip_uas_bye.xml", "udp", &a);
	assert_int_equal(a.answered, 1);
	assert_int_equal(a.bye_remote, 1);
	app_close(&a);
}

static void test_uas_busy(void **state)
{
	struct app a;

	app_open(&a, false);
	uas_run("tests/sipp/sip_uas_busy.xml", "udp", &a);
	assert_int_equal(a.answered, 0);
	assert_int_equal(a.reject_remote, 1);
	assert_int_equal(a.last_status, 486);
	app_close(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uac_udp),
		cmocka_unit_test(test_uac_tcp),
		cmocka_unit_test(test_uac_many_udp),
		cmocka_unit_test(test_uac_many_tcp),
		cmocka_unit_test(test_uac_reinvite),
		cmocka_unit_test(test_uac_cancel),
		cmocka_unit_test(test_uac_bad_sdp),
		cmocka_unit_test(test_uac_options_max_forwards),
		cmocka_unit_test(test_uas_answer_udp),
		cmocka_unit_test(test_uas_answer_tcp),
		cmocka_unit_test(test_uas_remote_bye),
		cmocka_unit_test(test_uas_busy),
		cmocka_unit_test(test_uas_topology),
		cmocka_unit_test(test_options_keepalive),
		cmocka_unit_test(test_options_product_checked),
	};

	if (system("command -v sipp >/dev/null 2>&1") != 0) {
		printf("1..1\nnot ok 1 - sipp not installed "
		       "(scripts/deps.sh installs sip-tester)\n");
		return 1;
	}
	return cmocka_run_group_tests_name("sip_sipp", tests, NULL, NULL);
}

/*
 * Integration tests for src/ctl: the control socket server on a real
 * sip_loop and real UNIX sockets in a private temporary directory, test
 * clients driven from the same thread, and the ktrsbc-ctl binary
 * ($BUILD/asan/tools/ktrsbc-ctl, BUILD defaulting to "build") run as a
 * child process while the loop is stepped.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/clk.h"
#include "ctl/ctl.h"
#include "sip/sip.h"

struct fx {
	char dir[64];
	char path[128];
	struct sip_loop *loop;
	unsigned calls; /* handler calls */
};

/* "echo X" -> X; "fail" -> status 3; "big N" -> N bytes; "huge" -> over
 * CTL_REPLY_MAX; anything else -> -EINVAL. */
static void handler(void *arg, const char *line, struct ctl_reply *r)
{
	struct fx *f = arg;

	f->calls++;
	if (strncmp(line, "echo ", 5) == 0) {
		assert_true(ctl_reply_printf(r, "%s\n", line + 5) >= 0);
	} else if (strcmp(line, "fail") == 0) {
		ctl_reply_printf(r, "it failed\n");
		ctl_reply_status(r, 3);
	} else if (strncmp(line, "big ", 4) == 0) {
		unsigned long n = strtoul(line + 4, NULL, 10), i;

		for (i = 0; i < n; i++)
			assert_int_equal(ctl_reply_printf(r, "%c",
							  'a' + (int)(i % 26)),
					 1);
	} else if (strcmp(line, "huge") == 0) {
		int err = 0;

		while (err >= 0)
			err = ctl_reply_printf(r, "%0*d", 1000, 7);
		assert_int_equal(err, -EMSGSIZE);
		assert_int_equal(ctl_reply_printf(r, "x"), -EMSGSIZE);
	} else {
		ctl_reply_printf(r, "unknown command '%s'\n", line);
		ctl_reply_status(r, -EINVAL);
	}
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/ktrctl-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/ctl.sock", f->dir);
	assert_int_equal(sip_loop_alloc(&f->loop), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sip_loop_free(f->loop);
	/* fails (and the test with it) if a file was left behind */
	assert_int_equal(rmdir(f->dir), 0);
	free(f);
	return 0;
}

/* ------------------------------------------------------- test clients */

struct tcli {
	int fd;
	char *buf;
	size_t len, cap;
	bool eof;
};

static void tcli_open(struct tcli *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)),
			 0);
}

static void tcli_send(struct tcli *c, const char *s, size_t len)
{
	assert_int_equal(send(c->fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void tcli_close(struct tcli *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

static void tcli_read(struct tcli *c)
{
	ssize_t n;

	for (;;) {
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 65536;
			c->buf = realloc(c->buf, c->cap + 1);
			assert_non_null(c->buf);
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n == 0)
			c->eof = true;
		else
			assert_true(errno == EAGAIN);
		break;
	}
	c->buf[c->len] = '\0';
}

/* Step the loop and read every client until all saw EOF (or 5 s). */
static void pump(struct fx *f, struct tcli *c, unsigned n, unsigned max_ms)
{
	uint64_t end = clk_now_ms() + max_ms;
	unsigned i, open;

	do {
		sip_loop_step(f->loop, 5);
		for (open = 0, i = 0; i < n; i++) {
			if (!c[i].eof)
				tcli_read(&c[i]);
			open += !c[i].eof;
		}
	} while (open && clk_now_ms() < end);
	for (i = 0; i < n; i++)
		assert_true(c[i].eof);
}

/* One request, one reply; the reply (head included) is in c->buf. */
static void ask(struct fx *f, struct tcli *c, const char *req)
{
	tcli_open(c, f->path);
	tcli_send(c, req, strlen(req));
	pump(f, c, 1, 5000);
}

static void steps(struct fx *f, unsigned n)
{
	while (n--)
		sip_loop_step(f->loop, 1);
}

/* -------------------------------------------------------------- tests */

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct ctl *c;
	struct tcli k;
	struct stat st;

	assert_int_equal(ctl_alloc(&c, f->loop, f->path, handler, f), 0);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	ask(f, &k, "echo hello world\n");
	assert_string_equal(k.buf, "OK\nhello world\n");
	tcli_close(&k);
	ask(f, &k, "fail\n");
	assert_string_equal(k.buf, "ERR 3\nit failed\n");
	tcli_close(&k);
	ask(f, &k, "nope\r\n"); /* CRLF accepted; negative errno status */
	assert_string_equal(k.buf, "ERR 22\nunknown command 'nope'\n");
	tcli_close(&k);
	/* a line ended by EOF rather than '\n' */
	tcli_open(&k, f->path);
	tcli_send(&k, "echo eof", 8);
	assert_int_equal(shutdown(k.fd, SHUT_WR), 0);
	pump(f, &k, 1, 5000);
	assert_string_equal(k.buf, "OK\neof\n");
	tcli_close(&k);
	/* bytes after the line are ignored (one command per connection) */
	ask(f, &k, "echo one\necho two\n");
	assert_string_equal(k.buf, "OK\none\n");
	tcli_close(&k);
	assert_int_equal(f->calls, 5);
	steps(f, 3);
	assert_int_equal(ctl_client_count(c), 0);
	ctl_free(c);
	assert_int_equal(lstat(f->path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_parallel(void **state)
{
	struct fx *f = *state;
	struct tcli k[10];
	struct ctl *c;
	char req[32], want[32];
	unsigned i;

	assert_int_equal(ctl_alloc(&c, f->loop, f->path, handler, f), 0);
	/* all connect, each sends half a line, then the rest in reverse */
	for (i = 0; i < 10; i++) {
		tcli_open(&k[i], f->path);
		tcli_send(&k[i], "echo ", 5);
	}
	steps(f, 5);
	assert_int_equal(ctl_client_count(c), 10);
	for (i = 10; i-- > 0;) {
		int n = snprintf(req, sizeof(req), "client-%u\n", i);

		tcli_send(&k[i], req, (size_t)n);
	}
	pump(f, k, 10, 5000);
	for (i = 0; i < 10; i++) {
		snprintf(want, sizeof(want), "OK\nclient-%u\n", i);
		assert_string_equal(k[i].buf, want);
		tcli_close(&k[i]);
	}
	assert_int_equal(ctl_client_count(c), 0);
	ctl_free(c);
}

static void test_bad_lines(void **state)
{
	struct fx *f = *state;
	char line[CTL_LINE_MAX + 64];
	struct ctl *c;
	struct tcli k;

	assert_int_equal(ctl_alloc(&c, f->loop, f->path, handler, f), 0);
	/* exactly CTL_LINE_MAX bytes: served */
	memcpy(line, "echo ", 5);
	memset(line + 5, 'x', CTL_LINE_MAX - 5);
	line[CTL_LINE_MAX] = '\n';
	tcli_open(&k, f->path);
	tcli_send(&k, line, CTL_LINE_MAX + 1);
	pump(f, &k, 1, 5000);
	assert_int_equal(k.len, 3 + CTL_LINE_MAX - 5 + 1);
	assert_memory_equal(k.buf, "OK\nxxx", 6);
	tcli_close(&k);
	/* one byte more: refused, handler not called */
	f->calls = 0;
	memset(line + 5, 'x', CTL_LINE_MAX + 1 - 5);
	line[CTL_LINE_MAX + 1] = '\n';
	tcli_open(&k, f->path);
	tcli_send(&k, line, CTL_LINE_MAX + 2);
	pump(f, &k, 1, 5000);
	assert_string_equal(k.buf, "ERR 90\ncommand line over 256 bytes\n");
	tcli_close(&k);
	/* far longer, no newline at all */
	memset(line, 'y', sizeof(line));
	tcli_open(&k, f->path);
	tcli_send(&k, line, sizeof(line));
	pump(f, &k, 1, 5000);
	assert_memory_equal(k.buf, "ERR 90\n", 7);
	tcli_close(&k);
	ask(f, &k, "\n");
	assert_string_equal(k.buf, "ERR 74\nempty command\n");
	tcli_close(&k);
	ask(f, &k, "echo a\001b\n");
	assert_string_equal(k.buf, "ERR 74\ncontrol character in command\n");
	tcli_close(&k);
	tcli_open(&k, f->path);
	tcli_send(&k, "echo a\0b\n", 9);
	pump(f, &k, 1, 5000);
	assert_memory_equal(k.buf, "ERR 74\n", 7);
	tcli_close(&k);
	assert_int_equal(f->calls, 0);
	/* the server still serves */
	ask(f, &k, "echo still\n");
	assert_string_equal(k.buf, "OK\nstill\n");
	tcli_close(&k);
	ctl_free(c);
}

static void test_large_reply(void **state)
{
	struct fx *f = *state;
	const size_t n = 700 * 1000; /* well over a socket buffer */
	struct ctl *c;
	struct tcli k;
	size_t i;

	assert_int_equal(ctl_alloc(&c, f->loop, f->path, handler, f), 0);
	tcli_open(&k, f->path);
	tcli_send(&k, "big 700000\n", 11);
	/* the reply cannot be written at once: the server must wait for
	 * SIP_FD_OUT while the client does not read */
	steps(f, 20);
	assert_int_equal(ctl_client_count(c), 1);
	pump(f, &k, 1, 10000);
	assert_int_equal(k.len, 3 + n);
	assert_memory_equal(k.buf, "OK\n", 3);
	for (i = 0; i < n; i++)
		if (k.buf[3 + i] != 'a' + (int)(i % 26))
			break;
	assert_int_equal(i, n);
	tcli_close(&k);
	/* over CTL_REPLY_MAX: an error instead of a cut reply */
	ask(f, &k, "huge\n");
	assert_string_equal(k.buf, "ERR 90\nreply over 1048576 bytes\n");
	tcli_close(&k);
	/* a client that leaves before reading a large reply */
	tcli_open(&k, f->path);
	tcli_send(&k, "big 700000\n", 11);
	steps(f, 10);
	tcli_close(&k);
	steps(f, 10);
	assert_int_equal(ctl_client_count(c), 0);
	ctl_free(c);
}

static void test_silent_clients(void **state)
{
	struct fx *f = *state;
	struct tcli k, idle;
	struct ctl *c;
	uint64_t t0;

	assert_int_equal(ctl_alloc(&c, f->loop, f->path, handler, f), 0);
	/* connects, sends nothing, leaves */
	tcli_open(&k, f->path);
	steps(f, 5);
	assert_int_equal(ctl_client_count(c), 1);
	tcli_close(&k);
	steps(f, 5);
	assert_int_equal(ctl_client_count(c), 0);
	/* half a line, then leaves */
	tcli_open(&k, f->path);
	tcli_send(&k, "echo par", 8);
	steps(f, 5);
	tcli_close(&k);
	steps(f, 5);
	assert_int_equal(ctl_client_count(c), 0);
	assert_int_equal(f->calls, 1); /* EOF ended its line */
	/* stays connected and silent: timed out, meanwhile others served */
	t0 = clk_now_ms();
	tcli_open(&idle, f->path);
	steps(f, 3);
	ask(f, &k, "echo busy\n");
	assert_string_equal(k.buf, "OK\nbusy\n");
	tcli_close(&k);
	pump(f, &idle, 1, CTL_IDLE_MS + 3000);
	assert_true(clk_now_ms() - t0 >= CTL_IDLE_MS);
	assert_string_equal(idle.buf, "ERR 110\nno command received\n");
	tcli_close(&idle);
	assert_int_equal(ctl_client_count(c), 0);
	ctl_free(c);
}

static void test_busy(void **state)
{
	struct fx *f = *state;
	struct tcli k[CTL_CLIENTS_MAX + 1];
	struct ctl *c;
	unsigned i;

	assert_int_equal(ctl_alloc(&c, f->loop, f->path, handler, f), 0);
	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		tcli_open(&k[i], f->path);
		steps(f, 2);
	}
	assert_int_equal(ctl_client_count(c), CTL_CLIENTS_MAX);
	tcli_open(&k[CTL_CLIENTS_MAX], f->path);
	pump(f, &k[CTL_CLIENTS_MAX], 1, 5000);
	assert_string_equal(k[CTL_CLIENTS_MAX].buf,
			    "ERR 16\nbusy: 16 connections open\n");
	tcli_close(&k[CTL_CLIENTS_MAX]);
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		tcli_send(&k[i], "echo x\n", 7);
	pump(f, k, CTL_CLIENTS_MAX, 5000);
	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		assert_string_equal(k[i].buf, "OK\nx\n");
		tcli_close(&k[i]);
	}
	ctl_free(c);
}

static void test_path_ownership(void **state)
{
	struct fx *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl *c, *c2;
	struct tcli k;
	struct stat st;
	char longp[200];
	int fd;

	/* a live server is never replaced */
	assert_int_equal(ctl_alloc(&c, f->loop, f->path, handler, f), 0);
	c2 = (struct ctl *)&c2;
	assert_int_equal(ctl_alloc(&c2, f->loop, f->path, handler, f),
			 -EADDRINUSE);
	assert_null(c2);
	ask(f, &k, "echo alive\n");
	assert_string_equal(k.buf, "OK\nalive\n");
	tcli_close(&k);
	ctl_free(c);
	assert_int_equal(lstat(f->path, &st), -1);

	/* a stale socket file (bound, nobody listening) is replaced */
	strcpy(sa.sun_path, f->path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_int_equal(ctl_alloc(&c, f->loop, f->path, handler, f), 0);
	ask(f, &k, "echo fresh\n");
	assert_string_equal(k.buf, "OK\nfresh\n");
	tcli_close(&k);
	/* ctl_free leaves alone a file that is no longer its own */
	assert_int_equal(unlink(f->path), 0);
	fd = open(f->path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	ctl_free(c);
	assert_int_equal(lstat(f->path, &st), 0);

	/* a file that is not a socket is refused, and kept */
	assert_int_equal(ctl_alloc(&c, f->loop, f->path, handler, f), -EEXIST);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(unlink(f->path), 0);

	/* bad arguments */
	assert_int_equal(ctl_alloc(NULL, f->loop, f->path, handler, f),
			 -EINVAL);
	assert_int_equal(ctl_alloc(&c, NULL, f->path, handler, f), -EINVAL);
	assert_int_equal(ctl_alloc(&c, f->loop, "", handler, f), -EINVAL);
	assert_int_equal(ctl_alloc(&c, f->loop, f->path, NULL, f), -EINVAL);
	memset(longp, 'p', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(ctl_alloc(&c, f->loop, longp, handler, f), -EMSGSIZE);
	snprintf(longp, sizeof(longp), "%s/no/such/dir.sock", f->dir);
	assert_int_equal(ctl_alloc(&c, f->loop, longp, handler, f), -ENOENT);
	ctl_free(NULL);
	assert_int_equal(ctl_client_count(NULL), 0);
	assert_int_equal(ctl_reply_printf(NULL, "x"), -EINVAL);
	ctl_reply_status(NULL, 1);
}

static void test_request_errors(void **state)
{
	struct fx *f = *state;
	char line[CTL_LINE_MAX + 2], *text = (char *)1;
	size_t len = 1;
	int st;

	assert_int_equal(ctl_request(f->path, "stats", 1000, &st, &text, &len),
			 -ENOENT);
	assert_null(text);
	assert_int_equal(len, 0);
	assert_int_equal(ctl_request(f->path, "", 0, &st, &text, &len),
			 -EINVAL);
	assert_int_equal(ctl_request(f->path, "a\nb", 0, &st, &text, &len),
			 -EINVAL);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(ctl_request(f->path, line, 0, &st, &text, &len),
			 -EMSGSIZE);
	assert_int_equal(ctl_request(NULL, "x", 0, &st, &text, &len), -EINVAL);
}

/* ------------------------------------------------ the ktrsbc-ctl binary */

struct run {
	char out[4096], err[4096];
	size_t olen, elen;
	int status;
};

static void drain_fd(int fd, char *buf, size_t *len, size_t cap)
{
	ssize_t n;

	while (*len < cap - 1 &&
	       (n = read(fd, buf + *len, cap - 1 - *len)) > 0)
		*len += (size_t)n;
	buf[*len] = '\0';
}

/* Run ktrsbc-ctl with argv (NULL-terminated, after argv[0]) while the
 * loop keeps serving. */
static void run_tool(struct fx *f, struct run *r, const char *const *args)
{
	const char *build = getenv("BUILD");
	char bin[256];
	const char *argv[16];
	int po[2], pe[2], wst;
	unsigned i;
	pid_t pid;
	uint64_t end;

	memset(r, 0, sizeof(*r));
	snprintf(bin, sizeof(bin), "%s/asan/tools/ktrsbc-ctl",
		 build && *build ? build : "build");
	assert_int_equal(access(bin, X_OK), 0);
	argv[0] = bin;
	for (i = 0; args[i]; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	end = clk_now_ms() + 20000;
	for (;;) {
		pid_t w;

		sip_loop_step(f->loop, 5);
		drain_fd(po[0], r->out, &r->olen, sizeof(r->out));
		drain_fd(pe[0], r->err, &r->elen, sizeof(r->err));
		w = waitpid(pid, &wst, WNOHANG);
		assert_true(w >= 0);
		if (w == pid)
			break;
		if (clk_now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &wst, 0);
			fail_msg("ktrsbc-ctl did not finish");
		}
	}
	drain_fd(po[0], r->out, &r->olen, sizeof(r->out));
	drain_fd(pe[0], r->err, &r->elen, sizeof(r->err));
	close(po[0]);
	close(pe[0]);
	assert_true(WIFEXITED(wst));
	r->status = WEXITSTATUS(wst);
}

static void test_tool(void **state)
{
	struct fx *f = *state;
	struct ctl *c;
	struct run r;
	char cfg[160], body[256], nopath[160];
	FILE *fp;

	assert_int_equal(ctl_alloc(&c, f->loop, f->path, handler, f), 0);
	run_tool(f, &r, (const char *[]){ "-s", f->path, "echo", "hello",
					  NULL });
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "hello\n");
	assert_string_equal(r.err, "");
	/* arguments after COMMAND pass through, options included */
	run_tool(f, &r, (const char *[]){ "-s", f->path, "echo", "-x", "a b",
					  NULL });
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "-x a b\n");
	run_tool(f, &r, (const char *[]){ "--socket", f->path, "fail", NULL });
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "it failed\n");
	/* the socket path from a configuration file */
	snprintf(cfg, sizeof(cfg), "%s/ktrsbc.conf", f->dir);
	snprintf(body, sizeof(body), "control_socket = %s\n", f->path);
	fp = fopen(cfg, "w");
	assert_non_null(fp);
	fputs(body, fp);
	fclose(fp);
	run_tool(f, &r, (const char *[]){ "-c", cfg, "echo", "viaconf",
					  NULL });
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "viaconf\n");
	/* a bad configuration file: usage error, with file:line */
	fp = fopen(cfg, "w");
	assert_non_null(fp);
	fputs("no_such_key = 1\n", fp);
	fclose(fp);
	run_tool(f, &r, (const char *[]){ "-c", cfg, "stats", NULL });
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "ktrsbc.conf:1:"));
	assert_int_equal(unlink(cfg), 0);
	/* no server there */
	snprintf(nopath, sizeof(nopath), "%s/none.sock", f->dir);
	run_tool(f, &r, (const char *[]){ "-s", nopath, "stats", NULL });
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "cannot connect to"));
	assert_non_null(strstr(r.err, "No such file or directory"));
	assert_non_null(strstr(r.err, "is ktrsbc running?"));
	/* usage */
	run_tool(f, &r, (const char *[]){ "--help", NULL });
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "calls"));
	assert_non_null(strstr(r.out, "stats"));
	assert_non_null(strstr(r.out, "reload"));
	run_tool(f, &r, (const char *[]){ "-s", f->path, NULL });
	assert_int_equal(r.status, 2);
	run_tool(f, &r, (const char *[]){ "-s", f->path, "-c", "x", "stats",
					  NULL });
	assert_int_equal(r.status, 2);
	ctl_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_parallel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lines, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_large_reply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_silent_clients, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_ownership, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_request_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tool, setup, teardown),
	};

	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}

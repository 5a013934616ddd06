/*
 * ctl: the control socket server (one sip_loop, level-triggered fd
 * watches, one sweep timer for idle connections) and ctl_request(), the
 * client's blocking exchange. Wire format and limits: ctl.h.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/clk.h"
#include "base/klog.h"
#include "ctl/ctl.h"
#include "sip/sip.h"

#define CTL_HEAD_MAX 24      /* "ERR 2147483647\n" */
#define CTL_DRAIN_MAX 65536  /* unread request bytes discarded on close */
#define CTL_SWEEP_MS (CTL_IDLE_MS / 5)

struct ctl_reply {
	char *buf;     /* text, NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	int status;    /* 0 OK, else the positive ERR code */
	bool overflow; /* went over CTL_REPLY_MAX */
};

struct ctl_conn {
	struct ctl *ctl;
	int fd;             /* -1: slot free */
	int reg;            /* sip_loop registration, 0 if none */
	bool writing;       /* the reply is being sent */
	uint64_t since_ms;  /* accept, or last write progress */
	char line[CTL_LINE_MAX + 2];
	size_t llen;
	struct ctl_reply r;
	char head[CTL_HEAD_MAX];
	size_t hlen;
	size_t off;         /* bytes of head + text written */
};

struct ctl {
	struct sip_loop *loop;
	int fd;
	int reg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	ctl_cmd_h h;
	void *arg;
	struct sip_timer *sweep;
	bool sweeping;
	unsigned n;
	struct ctl_conn conns[CTL_CLIENTS_MAX];
};

/* ------------------------------------------------------------ replies */

int ctl_reply_printf(struct ctl_reply *r, const char *fmt, ...)
{
	va_list ap;
	size_t room, need, ncap;
	char *nb;
	int n;

	if (!r || !fmt)
		return -EINVAL;
	if (r->overflow)
		return -EMSGSIZE;
	room = r->cap - r->len;
	va_start(ap, fmt);
	n = vsnprintf(r->buf ? r->buf + r->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < room) {
		r->len += (size_t)n;
		return n;
	}
	if ((size_t)n > CTL_REPLY_MAX - r->len) {
		r->overflow = true;
		return -EMSGSIZE;
	}
	need = r->len + (size_t)n + 1;
	ncap = r->cap ? r->cap : 4096;
	while (ncap < need)
		ncap *= 2;
	if (ncap > CTL_REPLY_MAX + 1)
		ncap = CTL_REPLY_MAX + 1;
	nb = realloc(r->buf, ncap);
	if (!nb)
		return -ENOMEM;
	r->buf = nb;
	r->cap = ncap;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, r->cap - r->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= r->cap - r->len)
		return -EINVAL; /* the arguments changed between the calls */
	r->len += (size_t)n;
	return n;
}

void ctl_reply_status(struct ctl_reply *r, int code)
{
	if (!r)
		return;
	if (code == INT_MIN)
		code = 1;
	r->status = code < 0 ? -code : code;
}

/* Replace whatever the reply holds by an error of the transport. */
static void reply_error(struct ctl_reply *r, int code, const char *msg)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
	ctl_reply_printf(r, "%s\n", msg);
	r->status = code;
}

/* ---------------------------------------------------------- connections */

static void on_conn(void *arg, int fd, unsigned events);

static void sweep_arm(struct ctl *c)
{
	if (c->sweeping || !c->n)
		return;
	if (sip_timer_start(c->sweep, CTL_SWEEP_MS) == 0)
		c->sweeping = true;
}

static void conn_close(struct ctl_conn *k)
{
	struct ctl *c = k->ctl;
	char junk[4096];
	size_t drained = 0;
	ssize_t n;

	if (k->reg > 0)
		sip_loop_fd_del(c->loop, k->reg);
	/* Unread request bytes at close would make the peer's read fail
	 * with ECONNRESET once it has read our reply: discard them. */
	while (drained < CTL_DRAIN_MAX &&
	       (n = recv(k->fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0)
		drained += (size_t)n;
	close(k->fd);
	free(k->r.buf);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
	c->n--;
}

/* Send what is left of head + text; close when done or on error. */
static void conn_write(struct ctl_conn *k)
{
	struct ctl *c = k->ctl;
	size_t total = k->hlen + k->r.len;

	while (k->off < total) {
		struct iovec iov[2];
		struct msghdr mh = { .msg_iov = iov };
		ssize_t n;

		if (k->off < k->hlen) {
			iov[0].iov_base = k->head + k->off;
			iov[0].iov_len = k->hlen - k->off;
			iov[1].iov_base = k->r.buf;
			iov[1].iov_len = k->r.len;
			mh.msg_iovlen = k->r.len ? 2 : 1;
		} else {
			iov[0].iov_base = k->r.buf + (k->off - k->hlen);
			iov[0].iov_len = total - k->off;
			mh.msg_iovlen = 1;
		}
		n = sendmsg(k->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (k->reg <= 0) {
				k->reg = sip_loop_fd_add(c->loop, k->fd,
							 SIP_FD_OUT, on_conn,
							 k);
				if (k->reg < 0) {
					klog(KLOG_WARN, "ctl: cannot watch a "
					     "connection: %d", k->reg);
					conn_close(k);
				}
			}
			return;
		}
		if (n <= 0) {
			klog(KLOG_DEBUG, "ctl: client went away before the "
			     "reply was written");
			conn_close(k);
			return;
		}
		k->off += (size_t)n;
		k->since_ms = clk_now_ms();
	}
	conn_close(k);
}

/* Stop reading, format the head and start writing the reply. */
static void conn_reply(struct ctl_conn *k)
{
	int n;

	if (k->reg > 0)
		sip_loop_fd_del(k->ctl->loop, k->reg);
	k->reg = 0;
	if (k->r.overflow) {
		char msg[64];

		snprintf(msg, sizeof(msg), "reply over %u bytes",
			 (unsigned)CTL_REPLY_MAX);
		reply_error(&k->r, EMSGSIZE, msg);
	}
	if (k->r.status)
		n = snprintf(k->head, sizeof(k->head), "ERR %d\n",
			     k->r.status);
	else
		n = snprintf(k->head, sizeof(k->head), "OK\n");
	k->hlen = (size_t)n;
	k->off = 0;
	k->writing = true;
	k->since_ms = clk_now_ms();
	conn_write(k);
}

/* A complete line of len bytes (without '\n') is in k->line. */
static void conn_line(struct ctl_conn *k, size_t len)
{
	size_t i;

	if (len && k->line[len - 1] == '\r')
		len--;
	k->line[len] = '\0';
	if (len == 0) {
		reply_error(&k->r, EBADMSG, "empty command");
		conn_reply(k);
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)k->line[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			reply_error(&k->r, EBADMSG,
				    "control character in command");
			conn_reply(k);
			return;
		}
	}
	k->ctl->h(k->ctl->arg, k->line, &k->r);
	conn_reply(k);
}

static void conn_read(struct ctl_conn *k)
{
	char *nl;
	ssize_t n;
	size_t room = CTL_LINE_MAX + 1 - k->llen;

	n = recv(k->fd, k->line + k->llen, room, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		conn_close(k);
		return;
	}
	if (n == 0) { /* EOF: a line without '\n' still counts */
		if (k->llen)
			conn_line(k, k->llen);
		else
			conn_close(k);
		return;
	}
	nl = memchr(k->line + k->llen, '\n', (size_t)n);
	k->llen += (size_t)n;
	if (nl && (size_t)(nl - k->line) <= CTL_LINE_MAX) {
		conn_line(k, (size_t)(nl - k->line));
		return;
	}
	if (k->llen > CTL_LINE_MAX) {
		char msg[64];

		snprintf(msg, sizeof(msg), "command line over %u bytes",
			 (unsigned)CTL_LINE_MAX);
		reply_error(&k->r, EMSGSIZE, msg);
		conn_reply(k);
	}
}

static void on_conn(void *arg, int fd, unsigned events)
{
	struct ctl_conn *k = arg;

	if (k->writing)
		conn_write(k);
	else
		conn_read(k);
}

/* Refuse a connection beyond CTL_CLIENTS_MAX: best-effort reply, close. */
static void conn_refuse(int fd)
{
	char msg[64];
	int n;

	n = snprintf(msg, sizeof(msg), "ERR %d\nbusy: %u connections open\n",
		     EBUSY, (unsigned)CTL_CLIENTS_MAX);
	if (send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		klog(KLOG_DEBUG, "ctl: busy reply not sent");
	close(fd);
}

static bool peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
		return false;
	return cr.uid == geteuid() || cr.uid == 0;
}

static void on_listen(void *arg, int fd, unsigned events)
{
	struct ctl *c = arg;
	unsigned i, accepted;

	for (accepted = 0; accepted < CTL_CLIENTS_MAX; accepted++) {
		struct ctl_conn *k = NULL;
		int cfd = accept4(fd, NULL, NULL,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				klog(KLOG_WARN, "ctl: accept: %s",
				     strerror(errno));
			break;
		}
		if (!peer_allowed(cfd)) {
			klog(KLOG_WARN, "ctl: connection from another user "
			     "refused");
			close(cfd);
			continue;
		}
		for (i = 0; i < CTL_CLIENTS_MAX; i++) {
			if (c->conns[i].fd < 0) {
				k = &c->conns[i];
				break;
			}
		}
		if (!k) {
			klog(KLOG_WARN, "ctl: %u connections open, refusing",
			     (unsigned)CTL_CLIENTS_MAX);
			conn_refuse(cfd);
			continue;
		}
		memset(k, 0, sizeof(*k));
		k->ctl = c;
		k->fd = cfd;
		k->since_ms = clk_now_ms();
		k->reg = sip_loop_fd_add(c->loop, cfd, SIP_FD_IN, on_conn, k);
		if (k->reg < 0) {
			klog(KLOG_WARN, "ctl: cannot watch a connection: %d",
			     k->reg);
			close(cfd);
			k->fd = -1;
			k->reg = 0;
			continue;
		}
		c->n++;
	}
	sweep_arm(c);
}

/* Close connections idle for CTL_IDLE_MS (no line yet, or a reply the
 * peer does not read). */
static void on_sweep(void *arg)
{
	struct ctl *c = arg;
	uint64_t now = clk_now_ms();
	unsigned i;

	c->sweeping = false;
	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct ctl_conn *k = &c->conns[i];

		if (k->fd < 0 || now - k->since_ms < CTL_IDLE_MS)
			continue;
		if (k->writing) {
			klog(KLOG_DEBUG, "ctl: reply not read, closing");
			conn_close(k);
		} else {
			reply_error(&k->r, ETIMEDOUT, "no command received");
			conn_reply(k);
		}
	}
	sweep_arm(c);
}

/* ------------------------------------------------------------- server */

static int path_addr(const char *path, struct sockaddr_un *sa)
{
	size_t len = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(sa->sun_path))
		return -EMSGSIZE;
	memcpy(sa->sun_path, path, len + 1);
	return 0;
}

/* Is there a server at path? 0: stale socket file (or none); -EADDRINUSE
 * live; -EEXIST not a socket; another negative errno. */
static int path_probe(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, err = 0;

	if (lstat(sa->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ||
	    errno == EAGAIN || errno == EINPROGRESS)
		err = -EADDRINUSE; /* accepted or backlog full: alive */
	else if (errno == ECONNREFUSED)
		err = unlink(sa->sun_path) == 0 || errno == ENOENT ? 0 : -errno;
	else if (errno != ENOENT)
		err = -errno;
	close(fd);
	return err;
}

static int ctl_listen(struct ctl *c)
{
	struct sockaddr_un sa;
	struct stat st;
	int err, tries;

	err = path_addr(c->path, &sa);
	if (err)
		return err;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	for (tries = 0;; tries++) {
		if (bind(c->fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		if (errno != EADDRINUSE || tries == 1)
			return -errno;
		err = path_probe(&sa);
		if (err)
			return err;
		klog(KLOG_INFO, "ctl: replacing stale socket %s", c->path);
	}
	/* 0600 before listen(): nobody can connect until then. */
	if (chmod(c->path, 0600) != 0 || lstat(c->path, &st) != 0) {
		err = -errno;
		unlink(c->path);
		return err;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (listen(c->fd, CTL_CLIENTS_MAX) != 0) {
		err = -errno;
		unlink(c->path);
		c->ino = 0;
		return err;
	}
	return 0;
}

int ctl_alloc(struct ctl **cp, struct sip_loop *loop, const char *path,
	      ctl_cmd_h handler, void *arg)
{
	struct ctl *c;
	unsigned i;
	int err;

	if (!cp)
		return -EINVAL;
	*cp = NULL;
	if (!loop || !path || !*path || !handler)
		return -EINVAL;
	if (strlen(path) >= sizeof(c->path))
		return -EMSGSIZE;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->h = handler;
	c->arg = arg;
	c->fd = -1;
	strcpy(c->path, path);
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		c->conns[i].fd = -1;
	err = sip_timer_alloc(&c->sweep, loop, on_sweep, c);
	if (err)
		goto fail;
	err = ctl_listen(c);
	if (err)
		goto fail;
	c->reg = sip_loop_fd_add(loop, c->fd, SIP_FD_IN, on_listen, c);
	if (c->reg < 0) {
		err = c->reg;
		c->reg = 0;
		goto fail;
	}
	klog(KLOG_INFO, "ctl: listening on %s", c->path);
	*cp = c;
	return 0;
fail:
	ctl_free(c);
	return err;
}

void ctl_free(struct ctl *c)
{
	struct stat st;
	unsigned i;

	if (!c)
		return;
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->conns[i].fd >= 0)
			conn_close(&c->conns[i]);
	if (c->reg > 0)
		sip_loop_fd_del(c->loop, c->reg);
	if (c->fd >= 0)
		close(c->fd);
	/* Unlink only our own file: another server may have replaced it. */
	if (c->ino && lstat(c->path, &st) == 0 && st.st_dev == c->dev &&
	    st.st_ino == c->ino)
		unlink(c->path);
	sip_timer_free(c->sweep);
	free(c);
}

unsigned ctl_client_count(const struct ctl *c)
{
	return c ? c->n : 0;
}

/* ------------------------------------------------------------- client */

/* Parse "OK\n" / "ERR <code>\n" at the start of buf; the text's offset. */
static int head_parse(const char *buf, size_t len, int *status, size_t *off)
{
	const char *nl;
	size_t i, hl;
	long v = 0;

	nl = memchr(buf, '\n', len < CTL_HEAD_MAX ? len : CTL_HEAD_MAX);
	if (!nl)
		return -EBADMSG;
	hl = (size_t)(nl - buf);
	*off = hl + 1;
	if (hl == 2 && memcmp(buf, "OK", 2) == 0) {
		*status = 0;
		return 0;
	}
	if (hl < 5 || memcmp(buf, "ERR ", 4) != 0)
		return -EBADMSG;
	for (i = 4; i < hl; i++) {
		if (buf[i] < '0' || buf[i] > '9' || v > INT_MAX / 10)
			return -EBADMSG;
		v = v * 10 + (buf[i] - '0');
	}
	if (v <= 0 || v > INT_MAX)
		return -EBADMSG;
	*status = (int)v;
	return 0;
}

static int req_send(int fd, const char *line, size_t len)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)line, .iov_len = len },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t total = len + 1, done = 0;

	while (done < total) {
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		done += (size_t)n;
		while (mh.msg_iovlen && (size_t)n >= mh.msg_iov[0].iov_len) {
			n -= (ssize_t)mh.msg_iov[0].iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov[0].iov_base = (char *)mh.msg_iov[0].iov_base + n;
			mh.msg_iov[0].iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* Read until EOF into a growing buffer, up to the head + CTL_REPLY_MAX. */
static int reply_read(int fd, uint64_t deadline, char **bufp, size_t *lenp)
{
	/* one byte over the largest reply tells a too-long one */
	size_t cap = 4096, len = 0, max = CTL_HEAD_MAX + CTL_REPLY_MAX + 1;
	char *buf = malloc(cap + 1), *nb;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = clk_now_ms();
		ssize_t n;
		int pr;

		if (now >= deadline) {
			err = -ETIMEDOUT;
			break;
		}
		pr = poll(&p, 1, (int)(deadline - now));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			err = -errno;
			break;
		}
		if (pr == 0)
			continue; /* the deadline check ends it */
		if (len == cap) {
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len >= max) {
			err = -EMSGSIZE;
			break;
		}
	}
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

int ctl_request(const char *path, const char *line, unsigned wait_ms,
		int *status, char **textp, size_t *lenp)
{
	struct sockaddr_un sa;
	struct timeval tv;
	uint64_t deadline;
	size_t llen, len, off;
	char *buf;
	int fd, err, serr;

	if (!path || !line || !status || !textp || !lenp)
		return -EINVAL;
	*textp = NULL;
	*lenp = 0;
	llen = strlen(line);
	if (llen == 0 || memchr(line, '\n', llen))
		return -EINVAL;
	if (llen > CTL_LINE_MAX)
		return -EMSGSIZE;
	err = path_addr(path, &sa);
	if (err)
		return err;
	if (!wait_ms)
		wait_ms = CTL_REQUEST_WAIT_MS;
	deadline = clk_now_ms() + wait_ms;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* connect() and send() wait at most wait_ms (a full backlog). */
	tv.tv_sec = wait_ms / 1000;
	tv.tv_usec = (wait_ms % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
		err = errno == EAGAIN ? -ETIMEDOUT : -errno;
		close(fd);
		return err;
	}
	/* A server that refuses us (busy) may close before reading: its
	 * reply may still be there to read, so a send error comes second. */
	serr = req_send(fd, line, llen);
	err = reply_read(fd, deadline, &buf, &len);
	close(fd);
	if (err)
		return serr ? serr : err;
	err = head_parse(buf, len, status, &off);
	if (err) {
		free(buf);
		return serr ? serr : err;
	}
	memmove(buf, buf + off, len - off + 1);
	*textp = buf;
	*lenp = len - off;
	return 0;
}

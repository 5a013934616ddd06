/*
 * relay: life cycle, worker threads and the two queues (relay.h).
 *
 * Each worker sleeps in epoll_wait on its legs' sockets and its command
 * eventfd. Leg readiness runs the forwarding path (relay_fwd.c) first;
 * commands are run after the batches of that wake-up, so a command that frees
 * a call can never leave a stale leg in the batch being handled. Timers (DTLS
 * retransmission, KTR retransmission, the media timeout scan) are computed
 * into epoll_wait's timeout.
 */
#include "relay/relay_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/clk.h"
#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"

#define RELAY_EPOLL_EVENTS 64
#define RELAY_PORT_MIN_DEFAULT 30000
#define RELAY_PORT_MAX_DEFAULT 39999

/* --- events -------------------------------------------------------------- */

static void efd_signal(int fd)
{
	uint64_t one = 1;

	/* Only fails when the counter would overflow: still readable. */
	if (write(fd, &one, sizeof(one)) < 0)
		return;
}

static void efd_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		return; /* EAGAIN: nothing was pending */
}

void relay_event_post(struct relay *r, const struct relay_event *ev)
{
	struct relay_evq *q = calloc(1, sizeof(*q));

	if (!q) {
		klog(KLOG_ERR, "relay: out of memory, event %s of call %llu lost",
		     relay_event_name(ev->type), (unsigned long long)ev->call_id);
		return;
	}
	q->ev = *ev;
	pthread_mutex_lock(&r->ev_mu);
	if (r->ev_tail)
		r->ev_tail->next = q;
	else
		r->ev_head = q;
	r->ev_tail = q;
	pthread_mutex_unlock(&r->ev_mu);
	efd_signal(r->ev_fd);
}

int relay_event_fd(const struct relay *r)
{
	return r ? r->ev_fd : -1;
}

/* The eventfd is cleared only when the queue is empty, under the lock, and
 * every post signals after it queued: a non-empty queue is never silent. */
int relay_event_next(struct relay *r, struct relay_event *ev)
{
	struct relay_evq *q;

	if (!r || !ev)
		return -EINVAL;
	pthread_mutex_lock(&r->ev_mu);
	q = r->ev_head;
	if (q) {
		r->ev_head = q->next;
		if (!r->ev_head)
			r->ev_tail = NULL;
	}
	if (!r->ev_head)
		efd_drain(r->ev_fd);
	pthread_mutex_unlock(&r->ev_mu);
	if (!q)
		return -EAGAIN;
	*ev = q->ev;
	sec_wipe(q, sizeof(*q));
	free(q);
	return 0;
}

void relay_event_wipe(struct relay_event *ev)
{
	if (ev)
		sec_wipe(ev, sizeof(*ev));
}

const char *relay_event_name(enum relay_event_type t)
{
	switch (t) {
	case RELAY_EV_DTLS_UP:
		return "dtls_up";
	case RELAY_EV_DTLS_FAILED:
		return "dtls_failed";
	case RELAY_EV_KTR_ACKED:
		return "ktr_acked";
	case RELAY_EV_KTR_GAVE_UP:
		return "ktr_gave_up";
	case RELAY_EV_KTR_REFUSED:
		return "ktr_refused";
	case RELAY_EV_KTR_PEER_KEY:
		return "ktr_peer_key";
	case RELAY_EV_MEDIA_TIMEOUT:
		return "media_timeout";
	}
	return "unknown";
}

/* --- commands ------------------------------------------------------------ */

int relay_cmd_run(struct relay_worker *w, struct relay_cmd *cmd)
{
	cmd->next = NULL;
	cmd->done = false;
	pthread_mutex_lock(&w->mu);
	if (w->stop) {
		pthread_mutex_unlock(&w->mu);
		return -ESHUTDOWN;
	}
	if (w->q_tail)
		w->q_tail->next = cmd;
	else
		w->q_head = cmd;
	w->q_tail = cmd;
	pthread_mutex_unlock(&w->mu);
	efd_signal(w->cmd_fd);
	pthread_mutex_lock(&w->mu);
	while (!cmd->done)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	return cmd->result;
}

/* Run every queued command; false once the worker must stop. */
static bool worker_commands(struct relay_worker *w)
{
	struct relay_cmd *q, *next;
	bool stop;

	efd_drain(w->cmd_fd);
	pthread_mutex_lock(&w->mu);
	q = w->q_head;
	w->q_head = w->q_tail = NULL;
	stop = w->stop;
	pthread_mutex_unlock(&w->mu);
	for (struct relay_cmd *c = q; c; c = c->next) {
		w->now_ms = clk_now_ms();
		relay_call_exec(w, c);
	}
	pthread_mutex_lock(&w->mu);
	for (struct relay_cmd *c = q; c; c = next) {
		next = c->next; /* c may vanish once done */
		c->done = true;
	}
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return !stop;
}

static uint32_t idle_interval(const struct relay *r)
{
	uint32_t t = r->cfg.media_timeout_ms / 4;

	if (t < 10)
		t = 10;
	return t > 1000 ? 1000 : t;
}

static void *worker_main(void *arg)
{
	struct relay_worker *w = arg;
	struct epoll_event evs[RELAY_EPOLL_EVENTS];
	uint32_t idle_ms = idle_interval(w->r);

	w->next_idle_check = clk_now_ms() + idle_ms;
	w->timer_due = UINT64_MAX;
	for (;;) {
		uint64_t now = clk_now_ms();
		uint64_t due = w->next_idle_check;
		bool cmd = false;
		int n, timeout;

		if (w->timers_dirty)
			due = now;
		else if (w->timer_due < due)
			due = w->timer_due;
		timeout = due <= now ? 0 : (int)(due - now);
		n = epoll_wait(w->epfd, evs, RELAY_EPOLL_EVENTS, timeout);
		if (n < 0 && errno != EINTR) {
			klog(KLOG_ERR, "relay: worker %u: epoll_wait: %s",
			     w->idx, err_str(-errno));
			break;
		}
		/* One clock read per wake-up: the batches below stamp their
		 * legs' last_rx_ms with it (media timeout granularity). */
		if (n > 0)
			w->now_ms = clk_now_ms();
		for (int i = 0; i < n; i++) {
			uintptr_t v = (uintptr_t)evs[i].data.ptr;

			/* A leg's socket, its low bit for alt_fd
			 * (relay_leg_ep); NULL the command eventfd. */
			if (v)
				relay_fwd_batch(w, (struct relay_leg *)(v & ~(uintptr_t)1),
						v & 1u);
			else
				cmd = true;
		}
		if (cmd && !worker_commands(w))
			break;
		now = clk_now_ms();
		if (w->timers_dirty || now >= w->timer_due)
			relay_dtls_timers(w, now);
		if (now >= w->next_idle_check) {
			relay_worker_idle_check(w, now);
			w->next_idle_check = now + idle_ms;
		}
	}
	/* Refuse what is still queued (only after an epoll failure can there
	 * be any) so that no caller waits forever, then drop every call. */
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	for (struct relay_cmd *c = w->q_head, *next; c; c = next) {
		next = c->next;
		c->result = -ESHUTDOWN;
		c->done = true;
	}
	w->q_head = w->q_tail = NULL;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	while (w->calls)
		relay_call_destroy(w, w->calls);
	return NULL;
}

/* --- life cycle ---------------------------------------------------------- */

static int worker_init(struct relay *r, struct relay_worker *w, unsigned idx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	unsigned b = r->cfg.batch;

	w->r = r;
	w->idx = idx;
	w->epfd = -1;
	w->cmd_fd = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->batch = b;
	w->slots = calloc(b, RELAY_SLOT_LEN);
	w->rx_msgs = calloc(b, sizeof(*w->rx_msgs));
	w->tx_msgs = calloc(b, sizeof(*w->tx_msgs));
	w->rx_iov = calloc(b, sizeof(*w->rx_iov));
	w->tx_iov = calloc(b, sizeof(*w->tx_iov));
	w->src = calloc(b, sizeof(*w->src));
	w->trk = calloc(b, sizeof(*w->trk));
	if (!w->slots || !w->rx_msgs || !w->tx_msgs || !w->rx_iov ||
	    !w->tx_iov || !w->src || !w->trk)
		return -ENOMEM;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		return -errno;
	w->cmd_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->cmd_fd < 0)
		return -errno;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->cmd_fd, &ev) < 0)
		return -errno;
	/* The receive side never changes: slot i, its iovec, its source. */
	for (unsigned i = 0; i < b; i++) {
		w->rx_iov[i].iov_base = w->slots + (size_t)i * RELAY_SLOT_LEN;
		w->rx_iov[i].iov_len = RELAY_RECV_MAX;
		w->rx_msgs[i].msg_hdr.msg_iov = &w->rx_iov[i];
		w->rx_msgs[i].msg_hdr.msg_iovlen = 1;
		w->rx_msgs[i].msg_hdr.msg_name = &w->src[i];
		w->rx_msgs[i].msg_hdr.msg_namelen = sizeof(w->src[i]);
		w->tx_msgs[i].msg_hdr.msg_iov = &w->tx_iov[i];
		w->tx_msgs[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

static void worker_fini(struct relay_worker *w)
{
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_mutex_unlock(&w->mu);
		efd_signal(w->cmd_fd);
		pthread_join(w->thr, NULL);
	}
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->cmd_fd >= 0)
		close(w->cmd_fd);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->slots);
	free(w->rx_msgs);
	free(w->tx_msgs);
	free(w->rx_iov);
	free(w->tx_iov);
	free(w->src);
	free(w->trk);
}

static int parse_bind(struct sockaddr_storage *ss, socklen_t *len,
		      const char *addr)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		*len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

static int cfg_check(struct relay *r, const struct relay_cfg *cfg)
{
	long cores;

	r->cfg = *cfg;
	if (!r->cfg.port_min && !r->cfg.port_max) {
		r->cfg.port_min = RELAY_PORT_MIN_DEFAULT;
		r->cfg.port_max = RELAY_PORT_MAX_DEFAULT;
	}
	if (!r->cfg.port_min || r->cfg.port_min > r->cfg.port_max)
		return -EINVAL;
	/* At least one even/odd pair (relay_call.c port_take). */
	if ((((uint32_t)r->cfg.port_min + 1u) & ~1u) >= r->cfg.port_max)
		return -EINVAL;
	if (!r->cfg.workers) {
		cores = sysconf(_SC_NPROCESSORS_ONLN);
		r->cfg.workers = cores > 0 ? (unsigned)cores : 1;
		if (r->cfg.workers > RELAY_WORKERS_MAX)
			r->cfg.workers = RELAY_WORKERS_MAX;
	}
	if (r->cfg.workers > RELAY_WORKERS_MAX)
		return -EINVAL;
	if (!r->cfg.batch)
		r->cfg.batch = RELAY_BATCH_DEFAULT;
	if (r->cfg.batch > RELAY_BATCH_MAX)
		return -EINVAL;
	if (r->cfg.rcvbuf < 0)
		return -EINVAL;
	if (!r->cfg.rcvbuf)
		r->cfg.rcvbuf = RELAY_RCVBUF_DEFAULT;
	if (!r->cfg.media_timeout_ms)
		r->cfg.media_timeout_ms = RELAY_MEDIA_TIMEOUT_DEFAULT;
	if (!r->cfg.max_calls)
		r->cfg.max_calls = RELAY_CALLS_DEFAULT;
	r->cfg.bind_addr = NULL; /* not kept: the caller's strings */
	r->cfg.bind_addr_alt = NULL;
	if (parse_bind(&r->bind_sa, &r->bind_len,
		       cfg->bind_addr ? cfg->bind_addr : "127.0.0.1"))
		return -EINVAL;
	if (!cfg->bind_addr_alt || !cfg->bind_addr_alt[0])
		return 0;
	/* The other family only: one address per family (relay_port.c). */
	if (parse_bind(&r->alt_sa, &r->alt_len, cfg->bind_addr_alt) ||
	    r->alt_sa.ss_family == r->bind_sa.ss_family)
		return -EINVAL;
	return 0;
}

int relay_alloc(struct relay **rp, const struct relay_cfg *cfg)
{
	struct relay *r;
	int err;

	if (!rp || !cfg)
		return -EINVAL;
	if ((err = ksrtp_init()))
		return err;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->ev_mu, NULL);
	r->ev_fd = -1;
	r->next_id = 1;
	if ((err = cfg_check(r, cfg)))
		goto out;
	r->port_next = r->cfg.port_min;
	r->ev_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->ev_fd < 0) {
		err = -errno;
		goto out;
	}
	r->w = calloc(r->cfg.workers, sizeof(*r->w));
	if (!r->w) {
		err = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < r->cfg.workers; i++) {
		r->nworkers = i + 1; /* relay_free finishes this one too */
		if ((err = worker_init(r, &r->w[i], i)))
			goto out;
		err = -pthread_create(&r->w[i].thr, NULL, worker_main, &r->w[i]);
		if (err)
			goto out;
		r->w[i].started = true;
	}
	*rp = r;
	return 0;
out:
	relay_free(r);
	return err;
}

void relay_free(struct relay *r)
{
	struct relay_evq *q;

	if (!r)
		return;
	for (unsigned i = 0; i < r->nworkers; i++)
		worker_fini(&r->w[i]);
	free(r->w);
	while ((q = r->ev_head)) {
		r->ev_head = q->next;
		sec_wipe(q, sizeof(*q));
		free(q);
	}
	if (r->ev_fd >= 0)
		close(r->ev_fd);
	pthread_mutex_destroy(&r->mu);
	pthread_mutex_destroy(&r->ev_mu);
	free(r);
}

unsigned relay_workers(const struct relay *r)
{
	return r ? r->nworkers : 0;
}

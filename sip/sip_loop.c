/*
 * sip_loop: the event loop (a Sofia su_root without a stack thread), file
 * descriptor watches and one-shot timers for the application (see sip.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "sip/sip_priv.h"

struct sip_fdreg {
	struct sip_fdreg *next;
	struct sip_loop *loop;
	int id;
	int fd;
	sip_fd_h h;
	void *arg;
};

struct sip_timer {
	su_timer_t *t;
	sip_timer_h h;
	void *arg;
};

int sip_loop_alloc(struct sip_loop **lp)
{
	struct sip_loop *l;

	if (!lp)
		return -EINVAL;
	*lp = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	if (su_init() != 0) {
		free(l);
		return -ENOMEM;
	}
	l->root = su_root_create(NULL);
	if (!l->root) {
		su_deinit();
		free(l);
		return -ENOMEM;
	}
	/* nua_create would start a stack thread otherwise: keep one thread,
	 * so every callback runs where sip_loop_step() runs. */
	su_root_threading(l->root, 0);
	*lp = l;
	return 0;
}

void sip_loop_free(struct sip_loop *l)
{
	struct sip_fdreg *r, *next;

	if (!l)
		return;
	for (r = l->regs; r; r = next) {
		next = r->next;
		su_root_deregister(l->root, r->id);
		free(r);
	}
	su_root_destroy(l->root);
	su_deinit();
	free(l);
}

int sip_loop_step(struct sip_loop *l, unsigned timeout_ms)
{
	if (!l)
		return -EINVAL;
	su_root_step(l->root, (su_duration_t)timeout_ms);
	return 0;
}

void sip_loop_run(struct sip_loop *l)
{
	if (l)
		su_root_run(l->root);
}

void sip_loop_break(struct sip_loop *l)
{
	if (l)
		su_root_break(l->root);
}

/* su_wakeup_f: translate the poll bits and call the application. The
 * registration may be deleted by the handler: do not touch r afterwards. */
static int loop_fd_wakeup(su_root_magic_t *magic, su_wait_t *w,
			  su_wakeup_arg_t *arg)
{
	struct sip_fdreg *r = arg;
	int ev = su_wait_events(w, r->fd);
	unsigned bits = 0;

	if (ev & SU_WAIT_IN)
		bits |= SIP_FD_IN;
	if (ev & SU_WAIT_OUT)
		bits |= SIP_FD_OUT;
	if (ev & (SU_WAIT_ERR | SU_WAIT_HUP))
		bits |= SIP_FD_ERR;
	r->h(r->arg, r->fd, bits);
	return 0;
}

int sip_loop_fd_add(struct sip_loop *l, int fd, unsigned events, sip_fd_h h,
		    void *arg)
{
	struct sip_fdreg *r;
	su_wait_t w = SU_WAIT_INIT;
	int mask = 0, id;

	if (!l || fd < 0 || !h || !(events & (SIP_FD_IN | SIP_FD_OUT)))
		return -EINVAL;
	if (events & SIP_FD_IN)
		mask |= SU_WAIT_IN;
	if (events & SIP_FD_OUT)
		mask |= SU_WAIT_OUT;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->loop = l;
	r->fd = fd;
	r->h = h;
	r->arg = arg;
	if (su_wait_create(&w, fd, mask) != 0) {
		free(r);
		return -EINVAL;
	}
	id = su_root_register(l->root, &w, loop_fd_wakeup, r, 0);
	if (id <= 0) {
		su_wait_destroy(&w);
		free(r);
		return -ENOMEM;
	}
	r->id = id;
	r->next = l->regs;
	l->regs = r;
	return id;
}

int sip_loop_fd_del(struct sip_loop *l, int id)
{
	struct sip_fdreg **pp, *r;

	if (!l)
		return -EINVAL;
	for (pp = &l->regs; (r = *pp) != NULL; pp = &r->next) {
		if (r->id == id) {
			*pp = r->next;
			su_root_deregister(l->root, id);
			free(r);
			return 0;
		}
	}
	return -ENOENT;
}

static void loop_timer_fire(su_root_magic_t *magic, su_timer_t *t,
			    su_timer_arg_t *arg)
{
	struct sip_timer *st = arg;

	st->h(st->arg);
}

int sip_timer_alloc(struct sip_timer **tp, struct sip_loop *l, sip_timer_h h,
		    void *arg)
{
	struct sip_timer *t;

	if (!tp || !l || !h)
		return -EINVAL;
	*tp = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->t = su_timer_create(su_root_task(l->root), 0);
	if (!t->t) {
		free(t);
		return -ENOMEM;
	}
	t->h = h;
	t->arg = arg;
	*tp = t;
	return 0;
}

int sip_timer_start(struct sip_timer *t, unsigned ms)
{
	if (!t)
		return -EINVAL;
	if (su_timer_set_interval(t->t, loop_timer_fire, t,
				  (su_duration_t)ms) != 0)
		return -EIO;
	return 0;
}

void sip_timer_stop(struct sip_timer *t)
{
	if (t)
		su_timer_reset(t->t);
}

void sip_timer_free(struct sip_timer *t)
{
	if (!t)
		return;
	su_timer_destroy(t->t);
	free(t);
}

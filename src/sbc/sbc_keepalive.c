/*
 * sbc_keepalive: OPTIONS toward every trunk with a keepalive interval
 * (RFC 3261 11), so an operator sees a trunk go down before calls fail.
 * Status changes are logged; the SBC does not reroute on them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/klog.h"
#include "sbc/sbc_int.h"

static void ka_free(struct sbc_keepalive *k)
{
	sip_timer_free(k->timer);
	free(k);
}

static void on_answer(void *arg, int status)
{
	struct sbc_keepalive *k = arg;

	k->pending = false;
	if (k->orphan) {
		struct sbc_keepalive **pp = &k->sbc->ka_orphans;

		while (*pp && *pp != k)
			pp = &(*pp)->next;
		if (*pp)
			*pp = k->next;
		ka_free(k);
		return;
	}
	if ((status >= 200 && status < 300) != (k->last_status >= 200 && k->last_status < 300) ||
	    !k->last_status)
		klog(status >= 200 && status < 300 ? KLOG_INFO : KLOG_WARN,
		     "sbc: trunk %s: OPTIONS %d (%s)", k->name, status,
		     status >= 200 && status < 300 ? "up" : "down");
	k->last_status = status;
}

static void on_timer(void *arg)
{
	struct sbc_keepalive *k = arg;
	struct sbc *s = k->sbc;
	struct sip_ua *ua = k->tls ? s->ua_tls : s->ua;

	if (!k->pending && ua && sip_ua_options(ua, k->target, on_answer, k) == 0)
		k->pending = true;
	sip_timer_start(k->timer, k->interval_ms);
}

void sbc_keepalive_stop(struct sbc *s)
{
	while (s->keepalives) {
		struct sbc_keepalive *k = s->keepalives;

		s->keepalives = k->next;
		sip_timer_stop(k->timer);
		if (k->pending) {
			/* Freed by its answer, or by sbc_keepalive_free_orphans
			 * once the user agent is gone (it drops the answer). */
			k->orphan = true;
			k->next = s->ka_orphans;
			s->ka_orphans = k;
		} else {
			ka_free(k);
		}
	}
}

void sbc_keepalive_free_orphans(struct sbc *s)
{
	while (s->ka_orphans) {
		struct sbc_keepalive *k = s->ka_orphans;

		s->ka_orphans = k->next;
		ka_free(k);
	}
}

/* One keepalive per trunk of the current set that asks for it. */
void sbc_keepalive_setup(struct sbc *s)
{
	sbc_keepalive_stop(s);
	for (size_t i = 0; i < trunk_set_count(s->trunks); i++) {
		const struct trunk *t = trunk_set_at(s->trunks, i);
		struct sbc_keepalive *k;

		if (!trunk_keepalive_s(t))
			continue;
		k = calloc(1, sizeof(*k));
		if (!k || sip_timer_alloc(&k->timer, s->loop, on_timer, k)) {
			free(k);
			klog(KLOG_ERR, "sbc: no memory for the keepalive of %s", trunk_name(t));
			continue;
		}
		k->sbc = s;
		k->tls = trunk_transport(t) == TRUNK_TLS;
		k->interval_ms = trunk_keepalive_s(t) * 1000;
		snprintf(k->name, sizeof(k->name), "%s", trunk_name(t));
		snprintf(k->target, sizeof(k->target), "sip:%s%s%s", trunk_peer(t),
			 trunk_transport(t) == TRUNK_UDP ? "" : ";transport=",
			 trunk_transport(t) == TRUNK_UDP ? "" :
			 trunk_transport_str(trunk_transport(t)));
		k->next = s->keepalives;
		s->keepalives = k;
		sip_timer_start(k->timer, 100); /* first probe at once */
	}
}

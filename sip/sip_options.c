/*
 * sip_options: out-of-dialog OPTIONS requests (RFC 3261 11), e.g. trunk
 * keepalives (see sip.h, sip_ua_options). Each request has its own nua
 * handle, bound to a struct sip_opt, freed when the final response (the
 * peer's or the stack's 408/503) arrives.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sip/sip_priv.h"

struct sip_opt {
	struct sip_hmagic hm;  /* first: SIP_HM_OPT */
	struct sip_opt *next, *prev;
	struct sip_ua *ua;
	nua_handle_t *nh;
	sip_options_h cb;
	void *arg;
};

static void opt_unlink(struct sip_opt *o)
{
	struct sip_ua *u = o->ua;

	if (o->prev)
		o->prev->next = o->next;
	else
		u->opts = o->next;
	if (o->next)
		o->next->prev = o->prev;
	u->nopts--;
}

int sip_ua_options(struct sip_ua *u, const char *target_uri, sip_options_h cb,
		   void *arg)
{
	char to[SIP_URI_MAX + 3], from[SIP_URI_MAX];
	enum sip_transport tp = SIP_TP_UDP;
	struct sip_opt *o;
	int err;

	if (!u || !cb || u->closing)
		return -EINVAL;
	err = sip_target_check(target_uri, &tp);
	if (!err)
		err = sip_from_build(from, sizeof(from), u, u->user, NULL,
				     tp == SIP_TP_TLS);
	if (err)
		return err;
	if (u->nopts >= SIP_OPTIONS_MAX)
		return -ENOBUFS;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->hm.kind = SIP_HM_OPT;
	o->ua = u;
	o->cb = cb;
	o->arg = arg;
	/* In angle brackets: a ;transport= stays a URI parameter. */
	snprintf(to, sizeof(to), "<%s>", target_uri);
	o->nh = nua_handle(u->nua, (nua_hmagic_t *)&o->hm, SIPTAG_TO_STR(to),
			   SIPTAG_FROM_STR(from), TAG_END());
	if (!o->nh) {
		free(o);
		return -ENOMEM;
	}
	o->next = u->opts;
	if (u->opts)
		u->opts->prev = o;
	u->opts = o;
	u->nopts++;
	nua_options(o->nh, TAG_END());
	return 0;
}

unsigned sip_ua_options_count(const struct sip_ua *u)
{
	return u ? u->nopts : 0;
}

void sip_options_event(struct sip_ua *u, struct sip_hmagic *hm, int status)
{
	struct sip_opt *o = (struct sip_opt *)hm;
	sip_options_h cb = o->cb;
	void *arg = o->arg;
	bool closing = u->closing;

	if (status < 200)
		return;
	opt_unlink(o);
	nua_handle_bind(o->nh, NULL);
	nua_handle_destroy(o->nh);
	free(o);
	if (!closing)
		cb(arg, status);
}

void sip_options_drop_all(struct sip_ua *u)
{
	struct sip_opt *o;

	while ((o = u->opts) != NULL) {
		opt_unlink(o);
		free(o);
	}
}

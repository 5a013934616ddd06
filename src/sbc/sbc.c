/* sbc: set-up, SIP and media core event dispatch (see sbc.h). */
#include "sbc/sbc_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"

/* --- SIP callbacks: find the call, hand over to sbc_call.c ------------- */

static int on_incoming(void *arg, struct sip_call *sc, const char *sdp,
		       size_t len)
{
	return sbc_call_incoming(arg, sc, sdp, len);
}

static void on_answered(void *arg, struct sip_call *sc, const char *sdp,
			size_t len)
{
	struct sbc_call *c = sip_call_get_data(sc);

	if (c && sc == c->out && sbc_early_answered(c, sdp, len))
		sbc_call_answered(c, sdp, len);
}

static void on_ringing(void *arg, struct sip_call *sc, int status,
		       const char *sdp, size_t len)
{
	struct sbc_call *c = sip_call_get_data(sc);

	/* 18x across; a 183 with SDP starts early media (sbc_early.c). */
	if (c && sc == c->out && c->in)
		sbc_early_ringing(c, status, sdp, len);
}

static int on_reoffer(void *arg, struct sip_call *sc, const char *sdp,
		      size_t len)
{
	struct sbc_call *c = sip_call_get_data(sc);

	return c ? sbc_call_reoffer(c, sc, sdp, len) : -EPROTO;
}

static void on_reanswered(void *arg, struct sip_call *sc, int status,
			  const char *reason, const char *sdp, size_t len)
{
	struct sbc_call *c = sip_call_get_data(sc);

	if (c)
		sbc_call_reanswered(c, sc, status, sdp, len);
}

static void on_ended(void *arg, struct sip_call *sc, enum sip_end_cause cause,
		     int status, const char *reason)
{
	struct sbc_call *c = sip_call_get_data(sc);

	if (c)
		sbc_call_ended(c, sc, cause, status, reason);
}

/* --- the media core's events (its relay's event fd) ----------------------- */

static void on_media_events(void *arg, int fd, unsigned events)
{
	struct sbc *s = arg;

	media_engine_events(s->media); /* to each call through sbc_media.c */
}

/* The media core's timers are the SIP loop's. */
static int timer_alloc(void *loop, void **tp, void (*fn)(void *arg), void *arg)
{
	return sip_timer_alloc((struct sip_timer **)tp, loop, fn, arg);
}

static int timer_start(void *t, unsigned ms)
{
	return sip_timer_start(t, ms);
}

static void timer_stop(void *t)
{
	sip_timer_stop(t);
}

static void timer_free(void *t)
{
	sip_timer_free(t);
}

static const struct media_timer_ops sbc_timers = {
	.alloc = timer_alloc,
	.start = timer_start,
	.stop = timer_stop,
	.free = timer_free,
};

/* --- set-up ---------------------------------------------------------------- */

/* sip_tls_dir "auto": a fresh self-signed certificate in Sofia's layout. */
static int tls_dir_auto(struct sbc *s, char *out, size_t cap)
{
	char cmd[512];

	snprintf(s->tls_dir_tmp, sizeof(s->tls_dir_tmp), "/tmp/ktrsbc-tls.XXXXXX");
	if (!mkdtemp(s->tls_dir_tmp)) {
		s->tls_dir_tmp[0] = 0;
		return -errno;
	}
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && openssl req -x509 -newkey ec -pkeyopt "
		 "ec_paramgen_curve:prime256v1 -nodes -keyout key.pem -out cert.pem "
		 "-days 365 -subj /CN=ktrsbc >/dev/null 2>&1 && cat key.pem cert.pem "
		 "> agent.pem && cp cert.pem cafile.pem && rm key.pem",
		 s->tls_dir_tmp);
	if (system(cmd) != 0)
		return -EIO;
	snprintf(out, cap, "%s", s->tls_dir_tmp);
	return 0;
}

static void tls_dir_remove(struct sbc *s)
{
	static const char *const files[] = { "agent.pem", "cafile.pem", "cert.pem" };
	char p[128];

	if (!s->tls_dir_tmp[0])
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", s->tls_dir_tmp, files[i]);
		unlink(p);
	}
	rmdir(s->tls_dir_tmp);
}

/*
 * SIP: one user agent for UDP and TCP and one for TLS, on the host of the
 * first sip_listen entry. Two agents, because an agent's Contact follows
 * its first bind URL: a TLS agent's sips: Contact in a dialog reached over
 * UDP would send the peer's ACK and BYE looking for a TLS transport.
 */
static int sip_setup(struct sbc *s, char *err, size_t errlen)
{
	static const struct sip_ua_ops ops = {
		.incoming = on_incoming,
		.ringing = on_ringing,
		.answered = on_answered,
		.reoffer = on_reoffer,
		.reanswered = on_reanswered,
		.ended = on_ended,
	};
	const struct conf *cf = &s->conf;
	struct sip_ua_cfg sc, tc;
	char tls_dir[CONF_PATH_MAX];
	int rc = 0;

	memset(&sc, 0, sizeof(sc));
	sc.user = "ktrsbc";
	sc.max_calls = cf->max_calls * 2;
	/* RFC 4028 on; each call's legs set their trunk's values. The
	 * agent's Min-SE is 1 so that the stack never answers 422 itself
	 * (it would say Min-SE 90 whatever the trunk has): sbc_call.c
	 * answers 422 with the caller's trunk's min_se. */
	sc.session_expires = TRUNK_SESSION_EXPIRES_DEFAULT;
	sc.min_se = 1;
	sc.bind_host = cf->sip_listen[0].host;
	tc = sc;
	for (size_t i = 0; i < cf->n_sip_listen; i++) {
		const struct conf_listen *l = &cf->sip_listen[i];

		if (strcmp(l->host, sc.bind_host) != 0) {
			klog(KLOG_WARN, "sbc: sip_listen %s:%u ignored: one host per SBC (%s)",
			     l->host, l->port, sc.bind_host);
			continue;
		}
		if (l->transport == CONF_TRANSPORT_TLS) {
			tc.tls = true;
			tc.tls_port = l->port;
		} else {
			sc.udp |= l->transport == CONF_TRANSPORT_UDP;
			sc.tcp |= l->transport == CONF_TRANSPORT_TCP;
			sc.port = l->port;
		}
	}
	if (sc.udp || sc.tcp)
		rc = sip_ua_alloc(&s->ua, s->loop, &sc, &ops, s);
	if (rc) {
		snprintf(err, errlen, "SIP on %s:%u: %s", sc.bind_host, sc.port,
			 err_str(rc));
		return rc;
	}
	if (!tc.tls)
		return 0;
	if (strcmp(cf->sip_tls_dir, "auto") == 0)
		rc = tls_dir_auto(s, tls_dir, sizeof(tls_dir));
	else
		rc = conf_path_resolve(s->conf_path, cf->sip_tls_dir, tls_dir,
				       sizeof(tls_dir));
	if (rc) {
		snprintf(err, errlen, "sip_tls_dir %s: %s", cf->sip_tls_dir, err_str(rc));
		return rc;
	}
	tc.tls_dir = tls_dir;
	if (s->tls_bundle) {
		/* keys to untrusted trunks only over verified TLS (sbc_tls.c) */
		rc = sbc_tls_verify_dir(s, tls_dir, tls_dir, sizeof(tls_dir), err,
					errlen);
		if (rc)
			return rc;
		tc.tls_verify_out = true;
	}
	rc = sip_ua_alloc(&s->ua_tls, s->loop, &tc, &ops, s);
	if (rc)
		snprintf(err, errlen, "SIP over TLS on %s:%u: %s", tc.bind_host,
			 tc.tls_port, err_str(rc));
	return rc;
}

int sbc_alloc(struct sbc **sp, struct sip_loop *loop, const struct conf *c,
	      const char *conf_path, char *err, size_t errlen)
{
	struct sbc *s;
	struct media_engine_cfg mc;
	int e;

	if (!sp || !loop || !c || !conf_path)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->conf = *c;
	s->media_ev_id = -1;
	snprintf(s->conf_path, sizeof(s->conf_path), "%s", conf_path);
	e = conf_path_resolve(conf_path, c->trunks_dir, s->trunks_dir,
			      sizeof(s->trunks_dir));
	if (!e)
		e = trunk_set_load(&s->trunks, s->trunks_dir, err, errlen);
	if (!e)
		e = sbc_tls_bundle(s->trunks, &s->tls_bundle, &s->tls_bundle_len,
				   err, errlen);
	if (e)
		goto fail;

	mc.conf = c;
	mc.timers = &sbc_timers;
	mc.loop = loop;
	if ((e = media_engine_alloc(&s->media, &mc, err, errlen)))
		goto fail;
	s->media_ev_id = sip_loop_fd_add(loop, media_engine_event_fd(s->media),
					 SIP_FD_IN, on_media_events, s);
	if (s->media_ev_id < 0) {
		e = s->media_ev_id;
		snprintf(err, errlen, "relay events: %s", err_str(e));
		goto fail;
	}
	if ((e = sip_setup(s, err, errlen)))
		goto fail;
	sbc_keepalive_setup(s);
	*sp = s;
	return 0;
fail:
	sbc_free(s);
	return e;
}

void sbc_hangup_all(struct sbc *s)
{
	struct sbc_call *c, *next;

	for (c = s->calls; c; c = next) {
		next = c->next;
		sbc_call_end(c, 503, "ktrsbc shutting down");
	}
}

void sbc_free(struct sbc *s)
{
	if (!s)
		return;
	while (s->calls)
		sbc_call_end(s->calls, 503, "ktrsbc shutting down");
	sbc_keepalive_stop(s);
	sip_ua_free(s->ua);
	sip_ua_free(s->ua_tls);
	sbc_keepalive_free_orphans(s);
	if (s->media_ev_id >= 0)
		sip_loop_fd_del(s->loop, s->media_ev_id);
	media_engine_free(s->media);
	trunk_set_unref(s->trunks);
	tls_dir_remove(s);
	sbc_tls_verify_dir_remove(s);
	free(s->tls_bundle);
	free(s);
}

int sbc_reload(struct sbc *s, char *err, size_t errlen)
{
	struct trunk_set *n;
	int e = trunk_set_load(&n, s->trunks_dir, err, errlen);

	if (!e && (e = sbc_tls_reload_check(s, n, err, errlen)))
		trunk_set_unref(n);
	if (e)
		return e;
	trunk_set_unref(s->trunks);
	s->trunks = n;
	sbc_keepalive_setup(s);
	klog(KLOG_INFO, "sbc: trunks reloaded from %s (%zu trunks); %u calls keep theirs",
	     s->trunks_dir, trunk_set_count(n), s->n_calls);
	return 0;
}

unsigned sbc_call_count(const struct sbc *s)
{
	return s->n_calls;
}

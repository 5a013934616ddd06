/*
 * media_engine: what every media session shares. The DTLS context (the
 * certificate and its fingerprint, in every DTLS-side SDP), the relay (its
 * worker threads, ports and event queue) and the in-kernel offload; the
 * relay's events handed to the session of their stream; the counters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"
#include "media/media_int.h"

static int fingerprint_of(struct media_engine *e)
{
	char text[160];

	snprintf(text, sizeof(text), "sha-256 %s", dtls_ctx_fingerprint(e->dtls));
	return sdp_fingerprint_parse(text, strlen(text), &e->fp, NULL);
}

int media_engine_alloc(struct media_engine **ep, const struct media_engine_cfg *cfg,
		       char *err, size_t errlen)
{
	const struct conf *c = cfg ? cfg->conf : NULL;
	struct media_engine *e;
	struct dtls_ctx_cfg dc;
	struct relay_cfg rc;
	int r;

	if (!ep || !c || !cfg->timers)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->conf = *c;
	e->timers = cfg->timers;
	e->loop = cfg->loop;

	memset(&dc, 0, sizeof(dc));
	if (strcmp(c->certificate, "auto") != 0) {
		dc.cert_file = c->certificate;
		dc.key_file = c->private_key;
	}
	dc.profiles = c->profiles;
	dc.n_profiles = c->n_profiles;
	dc.ktr_ext_type = c->ktr_extension;
	dc.mtu = c->dtls_mtu;
	dc.handshake_timeout_ms = c->dtls_handshake_timeout_ms;
	if ((r = dtls_ctx_alloc(&e->dtls, &dc)) || (r = fingerprint_of(e))) {
		snprintf(err, errlen, "DTLS certificate: %s", err_str(r));
		goto fail;
	}

	memset(&rc, 0, sizeof(rc));
	rc.bind_addr = c->media_address;
	rc.bind_addr_alt = c->media_address6; /* "" = none */
	rc.port_min = c->media_port_min;
	rc.port_max = c->media_port_max;
	rc.workers = c->relay_workers;
	rc.media_timeout_ms = c->media_timeout_ms;
	/* A relay call per stream: max_calls calls of max_streams each. */
	rc.max_calls = c->max_calls * (c->max_streams ? c->max_streams : 1);
	rc.bundle_ssrcs = c->max_bundle_ssrcs;
	rc.dtls = e->dtls;
	rc.ktr.max_frag = c->ktr_max_fragment;
	rc.ktr.reasm.max_msg = c->ktr_max_message;
	rc.ktr.reasm.max_pending = c->ktr_max_pending;
	rc.ktr.reasm.expire_ms = c->ktr_reassembly_timeout_ms;
	rc.ktr.rtx_initial_ms = c->ktr_retransmit_initial_ms;
	rc.ktr.rtx_max_ms = c->ktr_retransmit_max_ms;
	rc.ktr.rtx_limit = c->ktr_retransmit_limit;
	rc.ktr.activate_ahead = c->ktr_activate_ahead;
	media_offload_setup(e);
	rc.offload = e->offload;
	if ((r = relay_alloc(&e->relay, &rc))) {
		snprintf(err, errlen, "media relay on %s%s%s:%u-%u: %s",
			 c->media_address, c->media_address6[0] ? " and " : "",
			 c->media_address6, c->media_port_min, c->media_port_max,
			 err_str(r));
		goto fail;
	}
	*ep = e;
	return 0;
fail:
	media_engine_free(e);
	return r;
}

void media_engine_free(struct media_engine *e)
{
	if (!e)
		return;
	while (e->sessions)
		media_session_free(e->sessions);
	relay_free(e->relay);
	media_offload_free(e);
	dtls_ctx_free(e->dtls);
	free(e);
}

int media_engine_event_fd(const struct media_engine *e)
{
	return relay_event_fd(e->relay);
}

const char *media_engine_offload_state(const struct media_engine *e)
{
	return e->offload_state;
}

static struct media_stream *stream_by_call_id(struct media_engine *e, uint64_t id)
{
	for (struct media_session *s = e->sessions; s; s = s->next)
		for (size_t i = 0; i < s->n_streams; i++)
			if (s->streams[i].relay && relay_call_id(s->streams[i].relay) == id)
				return &s->streams[i];
	return NULL;
}

void media_engine_events(struct media_engine *e)
{
	struct relay_event ev;

	while (relay_event_next(e->relay, &ev) == 0) {
		struct media_stream *m = stream_by_call_id(e, ev.call_id);

		if (m)
			media_stream_event(m, &ev); /* may free its session */
		relay_event_wipe(&ev);
	}
}

void media_engine_stats(struct media_engine *e, struct media_engine_stats *st)
{
	*st = e->st;
	st->ktr_now = st->fallback_now = st->offloaded_now = 0;
	st->fwd_pkts = st->crypto_ops = st->dropped_src = st->kernel_fwd_pkts = 0;
	for (struct media_session *s = e->sessions; s; s = s->next) {
		enum media_mode mode = media_session_mode(s);
		bool offloaded = false;

		for (size_t i = 0; i < s->n_streams; i++) {
			struct relay_call_stats cs;

			if (!s->streams[i].relay || relay_call_stats(s->streams[i].relay, &cs))
				continue;
			for (int l = 0; l < 2; l++) {
				st->fwd_pkts += cs.leg[l].fwd_pkts + cs.rtcp[l].fwd_pkts;
				st->crypto_ops += cs.leg[l].crypto_ops + cs.rtcp[l].crypto_ops;
				st->dropped_src += cs.leg[l].dropped_src + cs.rtcp[l].dropped_src;
				st->kernel_fwd_pkts += cs.kernel_fwd_pkts[l];
			}
			media_ice_account(st, &cs); /* on top of the ended ones */
			media_bundle_account(st, &s->streams[i]);
			offloaded |= cs.offloaded;
		}
		st->offloaded_now += offloaded; /* calls, as ktr_now */
		st->ktr_now += mode == MEDIA_MODE_KTR;
		st->fallback_now += mode == MEDIA_MODE_FALLBACK;
	}
}

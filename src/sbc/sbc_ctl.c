/* sbc_ctl: answers of the control socket (ktrsbc-ctl), as JSON. Never a
 * key: counters, addresses of our own ports, states and policies only. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#include "base/clk.h"
#include "ctl/ctl.h"
#include "sbc/sbc_int.h"

static const char *state_name(enum sbc_state s)
{
	switch (s) {
	case SBC_ST_ROUTING: return "routing";
	case SBC_ST_HANDSHAKE: return "handshake";
	case SBC_ST_EARLY: return "early";
	case SBC_ST_UP: return "up";
	default: return "ending";
	}
}

/* Counters include the kernel's while the call is offloaded
 * (media_session_stream_stats); kernel_fwd_pkts is the kernel's part of
 * fwd_pkts. */
static void leg_json(struct ctl_reply *r, const char *name,
		     const struct media_leg_stats *f, bool offloaded)
{
	ctl_reply_printf(r,
			 "\"%s\":{\"port\":%u,\"family\":\"%s\",\"pkts\":%" PRIu64 ",\"bytes\":%" PRIu64
			 ",\"fwd_pkts\":%" PRIu64 ",\"fwd_bytes\":%" PRIu64
			 ",\"dropped_src\":%" PRIu64 ",\"dropped_other\":%" PRIu64
			 ",\"dtls_pkts\":%" PRIu64 ",\"crypto_ops\":%" PRIu64
			 ",\"offloaded\":%s,\"kernel_fwd_pkts\":%" PRIu64,
			 name, f->port, f->ipv6 ? "ipv6" : "ipv4", f->pkts, f->bytes,
			 f->fwd_pkts, f->fwd_bytes,
			 f->dropped_src, f->dropped_other, f->dtls_pkts, f->crypto_ops,
			 offloaded ? "true" : "false", f->kernel_fwd_pkts);
	/* ICE-lite on the leg (the DTLS side's, when used) */
	if (f->ice)
		ctl_reply_printf(r,
				 ",\"ice\":{\"nominated\":%s,\"consent_lost\":%s"
				 ",\"consent\":\"%s\""
				 ",\"stun_answered\":%" PRIu64 ",\"stun_dropped\":%" PRIu64 "}",
				 f->ice_nominated ? "true" : "false",
				 f->ice_consent_lost ? "true" : "false",
				 f->ice_consent_off ? "off" : "required", f->stun_answered,
				 f->stun_dropped);
	ctl_reply_printf(r, "}");
}

/* A call from the DTLS side: what each window transcrypt did
 * (media_window_stats); end_index -1 while the window is open. */
static void window_json(struct ctl_reply *r, const char *name,
			const struct media_window_stats *w)
{
	ctl_reply_printf(r,
			 "\"%s\":{\"rtp_ops\":%" PRIu64 ",\"rtcp_ops\":%" PRIu64
			 ",\"first_index\":%" PRId64 ",\"end_index\":%" PRId64
			 ",\"pkts\":%" PRIu64 "}",
			 name, w->rtp_ops, w->rtcp_ops, w->first_index, w->end_index,
			 w->pkts);
}

static const char *mode_name(enum media_mode m)
{
	return m == MEDIA_MODE_KTR ? "ktr" : m == MEDIA_MODE_FALLBACK ? "fallback" :
									"pending";
}

/* One stream's legs, RTCP ports and windows (the body of a "streams"
 * entry; a call's top-level fields are its stream 0's). */
static void legs_json(struct ctl_reply *r, const struct media_stream_stats *st)
{
	leg_json(r, "sdes_leg", &st->leg[MEDIA_SIDE_SDES], st->offloaded);
	ctl_reply_printf(r, ",");
	leg_json(r, "dtls_leg", &st->leg[MEDIA_SIDE_DTLS], st->offloaded);
	/* A leg whose peer does not mux: its RTCP port's record (a call
	 * with one is never offloaded). */
	for (int l = 0; l < 2; l++) {
		if (!st->rtcp[l].present)
			continue;
		ctl_reply_printf(r, ",");
		leg_json(r, l == MEDIA_SIDE_SDES ? "sdes_rtcp" : "dtls_rtcp", &st->rtcp[l],
			 false);
	}
	if (st->window[MEDIA_SIDE_SDES].armed || st->window[MEDIA_SIDE_DTLS].armed) {
		ctl_reply_printf(r, ",\"window\":{");
		window_json(r, "sdes_leg", &st->window[MEDIA_SIDE_SDES]);
		ctl_reply_printf(r, ",");
		window_json(r, "dtls_leg", &st->window[MEDIA_SIDE_DTLS]);
		ctl_reply_printf(r, "}");
	}
}

/* "streams": every relayed m-line, in m-line order. */
static void streams_json(struct ctl_reply *r, struct media_session *ms)
{
	size_t n = media_session_stream_count(ms);

	ctl_reply_printf(r, ",\"streams\":[");
	for (size_t i = 0; i < n; i++) {
		struct media_stream_stats st;

		if (media_session_stream_stats(ms, i, &st))
			continue;
		ctl_reply_printf(r,
				 "%s{\"mline\":%zu,\"kind\":\"%s\",\"media\":\"%s\","
				 "\"offloaded\":%s,",
				 i ? "," : "", st.mline, st.kind, mode_name(st.mode),
				 st.offloaded ? "true" : "false");
		legs_json(r, &st);
		ctl_reply_printf(r, "}");
	}
	ctl_reply_printf(r, "]");
}

static void calls_json(struct sbc *s, struct ctl_reply *r)
{
	uint64_t now = clk_now_ms();
	bool first = true;

	ctl_reply_printf(r, "{\"calls\":[");
	for (struct sbc_call *c = s->calls; c; c = c->next) {
		struct media_stream_stats st;

		/* The top-level fields: stream 0 (the first relayed m-line);
		 * "media" is the call's (KTR when every stream is). */
		media_session_stream_stats(c->media, 0, &st);
		ctl_reply_printf(r,
				 "%s{\"id\":%" PRIu64 ",\"from\":\"%s\",\"to\":\"%s\","
				 "\"direction\":\"%s\",\"state\":\"%s\",\"media\":\"%s\","
				 "\"offloaded\":%s,\"age_ms\":%" PRIu64 ",",
				 first ? "" : ",", c->id, trunk_name(c->in_trunk),
				 trunk_name(c->out_trunk),
				 c->dir == SBC_FROM_SDES ? "sdes->dtls" : "dtls->sdes",
				 state_name(c->state), mode_name(media_session_mode(c->media)),
				 st.offloaded ? "true" : "false", now - c->t_start);
		legs_json(r, &st);
		streams_json(r, c->media);
		ctl_reply_printf(r, "}");
		first = false;
	}
	ctl_reply_printf(r, "]}\n");
}

static void stats_json(struct sbc *s, struct ctl_reply *r)
{
	struct media_engine_stats m;

	media_engine_stats(s->media, &m);
	ctl_reply_printf(r,
			 "{\"calls_active\":%u,\"calls_ktr\":%" PRIu64
			 ",\"calls_fallback\":%" PRIu64 ",\"calls_total\":%" PRIu64
			 ",\"calls_ktr_total\":%" PRIu64 ",\"calls_fallback_total\":%" PRIu64
			 ",\"calls_failed_total\":%" PRIu64 ",\"rejected_untrusted\":%" PRIu64
			 ",\"rejected_no_route\":%" PRIu64 ",\"packets_relayed\":%" PRIu64
			 ",\"crypto_ops\":%" PRIu64 ",\"dropped_source\":%" PRIu64
			 ",\"offload\":\"%s\",\"calls_offloaded\":%" PRIu64
			 ",\"packets_kernel\":%" PRIu64
			 ",\"ended\":{\"packets_relayed\":%" PRIu64
			 ",\"dropped_source\":%" PRIu64 ",\"crypto_ops_ktr\":%" PRIu64
			 ",\"crypto_ops_window\":%" PRIu64 ",\"window_pkts\":%" PRIu64
			 ",\"crypto_ops_fallback\":%" PRIu64
			 "},\"ktr_refused\":%" PRIu64 ",\"ktr_gave_up\":%" PRIu64
			 ",\"ktr_fallbacks\":%" PRIu64 ",\"ktr_ended\":%" PRIu64
			 ",\"rekeys_requested\":%" PRIu64 ",\"rekeys_passed\":%" PRIu64
			 ",\"streams_ktr_total\":%" PRIu64 ",\"streams_fallback_total\":%" PRIu64
			 ",\"mlines_declined\":%" PRIu64 ",\"offers_too_many\":%" PRIu64
			 ",\"max_streams\":%u,\"glare_retries\":%" PRIu64
			 ",\"glare_gave_up\":%" PRIu64 ",\"session_expired\":%" PRIu64
			 ",\"session_too_small\":%" PRIu64
			 ",\"session_refreshes_local\":%" PRIu64
			 ",\"bundle_ssrcs_refused\":%" PRIu64
			 ",\"bundle_key_unrouted\":%" PRIu64
			 ",\"max_bundle_ssrcs\":%u,\"ice\":{\"stun_answered\":%" PRIu64
			 ",\"stun_dropped_auth\":%" PRIu64 ",\"stun_dropped_other\":%" PRIu64
			 ",\"stun_errors\":%" PRIu64 ",\"nominations\":%" PRIu64
			 ",\"consent_lost\":%" PRIu64 ",\"restarts\":%" PRIu64
			 ",\"consent_unenforced\":%" PRIu64
			 ",\"resp_errs\":%" PRIu64 "},",
			 s->n_calls, m.ktr_now, m.fallback_now, s->calls_total, m.calls_ktr,
			 m.calls_fallback, s->calls_failed, s->rejected_trust,
			 s->rejected_route, m.fwd_pkts, m.crypto_ops, m.dropped_src,
			 media_engine_offload_state(s->media), m.offloaded_now,
			 m.kernel_fwd_pkts, m.pkts_total, m.dropped_src_total,
			 m.crypto_ktr_total, m.crypto_window_total, m.window_pkts_total,
			 m.crypto_fallback_total, m.ktr_refused, m.ktr_gave_up,
			 m.ktr_fallbacks, m.ktr_ended, m.rekeys_requested, m.rekeys_passed,
			 m.streams_ktr, m.streams_fallback, m.mlines_declined,
			 m.offers_too_many, s->conf.max_streams, s->glare_retries,
			 s->glare_gave_up, s->session_expired, s->session_too_small,
			 sip_ua_refreshes(s->ua) + sip_ua_refreshes(s->ua_tls),
			 m.bundle_ssrcs_refused, m.bundle_key_unrouted, s->conf.max_bundle_ssrcs, m.stun_answered,
			 m.stun_dropped_auth, m.stun_dropped_other, m.stun_errors,
			 m.ice_nominations, m.ice_consent_lost, m.ice_restarts,
			 m.ice_consent_unenforced, m.ice_resp_errs);
	sbc_early_stats_json(s, r);
	ctl_reply_printf(r, "}\n");
}

/* "rekey CALL": the SBC-initiated re-key on demand (media_up.c), what a
 * trunk's rekey_interval does on a schedule. */
static void rekey_cmd(struct sbc *s, const char *arg, struct ctl_reply *r)
{
	struct sbc_call *c;
	char *end;
	unsigned long long id;
	int err;

	errno = 0;
	id = strtoull(arg, &end, 10);
	if (errno || end == arg || *end) {
		ctl_reply_status(r, 2);
		ctl_reply_printf(r, "usage: rekey CALL (a call id from calls)\n");
		return;
	}
	c = sbc_call_by_id(s, id);
	if (!c) {
		ctl_reply_status(r, 1);
		ctl_reply_printf(r, "no call %llu\n", id);
		return;
	}
	err = media_session_rekey(c->media, "ktrsbc-ctl rekey");
	if (err) {
		ctl_reply_status(r, 1);
		ctl_reply_printf(r, "call %llu: %s\n", id,
				 err == -ENOTSUP ? "no KTR on this call" :
				 err == -EAGAIN ? "the call is not up" : err_str(err));
		return;
	}
	ctl_reply_printf(r, "{\"rekey\":%llu,\"sent\":\"new_srtp_key_request\"}\n", id);
}

void sbc_ctl(void *arg, const char *cmd, struct ctl_reply *r)
{
	struct sbc *s = arg;
	char err[512];

	if (strcmp(cmd, "calls") == 0) {
		calls_json(s, r);
	} else if (strcmp(cmd, "stats") == 0) {
		stats_json(s, r);
	} else if (strcmp(cmd, "reload") == 0) {
		if (sbc_reload(s, err, sizeof(err))) {
			ctl_reply_status(r, 1);
			ctl_reply_printf(r, "%s\n", err);
		} else {
			ctl_reply_printf(r, "{\"reloaded\":true,\"trunks\":%zu}\n",
					 trunk_set_count(s->trunks));
		}
	} else if (strncmp(cmd, "rekey ", 6) == 0) {
		rekey_cmd(s, cmd + 6, r);
	} else if (strcmp(cmd, "help") == 0) {
		ctl_reply_printf(r, "calls   every call: trunks, state, KTR or fallback, offloaded, legs with counters (the kernel's merged in)\n"
				    "stats   totals: calls, KTR and fallback calls, packets relayed (and by the kernel), crypto operations, source-check drops, offload state\n"
				    "reload  read the trunk files again (as SIGHUP)\n"
				    "rekey CALL  new_srtp_key_request to the call's DTLS UA; its new key goes to the SDES UA by re-INVITE\n"
				    "help    this text\n");
	} else {
		ctl_reply_status(r, 2);
		ctl_reply_printf(r, "unknown command: %s (try help)\n", cmd);
	}
}

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
	case SBC_ST_UP: return "up";
	default: return "ending";
	}
}

/* Counters include the kernel's while the call is offloaded
 * (relay_call_stats); kernel_fwd_pkts is the kernel's part of fwd_pkts. */
static void leg_json(struct ctl_reply *r, const char *name, uint16_t port,
		     const struct relay_fwd *f, bool offloaded,
		     uint64_t kernel_fwd_pkts)
{
	ctl_reply_printf(r,
			 "\"%s\":{\"port\":%u,\"pkts\":%" PRIu64 ",\"bytes\":%" PRIu64
			 ",\"fwd_pkts\":%" PRIu64 ",\"fwd_bytes\":%" PRIu64
			 ",\"dropped_src\":%" PRIu64 ",\"dropped_other\":%" PRIu64
			 ",\"dtls_pkts\":%" PRIu64 ",\"crypto_ops\":%" PRIu64
			 ",\"offloaded\":%s,\"kernel_fwd_pkts\":%" PRIu64 "}",
			 name, port, f->pkts, f->bytes, f->fwd_pkts, f->fwd_bytes,
			 f->dropped_src, f->dropped_other, f->dtls_pkts, f->crypto_ops,
			 offloaded ? "true" : "false", kernel_fwd_pkts);
}

/* A call from the DTLS side: what each window transcrypt did (relay.h,
 * relay_window); end_index -1 while the window is open. */
static void window_json(struct ctl_reply *r, const char *name,
			const struct relay_window *w)
{
	ctl_reply_printf(r,
			 "\"%s\":{\"rtp_ops\":%" PRIu64 ",\"rtcp_ops\":%" PRIu64
			 ",\"first_index\":%" PRId64 ",\"end_index\":%" PRId64
			 ",\"pkts\":%" PRIu64 "}",
			 name, w->rtp_ops, w->rtcp_ops,
			 w->started ? (int64_t)w->first_index : -1,
			 w->closed ? (int64_t)w->end_index : -1, relay_window_pkts(w));
}

static void calls_json(struct sbc *s, struct ctl_reply *r)
{
	uint64_t now = clk_now_ms();
	bool first = true;

	ctl_reply_printf(r, "{\"calls\":[");
	for (struct sbc_call *c = s->calls; c; c = c->next) {
		struct relay_call_stats st;

		memset(&st, 0, sizeof(st));
		relay_call_stats(c->relay, &st);
		ctl_reply_printf(r,
				 "%s{\"id\":%" PRIu64 ",\"from\":\"%s\",\"to\":\"%s\","
				 "\"direction\":\"%s\",\"state\":\"%s\",\"media\":\"%s\","
				 "\"offloaded\":%s,\"age_ms\":%" PRIu64 ",",
				 first ? "" : ",", c->id, trunk_name(c->in_trunk),
				 trunk_name(c->out_trunk),
				 c->dir == SBC_FROM_SDES ? "sdes->dtls" : "dtls->sdes",
				 state_name(c->state),
				 c->ktr && !c->ktr_fallback ? "ktr" :
				 c->fallback ? "fallback" : "pending",
				 st.offloaded ? "true" : "false", now - c->t_start);
		leg_json(r, "sdes_leg", c->ports[RELAY_LEG_SDES], &st.leg[RELAY_LEG_SDES],
			 st.offloaded, st.kernel_fwd_pkts[RELAY_LEG_SDES]);
		ctl_reply_printf(r, ",");
		leg_json(r, "dtls_leg", c->ports[RELAY_LEG_DTLS], &st.leg[RELAY_LEG_DTLS],
			 st.offloaded, st.kernel_fwd_pkts[RELAY_LEG_DTLS]);
		/* A leg whose peer does not mux: its RTCP port's record (a
		 * call with one is never offloaded). */
		for (int l = 0; l < 2; l++) {
			if (!st.has_rtcp[l])
				continue;
			ctl_reply_printf(r, ",");
			leg_json(r, l == RELAY_LEG_SDES ? "sdes_rtcp" : "dtls_rtcp",
				 relay_leg_rtcp_port(c->relay, (unsigned)l), &st.rtcp[l],
				 false, 0);
		}
		if (st.window[RELAY_LEG_SDES].armed || st.window[RELAY_LEG_DTLS].armed) {
			ctl_reply_printf(r, ",\"window\":{");
			window_json(r, "sdes_leg", &st.window[RELAY_LEG_SDES]);
			ctl_reply_printf(r, ",");
			window_json(r, "dtls_leg", &st.window[RELAY_LEG_DTLS]);
			ctl_reply_printf(r, "}");
		}
		ctl_reply_printf(r, "}");
		first = false;
	}
	ctl_reply_printf(r, "]}\n");
}

static void stats_json(struct sbc *s, struct ctl_reply *r)
{
	uint64_t fwd = 0, crypto = 0, dropped_src = 0, ktr_now = 0, fb_now = 0;
	uint64_t off_now = 0, kfwd = 0;

	for (struct sbc_call *c = s->calls; c; c = c->next) {
		struct relay_call_stats st;

		if (relay_call_stats(c->relay, &st))
			continue;
		for (int l = 0; l < 2; l++) {
			fwd += st.leg[l].fwd_pkts + st.rtcp[l].fwd_pkts;
			crypto += st.leg[l].crypto_ops + st.rtcp[l].crypto_ops;
			dropped_src += st.leg[l].dropped_src + st.rtcp[l].dropped_src;
			kfwd += st.kernel_fwd_pkts[l];
		}
		off_now += st.offloaded;
		ktr_now += c->ktr && !c->ktr_fallback;
		fb_now += c->fallback;
	}
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
			 "}\n",
			 s->n_calls, ktr_now, fb_now, s->calls_total, s->calls_ktr,
			 s->calls_fallback, s->calls_failed, s->rejected_trust,
			 s->rejected_route, fwd, crypto, dropped_src,
			 s->offload_state, off_now, kfwd, s->pkts_total,
			 s->dropped_src_total, s->crypto_ktr_total,
			 s->crypto_window_total, s->window_pkts_total,
			 s->crypto_fallback_total,
			 s->ktr_refused, s->ktr_gave_up, s->ktr_fallbacks, s->ktr_ended,
			 s->rekeys_requested, s->rekeys_passed);
}

/* "rekey CALL": the SBC-initiated re-key on demand (sbc_ktr.c), what a
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
	err = sbc_call_rekey(c, "ktrsbc-ctl rekey");
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

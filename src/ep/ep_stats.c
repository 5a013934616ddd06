/* ep statistics as one JSON object (ep.h). Counters only: never keys. */
#include "ep/ep_int.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

struct jw {
	char *p;
	size_t cap, len;
	bool overflow;
};

static void jw_printf(struct jw *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void jw_printf(struct jw *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(j->p + j->len, j->cap - j->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= j->cap - j->len)
		j->overflow = true;
	else
		j->len += (size_t)n;
}

/* A JSON string (RFC 8259 7): quotes, backslashes and control characters
 * escaped. */
static void jw_string(struct jw *j, const char *name, const char *s)
{
	jw_printf(j, "\"%s\":\"", name);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			jw_printf(j, "\\%c", ch);
		else if (ch < 0x20)
			jw_printf(j, "\\u%04x", ch);
		else
			jw_printf(j, "%c", ch);
	}
	jw_printf(j, "\",");
}

static void jw_u64(struct jw *j, const char *name, uint64_t v)
{
	jw_printf(j, "\"%s\":%llu,", name, (unsigned long long)v);
}

int ep_stats_json(const struct ep *ep, char *buf, size_t cap)
{
	const struct ep_stats *s;
	struct jw j = { .p = buf, .cap = cap };
	const char *name;

	if (!ep || !buf || !cap)
		return -EINVAL;
	s = &ep->st;
	jw_printf(&j, "{");
	jw_string(&j, "mode", ep->mode == EP_MODE_SDES ? "sdes" : "dtls");
	name = ep->profile ? dtls_profile_name(ep->profile) : NULL;
	jw_string(&j, "profile", name ? name : "");
	name = ep->profile ? ksrtp_profile_name(ep->profile) : NULL;
	jw_string(&j, "suite", name ? name : "");
	jw_printf(&j, "\"ktr\":%s,", ep_ktr(ep) ? "true" : "false");
	jw_string(&j, "error", ep_error(ep));
	jw_u64(&j, "ssrc", ep->ssrc);
	jw_u64(&j, "pt", ep->shape.pt);
	jw_u64(&j, "first_index", ep->first_index);
	jw_u64(&j, "sent", s->rtp_sent + s->rtcp_sent);
	jw_u64(&j, "received", s->rtp_in + s->rtcp_in);
	jw_u64(&j, "authenticated", s->rtp_recv + s->rtcp_recv);
	jw_u64(&j, "key_switches", s->rx_switches + s->tx_switches);
	jw_u64(&j, "rtp_sent", s->rtp_sent);
	jw_u64(&j, "rtcp_sent", s->rtcp_sent);
	jw_u64(&j, "rtp_in", s->rtp_in);
	jw_u64(&j, "rtcp_in", s->rtcp_in);
	jw_u64(&j, "rtp_recv", s->rtp_recv);
	jw_u64(&j, "rtcp_recv", s->rtcp_recv);
	jw_u64(&j, "auth_fail", s->auth_fail);
	jw_u64(&j, "replay", s->replay);
	jw_u64(&j, "no_key", s->no_key);
	jw_u64(&j, "dropped_source", s->dropped_source);
	jw_u64(&j, "dropped_other", s->dropped_other);
	jw_u64(&j, "dropped_dtls", s->dropped_dtls);
	jw_u64(&j, "keys_installed", s->keys_installed);
	jw_printf(&j, "\"first_peer_key_any\":%s,",
		  s->first_peer_key_any ? "true" : "false");
	jw_u64(&j, "first_peer_key_ssrc", s->first_peer_key_ssrc);
	jw_u64(&j, "first_peer_key_index", s->first_peer_key_index);
	jw_u64(&j, "keys_announced", s->keys_announced);
	jw_u64(&j, "keys_activated", s->keys_activated);
	jw_u64(&j, "rx_switches", s->rx_switches);
	jw_u64(&j, "tx_switches", s->tx_switches);
	jw_u64(&j, "ktr_gave_up", s->ktr_gave_up);
	jw_u64(&j, "ktr_peer_failures", s->ktr_peer_failures);
	jw_u64(&j, "ktr_bad_input", s->ktr_bad_input);
	jw_u64(&j, "dtls_dropped", s->dtls_dropped);
	jw_u64(&j, "send_errors", s->send_errors);
	jw_u64(&j, "captured", s->captured);
	jw_u64(&j, "peer_reports", s->peer_reports);
	jw_u64(&j, "peer_ext_seq", s->peer_ext_seq);
	jw_printf(&j, "\"peer_lost\":%ld,", (long)s->peer_lost);
	jw_printf(&j, "\"capture_errors\":%llu}",
		  (unsigned long long)s->capture_errors);
	if (j.overflow) {
		buf[0] = 0;
		return -ENOSPC;
	}
	return (int)j.len;
}

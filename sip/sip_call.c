/*
 * sip_call: actions on one INVITE dialog (see sip.h). Events arriving from
 * the stack are handled in sip_event.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/url.h>

#include "sip/sip_priv.h"

#define SIP_MAX_FORWARDS_DEFAULT 70u
#define SIP_MAX_FORWARDS_MAX 255u
#define SIP_CT_SDP "application/sdp"

struct sip_call *sip_call_new(struct sip_ua *u, bool incoming)
{
	struct sip_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->hm.kind = SIP_HM_CALL;
	c->ua = u;
	c->info.incoming = incoming;
	c->info.request_uri = c->ruri;
	c->info.from = c->from;
	c->info.from_user = c->from_user;
	c->info.from_display = c->from_display;
	c->info.to = c->to;
	c->info.peer_addr = c->peer;
	c->info.max_forwards = SIP_MAX_FORWARDS_DEFAULT;
	c->state = incoming ? SIP_CS_INCOMING : SIP_CS_CALLING;
	c->next = u->calls;
	if (u->calls)
		u->calls->prev = c;
	u->calls = c;
	u->ncalls++;
	return c;
}

void sip_call_destroy(struct sip_call *c)
{
	struct sip_ua *u = c->ua;

	if (c->prev)
		c->prev->next = c->next;
	else
		u->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	u->ncalls--;
	sip_update_drop(c);
	if (c->nh) {
		nua_handle_bind(c->nh, NULL);
		nua_handle_destroy(c->nh);
	}
	sip_refresh_free(c);
	free(c);
}

/* The first cause recorded wins: a BYE we sent stays the reason even if
 * the stack later reports the dialog's end with its own status. */
void sip_call_note_end(struct sip_call *c, enum sip_end_cause cause,
		       int status, const char *reason)
{
	if (c->cause_set)
		return;
	c->cause_set = true;
	c->cause = cause;
	c->status = status;
	sip_strlcpy(c->reason, reason, sizeof(c->reason));
}

/* An SDP we send: present, bounded, text. */
static int call_sdp_check(const char *sdp)
{
	size_t n;

	if (!sdp)
		return -EINVAL;
	n = strnlen(sdp, SIP_SDP_MAX + 1);
	if (n == 0)
		return -EINVAL;
	if (n > SIP_SDP_MAX)
		return -EMSGSIZE;
	return 0;
}

/* A target we build requests to: a sip:/sips: URI with a host, nothing
 * that could end the header it is put in. Sets *tp from the scheme and a
 * transport parameter. */
int sip_target_check(const char *target, enum sip_transport *tp)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	char tpname[8];
	url_t *url;
	size_t n;
	int err = 0;

	if (!target)
		return -EINVAL;
	n = strnlen(target, SIP_URI_MAX + 1);
	if (n > SIP_URI_MAX)
		return -EMSGSIZE;
	if (strncasecmp(target, "sip:", 4) && strncasecmp(target, "sips:", 5))
		return -EINVAL;
	if (strpbrk(target, " \t\r\n<>\",") != NULL)
		return -EINVAL;
	url = url_make(home, target);
	if (!url || (url->url_type != url_sip && url->url_type != url_sips) ||
	    !url->url_host || !*url->url_host) {
		err = -EINVAL;
		goto out;
	}
	*tp = url->url_type == url_sips ? SIP_TP_TLS : SIP_TP_UDP;
	if (url->url_params &&
	    url_param(url->url_params, "transport", tpname,
		      sizeof(tpname)) > 0) {
		if (!strcasecmp(tpname, "tcp"))
			*tp = SIP_TP_TCP;
		else if (!strcasecmp(tpname, "tls"))
			*tp = SIP_TP_TLS;
		else if (strcasecmp(tpname, "udp"))
			err = -EINVAL;
	}
out:
	su_home_deinit(home);
	return err;
}

static bool call_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	       (ch >= 'A' && ch <= 'F');
}

/* RFC 3261 25.1 user: unreserved / escaped / user-unreserved; plus '#'
 * (dial strings; Sofia escapes it on the wire). */
static bool call_user_ok(const char *s)
{
	size_t n = strnlen(s, SIP_USER_MAX + 1);

	if (n == 0 || n > SIP_USER_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '%') {
			if (i + 2 >= n || !call_hex(s[i + 1]) ||
			    !call_hex(s[i + 2]))
				return false;
			i += 2;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') ||
		      strchr("-_.!~*'()&=+$,;?/#", ch)))
			return false;
	}
	return true;
}

int sip_from_build(char *out, size_t size, const struct sip_ua *u,
		   const char *user, const char *display, bool tls)
{
	char q[2 * SIP_DISPLAY_MAX + 4];
	size_t n = 0, dl;
	int len;

	if (!call_user_ok(user))
		return -EINVAL;
	if (display && *display) {
		dl = strnlen(display, SIP_DISPLAY_MAX + 1);
		if (dl > SIP_DISPLAY_MAX)
			return -EMSGSIZE;
		q[n++] = '"';
		for (size_t i = 0; i < dl; i++) {
			unsigned char ch = (unsigned char)display[i];

			if (ch < 0x20 || ch == 0x7f)
				return -EINVAL;
			if (ch == '"' || ch == '\\')
				q[n++] = '\\';
			q[n++] = (char)ch;
		}
		q[n++] = '"';
		q[n++] = ' ';
	}
	q[n] = '\0';
	len = snprintf(out, size, "%s<%s:%s@%s%s%s>", q, tls ? "sips" : "sip",
		       user, strchr(u->host, ':') ? "[" : "", u->host,
		       strchr(u->host, ':') ? "]" : "");
	if (len < 0 || (size_t)len >= size)
		return -EMSGSIZE;
	return 0;
}

int sip_call_invite(struct sip_ua *u, const char *target, const char *sdp,
		    const struct sip_invite_params *p, struct sip_call **cp)
{
	char to[SIP_URI_MAX + 3], from[SIP_URI_MAX], mf[8];
	const char *user, *display, *lt;
	enum sip_transport tp = SIP_TP_UDP;
	unsigned max_fwd = SIP_MAX_FORWARDS_DEFAULT;
	bool timer_on = u ? u->timers : false;
	struct sip_call *c;
	int err;

	if (!cp)
		return -EINVAL;
	*cp = NULL;
	if (!u || u->closing)
		return -EINVAL;
	err = sip_target_check(target, &tp);
	if (!err)
		err = call_sdp_check(sdp);
	if (err)
		return err;
	user = p && p->from_user ? p->from_user : u->user;
	display = p && p->from_display ? p->from_display : "";
	err = sip_from_build(from, sizeof(from), u, user, display,
			     tp == SIP_TP_TLS);
	if (err)
		return err;
	if (p && p->max_forwards) {
		if (p->max_forwards > SIP_MAX_FORWARDS_MAX)
			return -EINVAL;
		max_fwd = p->max_forwards;
	}
	if (u->ncalls >= u->max_calls)
		return -ENOBUFS;

	c = sip_call_new(u, false);
	if (!c)
		return -ENOMEM;
	c->info.transport = tp;
	c->info.tls = tp == SIP_TP_TLS;
	sip_strlcpy(c->ruri, target, sizeof(c->ruri));
	sip_strlcpy(c->to, target, sizeof(c->to));
	sip_strlcpy(c->from_user, user, sizeof(c->from_user));
	sip_strlcpy(c->from_display, display, sizeof(c->from_display));
	/* The URI in angle brackets: its ;transport= stays a URI parameter
	 * (RFC 3261 20.10). */
	snprintf(to, sizeof(to), "<%s>", target);
	lt = strrchr(from, '<');
	snprintf(c->from, sizeof(c->from), "%.*s", (int)strlen(lt) - 2,
		 lt + 1);
	snprintf(mf, sizeof(mf), "%u", max_fwd);

	if (p && p->timer_set)
		timer_on = p->session_expires != 0;
	c->nh = nua_handle(u->nua, c, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from),
			   TAG_IF(p && p->timer_set,
				  SIPTAG_SUPPORTED_STR(timer_on ? "100rel, timer" : "100rel")),
			   TAG_IF(p && p->timer_set,
				  NUTAG_SESSION_TIMER(p ? p->session_expires : 0)),
			   TAG_IF(p && p->timer_set && p->min_se,
				  NUTAG_MIN_SE(p ? p->min_se : 0)),
			   TAG_END());
	if (!c->nh) {
		sip_call_destroy(c);
		return -ENOMEM;
	}
	nua_invite(c->nh, SIPTAG_MAX_FORWARDS_STR(mf),
		   SIPTAG_CONTENT_TYPE_STR(SIP_CT_SDP),
		   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	sip_refresh_offer_out(c, sdp);
	*cp = c;
	return 0;
}

int sip_call_answer(struct sip_call *c, const char *sdp)
{
	int err;

	if (!c)
		return -EINVAL;
	err = call_sdp_check(sdp);
	if (err)
		return err;
	if (!c->offer_pending || c->state == SIP_CS_ENDING)
		return -EPROTO;
	/* After an answer in a reliable 183 no SDP (RFC 3262 5: the
	 * exchange is complete; nua's own soa sends none either). */
	if (c->update_in) {
		sip_refresh_answer_out(c, sdp);
		return sip_update_respond(c, 200, "OK", NULL, sdp);
	}
	nua_respond(c->nh, SIP_200_OK, SIPTAG_SERVER_STR(c->ua->product),
		    TAG_IF(!c->answered_reliably || c->reinvite_in,
			   SIPTAG_CONTENT_TYPE_STR(SIP_CT_SDP)),
		    TAG_IF(!c->answered_reliably || c->reinvite_in,
			   SIPTAG_PAYLOAD_STR(sdp)), TAG_END());
	sip_refresh_answer_out(c, sdp);
	c->offer_pending = false;
	c->reinvite_in = false;
	c->state = SIP_CS_UP;
	return 0;
}

int sip_call_progress(struct sip_call *c, int status, const char *sdp)
{
	const char *phrase;
	int err;

	if (!c || status <= 100 || status > 199)
		return -EINVAL;
	if (sdp) {
		err = call_sdp_check(sdp);
		if (err)
			return err;
	}
	if (!c->offer_pending || c->reinvite_in || c->state != SIP_CS_INCOMING)
		return -EPROTO;
	phrase = sip_status_phrase(status);
	/* nua_invite_server_is_100rel: a 183 to a peer allowing 100rel */
	if (sdp && status == 183 && c->peer_100rel)
		c->answered_reliably = true;
	nua_respond(c->nh, status, phrase ? phrase : "Session Progress",
		    SIPTAG_SERVER_STR(c->ua->product),
		    TAG_IF(sdp, SIPTAG_CONTENT_TYPE_STR(SIP_CT_SDP)),
		    TAG_IF(sdp, SIPTAG_PAYLOAD_STR(sdp)), TAG_END());
	return 0;
}

/* Reason text as a quoted-string body and a reason phrase: printable
 * ASCII, no quote or backslash (RFC 3261 25.1). */
static void call_reason_clean(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i + 1 < size; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] = (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') ?
			 '_' : (char)ch;
	}
	dst[i] = '\0';
}

int sip_call_reject(struct sip_call *c, int status, const char *reason)
{
	char clean[SIP_REASON_MAX + 1], warn[SIP_REASON_MAX + 96];
	const char *phrase;
	struct sip_ua *u;

	if (!c || status < 300 || status > 699)
		return -EINVAL;
	if (!c->offer_pending || c->state == SIP_CS_ENDING)
		return -EPROTO;
	u = c->ua;
	call_reason_clean(clean, sizeof(clean), reason);
	/* nua_respond keeps the phrase pointer until the stack runs (tags
	 * are copied, the phrase is not): keep it in the call. */
	sip_strlcpy(c->phrase, clean, sizeof(c->phrase));
	phrase = clean[0] ? c->phrase : sip_status_phrase(status);
	if (!phrase)
		phrase = "Rejected";
	if (clean[0])
		snprintf(warn, sizeof(warn), "399 %s%s%s \"%s\"",
			 strchr(u->host, ':') ? "[" : "", u->host,
			 strchr(u->host, ':') ? "]" : "", clean);
	if (c->update_in)
		return sip_update_respond(c, status, phrase, clean[0] ? warn : NULL, NULL);
	nua_respond(c->nh, status, phrase, SIPTAG_SERVER_STR(u->product),
		    TAG_IF(clean[0], SIPTAG_WARNING_STR(warn)), TAG_END());
	c->offer_pending = false;
	if (!c->reinvite_in) {
		sip_call_note_end(c, SIP_END_REJECT_LOCAL, status, phrase);
		c->state = SIP_CS_ENDING;
	}
	c->reinvite_in = false;
	return 0;
}

int sip_call_reinvite(struct sip_call *c, const char *sdp)
{
	int err;

	if (!c)
		return -EINVAL;
	err = call_sdp_check(sdp);
	if (err)
		return err;
	if (c->state != SIP_CS_UP || c->reinvite_pending || c->offer_pending)
		return -EPROTO;
	nua_invite(c->nh, SIPTAG_CONTENT_TYPE_STR(SIP_CT_SDP),
		   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	sip_refresh_offer_out(c, sdp);
	c->reinvite_pending = true;
	return 0;
}

int sip_call_cancel(struct sip_call *c)
{
	if (!c)
		return -EINVAL;
	if (c->info.incoming || c->state != SIP_CS_CALLING || c->cancel_sent)
		return -EPROTO;
	nua_cancel(c->nh, TAG_END());
	c->cancel_sent = true;
	sip_call_note_end(c, SIP_END_CANCEL_LOCAL, 487, "Request Terminated");
	return 0;
}

int sip_call_bye(struct sip_call *c)
{
	if (!c)
		return -EINVAL;
	if (c->state != SIP_CS_UP)
		return -EPROTO;
	nua_bye(c->nh, TAG_END());
	c->state = SIP_CS_ENDING;
	sip_call_note_end(c, SIP_END_BYE_LOCAL, 200, "BYE");
	return 0;
}

int sip_call_bye_reason(struct sip_call *c, int cause, const char *text)
{
	char clean[SIP_REASON_MAX + 1], hdr[SIP_REASON_MAX + 48];

	if (!c || cause < 100 || cause > 699)
		return -EINVAL;
	if (c->state != SIP_CS_UP)
		return -EPROTO;
	call_reason_clean(clean, sizeof(clean), text);
	snprintf(hdr, sizeof(hdr), "SIP;cause=%d;text=\"%s\"", cause, clean);
	nua_bye(c->nh, SIPTAG_REASON_STR(hdr), TAG_END());
	c->state = SIP_CS_ENDING;
	sip_call_note_end(c, SIP_END_BYE_LOCAL, 200, "BYE");
	return 0;
}

int sip_call_hangup(struct sip_call *c)
{
	if (!c)
		return -EINVAL;
	switch (c->state) {
	case SIP_CS_CALLING:
		return sip_call_cancel(c);
	case SIP_CS_INCOMING:
		return sip_call_reject(c, 480, "Temporarily Unavailable");
	case SIP_CS_UP:
		return sip_call_bye(c);
	default:
		return -EPROTO;
	}
}

void sip_call_set_data(struct sip_call *c, void *data)
{
	if (c)
		c->data = data;
}

void *sip_call_get_data(const struct sip_call *c)
{
	return c ? c->data : NULL;
}

const struct sip_call_info *sip_call_info_get(const struct sip_call *c)
{
	return c ? &c->info : NULL;
}

struct sip_ua *sip_call_ua(const struct sip_call *c)
{
	return c ? c->ua : NULL;
}

const char *sip_call_response_tag(const struct sip_call *c)
{
	return c ? c->rtag : "";
}

bool sip_call_response_reliable(const struct sip_call *c)
{
	return c && c->rreliable;
}

bool sip_call_peer_100rel(const struct sip_call *c)
{
	return c && c->peer_100rel;
}

bool sip_call_is_established(const struct sip_call *c)
{
	return c && (c->state == SIP_CS_UP ||
		     (c->state == SIP_CS_ENDING && c->cause_set &&
		      c->cause == SIP_END_BYE_LOCAL));
}

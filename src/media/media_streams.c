/*
 * media_streams: a stream removed mid-call (issue 14 point 2). A UA's
 * re-offer (re-INVITE or UPDATE) with port 0 on a relayed m-line removes
 * that stream (RFC 3264 8.2): the m-line stays in every later SDP, at port
 * 0, in its slot (RFC 3264 8: slots are never taken back for another
 * kind here). The other UA is offered the same m-line at port 0; once it
 * has answered, both legs' answer carries port 0 and the stream's relay
 * call goes (its legs and ports, its DTLS association and KTR state, its
 * keys A/B/C/D wiped: media_stream_free). Should the other UA refuse, the
 * stream stays as it was. At least one stream is kept: a re-offer that
 * would leave none is refused (488), the call ends by BYE instead.
 *
 * A stream added mid-call (an m-line beyond the ones the call has, RFC
 * 3264 8.1) is not set up: the re-offer is answered with that m-line at
 * port 0 (RFC 3264 6, the answerer declines it), logged and counted
 * (mlines_declined), and the call goes on with its streams.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/klog.h"
#include "base/sec.h"
#include "media/media_int.h"

int media_streams_offer(struct media_session *s, const struct sdp_session *o,
			size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < s->n_streams; i++) {
		struct media_stream *m = &s->streams[i];
		const struct sdp_media *md = sdp_session_media(o, m->idx);

		m->removing = md && !sdp_media_port(md);
		*n += m->removing;
	}
	if (*n && *n == s->n_streams) {
		media_streams_keep(s);
		*n = 0;
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the re-offer removes every stream (port 0): end the call with BYE");
		return -EPROTO;
	}
	return 0;
}

static int remove_edit(struct media_stream *m, struct sdp_media *md, const void *arg)
{
	int err;

	(void)arg;
	if (!m->removing)
		return 0;
	/* a rejected line carries no key (draft 6: keys only where needed) */
	if (!(err = sdp_media_port_set(md, 0)))
		sdp_media_attr_del(md, "crypto");
	return err;
}

char *media_streams_rewrite(struct media_session *s, char *text)
{
	bool any = false;

	for (size_t i = 0; i < s->n_streams; i++)
		any |= s->streams[i].removing;
	return any ? media_sdp_edit(s, text, remove_edit, NULL) : text;
}

void media_streams_remove(struct media_session *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n_streams; i++) {
		struct media_stream *m = &s->streams[i];

		if (!m->removing) {
			if (k != i) {
				s->streams[k] = *m;
				sec_wipe(m, sizeof(*m));
			}
			k++;
			continue;
		}
		klog(KLOG_INFO, "sbc: call %llu: m-line %zu removed (port 0, RFC 3264 8.2): its relay legs, DTLS association, KTR state and keys freed",
		     (unsigned long long)s->id, m->idx);
		media_stream_free(m);
	}
	s->n_streams = k;
}

void media_streams_drop(struct media_session *s, size_t i)
{
	if (i >= s->n_streams)
		return;
	media_stream_free(&s->streams[i]);
	for (size_t k = i + 1; k < s->n_streams; k++)
		s->streams[k - 1] = s->streams[k];
	s->n_streams--;
	sec_wipe(&s->streams[s->n_streams], sizeof(s->streams[0]));
}

void media_streams_keep(struct media_session *s)
{
	for (size_t i = 0; i < s->n_streams; i++)
		s->streams[i].removing = false;
}

int media_streams_added(struct media_session *s, enum media_side from,
			const struct sdp_session *o)
{
	const char *last = s->last_sdp[from];
	struct sdp_session *l = NULL;
	struct sdp_error e;
	size_t n_last, n_o = sdp_session_media_count(o);

	s->n_added = 0;
	if (!last || sdp_parse(&l, last, strlen(last), &e))
		return 0;
	n_last = sdp_session_media_count(l);
	s->added_first = n_last;
	sdp_session_free(l);
	if (n_o < n_last) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the re-offer has %zu m-lines for the call's %zu (RFC 3264 8: none is ever removed)",
				n_o, n_last);
		return -EPROTO;
	}
	if (n_o - n_last > MEDIA_STREAMS_MAX) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"the re-offer adds %zu m-lines", n_o - n_last);
		return -E2BIG;
	}
	for (size_t i = n_last; i < n_o; i++) {
		const struct sdp_media *md = sdp_session_media(o, i);
		size_t k = s->n_added++;

		snprintf(s->added[k].type, sizeof(s->added[k].type), "%s", sdp_media_type(md));
		snprintf(s->added[k].proto, sizeof(s->added[k].proto), "%s", sdp_media_proto(md));
		snprintf(s->added[k].fmt, sizeof(s->added[k].fmt), "%s", sdp_media_fmt(md, 0));
		s->added[k].taken = false;
	}
	return 0;
}

/* Append a copy of src (its m= line, own c= and attributes) to t. */
static int mline_copy(struct sdp_session *t, const struct sdp_media *src)
{
	struct sdp_media *nm = NULL;
	struct sdp_conn conn;
	int err = sdp_media_add(t, &nm, sdp_media_type(src), sdp_media_port(src),
				sdp_media_proto(src), sdp_media_fmts(src));

	if (!err && sdp_media_conn_own(src) && sdp_media_conn(src, &conn))
		err = sdp_media_conn_set(nm, conn.addr);
	for (size_t i = 0; !err && i < sdp_media_attr_count(src); i++) {
		struct sdp_attr a;

		if (!(err = sdp_media_attr_get(src, i, &a)))
			err = sdp_media_attr_add(nm, a.name, a.value);
	}
	return err;
}

char *media_streams_append_added(struct media_session *s, char *text,
				 const struct sdp_session *xl)
{
	struct sdp_session *t = NULL;
	struct sdp_error e;
	char *out = NULL;
	int err;

	if (!text || !s->n_added)
		return text;
	err = sdp_parse(&t, text, strlen(text), &e);
	for (size_t k = 0; k < s->n_added && !err; k++) {
		const struct sdp_media *xm = xl ? sdp_session_media(xl, s->added_first + k) : NULL;

		if (s->added[k].taken && xm)
			err = mline_copy(t, xm);
		else
			err = sdp_media_add(t, NULL, s->added[k].type, 0, s->added[k].proto,
					    s->added[k].fmt);
	}
	if (!err)
		err = media_print_alloc(t, &out);
	sdp_session_free(t);
	media_sdp_free(text);
	return err ? NULL : out;
}

void media_streams_added_log(struct media_session *s, enum media_side from)
{
	for (size_t k = 0; k < s->n_added; k++) {
		if (s->added[k].taken)
			continue;
		s->e->st.mlines_declined++;
		klog(KLOG_INFO, "sbc: call %llu: m-line %zu (m=%s %s) added by the %s UA: declined with port 0",
		     (unsigned long long)s->id, s->added_first + k, s->added[k].type,
		     s->added[k].proto, from == MEDIA_SIDE_SDES ? "SDES" : "DTLS");
	}
}

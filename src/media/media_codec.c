/*
 * media_codec: a re-offer that changes a stream's codecs (payload types,
 * a=rtpmap, a=fmtp: RFC 3264 8.3.2 lets either UA change its formats in a
 * new offer). The SBC relays RTP byte for byte and has no opinion on
 * codecs, but the other UA must agree to them: the change goes to it in
 * our re-offer, and its answer's formats come back in our answer to the
 * UA that offered (media_reoffer.c carries both).
 *
 * What a UA last said about a stream's formats is in our last SDP to the
 * other UA: our offers and answers carry the formats of the SDP they
 * translate (sdp_xlate keeps formats, a=rtpmap and a=fmtp as they are), so
 * the re-offer of side X is compared with last_sdp[!X]. a=rtcp-fb goes
 * with the formats where the target profile has feedback (RFC 4585), as
 * sdp_xlate does; a=ptime and a=maxptime go too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/klog.h"
#include "media/media_int.h"

static const char *const codec_attrs[] = { "rtpmap", "fmtp", "rtcp-fb", "ptime",
					   "maxptime" };
#define N_CODEC_ATTRS (sizeof(codec_attrs) / sizeof(codec_attrs[0]))

/* What decides "changed": the format list and each a=rtpmap and a=fmtp,
 * in order (a=rtcp-fb may have been left out by the profile). */
static bool codecs_same(const struct sdp_media *a, const struct sdp_media *b)
{
	size_t na = sdp_media_attr_count(a), nb = sdp_media_attr_count(b);
	size_t i = 0, j = 0;

	if (strcmp(sdp_media_fmts(a), sdp_media_fmts(b)))
		return false;
	for (;;) {
		struct sdp_attr x = { 0 }, y = { 0 };
		bool hx = false, hy = false;

		while (i < na && !hx) {
			sdp_media_attr_get(a, i++, &x);
			hx = !strcmp(x.name, "rtpmap") || !strcmp(x.name, "fmtp");
		}
		while (j < nb && !hy) {
			sdp_media_attr_get(b, j++, &y);
			hy = !strcmp(y.name, "rtpmap") || !strcmp(y.name, "fmtp");
		}
		if (hx != hy)
			return false;
		if (!hx)
			return true;
		if (strcmp(x.name, y.name) || strcmp(x.value ? x.value : "",
						     y.value ? y.value : ""))
			return false;
	}
}

int media_codec_offer(struct media_session *s, enum media_side from,
		      const struct sdp_session *o, bool *changed)
{
	const char *ref_text = s->last_sdp[!from];
	struct sdp_session *ref = NULL;
	struct sdp_error e;

	*changed = false;
	for (size_t i = 0; i < s->n_streams; i++)
		s->streams[i].codec_pending = false;
	if (!ref_text || sdp_parse(&ref, ref_text, strlen(ref_text), &e))
		return 0; /* nothing to compare with: as before */
	for (size_t i = 0; i < s->n_streams; i++) {
		struct media_stream *m = &s->streams[i];
		const struct sdp_media *md = sdp_session_media(o, m->idx);
		const struct sdp_media *rm = sdp_session_media(ref, m->idx);

		if (m->removing || !md || !rm || codecs_same(md, rm))
			continue;
		m->codec_pending = true;
		*changed = true;
		klog(KLOG_INFO, "sbc: call %llu: m-line %zu: the %s UA changes its formats to \"%s\"; passed on",
		     (unsigned long long)s->id, m->idx,
		     from == MEDIA_SIDE_SDES ? "SDES" : "DTLS", sdp_media_fmts(md));
	}
	sdp_session_free(ref);
	return 0;
}

static bool has_feedback(const struct sdp_media *m)
{
	enum sdp_proto p = sdp_media_proto_kind(m);

	return p == SDP_PROTO_RTP_AVPF || p == SDP_PROTO_RTP_SAVPF ||
	       p == SDP_PROTO_UDP_TLS_RTP_SAVPF;
}

/* dst takes src's formats and their attributes. */
static int codecs_copy(struct sdp_media *dst, const struct sdp_media *src)
{
	bool fb = has_feedback(dst);
	int err = sdp_media_fmts_set(dst, sdp_media_fmts(src));

	for (size_t k = 0; !err && k < N_CODEC_ATTRS; k++)
		sdp_media_attr_del(dst, codec_attrs[k]);
	for (size_t i = 0; !err && i < sdp_media_attr_count(src); i++) {
		struct sdp_attr a;

		if (sdp_media_attr_get(src, i, &a))
			break;
		for (size_t k = 0; !err && k < N_CODEC_ATTRS; k++)
			if (!strcmp(a.name, codec_attrs[k]) &&
			    (fb || strcmp(a.name, "rtcp-fb")))
				err = sdp_media_attr_add(dst, a.name, a.value);
	}
	return err;
}

static int codec_edit(struct media_stream *m, struct sdp_media *md, const void *arg)
{
	const struct sdp_media *sm = sdp_session_media(arg, m->idx);

	return m->codec_pending && sm && sdp_media_port(sm) ? codecs_copy(md, sm) : 0;
}

char *media_codec_rewrite(struct media_session *s, char *text,
			  const struct sdp_session *src)
{
	bool any = false;

	for (size_t i = 0; i < s->n_streams; i++)
		any |= s->streams[i].codec_pending;
	if (!text || !any || !src)
		return text;
	return media_sdp_edit(s, text, codec_edit, src);
}

/*
 * sdp_bundle: BUNDLE (RFC 9143) in a session description: the group
 * (a=group:BUNDLE, RFC 5888) and its m-lines by a=mid, what demultiplexes
 * a bundled m-line's packets (a=ssrc, RFC 5576; its payload types, RFC
 * 8843 9.1), and the attributes ktrsbc writes toward a bundled peer
 * (a=group, a=mid, a=rtcp-mux, a=rtcp-mux-only of RFC 8858) or removes
 * toward one that does not bundle.
 *
 * Layer 6 (docs/layers.md): a layer on top of the parsed session, beside
 * sdp_capneg (neither calls the other).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdp/sdp_priv.h"

/* The m-line whose a=mid is mid (len bytes), or -1. */
static long mid_index(const struct sdp_session *s, const char *mid, size_t len)
{
	for (size_t i = 0; i < sdp_session_media_count(s); i++) {
		const char *v;

		if (sdp_media_attr_find(sdp_session_media(s, i), "mid", &v) &&
		    strlen(v) == len && !memcmp(v, mid, len))
			return (long)i;
	}
	return -1;
}

int sdp_bundle_group(const struct sdp_session *s, size_t *idx, size_t cap,
		     size_t *n)
{
	size_t na = sdp_session_attr_count(s);

	*n = 0;
	for (size_t a = 0; a < na; a++) {
		struct sdp_attr at;
		const char *p;

		if (sdp_session_attr_get(s, a, &at) || strcmp(at.name, "group") ||
		    !at.value || strncmp(at.value, "BUNDLE", 6) ||
		    (at.value[6] != ' ' && at.value[6]))
			continue;
		/* RFC 5888 5: a=group:BUNDLE mid1 mid2 ... (the first one
		 * found; ktrsbc relays one bundle per call) */
		for (p = at.value + 6; *p;) {
			size_t len;
			long i;

			while (*p == ' ')
				p++;
			len = strcspn(p, " ");
			if (!len)
				break;
			if ((i = mid_index(s, p, len)) < 0)
				return -EBADMSG;
			if (*n >= cap)
				return -ENOBUFS;
			for (size_t k = 0; k < *n; k++)
				if (idx[k] == (size_t)i)
					return -EBADMSG;
			idx[(*n)++] = (size_t)i;
			p += len;
		}
		return *n ? 0 : -EBADMSG;
	}
	return -ENOENT;
}

bool sdp_bundle_has(const size_t *idx, size_t n, size_t i)
{
	for (size_t k = 0; k < n; k++)
		if (idx[k] == i)
			return true;
	return false;
}

int sdp_bundle_ssrcs(const struct sdp_media *m, uint32_t *out, size_t cap,
		     size_t *n)
{
	size_t na = sdp_media_attr_count(m);

	for (size_t a = 0; a < na; a++) {
		struct sdp_attr at;
		unsigned long v;
		char *end;
		bool seen = false;

		if (sdp_media_attr_get(m, a, &at) || strcmp(at.name, "ssrc") ||
		    !at.value)
			continue;
		/* RFC 5576 4.1: a=ssrc:<ssrc-id> <attribute>[:<value>] */
		v = strtoul(at.value, &end, 10);
		if (end == at.value || (*end && *end != ' ') || v > UINT32_MAX)
			return -EBADMSG;
		for (size_t k = 0; k < *n; k++)
			seen |= out[k] == (uint32_t)v;
		if (seen)
			continue;
		if (*n >= cap)
			return -ENOBUFS;
		out[(*n)++] = (uint32_t)v;
	}
	return 0;
}

int sdp_bundle_pts(const struct sdp_media *m, uint8_t *out, size_t cap,
		   size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < sdp_media_fmt_count(m); i++) {
		const char *f = sdp_media_fmt(m, i);
		unsigned long v;
		char *end;

		v = strtoul(f, &end, 10);
		if (end == f || *end || v > 127)
			continue; /* not an RTP payload type */
		if (*n >= cap)
			return -ENOBUFS;
		out[(*n)++] = (uint8_t)v;
	}
	return 0;
}

int sdp_bundle_unbundled_ports(struct sdp_session *s, const size_t *idx,
			       size_t n)
{
	uint16_t port = 0;

	/* The BUNDLE address (RFC 9143 7.2.2): the first bundled m-line
	 * with a port. */
	for (size_t k = 0; k < n && !port; k++)
		port = sdp_media_port(sdp_session_media(s, idx[k]));
	if (!port)
		return -ENOENT;
	for (size_t k = 0; k < n; k++) {
		struct sdp_media *m = sdp_session_media(s, idx[k]);
		int err;

		/* RFC 9143 6: a=bundle-only with port 0 is an m-line that
		 * only exists inside the bundle, not a rejected one. */
		if (!sdp_media_port(m) && sdp_media_attr_find(m, "bundle-only", NULL) &&
		    (err = sdp_media_port_set(m, port)))
			return err;
	}
	return 0;
}

int sdp_bundle_write(struct sdp_session *s, const size_t *idx, size_t n,
		     char mids[][SDP_BUNDLE_MID_MAX], bool offer)
{
	char group[8 + SDP_BUNDLE_MAX * (SDP_BUNDLE_MID_MAX + 1)];
	size_t off;
	int err;

	if (n > SDP_BUNDLE_MAX)
		return -EINVAL;
	sdp_session_attr_del(s, "group");
	off = (size_t)snprintf(group, sizeof(group), "BUNDLE");
	for (size_t k = 0; k < n; k++) {
		struct sdp_media *m = sdp_session_media(s, idx[k]);

		if (!m || !mids[k][0])
			return -EINVAL;
		off += (size_t)snprintf(group + off, sizeof(group) - off, " %s", mids[k]);
		sdp_media_attr_del(m, "mid");
		sdp_media_attr_del(m, "bundle-only");
		sdp_media_attr_del(m, "rtcp-mux-only");
		if ((err = sdp_media_attr_add(m, "mid", mids[k])) ||
		    (err = sdp_media_rtcp_mux_set(m, true)))
			return err;
		/* RFC 8858 4: only an offer says mux-only; its answer muxes */
		if (offer && (err = sdp_media_attr_add(m, "rtcp-mux-only", NULL)))
			return err;
	}
	return sdp_session_attr_add(s, "group", group);
}

void sdp_bundle_strip(struct sdp_session *s)
{
	sdp_session_attr_del(s, "group");
	for (size_t i = 0; i < sdp_session_media_count(s); i++) {
		struct sdp_media *m = sdp_session_media(s, i);

		sdp_media_attr_del(m, "bundle-only");
		sdp_media_attr_del(m, "rtcp-mux-only");
	}
}

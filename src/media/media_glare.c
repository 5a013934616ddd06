/*
 * media_glare: the offer a driver re-sends after a glare (RFC 3261 14.1:
 * its re-INVITE got 491 and it retries after a random wait).
 */
#include <errno.h>
#include <string.h>

#include "media/media_int.h"

/*
 * What the core would offer side's peer now: our latest SDP toward it
 * (the offer that met the 491, or what we answered that peer since) with
 * the sess-version one up (RFC 3264 8: each SDP we send after one that
 * was sent counts up, so the retry never repeats a version with other
 * content). It becomes our latest SDP to that side. The core's own
 * re-offer state (a hold passed on, a key for the SDES UA) stays as it
 * is: the answer to the retry completes it. 0, -ENOENT (nothing sent to
 * that side yet) or -errno.
 */
int media_session_offer_again(struct media_session *s, enum media_side side,
			      const char **out)
{
	struct sdp_session *o = NULL;
	struct sdp_error e;
	char *text = NULL;
	int err;

	if (!s || !out)
		return -EINVAL;
	*out = NULL;
	if (!s->last_sdp[side])
		return -ENOENT;
	err = sdp_parse(&o, s->last_sdp[side], strlen(s->last_sdp[side]), &e);
	if (!err)
		err = sdp_session_version_bump(o);
	if (!err)
		err = media_print_alloc(o, &text);
	sdp_session_free(o);
	if (err)
		return err;
	media_last_sdp_set(s, side, text);
	*out = text;
	return 0;
}

/*
 * libFuzzer target over the SDP parser and each attribute parser: the first
 * byte picks the parser, the rest is its input. A parsed session is also
 * printed, parsed again (must succeed) and run through the DTLS and ICE
 * resolvers and the BUNDLE readers (group, a=ssrc, payload types; the
 * group written back must read the same); a parsed a=candidate is printed
 * and must parse the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdp/sdp.h"
#include "sdp/sdp_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *v = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;
	struct sdp_session *s, *s2;
	struct sdp_crypto c;
	struct sdp_fingerprint f;
	struct sdp_ktr_server k;
	struct sdp_rtcp r;
	struct sdp_tcap t;
	struct sdp_pcfg p;
	struct sdp_dtls_info di;
	struct sdp_ice_info ii;
	struct sdp_candidate cand;
	uint8_t out[64];
	char *txt;
	size_t i;

	if (!size)
		return 0;
	switch (data[0] % 8) {
	case 0:
	case 1:
		if (sdp_parse(&s, v, n, NULL))
			break;
		for (i = 0; i < sdp_session_media_count(s); i++) {
			struct sdp_conn rc;
			uint16_t rport;

			sdp_media_dtls_info(sdp_session_media(s, i), &di, NULL);
			sdp_media_crypto_pick(sdp_session_media(s, i), NULL, 0, &c, NULL);
			sdp_media_rtcp_dest(sdp_session_media(s, i), &rc, &rport);
			sdp_media_ice_info(sdp_session_media(s, i), &ii, NULL);
		}
		if (sdp_session_print_alloc(s, &txt) > 0) {
			if (sdp_parse(&s2, txt, strlen(txt), NULL) != 0)
				abort(); /* what we print we must read */
			sdp_session_free(s2);
			free(txt);
		}
		/* BUNDLE last: it rewrites s (ports, mids, mux) */
		{
			size_t bidx[SDP_BUNDLE_MAX], bn = 0, ns = 0, np;
			uint32_t ssrcs[16];
			uint8_t pts[SDP_MAX_FMTS];

			for (i = 0; i < sdp_session_media_count(s); i++) {
				sdp_bundle_ssrcs(sdp_session_media(s, i), ssrcs, 16, &ns);
				sdp_bundle_pts(sdp_session_media(s, i), pts, SDP_MAX_FMTS, &np);
			}
			if (sdp_bundle_group(s, bidx, SDP_BUNDLE_MAX, &bn) == 0) {
				char mids[SDP_BUNDLE_MAX][SDP_BUNDLE_MID_MAX];
				size_t b2[SDP_BUNDLE_MAX], n2 = 0;

				sdp_bundle_unbundled_ports(s, bidx, bn);
				/* our mids only: no other m-line may carry one */
				for (i = 0; i < sdp_session_media_count(s); i++)
					sdp_media_attr_del(sdp_session_media(s, i), "mid");
				for (i = 0; i < bn; i++)
					snprintf(mids[i], sizeof(mids[i]), "m%zu", i);
				if (sdp_bundle_write(s, bidx, bn, mids, true) == 0 &&
				    (sdp_bundle_group(s, b2, SDP_BUNDLE_MAX, &n2) ||
				     n2 != bn || memcmp(b2, bidx, bn * sizeof(b2[0]))))
					abort(); /* what we write we must read */
			}
		}
		sdp_session_free(s);
		break;
	case 2:
		if (sdp_crypto_parse(v, n, &c, NULL) == 0 && c.suite != SDP_SUITE_UNKNOWN) {
			char b[2048];

			if (sdp_crypto_print(&c, b, sizeof(b)) > 0 &&
			    sdp_crypto_parse(b, strlen(b), &c, NULL) != 0)
				abort();
		}
		sdp_crypto_wipe(&c);
		break;
	case 3:
		sdp_fingerprint_parse(v, n, &f, NULL);
		break;
	case 4:
		sdp_ktr_server_parse(v, n, &k, NULL);
		sdp_rtcp_parse(v, n, &r, NULL);
		break;
	case 5:
		sdp_tcap_parse(v, n, &t, NULL);
		break;
	case 6:
		sdp_pcfg_parse(v, n, &p, NULL);
		/* a=candidate (RFC 8839 5.1): what we print we must read */
		if (sdp_candidate_parse(v, n, &cand, NULL) == 0) {
			char b[2 * SDP_ADDR_MAX + 128];
			struct sdp_candidate c2;

			if (sdp_candidate_print(&cand, b, sizeof(b)) > 0 &&
			    (sdp_candidate_parse(b, strlen(b), &c2, NULL) != 0 ||
			     c2.priority != cand.priority || c2.port != cand.port ||
			     strcmp(c2.addr, cand.addr)))
				abort();
		}
		break;
	default:
		sdp_base64_decode(v, n, out, sizeof(out));
		break;
	}
	return 0;
}

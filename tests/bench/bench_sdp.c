/*
 * Benchmark (not a test): parse + translate (SDES offer -> DTLS offer) of a
 * typical two-m-line offer, bounded in count and time; prints microseconds
 * per operation. Target: under 20 us.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sdp/sdp.h"

static const char offer[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 192.0.2.30\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.30\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/SAVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=ptime:20\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
	"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n"
	"a=sendrecv\r\n"
	"m=video 51372 RTP/SAVP 96\r\n"
	"a=rtpmap:96 H264/90000\r\n"
	"a=fmtp:96 profile-level-id=42e01f\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
	"a=rtcp-mux\r\n";

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(void)
{
	const char *fps = "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
			  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
	struct sdp_fingerprint fp;
	struct sdp_xlate_mparams mp[2] = { { .port = 30000 }, { .port = 30002 } };
	struct sdp_xlate_params p = {
		.flow = SDP_XLATE_SDES_OFFER_TO_DTLS, .relay_addr = "203.0.113.5",
		.fingerprint = &fp, .ktr_form = SDP_KTR_FORM_ATTR, .n_media = 2, .media = mp,
	};
	const long max_iter = 200000;
	const double max_us = 2e6;
	double t0, t1, tp = 0;
	long i;
	char buf[4096];

	if (sdp_fingerprint_parse(fps, strlen(fps), &fp, NULL))
		return 1;
	t0 = now_us();
	for (i = 0; i < max_iter; i++) {
		struct sdp_session *in, *out;
		struct sdp_xlate_report *rep;
		double a = now_us();

		if (sdp_parse(&in, offer, sizeof(offer) - 1, NULL))
			return 1;
		tp += now_us() - a;
		if (sdp_xlate(&out, &rep, in, &p, NULL))
			return 1;
		if (i == 0 && sdp_session_print(out, buf, sizeof(buf)) < 0)
			return 1;
		sdp_xlate_report_free(rep);
		sdp_session_free(out);
		sdp_session_free(in);
		if ((i & 1023) == 0 && now_us() - t0 > max_us) {
			i++;
			break;
		}
	}
	t1 = now_us();
	printf("bench_sdp: %ld iterations: parse %.2f us/op, parse+translate %.2f us/op (target < 20 us)\n",
	       i, tp / i, (t1 - t0) / i);
	return 0;
}

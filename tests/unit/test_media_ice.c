/*
 * Unit tests for src/media/media_ice.c with a real engine (relay, DTLS
 * context) on 127.0.0.1 and no driver: when ICE is used on the DTLS side
 * (an ICE offer from it is answered ICE-lite whatever the policy says;
 * ktrsbc's own offers carry ICE-lite only with the policy's ice_lite; an
 * answer without ICE turns it off), what the SDP toward the DTLS UA
 * carries (a=ice-lite, fresh credentials per session, a host candidate for
 * each stream's DTLS leg in each family, media_address and media_address6
 * being both set: the default one, its m=/c=, first and preferred; a=end-
 * of-candidates; nothing of ICE toward the
 * SDES UA), that the relay answers checks made with exactly those
 * credentials, malformed ICE refused with its cause, and an ICE restart;
 * the policy's ice_consent_off reaching the relay's legs (RFC 7675
 * consent not enforced; required by default).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/sec.h"
#include "media/media_int.h"
#include "sdp/sdp.h"
#include "stun/stun.h"
#include "tests/lib/lo_udp.h"
#include "tests/lib/media_fix.h"

/* The last SDP the handler was given toward each side. */
struct drv {
	char answer[2][4096];
	int ended;
};

static int h_answer(void *arg, enum media_side side, const char *sdp)
{
	snprintf(((struct drv *)arg)->answer[side], sizeof(((struct drv *)arg)->answer[side]),
		 "%s", sdp);
	return 0;
}
static int h_offer(void *arg, enum media_side side, const char *sdp) { return 0; }
static void h_refuse(void *arg, enum media_side side, enum media_cause cause,
		     const char *text) {}
static void h_up(void *arg) {}
static void h_ended(void *arg, enum media_cause cause, bool with_reason,
		    const char *text)
{
	((struct drv *)arg)->ended++;
}
static bool h_keys(void *arg, enum media_side side) { return true; }
static const struct media_handler handler = {
	h_answer, h_offer, h_refuse, h_up, h_ended, h_keys,
};

#define FP "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"

/* A DTLS UA's offer, audio and video, ICE at session level as baresip
 * writes it (ICE_LINES replaced). */
static const char dtls_offer_fmt[] =
	"v=0\r\n"
	"o=- 1 1 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"%s"
	"a=fingerprint:" FP "\r\n"
	"a=setup:actpass\r\n"
	"m=audio 20000 UDP/TLS/RTP/SAVPF 0\r\n"
	"a=rtcp-mux\r\n"
	"%s"
	"m=video 20002 UDP/TLS/RTP/SAVPF 96\r\n"
	"a=rtpmap:96 VP8/90000\r\n"
	"a=rtcp-mux\r\n"
	"%s";

static const char peer_ice[] = "a=ice-ufrag:Peer\r\na=ice-pwd:peerPasswordOf22chars+\r\n";
static const char cand_a[] = "a=candidate:1 1 UDP 2130706431 127.0.0.1 20000 typ host\r\n";
static const char cand_v[] = "a=candidate:1 1 UDP 2130706431 127.0.0.1 20002 typ host\r\n";

static const char sdes_answer[] =
	"v=0\r\n"
	"o=pbx 1 1 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 20010 RTP/SAVP 0\r\n"
	"a=rtcp-mux\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:TVpndIGOm6i1ws/c6fYDEB0qN0RRXmt4hZKfrLnG\r\n"
	"m=video 20012 RTP/SAVP 96\r\n"
	"a=rtpmap:96 VP8/90000\r\n"
	"a=rtcp-mux\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:W2h1go+cqbbD0N3q9wQRHis4RVJfbHmGk6CtusfU\r\n";

static const char sdes_offer[] =
	"v=0\r\n"
	"o=pbx 1 1 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 20010 RTP/SAVP 0\r\n"
	"a=rtcp-mux\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:TVpndIGOm6i1ws/c6fYDEB0qN0RRXmt4hZKfrLnG\r\n";

static const char dtls_answer_fmt[] =
	"v=0\r\n"
	"o=- 1 1 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"%s"
	"a=fingerprint:" FP "\r\n"
	"a=setup:active\r\n"
	"m=audio 20000 UDP/TLS/RTP/SAVPF 0\r\n"
	"a=rtcp-mux\r\n";

static int setup(void **state)
{
	*state = media_fix_engine("127.0.0.1", "::1", 48000, 48599);
	return 0;
}

static int teardown(void **state)
{
	media_engine_free(*state);
	return 0;
}

static struct media_policy pols[2] = {
	{ .name = "pbx", .ktr = MEDIA_KTR_PREFERRED },
	{ .name = "carrier", .ktr = MEDIA_KTR_PREFERRED },
};

/* A session (its first stream's relay ports taken), or the reason. */
static struct media_session *sess_new(struct media_engine *e, enum media_side offerer,
				      struct drv *d)
{
	struct media_session *s = NULL;
	int rc = media_session_alloc(e, &s, offerer, pols, 4, &handler, d);

	if (rc)
		fail_msg("media_session_alloc: %d (%s)", rc, strerror(-rc));
	return s;
}

/* The ICE of m-line i of an SDP text (must parse). */
static struct sdp_ice_info ice_of(const char *text, size_t i)
{
	struct sdp_session *s = NULL;
	struct sdp_ice_info info;

	assert_int_equal(sdp_parse(&s, text, strlen(text), NULL), 0);
	assert_int_equal(sdp_media_ice_info(sdp_session_media(s, i), &info, NULL), 0);
	sdp_session_free(s);
	return info;
}

/* The value of the first "a=NAME:" line of text into out. */
static void attr_value(const char *text, const char *name, char *out, size_t cap)
{
	char key[32];
	const char *p, *e;

	snprintf(key, sizeof(key), "a=%s:", name);
	p = strstr(text, key);
	assert_non_null(p);
	p += strlen(key);
	e = strstr(p, "\r\n");
	assert_non_null(e);
	assert_true((size_t)(e - p) < cap);
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
}

/* A check (USERNAME lufrag:rufrag, ICE-CONTROLLING, MESSAGE-INTEGRITY with
 * pwd, FINGERPRINT) to 127.0.0.1:port, or [::1]:port with v6: true when a
 * success response that authenticates with pwd came back. */
static bool check_at(bool v6, uint16_t port, const char *lufrag,
		     const char *rufrag, const char *pwd)
{
	uint8_t req[256], resp[1500], tid[STUN_TID_LEN];
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6,
				    .sin6_addr = IN6ADDR_LOOPBACK_INIT,
				    .sin6_port = htons(port) };
	struct stun_builder b;
	struct sockaddr_in me;
	struct stun_msg m;
	char user[64];
	int fd = v6 ? socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0) : lo_udp_open(&me);
	ssize_t n;

	assert_int_equal(sec_random(tid, sizeof(tid)), 0);
	snprintf(user, sizeof(user), "%s:%s", lufrag, rufrag);
	assert_int_equal(stun_build_start(&b, req, sizeof(req), STUN_BINDING_REQUEST, tid), 0);
	assert_int_equal(stun_build_attr(&b, STUN_ATTR_USERNAME, user, strlen(user)), 0);
	assert_int_equal(stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLING, 1), 0);
	assert_int_equal(stun_build_integrity(&b, (const uint8_t *)pwd, strlen(pwd)), 0);
	assert_int_equal(stun_build_fingerprint(&b), 0);
	if (v6) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		assert_int_equal(sendto(fd, req, stun_build_len(&b), 0,
					(struct sockaddr *)&to6, sizeof(to6)),
				 (ssize_t)stun_build_len(&b));
		n = poll(&pfd, 1, 300) == 1 ? recv(fd, resp, sizeof(resp), 0) : -1;
	} else {
		lo_udp_send(fd, port, req, stun_build_len(&b));
		n = lo_udp_recv(fd, resp, sizeof(resp), 300, NULL);
	}
	close(fd);
	if (n <= 0)
		return false;
	assert_int_equal(stun_msg_decode(&m, resp, (size_t)n), 0);
	return m.type == STUN_BINDING_SUCCESS &&
	       stun_msg_check_integrity(&m, (const uint8_t *)pwd, strlen(pwd)) == 0 &&
	       stun_msg_check_fingerprint(&m) == 0;
}

static bool check_as(uint16_t port, const char *lufrag, const char *rufrag,
		     const char *pwd)
{
	return check_at(false, port, lufrag, rufrag, pwd);
}

static bool check_answered(uint16_t port, const char *lufrag, const char *pwd)
{
	return check_as(port, lufrag, "Peer", pwd);
}

/* An ICE offer from the DTLS side, the policy off: answered ICE-lite. */
static void test_dtls_offer_with_ice(void **state)
{
	struct media_stream_stats st[2];
	struct media_session *s = NULL, *s2 = NULL;
	struct sdp_ice_info ia, iv;
	struct drv d = { 0 }, d2 = { 0 };
	char offer[4096], ufrag[SDP_ICE_UFRAG_MAX + 1], pwd[64], cand[128];
	const char *out = NULL;

	snprintf(offer, sizeof(offer), dtls_offer_fmt, peer_ice, cand_a, cand_v);
	s = sess_new(*state, MEDIA_SIDE_DTLS, &d);
	assert_int_equal(media_session_offer(s, offer, strlen(offer), &out), 0);
	/* Nothing of ICE toward the SDES UA. */
	assert_null(strstr(out, "ice-"));
	assert_null(strstr(out, "candidate"));
	assert_int_equal(media_session_answer(s, sdes_answer, strlen(sdes_answer)), 0);
	assert_int_equal(d.ended, 0);
	assert_non_null(strstr(d.answer[MEDIA_SIDE_DTLS], "a=ice-lite\r\n"));
	ia = ice_of(d.answer[MEDIA_SIDE_DTLS], 0);
	iv = ice_of(d.answer[MEDIA_SIDE_DTLS], 1);
	assert_true(ia.ice && ia.lite && ia.end_of_candidates && iv.ice && iv.end_of_candidates);
	/* 127.0.0.1 (the default: the offer's family) and ::1. */
	assert_int_equal(ia.n_cand, 2);
	assert_int_equal(iv.n_cand, 2);
	assert_int_equal(strlen(ia.ufrag), 8);
	assert_string_equal(ia.ufrag, iv.ufrag); /* one ICE session */
	attr_value(d.answer[MEDIA_SIDE_DTLS], "ice-pwd", pwd, sizeof(pwd));
	assert_int_equal(strlen(pwd), 24);
	assert_true(sdp_ice_chars_valid(pwd, 24, 24, 24));
	/* The host candidate is the stream's DTLS leg. */
	assert_int_equal(media_session_stream_stats(s, 0, &st[0]), 0);
	assert_int_equal(media_session_stream_stats(s, 1, &st[1]), 0);
	snprintf(cand, sizeof(cand), "a=candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host\r\n",
		 st[0].leg[MEDIA_SIDE_DTLS].port);
	assert_non_null(strstr(d.answer[MEDIA_SIDE_DTLS], cand));
	snprintf(cand, sizeof(cand), "a=candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host\r\n",
		 st[1].leg[MEDIA_SIDE_DTLS].port);
	assert_non_null(strstr(d.answer[MEDIA_SIDE_DTLS], cand));
	/* RFC 7675 consent enforced: the default policy. */
	assert_true(st[0].leg[MEDIA_SIDE_DTLS].ice && st[1].leg[MEDIA_SIDE_DTLS].ice);
	assert_false(st[0].leg[MEDIA_SIDE_DTLS].ice_consent_off);
	assert_false(st[1].leg[MEDIA_SIDE_DTLS].ice_consent_off);
	assert_false(s->ice_consent_said);
	/* ... and each leg's second socket, IPv6, with its own foundation
	 * and local preference 65534 (RFC 8445 5.1.2.1: (126 << 24) +
	 * (65534 << 8) + 255). */
	for (int k = 0; k < 2; k++) {
		uint16_t p6 = relay_leg_alt_port(s->streams[k].relay, RELAY_LEG_DTLS);

		assert_int_not_equal(p6, 0);
		snprintf(cand, sizeof(cand), "a=candidate:2 1 UDP 2130706175 ::1 %u typ host\r\n",
			 p6);
		assert_non_null(strstr(d.answer[MEDIA_SIDE_DTLS], cand));
	}
	/* No second socket on the SDES side's legs. */
	assert_int_equal(relay_leg_alt_port(s->streams[0].relay, RELAY_LEG_SDES), 0);
	assert_int_equal(relay_leg_alt_port(s->streams[1].relay, RELAY_LEG_SDES), 0);
	/* The relay answers checks made with those credentials, on both
	 * legs, and not with others. */
	snprintf(ufrag, sizeof(ufrag), "%s", ia.ufrag);
	assert_true(check_answered(st[0].leg[MEDIA_SIDE_DTLS].port, ufrag, pwd));
	assert_true(check_answered(st[1].leg[MEDIA_SIDE_DTLS].port, ufrag, pwd));
	assert_false(check_answered(st[0].leg[MEDIA_SIDE_DTLS].port, ufrag,
				    "peerPasswordOf22chars+"));
	assert_false(check_answered(st[0].leg[MEDIA_SIDE_SDES].port, ufrag, pwd));

	/* Another session: other credentials. */
	s2 = sess_new(*state, MEDIA_SIDE_DTLS, &d2);
	assert_int_equal(media_session_offer(s2, offer, strlen(offer), &out), 0);
	assert_int_equal(media_session_answer(s2, sdes_answer, strlen(sdes_answer)), 0);
	assert_string_not_equal(ice_of(d2.answer[MEDIA_SIDE_DTLS], 0).ufrag, ufrag);
	attr_value(d2.answer[MEDIA_SIDE_DTLS], "ice-pwd", cand, sizeof(cand));
	assert_string_not_equal(cand, pwd);

	/* ICE restart (RFC 8445 9): the peer's new ufrag gets ours new. */
	{
		struct sdp_session *re = NULL;
		char old_ufrag[16], text[4096];

		snprintf(old_ufrag, sizeof(old_ufrag), "%s", s->ice_ufrag);
		assert_int_equal(sdp_parse(&re, offer, strlen(offer), NULL), 0);
		assert_false(media_ice_reoffer(s, re)); /* the same ufrag */
		sdp_session_free(re);
		snprintf(text, sizeof(text), dtls_offer_fmt,
			 "a=ice-ufrag:Peer2\r\na=ice-pwd:peerPasswordOf22chars2\r\n", cand_a, cand_v);
		assert_int_equal(sdp_parse(&re, text, strlen(text), NULL), 0);
		assert_true(media_ice_reoffer(s, re));
		sdp_session_free(re);
		assert_string_not_equal(s->ice_ufrag, old_ufrag);
		assert_string_equal(s->streams[0].ice_rufrag, "Peer2");
		assert_string_equal(s->streams[1].ice_rufrag, "Peer2");
		assert_false(check_answered(st[0].leg[MEDIA_SIDE_DTLS].port, ufrag, pwd));
		assert_false(check_as(st[0].leg[MEDIA_SIDE_DTLS].port, s->ice_ufrag, "Peer",
				      s->ice_pwd));
		assert_true(check_as(st[0].leg[MEDIA_SIDE_DTLS].port, s->ice_ufrag, "Peer2",
				     s->ice_pwd));
	}
	media_session_free(s);
	media_session_free(s2);
}

/* The policy's ice_consent_off: every stream's DTLS leg answers checks
 * with consent not enforced (relay_ice_cfg consent_off), said once. */
static void test_consent_off_policy(void **state)
{
	struct media_stream_stats st;
	struct media_session *s = NULL;
	struct drv d = { 0 };
	char offer[4096];
	const char *out = NULL;

	snprintf(offer, sizeof(offer), dtls_offer_fmt, peer_ice, cand_a, cand_v);
	pols[MEDIA_SIDE_DTLS].ice_consent_off = true;
	s = sess_new(*state, MEDIA_SIDE_DTLS, &d);
	pols[MEDIA_SIDE_DTLS].ice_consent_off = false;
	assert_int_equal(media_session_offer(s, offer, strlen(offer), &out), 0);
	assert_int_equal(media_session_answer(s, sdes_answer, strlen(sdes_answer)), 0);
	assert_int_equal(d.ended, 0);
	assert_true(s->ice_consent_said);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(media_session_stream_stats(s, i, &st), 0);
		assert_true(st.leg[MEDIA_SIDE_DTLS].ice);
		assert_true(st.leg[MEDIA_SIDE_DTLS].ice_consent_off);
		assert_false(st.leg[MEDIA_SIDE_SDES].ice_consent_off);
	}
	media_session_free(s);
}

/* Without ICE in the DTLS offer: none in the answer, STUN not answered. */
static void test_dtls_offer_without_ice(void **state)
{
	struct media_stream_stats st;
	struct media_session *s = NULL;
	struct drv d = { 0 };
	char offer[4096];
	const char *out = NULL;

	snprintf(offer, sizeof(offer), dtls_offer_fmt, "", "", "");
	pols[MEDIA_SIDE_DTLS].ice_lite = true; /* our offers only */
	s = sess_new(*state, MEDIA_SIDE_DTLS, &d);
	pols[MEDIA_SIDE_DTLS].ice_lite = false;
	assert_int_equal(media_session_offer(s, offer, strlen(offer), &out), 0);
	assert_int_equal(media_session_answer(s, sdes_answer, strlen(sdes_answer)), 0);
	assert_null(strstr(d.answer[MEDIA_SIDE_DTLS], "ice"));
	assert_null(strstr(d.answer[MEDIA_SIDE_DTLS], "candidate"));
	assert_int_equal(relay_leg_alt_port(s->streams[0].relay, RELAY_LEG_DTLS), 0);
	assert_int_equal(media_session_stream_stats(s, 0, &st), 0);
	assert_false(check_answered(st.leg[MEDIA_SIDE_DTLS].port, "anyU", "anyPasswordOf22chars++"));
	media_session_free(s);
}

/* in with every "IN IP4 127.0.0.1" as "IN IP6 ::1", into out. */
static void to_ipv6(char *out, size_t cap, const char *in)
{
	static const char from[] = "IN IP4 127.0.0.1", to[] = "IN IP6 ::1";
	size_t n = 0;

	while (*in) {
		if (!strncmp(in, from, strlen(from))) {
			assert_true(n + strlen(to) < cap);
			memcpy(out + n, to, strlen(to));
			n += strlen(to);
			in += strlen(from);
		} else {
			assert_true(n + 1 < cap);
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
}

/* An IPv6 side: the candidate is the leg's IPv6 address (media_address6),
 * with its own foundation. */
static void test_ipv6_candidate(void **state)
{
	struct media_stream_stats st;
	struct media_session *s = NULL;
	struct drv d = { 0 };
	char v4[4096], offer[4096], ans[4096], cand[128];
	const char *out = NULL;

	/* Both sides IPv6 (the SDES side takes the offerer's family). */
	snprintf(v4, sizeof(v4), dtls_offer_fmt, peer_ice, "", "");
	to_ipv6(offer, sizeof(offer), v4);
	to_ipv6(ans, sizeof(ans), sdes_answer);
	s = sess_new(*state, MEDIA_SIDE_DTLS, &d);
	assert_int_equal(media_session_offer(s, offer, strlen(offer), &out), 0);
	assert_int_equal(media_session_answer(s, ans, strlen(ans)), 0);
	assert_int_equal(media_session_stream_stats(s, 0, &st), 0);
	assert_true(st.leg[MEDIA_SIDE_DTLS].ipv6);
	snprintf(cand, sizeof(cand), "a=candidate:2 1 UDP 2130706431 ::1 %u typ host\r\n",
		 st.leg[MEDIA_SIDE_DTLS].port);
	assert_non_null(strstr(d.answer[MEDIA_SIDE_DTLS], cand));
	/* The IPv4 one second (the side speaks IPv6), and c= the default. */
	snprintf(cand, sizeof(cand), "a=candidate:1 1 UDP 2130706175 127.0.0.1 %u typ host\r\n",
		 relay_leg_alt_port(s->streams[0].relay, RELAY_LEG_DTLS));
	assert_non_null(strstr(d.answer[MEDIA_SIDE_DTLS], cand));
	assert_non_null(strstr(d.answer[MEDIA_SIDE_DTLS], "c=IN IP6 ::1\r\n"));
	assert_null(strstr(d.answer[MEDIA_SIDE_DTLS], "c=IN IP4"));
	media_session_free(s);
}

/* Credentials per m-line (RFC 8839 5.4: media level overrides session
 * level; libnice writes one set per stream when not bundled): each
 * stream's relay leg expects its own m-line's ufrag. */
static void test_per_mline_credentials(void **state)
{
	struct media_stream_stats st[2];
	struct media_session *s;
	struct drv d = { 0 };
	char offer[4096], pwd[64];
	const char *out = NULL;

	snprintf(offer, sizeof(offer), dtls_offer_fmt, "",
		 "a=ice-ufrag:PeerA\r\na=ice-pwd:peerPasswordOf22chars+\r\n",
		 "a=ice-ufrag:PeerB\r\na=ice-pwd:peerPasswordOf22chars/\r\n");
	s = sess_new(*state, MEDIA_SIDE_DTLS, &d);
	assert_int_equal(media_session_offer(s, offer, strlen(offer), &out), 0);
	assert_int_equal(media_session_answer(s, sdes_answer, strlen(sdes_answer)), 0);
	attr_value(d.answer[MEDIA_SIDE_DTLS], "ice-pwd", pwd, sizeof(pwd));
	assert_int_equal(media_session_stream_stats(s, 0, &st[0]), 0);
	assert_int_equal(media_session_stream_stats(s, 1, &st[1]), 0);
	assert_true(check_as(st[0].leg[MEDIA_SIDE_DTLS].port, s->ice_ufrag, "PeerA", pwd));
	assert_false(check_as(st[0].leg[MEDIA_SIDE_DTLS].port, s->ice_ufrag, "PeerB", pwd));
	assert_true(check_as(st[1].leg[MEDIA_SIDE_DTLS].port, s->ice_ufrag, "PeerB", pwd));
	assert_false(check_as(st[1].leg[MEDIA_SIDE_DTLS].port, s->ice_ufrag, "PeerA", pwd));
	media_session_free(s);
}

/* Malformed ICE in the DTLS offer: refused with a cause. */
static void test_dtls_offer_bad_ice(void **state)
{
	static const char *const bad[][3] = {
		{ "a=ice-ufrag:Peer\r\n", "", "" }, /* no ice-pwd */
		{ peer_ice, "a=candidate:1 1 UDP 0 127.0.0.1 20000 typ host\r\n", "" },
		{ "", "a=ice-ufrag:PeerA\r\na=ice-pwd:peerPasswordOf22chars+\r\n", "" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct media_session *s = NULL;
		struct drv d = { 0 };
		enum media_cause kind;
		char offer[4096];
		const char *out = NULL;

		snprintf(offer, sizeof(offer), dtls_offer_fmt, bad[i][0], bad[i][1], bad[i][2]);
		s = sess_new(*state, MEDIA_SIDE_DTLS, &d);
		assert_true(media_session_offer(s, offer, strlen(offer), &out) < 0);
		assert_non_null(strstr(media_session_cause(s, &kind), "ICE"));
		assert_int_equal(kind, MEDIA_CAUSE_UNACCEPTABLE);
		assert_null(strstr(media_session_cause(s, &kind), "peerPassword"));
		media_session_free(s);
	}
}

/* Our offers to the DTLS side: ICE-lite with the policy's ice_lite only;
 * the answer's ICE (or none) decides the relay's. */
static void test_sdes_offer(void **state)
{
	struct media_stream_stats st;
	struct media_session *s = NULL;
	struct drv d = { 0 };
	struct sdp_ice_info i;
	char ans[2048], pwd[64];
	const char *out = NULL;

	/* ice = off: no ICE. */
	s = sess_new(*state, MEDIA_SIDE_SDES, &d);
	assert_int_equal(media_session_offer(s, sdes_offer, strlen(sdes_offer), &out), 0);
	assert_null(strstr(out, "ice"));
	/* Without ICE a leg keeps its one socket. */
	assert_int_equal(relay_leg_alt_port(s->streams[0].relay, RELAY_LEG_DTLS), 0);
	media_session_free(s);

	/* ice = lite: offered; checks answered before the answer comes (the
	 * peer's ufrag unknown), an answer with ICE keeps it. */
	pols[MEDIA_SIDE_DTLS].ice_lite = true;
	s = sess_new(*state, MEDIA_SIDE_SDES, &d);
	assert_int_equal(media_session_offer(s, sdes_offer, strlen(sdes_offer), &out), 0);
	i = ice_of(out, 0);
	assert_true(i.ice && i.lite && i.end_of_candidates);
	assert_int_equal(i.n_cand, 2); /* IPv4 and IPv6 */
	assert_int_not_equal(relay_leg_alt_port(s->streams[0].relay, RELAY_LEG_DTLS), 0);
	attr_value(out, "ice-pwd", pwd, sizeof(pwd));
	assert_int_equal(media_session_stream_stats(s, 0, &st), 0);
	assert_true(check_answered(st.leg[MEDIA_SIDE_DTLS].port, i.ufrag, pwd));
	snprintf(ans, sizeof(ans), dtls_answer_fmt, peer_ice);
	assert_int_equal(media_session_answer(s, ans, strlen(ans)), 0);
	assert_true(check_answered(st.leg[MEDIA_SIDE_DTLS].port, i.ufrag, pwd));
	media_session_free(s);

	/* ... an answer without ICE turns it off. */
	s = sess_new(*state, MEDIA_SIDE_SDES, &d);
	pols[MEDIA_SIDE_DTLS].ice_lite = false;
	assert_int_equal(media_session_offer(s, sdes_offer, strlen(sdes_offer), &out), 0);
	i = ice_of(out, 0);
	attr_value(out, "ice-pwd", pwd, sizeof(pwd));
	assert_int_equal(media_session_stream_stats(s, 0, &st), 0);
	snprintf(ans, sizeof(ans), dtls_answer_fmt, "");
	assert_int_equal(media_session_answer(s, ans, strlen(ans)), 0);
	assert_false(check_answered(st.leg[MEDIA_SIDE_DTLS].port, i.ufrag, pwd));
	media_session_free(s);
}

/* A forked call from the SDES side whose answer (200) comes from another
 * early dialog than the one relayed (media_session_refork): the relay call
 * is built anew on the ports our offer named, the second host candidate's
 * (IPv6) included, and answers the answering fork's checks on both. */
static void test_refork_keeps_candidates(void **state)
{
	struct media_stream_stats st;
	struct media_session *s = NULL;
	struct drv d = { 0 };
	struct sdp_ice_info i;
	char ans[2048], pwd[64];
	const char *out = NULL;
	uint16_t alt;

	pols[MEDIA_SIDE_DTLS].ice_lite = true;
	s = sess_new(*state, MEDIA_SIDE_SDES, &d);
	pols[MEDIA_SIDE_DTLS].ice_lite = false;
	assert_int_equal(media_session_offer(s, sdes_offer, strlen(sdes_offer), &out), 0);
	i = ice_of(out, 0);
	assert_int_equal(i.n_cand, 2);
	attr_value(out, "ice-pwd", pwd, sizeof(pwd));
	alt = relay_leg_alt_port(s->streams[0].relay, RELAY_LEG_DTLS);
	assert_int_not_equal(alt, 0);
	assert_int_equal(media_session_stream_stats(s, 0, &st), 0);
	/* Fork A's 183 is the answer the relay takes first. */
	snprintf(ans, sizeof(ans), dtls_answer_fmt, peer_ice);
	assert_int_equal(media_session_answer(s, ans, strlen(ans)), 0);
	assert_true(check_at(true, alt, i.ufrag, "Peer", pwd));
	/* Fork B answers. */
	snprintf(ans, sizeof(ans), dtls_answer_fmt,
		 "a=ice-ufrag:ForkB\r\na=ice-pwd:forkBPasswordOf22chars\r\n");
	assert_int_equal(media_session_refork(s, ans, strlen(ans)), 0);
	assert_int_equal(relay_leg_alt_port(s->streams[0].relay, RELAY_LEG_DTLS), alt);
	assert_true(check_as(st.leg[MEDIA_SIDE_DTLS].port, i.ufrag, "ForkB", pwd));
	assert_true(check_at(true, alt, i.ufrag, "ForkB", pwd));
	media_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dtls_offer_with_ice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dtls_offer_without_ice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consent_off_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dtls_offer_bad_ice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_candidate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_mline_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sdes_offer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refork_keeps_candidates, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

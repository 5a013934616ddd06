/*
 * media_ice: ICE-lite on the DTLS side of a session (RFC 8445 2.5 and
 * 6.1.1, RFC 8839; issue 15).
 *
 * When ICE is used. A DTLS-side offer that carries ICE (ice-ufrag and
 * ice-pwd) is answered with ICE-lite whatever the trunk says (a full agent
 * sends no media to a peer without ICE); ktrsbc's own offers toward a DTLS
 * trunk carry ICE-lite when the trunk says ice = lite, and an answer
 * without ICE then turns it off again (the peer is its c= address as
 * before). The SDES side never sees ICE (sdp_xlate drops the attributes).
 *
 * What ktrsbc writes: a=ice-lite at session level (RFC 8839 5.3), and per
 * relayed m-line a=ice-ufrag/a=ice-pwd (the session's, fresh from the
 * CSPRNG; the password is a credential and appears in no log), a host
 * candidate for the stream's DTLS leg in each family ktrsbc has a media
 * address of (media_address, media_address6: the relay opens the leg's
 * second socket for it, relay_leg_alt_open), and a=end-of-candidates (RFC 8840:
 * a lite agent's candidates are all known at once). One component: the
 * DTLS side muxes RTP and RTCP (media_sdp.c). The relay then answers the
 * peer's checks on that leg (relay_leg_ice_set): the peer's address is the
 * one it nominates, and consent (RFC 7675) is ice_consent_timeout_ms,
 * or not enforced when the DTLS side's policy says so (ice_consent_off).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "media/media_int.h"

/* RFC 8445 5.1.2.1: type preference 126 for host candidates; 5.1.2.2:
 * a local preference per IP address. The default candidate (RFC 8445
 * 5.1.4; RFC 8839 puts its address in c= and its port in m=) is the leg's
 * socket in the family the side's SDP speaks, and gets the highest; the
 * second host candidate, of the other family, one less. */
#define ICE_HOST_TYPE_PREF 126u
#define ICE_HOST_LOCAL_PREF 65535u
#define ICE_HOST_LOCAL_PREF_ALT 65534u

static int ice_random(char *out, size_t n)
{
	static const char chars[64] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t r[MEDIA_ICE_PWD_LEN];

	if (n > sizeof(r) || RAND_bytes(r, (int)n) != 1)
		return -EIO;
	/* 256 is a multiple of 64: every ice-char equally likely. */
	for (size_t i = 0; i < n; i++)
		out[i] = chars[r[i] & 63];
	out[n] = '\0';
	sec_wipe(r, sizeof(r));
	return 0;
}

int media_ice_creds(struct media_session *s)
{
	if (ice_random(s->ice_ufrag, MEDIA_ICE_UFRAG_LEN) ||
	    ice_random(s->ice_pwd, MEDIA_ICE_PWD_LEN)) {
		media_cause_set(s, MEDIA_CAUSE_INTERNAL, "ICE: no random credentials");
		return -EIO;
	}
	return 0;
}

/* The peer's ufrag per stream into uf[] (RFC 8839 5.4: each m-line's own,
 * or the session's; they may differ per m-line): 1, 0 (none), -errno. */
static int peer_ufrags(struct media_session *s, const struct sdp_session *sdp,
		       char (*uf)[SDP_ICE_UFRAG_MAX + 1])
{
	size_t with = 0;

	for (size_t i = 0; i < s->n_streams; i++) {
		const struct sdp_media *md = sdp_session_media(sdp, s->streams[i].idx);
		struct sdp_ice_info info;
		struct sdp_error e;
		int err;

		uf[i][0] = '\0';
		if (!md)
			continue;
		err = sdp_media_ice_info(md, &info, &e);
		if (err) {
			media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE, "SDP: line %u: ICE: %s",
					e.line, e.msg);
			return err;
		}
		if (!info.ice)
			continue;
		memcpy(uf[i], info.ufrag, strlen(info.ufrag) + 1);
		with++;
	}
	if (with && with != s->n_streams) {
		media_cause_set(s, MEDIA_CAUSE_UNACCEPTABLE,
				"ICE on %zu of %zu relayed m-lines", with, s->n_streams);
		return -EPROTO;
	}
	return with ? 1 : 0;
}

int media_ice_peer(struct media_session *s, const struct sdp_session *sdp)
{
	char uf[MEDIA_STREAMS_MAX][SDP_ICE_UFRAG_MAX + 1];
	int rc = peer_ufrags(s, sdp, uf);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < s->n_streams; i++)
		memcpy(s->streams[i].ice_rufrag, uf[i], sizeof(uf[i]));
	return rc;
}

/* A host candidate for addr:port (RFC 8839 5.1 syntax). */
static void host_cand(struct sdp_candidate *c, const char *addr, uint16_t port,
		      unsigned local_pref)
{
	memset(c, 0, sizeof(*c));
	/* RFC 8445 5.1.1.3: the same foundation for candidates of the same
	 * type and base address; ktrsbc has one address per family. */
	snprintf(c->foundation, sizeof(c->foundation), "%s",
		 strchr(addr, ':') ? "2" : "1");
	c->component = 1;
	snprintf(c->transport, sizeof(c->transport), "UDP");
	c->priority = sdp_ice_priority(ICE_HOST_TYPE_PREF, local_pref, 1);
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	c->port = port;
	snprintf(c->type, sizeof(c->type), "host");
}

/* ktrsbc's address of the other family than the DTLS side's, when it has
 * both (media_address IPv4 and media_address6), else NULL. */
static const char *other_addr(const struct media_session *s)
{
	const struct conf *c = &s->e->conf;

	if (!c->media_address6[0])
		return NULL;
	return s->family[MEDIA_SIDE_DTLS] == AF_INET6 ? c->media_address :
							  c->media_address6;
}

int media_ice_write(struct media_session *s, struct sdp_session *out)
{
	const char *addr = media_family_addr(s, MEDIA_SIDE_DTLS);
	const char *addr2 = other_addr(s);
	int err = 0;

	sdp_session_attr_del(out, "ice-lite");
	sdp_session_attr_del(out, "ice-ufrag");
	sdp_session_attr_del(out, "ice-pwd");
	sdp_session_attr_del(out, "ice-options");
	if ((err = sdp_session_attr_add(out, "ice-lite", NULL)))
		goto fail;
	for (size_t i = 0; i < s->n_streams; i++) {
		struct media_stream *m = &s->streams[i];
		struct sdp_media *md = sdp_session_media(out, m->idx);
		struct sdp_candidate c[2];
		size_t n = 1;
		uint16_t port2;

		if (!md || !sdp_media_port(md))
			continue;
		/* The default candidate: the leg's socket, whose address and
		 * port the c= and m= lines carry (RFC 8839). */
		host_cand(&c[0], addr, media_bundle_port(m, MEDIA_SIDE_DTLS),
			  ICE_HOST_LOCAL_PREF); /* a bundle's: one */
		/* RFC 8445 5.1.1.1: a host candidate per address; with both
		 * media addresses the leg gets a socket of the other family
		 * (once; the relay answers checks on both and follows the
		 * nominated pair's family). A bundle keeps its one socket:
		 * its members send from the owner's (relay_bundle.c). */
		if (addr2 && !s->bundle) {
			err = relay_leg_alt_open(m->relay, RELAY_LEG_DTLS, &port2);
			if (err) {
				media_cause_set(s, MEDIA_CAUSE_INTERNAL,
						"relay: cannot open an IPv%c media port for ICE toward the DTLS side: %s",
						strchr(addr2, ':') ? '6' : '4', err_str(err));
				return err;
			}
			host_cand(&c[1], addr2, port2, ICE_HOST_LOCAL_PREF_ALT);
			n = 2;
		}
		sdp_media_ice_del(md);
		err = sdp_media_ice_add(md, s->ice_ufrag, s->ice_pwd, c, n, true);
		if (err)
			goto fail;
	}
	return 0;
fail:
	media_cause_set(s, MEDIA_CAUSE_INTERNAL, "ICE: cannot write the SDP's ICE attributes");
	return err;
}

int media_ice_relay(struct media_session *s)
{
	struct relay_ice_cfg cfg = {
		.local_ufrag = s->ice_ufrag,
		.local_pwd = s->ice_pwd,
		.consent_ms = s->e->conf.ice_consent_timeout_ms,
		.consent_off = media_dtls_pol(s)->ice_consent_off,
	};

	bool peer_ice = false;

	for (size_t i = 0; i < s->n_streams; i++) {
		const char *ru = s->streams[i].ice_rufrag;
		int err;

		/* a bundle's checks arrive on its one port (media_bundle.c) */
		if (media_bundle_member(&s->streams[i]))
			continue;
		cfg.remote_ufrag = ru[0] ? ru : NULL;
		peer_ice |= ru[0] != '\0';
		err = relay_leg_ice_set(s->streams[i].relay, RELAY_LEG_DTLS, &cfg);

		if (err) {
			media_cause_set(s, MEDIA_CAUSE_INTERNAL,
					"relay: cannot answer ICE on stream %zu", i);
			return err;
		}
	}
	/* Once per call, once the peer's SDP has ICE (not for our offer
	 * alone): why media toward an ICE peer never stops. */
	if (cfg.consent_off && peer_ice && !s->ice_consent_said) {
		s->ice_consent_said = true;
		klog(KLOG_INFO, "sbc: call %llu: ICE consent (RFC 7675) not enforced toward the DTLS side (%s: ice_consent = off): media keeps going to the nominated address without consent checks; a new nomination still moves it",
		     (unsigned long long)s->id, media_dtls_pol(s)->name ? media_dtls_pol(s)->name : "?");
	}
	return 0;
}

void media_ice_off(struct media_session *s)
{
	for (size_t i = 0; i < s->n_streams; i++)
		if (!media_bundle_member(&s->streams[i]))
			relay_leg_ice_set(s->streams[i].relay, RELAY_LEG_DTLS, NULL);
	s->ice = false;
}

bool media_ice_reoffer(struct media_session *s, const struct sdp_session *o)
{
	char uf[MEDIA_STREAMS_MAX][SDP_ICE_UFRAG_MAX + 1];
	bool changed = false;

	if (!s->ice || peer_ufrags(s, o, uf) != 1)
		return false;
	for (size_t i = 0; i < s->n_streams; i++)
		changed |= strcmp(uf[i], s->streams[i].ice_rufrag) != 0;
	if (!changed)
		return false;
	/* RFC 8445 9: the peer restarts ICE; so do we (new ufrag and pwd in
	 * the answer), and the relay takes the new credentials. */
	for (size_t i = 0; i < s->n_streams; i++)
		memcpy(s->streams[i].ice_rufrag, uf[i], sizeof(uf[i]));
	if (media_ice_creds(s) || media_ice_relay(s))
		return false;
	klog(KLOG_INFO, "sbc: call %llu: ICE restart from the DTLS side: new credentials",
	     (unsigned long long)s->id);
	return true;
}

void media_ice_account(struct media_engine_stats *t, const struct relay_call_stats *st)
{
	for (int l = 0; l < 2; l++) {
		const struct relay_ice_stats *i = &st->ice[l];

		t->stun_answered += i->verdict[STUN_ICE_VALID] +
				    i->verdict[STUN_ICE_NOMINATED];
		t->stun_dropped_auth += i->verdict[STUN_ICE_BAD_FINGERPRINT] +
					i->verdict[STUN_ICE_NO_CREDENTIALS] +
					i->verdict[STUN_ICE_UNKNOWN_USER] +
					i->verdict[STUN_ICE_BAD_INTEGRITY];
		t->stun_dropped_other += i->verdict[STUN_ICE_MALFORMED] +
					 i->verdict[STUN_ICE_NOT_REQUEST];
		t->stun_errors += i->verdict[STUN_ICE_UNKNOWN_ATTRIBUTE] +
				  i->verdict[STUN_ICE_ROLE_CONFLICT];
		t->ice_nominations += i->nominations;
		t->ice_consent_lost += i->consent_losses;
		t->ice_restarts += i->restarts;
		t->ice_consent_unenforced += i->consent_unenforced;
		t->ice_resp_errs += i->resp_errs;
	}
}

void media_ice_leg_stats(struct media_leg_stats *o, const struct relay_ice_stats *i)
{
	uint64_t all = 0;

	for (int v = 0; v < STUN_ICE_VERDICTS; v++)
		all += i->verdict[v];
	o->ice = i->on;
	o->ice_nominated = i->nominated;
	o->ice_consent_lost = i->consent_lost;
	o->ice_consent_off = i->consent_off;
	o->stun_answered = i->verdict[STUN_ICE_VALID] + i->verdict[STUN_ICE_NOMINATED];
	o->stun_dropped = all - o->stun_answered -
			  i->verdict[STUN_ICE_UNKNOWN_ATTRIBUTE] -
			  i->verdict[STUN_ICE_ROLE_CONFLICT];
}

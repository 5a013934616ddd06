/*
 * relay_offload: a call's media handed to the in-kernel fast path
 * (src/offload, issue 7) while userspace has nothing to do with it, and
 * taken back whenever it has (relay.h, relay_cfg.offload).
 *
 * Runs in the worker that owns the call (relay_int.h), on the control path
 * only: after commands, at the media-timeout scan and at teardown; never per
 * packet. The offload object is shared by every worker (and could be by
 * several relays), and its map functions must not run concurrently on one
 * struct offload (offload.h): one mutex serialises them all.
 *
 * What the kernel does for an offloaded leg is what relay_fwd_batch does
 * for a forward-only one: RTP/RTCP from the peer goes to the other leg's
 * peer from the other leg's address, byte for byte; RTP/RTCP from anyone
 * else is dropped and counted; everything else (DTLS, KTR, STUN) still
 * arrives on the leg's socket. So DTLS and KTR keep running here while a
 * call is offloaded; only the per-packet work moves.
 */
#include "relay/relay_int.h"

#include <errno.h>
#include <string.h>

#include "base/err.h"
#include "base/klog.h"
#include "offload/offload.h"

static pthread_mutex_t off_mu = PTHREAD_MUTEX_INITIALIZER;

/* The leg's bound address (the key of its map entry). */
static void leg_local(const struct relay_call *c, unsigned i,
		      struct sockaddr_storage *ss)
{
	relay_leg_local(&c->leg[i], ss);
}

/* A transcrypt whose window has passed forwards untouched (relay_fwd.c). */
static bool leg_xc_done(const struct relay_leg *l)
{
	return !l->xc || l->xc->passthrough;
}

/* Userspace must see this leg's packets: while its record is incomplete,
 * a latch is pending, media is held (dropped or queued), packets are
 * transcrypted, or a DTLS leg is not up with KTR, has an announcement
 * outstanding or one waiting for a packet to name its SSRC (relay.h). */
static bool leg_fwd_only(const struct relay_leg *l)
{
	uint8_t fl = l->fwd.flags;

	if ((fl & (RELAY_F_PEER | RELAY_F_FORWARD)) !=
		    (RELAY_F_PEER | RELAY_F_FORWARD) ||
	    (fl & RELAY_F_HOLD) ||
	    (fl & (RELAY_F_ALLOW_LATCH | RELAY_F_LATCHED)) ==
		    RELAY_F_ALLOW_LATCH ||
	    l->hq != RELAY_HQ_NONE || !leg_xc_done(l) || l->prearm)
		return false;
	if (l->dtls && (!l->dtls_up || l->dtls_failed || !l->ktr ||
			l->ann_wait || ktr_sess_busy(l->ktr)))
		return false;
	return true;
}

/* KTR established on a DTLS leg, and both legs forward-only. A call
 * without DTLS (not one the SBC makes) stays in userspace, and so does an
 * SBC call in the moment between its peers and its DTLS start. So does a
 * call with RTCP on its own port: the DTLS leg muxes, and its SRTCP must
 * go to the other leg's RTCP port, which a leg's one rule cannot say. So
 * does a call whose legs are of different families (IPv4 on one, IPv6 on
 * the other): the program forwards by rewriting addresses in place
 * (bpf_redirect of the same packet), which cannot turn an IPv4 header into
 * an IPv6 one. An ICE leg with a socket per family counts in the family
 * of the one it sends from (its nominated peer's): its map entry is keyed
 * by that socket's address (relay_leg_local). */
static bool call_eligible(const struct relay_call *c)
{
	/* A bundle stays in userspace: its streams share one 5-tuple, the
	 * map's key (relay.h, BUNDLE). */
	if (c->bundle || c->bundle_owner)
		return false;
	return (c->leg[0].ktr || c->leg[1].ktr) && !c->leg[0].rtcp &&
	       relay_leg_sfamily(&c->leg[0]) == relay_leg_sfamily(&c->leg[1]) &&
	       !c->leg[1].rtcp && leg_fwd_only(&c->leg[0]) &&
	       leg_fwd_only(&c->leg[1]);
}

/* Add the kernel's counters of one leg into a record. */
static void fold(struct relay_fwd *f, const struct offload_counters *k)
{
	f->pkts += k->pkts + k->spoofed + k->errors;
	f->bytes += k->bytes;
	f->dropped_src += k->spoofed;
	f->fwd_pkts += k->pkts;
	f->fwd_bytes += k->bytes;
	f->fwd_errs += k->errors;
}

int relay_offload_leg_from_fwd(struct offload_leg *l,
			       const struct sockaddr *local,
			       const struct sockaddr *other_local,
			       const struct relay_fwd *f, unsigned out_ifindex)
{
	int fam;

	if (!l || !local || !other_local || !f)
		return -EINVAL;
	if ((f->flags & RELAY_F_TRANSCRYPT) || !(f->flags & RELAY_F_PEER) ||
	    !(f->flags & RELAY_F_FORWARD) ||
	    ((f->flags & RELAY_F_ALLOW_LATCH) && !(f->flags & RELAY_F_LATCHED)))
		return -ENOTSUP;
	fam = local->sa_family;
	if ((fam != AF_INET && fam != AF_INET6) || f->family != fam ||
	    f->out_family != fam || other_local->sa_family != fam)
		return -EAFNOSUPPORT;
	memset(l, 0, sizeof(*l));
	l->out_ifindex = out_ifindex;
	if (fam == AF_INET) {
		struct sockaddr_in *p = (struct sockaddr_in *)&l->peer;
		struct sockaddr_in *d = (struct sockaddr_in *)&l->out_dst;

		memcpy(&l->local, local, sizeof(struct sockaddr_in));
		memcpy(&l->out_src, other_local, sizeof(struct sockaddr_in));
		p->sin_family = d->sin_family = AF_INET;
		memcpy(&p->sin_addr, f->expect_addr, 4);
		p->sin_port = htons(f->expect_port);
		memcpy(&d->sin_addr, f->out_addr, 4);
		d->sin_port = htons(f->out_port);
	} else {
		struct sockaddr_in6 *p = (struct sockaddr_in6 *)&l->peer;
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&l->out_dst;

		memcpy(&l->local, local, sizeof(struct sockaddr_in6));
		memcpy(&l->out_src, other_local, sizeof(struct sockaddr_in6));
		p->sin6_family = d->sin6_family = AF_INET6;
		memcpy(&p->sin6_addr, f->expect_addr, 16);
		p->sin6_port = htons(f->expect_port);
		memcpy(&d->sin6_addr, f->out_addr, 16);
		d->sin6_port = htons(f->out_port);
	}
	return 0;
}

/* The map entry of leg i: from its record, with the egress device of the
 * other leg's peer from the routing table (one media address serves every
 * device, so its own device says nothing). */
static int leg_rule(struct relay_call *c, unsigned i, struct offload_leg *ol)
{
	struct relay_leg *l = &c->leg[i], *o = &c->leg[1 - i];
	struct sockaddr_storage local, other;
	struct relay_fwd f = l->fwd;
	unsigned ifx = 0;
	int err;

	err = offload_route_ifindex((const struct sockaddr *)&o->peer_sa, &ifx);
	if (err)
		return err;
	l->fwd.out_ifindex = ifx;
	if (l->xc) /* window passed: untouched from here (leg_xc_done) */
		f.flags &= (uint8_t)~RELAY_F_TRANSCRYPT;
	leg_local(c, i, &local);
	leg_local(c, 1 - i, &other);
	return relay_offload_leg_from_fwd(ol, (const struct sockaddr *)&local,
				    (const struct sockaddr *)&other, &f, ifx);
}

static int call_offload(struct relay_call *c)
{
	struct offload *o = c->r->cfg.offload;
	struct offload_leg ol[2];
	struct sockaddr_storage local;
	int err;

	for (unsigned i = 0; i < 2; i++)
		if ((err = leg_rule(c, i, &ol[i])))
			return err;
	pthread_mutex_lock(&off_mu);
	err = offload_leg_add(o, &ol[0]);
	if (!err && (err = offload_leg_add(o, &ol[1]))) {
		leg_local(c, 0, &local);
		offload_leg_del(o, (const struct sockaddr *)&local, NULL);
	}
	pthread_mutex_unlock(&off_mu);
	if (err)
		return err;
	c->offloaded = true;
	c->off_seen[0] = c->off_seen[1] = 0;
	return 0;
}

void relay_off_takeback(struct relay_call *c, const char *why)
{
	struct offload *o = c->r->cfg.offload;
	struct offload_counters k[2];
	struct sockaddr_storage local;

	if (!o || !c->offloaded)
		return;
	pthread_mutex_lock(&off_mu);
	for (unsigned i = 0; i < 2; i++) {
		leg_local(c, i, &local);
		if (offload_leg_del(o, (const struct sockaddr *)&local, &k[i]))
			memset(&k[i], 0, sizeof(k[i]));
	}
	pthread_mutex_unlock(&off_mu);
	c->offloaded = false;
	for (unsigned i = 0; i < 2; i++) {
		struct relay_fwd *f = &c->leg[i].fwd;

		/* The kernel forwarded packets this record never saw: its
		 * sequence number and ROC are stale, its SSRC is the stream's
		 * (a KTR announcement after an offload is a re-key, which
		 * names the SSRC only: relay.h). */
		fold(f, &k[i]);
		c->off_fwd_total[i] += k[i].pkts;
		if (f->tracked)
			f->tracked = 2;
	}
	klog(KLOG_DEBUG, "relay: call %llu taken back from the kernel (%s)",
	     (unsigned long long)c->id, why);
}

void relay_off_update(struct relay_call *c)
{
	bool want;
	int err;

	if (!c->r->cfg.offload)
		return;
	want = call_eligible(c);
	if (want == c->offloaded)
		return;
	if (!want) {
		relay_off_takeback(c, "no longer forward-only");
		return;
	}
	if (c->off_refused)
		return;
	if ((err = call_offload(c))) {
		/* Stays in userspace; tried again when its peers change. */
		c->off_refused = true;
		klog(KLOG_DEBUG, "relay: call %llu stays in userspace: %s",
		     (unsigned long long)c->id, err_str(err));
		return;
	}
	klog(KLOG_DEBUG, "relay: call %llu offloaded to the kernel",
	     (unsigned long long)c->id);
}

static const char *relay_cmd_name(enum relay_cmd_type t)
{
	switch (t) {
	case RELAY_CMD_PEER: return "peer change";
	case RELAY_CMD_RTCP_PEER: return "RTCP peer change";
	case RELAY_CMD_RTCP_CLOSE: return "RTCP port closed";
	case RELAY_CMD_FAMILY: return "address family change";
	case RELAY_CMD_DTLS_START: return "DTLS start";
	case RELAY_CMD_KTR_KEY: return "KTR key";
	case RELAY_CMD_KTR_DICTATE: return "KTR dictate";
	case RELAY_CMD_XC: return "transcrypt";
	case RELAY_CMD_PREARM: return "DTLS window";
	case RELAY_CMD_ICE: return "ICE credentials";
	case RELAY_CMD_FREE: return "teardown";
	default: return "command";
	}
}

void relay_off_before(struct relay_call *c, enum relay_cmd_type t)
{
	if (!c || !c->r->cfg.offload)
		return;
	switch (t) {
	case RELAY_CMD_PEER:
	case RELAY_CMD_RTCP_PEER:
	case RELAY_CMD_RTCP_CLOSE:
	case RELAY_CMD_FAMILY:
	case RELAY_CMD_ICE: /* may forget the peer */
		c->off_refused = false;
		/* fall through */
	case RELAY_CMD_DTLS_START:
	case RELAY_CMD_KTR_KEY:
	case RELAY_CMD_KTR_DICTATE:
	case RELAY_CMD_XC:
	case RELAY_CMD_PREARM:
	case RELAY_CMD_FREE:
		relay_off_takeback(c, relay_cmd_name(t));
		break;
	default:
		break;
	}
}

/* Live counters of both legs; false when the call is not offloaded. */
static bool live(struct relay_call *c, struct offload_counters k[2])
{
	struct sockaddr_storage local;

	if (!c->r->cfg.offload || !c->offloaded)
		return false;
	pthread_mutex_lock(&off_mu);
	for (unsigned i = 0; i < 2; i++) {
		leg_local(c, i, &local);
		if (offload_leg_counters(c->r->cfg.offload,
					 (const struct sockaddr *)&local, &k[i]))
			memset(&k[i], 0, sizeof(k[i]));
	}
	pthread_mutex_unlock(&off_mu);
	return true;
}

void relay_off_stats(struct relay_call *c, struct relay_call_stats *st)
{
	struct offload_counters k[2];
	bool on = live(c, k);

	st->offloaded = on;
	for (unsigned i = 0; i < 2; i++) {
		st->kernel_fwd_pkts[i] = c->off_fwd_total[i];
		if (on) {
			fold(&st->leg[i], &k[i]);
			st->kernel_fwd_pkts[i] += k[i].pkts;
		}
	}
}

void relay_off_idle(struct relay_call *c, uint64_t now)
{
	struct offload_counters k[2];

	if (live(c, k)) {
		for (unsigned i = 0; i < 2; i++) {
			if (k[i].pkts != c->off_seen[i])
				c->leg[i].fwd.last_rx_ms = now;
			c->off_seen[i] = k[i].pkts;
		}
	}
	relay_off_update(c);
}

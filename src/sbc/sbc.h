/*
 * sbc: the B2BUA of ktrsbc (docs/design.md, the call flows; issue 5).
 *
 * Calls arrive on one SIP user agent (sip/), are classified to an inbound
 * trunk and routed to a target trunk (trunk/), and become two legs, one
 * toward the RFC 4568 (SDES) side and one toward the DTLS-SRTP side, joined
 * by a media session of the media core (media/, docs/architecture.md),
 * whose relay legs run the DTLS handshake and Key Transport. With KTR the
 * relay only forwards, byte for byte, both ways; without it (trunk policy
 * "preferred" or "off") it transcrypts what KTR would have spared (draft
 * Figure 6). The B2BUA is the media core's SIP driver: it never calls the
 * relay, DTLS or KTR itself.
 *
 * Everything here runs in the sip_loop's thread; so does the media core,
 * whose relay workers report through an event fd in that loop.
 */
#ifndef KTRSBC_SBC_H
#define KTRSBC_SBC_H

#include <stddef.h>

#include "conf/conf.h"
#include "sip/sip.h"

struct sbc;

/*
 * Load the trunks, create the media engine (DTLS certificate, relay,
 * offload) and the SIP user agents per c. conf_path locates relative paths (trunks_dir,
 * sip_tls_dir). Errors are written to err ("FILE:LINE: reason" for a bad
 * trunk file). 0 or a negative errno.
 */
int sbc_alloc(struct sbc **sp, struct sip_loop *loop, const struct conf *c,
	      const char *conf_path, char *err, size_t errlen);
/* BYE/CANCEL every call, then free everything. NULL is fine. */
void sbc_free(struct sbc *s);
/* SIGHUP: load the trunk files again. New calls use the new set; calls in
 * progress keep the set they started with. On error the old set stays. */
int sbc_reload(struct sbc *s, char *err, size_t errlen);
/* --check-config: what sbc_alloc checks in a trunk set beyond the files'
 * syntax (each tls_ca readable and holding PEM certificates only). 0 or
 * -EINVAL/-errno with "FILE:LINE: reason" in err. */
struct trunk_set;
int sbc_trunks_check(const struct trunk_set *set, char *err, size_t errlen);
/* SIGTERM: end every call with BYE (or CANCEL/error before answer). */
void sbc_hangup_all(struct sbc *s);
unsigned sbc_call_count(const struct sbc *s);

/* Control socket commands: "calls", "stats", "reload", "help" (JSON). */
struct ctl_reply;
void sbc_ctl(void *arg, const char *cmd, struct ctl_reply *r);

#endif

/*
 * ksrtp private: one key = one libsrtp2 session (srtp_t) holding one
 * SSRC-specific stream. Shared by the sender (ksrtp_tx.c) and the listener
 * (ksrtp_rx.c); not for use outside src/srtp/.
 *
 * A key that takes effect at a packet index needs its own srtp_t whose
 * stream starts at the right ROC (docs/platform.md, libsrtp2). We go one
 * step further: before every protect/unprotect the caller's own index
 * estimate (v = ROC<<16|SEQ) is handed to libsrtp2 with srtp_set_stream_roc,
 * so libsrtp2 never guesses a ROC of its own and every key of a stream
 * agrees on the index, across a ROC wrap too.
 */
#ifndef KTRSBC_KSRTP_INT_H
#define KTRSBC_KSRTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <srtp2/srtp.h>

#include "srtp/ksrtp.h"

struct ksrtp_key {
	srtp_t ctx;
	uint32_t ssrc;         /* the stream's SSRC, host order */
	uint64_t index;        /* activation packet index */
	struct ksrtp_keymat km; /* a copy, wiped on free */
};

/* A session with one stream for ssrc (libsrtp2 direction is fixed by the
 * first call: protect or unprotect). Copies k. 0, -EINVAL, -ERANGE,
 * -ENOMEM, -EIO. */
int ksrtp_key_alloc(struct ksrtp_key **kp, const struct ksrtp_keymat *k,
		    uint32_t ssrc, uint64_t index);
/* srtp_dealloc + wipe. NULL accepted. */
void ksrtp_key_free(struct ksrtp_key *k);
/* Free *kp and set it to NULL. */
void ksrtp_key_drop(struct ksrtp_key **kp);

/* RTP/RTCP through one key. v is the packet index estimate of the caller
 * (RTP only). Return codes as in ksrtp.h (-EACCES, -EALREADY, -EBADMSG,
 * -ENOSPC, -EIO). */
int ksrtp_key_protect(struct ksrtp_key *k, uint64_t v, uint8_t *pkt,
		      size_t *len, size_t cap);
int ksrtp_key_protect_rtcp(struct ksrtp_key *k, uint8_t *pkt, size_t *len,
			   size_t cap);
int ksrtp_key_unprotect(struct ksrtp_key *k, uint64_t v, uint8_t *pkt,
			size_t *len);
int ksrtp_key_unprotect_rtcp(struct ksrtp_key *k, uint8_t *pkt, size_t *len);

/* libsrtp2 status -> negative errno. */
int ksrtp_err_from_srtp(srtp_err_status_t st);

#endif

/*
 * ktr_pair: test harness that wires two KTR sessions (A and B) back to back
 * purely in memory. Each side's send callback appends the record to that
 * side's log; ktr_pair_pump() delivers logged records to the other side
 * (through ktr_sess_input) until both directions are quiet, applying the
 * configured loss. Time is whatever the test passes; nothing reads a clock.
 *
 * Every event a side reports is copied into its event log (key parameters
 * included, since ev->kp is valid only during the callback). Key copies are
 * wiped when the pair is freed.
 */
#ifndef KTRSBC_TESTS_KTR_PAIR_H
#define KTRSBC_TESTS_KTR_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktr/ktr.h"

#define KTR_PAIR_REC_MAX (KTR_HDR_LEN + 512) /* one record, copied */
#define KTR_PAIR_LOG_MAX 512 /* records logged per side */
#define KTR_PAIR_EV_MAX 64 /* events logged per side */

struct ktr_pair_rec {
	uint8_t b[KTR_PAIR_REC_MAX];
	size_t len;
};

struct ktr_pair_ev {
	enum ktr_event_type type;
	int err;
	uint16_t message_seq;
	uint8_t reason;
	uint8_t msg_type; /* GAVE_UP, PEER_FAILURE: the message's type */
	bool has_kp;
	struct ktr_keyparams kp; /* copy of *ev->kp when has_kp */
	uint64_t index;
	size_t nsent_at; /* records this side had sent when the event came */
};

struct ktr_pair_side {
	struct ktr_sess *s;
	struct ktr_pair_side *peer;
	/* tx_state answer: tx_err (e.g. -ENOENT) or (ssrc, next_index). */
	int tx_err;
	uint32_t ssrc;
	uint64_t next_index;
	/* tx_ssrc answer (a second stream on a bundle): sends ssrc2 (when
	 * nonzero) with next_index2. */
	uint32_t ssrc2;
	uint64_t next_index2;
	/* Records this side sent, in order; sent[delivered..nsent) are still
	 * in flight towards the peer. */
	struct ktr_pair_rec *sent;
	size_t nsent;
	size_t delivered;
	int send_err; /* returned by the send callback when nonzero */
	/* Loss on this side's outgoing direction: everything, or the next
	 * drop_next records. */
	bool drop_all;
	unsigned drop_next;
	size_t ndropped;
	/* ktr_sess_input results at this side while pumping. */
	size_t ninput;
	size_t ninput_err;
	int last_input_err;
	struct ktr_pair_ev ev[KTR_PAIR_EV_MAX];
	size_t nev;
};

struct ktr_pair {
	struct ktr_pair_side a, b;
};

/* A negotiated configuration for the given profile lengths; all other
 * fields zero (session defaults). */
void ktr_pair_cfg(struct ktr_sess_cfg *c, uint8_t key_len, uint8_t salt_len,
		  uint8_t tag_len);

/* Two sessions with configurations ca and cb (cb NULL = same as ca).
 * A sends as SSRC 0x0a0a0a0a from index 1000, B as 0x0b0b0b0b from index
 * 0x1fff0 (so its activation index crosses a ROC boundary). 0 or the
 * error of ktr_sess_alloc / -ENOMEM. */
int ktr_pair_alloc(struct ktr_pair **pp, const struct ktr_sess_cfg *ca,
		   const struct ktr_sess_cfg *cb);
/* Frees both sessions and wipes the logs. NULL is fine. */
void ktr_pair_free(struct ktr_pair *p);

/* Deliver in-flight records in both directions at time now_ms until none
 * are left (answers to delivered records are delivered too). Returns the
 * number of records handed to ktr_sess_input (dropped ones not counted). */
size_t ktr_pair_pump(struct ktr_pair *p, uint64_t now_ms);
/* Drop everything still in flight from side s (as if lost). */
void ktr_pair_lose(struct ktr_pair_side *s);

/* How many events of type t side s logged. */
size_t ktr_pair_count(const struct ktr_pair_side *s, enum ktr_event_type t);
/* The nth (from 0) event of type t, or NULL. */
const struct ktr_pair_ev *ktr_pair_find(const struct ktr_pair_side *s,
					enum ktr_event_type t, size_t nth);
/* True when both key parameter sets carry the same key, salt and lengths. */
bool ktr_pair_same_key(const struct ktr_keyparams *x,
		       const struct ktr_keyparams *y);
/* Key parameters of those lengths whose key and salt bytes count up from
 * seed (key) and 0xa0 + seed (salt); no SSRC. */
void ktr_pair_kp_fill(struct ktr_keyparams *kp, uint8_t key_len,
		      uint8_t salt_len, uint8_t tag_len, uint8_t seed);
/* True when the n bytes at b are all zero (a wiped or never-set key). */
bool ktr_pair_zero(const uint8_t *b, size_t n);

/* ---- cmocka checks (call them from a test) ---- */

/* ktr_pair_alloc that must succeed. */
struct ktr_pair *ktr_pair_new(const struct ktr_sess_cfg *ca,
			      const struct ktr_sess_cfg *cb);
/* ktr_pair_new with ktr_pair_cfg(16, 14, 10) on both sides. */
struct ktr_pair *ktr_pair_default(void);
/* A logged record that must decode. */
void ktr_pair_rec_decode(const struct ktr_pair_rec *r, struct ktr_msg *m);
/* A full announcement (kp NULL) from `from` at now_ms: LOCAL_KEY at the
 * speaker, PEER_KEY with the same key at the listener, ACTIVATED back,
 * nothing pending afterwards. Returns the listener's PEER_KEY event. */
const struct ktr_pair_ev *ktr_pair_announce_ok(struct ktr_pair *p,
					       struct ktr_pair_side *from,
					       uint64_t now_ms);
/* Side s logged exactly one PEER_FAILURE, for message seq with reason,
 * and is idle (nothing pending, no timer). */
void ktr_pair_expect_peer_failure(struct ktr_pair_side *s, uint16_t seq,
				  uint8_t reason);

#endif

/*
 * err: the project's one error convention.
 *
 * Functions return 0 (or a non-negative count) on success and a negative
 * errno value on failure. The meanings used across modules:
 *   -EBADMSG   malformed input (bad length, bad field, trailing bytes)
 *   -EPROTO    protocol violation (contradicting fragments, wrong state)
 *   -ENODATA   incomplete input (truncated)
 *   -EMSGSIZE  input larger than a named limit
 *   -ENOBUFS   a named resource limit reached (pending messages, streams)
 *   -ERANGE    a field outside its allowed range (e.g. key length)
 *   -ENOMSG    unknown message type
 *   -ENOTSUP   feature not negotiated with the peer
 *   -EINVAL    bad argument from the caller
 *   -ETIMEDOUT retransmission gave up
 *   -EKEYREJECTED peer certificate does not match the expected fingerprint
 * Never combine errors with |=.
 */
#ifndef KTRSBC_ERR_H
#define KTRSBC_ERR_H

/* Text for a negative (or positive) errno value; never NULL. */
const char *err_str(int err);

#endif

/*
 * ksrtp policies: profiles, key material and one libsrtp2 session per key
 * (see ksrtp.h and ksrtp_int.h).
 */
#include "srtp/ksrtp_int.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <nss.h>

#include "base/klog.h"
#include "base/sec.h"

struct profile_info {
	int id;
	const char *name;
	uint8_t key_len, salt_len, tag_len, rtcp_tag_len;
};

/* RFC 5764 4.1.2 (the _32 profile keeps an 80-bit SRTCP tag), RFC 7714
 * 14.2 (AEAD: 96-bit salt, 128-bit tag); names as in RFC 4568 6.2 and
 * RFC 7714 14.2. */
static const struct profile_info profiles[] = {
	{ KSRTP_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10 },
	{ KSRTP_AES128_CM_SHA1_32, "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10 },
	{ KSRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 16, 12, 16, 16 },
	{ KSRTP_AEAD_AES_256_GCM, "AEAD_AES_256_GCM", 32, 12, 16, 16 },
};

#define SRTCP_INDEX_LEN 4 /* E flag + 31-bit SRTCP index, RFC 3711 3.4 */

static const struct profile_info *profile_find(int id)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (profiles[i].id == id)
			return &profiles[i];
	return NULL;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result = -EIO; /* written once, under init_once */

/*
 * Debian's libsrtp2 does its AES and HMAC through NSS, and every cipher it
 * allocates joins NSS with NSS_INIT_OPTIMIZESPACE. Whoever initialises NSS
 * first sets the softoken's tables for the process: with OPTIMIZESPACE its
 * session and object hash tables have 32 buckets, and every packet's
 * PK11 context creation searches chains holding every live key. With 1000
 * transcrypted calls that search took over half the relay core (issue 6:
 * the fallback fell from 48 to 4 kpps). Joining first without the flag
 * gives the 1024-bucket tables. The context lives as long as the process.
 */
static NSSInitContext *nss_ctx;

static void init_run(void)
{
	srtp_err_status_t st;

	nss_ctx = NSS_InitContext("", "", "", "", NULL,
				  NSS_INIT_READONLY | NSS_INIT_NOCERTDB |
					  NSS_INIT_NOMODDB | NSS_INIT_FORCEOPEN |
					  NSS_INIT_NOROOTINIT);
	if (!nss_ctx)
		klog(KLOG_WARN, "ksrtp: NSS_InitContext failed: libsrtp2 "
				"initialises NSS for space, not speed");
	st = srtp_init();

	if (st != srtp_err_status_ok) {
		klog(KLOG_ERR, "ksrtp: srtp_init failed (%d)", (int)st);
		init_result = -EIO;
		return;
	}
	init_result = 0;
}

int ksrtp_init(void)
{
	if (pthread_once(&init_once, init_run) != 0)
		return -EIO;
	return init_result;
}

int ksrtp_profile_lens(int profile, size_t *key_len, size_t *salt_len,
		       size_t *tag_len)
{
	const struct profile_info *p = profile_find(profile);

	if (!p)
		return -EINVAL;
	if (key_len)
		*key_len = p->key_len;
	if (salt_len)
		*salt_len = p->salt_len;
	if (tag_len)
		*tag_len = p->tag_len;
	return 0;
}

int ksrtp_profile_overhead(int profile, bool rtcp, size_t *overhead)
{
	const struct profile_info *p = profile_find(profile);

	if (!p || !overhead)
		return -EINVAL;
	*overhead = rtcp ? (size_t)p->rtcp_tag_len + SRTCP_INDEX_LEN
			 : p->tag_len;
	return 0;
}

const char *ksrtp_profile_name(int profile)
{
	const struct profile_info *p = profile_find(profile);

	return p ? p->name : NULL;
}

int ksrtp_keymat_check(const struct ksrtp_keymat *k)
{
	const struct profile_info *p;

	if (!k)
		return -EINVAL;
	p = profile_find(k->profile);
	if (!p)
		return -EINVAL;
	if (k->key_len != p->key_len || k->salt_len != p->salt_len)
		return -ERANGE;
	return 0;
}

void ksrtp_keymat_wipe(struct ksrtp_keymat *k)
{
	sec_wipe(k, k ? sizeof(*k) : 0);
}

int ksrtp_keymat_set(struct ksrtp_keymat *k, int profile,
		     const uint8_t *keysalt, size_t len)
{
	const struct profile_info *p = profile_find(profile);

	if (!k || !keysalt || !p)
		return -EINVAL;
	if (len != (size_t)p->key_len + p->salt_len)
		return -ERANGE;
	memset(k, 0, sizeof(*k));
	k->profile = profile;
	k->key_len = p->key_len;
	k->salt_len = p->salt_len;
	memcpy(k->key, keysalt, p->key_len);
	memcpy(k->salt, keysalt + p->key_len, p->salt_len);
	return 0;
}

int ksrtp_keymat_parts(struct ksrtp_keymat *k, int profile,
		       const uint8_t *key, size_t key_len,
		       const uint8_t *salt, size_t salt_len)
{
	const struct profile_info *p = profile_find(profile);

	if (!k || !key || !salt || !p)
		return -EINVAL;
	if (key_len != p->key_len || salt_len != p->salt_len)
		return -ERANGE;
	memset(k, 0, sizeof(*k));
	k->profile = profile;
	k->key_len = p->key_len;
	k->salt_len = p->salt_len;
	memcpy(k->key, key, key_len);
	memcpy(k->salt, salt, salt_len);
	return 0;
}

int ksrtp_keymat_get(const struct ksrtp_keymat *k, uint8_t *out, size_t cap)
{
	if ((size_t)k->key_len + k->salt_len > cap)
		return -ENOSPC;
	memcpy(out, k->key, k->key_len);
	memcpy(out + k->key_len, k->salt, k->salt_len);
	return k->key_len + k->salt_len;
}

int ksrtp_keymat_random(struct ksrtp_keymat *k, int profile)
{
	const struct profile_info *p = profile_find(profile);

	if (!k || !p)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->profile = profile;
	k->key_len = p->key_len;
	k->salt_len = p->salt_len;
	if (sec_random(k->key, p->key_len) || sec_random(k->salt, p->salt_len)) {
		ksrtp_keymat_wipe(k);
		return -EIO;
	}
	return 0;
}

bool ksrtp_keymat_equal(const struct ksrtp_keymat *a,
			const struct ksrtp_keymat *b)
{
	int same = a->profile == b->profile && a->key_len == b->key_len &&
		   a->salt_len == b->salt_len;

	/* Compare the full arrays so the time does not depend on lengths. */
	same &= sec_equal(a->key, b->key, sizeof(a->key));
	same &= sec_equal(a->salt, b->salt, sizeof(a->salt));
	return same != 0;
}

int ksrtp_err_from_srtp(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return 0;
	case srtp_err_status_auth_fail:
		return -EACCES;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
	case srtp_err_status_pkt_idx_old:
		return -EALREADY;
	case srtp_err_status_no_ctx:
		return -ENOENT;
	case srtp_err_status_parse_err:
	case srtp_err_status_bad_param:
		return -EBADMSG;
	case srtp_err_status_alloc_fail:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

int ksrtp_key_alloc(struct ksrtp_key **kp, const struct ksrtp_keymat *k,
		    uint32_t ssrc, uint64_t index)
{
	/* libsrtp2 wants key || salt in one buffer; wiped below. */
	uint8_t master[KSRTP_KEY_MAX + KSRTP_SALT_MAX];
	srtp_policy_t pol;
	struct ksrtp_key *key;
	srtp_err_status_t st;
	int err;

	if (!kp)
		return -EINVAL;
	*kp = NULL;
	err = ksrtp_keymat_check(k);
	if (err)
		return err;
	err = ksrtp_init();
	if (err)
		return err;
	key = calloc(1, sizeof(*key));
	if (!key)
		return -ENOMEM;

	memset(&pol, 0, sizeof(pol));
	st = srtp_crypto_policy_set_from_profile_for_rtp(
		&pol.rtp, (srtp_profile_t)k->profile);
	if (st == srtp_err_status_ok)
		st = srtp_crypto_policy_set_from_profile_for_rtcp(
			&pol.rtcp, (srtp_profile_t)k->profile);
	if (st != srtp_err_status_ok) {
		err = -EINVAL;
		goto out;
	}
	memcpy(master, k->key, k->key_len);
	memcpy(master + k->key_len, k->salt, k->salt_len);
	pol.ssrc.type = ssrc_specific;
	pol.ssrc.value = ssrc;
	pol.key = master;
	pol.window_size = 128; /* RFC 3711 3.3.2 minimum is 64 */
	pol.allow_repeat_tx = 0;
	pol.next = NULL;
	st = srtp_create(&key->ctx, &pol);
	sec_wipe(master, sizeof(master));
	if (st != srtp_err_status_ok) {
		key->ctx = NULL;
		err = st == srtp_err_status_alloc_fail ? -ENOMEM : -EIO;
		goto out;
	}
	key->ssrc = ssrc;
	key->index = index;
	key->km = *k;
	*kp = key;
	return 0;
out:
	sec_wipe(key, sizeof(*key));
	free(key);
	return err;
}

void ksrtp_key_free(struct ksrtp_key *k)
{
	if (!k)
		return;
	if (k->ctx)
		srtp_dealloc(k->ctx);
	sec_wipe(k, sizeof(*k));
	free(k);
}

void ksrtp_key_drop(struct ksrtp_key **kp)
{
	ksrtp_key_free(*kp);
	*kp = NULL;
}

/* Room check shared by both protect calls: the packet must fit an int and
 * leave overhead bytes before cap. */
static int room(const struct ksrtp_key *k, bool rtcp, size_t len, size_t cap)
{
	size_t over = 0;

	if (ksrtp_profile_overhead(k->km.profile, rtcp, &over))
		return -EINVAL;
	if (len > INT_MAX - over)
		return -EMSGSIZE;
	if (cap < len || cap - len < over)
		return -ENOSPC;
	return 0;
}

/* Hand our index estimate to libsrtp2 (host-order SSRC; see ksrtp_int.h). */
static int set_roc(struct ksrtp_key *k, uint64_t v)
{
	srtp_err_status_t st;

	st = srtp_set_stream_roc(k->ctx, k->ssrc, (uint32_t)(v >> 16));
	return st == srtp_err_status_ok ? 0 : -EIO;
}

int ksrtp_key_protect(struct ksrtp_key *k, uint64_t v, uint8_t *pkt,
		      size_t *len, size_t cap)
{
	int n, err = room(k, false, *len, cap);

	if (err)
		return err;
	err = set_roc(k, v);
	if (err)
		return err;
	n = (int)*len;
	err = ksrtp_err_from_srtp(srtp_protect(k->ctx, pkt, &n));
	if (err)
		return err;
	*len = (size_t)n;
	return 0;
}

int ksrtp_key_protect_rtcp(struct ksrtp_key *k, uint8_t *pkt, size_t *len,
			   size_t cap)
{
	int n, err = room(k, true, *len, cap);

	if (err)
		return err;
	n = (int)*len;
	err = ksrtp_err_from_srtp(srtp_protect_rtcp(k->ctx, pkt, &n));
	if (err)
		return err;
	*len = (size_t)n;
	return 0;
}

int ksrtp_key_unprotect(struct ksrtp_key *k, uint64_t v, uint8_t *pkt,
			size_t *len)
{
	int n, err;

	if (*len > INT_MAX)
		return -EMSGSIZE;
	err = set_roc(k, v);
	if (err)
		return err;
	n = (int)*len;
	err = ksrtp_err_from_srtp(srtp_unprotect(k->ctx, pkt, &n));
	if (err)
		return err;
	*len = (size_t)n;
	return 0;
}

int ksrtp_key_unprotect_rtcp(struct ksrtp_key *k, uint8_t *pkt, size_t *len)
{
	int n, err;

	if (*len > INT_MAX)
		return -EMSGSIZE;
	n = (int)*len;
	err = ksrtp_err_from_srtp(srtp_unprotect_rtcp(k->ctx, pkt, &n));
	if (err)
		return err;
	*len = (size_t)n;
	return 0;
}

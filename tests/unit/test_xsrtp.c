/*
 * Unit tests for src/xsrtp against the RFC test vectors, each named by its
 * RFC section: RFC 3711 B.2 (AES-CM keystream) and B.3 (key derivation),
 * RFC 6188 7.2 (AES-256 key derivation, which AEAD_AES_256_GCM uses),
 * RFC 7714 16.1, 16.2 (SRTP AEAD_AES_128_GCM / 256) and 17.1-17.4 (SRTCP,
 * E=1 and E=0); then the replay window, the stream limit and the argument
 * checks. Interoperation with libsrtp2 is in test_xsrtp_interop.c.
 *
 * The vectors were typed as the RFCs print them (session keys given
 * directly where the RFC gives session keys: xsrtp_ctx_alloc_session).
 * RFC 6188 7.1 (the AES-256-CM keystream) does not apply: no profile here
 * uses AES-256 in counter mode for packets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "srtp/ksrtp.h"
#include "xsrtp/xsrtp.h"

#include "ksrtp_test.h"
#include "xsrtp_test.h"

/* From the sanitizer runtime (compiler-rt's sanitizer/allocator_interface.h,
 * which gcc does not ship; libasan exports the symbol). Tests run under ASan. */
int __sanitizer_install_malloc_and_free_hooks(
	void (*malloc_hook)(const volatile void *, size_t),
	void (*free_hook)(const volatile void *));
size_t __sanitizer_get_allocated_size(const volatile void *p);

/* --- RFC 3711 ------------------------------------------------------------- */

/* RFC 3711 B.2: AES-CM keystream with session key 2B7E..., session salt
 * F0F1...FD, SSRC 0, ROC 0, SEQ 0: the IV is the salt * 2^16, so the
 * payload of a zero RTP packet (12-octet header, SSRC 0, SEQ 0) comes out
 * as the keystream. Blocks 0000-0002 and FEFF-FF01 as the RFC prints. */
static void test_rfc3711_b2_aes_cm_keystream(void **state)
{
	static const struct {
		unsigned block;
		const char *hex;
	} want[] = {
		{ 0x0000, "E03EAD0935C95E80E166B16DD92B4EB4" },
		{ 0x0001, "D23513162B02D0F72A43A2FE4A5F97AB" },
		{ 0x0002, "41E95B3BB0A2E8DD477901E4FCA894C0" },
		{ 0xfeff, "EC8CDF7398607CB0F2D21675EA9EA1E4" },
		{ 0xff00, "362B7C3C6773516318A077D7FC5073AE" },
		{ 0xff01, "6A2CC3787889374FBEB4C81B17BA6C44" },
	};
	struct xsrtp_session_keys s;
	struct xsrtp_ctx *c;
	size_t payload = 0xff02u * 16, len = 12 + payload;
	size_t cap = len + 16;
	uint8_t *pkt = calloc(1, cap), blk[16];

	assert_non_null(pkt);
	memset(&s, 0, sizeof(s));
	assert_int_equal(t_hex("2B7E151628AED2A6ABF7158809CF4F3C", s.key,
			       sizeof(s.key)), 16);
	assert_int_equal(t_hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD", s.salt,
			       sizeof(s.salt)), 14);
	assert_int_equal(xsrtp_ctx_alloc_session(&c, KSRTP_AES128_CM_SHA1_80,
						 &s, &s, 0), 0);
	pkt[0] = 0x80; /* V=2, PT 0, SEQ 0, TS 0, SSRC 0 */
	assert_int_equal(xsrtp_rtp_protect(c, pkt, &len, cap), 0);
	assert_int_equal(len, 12 + payload + 10);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		t_hex(want[i].hex, blk, sizeof(blk));
		assert_memory_equal(pkt + 12 + want[i].block * 16u, blk, 16);
	}
	xsrtp_ctx_free(c);
	free(pkt);
}

/* RFC 3711 B.3: key derivation with master key E1F9..., master salt
 * 0EC6..., kdr 0: cipher key (label 0), cipher salt (label 2) and the
 * first 94 octets of the authentication key stream (label 1, as printed;
 * the profiles use its first 20). */
static void test_rfc3711_b3_key_derivation(void **state)
{
	uint8_t mk[16], ms[14], out[94], want[94];

	t_hex("E1F97A0D3E018BE0D64FA32C06DE4139", mk, sizeof(mk));
	t_hex("0EC675AD498AFEEBB6960B3AABE6", ms, sizeof(ms));
	assert_int_equal(xsrtp_kdf(mk, 16, ms, 14, 0, out, 16), 0);
	t_hex("C61E7A93744F39EE10734AFE3FF7A087", want, sizeof(want));
	assert_memory_equal(out, want, 16);
	assert_int_equal(xsrtp_kdf(mk, 16, ms, 14, 2, out, 14), 0);
	t_hex("30CBBC08863D8C85D49DB34A9AE1", want, sizeof(want));
	assert_memory_equal(out, want, 14);
	assert_int_equal(xsrtp_kdf(mk, 16, ms, 14, 1, out, 94), 0);
	assert_int_equal(t_hex("CEBE321F6FF7716B6FD4AB49AF256A15"
			       "6D38BAA48F0A0ACF3C34E2359E6CDBCE"
			       "E049646C43D9327AD175578EF7227098"
			       "6371C10C9A369AC2F94A8C5FBCDDDC25"
			       "6D6E919A48B610EF17C2041E47403576"
			       "6B68642C59BBFC2F34DB60DBDFB2",
			       want, sizeof(want)), 94);
	assert_memory_equal(out, want, 94);

	/* Argument checks. */
	assert_int_equal(xsrtp_kdf(mk, 24, ms, 14, 0, out, 16), -EINVAL);
	assert_int_equal(xsrtp_kdf(mk, 16, ms, 13, 0, out, 16), -EINVAL);
	assert_int_equal(xsrtp_kdf(mk, 16, ms, 14, 6, out, 16), -EINVAL);
	assert_int_equal(xsrtp_kdf(NULL, 16, ms, 14, 0, out, 16), -EINVAL);
}

/* RFC 6188 7.2: AES-256 key derivation (the PRF AEAD_AES_256_GCM uses,
 * RFC 7714 11): master key f0f0..., master salt 3b04...; cipher key
 * (label 0, 32 octets), cipher salt (label 2), auth key (label 1). */
static void test_rfc6188_7_2_aes256_key_derivation(void **state)
{
	uint8_t mk[32], ms[14], out[32], want[32];

	t_hex("f0f04914b513f2763a1b1fa130f10e29"
	      "98f6f6e43e4309d1e622a0e332b9f1b6", mk, sizeof(mk));
	t_hex("3b04803de51ee7c96423ab5b78d2", ms, sizeof(ms));
	assert_int_equal(xsrtp_kdf(mk, 32, ms, 14, 0, out, 32), 0);
	t_hex("5ba1064e30ec51613cad926c5a28ef73"
	      "1ec7fb397f70a960653caf06554cd8c4", want, sizeof(want));
	assert_memory_equal(out, want, 32);
	assert_int_equal(xsrtp_kdf(mk, 32, ms, 14, 2, out, 14), 0);
	t_hex("fa31791685ca444a9e07c6c64e93", want, sizeof(want));
	assert_memory_equal(out, want, 14);
	assert_int_equal(xsrtp_kdf(mk, 32, ms, 14, 1, out, 20), 0);
	t_hex("fd9c32d39ed5fbb5a9dc96b30818454d1313dc05", want, sizeof(want));
	assert_memory_equal(out, want, 20);
}

/* --- RFC 7714 ------------------------------------------------------------- */

/* RFC 7714 16 and 17: session key 0001..0f (AEAD_AES_128_GCM) or
 * 0001..1f (256), session salt "Quid pro quo"; the same keys for SRTP and
 * SRTCP. */
static struct xsrtp_ctx *gcm_ctx(int profile)
{
	struct xsrtp_session_keys s;
	struct xsrtp_ctx *c;

	memset(&s, 0, sizeof(s));
	for (unsigned i = 0; i < sizeof(s.key); i++)
		s.key[i] = (uint8_t)i;
	assert_int_equal(t_hex("517569642070726f2071756f", s.salt,
			       sizeof(s.salt)), 12);
	assert_int_equal(xsrtp_ctx_alloc_session(&c, profile, &s, &s, 0), 0);
	return c;
}

/* The RTP packet of RFC 7714 16 (SSRC 0x5501a0b2, SEQ 0xf17b, ROC 0). */
static const char rfc7714_rtp[] =
	"8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f"
	"6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573";

/* Protect the plaintext with a fresh context and compare with the RFC's
 * packet; unprotect that packet with another fresh context; a second
 * copy is a replay; a flipped tag bit fails and leaves the packet. */
static void rtp_vector(int profile, const char *want_hex)
{
	uint8_t plain[128], want[128], pkt[128], bad[128];
	size_t pn = t_hex(rfc7714_rtp, plain, sizeof(plain));
	size_t wn = t_hex(want_hex, want, sizeof(want)), n;
	struct xsrtp_ctx *tx = gcm_ctx(profile), *rx = gcm_ctx(profile);

	assert_int_equal(wn, pn + 16);
	memcpy(pkt, plain, pn);
	n = pn;
	assert_int_equal(xsrtp_rtp_protect(tx, pkt, &n, sizeof(pkt)), 0);
	assert_int_equal(n, wn);
	assert_memory_equal(pkt, want, wn);

	memcpy(bad, want, wn);
	bad[wn - 1] ^= 0x01;
	n = wn;
	assert_int_equal(xsrtp_rtp_unprotect(rx, bad, &n), -EACCES);
	assert_int_equal(n, wn);
	want[wn - 1] ^= 0x01;
	assert_memory_equal(bad, want, wn); /* unchanged */
	want[wn - 1] ^= 0x01;

	memcpy(pkt, want, wn);
	n = wn;
	assert_int_equal(xsrtp_rtp_unprotect(rx, pkt, &n), 0);
	assert_int_equal(n, pn);
	assert_memory_equal(pkt, plain, pn);
	memcpy(pkt, want, wn);
	n = wn;
	assert_int_equal(xsrtp_rtp_unprotect(rx, pkt, &n), -EALREADY);
	xsrtp_ctx_free(tx);
	xsrtp_ctx_free(rx);
}

/* RFC 7714 16.1.1 (encryption) and 16.1.2 (verification, decryption). */
static void test_rfc7714_16_1_srtp_aead_aes_128_gcm(void **state)
{
	rtp_vector(KSRTP_AEAD_AES_128_GCM,
		   "8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c"
		   "9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf"
		   "8833899d 7f27beb1 6a9152cf 765ee439 0cce");
}

/* RFC 7714 16.2.1 and 16.2.2. */
static void test_rfc7714_16_2_srtp_aead_aes_256_gcm(void **state)
{
	rtp_vector(KSRTP_AEAD_AES_256_GCM,
		   "8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa"
		   "332e33aa b1801238 9a58e2f3 b50b2a02 76ffae0f 1ba63799"
		   "b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13");
}

/* The RTCP packet of RFC 7714 17 (sender SSRC "Mars"), SRTCP index
 * 0x5d4. */
static const char rfc7714_rtcp[] =
	"81c8000d 4d617273 4e545031 4e545032 52545020 0000042a"
	"0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef";
#define RFC7714_RTCP_INDEX 0x5d4

static void rtcp_vector(int profile, const char *want_hex, bool encrypted)
{
	uint8_t plain[128], want[128], pkt[128];
	size_t pn = t_hex(rfc7714_rtcp, plain, sizeof(plain));
	size_t wn = t_hex(want_hex, want, sizeof(want)), n;
	struct xsrtp_ctx *tx = gcm_ctx(profile), *rx = gcm_ctx(profile);

	assert_int_equal(wn, pn + 16 + 4);
	if (encrypted) {
		/* The sender's index starts at 0 (RFC 3711 3.4): send
		 * 0x5d4 packets, then the RFC's packet goes out with index
		 * 0x5d4. (xsrtp protects with E=1 only.) */
		for (unsigned i = 0; i <= RFC7714_RTCP_INDEX; i++) {
			memcpy(pkt, plain, pn);
			n = pn;
			assert_int_equal(xsrtp_rtcp_protect(tx, pkt, &n,
							    sizeof(pkt)), 0);
		}
		assert_int_equal(n, wn);
		assert_memory_equal(pkt, want, wn);
	}
	memcpy(pkt, want, wn);
	pkt[12] ^= 0x80; /* tampered: fails, packet unchanged */
	n = wn;
	assert_int_equal(xsrtp_rtcp_unprotect(rx, pkt, &n), -EACCES);
	assert_int_equal(n, wn);
	pkt[12] ^= 0x80;
	assert_memory_equal(pkt, want, wn);
	assert_int_equal(xsrtp_rtcp_unprotect(rx, pkt, &n), 0);
	assert_int_equal(n, pn);
	assert_memory_equal(pkt, plain, pn);
	memcpy(pkt, want, wn);
	n = wn;
	assert_int_equal(xsrtp_rtcp_unprotect(rx, pkt, &n), -EALREADY);
	xsrtp_ctx_free(tx);
	xsrtp_ctx_free(rx);
}

/* RFC 7714 17.1: SRTCP AEAD_AES_128_GCM encryption and decryption. */
static void test_rfc7714_17_1_srtcp_aead_aes_128_gcm(void **state)
{
	rtcp_vector(KSRTP_AEAD_AES_128_GCM,
		    "81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99"
		    "7ff5c0f7 6c06f32d c676a5f1 730d6fda 4ce09b46 86303ded"
		    "0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4",
		    true);
}

/* RFC 7714 17.2: SRTCP AEAD_AES_256_GCM encryption and decryption. */
static void test_rfc7714_17_2_srtcp_aead_aes_256_gcm(void **state)
{
	rtcp_vector(KSRTP_AEAD_AES_256_GCM,
		    "81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28"
		    "2c3ece5d bffe0a50 a2eaa5c1 110555be 8415f658 c61de047"
		    "6f1b6fad 1d1eb30c 4446839f 57ff6f6c b26ac3be 800005d4",
		    true);
}

/* RFC 7714 17.3: SRTCP AEAD_AES_128_GCM authentication only (E=0, the
 * whole packet is AAD): verification. */
static void test_rfc7714_17_3_srtcp_128_gcm_auth_only(void **state)
{
	rtcp_vector(KSRTP_AEAD_AES_128_GCM,
		    "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a"
		    "0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef"
		    "deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4",
		    false);
}

/* RFC 7714 17.4: the same with AEAD_AES_256_GCM. */
static void test_rfc7714_17_4_srtcp_256_gcm_auth_only(void **state)
{
	rtcp_vector(KSRTP_AEAD_AES_256_GCM,
		    "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a"
		    "0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef"
		    "deadbeef 91db4afb feee5a97 8fab4393 ed2615fe 000005d4",
		    false);
}

/* --- behaviour -------------------------------------------------------------- */

/* Protect seqs with tx into out[i] (T_PKT_CAP each); returns lengths. */
static void protect_seqs(struct xsrtp_ctx *tx, uint32_t ssrc,
			 const uint16_t *seq, size_t n,
			 uint8_t (*out)[T_PKT_CAP], size_t *len)
{
	for (size_t i = 0; i < n; i++) {
		len[i] = t_rtp(out[i], T_PKT_CAP, ssrc, seq[i]);
		assert_int_equal(xsrtp_rtp_protect(tx, out[i], &len[i],
						   T_PKT_CAP), 0);
	}
}

/* RFC 3711 3.3.2: reordering inside the 64-packet window is accepted once,
 * a duplicate and anything left of the window are replays. */
static void test_replay_window(void **state)
{
	static const uint16_t seq[] = { 100, 101, 102, 103, 170, 171, 172 };
	struct ksrtp_keymat k = t_keymat(KSRTP_AES128_CM_SHA1_80);
	uint8_t pkt[7][T_PKT_CAP];
	size_t len[7], n;
	struct xsrtp_ctx *tx, *rx;
	struct xsrtp_stats st;

	assert_int_equal(xsrtp_ctx_alloc(&tx, &k, 0), 0);
	assert_int_equal(xsrtp_ctx_alloc(&rx, &k, 0), 0);
	protect_seqs(tx, 0x1234, seq, 7, pkt, len);
	/* Sender side: the same index again would reuse the keystream. */
	{
		uint8_t again[T_PKT_CAP];
		size_t an = t_rtp(again, sizeof(again), 0x1234, 171);

		assert_int_equal(xsrtp_rtp_protect(tx, again, &an,
						   sizeof(again)), -EALREADY);
	}
#define UNP(i, want)                                                         \
	do {                                                                 \
		uint8_t cp[T_PKT_CAP];                                       \
		memcpy(cp, pkt[i], len[i]);                                  \
		n = len[i];                                                  \
		assert_int_equal(xsrtp_rtp_unprotect(rx, cp, &n), want);     \
	} while (0)
	UNP(0, 0);          /* 100 */
	UNP(2, 0);          /* 102 */
	UNP(1, 0);          /* 101: late, inside the window */
	UNP(1, -EALREADY);  /* 101 again */
	UNP(5, 0);          /* 171: highest now; 100..106 left of window */
	UNP(4, 0);          /* 170 */
	UNP(3, -EALREADY);  /* 103: 68 behind, too old */
	UNP(6, 0);          /* 172 */
	UNP(6, -EALREADY);
#undef UNP
	xsrtp_ctx_stats(rx, &st);
	assert_int_equal(st.ok, 6);
	assert_int_equal(st.replay, 3);
	assert_int_equal(st.streams, 1);
	xsrtp_ctx_free(tx);
	xsrtp_ctx_free(rx);
}

/* The stream limit is checked before anything is allocated; a packet that
 * fails authentication does not take a stream. */
static void test_stream_limit(void **state)
{
	struct ksrtp_keymat k = t_keymat(KSRTP_AEAD_AES_128_GCM);
	struct ksrtp_keymat other = t_keymat(KSRTP_AEAD_AES_128_GCM);
	struct xsrtp_ctx *tx, *rx, *wrong;
	struct xsrtp_stats st;
	uint8_t pkt[T_PKT_CAP];
	size_t n;

	assert_int_equal(xsrtp_ctx_alloc(&tx, &k, 4), 0);
	assert_int_equal(xsrtp_ctx_alloc(&wrong, &other, 0), 0);
	assert_int_equal(xsrtp_ctx_alloc(&rx, &k, 2), 0);
	/* A forged packet of a new SSRC: rejected, no stream kept. */
	n = t_rtp(pkt, sizeof(pkt), 0xbad, 1);
	assert_int_equal(xsrtp_rtp_protect(wrong, pkt, &n, sizeof(pkt)), 0);
	assert_int_equal(xsrtp_rtp_unprotect(rx, pkt, &n), -EACCES);
	xsrtp_ctx_stats(rx, &st);
	assert_int_equal(st.streams, 0);
	for (uint32_t ssrc = 1; ssrc <= 3; ssrc++) {
		n = t_rtp(pkt, sizeof(pkt), ssrc, 7);
		assert_int_equal(xsrtp_rtp_protect(tx, pkt, &n, sizeof(pkt)),
				 0);
		assert_int_equal(xsrtp_rtp_unprotect(rx, pkt, &n),
				 ssrc <= 2 ? 0 : -ENOBUFS);
	}
	/* SRTCP of a known SSRC uses its stream; of a new one: no room. */
	n = t_rtcp(pkt, sizeof(pkt), 2, 1);
	assert_int_equal(xsrtp_rtcp_protect(tx, pkt, &n, sizeof(pkt)), 0);
	assert_int_equal(xsrtp_rtcp_unprotect(rx, pkt, &n), 0);
	n = t_rtcp(pkt, sizeof(pkt), 9, 1);
	assert_int_equal(xsrtp_rtcp_protect(tx, pkt, &n, sizeof(pkt)), 0);
	assert_int_equal(xsrtp_rtcp_unprotect(rx, pkt, &n), -ENOBUFS);
	xsrtp_ctx_stats(rx, &st);
	assert_int_equal(st.streams, 2);
	assert_int_equal(st.no_room, 2);
	assert_int_equal(st.auth_fail, 1);
	/* The sender's limit: a 5th SSRC (1, 2, 3, 9 before). */
	n = t_rtp(pkt, sizeof(pkt), 4, 7);
	assert_int_equal(xsrtp_rtp_protect(tx, pkt, &n, sizeof(pkt)),
			 -ENOBUFS);
	xsrtp_ctx_free(tx);
	xsrtp_ctx_free(rx);
	xsrtp_ctx_free(wrong);
}

static void test_args(void **state)
{
	struct ksrtp_keymat k = t_keymat(KSRTP_AES128_CM_SHA1_32);
	struct xsrtp_ctx *c = (struct xsrtp_ctx *)&k;
	uint8_t pkt[T_PKT_CAP];
	size_t n;

	assert_int_equal(xsrtp_ctx_alloc(NULL, &k, 0), -EINVAL);
	assert_int_equal(xsrtp_ctx_alloc(&c, NULL, 0), -EINVAL);
	assert_null(c);
	assert_int_equal(xsrtp_ctx_alloc(&c, &k, XSRTP_STREAMS_MAX + 1),
			 -ERANGE);
	k.salt_len = 12;
	assert_int_equal(xsrtp_ctx_alloc(&c, &k, 0), -ERANGE);
	k.salt_len = 14;
	k.profile = 3;
	assert_int_equal(xsrtp_ctx_alloc(&c, &k, 0), -EINVAL);
	k.profile = KSRTP_AES128_CM_SHA1_32;
	assert_int_equal(xsrtp_ctx_alloc(&c, &k, 0), 0);

	/* No room for the 4-octet tag; the packet is left alone. */
	n = t_rtp(pkt, sizeof(pkt), 5, 5);
	assert_int_equal(xsrtp_rtp_protect(c, pkt, &n, n + 3), -ENOSPC);
	assert_int_equal(n, 12 + T_PAYLOAD);
	assert_int_equal(xsrtp_rtp_protect(c, pkt, &n, n + 4), 0);
	assert_int_equal(n, 12 + T_PAYLOAD + 4);
	/* SRTCP: 80-bit tag + E|index even on the _32 profile. */
	n = t_rtcp(pkt, sizeof(pkt), 5, 1);
	assert_int_equal(xsrtp_rtcp_protect(c, pkt, &n, n + 13), -ENOSPC);
	assert_int_equal(xsrtp_rtcp_protect(c, pkt, &n, n + 14), 0);
	assert_int_equal(n, 28 + 14);

	/* Malformed: not version 2, truncated header, shorter than the tag,
	 * an RTP packet given as RTCP. */
	memset(pkt, 0, sizeof(pkt));
	n = 40;
	assert_int_equal(xsrtp_rtp_unprotect(c, pkt, &n), -EBADMSG);
	pkt[0] = 0x80;
	n = 11;
	assert_int_equal(xsrtp_rtp_unprotect(c, pkt, &n), -EBADMSG);
	n = 15;
	assert_int_equal(xsrtp_rtp_unprotect(c, pkt, &n), -EBADMSG);
	pkt[0] = 0x81; /* one CSRC, not there */
	n = 14;
	assert_int_equal(xsrtp_rtp_unprotect(c, pkt, &n), -EBADMSG);
	pkt[0] = 0x80;
	n = 40;
	assert_int_equal(xsrtp_rtcp_unprotect(c, pkt, &n), -EBADMSG);
	pkt[1] = 200;
	n = 21;
	assert_int_equal(xsrtp_rtcp_unprotect(c, pkt, &n), -EBADMSG);
	n = (size_t)XSRTP_PKT_MAX + 1;
	assert_int_equal(xsrtp_rtp_unprotect(c, pkt, &n), -EMSGSIZE);
	assert_int_equal(xsrtp_rtcp_unprotect(c, pkt, &n), -EMSGSIZE);
	assert_int_equal(xsrtp_rtp_protect(c, pkt, &n, SIZE_MAX), -EMSGSIZE);
	assert_int_equal(xsrtp_rtcp_protect(c, pkt, &n, SIZE_MAX), -EMSGSIZE);
	assert_int_equal(xsrtp_rtp_protect(NULL, pkt, &n, 64), -EINVAL);
	assert_int_equal(xsrtp_rtcp_unprotect(c, NULL, &n), -EINVAL);
	xsrtp_ctx_free(c);
	xsrtp_ctx_free(NULL);
}

/* ASan's hooks. malloc: count every allocation while `counting` (OpenSSL's
 * included). free: while `scanning`, look for key material in each block
 * about to be freed (still readable then). Volatile: the compiler assumes
 * malloc and free read no globals and would drop the stores around them. */
static volatile int counting, scanning;
static volatile unsigned long allocs, key_hits;
#define SCAN_MAX 8
static struct {
	uint8_t b[32];
	size_t n;
} scan_for[SCAN_MAX];
static unsigned nscan;

static void malloc_hook(const volatile void *ptr, size_t size)
{
	if (counting)
		allocs++;
}

static void free_hook(const volatile void *ptr)
{
	const uint8_t *p = (const uint8_t *)ptr;
	size_t n;

	if (!scanning || !p)
		return;
	n = __sanitizer_get_allocated_size(ptr);
	for (unsigned k = 0; k < nscan; k++)
		for (size_t i = 0; i + scan_for[k].n <= n; i++)
			if (p[i] == scan_for[k].b[0] &&
			    !memcmp(p + i, scan_for[k].b, scan_for[k].n))
				key_hits++;
}

static void hooks_install(void)
{
	static int done;

	if (!done)
		assert_int_not_equal(__sanitizer_install_malloc_and_free_hooks(
					     malloc_hook, free_hook), 0);
	done = 1;
}

/* The relay's transcrypting stage on xsrtp, sender and listener on xsrtp
 * too: once each SSRC's stream exists, nothing allocates per packet, for
 * every profile, on success and on the failure paths (a wrong GCM tag is
 * decrypted and re-encrypted in place, a replay is refused). */
static void test_no_alloc_per_packet(void **state)
{
	static const int prof[] = { KSRTP_AES128_CM_SHA1_80,
				    KSRTP_AES128_CM_SHA1_32,
				    KSRTP_AEAD_AES_128_GCM,
				    KSRTP_AEAD_AES_256_GCM };

	hooks_install();
	/* The counter sees an allocation (negative control). */
	counting = 1;
	{
		void *volatile q = malloc(16); /* volatile: not elided */

		free(q);
	}
	counting = 0;
	assert_true(allocs > 0);

	for (size_t p = 0; p < sizeof(prof) / sizeof(prof[0]); p++) {
		struct ksrtp_keymat ka = t_keymat(prof[p]);
		struct ksrtp_keymat kb = t_keymat(prof[(p + 1) % 4]);
		struct xsrtp_ctx *tx, *in, *out, *rx;
		uint8_t pkt[T_PKT_CAP];
		size_t n;

		assert_int_equal(xsrtp_ctx_alloc(&tx, &ka, 0), 0);
		assert_int_equal(xsrtp_ctx_alloc(&in, &ka, 0), 0);
		assert_int_equal(xsrtp_ctx_alloc(&out, &kb, 0), 0);
		assert_int_equal(xsrtp_ctx_alloc(&rx, &kb, 0), 0);
		for (unsigned i = 0; i < 2000; i++) {
			bool rtcp = i % 10 == 9;
			uint16_t seq = (uint16_t)(65000 + i); /* wraps */

			/* From the second round on, every SSRC's stream
			 * exists: count. */
			counting = i >= 10;
			n = rtcp ? t_rtcp(pkt, sizeof(pkt), 77, i) :
				   t_rtp(pkt, sizeof(pkt), 77, seq);
			if (rtcp) {
				assert_int_equal(xsrtp_rtcp_protect(tx, pkt, &n,
								    sizeof(pkt)), 0);
				assert_int_equal(xsrtp_rtcp_unprotect(in, pkt, &n), 0);
				assert_int_equal(xsrtp_rtcp_protect(out, pkt, &n,
								    sizeof(pkt)), 0);
				assert_int_equal(xsrtp_rtcp_unprotect(rx, pkt, &n), 0);
				continue;
			}
			assert_int_equal(xsrtp_rtp_protect(tx, pkt, &n,
							   sizeof(pkt)), 0);
			if (i % 50 == 7) {
				size_t m = n;

				pkt[n - 1] ^= 1;
				assert_int_equal(xsrtp_rtp_unprotect(in, pkt, &m),
						 -EACCES);
				pkt[n - 1] ^= 1;
			}
			assert_int_equal(xsrtp_rtp_unprotect(in, pkt, &n), 0);
			assert_int_equal(xsrtp_rtp_protect(out, pkt, &n,
							   sizeof(pkt)), 0);
			assert_int_equal(xsrtp_rtp_unprotect(rx, pkt, &n), 0);
		}
		counting = 0;
		xsrtp_ctx_free(tx);
		xsrtp_ctx_free(in);
		xsrtp_ctx_free(out);
		xsrtp_ctx_free(rx);
	}
	assert_int_equal(allocs, 1); /* the negative control's only */
}

/* Keys wiped on free: no heap block a context frees (its own, OpenSSL's
 * cipher contexts with their key schedules, whose first round key is the
 * key itself) still holds the master key, a session key, salt or
 * authentication key, for every profile. */
static void test_keys_wiped_on_free(void **state)
{
	static const int prof[] = { KSRTP_AES128_CM_SHA1_80,
				    KSRTP_AES128_CM_SHA1_32,
				    KSRTP_AEAD_AES_128_GCM,
				    KSRTP_AEAD_AES_256_GCM };

	hooks_install();
	/* Negative control: a block freed with a key in it is seen. */
	nscan = 1;
	memset(scan_for[0].b, 0xa5, 16);
	scan_for[0].n = 16;
	key_hits = 0;
	scanning = 1;
	{
		uint8_t *volatile q = malloc(64);

		memset(q + 8, 0xa5, 16);
		free(q);
	}
	scanning = 0;
	assert_true(key_hits > 0);

	for (size_t p = 0; p < sizeof(prof) / sizeof(prof[0]); p++) {
		struct ksrtp_keymat k = t_keymat(prof[p]);
		bool gcm = prof[p] == KSRTP_AEAD_AES_128_GCM ||
			   prof[p] == KSRTP_AEAD_AES_256_GCM;
		struct xsrtp_ctx *c;
		uint8_t pkt[T_PKT_CAP];
		size_t n;

		nscan = 0;
		memcpy(scan_for[nscan].b, k.key, k.key_len);
		scan_for[nscan++].n = k.key_len;
		/* Session keys (labels 0, 3), salts (2, 5), auth keys (1, 4):
		 * the first 12 octets of each are enough to recognise it. */
		for (uint8_t label = 0; label < 6; label++) {
			if (gcm && (label == 1 || label == 4))
				continue;
			assert_int_equal(xsrtp_kdf(k.key, k.key_len, k.salt,
						   k.salt_len, label,
						   scan_for[nscan].b, 12), 0);
			scan_for[nscan++].n = 12;
		}
		key_hits = 0;
		scanning = 1;
		assert_int_equal(xsrtp_ctx_alloc(&c, &k, 0), 0);
		for (uint16_t seq = 0; seq < 20; seq++) {
			n = t_rtp(pkt, sizeof(pkt), 1 + seq % 3, seq);
			assert_int_equal(xsrtp_rtp_protect(c, pkt, &n,
							   sizeof(pkt)), 0);
			n = t_rtcp(pkt, sizeof(pkt), 1 + seq % 3, seq);
			assert_int_equal(xsrtp_rtcp_protect(c, pkt, &n,
							    sizeof(pkt)), 0);
		}
		xsrtp_ctx_free(c);
		scanning = 0;
		assert_int_equal(key_hits, 0);
	}
	nscan = 0;
}

/* RFC 3711 3.4: SRTCP with E=0 (authenticated, not encrypted) is accepted
 * on the AES-CM profiles too. The packet is built here with OpenSSL's
 * one-shot HMAC and the auth key from the RFC 3711 4.3 derivation (label
 * 4); nothing of xsrtp's own HMAC code is involved in making it. */
static void test_srtcp_cm_unencrypted(void **state)
{
	struct ksrtp_keymat k = t_keymat(KSRTP_AES128_CM_SHA1_80);
	uint8_t auth[20], mac[20], pkt[T_PKT_CAP], plain[T_PKT_CAP];
	unsigned ml = sizeof(mac);
	struct xsrtp_ctx *c;
	size_t n, pn;

	assert_int_equal(xsrtp_kdf(k.key, 16, k.salt, 14, 4, auth, 20), 0);
	pn = t_rtcp(plain, sizeof(plain), 0xabc, 3);
	memcpy(pkt, plain, pn);
	n = pn;
	pkt[n++] = 0; /* E=0, index 5 */
	pkt[n++] = 0;
	pkt[n++] = 0;
	pkt[n++] = 5;
	assert_non_null(HMAC(EVP_sha1(), auth, 20, pkt, n, mac, &ml));
	memcpy(pkt + n, mac, 10);
	n += 10;
	assert_int_equal(xsrtp_ctx_alloc(&c, &k, 0), 0);
	pkt[n - 1] ^= 1;
	assert_int_equal(xsrtp_rtcp_unprotect(c, pkt, &n), -EACCES);
	pkt[n - 1] ^= 1;
	assert_int_equal(xsrtp_rtcp_unprotect(c, pkt, &n), 0);
	assert_int_equal(n, pn);
	assert_memory_equal(pkt, plain, pn);
	xsrtp_ctx_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3711_b2_aes_cm_keystream),
		cmocka_unit_test(test_rfc3711_b3_key_derivation),
		cmocka_unit_test(test_rfc6188_7_2_aes256_key_derivation),
		cmocka_unit_test(test_rfc7714_16_1_srtp_aead_aes_128_gcm),
		cmocka_unit_test(test_rfc7714_16_2_srtp_aead_aes_256_gcm),
		cmocka_unit_test(test_rfc7714_17_1_srtcp_aead_aes_128_gcm),
		cmocka_unit_test(test_rfc7714_17_2_srtcp_aead_aes_256_gcm),
		cmocka_unit_test(test_rfc7714_17_3_srtcp_128_gcm_auth_only),
		cmocka_unit_test(test_rfc7714_17_4_srtcp_256_gcm_auth_only),
		cmocka_unit_test(test_replay_window),
		cmocka_unit_test(test_stream_limit),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_srtcp_cm_unencrypted),
		cmocka_unit_test(test_no_alloc_per_packet),
		cmocka_unit_test(test_keys_wiped_on_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

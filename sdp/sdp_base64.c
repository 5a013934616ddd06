/*
 * sdp base64 (RFC 4648 section 4), the encoding of RFC 4568 key-salt
 * (RFC 4568 9.2). Bounded: never writes past cap; decoding checks every
 * character and the padding.
 *
 * Layer 0 (docs/layers.md): calls no other sdp/ file.
 */
#include <errno.h>

#include "sdp/sdp.h"

static const char b64_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sdp_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t need = (n + 2) / 3 * 4, i, o = 0;

	if (!out || (n && !in))
		return -EINVAL;
	if (need + 1 > cap || need > (size_t)INT32_MAX)
		return -ENOSPC;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];
		out[o++] = b64_alpha[v >> 18 & 63];
		out[o++] = b64_alpha[v >> 12 & 63];
		out[o++] = b64_alpha[v >> 6 & 63];
		out[o++] = b64_alpha[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64_alpha[v >> 18 & 63];
		out[o++] = b64_alpha[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alpha[v >> 18 & 63];
		out[o++] = b64_alpha[v >> 12 & 63];
		out[o++] = b64_alpha[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return (int)o;
}

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int sdp_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	size_t pad = 0, data, i, o = 0, need;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (!out || (len && !in))
		return -EINVAL;
	/* "=" padding only at the end, at most two, total a multiple of 4 */
	while (pad < len && pad < 2 && in[len - 1 - pad] == '=')
		pad++;
	data = len - pad;
	if (pad && len % 4)
		return -EBADMSG;
	if (data % 4 == 1 || data == 0)
		return -EBADMSG;
	need = data / 4 * 3 + (data % 4 ? data % 4 - 1 : 0);
	if (pad && need % 3 != 3 - pad)
		return -EBADMSG;
	if (need > cap)
		return -ENOSPC;
	for (i = 0; i < data; i++) {
		int v = b64_val((unsigned char)in[i]);

		if (v < 0)
			return -EBADMSG;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* leftover bits must be zero (canonical encoding, RFC 4648 3.5) */
	if (acc != 0)
		return -EBADMSG;
	return (int)o;
}

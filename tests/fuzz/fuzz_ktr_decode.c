/* libFuzzer target: KTR header and whole-message decoders (ktr_wire.c).
 * Seeds: tests/fuzz/corpus/ktr/ (the examples of docs/ktr-wire.md). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "ktr/ktr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[KTR_HDR_LEN + 256];
	struct ktr_msg m;
	struct ktr_hdr h;
	struct buf_rd r;
	size_t n = 0;

	buf_rd_init(&r, data, size);
	(void)ktr_hdr_decode(&r, &h);
	/* The layout is canonical: whatever decodes re-encodes to the same
	 * bytes. */
	if (ktr_msg_decode(data, size, &m) == 0 &&
	    (ktr_msg_encode(&m, out, sizeof(out), &n) != 0 || n != size ||
	     memcmp(out, data, n) != 0))
		__builtin_trap();
	if (size > 0)
		(void)ktr_body_decode(data[0], data + 1, size - 1, &m);
	ktr_msg_wipe(&m);
	return 0;
}

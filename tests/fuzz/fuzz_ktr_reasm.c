/* libFuzzer target: KTR reassembly (ktr_frag.c). The input is a sequence
 * of records, each one length byte followed by that many bytes (cut short
 * at the end); time advances 7 ms per record so expiry runs too. */
#include <stddef.h>
#include <stdint.h>

#include "ktr/ktr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ktr_reasm_limits lim = { .max_msg = 64,
					      .max_pending = 2,
					      .expire_ms = 100 };
	struct ktr_reasm *r;
	struct ktr_msg m;
	uint64_t now = 0;
	size_t i = 0;

	if (ktr_reasm_alloc(&r, &lim) != 0)
		return 0;
	while (i < size) {
		size_t n = data[i++];

		if (n > size - i)
			n = size - i;
		if (ktr_reasm_input(r, data + i, n, now, &m) == 1)
			ktr_msg_wipe(&m);
		if (ktr_reasm_pending(r) > lim.max_pending)
			__builtin_trap();
		i += n;
		now += 7;
	}
	ktr_reasm_free(r);
	return 0;
}

/* err: text for the project's negative-errno convention (see err.h). */
#include "err.h"

#include <errno.h>
#include <string.h>

const char *err_str(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case EBADMSG:
		return "malformed message";
	case EPROTO:
		return "protocol violation";
	case ENODATA:
		return "truncated input";
	case EMSGSIZE:
		return "message exceeds size limit";
	case ENOBUFS:
		return "resource limit reached";
	case ERANGE:
		return "field out of range";
	case ENOMSG:
		return "unknown message type";
	case ENOTSUP:
		return "not negotiated with peer";
	case ETIMEDOUT:
		return "retransmission gave up";
	case EKEYREJECTED:
		return "peer certificate fingerprint mismatch";
	default:
		return strerror(err);
	}
}

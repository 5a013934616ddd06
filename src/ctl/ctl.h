/*
 * ctl: the SBC's UNIX control socket (server, in the sip_loop thread) and
 * the request function of its client, ktrsbc-ctl.
 *
 * Wire format (one command per connection, text, no binary):
 *
 *	client -> server   "COMMAND [ARGS]\n"      at most CTL_LINE_MAX bytes
 *	                                           before the '\n'; a trailing
 *	                                           '\r' is dropped; a line ended
 *	                                           by EOF instead of '\n' counts
 *	server -> client   "OK\n"  or  "ERR <code>\n"   (code: decimal, > 0)
 *	                   then the reply text (any bytes, at most
 *	                   CTL_REPLY_MAX), then the server closes the
 *	                   connection: EOF ends the text.
 *
 * Errors raised by the transport itself (the handler is not called):
 *	ERR <EMSGSIZE>  command line over CTL_LINE_MAX bytes, or the
 *	                handler's reply text over CTL_REPLY_MAX
 *	ERR <EBADMSG>   empty command line, or one holding a NUL or another
 *	                control character (other than a tab)
 *	ERR <EBUSY>     CTL_CLIENTS_MAX connections already open
 *	ERR <ETIMEDOUT> no complete line within CTL_IDLE_MS
 * (the codes are the Linux errno values, e.g. 90, 74, 16, 110).
 *
 * Access: the socket file is created with mode 0600 before listen(), and
 * a peer whose SO_PEERCRED uid is neither ours nor root is closed at once.
 *
 * Threading: the server lives in one sip_loop and every function of the
 * server side, and the handler, run in that loop's thread. ctl_request()
 * is a plain blocking client call usable anywhere.
 *
 * Errors follow base/err.h (0 or negative errno).
 */
#ifndef KTRSBC_CTL_H
#define KTRSBC_CTL_H

#include <stddef.h>

struct sip_loop;

/* Named limits. */
#define CTL_CLIENTS_MAX 16          /* connections served at once */
#define CTL_LINE_MAX 256            /* bytes of a command line, no '\n' */
#define CTL_REPLY_MAX (1024 * 1024) /* bytes of reply text */
#define CTL_IDLE_MS 5000            /* a connection must send its line in */
#define CTL_REQUEST_WAIT_MS 10000   /* ctl_request(): default wait */

struct ctl;
/* The reply being built for one request; valid only during the handler. */
struct ctl_reply;

/*
 * The command handler, called once per request in the loop thread.
 * cmd_line is the NUL-terminated line without its "\r\n" (never empty,
 * no control characters but tabs). The handler writes its reply text with
 * ctl_reply_printf() and sets an error with ctl_reply_status(); the reply
 * is sent when it returns. It must not call ctl_free() on its server.
 */
typedef void (*ctl_cmd_h)(void *arg, const char *cmd_line,
			  struct ctl_reply *r);

/*
 * ctl_alloc - listen on the UNIX stream socket at path (mode 0600) and
 * serve requests from loop, calling handler(arg, ...) for each.
 * A socket file already at path is replaced only when it is stale (a
 * socket nobody listens on: connect() is refused); a live one is never
 * stolen. path is copied.
 * Returns 0 with *cp set, or: -EINVAL (NULL or empty argument);
 * -EMSGSIZE (path does not fit in sun_path); -EADDRINUSE (a server is
 * listening at path); -EEXIST (path exists and is not a socket);
 * -ENOMEM; another negative errno from socket/bind/listen (-EACCES,
 * -ENOENT for a missing directory ...).
 */
int ctl_alloc(struct ctl **cp, struct sip_loop *loop, const char *path,
	      ctl_cmd_h handler, void *arg);

/*
 * ctl_free - close every connection (replies not yet written are lost),
 * stop listening and unlink the socket file if it is still the one this
 * server created. NULL accepted. Not from inside the handler.
 */
void ctl_free(struct ctl *c);

/* Connections open now (for tests and statistics). */
unsigned ctl_client_count(const struct ctl *c);

/*
 * ctl_reply_printf - append formatted text to the reply. The buffer grows
 * as needed up to CTL_REPLY_MAX bytes. Returns the number of bytes
 * appended, -EINVAL, -ENOMEM, or -EMSGSIZE when the text would go over
 * CTL_REPLY_MAX: the reply is then marked overflowed and the client gets
 * "ERR <EMSGSIZE>" instead of it (later calls fail the same way).
 */
int ctl_reply_printf(struct ctl_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * ctl_reply_status - set the reply's status: 0 (default) answers "OK",
 * anything else "ERR <code>" with code = |code| (a negative errno may be
 * passed as it is; INT_MIN becomes 1). The text is sent either way.
 */
void ctl_reply_status(struct ctl_reply *r, int code);

/*
 * ctl_request - the client side: connect to the socket at path, send
 * line + "\n", read the whole reply. line must hold no '\n' or NUL and be
 * 1..CTL_LINE_MAX bytes. wait_ms bounds the whole exchange (0:
 * CTL_REQUEST_WAIT_MS).
 * On 0: *status is 0 for "OK" or the ERR code, *textp a NUL-terminated
 * malloc'd reply text of *lenp bytes (the caller frees it).
 * Returns: 0; -EINVAL (bad argument or line); -EMSGSIZE (path or line
 * too long, or the reply over CTL_REPLY_MAX); the connect() errno
 * (-ENOENT no socket file, -ECONNREFUSED nobody listening, -EACCES);
 * -ETIMEDOUT; -EBADMSG (the reply's first line is neither "OK" nor
 * "ERR <code>"); -ENOMEM; another negative errno from send/recv.
 */
int ctl_request(const char *path, const char *line, unsigned wait_ms,
		int *status, char **textp, size_t *lenp);

#endif

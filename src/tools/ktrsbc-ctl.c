/*
 * ktrsbc-ctl: send one command to a running ktrsbc over its UNIX control
 * socket (src/ctl/ctl.h) and print the reply.
 *
 *	ktrsbc-ctl [-s SOCKET | -c CONFIG] COMMAND [ARGS...]
 *
 * The socket: -s SOCKET, else control_socket of CONFIG (conf_control_path),
 * else that of the defaults ("/tmp/ktrsbc-UID.ctl").
 * Exit status: 0 the SBC answered OK (reply text on stdout); 1 it answered
 * ERR (reply text on stderr); 2 usage, configuration or connection error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "conf/conf.h"
#include "ctl/ctl.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: ktrsbc-ctl [-s SOCKET | -c CONFIG] [-t SECONDS] COMMAND [ARGS...]\n"
"\n"
"Send COMMAND to a running ktrsbc over its control socket and print the\n"
"reply (JSON). Exit status: 0 OK, 1 the SBC answered with an error,\n"
"2 usage or connection error.\n"
"\n"
"options:\n"
"  -s, --socket SOCKET  the control socket path\n"
"  -c, --config CONFIG  take the path from CONFIG's control_socket\n"
"                       (default: the built-in default, /tmp/ktrsbc-UID.ctl)\n"
"  -t, --timeout SECS   give up after SECS seconds (default %u)\n"
"  -h, --help           this text\n"
"\n"
"commands the SBC answers:\n"
"  calls   every call: id, trunks, state, KTR or fallback, its legs with\n"
"          packet and byte counters, packets dropped by the source check,\n"
"          per-packet crypto operations (the first stream's), and under\n"
"          \"streams\" every relayed m-line (audio, video) with its own\n"
"  stats   totals: calls, KTR calls, fallback calls, per-packet crypto\n"
"          operations, packets relayed, packets dropped by the source check,\n"
"          KTR refusals, give-ups, calls moved to the fallback by them,\n"
"          streams, m-lines declined, offers over max_streams\n"
"  reload  re-read the trunk files (like SIGHUP); calls stay up\n"
"  rekey CALL  new_srtp_key_request to call CALL's DTLS UA (the re-key a\n"
"          trunk's rekey_interval makes); its new key goes to the SDES UA\n"
"          in a re-INVITE\n"
"  help    the commands, from the SBC itself\n"
"Any other command is passed through as it is.\n",
		(unsigned)(CTL_REQUEST_WAIT_MS / 1000));
}

/* Join argv[0..n) with single spaces into out (cap bytes). */
static int join_args(char *const *argv, int n, char *out, size_t cap)
{
	size_t len = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t al = strlen(argv[i]);

		if (strpbrk(argv[i], "\r\n"))
			return -EINVAL;
		if (len + (i ? 1 : 0) + al >= cap)
			return -EMSGSIZE;
		if (i)
			out[len++] = ' ';
		memcpy(out + len, argv[i], al + 1);
		len += al;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *cfg = NULL;
	char path[CONF_CTL_PATH_MAX], line[CTL_LINE_MAX + 1], errbuf[512];
	unsigned wait_ms = 0;
	struct conf cf;
	char *text = NULL, *end;
	size_t len = 0;
	int ch, err, status = 0;
	unsigned long secs;

	/* '+': options end at COMMAND, so its arguments pass through. */
	while ((ch = getopt_long(argc, argv, "+s:c:t:h", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'c':
			cfg = optarg;
			break;
		case 't':
			errno = 0;
			secs = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || secs == 0 ||
			    secs > 3600) {
				fprintf(stderr, "ktrsbc-ctl: bad timeout '%s' "
					"(1..3600 seconds)\n", optarg);
				return 2;
			}
			wait_ms = (unsigned)secs * 1000;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (sock && cfg) {
		fprintf(stderr, "ktrsbc-ctl: -s and -c exclude each other\n");
		return 2;
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	err = join_args(argv + optind, argc - optind, line, sizeof(line));
	if (err == -EINVAL) {
		fprintf(stderr, "ktrsbc-ctl: a command may not hold a line "
			"break\n");
		return 2;
	}
	if (err) {
		fprintf(stderr, "ktrsbc-ctl: command over %u bytes\n",
			(unsigned)CTL_LINE_MAX);
		return 2;
	}
	if (!sock) {
		if (cfg) {
			err = conf_load(&cf, cfg, errbuf, sizeof(errbuf));
			if (err) {
				fprintf(stderr, "ktrsbc-ctl: %s\n", errbuf);
				return 2;
			}
		} else {
			conf_defaults(&cf);
		}
		err = conf_control_path(&cf, path, sizeof(path));
		if (err) {
			fprintf(stderr, "ktrsbc-ctl: control socket path: "
				"%s\n", err_str(err));
			return 2;
		}
		sock = path;
	}

	err = ctl_request(sock, line, wait_ms, &status, &text, &len);
	if (err == -ENOENT || err == -ECONNREFUSED || err == -EACCES ||
	    err == -ENOTSOCK) {
		fprintf(stderr, "ktrsbc-ctl: cannot connect to %s: %s — is "
			"ktrsbc running?\n", sock, strerror(-err));
		return 2;
	}
	if (err) {
		fprintf(stderr, "ktrsbc-ctl: %s: %s\n", sock,
			err == -EBADMSG ? "malformed reply" : strerror(-err));
		return 2;
	}
	if (len) {
		FILE *f = status ? stderr : stdout;

		fwrite(text, 1, len, f);
		if (text[len - 1] != '\n')
			fputc('\n', f);
	}
	free(text);
	if (status && !len)
		fprintf(stderr, "ktrsbc-ctl: error %d\n", status);
	if (fflush(stdout) != 0) {
		perror("ktrsbc-ctl: stdout");
		return 2;
	}
	return status ? 1 : 0;
}

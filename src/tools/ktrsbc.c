/*
 * ktrsbc: the Session Border Controller. Reads conf/ktrsbc.conf and the
 * trunk files, then serves calls until SIGTERM (which ends every call with
 * BYE). SIGHUP reloads the trunk files without dropping calls. The control
 * socket answers ktrsbc-ctl.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>

#include "base/err.h"
#include "base/klog.h"
#include "conf/conf.h"
#include "ctl/ctl.h"
#include "sbc/sbc.h"
#include "sip/sip.h"
#include "trunk/trunk.h"

struct daemon {
	struct sip_loop *loop;
	struct sbc *sbc;
	bool stop;
};

static void usage(FILE *f)
{
	fputs("usage: ktrsbc [-c FILE] [--check-config] [-v]\n"
	      "  -c, --config FILE   configuration (default conf/ktrsbc.conf); the trunk\n"
	      "                      files are in its trunks_dir\n"
	      "      --check-config  validate the configuration and the trunks, then exit\n"
	      "                      (0 when valid; otherwise FILE:LINE: reason, exit 1)\n"
	      "  -v, --verbose       log at debug level\n"
	      "  -h, --help          this text\n"
	      "Signals: SIGHUP reloads the trunk files (calls stay up); SIGTERM or SIGINT\n"
	      "ends every call with BYE and exits. ktrsbc-ctl talks to the control socket.\n",
	      f);
}

static void on_signal(void *arg, int fd, unsigned events)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;
	char err[512];

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (sbc_reload(d->sbc, err, sizeof(err)))
				klog(KLOG_ERR, "reload refused, old trunks kept: %s", err);
		} else {
			klog(KLOG_INFO, "signal %u: ending calls", si.ssi_signo);
			d->stop = true;
		}
	}
}

static int check_config(const char *path, const struct conf *c)
{
	char dir[CONF_PATH_MAX], err[512];
	struct trunk_set *t;

	if (conf_path_resolve(path, c->trunks_dir, dir, sizeof(dir)) ||
	    trunk_set_load(&t, dir, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (sbc_trunks_check(t, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		trunk_set_unref(t);
		return 1;
	}
	printf("%s: ok; %zu trunk(s) in %s\n", path, trunk_set_count(t), dir);
	trunk_set_unref(t);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, 0, 'c' },
		{ "check-config", no_argument, 0, 'C' },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *path = "conf/ktrsbc.conf";
	bool check = false, verbose = false;
	struct daemon d = { 0 };
	struct ctl *ctl = NULL;
	struct conf c;
	char err[512], ctl_path[CONF_CTL_PATH_MAX];
	sigset_t mask;
	int ch, sfd = -1, rc = 1, e;

	while ((ch = getopt_long(argc, argv, "c:vh", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'C': check = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	conf_defaults(&c);
	if (conf_load(&c, path, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check)
		return check_config(path, &c);
	klog_set_level(verbose ? KLOG_DEBUG : (enum klog_level)c.log_level);
	if (c.daemonize && daemon(1, 0) != 0) {
		perror("ktrsbc: daemon");
		return 1;
	}
	if (c.log_syslog || c.daemonize) {
		openlog("ktrsbc", LOG_PID, LOG_DAEMON);
		klog_set_syslog(1);
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || sip_loop_alloc(&d.loop)) {
		fprintf(stderr, "ktrsbc: event loop: %s\n", strerror(errno));
		goto out;
	}
	if ((e = sbc_alloc(&d.sbc, d.loop, &c, path, err, sizeof(err)))) {
		fprintf(stderr, "ktrsbc: %s\n", err);
		goto out;
	}
	/* Signals join the loop only now: sbc_alloc runs the loop while it
	 * starts (SIP listens before the TLS agent is up), and a SIGHUP read
	 * then would reload an SBC that does not exist yet. Blocked, they wait
	 * in the signalfd meanwhile. */
	if (sip_loop_fd_add(d.loop, sfd, SIP_FD_IN, on_signal, &d) < 0) {
		fprintf(stderr, "ktrsbc: event loop: %s\n", strerror(errno));
		goto out;
	}
	if ((e = conf_control_path(&c, ctl_path, sizeof(ctl_path))) ||
	    (e = ctl_alloc(&ctl, d.loop, ctl_path, sbc_ctl, d.sbc))) {
		fprintf(stderr, "ktrsbc: control socket %s: %s\n", ctl_path, err_str(e));
		goto out;
	}
	klog(KLOG_INFO, "ktrsbc ready: SIP on %s:%u, media %s%s%s:%u-%u, control %s",
	     c.sip_listen[0].host, c.sip_listen[0].port, c.media_address,
	     c.media_address6[0] ? " and " : "", c.media_address6,
	     c.media_port_min, c.media_port_max, ctl_path);
	fprintf(stderr, "ktrsbc: ready (control socket %s)\n", ctl_path);
	while (!d.stop)
		sip_loop_step(d.loop, 100);
	/* SIGTERM: BYE every call, give the BYEs a moment to go out. */
	sbc_hangup_all(d.sbc);
	for (int i = 0; i < 50 && sbc_call_count(d.sbc); i++)
		sip_loop_step(d.loop, 10);
	for (int i = 0; i < 20; i++)
		sip_loop_step(d.loop, 10);
	rc = 0;
out:
	ctl_free(ctl);
	sbc_free(d.sbc);
	sip_loop_free(d.loop);
	if (sfd >= 0)
		close(sfd);
	return rc;
}

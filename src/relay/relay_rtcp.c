/*
 * relay_rtcp: a leg's RTCP component closed again (relay.h,
 * relay_leg_rtcp_close): its UA switched to rtcp-mux mid-call (RFC 5761
 * 5.1.3 lets a re-offer change the choice), so SRTCP for it goes to its
 * one socket from now on and the odd port's socket is closed. The odd
 * port stays the leg's (relay_port.c never hands it to another leg): a
 * later switch back binds it again (relay_leg_set_rtcp_peer).
 */
#include "relay/relay_int.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

int relay_leg_rtcp_close(struct relay_call *c, unsigned leg)
{
	struct relay_cmd cmd;
	int err;

	if (!c || leg > 1)
		return -EINVAL;
	if (!c->rtcp_bound[leg])
		return 0;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = RELAY_CMD_RTCP_CLOSE;
	cmd.call = c;
	cmd.leg = leg;
	cmd.fd = -1;
	err = relay_cmd_run(c->w, &cmd);
	if (!err)
		c->rtcp_bound[leg] = false;
	return err;
}

/* Worker side (commands run after the wake-up's batches: no batch holds
 * the socket). Its counters stay in the record until the call ends, but
 * relay_call_stats no longer shows them (has_rtcp false). */
int relay_rtcp_close_exec(struct relay_worker *w, struct relay_call *c,
			  const struct relay_cmd *cmd)
{
	struct relay_leg *l = &c->leg[cmd->leg], *rc = &c->rtcp[cmd->leg];

	if (!l->rtcp)
		return 0;
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, rc->fd, NULL);
	close(rc->fd);
	rc->fd = -1;
	l->rtcp = NULL;
	relay_leg_peer_clear(rc);
	return 0;
}

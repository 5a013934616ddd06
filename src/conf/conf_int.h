/* conf: private to the module's files (conf.c, conf_scan.c). */
#ifndef KTRSBC_CONF_INT_H
#define KTRSBC_CONF_INT_H

/* Longest piece of a bad value echoed back in a message. */
#define CONF_ECHO_MAX 64

#endif

/*
 * log.h - diagnostics: syslog facility mail, or stderr for debugging.
 * Never the client's stdout, never stderr under inetd (it may be the
 * socket).  Callers escape untrusted text with util_escape first.
 */
#ifndef SMTPIPE_LOG_H
#define SMTPIPE_LOG_H

#include <syslog.h>

#include "options.h"

void log_init(enum log_target target, const char *ident);
/* A prefix for every line ("session=ID"). */
void log_set_prefix(const char *prefix);
void log_msg(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Like log_msg, with ": strerror(errno)" appended. */
void log_errno(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif

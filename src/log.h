/*
 * log.h - diagnostics: the systemd journal with structured fields, syslog
 * facility mail, or stderr for debugging.  Never the client's stdout,
 * never stderr under inetd (it may be the socket).  Callers escape
 * untrusted text with util_escape first.
 */
#ifndef SMTPIPE_LOG_H
#define SMTPIPE_LOG_H

#include <stddef.h>
#include <syslog.h>

#include "options.h"

/* A structured field for the journal (ignored by syslog and stderr,
 * whose lines carry the same facts as key=value text). */
struct log_kv {
	const char *key;	/* SMTP_QUEUE_ID, ... */
	const char *value;
};

/* LOG_TARGET_AUTO: the journal when systemd started us (JOURNAL_STREAM or
 * INVOCATION_ID set), else syslog. */
void log_init(enum log_target target, const char *ident);
/* A prefix for every line ("client=ADDR"), and the SMTP_REMOTE_ADDR
 * field. */
void log_set_peer(const char *prefix, const char *remote_addr);
void log_msg(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Like log_msg, with ": strerror(errno)" appended. */
void log_errno(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A line with structured fields. */
void log_event(int prio, const struct log_kv *kv, size_t n, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

#endif

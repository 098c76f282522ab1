/*
 * sandbox.h - the seccomp allowlist around the session process.
 */
#ifndef SMTPIPE_SANDBOX_H
#define SMTPIPE_SANDBOX_H

#include <stdbool.h>

#include "options.h"

/*
 * Confine the calling process for good: no new privileges, no core
 * dumps, and a filter allowing only what the session loop needs.  A
 * forbidden call traps; the handler tells the supervisor on report_fd
 * which call it was, and the process dies of SIGSYS.  Returns false (and
 * the caller must exit) when the filter cannot be loaded.
 */
bool sandbox_apply(enum seccomp_mode mode, int report_fd);

/* Name of a system call number on this architecture, for the log. */
const char *sandbox_syscall_name(unsigned nr, char *buf, unsigned len);

#endif

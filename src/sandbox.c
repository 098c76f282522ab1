/*
 * sandbox.c - loads the session process's seccomp filter.  The policy
 * lives in sandbox-gen.c, which compiles it with libseccomp at build time
 * into sandbox-bpf.h; here we only install it (and name syscalls for the
 * log from the table generated beside it).
 *
 * Debugging a violation: read smtpipe's own log line, which names the
 * call, or run with --seccomp=log and read the kernel's audit lines
 * (journalctl -k or dmesg: "type=1326 ... syscall=N"); scmp_sys_resolver
 * N names a number.
 */
#include "config.h"

#include "sandbox.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipc.h"
#ifndef SMTPIPE_NO_SECCOMP
#include "sandbox-bpf.h"
#endif

static int report_fd = -1;

/*
 * A forbidden call trapped.  Tell the supervisor which (one packet, with
 * async-signal-safe write), then die of SIGSYS: SA_RESETHAND has put the
 * default action back and SA_NODEFER leaves the signal unblocked, so the
 * next forbidden call, made on purpose, kills the process.
 */
static void
on_sigsys(int sig, siginfo_t *si, void *uc)
{
	uint32_t rec[3] = { IPC_VIOLATION, 4, (uint32_t)si->si_syscall };

	(void)sig;
	(void)uc;
	(void)!write(report_fd, rec, sizeof(rec));
	syscall(SYS_getppid);
	_exit(70);	/* not reached */
}

bool
sandbox_apply(enum seccomp_mode mode, int fd)
{
	struct rlimit zero = { 0, 0 };
	struct sigaction sa;
	struct sock_fprog prog;

	report_fd = fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
	if (sigaction(SIGSYS, &sa, NULL) != 0)
		return false;
	/* A crash must not leave client data in a core file. */
	(void)setrlimit(RLIMIT_CORE, &zero);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return false;
#ifdef SMTPIPE_NO_SECCOMP
	/* XXX: built with --disable-seccomp for a platform without it: the
	 * privilege drop and no-new-privileges are all that is left. */
	(void)mode;
	(void)prog;
	return true;
#else
	if (mode == SECCOMP_LOG) {
		prog.len = sizeof(bpf_log) / sizeof(struct sock_filter);
		prog.filter = (struct sock_filter *)(uintptr_t)bpf_log;
	} else {
		prog.len = sizeof(bpf_trap) / sizeof(struct sock_filter);
		prog.filter = (struct sock_filter *)(uintptr_t)bpf_trap;
	}
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0;
#endif
}

const char *
sandbox_syscall_name(unsigned nr, char *buf, unsigned len)
{
#ifndef SMTPIPE_NO_SECCOMP
	size_t i;

	for (i = 0; i < sizeof(syscall_names) / sizeof(syscall_names[0]); i++)
		if (syscall_names[i].nr == nr) {
			snprintf(buf, len, "%s", syscall_names[i].name);
			return buf;
		}
#else
	(void)nr;
#endif
	snprintf(buf, len, "unknown");
	return buf;
}

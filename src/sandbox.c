/*
 * sandbox.c - the session process's seccomp filter, built with libseccomp
 * from syscall names (never numbers, so it is right on every
 * architecture libseccomp knows).
 *
 * Debugging a violation: run with --seccomp=log and read the kernel's
 * audit lines (journalctl -k or dmesg: "type=1326 ... syscall=N"), or
 * read smtpipe's own log line, which names the call; scmp_sys_resolver N
 * names a number.
 */
#include "config.h"

#include "sandbox.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#include "ipc.h"

/* The allowlist, grouped by purpose. */
static const char *const allowed[] = {
	/* The SMTP loop: client fds, the spool, the supervisor socket. */
	"read", "write", "poll", "ppoll", "close",
	"sendmsg", "recvmsg", "sendto", "recvfrom",
	/* Time for timeouts (normally the vDSO answers). */
	"clock_gettime", "clock_gettime64", "gettimeofday",
	/* Memory: malloc.  mmap/mprotect are added below without PROT_EXEC. */
	"brk", "munmap", "mremap", "madvise",
	/* Leaving, and restarting a call after a stop signal. */
	"exit", "exit_group", "restart_syscall",
	/* The SIGSYS handler's own needs: who am I, to kill myself. */
	"getpid", "gettid",
#ifdef SMTPIPE_SANITIZERS
	/* ASan/UBSan runtime only (reports, shadow memory, stacks). */
	"sigaltstack", "sched_yield", "prctl", "getrlimit", "prlimit64",
	"rt_sigprocmask", "rt_sigaction", "futex", "openat", "open",
	"readlink", "fstat", "newfstatat", "lseek", "getdents64", "ioctl",
	"uname", "pipe2", "wait4", "clone",
#endif
};

static int report_fd = -1;

/*
 * A forbidden call trapped.  Tell the supervisor which (one packet, with
 * async-signal-safe write), then die of SIGSYS: SA_RESETHAND put the
 * default action back and SA_NODEFER lets the signal through at once.
 */
static void
on_sigsys(int sig, siginfo_t *si, void *uc)
{
	uint32_t rec[3] = { IPC_VIOLATION, 4, (uint32_t)si->si_syscall };

	(void)sig;
	(void)uc;
	(void)!write(report_fd, rec, sizeof(rec));
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGSYS);
	_exit(70);
}

bool
sandbox_apply(enum seccomp_mode mode, int fd)
{
	struct rlimit zero = { 0, 0 };
	struct scmp_arg_cmp noexec, self;
	struct sigaction sa;
	scmp_filter_ctx ctx;
	size_t i;
	int rc = -1, nr;

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
	ctx = seccomp_init(mode == SECCOMP_LOG ? SCMP_ACT_LOG : SCMP_ACT_TRAP);
	if (ctx == NULL)
		return false;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		nr = seccomp_syscall_resolve_name(allowed[i]);
		/* Not every call exists on every architecture. */
		if (nr == __NR_SCMP_ERROR)
			continue;
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) != 0 &&
		    nr >= 0)
			goto out;
	}
	/* Anonymous memory, never executable: a parsing bug must not get
	 * to map code. */
	noexec.arg = 2;
	noexec.op = SCMP_CMP_MASKED_EQ;
	noexec.datum_a = PROT_EXEC;
	noexec.datum_b = 0;
	if (seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    &noexec) != 0 ||
	    seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    &noexec) != 0)
		goto out;
	/* Signals only to ourselves (the SIGSYS handler). */
	self.arg = 0;
	self.op = SCMP_CMP_EQ;
	self.datum_a = (scmp_datum_t)getpid();
	self.datum_b = 0;
	if (seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	    &self) != 0)
		goto out;
	rc = seccomp_load(ctx);
out:
	seccomp_release(ctx);
	return rc == 0;
}

const char *
sandbox_syscall_name(unsigned nr, char *buf, unsigned len)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
	    (int)nr);

	snprintf(buf, len, "%s", name != NULL ? name : "unknown");
	free(name);
	return buf;
}

/*
 * nofilter.c - an LD_PRELOAD shim for the benchmark only: smtpipe runs
 * with no seccomp filter installed, so `make bench` can time it without
 * one although smtpipe has no run-time switch for that (by design: issue
 * 3).  It takes away: generating the BPF program and loading it
 * (seccomp_load), any filter loaded another way (the seccomp(2) system
 * call through syscall(3), or prctl(PR_SET_SECCOMP)), and with it the
 * filter's cost on every later system call.  What stays: linking and
 * loading libseccomp, adding the rules to libseccomp's in-memory list,
 * PR_SET_NO_NEW_PRIVS and the process split.  Real contexts are kept,
 * so any other libseccomp call still works.  Its control is noop.c, an
 * empty preload, so both sides pay for one preloaded object.  Never
 * install this.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

int
seccomp_load(const void *ctx)
{
	(void)ctx;
	return 0;
}

long
syscall(long nr, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	/* Installing a filter (not libseccomp's probes, which pass NULL). */
	if (nr == SYS_seccomp && a[0] == SECCOMP_SET_MODE_FILTER &&
	    a[2] != 0)
		return 0;
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "syscall");
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int
prctl(int option, ...)
{
	static int (*real)(int, ...);
	unsigned long a[4];
	va_list ap;
	int i;

	va_start(ap, option);
	for (i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_SET_SECCOMP)
		return 0;
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "prctl");
	return real(option, a[0], a[1], a[2], a[3]);
}

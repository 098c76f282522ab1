/*
 * nosystemd.c - an LD_PRELOAD shim for the benchmark only: dlopen() of
 * libsystemd fails, as on a system without it, so `make bench` can show
 * what loading libsystemd (and libgcrypt, liblzma, libzstd, liblz4,
 * libcap that it pulls in) costs each session.  Every other dlopen()
 * goes through.  Never install this.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

void *
dlopen(const char *file, int mode)
{
	static void *(*real)(const char *, int);

	if (file != NULL && strstr(file, "libsystemd") != NULL)
		return NULL;
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "dlopen");
	return real != NULL ? real(file, mode) : NULL;
}

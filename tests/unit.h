#ifndef SMTPIPE_TESTS_UNIT_H
#define SMTPIPE_TESTS_UNIT_H

/*
 * unit.h - helpers shared by the unit tests (tests/unit_*.c).
 *
 * Header only, every function static inline: each test stays one .c
 * file, and a test that does not use a helper gets no unused-function
 * warning.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* malloc, or exit 99 (a hard error).  malloc(0) may return NULL: asking
 * for 0 octets gets one spare octet, never read. */
static inline void *
xmalloc(size_t n)
{
	void *p = malloc(n > 0 ? n : 1);

	if (p == NULL) {
		perror("malloc");
		exit(99);
	}
	return p;
}

/* A malloc'd copy of exactly len octets, no NUL after it: ASan reports a
 * read past it. */
static inline char *
exact_copy(const char *p, size_t len)
{
	char *q = xmalloc(len);

	if (len > 0)
		memcpy(q, p, len);
	return q;
}

#define SHOW_CRLF	1u	/* CR and LF as \r and \n */
#define SHOW_BACKSLASH	2u	/* a backslash as \x5c */

/*
 * Prints len octets at p on stdout, the unprintable ones (and, with the
 * flags, CR LF and backslash) escaped as \xHH.  Longer than max: the
 * first and last edge octets, with how many were left out between them.
 */
static inline void
show_octets(const char *p, size_t len, size_t max, size_t edge,
    unsigned flags)
{
	size_t i;

	if (len > max) {
		show_octets(p, edge, max, edge, flags);
		printf("...(%zu octets)...", len - 2 * edge);
		show_octets(p + len - edge, edge, max, edge, flags);
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((flags & SHOW_CRLF) && c == '\r')
			printf("\\r");
		else if ((flags & SHOW_CRLF) && c == '\n')
			printf("\\n");
		else if (c < 0x20 || c >= 0x7f ||
		    ((flags & SHOW_BACKSLASH) && c == '\\'))
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

#endif

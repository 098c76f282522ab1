/*
 * util.h - small pure helpers shared by the parsers and the supervisor:
 * bounded output buffers, escaping of untrusted text, number parsing.
 */
#ifndef SMTPIPE_UTIL_H
#define SMTPIPE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A byte buffer whose capacity is fixed when it is created: never grows. */
struct obuf {
	char *data;
	size_t len;
	size_t cap;
};

/* Append; returns false (and appends nothing) when it would not fit. */
bool obuf_add(struct obuf *b, const void *p, size_t len);
bool obuf_addf(struct obuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes. */
void obuf_consume(struct obuf *b, size_t n);

/*
 * Copy untrusted text into dst for a log line or a header comment:
 * printable ASCII is kept, everything else becomes \xHH, and the result
 * is cut (with "...") to fit dstcap including its NUL.  Returns dst.
 */
char *util_escape(char *dst, size_t dstcap, const char *src, size_t len);

/* Drop trailing spaces and TABs: clients pad commands. */
void util_trim_blanks(const char *p, size_t *len);

/* Decimal digits only, no sign, no overflow past max. */
bool util_parse_u64(const char *p, size_t len, uint64_t max, uint64_t *r);

/* ASCII case-insensitive comparison of p[0..len) with a NUL-terminated
 * lower-case word. */
bool util_word_eq(const char *p, size_t len, const char *word);

/* Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF). */
bool util_utf8_valid(const char *p, size_t len);

/*
 * RFC 3461 4: xtext = *( xchar / hexchar ); xchar is ASCII 33-126 but
 * "+" and "="; hexchar is "+" and two upper-case hex digits.  Decodes
 * into out (cap includes the NUL); false when malformed, too long, or
 * when a decoded octet is a control or non-ASCII octet (the value goes into an
 * environment variable, one per line).
 */
bool util_xtext_decode(const char *p, size_t len, char *out, size_t cap);

#endif

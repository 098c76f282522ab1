/*
 * util.c - pure helpers (see util.h).  util_escape is what stands between
 * attacker bytes and our logs and headers.
 */
#include "config.h"

#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool
obuf_add(struct obuf *b, const void *p, size_t len)
{
	if (len > b->cap - b->len)
		return false;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	return true;
}

bool
obuf_addf(struct obuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->cap - b->len;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, room, fmt, ap);
	va_end(ap);
	/* vsnprintf needs room for its NUL, which we then drop. */
	if (n < 0 || (size_t)n >= room)
		return false;
	b->len += (size_t)n;
	return true;
}

void
obuf_consume(struct obuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

char *
util_escape(char *dst, size_t dstcap, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (dstcap == 0)
		return dst;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		size_t need = (c >= 0x20 && c < 0x7f && c != '\\') ? 1 :
		    (c == '\\' ? 2 : 4);

		/* Keep room for "..." and the NUL. */
		if (o + need + 4 > dstcap) {
			if (o + 4 <= dstcap) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 1) {
			dst[o++] = (char)c;
		} else if (need == 2) {
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o < dstcap ? o : dstcap - 1] = '\0';
	return dst;
}

bool
util_parse_u64(const char *p, size_t len, uint64_t max, uint64_t *r)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return false;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (p[i] < '0' || p[i] > '9')
			return false;
		d = (unsigned)(p[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*r = v;
	return true;
}

bool
util_word_eq(const char *p, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = p[i];

		if (word[i] == '\0')
			return false;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != word[i])
			return false;
	}
	return word[len] == '\0';
}

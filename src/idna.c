/*
 * idna.c - UTF-8 domain to ASCII (see idna.h).  Reads attacker bytes
 * (recipient domains): every loop is bounded by the input and the output
 * capacity.
 */
#include "config.h"

#include "idna.h"

#include <stdint.h>
#include <string.h>

#include "util.h"

/* RFC 3492 5: parameter values for Punycode. */
enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700,
	INITIAL_BIAS = 72, INITIAL_N = 128 };

#define MAX_LABEL_CP 256

static char
digit(uint32_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + d - 26);
}

/* RFC 3492 6.1. */
static uint32_t
adapt(uint32_t delta, uint32_t numpoints, bool first)
{
	uint32_t k = 0;

	delta = first ? delta / DAMP : delta / 2;
	delta += delta / numpoints;
	while (delta > ((BASE - TMIN) * TMAX) / 2) {
		delta /= BASE - TMIN;
		k += BASE;
	}
	return k + (BASE - TMIN + 1) * delta / (delta + SKEW);
}

/* Decode one label's UTF-8 into code points (validated beforehand). */
static size_t
codepoints(const unsigned char *s, size_t len, uint32_t *cp, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len && n < max) {
		unsigned char c = s[i];
		size_t k, extra = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
		uint32_t v = extra == 0 ? c : extra == 1 ? (c & 0x1fu) :
		    extra == 2 ? (c & 0x0fu) : (c & 0x07u);

		for (k = 1; k <= extra && i + k < len; k++)
			v = v << 6 | (s[i + k] & 0x3fu);
		if (v >= 'A' && v <= 'Z')
			v += 'a' - 'A';
		cp[n++] = v;
		i += extra + 1;
	}
	return i < len ? (size_t)-1 : n;
}

/* RFC 3492 6.3, for one label; appends to out at *o. */
static bool
punycode(const uint32_t *cp, size_t ncp, char *out, size_t cap, size_t *o)
{
	uint32_t n = INITIAL_N, delta = 0, bias = INITIAL_BIAS, h, b = 0;
	size_t j;

	for (j = 0; j < ncp; j++) {
		if (cp[j] < 0x80) {
			if (*o + 1 >= cap)
				return false;
			out[(*o)++] = (char)cp[j];
			b++;
		}
	}
	h = b;
	if (b > 0) {
		if (*o + 1 >= cap)
			return false;
		out[(*o)++] = '-';
	}
	while (h < ncp) {
		uint32_t m = UINT32_MAX;

		for (j = 0; j < ncp; j++)
			if (cp[j] >= n && cp[j] < m)
				m = cp[j];
		if ((uint64_t)(m - n) * (h + 1) + delta > UINT32_MAX)
			return false;
		delta += (m - n) * (h + 1);
		n = m;
		for (j = 0; j < ncp; j++) {
			if (cp[j] < n && ++delta == 0)
				return false;
			if (cp[j] == n) {
				uint32_t q = delta, k;

				for (k = BASE;; k += BASE) {
					uint32_t t = k <= bias ? TMIN :
					    k >= bias + TMAX ? TMAX : k - bias;

					if (q < t)
						break;
					if (*o + 1 >= cap)
						return false;
					out[(*o)++] = digit(t + (q - t) %
					    (BASE - t));
					q = (q - t) / (BASE - t);
				}
				if (*o + 1 >= cap)
					return false;
				out[(*o)++] = digit(q);
				bias = adapt(delta, h + 1, h == b);
				delta = 0;
				h++;
			}
		}
		delta++;
		n++;
	}
	return true;
}

bool
idna_to_ascii(const char *in, size_t len, char *out, size_t cap)
{
	uint32_t cp[MAX_LABEL_CP];
	size_t i = 0, o = 0;

	if (cap == 0 || !util_utf8_valid(in, len))
		return false;
	while (i <= len) {
		size_t j = i, k;
		bool ascii = true;

		while (j < len && in[j] != '.')
			j++;
		for (k = i; k < j; k++)
			if ((unsigned char)in[k] >= 0x80)
				ascii = false;
		if (ascii) {
			for (k = i; k < j; k++) {
				char c = in[k];

				if (o + 1 >= cap)
					return false;
				out[o++] = (c >= 'A' && c <= 'Z') ?
				    (char)(c - 'A' + 'a') : c;
			}
		} else {
			size_t n = codepoints((const unsigned char *)in + i,
			    j - i, cp, MAX_LABEL_CP);

			if (n == (size_t)-1 || o + 5 >= cap)
				return false;
			memcpy(out + o, "xn--", 4);
			o += 4;
			if (!punycode(cp, n, out, cap, &o))
				return false;
		}
		if (j == len)
			break;
		if (o + 1 >= cap)
			return false;
		out[o++] = '.';
		i = j + 1;
	}
	out[o] = '\0';
	return true;
}

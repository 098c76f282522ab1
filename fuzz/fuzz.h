/*
 * fuzz.h - shared by the libFuzzer targets and the replay driver: the
 * entry point's prototype, an exact-size copy of the input, and a small
 * PRNG.  Every choice a target makes (read sizes, buffer sizes, options)
 * comes from the input itself, so a saved crash replays exactly, and no
 * state survives from one input to the next.
 */
#ifndef SMTPIPE_FUZZ_H
#define SMTPIPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A property does not hold: stop at once, with the stack of the check.
 * libFuzzer reports it as a crash and saves the input.
 */
#define FUZZ_ASSERT(cond) do {					\
		if (!(cond))					\
			__builtin_trap();			\
	} while (0)

/*
 * The input in a malloc'd buffer of exactly its size and no NUL after it,
 * so ASan reports any read past the end (libFuzzer's own buffer may not
 * be exactly sized in every driver, the replay driver's is not).
 */
static inline char *
fuzz_copy(const uint8_t *data, size_t size)
{
	char *p = malloc(size);

	if (p == NULL && size > 0)
		abort();
	if (size > 0)
		memcpy(p, data, size);
	return p;
}

/* FNV-1a: seeds the PRNG from the whole input. */
static inline uint64_t
fuzz_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* splitmix64: tiny, and good enough to pick read sizes. */
struct fuzz_rng {
	uint64_t s;
};

static inline uint64_t
fuzz_next(struct fuzz_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform enough in [lo, hi]. */
static inline size_t
fuzz_range(struct fuzz_rng *r, size_t lo, size_t hi)
{
	return lo + (size_t)(fuzz_next(r) % (uint64_t)(hi - lo + 1));
}

/*
 * A read size as a network gives them: mostly a few octets (every split
 * point gets tried), sometimes large.
 */
static inline size_t
fuzz_read_size(struct fuzz_rng *r)
{
	switch (fuzz_next(r) & 7) {
	case 0:
		return fuzz_range(r, 1, 4096);
	case 1:
	case 2:
		return fuzz_range(r, 1, 64);
	default:
		return fuzz_range(r, 1, 8);
	}
}

#endif

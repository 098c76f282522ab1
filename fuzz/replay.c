#include "config.h"

/*
 * replay - run a fuzz target's LLVMFuzzerTestOneInput over saved inputs
 * without libFuzzer, so `make check` replays the corpus with any
 * compiler.  Linked with one fuzz_<name>.c.
 *
 *   replay_<name> FILE|DIR...
 *
 * Every regular file named, and every regular file directly inside a
 * directory named (in name order), is read into a buffer of exactly its
 * size and run once.  A property that fails traps, which kills the
 * process: the last "replay:" line on stderr names the input.
 */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* No corpus file is anywhere near this; a bigger one is a mistake. */
#define REPLAY_MAX_INPUT	(16 * 1024 * 1024)

static int
replay_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return 1;
	}
	if (st.st_size > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: %s: too large\n", path);
		fclose(f);
		return 1;
	}
	buf = malloc((size_t)st.st_size);
	if (buf == NULL && st.st_size > 0) {
		fprintf(stderr, "replay: out of memory\n");
		exit(70);
	}
	if (st.st_size > 0)
		got = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f) || got != (size_t)st.st_size) {
		fprintf(stderr, "replay: %s: short read\n", path);
		fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	fprintf(stderr, "replay: %s (%zu octets)\n", path, got);
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *dir)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int bad = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? 2 * cap : 64;
			if ((nn = realloc(names, cap * sizeof(*names))) ==
			    NULL) {
				fprintf(stderr, "replay: out of memory\n");
				exit(70);
			}
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			fprintf(stderr, "replay: out of memory\n");
			exit(70);
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		char *path = malloc(len);
		struct stat st;

		if (path == NULL) {
			fprintf(stderr, "replay: out of memory\n");
			exit(70);
		}
		snprintf(path, len, "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			bad |= replay_file(path);
		free(path);
		free(names[i]);
	}
	free(names);
	return bad;
}

int
main(int argc, char **argv)
{
	struct stat st;
	int i, bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 64;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			bad = 1;
		} else if (S_ISDIR(st.st_mode)) {
			bad |= replay_dir(argv[i]);
		} else {
			bad |= replay_file(argv[i]);
		}
	}
	return bad;
}

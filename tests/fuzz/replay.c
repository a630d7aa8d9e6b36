/* The main() of a fuzz target in a build without libFuzzer: run the
 * target once on each file named on the command line, or on each file of
 * a directory named there, or, with no argument, of the target's seed
 * corpus (FUZZ_CORPUS, set by tests/fuzz/local.mk).  A target checks its
 * invariants itself and aborts on a broken one, so make check fails on
 * a corpus input that breaks one; an empty or missing corpus fails too
 * rather than passing without testing anything. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "util/cleanup-internal.h"

static int run_file(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t cap = 4096, len = 0;
	_cleanup_free_ uint8_t *buf = malloc(cap);
	if (!buf)
		return -1;
	size_t got;
	while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb)
				return -1;
			buf = nb;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		perror(path);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char ***v)
{
	for (char **p = *v; p && *p; p++)
		free(*p);
	free(*v);
}

/* Every regular file of dir, in name order so that runs compare; returns
 * the count, or -1. */
static long run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return -1;
	}
	__attribute__((cleanup(free_names))) char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char **nv = realloc(names, (n + 2) * sizeof(*nv));
		if (!nv) {
			closedir(d);
			return -1;
		}
		names = nv;
		names[n] = names[n + 1] = NULL;
		if (asprintf(&names[n], "%s/%s", dir, e->d_name) < 0) {
			names[n] = NULL;
			closedir(d);
			return -1;
		}
		n++;
	}
	closedir(d);
	if (names)
		qsort(names, n, sizeof(*names), cmp_names);
	long ran = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (run_file(names[i]) != 0)
			return -1;
		ran++;
	}
	return ran;
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize(&argc, &argv) != 0)
		return 1;
	static char *def[] = {FUZZ_CORPUS, NULL};
	char **args = argc > 1 ? argv + 1 : def;
	long ran = 0;
	for (; *args; args++) {
		struct stat st;
		if (stat(*args, &st) != 0) {
			perror(*args);
			return 1;
		}
		long r = S_ISDIR(st.st_mode) ? run_dir(*args)
					     : run_file(*args) == 0;
		if (r < 0)
			return 1;
		ran += r;
	}
	if (ran == 0) {
		fprintf(stderr, "%s: no inputs to replay\n", argv[0]);
		return 1;
	}
	printf("%s: %ld inputs replayed, every check held\n", argv[0], ran);
	return 0;
}

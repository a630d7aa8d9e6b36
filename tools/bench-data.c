/* Length files for seqpack bench: unsigned integers separated by white
 * space, read through mmap so that loading a 1M-line file leaves no freed
 * malloc chunks behind to change what the first measured call sees. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "util/cleanup-internal.h"

void *bench_map(size_t bytes)
{
	if (bytes == 0)
		bytes = 1;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void bench_unmap(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes ? bytes : 1);
}

static size_t count_tokens(const char *s, size_t len)
{
	size_t count = 0;
	int in = 0;
	for (size_t i = 0; i < len; i++) {
		int sp = isspace((unsigned char)s[i]);
		if (!sp && !in)
			count++;
		in = !sp;
	}
	return count;
}

static int parse(const char *s, size_t len, uint32_t *out, size_t n,
		 char *msg, size_t msglen, const char *path)
{
	size_t i = 0, k = 0, line = 1;
	while (k < n) {
		while (i < len && isspace((unsigned char)s[i]))
			if (s[i++] == '\n')
				line++;
		uint64_t v = 0;
		size_t start = i;
		while (i < len && isdigit((unsigned char)s[i])) {
			v = v * 10 + (uint64_t)(s[i++] - '0');
			if (v > UINT32_MAX) {
				snprintf(msg, msglen,
					 "%s:%zu: length above 2^32-1", path,
					 line);
				return BENCH_LOAD_DATA;
			}
		}
		if (i == start || (i < len && !isspace((unsigned char)s[i]))) {
			snprintf(msg, msglen,
				 "%s:%zu: not an unsigned integer", path, line);
			return BENCH_LOAD_DATA;
		}
		out[k++] = (uint32_t)v;
	}
	return 0;
}

/* The mapped text of a length file, unmapped by scope. */
struct text {
	const char *s;
	size_t len;
};

static void text_unmap(struct text *t)
{
	if (t->s)
		munmap((void *)t->s, t->len);
}

int bench_file_load(const char *path, struct bench_file *f, char *msg,
		    size_t msglen)
{
	memset(f, 0, sizeof(*f));
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return BENCH_LOAD_IO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "%s: not a regular file", path);
		return BENCH_LOAD_IO;
	}
	_cleanup_(text_unmap) struct text t = {NULL, (size_t)st.st_size};
	if (t.len) {
		void *m = mmap(NULL, t.len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			snprintf(msg, msglen, "%s: %s", path, strerror(errno));
			return BENCH_LOAD_IO;
		}
		t.s = m;
	}
	size_t n = t.s ? count_tokens(t.s, t.len) : 0;
	if (n == 0) {
		snprintf(msg, msglen, "%s: no lengths", path);
		return BENCH_LOAD_DATA;
	}
	/* n is set first: it sizes the mapping bench_file_free() releases. */
	_cleanup_(bench_file_free) struct bench_file nf = {.n = n};
	nf.lengths = bench_map(n * sizeof(uint32_t));
	nf.path = strdup(path);
	if (!nf.lengths || !nf.path) {
		snprintf(msg, msglen, "%s: out of memory", path);
		return BENCH_LOAD_IO;
	}
	int rc = parse(t.s, t.len, nf.lengths, n, msg, msglen, path);
	if (rc != 0)
		return rc;
	const char *slash = strrchr(nf.path, '/');
	nf.name = slash ? slash + 1 : nf.path;
	*f = nf;
	memset(&nf, 0, sizeof(nf)); /* f's now */
	return 0;
}

void bench_file_free(struct bench_file *f)
{
	bench_unmap(f->lengths, f->n * sizeof(uint32_t));
	free(f->path);
	memset(f, 0, sizeof(*f));
}

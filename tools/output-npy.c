/* seqpack pack --output npy:DIR / npz[:FILE]: the packing's CSR arrays
 * (items, offsets, used) as uint32 little-endian .npy files, version 1.0
 * headers padded to 64 bytes as numpy pads them, or the same three files
 * in one .npz, a zip of stored entries (no compression: the CRC-32 is all
 * a stored entry needs, so no zlib).  Large packings are the point of a
 * binary output, so nothing is formatted per element: each array goes to
 * the kernel as it lies in memory, in one writev() with its header.
 * Readers must open the arrays by name: a pieces array (the offsets and
 * lengths of cut sequences) will be added for packings that cut. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "output-varlen.h"
#include "tool.h"
#include "util/cleanup-internal.h"
#include "util/crc32-internal.h"

#define NARRAYS 3
/* A version 1.0 header: 10 bytes, then the dict padded so that the data
 * starts at a multiple of 64; 128 bytes hold any shape up to 2^64. */
#define NPY_HEADER_MAX 128

struct array {
	const char *name; /* the .npy file's name */
	const uint32_t *v; /* count entries, little-endian */
	size_t count;
	char header[NPY_HEADER_MAX];
	size_t header_len;
	uint32_t *swapped; /* big-endian hosts: v's copy, to free */
};

static int host_is_big_endian(void)
{
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
}

/* The header numpy.save writes for a 1-D '<u4' array of count entries:
 * byte for byte what Debian 12's numpy 1.24 writes (later numpys pad the
 * dict further for in-place growth; every numpy reads both). */
static size_t npy_header(char *buf, size_t count)
{
	int n = snprintf(buf + 10, NPY_HEADER_MAX - 10,
			 "{'descr': '<u4', 'fortran_order': False, 'shape': (%zu,), }",
			 count);
	size_t len = 10 + (size_t)n + 1;
	size_t total = (len + 63) / 64 * 64;
	memset(buf + 10 + n, ' ', total - len);
	buf[total - 1] = '\n';
	size_t dict = total - 10;
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (char)(dict & 0xff);
	buf[9] = (char)(dict >> 8);
	return total;
}

static void arrays_free(struct array a[NARRAYS])
{
	for (int i = 0; i < NARRAYS; i++) {
		free(a[i].swapped);
		a[i].swapped = NULL;
	}
}

static void arrays_freep(struct array (*a)[NARRAYS])
{
	arrays_free(*a);
}

/* The three arrays with their headers; 0, or -1 after printing (out of
 * memory for a byte-swapped copy). */
static int arrays_of(const struct tool *t, const seqpack_result *r,
		     struct array a[NARRAYS])
{
	a[0] = (struct array){ .name = "items.npy", .v = r->items,
			       .count = r->n };
	a[1] = (struct array){ .name = "offsets.npy", .v = r->offsets,
			       .count = r->nbins + 1 };
	a[2] = (struct array){ .name = "used.npy", .v = r->used,
			       .count = r->nbins };
	for (int i = 0; i < NARRAYS; i++) {
		a[i].header_len = npy_header(a[i].header, a[i].count);
		if (!host_is_big_endian())
			continue;
		a[i].swapped = malloc(a[i].count * sizeof(uint32_t) + 1);
		if (!a[i].swapped) {
			tool_error(t, "out of memory");
			arrays_free(a);
			return -1;
		}
		for (size_t k = 0; k < a[i].count; k++)
			a[i].swapped[k] = __builtin_bswap32(a[i].v[k]);
		a[i].v = a[i].swapped;
	}
	return 0;
}

/* writev() all of iov, resuming after short writes.  0 or -1 (errno). */
static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n > IOV_MAX ? IOV_MAX : n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		size_t left = (size_t)w;
		while (n > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return 0;
}

/* A new file next to path, to be renamed over it once complete, so that
 * a failure never leaves a truncated array where a reader looks.  The
 * mode is the one open(path, O_CREAT, 0666) would give. */
static int temp_open(const struct tool *t, const char *path, char **tmp)
{
	size_t len = strlen(path);
	char *name = malloc(len + sizeof(".XXXXXX"));
	if (!name) {
		tool_error(t, "out of memory");
		return -1;
	}
	memcpy(name, path, len);
	memcpy(name + len, ".XXXXXX", sizeof(".XXXXXX"));
	int fd = mkstemp(name);
	if (fd < 0) {
		tool_error(t, "%s: cannot create: %s", path, strerror(errno));
		free(name);
		return -1;
	}
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0) {
		tool_error(t, "%s: %s", name, strerror(errno));
		close(fd);
		unlink(name);
		free(name);
		return -1;
	}
	*tmp = name;
	return fd;
}

/* Write iov to a temporary file for path; on success *tmp names it.
 * Returns an exit status after printing any error. */
static int write_temp(const struct tool *t, const char *path,
		      struct iovec *iov, int n, char **tmp)
{
	_cleanup_free_ char *name = NULL;
	int fd = temp_open(t, path, &name);
	if (fd < 0)
		return errno == ENOMEM ? EXIT_PACK : EXIT_IO;
	int rc = write_all(fd, iov, n);
	int saved = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0) {
		tool_error(t, "%s: write error: %s", path, strerror(saved));
		unlink(name);
		return EXIT_IO;
	}
	*tmp = TAKE_PTR(name);
	return EXIT_OK;
}

static char *path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + 1 + b + 1);
	if (p) {
		memcpy(p, dir, a);
		p[a] = '/';
		memcpy(p + a + 1, name, b + 1);
	}
	return p;
}

int output_npy_dir(const struct tool *t, const char *dir,
		   const seqpack_result *r)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		tool_error(t, "%s: cannot create the directory: %s", dir,
			   strerror(errno));
		return EXIT_IO;
	}
	struct array a[NARRAYS];
	if (arrays_of(t, r, a))
		return EXIT_PACK;
	char *paths[NARRAYS] = { NULL }, *tmps[NARRAYS] = { NULL };
	int rc = EXIT_OK;
	/* All three written before any is renamed: a failure leaves the
	 * directory's previous arrays, not a mix. */
	for (int i = 0; i < NARRAYS && rc == EXIT_OK; i++) {
		paths[i] = path_join(dir, a[i].name);
		if (!paths[i]) {
			tool_error(t, "out of memory");
			rc = EXIT_PACK;
			break;
		}
		struct iovec iov[2] = {
			{ a[i].header, a[i].header_len },
			{ (void *)a[i].v, a[i].count * sizeof(uint32_t) },
		};
		rc = write_temp(t, paths[i], iov, 2, &tmps[i]);
	}
	for (int i = 0; i < NARRAYS && rc == EXIT_OK; i++)
		if (rename(tmps[i], paths[i]) != 0) {
			tool_error(t, "%s: cannot rename %s to it: %s",
				   paths[i], tmps[i], strerror(errno));
			rc = EXIT_IO;
		}
	for (int i = 0; i < NARRAYS; i++) {
		if (rc != EXIT_OK && tmps[i])
			unlink(tmps[i]);
		free(tmps[i]);
		free(paths[i]);
	}
	arrays_free(a);
	return rc;
}

/* ---- .npz: a zip of stored entries ---- */

#define ZIP_LOCAL_SIZE 30
#define ZIP_CENTRAL_SIZE 46
#define ZIP_END_SIZE 22
#define ZIP_NAME_MAX 16
/* 1980-01-01 00:00, the earliest DOS date: a fixed stamp keeps the
 * archive the same bytes on every run. */
#define ZIP_DOS_DATE 0x21
#define ZIP_DOS_TIME 0

static unsigned char *put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	return p + 2;
}

static unsigned char *put32(unsigned char *p, uint32_t v)
{
	p = put16(p, v & 0xffff);
	return put16(p, v >> 16);
}

struct zip_entry {
	unsigned char local[ZIP_LOCAL_SIZE + ZIP_NAME_MAX];
	size_t local_len;
	uint32_t crc, size, offset;
};

/* The fields the local and the central header share, from "version
 * needed" to the name's length. */
static unsigned char *put_common(unsigned char *p, const struct zip_entry *e,
				 size_t name_len)
{
	p = put16(p, 10); /* version needed: 1.0, stored */
	p = put16(p, 0);  /* flags */
	p = put16(p, 0);  /* method: stored */
	p = put16(p, ZIP_DOS_TIME);
	p = put16(p, ZIP_DOS_DATE);
	p = put32(p, e->crc);
	p = put32(p, e->size); /* compressed */
	p = put32(p, e->size); /* uncompressed */
	return put16(p, (uint32_t)name_len);
}

int output_npz(const struct tool *t, const char *path,
	       const seqpack_result *r)
{
	_cleanup_(arrays_freep) struct array a[NARRAYS];
	if (arrays_of(t, r, a))
		return EXIT_PACK;
	/* Without zip64, every size and offset is 32 bits. */
	uint64_t total = ZIP_END_SIZE;
	for (int i = 0; i < NARRAYS; i++)
		total += ZIP_LOCAL_SIZE + ZIP_CENTRAL_SIZE +
			 2 * strlen(a[i].name) + a[i].header_len +
			 (uint64_t)a[i].count * sizeof(uint32_t);
	if (total > UINT32_MAX) {
		tool_error(t, "--output npz: the archive would be %llu bytes, above the 4 GiB of a zip without zip64; use --output npy:DIR",
			   (unsigned long long)total);
		return EXIT_IO;
	}

	struct util_crc32 crc;
	util_crc32_init(&crc);
	struct zip_entry e[NARRAYS];
	unsigned char central[NARRAYS * (ZIP_CENTRAL_SIZE + ZIP_NAME_MAX) +
			      ZIP_END_SIZE];
	unsigned char *c = central;
	uint32_t offset = 0;
	struct iovec iov[3 * NARRAYS + 1];
	int niov = 0;
	for (int i = 0; i < NARRAYS; i++) {
		size_t name_len = strlen(a[i].name);
		size_t bytes = a[i].count * sizeof(uint32_t);
		e[i].size = (uint32_t)(a[i].header_len + bytes);
		e[i].crc = util_crc32_update(
			&crc, util_crc32_update(&crc, 0, a[i].header,
						a[i].header_len),
			a[i].v, bytes);
		e[i].offset = offset;
		unsigned char *p = put32(e[i].local, 0x04034b50);
		p = put_common(p, &e[i], name_len);
		p = put16(p, 0); /* extra field length */
		memcpy(p, a[i].name, name_len);
		e[i].local_len = ZIP_LOCAL_SIZE + name_len;
		offset += (uint32_t)e[i].local_len + e[i].size;

		c = put32(c, 0x02014b50);
		c = put16(c, 3u << 8 | 20); /* made by: Unix, zip 2.0 */
		c = put_common(c, &e[i], name_len);
		c = put16(c, 0);   /* extra field length */
		c = put16(c, 0);   /* comment length */
		c = put16(c, 0);   /* disk number */
		c = put16(c, 0);   /* internal attributes */
		c = put32(c, 0100644u << 16); /* a regular file, rw-r--r-- */
		c = put32(c, e[i].offset);
		memcpy(c, a[i].name, name_len);
		c += name_len;

		iov[niov++] = (struct iovec){ e[i].local, e[i].local_len };
		iov[niov++] = (struct iovec){ a[i].header, a[i].header_len };
		iov[niov++] = (struct iovec){ (void *)a[i].v, bytes };
	}
	uint32_t central_len = (uint32_t)(c - central);
	c = put32(c, 0x06054b50);
	c = put16(c, 0); /* this disk */
	c = put16(c, 0); /* the central directory's disk */
	c = put16(c, NARRAYS);
	c = put16(c, NARRAYS);
	c = put32(c, central_len);
	c = put32(c, offset);
	c = put16(c, 0); /* comment length */
	iov[niov++] = (struct iovec){ central, (size_t)(c - central) };

	if (!path) {
		if (write_all(STDOUT_FILENO, iov, niov) != 0) {
			tool_error(t, "write error: %s", strerror(errno));
			return EXIT_IO;
		}
		return EXIT_OK;
	}
	_cleanup_free_ char *tmp = NULL;
	int rc = write_temp(t, path, iov, niov, &tmp);
	if (rc)
		return rc;
	if (rename(tmp, path) != 0) {
		tool_error(t, "%s: cannot rename %s to it: %s", path, tmp,
			   strerror(errno));
		unlink(tmp);
		return EXIT_IO;
	}
	return EXIT_OK;
}

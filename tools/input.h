/* input.h - reading sequence lengths: plain integers, a JSON array, JSON
 * Lines and .npy arrays, with errors that name the line or element, and
 * a hint naming the format of files it does not read (gzip, zip/.npz,
 * CSV, other binary). */
#ifndef SEQPACK_TOOL_INPUT_H
#define SEQPACK_TOOL_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "tool.h"

struct lengths {
	uint32_t *v;
	size_t n, cap;
};

void lengths_free(struct lengths *l);

/* Where lengths come from and what they must satisfy. */
struct input_ctx {
	const struct tool *t;
	const char *name;    /* file name for messages ("<stdin>") */
	uint32_t capacity;   /* refuse lengths above it; 0 = no limit */
	size_t base_index;   /* sequence index of out->v[0] (streaming) */
	struct lengths *out; /* lengths are appended here */
	/* Called with out->n every 65536 lengths (a progress line), or
	 * NULL. */
	void (*count)(void *arg, size_t n);
	void *count_arg;
};

/* Read every length of path (NULL or "-" = stdin), detecting the format
 * from the first bytes: "\x93NUMPY" .npy, '[' JSON array, '{' JSON Lines,
 * anything else whitespace-separated integers.  Every length must be in
 * 1 .. 2^32-1 and, when capacity != 0, at most capacity.  Returns EXIT_OK,
 * or prints one error line and returns EXIT_DATA / EXIT_IO / EXIT_PACK
 * (out of memory). */
int input_read(const struct tool *t, const char *path, uint32_t capacity,
	       struct lengths *out);

/* input_read(), with ctx->count called while the lengths are parsed.
 * Lengths are appended to out, so reading several files into one out
 * numbers their sequences across them: the first length of a file has
 * the index out->n had before it was read. */
int input_read_counted(const struct tool *t, const char *path,
		       uint32_t capacity, void (*count)(void *arg, size_t n),
		       void *count_arg, struct lengths *out);

/* Refuse what is certainly not one of the formats read (gzip, bzip2, xz,
 * zstd, zip and .npz, Parquet, Arrow, HDF5, pickle, UTF-16, a control
 * byte in the first 4 KiB), naming what it looks like and how to get the
 * lengths out, instead of quoting its bytes as a token.  buf[0..len) is
 * the start of the input; .npy is refused too when streaming.  Returns
 * EXIT_DATA after the message, EXIT_OK when it may be parsed. */
int input_refuse_foreign(const struct input_ctx *ctx, const char *buf,
			 size_t len, int streaming);

/* Parse whitespace-separated integers in buf[0..len) whose first line is
 * line number first_line (1-based), appending to ctx->out. */
int input_parse_text(const struct input_ctx *ctx, const char *buf, size_t len,
		     size_t first_line);

/* Parse one JSON Lines record (an object with an integer "length" or an
 * "input_ids" array) on line lineno, appending its length. */
int input_parse_jsonl_line(const struct input_ctx *ctx, const char *line,
			   size_t len, size_t lineno);

#endif /* SEQPACK_TOOL_INPUT_H */

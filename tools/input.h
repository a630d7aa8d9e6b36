/* input.h - reading sequence lengths: plain integers, a JSON array, JSON
 * Lines and .npy arrays, with errors that name the line or element. */
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
};

/* Read every length of path (NULL or "-" = stdin), detecting the format
 * from the first bytes: "\x93NUMPY" .npy, '[' JSON array, '{' JSON Lines,
 * anything else whitespace-separated integers.  Every length must be in
 * 1 .. 2^32-1 and, when capacity != 0, at most capacity.  Returns EXIT_OK,
 * or prints one error line and returns EXIT_DATA / EXIT_IO / EXIT_PACK
 * (out of memory). */
int input_read(const struct tool *t, const char *path, uint32_t capacity,
	       struct lengths *out);

/* Parse whitespace-separated integers in buf[0..len) whose first line is
 * line number first_line (1-based), appending to ctx->out. */
int input_parse_text(const struct input_ctx *ctx, const char *buf, size_t len,
		     size_t first_line);

/* Parse one JSON Lines record (an object with an integer "length" or an
 * "input_ids" array) on line lineno, appending its length. */
int input_parse_jsonl_line(const struct input_ctx *ctx, const char *line,
			   size_t len, size_t lineno);

#endif /* SEQPACK_TOOL_INPUT_H */

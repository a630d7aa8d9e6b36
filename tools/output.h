/* output.h - building answers in memory before they reach stdout, so that
 * a failure never leaves a partial answer behind, and writing packings as
 * JSON or text. */
#ifndef SEQPACK_TOOL_OUTPUT_H
#define SEQPACK_TOOL_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <seqpack/seqpack.h>

/* A growable byte buffer.  Appends never fail visibly: on allocation
 * failure the buffer records it and later appends do nothing; check
 * sb_failed() once at the end.  { 0 } is an empty buffer, as after
 * sb_init(), so `_cleanup_(sb_free) struct sbuf sb = { 0 };` is safe. */
struct sbuf {
	char *data;
	size_t len, cap;
	int failed;
};

void sb_init(struct sbuf *sb);
void sb_free(struct sbuf *sb);
int sb_failed(const struct sbuf *sb);
void sb_reset(struct sbuf *sb);
void sb_putc(struct sbuf *sb, char c);
void sb_puts(struct sbuf *sb, const char *s);
void sb_putn(struct sbuf *sb, const char *s, size_t n);
void sb_u64(struct sbuf *sb, uint64_t v);
void sb_printf(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The shortest decimal form that reads back as the same double. */
void sb_double(struct sbuf *sb, double v);
/* s as a JSON string, quotes included. */
void sb_json_string(struct sbuf *sb, const char *s);

/* Write the buffer to f and flush.  Returns 0, or -1 with errno set. */
int sb_write(const struct sbuf *sb, FILE *f);

struct tool;

/* A command's whole answer to stdout: EXIT_OK, or the error printed and
 * EXIT_PACK (out of memory while it was built) or EXIT_IO. */
int output_write(const struct tool *t, const struct sbuf *sb);

/* JSONL, NPZ and NPY are seqpack pack's (output-varlen.h). */
enum output_format {
	OUTPUT_JSON,
	OUTPUT_TEXT,
	OUTPUT_JSONL,
	OUTPUT_NPZ,
	OUTPUT_NPY,
};

struct output_opts {
	enum output_format format;
	int timing; /* include elapsed_ns */
	const char *path; /* NPZ: the file (NULL: stdout); NPY: the dir */
	unsigned emit;    /* JSONL: EMIT_* of output-varlen.h */
};

/* The metrics as a JSON object {"bins":..,..}, with elapsed_ns when
 * timing is set. */
void output_metrics_json(struct sbuf *sb, const seqpack_metrics *m,
			 int timing);

/* The packing r as one JSON object plus newline, or as text. */
void output_result(struct sbuf *sb, const seqpack_result *r,
		   const struct output_opts *o);

/* One streamed pack as a JSON line: {"pack":P,"ids":[...],"used":U}. */
void output_stream_pack(struct sbuf *sb, uint64_t pack, const uint64_t *ids,
			size_t count, uint64_t used);

#endif /* SEQPACK_TOOL_OUTPUT_H */

/* output-varlen.h - packings for training loops: JSON Lines, one pack a
 * line with its varlen attention inputs on request (output-varlen.c), and
 * the arrays as .npy files or one .npz that numpy loads (output-npy.c). */
#ifndef SEQPACK_TOOL_OUTPUT_VARLEN_H
#define SEQPACK_TOOL_OUTPUT_VARLEN_H

#include <seqpack/seqpack.h>

#include "output.h"

/* What --emit adds to each JSON line (and the metrics line). */
enum {
	EMIT_CU_SEQLENS = 1u << 0,
	EMIT_POSITION_IDS = 1u << 1,
	EMIT_METRICS = 1u << 2,
};

/* Parse seqpack pack's --output FORMAT into oo->format and oo->path:
 * json, text, jsonl, npz (standard output), npz:FILE (npz:- is standard
 * output) or npy:DIR.  Returns 0, or -1 after printing a message. */
int output_parse_format(const struct tool *t, const char *arg,
			struct output_opts *oo);

/* Parse --emit's comma-separated LIST into *emit (added to it).
 * Returns 0, or -1 after printing a message naming the bad item. */
int output_parse_emit(const struct tool *t, const char *list,
		      unsigned *emit);

/* Every pack of r as a line {"pack":P,"ids":[..],"used":U} (the lines of
 * seqpack stream), with "cu_seqlens" and "position_ids" per emit, from
 * lengths (needed only for those two; may be NULL otherwise), and with
 * EMIT_METRICS a last line {"metrics":{..}}.  Returns SEQPACK_OK or the
 * library's status with err filled. */
int output_jsonl(struct sbuf *sb, const seqpack_result *r,
		 const uint32_t *lengths, unsigned emit, int timing,
		 seqpack_error *err);

/* r's items, offsets and used arrays as DIR/items.npy, DIR/offsets.npy
 * and DIR/used.npy (DIR made when missing; each file replaced whole).
 * Returns an exit status after printing any error. */
int output_npy_dir(const struct tool *t, const char *dir,
		   const seqpack_result *r);

/* The same three arrays as one .npz (a stored zip) at path, or on
 * standard output when path is NULL.  Returns an exit status. */
int output_npz(const struct tool *t, const char *path,
	       const seqpack_result *r);

#endif

/* seqpack pack --output jsonl: one pack a line, in the line format of
 * seqpack stream so that one reader takes both, with the pack's
 * cu_seqlens and position_ids from the library's varlen calls when
 * --emit asks.  Readers must look keys up by name: a "pieces" key (the
 * offsets and lengths of cut sequences) will be added to the lines of
 * packings that cut. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output-varlen.h"
#include "tool.h"
#include "util/cleanup-internal.h"

int output_parse_format(const struct tool *t, const char *arg,
			struct output_opts *oo)
{
	static const struct {
		const char *name;
		enum output_format format;
	} plain[] = {
		{ "json", OUTPUT_JSON },
		{ "text", OUTPUT_TEXT },
		{ "jsonl", OUTPUT_JSONL },
		{ "npz", OUTPUT_NPZ },
	};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strcmp(arg, plain[i].name) == 0) {
			oo->format = plain[i].format;
			oo->path = NULL;
			return 0;
		}
	if (strncmp(arg, "npz:", 4) == 0 || strncmp(arg, "npy:", 4) == 0) {
		const char *path = arg + 4;
		if (!*path) {
			tool_usage_error(t, "--output %.3s: needs a %s after the colon",
					 arg, arg[2] == 'z' ? "FILE" : "DIR");
			return -1;
		}
		oo->format = arg[2] == 'z' ? OUTPUT_NPZ : OUTPUT_NPY;
		/* npz:- is standard output, as plain npz. */
		oo->path = strcmp(path, "-") == 0 && arg[2] == 'z' ? NULL
								   : path;
		return 0;
	}
	tool_usage_error(t, "--output: '%s' is not json, text, jsonl, npz, npz:FILE or npy:DIR",
			 arg);
	return -1;
}

int output_parse_emit(const struct tool *t, const char *list,
		      unsigned *emit)
{
	static const struct {
		const char *name;
		unsigned bit;
	} items[] = {
		{ "cu_seqlens", EMIT_CU_SEQLENS },
		{ "position_ids", EMIT_POSITION_IDS },
		{ "metrics", EMIT_METRICS },
	};
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ",");
		size_t i = 0;
		while (i < sizeof(items) / sizeof(items[0]) &&
		       !(strlen(items[i].name) == len &&
			 strncmp(items[i].name, p, len) == 0))
			i++;
		if (i == sizeof(items) / sizeof(items[0])) {
			tool_usage_error(t, "--emit: '%.*s' is not cu_seqlens, position_ids or metrics",
					 (int)len, p);
			return -1;
		}
		*emit |= items[i].bit;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static int oom(seqpack_error *err)
{
	if (err) {
		err->status = SEQPACK_ERR_NOMEM;
		snprintf(err->message, sizeof(err->message),
			 "out of memory for the varlen scratch buffers");
	}
	return SEQPACK_ERR_NOMEM;
}

static void json_i32_array(struct sbuf *sb, const int32_t *v, size_t n)
{
	sb_putc(sb, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_u64(sb, (uint64_t)v[i]);
	}
	sb_putc(sb, ']');
}

/* The largest count + 1 and used of any bin: the scratch the library's
 * calls write into, sized once for the whole packing. */
static void scratch_sizes(const seqpack_result *r, size_t *cu, size_t *pos)
{
	size_t c = 0, u = 0;
	for (size_t b = 0; b < r->nbins; b++) {
		size_t count = r->offsets[b + 1] - r->offsets[b];
		c = count > c ? count : c;
		u = r->used[b] > u ? r->used[b] : u;
	}
	*cu = c + 1;
	*pos = u;
}

int output_jsonl(struct sbuf *sb, const seqpack_result *r,
		 const uint32_t *lengths, unsigned emit, int timing,
		 seqpack_error *err)
{
	size_t ncu = 0, npos = 0;
	if (emit & (EMIT_CU_SEQLENS | EMIT_POSITION_IDS))
		scratch_sizes(r, &ncu, &npos);
	_cleanup_free_ int32_t *cu = NULL;
	_cleanup_free_ int32_t *pos = NULL;
	if (emit & EMIT_CU_SEQLENS) {
		cu = malloc(ncu * sizeof(*cu));
		if (!cu)
			return oom(err);
	}
	if ((emit & EMIT_POSITION_IDS) && npos) {
		pos = malloc(npos * sizeof(*pos));
		if (!pos)
			return oom(err);
	}
	for (size_t b = 0; b < r->nbins; b++) {
		sb_puts(sb, "{\"pack\":");
		sb_u64(sb, b);
		sb_puts(sb, ",\"ids\":[");
		for (uint32_t i = r->offsets[b]; i < r->offsets[b + 1]; i++) {
			if (i > r->offsets[b])
				sb_putc(sb, ',');
			sb_u64(sb, r->items[i]);
		}
		sb_puts(sb, "],\"used\":");
		sb_u64(sb, r->used[b]);
		size_t w;
		if (emit & EMIT_CU_SEQLENS) {
			int rc = seqpack_result_cu_seqlens(r, lengths, b, cu,
							   ncu, &w, err);
			if (rc)
				return rc;
			sb_puts(sb, ",\"cu_seqlens\":");
			json_i32_array(sb, cu, w);
		}
		if (emit & EMIT_POSITION_IDS) {
			int rc = seqpack_result_position_ids(r, lengths, b, pos,
							     npos, &w, err);
			if (rc)
				return rc;
			sb_puts(sb, ",\"position_ids\":");
			json_i32_array(sb, pos, w);
		}
		sb_puts(sb, "}\n");
	}
	if (emit & EMIT_METRICS) {
		sb_puts(sb, "{\"metrics\":");
		output_metrics_json(sb, &r->metrics, timing);
		sb_puts(sb, "}\n");
	}
	return SEQPACK_OK;
}

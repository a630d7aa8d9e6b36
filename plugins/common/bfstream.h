/* Streaming Best Fit and Worst Fit with a bounded number of open bins,
 * shared by the bf and wf plugins.  Open bins live in slots (reused) kept
 * in an ordered set keyed by (remaining << 32 | open rank), the rank being
 * a counter of bin openings, so every choice breaks ties to the bin opened
 * first.  A new bin beyond max_open first closes the fullest open bin
 * (least remaining, ties: opened first); a bin that can take nothing more
 * (exactly full, or max_items reached) is emitted at once; finish emits the
 * rest in opening order.  O(log max_open) per push. */
#ifndef SEQPACK_PLUGINS_BFSTREAM_H
#define SEQPACK_PLUGINS_BFSTREAM_H

#include <seqpack/plugin.h>

enum bfstream_rule { BFSTREAM_BEST, BFSTREAM_WORST };

void *bfstream_open(enum bfstream_rule rule, const seqpack_params *params,
		    seqpack_plugin_emit_fn emit, void *emit_ctx,
		    seqpack_error *err);
int bfstream_push(void *stream, uint64_t id, uint32_t length,
		  seqpack_error *err);
int bfstream_finish(void *stream, seqpack_error *err);
void bfstream_close(void *stream);

#endif

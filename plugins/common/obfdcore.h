/* The OBFD engine shared by obfd and obfdp: Best Fit Decreasing with
 * exactly BFD's bins (same bins, same order), in O(n + C) plus
 * O(log_64 C) word operations per item when the capacity C is small
 * against n, else with a radix sort and a bucketed search structure. */
#ifndef SEQPACK_PLUGINS_OBFDCORE_H
#define SEQPACK_PLUGINS_OBFDCORE_H

#include <stddef.h>
#include <stdint.h>

#include <seqpack/plugin.h>

#include "bfbucket.h"
#include "bfcap.h"
#include "bfutil.h"

/* Scratch memory of one packing thread, reused from call to call. */
struct obfd_ws {
	struct bfcap_mem cap;
	struct bfbucket_mem bucket;
	struct bfbuf hist, binof, ord;
};

void obfd_ws_free(struct obfd_ws *ws);

/* Pack len[0..n-1] (each in 1..cap) into out (arrays sized for n items and
 * n bins) with BFD's rule: stable descending order, tightest bin that fits,
 * ties to the lowest bin index, bins with maxi items (0 = no limit) closed.
 * Item indices in out are 0-based into len.  Returns SEQPACK_OK or
 * SEQPACK_ERR_NOMEM with err filled. */
int obfd_pack(struct obfd_ws *ws, const uint32_t *len, size_t n,
	      uint32_t cap, uint32_t maxi, seqpack_plugin_output *out,
	      seqpack_error *err);

/* The placement half of obfd_pack, for callers that lay out the result
 * themselves (obfdp): fills used[b] and count[b] for the *nbins bins, and
 * leaves in ws->ord.p the item of each placement step and in ws->binof.p
 * its bin (both n entries, valid until the next call on ws). */
int obfd_place(struct obfd_ws *ws, const uint32_t *len, size_t n,
	       uint32_t cap, uint32_t maxi, uint32_t *used, uint32_t *count,
	       size_t *nbins, seqpack_error *err);

#endif

/* Best Fit Decreasing, the reference implementation of the rule obfd
 * accelerates: stable descending sort, then each sequence goes to the bin
 * with the least remaining capacity that still fits it, ties to the lowest
 * bin index.  The open bins sit in one ordered set keyed by
 * (remaining, bin index), so a placement is a lower-bound search:
 * O(n log B) time, O(n) memory.  Bound: 11/9 OPT + 6/9, like FFD. */
#include <stdlib.h>

#include <seqpack/plugin.h>

#include "common/bftree.h"
#include "common/bfutil.h"
#include "common/order.h"

struct bfd_state {
	struct bfbuf ord, binof, nodes;
};

static void *bfd_state_new(void)
{
	return calloc(1, sizeof(struct bfd_state));
}

static void bfd_state_free(void *arg)
{
	struct bfd_state *st = arg;
	if (!st)
		return;
	bfbuf_free(&st->ord);
	bfbuf_free(&st->binof);
	bfbuf_free(&st->nodes);
	free(st);
}

static int bfd_run(struct bfd_state *st, const uint32_t *len, size_t n,
		   const seqpack_params *params, seqpack_plugin_output *out,
		   seqpack_error *err)
{
	const uint32_t cap = params->capacity;
	const uint32_t maxi = params->max_items ? params->max_items : UINT32_MAX;
	uint32_t *ord = bfbuf_reserve(&st->ord, n, sizeof(uint32_t));
	uint32_t *binof = bfbuf_reserve(&st->binof, n, sizeof(uint32_t));
	struct bftree t = {.node = bfbuf_reserve(&st->nodes, n + 1,
						 sizeof(struct bfnode)),
			   .root = BF_NONE};
	if (!ord || !binof || !t.node || order_desc(len, n, cap, ord))
		return bf_nomem(err, "bfd scratch");
	uint32_t *used = out->used, *count = out->offsets + 1;
	uint32_t nb = 0;
	for (size_t j = 0; j < n; j++) {
		uint32_t s = len[ord[j]];
		uint32_t b = bftree_lower_bound(&t, (uint64_t)s << 32);
		if (b == BF_NONE) {
			b = nb++;
			used[b] = 0;
			count[b] = 0;
		} else {
			bftree_remove(&t, b);
		}
		used[b] += s;
		count[b]++;
		binof[j] = b;
		if (used[b] < cap && count[b] < maxi) {
			t.node[b].key = (uint64_t)(cap - used[b]) << 32 | b;
			bftree_insert(&t, b);
		}
	}
	bf_csr(ord, binof, n, nb, out);
	return SEQPACK_OK;
}

static int bfd_pack(void *state, const uint32_t *lengths, size_t n,
		    const seqpack_params *params, seqpack_plugin_output *out,
		    seqpack_error *err)
{
	struct bfd_state *st = state, tmp = {0};
	int rc = bfd_run(st ? st : &tmp, lengths, n, params, out, err);
	if (!st) {
		bfbuf_free(&tmp.ord);
		bfbuf_free(&tmp.binof);
		bfbuf_free(&tmp.nodes);
	}
	return rc;
}

SEQPACK_PLUGIN_DEFINE(bfd,
	.name = "bfd",
	.title = "Best Fit Decreasing",
	.description = "sort descending, then the tightest bin that fits (ties: lowest index); O(n log B), <= 11/9 OPT + 6/9",
	.flags = SEQPACK_FLAG_OFFLINE,
	.state_new = bfd_state_new,
	.state_free = bfd_state_free,
	.pack = bfd_pack)

/* The daemon's answer against in-process packing: the same algorithm on
 * the same lengths and parameters must give the same bins, item for item
 * (docs/protocol.md promises identical results), so any difference is a
 * fault of the daemon, the wire or the client. */
#include <stdio.h>

#include "load.h"

int load_same_result(const seqpack_result *got, const seqpack_result *want,
		     char *why, size_t len)
{
	if (got->n != want->n) {
		snprintf(why, len, "%zu sequences, in-process %zu", got->n,
			 want->n);
		return 0;
	}
	if (got->nbins != want->nbins) {
		snprintf(why, len, "%zu bins, in-process %zu", got->nbins,
			 want->nbins);
		return 0;
	}
	for (size_t b = 0; b <= got->nbins; b++)
		if (got->offsets[b] != want->offsets[b]) {
			snprintf(why, len, "offsets[%zu] = %u, in-process %u",
				 b, got->offsets[b], want->offsets[b]);
			return 0;
		}
	for (size_t b = 0; b < got->nbins; b++)
		if (got->used[b] != want->used[b]) {
			snprintf(why, len, "bin %zu uses %u, in-process %u", b,
				 got->used[b], want->used[b]);
			return 0;
		}
	for (size_t i = 0; i < got->n; i++)
		if (got->items[i] != want->items[i]) {
			snprintf(why, len, "items[%zu] = %u, in-process %u", i,
				 got->items[i], want->items[i]);
			return 0;
		}
	return 1;
}

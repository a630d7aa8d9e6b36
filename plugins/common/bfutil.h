/* Helpers shared by the Best-Fit family plugins (bf, wf, bfd, obfd,
 * obfdp): grow-only scratch buffers kept in plugin state so repeated calls
 * through a workspace allocate nothing, and the CSR assembly of a result
 * from "bin of each placement step". */
#ifndef SEQPACK_PLUGINS_BFUTIL_H
#define SEQPACK_PLUGINS_BFUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <seqpack/plugin.h>

#define BF_NONE UINT32_MAX

/* A scratch buffer that only ever grows. */
struct bfbuf {
	void *p;
	size_t bytes;
};

/* Make b hold at least count * size bytes (contents not kept).  Returns
 * the buffer or NULL when out of memory (or on size overflow).  Three
 * kinds, by how much of the buffer a call will touch:
 * - bfbuf_reserve: all of it (sorted orders, bin of each step): 2 MiB
 *   pages when large, faulted in at once;
 * - bfbuf_lazy: a prefix that grows with the input (per-bin arrays of a
 *   whole packing): 2 MiB pages when large, faulted in as touched;
 * - bfbuf_reserve_sparse: possibly a small part (per-bin arrays of one
 *   part of the input, per-capacity lists): ordinary 4 KiB pages from
 *   malloc, so memory follows what is touched. */
void *bfbuf_reserve(struct bfbuf *b, size_t count, size_t size);
void *bfbuf_lazy(struct bfbuf *b, size_t count, size_t size);
void *bfbuf_reserve_sparse(struct bfbuf *b, size_t count, size_t size);
void bfbuf_free(struct bfbuf *b);

/* Turn the per-bin item counts in off[b + 1] (b < nbins) into the start
 * of bin b, in place. */
void bf_starts(uint32_t *off, size_t nbins);

/* Turn per-bin item counts, found in out->offsets[b + 1] for
 * b < nbins, into the CSR result.  Placement step j put item ord[j] (or j
 * when ord is NULL) into bin binof[j]; items keep placement order within
 * each bin. */
void bf_csr(const uint32_t *ord, const uint32_t *binof, size_t n,
	    size_t nbins, seqpack_plugin_output *out);

/* Set err to "out of memory" and return SEQPACK_ERR_NOMEM. */
int bf_nomem(seqpack_error *err, const char *what);

#endif

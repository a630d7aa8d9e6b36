/*
 * seqpack.h - the public API of libseqpack.
 *
 * libseqpack packs variable-length training sequences, known only by their
 * token lengths, into fixed-capacity bins ("packs").  Every packing
 * algorithm is a plugin (see <seqpack/plugin.h>) loaded by a registry.
 *
 * Conventions (the contract of every function below):
 *  - Functions that can fail return an int status (SEQPACK_OK == 0 on
 *    success, a positive seqpack_status otherwise) and, when the caller
 *    passes a non-NULL seqpack_error, fill it with a one-line message that
 *    names the offending input.
 *  - Output parameters are named ret and are only written on success.
 *  - Destructors accept NULL.
 *  - The library never prints, aborts or exits.
 *  - A registry is safe to share between threads once opened; packing calls
 *    are reentrant.  A workspace or stream belongs to one thread at a time.
 */
#ifndef SEQPACK_SEQPACK_H
#define SEQPACK_SEQPACK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest accepted capacity: lengths and capacities travel as uint32_t, and
 * keeping capacity below 2^31 leaves sums of two bins representable. */
#define SEQPACK_MAX_CAPACITY 2147483647u
/* Largest number of sequences in one packing call: indices are uint32_t. */
#define SEQPACK_MAX_SEQUENCES 4294967294u
/* Default seed of randomised algorithms (ffs) when the caller sets none. */
#define SEQPACK_DEFAULT_SEED 0x5eed5eedULL
/* Default number of size classes of Harmonic-K. */
#define SEQPACK_DEFAULT_K 10u
/* Default bound on open bins of streaming FF/BF/WF. */
#define SEQPACK_DEFAULT_MAX_OPEN 64u
/* Largest algorithm name, including its terminating NUL. */
#define SEQPACK_NAME_MAX 32u

/** Status codes.  Values are stable: they are part of the ABI and of the
 *  daemon protocol. */
typedef enum seqpack_status {
	SEQPACK_OK = 0,
	SEQPACK_ERR_INVALID = 1,     /* invalid argument (NULL, bad param) */
	SEQPACK_ERR_CAPACITY = 2,    /* capacity 0 or above the maximum */
	SEQPACK_ERR_LENGTH = 3,      /* a length is 0 or above the capacity */
	SEQPACK_ERR_NOMEM = 4,       /* out of memory */
	SEQPACK_ERR_NOT_FOUND = 5,   /* unknown algorithm */
	SEQPACK_ERR_UNSUPPORTED = 6, /* e.g. streaming an offline algorithm */
	SEQPACK_ERR_PLUGIN = 7,      /* a plugin failed or gave a wrong answer */
	SEQPACK_ERR_IO = 8,          /* I/O or socket error */
	SEQPACK_ERR_PROTOCOL = 9,    /* malformed message on the wire */
	SEQPACK_ERR_LIMIT = 10,      /* a configured limit was exceeded */
	SEQPACK_ERR_TOO_MANY = 11,   /* more sequences than SEQPACK_MAX_SEQUENCES */
	SEQPACK_ERR_VERIFY = 12,     /* a packing failed verification */
	SEQPACK_ERR_STATE = 13,      /* call not valid in the object's state */
	SEQPACK_ERR_CALLBACK = 14,   /* a caller's callback asked to stop */
	SEQPACK_ERR_PERMISSION = 15, /* access denied */
	SEQPACK_ERR_TIMEOUT = 16,    /* an operation timed out */
	SEQPACK_STATUS_COUNT_ = 17
} seqpack_status;

/** Error details: a status and a one-line, NUL-terminated message. */
typedef struct seqpack_error {
	int status;
	char message[256];
} seqpack_error;

/** Static, human-readable name of a status ("length out of range", ...).
 *  Never returns NULL. */
const char *seqpack_strerror(int status);

/** The library version as "MAJOR.MINOR.PATCH". */
const char *seqpack_version(void);

/* ------------------------------------------------------------------ */
/* Parameters                                                          */

/** Ask the library to verify the plugin's answer before returning it. */
#define SEQPACK_PARAM_VERIFY 0x1u

/** Packing parameters.  Always initialise with seqpack_params_init() so
 *  fields added later get their defaults. */
typedef struct seqpack_params {
	uint32_t capacity;  /* bin capacity in tokens, 1 .. SEQPACK_MAX_CAPACITY */
	uint32_t threads;   /* parallel algorithms: workers, 0 = one per CPU */
	uint32_t k;         /* Harmonic-K size classes, >= 1 (default 10) */
	uint32_t max_items; /* max sequences per bin, 0 = unlimited */
	uint32_t max_open;  /* streaming FF/BF/WF: max open bins (default 64) */
	uint32_t flags;     /* SEQPACK_PARAM_* */
	uint64_t seed;      /* randomised algorithms */
	uint32_t reserved[8];
} seqpack_params;

/** Fill p with defaults: capacity 0 (must be set), threads 0, k 10,
 *  max_items 0, max_open 64, flags SEQPACK_PARAM_VERIFY, seed
 *  SEQPACK_DEFAULT_SEED. */
void seqpack_params_init(seqpack_params *p);

/** Check parameters: capacity in range, k >= 1, max_open >= 1.
 *  Returns SEQPACK_OK or SEQPACK_ERR_CAPACITY / SEQPACK_ERR_INVALID. */
int seqpack_params_check(const seqpack_params *p, seqpack_error *err);

/** Check lengths against a capacity: every length in 1 .. capacity and
 *  n <= SEQPACK_MAX_SEQUENCES.  The message names the first offending
 *  index ("sequence 17 has length 5000 > capacity 4096").  Zero lengths
 *  are refused: an empty sequence carries no tokens to train on, and
 *  packing it would only add an entry to cu_seqlens. */
int seqpack_lengths_check(const uint32_t *lengths, size_t n,
			  uint32_t capacity, seqpack_error *err);

/* ------------------------------------------------------------------ */
/* Results                                                             */

/** Metrics of a packing. */
typedef struct seqpack_metrics {
	uint64_t bins;           /* number of bins */
	uint64_t total_tokens;   /* sum of all lengths */
	uint64_t capacity;       /* the capacity used */
	uint64_t padding_tokens; /* bins * capacity - total_tokens */
	/* No packing has fewer bins: ceil(total_tokens / capacity), raised
	 * to ceil(n / max_items) by seqpack_pack() and
	 * seqpack_workspace_pack() when params->max_items is set. */
	uint64_t lower_bound;
	uint64_t max_items_per_bin;
	double efficiency;       /* total / (bins * capacity); 1.0 when empty */
	double mean_items_per_bin; /* 0.0 when there are no bins */
	uint64_t elapsed_ns;     /* wall time of the plugin's pack call */
} seqpack_metrics;

/** A packing in flat (CSR) form.  Bin b holds the input indices
 *  items[offsets[b]] .. items[offsets[b+1]-1], in the order the algorithm
 *  placed them, and used[b] tokens. */
typedef struct seqpack_result {
	char algorithm[SEQPACK_NAME_MAX]; /* the plugin that packed */
	size_t n;            /* number of sequences */
	size_t nbins;        /* number of bins */
	uint32_t *items;     /* n entries */
	uint32_t *offsets;   /* nbins + 1 entries; offsets[0] = 0 */
	uint32_t *used;      /* nbins entries */
	seqpack_metrics metrics;
} seqpack_result;

/** Allocate an empty result able to hold n sequences in at most n bins
 *  (every packing fits).  Used by plugins' callers and the client. */
int seqpack_result_new(size_t n, seqpack_result **ret, seqpack_error *err);

/** Free a result and its arrays.  Accepts NULL; returns NULL.  The
 *  arrays of a result made by the library belong to it: do not free or
 *  realloc them on their own (large ones are not from malloc). */
seqpack_result *seqpack_result_free(seqpack_result *r);

/** Recompute r->metrics (all but elapsed_ns) from r and the lengths.
 *  Having no params, it gives the token bound ceil(total / capacity) as
 *  lower_bound; the max_items bound is the packing calls' to add. */
void seqpack_metrics_compute(seqpack_result *r, const uint32_t *lengths,
			     uint32_t capacity);

/** Verify a packing in O(n + nbins): offsets monotone from 0 to n, every
 *  input index in exactly one bin, used[b] equal to the sum of its lengths,
 *  no bin over capacity, no bin empty, at most params->max_items items per
 *  bin when set.  Returns SEQPACK_OK or SEQPACK_ERR_VERIFY with a message
 *  naming the bin or index at fault. */
int seqpack_verify(const uint32_t *lengths, size_t n,
		   const seqpack_params *params, const seqpack_result *r,
		   seqpack_error *err);

/** Varlen attention inputs of one pack (since SEQPACK_0.1).
 *
 *  seqpack_result_cu_seqlens() writes the cumulative sequence lengths of
 *  bin: count + 1 entries 0, l0, l0+l1, ..., used[bin], where count =
 *  offsets[bin+1] - offsets[bin] and li = lengths[items[offsets[bin]+i]],
 *  in the order the bin holds them.  seqpack_result_position_ids() writes
 *  each sequence's positions restarting at 0: 0..l0-1, 0..l1-1, ...,
 *  used[bin] entries in all.
 *
 *  The entries are int32_t because flash-attn's varlen kernels take
 *  cu_seqlens as torch.int32, so out can be such a tensor's memory; every
 *  value is at most used[bin] <= SEQPACK_MAX_CAPACITY = INT32_MAX, so it
 *  always fits.
 *
 *  lengths are the n lengths r was packed from (indexed by the input
 *  index).  out holds out_len entries and belongs to the caller: nothing
 *  is allocated.  On success *written is the number of entries written.
 *  out may be NULL when out_len is 0: then nothing is written and
 *  *written is the number of entries needed.
 *
 *  SEQPACK_ERR_INVALID, out and *written untouched, when r, lengths or
 *  written is NULL, out is NULL with out_len > 0, bin >= r->nbins,
 *  out_len is below the size needed (the message names it), a bin's item
 *  is not below r->n or the bin's lengths do not sum to used[bin] (the
 *  message names the bin).  Reads r and lengths only: any thread may call
 *  it while no one modifies them. */
int seqpack_result_cu_seqlens(const seqpack_result *r,
			      const uint32_t *lengths, size_t bin,
			      int32_t *out, size_t out_len, size_t *written,
			      seqpack_error *err);

/** Position ids of bin; see seqpack_result_cu_seqlens(). */
int seqpack_result_position_ids(const seqpack_result *r,
				const uint32_t *lengths, size_t bin,
				int32_t *out, size_t out_len,
				size_t *written, seqpack_error *err);

/* ------------------------------------------------------------------ */
/* Registry                                                            */

/** Plugin capability flags (also used in <seqpack/plugin.h>). */
#define SEQPACK_FLAG_OFFLINE    0x01u /* needs all lengths up front */
#define SEQPACK_FLAG_ONLINE     0x02u /* places each item on arrival */
#define SEQPACK_FLAG_STREAMING  0x04u /* implements the stream hooks */
#define SEQPACK_FLAG_PARALLEL   0x08u /* uses params.threads */
#define SEQPACK_FLAG_RANDOMISED 0x10u /* uses params.seed */

/** What the registry knows of one loaded plugin. */
typedef struct seqpack_plugin_info {
	const char *name;        /* short name, [a-z0-9]+ */
	const char *title;       /* e.g. "Best Fit Decreasing" */
	const char *description; /* one line */
	uint32_t flags;          /* SEQPACK_FLAG_* */
	const char *path;        /* file it was loaded from */
} seqpack_plugin_info;

typedef struct seqpack_registry seqpack_registry;

/** Load every plugin found on search_path, a colon-separated list of
 *  directories scanned in order (the first plugin of a name wins).  When
 *  search_path is NULL, use $SEQPACK_PLUGIN_PATH (ignored in setuid
 *  programs) followed by the installed plugin directory.  Plugins that fail
 *  to load are skipped and recorded as diagnostics.  A registry with zero
 *  plugins is not an error.  Thread-safe: libltdl calls are serialised. */
int seqpack_registry_open(const char *search_path, seqpack_registry **ret,
			  seqpack_error *err);

/** Take a reference; returns reg. */
seqpack_registry *seqpack_registry_ref(seqpack_registry *reg);

/** Drop a reference; the last one unloads the plugins.  Accepts NULL;
 *  returns NULL. */
seqpack_registry *seqpack_registry_unref(seqpack_registry *reg);

/** The installed plugin directory compiled into the library. */
const char *seqpack_registry_default_dir(void);

/** Number of loaded plugins. */
size_t seqpack_registry_count(const seqpack_registry *reg);

/** Plugin i (0 .. count-1) in load order, or NULL when out of range. */
const seqpack_plugin_info *seqpack_registry_get(const seqpack_registry *reg,
						size_t i);

/** The plugin called name, or NULL. */
const seqpack_plugin_info *seqpack_registry_find(const seqpack_registry *reg,
						 const char *name);

/** Number of diagnostics ("skipping FILE: reason") recorded while loading. */
size_t seqpack_registry_diagnostic_count(const seqpack_registry *reg);

/** Diagnostic i, or NULL when out of range. */
const char *seqpack_registry_diagnostic(const seqpack_registry *reg,
					size_t i);

/* ------------------------------------------------------------------ */
/* Packing                                                             */

/** Pack n lengths with the named algorithm.  Validates params and
 *  lengths, runs the plugin, verifies its answer when
 *  params->flags & SEQPACK_PARAM_VERIFY, and fills the metrics.
 *  Unknown algorithm: SEQPACK_ERR_NOT_FOUND, the message lists the loaded
 *  ones.  On success *ret is a new result to free with
 *  seqpack_result_free(). */
int seqpack_pack(const seqpack_registry *reg, const char *algorithm,
		 const uint32_t *lengths, size_t n,
		 const seqpack_params *params, seqpack_result **ret,
		 seqpack_error *err);

/** A workspace keeps plugin state (scratch memory, thread pools) and the
 *  result buffers between calls, so repeated packing (a data loader, the
 *  daemon) pays no allocation or page faults after the first call.  It
 *  holds a reference on its registry.  One thread at a time. */
typedef struct seqpack_workspace seqpack_workspace;

/** Create a workspace on reg. */
int seqpack_workspace_new(seqpack_registry *reg, seqpack_workspace **ret,
			  seqpack_error *err);

/** Free a workspace.  Accepts NULL; returns NULL. */
seqpack_workspace *seqpack_workspace_free(seqpack_workspace *ws);

/** Like seqpack_pack(), but *ret points into the workspace: it stays valid
 *  until the next call on ws or its free, and must not be freed. */
int seqpack_workspace_pack(seqpack_workspace *ws, const char *algorithm,
			   const uint32_t *lengths, size_t n,
			   const seqpack_params *params,
			   const seqpack_result **ret, seqpack_error *err);

/* ------------------------------------------------------------------ */
/* Streaming                                                           */

/** Called once per closed pack, in pack order (pack = 0, 1, 2, ...).
 *  ids are the caller's ids in placement order.  A pack once emitted is
 *  final.  Return 0 to go on, non-zero to make the current push/finish
 *  fail with SEQPACK_ERR_CALLBACK (no pack reaches the callback after
 *  that).  The callback runs inside push or finish, on the caller's
 *  thread: it must not push to or finish its own stream (refused with
 *  SEQPACK_ERR_STATE); freeing it there takes effect when the plugin
 *  returns, and that push/finish then returns SEQPACK_ERR_STATE (the
 *  stream is gone: do not use it again). */
typedef int (*seqpack_pack_cb)(void *ctx, uint64_t pack, const uint64_t *ids,
			       size_t count, uint64_t used);

typedef struct seqpack_stream seqpack_stream;

/** Open a stream on an algorithm with SEQPACK_FLAG_STREAMING (else
 *  SEQPACK_ERR_UNSUPPORTED, naming the algorithm).  The stream holds a
 *  reference on reg. */
int seqpack_stream_open(seqpack_registry *reg, const char *algorithm,
			const seqpack_params *params, seqpack_pack_cb cb,
			void *ctx, seqpack_stream **ret, seqpack_error *err);

/** Add one sequence.  The length is checked against the capacity. */
int seqpack_stream_push(seqpack_stream *s, uint64_t id, uint32_t length,
			seqpack_error *err);

/** Emit every pack still open.  After finish only free is valid.
 *  SEQPACK_ERR_VERIFY when the plugin did not emit every sequence
 *  pushed (or emitted a pack that breaks the rules at any point). */
int seqpack_stream_finish(seqpack_stream *s, seqpack_error *err);

/** Number of packs emitted so far. */
uint64_t seqpack_stream_packs(const seqpack_stream *s);

/** Free a stream (open packs not finished are dropped).  Accepts NULL;
 *  returns NULL. */
seqpack_stream *seqpack_stream_free(seqpack_stream *s);

#ifdef __cplusplus
}
#endif

#endif /* SEQPACK_SEQPACK_H */

/*
 * plugin.h - the ABI between libseqpack and its algorithm plugins.
 *
 * A plugin is a libtool module (-module -avoid-version) named after its
 * algorithm (nf.so holds "nf").  It exports exactly one symbol,
 * <name>_LTX_seqpack_plugin_entry, which returns a pointer to a constant
 * descriptor; no code of the plugin runs at load time.  Write it with
 * SEQPACK_PLUGIN_DEFINE() below.
 *
 * ABI rule: the core accepts a descriptor when its abi_version has the
 * core's major (SEQPACK_PLUGIN_ABI_MAJOR) and a minor not newer than the
 * core's, its struct_size covers every field the core reads, and its name
 * is [a-z0-9]+, at most 31 characters, equal to the module's file name.
 * Fields are only ever appended; a change to an existing field bumps the
 * major and every plugin must be rebuilt.
 *
 * What the core guarantees before calling pack(): params passed
 * seqpack_params_check(), every length is in 1 .. params->capacity, and
 * n <= SEQPACK_MAX_SEQUENCES.  What the plugin must deliver: out->nbins
 * bins in out->offsets/items/used (see seqpack_result), a permutation of
 * 0 .. n-1 with no bin over capacity, no empty bin and at most
 * params->max_items items per bin when max_items != 0.  The core verifies
 * this whenever SEQPACK_PARAM_VERIFY is set (always in the daemon).
 */
#ifndef SEQPACK_PLUGIN_H
#define SEQPACK_PLUGIN_H

#include <seqpack/seqpack.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEQPACK_PLUGIN_ABI_MAJOR 1u
#define SEQPACK_PLUGIN_ABI_MINOR 0u
#define SEQPACK_PLUGIN_ABI_VERSION \
	((SEQPACK_PLUGIN_ABI_MAJOR << 16) | SEQPACK_PLUGIN_ABI_MINOR)

/** Where pack() writes its answer.  The core allocates every array for the
 *  worst case (n bins) before the call, so the plugin never allocates
 *  output: items has n entries, offsets n + 1, used max(n, 1). */
typedef struct seqpack_plugin_output {
	uint32_t *items;
	uint32_t *offsets;
	uint32_t *used;
	size_t nbins; /* set by the plugin */
} seqpack_plugin_output;

/** Emit callback handed to stream_open(): call it once per closed pack.
 *  A non-zero return must be passed back as the push/finish status; the
 *  core refuses every later emit of the stream and fails the call with
 *  its own status even when the plugin returns SEQPACK_OK.  By finish
 *  every sequence pushed must have been emitted exactly once. */
typedef int (*seqpack_plugin_emit_fn)(void *emit_ctx, const uint64_t *ids,
				      size_t count, uint64_t used);

/** The descriptor.  Optional hooks may be NULL. */
typedef struct seqpack_plugin {
	uint32_t abi_version; /* SEQPACK_PLUGIN_ABI_VERSION */
	uint32_t struct_size; /* sizeof(seqpack_plugin) */
	const char *name;
	const char *title;
	const char *description;
	uint32_t flags;       /* SEQPACK_FLAG_* */
	uint32_t reserved0;

	/* Optional per-caller state (scratch buffers, thread pool) kept by a
	 * seqpack_workspace between calls.  state_new returns NULL on
	 * failure; pack() receives NULL when state_new is NULL, and must
	 * then work without state. */
	void *(*state_new)(void);
	void (*state_free)(void *state);

	/* Required.  Returns SEQPACK_OK or a status with err filled. */
	int (*pack)(void *state, const uint32_t *lengths, size_t n,
		    const seqpack_params *params, seqpack_plugin_output *out,
		    seqpack_error *err);

	/* Streaming (required with SEQPACK_FLAG_STREAMING).  The core checks
	 * each length before push and numbers the packs.  Threads: the core
	 * calls one stream's hooks from one thread at a time and never
	 * re-entrantly (the caller's callback cannot push into the stream
	 * emit is running for), so a stream needs no lock; different
	 * streams, and pack() on different states, may run at once on
	 * different threads. */
	void *(*stream_open)(const seqpack_params *params,
			     seqpack_plugin_emit_fn emit, void *emit_ctx,
			     seqpack_error *err);
	int (*stream_push)(void *stream, uint64_t id, uint32_t length,
			   seqpack_error *err);
	int (*stream_finish)(void *stream, seqpack_error *err);
	void (*stream_close)(void *stream);

	void *reserved[8];
} seqpack_plugin;

/** Name of the entry point a module exports, after its "<name>_LTX_"
 *  prefix (libltdl strips the prefix, so static preloading works). */
#define SEQPACK_PLUGIN_ENTRY "seqpack_plugin_entry"

#if defined(__GNUC__)
#define SEQPACK_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define SEQPACK_PLUGIN_EXPORT
#endif

/** Define the descriptor and entry point of module modname.  The variadic
 *  part lists designated initialisers for the remaining fields:
 *
 *      SEQPACK_PLUGIN_DEFINE(nf,
 *          .name = "nf", .title = "Next Fit",
 *          .description = "...", .flags = SEQPACK_FLAG_ONLINE,
 *          .pack = nf_pack)
 */
#define SEQPACK_PLUGIN_DEFINE(modname, ...)                                 \
	SEQPACK_PLUGIN_EXPORT const seqpack_plugin *                        \
		modname##_LTX_seqpack_plugin_entry(void);                   \
	SEQPACK_PLUGIN_EXPORT const seqpack_plugin *                        \
		modname##_LTX_seqpack_plugin_entry(void)                    \
	{                                                                   \
		static const seqpack_plugin desc = {                        \
			.abi_version = SEQPACK_PLUGIN_ABI_VERSION,          \
			.struct_size = sizeof(seqpack_plugin),              \
			__VA_ARGS__};                                       \
		return &desc;                                               \
	}

#ifdef __cplusplus
}
#endif

#endif /* SEQPACK_PLUGIN_H */

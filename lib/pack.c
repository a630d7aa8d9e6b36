/* Packing calls: one-shot and through a reusable workspace. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "registry-internal.h"
#include "util-internal.h"

/* seqpack_metrics_fill_() knows only the tokens; with at most max_items
 * per bin, n sequences also need ceil(n / max_items) bins, and the
 * bound is the larger of the two. */
static void raise_bound_for_items(seqpack_metrics *m, size_t n,
				  uint32_t max_items)
{
	if (!max_items)
		return;
	uint64_t by_items = ((uint64_t)n + max_items - 1) / max_items;
	if (by_items > m->lower_bound)
		m->lower_bound = by_items;
}

/* Run plugin e on prepared output arrays in r (sized for r->n), then
 * check, verify and measure its answer. */
static int run_plugin(const struct plugin_entry *e, void *state,
		      const uint32_t *lengths, size_t n,
		      const seqpack_params *params, uint64_t total,
		      seqpack_result *r, seqpack_error *err)
{
	seqpack_plugin_output out = {.items = r->items,
				     .offsets = r->offsets,
				     .used = r->used,
				     .nbins = 0};
	seqpack_error perr = {0};
	r->offsets[0] = 0;
	uint64_t t0 = util_now_ns();
	int rc = e->desc->pack(state, lengths, n, params, &out, &perr);
	uint64_t t1 = util_now_ns();
	if (rc != SEQPACK_OK) {
		rc = plugin_status(rc);
		return seterr(err, rc, "%s: %s", e->info.name,
			      perr.message[0] ? perr.message
					      : seqpack_strerror(rc));
	}
	if (out.nbins > n || (n > 0 && out.nbins == 0))
		return seterr(err, SEQPACK_ERR_VERIFY,
			      "plugin %s returned %zu bins for %zu sequences",
			      e->info.name, out.nbins, n);
	r->nbins = out.nbins;
	r->n = n;
	snprintf(r->algorithm, sizeof(r->algorithm), "%s", e->info.name);
	if (params->flags & SEQPACK_PARAM_VERIFY) {
		seqpack_error verr;
		rc = seqpack_verify(lengths, n, params, r, &verr);
		if (rc != SEQPACK_OK)
			return seterr(err, rc, "plugin %s gave a wrong packing: %s",
				      e->info.name, verr.message);
	}
	seqpack_metrics_fill_(r, total, params->capacity);
	raise_bound_for_items(&r->metrics, n, params->max_items);
	r->metrics.elapsed_ns = t1 - t0;
	return SEQPACK_OK;
}

static int check_call(const seqpack_registry *reg, const char *algorithm,
		      const uint32_t *lengths, size_t n,
		      const seqpack_params *params, uint64_t *total,
		      const struct plugin_entry **ret, seqpack_error *err)
{
	if (!reg || !algorithm)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "registry and algorithm name are required");
	int rc = seqpack_params_check(params, err);
	if (rc != SEQPACK_OK)
		return rc;
	rc = seqpack_lengths_sum_(lengths, n, params->capacity, total, err);
	if (rc != SEQPACK_OK)
		return rc;
	const struct plugin_entry *e = registry_lookup(reg, algorithm);
	if (!e)
		return registry_not_found(reg, algorithm, err);
	*ret = e;
	return SEQPACK_OK;
}

SEQPACK_EXPORT int seqpack_pack(const seqpack_registry *reg,
				const char *algorithm, const uint32_t *lengths,
				size_t n, const seqpack_params *params,
				seqpack_result **ret, seqpack_error *err)
{
	const struct plugin_entry *e;
	uint64_t total = 0;
	if (!ret)
		return seterr(err, SEQPACK_ERR_INVALID, "ret is NULL");
	int rc = check_call(reg, algorithm, lengths, n, params, &total,
			    &e, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_result *r;
	rc = seqpack_result_new(n, &r, err);
	if (rc != SEQPACK_OK)
		return rc;
	void *state = NULL;
	if (e->desc->state_new && !(state = e->desc->state_new())) {
		seqpack_result_free(r);
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "%s: cannot allocate plugin state", algorithm);
	}
	rc = run_plugin(e, state, lengths, n, params, total, r, err);
	if (state)
		e->desc->state_free(state);
	if (rc != SEQPACK_OK) {
		seqpack_result_free(r);
		return rc;
	}
	*ret = r;
	return SEQPACK_OK;
}

struct seqpack_workspace {
	seqpack_registry *reg;
	void **states;       /* one per registry plugin, made on first use */
	seqpack_result result;
	size_t cap;          /* sequences the result arrays can hold */
};

SEQPACK_EXPORT int seqpack_workspace_new(seqpack_registry *reg,
					 seqpack_workspace **ret,
					 seqpack_error *err)
{
	if (!reg || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "registry and ret are required");
	seqpack_workspace *ws = calloc(1, sizeof(*ws));
	if (!ws)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	ws->states = calloc(reg->count + 1, sizeof(void *));
	if (!ws->states) {
		free(ws);
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	}
	ws->reg = seqpack_registry_ref(reg);
	*ret = ws;
	return SEQPACK_OK;
}

SEQPACK_EXPORT seqpack_workspace *seqpack_workspace_free(seqpack_workspace *ws)
{
	if (!ws)
		return NULL;
	for (size_t i = 0; i < ws->reg->count; i++)
		if (ws->states[i])
			ws->reg->plugins[i].desc->state_free(ws->states[i]);
	free(ws->states);
	seqpack_result_arrays_free_(&ws->result);
	seqpack_registry_unref(ws->reg);
	free(ws);
	return NULL;
}

static int grow(seqpack_workspace *ws, size_t n, seqpack_error *err)
{
	if (n <= ws->cap && ws->result.items)
		return SEQPACK_OK;
	if (n >= SIZE_MAX / sizeof(uint32_t)) /* 32-bit size_t */
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "%zu sequences do not fit in memory", n);
	/* The old contents are not needed, so no realloc copy. */
	seqpack_result_arrays_free_(&ws->result);
	ws->cap = 0;
	if (seqpack_result_arrays_(&ws->result, n + 1) != SEQPACK_OK) {
		seqpack_result_arrays_free_(&ws->result);
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "out of memory for a result of %zu sequences", n);
	}
	ws->cap = n;
	return SEQPACK_OK;
}

SEQPACK_EXPORT int seqpack_workspace_pack(seqpack_workspace *ws,
					  const char *algorithm,
					  const uint32_t *lengths, size_t n,
					  const seqpack_params *params,
					  const seqpack_result **ret,
					  seqpack_error *err)
{
	const struct plugin_entry *e;
	uint64_t total = 0;
	if (!ws || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "workspace and ret are required");
	int rc = check_call(ws->reg, algorithm, lengths, n, params,
			    &total, &e, err);
	if (rc != SEQPACK_OK)
		return rc;
	rc = grow(ws, n, err);
	if (rc != SEQPACK_OK)
		return rc;
	size_t idx = (size_t)(e - ws->reg->plugins);
	if (e->desc->state_new && !ws->states[idx] &&
	    !(ws->states[idx] = e->desc->state_new()))
		return seterr(err, SEQPACK_ERR_NOMEM,
			      "%s: cannot allocate plugin state", algorithm);
	ws->result.n = n;
	rc = run_plugin(e, ws->states[idx], lengths, n, params, total,
			&ws->result, err);
	if (rc != SEQPACK_OK)
		return rc;
	*ret = &ws->result;
	return SEQPACK_OK;
}

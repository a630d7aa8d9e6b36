/* Streaming: the core side of a plugin's stream hooks.  The core checks
 * every length, numbers the packs and checks each emitted pack before the
 * caller sees it, so a faulty plugin cannot hand out an over-full pack;
 * it counts the sequences in and out, so a plugin that loses one (or
 * goes on emitting after it was told to stop) fails the stream instead
 * of passing silently; and it keeps the caller's callback from
 * re-entering the stream that is calling it. */
#include <stdio.h>
#include <stdlib.h>

#include "registry-internal.h"
#include "util-internal.h"

struct seqpack_stream {
	seqpack_registry *reg;
	const struct plugin_entry *e;
	void *ps; /* the plugin's stream */
	seqpack_params params;
	seqpack_pack_cb cb;
	void *ctx;
	uint64_t packs;
	uint64_t pushed, emitted; /* sequences into the plugin and out */
	int finished;
	int stop;         /* why emit refuses everything now, or SEQPACK_OK */
	int plugin_fault; /* an emitted pack broke the rules */
	int in_call;      /* inside the plugin: the callback may run */
	int free_pending; /* freed from its own callback */
	char fault[200];
};

static int emit(void *arg, const uint64_t *ids, size_t count, uint64_t used)
{
	seqpack_stream *s = arg;
	/* Once refused, always refused: a plugin that ignores the refusal
	 * must not get more packs past it. */
	if (s->stop != SEQPACK_OK)
		return s->stop;
	if (count == 0 || used > s->params.capacity ||
	    (s->params.max_items && count > s->params.max_items) ||
	    count > s->pushed - s->emitted) {
		s->plugin_fault = 1;
		snprintf(s->fault, sizeof(s->fault),
			 "plugin %s emitted pack %llu with %zu sequences and %llu tokens (capacity %u, max_items %u, %llu sequences not yet emitted)",
			 s->e->info.name, (unsigned long long)s->packs, count,
			 (unsigned long long)used, s->params.capacity,
			 s->params.max_items,
			 (unsigned long long)(s->pushed - s->emitted));
		return s->stop = SEQPACK_ERR_VERIFY;
	}
	uint64_t pack = s->packs++;
	s->emitted += count;
	if (s->cb(s->ctx, pack, ids, count, used) != 0)
		return s->stop = SEQPACK_ERR_CALLBACK;
	return SEQPACK_OK;
}

/* The caller may not push or finish from the stream's own callback (the
 * plugin is in the middle of a call and its state is not consistent). */
static int check_entry(const seqpack_stream *s, seqpack_error *err)
{
	if (!s)
		return seterr(err, SEQPACK_ERR_INVALID, "stream is NULL");
	if (s->in_call)
		return seterr(err, SEQPACK_ERR_STATE,
			      "stream used from its own pack callback");
	return SEQPACK_OK;
}

static void stream_destroy(seqpack_stream *s)
{
	s->e->desc->stream_close(s->ps);
	seqpack_registry_unref(s->reg);
	free(s);
}

/* After the plugin returned: a stream freed by its callback meanwhile is
 * destroyed now, and the call says so. */
static int leave_call(seqpack_stream *s, int rc, seqpack_error *err)
{
	s->in_call = 0;
	if (!s->free_pending)
		return rc;
	stream_destroy(s);
	return seterr(err, SEQPACK_ERR_STATE,
		      "stream freed from its own pack callback");
}

SEQPACK_EXPORT int seqpack_stream_open(seqpack_registry *reg,
				       const char *algorithm,
				       const seqpack_params *params,
				       seqpack_pack_cb cb, void *ctx,
				       seqpack_stream **ret, seqpack_error *err)
{
	if (!reg || !algorithm || !cb || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "registry, algorithm, callback and ret are required");
	int rc = seqpack_params_check(params, err);
	if (rc != SEQPACK_OK)
		return rc;
	const struct plugin_entry *e = registry_lookup(reg, algorithm);
	if (!e)
		return registry_not_found(reg, algorithm, err);
	if (!(e->info.flags & SEQPACK_FLAG_STREAMING)) {
		char names[160];
		return seterr(err, SEQPACK_ERR_UNSUPPORTED,
			      "algorithm '%s' is offline and cannot stream (streaming algorithms: %s)",
			      algorithm,
			      registry_names(reg, SEQPACK_FLAG_STREAMING, names,
					     sizeof(names)));
	}
	seqpack_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	s->e = e;
	s->params = *params;
	s->cb = cb;
	s->ctx = ctx;
	seqpack_error perr = {0};
	s->ps = e->desc->stream_open(&s->params, emit, s, &perr);
	if (!s->ps) {
		free(s);
		return seterr(err, plugin_status(perr.status),
			      "%s: %s", algorithm,
			      perr.message[0] ? perr.message
					      : "cannot open stream");
	}
	s->reg = seqpack_registry_ref(reg);
	*ret = s;
	return SEQPACK_OK;
}

static int after_plugin(seqpack_stream *s, int rc, seqpack_error *perr,
			seqpack_error *err)
{
	/* The core's own refusal wins over what the plugin returned: a
	 * plugin may drop emit's status, not turn it into success. */
	if (s->stop != SEQPACK_OK)
		rc = s->stop;
	if (rc == SEQPACK_OK)
		return SEQPACK_OK;
	s->finished = 1; /* a failed stream accepts nothing more */
	if (s->plugin_fault)
		return seterr(err, SEQPACK_ERR_VERIFY, "%s", s->fault);
	if (rc == SEQPACK_ERR_CALLBACK)
		/* packs counts the refused pack too: name its number. */
		return seterr(err, rc, "the pack callback asked to stop after pack %llu",
			      (unsigned long long)(s->packs - 1));
	rc = plugin_status(rc);
	return seterr(err, rc, "%s: %s", s->e->info.name,
		      perr->message[0] ? perr->message : seqpack_strerror(rc));
}

SEQPACK_EXPORT int seqpack_stream_push(seqpack_stream *s, uint64_t id,
				       uint32_t length, seqpack_error *err)
{
	int rc = check_entry(s, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (s->finished)
		return seterr(err, SEQPACK_ERR_STATE,
			      "stream is finished or failed; no more pushes");
	rc = seqpack_length_check_(id, length, s->params.capacity, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_error perr = {0};
	s->pushed++;
	s->in_call = 1;
	rc = s->e->desc->stream_push(s->ps, id, length, &perr);
	rc = after_plugin(s, rc, &perr, err);
	return leave_call(s, rc, err);
}

SEQPACK_EXPORT int seqpack_stream_finish(seqpack_stream *s, seqpack_error *err)
{
	int rc = check_entry(s, err);
	if (rc != SEQPACK_OK)
		return rc;
	if (s->finished)
		return seterr(err, SEQPACK_ERR_STATE,
			      "stream is already finished or failed");
	seqpack_error perr = {0};
	s->in_call = 1;
	rc = s->e->desc->stream_finish(s->ps, &perr);
	rc = after_plugin(s, rc, &perr, err);
	if (rc == SEQPACK_OK && s->emitted != s->pushed)
		rc = seterr(err, SEQPACK_ERR_VERIFY,
			    "plugin %s emitted %llu of the %llu sequences pushed",
			    s->e->info.name, (unsigned long long)s->emitted,
			    (unsigned long long)s->pushed);
	s->finished = 1;
	return leave_call(s, rc, err);
}

SEQPACK_EXPORT uint64_t seqpack_stream_packs(const seqpack_stream *s)
{
	return s ? s->packs : 0;
}

SEQPACK_EXPORT seqpack_stream *seqpack_stream_free(seqpack_stream *s)
{
	if (!s)
		return NULL;
	if (s->in_call)
		s->free_pending = 1; /* destroyed when the plugin returns */
	else
		stream_destroy(s);
	return NULL;
}

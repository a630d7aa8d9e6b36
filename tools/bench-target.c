/* The two things seqpack bench can time: a workspace in this process, or
 * the daemon through the client API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/client.h>

#include "bench-target.h"

static void set_err(seqpack_error *err, int status, const char *msg)
{
	err->status = status;
	snprintf(err->message, sizeof(err->message), "%s", msg);
}

static int local_open(const struct bench_target *tg, void **ctx,
		      seqpack_error *err)
{
	seqpack_workspace *ws;
	int rc = seqpack_workspace_new(tg->reg, &ws, err);
	if (rc == SEQPACK_OK)
		*ctx = ws;
	return rc;
}

static int local_pack(void *ctx, const char *algorithm,
		      const uint32_t *lengths, size_t n,
		      const seqpack_params *params, const seqpack_result **ret,
		      seqpack_error *err)
{
	return seqpack_workspace_pack(ctx, algorithm, lengths, n, params, ret,
				      err);
}

static void local_close(void *ctx)
{
	seqpack_workspace_free(ctx);
}

/* A connection.  Its results point into the client and stay valid until
 * the next call, as a workspace's do, so both sides are timed the way a
 * caller that packs repeatedly would use them. */
struct remote {
	seqpack_client *client;
};

static int remote_open(const struct bench_target *tg, void **ctx,
		       seqpack_error *err)
{
	struct remote *r = calloc(1, sizeof(*r));
	if (!r) {
		set_err(err, SEQPACK_ERR_NOMEM, "out of memory");
		return SEQPACK_ERR_NOMEM;
	}
	int rc = seqpack_client_connect(tg->socket, &r->client, err);
	if (rc != SEQPACK_OK) {
		free(r);
		return rc;
	}
	*ctx = r;
	return SEQPACK_OK;
}

static int remote_pack(void *ctx, const char *algorithm,
		       const uint32_t *lengths, size_t n,
		       const seqpack_params *params, const seqpack_result **ret,
		       seqpack_error *err)
{
	struct remote *r = ctx;
	return seqpack_client_pack_reuse(r->client, algorithm, lengths, n,
					 params, ret, err);
}

static void remote_close(void *ctx)
{
	struct remote *r = ctx;
	seqpack_client_close(r->client);
	free(r);
}

static int remote_init(struct bench_target *tg, seqpack_error *err)
{
	seqpack_client *c;
	int rc = seqpack_client_connect(tg->socket, &c, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_algorithm_list *l;
	rc = seqpack_client_list(c, &l, err);
	seqpack_client_close(c);
	if (rc != SEQPACK_OK)
		return rc;
	tg->list = l;
	tg->names = calloc(l->count ? l->count : 1, sizeof(char *));
	if (!tg->names) {
		set_err(err, SEQPACK_ERR_NOMEM, "out of memory");
		return SEQPACK_ERR_NOMEM;
	}
	for (size_t i = 0; i < l->count; i++)
		tg->names[i] = l->algorithms[i].name;
	tg->nnames = l->count;
	tg->open = remote_open;
	tg->pack = remote_pack;
	tg->close = remote_close;
	return SEQPACK_OK;
}

int bench_target_init(struct bench_target *tg, seqpack_registry *reg,
		      const char *socket, seqpack_error *err)
{
	memset(tg, 0, sizeof(*tg));
	if (socket) {
		tg->socket = socket;
		return remote_init(tg, err);
	}
	tg->reg = reg;
	size_t n = seqpack_registry_count(reg);
	tg->names = calloc(n ? n : 1, sizeof(char *));
	if (!tg->names) {
		set_err(err, SEQPACK_ERR_NOMEM, "out of memory");
		return SEQPACK_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		tg->names[i] = seqpack_registry_get(reg, i)->name;
	tg->nnames = n;
	tg->open = local_open;
	tg->pack = local_pack;
	tg->close = local_close;
	return SEQPACK_OK;
}

void bench_target_fini(struct bench_target *tg)
{
	free(tg->names);
	seqpack_algorithm_list_free(tg->list);
	memset(tg, 0, sizeof(*tg));
}

int bench_target_all(const struct bench_target *tg, const char **names,
		     size_t max, size_t *count, seqpack_error *err)
{
	if (tg->nnames == 0) {
		set_err(err, SEQPACK_ERR_NOT_FOUND,
			tg->socket ? "the daemon serves no algorithm"
				   : "no algorithm plugin found (is SEQPACK_PLUGIN_PATH right?)");
		return SEQPACK_ERR_NOT_FOUND;
	}
	size_t n = tg->nnames < max ? tg->nnames : max;
	for (size_t i = 0; i < n; i++)
		names[i] = tg->names[i];
	*count = n;
	return SEQPACK_OK;
}

int bench_target_check(const struct bench_target *tg, const char *algorithm,
		       seqpack_error *err)
{
	for (size_t i = 0; i < tg->nnames; i++)
		if (strcmp(tg->names[i], algorithm) == 0)
			return SEQPACK_OK;
	char msg[sizeof(err->message)];
	if (tg->nnames == 0) {
		snprintf(msg, sizeof(msg),
			 "unknown algorithm '%.64s' (no algorithm loaded%s)",
			 algorithm,
			 tg->socket ? "" : "; is SEQPACK_PLUGIN_PATH right?");
		set_err(err, SEQPACK_ERR_NOT_FOUND, msg);
		return SEQPACK_ERR_NOT_FOUND;
	}
	size_t len = 0;
	len += (size_t)snprintf(msg, sizeof(msg),
				"unknown algorithm '%.64s' (available:",
				algorithm);
	for (size_t i = 0; i < tg->nnames && len < sizeof(msg); i++)
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%s",
					i ? ", " : " ", tg->names[i]);
	if (len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, ")");
	set_err(err, SEQPACK_ERR_NOT_FOUND, msg);
	return SEQPACK_ERR_NOT_FOUND;
}

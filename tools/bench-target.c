/* The two things seqpack bench can time: a workspace in this process, or
 * the daemon through the client API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-target.h"

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

static void set_err(seqpack_error *err, int status, const char *msg)
{
	err->status = status;
	snprintf(err->message, sizeof(err->message), "%s", msg);
}

int bench_target_init(struct bench_target *tg, const char *socket,
		      seqpack_error *err)
{
	memset(tg, 0, sizeof(*tg));
	if (socket) {
		set_err(err, SEQPACK_ERR_UNSUPPORTED,
			"--socket: this build has no daemon client");
		return SEQPACK_ERR_UNSUPPORTED;
	}
	int rc = seqpack_registry_open(NULL, &tg->reg, err);
	if (rc != SEQPACK_OK)
		return rc;
	tg->open = local_open;
	tg->pack = local_pack;
	tg->close = local_close;
	return SEQPACK_OK;
}

void bench_target_fini(struct bench_target *tg)
{
	seqpack_registry_unref(tg->reg);
	memset(tg, 0, sizeof(*tg));
}

int bench_target_all(const struct bench_target *tg, const char **names,
		     size_t max, size_t *count, seqpack_error *err)
{
	size_t n = seqpack_registry_count(tg->reg);
	if (n == 0) {
		set_err(err, SEQPACK_ERR_NOT_FOUND,
			"no algorithm plugin found (is SEQPACK_PLUGIN_PATH right?)");
		return SEQPACK_ERR_NOT_FOUND;
	}
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		names[i] = seqpack_registry_get(tg->reg, i)->name;
	*count = n;
	return SEQPACK_OK;
}

int bench_target_check(const struct bench_target *tg, const char *algorithm,
		       seqpack_error *err)
{
	if (seqpack_registry_find(tg->reg, algorithm))
		return SEQPACK_OK;
	char msg[sizeof(err->message)];
	snprintf(msg, sizeof(msg), "unknown algorithm '%.64s'", algorithm);
	set_err(err, SEQPACK_ERR_NOT_FOUND, msg);
	return SEQPACK_ERR_NOT_FOUND;
}

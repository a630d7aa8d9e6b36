/* What seqpackd tells about itself: LIST (its algorithms) and STATS (its
 * counters), and the objects they return.  Counts in a reply are bounded
 * by the bytes that follow before anything is allocated. */
#include <stdlib.h>
#include <string.h>

#include "client-io.h"
#include "client-retry.h"
#include "util/cleanup-internal.h"

/* Replies other than PACK are small; a larger one is a broken daemon. */
#define SMALL_REPLY_MAX (16u << 20)

UTIL_DEFINE_CLEANUP(seqpack_algorithm_list *, seqpack_algorithm_list_free)
UTIL_DEFINE_CLEANUP(seqpack_daemon_stats *, seqpack_daemon_stats_free)

static char *dup_str(struct sp_rd *r)
{
	char tmp[1024];
	sp_get_str(r, tmp, sizeof(tmp));
	return r->bad ? NULL : strdup(tmp);
}

static int query_once(seqpack_client *c, uint16_t type, struct sp_rd *r,
		      seqpack_error *err)
{
	client_begin(c, type);
	return client_call(c, SMALL_REPLY_MAX, r, err);
}

/* Send a request of type without a body (again on a new connection when
 * the daemon went away before answering) and read the count of entries
 * its reply starts with; an entry takes at least min bytes. */
static int query(seqpack_client *c, uint16_t type, size_t min,
		 const char *malformed, struct sp_rd *r, uint32_t *count,
		 seqpack_error *err)
{
	int rc = client_enter(c, err);
	if (rc != SEQPACK_OK)
		return rc;
	rc = query_once(c, type, r, err);
	if (client_retry(c, &rc, err))
		rc = query_once(c, type, r, err);
	if (rc != SEQPACK_OK)
		return rc;
	*count = sp_get_u32(r);
	if (r->bad || *count > sp_rd_left(r) / min)
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err, malformed);
	return SEQPACK_OK;
}

SEQPACK_EXPORT seqpack_algorithm_list *seqpack_algorithm_list_free(
	seqpack_algorithm_list *l)
{
	if (!l)
		return NULL;
	for (size_t i = 0; i < l->count; i++) {
		seqpack_plugin_info *p = &l->algorithms[i];
		free((char *)p->name);
		free((char *)p->title);
		free((char *)p->description);
		free((char *)p->path);
	}
	free(l->algorithms);
	free(l);
	return NULL;
}

SEQPACK_EXPORT int seqpack_client_list(seqpack_client *c,
				       seqpack_algorithm_list **ret,
				       seqpack_error *err)
{
	static const char malformed[] = "malformed LIST reply";
	if (!c || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "client and ret are required");
	struct sp_rd r;
	uint32_t count;
	int rc = query(c, SP_LIST, 12, malformed, &r, &count, err);
	if (rc != SEQPACK_OK)
		return rc;
	_cleanup_(seqpack_algorithm_list_freep) seqpack_algorithm_list *l =
		calloc(1, sizeof(*l));
	if (!l || !(l->algorithms = calloc(count + 1, sizeof(*l->algorithms))))
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	for (uint32_t i = 0; i < count && !r.bad; i++) {
		seqpack_plugin_info *p = &l->algorithms[i];
		l->count = i + 1;
		p->name = dup_str(&r);
		p->title = dup_str(&r);
		p->description = dup_str(&r);
		p->flags = sp_get_u32(&r);
		p->path = dup_str(&r);
		if (!r.bad && (!p->name || !p->title || !p->description ||
			       !p->path))
			return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	}
	rc = client_reply_end(c, &r, malformed, err);
	if (rc != SEQPACK_OK)
		return rc;
	*ret = TAKE_PTR(l);
	return SEQPACK_OK;
}

SEQPACK_EXPORT seqpack_daemon_stats *seqpack_daemon_stats_free(
	seqpack_daemon_stats *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->count; i++)
		free((char *)s->stats[i].name);
	free(s->stats);
	free(s);
	return NULL;
}

SEQPACK_EXPORT uint64_t seqpack_daemon_stats_get(const seqpack_daemon_stats *s,
						 const char *name)
{
	if (!s || !name)
		return 0;
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->stats[i].name, name) == 0)
			return s->stats[i].value;
	return 0;
}

SEQPACK_EXPORT int seqpack_client_stats(seqpack_client *c,
					seqpack_daemon_stats **ret,
					seqpack_error *err)
{
	static const char malformed[] = "malformed STATS reply";
	if (!c || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "client and ret are required");
	struct sp_rd r;
	uint32_t count;
	int rc = query(c, SP_STATS, 10, malformed, &r, &count, err);
	if (rc != SEQPACK_OK)
		return rc;
	_cleanup_(seqpack_daemon_stats_freep) seqpack_daemon_stats *s =
		calloc(1, sizeof(*s));
	if (!s || !(s->stats = calloc(count + 1, sizeof(*s->stats))))
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	for (uint32_t i = 0; i < count && !r.bad; i++) {
		s->count = i + 1;
		s->stats[i].name = dup_str(&r);
		s->stats[i].value = sp_get_u64(&r);
		if (!r.bad && !s->stats[i].name)
			return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	}
	rc = client_reply_end(c, &r, malformed, err);
	if (rc != SEQPACK_OK)
		return rc;
	*ret = TAKE_PTR(s);
	return SEQPACK_OK;
}

/* Fuzz target: the pack path.  Arbitrary lengths and parameters go
 * through every in-tree algorithm (the plugins of the build tree,
 * through a registry) and through the stream of every streaming one.
 * Whatever the input, a call either refuses it with a status and a
 * message, or returns a packing that seqpack_verify() accepts and whose
 * metrics add up; valid input is never refused; obfd gives exactly bfd's
 * packing and obfdp stays within its documented margin of obfd
 * (docs/algorithms.md); a stream emits every pushed id exactly once, in
 * packs that fit.
 *
 * Input: a mode byte, capacity (4), threads, k, max_items, max_open,
 * flags (1 each), seed (4), then the lengths: u16 each, or u32 each when
 * bit 1 of the mode byte is set.  The capacity is 1 + its value % 4096
 * unless bits 0 and 2 of the mode are set.  FUZZ_PACK_ALGORITHMS
 * (comma separated) replaces the list of algorithms, so that a test can
 * show that a lying plugin is caught. */
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <seqpack/seqpack.h>

#include "fuzz.h"
#include "util/cleanup-internal.h"

#define MAX_ALGS 32

static seqpack_registry *reg;
static const char *algs[MAX_ALGS];
static size_t nalgs;
static char *alg_list;

static const char *const default_algs[] = {
	"nf", "ff", "bf", "wf", "ffd", "bfd", "ffs", "mffd", "obfd", "obfdp", "hk",
};

/* At exit, so that leak checkers see only what an input leaked. */
static void release(void)
{
	seqpack_registry_unref(reg);
	free(alg_list);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	seqpack_error err;
	const char *path = getenv("SEQPACK_PLUGIN_PATH");
	if (seqpack_registry_open(path && *path ? path : FUZZ_PLUGIN_DIR, &reg,
				  &err) != SEQPACK_OK) {
		fprintf(stderr, "fuzz-pack: %s\n", err.message);
		abort();
	}
	atexit(release);
	const char *env = getenv("FUZZ_PACK_ALGORITHMS");
	if (env && *env) {
		alg_list = strdup(env);
		char *save = NULL;
		for (char *t = strtok_r(alg_list, ",", &save);
		     t && nalgs < MAX_ALGS; t = strtok_r(NULL, ",", &save))
			algs[nalgs++] = t;
	} else {
		for (size_t i = 0; i < sizeof(default_algs) /
					   sizeof(default_algs[0]); i++)
			algs[nalgs++] = default_algs[i];
	}
	/* A missing plugin would make every input pass untested. */
	for (size_t i = 0; i < nalgs; i++)
		FUZZ_CHECK(seqpack_registry_find(reg, algs[i]),
			   "algorithm %s is not loaded (SEQPACK_PLUGIN_PATH=%s)",
			   algs[i], path ? path : FUZZ_PLUGIN_DIR);
	return 0;
}

struct input {
	seqpack_params p;
	uint32_t *lengths;
	size_t n;
	bool valid;      /* params and lengths pass the library's checks */
};

static void decode(const uint8_t *data, size_t size, struct input *q)
{
	struct fuzz_in in = {data, size};
	uint32_t mode = fuzz_u8(&in);
	seqpack_params_init(&q->p);
	uint32_t cap = fuzz_u32(&in);
	/* Mostly small capacities, so that packings have many bins (and
	 * the O(n + C) algorithms stay fast); bits 0 and 2 together take
	 * the raw value (0, huge, above the maximum). */
	q->p.capacity = (mode & 5) == 5 ? cap : 1 + cap % 4096;
	/* Threads for obfdp, kept small: the machine has two cores. */
	q->p.threads = fuzz_u8(&in) % 5;
	q->p.k = fuzz_u8(&in);
	q->p.max_items = fuzz_u8(&in) % 16;
	q->p.max_open = fuzz_u8(&in);
	q->p.flags = fuzz_u8(&in) & SEQPACK_PARAM_VERIFY;
	q->p.seed = fuzz_u32(&in);
	size_t width = mode & 2 ? 4 : 2;
	q->n = in.n / width;
	q->lengths = malloc((q->n ? q->n : 1) * sizeof(uint32_t));
	FUZZ_CHECK(q->lengths, "out of memory");
	for (size_t i = 0; i < q->n; i++)
		q->lengths[i] = width == 4 ? fuzz_u32(&in) : fuzz_u16(&in);
	seqpack_error err;
	q->valid = seqpack_params_check(&q->p, &err) == SEQPACK_OK &&
		   seqpack_lengths_check(q->lengths, q->n, q->p.capacity,
					 &err) == SEQPACK_OK;
}

static void check_refusal(const char *alg, int rc, const seqpack_error *err,
			  const struct input *q)
{
	FUZZ_CHECK(!q->valid, "%s refused valid input of %zu lengths: %s",
		   alg, q->n, err->message);
	FUZZ_CHECK(rc > 0 && rc < SEQPACK_STATUS_COUNT_ && err->status == rc,
		   "%s: status %d, error status %d", alg, rc, err->status);
	FUZZ_CHECK(err->message[0] && memchr(err->message, '\0',
					     sizeof(err->message)),
		   "%s: refusal without a message", alg);
}

static void check_result(const char *alg, const struct input *q,
			 const seqpack_result *r)
{
	seqpack_error err;
	seqpack_params p = q->p;
	int rc = seqpack_verify(q->lengths, q->n, &p, r, &err);
	FUZZ_CHECK(rc == SEQPACK_OK, "%s: the verifier refused its packing: %s",
		   alg, err.message);
	uint64_t total = 0;
	for (size_t i = 0; i < q->n; i++)
		total += q->lengths[i];
	const seqpack_metrics *m = &r->metrics;
	FUZZ_CHECK(m->bins == r->nbins && m->total_tokens == total &&
		   m->capacity == q->p.capacity &&
		   m->padding_tokens == r->nbins * (uint64_t)q->p.capacity -
					     total,
		   "%s: metrics disagree with the packing (bins %llu/%zu, tokens %llu/%llu)",
		   alg, (unsigned long long)m->bins, r->nbins,
		   (unsigned long long)m->total_tokens,
		   (unsigned long long)total);
	FUZZ_CHECK(r->n == q->n && strcmp(r->algorithm, alg) == 0,
		   "%s: result for %zu sequences by '%s'", alg, r->n,
		   r->algorithm);
}

static bool same_packing(const seqpack_result *a, const seqpack_result *b)
{
	return a->n == b->n && a->nbins == b->nbins &&
	       memcmp(a->items, b->items, a->n * 4) == 0 &&
	       memcmp(a->offsets, b->offsets, (a->nbins + 1) * 4) == 0 &&
	       memcmp(a->used, b->used, a->nbins * 4) == 0;
}

/* What a stream emitted: each id once, in packs that fit. */
struct seen {
	const struct input *q;
	uint8_t *hit;
	uint64_t packs, ids;
};

static int on_pack(void *ctx, uint64_t pack, const uint64_t *ids,
		   size_t count, uint64_t used)
{
	struct seen *s = ctx;
	const struct input *q = s->q;
	FUZZ_CHECK(pack == s->packs, "pack %llu emitted as number %llu",
		   (unsigned long long)s->packs, (unsigned long long)pack);
	FUZZ_CHECK(count > 0 && (!q->p.max_items || count <= q->p.max_items),
		   "pack %llu of %zu sequences (max_items %u)",
		   (unsigned long long)pack, count, q->p.max_items);
	uint64_t sum = 0;
	for (size_t i = 0; i < count; i++) {
		FUZZ_CHECK(ids[i] < q->n && !s->hit[ids[i]],
			   "pack %llu: id %llu unknown or emitted twice",
			   (unsigned long long)pack,
			   (unsigned long long)ids[i]);
		s->hit[ids[i]] = 1;
		sum += q->lengths[ids[i]];
	}
	FUZZ_CHECK(sum == used && used <= q->p.capacity,
		   "pack %llu: used %llu, lengths sum to %llu, capacity %u",
		   (unsigned long long)pack, (unsigned long long)used,
		   (unsigned long long)sum, q->p.capacity);
	s->packs++;
	s->ids += count;
	return 0;
}

static void run_stream(const char *alg, const struct input *q)
{
	_cleanup_free_ uint8_t *hit = calloc(q->n ? q->n : 1, 1);
	FUZZ_CHECK(hit, "out of memory");
	struct seen s = {.q = q, .hit = hit};
	seqpack_error err;
	seqpack_stream *st;
	int rc = seqpack_stream_open(reg, alg, &q->p, on_pack, &s, &st, &err);
	if (rc != SEQPACK_OK) {
		FUZZ_CHECK(seqpack_params_check(&q->p, &err) != SEQPACK_OK,
			   "stream %s refused valid parameters", alg);
		return;
	}
	bool refused = false;
	for (size_t i = 0; i < q->n && !refused; i++) {
		rc = seqpack_stream_push(st, i, q->lengths[i], &err);
		if (rc != SEQPACK_OK) {
			FUZZ_CHECK(q->lengths[i] == 0 ||
					   q->lengths[i] > q->p.capacity,
				   "stream %s refused length %u (capacity %u): %s",
				   alg, q->lengths[i], q->p.capacity,
				   err.message);
			refused = true;
		}
	}
	if (!refused) {
		rc = seqpack_stream_finish(st, &err);
		FUZZ_CHECK(rc == SEQPACK_OK, "stream %s finish: %s", alg,
			   err.message);
		FUZZ_CHECK(s.ids == q->n && seqpack_stream_packs(st) == s.packs,
			   "stream %s emitted %llu of %zu sequences", alg,
			   (unsigned long long)s.ids, q->n);
	}
	seqpack_stream_free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input q;
	decode(data, size, &q);
	seqpack_result *res[MAX_ALGS] = {0};
	size_t ibfd = MAX_ALGS, iobfd = MAX_ALGS, iobfdp = MAX_ALGS;
	for (size_t a = 0; a < nalgs; a++) {
		seqpack_error err;
		int rc = seqpack_pack(reg, algs[a], q.lengths, q.n, &q.p,
				      &res[a], &err);
		if (rc != SEQPACK_OK) {
			check_refusal(algs[a], rc, &err, &q);
			res[a] = NULL;
			continue;
		}
		check_result(algs[a], &q, res[a]);
		if (strcmp(algs[a], "bfd") == 0)
			ibfd = a;
		else if (strcmp(algs[a], "obfd") == 0)
			iobfd = a;
		else if (strcmp(algs[a], "obfdp") == 0)
			iobfdp = a;
		const seqpack_plugin_info *info =
			seqpack_registry_find(reg, algs[a]);
		if (info->flags & SEQPACK_FLAG_STREAMING)
			run_stream(algs[a], &q);
	}
	if (ibfd < MAX_ALGS && iobfd < MAX_ALGS)
		FUZZ_CHECK(same_packing(res[ibfd], res[iobfd]),
			   "obfd packed %zu sequences into %zu bins, bfd into %zu (or differently)",
			   q.n, res[iobfd]->nbins, res[ibfd]->nbins);
	if (iobfd < MAX_ALGS && iobfdp < MAX_ALGS) {
		/* docs/algorithms.md: bins(obfdp) <= 1.001 bins(obfd) + T,
		 * in integers */
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		uint64_t t = q.p.threads ? q.p.threads : (uint64_t)(cpus > 0 ? cpus : 1);
		uint64_t a = res[iobfdp]->nbins, b = res[iobfd]->nbins;
		FUZZ_CHECK(1000 * a <= 1001 * b + 1000 * t,
			   "obfdp used %llu bins, obfd %llu (threads %llu)",
			   (unsigned long long)a, (unsigned long long)b,
			   (unsigned long long)t);
	}
	for (size_t a = 0; a < nalgs; a++)
		seqpack_result_free(res[a]);
	free(q.lengths);
	return 0;
}

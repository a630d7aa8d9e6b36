/* Tests of plans and packings in files (seqpack_plan_save/_load,
 * seqpack_result_save/_load): round trips equal field for field (M = 1
 * and 2, pad with splits, drop_last, rank capacities and speeds, the
 * parameters that made them); every single-byte flip and every
 * truncation of a small file refused (the ASan build proves nothing
 * leaks on those paths); a foreign file, an empty one, a newer format,
 * a packing where a plan is expected, a plan that is not its params';
 * every allocation of a load and a save failed in turn (SEQPACK_ERR_NOMEM,
 * nothing returned, nothing leaked). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seqpack/plan.h>

#include "failalloc/interpose.h"
#include "testlib.h"

#define ck_assert_has(haystack, needle)                                      \
	ck_assert_msg(strstr((haystack), (needle)) != NULL,                  \
		      "message \"%s\" does not mention \"%s\"", (haystack),  \
		      (needle))

/* A directory of this test's own, removed with its files at the end. */
static char dir[64];
static char path[128];

static void dir_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-plan-file.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
}

static void dir_teardown(void)
{
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(path);
	unlink(tmp);
	rmdir(dir);
}

/* Next fit over lengths, without plugins. */
static seqpack_result *next_fit(const uint32_t *len, size_t n, uint32_t cap)
{
	seqpack_result *r;
	ck_assert_int_eq(seqpack_result_new(n, &r, NULL), SEQPACK_OK);
	size_t b = 0;
	uint32_t used = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && used + len[i] > cap) {
			r->used[b++] = used;
			r->offsets[b] = (uint32_t)i;
			used = 0;
		}
		r->items[i] = (uint32_t)i;
		used += len[i];
	}
	if (n) {
		r->used[b++] = used;
		r->offsets[b] = (uint32_t)n;
	}
	r->nbins = b;
	snprintf(r->algorithm, sizeof(r->algorithm), "nf");
	seqpack_metrics_compute(r, len, cap);
	r->metrics.elapsed_ns = 12345;
	return r;
}

static uint32_t *lengths(uint64_t seed, size_t n, uint32_t cap)
{
	tl_rng rng;
	tl_rng_seed(&rng, seed);
	uint32_t *len = malloc(n * sizeof(*len));
	ck_assert_ptr_nonnull(len);
	for (size_t i = 0; i < n; i++)
		len[i] = tl_rng_range(&rng, 1, cap);
	return len;
}

static void same_packing(const seqpack_result *a, const seqpack_result *b)
{
	ck_assert_str_eq(a->algorithm, b->algorithm);
	ck_assert_uint_eq(a->n, b->n);
	ck_assert_uint_eq(a->nbins, b->nbins);
	ck_assert_int_eq(memcmp(a->items, b->items, a->n * 4), 0);
	ck_assert_int_eq(memcmp(a->offsets, b->offsets, (a->nbins + 1) * 4), 0);
	ck_assert_int_eq(memcmp(a->used, b->used, a->nbins * 4), 0);
	ck_assert_int_eq(memcmp(&a->metrics, &b->metrics, sizeof(a->metrics)),
			 0);
}

static void same_plan(const seqpack_plan *a, const seqpack_plan *b)
{
	uint32_t w = a->world_size;
	ck_assert_uint_eq(w, b->world_size);
	ck_assert_uint_eq(a->packs_per_rank, b->packs_per_rank);
	ck_assert_uint_eq(a->nsteps, b->nsteps);
	ck_assert_int_eq(memcmp(a->slots, b->slots,
				a->nsteps * w * a->packs_per_rank * 4),
			 0);
	same_packing(a->packing, b->packing);
	ck_assert_uint_eq(a->nsplit, b->nsplit);
	ck_assert_uint_eq(a->ndropped, b->ndropped);
	if (a->ndropped)
		ck_assert_int_eq(memcmp(a->dropped, b->dropped,
					a->ndropped * 4),
				 0);
	ck_assert_uint_eq(a->nempty, b->nempty);
	ck_assert_int_eq(memcmp(a->cost, b->cost, a->packing->nbins * 8), 0);
	ck_assert_int_eq(memcmp(a->rank_cost, b->rank_cost, w * 8), 0);
	ck_assert_int_eq(memcmp(a->rank_time, b->rank_time, w * 8), 0);
	ck_assert_int_eq(memcmp(a->rank_tokens, b->rank_tokens, w * 8), 0);
	ck_assert_int_eq(memcmp(a->rank_packs, b->rank_packs, w * 8), 0);
	ck_assert(a->step_overhead == b->step_overhead);
	ck_assert(a->worst_step == b->worst_step);
	ck_assert_uint_eq(a->worst_step_index, b->worst_step_index);
	ck_assert(a->mean_step == b->mean_step);
	ck_assert_uint_eq(a->elapsed_ns, b->elapsed_ns);
}

static void same_plan_params(const seqpack_plan_params *a,
			     const seqpack_plan_params *b)
{
	ck_assert_uint_eq(a->world_size, b->world_size);
	ck_assert_uint_eq(a->packs_per_rank, b->packs_per_rank);
	ck_assert_uint_eq(a->cost, b->cost);
	ck_assert_uint_eq(a->remainder, b->remainder);
	ck_assert_uint_eq(a->flags, b->flags);
	ck_assert(a->cost_a == b->cost_a);
	ck_assert(a->cost_b == b->cost_b);
	ck_assert_uint_eq(a->seed, b->seed);
	ck_assert_uint_eq(a->epoch, b->epoch);
	ck_assert_int_eq(!a->rank_capacities, !b->rank_capacities);
	ck_assert_int_eq(!a->rank_speeds, !b->rank_speeds);
	if (a->rank_capacities)
		ck_assert_int_eq(memcmp(a->rank_capacities, b->rank_capacities,
					a->world_size * 4),
				 0);
	if (a->rank_speeds)
		ck_assert_int_eq(memcmp(a->rank_speeds, b->rank_speeds,
					a->world_size * 8),
				 0);
}

static seqpack_plan *make_plan(const seqpack_result *r, const uint32_t *len,
			       const seqpack_plan_params *p)
{
	seqpack_error err = {0};
	seqpack_plan *plan = NULL;
	int rc = seqpack_plan_new(r, len, p, &plan, &err);
	ck_assert_msg(rc == SEQPACK_OK, "plan: %s", err.message);
	return plan;
}

/* Save, load (with and without params_out), compare field for field. */
static void round_trip(const seqpack_plan *plan, const seqpack_plan_params *p)
{
	seqpack_error err = {0};
	ck_assert_msg(seqpack_plan_save(plan, p, path, &err) == SEQPACK_OK,
		      "save: %s", err.message);
	seqpack_plan *back = NULL;
	seqpack_plan_params bp;
	ck_assert_msg(seqpack_plan_load(path, &back, &bp, &err) == SEQPACK_OK,
		      "load: %s", err.message);
	same_plan(plan, back);
	same_plan_params(p, &bp);
	seqpack_plan_free(back);
	/* params_out is optional. */
	ck_assert_int_eq(seqpack_plan_load(path, &back, NULL, &err),
			 SEQPACK_OK);
	seqpack_plan_free(back);
}

START_TEST(test_plan_round_trip)
{
	dir_setup();
	const uint32_t cap = 1024;
	const size_t n = 300;
	uint32_t *len = lengths(1, n, cap / 4);
	seqpack_result *r = next_fit(len, n, cap);
	for (uint32_t m = 1; m <= 2; m++) {
		seqpack_plan_params p;
		seqpack_plan_params_init(&p);
		p.world_size = 4;
		p.packs_per_rank = m;
		p.epoch = 3;
		seqpack_plan *plan = make_plan(r, len, &p);
		round_trip(plan, &p);
		seqpack_plan_free(plan);
	}
	/* pad with splits: a bin count one above a multiple of 8. */
	seqpack_plan_params p;
	seqpack_plan_params_init(&p);
	p.world_size = 2;
	while (r->nbins % p.world_size != p.world_size - 1)
		p.world_size++;
	seqpack_plan *plan = make_plan(r, len, &p);
	ck_assert_uint_gt(plan->nsplit, 0);
	round_trip(plan, &p);
	seqpack_plan_free(plan);
	/* drop_last, linear cost. */
	p.remainder = SEQPACK_PLAN_DROP_LAST;
	p.cost = SEQPACK_COST_LINEAR;
	plan = make_plan(r, len, &p);
	ck_assert_uint_gt(plan->ndropped, 0);
	round_trip(plan, &p);
	seqpack_plan_free(plan);
	/* rank capacities and speeds, M = 2. */
	uint32_t caps[3] = { cap, cap, cap };
	double speeds[3] = { 1.0, 2.5, 0.75 };
	seqpack_plan_params_init(&p);
	p.world_size = 3;
	p.packs_per_rank = 2;
	p.rank_capacities = caps;
	p.rank_speeds = speeds;
	plan = make_plan(r, len, &p);
	round_trip(plan, &p);
	seqpack_plan_free(plan);
	/* Speeds alone (the capacities path schedules differently). */
	p.rank_capacities = NULL;
	plan = make_plan(r, len, &p);
	round_trip(plan, &p);
	seqpack_plan_free(plan);
	seqpack_result_free(r);
	free(len);
	dir_teardown();
}
END_TEST

START_TEST(test_allow_empty_round_trip)
{
	dir_setup();
	uint32_t len[5] = { 900, 900, 900, 900, 900 };
	seqpack_result *r = next_fit(len, 5, 1000);
	seqpack_plan_params p;
	seqpack_plan_params_init(&p);
	p.world_size = 8;
	p.flags = SEQPACK_PLAN_ALLOW_EMPTY;
	seqpack_plan *plan = make_plan(r, len, &p);
	ck_assert_uint_eq(plan->nempty, 3);
	round_trip(plan, &p);
	seqpack_plan_free(plan);
	seqpack_result_free(r);
	dir_teardown();
}
END_TEST

START_TEST(test_packing_round_trip)
{
	dir_setup();
	const uint32_t cap = 4096;
	uint32_t *len = lengths(2, 1000, cap);
	seqpack_result *r = next_fit(len, 1000, cap);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = cap;
	p.max_items = 7;
	p.threads = 3;
	p.k = 12;
	p.max_open = 9;
	p.seed = 0x0123456789abcdefULL;
	seqpack_error err = {0};
	ck_assert_msg(seqpack_result_save(r, &p, path, &err) == SEQPACK_OK,
		      "%s", err.message);
	seqpack_result *back = NULL;
	seqpack_params bp;
	ck_assert_msg(seqpack_result_load(path, &back, &bp, &err) == SEQPACK_OK,
		      "%s", err.message);
	same_packing(r, back);
	ck_assert_int_eq(memcmp(&p, &bp, sizeof(p)), 0);
	seqpack_result_free(back);
	/* A packing is not a plan, and a plan not a packing. */
	seqpack_plan *plan = NULL;
	ck_assert_int_eq(seqpack_plan_load(path, &plan, NULL, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_has(err.message, "holds a packing, not a plan");
	ck_assert_has(err.message, path);
	ck_assert_ptr_null(plan);
	seqpack_plan_params pp;
	seqpack_plan_params_init(&pp);
	pp.world_size = 2;
	plan = make_plan(r, len, &pp);
	ck_assert_int_eq(seqpack_plan_save(plan, &pp, path, NULL), SEQPACK_OK);
	back = NULL;
	ck_assert_int_eq(seqpack_result_load(path, &back, NULL, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_has(err.message, "holds a plan, not a packing");
	ck_assert_ptr_null(back);
	seqpack_plan_free(plan);
	seqpack_result_free(r);
	free(len);
	dir_teardown();
}
END_TEST

static void write_file(const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

static uint8_t *read_whole(size_t *n)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	uint8_t *buf = malloc(1 << 16);
	ck_assert_ptr_nonnull(buf);
	*n = fread(buf, 1, 1 << 16, f);
	ck_assert_int_lt(*n, 1 << 16);
	fclose(f);
	return buf;
}

/* A small plan with splits, rank lists and a drop in its params' reach. */
static seqpack_plan *small_plan(seqpack_plan_params *p, uint32_t *caps,
				double *speeds)
{
	uint32_t len[9] = { 700, 300, 650, 200, 500, 500, 900, 100, 400 };
	seqpack_result *r = next_fit(len, 9, 1000);
	seqpack_plan_params_init(p);
	p->world_size = 2;
	p->packs_per_rank = 2;
	caps[0] = caps[1] = 1000;
	speeds[0] = 1;
	speeds[1] = 2;
	p->rank_capacities = caps;
	p->rank_speeds = speeds;
	seqpack_plan *plan = make_plan(r, len, p);
	seqpack_result_free(r);
	return plan;
}

/* Every byte of the file changed in turn (xor 0x01 and xor 0xff) and
 * every proper prefix: each load fails, touches nothing, and names the
 * file; under ASan a leak on any of those paths fails the test. */
static void every_corruption(int plan_kind)
{
	size_t n;
	uint8_t *good = read_whole(&n);
	uint8_t *bad = malloc(n);
	ck_assert_ptr_nonnull(bad);
	for (size_t i = 0; i < n; i++) {
		for (int x = 0; x < 2; x++) {
			memcpy(bad, good, n);
			bad[i] ^= x ? 0xff : 0x01;
			write_file(bad, n);
			seqpack_error err = {0};
			int rc;
			if (plan_kind) {
				seqpack_plan *pl = NULL;
				rc = seqpack_plan_load(path, &pl, NULL, &err);
				ck_assert_ptr_null(pl);
			} else {
				seqpack_result *r = NULL;
				rc = seqpack_result_load(path, &r, NULL, &err);
				ck_assert_ptr_null(r);
			}
			ck_assert_msg(rc == SEQPACK_ERR_INVALID ||
					      rc == SEQPACK_ERR_UNSUPPORTED,
				      "byte %zu ^ %d: status %d (%s)", i, x,
				      rc, err.message);
			ck_assert_has(err.message, path);
		}
	}
	for (size_t k = 0; k < n; k++) {
		write_file(good, k);
		seqpack_error err = {0};
		int rc;
		if (plan_kind) {
			seqpack_plan *pl = NULL;
			rc = seqpack_plan_load(path, &pl, NULL, &err);
			ck_assert_ptr_null(pl);
		} else {
			seqpack_result *r = NULL;
			rc = seqpack_result_load(path, &r, NULL, &err);
			ck_assert_ptr_null(r);
		}
		ck_assert_msg(rc == SEQPACK_ERR_INVALID,
			      "prefix of %zu bytes: status %d (%s)", k, rc,
			      err.message);
		ck_assert_has(err.message, path);
	}
	/* One byte appended is refused too. */
	uint8_t *longer = malloc(n + 1);
	ck_assert_ptr_nonnull(longer);
	memcpy(longer, good, n);
	longer[n] = 0;
	write_file(longer, n + 1);
	seqpack_error err = {0};
	seqpack_plan *pl = NULL;
	seqpack_result *r = NULL;
	int rc = plan_kind ? seqpack_plan_load(path, &pl, NULL, &err)
			   : seqpack_result_load(path, &r, NULL, &err);
	ck_assert_int_eq(rc, SEQPACK_ERR_INVALID);
	ck_assert_has(err.message, "truncated or appended to");
	free(longer);
	free(bad);
	free(good);
}

START_TEST(test_plan_corruption)
{
	dir_setup();
	seqpack_plan_params p;
	uint32_t caps[2];
	double speeds[2];
	seqpack_plan *plan = small_plan(&p, caps, speeds);
	ck_assert_uint_gt(plan->nsplit, 0);
	ck_assert_int_eq(seqpack_plan_save(plan, &p, path, NULL), SEQPACK_OK);
	seqpack_plan_free(plan);
	every_corruption(1);
	dir_teardown();
}
END_TEST

START_TEST(test_packing_corruption)
{
	dir_setup();
	uint32_t len[6] = { 700, 300, 650, 200, 500, 500 };
	seqpack_result *r = next_fit(len, 6, 1000);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 1000;
	ck_assert_int_eq(seqpack_result_save(r, &p, path, NULL), SEQPACK_OK);
	seqpack_result_free(r);
	every_corruption(0);
	dir_teardown();
}
END_TEST

static void expect_load_fails(int status, const char *needle)
{
	seqpack_error err = {0};
	seqpack_plan *plan = NULL;
	ck_assert_int_eq(seqpack_plan_load(path, &plan, NULL, &err), status);
	ck_assert_ptr_null(plan);
	ck_assert_has(err.message, needle);
	ck_assert_has(err.message, path);
}

/* Store v little-endian at p. */
static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

START_TEST(test_foreign_files)
{
	dir_setup();
	write_file("", 0);
	expect_load_fails(SEQPACK_ERR_INVALID, "not a seqpack file");
	const char *text = "{\"bins\": 3}\n and some more text to pass 32 bytes";
	write_file(text, strlen(text));
	expect_load_fails(SEQPACK_ERR_INVALID, "not a seqpack file");
	write_file("SEQPACKF\1\0\0\0", 12);
	expect_load_fails(SEQPACK_ERR_INVALID, "the header runs past the end");
	seqpack_error err = {0};
	seqpack_plan *plan = NULL;
	ck_assert_int_eq(seqpack_plan_load(dir, &plan, NULL, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_has(err.message, "not a regular file");
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/none", dir);
	ck_assert_int_eq(seqpack_plan_load(missing, &plan, NULL, &err),
			 SEQPACK_ERR_IO);
	ck_assert_has(err.message, missing);
	ck_assert_int_eq(seqpack_plan_load(NULL, &plan, NULL, &err),
			 SEQPACK_ERR_INVALID);

	/* A newer format: the version field alone says so, before the CRC
	 * (which a newer format may have moved) is looked at. */
	seqpack_plan_params p;
	uint32_t caps[2];
	double speeds[2];
	plan = small_plan(&p, caps, speeds);
	ck_assert_int_eq(seqpack_plan_save(plan, &p, path, NULL), SEQPACK_OK);
	size_t n;
	uint8_t *buf = read_whole(&n);
	ck_assert_int_eq(memcmp(buf, "SEQPACKF", 8), 0);
	le32(buf + 8, 3);
	write_file(buf, n);
	expect_load_fails(SEQPACK_ERR_UNSUPPORTED,
			  "written by a newer seqpack: format 3, this one reads 1");
	free(buf);

	/* Saving refuses a plan with parameters that are not its own. */
	seqpack_plan_params other = p;
	other.world_size = 3;
	double sp3[3] = { 1, 1, 1 };
	uint32_t c3[3] = { 1000, 1000, 1000 };
	other.rank_speeds = sp3;
	other.rank_capacities = c3;
	ck_assert_int_eq(seqpack_plan_save(plan, &other, path, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_has(err.message, "world_size 3");
	other = p;
	other.cost = 7;
	ck_assert_int_eq(seqpack_plan_save(plan, &other, path, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_has(err.message, "cost is 7");
	ck_assert_int_eq(seqpack_plan_save(plan, NULL, path, &err),
			 SEQPACK_ERR_INVALID);
	/* ... and a path it cannot write, naming the file. */
	snprintf(missing, sizeof(missing), "%s/no/such/dir", dir);
	ck_assert_int_eq(seqpack_plan_save(plan, &p, missing, &err),
			 SEQPACK_ERR_IO);
	ck_assert_has(err.message, missing);
	seqpack_plan_free(plan);
	dir_teardown();
}
END_TEST

/* CRC-32 (zip's), bit by bit: the test re-seals files whose content it
 * changed, to reach the checks behind the CRC. */
static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Write good with the u32 at off set to v and the CRC recomputed, then
 * expect the load to fail naming needle. */
static void resealed(const uint8_t *good, size_t n, size_t off, uint32_t v,
		     const char *needle)
{
	uint8_t *b = malloc(n);
	ck_assert_ptr_nonnull(b);
	memcpy(b, good, n);
	le32(b + off, v);
	le32(b + n - 4, crc32_of(b, n - 4));
	write_file(b, n);
	free(b);
	expect_load_fails(SEQPACK_ERR_INVALID, needle);
}

START_TEST(test_content_checks)
{
	dir_setup();
	seqpack_plan_params p;
	uint32_t caps[2];
	double speeds[2];
	seqpack_plan *plan = small_plan(&p, caps, speeds);
	ck_assert_int_eq(seqpack_plan_save(plan, &p, path, NULL), SEQPACK_OK);
	size_t n;
	uint8_t *good = read_whole(&n);
	/* The CRC this test computes is the file's. */
	ck_assert_uint_eq(rd32(good + n - 4), crc32_of(good, n - 4));
	/* The layout of docs/plans.md: header 32, the packing's fixed part
	 * 32 + 16 + 72, its arrays, the plan's fixed part 80, the slots. */
	size_t sn = plan->packing->n, nb = plan->packing->nbins;
	size_t items = 32 + 120, offsets = items + 4 * sn;
	size_t used = offsets + 4 * (nb + 1), slots = used + 4 * nb + 80;
	ck_assert_uint_eq(rd32(good + items), plan->packing->items[0]);
	ck_assert_uint_eq(rd32(good + slots), plan->slots[0]);
	resealed(good, n, items, plan->packing->items[1], "in the packing twice");
	resealed(good, n, items, (uint32_t)sn, "not a sequence of the packing");
	resealed(good, n, offsets + 4, 0, "offsets[1] = 0 is not above");
	resealed(good, n, offsets, 1, "offsets do not run from 0");
	resealed(good, n, used, 0, "bin 0 uses 0 tokens");
	resealed(good, n, slots, (uint32_t)nb, "not a bin of the packing");
	resealed(good, n, slots, plan->slots[1], "already in another slot");
	resealed(good, n, slots, SEQPACK_PLAN_EMPTY, "slots (1 empty, 0 stated)");
	/* The plan params' world_size, after the figures and arrays. */
	size_t w = plan->world_size;
	size_t params = slots + 4 * (plan->nsteps * w * plan->packs_per_rank) +
			4 * plan->ndropped + 8 * nb + 32 * w;
	ck_assert_uint_eq(rd32(good + params), 2);
	resealed(good, n, params, 0, "plan parameters: world_size is 0");
	resealed(good, n, params + 8, 9, "plan parameters: cost is 9");
	free(good);
	seqpack_plan_free(plan);
	dir_teardown();
}
END_TEST

/* One operation under test, armed by the caller and disarmed here: its
 * status, and whether it handed out an object (checked and freed). */
enum op { OP_SAVE, OP_LOAD, OP_RESULT_LOAD };

static int run_op(enum op op, const seqpack_plan *plan,
		  const seqpack_plan_params *p, int *handed_out,
		  seqpack_error *err)
{
	seqpack_plan *back = NULL;
	seqpack_result *r = NULL;
	int rc;
	if (op == OP_SAVE)
		rc = seqpack_plan_save(plan, p, path, err);
	else if (op == OP_LOAD)
		rc = seqpack_plan_load(path, &back, NULL, err);
	else
		rc = seqpack_result_load(path, &r, NULL, err);
	fa_disarm(); /* the checks below allocate too */
	if (back)
		same_plan(plan, back);
	if (r)
		same_packing(plan->packing, r);
	*handed_out = back || r;
	seqpack_plan_free(back);
	seqpack_result_free(r);
	return rc;
}

/* Fail the k-th allocation of op for every k until it runs without a
 * failure: each failure is SEQPACK_ERR_NOMEM and hands nothing out (ASan
 * and valgrind find what it leaked); returns how many k failed it. */
static unsigned long every_allocation(enum op op, const seqpack_plan *plan,
				      const seqpack_plan_params *p)
{
	for (unsigned long k = 1;; k++) {
		ck_assert_uint_lt(k, 1000);
		seqpack_error err = {0};
		int out;
		fa_arm(k);
		int rc = run_op(op, plan, p, &out, &err);
		if (!fa_fired()) {
			ck_assert_int_eq(rc, SEQPACK_OK);
			return k - 1;
		}
		ck_assert_msg(rc == SEQPACK_ERR_NOMEM && !out,
			      "operation %d, allocation %lu failing: status %d, %s (%s)",
			      op, k, rc, out ? "an object" : "nothing",
			      err.message);
	}
}

START_TEST(test_alloc_fail)
{
	dir_setup();
	seqpack_plan_params p;
	uint32_t caps[2];
	double speeds[2];
	seqpack_plan *plan = small_plan(&p, caps, speeds);
	ck_assert_uint_gt(every_allocation(OP_SAVE, plan, &p), 0);
	ck_assert_uint_gt(every_allocation(OP_LOAD, plan, &p), 0);
	seqpack_params rp;
	seqpack_params_init(&rp);
	rp.capacity = 1000;
	ck_assert_int_eq(seqpack_result_save(plan->packing, &rp, path, NULL),
			 SEQPACK_OK);
	ck_assert_uint_gt(every_allocation(OP_RESULT_LOAD, plan, &p), 0);
	seqpack_plan_free(plan);
	dir_teardown();
}
END_TEST

static Suite *plan_file_suite(void)
{
	Suite *s = suite_create("plan-file");
	TCase *tc = tcase_create("plan-file");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_plan_round_trip);
	tcase_add_test(tc, test_allow_empty_round_trip);
	tcase_add_test(tc, test_packing_round_trip);
	tcase_add_test(tc, test_plan_corruption);
	tcase_add_test(tc, test_packing_corruption);
	tcase_add_test(tc, test_foreign_files);
	tcase_add_test(tc, test_content_checks);
	tcase_add_test(tc, test_alloc_fail);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run(plan_file_suite());
}

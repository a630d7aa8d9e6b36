/* Allocation failures: fail the k-th allocation, for every k = 1, 2, ...
 * until a call makes fewer than k, of
 *  - seqpack_registry_open() over the build tree's plugins (libltdl and
 *    the dynamic loader allocate on its behalf: they fail too),
 *  - seqpack_pack(), a workspace's first and growing packs, and a stream
 *    (open, push, finish) for every algorithm on a small input,
 *  - seqpackd serving a HELLO, a PACK over the socket and one through
 *    shared memory (tests/failalloc/preload.c, an LD_PRELOAD'd module
 *    armed at the daemon's first accept and disarmed at its second).
 * Every call must return SEQPACK_OK or SEQPACK_ERR_NOMEM (the daemon's
 * client may also see its connection closed), an OK answer must be a
 * valid packing, and the daemon must survive and serve the next client.
 * Leaks on those paths are caught by running this program under ASan
 * (the sanitizer build's make check) and valgrind (make check-valgrind).
 *
 * The interposer (tests/failalloc/interpose.c) forwards to the next
 * allocator in the process, so the same loops run in all builds: under
 * AddressSanitizer the next one is ASan's, under valgrind memcheck's
 * (tests/valgrind.mk keeps memcheck from replacing ours).  Nothing is
 * skipped in any build. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/client.h>
#include <seqpack/seqpack.h>

#include "test-daemon-util.h"
#include "tests/failalloc/interpose.h"
#include "testlib.h"

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer reads this hook at start.  libltdl leaks a module handle
 * when an allocation fails inside lt_dlinit(), while it opens its
 * preloaded loaders (lt_dlpreload_open): its bug, not libseqpack's
 * (tests/valgrind.supp holds the same for memcheck). */
const char *__lsan_default_suppressions(void);
__attribute__((visibility("default"))) const char *
__lsan_default_suppressions(void)
{
	return "leak:lt_dlpreload_open\n";
}

/* ...which needs whole stacks: libltdl has no frame pointers, so the
 * fast unwinder stops inside it. */
const char *__asan_default_options(void);
__attribute__((visibility("default"))) const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}
#endif

/* A guard against a loop that never ends, far above any call here. */
#define MAX_K 200000ul

static seqpack_registry *reg;

static void setup(void)
{
	reg = tl_registry();
	for (size_t i = 0; i < TL_NALGS; i++)
		tl_require(reg, tl_algorithms[i]);
}

static void teardown(void)
{
	reg = seqpack_registry_unref(reg);
}

/* The loop's size, for the log: the figures of docs/reliability.md. */
static void report(const char *alg, const char *call, unsigned long k)
{
	printf("%s: %s: allocations 1 to %lu failed in turn\n", alg, call,
	       k - 1);
	fflush(stdout);
}

/* The status of a call made with allocation k failing. */
static void check_status(const char *alg, const char *call, unsigned long k,
			 int rc, int fired, const seqpack_error *err)
{
	ck_assert_msg(rc == SEQPACK_OK || rc == SEQPACK_ERR_NOMEM,
		      "%s: %s with allocation %lu failing returned %s: %s",
		      alg, call, k, seqpack_strerror(rc), err->message);
	ck_assert_msg(rc == SEQPACK_OK || fired,
		      "%s: %s returned out of memory without a failed allocation (k = %lu): %s",
		      alg, call, k, err->message);
}

/* ---- the input ------------------------------------------------------ */

struct input {
	uint32_t *len;
	size_t n;
	seqpack_params p;
};

/* Small, except for obfdp, which goes parallel only from 65536
 * sequences: there it runs on 2 threads, so the pool's allocations and
 * thread creation fail too. */
static void input_make(const char *alg, struct input *in)
{
	seqpack_params_init(&in->p);
	in->p.capacity = 1000;
	in->n = 200;
	if (strcmp(alg, "obfdp") == 0) {
		in->n = 65536;
		in->p.threads = 2;
	}
	in->len = malloc(in->n * sizeof(*in->len));
	ck_assert(in->len != NULL);
	tl_rng rng;
	tl_rng_seed(&rng, 0xa110c);
	tl_gen(&rng, TL_HEAVY, in->p.capacity, in->len, in->n);
}

static void check_result(const char *alg, const char *call, unsigned long k,
			 const struct input *in, size_t n,
			 const seqpack_result *r)
{
	char why[256];
	ck_assert_msg(tl_check_packing(in->len, n, in->p.capacity,
				       in->p.max_items, r, why, sizeof(why)),
		      "%s: %s with allocation %lu failing returned a wrong packing: %s",
		      alg, call, k, why);
}

/* ---- the interposer reaches the library and the plugins ------------- */

START_TEST(interposer_counts_library_and_plugins)
{
	struct input in;
	input_make("ffd", &in);
	fa_tally(1);
	fa_arm(0);
	seqpack_registry *r2 = NULL;
	seqpack_result *res = NULL;
	int rc = seqpack_registry_open(NULL, &r2, NULL);
	if (rc == SEQPACK_OK)
		rc = seqpack_pack(r2, "ffd", in.len, in.n, &in.p, &res, NULL);
	unsigned long total = fa_disarm();
	unsigned long lib = fa_tally_count("libseqpack");
	unsigned long plugin = fa_tally_count("/plugins/");
	unsigned long ltdl = fa_tally_count("libltdl");
	fa_tally(0);
	ck_assert_int_eq(rc, SEQPACK_OK);
	seqpack_result_free(res);
	seqpack_registry_unref(r2);
	free(in.len);
	ck_assert_msg(lib > 0 && plugin > 0 && ltdl > 0,
		      "allocations counted: %lu, from libseqpack %lu, from plugins %lu, from libltdl %lu",
		      total, lib, plugin, ltdl);
}
END_TEST

/* ---- the registry --------------------------------------------------- */

/* No registry stays open meanwhile: each open really loads the modules
 * (the dynamic loader maps them and allocates), not just takes another
 * reference on them. */
START_TEST(registry_open_each_allocation)
{
	seqpack_registry *full = tl_registry();
	size_t want = seqpack_registry_count(full);
	seqpack_registry_unref(full);
	ck_assert_uint_ge(want, TL_NALGS);
	for (unsigned long k = 1;; k++) {
		ck_assert_uint_lt(k, MAX_K);
		seqpack_registry *r = NULL;
		seqpack_error err = {0};
		fa_arm(k);
		int rc = seqpack_registry_open(NULL, &r, &err);
		fa_disarm();
		int fired = fa_fired();
		check_status("registry", "seqpack_registry_open", k, rc, fired,
			     &err);
		if (rc == SEQPACK_OK) {
			size_t got = seqpack_registry_count(r);
			const char *d = seqpack_registry_diagnostic(r, 0);
			ck_assert_msg(got == want,
				      "seqpack_registry_open with allocation %lu failing loaded %zu of %zu plugins and said OK (%s)",
				      k, got, want, d ? d : "no diagnostic");
		}
		seqpack_registry_unref(r);
		if (!fired) {
			ck_assert_int_eq(rc, SEQPACK_OK);
			report("registry", "seqpack_registry_open", k);
			break;
		}
	}
}
END_TEST

/* ---- packing -------------------------------------------------------- */

START_TEST(pack_each_allocation)
{
	const char *alg = tl_algorithms[_i];
	struct input in;
	input_make(alg, &in);
	for (unsigned long k = 1;; k++) {
		ck_assert_uint_lt(k, MAX_K);
		seqpack_result *r = NULL;
		seqpack_error err = {0};
		fa_arm(k);
		int rc = seqpack_pack(reg, alg, in.len, in.n, &in.p, &r, &err);
		fa_disarm();
		int fired = fa_fired();
		check_status(alg, "seqpack_pack", k, rc, fired, &err);
		if (rc == SEQPACK_OK)
			check_result(alg, "seqpack_pack", k, &in, in.n, r);
		seqpack_result_free(r);
		if (!fired) {
			ck_assert_int_eq(rc, SEQPACK_OK);
			report(alg, "seqpack_pack", k);
			break;
		}
	}
	free(in.len);
}
END_TEST

/* A new workspace, a pack of half the input, then one of all of it (the
 * result arrays grow), counted as one sequence of allocations. */
START_TEST(workspace_each_allocation)
{
	const char *alg = tl_algorithms[_i];
	struct input in;
	input_make(alg, &in);
	for (unsigned long k = 1;; k++) {
		ck_assert_uint_lt(k, MAX_K);
		seqpack_workspace *ws = NULL;
		const seqpack_result *r = NULL;
		seqpack_error err = {0};
		fa_arm(k);
		int rc = seqpack_workspace_new(reg, &ws, &err);
		fa_disarm();
		check_status(alg, "seqpack_workspace_new", k, rc, fa_fired(),
			     &err);
		for (size_t pass = 0; pass < 2 && rc == SEQPACK_OK; pass++) {
			size_t n = pass ? in.n : in.n / 2;
			fa_resume();
			rc = seqpack_workspace_pack(ws, alg, in.len, n, &in.p,
						    &r, &err);
			fa_disarm();
			check_status(alg, "seqpack_workspace_pack", k, rc,
				     fa_fired(), &err);
			if (rc == SEQPACK_OK)
				check_result(alg, "seqpack_workspace_pack", k,
					     &in, n, r);
		}
		seqpack_workspace_free(ws);
		if (!fa_fired()) {
			ck_assert_int_eq(rc, SEQPACK_OK);
			report(alg, "workspace", k);
			break;
		}
	}
	free(in.len);
}
END_TEST

/* What a stream's callback saw; it must not allocate (it runs while
 * allocations are being failed). */
struct seen {
	const struct input *in;
	unsigned char *placed;
	size_t count;
	int bad;
};

static int on_pack(void *ctx, uint64_t pack, const uint64_t *ids,
		   size_t count, uint64_t used)
{
	struct seen *s = ctx;
	uint64_t sum = 0;
	(void)pack;
	for (size_t i = 0; i < count; i++) {
		if (ids[i] >= s->in->n || s->placed[ids[i]]) {
			s->bad = 1;
			return 0;
		}
		s->placed[ids[i]] = 1;
		sum += s->in->len[ids[i]];
	}
	s->count += count;
	if (sum != used || used > s->in->p.capacity)
		s->bad = 1;
	return 0;
}

static int stream_run(const char *alg, const struct input *in,
		      struct seen *seen, seqpack_error *err)
{
	seqpack_stream *s = NULL;
	int rc = seqpack_stream_open(reg, alg, &in->p, on_pack, seen, &s,
				     err);
	for (size_t i = 0; i < in->n && rc == SEQPACK_OK; i++)
		rc = seqpack_stream_push(s, i, in->len[i], err);
	if (rc == SEQPACK_OK)
		rc = seqpack_stream_finish(s, err);
	seqpack_stream_free(s);
	return rc;
}

START_TEST(stream_each_allocation)
{
	const char *alg = tl_streaming[_i];
	struct input in;
	input_make(alg, &in);
	unsigned char *placed = malloc(in.n);
	ck_assert(placed != NULL);
	for (unsigned long k = 1;; k++) {
		ck_assert_uint_lt(k, MAX_K);
		memset(placed, 0, in.n);
		struct seen seen = {.in = &in, .placed = placed};
		seqpack_error err = {0};
		fa_arm(k);
		int rc = stream_run(alg, &in, &seen, &err);
		fa_disarm();
		int fired = fa_fired();
		check_status(alg, "a stream", k, rc, fired, &err);
		ck_assert_msg(!seen.bad,
			      "%s: a stream with allocation %lu failing emitted a wrong pack",
			      alg, k);
		if (rc == SEQPACK_OK)
			ck_assert_msg(seen.count == in.n,
				      "%s: a stream with allocation %lu failing emitted %zu of %zu sequences and said OK",
				      alg, k, seen.count, in.n);
		if (!fired) {
			ck_assert_int_eq(rc, SEQPACK_OK);
			report(alg, "stream", k);
			break;
		}
	}
	free(placed);
	free(in.len);
}
END_TEST

/* ---- the daemon ----------------------------------------------------- */

/* A status a daemon client may see while the daemon's allocations fail:
 * the daemon's SEQPACK_ERR_NOMEM, or the connection closed (I/O). */
static void check_daemon_status(const char *call, unsigned long k, int rc,
				const seqpack_error *err, const struct td *d)
{
	if (rc == SEQPACK_OK || rc == SEQPACK_ERR_NOMEM ||
	    rc == SEQPACK_ERR_IO)
		return;
	td_dump_log(d);
	ck_abort_msg("%s with the daemon's allocation %lu failing returned %s: %s",
		     call, k, seqpack_strerror(rc), err->message);
}

/* A daemon PACK that said OK answers what in-process packing does. */
static void check_same(const char *call, unsigned long k,
		       const struct input *in, seqpack_result *got)
{
	seqpack_result *want = tl_pack(reg, "obfd", in->len, in->n, &in->p);
	ck_assert_msg(tl_same_result(got, want),
		      "%s with the daemon's allocation %lu failing answered another packing",
		      call, k);
	seqpack_result_free(want);
}

/* 1 when the daemon's log has the line preload.c writes, and says
 * how many allocations it counted and whether allocation k was reached. */
static int daemon_fired(const struct td *d, unsigned long *counted,
			int *fired)
{
	FILE *f = fopen(d->log, "r");
	ck_assert(f != NULL);
	char line[1024];
	int found = 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "failalloc: %lu allocations", counted) == 1) {
			found = 1;
			*fired = strstr(line, " failed\n") != NULL;
		}
	fclose(f);
	return found;
}

/* The environment of a daemon with failalloc.so preloaded.  In the ASan
 * build the module comes before ASan's runtime in the library list, which
 * ASan refuses unless told: its malloc is still the one the interposer
 * forwards to (RTLD_NEXT). */
static char *saved_preload; /* e.g. fakeroot's, in a package build */

static void preload_env(unsigned long k)
{
	static char *module;
	if (!module)
		module = tl_builddir_path("tests/failalloc/.libs/failalloc.so");
	char at[32];
	snprintf(at, sizeof(at), "%lu", k);
	setenv("SEQPACK_TEST_FAIL_ALLOC_AT", at, 1);
	const char *old = getenv("LD_PRELOAD");
	free(saved_preload);
	saved_preload = old && *old ? strdup(old) : NULL;
	char preload[4096];
	snprintf(preload, sizeof(preload), "%s%s%s", module,
		 saved_preload ? ":" : "", saved_preload ? saved_preload : "");
	setenv("LD_PRELOAD", preload, 1);
#if defined(__SANITIZE_ADDRESS__)
	const char *opts = getenv("ASAN_OPTIONS");
	if (!opts || !strstr(opts, "verify_asan_link_order=0")) {
		char asan[1024];
		snprintf(asan, sizeof(asan), "%s%sverify_asan_link_order=0",
			 opts ? opts : "", opts && *opts ? ":" : "");
		setenv("ASAN_OPTIONS", asan, 1);
	}
#endif
}

static void preload_env_clear(void)
{
	unsetenv("SEQPACK_TEST_FAIL_ALLOC_AT");
	if (saved_preload)
		setenv("LD_PRELOAD", saved_preload, 1);
	else
		unsetenv("LD_PRELOAD");
}

/* One daemon, its allocation k after the first accept failing: HELLO, a
 * small PACK over the socket and a large one through shared memory on
 * the first connection, then a clean PACK on a second.  Returns whether
 * allocation k was reached. */
static int daemon_round(unsigned long k, const struct input *small,
			const struct input *large)
{
	struct td d;
	preload_env(k);
	td_start(&d, NULL, NULL);
	preload_env_clear();

	seqpack_client *c = NULL;
	seqpack_error err = {0};
	int rc = seqpack_client_connect(d.sock, &c, &err);
	check_daemon_status("connect", k, rc, &err, &d);
	const struct input *in[2] = {small, large};
	for (size_t i = 0; i < 2 && rc == SEQPACK_OK; i++) {
		seqpack_result *r = NULL;
		rc = seqpack_client_pack(c, "obfd", in[i]->len, in[i]->n,
					 &in[i]->p, &r, &err);
		check_daemon_status(i ? "a large PACK" : "a PACK", k, rc,
				    &err, &d);
		if (rc == SEQPACK_OK)
			check_same(i ? "a large PACK" : "a PACK", k, in[i], r);
		seqpack_result_free(r);
	}
	seqpack_client_close(c);

	/* the daemon lives on and serves the next client */
	c = NULL;
	rc = seqpack_client_connect(d.sock, &c, &err);
	seqpack_result *r = NULL;
	if (rc == SEQPACK_OK)
		rc = seqpack_client_pack(c, "obfd", small->len, small->n,
					 &small->p, &r, &err);
	if (rc != SEQPACK_OK)
		td_dump_log(&d);
	ck_assert_msg(rc == SEQPACK_OK,
		      "after the daemon's allocation %lu failed, a new client's PACK returned %s: %s",
		      k, seqpack_strerror(rc), err.message);
	check_same("a later PACK", k, small, r);
	seqpack_result_free(r);
	seqpack_client_close(c);

	int fired = 0;
	unsigned long counted = 0;
	int logged = daemon_fired(&d, &counted, &fired);
	if (!logged)
		td_dump_log(&d);
	ck_assert_msg(logged, "the daemon's log has no failalloc line: was failalloc.so preloaded?");
	/* a HELLO and two PACKs allocate: none counted means the module's
	 * malloc was not the daemon's */
	ck_assert_msg(counted > 0,
		      "failalloc.so counted no allocation in the daemon");
	/* exit 0: also no leak under ASan, no memcheck error under valgrind */
	ck_assert_int_eq(td_stop(&d), 0);
	return fired;
}

/* Every k, except under a reduced $SEQPACK_TEST_SCALE (make
 * check-valgrind: a daemon start under memcheck takes seconds), where k
 * steps by about 1/scale, from 1: still every part of the request path,
 * at a sample of its allocations. */
START_TEST(daemon_each_allocation)
{
	struct input small, large;
	input_make("obfd", &small);
	input_make("obfdp", &large); /* 65536: the shared-memory path */
	large.p.threads = 0;
	double scale = tl_scale();
	unsigned long step = scale < 1.0 ? (unsigned long)(1.0 / scale + 0.5) : 1;
	/* for diagnosis: start at $SEQPACK_TEST_FAIL_ALLOC_FROM */
	const char *from = getenv("SEQPACK_TEST_FAIL_ALLOC_FROM");
	unsigned long k = from && *from ? strtoul(from, NULL, 10) : 1;
	for (;; k += step) {
		ck_assert_uint_lt(k, MAX_K);
		if (!daemon_round(k, &small, &large))
			break;
	}
	printf("seqpackd: HELLO and two PACKs: allocations 1 to %lu failed in turn (every %lu)\n",
	       k - 1, step);
	free(small.len);
	free(large.len);
}
END_TEST

static Suite *alloc_fail_suite(void)
{
	Suite *s = suite_create("alloc-fail");
	TCase *tc = tcase_create("interposer");
	tcase_add_test(tc, interposer_counts_library_and_plugins);
	suite_add_tcase(s, tc);

	tc = tcase_create("registry");
	tcase_add_test(tc, registry_open_each_allocation);
	tcase_set_timeout(tc, 600);
	suite_add_tcase(s, tc);

	tc = tcase_create("pack");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, pack_each_allocation, 0, TL_NALGS);
	tcase_add_loop_test(tc, workspace_each_allocation, 0, TL_NALGS);
	tcase_add_loop_test(tc, stream_each_allocation, 0, TL_NSTREAMING);
	tcase_set_timeout(tc, 600);
	suite_add_tcase(s, tc);

	tc = tcase_create("daemon");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, daemon_each_allocation);
	tcase_set_timeout(tc, 1200);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run(alloc_fail_suite());
}

/* Registry and packing-call tests: loading the in-tree plugins, skipping
 * broken ones (tests/plugins) and duplicates (tests/dup) with readable
 * diagnostics, catching wrong answers, propagating plugin errors,
 * references, workspaces and the refusal to stream offline plugins. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

#define ck_assert_has(haystack, needle)                                      \
	ck_assert_msg(strstr((haystack), (needle)) != NULL,                  \
		      "message \"%s\" does not mention \"%s\"", (haystack),  \
		      (needle))

static seqpack_params params_with(uint32_t capacity)
{
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = capacity;
	return p;
}

static seqpack_registry *open_path(const char *path)
{
	seqpack_registry *reg = NULL;
	seqpack_error err = {0};
	int rc = seqpack_registry_open(path, &reg, &err);
	ck_assert_msg(rc == SEQPACK_OK, "registry_open(%s): %s", path,
		      err.message);
	ck_assert_ptr_nonnull(reg);
	return reg;
}

/* The diagnostic that mentions needle, or NULL. */
static const char *find_diag(const seqpack_registry *reg, const char *needle)
{
	for (size_t i = 0; i < seqpack_registry_diagnostic_count(reg); i++) {
		const char *d = seqpack_registry_diagnostic(reg, i);
		if (strstr(d, needle))
			return d;
	}
	return NULL;
}

static char *all_diags(const seqpack_registry *reg)
{
	size_t len = 1;
	for (size_t i = 0; i < seqpack_registry_diagnostic_count(reg); i++)
		len += strlen(seqpack_registry_diagnostic(reg, i)) + 3;
	char *s = calloc(1, len);
	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < seqpack_registry_diagnostic_count(reg); i++) {
		strcat(s, seqpack_registry_diagnostic(reg, i));
		strcat(s, " | ");
	}
	return s;
}

static int never_cb(void *ctx, uint64_t pack, const uint64_t *ids,
		    size_t count, uint64_t used)
{
	ck_abort_msg("a stream that should not exist emitted a pack");
	return 1;
}

/* ------------------------------------------------------------------ */

START_TEST(test_load_in_tree)
{
	seqpack_registry *reg = tl_registry();
	char *diags = all_diags(reg);
	ck_assert_msg(seqpack_registry_count(reg) >= 1, "no plugins loaded");
	/* Every in-tree plugin loads cleanly. */
	ck_assert_msg(seqpack_registry_diagnostic_count(reg) == 0,
		      "diagnostics loading the in-tree plugins: %s", diags);
	free(diags);

	const seqpack_plugin_info *nf = seqpack_registry_find(reg, "nf");
	ck_assert_ptr_nonnull(nf);
	ck_assert_str_eq(nf->name, "nf");
	ck_assert_str_eq(nf->title, "Next Fit");
	ck_assert(nf->description && nf->description[0]);
	ck_assert(nf->flags & SEQPACK_FLAG_STREAMING);
	ck_assert(nf->flags & SEQPACK_FLAG_ONLINE);
	ck_assert_has(nf->path, "/plugins/nf.");
	const char *env = getenv("SEQPACK_PLUGIN_PATH");
	ck_assert_ptr_nonnull(env);
	ck_assert_msg(strncmp(nf->path, env, strlen(env)) == 0,
		      "nf loaded from %s, not from SEQPACK_PLUGIN_PATH %s",
		      nf->path, env);

	/* get() and find() agree, and names are unique. */
	size_t count = seqpack_registry_count(reg);
	for (size_t i = 0; i < count; i++) {
		const seqpack_plugin_info *info = seqpack_registry_get(reg, i);
		ck_assert_ptr_nonnull(info);
		ck_assert_ptr_eq(seqpack_registry_find(reg, info->name), info);
	}
	ck_assert_ptr_null(seqpack_registry_get(reg, count));
	ck_assert_ptr_null(seqpack_registry_find(reg, "nosuchalgorithm"));
	ck_assert_ptr_null(seqpack_registry_find(reg, NULL));
	ck_assert_ptr_null(seqpack_registry_diagnostic(reg, 0));
	ck_assert_ptr_nonnull(seqpack_registry_default_dir());
	seqpack_registry_unref(reg);
}
END_TEST

START_TEST(test_missing_dir)
{
	char *plugins = tl_builddir_path("plugins");
	char *path = NULL;
	ck_assert_int_ge(asprintf(&path, "/nonexistent/seqpack-plugins:%s",
				  plugins), 0);
	seqpack_registry *reg = open_path(path);
	const char *d = find_diag(reg, "/nonexistent/seqpack-plugins");
	ck_assert_msg(d != NULL, "no diagnostic names the missing directory");
	ck_assert_has(d, "No such file");
	/* The rest of the path still loads. */
	ck_assert_ptr_nonnull(seqpack_registry_find(reg, "nf"));
	seqpack_registry_unref(reg);
	free(path);
	free(plugins);

	/* An empty path loads nothing and is not an error. */
	reg = open_path("");
	ck_assert_uint_eq(seqpack_registry_count(reg), 0);
	seqpack_result *r = NULL;
	seqpack_error err = {0};
	seqpack_params p = params_with(10);
	uint32_t len[1] = {1};
	ck_assert_int_eq(seqpack_pack(reg, "nf", len, 1, &p, &r, &err),
			 SEQPACK_ERR_NOT_FOUND);
	ck_assert_has(err.message, "none loaded");
	seqpack_registry_unref(reg);

	ck_assert_int_eq(seqpack_registry_open(NULL, NULL, &err),
			 SEQPACK_ERR_INVALID);
}
END_TEST

START_TEST(test_broken_plugins)
{
	char *dir = tl_builddir_path("tests/plugins");
	seqpack_registry *reg = open_path(dir);
	char *diags = all_diags(reg);
	static const struct {
		const char *file, *reason;
	} broken[] = {
		{"badabi.", "ABI version 2.0"},
		{"noentry.", "no entry point"},
		{"badname.", "does not match module name"},
		{"nopack.", "no pack function"},
	};
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		const char *d = find_diag(reg, broken[i].file);
		ck_assert_msg(d != NULL, "no diagnostic for %s in: %s",
			      broken[i].file, diags);
		ck_assert_has(d, dir);
		ck_assert_has(d, broken[i].reason);
		ck_assert_has(d, "skipping");
	}
	ck_assert_uint_eq(seqpack_registry_diagnostic_count(reg), 4);
	ck_assert_ptr_null(seqpack_registry_find(reg, "badabi"));
	ck_assert_ptr_null(seqpack_registry_find(reg, "noentry"));
	ck_assert_ptr_null(seqpack_registry_find(reg, "badname"));
	ck_assert_ptr_null(seqpack_registry_find(reg, "other"));
	ck_assert_ptr_null(seqpack_registry_find(reg, "nopack"));
	/* The well-formed (if ill-behaved) ones load. */
	ck_assert_ptr_nonnull(seqpack_registry_find(reg, "liar"));
	ck_assert_ptr_nonnull(seqpack_registry_find(reg, "failer"));
	ck_assert_uint_eq(seqpack_registry_count(reg), 2);
	free(diags);
	seqpack_registry_unref(reg);
	free(dir);
}
END_TEST

START_TEST(test_duplicate_name)
{
	char *plugins = tl_builddir_path("plugins");
	char *dup = tl_builddir_path("tests/dup");
	char *path = NULL;
	const uint32_t len[3] = {1, 1, 1};
	seqpack_params p = params_with(10);

	/* Real plugins first: the duplicate is skipped. */
	ck_assert_int_ge(asprintf(&path, "%s:%s", plugins, dup), 0);
	seqpack_registry *reg = open_path(path);
	const seqpack_plugin_info *nf = seqpack_registry_find(reg, "nf");
	ck_assert_ptr_nonnull(nf);
	ck_assert_msg(strncmp(nf->path, plugins, strlen(plugins)) == 0,
		      "nf came from %s", nf->path);
	const char *d = find_diag(reg, dup);
	ck_assert_msg(d != NULL, "no diagnostic for the duplicate nf");
	ck_assert_has(d, "nf.");
	ck_assert_has(d, "already loaded");
	ck_assert_has(d, nf->path);
	seqpack_result *r = tl_pack(reg, "nf", len, 3, &p);
	ck_assert_uint_eq(r->nbins, 1); /* the real Next Fit */
	seqpack_result_free(r);
	seqpack_registry_unref(reg);
	free(path);

	/* Duplicate first: it wins, and packs one sequence per bin. */
	ck_assert_int_ge(asprintf(&path, "%s:%s", dup, plugins), 0);
	reg = open_path(path);
	nf = seqpack_registry_find(reg, "nf");
	ck_assert_ptr_nonnull(nf);
	ck_assert_str_eq(nf->title, "Duplicate Next Fit");
	ck_assert_ptr_nonnull(find_diag(reg, "already loaded"));
	r = tl_pack(reg, "nf", len, 3, &p);
	ck_assert_uint_eq(r->nbins, 3);
	seqpack_result_free(r);
	seqpack_registry_unref(reg);
	free(path);
	free(plugins);
	free(dup);
}
END_TEST

/* Only NAME.la and NAME.so with NAME [a-z0-9]+ are plugins; anything
 * else in a plugin directory is ignored silently, and a file with a
 * plugin's name that is not a loadable module is skipped with a
 * diagnostic. */
START_TEST(test_file_rules)
{
	char tmpl[] = "/tmp/seqpack-test-XXXXXX";
	char *dir = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(dir);
	char *real = tl_builddir_path("plugins/.libs/nf.so");
	static const char *const links[] = {"nf.so", "Bad-Name.so", "NF.so",
					    "nf2.txt", "libnf.so.0"};
	char path[512];
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, links[i]);
		ck_assert_int_eq(symlink(real, path), 0);
	}
	snprintf(path, sizeof(path), "%s/junk.so", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("not an ELF object\n", f);
	fclose(f);

	seqpack_registry *reg = open_path(dir);
	char *diags = all_diags(reg);
	ck_assert_uint_eq(seqpack_registry_count(reg), 1);
	const seqpack_plugin_info *nf = seqpack_registry_find(reg, "nf");
	ck_assert_ptr_nonnull(nf);
	ck_assert_has(nf->path, "/nf.so");
	ck_assert_msg(seqpack_registry_diagnostic_count(reg) == 1,
		      "diagnostics: %s", diags);
	const char *d = find_diag(reg, "junk.so");
	ck_assert_ptr_nonnull(d);
	ck_assert_has(d, "cannot load");
	free(diags);
	/* The bare .so works like the .la. */
	const uint32_t len[4] = {6, 5, 6, 5};
	seqpack_params p = params_with(10);
	seqpack_result *r = tl_pack(reg, "nf", len, 4, &p);
	ck_assert_uint_eq(r->nbins, 4);
	seqpack_result_free(r);
	seqpack_registry_unref(reg);

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, links[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/junk.so", dir);
	unlink(path);
	rmdir(dir);
	free(real);
}
END_TEST

static seqpack_registry *test_plugins_registry(void)
{
	char *dir = tl_builddir_path("tests/plugins");
	seqpack_registry *reg = open_path(dir);
	free(dir);
	return reg;
}

START_TEST(test_liar_caught)
{
	seqpack_registry *reg = test_plugins_registry();
	seqpack_params p = params_with(10);
	seqpack_error err = {0};
	seqpack_result *r = NULL;

	/* Over capacity. */
	const uint32_t big[3] = {6, 5, 4};
	ck_assert_int_eq(seqpack_pack(reg, "liar", big, 3, &p, &r, &err),
			 SEQPACK_ERR_VERIFY);
	ck_assert_ptr_null(r);
	ck_assert_has(err.message, "liar");
	ck_assert_has(err.message, "capacity");

	/* A missing index (0 listed twice, 2 absent). */
	const uint32_t small[3] = {1, 2, 3};
	ck_assert_int_eq(seqpack_pack(reg, "liar", small, 3, &p, &r, &err),
			 SEQPACK_ERR_VERIFY);
	ck_assert_has(err.message, "liar");
	ck_assert_has(err.message, "sequence 0");

	/* A wrong used. */
	const uint32_t one[1] = {7};
	ck_assert_int_eq(seqpack_pack(reg, "liar", one, 1, &p, &r, &err),
			 SEQPACK_ERR_VERIFY);
	ck_assert_has(err.message, "used");

	/* Through a workspace too. */
	seqpack_workspace *ws = NULL;
	ck_assert_int_eq(seqpack_workspace_new(reg, &ws, &err), SEQPACK_OK);
	const seqpack_result *wr = NULL;
	ck_assert_int_eq(seqpack_workspace_pack(ws, "liar", big, 3, &p, &wr, &err),
			 SEQPACK_ERR_VERIFY);
	ck_assert_ptr_null(wr);

	/* With verification off the lie gets through: what the verify flag
	 * (always on in the daemon) is for.  The independent checker sees it. */
	p.flags = 0;
	ck_assert_int_eq(seqpack_pack(reg, "liar", big, 3, &p, &r, &err),
			 SEQPACK_OK);
	char why[200];
	ck_assert(!tl_check_packing(big, 3, 10, 0, r, why, sizeof(why)));
	seqpack_result_free(r);

	seqpack_workspace_free(ws);
	seqpack_registry_unref(reg);
}
END_TEST

START_TEST(test_failer_message)
{
	seqpack_registry *reg = test_plugins_registry();
	seqpack_params p = params_with(10);
	seqpack_error err = {0};
	seqpack_result *r = NULL;
	const uint32_t len[3] = {1, 2, 3};
	ck_assert_int_eq(seqpack_pack(reg, "failer", len, 3, &p, &r, &err),
			 SEQPACK_ERR_LIMIT);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(err.status, SEQPACK_ERR_LIMIT);
	ck_assert_str_eq(err.message, "failer: deliberate failure on 3 sequences");

	seqpack_workspace *ws = NULL;
	ck_assert_int_eq(seqpack_workspace_new(reg, &ws, &err), SEQPACK_OK);
	const seqpack_result *wr = NULL;
	ck_assert_int_eq(seqpack_workspace_pack(ws, "failer", len, 2, &p, &wr,
						&err),
			 SEQPACK_ERR_LIMIT);
	ck_assert_str_eq(err.message, "failer: deliberate failure on 2 sequences");
	seqpack_workspace_free(ws);
	seqpack_registry_unref(reg);
}
END_TEST

START_TEST(test_unknown_algorithm)
{
	seqpack_registry *reg = tl_registry();
	seqpack_params p = params_with(10);
	seqpack_error err = {0};
	seqpack_result *r = NULL;
	const uint32_t len[2] = {1, 2};
	ck_assert_int_eq(seqpack_pack(reg, "nosuch", len, 2, &p, &r, &err),
			 SEQPACK_ERR_NOT_FOUND);
	ck_assert_ptr_null(r);
	ck_assert_has(err.message, "nosuch");
	ck_assert_has(err.message, "available");
	ck_assert_has(err.message, "nf");

	seqpack_stream *s = NULL;
	ck_assert_int_eq(seqpack_stream_open(reg, "nosuch", &p, never_cb, NULL,
					     &s, &err),
			 SEQPACK_ERR_NOT_FOUND);
	ck_assert_ptr_null(s);
	ck_assert_has(err.message, "nosuch");
	ck_assert_has(err.message, "nf");
	ck_assert_int_eq(seqpack_stream_open(reg, "nf", &p, NULL, NULL, &s,
					     &err),
			 SEQPACK_ERR_INVALID); /* no callback */
	seqpack_registry_unref(reg);
}
END_TEST

START_TEST(test_pack_validates)
{
	seqpack_registry *reg = tl_registry();
	seqpack_params p = params_with(10);
	seqpack_error err = {0};
	seqpack_result *r = NULL;
	uint32_t len[4] = {3, 4, 11, 2};

	ck_assert_int_eq(seqpack_pack(reg, "nf", len, 4, &p, &r, &err),
			 SEQPACK_ERR_LENGTH);
	ck_assert_str_eq(err.message, "sequence 2 has length 11 > capacity 10");
	len[2] = 0;
	ck_assert_int_eq(seqpack_pack(reg, "nf", len, 4, &p, &r, &err),
			 SEQPACK_ERR_LENGTH);
	ck_assert_has(err.message, "sequence 2 has length 0");
	len[2] = 5;
	p.capacity = 0;
	ck_assert_int_eq(seqpack_pack(reg, "nf", len, 4, &p, &r, &err),
			 SEQPACK_ERR_CAPACITY);
	p.capacity = 10;
	ck_assert_int_eq(seqpack_pack(NULL, "nf", len, 4, &p, &r, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_int_eq(seqpack_pack(reg, NULL, len, 4, &p, &r, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_int_eq(seqpack_pack(reg, "nf", len, 4, NULL, &r, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_int_eq(seqpack_pack(reg, "nf", len, 4, &p, NULL, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_int_eq(seqpack_pack(reg, "nf", NULL, 4, &p, &r, &err),
			 SEQPACK_ERR_INVALID);
	ck_assert_ptr_null(r);

	/* A valid call fills every field. */
	r = tl_pack(reg, "nf", len, 4, &p);
	ck_assert_str_eq(r->algorithm, "nf");
	ck_assert_uint_eq(r->n, 4);
	ck_assert_uint_eq(r->nbins, 2); /* [3 4] [5 2] */
	ck_assert_uint_eq(r->metrics.bins, 2);
	ck_assert_uint_eq(r->metrics.total_tokens, 14);
	ck_assert_uint_eq(r->metrics.lower_bound, 2);
	ck_assert_uint_eq(r->metrics.padding_tokens, 6);
	seqpack_result_free(r);

	/* No sequences: no bins. */
	r = tl_pack(reg, "nf", NULL, 0, &p);
	ck_assert_uint_eq(r->nbins, 0);
	ck_assert_double_eq(r->metrics.efficiency, 1.0);
	seqpack_result_free(r);
	seqpack_registry_unref(reg);
}
END_TEST

START_TEST(test_env_path)
{
	char *dir = tl_builddir_path("tests/plugins");
	/* Restored at the end, for runs with CK_FORK=no. */
	char *saved = getenv("SEQPACK_PLUGIN_PATH");
	saved = saved ? strdup(saved) : NULL;
	ck_assert_int_eq(setenv("SEQPACK_PLUGIN_PATH", dir, 1), 0);
	seqpack_registry *reg = NULL;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_registry_open(NULL, &reg, &err), SEQPACK_OK);
	const seqpack_plugin_info *liar = seqpack_registry_find(reg, "liar");
	ck_assert_ptr_nonnull(liar);
	ck_assert_msg(strncmp(liar->path, dir, strlen(dir)) == 0,
		      "liar came from %s", liar->path);
	ck_assert_ptr_nonnull(find_diag(reg, "badabi."));
	seqpack_registry_unref(reg);

	/* A missing directory on the environment path is reported too. */
	ck_assert_int_eq(setenv("SEQPACK_PLUGIN_PATH", "/nonexistent/envdir", 1), 0);
	ck_assert_int_eq(seqpack_registry_open(NULL, &reg, &err), SEQPACK_OK);
	ck_assert_ptr_nonnull(find_diag(reg, "/nonexistent/envdir"));
	ck_assert_ptr_null(seqpack_registry_find(reg, "liar"));
	seqpack_registry_unref(reg);
	free(dir);
	if (saved)
		setenv("SEQPACK_PLUGIN_PATH", saved, 1);
	else
		unsetenv("SEQPACK_PLUGIN_PATH");
	free(saved);
}
END_TEST

START_TEST(test_ref_unref)
{
	seqpack_registry *reg = tl_registry();
	ck_assert_ptr_eq(seqpack_registry_ref(reg), reg);
	ck_assert_ptr_null(seqpack_registry_unref(reg));
	/* Still alive: one reference left. */
	ck_assert_ptr_nonnull(seqpack_registry_find(reg, "nf"));

	/* A workspace and a stream keep the registry alive on their own. */
	seqpack_error err = {0};
	seqpack_workspace *ws = NULL;
	ck_assert_int_eq(seqpack_workspace_new(reg, &ws, &err), SEQPACK_OK);
	seqpack_params p = params_with(10);
	ck_assert_ptr_null(seqpack_registry_unref(reg));
	const uint32_t len[3] = {5, 5, 5};
	const seqpack_result *r = NULL;
	ck_assert_int_eq(seqpack_workspace_pack(ws, "nf", len, 3, &p, &r, &err),
			 SEQPACK_OK);
	ck_assert_uint_eq(r->nbins, 2);
	ck_assert_ptr_null(seqpack_workspace_free(ws));

	ck_assert_ptr_null(seqpack_registry_ref(NULL));
	ck_assert_ptr_null(seqpack_registry_unref(NULL));
	ck_assert_ptr_null(seqpack_workspace_free(NULL));
	ck_assert_uint_eq(seqpack_registry_count(NULL), 0);
	ck_assert_uint_eq(seqpack_registry_diagnostic_count(NULL), 0);
	ck_assert_int_eq(seqpack_workspace_new(NULL, &ws, &err),
			 SEQPACK_ERR_INVALID);
}
END_TEST

/* Workspace results equal one-shot results, call after call, while sizes
 * grow and shrink and algorithms alternate. */
START_TEST(test_workspace_reuse)
{
	seqpack_registry *reg = tl_registry();
	seqpack_error err = {0};
	seqpack_workspace *ws = NULL;
	ck_assert_int_eq(seqpack_workspace_new(reg, &ws, &err), SEQPACK_OK);
	static const size_t sizes[] = {100, 5, 0, 3000, 1, 700, 700, 64};
	size_t nalg = seqpack_registry_count(reg);
	uint32_t *len = malloc(3000 * sizeof(uint32_t));
	ck_assert_ptr_nonnull(len);
	tl_rng rng;
	tl_rng_seed(&rng, 42);
	unsigned rounds = tl_iters(3);
	for (unsigned round = 0; round < rounds; round++)
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			seqpack_params p = params_with(si % 2 ? 4096 : 1000);
			p.threads = 2;
			p.max_items = si == 3 ? 7 : 0;
			p.seed = round;
			tl_gen(&rng, (enum tl_shape)(si % TL_NSHAPES), p.capacity,
			       len, sizes[si]);
			for (size_t a = 0; a < nalg; a++) {
				const char *name = seqpack_registry_get(reg, a)->name;
				seqpack_result *one = tl_pack(reg, name, len,
							      sizes[si], &p);
				const seqpack_result *wr = NULL;
				int rc = seqpack_workspace_pack(ws, name, len,
								sizes[si], &p,
								&wr, &err);
				ck_assert_msg(rc == SEQPACK_OK, "%s: %s", name,
					      err.message);
				ck_assert_msg(tl_same_result(one, wr),
					      "%s: workspace result differs (n=%zu, round %u)",
					      name, sizes[si], round);
				ck_assert_str_eq(wr->algorithm, name);
				ck_assert_uint_eq(wr->metrics.bins, one->metrics.bins);
				ck_assert_uint_eq(wr->metrics.total_tokens,
						  one->metrics.total_tokens);
				seqpack_result_free(one);
			}
		}
	free(len);
	seqpack_workspace_free(ws);
	seqpack_registry_unref(reg);
}
END_TEST

START_TEST(test_stream_offline_refused)
{
	seqpack_params p = params_with(10);
	seqpack_error err = {0};
	seqpack_stream *s = NULL;

	seqpack_registry *reg = test_plugins_registry();
	ck_assert_int_eq(seqpack_stream_open(reg, "liar", &p, never_cb, NULL,
					     &s, &err),
			 SEQPACK_ERR_UNSUPPORTED);
	ck_assert_ptr_null(s);
	ck_assert_has(err.message, "liar");
	/* The list of streaming plugins comes from the loaded plugins'
	 * flags: none of the test plugins streams. */
	ck_assert_has(err.message, "(streaming algorithms: none loaded)");
	seqpack_registry_unref(reg);

	/* Every in-tree plugin without the streaming flag refuses too,
	 * naming exactly the loaded plugins that do stream. */
	reg = tl_registry();
	char streaming[200] = "(streaming algorithms: ";
	int first = 1;
	for (size_t i = 0; i < seqpack_registry_count(reg); i++) {
		const seqpack_plugin_info *info = seqpack_registry_get(reg, i);
		if (!(info->flags & SEQPACK_FLAG_STREAMING))
			continue;
		if (!first)
			strcat(streaming, ", ");
		strcat(streaming, info->name);
		first = 0;
	}
	strcat(streaming, ")");
	ck_assert_msg(!first, "no streaming plugin in the build tree");
	for (size_t i = 0; i < seqpack_registry_count(reg); i++) {
		const seqpack_plugin_info *info = seqpack_registry_get(reg, i);
		int rc = seqpack_stream_open(reg, info->name, &p, never_cb,
					     NULL, &s, &err);
		if (info->flags & SEQPACK_FLAG_STREAMING) {
			ck_assert_msg(rc == SEQPACK_OK, "%s: %s", info->name,
				      err.message);
			seqpack_stream_free(s);
		} else {
			ck_assert_msg(rc == SEQPACK_ERR_UNSUPPORTED,
				      "%s: stream_open gave %d", info->name, rc);
			ck_assert_has(err.message, info->name);
			ck_assert_has(err.message, streaming);
		}
		s = NULL;
	}
	seqpack_registry_unref(reg);
}
END_TEST

/* Registries opened and dropped from several threads at once (libltdl's
 * global state is behind the library's lock): run under ASan/valgrind,
 * a race shows up as a crash or a wrong answer. */
static void *open_pack_close(void *arg)
{
	const char *path = arg;
	const uint32_t len[4] = {6, 5, 6, 5};
	seqpack_params p = params_with(10);
	for (int i = 0; i < 10; i++) {
		seqpack_registry *reg = NULL;
		if (seqpack_registry_open(path, &reg, NULL) != SEQPACK_OK)
			return (void *)"open failed";
		seqpack_result *r = NULL;
		int rc = seqpack_pack(reg, "nf", len, 4, &p, &r, NULL);
		int ok = rc == SEQPACK_OK && r->nbins == 4;
		seqpack_result_free(r);
		seqpack_registry_unref(reg);
		if (!ok)
			return (void *)"pack failed";
	}
	return NULL;
}

START_TEST(test_threads)
{
	char *path = tl_builddir_path("plugins");
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, open_pack_close, path), 0);
	for (int i = 0; i < 4; i++) {
		void *res = NULL;
		ck_assert_int_eq(pthread_join(t[i], &res), 0);
		ck_assert_msg(res == NULL, "thread %d: %s", i, (char *)res);
	}
	free(path);
}
END_TEST

static Suite *registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("loading");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_load_in_tree);
	tcase_add_test(tc, test_missing_dir);
	tcase_add_test(tc, test_broken_plugins);
	tcase_add_test(tc, test_duplicate_name);
	tcase_add_test(tc, test_file_rules);
	tcase_add_test(tc, test_env_path);
	tcase_add_test(tc, test_ref_unref);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);

	tc = tcase_create("packing");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_liar_caught);
	tcase_add_test(tc, test_failer_message);
	tcase_add_test(tc, test_unknown_algorithm);
	tcase_add_test(tc, test_pack_validates);
	tcase_add_test(tc, test_workspace_reuse);
	tcase_add_test(tc, test_stream_offline_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run(registry_suite());
}

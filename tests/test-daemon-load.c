/* seqpackd under load and through its lifecycle: 32 concurrent clients
 * with every answer checked and no fd or memory growth afterwards;
 * SIGTERM while requests are provably in flight (held inside the gate
 * test plugin); SIGHUP picking up a plugin dropped into the plugin path
 * while an in-flight request keeps the registry it started with. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test-daemon-gate.h"
#include "test-daemon-util.h"
#include "testlib.h"

#define CLIENTS 32
#define NLEN 10000

struct worker_arg {
	const struct td *d;
	seqpack_registry *reg;
	unsigned id, requests;
	unsigned ok;
	char why[300];
};

static void *load_client(void *arg)
{
	struct worker_arg *a = arg;
	seqpack_client *c = NULL;
	seqpack_error err = {0};
	if (seqpack_client_connect(a->d->sock, &c, &err) != SEQPACK_OK) {
		snprintf(a->why, sizeof(a->why), "connect: %s", err.message);
		return NULL;
	}
	uint32_t *lengths = malloc(NLEN * sizeof(uint32_t));
	tl_rng rng;
	tl_rng_seed(&rng, 1000 + a->id);
	size_t nalg = seqpack_registry_count(a->reg);
	for (unsigned i = 0; i < a->requests; i++) {
		const char *alg =
			seqpack_registry_get(a->reg, (a->id + i) % nalg)->name;
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = 4096;
		p.threads = 1;
		tl_gen(&rng, (enum tl_shape)((a->id + i) % TL_NSHAPES),
		       p.capacity, lengths, NLEN);
		seqpack_result *got = NULL, *want = NULL;
		int rc = seqpack_client_pack(c, alg, lengths, NLEN, &p, &got, &err);
		if (rc != SEQPACK_OK) {
			snprintf(a->why, sizeof(a->why), "%s: %s", alg, err.message);
			break;
		}
		rc = seqpack_pack(a->reg, alg, lengths, NLEN, &p, &want, &err);
		int same = rc == SEQPACK_OK && tl_same_result(got, want) &&
			   got->metrics.bins == want->metrics.bins &&
			   got->metrics.efficiency == want->metrics.efficiency;
		seqpack_result_free(got);
		seqpack_result_free(want);
		if (!same) {
			snprintf(a->why, sizeof(a->why), "%s: result differs", alg);
			break;
		}
		a->ok++;
	}
	free(lengths);
	seqpack_client_close(c);
	return NULL;
}

static void run_load(const struct td *d, seqpack_registry *reg,
		     unsigned requests)
{
	pthread_t th[CLIENTS];
	struct worker_arg args[CLIENTS];
	for (unsigned i = 0; i < CLIENTS; i++) {
		args[i] = (struct worker_arg){.d = d, .reg = reg, .id = i,
					      .requests = requests};
		ck_assert_int_eq(pthread_create(&th[i], NULL, load_client,
						&args[i]), 0);
	}
	for (unsigned i = 0; i < CLIENTS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(args[i].ok == requests, "client %u: %u/%u ok: %s",
			      i, args[i].ok, requests, args[i].why);
	}
}

/* fds and memory with one client connected and everything before
 * settled (see settled in test-daemon-bad.c: two STATS round trips). */
static void measure(const struct td *d, unsigned *fds, unsigned long *rss,
		    uint64_t *conns)
{
	seqpack_client *c = td_client(d);
	seqpack_daemon_stats *s = NULL;
	seqpack_error err;
	for (int i = 0; i < 2; i++) {
		seqpack_daemon_stats_free(s);
		ck_assert_int_eq(seqpack_client_stats(c, &s, &err), SEQPACK_OK);
	}
	*conns = seqpack_daemon_stats_get(s, "connections.current");
	seqpack_daemon_stats_free(s);
	*fds = td_fd_count(d->pid);
	*rss = td_rss_kb(d->pid);
	seqpack_client_close(c);
}

START_TEST(concurrent_clients)
{
	struct td d;
	td_start(&d, NULL, NULL);
	seqpack_registry *reg = tl_registry();
	unsigned requests = tl_iters(100);
	/* a warm-up round sizes the daemon's buffers and malloc arenas */
	run_load(&d, reg, requests < 10 ? requests : 10);
	unsigned fds0, fds1;
	unsigned long rss0, rss1;
	uint64_t c0, c1;
	measure(&d, &fds0, &rss0, &c0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_load(&d, reg, requests);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	measure(&d, &fds1, &rss1, &c1);
	fprintf(stderr, "%d clients x %u PACKs of %d lengths: %.2f s (checked in-process too); daemon fds %u -> %u, RSS %lu -> %lu kB\n",
		CLIENTS, requests, NLEN,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		fds0, fds1, rss0, rss1);
	ck_assert_uint_eq(c0, 1);
	ck_assert_uint_eq(c1, 1);
	ck_assert_uint_eq(fds1, fds0);
	/* 3200 requests of 40 kB each way: a leak of even one buffer per
	 * request would be far above this.  Under AddressSanitizer freed
	 * memory sits in quarantine, so RSS says nothing there; LeakSanitizer
	 * checks the daemon at exit instead (td_stop() wants status 0). */
#ifndef __SANITIZE_ADDRESS__
	ck_assert_msg(rss1 <= rss0 + 16384, "daemon grew from %lu to %lu kB",
		      rss0, rss1);
#endif
	seqpack_client *c = td_client(&d);
	seqpack_daemon_stats *s = NULL;
	seqpack_error err;
	ck_assert_int_eq(seqpack_client_stats(c, &s, &err), SEQPACK_OK);
	unsigned warm = requests < 10 ? requests : 10;
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "requests.pack"),
			  (uint64_t)CLIENTS * (requests + warm));
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "errors.total"), 0);
	seqpack_daemon_stats_free(s);
	seqpack_client_close(c);
	seqpack_registry_unref(reg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Requests held in the gate (test-daemon-gate.h). */

struct gated {
	const struct td *d;
	seqpack_registry *reg;
	seqpack_client *c;
	int rc;
	int same;
	char why[256];
};

static void *gated_pack(void *p)
{
	struct gated *g = p;
	uint32_t lengths[1000];
	tl_rng rng;
	tl_rng_seed(&rng, 3);
	seqpack_params prm;
	seqpack_params_init(&prm);
	prm.capacity = 500;
	tl_gen(&rng, TL_UNIFORM, prm.capacity, lengths, 1000);
	seqpack_result *got = NULL, *want = NULL;
	seqpack_error err = {0};
	g->rc = seqpack_client_pack(g->c, "gate", lengths, 1000, &prm, &got,
				    &err);
	snprintf(g->why, sizeof(g->why), "%s", err.message);
	/* gate packs as Next Fit does */
	if (g->rc == SEQPACK_OK &&
	    seqpack_pack(g->reg, "nf", lengths, 1000, &prm, &want, NULL) ==
		    SEQPACK_OK)
		g->same = tl_same_result(got, want);
	seqpack_result_free(got);
	seqpack_result_free(want);
	return NULL;
}

static char *plugin_path_with(const char *extra_dir)
{
	char *plugins = tl_builddir_path("plugins");
	char *buf = malloc(4200);
	snprintf(buf, 4200, "--plugin-path=%s:%s", plugins, extra_dir);
	free(plugins);
	return buf;
}

START_TEST(sigterm_completes_in_flight)
{
	struct gate g;
	gate_open(&g);
	char *gatedir = tl_builddir_path("tests/daemon");
	char *arg = plugin_path_with(gatedir);
	free(gatedir);
	const char *extra[] = {arg, NULL};
	struct td d;
	td_start(&d, NULL, extra);
	seqpack_registry *reg = tl_registry();
	tl_require(reg, "nf");
	enum { K = 3 };
	struct gated gs[K];
	pthread_t th[K];
	for (int i = 0; i < K; i++) {
		gs[i] = (struct gated){.d = &d, .reg = reg, .c = td_client(&d)};
		ck_assert_int_eq(pthread_create(&th[i], NULL, gated_pack, &gs[i]), 0);
	}
	gate_wait_entered(&g, K);
	/* all K requests are inside the plugin now */
	ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
	ck_assert(td_wait_notify(&d, "STOPPING=1"));
	/* no new connections: the socket is gone */
	struct stat st;
	ck_assert_int_ne(stat(d.sock, &st), 0);
	gate_release(&g, K);
	for (int i = 0; i < K; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(gs[i].rc == SEQPACK_OK, "in-flight request %d: %s",
			      i, gs[i].why);
		ck_assert(gs[i].same);
		seqpack_client_close(gs[i].c);
	}
	ck_assert_int_eq(td_wait_exit(&d), 0);
	ck_assert_int_eq(td_stop(&d), 0);
	seqpack_registry_unref(reg);
	gate_close(&g);
	free(arg);
}
END_TEST

static int listed(const struct td *d, const char *name)
{
	seqpack_client *c = td_client(d);
	seqpack_algorithm_list *l = NULL;
	seqpack_error err;
	ck_assert_int_eq(seqpack_client_list(c, &l, &err), SEQPACK_OK);
	int found = 0;
	for (size_t i = 0; i < l->count; i++)
		found |= strcmp(l->algorithms[i].name, name) == 0;
	seqpack_algorithm_list_free(l);
	seqpack_client_close(c);
	return found;
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb");
	ck_assert_msg(in != NULL, "open %s: %s", from, strerror(errno));
	FILE *out = fopen(to, "wb");
	ck_assert(out != NULL);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

START_TEST(sighup_rescans_plugins)
{
	char extra_dir[] = "/tmp/seqpack-plugins.XXXXXX";
	ck_assert(mkdtemp(extra_dir) != NULL);
	char dst[128];
	snprintf(dst, sizeof(dst), "%s/gate.so", extra_dir);
	char *src = tl_builddir_path("tests/daemon/.libs/gate.so");
	char *arg = plugin_path_with(extra_dir);
	const char *extra[] = {arg, NULL};
	struct gate g;
	gate_open(&g);
	struct td d;
	td_start(&d, NULL, extra);
	seqpack_registry *reg = tl_registry();
	ck_assert(!listed(&d, "gate"));

	/* dropped in, then SIGHUP: listed */
	copy_file(src, dst);
	ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
	ck_assert(td_wait_notify(&d, "RELOADING=1"));
	ck_assert(td_wait_notify(&d, "READY=1"));
	ck_assert(listed(&d, "gate"));

	/* a request held inside gate keeps the registry it started with
	 * while gate is removed and the daemon reloads */
	struct gated gs = {.d = &d, .reg = reg, .c = td_client(&d)};
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, gated_pack, &gs), 0);
	gate_wait_entered(&g, 1);
	ck_assert_int_eq(unlink(dst), 0);
	ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
	ck_assert(td_wait_notify(&d, "READY=1"));
	ck_assert(!listed(&d, "gate"));
	gate_release(&g, 1);
	pthread_join(th, NULL);
	ck_assert_msg(gs.rc == SEQPACK_OK, "%s", gs.why);
	ck_assert(gs.same);
	seqpack_client_close(gs.c);

	seqpack_client *c = td_client(&d);
	seqpack_daemon_stats *s = NULL;
	seqpack_error err;
	ck_assert_int_eq(seqpack_client_stats(c, &s, &err), SEQPACK_OK);
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "registry.reloads"), 2);
	seqpack_daemon_stats_free(s);
	seqpack_client_close(c);
	ck_assert_int_eq(td_stop(&d), 0);
	seqpack_registry_unref(reg);
	gate_close(&g);
	rmdir(extra_dir);
	free(src);
	free(arg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-load");
	TCase *tc = tcase_create("load");
	tcase_set_timeout(tc, 1200);
	tcase_add_test(tc, concurrent_clients);
	tcase_add_test(tc, sigterm_completes_in_flight);
	tcase_add_test(tc, sighup_rescans_plugins);
	suite_add_tcase(s, tc);
	return tl_run(s);
}

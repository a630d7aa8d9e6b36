/* seqpack-load: the order of a run.  Options, the workload, the
 * in-process registry, the daemon (connect, with --wait retries; its
 * algorithm list; its pid), its error counter before, the run itself
 * (collect.c), the counter after, the report. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/client.h>

#include "load.h"
#include "util/cleanup-seqpack-internal.h"
#include "util/clock-internal.h"

/* Pause between connection attempts under --wait. */
#define RETRY_MS 10

struct names {
	char **v;
	size_t n;
};

static void names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int names_add(struct names *l, const char *name, size_t len)
{
	char **p = realloc(l->v, (l->n + 1) * sizeof(*p));
	if (!p)
		return -1;
	l->v = p;
	if (!(l->v[l->n] = strndup(name, len)))
		return -1;
	l->n++;
	return 0;
}

UTIL_DEFINE_CLEANUP(seqpack_algorithm_list *, seqpack_algorithm_list_free)
UTIL_DEFINE_CLEANUP(seqpack_daemon_stats *, seqpack_daemon_stats_free)

/* Connect, retrying I/O failures (no socket yet, nobody listening) for
 * o->wait_s seconds, or until the --daemon-pid process is gone. */
static int connect_daemon(const struct load_opts *o, seqpack_client **ret)
{
	uint64_t deadline = util_now_ms() + (uint64_t)o->wait_s * 1000;
	seqpack_error err = {0};
	for (;;) {
		int rc = seqpack_client_connect(o->socket, ret, &err);
		if (rc == SEQPACK_OK)
			return 0;
		int gone = o->daemon_pid && kill(o->daemon_pid, 0) != 0 &&
			   errno == ESRCH;
		if (rc != SEQPACK_ERR_IO || gone || util_now_ms() >= deadline) {
			load_error("cannot connect to the daemon: %s%s",
				   err.message,
				   gone ? " (the --daemon-pid process is gone)"
					: "");
			return -1;
		}
		poll(NULL, 0, RETRY_MS);
	}
}

static int daemon_has(const seqpack_algorithm_list *l, const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->algorithms[i].name, name) == 0)
			return 1;
	return 0;
}

/* The run's algorithms: --algorithms, each served by the daemon, or all
 * the daemon serves; each must also load in-process.  Returns -1 or the
 * exit status after a message. */
static int pick_algorithms(const struct load_opts *o,
			   const seqpack_algorithm_list *l,
			   const seqpack_registry *reg, struct names *ret)
{
	if (o->algorithms) {
		for (const char *p = o->algorithms; *p;) {
			size_t len = strcspn(p, ",");
			if (len && names_add(ret, p, len) != 0)
				return LOAD_EXIT_SETUP;
			p += len + (p[len] == ',');
		}
	} else {
		for (size_t i = 0; i < l->count; i++)
			if (names_add(ret, l->algorithms[i].name,
				      strlen(l->algorithms[i].name)) != 0)
				return LOAD_EXIT_SETUP;
	}
	if (ret->n == 0) {
		load_error(o->algorithms ? "--algorithms: no algorithm named"
					 : "the daemon serves no algorithm");
		return o->algorithms ? LOAD_EXIT_USAGE : LOAD_EXIT_SETUP;
	}
	if (ret->n > UINT16_MAX) {
		load_error("--algorithms: more than %u", UINT16_MAX);
		return LOAD_EXIT_USAGE;
	}
	for (size_t i = 0; i < ret->n; i++) {
		if (!daemon_has(l, ret->v[i])) {
			load_error("--algorithms: the daemon serves no '%s'",
				   ret->v[i]);
			return LOAD_EXIT_USAGE;
		}
		if (!seqpack_registry_find(reg, ret->v[i])) {
			load_error("'%s' is served by the daemon but not loaded in-process (set --plugin-path or SEQPACK_PLUGIN_PATH to the daemon's plugins)",
				   ret->v[i]);
			return LOAD_EXIT_SETUP;
		}
	}
	return -1;
}

/* The daemon's errors.total, or -1 (message printed). */
static int daemon_errors(const struct load_opts *o, uint64_t *ret)
{
	_cleanup_client_ seqpack_client *c = NULL;
	_cleanup_(seqpack_daemon_stats_freep) seqpack_daemon_stats *s = NULL;
	seqpack_error err = {0};
	if (seqpack_client_connect(o->socket, &c, &err) != SEQPACK_OK ||
	    seqpack_client_stats(c, &s, &err) != SEQPACK_OK) {
		load_error("STATS: %s", err.message);
		return -1;
	}
	*ret = seqpack_daemon_stats_get(s, "errors.total");
	return 0;
}

/* The pid to sample: --daemon-pid, checked, or the socket's peer. */
static int find_daemon(const struct load_opts *o, pid_t *ret)
{
	struct load_proc s;
	if (o->daemon_pid) {
		if (load_proc_sample(o->daemon_pid, &s) != 0) {
			load_error("--daemon-pid: cannot read /proc/%d: %s",
				   (int)o->daemon_pid, strerror(errno));
			return -1;
		}
		*ret = o->daemon_pid;
		return 0;
	}
	char why[300] = "";
	*ret = load_daemon_pid(o->socket, why, sizeof(why));
	if (*ret && load_proc_sample(*ret, &s) != 0) {
		snprintf(why, sizeof(why), "cannot read /proc/%d", (int)*ret);
		*ret = 0;
	}
	if (!*ret)
		load_error("warning: the daemon is not sampled: %s", why);
	return 0;
}

static int run(const struct load_opts *o)
{
	_cleanup_(load_workload_free) struct load_workload w = {
		.capacity = o->capacity,
		.size_min = o->size_min,
		.size_max = o->size_max,
		.seed = o->seed,
	};
	if (o->lengths_file && load_workload_read_file(&w, o->lengths_file) != 0)
		return LOAD_EXIT_USAGE;
	_cleanup_registry_ seqpack_registry *reg = NULL;
	seqpack_error err = {0};
	if (seqpack_registry_open(o->plugin_path, &reg, &err) != SEQPACK_OK) {
		load_error("cannot load the plugins: %s", err.message);
		return LOAD_EXIT_SETUP;
	}
	_cleanup_client_ seqpack_client *c = NULL;
	if (connect_daemon(o, &c) != 0)
		return LOAD_EXIT_SETUP;
	_cleanup_(seqpack_algorithm_list_freep) seqpack_algorithm_list *l = NULL;
	if (seqpack_client_list(c, &l, &err) != SEQPACK_OK) {
		load_error("LIST: %s", err.message);
		return LOAD_EXIT_SETUP;
	}
	/* Closed now: an idle connection would be timed out during a long
	 * run (idle-timeout), and it would count in the daemon's fds. */
	c = seqpack_client_close(c);
	_cleanup_(names_free) struct names algs = {0};
	int st = pick_algorithms(o, l, reg, &algs);
	if (st >= 0)
		return st;
	struct load_result res = {0};
	uint64_t errors0 = 0, errors1 = 0;
	if (find_daemon(o, &res.daemon_pid) != 0 ||
	    daemon_errors(o, &errors0) != 0)
		return LOAD_EXIT_SETUP;
	struct load_run lr = {.o = o, .w = &w, .reg = reg,
			      .algorithms = algs.v, .nalg = algs.n};
	_cleanup_free_ struct load_rec *recs = NULL;
	int rc = load_collect(&lr, &res);
	recs = res.recs;
	if (rc != 0)
		return LOAD_EXIT_SETUP;
	/* a daemon that no longer answers after the run failed it */
	int after = daemon_errors(o, &errors1);
	if (after == 0) {
		res.daemon_errors = errors1 - errors0;
		res.daemon_errors_known = 1;
	}
	st = load_report(&lr, &res);
	return after == 0 ? st : LOAD_EXIT_FAILED;
}

int main(int argc, char **argv)
{
	struct load_opts o;
	int st = load_parse_options(argc, argv, &o);
	if (st >= 0)
		return st;
	return run(&o);
}

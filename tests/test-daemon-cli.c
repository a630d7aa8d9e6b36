/* `seqpack pack|stream|algorithms --socket PATH` print byte for byte what
 * the in-process commands print (with --no-timing, the one field that
 * differs), errors included; `seqpack stats` reads the daemon. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

static struct td D;
static seqpack_registry *REG;

struct out {
	char *out, *err;
	size_t outlen;
	int status;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	size_t r;
	while ((r = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n < 2) {
			cap *= 2;
			b = realloc(b, cap);
			ck_assert(b != NULL);
		}
	}
	fclose(f);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

/* Run seqpack with argv (NULL-terminated, without the program). */
static struct out run(const char *const *args)
{
	static char *tool;
	if (!tool)
		tool = tl_builddir_path("tools/seqpack");
	const char *argv[32];
	size_t n = 0;
	argv[n++] = tool;
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	char op[128], ep[128];
	snprintf(op, sizeof(op), "%s/stdout", D.dir);
	snprintf(ep, sizeof(ep), "%s/stderr", D.dir);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int o = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	struct out r;
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	r.out = slurp(op, &r.outlen);
	r.err = slurp(ep, NULL);
	return r;
}

static void out_free(struct out *o)
{
	free(o->out);
	free(o->err);
}

/* The same command in-process and through the daemon: same status, same
 * stdout bytes, same stderr. */
static void same(const char *const *args, int want_status)
{
	const char *withsock[32];
	size_t n = 0;
	withsock[n++] = args[0];
	withsock[n++] = "--socket";
	withsock[n++] = D.sock;
	for (size_t i = 1; args[i] && n < 31; i++)
		withsock[n++] = args[i];
	withsock[n] = NULL;
	struct out a = run(args), b = run(withsock);
	ck_assert_msg(a.status == want_status, "%s %s: status %d (%s)",
		      args[0], args[1] ? args[1] : "", a.status, a.err);
	ck_assert_msg(b.status == a.status, "%s via daemon: status %d, in-process %d: %s",
		      args[0], b.status, a.status, b.err);
	ck_assert_msg(a.outlen == b.outlen && memcmp(a.out, b.out, a.outlen) == 0,
		      "%s %s: stdout differs through the daemon", args[0],
		      args[1] ? args[1] : "");
	ck_assert_str_eq(a.err, b.err);
	out_free(&a);
	out_free(&b);
}

static char lengths_file[128], stream_file[128], bad_file[128];

static void setup(void)
{
	td_start(&D, NULL, NULL);
	REG = tl_registry();
	snprintf(lengths_file, sizeof(lengths_file), "%s/lengths.txt", D.dir);
	snprintf(stream_file, sizeof(stream_file), "%s/stream.txt", D.dir);
	snprintf(bad_file, sizeof(bad_file), "%s/bad.txt", D.dir);
	uint32_t l[3000];
	tl_rng rng;
	tl_rng_seed(&rng, 2024);
	tl_gen(&rng, TL_HEAVY, 4096, l, 3000);
	FILE *f = fopen(lengths_file, "w");
	FILE *g = fopen(stream_file, "w");
	for (int i = 0; i < 3000; i++) {
		fprintf(f, "%u\n", l[i]);
		/* several lengths on some lines, as stream accepts */
		fprintf(g, i % 7 ? "%u\n" : "%u ", l[i]);
	}
	fclose(f);
	fclose(g);
	f = fopen(bad_file, "w");
	fputs("5\n3\n5000\n", f);
	fclose(f);
}

static void teardown(void)
{
	seqpack_registry_unref(REG);
	ck_assert_int_eq(td_stop(&D), 0);
}

START_TEST(pack_every_algorithm)
{
	ck_assert_uint_gt(seqpack_registry_count(REG), 0);
	for (size_t i = 0; i < seqpack_registry_count(REG); i++) {
		const char *alg = seqpack_registry_get(REG, i)->name;
		const char *json[] = {"pack", "-a", alg, "-c", "4096",
				      "--no-timing", lengths_file, NULL};
		same(json, 0);
		const char *text[] = {"pack", "-a", alg, "-c", "4096", "-m", "5",
				      "-o", "text", "--no-timing", lengths_file,
				      NULL};
		same(text, 0);
	}
}
END_TEST

START_TEST(pack_errors)
{
	const char *unknown[] = {"pack", "-a", "nosuch", "-c", "4096",
				 lengths_file, NULL};
	same(unknown, 2);
	const char *too_long[] = {"pack", "-a", "nf", "-c", "4096", bad_file,
				  NULL};
	same(too_long, 1);
	const char *cap[] = {"pack", "-a", "nf", "-c", "10", lengths_file, NULL};
	same(cap, 1);
}
END_TEST

START_TEST(stream_every_algorithm)
{
	int streamed = 0;
	for (size_t i = 0; i < seqpack_registry_count(REG); i++) {
		const seqpack_plugin_info *p = seqpack_registry_get(REG, i);
		const char *args[] = {"stream", "-a", p->name, "-c", "4096",
				      "-n", "4", stream_file, NULL};
		same(args, p->flags & SEQPACK_FLAG_STREAMING ? 0 : 2);
		streamed += (p->flags & SEQPACK_FLAG_STREAMING) != 0;
	}
	ck_assert_int_gt(streamed, 0);
	const char *bad[] = {"stream", "-a", "nf", "-c", "4096", bad_file, NULL};
	same(bad, 1);
}
END_TEST

START_TEST(algorithms_listing)
{
	const char *text[] = {"algorithms", NULL};
	same(text, 0);
	const char *json[] = {"algorithms", "--json", NULL};
	same(json, 0);
}
END_TEST

START_TEST(stats_command)
{
	const char *pack[] = {"pack", "--socket", D.sock, "-a", "nf", "-c",
			      "4096", lengths_file, NULL};
	struct out o = run(pack);
	ck_assert_int_eq(o.status, 0);
	out_free(&o);
	const char *json[] = {"stats", "--socket", D.sock, NULL};
	o = run(json);
	ck_assert_msg(o.status == 0, "%s", o.err);
	ck_assert_ptr_nonnull(strstr(o.out, "\"requests.pack\":1"));
	ck_assert_ptr_nonnull(strstr(o.out, "\"algorithm.nf.requests\":1"));
	ck_assert_int_eq(o.out[0], '{');
	out_free(&o);
	const char *text[] = {"stats", "--socket", D.sock, "-o", "text", NULL};
	o = run(text);
	ck_assert_int_eq(o.status, 0);
	ck_assert_ptr_nonnull(strstr(o.out, "uptime_ns"));
	out_free(&o);
	/* no daemon there: exit 5 and a message naming the socket */
	char nowhere[160];
	snprintf(nowhere, sizeof(nowhere), "%s/nowhere.sock", D.dir);
	const char *none[] = {"stats", "--socket", nowhere, NULL};
	o = run(none);
	ck_assert_int_eq(o.status, 5);
	ck_assert_ptr_nonnull(strstr(o.err, "nowhere.sock"));
	out_free(&o);
	const char *pnone[] = {"pack", "--socket", nowhere, "-c", "10",
			       bad_file, NULL};
	o = run(pnone);
	ck_assert_int_eq(o.status, 5);
	out_free(&o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon-cli");
	TCase *tc = tcase_create("cli");
	tcase_set_timeout(tc, 600);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pack_every_algorithm);
	tcase_add_test(tc, pack_errors);
	tcase_add_test(tc, stream_every_algorithm);
	tcase_add_test(tc, algorithms_listing);
	tcase_add_test(tc, stats_command);
	suite_add_tcase(s, tc);
	return tl_run(s);
}

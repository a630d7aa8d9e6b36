/* seqpackd end to end: every loaded algorithm packs through the daemon
 * exactly as in-process; LIST, STATS, HELLO, streaming, pipelining,
 * access lists and --check-config. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

static void assert_same(const seqpack_result *a, const seqpack_result *b,
			const char *alg)
{
	ck_assert_msg(tl_same_result(a, b), "%s: daemon result differs", alg);
	ck_assert_str_eq(a->algorithm, b->algorithm);
	const seqpack_metrics *x = &a->metrics, *y = &b->metrics;
	ck_assert_uint_eq(x->bins, y->bins);
	ck_assert_uint_eq(x->total_tokens, y->total_tokens);
	ck_assert_uint_eq(x->capacity, y->capacity);
	ck_assert_uint_eq(x->padding_tokens, y->padding_tokens);
	ck_assert_uint_eq(x->lower_bound, y->lower_bound);
	ck_assert_uint_eq(x->max_items_per_bin, y->max_items_per_bin);
	/* bit for bit: the doubles cross the socket as IEEE 754 patterns */
	ck_assert_msg(memcmp(&x->efficiency, &y->efficiency, sizeof(double)) == 0,
		      "%s: efficiency %.17g vs %.17g", alg, x->efficiency,
		      y->efficiency);
	ck_assert(memcmp(&x->mean_items_per_bin, &y->mean_items_per_bin,
			 sizeof(double)) == 0);
}

START_TEST(pack_every_algorithm)
{
	struct td d;
	td_start(&d, NULL, NULL);
	seqpack_registry *reg = tl_registry();
	seqpack_client *c = td_client(&d);
	ck_assert_uint_ge(seqpack_registry_count(reg), 1);
	tl_rng rng;
	tl_rng_seed(&rng, 42);
	static const uint32_t caps[] = {1, 100, 4096, 2147483647u};
	static const size_t sizes[] = {0, 1, 17, 5000};
	uint32_t *lengths = malloc(5000 * sizeof(uint32_t));
	ck_assert(lengths != NULL);
	for (size_t a = 0; a < seqpack_registry_count(reg); a++) {
		const char *alg = seqpack_registry_get(reg, a)->name;
		for (int s = 0; s < TL_NSHAPES; s++) {
			seqpack_params p;
			seqpack_params_init(&p);
			p.capacity = caps[(size_t)s % 4];
			p.max_items = s % 3 == 0 ? 3 : 0;
			p.seed = (uint64_t)s * 7 + 1;
			p.threads = 2;
			p.k = 1 + (uint32_t)s;
			size_t n = sizes[(size_t)s % 4];
			tl_gen(&rng, (enum tl_shape)s, p.capacity, lengths, n);
			seqpack_result *in = NULL, *out = NULL;
			seqpack_error e1 = {0}, e2 = {0};
			int r1 = seqpack_pack(reg, alg, lengths, n, &p, &in, &e1);
			int r2 = seqpack_client_pack(c, alg, lengths, n, &p, &out,
						     &e2);
			ck_assert_msg(r1 == r2, "%s: in-process %d (%s), daemon %d (%s)",
				      alg, r1, e1.message, r2, e2.message);
			if (r1 == SEQPACK_OK)
				assert_same(in, out, alg);
			else
				ck_assert_str_eq(e1.message, e2.message);
			seqpack_result_free(in);
			seqpack_result_free(out);
		}
	}
	free(lengths);
	seqpack_client_close(c);
	seqpack_registry_unref(reg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(heavy_tailed_20000)
{
	struct td d;
	td_start(&d, NULL, NULL);
	seqpack_registry *reg = tl_registry();
	seqpack_client *c = td_client(&d);
	size_t n = 20000;
	uint32_t *lengths = malloc(n * sizeof(uint32_t));
	tl_rng rng;
	tl_rng_seed(&rng, 7);
	tl_gen(&rng, TL_HEAVY, 8192, lengths, n);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 8192;
	for (size_t a = 0; a < seqpack_registry_count(reg); a++) {
		const char *alg = seqpack_registry_get(reg, a)->name;
		seqpack_result *in = tl_pack(reg, alg, lengths, n, &p), *out = NULL;
		seqpack_error err = {0};
		ck_assert_msg(seqpack_client_pack(c, alg, lengths, n, &p, &out,
						  &err) == SEQPACK_OK,
			      "%s: %s", alg, err.message);
		assert_same(in, out, alg);
		seqpack_result_free(in);
		seqpack_result_free(out);
	}
	free(lengths);
	seqpack_client_close(c);
	seqpack_registry_unref(reg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(list_and_hello)
{
	struct td d;
	td_start(&d, "[seqpackd]\nmax-lengths = 1000\nmax-streams = 3\n", NULL);
	seqpack_registry *reg = tl_registry();
	seqpack_client *c = td_client(&d);
	seqpack_algorithm_list *l = NULL;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_client_list(c, &l, &err), SEQPACK_OK);
	ck_assert_uint_eq(l->count, seqpack_registry_count(reg));
	for (size_t i = 0; i < l->count; i++) {
		const seqpack_plugin_info *a = &l->algorithms[i];
		const seqpack_plugin_info *b = seqpack_registry_get(reg, i);
		ck_assert_str_eq(a->name, b->name);
		ck_assert_str_eq(a->title, b->title);
		ck_assert_str_eq(a->description, b->description);
		ck_assert_uint_eq(a->flags, b->flags);
		ck_assert_str_eq(a->path, b->path);
	}
	seqpack_algorithm_list_free(l);

	seqpack_daemon_info info;
	ck_assert_int_eq(seqpack_client_hello(c, &info, &err), SEQPACK_OK);
	ck_assert_uint_eq(info.protocol, 1);
	ck_assert_str_eq(info.version, seqpack_version());
	ck_assert_uint_eq(info.max_lengths, 1000);
	ck_assert_uint_eq(info.max_streams, 3);
	ck_assert_uint_eq(info.max_request_bytes, 64u << 20);

	/* the config's limit is enforced before sending */
	uint32_t *lengths = calloc(1001, sizeof(uint32_t));
	for (int i = 0; i < 1001; i++)
		lengths[i] = 1;
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 10;
	seqpack_result *r = NULL;
	const char *alg = "nf";
	ck_assert_int_eq(seqpack_client_pack(c, alg, lengths, 1001, &p, &r, &err),
			 SEQPACK_ERR_LIMIT);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(seqpack_client_pack(c, alg, lengths, 1000, &p, &r, &err),
			 SEQPACK_OK);
	seqpack_result_free(r);
	free(lengths);
	seqpack_client_close(c);
	seqpack_registry_unref(reg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* max-pack-threads bounds the threads a PACK may ask for; 0 (one per
 * CPU) and anything up to the limit pass, on the socket and the shared
 * memory path alike (large n takes the latter). */
START_TEST(pack_threads_limit)
{
	struct td d;
	td_start(&d, "[seqpackd]\nmax-pack-threads = 2\n", NULL);
	seqpack_client *c = td_client(&d);
	static const size_t sizes[] = {1000, 70000};
	for (size_t k = 0; k < 2; k++) {
		size_t n = sizes[k];
		uint32_t *lengths = malloc(n * sizeof(uint32_t));
		ck_assert_ptr_nonnull(lengths);
		for (size_t i = 0; i < n; i++)
			lengths[i] = 1 + (uint32_t)(i * 7919 % 4096);
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = 4096;
		static const uint32_t ok[] = {0, 1, 2};
		for (size_t t = 0; t < 3; t++) {
			p.threads = ok[t];
			seqpack_result *r = NULL;
			seqpack_error err = {0};
			ck_assert_msg(seqpack_client_pack(c, "obfdp", lengths, n,
							  &p, &r, &err) ==
					      SEQPACK_OK,
				      "threads %u: %s", p.threads, err.message);
			seqpack_result_free(r);
		}
		p.threads = 3;
		seqpack_result *r = NULL;
		seqpack_error err = {0};
		ck_assert_int_eq(seqpack_client_pack(c, "obfdp", lengths, n, &p,
						     &r, &err),
				 SEQPACK_ERR_LIMIT);
		ck_assert_ptr_null(r);
		ck_assert_msg(strstr(err.message, "max-pack-threads") &&
				      strstr(err.message, "3 threads"),
			      "message: %s", err.message);
		free(lengths);
	}
	seqpack_client_close(c);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(stats_count)
{
	struct td d;
	td_start(&d, NULL, NULL);
	seqpack_registry *reg = tl_registry();
	seqpack_client *c = td_client(&d);
	const char *alg = "nf";
	tl_require(reg, alg);
	uint32_t lengths[] = {5, 3, 7, 2, 8, 1};
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 10;
	seqpack_error err;
	for (int i = 0; i < 5; i++) {
		seqpack_result *r = NULL;
		ck_assert_int_eq(seqpack_client_pack(c, alg, lengths, 6, &p, &r,
						     &err), SEQPACK_OK);
		seqpack_result_free(r);
	}
	seqpack_result *r = NULL;
	ck_assert_int_eq(seqpack_client_pack(c, "nosuchalg", lengths, 6, &p,
					     &r, &err), SEQPACK_ERR_NOT_FOUND);
	seqpack_daemon_stats *s = NULL;
	ck_assert_int_eq(seqpack_client_stats(c, &s, &err), SEQPACK_OK);
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "requests.pack"), 6);
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "errors.pack"), 1);
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "requests.hello"), 1);
	char name[96];
	snprintf(name, sizeof(name), "algorithm.%s.requests", alg);
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, name), 5);
	snprintf(name, sizeof(name), "algorithm.%s.errors", alg);
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, name), 0);
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "connections.current"), 1);
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "connections.total"), 1);
	ck_assert_uint_gt(seqpack_daemon_stats_get(s, "bytes.in"), 6 * 60);
	ck_assert_uint_gt(seqpack_daemon_stats_get(s, "bytes.out"), 5 * 100);
	ck_assert_uint_gt(seqpack_daemon_stats_get(s, "uptime_ns"), 0);
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "latency.count"), 7);
	uint64_t p50 = seqpack_daemon_stats_get(s, "latency.p50_ns");
	uint64_t p99 = seqpack_daemon_stats_get(s, "latency.p99_ns");
	uint64_t mx = seqpack_daemon_stats_get(s, "latency.max_ns");
	ck_assert_uint_gt(p50, 0);
	ck_assert_uint_le(p50, p99);
	ck_assert_uint_le(p99, mx);
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "registry.plugins"),
			  seqpack_registry_count(reg));
	ck_assert_uint_eq(seqpack_daemon_stats_get(s, "workers"), 4);
	seqpack_daemon_stats_free(s);
	seqpack_client_close(c);
	seqpack_registry_unref(reg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* Streams: collect (pack, used, ids) into a flat log to compare. */
struct slog {
	uint64_t *v;
	size_t n, cap;
	int stop_after; /* >0: ask to stop after that many packs */
};

static int slog_cb(void *ctx, uint64_t pack, const uint64_t *ids,
		   size_t count, uint64_t used)
{
	struct slog *l = ctx;
	if (l->n + count + 3 > l->cap) {
		l->cap = (l->n + count + 3) * 2;
		l->v = realloc(l->v, l->cap * sizeof(uint64_t));
		ck_assert(l->v != NULL);
	}
	l->v[l->n++] = pack;
	l->v[l->n++] = used;
	l->v[l->n++] = count;
	for (size_t i = 0; i < count; i++)
		l->v[l->n++] = ids[i];
	return l->stop_after && pack + 1 >= (uint64_t)l->stop_after;
}

START_TEST(streaming)
{
	struct td d;
	td_start(&d, NULL, NULL);
	seqpack_registry *reg = tl_registry();
	seqpack_client *c = td_client(&d);
	size_t n = 30000; /* several client batches */
	uint32_t *lengths = malloc(n * sizeof(uint32_t));
	tl_rng rng;
	tl_rng_seed(&rng, 99);
	tl_gen(&rng, TL_MIXED, 2048, lengths, n);
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 2048;
	p.max_open = 8;
	int streamed = 0;
	for (size_t a = 0; a < seqpack_registry_count(reg); a++) {
		const seqpack_plugin_info *info = seqpack_registry_get(reg, a);
		seqpack_error e1 = {0}, e2 = {0};
		struct slog l1 = {0}, l2 = {0};
		seqpack_stream *s = NULL;
		seqpack_client_stream *cs = NULL;
		int r1 = seqpack_stream_open(reg, info->name, &p, slog_cb, &l1,
					     &s, &e1);
		int r2 = seqpack_client_stream_open(c, info->name, &p, slog_cb,
						    &l2, &cs, &e2);
		ck_assert_int_eq(r1, r2);
		if (r1 != SEQPACK_OK) {
			ck_assert_str_eq(e1.message, e2.message);
			continue;
		}
		streamed++;
		for (size_t i = 0; i < n; i++) {
			uint64_t id = 1000000 + i * 3;
			ck_assert_int_eq(seqpack_stream_push(s, id, lengths[i], &e1),
					 SEQPACK_OK);
			ck_assert_msg(seqpack_client_stream_push(cs, id, lengths[i],
								 &e2) == SEQPACK_OK,
				      "%s", e2.message);
		}
		/* the same error, at once, for a length over capacity */
		ck_assert_int_eq(seqpack_stream_push(s, 5, 4096, &e1),
				 SEQPACK_ERR_LENGTH);
		ck_assert_int_eq(seqpack_client_stream_push(cs, 5, 4096, &e2),
				 SEQPACK_ERR_LENGTH);
		ck_assert_str_eq(e1.message, e2.message);
		ck_assert_int_eq(seqpack_stream_finish(s, &e1), SEQPACK_OK);
		ck_assert_int_eq(seqpack_client_stream_finish(cs, &e2), SEQPACK_OK);
		ck_assert_uint_eq(seqpack_stream_packs(s),
				  seqpack_client_stream_packs(cs));
		ck_assert_uint_eq(l1.n, l2.n);
		ck_assert_msg(memcmp(l1.v, l2.v, l1.n * sizeof(uint64_t)) == 0,
			      "%s: streamed packs differ", info->name);
		/* after finish, only free */
		ck_assert_int_eq(seqpack_client_stream_push(cs, 1, 1, &e2),
				 SEQPACK_ERR_STATE);
		seqpack_stream_free(s);
		seqpack_client_stream_free(cs);
		free(l1.v);
		free(l2.v);
	}
	ck_assert_int_gt(streamed, 0);

	/* A callback that asks to stop fails the call that delivered it;
	 * the stream is then closed on the daemon by free. */
	const char *alg = NULL;
	for (size_t a = 0; a < seqpack_registry_count(reg); a++)
		if (seqpack_registry_get(reg, a)->flags & SEQPACK_FLAG_STREAMING)
			alg = seqpack_registry_get(reg, a)->name;
	struct slog l = {.stop_after = 2};
	seqpack_client_stream *cs = NULL;
	seqpack_error err;
	ck_assert_int_eq(seqpack_client_stream_open(c, alg, &p, slog_cb, &l,
						    &cs, &err), SEQPACK_OK);
	int rc = SEQPACK_OK;
	for (size_t i = 0; i < n && rc == SEQPACK_OK; i++)
		rc = seqpack_client_stream_push(cs, i, lengths[i], &err);
	if (rc == SEQPACK_OK)
		rc = seqpack_client_stream_finish(cs, &err);
	ck_assert_int_eq(rc, SEQPACK_ERR_CALLBACK);
	ck_assert_uint_eq(seqpack_client_stream_packs(cs), 2);
	seqpack_client_stream_free(cs);
	free(l.v);

	/* one pack of 20000 sequences: an event far larger than a reply */
	{
		seqpack_params big;
		seqpack_params_init(&big);
		big.capacity = 1000000;
		struct slog lb = {0};
		ck_assert_int_eq(seqpack_client_stream_open(c, "nf", &big, slog_cb,
							    &lb, &cs, &err),
				 SEQPACK_OK);
		for (uint64_t i = 0; i < 20000; i++)
			ck_assert_int_eq(seqpack_client_stream_push(cs, i, 1, &err),
					 SEQPACK_OK);
		ck_assert_msg(seqpack_client_stream_finish(cs, &err) == SEQPACK_OK,
			      "%s", err.message);
		ck_assert_uint_eq(seqpack_client_stream_packs(cs), 1);
		ck_assert_uint_eq(lb.n, 3 + 20000);
		ck_assert_uint_eq(lb.v[1], 20000); /* used */
		ck_assert_uint_eq(lb.v[3 + 19999], 19999);
		seqpack_client_stream_free(cs);
		free(lb.v);
	}

	/* max-streams (16 by default) per connection */
	seqpack_client_stream *many[17];
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(seqpack_client_stream_open(c, alg, &p, slog_cb,
							    &l, &many[i], &err),
				 SEQPACK_OK);
	ck_assert_int_eq(seqpack_client_stream_open(c, alg, &p, slog_cb, &l,
						    &many[16], &err),
			 SEQPACK_ERR_LIMIT);
	for (int i = 0; i < 16; i++)
		seqpack_client_stream_free(many[i]);
	ck_assert_int_eq(seqpack_client_stream_open(c, alg, &p, slog_cb, &l,
						    &many[0], &err), SEQPACK_OK);
	seqpack_client_stream_free(many[0]);

	/* an offline algorithm cannot stream, with in-process's message */
	for (size_t a = 0; a < seqpack_registry_count(reg); a++) {
		const seqpack_plugin_info *info = seqpack_registry_get(reg, a);
		if (info->flags & SEQPACK_FLAG_STREAMING)
			continue;
		ck_assert_int_eq(seqpack_client_stream_open(c, info->name, &p,
							    slog_cb, &l, &cs,
							    &err),
				 SEQPACK_ERR_UNSUPPORTED);
	}
	free(lengths);
	seqpack_client_close(c);
	seqpack_registry_unref(reg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(pipelined_requests)
{
	/* Several requests in flight on one connection; replies are matched
	 * by id, whatever their order. */
	struct td d;
	td_start(&d, NULL, NULL);
	seqpack_registry *reg = tl_registry();
	const char *alg = "nf";
	tl_require(reg, alg);
	int fd = td_connect_raw(&d);
	struct sp_buf b = {0};
	enum { N = 12 };
	uint32_t lengths[N][300];
	seqpack_params p;
	seqpack_params_init(&p);
	p.capacity = 1000;
	tl_rng rng;
	tl_rng_seed(&rng, 5);
	for (int i = 0; i < N; i++) {
		tl_gen(&rng, TL_UNIFORM, p.capacity, lengths[i], 300);
		struct sp_buf pl = {0};
		td_pack_payload(&pl, alg, &p, lengths[i], 300, 300);
		td_msg(&b, SP_PACK, 1000 + (uint64_t)i, pl.data, pl.len);
		sp_buf_free(&pl);
	}
	td_msg(&b, SP_STATS, 7, NULL, 0);
	td_send(fd, b.data, b.len);
	sp_buf_free(&b);
	int seen[N + 1] = {0};
	for (int k = 0; k < N + 1; k++) {
		struct sp_header h;
		uint8_t *pl = NULL;
		ck_assert_int_eq(td_recv(fd, &h, &pl), 1);
		struct sp_rd r;
		sp_rd_init(&r, pl, h.length);
		ck_assert_uint_eq(sp_get_u32(&r), SEQPACK_OK);
		if (h.id == 7) {
			ck_assert_uint_eq(h.type, SP_STATS | SP_REPLY);
			seen[N]++;
		} else {
			ck_assert_uint_eq(h.type, SP_PACK | SP_REPLY);
			ck_assert_uint_ge(h.id, 1000);
			ck_assert_uint_lt(h.id, 1000 + N);
			int i = (int)(h.id - 1000);
			seen[i]++;
			seqpack_result *want = tl_pack(reg, alg, lengths[i], 300, &p);
			char name[SEQPACK_NAME_MAX];
			sp_get_str(&r, name, sizeof(name));
			ck_assert_str_eq(name, alg);
			ck_assert_uint_eq(sp_get_u32(&r), 300);
			ck_assert_uint_eq(sp_get_u32(&r), want->nbins);
			ck_assert_uint_eq(sp_get_u64(&r), want->metrics.bins);
			r.off += 8 * 8; /* remaining metrics */
			for (size_t j = 0; j < 300; j++)
				ck_assert_uint_eq(sp_get_u32(&r), want->items[j]);
			seqpack_result_free(want);
		}
		free(pl);
	}
	for (int i = 0; i <= N; i++)
		ck_assert_int_eq(seen[i], 1);
	close(fd);
	seqpack_registry_unref(reg);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(access_lists)
{
	char cfg[128];
	/* nobody on the list: refused with PERMISSION at connect */
	struct td d;
	snprintf(cfg, sizeof(cfg), "allowed-users = %u\n", (unsigned)getuid() + 1);
	td_start(&d, cfg, NULL);
	seqpack_client *c = NULL;
	seqpack_error err = {0};
	ck_assert_int_eq(seqpack_client_connect(d.sock, &c, &err),
			 SEQPACK_ERR_PERMISSION);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(td_stop(&d), 0);

	/* our uid listed (by number; names resolve too) */
	snprintf(cfg, sizeof(cfg), "[seqpackd]\nallowed-users = 0, %u\n",
		 (unsigned)getuid());
	td_start(&d, cfg, NULL);
	c = td_client(&d);
	seqpack_client_close(c);
	ck_assert_int_eq(td_stop(&d), 0);

	/* our primary group listed */
	snprintf(cfg, sizeof(cfg), "allowed-groups = %u\n", (unsigned)getgid());
	td_start(&d, cfg, NULL);
	c = td_client(&d);
	seqpack_client_close(c);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

START_TEST(socket_mode)
{
	struct td d;
	const char *extra[] = {"--socket-mode=0600", NULL};
	td_start(&d, NULL, extra);
	struct stat st;
	ck_assert_int_eq(stat(d.sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	char sock[sizeof(d.sock)];
	memcpy(sock, d.sock, sizeof(sock));
	/* removed at exit: the daemon created it */
	ck_assert_int_eq(td_stop(&d), 0);
	ck_assert_int_ne(stat(sock, &st), 0);

	td_start(&d, NULL, NULL);
	ck_assert_int_eq(stat(d.sock, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	ck_assert_int_eq(td_stop(&d), 0);
}
END_TEST

/* The exit status of a child that could not silence the daemon: no run of
 * seqpackd gives it, and run_daemon() fails the test on it, so that a
 * check expecting a non-zero status cannot pass on it. */
enum { CHILD_NO_DEVNULL = 125 };

static int run_daemon(const char *const *args)
{
	const char *argv[16];
	size_t n = 0;
	argv[n++] = td_daemon_path();
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* stdout first: while stderr is still the test's, the
		 * message can reach the log. */
		if (!freopen("/dev/null", "w", stdout) ||
		    !freopen("/dev/null", "w", stderr)) {
			perror("run_daemon: /dev/null");
			_exit(CHILD_NO_DEVNULL);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(!WIFEXITED(st) || WEXITSTATUS(st) != CHILD_NO_DEVNULL,
		      "cannot send the daemon's output to /dev/null");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

START_TEST(check_config)
{
	char dir[] = "/tmp/seqpackd-conf.XXXXXX";
	ck_assert(mkdtemp(dir) != NULL);
	char path[128], arg[160];
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	snprintf(arg, sizeof(arg), "--config=%s", path);
	FILE *f = fopen(path, "w");
	fputs("; comment\n[seqpackd]\nthreads = 3\nmax-request-size = 1M\n"
	      "idle-timeout = 0.5\nsocket-mode = 0600\nlog-level = debug\n", f);
	fclose(f);
	const char *ok[] = {arg, "--check-config", NULL};
	ck_assert_int_eq(run_daemon(ok), 0);
	const char *flag_bad[] = {arg, "--check-config", "--threads=x", NULL};
	ck_assert_int_ne(run_daemon(flag_bad), 0);
	const char *help[] = {"--help", NULL};
	ck_assert_int_eq(run_daemon(help), 0);
	const char *version[] = {"--version", NULL};
	ck_assert_int_eq(run_daemon(version), 0);
	static const char *const bad[] = {
		"[seqpackd]\nno-such-key = 1\n",
		"[other]\nthreads = 1\n",
		"max-request-size = 12Q\n",
		"read-timeout = -1\n",
		"socket-mode = 0999\n",
		"log-level = loud\n",
		"allowed-users = no-such-user-seqpack\n",
		"this is not ini\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = fopen(path, "w");
		fputs(bad[i], f);
		fclose(f);
		ck_assert_msg(run_daemon(ok) != 0, "accepted: %s", bad[i]);
	}
	/* an explicit --config that does not exist is an error */
	unlink(path);
	ck_assert_int_ne(run_daemon(ok), 0);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("end-to-end");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, pack_every_algorithm);
	tcase_add_test(tc, heavy_tailed_20000);
	tcase_add_test(tc, list_and_hello);
	tcase_add_test(tc, pack_threads_limit);
	tcase_add_test(tc, stats_count);
	tcase_add_test(tc, streaming);
	tcase_add_test(tc, pipelined_requests);
	tcase_add_test(tc, access_lists);
	tcase_add_test(tc, socket_mode);
	tcase_add_test(tc, check_config);
	suite_add_tcase(s, tc);
	return tl_run(s);
}

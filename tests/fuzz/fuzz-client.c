/* Fuzz target: the client's reply decoding (lib/client*.c), through the
 * public API against a fake daemon.  The input's first byte picks what
 * the client does after its HELLO; the rest is everything the daemon
 * sends on the first connection, whatever the client asks (a client
 * that reconnects gets connections that close at once).  The client must
 * never crash, leak or hang whatever the replies say, and what it hands
 * to its caller must hold: a packing verified (SEQPACK_PARAM_VERIFY) or
 * safe to index, algorithm lists and statistics with their strings, a
 * stream's packs in order and within the capacity.
 *
 * First byte: bits 0-2 the call (0 HELLO only, 1 LIST, 2 STATS, 3 PACK,
 * 4 PACK twice through pack_reuse, 5 a stream of ten sequences, 6 LIST
 * then PACK), bit 3 SEQPACK_PARAM_VERIFY, bit 4 shared memory always
 * (SEQPACK_CLIENT_SHM), bit 5 max_items 2.  The seed corpus has the
 * replies of a real daemon to each. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seqpack/client.h>
#include <seqpack/seqpack.h>

#include "fake-daemon.h"
#include "fuzz.h"

static char dir[64], path[100];

static void remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(dir, sizeof(dir), "%s", "/tmp/fuzz-client-XXXXXX");
	FUZZ_CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/sock", dir);
	atexit(remove_dir);
	return 0;
}

static const uint32_t lengths[10] = {3, 7, 2, 9, 4, 4, 1, 8, 6, 5};

static void check_packing(const seqpack_params *p, const seqpack_result *r)
{
	size_t n = sizeof(lengths) / sizeof(lengths[0]);
	FUZZ_CHECK(r->n == n && r->nbins <= n, "a result of %zu sequences",
		   r->n);
	if (p->flags & SEQPACK_PARAM_VERIFY) {
		seqpack_error err;
		FUZZ_CHECK(seqpack_verify(lengths, n, p, r, &err) == SEQPACK_OK,
			   "the client let a wrong packing through: %s",
			   err.message);
		return;
	}
	/* Unverified, it must still be safe to index. */
	FUZZ_CHECK(r->offsets[0] == 0 && r->offsets[r->nbins] == n,
		   "offsets from %u to %u", r->offsets[0],
		   r->offsets[r->nbins]);
	for (size_t b = 0; b < r->nbins; b++)
		FUZZ_CHECK(r->offsets[b] < r->offsets[b + 1] &&
				   r->used[b] <= p->capacity,
			   "bin %zu is empty or over-full", b);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(r->items[i] < n, "item %zu is %u", i, r->items[i]);
}

static void do_list(seqpack_client *c)
{
	seqpack_algorithm_list *l;
	seqpack_error err;
	int rc = seqpack_client_list(c, &l, &err);
	FUZZ_NOTE("list: %d %s", rc, rc ? err.message : "");
	if (rc != SEQPACK_OK)
		return;
	for (size_t i = 0; i < l->count; i++) {
		const seqpack_plugin_info *a = &l->algorithms[i];
		FUZZ_CHECK(a->name && a->title && a->description && a->path,
			   "algorithm %zu without its strings", i);
		(void)strlen(a->name);
	}
	seqpack_algorithm_list_free(l);
}

static void do_stats(seqpack_client *c)
{
	seqpack_daemon_stats *s;
	seqpack_error err;
	int rc = seqpack_client_stats(c, &s, &err);
	FUZZ_NOTE("stats: %d %s", rc, rc ? err.message : "");
	if (rc != SEQPACK_OK)
		return;
	for (size_t i = 0; i < s->count; i++)
		FUZZ_CHECK(s->stats[i].name &&
				   seqpack_daemon_stats_get(s, s->stats[i].name) ==
					   s->stats[i].value,
			   "statistic %zu", i);
	seqpack_daemon_stats_free(s);
}

static void do_pack(seqpack_client *c, const seqpack_params *p, bool reuse)
{
	seqpack_error err;
	size_t n = sizeof(lengths) / sizeof(lengths[0]);
	if (!reuse) {
		seqpack_result *r;
		int rc = seqpack_client_pack(c, "ffd", lengths, n, p, &r, &err);
		FUZZ_NOTE("pack: %d %s", rc, rc ? err.message : "");
		if (rc == SEQPACK_OK) {
			check_packing(p, r);
			seqpack_result_free(r);
		}
		return;
	}
	for (int i = 0; i < 2; i++) {
		const seqpack_result *r;
		int rc = seqpack_client_pack_reuse(c, "ffd", lengths, n, p,
						   &r, &err);
		FUZZ_NOTE("pack_reuse: %d %s", rc, rc ? err.message : "");
		if (rc != SEQPACK_OK)
			return;
		check_packing(p, r);
	}
}

struct seen {
	const seqpack_params *p;
	uint64_t packs;
};

static int on_pack(void *ctx, uint64_t pack, const uint64_t *ids,
		   size_t count, uint64_t used)
{
	struct seen *s = ctx;
	FUZZ_CHECK(pack == s->packs && count > 0 && used <= s->p->capacity,
		   "stream pack %llu (expected %llu) of %zu ids, used %llu",
		   (unsigned long long)pack, (unsigned long long)s->packs,
		   count, (unsigned long long)used);
	for (size_t i = 0; i < count; i++)
		(void)ids[i];
	s->packs++;
	return 0;
}

static void do_stream(seqpack_client *c, const seqpack_params *p)
{
	seqpack_error err;
	seqpack_client_stream *s;
	struct seen seen = {.p = p};
	if (seqpack_client_stream_open(c, "ff", p, on_pack, &seen, &s, &err) !=
	    SEQPACK_OK)
		return;
	int rc = SEQPACK_OK;
	for (size_t i = 0; i < 10 && rc == SEQPACK_OK; i++)
		rc = seqpack_client_stream_push(s, i, lengths[i], &err);
	if (rc == SEQPACK_OK)
		rc = seqpack_client_stream_finish(s, &err);
	FUZZ_NOTE("stream: %d %s, %llu packs", rc, rc ? err.message : "",
		  (unsigned long long)seen.packs);
	if (rc == SEQPACK_OK)
		FUZZ_CHECK(seqpack_client_stream_packs(s) == seen.packs,
			   "stream counts %llu packs, delivered %llu",
			   (unsigned long long)seqpack_client_stream_packs(s),
			   (unsigned long long)seen.packs);
	seqpack_client_stream_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t op = data[0];
	setenv("SEQPACK_CLIENT_SHM", op & 16 ? "always" : "never", 1);
	/* A long run outlives a tidy-up of /tmp by someone else. */
	FUZZ_CHECK(mkdir(dir, 0700) == 0 || errno == EEXIST, "mkdir %s: %s",
		   dir, strerror(errno));
	struct fake_daemon d;
	fake_daemon_start(&d, path, data + 1, size - 1);
	seqpack_client *c;
	seqpack_error err;
	int rc = seqpack_client_connect(path, &c, &err);
	FUZZ_NOTE("connect: %d %s", rc, rc ? err.message : "");
	if (rc == SEQPACK_OK) {
		seqpack_params p;
		seqpack_params_init(&p);
		p.capacity = 10;
		p.flags = op & 8 ? SEQPACK_PARAM_VERIFY : 0;
		p.max_items = op & 32 ? 2 : 0;
		switch (op & 7) {
		case 1: do_list(c); break;
		case 2: do_stats(c); break;
		case 3: do_pack(c, &p, false); break;
		case 4: do_pack(c, &p, true); break;
		case 5: do_stream(c, &p); break;
		case 6: do_list(c); do_pack(c, &p, false); break;
		default: break;
		}
		seqpack_client_close(c);
	} else {
		FUZZ_CHECK(err.message[0] && err.status != SEQPACK_OK,
			   "connect failed without a message");
	}
	fake_daemon_stop(&d);
	return 0;
}

/* Fuzz target: the daemon's request decoding.  The input is the byte
 * stream a client sends on one connection: after one byte that picks the
 * limits (below), frames of a 24-byte header and its payload.  Each frame
 * gets the checks daemon/read.c and daemon/dispatch.c make (magic,
 * version, length limit: the connection ends; flags, type: refused) and
 * then what a worker runs, handle_job() of daemon/handle.c with the
 * handlers of daemon/info.c, pack.c and streams.c, one job after the
 * other as one connection's lane does, with the streams kept between
 * frames.  SHM_ATTACH maps a real memfd through shm_map() (daemon/shm.c)
 * as daemon/attach.c does, of the size the request asks (up to 1 MiB),
 * filled with valid lengths, so that PACK_SHM runs too.
 *
 * Whatever the frames, every reply must be well formed: whole messages
 * of this protocol version, the reply last with the request's type and
 * id, events only of its streams, a status the protocol knows, an error
 * string and nothing after it; and a PACK or PACK_SHM answered OK must
 * be a packing of the request's lengths that seqpack_verify() accepts.
 *
 * The requests run in this process, as with isolation = thread.
 *
 * The limits byte: bits 0-1 max-streams (0..3), bit 2 verify = always,
 * bit 3 small limits (max-lengths 64, max-request-size 4096), bit 4 the
 * lengths of the shared memory region are short (1..7) rather than up to
 * 512. */
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include <seqpack/seqpack.h>

#include "daemon/config.h"
#include "daemon/handle.h"
#include "daemon/log.h"
#include "daemon/pack.h"
#include "daemon/stats.h"
#include "daemon/streams.h"
#include "fuzz.h"
#include "proto.h"

#define SHM_MAX ((size_t)1 << 20)

static seqpack_registry *reg;
static struct pack_ws *ws;
/* Every setting at the daemon's default (config_load() on an empty
 * file), so that a limit added later has its real value here too. */
static struct config defaults;

/* At exit, so that leak checkers see only what an input leaked: the
 * workspace keeps obfdp's worker threads and their buffers. */
static void release(void)
{
	pack_ws_free(ws);
	seqpack_registry_unref(reg);
	config_free(&defaults);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	seqpack_error err;
	const char *path = getenv("SEQPACK_PLUGIN_PATH");
	if (seqpack_registry_open(path && *path ? path : FUZZ_PLUGIN_DIR, &reg,
				  &err) != SEQPACK_OK) {
		fprintf(stderr, "fuzz-daemon: %s\n", err.message);
		abort();
	}
	FUZZ_CHECK(seqpack_registry_find(reg, "obfd"),
		   "no plugins loaded (SEQPACK_PLUGIN_PATH=%s)",
		   path ? path : FUZZ_PLUGIN_DIR);
	char prog[] = "seqpackd", conf[] = "--config=/dev/null";
	char *args[] = {prog, conf, NULL};
	optind = 0;
	FUZZ_CHECK(config_load(&defaults, 2, args) == 0,
		   "the daemon's defaults do not load");
	ws = pack_ws_new();
	FUZZ_CHECK(ws, "out of memory");
	atexit(release);
	stats_init();
	/* The handlers log failed requests at debug level only. */
	log_set_level(LOG_WARNING);
	return 0;
}

/* The region a SHM_ATTACH asks for; NULL when shm_map() refused it. */
static struct shm_region *attach(const struct config *cfg,
				 const uint8_t *payload, size_t len,
				 bool short_lengths)
{
	if (len != 8)
		return NULL;
	struct sp_rd r;
	sp_rd_init(&r, payload, len);
	uint64_t size = sp_get_u64(&r);
	int fd = memfd_create("fuzz-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	FUZZ_CHECK(fd >= 0, "memfd_create failed");
	size_t have = size < SHM_MAX ? (size_t)size : SHM_MAX;
	FUZZ_CHECK(ftruncate(fd, (off_t)have) == 0, "ftruncate failed");
	for (size_t off = 0; off + 4 <= have;) {
		uint8_t buf[4096];
		size_t n = have - off < sizeof(buf) ? have - off : sizeof(buf);
		n &= ~(size_t)3;
		for (size_t i = 0; i < n; i += 4) {
			uint32_t k = (uint32_t)((off + i) / 4) * 2654435761u;
			sp_st32(buf + i, 1 + (k >> 24) % (short_lengths ? 7 : 512));
		}
		FUZZ_CHECK(pwrite(fd, buf, n, (off_t)off) == (ssize_t)n,
			   "pwrite failed");
		off += n;
	}
	FUZZ_CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0, "seal failed");
	struct shm_region *shm;
	char msg[256];
	uint64_t limit = (uint64_t)SP_SHM_MAX_FACTOR * cfg->max_request_bytes;
	if (shm_map(fd, size, limit, &shm, msg, sizeof(msg)) != SEQPACK_OK) {
		FUZZ_CHECK(msg[0], "shm_map refused without a message");
		return NULL;
	}
	return shm;
}

/* The lengths and parameters of a PACK or PACK_SHM request, to check an
 * OK reply against. */
struct pack_req {
	seqpack_params p;
	const uint32_t *lengths; /* decoded copy, or in the region */
	uint32_t *own;
	uint32_t n;
	uint64_t roff;           /* PACK_SHM: where the result went */
	bool ok;                 /* decoded: it may be answered OK */
};

/* False when the request cannot be answered OK. */
static bool decode_pack_req(const struct job *j, const struct shm_region *shm,
			    struct pack_req *q)
{
	struct sp_rd r;
	char name[SEQPACK_NAME_MAX];
	sp_rd_init(&r, j->payload, j->len);
	sp_get_str(&r, name, sizeof(name));
	sp_get_params(&r, &q->p);
	q->n = sp_get_u32(&r);
	q->own = NULL;
	q->ok = false;
	if (r.bad || q->n > j->cfg->max_lengths)
		return false;
	if (j->h.type == SP_PACK) {
		if (sp_rd_left(&r) != (size_t)q->n * 4)
			return false;
		q->own = malloc(((size_t)q->n + 1) * 4);
		FUZZ_CHECK(q->own, "out of memory");
		sp_get_u32_array(&r, q->own, q->n);
		q->lengths = q->own;
	} else {
		uint64_t loff = sp_get_u64(&r);
		q->roff = sp_get_u64(&r);
		/* The result may overwrite them (the region is the client's
		 * to lay out), so they are copied before the job runs. */
		if (!shm || loff > shm->size ||
		    (uint64_t)q->n * 4 > shm->size - loff)
			return false;
		q->own = malloc(((size_t)q->n + 1) * 4);
		FUZZ_CHECK(q->own, "out of memory");
		memcpy(q->own, shm->base + loff, (size_t)q->n * 4);
		q->lengths = q->own;
	}
	return !r.bad && !sp_rd_left(&r);
}

/* The body of an OK PACK reply (after the status) against the request. */
static void check_pack_ok(const struct job *j, struct sp_rd *r,
			  const struct shm_region *shm,
			  const struct pack_req *req)
{
	struct pack_req q = *req;
	FUZZ_CHECK(q.ok, "an OK reply to a malformed %s request",
		   sp_type_name(j->h.type));
	seqpack_result res = {0};
	sp_get_str(r, res.algorithm, sizeof(res.algorithm));
	res.n = sp_get_u32(r);
	res.nbins = sp_get_u32(r);
	res.metrics.bins = sp_get_u64(r);
	res.metrics.total_tokens = sp_get_u64(r);
	res.metrics.capacity = sp_get_u64(r);
	for (int i = 0; i < 6; i++) /* the rest of the metrics */
		(void)sp_get_u64(r);
	FUZZ_CHECK(!r->bad && res.n == q.n && res.nbins <= res.n &&
			   res.metrics.bins == res.nbins,
		   "OK pack reply for %u lengths: n %zu, %zu bins", q.n, res.n,
		   res.nbins);
	size_t words = res.n + 2 * res.nbins + 1;
	uint32_t *arr = malloc(words * 4);
	FUZZ_CHECK(arr, "out of memory");
	if (j->h.type == SP_PACK) {
		sp_get_u32_array(r, arr, words);
	} else {
		FUZZ_CHECK(q.roff <= shm->size &&
				   words * 4 <= shm->size - q.roff,
			   "PACK_SHM result outside the region");
		memcpy(arr, shm->base + q.roff, words * 4);
	}
	FUZZ_CHECK(!r->bad && !sp_rd_left(r),
		   "pack reply of the wrong length for %zu sequences in %zu bins",
		   res.n, res.nbins);
	res.items = arr;
	res.offsets = arr + res.n;
	res.used = arr + res.n + res.nbins + 1;
	seqpack_error err;
	int rc = seqpack_verify(q.lengths, q.n, &q.p, &res, &err);
	FUZZ_CHECK(rc == SEQPACK_OK, "the daemon answered a wrong packing: %s",
		   err.message);
	free(arr);
}

static void check_event(const struct job *j, struct sp_rd *r)
{
	FUZZ_CHECK(j->h.type == SP_STREAM_PUSH ||
			   j->h.type == SP_STREAM_FINISH,
		   "a stream event in the reply to a %s request",
		   sp_type_name(j->h.type));
	(void)sp_get_u32(r);
	(void)sp_get_u64(r);
	(void)sp_get_u64(r);
	uint32_t count = sp_get_u32(r);
	FUZZ_CHECK(!r->bad && count > 0 && sp_rd_left(r) == (size_t)count * 8,
		   "malformed stream event (%u ids)", count);
}

static void check_reply(const struct job *j, const struct shm_region *shm,
			const struct pack_req *req)
{
	const struct sp_buf *b = &j->reply;
	FUZZ_CHECK(!b->oom, "reply out of memory");
	size_t off = 0;
	bool final = false;
	while (off < b->len) {
		FUZZ_CHECK(!final, "bytes after the reply to request %llu",
			   (unsigned long long)j->h.id);
		FUZZ_CHECK(b->len - off >= SP_HEADER_SIZE, "a cut header");
		struct sp_header h;
		sp_header_decode(b->data + off, &h);
		off += SP_HEADER_SIZE;
		FUZZ_CHECK(h.magic == SP_MAGIC && h.version == SP_VERSION &&
				   h.flags == 0 && h.length <= b->len - off &&
				   h.id == j->h.id,
			   "a bad reply header (type 0x%x, %u bytes)", h.type,
			   h.length);
		struct sp_rd r;
		sp_rd_init(&r, b->data + off, h.length);
		off += h.length;
		if (h.type == SP_EVENT_PACK) {
			check_event(j, &r);
			continue;
		}
		FUZZ_CHECK(h.type == (j->h.type | SP_REPLY),
			   "a reply of type 0x%x to a request of type %u",
			   h.type, j->h.type);
		final = true;
		uint32_t status = sp_get_u32(&r);
		FUZZ_NOTE("%s %llu: status %u", sp_type_name(j->h.type),
			  (unsigned long long)j->h.id, status);
		FUZZ_CHECK(!r.bad && status < SEQPACK_STATUS_COUNT_,
			   "reply status %u", status);
		if (status != SEQPACK_OK) {
			char msg[65536];
			sp_get_str(&r, msg, sizeof(msg));
			FUZZ_CHECK(!r.bad && !sp_rd_left(&r) && msg[0],
				   "a malformed error reply");
		} else if (j->h.type == SP_PACK || j->h.type == SP_PACK_SHM) {
			check_pack_ok(j, &r, shm, req);
		}
	}
	FUZZ_CHECK(final, "no reply to a %s request", sp_type_name(j->h.type));
}

/* One request as a worker runs it. */
static void run_job(const struct config *cfg, struct stream_set *set,
		    struct shm_region *shm, const struct sp_header *h,
		    const uint8_t *payload)
{
	struct job *j = calloc(1, sizeof(*j));
	FUZZ_CHECK(j, "out of memory");
	j->h = *h;
	j->len = h->length;
	/* as read.c hands it over: NULL for an empty payload */
	j->payload = j->len ? malloc(j->len) : NULL;
	FUZZ_CHECK(!j->len || j->payload, "out of memory");
	if (j->len)
		memcpy(j->payload, payload, j->len);
	j->reg = seqpack_registry_ref(reg);
	j->cfg = cfg;
	j->lane = h->type >= SP_STREAM_OPEN && h->type <= SP_STREAM_CLOSE;
	j->streams = set;
	if (h->type == SP_PACK_SHM)
		j->shm = shm_ref(shm);
	/* What an OK answer must be a packing of, read before the job
	 * runs: handle_job frees the payload and may write the region. */
	struct pack_req req = {.own = NULL};
	if (h->type == SP_PACK || h->type == SP_PACK_SHM)
		req.ok = decode_pack_req(j, j->shm, &req);
	handle_job(ws, j);
	FUZZ_CHECK(!j->payload, "handle_job kept the payload");
	check_reply(j, j->shm, &req);
	free(req.own);
	job_free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint32_t mode = fuzz_u8(&in);
	struct config cfg = defaults;
	cfg.max_request_bytes = mode & 8 ? 4096 : 1u << 20;
	cfg.max_lengths = mode & 8 ? 64 : 1u << 18;
	cfg.max_pack_threads = 2;
	cfg.max_streams = mode & 3;
	cfg.verify_always = !!(mode & 4);
	cfg.threads = 1;
	/* Packs and streams in this process: a packer process per input
	 * would fork thousands of times a second (isolation is tested by
	 * tests/test-daemon-isolate*). */
	cfg.isolation = 0;
	struct stream_set set = {0};
	struct shm_region *shm = NULL;
	while (in.n >= SP_HEADER_SIZE) {
		struct sp_header h;
		sp_header_decode(in.p, &h);
		in.p += SP_HEADER_SIZE;
		in.n -= SP_HEADER_SIZE;
		/* read.c: these end the connection */
		if (h.magic != SP_MAGIC || h.version < SP_VERSION_MIN ||
		    h.version > SP_VERSION ||
		    h.length > cfg.max_request_bytes || h.length > in.n)
			break;
		const uint8_t *payload = in.p;
		in.p += h.length;
		in.n -= h.length;
		if (h.flags == 0 && h.type == SP_SHM_ATTACH) {
			struct shm_region *n =
				attach(&cfg, payload, h.length, mode & 16);
			if (n) {
				shm_unref(shm);
				shm = n;
			}
			continue;
		}
		/* dispatch.c: refused on the event loop */
		if (h.flags != 0 || h.type == 0 || h.type > SP_TYPE_MAX_)
			continue;
		run_job(&cfg, &set, shm, &h, payload);
	}
	stream_set_free(&set);
	shm_unref(shm);
	return 0;
}

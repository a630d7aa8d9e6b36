/* The packer process.  It holds the only copy of the plugins that PACK
 * runs, so a plugin that crashes, loops or allocates without end takes
 * down this process and the one request in it, and the worker thread
 * that started it (packer.c) answers for it and starts another.  It is
 * single-threaded apart from what a parallel plugin starts, opens its
 * own registry over the daemon's plugin path, and packs on one
 * workspace, so after warm-up a request costs it no allocation.  Started
 * with --streams, it is a connection's stream packer instead and runs
 * that connection's stream requests (stream-packer-child.c). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <seqpack/seqpack.h>

#include "log.h"
#include "packer-child.h"
#include "packer-shm.h"
#include "stream-packer-child.h"
#include "util/cleanup-seqpack-internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define PACKER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PACKER_ASAN 1
#endif
#endif

struct child {
	uint8_t *map;
	size_t size;
	seqpack_workspace *ws;     /* PACK */
	seqpack_registry *streams; /* a stream packer's registry */
};

#ifdef PACKER_ASAN
/* The address space this process has already reserved, in bytes. */
static uint64_t vm_size(void)
{
	unsigned long long pages = 0;
	FILE *f = fopen("/proc/self/statm", "re");
	if (f) {
		if (fscanf(f, "%llu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}
#endif

static int limit_memory(uint64_t max)
{
	if (!max)
		return 0;
#ifdef PACKER_ASAN
	/* AddressSanitizer reserves terabytes of shadow address space at
	 * start, so in a sanitizer build the limit is what the plugins
	 * may add to that. */
	max += vm_size();
#endif
	struct rlimit rl = {.rlim_cur = max, .rlim_max = max};
	if (setrlimit(RLIMIT_AS, &rl) != 0) {
		log_err("packer: cannot limit the address space to %llu bytes: %s",
			(unsigned long long)max, strerror(errno));
		return -1;
	}
	return 0;
}

/* Under memory pressure the kernel's OOM killer should take a packer,
 * whose loss costs one request, before the daemon, whose loss costs
 * every client.  Raising one's own score needs no privilege. */
static void prefer_oom_kill(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "1000", 4) != 4)
		log_debug("packer: cannot raise oom_score_adj: %s",
			  strerror(errno));
	close(fd);
}

static int map_shm(struct child *c, uint64_t size)
{
	if (c->map)
		munmap(c->map, c->size);
	c->map = NULL;
	c->size = 0;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       PACKER_SHM_FD, 0);
	if (p == MAP_FAILED) {
		log_err("packer: cannot map %llu bytes of shared memory: %s",
			(unsigned long long)size, strerror(errno));
		return -1;
	}
	c->map = p;
	c->size = size;
	return 0;
}

/* One PACK: the request in the head and the lengths after it, the
 * answer written back in their place. */
static void serve(struct child *c)
{
	struct packer_head *h = (struct packer_head *)c->map;
	uint64_t n = h->n;
	if (n > SIZE_MAX / 16 || packer_shm_bytes(n) > c->size) {
		h->status = SEQPACK_ERR_INVALID;
		snprintf(h->message, sizeof(h->message),
			 "%llu lengths do not fit in the packer's %zu bytes of shared memory",
			 (unsigned long long)n, c->size);
		return;
	}
	char name[SEQPACK_NAME_MAX];
	memcpy(name, h->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	seqpack_params p = h->params;
	uint8_t *data = c->map + PACKER_DATA_OFF;
	const seqpack_result *r;
	seqpack_error err;
	int rc = seqpack_workspace_pack(c->ws, name, (const uint32_t *)data,
					(size_t)n, &p, &r, &err);
	h->status = rc;
	if (rc != SEQPACK_OK) {
		memcpy(h->message, err.message, sizeof(h->message));
		return;
	}
	memcpy(h->algorithm, r->algorithm, sizeof(h->algorithm));
	h->rn = r->n;
	h->nbins = r->nbins;
	h->metrics = r->metrics;
	uint8_t *out = data + n * 4;
	memcpy(out, r->items, r->n * 4);
	memcpy(out + n * 4, r->offsets, (r->nbins + 1) * 4);
	memcpy(out + n * 8 + 4, r->used, r->nbins * 4);
}

static int send_msg(uint64_t seq, uint64_t size)
{
	struct packer_msg m = {.seq = seq, .size = size};
	ssize_t w;
	do
		w = send(PACKER_SOCK_FD, &m, sizeof(m), MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w == (ssize_t)sizeof(m) ? 0 : -1;
}

static int serve_all(struct child *c)
{
	for (;;) {
		struct packer_msg m;
		ssize_t r = recv(PACKER_SOCK_FD, &m, sizeof(m), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return 0; /* the worker closed: the daemon stops */
		if (r < 0 && errno == ECONNRESET)
			return 0;
		if (r != (ssize_t)sizeof(m)) {
			log_err("packer: bad message from the daemon (%zd bytes: %s)",
				r, r < 0 ? strerror(errno) : "wrong size");
			return 1;
		}
		if (m.size != c->size && map_shm(c, m.size) != 0)
			return 1;
		if (c->size < (c->streams ? PACKER_STREAM_DATA_OFF
					  : PACKER_DATA_OFF))
			return 1;
		if (c->streams)
			stream_child_serve(c->streams, c->map, c->size);
		else
			serve(c);
		if (send_msg(m.seq, c->size) != 0)
			return 0; /* the worker gave up on us */
	}
}

int packer_child_main(int argc, char **argv)
{
	/* The parent is the thread that started us: when it goes, so do
	 * we, even if it had no time to say so. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* an eighth argument, --streams: a stream packer (stream-packer.c) */
	int streams = argc == 8 && strcmp(argv[7], PACKER_STREAMS_ARG) == 0;
	if ((argc != 7 && !streams) ||
	    strcmp(argv[2], seqpack_version()) != 0) {
		log_err("seqpackd %s: --packer is for seqpackd %s itself",
			seqpack_version(), argc > 2 ? argv[2] : "?");
		return 2;
	}
	if (getppid() != (pid_t)strtol(argv[3], NULL, 10))
		return 1; /* it went before prctl() took effect */
	log_set_level((int)strtol(argv[5], NULL, 10));
	prefer_oom_kill();
	if (limit_memory(strtoull(argv[4], NULL, 10)) != 0)
		return 1;
	_cleanup_registry_ seqpack_registry *reg = NULL;
	seqpack_error err;
	if (seqpack_registry_open(argv[6][0] ? argv[6] : NULL, &reg, &err) !=
	    SEQPACK_OK) {
		log_err("packer: cannot load plugins: %s", err.message);
		return 1;
	}
	_cleanup_workspace_ seqpack_workspace *ws = NULL;
	if (!streams && seqpack_workspace_new(reg, &ws, &err) != SEQPACK_OK) {
		log_err("packer: %s", err.message);
		return 1;
	}
	struct child c = {.ws = ws, .streams = streams ? reg : NULL};
	int rc = send_msg(0, 0) == 0 ? serve_all(&c) : 0;
	if (streams)
		stream_child_free_all();
	if (c.map)
		munmap(c.map, c.size);
	return rc;
}

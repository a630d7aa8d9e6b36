/* load.h - what the parts of seqpack-load share: the options, the
 * records a client process sends its parent, and each part's entry
 * points.
 *
 * seqpack-load drives seqpackd with N client processes of M PACK
 * requests each (mixed sizes, every algorithm), checks every answer
 * against in-process packing and reports throughput, latency and the
 * daemon's peak memory and descriptors.  One file per job: options.c
 * (the command line), workload.c (what each request packs), worker.c
 * (one client process), compare.c (daemon against in-process),
 * daemon-proc.c (finding and sampling the daemon), collect.c (the
 * parent's loop), report.c (text and JSON), main.c (the order of it). */
#ifndef SEQPACK_LOAD_H
#define SEQPACK_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <seqpack/seqpack.h>

/* Exit statuses (seqpack-load --help says them). */
enum load_exit {
	LOAD_EXIT_OK = 0,       /* every answer matched */
	LOAD_EXIT_FAILED = 1,   /* a mismatch, an error or a failed client */
	LOAD_EXIT_USAGE = 2,    /* bad command line or length file */
	LOAD_EXIT_SETUP = 3,    /* no daemon, no plugins, no fork */
};

struct load_opts {
	const char *socket;       /* NULL: $SEQPACK_SOCKET, then the default */
	unsigned clients;         /* client processes */
	unsigned requests;        /* PACK requests per client */
	uint32_t size_min;        /* lengths per request, drawn log-uniform */
	uint32_t size_max;
	const char *lengths_file; /* lengths drawn from it; NULL: generated */
	uint32_t capacity;
	uint32_t threads;         /* params.threads of every request */
	const char *algorithms;   /* comma-separated; NULL: all the daemon's */
	uint64_t seed;
	pid_t daemon_pid;         /* 0: the socket's peer, if a seqpackd */
	unsigned wait_s;          /* retry the first connect this long */
	unsigned sample_ms;       /* /proc sampling interval */
	const char *plugin_path;  /* in-process registry; NULL: as the library */
	int json;
	int verbose;
};

/* Parse argv into *o.  Returns -1 to go on, else the exit status (help
 * printed: LOAD_EXIT_OK; an error printed: LOAD_EXIT_USAGE). */
int load_parse_options(int argc, char **argv, struct load_opts *o);

/* Print "seqpack-load: message" on stderr, one write per line. */
void load_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------------ */
/* Records: client -> parent, one per request through one shared pipe.
 * 16 bytes, so each write(2) is atomic (below PIPE_BUF) and records
 * from different clients never interleave. */

enum load_kind {
	LOAD_READY = 1,    /* the client is connected and waits for the go */
	LOAD_OK = 2,       /* the answer equals in-process packing */
	LOAD_MISMATCH = 3, /* it does not */
	LOAD_ERROR = 4,    /* the request failed (daemon, client or local) */
};

struct load_rec {
	uint64_t latency_ns; /* seqpack_client_pack_reuse() call, 0 if not sent */
	uint32_t nlengths;
	uint16_t algorithm;  /* index into the run's algorithm list */
	uint8_t kind;        /* enum load_kind */
	uint8_t pad_;
};

/* ------------------------------------------------------------------ */
/* Workload: what request i of client c packs, from the seed alone. */

struct load_workload {
	uint32_t capacity;
	uint32_t size_min, size_max;
	uint64_t seed;
	uint32_t *file_lengths; /* lengths of --lengths-file, or NULL */
	size_t file_n;
};

/* Read the lengths of path (whitespace-separated integers 1..capacity)
 * into w; prints "FILE:LINE: ..." and returns -1 on bad input. */
int load_workload_read_file(struct load_workload *w, const char *path);
void load_workload_free(struct load_workload *w);

struct rng;
/* Seed the generator of client c. */
void load_workload_client_rng(const struct load_workload *w, unsigned c,
			      struct rng *r);
/* Draw one request: its size (returned) and its lengths into lengths
 * (room for w->size_max); shape (taken modulo 4) picks the generated
 * distribution: uniform, mostly short, long, bimodal. */
size_t load_workload_draw(const struct load_workload *w, struct rng *r,
			  unsigned shape, uint32_t *lengths);

/* ------------------------------------------------------------------ */
/* One client process. */

struct load_run {
	const struct load_opts *o;
	const struct load_workload *w;
	seqpack_registry *reg;      /* in-process reference */
	char **algorithms;          /* names, nalg of them */
	size_t nalg;
};

/* The body of client process c: connect, send LOAD_READY, wait for
 * go_fd to reach EOF, then o->requests requests, one record each.
 * Returns the process's exit status (0 unless the pipe failed). */
int load_worker(const struct load_run *run, unsigned c, int rec_fd,
		int go_fd);

/* Compare the daemon's result with the in-process one: 1 when items,
 * offsets and used are identical, else 0 with the first difference in
 * why. */
int load_same_result(const seqpack_result *got, const seqpack_result *want,
		     char *why, size_t len);

/* ------------------------------------------------------------------ */
/* The daemon's process. */

struct load_proc {
	unsigned long rss_kb;  /* VmRSS */
	unsigned long hwm_kb;  /* VmHWM: peak RSS since the daemon started */
	unsigned fds;          /* entries of /proc/PID/fd */
};

/* The pid of the process that listens on the socket (SO_PEERCRED), when
 * its /proc/PID/comm says seqpackd; else 0 with the reason in why. */
pid_t load_daemon_pid(const char *sock, char *why, size_t len);
/* Read /proc/pid; 0 on success, -1 when it cannot be read. */
int load_proc_sample(pid_t pid, struct load_proc *ret);

/* ------------------------------------------------------------------ */
/* The parent's loop and the report. */

struct load_result {
	struct load_rec *recs;  /* every request record (not READY) */
	size_t nrecs;
	uint64_t wall_ns;       /* go to the last record */
	unsigned failed_clients; /* client processes that did not exit 0 */
	pid_t daemon_pid;       /* 0 when not sampled */
	struct load_proc start, end, peak; /* peak: max of rss and fds seen */
	unsigned samples;
	uint64_t daemon_errors; /* errors.total counted during the run */
	int daemon_errors_known; /* 0: STATS failed after the run */
};

/* Fork o->clients clients, wait until all are ready, let them go, read
 * their records until every one has closed the pipe while sampling the
 * daemon, reap them.  Fills *res; -1 when the run could not start. */
int load_collect(const struct load_run *run, struct load_result *res);

/* Print the report (text or JSON) on stdout; returns the exit status. */
int load_report(const struct load_run *run, const struct load_result *res);

#endif

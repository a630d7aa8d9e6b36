/* The command line of seqpack-load: options into struct load_opts, with
 * one message naming the option for every bad value. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/client.h>

#include "load.h"

void load_error(const char *fmt, ...)
{
	/* One fprintf per line: the clients share the parent's stderr. */
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "seqpack-load: %s\n", buf);
}

static void usage(void)
{
	printf("Usage: seqpack-load [OPTION]...\n"
	       "Drive seqpackd with client processes sending PACK requests, check every\n"
	       "answer against in-process packing, report throughput, latency and the\n"
	       "daemon's peak memory and descriptors.\n\n"
	       "  --socket PATH          daemon socket (default $SEQPACK_SOCKET, then "
	       SEQPACK_DEFAULT_SOCKET ")\n"
	       "  --clients N            client processes (default 4)\n"
	       "  --requests M           PACK requests per client (default 100)\n"
	       "  --sizes MIN..MAX       lengths per request, log-uniform (default 10..100000;\n"
	       "                         N alone: always N)\n"
	       "  --lengths-file FILE    draw the lengths from FILE (integers, one or more a\n"
	       "                         line) instead of generating them\n"
	       "  --capacity C           bin capacity (default 4096)\n"
	       "  --threads T            params.threads of every request (default 1)\n"
	       "  --algorithms LIST      comma-separated (default: every algorithm the daemon\n"
	       "                         lists)\n"
	       "  --seed S               seed of the workload (default 1)\n"
	       "  --daemon-pid PID       process to sample (default: the socket's peer, when it\n"
	       "                         is a seqpackd)\n"
	       "  --wait SECONDS         retry connecting for this long (default 0)\n"
	       "  --sample-ms MS         /proc sampling interval (default 10)\n"
	       "  --plugin-path PATH     in-process plugins (default $SEQPACK_PLUGIN_PATH, then\n"
	       "                         the installed directory)\n"
	       "  --json                 one JSON object instead of text\n"
	       "  -v, --verbose          print every failed request, not the first three\n"
	       "  -h, --help             print this help and exit\n\n"
	       "Exit status: 0 every answer matched, 1 a mismatch, error or failed client,\n"
	       "2 bad usage, 3 no daemon, no plugins or no processes.\n");
}

static int parse_u64(const char *opt, const char *arg, uint64_t min,
		     uint64_t max, uint64_t *ret)
{
	char *end;
	errno = 0;
	if (arg[0] < '0' || arg[0] > '9') {
		load_error("--%s: '%s' is not a number", opt, arg);
		return -1;
	}
	unsigned long long v = strtoull(arg, &end, 0);
	if (errno || *end || v < min || v > max) {
		load_error("--%s: '%s' is not a number in %" PRIu64 "..%" PRIu64,
			   opt, arg, min, max);
		return -1;
	}
	*ret = v;
	return 0;
}

static int parse_u32(const char *opt, const char *arg, uint32_t min,
		     uint32_t max, uint32_t *ret)
{
	uint64_t v;
	if (parse_u64(opt, arg, min, max, &v) != 0)
		return -1;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_unsigned(const char *opt, const char *arg, unsigned min,
			  unsigned max, unsigned *ret)
{
	uint32_t v;
	if (parse_u32(opt, arg, min, max, &v) != 0)
		return -1;
	*ret = v;
	return 0;
}

/* Each client holds one buffer of MAX lengths (and two results of that
 * size): 2^24 is the daemon's default max-lengths. */
#define LOAD_MAX_SIZE (1u << 24)

/* MIN..MAX or N. */
static int parse_sizes(const char *arg, struct load_opts *o)
{
	char lo[32];
	const char *dots = strstr(arg, "..");
	if (!dots) {
		if (parse_u32("sizes", arg, 1, LOAD_MAX_SIZE,
			      &o->size_min) != 0)
			return -1;
		o->size_max = o->size_min;
		return 0;
	}
	if ((size_t)(dots - arg) >= sizeof(lo)) {
		load_error("--sizes: '%s' is not MIN..MAX", arg);
		return -1;
	}
	memcpy(lo, arg, (size_t)(dots - arg));
	lo[dots - arg] = '\0';
	if (parse_u32("sizes", lo, 1, LOAD_MAX_SIZE, &o->size_min) ||
	    parse_u32("sizes", dots + 2, 1, LOAD_MAX_SIZE,
		      &o->size_max))
		return -1;
	if (o->size_min > o->size_max) {
		load_error("--sizes: MIN %u is above MAX %u", o->size_min,
			   o->size_max);
		return -1;
	}
	return 0;
}

enum {
	OPT_SOCKET = 0x100,
	OPT_CLIENTS,
	OPT_REQUESTS,
	OPT_SIZES,
	OPT_LENGTHS_FILE,
	OPT_CAPACITY,
	OPT_THREADS,
	OPT_ALGORITHMS,
	OPT_SEED,
	OPT_DAEMON_PID,
	OPT_WAIT,
	OPT_SAMPLE_MS,
	OPT_PLUGIN_PATH,
	OPT_JSON,
};

static const struct option longopts[] = {
	{"socket", required_argument, NULL, OPT_SOCKET},
	{"clients", required_argument, NULL, OPT_CLIENTS},
	{"requests", required_argument, NULL, OPT_REQUESTS},
	{"sizes", required_argument, NULL, OPT_SIZES},
	{"lengths-file", required_argument, NULL, OPT_LENGTHS_FILE},
	{"capacity", required_argument, NULL, OPT_CAPACITY},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"algorithms", required_argument, NULL, OPT_ALGORITHMS},
	{"seed", required_argument, NULL, OPT_SEED},
	{"daemon-pid", required_argument, NULL, OPT_DAEMON_PID},
	{"wait", required_argument, NULL, OPT_WAIT},
	{"sample-ms", required_argument, NULL, OPT_SAMPLE_MS},
	{"plugin-path", required_argument, NULL, OPT_PLUGIN_PATH},
	{"json", no_argument, NULL, OPT_JSON},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* One option; 0 or -1 (message printed). */
static int set_option(int c, const char *arg, struct load_opts *o)
{
	uint32_t pid;
	switch (c) {
	case OPT_SOCKET: o->socket = arg; return 0;
	/* 4096 processes is far past what one machine's daemon serves
	 * (max-clients defaults to 256); the bound keeps typos cheap. */
	case OPT_CLIENTS:
		return parse_unsigned("clients", arg, 1, 4096, &o->clients);
	case OPT_REQUESTS:
		return parse_unsigned("requests", arg, 1, 100000000,
				      &o->requests);
	case OPT_SIZES: return parse_sizes(arg, o);
	case OPT_LENGTHS_FILE: o->lengths_file = arg; return 0;
	case OPT_CAPACITY:
		return parse_u32("capacity", arg, 1, SEQPACK_MAX_CAPACITY,
				 &o->capacity);
	case OPT_THREADS:
		return parse_u32("threads", arg, 0, 4096, &o->threads);
	case OPT_ALGORITHMS: o->algorithms = arg; return 0;
	case OPT_SEED: return parse_u64("seed", arg, 0, UINT64_MAX, &o->seed);
	case OPT_DAEMON_PID:
		if (parse_u32("daemon-pid", arg, 1, INT32_MAX, &pid) != 0)
			return -1;
		o->daemon_pid = (pid_t)pid;
		return 0;
	case OPT_WAIT: return parse_unsigned("wait", arg, 0, 3600, &o->wait_s);
	case OPT_SAMPLE_MS:
		return parse_unsigned("sample-ms", arg, 1, 60000, &o->sample_ms);
	case OPT_PLUGIN_PATH: o->plugin_path = arg; return 0;
	case OPT_JSON: o->json = 1; return 0;
	case 'v': o->verbose = 1; return 0;
	}
	return -1;
}

int load_parse_options(int argc, char **argv, struct load_opts *o)
{
	*o = (struct load_opts){
		.clients = 4,
		.requests = 100,
		.size_min = 10,
		.size_max = 100000,
		.capacity = 4096,
		.threads = 1,
		.seed = 1,
		.sample_ms = 10,
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage();
			return LOAD_EXIT_OK;
		case ':':
			load_error("%s needs a value", argv[optind - 1]);
			return LOAD_EXIT_USAGE;
		case '?':
			load_error("unknown option '%s' (see --help)",
				   argv[optind - 1]);
			return LOAD_EXIT_USAGE;
		default:
			if (set_option(c, optarg, o) != 0)
				return LOAD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		load_error("unexpected argument '%s' (see --help)",
			   argv[optind]);
		return LOAD_EXIT_USAGE;
	}
	return -1;
}

/* The daemon's settings (see config.h).  They are described once, in
 * keys[]; the INI handler, getopt and --help are all driven by that
 * table so a key can never exist in one place and not the other. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <ini.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seqpack/client.h>
#include <seqpack/seqpack.h>

#include "budget.h"
#include "config.h"
#include "log.h"
#include "util/cleanup-internal.h"
#include "util/size-internal.h"

enum kind { K_STR, K_U32, K_MODE, K_SIZE, K_MS, K_LEVEL, K_VERIFY, K_SIZE64,
	     K_MS0, K_ISOLATION };

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	const char *def;
	const char *help;
};

#define F(field) offsetof(struct config, field)
static const struct key keys[] = {
	{"socket", K_STR, F(socket), SEQPACK_DEFAULT_SOCKET,
	 "socket to create when not socket-activated"},
	{"socket-group", K_STR, F(socket_group), "seqpack",
	 "group owning the socket (\"\" = leave as created)"},
	{"socket-mode", K_MODE, F(socket_mode), "0660",
	 "permissions of the socket (octal)"},
	{"threads", K_U32, F(threads), "0",
	 "worker threads (0 = one per online CPU)"},
	{"plugin-path", K_STR, F(plugin_path), "",
	 "colon-separated plugin directories (\"\" = $SEQPACK_PLUGIN_PATH, then the installed directory)"},
	{"max-request-size", K_SIZE, F(max_request_bytes), "64M",
	 "largest request payload in bytes (K, M, G suffixes)"},
	{"max-lengths", K_U32, F(max_lengths), "16777216",
	 "most lengths in one PACK request"},
	{"max-pack-threads", K_U32, F(max_pack_threads), "0",
	 "most threads a PACK may ask of a parallel algorithm (0 = one per online CPU)"},
	{"max-clients", K_U32, F(max_clients), "256",
	 "most concurrent connections"},
	{"max-inflight", K_U32, F(max_inflight), "16",
	 "requests read ahead per connection before replies are written"},
	{"max-streams", K_U32, F(max_streams), "16",
	 "open streams per connection"},
	{"idle-timeout", K_MS, F(idle_timeout_ms), "60",
	 "seconds before an idle connection is closed"},
	{"read-timeout", K_MS, F(read_timeout_ms), "10",
	 "seconds a client has to send one whole request"},
	{"allowed-users", K_STR, F(allowed_users), "",
	 "users (names or uids) allowed to connect (\"\" with no groups = anyone who can open the socket)"},
	{"allowed-groups", K_STR, F(allowed_groups), "",
	 "groups (names or gids) allowed to connect"},
	{"log-level", K_LEVEL, F(log_level), "info",
	 "err, warning, notice, info or debug"},
	{"verify", K_VERIFY, F(verify_always), "always",
	 "verify every PACK answer (always) or only when the client asks (requested)"},
	{"isolation", K_ISOLATION, F(isolation), "process",
	 "run PACK plugins in supervised packer processes (process) or in the worker threads (thread)"},
	{"request-timeout", K_MS0, F(request_timeout_ms), "30",
	 "seconds a plugin may take over one PACK before its packer process is killed (0 = no limit)"},
	{"packer-memory-max", K_SIZE64, F(packer_memory_max), "8G",
	 "address-space limit (RLIMIT_AS) of each packer process in bytes (K, M, G suffixes; 0 = no limit)"},
	{"memory-budget", K_SIZE64, F(memory_budget), "0",
	 "bytes of requests and unsent replies held for all clients together (0 = a quarter of the host's or the cgroup's memory, at least twice max-request-size)"},
	{"memory-budget-per-uid", K_SIZE64, F(memory_budget_per_uid), "0",
	 "bytes of the memory budget one user may hold (0 = half of memory-budget)"},
	{"max-clients-per-uid", K_U32, F(max_clients_per_uid), "0",
	 "most concurrent connections of one user (0 = a quarter of max-clients, at least 4 or max-clients)"},
	{"max-stream-ids", K_U32, F(max_stream_ids), "1048576",
	 "most sequences one stream may hold pushed and not yet packed"},
	{"max-stream-packers", K_U32, F(max_stream_packers), "64",
	 "most connections with a stream packer process at once (isolation = process): a STREAM_OPEN needing one more is refused"},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int parse_u64(const char *v, int base, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*v == '-' || *v == '\0')
		return -1;
	unsigned long long x = strtoull(v, &end, base);
	if (errno || *end)
		return -1;
	*out = x;
	return 0;
}

static int set_key(struct config *c, const struct key *k, const char *v)
{
	void *p = (char *)c + k->off;
	uint64_t x;
	switch (k->kind) {
	case K_STR: {
		char *s = strdup(v);
		if (!s)
			return -1;
		free(*(char **)p);
		*(char **)p = s;
		return 0;
	}
	case K_U32:
		if (parse_u64(v, 10, &x) || x > UINT32_MAX)
			return -1;
		*(uint32_t *)p = (uint32_t)x;
		return 0;
	case K_MODE:
		if (parse_u64(v, 8, &x) || x > 07777)
			return -1;
		*(uint32_t *)p = (uint32_t)x;
		return 0;
	case K_SIZE64:
	case K_SIZE:
		/* The parser the CLI's --capacity uses too: "4k" is 4096 to
		 * both. */
		if (util_parse_size(v, &x))
			return -1;
		if (k->kind == K_SIZE64) {
			*(uint64_t *)p = x;
			return 0;
		}
		if (x > UINT32_MAX)
			return -1;
		*(uint32_t *)p = (uint32_t)x;
		return 0;
	case K_MS: {
		char *end;
		errno = 0;
		double s = strtod(v, &end);
		if (errno || *end || end == v || !(s > 0) || s > 4294967.0)
			return -1;
		uint64_t ms = (uint64_t)(s * 1000.0 + 0.5);
		*(uint32_t *)p = (uint32_t)(ms ? ms : 1);
		return 0;
	}
	case K_LEVEL: {
		int l = log_parse_level(v);
		if (l < 0)
			return -1;
		*(uint32_t *)p = (uint32_t)l;
		return 0;
	}
	case K_MS0: {
		/* K_MS, except that 0 (and only 0) means "no limit" */
		char *end;
		errno = 0;
		double s = strtod(v, &end);
		if (errno || *end || end == v || !(s >= 0) || s > 4294967.0)
			return -1;
		uint64_t ms = (uint64_t)(s * 1000.0 + 0.5);
		*(uint32_t *)p = (uint32_t)(ms || s == 0 ? ms : 1);
		return 0;
	}
	case K_ISOLATION:
		if (strcmp(v, "process") == 0)
			*(uint32_t *)p = 1;
		else if (strcmp(v, "thread") == 0)
			*(uint32_t *)p = 0;
		else
			return -1;
		return 0;
	case K_VERIFY:
		if (strcmp(v, "always") == 0)
			*(uint32_t *)p = 1;
		else if (strcmp(v, "requested") == 0)
			*(uint32_t *)p = 0;
		else
			return -1;
		return 0;
	}
	return -1;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

struct ini_ctx {
	struct config *c;
	const char *path;
	int failed;
};

/* Debian's libinih is built without INI_HANDLER_LINENO, so messages name
 * the key instead of the line. */
static int on_ini_key(void *user, const char *section, const char *name,
		      const char *value)
{
	struct ini_ctx *x = user;
	if (section[0] && strcmp(section, "seqpackd") != 0) {
		log_err("%s: unknown section [%s] (keys go in [seqpackd])",
			x->path, section);
		x->failed = 1;
		return 1;
	}
	const struct key *k = find_key(name);
	if (!k) {
		log_err("%s: unknown key '%s'", x->path, name);
		x->failed = 1;
	} else if (set_key(x->c, k, value) != 0) {
		log_err("%s: invalid value '%s' for %s", x->path, value, name);
		x->failed = 1;
	}
	return 1;
}

static int load_file(struct config *c, const char *path, int must_exist)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		log_err("cannot open config file '%s': %s", path,
			strerror(errno));
		return -1;
	}
	struct ini_ctx x = {.c = c, .path = path};
	int r = ini_parse_file(f, on_ini_key, &x);
	if (r > 0) {
		log_err("%s:%d: syntax error", path, r);
		return -1;
	}
	if (r < 0) {
		log_err("%s: cannot parse (out of memory?)", path);
		return -1;
	}
	return x.failed ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: seqpackd [OPTION]...\n"
		"Serve sequence packing over a Unix socket (see seqpackd(8)).\n\n"
		"  --config=PATH        config file (default %s)\n"
		"  --check-config       check the configuration and exit\n"
		"  --help               show this help and exit\n"
		"  --version            show the version and exit\n\n"
		"Settings (also keys of the config file):\n",
		SEQPACKD_DEFAULT_CONFIG);
	for (size_t i = 0; i < NKEYS; i++)
		fprintf(f, "  --%s=VALUE\n      %s [default: %s]\n",
			keys[i].name, keys[i].help, keys[i].def);
}

enum { OPT_CONFIG = 1000, OPT_CHECK, OPT_HELP, OPT_VERSION, OPT_KEY0 };

/* An unsigned list of names or numbers, resolved through NSS. */
static int resolve_ids(const char *list, int groups, void **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	_cleanup_free_ char *copy = strdup(list ? list : "");
	if (!copy)
		return -1;
	int rc = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, ", \t", &save); t;
	     t = strtok_r(NULL, ", \t", &save)) {
		uint64_t id;
		if (parse_u64(t, 10, &id) != 0 || id > UINT32_MAX - 1) {
			if (groups) {
				struct group *g = getgrnam(t);
				if (!g) {
					log_err("allowed-groups: unknown group '%s'", t);
					rc = -1;
					continue;
				}
				id = g->gr_gid;
			} else {
				struct passwd *pw = getpwnam(t);
				if (!pw) {
					log_err("allowed-users: unknown user '%s'", t);
					rc = -1;
					continue;
				}
				id = pw->pw_uid;
			}
		}
		size_t sz = groups ? sizeof(gid_t) : sizeof(uid_t);
		void *p = realloc(*out, (*n + 1) * sz);
		if (!p) {
			rc = -1;
			break;
		}
		*out = p;
		if (groups)
			((gid_t *)p)[*n] = (gid_t)id;
		else
			((uid_t *)p)[*n] = (uid_t)id;
		(*n)++;
	}
	return rc;
}

int config_load(struct config *c, int argc, char **argv)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NKEYS; i++)
		if (set_key(c, &keys[i], keys[i].def) != 0)
			return -1;

	struct option opts[NKEYS + 5];
	for (size_t i = 0; i < NKEYS; i++)
		opts[i] = (struct option){keys[i].name, required_argument,
					  NULL, OPT_KEY0 + (int)i};
	opts[NKEYS] = (struct option){"config", required_argument, NULL,
				      OPT_CONFIG};
	opts[NKEYS + 1] = (struct option){"check-config", no_argument, NULL,
					  OPT_CHECK};
	opts[NKEYS + 2] = (struct option){"help", no_argument, NULL, OPT_HELP};
	opts[NKEYS + 3] = (struct option){"version", no_argument, NULL,
					  OPT_VERSION};
	opts[NKEYS + 4] = (struct option){NULL, 0, NULL, 0};

	/* First pass: only --config, --help, --version and argument errors,
	 * so the file is read before the flags that override it. */
	int opt, explicit_config = 0;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == OPT_CONFIG) {
			free(c->config_path);
			c->config_path = strdup(optarg);
			explicit_config = 1;
		} else if (opt == OPT_HELP) {
			usage(stdout);
			return 1;
		} else if (opt == OPT_VERSION) {
			printf("seqpackd %s (protocol 1)\n", seqpack_version());
			return 1;
		} else if (opt == OPT_CHECK) {
			c->check_only = 1;
		} else if (opt == '?') {
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!c->config_path)
		c->config_path = strdup(SEQPACKD_DEFAULT_CONFIG);
	if (!c->config_path)
		return -1;
	int failed = load_file(c, c->config_path, explicit_config) != 0;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt < OPT_KEY0)
			continue;
		const struct key *k = &keys[opt - OPT_KEY0];
		if (set_key(c, k, optarg) != 0) {
			log_err("invalid value '%s' for --%s", optarg, k->name);
			failed = 1;
		}
	}
	if (c->max_request_bytes < 64) {
		log_err("max-request-size must be at least 64 bytes");
		failed = 1;
	}
	if (c->max_clients == 0 || c->max_inflight == 0) {
		log_err("max-clients and max-inflight must be at least 1");
		failed = 1;
	}
	if (!c->socket[0]) {
		log_err("socket must not be empty");
		failed = 1;
	}
	if (budget_configure(c) != 0)
		failed = 1;
	void *ids;
	if (resolve_ids(c->allowed_users, 0, &ids, &c->nuids) != 0)
		failed = 1;
	c->uids = ids;
	if (resolve_ids(c->allowed_groups, 1, &ids, &c->ngids) != 0)
		failed = 1;
	c->gids = ids;
	log_set_level((int)c->log_level);
	return failed ? -1 : 0;
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].kind == K_STR)
			free(*(char **)((char *)c + keys[i].off));
	free(c->uids);
	free(c->gids);
	free(c->config_path);
	memset(c, 0, sizeof(*c));
}

void config_dump(const struct config *c, int prio)
{
	logm(prio, "config file: %s", c->config_path);
	for (size_t i = 0; i < NKEYS; i++) {
		const void *p = (const char *)c + keys[i].off;
		switch (keys[i].kind) {
		case K_STR:
			logm(prio, "%s = \"%s\"", keys[i].name,
			     *(char *const *)p);
			break;
		case K_MODE:
			logm(prio, "%s = %04o", keys[i].name,
			     *(const uint32_t *)p);
			break;
		case K_MS:
			logm(prio, "%s = %.3f", keys[i].name,
			     *(const uint32_t *)p / 1000.0);
			break;
		case K_SIZE64:
			logm(prio, "%s = %llu", keys[i].name,
			     (unsigned long long)*(const uint64_t *)p);
			break;
		case K_VERIFY:
			logm(prio, "%s = %s", keys[i].name,
			     *(const uint32_t *)p ? "always" : "requested");
			break;
		case K_MS0:
			logm(prio, "%s = %.3f", keys[i].name,
			     *(const uint32_t *)p / 1000.0);
			break;
		case K_ISOLATION:
			logm(prio, "%s = %s", keys[i].name,
			     *(const uint32_t *)p ? "process" : "thread");
			break;
		default:
			logm(prio, "%s = %u", keys[i].name,
			     *(const uint32_t *)p);
			break;
		}
	}
}

/* seqpackd settings: defaults, the INI file and the command line.  Every
 * key of the file is also a long option of the same name; the command
 * line wins over the file. */
#ifndef SEQPACKD_CONFIG_H
#define SEQPACKD_CONFIG_H

#include <stdint.h>
#include <sys/types.h>

#define SEQPACKD_DEFAULT_CONFIG SYSCONFDIR "/seqpack/seqpackd.conf"

struct config {
	char *socket;
	char *socket_group;      /* "" = leave the group alone */
	uint32_t socket_mode;
	uint32_t threads;        /* 0 = one per online CPU */
	char *plugin_path;       /* "" = $SEQPACK_PLUGIN_PATH + installed */
	uint32_t max_request_bytes;
	uint32_t max_lengths;
	uint32_t max_pack_threads; /* 0 = one per online CPU */
	uint32_t max_clients;
	uint32_t max_inflight;
	uint32_t max_streams;
	uint32_t idle_timeout_ms;
	uint32_t read_timeout_ms;
	char *allowed_users;     /* names or uids, comma/space separated */
	char *allowed_groups;
	uint32_t log_level;
	uint32_t verify_always;  /* verify = always (1) or requested (0) */
	uint32_t isolation;      /* isolation = process (1) or thread (0) */
	uint32_t request_timeout_ms; /* one PACK in a packer; 0 = no limit */
	uint64_t packer_memory_max;  /* RLIMIT_AS of a packer; 0 = none */
	uint64_t memory_budget;  /* bytes held for all clients; 0 = from
				  * the host's memory (budget.c) */
	uint64_t memory_budget_per_uid; /* of it for one UID; 0 = half */
	uint32_t max_clients_per_uid;   /* 0 = a quarter of max-clients */
	uint32_t max_stream_ids; /* sequences one stream may hold */
	uint32_t max_stream_packers; /* live stream packer processes */

	/* resolved from allowed_users/allowed_groups */
	uid_t *uids;
	size_t nuids;
	gid_t *gids;
	size_t ngids;

	char *config_path;
	int check_only;          /* --check-config */
};

/* Fill c from defaults, the config file and argv.  Returns 0 to run,
 * 1 when the program should exit 0 at once (--help, --version), -1 on
 * error (already logged). */
int config_load(struct config *c, int argc, char **argv);
void config_free(struct config *c);
/* Log every effective setting at debug level (and on --check-config). */
void config_dump(const struct config *c, int prio);

#endif

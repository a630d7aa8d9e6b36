/* Harness for the seqpackd tests: start the daemon from the build tree on
 * a socket in a fresh temporary directory, know it is ready because it
 * says READY=1 on a notify socket the test owns (no sleeps), talk raw
 * protocol to it, and stop it. */
#ifndef SEQPACK_TEST_DAEMON_UTIL_H
#define SEQPACK_TEST_DAEMON_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <seqpack/client.h>
#include <seqpack/seqpack.h>

#include "proto.h"

struct td {
	pid_t pid;
	char dir[64];      /* temporary directory, removed by td_stop */
	char sock[100];    /* dir/sock */
	char log[100];     /* dir/log: the daemon's stderr */
	char notify[100];  /* dir/notify: our NOTIFY_SOCKET */
	int notify_fd;
	int errpipe;       /* activation: the activator's stderr */
};

/* Start seqpackd with --socket dir/sock --socket-group "" --config
 * dir/seqpackd.conf (config_text written there, may be NULL) and the NULL-
 * terminated extra arguments; fail the test unless READY=1 arrives. */
void td_start(struct td *d, const char *config_text,
	      const char *const *extra);
/* Same, under `systemd-socket-activate -l dir/sock`; the daemon starts on
 * the first connection, which this call makes (and returns, connected). */
int td_start_activated(struct td *d, const char *const *extra);
/* Wait (up to a generous guard) for a notification containing what;
 * returns 1 when it came, 0 when the daemon died or the guard passed. */
int td_wait_notify(struct td *d, const char *what);
/* SIGTERM, wait, clean up; returns the exit status (or 128+signal). */
int td_stop(struct td *d);
/* Wait for the daemon to exit by itself; returns the exit status. */
int td_wait_exit(struct td *d);
/* Print the daemon's log to stderr (for failure diagnosis). */
void td_dump_log(const struct td *d);

/* Path of the seqpackd under test ($SEQPACKD, else the build tree). */
const char *td_daemon_path(void);

seqpack_client *td_client(const struct td *d);
int td_connect_raw(const struct td *d);
void td_send(int fd, const void *p, size_t n);
/* Read one message: 1 on success (payload malloc'd in *payload), 0 on EOF
 * (the daemon closed), -1 on error. */
int td_recv(int fd, struct sp_header *h, uint8_t **payload);
/* 1 when the daemon closed the connection (read returns 0). */
int td_closed(int fd);

/* A raw message in a buffer (header + payload). */
void td_msg(struct sp_buf *b, uint16_t type, uint64_t id,
	    const void *payload, size_t len);
/* A PACK request payload. */
void td_pack_payload(struct sp_buf *b, const char *alg,
		     const seqpack_params *p, const uint32_t *lengths,
		     size_t n, uint32_t claimed_n);

/* Open file descriptors and resident memory (kB) of a process. */
unsigned td_fd_count(pid_t pid);
unsigned long td_rss_kb(pid_t pid);

#endif

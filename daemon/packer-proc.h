/* Packer processes as processes: start one, end one, know every live
 * one (for the second stop signal), say how one ended. */
#ifndef SEQPACKD_PACKER_PROC_H
#define SEQPACKD_PACKER_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <seqpack/seqpack.h>

#include "config.h"

struct packer_proc {
	pid_t pid;                /* 0: none */
	int sock;                 /* our end of the pair, -1 with none */
	struct packer_proc *next; /* the list of live ones */
};

/* Read /proc/self/exe once; -1 when it cannot be (logged). */
int packer_proc_init(void);
/* Start `seqpackd --packer` with shm_fd as its shared memory; returns 0
 * or an errno (the process may still fail later: the socket then reads
 * EOF). */
int packer_proc_start(struct packer_proc *pp, const struct config *cfg,
		      int shm_fd);
/* The same as a stream packer (`seqpackd --packer ... --streams`, see
 * stream-packer.h). */
int packer_proc_start_streams(struct packer_proc *pp,
			      const struct config *cfg, int shm_fd);
/* Wait for the "done" numbered seq, at most timeout_ms (0: forever). */
enum { PACKER_WAIT_DONE, PACKER_WAIT_TIMEOUT, PACKER_WAIT_LOST };
int packer_proc_wait(const struct packer_proc *pp, uint64_t seq,
		     uint32_t timeout_ms);
/* Send the "go" numbered seq (the memfd is size bytes) and wait for its
 * "done" as packer_proc_wait() does; a failed send is PACKER_WAIT_LOST. */
int packer_proc_call(const struct packer_proc *pp, uint64_t seq,
		     uint64_t size, uint32_t timeout_ms);
/* Fill err with status and a formatted message; returns status. */
int packer_err(seqpack_error *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* End it: with SIGKILL when hard, else by closing its socket (it exits
 * on EOF; SIGKILL after 2 s); reap it, and return its wait status (-1
 * when there was none). */
int packer_proc_end(struct packer_proc *pp, int hard);
/* "crashed (signal 11, Segmentation fault)" or "exited with status 1". */
void packer_proc_describe(int wstatus, char *buf, size_t size);
/* SIGKILL every live packer process. */
void packer_proc_kill_all(void);

#endif

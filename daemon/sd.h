/* The only place that talks to systemd.  Built with libsystemd
 * (ENABLE_SYSTEMD) it uses sd-daemon; without, it implements the same
 * documented environment protocols (LISTEN_FDS/LISTEN_PID, NOTIFY_SOCKET,
 * WATCHDOG_USEC/WATCHDOG_PID) itself, so socket activation and readiness
 * work either way.  Callers need no #ifdef. */
#ifndef SEQPACKD_SD_H
#define SEQPACKD_SD_H

#include <stdint.h>

/* The socket passed by socket activation: returns 1 and sets *fd, 0 when
 * none was passed, -1 on an unusable set of fds (logged). */
int sdx_listen_fd(int *fd);
/* Send a notification ("READY=1", ...).  Errors are ignored: a daemon not
 * run by systemd has nobody to notify. */
void sdx_notify(const char *state);
/* The watchdog interval in microseconds, or 0 when disabled. */
uint64_t sdx_watchdog_usec(void);

#endif

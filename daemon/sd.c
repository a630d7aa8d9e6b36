/* systemd glue; see sd.h for why there is a fallback. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef ENABLE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "sd.h"
#include "util/cleanup-internal.h"

#define LISTEN_FDS_START 3

static int is_unix_stream_listener(int fd)
{
#ifdef ENABLE_SYSTEMD
	return sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) > 0;
#else
	struct stat st;
	int type = 0, listening = 0;
	struct sockaddr_un sa;
	socklen_t l = sizeof(type);
	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) != 0 ||
	    type != SOCK_STREAM)
		return 0;
	l = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &l) != 0 ||
	    !listening)
		return 0;
	l = sizeof(sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &l) != 0 ||
	    sa.sun_family != AF_UNIX)
		return 0;
	return 1;
#endif
}

static int listen_fds(void)
{
#ifdef ENABLE_SYSTEMD
	return sd_listen_fds(1);
#else
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int n = 0;
	if (pid && fds) {
		char *end;
		long p = strtol(pid, &end, 10);
		if (*end == '\0' && p == (long)getpid()) {
			long v = strtol(fds, &end, 10);
			n = (*end == '\0' && v > 0 && v < 1024) ? (int)v : -1;
		}
	}
	/* Like sd_listen_fds(1): children must not inherit the claim. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return n;
#endif
}

int sdx_listen_fd(int *fd)
{
	int n = listen_fds();
	if (n == 0)
		return 0;
	if (n < 0) {
		log_err("socket activation: invalid LISTEN_FDS");
		return -1;
	}
	if (n > 1) {
		log_err("socket activation passed %d sockets; seqpackd takes exactly one", n);
		return -1;
	}
	if (!is_unix_stream_listener(LISTEN_FDS_START)) {
		log_err("socket activation: fd %d is not a listening AF_UNIX stream socket",
			LISTEN_FDS_START);
		return -1;
	}
	*fd = LISTEN_FDS_START;
	return 1;
}

void sdx_notify(const char *state)
{
#ifdef ENABLE_SYSTEMD
	int r = sd_notify(0, state);
	if (r < 0)
		log_debug("sd_notify(%s): %s", state, strerror(-r));
#else
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sa, sl) < 0)
		log_debug("notify(%s): %s", state, strerror(errno));
#endif
}

uint64_t sdx_watchdog_usec(void)
{
#ifdef ENABLE_SYSTEMD
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) > 0)
		return usec;
	return 0;
#else
	const char *u = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	if (!u)
		return 0;
	if (pid && strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	char *end;
	unsigned long long v = strtoull(u, &end, 10);
	return *end == '\0' ? (uint64_t)v : 0;
#endif
}

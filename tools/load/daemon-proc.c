/* The daemon's process as the kernel sees it: which pid listens on the
 * socket, and its resident memory, peak resident memory and open
 * descriptors from /proc, sampled by the parent during a run. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <seqpack/client.h>

#include "load.h"
#include "util/cleanup-internal.h"

/* The path seqpack_client_connect() uses for NULL. */
static const char *socket_path(const char *sock)
{
	if (sock)
		return sock;
	const char *env = secure_getenv("SEQPACK_SOCKET");
	return env && *env ? env : SEQPACK_DEFAULT_SOCKET;
}

pid_t load_daemon_pid(const char *sock, char *why, size_t len)
{
	const char *path = socket_path(sock);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, len, "socket path too long");
		return 0;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(why, len, "connect %s: %s", path, strerror(errno));
		return 0;
	}
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0) {
		snprintf(why, len, "SO_PEERCRED: %s", strerror(errno));
		return 0;
	}
	/* Under socket activation the peer is the process that created
	 * the socket (systemd), whose memory says nothing about ours. */
	char p[64], comm[64] = "";
	snprintf(p, sizeof(p), "/proc/%d/comm", (int)cred.pid);
	_cleanup_fclose_ FILE *f = fopen(p, "re");
	if (!f || !fgets(comm, sizeof(comm), f)) {
		snprintf(why, len, "cannot read %s", p);
		return 0;
	}
	comm[strcspn(comm, "\n")] = '\0';
	if (!strstr(comm, "seqpackd")) {
		snprintf(why, len,
			 "the socket belongs to pid %d (%s), not a seqpackd: pass --daemon-pid",
			 (int)cred.pid, comm);
		return 0;
	}
	return cred.pid;
}

static int count_fds(pid_t pid, unsigned *ret)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/fd", (int)pid);
	DIR *dp = opendir(p);
	if (!dp)
		return -1;
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(dp)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dp);
	*ret = n;
	return 0;
}

int load_proc_sample(pid_t pid, struct load_proc *ret)
{
	char p[64], line[256];
	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(p, "re");
	if (!f)
		return -1;
	struct load_proc s = {0};
	int seen = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %lu kB", &s.rss_kb) == 1)
			seen |= 1;
		else if (sscanf(line, "VmHWM: %lu kB", &s.hwm_kb) == 1)
			seen |= 2;
	}
	if (seen != 3 || count_fds(pid, &s.fds) != 0)
		return -1;
	*ret = s;
	return 0;
}

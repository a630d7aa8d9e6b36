/* See packer-proc.h.  The daemon is multithreaded, so a packer is
 * started with posix_spawn() (no code of ours runs between fork and
 * exec) of the daemon's own binary, with nothing open but stdio, its
 * socket and its shared memory.  The signals the daemon blocks stay
 * blocked in the packer: a SIGTERM to the whole service (systemd's
 * KillMode=control-group) must not kill requests that the daemon is
 * still finishing; the packer ends when its socket closes, or with
 * SIGKILL. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "packer-child.h"
#include "packer-proc.h"
#include "packer-shm.h"
#include "util/cleanup-internal.h"
#include "util/clock-internal.h"

extern char **environ;

/* How long a packer may take to exit once its socket is closed (its
 * plugins are unloaded then, and a plugin's destructor is plugin code
 * too) before it is killed. */
#define PACKER_EXIT_MS 2000

static char exe[PATH_MAX];

static struct {
	pthread_mutex_t lock;
	struct packer_proc *head;
} live = {.lock = PTHREAD_MUTEX_INITIALIZER};

int packer_proc_init(void)
{
	/* An inherited SIG_IGN would have the kernel reap the packers
	 * itself, and waitpid() could not say how one ended. */
	signal(SIGCHLD, SIG_DFL);
	/* The path, not /proc/self/exe itself: under valgrind the latter
	 * would be valgrind's own binary. */
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		log_err("cannot find the daemon's own binary (/proc/self/exe): %s",
			n < 0 ? strerror(errno) : "empty");
		exe[0] = '\0';
		return -1;
	}
	exe[n] = '\0';
	return 0;
}

static void list_add(struct packer_proc *pp)
{
	pthread_mutex_lock(&live.lock);
	pp->next = live.head;
	live.head = pp;
	pthread_mutex_unlock(&live.lock);
}

static void list_remove(struct packer_proc *pp)
{
	pthread_mutex_lock(&live.lock);
	for (struct packer_proc **q = &live.head; *q; q = &(*q)->next)
		if (*q == pp) {
			*q = pp->next;
			break;
		}
	pp->next = NULL;
	pthread_mutex_unlock(&live.lock);
}

UTIL_DEFINE_CLEANUP(posix_spawn_file_actions_t *,
		    posix_spawn_file_actions_destroy)

static int spawn(pid_t *pid, int sock, int shm, char **argv)
{
	/* Copies above the two fixed numbers first, so that neither
	 * dup2() can land on the other's source. */
	_cleanup_close_ int s = fcntl(sock, F_DUPFD_CLOEXEC, 10);
	_cleanup_close_ int m = fcntl(shm, F_DUPFD_CLOEXEC, 10);
	if (s < 0 || m < 0)
		return errno;
	posix_spawn_file_actions_t fa;
	int r = posix_spawn_file_actions_init(&fa);
	if (r != 0)
		return r;
	_cleanup_(posix_spawn_file_actions_destroyp)
		posix_spawn_file_actions_t *fap = &fa;
	if ((r = posix_spawn_file_actions_adddup2(fap, s, PACKER_SOCK_FD)) ||
	    (r = posix_spawn_file_actions_adddup2(fap, m, PACKER_SHM_FD)) ||
	    (r = posix_spawn_file_actions_addclosefrom_np(fap,
							  PACKER_SHM_FD + 1)))
		return r;
	return posix_spawn(pid, exe, fap, NULL, argv, environ);
}

static int start_mode(struct packer_proc *pp, const struct config *cfg,
		      int shm_fd, int streams)
{
	if (!exe[0])
		return ENOENT;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return errno;
	_cleanup_close_ int mine = sv[0], theirs = sv[1];
	char ppid[24], mem[24], level[12];
	snprintf(ppid, sizeof(ppid), "%d", (int)getpid());
	snprintf(mem, sizeof(mem), "%llu",
		 (unsigned long long)cfg->packer_memory_max);
	snprintf(level, sizeof(level), "%d", log_get_level());
	char *argv[] = {"seqpackd", PACKER_ARG, (char *)seqpack_version(),
			ppid, mem, level, cfg->plugin_path,
			streams ? PACKER_STREAMS_ARG : NULL, NULL};
	pid_t pid;
	int r = spawn(&pid, theirs, shm_fd, argv);
	if (r != 0)
		return r;
	pp->pid = pid;
	pp->sock = TAKE_FD(mine);
	list_add(pp);
	log_debug("packer process %d started", (int)pid);
	return 0;
}

int packer_proc_start(struct packer_proc *pp, const struct config *cfg,
		      int shm_fd)
{
	return start_mode(pp, cfg, shm_fd, 0);
}

int packer_proc_start_streams(struct packer_proc *pp,
			      const struct config *cfg, int shm_fd)
{
	return start_mode(pp, cfg, shm_fd, 1);
}

int packer_proc_wait(const struct packer_proc *pp, uint64_t seq,
		     uint32_t timeout_ms)
{
	uint64_t deadline = timeout_ms ? util_now_ms() + timeout_ms : 0;
	for (;;) {
		int wait = -1;
		if (deadline) {
			uint64_t now = util_now_ms();
			if (now >= deadline)
				return PACKER_WAIT_TIMEOUT;
			wait = deadline - now > INT_MAX ? INT_MAX
						       : (int)(deadline - now);
		}
		struct pollfd pfd = {.fd = pp->sock, .events = POLLIN};
		int r = poll(&pfd, 1, wait);
		if (r < 0 && errno != EINTR)
			return PACKER_WAIT_LOST;
		if (r <= 0)
			continue;
		struct packer_msg m;
		ssize_t got = recv(pp->sock, &m, sizeof(m), MSG_DONTWAIT);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return got == (ssize_t)sizeof(m) && m.seq == seq
			       ? PACKER_WAIT_DONE
			       : PACKER_WAIT_LOST;
	}
}

int packer_proc_call(const struct packer_proc *pp, uint64_t seq,
		     uint64_t size, uint32_t timeout_ms)
{
	struct packer_msg m = {.seq = seq, .size = size};
	ssize_t w;
	do
		w = send(pp->sock, &m, sizeof(m), MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof(m))
		return PACKER_WAIT_LOST;
	return packer_proc_wait(pp, seq, timeout_ms);
}

int packer_err(seqpack_error *err, int status, const char *fmt, ...)
{
	err->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return status;
}

/* Wait up to PACKER_EXIT_MS for pid to end by itself, else kill it; no
 * pidfd (a kernel before 5.3): kill it at once. */
static void exit_or_kill(pid_t pid)
{
	_cleanup_close_ int fd = pidfd_open(pid, 0);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r = 0;
	if (fd >= 0)
		do
			r = poll(&p, 1, PACKER_EXIT_MS);
		while (r < 0 && errno == EINTR);
	if (r <= 0)
		kill(pid, SIGKILL);
}

int packer_proc_end(struct packer_proc *pp, int hard)
{
	if (!pp->pid)
		return -1;
	/* Off the list before it can be reaped, so that the second stop
	 * signal never kills a pid that was reused. */
	list_remove(pp);
	if (hard)
		kill(pp->pid, SIGKILL);
	util_closep(&pp->sock);
	pp->sock = -1;
	if (!hard)
		exit_or_kill(pp->pid);
	int st = -1;
	while (waitpid(pp->pid, &st, 0) < 0 && errno == EINTR)
		;
	pp->pid = 0;
	return st;
}

void packer_proc_describe(int st, char *buf, size_t size)
{
	if (st != -1 && WIFSIGNALED(st))
		snprintf(buf, size, "crashed (signal %d, %s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else if (st != -1 && WIFEXITED(st))
		snprintf(buf, size, "ended its packer process (exit status %d)",
			 WEXITSTATUS(st));
	else
		snprintf(buf, size, "lost its packer process");
}

void packer_proc_kill_all(void)
{
	pthread_mutex_lock(&live.lock);
	for (struct packer_proc *pp = live.head; pp; pp = pp->next)
		kill(pp->pid, SIGKILL);
	pthread_mutex_unlock(&live.lock);
}

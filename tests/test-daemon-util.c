/* See test-daemon-util.h. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-daemon-util.h"
#include "testlib.h"

/* A guard against a hung daemon, not a synchronisation delay. */
#define GUARD_MS 60000

const char *td_daemon_path(void)
{
	static char path[4096];
	const char *env = getenv("SEQPACKD");
	if (env && *env)
		return env;
	if (!path[0]) {
		char *p = tl_builddir_path("daemon/seqpackd");
		snprintf(path, sizeof(path), "%s", p);
		free(p);
	}
	return path;
}

static void make_dir(struct td *d)
{
	memset(d, 0, sizeof(*d));
	d->notify_fd = -1;
	const char *tmp = getenv("TMPDIR");
	snprintf(d->dir, sizeof(d->dir), "%s/seqpackd-test.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(d->dir) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(d->sock, sizeof(d->sock), "%s/sock", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/log", d->dir);
	snprintf(d->notify, sizeof(d->notify), "%s/notify", d->dir);
	d->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(d->notify_fd, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->notify);
	ck_assert_msg(bind(d->notify_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		      "bind %s: %s", d->notify, strerror(errno));
}

static void spawn(struct td *d, const char *const *argv)
{
	d->pid = fork();
	ck_assert_int_ge(d->pid, 0);
	if (d->pid == 0) {
		/* a crashed test must not leave its daemon behind */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		setenv("NOTIFY_SOCKET", d->notify, 1);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
}

static void build_args(const struct td *d, const char **argv, size_t max,
		       size_t *n, const char *const *extra, char *cfgarg,
		       char *sockarg)
{
	argv[(*n)++] = td_daemon_path();
	argv[(*n)++] = sockarg;
	argv[(*n)++] = "--socket-group=";
	argv[(*n)++] = "--log-level=debug";
	argv[(*n)++] = "--threads=4";
	argv[(*n)++] = cfgarg;
	for (size_t i = 0; extra && extra[i] && *n < max - 1; i++)
		argv[(*n)++] = extra[i];
	argv[*n] = NULL;
}

void td_start(struct td *d, const char *config_text,
	      const char *const *extra)
{
	make_dir(d);
	char cfg[400], cfgarg[420], sockarg[340];
	snprintf(cfg, sizeof(cfg), "%s/seqpackd.conf", d->dir);
	FILE *f = fopen(cfg, "w");
	ck_assert(f != NULL);
	fputs(config_text ? config_text : "# empty\n", f);
	fclose(f);
	snprintf(cfgarg, sizeof(cfgarg), "--config=%s", cfg);
	snprintf(sockarg, sizeof(sockarg), "--socket=%s", d->sock);
	const char *argv[64];
	size_t n = 0;
	build_args(d, argv, 64, &n, extra, cfgarg, sockarg);
	spawn(d, argv);
	if (!td_wait_notify(d, "READY=1")) {
		td_dump_log(d);
		ck_abort_msg("seqpackd did not become ready");
	}
}

int td_start_activated(struct td *d, const char *const *extra)
{
	make_dir(d);
	/* systemd-socket-activate reports on stderr when it listens: wait
	 * for that line rather than polling the socket. */
	int pfd[2];
	ck_assert(pipe(pfd) == 0);
	char cfgarg[] = "--config=/dev/null";
	char sockarg[340];
	snprintf(sockarg, sizeof(sockarg), "--socket=%s/unused", d->dir);
	const char *argv[80];
	size_t n = 0;
	argv[n++] = "systemd-socket-activate";
	argv[n++] = "-l";
	argv[n++] = d->sock;
	argv[n++] = "-E";
	argv[n++] = "NOTIFY_SOCKET";
	argv[n++] = "-E";
	argv[n++] = "SEQPACK_PLUGIN_PATH";
	/* -E NAME fails when NAME is unset, so pass only what is set */
	if (getenv("SEQPACK_TEST_GATE")) {
		argv[n++] = "-E";
		argv[n++] = "SEQPACK_TEST_GATE";
	}
	size_t rest = 0;
	build_args(d, argv + n, 80 - n, &rest, extra, cfgarg, sockarg);
	d->pid = fork();
	ck_assert_int_ge(d->pid, 0);
	if (d->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		setenv("NOTIFY_SOCKET", d->notify, 1);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	char buf[4096];
	size_t have = 0;
	int listening = 0;
	while (!listening && have < sizeof(buf) - 1) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		if (poll(&p, 1, GUARD_MS) <= 0)
			break;
		ssize_t r = read(pfd[0], buf + have, sizeof(buf) - 1 - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		buf[have] = '\0';
		listening = strstr(buf, "Listening on") != NULL;
	}
	/* From here on the daemon's stderr is not read: the pipe buffer
	 * holds far more than it logs at info level in one test. */
	ck_assert_msg(listening, "systemd-socket-activate did not start: %s",
		      buf);
	d->errpipe = pfd[0];
	return td_connect_raw(d);
}

int td_wait_notify(struct td *d, const char *what)
{
	int waited = 0;
	while (waited < GUARD_MS) {
		struct pollfd p = {.fd = d->notify_fd, .events = POLLIN};
		int r = poll(&p, 1, 200);
		if (r > 0) {
			char buf[1024];
			ssize_t n = recv(d->notify_fd, buf, sizeof(buf) - 1, 0);
			if (n > 0) {
				buf[n] = '\0';
				if (strstr(buf, what))
					return 1;
			}
			continue;
		}
		waited += 200;
		int st;
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			return 0;
		}
	}
	return 0;
}

void td_dump_log(const struct td *d)
{
	FILE *f = fopen(d->log, "r");
	if (!f)
		return;
	char line[1024];
	fprintf(stderr, "---- seqpackd log (%s)\n", d->log);
	while (fgets(line, sizeof(line), f))
		fputs(line, stderr);
	fprintf(stderr, "----\n");
	fclose(f);
}

static void rm_rf(const char *dir)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	struct dirent *e;
	while ((e = readdir(dp))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[1024];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p) != 0)
			rm_rf(p);
	}
	closedir(dp);
	rmdir(dir);
}

int td_wait_exit(struct td *d)
{
	int st, status = -1;
	if (d->pid > 0 && waitpid(d->pid, &st, 0) == d->pid)
		status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	d->pid = 0;
	if (status != 0)
		td_dump_log(d);
	return status;
}

int td_stop(struct td *d)
{
	/* 0 when td_wait_exit() already reaped it */
	int status = d->pid > 0 ? -1 : 0;
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		int st;
		if (waitpid(d->pid, &st, 0) == d->pid)
			status = WIFEXITED(st) ? WEXITSTATUS(st)
					       : 128 + WTERMSIG(st);
		d->pid = 0;
	}
	if (status != 0)
		td_dump_log(d);
	if (d->notify_fd >= 0)
		close(d->notify_fd);
	d->notify_fd = -1;
	if (d->errpipe > 0)
		close(d->errpipe);
	d->errpipe = -1;
	rm_rf(d->dir);
	return status;
}

seqpack_client *td_client(const struct td *d)
{
	seqpack_client *c = NULL;
	seqpack_error err = {0};
	int rc = seqpack_client_connect(d->sock, &c, &err);
	ck_assert_msg(rc == SEQPACK_OK, "connect: %s", err.message);
	return c;
}

int td_connect_raw(const struct td *d)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->sock);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		      "connect %s: %s", d->sock, strerror(errno));
	return fd;
}

void td_send(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		ck_assert_msg(w > 0, "send: %s", strerror(errno));
		b += w;
		n -= (size_t)w;
	}
}

static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == ECONNRESET ? 0 : -1;
		if (r == 0)
			return 0;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

int td_recv(int fd, struct sp_header *h, uint8_t **payload)
{
	uint8_t hb[SP_HEADER_SIZE];
	int r = read_full(fd, hb, sizeof(hb));
	if (r <= 0)
		return r;
	sp_header_decode(hb, h);
	ck_assert_uint_eq(h->magic, SP_MAGIC);
	ck_assert_uint_le(h->length, 1u << 30);
	*payload = malloc(h->length + 1);
	ck_assert(*payload != NULL);
	r = read_full(fd, *payload, h->length);
	if (r <= 0) {
		free(*payload);
		*payload = NULL;
	}
	return r;
}

int td_closed(int fd)
{
	uint8_t b;
	ssize_t r;
	do
		r = read(fd, &b, 1);
	while (r < 0 && errno == EINTR);
	return r == 0 || (r < 0 && errno == ECONNRESET);
}

void td_msg(struct sp_buf *b, uint16_t type, uint64_t id,
	    const void *payload, size_t len)
{
	size_t off = sp_begin(b, type, id);
	if (len && sp_buf_reserve(b, len) == 0) {
		memcpy(b->data + b->len, payload, len);
		b->len += len;
	}
	sp_end(b, off);
	ck_assert(!b->oom);
}

void td_pack_payload(struct sp_buf *b, const char *alg,
		     const seqpack_params *p, const uint32_t *lengths,
		     size_t n, uint32_t claimed_n)
{
	sp_put_str(b, alg);
	sp_put_params(b, p);
	sp_put_u32(b, claimed_n);
	sp_put_u32_array(b, lengths, n);
	ck_assert(!b->oom);
}

unsigned td_fd_count(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/fd", (int)pid);
	DIR *dp = opendir(p);
	ck_assert_msg(dp != NULL, "opendir %s: %s", p, strerror(errno));
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(dp)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

unsigned long td_rss_kb(pid_t pid)
{
	char p[64], line[256];
	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	FILE *f = fopen(p, "r");
	ck_assert(f != NULL);
	unsigned long kb = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Creating the socket.  The file gets its final mode at bind time (the
 * umask is set around bind), so there is no window in which it is more
 * open than configured; only the group is changed afterwards, which can
 * only narrow who may connect to the configured group. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "sd.h"
#include "util/cleanup-internal.h"

/* A socket file that nobody answers on is stale (a crashed daemon). */
static int remove_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("'%s' exists and is not a socket; not touching it", path);
		return -1;
	}
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	if (r == 0) {
		log_err("another daemon is listening on '%s'", path);
		return -1;
	}
	if (e != ECONNREFUSED) {
		log_err("cannot probe '%s': %s", path, strerror(e));
		return -1;
	}
	log_notice("removing stale socket '%s'", path);
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

static void set_group(const char *path, const char *group)
{
	if (!group[0])
		return;
	struct group *g = getgrnam(group);
	if (!g) {
		log_warn("socket group '%s' does not exist; leaving '%s' with the daemon's group (set socket-group to \"\" to silence this)",
			 group, path);
		return;
	}
	if (chown(path, (uid_t)-1, g->gr_gid) != 0)
		log_warn("cannot give '%s' to group '%s': %s", path, group,
			 strerror(errno));
}

int listener_open(const struct config *c, struct listener *l)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	int fd;
	int r = sdx_listen_fd(&fd);
	if (r < 0)
		return -1;
	if (r > 0) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			log_err("socket activation: fcntl: %s", strerror(errno));
			return -1;
		}
		l->fd = fd;
		l->activated = 1;
		/* (the ready line says where, at notice level) */
		log_debug("listening on the socket passed by systemd");
		return 0;
	}

	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(c->socket) >= sizeof(sa.sun_path)) {
		log_err("socket path '%s' is too long", c->socket);
		return -1;
	}
	strcpy(sa.sun_path, c->socket);
	if (remove_stale(c->socket, &sa) != 0)
		return -1;
	_cleanup_close_ int sfd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sfd < 0) {
		log_err("socket: %s", strerror(errno));
		return -1;
	}
	mode_t old = umask(~(mode_t)c->socket_mode & 0777);
	r = bind(sfd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	umask(old);
	if (r != 0) {
		log_err("cannot bind '%s': %s", c->socket, strerror(e));
		return -1;
	}
	l->path = strdup(c->socket);
	l->owned = 1;
	l->fd = TAKE_FD(sfd);
	set_group(c->socket, c->socket_group);
	if (listen(l->fd, SOMAXCONN) != 0) {
		log_err("listen on '%s': %s", c->socket, strerror(errno));
		listener_close(l);
		return -1;
	}
	log_debug("listening on '%s' (mode %04o)", c->socket, c->socket_mode);
	return 0;
}

void listener_close(struct listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->owned && l->path && unlink(l->path) != 0 && errno != ENOENT)
		log_warn("cannot remove '%s': %s", l->path, strerror(errno));
	l->owned = 0;
	free(l->path);
	l->path = NULL;
}

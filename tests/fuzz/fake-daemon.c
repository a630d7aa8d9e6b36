/* The fake daemon of the client's tests; see fake-daemon.h. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake-daemon.h"
#include "fuzz.h"

/* The fake daemon's loop: the first connection gets the input and is
 * read until the client closes it; any later one is closed at once. */
static void *serve(void *arg)
{
	struct fake_daemon *d = arg;
	int conn = -1, served = 0;
	size_t sent = 0;
	for (;;) {
		struct pollfd p[3] = {
			{.fd = d->stop_fd, .events = POLLIN},
			{.fd = d->listen_fd, .events = POLLIN},
			{.fd = conn, .events = POLLIN |
				(sent < d->size ? POLLOUT : 0)},
		};
		if (poll(p, conn >= 0 ? 3 : 2, -1) < 0) {
			FUZZ_CHECK(errno == EINTR, "poll: %s", strerror(errno));
			continue;
		}
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN) {
			int fd = accept4(d->listen_fd, NULL, NULL,
					 SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (fd >= 0 && !served) {
				conn = fd;
				served = 1;
				if (!d->size)
					shutdown(conn, SHUT_WR);
			} else if (fd >= 0) {
				close(fd);
			}
		}
		if (conn < 0)
			continue;
		if (p[2].revents & POLLOUT) {
			ssize_t w = send(conn, d->data + sent, d->size - sent,
					 MSG_NOSIGNAL);
			if (w > 0)
				sent += (size_t)w;
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				sent = d->size; /* the client is gone */
			if (sent == d->size)
				shutdown(conn, SHUT_WR);
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* Requests (and any descriptor they carry) are read
			 * and dropped. */
			char buf[4096];
			ssize_t r = recv(conn, buf, sizeof(buf), 0);
			if (r == 0 || (r < 0 && errno != EAGAIN &&
				       errno != EINTR)) {
				close(conn);
				conn = -1;
				sent = d->size;
			}
		}
	}
	if (conn >= 0)
		close(conn);
	return NULL;
}

void fake_daemon_start(struct fake_daemon *d, const char *path,
		       const uint8_t *data, size_t size)
{
	d->data = data;
	d->size = size;
	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(d->listen_fd >= 0, "socket: %s", strerror(errno));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	FUZZ_CHECK(bind(d->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
			   listen(d->listen_fd, 8) == 0,
		   "bind/listen %s: %s", path, strerror(errno));
	d->stop_fd = eventfd(0, EFD_CLOEXEC);
	FUZZ_CHECK(d->stop_fd >= 0, "eventfd: %s", strerror(errno));
	FUZZ_CHECK(pthread_create(&d->thread, NULL, serve, d) == 0,
		   "pthread_create");
}

void fake_daemon_stop(struct fake_daemon *d)
{
	uint64_t one = 1;
	FUZZ_CHECK(write(d->stop_fd, &one, sizeof(one)) == sizeof(one),
		   "eventfd write");
	pthread_join(d->thread, NULL);
	close(d->stop_fd);
	close(d->listen_fd);
}

/* A fake seqpackd for the client's tests (tests/fuzz/fuzz-client.c and
 * test-client-reply.c): on a socket path of its own, it sends the first
 * connection a fixed byte stream, whatever the client asks, and reads
 * (and drops) what the client sends until the client closes; any later
 * connection (a client's reconnect) is closed at once.  One thread with
 * a poll loop, so that neither side can block the other. */
#ifndef SEQPACK_FUZZ_FAKE_DAEMON_H
#define SEQPACK_FUZZ_FAKE_DAEMON_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct fake_daemon {
	int listen_fd, stop_fd;
	const uint8_t *data;     /* what the first connection is sent */
	size_t size;
	pthread_t thread;
};

/* Listen on path (replacing a socket there) and serve data; aborts on a
 * failing system call. */
void fake_daemon_start(struct fake_daemon *d, const char *path,
		       const uint8_t *data, size_t size);
/* Stop the thread and close the sockets (the path stays). */
void fake_daemon_stop(struct fake_daemon *d);

#endif

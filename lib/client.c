/* A seqpackd connection's life: connect (within the client's timeout),
 * the HELLO that agrees on the protocol and learns the daemon's limits,
 * the reconnect of client-retry.c, and close, which releases what the
 * other lib/client-*.c files keep in the client. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "client-io.h"
#include "client-pack.h"
#include "client-retry.h"
#include "client-shm.h"
#include "client-stream.h"
#include "util/cleanup-seqpack-internal.h"

/* A wedged daemon must not hang its clients for ever, and no legitimate
 * call comes near a minute: the slowest algorithm (ffs) packs 10^6
 * lengths in 90 ms here, so the daemon's largest request (max-lengths,
 * 16M) takes seconds, and the daemon itself answers a PACK that runs
 * past its request-timeout (30 s by default) with SEQPACK_ERR_TIMEOUT.
 * seqpack_client_set_timeout(c, 0) or $SEQPACK_CLIENT_TIMEOUT_MS=0 waits
 * without limit. */
#define DEFAULT_TIMEOUT_MS 60000u

static int hello(seqpack_client *c, seqpack_daemon_info *ret,
		 seqpack_error *err)
{
	client_begin(c, SP_HELLO);
	sp_put_u16(&c->out, SP_VERSION_MIN);
	sp_put_u16(&c->out, SP_VERSION);
	struct sp_rd r;
	int rc = client_call(c, CLIENT_SHORT_REPLY, &r, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_daemon_info info = {0};
	info.protocol = sp_get_u16(&r);
	info.protocol_min = sp_get_u16(&r);
	info.protocol_max = sp_get_u16(&r);
	(void)sp_get_u16(&r);
	sp_get_str(&r, info.version, sizeof(info.version));
	info.max_request_bytes = sp_get_u32(&r);
	info.max_lengths = sp_get_u32(&r);
	info.max_inflight = sp_get_u32(&r);
	info.max_streams = sp_get_u32(&r);
	info.read_timeout_ms = sp_get_u32(&r);
	info.idle_timeout_ms = sp_get_u32(&r);
	/* 64 bytes is the daemon's own minimum; below it no request fits
	 * and the stream batch size would underflow. */
	if (r.bad || info.max_request_bytes < 64)
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err,
				     "malformed HELLO reply");
	if (info.protocol != SP_VERSION)
		return client_broken(c, SEQPACK_ERR_PROTOCOL, err,
				     "the daemon chose a protocol version we do not speak");
	c->info = info;
	*ret = info;
	return SEQPACK_OK;
}

SEQPACK_EXPORT int seqpack_client_hello(seqpack_client *c,
					seqpack_daemon_info *ret,
					seqpack_error *err)
{
	if (!c || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "client and ret are required");
	int rc = client_enter(c, err);
	if (rc != SEQPACK_OK)
		return rc;
	rc = hello(c, ret, err);
	if (client_retry(c, &rc, err))
		rc = hello(c, ret, err);
	return rc;
}

SEQPACK_EXPORT int seqpack_client_set_timeout(seqpack_client *c,
					      unsigned timeout_ms)
{
	if (!c)
		return SEQPACK_ERR_INVALID;
	c->timeout_ms = timeout_ms;
	return SEQPACK_OK;
}

/* $SEQPACK_CLIENT_TIMEOUT_MS, read at connect (ignored in setuid
 * programs, as the other variables are). */
static int timeout_from_env(unsigned *ret, seqpack_error *err)
{
	const char *v = secure_getenv("SEQPACK_CLIENT_TIMEOUT_MS");
	if (!v || !*v) {
		*ret = DEFAULT_TIMEOUT_MS;
		return SEQPACK_OK;
	}
	char *end;
	errno = 0;
	unsigned long ms = strtoul(v, &end, 10);
	if (*end || errno || ms > UINT_MAX || v[0] < '0' || v[0] > '9')
		return seterr(err, SEQPACK_ERR_INVALID,
			      "$SEQPACK_CLIENT_TIMEOUT_MS is '%.40s': not a number of milliseconds from 0 (no timeout) to %u",
			      v, UINT_MAX);
	*ret = (unsigned)ms;
	return SEQPACK_OK;
}

/* "Permission denied" alone leaves a user guessing: say which group the
 * socket is for (its file's group, seqpack on a packaged install) and how
 * to join it, since a new group counts only from the next login. */
static int permission_denied(const char *path, seqpack_error *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return seterr(err, SEQPACK_ERR_PERMISSION,
			      "cannot connect to seqpackd at '%s': %s (a directory on the way may not be searchable)",
			      path, strerror(EACCES));
	char name[64];
	struct group g, *res = NULL;
	char buf[4096];
	if (getgrgid_r(st.st_gid, &g, buf, sizeof(buf), &res) == 0 && res)
		snprintf(name, sizeof(name), "%s", res->gr_name);
	else
		snprintf(name, sizeof(name), "%u", (unsigned)st.st_gid);
	return seterr(err, SEQPACK_ERR_PERMISSION,
		      "cannot connect to seqpackd at '%s': %s; the socket is for group '%s': join it with 'sudo usermod -aG %s USER', then log in again",
		      path, strerror(EACCES), name, name);
}

/* A socket connected to c->path within what is left of the call's
 * deadline.  A Unix socket's connect() waits only for room in the
 * daemon's listen queue, and SO_SNDTIMEO bounds that wait (EAGAIN).
 * The option stays set and harms nothing: with a deadline every send is
 * MSG_DONTWAIT, and without one an EAGAIN from a blocking send just
 * waits in poll() (client-io.c). */
static int open_socket(seqpack_client *c, int *ret_fd, seqpack_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, c->path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
					0);
	if (fd < 0)
		return seterr(err, SEQPACK_ERR_IO, "socket: %s",
			      strerror(errno));
	unsigned left = client_ms_left(c);
	if (left) {
		struct timeval tv = {.tv_sec = left / 1000,
				     .tv_usec = (left % 1000) * 1000};
		if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
			return seterr(err, SEQPACK_ERR_IO,
				      "setsockopt SO_SNDTIMEO: %s",
				      strerror(errno));
	}
	int r;
	do
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EINPROGRESS))
		return seterr(err, SEQPACK_ERR_TIMEOUT,
			      "cannot connect to seqpackd at '%s' within the client's timeout of %u ms: its listen queue stayed full",
			      c->path, c->timeout_ms);
	if (r < 0) {
		int e = errno;
		if (e == EACCES || e == EPERM)
			return permission_denied(c->path, err);
		return seterr(err, SEQPACK_ERR_IO,
			      "cannot connect to seqpackd at '%s': %s", c->path,
			      strerror(e));
	}
	*ret_fd = TAKE_FD(fd);
	return SEQPACK_OK;
}

int client_reconnect(seqpack_client *c, seqpack_error *err)
{
	int fd;
	int rc = open_socket(c, &fd, err);
	if (rc != SEQPACK_OK)
		return rc;
	close(c->fd);
	c->fd = fd;
	c->broken = 0;
	/* The daemon's mapping of our region and its streams died with
	 * it: the next PACK_SHM attaches a new region. */
	client_shm_forget(c);
	client_streams_lost(c);
	seqpack_daemon_info info;
	return hello(c, &info, err);
}

SEQPACK_EXPORT int seqpack_client_connect(const char *path,
					  seqpack_client **ret,
					  seqpack_error *err)
{
	if (!ret)
		return seterr(err, SEQPACK_ERR_INVALID, "ret is NULL");
	if (!path)
		path = secure_getenv("SEQPACK_SOCKET");
	if (!path || !*path)
		path = SEQPACK_DEFAULT_SOCKET;
	unsigned timeout_ms = DEFAULT_TIMEOUT_MS;
	int rc = timeout_from_env(&timeout_ms, err);
	if (rc != SEQPACK_OK)
		return rc;
	_cleanup_client_ seqpack_client *c = calloc(1, sizeof(*c));
	if (!c)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	c->fd = -1;
	c->out_fd = -1;
	if (strlen(path) >= sizeof(c->path))
		return seterr(err, SEQPACK_ERR_INVALID,
			      "socket path '%s' is too long", path);
	strcpy(c->path, path);
	c->timeout_ms = timeout_ms;
	client_shm_init(c);
	c->on_stream_event = client_stream_event;
	(void)client_enter(c, err); /* starts the deadline; cannot fail */
	rc = open_socket(c, &c->fd, err);
	if (rc != SEQPACK_OK)
		return rc;
	seqpack_daemon_info info;
	rc = hello(c, &info, err);
	if (rc != SEQPACK_OK)
		return rc;
	*ret = TAKE_PTR(c);
	return SEQPACK_OK;
}

SEQPACK_EXPORT seqpack_client *seqpack_client_close(seqpack_client *c)
{
	if (!c)
		return NULL;
	/* inside the request loop: closed when the loop's call ends */
	if (c->in_callback) {
		c->close_pending = 1;
		return NULL;
	}
	client_streams_close(c);
	if (c->fd >= 0)
		close(c->fd);
	client_shm_unmap(c);
	client_pack_free(c);
	sp_buf_free(&c->out);
	free(c->in);
	free(c);
	return NULL;
}

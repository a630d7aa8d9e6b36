/* A seqpackd connection's life: connect, the HELLO that agrees on the
 * protocol and learns the daemon's limits, and close, which releases
 * what the other lib/client-*.c files keep in the client. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client-io.h"
#include "client-pack.h"
#include "client-shm.h"
#include "client-stream.h"
#include "util/cleanup-seqpack-internal.h"

SEQPACK_EXPORT int seqpack_client_hello(seqpack_client *c,
					seqpack_daemon_info *ret,
					seqpack_error *err)
{
	if (!c || !ret)
		return seterr(err, SEQPACK_ERR_INVALID,
			      "client and ret are required");
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
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return seterr(err, SEQPACK_ERR_INVALID,
			      "socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	_cleanup_client_ seqpack_client *c = calloc(1, sizeof(*c));
	if (!c)
		return seterr(err, SEQPACK_ERR_NOMEM, "out of memory");
	c->out_fd = -1;
	client_shm_init(c);
	c->on_stream_event = client_stream_event;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return seterr(err, SEQPACK_ERR_IO, "socket: %s",
			      strerror(errno));
	int r;
	do
		r = connect(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;
		return seterr(err, e == EACCES || e == EPERM
					   ? SEQPACK_ERR_PERMISSION
					   : SEQPACK_ERR_IO,
			      "cannot connect to seqpackd at '%s': %s", path,
			      strerror(e));
	}
	seqpack_daemon_info info;
	int rc = seqpack_client_hello(c, &info, err);
	if (rc != SEQPACK_OK)
		return rc;
	*ret = TAKE_PTR(c);
	return SEQPACK_OK;
}

SEQPACK_EXPORT seqpack_client *seqpack_client_close(seqpack_client *c)
{
	if (!c)
		return NULL;
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

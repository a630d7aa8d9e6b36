/* Who may talk to the daemon.  The socket's mode and group are the first
 * gate; allowed-users / allowed-groups narrow it further, checked on the
 * peer's credentials as the kernel reports them (SO_PEERCRED for the
 * uid and primary gid, SO_PEERGROUPS for the supplementary groups: the
 * groups the peer process really has, as of its connect()), never on
 * anything the client says.  Names were resolved to ids when the
 * configuration was loaded (config.c), so nothing here asks NSS: a slow
 * LDAP or sssd lookup on the event loop would stall every client, and
 * /etc/group says what a user would get at the next login, not what the
 * connected process has.  Nobody is allowed implicitly (not even root or
 * the daemon's own user): the lists mean exactly what they say. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "access.h"
#include "log.h"
#include "util/cleanup-internal.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59 /* Linux 4.13 */
#endif

/* NGROUPS_MAX is 65536; start small, grow once to what the kernel says. */
#define GROUPS_FIRST 64

static int in_groups(const struct config *c, gid_t g)
{
	for (size_t i = 0; i < c->ngids; i++)
		if (c->gids[i] == g)
			return 1;
	return 0;
}

/* The peer's supplementary groups into *ret (malloc'd), their number in
 * *n; -1 when the kernel cannot say (logged). */
static int peer_groups(int fd, gid_t **ret, size_t *n)
{
	socklen_t len = GROUPS_FIRST * sizeof(gid_t);
	for (int tries = 0; tries < 2; tries++) {
		gid_t *g = malloc(len ? len : sizeof(gid_t));
		if (!g) {
			log_warn("SO_PEERGROUPS: out of memory");
			return -1;
		}
		socklen_t have = len;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &have) == 0) {
			*ret = g;
			*n = have / sizeof(gid_t);
			return 0;
		}
		int e = errno;
		free(g);
		if (e != ERANGE) {
			/* ENOPROTOOPT: a kernel before 4.13; said once */
			static int told;
			if (!told && (told = 1))
				log_warn("SO_PEERGROUPS: %s; only the peer's primary group is checked against allowed-groups",
					 strerror(e));
			return -1;
		}
		len = have; /* the kernel said how much it needs */
	}
	return -1;
}

int access_allowed(const struct config *c, int fd, const struct ucred *cr)
{
	if (c->nuids == 0 && c->ngids == 0)
		return 1;
	for (size_t i = 0; i < c->nuids; i++)
		if (c->uids[i] == cr->uid)
			return 1;
	if (in_groups(c, cr->gid))
		return 1;
	if (c->ngids == 0)
		return 0;
	_cleanup_free_ gid_t *groups = NULL;
	size_t n = 0;
	if (peer_groups(fd, &groups, &n) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (in_groups(c, groups[i]))
			return 1;
	return 0;
}

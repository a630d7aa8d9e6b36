/* Who may talk to the daemon.  The socket's mode and group are the first
 * gate; allowed-users / allowed-groups narrow it further, checked on the
 * peer's credentials as the kernel reports them (SO_PEERCRED), never on
 * anything the client says.  Nobody is allowed implicitly (not even
 * root or the daemon's own user): the lists mean exactly what they say. */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "access.h"

static int in_groups(const struct config *c, gid_t g)
{
	for (size_t i = 0; i < c->ngids; i++)
		if (c->gids[i] == g)
			return 1;
	return 0;
}

int access_allowed(const struct config *c, const struct ucred *cr)
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
	/* supplementary groups of the peer's user */
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwuid_r(cr->uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return 0;
	gid_t groups[256];
	int n = 256;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
		n = 256; /* the first 256 were filled */
	for (int i = 0; i < n; i++)
		if (in_groups(c, groups[i]))
			return 1;
	return 0;
}

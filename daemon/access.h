/* Who may connect, beyond the socket's own permissions. */
#ifndef SEQPACKD_ACCESS_H
#define SEQPACKD_ACCESS_H

#include <sys/socket.h>

#include "config.h"

/* Whether the peer with credentials cr passes allowed-users and
 * allowed-groups. */
int access_allowed(const struct config *c, const struct ucred *cr);

#endif

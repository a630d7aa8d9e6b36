/* Who may connect, beyond the socket's own permissions. */
#ifndef SEQPACKD_ACCESS_H
#define SEQPACKD_ACCESS_H

#include <sys/socket.h>

#include "config.h"

/* Whether the peer on socket fd, with credentials cr (SO_PEERCRED),
 * passes allowed-users and allowed-groups; its supplementary groups come
 * from the socket (SO_PEERGROUPS), never from NSS. */
int access_allowed(const struct config *c, int fd, const struct ucred *cr);

#endif

/* The listening socket: adopted from socket activation or created. */
#ifndef SEQPACKD_LISTEN_H
#define SEQPACKD_LISTEN_H

#include "config.h"

struct listener {
	int fd;
	int owned;        /* we created the file and must unlink it */
	int activated;
	char *path;
};

int listener_open(const struct config *c, struct listener *l);
/* Close the socket and, if we created it, remove its file. */
void listener_close(struct listener *l);

#endif

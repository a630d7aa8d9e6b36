/* The requests that describe the daemon: HELLO, LIST, STATS. */
#ifndef SEQPACKD_INFO_H
#define SEQPACKD_INFO_H

#include "job.h"

int handle_hello(struct job *j);
int handle_list(struct job *j);
int handle_stats(struct job *j);

#endif

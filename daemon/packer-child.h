/* The packer process: `seqpackd --packer ...`, started by a worker
 * thread (packer.c), never by hand. */
#ifndef SEQPACKD_PACKER_CHILD_H
#define SEQPACKD_PACKER_CHILD_H

/* The hidden first argument that selects this mode. */
#define PACKER_ARG "--packer"

/* argv: seqpackd --packer VERSION PPID MEMORY-MAX LOG-LEVEL PLUGIN-PATH,
 * with the socket and the memfd on PACKER_SOCK_FD and PACKER_SHM_FD.
 * Serves PACKs until the socket closes; returns the exit status. */
int packer_child_main(int argc, char **argv);

#endif

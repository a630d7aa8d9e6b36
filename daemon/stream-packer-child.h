/* The stream side of a packer process (`seqpackd --packer ...
 * --streams`): the streams of one connection, each op of the thread
 * (stream-packer.c) run on them. */
#ifndef SEQPACKD_STREAM_PACKER_CHILD_H
#define SEQPACKD_STREAM_PACKER_CHILD_H

#include <stddef.h>
#include <stdint.h>

#include <seqpack/seqpack.h>

/* The op in the stream_head at the start of map (size bytes), its
 * answer written back there. */
void stream_child_serve(seqpack_registry *reg, uint8_t *map, size_t size);
/* Free every stream still open (the connection is gone). */
void stream_child_free_all(void);

#endif

/* The end of a job's life: what it holds goes back. */
#include <stdlib.h>

#include "job.h"

void job_free(struct job *j)
{
	shm_unref(j->shm);
	free(j->payload);
	sp_buf_free(&j->reply);
	seqpack_registry_unref(j->reg);
	free(j);
}

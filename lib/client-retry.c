/* The transparent reconnect: a daemon that restarts (or closes an idle
 * connection) between two requests of a long-lived client would
 * otherwise fail the next one with "Broken pipe" or "closed the
 * connection".  HELLO, LIST, STATS, PACK and PACK_SHM change nothing on
 * the daemon, so when it hung up before a byte of their reply arrived
 * they are sent once more on a new connection.  Stream requests are
 * never resent: the stream's state died with the old connection. */
#include "client-io.h"
#include "client-retry.h"

int client_retry(seqpack_client *c, int *rc, seqpack_error *err)
{
	if (*rc == SEQPACK_OK || !c->retryable)
		return 0;
	c->retryable = 0;
	seqpack_error first = {0}, again = {0};
	if (err)
		first = *err;
	int r = client_reconnect(c, &again);
	if (r == SEQPACK_OK)
		return 1;
	/* Both halves: why the request failed, and why we could not get it
	 * answered by a new connection. */
	c->broken = 1;
	*rc = seterr(err, r, "%s; reconnecting: %s", first.message,
		     again.message);
	return 0;
}

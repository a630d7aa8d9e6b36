/* The gate: a test plugin (tests/daemon/gate.c) that holds each request
 * inside pack() until the test lets it go, so that the daemon tests can
 * decide the order of events without sleeping.  The plugin finds the
 * gate's two FIFOs through $SEQPACK_TEST_GATE, set by gate_open(). */
#ifndef SEQPACK_TEST_DAEMON_GATE_H
#define SEQPACK_TEST_DAEMON_GATE_H

struct gate {
	char dir[64];
	int entered_rd, entered_wr, release;
};

/* Make the FIFOs in a fresh directory and set $SEQPACK_TEST_GATE. */
void gate_open(struct gate *g);
/* Wait until k more requests are inside the plugin (a guard, not a
 * delay, fails the test when none comes). */
void gate_wait_entered(struct gate *g, int k);
/* Let k requests out of the plugin. */
void gate_release(struct gate *g, int k);
/* Unset $SEQPACK_TEST_GATE and remove the FIFOs. */
void gate_close(struct gate *g);

#endif

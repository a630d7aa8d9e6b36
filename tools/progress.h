/* progress.h - the progress line of `seqpack pack` on stderr: which phase
 * (reading, packing, writing) it is in and how far it got, so that 10^7
 * lengths taking seconds do not look like a hang.
 *
 * On a terminal one line is redrawn in place (at most every 100 ms) and
 * ends with the summary.  Anywhere else (--progress into a file or a
 * pipe) each phase prints one line when it starts and the summary one
 * more, so that a log shows what a long run is doing without the count
 * updates.  Off: nothing at all.  Every function takes NULL and then does
 * nothing, so that readers can be called without a progress line. */
#ifndef SEQPACK_TOOL_PROGRESS_H
#define SEQPACK_TOOL_PROGRESS_H

#include <stdint.h>

#include "tool.h"

enum progress_mode {
	PROGRESS_AUTO, /* on when stderr is a terminal */
	PROGRESS_ON,   /* --progress */
	PROGRESS_OFF,  /* --no-progress */
};

enum progress_phase { PHASE_READ, PHASE_PACK, PHASE_WRITE, PHASE_COUNT };

struct progress {
	const struct tool *t;
	int tty;                     /* redraw in place */
	enum progress_phase phase;
	int in_phase;
	uint64_t phase_start_ns, last_draw_ns;
	uint64_t spent_ns[PHASE_COUNT];
	char text[256];              /* the current phase's line */
};

/* Set *p up for mode.  Returns p when the line is on, NULL when it is
 * off, so that callers pass the result on as is. */
struct progress *progress_init(struct progress *p, const struct tool *t,
			       enum progress_mode mode);

/* Start a phase (ending the one before): print its line. */
void progress_phase(struct progress *p, enum progress_phase phase,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* On a terminal, redraw the phase's line with ": N what" after it (at most
 * every 100 ms); elsewhere nothing. */
void progress_count(struct progress *p, uint64_t n, const char *what);

/* End the last phase and print the summary line: the text, then the time
 * spent in each phase. */
void progress_done(struct progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* SEQPACK_TOOL_PROGRESS_H */

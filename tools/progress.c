/* The progress line of long commands (see progress.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "progress.h"
#include "util/clock-internal.h"

/* Redrawing more often than this costs write() calls and is too fast to
 * read anyway. */
#define REDRAW_NS (100 * 1000000ull)

struct progress *progress_init(struct progress *p, const struct tool *t,
			       enum progress_mode mode)
{
	memset(p, 0, sizeof(*p));
	p->t = t;
	p->tty = isatty(STDERR_FILENO);
	if (mode == PROGRESS_OFF || (mode == PROGRESS_AUTO && !p->tty))
		return NULL;
	return p;
}

/* The width of the terminal on stderr, 0 when unknown. */
static size_t columns(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col;
}

/* One line: on a terminal it replaces the line drawn before (\r, then
 * erase to the end of the line) and stays open unless final.  A line
 * being redrawn is cut to the terminal's width: one that wrapped would
 * leave its first rows behind at every \r. */
static void draw(struct progress *p, const char *suffix, int final)
{
	const char *cmd = p->t && p->t->cmd ? p->t->cmd : NULL;
	char line[512];
	snprintf(line, sizeof(line), "seqpack: %s%s%s%s", cmd ? cmd : "",
		 cmd ? ": " : "", p->text, suffix);
	size_t cols = p->tty && !final ? columns() : 0;
	if (cols > 1 && strlen(line) >= cols)
		line[cols - 1] = '\0';
	fprintf(stderr, "%s%s%s", p->tty ? "\r" : "", line,
		p->tty ? "\033[K" : "");
	if (!p->tty || final) {
		fputc('\n', stderr);
		tool_stderr_line_open = 0;
	} else {
		tool_stderr_line_open = 1;
	}
	fflush(stderr);
}

static void end_phase(struct progress *p, uint64_t now)
{
	if (p->in_phase)
		p->spent_ns[p->phase] += now - p->phase_start_ns;
	p->in_phase = 0;
}

void progress_phase(struct progress *p, enum progress_phase phase,
		    const char *fmt, ...)
{
	if (!p)
		return;
	uint64_t now = util_now_ns();
	end_phase(p, now);
	p->phase = phase;
	p->in_phase = 1;
	p->phase_start_ns = p->last_draw_ns = now;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	va_end(ap);
	draw(p, "", 0);
}

void progress_count(struct progress *p, uint64_t n, const char *what)
{
	if (!p || !p->tty)
		return;
	uint64_t now = util_now_ns();
	if (now - p->last_draw_ns < REDRAW_NS)
		return;
	p->last_draw_ns = now;
	char suffix[64];
	snprintf(suffix, sizeof(suffix), ": %llu %s", (unsigned long long)n,
		 what);
	draw(p, suffix, 0);
}

void progress_done(struct progress *p, const char *fmt, ...)
{
	if (!p)
		return;
	end_phase(p, util_now_ns());
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	va_end(ap);
	char times[128];
	snprintf(times, sizeof(times), " (read %.2f s, pack %.2f s, write %.2f s)",
		 (double)p->spent_ns[PHASE_READ] / 1e9,
		 (double)p->spent_ns[PHASE_PACK] / 1e9,
		 (double)p->spent_ns[PHASE_WRITE] / 1e9);
	draw(p, times, 1);
}

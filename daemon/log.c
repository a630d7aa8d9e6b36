/* Logging to stderr (see log.h).  One write(2) per line keeps lines from
 * worker threads whole. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int max_level = LOG_INFO;

void log_set_level(int level)
{
	max_level = level;
}

int log_get_level(void)
{
	return max_level;
}

int log_parse_level(const char *s)
{
	static const char *const names[] = {"emerg", "alert", "crit", "err",
					    "warning", "notice", "info",
					    "debug"};
	for (int i = 0; i < 8; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
		return s[0] - '0';
	return -1;
}

void logm(int prio, const char *fmt, ...)
{
	if (prio > max_level)
		return;
	char line[1024];
	int n = snprintf(line, sizeof(line), "<%d>", prio);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w; /* nowhere left to report a failing stderr */
}

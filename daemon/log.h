/* Logging to stderr with sd-daemon "<N>" priority prefixes, so journald
 * keeps each line's level (sd-daemon(3)). */
#ifndef SEQPACKD_LOG_H
#define SEQPACKD_LOG_H

#include <syslog.h>

/* Lines above this priority (numerically greater) are dropped. */
void log_set_level(int level);
int log_get_level(void);
/* Parse "err", "warning", "notice", "info", "debug" or 0..7; -1 if bad. */
int log_parse_level(const char *s);
void logm(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) logm(LOG_ERR, __VA_ARGS__)
#define log_warn(...) logm(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) logm(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) logm(LOG_INFO, __VA_ARGS__)
#define log_debug(...) logm(LOG_DEBUG, __VA_ARGS__)

#endif

/* Option handling and messages shared by every subcommand. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "util/size-internal.h"
#include "util/strbuf-internal.h"

int tool_stderr_line_open;

/* The callers' formats are checked at their call sites (tool.h). */
__attribute__((format(printf, 3, 0)))
static void vmessage(const char *cmd, const char *kind, const char *fmt,
		     va_list ap)
{
	/* One fprintf per line so that concurrent writers to a shared
	 * stderr (tests, pipelines) do not interleave mid-line. */
	char buf[1024];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (tool_stderr_line_open) {
		fputc('\n', stderr);
		tool_stderr_line_open = 0;
	}
	fprintf(stderr, "seqpack: %s%s%s%s\n", cmd ? cmd : "", cmd ? ": " : "",
		kind, buf);
}

void tool_error(const struct tool *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(t ? t->cmd : NULL, "", fmt, ap);
	va_end(ap);
}

void tool_warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(NULL, "warning: ", fmt, ap);
	va_end(ap);
}

int tool_usage_error(const struct tool *t, const char *fmt, ...)
{
	/* One line, like every other error: scripts and tests match it. */
	va_list ap;
	va_start(ap, fmt);
	vmessage(t ? t->cmd : NULL, "", fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

/* Returns 1 when c was a common option, with *stop set when the command
 * must stop with *status. */
static int common_option(struct tool *t, int c, const char *arg,
			 void (*usage)(void), int *stop, int *status)
{
	switch (c) {
	case 'h':
		usage();
		*stop = 1;
		*status = EXIT_OK;
		return 1;
	case 'v':
		t->verbose = 1;
		return 1;
	case OPT_SOCKET:
		t->socket = arg;
		return 1;
	case '?':
	case ':': {
		/* optopt names a short option; a long one is the argument
		 * getopt just consumed. */
		char shortopt[3] = { '-', (char)optopt, 0 };
		const char *what = c == '?' && optopt ? shortopt
				   : t->argv && optind > 0 ? t->argv[optind - 1]
							   : "?";
		tool_error(t, "%s '%s' (see 'seqpack %s --help')",
			   c == ':' ? "missing value for option"
				    : "unknown option",
			   what, t->cmd);
		*stop = 1;
		*status = EXIT_USAGE;
		return 1;
	}
	default:
		return 0;
	}
}

int tool_next_option(struct tool *t, int argc, char **argv,
		     const char *shortopts, const struct option *longopts,
		     void (*usage)(void), int *status)
{
	int c;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		int stop = 0;
		if (!common_option(t, c, optarg, usage, &stop, status))
			return c;
		if (stop)
			return TOOL_OPT_STOP;
	}
	return -1;
}

void tool_print_diagnostics(const seqpack_registry *reg)
{
	size_t n = seqpack_registry_diagnostic_count(reg);
	for (size_t i = 0; i < n; i++)
		tool_warning("%s", seqpack_registry_diagnostic(reg, i));
}

seqpack_registry *tool_registry(struct tool *t)
{
	if (t->reg)
		return t->reg;
	seqpack_error err = {0};
	if (seqpack_registry_open(NULL, &t->reg, &err) != SEQPACK_OK) {
		tool_error(t, "cannot load plugins: %s", err.message);
		t->reg = NULL;
		return NULL;
	}
	if (t->verbose)
		tool_print_diagnostics(t->reg);
	return t->reg;
}

int tool_exit_for_status(int status)
{
	switch (status) {
	case SEQPACK_OK:
		return EXIT_OK;
	case SEQPACK_ERR_LENGTH:
	case SEQPACK_ERR_TOO_MANY:
		return EXIT_DATA;
	case SEQPACK_ERR_INVALID:
	case SEQPACK_ERR_CAPACITY:
	case SEQPACK_ERR_NOT_FOUND:
	case SEQPACK_ERR_UNSUPPORTED:
		return EXIT_USAGE;
	case SEQPACK_ERR_IO:
		return EXIT_IO;
	case SEQPACK_ERR_PROTOCOL:
	case SEQPACK_ERR_TIMEOUT:
	case SEQPACK_ERR_PERMISSION:
		return EXIT_DAEMON;
	default:
		return EXIT_PACK;
	}
}

/* strtoull accepts leading space, a sign and wraps negatives: refuse all
 * of that so "-1" never becomes 2^64-1. */
static int parse_digits(const char *arg, uint64_t *ret)
{
	if (!arg || arg[0] < '0' || arg[0] > '9')
		return -1;
	errno = 0;
	char *end = NULL;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno == ERANGE)
		return -2;
	if (*end != '\0')
		return -1;
	*ret = v;
	return 0;
}

int parse_u64_opt(const struct tool *t, const char *opt, const char *arg,
		  uint64_t *ret)
{
	uint64_t v;
	int rc = parse_digits(arg, &v);
	if (rc == -2) {
		tool_usage_error(t, "%s: '%s' is larger than %llu", opt, arg,
				 (unsigned long long)UINT64_MAX);
		return -1;
	}
	if (rc) {
		tool_usage_error(t, "%s: '%s' is not a non-negative integer",
				 opt, arg);
		return -1;
	}
	*ret = v;
	return 0;
}

int parse_u32_opt(const struct tool *t, const char *opt, const char *arg,
		  uint32_t min, uint32_t max, uint32_t *ret)
{
	uint64_t v;
	int rc = parse_digits(arg, &v);
	if (rc == -1) {
		tool_usage_error(t, "%s: '%s' is not a non-negative integer",
				 opt, arg);
		return -1;
	}
	if (rc == -2 || v < min || v > max) {
		tool_usage_error(t, "%s: '%s' is out of range (%u to %u)", opt,
				 arg, min, max);
		return -1;
	}
	*ret = (uint32_t)v;
	return 0;
}

int parse_size_u32_opt(const struct tool *t, const char *opt,
		       const char *arg, uint32_t min, uint32_t max,
		       uint32_t *ret)
{
	uint64_t v = 0;
	int rc = util_parse_size(arg, &v);
	if (rc == UTIL_SIZE_SYNTAX) {
		tool_usage_error(t, "%s: '%s' is not a non-negative integer (a K, M or G suffix multiplies by 1024, 1024^2, 1024^3)",
				 opt, arg);
		return -1;
	}
	if (rc == UTIL_SIZE_RANGE || v < min || v > max) {
		/* Say what a suffixed value came to: '2G' is 2147483648,
		 * one above the largest capacity. */
		char is[40] = "";
		if (rc == 0 && strspn(arg, "0123456789") != strlen(arg))
			snprintf(is, sizeof(is), " (= %llu)",
				 (unsigned long long)v);
		tool_usage_error(t, "%s: '%s'%s is out of range (%u to %u)", opt,
				 arg, is, min, max);
		return -1;
	}
	*ret = (uint32_t)v;
	return 0;
}

static const struct {
	uint32_t flag;
	const char *name;
} flag_names[] = {
	{ SEQPACK_FLAG_OFFLINE, "offline" },
	{ SEQPACK_FLAG_ONLINE, "online" },
	{ SEQPACK_FLAG_STREAMING, "streaming" },
	{ SEQPACK_FLAG_PARALLEL, "parallel" },
	{ SEQPACK_FLAG_RANDOMISED, "randomised" },
};

static const char *flag_name_at(const void *flags, size_t i)
{
	return *(const uint32_t *)flags & flag_names[i].flag ? flag_names[i].name
							     : NULL;
}

const char *tool_flag_names(uint32_t flags, const char *sep, char *buf,
			    size_t len)
{
	util_join(buf, len, sep, flag_name_at, &flags,
		  sizeof(flag_names) / sizeof(flag_names[0]));
	return buf;
}

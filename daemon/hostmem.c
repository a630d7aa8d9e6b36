/* The memory ceiling (see hostmem.h).  Physical memory comes from
 * sysconf(), which asks the kernel (sysinfo) rather than /proc/meminfo:
 * the unit's ProcSubset=pid hides that file.  The cgroup limit comes from
 * /proc/self/cgroup and the cgroup file system, v2 (memory.max) or v1
 * (memory.limit_in_bytes); "max" or a huge v1 value means no limit. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostmem.h"
#include "util/cleanup-internal.h"

static uint64_t read_u64_file(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char buf[64];
	if (!f || !fgets(buf, sizeof(buf), f))
		return 0;
	char *end;
	unsigned long long v = strtoull(buf, &end, 10);
	if (end == buf || (*end && *end != '\n'))
		return 0; /* "max" */
	return v;
}

/* The limit of the cgroup this process is in, or 0. */
static uint64_t cgroup_limit(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return 0;
	char line[4096], path[4200];
	uint64_t limit = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		uint64_t v = 0;
		if (strncmp(line, "0::", 3) == 0) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max",
				 line + 3);
			v = read_u64_file(path);
		} else {
			char *ctl = strchr(line, ':');
			char *p = ctl ? strchr(ctl + 1, ':') : NULL;
			if (!p || strncmp(ctl + 1, "memory:", 7) != 0)
				continue;
			snprintf(path, sizeof(path),
				 "/sys/fs/cgroup/memory%s/memory.limit_in_bytes",
				 p + 1);
			v = read_u64_file(path);
			/* v1 says "no limit" with a number near 2^63 */
			if (v >= (UINT64_C(1) << 60))
				v = 0;
		}
		if (v && (!limit || v < limit))
			limit = v;
	}
	return limit;
}

uint64_t hostmem_limit(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	uint64_t phys = pages > 0 && size > 0
				? (uint64_t)pages * (uint64_t)size
				: 0;
	uint64_t cg = cgroup_limit();
	if (cg && (!phys || cg < phys))
		return cg;
	return phys;
}

/* The descriptor limit (see fdlimit.h).  Running out of descriptors is
 * not fatal (the event loop stops accepting for a while), but a
 * configuration that cannot fit in the limit is worth a word at start. */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "fdlimit.h"
#include "log.h"

/* Listener, epoll, signalfd, eventfd, notify socket, log, plugins' and
 * workers' descriptors, with room to spare. */
#define FDLIMIT_OWN 64

void fdlimit_raise(const struct config *cfg)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t was = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			log_warn("cannot raise RLIMIT_NOFILE from %llu to %llu: %s",
				 (unsigned long long)was,
				 (unsigned long long)rl.rlim_max,
				 strerror(errno));
			rl.rlim_cur = was;
		}
	}
	/* Each client is one socket, and a PACK_SHM client a memfd more;
	 * each stream packer a socket and a memfd. */
	unsigned long long need = 2ull * cfg->max_clients + FDLIMIT_OWN;
	if (cfg->isolation)
		need += 2ull * cfg->max_stream_packers;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		log_warn("RLIMIT_NOFILE is %llu but max-clients %u may need %llu descriptors: raise LimitNOFILE= or lower max-clients",
			 (unsigned long long)rl.rlim_cur, cfg->max_clients,
			 need);
}

/* seqpackd: serve sequence packing to local processes over a Unix
 * socket.  See seqpackd(8) and docs/protocol.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "packer-child.h"
#include "server.h"

int main(int argc, char **argv)
{
	/* The same binary is the packer process a worker starts (see
	 * daemon/packer-child.c): never with a config. */
	if (argc > 1 && strcmp(argv[1], PACKER_ARG) == 0)
		return packer_child_main(argc, argv);
	struct config cfg;
	int r = config_load(&cfg, argc, argv);
	if (r != 0) {
		config_free(&cfg);
		return r > 0 ? 0 : 2;
	}
	if (cfg.check_only) {
		config_dump(&cfg, LOG_INFO);
		log_info("configuration OK");
		config_free(&cfg);
		return 0;
	}
	config_dump(&cfg, LOG_DEBUG);
	int rc = server_run(&cfg);
	config_free(&cfg);
	return rc;
}

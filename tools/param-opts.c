/* Packing-parameter options of pack and stream. */
#include <string.h>

#include "param-opts.h"

void param_opts_init(struct param_opts *po, const char *default_algorithm)
{
	seqpack_params_init(&po->params);
	po->algorithm = default_algorithm;
	po->have_capacity = 0;
}

int param_option(const struct tool *t, int c, const char *arg,
		 struct param_opts *po)
{
	seqpack_params *p = &po->params;
	int rc;
	switch (c) {
	case 'a':
		po->algorithm = arg;
		return 1;
	case 'c':
		rc = parse_size_u32_opt(t, "--capacity", arg, 1,
					SEQPACK_MAX_CAPACITY, &p->capacity);
		po->have_capacity = rc == 0;
		break;
	case 's':
		rc = parse_u64_opt(t, "--seed", arg, &p->seed);
		break;
	case 't':
		rc = parse_u32_opt(t, "--threads", arg, 0, 4096, &p->threads);
		break;
	case 'k':
		rc = parse_u32_opt(t, "--k", arg, 1, UINT32_MAX, &p->k);
		break;
	case 'm':
		rc = parse_u32_opt(t, "--max-items", arg, 0, UINT32_MAX,
				   &p->max_items);
		break;
	case 'n':
		rc = parse_u32_opt(t, "--max-open", arg, 1, UINT32_MAX,
				   &p->max_open);
		break;
	default:
		return 0;
	}
	return rc ? -1 : 1;
}

int param_opts_finish(const struct tool *t, const struct param_opts *po,
		      int argc, char **argv, const char **file)
{
	/* Standard input can be read once only: a second '-' would read
	 * nothing and shift no index, silently. */
	int dashes = 0;
	for (int i = optind; i < argc; i++)
		if (strcmp(argv[i], "-") == 0 && ++dashes > 1)
			return tool_usage_error(t, "standard input ('-') given more than once");
	*file = optind < argc ? argv[optind] : NULL;
	if (!po->have_capacity)
		return tool_usage_error(t, "missing --capacity (the bin size in tokens)");
	return 0;
}

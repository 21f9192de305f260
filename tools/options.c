// SPDX-License-Identifier: GPL-2.0
/*
 * options.c - the options every command shares (-h, -V, -q), handled in
 * one place so that they behave and read the same in all four tools.
 */
#include <stdlib.h>
#include <string.h>

#include "raidx-tools.h"

static const struct option common_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "quiet", no_argument, NULL, 'q' },
};

#define NR_COMMON	(sizeof(common_longopts) / sizeof(common_longopts[0]))

void rx_usage_common(FILE *f)
{
	fprintf(f,
		"  -h, --help     print this help and exit\n"
		"  -V, --version  print the dm-raidx version and exit\n"
		"  -q, --quiet    no messages; the exit code tells the result\n"
		"Exit status: 0 clean/success, 1 problems found or operation "
		"failed,\n             2 usage error or unusable input.\n");
}

/* The module's version: the tools read and write its format. */
int rx_version(void)
{
	printf("%s\n", RAIDX_TOOLS_VERSION);
	return RX_EXIT_OK;
}

/* A command with more options than the tables hold is a bug: say so. */
static void tables_full(void)
{
	fprintf(stderr, "%s: internal error: option tables too small\n",
		rx_prog);
	abort();
}

/*
 * Put the common options in front of the command's own.  A leading '-'
 * or '+' in the command's short options steers getopt and must stay
 * first.
 */
static void build_tables(struct rx_getopt *g)
{
	const char *own = g->shortopts;
	char mode[2] = "";
	size_t i, n = 0;
	int len;

	if (*own == '-' || *own == '+')
		mode[0] = *own++;
	len = snprintf(g->all_short, sizeof(g->all_short), "%shVq%s", mode,
		       own);
	if (len < 0 || (size_t)len >= sizeof(g->all_short))
		tables_full();
	for (i = 0; i < NR_COMMON; i++)
		g->all_long[n++] = common_longopts[i];
	for (i = 0; g->longopts && g->longopts[i].name; i++) {
		if (n == RX_MAX_LONGOPTS)
			tables_full();
		g->all_long[n++] = g->longopts[i];
	}
	memset(&g->all_long[n], 0, sizeof(g->all_long[n]));
	g->ready = true;
}

int rx_getopt(struct rx_getopt *g, int argc, char **argv, int *exit_code)
{
	int c;

	if (!g->ready)
		build_tables(g);
	for (;;) {
		c = getopt_long(argc, argv, g->all_short, g->all_long, NULL);
		switch (c) {
		case 'h':
			g->usage(stdout);
			*exit_code = RX_EXIT_OK;
			return RX_OPT_EXIT;
		case 'V':
			*exit_code = rx_version();
			return RX_OPT_EXIT;
		case 'q':
			rx_quiet = true;
			continue;
		case '?':
		case ':':
			g->usage(stderr);
			*exit_code = RX_EXIT_USAGE;
			return RX_OPT_EXIT;
		default:
			return c;	/* the command's own, or RX_OPT_END */
		}
	}
}

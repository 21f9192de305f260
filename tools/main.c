// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - raidx_tools, a multi-call binary in the manner of
 * thin-provisioning-tools' pdata_tools: the command is argv[0]'s basename
 * (raid_check, raid_dump, raid_restore, raid_repair) or the first argument.
 */
#include <stdio.h>
#include <string.h>

#include "raidx-tools.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/* The test-only image writer is a separate binary, tests/raidx_testimg. */
static const struct command commands[] = {
	{ "raid_check", cmd_check },
	{ "raid_dump", cmd_dump },
	{ "raid_restore", cmd_restore },
	{ "raid_repair", cmd_repair },
};

static const struct command *find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: raidx_tools COMMAND [options]\n"
		"       or run as one of the command names (symlinks)\n"
		"Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].name);
	fprintf(f, "Each command takes -h for its own help.\n");
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	const struct command *c;

	base = base ? base + 1 : argv[0];
	c = find(base);
	if (!c) {
		if (argc < 2) {
			usage(stderr);
			return RX_EXIT_USAGE;
		}
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			usage(stdout);
			return RX_EXIT_OK;
		}
		if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))
			return rx_version();
		c = find(argv[1]);
		if (!c) {
			fprintf(stderr, "raidx_tools: unknown command '%s'\n",
				argv[1]);
			usage(stderr);
			return RX_EXIT_USAGE;
		}
		argv++;
		argc--;
	}
	rx_prog = c->name;
	return c->fn(argc, argv);
}

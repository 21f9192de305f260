// SPDX-License-Identifier: GPL-2.0
/*
 * msg.c - how the tools talk: every message goes to stderr as
 * "prog: text", because stdout may carry data (a dump); -q silences all
 * of it and leaves the exit code as the only answer.
 */
#include <stdarg.h>

#include "raidx-tools.h"

const char *rx_prog = "raidx_tools";
bool rx_quiet;

static void vmsg(const char *fmt, va_list ap)
{
	if (rx_quiet)
		return;
	fprintf(stderr, "%s: ", rx_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void rx_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

/*
 * Explanations (repair decisions).  The same channel as errors today; a
 * separate name so that a verbosity switch could tell them apart.
 */
void rx_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

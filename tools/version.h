/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RAIDX_TOOLS_VERSION
/* Bumped with every release of dm-raidx; -V prints it. */
#define RAIDX_TOOLS_VERSION "0.1.0"
#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tools carry the module's version: one source of truth, the
 * RAIDX_VERSION_* defines in dm-target/raidx-target.c, which tools/Makefile
 * reads and passes as -DRAIDX_TOOLS_VERSION.  No fallback here: a build
 * that bypasses the Makefile must not print a made-up version.
 */
#ifndef RAIDX_TOOLS_VERSION
#error "RAIDX_TOOLS_VERSION not set: build the tools with tools/Makefile"
#endif

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The tools' host tests (tests/host/tools-unit.sh) once more, on binaries
# built with AddressSanitizer and UndefinedBehaviorSanitizer
# (`make -C tools asan`, which aborts on the first error): a memory or
# undefined-behaviour error in the tools or in the shared format code
# fails them.  Last line: tools-unit.sh's "N passed, N failed".
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rc=0
make -s -C "$TOP/tools" asan || rc=$?
if [ "$rc" != 0 ]; then
	echo "tools-asan: make -C tools asan exited $rc"
	exit "$rc"
fi

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Short libFuzzer run of tools/fuzz/fuzz_format (make -C tools fuzz,
# FUZZ_SECONDS default 40).  Needs clang + libclang-rt-14-dev.
# Last line: "N passed, N failed".
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if ! command -v clang >/dev/null; then
	echo "fuzz-short: clang missing (scripts/setup.sh installs it)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
if make -C "$TOP/tools" fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-40}"; then
	echo "1 passed, 0 failed"
else
	echo "0 passed, 1 failed"
	exit 1
fi

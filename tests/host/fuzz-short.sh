#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Short libFuzzer run of tools/fuzz/fuzz_format (make -C tools fuzz,
# FUZZ_SECONDS default 40).  Needs clang + libclang-rt-14-dev.
# Last line: "N passed, N failed".
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/host-check.sh
. "$TOP/tests/lib/host-check.sh"
if ! command -v clang >/dev/null; then
	host_fail "fuzz-short: clang missing (scripts/setup.sh installs it)"
elif make -C "$TOP/tools" fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-40}"; then
	host_pass "fuzz-short: ${FUZZ_SECONDS:-40} s of fuzz_format found nothing"
else
	host_fail "fuzz-short: fuzz_format found a defect (see above)"
fi
host_check_summary

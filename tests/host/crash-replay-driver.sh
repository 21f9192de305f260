#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The bookkeeping of scripts/crash-replay.sh without a guest: a stub
# (tests/host/stubs/crash-replay-guest.sh) stands in for run-guest.sh.
# Checks summary.tsv (header, one line per target and case, none for the
# stock target's ppl), the failure reasons in summary.md, a run without a
# verdict counted as a failure, and the exit status (dm-raidx failures
# fail the run, the stock target's do not).  Last line: "N passed, N failed".
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/host-check.sh
. "$TOP/tests/lib/host-check.sh"
STUB=$TOP/tests/host/stubs/crash-replay-guest.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# Its own output directory: a real run's results stay where they are.
export CRASH_OUT=$T/out
OUT=$CRASH_OUT

run() { # run NAME ARGS...: the driver with the stub; exit code in $T/NAME.rc
	local name=$1 rc=0
	shift
	CRASH_RUN_GUEST=$STUB "$@" >"$T/$name.out" 2>&1 || rc=$?
	echo "$rc" >"$T/$name.rc"
	cp "$OUT/summary.tsv" "$T/$name.tsv" 2>/dev/null
	cp "$OUT/summary.md" "$T/$name.md" 2>/dev/null
}

run all env CRASH_TARGETS="raidx stock" bash "$TOP/scripts/crash-replay.sh" --short
check "all cases: raidx raid6-resync had no verdict, exit 1" is "$(cat "$T/all.rc")" 1
check "all cases: header line" is "$(head -n1 "$T/all.tsv")" "$(printf 'target\tcase\tpoints\tfailures')"
check "all cases: 14 lines (8 cases, no stock ppl, no stock switch)" is "$(tail -n +2 "$T/all.tsv" | wc -l)" 14
check "all cases: raidx switch case run" grep -qP '^raidx\traid5-switch\t50\t0$' "$T/all.tsv"
check "all cases: stock writeback journal 50 points, 3 failures" \
	grep -qP '^stock\traid5-journal-wb\t50\t3$' "$T/all.tsv"
check "all cases: no verdict counts as 0 points, 1 failure" \
	grep -qP '^raidx\traid6-resync\t0\t1$' "$T/all.tsv"
check "all cases: reasons grouped" has "$T/all.md" "verify exit 4 x2; mismatch_cnt 8 x1"
check "all cases: stock ppl listed as not run" has "$T/all.md" "| stock | raid5-ppl | - | - | the stock target has no PPL |"
check "all cases: stock switch listed as not run" has "$T/all.md" "| stock | raid5-switch | - | - | the stock target has no PPL |"

run ok env CRASH_TARGETS="raidx stock" bash "$TOP/scripts/crash-replay.sh" --short raid5-journal-wb raid5-ppl
check "stock failures alone: exit 0" is "$(cat "$T/ok.rc")" 0
check "two cases: 3 lines" is "$(tail -n +2 "$T/ok.tsv" | wc -l)" 3

run bad env bash "$TOP/scripts/crash-replay.sh" raid5-nonsense
check "unknown case: exit non-zero" not is "$(cat "$T/bad.rc")" 0

host_check_summary

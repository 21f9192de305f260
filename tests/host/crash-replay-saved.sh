#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Every crash-replay point that once failed, replayed again (issue 14):
# each tests/crash/replay/cases/<policy>-p<point>.tar.xz is checked alone
# in a guest by scripts/crash-replay-saved.sh, and must pass.  These are
# real crash states, kept because a defect lost data in them:
#   switch-p103  a raid5 under policy resync whose dirty bitmap bits were
#                cleared by a superblock write before the bitmap loaded
#                (fixed in 1.18.5; also guest/59-bitmap-first-page).
# Last line: "N passed, N failed".
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/host-check.sh
. "$TOP/tests/lib/host-check.sh"

mkdir -p "$TOP/build"
n=0
for c in "$TOP"/tests/crash/replay/cases/*.tar.xz; do
	[ -e "$c" ] || continue
	name=$(basename "$c" .tar.xz)
	policy=${name%-p*}
	point=${name##*-p}
	n=$((n + 1))
	if bash "$TOP/scripts/crash-replay-saved.sh" "$c" "$point" "$policy" \
		>"$TOP/build/crash-replay-saved-$name.log" 2>&1; then
		host_pass "crash-replay-saved $name"
	else
		host_fail "crash-replay-saved $name (log: build/crash-replay-saved-$name.log)"
		tail -n 20 "$TOP/build/crash-replay-saved-$name.log"
	fi
done
[ "$n" -gt 0 ] || host_fail "crash-replay-saved: no saved case in tests/crash/replay/cases"
host_check_summary

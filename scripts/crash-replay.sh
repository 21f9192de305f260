#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: scripts/crash-replay.sh [--short] [CASE...]     (make crash-replay)
#
# Crash replay (issue 14) over every case, for dm-raidx and, where it can
# run the case, the stock dm-raid: one guest boot per target and case runs
# tests/crash/replay/replay-case.sh (see its README), which records a
# checksummed workload through dm-log-writes and checks the array at
# every replay point, with all legs and with one missing.
#
# Cases (default: all): raid5-resync raid5-ppl raid5-journal-wt
# raid5-journal-wb raid6-resync raid6-journal-wb raid5-switch (created
# resync, switched to ppl by message while the workload writes)
# raid5-takeover (raid5_ls on 4 legs taken over to raid6_ls_6 on 5 while
# the workload writes, LVM2's two tables).
# --short: a smaller workload and about CRASH_CHECK_MAX (50) checked points
# per case, dm-raidx only unless CRASH_TARGETS says otherwise.
# Full: CRASH_POINTS (1000) points at least, every one checked.
#
# Writes build/crash-replay/summary.tsv ("target case points failures",
# tab-separated, header line), build/crash-replay/summary.md (the table
# for the README, with what failed) and per run
# build/crash-replay/<target>-<case>/ (the guest's results; failing points'
# images under crash-replay/ there, replayable alone; CRASH_OUT puts it
# all elsewhere).  Exit: 0 when
# dm-raidx failed nowhere (the stock target's failures are reported, not
# fatal: its writeback journal and write hole are known); 1 otherwise.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${CRASH_OUT:-$TOP/build/crash-replay}
SHORT=0
if [ "${1:-}" = --short ]; then
	SHORT=1
	shift
fi
ALL_CASES="raid5-resync raid5-ppl raid5-journal-wt raid5-journal-wb raid6-resync raid6-journal-wb raid5-switch raid5-takeover"
CASES=${*:-${CRASH_CASES:-$ALL_CASES}}
if [ "$SHORT" = 1 ]; then
	TARGETS=${CRASH_TARGETS:-raidx}
else
	TARGETS=${CRASH_TARGETS:-raidx stock}
fi

# The guest runner (a stub for a dry run of this script's bookkeeping).
RUN_GUEST=${CRASH_RUN_GUEST:-$TOP/tests/run-guest.sh}

log() { echo "crash-replay: $*"; }

# case_env CASE: the REPLAY_* settings of a case.
case_env() {
	local level=${1%%-*} policy=${1#*-} mode=""
	case $policy in
	journal-wt) policy=journal mode=writethrough ;;
	journal-wb) policy=journal mode=writeback ;;
	resync|ppl|switch|takeover) ;;
	*) echo "unknown case $1" >&2; return 1 ;;
	esac
	case $level in
	raid5)
		if [ "$policy" = takeover ]; then
			# raid5_ls on 4 legs -> raid6_ls_6 on 5
			echo "REPLAY_LEVEL=raid6_ls_6 REPLAY_LEGS=5"
		else
			echo "REPLAY_LEVEL=raid5_ls REPLAY_LEGS=4"
		fi
		;;
	raid6) echo "REPLAY_LEVEL=raid6_zr REPLAY_LEGS=5" ;;
	*) echo "unknown level in $1" >&2; return 1 ;;
	esac
	echo "REPLAY_POLICY=$policy"
	[ -z "$mode" ] || echo "REPLAY_JOURNAL_MODE=$mode"
	if [ "$SHORT" = 1 ]; then
		echo "REPLAY_WRITES=${CRASH_WRITES:-600} REPLAY_CHECK_MAX=${CRASH_CHECK_MAX:-50}"
	else
		echo "REPLAY_WRITES=${CRASH_WRITES:-3000} REPLAY_POINTS=${CRASH_POINTS:-1000}"
	fi
}

make -s -C "$TOP" module >/dev/null
make -s -C "$TOP/tests/crash/replay"
mkdir -p "$OUT"
TSV=$OUT/summary.tsv
MD=$OUT/summary.md
printf 'target\tcase\tpoints\tfailures\n' >"$TSV"
{
	echo "| target | case | points checked | failures | what failed |"
	echo "| --- | --- | --- | --- | --- |"
} >"$MD"

raidx_failed=0
for c in $CASES; do
	for t in $TARGETS; do
		if [ "$t" = stock ] && { [ "${c#*-}" = ppl ] || [ "${c#*-}" = switch ]; }; then
			echo "| stock | $c | - | - | the stock target has no PPL |" >>"$MD"
			continue
		fi
		res=$OUT/$t-$c
		rm -rf "$res"
		mkdir -p "$res"
		vars="REPLAY_TARGET REPLAY_KEEP_GOING REPLAY_OUT"
		env_line="REPLAY_TARGET=$t REPLAY_KEEP_GOING=1 REPLAY_OUT=/results/crash-replay $(case_env "$c" | tr '\n' ' ')"
		for kv in $env_line; do
			vars+=" ${kv%%=*}"
		done
		log "$t $c: $env_line"
		start=$SECONDS
		rc=0
		# shellcheck disable=SC2086 # the settings, one word each
		env $env_line GUEST_ENV_VARS="$vars" GUEST_RESULTS="$res" \
			RUN_GUEST_QUIET_SUMMARY=1 \
			bash "$RUN_GUEST" "$TOP/tests/crash/replay/replay-case.sh" \
			>"$res/run.log" 2>&1 || rc=$?
		glog=$res/replay-case/log
		line=$(grep -h '^crash-replay: ' "$glog" 2>/dev/null | tail -n1 || true)
		points=$(sed -nE 's/.*: ([0-9]+) of [0-9]+ points checked.*/\1/p' <<<"$line")
		failures=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$line")
		what=$(grep -h '^crash-replay-failure: ' "$glog" 2>/dev/null |
			sed -E 's/^crash-replay-failure: point [0-9]+: //; s/ \(.*//' |
			sort | uniq -c | sort -rn | awk '{n=$1; $1=""; printf "%s%s x%d", (NR>1?"; ":""), substr($0,2), n}' || true)
		if [ -z "$points" ]; then
			# No verdict line: the run itself failed (boot, set-up, timeout).
			points=0 failures=1
			what="no verdict (exit $rc): $(grep -hE '^(FAIL|ERROR)' "$glog" "$res/run.log" 2>/dev/null | head -n1)"
		fi
		printf '%s\t%s\t%s\t%s\n' "$t" "$c" "$points" "$failures" >>"$TSV"
		echo "| $t | $c | $points | $failures | ${what:--} |" >>"$MD"
		log "$t $c: $points points checked, $failures failed ($((SECONDS - start)) s)${what:+: $what}"
		if [ "$t" = raidx ] && [ "$failures" != 0 ]; then
			raidx_failed=$((raidx_failed + 1))
		fi
	done
done
cat "$MD"
log "summary: $TSV"
[ "$raidx_failed" = 0 ]

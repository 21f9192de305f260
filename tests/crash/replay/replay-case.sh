#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Crash replay, one case (issue 14), run inside the test guest:
#   tests/run-guest.sh tests/crash/replay/replay-case.sh
# (build the tools first: make -C tests/crash/replay; settings below are
# passed with GUEST_ENV_VARS, see README.md).
#
# One loop device holds every leg (metadata, data, journal), carved by
# dm-linear out of a dm-log-writes device, so the log orders the writes of
# all legs in one sequence.  The array is created and synced before the log
# starts (its resync is not worth replaying), then crash-workload writes
# through it with a mark per acknowledged flush.  For each replay point P
# (every FLUSH/FUA entry plus evenly spaced ones, REPLAY_POINTS in all at
# least), the legs are rebuilt as they were after log entry P and:
#   - the array assembles with all legs, recovery runs, every block
#     acknowledged before the last mark at or before P reads back with that
#     generation or a later one, no block the workload never wrote changed,
#     and a check finds mismatch_cnt 0 (for resync too: the bitmap-driven
#     resync after a crash must leave the parity right);
#   - for raid4/5/6, the same with one leg missing (a different one each
#     point): no check (nothing to compare), and for policy resync (and
#     switch, before the switch, and takeover) a refused dirty degraded
#     start is counted, not failed.
# Case takeover: raid5_ls on NLEGS-1 legs taken over to raid6_ls_6 on
# NLEGS while the workload writes, as LVM2 does it: the raid6 table with
# `rebuild` of the added Q leg as a live reload, then, once the recovery
# runs, the same table without it.  Each point is assembled with the
# table LVM2's metadata would give then: LVM2 commits the new metadata
# while the old table is suspended (vg_write, suspend, vg_commit,
# resume), so the marks tk-takeover and tk-second are logged there.
# A failing point saves the leg images and the point in
# $REPLAY_OUT/fail-<policy>-p<P>/ (the base image, log and record once, in
# $REPLAY_OUT/case-<policy>/), and stops (REPLAY_KEEP_GOING=1: go on).
# timeout: 14400
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../../lib/common.sh"

R=$(cd "$(dirname "$0")" && pwd)
LR=$R/log-replay
CW=$R/crash-workload
CV=$R/crash-verify
for b in "$LR" "$CW" "$CV"; do
	[ -x "$b" ] || fail "$b not built (make -C tests/crash/replay)"
done

POLICY=${REPLAY_POLICY:-ppl}		# resync | ppl | journal | switch | takeover
# switch: created with policy resync (and PPL space), switched to ppl by
# the consistency_policy message while the workload writes; the replay
# points fall before, across and after the switch.
TARGET=${REPLAY_TARGET:-raidx}		# raidx | stock (the stock dm-raid)
LEVEL=${REPLAY_LEVEL:-raid5_ls}
NLEGS=${REPLAY_LEGS:-4}
LEG_MB=${REPLAY_LEG_MB:-8}
WRITES=${REPLAY_WRITES:-3000}
FLUSH_EVERY=${REPLAY_FLUSH_EVERY:-8}
SEED=${REPLAY_SEED:-1}
POINTS=${REPLAY_POINTS:-1000}
WL_BLOCKS=${REPLAY_BLOCKS:-}		# workload range (default: the array)
ONLY=${REPLAY_ONLY:-}			# check this one point only
FROM=${REPLAY_FROM:-}			# a saved fail-* directory to replay
KEEP_GOING=${REPLAY_KEEP_GOING:-0}
STRIDE=${REPLAY_STRIDE:-1}		# check every STRIDE-th point only (quick runs)
CHECK_MAX=${REPLAY_CHECK_MAX:-}		# or: a stride that checks about this many
# 1: start dirty degraded resync arrays anyway (dm-raidx start_dirty_degraded),
# to look at the write hole instead of counting refusals.
FORCE_DEGRADED=${REPLAY_FORCE_DIRTY_DEGRADED:-0}
PARAM=/sys/module/dm_raidx/parameters/start_dirty_degraded
JMODE=${REPLAY_JOURNAL_MODE:-writeback}
OUT=${REPLAY_OUT:-/results/crash-replay}
LOG_MB=${REPLAY_LOG_MB:-512}
CHUNK=128				# sectors: 64 KiB
META_S=$((4 << 11))
DATA_S=$((LEG_MB << 11))
JOUR_S=$((16 << 11))

case $LEVEL in
raid4*|raid5*) PARITY=1 ;;
raid6*) PARITY=2 ;;
*) PARITY=0 ;;
esac
off=0
case $POLICY in
resync|takeover) PARAMS="1 $CHUNK" ;;
ppl) off=2048; PARAMS="5 $CHUNK consistency_policy ppl data_offset $off" ;;
switch) off=2048; PARAMS="3 $CHUNK data_offset $off" ;;
journal) PARAMS="5 $CHUNK journal_dev @J@ journal_mode $JMODE" ;;
*) fail "unknown REPLAY_POLICY $POLICY" ;;
esac
case $TARGET in
raidx) ;;
stock)
	case $POLICY in ppl|switch) fail "the stock target has no PPL" ;; esac
	[ "$FORCE_DEGRADED" != 1 ] || fail "start_dirty_degraded is dm-raidx's"
	;;
*) fail "unknown REPLAY_TARGET $TARGET" ;;
esac
if [ "$POLICY" = takeover ]; then
	[ "$LEVEL" = raid6_ls_6 ] || fail "case takeover: REPLAY_LEVEL must be raid6_ls_6"
	Q=$((NLEGS - 1))	# the leg the takeover adds
fi
# Which table LVM2's metadata gives (case takeover): r5, r6-rebuild, r6.
PHASE=""
POLICY_TAKEOVER=0
[ "$POLICY" != takeover ] || POLICY_TAKEOVER=1
LEG_SECTORS=$(( (DATA_S - off) / CHUNK * CHUNK ))
SECTORS=$((LEG_SECTORS * (NLEGS - PARITY)))
BLOCKS=${WL_BLOCKS:-$((SECTORS / 8))}
BASE_S=$((NLEGS * (META_S + DATA_S)))
[ "$POLICY" = journal ] && BASE_S=$((BASE_S + JOUR_S))
W=$TEST_TMP
LOG=$W/log.img
REC=$W/record
mkdir -p "$OUT"

# Where leg I's metadata (m), data (d) and the journal (j) live on the base
# device, in sectors: "offset length".
region() {
	case $1 in
	m) echo "$(($2 * (META_S + DATA_S))) $META_S" ;;
	d) echo "$(($2 * (META_S + DATA_S) + META_S)) $DATA_S" ;;
	j) echo "$((NLEGS * (META_S + DATA_S))) $JOUR_S" ;;
	esac
}

# table M_VAR D_VAR JDEV MISSING: the array's table over the leg devices
# in the arrays named M_VAR, D_VAR; leg MISSING (or -1) given as "- -".
# Case takeover: the table of PHASE (raid5 without the Q leg, or raid6
# with or without the Q leg's rebuild).
table() {
	local -n m=$1 d=$2
	local i legs="" params=${PARAMS//@J@/$3} level=$LEVEL n=$NLEGS
	if [ "$POLICY" = takeover ]; then
		case $PHASE in
		r5) level=raid5_ls n=$((NLEGS - 1)) ;;
		r6-rebuild) params="3 $CHUNK rebuild $Q" ;;
		esac
	fi
	for ((i = 0; i < n; i++)); do
		if [ "$i" = "$4" ]; then legs+=" - -"; else legs+=" ${m[i]} ${d[i]}"; fi
	done
	echo "0 $SECTORS raid $level $params $n$legs"
}

# linear_legs PREFIX LOWER: dm-linear legs over LOWER, in SM/SD/SJ (read
# by table through its name arguments).
# shellcheck disable=SC2034
linear_legs() {
	local i o l
	SM=() SD=() SJ=""
	for ((i = 0; i < NLEGS; i++)); do
		read -r o l < <(region m $i)
		dm_create "$1-m$i" "0 $l linear $2 $o"
		SM[i]=/dev/mapper/$1-m$i
		read -r o l < <(region d $i)
		dm_create "$1-d$i" "0 $l linear $2 $o"
		SD[i]=/dev/mapper/$1-d$i
	done
	if [ "$POLICY" = journal ]; then
		read -r o l < <(region j 0)
		dm_create "$1-j" "0 $l linear $2 $o"
		SJ=/dev/mapper/$1-j
	fi
}

remove_linear_legs() {
	local i
	for ((i = 0; i < NLEGS; i++)); do dm_remove "$1-m$i"; dm_remove "$1-d$i"; done
	[ "$POLICY" != journal ] || dm_remove "$1-j"
}

# wait_idle DEV SECONDS: until md has nothing to do (a degraded array never
# counts as synced, so wait_sync does not fit); 1 on timeout.  Polled
# often: a point is checked twice, and most points need no recovery.
wait_idle() {
	local t=0
	sleep 0.2
	while [ "$(raid_field "$1" 8)" != idle ]; do
		[ "$t" -ge $(($2 * 10)) ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
}

# check_mismatches DEV: run md's check, print mismatch_cnt; 1 if the check
# is refused or does not end in 300 s.  md raises a table event once it
# has reaped the check, so this waits for that event rather than polling
# a status that says "idle" both before the check starts and after it
# ends (tests/lib's mismatches() waits up to 2 s to tell them apart).
check_mismatches() {
	local ev t=0
	ev=$(dmsetup info -c --noheadings -o events "$1") || return 1
	dmsetup message "$1" 0 check || return 1
	timeout 300 dmsetup wait "$1" "$ev" >/dev/null || return 1
	while [ "$(raid_field "$1" 8)" != idle ]; do
		[ "$t" -ge 3000 ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
	raid_field "$1" 9
}

# ---- record: sync an array, then log a workload through it -----------------

record_case() {
	[ "$POLICY" != takeover ] || PHASE=r5
	new_loop LOOPB "$W/base.img" $((BASE_S >> 11))
	linear_legs rp-s "$LOOPB"
	dm_create rp-arr "$(table SM SD "$SJ" -1)"
	wait_sync rp-arr 1200
	dm_remove rp-arr
	remove_linear_legs rp-s
	sync
	cp --sparse=always "$W/base.img" "$W/base0.img"

	new_loop LOOPL "$LOG" "$LOG_MB"
	dm_create rp-log "0 $BASE_S log-writes $LOOPB $LOOPL"
	linear_legs rp-w /dev/mapper/rp-log
	dm_create rp-arr "$(table SM SD "$SJ" -1)"
	dmsetup message rp-log 0 mark start
	echo "workload: $BLOCKS blocks, $WRITES writes, flush every ~$FLUSH_EVERY, seed $SEED"
	if [ "$POLICY" = switch ]; then
		record_switch
	elif [ "$POLICY" = takeover ]; then
		record_takeover
	else
		"$CW" -b "$BLOCKS" -n "$WRITES" -f "$FLUSH_EVERY" -s "$SEED" \
			-m rp-log /dev/mapper/rp-arr "$REC"
	fi
	dm_remove rp-arr
	remove_linear_legs rp-w
	echo "log: $(dmsetup status rp-log)"
	dm_remove rp-log	# its destructor writes the final super
}

# workload_to_a_third WHAT: start the workload in the background (its
# pid in WL_PID) and return once about a third of its batches are
# acknowledged (their count in WL_ACKED); WHAT names the step that
# follows, for the failure message.
workload_to_a_third() {
	local third=$((WRITES / FLUSH_EVERY / 3)) t=0
	"$CW" -b "$BLOCKS" -n "$WRITES" -f "$FLUSH_EVERY" -s "$SEED" -m rp-log \
		/dev/mapper/rp-arr "$REC" &
	WL_PID=$!
	WL_ACKED=0
	while [ "$WL_ACKED" -lt "$third" ] && kill -0 "$WL_PID" 2>/dev/null; do
		sleep 0.1
		WL_ACKED=$(grep -c '^acked ' "$REC" 2>/dev/null || true)
		t=$((t + 1))
		[ "$t" -lt 6000 ] || break
	done
	kill -0 "$WL_PID" 2>/dev/null || fail "the workload ended before the $1"
}

# record_switch: the workload, with the policy switched to ppl once about
# a third of its batches are acknowledged.
record_switch() {
	workload_to_a_third switch
	dmsetup message rp-log 0 mark switch-to-ppl
	dmsetup message rp-arr 0 consistency_policy ppl ||
		fail "consistency_policy ppl refused during the workload"
	echo "switched to ppl after $WL_ACKED acknowledged batches: $(dmsetup status rp-arr)"
	wait "$WL_PID" || fail "crash-workload failed"
}

# reload_live TABLE MARK: LVM2's way: load while live, suspend, then
# MARK in the log where LVM2 commits the metadata that names TABLE (the
# old table has recorded the array's state by then), resume.
reload_live() {
	echo "$1" | dmsetup reload rp-arr || fail "reload refused: $1"
	dmsetup suspend rp-arr
	dmsetup message rp-log 0 mark "$2"
	dmsetup resume rp-arr || fail "resume refused: $1"
}

# record_takeover: once about a third of the batches are acknowledged,
# the raid6 table with the Q leg's rebuild; once the recovery has run for
# a while (or ended), the same without rebuild.
record_takeover() {
	workload_to_a_third takeover
	PHASE=r6-rebuild
	reload_live "$(table SM SD "$SJ" -1)" tk-takeover
	echo "taken over to raid6 after $WL_ACKED acknowledged batches: $(dmsetup status rp-arr)"
	sleep 2
	PHASE=r6
	reload_live "$(table SM SD "$SJ" -1)" tk-second
	echo "second table: $(dmsetup status rp-arr)"
	wait "$WL_PID" || fail "crash-workload failed"
	wait_idle rp-arr 600 || fail "the recovery did not end"
}

# ---- check one point ------------------------------------------------------

WRITE_HOLE_REFUSALS='dirty degraded|Cannot rebuild an unclean array|Cannot take over a degraded array'


CASE_LOOPS=()
attach_case() {
	local i o l
	CM=() CD=() CJ=""
	for ((i = 0; i < NLEGS; i++)); do
		read -r o l < <(region m $i)
		CM[i]=$(losetup -f --show -o $((o * 512)) --sizelimit $((l * 512)) "$W/case.img")
		read -r o l < <(region d $i)
		CD[i]=$(losetup -f --show -o $((o * 512)) --sizelimit $((l * 512)) "$W/case.img")
	done
	if [ "$POLICY" = journal ]; then
		read -r o l < <(region j 0)
		CJ=$(losetup -f --show -o $((o * 512)) --sizelimit $((l * 512)) "$W/case.img")
	fi
	CASE_LOOPS=("${CM[@]}" "${CD[@]}")
	[ -z "$CJ" ] || CASE_LOOPS+=("$CJ")
}

detach_case() {
	local d
	dm_remove rp-arr 2>/dev/null || true
	for d in "${CASE_LOOPS[@]}"; do losetup -d "$d" 2>/dev/null || true; done
	CASE_LOOPS=()
}
on_cleanup detach_case

# save_failure P WHY: everything needed to look at point P again alone:
# the case (base image, log, record) once, the leg images per point (the
# first REPLAY_SAVE_MAX failing points: a target expected to fail, the
# stock one's writeback journal, must not fill the disk).
SAVED=0
save_failure() {
	local d=$OUT/fail-$POLICY-p$1 c=$OUT/case-$POLICY
	echo "crash-replay-failure: point $1: $2"
	SAVED=$((SAVED + 1))
	[ "$SAVED" -le "${REPLAY_SAVE_MAX:-3}" ] || return 0
	if [ ! -f "$c/record" ]; then
		mkdir -p "$c"
		cp --sparse=always "$W/base0.img" "$c/base0.img"
		cp --sparse=always "$LOG" "$c/log.img"
		cp "$REC" "$c/record"
	fi
	mkdir -p "$d"
	cp --sparse=always "$W/cur.img" "$d/legs-at-point.img"
	cp "$W/verify.out" "$d/" 2>/dev/null || true
	printf 'case=%s\npoint=%s\nmark=%s\nwhy=%s\ntable=%s\n' "$c" "$1" \
		"$MARK" "$2" "$TABLE" >"$d/point"
	dmesg | tail -n 200 >"$d/dmesg"
	echo "saved: $d (again alone: REPLAY_FROM=$c REPLAY_ONLY=$1)"
}

# check_point P MISSING: assemble the images of point P (leg MISSING left
# out, or -1) and check them; 0 pass, 1 fail, 2 refused as expected.
check_point() {
	local p=$1 miss=$2 what rc mm
	what=$([ "$miss" = -1 ] && echo full || echo "without leg $miss")
	cp --sparse=always "$W/cur.img" "$W/case.img"
	attach_case
	TABLE=$(table CM CD "$CJ" "$miss")
	[ "$FORCE_DEGRADED" != 1 ] || [ "$miss" = -1 ] || echo 1 >"$PARAM"
	rc=0
	echo "$TABLE" | dmsetup create rp-arr 2>"$W/create.err" || rc=$?
	[ "$FORCE_DEGRADED" != 1 ] || echo 0 >"$PARAM"
	if [ "$rc" != 0 ]; then
		# The write-hole refusals: a crashed array with a leg
		# missing (for a takeover's tables: taking over or rebuilding
		# Q of such an array).
		if [ "$miss" != -1 ] &&
			{ [ "$POLICY" = resync ] || [ "$POLICY" = switch ] ||
			  [ "$POLICY" = takeover ]; } &&
			dmesg | tail -n 5 | grep -qE "$WRITE_HOLE_REFUSALS"; then
			detach_case
			return 2
		fi
		echo "point $p $what: assembly refused: $(cat "$W/create.err")"
		save_failure "$p" "assembly refused ($what)"
		detach_case
		return 1
	fi
	if ! wait_idle rp-arr 600; then
		echo "point $p $what: recovery did not finish: $(dmsetup status rp-arr)"
		save_failure "$p" "recovery stuck ($what)"
		detach_case
		return 1
	fi
	rc=0
	"$CV" --mark "$MARK" /dev/mapper/rp-arr "$REC" >"$W/verify.out" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		echo "point $p $what (mark '${MARK:-none}'):"
		sed 's/^/    /' "$W/verify.out"
		save_failure "$p" "verify exit $rc ($what)"
		detach_case
		return 1
	fi
	# Every policy: after a crash, resync's bitmap-driven resync must leave
	# the parity right too (a stripe it skips is a write hole).
	if [ "$miss" = -1 ]; then
		mm=$(check_mismatches rp-arr) || mm="none (check refused or stuck)"
		if [ "$mm" != 0 ]; then
			echo "point $p $what: mismatch_cnt $mm after check"
			save_failure "$p" "mismatch_cnt $mm"
			detach_case
			return 1
		fi
	fi
	detach_case
	return 0
}

# ---- main -----------------------------------------------------------------

if [ "$TARGET" = stock ]; then
	modprobe -a dm-mod md-mod raid456
	load_stock_dmraid
else
	load_raidx
fi
modprobe dm-log-writes
modprobe loop
echo 200000 >/proc/sys/dev/raid/speed_limit_min
echo "case: $LEVEL $POLICY, $NLEGS legs of $LEG_MB MiB, $SECTORS sectors"

if [ -n "$FROM" ]; then
	cp --sparse=always "$FROM/base0.img" "$W/base0.img"
	cp --sparse=always "$FROM/log.img" "$LOG"
	cp "$FROM/record" "$REC"
else
	record_case
	cp "$REC" "$OUT/record-$POLICY"
fi
"$LR" info "$LOG"
if [ -n "$ONLY" ]; then
	echo "$ONLY" >"$W/points"
else
	"$LR" points "$LOG" "$POINTS" >"$W/points"
fi
echo "points: $(wc -l <"$W/points") (flush/FUA entries: $("$LR" list "$LOG" |
	grep -cE '	[A-Z|]*(FLUSH|FUA)'))"

cp --sparse=always "$W/base0.img" "$W/cur.img"
prev=-1
i=0 n=0 full_ok=0 deg_ok=0 refused=0 failed=0
total=$(wc -l <"$W/points")
[ -z "$CHECK_MAX" ] || STRIDE=$(((total + CHECK_MAX - 1) / CHECK_MAX))
while read -r p; do
	"$LR" replay "$LOG" "$W/cur.img" $((prev + 1)) "$p" ||
		fail "log-replay failed at point $p"
	prev=$p
	i=$((i + 1))
	# A stride skips the checks, never the replay; the last point is checked.
	[ $(((i - 1) % STRIDE)) = 0 ] || [ "$i" = "$total" ] || continue
	MARK=$("$LR" lastmark "$LOG" "$p" cw-)
	if [ "$POLICY" = takeover ]; then
		case $("$LR" lastmark "$LOG" "$p" tk-) in
		tk-second) PHASE=r6 ;;
		tk-takeover) PHASE=r6-rebuild ;;
		*) PHASE=r5 ;;
		esac
	fi
	n=$((n + 1))
	start=$SECONDS
	rc=0; check_point "$p" -1 || rc=$?
	case $rc in 0) full_ok=$((full_ok + 1)); res=ok ;; *) failed=$((failed + 1)); res=FAIL ;; esac
	if [ "$PARITY" -gt 0 ]; then
		# (the takeover's Q leg is never the one left out: it holds no data)
		m=$((n % (POLICY_TAKEOVER ? NLEGS - 1 : NLEGS)))
		rc=0; check_point "$p" $m || rc=$?
		case $rc in
		0) deg_ok=$((deg_ok + 1)); res+=", without leg $m ok" ;;
		2) refused=$((refused + 1)); res+=", without leg $m refused" ;;
		*) failed=$((failed + 1)); res+=", without leg $m FAIL" ;;
		esac
	fi
	echo "point $p (mark ${MARK:-none}${PHASE:+, table $PHASE}): full $res ($((SECONDS - start))s)"
	[ "$failed" -gt 0 ] && [ "$KEEP_GOING" != 1 ] && break
done <"$W/points"

echo "crash-replay: $TARGET $LEVEL $POLICY: $n of $total points checked, $full_ok full ok, $deg_ok degraded ok, $refused degraded refused (dirty, or taken over degraded), $failed failed"
[ "$failed" = 0 ] || fail "$failed checks failed"
[ "$n" -gt 0 ] || fail "no replay point"
pass "crash replay $LEVEL $POLICY"

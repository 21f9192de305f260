#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make bench`: runs inside the QEMU guest (booted by
# bench/run.sh through tests/lib/qemu.sh), never on the host.
#
#   guest-bench.sh quick|full OUTDIR
#
# For every run (round-robin), every RAID level and every contestant (the
# order rotated per run so drift hits all alike) it builds the same legs
# on freshly loaded brd RAM disks, creates the array and measures
#
#   resync    initial resync, MiB/s per leg, recovery-rate limits lifted
#   fio jobs  (see JOBS below), libaio, direct=1, time_based, JSON output
#   rebuild   one leg replaced by a fresh one (dm: "rebuild 1",
#             md: --fail/--remove/--add), MiB/s per leg
#   bitmap    resync after an unclean stop (all legs swapped to the dm
#             "error" target while random writes run, array torn down,
#             legs restored, array started again), MiB/s per leg
#
# Contestants: md (mdadm), stock (stock dm-raid, target "raid"), raidx
# (dm-raidx loaded with target_name=raidx); for raid5 also raidx-ppl
# (consistency_policy ppl), raidx-jwt and raidx-jwb (journal_dev with
# journal_mode writethrough/writeback).  A table the kernel refuses is
# recorded as NA with the reason, never a failure.
#
# Writes OUTDIR/results.tsv (run level contestant test metric value note),
# OUTDIR/fio/*.json, OUTDIR/guest.log, OUTDIR/dmesg, OUTDIR/config and
# OUTDIR/done at the end.  Environment overrides (for development):
# BENCH_LEVELS, BENCH_RUNS, BENCH_RUNTIME, BENCH_RAMP, BENCH_JOBS,
# BENCH_LEG_MB, BENCH_CONTESTANTS, BENCH_UNCLEAN (1: run the unclean-stop
# bitmap test; default 1 for full, 0 for quick, to stay under 10 min).
set -uo pipefail

MODE=${1:-quick}
OUT=${2:-/results}
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
RAIDX_KO=${RAIDX_KO:-$TOP/dm-target/dm-raidx.ko}
export DM_DISABLE_UDEV=1

case "$MODE" in
quick)
	LEVELS="raid5"
	RUNS=3 RUNTIME=2 RAMP=0 LEG_MB=32
	JOBS="seqwrite randread32 randwrite32 randrw32"
	UNCLEAN=0
	;;
full)
	LEVELS="raid0 raid1 raid5 raid6 raid10"
	RUNS=5 RUNTIME=4 RAMP=1 LEG_MB=256
	JOBS="seqread seqwrite randread1 randread32 randwrite1 randwrite32 randrw32"
	UNCLEAN=1
	;;
*) echo "usage: $0 quick|full OUTDIR" >&2; exit 2 ;;
esac
LEVELS=${BENCH_LEVELS:-$LEVELS}
RUNS=${BENCH_RUNS:-$RUNS}
RUNTIME=${BENCH_RUNTIME:-$RUNTIME}
RAMP=${BENCH_RAMP:-$RAMP}
JOBS=${BENCH_JOBS:-$JOBS}
LEG_MB=${BENCH_LEG_MB:-$LEG_MB}
UNCLEAN=${BENCH_UNCLEAN:-$UNCLEAN}

CHUNK_KB=64              # stripe chunk, all levels but raid1
REGION_KB=4096           # bitmap region (dm region_size, md --bitmap-chunk)
META_MB=4                # dm metadata device carved in front of each leg
RATE_KB=2000000          # lifted recovery limit (KiB/s per device)
JOURNAL_MB=64            # raid5 journal device
NLEGS_MAX=4
# brd disks: legs 0..3, 4 = fresh leg for rebuild, 5 = journal.
NBRD=6
LEG_SECT=$((LEG_MB * 2048))
META_SECT=$((META_MB * 2048))
BRD_KB=$(((LEG_MB + META_MB) * 1024))
[ "$JOURNAL_MB" -gt $((LEG_MB + META_MB)) ] && JOURNAL_MB=$((LEG_MB + META_MB))
SYNC_TIMEOUT=600
PPL_OFFSET=2048          # sectors reserved in front of the data for PPL
MD=/dev/md0

mkdir -p "$OUT/fio"
exec >>"$OUT/guest.log" 2>&1
TSV=$OUT/results.tsv
: >"$TSV"

log() { echo "[$(date +%T)] $*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}'; }

# record RUN LEVEL CONTESTANT TEST METRIC VALUE [NOTE]
record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" \
		"${7:-}" >>"$TSV"
	log "result: $*"
}

# klog_mark TEXT / klog_since TEXT (the kernel's reasons and md's sync
# lines are read from there) and raidx_insmod: shared with the tests.
KLOG_TAG=bench-mark
# shellcheck source=tests/lib/kernel.sh
. "$TOP/tests/lib/kernel.sh"

# ---- modules and disks --------------------------------------------------

load_modules() {
	modprobe -a brd loop || return 1
	modprobe dm-raid || return 1
	raidx_insmod "$RAIDX_KO" raidx || return 1
	# No udev/mdadm.conf here: without this, assembled arrays start
	# auto-read-only and a pending resync waits for the first write.
	echo 0 >/sys/module/md_mod/parameters/start_ro
	# md resync throttles above speed_limit_min when the legs look busy
	# and always above speed_limit_max: lift both for md and dm alike.
	sysctl -qw dev.raid.speed_limit_max=$RATE_KB
	sysctl -qw dev.raid.speed_limit_min=$RATE_KB
	dmsetup targets | sed 's/^/  /'
}

# Tear everything down: raid device, md array, leg mappings, brd.
teardown() {
	local i d
	for i in 1 2 3 4 5 6 7 8 9 10; do
		dmsetup info bench-r >/dev/null 2>&1 || break
		dmsetup remove bench-r 2>/dev/null && break
		sleep 0.3
	done
	[ -b $MD ] && mdadm --stop $MD >/dev/null 2>&1
	for d in $(dmsetup ls 2>/dev/null | awk '/^bench-[mdj]/ {print $1}') \
		$(dmsetup ls 2>/dev/null | awk '/^bench-l/ {print $1}'); do
		dmsetup remove "$d" 2>/dev/null || dmsetup remove --force "$d"
	done
	if lsmod | grep -q '^brd '; then
		for i in 1 2 3 4 5 6 7 8 9 10; do
			rmmod brd 2>/dev/null && break
			sleep 0.3
		done
	fi
	true
}

# disks_used: the RAM disks this contestant touches (legs, ram4 for the
# rebuild, ram5 for a journal); only these are written before the start.
disks_used() {
	local i
	for ((i = 0; i < NLEGS; i++)); do echo "$i"; done
	case "$LEVEL:$CUR_WHO" in
	raid0:*) ;;
	*:raidx-j*) echo 5 ;;
	*:raidx-*) ;;
	*) echo 4 ;;
	esac
}

# Fresh brd disks, every page written once (brd allocates on first write,
# and reads of never-written pages would be unfairly cheap), then the dm
# stack per leg: bench-lI (linear over all of ramI, swapped to "error" for
# a power cut or to ram4 for a fresh leg) carved into bench-mI (metadata,
# dm only) and bench-dI (data; md uses these too, so every contestant has
# the same two linear layers below it); bench-j for the journal.
fresh_disks() {
	local i
	teardown
	modprobe brd rd_nr=$NBRD rd_size=$BRD_KB max_part=0 || return 1
	for i in $(disks_used); do
		dd if=/dev/zero of=/dev/ram$i bs=1M count=$((LEG_MB + META_MB)) \
			oflag=direct status=none || return 1
	done
	for ((i = 0; i < NLEGS; i++)); do
		echo "0 $((META_SECT + LEG_SECT)) linear /dev/ram$i 0" |
			dmsetup create bench-l$i &&
		echo "0 $META_SECT linear /dev/mapper/bench-l$i 0" |
			dmsetup create bench-m$i &&
		echo "0 $LEG_SECT linear /dev/mapper/bench-l$i $META_SECT" |
			dmsetup create bench-d$i || return 1
	done
	case "$CUR_WHO" in
	raidx-j*)
		echo "0 $((JOURNAL_MB * 2048)) linear /dev/ram5 0" |
			dmsetup create bench-j || return 1
		;;
	esac
}

# leg_swap I TARGET...: reload leg I's bottom mapping (bench-lI) with
# "error" (power cut) or "linear /dev/ramN 0" (restore / fresh leg).
leg_swap() {
	local name=bench-l$1
	shift
	dmsetup suspend --noflush "$name" || return 1
	echo "0 $((META_SECT + LEG_SECT)) $*" | dmsetup load "$name"
	dmsetup resume "$name"
}

# ---- arrays -----------------------------------------------------------------

# level_geom LEVEL: sets NLEGS DATA_LEGS DMTYPE MDLEVEL MDLAYOUT
level_geom() {
	MDLAYOUT=
	case "$1" in
	raid0) NLEGS=4 DATA_LEGS=4 DMTYPE=raid0 MDLEVEL=0 ;;
	raid1) NLEGS=2 DATA_LEGS=1 DMTYPE=raid1 MDLEVEL=1 ;;
	raid5) NLEGS=4 DATA_LEGS=3 DMTYPE=raid5_ls MDLEVEL=5 MDLAYOUT=left-symmetric ;;
	raid6) NLEGS=4 DATA_LEGS=2 DMTYPE=raid6_zr MDLEVEL=6 MDLAYOUT=ddf-zero-restart ;;
	raid10) NLEGS=4 DATA_LEGS=2 DMTYPE=raid10 MDLEVEL=10 MDLAYOUT=n2 ;;
	esac
}

# dm_table TARGET LEVEL CONTESTANT [EXTRA PARAMS...]: the table line.
dm_table() {
	local target=$1 level=$2 who=$3 chunk params=() i legs=""
	shift 3
	chunk=$((CHUNK_KB * 2))
	[ "$level" = raid1 ] && chunk=0
	if [ "$level" != raid0 ]; then
		params+=(region_size $((REGION_KB * 2)) max_recovery_rate $RATE_KB)
	fi
	case "$who" in
	# PPL keeps its log in front of the data: dm-raidx wants a data_offset.
	raidx-ppl) params+=(consistency_policy ppl data_offset $PPL_OFFSET) ;;
	raidx-jwt) params+=(journal_dev /dev/mapper/bench-j journal_mode writethrough) ;;
	raidx-jwb) params+=(journal_dev /dev/mapper/bench-j journal_mode writeback) ;;
	esac
	params+=("$@")
	for ((i = 0; i < NLEGS; i++)); do
		legs+=" /dev/mapper/bench-m$i /dev/mapper/bench-d$i"
	done
	local len=$((LEG_SECT * DATA_LEGS))
	[ "$who" = raidx-ppl ] && len=$(((LEG_SECT - PPL_OFFSET) * DATA_LEGS))
	echo "0 $len $target $DMTYPE $((1 + ${#params[@]})) $chunk ${params[*]} $NLEGS$legs"
}

# dm_start LEVEL CONTESTANT [EXTRA...]: create bench-r; on refusal prints
# the kernel's reason on stdout and fails.
dm_start() {
	local level=$1 who=$2 target=raid table err
	shift 2
	[ "$who" != stock ] && target=raidx
	table=$(dm_table "$target" "$level" "$who" "$@")
	log "dmsetup create bench-r: $table" >&2
	klog_mark "dm_start $who $level"
	if ! err=$(echo "$table" | dmsetup create bench-r 2>&1); then
		dmsetup remove bench-r >/dev/null 2>&1
		# ti->error lands in the kernel log as "table: ...: raid(x): ERR"
		err=$(klog_since "dm_start $who $level" |
			grep -m1 -E 'device-mapper: table:' |
			sed 's/^\[[^]]*\] *//')
		echo "${err:-table refused}" | tr '\t\n' '  '
		return 1
	fi
}

md_legs() {
	local i
	for ((i = 0; i < NLEGS; i++)); do echo "/dev/mapper/bench-d$i"; done
}

md_create() {
	local level=$1 args=(--create $MD --run --force --metadata=1.2
		--level=$MDLEVEL --raid-devices=$NLEGS --homehost=bench)
	[ "$level" != raid1 ] && args+=(--chunk=$CHUNK_KB)
	[ -n "$MDLAYOUT" ] && args+=(--layout=$MDLAYOUT)
	if [ "$level" = raid0 ]; then
		:
	else
		args+=(--bitmap=internal --bitmap-chunk=$REGION_KB)
	fi
	# shellcheck disable=SC2046
	mdadm "${args[@]}" $(md_legs) || return 1
	# raid0 has nothing to sync: its sync_speed_max is read-only.
	[ "$level" = raid0 ] || echo $RATE_KB >/sys/block/md0/md/sync_speed_max
}

# in_sync WHO: 0 when the array is idle and fully in sync.
in_sync() {
	if [ "$1" = md ]; then
		[ "$(cat /sys/block/md0/md/sync_action)" = idle ] &&
		[ "$(cat /sys/block/md0/md/resync_start 2>/dev/null || echo none)" = none ] &&
		[ "$(cat /sys/block/md0/md/degraded 2>/dev/null || echo 0)" = 0 ]
	else
		dmsetup status bench-r | awk '{split($7, r, "/");
			exit !($8 == "idle" && r[1] == r[2] && $6 !~ /[aD]/)}'
	fi
}

# sync_progress WHO: a string that changes while a (re)sync runs.
sync_progress() {
	if [ "$1" = md ]; then
		cat /sys/block/md0/md/sync_action /sys/block/md0/md/sync_completed
	else
		dmsetup status bench-r | awk '{print $6, $7, $8}'
	fi
}

# timed_sync WHO START: wait for sync; prints seconds since START, or
# fails after SYNC_TIMEOUT or when nothing moved for 15 s.
timed_sync() {
	local who=$1 start=$2 t0=$SECONDS p last="" tlast=$SECONDS
	while ! in_sync "$who"; do
		[ $((SECONDS - t0)) -gt $SYNC_TIMEOUT ] && return 1
		p=$(sync_progress "$who")
		if [ "$p" != "$last" ]; then
			last=$p tlast=$SECONDS
		elif [ $((SECONDS - tlast)) -gt 15 ]; then
			log "sync stalled: $p" >&2
			return 1
		fi
		sleep 0.05
	done
	elapsed "$start"
}

# leg_mib WHO: MiB per leg the (re)sync covers.
leg_mib() {
	if [ "$1" = md ]; then
		awk '{printf "%.3f", $1 / 1024}' /sys/block/md0/md/component_size
	else
		echo "$LEG_MB"
	fi
}

rate() { awk -v m="$1" -v s="$2" 'BEGIN {printf "%.2f", m / s}'; }

# md_sync_secs TEXT: seconds between md's "resync/recovery of RAID array"
# and its "... done." after the mark TEXT, from the kernel timestamps: the
# sync alone, without array start-up and status polling.  "?" if unseen.
md_sync_secs() {
	klog_since "$1" | awk '
		/md: (resync|recovery) of RAID array/ && !t0 {
			t0 = substr($0, 2, index($0, "]") - 2) + 0 }
		/md: .*: (resync|recovery) done\./ && t0 {
			printf "%.3f", substr($0, 2, index($0, "]") - 2) - t0; ok = 1; exit }
		END { if (!ok) printf "?" }'
}

# record_sync RUN LEVEL WHO TEST SECS [NOTE]: TEST's rate per leg from the
# wall time SECS (array start and status polling included), and TEST-only
# from md's own start and end lines, which isolates md's sync loop.
record_sync() {
	local run=$1 level=$2 who=$3 test=$4 secs=$5 note=${6:-} ksecs mib
	mib=$(leg_mib "$who")
	ksecs=$(md_sync_secs "$run $level $who $test")
	record "$run" "$level" "$who" "$test" mib_s "$(rate "$mib" "$secs")" \
		"${secs}s${note}, md sync ${ksecs}s"
	case "$ksecs" in
	\?|0.000) ;;
	*) record "$run" "$level" "$who" "$test-only" mib_s "$(rate "$mib" "$ksecs")" "${ksecs}s" ;;
	esac
}

dev_of() { if [ "$1" = md ]; then echo $MD; else echo /dev/mapper/bench-r; fi; }

# ---- fio ----------------------------------------------------------------

# job_args JOB: fio options and the metric (bw_mib or iops).
job_args() {
	case "$1" in
	seqread) echo "bw_mib --rw=read --bs=1M --iodepth=8" ;;
	seqwrite) echo "bw_mib --rw=write --bs=1M --iodepth=8" ;;
	randread1) echo "iops --rw=randread --bs=4k --iodepth=1" ;;
	randread32) echo "iops --rw=randread --bs=4k --iodepth=32" ;;
	randwrite1) echo "iops --rw=randwrite --bs=4k --iodepth=1" ;;
	randwrite32) echo "iops --rw=randwrite --bs=4k --iodepth=32" ;;
	randrw32) echo "iops --rw=randrw --rwmixread=70 --bs=4k --iodepth=32" ;;
	esac
}

# run_fio RUN LEVEL WHO DEV: all $JOBS in one fio process (one job after
# the other, "stonewall"), so fio's start-up, slow under TCG, is paid once.
run_fio() {
	local run=$1 level=$2 who=$3 dev=$4 job spec metric json val args=()
	[ "$JOBS" = none ] && return
	json=$OUT/fio/r$run-$level-$who.json
	for job in $JOBS; do
		spec=$(job_args "$job")
		# shellcheck disable=SC2206
		args+=(--name="$job" --stonewall ${spec#* })
	done
	if ! timeout $(((RUNTIME + RAMP + 20) * $(wc -w <<<"$JOBS") + 60)) \
		fio --filename="$dev" --ioengine=libaio --direct=1 --time_based \
		--runtime="$RUNTIME" --ramp_time="$RAMP" --randrepeat=1 \
		--norandommap --output-format=json --output="$json" \
		"${args[@]}" >/dev/null 2>"$json.err"; then
		for job in $JOBS; do
			spec=$(job_args "$job")
			record "$run" "$level" "$who" "$job" "${spec%% *}" NA \
				"fio failed: $(head -c 200 "$json.err" | tr '\t\n' '  ')"
		done
		return
	fi
	for job in $JOBS; do
		spec=$(job_args "$job")
		metric=${spec%% *}
		if [ "$metric" = bw_mib ]; then
			val=$(jq --arg j "$job" '.jobs[] | select(.jobname == $j) |
				(.read.bw + .write.bw) / 1024' "$json")
		else
			val=$(jq --arg j "$job" '.jobs[] | select(.jobname == $j) |
				.read.iops + .write.iops' "$json")
		fi
		record "$run" "$level" "$who" "$job" "$metric" "$(printf '%.2f' "$val")"
	done
	rm -f "$json.err"
}

# ---- one contestant's life cycle -------------------------------------------

# start_array LEVEL WHO: create (md or dm) and time the initial resync.
start_array() {
	local run=$1 level=$2 who=$3 start secs err created
	klog_mark "$run $level $who resync"
	start=$(now)
	if [ "$who" = md ]; then
		md_create "$level" || { NA_REASON="mdadm --create failed"; return 1; }
	else
		err=$(dm_start "$level" "$who") || { NA_REASON="table refused: $err"; return 1; }
	fi
	# How much of the resync time is the create itself (table load,
	# superblock writes, md run): kept in the note, not in the rate.
	created=$(elapsed "$start")
	[ "$level" = raid0 ] && return 0
	if secs=$(timed_sync "$who" "$start"); then
		record_sync "$run" "$level" "$who" resync "$secs" ", create ${created}s"
	else
		record "$run" "$level" "$who" resync mib_s NA "not in sync (timeout or stalled)"
	fi
}

# rebuild: replace leg 1 by a fresh, zeroed device (brd 4).
bench_rebuild() {
	local run=$1 level=$2 who=$3 start secs
	if [ "$who" = md ]; then
		mdadm $MD --fail /dev/mapper/bench-d1 >/dev/null 2>&1
		mdadm $MD --remove /dev/mapper/bench-d1 >/dev/null 2>&1 || sleep 0.5
		mdadm $MD --remove /dev/mapper/bench-d1 >/dev/null 2>&1
		leg_swap 1 linear /dev/ram4 0
		klog_mark "$run $level $who rebuild"
		start=$(now)
		mdadm $MD --add /dev/mapper/bench-d1 >/dev/null ||
			{ record "$run" "$level" "$who" rebuild mib_s NA "mdadm --add failed"; return; }
	else
		dmsetup remove bench-r || return
		# ram4 was zeroed like every disk: no old superblock on it.
		leg_swap 1 linear /dev/ram4 0
		klog_mark "$run $level $who rebuild"
		start=$(now)
		dm_start "$level" "$who" rebuild 1 >/dev/null ||
			{ record "$run" "$level" "$who" rebuild mib_s NA "rebuild table refused"; return 1; }
	fi
	if secs=$(timed_sync "$who" "$start"); then
		record_sync "$run" "$level" "$who" rebuild "$secs"
	else
		record "$run" "$level" "$who" rebuild mib_s NA "not in sync (timeout or stalled)"
	fi
}

# Unclean stop: random writes running, every leg (data and metadata)
# swapped to the error target at once, so nothing more reaches the disks
# (a power cut); the array is torn down, the legs restored and the array
# started again: md/dm must resync the regions the bitmap marks dirty.
bench_unclean() {
	local run=$1 level=$2 who=$3 dev start secs fpid i saw=0 tab=()
	dev=$(dev_of "$who")
	fio --name=dirty --filename="$dev" --ioengine=libaio --direct=1 \
		--rw=randwrite --bs=4k --iodepth=32 --time_based --runtime=30 \
		--norandommap >/dev/null 2>&1 &
	fpid=$!
	sleep 1.5
	# Remember what each leg maps to, then cut them all at once: I/O
	# queued while suspended fails after the resume with "error".
	for ((i = 0; i < NLEGS; i++)); do
		tab[i]=$(dmsetup table bench-l$i | cut -d' ' -f3-)
	done
	for ((i = 0; i < NLEGS; i++)); do dmsetup suspend --noflush bench-l$i & done
	wait_except "$fpid"
	for ((i = 0; i < NLEGS; i++)); do
		echo "0 $((META_SECT + LEG_SECT)) error" | dmsetup load bench-l$i
	done
	for ((i = 0; i < NLEGS; i++)); do dmsetup resume bench-l$i; done
	wait "$fpid" 2>/dev/null
	if [ "$who" = md ]; then
		timeout 60 mdadm --stop $MD >/dev/null 2>&1
	else
		timeout 60 dmsetup remove bench-r 2>/dev/null ||
			timeout 30 dmsetup remove --force bench-r
	fi
	for ((i = 0; i < NLEGS; i++)); do leg_swap "$i" "${tab[i]}" || return 1; done
	klog_mark "$run $level $who bitmap"
	start=$(now)
	if [ "$who" = md ]; then
		# shellcheck disable=SC2046
		mdadm --assemble $MD $(md_legs) ||
			{ record "$run" "$level" "$who" bitmap mib_s NA "assemble failed"; return 1; }
		echo $RATE_KB >/sys/block/md0/md/sync_speed_max
	else
		dm_start "$level" "$who" >/dev/null ||
			{ record "$run" "$level" "$who" bitmap mib_s NA "reload refused"; return 1; }
	fi
	local loadsecs
	loadsecs=$(elapsed "$start")
	# Did a resync start at all?  (A clean-marked array would skip it.)
	# Until md's thread picks up the dirty bitmap bits the status reads
	# idle and in sync, so wait for the resync md announces in the log.
	local t0=$SECONDS
	while [ $((SECONDS - t0)) -lt 5 ]; do
		in_sync "$who" || { saw=1; break; }
		klog_since "$run $level $who bitmap" |
			grep -q 'md: resync of RAID array' && { saw=1; break; }
		sleep 0.05
	done
	if [ "$who" = md ]; then
		log "md after assemble: $(cat /sys/block/md0/md/sync_action) $(cat /sys/block/md0/md/sync_completed) $(grep -A2 ^md0 /proc/mdstat | tr '\n' ' ')"
	else
		log "dm after reload: $(dmsetup status bench-r)"
	fi
	if secs=$(timed_sync "$who" "$start"); then
		if [ "$saw" = 1 ]; then
			record_sync "$run" "$level" "$who" bitmap "$secs"
		else
			record "$run" "$level" "$who" bitmap mib_s NA "no resync after unclean stop (array start took ${loadsecs}s)"
		fi
	else
		record "$run" "$level" "$who" bitmap mib_s NA "not in sync (timeout or stalled)"
	fi
}

# wait for all background jobs except PID
wait_except() {
	local j
	for j in $(jobs -p); do [ "$j" = "$1" ] || wait "$j"; done
}

contestant() {
	local run=$1 level=$2 who=$3 job dev t0=$SECONDS
	log "=== run $run $level $who"
	level_geom "$level"
	CUR_WHO=$who LEVEL=$level
	if ! fresh_disks || ! log "disks ready"; then
		record "$run" "$level" "$who" setup - NA "disk setup failed"
		return
	fi
	NA_REASON=
	if ! start_array "$run" "$level" "$who"; then
		log "$who $level: $NA_REASON"
		record "$run" "$level" "$who" all - NA "$NA_REASON"
		teardown
		return
	fi
	dev=$(dev_of "$who")
	run_fio "$run" "$level" "$who" "$dev"
	# The policies are compared on I/O and initial resync only.
	case "$level:$who" in
	raid0:*|*:raidx-*) ;;
	*)
		bench_rebuild "$run" "$level" "$who"
		[ "$UNCLEAN" = 1 ] && bench_unclean "$run" "$level" "$who"
		;;
	esac
	teardown
	log "=== run $run $level $who done in $((SECONDS - t0))s"
}

contestants_for() {
	if [ -n "${BENCH_CONTESTANTS:-}" ]; then
		echo "$BENCH_CONTESTANTS"
	elif [ "$1" = raid5 ]; then
		echo "md stock raidx raidx-ppl raidx-jwt raidx-jwb"
	else
		echo "md stock raidx"
	fi
}

main() {
	local run level who list n k i t0=$SECONDS
	log "bench $MODE: levels '$LEVELS' runs $RUNS runtime ${RUNTIME}s ramp ${RAMP}s legs ${LEG_MB}MiB jobs '$JOBS'"
	{
		echo "mode=$MODE"; echo "levels=$LEVELS"; echo "runs=$RUNS"
		echo "runtime=$RUNTIME"; echo "ramp=$RAMP"; echo "leg_mb=$LEG_MB"
		echo "jobs=$JOBS"; echo "unclean=$UNCLEAN"; echo "chunk_kb=$CHUNK_KB"; echo "region_kb=$REGION_KB"
		echo "contestants=${BENCH_CONTESTANTS:-default}"
		echo "kernel=$(uname -r)"; echo "cpus=$(nproc)"
		echo "fio=$(fio --version)"; echo "mdadm=$(mdadm --version 2>&1)"
	} >"$OUT/config"
	load_modules || { log "module load failed"; dmesg >"$OUT/dmesg"; exit 1; }
	for ((run = 1; run <= RUNS; run++)); do
		for level in $LEVELS; do
			read -r -a list <<<"$(contestants_for "$level")"
			n=${#list[@]}
			for ((k = 0; k < n; k++)); do
				i=$(((k + run - 1) % n))
				who=${list[i]}
				contestant "$run" "$level" "$who"
			done
		done
	done
	dmesg >"$OUT/dmesg"
	echo $((SECONDS - t0)) >"$OUT/guest-seconds"
	log "bench done in $((SECONDS - t0))s"
	touch "$OUT/done"
}

main

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tests/host/crash-sigkill.sh.
#
#   sigkill-raid5.sh --load POLICY    create a 4-leg raid5_ls with POLICY
#                                     (resync | ppl | journal) on the virtio
#                                     disks, wait for sync, then write
#                                     numbered batches forever (until the host
#                                     SIGKILLs QEMU), logging every flushed
#                                     batch to /results/acked; /results/go
#                                     once GO_AFTER batches are acknowledged.
#   sigkill-raid5.sh --verify POLICY  activate the same table, wait for
#                                     recovery, check every acknowledged batch,
#                                     run a check, expect mismatch_cnt 0.
#                                     Writes PASS/FAIL to /results/verdict.
#
# Disks: vda,vdb = meta0,data0 ... vdg,vdh = meta3,data3, vdi = journal.
# Content of batch B is blocks B*BLOCKS..B*BLOCKS+BLOCKS-1 (4 KiB each),
# deterministic per (batch, block, line), so nothing needs to be stored.
. "$(dirname "$0")/../lib/common.sh"

MODE=$1
POLICY=$2
CHUNK=64           # sectors
BLOCKS=8           # 4 KiB blocks per batch (32 KiB: partial-stripe writes)
BATCH_BYTES=$((BLOCKS * 4096))
MAXB=${MAXB:-600}  # batches that fit the pattern file; the load stops there
GO_AFTER=${GO_AFTER:-40}
NAME=crash
DEV=/dev/mapper/$NAME

exec >>"/results/guest-${MODE#--}.log" 2>&1
echo "=== $MODE $POLICY $(date +%T)"

off=0
case $POLICY in
resync) params="1 $CHUNK" ;;
ppl) off=2048; params="5 $CHUNK consistency_policy ppl data_offset $off" ;;
journal) params="5 $CHUNK journal_dev /dev/vdi journal_mode writeback" ;;
*) fail "unknown policy $POLICY" ;;
esac
legs=""
for p in a:b c:d e:f g:h; do
	legs+=" /dev/vd${p%:*} /dev/vd${p#*:}"
done
leg_sectors=$(( ($(blockdev --getsz /dev/vdb) - off) / CHUNK * CHUNK ))
sectors=$((leg_sectors * 3))
TABLE="0 $sectors raid raid5_ls $params 4$legs"
[ $((MAXB * BATCH_BYTES / 512)) -le "$sectors" ] || fail "array too small"

# The expected content of batches 0..MAXB-1, in guest RAM.
awk -v maxb="$MAXB" -v blocks="$BLOCKS" 'BEGIN {
	for (b = 0; b < maxb; b++) for (j = 0; j < blocks; j++) for (l = 0; l < 64; l++)
		printf "%-63s\n", sprintf("batch %06d block %02d line %02d", b, j, l)
}' >/tmp/pattern
[ "$(stat -c %s /tmp/pattern)" = $((MAXB * BATCH_BYTES)) ] || fail "pattern generator"

verdict() {
	echo "$*" >/results/verdict
	echo "verdict: $*"
}

# Be fast under TCG: md throttles to speed_limit_min while I/O runs.
load_raidx
echo 200000 >/proc/sys/dev/raid/speed_limit_min
echo "table: $TABLE"

if [ "$MODE" = --load ]; then
	dm_create $NAME "$TABLE"
	wait_sync $NAME 240
	dmsetup status $NAME
	echo "synced $(date +%T); writing"
	exec 3>>/results/acked
	for ((b = 0; b < MAXB; b++)); do
		dd if=/tmp/pattern of=$DEV bs=$BATCH_BYTES skip=$b seek=$b count=1 \
			oflag=direct conv=fsync,notrunc status=none
		echo "$b" >&3 # acknowledged: written O_DIRECT and flushed
		if [ "$b" = $((GO_AFTER - 1)) ]; then touch /results/go; fi
	done
	echo "load ran out of batches ($MAXB) before the kill"
	touch /results/go
	sleep 600
	exit 0
fi

# ---- --verify ----
dm_create $NAME "$TABLE" || { verdict "FAIL: activation refused"; exit 1; }
dmsetup status $NAME
wait_sync $NAME 240 || { verdict "FAIL: no sync"; exit 1; }
echo "recovered $(date +%T): $(dmsetup status $NAME)"

# Acked batches must be 0..M-1, in order.
grep -E '^[0-9]+$' /results/acked >/tmp/acked || true
M=$(wc -l </tmp/acked)
if ! seq 0 $((M - 1)) | cmp -s - /tmp/acked; then
	verdict "FAIL: acked log is not 0..$((M - 1))"
	exit 1
fi
echo "acked batches: $M"
[ "$M" -ge "$GO_AFTER" ] || { verdict "FAIL: only $M batches acked"; exit 1; }
if ! dd if=$DEV bs=$BATCH_BYTES count="$M" iflag=direct status=none |
	cmp - <(head -c $((M * BATCH_BYTES)) /tmp/pattern) >/tmp/cmp.out 2>&1; then
	cat /tmp/cmp.out
	byte=$(grep -o 'byte [0-9]*' /tmp/cmp.out | awk '{print $2}')
	b=$(( (${byte:-1} - 1) / BATCH_BYTES ))
	dd if=$DEV bs=4096 skip=$(( (${byte:-1} - 1) / 4096 )) count=1 iflag=direct status=none |
		head -c 128 | od -c | head -5
	verdict "FAIL: acknowledged data lost/corrupt (first difference in batch $b of $M)"
	exit 1
fi
echo "all $M acknowledged batches read back exactly"

dmsetup message $NAME 0 check
sleep 1
wait_sync $NAME 240 || { verdict "FAIL: check did not finish"; exit 1; }
st=$(dmsetup status $NAME)
echo "after check: $st"
mm=$(raid_field $NAME 9)
if [ "$mm" != 0 ]; then
	verdict "FAIL: mismatch_cnt $mm after check ($M batches ok)"
	exit 1
fi
dm_remove $NAME
dmesg >/results/dmesg-verify
if ! grep -q 'data-check done' /results/dmesg-verify; then
	verdict "FAIL: the check never ran to completion (no 'data-check done' in dmesg)"
	exit 1
fi
if grep -Eq 'WARNING:|BUG:|Oops|general protection|UBSAN|KASAN|hung_task|INFO: task' /results/dmesg-verify; then
	verdict "FAIL: kernel log has a warning (see dmesg-verify)"
	exit 1
fi
verdict "PASS: $M acked batches intact, mismatch_cnt 0"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The `make demo` walk-through, run inside the test guest by
# scripts/demo.sh: a 4-leg raid5 through dm-raidx, one leg failed with the
# error target, data still readable.  Every command is echoed before it
# runs.  DEMO_TARGET=stock uses the kernel's own dm-raid instead.
#
# Output goes to stdout; scripts/demo.sh shows it live from /results.
. "$(dirname "$0")/../tests/lib/common.sh"

LEGS=4
LEG_MB=32           # data device per leg
CHUNK=128           # sectors (64 KiB)
REGION=2048         # sectors (1 MiB) per bitmap region
DATA_MB=16          # how much we write and check

say() { printf '\n### %s\n' "$*"; }

# Like run, but shows the table for dmsetup create/load readably.
show_status() { run dmsetup status demo-r5; }

say "1. Load the target (${DEMO_TARGET:-raidx})"
run modprobe -a dm-mod md-mod raid456
if [ "${DEMO_TARGET:-}" = stock ]; then
	run modprobe dm-raid
else
	[ -f "$RAIDX_KO" ] || fail "$RAIDX_KO not built: run 'make module'"
	run insmod "$RAIDX_KO"
	on_cleanup rmmod dm_raidx
fi
run dmsetup targets

say "2. Make $LEGS legs: 4 MiB metadata + $LEG_MB MiB data loop devices"
make_legs "$LEGS" "$LEG_MB" >/dev/null
for ((i = 0; i < LEGS; i++)); do
	echo "leg $i: meta ${LEG_META[i]} data ${LEG_DATA[i]}"
done

say "3. Wrap each data device in dm-linear so we can fail it later"
for ((i = 0; i < LEGS; i++)); do
	sz=$(dev_sectors "${LEG_DATA[i]}")
	run dmsetup create "demo-d$i" --table "0 $sz linear ${LEG_DATA[i]} 0"
	on_cleanup dm_remove "demo-d$i"
done

say "4. Create the raid5 (raid5_ls) array"
leg_sectors=$(dev_sectors /dev/mapper/demo-d0)
# Usable size: (legs - 1) data legs, rounded down to whole chunks.
sectors=$(( (LEGS - 1) * (leg_sectors / CHUNK * CHUNK) ))
devs=""
for ((i = 0; i < LEGS; i++)); do devs+=" ${LEG_META[i]} /dev/mapper/demo-d$i"; done
table="0 $sectors raid raid5_ls 3 $CHUNK region_size $REGION $LEGS$devs"
run dmsetup create demo-r5 --table "$table"
on_cleanup dm_remove demo-r5
run dmsetup table demo-r5
show_status

say "5. Write $DATA_MB MiB of random data and remember its sha256"
run dd if=/dev/urandom of="$TEST_TMP/data.bin" bs=1M count="$DATA_MB" status=none
run sha256sum "$TEST_TMP/data.bin"
want=$(sha256sum <"$TEST_TMP/data.bin" | cut -d' ' -f1)
run dd if="$TEST_TMP/data.bin" of=/dev/mapper/demo-r5 bs=1M oflag=direct status=none

say "6. Wait for the initial resync"
while :; do
	show_status
	action=$(raid_field demo-r5 8)
	ratio=$(raid_field demo-r5 7)
	[ "$action" = idle ] && [ "${ratio%/*}" = "${ratio#*/}" ] && break
	sleep 2
done

say "7. Fail leg 2: its data device now returns I/O errors"
sz=$(dev_sectors /dev/mapper/demo-d2)
run dmsetup load demo-d2 --table "0 $sz error"
run dmsetup resume demo-d2
run dmsetup table demo-d2

say "8. Read the data back (O_DIRECT, so it really comes from the array)"
run dd if=/dev/mapper/demo-r5 of="$TEST_TMP/back.bin" bs=1M count="$DATA_MB" \
	iflag=direct status=none
run sha256sum "$TEST_TMP/back.bin"
got=$(sha256sum <"$TEST_TMP/back.bin" | cut -d' ' -f1)
# md marks the leg faulty when a read error cannot be rewritten; a write
# makes sure it has noticed (and tries the failed leg).
run dd if="$TEST_TMP/data.bin" of=/dev/mapper/demo-r5 bs=1M count=1 oflag=direct status=none
for _ in $(seq 1 20); do
	[[ $(raid_health demo-r5) == *D* ]] && break
	sleep 0.5
done
show_status
health=$(raid_health demo-r5)
[[ $health == *D* ]] || fail "health '$health' shows no dead leg"
assert_eq "$got" "$want" "sha256 after failing a leg"
echo "health $health: leg 2 is dead, data is intact (sha256 $got)"

say "9. Remove everything"
run dmsetup remove demo-r5
for ((i = 0; i < LEGS; i++)); do run dmsetup remove "demo-d$i"; done
for ((i = 0; i < LEGS; i++)); do run losetup -d "${LEG_META[i]}" "${LEG_DATA[i]}"; done
if [ "${DEMO_TARGET:-}" != stock ]; then run rmmod dm_raidx; fi
# Everything above is gone; the cleanups registered earlier are no-ops.
_CLEANUPS=()
run dmsetup ls
echo
echo "demo: OK"

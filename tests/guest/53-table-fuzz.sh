#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Table and message fuzzer on dm-raidx (loaded as "raid"), short run
# (driver: tests/fuzz/table-fuzz.py; long run: make fuzz-guest).  Random
# valid tables of every level, layout and policy (resync, ppl, journal;
# region_size, stripe_cache, rebuild, [no]sync, write_mostly, missing
# legs, data_offset) on small loop legs, and mutations of them (dropped,
# duplicated, swapped words, bad and extreme values, wrong counts, words
# of another level, unknown words, missing paths, legs given twice): a
# refused table leaves a kernel message naming the reason and no dm
# device, md device, holder or md thread behind; an accepted one reads
# back a pattern and leaves nothing behind after removal.  Then raid1,
# raid5 resync, raid5 ppl and raid5 journal arrays under a writer and
# during resync get random messages, same-table reloads and harmless
# table changes: data written before reads back, check finds 0
# mismatches, nothing is left behind.  Seeded: a fixed seed here, so a
# failure in make check replays (make fuzz-guest draws new ones);
# FUZZ_SEED replays a run, FUZZ_CASES and FUZZ_SECONDS bound it
# (defaults 3000 cases, 240 s).
# timeout: 600
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat.sh"

FUZZ_SEED=${FUZZ_SEED:-20261130}
FUZZ_CASES=${FUZZ_CASES:-3000}
FUZZ_SECONDS=${FUZZ_SECONDS:-240}
echo "53-table-fuzz: seed $FUZZ_SEED, at most $FUZZ_CASES table cases," \
	"$FUZZ_SECONDS s (replay: FUZZ_SEED=$FUZZ_SEED)"

raidx_as_raid

# Table phase: 6 legs of 4 MiB metadata + 8 MiB data, a journal, a leg
# too small for anything.  Message phase: 4 legs of 64 MiB, a journal.
METAS="" DATAS="" MMETAS="" MDATAS=""
for i in 0 1 2 3 4 5; do
	new_loop m "$TEST_TMP/tmeta$i" 4
	new_loop d "$TEST_TMP/tdata$i" 8
	METAS+=" $m" DATAS+=" $d"
done
new_loop TJOURNAL "$TEST_TMP/tjournal" 8
new_loop SMALL "$TEST_TMP/small" 1
for i in 0 1 2 3; do
	new_loop m "$TEST_TMP/mmeta$i" 4
	new_loop d "$TEST_TMP/mdata$i" 64
	MMETAS+=" $m" MDATAS+=" $d"
done
new_loop MJOURNAL "$TEST_TMP/mjournal" 16

# The driver removes every device it creates; this is for a kill.
on_cleanup eval 'for d in $(dmsetup ls | awk "/^fz/ {print \$1}"); do dmsetup resume $d; dmsetup remove $d; done'

rc=0
/usr/bin/python3 "$TOP/tests/fuzz/table-fuzz.py" --seed "$FUZZ_SEED" \
	--cases "$FUZZ_CASES" --seconds "$FUZZ_SECONDS" \
	${FUZZ_ONLY:+--only "$FUZZ_ONLY"} ${FUZZ_PHASE:+--phase "$FUZZ_PHASE"} \
	--metas "$METAS" --datas "$DATAS" --journal "$TJOURNAL" --small "$SMALL" \
	--msg-metas "$MMETAS" --msg-datas "$MDATAS" --msg-journal "$MJOURNAL" ||
	rc=$?
[ "$rc" = 0 ] || fail "table fuzzer found defects (exit $rc), seed $FUZZ_SEED: see DEFECT lines above"
echo "53-table-fuzz: seed $FUZZ_SEED: every case passed"

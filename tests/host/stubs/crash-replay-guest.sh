#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stand-in for tests/run-guest.sh in tests/host/crash-replay-driver.sh:
# writes the log a replay-case run would leave, per case.  The stock
# writeback journal fails 3 points; raid6 resync gives no verdict.
mkdir -p "$GUEST_RESULTS/replay-case"
L=$GUEST_RESULTS/replay-case/log
if [ "$REPLAY_TARGET" = stock ] && [ "$REPLAY_JOURNAL_MODE" = writeback ]; then
  { echo "crash-replay-failure: point 12: verify exit 4 (full)"; echo "crash-replay-failure: point 40: verify exit 4 (without leg 1)"; echo "crash-replay-failure: point 41: mismatch_cnt 8";
    echo "crash-replay: stock $REPLAY_LEVEL journal: 50 of 300 points checked, 47 full ok, 40 degraded ok, 0 degraded refused (dirty), 3 failed"; } > $L; exit 1
fi
[ "$REPLAY_POLICY" = resync ] && [ "$REPLAY_LEVEL" = raid6_zr ] && { echo "FAIL: boom" > $L; exit 1; }
echo "crash-replay: $REPLAY_TARGET $REPLAY_LEVEL $REPLAY_POLICY: 50 of 300 points checked, 50 full ok, 40 degraded ok, 10 degraded refused (dirty), 0 failed" > $L

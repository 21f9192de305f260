#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Crash replay inside `make check` (issue 14), small: the guest path of
# `make crash-replay` (tests/crash/replay/replay-case.sh) on one case that
# crosses policies: a raid5 created with policy resync is switched to ppl
# by message while the checksummed workload writes through dm-log-writes;
# about 10 replay points before, across and after the switch are
# assembled with all legs (verify, recovery, check 0) and with one leg
# missing (verify; a dirty degraded resync-era start refused is counted,
# not failed).  The full and short runs (`make crash-replay`,
# `make crash-replay-short`, 50 to 1000+ points per case) stay outside
# `make check`: under TCG a point costs about 5 s.
# The tools are built on the host (scripts/check.sh: make -C
# tests/crash/replay).
# timeout: 900
set -euo pipefail
R=$(cd "$(dirname "$0")/../crash/replay" && pwd)
export REPLAY_POLICY=switch
export REPLAY_WRITES=${REPLAY_WRITES:-240}
export REPLAY_CHECK_MAX=${REPLAY_CHECK_MAX:-10}
export REPLAY_LOG_MB=${REPLAY_LOG_MB:-128}
exec bash "$R/replay-case.sh"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: scripts/crash-replay-saved.sh CASE.tar.xz POINT POLICY
#
# Check one saved crash-replay point again (issue 14): unpack a case saved
# by tests/crash/replay/replay-case.sh (base image, log, record; made with
# `tar cJf` from its case-<policy>/ directory) into build/crash-replay/saved/
# and run that point alone in the guest.  Exit 0 if the point passes.
#   scripts/crash-replay-saved.sh tests/crash/replay/cases/switch-p103.tar.xz 103 switch
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# = 3 ] || { sed -n '4,10p' "$0" >&2; exit 2; }
OUT=$TOP/build/crash-replay/saved
rm -rf "$OUT"
mkdir -p "$OUT"
tar -C "$OUT" -xJf "$1"
make -s -C "$TOP" module
make -s -C "$TOP/tests/crash/replay"
export REPLAY_FROM=$OUT/case-$3 REPLAY_ONLY=$2 REPLAY_POLICY=$3
export REPLAY_LOG_MB=$(( $(stat -c %s "$REPLAY_FROM/log.img") >> 20 ))
export REPLAY_OUT=/results/crash-replay
GUEST_ENV_VARS="REPLAY_FROM REPLAY_ONLY REPLAY_POLICY REPLAY_LOG_MB REPLAY_OUT" \
	GUEST_RESULTS=$OUT/results \
	bash "$TOP/tests/run-guest.sh" "$TOP/tests/crash/replay/replay-case.sh"

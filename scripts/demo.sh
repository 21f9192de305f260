#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: scripts/demo.sh          (make demo)
#        DEMO_TARGET=stock scripts/demo.sh   same with the kernel's dm-raid
#
# Boots the test guest and runs guest/demo-guest.sh there, showing its
# output live.  Exits with the demo's status.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export TOP
export GUEST_RESULTS=${GUEST_RESULTS:-$TOP/build/demo-results}
export GUEST_ENV_VARS="DEMO_TARGET"
export DEMO_TARGET=${DEMO_TARGET:-raidx}
# shellcheck source=tests/lib/qemu.sh
. "$TOP/tests/lib/qemu.sh"

# The guest-side wrapper keeps the demo's output and status in /results.
rm -rf "$GUEST_RESULTS"
mkdir -p "$GUEST_RESULTS"
cat >"$GUEST_RESULTS/run-demo.sh" <<'EOF'
bash "$TOP/guest/demo-guest.sh" >/results/demo.log 2>&1
echo $? >/results/demo.rc
EOF

echo "demo: booting the guest ($DEMO_TARGET target)..."
guest_start "$GUEST_RESULTS/run-demo.sh" 600
# Show the log while the guest runs; tail stops when QEMU exits.
touch "$GUEST_RESULTS/demo.log"
tail -n +1 -f --pid="$QEMU_PID" "$GUEST_RESULTS/demo.log" || true
guest_wait || true

rc=$(cat "$GUEST_RESULTS/demo.rc" 2>/dev/null || echo 1)
if [ "$rc" != 0 ]; then
	echo "demo: FAILED (status $rc); guest console: $GUEST_RESULTS/console.log" >&2
	tail -n 20 "$GUEST_RESULTS/console.log" >&2 || true
fi
exit "$rc"

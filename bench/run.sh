#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: bench/run.sh [--quick|--full] [--report-only DIR]
#
# Host side of `make bench` / `make bench-quick`: boots one QEMU guest
# (tests/lib/qemu.sh) that runs bench/guest-bench.sh, then turns its
# results into bench/results/<mode>-{raw.csv,ratios.csv,ratios.md,ratios.png}
# with bench/report.py.  See doc/bench.md.
#
# Environment: BENCH_RESULTS (guest results dir, default
# build/bench-results-<mode>), BENCH_OUT (report dir, default
# bench/results), GUEST_MEM (default 4096 here), and the
# BENCH_* overrides guest-bench.sh documents.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export TOP
MODE=quick
REPORT_ONLY=
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) MODE=quick ;;
	--full) MODE=full ;;
	--report-only) REPORT_ONLY=$2; shift ;;
	-h|--help) sed -n '3,14p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

# A development A/B writes its report elsewhere (BENCH_OUT), not over
# the committed results.
OUTDIR=${BENCH_OUT:-$TOP/bench/results}
mkdir -p "$OUTDIR"

report() {
	python3 "$TOP/bench/report.py" --mode "$MODE" --in "$1" --out "$OUTDIR"
}

if [ -n "$REPORT_ONLY" ]; then
	report "$REPORT_ONLY"
	exit 0
fi

command -v gnuplot >/dev/null ||
	echo "run.sh: gnuplot missing (install gnuplot-nox): no PNG" >&2
[ -f "$TOP/dm-target/dm-raidx.ko" ] ||
	{ echo "run.sh: dm-target/dm-raidx.ko not built: make module" >&2; exit 1; }

# Our own results dir: other guests (make check, demo) may run at once.
export GUEST_RESULTS=${BENCH_RESULTS:-$TOP/build/bench-results-$MODE}
export GUEST_MEM=${GUEST_MEM:-4096}
export GUEST_ENV_VARS="${GUEST_ENV_VARS:-} BENCH_LEVELS BENCH_RUNS BENCH_RUNTIME BENCH_RAMP BENCH_JOBS BENCH_LEG_MB BENCH_CONTESTANTS BENCH_UNCLEAN"
# shellcheck source=tests/lib/qemu.sh
. "$TOP/tests/lib/qemu.sh"

case "$MODE" in
quick) TIMEOUT=${BENCH_TIMEOUT:-1800} ;;
full) TIMEOUT=${BENCH_TIMEOUT:-10800} ;;
esac

rm -rf "$GUEST_RESULTS"
mkdir -p "$GUEST_RESULTS"
GUEST_ARGS=("$MODE" /results)
start=$SECONDS
echo "bench: $MODE run in a QEMU guest, results in $GUEST_RESULTS" \
	"(progress: tail -f $GUEST_RESULTS/guest.log)"
guest_boot "$TOP/bench/guest-bench.sh" "$TIMEOUT" || true
secs=$((SECONDS - start))
echo "bench: guest ran ${secs}s ($(guest_pick_accel))"
echo "$secs" >"$GUEST_RESULTS/wall-seconds"
if [ ! -f "$GUEST_RESULTS/done" ]; then
	echo "bench: guest did not finish; last log lines:" >&2
	tail -n 20 "$GUEST_RESULTS/guest.log" >&2 2>/dev/null ||
		tail -n 20 "$GUEST_RESULTS/console.log" >&2
	[ -s "$GUEST_RESULTS/results.tsv" ] || exit 1
	echo "bench: reporting the partial results" >&2
fi
report "$GUEST_RESULTS"
# Kernel complaints during the run (a benchmark is no test, but say so).
if grep -qE 'WARNING:|BUG:|Oops|blocked for more than' "$GUEST_RESULTS/console.log" 2>/dev/null; then
	echo "bench: the guest kernel logged warnings (see $GUEST_RESULTS/console.log):" >&2
	grep -E -A12 'WARNING:|BUG:|Oops|blocked for more than' "$GUEST_RESULTS/console.log" |
		grep -E 'WARNING:|BUG:|Oops|blocked|\[dm_raidx\]|bench-start' | head -n 20 >&2
fi

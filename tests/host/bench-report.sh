#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/report.py and bench/pool.py on made-up results with known ratios:
# paired medians, the slower-than-3 % flags, columns only for contestants
# that ran, the "md sync alone" rows, n/a reasons, the pooled geometric
# mean.  The benchmark itself needs a guest and minutes; its arithmetic
# does not.  Last line: "N passed, N failed".
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=tests/lib/host-check.sh
. "$TOP/tests/lib/host-check.sh"

# Three runs of raid5: raidx is half as fast as stock on seqwrite in every
# run and as fast as md; stock is twice md.  Resync: raidx 20, stock 20,
# md 25 (raidx/md 0.80); its md-alone row 30 vs 30.  One NA rebuild.
mk_results() {
	local dir=$1 r
	mkdir -p "$dir"
	printf 'mode=quick\nruns=3\nruntime=2\nramp=0\nleg_mb=32\nkernel=test\ncpus=2\nchunk_kb=64\nregion_kb=4096\n' \
		>"$dir/config"
	: >"$dir/results.tsv"
	for r in 1 2 3; do
		printf '%s\traid5\t%s\tseqwrite\tbw_mib\t%s\t\n' \
			"$r" md 100 "$r" stock 200 "$r" raidx 100
		printf '%s\traid5\t%s\tresync\tmib_s\t%s\t1.0s\n' \
			"$r" md 25 "$r" stock 20 "$r" raidx 20
		printf '%s\traid5\t%s\tresync-only\tmib_s\t%s\t1.0s\n' \
			"$r" md 30 "$r" stock 30 "$r" raidx 30
		# a policy contestant runs the I/O only, no rebuild
		printf '%s\traid5\traidx-ppl\tseqwrite\tbw_mib\t50\t\n' "$r"
		printf '%s\traid5\t%s\trebuild\tmib_s\t%s\t1.0s\n' \
			"$r" stock 40 "$r" raidx 40
	done >>"$dir/results.tsv"
	printf '1\traid5\traidx\trebuild\tmib_s\tNA\tnot in sync (timeout or stalled)\n' \
		>>"$dir/results.tsv"
}

mk_results "$TMP/in"
python3 "$TOP/bench/report.py" --mode quick --in "$TMP/in" --out "$TMP/out" \
	>"$TMP/report.log" 2>&1
check "report.py exits 0" test $? = 0
MDT=$TMP/out/quick-ratios.md
check "ratio table written" test -s "$MDT"
check "seq write raidx/stock 0.50, flagged" has "$MDT" "**0.50 (0.50-0.50)**"
check "seq write raidx/md 1.00" has "$MDT" "| raid5 | seq write 1M | 1.00 (1.00-1.00) |"
check "stock/md column" has "$MDT" "| raidx/md | raidx/stock | stock/md |"
check "stock/md seq write 2.00" has "$MDT" "| 2.00 (2.00-2.00) |"
check "resync raidx/md 0.80 listed as slower" has "$MDT" "- raid5 initial resync: raidx/md 0.80 (0.80-0.80)"
check "md-sync-alone row labelled" has "$MDT" "| raid5 | initial resync, md sync alone | 1.00 (1.00-1.00) |"
check "policy column: seq write ppl/resync 0.50" has "$MDT" "| 0.50 (0.50-0.50) |"
check "policy column blank where the policy did not run" has "$MDT" "| raid5 | rebuild 1 leg | n/a | 1.00 (1.00-1.00) | n/a |  |"
check "NA reason kept" has "$MDT" "- raid5 raidx rebuild: not in sync (timeout or stalled)"
check "ratios csv has the pairs" has "$TMP/out/quick-ratios.csv" "raid5,seqwrite,bw_mib,raidx/stock,3,0.500"
if command -v gnuplot >/dev/null; then
	check "plot written" test -s "$TMP/out/quick-ratios.png"
fi

# Without md in the run there is no raidx/md or stock/md column.
grep -vP '\tmd\t' "$TMP/in/results.tsv" >"$TMP/nomd.tsv"
mkdir -p "$TMP/in2"
cp "$TMP/in/config" "$TMP/in2/"
cp "$TMP/nomd.tsv" "$TMP/in2/results.tsv"
python3 "$TOP/bench/report.py" --mode quick --in "$TMP/in2" --out "$TMP/out2" \
	>"$TMP/report2.log" 2>&1
check "no md: only the raidx/stock column" has "$TMP/out2/quick-ratios.md" "| level | test | raidx/stock |"
check "no md: no raidx/md n/a cells" lacks "$TMP/out2/quick-ratios.md" "raidx/md"

# pool.py over two copies: same geometric means, twice the count.
python3 "$TOP/bench/pool.py" "$TMP/in/results.tsv" "$TMP/in/results.tsv" \
	>"$TMP/pool.txt" 2>&1
check "pool.py exits 0" test $? = 0
check "pooled raidx/stock seqwrite 0.500 over 6" \
	grep -qE '^raidx/stock +seqwrite +6 +0\.500 ' "$TMP/pool.txt"
check "pooled raidx/md resync 0.800" \
	grep -qE '^raidx/md +resync +6 +0\.800 ' "$TMP/pool.txt"
python3 "$TOP/bench/pool.py" >/dev/null 2>&1
check "pool.py without files: usage, exit 2" test $? = 2

host_check_summary

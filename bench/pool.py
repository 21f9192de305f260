#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Pool paired ratios over several bench runs.

    bench/pool.py RAW [RAW...]

RAW: a results.tsv of a guest run or a <mode>-raw.csv of bench/results.
For each comparison (raidx/stock, raidx/md, stock/md) and test, the
ratios of the same run, level and test from every file are pooled and
printed as their geometric mean with an approximate 95 % interval
(mean of the logs +- 2 standard errors) and the count.  One bench run
of 3-10 rounds under emulation rarely separates a few percent; this is
how the A/B runs in doc/bench.md were summed up.
"""
import csv
import math
import statistics
import sys

PAIRS = [("raidx", "stock"), ("raidx", "md"), ("stock", "md")]


def load(path):
    """{(run, level, contestant, test): value} of one file."""
    vals = {}
    with open(path, newline="") as f:
        if path.endswith(".csv"):
            rows = csv.reader(f)
            next(rows, None)
        else:
            rows = csv.reader(f, delimiter="\t")
        for row in rows:
            if len(row) < 6 or row[5] in ("NA", ""):
                continue
            try:
                vals[(int(row[0]), row[1], row[2], row[3])] = float(row[5])
            except ValueError:
                continue
    return vals


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) > 1 else 2
    ratios = {}
    for path in sys.argv[1:]:
        vals = load(path)
        for (run, level, who, test), v in vals.items():
            for num, den in PAIRS:
                if who != num:
                    continue
                d = vals.get((run, level, den, test))
                if d and v > 0:
                    ratios.setdefault((f"{num}/{den}", test), []).append(
                        v / d)
    print("comparison   test                n   geo-mean  ~95% interval")
    for (label, test), rs in sorted(ratios.items()):
        logs = [math.log(r) for r in rs]
        mean = statistics.mean(logs)
        se = (statistics.stdev(logs) / math.sqrt(len(logs))
              if len(logs) > 1 else float("nan"))
        print(f"{label:12s} {test:18s} {len(rs):3d}   {math.exp(mean):.3f}"
              f"     {math.exp(mean - 2 * se):.3f}-{math.exp(mean + 2 * se):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

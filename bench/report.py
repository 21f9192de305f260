#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn bench/guest-bench.sh results into ratio tables and a plot.

Usage: report.py --mode quick|full --in GUEST_RESULTS_DIR --out bench/results

Reads IN/results.tsv (run level contestant test metric value note) and
IN/config, writes to OUT:

  <mode>-raw.csv      every measurement (one row per run)
  <mode>-summary.csv  median / min / max per level, contestant, test
  <mode>-ratios.csv   paired ratios (same run, same level, same test):
                      raidx/md, raidx/stock and each raid5 policy / raidx
                      (resync policy), median, min, max, q1, q3, n
  <mode>-ratios.md    the same as a markdown table (+ flagged slowdowns)
  <mode>-ratios.png   gnuplot bar chart of the median ratios with min-max
                      error bars (if gnuplot is installed)

All metrics are "higher is better" (MiB/s or IOPS), so a ratio above 1
means the first contestant is faster.  Ratios are formed per run because
the contestants of one run ran back to back (round-robin), so slow drift
of the emulated guest cancels out.
"""
import argparse
import csv
import datetime
import math
import os
import shutil
import statistics
import subprocess
import sys
from collections import defaultdict

COMPARISONS = [
    ("raidx", "md", "raidx/md"),
    ("raidx", "stock", "raidx/stock"),
    ("stock", "md", "stock/md"),
    ("raidx-ppl", "raidx", "ppl/resync"),
    ("raidx-jwt", "raidx", "journal-wt/resync"),
    ("raidx-jwb", "raidx", "journal-wb/resync"),
]
TEST_ORDER = ["seqread", "seqwrite", "randread1", "randread32",
              "randwrite1", "randwrite32", "randrw32",
              "resync", "resync-only", "rebuild", "rebuild-only",
              "bitmap", "bitmap-only"]
LEVEL_ORDER = ["raid0", "raid1", "raid5", "raid6", "raid10"]
TEST_LABEL = {
    "seqread": "seq read 1M", "seqwrite": "seq write 1M",
    "randread1": "rand read 4k qd1", "randread32": "rand read 4k qd32",
    "randwrite1": "rand write 4k qd1", "randwrite32": "rand write 4k qd32",
    "randrw32": "randrw 70/30 4k qd32", "resync": "initial resync",
    "rebuild": "rebuild 1 leg", "bitmap": "bitmap resync (unclean)",
    "resync-only": "initial resync, md sync alone",
    "rebuild-only": "rebuild 1 leg, md sync alone",
    "bitmap-only": "bitmap resync, md sync alone",
}
SLOW = 0.97   # flag raidx slower than md/stock by more than 3 %


def order_key(level, test):
    lv = LEVEL_ORDER.index(level) if level in LEVEL_ORDER else 99
    ts = TEST_ORDER.index(test) if test in TEST_ORDER else 99
    return (lv, ts, level, test)


def read_config(path):
    cfg = {}
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                cfg[k] = v
    except OSError:
        pass
    return cfg


def spread(vals):
    """median, min, max, q1, q3 of a non-empty list."""
    vals = sorted(vals)
    med = statistics.median(vals)
    if len(vals) >= 2:
        q1, _, q3 = statistics.quantiles(vals, n=4, method="inclusive")
    else:
        q1 = q3 = vals[0]
    return med, vals[0], vals[-1], q1, q3


def fmt(x, nd=2):
    return "" if x is None else f"{x:.{nd}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="quick")
    ap.add_argument("--in", dest="indir", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    cfg = read_config(os.path.join(a.indir, "config"))
    rows = []
    with open(os.path.join(a.indir, "results.tsv")) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 6:
                continue
            run, level, who, test, metric, value = p[:6]
            note = p[6] if len(p) > 6 else ""
            rows.append(dict(run=int(run), level=level, who=who, test=test,
                             metric=metric, value=value, note=note))
    if not rows:
        sys.exit("report.py: no results")
    os.makedirs(a.out, exist_ok=True)
    pre = os.path.join(a.out, a.mode)

    # value[(level, who, test)][run] = float; na notes kept for the table
    value = defaultdict(dict)
    metric_of = {}
    na = defaultdict(set)          # (level, who) -> reasons for whole NA
    na_test = defaultdict(set)     # (level, who, test) -> reasons
    for r in rows:
        if r["value"] == "NA":
            if r["test"] in ("all", "setup"):
                na[(r["level"], r["who"])].add(r["note"])
            else:
                na_test[(r["level"], r["who"], r["test"])].add(r["note"])
            continue
        value[(r["level"], r["who"], r["test"])][r["run"]] = float(r["value"])
        metric_of[(r["level"], r["test"])] = r["metric"]

    with open(pre + "-raw.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["run", "level", "contestant", "test", "metric", "value",
                    "note"])
        for r in rows:
            w.writerow([r["run"], r["level"], r["who"], r["test"],
                        r["metric"], r["value"], r["note"]])

    with open(pre + "-summary.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["level", "contestant", "test", "metric", "n", "median",
                    "min", "max"])
        for (level, who, test) in sorted(
                value, key=lambda k: order_key(k[0], k[2]) + (k[1],)):
            v = list(value[(level, who, test)].values())
            med, lo, hi, _, _ = spread(v)
            w.writerow([level, who, test, metric_of[(level, test)], len(v),
                        fmt(med), fmt(lo), fmt(hi)])

    # Paired ratios.
    cases = sorted({(k[0], k[2]) for k in value}
                   | {(k[0], k[2]) for k in na_test},
                   key=lambda k: order_key(*k))
    ran = {k[:2] for k in value} | {k[:2] for k in na_test} | set(na)
    ratios = {}   # (level, test, label) -> (med, lo, hi, q1, q3, n) | str
    for level, test in cases:
        for num, den, label in COMPARISONS:
            # A cell when the numerator ran this test and the reference
            # ran at this level at all (else its whole column goes).
            num_ran = ((level, num) in na or (level, num, test) in value
                       or (level, num, test) in na_test)
            if not (num_ran and (level, den) in ran):
                continue
            if (level, num) in na:
                ratios[(level, test, label)] = "n/a"
                continue
            a_ = value.get((level, num, test), {})
            b_ = value.get((level, den, test), {})
            pairs = [a_[r] / b_[r] for r in a_ if r in b_ and b_[r] > 0]
            if not pairs:
                ratios[(level, test, label)] = "n/a"
                continue
            ratios[(level, test, label)] = spread(pairs) + (len(pairs),)

    with open(pre + "-ratios.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["level", "test", "metric", "comparison", "n",
                    "median", "min", "max", "q1", "q3"])
        for (level, test, label), v in ratios.items():
            m = metric_of.get((level, test), "")
            if isinstance(v, str):
                w.writerow([level, test, m, label, 0, "NA", "", "", "", ""])
            else:
                med, lo, hi, q1, q3, n = v
                w.writerow([level, test, m, label, n, fmt(med, 3),
                            fmt(lo, 3), fmt(hi, 3), fmt(q1, 3), fmt(q3, 3)])

    labels = [c[2] for c in COMPARISONS
              if any(k[2] == c[2] for k in ratios)]
    wall = ""
    try:
        with open(os.path.join(a.indir, "wall-seconds")) as f:
            wall = f.read().strip()
    except OSError:
        pass

    md = []
    md.append(f"# dm-raidx benchmark ({a.mode})\n")
    md.append(
        f"Generated {datetime.datetime.now():%Y-%m-%d %H:%M} by "
        f"`make bench{'-quick' if a.mode == 'quick' else ''}`; "
        f"kernel {cfg.get('kernel', '?')}, {cfg.get('cpus', '?')} vCPUs, "
        f"QEMU **TCG emulation** (no KVM): absolute figures are meaningless, "
        f"only the ratios carry.  {cfg.get('runs', '?')} runs per contestant, "
        f"round-robin; fio {cfg.get('runtime', '?')} s per job "
        f"(ramp {cfg.get('ramp', '?')} s), legs {cfg.get('leg_mb', '?')} MiB "
        f"on brd, chunk {cfg.get('chunk_kb', '?')} KiB, bitmap region "
        f"{cfg.get('region_kb', '?')} KiB"
        + (f"; whole run {wall} s wall clock" if wall else "") + ".\n")
    md.append("Each cell: median of the per-run ratios (min-max).  "
              "Above 1: the first named is faster.  I/O in MiB/s (seq) or "
              "IOPS (random); resync, rebuild, bitmap in MiB/s per leg, "
              "timed from the array's start (create, activation) to in "
              "sync; \"md sync alone\" from md's own start and done lines "
              "in the kernel log.\n")
    md.append("| level | test | " + " | ".join(labels) + " |")
    md.append("|---|---|" + "---|" * len(labels))
    flagged = []
    for level, test in cases:
        cells = []
        for label in labels:
            v = ratios.get((level, test, label))
            if v is None:
                cells.append("")
            elif isinstance(v, str):
                cells.append("n/a")
            else:
                med, lo, hi, _, _, n = v
                cell = f"{med:.2f} ({lo:.2f}-{hi:.2f})"
                if label in ("raidx/md", "raidx/stock") and med < SLOW:
                    cell = f"**{cell}**"
                    flagged.append((level, test, label, med, lo, hi))
                cells.append(cell)
        md.append(f"| {level} | {TEST_LABEL.get(test, test)} | "
                  + " | ".join(cells) + " |")
    md.append("")
    if flagged:
        md.append("dm-raidx slower than the reference by more than 3 % "
                  "(median, bold above):\n")
        for level, test, label, med, lo, hi in flagged:
            md.append(f"- {level} {TEST_LABEL.get(test, test)}: {label} "
                      f"{med:.2f} ({lo:.2f}-{hi:.2f})")
        md.append("")
    notes = []
    for (level, who), reasons in sorted(na.items()):
        notes.append(f"- {level} {who}: n/a: {'; '.join(sorted(reasons))}")
    for (level, who, test), reasons in sorted(na_test.items()):
        notes.append(f"- {level} {who} {test}: "
                     f"{'; '.join(sorted(reasons))}")
    if notes:
        md.append("Not measured:\n")
        md.extend(notes)
        md.append("")
    with open(pre + "-ratios.md", "w") as f:
        f.write("\n".join(md))

    plot(pre, a.mode, cases, labels, ratios)
    print("\n".join(md))
    print(f"report.py: wrote {pre}-{{raw,summary,ratios}}.csv, "
          f"{pre}-ratios.md" + (", -ratios.png" if os.path.exists(
              pre + "-ratios.png") else ""))


def plot(pre, mode, cases, labels, ratios):
    if not shutil.which("gnuplot"):
        print("report.py: gnuplot not installed (gnuplot-nox): no PNG",
              file=sys.stderr)
        return
    dat = pre + "-ratios.dat"
    with open(dat, "w") as f:
        f.write("# case " + " ".join(f"{l}_med {l}_min {l}_max"
                                     for l in labels) + "\n")
        for level, test in cases:
            vals = []
            for label in labels:
                v = ratios.get((level, test, label))
                if v is None or isinstance(v, str):
                    vals += ["NaN"] * 3
                else:
                    vals += [f"{v[0]:.4f}", f"{v[1]:.4f}", f"{v[2]:.4f}"]
            f.write(f"\"{level} {test}\" " + " ".join(vals) + "\n")
    width = max(900, 40 * len(cases) * max(1, len(labels)) // 2 + 200)
    plots = []
    for i, label in enumerate(labels):
        c = 2 + 3 * i
        plots.append(f"'{dat}' using {c}:{c + 1}:{c + 2}:xtic(1) "
                     f"title '{label}'")
    gp = f"""
set terminal pngcairo size {width},600 noenhanced font ',10'
set output '{pre}-ratios.png'
set title 'dm-raidx benchmark ({mode}): median ratio, min-max bars (QEMU TCG guest: ratios only)'
set datafile missing 'NaN'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.7 border -1
set boxwidth 0.9
set xtics rotate by -45 scale 0
set ylabel 'ratio (>1: first named faster)'
set yrange [0:*]
set grid ytics
set key inside top right vertical opaque
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'black' front
plot {', '.join(plots)}
"""
    r = subprocess.run(["gnuplot"], input=gp, text=True,
                       capture_output=True)
    if r.returncode != 0:
        # pngcairo may be missing in gnuplot-nox builds: plain png then.
        gp = gp.replace("set terminal pngcairo", "set terminal png")
        r = subprocess.run(["gnuplot"], input=gp, text=True,
                           capture_output=True)
    if r.returncode != 0:
        print(f"report.py: gnuplot failed: {r.stderr.strip()}",
              file=sys.stderr)
    os.unlink(dat)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# OR-Library pmed1-40 through `oasis site` with its default options, one whole process per
# instance, as a planner would run it: the gap of each answer to the published optimum, the gap
# to the bound the CLI proves, and the wall time of each process (OD CSV read included).
#   bash bench/siting_cli.sh [BIN_DIR]      (default build/release/bin; data in ../shared/benchmarks)
# The instances are written as CSV (all-pairs shortest paths, 10,000 to 810,000 pairs) into a
# temporary folder by oasis_bench_siting --write-od, removed at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$here/build/release/bin}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin/oasis_bench_siting" "$here/../shared/benchmarks" --write-od "$work"
while IFS=$'\t' read -r name p optimum; do
  t0=$(date +%s.%N)
  "$bin/oasis" site --od "$work/$name.csv" --demand "$work/$name-demand.csv" --p "$p" \
    -o "$work/$name-sites.csv" --summary "$work/$name.json" -q
  t1=$(date +%s.%N)
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$p" "$optimum" "$t0" "$t1" >>"$work/times.tsv"
done <"$work/instances.tsv"
python3 - "$work" <<'PY'
import json, sys, pathlib
work = pathlib.Path(sys.argv[1])
print(f"{'inst':<7} {'p':>4} {'optimum':>8} {'found':>8} {'gap_opt%':>8} {'bound':>8} {'gap_lb%':>8} {'rounds':>6} {'method':<14} {'seconds':>7}")
gaps, total, optimal = [], 0.0, 0
for line in (work / "times.tsv").read_text().splitlines():
    name, p, opt, t0, t1 = line.split("\t")
    sec = float(t1) - float(t0)
    s = json.loads((work / f"{name}.json").read_text())
    opt = float(opt)
    gap = (s["objective"] - opt) / opt
    gaps.append(gap); total += sec; optimal += s["objective"] == opt
    print(f"{name:<7} {p:>4} {opt:>8.0f} {s['objective']:>8.0f} {100 * gap:>8.3f} {s['bound']:>8.0f} {100 * s['gap']:>8.3f} "
          f"{s['rounds']:>6} {s['method']:<14} {sec:>7.2f}")
print(f"\nmean gap to the optimum {100 * sum(gaps) / len(gaps):.4f} %, worst {100 * max(gaps):.3f} %, "
      f"{optimal} of {len(gaps)} optimal, {total:.1f} s in all (40 processes)")
PY

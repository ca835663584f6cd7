#!/usr/bin/env bash
# E2SFCA on the national OD table as Oasis writes it (oasis travel: commune graph, 30 min, times
# to 0.01 min), left-closed (the default) and right-closed (step-right, pysal/access's step_fn),
# each against bench/step_closure_ref.py, a plain-Python re-expression of pysal/access's
# enhanced_two_stage_fca; then how many pairs sit exactly on a step and how much the closure moves
# the communes.    bash bench/step_closure.sh    (about 1 minute)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
oasis="$here/build/release/bin/oasis"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$oasis" travel -q -o od.csv
"$oasis" access --method 2sfca -q -o communes.csv
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("communes.csv")))
with open("demand.csv", "w") as f:
    f.write("id,population\n")
    for r in rows:
        f.write(f"{r['code_insee']},{r['population']}\n")
with open("supply.csv", "w") as f:
    f.write("id,supply\n")
    for r in rows:
        if float(r["supply"] or 0) > 0:
            f.write(f"{r['code_insee']},{r['supply']}\n")
PY
"$oasis" access --od od.csv --supply supply.csv --demand demand.csv --method e2sfca -q -o e2_left.csv
"$oasis" access --od od.csv --supply supply.csv --demand demand.csv --method e2sfca \
  --decay step-right:10:1,20:0.68,30:0.22 -q -o e2_right.csv
python3 "$here/bench/step_closure_ref.py"

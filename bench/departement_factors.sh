#!/usr/bin/env bash
# The département activity factors of the raw supply model (supply.factors, docs/calibration.md):
# one factor per département, fitted on the DREES APL 2022 of all France (supply.calibrate =
# "departement", supply.combine = "mean", commune graph at 50 km/h), rounded to 4 decimals.
#   bash bench/departement_factors.sh            rewrites scenarios/supply/departement-factors-apl2022.csv (about 30 s)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
oasis="$here/build/release/bin/oasis"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$oasis" access --method apl --speed 50 --calibrate departement --combine mean --no-cv --no-cache -q \
  -o "$tmp/apl.csv" --summary "$tmp/s.json"
jq -r '.calibration.factors | to_entries | "departement,factor", (.[] | "\(.key),\(.value * 10000 | round / 10000)")' "$tmp/s.json" \
  >"$here/scenarios/supply/departement-factors-apl2022.csv"
jq -r '.calibration | "fit: \(.sweeps) sweeps, in-sample Spearman \(.in_sample.spearman * 1000 | round / 1000), mean absolute error \(.in_sample.mean_absolute_error * 1000 | round / 1000)"' "$tmp/s.json"

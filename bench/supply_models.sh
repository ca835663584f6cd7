#!/usr/bin/env bash
# The supply models of docs/fidelity.md against the published DREES APL 2022: the raw supply with
# each combination of the RPPS and SIRENE headcounts (supply.combine), with the département factors
# of scenarios/supply (fitted on that same year: in sample), and the two calibrations (by commune,
# by département) in sample and cross-validated by département. France and région 24 with its 20 km
# ring, commune graph at 50 km/h.
#   bash bench/supply_models.sh            prints one Markdown row per model (about 4 minutes)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
oasis="$here/build/release/bin/oasis"
factors="$here/scenarios/supply/departement-factors-apl2022.csv"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
row() {  # scope label jq-path summary.json
  jq -r --arg scope "$1" --arg what "$2" "$3"' as $f |
    "| \($scope) | \($what) | \($f.spearman * 1000 | round / 1000) | \($f.mean_absolute_error * 1000 | round / 1000) | \($f.agreement_below_line * 1000 | round / 10) % |"' "$4"
}
echo "| scope | supply | Spearman ρ | mean absolute error | agreement on APL < 2.5 |"
echo "|---|---|---:|---:|---:|"
for scope in 24 France; do
  region=()
  [ "$scope" = 24 ] && region=(--region 24 --buffer-km 20)
  name=$([ "$scope" = 24 ] && echo "région 24" || echo France)
  run() { "$oasis" access --method apl "${region[@]}" --speed 50 --no-cache -q -o "$tmp/apl.csv" --overwrite --summary "$tmp/s.json" "$@"; }
  for combine in first mean min max; do
    run --combine "$combine"
    row "$name" "raw, combine = $combine" .fidelity "$tmp/s.json"
  done
  run --combine mean --factors "$factors"
  row "$name" "raw, mean × département factors (fitted on 2022: in sample)" .fidelity "$tmp/s.json"
  run --combine mean --calibrate departement
  row "$name" "calibrated by département, in sample" .calibration.in_sample "$tmp/s.json"
  row "$name" "calibrated by département, cross-validated" .calibration.cross_validated "$tmp/s.json"
  for combine in first mean; do
    run --combine "$combine" --calibrate apl
    row "$name" "calibrated by commune (prior $combine), in sample" .calibration.in_sample "$tmp/s.json"
    row "$name" "calibrated by commune (prior $combine), cross-validated" .calibration.cross_validated "$tmp/s.json"
  done
done

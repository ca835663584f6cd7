#!/usr/bin/env bash
# The travel-speed sweep of docs/fidelity.md: the APL against the published DREES APL 2022, raw
# (RPPS headcount alone x 2,300: supply.combine = "first", as when these defaults were chosen) and calibrated (supply.calibrate = "apl", without the cross-validation), for
# France and région 24 (with its 20 km ring), over the effective speeds of the commune graph and of crow-fly.
# Then the width of the ring around région 24 (territory.buffer_km) at the default speed.
#   bash bench/apl_sweep.sh            prints Markdown rows, one per setting (about 3 minutes)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
oasis="$here/build/release/bin/oasis"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
row() {  # scope travel speed supply summary.json
  jq -r --arg scope "$1" --arg travel "$2" --arg speed "$3" --arg supply "$4" '
    (if .calibration then .calibration.in_sample else .fidelity end) as $f |
    "| \($scope) | \($travel) | \($speed) | \($supply) | \($f.spearman * 1000 | round / 1000) | \($f.mean_absolute_error * 1000 | round / 1000) | \($f.agreement_below_line * 1000 | round / 10) % |"' "$5"
}
echo "| scope | travel | speed km/h | supply | Spearman ρ | mean absolute error | agreement on APL < 2.5 |"
echo "|---|---|---:|---|---:|---:|---:|"
for scope in France 24; do
  region=()
  [ "$scope" = 24 ] && region=(--region 24 --buffer-km 20)
  for travel in commune-graph crowfly; do
    for speed in 40 50 60 70; do
      for supply in raw calibrated; do
        extra=()
        [ "$supply" = calibrated ] && extra=(--calibrate apl --no-cv --no-cache)
        "$oasis" access --method apl --combine first "${region[@]}" --travel "$travel" --speed "$speed" "${extra[@]}" -q --summary "$tmp/s.json" --overwrite
        row "$( [ "$scope" = 24 ] && echo "région 24" || echo France)" "$travel" "$speed" "$supply" "$tmp/s.json"
      done
    done
  done
done
echo
echo "| région 24, commune-graph 50 km/h | buffer km | supply | Spearman ρ | mean absolute error | agreement on APL < 2.5 |"
echo "|---|---:|---|---:|---:|---:|"
for km in 0 10 20 35 50; do
  for supply in raw calibrated; do
    extra=()
    [ "$supply" = calibrated ] && extra=(--calibrate apl --no-cv --no-cache)
    "$oasis" access --method apl --combine first --region 24 --speed 50 --buffer-km "$km" "${extra[@]}" -q --summary "$tmp/s.json" --overwrite
    row "" "$km" "" "$supply" "$tmp/s.json" | sed 's/^|  | \([0-9]*\) |  |/| | \1 |/'
  done
done

#!/usr/bin/env bash
# Load and degenerate inputs: the national scenario within a 3 GB address-space limit; communes of
# population 0 (the villages of the Meuse destroyed in 1916) and a région without any practitioner
# give numbers — APL 0, every commune in the ZIP — never NaN.
# Usage (ctest): load_test.sh OASIS_EXE SOURCE_DIR WORK_DIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # fail, expect_rc, col
oasis="$1"
src="$2"
work="$3"
rm -rf "$work" && mkdir -p "$work" && cd "$work"
data="${OASIS_DATA:-$src/../shared/geodata}"

# 1. France under ulimit -v 3 GB (virtual memory, threads included).
( ulimit -v 3000000 && "$oasis" run "$src/scenarios/france.toml" -o fr -q ) || fail "the national scenario does not complete under ulimit -v 3000000"
jq -e '.territory.communes == 34868' fr/summary.json >/dev/null || fail "France: communes"
! grep -qiE '(^|,)(nan|-?inf)(,|$)' fr/zones.csv || fail "NaN or inf written in zones.csv"
# Population 0: numbers and a zone, like any commune.
for c in 55039 55050 55139 55189 55239 55307; do
  line=$(grep "^$c," fr/zones.csv) || fail "$c missing"
  [ "$(echo "$line" | awk -F, '{ print $4 }')" = "0" ] || fail "$c: population should be 0"
  echo "$line" | awk -F, '$5 == "" || $6 == "" || $6 == "non-classe" { exit 1 }' || fail "$c has no APL or no zone: $line"
done

# Overseas communes, held in their own projections, are written in the layer's CRS (Lambert-93) so
# that GIS software places them: Saint-Denis de La Réunion (97411) holds the point PROJ's own
# command gives for 55.45 E, 20.88 S; Tours (37261) the one for 0.68 E, 47.39 N.
for probe in "97411 55.45 -20.88" "37261 0.68 47.39" "97209 -61.07 14.61"; do
  read -r code lon lat <<<"$probe"
  read -r ex ey _ < <(echo "$lon $lat" | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:2154)
  sqlite3 fr/communes.gpkg "SELECT r.minx, r.maxx, r.miny, r.maxy FROM communes c JOIN rtree_communes_geom r ON r.id = c.fid
                            WHERE c.code_insee = '$code'" | awk -F'|' -v x="$ex" -v y="$ey" '!($1 <= x && x <= $2 && $3 <= y && y <= $4) { exit 1 } END { if (NR != 1) exit 1 }' ||
    fail "communes.gpkg: $code is not around ($ex, $ey) in Lambert-93"
done

# 2. A région without any practitioner (every count set to 0, no second source of practices for the
#    calibration): APL 0 and ZIP everywhere.
awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } { $5 = 0; $6 = 0; print }' "$data/practitioners/rpps2026_gp_counts_communes.csv" >zero.csv
printf 'extend = "%s"\nname = "no-gp"\n[supply]\nfile = "zero.csv"\ncalibrate_sites = "none"\n' "$src/scenarios/centre-val-de-loire.toml" >no-gp.toml
expect_rc 0 "$oasis" run no-gp.toml -o nogp -q
apl=$(col nogp/zones.csv apl); zone=$(col nogp/zones.csv zone)
[ "$(tail -n +2 nogp/zones.csv | awk -F, -v a="$apl" -v z="$zone" '$a != "0" || $z != "ZIP"' | wc -l)" -eq 0 ] ||
  fail "without practitioners every commune must have APL 0 and be in the ZIP"
jq -e '.access.weighted_mean == 0 and .access.gini == 0 and .access.share_below == 1 and .zoning.by_zone.ZIP.share == 1' nogp/summary.json >/dev/null ||
  fail "summary: $(jq -c '.access' nogp/summary.json)"
! grep -qiE '(^|,)(nan|-?inf)(,|$)' nogp/zones.csv || fail "NaN in zones.csv"
echo "load: all checks passed"

#!/usr/bin/env bash
# End-to-end checks of `oasis run` / `oasis diff` / `oasis scenario` on the real public data:
# outputs, determinism, hand-checkable figures, official lists, modifications, refusals, and an
# interrupted run that must leave the previous outputs intact.
# Usage (ctest): run_test.sh OASIS_EXE SOURCE_DIR WORK_DIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # fail, expect_rc, col
oasis="$1"
src="$2"
work="$3"
rm -rf "$work"
mkdir -p "$work"
cd "$work"

default="$src/scenarios/centre-val-de-loire.toml"

# 1. The default scenario: every commune of the région classified, all files written.
expect_rc 0 "$oasis" run "$default" -o a -q
for f in zones.csv communes.gpkg summary.json scenario.toml timings.json supply.csv urgences.csv; do [ -s "a/$f" ] || fail "a/$f missing"; done
[ "$(tail -n +2 a/zones.csv | wc -l)" -eq 1754 ] || fail "zones.csv: expected 1754 communes"
zone=$(col a/zones.csv zone)
bad=$(tail -n +2 a/zones.csv | awk -F, -v z="$zone" '$z != "ZIP" && $z != "ZAC" && $z != "hors-zonage"' | wc -l)
[ "$bad" -eq 0 ] || fail "$bad communes without a zone"
sort -c -t, -k1,1 <(tail -n +2 a/zones.csv) || fail "zones.csv is not sorted by code"
# The types beside zones.csv (.csvt, read by GDAL and QGIS): the codes as text, population integer.
[ "$(cat a/zones.csvt)" = '"String","String","String","Integer","Real","Real","String","String","Real","String","Real","Real","Real","Real","Real","Real"' ] || fail "zones.csvt: $(cat a/zones.csvt)"
[ "$(tr ',' '\n' < a/zones.csvt | wc -l)" -eq "$(head -1 a/zones.csv | tr ',' '\n' | wc -l)" ] || fail "zones.csvt: one type per column"
[ "$(ogrinfo -q -ro a/zones.csv zones -fid 1 | grep -c 'code_insee (String) = 18001\|population (Integer) = 326')" -eq 2 ] ||
  fail "GDAL reads zones.csv with its .csvt: $(ogrinfo -q -ro a/zones.csv zones -fid 1)"
# zones.xlsx: the zone list with French headers and the codes as text, one sheet per unit level and
# the run's inputs; read back by GDAL's own XLSX reader, every row equals zones.csv.
[ "$(ogrinfo -q -ro a/zones.xlsx | sed 's/ (None)//')" = "$(printf '1: Communes\n2: EPCI\n3: Informations')" ] || fail "zones.xlsx sheets: $(ogrinfo -q -ro a/zones.xlsx)"
ogr2ogr -f CSV -lco STRING_QUOTING=IF_NEEDED /vsistdout/ a/zones.xlsx Communes > xlsx.csv
[ "$(head -1 xlsx.csv | cut -d, -f1-4)" = "Code INSEE,Commune,Unité de zonage,Population" ] || fail "zones.xlsx headers: $(head -1 xlsx.csv)"
cmp <(tail -n +2 xlsx.csv | cut -d, -f1,3,4,7) <(tail -n +2 a/zones.csv | cut -d, -f1,3,4,7) || fail "zones.xlsx Communes differs from zones.csv"
python3 -c 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile("a/zones.xlsx").read("xl/worksheets/sheet1.xml").decode())' | grep -q '<c r="A2" t="s">' || fail "zones.xlsx: the code in A2 is not a text cell"
[ "$(ogr2ogr -f CSV /vsistdout/ a/zones.xlsx EPCI | tail -n +2 | wc -l)" -eq "$(sqlite3 a/communes.gpkg 'select count(*) from units')" ] ||
  fail "zones.xlsx: one EPCI row per unit"
ogr2ogr -f CSV -lco STRING_QUOTING=IF_NEEDED /vsistdout/ a/zones.xlsx Informations | grep -q "^Moteur,oasis " || fail "zones.xlsx: no engine version"
[ "$(sqlite3 a/communes.gpkg 'select count(*) from communes')" -eq 1754 ] || fail "gpkg: communes layer"
[ "$(sqlite3 a/communes.gpkg 'select count(distinct unit_id) from communes')" -eq \
  "$(sqlite3 a/communes.gpkg 'select count(*) from units')" ] || fail "gpkg: one unit feature per unit"
# Each unit's share of population below access.line (2.5), recomputed from the communes layer.
[ "$(sqlite3 a/communes.gpkg "select count(*) from units u join (select unit_id, sum(case when apl < 2.5 then population else 0 end) * 1.0 /
  sum(population) s from communes where apl is not null group by unit_id) c on c.unit_id = u.unit_id where abs(c.s - u.share_below_line) < 1e-12")" -eq \
  "$(sqlite3 a/communes.gpkg 'select count(*) from units')" ] || fail "gpkg: units.share_below_line differs from the communes"
[ "$(sqlite3 a/communes.gpkg "select srs_id from gpkg_geometry_columns where table_name = 'communes'")" -eq 2154 ] || fail "gpkg: not Lambert-93"
jq -e '.scenario.resolved | contains("zip_below = 2.5")' a/summary.json >/dev/null || fail "summary: resolved scenario"
jq -e '.data.supply.sha256 | length == 64' a/summary.json >/dev/null || fail "summary: supply checksum"
jq -e '.territory.communes == 1754' a/summary.json >/dev/null || fail "summary: territory"
# The second supply type (nurses' practices, SIRENE): its total is the file's column summed over
# the six départements of the région, recomputed here with awk.
data="${OASIS_DATA:-$src/../shared/geodata}"
nurses=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "infirmiers") c = i }
                    NR > 1 && $1 ~ /^(18|28|36|37|41|45)/ { s += $c } END { print s }' "$data/practitioners/sirene2019_ps_communes.csv")
jq -e ".indicators.infirmiers_2sfca.supply_total == $nurses" a/summary.json >/dev/null || fail "nurses total: expected $nurses"
[ "$(sqlite3 a/communes.gpkg 'select count(*) from communes where infirmiers_2sfca > 0')" -gt 1000 ] || fail "nurses indicator column"

# Urgent care from the SAE 2023 (docs/urgences.md): urgences.csv lists the établissements of the
# six départements with an authorised SU or a SMUR (recomputed here with awk from the tables), every
# commune has a time, a commune holding a site has 0, and the population beyond 30 minutes is the
# sum over the zones.csv rows beyond it.
sae="$data/urgences"
want=$(awk -F';' 'FILENAME ~ /URGENCES_/ { if (FNR > 1 && $6 == 1) s[$3] = 1; next }
                  FILENAME ~ /SMURSAMU/ { if (FNR > 1 && $6 == 1) s[$3] = 1; next }
                  FNR > 1 && ($3 in s) && substr($21, 1, 2) ~ /^(18|28|36|37|41|45)$/ { n++ } END { print n }' \
  "$sae/URGENCES_2023r.csv" "$sae/SMURSAMU_2023r.csv" "$sae/ID_2023r.csv")
[ "$(tail -n +2 a/urgences.csv | wc -l)" -eq "$want" ] || fail "urgences.csv: expected $want établissements"
turg=$(col a/zones.csv time_nearest_urgences_min)
[ "$(tail -n +2 a/zones.csv | awk -F, -v c="$turg" '$c == ""' | wc -l)" -eq 0 ] || fail "a commune without a time to urgent care"
[ "$(awk -F, -v c="$turg" '$1 == "18033" { print $c }' a/zones.csv)" = "0.00" ] || fail "Bourges holds an SU: its time is 0"
# (zones.csv rounds the times to 0.01 min: a commune written 30.00 may be just beyond the line.)
pcol=$(col a/zones.csv population)
lo=$(tail -n +2 a/zones.csv | awk -F, -v c="$turg" -v p="$pcol" '$c > 30.005 { s += $p } END { print s + 0 }')
hi=$(tail -n +2 a/zones.csv | awk -F, -v c="$turg" -v p="$pcol" '$c >= 29.995 { s += $p } END { print s + 0 }')
jq -e ".flags.urgences.population_beyond >= $lo and .flags.urgences.population_beyond <= $hi" a/summary.json >/dev/null ||
  fail "population beyond 30 minutes: zones.csv gives $lo..$hi, summary $(jq .flags.urgences.population_beyond a/summary.json)"

# The GeoPackage layers urgences (one feature per établissement) and msp (one per commune with an
# MSP), and the units' population beyond the line adding up to the summary's.
[ "$(sqlite3 a/communes.gpkg 'select count(*) from urgences')" -eq "$want" ] || fail "gpkg layer urgences"
jq -e "(.flags.urgences.population_beyond - $(sqlite3 a/communes.gpkg 'select sum(population_beyond_urgences) from units')) | fabs < 1e-6" \
  a/summary.json >/dev/null || fail "units: population_beyond_urgences does not add up"
[ "$(sqlite3 a/communes.gpkg 'select count(*) from msp')" -eq "$(sqlite3 a/communes.gpkg 'select sum(msp) from communes')" ] ||
  fail "gpkg layer msp"
# Maisons de santé (flags.msp): the communes of the six départements flagged in the FINESS file
# (awk), a time for every commune, 0 where there is one.
want=$(python3 -c 'import csv, sys; print(sum(r["code_insee"][:2] in ("18", "28", "36", "37", "41", "45") and r["msp_presente"] == "1" for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))))' \
  "$data/practitioners/msp_finess2026_communes.csv")
jq -e ".flags.msp.communes_with_msp == $want" a/summary.json >/dev/null || fail "MSP communes: expected $want"
[ "$(sqlite3 a/communes.gpkg 'select sum(msp), sum(time_nearest_msp_min is null), sum(msp = 1 and time_nearest_msp_min > 0) from communes')" = "$want|0|0" ] ||
  fail "communes.gpkg: msp, time_nearest_msp_min"

# 2. Independent checks: unit APL = population-weighted mean of the commune APLs (recomputed here
# from zones.csv), and the ARS caps of the scenario (ZIP <= 58.8 % unless mandatory, ZAC <= 34 %).
pop=$(col a/zones.csv population); apl=$(col a/zones.csv indicator); unit=$(col a/zones.csv unit_id); uapl=$(col a/zones.csv unit_indicator); rule=$(col a/zones.csv rule)
tail -n +2 a/zones.csv | awk -F, -v p="$pop" -v a="$apl" -v u="$unit" -v ua="$uapl" '
  { w[$u] += $p * $a; s[$u] += $p; got[$u] = $ua }
  END { for (k in w) if (s[k] > 0) { m = w[k] / s[k]; d = m - got[k]; if (d < 0) d = -d; if (d > 1e-4 * (m > 1 ? m : 1)) { print k, m, got[k]; bad = 1 } } exit bad }' ||
  fail "unit APL is not the population-weighted mean of its communes"
tail -n +2 a/zones.csv | awk -F, -v p="$pop" -v z="$zone" -v r="$rule" '
  { total += $p; if ($r == "mandatory") mand += $p; if ($z == "ZIP") zip += $p; if ($z == "ZAC") zac += $p; if ($r == "vivier-zip") picked += $p }
  END { if (picked > 0 && zip > 0.588 * total + 1) exit 1; if (zac > 0.34 * total + 1) exit 2; if (zip < mand) exit 3 }' ||
  fail "caps not respected"

# 3. Determinism: a second run gives the same bytes (GeoPackage included).
expect_rc 0 "$oasis" run "$default" -o b -q --threads 1
for f in zones.csv summary.json communes.gpkg communes-zones.qml communes-apl.qml units-zones.qml scenario.toml maps/zones.png maps/zones.svg \
  maps/apl.png maps/apl.svg report.html; do
  cmp -s "a/$f" "b/$f" || fail "$f differs between two runs (1 and all threads)"
done
# 3b. The prepared-input cache (docs/cache.md): a cold run fills it, a warm run reads the COG and
# the boundaries from it (timings.json says which), a damaged entry is read again; all give the
# bytes of a run without any cache.
expect_rc 0 "$oasis" run "$default" -o nc -q --no-cache
expect_rc 0 "$oasis" run "$default" -o c1 -q --cache-dir cache
expect_rc 0 "$oasis" run "$default" -o c2 -q --cache-dir cache
for e in "nc off" "c1 miss" "c2 hit"; do
  set -- $e
  [ "$(jq -r .inputs_cache "$1/timings.json")" = "$2" ] || fail "$1: inputs_cache is $(jq -r .inputs_cache "$1/timings.json"), expected $2"
done
ls cache/cog-*.bin cache/boundaries-*.bin >/dev/null || fail "the cache holds no COG or boundaries entry"
entry=$(ls cache/boundaries-*.bin)
truncate -s -100 "$entry"
expect_rc 0 "$oasis" run "$default" -o c3 -q --cache-dir cache
[ "$(jq -r .inputs_cache c3/timings.json)" = "miss" ] || fail "a truncated cache entry was used"
for f in zones.csv summary.json communes.gpkg report.html maps/apl.svg; do
  for d in a c1 c2 c3; do cmp -s "nc/$f" "$d/$f" || fail "$f differs between the run without cache and $d"; done
done
# Maps: PNG 1754 x 1240 (A4 landscape at 150 dpi), SVG; `oasis map` redraws any column of the GeoPackage.
[ "$(head -c 8 a/maps/zones.png | od -An -tx1 | tr -d ' ')" = "89504e470d0a1a0a" ] || fail "maps/zones.png is not a PNG"
[ "$(od -An -tu1 -j16 -N8 a/maps/apl.png | awk '{ print $3 * 256 + $4 "x" $7 * 256 + $8 }')" = "1754x1240" ] || fail "PNG size"
grep -q "<svg" a/maps/apl.svg || fail "maps/apl.svg is not an SVG"
expect_rc 0 "$oasis" map a --column apl_official --breaks quantile:5 -o amap/official -q
[ -s amap/official.png ] && [ -s amap/official.svg ] || fail "oasis map wrote nothing"
expect_rc 2 "$oasis" map a --column name -o amap/name
grep -q "Commune has 1739 distinct values: a map of categories draws 2 to 7" err || fail "oasis map: a text column with too many values is not explained"
# The legend title is the schema's French title with its unit; numbers other than the APL family get
# quantiles in a sequential palette, text columns a qualitative one; the 6 prefectures are named.
expect_rc 0 "$oasis" map a --column time_nearest_gp_min -o amap/time
grep -q "^Temps au plus proche (min): 1754 communes, 5 classes (quantile:5, palette sequential), 6 place names;" out ||
  fail "oasis map time: $(cat out)"
expect_rc 0 "$oasis" map a --column density_100k -o amap/density
grep -q "^Densité pour 100 000 hab.: .*(quantile:5, palette sequential)" out || fail "oasis map density: $(cat out)"
expect_rc 0 "$oasis" map a --column apl_official -o amap/apl --palette sequential --no-labels
grep -q "^APL publiée (DREES) (consultations / an / hab.): 1754 communes, 4 classes (fixed:1.5,2.5,4, palette sequential), 0 place names" out ||
  fail "oasis map apl: $(cat out)"
expect_rc 0 "$oasis" map a --column class -o amap/class
grep -q "^Classe: 1754 communes, [2-4] classes, 6 place names" out || fail "oasis map class: $(cat out)"
expect_rc 2 "$oasis" map a --column zone --palette sequential -o amap/zone
grep -q "qualitative" err || fail "oasis map: a sequential palette on zones is not refused with the fix"
expect_rc 2 "$oasis" map a --column apl --palette rainbow -o amap/rainbow
# The chefs-lieux (COG chefLieu): Orléans for the région, one prefecture for each other département.
[ "$(sqlite3 a/communes.gpkg "select group_concat(name || ':' || chef_lieu, ' ') from (select name, chef_lieu from communes where chef_lieu <> '' order by code_insee)")" = \
  "Bourges:département Chartres:département Châteauroux:département Tours:département Blois:département Orléans:région" ] ||
  fail "gpkg chef_lieu: $(sqlite3 a/communes.gpkg "select name, chef_lieu from communes where chef_lieu <> ''")"
# The PNGs record their 150 dpi (pHYs), read here by Pillow.
for png in a/maps/zones.png amap/time.png; do
  [ "$(/usr/bin/python3 -c 'import sys; from PIL import Image; print(*[round(d) for d in Image.open(sys.argv[1]).info["dpi"]])' "$png")" = "150 150" ] ||
    fail "$png: no 150 dpi"
done
expect_rc 41 "$oasis" map a --column apl_magic -o amap/magic
grep -q "columns: " err || fail "oasis map: the columns present are not listed"
# Wording: the place comes from the COG (région 24), the profession from supply.kind, the sources
# from the files read; `oasis map` takes the place and sources from the GeoPackage's metadata.
grep -q '<title>Accès aux médecins généralistes — Centre-Val de Loire</title>' a/report.html || fail "report title: place or profession"
grep -q 'Zonage simulé : ce n' a/report.html || fail "report: the simulated-zoning notice"
grep -q 'ANS RPPS / Annuaire santé, mars 2026' a/report.html || fail "report: supply source"
[ "$(sqlite3 a/communes.gpkg "select metadata from gpkg_metadata" | grep -c 'OASIS_PLACE">Centre-Val de Loire<')" -eq 1 ] ||
  fail "gpkg metadata: OASIS_PLACE"
printf 'extend = "%s"\ntitle = "Touraine"\n[territory]\nregions = []\ndepartements = ["37"]\n[supply]\nkind = "kine"\nsource = "Fichier test, 2026"\n[zoning.caps]\n"24" = { zip = 0.588, zac = 0.34 }\n[outputs]\nmaps = false\ngpkg = false\n' "$default" >words.toml
expect_rc 0 "$oasis" run words.toml -o words -q
grep -q '<title>Accès aux masseurs-kinésithérapeutes — Touraine</title>' words/report.html || fail "report title: scenario title and kind"
grep -q 'Offre : Fichier test, 2026' words/report.html || fail "report: supply.source"
printf 'extend = "%s"\n[territory]\nregions = []\ndepartements = ["37", "41"]\n[outputs]\nmaps = false\ngpkg = false\n' "$default" >deps.toml
expect_rc 0 "$oasis" run deps.toml -o deps -q
grep -q '<title>Accès aux médecins généralistes — Indre-et-Loire, Loir-et-Cher</title>' deps/report.html || fail "report title: départements"

# 4. A previous run is not replaced without --overwrite.
expect_rc 13 "$oasis" run "$default" -o a -q
grep -q "E-EXISTS" err || fail "no E-EXISTS message"

# 5. Bad scenarios: the key, the line, the code.
printf '[travel]\ncutoff_min = 30\ncutof = 20\n' >bad1.toml
expect_rc 60 "$oasis" run bad1.toml -o bad -q
grep -q "line 3" err && grep -q "did you mean 'travel.cutoff_min'" err || fail "unknown key message: $(cat err)"
printf 'extend = "bad2.toml"\n' >bad2.toml
expect_rc 63 "$oasis" run bad2.toml -o bad -q
printf '[zoning]\nzip_below = "low"\n' >bad3.toml
expect_rc 61 "$oasis" run bad3.toml -o bad -q
printf 'extend = "%s"\n[[modify.add]]\ncommune = "75056"\namount = 2\n' "$default" >bad4.toml
expect_rc 32 "$oasis" run bad4.toml -o bad -q
grep -q "75056" err || fail "unknown commune message"
[ ! -e bad ] || [ -z "$(ls -A bad)" ] || fail "a failed run left files"
expect_rc 0 "$oasis" scenario --check "$src/scenarios/examples/retirements.toml"
for f in "$src"/scenarios/examples/*.toml; do expect_rc 0 "$oasis" scenario --check "$f"; done

# 6. An official list overrides the simulation: commune 18001 listed ZAC, the EPCI of 37261 listed ZIP.
tours_unit=$(awk -F, '$1 == "37261" { print $3 }' a/zones.csv)
printf 'code,zone\n18001,ZAC\n%s,ZIP\n' "$tours_unit" >official.csv
printf 'extend = "%s"\n[zoning]\nofficial = "official.csv"\nofficial_missing = "simulated"\n' "$default" >official.toml
expect_rc 0 "$oasis" run official.toml -o off -q
zc=$(col off/zones.csv zone); rc=$(col off/zones.csv rule)
[ "$(awk -F, -v z="$zc" -v r="$rc" '$1 == "18001" { print $z "/" $r }' off/zones.csv)" = "ZAC/official" ] || fail "official commune not applied"
[ "$(awk -F, -v z="$zc" -v r="$rc" '$1 == "37261" { print $z "/" $r }' off/zones.csv)" = "ZIP/official" ] || fail "official unit not applied"
n_tours=$(awk -F, -v u="$tours_unit" '$3 == u' a/zones.csv | wc -l)
jq -e ".zoning.official_overrides == $((n_tours + 1))" off/summary.json >/dev/null || fail "official overrides count"
jq -e '.simulation | startswith("official")' off/summary.json >/dev/null || fail "official list not reported"
grep -q 'Zonage officiel importé' off/report.html || fail "report: the official-list notice"

# 7. Modifications and the baseline comparison: an added MSP raises the APL of its commune by a
# figure checkable by hand. In the APL, the MSP's supply (4 x the median activity per GP of département
# 18, calibrated supply: docs/calibration.md) is shared among
# the standardised populations within reach; its own commune (t = 0, weight 1) gains
# 4 x median / sum_k(P_k W_k) where the sum is the MSP's catchment: check the sign and the comparison.
printf 'extend = "%s"\n[[modify.add]]\ncommune = "18087"\namount = 4\nlabel = "MSP"\n[outputs]\nbaseline = "%s"\n' "$default" "$work/a" >msp.toml
expect_rc 0 "$oasis" run msp.toml -o msp -q
before=$(awk -F, -v c="$apl" '$1 == "18087" { print $c }' a/zones.csv)
after=$(awk -F, -v c="$apl" '$1 == "18087" { print $c }' msp/zones.csv)
awk -v a="$before" -v b="$after" 'BEGIN { exit !(b > a + 0.1) }' || fail "the MSP did not raise the APL of Dun-sur-Auron ($before -> $after)"
jq -e '.modifications[0].supply_added == 4' msp/summary.json >/dev/null || fail "modification not logged"
jq -e '.supply.total - .supply.total_before == 4' msp/summary.json >/dev/null || fail "supply total"
jq -e '.comparison.communes_class_changed > 0' msp/summary.json >/dev/null || fail "comparison: no class change"
[ -s msp/diff.csv ] || fail "diff.csv missing"
expect_rc 0 "$oasis" diff a msp -o diff2.csv
cmp -s diff2.csv msp/diff.csv || fail "oasis diff and the baseline key disagree"

# 8. Random retirements are reproducible with a seed, and remove about the share asked.
printf 'extend = "%s"\n[[modify.retire]]\nshare = 0.25\nseed = 7\n[outputs]\ngpkg = false\n' "$default" >ret.toml
expect_rc 0 "$oasis" run ret.toml -o r1 -q
expect_rc 0 "$oasis" run ret.toml -o r2 -q
cmp -s r1/zones.csv r2/zones.csv || fail "same seed, different draw"
jq -e '(.modifications[0].supply_removed / .supply.total_before) as $s | $s > 0.22 and $s < 0.28' r1/summary.json >/dev/null ||
  fail "25 % draw removed $(jq '.modifications[0].supply_removed / .supply.total_before' r1/summary.json)"

# 9. Retire by age on a points file with ages (5 GPs in Tours, 2 aged 65+), under-65 APL.
printf 'id,lon,lat,age\nA,0.6890,47.3941,45\nB,0.6891,47.3942,66\nC,0.6892,47.3943,70\nD,0.6893,47.3944,38\nE,0.6894,47.3945,64\n' >gps.csv
printf '[territory]\ndepartements = ["37"]\n[supply]\nfile = "gps.csv"\nformat = "points"\nage_column = "age"\n[[modify.retire]]\nage_min = 67\n[outputs]\ngpkg = false\n' >age.toml
expect_rc 0 "$oasis" run age.toml -o age -q
jq -e '.modifications[0].supply_removed == 1 and .supply.total == 4 and .supply.ages_known' age/summary.json >/dev/null || fail "retire by age"
jq -e '.access.weighted_mean_u65 < .access.weighted_mean' age/summary.json >/dev/null || fail "under-65 APL"
# the all-ages APL with 4 GPs is 4/3 of the under-65 one with 3 (one GP is 66): same catchments.
jq -e '(.access.weighted_mean / .access.weighted_mean_u65 - 4/3) | fabs < 1e-9' age/summary.json >/dev/null || fail "u65 ratio"
printf '[territory]\ndepartements = ["37"]\n[[modify.retire]]\nage_min = 65\n' >noage.toml
expect_rc 41 "$oasis" run noage.toml -o noage -q

# 9b. Urgent care: sites at Tours (37261) and Chinon (37072); in département 37 the communes
# themselves are at 0 minutes, and the flag count equals the communes beyond 30 minutes.
printf 'code_insee,urgences\n37261,1\n37072,1\n' >urg.csv
printf '[territory]\ndepartements = ["37"]\n[flags]\nurgences = "urg.csv"\nurgences_column = "urgences"\nurgences_format = "counts"\n' >urg.toml
expect_rc 0 "$oasis" run urg.toml -o urg -q
[ "$(sqlite3 urg/communes.gpkg "select time_nearest_urgences_min from communes where code_insee in ('37261','37072')" | sort -u)" = "0.0" ] ||
  fail "urgent care: time at the sites"
beyond=$(sqlite3 urg/communes.gpkg "select count(*) from communes where time_nearest_urgences_min is null or time_nearest_urgences_min > 30")
flagged=$(sqlite3 urg/communes.gpkg "select sum(flag_urgences) from communes")
[ "$beyond" -eq "$flagged" ] && [ "$beyond" -gt 0 ] || fail "urgent care flag: $flagged flagged, $beyond beyond 30 min"
jq -e ".flags.urgences.communes_beyond == $beyond and .flags.urgences.sites == 2" urg/summary.json >/dev/null || fail "urgent care summary"

# 9c. Siting: 5 MSP placed to lift units out of the ZIP. The population lifted is recomputed from
# the units layer: units below the line before, at or above it after the openings.
printf 'extend = "%s"\n[siting]\nsites = 5\nobjective = "lift"\n' "$default" >site.toml
expect_rc 0 "$oasis" run site.toml -o site -q
[ "$(tail -n +2 site/sites.csv | wc -l)" -eq 5 ] || fail "sites.csv: 5 openings"
[ "$(sqlite3 site/communes.gpkg 'select count(*) from sites')" -eq 5 ] || fail "gpkg: sites layer"
lifted=$(sqlite3 site/communes.gpkg "select coalesce(sum(population), 0) from units where indicator < 2.5 and value_after_siting >= 2.5")
jq -e ".siting.objective == $lifted and .siting.bound >= .siting.objective and .siting.objective > 0" site/summary.json >/dev/null ||
  fail "siting: summary $(jq -c '[.siting.objective, .siting.bound]' site/summary.json), recomputed $lifted"
cmp -s site/zones.csv a/zones.csv || fail "siting changed the scenario's zone list"

# 10. French CSV and exclusions.
printf 'extend = "%s"\n[territory]\nexclude = ["37261"]\n[outputs]\ncsv_fr = true\ngpkg = false\n' "$default" >fr.toml
expect_rc 0 "$oasis" run fr.toml -o fr -q
head -c 3 fr/zones.csv | od -An -tx1 | grep -q "ef bb bf" || fail "no BOM"
head -1 fr/zones.csv | grep -q "code_insee;name;unit_id" || fail "not ';'-separated"
grep -q "^37261;" fr/zones.csv && fail "excluded commune present"
[ "$(tail -n +2 fr/zones.csv | wc -l)" -eq 1753 ] || fail "exclusion count"
jq -e '.territory.excluded == ["37261"]' fr/summary.json >/dev/null || fail "exclusion not reported"

# 11. Killed runs: the output folder is swapped in whole, so whatever the moment of the kill
# (SIGKILL, SIGTERM, Ctrl-C) the folder holds exactly one complete run, the previous or the new one:
# every file's checksum (the list of files included) matches one of them. The new run (thresholds
# changed, maps off so that it writes fewer files) leaves no file of the previous one.
sums() { (cd "$1" && find . -type f ! -name timings.json | LC_ALL=C sort | xargs sha256sum); }
cp -r a prev
printf 'extend = "%s"\n[zoning]\nzip_below = 3.2\n[outputs]\nmaps = false\n' "$default" >other.toml
expect_rc 0 "$oasis" run other.toml -o other -q
sums prev >prev.sums
sums other >other.sums
cmp -s prev.sums other.sums && fail "the two runs of the kill test give the same files"
[ -e other/maps ] && fail "--overwrite test: the new run should write no maps"
RANDOM=18  # the same moments on every run of the test
for i in $(seq 1 14); do
  case $((i % 3)) in 0) sig=KILL ;; 1) sig=TERM ;; 2) sig=INT ;; esac
  delay=$(printf '%d.%02d' $((1 + RANDOM % 3)) $((RANDOM % 100)))  # 1.00 .. 3.99 s: the write phase and around it
  rm -rf k && cp -r prev k
  (timeout -s "$sig" "$delay" "$oasis" run other.toml -o k -q --overwrite >/dev/null 2>&1 || true) 2>/dev/null
  sums k >k.sums
  cmp -s k.sums prev.sums || cmp -s k.sums other.sums ||
    fail "SIG$sig after ${delay}s: the folder is neither the previous run nor the new one: $(diff prev.sums k.sums | head -5)"
done
# The next run removes what killed runs left beside the folder, and --overwrite leaves no stale file.
expect_rc 0 "$oasis" run other.toml -o k -q --overwrite
sums k >k.sums
cmp -s k.sums other.sums || fail "after --overwrite the folder is not exactly the new run"
[ -z "$(find . -maxdepth 1 -name '.k.oasis-staging-*')" ] || fail "staging folders left beside k"
# A folder holding a file that is not an output is refused (a run replaces the folder whole).
mkdir -p foreign && echo notes >foreign/notes.txt
expect_rc 13 "$oasis" run "$default" -o foreign -q --overwrite
grep -q "notes.txt" err || fail "E-EXISTS does not name the foreign file"
[ "$(cat foreign/notes.txt)" = notes ] || fail "the foreign file was touched"
# 11b. An emergency service closes (scenarios/examples/urgences-closure.toml): diff.csv holds the
# communes that cross the 30-minute line, counted here from its two time columns; `oasis diff` on
# the two folders writes the same file; an unknown FINESS is refused.
expect_rc 0 "$oasis" run "$src/scenarios/examples/urgences-closure.toml" -o clos -q
crossed=$(tail -n +2 clos/diff.csv | awk -F, '$(NF-1) <= 30 && $NF > 30' | wc -l)
[ "$crossed" -gt 0 ] || fail "the closure moves no commune beyond 30 minutes"
jq -e ".comparison.urgences.communes_crossed_beyond == $crossed" clos/summary.json >/dev/null ||
  fail "closure: diff.csv has $crossed communes crossing the line, summary $(jq .comparison.urgences.communes_crossed_beyond clos/summary.json)"
[ "$(jq '.flags.urgences.sae.etablissements_in_territory' clos/summary.json)" -eq "$(( $(tail -n +2 a/urgences.csv | wc -l) - 1 ))" ] ||
  fail "closure: one établissement fewer expected"
expect_rc 0 "$oasis" diff a clos -o clos-diff.csv
cmp -s clos-diff.csv clos/diff.csv || fail "oasis diff and the scenario's diff.csv disagree"
printf 'extend = "%s"\n[flags]\nurgences_closed = ["999999999"]\n' "$default" >badclose.toml
expect_rc 32 "$oasis" run badclose.toml -o badclose -q
grep -q '999999999 is no établissement' err || fail "an unknown FINESS is not named"

# 11c. Siting new MSP (scenarios/examples/siting.toml): the default candidates are the communes of
# at least 1,000 inhabitants without an MSP (flags.msp), counted here from the GeoPackage; no
# opening lands below that population or where an MSP is; the exact model proves its answer.
expect_rc 0 "$oasis" run "$src/scenarios/examples/siting.toml" -o sit -q
want_msp=$(sqlite3 a/communes.gpkg 'select count(*) from communes where msp > 0 and population >= 1000')
want_cand=$(sqlite3 a/communes.gpkg 'select count(*) from communes where msp = 0 and population >= 1000')
jq -e ".siting.candidate_rules.with_msp_excluded == $want_msp and .siting.candidates == $want_cand" sit/summary.json >/dev/null ||
  fail "siting candidates: $(jq -c '.siting.candidate_rules' sit/summary.json), expected $want_msp MSP left out, $want_cand kept"
for c in $(tail -n +2 sit/sites.csv | cut -d, -f1); do
  [ "$(sqlite3 a/communes.gpkg "select msp = 0 and population >= 1000 from communes where code_insee = '$c'")" = 1 ] ||
    fail "an opening in $c, which has an MSP or fewer than 1,000 inhabitants"
done
jq -e '.siting.gap <= 0.05 and .siting.bound >= .siting.objective and .siting.bound < .siting.combinatorial_bound' sit/summary.json >/dev/null ||
  fail "siting bound: $(jq -c '.siting | [.objective, .bound, .combinatorial_bound, .gap]' sit/summary.json)"
# Rules: a candidates file, an exclusion and a minimum distance. The two communes nearest each other
# in the file cannot both open; the excluded one never does.
printf 'code_insee\n18033\n18279\n36044\n36088\n41269\n45234\n28085\n37261\n' >cand.csv
printf 'extend = "%s"\n[siting]\nsites = 3\ncandidates_file = "cand.csv"\nexclude = ["37261"]\nmin_distance_km = 60\n' \
  "$src/scenarios/examples/siting.toml" >rules.toml
expect_rc 0 "$oasis" run rules.toml -o rules -q
# Eight listed, Tours excluded, four with an MSP left out: three candidates, one pair within 60 km,
# so two openings placed of the three asked.
jq -e '.siting.candidate_rules | .rule == "listed" and .listed_from_file == 8 and .excluded == 1 and .with_msp_excluded == 4
       and .candidates == 3 and .pairs_too_close == 1' rules/summary.json >/dev/null &&
  jq -e '.siting.placed == 2' rules/summary.json >/dev/null ||
  fail "siting rules: $(jq -c '.siting.candidate_rules' rules/summary.json)"
! grep -q '^37261,' rules/sites.csv || fail "an excluded commune is proposed"
awk -F, 'NR == FNR { if (FNR > 1) { x[$1] = $15; y[$1] = $16 } next }
         FNR > 1 { c[++n] = $1 }
         END { for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j) {
                 d = sqrt((x[c[i]] - x[c[j]])^2 + (y[c[i]] - y[c[j]])^2) / 1000
                 if (d < 60) { print c[i], c[j], d; bad = 1 } }
               exit bad }' a/zones.csv rules/sites.csv || fail "two openings closer than 60 km"
printf 'code_insee\n99999\n' >badcand.csv
printf 'extend = "%s"\n[siting]\ncandidates_file = "badcand.csv"\n' "$src/scenarios/examples/siting.toml" >badcand.toml
expect_rc 32 "$oasis" run badcand.toml -o badcand -q
grep -q 'badcand.csv' err && grep -q 'line 2' err || fail "an unknown candidate does not name its file and line"

# 12. The raw supply model (docs/calibration.md): RPPS headcount x 2,300 x the département's factor
# of the shipped file; the total recomputed here with awk from the two files. A factors file that
# misses a département of the run, or a bad factor, is refused naming the file and the line.
factors="$src/scenarios/supply/departement-factors-apl2022.csv"
expect_rc 0 "$oasis" access --method apl --region 24 --combine first --factors "$factors" -q -o raw.csv --summary raw.json
want=$(awk -F, 'NR == FNR { if (FNR > 1) f[$1] = $2; next }
                FNR > 1 && $3 ~ /^(18|28|36|37|41|45)$/ { s += $5 * 2300 * f[$3] } END { printf "%.4f", s }' \
  "$factors" "$data/practitioners/rpps2026_gp_counts_communes.csv")
jq -e "(.raw.consultations - $want) | fabs < 1e-3" raw.json >/dev/null || fail "raw model total: expected $want, got $(jq .raw.consultations raw.json)"
jq -e '.supply_model | contains("facteur du département")' raw.json >/dev/null || fail "raw model: description"
printf 'departement,factor\n18,1.1\n28,x\n' >badf.csv
expect_rc 40 "$oasis" access --method apl --region 24 --factors badf.csv -q -o x.csv
grep -q 'badf.csv, line 3' err || fail "a bad factor does not name its line"
printf 'departement,factor\n18,1.1\n' >missf.csv
expect_rc 32 "$oasis" access --method apl --region 24 --factors missf.csv -q -o x.csv
grep -q 'no factor for the département(s) 28, 36, 37, 41, 45' err || fail "a missing département is not named"

echo "run tests: all passed"

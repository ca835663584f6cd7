#!/usr/bin/env bash
# `oasis site` end to end on pysal/spopt's San Francisco instance (205 tracts x 16 stores):
# the file contract, an objective recomputed here from the OD and the chosen sites, the bound.
# Usage (ctest): site_test.sh OASIS_EXE BENCH_DIR WORK_DIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # fail, expect_rc, col
oasis="$1"
bench="$2"
work="$3"
rm -rf "$work" && mkdir -p "$work" && cd "$work"
sf="$bench/spopt_sf/sf_205x16.json"
# Long-format OD (from = tract, to = store, cost in metres) and the demand, written with jq.
jq -r '"from_id,to_id,cost", (.tracts as $t | .stores as $s | .cost_m | to_entries[] | .key as $i | .value | to_entries[] |
       "\($t[$i]),\($s[.key]),\(.value)")' "$sf" >od.csv
jq -r '"id,population", ([.tracts, .weights_POP2000] | transpose[] | "\(.[0]),\(.[1])")' "$sf" >demand.csv
[ "$(wc -l <od.csv)" -eq $((205 * 16 + 1)) ] || fail "od.csv"

"$oasis" site --od od.csv --demand demand.csv --model p-median --p 4 -o sites.csv --summary s.json -q
[ "$(head -1 sites.csv)" = "id" ] && [ "$(tail -n +2 sites.csv | wc -l)" -eq 4 ] || fail "sites.csv: header id and 4 sites"
# Objective recomputed independently: sum over tracts of population x cost to the nearest chosen store.
obj=$(awk -F, 'FNR == 1 { next } FILENAME == ARGV[1] { open[$1] = 1; next }
               FILENAME == ARGV[2] { w[$1] = $2; next }
               ($2 in open) { if (!($1 in best) || $3 < best[$1]) best[$1] = $3 }
               END { for (i in w) s += w[i] * best[i]; printf "%.6f\n", s }' sites.csv demand.csv od.csv)
jq -e --argjson o "$obj" '((.objective - $o) | fabs) <= 1e-6 * $o' s.json >/dev/null || fail "objective $(jq .objective s.json) != recomputed $obj"
jq -e '.bound <= .objective and .gap >= 0 and .gap < 0.001' s.json >/dev/null || fail "bound / gap: $(jq -c '[.objective,.bound,.gap]' s.json)"

# MCLP: the covered population recomputed from the pairs within the radius.
"$oasis" site --od od.csv --demand demand.csv --model mclp --p 4 --radius 5000 -o m.csv --summary m.json -q
cov=$(awk -F, 'FNR == 1 { next } FILENAME == ARGV[1] { open[$1] = 1; next } FILENAME == ARGV[2] { w[$1] = $2; next }
               ($2 in open) && $3 <= 5000 { c[$1] = 1 } END { for (i in c) s += w[i]; printf "%.6f\n", s }' m.csv demand.csv od.csv)
jq -e --argjson c "$cov" '((.objective - $c) | fabs) <= 1e-6 * $c and .bound >= .objective' m.json >/dev/null || fail "mclp covered $cov"

# A fixed store stays open; refusals carry their codes.
printf 'id\nStore_1\n' >fixed.csv
"$oasis" site --od od.csv --demand demand.csv --p 4 --fixed fixed.csv -o f.csv -q
grep -qx "Store_1" f.csv || fail "fixed site not kept"
set +e
"$oasis" site --od od.csv --demand demand.csv --model mclp --p 4 -o x.csv -q 2>/dev/null; [ $? -eq 2 ] || fail "mclp without radius"
printf 'id\nStore_99\n' >bad.csv
"$oasis" site --od od.csv --demand demand.csv --p 4 --fixed bad.csv -o x.csv -q 2>/dev/null; [ $? -eq 32 ] || fail "unknown fixed site"
"$oasis" site --od od.csv --demand demand.csv --p 17 -o x.csv -q 2>/dev/null; [ $? -eq 40 ] || fail "p above the candidates"
set -e
echo "site tests: all passed"

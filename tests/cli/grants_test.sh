#!/usr/bin/env bash
# End-to-end checks of `oasis grants` and of [[grants]] in `oasis run`, on zone lists computed from
# the real public data: awards recomputed independently with awk from zones.csv and the faculties
# file, parameter overrides, zone lists by date, French CSV, refusals, and the budget impact of a
# zoning change.
# Usage (ctest): grants_test.sh OASIS_EXE SOURCE_DIR WORK_DIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # fail, expect_rc, col
oasis="$1"
src="$2"
work="$3"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
G="$src/scenarios/grants"
E="$G/examples"

# 1. Grand Est 2018 on the simulated zoning of région 44.
expect_rc 0 "$oasis" run "$src/scenarios/examples/grand-est.toml" -o ge -q
expect_rc 0 "$oasis" grants --scheme "$G/grand-est-2018-internes.toml" --applications "$E/grand-est-2018-internes.csv" \
  --zones ge -o awards.csv --summary summary.json -q
[ "$(tail -n +2 awards.csv | wc -l)" -eq 8 ] || fail "one row per application"
# Independent recomputation: eligibility from zones.csv (ZIP or ZAC, stage type; the page gives no
# validity period, so none is applied), distance
# from the x/y columns to the faculty (or the nearest of Nancy, Reims, Strasbourg), the
# illustrative bands (600 per 50 km from 600), clamped to 600..3000.
# (Counted from the end of the line: names may hold quoted commas.)
[ "$(head -1 ge/zones.csv | awk -F, '{ print $(NF-9) "," $(NF-1) "," $NF }')" = "zone,x_l93,y_l93" ] || fail "zones.csv columns"
awk -F, '
  FILENAME ~ /facultes/ { fx[$1] = $(NF-1); fy[$1] = $NF; next }
  FILENAME ~ /zones.csv/ { X[$1] = $(NF-1); Y[$1] = $NF; Z[$1] = $(NF-9); next }
  FNR == 1 { next }
  {
    ok = ($4 == "niveau1" || $4 == "saspas") && (Z[$5] == "ZIP" || Z[$5] == "ZAC")
    if (!ok) { print $1 ",no,"; next }
    best = -1
    n = split($3 == "" ? "nancy reims strasbourg" : $3, fs, " ")
    for (i = 1; i <= n; i++) { d = sqrt((X[$5] - fx[fs[i]])^2 + (Y[$5] - fy[fs[i]])^2) / 1000; if (best < 0 || d < best) best = d }
    a = 600 + 600 * int(best / 50); if (a > 3000) a = 3000
    printf "%s,yes,%.2f\n", $1, a
  }' "$G/facultes-medecine.csv" ge/zones.csv "$E/grand-est-2018-internes.csv" >expected.csv
cut -d, -f1-3 awards.csv | tail -n +2 | diff - expected.csv || fail "awards differ from the independent computation"
total=$(awk -F, '$2 == "yes" { s += $3 } END { printf "%.2f", s }' expected.csv)
[ "$(jq -r '.awarded_total | . * 100 | round / 100 | tostring' summary.json)" = "$(echo "$total" | sed 's/\.00$//')" ] ||
  fail "summary total $(jq .awarded_total summary.json) != $total"
jq -e '.checks[0].id == "published-2018" and .checks[0].result == "differs" and .checks[0].total.published == 61400' summary.json >/dev/null ||
  fail "published-total check"
jq -e '[.inputs[].role] == ["scheme", "source", "zones", "faculties", "applications"] and (.inputs[0].sha256 | length) == 64' summary.json >/dev/null ||
  fail "inputs and checksums recorded"
grep -q '^GE-05,no,,,ineligible,.*zone=no' awards.csv || fail "Nancy (hors-zonage) must be refused by the zone clause"
# Every award rests on the illustrative bands (unconfirmed): the summary counts the awarded rows of
# awards.csv, and each awarded row names the fact in its last column.
awarded=$(awk -F, 'NR > 1 && $5 == "awarded"' awards.csv | wc -l)
[ "$awarded" -gt 0 ] || fail "no award: the checks below would prove nothing"
jq -e ".unconfirmed_facts | length == 1 and .[0].fact == \"parameter.distance_bands\" and .[0].awarded_count == $awarded" summary.json \
  >/dev/null || fail "unconfirmed facts: $(jq -c .unconfirmed_facts summary.json)"
[ "$(awk -F, 'NR > 1 && $5 == "awarded" && $NF != "parameter.distance_bands"' awards.csv | wc -l)" -eq 0 ] ||
  fail "awards.csv: the unconfirmed column"
jq -e '.sources[0].found and .sources[0].quotes_verified == 12 and (.open_points | length) == 2' summary.json >/dev/null ||
  fail "sources and open points: $(jq -c '{sources, open_points}' summary.json)"

# 2. A band table given on the command line: every eligible intern gets 1,000.
expect_rc 0 "$oasis" grants --scheme "$G/grand-est-2018-internes.toml" --applications "$E/grand-est-2018-internes.csv" \
  --zones ge/zones.csv --param 'distance_bands=[[0, 1000]]' -o flat.csv --json -q
[ "$(awk -F, '$2 == "yes" && $4 != "1000.00"' flat.csv | wc -l)" -eq 0 ] || fail "--param bands not applied"
expect_rc 64 "$oasis" grants --scheme "$G/grand-est-2018-internes.toml" --applications "$E/grand-est-2018-internes.csv" \
  --zones ge --param 'distance_bandz=[[0, 1000]]' -o x.csv
grep -q "no parameter 'distance_bandz'" err || fail "unknown parameter message"

# 3. Zone lists by date: the run's list from 2019-01-01, an official list (code, zone) from
#    2019-07-01 that takes Le Blanc (36018) out. Same placement, two dates, two answers.
expect_rc 0 "$oasis" run "$src/scenarios/centre-val-de-loire.toml" -o cvl -q
printf 'code_insee,zone\n36018,hors-zonage\n18279,ZIP\n' >official.csv
printf 'id,faculty,stage_commune,start_date,months\nA,tours,36018,2019-05-02,6\nB,tours,36018,2019-11-04,6\nC,tours,36018,2018-11-05,6\n' >apps.csv
expect_rc 0 "$oasis" grants --scheme "$G/aura-2017-bourse-internes.toml" --applications apps.csv --param 'faculties=["tours"]' \
  --zones 2019-01-01=cvl --zones 2019-07-01=official.csv -o dated.csv -q
grep -q '^A,yes,500.00,500.00,awarded' dated.csv || fail "before the official list: eligible"
grep -q '^B,no,,,ineligible' dated.csv || fail "after the official list: refused"
grep -q '^C,unknown,,,eligibility-unknown,.*no zone list is in effect on 2018-11-05' dated.csv || fail "no list in effect: unknown"

# 3b. The AURA 2018 établissements scheme on the SAE établissements of the run (urgences.csv, as
#     docs/grants.md builds its example): eligible = the commune is ZIP or ZAC and the établissement
#     has a 24h/24 SU, counted here with awk from urgences.csv itself.
python3 "$E/sae-applications.py" cvl/urgences.csv >sae-apps.csv
want=$(python3 -c 'import csv, sys; print(sum(r["urgences_24h"] == "oui" and r["zone"] in ("ZIP", "ZAC") for r in csv.DictReader(open(sys.argv[1]))))' cvl/urgences.csv)
[ "$want" -gt 0 ] || fail "no eligible établissement in région 24: the check below would prove nothing"
expect_rc 0 "$oasis" grants --scheme "$G/aura-2018-etablissements-urgences.toml" --applications sae-apps.csv --zones cvl -o sae-awards.csv \
  --summary sae-awards.json -q
jq -e ".eligible.yes == $want and .awarded_total == $((want * 100000))" sae-awards.json >/dev/null ||
  fail "AURA 2018 on the SAE: expected $want eligible, got $(jq -c '{eligible, awarded_total}' sae-awards.json)"

# 4. Quota exhausted mid-list (2 bursaries a year), French CSV.
printf 'id,faculty,stage_commune,start_date,months\n1,tours,18279,2019-05-02,6\n2,tours,37261,2019-05-02,6\n3,tours,18279,2019-06-03,4\n4,tours,18279,2019-07-01,6\n5,tours,18279,2020-01-06,6\n' >q.csv
expect_rc 0 "$oasis" grants --scheme "$G/aura-2017-bourse-internes.toml" --applications q.csv --param 'faculties=["tours"]' \
  --param bursaries_per_year=2 --zones cvl -o q_fr.csv --csv-fr -q
head -c 3 q_fr.csv | od -An -tx1 | grep -q "ef bb bf" || fail "no BOM"
[ "$(cut -d';' -f1,5 q_fr.csv | tail -n +2 | tr '\n' ' ')" = "1;awarded 2;ineligible 3;awarded 4;quota-exhausted 5;awarded " ] ||
  fail "quota order: $(cut -d';' -f1,5 q_fr.csv | tr '\n' ' ')"
grep -q '^3;yes;500,00;500,00;' q_fr.csv || fail "decimal comma"

# 5. Refusals: a rule file with an unknown key (line named), a missing column, a malformed code, an
#    existing output kept without --overwrite.
sed 's/^in = "\$stage_types"/in = "$stage_types"\ninn = 1/' "$G/grand-est-2018-internes.toml" >bad.toml
cp "$G/facultes-medecine.csv" .
expect_rc 64 "$oasis" grants --scheme bad.toml --applications "$E/grand-est-2018-internes.csv" --zones ge -o x.csv
grep -q "E-GRANT-RULE (64): bad.toml, line [0-9]*: unknown key 'inn' in condition 'stage-type'" err || fail "rule error message: $(cat err)"
cut -d, -f1-5 "$E/grand-est-2018-internes.csv" >nodate.csv
expect_rc 41 "$oasis" grants --scheme "$G/grand-est-2018-internes.toml" --applications nodate.csv --zones ge -o x.csv
grep -q "start_date" err || fail "missing column not named"
sed 's/,55010,/,5010,/' "$E/grand-est-2018-internes.csv" >badcode.csv
expect_rc 30 "$oasis" grants --scheme "$G/grand-est-2018-internes.toml" --applications badcode.csv --zones ge -o x.csv
grep -q "line 2" err || fail "malformed code: line not named"
cp awards.csv before.csv
expect_rc 13 "$oasis" grants --scheme "$G/grand-est-2018-internes.toml" --applications "$E/grand-est-2018-internes.csv" \
  --zones ge --param 'distance_bands=[[0, 1000]]' -o awards.csv
cmp -s awards.csv before.csv || fail "an existing output was replaced without --overwrite"
expect_rc 0 "$oasis" grants --scheme "$G/aura-2017-msp-investissement.toml" --describe
grep -q "parameter.aid_rate *unknown *UNPUBLISHED" out || fail "--describe must show the unpublished rate"
grep -q "« jusqu'à 200 000 euros en investissement »" out || fail "--describe must show the quotes"
grep -q "004_2d9821fb72e5467e.txt: 9 quotes found in the page" out || fail "--describe must say the quotes were verified"
# A misquote in a copy of a shipped rule file stops it, naming the fact.
sed 's/jusqu.à 200 000 euros en investissement/jusqu à 300 000 euros/' "$G/aura-2017-msp-investissement.toml" >"$G/misquote-test.toml"
expect_rc 64 "$oasis" grants --scheme "$G/misquote-test.toml" --describe
rm -f "$G/misquote-test.toml"
grep -q "the quote of parameter.cap is not in its source" err || fail "misquote: $(cat err)"

# 5b. Nouvelle-Aquitaine (eligibility only): the bodies, partners and window of the page.
expect_rc 0 "$oasis" grants --scheme "$G/nouvelle-aquitaine-2018-territoires-sante-futur.toml" \
  --applications "$E/nouvelle-aquitaine-2018-territoires-sante-futur.csv" -o na.csv -q
[ "$(cut -d, -f1,2 na.csv | tail -n +2 | tr '\n' ' ')" = "NA-01,yes NA-02,yes NA-03,no NA-04,no NA-05,yes NA-06,unknown NA-07,no NA-08,yes " ] ||
  fail "Nouvelle-Aquitaine eligibility: $(cut -d, -f1,2 na.csv | tr '\n' ' ')"

# 6. In a scenario: the budget impact of new thresholds (examples/grants.toml): Chinon (37072)
#    enters the ZAC, so one more bursary of 500.
expect_rc 0 "$oasis" run "$src/scenarios/examples/grants.toml" -o gr -q
[ -s gr/awards-aura-2017-bourse-internes.csv ] && [ -s gr/awards-cvl-2018-plan-urgence-sante.csv ] || fail "awards files"
jq -e '.grants[1].scheme == "aura-2017-bourse-internes" and .grants[1].baseline.awarded_total_difference == 500
       and .grants[1].baseline.applications_changed == 1 and .grants[1].result.awarded_total == 3500' gr/summary.json >/dev/null ||
  fail "budget impact: $(jq -c '.grants[1].baseline' gr/summary.json)"
grep -q '^CI-08,yes,500.00' gr/awards-aura-2017-bourse-internes.csv || fail "Chinon eligible under the new thresholds"
# The 125 MSP are a total: 3 new MSP counted, the stock before 2018 unpublished, so nothing remaining
# is claimed.
jq -e '.grants[0].result.targets[1] | .id == "msp" and .achieved_new == 3 and .after_deadline == 1 and .achieved == null
       and .remaining == null and .note == "not computable: parameter msp_before unpublished"' gr/summary.json >/dev/null ||
  fail "MSP target tracker: $(jq -c '.grants[0].result.targets[1]' gr/summary.json)"

# 7. Openings of the siting step as applications: 30 salaried posts placed by [siting] (repeat)
#    join the 3 posts of the example file in the Plan Urgence Santé tracker.
expect_rc 0 "$oasis" run "$src/scenarios/examples/salaried-doctors.toml" -o sd -q
placed=$(awk -F, 'NR > 1 { s += $4 } END { print s }' sd/sites.csv)
[ "$placed" -eq 30 ] || fail "sites.csv holds $placed openings, not 30"
[ "$(grep -c '^site-' sd/awards-cvl-2018-plan-urgence-sante.csv)" -eq 30 ] || fail "one application per opening"
jq -e '.grants[0].applications_from_sites == 30 and .grants[0].result.targets[0].id == "salaried-posts"
       and .grants[0].result.targets[0].achieved == 33 and .grants[0].result.targets[0].remaining == 267' sd/summary.json >/dev/null ||
  fail "posts tracker: $(jq -c '.grants[0].result.targets[0]' sd/summary.json)"
echo "grants CLI: all checks passed"

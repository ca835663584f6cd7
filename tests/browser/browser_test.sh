#!/usr/bin/env bash
# report.html in a real browser: headless Chromium (Debian's package) opens the page from the file for
# the default scenario and for one with a baseline; report_check.cjs checks console, map features,
# hover, table and comparison, and saves screenshots in the work folder.
# Usage: browser_test.sh OASIS SOURCE_DIR WORK_DIR
set -euo pipefail
oasis="$1"
src="$2"
work="$3"
rm -rf "$work" && mkdir -p "$work" && cd "$work"
source "$src/tests/cli/lib.sh"
command -v node >/dev/null || fail "node is not installed (bash .ci/setup test installs it)"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "Chromium is not installed: apt-get install chromium (bash .ci/setup test does it)"
[ -d "$src/engine/report/web/node_modules/playwright-core" ] || fail "playwright-core is missing: npm ci --prefix engine/report/web"

expect_rc 0 "$oasis" run "$src/scenarios/centre-val-de-loire.toml" -o default -q
node "$src/tests/browser/report_check.cjs" default --screenshot report.png --map-screenshot report-map.png ||
  fail "the report of the default scenario"
expect_rc 0 "$oasis" run "$src/scenarios/examples/retirements.toml" -o retirements -q
jq -e '.comparison.communes_changed > 0' retirements/summary.json >/dev/null || fail "the retirements example changes no commune: the comparison is not exercised"
node "$src/tests/browser/report_check.cjs" retirements --screenshot retirements.png || fail "the report of a scenario with a baseline"
expect_rc 0 "$oasis" run "$src/scenarios/examples/new-msp.toml" -o new-msp -q
[ "$(tail -n +2 new-msp/diff.csv | wc -l)" -gt 0 ] || fail "new-msp.toml changes no commune: the changed list is not exercised"
node "$src/tests/browser/report_check.cjs" new-msp --changes-screenshot new-msp-changes.png || fail "the report of new-msp.toml"
expect_rc 0 "$oasis" run "$src/scenarios/examples/grants.toml" -o grants -q
jq -e '[.grants[].result.unconfirmed_facts | length] | add > 0' grants/summary.json >/dev/null || fail "the grants example lists no unconfirmed fact: the table is not exercised"
node "$src/tests/browser/report_check.cjs" grants || fail "the report of a scenario with grants"
expect_rc 0 "$oasis" run "$src/scenarios/examples/siting.toml" -o siting -q
node "$src/tests/browser/report_check.cjs" siting --screenshot siting.png || fail "the report of a scenario with siting"
[ -s report.png ] && [ -s report-map.png ] && [ -s retirements.png ] && [ -s new-msp-changes.png ] || fail "no screenshot saved"
echo "ok: screenshots in $work"

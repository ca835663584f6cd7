#!/usr/bin/env bash
# The planner in a real browser: starts `oasis serve` on a free loopback port with the planner's
# Centre-Val de Loire, runs planner_check.cjs (click to add an MSP, undo, a second tab, the export
# run by oasis run, a closed emergency service) and saves two screenshots in the work folder.
# Usage: serve_test.sh OASIS SOURCE_DIR WORK_DIR
set -euo pipefail
oasis="$1"
src="$2"
work="$3"
rm -rf "$work" && mkdir -p "$work" && cd "$work"
source "$src/tests/cli/lib.sh"
command -v node >/dev/null || fail "node is not installed (bash .ci/setup test installs it)"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "Chromium is not installed: apt-get install chromium (bash .ci/setup test does it)"
"$oasis" serve "$src/scenarios/planner/centre-val-de-loire.toml" --port 0 >serve.out 2>serve.err &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q 'http://' serve.out 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' serve.out | head -1) || fail "oasis serve printed no address: $(cat serve.err)"
node "$src/tests/browser/planner_check.cjs" "$url" "$oasis" "$work" --screenshot planner.png --screenshot-urgences planner-urgences.png || fail "the planner in the browser"
kill -INT $server
wait $server || fail "oasis serve did not stop cleanly on SIGINT (exit $?)"
trap - EXIT
[ -s planner.png ] && [ -s planner-urgences.png ] || fail "no screenshot saved"
echo "ok: screenshot in $work/planner.png"

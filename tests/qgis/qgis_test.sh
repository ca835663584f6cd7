#!/usr/bin/env bash
# communes.gpkg in QGIS: runs the default scenario, then check_styles.py opens the GeoPackage with
# PyQGIS (Debian's python3-qgis) and checks its styles against the colours of the maps.
# Usage: qgis_test.sh OASIS SOURCE_DIR WORK_DIR PYTHON
set -euo pipefail
oasis="$1"
src="$2"
work="$3"
python="$4"
rm -rf "$work" && mkdir -p "$work" && cd "$work"
source "$src/tests/cli/lib.sh"
"$python" -c "import qgis.core" 2>/dev/null || fail "PyQGIS is not installed: apt-get install python3-qgis (bash .ci/setup test does it)"
expect_rc 0 "$oasis" run "$src/scenarios/centre-val-de-loire.toml" -o run -q
# The table as QGIS expects it, read without GDAL: three styles, one default per layer.
[ "$(sqlite3 run/communes.gpkg "SELECT group_concat(f_table_name || ':' || styleName || ':' || useAsDefault, ' ') FROM (SELECT * FROM layer_styles ORDER BY fid)")" = \
  "communes:zones:1 communes:apl:0 units:zones:1" ] || fail "layer_styles rows"
[ "$(sqlite3 run/communes.gpkg "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'")" = attributes ] ||
  fail "layer_styles is not registered as an attributes table"
sqlite3 run/communes.gpkg "SELECT styleQML FROM layer_styles WHERE f_table_name = 'communes' AND styleName = 'zones'" > db.qml
cmp -s <(cat run/communes-zones.qml; echo) db.qml || fail "communes-zones.qml differs from the default style in the GeoPackage"
mkdir -m 700 xdg
QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$work/xdg" "$python" "$src/tests/qgis/check_styles.py" run || fail "the styles in QGIS"

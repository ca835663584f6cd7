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
# The sites layer of a siting run: its default style from layer_styles outlines each site in black
# (no fill) and labels it with its name; sites.qml beside is the same document.
expect_rc 0 "$oasis" run "$src/scenarios/examples/siting.toml" -o sit -q
[ "$(sqlite3 sit/communes.gpkg "SELECT styleName || ':' || useAsDefault FROM layer_styles WHERE f_table_name = 'sites'")" = "sites:1" ] ||
  fail "layer_styles: no default style for the sites layer"
sqlite3 sit/communes.gpkg "SELECT styleQML FROM layer_styles WHERE f_table_name = 'sites'" > sites-db.qml
cmp -s <(cat sit/sites.qml; echo) sites-db.qml || fail "sites.qml differs from the style in the GeoPackage"
QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$work/xdg" "$python" - sit/communes.gpkg "$(tail -n +2 sit/sites.csv | wc -l)" <<'PY' || fail "the sites style in QGIS"
import os, sys
from qgis.core import QgsApplication, QgsVectorLayer
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
layer = QgsVectorLayer(f"{sys.argv[1]}|layername=sites", "sites", "ogr")
r = layer.renderer()
sym = r.symbol() if r.type() == "singleSymbol" else None
ok = (layer.isValid() and layer.featureCount() == int(sys.argv[2]) and sym is not None
      and sym.symbolLayer(0).strokeColor().name() == "#000000" and sym.symbolLayer(0).brushStyle() == 0
      and layer.labelsEnabled() and layer.labeling().settings().fieldName == "name")
print("sites: %d features, %s, labels on %r" % (layer.featureCount(), r.type(), layer.labeling().settings().fieldName if layer.labeling() else None))
sys.stdout.flush()
os._exit(0 if ok else 1)
PY
echo "qgis: the sites style checked"

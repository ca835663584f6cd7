"""communes.gpkg opened in QGIS (PyQGIS, Debian's python3-qgis, no display): the default style of
each layer comes from its `layer_styles` table and draws every commune in the colour of its class
on the static maps; the APL style (.qml beside, and the SLD of the table) puts each value in the
class the maps give it, a value on a break in the upper class.

Usage: QT_QPA_PLATFORM=offscreen python3 check_styles.py OUT_DIR
"""
import csv
import os
import sqlite3
import sys
import tempfile

from qgis.core import QgsApplication, QgsFeature, QgsGeometry, QgsRenderContext, QgsVectorLayer
from qgis.PyQt.QtXml import QDomDocument

# The colours of the static maps (docs/maps.md): Okabe-Ito zones, ColorBrewer RdYlBu 4 classes.
ZONES = {"ZIP": "#d55e00", "ZAC": "#e69f00", "hors-zonage": "#e3e3e3"}
APL_BREAKS = [1.5, 2.5, 4.0]
APL_COLOURS = ["#d7191c", "#fdae61", "#abd9e9", "#2c7bb6"]
NO_VALUE = "#bdbdbd"


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def apl_class(v):
    return sum(1 for b in APL_BREAKS if v >= b)


def colours_by_feature(layer):
    """{code_insee: fill colour} as the layer's renderer draws each feature."""
    ctx = QgsRenderContext()
    r = layer.renderer().clone()
    r.startRender(ctx, layer.fields())
    out = {}
    for f in layer.getFeatures():
        syms = r.symbolsForFeature(f, ctx)  # (rule-based renderers, as read from an SLD, have no single symbol)
        key = f["code_insee"] if "code_insee" in f.fields().names() else f["unit_id"]
        out[key] = syms[0].color().name() if len(syms) == 1 else None
    r.stopRender(ctx)
    return out


def main(out):
    gpkg = os.path.join(out, "communes.gpkg")
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    with open(os.path.join(out, "zones.csv"), newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))

    # 1. Communes: the default style is the zoning, from the GeoPackage itself.
    layer = QgsVectorLayer(f"{gpkg}|layername=communes", "communes", "ogr")
    if not layer.isValid():
        fail(f"QGIS cannot open {gpkg}")
    r = layer.renderer()
    if r.type() != "categorizedSymbol" or r.classAttribute() != "zone":
        fail(f"default style of communes: {r.type()} on {r.classAttribute()!r}, expected categorizedSymbol on 'zone'")
    cats = {c.value(): c.symbol().color().name() for c in r.categories()}
    if cats != {**ZONES, "": NO_VALUE}:
        fail(f"zone categories {cats} != {ZONES} + all other values {NO_VALUE}")
    # Any other zone (non-classe: a unit without value) or none is drawn grey, as on the maps.
    probe = QgsVectorLayer("Polygon?crs=EPSG:2154&field=code_insee:string&field=zone:string", "probe", "memory")
    feats = []
    for code, z in (("00001", "non-classe"), ("00002", None), ("00003", "ZAC")):
        f = QgsFeature(probe.fields())
        f.setAttributes([code, z])
        f.setGeometry(QgsGeometry.fromWkt("POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))"))
        feats.append(f)
    probe.dataProvider().addFeatures(feats)

    def other_values(renderer, what):
        probe.setRenderer(renderer.clone())
        got = colours_by_feature(probe)
        if got != {"00001": NO_VALUE, "00002": NO_VALUE, "00003": ZONES["ZAC"]}:
            fail(f"{what}: other values drawn {got}")

    other_values(r, "QML")
    drawn = colours_by_feature(layer)
    for row in rows:
        if drawn.get(row["code_insee"]) != ZONES[row["zone"]]:
            fail(f"{row['code_insee']} ({row['zone']}) drawn {drawn.get(row['code_insee'])}")
    print(f"communes: default style 'zones' from layer_styles, {len(rows)} communes in the map colours")
    # The French titles of the output schema: aliases in QGIS (from the style), and the
    # gpkg_data_columns of the GeoPackage schema extension; population as an integer field.
    titles = dict(sqlite3.connect(gpkg).execute("SELECT column_name, title FROM gpkg_data_columns WHERE table_name = 'communes'"))
    fields = layer.fields()
    for name, want in (("code_insee", "Code INSEE"), ("population", "Population"), ("indicator", "Indicateur zoné")):
        got = layer.attributeAlias(fields.indexOf(name))
        if got != want or titles.get(name) != want:
            fail(f"alias of {name}: QGIS {got!r}, gpkg_data_columns {titles.get(name)!r}, expected {want!r}")
    names = [n for n in fields.names() if n != "fid"]
    if sorted(titles) != sorted(names) or any(not layer.attributeAlias(fields.indexOf(n)) for n in names):
        fail(f"gpkg_data_columns titles {sorted(titles)} for the fields {sorted(names)}, each with an alias in QGIS")
    if fields.field("population").typeName().lower() not in ("integer64", "integer", "int8"):
        fail(f"population is {fields.field('population').typeName()} in QGIS, expected an integer")
    print(f"communes: {len(titles)} fields with their French alias, population {fields.field('population').typeName()}")

    # 2. The APL style: the .qml beside the GeoPackage, then the SLD of the table.
    # (loadNamedStyle() would prefer the GeoPackage's own default style: import the document.)
    doc = QDomDocument()
    with open(os.path.join(out, "communes-apl.qml"), "rb") as f:
        if not doc.setContent(f.read())[0]:
            fail("communes-apl.qml is not XML")
    ok, msg = layer.importNamedStyle(doc)
    if not ok:
        fail(f"communes-apl.qml: {msg}")
    r = layer.renderer()
    if r.type() != "graduatedSymbol" or r.classAttribute() != "indicator":
        fail(f"communes-apl.qml: {r.type()} on {r.classAttribute()!r}")
    if [rg.symbol().color().name() for rg in r.ranges()] != APL_COLOURS:
        fail(f"APL colours {[rg.symbol().color().name() for rg in r.ranges()]}")
    # Values exactly on a break go to the upper class, as on the maps: probe them directly.
    for b in APL_BREAKS:
        for v, want in ((b, apl_class(b)), (b - 1e-9, apl_class(b - 1e-9))):
            got = next((i for i, rg in enumerate(r.ranges()) if rg.lowerValue() <= v <= rg.upperValue()), None)
            if got != want:
                fail(f"APL {v!r}: QGIS range {got}, maps class {want}")
    drawn = colours_by_feature(layer)
    values = {row["code_insee"]: row["apl"] for row in rows}
    con = sqlite3.connect(gpkg)
    indicator = dict(con.execute("SELECT code_insee, indicator FROM communes"))
    checked = 0
    for code, v in indicator.items():
        if v is None:
            continue
        if drawn[code] != APL_COLOURS[apl_class(v)]:
            fail(f"{code}: indicator {v} drawn {drawn[code]}, expected {APL_COLOURS[apl_class(v)]}")
        checked += 1
    print(f"communes-apl.qml: graduated on indicator, {checked} communes in their map class")
    # Open-ended outer classes: a value far outside this run's range is still drawn.
    for v, want in ((-5.0, 0), (1e6, len(APL_COLOURS) - 1)):
        got = next((i for i, rg in enumerate(r.ranges()) if rg.lowerValue() <= v <= rg.upperValue()), None)
        if got != want:
            fail(f"APL {v!r}: QGIS range {got}, expected the open-ended class {want}")

    qml_db = con.execute("SELECT styleQML FROM layer_styles WHERE f_table_name='communes' AND styleName='apl'").fetchone()[0]
    with open(os.path.join(out, "communes-apl.qml"), encoding="utf-8") as f:
        if f.read() != qml_db:
            fail("communes-apl.qml differs from the style stored in the GeoPackage")
    def sld_colours(style):
        """The communes as drawn by the SLD of a stored style, read by QGIS."""
        sld = con.execute("SELECT styleSLD FROM layer_styles WHERE f_table_name='communes' AND styleName=?", (style,)).fetchone()[0]
        with tempfile.NamedTemporaryFile("w", suffix=".sld", delete=False, encoding="utf-8") as f:
            f.write(sld)
        fresh = QgsVectorLayer(f"{gpkg}|layername=communes", "communes", "ogr")
        msg, ok = fresh.loadSldStyle(f.name)
        os.unlink(f.name)
        if not ok:
            fail(f"the SLD of the {style} style: {msg}")
        return colours_by_feature(fresh), fresh.renderer().clone()  # (the layer dies here)

    drawn, _ = sld_colours("apl")
    for code, v in indicator.items():
        if v is not None and drawn[code] != APL_COLOURS[apl_class(v)]:
            fail(f"SLD: {code} indicator {v} drawn {drawn[code]}")
    print(f"SLD of the APL style: {checked} communes in their map class")
    drawn, sld_renderer = sld_colours("zones")
    other_values(sld_renderer, "SLD")
    for row in rows:
        if drawn.get(row["code_insee"]) != ZONES[row["zone"]]:
            fail(f"SLD of the zones style: {row['code_insee']} ({row['zone']}) drawn {drawn.get(row['code_insee'])}")
    print(f"SLD of the zones style: {len(rows)} communes in the map colours")

    # 3. Units: zoning by default too.
    units = QgsVectorLayer(f"{gpkg}|layername=units", "units", "ogr")
    ur = units.renderer()
    if ur.type() != "categorizedSymbol" or ur.classAttribute() != "zone":
        fail(f"default style of units: {ur.type()}")
    zone_of_unit = dict(con.execute("SELECT unit_id, zone FROM units"))
    for uid, colour in colours_by_feature(units).items():
        if colour != ZONES[zone_of_unit[uid]]:
            fail(f"unit {uid} drawn {colour}")
    print(f"units: default style 'zones', {len(zone_of_unit)} units in the map colours")
    # QGIS 3.22 may crash in exitQgis() while Python still holds layers: leave without tearing down.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        fail(__doc__)
    main(sys.argv[1])

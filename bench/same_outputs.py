#!/usr/bin/env python3
"""Compares the output folders of two engine versions, run by run, allowing only the column renames
of docs/decisions/0002-output-schema.md (timings.json excluded). Usage:
    python3 bench/same_outputs.py BEFORE_ROOT AFTER_ROOT
where each root holds one output folder per scenario (oasis run SCENARIO -o ROOT/NAME)."""
import csv, io, json, sqlite3, sys, os, hashlib
before, after = sys.argv[1], sys.argv[2]
REN = {"nom": "name", "unit_nom": "unit_name", "supply_gp": "supply", "supply_gp_before": "supply_before",
       "density_gp_100k": "density_100k", "unit_apl": "unit_indicator"}
bad = 0
def say(*a):
    global bad; bad += 1; print(*a)
for run in sorted(os.listdir(before)):
    b, a = os.path.join(before, run), os.path.join(after, run)
    if not os.path.isdir(b): continue
    fb = sorted(os.path.relpath(os.path.join(r, f), b) for r, _, fs in os.walk(b) for f in fs)
    fa = sorted(os.path.relpath(os.path.join(r, f), a) for r, _, fs in os.walk(a) for f in fs)
    if fb != fa: say(run, "file lists differ", set(fb) ^ set(fa))
    for f in fb:
        if f == "timings.json": continue
        pb, pa = os.path.join(b, f), os.path.join(a, f)
        xb, xa = open(pb, "rb").read(), open(pa, "rb").read()
        if xb == xa: continue
        if f == "zones.csv":
            rb = list(csv.reader(io.StringIO(xb.decode("utf-8-sig")))); ra = list(csv.reader(io.StringIO(xa.decode("utf-8-sig"))))
            hb, ha = rb[0], ra[0]
            want = [REN.get(h, h) for h in hb]; want.insert(want.index("apl") + 1, "indicator"); want[want.index("unit_indicator")] = "unit_indicator"
            if ha != want: say(run, f, "header", ha, want); continue
            ib, ia = hb.index("apl"), ha.index("indicator")
            # old "apl" = the zoned value = new "indicator"; the rest equal
            for x, y in zip(rb[1:], ra[1:]):
                y2 = list(y); apl_new = y2.pop(ha.index("apl"))
                if x != y2: say(run, f, "row", x[:3], y[:3]); break
                if json.load(open(os.path.join(a, "summary.json")))["zoning"]["indicator"] == "apl" and apl_new != y[ia]: say(run, "apl != indicator", y[:3]); break
        elif f in ("diff.csv", "sites.csv"):
            lb, la = xb.decode().split("\n"), xa.decode().split("\n")
            hb = lb[0].replace("unit_apl_baseline", "unit_indicator_baseline").split(",")
            hb = [REN.get(h, h) for h in hb]
            if f == "diff.csv": hb = [("indicator_baseline" if h == "apl_baseline" else "indicator" if h == "apl" else h) for h in hb]
            if hb != la[0].split(",") or lb[1:] != la[1:]: say(run, f, "differs beyond the header")
        elif f in ("summary.json", "report.html"):
            # summary.json -> siting.sites[].nom became name (report.html embeds the summary)
            import re
            if re.sub(rb'("marginal":[^,]*,)"nom":', rb'\1"name":', xb).replace(b'"nom": ', b'"name": ') != xa: say(run, f, "differs beyond sites nom -> name")
        elif f == "communes.gpkg":
            cb, ca = sqlite3.connect(pb), sqlite3.connect(pa)
            tb = [r[0] for r in cb.execute("select name from sqlite_master where type='table' order by name")]
            ta = [r[0] for r in ca.execute("select name from sqlite_master where type='table' order by name")]
            if tb != ta: say(run, f, "tables", tb, ta); continue
            for t in tb:
                colsb = [r[1] for r in cb.execute(f'pragma table_info("{t}")')]; colsa = [r[1] for r in ca.execute(f'pragma table_info("{t}")')]
                ren = dict(REN)
                if t == "units": ren["apl"] = "indicator"
                if [ren.get(c, c) for c in colsb] != colsa: say(run, f, t, "columns", colsb, colsa)
                qb = list(cb.execute(f'select * from "{t}"')); qa = list(ca.execute(f'select * from "{t}"'))
                if t in ("gpkg_ogr_contents", "gpkg_contents", "gpkg_metadata"):
                    # last_change timestamps
                    qb = [tuple(v for v in r if not (isinstance(v, str) and v[:2] == "20" and "T" in v)) for r in qb]
                    qa = [tuple(v for v in r if not (isinstance(v, str) and v[:2] == "20" and "T" in v)) for r in qa]
                if t.startswith("rtree_") or t == "gpkg_extensions": pass
                if qb != qa:
                    if t == "sqlite_sequence": continue
                    say(run, f, t, "rows differ", len(qb), len(qa))
        else:
            say(run, f, "differs")
print("differences beyond the renames:", bad)

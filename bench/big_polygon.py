#!/usr/bin/env python3
"""A boundary file of one commune (Tours, 37261) drawn as a circle of N vertices, in GeoJSON:
the input of the geometry-budget figures in docs/reliability.md.

    python3 bench/big_polygon.py 10000000 /tmp/big.geojson
"""
import math
import sys

n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    f.write('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},'
            '"features":[{"type":"Feature","properties":{"code":"37261"},"geometry":{"type":"Polygon","coordinates":[[')
    for i in range(n):
        a = 2 * math.pi * i / n
        f.write("[%.6f,%.6f]," % (0.69 + 0.05 * math.cos(a), 47.39 + 0.03 * math.sin(a)))
    f.write("[%.6f,%.6f]]]}}]}" % (0.74, 47.39))

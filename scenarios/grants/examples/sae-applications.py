#!/usr/bin/env python3
"""Applications to the AURA 2018 établissements scheme (aura-2018-etablissements-urgences.toml)
from the urgences.csv of a run (docs/urgences.md): one per établissement with an authorised SU or a
SMUR, decided on DATE, requesting AMOUNT euros each. The amount is illustrative: the scheme
publishes none, and no établissement's request is public.
    python3 scenarios/grants/examples/sae-applications.py out/aura/urgences.csv [DATE] [AMOUNT] > apps.csv"""
import csv
import sys

src = sys.argv[1]
date = sys.argv[2] if len(sys.argv) > 2 else "2018-06-01"
amount = sys.argv[3] if len(sys.argv) > 3 else "100000"
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["id", "etablissement", "commune", "decision_date", "urgences_24h", "requested_eur"])
with open(src, encoding="utf-8", newline="") as f:
    for r in csv.DictReader(f):
        w.writerow([r["finess"], r["etablissement"], r["commune"], date, r["urgences_24h"], amount])

#!/usr/bin/env python3
"""Derives assets/kenya-counties.csv (county, sub-county) from the facility registry shipped in assets/.

Run from the repository root: python3 scripts/derive-counties.py
The registry spells one sub-county in lower case ("muranga south"); it is capitalised like the others.
A test (tests/places.rs) checks that the derived list still holds every pair of the registry.
"""
import csv

pairs = set()
with open("assets/kenya-health-facilities-2020.csv", newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        county = " ".join(row["county"].split())
        sub_county = " ".join(row["sub_county"].split())
        if sub_county.islower():
            sub_county = sub_county.title()
        if county and sub_county:
            pairs.add((county, sub_county))

with open("assets/kenya-counties.csv", "w", newline="", encoding="utf-8") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["county", "sub_county"])
    for county, sub_county in sorted(pairs, key=lambda p: (p[0].lower(), p[1].lower())):
        out.writerow([county, sub_county])

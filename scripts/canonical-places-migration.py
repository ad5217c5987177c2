#!/usr/bin/env python3
"""Writes the up.sql of migration 2026-12-03-000013_canonical_places_and_cadres (both dialects) from
assets/kenya-counties.csv and the cadre list of src/domain/cadre.rs (copied below; keep them in step).

Run from the repository root: python3 scripts/canonical-places-migration.py
"""
import csv

CADRES = {
    "medicine": "Medicine",
    "clinical_medicine": "Clinical medicine",
    "nursing": "Nursing",
    "midwifery": "Midwifery",
    "pharmacy": "Pharmacy",
    "medical_laboratory": "Medical laboratory sciences",
    "public_health": "Public health",
    "nutrition": "Nutrition and dietetics",
    "physiotherapy": "Physiotherapy",
}
ALIASES = [
    ("doctor", "medicine"), ("medical officer", "medicine"), ("clinical officer", "clinical_medicine"),
    ("nurse", "nursing"), ("midwife", "midwifery"), ("nursing and midwifery", "nursing"),
    ("pharmaceutical technology", "pharmacy"), ("laboratory", "medical_laboratory"), ("lab", "medical_laboratory"),
    ("nutrition and dietetics", "nutrition"),
]
NAME = "2026-12-03-000013_canonical_places_and_cadres"


def fold(text):
    return " ".join(text.split()).replace("'", "").replace("\u2019", "").lower()


def cadre_fold(text):
    return " ".join(text.replace("_", " ").replace("-", " ").split()).lower()


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def sql_fold(column):
    # Lower case, no apostrophe, runs of spaces made single (three passes cover up to eight spaces).
    expr = f"replace(lower(trim({column})), '''', '')"
    for _ in range(3):
        expr = f"replace({expr}, '  ', ' ')"
    return expr


def sql_cadre_fold(column):
    expr = f"lower(trim(replace(replace({column}, '_', ' '), '-', ' ')))"
    for _ in range(3):
        expr = f"replace({expr}, '  ', ' ')"
    return expr


def main():
    with open("assets/kenya-counties.csv", newline="", encoding="utf-8") as f:
        pairs = [(r["county"], r["sub_county"]) for r in csv.DictReader(f)]
    names = set()
    for key, label in CADRES.items():
        names.add((cadre_fold(key), key))
        names.add((cadre_fold(label), key))
    for alias, key in ALIASES:
        names.add((cadre_fold(alias), key))
    out = ["""-- Places and cadres were typed freely until issue 9; they are now picked from lists (the 47 counties and
-- their sub-counties from the facility registry, assets/kenya-counties.csv; the cadres of src/domain/cadre.rs).
-- This maps the values already stored onto the lists' spelling where they match, ignoring case, surrounding and
-- repeated spaces and apostrophes (and a trailing " county"); what does not match is left as typed and listed
-- for officers on /funder/places. Generated with the lists; keep it in step with them.
CREATE TEMPORARY TABLE issue9_places (county TEXT NOT NULL, sub_county TEXT NOT NULL, county_key TEXT NOT NULL, sub_county_key TEXT NOT NULL);
"""]
    for i in range(0, len(pairs), 50):
        rows = ",\n".join(
            f"({quote(c)}, {quote(s)}, {quote(fold(c))}, {quote(fold(s))})" for c, s in pairs[i:i + 50]
        )
        out.append(f"INSERT INTO issue9_places (county, sub_county, county_key, sub_county_key) VALUES\n{rows};\n")
    county_key = f"replace({sql_fold('applications.home_county')}, ' county', '')"
    out.append(f"""UPDATE applications SET home_county = (SELECT MIN(p.county) FROM issue9_places p WHERE p.county_key = {county_key})
WHERE home_county <> '' AND EXISTS (SELECT 1 FROM issue9_places p WHERE p.county_key = {county_key});
""")
    sub_key = sql_fold("applications.home_sub_county")
    out.append(f"""UPDATE applications SET home_sub_county = (SELECT MIN(p.sub_county) FROM issue9_places p WHERE p.county = applications.home_county AND p.sub_county_key = {sub_key})
WHERE home_sub_county <> '' AND EXISTS (SELECT 1 FROM issue9_places p WHERE p.county = applications.home_county AND p.sub_county_key = {sub_key});
DROP TABLE issue9_places;
""")
    out.append("CREATE TEMPORARY TABLE issue9_cadres (name_key TEXT NOT NULL, cadre TEXT NOT NULL);\n")
    out.append("INSERT INTO issue9_cadres (name_key, cadre) VALUES\n"
               + ",\n".join(f"({quote(k)}, {quote(c)})" for k, c in sorted(names)) + ";\n")
    for table in ["applications", "programmes"]:
        key = sql_cadre_fold(f"{table}.cadre")
        out.append(f"""UPDATE {table} SET cadre = (SELECT MIN(c.cadre) FROM issue9_cadres c WHERE c.name_key = {key})
WHERE cadre <> '' AND EXISTS (SELECT 1 FROM issue9_cadres c WHERE c.name_key = {key});
""")
    out.append("DROP TABLE issue9_cadres;\n")
    for dialect in ["sqlite", "postgres"]:
        with open(f"migrations/{dialect}/{NAME}/up.sql", "w", encoding="utf-8") as f:
            f.write("".join(out))


if __name__ == "__main__":
    main()

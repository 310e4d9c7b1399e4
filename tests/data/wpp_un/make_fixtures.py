"""Build the WPP test fixtures from the tidy wpp2024 extracts (run by hand, never by the tests).

    python tests/data/wpp_un/make_fixtures.py PATH/TO/wpp2024_extracts

writes

* ``tests/data/wpp_tidy/``: the tidy extracts (the format of
  ``data/wpp2024/README.md``) cut to Lao PDR (418) and the years
  2020-2030 (periods 2020-2025 and 2025-2030);
* ``tests/data/wpp_un/``: the same data in the layout of the UN's own CSV
  downloads (https://population.un.org/wpp/downloads, Standard
  Projections, CSV format), gzipped as the UN ships them, for Lao PDR and
  for location 116 "Cambodia", a STAND-IN whose numbers are Viet Nam's
  (704): the extracts have no Cambodian data, and the documented example
  (docs/assumptions.md) imports location 116.

How each UN file is made (see tests/data/wpp_un/README.md): annual values
for calendar year t are those of the WPP 5-year period (mid-year to
mid-year) that contains t + 1/2, so that every UN row equals a row of the
tidy tables; single ages are graduated with ssproj's own graduation
(population split in whole persons that keep each group's total, death
rates reproducing each group's rate, fertility keeping each group's mean).
"""
from __future__ import annotations

import csv
import gzip
import io
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np

from ssproj.demography.graduation import graduate_counts, graduate_mx, graduate_rates_cumulative

HERE = Path(__file__).resolve().parent
TIDY_OUT = HERE.parent / "wpp_tidy"
FIRST, LAST = 2020, 2029          # calendar years of the UN files
PERIODS = [(2020, 2025), (2025, 2030)]
TIDY_YEARS = range(2020, 2031)    # annual years of the tidy subset
LAO, STAND_IN, VIET_NAM = 418, 116, 704
LOCATIONS = {
    LAO: {"source": LAO, "ISO3_code": "LAO", "ISO2_code": "LA", "Location": "Lao People's Democratic Republic",
          "SortOrder": "157"},
    STAND_IN: {"source": VIET_NAM, "ISO3_code": "KHM", "ISO2_code": "KH", "Location": "Cambodia",
               "SortOrder": "150"},
}
VARIANTS = {"Medium": 2, "High": 3, "Low": 4, "Zero migration": 7, "Constant mortality": 8}
ID = ["SortOrder", "LocID", "Notes", "ISO3_code", "ISO2_code", "SDMX_code", "LocTypeID", "LocTypeName", "ParentID",
      "Location", "VarID", "Variant", "Time"]
INDICATORS = [
    "TPopulation1Jan", "TPopulation1July", "TPopulationMale1July", "TPopulationFemale1July", "PopDensity",
    "PopSexRatio", "MedianAgePop", "NatChange", "NatChangeRT", "PopChange", "PopGrowthRate", "DoublingTime",
    "Births", "Births1519", "CBR", "TFR", "NRR", "MAC", "SRB", "Deaths", "DeathsMale", "DeathsFemale", "CDR", "LEx",
    "LExMale", "LExFemale", "LE15", "LE15Male", "LE15Female", "LE65", "LE65Male", "LE65Female", "LE80", "LE80Male",
    "LE80Female", "InfantDeaths", "IMR", "LBsurvivingAge1", "Under5Deaths", "Q5", "Q0040", "Q0040Male",
    "Q0040Female", "Q0060", "Q0060Male", "Q0060Female", "Q1550", "Q1550Male", "Q1550Female", "Q1560", "Q1560Male",
    "Q1560Female", "NetMigrations", "CNMR",
]
LIFE_TABLE = ["MidPeriod", "SexID", "Sex", "AgeGrp", "AgeGrpStart", "AgeGrpSpan", "mx", "qx", "px", "lx", "dx",
              "Lx", "Sx", "Tx", "ex", "ax"]
TIDY_FILES = [
    "population_by_age5_sex.csv", "mortality_rates_by_age5_sex.csv", "fertility_asfr_by_age5.csv",
    "fertility_tfr_by_year.csv", "sex_ratio_at_birth_by_year.csv", "net_migration_by_year.csv",
    "net_migration_projection_by_age_sex.csv", "life_expectancy_at_birth_by_sex.csv", "vital_events_by_year.csv",
]
SEXES = {"male": ("1", "Male"), "female": ("2", "Female"), "both": ("3", "Total")}


def read(source: Path, name: str) -> list[dict[str, str]]:
    with (source / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def num(x: float, decimals: int) -> str:
    """Fixed decimals, trailing zeros dropped (as the UN's files print numbers)."""
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def sig(x: float, digits: int = 6) -> str:
    """`digits` significant digits, positional notation."""
    text = f"{x:.{digits}g}"
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def thousands(persons: int) -> str:
    return num(persons / 1000, 3)


def write_gz(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    data = ("\ufeff" + buf.getvalue()).encode("utf-8")  # the UN's files start with a byte-order mark
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(data)


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return str(self.n)


def ident(code: int, variant: str, year: int | str, sort: Counter) -> list[str]:
    loc = LOCATIONS[code]
    return [sort(), str(code), "", loc["ISO3_code"], loc["ISO2_code"], str(code), "4", "Country/Area", "920",
            loc["Location"], str(VARIANTS[variant]), variant, str(year)]


def period_of(year: int) -> tuple[int, int]:
    return next((s, e) for s, e in PERIODS if s <= year < e)


def group_label(a: int, b: int | None) -> str:
    return f"{a}+" if b is None else (str(a) if a == b else f"{a}-{b}")


def life_table(groups: list[tuple[int, int | None]], mx: list[float]) -> list[list[str]]:
    """mx, qx, px, lx, dx, Lx, Sx, Tx, ex, ax of each group (a = n/2; open group L = l/m)."""
    l, rows = 100000.0, []
    out: list[list[str]] = []
    for (a, b), m in zip(groups, mx, strict=True):
        if b is None:
            q, ax, L = 1.0, 1.0 / m, l / m
        else:
            n = b - a + 1
            ax = n / 2
            q = n * m / (1 + (n - ax) * m)
            L = n * (l - l * q) + ax * l * q
        rows.append((m, q, l, l * q, L, ax))
        l = l * (1 - q)
    T = 0.0
    Ts = []
    for r in reversed(rows):
        T += r[4]
        Ts.append(T)
    Ts.reverse()
    widths = [1.0 if b is None else b - a + 1.0 for a, b in groups]
    for i, (m, q, lx, dx, L, ax) in enumerate(rows):
        # survival ratio per year of age from one group to the next (not read by ssproj)
        S = (rows[i + 1][4] / widths[i + 1]) / (L / widths[i]) if i + 2 < len(rows) else 0.0
        out.append([sig(m), sig(q), sig(1 - q), num(lx, 0), num(dx, 0), num(L, 0), sig(S), num(Ts[i], 0),
                    num(Ts[i] / lx, 2), num(ax, 2)])
    return out


def build(source: Path) -> None:
    data = {name: read(source, name) for name in TIDY_FILES}

    # ---- the tidy subset (Lao PDR, 2020-2030)
    TIDY_OUT.mkdir(exist_ok=True)
    for name, rows in data.items():
        keep = []
        for r in rows:
            if r["country_code"] != str(LAO):
                continue
            if "period_start_year" in r:
                ok = (int(r["period_start_year"]), int(r["period_end_year"])) in PERIODS
            else:
                ok = int(r["year"]) in TIDY_YEARS and (name != "population_by_age5_sex.csv" or r["year"] == "2020")
                ok = ok and r.get("variant") not in ("pi80_lower", "pi80_upper", "pi95_lower", "pi95_upper")
                if name == "net_migration_projection_by_age_sex.csv":
                    ok = ok and int(r["year"]) >= 2023
            if ok:
                keep.append(r)
        with (TIDY_OUT / name).open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(keep)

    # ---- the UN layout
    by = {}
    for code, loc in LOCATIONS.items():
        src = str(loc["source"])
        d = {}
        d["pop"] = {(r["sex"], int(r["age_start"])): (int(r["population_persons"]),
                                                      None if r["age_end"] == "" else int(r["age_end"]))
                    for r in data["population_by_age5_sex.csv"] if r["country_code"] == src and r["year"] == "2020"}
        d["mx"] = {(int(r["period_start_year"]), r["sex"], int(r["age_start"])):
                   (r["mx_deaths_per_person_year"], None if r["age_end"] == "" else int(float(r["age_end"])))
                   for r in data["mortality_rates_by_age5_sex.csv"] if r["country_code"] == src
                   and (int(r["period_start_year"]), int(r["period_end_year"])) in PERIODS}
        d["asfr"] = {(int(r["period_start_year"]), int(r["age_start"])):
                     (float(r["asfr_births_per_woman_per_year"]), float(r["pasfr_percent"]), int(r["age_end"]))
                     for r in data["fertility_asfr_by_age5.csv"] if r["country_code"] == src
                     and (int(r["period_start_year"]), int(r["period_end_year"])) in PERIODS}
        d["tfr"] = {(r["variant"], int(r["year"])): float(r["tfr_children_per_woman"])
                    for r in data["fertility_tfr_by_year.csv"] if r["country_code"] == src}
        d["srb"] = {int(r["year"]): r["srb_males_per_female"]
                    for r in data["sex_ratio_at_birth_by_year.csv"] if r["country_code"] == src}
        d["mig"] = {int(r["year"]): int(r["net_migrants_persons"]) for r in data["net_migration_by_year.csv"]
                    if r["country_code"] == src and r["variant"] in ("estimate", "medium")}
        d["e0"] = {(int(r["year"]), r["sex"]): r["e0_years"] for r in data["life_expectancy_at_birth_by_sex.csv"]
                   if r["country_code"] == src and r["variant"] in ("estimate", "medium")}
        d["vital"] = {int(r["year"]): (int(r["births_persons"]), int(r["deaths_persons"]))
                      for r in data["vital_events_by_year.csv"] if r["country_code"] == src}
        by[code] = d

    def tfr(d, variant: str, year: int) -> float:
        tidy_variant = {"Medium": "estimate" if year <= 2023 else "medium", "High": "high", "Low": "low"}
        return d["tfr"][(tidy_variant.get(variant, "estimate" if year <= 2023 else "medium"), year)]

    # population: 5-year groups and single ages, 1 July 2020
    sort, sort1 = Counter(), Counter()
    rows5, rows1 = [], []
    for code, d in by.items():
        groups = sorted({(a, end) for (_s, a), (_p, end) in d["pop"].items()}, key=lambda g: g[0])
        for a, b in groups:
            m, f = d["pop"][("male", a)][0], d["pop"][("female", a)][0]
            rows5.append(ident(code, "Medium", 2020, sort) + ["2020.5", group_label(a, b), str(a),
                         "-1" if b is None else "5", thousands(m), thousands(f), thousands(m + f)])
        single = {}
        for sex in ("male", "female"):
            counts = [d["pop"][(sex, a)][0] for a, _ in groups]
            fine = graduate_counts([a for a, _ in groups], [np.nan if b is None else b for _, b in groups], counts)
            whole = np.zeros(101, dtype=int)
            for (a, b), total in zip(groups, counts, strict=True):  # whole persons keeping each group's total
                ages = list(range(a, 101 if b is None else b + 1))
                raw = fine[ages]
                base = np.floor(raw).astype(int)
                left = total - base.sum()
                order = sorted(range(len(ages)), key=lambda i: (-(raw[i] - base[i]), i))
                for i in order[:left]:
                    base[i] += 1
                whole[ages] = base
            single[sex] = whole
        for age in range(101):
            m, f = int(single["male"][age]), int(single["female"][age])
            rows1.append(ident(code, "Medium", 2020, sort1) + ["2020.5", "100+" if age == 100 else str(age), str(age),
                         "-1" if age == 100 else "1", thousands(m), thousands(f), thousands(m + f)])
    pop_header = ID + ["MidPeriod", "AgeGrp", "AgeGrpStart", "AgeGrpSpan", "PopMale", "PopFemale", "PopTotal"]
    write_gz(HERE / "WPP2024_PopulationByAge5GroupSex_Medium.csv.gz", pop_header, rows5)
    write_gz(HERE / "WPP2024_PopulationBySingleAgeSex_Medium_1950-2023.csv.gz", pop_header, rows1)

    # life tables: abridged (Male, Female, Total) and complete (one file per sex), 2020-2023 and 2024-2029
    for part, years in (("1950-2023", range(FIRST, 2024)), ("2024-2100", range(2024, LAST + 1))):
        sort = Counter()
        abridged = []
        complete: dict[str, list[list[str]]] = {"Male": [], "Female": []}
        csort = {"Male": Counter(), "Female": Counter()}
        for code, d in by.items():
            for year in years:
                start = period_of(year)[0]
                for sex, (sex_id, label) in SEXES.items():
                    groups = sorted({(a, end) for (s0, sx, a), (_m, end) in d["mx"].items()
                                     if s0 == start and sx == sex}, key=lambda g: g[0])
                    texts = [d["mx"][(start, sex, a)][0] for a, _ in groups]
                    lt = life_table(groups, [float(t) for t in texts])
                    for (a, b), text, cols in zip(groups, texts, lt, strict=True):
                        span = "-1" if b is None else str(b - a + 1)
                        abridged.append(ident(code, "Medium", year, sort)
                                        + [f"{year}.5", sex_id, label, group_label(a, b), str(a), span, text]
                                        + cols[1:])
                    if sex == "both":
                        continue
                    fine = graduate_mx([a for a, _ in groups], [np.nan if b is None else b for _, b in groups],
                                       [float(t) for t in texts])
                    single = [(a, a) for a in range(100)] + [(100, None)]
                    lt1 = life_table(single, [float(sig(m)) for m in fine])
                    for (a, b), cols in zip(single, lt1, strict=True):
                        complete[label].append(ident(code, "Medium", year, csort[label])
                                               + [f"{year}.5", sex_id, label, group_label(a, b), str(a),
                                                  "-1" if b is None else "1"] + cols)
        write_gz(HERE / f"WPP2024_Life_Table_Abridged_Medium_{part}.csv.gz", ID + LIFE_TABLE, abridged)
        for label, rows in complete.items():
            write_gz(HERE / f"WPP2024_Life_Table_Complete_Medium_{label}_{part}.csv.gz", ID + LIFE_TABLE, rows)

    # fertility by age: Medium 2020-2029, Low and High 2024-2029 (the medium pattern at their TFR)
    sort5, sort1 = Counter(), Counter()
    fert5, fert1 = [], []
    for code, d in by.items():
        for variant in ("Medium", "Low", "High"):
            for year in range(FIRST if variant == "Medium" else 2024, LAST + 1):
                start = period_of(year)[0]
                groups = sorted((a, e) for (s0, a), (_r, _p, e) in d["asfr"].items() if s0 == start)
                scale = 1.0 if variant == "Medium" else tfr(d, variant, year) / tfr(d, "Medium", year)
                rates = [d["asfr"][(start, a)][0] * scale for a, _ in groups]
                women = {a: d["pop"][("female", a)][0] for a, _ in groups}
                for (a, e), r in zip(groups, rates, strict=True):
                    fert5.append(ident(code, variant, year, sort5)
                                 + [f"{year}.5", group_label(a, e), str(a), "5", num(1000 * r, 3),
                                    num(d["asfr"][(start, a)][1], 3), num(r * women[a] / 1000, 3)])
                fine = graduate_rates_cumulative([a for a, _ in groups], [e for _, e in groups], rates,
                                                 min_age=15, max_age=49)
                total = float(np.sum(fine))
                for age, r in zip(range(15, 50), fine, strict=True):
                    fert1.append(ident(code, variant, year, sort1)
                                 + [f"{year}.5", str(age), str(age), "1", num(1000 * r, 3),
                                    num(100 * r / total, 3), num(r * women[age - age % 5] / 5000, 3)])
    fert_header = ID + ["MidPeriod", "AgeGrp", "AgeGrpStart", "AgeGrpSpan", "ASFR", "PASFR", "Births"]
    write_gz(HERE / "WPP2024_Fertility_by_Age5.csv.gz", fert_header, fert5)
    write_gz(HERE / "WPP2024_Fertility_by_Age1.csv.gz", fert_header, fert1)

    # demographic indicators: Medium 2020-2029 (and the 2101 row with the population of 1 January only);
    # other variants 2024-2029
    def indicator_row(code: int, d, variant: str, year: int, sort: Counter) -> list[str]:
        values = dict.fromkeys(INDICATORS, "")
        values["TFR"] = num(tfr(d, variant, year), 4)
        values["SRB"] = num(100 * float(d["srb"][year]), 4)
        mig = 0 if variant == "Zero migration" else d["mig"][year]
        values["NetMigrations"] = thousands(mig)
        frozen = variant == "Constant mortality"
        for sex, col in (("male", "LExMale"), ("female", "LExFemale"), ("both", "LEx")):
            values[col] = d["e0"][(2023 if frozen else year, sex)]
        if variant == "Medium" and year in d["vital"]:
            births, deaths = d["vital"][year]
            values["Births"], values["Deaths"] = thousands(births), thousands(deaths)
        if year == 2020:
            m = sum(p for (s, _a), (p, _e) in d["pop"].items() if s == "male")
            f = sum(p for (s, _a), (p, _e) in d["pop"].items() if s == "female")
            values["TPopulation1July"] = thousands(m + f)
            values["TPopulationMale1July"], values["TPopulationFemale1July"] = thousands(m), thousands(f)
        return ident(code, variant, year, sort) + [values[c] for c in INDICATORS]

    sort = Counter()
    medium = []
    for code, d in by.items():
        medium += [indicator_row(code, d, "Medium", y, sort) for y in range(FIRST, LAST + 1)]
        last = ident(code, "Medium", 2101, sort) + [""] * len(INDICATORS)
        last[len(ID)] = thousands(sum(p for (_s, _a), (p, _e) in d["pop"].items()))  # a stand-in value
        medium.append(last)
    write_gz(HERE / "WPP2024_Demographic_Indicators_Medium.csv.gz", ID + INDICATORS, medium)
    sort = Counter()
    other = [indicator_row(code, d, v, y, sort) for v in ("High", "Low", "Zero migration", "Constant mortality")
             for code, d in by.items() for y in range(2024, LAST + 1)]
    write_gz(HERE / "WPP2024_Demographic_Indicators_OtherVariants.csv.gz", ID + INDICATORS, other)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build(Path(sys.argv[1]))

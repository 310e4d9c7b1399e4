"""Import UN World Population Prospects 2024 data as an ssproj assumption set.

:func:`import_wpp` reads one country from a folder holding either of two
formats, recognised from the file names:

* the UN's own CSV downloads (https://population.un.org/wpp/downloads,
  "Standard Projections", "CSV format": ``WPP2024_*.csv.gz``), read by
  :mod:`ssproj.io.wpp_un`: any country or area, single ages where the UN
  gives them, and the demographic variants other than the medium one
  (low, high, zero migration, ...);
* the tidy CSV extracts of the R data package ``wpp2024`` described in
  ``data/wpp2024/README.md`` (one file per WPP dataset, counts already in
  persons), read here: the medium variant only.

It picks the WPP 2024 estimates up to 2023 and the medium variant from 2024,
checks the data, and writes an assumption set in the format of
``docs/dev/formats.md``::

    <out_dir>/assumptions.yaml
    <out_dir>/demography/population.csv
    <out_dir>/demography/mortality.csv
    ...
    <out_dir>/demography/variants/<variant>/<table>.csv   (UN downloads only)

Time conventions written (see the source README, "Time reference"):

* population stocks: 1 July of ``year``;
* annual rates and counts (TFR, SRB, e0, migration, births, deaths, and the
  UN files' mx and ASFR): calendar year ``year``;
* WPP 5-year periods of the tidy extracts (``mx``, ASFR): the period
  labelled ``1950-1955`` runs from 1 July 1950 to 1 July 1955 and is written
  ``period_start=1950.5``, ``period_end=1955.5``.
"""
from __future__ import annotations

import csv
import io
import itertools
import math
import os
import re
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ssproj.errors import MISSING, Problem
from ssproj.io.wpp_parse import (
    CITATION,
    CITATION_COMMENT,
    FIRST_PROJECTION_YEAR,
    LAST_ESTIMATE_YEAR,
    LICENCE,
    LICENCE_URL,
    OPEN_AGE,
    SEXES,
    ImportedData,
    ProblemCollector,
    TableRows,
    WPPImportError,
    in_range,
    parse_e0,
    slug,
    table_headers,
)
from ssproj.io.wpp_parse import BadValue as _Bad
from ssproj.io.wpp_parse import ProblemCollector as _Problems
from ssproj.io.wpp_parse import format_group as _fmt_group
from ssproj.io.wpp_parse import listing as _listing
from ssproj.io.wpp_parse import parse_float as _float
from ssproj.io.wpp_parse import parse_int as _int
from ssproj.io.wpp_parse import parse_nonneg_float as _nonneg_float
from ssproj.io.wpp_parse import parse_nonneg_int as _nonneg_int
from ssproj.io.wpp_parse import parse_positive_float as _positive_float
from ssproj.io.wpp_parse import year_ranges as _ranges
from ssproj.io.wpp_un import DOWNLOAD_PAGE, describe_other_revision, is_un_file, read_un_downloads

__all__ = ["import_wpp", "WPPImportError", "WPPImportWarning", "LAST_ESTIMATE_YEAR", "FIRST_PROJECTION_YEAR"]

_SEXES = SEXES  # output order (alphabetical)
_OPEN_AGE = OPEN_AGE


class WPPImportWarning(UserWarning):
    """Something an import chose for the user: a currency not known, a variant left out."""


#: 5-year population age groups 0-4 ... 95-99 and the open group 100+.
_POP_GROUPS: tuple[tuple[int, int | None], ...] = tuple(
    (a, a + 4) for a in range(0, _OPEN_AGE, 5)
) + ((_OPEN_AGE, None),)
#: Abridged mortality age groups 0, 1-4, 5-9, ..., 95-99, 100+.
_MX_GROUPS: tuple[tuple[int, int | None], ...] = ((0, 0), (1, 4)) + tuple(
    (a, a + 4) for a in range(5, _OPEN_AGE, 5)
) + ((_OPEN_AGE, None),)
#: Fertility age groups 15-19 ... 45-49.
_ASFR_GROUPS: tuple[tuple[int, int | None], ...] = tuple((a, a + 4) for a in range(15, 50, 5))
#: Single ages of the migration table, 100 = 100+.
_MIG_AGES = tuple(range(_OPEN_AGE + 1))

#: ISO 4217 currency of the countries of the shipped sets; others take --currency.
_CURRENCIES = {418: "LAK", 764: "THB", 704: "VND"}
#: ISO 4217 code for "no currency": written when none is known and none is given.
NO_CURRENCY = "XXX"
#: Short names where a slug of the full UN name would be unwieldy.
_SHORT_NAMES = {418: "lao"}

_DATASETS = [
    "popAge5dt",
    "mx5dt",
    "percentASFR5dt",
    "tfr5dt",
    "tfrproj5dt",
    "tfr1dt",
    "tfrproj1dt",
    "sexRatio1dt",
    "migprojAge1dt",
    "mig1dt",
    "migproj1dt",
    "e01dt",
    "e0proj1dt",
    "misc1dt",
    "miscproj1dt",
]

# Source files and the columns read from each of them.
_ID = ("country_code", "country")
_FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "population": (
        "population_by_age5_sex.csv",
        _ID + ("year", "reference_date", "sex", "age_start", "age_end", "population_persons"),
    ),
    "mortality": (
        "mortality_rates_by_age5_sex.csv",
        _ID + ("period_start_year", "period_end_year", "variant", "sex", "age_start", "age_end",
               "mx_deaths_per_person_year"),
    ),
    "fertility": (
        "fertility_asfr_by_age5.csv",
        _ID + ("period_start_year", "period_end_year", "variant", "age_start", "age_end",
               "pasfr_percent", "tfr_period_children_per_woman", "asfr_births_per_woman_per_year"),
    ),
    "tfr": ("fertility_tfr_by_year.csv", _ID + ("year", "variant", "tfr_children_per_woman")),
    "sex_ratio_at_birth": (
        "sex_ratio_at_birth_by_year.csv",
        _ID + ("year", "variant", "srb_males_per_female"),
    ),
    "net_migration": (
        "net_migration_projection_by_age_sex.csv",
        _ID + ("year", "variant", "sex", "age", "net_migrants_persons"),
    ),
    "net_migration_total": (
        "net_migration_by_year.csv",
        _ID + ("year", "variant", "net_migrants_persons"),
    ),
    "life_expectancy": (
        "life_expectancy_at_birth_by_sex.csv",
        _ID + ("year", "variant", "sex", "e0_years"),
    ),
    "vital_events": (
        "vital_events_by_year.csv",
        _ID + ("year", "variant", "births_persons", "deaths_persons"),
    ),
}

# Output tables: name -> header (rates by WPP period).
_HEADERS = table_headers(
    mortality=("period_start", "period_end", "sex", "age_start", "age_end", "mx"),
    fertility=("period_start", "period_end", "age_start", "age_end", "asfr"),
)



def _argument_error(message: str) -> WPPImportError:
    return WPPImportError([Problem("<arguments>", None, "", MISSING, message)],
                          header="invalid arguments to import_wpp")


# --------------------------------------------------------------------------- parsing (tidy extracts)


def _age_end(text: str) -> int | None:
    return None if text.strip() == "" else _int(text)


#: Sex ratio at birth [males per female].
_srb = in_range(_float, 0.5, 2.0, "a ratio of males per female (expected about 1.05)")


Row = tuple[int, dict[str, str]]  # (line number, values)


def _read_all(
    source_dir: Path, country_code: int, problems: _Problems
) -> tuple[dict[str, list[Row]], str | None]:
    """Read the rows of ``country_code`` from every source file.

    Returns the rows per table (tables whose file could not be read are
    absent) and the country name.
    """
    tables: dict[str, list[Row]] = {}
    codes_per_file: dict[str, dict[int, str]] = {}
    for table, (fname, columns) in _FILES.items():
        path = source_dir / fname
        if not path.is_file():
            problems.add(str(path), "source file not found")
            continue
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            absent = [c for c in columns if c not in header]
            for c in absent:
                problems.add(fname, f"missing column {c!r}", line=1)
            if absent:
                continue
            rows: list[Row] = []
            codes: dict[int, str] = {}
            for line, rec in enumerate(reader, start=2):
                if None in rec or any(rec[c] is None for c in columns):
                    problems.add(fname, "wrong number of fields", line=line)
                    continue
                try:
                    code = _int(rec["country_code"])
                except _Bad as exc:
                    problems.add(fname, f"country_code: {exc}", line=line)
                    continue
                codes.setdefault(code, rec["country"])
                if code == country_code:
                    rows.append((line, rec))
        codes_per_file[fname] = codes
        tables[table] = rows

    all_codes: dict[int, str] = {}
    for codes in codes_per_file.values():
        for code_, code_name in codes.items():
            all_codes.setdefault(code_, code_name)
    present = ", ".join(f"{c} ({all_codes[c]})" for c in sorted(all_codes)) or "none"
    if codes_per_file and country_code not in all_codes:
        problems.add("", f"unknown country code {country_code}; codes present: {present}")
        return {}, None
    names: dict[str, set[str]] = {}
    for table, rows in tables.items():
        fname = _FILES[table][0]
        if country_code not in codes_per_file[fname]:
            problems.add(fname, f"no rows for country code {country_code}; codes present: "
                         + ", ".join(str(c) for c in sorted(codes_per_file[fname])))
        for _, rec in rows:
            names.setdefault(rec["country"], set()).add(fname)
    if len(names) > 1:
        problems.add("", f"country code {country_code} has different names in different files: "
                     + "; ".join(f"{n!r} in {', '.join(sorted(f))}" for n, f in sorted(names.items())))
    name = min(names) if names else all_codes.get(country_code)
    return tables, name


def _parse(
    rec: dict[str, str], fname: str, line: int, problems: _Problems,
    parsers: Mapping[str, Callable[[str], Any]],
) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    ok = True
    for col, parse in parsers.items():
        try:
            out[col] = parse(rec[col])
        except _Bad as exc:
            problems.add(fname, f"{col}: {exc}", line=line)
            ok = False
    return out if ok else None


# --------------------------------------------------------------------------- selection


def _annual_variant_selected(variant: str, year: int) -> bool:
    return (variant == "estimate" and year <= LAST_ESTIMATE_YEAR) or (
        variant == "medium" and year >= FIRST_PROJECTION_YEAR
    )


def _select_annual(
    rows: list[Row], table: str, problems: _Problems, values: dict[str, Callable[[str], Any]],
    *, sexed: bool = False, aged: bool = False, medium_required: bool = True,
) -> tuple[dict[tuple, dict[str, Any]], dict[str, list[int]]]:
    """Estimates up to 2023 and the medium variant from 2024, one row per key.

    The key is ``(year,)``, ``(year, sex)`` or ``(year, sex, age)``.
    """
    fname = _FILES[table][0]
    selected: dict[tuple, dict[str, Any]] = {}
    lines: dict[tuple, int] = {}
    variants: dict[int, str] = {}
    parsers: dict[str, Callable[[str], Any]] = {"year": _int}
    if aged:
        parsers["age"] = _int
    parsers.update(values)
    for line, rec in rows:
        try:
            year = _int(rec["year"])
        except _Bad as exc:
            problems.add(fname, f"year: {exc}", line=line)
            continue
        if not _annual_variant_selected(rec["variant"].strip(), year):
            continue
        key: tuple = (year,)
        if sexed:
            sex = rec["sex"].strip()
            if sex == "both":
                continue
            if sex not in _SEXES:
                problems.add(fname, f"unknown sex {sex!r}", line=line)
                continue
            key += (sex,)
        parsed = _parse(rec, fname, line, problems, parsers)
        if parsed is None:
            continue
        if aged:
            if parsed["age"] not in _MIG_AGES:
                problems.add(fname, f"unexpected age {parsed['age']} (expected 0..100)", line=line)
                continue
            key += (parsed["age"],)
        if key in selected:
            problems.add(fname, f"duplicated row after variant selection: {' '.join(map(str, key))} "
                         f"(lines {lines[key]} and {line})")
            continue
        selected[key] = parsed
        lines[key] = line
        variants[year] = rec["variant"].strip()

    years = sorted(variants)
    est = [y for y in years if variants[y] == "estimate"]
    med = [y for y in years if variants[y] == "medium"]
    if not years:
        problems.add(fname, f"no estimate (year <= {LAST_ESTIMATE_YEAR}) or medium-variant "
                     f"(year >= {FIRST_PROJECTION_YEAR}) rows")
        return selected, {"estimate": est, "medium": med}
    gaps = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if gaps:
        problems.add(fname, f"years missing: {_ranges(gaps)}")
    if not est:
        problems.add(fname, f"no estimate rows (year <= {LAST_ESTIMATE_YEAR})")
    if medium_required and not med:
        problems.add(fname, f"no medium-variant rows (year >= {FIRST_PROJECTION_YEAR})")
    if sexed:
        missing = []
        for y in years:
            for s in _SEXES:
                if aged:
                    miss_ages = [a for a in _MIG_AGES if (y, s, a) not in selected]
                    if miss_ages:
                        missing.append(f"{y} {s} ages {_ranges(miss_ages)}")
                elif (y, s) not in selected:
                    missing.append(f"{y} {s}")
        if missing:
            problems.add(fname, "missing year/sex" + ("/age" if aged else "") + " rows: "
                         + _listing(missing))
    return selected, {"estimate": est, "medium": med}


_PERIOD_VARIANTS = ("estimate", "estimate+medium", "medium")


def _period_variant_fits(variant: str, start: int, end: int) -> bool:
    if variant == "estimate":
        return end <= FIRST_PROJECTION_YEAR
    if variant == "medium":
        return start >= FIRST_PROJECTION_YEAR
    return start <= LAST_ESTIMATE_YEAR < end  # estimate+medium straddles


def _select_periods(
    rows: list[Row], table: str, problems: _Problems, values: dict[str, Callable[[str], Any]],
    groups: tuple[tuple[int, int | None], ...], *, sexed: bool,
) -> tuple[dict[tuple, dict[str, Any]], list[tuple[int, int]], dict[tuple[int, int], str]]:
    """Rows of the variants estimate, estimate+medium and medium, one per key.

    The key is ``(start, end[, sex], age_start)`` with WPP period label years.
    """
    fname = _FILES[table][0]
    parsers: dict[str, Callable[[str], Any]] = {
        "period_start_year": _int, "period_end_year": _int, "age_start": _int, "age_end": _age_end,
    }
    parsers.update(values)
    group_set = set(groups)
    selected: dict[tuple, dict[str, Any]] = {}
    lines: dict[tuple, int] = {}
    period_variant: dict[tuple[int, int], str] = {}
    for line, rec in rows:
        variant = rec["variant"].strip()
        if variant not in _PERIOD_VARIANTS:
            continue
        key_sex: tuple = ()
        if sexed:
            sex = rec["sex"].strip()
            if sex == "both":
                continue
            if sex not in _SEXES:
                problems.add(fname, f"unknown sex {sex!r}", line=line)
                continue
            key_sex = (sex,)
        parsed = _parse(rec, fname, line, problems, parsers)
        if parsed is None:
            continue
        start, end = parsed["period_start_year"], parsed["period_end_year"]
        group = (parsed["age_start"], parsed["age_end"])
        if end - start != 5:
            problems.add(fname, f"period {start}-{end} is not a 5-year period", line=line)
            continue
        if not _period_variant_fits(variant, start, end):
            problems.add(fname, f"variant {variant!r} does not fit period {start}-{end}", line=line)
            continue
        if group not in group_set:
            problems.add(fname, f"unexpected age group {_fmt_group(*group)}", line=line)
            continue
        key = (start, end) + key_sex + (group[0],)
        if key in selected:
            problems.add(fname, f"duplicated row after variant selection: period {start}-{end} "
                         + (f"{key_sex[0]} " if sexed else "")
                         + f"age {_fmt_group(*group)} (lines {lines[key]} and {line})")
            continue
        selected[key] = parsed
        lines[key] = line
        period_variant[(start, end)] = variant

    periods = sorted(period_variant)
    if not periods:
        problems.add(fname, "no rows of the variants " + ", ".join(_PERIOD_VARIANTS))
        return selected, periods, period_variant
    for (s0, e0), (s1, e1) in itertools.pairwise(periods):
        if s1 != e0:
            problems.add(fname, f"periods not contiguous: {s0}-{e0} is followed by {s1}-{e1}")
    missing = []
    for start, end in periods:
        for sx in (_SEXES if sexed else (None,)):
            ks = (sx,) if sexed else ()
            miss = [_fmt_group(*g) for g in groups if (start, end) + ks + (g[0],) not in selected]
            if miss:
                missing.append(f"{start}-{end}" + (f" {sx}" if sexed else "")
                               + f" age {' '.join(miss)}")
    if missing:
        problems.add(fname, "missing period/" + ("sex/" if sexed else "") + "age groups: "
                     + _listing(missing))
    return selected, periods, period_variant


def _period_coverage(periods: list[tuple[int, int]], variants: dict[tuple[int, int], str]) -> str:
    parts = []
    for v in _PERIOD_VARIANTS:
        ps = [p for p in periods if variants[p] == v]
        if not ps:
            continue
        first, last = ps[0], ps[-1]
        label = f"{first[0]}-{first[1]}" if first == last else f"{first[0]}-{first[1]} ... {last[0]}-{last[1]}"
        parts.append(f"{label} {v}")
    return "; ".join(parts)


def _annual_coverage(info: dict[str, list[int]]) -> str:
    parts = []
    if info["estimate"]:
        parts.append(f"estimates {_ranges(info['estimate'])}")
    if info["medium"]:
        parts.append(f"medium variant {_ranges(info['medium'])}")
    return ", ".join(parts) if parts else "no data"


# --------------------------------------------------------------------------- tables


def _population(rows: list[Row], problems: _Problems) -> tuple[list[tuple], list[int]]:
    fname = _FILES["population"][0]
    parsers = {"year": _int, "age_start": _int, "age_end": _age_end,
               "population_persons": _nonneg_int}
    group_set = set(_POP_GROUPS)
    cells: dict[tuple, int] = {}
    lines: dict[tuple, int] = {}
    for line, rec in rows:
        sex = rec["sex"].strip()
        if sex not in _SEXES + ("both",):
            problems.add(fname, f"unknown sex {sex!r}", line=line)
            continue
        p = _parse(rec, fname, line, problems, parsers)
        if p is None:
            continue
        year = p["year"]
        if rec["reference_date"].strip() != f"{year}-07-01":
            problems.add(fname, f"reference_date {rec['reference_date']!r} is not "
                         f"1 July {year}; population must be a mid-year stock", line=line)
            continue
        group = (p["age_start"], p["age_end"])
        if group not in group_set:
            problems.add(fname, f"unexpected age group {_fmt_group(*group)}", line=line)
            continue
        key = (year, sex, group[0])
        if key in cells:
            problems.add(fname, f"duplicated row: {year} {sex} age {_fmt_group(*group)} "
                         f"(lines {lines[key]} and {line})")
            continue
        cells[key] = p["population_persons"]
        lines[key] = line
    years = sorted({k[0] for k in cells})
    if not years:
        problems.add(fname, "no population rows")
        return [], years
    gaps = [y for y in range(years[0], years[-1] + 1, 5) if y not in years]
    if gaps or any((y - years[0]) % 5 for y in years):
        problems.add(fname, f"population years are not every 5 years: {', '.join(map(str, years))}")
    missing = []
    for y in years:
        for s in _SEXES:
            miss = [_fmt_group(*g) for g in _POP_GROUPS if (y, s, g[0]) not in cells]
            if miss:
                missing.append(f"{y} {s} age {' '.join(miss)}")
    if missing:
        problems.add(fname, "age groups incomplete: " + _listing(missing))
    # Guard: where both-sexes rows are given they are the sum of the sexes (to rounding).
    bad = []
    for (y, s, a), v in cells.items():
        if s != "both" or (y, "male", a) not in cells or (y, "female", a) not in cells:
            continue
        if abs(v - cells[(y, "male", a)] - cells[(y, "female", a)]) > 1:
            bad.append(f"{y} age {a}")
    if bad:
        problems.add(fname, "both-sexes population differs from male + female: " + _listing(sorted(bad)))
    out = [
        (y, s, g[0], g[1], cells[(y, s, g[0])])
        for y in years for s in _SEXES for g in _POP_GROUPS if (y, s, g[0]) in cells
    ]
    return out, years


def _mortality(rows: list[Row], problems: _Problems):
    sel, periods, variants = _select_periods(
        rows, "mortality", problems, {"mx_deaths_per_person_year": _positive_float}, _MX_GROUPS,
        sexed=True,
    )
    out = [
        (s + 0.5, e + 0.5, sex, g[0], g[1], sel[(s, e, sex, g[0])]["mx_deaths_per_person_year"])
        for (s, e) in periods for sex in _SEXES for g in _MX_GROUPS if (s, e, sex, g[0]) in sel
    ]
    return out, periods, variants


def _fertility(rows: list[Row], problems: _Problems):
    fname = _FILES["fertility"][0]
    sel, periods, variants = _select_periods(
        rows, "fertility", problems,
        {"pasfr_percent": _nonneg_float, "tfr_period_children_per_woman": _positive_float,
         "asfr_births_per_woman_per_year": _nonneg_float},
        _ASFR_GROUPS, sexed=False,
    )
    # Guards (source README): asfr = tfr_period * pasfr / 100 / 5 and 5 * sum(asfr) = tfr_period.
    for s, e in periods:
        cells = [sel[(s, e, g[0])] for g in _ASFR_GROUPS if (s, e, g[0]) in sel]
        if len(cells) != len(_ASFR_GROUPS):
            continue  # already reported as missing
        tfrs = {c["tfr_period_children_per_woman"] for c in cells}
        if max(tfrs) - min(tfrs) > 1e-9 * max(tfrs):
            problems.add(fname, f"period {s}-{e}: tfr_period differs between age groups")
            continue
        tfr = cells[0]["tfr_period_children_per_woman"]
        for g, c in zip(_ASFR_GROUPS, cells, strict=True):
            expect = tfr * c["pasfr_percent"] / 100.0 / 5.0
            if abs(c["asfr_births_per_woman_per_year"] - expect) > 1e-6 * tfr / 5.0:
                problems.add(fname, f"period {s}-{e} age {_fmt_group(*g)}: asfr "
                             f"{c['asfr_births_per_woman_per_year']!r} != tfr_period * pasfr / 500 "
                             f"= {expect!r}")
        total = 5.0 * math.fsum(c["asfr_births_per_woman_per_year"] for c in cells)
        if abs(total - tfr) > 1e-6 * tfr:
            problems.add(fname, f"period {s}-{e}: 5 * sum(asfr) = {total!r} differs from "
                         f"tfr_period = {tfr!r} (relative tolerance 1e-6)")
    out = [
        (s + 0.5, e + 0.5, g[0], g[1], sel[(s, e, g[0])]["asfr_births_per_woman_per_year"])
        for (s, e) in periods for g in _ASFR_GROUPS if (s, e, g[0]) in sel
    ]
    return out, periods, variants


# --------------------------------------------------------------------------- the tidy extracts


def _read_tidy(source_dir: Path, code: int, problems: _Problems) -> ImportedData | None:
    """Read one country from the tidy extracts of the R package ``wpp2024``; None if problems were found."""
    rows, country = _read_all(source_dir, code, problems)
    if country is None:
        return None
    out: dict[str, list[tuple]] = {}
    notes: dict[str, str] = {}
    horizon: dict[str, int] = {}  # table -> last year covered (exclusive end label for periods)

    if "population" in rows:
        out["population"], years = _population(rows["population"], problems)
        if years:
            listed = (", ".join(map(str, years)) if len(years) <= 3
                      else f"{years[0]}, {years[1]}, ..., {years[-1]}")
            notes["population"] = (
                "Persons at 1 July of year (WPP dataset popAge5dt): each value is the mean of "
                "the package's 31 December stocks of year-1 and year. 5-year age groups "
                "0-4 ... 95-99 and the open group 100+ (age_end empty). "
                f"Years: estimates {listed}."
            )
    period_specs: list[tuple[str, Callable[[list[Row], _Problems], tuple], str]] = [
        ("mortality", _mortality,
         "Central death rates mx, deaths per person-year (WPP dataset mx5dt), by sex and "
         "age 0, 1-4, 5-9, ..., 95-99, 100+ (open). WPP 5-year periods run mid-year to "
         "mid-year: '1950-1955' is 1 July 1950 to 1 July 1955, written 1950.5, 1955.5."),
        ("fertility", _fertility,
         "Age-specific fertility rates, births per woman per year, ages 15-19 ... 45-49: "
         "asfr = tfr_period * pasfr / 100 / 5 (WPP datasets percentASFR5dt, tfr5dt, "
         "tfrproj5dt); 5 * sum(asfr) = period TFR checked on import. Periods mid-year to "
         "mid-year as for mortality ('1950-1955' written 1950.5, 1955.5)."),
    ]
    for table, read_periods, text in period_specs:
        if table not in rows:
            continue
        out[table], periods, pv = read_periods(rows[table], problems)
        if periods:
            horizon[table] = periods[-1][1]
            notes[table] = f"{text} Periods: {_period_coverage(periods, pv)}."

    annual_specs: list[tuple[str, dict[str, Callable[[str], Any]], dict[str, Any], str]] = [
        ("tfr", {"tfr_children_per_woman": _positive_float}, {},
         "Total fertility rate, children per woman, calendar year (WPP datasets tfr1dt, "
         "tfrproj1dt)"),
        ("sex_ratio_at_birth", {"srb_males_per_female": _srb}, {},
         "Sex ratio at birth, males per female (a ratio, e.g. 1.05), calendar year (WPP dataset "
         "sexRatio1dt)"),
        ("net_migration", {"net_migrants_persons": _int}, {"sexed": True, "aged": True},
         "Net migrants (immigrants minus emigrants), persons during the calendar year, by sex "
         "and single age 0..100 (100 = 100+) (WPP dataset migprojAge1dt); not available by age "
         "before 2023"),
        ("net_migration_total", {"net_migrants_persons": _int}, {},
         "Net migrants, both sexes, persons during the calendar year (WPP datasets mig1dt, "
         "migproj1dt)"),
        ("life_expectancy", {"e0_years": parse_e0}, {"sexed": True, "medium_required": False},
         "Period life expectancy at birth, years, by sex, calendar year (WPP datasets e01dt, "
         "e0proj1dt); reference for checks"),
        ("vital_events", {"births_persons": _nonneg_int, "deaths_persons": _nonneg_int},
         {"medium_required": False},
         "Births and deaths, both sexes, persons during the calendar year (WPP datasets misc1dt, "
         "miscproj1dt); reference for checks"),
    ]
    annual: dict[str, dict[tuple, dict[str, Any]]] = {}
    for table, values, opts, text in annual_specs:
        if table not in rows:
            continue
        sel, info = _select_annual(rows[table], table, problems, values, **opts)
        annual[table] = sel
        cov = _annual_coverage(info)
        if not info["medium"]:
            cov += " (the source has no projection for this country)"
        else:
            horizon[table] = max(info["medium"])
        notes[table] = f"{text}. Years: {cov}."
        cols = list(values)
        out[table] = [k + tuple(sel[k][c] for c in cols) for k in sorted(sel)]

    # Guard: net migration by age sums to the total series within rounding.
    if "net_migration" in annual and "net_migration_total" in annual:
        by_age: dict[int, int] = {}
        for (y, _s, _a), v in annual["net_migration"].items():
            by_age[y] = by_age.get(y, 0) + v["net_migrants_persons"]
        tol = 0.5 * len(_SEXES) * len(_MIG_AGES)
        worst = 0
        for y, total in sorted(by_age.items()):
            if (y,) not in annual["net_migration_total"]:
                problems.add(_FILES["net_migration_total"][0],
                             f"year {y} is in the migration-by-age table but not in the total series")
                continue
            diff = total - annual["net_migration_total"][(y,)]["net_migrants_persons"]
            worst = max(worst, abs(diff))
            if abs(diff) > tol:
                problems.add(_FILES["net_migration"][0],
                             f"year {y}: net migration summed over ages {total} differs from the "
                             f"total series by {diff} persons (more than rounding, {tol:g})")
        if by_age and "net_migration" in notes:
            notes["net_migration"] += (
                f" Summed over ages it matches net_migration_total to within {worst} persons "
                "(rounding)."
            )

    # Guard: all projection inputs end in the same year.
    if len(set(horizon.values())) > 1:
        problems.add("", "tables end in different years: "
                     + ", ".join(f"{t} {y}" for t, y in sorted(horizon.items())))

    if problems:
        return None
    return ImportedData(
        country=country,
        tables={t: TableRows(_HEADERS[t], out[t], notes[t]) for t in _HEADERS},
        source={
            "citation": CITATION,
            "licence": LICENCE,
            "url": "https://population.un.org/wpp/",
            "datasets": list(_DATASETS),
            "notes": (
                "Distributed in the R data package wpp2024 (https://github.com/PPgp/wpp2024) and "
                "read from tidy CSV extracts of its datasets. Licence text: "
                f"{LICENCE_URL}. Population, migration, births and deaths converted from "
                "thousands to persons (rounded to whole persons; the package stores 3 decimals "
                "of thousands, so nothing is lost). Selected (estimates to "
                f"{LAST_ESTIMATE_YEAR}, medium variant from {FIRST_PROJECTION_YEAR}) and "
                "reshaped by ssproj; not endorsed by the United Nations."
            ),
        },
        description=(
            f"{country}: demographic assumptions from the UN World Population Prospects 2024 "
            f"(estimates to {LAST_ESTIMATE_YEAR}, medium variant from {FIRST_PROJECTION_YEAR})."
        ),
        origin_comment=(
            CITATION_COMMENT
            + "# Distributed in the R data package wpp2024. Converted from thousands to persons\n"
            "# and reshaped by ssproj; not endorsed by the United Nations.\n"
        ),
        source_placeholder="<wpp2024 extracts>",
    )


# --------------------------------------------------------------------------- output


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):  # pragma: no cover - not produced
        raise TypeError("bool in table")
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        text = repr(v)  # shortest string that round-trips exactly
        if "e" in text or "E" in text:  # same digits, positional: 5.425e-05 -> 0.00005425
            text = format(Decimal(text), "f")
        return text
    return str(v)


def _csv_bytes(header: tuple[str, ...], rows: list[tuple]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([_cell(v) for v in r])
    return buf.getvalue().encode("utf-8")


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it over ``path``."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _yaml_bytes(doc: dict, header: str) -> bytes:
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False,
                          width=88)
    return (header + body).encode("utf-8")


# --------------------------------------------------------------------------- main

_TIDY_NAMES = frozenset(fname for fname, _ in _FILES.values())


def _detect_format(source_dir: Path, problems: _Problems) -> str | None:
    """``"un"`` (the UN's CSV downloads), ``"tidy"`` (the wpp2024 extracts) or None (a problem is recorded)."""
    names = sorted(p.name for p in source_dir.iterdir() if p.is_file())
    tidy = [n for n in names if n in _TIDY_NAMES]
    un = [n for n in names if is_un_file(n)]
    if tidy and un:
        problems.add("", f"the folder holds both the UN's CSV downloads ({_listing(un)}) and the tidy wpp2024 "
                     f"extracts ({_listing(tidy)}); put each in a folder of its own")
        return None
    if un:
        return "un"
    if tidy:
        return "tidy"
    hint = describe_other_revision(names)
    problems.add("", "no WPP 2024 files found: expected the UN's CSV downloads (WPP2024_*.csv.gz from "
                 f"{DOWNLOAD_PAGE}) or the tidy wpp2024 extracts ({', '.join(sorted(_TIDY_NAMES))})"
                 + (f"; {hint}" if hint else ""))
    return None


def _variant_dir(out_dir: Path) -> Path:
    return out_dir / "demography" / "variants"


def _existing_variant_files(out_dir: Path) -> list[Path]:
    """Table files under ``demography/variants/`` (those an import writes: ``<variant>/<table>.csv``)."""
    root = _variant_dir(out_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob("*/*.csv") if p.stem in _HEADERS)


def import_wpp(
    source_dir: str | os.PathLike[str],
    country_code: int | str,
    out_dir: str | os.PathLike[str],
    *,
    name: str | None = None,
    overwrite: bool = False,
    currency: str | None = None,
    variants: Sequence[str] | None = None,
) -> Path:
    """Write an assumption set for one country from UN World Population Prospects 2024 files.

    Reads the folder `source_dir`, which holds either the UN's own CSV
    downloads (``WPP2024_*.csv.gz``, see :mod:`ssproj.io.wpp_un`) or the tidy
    extracts of the R package ``wpp2024`` (see the README next to them); the
    format is recognised from the file names. Keeps the rows of
    `country_code`, selects the estimates up to 2023 and the medium variant
    from 2024, checks them and writes ``out_dir/assumptions.yaml`` and
    ``out_dir/demography/*.csv`` in the format of ``docs/dev/formats.md``.
    From the UN downloads it also writes the other demographic variants in
    the files (``low``, ``high``, ``zero_migration``, ...) as table overrides
    under ``out_dir/demography/variants/<variant>/``, declared under
    ``variants:`` in ``assumptions.yaml``; a scenario selects one with
    ``demographic_variant: <name>``. Nothing is written unless every check
    passes.

    Parameters
    ----------
    source_dir : path-like
        Folder holding the files: the UN's CSV downloads (population, life
        tables, fertility by age, demographic indicators; compressed or not)
        or the tidy extracts (``population_by_age5_sex.csv``,
        ``mortality_rates_by_age5_sex.csv``, ...), not both.
    country_code : int or str
        UN location code (M49, the UN files' ``LocID``), e.g. 418 (Lao PDR),
        116 (Cambodia), 764 (Thailand), 704 (Viet Nam).
    out_dir : path-like
        Folder of the assumption set; created if needed.
    name : str, optional
        Name of the assumption set. Default: a slug of the country name
        (``lao``, ``cambodia``, ``viet_nam``).
    overwrite : bool, default False
        Replace an existing assumption set in `out_dir` (and remove the
        table files of variants it no longer has). Without it an existing
        ``assumptions.yaml`` or table file is an error.
    currency : str, optional
        ISO 4217 code of the currency the country's amounts are in, e.g.
        ``"KHR"``. Default: LAK, THB, VND for Lao PDR, Thailand, Viet Nam;
        for other countries ``"XXX"`` (ISO 4217 "no currency", enough for a
        demography-only set) with a `WPPImportWarning`.
    variants : sequence of str, optional
        UN downloads only: the demographic variants to import besides the
        medium one, by name (``"high"``) or UN label (``"High"``); a single
        string is read as a comma-separated list (``"low,high"``). Default:
        every variant the files hold that can be built; those that cannot
        (a variant that changes mortality, since the life tables are given
        for the medium variant only; a bound of the probabilistic
        projection) are left out with a `WPPImportWarning`. Pass ``[]`` for
        none.

    Returns
    -------
    pathlib.Path
        Path of the written ``assumptions.yaml``.

    Raises
    ------
    WPPImportError
        (a ``ValueError``) listing, one per line, every problem found: unknown
        country code (with the codes present), missing files, missing
        columns, unparsable values, values in the wrong unit, duplicated rows
        after variant selection, missing years, periods, sexes or age
        groups, failed identities, a variant asked for that is not in the
        files or cannot be built.
    FileExistsError
        If the assumption set exists and ``overwrite`` is false.

    Notes
    -----
    Tables written (``demography/``), with units:

    ``population.csv``
        ``year,sex,age_start,age_end,persons``: persons at 1 July of ``year``,
        ages 0-4 ... 95-99 and 100+ (``age_end`` empty), or single ages
        0..99 and 100+ from the UN's single-age file. Estimates: 1950, 1955,
        ..., 2020 from the tidy extracts; every year to 2023 from the UN
        files.
    ``mortality.csv``
        Central death rates in deaths per person-year, ages 0, 1-4, 5-9,
        ..., 95-99, 100+ (or single ages from the UN's complete life
        tables). Tidy extracts: ``period_start,period_end,sex,age_start,
        age_end,mx``, WPP period ``1950-1955`` (1 July 1950 to 1 July 1955)
        written ``1950.5,1955.5``; UN files: ``year,sex,age_start,age_end,mx``
        by calendar year.
    ``fertility.csv``
        Births per woman per year, ages 15-19 ... 45-49 (or single ages from
        the UN's ``Fertility_by_Age1``): ``period_start,period_end,age_start,
        age_end,asfr`` (tidy) or ``year,age_start,age_end,asfr`` (UN files,
        ASFR / 1000).
    ``tfr.csv``
        ``year,tfr``: children per woman, calendar year.
    ``sex_ratio_at_birth.csv``
        ``year,srb``: males per female (a ratio, about 1.05; the UN's SRB / 100).
    ``net_migration.csv``
        ``year,sex,age,persons``: net migrants in the calendar year, persons,
        single ages 0..100 (100 = 100+), from 2023. From the UN files, whose
        net migration is a total only, the total spread with a model age
        schedule (an assumption; see :mod:`ssproj.io.wpp_un`).
    ``net_migration_total.csv``
        ``year,persons``: net migrants in the calendar year, persons.
    ``life_expectancy.csv``
        ``year,sex,e0``: period life expectancy at birth, years.
    ``vital_events.csv``
        ``year,births,deaths``: persons in the calendar year.

    Annual tables hold the estimates up to 2023 and the medium variant from
    2024. Checks made while reading the tidy extracts (source README):
    population age groups complete, both-sexes population = male + female,
    ``asfr = tfr_period * pasfr / 500`` and ``5 * sum(asfr) = tfr_period``
    (relative 1e-6), net migration summed over ages equals the total series
    within rounding (0.5 person per age-sex cell), all projection inputs end
    in the same year. The UN files: the columns of each file, every value
    in its unit's range, PopMale + PopFemale = PopTotal (within rounding),
    complete years, sexes and age groups, all files ending in the same year.

    Output is deterministic: sorted rows, floats written with the digits of
    ``repr`` (shortest exact round-trip) in positional notation, so a re-run
    gives identical bytes. Each file is written atomically (temporary file,
    then :func:`os.replace`); the tables are written before
    ``assumptions.yaml``.
    """
    source_dir = Path(source_dir)
    out_dir = Path(out_dir)
    problems = ProblemCollector(source_dir)

    if isinstance(country_code, bool):
        raise _argument_error(f"country_code must be a UN location code, not {country_code!r}")
    try:
        code = int(str(country_code).strip())
    except ValueError:
        raise _argument_error(f"country_code must be a UN location code (an integer), "
                              f"not {country_code!r}") from None
    if name is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise _argument_error(f"name {name!r} is not a valid assumption set name "
                              "(letters, digits, '_', '-', '.')")
    if currency is not None and not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)):
        raise _argument_error(f"currency {currency!r} is not an ISO 4217 code (three capital letters, "
                              "e.g. KHR)")
    if isinstance(variants, str):
        variants = [v.strip() for v in variants.split(",") if v.strip()]
    if variants is not None and not all(isinstance(v, str) and v.strip() for v in variants):
        raise _argument_error(f"variants must be names of demographic variants, e.g. ['low', 'high'], "
                              f"not {variants!r}")

    yaml_path = out_dir / "assumptions.yaml"
    demo_dir = out_dir / "demography"
    targets = [yaml_path] + [demo_dir / f"{t}.csv" for t in _HEADERS] + _existing_variant_files(out_dir)
    if not overwrite:
        existing = [str(p) for p in targets if p.exists()]
        if existing:
            raise FileExistsError(
                f"an assumption set already exists in {out_dir}; to replace it pass "
                "overwrite=True (ssproj import-wpp --overwrite):\n" + "\n".join(f"  - {p}" for p in existing)
            )

    if not source_dir.is_dir():
        problems.add("", "source directory not found")
        raise WPPImportError(problems.problems(),
                             header=f"cannot import WPP 2024 extracts for country {code}")
    fmt = _detect_format(source_dir, problems)
    if fmt is None:
        raise WPPImportError(problems.problems(), header=f"cannot import WPP 2024 data from {source_dir}")
    if fmt == "tidy":
        if variants:
            raise _argument_error("the tidy wpp2024 extracts hold the medium variant only; demographic variants "
                                  f"are imported from the UN's CSV downloads ({DOWNLOAD_PAGE})")
        header = f"cannot import WPP 2024 extracts from {source_dir} for country {code}"
        data = _read_tidy(source_dir, code, problems)
    else:
        header = f"cannot import the WPP 2024 CSV files in {source_dir} for location {code}"
        data = read_un_downloads(source_dir, code, problems,
                                 variants=None if variants is None else [v.strip() for v in variants])
    if problems or data is None:
        raise WPPImportError(problems.problems(), header=header)
    for variant, reason in data.skipped.items():
        warnings.warn(f"demographic variant {variant!r} not imported: {reason}", WPPImportWarning, stacklevel=2)

    country = data.country
    set_name = name if name is not None else _SHORT_NAMES.get(code) or slug(country)
    if not set_name:
        raise _argument_error(f"cannot make a name from the country name {country!r}; pass name=")
    if currency is None:
        currency = _CURRENCIES.get(code)
        if currency is None:
            currency = NO_CURRENCY
            warnings.warn(f"no currency is known for {country} (location {code}); wrote currency: {NO_CURRENCY} "
                          "(ISO 4217 'no currency'), enough for demography; pass its ISO 4217 code "
                          "(currency=..., ssproj import-wpp --currency) before adding a scheme",
                          WPPImportWarning, stacklevel=2)

    doc: dict[str, Any] = {"name": set_name, "country": country, "country_code": code, "currency": currency}
    doc["description"] = data.description
    doc["sources"] = {"wpp2024": dict(data.source)}
    doc["tables"] = {
        t: {"file": f"demography/{t}.csv", "source": "wpp2024", "confidence": rows.confidence,
            "notes": rows.notes}
        for t, rows in data.tables.items()
    }
    variant_files: dict[Path, TableRows] = {}
    if fmt == "un":
        doc["variants"] = {"medium": {
            "description": (f"UN WPP 2024 medium variant from {FIRST_PROJECTION_YEAR}: the set's own tables "
                            "(select it to undo a variant chosen by a parent scenario)."),
            "tables": {},
        }}
        for v in data.variants.values():
            entry: dict[str, Any] = {"description": v.description, "tables": {}}
            for t, rows in v.tables.items():
                rel = f"demography/variants/{v.name}/{t}.csv"
                entry["tables"][t] = {"file": rel, "source": "wpp2024", "confidence": rows.confidence,
                                      "notes": rows.notes}
                variant_files[out_dir / rel] = rows
            doc["variants"][v.name] = entry
    extra = "" if currency == _CURRENCIES.get(code, NO_CURRENCY) else f" --currency {currency}"
    header_comment = (
        f"# ssproj assumption set: {country} (UN location code {code}).\n"
        "#\n"
        + data.origin_comment
        + "#\n"
        "# Generated by ssproj.io.wpp.import_wpp; do not edit by hand. Regenerate with\n"
        f"#   ssproj import-wpp --source {data.source_placeholder} --country {code}{extra} "
        "--out <this folder> --overwrite\n"
        "\n"
    )

    stale = [p for p in _existing_variant_files(out_dir) if p not in variant_files]
    demo_dir.mkdir(parents=True, exist_ok=True)
    for t, rows in data.tables.items():
        _write_atomic(demo_dir / f"{t}.csv", _csv_bytes(rows.header, rows.rows))
    for path, rows in variant_files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, _csv_bytes(rows.header, rows.rows))
    _write_atomic(yaml_path, _yaml_bytes(doc, header_comment))
    # the files of variants this import no longer has (only overwrite=True gets here with any)
    for path in stale:
        path.unlink(missing_ok=True)
    for folder in sorted({p.parent for p in stale}) + [_variant_dir(out_dir)]:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return yaml_path

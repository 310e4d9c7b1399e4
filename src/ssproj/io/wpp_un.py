"""Read the UN's own World Population Prospects 2024 CSV downloads for one country.

The files are those of https://population.un.org/wpp/downloads, folder
"Standard Projections", group "CSV format" (each file is also at
``https://population.un.org/wpp/assets/Excel%20Files/1_Indicator%20(Standard)/CSV_FILES/<name>``).
Put the ones below in one folder, compressed (``.csv.gz``, as downloaded)
or not, under their UN names; :func:`read_un_downloads` reads them:

* population at 1 July by sex and single age,
  ``WPP2024_PopulationBySingleAgeSex_Medium_1950-2023``, or by 5-year age
  group, ``WPP2024_PopulationByAge5GroupSex_Medium`` (columns ``PopMale``,
  ``PopFemale``, ``PopTotal``, thousands);
* death rates ``mx`` by sex and single age, the four complete life tables
  ``WPP2024_Life_Table_Complete_Medium_{Female,Male}_{1950-2023,2024-2100}``,
  or for ages 0, 1-4, 5-9, ..., 100+, the two abridged ones
  ``WPP2024_Life_Table_Abridged_Medium_{1950-2023,2024-2100}``;
* fertility rates ``ASFR`` (births per 1,000 women) by single age,
  ``WPP2024_Fertility_by_Age1``, or by 5-year age group,
  ``WPP2024_Fertility_by_Age5`` (every variant);
* ``TFR``, ``SRB`` (males per 100 female births), ``NetMigrations``,
  ``Births``, ``Deaths`` (thousands), ``LExMale``, ``LExFemale`` (years) from
  ``WPP2024_Demographic_Indicators_Medium`` and, for the other variants,
  ``WPP2024_Demographic_Indicators_OtherVariants`` (optional).

Where a file by single age and one by age group are both given, the single
ages are read.

Every file has the UN's identification columns (``SortOrder, LocID, Notes,
ISO3_code, ISO2_code, SDMX_code, LocTypeID, LocTypeName, ParentID,
Location, VarID, Variant, Time``); ssproj reads ``LocID``, ``Location``,
``Variant`` and ``Time`` of them, and ``AgeGrpStart``, ``AgeGrpSpan``
(``-1`` for the open group 100+) and ``Sex`` (or ``SexID``) where there are
ages and sexes. ``Time`` is a calendar year: population at 1 July of it,
rates and counts for the calendar year. The ``Medium`` variant covers
1950-2100 (estimates to 2023); the other variants start in 2024. Rows after
2100 (the indicators file's 2101 row, with the population of 1 January
2101 only) are not read.

Demographic variants: a variant other than ``Medium`` found in the files
(``Low``, ``High``, ``Zero migration``, ...) becomes a set of table
overrides: the tables in which it differs from the medium variant. The
life tables are published for the medium variant only, so a variant whose
life expectancy (``LExMale``, ``LExFemale``) differs from the medium
variant's (``Constant mortality``, ``No change``, ``Momentum``) cannot be
built and is left out (or refused when asked for by name). The bounds of
the probabilistic projection (``Lower 80 PI``, ...) are not sets of
assumptions and are never imported.

Net migration by age: the downloads give net migrants in total only
(``NetMigrations``). As the tidy import does, the set holds the total series
(``net_migration_total``, every year) and an age-sex detail from 2023
(``net_migration``); here the detail is the total spread over ages with the
Rogers-Castro model schedule (Rogers and Castro 1981, "fundamental"
parameters, without the constant term) and split equally between the
sexes, an assumption marked as such. For earlier years the projection
scales the 2023 pattern to each year's total (``net_migration_total``).
A scenario may replace the table with the country's own data (``tables:``).
"""
from __future__ import annotations

import csv
import functools
import gzip
import itertools
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN
from pathlib import Path
from typing import TextIO, TypeVar

from ssproj.errors import did_you_mean
from ssproj.io.wpp_parse import (
    CITATION,
    CITATION_COMMENT,
    FIRST_PROJECTION_YEAR,
    LAST_ESTIMATE_YEAR,
    LICENCE,
    LICENCE_URL,
    OPEN_AGE,
    SEXES,
    BadValue,
    ImportedData,
    ProblemCollector,
    TableRows,
    VariantRows,
    format_group,
    in_range,
    listing,
    parse_decimal,
    parse_e0,
    parse_float,
    parse_int,
    slug,
    table_headers,
    year_ranges,
)

__all__ = [
    "DOWNLOAD_PAGE",
    "FILE_URL",
    "LAST_PROJECTION_YEAR",
    "ROGERS_CASTRO",
    "describe_other_revision",
    "is_un_file",
    "migration_age_pattern",
    "read_un_downloads",
]

#: The UN's download page of the CSV files.
DOWNLOAD_PAGE = "https://population.un.org/wpp/downloads?folder=Standard%20Projections&group=CSV%20format"
#: Folder of the files themselves (append the file name).
FILE_URL = "https://population.un.org/wpp/assets/Excel%20Files/1_Indicator%20(Standard)/CSV_FILES/"
#: Last year read; the indicators file's 2101 row holds only the population of 1 January 2101.
LAST_PROJECTION_YEAR = 2100
#: Rogers-Castro model migration schedule m(x) = a1 exp(-alpha1 x)
#: + a2 exp(-alpha2 (x - mu2) - exp(-lambda2 (x - mu2))) + c: the "fundamental"
#: parameters of Rogers and Castro (1981), Model Migration Schedules, IIASA
#: RR-81-30, with c = 0 (no constant term: net emigration must not reach the
#: oldest ages, where populations are smallest).
ROGERS_CASTRO = {"a1": 0.02, "alpha1": 0.1, "a2": 0.06, "alpha2": 0.1, "mu2": 20.0, "lambda2": 0.4, "c": 0.0}

_MEDIUM = "Medium"
_ID_COLUMNS = ("LocID", "Location", "Variant", "Time")
_INDICATORS = ("TFR", "SRB", "NetMigrations", "LExMale", "LExFemale", "Births", "Deaths")
#: Indicators that may be empty (reference tables only).
_OPTIONAL_INDICATORS = ("Births", "Deaths")
_UN_NAME = re.compile(r"^wpp2024_.+\.csv(\.gz)?$", re.IGNORECASE)
_OTHER_REVISION = re.compile(r"^wpp(19|20)\d\d_.+\.(csv|zip)(\.gz)?$", re.IGNORECASE)
#: Short definitions of the variants whose meaning is certain; the rest link to the UN's page.
_DEFINITIONS = {
    "Low": "total fertility 0.5 child below the medium variant",
    "High": "total fertility 0.5 child above the medium variant",
    "Zero migration": "net migration zero",
}
_DEFINITIONS_URL = "https://population.un.org/wpp/DefinitionOfProjectionScenarios"
#: Largest difference in life expectancy at birth [years] between a variant and
#: the medium variant for the variant to keep the medium variant's death rates
#: (the indicators file gives e0 with 4 decimals).
_E0_SAME = 0.005


@dataclass(frozen=True)
class _Kind:
    """A kind of UN file: its name (regular expression) and the columns read."""

    pattern: str
    columns: tuple[str, ...]
    example: str

    def matches(self, stem: str) -> re.Match[str] | None:
        return re.fullmatch(self.pattern, stem)


_AGE = ("AgeGrpStart", "AgeGrpSpan")
_KINDS: dict[str, _Kind] = {
    "population_single": _Kind(
        r"wpp2024_populationbysingleagesex_medium_1950-2023", _AGE + ("PopMale", "PopFemale", "PopTotal"),
        "WPP2024_PopulationBySingleAgeSex_Medium_1950-2023.csv.gz"),
    "population_age5": _Kind(
        r"wpp2024_populationbyage5groupsex_medium", _AGE + ("PopMale", "PopFemale", "PopTotal"),
        "WPP2024_PopulationByAge5GroupSex_Medium.csv.gz"),
    "life_table_complete": _Kind(
        r"wpp2024_life_table_complete_medium_(female|male)_(1950-2023|2024-2100)", _AGE + ("mx",),
        "WPP2024_Life_Table_Complete_Medium_Female_1950-2023.csv.gz"),
    "life_table_abridged": _Kind(
        r"wpp2024_life_table_abridged_medium_(1950-2023|2024-2100)", _AGE + ("mx",),
        "WPP2024_Life_Table_Abridged_Medium_1950-2023.csv.gz"),
    "fertility_age1": _Kind(r"wpp2024_fertility_by_age1", _AGE + ("ASFR",), "WPP2024_Fertility_by_Age1.csv.gz"),
    "fertility_age5": _Kind(r"wpp2024_fertility_by_age5", _AGE + ("ASFR",), "WPP2024_Fertility_by_Age5.csv.gz"),
    "indicators_medium": _Kind(r"wpp2024_demographic_indicators_medium", _INDICATORS,
                               "WPP2024_Demographic_Indicators_Medium.csv.gz"),
    "indicators_other": _Kind(r"wpp2024_demographic_indicators_othervariants", _INDICATORS,
                              "WPP2024_Demographic_Indicators_OtherVariants.csv.gz"),
}
_LIFE_TABLE_PARTS: dict[str, list[tuple[str | None, str]]] = {
    "life_table_complete": [(s, p) for s in ("female", "male") for p in ("1950-2023", "2024-2100")],
    "life_table_abridged": [(None, p) for p in ("1950-2023", "2024-2100")],
}

#: Age groups expected in each kind of table (None = open group 100+).
_SINGLE_AGES = tuple((a, a) for a in range(OPEN_AGE)) + ((OPEN_AGE, None),)
_AGE5 = tuple((a, a + 4) for a in range(0, OPEN_AGE, 5)) + ((OPEN_AGE, None),)
_ABRIDGED = ((0, 0), (1, 4)) + tuple((a, a + 4) for a in range(5, OPEN_AGE, 5)) + ((OPEN_AGE, None),)
#: Ages a fertility table may cover (ssproj's fertility table, docs/dev/formats.md).
_FERTILE = (10, 54)

Row = tuple[int, dict[str, str]]  # (line, values of the columns read)
_T = TypeVar("_T")
Group = tuple[int, int | None]


def is_un_file(name: str) -> bool:
    """Whether a file name is one of the UN's WPP 2024 CSV downloads (``WPP2024_*.csv[.gz]``)."""
    return bool(_UN_NAME.match(name))


def _stem(name: str) -> str:
    low = name.lower()
    for suffix in (".gz", ".csv"):
        if low.endswith(suffix):
            low = low[: -len(suffix)]
    return low


@contextmanager
def _open_text(path: Path) -> Iterator[TextIO]:
    """A CSV file as text, gunzipped if it is compressed (whatever its name)."""
    with path.open("rb") as raw:
        magic = raw.read(2)
    if magic == b"\x1f\x8b":
        with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
            yield fh
    else:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            yield fh


# --------------------------------------------------------------------------- values


def _persons(text: str) -> int:
    """Thousands as the UN gives them (``"7346.527"``) to whole persons (7346527)."""
    return int((parse_decimal(text) * 1000).to_integral_value(rounding=ROUND_HALF_EVEN))


def _nonneg_persons(text: str) -> int:
    v = _persons(text)
    if v < 0:
        raise BadValue(f"{text.strip()} thousand is negative")
    return v


def _scaled(text: str, divisor: int) -> float:
    """``text / divisor`` computed in decimal, so that ``"45.123" / 1000`` is 0.045123, not 0.045122999..."""
    return float(parse_decimal(text) / divisor)


#: Age-specific fertility rate: the UN's births per 1,000 women to births per woman [1/year].
_asfr = in_range(functools.partial(_scaled, divisor=1000), 0.0, 1.0,
                 "births per 1,000 women (expected 0 to 1000)", closed="[]", show_text=True)
#: Sex ratio at birth: the UN's males per 100 female births to males per female [1].
_srb = in_range(functools.partial(_scaled, divisor=100), 0.8, 1.3,
                "males per 100 female births (expected about 105)", closed="[]", show_text=True)
#: Total fertility rate [children per woman].
_tfr = in_range(parse_float, 0.0, 15.0, "a total fertility rate (children per woman, 0 to 15)", closed="(]")
#: Central death rate [deaths per person-year].
_mx = in_range(parse_float, 0.0, 5.0, "a central death rate (deaths per person-year, above 0 and at most 5)",
               closed="(]")


def _group(rec: dict[str, str]) -> tuple[int, int | None]:
    start = parse_int(rec["AgeGrpStart"])
    span = parse_int(rec["AgeGrpSpan"])
    if span == -1:
        return start, None
    if span < 1:
        raise BadValue(f"AgeGrpSpan {span} is not a number of years (or -1 for the open group)")
    return start, start + span - 1


def _sex(rec: dict[str, str]) -> str | None:
    """``female``, ``male`` or None (both sexes); BadValue otherwise."""
    label = rec.get("Sex", "").strip().lower()
    if not label and rec.get("SexID", "").strip():
        label = {"1": "male", "2": "female", "3": "both"}.get(rec["SexID"].strip(), rec["SexID"].strip())
    if label in ("male", "female"):
        return label
    if label in ("both", "total", "both sexes"):
        return None
    raise BadValue(f"unknown sex {label!r} (expected Male, Female or Total)")


# --------------------------------------------------------------------------- files


@dataclass
class _Files:
    """The UN files found in the source folder, by kind."""

    by_kind: dict[str, list[tuple[Path, re.Match[str]]]]
    ignored: list[str]


def _find_files(source_dir: Path) -> _Files:
    by_kind: dict[str, list[tuple[Path, re.Match[str]]]] = {k: [] for k in _KINDS}
    ignored = []
    for path in sorted(source_dir.iterdir()):
        if not path.is_file() or not is_un_file(path.name):
            continue
        stem = _stem(path.name)
        for kind, spec in _KINDS.items():
            m = spec.matches(stem)
            if m:
                by_kind[kind].append((path, m))
                break
        else:
            ignored.append(path.name)
    return _Files(by_kind, ignored)


def _read_rows(path: Path, code: int, columns: tuple[str, ...], problems: ProblemCollector,
               locations: dict[int, str]) -> list[Row] | None:
    """The rows of location `code` in one file (only `columns`), or None if the file cannot be read.

    Every other location's code and name is added to `locations` (to list
    them when `code` is not found). Rows are compared on ``LocID`` first:
    about half a million rows a second, a minute or so for the largest
    files (hundreds of MB compressed).
    """
    fname = path.name
    try:
        with _open_text(path) as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            if not header:
                problems.add(fname, "the file is empty")
                return None
            wanted = _ID_COLUMNS + columns
            missing = [c for c in wanted if c not in header]
            if "mx" in columns and "Sex" not in header and "SexID" not in header:
                missing.append("Sex")
            if missing:
                for c in missing:
                    problems.add(fname, f"missing column {c!r} (the UN's CSV files have {', '.join(wanted)})", line=1)
                return None
            keep = list(dict.fromkeys(wanted + (("Sex",) if "Sex" in header else ())
                                      + (("SexID",) if "SexID" in header else ())))
            index = {c: header.index(c) for c in keep}
            i_loc, i_name = index["LocID"], index["Location"]
            n = len(header)
            codes: dict[str, int] = {}
            rows: list[Row] = []
            for line, rec in enumerate(reader, start=2):
                if not rec:
                    continue
                raw = rec[i_loc] if len(rec) > i_loc else ""
                loc = codes.get(raw)
                if loc is None:
                    try:
                        loc = parse_int(raw)
                    except BadValue:
                        loc = -1  # an aggregate without a code; not a country
                    codes[raw] = loc
                    if loc >= 0 and len(rec) > i_name:
                        locations.setdefault(loc, rec[i_name].strip())
                if loc != code:
                    continue
                if len(rec) != n:
                    problems.add(fname, f"wrong number of fields ({len(rec)}; the header has {n})", line=line)
                    continue
                rows.append((line, {c: rec[i] for c, i in index.items()}))
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError, csv.Error) as exc:
        problems.add(fname, f"cannot be read: {type(exc).__name__}: {exc}")
        return None
    return rows


def _keyed(rows: list[Row], fname: str, problems: ProblemCollector,
           parse: Callable[[dict[str, str]], tuple[tuple, dict[str, object]] | None],
           what: str) -> dict[tuple, dict[str, object]]:
    """Parse rows into ``key -> values`` (`parse` returns None to skip a row); duplicates are problems."""
    out: dict[tuple, dict[str, object]] = {}
    lines: dict[tuple, int] = {}
    for line, rec in rows:
        try:
            parsed = parse(rec)
        except BadValue as exc:
            problems.add(fname, str(exc), line=line)
            continue
        if parsed is None:
            continue
        key, values = parsed
        if key in out:
            problems.add(fname, f"duplicated row: {what} {' '.join(str(k) for k in key)} "
                         f"(lines {lines[key]} and {line})", line=line)
            continue
        out[key] = values
        lines[key] = line
    return out


def _column(name: str, parse: Callable[[str], _T], rec: dict[str, str]) -> _T:
    """``parse(rec[name])``, its error prefixed with the column name."""
    try:
        return parse(rec[name])
    except BadValue as exc:
        raise BadValue(f"{name}: {exc}") from None


def _time(rec: dict[str, str]) -> int:
    return _column("Time", parse_int, rec)


# --------------------------------------------------------------------------- tables


def _population(rows: list[Row], fname: str, single: bool, problems: ProblemCollector
                ) -> tuple[list[tuple], list[int]]:
    """Population at 1 July of the estimate years (up to 2023), persons."""
    expected = _SINGLE_AGES if single else _AGE5

    def parse(rec):
        year = _time(rec)
        if year > LAST_ESTIMATE_YEAR or rec["Variant"].strip() != _MEDIUM:
            return None  # projections are not a base population
        group = _group(rec)
        if group not in expected:
            raise BadValue(f"unexpected age group {format_group(*group)} (expected "
                           f"{'single ages 0..99 and 100+' if single else '0-4, 5-9, ..., 95-99, 100+'})")
        male = _column("PopMale", _nonneg_persons, rec)
        female = _column("PopFemale", _nonneg_persons, rec)
        total = _column("PopTotal", _nonneg_persons, rec)
        if abs(male + female - total) > 2:  # each of the three is rounded to 0.5 person
            raise BadValue(f"PopMale + PopFemale = {(male + female) / 1000:g} thousand differs from "
                           f"PopTotal = {total / 1000:g} thousand by more than rounding")
        return (year, group[0]), {"male": male, "female": female, "end": group[1]}

    cells = _keyed(rows, fname, problems, parse, "year/age")
    years = sorted({y for y, _ in cells})
    if not years:
        problems.add(fname, f"no population of the estimate years (up to {LAST_ESTIMATE_YEAR}) of the Medium variant")
        return [], []
    missing = []
    for y in years:
        miss = [g for g in expected if (y, g[0]) not in cells]
        if miss:
            text = " ".join(format_group(*g) for g in miss) if len(miss) <= 6 else year_ranges(a for a, _ in miss)
            missing.append(f"{y} ages {text}")
    if missing:
        problems.add(fname, "age groups incomplete: " + listing(missing))
    out = [(y, sex, a, cells[(y, a)]["end"], cells[(y, a)][sex])
           for y in years for sex in SEXES for a, _ in expected if (y, a) in cells]
    return out, years


def _mortality(parts: list[tuple[str, list[Row]]], abridged: bool, problems: ProblemCollector
               ) -> dict[str, dict[tuple, float]]:
    """Death rates by variant: ``{variant: {(year, sex, age_start): mx}}``."""
    expected = _ABRIDGED if abridged else _SINGLE_AGES
    by_variant: dict[str, dict[tuple, float]] = {}
    for fname, rows in parts:
        def parse(rec):
            sex = _sex(rec)
            if sex is None:
                return None
            year = _time(rec)
            if year > LAST_PROJECTION_YEAR:
                return None
            group = _group(rec)
            if group not in expected:
                raise BadValue(f"unexpected age group {format_group(*group)} (expected "
                               f"{'0, 1-4, 5-9, ..., 95-99, 100+' if abridged else 'single ages 0..99 and 100+'})")
            return (rec["Variant"].strip(), year, sex, group[0]), {"mx": _column("mx", _mx, rec)}

        for (variant, year, sex, age), v in _keyed(rows, fname, problems, parse, "variant/year/sex/age").items():
            by_variant.setdefault(variant, {})[(year, sex, age)] = v["mx"]  # type: ignore[assignment]
    return by_variant


def _fertility(rows: list[Row], fname: str, single: bool, problems: ProblemCollector
               ) -> tuple[dict[str, dict[tuple, float]], list[Group]]:
    """Fertility rates by variant: ``{variant: {(year, age_start): asfr}}`` and the age groups."""
    groups: dict[int, int | None] = {}

    def parse(rec):
        year = _time(rec)
        if year > LAST_PROJECTION_YEAR:
            return None
        group = _group(rec)
        width = 1 if single else 5
        end = group[1]
        if end is None or end - group[0] + 1 != width or group[0] < _FERTILE[0] or end > _FERTILE[1]:
            raise BadValue(f"unexpected age group {format_group(*group)} (expected "
                           f"{'single' if single else '5-year'} ages within {_FERTILE[0]}-{_FERTILE[1]})")
        groups[group[0]] = end
        return (rec["Variant"].strip(), year, group[0]), {"asfr": _column("ASFR", _asfr, rec)}

    by_variant: dict[str, dict[tuple, float]] = {}
    for (variant, year, age), v in _keyed(rows, fname, problems, parse, "variant/year/age").items():
        by_variant.setdefault(variant, {})[(year, age)] = v["asfr"]  # type: ignore[assignment]
    ordered = sorted(groups.items())
    for (a0, e0), (a1, _e1) in itertools.pairwise(ordered):
        if e0 is not None and a1 != e0 + 1:
            problems.add(fname, f"fertility age groups are not contiguous: {format_group(a0, e0)} is followed "
                         f"by {format_group(a1, _e1)}")
            break
    return by_variant, ordered


def _indicators(rows: list[Row], fname: str, problems: ProblemCollector) -> dict[str, dict[int, dict[str, object]]]:
    """``{variant: {year: {TFR, SRB, NetMigrations, LExMale, LExFemale, Births, Deaths}}}`` in ssproj's units."""
    parsers: dict[str, Callable[[str], object]] = {
        "TFR": _tfr, "SRB": _srb, "NetMigrations": _persons, "LExMale": parse_e0, "LExFemale": parse_e0,
        "Births": _nonneg_persons, "Deaths": _nonneg_persons,
    }

    def parse(rec):
        year = _time(rec)
        if year > LAST_PROJECTION_YEAR:
            return None
        values: dict[str, object] = {}
        for col, fn in parsers.items():
            if rec[col].strip() == "":
                if col in _OPTIONAL_INDICATORS:
                    continue
                raise BadValue(f"{col}: empty (no value for {year})")
            values[col] = _column(col, fn, rec)
        return (rec["Variant"].strip(), year), values

    out: dict[str, dict[int, dict[str, object]]] = {}
    for (variant, year), values in _keyed(rows, fname, problems, parse, "variant/year").items():
        out.setdefault(variant, {})[year] = values
    return out


def _check_years(years: list[int], fname: str, what: str, problems: ProblemCollector) -> None:
    if years:
        gaps = sorted(set(range(years[0], years[-1] + 1)) - set(years))
        if gaps:
            problems.add(fname, f"{what}: years missing: {year_ranges(gaps)}")


# --------------------------------------------------------------------------- migration by age


def migration_age_pattern() -> list[tuple[str, int, float]]:
    """Shares of net migrants by sex and single age: ``(sex, age, share)``, summing to 1.

    The Rogers-Castro schedule `ROGERS_CASTRO` evaluated at the middle of
    each single age (``x + 0.5``; 100.5 for the open group 100+),
    normalised, and split equally between the sexes.
    """
    p = ROGERS_CASTRO
    m = []
    for age in range(OPEN_AGE + 1):
        x = age + 0.5
        m.append(p["a1"] * math.exp(-p["alpha1"] * x)
                 + p["a2"] * math.exp(-p["alpha2"] * (x - p["mu2"]) - math.exp(-p["lambda2"] * (x - p["mu2"])))
                 + p["c"])
    total = math.fsum(m)
    return [(sex, age, 0.5 * v / total) for sex in SEXES for age, v in enumerate(m)]


def _allocate(total: int, shares: list[float]) -> list[int]:
    """Whole persons by cell summing exactly to `total` (largest remainders, ties to the first cell)."""
    sign = -1 if total < 0 else 1
    n = abs(total)
    raw = [n * s for s in shares]
    out = [math.floor(r) for r in raw]
    left = n - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[:left]:
        out[i] += 1
    return [sign * v for v in out]


def _migration_by_age(totals: dict[int, int], first_year: int) -> list[tuple]:
    pattern = migration_age_pattern()
    shares = [s for _, _, s in pattern]
    rows = []
    for year in sorted(y for y in totals if y >= first_year):
        for (sex, age, _), persons in zip(pattern, _allocate(totals[year], shares), strict=True):
            rows.append((year, sex, age, persons))
    return rows


# --------------------------------------------------------------------------- assembling


#: Output tables: name -> header (rates by calendar year).
_HEADERS = table_headers(
    mortality=("year", "sex", "age_start", "age_end", "mx"),
    fertility=("year", "age_start", "age_end", "asfr"),
)


def _coverage(years: list[int]) -> str:
    est = [y for y in years if y <= LAST_ESTIMATE_YEAR]
    proj = [y for y in years if y >= FIRST_PROJECTION_YEAR]
    parts = []
    if est:
        parts.append(f"estimates {year_ranges(est)}")
    if proj:
        parts.append(f"projection {year_ranges(proj)}")
    return ", ".join(parts) if parts else "none"


def _annual_tables(ind: dict[int, dict[str, object]], fname_text: str) -> dict[str, TableRows]:
    """tfr, sex_ratio_at_birth, net_migration_total, life_expectancy, vital_events from indicator rows."""
    years = sorted(ind)
    vital_years = [y for y in years if "Births" in ind[y] and "Deaths" in ind[y]]
    tables = {
        "tfr": TableRows(_HEADERS["tfr"], [(y, ind[y]["TFR"]) for y in years],
                         f"Total fertility rate, children per woman, calendar year ({fname_text}, column TFR). "
                         f"Years: {_coverage(years)}."),
        "sex_ratio_at_birth": TableRows(
            _HEADERS["sex_ratio_at_birth"], [(y, ind[y]["SRB"]) for y in years],
            f"Sex ratio at birth, males per female (a ratio, e.g. 1.05): the UN's SRB (males per 100 female "
            f"births) / 100, calendar year ({fname_text}, column SRB). Years: {_coverage(years)}."),
        "net_migration_total": TableRows(
            _HEADERS["net_migration_total"], [(y, ind[y]["NetMigrations"]) for y in years],
            f"Net migrants, both sexes, persons during the calendar year: NetMigrations (thousands) x 1000 "
            f"({fname_text}). Years: {_coverage(years)}."),
        "life_expectancy": TableRows(
            _HEADERS["life_expectancy"],
            [(y, sex, ind[y]["LExFemale" if sex == "female" else "LExMale"]) for y in years for sex in SEXES],
            f"Period life expectancy at birth, years, by sex, calendar year ({fname_text}, columns LExFemale, "
            f"LExMale); reference for checks. Years: {_coverage(years)}."),
        "vital_events": TableRows(
            _HEADERS["vital_events"], [(y, ind[y]["Births"], ind[y]["Deaths"]) for y in vital_years],
            f"Births and deaths, both sexes, persons during the calendar year: Births, Deaths (thousands) x 1000 "
            f"({fname_text}); reference for checks. Years: {_coverage(vital_years)}"
            + (" (the files give no projection)" if not any(y >= FIRST_PROJECTION_YEAR for y in vital_years)
               else "") + "."),
    }
    return tables


def _names(paths: list[Path]) -> str:
    return ", ".join(p.name for p in paths)


@dataclass
class _Chosen:
    """The files read: one of each kind (single ages preferred), the life tables in parts."""

    population: Path
    single_population: bool
    life_tables: list[Path]
    complete_life_tables: bool
    fertility: Path
    single_fertility: bool
    indicators: list[Path]  # Medium first, then OtherVariants if given
    notes: list[str]


def _choose_files(files: _Files, problems: ProblemCollector) -> _Chosen | None:
    """Pick the files to read from those found; problems name the files to download."""
    by_kind = files.by_kind

    def choose(preferred: str, fallback: str, what: str) -> str | None:
        for kind in (preferred, fallback):
            if len(by_kind[kind]) > 1:
                problems.add("", f"more than one {what} file of the same kind: "
                             f"{_names([p for p, _ in by_kind[kind]])}; keep one")
        if by_kind[preferred]:
            return preferred
        if by_kind[fallback]:
            return fallback
        problems.add("", f"no {what} file: download {_KINDS[preferred].example} (or "
                     f"{_KINDS[fallback].example}) from {DOWNLOAD_PAGE}")
        return None

    pop_kind = choose("population_single", "population_age5", "population")
    if pop_kind is None and any("population1january" in _stem(n) for n in files.ignored):
        problems.add("", "the population files given are at 1 January (WPP2024_Population1January...): ssproj's "
                     "base population is at 1 July")
    fert_kind = choose("fertility_age1", "fertility_age5", "fertility by age")
    lt_kind = "life_table_complete" if by_kind["life_table_complete"] else "life_table_abridged"
    found: dict[tuple[str | None, str], Path] = {}
    for path, m in by_kind[lt_kind]:
        key = (m.group(1), m.group(2)) if lt_kind == "life_table_complete" else (None, m.group(1))
        if key in found:
            problems.add("", f"two life table files for the same years: {found[key].name}, {path.name}")
        found[key] = path
    for key in _LIFE_TABLE_PARTS[lt_kind]:
        if key not in found:
            sex, period = key
            name = (f"WPP2024_Life_Table_Complete_Medium_{sex.capitalize()}_{period}.csv.gz" if sex
                    else f"WPP2024_Life_Table_Abridged_Medium_{period}.csv.gz")
            problems.add("", f"life table file missing: download {name} from {DOWNLOAD_PAGE}"
                         + ("" if by_kind[lt_kind] else " (or the 4 files WPP2024_Life_Table_Complete_Medium_"
                            "{Female,Male}_{1950-2023,2024-2100}.csv.gz)"))
    for kind in ("indicators_medium", "indicators_other"):
        if len(by_kind[kind]) > 1:
            problems.add("", f"more than one file of the same kind: {_names([p for p, _ in by_kind[kind]])}; "
                         "keep one")
    if not by_kind["indicators_medium"]:
        problems.add("", f"no demographic indicators file: download {_KINDS['indicators_medium'].example} from "
                     f"{DOWNLOAD_PAGE}")
    if problems or pop_kind is None or fert_kind is None:
        return None
    notes = []
    for kind, other in (("population_single", "population_age5"), ("life_table_complete", "life_table_abridged"),
                        ("fertility_age1", "fertility_age5")):
        if kind in (pop_kind, lt_kind, fert_kind) and by_kind[other]:
            notes.append(f"Single ages read from {_names([p for p, _ in by_kind[kind]])}; "
                         f"{_names([p for p, _ in by_kind[other]])} not used.")
    if files.ignored:
        notes.append("Files in the folder not used: " + ", ".join(files.ignored) + ".")
    return _Chosen(
        population=by_kind[pop_kind][0][0],
        single_population=pop_kind == "population_single",
        life_tables=[found[key] for key in _LIFE_TABLE_PARTS[lt_kind]],
        complete_life_tables=lt_kind == "life_table_complete",
        fertility=by_kind[fert_kind][0][0],
        single_fertility=fert_kind == "fertility_age1",
        indicators=[by_kind["indicators_medium"][0][0]] + [p for p, _ in by_kind["indicators_other"]],
        notes=notes,
    )


def _read_country(chosen: _Chosen, code: int, problems: ProblemCollector
                  ) -> tuple[dict[Path, list[Row]], str] | None:
    """The rows of location `code` in every file chosen, and its name; None if problems were found."""
    plan = ([(chosen.population, _KINDS["population_age5"].columns)]
            + [(p, _KINDS["life_table_abridged"].columns) for p in chosen.life_tables]
            + [(chosen.fertility, _KINDS["fertility_age5"].columns)]
            + [(p, _INDICATORS) for p in chosen.indicators])
    locations: dict[int, str] = {}
    per_file: dict[Path, list[Row]] = {}
    counts: dict[Path, int] = {}
    for path, columns in plan:
        locs: dict[int, str] = {}
        rows = _read_rows(path, code, columns, problems, locs)
        locations.update(locs)
        if rows is not None:
            per_file[path] = rows
            counts[path] = len(locs)
    if problems:
        return None
    if code not in locations:
        shown = [f"{c} ({locations[c]})" for c in sorted(locations)]
        problems.add("", f"unknown location code {code}; codes present: {listing(shown) or 'none'} "
                     "(the UN's LocID: for a country its ISO 3166-1 numeric code, e.g. 116 Cambodia)")
        return None
    names: dict[str, set[str]] = {}
    for path, rows in per_file.items():
        if not rows:
            problems.add(path.name, f"no rows for location {code} ({locations[code]}); the file holds "
                         f"{counts[path]} other locations")
        for _, rec in rows:
            names.setdefault(rec["Location"].strip(), set()).add(path.name)
    if len(names) > 1:
        problems.add("", f"location {code} has different names in different files: "
                     + "; ".join(f"{n!r} in {', '.join(sorted(f))}" for n, f in sorted(names.items())))
    if problems:
        return None
    return per_file, min(names)


@dataclass
class _Parsed:
    """One country's data from the files, in ssproj's units, by variant."""

    population: list[tuple]
    population_years: list[int]
    mx: dict[str, dict[tuple, float]]  # variant -> (year, sex, age_start) -> mx
    mx_groups: tuple[Group, ...]
    asfr: dict[str, dict[tuple, float]]  # variant -> (year, age_start) -> asfr
    asfr_groups: list[Group]
    indicators: dict[str, dict[int, dict[str, object]]]  # variant -> year -> values


def _parse(chosen: _Chosen, per_file: dict[Path, list[Row]], problems: ProblemCollector) -> _Parsed | None:
    """Parse every file's rows and check the medium variant's completeness and time coverage."""
    population, pop_years = _population(per_file[chosen.population], chosen.population.name,
                                        chosen.single_population, problems)
    mx = _mortality([(p.name, per_file[p]) for p in chosen.life_tables], not chosen.complete_life_tables, problems)
    asfr, fert_groups = _fertility(per_file[chosen.fertility], chosen.fertility.name, chosen.single_fertility,
                                   problems)
    indicators: dict[str, dict[int, dict[str, object]]] = {}
    for path in chosen.indicators:
        for variant, by_year in _indicators(per_file[path], path.name, problems).items():
            if variant in indicators and set(indicators[variant]) & set(by_year):
                problems.add(path.name, f"variant {variant!r} is also in another indicators file")
                continue
            indicators.setdefault(variant, {}).update(by_year)
    # the checks below also run after problems in single rows: every problem is reported at once
    lt_names = _names(chosen.life_tables)
    ind_name = chosen.indicators[0].name
    medium_mx = mx.get(_MEDIUM, {})
    medium_asfr = asfr.get(_MEDIUM, {})
    medium_ind = indicators.get(_MEDIUM, {})
    for data, fname in ((medium_mx, lt_names), (medium_asfr, chosen.fertility.name), (medium_ind, ind_name)):
        if not data:
            problems.add(fname, "no rows of the Medium variant for this location")
    if not (medium_mx and medium_asfr and medium_ind and fert_groups):
        return None
    groups_mx = _SINGLE_AGES if chosen.complete_life_tables else _ABRIDGED
    mx_years = sorted({y for y, _s, _a in medium_mx})
    _check_years(mx_years, lt_names, "life tables, Medium variant", problems)
    missing = [f"{y} {s} ages {' '.join(format_group(*g) for g in groups_mx if (y, s, g[0]) not in medium_mx)}"
               for y in mx_years for s in SEXES if any((y, s, g[0]) not in medium_mx for g in groups_mx)]
    if missing:
        problems.add(lt_names, "missing year/sex/age rows: " + listing(missing))
    asfr_years = sorted({y for y, _a in medium_asfr})
    _check_years(asfr_years, chosen.fertility.name, "fertility, Medium variant", problems)
    missing = [f"{y} ages {' '.join(format_group(a, e) for a, e in fert_groups if (y, a) not in medium_asfr)}"
               for y in asfr_years if any((y, a) not in medium_asfr for a, _e in fert_groups)]
    if missing:
        problems.add(chosen.fertility.name, "missing year/age rows: " + listing(missing))
    ind_years = sorted(medium_ind)
    _check_years(ind_years, ind_name, "indicators, Medium variant", problems)
    horizon = {"life tables": mx_years[-1], "fertility": asfr_years[-1], "indicators": ind_years[-1]}
    if len(set(horizon.values())) > 1:
        problems.add("", "the files end in different years: " + ", ".join(f"{t} {y}" for t, y in horizon.items()))
    if not any(y >= FIRST_PROJECTION_YEAR for y in ind_years):
        problems.add(ind_name, f"no projection years ({FIRST_PROJECTION_YEAR} on) for this location")
    if problems:
        return None
    return _Parsed(population, pop_years, mx, groups_mx, asfr, fert_groups, indicators)


class _Builder:
    """Builds the set's tables and those of each variant from the parsed data."""

    def __init__(self, chosen: _Chosen, parsed: _Parsed) -> None:
        self.chosen = chosen
        self.parsed = parsed
        self.ind_text = _names(chosen.indicators)
        self.lt_names = _names(chosen.life_tables)
        groups = parsed.asfr_groups
        self.mx_text = ("Central death rates mx, deaths per person-year, by sex and "
                        + ("single age 0..99 and 100+ (open)" if chosen.complete_life_tables
                           else "age 0, 1-4, 5-9, ..., 95-99, 100+ (open)")
                        + f", calendar year ({self.lt_names}, column mx).")
        self.fert_text = ("Age-specific fertility rates, births per woman per year: ASFR (births per 1,000 women) "
                          f"/ 1000, ages {format_group(groups[0][0], groups[-1][1])} by "
                          + ("single age" if chosen.single_fertility else "5-year group")
                          + f", calendar year ({chosen.fertility.name}). The tfr table rescales the pattern to "
                          "the year's TFR.")
        self.mig_text = (
            f"Net migrants by sex and single age 0..100 (100 = 100+), persons during the calendar year, from "
            f"{LAST_ESTIMATE_YEAR}: the total of net_migration_total spread over ages with the Rogers-Castro model "
            "schedule (Rogers and Castro 1981, fundamental parameters a1 0.02, alpha1 0.1, a2 0.06, alpha2 0.1, "
            "mu2 20, lambda2 0.4, without the constant term) and split equally between the sexes, in whole persons "
            "summing to the total. ASSUMED: the UN's CSV files give net migration in total only. Earlier years use "
            "this pattern scaled to their total. Replace the table with the country's own data where known (a "
            "scenario's tables:).")

    def mortality(self, table: dict[tuple, float]) -> list[tuple]:
        ends = dict(self.parsed.mx_groups)
        years = sorted({y for y, _s, _a in table})
        return [(y, s, a, ends[a], table[(y, s, a)]) for y in years for s in SEXES for a, _ in self.parsed.mx_groups]

    def fertility(self, table: dict[tuple, float]) -> list[tuple]:
        years = sorted({y for y, _a in table})
        return [(y, a, e, table[(y, a)]) for y in years for a, e in self.parsed.asfr_groups]

    def migration(self, ind: dict[int, dict[str, object]]) -> TableRows:
        totals = {y: int(v["NetMigrations"]) for y, v in ind.items()}  # type: ignore[call-overload]
        return TableRows(_HEADERS["net_migration"], _migration_by_age(totals, LAST_ESTIMATE_YEAR), self.mig_text,
                         confidence="assumed")

    def own_tables(self) -> dict[str, TableRows]:
        p, chosen = self.parsed, self.chosen
        medium_mx, medium_asfr, medium_ind = p.mx[_MEDIUM], p.asfr[_MEDIUM], p.indicators[_MEDIUM]
        pop_text = (f"Persons at 1 July of year: PopFemale, PopMale (thousands) x 1000 ({chosen.population.name}), "
                    + ("single ages 0..99 and the open group 100+" if chosen.single_population
                       else "5-year age groups 0-4 ... 95-99 and the open group 100+")
                    + f" (age_end empty for 100+). Years: estimates {year_ranges(p.population_years)}.")
        annual = _annual_tables(medium_ind, self.ind_text)
        return {
            "population": TableRows(_HEADERS["population"], p.population, pop_text),
            "mortality": TableRows(_HEADERS["mortality"], self.mortality(medium_mx),
                                   self.mx_text + f" Years: {_coverage(sorted({k[0] for k in medium_mx}))}."),
            "fertility": TableRows(_HEADERS["fertility"], self.fertility(medium_asfr),
                                   self.fert_text + f" Years: {_coverage(sorted({k[0] for k in medium_asfr}))}."),
            "tfr": annual["tfr"],
            "sex_ratio_at_birth": annual["sex_ratio_at_birth"],
            "net_migration": self.migration(medium_ind),
            "net_migration_total": annual["net_migration_total"],
            "life_expectancy": annual["life_expectancy"],
            "vital_events": annual["vital_events"],
        }

    def why_not(self, label: str) -> str | None:
        """Why variant `label` cannot be built from the files, or None if it can."""
        p = self.parsed
        medium_ind = p.indicators[_MEDIUM]
        final_year = max(medium_ind)
        v_ind = {y: v for y, v in p.indicators.get(label, {}).items() if y >= FIRST_PROJECTION_YEAR}
        if "PI" in label.split():
            return "a bound of the probabilistic projection, not a set of assumptions"
        if not v_ind:
            return (f"the indicators files ({self.ind_text}) have no rows for it (its TFR and net migration are "
                    f"needed): add {_KINDS['indicators_other'].example}")
        v_years = sorted(v_ind)
        if v_years != list(range(FIRST_PROJECTION_YEAR, final_year + 1)):
            return (f"its indicator years ({year_ranges(v_years)}) are not those of the Medium variant's projection "
                    f"({FIRST_PROJECTION_YEAR}-{final_year})")
        if label not in p.mx:
            diffs = [(abs(v_ind[y][c] - medium_ind[y][c]), y, c)  # type: ignore[operator]
                     for y in v_years if y in medium_ind for c in ("LExMale", "LExFemale")]
            worst = max(diffs, default=(0.0, 0, ""))
            if worst[0] > _E0_SAME:
                _, y, c = worst
                return (f"its mortality differs from the Medium variant's ({c} {y}: {v_ind[y][c]} against "
                        f"{medium_ind[y][c]}) and the life tables give death rates for the Medium variant only")
        return None

    def variant(self, label: str, own: dict[str, TableRows], problems: ProblemCollector) -> VariantRows | None:
        """The tables of variant `label` that differ from the set's own (estimates to 2023 from Medium)."""
        p = self.parsed
        medium_ind = p.indicators[_MEDIUM]
        ind = {y: v for y, v in medium_ind.items() if y <= LAST_ESTIMATE_YEAR}
        ind.update({y: v for y, v in p.indicators[label].items() if y >= FIRST_PROJECTION_YEAR})
        annual = _annual_tables(ind, self.ind_text)
        candidate: dict[str, TableRows] = {t: annual[t] for t in ("tfr", "sex_ratio_at_birth", "net_migration_total",
                                                                   "life_expectancy", "vital_events")}
        candidate["net_migration"] = self.migration(ind)
        for name, by_variant, build, fname, text in (
                ("fertility", p.asfr, self.fertility, self.chosen.fertility.name, self.fert_text),
                ("mortality", p.mx, self.mortality, self.lt_names, self.mx_text)):
            if label not in by_variant:
                continue
            medium = by_variant[_MEDIUM]
            merged = {k: v for k, v in medium.items() if k[0] <= LAST_ESTIMATE_YEAR}
            merged.update({k: v for k, v in by_variant[label].items() if k[0] >= FIRST_PROJECTION_YEAR})
            if set(merged) != set(medium):
                problems.add(fname, f"variant {label!r}: {name} rows incomplete ({len(merged)} year/age rows "
                             f"against {len(medium)} of the Medium variant)")
                return None
            candidate[name] = TableRows(_HEADERS[name], build(merged), text)
        differ = {t: candidate[t] for t in _HEADERS if t in candidate and candidate[t].rows != own[t].rows}
        for table in differ.values():
            table.notes = f"Variant {label} of the UN WPP 2024 from {FIRST_PROJECTION_YEAR}. " + table.notes
        meaning = _DEFINITIONS.get(label)
        description = (f"UN WPP 2024 {label!r} variant from {FIRST_PROJECTION_YEAR}"
                       + (f" ({meaning})" if meaning else f" (definition: {_DEFINITIONS_URL})")
                       + f"; estimates to {LAST_ESTIMATE_YEAR} as in the set's own tables. Replaces "
                       + (", ".join(differ) if differ else "no table (its inputs equal the medium variant's)") + ".")
        return VariantRows(slug(label), label, description, differ)


def read_un_downloads(
    source_dir: Path, code: int, problems: ProblemCollector, *, variants: list[str] | None = None,
) -> ImportedData | None:
    """Read one country from the UN's WPP 2024 CSV downloads in `source_dir`.

    Parameters
    ----------
    source_dir : pathlib.Path
        Folder holding the files (see the module documentation).
    code : int
        UN location code (``LocID``), e.g. 418 for Lao PDR.
    problems : ProblemCollector
        Every problem found is added here; the caller raises.
    variants : list of str, optional
        Demographic variants to import besides the medium one, by name
        (``high``, ``zero_migration``) or UN label (``High``). Default: every
        variant the files hold that can be built; the others are listed in
        the result's ``skipped`` with the reason. A variant asked for that is
        not in the files, or cannot be built, is a problem.

    Returns
    -------
    ImportedData or None
        None when problems were found.
    """
    files = _find_files(source_dir)
    chosen = _choose_files(files, problems)
    if chosen is None:
        return None
    found = _read_country(chosen, code, problems)
    if found is None:
        return None
    per_file, country = found
    parsed = _parse(chosen, per_file, problems)
    if parsed is None:
        return None
    builder = _Builder(chosen, parsed)
    tables = builder.own_tables()

    labels = [v for v in dict.fromkeys(list(parsed.indicators) + list(parsed.asfr) + list(parsed.mx))
              if v != _MEDIUM]
    by_name = {slug(v): v for v in labels}
    if variants is None:
        wanted = labels
    else:
        wanted = []
        for ask in variants:
            label = by_name.get(slug(ask))
            if slug(ask) == "medium":
                continue  # the set's own tables
            if label is None:
                present = ", ".join(sorted(by_name)) or "none"
                hint = did_you_mean(slug(ask), by_name, list_if_no_match=0)
                problems.add("", f"demographic variant {ask!r} is not in the files; variants present: {present}"
                             + (f"; {hint}" if hint else "")
                             + ("" if by_name else f" (the other variants are in "
                                f"{_KINDS['indicators_other'].example})"))
            elif label not in wanted:
                wanted.append(label)
    out_variants: dict[str, VariantRows] = {}
    skipped: dict[str, str] = {}
    for label in wanted:
        reason = builder.why_not(label)
        if reason is not None:
            if variants is not None:
                problems.add("", f"demographic variant {slug(label)!r} ({label}) cannot be imported: {reason}")
            else:
                skipped[slug(label)] = reason
            continue
        built = builder.variant(label, tables, problems)
        if built is not None:
            out_variants[built.name] = built
    if problems:
        return None

    datasets = [p.name for p in [chosen.population, *chosen.life_tables, chosen.fertility, *chosen.indicators]]
    notes = (
        f"Read from the UN's CSV downloads ({DOWNLOAD_PAGE}): {', '.join(datasets)}. Licence text: {LICENCE_URL}. "
        "Population, net migrants, births and deaths converted from thousands to persons (the files give 3 "
        "decimals of thousands, so nothing is lost), ASFR from births per 1,000 women to births per woman, SRB "
        "from males per 100 female births to males per female. Net migration by age is not in the files: its "
        "age-sex pattern is an assumed model schedule (see the net_migration table). Selected (estimates to "
        f"{LAST_ESTIMATE_YEAR}, medium variant from {FIRST_PROJECTION_YEAR}; other variants under variants:) and "
        "reshaped by ssproj; not endorsed by the United Nations."
    )
    if skipped:
        notes += " Variants in the files not imported: " + "; ".join(f"{n} ({r})" for n, r in skipped.items()) + "."
    if chosen.notes:
        notes += " " + " ".join(chosen.notes)
    variant_text = f"; demographic variants: {', '.join(out_variants)}" if out_variants else ""
    return ImportedData(
        country=country,
        tables=tables,
        source={"citation": CITATION, "licence": LICENCE, "url": DOWNLOAD_PAGE, "datasets": datasets,
                "notes": notes},
        description=(f"{country}: demographic assumptions from the UN World Population Prospects 2024 (estimates "
                     f"to {LAST_ESTIMATE_YEAR}, medium variant from {FIRST_PROJECTION_YEAR}{variant_text})."),
        origin_comment=(
            CITATION_COMMENT
            + "# Read from the UN's CSV downloads (https://population.un.org/wpp/downloads,\n"
            "# Standard Projections, CSV format). Converted from thousands to persons\n"
            "# and reshaped by ssproj; not endorsed by the United Nations.\n"
        ),
        source_placeholder="<folder of the UN's WPP2024_*.csv.gz files>",
        variants=out_variants,
        skipped=skipped,
    )


def describe_other_revision(names: list[str]) -> str | None:
    """A hint when the folder holds WPP files of another revision (``WPP2022_...``)."""
    other = [n for n in names if _OTHER_REVISION.match(n) and not is_un_file(n)]
    if not other:
        return None
    return (f"files of another WPP revision are not read ({listing(other)}); ssproj reads WPP 2024 "
            f"(WPP2024_*.csv.gz from {DOWNLOAD_PAGE})")


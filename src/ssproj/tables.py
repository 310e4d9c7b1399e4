"""Demographic input tables: their schemas, and a strict CSV reader.

Each table of an assumption set is a tidy CSV with one header row (see
``docs/dev/formats.md``). `TABLE_SCHEMAS` describes them as data;
`load_table` reads one, reports every problem with file, CSV line (header =
line 1) and column, and returns a normalised DataFrame:

- time: a stock table (population, at 1 July) keeps ``year`` (int64); a
  rate or flow table gets ``period_start``, ``period_end`` (float64, the
  value applies to [period_start, period_end)), and keeps ``year`` if it was
  given as calendar years (``period_start = year``, ``period_end = year + 1``);
- ages: ``age_start`` (int64) and ``age_end`` (float64, inclusive, NaN = the
  open group); a single ``age`` column becomes ``age_start = age_end = age``,
  except age 100, which becomes the open group 100+;
- rows sorted by time, keys and age; columns in the order time, keys, ages,
  values.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .errors import MISSING, Problem, did_you_mean

__all__ = ["SEXES", "OPEN_AGE", "TABLE_SCHEMAS", "TableSchema", "ValueColumn", "load_table"]

#: Allowed values of the ``sex`` column.
SEXES: tuple[str, ...] = ("male", "female")
#: First age of the open age group (100 = 100+).
OPEN_AGE = 100
#: Ages allowed in a fertility table (inclusive). [years]
FERTILITY_AGES: tuple[int, int] = (10, 54)
#: Plausible calendar years in a table.
YEAR_RANGE: tuple[int, int] = (1800, 2500)
#: At most this many problems of one kind per column are listed; the rest
#: are counted in one summary line.
MAX_PROBLEMS_PER_KIND = 5


@dataclass(frozen=True)
class ValueColumn:
    """A value column of a table.

    Parameters
    ----------
    name : str
        Column name.
    unit : str
        Unit, e.g. ``"persons at 1 July"``.
    low, high : float
        Allowed range, inclusive unless `low_open`. [unit]
    low_open : bool, default False
        The lower bound is excluded (``mx > 0``: log-linear graduation needs
        positive rates).
    """

    name: str
    unit: str
    low: float
    high: float
    low_open: bool = False

    @property
    def range_text(self) -> str:
        """The range as text, e.g. ``"(0, 5]"``."""
        return f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Boolean mask of `values` inside the range."""
        above = values > self.low if self.low_open else values >= self.low
        return above & (values <= self.high)


@dataclass(frozen=True)
class TableSchema:
    """Structure of one demographic table.

    Parameters
    ----------
    name : str
        Table name, e.g. ``"population"``.
    title : str
        What the table holds.
    required : bool
        Whether every assumption set must have it.
    time : {"stock", "year", "period"}
        ``"stock"``: a ``year`` column, values at 1 July of that year;
        ``"year"``: a ``year`` column, values for the calendar year;
        ``"period"``: either ``year`` or ``period_start``/``period_end``
        (decimal years, [start, end)).
    keys : tuple of str
        Key columns besides time and age (``("sex",)`` or ``()``).
    age : {None, "full", "fertility"}
        ``"full"``: age groups (``age_start``/``age_end``, or single
        ``age``) contiguous from 0, ending with the open group 100+;
        ``"fertility"``: closed, contiguous age groups within ages 10-54;
        None: no age columns.
    values : tuple of ValueColumn
        Value columns (all required).
    note : str
        How the table is used.
    """

    name: str
    title: str
    required: bool
    time: str
    keys: tuple[str, ...]
    age: str | None
    values: tuple[ValueColumn, ...]
    note: str = ""

    @property
    def sexes(self) -> tuple[str, ...] | None:
        """Allowed (and required) sexes, or None if there is no sex column."""
        return SEXES if "sex" in self.keys else None

    @property
    def value_names(self) -> tuple[str, ...]:
        """Names of the value columns."""
        return tuple(v.name for v in self.values)

    @property
    def time_columns(self) -> tuple[str, ...]:
        """All time columns the table may have."""
        return ("year",) if self.time in ("stock", "year") else ("year", "period_start", "period_end")

    @property
    def age_columns(self) -> tuple[str, ...]:
        """All age columns the table may have."""
        return ("age", "age_start", "age_end") if self.age else ()

    @property
    def allowed_columns(self) -> tuple[str, ...]:
        """Every column name the table may have."""
        return self.time_columns + self.keys + self.age_columns + self.value_names


_PERSONS_STOCK = ValueColumn("persons", "persons at 1 July", 0.0, 1e10)

#: Schemas of the demographic tables, by name (read-only).
TABLE_SCHEMAS: Mapping[str, TableSchema] = MappingProxyType(
    {
        "population": TableSchema(
            "population",
            "Base population by sex and age at 1 July",
            True,
            "stock",
            ("sex",),
            "full",
            (_PERSONS_STOCK,),
            "The projection starts from the population of projection.start_year.",
        ),
        "mortality": TableSchema(
            "mortality",
            "Central death rates m(x) by sex and age",
            True,
            "period",
            ("sex",),
            "full",
            (ValueColumn("mx", "deaths per person-year", 0.0, 5.0, low_open=True),),
        ),
        "fertility": TableSchema(
            "fertility",
            "Age-specific fertility rates",
            True,
            "period",
            (),
            "fertility",
            (ValueColumn("asfr", "births per woman per year", 0.0, 1.0),),
        ),
        "tfr": TableSchema(
            "tfr",
            "Total fertility rate",
            False,
            "year",
            (),
            None,
            (ValueColumn("tfr", "children per woman", 0.0, 15.0),),
            "If given, rescales the fertility table's age pattern each year.",
        ),
        "sex_ratio_at_birth": TableSchema(
            "sex_ratio_at_birth",
            "Sex ratio at birth",
            True,
            "year",
            (),
            None,
            (ValueColumn("srb", "males per female", 0.8, 1.3),),
        ),
        "net_migration": TableSchema(
            "net_migration",
            "Net migrants by sex and age",
            True,
            "year",
            ("sex",),
            "full",
            (ValueColumn("persons", "persons per year", -1e9, 1e9),),
        ),
        "net_migration_total": TableSchema(
            "net_migration_total",
            "Total net migrants",
            False,
            "year",
            (),
            None,
            (ValueColumn("persons", "persons per year", -1e10, 1e10),),
            "Years without an age detail use the nearest year's age pattern.",
        ),
        "life_expectancy": TableSchema(
            "life_expectancy",
            "Life expectancy at birth by sex",
            False,
            "year",
            ("sex",),
            None,
            (ValueColumn("e0", "years", 0.0, 120.0),),
            "Reference, used in checks.",
        ),
        "vital_events": TableSchema(
            "vital_events",
            "Births and deaths",
            False,
            "year",
            (),
            None,
            (
                ValueColumn("births", "persons per calendar year", 0.0, 1e10),
                ValueColumn("deaths", "persons per calendar year", 0.0, 1e10),
            ),
            "Reference, used in checks.",
        ),
    }
)


class _Collector:
    """Collects problems for one CSV, capping repeats of the same kind."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self._counts: dict[tuple[str, str], int] = {}

    def add(
        self,
        line: int | None,
        column: str,
        value: Any,
        expected: str,
        hint: str | None = None,
        *,
        kind: str | None = None,
    ) -> None:
        key = (column, kind or expected)
        n = self._counts.get(key, 0) + 1
        self._counts[key] = n
        if n <= MAX_PROBLEMS_PER_KIND:
            self.problems.append(Problem(self.path, line, column, value, expected, hint))

    def finish(self) -> list[Problem]:
        for (column, kind), n in self._counts.items():
            if n > MAX_PROBLEMS_PER_KIND:
                self.problems.append(
                    Problem(
                        self.path,
                        None,
                        column,
                        MISSING,
                        f"... and {n - MAX_PROBLEMS_PER_KIND} more rows with the same problem ({kind})",
                    )
                )
        return self.problems


def _read_header(path: Path) -> list[str] | None:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for row in csv.reader(fh):
            return [c.strip() for c in row]
    return None


def _numeric(
    raw: pd.Series,
    column: str,
    lines: np.ndarray,
    out: _Collector,
    *,
    integer: bool = False,
    allow_empty: bool = False,
) -> pd.Series:
    """Parse a text column to numbers, reporting bad cells (NaN where bad)."""
    text = raw.fillna("").astype(str).str.strip()
    num = pd.to_numeric(text.where(text != "", None), errors="coerce").astype("float64")
    empty = (text == "").to_numpy()
    bad_text = (~empty) & num.isna().to_numpy()
    for i in np.flatnonzero(bad_text):
        value = text.iloc[i]
        if value.lower() in ("nan", "na", "n/a", "null", "none", "-"):
            out.add(int(lines[i]), column, value, "is a missing value (NaN)", "every row needs a number", kind="missing value")
        else:
            hint = None
            if re.fullmatch(r"-?[\d\s.,]+", value):
                hint = "write numbers without thousands separators, with a dot for decimals"
            out.add(int(lines[i]), column, value, "is not a number", hint, kind="not a number")
    if not allow_empty:
        for i in np.flatnonzero(empty):
            out.add(int(lines[i]), column, MISSING, "empty cell (a number is required)", kind="empty cell")
    values = num.to_numpy()
    nonfinite = np.isinf(values)
    for i in np.flatnonzero(nonfinite):
        out.add(int(lines[i]), column, text.iloc[i], "is not a finite number", kind="not finite")
    values = np.where(nonfinite, np.nan, values)
    if integer:
        frac = np.isfinite(values) & (np.mod(values, 1.0) != 0.0)
        for i in np.flatnonzero(frac):
            out.add(int(lines[i]), column, text.iloc[i], "is not a whole number", kind="not whole")
        values = np.where(frac, np.nan, values)
    return pd.Series(values, index=raw.index)


def _age_label(start: int, end: float) -> str:
    if math.isnan(end):
        return f"{start}+"
    return f"{start}" if end == start else f"{start}-{int(end)}"


def _group_label(key: tuple[Any, ...], names: list[str]) -> str:
    parts = []
    for name, value in zip(names, key):
        if name == "period_start":
            parts.append(f"period from {value:g}")
        elif name == "period_end":
            parts[-1] += f" to {value:g}"
        else:
            parts.append(f"{name} {value}")
    return ", ".join(parts) if parts else "the table"


def _check_ages(
    df: pd.DataFrame, schema: TableSchema, time_cols: list[str], out: _Collector
) -> None:
    """Age groups of each (time, keys) group: contiguity and bounds."""
    group_cols = time_cols + list(schema.keys)
    grouped = df.groupby(group_cols, sort=True) if group_cols else [((), df)]
    for key, group in grouped:
        key = key if isinstance(key, tuple) else (key,)
        label = _group_label(key, group_cols)
        g = group.sort_values("age_start")
        starts = g["age_start"].to_numpy(dtype=np.int64)
        ends = g["age_end"].to_numpy(dtype=np.float64)
        lines = g["_line"].to_numpy()
        if schema.age == "full":
            if starts[0] != 0:
                out.add(int(lines[0]), "age_start", int(starts[0]),
                        f"is the first age group of {label}: age groups must start at 0", kind="ages start")
                continue
            ok = True
            for i in range(1, len(g)):
                prev_end = ends[i - 1]
                if math.isnan(prev_end):
                    out.add(int(lines[i - 1]), "age_end", MISSING,
                            f"open age group {_age_label(starts[i - 1], prev_end)} of {label} is not the last group",
                            "only the last group (100+) may be open", kind="open group not last")
                    ok = False
                    break
                if starts[i] != prev_end + 1:
                    what = "gap" if starts[i] > prev_end + 1 else "overlap"
                    out.add(int(lines[i]), "age_start", int(starts[i]),
                            f"{what} in the age groups of {label}: group "
                            f"{_age_label(starts[i], ends[i])} follows {_age_label(starts[i - 1], prev_end)}",
                            "age groups must be contiguous from 0 to the open group 100+", kind="age gap")
                    ok = False
                    break
            if ok and (not math.isnan(ends[-1]) or starts[-1] != OPEN_AGE):
                out.add(int(lines[-1]), "age_end" if not math.isnan(ends[-1]) else "age_start",
                        _age_label(starts[-1], ends[-1]),
                        f"is the last age group of {label}: it must be the open group {OPEN_AGE}+",
                        f"write age_start {OPEN_AGE} with an empty age_end (or age {OPEN_AGE} in a single-age table)",
                        kind="open group")
        else:  # fertility
            low, high = FERTILITY_AGES
            for i in range(len(g)):
                if math.isnan(ends[i]) or starts[i] < low or ends[i] > high:
                    out.add(int(lines[i]), "age_start", _age_label(starts[i], ends[i]),
                            f"is outside the fertility ages {low}-{high} ({label})",
                            "fertility age groups are closed and lie within 10-54", kind="fertility ages")
                    break
                if i and starts[i] != ends[i - 1] + 1:
                    what = "gap" if starts[i] > ends[i - 1] + 1 else "overlap"
                    out.add(int(lines[i]), "age_start", int(starts[i]),
                            f"{what} in the age groups of {label}: group "
                            f"{_age_label(starts[i], ends[i])} follows {_age_label(starts[i - 1], ends[i - 1])}",
                            "fertility age groups must be contiguous", kind="age gap")
                    break


def _check_periods(df: pd.DataFrame, out: _Collector) -> None:
    periods = (
        df[["period_start", "period_end", "_line"]]
        .groupby(["period_start", "period_end"], sort=True)["_line"]
        .min()
        .reset_index()
    )
    for i in range(1, len(periods)):
        prev_end = periods["period_end"].iloc[i - 1]
        start = periods["period_start"].iloc[i]
        if start < prev_end:
            out.add(int(periods["_line"].iloc[i]), "period_start", float(start),
                    f"period {start:g}-{periods['period_end'].iloc[i]:g} overlaps period "
                    f"{periods['period_start'].iloc[i - 1]:g}-{prev_end:g}",
                    "periods must not overlap", kind="period overlap")


def load_table(
    name: str, path: str | Path, schema: TableSchema | None = None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read and check one demographic table.

    Parameters
    ----------
    name : str
        Table name (a key of `TABLE_SCHEMAS`), used in messages.
    path : str or path-like
        The CSV file.
    schema : TableSchema, optional
        Default: ``TABLE_SCHEMAS[name]``.

    Returns
    -------
    table : pandas.DataFrame or None
        The normalised table (see the module docstring), or None if there
        were problems.
    problems : list of Problem
        Every problem found, each with file, CSV line (header = 1) and
        column: missing file (with the full path looked for), unknown or
        missing columns, non-numeric or missing values, values out of
        range, unknown sexes, duplicate keys, age groups not contiguous from
        0 to 100+ (population, mortality, net migration), fertility ages
        outside 10-54, ``period_end <= period_start``, overlapping periods,
        a sex missing for a time.
    """
    schema = schema if schema is not None else TABLE_SCHEMAS[name]
    p = Path(path).resolve()
    if not p.is_file():
        what = "is a directory, not a CSV file" if p.is_dir() else "file not found"
        return None, [Problem(p, None, "", MISSING, f"table {name}: {what}: {p}")]
    out = _Collector(p)

    # -- header ----------------------------------------------------------------
    try:
        header = _read_header(p)
    except UnicodeDecodeError as exc:
        return None, [Problem(p, None, "", MISSING, f"table {name}: not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return None, [Problem(p, None, "", MISSING, f"table {name}: cannot be read: {exc.strerror}")]
    if not header or all(not c for c in header):
        return None, [Problem(p, 1, "", MISSING, f"table {name}: the file is empty (it needs a header row)")]
    seen: set[str] = set()
    for col in header:
        if col in seen:
            out.add(1, col, MISSING, "column appears twice in the header")
        seen.add(col)
        if col == "":
            out.add(1, "", MISSING, "empty column name in the header (a trailing comma?)")
    allowed = schema.allowed_columns
    for col in header:
        if col and col not in allowed:
            out.add(1, col, MISSING, f"unknown column for table {name}", did_you_mean(col, allowed), kind=f"unknown {col}")
    cols = set(header)
    time_cols: list[str]
    if schema.time in ("stock", "year"):
        time_cols = ["year"]
        if "year" not in cols:
            hint = None
            if {"period_start", "period_end"} & cols:
                hint = ("population is a stock at 1 July: give a year column" if schema.time == "stock"
                        else f"table {name} is given by calendar year: use a year column")
            out.add(1, "year", MISSING, "required column is missing", hint)
    else:
        has_period = bool({"period_start", "period_end"} & cols)
        if "year" in cols and has_period:
            out.add(1, "year", MISSING, "give either a year column or period_start and period_end, not both")
        elif has_period:
            time_cols = ["period_start", "period_end"]
            for c in time_cols:
                if c not in cols:
                    out.add(1, c, MISSING, "required column is missing (periods need period_start and period_end)")
        elif "year" not in cols:
            out.add(1, "year", MISSING, "required column is missing (give year, or period_start and period_end)")
        time_cols = ["period_start", "period_end"] if has_period else ["year"]
    for c in schema.keys + schema.value_names:
        if c not in cols:
            out.add(1, c, MISSING, "required column is missing", did_you_mean(c, [h for h in header if h not in allowed], list_if_no_match=0))
    single_age = False
    if schema.age:
        if "age" in cols and ({"age_start", "age_end"} & cols):
            out.add(1, "age", MISSING, "give either an age column or age_start and age_end, not both")
        elif "age" in cols:
            single_age = True
        else:
            for c in ("age_start", "age_end"):
                if c not in cols:
                    out.add(1, c, MISSING, "required column is missing (give age, or age_start and age_end)")
    if out.problems:
        return None, out.finish()

    # -- cells -----------------------------------------------------------------
    try:
        raw = pd.read_csv(
            p, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig", skipinitialspace=True
        )
    except pd.errors.EmptyDataError:
        return None, [Problem(p, 1, "", MISSING, f"table {name}: the file is empty")]
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        m = re.search(r"line (\d+)", message)
        return None, [Problem(p, int(m.group(1)) if m else None, "", MISSING, f"table {name}: malformed CSV: {message}")]
    raw.columns = [str(c).strip() for c in raw.columns]
    raw["_line"] = np.arange(2, len(raw) + 2)  # header is line 1; blank lines kept by skip_blank_lines=False
    data_cols = [c for c in raw.columns if c != "_line"]
    blank = raw[data_cols].fillna("").astype(str).apply(lambda s: s.str.strip() == "").all(axis=1)
    raw = raw.loc[~blank].reset_index(drop=True)
    if raw.empty:
        return None, [Problem(p, None, "", MISSING, f"table {name}: no data rows")]
    lines = raw["_line"].to_numpy()
    df = pd.DataFrame({"_line": lines})

    if "year" in time_cols:
        df["year"] = _numeric(raw["year"], "year", lines, out, integer=True)
        bad = df["year"].notna() & ~df["year"].between(*YEAR_RANGE)
        for i in np.flatnonzero(bad.to_numpy()):
            out.add(int(lines[i]), "year", int(df["year"].iloc[i]),
                    f"is outside the plausible years {YEAR_RANGE[0]}-{YEAR_RANGE[1]}", kind="year range")
    else:
        for c in ("period_start", "period_end"):
            df[c] = _numeric(raw[c], c, lines, out)
        bad = (df["period_end"] <= df["period_start"]).to_numpy()
        for i in np.flatnonzero(bad):
            out.add(int(lines[i]), "period_end", float(df["period_end"].iloc[i]),
                    f"must be greater than period_start ({df['period_start'].iloc[i]:g})", kind="period order")

    if "sex" in schema.keys:
        sex = raw["sex"].fillna("").astype(str).str.strip()
        bad = ~sex.isin(SEXES)
        for i in np.flatnonzero(bad.to_numpy()):
            value = sex.iloc[i]
            hint = did_you_mean(value, SEXES, list_if_no_match=0) if value else None
            if value.lower() in ("m", "f"):
                hint = f"did you mean {'male' if value.lower() == 'm' else 'female'!r}?"
            out.add(int(lines[i]), "sex", value if value else MISSING,
                    "is not a sex (male | female)" if value else "empty cell (male | female)", hint, kind="sex")
        df["sex"] = sex

    if schema.age:
        if single_age:
            age = _numeric(raw["age"], "age", lines, out, integer=True)
            bad = (age < 0) | (age > OPEN_AGE)
            for i in np.flatnonzero(bad.to_numpy()):
                out.add(int(lines[i]), "age", int(age.iloc[i]),
                        f"is outside 0-{OPEN_AGE} (single ages; {OPEN_AGE} = {OPEN_AGE}+)", kind="age range")
            df["age_start"] = age
            df["age_end"] = age.where(age != OPEN_AGE, np.nan)
            if schema.age == "fertility":
                df["age_end"] = age
        else:
            df["age_start"] = _numeric(raw["age_start"], "age_start", lines, out, integer=True)
            df["age_end"] = _numeric(raw["age_end"], "age_end", lines, out, integer=True, allow_empty=True)
            bad = (df["age_start"] < 0) | (df["age_start"] > OPEN_AGE)
            for i in np.flatnonzero(bad.to_numpy()):
                out.add(int(lines[i]), "age_start", int(df["age_start"].iloc[i]),
                        f"is outside 0-{OPEN_AGE}", kind="age range")
            bad = df["age_end"] < df["age_start"]
            for i in np.flatnonzero(bad.to_numpy()):
                out.add(int(lines[i]), "age_end", int(df["age_end"].iloc[i]),
                        f"is less than age_start ({int(df['age_start'].iloc[i])})", kind="age order")

    for column in schema.values:
        values = _numeric(raw[column.name], column.name, lines, out)
        arr = values.to_numpy()
        bad = np.isfinite(arr) & ~column.contains(arr)
        for i in np.flatnonzero(bad):
            hint = None
            if schema.name == "sex_ratio_at_birth" and 80 <= arr[i] <= 130:
                hint = "this looks like males per 100 females; divide by 100"
            out.add(int(lines[i]), column.name, float(arr[i]),
                    f"is outside {column.range_text} ({column.unit})", hint, kind="out of range")
        df[column.name] = values

    if out.problems:
        return None, out.finish()

    # -- rows and structure ----------------------------------------------------
    if "year" in time_cols:
        df["year"] = df["year"].astype(np.int64)
    if schema.age:
        df["age_start"] = df["age_start"].astype(np.int64)
        df["age_end"] = df["age_end"].astype(np.float64)
    key_cols = time_cols + list(schema.keys) + (["age_start"] if schema.age else [])
    dup = df.duplicated(subset=key_cols, keep=False)
    if dup.any():
        first_line = df.loc[dup].groupby(key_cols, sort=False)["_line"].transform("min")
        for idx in df.index[dup]:
            if df.at[idx, "_line"] != first_line.at[idx]:
                keys = ", ".join(f"{c} {df.at[idx, c]}" for c in key_cols)
                out.add(int(df.at[idx, "_line"]), key_cols[-1], MISSING,
                        f"duplicate row ({keys}), also at line {int(first_line.at[idx])}",
                        "each key combination may appear once", kind="duplicate")
        return None, out.finish()

    if "period_start" in time_cols:
        _check_periods(df, out)
    if schema.sexes is not None:
        present = df.groupby(time_cols, sort=True)["sex"].agg(lambda s: frozenset(s))
        first_lines = df.groupby(time_cols, sort=True)["_line"].min()
        for key, sexes in present.items():
            missing = [s for s in SEXES if s not in sexes]
            if missing:
                key = key if isinstance(key, tuple) else (key,)
                out.add(int(first_lines.loc[key if len(key) > 1 else key[0]]), "sex", MISSING,
                        f"no rows for {' and '.join(missing)} ({_group_label(key, time_cols)})",
                        "every time needs both sexes", kind="missing sex")
    if schema.age:
        _check_ages(df, schema, time_cols, out)
    if out.problems:
        return None, out.finish()

    # -- normalise ---------------------------------------------------------------
    if schema.time != "stock" and time_cols == ["year"]:
        df["period_start"] = df["year"].astype(np.float64)
        df["period_end"] = df["year"].astype(np.float64) + 1.0
    ordered_time = [c for c in ("year", "period_start", "period_end") if c in df.columns]
    age_cols = ["age_start", "age_end"] if schema.age else []
    sort_cols = ordered_time[:1] + (["period_end"] if ordered_time[:1] == ["period_start"] else [])
    if "sex" in schema.keys:  # male before female, as in SEXES
        df["_sex_order"] = df["sex"].map({s: i for i, s in enumerate(SEXES)}).astype(np.int64)
        sort_cols.append("_sex_order")
    sort_cols += [k for k in schema.keys if k != "sex"] + age_cols[:1]
    df = df.sort_values(sort_cols, kind="stable").reset_index(drop=True)
    result = df[ordered_time + list(schema.keys) + age_cols + list(schema.value_names)].copy()
    for c in schema.value_names:
        result[c] = result[c].astype(np.float64)
    result.attrs = {"table": name, "file": str(p), "units": {c.name: c.unit for c in schema.values}}
    return result, []

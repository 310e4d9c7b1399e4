"""Input tables (demography and scheme): their schemas, and a strict CSV reader.

Each table of an assumption set is a tidy CSV with one header row (see
``docs/dev/formats.md`` and ``docs/dev/scheme-spec.md``). `TABLE_SCHEMAS`
describes them as data; `load_table` reads one, reports every problem with
file, CSV line (header = line 1) and column, and returns a normalised
DataFrame:

- time: a stock table (population, at 1 July) keeps ``year`` (int64); a
  rate or flow table gets ``period_start``, ``period_end`` (float64, the
  value applies to [period_start, period_end)), and keeps ``year`` if it was
  given as calendar years (``period_start = year``, ``period_end = year + 1``);
  the scheme tables have no time column (they describe the valuation year
  or hold for every year);
- keys: ``sex`` (male, female), ``group`` (an insured group of the
  assumption set), ``status`` (active, inactive), ``type`` (old_age,
  invalidity, widow, orphan, parent), all str;
- ages: ``age_start`` (int64) and ``age_end`` (float64, inclusive, NaN = the
  open group); a single ``age`` column becomes ``age_start = age_end = age``,
  except age 100, which becomes the open group 100+;
- ``service`` (int64, single years of credited service; ``insured`` only,
  optional: absent from the result when not given);
- rows sorted by time, keys (sex male first, groups in declaration order,
  status and type in the order above) and age; columns in the order time,
  keys, ages, service, values.
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

from ssproj.errors import MISSING, Problem, did_you_mean

__all__ = [
    "SEXES",
    "STATUSES",
    "PENSION_TYPES",
    "SECTORS",
    "OPEN_AGE",
    "TABLE_SCHEMAS",
    "TableSchema",
    "ValueColumn",
    "load_table",
]

#: Allowed values of the ``sex`` column.
SEXES: tuple[str, ...] = ("male", "female")
#: Allowed values of the ``status`` column of ``insured``.
STATUSES: tuple[str, ...] = ("active", "inactive")
#: Allowed values of the ``type`` column of ``pensioners``.
PENSION_TYPES: tuple[str, ...] = ("old_age", "invalidity", "widow", "orphan", "parent")
#: Employment sectors (columns of ``employment_structure``; ``sector`` of a group).
SECTORS: tuple[str, ...] = ("public", "private", "informal")
#: Key columns with a fixed list of values (``group`` values are the insured
#: groups the assumption set declares).
KEY_CHOICES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"sex": SEXES, "status": STATUSES, "type": PENSION_TYPES}
)
#: Optional integer key columns and their inclusive range.
OPTIONAL_INT_KEYS: Mapping[str, tuple[int, int]] = MappingProxyType({"service": (0, 60)})
#: Tolerance of the row sums of ``employment_structure``.
ROW_SUM_TOLERANCE = 1e-6
_GROUP_RE = re.compile(r"^[a-z][a-z0-9_]*$")
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
    """Structure of one input table.

    Parameters
    ----------
    name : str
        Table name, e.g. ``"population"``.
    title : str
        What the table holds.
    required : bool
        Whether every assumption set must have it.
    time : {"stock", "year", "period", None}
        ``"stock"``: a ``year`` column, values at 1 July of that year;
        ``"year"``: a ``year`` column, values for the calendar year;
        ``"period"``: either ``year`` or ``period_start``/``period_end``
        (decimal years, [start, end)); None: no time column.
    keys : tuple of str
        Key columns besides time and age, among ``sex``, ``group``,
        ``status`` and ``type`` (see `KEY_CHOICES`).
    age : {None, "full", "fertility", "open_end", "contiguous"}
        Age groups (``age_start``/``age_end``, or single ``age``) of each
        time and key combination. ``"full"``: contiguous from 0, ending with
        the open group 100+; ``"fertility"``: closed, contiguous, within
        ages 10-54; ``"open_end"``: contiguous from any first age (ages below
        it count as zero), ending with the open group 100+;
        ``"contiguous"``: contiguous within 0-100+ (any first and last
        group); None: no age columns.
    values : tuple of ValueColumn
        Value columns (all required).
    note : str
        How the table is used.
    scheme : bool, default False
        A scheme table: required when the assumption set declares insured
        groups.
    optional_keys : tuple of str, default ()
        Optional integer key columns (see `OPTIONAL_INT_KEYS`), e.g.
        ``("service",)``.
    age_cover : tuple of (int, int) or None, default None
        Ages the age groups must cover at least (first group starting at or
        below the first, last group reaching the second or open). [years]
    sexes_complete : bool, default True
        With a ``sex`` key: both sexes must appear for each time and each
        combination of the other keys.
    groups_complete : bool, default False
        With a ``group`` key: every declared insured group must appear.
    sum_to_one : tuple of str, default ()
        Value columns whose sum must be 1 (±`ROW_SUM_TOLERANCE`) in every row.
    sum_at_most_one : tuple of str, default ()
        Value columns whose sum must not exceed 1 (+`ROW_SUM_TOLERANCE`) in
        any row (probabilities of exclusive events).
    positive_total : str or None, default None
        A value column whose total must be positive for each time and key
        combination (weights that are normalised).
    """

    name: str
    title: str
    required: bool
    time: str | None
    keys: tuple[str, ...]
    age: str | None
    values: tuple[ValueColumn, ...]
    note: str = ""
    scheme: bool = False
    optional_keys: tuple[str, ...] = ()
    age_cover: tuple[int, int] | None = None
    sexes_complete: bool = True
    groups_complete: bool = False
    sum_to_one: tuple[str, ...] = ()
    sum_at_most_one: tuple[str, ...] = ()
    positive_total: str | None = None

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
        if self.time is None:
            return ()
        return ("year",) if self.time in ("stock", "year") else ("year", "period_start", "period_end")

    @property
    def age_columns(self) -> tuple[str, ...]:
        """All age columns the table may have."""
        return ("age", "age_start", "age_end") if self.age else ()

    @property
    def allowed_columns(self) -> tuple[str, ...]:
        """Every column name the table may have."""
        return self.time_columns + self.keys + self.age_columns + self.optional_keys + self.value_names


_PERSONS_STOCK = ValueColumn("persons", "persons at 1 July", 0.0, 1e10)
_PERSONS_VALUATION = ValueColumn("persons", "persons at 31 December of valuation_year", 0.0, 1e10)
_SHARE = "share, [1]"

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
        # -- scheme tables (assumptions/<set>/scheme/; required when the set declares groups) --
        "labour_force_participation": TableSchema(
            "labour_force_participation",
            "Labour force participation rates by sex and age",
            False,
            None,
            ("sex",),
            "open_end",
            (ValueColumn("rate", "share of the population in the labour force, [1]", 0.0, 1.0),),
            "Ages below the first group have no participation.",
            scheme=True,
        ),
        "employment_structure": TableSchema(
            "employment_structure",
            "Shares of the employed by sector, by sex and age",
            False,
            None,
            ("sex",),
            "open_end",
            tuple(
                ValueColumn(sector, f"share of the employed in the {sector} sector, [1]", 0.0, 1.0)
                for sector in SECTORS
            ),
            "Each row sums to 1.",
            scheme=True,
            sum_to_one=SECTORS,
        ),
        "salary_scale": TableSchema(
            "salary_scale",
            "Earnings by age relative to the group's average",
            False,
            None,
            ("group",),
            "contiguous",
            (
                ValueColumn(
                    "index", "earnings at this age / the group's average earnings, [1]", 0.0, 50.0, low_open=True
                ),
            ),
            "Ages 15 to at least 70 for every group.",
            scheme=True,
            age_cover=(15, 70),
            groups_complete=True,
        ),
        "entry_age_distribution": TableSchema(
            "entry_age_distribution",
            "Distribution of new entrants by age",
            False,
            None,
            ("group", "sex"),
            "contiguous",
            (ValueColumn("weight", "relative weight (normalised by the engine), [1]", 0.0, 1e10),),
            "Weights of each group and sex are normalised to sum to 1.",
            scheme=True,
            groups_complete=True,
            positive_total="weight",
        ),
        "invalidity_incidence": TableSchema(
            "invalidity_incidence",
            "Invalidity incidence rates by sex and age",
            False,
            None,
            ("sex",),
            "contiguous",
            (ValueColumn("rate", "new invalidity pensions per active member per year, [1/year]", 0.0, 1.0),),
            "Ages outside the groups given have no invalidity.",
            scheme=True,
        ),
        "family": TableSchema(
            "family",
            "Family statistics of members by sex and age",
            False,
            None,
            ("sex",),
            "contiguous",
            (
                ValueColumn("married", "probability of leaving a spouse, [1]", 0.0, 1.0),
                ValueColumn("spouse_age_difference", "spouse's age minus member's age, [years]", -50.0, 50.0),
                ValueColumn("children", "expected number of children under 18", 0.0, 20.0),
            ),
            scheme=True,
        ),
        "dependent_parents": TableSchema(
            "dependent_parents",
            "Dependent parents left by members' deaths, by the deceased's sex and age",
            False,
            None,
            ("sex",),
            "contiguous",
            (
                ValueColumn("one_parent", "probability of leaving exactly one dependent parent, [1]", 0.0, 1.0),
                ValueColumn("two_parents", "probability of leaving two dependent parents, [1]", 0.0, 1.0),
                ValueColumn("mother_share", "share of the single dependent parents who are mothers, [1]", 0.0, 1.0),
                ValueColumn("parent_age_difference", "parents' age minus the deceased's age, [years]", 0.0, 70.0),
            ),
            "Needed when parent_rate > 0 (dependent parents' pensions); ages outside the groups given leave none.",
            sum_at_most_one=("one_parent", "two_parents"),
        ),
        "insured": TableSchema(
            "insured",
            "Insured persons at 31 December of the valuation year",
            False,
            None,
            ("group", "sex", "status"),
            "contiguous",
            (_PERSONS_VALUATION,),
            "Optional single-year service column; if absent the engine imputes service.",
            scheme=True,
            optional_keys=("service",),
            sexes_complete=False,
        ),
        "pensioners": TableSchema(
            "pensioners",
            "Pensions in payment at 31 December of the valuation year",
            False,
            None,
            ("type", "group", "sex"),
            "contiguous",
            (
                _PERSONS_VALUATION,
                ValueColumn("average_pension", "currency/month", 0.0, 1e15),
            ),
            scheme=True,
            sexes_complete=False,
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


def _text(raw: pd.Series) -> pd.Series:
    """The cells of a text column without surrounding white space, "" if empty.

    The same as ``raw.fillna("").astype(str).str.strip()``, several times
    faster: one list comprehension of ``str.strip`` instead of pandas'
    element-wise string map.
    """
    values = raw.fillna("").astype(str).to_numpy(dtype=object)
    return pd.Series([v.strip() for v in values], index=raw.index, dtype="str")


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
    text = _text(raw)
    num = pd.to_numeric(text.where(text != "", None), errors="coerce").astype("float64")
    empty = (text == "").to_numpy()
    bad_text = (~empty) & num.isna().to_numpy()
    for i in np.flatnonzero(bad_text):
        value = text.iloc[i]
        if value.lower() in ("nan", "na", "n/a", "null", "none", "-"):
            out.add(
                int(lines[i]), column, value, "is a missing value (NaN)", "every row needs a number",
                kind="missing value",
            )
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
    for name, value in zip(names, key, strict=True):
        if name == "period_start":
            parts.append(f"period from {value:g}")
        elif name == "period_end":
            parts[-1] += f" to {value:g}"
        else:
            parts.append(f"{name} {value}")
    return ", ".join(parts) if parts else "the table"


def _ages_all_ok(df: pd.DataFrame, schema: TableSchema, group_cols: list[str]) -> bool:
    """Vectorised check that every group satisfies the age rules of :func:`_check_ages`.

    True only if none of the problems ``_check_ages`` reports can occur;
    False sends the table through the detailed, per-group check.
    """
    g = df.drop_duplicates(group_cols + ["age_start", "age_end"]).sort_values(group_cols + ["age_start"])
    if g.empty:
        return True
    starts = g["age_start"].to_numpy(dtype=np.float64)
    ends = g["age_end"].to_numpy(dtype=np.float64)
    keys = [g[c].to_numpy() for c in group_cols]
    n = len(g)
    first = np.zeros(n, dtype=bool)
    first[0] = True
    for k in keys:
        first[1:] |= k[1:] != k[:-1]
    last = np.ones(n, dtype=bool)
    last[:-1] = first[1:]
    prev_end = np.r_[np.nan, ends[:-1]]
    if not np.all(first | (starts == prev_end + 1)):
        return False
    open_rows = np.isnan(ends)
    if schema.age == "fertility":
        low, high = FERTILITY_AGES
        return bool(not open_rows.any() and np.all(starts >= low) and np.all(ends <= high))
    if np.any(open_rows & ~last):
        return False
    if schema.age == "full":
        if not (np.all(starts[first] == 0) and np.all(open_rows[last]) and np.all(starts[last] == OPEN_AGE)):
            return False
    elif schema.age == "open_end":
        if not np.all(open_rows[last]):
            return False
    if schema.age_cover is not None:
        low, high = schema.age_cover
        if np.any(starts[first] > low):
            return False
        end_last = ends[last]
        if np.any(~np.isnan(end_last) & (end_last < high)):
            return False
    return True


def _check_ages(
    df: pd.DataFrame, schema: TableSchema, time_cols: list[str], out: _Collector
) -> None:
    """Age groups of each (time, keys) group: contiguity and bounds.

    Rows that differ only in an optional key (``service``) share their age
    groups: the distinct groups are checked.
    """
    group_cols = time_cols + list(schema.keys)
    if _ages_all_ok(df, schema, group_cols):
        return  # the common case, checked at once; the loop below finds and words the problems
    for key, group in _split(df, group_cols):
        label = _group_label(key, group_cols)
        g = group.sort_values(["age_start", "_line"]).drop_duplicates(["age_start", "age_end"])
        starts = g["age_start"].to_numpy(dtype=np.int64)
        ends = g["age_end"].to_numpy(dtype=np.float64)
        lines = g["_line"].to_numpy()
        if schema.age == "fertility":
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
            continue

        if schema.age == "full" and starts[0] != 0:
            out.add(int(lines[0]), "age_start", int(starts[0]),
                    f"is the first age group of {label}: age groups must start at 0", kind="ages start")
            continue
        if schema.age == "full":
            gap_hint = "age groups must be contiguous from 0 to the open group 100+"
        elif schema.age == "open_end":
            gap_hint = "age groups must be contiguous up to the last, open group (no gaps or overlaps)"
        else:
            gap_hint = "age groups must be contiguous (no gaps or overlaps)"
        ok = True
        for i in range(1, len(g)):
            prev_end = ends[i - 1]
            if math.isnan(prev_end):
                out.add(int(lines[i - 1]), "age_end", MISSING,
                        f"open age group {_age_label(starts[i - 1], prev_end)} of {label} is not the last group",
                        f"only the last group ({OPEN_AGE}+) may be open" if schema.age == "full"
                        else "only the last group may be open", kind="open group not last")
                ok = False
                break
            if starts[i] != prev_end + 1:
                what = "gap" if starts[i] > prev_end + 1 else "overlap"
                out.add(int(lines[i]), "age_start", int(starts[i]),
                        f"{what} in the age groups of {label}: group "
                        f"{_age_label(starts[i], ends[i])} follows {_age_label(starts[i - 1], prev_end)}",
                        gap_hint, kind="age gap")
                ok = False
                break
        if not ok:
            continue
        if schema.age == "open_end" and not math.isnan(ends[-1]):
            out.add(int(lines[-1]), "age_end", _age_label(starts[-1], ends[-1]),
                    f"is the last age group of {label}: it must be an open group (empty age_end, e.g. 65+)",
                    "the rates of the open group apply at all higher ages", kind="open group")
            continue
        if schema.age == "full" and (not math.isnan(ends[-1]) or starts[-1] != OPEN_AGE):
            out.add(int(lines[-1]), "age_end" if not math.isnan(ends[-1]) else "age_start",
                    _age_label(starts[-1], ends[-1]),
                    f"is the last age group of {label}: it must be the open group {OPEN_AGE}+",
                    f"write age_start {OPEN_AGE} with an empty age_end (or age {OPEN_AGE} in a single-age table)",
                    kind="open group")
            continue
        if schema.age_cover is not None:
            low, high = schema.age_cover
            if starts[0] > low:
                out.add(int(lines[0]), "age_start", int(starts[0]),
                        f"is the first age of {label}: the age groups must start at {low} or below "
                        f"(they must cover ages {low}-{high} at least)", kind="age cover")
            elif not math.isnan(ends[-1]) and ends[-1] < high:
                out.add(int(lines[-1]), "age_end", int(ends[-1]),
                        f"is the last age of {label}: the age groups must reach age {high} at least "
                        f"(they must cover ages {low}-{high} at least)", kind="age cover")


def _split(df: pd.DataFrame, by: list[str]) -> list[tuple[tuple[Any, ...], pd.DataFrame]]:
    """``(key tuple, rows)`` for each combination of the columns `by` (sorted); the whole table if none."""
    if not by:
        return [((), df)]
    return [(k if isinstance(k, tuple) else (k,), part) for k, part in df.groupby(by, sort=True)]


def _all_sexes_present(df: pd.DataFrame, by: list[str]) -> bool:
    """Whether every combination of the columns `by` has rows for every sex (vectorised; the values are valid sexes)."""
    if not by:
        return set(df["sex"].to_numpy(dtype=object)) >= set(SEXES)
    return bool((df.drop_duplicates(by + ["sex"]).groupby(by, sort=False).size() == len(SEXES)).all())


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
    name: str,
    path: str | Path,
    schema: TableSchema | None = None,
    *,
    groups: tuple[str, ...] | list[str] | None = None,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read and check one input table.

    Parameters
    ----------
    name : str
        Table name (a key of `TABLE_SCHEMAS`), used in messages.
    path : str or path-like
        The CSV file.
    schema : TableSchema, optional
        Default: ``TABLE_SCHEMAS[name]``.
    groups : sequence of str, optional
        The insured groups the assumption set declares, in declaration
        order. A ``group`` value must be one of them (with a did-you-mean),
        and with ``groups_complete`` each must appear; rows are sorted in
        this order. None (the default, for a table read on its own): a
        ``group`` value need only be a name (``[a-z][a-z0-9_]*``).

    Returns
    -------
    table : pandas.DataFrame or None
        The normalised table (see the module docstring), or None if there
        were problems.
    problems : list of Problem
        Every problem found, each with file, CSV line (header = 1) and
        column: missing file (with the full path looked for), unknown or
        missing columns, non-numeric or missing values, values out of
        range, unknown sexes, groups, statuses or pension types, duplicate
        keys, age groups not contiguous (from 0 to 100+ for population,
        mortality, net migration; up to 100+ for labour force participation
        and employment structure), fertility ages outside 10-54, salary
        scale ages not covering 15-70, ``period_end <= period_start``,
        overlapping periods, a sex missing for a time (or a key), a declared
        group missing (salary scale, entry ages), employment shares not
        summing to 1, entry weights summing to 0.
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
    if not set(header) & set(schema.allowed_columns):
        # nothing in the first line is a column of this table: probably not a table at all (a wrong
        # path, a system file): say so without echoing the file's content
        return None, [Problem(
            p, 1, "", MISSING,
            f"table {name}: the first line has no column of this table (expected a CSV header with "
            f"{', '.join(sorted(schema.allowed_columns))})",
            "is this the right file? (its content is not shown)")]
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
            out.add(
                1, col, MISSING, f"unknown column for table {name}", did_you_mean(col, allowed), kind=f"unknown {col}"
            )
    cols = set(header)
    time_cols: list[str]
    if schema.time is None:
        time_cols = []
    elif schema.time in ("stock", "year"):
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
            out.add(
                1, c, MISSING, "required column is missing",
                did_you_mean(c, [h for h in header if h not in allowed], list_if_no_match=0),
            )
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
        return None, [
            Problem(p, int(m.group(1)) if m else None, "", MISSING, f"table {name}: malformed CSV: {message}")
        ]
    raw.columns = [str(c).strip() for c in raw.columns]
    raw["_line"] = np.arange(2, len(raw) + 2)  # header is line 1; blank lines kept by skip_blank_lines=False
    data_cols = [c for c in raw.columns if c != "_line"]
    blank = np.ones(len(raw), dtype=bool)
    for c in data_cols:
        blank &= _text(raw[c]).to_numpy(dtype=object) == ""
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
    elif time_cols:
        for c in ("period_start", "period_end"):
            df[c] = _numeric(raw[c], c, lines, out)
        bad = (df["period_end"] <= df["period_start"]).to_numpy()
        for i in np.flatnonzero(bad):
            out.add(int(lines[i]), "period_end", float(df["period_end"].iloc[i]),
                    f"must be greater than period_start ({df['period_start'].iloc[i]:g})", kind="period order")

    for key_col in schema.keys:
        if key_col == "sex":
            continue
        text = _text(raw[key_col])
        if key_col == "group":
            if groups is not None:
                allowed_groups = tuple(groups)
                bad = ~text.isin(allowed_groups)
                what = ("is not an insured group of the assumption set (groups: "
                        + (", ".join(allowed_groups) if allowed_groups else "none declared") + ")")
            else:
                allowed_groups = ()
                bad = ~text.str.fullmatch(_GROUP_RE.pattern)
                what = "is not a group name (lower case letters, digits and underscores, starting with a letter)"
            for i in np.flatnonzero(bad.to_numpy()):
                value = text.iloc[i]
                hint = did_you_mean(value, allowed_groups, list_if_no_match=0) if value and allowed_groups else None
                out.add(int(lines[i]), key_col, value if value else MISSING,
                        what if value else "empty cell (an insured group)", hint, kind=key_col)
        else:
            choices = KEY_CHOICES[key_col]
            bad = ~text.isin(choices)
            for i in np.flatnonzero(bad.to_numpy()):
                value = text.iloc[i]
                hint = did_you_mean(value, choices, list_if_no_match=0) if value else None
                out.add(int(lines[i]), key_col, value if value else MISSING,
                        f"is not a {key_col} ({' | '.join(choices)})" if value
                        else f"empty cell ({' | '.join(choices)})", hint, kind=key_col)
        df[key_col] = text

    if "sex" in schema.keys:
        sex = _text(raw["sex"])
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

    present_optional = [c for c in schema.optional_keys if c in cols]
    for c in present_optional:
        low, high = OPTIONAL_INT_KEYS[c]
        values = _numeric(raw[c], c, lines, out, integer=True)
        bad = values.notna() & ~values.between(low, high)
        for i in np.flatnonzero(bad.to_numpy()):
            out.add(int(lines[i]), c, int(values.iloc[i]), f"is outside {low}-{high} (single years)", kind=f"{c} range")
        df[c] = values

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

    if schema.sum_to_one:
        total = df[list(schema.sum_to_one)].sum(axis=1, skipna=False).to_numpy()
        bad = np.isfinite(total) & (np.abs(total - 1.0) > ROW_SUM_TOLERANCE)
        label = " + ".join(schema.sum_to_one)
        for i in np.flatnonzero(bad):
            out.add(int(lines[i]), label, MISSING,
                    f"the shares sum to {total[i]:.10g}, not 1 (±{ROW_SUM_TOLERANCE:g})",
                    "each row gives how the employed of that sex and age split between the sectors",
                    kind="row sum")
    if schema.sum_at_most_one:
        total = df[list(schema.sum_at_most_one)].sum(axis=1, skipna=False).to_numpy()
        bad = np.isfinite(total) & (total > 1.0 + ROW_SUM_TOLERANCE)
        label = " + ".join(schema.sum_at_most_one)
        for i in np.flatnonzero(bad):
            out.add(int(lines[i]), label, MISSING,
                    f"the probabilities sum to {total[i]:.10g}, more than 1",
                    "the events of these columns exclude each other: their probabilities sum to 1 at most",
                    kind="row sum")

    if out.problems:
        return None, out.finish()

    # -- rows and structure ----------------------------------------------------
    if "year" in time_cols:
        df["year"] = df["year"].astype(np.int64)
    if schema.age:
        df["age_start"] = df["age_start"].astype(np.int64)
        df["age_end"] = df["age_end"].astype(np.float64)
    for c in present_optional:
        df[c] = df[c].astype(np.int64)
    key_cols = time_cols + list(schema.keys) + (["age_start"] if schema.age else []) + present_optional
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
    if schema.sexes is not None and schema.sexes_complete:
        by = time_cols + [k for k in schema.keys if k != "sex"]
        for key, part in ([] if _all_sexes_present(df, by) else _split(df, by)):
            missing = [s for s in SEXES if s not in set(part["sex"].to_numpy(dtype=object))]
            if missing:
                line = int(part["_line"].min())
                need = "every time needs both sexes" if time_cols else (
                    f"every {' and '.join(by)} needs both sexes" if by else "the table needs both sexes")
                out.add(line, "sex", MISSING,
                        f"no rows for {' and '.join(missing)} ({_group_label(key, by)})",
                        need, kind="missing sex")
    if "group" in schema.keys and schema.groups_complete and groups is not None:
        missing_groups = [g for g in groups if g not in set(df["group"])]
        if missing_groups:
            out.add(None, "group", MISSING,
                    f"no rows for the insured group{'s' if len(missing_groups) > 1 else ''} "
                    f"{', '.join(missing_groups)} (table {name} needs every group of the assumption set)")
    if schema.positive_total is not None:
        by = time_cols + list(schema.keys)
        totals_ok = bool(by) and bool((df.groupby(by, sort=False)[schema.positive_total].sum() > 0).all())
        for key, part in ([] if totals_ok else _split(df, by)):
            if not part[schema.positive_total].sum() > 0:
                line = int(part["_line"].min())
                out.add(line, schema.positive_total, MISSING,
                        f"the {schema.positive_total}s of {_group_label(key, by)} sum to 0",
                        "give at least one positive weight", kind="zero total")
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
    for k in schema.keys:  # sex male first, groups in declaration order, ... (else alphabetical)
        order = KEY_CHOICES.get(k) if k != "group" else (tuple(groups) if groups is not None else None)
        if order is not None:
            df[f"_{k}_order"] = df[k].map({v: i for i, v in enumerate(order)}).astype(np.int64)
            sort_cols.append(f"_{k}_order")
        else:
            sort_cols.append(k)
    sort_cols += age_cols[:1] + present_optional
    df = df.sort_values(sort_cols, kind="stable").reset_index(drop=True)
    result = df[ordered_time + list(schema.keys) + age_cols + present_optional + list(schema.value_names)].copy()
    for c in schema.value_names:
        result[c] = result[c].astype(np.float64)
    result.attrs = {"table": name, "file": str(p), "units": {c.name: c.unit for c in schema.values}}
    return result, []

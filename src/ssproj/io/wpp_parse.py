"""What the two WPP 2024 readers share: problems, value parsers, the tables they return.

:func:`ssproj.io.wpp.import_wpp` reads either the tidy extracts of the R
package ``wpp2024`` (:mod:`ssproj.io.wpp`) or the UN's own CSV downloads
(:mod:`ssproj.io.wpp_un`). Both collect every problem they find in a
`ProblemCollector` (file, line, message) and raise one `WPPImportError`,
and both return their tables as `TableRows` (header, rows, notes) for the
writer in :mod:`ssproj.io.wpp`.
"""
from __future__ import annotations

import math
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ssproj.errors import MISSING, Problem, ScenarioError

__all__ = [
    "CITATION",
    "CITATION_COMMENT",
    "FIRST_PROJECTION_YEAR",
    "LICENCE",
    "LICENCE_URL",
    "LAST_ESTIMATE_YEAR",
    "OPEN_AGE",
    "SEXES",
    "BadValue",
    "ProblemCollector",
    "TableRows",
    "ImportedData",
    "VariantRows",
    "WPPImportError",
    "format_group",
    "in_range",
    "listing",
    "parse_decimal",
    "parse_e0",
    "parse_float",
    "parse_int",
    "parse_nonneg_float",
    "parse_nonneg_int",
    "parse_positive_float",
    "table_headers",
    "year_ranges",
    "slug",
]

#: Last calendar year of the WPP 2024 estimates; later years are projections.
LAST_ESTIMATE_YEAR = 2023
#: First calendar year of the WPP 2024 projections (medium variant).
FIRST_PROJECTION_YEAR = 2024
#: First age of the open age group (100 = 100+).
OPEN_AGE = 100
#: Sexes written, in output order (alphabetical).
SEXES = ("female", "male")
#: How to cite the data (the UN's suggested citation), its licence and the licence text.
CITATION = (
    "United Nations, Department of Economic and Social Affairs, Population Division (2024). "
    "World Population Prospects 2024."
)
LICENCE = "CC BY 3.0 IGO"
LICENCE_URL = "https://creativecommons.org/licenses/by/3.0/igo/"
#: The citation and licence as the first lines of the comment at the top of ``assumptions.yaml``.
CITATION_COMMENT = (
    "# Data: United Nations, Department of Economic and Social Affairs, Population\n"
    "# Division (2024). World Population Prospects 2024. Licence CC BY 3.0 IGO\n"
    f"# ({LICENCE_URL}).\n"
)

_MAX_PROBLEMS_PER_FILE = 25
_MAX_LISTED = 12


class WPPImportError(ScenarioError):
    """The WPP data cannot be imported; ``problems`` lists every problem found.

    A `ssproj.errors.ScenarioError` (hence a ``ValueError``) whose problems
    are `ssproj.errors.Problem` objects located in the source files. The
    message is a header line, then one problem per line.
    """

    def __init__(self, problems: Sequence[Problem], header: str = "cannot import WPP 2024 extracts"):
        self.header = header
        super().__init__(problems)

    def __str__(self) -> str:
        n = len(self.problems)
        return f"{self.header}: {n} problem{'s' if n != 1 else ''}\n" + super().__str__()


class BadValue(Exception):
    """A value that cannot be parsed; the message says why."""


class ProblemCollector:
    """Collects problems, at most 25 per file (then a count of the rest).

    Parameters
    ----------
    source_dir : pathlib.Path
        Folder of the source files. ``where`` in `add` is a file name in it,
        ``""`` for the folder itself, or an absolute path.
    """

    def __init__(self, source_dir: Path) -> None:
        self.source_dir = source_dir
        self.items: list[Problem] = []
        self._per_file: dict[str, int] = {}

    def _path(self, where: str) -> Path:
        return self.source_dir / where if where else self.source_dir

    def add(self, where: str, message: str, line: int | None = None) -> None:
        """Record a problem in file `where` (at `line`, 1 = the header)."""
        n = self._per_file.get(where, 0) + 1
        self._per_file[where] = n
        if n <= _MAX_PROBLEMS_PER_FILE:
            self.items.append(Problem(self._path(where), line, "", MISSING, message))

    def problems(self) -> list[Problem]:
        """Every problem recorded, with a line counting those left out per file."""
        out = list(self.items)
        for where, n in self._per_file.items():
            if n > _MAX_PROBLEMS_PER_FILE:
                out.append(Problem(self._path(where), None, "", MISSING,
                                   f"... and {n - _MAX_PROBLEMS_PER_FILE} more problem(s)"))
        return out

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class TableRows:
    """One output table of an assumption set, ready to write.

    Parameters
    ----------
    header : tuple of str
        Column names (the formats of ``docs/dev/formats.md``).
    rows : list of tuple
        Rows in output order; values int, float, str or None (empty).
    notes : str
        What the table holds, its units, source and years (written to
        ``assumptions.yaml``).
    confidence : str
        ``verified``, ``secondary`` or ``assumed``.
    """

    header: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)
    notes: str = ""
    confidence: str = "verified"


# --------------------------------------------------------------------------- parsing


def parse_int(text: str) -> int:
    """A whole number (``"12"``, ``"12.0"``); `BadValue` otherwise."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        x = float(text)
    except ValueError:
        raise BadValue(f"{text!r} is not a number") from None
    if not math.isfinite(x) or x != int(x):
        raise BadValue(f"{text!r} is not a whole number")
    return int(x)


def parse_float(text: str) -> float:
    """A finite number; `BadValue` otherwise."""
    try:
        x = float(text.strip())
    except ValueError:
        raise BadValue(f"{text!r} is not a number") from None
    if not math.isfinite(x):
        raise BadValue(f"{text!r} is not a finite number")
    return x


def parse_decimal(text: str) -> Decimal:
    """A finite number, exactly as written (``"7346.527"``); `BadValue` otherwise."""
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        raise BadValue(f"{text.strip()!r} is not a number") from None
    if not d.is_finite():
        raise BadValue(f"{text.strip()!r} is not a finite number")
    return d


def parse_nonneg_int(text: str) -> int:
    """A whole number >= 0."""
    v = parse_int(text)
    if v < 0:
        raise BadValue(f"{v} is negative")
    return v


def parse_nonneg_float(text: str) -> float:
    """A finite number >= 0."""
    v = parse_float(text)
    if v < 0:
        raise BadValue(f"{v!r} is negative")
    return v


def parse_positive_float(text: str) -> float:
    """A finite number > 0."""
    v = parse_float(text)
    if v <= 0:
        raise BadValue(f"{v!r} is not positive")
    return v


_BELOW = {"(": operator.lt, "[": operator.le}
_ABOVE = {")": operator.lt, "]": operator.le}


def in_range(parse: Callable[[str], float], low: float, high: float, meaning: str, *,
             closed: str = "()", show_text: bool = False) -> Callable[[str], float]:
    """A parser of a rate or ratio: `parse`, then a check that the value lies between `low` and `high`.

    Parameters
    ----------
    parse : callable
        Text -> value in ssproj's unit (`parse_float`, or a parser that
        rescales the source's unit); raises `BadValue`.
    low, high : float
        Bounds of the plausible values [ssproj's unit of the value].
    meaning : str
        What the value is, for the message ``"<value> is not <meaning>"``.
    closed : str, default ``"()"``
        Which bounds are allowed: ``"()"`` neither, ``"[]"`` both, ``"(]"``
        `high` only, ``"[)"`` `low` only.
    show_text : bool, default False
        Quote the text as written in the message (for a value the parser
        rescales: the user sees the source's unit), not the parsed value.

    Returns
    -------
    callable
        Text -> value [ssproj's unit]; `BadValue` outside the range.
    """
    below, above = _BELOW[closed[0]], _ABOVE[closed[1]]

    def parse_in_range(text: str) -> float:
        v = parse(text)
        if not (below(low, v) and above(v, high)):
            raise BadValue(f"{text.strip() if show_text else repr(v)} is not {meaning}")
        return v

    return parse_in_range


#: Period life expectancy at birth [years].
parse_e0 = in_range(parse_float, 0.0, 130.0, "a life expectancy in years")


# --------------------------------------------------------------------------- tables


def table_headers(mortality: tuple[str, ...], fertility: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Columns of each table of an assumption set, in output order (``docs/dev/formats.md``).

    The two readers write the same tables with the same columns but for
    the time of `mortality` and `fertility` rates: WPP 5-year periods in the
    tidy extracts, calendar years in the UN's files.
    """
    return {
        "population": ("year", "sex", "age_start", "age_end", "persons"),
        "mortality": mortality,
        "fertility": fertility,
        "tfr": ("year", "tfr"),
        "sex_ratio_at_birth": ("year", "srb"),
        "net_migration": ("year", "sex", "age", "persons"),
        "net_migration_total": ("year", "persons"),
        "life_expectancy": ("year", "sex", "e0"),
        "vital_events": ("year", "births", "deaths"),
    }


# --------------------------------------------------------------------------- text


def format_group(start: int, end: int | None) -> str:
    """An age group as text: ``0``, ``1-4``, ``100+``."""
    if end is None:
        return f"{start}+"
    return str(start) if end == start else f"{start}-{end}"


def year_ranges(values: Iterable[int], step: int = 1) -> str:
    """``[1950, 1951, 1952, 1960] -> '1950-1952, 1960'``."""
    vals = sorted(set(values))
    if not vals:
        return "none"
    parts = []
    start = prev = vals[0]
    for v in vals[1:]:
        if v == prev + step:
            prev = v
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = v
    parts.append(str(start) if start == prev else f"{start}-{prev}")
    return ", ".join(parts)


def listing(items: list[str]) -> str:
    """At most 12 items joined by commas, then how many there are in all."""
    if len(items) <= _MAX_LISTED:
        return ", ".join(items)
    return ", ".join(items[:_MAX_LISTED]) + f", ... ({len(items)} in all)"


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by ``_``: ``"Côte d'Ivoire" -> "cote_d_ivoire"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


@dataclass
class VariantRows:
    """A demographic variant: the tables in which it differs from the set's own.

    Parameters
    ----------
    name : str
        Identifier written to ``assumptions.yaml`` (``high``, ``zero_migration``).
    label : str
        The UN's name of the variant (``High``, ``Zero migration``).
    description : str
        What the variant assumes and which tables it replaces.
    tables : dict of str to TableRows
        Only the tables that differ from the set's own (medium) tables.
    """

    name: str
    label: str
    description: str
    tables: dict[str, TableRows] = field(default_factory=dict)


@dataclass
class ImportedData:
    """Everything a reader found for one country, ready to write.

    Parameters
    ----------
    country : str
        Country name as the source gives it.
    tables : dict of str to TableRows
        The set's tables (estimates and the medium variant), in output order.
    source : dict
        The ``sources.wpp2024`` entry of ``assumptions.yaml`` (citation,
        licence, url, datasets, notes).
    description : str
        The set's ``description``.
    origin_comment : str
        Comment lines (each starting ``#``) saying where the data come from,
        written at the top of ``assumptions.yaml``.
    source_placeholder : str
        What ``--source`` names, in the command that regenerates the set
        (written in the same comment).
    variants : dict of str to VariantRows
        Demographic variants other than the medium one (may be empty).
    skipped : dict of str to str
        Variants found in the files but not imported, with the reason.
    """

    country: str
    tables: dict[str, TableRows]
    source: dict
    description: str
    origin_comment: str
    source_placeholder: str
    variants: dict[str, VariantRows] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

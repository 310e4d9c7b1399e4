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
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ssproj.errors import MISSING, Problem, ScenarioError

__all__ = [
    "CITATION",
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
    "listing",
    "parse_float",
    "parse_int",
    "parse_nonneg_float",
    "parse_nonneg_int",
    "parse_positive_float",
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

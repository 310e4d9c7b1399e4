"""Excel workbooks a ministry can use: the run, comparison and sensitivity workbooks, and their one writer.

Every workbook ssproj writes goes through :class:`Workbook`, so the three
share one set of rules, each written once here:

- **Number formats by unit** (:func:`unit_style`): amounts of money with
  thousands separators, shown in millions or billions of the scenario's
  currency when the amounts are that large (:func:`money_scale`; the cell
  keeps the full amount, only its display is scaled, and the header says
  so); shares and rates per year as percentages; counts of people as
  whole numbers; calendar years as plain integers; ratios with three
  decimals.
- **Units in headers** (:func:`unit_text`, :func:`header_text`):
  ``"contribution_income [LAK/year, nominal; shown in billions]"``, the
  scenario's currency in place of the registry's ``currency``.
- **Frozen panes** on the header row and the label columns, column widths
  from the contents, header text wrapped, an autofilter on every table.
- **A "Read me" sheet** (:meth:`Workbook.readme`), right after the banner
  of assumed inputs when there is one (the banner stays the sheet a
  workbook opens on, as issue 13 decided): what the workbook is, the
  scenario, its description, the ssproj version and seed, what each sheet
  holds, the sheet names shortened to Excel's 31 characters with their
  full names, and every input with its value, unit, source and confidence
  (:func:`ssproj.reporting.assumptions.assumption_table`).
- **Native Excel charts** of the headline series on a "Charts" sheet
  (xlsxwriter charts: they stay live, readable and editable in Excel).
- **Unambiguous sheet names** (:func:`sheet_name`): a name that does not
  fit Excel's 31 characters is cut at a word boundary, numbered if it
  would collide, and listed with its full name on the Read me sheet.
- **Identical bytes for identical inputs**: fixed document properties
  (:func:`ssproj.io.outdir.fix_workbook_properties`) and nothing that
  depends on the clock or on the order of a set.

:meth:`Workbook.add_table` takes any DataFrame and a mapping column ->
unit (by default ``DataFrame.attrs["units"]``), so a new table is one
call. :func:`projection_workbook`, :func:`comparison_workbook` and
:func:`sensitivity_workbook` assemble the three workbooks; they take the
result objects by duck typing (this layer does not import
:mod:`ssproj.projection` or :mod:`ssproj.analysis`). The sheets, their
units and formats are described in ``docs/workbook.md``.
"""
from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from ssproj._version import __version__
from ssproj.io.outdir import fix_workbook_properties
from ssproj.reporting.assumptions import assumption_table
from ssproj.reporting.banner import BANNER_SHEET

__all__ = [
    "CHARTS_SHEET", "README_SHEET", "Placement", "TextSheet", "UnitStyle", "Workbook", "comparison_workbook",
    "header_text", "money_scale", "projection_workbook", "sensitivity_workbook", "sheet_name", "unit_style",
    "unit_text", "write_text_sheet", "write_workbook",
]

#: Name of the sheet that says what the workbook holds (right after the banner of assumed inputs).
README_SHEET = "Read me"
#: Name of the sheet of native Excel charts.
CHARTS_SHEET = "Charts"
#: Excel's limit on the length of a sheet name. [characters]
SHEET_NAME_LIMIT = 31
#: Excel's limit on the text of a cell. [characters]
CELL_TEXT_LIMIT = 32767
#: Characters Excel refuses in a sheet name.
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
#: Where a sheet name may be cut: after a space, underscore, hyphen or full stop.
_WORD_BREAK = re.compile(r"[ _\-.]")

#: Money scales: the amount a displayed unit stands for -> (word, number of thousands separators Excel
#: divides by in a number format). [currency]
_SCALES = {1.0: ("", 0), 1e6: ("millions", 2), 1e9: ("billions", 3)}
#: Width of a column of text in a text sheet (banner). [characters]
_TEXT_WIDTH = 150
#: Narrowest data column, widest for its values, widest for the longest word of its header, and widest
#: label column. [characters]
_MIN_WIDTH, _MAX_WIDTH, _MAX_NAME_WIDTH, _MAX_LABEL_WIDTH = 10.0, 22.0, 34.0, 70.0
#: Size of a chart on a Charts sheet. [pixels]
_CHART_SIZE = {"width": 720, "height": 380}
#: Rows a chart takes on a Charts sheet (380 pixels at 20 pixels a row, and a gap).
_CHART_ROWS = 21

#: Widths of the columns of the list of inputs on the Read me sheet. [characters]
_README_WIDTHS = {"scenario": 28.0, "input": 34.0, "value": 40.0, "unit": 18.0, "confidence": 11.0, "origin": 11.0,
                  "source": 50.0, "notes": 60.0}

_HEADER: dict[str, Any] = {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "bg_color": "#E7E6E6"}


# ------------------------------------------------------------------------------------------ units and formats

@dataclass(frozen=True)
class UnitStyle:
    """How the values of a unit are shown.

    Attributes
    ----------
    kind : str
        ``money`` (scaled to the workbook's money scale), ``money_unit``
        (per month or per person: never scaled), ``exchange_rate``,
        ``count``, ``calendar_year``, ``years`` (a duration or an age),
        ``share`` and ``rate`` (shown as %), ``ratio``, ``number`` (unit
        ``1``) or ``general`` (no unit: text, or a number as Excel shows it).
    num_format : str
        Excel number format at money scale 1 (see :meth:`format_at`).
    """

    kind: str
    num_format: str

    def format_at(self, scale: float) -> str:
        """The number format at money scale `scale` (only ``money`` is scaled: ``#,##0.0,,,`` shows billions)."""
        if self.kind != "money" or scale == 1.0:
            return self.num_format
        return "#,##0.0" + "," * _SCALES[scale][1]

    def percent(self) -> bool:
        return self.kind in ("share", "rate")


def unit_style(unit: str | None) -> UnitStyle:
    """The display of a unit written as in ssproj's headers (``variables.yaml``: unit and qualifier).

    ``currency...`` is money (``currency/month``, ``currency/person-year`` and
    ``currency/USD`` are amounts per month, per person or per dollar, never
    scaled, as is any other unit of money with ``per``); ``rank...`` a whole
    number; ``persons...``, ``contributor-years...`` and ``person-years``
    are counts; ``calendar year`` a year; ``years...`` a duration, an age or
    years of outgo; ``1/year`` a rate and ``share of ...``, ``relative ...``
    or ``%...`` a share, both shown as %; ``1`` a plain number; any other
    unit, and any unit of the form ``x per y`` other than money, a ratio
    (``pensioners per contributor``, ``persons 65+ per person 15-64``).
    """
    u = (unit or "").strip()
    if not u:
        return UnitStyle("general", "General")
    if u.startswith(("currency/USD", "currency per USD")):
        return UnitStyle("exchange_rate", "#,##0.00")
    if u.startswith(("currency/month", "currency/person-year", "currency per")):
        return UnitStyle("money_unit", "#,##0")
    if u.startswith("currency"):
        # an amount per person, per contributor-year...: not scaled to millions or billions
        return UnitStyle("money_unit", "#,##0") if " per " in u else UnitStyle("money", "#,##0")
    if u.startswith("rank"):
        return UnitStyle("count", "0")
    if " per " in u:
        return UnitStyle("ratio", "0.000")
    if u.startswith(("persons", "contributor-years", "person-years", "contributors", "recruits", "channels")):
        return UnitStyle("count", "#,##0")
    if u == "calendar year" or u.startswith("calendar year"):
        return UnitStyle("calendar_year", "0")
    if u.startswith("years"):
        return UnitStyle("years", "0.00")
    if u == "1/year":
        return UnitStyle("rate", "0.00%")
    if u.startswith(("share of", "relative", "%", "percent")):
        return UnitStyle("share", "0.00%")
    if u == "1":
        return UnitStyle("number", "0.0000")
    return UnitStyle("ratio", "0.000")


def money_scale(amounts: Iterable[float]) -> float:
    """The money scale of a workbook from typical amounts: 1e9 (billions) when their median magnitude is at least
    100 billion, 1e6 (millions) when at least 100 million, else 1. NaN and zero amounts are left out. [currency]"""
    values = np.abs(np.asarray([float(a) for a in amounts], dtype=float))
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return 1.0
    typical = float(np.median(values))
    return 1e9 if typical >= 1e11 else 1e6 if typical >= 1e8 else 1.0


def unit_text(unit: str | None, currency: str = "", scale: float = 1.0) -> str:
    """A unit as written in a header: the currency for ``currency``, ``nominal`` for money, the scale shown.

    E.g. ``currency/year`` -> ``LAK/year, nominal; shown in billions``;
    ``currency at 31 December`` -> ``LAK at 31 December, nominal``;
    ``currency at 1 January 2024`` (a present value) -> ``LAK at 1 January 2024``;
    ``currency/USD`` -> ``LAK per USD``; other units as given.
    """
    u = (unit or "").strip()
    style = unit_style(u)
    if style.kind not in ("money", "money_unit", "exchange_rate"):
        return u
    code = currency or "currency units"
    if style.kind == "exchange_rate":
        return f"{code} per USD"
    text = code + u[len("currency"):]
    # a present value is in the money of its date ("at 1 January 2024"), not in each year's money
    if not any(w in text for w in ("nominal", "present value", "at 1 January", "real")):
        text += ", nominal"
    if style.kind == "money" and scale != 1.0:
        text += f"; shown in {_SCALES[scale][0]}"
    return text


def header_text(label: Any, unit: str | None, currency: str = "", scale: float = 1.0) -> str:
    """A column or row label with its unit in brackets: ``"reserve_end [LAK at 31 December, nominal]"``.

    A label that already ends with ``[unit]`` has it replaced (the currency
    and scale written out); no unit, the label alone.
    """
    text = str(label)
    u = (unit or "").strip()
    if not u:
        return text
    suffix = f" [{u}]"
    if text.endswith(suffix):
        text = text[: -len(suffix)]
    return f"{text} [{unit_text(u, currency, scale)}]"


def axis_title(unit: str | None, currency: str = "", scale: float = 1.0) -> str:
    """A chart axis title: the unit as shown on the axis (``billion LAK/year, nominal``, ``% of insured earnings``)."""
    u = (unit or "").strip()
    style = unit_style(u)
    if style.kind == "money" and scale != 1.0:
        word = _SCALES[scale][0][:-1]  # billion
        return f"{word} {unit_text(u, currency, 1.0)}"
    if style.kind == "share":
        return "% " + u[len("share "):] if u.startswith("share of") else f"% ({u})"
    if style.kind == "rate":
        return "% a year"
    return unit_text(u, currency, scale)


def _shown_width(values: Sequence[Any], style: UnitStyle, scale: float) -> int:
    """Roughly how many characters the widest of `values` takes in its format."""
    nums = [abs(float(v)) for v in values if isinstance(v, numbers.Real) and not isinstance(v, bool)
            and math.isfinite(float(v))]
    texts = [len(str(v)) for v in values if isinstance(v, str)]
    width = max(texts, default=0)
    if not nums:
        return width
    top = max(nums)
    if style.kind == "money":
        top /= scale
        text = f"{top:,.1f}" if scale != 1.0 else f"{top:,.0f}"
    elif style.num_format == "#,##0":
        text = f"{top:,.0f}"
    elif style.percent():
        text = f"{top * 100:.2f}%"
    elif style.kind == "calendar_year":
        text = f"{top:.0f}"
    elif style.kind == "general":
        text = f"{top:.10g}"
    else:
        decimals = len(style.num_format.split(".")[1]) if "." in style.num_format else 0
        text = f"{top:,.{decimals}f}"
    return max(width, len(text) + 1)  # and a minus sign


# -------------------------------------------------------------------------------------------- sheet names

def sheet_name(full: str, used: set[str]) -> str:
    """A valid sheet name for `full`, unique (case-insensitively) among `used`, which it joins.

    Excel's forbidden characters ``[]:*?/\\`` become ``_``; a name longer than
    31 characters is cut at the last word boundary (space, ``_``, ``-``,
    ``.``) that leaves room for a number; a name already taken gets
    `` (2)``, `` (3)``, ... The caller lists every name that differs from
    its full name (:attr:`Workbook.renamed`).
    """
    base = _BAD_SHEET_CHARS.sub("_", str(full)).strip("'") or "sheet"
    if len(base) > SHEET_NAME_LIMIT:
        room = SHEET_NAME_LIMIT - 4  # a " (k)" may follow
        cut = max((m.start() for m in _WORD_BREAK.finditer(base) if 0 < m.start() <= room), default=room)
        base = base[:cut].rstrip(" _-.")
    candidate, k = base, 2
    while candidate.lower() in used:
        suffix = f" ({k})"
        candidate, k = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix, k + 1
    used.add(candidate.lower())
    return candidate


# --------------------------------------------------------------------------------------------- the writer

@dataclass(frozen=True)
class TextSheet:
    """A sheet of text: one line per row in column A, the first line in bold, written as text (never a
    formula or a number)."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Placement:
    """Where :meth:`Workbook.add_table` wrote a table (0-based rows and columns, as xlsxwriter counts).

    Attributes
    ----------
    sheet : str
        The sheet's name.
    header_row, first_row, last_row : int
        The header row and the first and last data rows.
    labels : int
        How many label columns (index levels) come first.
    columns : dict
        Each column of the DataFrame -> its sheet column.
    """

    sheet: str
    header_row: int
    first_row: int
    last_row: int
    labels: int
    columns: dict = field(default_factory=dict)

    def column(self, name: Any) -> list:
        """The data cells of one column as an xlsxwriter range ``[sheet, r0, c, r1, c]``."""
        c = self.columns[name]
        return [self.sheet, self.first_row, c, self.last_row, c]


@dataclass
class _SheetEntry:
    name: str
    full: str
    holds: str


class Workbook:
    """An ``.xlsx`` workbook with ssproj's formats, headers, widths, Read me and charts.

    Parameters
    ----------
    path : str or Path
        The file (overwritten; callers write to a temporary path and rename, see
        :func:`ssproj.io.atomic.atomic_path`).
    currency : str
        The scenario's currency (``LAK``), written in the headers for the
        registry's ``currency``.
    scale : float
        Money scale (:func:`money_scale`): amounts of money (unit
        ``currency`` or ``currency/year``) are shown divided by it; the
        cells keep the full amounts.

    Notes
    -----
    Use as a context manager, or call :meth:`close`. Sheets are in the order
    they are added; :meth:`reserve_readme` places the Read me sheet, whose
    content (:meth:`readme`) is written on closing, when every sheet is known.
    """

    def __init__(self, path, *, currency: str = "", scale: float = 1.0):
        if scale not in _SCALES:
            raise ValueError(f"scale={scale!r} is not one of {sorted(_SCALES)}")
        self.path = Path(path)
        self.currency = currency
        self.scale = scale
        self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                    "strings_to_numbers": False, "nan_inf_to_errors": False})
        fix_workbook_properties(self.book)  # a fixed creation date: identical inputs, identical bytes
        self._formats: dict[tuple, Any] = {}
        self._used: set[str] = set()
        self.sheets: list[_SheetEntry] = []
        self._readme_ws: Any = None
        self._readme: dict[str, Any] = {}
        self._closed = False

    # -- context -------------------------------------------------------------------------------------
    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()

    @property
    def renamed(self) -> dict[str, str]:
        """Sheet name -> full name, for every sheet whose name had to be shortened or changed."""
        return {s.name: s.full for s in self.sheets if s.name != s.full}

    def fmt(self, num_format: str | None = None, **props: Any) -> Any:
        """A cell format (one per distinct set of properties, so the file has no duplicate styles)."""
        key = (num_format, *sorted(props.items()))
        if key not in self._formats:
            spec = dict(props)
            if num_format and num_format != "General":
                spec["num_format"] = num_format
            self._formats[key] = self.book.add_format(spec)
        return self._formats[key]

    def header_fmt(self) -> Any:
        """The format of header rows: bold, wrapped, on grey, a line below."""
        return self.fmt(None, **_HEADER)

    def add_sheet(self, full_name: str, holds: str = "") -> Any:
        """A new worksheet named after `full_name` (:func:`sheet_name`); `holds` describes it on the Read me."""
        name = sheet_name(full_name, self._used)
        self.sheets.append(_SheetEntry(name, str(full_name), holds))
        return self.book.add_worksheet(name)

    # -- sheets --------------------------------------------------------------------------------------
    def add_text_sheet(self, name: str, lines: Iterable[str], holds: str = "") -> str:
        """A sheet of text, a line per row in column A, the first in bold; returns the sheet's name."""
        ws = self.add_sheet(name, holds)
        ws.set_column(0, 0, _TEXT_WIDTH)
        for i, line in enumerate(lines):
            ws.write_string(i, 0, _clip(line), self.fmt(bold=True) if i == 0 else None)
        return ws.name

    def reserve_readme(self) -> str:
        """Add the Read me sheet here (its content is written by :meth:`close`); returns its name."""
        self._readme_ws = self.add_sheet(README_SHEET, "This sheet: what the workbook holds, the scenario, "
                                         "every input with its source and confidence.")
        return self._readme_ws.name

    def readme(self, *, title: str, facts: Sequence[tuple[str, str]] = (), notes: Sequence[str] = (),
               assumptions: pd.DataFrame | None = None, assumptions_title: str = "") -> None:
        """What the Read me sheet says, under `title`: `facts` (label, text) pairs, `notes` (lines), the
        sheets (filled in on closing), and `assumptions`, a table of the inputs (written with an autofilter)."""
        self._readme = {"title": title, "facts": list(facts), "notes": list(notes), "assumptions": assumptions,
                        "assumptions_title": assumptions_title}

    def add_table(self, name: str, frame: pd.DataFrame, units: Mapping[Any, str] | None = None, *,
                  row_units: Mapping[Any, str] | None = None, index: bool = True, holds: str = "",
                  autofilter: bool = True) -> Placement:
        """Write a DataFrame as a sheet: header row with units, frozen panes, formats by unit, widths.

        Parameters
        ----------
        name : str
            Full sheet name (shortened if needed, :func:`sheet_name`).
        frame : DataFrame
            The table; a MultiIndex gives one label column per level.
        units : mapping, optional
            Column -> unit (as in ``variables.yaml``); default
            ``frame.attrs["units"]``. A column's unit is written in its
            header and decides its number format.
        row_units : mapping, optional
            Row label -> unit, for tables with a unit per row (a
            comparison table): the row's label gets its unit, and the
            row's cells in columns without a unit of their own its format.
        index : bool, default True
            Write the index as the first column(s), headed by its name(s).
        holds : str
            What the sheet holds, for the Read me sheet.
        autofilter : bool, default True
            Put Excel's filter buttons on the header row.

        Returns
        -------
        Placement
        """
        ws = self.add_sheet(name, holds)
        return self._write_table(ws, frame, units, row_units=row_units, index=index, autofilter=autofilter)

    def canonical_unit(self, unit: Any) -> str:
        """A unit written with the workbook's currency code (``LAK per contributor-year``) as ssproj writes
        units of money (``currency per contributor-year``), so that its number format is that of money."""
        u = str(unit or "")
        code = self.currency
        if code and (u == code or u.startswith((f"{code} ", f"{code}/"))):
            return "currency" + u[len(code):]
        return u

    def _write_table(self, ws: Any, frame: pd.DataFrame, units: Mapping[Any, str] | None = None, *,
                     row_units: Mapping[Any, str] | None = None, index: bool = True, autofilter: bool = True,
                     top: int = 0, freeze: bool = True, widths: bool = True) -> Placement:
        units = {k: self.canonical_unit(u) for k, u in
                 (frame.attrs.get("units", {}) if units is None else units).items()}
        rows_u = {k: self.canonical_unit(u) for k, u in (row_units or {}).items()}
        header = self.header_fmt()
        text_fmt = self.fmt("@", valign="top")
        n_labels = frame.index.nlevels if index else 0
        names = list(frame.index.names) if index else []
        labels = frame.index.tolist() if index else []
        if index and n_labels > 1:
            label_cols = [[lab[k] for lab in labels] for k in range(n_labels)]
        else:
            label_cols = [labels] if index else []
        # a label column of a per-row table carries each row's unit
        if index and rows_u:
            last = n_labels - 1
            label_cols[last] = [header_text(lab[-1] if n_labels > 1 else lab, rows_u.get(lab), self.currency,
                                            self.scale) for lab in labels]
        for k in range(n_labels):
            ws.write_string(top, k, "" if names[k] is None else str(names[k]), header)
            vals = label_cols[k]
            is_year = bool(vals) and all(isinstance(v, numbers.Integral) and 1000 <= int(v) <= 3000 for v in vals)
            fmt = self.fmt("0", bold=True) if is_year else self.fmt(bold=True)
            for i, v in enumerate(vals):
                self.write_value(ws, top + 1 + i, k, v, fmt, fmt)
            if widths:
                w = max([len(str(v)) for v in vals] + [len(str(names[k] or ""))], default=6) + 2
                ws.set_column(k, k, min(max(w, 6.0), _MAX_LABEL_WIDTH))
        columns: dict[Any, int] = {}
        row_styles = [unit_style(rows_u.get(lab)) for lab in labels] if rows_u else []
        for j, col in enumerate(frame.columns):
            c = n_labels + j
            columns[col] = c
            unit = units.get(col)
            head = header_text(col, unit, self.currency, self.scale)
            ws.write_string(top, c, head, header)
            series = frame.iloc[:, j]
            values = series.tolist()
            col_style = unit_style(unit) if unit else None
            if col_style is not None and series.dtype.kind == "f":
                # the common case, a column of floats: NaN empty, infinities as text, the rest as numbers
                fmt = self.fmt(col_style.format_at(self.scale))
                arr = series.to_numpy()
                for i in np.flatnonzero(~np.isnan(arr)).tolist():
                    x = float(arr[i])
                    if math.isinf(x):
                        ws.write_string(top + 1 + i, c, "inf" if x > 0 else "-inf", text_fmt)
                    else:
                        ws.write_number(top + 1 + i, c, x, fmt)
                shown = _shown_width(values, col_style, self.scale)
            elif col_style is not None:
                fmt = self.fmt(col_style.format_at(self.scale))
                for i, v in enumerate(values):
                    self.write_value(ws, top + 1 + i, c, v, fmt, text_fmt)
                shown = _shown_width(values, col_style, self.scale)
            elif row_styles:
                shown = 0
                for i, v in enumerate(values):
                    st = row_styles[i]
                    self.write_value(ws, top + 1 + i, c, v, self.fmt(st.format_at(self.scale)), text_fmt)
                    shown = max(shown, _shown_width([v], st, self.scale))
            else:
                general = UnitStyle("general", "General")
                for i, v in enumerate(values):
                    self.write_value(ws, top + 1 + i, c, v, None, text_fmt)
                shown = _shown_width(values, general, self.scale)
            if widths:
                longest_word = max((len(w) for w in re.split(r"[ ]", head)), default=0)
                # as wide as the values and the longest word of the header (a name is not broken), within limits
                width = min(max(min(shown + 2.0, _MAX_WIDTH), longest_word + 1.0, _MIN_WIDTH), _MAX_NAME_WIDTH)
                if shown + 2 > _MAX_WIDTH and col_style is None and not row_styles:
                    width = min(shown + 2.0, 60.0)  # a column of text
                ws.set_column(c, c, width)
        last_row = top + len(frame)
        if freeze:
            ws.freeze_panes(top + 1, n_labels)
        if autofilter and len(frame.columns) + n_labels > 0:
            ws.autofilter(top, 0, max(last_row, top), n_labels + len(frame.columns) - 1)
        return Placement(ws.name, top, top + 1, max(last_row, top + 1), n_labels, columns)

    def write_value(self, ws: Any, r: int, c: int, v: Any, num_fmt: Any, text_fmt: Any) -> None:
        """Write one value into cell (`r`, `c`) of `ws`: a number (or boolean) with `num_fmt`, text with
        `text_fmt` (never read as a formula), infinities as the text ``inf``/``-inf``; None and NaN leave
        the cell empty."""
        if v is None:
            return
        if isinstance(v, bool | np.bool_):
            ws.write_boolean(r, c, bool(v), num_fmt)
        elif isinstance(v, numbers.Real):
            x = float(v)
            if math.isnan(x):
                return  # an empty cell
            if math.isinf(x):
                ws.write_string(r, c, "inf" if x > 0 else "-inf", text_fmt)
            else:
                ws.write_number(r, c, v if isinstance(v, int) else x, num_fmt)
        elif isinstance(v, str):
            ws.write_string(r, c, _clip(v), text_fmt)
        else:
            try:
                missing = bool(pd.isna(v))
            except (TypeError, ValueError):
                missing = False
            if not missing:
                ws.write_string(r, c, _clip(str(v)), text_fmt)

    # -- charts --------------------------------------------------------------------------------------
    def line_chart(self, title: str, series: Sequence[dict], *, unit: str, years: tuple[int, int],
                   axis: str | None = None) -> Any:
        """A chart of series over the years (x: calendar year; y: `unit`'s format and axis title, or `axis`).

        Each series: ``{"name": str, "x": range, "y": range}`` with ranges as
        :meth:`Placement.column`. Straight-line scatter charts, so series of
        different year ranges share the year axis.
        """
        chart = self.book.add_chart({"type": "scatter", "subtype": "straight"})
        for s in series:
            chart.add_series({"name": s["name"], "categories": s["x"], "values": s["y"], "marker": {"type": "none"},
                              "line": {"width": 1.75}})
        style = unit_style(unit)
        axis_fmt = style.format_at(self.scale).replace("0.0,", "0,") if style.kind == "money" else (
            "0%" if style.percent() else style.num_format)
        chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
        chart.set_x_axis({"name": "year", "min": years[0], "max": years[1], "num_format": "0",
                          "major_gridlines": {"visible": False}})
        chart.set_y_axis({"name": axis or axis_title(unit, self.currency, self.scale), "num_format": axis_fmt,
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_legend({"position": "bottom"} if len(series) > 1 else {"none": True})
        chart.show_blanks_as("gap")
        chart.set_size(_CHART_SIZE)
        return chart

    def bar_chart(self, title: str, categories: list, series: Sequence[dict], *, unit: str) -> Any:
        """A horizontal bar chart (tornado): `categories` down the side, first on top; series as in
        :meth:`line_chart` with ``y`` the values."""
        chart = self.book.add_chart({"type": "bar"})
        for s in series:
            chart.add_series({"name": s["name"], "categories": categories, "values": s["y"],
                              "fill": {"color": s.get("color", "#4472C4")}, "overlap": 100, "gap": 60})
        style = unit_style(unit)
        chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
        chart.set_y_axis({"reverse": True, "label_position": "low"})
        chart.set_x_axis({"name": "change from the central value [" + axis_title(unit, self.currency, self.scale)
                          + "]", "num_format": style.format_at(self.scale),
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_legend({"position": "bottom"})
        chart.set_size(_CHART_SIZE)
        return chart

    # -- closing -------------------------------------------------------------------------------------
    def _write_readme(self) -> None:
        ws, r = self._readme_ws, self._readme
        bold, wrap = self.fmt(bold=True, valign="top"), self.fmt(text_wrap=True, valign="top")
        head = self.fmt(bold=True, font_size=14)
        section = self.fmt(bold=True, font_size=12)
        table = r.get("assumptions")
        widths = {0: 34.0, 1: 60.0}  # labels and texts of the facts and the list of sheets
        for k, col in enumerate(table.columns if table is not None else ()):
            widths[k] = max(widths.get(k, 0.0), _README_WIDTHS.get(col, 16.0))
        for k, w in widths.items():
            ws.set_column(k, k, w)
        row = 0
        ws.write_string(row, 0, r.get("title", "ssproj workbook"), head)
        row += 2
        for label, text in r.get("facts", []):
            ws.write_string(row, 0, label, bold)
            ws.write_string(row, 1, _clip(str(text)), wrap)
            row += 1
        for line in r.get("notes", []):
            row += 1
            ws.write_string(row, 0, _clip(line))
        row += 2
        ws.write_string(row, 0, "Sheets", section)
        row += 1
        ws.write_string(row, 0, "sheet", self.header_fmt())
        ws.write_string(row, 1, "what it holds", self.header_fmt())
        row += 1
        for s in self.sheets:
            ws.write_string(row, 0, s.name, bold)
            ws.write_string(row, 1, _clip(s.holds), wrap)
            row += 1
        renamed = self.renamed
        if renamed:
            row += 1
            ws.write_string(row, 0, f"Sheet names shortened to Excel's {SHEET_NAME_LIMIT} characters", section)
            row += 1
            ws.write_string(row, 0, "sheet", self.header_fmt())
            ws.write_string(row, 1, "full name", self.header_fmt())
            row += 1
            for name, full in renamed.items():
                ws.write_string(row, 0, name, bold)
                ws.write_string(row, 1, _clip(full), wrap)
                row += 1
        if table is not None:
            row += 1
            ws.write_string(row, 0, r.get("assumptions_title") or "Assumptions", section)
            row += 1
            self._write_table(ws, table, {}, index=False, top=row, freeze=False, widths=False)

    def close(self) -> None:
        """Write the Read me sheet and close the file."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._readme_ws is not None:
                self._write_readme()
        finally:
            self.book.close()


def place_charts(ws: Any, charts: Sequence[Any], *, columns: int = 2, first_row: int = 0, first_col: int = 0) -> None:
    """Insert `charts` into worksheet `ws` in a grid of `columns`, from (`first_row`, `first_col`)."""
    for i, chart in enumerate(charts):
        row, col = divmod(i, columns)
        ws.insert_chart(first_row + row * _CHART_ROWS, first_col + col * 12, chart, {"x_offset": 10, "y_offset": 10})


def _clip(text: str) -> str:
    return text if len(text) <= CELL_TEXT_LIMIT else text[: CELL_TEXT_LIMIT - 4] + " ..."


# -------------------------------------------------------------------------- a plain workbook of tables

def write_text_sheet(book: Any, name: str, sheet: TextSheet) -> None:
    """Add `sheet` to the xlsxwriter `book` as a sheet called `name`, after the sheets it has."""
    ws = book.add_worksheet(name)
    ws.set_column(0, 0, _TEXT_WIDTH)
    bold = book.add_format({"bold": True})
    for i, line in enumerate(sheet.lines):
        ws.write_string(i, 0, _clip(line), bold if i == 0 else None)


def write_workbook(path, sheets: Mapping[str, tuple[Any, bool] | TextSheet]) -> Path:
    """Write DataFrames to an ``.xlsx`` file, one sheet each, with :class:`Workbook`'s formats.

    Parameters
    ----------
    path : str or Path
        The workbook (overwritten).
    sheets : mapping
        Sheet name (at most 31 characters) -> ``(DataFrame, index)``: with
        ``index`` the index is written as the first column(s), headed by
        its name; units from ``DataFrame.attrs["units"]``; or ->
        :class:`TextSheet`. Sheets in the mapping's order.

    Returns
    -------
    Path
    """
    for name in sheets:
        if len(name) > SHEET_NAME_LIMIT:
            raise ValueError(f"sheet name {name!r} is longer than Excel's {SHEET_NAME_LIMIT} characters")
    with Workbook(path) as book:
        for name, sheet in sheets.items():
            if isinstance(sheet, TextSheet):
                book.add_text_sheet(name, sheet.lines)
            else:
                frame, index = sheet
                book.add_table(name, frame, index=index)
    return Path(path)


# ------------------------------------------------------------------------------------------ contents

def _assumption_rows(table: pd.DataFrame, currency: str) -> pd.DataFrame:
    """:func:`~ssproj.reporting.assumptions.assumption_table` as the Read me lists it: one labelled input
    per row, its value, unit (the currency written out), confidence, origin, source and notes."""
    label = [f"{n}[{e}]" if e else str(n) for n, e in zip(table["name"], table["entity"], strict=True)]
    units = [unit_text(u, currency) if str(u).startswith("currency") else str(u) for u in table["unit"]]
    return pd.DataFrame({"input": label, "value": table["value"].astype(str).tolist(), "unit": units,
                         "confidence": table["confidence"].tolist(), "origin": table["origin"].tolist(),
                         "source": table["source"].astype(str).tolist(), "notes": table["notes"].astype(str).tolist()})


def _confidence_counts(table: pd.DataFrame) -> str:
    given = table[table["origin"] != "defaults"]
    counts = ", ".join(f"{int(n)} {c}" for c, n in given["confidence"].value_counts().sort_index().items())
    return (f"{len(given)} inputs set by the assumption set or the scenario ({counts}); "
            f"{int((table['origin'] == 'defaults').sum())} at ssproj's generic defaults (confidence assumed).")


def _description(dataset) -> str:
    try:
        return str(json.loads(dataset.attrs.get("scenario", "{}")).get("description", ""))
    except (TypeError, ValueError):
        return ""


def _money_note(currency: str, scale: float) -> str:
    code = currency or "the scenario's currency"
    shown = (f" Columns headed 'shown in {_SCALES[scale][0]}' display the amounts in {_SCALES[scale][0]} of {code}; "
             "each cell keeps the full amount (the formula bar shows it), so sums and formulas work on full amounts."
             if scale != 1.0 else "")
    return (f"Amounts of money are nominal, in {code} (not adjusted for inflation).{shown} Shares and rates are "
            "shown as percentages and stored as fractions (0.115 shows as 11.50%). Stocks of people are at 1 July "
            "(population) or 31 December (members, pensioners); flows over the calendar year.")


_PROJECTION_SHEETS = {
    "summary": "Key figures by year (Projection.summary()); the income, outgo and reserve columns are those of "
               "the {fund} fund. Units in the headers.",
    "population": "Population at 1 July by single age (100 = 100 and over), both sexes.",
    "insured": "Insured persons (active and inactive members) at 31 December by insured group.",
    "contributors": "Contributors by insured group, counted in contributor-years (a member contributing all year "
                    "counts 1).",
    "pensioners_by_type": "Pensions in payment at 31 December by type of pension, all groups.",
    "contributions": "Contributions by payer (employer, employee, state), all groups and funds.",
    "finance": "Each fund's contributions, investment income and outgo over the year and reserve at 31 December.",
}


#: Names of series in the charts of one projection (else the column's name, spaced).
_SERIES_NAMES = {"payg_cost_rate": "PAYG cost rate", "reserve_end": "reserve at 31 December"}


def _first_scheme_row(frame: pd.DataFrame, column: str) -> int | None:
    if column not in frame.columns:
        return None
    ok = np.flatnonzero(frame[column].notna().to_numpy())
    return int(ok[0]) if ok.size else None


def _summary_charts(book: Workbook, sheets: Mapping[str, tuple[Placement, pd.DataFrame]], *, fund: str) -> list:
    """Charts of the headline series of summary tables (`sheets`: scenario -> where its summary is, and the
    summary): with one scenario, several series per chart; with several, one line per scenario."""
    one = len(sheets) == 1
    frames = [f for _, f in sheets.values()]
    has_scheme = any("total_outgo" in f.columns and f["total_outgo"].notna().any() for f in frames)
    # (title, columns): with one scenario several series per chart, with several a line per scenario
    specs: list[tuple[str, list[str]]]
    if has_scheme and one:
        specs = [(f"Reserve of the {fund} fund at 31 December", ["reserve_end"]),
                 (f"Income and outgo of the {fund} fund", ["contribution_income", "total_income", "total_outgo"]),
                 (f"PAYG cost rate and contribution rate of the {fund} fund",
                  ["payg_cost_rate", "average_contribution_rate"]),
                 ("Contributors, insured persons and pensioners", ["contributors", "insured", "pensioners"])]
    elif has_scheme:
        specs = [(f"Reserve of the {fund} fund at 31 December", ["reserve_end"]),
                 (f"Total outgo of the {fund} fund", ["total_outgo"]),
                 (f"PAYG cost rate of the {fund} fund", ["payg_cost_rate"]),
                 ("Contributors", ["contributors"]),
                 (f"State transfers to the {fund} fund", ["state_transfer"])]
    else:
        specs = [("Population at 1 July", ["total_population"])]
    charts = []
    for title, wanted in specs:
        series, years_seen, unit = [], [], ""
        for scen, (place, frame) in sheets.items():
            start = _first_scheme_row(frame, "total_outgo") if has_scheme else 0
            if start is None:
                continue  # a scenario without a scheme has none of these series
            for col in wanted:
                if col not in place.columns:
                    continue
                unit = unit or frame.attrs.get("units", {}).get(col, "")
                r0 = place.first_row + start
                series.append({"name": _SERIES_NAMES.get(col, col.replace("_", " ")) if one else str(scen),
                               "x": [place.sheet, r0, 0, place.last_row, 0],
                               "y": [place.sheet, r0, place.columns[col], place.last_row, place.columns[col]]})
            years_seen += [int(y) for y in frame.index.to_numpy()[start:]]
        if not series or not years_seen:
            continue
        axis = "persons; contributors in contributor-years" if len(wanted) > 1 and "contributors" in wanted else None
        charts.append(book.line_chart(title, series, unit=unit, years=(min(years_seen), max(years_seen)), axis=axis))
    return charts


def projection_workbook(result, path, *, tables: Mapping[str, pd.DataFrame] | None = None) -> Path:
    """Write the run workbook (``results.xlsx``) of a :class:`~ssproj.Projection`.

    Sheets: ``assumed inputs`` (the banner, when the results rest on
    inputs marked assumed), ``Read me``, ``Charts`` (reserve, income and
    outgo, cost rate and contribution rate, members; the population
    without a scheme), a sheet per table of ``tables`` (default
    ``result.tables(units_in_headers=False)``; units from each frame's
    ``attrs["units"]``), and ``provenance``.
    """
    ds = result.dataset
    tables = dict(result.tables(units_in_headers=False) if tables is None else tables)
    summary = tables.get("summary")
    currency = str(ds.attrs.get("currency", "") or "")
    amounts = []
    if summary is not None:
        for col in ("contribution_income", "total_outgo"):
            if col in summary.columns:
                amounts += summary[col].dropna().tolist()
    scale = money_scale(amounts)
    fund = str(ds.attrs.get("headline_fund", "") or "")
    banner = result.assumption_banner
    name = str(ds.attrs.get("scenario_name", ""))
    with Workbook(path, currency=currency, scale=scale) as book:
        if banner:
            book.add_text_sheet(BANNER_SHEET, banner.splitlines(), "The inputs marked assumed that the headline "
                                "results rest on (the banner shown first by every ssproj output).")
        book.reserve_readme()
        charts_ws = book.add_sheet(CHARTS_SHEET, "Native Excel charts of the headline series of the summary sheet.")
        placed = {}
        for tname, frame in tables.items():
            holds = _PROJECTION_SHEETS.get(tname, f"Table {tname} of Projection.tables().").format(fund=fund)
            placed[tname] = book.add_table(tname, frame, holds=holds)
        prov = result.provenance
        book.add_table("provenance", _provenance_frame(prov), {}, index=False,
                       holds="Scenario, its files and their sha256, the assumption set, the changes applied, every "
                             "data source, the ssproj version and the seed, as recorded in the result.")
        if summary is not None:
            place_charts(charts_ws, _summary_charts(book, {name: (placed["summary"], summary)}, fund=fund))
        facts = [("Scenario", name), ("Description", _description(ds)),
                 ("Assumption set", str(prov.get("assumptions", {}).get("name", ""))),
                 ("Years", f"{int(ds['year'].values[0])}-{int(ds['year'].values[-1])}"),
                 ("Headline fund", fund or "(no scheme)"), ("Currency", currency or "(no scheme)"),
                 ("ssproj version", str(ds.attrs.get("ssproj_version", prov.get("ssproj_version", "")))),
                 ("Seed", str(ds.attrs.get("seed", prov.get("seed", "")))),
                 ("Changes applied", "; ".join(json.dumps(c, default=str) for c in prov.get("changes_applied", []))
                  or "none"),
                 ("Written by", f"ssproj {__version__}")]
        notes = [_money_note(currency, scale)]
        if getattr(result, "scenario", None) is not None:
            table = assumption_table(result.scenario)
            notes.append(_confidence_counts(table))
            book.readme(title=f"ssproj projection: {name}", facts=facts, notes=notes,
                        assumptions=_assumption_rows(table, currency),
                        assumptions_title="Inputs: every parameter and table with its value, source and confidence "
                                          "(as 'ssproj assumptions' lists them)")
        else:
            assumed = list(result.assumed_inputs)
            notes.append("The list of inputs is not kept in a result read back from a file: 'ssproj assumptions "
                         "SCENARIO' lists them with their sources. Inputs marked assumed: "
                         + (", ".join(assumed) if assumed else "none recorded") + ".")
            book.readme(title=f"ssproj projection: {name}", facts=facts, notes=notes)
    return Path(path)


def _provenance_frame(prov: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(sorted((k, json.dumps(v, default=str) if not isinstance(v, str) else v)
                               for k, v in prov.items()), columns=["key", "value"])


def _strip_unit(label: Any, unit: str) -> str:
    text, suffix = str(label), f" [{unit}]"
    return text[: -len(suffix)] if text.endswith(suffix) else text


def comparison_workbook(comparison, path, *, decomposition: pd.DataFrame | None = None) -> Path:
    """Write the comparison workbook (``comparison.xlsx``) of a :class:`~ssproj.analysis.compare.Comparison`.

    Sheets: ``assumed inputs`` (the banner, when there is one), ``Read me``
    (every scenario with its description, version and seed; the reference's
    inputs and the inputs each other scenario sets differently), ``Charts``
    (one line per scenario: reserve, outgo, cost rate, contributors, state
    transfers), ``summary`` (:meth:`~ssproj.analysis.compare.Comparison.summary_table`) and
    ``strategies`` (:meth:`~ssproj.analysis.compare.Comparison.strategy_table`, when a scenario
    has a coverage strategy) when the reference has a scheme, ``comparison``, ``differences``,
    ``relative_differences``,
    ``decomposition`` (when given), then one sheet per scenario with its
    summary, named by the scenario (shortened and listed on the Read me
    sheet when the name does not fit).
    """
    projections = comparison.projections
    ref_name = comparison.reference
    ref = projections[ref_name]
    currency = str(comparison.currency or "")
    ref_summary = ref.summary()
    amounts = [v for c in ("contribution_income", "total_outgo") if c in ref_summary.columns
               for v in ref_summary[c].dropna().tolist()]
    scale = money_scale(amounts)
    fund = str(ref.dataset.attrs.get("headline_fund", "") or "")
    banner = comparison.assumption_banner
    table = comparison.table()
    row_units = dict(table.attrs["units"])
    with Workbook(path, currency=currency, scale=scale) as book:
        if banner:
            book.add_text_sheet(BANNER_SHEET, banner.splitlines(), "The inputs marked assumed that the reference's "
                                "headline results rest on, and those the other scenarios add.")
        book.reserve_readme()
        charts_ws = book.add_sheet(CHARTS_SHEET, "Native Excel charts, one line per scenario, of the headline series "
                                   "of the scenario sheets.")
        if comparison.has_scheme and len(comparison.names) > 1:
            year = comparison.headline_year()
            book.add_table("summary", comparison.summary_table(),
                           holds=f"The scenarios ranked on the measures of the report's summary, in {year} and over "
                                 "the valuation period (Comparison.summary_table(); rank 1 = best; docs/compare.md).")
            strategies = comparison.strategy_table()
            if (strategies["channels"] != "").any():
                book.add_table("strategies", strategies,
                               holds="What each coverage strategy brings and costs, by payer: recruits, persistence, "
                                     "contributors gained, costs per contributor-year, net PV per recruit, coverage "
                                     "by group (Comparison.strategy_table(); docs/compare.md).")
        book.add_table("comparison", table, {}, row_units=row_units,
                       holds="Key figures side by side, a column per scenario, a row per figure and milestone year "
                             "or period; each row's unit in its label (docs/compare.md defines every row).")
        diff = comparison.differences()
        book.add_table("differences", diff, {}, row_units=dict(diff.attrs["units"]),
                       holds=f"Each scenario minus the reference ({ref_name}), row by row, in the row's unit.")
        rel = comparison.relative_differences()
        rel.index = pd.Index([_strip_unit(i, row_units.get(i, "")) for i in rel.index], name=rel.index.name)
        book.add_table("relative_differences", rel, {}, row_units=dict.fromkeys(rel.index, "relative to the reference"),
                       holds="Each scenario's difference from the reference relative to the reference's value "
                             "((scenario - reference) / |reference|), as a percentage.")
        if decomposition is not None:
            book.add_table("decomposition", decomposition,
                           holds="The change in PAYG cost rate from the reference split into demography, coverage "
                                 "and policy effects, by scenario and year.")
        placed = {}
        for name, p in projections.items():
            s = p.summary()
            placed[name] = (book.add_table(name, s, holds=f"Key figures by year of scenario {name}"
                                           + (", the reference" if name == ref_name else "")
                                           + " (Projection.summary()); units in the headers."), s)
        place_charts(charts_ws, _summary_charts(book, placed, fund=fund))
        sheet_of = {s.full: s.name for s in book.sheets}
        facts: list[tuple[str, str]] = [("Reference scenario", ref_name), ("Currency", currency or "(no scheme)"),
                                        ("Headline fund", fund or "(no scheme)"),
                                        ("Milestone years", ", ".join(str(y) for y in comparison.milestones)),
                                        ("Written by", f"ssproj {__version__}")]
        for name, p in projections.items():
            a = p.dataset.attrs
            facts.append((f"Scenario {name}", f"{_description(p.dataset)} (sheet '{sheet_of.get(name, name)}'; "
                          f"ssproj {a.get('ssproj_version', '')}, seed {a.get('seed', '')})"))
        notes = [_money_note(currency, scale)]
        frames = []
        if getattr(ref, "scenario", None) is not None:
            base = _assumption_rows(assumption_table(ref.scenario), currency)
            notes.append(f"Reference {ref_name}: " + _confidence_counts(assumption_table(ref.scenario)))
            frames.append(base.assign(scenario=ref_name))
            known = set(map(tuple, base[["input", "value", "source", "confidence"]].to_numpy().tolist()))
            for name, p in projections.items():
                if name == ref_name or getattr(p, "scenario", None) is None:
                    continue
                rows = _assumption_rows(assumption_table(p.scenario), currency)
                keep = [tuple(r) not in known for r in rows[["input", "value", "source", "confidence"]].to_numpy()
                        .tolist()]
                frames.append(rows[keep].assign(scenario=name))
        book.readme(title=f"ssproj comparison of {len(projections)} scenarios, reference {ref_name}", facts=facts,
                    notes=notes,
                    assumptions=(pd.concat(frames, ignore_index=True)[["scenario", "input", "value", "unit",
                                                                        "confidence", "origin", "source", "notes"]]
                                 if frames else None),
                    assumptions_title=f"Inputs: every input of the reference {ref_name}, then each input another "
                                      "scenario sets differently (value, source or confidence)")
    return Path(path)


def sensitivity_workbook(result, path) -> Path:
    """Write the sensitivity workbook of a :class:`~ssproj.analysis.sensitivity.SensitivityResult`.

    Sheets: ``Read me`` (the scenario, its inputs), ``Charts`` (a tornado
    chart per metric beside its ranked changes), ``sensitivity`` (the
    table, a unit per row), ``factors`` (what each factor changes).
    """
    scenario = result.scenario
    central = result.projections["central"]
    ds = central.dataset
    currency = str(ds.attrs.get("currency", "") or getattr(scenario.assumptions, "currency", "") or "")
    s = central.summary()
    scale = money_scale([v for c in ("contribution_income", "total_outgo") if c in s.columns
                         for v in s[c].dropna().tolist()])
    table = result.table()
    rows = {lab: result.units[lab[1]] for lab in table.index}
    shown = table.assign(unit=[unit_text(u, currency, scale) for u in table["unit"]])
    with Workbook(path, currency=currency, scale=scale) as book:
        book.reserve_readme()
        charts_ws = book.add_sheet(CHARTS_SHEET, "A tornado chart per metric: the change from the central value "
                                   "with each factor's low and high variant, largest swing on top, beside its data.")
        book.add_table("sensitivity", shown, {}, row_units=rows,
                       holds="Every factor's effect on every metric: central, low and high values, the changes from "
                             "the central value and the swing, in the metric's unit (column 'unit').")
        factors = pd.DataFrame([{"factor": f["name"], "description": f["description"],
                                 "low": repr(f["low"]), "high": repr(f["high"])} for f in result.factors])
        book.add_table("factors", factors, {}, index=False,
                       holds="Each factor: what it changes, and its low (unfavourable) and high changes.")
        charts, row = [], 0
        head = book.header_fmt()
        for m in result.metrics:
            r = result.ranking(m)
            unit = result.units[m]
            fmt = book.fmt(unit_style(unit).format_at(scale))
            title = f"{m} [{unit_text(unit, currency, scale)}]"
            charts_ws.write_string(row, 0, title, book.fmt(bold=True))
            charts_ws.write_string(row + 1, 0, "factor", head)
            charts_ws.write_string(row + 1, 1, "low change", head)
            charts_ws.write_string(row + 1, 2, "high change", head)
            for i, (factor, rec) in enumerate(r.iterrows()):
                charts_ws.write_string(row + 2 + i, 0, str(factor))
                for j, col in enumerate(("low_change", "high_change")):
                    book.write_value(charts_ws, row + 2 + i, 1 + j, rec[col], fmt, None)
            last = row + 1 + max(len(r), 1)
            cats = [charts_ws.name, row + 2, 0, last, 0]
            chart = book.bar_chart(f"{m}: central {_central_text(result.central[m], unit, scale)}", cats,
                                   [{"name": "low", "y": [charts_ws.name, row + 2, 1, last, 1], "color": "#C0504D"},
                                    {"name": "high", "y": [charts_ws.name, row + 2, 2, last, 2],
                                     "color": "#4472C4"}], unit=unit)
            charts_ws.insert_chart(row, 4, chart, {"x_offset": 10, "y_offset": 5})
            charts.append(chart)
            row += max(len(r) + 3, _CHART_ROWS)
        charts_ws.set_column(0, 0, max([len(str(f["name"])) for f in result.factors] + [12]) + 2)
        charts_ws.set_column(1, 2, 14)
        facts = [("Scenario", scenario.name), ("Description", scenario.description),
                 ("Metrics", ", ".join(result.metrics)), ("Factors", ", ".join(f["name"] for f in result.factors)),
                 ("ssproj version", str(ds.attrs.get("ssproj_version", ""))), ("Seed", str(scenario.seed)),
                 ("Written by", f"ssproj {__version__}")]
        table_a = assumption_table(scenario)
        book.readme(title=f"ssproj sensitivity: {scenario.name}", facts=facts,
                    notes=["Each factor moves one assumption to a low (unfavourable to the fund) and a high value "
                           "while every other keeps its central value (docs/sensitivity.md).",
                           _money_note(currency, scale), _confidence_counts(table_a)],
                    assumptions=_assumption_rows(table_a, currency),
                    assumptions_title="Inputs of the central scenario: every parameter and table with its value, "
                                      "source and confidence")
    return Path(path)


def _central_text(value: float, unit: str, scale: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "none"
    style = unit_style(unit)
    if style.percent():
        return f"{value:.2%}"
    if style.kind == "calendar_year":
        return f"{value:.0f}"
    if style.kind == "money":
        return f"{value / scale:,.1f}" if scale != 1.0 else f"{value:,.0f}"
    return f"{value:,.4g}"

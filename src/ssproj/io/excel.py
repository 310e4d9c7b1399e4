"""Writing tables to an Excel workbook with xlsxwriter directly.

:func:`write_workbook` writes what ``DataFrame.to_excel`` writes for ssproj's
tables (a header row in bold with the index name in its first cell, one
row per index value; NaN as an empty cell, infinities as ``inf`` and
``-inf``), row by row, a few times faster than pandas' cell-by-cell path,
with fixed document properties (identical tables, identical bytes). A
sheet may also hold lines of text (:class:`TextSheet`, e.g. the banner of
the inputs a result rests on), a line per row in the first column.
``tests/test_excel.py`` reads both back with :func:`pandas.read_excel` and
compares them.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ssproj.io.outdir import fix_workbook_properties

__all__ = ["TextSheet", "write_text_sheet", "write_workbook"]

#: pandas' header style (bold, thin border, centred).
_HEADER = {"bold": True, "border": 1, "align": "center", "valign": "top"}
#: Width of the column of a text sheet. [characters]
_TEXT_WIDTH = 150


@dataclass(frozen=True)
class TextSheet:
    """A sheet of text: one line per row in column A, the first line in bold, written as text (never a
    formula or a number)."""

    lines: tuple[str, ...]


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    return value


def write_text_sheet(book: Any, name: str, sheet: TextSheet) -> None:
    """Add `sheet` to the xlsxwriter `book` (e.g. ``pandas.ExcelWriter(..., engine="xlsxwriter").book``)
    as a sheet called `name`, after the sheets it has."""
    ws = book.add_worksheet(name)
    ws.set_column(0, 0, _TEXT_WIDTH)
    bold = book.add_format({"bold": True})
    for i, line in enumerate(sheet.lines):
        ws.write_string(i, 0, line, bold if i == 0 else None)


def write_workbook(path, sheets: Mapping[str, tuple[Any, bool] | TextSheet]) -> Path:
    """Write DataFrames to an ``.xlsx`` file, one sheet each.

    Parameters
    ----------
    path : str or Path
        The workbook (overwritten).
    sheets : mapping
        Sheet name (at most 31 characters) -> ``(DataFrame, index)``: with
        ``index`` the (single-level) index is written as the first column,
        headed by its name; or -> :class:`TextSheet`. Sheets in the
        mapping's order.

    Returns
    -------
    Path
    """
    import xlsxwriter  # lazy: only when a workbook is written

    book = xlsxwriter.Workbook(str(path))
    fix_workbook_properties(book)  # a fixed creation date
    header = book.add_format(_HEADER)
    try:
        for name, sheet in sheets.items():
            if len(name) > 31:
                raise ValueError(f"sheet name {name!r} is longer than Excel's 31 characters")
            if isinstance(sheet, TextSheet):
                write_text_sheet(book, name, sheet)
                continue
            ws = book.add_worksheet(name)
            frame, index = sheet
            first = 1 if index else 0
            if index:
                ws.write(0, 0, "" if frame.index.name is None else str(frame.index.name), header)
            for j, col in enumerate(frame.columns):
                ws.write(0, first + j, str(col), header)
            columns = [frame[c].tolist() for c in frame.columns]
            labels = frame.index.tolist()
            for i in range(len(frame)):
                row = [_cell(col[i]) for col in columns]
                if index:
                    row.insert(0, _cell(labels[i]))
                ws.write_row(i + 1, 0, row)
    finally:
        book.close()
    return Path(path)

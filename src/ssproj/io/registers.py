"""Member registers in: a fund's member-level extracts aggregated into the scheme tables.

A fund keeps its members and its pensions in payment one row per person
or pension. :func:`ingest_registers` reads two such extracts (CSV, Excel
``.xlsx`` or Parquet), checks every row as a valuation requires, and
aggregates the rows that pass into the two base-year tables of an
assumption set, in exactly the format :func:`ssproj.scenario.tables.load_table`
reads (``docs/dev/formats.md``):

- ``insured``: active and inactive members at 31 December of the valuation
  year by group, sex, status, single age and single year of credited
  service (``service`` = completed years of contributions, months // 12,
  at most 60);
- ``pensioners``: pensions in payment at that date by type, group, sex and
  single age (100 = 100+), with their number and average monthly amount.

Each row goes through the checks of :data:`MEMBER_CHECKS` or
:data:`PENSION_CHECKS`. A row that fails a *blocking* check (a field the
tables need is empty, unreadable or unknown; its dates say it is not a
member or a pension at the valuation date; its age is impossible; its id
repeats an earlier row's) is left out of the tables; the other checks are
counted and the row is kept. Nothing is dropped silently: the data-quality
report lists every check with its count and example rows, numbered as in
the source file (the header is row 1, the first record row 2), and
:attr:`IngestResult.issues` lists every flagged row.

What a fund's export calls its columns, and how it codes sexes, groups or
statuses, is given by a column map (a YAML file or a mapping, see
:func:`load_column_map`). Dates may be ISO (``2023-12-31``) or
day/month/year (``31/12/2023``, ``31.12.2023``, ``31-12-2023``), or real
dates in Excel and Parquet files; another format can be named in the map.

The user guide is ``docs/registers.md``; the command is ``ssproj ingest``.
"""
from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ssproj._version import __version__
from ssproj.errors import MISSING, Problem, ScenarioError, did_you_mean, display_path
from ssproj.io.atomic import write_text_atomic
from ssproj.io.outdir import inputs_sha256, result_folder

__all__ = [
    "MEMBER_FIELDS",
    "PENSION_FIELDS",
    "MEMBER_CHECKS",
    "PENSION_CHECKS",
    "Check",
    "ColumnMap",
    "IngestResult",
    "RegisterError",
    "ingest_registers",
    "load_column_map",
    "read_register",
]

# The codes of the scheme tables. The io layer sits below ssproj.scenario, so they are repeated here;
# tests/test_ingest.py checks that they equal ssproj.scenario.tables.SEXES, STATUSES and PENSION_TYPES.
SEXES: tuple[str, ...] = ("male", "female")
STATUSES: tuple[str, ...] = ("active", "inactive")
PENSION_TYPES: tuple[str, ...] = ("old_age", "invalidity", "widow", "orphan", "parent")
#: First age of the open age group of the tables (100 = 100+). [years]
OPEN_AGE = 100
#: Ages of members at the valuation date outside this range (inclusive) are impossible. [years]
MEMBER_AGES: tuple[int, int] = (10, 100)
#: Pensioners older than this at the valuation date are impossible (ages 100 and over form the group 100+). [years]
PENSIONER_MAX_AGE = 110
#: Credited service is counted up to this many years (the ``service`` column of ``insured``: 0-60). [years]
SERVICE_CAP = 60
#: Valuation years accepted (the range of the parameter ``valuation_year``).
VALUATION_YEARS: tuple[int, int] = (1990, 2100)
#: Example rows shown per check in the report.
EXAMPLES = 5
#: Cell contents read as an empty cell (compared in lower case).
MISSING_TEXT = frozenset({"", "na", "n/a", "nan", "nat", "null", "none", "-"})
#: File suffixes read, by format.
SUFFIXES: Mapping[str, str] = {".csv": "csv", ".txt": "csv", ".xlsx": "excel", ".xlsm": "excel",
                               ".parquet": "parquet", ".pq": "parquet"}
_NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
_ISO_RE = r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T][0-9:.]*)?$"
_DMY_RE = r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})(?:[ T][0-9:.]*)?$"


@dataclass(frozen=True)
class _Field:
    """One field of a register: its name (our column name), kind, and whether the tables need it."""

    name: str
    kind: str  # "id" | "code" | "date" | "number"
    required: bool
    description: str


#: Fields of the members register, in the order of an extract. Required fields are needed by the tables:
#: a row with one of them empty or unreadable is excluded. ``entry_date`` and ``last_earnings`` are used by
#: the checks only: the column map may say a register has no such column (``entry_date: null``).
MEMBER_FIELDS: tuple[_Field, ...] = (
    _Field("id", "id", True, "member's number, unique in the register"),
    _Field("sex", "code", True, "male or female (also m, f; other codes through the column map)"),
    _Field("birth_date", "date", True, "date of birth"),
    _Field("group", "code", True, "insured group, e.g. public, private, voluntary"),
    _Field("entry_date", "date", False, "date of first entry into insurance"),
    _Field("months_contributed", "number", True, "months with contributions up to the valuation date [months]"),
    _Field("last_earnings", "number", False, "last monthly insured earnings [currency/month]"),
    _Field("status", "code", True, "active (contributing) or inactive (insured, not contributing)"),
)
#: Fields of the pensions register (one row per pension in payment). ``award_date`` is used by the checks only.
PENSION_FIELDS: tuple[_Field, ...] = (
    _Field("id", "id", True, "pension's number, unique in the register"),
    _Field("sex", "code", True, "sex of the beneficiary: male or female"),
    _Field("birth_date", "date", True, "beneficiary's date of birth"),
    _Field("group", "code", True, "insured group the pension comes from"),
    _Field("type", "code", True, "old_age, invalidity, widow, orphan or parent"),
    _Field("award_date", "date", False, "date the pension was awarded (first payable)"),
    _Field("monthly_amount", "number", True, "monthly amount in payment at the valuation date [currency/month]"),
)
_FIELDS = {"members": MEMBER_FIELDS, "pensions": PENSION_FIELDS}
_CODE_KINDS = ("sex", "group", "status", "type")


@dataclass(frozen=True)
class Check:
    """One data-quality check of a register.

    Parameters
    ----------
    name : str
        Identifier, e.g. ``"duplicate_id"`` (the ``check`` column of the report).
    blocking : bool
        A row that fails it is left out of the tables.
    description : str
        What the check finds, for the report.
    """

    name: str
    blocking: bool
    description: str


def _register_checks(*, needed: str, unreadable: str, code: Check, dates: tuple[Check, Check], ages: str,
                     incomplete: str, kept: tuple[Check, ...]) -> tuple[Check, ...]:
    """The checks of one register, in the order of the report: those both registers have, and its own.

    Parameters
    ----------
    needed : str
        The fields the tables need, for ``missing_value``.
    unreadable : str
        The number field that must read as a number >= 0, for ``unreadable_value``.
    code : Check
        The check of the register's own code (``unknown_status``, ``unknown_type``).
    dates : tuple of Check
        The blocking checks of the register's own date (entry, award) against the valuation and birth dates.
    ages : str
        The impossible ages at the valuation date, for ``age_out_of_range``. [years]
    incomplete : str
        The fields the tables do not need, and the checks skipped without them, for ``incomplete_record``.
    kept : tuple of Check
        The register's other checks (not blocking).
    """
    return (
        Check("missing_value", True, f"a field the tables need is empty ({needed})"),
        Check("unreadable_value", True, "a field the tables need cannot be read: a birth date that is not a date, "
                                        f"{unreadable}"),
        Check("unknown_sex", True, "sex is not male or female (nor a code of the column map)"),
        Check("unknown_group", True, "group is not an insured group (--groups) or not a group name"),
        code,
        Check("duplicate_id", True, "the id of an earlier row: the first row with an id is kept, later ones excluded"),
        Check("birth_after_valuation", True, "birth date after the valuation date (in the future)"),
        *dates,
        Check("age_out_of_range", True, f"age at the valuation date {ages}"),
        Check("incomplete_record", False, incomplete),
        *kept,
    )


#: Checks of the members register, in the order of the report.
MEMBER_CHECKS: tuple[Check, ...] = _register_checks(
    needed="id, sex, birth_date, group, status, months_contributed",
    unreadable="months contributed that are not a number >= 0",
    code=Check("unknown_status", True, "status is not active or inactive (nor a code of the column map)"),
    dates=(Check("entry_after_valuation", True, "entry date after the valuation date: not a member at that date"),
           Check("birth_after_entry", True, "birth date after the entry date")),
    ages=f"below {MEMBER_AGES[0]} or above {MEMBER_AGES[1]}",
    incomplete="entry date or last earnings empty or unreadable (kept; the checks that need them are skipped for "
               "the row)",
    kept=(
        Check("months_above_since_entry", False, "months contributed exceed the months from the entry month to "
                                                 "December of the valuation year (kept)"),
        Check("service_above_cap", False, f"more than {SERVICE_CAP} years of contributions (kept, service counted "
                                          f"as {SERVICE_CAP})"),
        Check("earnings_below_floor", False, "last earnings below the floor (kept)"),
        Check("earnings_above_ceiling", False, "last earnings above the ceiling (kept)"),
    ),
)
#: Checks of the pensions register, in the order of the report.
PENSION_CHECKS: tuple[Check, ...] = _register_checks(
    needed="id, sex, birth_date, group, type, monthly_amount",
    unreadable="an amount that is not a number >= 0",
    code=Check("unknown_type", True, "type is not old_age, invalidity, widow, orphan or parent (nor a code of the "
                                     "column map)"),
    dates=(Check("award_after_valuation", True, "award date after the valuation date: not in payment at that date"),
           Check("award_before_birth", True, "award date before the birth date")),
    ages=f"above {PENSIONER_MAX_AGE}",
    incomplete="award date empty or unreadable (kept; the checks that need it are skipped for the row)",
    kept=(
        Check("amount_below_minimum", False, "monthly amount below the minimum pension (kept)"),
        Check("amount_above_maximum", False, "monthly amount above the maximum pension (kept)"),
    ),
)
_CHECKS = {"members": MEMBER_CHECKS, "pensions": PENSION_CHECKS}
_ISSUE_COLUMNS = ["register", "row", "id", "check", "blocking", "column", "value", "problem"]


class RegisterError(ScenarioError):
    """A register or column map that cannot be read: every problem found, with file, row, column and value.

    A :class:`~ssproj.errors.ScenarioError` (and so a ``ValueError``): the
    command line prints its problems one per line and exits with status 1.
    Rows with bad values are not errors: they are counted in the
    data-quality report and left out of the tables.
    """


# --------------------------------------------------------------------------- column map
@dataclass(frozen=True)
class ColumnMap:
    """How a fund's extracts name their columns and code their values.

    Parameters
    ----------
    members, pensions : mapping of str to str or None
        Our field name -> the column name in that register (matched
        ignoring case and surrounding spaces). A field not given is looked
        for under its own name. None: the register has no such column
        (allowed for the fields the tables do not need: ``entry_date``,
        ``last_earnings``, ``award_date``; their checks are then skipped).
    values : mapping of str to mapping of str to str
        For ``sex``, ``group``, ``status`` and ``type``: the register's code
        -> ours, e.g. ``{"sex": {"1": "male", "2": "female"}}``.
    date_format : str or None
        A ``strptime`` format tried before ISO and day/month/year, e.g.
        ``"%m/%d/%Y"`` for month/day/year dates.
    source : str
        Where the map came from, for messages.
    """

    members: Mapping[str, str | None]
    pensions: Mapping[str, str | None]
    values: Mapping[str, Mapping[str, str]]
    date_format: str | None = None
    source: str = "<column map>"

    def column(self, register: str, field: str) -> str | None:
        """The column name of `field` in `register` (``"members"`` or ``"pensions"``); None if absent."""
        mapping = self.members if register == "members" else self.pensions
        return mapping[field] if field in mapping else field


def load_column_map(source: str | os.PathLike[str] | Mapping[str, Any] | None,
                    groups: Sequence[str] | None = None) -> ColumnMap:
    """Read and check a column map (a YAML file, loaded with ``yaml.safe_load``, or a mapping).

    The map gives our field names (``MEMBER_FIELDS``, ``PENSION_FIELDS``)
    -> the register's column names, at the top level (for both registers)
    or under ``members:`` / ``pensions:`` (for one; these win), and
    optionally ``values:`` (the register's codes -> ours) and
    ``date_format:``::

        id: MEMBER_NO                 # both registers
        sex: GENDER
        birth_date: DOB
        members:
          months_contributed: CONTRIB_MONTHS
          last_earnings: null         # not in this extract: its checks are skipped
        pensions:
          id: PENSION_NO
          monthly_amount: AMOUNT_LAK
        values:
          sex: {M: male, F: female}
          status: {A: active, S: inactive}
          group: {CS: public, ENT: private, VOL: voluntary}
        date_format: "%d/%m/%Y"

    Parameters
    ----------
    source : path, mapping or None
        None: every column is looked for under our field name.
    groups : sequence of str, optional
        The insured groups: the group codes of ``values`` must be among them.

    Returns
    -------
    ColumnMap

    Raises
    ------
    RegisterError
        Every problem of the map at once: unknown keys (with a
        did-you-mean), column names that are not text, fields the tables
        need mapped to nothing, codes mapped to unknown values.
    """
    if source is None:
        return ColumnMap({}, {}, {})
    if isinstance(source, Mapping):
        data: Any = source
        label = "<column map>"
        file: str | os.PathLike[str] = label
    else:
        path = Path(source)
        label = display_path(path)
        file = path
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise RegisterError([Problem(path, None, "", MISSING, f"column map not found: {path.resolve()}")]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RegisterError([Problem(path, None, "", MISSING, f"column map cannot be read: {exc}")]) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise RegisterError([Problem(path, line, "", MISSING, f"column map is not valid YAML: "
                                         f"{getattr(exc, 'problem', None) or exc}")]) from None
        if data is None:
            data = {}
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise RegisterError([Problem(file, None, "", data, "is not a mapping: a column map maps our field "
                                     "names to the register's column names")])
    all_fields = {f.name: f for fields in _FIELDS.values() for f in fields}
    flat: dict[str, Any] = {}
    per: dict[str, dict[str, Any]] = {"members": {}, "pensions": {}}
    values: dict[str, dict[str, str]] = {}
    date_format = None
    allowed = [*all_fields, "members", "pensions", "values", "date_format"]
    for key, value in data.items():
        if key in ("members", "pensions"):
            if not isinstance(value, Mapping):
                problems.append(Problem(file, None, str(key), value, "is not a mapping (field: column name)"))
                continue
            names = [f.name for f in _FIELDS[key]]
            for field, column in value.items():
                if field not in names:
                    problems.append(Problem(file, None, f"{key}.{field}", MISSING,
                                            f"is not a field of the {key} register",
                                            did_you_mean(str(field), names)))
                else:
                    per[key][field] = column
        elif key == "values":
            if not isinstance(value, Mapping):
                problems.append(Problem(file, None, "values", value, "is not a mapping (sex/group/status/type: "
                                        "{their code: ours})"))
                continue
            for kind, codes in value.items():
                if kind not in _CODE_KINDS:
                    problems.append(Problem(file, None, f"values.{kind}", MISSING,
                                            "codes can be mapped for sex, group, status and type only",
                                            did_you_mean(str(kind), _CODE_KINDS)))
                    continue
                if not isinstance(codes, Mapping):
                    problems.append(Problem(file, None, f"values.{kind}", codes,
                                            "is not a mapping of the register's codes to ours"))
                    continue
                choices = _choices(kind, groups)
                mapped: dict[str, str] = {}
                for code, ours in codes.items():
                    if not isinstance(ours, str) or (choices is not None and ours not in choices) or (
                            choices is None and not _NAME_RE.fullmatch(ours)):
                        what = (f"is not a {kind} ({' | '.join(choices)})" if choices is not None
                                else "is not a group name (lower case letters, digits and underscores)")
                        problems.append(Problem(file, None, f"values.{kind}.{code}", ours, what,
                                                did_you_mean(str(ours), choices or ())))
                    else:
                        mapped[_cell_text(code)] = ours
                values[kind] = mapped
        elif key == "date_format":
            if not isinstance(value, str) or "%" not in value:
                problems.append(Problem(file, None, "date_format", value,
                                        "is not a strptime format such as '%m/%d/%Y'"))
            else:
                date_format = value
        elif key in all_fields:
            flat[key] = value
        else:
            problems.append(Problem(file, None, str(key), MISSING, "unknown key of a column map",
                                    did_you_mean(str(key), allowed)))
    resolved: dict[str, dict[str, str | None]] = {}
    for register, fields in _FIELDS.items():
        out: dict[str, str | None] = {}
        for f in fields:
            where = f"{register}.{f.name}" if f.name in per[register] else f.name
            if f.name in per[register]:
                column = per[register][f.name]
            elif f.name in flat:
                column = flat[f.name]
            else:
                continue
            if column is None:
                if f.required:
                    problems.append(Problem(file, None, where, None, f"must name a column: the {register} register "
                                            f"needs the field {f.name} ({f.description})"))
                out[f.name] = None
            elif isinstance(column, (str, int)) and not isinstance(column, bool) and str(column).strip():
                out[f.name] = str(column).strip()
            else:
                problems.append(Problem(file, None, where, column, "is not a column name"))
        resolved[register] = out
    if problems:
        raise RegisterError(problems)
    return ColumnMap(resolved["members"], resolved["pensions"], values, date_format, label)


def _choices(kind: str, groups: Sequence[str] | None) -> tuple[str, ...] | None:
    if kind == "sex":
        return SEXES
    if kind == "status":
        return STATUSES
    if kind == "type":
        return PENSION_TYPES
    return tuple(groups) if groups is not None else None


# --------------------------------------------------------------------------- reading a file
def read_register(source: str | os.PathLike[str] | pd.DataFrame, *, sheet: str | int | None = None,
                  label: str = "register") -> tuple[pd.DataFrame, np.ndarray]:
    """Read a register file as it is: every cell as the file holds it, and the row number of each record.

    Parameters
    ----------
    source : path or DataFrame
        A ``.csv`` file (UTF-8, comma-separated, a header row), an Excel
        ``.xlsx`` workbook (via openpyxl; the column names in the first
        row), a ``.parquet`` file (needs pyarrow), or a DataFrame.
    sheet : str or int, optional
        Excel only: the sheet's name or position (default: the first).
    label : str
        The register's name, for messages.

    Returns
    -------
    cells : pandas.DataFrame
        The records (wholly empty rows left out), columns named as in the
        file (stripped of surrounding spaces).
    rows : numpy.ndarray of int64
        Row number of each record as a spreadsheet shows it: the header is
        row 1, the first record row 2 (the CSV line; Excel's row number; for
        Parquet and DataFrames, the record's position + 2).

    Raises
    ------
    RegisterError
        The file is missing, of an unknown kind, unreadable, or has no records.
    """
    if isinstance(source, pd.DataFrame):
        raw = source.copy()
        where: str | os.PathLike[str] = f"<{label} DataFrame>"
    else:
        path = Path(source)
        where = path
        if not path.is_file():
            what = "is a folder, not a file" if path.is_dir() else "file not found"
            raise RegisterError([Problem(path, None, "", MISSING, f"{label} register: {what}: {path.resolve()}")])
        kind = SUFFIXES.get(path.suffix.lower())
        if kind is None:
            hint = ("save it as .xlsx (the old .xls format is not read)" if path.suffix.lower() == ".xls"
                    else "give a .csv, .xlsx or .parquet file")
            raise RegisterError([Problem(path, None, "", MISSING,
                                         f"{label} register: unknown kind of file {path.suffix!r}", hint)])
        raw = _read_file(path, kind, sheet, label)
    raw.columns = [str(c).strip() for c in raw.columns]
    rows = np.arange(2, len(raw) + 2, dtype=np.int64)
    blank = np.ones(len(raw), dtype=bool)
    for c in raw.columns:
        blank &= np.array([_cell_text(v) == "" for v in raw[c].to_numpy(dtype=object)], dtype=bool)
    raw = raw.loc[~blank].reset_index(drop=True)
    rows = rows[~blank]
    if raw.empty:
        raise RegisterError([Problem(where, None, "", MISSING, f"{label} register: no records (only a header, "
                                     "or an empty file)")])
    return raw, rows


def _read_file(path: Path, kind: str, sheet: str | int | None, label: str) -> pd.DataFrame:
    def fail(message: str, hint: str | None = None) -> RegisterError:
        return RegisterError([Problem(path, None, "", MISSING, f"{label} register: {message}", hint)])

    if kind == "csv":
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False,
                               encoding="utf-8-sig")
        except pd.errors.EmptyDataError:
            raise fail("the file is empty (it needs a header row)") from None
        except UnicodeDecodeError as exc:
            raise fail(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                       "save the file as CSV UTF-8 (in Excel: Save As, 'CSV UTF-8')") from None
        except (pd.errors.ParserError, ValueError, OSError) as exc:
            message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise fail(f"malformed CSV: {message}") from None
    if kind == "excel":
        try:
            return pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object, engine="openpyxl")
        except ImportError as exc:
            raise fail(f"reading Excel files needs openpyxl ({exc})", "pip install openpyxl") from None
        except ValueError as exc:
            if sheet is not None and "not found" in str(exc):
                raise fail(f"no sheet {sheet!r} in the workbook", _sheet_hint(path)) from None
            raise fail(f"cannot be read as an Excel workbook: {exc}") from None
        except IndexError:
            raise fail(f"no sheet number {sheet} in the workbook", _sheet_hint(path)) from None
        except Exception as exc:  # zipfile.BadZipFile, openpyxl's InvalidFileException, KeyError...: not a workbook
            raise fail(f"cannot be read as an Excel workbook ({type(exc).__name__}: {exc})") from None
    try:
        return pd.read_parquet(path)
    except ImportError:
        raise fail("reading Parquet files needs pyarrow",
                   "pyarrow is a dependency of ssproj: reinstall it (pip install pyarrow)") from None
    except Exception as exc:  # pyarrow.ArrowInvalid and kin: not a Parquet file
        raise fail(f"cannot be read as a Parquet file ({type(exc).__name__}: {exc})") from None


def _sheet_hint(path: Path) -> str | None:
    try:
        names = pd.ExcelFile(path, engine="openpyxl").sheet_names
    except Exception:  # the workbook was readable a moment ago; no hint rather than a second error
        return None
    return "sheets: " + ", ".join(map(str, names))


def _cell_text(v: Any) -> str:
    """A cell as text, stripped: "" for an empty cell; whole floats without ``.0``; dates as ISO dates."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if math.isnan(x):
            return ""
        return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
    if v is pd.NaT or (isinstance(v, np.datetime64) and np.isnat(v)):
        return ""
    if isinstance(v, np.datetime64):
        v = pd.Timestamp(v)
    if isinstance(v, datetime):
        return v.date().isoformat() if (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0) \
            else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v).strip()


# --------------------------------------------------------------------------- parsing cells
def _texts(cells: pd.DataFrame, column: str | None) -> np.ndarray:
    """The cells of a column as stripped text ("" where empty); all "" if the register has no such column."""
    if column is None:
        return np.full(len(cells), "", dtype=object)
    return np.array([_cell_text(v) for v in cells[column].to_numpy(dtype=object)], dtype=object)


def _is_missing(text: np.ndarray) -> np.ndarray:
    return np.array([t.lower() in MISSING_TEXT for t in text], dtype=bool)


def _parse_dates(text: np.ndarray, missing: np.ndarray, date_format: str | None) -> np.ndarray:
    """Dates (``datetime64[D]``, NaT where missing or not a date) from ISO, day/month/year or `date_format` text."""
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[D]")
    todo = ~missing
    series = pd.Series(text, dtype=object)
    if date_format is not None and todo.any():
        parsed = pd.to_datetime(series[todo], format=date_format, errors="coerce")
        ok = parsed.notna().to_numpy()
        idx = np.flatnonzero(todo)[ok]
        out[idx] = parsed.to_numpy()[ok].astype("datetime64[D]")
        todo[idx] = False
    for pattern in (_ISO_RE, _DMY_RE):
        if not todo.any():
            break
        parts = series[todo].str.extract(pattern)
        found = parts["y"].notna().to_numpy()
        if not found.any():
            continue
        parts = parts[found].astype(np.int64)
        parsed = pd.to_datetime(pd.DataFrame({"year": parts["y"], "month": parts["m"], "day": parts["d"]}),
                                errors="coerce")
        ok = parsed.notna().to_numpy()
        idx = np.flatnonzero(todo)[found][ok]
        out[idx] = parsed.to_numpy()[ok].astype("datetime64[D]")
        todo[np.flatnonzero(todo)[found]] = False  # matched the pattern: a date, or an impossible one (31/02)
    return out


def _parse_numbers(text: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Numbers (NaN where missing or not a finite number >= 0)."""
    values = pd.to_numeric(pd.Series(_none_where(missing, text), dtype=object), errors="coerce")
    out = np.array(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)  # writable
    out[~np.isfinite(out) | (out < 0)] = np.nan
    return out


def _none_where(mask: np.ndarray, text: np.ndarray) -> np.ndarray:
    """A copy of the object array `text` with None where `mask` is true."""
    out = text.copy()
    out[mask] = None
    return out


def _date_expected(text: str, date_format: str | None) -> str:
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return ("is a number, not a date (an Excel date serial number? format the column as dates, or write "
                "YYYY-MM-DD)")
    if re.fullmatch(_ISO_RE, text) or re.fullmatch(_DMY_RE, text):
        return "is not a date of the calendar"
    formats = "YYYY-MM-DD or DD/MM/YYYY" + (f" or {date_format}" if date_format else "")
    return f"is not a date ({formats})"


def _number_expected(text: str) -> str:
    if re.fullmatch(r"-\s*[\d.]+", text):
        return "is negative"
    if re.fullmatch(r"-?[\d\s.,']+", text):
        return "is not a number (write numbers without thousands separators, with a dot for decimals)"
    return "is not a number"


def _codes(text: np.ndarray, missing: np.ndarray, kind: str, mapping: Mapping[str, str],
           groups: Sequence[str] | None) -> np.ndarray:
    """Our codes ("" where unknown or missing) from the register's codes."""
    lowered = {k.lower(): v for k, v in mapping.items()}
    choices = _choices(kind, groups)
    out = np.full(len(text), "", dtype=object)
    cache: dict[str, str] = {}
    for i in np.flatnonzero(~missing):
        t = text[i]
        if t in cache:
            out[i] = cache[t]
            continue
        code = mapping.get(t, lowered.get(t.lower()))
        if code is None:
            norm = re.sub(r"[\s\-]+", "_", t.lower())
            if kind == "sex":
                code = {"m": "male", "f": "female"}.get(norm, norm)
            else:
                code = norm
        if (choices is not None and code not in choices) or (choices is None and not _NAME_RE.fullmatch(code)):
            code = ""
        cache[t] = code
        out[i] = code
    return out


# --------------------------------------------------------------------------- the checks
class _Flags:
    """Collects the rows each check flags, with the column, value and problem of each."""

    def __init__(self, register: str, rows: np.ndarray, ids: np.ndarray) -> None:
        self.register = register
        self.rows = rows
        self.ids = ids
        self.masks: dict[str, np.ndarray] = {}
        self.checked: dict[str, str] = {}  # check -> why it was not run
        self.records: list[tuple] = []
        self._blocking = {c.name: c.blocking for c in _CHECKS[register]}

    def add(self, check: str, mask: np.ndarray, column: str | np.ndarray, values: np.ndarray, problem) -> None:
        """Flag the rows of `mask`; `column` a name or one per row; `problem` a str or a function of the row index."""
        mask = np.asarray(mask, dtype=bool)
        self.masks[check] = self.masks.get(check, np.zeros(len(self.rows), dtype=bool)) | mask
        for i in np.flatnonzero(mask):
            text = problem(i) if callable(problem) else problem
            self.records.append((self.register, int(self.rows[i]), self.ids[i], check, self._blocking[check],
                                 column if isinstance(column, str) else column[i], values[i], text))

    def skip(self, check: str, why: str) -> None:
        """The check could not run (the first reason given is kept)."""
        self.checked.setdefault(check, why)

    def blocking_counts(self) -> str:
        """``check count, ...`` of the blocking checks that flagged rows."""
        return ", ".join(f"{check} {int(mask.sum()):,}" for check, mask in self.masks.items()
                         if mask.any() and self._blocking[check])

    def blocked(self) -> np.ndarray:
        out = np.zeros(len(self.rows), dtype=bool)
        for check, mask in self.masks.items():
            if self._blocking[check]:
                out |= mask
        return out


def _check_register(register: str, cells: pd.DataFrame, rows: np.ndarray, source: str, cmap: ColumnMap,
                    valuation_year: int, groups: Sequence[str] | None,
                    bounds: tuple[float | None, float | None]) -> tuple[_Flags, dict[str, np.ndarray]]:
    """Run the checks of one register; returns the flags and the parsed fields (for the rows kept)."""
    fields = _FIELDS[register]
    columns = _resolve_columns(register, cells, source, cmap)
    text = {f.name: _texts(cells, columns[f.name]) for f in fields}
    missing = {name: _is_missing(t) for name, t in text.items()}
    flags = _Flags(register, rows, np.where(missing["id"], "", text["id"]))
    vdate = np.datetime64(f"{valuation_year}-12-31", "D")
    parsed: dict[str, np.ndarray] = {}

    # fields the tables need: empty, unreadable, unknown codes
    for f in fields:
        col = columns[f.name]
        if f.required:
            flags.add("missing_value", missing[f.name], col or f.name, text[f.name],
                      f"empty cell (the tables need {f.name}: {f.description})")
        if f.kind == "date":
            parsed[f.name] = _parse_dates(text[f.name], missing[f.name], cmap.date_format)
            bad = ~missing[f.name] & np.isnat(parsed[f.name])
            if f.required:
                flags.add("unreadable_value", bad, col or f.name, text[f.name],
                          lambda i, t=text[f.name]: f"{_date_expected(t[i], cmap.date_format)}")
        elif f.kind == "number":
            parsed[f.name] = _parse_numbers(text[f.name], missing[f.name])
            bad = ~missing[f.name] & np.isnan(parsed[f.name])
            if f.required:
                flags.add("unreadable_value", bad, col or f.name, text[f.name],
                          lambda i, t=text[f.name]: f"{_number_expected(t[i])} (a number >= 0 is expected)")
        elif f.kind == "code":
            parsed[f.name] = _codes(text[f.name], missing[f.name], f.name, cmap.values.get(f.name, {}), groups)
            unknown = ~missing[f.name] & (parsed[f.name] == "")
            choices = _choices(f.name, groups)
            if choices is not None:
                expected = f"is not a {f.name} of the tables ({' | '.join(choices)})"
            else:
                expected = "is not a group name (lower case letters, digits and underscores)"
            flags.add(f"unknown_{f.name}", unknown, col or f.name, text[f.name],
                      lambda i, t=text[f.name], e=expected, c=choices: _with_hint(e, t[i], c))

    # duplicate ids: the first row with an id is kept
    ids = pd.Series(_none_where(missing["id"], text["id"]), dtype=object)
    has_id = ~missing["id"]
    dup = has_id & ids.duplicated(keep="first").to_numpy()
    first_row = dict(zip(ids[has_id & ~dup], rows[has_id & ~dup], strict=True))
    flags.add("duplicate_id", dup, columns["id"] or "id", text["id"],
              lambda i: f"the id of row {first_row[text['id'][i]]} (kept)")

    birth = parsed["birth_date"]
    birth_ok = ~np.isnat(birth)
    born = birth_ok & (birth <= vdate)
    flags.add("birth_after_valuation", birth_ok & (birth > vdate), columns["birth_date"] or "birth_date",
              text["birth_date"], f"is after the valuation date {valuation_year}-12-31")
    # the age reached in the valuation year is the age at 31 December; -1 where the birth date is unusable
    parsed["age"] = np.where(born, valuation_year - _years(np.where(born, birth, vdate)), -1)

    if register == "members":
        _member_checks(flags, columns, text, missing, parsed, born, vdate, valuation_year, bounds)
    else:
        _pension_checks(flags, columns, text, missing, parsed, born, vdate, valuation_year, bounds)
    return flags, parsed


def _years(dates: np.ndarray) -> np.ndarray:
    """Calendar years of ``datetime64[D]`` dates (none NaT)."""
    return dates.astype("datetime64[Y]").astype(np.int64) + 1970


def _with_hint(expected: str, value: str, choices: Sequence[str] | None) -> str:
    hint = did_you_mean(value, choices or (), list_if_no_match=0)
    return f"{expected}; {hint}" if hint else expected + ("; map the register's codes to ours under values: in "
                                                          "the column map")


def _member_checks(flags, columns, text, missing, parsed, born, vdate, valuation_year, bounds) -> None:
    low, high = MEMBER_AGES
    age = parsed["age"]
    flags.add("age_out_of_range", born & ((age < low) | (age > high)), columns["birth_date"] or "birth_date",
              text["birth_date"], lambda i: f"gives age {age[i]} at the valuation date (expected {low}-{high})")
    entry = parsed["entry_date"]
    entry_ok = ~np.isnat(entry)
    entered = entry_ok & (entry <= vdate)
    ecol = columns["entry_date"] or "entry_date"
    flags.add("entry_after_valuation", entry_ok & (entry > vdate), ecol, text["entry_date"],
              f"is after the valuation date {valuation_year}-12-31")
    birth = parsed["birth_date"]
    flags.add("birth_after_entry", born & entered & (birth > entry), columns["birth_date"] or "birth_date",
              text["birth_date"], lambda i: f"is after the entry date {text['entry_date'][i]}")
    # the fields the tables do not need: empty or unreadable (kept)
    earnings = parsed["last_earnings"]
    optional = [(name, ~ok) for name, ok in (("entry_date", entry_ok), ("last_earnings", ~np.isnan(earnings)))
                if columns[name] is not None]
    incomplete = np.zeros(len(age), dtype=bool)
    for _name, bad in optional:
        incomplete |= bad

    def incomplete_problem(i: int) -> str:
        return "; ".join(f"{name} empty" if missing[name][i] else
                         f"{name} {text[name][i]!r} is not a {'date' if name == 'entry_date' else 'number >= 0'}"
                         for name, bad in optional if bad[i])

    first_bad = np.full(len(age), "", dtype=object)
    first_column = np.full(len(age), "", dtype=object)
    for name, bad in reversed(optional):
        first_bad[bad] = text[name][bad]
        first_column[bad] = columns[name]
    if columns["entry_date"] is None and columns["last_earnings"] is None:
        flags.skip("incomplete_record", "no entry_date or last_earnings column")
    flags.add("incomplete_record", incomplete, first_column, first_bad, incomplete_problem)
    if columns["entry_date"] is None:
        for check in ("entry_after_valuation", "birth_after_entry", "months_above_since_entry"):
            flags.skip(check, "no entry_date column")
    months = parsed["months_contributed"]
    months_ok = ~np.isnan(months)
    known_entry = np.where(entry_ok, entry, vdate)
    entry_year = _years(known_entry)
    entry_month = known_entry.astype("datetime64[M]").astype(np.int64) % 12 + 1
    since = (valuation_year - entry_year) * 12 + (12 - entry_month) + 1  # the entry month and December counted
    mcol = columns["months_contributed"] or "months_contributed"
    flags.add("months_above_since_entry", entered & months_ok & (birth <= entry) & (months > since), mcol,
              text["months_contributed"],
              lambda i: f"exceeds the {since[i]} months from the entry month ({text['entry_date'][i]}) to "
                        f"December {valuation_year}")
    years = np.where(months_ok, np.floor(np.where(months_ok, months, 0.0) / 12.0), 0.0).astype(np.int64)
    flags.add("service_above_cap", months_ok & (years > SERVICE_CAP), mcol, text["months_contributed"],
              lambda i: f"gives {years[i]} years of service (counted as {SERVICE_CAP})")
    parsed["service"] = np.minimum(years, SERVICE_CAP)
    if columns["last_earnings"] is None:
        flags.skip("earnings_below_floor", "no last_earnings column")
        flags.skip("earnings_above_ceiling", "no last_earnings column")
    _bound_checks(flags, (("earnings_below_floor", "floor"), ("earnings_above_ceiling", "ceiling")), bounds,
                  earnings, columns["last_earnings"] or "last_earnings", text["last_earnings"])


def _pension_checks(flags, columns, text, missing, parsed, born, vdate, valuation_year, bounds) -> None:
    age = parsed["age"]
    flags.add("age_out_of_range", born & (age > PENSIONER_MAX_AGE), columns["birth_date"] or "birth_date",
              text["birth_date"], lambda i: f"gives age {age[i]} at the valuation date (expected at most "
                                            f"{PENSIONER_MAX_AGE})")
    award = parsed["award_date"]
    award_ok = ~np.isnat(award)
    acol = columns["award_date"] or "award_date"
    flags.add("award_after_valuation", award_ok & (award > vdate), acol, text["award_date"],
              f"is after the valuation date {valuation_year}-12-31")
    birth = parsed["birth_date"]
    flags.add("award_before_birth", born & award_ok & (award <= vdate) & (award < birth), acol, text["award_date"],
              lambda i: f"is before the birth date {text['birth_date'][i]}")
    if columns["award_date"] is None:
        for check in ("award_after_valuation", "award_before_birth", "incomplete_record"):
            flags.skip(check, "no award_date column")
    flags.add("incomplete_record", ~award_ok if columns["award_date"] is not None else np.zeros(len(age), bool),
              acol, text["award_date"],
              lambda i: "award_date empty" if missing["award_date"][i] else
              f"award_date {_date_expected(text['award_date'][i], None)}")
    _bound_checks(flags, (("amount_below_minimum", "minimum pension"), ("amount_above_maximum", "maximum pension")),
                  bounds, parsed["monthly_amount"], columns["monthly_amount"] or "monthly_amount",
                  text["monthly_amount"])


def _bound_checks(flags: _Flags, checks: tuple[tuple[str, str], tuple[str, str]],
                  bounds: tuple[float | None, float | None], amounts: np.ndarray, column: str,
                  text: np.ndarray) -> None:
    """Flag the monthly amounts below the lower bound and above the upper one (the rows are kept).

    `checks` gives the check and the name of each bound, lower first
    (``("earnings_below_floor", "floor")``); a bound of None was not given
    and its check is skipped. `amounts` [currency/month], NaN where
    unreadable (not flagged); `bounds` [currency/month].
    """
    readable = ~np.isnan(amounts)
    for (check, name), bound, side, outside in zip(checks, bounds, ("below", "above"), (np.less, np.greater),
                                                   strict=True):
        if bound is None:
            flags.skip(check, f"no {name} given")
        else:
            flags.add(check, readable & outside(amounts, bound), column, text,
                      f"is {side} the {name} {bound:,.10g} [currency/month]")


def _resolve_columns(register: str, cells: pd.DataFrame, source: str, cmap: ColumnMap) -> dict[str, str | None]:
    """Our field -> the register's column (None: no such column, as the map says); every missing column at once."""
    header = list(cells.columns)
    by_lower: dict[str, str] = {}
    for c in header:
        by_lower.setdefault(c.lower(), c)
    out: dict[str, str | None] = {}
    problems = []
    for f in _FIELDS[register]:
        want = cmap.column(register, f.name)
        if want is None:
            out[f.name] = None
            continue
        found = want if want in header else by_lower.get(want.lower())
        if found is None:
            mapped = f" (mapped from {f.name} in {cmap.source})" if want != f.name else ""
            hint = did_you_mean(want, header, list_if_no_match=0)
            if not hint:
                hint = ("give its column name in a column map (--column-map)" if want == f.name
                        else "correct the column map")
            problems.append(Problem(source, 1, want, MISSING,
                                    f"required column of the {register} register is missing{mapped}: "
                                    f"{f.description}", hint))
        out[f.name] = found
    if problems:
        raise RegisterError(problems)
    return out


# --------------------------------------------------------------------------- the tables
def _insured_table(parsed: dict[str, np.ndarray], keep: np.ndarray, groups: Sequence[str]) -> pd.DataFrame:
    df = pd.DataFrame({"group": parsed["group"][keep], "sex": parsed["sex"][keep], "status": parsed["status"][keep],
                       "age": parsed["age"][keep], "service": parsed["service"][keep]})
    table = df.groupby(["group", "sex", "status", "age", "service"], sort=False).size().rename("persons")
    table = table.reset_index()
    table = _fill_ages(table, ["group", "sex", "status"], {"service": 0, "persons": 0})
    order = {"group": list(groups), "sex": list(SEXES), "status": list(STATUSES)}
    table = _sorted(table, order, ["age", "service"])
    return table.astype({"age": np.int64, "service": np.int64, "persons": np.int64})[
        ["group", "sex", "status", "age", "service", "persons"]]


def _pensioners_table(parsed: dict[str, np.ndarray], keep: np.ndarray, groups: Sequence[str]) -> pd.DataFrame:
    df = pd.DataFrame({"type": parsed["type"][keep], "group": parsed["group"][keep], "sex": parsed["sex"][keep],
                       "age": np.minimum(parsed["age"][keep], OPEN_AGE), "amount": parsed["monthly_amount"][keep]})
    grouped = df.groupby(["type", "group", "sex", "age"], sort=False)["amount"]
    table = pd.DataFrame({"persons": grouped.size(), "average_pension": grouped.mean()}).reset_index()
    table = _fill_ages(table, ["type", "group", "sex"], {"persons": 0, "average_pension": 0.0})
    order = {"type": list(PENSION_TYPES), "group": list(groups), "sex": list(SEXES)}
    table = _sorted(table, order, ["age"])
    return table.astype({"age": np.int64, "persons": np.int64, "average_pension": np.float64})[
        ["type", "group", "sex", "age", "persons", "average_pension"]]


def _fill_ages(table: pd.DataFrame, keys: list[str], fill: dict[str, Any]) -> pd.DataFrame:
    """Rows of zero persons for the ages between a key combination's youngest and oldest that have none.

    ``load_table`` wants the age groups of each combination of keys
    contiguous; a register leaves gaps where no one is of an age.
    """
    extra = []
    for key, part in table.groupby(keys, sort=False):
        ages = set(part["age"].tolist())
        for a in range(min(ages), max(ages) + 1):
            if a not in ages:
                extra.append({**dict(zip(keys, key, strict=True)), "age": a, **fill})
    if not extra:
        return table
    return pd.concat([table, pd.DataFrame(extra)], ignore_index=True)


def _sorted(table: pd.DataFrame, order: dict[str, list[str]], then: list[str]) -> pd.DataFrame:
    keys = {f"_{k}": table[k].map({v: i for i, v in enumerate(values)}) for k, values in order.items()}
    return (table.assign(**keys).sort_values([*keys, *then], kind="stable")
            .drop(columns=list(keys)).reset_index(drop=True))


# --------------------------------------------------------------------------- the result
@dataclass(frozen=True)
class IngestResult:
    """What :func:`ingest_registers` returns: the two tables and the data-quality report.

    Attributes
    ----------
    insured : pandas.DataFrame
        The ``insured`` table: ``group``, ``sex``, ``status``, ``age``
        (single years at the valuation date), ``service`` (completed years
        of contributions, at most 60), ``persons`` [persons at 31 December
        of the valuation year]. Ages with no one between a combination's
        youngest and oldest member have a row of 0 persons, so that the
        table's ages are contiguous.
    pensioners : pandas.DataFrame or None
        The ``pensioners`` table: ``type``, ``group``, ``sex``, ``age``
        (100 = 100+), ``persons``, ``average_pension`` (mean monthly amount
        [currency/month]); None without a pensions register.
    quality : pandas.DataFrame
        One row per check of each register: ``register``, ``check``,
        ``blocking``, ``checked`` (False when the check could not run: no
        floor given, no such column), ``rows`` (rows flagged),
        ``example_rows`` (the first few, as numbered in the source file),
        ``description``.
    issues : pandas.DataFrame
        Every flagged row: ``register``, ``row``, ``id``, ``check``,
        ``blocking``, ``column``, ``value`` (as in the file), ``problem``.
        A row with several problems appears once for each.
    registers : dict
        Per register (``"members"``, ``"pensions"``): ``file``, ``rows``
        (records read), ``kept``, ``excluded`` (rows failing at least one
        blocking check).
    valuation_year : int
        The tables describe 31 December of this year.
    provenance : dict
        Inputs: files with their sha256, options, ssproj version.
    """

    insured: pd.DataFrame
    pensioners: pd.DataFrame | None
    quality: pd.DataFrame
    issues: pd.DataFrame
    registers: dict[str, dict[str, Any]]
    valuation_year: int
    provenance: dict[str, Any]

    def excluded_rows(self, register: str = "members") -> list[int]:
        """Row numbers (as in the source file) of the rows left out of the tables, ascending."""
        rows = self.issues.loc[(self.issues["register"] == register) & self.issues["blocking"], "row"]
        return sorted(set(rows.astype(int).tolist()))

    def flagged_rows(self, register: str, check: str) -> list[int]:
        """Row numbers flagged by one check of a register, ascending."""
        rows = self.issues.loc[(self.issues["register"] == register) & (self.issues["check"] == check), "row"]
        return sorted(set(rows.astype(int).tolist()))

    def summary(self) -> str:
        """A few lines for the console: rows read, kept and excluded, the checks that flagged rows, totals."""
        lines = [f"Member registers at 31 December {self.valuation_year}"]
        for register, info in self.registers.items():
            lines.append(f"{register} ({info['file']}): {info['rows']:,} rows read, {info['kept']:,} kept, "
                         f"{info['excluded']:,} excluded")
            q = self.quality[(self.quality["register"] == register) & (self.quality["rows"] > 0)]
            for _, r in q.iterrows():
                what = "excluded" if r["blocking"] else "kept"
                lines.append(f"  {r['check']:<26} {r['rows']:>7,} ({what}), e.g. "
                             f"{'row' if r['rows'] == 1 else 'rows'} {r['example_rows']}")
        ins = self.insured
        by_status = ins.groupby("status")["persons"].sum()
        lines.append(f"insured: {int(ins['persons'].sum()):,} persons ("
                     + ", ".join(f"{s} {int(by_status.get(s, 0)):,}" for s in STATUSES) + ")")
        if self.pensioners is not None:
            p = self.pensioners
            total = int(p["persons"].sum())
            mean = float((p["persons"] * p["average_pension"]).sum() / total) if total else 0.0
            lines.append(f"pensioners: {total:,} pensions, average {mean:,.2f} [currency/month]")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The data-quality report as Markdown (``data_quality.md``)."""
        out = [f"# Data quality of the member registers, 31 December {self.valuation_year}", "",
               f"Written by ssproj {__version__} (`ssproj ingest`). A row that fails a blocking check is left out "
               "of the tables; the other checks are counted and the row is kept. Rows are numbered as in the "
               "source file: the header is row 1, the first record row 2. A row with several problems is "
               "counted under each check.", "",
               "| register | file | rows read | rows kept | rows excluded |", "|---|---|--:|--:|--:|"]
        for register, info in self.registers.items():
            out.append(f"| {register} | {_md(info['file'])} | {info['rows']:,} | {info['kept']:,} | "
                       f"{info['excluded']:,} |")
        out.append("")
        out.append(f"Tables written: `insured` {int(self.insured['persons'].sum()):,} persons in "
                   f"{len(self.insured):,} rows" + (
                       f"; `pensioners` {int(self.pensioners['persons'].sum()):,} pensions in "
                       f"{len(self.pensioners):,} rows." if self.pensioners is not None else "."))
        for register, info in self.registers.items():
            out += ["", f"## {register.capitalize()} register ({_md(info['file'])})", "",
                    "| check | blocking | rows | example rows | what it finds |", "|---|---|--:|---|---|"]
            q = self.quality[self.quality["register"] == register]
            for _, r in q.iterrows():
                count = f"{r['rows']:,}" if r["checked"] else "not checked"
                out.append(f"| {r['check']} | {'yes' if r['blocking'] else 'no'} | {count} | "
                           f"{r['example_rows']} | {_md(r['description'])} |")
            for _, r in q[q["rows"] > 0].iterrows():
                shown = self.issues[(self.issues["register"] == register) & (self.issues["check"] == r["check"])]
                shown = shown[shown["row"].isin(shown["row"].drop_duplicates().head(EXAMPLES))]
                what = "excluded" if r["blocking"] else "kept"
                out += ["", f"### {r['check']}: {_rows(r['rows'])} ({what})", "",
                        "| row | id | column | value | problem |", "|--:|---|---|---|---|"]
                for _, s in shown.iterrows():
                    out.append(f"| {s['row']} | {_md(s['id'], 40)} | {_md(s['column'])} | {_md(s['value'], 60)} | "
                               f"{_md(s['problem'])} |")
        prov = self.provenance
        out += ["", "## Inputs", ""]
        for register, entry in prov.get("files", {}).items():
            sheet = f", sheet {entry['sheet']}" if entry.get("sheet") is not None else ""
            digest = f", sha256 `{entry['sha256']}`" if entry.get("sha256") else ""
            out.append(f"- {register}: {_md(entry['file'])}{sheet}{digest}")
        options = [f"valuation year {self.valuation_year} (ages and dates at 31 December)"]
        options.append("groups " + (", ".join(prov["groups"]) if prov.get("groups") else "any group name"))
        for key, label in (("earnings_floor", "earnings floor"), ("earnings_ceiling", "earnings ceiling"),
                           ("minimum_pension", "minimum pension"), ("maximum_pension", "maximum pension")):
            if prov.get(key) is not None:
                options.append(f"{label} {prov[key]:,.10g} [currency/month]")
        if prov.get("column_map"):
            options.append(f"column map {_md(prov['column_map'])}")
        out.append("- options: " + "; ".join(options))
        return "\n".join(out) + "\n"

    def write(self, folder: str | os.PathLike[str]) -> dict[str, Path]:
        """Write the tables and the report into `folder`, as a unit (staged, then renamed into place).

        Files: ``insured.csv``, ``pensioners.csv`` (with a pensions
        register), ``data_quality.md``, ``data_quality.csv`` (the checks),
        ``data_quality_rows.csv`` (every flagged row), and ``manifest.json``
        (see :func:`ssproj.io.outdir.result_folder`; kind ``registers``).
        An existing folder is replaced only if it is an ssproj result folder.

        Returns
        -------
        dict of str to Path
            The files written, by role (final paths).
        """
        written: dict[str, Path] = {}
        with result_folder(folder, kind="registers", inputs_sha256=inputs_sha256(self.provenance)) as stage:
            files = {"insured": ("insured.csv", _csv(self.insured))}
            if self.pensioners is not None:
                files["pensioners"] = ("pensioners.csv", _csv(self.pensioners))
            files["report"] = ("data_quality.md", self.to_markdown())
            files["checks"] = ("data_quality.csv", _csv(self.quality))
            files["rows"] = ("data_quality_rows.csv", _csv(self.issues))
            for role, (name, text) in files.items():
                written[role] = stage.final(write_text_atomic(stage.path / name, text))
        return written


def _csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, lineterminator="\n")


def _md(value: Any, limit: int | None = None) -> str:
    """A table cell of Markdown: one line, pipes escaped, cut to `limit` characters (values from the file)."""
    text = str(value).replace("\r", " ").replace("\n", " ")
    if limit is not None and len(text) > limit:
        text = text[:limit - 3] + "..."
    return text.replace("|", "\\|")


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- the entry point
def ingest_registers(
    members: str | os.PathLike[str] | pd.DataFrame,
    pensions: str | os.PathLike[str] | pd.DataFrame | None = None,
    *,
    valuation_year: int,
    groups: Sequence[str] | None = None,
    earnings_floor: float | None = None,
    earnings_ceiling: float | None = None,
    minimum_pension: float | None = None,
    maximum_pension: float | None = None,
    column_map: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    members_sheet: str | int | None = None,
    pensions_sheet: str | int | None = None,
) -> IngestResult:
    """Read a fund's member and pension registers, check every row, and build the ``insured`` and ``pensioners`` tables.

    Parameters
    ----------
    members : path or DataFrame
        The members register, one row per member (active or inactive) at
        the valuation date, with the fields of :data:`MEMBER_FIELDS`: id,
        sex, birth_date, group, entry_date, months_contributed,
        last_earnings [currency/month], status. A ``.csv`` (UTF-8),
        ``.xlsx`` or ``.parquet`` file, or a DataFrame.
    pensions : path or DataFrame, optional
        The pensions register, one row per pension in payment, with the
        fields of :data:`PENSION_FIELDS`: id, sex, birth_date, group, type,
        award_date, monthly_amount [currency/month].
    valuation_year : int
        Ages are taken, and the dates checked, at 31 December of this year
        (the assumption set's ``valuation_year``).
    groups : sequence of str, optional
        The insured groups of the assumption set, in its order: a group
        not among them is unknown (a blocking check), and the tables are
        sorted in this order. Default: any group name (lower case letters,
        digits, underscores), sorted.
    earnings_floor, earnings_ceiling : float, optional
        Members whose last earnings are below the floor (e.g. the minimum
        wage) or above the contribution ceiling are counted (not
        excluded). [currency/month]
    minimum_pension, maximum_pension : float, optional
        Pensions below or above them are counted (not excluded). [currency/month]
    column_map : path or mapping, optional
        The register's column names and codes (:func:`load_column_map`).
    members_sheet, pensions_sheet : str or int, optional
        The sheet of an Excel register (default: the first).

    Returns
    -------
    IngestResult
        ``insured``, ``pensioners``, the report (``quality``, ``issues``,
        ``registers``, ``summary()``, ``to_markdown()``) and ``write(folder)``.

    Raises
    ------
    RegisterError
        Every problem that stops the work, at once: a file missing or
        unreadable, required columns missing (with the file and a
        did-you-mean), a bad column map or option, or no row left in a
        register after the blocking checks. Bad rows are not errors: they
        are in the report.

    Notes
    -----
    Age is the age reached in the valuation year (valuation year minus
    the year of birth: the age at 31 December). Service is the number of
    completed years of contributions, ``months_contributed // 12``, at most
    60. The months since entry count the entry month and every month to
    December of the valuation year. ``average_pension`` is the mean
    monthly amount of the pensions of a cell; ages 100 and over form the
    open group 100+.

    Examples
    --------
    >>> result = ingest_registers("members.csv", "pensions.xlsx", valuation_year=2023,   # doctest: +SKIP
    ...                           groups=["public", "private", "voluntary"], earnings_floor=1_300_000)
    >>> print(result.summary())                                                            # doctest: +SKIP
    >>> result.write("data/lao_2023")                                                      # doctest: +SKIP
    """
    problems: list[Problem] = []
    where = "<ingest_registers>"
    if isinstance(valuation_year, bool) or not isinstance(valuation_year, (int, np.integer)) or not (
            VALUATION_YEARS[0] <= int(valuation_year) <= VALUATION_YEARS[1]):
        problems.append(Problem(where, None, "valuation_year", valuation_year,
                                f"is not a year from {VALUATION_YEARS[0]} to {VALUATION_YEARS[1]}"))
    if groups is not None:
        groups = [str(g) for g in groups]
        for g in groups:
            if not _NAME_RE.fullmatch(g):
                problems.append(Problem(where, None, "groups", g, "is not a group name (lower case letters, digits "
                                        "and underscores, starting with a letter)"))
        if len(set(groups)) != len(groups) or not groups:
            problems.append(Problem(where, None, "groups", groups, "must name at least one group, each once"))
    for lo_name, lo, hi_name, hi in (("earnings_floor", earnings_floor, "earnings_ceiling", earnings_ceiling),
                                     ("minimum_pension", minimum_pension, "maximum_pension", maximum_pension)):
        for name, value in ((lo_name, lo), (hi_name, hi)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float, np.number))
                                      or not math.isfinite(value) or value < 0):
                problems.append(Problem(where, None, name, value, "is not an amount >= 0 [currency/month]"))
        if (lo is not None and hi is not None and isinstance(lo, (int, float)) and isinstance(hi, (int, float))
                and lo > hi):
            problems.append(Problem(where, None, lo_name, lo, f"is above {hi_name} ({hi:g})"))
    if problems:
        raise RegisterError(problems)
    year = int(valuation_year)
    cmap = load_column_map(column_map, groups)

    sources = {"members": (members, members_sheet, (earnings_floor, earnings_ceiling))}
    if pensions is not None:
        sources["pensions"] = (pensions, pensions_sheet, (minimum_pension, maximum_pension))
    # read everything first, then report every problem of every file at once
    read: dict[str, tuple[pd.DataFrame, np.ndarray, str]] = {}
    for register, (source, sheet, _bounds) in sources.items():
        try:
            cells, rows = read_register(source, sheet=sheet, label=register)
        except RegisterError as exc:
            problems += exc.problems
            continue
        label = (display_path(source) if not isinstance(source, pd.DataFrame) else f"<{register} DataFrame>")
        read[register] = (cells, rows, label)
    flags: dict[str, _Flags] = {}
    parsed: dict[str, dict[str, np.ndarray]] = {}
    for register, (cells, rows, label) in read.items():
        file = sources[register][0]
        try:
            flags[register], parsed[register] = _check_register(
                register, cells, rows, str(file) if not isinstance(file, pd.DataFrame) else label, cmap, year,
                groups, sources[register][2])
        except RegisterError as exc:
            problems += exc.problems
    if problems:
        raise RegisterError(problems)

    found_groups: set[str] = set()
    keep: dict[str, np.ndarray] = {}
    for register, f in flags.items():
        keep[register] = ~f.blocked()
        found_groups |= set(parsed[register]["group"][keep[register]].tolist())
        if not keep[register].any():
            counts = f.blocking_counts()
            problems.append(Problem(read[register][2], None, "", MISSING,
                                    f"no row of the {register} register passes the blocking checks "
                                    f"({len(f.rows):,} rows: {counts})",
                                    "check the column map (codes, date format) and --valuation-year"))
    if problems:
        raise RegisterError(problems)
    order = list(groups) if groups is not None else sorted(found_groups)

    insured = _insured_table(parsed["members"], keep["members"], order)
    pensioners = _pensioners_table(parsed["pensions"], keep["pensions"], order) if "pensions" in flags else None

    quality_rows = []
    records: list[tuple] = []
    registers: dict[str, dict[str, Any]] = {}
    for register, f in flags.items():
        for check in _CHECKS[register]:
            mask = f.masks.get(check.name, np.zeros(len(f.rows), dtype=bool))
            flagged = f.rows[mask]
            quality_rows.append({
                "register": register, "check": check.name, "blocking": check.blocking,
                "checked": check.name not in f.checked, "rows": int(mask.sum()),
                "example_rows": ", ".join(str(int(r)) for r in flagged[:EXAMPLES]) + (
                    ", ..." if len(flagged) > EXAMPLES else ""),
                "description": check.description if check.name not in f.checked
                else f"{check.description}; not checked: {f.checked[check.name]}",
            })
        order_checks = {c.name: i for i, c in enumerate(_CHECKS[register])}
        records += sorted(f.records, key=lambda r: (r[1], order_checks[r[3]]))
        registers[register] = {"file": read[register][2], "rows": len(f.rows), "kept": int(keep[register].sum()),
                               "excluded": int((~keep[register]).sum())}
    quality = pd.DataFrame(quality_rows, columns=["register", "check", "blocking", "checked", "rows", "example_rows",
                                                  "description"])
    issues = pd.DataFrame(records, columns=_ISSUE_COLUMNS)
    issues = issues.astype({"row": np.int64, "blocking": bool})

    provenance: dict[str, Any] = {"ssproj_version": __version__, "valuation_year": year,
                                  "groups": list(groups) if groups is not None else None,
                                  "earnings_floor": earnings_floor, "earnings_ceiling": earnings_ceiling,
                                  "minimum_pension": minimum_pension, "maximum_pension": maximum_pension,
                                  "column_map": cmap.source if column_map is not None else None, "files": {}}
    for register, (source, sheet, _b) in sources.items():
        entry: dict[str, Any] = {"file": read[register][2], "sheet": sheet}
        if not isinstance(source, pd.DataFrame):
            entry["sha256"] = _sha256(Path(source))
        provenance["files"][register] = entry
    return IngestResult(insured, pensioners, quality, issues, registers, year, provenance)

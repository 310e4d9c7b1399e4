"""Member registers in (issue 13): ``ingest_registers`` and ``ssproj ingest`` against a register of known truth.

A synthetic register is generated from a seed: 5,000 members and 800
pensions in payment whose counts by group, sex, age, service and status,
and whose mean pensions, are known from the generator itself (not from the
code under test), with deliberately injected bad rows of every kind the
report checks. It is written as CSV, Excel and Parquet, ingested, and the
tables are compared with the truth cell by cell, exactly; every injected
problem must be reported with its row number, and the rows left out must
be exactly the injected blocking ones.
"""
from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ssproj
from ssproj.cli import main
from ssproj.io import registers
from ssproj.io.outdir import verify_result_folder
from ssproj.io.registers import (
    MEMBER_CHECKS,
    PENSION_CHECKS,
    IngestResult,
    RegisterError,
    ingest_registers,
    load_column_map,
)
from ssproj.scenario import tables
from ssproj.scenario.tables import load_table

ROOT = Path(__file__).resolve().parents[1]
TINY_SCHEME = ROOT / "tests" / "data" / "assumptions" / "tiny_scheme"

YEAR = 2023
GROUPS = ("public", "private", "voluntary")
FLOOR, CEILING = 1_300_000, 4_500_000            # [currency/month] members' last earnings
MIN_PENSION, MAX_PENSION = 500_000, 6_000_000    # [currency/month] pensions
MEMBER_COLUMNS = ["id", "sex", "birth_date", "group", "entry_date", "months_contributed", "last_earnings", "status"]
PENSION_COLUMNS = ["id", "sex", "birth_date", "group", "type", "award_date", "monthly_amount"]
BLOCKING = {("members", c.name): c.blocking for c in MEMBER_CHECKS} | {
    ("pensions", c.name): c.blocking for c in PENSION_CHECKS}


# --------------------------------------------------------------------------- the synthetic register
@dataclass
class Register:
    """Cells as a fund would export them, and the truth they hold."""

    members: pd.DataFrame
    pensions: pd.DataFrame
    insured: Counter = field(default_factory=Counter)         # (group, sex, status, age, service) -> persons
    pensioners: dict = field(default_factory=dict)            # (type, group, sex, age) -> [persons, sum of amounts]
    flagged: dict = field(default_factory=lambda: defaultdict(set))  # (register, check) -> rows
    excluded: dict = field(default_factory=lambda: defaultdict(set))  # register -> rows


def _date_cell(rng, d: dt.date):
    """A valid date as a fund's export might hold it: ISO text, day/month/year text, or a real date."""
    style = rng.integers(4)
    if style == 0:
        return d.isoformat()
    if style == 1:
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style == 2:
        return f"{d.day}.{d.month}.{d.year}"
    return d  # a date: written as ISO text in CSV, as a date cell in Excel


def _day(rng, year: int, month: int | None = None) -> dt.date:
    return dt.date(int(year), int(month if month is not None else rng.integers(1, 13)), int(rng.integers(1, 29)))


def _member(rng, group=None, sex=None, age=None, status=None, years=None):
    """A valid member (cells) and the truth; service and months since entry consistent with the dates."""
    group = group or GROUPS[rng.choice(3, p=[0.25, 0.55, 0.20])]
    sex = sex or ("male" if rng.random() < 0.55 else "female")
    age = int(age if age is not None else rng.integers(15, 71))
    status = status or ("active" if rng.random() < 0.8 else "inactive")
    n = int(years if years is not None else rng.integers(0, age - 15 + 1))
    months = 12 * n + int(rng.integers(0, 12))
    since = max(months + int(rng.integers(0, 25)), 1)  # months from the entry month to December, both counted
    t = YEAR * 12 + 12 - since                      # entry year * 12 + (entry month - 1)
    entry = _day(rng, t // 12, t % 12 + 1)
    birth = _day(rng, YEAR - age)
    cells = {"id": None, "sex": sex, "birth_date": birth, "group": group, "entry_date": entry,
             "months_contributed": months, "last_earnings": int(rng.integers(FLOOR, CEILING + 1)), "status": status}
    return cells, (group, sex, status, age, min(months // 12, 60))


def _pension(rng, ptype=None, age=None):
    """A valid pension (cells) and the truth key; its amount is the cells' ``monthly_amount``."""
    ptype = ptype or ("old_age", "invalidity", "widow", "orphan", "parent")[rng.choice(5, p=[.5, .1, .2, .1, .1])]
    low, high = {"old_age": (55, 108), "invalidity": (25, 64), "widow": (30, 95), "orphan": (1, 17),
                 "parent": (55, 95)}[ptype]
    age = int(age if age is not None else rng.integers(low, high + 1))
    group = GROUPS[rng.choice(3, p=[0.4, 0.5, 0.1])]
    sex = "female" if (ptype == "widow" and rng.random() < 0.9) or rng.random() < 0.45 else "male"
    birth = _day(rng, YEAR - age)
    award = _day(rng, rng.integers(min(max(YEAR - age + 1, YEAR - 40), YEAR), YEAR + 1))
    amount = int(rng.integers(MIN_PENSION, MAX_PENSION + 1))
    cells = {"id": None, "sex": sex, "birth_date": birth, "group": group, "type": ptype, "award_date": award,
             "monthly_amount": amount}
    return cells, (ptype, group, sex, min(age, 100))


def _spell(rng, cells: dict, kind: str) -> dict:
    """Codes as funds spell them: upper case, M/F, 'old age' (all valid)."""
    out = dict(cells)
    r = rng.random()
    if r < 0.1:
        out["sex"] = out["sex"][0].upper()
    elif r < 0.15:
        out["group"] = out["group"].capitalize()
    elif r < 0.2 and kind == "pensions":
        out["type"] = out["type"].replace("_", " ").title()
    return out


def _inject(rng, rows: list, make, injected: list[tuple]) -> None:
    """Append to `rows` one row per ``(check, change[, arguments of make])``: a valid row from ``make(rng)``
    with the cells of `change`, which `check` flags."""
    for check, change, *arguments in injected:
        cells, key = make(rng, **(arguments[0] if arguments else {}))
        cells.update(change)
        rows.append((check, cells, key))


def make_register(seed: int = 13, n_members: int = 5000, n_pensions: int = 800) -> Register:
    """Members and pensions with known aggregates and injected bad rows (module docstring)."""
    rng = np.random.default_rng(seed)
    reg = Register(pd.DataFrame(), pd.DataFrame())
    Y = YEAR

    # (check or None, cells, truth key) of each member: valid rows first, then the injected ones
    member_rows: list[tuple[str | None, dict, tuple | None]] = []
    for _ in range(n_members - 3):
        cells, key = _member(rng)
        member_rows.append((None, _spell(rng, cells, "members"), key))
    for age, years, earnings in ((10, 0, FLOOR), (100, 40, CEILING)):   # the youngest and oldest allowed,
        cells, key = _member(rng, age=age, years=years)                 # earning the floor and the ceiling
        cells["last_earnings"] = earnings
        member_rows.append((None, cells, key))
    cells, key = _member(rng, age=30, years=0)           # entered on the valuation date, one month contributed
    cells.update({"entry_date": dt.date(Y, 12, 31), "months_contributed": 1})
    member_rows.append((None, cells, key))

    _inject(rng, member_rows, _member, [
        ("missing_value", {"sex": ""}),
        ("missing_value", {"birth_date": None}),
        ("missing_value", {"status": "  "}),
        ("unreadable_value", {"birth_date": "31/02/1980"}),
        ("unreadable_value", {"birth_date": "unknown"}),
        ("unreadable_value", {"months_contributed": "abc"}),
        ("unknown_sex", {"sex": "X"}),
        ("unknown_group", {"group": "army"}),
        ("unknown_status", {"status": "retired"}),
        ("birth_after_valuation", {"birth_date": dt.date(Y + 1, 1, 1)}),
        ("entry_after_valuation", {"entry_date": dt.date(Y + 1, 1, 1)}),
        ("birth_after_entry", {"birth_date": dt.date(1990, 5, 5), "entry_date": dt.date(1985, 1, 1)},
         {"age": 33, "years": 1}),
        ("age_out_of_range", {"birth_date": dt.date(Y - 9, 1, 1), "entry_date": dt.date(Y, 1, 1),
                              "months_contributed": 6}),
        ("age_out_of_range", {"birth_date": dt.date(Y - 101, 12, 31), "entry_date": dt.date(Y - 81, 1, 1),
                              "months_contributed": 240}),
        # kept, counted
        ("incomplete_record", {"last_earnings": ""}),
        ("incomplete_record", {"last_earnings": "1,500,000"}),
        ("incomplete_record", {"entry_date": None}),
        ("earnings_below_floor", {"last_earnings": FLOOR - 1}),
        ("earnings_above_ceiling", {"last_earnings": CEILING + 1}),
    ])
    cells, _ = _member(rng, age=40, years=10)
    since = (Y - cells["entry_date"].year) * 12 + 12 - cells["entry_date"].month + 1
    cells["months_contributed"] = since + 1                 # one month more than possible
    member_rows.append(("months_above_since_entry", cells, (cells["group"], cells["sex"], cells["status"], 40,
                                                             (since + 1) // 12)))
    cells, _ = _member(rng, age=90, years=1)
    cells.update({"entry_date": dt.date(Y - 74, 3, 1), "months_contributed": 62 * 12 + 3})
    member_rows.append(("service_above_cap", cells, (cells["group"], cells["sex"], cells["status"], 90, 60)))
    n_dup = 2

    # (check or None, cells, truth key) of each pension, as for the members; the amount is in the cells
    pension_rows: list[tuple[str | None, dict, tuple | None]] = []
    for _ in range(n_pensions - 2):
        cells, key = _pension(rng)
        pension_rows.append((None, _spell(rng, cells, "pensions"), key))
    cells, key = _pension(rng, "old_age", age=110)                      # the oldest allowed, the minimum pension
    cells["monthly_amount"] = MIN_PENSION
    pension_rows.append((None, cells, key))
    cells, key = _pension(rng, "orphan", age=0)                         # born and awarded on the valuation date,
    cells.update({"birth_date": dt.date(Y, 12, 31), "award_date": dt.date(Y, 12, 31),  # the maximum pension
                  "monthly_amount": MAX_PENSION})
    pension_rows.append((None, cells, key))
    _inject(rng, pension_rows, _pension, [
        ("missing_value", {"monthly_amount": None}),
        ("missing_value", {"type": ""}),
        ("unreadable_value", {"birth_date": "1950-13-01"}),
        ("unreadable_value", {"monthly_amount": "abc"}),
        ("unreadable_value", {"monthly_amount": "-5"}),
        ("unknown_sex", {"sex": "U"}),
        ("unknown_group", {"group": "army"}),
        ("unknown_type", {"type": "retirement"}),
        ("birth_after_valuation", {"birth_date": dt.date(Y + 1, 1, 1)}),
        ("award_after_valuation", {"award_date": dt.date(Y + 1, 1, 1)}),
        ("award_before_birth", {"birth_date": dt.date(1950, 1, 1), "award_date": dt.date(1940, 1, 1)},
         {"ptype": "old_age"}),
        ("age_out_of_range", {"birth_date": dt.date(Y - 111, 12, 31), "award_date": dt.date(Y - 40, 1, 1)}),
        # kept, counted
        ("incomplete_record", {"award_date": None}),
        ("incomplete_record", {"award_date": "someday"}),
        ("amount_below_minimum", {"monthly_amount": MIN_PENSION - 1}),
        ("amount_above_maximum", {"monthly_amount": MAX_PENSION + 1}),
    ])

    def assemble(rows, register: str, prefix: str, columns: list[str]) -> pd.DataFrame:
        order = rng.permutation(len(rows))
        rows = [rows[i] for i in order]
        blank_at = int(rng.integers(100, len(rows) - 100))     # a wholly empty row: not a record, still numbered
        ids = [f"{prefix}{i:06d}" for i in rng.permutation(len(rows) + 10)[:len(rows)] + 100000]
        cells_out, row = [], 2
        for k, (check, cells, key) in enumerate(rows):
            if k == blank_at:
                cells_out.append(dict.fromkeys(columns))
                row += 1
            cells = dict(cells)
            cells["id"] = ids[k]
            for c in ("birth_date", "entry_date", "award_date"):
                if isinstance(cells.get(c), dt.date):
                    cells[c] = _date_cell(rng, cells[c])
            cells_out.append(cells)
            if check is not None:
                reg.flagged[(register, check)].add(row)
            if check is not None and BLOCKING[(register, check)]:
                reg.excluded[register].add(row)
            elif register == "members":
                reg.insured[key] += 1
            else:
                entry = reg.pensioners.setdefault(key, [0, 0])
                entry[0] += 1
                entry[1] += cells["monthly_amount"]
            row += 1
        df = pd.DataFrame(cells_out, columns=columns)
        # duplicates: a later valid row takes the id of an earlier valid row (both otherwise valid)
        flagged = {r for (g, _c), found in reg.flagged.items() if g == register for r in found}
        valid = [i for i in range(len(df)) if (i + 2) not in flagged and isinstance(df.at[i, "id"], str)]
        for k in range(n_dup):
            first, later = valid[50 + 7 * k], valid[-(30 + 11 * k)]
            df.at[later, "id"] = df.at[first, "id"]
            reg.flagged[(register, "duplicate_id")].add(later + 2)
            reg.excluded[register].add(later + 2)
            _remove_truth(reg, register, rows, later, blank_at)
        return df

    reg.members = assemble(member_rows, "members", "M", MEMBER_COLUMNS)
    reg.pensions = assemble(pension_rows, "pensions", "P", PENSION_COLUMNS)
    return reg


def _remove_truth(reg: Register, register: str, rows, position: int, blank_at: int) -> None:
    """Take a row turned into a duplicate out of the truth (`position` in the frame, blank row included)."""
    k = position - (1 if position > blank_at else 0)
    check, cells, key = rows[k]
    assert check is None
    if register == "members":
        reg.insured[key] -= 1
    else:
        reg.pensioners[key][0] -= 1
        reg.pensioners[key][1] -= cells["monthly_amount"]


# --------------------------------------------------------------------------- writing it as a fund would
def _write(df: pd.DataFrame, path: Path, fmt: str) -> Path:
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "xlsx":
        df.to_excel(path, index=False, sheet_name="register")
    else:
        df = df.copy()
        for c in df.columns:
            values = [v for v in df[c] if not _empty(v)]
            if not all(isinstance(v, int) for v in values) and not all(isinstance(v, dt.date) for v in values):
                df[c] = [None if _empty(v) else (v.isoformat() if isinstance(v, dt.date) else str(v)) for v in df[c]]
            elif values and isinstance(values[0], int):
                df[c] = df[c].astype("Int64")
        df.to_parquet(path, index=False)
    return path


def _empty(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


@pytest.fixture(scope="module")
def register() -> Register:
    return make_register()


@pytest.fixture(scope="module", params=["csv", "xlsx", "parquet"])
def ingested(request, register, tmp_path_factory) -> tuple[str, IngestResult, Path]:
    if request.param == "parquet":
        pytest.importorskip("pyarrow")
    folder = tmp_path_factory.mktemp(f"register_{request.param}")
    members = _write(register.members, folder / f"members.{request.param}", request.param)
    pensions = _write(register.pensions, folder / f"pensions.{request.param}", request.param)
    result = ingest_registers(members, pensions, valuation_year=YEAR, groups=GROUPS, earnings_floor=FLOOR,
                              earnings_ceiling=CEILING, minimum_pension=MIN_PENSION, maximum_pension=MAX_PENSION)
    return request.param, result, folder


# --------------------------------------------------------------------------- the tables equal the truth
def test_the_generator_injects_every_check(register):
    """The synthetic register exercises every check, blocking or not, in both registers."""
    for check in MEMBER_CHECKS:
        assert register.flagged[("members", check.name)], check.name
    for check in PENSION_CHECKS:
        assert register.flagged[("pensions", check.name)], check.name
    assert sum(register.insured.values()) == 5000 + 7 - 2    # valid + kept-with-a-flag - duplicates
    assert sum(v[0] for v in register.pensioners.values()) == 800 + 4 - 2


def test_insured_table_equals_the_known_counts(ingested, register):
    _, result, _ = ingested
    ins = result.insured
    assert list(ins.columns) == ["group", "sex", "status", "age", "service", "persons"]
    got = {tuple(r[:5]): r[5] for r in ins.itertuples(index=False, name=None) if r[5] > 0}
    want = {k: v for k, v in register.insured.items() if v > 0}
    assert got == want
    assert int(ins["persons"].sum()) == sum(want.values()) == 5005
    zero = ins[ins["persons"] == 0]
    assert (zero["service"] == 0).all()          # rows filling age gaps only
    assert set(ins["group"]) == set(GROUPS) and ins["age"].between(10, 100).all() and ins["service"].max() == 60


def test_pensioners_table_equals_the_known_counts_and_means(ingested, register):
    _, result, _ = ingested
    p = result.pensioners
    assert list(p.columns) == ["type", "group", "sex", "age", "persons", "average_pension"]
    got = {tuple(r[:4]): (r[4], r[5]) for r in p.itertuples(index=False, name=None) if r[4] > 0}
    want = {k: (n, total / n) for k, (n, total) in register.pensioners.items() if n > 0}
    assert got == want                           # exact: means of whole amounts
    assert int(p["persons"].sum()) == 802
    assert p["age"].max() == 100 and (p.loc[p["age"] == 100, "persons"].sum()
                                      == sum(v[0] for k, v in register.pensioners.items() if k[3] == 100) > 0)


def test_every_injected_problem_is_reported_with_its_rows(ingested, register):
    _, result, _ = ingested
    for reg_name, checks in (("members", MEMBER_CHECKS), ("pensions", PENSION_CHECKS)):
        for check in checks:
            expected = sorted(register.flagged.get((reg_name, check.name), set()))
            assert result.flagged_rows(reg_name, check.name) == expected, (reg_name, check.name)
            row = result.quality[(result.quality["register"] == reg_name)
                                 & (result.quality["check"] == check.name)].iloc[0]
            assert row["rows"] == len(expected) and bool(row["blocking"]) == check.blocking and row["checked"]
            assert row["example_rows"] == ", ".join(map(str, expected[:5])) + (", ..." if len(expected) > 5 else "")


def test_excluded_rows_are_exactly_the_injected_blocking_ones(ingested, register):
    _, result, _ = ingested
    assert result.excluded_rows("members") == sorted(register.excluded["members"])
    assert result.excluded_rows("pensions") == sorted(register.excluded["pensions"])
    assert len(register.excluded["members"]) == 16 and len(register.excluded["pensions"]) == 14
    assert result.registers["members"] | {"file": None} == {"file": None, "rows": 5021, "kept": 5005,
                                                             "excluded": 16}
    assert result.registers["pensions"] | {"file": None} == {"file": None, "rows": 816, "kept": 802, "excluded": 14}


def _issues(result: IngestResult, register: str, check: str) -> pd.DataFrame:
    i = result.issues
    return i[(i["register"] == register) & (i["check"] == check)]


def test_issue_rows_name_the_file_row_column_and_value(ingested, register):
    _, result, _ = ingested
    (row, value, column, problem), = _issues(result, "members", "unknown_group")[
        ["row", "value", "column", "problem"]].itertuples(index=False, name=None)
    assert row == min(register.flagged[("members", "unknown_group")])
    assert (value, column) == ("army", "group") and "public | private | voluntary" in problem
    bad = _issues(result, "members", "unreadable_value").set_index("value")
    assert set(bad.index) == {"31/02/1980", "unknown", "abc"}
    assert bad.loc["31/02/1980", "problem"] == "is not a date of the calendar"
    assert bad.loc["unknown", "problem"] == "is not a date (YYYY-MM-DD or DD/MM/YYYY)"
    assert bad.loc["abc", "column"] == "months_contributed"
    negative = _issues(result, "pensions", "unreadable_value").set_index("value").loc["-5", "problem"]
    assert negative == "is negative (a number >= 0 is expected)"
    dup = _issues(result, "pensions", "duplicate_id").iloc[0]
    first = register.pensions.index[register.pensions["id"] == dup["id"]][0] + 2
    assert dup["problem"] == f"the id of row {first} (kept)"


def test_tables_written_load_with_load_table(ingested):
    _, result, folder = ingested
    out = folder / "out"
    written = result.write(out)
    assert set(written) == {"insured", "pensioners", "report", "checks", "rows"}
    for name, df in (("insured", result.insured), ("pensioners", result.pensioners)):
        table, problems = load_table(name, out / f"{name}.csv", groups=GROUPS)
        assert problems == [], "\n".join(map(str, problems))
        assert table["persons"].sum() == df["persons"].sum()
    insured, _ = load_table("insured", out / "insured.csv", groups=GROUPS)
    assert insured["service"].dtype == np.int64 and insured["age_end"].isna().sum() == (result.insured["age"] == 100
                                                                                        ).sum()
    pens, _ = load_table("pensioners", out / "pensioners.csv", groups=GROUPS)
    merged = pens.merge(result.pensioners.rename(columns={"age": "age_start"}), on=["type", "group", "sex",
                                                                                      "age_start"])
    assert len(merged) == len(result.pensioners)
    assert (merged["average_pension_x"] == merged["average_pension_y"]).all()   # written without rounding
    manifest = verify_result_folder(out, kind="registers")
    assert {f["path"] for f in manifest["files"]} == {"insured.csv", "pensioners.csv", "data_quality.md",
                                                      "data_quality.csv", "data_quality_rows.csv"}
    checks = pd.read_csv(out / "data_quality.csv")
    assert len(checks) == len(MEMBER_CHECKS) + len(PENSION_CHECKS)
    assert checks["rows"].sum() == result.quality["rows"].sum()
    report = (out / "data_quality.md").read_text(encoding="utf-8")
    assert "| members |" in report and "### unknown_group: 1 row (excluded)" in report
    assert len(pd.read_csv(out / "data_quality_rows.csv")) == len(result.issues)


# --------------------------------------------------------------------------- reading the formats
def test_native_dates_and_numbers_of_excel_and_parquet(tmp_path):
    """Typed columns (date cells, int64, date32, nulls) read as their text form would be."""
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({
        "id": [1, 2, 3], "sex": ["male", "female", "female"],
        "birth_date": [dt.date(1980, 1, 15), dt.date(1990, 6, 30), dt.date(1975, 12, 31)],
        "group": ["private", "public", "private"],
        "entry_date": [dt.date(2005, 3, 1), None, dt.date(2000, 1, 1)],
        "months_contributed": pd.array([120, 30, 287], dtype="Int64"),
        "last_earnings": [2_000_000.0, np.nan, 1_500_000.5], "status": ["active", "inactive", "active"]})
    df.to_parquet(tmp_path / "m.parquet", index=False)
    df.assign(birth_date=pd.to_datetime(df["birth_date"])).to_excel(tmp_path / "m.xlsx", index=False)
    text = df.astype(object).where(df.notna(), "")
    text["months_contributed"] = ["120", "30", "287"]
    text.to_csv(tmp_path / "m.csv", index=False)
    results = [ingest_registers(tmp_path / f"m.{fmt}", valuation_year=2023) for fmt in ("csv", "xlsx", "parquet")]
    for r in results:
        assert r.insured.to_dict("list") == {"group": ["private", "private", "public"],
                                              "sex": ["male", "female", "female"],
                                              "status": ["active", "active", "inactive"], "age": [43, 48, 33],
                                              "service": [10, 23, 2], "persons": [1, 1, 1]}
        assert r.flagged_rows("members", "incomplete_record") == [3]    # no entry date, no earnings: kept
        assert r.issues["id"].tolist() == ["2"]


def test_column_map_codes_and_date_format(tmp_path, register):
    """A fund's own column names, codes and month/day/year dates give the same tables."""
    plain = register.members.iloc[:300].copy()
    mapped = plain.rename(columns={"id": "MEMBER NO", "sex": "Gender", "birth_date": "DOB", "group": "SCHEME",
                                   "months_contributed": "Contrib Months", "status": "STAT"})
    mapped["Gender"] = mapped["Gender"].map(lambda s: {"male": "1", "female": "2"}.get(str(s).lower(), s))
    mapped["STAT"] = mapped["STAT"].map(lambda s: {"active": "A", "inactive": "S"}.get(s, s))
    for c in ("DOB", "entry_date"):     # month/day/year, as the map's date_format says
        mapped[c] = [_as_date(v).strftime("%m/%d/%Y") if _as_date(v) else v for v in mapped[c]]
    mapped = mapped.drop(columns=["last_earnings"])
    (tmp_path / "map.yaml").write_text(
        "id: MEMBER NO\nsex: gender\nbirth_date: DOB\ngroup: scheme\nmembers:\n  months_contributed: contrib months\n"
        "  status: STAT\n  last_earnings: null\nvalues:\n  sex: {'1': male, '2': female}\n"
        "  status: {A: active, S: inactive}\ndate_format: '%m/%d/%Y'\n", encoding="utf-8")
    _write(plain, tmp_path / "plain.csv", "csv")
    _write(mapped, tmp_path / "mapped.csv", "csv")
    a = ingest_registers(tmp_path / "plain.csv", valuation_year=YEAR, groups=GROUPS)
    b = ingest_registers(tmp_path / "mapped.csv", valuation_year=YEAR, groups=GROUPS, column_map=tmp_path / "map.yaml")
    pd.testing.assert_frame_equal(a.insured, b.insured)
    assert a.excluded_rows() == b.excluded_rows()
    q = b.quality.set_index("check")
    assert not q.loc["earnings_below_floor", "checked"] and "no last_earnings column" in q.loc[
        "earnings_below_floor", "description"]


def test_constants_equal_those_of_the_tables():
    assert registers.SEXES == tables.SEXES
    assert registers.STATUSES == tables.STATUSES
    assert registers.PENSION_TYPES == tables.PENSION_TYPES
    assert registers.OPEN_AGE == tables.OPEN_AGE
    assert registers.SERVICE_CAP == tables.OPTIONAL_INT_KEYS["service"][1]


# --------------------------------------------------------------------------- errors: all at once
def test_missing_columns_of_both_files_are_reported_at_once(tmp_path):
    pd.DataFrame({"id": [1], "sex": ["male"], "birth": ["1980-01-01"], "group": ["private"], "entry_date": [""],
                  "months_contributed": [1], "last_earnings": [1], "Status": ["active"]}).to_csv(
        tmp_path / "m.csv", index=False)
    pd.DataFrame({"id": [1], "sex": ["male"], "birth_date": ["1950-01-01"], "group": ["private"],
                  "award_date": [""]}).to_csv(tmp_path / "p.csv", index=False)
    with pytest.raises(RegisterError) as info:
        ingest_registers(tmp_path / "m.csv", tmp_path / "p.csv", valuation_year=YEAR)
    problems = info.value.problems
    assert [(Path(p.file).name, p.line, p.key_path) for p in problems] == [
        ("m.csv", 1, "birth_date"), ("p.csv", 1, "type"), ("p.csv", 1, "monthly_amount")]
    assert "did you mean 'birth'?" in problems[0].message
    assert "required column of the members register is missing: date of birth" in problems[0].message


@pytest.mark.parametrize("content, suffix, expected", [
    (b"not a workbook", ".xlsx", "cannot be read as an Excel workbook"),
    (b"not parquet", ".parquet", "cannot be read as a Parquet file"),
    (b"id,sex\n\xff\xfe,1\n", ".csv", "not UTF-8 text"),
    (b"", ".csv", "the file is empty"),
    (b"id,sex,birth_date\n", ".csv", "no records"),
    (b"x", ".xls", "unknown kind of file '.xls'"),
])
def test_unreadable_files_are_clear_errors(tmp_path, content, suffix, expected):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    path = tmp_path / f"members{suffix}"
    path.write_bytes(content)
    with pytest.raises(RegisterError, match=expected) as info:
        ingest_registers(path, valuation_year=YEAR)
    assert Path(info.value.problems[0].file) == path


def test_bad_options_and_column_map_are_reported_at_once(tmp_path):
    with pytest.raises(RegisterError) as info:
        ingest_registers(tmp_path / "none.csv", valuation_year=1800, groups=["Public"], earnings_floor=5.0,
                         earnings_ceiling=1.0, minimum_pension=-1.0)
    keys = [p.key_path for p in info.value.problems]
    assert keys == ["valuation_year", "groups", "earnings_floor", "minimum_pension"]
    with pytest.raises(RegisterError) as info:
        load_column_map({"birth_dat": "DOB", "members": {"id": None, "statsu": "S"}, "values": {"sex": {"1": "man"}},
                         "date_format": "mm/dd"}, GROUPS)
    messages = [str(p) for p in info.value.problems]
    assert any("birth_dat: unknown key" in m and "did you mean 'birth_date'?" in m for m in messages)
    assert any("members.statsu" in m and "did you mean 'status'?" in m for m in messages)
    assert any("values.sex.1 = 'man' is not a sex" in m for m in messages)
    assert any("date_format = 'mm/dd'" in m for m in messages)
    assert any("members.id = None" in m and "needs the field id" in m for m in messages)


def test_a_register_with_no_row_left_is_an_error(tmp_path):
    pd.DataFrame({"id": [1, 2], "sex": ["male", "female"], "birth_date": ["1980-01-01", "1981-01-01"],
                  "group": ["private", "private"], "entry_date": ["2000-01-01", "2000-01-01"],
                  "months_contributed": [1, 2], "last_earnings": [1, 1], "status": ["retired", "dead"]}).to_csv(
        tmp_path / "m.csv", index=False)
    with pytest.raises(RegisterError, match=r"no row of the members register passes the blocking checks "
                                            r"\(2 rows: unknown_status 2\)"):
        ingest_registers(tmp_path / "m.csv", valuation_year=YEAR)


# --------------------------------------------------------------------------- the command
def test_cli_writes_the_folder_and_it_loads(tmp_path, register, capsys):
    members = _write(register.members, tmp_path / "members.csv", "csv")
    pensions = _write(register.pensions, tmp_path / "pensions.xlsx", "xlsx")
    out = tmp_path / "lao_2023"
    argv = ["ingest", "--members", str(members), "--pensions", str(pensions), "--valuation-year", str(YEAR),
            "--out", str(out), "--groups", ",".join(GROUPS), "--minimum-wage", str(FLOOR), "--ceiling", str(CEILING),
            "--minimum-pension", str(MIN_PENSION), "--maximum-pension", str(MAX_PENSION)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "members (" in printed and "5,021 rows read, 5,005 kept, 16 excluded" in printed
    assert "wrote insured" in printed
    verify_result_folder(out, kind="registers")
    insured, problems = load_table("insured", out / "insured.csv", groups=GROUPS)
    assert problems == [] and insured["persons"].sum() == 5005
    pensioners, problems = load_table("pensioners", out / "pensioners.csv", groups=GROUPS)
    assert problems == [] and pensioners["persons"].sum() == 802
    checks = pd.read_csv(out / "data_quality.csv").set_index(["register", "check"])
    assert checks.loc[("members", "earnings_below_floor"), "rows"] == 1
    assert checks.loc[("pensions", "duplicate_id"), "rows"] == 2
    # run again into the same folder: replaced as a whole
    assert main([*argv, "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    verify_result_folder(out, kind="registers")


def test_cli_errors_exit_1_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["ingest", "--members", str(tmp_path / "none.csv"), "--pensions", str(tmp_path / "none.xlsx"),
                 "--valuation-year", str(YEAR), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ERROR: ") and "none.csv" in err and "none.xlsx" in err
    assert not out.exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    pd.DataFrame({"id": [1], "sex": ["male"], "birth_date": ["1980-01-01"], "group": ["private"],
                  "entry_date": ["2000-01-01"], "months_contributed": [12], "last_earnings": [1],
                  "status": ["active"]}).to_csv(tmp_path / "m.csv", index=False)
    assert main(["ingest", "--members", str(tmp_path / "m.csv"), "--valuation-year", str(YEAR),
                 "--out", str(foreign)]) == 1
    assert "holds files ssproj did not write (notes.txt)" in capsys.readouterr().err
    assert (foreign / "notes.txt").read_text() == "keep me"


# --------------------------------------------------------------------------- into an assumption set
def test_an_assumption_set_with_ingested_tables_loads_and_projects(tmp_path):
    """tiny_scheme's insured and pensioners replaced by ingested ones: the projection starts from them exactly."""
    reg = make_register(seed=7, n_members=1500, n_pensions=300)
    year = 2022                                               # tiny_scheme's valuation_year
    shift = YEAR - year
    for df, cols in ((reg.members, ("birth_date", "entry_date")), (reg.pensions, ("birth_date", "award_date"))):
        for c in cols:   # the register of a year earlier: every date one year back (ages and service unchanged)
            df[c] = [_shift(v, shift) for v in df[c]]
    _write(reg.members, tmp_path / "members.csv", "csv")
    _write(reg.pensions, tmp_path / "pensions.xlsx", "xlsx")
    result = ingest_registers(tmp_path / "members.csv", tmp_path / "pensions.xlsx", valuation_year=year,
                              groups=GROUPS)
    assert result.excluded_rows("members") == sorted(reg.excluded["members"])
    aset = tmp_path / "assumptions" / "tiny_scheme"
    shutil.copytree(TINY_SCHEME, aset)
    result.write(tmp_path / "ingested")
    for name in ("insured", "pensioners"):
        shutil.copy(tmp_path / "ingested" / f"{name}.csv", aset / "scheme" / f"{name}.csv")
    (tmp_path / "scenarios").mkdir()
    scenario = tmp_path / "scenarios" / "s.yaml"
    scenario.write_text("assumptions: tiny_scheme\nprojection: {start_year: 2020, end_year: 2040}\n")
    res = ssproj.project(ssproj.load_scenario(scenario))
    ds = res.dataset
    base = (ds["base_actives"] + ds["base_inactives"])
    by_cell: Counter = Counter()
    for (group, sex, _status, age, _service), n in reg.insured.items():
        by_cell[(group, sex, age)] += n
    for (group, sex, age), n in by_cell.items():
        assert float(base.sel(group=group, sex=sex, age=age)) == n
    assert float(base.sum()) == sum(reg.insured.values())
    pensions = ds["base_pensioners"]
    for (ptype, group, sex, age), (n, _total) in reg.pensioners.items():
        if n:
            assert float(pensions.sel(benefit=ptype, group=group, sex=sex, age=age)) == n
    assert float(pensions.sum()) == sum(v[0] for v in reg.pensioners.values())
    summary = res.summary()
    assert np.isfinite(summary.loc[2040, "pensioners"]) and summary.loc[2040, "pensioners"] > 0


def _as_date(value) -> dt.date | None:
    """A valid date cell as a date (None for anything else)."""
    if isinstance(value, dt.date):
        return value
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(str(value), fmt).date()
        except ValueError:
            continue
    return None


def _shift(value, years: int):
    """A date cell `years` earlier (text in the same style); other cells unchanged."""
    if isinstance(value, dt.date):
        return value.replace(year=value.year - years)
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
            try:
                d = dt.datetime.strptime(value, fmt).date()
            except ValueError:
                continue
            d = d.replace(year=d.year - years)
            return {"%Y-%m-%d": d.isoformat(), "%d/%m/%Y": f"{d.day:02d}/{d.month:02d}/{d.year}",
                    "%d.%m.%Y": f"{d.day}.{d.month}.{d.year}"}[fmt]
    return value

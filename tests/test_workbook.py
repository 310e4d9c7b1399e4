"""The workbooks a ministry opens (issue 14 item 4): read back with openpyxl and from the xlsx zip.

The run, comparison and sensitivity workbooks of small test scenarios:
number formats by unit, units (with the currency) in headers, frozen panes,
the Read me sheet, native charts and the ranges they plot, sheet names that
fit Excel's 31 characters without becoming ambiguous, values equal to the
projection's, and identical bytes for identical inputs.
"""
from __future__ import annotations

import math
import re
import time
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

import ssproj
from ssproj import variables
from ssproj.analysis.sensitivity import default_factors
from ssproj.reporting.assumptions import assumption_table
from ssproj.reporting.excel import (
    CHARTS_SHEET,
    README_SHEET,
    SHEET_NAME_LIMIT,
    Workbook,
    header_text,
    money_scale,
    sheet_name,
    unit_style,
    unit_text,
)
from ssproj.scenario.parameters import CONFIDENCE_LEVELS

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "tests" / "data" / "scenarios"
#: A name longer than Excel allows for a sheet, as a user may give a scenario.
LONG = "raise_the_contribution_rate_of_enterprise_employees_in_2027"


@pytest.fixture(scope="module")
def base():
    return ssproj.project(ssproj.load_scenario(SCENARIOS / "scheme_base.yaml"))


@pytest.fixture(scope="module")
def child():
    return ssproj.project(ssproj.load_scenario(SCENARIOS / "scheme_child.yaml"))


@pytest.fixture(scope="module")
def run_book(base, tmp_path_factory):
    path = base.to_excel(tmp_path_factory.mktemp("run") / "results.xlsx")
    return path, openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def cmp(base, child):
    return ssproj.compare({"scheme_base": base, LONG: child})


@pytest.fixture(scope="module")
def cmp_book(cmp, tmp_path_factory):
    path = cmp.to_excel(tmp_path_factory.mktemp("cmp") / "comparison.xlsx")
    return path, openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def sens():
    sc = ssproj.load_scenario(SCENARIOS / "scheme_base.yaml")
    return ssproj.sensitivity(sc, factors=default_factors(sc)[:2], metrics=("depletion_year", "gap_75"))


@pytest.fixture(scope="module")
def sens_book(sens, tmp_path_factory):
    path = sens.to_excel(tmp_path_factory.mktemp("sens") / "sensitivity.xlsx")
    return path, openpyxl.load_workbook(path)


def _headers(ws) -> dict:
    """Header text -> column number (1-based) of the first row."""
    return {ws.cell(1, j).value: j for j in range(1, ws.max_column + 1)}


def _column(ws, name: str) -> int:
    """Column number of the header that starts with ``name [``."""
    hits = [j for h, j in _headers(ws).items() if isinstance(h, str) and (h == name or h.startswith(name + " ["))]
    assert len(hits) == 1, (name, list(_headers(ws)))
    return hits[0]


def _row_of(ws, label_start: str) -> int:
    hits = [i for i in range(1, ws.max_row + 1) if str(ws.cell(i, 1).value or "").startswith(label_start)]
    assert hits, label_start
    return hits[0]


def _charts(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        names = sorted((n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)),
                       key=lambda n: int(re.findall(r"\d+", n)[0]))
        return [z.read(n).decode("utf-8") for n in names]


def _refs(chart_xml: str) -> list[str]:
    return re.findall(r"<c:f>([^<]*)</c:f>", chart_xml)


def _sheet_xml(path, book, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{book.sheetnames.index(name) + 1}.xml").decode("utf-8")


def _readme_text(book) -> list[list]:
    return [[v for v in row if v is not None] for row in book[README_SHEET].iter_rows(values_only=True)]


def _money_scale_of(projection) -> float:
    s = projection.summary()
    return money_scale(s["contribution_income"].dropna().tolist() + s["total_outgo"].dropna().tolist())


# ------------------------------------------------------------------------------ units and formats

@pytest.mark.parametrize(("unit", "num_format"), [
    ("currency/year", "#,##0"), ("currency at 31 December", "#,##0"), ("currency/month", "#,##0"),
    ("currency/person-year", "#,##0"), ("currency/USD", "#,##0.00"),
    ("persons at 1 July", "#,##0"), ("contributor-years", "#,##0"), ("persons/year", "#,##0"),
    ("calendar year", "0"), ("years at birth", "0.00"), ("years of outgo", "0.00"),
    ("share of insured earnings", "0.00%"), ("1/year", "0.00%"), ("relative to the reference", "0.00%"),
    ("pensioners per contributor", "0.000"), ("persons 65+ per person 15-64", "0.000"), ("1", "0.0000"),
    ("", "General"),
])
def test_number_format_by_unit(unit, num_format):
    assert unit_style(unit).num_format == num_format


def test_money_is_shown_in_millions_or_billions_and_the_header_says_so():
    assert money_scale([2e12, 3e12, np.nan, 0.0]) == 1e9
    assert money_scale([5e8]) == 1e6 and money_scale([5e5]) == 1.0 and money_scale([]) == 1.0
    assert unit_style("currency/year").format_at(1e9) == "#,##0.0,,,"  # three separators: billions
    assert unit_style("currency/year").format_at(1e6) == "#,##0.0,,"
    assert unit_style("currency/month").format_at(1e9) == "#,##0"  # a wage is never scaled
    assert unit_text("currency/year", "LAK", 1e9) == "LAK/year, nominal; shown in billions"
    assert unit_text("currency at 31 December", "LAK") == "LAK at 31 December, nominal"
    assert unit_text("currency/USD", "LAK") == "LAK per USD"
    assert header_text("reserve_end [currency at 31 December]", "currency at 31 December", "LAK", 1e6) == \
        "reserve_end [LAK at 31 December, nominal; shown in millions]"


def test_every_unit_of_the_registry_has_a_format_and_no_bare_currency():
    for v in variables.registry().variables:
        style = unit_style(v.label)
        assert style.kind != "general", v.name
        assert not re.search(r"\bcurrency\b", unit_text(v.label, "LAK", 1e9)), v.label


# ---------------------------------------------------------------------------------- sheet names

def test_sheet_names_fit_excel_and_are_cut_at_a_word_boundary():
    used: set[str] = set()
    assert sheet_name("summary", used) == "summary"
    assert sheet_name("Summary", used) == "Summary (2)"  # Excel compares names case-insensitively
    cut = sheet_name("lao_fin_indexation_prices_minus1", used)
    assert cut == "lao_fin_indexation_prices" and len(cut) <= SHEET_NAME_LIMIT
    again = sheet_name("lao_fin_indexation_prices_minus2", used)
    assert again == "lao_fin_indexation_prices (2)"
    assert sheet_name("a/b:c", used) == "a_b_c"
    assert sheet_name("x" * 40, used) == "x" * (SHEET_NAME_LIMIT - 4)  # no boundary: cut where a number fits


# ------------------------------------------------------------------------------------ the run workbook

def test_run_workbook_sheets_in_order(run_book, base):
    _, book = run_book
    assert book.sheetnames == ["assumed inputs", README_SHEET, CHARTS_SHEET, *base.tables(), "provenance"]


def test_run_workbook_formats_headers_and_frozen_panes(run_book, base):
    _, book = run_book
    ws = book["summary"]
    scale = _money_scale_of(base)
    assert scale == 1e6  # Tinyland's amounts are in the hundreds of millions
    units = base.summary().attrs["units"]
    for col in ("contribution_income", "reserve_end", "payg_cost_rate", "contributors", "total_population",
                "reserve_ratio", "system_dependency_ratio"):
        assert ws.cell(1, _column(ws, col)).value == f"{col} [{unit_text(units[col], 'TNY', scale)}]"
    row = _row_of(ws, "2030")
    assert ws.cell(row, _column(ws, "contribution_income")).number_format == "#,##0.0,,"
    assert ws.cell(row, _column(ws, "reserve_end")).number_format == "#,##0.0,,"
    assert ws.cell(row, _column(ws, "payg_cost_rate")).number_format == "0.00%"
    assert ws.cell(row, _column(ws, "contributors")).number_format == "#,##0"
    assert ws.cell(row, _column(ws, "reserve_ratio")).number_format == "0.00"
    assert ws.cell(row, 1).value == 2030 and ws.cell(row, 1).number_format == "0"
    assert ws["B1"].font.b and ws["B1"].alignment.wrap_text
    for name in base.tables():
        sheet = book[name]
        assert sheet.freeze_panes == "B2", name  # the header row and the year column stay in view
        assert sheet.auto_filter.ref == f"A1:{get_column_letter(sheet.max_column)}{sheet.max_row}", name
        widths = [sheet.column_dimensions[get_column_letter(j)].width for j in range(2, sheet.max_column + 1)]
        assert all(10 <= w <= 35 for w in widths), name  # (openpyxl adds xlsxwriter's 0.71 of padding)
    fin = book["finance"]
    assert fin.cell(1, 2).value == "long_term: contributions [TNY/year, nominal; shown in millions]"
    assert book["contributions"].cell(3, 2).number_format == "#,##0.0,,"


def test_no_header_says_a_bare_currency(run_book, cmp_book, sens_book):
    for _, book in (run_book, cmp_book, sens_book):
        for ws in book.worksheets:
            if ws.title in (README_SHEET, "assumed inputs", "provenance", CHARTS_SHEET, "factors"):
                continue
            cells = [ws.cell(1, j).value for j in range(1, ws.max_column + 1)]
            cells += [ws.cell(i, 1).value for i in range(1, ws.max_row + 1)]
            assert not any(re.search(r"\[[^\]]*\bcurrency\b", str(c)) for c in cells if c is not None), ws.title


def test_run_workbook_values_are_the_projections(run_book, base):
    """Formats change what is shown, not what is stored: every cell holds the full number."""
    _, book = run_book
    for name, frame in base.tables(units_in_headers=False).items():
        ws = book[name]
        got = np.array([list(row) for row in ws.iter_rows(min_row=2, min_col=2, values_only=True)],
                       dtype=object)
        assert got.shape == frame.shape, name
        assert [r[0] for r in ws.iter_rows(min_row=2, max_col=1, values_only=True)] == list(frame.index)
        want = frame.to_numpy(dtype=float)
        for (i, j), w in np.ndenumerate(want):
            g = got[i, j]
            if math.isnan(w):
                assert g is None, (name, i, j)
            else:
                # xlsxwriter writes 16 significant digits
                assert g == pytest.approx(w, rel=1e-15, abs=0.0), (name, i, j)


def test_run_workbook_read_me(run_book, base):
    _, book = run_book
    rows = _readme_text(book)
    facts = {r[0]: r[1] for r in rows if len(r) == 2}
    ds = base.dataset
    assert facts["Scenario"] == "scheme_base" and facts["Description"] == base.scenario.description
    assert facts["ssproj version"] == ds.attrs["ssproj_version"] == ssproj.__version__
    assert facts["Seed"] == str(ds.attrs["seed"]) and facts["Currency"] == "TNY"
    # what each sheet holds
    for name in book.sheetnames:
        assert facts.get(name), name
    # every input, with its value, source and confidence
    head = ["input", "value", "unit", "confidence", "origin", "source", "notes"]
    start = rows.index(head)
    listed = rows[start + 1:]
    table = assumption_table(base.scenario)
    assert len(listed) == len(table)
    assert {r[3] for r in listed} <= {*CONFIDENCE_LEVELS, "unmarked"}
    by_input = {r[0]: r for r in listed}
    assert by_input["fertility_multiplier"][3] == "assumed"
    assert book[README_SHEET].auto_filter.ref is not None  # filter the inputs by confidence


def test_run_workbook_charts_plot_the_summary(run_book, base):
    path, book = run_book
    charts = _charts(path)
    assert len(charts) == 4
    assert "<c:drawing" in _sheet_xml(path, book, CHARTS_SHEET) or "<drawing" in _sheet_xml(path, book, CHARTS_SHEET)
    ws = book["summary"]
    s = base.summary()
    first = 2 + int(np.flatnonzero(s["total_outgo"].notna().to_numpy())[0])  # the first scheme year's row
    last = 1 + len(s)

    def ref(col):
        letter = get_column_letter(_column(ws, col))
        return f"summary!${letter}${first}:${letter}${last}"

    years = f"summary!$A${first}:$A${last}"
    assert _refs(charts[0]) == [years, ref("reserve_end")]
    assert _refs(charts[1]) == [years, ref("contribution_income"), years, ref("total_income"), years,
                                ref("total_outgo")]
    assert _refs(charts[2]) == [years, ref("payg_cost_rate"), years, ref("average_contribution_rate")]
    assert _refs(charts[3])[1::2] == [ref("contributors"), ref("insured"), ref("pensioners")]
    assert "Reserve of the long_term fund" in charts[0] and "million TNY at 31 December, nominal" in charts[0]
    assert 'formatCode="0%"' in charts[2]


def test_identical_inputs_identical_bytes(base, cmp, sens, tmp_path):
    writers = {"run": base.to_excel, "comparison": cmp.to_excel, "sensitivity": sens.to_excel}
    first = {k: w(tmp_path / f"{k}1.xlsx").read_bytes() for k, w in writers.items()}
    time.sleep(1.1)  # a clock in the file would now differ
    for k, w in writers.items():
        assert w(tmp_path / f"{k}2.xlsx").read_bytes() == first[k], k


def test_a_result_read_back_from_its_file_says_where_the_inputs_are(base, tmp_path):
    back = ssproj.Projection.from_netcdf(base.to_netcdf(tmp_path / "r.nc"))
    book = openpyxl.load_workbook(back.to_excel(tmp_path / "r.xlsx"))
    text = " ".join(str(v) for row in _readme_text(book) for v in row)
    assert "ssproj assumptions SCENARIO" in text and "Tinyland scheme" in text


# ------------------------------------------------------------------------------ the comparison workbook

def test_comparison_sheet_names_are_unique_and_shortened_names_are_listed(cmp_book):
    _, book = cmp_book
    names = book.sheetnames
    # the ranked summary first among the tables (issue 14); no strategy in these scenarios: no strategies sheet
    assert names[:8] == ["assumed inputs", README_SHEET, CHARTS_SHEET, "summary", "comparison", "differences",
                         "relative_differences", "decomposition"] or names[:7] == [
        README_SHEET, CHARTS_SHEET, "summary", "comparison", "differences", "relative_differences", "decomposition"]
    assert len({n.lower() for n in names}) == len(names) and all(len(n) <= SHEET_NAME_LIMIT for n in names)
    assert "scheme_base" in names
    short = next(n for n in names if LONG.startswith(n))
    assert short == "raise_the_contribution_rate"  # cut at a word boundary, not in the middle of a word
    rows = _readme_text(book)
    mapped = rows.index(["sheet", "full name"])
    assert [short, LONG] in rows[mapped + 1:]


def test_comparison_formats_follow_each_rows_unit(cmp_book, cmp):
    _, book = cmp_book
    ws = book["comparison"]
    assert ws.freeze_panes == "B2"
    t = cmp.table()
    for label, unit in t.attrs["units"].items():
        i = list(t.index).index(label) + 2
        shown = ws.cell(i, 1).value
        assert shown == header_text(label, unit, "TNY", _money_scale_of(cmp.projections["scheme_base"]))
        for j, name in enumerate(t.columns, start=2):
            v = t.loc[label, name]
            cell = ws.cell(i, j)
            if math.isnan(v):
                assert cell.value is None
            else:
                assert cell.value == pytest.approx(v, rel=1e-15, abs=0.0)
                assert cell.number_format == unit_style(unit).format_at(1e6), label
    assert ws.cell(_row_of(ws, "payg_cost_rate 2030"), 2).number_format == "0.00%"
    assert ws.cell(_row_of(ws, "contribution_income 2030"), 2).number_format == "#,##0.0,,"
    assert ws.cell(_row_of(ws, "contributors 2030"), 2).number_format == "#,##0"
    rel = book["relative_differences"]
    assert rel.cell(_row_of(rel, "contribution_income 2030"), 1).value == \
        "contribution_income 2030 [relative to the reference]"
    assert rel.cell(_row_of(rel, "contribution_income 2030"), 2).number_format == "0.00%"
    dec = book["decomposition"]
    assert dec.freeze_panes == "C2" and dec.cell(1, 3).value == "payg_cost_rate_reference [share of insured earnings]"
    assert dec.cell(2, 3).number_format == "0.00%"


def test_comparison_charts_draw_a_line_per_scenario(cmp_book):
    path, book = cmp_book
    charts = _charts(path)
    assert len(charts) == 5
    short = next(n for n in book.sheetnames if LONG.startswith(n))
    refs = _refs(charts[0])
    assert len(refs) == 4 and refs[1].startswith("scheme_base!$") and refs[3].startswith(f"{short}!$")
    ws = book["scheme_base"]
    letter = get_column_letter(_column(ws, "reserve_end"))
    assert refs[1].startswith(f"scheme_base!${letter}$")


def test_comparison_read_me_lists_scenarios_and_inputs(cmp_book, cmp):
    _, book = cmp_book
    rows = _readme_text(book)
    facts = {r[0]: r[1] for r in rows if len(r) == 2}
    assert facts["Reference scenario"] == "scheme_base"
    assert "ssproj " + ssproj.__version__ in facts[f"Scenario {LONG}"]
    head = rows.index(["scenario", "input", "value", "unit", "confidence", "origin", "source", "notes"])
    listed = rows[head + 1:]
    assert {r[0] for r in listed} >= {"scheme_base"}
    # the child scenario changes the employer rate: listed as its own input
    assert any(r[0] == LONG and r[5] == "scenario" for r in listed)


# ----------------------------------------------------------------------------- the sensitivity workbook

def test_sensitivity_workbook(sens_book, sens):
    path, book = sens_book
    assert book.sheetnames == [README_SHEET, CHARTS_SHEET, "sensitivity", "factors"]
    ws = book["sensitivity"]
    assert ws.freeze_panes == "C2"
    central = _column(ws, "central")
    row = _row_of(ws, sens.factors[0]["name"])
    gap = next(i for i in range(row, ws.max_row + 1) if str(ws.cell(i, 2).value).startswith("gap_75"))
    assert ws.cell(gap, 2).value == "gap_75 [share of insured earnings]"
    assert ws.cell(gap, central).number_format == "0.00%"
    assert ws.cell(gap, central).value == pytest.approx(sens.central["gap_75"], rel=1e-15)
    facts = {r[0]: r[1] for r in _readme_text(book) if len(r) == 2}
    assert facts["Scenario"] == "scheme_base" and facts["ssproj version"] == ssproj.__version__
    charts = _charts(path)
    assert len(charts) == 2  # a tornado per metric
    n = len(sens.factors)
    assert _refs(charts[1]) == [f"Charts!$A${24}:$A${23 + n}", f"Charts!$B${24}:$B${23 + n}",
                                f"Charts!$A${24}:$A${23 + n}", f"Charts!$C${24}:$C${23 + n}"]


# ------------------------------------------------------------------------- any table, one call

def test_any_table_with_units_in_attrs_is_one_call(tmp_path):
    """How a later table (e.g. a strategy table with ``attrs["units"]``) joins a workbook."""
    frame = pd.DataFrame({"recruits": [1200.4, 3400.6], "cost_to_state": [2.5e11, 4.75e11],
                          "net_pv_per_recruit": [1.5e6, -2.0e5], "persistence": [0.75, 0.5]},
                         index=pd.Index(["mobile_days", "promoters"], name="channel"))
    frame.attrs["units"] = {"recruits": "persons", "cost_to_state": "currency", "net_pv_per_recruit":
                            "currency/person-year", "persistence": "share of recruits"}
    with Workbook(tmp_path / "t.xlsx", currency="LAK", scale=1e9) as book:
        book.reserve_readme()
        place = book.add_table("strategies", frame, holds="Strategy table")
        book.readme(title="t")
    assert place.column("cost_to_state") == ["strategies", 1, 2, 2, 2]
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["strategies"]
    assert [ws.cell(1, j).value for j in range(1, 6)] == [
        "channel", "recruits [persons]", "cost_to_state [LAK, nominal; shown in billions]",
        "net_pv_per_recruit [LAK/person-year, nominal]", "persistence [share of recruits]"]
    assert [ws.cell(2, j).number_format for j in range(2, 6)] == ["#,##0", "#,##0.0,,,", "#,##0", "0.00%"]
    assert ws.cell(2, 3).value == 2.5e11 and ws.freeze_panes == "B2"


@pytest.fixture(scope="module")
def lao_strategies_book(tmp_path_factory):
    files = ["lao_baseline", "lao_cov_promoters", "lao_cov_mobile_days"]
    cmp = ssproj.compare([ssproj.project(ssproj.load_scenario(ROOT / "scenarios" / f"{f}.yaml")) for f in files])
    path = cmp.to_excel(tmp_path_factory.mktemp("lao_cmp") / "comparison.xlsx")
    return cmp, openpyxl.load_workbook(path)


def _sheet_frame(ws) -> tuple[list, dict]:
    """Header row and {row label: [values]} of a table sheet."""
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), {r[0]: list(r[1:]) for r in rows[1:]}


@pytest.mark.parametrize("sheet, table", [("summary", "summary_table"), ("strategies", "strategy_table")])
def test_summary_and_strategy_sheets_hold_the_comparisons_tables(lao_strategies_book, sheet, table):
    # issue 14 item 3: the strategy table (and the ranked summary) in the workbook too, values as computed
    cmp, book = lao_strategies_book
    frame = getattr(cmp, table)()
    ws = book[sheet]
    header, rows = _sheet_frame(ws)
    assert [h.split(" [")[0] for h in header[1:]] == list(frame.columns)
    assert set(rows) == set(frame.index)
    for name in frame.index:
        for col, got in zip(frame.columns, rows[name], strict=True):
            want = frame.loc[name, col]
            if isinstance(want, str):
                assert (got or "") == want
            elif pd.isna(want):
                assert got is None
            else:
                assert got == pytest.approx(float(want), rel=1e-15, abs=0)
    assert ws.freeze_panes == "B2"


def test_money_per_person_is_not_scaled_and_present_values_are_not_called_nominal(lao_strategies_book):
    _, book = lao_strategies_book
    header, _ = _sheet_frame(book["strategies"])
    col = {h.split(" [")[0]: (i + 1, h) for i, h in enumerate(header)}
    i, text = col["net_pv_per_recruit"]
    assert text == "net_pv_per_recruit [LAK at 1 January 2024 per person recruited]"
    assert book["strategies"].cell(3, i).number_format == "#,##0"  # whole LAK, not billions
    i, text = col["pv_cost_fund"]
    assert text == "pv_cost_fund [LAK at 1 January 2024; shown in billions]"
    assert book["strategies"].cell(3, i).number_format == "#,##0.0,,,"
    header, _ = _sheet_frame(book["summary"])
    ranks = [j + 1 for j, h in enumerate(header) if h.endswith("[rank (1 = best)]")]
    assert ranks and all(book["summary"].cell(3, j).number_format == "0" for j in ranks)

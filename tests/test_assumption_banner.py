"""The banner of the assumed inputs a result rests on, in every output (issue 13, item 5).

``ssproj run`` prints it (tests/test_assumption_ranges.py); here: the
projection's record of its assumed inputs, ``summary()`` and its display, the
workbook, the HTML report, the netCDF file and ``ssproj report``, the
comparison and its files, and a scenario with no input marked assumed, where
every output is without a banner.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import ssproj
import ssproj.analysis.assumptions as assumptions_module
from ssproj.analysis.assumptions import assumption_banner
from ssproj.cli import main
from ssproj.reporting.assumptions import assumption_table
from ssproj.reporting.banner import BANNER_SHEET, SummaryFrame, assumed_inputs_line, short_banner
from ssproj.reporting.text import wrap_lines

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
LAO = SCENARIOS / "lao_baseline.yaml"
TINY = ROOT / "tests" / "data" / "scenarios"
SCHEME = ROOT / "tests" / "data" / "assumptions" / "tiny_scheme"

#: What the measured Lao banner names first (the assumed inputs that move its GAP 75 most).
LAO_DRIVER = "  - minimum_pension_ratio 0.5 to 1 (assumed): gap_75 32.4% to 38.5% (central 38.5%)"


@pytest.fixture(scope="module")
def lao_scenario():
    return ssproj.load_scenario(LAO)


@pytest.fixture(scope="module")
def lao(lao_scenario):
    """The Lao baseline as projected: its drivers not measured."""
    return ssproj.project(lao_scenario)


@pytest.fixture(scope="module")
def lao_measured(lao_scenario):
    """The Lao baseline with its banner measured by ssproj.rests_on."""
    res = ssproj.project(lao_scenario)
    ssproj.rests_on(res)
    return res


@pytest.fixture(scope="module")
def lao_counts(lao_scenario):
    table = assumption_table(lao_scenario)
    given = table[table["origin"] != "defaults"]
    return int((given["confidence"] == "assumed").sum()), len(given)


@pytest.fixture(scope="module")
def verified(tmp_path_factory):
    """A projection of the tiny scheme with every input of its set marked verified: nothing assumed."""
    root = tmp_path_factory.mktemp("verified")
    shutil.copytree(SCHEME, root / "assumptions" / "tiny_scheme")
    yaml = root / "assumptions" / "tiny_scheme" / "assumptions.yaml"
    text = yaml.read_text()
    assert "confidence: assumed" in text
    yaml.write_text(text.replace("confidence: assumed", "confidence: verified"))
    s = root / "verified.yaml"
    s.write_text("assumptions: assumptions/tiny_scheme\nprojection: {start_year: 2020, end_year: 2040}\n")
    return ssproj.project(ssproj.load_scenario(s))


def _sheet_lines(path, sheet=0):
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[sheet]
    return book.sheetnames, [ws.cell(row=i + 1, column=1).value for i in range(ws.max_row)], ws


def _html_banner(text):
    """The lines of the banner of an HTML report, checking that it comes first: in the headline section that opens a
    projection's report (after its box, reading and small tables) and in the summary that opens a comparison's
    report (after its reading and ranked table), issue 14."""
    header = re.search(r"<header>(.*?)</header>", text, flags=re.S)
    assert header, "no header"
    first = "summary" if 'data-report="comparison"' in text else "headline"
    opening = re.search(rf'</header>\s*<section id="{first}">(.*?)</section>', text, flags=re.S)
    if opening is None:
        assert 'class="banner' not in text  # a report without a scheme has no headline section
        return []
    block = re.search(r'</table>.*?<div class="banner compact" role="note">(.*?)</div>', opening.group(1),
                      flags=re.S)
    if block is None:
        assert 'class="banner"' not in text
        return []
    return [line.replace("&#39;", "'") for line in re.findall(r"<p>(.*?)</p>", block.group(1), flags=re.S)]


# ------------------------------------------------------------------ the projection

def test_the_projection_records_its_assumed_inputs(lao, lao_counts):
    n_assumed, n_given = lao_counts
    assert len(lao.assumed_inputs) == n_assumed == 115 and int(lao.dataset.attrs["inputs_given"]) == n_given == 185
    for label in ("minimum_pension_ratio[public]", "indexation_price_weight", "opening_reserve[long_term]",
                  "table pensioners"):
        assert label in lao.assumed_inputs
    assert json.loads(lao.dataset.attrs["assumed_inputs"]) == lao.assumed_inputs
    assert "assumption_banner" not in lao.dataset.attrs  # measuring the drivers is not part of project()


def test_until_measured_the_banner_counts_the_assumed_inputs_and_says_where_to_see_the_drivers(lao, lao_counts):
    banner = lao.assumption_banner
    lines = banner.splitlines()
    assert banner == short_banner(*lao_counts)
    assert lines[0] == assumed_inputs_line(*lao_counts)
    assert lines[0].startswith("ASSUMED INPUTS: 115 of the 185 inputs of this scenario are assumed")
    assert "ssproj.rests_on(result) names them" in lines[1]
    # its first line is that of the measured banner of ssproj run
    assert "rests on 115 inputs marked assumed" in repr(lao)


def test_summary_shows_the_banner_first_and_is_otherwise_a_dataframe(lao):
    s = lao.summary()
    assert isinstance(s, SummaryFrame) and isinstance(s, pd.DataFrame)
    assert s.attrs["assumption_banner"] == lao.assumption_banner and s.attrs["units"]
    plain = pd.DataFrame(s)
    assert repr(s).startswith(lao.assumption_banner + "\n\n")
    assert repr(s).endswith(repr(plain))
    assert str(s) == repr(s)  # print()
    html = s._repr_html_()
    assert html.startswith('<div class="ssproj-banner" role="note"')
    assert "ASSUMED INPUTS: 115 of the 185 inputs" in html and html.endswith(plain._repr_html_())
    # a selection still says what it rests on; the numbers are those of the plain DataFrame
    part = s.loc[[2030, 2050], ["payg_cost_rate"]].round(3)
    assert isinstance(part, SummaryFrame) and repr(part).startswith(lao.assumption_banner + "\n\n")
    assert repr(pd.DataFrame(part)) == repr(plain.loc[[2030, 2050], ["payg_cost_rate"]].round(3))
    assert type(s["payg_cost_rate"]) is pd.Series
    pd.testing.assert_frame_equal(s, plain)
    pd.testing.assert_frame_equal(plain, lao.summary(fund=None), check_frame_type=False)
    assert s.equals(plain) and isinstance(s.copy(), SummaryFrame)


def test_rests_on_measures_once_and_keeps_the_banner_with_the_result(lao_measured, lao_scenario, monkeypatch):
    banner = lao_measured.assumption_banner
    assert banner == assumption_banner(lao_scenario)  # the banner of ssproj run
    lines = banner.splitlines()
    assert lines[0].startswith("ASSUMED INPUTS: 115 of the 185 inputs")
    assert lines[2] == LAO_DRIVER
    assert [line.split(" ")[3] for line in lines[2:]] == ["minimum_pension_ratio", "indexation_price_weight",
                                                          "earnings_level"]
    attrs = lao_measured.dataset.attrs
    assert attrs["assumption_banner"] == banner and attrs["assumption_banner_metric"] == "gap_75"
    assert attrs["assumption_banner_top"] == 3
    assert lao_measured.summary().attrs["assumption_banner"] == banner
    assert LAO_DRIVER in repr(lao_measured.summary())
    # a second call projects nothing
    monkeypatch.setattr(assumptions_module, "assumption_banner",
                        lambda *a, **k: pytest.fail("the banner was measured again"))
    assert ssproj.rests_on(lao_measured) == banner


def test_rests_on_another_metric_measures_it(lao_scenario):
    res = ssproj.project(lao_scenario)
    text = ssproj.rests_on(res, metric="gap_75", top=1)
    assert text.splitlines()[2:] == [LAO_DRIVER]
    assert res.dataset.attrs["assumption_banner_top"] == 1


# --------------------------------------------------------------- workbook and HTML

def test_the_workbook_starts_with_the_banner_and_is_reproducible(lao_measured, lao, tmp_path):
    a = lao_measured.to_excel(tmp_path / "a.xlsx")
    b = lao_measured.to_excel(tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()  # identical results, identical bytes
    names, lines, ws = _sheet_lines(a)
    # the banner stays first; the Read me and the charts follow it (issue 14), then the tables
    assert names == [BANNER_SHEET, "Read me", "Charts", *lao_measured.tables(), "provenance"]
    assert lines == lao_measured.assumption_banner.splitlines()
    assert LAO_DRIVER in lines and ws["A1"].font.b
    # not measured: the short banner
    _, lines, _ = _sheet_lines(lao.to_excel(tmp_path / "c.xlsx"))
    assert lines == lao.assumption_banner.splitlines() and "ssproj.rests_on(result)" in lines[1]
    # the tables after it are unchanged
    back = pd.read_excel(a, sheet_name="summary", index_col=0)
    assert list(back.index) == list(lao_measured.years)


def test_the_html_report_shows_the_banner_in_the_headline_section(lao_measured, tmp_path):
    text = lao_measured.to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert _html_banner(text) == lao_measured.assumption_banner.splitlines()
    assert LAO_DRIVER.strip() in _html_banner(text)[2]


# ------------------------------------------------------------- saved results: ssproj report

def test_report_shows_the_banner_saved_with_the_result_without_measuring_again(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert main(["run", str(LAO), "--out", str(out), "--quiet"]) == 0
    saved = ssproj.Projection.from_netcdf(out / "results.nc")
    banner = saved.assumption_banner
    assert banner.splitlines()[2] == LAO_DRIVER and saved.scenario is None
    assert saved.dataset.attrs["assumption_banner_metric"] == "gap_75"
    names, lines, _ = _sheet_lines(out / "results.xlsx")
    assert names[0] == BANNER_SHEET and lines == banner.splitlines()
    monkeypatch.setattr(assumptions_module, "assumption_drivers",
                        lambda *a, **k: pytest.fail("ssproj report measured the drivers again"))
    assert ssproj.rests_on(saved) == banner
    capsys.readouterr()
    assert main(["report", str(out), "--excel", str(tmp_path / "again.xlsx"),
                 "--html", str(tmp_path / "again.html")]) == 0
    printed = capsys.readouterr().out
    # the command line wraps the banner at its width (issue 14); the files keep its lines
    assert wrap_lines(banner) in printed and printed.index("ASSUMED INPUTS:") < printed.index("At milestone years")
    assert _sheet_lines(tmp_path / "again.xlsx")[1] == banner.splitlines()
    assert _html_banner((tmp_path / "again.html").read_text(encoding="utf-8")) == banner.splitlines()
    # a result read back without a banner for another metric cannot be measured without its scenario
    with pytest.raises(ValueError, match="project the scenario again"):
        ssproj.rests_on(saved, metric="depletion_year")


# ---------------------------------------------------------------------- the comparison

@pytest.fixture(scope="module")
def mobile_days():
    return ssproj.project(ssproj.load_scenario(SCENARIOS / "lao_cov_mobile_days.yaml"))


def test_the_comparison_carries_the_reference_banner_and_what_the_others_add(lao_measured, mobile_days, tmp_path):
    cmp = ssproj.compare([lao_measured, mobile_days], milestones=(2030, 2050))
    lines = cmp.assumption_banner.splitlines()
    assert lines[0] == "Reference scenario 'lao_baseline':"
    assert lines[1:-1] == lao_measured.assumption_banner.splitlines()
    assert lines[-1].startswith("Scenario 'lao_cov_mobile_days' adds 7 inputs marked assumed that the reference "
                                "does not: channel mobile_days.villages_per_year, ")
    written = cmp.write(tmp_path / "cmp")
    assert written["assumed_inputs"].read_text(encoding="utf-8") == cmp.assumption_banner + "\n"
    names, sheet, _ = _sheet_lines(written["excel"])
    assert names[0] == BANNER_SHEET and sheet == lines
    assert names[1:6] == ["Read me", "Charts", "summary", "strategies", "comparison"]
    html = cmp.to_html(tmp_path / "cmp.html").read_text(encoding="utf-8")
    assert _html_banner(html) == lines
    # the other way round: the baseline adds no assumed input to the strategy
    back = ssproj.compare([lao_measured, mobile_days], reference=1, milestones=(2030,))
    assert back.assumption_banner == ("Reference scenario 'lao_cov_mobile_days':\n"
                                      + mobile_days.assumption_banner)


def test_cli_compare_prints_and_writes_the_banner_of_the_reference(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(TINY / "scheme_base.yaml"), str(TINY / "scheme_child.yaml"), "--out", str(out),
                 "--milestones", "2030"]) == 0
    printed = capsys.readouterr().out
    text = (out / "assumed_inputs.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "Reference scenario 'scheme_base':"
    assert lines[1].startswith("ASSUMED INPUTS: 12 of the 36 inputs")
    # measured (the tiny set declares no plausible range), not the short banner
    assert lines[2] == ("No assumed input declares a plausible range: how far gap_75 depends on them is not "
                        "measured.")
    assert wrap_lines(text.rstrip("\n")) in printed
    assert printed.index("ASSUMED INPUTS:") < printed.index("total_population")
    assert _sheet_lines(out / "comparison.xlsx")[1] == lines
    assert _html_banner((out / "report.html").read_text(encoding="utf-8")) == lines


# ------------------------------------------------------------ no input marked assumed

def test_without_assumed_inputs_no_output_has_a_banner(verified, tmp_path):
    assert verified.assumed_inputs == [] and int(verified.dataset.attrs["inputs_given"]) > 0
    assert verified.assumption_banner == "" and ssproj.rests_on(verified) == ""
    assert "assumption_banner" not in verified.dataset.attrs
    s = verified.summary()
    assert s.attrs["assumption_banner"] == "" and repr(s) == repr(pd.DataFrame(s))
    assert s._repr_html_() == pd.DataFrame(s)._repr_html_()
    assert "assumed" not in repr(verified)
    names, _, _ = _sheet_lines(verified.to_excel(tmp_path / "v.xlsx"))
    assert names[0] == "Read me" and BANNER_SHEET not in names  # without a banner, the Read me is first (issue 14)
    assert _html_banner(verified.to_html(tmp_path / "v.html").read_text(encoding="utf-8")) == []
    cmp = ssproj.compare({"a": verified, "b": verified})
    assert cmp.assumption_banner == ""
    written = cmp.write(tmp_path / "cmp")
    assert "assumed_inputs" not in written and not (tmp_path / "cmp" / "assumed_inputs.txt").exists()
    assert BANNER_SHEET not in openpyxl.load_workbook(written["excel"]).sheetnames


def test_a_scenario_without_assumed_inputs_beside_one_with_them(verified, tmp_path):
    tiny = ssproj.project(ssproj.load_scenario(TINY / "scheme_base.yaml"))
    cmp = ssproj.compare({"verified": verified, "tiny": tiny})
    lines = cmp.assumption_banner.splitlines()
    assert lines[0] == "Reference scenario 'verified': no input marked assumed."
    assert lines[1].startswith("Scenario 'tiny' adds 12 inputs marked assumed that the reference does not: "
                               "wage_growth, coverage_rate[public], ")
    assert lines[1].endswith(", ... (4 more).")


def test_a_population_projection_has_no_banner():
    pop = ssproj.project(ssproj.load_scenario(TINY / "base.yaml"))
    assert "assumed_inputs" not in pop.dataset.attrs and pop.assumed_inputs == []
    assert pop.assumption_banner == "" and ssproj.rests_on(pop) == ""
    assert "assumption_banner" not in pop.summary().attrs or pop.summary().attrs["assumption_banner"] == ""

"""The report of one projection leads with the answer (issue 14, items 1-2 for ``ssproj run``): the headline
section first (box, reading, banner), its numbers those of Projection.indicators and summary, charts of shares
not nominal money, one provenance section; and the comparison report's tables show money in a year as a share
of GDP."""
import html as html_module
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import ssproj
from ssproj.reporting import plots, text
from ssproj.reporting.html import render_html

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
TINY = ROOT / "tests" / "data" / "scenarios"

#: Words that say an axis shows money as it is paid (not a share, not years of outgo).
_NOMINAL = re.compile(r"nominal|billion|million|LAK|currency", re.I)


@pytest.fixture(scope="module")
def lao():
    return ssproj.project(ssproj.load_scenario(SCENARIOS / "lao_baseline.yaml"))


@pytest.fixture(scope="module")
def rise():
    return ssproj.project(ssproj.load_scenario(SCENARIOS / "lao_fin_contribution_rise.yaml"))


@pytest.fixture(scope="module")
def page(lao):
    return render_html(lao, dpi=40, banner=lao.assumption_banner)


@pytest.fixture(scope="module")
def tiny():
    return ssproj.load_scenario(TINY / "scheme_base.yaml")


def _headline_section(page):
    found = re.search(r'</header>\s*<section id="headline">(.*?)</section>', page, flags=re.S)
    assert found, "the report does not open on its headline section"
    return found.group(1)


def _values(section):
    """``{data-key: (data-value, printed text)}`` of the numbers of the headline section."""
    out = {}
    for key, raw, shown in re.findall(r'<span class="value" data-key="([^"]+)" data-value="([^"]+)">(.*?)</span>',
                                      section):
        out[key] = (float(raw), html_module.unescape(shown))
    return out


def _reading(section):
    return [html_module.unescape(s) for s in re.findall(r"<li>(.*?)</li>", section, flags=re.S)]


# ------------------------------------------------------------------ the headline first

def test_the_report_opens_on_the_headline_then_charts_tables_provenance(page):
    sections = re.findall(r'<section id="([a-z]+)">', page)
    assert sections == ["headline", "charts", "tables", "provenance"]
    _headline_section(page)
    header = re.search(r"<header>(.*?)</header>", page, flags=re.S).group(1)
    assert 'class="banner' not in header  # the banner sits in the headline section, after the reading
    section = _headline_section(page)
    assert section.index('class="cards"') < section.index('class="reading"') < section.index('class="banner compact"')
    assert page.count("<h3>") == 0 and page.count('<table class="prov">') == 1  # one compact provenance section


def test_every_headline_number_is_the_indicator_it_names(lao, page):
    ind = lao.indicators()
    s = lao.summary()
    head = lao.headline()
    values = _values(_headline_section(page))
    for key in ("depletion_year", "first_deficit_year", "gap_25", "gap_50", "gap_75", "summarized_income_rate_25",
                "summarized_income_rate_50", "summarized_income_rate_75", "pv_shortfall_75_share_of_gdp",
                "pv_shortfall_75_share_of_earnings", "pv_state_transfers_75_share_of_gdp"):
        raw, shown = values.pop(key)
        assert raw == float(ind[key]) or (raw != raw and ind[key] != ind[key]), key
        if key.endswith("_year"):
            assert shown == text.year_text(raw), key
        else:
            assert shown.startswith(text.percent(raw)), key
    raw, shown = values.pop("pv_state_paid_pensions_75_share_of_gdp")  # not an indicator: Projection.headline's
    assert raw == head["pv_state_paid_pensions_75_share_of_gdp"] > 0 and shown.startswith(text.percent(raw))
    years = [int(s.dropna(subset=["total_outgo"]).index[0]), 2030, 2050, 2075, 2100]
    for y in years:
        for col in ("contributors", "pensioners", "system_dependency_ratio"):
            raw, _ = values.pop(f"{col}_{y}")
            assert raw == float(s.loc[y, col])
    assert values == {}  # nothing printed that is not checked here


def test_the_reading_says_the_indicators(lao):
    ind, head = lao.indicators(), lao.headline()
    reading = lao.reading()
    words = " ".join(reading)
    assert reading[0].startswith(f"The reserve of the long_term fund is exhausted in {ind['depletion_year']:.0f}")
    assert f"already fall short of its outgo in {ind['first_deficit_year']:.0f}" in reading[0]
    gaps = [text.percent(ind[f"gap_{n}"]) for n in (25, 50, 75)]
    income = [text.percent(ind[f"summarized_income_rate_{n}"]) for n in (25, 50, 75)]
    assert f"is {gaps[0]}, {gaps[1]} and {gaps[2]} of insured earnings" in reading[1]
    assert f"the fund receives {income[0]}, {income[1]} and {income[2]} on average" in reading[1]
    assert (f"is {text.percent(ind['pv_shortfall_75_share_of_gdp'])} of the present value of GDP, or "
            f"{text.percent(ind['pv_shortfall_75_share_of_earnings'])} of the present value of insured earnings"
            ) in reading[2]
    assert "(state_transfer)" in reading[3] and text.percent(ind["pv_state_transfers_75_share_of_gdp"]) in reading[3]
    assert text.percent(head["pv_state_paid_pensions_75_share_of_gdp"]) in reading[4]
    s = lao.summary()
    for y in (2030, 2050, 2100):
        assert f"{text.persons(s.loc[y, 'contributors'])} in {y}" in words
        assert text.persons(s.loc[y, "pensioners"]) in words
    # nothing about Lao is written in: the words come from the result
    assert "Lao" not in words and "LAK" not in words


def test_the_report_prints_the_reading_of_the_projection(lao, page):
    assert _reading(_headline_section(page)) == lao.reading()


def test_the_reading_of_a_financing_option_follows_its_numbers(lao, rise):
    base, option = lao.indicators(), rise.indicators()
    assert option["depletion_year"] > base["depletion_year"]
    reading = rise.reading()
    assert f"exhausted in {option['depletion_year']:.0f}" in reading[0]
    assert text.percent(option["pv_shortfall_75_share_of_gdp"]) in reading[2]
    assert text.percent(option["summarized_income_rate_75"]) in reading[1]


@pytest.mark.parametrize("rule", ["payable", "borrow"])
def test_the_deficit_rule_in_force_is_said_and_drawn(tiny, rule):
    low = {"public": 0.01, "private": 0.01, "voluntary": 0.01}  # the fund runs out of money in the late 2030s
    res = ssproj.project(tiny.with_changes({"deficit_financing": {"long_term": rule},
                                            "opening_reserve": {"long_term": 0.0},
                                            "contribution_rate_employer": dict.fromkeys(low, 0.0),
                                            "contribution_rate_employee": low}))
    assert res.indicators()["depletion_year"] < res.years[-1]
    head = res.headline()
    reading = res.reading()
    assert any(f"({rule})" in sentence for sentence in reading)
    page = render_html(res, dpi=30)
    section = _headline_section(page)
    charts = re.findall(r'data-chart="([a-z_]+)"', page)
    if rule == "payable":
        assert head["share_of_benefits_payable"] < 1
        assert _values(section)["share_of_benefits_payable"][0] == head["share_of_benefits_payable"]
        assert charts.index("benefits_payable") == charts.index("reserve") + 1
    else:
        assert head["reserve_share_of_gdp"] < 0 and "benefits_payable" not in charts
        assert _values(section)["reserve_share_of_gdp"][0] == head["reserve_share_of_gdp"]
        assert f"it owes {text.percent(-head['reserve_share_of_gdp'])} of GDP" in " ".join(reading)


def test_reading_formats():
    assert [text.percent(x) for x in (0.3853306, 0.0920, 0.00711, 0.000247, 0.0, 1.5)] == \
        ["38.5%", "9.20%", "0.711%", "0.0247%", "0%", "150%"]
    assert [text.persons(x) for x in (331828.3, 1.234e6, 8812.4, 812.4)] == \
        ["332 thousand", "1.23 million", "8.81 thousand", "812"]
    assert text.year_text(float("nan"), never="not by 2100") == "not by 2100" and text.year_text(2029.0) == "2029"


# ------------------------------------------------------------------ charts that can be read

def _labels(ax):
    return [ax.get_ylabel(), ax.get_title(), ax.get_xlabel()]


@pytest.mark.parametrize("cid", [c[0] for c in plots.CHARTS if c[3]])
def test_scheme_charts_show_shares_not_nominal_money(lao, cid):
    panels = {c[0]: c[2] for c in plots.CHARTS}[cid]
    fig, axes = plt.subplots(1, len(panels), squeeze=False)
    try:
        for func, ax in zip(panels, axes[0], strict=True):
            assert func(lao, ax=ax) is ax
            ylabel = ax.get_ylabel()
            assert ylabel and not any(_NOMINAL.search(x) for x in _labels(ax)), (func.__name__, _labels(ax))
            assert ylabel.startswith(("%", "years of outgo", "thousand")), ylabel
            legend = ax.get_legend()  # right of the data: anchored beyond the right edge of the Axes
            assert legend is not None
            assert legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted()).x0 > 1.0
    finally:
        plt.close(fig)


def test_money_charts_say_their_unit(lao):
    fig, (a, b) = plt.subplots(1, 2)
    try:
        plots.reserves_by_fund(lao, ax=a)
        assert a.get_ylabel() == "% of GDP"
        ratio = 100 * lao.dataset["fund_reserve_end"].sel(fund="short_term", year=2050) / lao.dataset["gdp"].sel(
            year=2050)
        line = next(ln for ln in a.get_lines() if ln.get_label() == "short_term")
        x, y = line.get_data()
        assert y[list(x).index(2050)] == pytest.approx(float(ratio), rel=1e-12)
        plots.reserves_by_fund(lao, ax=b, unit="nominal")
        assert b.get_ylabel() == "billion LAK (nominal)"
        with pytest.raises(ValueError, match="unit"):
            plots.reserves_by_fund(lao, unit="real")
    finally:
        plt.close(fig)


def test_income_and_outgo_chart_shows_the_state_filling_the_gap_after_depletion(lao):
    fig, ax = plt.subplots()
    try:
        plots.fund_finances(lao, ax=ax)
        s = lao.summary().dropna(subset=["total_outgo"])
        gdp = lao.dataset["gdp"].sel(year=s.index).to_numpy()
        outgo = next(ln for ln in ax.get_lines() if ln.get_label() == "outgo, scheduled")
        assert np.allclose(outgo.get_ydata(), 100 * s["outgo_share_of_gdp"].to_numpy())
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "state deficit transfers" in labels and "reserve exhausted, 2029" in labels
        after = s.index > 2029
        top = (s["contribution_income"] + s["investment_income"].clip(lower=0) + s["state_transfer"]).to_numpy()
        assert np.allclose((top / gdp)[after], (s["total_outgo"].to_numpy() / gdp)[after], rtol=1e-9)
        with pytest.raises(TypeError, match="projection"):
            plots.fund_finances(ssproj.compare([lao, lao]))
    finally:
        plt.close(fig)


def test_cost_rate_chart_draws_the_gap_of_each_period(lao):
    fig, ax = plt.subplots()
    try:
        plots.cost_rate(lao, ax=ax)
        ind = lao.indicators()
        for n in (25, 50, 75):
            line = next(ln for ln in ax.get_lines() if ln.get_label().startswith(f"GAP over {n} years"))
            assert list(line.get_ydata()) == [100 * ind[f"gap_{n}"]] * 2
    finally:
        plt.close(fig)


# ------------------------------------------------------------------ the same inputs, the same bytes

def test_same_inputs_same_bytes(lao, page, tmp_path):
    again = ssproj.project(lao.scenario)
    assert render_html(again, dpi=40, banner=lao.assumption_banner) == page
    a, b = lao.to_html(tmp_path / "a.html"), again.to_html(tmp_path / "b.html")
    assert a.read_bytes() == b.read_bytes()


# ------------------------------------------------------------------ the comparison's tables

def test_comparison_tables_show_money_in_a_year_as_a_share_of_gdp(lao, rise):
    cmp = ssproj.compare([lao, rise], milestones=(2030, 2050))
    nominal, shares = cmp.table(), cmp.table(money="share_of_gdp")
    assert len(nominal) == len(shares)
    for label, unit in nominal.attrs["units"].items():
        if unit in ("currency/year", "currency at 31 December"):
            name, year = label.split(" ")[:2]
            new = f"{name} {year} [share of GDP]"
            assert shares.attrs["units"][new] == "share of GDP"
            for scenario, p in (("lao_baseline", lao), ("lao_fin_contribution_rise", rise)):
                gdp = float(p.dataset["gdp"].sel(year=int(year)))
                assert shares.loc[new, scenario] == pytest.approx(nominal.loc[label, scenario] / gdp, rel=1e-12,
                                                                  abs=1e-300)
        else:
            assert shares.loc[label].equals(nominal.loc[label])
    diffs = cmp.differences(money="share_of_gdp")
    assert diffs.loc["state_transfer 2050 [share of GDP]", "lao_fin_contribution_rise"] == pytest.approx(
        shares.loc["state_transfer 2050 [share of GDP]"].diff().iloc[-1])
    with pytest.raises(ValueError, match="money"):
        cmp.table(money="real")
    page = render_html(cmp, dpi=30)
    table = re.search(r"<caption>Comparison: one column per scenario</caption>(.*?)</table>", page, flags=re.S)
    rows = re.findall(r"<tr><td class=\"text\">([a-z_]+ \d{4})</td><td class=\"text\">([^<]*)</td>", table.group(1))
    units = dict(rows)
    assert units["state_transfer 2050"] == "% of GDP" and units["reserve_end 2030"] == "% of GDP"
    assert not any("nominal" in u for u in units.values())
    assert "amounts nominal: comparison.csv" in page

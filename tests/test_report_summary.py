"""The comparison report leads with the answer: Comparison.summary_table, reading, strategy_table, series,
and the HTML report built on them (summary first, charts of what differs only, one provenance section)."""
import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import ssproj
from ssproj.analysis.compare import SUMMARY_BETTER, compare
from ssproj.reporting import plots
from ssproj.reporting.html import render_html

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def cmp():
    files = ["lao_baseline", "lao_cov_mobile_days", "lao_cov_promoters", "lao_fin_retirement_age"]
    return compare([ssproj.project(ssproj.load_scenario(SCENARIOS / f"{f}.yaml")) for f in files])


@pytest.fixture(scope="module")
def html(cmp):
    return render_html(cmp, dpi=40, banner=cmp.assumption_banner)


# ------------------------------------------------------------------ summary table

def test_summary_ranks_are_the_order_of_the_measures(cmp):
    t = cmp.summary_table()
    assert list(t.index) == cmp.names
    for col, better in SUMMARY_BETTER.items():
        values, ranks = t[col], t[f"{col}_rank"]
        if col == "cost_per_person_covered":  # ranked among the scenarios that gain contributors only
            values = values.where(t["contributors_gained"] > 0)
        if better == "later":
            values = values.fillna(math.inf)  # never depleted: the best
        for a in t.index:
            for b in t.index:
                va, vb = values[a], values[b]
                if va != va or vb != vb:
                    continue
                a_better = va > vb if better in ("higher", "later") else va < vb
                if a_better:
                    assert ranks[a] < ranks[b], (col, a, b)
                elif va == vb:
                    assert ranks[a] == ranks[b], (col, a, b)
        assert ranks[values.isna()].isna().all()
        assert ranks.dropna().min() == 1
    assert t.attrs["units"]["pv_shortfall"] == "share of the PV of GDP over 75 years"


def test_summary_values_are_the_comparison_rows(cmp):
    t = cmp.summary_table()
    assert t.attrs["year"] == 2050 and t.attrs["horizon"] == 75
    ref = cmp.reference
    pd.testing.assert_series_equal(t["contributors_gained"], cmp.row("contributors_gained", 2050),
                                   check_names=False)
    state = cmp.row("cost_to_state_share_of_gdp")
    assert np.allclose(t["extra_cost_to_state"], state - state[ref], rtol=1e-12, atol=1e-15)
    fund, state_money = cmp.row("cost_to_fund"), cmp.row("cost_to_state")
    # the same yardstick as the state's share: PV of the reference's GDP = cost_to_state / its share
    pv_gdp = state_money[ref] / state[ref]
    assert np.allclose(t["extra_cost_to_fund"], (fund - fund[ref]) / pv_gdp, rtol=1e-10, atol=1e-15)
    pd.testing.assert_series_equal(t["pv_shortfall"], cmp.row("pv_shortfall_75_share_of_gdp"), check_names=False)
    pd.testing.assert_series_equal(t["depletion_year"], cmp.row("depletion_year"), check_names=False)
    for name in cmp.names:
        p = cmp.projections[name]
        if "channel_recruits" in p.dataset:
            assert t.loc[name, "channels"] == len(p.dataset["channel"])
            assert t.loc[name, "net_pv_per_recruit"] == p.channel_values().loc["all channels", "net_pv_per_recruit"]
        else:
            assert t.loc[name, "channels"] == 0 and math.isnan(t.loc[name, "net_pv_per_recruit"])


def test_reading_says_the_numbers_of_the_table(cmp):
    t = cmp.summary_table()
    text = " ".join(cmp.reading())
    gained = t["contributors_gained"].drop(cmp.reference)
    best = gained.idxmax()
    assert f"{best} adds the most contributors by 2050 ({gained[best]:,.0f} contributor-years)" in text
    assert f"{gained.idxmin()} the fewest ({gained.min():,.0f})" in text
    sh = t["pv_shortfall"]
    assert (f"smallest under {sh.idxmin()} ({100 * sh.min():.3f}% of the present value of GDP) and largest under "
            f"{sh.idxmax()} ({100 * sh.max():.3f}%)") in text
    dep = t["depletion_year"]
    if dep.nunique() == 1 and dep.notna().all():
        assert f"The pension fund's reserve is exhausted in {dep.iloc[0]:.0f} in every scenario." in text
    else:
        assert f"exhausted first under {dep.idxmin()} ({dep.min():.0f})" in text
    st = t["extra_cost_to_state"].drop(cmp.reference)
    assert f"The state pays least under {st.idxmin()} ({100 * st.min():+.3f} percentage points" in text
    v = t["net_pv_per_recruit"].dropna()
    assert f"from {v.min():,.0f} ({v.idxmin()}) to {v.max():,.0f} ({v.idxmax()}) LAK" in text
    assert "Lao" not in text  # generated from the numbers, not written about a country


# ------------------------------------------------------------------ strategy table

def test_strategy_table_by_hand(cmp):
    st = cmp.strategy_table()
    assert list(st.index) == ["lao_baseline", "lao_cov_mobile_days", "lao_cov_promoters"]  # the reference first
    p = cmp.projections["lao_cov_mobile_days"]
    ds = p.dataset
    row = st.loc["lao_cov_mobile_days"]
    assert row["channels"] == "mobile_days"
    recruited = ds["channel_recruits"].sel(channel="mobile_days").to_pandas()
    assert row["recruits"] == pytest.approx(recruited.sum(), rel=1e-12)
    # persistence: active members at the end of the 5th year with recruits, per person recruited in those years
    first = int(recruited[recruited > 0].index[0])
    active = float(ds["actives"].sel(group="voluntary.mobile_days", year=first + 4).sum())
    assert row["persistence"] == pytest.approx(active / recruited.loc[first:first + 4].sum(), rel=1e-12)
    assert 0.2 < row["persistence"] < 1.0
    # what the members pay: contributions of every payer but the state, discounted mid-year
    years = cmp.scheme_years
    i = ds["investment_return"].sel(year=years).to_numpy()
    v = np.cumprod(1.0 / (1.0 + i)) * (1.0 + i / 2)
    contrib = ds["contributions"].sel(year=years, group="voluntary.mobile_days").sum("payer")
    state = ds["contributions"].sel(year=years, group="voluntary.mobile_days", payer="state")
    assert row["pv_contributions_members"] == pytest.approx(float(np.sum((contrib - state).to_numpy() * v)),
                                                            rel=1e-10)
    assert row["contributors_gained"] == cmp.row("contributors_gained", 2050)["lao_cov_mobile_days"]
    # coverage by group adds up to the coverage ratio of the summary
    for name in st.index:
        s = cmp.projections[name].summary()
        cov = st.loc[name, [c for c in st.columns if c.startswith("coverage_")]].sum()
        assert cov == pytest.approx(s.loc[2050, "coverage_ratio"], rel=1e-12)
    assert st.loc["lao_cov_promoters", "coverage_voluntary"] > st.loc["lao_baseline", "coverage_voluntary"]
    assert st.loc["lao_cov_promoters", "coverage_public"] == st.loc["lao_baseline", "coverage_public"]
    assert math.isnan(st.loc["lao_baseline", "recruits"])
    assert set(st.attrs["units"]) == set(st.columns)


def test_csv_files_round_trip(cmp, tmp_path):
    written = cmp.to_csv(tmp_path)
    assert {"summary", "strategy_table"} <= set(written)
    for name, frame in (("summary", cmp.summary_table()), ("strategy_table", cmp.strategy_table())):
        back = pd.read_csv(written[name], index_col=0, keep_default_na=False, na_values=[""])
        units = frame.attrs["units"]
        assert list(back.columns) == [f"{c} [{units[c]}]" for c in frame.columns]
        for c, col in zip(frame.columns, back.columns, strict=True):
            if c == "channels" and name == "strategy_table":  # the channels' names
                assert back[col].fillna("").tolist() == frame[c].tolist()
            else:
                np.testing.assert_allclose(back[col].to_numpy(dtype=float), frame[c].to_numpy(dtype=float),
                                           rtol=1e-9)
    again = cmp.to_csv(tmp_path / "again")
    for name in written:
        assert Path(written[name]).read_bytes() == Path(again[name]).read_bytes()


def test_series_and_what_differs(cmp):
    pop = cmp.series("total_population")
    assert not plots.differs(pop, cmp.reference)  # strategies do not change the population
    cr = cmp.series("payg_cost_rate")
    assert plots.differs(cr, cmp.reference)
    s = cmp.projections["lao_cov_promoters"].summary()
    assert cr.loc[2050, "lao_cov_promoters"] == s.loc[2050, "payg_cost_rate"]
    state = cmp.series("state_cost_share_of_gdp")
    assert state.attrs["unit"] == "share of GDP" and (state.loc[2030:] > 0).all().all()
    with pytest.raises(KeyError, match="no series"):
        cmp.series("reserve")


# ------------------------------------------------------------------ the report

def test_the_report_opens_on_the_summary(cmp, html):
    sections = re.findall(r'<section id="([a-z]+)"', html)
    assert sections == ["summary", "charts", "tables", "provenance"]
    summary = html[html.index('<section id="summary"'):html.index('<section id="charts"')]
    for sentence in cmp.reading():
        assert sentence.replace("'", "&#39;") in summary
    assert "Summary: the scenarios ranked" in summary and "ASSUMED INPUTS" in summary
    # first the reading, then the table, then the banner
    assert summary.index("<ul class=\"reading\">") < summary.index("<table") < summary.index('class="banner')


def test_charts_of_what_does_not_differ_are_left_out(html):
    charts = re.findall(r'data-chart="([a-z_]+)"', html)
    assert "population" not in charts and "pyramid" not in charts
    assert "Not drawn, equal in every scenario: Population at 1 July" in html
    assert {"contributors", "payg_cost_rate", "state_cost", "decomposition"} <= set(charts)
    assert "billion LAK (nominal)" not in html  # charts of money are in % of GDP


def test_one_provenance_section_naming_each_strategy(cmp, html):
    prov = html[html.index('<section id="provenance"'):]
    assert prov.count("<h3>") == 0  # not one block per scenario
    rows = dict(re.findall(r'<tr data-scenario="([a-z_]+)">(.*?)</tr>', prov, flags=re.S))
    assert set(rows) == set(cmp.names)
    assert "strategy with 1 channel: mobile_days (mobile_registration, voluntary)" in rows["lao_cov_mobile_days"]
    assert "pensionable_age_male" in rows["lao_fin_retirement_age"]
    assert ">none<" not in rows["lao_cov_promoters"]


def test_same_inputs_same_report(cmp, html):
    assert render_html(cmp, dpi=40, banner=cmp.assumption_banner) == html


def test_decomposition_bars_are_horizontal_and_labelled(cmp):

    axes = plots.decomposition_bars(cmp, [2050, 2100])
    try:
        assert len(axes) == 2
        labels = [t.get_text() for t in axes[0].get_yticklabels()]
        assert sorted(labels) == sorted(n for n in cmp.names if n != cmp.reference)
        assert labels[0] == cmp.names[1]  # in column order, the first at the top
        bars = list(axes[0].patches)
        assert bars and all(b.get_height() < 1 for b in bars)  # barh: thin in y, long in x
        assert axes[0].figure.legends  # the legend is the figure's, outside the panels
    finally:
        plt.close("all")

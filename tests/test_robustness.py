"""Robustness runs: the grid of plausible ranges, signs, ranks, the ranges that break them, and the runs themselves.

The judging (:mod:`ssproj.analysis.robustness`) is tested on hand-built
values; the runs (:func:`ssproj.uncertainty.robustness.robustness`) on a copy
of the tiny scheme with two declared ranges and three options, checked
against projections made one by one. Also here: the parameters the Lao
ranges need (``base_pension_scale``, ``contribution_share_rule``) and
:meth:`ssproj.scenario.Scenario.rebase`.
"""
from __future__ import annotations

import math
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pytest

import ssproj
from ssproj.analysis.robustness import (
    RangeAxis,
    RobustnessGrid,
    RobustnessResult,
    decision_measures,
    range_axes,
)
from ssproj.cli import main
from ssproj.errors import ScenarioError
from ssproj.plan import compile_scenario
from ssproj.uncertainty.robustness import robustness

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "assumptions" / "tiny_scheme"


# --------------------------------------------------------------------------- hand-built grids and values
def _axis(name, low, high, central):
    """An axis whose changes are a made-up parameter at the level (the judging never applies them)."""
    return RangeAxis(name, f"{name} {low:g} to {high:g} (assumed)", "value", low, high, central,
                     {name: low}, {name: high})


AXES = (_axis("a", 0.0, 1.0, 1.0), _axis("b", 1.0, 4.0, 2.0))


def test_corners_grid_central_first_then_one_at_a_time_then_combinations():
    g = RobustnessGrid.build(AXES, "corners")
    assert [g.label(p) for p in range(g.n_points)] == [
        "central", "a=0", "b=1", "b=4", "a=0,b=1", "a=0,b=4"]
    assert g.levels == ((0.0, 1.0), (1.0, 2.0, 4.0)) and g.central_index == (1, 1)
    assert [g.position(4, k) for k in range(2)] == ["low", "low"]
    assert g.changes(0) == {} and g.changes(5) == {"a": 0.0, "b": 4.0}


def test_full_and_oat_grids():
    full = RobustnessGrid.build(AXES, "full", points=3)
    assert full.levels == ((0.0, 0.5, 1.0), (1.0, 2.0, 2.5, 4.0))
    assert full.n_points == 12 and full.label(0) == "central"
    assert len({tuple(r) for r in full.index.tolist()}) == 12
    oat = RobustnessGrid.build(AXES, "oat", points=3)
    assert [oat.label(p) for p in range(oat.n_points)] == ["central", "a=0", "a=0.5", "b=1", "b=2.5", "b=4"]
    assert oat.position(2, 0) == "between"


def test_a_grid_refuses_bad_modes_points_and_sizes():
    with pytest.raises(ValueError, match="grid mode 'all'"):
        RobustnessGrid.build(AXES, "all")
    with pytest.raises(ValueError, match="points must be an integer >= 2"):
        RobustnessGrid.build(AXES, "oat", points=1)
    many = [_axis(f"x{i}", 0.0, 1.0, 0.5) for i in range(15)]
    with pytest.raises(ValueError, match="would have 14,348,907 points"):
        RobustnessGrid.build(many, "full", points=2)


def test_levels_between_the_ends_interpolate_the_changes():
    low = {"p": {"g1": {"values": {2020: 0.5, 2021: 0.5}, "between": "none", "after": "hold"}}}
    high = {"p": {"g1": {"values": {2020: 1.0, 2021: 1.5}, "between": "none", "after": "hold"}}}
    ax = RangeAxis("p[g1]", "", "factor", 0.5, 1.5, 1.0, low, high)
    assert ax.changes_at(1.0) == {}  # the central value: the scenario as given
    assert ax.changes_at(0.75) == {"p": {"g1": {"values": {2020: 0.625, 2021: 0.75}, "between": "none",
                                                 "after": "hold"}}}
    assert ax.changes_at(0.5) == low and ax.changes_at(1.5) == high
    nan = RangeAxis("q", "", "value", 0.0, 1.0, math.nan, {"q": 0.0}, {"q": 1.0})
    levels, c = nan.levels(2)
    assert c == 0 and math.isnan(levels[0]) and levels[1:] == (0.0, 1.0) and nan.text(levels[0]) == "as given"


def _result(effects, kinds=None, axes=AXES, mode="corners"):
    """A result whose options have the given effects on one measure (gap: lower is better), baseline 0."""
    g = RobustnessGrid.build(axes, mode)
    names = list(effects)
    measures = decision_measures()[:1]  # gap_75
    values = np.zeros((g.n_points, 1 + len(names), 1))
    for i, n in enumerate(names):
        values[:, 1 + i, 0] = [effects[n](g, p) for p in range(g.n_points)]
    return RobustnessResult(g, "base", names, kinds or dict.fromkeys(names, "financing"), measures, values)


def _at(g, p, name):
    return g.level(p, [a.name for a in g.axes].index(name))


def test_a_sign_that_flips_at_one_end_of_a_range_is_named():
    r = _result({"flips": lambda g, p: 0.02 if _at(g, p, "a") == 1.0 else -0.01,
                 "holds": lambda g, p: -0.03 - 0.01 * _at(g, p, "b")})
    t = r.table()
    flip = t.loc[("flips", "gap_75")]
    assert flip["sign"] == "+" and not flip["sign_holds"] and flip["share_same_sign"] == pytest.approx(3 / 6)
    assert flip["sign_breaking_ranges"] == "a"
    assert flip["sign_breaks"] == "fails at 3 of 6 points; alone: a low (0)"
    assert (flip["central"], flip["min"], flip["max"]) == (0.02, -0.01, 0.02)
    hold = t.loc[("holds", "gap_75")]
    assert hold["sign"] == "-" and hold["sign_holds"] and hold["sign_breaks"] == "" and hold["share_same_sign"] == 1.0
    text = r.summary()
    assert "- flips, gap_75: the sign (+ at the central point) fails at 3 of 6 points; alone: a low (0)" in text
    assert "| holds | gap_75 | -0.05 | -0.07 | -0.04 | - | yes | 1 | yes |" in text


def test_a_sign_that_flips_only_with_two_ranges_together_names_both():
    axes = (*AXES, _axis("c", 0.0, 2.0, 1.0))
    r = _result({"x": lambda g, p: -1.0 if (_at(g, p, "a") == 0.0 and _at(g, p, "b") == 4.0) else 1.0}, axes=axes)
    row = r.table().loc[("x", "gap_75")]
    assert not row["sign_holds"] and row["sign_breaking_ranges"] == "a;b"
    assert row["sign_breaks"] == "fails at 2 of 14 points; only together: a low (0) and b high (4)"
    # one range at the same end at every failing point, the others at either end
    r = _result({"x": lambda g, p: -1.0 if (_at(g, p, "b") == 4.0 and _at(g, p, "c") != 1.0) else 1.0}, axes=axes)
    row = r.table().loc[("x", "gap_75")]
    assert row["sign_breaks"] == "fails at 4 of 14 points; only in combination, always with b high (4)"
    # at a single point: that point
    r = _result({"x": lambda g, p: -1.0 if (_at(g, p, "a") == 0.0 and _at(g, p, "b") == 4.0) else 1.0})
    row = r.table().loc[("x", "gap_75")]
    assert row["sign_breaking_ranges"] == "a;b"
    assert row["sign_breaks"] == "fails at 1 of 6 points; only in combination, at a=0,b=4"


def test_points_a_range_alone_does_not_explain_are_counted():
    axes = (*AXES, _axis("c", 0.0, 2.0, 1.0))
    r = _result({"x": lambda g, p: -1.0 if _at(g, p, "a") == 0.0 or (_at(g, p, "b") == 1.0 and _at(g, p, "c") == 2.0)
                 else 1.0}, axes=axes)
    row = r.table().loc[("x", "gap_75")]
    assert r.grid.n_points == 1 + 5 + 8
    assert row["sign_breaking_ranges"] == "a"
    assert row["sign_breaks"] == "fails at 6 of 14 points; alone: a low (0); at 1 more only in combination"


def test_ranks_among_options_of_the_same_kind():
    # lower gap is better: at the central point c (-3) ranks 1, b 2, a 3; with b at its low end a and b swap
    effects = {"a": lambda g, p: -1.0 if _at(g, p, "b") != 1.0 else -2.5,
               "b": lambda g, p: -2.0,
               "c": lambda g, p: -3.0,
               "cov": lambda g, p: 5.0}  # a coverage strategy: ranked alone
    r = _result(effects, kinds={"a": "financing", "b": "financing", "c": "financing", "cov": "coverage"})
    t = r.table().xs("gap_75", level="measure")
    assert list(t["rank"]) == [3.0, 2.0, 1.0, 1.0]
    assert list(t["rank_holds"]) == [False, False, True, True]
    assert t.loc["a", "rank_breaks"] == "fails at 2 of 6 points; alone: b low (1)"
    assert t.loc["a", "share_same_rank"] == pytest.approx(4 / 6)
    e = r.effects()
    assert set(e.columns) == {"point", "label", "option", "kind", "measure", "unit", "effect", "sign", "rank"}
    assert e[(e["option"] == "a") & (e["label"] == "b=1")]["rank"].item() == 2.0


def test_ties_share_a_rank_and_rounding_is_no_sign():
    r = _result({"a": lambda g, p: -1.0, "b": lambda g, p: -1.0 + 1e-13, "zero": lambda g, p: 1e-14 * p})
    t = r.table().xs("gap_75", level="measure")
    assert list(t["rank"]) == [1.0, 1.0, 3.0]
    assert t.loc["zero", "sign"] == "0" and t.loc["zero", "sign_holds"]


def test_measures_of_the_other_kind_are_left_out():
    g = RobustnessGrid.build(AXES[:1], "corners")
    ms = decision_measures(75, 2050)
    r = RobustnessResult(g, "base", ["fin", "cov"], {"fin": "financing", "cov": "coverage"}, ms,
                         np.ones((g.n_points, 3, len(ms))))
    t = r.table()
    assert ("fin", "net_pv_per_recruit") not in t.index and ("cov", "net_pv_per_recruit") in t.index
    assert t.loc[("cov", "net_pv_per_recruit"), "central"] == 1.0  # a value measure: the option's own value
    assert t.loc[("cov", "gap_75"), "central"] == 0.0  # a difference from the baseline at the same point


def test_the_result_folder_is_identical_for_identical_inputs(tmp_path):
    files = {}
    for run in ("one", "two"):
        r = _result({"flips": lambda g, p: 0.02 if _at(g, p, "a") == 1.0 else -0.01})
        r.provenance["seed"] = 7
        written = r.write(tmp_path / run)
        assert set(written) == {"table", "effects", "grid", "summary", "provenance"}
        files[run] = {p.name: p.read_bytes() for p in sorted((tmp_path / run).iterdir())}
    assert files["one"] == files["two"]
    assert set(files["one"]) == {"robustness.csv", "effects.csv", "grid.csv", "robustness.md", "provenance.json",
                                 "manifest.json"}


# --------------------------------------------------------------------------- runs on the tiny scheme
def _tiny_fund(tmp_path: Path) -> dict:
    """The tiny scheme with two plausible ranges, a baseline and three options; returns their paths."""
    aset = tmp_path / "assumptions" / "tiny_scheme"
    shutil.copytree(TINY, aset)
    y = aset / "assumptions.yaml"
    text = y.read_text()
    old = "    value: {long_term: 1.5e6, short_term: 2.0e5}\n    source: madeup\n    confidence: verified\n"
    assert old in text
    text = text.replace(old, "    value: {long_term: 1.5e6, short_term: 2.0e5}\n    source: madeup\n"
                             "    confidence: assumed\n    plausible_range: {long_term: [1.0e6, 2.0e6]}\n")
    text += ("  indexation_price_weight: {value: 1.0, source: madeup, confidence: assumed, "
             "plausible_range: [0.0, 1.0]}\n")
    y.write_text(text)
    files = {
        "base": """\
            name: tiny_base
            assumptions: assumptions/tiny_scheme
            projection: {start_year: 2020, end_year: 2040}
            """,
        "fin_indexation_half": """\
            name: fin_indexation_half
            extends: base.yaml
            changes:
              indexation_price_weight: {2023: 0.5}
            """,
        "fin_rate_rise": """\
            name: fin_rate_rise
            extends: base.yaml
            changes:
              contribution_rate_employee: {private: {2025: 0.07}}
            """,
        "cov_promoters": """\
            name: cov_promoters
            extends: base.yaml
            strategy:
              name: promoters
              channels:
                promoters:
                  kind: promoters
                  group: voluntary
                  start_year: 2024
                  promoters: 50
                  registrations_per_promoter: 6
                  cost_fixed: 20000
            """,
    }
    out = {}
    for name, body in files.items():
        (tmp_path / f"{name}.yaml").write_text(textwrap.dedent(body))
        out[name] = tmp_path / f"{name}.yaml"
    return out


@pytest.fixture(scope="module")
def tiny_fund(tmp_path_factory):
    return _tiny_fund(tmp_path_factory.mktemp("tiny_fund"))


@pytest.fixture(scope="module")
def tiny_run(tiny_fund):
    f = tiny_fund
    return robustness(f["base"], [f["fin_indexation_half"], f["fin_rate_rise"]], grid="corners", milestone=2035)


def test_the_ranges_of_the_set_are_the_axes(tiny_fund):
    base = ssproj.load_scenario(tiny_fund["base"])
    axes = range_axes(base)
    assert [(a.name, a.kind, a.low, a.high, a.central) for a in axes] == [
        ("opening_reserve[long_term]", "value", 1e6, 2e6, 1.5e6),
        ("indexation_price_weight", "value", 0.0, 1.0, 1.0)]
    assert [a.name for a in range_axes(base, ["opening_reserve"])] == ["opening_reserve[long_term]"]
    with pytest.raises(ValueError, match=r"no plausible range \['lapse_rate'\] among the assumed inputs of scenario "
                                         r"'tiny_base'; its ranges: opening_reserve\[long_term\], "
                                         r"indexation_price_weight"):
        range_axes(base, ["lapse_rate"])


def test_a_sign_that_flips_inside_the_grid_is_reported_with_its_range(tiny_run):
    t = tiny_run.table()
    assert tiny_run.grid.n_points == 6
    # mixed indexation costs more than prices (wages grow faster) but less than wages: the sign of its
    # effect on the GAP depends on the assumed rule it replaces
    row = t.loc[("fin_indexation_half", "gap_75")]
    assert row["sign"] == "+" and not row["sign_holds"] and row["min"] < 0 < row["central"]
    assert row["sign_breaking_ranges"] == "indexation_price_weight"
    assert "alone: indexation_price_weight low (0)" in row["sign_breaks"]
    # a higher contribution rate lowers the shortfall wherever the assumed data lie
    row = t.loc[("fin_rate_rise", "pv_shortfall_75_share_of_gdp")]
    assert row["sign"] == "-" and row["sign_holds"] and row["sign_breaks"] == ""
    assert t.loc[("fin_rate_rise", "gap_75"), "sign"] == "0"  # the premium needed does not depend on the rate
    assert ("fin_rate_rise", "net_pv_per_recruit") not in t.index  # a measure of coverage strategies


def test_each_effect_is_the_option_minus_the_baseline_at_the_same_point(tiny_fund, tiny_run):
    g = tiny_run.grid
    p = next(p for p in range(g.n_points) if g.label(p) == "opening_reserve[long_term]=2e+06,indexation_price_weight=0")
    base = ssproj.load_scenario(tiny_fund["base"])
    at = base.with_changes({"indexation_price_weight": 0.0, "opening_reserve": {"long_term": 2e6}})
    option = at.with_changes({"indexation_price_weight": {2023: 0.5}})  # the option's change laid over the point
    gap = [ssproj.project(s).indicators(horizons=(75,), milestones=())["gap_75"] for s in (at, option)]
    e = tiny_run.effects().set_index(["point", "option", "measure"])["effect"]
    assert e[(p, "fin_indexation_half", "gap_75")] == pytest.approx(gap[1] - gap[0], rel=1e-12, abs=1e-15)
    assert tiny_run.grid_table().loc[p, "baseline_gap_75"] == pytest.approx(gap[0], rel=1e-12)


def test_a_run_writes_its_folder_with_provenance(tiny_fund, tiny_run, tmp_path):
    written = tiny_run.write(tmp_path / "out")
    prov = (tmp_path / "out" / "provenance.json").read_text()
    for text in ('"baseline": "tiny_base"', '"seed": 0', '"mode": "corners"', '"ssproj_version"',
                 '"name": "opening_reserve[long_term]"', '"kind": "financing"', "fin_rate_rise.yaml"):
        assert text in prov, text
    md = written["summary"].read_text()
    assert md.startswith("# Robustness of the options against tiny_base")
    assert "fin_indexation_half, gap_75: the sign (+ at the central point) fails at" in md


def test_an_option_that_does_not_extend_the_baseline_is_refused(tiny_fund, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("name: other\nassumptions: " + str(tiny_fund["base"].parent / "assumptions" / "tiny_scheme")
                     + "\nprojection: {start_year: 2020, end_year: 2040}\n")
    with pytest.raises(ValueError, match="scenario 'other' does not extend scenario 'tiny_base'"):
        robustness(tiny_fund["base"], [other], milestone=2035)
    with pytest.raises(ValueError, match=r"milestone 2050 is not a scheme year of 'tiny_base' \(2023-2040\)"):
        robustness(tiny_fund["base"], [tiny_fund["fin_rate_rise"]])
    with pytest.raises(ValueError, match=r"repeated: \['tiny_base'\]"):
        robustness(tiny_fund["base"], [tiny_fund["base"]], milestone=2035)


def test_cli_robustness(tiny_fund, tmp_path, capsys):
    f = tiny_fund
    out = tmp_path / "rob"
    code = main(["robustness", str(f["base"]), str(f["fin_indexation_half"]), str(f["cov_promoters"]), "--out",
                 str(out), "--grid", "oat", "--range", "indexation_price_weight", "--milestone", "2035",
                 "--no-progress"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "robustness of 2 options against 'tiny_base': oat grid of 1 plausible ranges, 2 points (in-process)" \
        in printed
    table = (out / "robustness.csv").read_text()
    assert "cov_promoters,net_pv_per_recruit,coverage," in table  # a coverage strategy, its own measure
    assert "cov_promoters,contributors_gained_2035,coverage,contributor-years,higher," in table
    assert "fin_indexation_half, gap_75: the sign (+ at the central point) fails at 1 of 2 points; alone: " \
           "indexation_price_weight low (0)" in printed
    assert sorted(p.name for p in out.iterdir()) == ["effects.csv", "grid.csv", "manifest.json", "provenance.json",
                                                     "robustness.csv", "robustness.md"]
    assert main(["robustness", str(f["base"]), str(f["fin_indexation_half"]), "--out", str(out), "--grid", "oat",
                 "--range", "lapse_rate", "--milestone", "2035", "--quiet"]) == 1
    assert "ERROR: no plausible range ['lapse_rate']" in capsys.readouterr().err


@pytest.mark.slow  # a local Dask cluster of two workers
def test_on_dask_the_values_are_those_of_the_run_in_process(tiny_fund, tiny_run):
    f = tiny_fund
    r = robustness(f["base"], [f["fin_indexation_half"], f["fin_rate_rise"]], grid="corners", milestone=2035,
                   workers=2)
    np.testing.assert_array_equal(r.values, tiny_run.values)
    assert r.table().equals(tiny_run.table())


# --------------------------------------------------------------------------- what the Lao ranges need
def test_base_pension_scale_scales_the_pension_payroll_at_the_valuation_date_exactly(tiny_fund):
    base = ssproj.load_scenario(tiny_fund["base"])
    scaled = base.with_changes({"base_pension_scale": {"public": 0.7, "private": 1.3}})
    a, b = compile_scenario(base).scheme.state0, compile_scenario(scaled).scheme.state0
    factor = np.array([0.7, 1.3, 1.0])[None, :, None, None]  # groups public, private, voluntary
    np.testing.assert_array_equal(b.M, a.M * factor)
    np.testing.assert_array_equal(b.R, a.R * factor)
    np.testing.assert_array_equal(b.P, a.P)
    table = base.tables["pensioners"]
    payroll = 12 * (table["persons"] * table["average_pension"] * table["group"].map(
        {"public": 0.7, "private": 1.3, "voluntary": 1.0})).sum()
    assert b.M.sum() == pytest.approx(payroll, rel=1e-12)
    with pytest.raises(ScenarioError, match="base_pension_scale"):
        base.with_changes({"base_pension_scale": {"public": -1.0}})


def test_proportional_shares_give_the_branches_what_the_long_term_share_leaves(tiny_fund):
    base = ssproj.load_scenario(tiny_fund["base"])  # long_term_share 0.9, sickness 0.07, maternity 0.03
    lower = {"long_term_share": dict.fromkeys(base.groups, 0.8)}
    with pytest.raises(ScenarioError, match=r"sum to 0\.9 in 2020, not 1"):
        base.with_changes(lower)
    same = base.with_changes({"contribution_share_rule": "proportional"})
    np.testing.assert_array_equal(ssproj.project(same).dataset["contribution_income_by_fund"].values,
                                  ssproj.project(base).dataset["contribution_income_by_fund"].values)
    ds = ssproj.project(same.with_changes(lower)).dataset.sel(year=base.scheme_years)
    by_fund = ds["contribution_income_by_fund"]
    total = ds["contributions"].sum(("payer", "group"))
    np.testing.assert_allclose(by_fund.sum("fund"), total, rtol=1e-12)
    np.testing.assert_allclose(by_fund.sel(fund="long_term"), 0.8 * total, rtol=1e-12)
    np.testing.assert_allclose(by_fund.sel(fund="short_term"), 0.2 * total, rtol=1e-12)
    with pytest.raises(ScenarioError, match="none of them has a contribution_share"):
        same.with_changes({"contribution_share": {"sickness": 0.0, "maternity": 0.0}})


def test_rebase_lays_the_option_over_a_variant_of_its_parent(tiny_fund):
    base = ssproj.load_scenario(tiny_fund["base"])
    option = ssproj.load_scenario(tiny_fund["fin_indexation_half"])
    assert option.rebase(base) == option
    at = base.with_changes({"indexation_price_weight": 0.2})
    laid = option.rebase(at)
    assert list(laid.path_values("indexation_price_weight", [2021, 2022, 2023, 2040])) == [0.2, 0.2, 0.5, 0.5]
    assert laid.name == "fin_indexation_half" and laid.tables["population"] is base.tables["population"]
    with pytest.raises(ValueError, match="scenario 'tiny_base' does not extend scenario 'fin_indexation_half'"):
        base.rebase(option)

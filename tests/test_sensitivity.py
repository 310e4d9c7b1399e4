"""One-at-a-time sensitivity analysis (ssproj.sensitivity) and ``ssproj sensitivity``."""
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import ssproj
from ssproj.analysis.sensitivity import assumption_sets, default_factors, sensitivity
from ssproj.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCHEME = ROOT / "tests" / "data" / "scenarios" / "scheme_base.yaml"


@pytest.fixture(scope="module")
def sc():
    return ssproj.load_scenario(SCHEME)


@pytest.fixture(scope="module")
def result(sc):
    """Every default factor on the tiny scheme (19 projections)."""
    return sensitivity(sc, metrics=("reserve_ratio_2040", "gap_75", "total_population_2040"))


def test_central_metrics_equal_the_plain_projection(sc, result):
    p = ssproj.project(sc)
    assert result.central["reserve_ratio_2040"] == pytest.approx(float(p.summary().loc[2040, "reserve_ratio"]),
                                                                 rel=1e-12)
    assert result.central["gap_75"] == pytest.approx(float(p.indicators(horizons=(75,))["gap_75"]), rel=1e-12)
    t = result.table()
    assert (t.xs("gap_75", level="metric")["central"] == result.central["gap_75"]).all()


def test_default_factors_move_their_metrics(result):
    t = result.table()
    assert [f["name"] for f in result.factors] == [
        "fertility", "mortality", "wage_growth", "inflation", "investment_return", "coverage",
        "contribution_density", "lapse_rate", "retirement_age"]
    # higher investment return never lowers the reserve ratio (the tiny fund's reserve is positive)
    inv = t.loc[("investment_return", "reserve_ratio_2040")]
    assert inv["high"] > inv["central"] > inv["low"]
    # later retirement lowers the cost; a 20% fertility change moves the population
    assert t.loc[("retirement_age", "gap_75"), "high"] < t.loc[("retirement_age", "gap_75"), "low"]
    assert t.loc[("fertility", "total_population_2040"), "swing"] > 0


def test_a_factor_at_the_central_value_has_zero_swing_and_contribution_rate_leaves_population(sc):
    rate = dict(sc.value("contribution_rate_employer"))
    factors = [
        {"name": "nothing", "low": {"fertility_multiplier": 1.0}, "high": {"fertility_multiplier": 1.0}},
        {"name": "fertility", "low": {"fertility_multiplier": 0.8}, "high": {"fertility_multiplier": 1.2}},
        {"name": "contribution_rate", "low": {"contribution_rate_employer": dict.fromkeys(rate, 0.02)},
         "high": {"contribution_rate_employer": dict.fromkeys(rate, 0.12)}},
    ]
    r = sensitivity(sc, factors, metrics=("total_population_2040", "gap_75", "reserve_ratio_2040"))
    t = r.table()
    assert (t.loc["nothing", "swing"] == 0).all()
    assert t.loc[("fertility", "total_population_2040"), "high"] > t.loc[("fertility", "total_population_2040"), "low"]
    assert t.loc[("contribution_rate", "total_population_2040"), "swing"] == 0
    assert t.loc[("contribution_rate", "reserve_ratio_2040"), "swing"] > 0
    assert "3 factors" in repr(r)


def test_tornado_has_one_bar_pair_per_factor_sorted_by_swing(result):
    import matplotlib.pyplot as plt

    ax = result.tornado("gap_75")
    try:
        assert isinstance(ax, matplotlib.axes.Axes)
        assert len(ax.patches) == 2 * len(result.factors)
        labels = [t.get_text() for t in ax.get_yticklabels()]
        ys = list(ax.get_yticks())
        top_down = [lab for _, lab in sorted(zip(ys, labels, strict=True), reverse=True)]
        swing = result.table().xs("gap_75", level="metric")["swing"]
        assert top_down == list(swing.sort_values(ascending=False, kind="stable").index)
        assert np.all(np.diff(swing.loc[top_down].to_numpy()) <= 0)
    finally:
        plt.close(ax.figure)


def test_files_are_written(result, tmp_path):
    import pandas as pd

    csv = result.to_csv(tmp_path)
    back = pd.read_csv(csv)
    assert len(back) == len(result.factors) * len(result.metrics)
    xlsx = result.to_excel(tmp_path / "s.xlsx")
    assert list(pd.read_excel(xlsx, sheet_name=None)) == ["Read me", "Charts", "sensitivity", "factors"]


def test_a_bad_factor_gives_the_scenario_error(sc):
    with pytest.raises(ssproj.ScenarioError, match=r"factor 'typo'.*\n.*fertility_multiplyer.*did you mean"):
        sensitivity(sc, [{"name": "typo", "low": {"fertility_multiplyer": 0.9}, "high": {}}])
    with pytest.raises(ValueError, match="lacks high"):
        sensitivity(sc, [{"name": "x", "low": {}}])
    with pytest.raises(ValueError, match="unknown metrics"):
        sensitivity(sc, [{"name": "x", "low": {}, "high": {}}], metrics=("gap_x",))


def test_assumption_sets_combine_all_lows_and_all_highs(sc):
    sets = assumption_sets(sc)
    assert list(sets) == ["low", "central", "high"]
    assert sets["central"] is sc
    low, high = sets["low"], sets["high"]
    assert low.path_values("fertility_multiplier")[5] == pytest.approx(0.8)
    assert high.path_values("investment_return")[5] == pytest.approx(sc.path_values("investment_return")[5] + 0.01)
    assert np.allclose(low.path_values("pensionable_age_male"), sc.path_values("pensionable_age_male") - 2)
    cov = high.path_values("coverage_rate")
    assert np.all(cov <= 1.0) and np.allclose(cov, np.minimum(1.0, sc.path_values("coverage_rate") * 1.2))
    gap = {k: ssproj.project(s).indicators(horizons=(75,))["gap_75"] for k, s in sets.items()}
    assert gap["low"] > gap["central"] > gap["high"]


def test_default_factors_without_groups_are_demographic_only():
    """Without insured groups only the population is projected: economic factors would swing nothing
    (and each variant would get a NoEffectWarning), so they are not offered."""
    sc = ssproj.load_scenario(ROOT / "tests" / "data" / "scenarios" / "base.yaml")
    names = [f["name"] for f in default_factors(sc)]
    assert names == ["fertility", "mortality"]


@pytest.mark.slow
def test_cli_sensitivity_writes_files(tmp_path, capsys):
    assert main(["sensitivity", str(SCHEME), "--out", str(tmp_path), "--metric", "reserve_ratio_2040"]) == 0
    out = capsys.readouterr().out
    assert "reserve_ratio_2040, largest swing first" in out
    for name in ("sensitivity.csv", "sensitivity.xlsx", "tornado.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert main(["sensitivity", str(SCHEME), "--out", str(tmp_path), "--metric", "nonsense"]) == 1

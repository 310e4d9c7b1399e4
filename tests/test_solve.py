"""ssproj.solve: the lowest lever values that meet targets (tiny scheme set; one Lao check)."""
from __future__ import annotations

from pathlib import Path

import pytest

import ssproj
from ssproj.analysis.solve import _stepped_changes, load_spec
from ssproj.cli import main

DATA = Path(__file__).parent / "data" / "scenarios"
ROOT = Path(__file__).resolve().parents[1]
TARGET = "reserve_ratio >= 7 from 2030 until 2036"


@pytest.fixture(scope="module")
def base():
    return ssproj.load_scenario(DATA / "scheme_base.yaml")


def _rates(**extra):
    lever = {"type": "contribution_rate", "parameters": ["contribution_rate_employer"],
             "groups": ["public", "private"], "start_year": 2025, "every_years": 2, "max_step": 0.02,
             "granularity": 0.001}
    lever.update(extra)
    return lever


def _worst(scenario, lo, hi):
    return float(ssproj.project(scenario).summary()["reserve_ratio"].loc[lo:hi].min())


@pytest.fixture(scope="module")
def solved(base):
    return ssproj.solve(base, {"levers": [_rates()], "targets": [TARGET]})


def test_solution_meets_target_when_reloaded_from_yaml(solved, tmp_path):
    assert solved.feasible
    assert solved.changes and solved.runs > 0
    path = solved.to_yaml(tmp_path / "solution.yaml")
    sc = ssproj.load_scenario(path)
    voluntary = solved.base.value("contribution_rate_employer")["voluntary"]
    assert sc.value("contribution_rate_employer")["voluntary"] == voluntary
    assert _worst(sc, 2030, 2036) >= 7
    assert min(solved.missed_by.values()) >= 0
    assert "met" in solved.report() and "SolveResult feasible" in repr(solved)


def test_one_unit_lower_in_the_last_step_misses(solved, base):
    (schedule,) = solved.steps.values()
    raised = [y for y, d in schedule.items() if d > 0]
    assert raised, schedule
    assert all(0 <= d <= 0.02 + 1e-12 for d in schedule.values())
    lower = dict(schedule)
    lower[raised[-1]] = round(lower[raised[-1]] - 0.001, 10)
    lever = load_spec({"levers": [_rates()], "targets": [TARGET]})[0][0]
    sc = base.with_changes(_stepped_changes(base, lever, lower))
    assert _worst(sc, 2030, 2036) < 7


def test_steps_are_added_to_the_current_rates(solved, base):
    (schedule,) = solved.steps.values()
    total = sum(schedule.values())
    rates = solved.scenario.path_values("contribution_rate_employer", [2040])[:, 0]
    before = base.path_values("contribution_rate_employer", [2040])[:, 0]
    assert rates[0] == pytest.approx(before[0] + total)      # public
    assert rates[1] == pytest.approx(before[1] + total)      # private (its own 2027 rise kept)
    assert rates[2] == before[2]                             # voluntary untouched
    first = min(y for y, d in schedule.items() if d > 0)
    assert (solved.scenario.path_values("contribution_rate_employer", [first - 1])
            == base.path_values("contribution_rate_employer", [first - 1])).all()


@pytest.mark.slow
def test_continuous_step_is_lowest(base):
    lever = _rates(granularity=None)
    res = ssproj.solve(base, {"levers": [lever], "targets": [TARGET]})
    assert res.feasible
    (schedule,) = res.steps.values()
    last = max(y for y, d in schedule.items() if d > 0)
    lower = dict(schedule)
    lower[last] -= 1e-4
    spec_lever = load_spec({"levers": [lever], "targets": [TARGET]})[0][0]
    assert _worst(base.with_changes(_stepped_changes(base, spec_lever, lower)), 2030, 2036) < 7


def test_target_already_met_gives_no_change(base):
    res = ssproj.solve(base, {"levers": [_rates()], "targets": ["reserve_ratio >= 5 from 2030 until 2036"]})
    assert res.feasible
    assert res.changes == {}
    assert res.runs == 1


def test_infeasible_target_reported_with_closest(base):
    res = ssproj.solve(base, {"levers": [_rates(max_step=0.001)], "targets": ["reserve_ratio >= 50 until 2030"]})
    assert not res.feasible
    (miss,) = res.missed_by.values()
    assert miss < -40
    (schedule,) = res.steps.values()
    assert all(d == pytest.approx(0.001) for d in schedule.values())   # closest: every step at max_step
    assert "INFEASIBLE" in res.report()


@pytest.mark.slow
def test_pensionable_age_lever(base, tmp_path):
    spec = {"levers": [{"type": "pensionable_age", "groups": ["public", "private", "voluntary"],
                        "start_year": 2024, "every_years": 1, "max_step": 1, "granularity": 1}],
            "targets": ["reserve_ratio >= 6.35 from 2030 until 2036"]}
    res = ssproj.solve(base, spec)
    assert res.feasible
    assert _worst(base, 2030, 2036) < 6.35
    sc = ssproj.load_scenario(res.to_yaml(tmp_path / "age.yaml"))
    assert _worst(sc, 2030, 2036) >= 6.35
    ages = sc.path_values("pensionable_age_male", [2036])[:, 0]
    assert (ages > 60).all() and (ages == ages.round()).all()


@pytest.mark.slow
def test_level_lever_and_indicator_target(base):
    spec = {"levers": [{"type": "level", "parameter": "investment_return", "start_year": 2025,
                        "bounds": [0.0, 0.2]}],
            "targets": [TARGET]}
    res = ssproj.solve(base, spec)
    assert res.feasible
    level = res.changes["investment_return"][2025]
    assert 0.05 < level < 0.2
    low = base.with_changes({"investment_return": {2025: level - 1e-3}})
    assert _worst(low, 2030, 2036) < 7
    res = ssproj.solve(base, {"levers": [_rates(granularity=None)], "targets": ["actuarial_balance_25 >= 0.07"]})
    assert res.feasible
    assert res.projection.indicators()["actuarial_balance_25"] >= 0.07


@pytest.mark.parametrize("spec, match", [
    ({"levers": [{"type": "tax"}], "targets": [TARGET]}, "lever"),
    ({"levers": [_rates()], "targets": ["reserve_ratio <= 1"]}, "reserve_ratio"),
    ({"levers": [_rates()], "targets": []}, "target"),
    ({"levers": [_rates(groups=["privat"])], "targets": [TARGET]}, "privat"),
    ({"levers": [_rates(max_step=None)], "targets": [TARGET]}, "max_step"),
])
def test_bad_specs(base, spec, match):
    with pytest.raises(ValueError, match=match):
        ssproj.solve(base, spec)


@pytest.mark.slow
def test_cli_solve(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "levers:\n"
        "  - type: contribution_rate\n"
        "    groups: [public, private]\n"
        "    start_year: 2025\n    every_years: 2\n    max_step: 0.02\n    granularity: 0.001\n"
        f"targets:\n  - {TARGET}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["solve", str(DATA / "scheme_base.yaml"), str(spec), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "all targets met" in text and "solution.yaml" in text
    sc = ssproj.load_scenario(out / "solution.yaml")
    assert _worst(sc, 2030, 2036) >= 7
    assert (out / "summary.csv").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("levers: []\ntargets: []\n", encoding="utf-8")
    assert main(["solve", str(DATA / "scheme_base.yaml"), str(bad), "--out", str(out)]) == 1
    assert "ERROR:" in capsys.readouterr().err


@pytest.mark.slow
def test_lao_question_is_infeasible_with_one_point_per_three_years():
    sc = ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml")
    res = ssproj.solve(sc, {"levers": [{"type": "contribution_rate", "groups": ["public", "private"],
                                        "start_year": 2026, "every_years": 3, "max_step": 0.01,
                                        "granularity": 0.001}],
                            "targets": ["reserve_ratio >= 1 until 2050"]})
    assert not res.feasible
    assert res.missed_by["reserve_ratio >= 1 until 2050"] < 0
    assert sum(next(iter(res.steps.values())).values()) == pytest.approx(0.09)

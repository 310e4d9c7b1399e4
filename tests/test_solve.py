"""ssproj.solve: the lowest lever values that meet targets (tiny scheme set; one Lao check)."""
from __future__ import annotations

from pathlib import Path

import pytest

import ssproj
import ssproj.analysis.solve as solve_module
from ssproj.analysis.solve import SpecError, _stepped_changes, load_spec
from ssproj.cli import main
from ssproj.errors import ScenarioError

DATA = Path(__file__).parent / "data" / "scenarios"
ROOT = Path(__file__).resolve().parents[1]
TARGET = "reserve_ratio >= 7 from 2030 until 2036 for all"  # the tiny set: pensions in surplus, short-term not


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
    return float(ssproj.project(scenario).summary("all")["reserve_ratio"].loc[lo:hi].min())


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
    res = ssproj.solve(base, {"levers": [_rates()], "targets": ["reserve_ratio >= 5 from 2030 until 2036 for all"]})
    assert res.feasible
    assert res.changes == {}
    assert res.runs == 1


def test_targets_concern_the_headline_fund_unless_another_is_named(base):
    """The tiny set's pension fund (the headline fund) is in surplus and its short-term fund in deficit."""
    assert ssproj.project(base).summary()["reserve_ratio"].loc[2030:2036].min() > 7
    res = ssproj.solve(base, {"levers": [_rates()], "targets": ["reserve_ratio >= 7 from 2030 until 2036"]})
    assert res.feasible and res.changes == {}
    # the short-term fund's deficit is structural: a target that slows its fall
    assert ssproj.project(base).summary("short_term")["reserve_ratio"].loc[2030] < -5
    res = ssproj.solve(base, {"levers": [_rates(max_step=0.05)], "targets": [
        {"name": "reserve_ratio", "op": ">=", "value": -5, "from": 2030, "until": 2030, "fund": "short_term"}]})
    assert res.feasible and res.changes
    assert ssproj.project(res.scenario).summary("short_term")["reserve_ratio"].loc[2030] >= -5
    with pytest.raises(SpecError, match=r"fund = 'short_trem' is not a fund of the scenario .*did you mean "
                                        r"'short_term'"):
        ssproj.solve(base, {"levers": [_rates()], "targets": ["reserve_ratio >= 0.5 until 2030 for short_trem"]})


def test_infeasible_target_reported_with_closest(base):
    res = ssproj.solve(base, {"levers": [_rates(max_step=0.001)],
                              "targets": ["reserve_ratio >= 50 until 2030 for all"]})
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
            "targets": ["reserve_ratio >= 6.35 from 2030 until 2036 for all"]}
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
    res = ssproj.solve(base, {"levers": [_rates(granularity=None)],
                              "targets": ["actuarial_balance_25 >= 0.07 for all"]})
    assert res.feasible
    assert res.projection.indicators(fund="all")["actuarial_balance_25"] >= 0.07


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


# A valid spec file (tiny scheme set: scheme years 2023-2040); each case below edits one of its lines.
SPEC = """\
levers:
  - type: contribution_rate
    groups: [public, private]
    start_year: 2025
    every_years: 2
    max_step: 0.02
    granularity: 0.001
targets:
  - reserve_ratio >= 7 from 2030 until 2036
"""
LEVEL = "  - {type: level, parameter: investment_return, start_year: 2025, bounds: [0.0, 0.2]}"


def _problems(exc: ScenarioError) -> list[tuple[str, int | None, str]]:
    """(file name or label, line, message) of every problem."""
    return [(str(p.file) if str(p.file).startswith("<") else Path(p.file).name, p.line, p.message)
            for p in exc.problems]


@pytest.fixture
def no_projection(monkeypatch):
    """Fail the test if solve projects anything: spec problems are found before any projection."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("a projection ran before the spec was validated")
    monkeypatch.setattr(solve_module, "project", refuse)


@pytest.mark.parametrize("edits, expected", [
    # wrong types: never a traceback
    ({"    groups: [public, private]": "    parameters: 5"},
     [(3, "levers[0].parameters = 5 must be contribution_rate_* parameters: a name or a non-empty list of names")]),
    ({"    max_step: 0.02": '    max_step: "x"'},
     [(6, "levers[0].max_step = 'x' must be a number >= 0 (the largest step, in the parameter's unit)")]),
    ({"    granularity: 0.001": '    granularity: "x"'},
     [(7, "levers[0].granularity = 'x' must be a number > 0 (steps are multiples of it)")]),
    ({"  - reserve_ratio >= 7 from 2030 until 2036": "  a: 1"},
     [(8, "targets = {'a': 1} must be a non-empty list of targets (e.g. 'reserve_ratio >= 1 until 2050')")]),
    ({"  - type: contribution_rate\n": "", "    groups: [public, private]\n": "", "    start_year: 2025\n": "",
      "    every_years: 2\n": "", "    max_step: 0.02\n": "", "    granularity: 0.001\n": "", "levers:": "levers: 5"},
     [(1, "levers = 5 must be a non-empty list of levers (mappings with 'type')")]),
    ({"  - type: contribution_rate": LEVEL.replace("[0.0, 0.2]", "[a, b]") + "\n  - type: contribution_rate"},
     [(2, "levers[0].bounds[0] = 'a' must be a number"), (2, "levers[0].bounds[1] = 'b' must be a number")]),
    # unknown keys, with a did-you-mean
    ({"  - reserve_ratio >= 7 from 2030 until 2036": "  - {name: reserve_ratio, op: '>=', value: 7, untill: 2036}"},
     [(9, "targets[0].untill: unknown key in a target; did you mean 'until'?")]),
    ({"    max_step: 0.02": "    maxstep: 0.02"},
     [(2, "levers[0]: required key 'max_step' is missing (the largest step, a number >= 0)"),
      (6, "levers[0].maxstep: unknown key in a contribution_rate lever; did you mean 'max_step'?")]),
    ({"targets:": "colour: blue\ntargets:"},
     [(8, "colour: unknown key in a solve spec; expected one of: description, levers, targets")]),
    ({"  - reserve_ratio >= 7 from 2030 until 2036": "  - reserve_ratio >= 7 untill 2036"},
     [(9, "targets[0] = 'reserve_ratio >= 7 untill 2036' is not a target (e.g. 'reserve_ratio >= 1 until 2050', "
          "'no_depletion from 2030 until 2060', 'gap_50 <= 0.25' or 'reserve_ratio >= 1 until 2050 for all'); "
          "did you mean 'until'?")]),
    # years: against each other and against the scenario
    ({"  - reserve_ratio >= 7 from 2030 until 2036": "  - reserve_ratio >= 1 until 1999"},
     [(9, "targets[0].until = 1999 is outside the years the scheme is projected, 2023-2040")]),
    ({"    start_year: 2025": "    start_year: 2045"},
     [(4, "levers[0].start_year = 2045 is outside the years the scheme is projected, 2023-2040")]),
    ({"    start_year: 2025": "    start_year: 2038"},
     [(4, "levers[0].start_year = 2038 is after the last target year 2036: the lever could not help meet them")]),
    ({"    granularity: 0.001": "    last_year: 2024"},
     [(7, "levers[0].last_year = 2024 is before start_year (2025)")]),
    ({"  - reserve_ratio >= 7 from 2030 until 2036": "  - reserve_ratio >= 7 from 2036 until 2030"},
     [(9, "targets[0].from = 2036 is after until (2030)")]),
    # names the scenario does not have
    ({"    groups: [public, private]": "    groups: [public, privat]"},
     [(3, "levers[0].groups[1] = 'privat' is not an insured group declared in the assumption set; "
          "did you mean 'private'?")]),
    ({"    groups: [public, private]": "    parameters: [contribution_rate_employers]"},
     [(3, "levers[0].parameters[0] = 'contribution_rate_employers' is not a parameter of the scenario; "
          "did you mean 'contribution_rate_employer'?")]),
    ({"  - type: contribution_rate": LEVEL.replace("investment_return", "investment_retrun")
      + "\n  - type: contribution_rate"},
     [(2, "levers[0].parameter = 'investment_retrun' is not a parameter of the scenario; "
          "did you mean 'investment_return'?")]),
    ({"  - reserve_ratio >= 7 from 2030 until 2036": "  - gap50 <= 0.25"},
     [(9, "targets[0].name = 'gap50' is not reserve_ratio, no_depletion or an indicator of "
          "Projection.indicators(); did you mean 'gap_50'?")]),
    # ranges and repeats
    ({"    granularity: 0.001": "    granularity: 0.05"},
     [(7, "levers[0].granularity = 0.05 is larger than max_step (0.02): no step could be taken")]),
    ({"    max_step: 0.02": "    max_step: 0.3"},
     [(6, "levers[0].max_step = 0.3 is too large: with every step at max_step, contribution_rate_employer.private"
          "[2031] = 1.27 is outside [0, 1] (range declared in ssproj defaults.yaml) (and 5 more); lower "
          "max_step, or end the steps earlier with last_year")]),
    ({"  - reserve_ratio >= 7 from 2030 until 2036": "  - reserve_ratio >= 7 from 2030 until 2036\n"
                                                    "  - reserve_ratio >= 7.0 from 2030 until 2036"},
     [(10, "targets[1]: is the same target as targets[0] (reserve_ratio >= 7 from 2030 until 2036); remove one")]),
])
def test_bad_spec_files_name_file_line_key_and_value(base, tmp_path, no_projection, edits, expected):
    text = SPEC
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new)
    f = tmp_path / "spec.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as err:
        ssproj.solve(base, f)
    assert _problems(err.value) == [("spec.yaml", line, message) for line, message in expected]
    assert isinstance(err.value, ScenarioError) and isinstance(err.value, ValueError)


@pytest.mark.parametrize("spec, expected", [
    ({"levers": [_rates()], "targets": "reserve_ratio >= 7"},
     ["targets = 'reserve_ratio >= 7' must be a non-empty list of targets (e.g. 'reserve_ratio >= 1 until 2050')"]),
    ({"levers": [_rates(every_years=0)], "targets": [TARGET]},
     ["levers[0].every_years = 0 must be a whole number of years >= 1"]),
    ({"levers": [{"type": "tax", "start_year": 2025}], "targets": [TARGET]},
     ["levers[0].type = 'tax' is not a lever type; expected one of: contribution_rate, level, pensionable_age"]),
    ({"levers": [{"type": "level", "parameter": "investment_return", "start_year": 2025, "bounds": [0, 0.2],
                  "max_step": 1}], "targets": [TARGET]},
     ["levers[0].max_step: is not a key of a level lever (only of contribution_rate and pensionable_age levers); "
      "a level lever takes type, parameter, groups, start_year, bounds, prefer"]),
    ({"levers": [{"type": "level", "parameter": "investment_return", "start_year": 2025, "bounds": [0, 5]}],
      "targets": [TARGET]},
     ["levers[0].bounds[1] = 5.0 is not a valid value: investment_return[2025] = 5.0 is outside [-0.5, 2] "
      "(range declared in ssproj defaults.yaml)"]),
    ({"levers": [_rates(), _rates()], "targets": [TARGET]},
     ["levers[1]: is the same lever as levers[0] (contribution_rate contribution_rate_employer (public, private): "
      "steps <= 0.02 every 2 years from 2025); remove one"]),
    ({"levers": [_rates()], "targets": [{"name": "no_depletion", "value": 1}]},
     ["targets[0].value = 1 is not taken by no_depletion (it means a reserve > 0)"]),
    ({"levers": [_rates()], "targets": ["gap_50 <= 0.25 until 2030"]},
     ["targets[0].until = 2030 is not taken by an indicator target (indicators summarise the whole projection)"]),
])
def test_bad_spec_mappings_are_labelled(base, no_projection, spec, expected):
    with pytest.raises(SpecError) as err:
        ssproj.solve(base, spec)
    assert _problems(err.value) == [("<solve spec>", None, message) for message in expected]


def test_every_problem_of_a_spec_file_is_reported_at_once(base, tmp_path, no_projection, capsys):
    f = tmp_path / "several.yaml"
    f.write_text(
        "levers:\n"
        "  - type: contribution_rate\n"
        "    parameters: [contribution_rate_employer]\n"
        "    groups: [public, privat]\n"
        "    start_year: 2025\n"
        "    max_step: x\n"
        "  - type: level\n"
        "    parameter: investment_return\n"
        "    start_year: 2045\n"
        "    bounds: [0.0, 0.2]\n"
        "targets:\n"
        "  - reserve_ratio >= 1 until 1999\n"
        "  - {name: reserve_ratio, op: '>=', value: 1, untill: 2030}\n", encoding="utf-8")
    with pytest.raises(SpecError) as err:
        ssproj.solve(base, f)
    assert _problems(err.value) == [
        ("several.yaml", 4, "levers[0].groups[1] = 'privat' is not an insured group declared in the assumption set; "
                            "did you mean 'private'?"),
        ("several.yaml", 6, "levers[0].max_step = 'x' must be a number >= 0 (the largest step, in the parameter's "
                            "unit)"),
        ("several.yaml", 9, "levers[1].start_year = 2045 is outside the projection years, 2020-2040"),
        ("several.yaml", 12, "targets[0].until = 1999 is outside the years the scheme is projected, 2023-2040"),
        ("several.yaml", 13, "targets[1].untill: unknown key in a target; did you mean 'until'?"),
    ]
    # the CLI prints them all, one per line, and exits 1
    assert main(["solve", str(DATA / "scheme_base.yaml"), str(f), "--out", str(tmp_path / "out")]) == 1
    err_text = capsys.readouterr().err
    assert "several.yaml:6: levers[0].max_step = 'x'" in err_text
    assert "several.yaml:13: targets[1].untill: unknown key" in err_text


def test_load_spec_checks_the_form_only():
    levers, targets = load_spec({"levers": [_rates(groups=["privat"])], "targets": [TARGET]})
    assert levers[0].groups == ("privat",) and targets[0].until == 2036   # the scenario is checked by solve
    with pytest.raises(SpecError) as err:
        load_spec({"levers": [_rates(max_step=-1)], "targets": [TARGET, "reserve_ratio <= 1"], "note": 1})
    assert [str(p) for p in err.value.problems] == [
        "<solve spec>: note: unknown key in a solve spec; expected one of: description, levers, targets",
        "<solve spec>: levers[0].max_step = -1 must be a number >= 0 (the largest step, in the parameter's unit)",
        "<solve spec>: targets[1].op = '<=' must be '>=' for reserve_ratio ('reserve_ratio >= k')",
    ]
    with pytest.raises(SpecError, match=r"^<solve spec>: 5 is not a solve spec \(a mapping or a YAML file\)$"):
        load_spec(5)  # type: ignore[arg-type]


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

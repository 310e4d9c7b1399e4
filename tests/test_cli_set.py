"""The command line as users expect it: --set, the printed headline and table of ``ssproj run``, output read by a
pipe that closes early, the shipped solve spec, the compile notice of the first stochastic run."""
import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import ssproj
from ssproj.analysis.solve import check_spec, load_spec
from ssproj.cli import main
from ssproj.errors import ScenarioError
from ssproj.projection import Projection
from ssproj.reporting.text import WIDTH, format_milestones, milestone_years, percent
from ssproj.scenario.assignments import AssignmentError, apply_assignments, parse_assignments
from ssproj.scheme.engine import paths_kernel_cached

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "scenarios"
SCHEME = DATA / "scheme_base.yaml"
SPEC = ROOT / "scenarios" / "solve" / "lao_contribution_rate_2075.yaml"

#: The same changes as --set texts and as a scenario file's changes: block.
SETS = ["contribution_rate_employer[private]=0.08", "contribution_rate_employer.public[2030]=0.1",
        "wage_growth={2030: 0.04, 2035: 0.03}", "coverage_rate[voluntary]={values: {2020: 0.02, 2040: 0.2}, "
                                                "between: linear}"]
CHANGES = {"contribution_rate_employer": {"private": 0.08, "public": {2030: 0.1}},
           "wage_growth": {2030: 0.04, 2035: 0.03},
           "coverage_rate": {"voluntary": {"values": {2020: 0.02, 2040: 0.2}, "between": "linear"}}}
FILE = f"""extends: {SCHEME.as_posix()}
name: scheme_set_by_file
changes:
  contribution_rate_employer: {{private: 0.08, public: {{2030: 0.1}}}}
  wage_growth: {{2030: 0.04, 2035: 0.03}}
  coverage_rate:
    voluntary: {{values: {{2020: 0.02, 2040: 0.2}}, between: linear}}
"""


def _set_args(texts):
    return [a for t in texts for a in ("--set", t)]


# -- --set: read like a changes: block -------------------------------------------------------------------------
def test_assignments_nest_into_one_changes_mapping():
    changes, paths, problems = parse_assignments(SETS)
    assert problems == []
    assert changes == CHANGES
    assert [n for _, n in paths] == [1, 2, 3, 4]
    assert list(changes["wage_growth"]) == [2030, 2035]  # YAML 1.2 integers: years are ints


def test_set_changes_the_result_exactly_like_the_same_change_in_a_scenario_file(tmp_path, capsys):
    by_set, by_file = tmp_path / "set", tmp_path / "file"
    assert main(["run", str(SCHEME), *_set_args(SETS), "--out", str(by_set), "--quiet"]) == 0
    (tmp_path / "changed.yaml").write_text(FILE)
    assert main(["run", str(tmp_path / "changed.yaml"), "--out", str(by_file), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    with xr.open_dataset(by_set / "results.nc") as a, xr.open_dataset(by_file / "results.nc") as b:
        assert sorted(a.data_vars) == sorted(b.data_vars) and len(a.data_vars) > 50
        for name in a.variables:  # bit for bit
            assert a[name].dtype == b[name].dtype, name
            assert np.array_equal(a[name].values, b[name].values, equal_nan=a[name].dtype.kind == "f"), name
    # the changes are in the provenance of the result, and the scenario's name says it was changed
    prov = json.loads((by_set / "provenance.json").read_text())
    assert prov["changes_applied"] == [json.loads(json.dumps(CHANGES))]  # (JSON: year keys as strings)
    assert prov["scenario"] == "scheme_base+contribution_rate_employer+wage_growth+coverage_rate"
    base = ssproj.load_scenario(SCHEME)
    assert base.with_changes(CHANGES).parameters == apply_assignments(base, SETS).parameters


def test_run_prints_what_set_changed(tmp_path, capsys):
    assert main(["run", str(SCHEME), "--set", "wage_growth=0.03", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "changed with --set (recorded in the provenance): wage_growth=0.03" in out


BAD = ["contribution_rate_employr[private]=0.08",         # unknown parameter
       "wage_growth=abc",                                 # not a time path
       "contribution_rate_employer[privat]=0.06",         # unknown group
       "coverage_rate[voluntary]=7",                      # out of range
       "oops",                                            # no '='
       "wage_growth[2030]=0.1",                           # inside what #2 sets
       "x[=1",                                            # not a key
       "price_inflation={2030: 0.1",                      # not YAML
       "price_inflation="]                                # no value
EXPECTED = [
    "ERROR: --set #1: contribution_rate_employr: unknown parameter; did you mean 'contribution_rate_employer'?",
    "  --set #2: wage_growth = 'abc' is not a time path",
    "  --set #3: contribution_rate_employer.privat: unknown insured group (not declared in the assumption set); "
    "did you mean 'private'?",
    "  --set #4: coverage_rate.voluntary = 7 is outside [0, 1]",
    "  --set #5: 'oops' is not an assignment: expected NAME=VALUE, NAME[group]=VALUE or NAME[group][year]=VALUE",
    "  --set #6: wage_growth[2030]: is inside what is set by --set #2 (wage_growth)",
    "  --set #7: 'x[' is not a key: expected NAME, NAME[group] or NAME[group][year]",
    "  --set #8: price_inflation = '{2030: 0.1' is not a YAML value: expected ',' or '}'",
    "  --set #9: price_inflation: has no value after '='",
]


def test_bad_set_lists_every_problem_and_exits_2_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("ssproj.cli.project", lambda sc: pytest.fail("projected"))
    assert main(["run", str(SCHEME), *_set_args(BAD), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == len(EXPECTED)
    for line, start in zip(err, EXPECTED, strict=True):
        assert line.startswith(start), (line, start)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("command", "work"), [
    (["compare", str(SCHEME), str(DATA / "scheme_child.yaml")], "project"),
    (["stochastic", str(SCHEME), "--paths", "2"], "stochastic"),
    (["sensitivity", str(SCHEME)], "sensitivity"),
    (["solve", str(SCHEME), "spec.yaml"], "solve"),
])
def test_every_command_with_set_refuses_a_bad_one_with_exit_2(command, work, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(f"ssproj.cli.{work}", lambda *a, **k: pytest.fail("work started"))
    code = main([*command, "--set", "wage_growth=abc", "--set", "fertility_multplier=0.9",
                 "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("ERROR: --set #1: wage_growth = 'abc' is not a time path")
    assert "--set #2: fertility_multplier: unknown parameter; did you mean 'fertility_multiplier'?" in err
    assert "scenario '" not in err  # compare: the same problem in every scenario is listed once
    assert not (tmp_path / "o").exists()


def test_compare_applies_set_to_every_scenario_keeping_their_names(tmp_path, monkeypatch, capsys):
    seen = []

    def spy(sc):
        seen.append(sc)
        return ssproj.project(sc)

    monkeypatch.setattr("ssproj.cli.project", spy)
    assert main(["compare", str(SCHEME), str(DATA / "scheme_child.yaml"), "--set", "wage_growth=0.03",
                 "--out", str(tmp_path / "cmp")]) == 0
    assert [sc.name for sc in seen] == ["scheme_base", "scheme_child"]
    assert all(sc.provenance["changes_applied"][-1] == {"wage_growth": 0.03} for sc in seen)
    assert "changed in every scenario with --set (recorded in the provenance): wage_growth=0.03" in \
        capsys.readouterr().out


def test_compare_names_the_scenarios_a_set_problem_concerns(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("ssproj.cli.project", lambda sc: pytest.fail("projected"))
    other = tmp_path / "other.yaml"  # another assumption set: no insured groups
    other.write_text(f"extends: {(DATA / 'base.yaml').as_posix()}\nname: tiny_other\n")
    assert main(["compare", str(SCHEME), str(other), "--set", "contribution_rate_employer[private]=0.08",
                 "--out", str(tmp_path / "cmp")]) == 2
    err = capsys.readouterr().err
    assert "--set #1 (scenario 'tiny_other'): contribution_rate_employer.private" in err
    assert "scheme_base" not in err


def test_solve_with_set_writes_the_scenario_solved_and_a_solution_extending_it(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text("levers:\n  - {type: contribution_rate, groups: [public, private], start_year: 2025, "
                    "every_years: 2, max_step: 0.02, granularity: 0.001}\n"
                    "targets:\n  - reserve_ratio >= 7 from 2030 until 2036 for all\n")
    out = tmp_path / "solved"
    assert main(["solve", str(SCHEME), str(spec), "--set", "wage_growth=0.03", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "wrote scenario  " in printed and "wrote solution  " in printed
    solved = ssproj.load_scenario(out / "scenario.yaml")
    assert solved.parameters == ssproj.load_scenario(SCHEME).with_changes({"wage_growth": 0.03}).parameters
    solution = ssproj.load_scenario(out / "solution.yaml")
    assert solution.value("wage_growth") == solved.value("wage_growth")
    summary = ssproj.project(solution).summary()
    written = pd.read_csv(out / "summary.csv", index_col=0)
    assert np.allclose(summary["reserve_ratio"].to_numpy(), written["reserve_ratio"].to_numpy(), equal_nan=True,
                       rtol=1e-12)


@pytest.mark.slow
def test_sensitivity_with_set_records_the_changes_in_its_provenance(tmp_path, capsys):
    out = tmp_path / "sens"
    assert main(["sensitivity", str(SCHEME), "--set", "wage_growth=0.03", "--out", str(out)]) == 0
    assert "changed with --set (recorded in the provenance): wage_growth=0.03" in capsys.readouterr().out
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["changes_applied"] == [{"wage_growth": 0.03}]
    assert prov["scenario"] == "scheme_base+wage_growth"


# -- ssproj run: the headline and a compact table ------------------------------------------------------------
@pytest.fixture(scope="module")
def printed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "tiny"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["run", str(SCHEME), "--out", str(out)]) == 0
    return printed.getvalue(), Projection.from_netcdf(out / "results.nc")


def _value_after(text, label):
    line = next(line for line in text.splitlines() if line.strip().startswith(label))
    return line.strip()[len(label):].strip()


def test_run_prints_the_headline_figures_of_indicators(printed_run):
    out, result = printed_run
    ind = result.indicators()
    last = int(result.summary().index[-1])
    depletion = ind["depletion_year"]
    assert _value_after(out, "depletion year (scheduled flows)") == (
        f"not depleted by {last}" if np.isnan(depletion) else str(int(depletion)))
    gaps = " / ".join(f"{100 * ind[f'gap_{h}']:.2f}%" if abs(ind[f"gap_{h}"]) < 0.1 else
                      f"{100 * ind[f'gap_{h}']:.1f}%" for h in (25, 50, 75))
    assert _value_after(out, "GAP over 25 / 50 / 75 years") == f"{gaps} of insured earnings"
    share = ind["pv_shortfall_75_share_of_gdp"]
    assert f"= {percent(share)} of the PV of GDP" in out  # the value of indicators(), in the report's format


def test_run_prints_contributors_pensioners_and_reserve_ratio_at_milestones(printed_run):
    out, result = printed_run
    summary = result.summary()
    years = milestone_years(summary.dropna(subset=["total_outgo"]).index)
    assert years == [2023, 2030, 2040]  # first scheme year, milestones, last year
    table = format_milestones(summary, years)
    assert table in out
    rows = {int(line.split()[0]): line.split() for line in table.splitlines()[2:]}
    for y in years:
        assert rows[y][1] == f"{summary.at[y, 'contributors']:,.0f}"
        assert rows[y][2] == f"{summary.at[y, 'pensioners']:,.0f}"
        assert rows[y][6] == f"{summary.at[y, 'reserve_ratio']:.2f}"
    # the headline fits in the width of a terminal (the table: below; the tiny set's GDP is not realistic)
    lines = out[:out.index("At milestone years")].splitlines()[1:]
    assert max(len(line) for line in lines) <= WIDTH
    assert "total_population [persons at 1 July]" not in out  # the whole summary only with --full


def test_milestone_table_fits_in_the_width_with_the_largest_plausible_figures():
    big = {"contributors": 12_345_678.0, "pensioners": 9_876_543.0, "system_dependency_ratio": 12.34,
           "average_contribution_rate": 0.999, "payg_cost_rate": 1.234, "reserve_ratio": -99.99,
           "financing_gap_share_of_gdp": -0.1234}
    summary = pd.DataFrame([big] * 3, index=[2024, 2050, 2100]).rename_axis("year")
    table = format_milestones(summary, [2024, 2050, 2100])
    assert max(len(line) for line in table.splitlines()) <= WIDTH
    assert table.splitlines()[2].split() == ["2024", "12,345,678", "9,876,543", "12.34", "99.9", "123.4", "-99.99",
                                            "-12.34"]


def test_run_full_prints_every_row_of_the_summary(tmp_path, capsys):
    assert main(["run", str(SCHEME), "--full", "--every", "1", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    summary = Projection.from_netcdf(tmp_path / "o" / "results.nc").summary()
    labels = {line.split(" [")[0] for line in out.splitlines()}
    assert set(summary.columns) <= labels
    header = next(line for line in out.splitlines() if line.startswith("year "))
    assert header.split()[1:] == [str(y) for y in summary.index]
    assert "At milestone years" not in out


def test_population_only_run_prints_a_population_table(tmp_path, capsys):
    assert main(["run", str(DATA / "base.yaml"), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "At milestone years:" in out and "population" in out and "e0 women" in out
    assert "2020" in out and "2060" in out


# -- output read by a pipe that stops early ---------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_report_piped_into_head_exits_cleanly(tmp_path, unbuffered):
    assert main(["run", str(SCHEME), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = unbuffered
    for command in (["report", str(tmp_path / "o"), "--every", "1"], ["report", str(tmp_path / "o")],
                    ["--help"], ["validate", str(SCHEME)]):
        ssproj_proc = subprocess.Popen([sys.executable, "-m", "ssproj.cli", *command], cwd=ROOT, env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        head = subprocess.Popen(["head", "-1"], stdin=ssproj_proc.stdout, stdout=subprocess.PIPE)
        ssproj_proc.stdout.close()  # head alone reads the pipe: when it exits, the pipe is closed
        first, _ = head.communicate(timeout=120)
        err = ssproj_proc.stderr.read()
        ssproj_proc.stderr.close()
        assert ssproj_proc.wait(timeout=120) == 0, (command, err)
        assert err == b"", (command, err)
        assert first.startswith((b"ssproj ", b"usage: ", b"ok: "))


@pytest.mark.slow
def test_output_to_a_pipe_closed_before_any_write_is_not_an_error(tmp_path):
    # the worst case of '| head': the reader is gone before the first byte, whatever the buffering
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    for command in (["--help"], ["validate", str(SCHEME)], ["--version"]):
        read, write = os.pipe()
        os.close(read)
        proc = subprocess.run([sys.executable, "-m", "ssproj.cli", *command], cwd=ROOT, env=env, stdout=write,
                              capture_output=False, stderr=subprocess.PIPE, timeout=120)
        os.close(write)
        assert proc.returncode == 0, (command, proc.stderr)
        assert proc.stderr == b"", (command, proc.stderr)


# -- the shipped solve spec ---------------------------------------------------------------------------------------
def test_shipped_solve_spec_is_valid_for_the_lao_baseline():
    levers, targets = load_spec(SPEC)
    assert [lv.type for lv in levers] == ["contribution_rate"] and [t.label() for t in targets] == \
        ["no_depletion until 2075"]
    assert check_spec(ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml"), levers, targets) == []


@pytest.mark.slow
def test_shipped_solve_spec_gives_the_schedule_of_the_docs():
    res = ssproj.solve(ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml"), SPEC)
    assert res.feasible
    (schedule,) = res.steps.values()
    # docs/solve.md, "Example: the shipped spec"
    assert schedule == {2027: 0.0225, 2032: 0.035, 2037: 0.03, 2042: 0.045, 2047: 0.05, 2052: 0.0475, 2057: 0.0375,
                        2062: 0.0325, 2067: 0.025, 2072: 0.0275}
    assert text_in_docs("2027: +0.0225") and text_in_docs("+35.25 points")


def text_in_docs(text):
    return text in (ROOT / "docs" / "solve.md").read_text(encoding="utf-8")


# -- the first stochastic run says it compiles --------------------------------------------------------------------
def test_paths_kernel_cached_is_a_bool():
    assert paths_kernel_cached() in (True, False)


@pytest.mark.parametrize("cached", [False, True])
def test_stochastic_says_it_compiles_when_the_kernel_is_not_cached(cached, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("ssproj.cli.paths_kernel_cached", lambda: cached)

    def stop(*args, **kwargs):
        raise ValueError("stopped here")

    monkeypatch.setattr("ssproj.cli.stochastic", stop)
    assert main(["stochastic", str(SCHEME), "--paths", "2", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    notice = "compiling the stochastic kernels (first run only, about "
    assert (notice in err) is not cached
    assert err.endswith("ERROR: stopped here\n")
    assert main(["stochastic", str(SCHEME), "--paths", "2", "--quiet", "--out", str(tmp_path / "o")]) == 1
    assert notice not in capsys.readouterr().err


def test_assignment_error_is_a_scenario_error():
    base = ssproj.load_scenario(SCHEME)
    with pytest.raises(AssignmentError) as err:
        apply_assignments(base, ["wage_growth=abc"])
    assert isinstance(err.value, ScenarioError)
    assert apply_assignments(base, []) is base

"""Sweeps over scenario variants: spec validation, results equal to one-by-one projections, the CLI."""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

import ssproj
from ssproj.cli import main
from ssproj.errors import ScenarioError
from ssproj.uncertainty.sweep import SweepError, load_sweep, sweep

BASELINE = Path("scenarios/lao_baseline.yaml").resolve()


def _spec(tmp_path, body: str) -> Path:
    f = tmp_path / "sweep.yaml"
    f.write_text(textwrap.dedent(body).replace("BASELINE", str(BASELINE)))
    return f


@pytest.mark.slow
def test_grid_gives_every_combination_in_order(tmp_path):
    spec = load_sweep(_spec(tmp_path, """\
        name: g
        scenario: BASELINE
        grid:
          investment_return: [0.06, 0.08]
          pensionable_age_male: [{private: 60}, {private: 62}, {private: 65}]
        """))
    assert len(spec.labels) == 6
    assert spec.labels[0] == 'investment_return=0.06,pensionable_age_male={"private":60}'
    assert spec.changes[-1] == {"investment_return": 0.08, "pensionable_age_male": {"private": 65}}
    res = sweep(spec)
    assert res.dataset.sizes["scenario"] == 6
    gap = res.indicators()["gap_75"].to_numpy().reshape(2, 3)
    assert np.all(np.diff(gap, axis=1) < 0)  # later retirement, lower cost
    assert np.all(gap[1] < gap[0])  # higher return, lower premium


@pytest.mark.slow
def test_sweep_results_equal_projections_one_by_one(tmp_path):
    base = ssproj.load_scenario(BASELINE)
    spec = {"name": "v", "variants": [
        {"name": "base", "changes": {}},
        {"name": "later_retirement", "changes": {"pensionable_age_male": {"private": {2030: 62}}}},
        {"name": "higher_rate", "changes": {"contribution_rate_employee": {"private": {2027: 0.07}}}},
    ]}
    res = sweep(spec, base)
    assert res.labels == ["base", "later_retirement", "higher_rate"]
    for i, (label, changes) in enumerate(zip(res.labels, [{}, spec["variants"][1]["changes"],
                                                          spec["variants"][2]["changes"]], strict=True)):
        sc = base.with_changes(changes) if changes else base
        p = ssproj.project(sc)
        s = p.summary().dropna(subset=["total_outgo"])
        assert np.array_equal(res.dataset["reserve_end"].values[i], s["reserve_end"].to_numpy()), label
        assert res.dataset["gap_75"].values[i] == p.indicators()["gap_75"]
    ind = res.indicators()
    # a later retirement age lowers the long-run cost; a higher rate leaves the cost rate alone
    assert ind.loc["later_retirement", "gap_75"] < ind.loc["base", "gap_75"]
    assert ind.loc["higher_rate", "gap_75"] == pytest.approx(ind.loc["base", "gap_75"], rel=0.02)
    rr = res.table("reserve_ratio", years=(2028, 2050))
    # while the reserve lasts (to 2028 in the Lao baseline, back-cast reserve) a higher rate keeps more of it
    assert rr.loc["higher_rate", 2028] > rr.loc["base", 2028]


def _problems(exc) -> list[tuple[str, int | None, str]]:
    """(file name or label, line, message) of every problem."""
    return [(str(p.file) if str(p.file).startswith("<") else Path(p.file).name, p.line, p.message)
            for p in exc.problems]


def test_spec_errors_are_reported_all_at_once(tmp_path):
    f = _spec(tmp_path, """\
        name: bad
        scenario: nowhere.yaml
        grid:
          contribution_rate_employee: 0.06
        colour: blue
        """)
    with pytest.raises(SweepError) as err:
        load_sweep(f)
    assert isinstance(err.value, ScenarioError)
    text = str(err.value)
    assert "colour: unknown key" in text
    assert "nowhere.yaml" in text
    assert _problems(err.value) == [
        ("sweep.yaml", 2, f"scenario = 'nowhere.yaml' is not a file (looked for "
                          f"{tmp_path.resolve() / 'nowhere.yaml'})"),
        ("sweep.yaml", 4, "grid.contribution_rate_employee = 0.06 must be a non-empty list of values"),
        ("sweep.yaml", 5, "colour: unknown key in a sweep spec; expected one of: description, grid, name, scenario, "
                          "variants"),
    ]
    assert text.splitlines()[1].endswith(
        "sweep.yaml:4: grid.contribution_rate_employee = 0.06 must be a non-empty list of values")
    with pytest.raises(SweepError, match="exactly one of 'grid'"):
        load_sweep({"scenario": str(BASELINE)})


TINY = Path(__file__).parent / "data" / "scenarios" / "scheme_base.yaml"


@pytest.mark.parametrize("body, expected", [
    ("""\
     name: x
     scenario: TINY
     variants:
       - name: a
         changes: {investment_return: 0.05}
       - name: a
         changes: {investment_return: 0.06}
     """, [(6, "variants[1].name = 'a' is also the name of variants[0]; give each variant its own name")]),
    ("""\
     scenario: TINY
     variants:
       - name: low
         changes: {investment_return: 0.05}
       - name: also_low
         changes: {investment_return: 0.050}
     """, [(6, "variants[1].changes: are the same as those of variants[0] ('low'): the two variants would be "
               "identical; remove one")]),
    ("""\
     scenario: TINY
     grid:
       investment_return: [0.05, 0.06, 0.05]
     """, [(3, "grid.investment_return[2] = 0.05 is the same value as grid.investment_return[0]; remove one: "
               "every variant must differ")]),
    ("""\
     scenario: TINY
     variants:
       - name: a
         chnages: {investment_return: 0.05}
       - name: b
         changes: {investment_return: 0.06}
     """, [(4, "variants[0].chnages: unknown key in a variant; did you mean 'changes'?")]),
    ("""\
     scenario: TINY
     variants: 5
     """, [(2, "variants = 5 must be a non-empty list of {name, changes}")]),
    ("""\
     scenario: 3
     grid: {investment_return: [0.05]}
     """, [(1, "scenario = 3 must be a scenario file (a path relative to the spec)")]),
    ("""\
     scenario: TINY
     grid: [investment_return, 0.05]
     """, [(2, "grid = ['investment_return', 0.05] must be a non-empty mapping parameter -> list of values")]),
    ("""\
     name: a/b
     scenario: TINY
     grid: {investment_return: [0.05]}
     variants: [{name: x}]
     """, [(1, "name = 'a/b' must not contain / or \\ (it names the output folder)"),
           (1, "give exactly one of 'grid' (parameter -> list of values) or 'variants' (a list of {name, changes})")]),
    ("""\
     scenario: TINY
     variants:
       - changes: {investment_return: 0.05}
       - ordinary
     """, [(3, "variants[0]: required key 'name' is missing (the variant's label)"),
           (4, "variants[1] = 'ordinary' must be a mapping {name, changes}")]),
])
def test_bad_sweep_specs_name_file_line_key_and_value(tmp_path, body, expected):
    f = tmp_path / "sweep.yaml"
    f.write_text(textwrap.dedent(body).replace("TINY", str(TINY)), encoding="utf-8")
    with pytest.raises(SweepError) as err:
        load_sweep(f)
    assert _problems(err.value) == [("sweep.yaml", line, message) for line, message in expected]


@pytest.mark.parametrize("spec, expected", [
    ({"variants": [{"name": "a"}], "scenarios": "x.yaml"},
     ["scenarios: unknown key in a sweep spec; did you mean 'scenario'?"]),
    ({"grid": {"investment_return": [1, 1.0]}},
     ["grid.investment_return[1] = 1.0 is the same value as grid.investment_return[0]; remove one: every variant "
      "must differ"]),
    ({"variants": [{"name": "a"}, {"name": "b", "changes": {}}]},
     ["variants[1].changes: are the same as those of variants[0] ('a'): the two variants would be identical; "
      "remove one"]),
    ({"name": "", "variants": [{"name": "a", "changes": [1]}]},
     ["name = '' must be a non-empty string", "variants[0].changes = [1] must be a mapping parameter -> value"]),
])
def test_bad_sweep_mappings_are_labelled(spec, expected):
    with pytest.raises(SweepError) as err:
        load_sweep(spec)
    assert _problems(err.value) == [("<sweep spec>", None, message) for message in expected]


def test_bad_changes_are_reported_before_any_projection(tmp_path, monkeypatch):
    import ssproj.uncertainty.sweep as sweep_module

    def refuse(*_args, **_kwargs):
        raise AssertionError("a variant was projected before every variant was validated")

    monkeypatch.setattr(sweep_module, "project", refuse)
    spec = {"name": "x", "variants": [{"name": "a", "changes": {"contribution_rate_employe": 0.06}},
                                      {"name": "b", "changes": {"pensionable_age_male": -3}}]}
    with pytest.raises(SweepError) as err:
        sweep(spec, ssproj.load_scenario(TINY))
    assert _problems(err.value) == [
        ("<sweep spec>", None, "variants[0].changes.contribution_rate_employe: unknown parameter; did you mean "
                               "'contribution_rate_employer'?"),
        ("<sweep spec>", None, "variants[1].changes.pensionable_age_male = -3 is not a mapping insured group -> "
                               "value (pensionable_age_male is set per insured group); write pensionable_age_male: "
                               "{public: ..., private: ..., voluntary: ...}; the default applies to every insured "
                               "group not given"),
    ]
    # from a file: each problem at the line of the change it comes from (a grid value serves several variants)
    f = tmp_path / "sweep.yaml"
    f.write_text(textwrap.dedent(f"""\
        scenario: {TINY}
        grid:
          investment_return: [0.05, 0.06]
          pensionable_age_male:
            - {{private: 60}}
            - {{privat: 62}}
            - private:
                2030: 99
        """), encoding="utf-8")
    with pytest.raises(SweepError) as err:
        sweep(f)
    assert _problems(err.value) == [
        ("sweep.yaml", 6, "grid.pensionable_age_male[1].privat: unknown insured group (not declared in the assumption "
                          "set); did you mean 'private'?"),
        ("sweep.yaml", 8, "grid.pensionable_age_male[2].private[2030] = 99 is outside [40, 80] (range declared in "
                          "ssproj defaults.yaml)"),
    ]


def test_sweep_without_a_scenario_says_so():
    with pytest.raises(SweepError) as err:
        sweep({"variants": [{"name": "a"}]})
    assert _problems(err.value) == [
        ("<sweep spec>", None, "required key 'scenario' is missing (the base scenario file), and no scenario was "
                               "given")]


@pytest.mark.slow
def test_cli_sweep_writes_results(tmp_path, capsys):
    f = _spec(tmp_path, """\
        name: cli
        scenario: BASELINE
        variants:
          - name: base
          - name: older
            changes: {pensionable_age_male: {private: {2030: 62}}}
        """)
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "sweep 'cli', 2 variants" in text and "older" in text
    from ssproj.uncertainty.distributed import open_result

    ds = open_result(out / "sweep.zarr")
    assert ds.sizes["scenario"] == 2 and np.all(np.isfinite(ds["reserve_end"].values))
    assert (out / "indicators.csv").read_text().startswith("variant,")
    assert main(["sweep", str(tmp_path / "missing.yaml")]) != 0

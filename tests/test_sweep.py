"""Sweeps over scenario variants: spec validation, results equal to one-by-one projections, the CLI."""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

import ssproj
from ssproj.cli import main
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
    rr = res.table("reserve_ratio")
    assert rr.loc["higher_rate", 2050] > rr.loc["base", 2050]


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
    text = str(err.value)
    assert "colour: unknown key" in text
    assert "scenario: file not found" in text and "nowhere.yaml" in text
    assert "grid.contribution_rate_employee: 0.06 must be a non-empty list of values" in text
    with pytest.raises(SweepError, match="exactly one of 'grid'"):
        load_sweep({"scenario": str(BASELINE)})


def test_bad_changes_are_reported_before_any_projection(tmp_path):
    spec = {"name": "x", "variants": [{"name": "a", "changes": {"contribution_rate_employe": 0.06}},
                                      {"name": "b", "changes": {"pensionable_age_male": -3}}]}
    with pytest.raises(SweepError) as err:
        sweep(spec, ssproj.load_scenario(BASELINE))
    text = str(err.value)
    assert "variant 'a'" in text and "contribution_rate_employe" in text
    assert "variant 'b'" in text and "pensionable_age_male" in text


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

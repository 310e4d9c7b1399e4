"""ssproj.analysis.calibrate: calibration to a fund's aggregates on our own synthetic fund (issue 13).

The truth is the Lao baseline. Its projection for 2024 gives the targets;
the mapped parameters are perturbed; calibrating the perturbed scenario to
the targets must meet them and recover the truth's parameters and
projection.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import ssproj
from ssproj.analysis.calibrate import MEASURES, TargetsError, _factor, calibrate, load_targets
from ssproj.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "lao_baseline.yaml"
YEAR = 2024
#: (parameter, entity, perturbation factor): the truth's value times this is the perturbed scenario's.
PERTURB = [("coverage_rate", "private", 1.05), ("coverage_rate", "voluntary", 1.15),
           ("earnings_level", "public", 0.85), ("earnings_level", "private", 1.1),
           ("contribution_density", "voluntary", 0.9), ("admin_cost_rate", None, 1.3)]


@pytest.fixture(scope="module")
def truth():
    sc = ssproj.load_scenario(BASELINE)
    return sc, ssproj.project(sc)


def _targets(proj):
    ds = proj.dataset.sel(year=YEAR)
    out = [{"measure": "active_members", "group": g, "year": YEAR,
            "value": float(ds["actives"].sel(group=g).sum())} for g in ("private", "voluntary")]
    out += [{"measure": "insured_earnings", "group": g, "year": YEAR,
             "value": float(ds["insured_earnings"].sel(group=g))} for g in ("public", "private")]
    out.append({"measure": "contributions", "group": "voluntary", "year": YEAR,
                "value": float(ds["contributions"].sel(group="voluntary").sum())})
    out.append({"measure": "admin_cost", "year": YEAR, "value": float(ds["admin_cost"].sum())})
    return out


@pytest.fixture(scope="module")
def calibrated(truth, tmp_path_factory):
    sc, proj = truth
    folder = tmp_path_factory.mktemp("cal")
    pert_file = folder / "scenarios" / "lao_perturbed.yaml"
    pert_file.parent.mkdir()
    # the perturbed scenario as a file (calibrated.yaml extends it)
    pert_file.write_text(yaml.safe_dump({"name": "lao_perturbed",
                                         "extends": os.path.relpath(BASELINE, pert_file.parent),
                                         "changes": _changes_of(sc)}, sort_keys=False), encoding="utf-8")
    targets = {"source": "Lao baseline projection (truth)", "targets": _targets(proj)}
    tfile = folder / "targets.yaml"
    tfile.write_text(yaml.safe_dump(targets, sort_keys=False), encoding="utf-8")
    base = ssproj.load_scenario(pert_file)
    return base, calibrate(base, tfile), folder


def _changes_of(sc):
    years = [int(y) for y in sc.years]
    changes: dict = {}
    for p, e, f in PERTURB:
        for k, v in _factor(sc, p, e).changes(years, f).items():
            if isinstance(v, dict) and isinstance(changes.get(k), dict):
                changes[k].update(v)
            else:
                changes[k] = v
    return changes


def _close_summary(a, b, rtol=1e-6):
    """Each summary column over 2024-2100 within rtol of the column's largest magnitude."""
    a, b = a.loc[YEAR:], b.loc[YEAR:]
    bad = []
    for col in a.columns:
        scale = max(float(np.nanmax(np.abs(b[col].to_numpy()))), 1e-300)
        diff = float(np.nanmax(np.abs(a[col].to_numpy() - b[col].to_numpy()) / scale, initial=0.0))
        if diff > rtol:
            bad.append((col, diff))
    return bad


def test_calibration_meets_targets_and_recovers_the_truth(truth, calibrated):
    sc, proj = truth
    _base, res, _ = calibrated
    table = res.reconciliation()
    assert list(table["status"]) == ["met"] * len(table), res.report()
    assert np.all(np.abs(table["relative_residual"]) <= 1e-6)
    assert res.all_met and res.rank == res.n_searched == len(PERTURB)
    # the perturbed model missed each target before
    assert np.all(np.abs(table["model_before"] / table["target_value"] - 1) > 1e-3)
    # the calibrated parameters equal the truth's
    years = [int(y) for y in sc.years]
    for p, e, f in PERTURB:
        label = f"{p}[{e}]" if e is not None else p
        assert res.factors[label] == pytest.approx(1 / f, rel=1e-6)
        truth_path = _factor(sc, p, e).paths[e]
        cal_path = _factor(res.scenario, p, e).paths[e]
        np.testing.assert_allclose(cal_path, truth_path, rtol=1e-6)
    # the calibrated projection equals the truth's over 2024-2100
    assert _close_summary(res.projection.summary(), proj.summary()) == []
    assert years[0] == sc.start_year
    # a handful of least-squares iterations, tens of projections
    assert res.iterations <= 30 and res.runs <= 150


def test_written_folder_reloads_and_reproduces(truth, calibrated, tmp_path):
    _sc, proj = truth
    _base, res, _folder = calibrated
    out = tmp_path / "deep" / "out"
    written = res.write(out)
    assert {p.name for p in written.values()} == {"calibrated.yaml", "reconciliation.csv", "reconciliation.md"}
    assert (out / "manifest.json").exists()
    text = (out / "calibrated.yaml").read_text(encoding="utf-8")
    assert "source: calibrated to targets.yaml" in text and "extends: ../../" in text
    reloaded = ssproj.load_scenario(out / "calibrated.yaml")
    assert _close_summary(ssproj.project(reloaded).summary(), proj.summary()) == []
    csv = pd.read_csv(out / "reconciliation.csv")
    assert list(csv.columns[:6]) == ["target", "measure", "year", "entity", "unit", "target_value"]
    assert {"model_before", "model_after", "residual", "relative_residual", "parameter", "value_before",
            "value_after", "status"} <= set(csv.columns)
    assert "| target |" in (out / "reconciliation.md").read_text(encoding="utf-8")


def test_infeasible_targets_are_reported_with_their_reason(truth):
    sc, proj = truth
    ds = proj.dataset.sel(year=YEAR)
    employed = float(ds["actives"].sel(group="private").sum())
    res = calibrate(sc, {"targets": [
        {"measure": "active_members", "group": "private", "year": YEAR, "value": 10 * employed},
        # lump sums do not change the pensions paid
        {"measure": "pension_outgo", "year": YEAR, "value": 2e12,
         "adjust": {"parameter": "lump_sum_months_per_year", "group": "all"}},
        {"measure": "admin_cost", "year": YEAR, "value": 1.1 * float(ds["admin_cost"].sum())},
    ]})
    t = res.reconciliation().set_index("measure")
    assert t.loc["active_members", "status"] == "not met: bound reached"
    assert "upper end of its declared range [0.0, 1.0]" in t.loc["active_members", "reason"]
    assert t.loc["active_members", "value_after"] == pytest.approx(1.0, rel=1e-9)  # coverage at 100%
    assert t.loc["pension_outgo", "status"] == "infeasible"
    assert "does not move pension_outgo" in t.loc["pension_outgo", "reason"]
    assert t.loc["admin_cost", "status"] == "met"  # the others are still calibrated
    assert not res.all_met
    assert "bound reached" in res.report() and "infeasible" in res.report()


def test_bad_targets_files_give_every_problem_with_lines(truth, tmp_path):
    sc, _ = truth
    f = tmp_path / "targets.yaml"
    f.write_text(
        "sorce: x\n"                                                                   # 1
        "targets:\n"                                                                   # 2
        "  - {measure: active_member, group: private, year: 2024, value: 1}\n"          # 3
        "  - {measure: active_members, group: privat, year: 2023, value: -5}\n"         # 4
        "  - {measure: pension_outgo, year: 2024, value: 1e12}\n"                       # 5
        "  - {measure: admin_cost, year: 2024, value: 1e9, adjust: {parameter: admin_cost_rat}}\n"  # 6
        "  - {measure: insured_earnings, year: 2024, value: 1e9, fund: long_term}\n",  # 7
        encoding="utf-8")
    with pytest.raises(TargetsError) as exc:
        calibrate(sc, f)
    msgs = [(p.line, p.message) for p in exc.value.problems]
    text = str(exc.value)
    assert f"{f.name}:1: sorce: unknown key in a targets file; did you mean 'source'?" in text
    assert any(line == 3 and "targets[0].measure = 'active_member' is not a measure; did you mean 'active_members'"
               in m for line, m in msgs)
    assert any(line == 4 and "targets[1].group = 'privat'" in m and "did you mean 'private'" in m for line, m in msgs)
    assert any(line == 4 and "targets[1].year = 2023 must be a projected year, 2024-2100" in m for line, m in msgs)
    assert any(line == 4 and "targets[1].value = -5 must be > 0" in m for line, m in msgs)
    assert any(line == 5 and "pension_outgo has no default parameter" in m for line, m in msgs)
    assert any(line == 6 and "adjust.parameter = 'admin_cost_rat' is not a parameter" in m for line, m in msgs)
    assert any(line == 7 and "targets[4].fund = 'long_term' is not taken by insured_earnings" in m
               for line, m in msgs)
    assert len(msgs) == 8


def test_measures_table_and_defaults(truth):
    sc, _ = truth
    assert MEASURES["active_members"].default == "coverage_rate"
    assert MEASURES["insured_earnings"].default == "earnings_level"
    assert MEASURES["contributions"].default == "contribution_density"
    assert MEASURES["admin_cost"].default == "admin_cost_rate"
    assert MEASURES["pension_outgo"].default is None
    targets, info = load_targets({"source": "s", "targets": [
        {"measure": "contributions", "group": "private", "payer": "employer", "year": 2030, "value": 1.0},
        {"measure": "lump_sums", "year": 2030, "value": 1.0, "adjust": {"parameter": "lump_sum_months_per_year"}},
    ]}, sc)
    assert [t.adjusted for t in targets] == ["contribution_density[private]", "lump_sum_months_per_year"]
    assert info["source"] == "s"


def test_cli_calibrate(truth, tmp_path, capsys):
    _sc, proj = truth
    ds = proj.dataset.sel(year=YEAR)
    f = tmp_path / "targets.yaml"
    f.write_text(yaml.safe_dump({"targets": [{"measure": "admin_cost", "year": YEAR,
                                              "value": 1.2 * float(ds["admin_cost"].sum())}]}), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["calibrate", str(BASELINE), str(f), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "1 of 1 targets met" in text and "calibrated.yaml" in text
    cal = ssproj.load_scenario(out / "calibrated.yaml")
    assert cal.path_values("admin_cost_rate", [2024])[0] == pytest.approx(0.036, rel=1e-5)
    bad = tmp_path / "bad.yaml"
    bad.write_text("targets: []\n", encoding="utf-8")
    assert main(["calibrate", str(BASELINE), str(bad), "--out", str(out)]) == 1
    assert "ERROR:" in capsys.readouterr().err

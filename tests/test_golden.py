"""Golden outputs: every shipped scenario's ``summary()`` and ``indicators()``,
and a 20-path seeded stochastic run, compared with the files in
``tests/golden/``.

The files hold every number with 17 significant digits, so a value read back
is the value written, bit for bit. The comparison is exact unless a file is
listed in :data:`TOLERANCES` with a relative tolerance (at most 1e-12) and the
reason the arithmetic changed.

On a mismatch the test writes ``tests/golden/<name>_actual.csv`` beside the
expected file and says which cells differ. To accept an intended change,
rerun with ``SSPROJ_ACCEPT_GOLDEN=1``::

    SSPROJ_ACCEPT_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

and say in the commit which figures moved and why.
"""
from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ssproj

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
ACCEPT = os.environ.get("SSPROJ_ACCEPT_GOLDEN") == "1"
STOCHASTIC_PATHS = 20
STOCHASTIC_SEED = 20240917

#: Golden files compared with a relative tolerance instead of bit for bit,
#: with the reason (at most 1e-12).
_ONE_ENGINE = (1e-12, "the deterministic projection runs the one engine of the stochastic paths "
                      "(ssproj.kernels.engine.run_path): insured earnings by the scalar erfc formula instead of "
                      "scipy's vectorised ndtr, coverage targets as sum_x population x weight instead of coverage "
                      "x sum_x employment. Measured: at most 4.5e-13 relative (total_income, where investment "
                      "income on a negative reserve cancels contributions), 3e-14 elsewhere")
TOLERANCES: dict[str, tuple[float, str]] = {
    f"{stem}_{part}": _ONE_ENGINE
    for stem in [p.stem for p in SCENARIOS if p.stem.startswith("lao_")] for part in ("summary", "indicators")
}
TOLERANCES["stochastic_lao_20_paths"] = _ONE_ENGINE


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(float_format="%.17g", lineterminator="\n")


def _compare(name: str, actual: pd.DataFrame) -> None:
    expected_path = GOLDEN / f"{name}.csv"
    actual_path = GOLDEN / f"{name}_actual.csv"
    text = _csv(actual)
    if ACCEPT:
        GOLDEN.mkdir(exist_ok=True)
        expected_path.write_text(text)
        actual_path.unlink(missing_ok=True)
        return
    if not expected_path.exists():
        actual_path.write_text(text)
        pytest.fail(f"no golden file {expected_path.relative_to(ROOT)}; wrote {actual_path.relative_to(ROOT)}. "
                    "Accept it with SSPROJ_ACCEPT_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py")
    expected = pd.read_csv(expected_path, index_col=0)
    got = pd.read_csv(io.StringIO(text), index_col=0)
    problems = []
    if list(expected.columns) != list(got.columns):
        problems.append(f"columns differ: missing {sorted(set(expected.columns) - set(got.columns))}, "
                        f"new {sorted(set(got.columns) - set(expected.columns))}")
    if list(expected.index) != list(got.index):
        problems.append(f"rows differ: expected {len(expected)} rows {list(expected.index)[:3]}..., "
                        f"got {len(got)} rows {list(got.index)[:3]}...")
    if not problems:
        rtol, _why = TOLERANCES.get(name, (0.0, ""))
        assert rtol <= 1e-12, f"tolerance of {name} above 1e-12"
        for col in expected.columns:
            e = expected[col].to_numpy()
            g = got[col].to_numpy()
            if e.dtype.kind in "fi" and g.dtype.kind in "fi":
                e = e.astype(float)
                g = g.astype(float)
                same_nan = np.isnan(e) == np.isnan(g)
                close = np.isclose(g, e, rtol=rtol, atol=0.0) | (np.isnan(e) & np.isnan(g))
                bad = ~(same_nan & close)
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    with np.errstate(divide="ignore", invalid="ignore"):
                        rel = np.nanmax(np.abs(g[bad] - e[bad]) / np.abs(e[bad]))
                    problems.append(f"{col}: {int(bad.sum())} cell(s) differ, first at {expected.index[i]}: "
                                    f"expected {e[i]!r}, got {g[i]!r} (largest relative difference {rel:.3g})")
            elif not (expected[col].astype(str) == got[col].astype(str)).all():
                problems.append(f"{col}: values differ")
    if problems:
        actual_path.write_text(text)
        pytest.fail(f"{name} differs from {expected_path.relative_to(ROOT)} "
                    f"(wrote {actual_path.relative_to(ROOT)}):\n  "
                    + "\n  ".join(problems[:20])
                    + "\nIf the change is intended, accept it with "
                      "SSPROJ_ACCEPT_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py "
                      "and say in the commit which figures moved and why.")
    actual_path.unlink(missing_ok=True)


@pytest.fixture(scope="module", params=SCENARIOS, ids=[p.stem for p in SCENARIOS])
def projection(request):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ssproj.project(ssproj.load_scenario(request.param))


def test_shipped_scenarios_found():
    assert len(SCENARIOS) >= 17, [p.name for p in SCENARIOS]


def test_summary(projection):
    _compare(f"{projection.scenario.name}_summary", projection.summary())


def test_indicators(projection):
    if "actives" not in projection.dataset:
        pytest.skip("no scheme in this scenario: no indicators")
    ind = projection.indicators()
    _compare(f"{projection.scenario.name}_indicators", ind.to_frame("value").rename_axis("indicator"))


def test_stochastic_paths():
    sc = ssproj.load_scenario(ROOT / "scenarios" / "lao_stochastic.yaml")
    res = ssproj.stochastic(sc, STOCHASTIC_PATHS, seed=STOCHASTIC_SEED, chunk_size=7)
    ds = res.dataset.load()
    frame = ds.drop_vars(["fund_reserve_end", "life_expectancy_at_birth", "fund", "sex"]).to_dataframe()
    for f in ds["fund"].values:
        frame[f"fund_reserve_end_{f}"] = ds["fund_reserve_end"].sel(fund=f).to_series()
    for s in ds["sex"].values:
        frame[f"life_expectancy_at_birth_{s}"] = ds["life_expectancy_at_birth"].sel(sex=s).to_series()
    frame.index = [f"{p}:{y}" for p, y in frame.index]
    frame.index.name = "path:year"
    _compare("stochastic_lao_20_paths", frame)

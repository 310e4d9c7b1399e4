"""One engine: the deterministic projection and the stochastic paths run the same compiled steps.

- a path run directly (``kernels.engine.run_path``, as inside the parallel
  loop over paths) and the deterministic run (``scheme.engine.run_scheme``)
  give the same numbers, bit for bit;
- a stochastic path without shocks gives the deterministic projection's
  money figures bit for bit (they come from the same engine reductions and
  the same finance function);
- the compiled plan is built once per scenario, and derived scenarios share
  what their changes do not touch.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ssproj
from ssproj import memo
from ssproj.kernels.engine import PathOutputs, empty_path_outputs, no_shocks, run_path
from ssproj.plan import compile_scenario
from ssproj.scheme.engine import economy_paths, run_scheme
from ssproj.uncertainty.stochastic import PATH_VARIABLES, prepare_paths, simulate_paths
from test_stochastic import BASELINE, ZERO  # every source of uncertainty with zero volatility

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def baseline():
    return ssproj.load_scenario(BASELINE)


def _flat(out: PathOutputs, prefix=""):
    for name, v in zip(out._fields, out, strict=True):
        if isinstance(v, tuple):
            yield from _flat(v, prefix + name + ".")
        else:
            yield prefix + name, v


def test_a_path_and_the_deterministic_run_give_the_same_numbers(baseline):
    plan = compile_scenario(baseline)
    sp = plan.scheme
    parallel = run_scheme(sp, plan.demography, plan.economy)
    T = len(plan.demography.years)
    serial = empty_path_outputs(T, len(sp.years), len(sp.ext_years), len(sp.groups), NS=sp.state0.A.shape[3],
                             Br=len(sp.branches))
    run_path(plan.demography.kernel_inputs(), sp.earnings, sp.params, sp.state0, economy_paths(sp, plan.economy),
             no_shocks(1, T), 0, serial)
    a = dict(_flat(parallel))
    b = dict(_flat(serial))
    assert a.keys() == b.keys() and len(a) > 30
    for name in a:
        assert np.array_equal(a[name], b[name]), name
    # and the plan's state was not modified by either run
    assert np.array_equal(sp.state0.A, compile_scenario(baseline).scheme.state0.A)


@pytest.mark.parametrize("scenario", [BASELINE, "scenarios/lao_cov_all_activities.yaml"])
def test_path_without_shocks_is_the_deterministic_projection_bit_for_bit(scenario):
    sc = ssproj.load_scenario(scenario)
    paths = simulate_paths(prepare_paths(sc, ZERO), 3, 0, 2)
    det = ssproj.project(sc)
    s = det.summary().loc[paths["year"].values]
    for col in ("reserve_end", "total_income", "total_outgo", "contribution_income", "investment_income",
                "payg_cost_rate", "reserve_ratio", "average_contribution_rate"):
        for p in range(2):
            assert np.array_equal(paths[col].values[p], s[col].to_numpy()), col
    earnings = det.dataset["insured_earnings"].sel(year=paths["year"].values).sum("group").values
    assert np.array_equal(paths["insured_earnings"].values[0], earnings)
    e0 = det.dataset["life_expectancy_at_birth"].sel(year=paths["year"].values).values
    assert np.array_equal(paths["life_expectancy_at_birth"].values[0], e0)


def test_every_path_variable_is_written_and_registered(baseline):
    ds = simulate_paths(prepare_paths(baseline, ZERO), 1, 0, 1)
    on_path_year = {n for n, v in ds.data_vars.items() if v.dims == ("path", "year")}
    assert on_path_year == set(PATH_VARIABLES)


def test_the_plan_is_compiled_once_per_scenario(baseline):
    assert compile_scenario(baseline) is compile_scenario(baseline)
    changed = baseline.with_changes({"admin_cost_rate": 0.05})
    assert compile_scenario(changed) is not compile_scenario(baseline)


def test_derived_scenarios_share_what_their_changes_do_not_touch(baseline):
    base = compile_scenario(baseline)
    # a financing change: same demography (the same object) and the same base-year members
    fin = compile_scenario(baseline.with_changes({"admin_cost_rate": 0.05}))
    assert fin.demography is base.demography
    assert np.array_equal(fin.scheme.state0.A, base.scheme.state0.A)
    # a demographic change rebuilds the demography, and only it
    dem = compile_scenario(baseline.with_changes({"fertility_multiplier": 0.9}))
    assert dem.demography is not base.demography
    assert not np.array_equal(dem.demography.asfr, base.demography.asfr)
    assert np.array_equal(dem.demography.mx, base.demography.mx)
    # a change of the contribution density changes the imputed service of the base-year members (a table without
    # service: the Lao history's stocks of 2000; the baseline's table gives service)
    hist = ssproj.load_scenario(ROOT / "scenarios" / "backcast" / "lao_history.yaml")
    h0 = compile_scenario(hist)
    dens = compile_scenario(hist.with_changes({"contribution_density": {"public": 0.5}}))
    gi = list(h0.scheme.groups).index("public")
    assert not np.array_equal(dens.scheme.state0.A[gi], h0.scheme.state0.A[gi])
    assert np.isclose(dens.scheme.state0.A[gi].sum(), h0.scheme.state0.A[gi].sum(), rtol=1e-12)
    # with the service given, the density leaves the base-year members as they are
    given = compile_scenario(baseline.with_changes({"contribution_density": {"private": 0.5}}))
    assert np.array_equal(given.scheme.state0.A, base.scheme.state0.A)


def test_kept_results_are_rebuilt_when_their_table_is_gone():
    class Table:  # weak-referenceable stand-in for a DataFrame
        pass

    t = Table()
    calls = []
    assert memo.cached_on(t, "k", lambda: calls.append(1) or 42) == 42
    assert memo.cached_on(t, "k", lambda: calls.append(1) or 43) == 42
    assert len(calls) == 1
    del t
    u = Table()
    assert memo.cached_on(u, "k", lambda: 44) == 44


def test_a_projection_owns_its_arrays(baseline):
    """A result does not change when another projection runs, and shares no memory
    with the compiled plan (which every run of the scenario uses)."""
    first = ssproj.project(baseline)
    before = {name: first.dataset[name].values.copy() for name in first.dataset.data_vars}
    other = ssproj.project(baseline.with_changes({"contribution_density": {"private": 0.5}}))
    assert not np.array_equal(other.dataset["actives"].values, first.dataset["actives"].values, equal_nan=True)
    for name, values in before.items():
        assert np.array_equal(first.dataset[name].values, values, equal_nan=True), name
    plan = compile_scenario(baseline)
    for name in first.dataset.data_vars:
        v = first.dataset[name].values
        for arr in (plan.demography.mx, plan.demography.asfr, plan.scheme.opening_reserve, plan.scheme.gdp,
                    plan.scheme.params.pensionable_age):
            assert not np.shares_memory(v, arr), name


def test_benefit_outgo_of_a_path_is_the_summary_s(baseline):
    """One name, one quantity: a path's benefit outgo includes the short-term branches, as the summary's."""
    paths = simulate_paths(prepare_paths(baseline, ZERO), 3, 0, 1)
    s = ssproj.project(baseline).summary().loc[paths["year"].values, "benefit_outgo"].to_numpy()
    np.testing.assert_allclose(paths["benefit_outgo"].values[0], s, rtol=1e-13, atol=0)
    branches = ssproj.project(baseline).dataset["branch_outgo"].sum("branch").sel(year=paths["year"].values)
    assert float(branches.min()) > 0  # the test means something: the baseline has short-term branches

"""Stochastic projections: the path engine against the deterministic engine, seeds, known distributions."""
from __future__ import annotations

import textwrap
from pathlib import Path

import numba
import numpy as np
import pytest
from scipy import stats

import ssproj
from ssproj.errors import ScenarioError
from ssproj.uncertainty.stochastic import (
    DEFAULT_STOCHASTIC,
    StochasticResult,
    parse_stochastic,
    prepare_paths,
    simulate_paths,
    stochastic,
)

BASELINE = "scenarios/lao_baseline.yaml"

#: Every source of uncertainty present but with zero volatility.
ZERO = {
    "economy": {"variables": {"investment_return": {"phi": 0.5, "sd": 0.0},
                              "wage_growth": {"phi": 0.5, "sd": 0.0},
                              "price_inflation": {"phi": 0.5, "sd": 0.0}}},
    "mortality": {"sigma_scale": 0.0},
    "fertility": {"phi": 0.5, "sd": 0.0},
}


@pytest.fixture(scope="module")
def baseline():
    return ssproj.load_scenario(BASELINE)


@pytest.fixture(scope="module")
def deterministic(baseline):
    return ssproj.project(baseline)


@pytest.fixture(scope="module")
def default_plan(baseline):
    return prepare_paths(baseline)


def _rel(a, b):
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


#: A state-paid block by award period and type, and the base block of another group (closed runs path by path).
STATE_PAID = {"state_paid_base_pensions": {"public": 1.0}, "state_paid_awarded_share": {"private": 0.5},
              "state_paid_awarded_from": {"private": 2030}, "state_paid_types": {"private": "old_age"}}


@pytest.mark.parametrize("scenario", [BASELINE, "scenarios/lao_cov_all_activities.yaml",
                                      "scenarios/lao_fin_ceiling_frozen.yaml", "state_paid"])
def test_path_without_shocks_reproduces_the_deterministic_projection(scenario):
    sc = (ssproj.load_scenario(BASELINE).with_changes(STATE_PAID) if scenario == "state_paid"
          else ssproj.load_scenario(scenario))
    plan = prepare_paths(sc, ZERO)
    ds = simulate_paths(plan, 7, 0, 3)
    s = ssproj.project(sc).summary().loc[plan.years]
    for col in ("reserve_end", "total_income", "total_outgo", "contribution_income", "investment_income",
                "payg_cost_rate", "reserve_ratio", "average_contribution_rate", "contributors", "pensioners",
                "insured", "total_population", "old_age_dependency_ratio", "state_transfer", "state_paid_pensions"):
        for p in range(3):
            # relative to the value, or to the year's outgo where the value is rounding noise around 0 (a
            # reserve held at 0 by the state's transfers: a thousandth of a kip on trillions, and the
            # investment income on it)
            want = s[col].to_numpy()
            noise = np.maximum(np.abs(want), 1e-3 * s["total_outgo"].to_numpy())
            scale = {"reserve_end": noise, "investment_income": noise,
                     "reserve_ratio": np.maximum(np.abs(want), 1e-3)}.get(col)  # (a ratio: 1e-3 years of outgo)
            err = (_rel(ds[col].values[p], want) if scale is None
                   else np.max(np.abs(ds[col].values[p] - want) / scale))
            assert err < 1e-12, col
    if scenario == "state_paid":
        assert s["state_paid_pensions"].min() > 0
    central = ssproj.project(sc).dataset
    e0 = central["life_expectancy_at_birth"].sel(year=plan.years).values
    assert np.abs(ds["life_expectancy_at_birth"].values[0] - e0).max() < 1e-12
    assert np.array_equal(ds["fertility_multiplier"].values, np.ones_like(ds["fertility_multiplier"].values))


def test_same_seed_same_numbers_whatever_the_chunking_and_threads(default_plan):
    whole = simulate_paths(default_plan, 11, 0, 6)
    parts = [simulate_paths(default_plan, 11, a, b) for a, b in ((0, 1), (1, 4), (4, 6))]
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = simulate_paths(default_plan, 11, 0, 6)
    finally:
        numba.set_num_threads(before)
    for name in whole.data_vars:
        joined = np.concatenate([p[name].values for p in parts])
        assert np.array_equal(whole[name].values, joined, equal_nan=True), name
        assert np.array_equal(whole[name].values, single[name].values, equal_nan=True), name
    other = simulate_paths(default_plan, 12, 0, 6)
    assert not np.array_equal(whole["reserve_end"].values, other["reserve_end"].values)
    # paths differ from one another (the scheduled reserve: under state_transfer the reserve itself is held at 0,
    # where paths differ only by rounding)
    assert len({float(v) for v in whole["reserve_end_scheduled"].values[:, -1]}) == 6


def test_reserve_roll_forward_holds_on_every_path(default_plan):
    ds = simulate_paths(default_plan, 3, 0, 20)
    r = ds["reserve_end"].values
    opening = default_plan.scheme.opening_reserve[default_plan.scheme.headline_fund]  # the path's reserve: headline
    prev = np.concatenate([np.full((r.shape[0], 1), opening), r[:, :-1]], axis=1)
    flow = ds["total_income"].values - ds["total_outgo"].values
    assert np.max(np.abs(r - (prev + flow)) / np.maximum(np.abs(r), 1.0)) < 1e-12
    # investment income follows the path's return: J = i (R(t-1) + C/2), C = income (with the state's deficit
    # transfers: the Lao baseline's rule) - outgo before interest; a negative balance would earn nothing
    assert default_plan.scheme.deficit_rule[default_plan.scheme.headline_fund] == 1  # state_transfer
    assert ds["state_transfer"].values.max() > 0
    c = ds["contribution_income"].values + ds["state_transfer"].values - ds["total_outgo"].values
    j = ds["investment_return"].values * np.maximum(prev + 0.5 * c, 0.0)
    # relative to the flows that enter the formula: once the reserve is held at 0, J is 0 and both sides are
    # rounding noise of the year's flows (a thousandth of a kip on trillions)
    scale = np.maximum(np.abs(j), ds["total_outgo"].values)
    assert np.max(np.abs(ds["investment_income"].values - j) / scale) < 1e-9


@pytest.mark.slow
def test_first_year_reserve_has_the_known_normal_distribution(baseline, deterministic):
    """Only the return is shocked, i.i.d. N(0, s^2): R_1 = R_0 + C_1 + i_1 (R_0 + C_1/2) is normal."""
    sd = 0.03
    model = {"economy": {"variables": {"investment_return": {"phi": 0.0, "sd": sd}}},
             "mortality": False, "fertility": False}
    n = 4000
    res = stochastic(baseline, n, seed=2024, model=model, chunk_size=1000)
    s = deterministic.summary().dropna(subset=["total_outgo"])
    y1 = int(s.index[0])
    r0 = float(deterministic.dataset["opening_reserve"].sel(fund=deterministic.dataset.attrs["headline_fund"]))
    c1 = float(s.loc[y1, "contribution_income"] - s.loc[y1, "total_outgo"])
    mean = float(s.loc[y1, "reserve_end"])
    scale = sd * abs(r0 + 0.5 * c1)
    pct = res.percentiles("reserve_end", q=(5, 50, 95)).loc[y1]
    for q in (5, 50, 95):
        p = q / 100
        expected = stats.norm.ppf(p, mean, scale)
        # standard error of a sample quantile: sqrt(p (1 - p) / n) / density at the quantile
        se = np.sqrt(p * (1 - p) / n) / stats.norm.pdf(stats.norm.ppf(p)) * scale
        assert abs(pct[f"p{q}"] - expected) < 4 * se, q
    # nothing else moves: contributions and outgo are the deterministic ones on every path
    ds = res.dataset
    assert _rel(ds["contribution_income"].values, np.broadcast_to(s["contribution_income"].to_numpy(),
                                                                  ds["contribution_income"].shape)) < 1e-12


@pytest.mark.slow
def test_fertility_and_mortality_shocks_move_population_and_life_expectancy(baseline, deterministic):
    res = stochastic(baseline, 200, seed=5, model={"economy": False, "fertility": {"phi": 0.9, "sd": 0.05},
                                                   "mortality": {"sigma_scale": 1.0}})
    ds = res.dataset
    last = -1
    fm = ds["fertility_multiplier"].values
    pop = ds["total_population"].values[:, last]
    # more births, more people: the cumulative fertility level explains the population spread
    assert stats.spearmanr(fm.mean(axis=1), pop).statistic > 0.8
    central_e0 = deterministic.dataset["life_expectancy_at_birth"].sel(year=ds["year"].values).values
    e0 = ds["life_expectancy_at_birth"].values
    assert e0[:, last].std(axis=0).min() > 0.1  # years
    # the central scenario is the median path (the Lee-Carter deviation has median 0)
    assert np.all(np.abs(np.median(e0[:, last], axis=0) - central_e0[last]) < 0.5)
    # economic series untouched
    assert np.all(ds["wage_growth"].values == ds["wage_growth"].values[0])


@pytest.mark.slow
def test_wage_shocks_reach_earnings_ceiling_and_indexation(baseline):
    model = {"economy": {"variables": {"wage_growth": {"phi": 0.8, "sd": 0.03}}}, "mortality": False,
             "fertility": False}
    res = stochastic(baseline, 60, seed=9, model=model)
    ds = res.dataset
    cum = np.cumprod(1 + ds["wage_growth"].values, axis=1)[:, -1]
    earnings = ds["insured_earnings"].values[:, -1]
    assert stats.spearmanr(cum, earnings).statistic > 0.95
    assert np.all(ds["investment_return"].values == ds["investment_return"].values[0])


def test_statistics_of_a_result():
    import xarray as xr

    years = np.arange(2024, 2030)
    reserve = np.array([[5, 4, 3, 2, 1, 0],      # exhausted in 2029 (<= 0)
                        [5, -1, 2, 3, 4, 5],     # exhausted in 2025
                        [5, 6, 7, 8, 9, 10],     # never
                        [1, 1, 1, -3, -4, -5]], dtype=float)  # 2027
    ds = xr.Dataset({"reserve_end": (("path", "year"), reserve, {"units": "currency"})},
                    coords={"path": np.arange(4), "year": years})
    res = StochasticResult(ds)
    dep = res.depletion_year()
    assert dep.tolist()[:2] == [2029, 2025] and np.isnan(dep.iloc[2]) and dep.iloc[3] == 2027
    prob = res.depletion_probability()
    assert prob.tolist() == [0, 0.25, 0.25, 0.5, 0.5, 0.75]
    pct = res.percentiles("reserve_end", q=(0, 50, 100))
    assert pct.loc[2024].tolist() == [1.0, 5.0, 5.0]
    assert pct.loc[2027, "p50"] == np.median(reserve[:, 3])
    with pytest.raises(KeyError, match="not a variable on"):
        res.percentiles("nope")


def test_default_model_is_valid_and_recorded(default_plan):
    assert default_plan.model.origin == "defaults"
    assert default_plan.lee_carter is not None
    assert np.all(default_plan.lee_carter.drift < 0)  # mortality has been falling
    model, problems = parse_stochastic(DEFAULT_STOCHASTIC)
    assert not problems and model.economy.names == ("investment_return", "wage_growth", "price_inflation")


def test_stochastic_block_in_a_scenario_file_reports_every_problem(tmp_path):
    base = Path(BASELINE).resolve()
    f = tmp_path / "bad.yaml"
    f.write_text(textwrap.dedent(f"""\
        name: bad
        extends: {base}
        stochastic:
          start_yaer: 2025
          economy:
            variables:
              investment_return: {{phi: 0.5, sd: -0.01}}
              gdp_growth: {{phi: 0.5, sd: 0.01}}
          mortality: {{model: cairns_blake_dowd, sigma_scale: 2}}
          fertility: {{phi: 1.5}}
        """))
    with pytest.raises(ScenarioError) as err:
        ssproj.load_scenario(f)
    lines = [str(p) for p in err.value.problems]
    name = f.name
    expected = [
        f"{name}:4: stochastic.start_yaer: unknown key in a stochastic model; did you mean 'start_year'?",
        f"{name}:8: stochastic.economy.variables.gdp_growth: cannot be shocked; expected one of investment_return, "
        "wage_growth, price_inflation; did you mean 'wage_growth'?",
        f"{name}:7: stochastic.economy.variables.investment_return.sd: -0.01 is negative; expected a standard "
        "deviation >= 0",
        f"{name}:9: stochastic.mortality.model = 'cairns_blake_dowd' must be lee_carter",
        f"{name}:10: stochastic.fertility.phi = 1.5 must be an autocorrelation in (-1, 1)",
        f"{name}:10: stochastic.fertility: required key 'sd' is missing (a standard deviation of the log level "
        "in [0, 1])",
    ]
    assert [line.split("/")[-1] for line in lines] == expected


def test_stochastic_block_is_used_and_in_provenance(tmp_path, baseline):
    f = tmp_path / "s.yaml"
    f.write_text(textwrap.dedent(f"""\
        name: s
        extends: {Path(BASELINE).resolve()}
        stochastic:
          description: Returns only.
          economy:
            variables:
              investment_return: {{phi: 0.3, sd: 0.01}}
          mortality: false
          fertility: false
        """))
    sc = ssproj.load_scenario(f)
    assert sc.stochastic is not None and sc.stochastic.mortality is None
    res = stochastic(sc, 4, seed=1)
    prov = res.provenance
    assert prov["seed"] == 1 and prov["n_paths"] == 4 and prov["stochastic_model_origin"] == "scenario"
    assert prov["stochastic_model"]["economy"]["variables"]["investment_return"]["sd"] == 0.01
    assert prov["ssproj_version"] == ssproj.__version__
    assert "sources" in prov and "tables" in prov
    assert np.all(res.dataset["wage_growth"].values == res.dataset["wage_growth"].values[0])


def test_bad_arguments(baseline):
    with pytest.raises(ValueError, match="n_paths"):
        stochastic(baseline, 0)
    with pytest.raises(ValueError, match="chunk_size"):
        stochastic(baseline, 3, chunk_size=0)
    with pytest.raises(ValueError, match="start_year"):
        stochastic(baseline, 3, model={"start_year": 2200})


def _same(a, b):
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        assert np.array_equal(a[name].values, b[name].values, equal_nan=True), name


@pytest.mark.slow
def test_cli_stochastic_writes_paths_tables_and_charts(tmp_path, capsys, baseline):
    from ssproj.cli import main
    from ssproj.uncertainty.distributed import open_result

    out = tmp_path / "run"
    assert main(["stochastic", BASELINE, "--paths", "20", "--seed", "3", "--chunk-size", "8", "--out", str(out),
                 "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "20 stochastic paths of scenario 'lao_baseline', seed 3" in text and "probability_of_depletion" in text
    for name in ("paths.zarr", "summary.csv", "percentiles_reserve_ratio.csv", "depletion_probability.csv",
                 "fan_charts.png", "provenance.json"):
        assert (out / name).exists(), name
    assert (out / "fan_charts.png").stat().st_size > 20_000
    on_disk = open_result(out / "paths.zarr").load()
    assert on_disk.sizes["path"] == 20 and on_disk["path"].values.tolist() == list(range(20))
    _same(on_disk, stochastic(baseline, 20, seed=3, chunk_size=20).dataset)
    with pytest.raises(SystemExit) as exit_:  # argparse, before any work
        main(["stochastic", BASELINE, "--paths", "0", "--out", str(tmp_path / "x")])
    assert exit_.value.code == 2
    assert "argument --paths: expected an integer >= 1, got 0" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert main(["stochastic", BASELINE, "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]) == 1
    assert "give --workers or --scheduler, not both" in capsys.readouterr().err


@pytest.mark.slow
def test_seeded_results_identical_in_process_and_on_a_local_cluster(tmp_path, baseline):
    """Loopback LocalCluster with 2 worker processes, 1 Numba thread each."""
    local = stochastic(baseline, 24, seed=77, chunk_size=5)
    remote = stochastic(baseline, 24, seed=77, chunk_size=5, workers=2, out=tmp_path / "p.zarr")
    _same(remote.dataset.load(), local.dataset)
    # on Dask without a file: through a temporary store that is removed afterwards
    import tempfile

    before = set(Path(tempfile.gettempdir()).glob("ssproj-*"))
    in_memory = stochastic(baseline, 24, seed=77, chunk_size=6, workers=2)
    assert in_memory.path is None
    _same(in_memory.dataset, local.dataset)
    assert set(Path(tempfile.gettempdir()).glob("ssproj-*")) == before
    netcdf = stochastic(baseline, 24, seed=77, chunk_size=7, out=tmp_path / "p.nc")
    _same(netcdf.dataset.load(), local.dataset)

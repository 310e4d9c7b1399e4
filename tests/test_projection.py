"""project() and Projection: wiring, contents, units, provenance, reproducibility."""
import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import ssproj
from ssproj.projection import SUMMARY_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "scenarios" / "base.yaml"


@pytest.fixture(scope="module")
def lao():
    return ssproj.project(ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml"))


def test_dataset_dimensions_units_and_population_accessor(lao):
    ds = lao.dataset
    assert list(ds["population"].dims) == ["year", "sex", "age"]
    assert (ds.sizes["year"], ds.sizes["sex"], ds.sizes["age"]) == (81, 2, 101)
    assert int(ds["year"][0]) == 2020 and int(ds["year"][-1]) == 2100
    for name in ("population", "births", "deaths", "net_migration", "mortality_rate", "fertility_rate",
                 "sex_ratio_at_birth", "life_expectancy_at_birth"):
        assert ds[name].attrs["units"], name
    xr.testing.assert_identical(lao.population, ds["population"])


def test_base_population_equals_un_estimate_of_2020(lao):
    # UN WPP 2024 estimate for Lao PDR, 1 July 2020 (assumptions/lao/demography/population.csv)
    assert float(lao.population.sel(year=2020).sum()) == pytest.approx(7_346_527, abs=0.5)


def test_summary_columns_and_consistency(lao):
    s = lao.summary()
    assert list(s.columns)[: len(SUMMARY_COLUMNS)] == list(SUMMARY_COLUMNS)
    assert s.index.name == "year"
    np.testing.assert_allclose(s["population_0_14"] + s["population_15_64"] + s["population_65_plus"],
                               s["total_population"], rtol=1e-12)
    np.testing.assert_allclose(s["old_age_dependency_ratio"], s["population_65_plus"] / s["population_15_64"])
    assert s.attrs["units"]["births"] == "persons/year"  # from the registry (ssproj.variables)


def test_calendar_year_flows_are_rates_times_mid_year_stocks(lao):
    ds = lao.dataset
    deaths = (ds["mortality_rate"] * ds["population"]).sum(("sex", "age"))
    np.testing.assert_allclose(ds["deaths"].sum(("sex", "age")), deaths, rtol=1e-12)
    births = (ds["fertility_rate"] * ds["population"].sel(sex="female")).sum("age")
    np.testing.assert_allclose(ds["births"].sum("sex"), births, rtol=1e-12)


def test_population_balance_over_the_projection(lao):
    # Calendar-year flows are centred on mid-years: P(t+1) - P(t) is close to
    # the average of the flows of t and t+1, which straddle the interval (a
    # trapezoid rule, second-order error). The exact interval balance is
    # tested in tests/kernels. Bound: 1e-4 of the population (~1,000 persons).
    s = lao.summary()
    change = s["total_population"].diff().iloc[1:].to_numpy()
    flows = (s["births"] - s["deaths"] + s["net_migration"]).to_numpy()
    approx = 0.5 * (flows[:-1] + flows[1:])
    assert np.max(np.abs(change - approx)) < 1e-4 * s["total_population"].max()


def test_provenance_is_carried(lao):
    prov = lao.provenance
    assert prov["ssproj_version"] == ssproj.__version__
    assert lao.dataset.attrs["seed"] == 20240726
    text = json.dumps(prov)
    assert "lao_baseline.yaml" in text and "assumptions.yaml" in text
    assert "World Population Prospects 2024" in text
    assert json.loads(lao.dataset.attrs["scenario"])["name"] == "lao_baseline"


def test_same_inputs_give_bit_identical_numbers(lao):
    again = ssproj.project(ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml"))
    for name in lao.dataset.data_vars:
        np.testing.assert_array_equal(again.dataset[name].values, lao.dataset[name].values)
    assert again.dataset.attrs == lao.dataset.attrs


def test_levers_move_the_projection_the_expected_way():
    sc = ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml")
    base = ssproj.project(sc).summary()
    fewer_births = ssproj.project(sc.with_changes({"fertility_multiplier": 0.8})).summary()
    assert fewer_births.loc[2021, "births"] == pytest.approx(0.8 * base.loc[2021, "births"], rel=0.02)
    assert fewer_births.loc[2100, "total_population"] < base.loc[2100, "total_population"]
    longer = ssproj.project(sc.with_changes({"mortality_multiplier": 0.5})).summary()
    assert (longer["life_expectancy_female"] > base["life_expectancy_female"]).all()
    no_migration = ssproj.project(sc.with_changes({"migration_multiplier": 0.0})).summary()
    assert (no_migration["net_migration"] == 0).all()
    improving = ssproj.project(sc.with_changes({"mortality_improvement": 0.01})).summary()
    # the UN's tables run to 2100 (last period centre 2098.0): improvement acts only after it
    assert improving.loc[2097, "life_expectancy_male"] == base.loc[2097, "life_expectancy_male"]
    assert improving.loc[2100, "life_expectancy_male"] > base.loc[2100, "life_expectancy_male"]


def test_write_creates_complete_files_and_reads_back(lao, tmp_path):
    written = lao.write(tmp_path / "out")
    assert set(written) == {"netcdf", "summary", "population", "excel", "provenance"}
    back = xr.open_dataset(written["netcdf"])
    try:
        np.testing.assert_array_equal(back["population"].values, lao.population.values)
        assert back["population"].attrs["units"] == "persons"
        assert json.loads(back.attrs["provenance"]) == lao.provenance
    finally:
        back.close()
    header = written["summary"].read_text().splitlines()[0]
    assert "total_population [persons at 1 July]" in header
    assert not list((tmp_path / "out").glob(".*tmp"))  # no temporary files left behind


def test_floor_adjustment_is_zero_for_the_un_baseline_and_reported_otherwise(lao):
    assert float(lao.dataset["population_floor_adjustment"].sum()) == 0.0
    sc = ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml")
    with pytest.warns(UserWarning, match="added to keep stocks non-negative"):
        heavy = ssproj.project(sc.with_changes({"migration_multiplier": 5.0}))
    assert float(heavy.dataset["population_floor_adjustment"].sum()) > 0
    assert float(heavy.population.min()) >= 0


def test_check_finite_names_the_first_variable_year_and_cell():
    from ssproj.plan import NonFiniteResultError, check_finite

    years = np.arange(2020, 2030)
    variables = {
        "population": (("year", "sex"), np.ones((10, 2)), {}),
        # NaN before the first scheme year (2022) by design: not judged
        "fund_reserve_end": (("year", "fund"), np.r_[np.full((2, 2), np.nan), np.ones((5, 2)),
                                                    np.full((3, 2), np.inf)], {}),
    }
    check_finite({"population": variables["population"]}, years, 0, frozenset())
    with pytest.raises(NonFiniteResultError, match=r"the projection is not finite: fund_reserve_end = inf in 2027 "
                                                   r"\(fund pension\); nothing was written"):
        check_finite(variables, years, 2, frozenset({"fund_reserve_end"}), coords={"fund": ["pension", "health"]})


def test_a_result_that_overflows_stops_the_run_before_anything_is_written(tmp_path, monkeypatch, capsys):
    """The engine's results pass through check_finite: an overflowing reserve fails the run (exit 1), no folder."""
    import ssproj.plan as plan_module
    from ssproj.cli import main

    real = plan_module.finance

    def overflowing(*args, **kwargs):
        fin = real(*args, **kwargs)
        fin["fund_reserve_end"][-5:] = np.inf
        return fin

    monkeypatch.setattr(plan_module, "finance", overflowing)
    sc = ROOT / "scenarios" / "lao_baseline.yaml"
    assert main(["run", str(sc), "--quiet", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "scenario 'lao_baseline': the projection is not finite: fund_reserve_end = inf in 2096" in err
    assert not (tmp_path / "o").exists()

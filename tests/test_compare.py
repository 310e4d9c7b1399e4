"""Scenarios side by side: ssproj.compare, Comparison and ``ssproj compare``."""
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ssproj
from ssproj.analysis.compare import COMPARISON_ROWS, Comparison, compare
from ssproj.cli import main
from ssproj.projection import Projection

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad_scenarios"
SCENARIOS = ROOT / "scenarios"
TINY = ROOT / "tests" / "data" / "scenarios"
ALL_YEARS = range(2024, 2101)  # the Lao scheme years


def _lao(name, changes=None):
    spec = {"name": name, "extends": "lao_baseline.yaml"}
    if changes:
        spec["changes"] = changes
    return ssproj.project(ssproj.load_scenario(spec, base_dir=SCENARIOS))


@pytest.fixture(scope="module")
def lao():
    base = ssproj.project(ssproj.load_scenario(SCENARIOS / "lao_baseline.yaml"))
    return {
        "base": base,
        "same": _lao("same"),
        "coverage": _lao("more_voluntary", {"coverage_rate": {
            "voluntary": {"values": {2020: 0.0202, 2025: 0.05}, "between": "linear"}}}),
        "fertility": _lao("low_fertility", {"fertility_multiplier": {2020: 1.0, 2040: 0.8}}),
    }


@pytest.fixture(scope="module")
def lao_cmp(lao):
    return compare([lao["base"], lao["same"], lao["coverage"], lao["fertility"]])


@pytest.fixture(scope="module")
def tiny():
    return ssproj.project(ssproj.load_scenario(TINY / "scheme_base.yaml"))


def _total(ds, var, year, dims):
    return float(ds[var].sel(year=year).sum(dims))


# ---------------------------------------------------------------- the decomposition

def test_decomposition_identity_is_exact_every_year(lao, lao_cmp):
    dec = lao_cmp.decomposition(ALL_YEARS)
    assert len(dec) == 3 * len(ALL_YEARS)
    effects = dec[["demography", "coverage", "policy"]].sum(axis=1)
    assert np.max(np.abs(effects - dec["change"])) <= 1e-12
    # the change is that of the published cost rates, and the log-ratios add up to its log
    ref = lao["base"].summary()["payg_cost_rate"]
    for name in ("same", "more_voluntary", "low_fertility"):
        cr = lao_cmp.projections[name].summary()["payg_cost_rate"]
        for y in ALL_YEARS:
            a, b = ref[y], cr[y]
            row = dec.loc[(name, y)]
            assert row["change"] == pytest.approx(b - a, abs=1e-15)
            logs = row[["demography_log_ratio", "coverage_log_ratio", "policy_log_ratio"]].sum()
            assert logs == pytest.approx(math.log(b / a), abs=1e-12)
    # the three factors multiply to the cost rate
    f = lao_cmp.factors(ALL_YEARS)
    product = f["demographic_ratio"] * f["coverage_factor"] * f["benefit_ratio"]
    assert np.max(np.abs(product / f["payg_cost_rate"] - 1)) < 1e-12
    assert dec.attrs["units"]["coverage"] == "share of insured earnings"


def test_a_scenario_identical_to_the_reference_differs_by_nothing(lao_cmp):
    diff = lao_cmp.differences()["same"]
    per_person = lao_cmp.row("cost_per_person_covered").name
    assert np.isnan(diff[per_person])  # no person-year added: 0/0
    assert (diff.drop(per_person) == 0).all()
    assert (lao_cmp.relative_differences()["same"].fillna(0) == 0).all()
    dec = lao_cmp.decomposition(ALL_YEARS).loc["same"]
    assert (dec[["change", "demography", "coverage", "policy"]].to_numpy() == 0).all()


def test_a_coverage_change_is_a_coverage_effect(lao_cmp):
    dec = lao_cmp.decomposition(ALL_YEARS).loc["more_voluntary"]
    assert (dec["demography"] == 0).all()  # the same population, bit for bit
    assert (dec["demography_log_ratio"] == 0).all()
    assert (dec["change"] < 0).all()  # more contributors per pension: cheaper
    assert (dec["coverage"].abs() > dec["policy"].abs()).all()
    assert (dec["coverage"] < 0).all()
    # the population rows do not move
    diff = lao_cmp.differences()["more_voluntary"]
    assert (diff[[i for i in diff.index if i.startswith(("total_population", "old_age_dependency"))]] == 0).all()


def test_a_fertility_change_is_a_demography_effect(lao_cmp):
    dec = lao_cmp.decomposition([2030, 2075, 2100]).loc["low_fertility"]
    # nobody born after 2020 is 15 by 2030: the ratio of old to working-age population is unchanged
    assert dec.loc[2030, "demography"] == 0
    assert dec.loc[2075, "demography"] > 0.05  # fewer births: an older population, a dearer scheme
    assert dec.loc[2100, "demography"] > dec.loc[2100, "change"] * 0.9
    assert dec.loc[2100, "demography"] == pytest.approx(
        dec.loc[2100, "demography_log_ratio"] * dec.loc[2100, "change"]
        / math.log(dec.loc[2100, "payg_cost_rate_scenario"] / dec.loc[2100, "payg_cost_rate_reference"]),
        rel=1e-12)


def test_decomposition_ages_are_parameters(lao_cmp):
    f60 = lao_cmp.factors(2050).loc[("low_fertility", 2050)]
    f65 = lao_cmp.factors(2050, old_age=65, working_ages=(15, 64)).loc[("low_fertility", 2050)]
    pop = lao_cmp.projections["low_fertility"].population.sel(year=2050).sum("sex")
    assert f65["population_old"] == pytest.approx(float(pop.sel(age=slice(65, None)).sum()), rel=1e-15)
    assert f65["population_working"] == pytest.approx(float(pop.sel(age=slice(15, 64)).sum()), rel=1e-15)
    assert f60["population_old"] == pytest.approx(float(pop.sel(age=slice(60, None)).sum()), rel=1e-15)
    dec = lao_cmp.decomposition(2050, old_age=65, working_ages=(15, 64))
    assert np.allclose(dec[["demography", "coverage", "policy"]].sum(axis=1), dec["change"], rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="not scheme years"):
        lao_cmp.decomposition(2020)  # before the first scheme year


# ---------------------------------------------------------------- the table

def test_contributors_gained_by_hand(lao, lao_cmp):
    ref = lao["base"].dataset
    for name in ("more_voluntary", "low_fertility"):
        ds = lao_cmp.projections[name].dataset
        for y in (2030, 2040, 2050):
            by_hand = (_total(ds, "contributors", y, ("group", "sex", "age"))
                       - _total(ref, "contributors", y, ("group", "sex", "age")))
            row = lao_cmp.row("contributors_gained", y)
            assert row[name] == pytest.approx(by_hand, rel=1e-12, abs=1e-6)
            assert row["lao_baseline"] == 0
            assert lao_cmp.row("contributors", y)[name] == pytest.approx(
                _total(ds, "contributors", y, ("group", "sex", "age")), rel=1e-12)
    assert lao_cmp.row("contributors_gained", 2050)["more_voluntary"] > 10_000


def test_table_rows_units_and_values(lao, lao_cmp):
    t = lao_cmp.table()
    assert list(t.columns) == ["lao_baseline", "same", "more_voluntary", "low_fertility"]
    assert "insured 2030 [persons at 31 December]" in t.index
    assert "payg_cost_rate 2100 [share of insured earnings]" in t.index
    assert "cost_to_state 2024-2100 [currency at 1 January 2024]" in t.index
    assert "pv_old_age_pension_outgo_difference 2024-2100 [currency at 1 January 2024]" in t.index
    assert all(label.endswith("]") and t.attrs["units"][label] in label for label in t.index)
    assert {label.split(" ")[0] for label in t.index} == set(COMPARISON_ROWS)
    s = lao["base"].summary()
    ind = lao["base"].indicators()
    assert lao_cmp.row("reserve_ratio", 2050)["lao_baseline"] == s.loc[2050, "reserve_ratio"]
    assert lao_cmp.row("gap_75")["lao_baseline"] == ind["gap_75"]
    assert lao_cmp.row("depletion_year")["lao_baseline"] == ind["depletion_year"]
    # on the reference's own rates and GDP, the comparison's shortfall share is the reference's indicator
    assert lao_cmp.row("pv_shortfall_75_share_of_gdp")["lao_baseline"] == pytest.approx(
        ind["pv_shortfall_75_share_of_gdp"], rel=1e-12)
    assert lao_cmp.row("pv_state_transfers_75_share_of_gdp")["lao_baseline"] == pytest.approx(
        ind["pv_state_transfers_75_share_of_gdp"], rel=1e-12)
    # what the headline fund must finance, in present value at the baseline's return (mid-year flows)
    years = np.arange(2024, 2101)
    a = lao["base"].dataset["admin_cost_rate"].sel(year=years).to_numpy()
    cost = (s.loc[2024:, "benefit_outgo"] + s.loc[2024:, "admin_cost"] - a * s.loc[2024:, "contribution_income"])
    assert lao_cmp.row("cost_to_fund")["lao_baseline"] == pytest.approx(_pv_at(lao["base"], years, cost.to_numpy()),
                                                                        rel=1e-12)
    assert np.isnan(lao_cmp.row("cost_per_person_covered")["lao_baseline"])
    assert lao_cmp.row("pv_old_age_pension_outgo_difference")["more_voluntary"] > 0
    with pytest.raises(KeyError, match="no row"):
        lao_cmp.row("contributors_gained", 2031)  # not a milestone


def test_cost_per_person_covered_and_liability_on_a_hand_made_pair(tiny):
    """A copy of a tiny projection with 20 more insured person-years, 1.2 million more cost."""
    ds = tiny.dataset.copy(deep=True)
    g, f = str(ds["group"].values[0]), ds.attrs["headline_fund"]
    for y in (2030, 2031):  # 10 more insured members at 31 December of two years: 20 person-years
        ds["actives"].loc[dict(year=y, group=g, sex="male", age=30)] += 10.0
    ds["fund_benefits_scheduled"].loc[dict(year=2030, fund=f)] += 1.0e6  # cost to the fund
    ds["contributions"].loc[dict(year=2031, payer="state", group=g)] += 2.0e5  # cost to the state
    ds["benefit_outgo_by_type"].loc[dict(year=2032, group=g, benefit="old_age")] += 3.0e6
    alt = Projection(ds)
    cmp = compare({"base": tiny, "alt": alt}, milestones=(2030, 2031, 2040))
    assert cmp.scheme_years[0] == 2023 and cmp.scheme_years[-1] == 2040
    # present values at 1 January 2023 of flows paid mid-year, at the reference's return (5 % a year)
    assert (ds["investment_return"].sel(year=slice(2023, 2040)) == 0.05).all()

    def v(year):
        return 1.05 ** -(year - 2022) * 1.025

    assert cmp.row("cost_per_person_covered")["alt"] == pytest.approx(
        (1.0e6 * v(2030) + 2.0e5 * v(2031)) / (10.0 * v(2030) + 10.0 * v(2031)), rel=1e-9)
    assert np.isnan(cmp.row("cost_per_person_covered")["base"])
    d = cmp.differences()["alt"]
    assert d[cmp.row("cost_to_fund").name] == pytest.approx(1.0e6 * v(2030), rel=1e-9)
    assert d[cmp.row("cost_to_state").name] == pytest.approx(2.0e5 * v(2031), rel=1e-9)
    assert cmp.row("insured", 2031)["alt"] - cmp.row("insured", 2031)["base"] == pytest.approx(10.0, rel=1e-9)
    assert cmp.row("state_contributions", 2031)["alt"] == pytest.approx(2.0e5, rel=1e-12)
    # a pension paid in 2032, valued at 1 January 2023: 10 years, paid mid-year
    assert cmp.row("pv_old_age_pension_outgo_difference")["alt"] == pytest.approx(3.0e6 * v(2032), rel=1e-12)
    assert cmp.table().attrs["units"][cmp.row("pv_old_age_pension_outgo_difference").name] == \
        "currency at 1 January 2023"


def test_projections_without_a_scheme_compare_on_demography(tiny):
    a = ssproj.project(ssproj.load_scenario(TINY / "base.yaml"))
    b = ssproj.project(ssproj.load_scenario({"name": "other", "extends": "base.yaml",
                                             "changes": {"fertility_multiplier": 1.2}}, base_dir=TINY))
    cmp = compare([a, b], milestones=(2030, 2050, 2100))
    assert cmp.milestones == (2030, 2050)  # 2100 is beyond every projection
    assert {label.split(" ")[0] for label in cmp.table().index} == {"total_population", "old_age_dependency_ratio"}
    assert cmp.row("total_population", 2050)["other"] > cmp.row("total_population", 2050)["tiny_base"]
    with pytest.raises(ValueError, match="has no scheme"):
        cmp.decomposition()
    # beside a projection with a scheme: its scheme rows are NaN
    mixed = compare([tiny, a], milestones=(2030,))
    assert np.isnan(mixed.row("insured", 2030)["tiny_base"])
    assert mixed.row("insured", 2030)["scheme_base"] > 0
    assert mixed.decomposition().loc[("tiny_base", 2030), ["change", "demography", "coverage", "policy"]].isna().all()


def test_compare_arguments(tiny, lao):
    cmp = compare([tiny, tiny])
    assert cmp.names == ["scheme_base", "scheme_base_2"] and cmp.reference == "scheme_base"
    assert compare([tiny, tiny], reference=-1).reference == "scheme_base_2"
    assert compare({"x": tiny, "y": tiny}, reference="y").reference == "y"
    assert repr(cmp).startswith("<ssproj.Comparison of 2 scenarios")
    assert isinstance(cmp, Comparison) and ssproj.compare is compare and ssproj.Comparison is Comparison
    with pytest.raises(ValueError, match="not one of the scenarios"):
        compare([tiny], reference="nope")
    with pytest.raises(ValueError, match="outside"):
        compare([tiny, tiny], reference=2)
    with pytest.raises(ValueError, match="no projections"):
        compare([])
    with pytest.raises(ValueError, match=r"not ssproj\.Projection"):
        compare([tiny, "results.nc"])
    with pytest.raises(ValueError, match="different currencies"):
        compare([tiny, lao["base"]])


def test_files_written_atomically(lao_cmp, tmp_path):
    written = lao_cmp.write(tmp_path / "out")
    # the Lao baseline rests on assumed inputs: their banner is written too (issue 13), as a file and a first sheet
    # and the ranked summary (issue 14); no strategy_table.csv: no scenario here has a coverage strategy
    assert set(written) == {"excel", "comparison", "differences", "relative_differences", "decomposition",
                            "summary", "assumed_inputs"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "assumed_inputs.txt", "comparison.csv", "comparison.xlsx", "decomposition.csv", "differences.csv",
        "manifest.json", "relative_differences.csv", "summary.csv"]
    sheets = pd.read_excel(written["excel"], sheet_name=None, index_col=0)
    # the Read me and the charts follow the banner, then the ranked summary; a sheet per scenario, named by the
    # scenario (issue 14); no coverage strategy here: no strategies sheet
    assert list(sheets)[:8] == ["assumed inputs", "Read me", "Charts", "summary", "comparison", "differences",
                                "relative_differences", "decomposition"]
    assert "more_voluntary" in sheets and "lao_baseline" in sheets
    assert sheets["decomposition"].index.notna().all()  # each row names its scenario
    back = pd.read_csv(written["comparison"], index_col=0)
    t = lao_cmp.table()
    assert list(back.index) == list(t.index)
    assert np.allclose(back.to_numpy(), t.to_numpy(), rtol=1e-9, equal_nan=True)
    dec = pd.read_csv(written["decomposition"], index_col=[0, 1])
    assert "coverage [share of insured earnings]" in dec.columns
    assert dec.loc[("more_voluntary", 2050), "demography [share of insured earnings]"] == 0


# ---------------------------------------------------------------- the command

@pytest.mark.slow
def test_cli_compare_writes_files_and_prints_the_table(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(TINY / "scheme_base.yaml"), str(TINY / "scheme_child.yaml"),
                 "--out", str(out), "--milestones", "2030,2040", "--reference", "scheme_child"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "reference 'scheme_child'" in printed
    assert "contributors_gained 2040 [contributor-years, scenario minus reference]" in printed
    assert "total_outgo 2030 [billion TNY/year]" in printed
    assert "coverage" in printed and "demography" in printed
    for name in ("comparison.xlsx", "comparison.csv", "differences.csv", "decomposition.csv"):
        assert (out / name).stat().st_size > 0
    table = pd.read_csv(out / "comparison.csv", index_col=0)
    assert list(table.columns) == ["scheme_base", "scheme_child"]
    assert not any(p.name.endswith(".tmp") for p in out.iterdir())


def test_cli_compare_reports_every_problem_of_every_file(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(TINY / "scheme_base.yaml"), str(BAD / "several.yaml"),
                 str(BAD / "unknown_key.yaml"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("ERROR: 2 of 3 scenario files have problems")
    assert "did you mean 'wage_growth'" in err and "seed = -3" in err  # several.yaml, every problem
    assert "did you mean 'description'" in err  # unknown_key.yaml
    assert not out.exists()


def test_cli_compare_help_and_usage_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--reference" in out and "--milestones" in out and "--out" in out
    with pytest.raises(SystemExit) as exc:
        main(["compare", "a.yaml", "b.yaml", "--milestones", "twenty"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert "compare" in capsys.readouterr().out
    assert main(["compare", str(TINY / "scheme_base.yaml")]) == 1
    assert "at least two" in capsys.readouterr().err
    assert main(["compare", str(TINY / "scheme_base.yaml"), str(TINY / "scheme_child.yaml"),
                 "--reference", "nope"]) == 1
    assert "--reference 'nope'" in capsys.readouterr().err


def _pv_at(projection, years, values):
    """Present value at 1 January of years[0] of mid-year flows, at the projection's return (by hand)."""
    i = projection.dataset["investment_return"].sel(year=years).to_numpy()
    pv, v = 0.0, 1.0
    for t in range(len(years)):
        v /= 1.0 + i[t]
        pv += float(values[t]) * v * (1.0 + i[t] / 2)
    return pv


@pytest.mark.slow
def test_cost_to_state_includes_state_paid_channel_costs():
    root = Path(__file__).resolve().parents[1]
    base = ssproj.project(ssproj.load_scenario(root / "scenarios" / "lao_baseline.yaml"))
    centres = ssproj.project(ssproj.load_scenario(root / "scenarios" / "lao_cov_info_centres.yaml"))
    comp = ssproj.compare([base, centres])
    years = comp.scheme_years
    ds = centres.dataset
    channel_state = ds["channel_cost"].sel(cost_payer="state", year=years).sum("channel").to_numpy()
    contrib_state = ds["contributions"].sel(payer="state", year=years).sum("group").to_numpy()
    transfers = ds["fund_state_transfer"].sel(year=years).sum("fund").to_numpy()  # the Lao baseline's deficit rule
    paid = ds["state_paid_pensions"].sel(year=years).sum("group").to_numpy()  # the former civil-servant pensions
    assert channel_state.sum() > 0 and transfers.sum() > 0 and paid.sum() > 0
    assert comp.row("cost_to_state")["lao_cov_info_centres"] == pytest.approx(
        _pv_at(base, years, channel_state + contrib_state + transfers + paid), rel=1e-12)


@pytest.mark.slow
def test_a_subsidy_channel_is_a_state_cost_once_and_deficit_transfers_are_one():
    """The subsidised contributions are in channel_cost and among the contributions of payer state: counted once."""
    root = Path(__file__).resolve().parents[1]
    base = ssproj.project(ssproj.load_scenario(root / "scenarios" / "lao_baseline.yaml"))
    sc = ssproj.load_scenario({"name": "subsidy", "extends": "lao_baseline.yaml",
                               "changes": {"deficit_financing": {"long_term": "borrow"}}, "strategy": {
        "name": "subsidy_only", "channels": {"half": {"kind": "subsidy", "group": "voluntary", "start_year": 2027,
                                                      "subsidy_share": 0.5}}}}, base_dir=root / "scenarios")
    sub = ssproj.project(sc)
    ds = sub.dataset
    years = np.arange(2024, 2101)
    subsidy = ds["channel_subsidy"].sel(year=years).sum("channel").to_numpy()
    channel_state = ds["channel_cost"].sel(cost_payer="state", year=years).sum("channel").to_numpy()
    contrib_state = ds["contributions"].sel(payer="state", year=years).sum("group").to_numpy()
    np.testing.assert_array_equal(channel_state, subsidy)  # a subsidy channel costs the state its subsidy
    assert subsidy[years >= 2027].min() > 0 and (contrib_state >= subsidy).all()
    assert not ds["fund_state_transfer"].sel(fund="long_term", year=years).any()  # borrowing: no deficit transfer
    other = ds["fund_state_transfer"].sel(year=years).sum("fund").to_numpy()    # (the other funds': none either)
    paid = ds["state_paid_pensions"].sel(year=years).sum("group").to_numpy()  # the former civil-servant pensions
    comp = ssproj.compare([base, sub])
    assert comp.row("cost_to_state")["subsidy"] == pytest.approx(_pv_at(base, years, contrib_state + other + paid),
                                                                 rel=1e-12)
    # a deficit transfer is the state's money too
    tr = ssproj.project(sc.with_changes({"deficit_financing": {"long_term": "state_transfer"}}))
    transfers = tr.dataset["fund_state_transfer"].sel(year=years).sum("fund").to_numpy()
    assert transfers.sum() > 0
    comp = ssproj.compare([base, tr])
    paid_tr = tr.dataset["state_paid_pensions"].sel(year=years).sum("group").to_numpy()
    assert comp.row("cost_to_state")[tr.dataset.attrs["scenario_name"]] == pytest.approx(
        _pv_at(base, years, contrib_state + transfers + paid_tr), rel=1e-12)

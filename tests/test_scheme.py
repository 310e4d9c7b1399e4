"""The scheme engine end to end: analytic cases, conservation, monotonicity.

Analytic truth comes from the life table, independently of the engine
(tests/scheme_sets.py writes the synthetic assumption sets).
"""
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ssproj
from scheme_sets import gompertz, write_stationary_set
from ssproj import LifeTable

ROOT = Path(__file__).resolve().parents[1]
SRB = 1.05


def person_years_above(lt, a):
    """Person-years lived above exact age a per newborn (l linear within a year)."""
    x = int(np.floor(a))
    f = a - x
    la = lt.lx[x] + (lt.lx[x + 1] - lt.lx[x]) * f
    return lt.Tx[x + 1] + 0.5 * (la + lt.lx[x + 1]) * (1 - f)


def test_stationary_population_cost_rate_is_dependency_times_replacement(tmp_path):
    """Stationary population, full coverage of ages 20-59, constant wages.

    Everybody enters at 20 (completed age at 1 January, exact age 20.5 on
    average) and retires at exact age 60 with 40 years: replacement rate
    1.5% x 40 = 60%. Pension-years per contributor-year in the stationary
    state = T(60) / (T(20.5) - T(60)) from each sex's life table, weighted
    by the sexes' contributors (their shares of the covered population).
    The engine's yearly steps approximate deaths within a year at second
    order (measured: 0.06%): tolerance 0.2%.
    """
    res = ssproj.project(ssproj.load_scenario(write_stationary_set(tmp_path)))
    s = res.summary()
    assert s["total_population"].loc[2020:].std() / s["total_population"].mean() < 1e-12  # truly stationary
    num = den = 0.0
    for sex, m, share in (("male", gompertz() * 1.2, SRB / (1 + SRB)), ("female", gompertz(), 1 / (1 + SRB))):
        lt = LifeTable.from_mx(m, sex)
        weight = share * lt.Lx[20:60].sum()
        num += weight * person_years_above(lt, 60) / (person_years_above(lt, 20.5) - person_years_above(lt, 60))
        den += weight
    expected = 0.6 * num / den
    late = s.loc[2100:2140, "payg_cost_rate"]
    assert late.std() < 1e-6 * late.mean()  # converged
    assert late.iloc[-1] == pytest.approx(expected, rel=0.002)
    # the engine's own ratio agrees too: cost rate = pensioners / contributors x 60%
    ds = res.dataset.sel(year=2140)
    outgo = float(ds["benefit_outgo_by_type"].sum())
    assert outgo / float(ds["insured_earnings"].sum()) == pytest.approx(late.iloc[-1], rel=1e-12)
    assert float(ds["lump_sums"].sum()) == 0.0


def test_zero_coverage_gives_zero_flows(tmp_path):
    res = ssproj.project(ssproj.load_scenario(write_stationary_set(tmp_path, coverage=0.0, base_members=False)))
    ds = res.dataset
    for name in ("actives", "inactives", "contributors", "pensioners", "entrants", "contributions",
                 "benefit_outgo_by_type", "lump_sums", "fund_total_income", "fund_total_outgo", "fund_reserve_end"):
        assert float(np.abs(ds[name].fillna(0)).sum()) == 0.0, name


@pytest.fixture(scope="module")
def lao():
    sc = ssproj.load_scenario(ROOT / "scenarios" / "lao_baseline.yaml")
    return sc, ssproj.project(sc)


def test_head_counts_and_reserves_are_conserved_every_year(lao):
    _, res = lao
    ds = res.dataset
    years = res.summary().dropna(subset=["total_outgo"]).index.to_numpy()
    d = ds.sel(year=years)
    members = (d["actives"] + d["inactives"]).sum(("sex", "age"))
    start = (ds["base_actives"] + ds["base_inactives"]).sum(("sex", "age"))
    previous = np.concatenate([start.values[None, :], members.values[:-1]])
    flows = (d["entrants"] - d["member_deaths"] - d["invalidity_retirements"]
             - d["retirements_pension"] - d["retirements_lump_sum"] - d["refunds"]).values
    np.testing.assert_allclose(members.values - previous, flows, rtol=0, atol=1e-7 * members.values.max())
    pens = d["pensioners"].sum(("benefit", "sex", "age")).values
    pstart = ds["base_pensioners"].sum(("benefit", "sex", "age")).values
    pprev = np.concatenate([pstart[None, :], pens[:-1]])
    pflows = (d["new_pensions"].sum("benefit") - d["pensioner_deaths"] - d["orphan_exits"]).values
    np.testing.assert_allclose(pens - pprev, pflows, rtol=0, atol=1e-7 * pens.max())
    # reserves: opening + income - outgo = closing, and closing = next opening, exactly
    rs, re = d["fund_reserve_start"].values, d["fund_reserve_end"].values
    np.testing.assert_allclose(re - rs, d["fund_total_income"].values - d["fund_total_outgo"].values,
                               rtol=0, atol=1e-6 * np.abs(re).max())
    assert np.array_equal(rs[1:], re[:-1])
    assert np.array_equal(rs[0], ds["opening_reserve"].values)


def test_summary_has_the_required_columns(lao):
    _, res = lao
    s = res.summary()
    required = ["contributors", "pensioners", "contribution_income", "investment_income", "benefit_outgo",
                "admin_cost", "total_income", "total_outgo", "reserve_end", "payg_cost_rate", "reserve_ratio",
                "total_population", "labour_force", "system_dependency_ratio"]
    for col in required + [f"insured_{g}" for g in ("public", "private", "voluntary")] \
            + [f"contributors_{g}" for g in ("public", "private", "voluntary")] \
            + [f"pensioners_{b}" for b in ("old_age", "invalidity", "widow", "orphan")]:
        assert col in s.columns, col
        assert s.attrs["units"].get(col) or col.startswith(("insured_", "contributors_", "pensioners_")), col
    scheme = s.loc[2024:]
    assert scheme[required].notna().all().all()
    np.testing.assert_allclose(scheme["total_income"], scheme["contribution_income"] + scheme["investment_income"]
                               + scheme["state_transfer"])
    # the finance columns are the headline (pension) fund's; the cost rate nets the administrative charge on
    # contributions: (outgo - a contributions) / ((1 - a) insured earnings)
    ds = res.dataset.sel(year=scheme.index, fund="long_term")
    assert res.dataset.attrs["headline_fund"] == "long_term"
    a = ds["admin_cost_rate"].values
    np.testing.assert_array_equal(scheme["reserve_end"], ds["fund_reserve_end"].values)
    np.testing.assert_allclose(scheme["payg_cost_rate"],
                               (ds["outgo_by_fund"].values - a * ds["contribution_income_by_fund"].values)
                               / ((1 - a) * ds["insured_earnings"].sum("group").values), rtol=1e-13)
    assert s.loc[:2023, "contributors"].isna().all()


def test_frozen_ceiling_shows_in_share_above_it(lao):
    _, res = lao
    share = res.summary()["share_of_earnings_above_ceiling"]
    # 4.5M frozen to 2026 while wages inflate, then indexed: the share rises, then stays level
    assert share.loc[2024] < share.loc[2026]
    assert abs(share.loc[2050] - share.loc[2030]) < 0.01


def test_higher_contribution_rate_never_lowers_reserves(lao):
    """Borrowing: the reserve is higher every year; state transfers (the Lao baseline's rule): they are lower."""
    sc, res = lao
    assert res.dataset["deficit_financing"].sel(fund="long_term") == "state_transfer"
    borrow = sc.with_changes({"deficit_financing": {"long_term": "borrow"}})
    base = ssproj.project(borrow).summary().loc[2024:, "reserve_end"]
    higher = ssproj.project(borrow.with_changes({"contribution_rate_employer": {"private": 0.07}})).summary()
    assert (higher.loc[2024:, "reserve_end"] >= base).all()
    assert (higher.loc[2024:, "reserve_end"] > base).any()
    more = ssproj.project(sc.with_changes({"contribution_rate_employer": {"private": 0.07}})).summary()
    transfers, fewer = res.summary().loc[2024:, "state_transfer"], more.loc[2024:, "state_transfer"]
    assert (fewer <= transfers).all() and (fewer < transfers).any()


def test_general_average_premium_put_back_balances_the_horizon(lao):
    """GAP as a level contribution rate: PV income + reserve = PV outgo, administrative costs included.

    Re-run with every group's contributions set so that the pension fund
    receives the GAP of insured earnings (the Lao baseline sends 60 % of
    contributions to it), with the 3 % administrative charge on
    contributions left on: the pension fund's reserve at the end of the
    horizon is zero.
    """
    sc, res = lao
    assert float(sc.path_values("admin_cost_rate")[0]) == 0.03
    shares = sc.value("long_term_share")
    horizon = 50
    gap = res.indicators(horizons=(horizon,))[f"gap_{horizon}"]
    zero = dict.fromkeys(sc.groups, 0.0)
    again = ssproj.project(sc.with_changes({
        "contribution_rate_employer": {g: gap / float(shares[g].evaluate([2024])[0]) for g in sc.groups},
        "contribution_rate_employee": zero, "contribution_rate_state": zero}))
    s = again.summary().dropna(subset=["total_outgo"])
    end = s.index[horizon - 1]
    assert abs(s.loc[end, "reserve_end"]) < 1e-9 * s["total_outgo"].iloc[:horizon].sum()
    assert again.summary().loc[end, "average_contribution_rate"] == pytest.approx(gap, rel=1e-12)
    # the cost rate does not move with the contribution rate (the charge on contributions is netted out)
    np.testing.assert_allclose(s["payg_cost_rate"], res.summary().loc[s.index, "payg_cost_rate"], rtol=1e-12)


TINY = ROOT / "tests" / "data" / "scenarios" / "scheme_base.yaml"


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rate=st.floats(0.0, 0.3), coverage=st.floats(0.0, 1.0), density=st.floats(0.05, 1.0),
    lapse=st.floats(0.0, 0.5), reentry=st.floats(0.0, 0.5), age=st.integers(50, 70),
    accrual=st.floats(0.0, 0.05), wage_growth=st.floats(-0.05, 0.3), inflation=st.floats(-0.05, 0.5),
    ret=st.floats(-0.2, 0.5), weight=st.floats(0.0, 1.0),
)
def test_random_valid_parameters_give_finite_non_negative_results(rate, coverage, density, lapse, reentry, age,
                                                                  accrual, wage_growth, inflation, ret, weight):
    sc = ssproj.load_scenario(TINY)
    per = lambda v: dict.fromkeys(sc.groups, v)
    sc = sc.with_changes({
        "contribution_rate_employer": per(rate), "coverage_rate": per(coverage),
        "contribution_density": per(density), "lapse_rate": per(lapse), "reentry_rate": per(reentry),
        "pensionable_age_male": per(age), "pensionable_age_female": per(age), "accrual_rate": per(accrual),
        "wage_growth": wage_growth, "price_inflation": inflation, "investment_return": ret,
        "indexation_price_weight": weight,
    })
    ds = ssproj.project(sc).dataset
    years = sc.scheme_years
    for name in ("actives", "inactives", "contributors", "pensioners", "pension_amounts", "contributions",
                 "benefit_outgo_by_type", "lump_sums", "insured_earnings"):
        values = ds[name].sel(year=years).values
        assert np.all(np.isfinite(values)), name
        assert np.all(values >= 0), name
    assert np.all(np.isfinite(ds["fund_reserve_end"].sel(year=years).values))


def test_imputed_service_keeps_the_mean_service_exact():
    """Base-year members without a ``service`` column: service d (x - e) split linearly
    between its two neighbouring whole years, so that the mean is d (x - e) exactly."""
    from ssproj.scheme.plan import N_SERVICE, _imputed_service

    entry = np.zeros(101)
    entry[[20, 25, 33]] = [0.5, 0.3, 0.2]
    d = 0.7
    dist = _imputed_service(entry, d, scheme_age=60)
    assert np.allclose(dist.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert np.all(dist[:20, 0] == 1.0)                      # below every entry age: 0 years
    # by hand at 40: v = 14 (e = 20), 10.5 (e = 25), 4.9 (e = 33)
    expected = np.zeros(N_SERVICE)
    expected[14] = 0.5
    expected[[10, 11]] = 0.15
    expected[[4, 5]] = [0.2 * 0.1, 0.2 * 0.9]
    assert dist[40] == pytest.approx(expected, abs=1e-15)
    # no cap binds up to 90 (v <= 49): the mean is d (x - e) at every age
    n = np.arange(N_SERVICE)
    for x in range(20, 91):
        w = np.where(np.arange(101) <= x, entry, 0.0)
        mean = (w * d * (x - np.arange(101))).sum() / w.sum()
        assert (dist[x] * n).sum() == pytest.approx(mean, rel=1e-13), x
    # the scheme's age caps after the split: at 40 with 10 years of scheme, 4.9 -> 4 or 5, the rest 10
    capped = _imputed_service(entry, d, scheme_age=10)[40]
    assert capped[[4, 5, 10]] == pytest.approx([0.02, 0.18, 0.8], abs=1e-15)
    assert capped.sum() == pytest.approx(1.0, abs=1e-15)


def test_salary_scale_extends_flat_beyond_the_table_other_age_tables_do_not():
    """Members earn at every age: below the salary scale's first age they earn its first
    value, above its last age its last value. Participation stays 0 outside its table."""
    import pandas as pd

    from ssproj.scheme.labour import age_table
    from ssproj.scheme.plan import scheme_plan

    table = pd.DataFrame({"group": ["g", "g"], "age_start": [15, 25], "age_end": [24, 70], "index": [0.7, 1.2]})
    scale = age_table(table, "index", by_sex=False, key=("group", "g"), extend=True)
    assert np.all(scale[:25] == 0.7) and np.all(scale[25:] == 1.2)
    plain = age_table(table, "index", by_sex=False, key=("group", "g"))
    assert np.all(plain[:15] == 0.0) and np.all(plain[71:] == 0.0)
    sc = ssproj.load_scenario(TINY)                      # tiny_scheme: salary scale 15-70
    plan = scheme_plan(sc)
    pub = list(sc.groups).index("public")
    assert np.all(plan.earnings.earnings_scale[pub, :15] == 0.7)
    assert np.all(plan.earnings.earnings_scale[pub, 55:] == 1.2)
    participation = age_table(sc.tables["labour_force_participation"], "rate")
    assert np.all(participation[:, :10] == 0.0)

"""Indicators against independent truth: round trips, hand-worked cases, identities."""
from fractions import Fraction as F

import numpy as np
import pytest
import xarray as xr

from ssproj.finance.fund import roll_forward
from ssproj.finance.indicators import (
    accrued_to_date_liability,
    coverage_ratio,
    demographic_dependency_ratio,
    dependency_ratio_by_age,
    depletion_year,
    general_average_premium,
    implicit_pension_debt,
    old_age_coverage_ratio,
    payg_cost_rate,
    replacement_rate,
    reserve_ratio,
    scaled_premium,
    share_of_gdp,
    summarized_rates,
    system_dependency_ratio,
)


def maturing_scheme(T=40):
    """Earnings grow 5 %/year; the PAYG cost rate rises from 2 % by 0.4 points a year."""
    t = np.arange(T)
    earnings = 1000.0 * 1.05 ** t
    outgo = (0.02 + 0.004 * t) * earnings
    other = 0.001 * earnings
    interest = 0.06 + 0.01 * np.sin(t)
    return outgo, earnings, other, interest


def python_roll(r0, income, outgo, interest):
    """Plain-Python roll-forward (DESIGN §7), independent of the kernel."""
    ends = []
    r = r0
    for inc, out, i in zip(income, outgo, interest, strict=True):
        r = r + inc - out + i * (r + (inc - out) / 2)
        ends.append(r)
    return np.array(ends)


# ---------------------------------------------------------------- PAYG / GAP

def test_payg_cost_rate():
    np.testing.assert_allclose(payg_cost_rate([12.0, 30.0], [100.0, 200.0]), [0.12, 0.15])
    assert np.isnan(payg_cost_rate([1.0, 2.0], [0.0, 4.0])[0])


@pytest.mark.parametrize("horizon", [1, 7, 20, 40, None])
@pytest.mark.parametrize("closing", [{}, {"closing_reserve": 3000.0}, {"closing_reserve_ratio": 2.0}])
def test_gap_put_back_in_roll_forward_reaches_target(horizon, closing):
    outgo, earnings, other, interest = maturing_scheme()
    r0 = 500.0
    gap = general_average_premium(outgo, earnings, interest, r0, horizon=horizon, other_income=other, **closing)
    n = horizon or len(outgo)
    target = closing.get("closing_reserve", 0.0) + closing.get("closing_reserve_ratio", 0.0) * outgo[n - 1]
    reserve = python_roll(r0, gap * earnings[:n] + other[:n], outgo[:n], interest[:n])[-1]
    assert abs(reserve - target) <= 1e-9 * max(abs(target), outgo[:n].sum())
    # The kernel-based roll-forward agrees too.
    via_fund = roll_forward(r0, gap * earnings[:n] + other[:n], outgo[:n], interest[:n])["reserve_end"][-1]
    assert abs(via_fund - target) <= 1e-9 * max(abs(target), outgo[:n].sum())


def test_gap_zero_interest_by_hand():
    outgo, earnings = [10.0, 20.0, 30.0], [100.0, 100.0, 100.0]
    # (sum outgo - reserve) / sum earnings = (60 - 15) / 300
    assert general_average_premium(outgo, earnings, 0.0, 15.0) == pytest.approx(0.15, rel=1e-14)
    # closing reserve 30: (60 + 30 - 15) / 300
    gap = general_average_premium(outgo, earnings, 0.0, 15.0, closing_reserve=30.0)
    assert gap == pytest.approx(0.25, rel=1e-14)
    # closing reserve 2 x outgo of the last year = 60: (60 + 60 - 15) / 300
    gap = general_average_premium(outgo, earnings, 0.0, 15.0, closing_reserve_ratio=2.0)
    assert gap == pytest.approx(0.35, rel=1e-14)
    # two-year horizon: (30 - 15) / 200, closing ratio on year 2's outgo (20)
    assert general_average_premium(outgo, earnings, 0.0, 15.0, horizon=2) == pytest.approx(0.075, rel=1e-14)
    assert general_average_premium(outgo, earnings, 0.0, 15.0, horizon=2,
                                   closing_reserve_ratio=1.0) == pytest.approx(0.175, rel=1e-14)


def test_gap_one_year_both_half_year_conventions_by_hand():
    # PV at 21 %: closing 121 -> 100; mid-year factor 1.1/1.21 (compound) or 1.105/1.21 (simple).
    kw = dict(closing_reserve=121.0)
    assert general_average_premium([110.0], [1000.0], 0.21, 0.0, half_year="compound", **kw) == pytest.approx(
        0.11 + 100.0 / (1000.0 * 1.1 / 1.21), rel=1e-14)
    assert general_average_premium([110.0], [1000.0], 0.21, 0.0, **kw) == pytest.approx(
        0.11 + 100.0 / (1000.0 * 1.105 / 1.21), rel=1e-14)


@pytest.mark.parametrize("interest", [0.0, 0.07])
def test_gap_equals_payg_cost_rate_in_steady_state(interest):
    t = np.arange(30)
    earnings = 250.0 * 1.03 ** t
    outgo = 0.12 * earnings
    payg = payg_cost_rate(outgo, earnings)
    np.testing.assert_allclose(payg, 0.12, rtol=1e-15)
    assert general_average_premium(outgo, earnings, interest, 0.0) == pytest.approx(0.12, rel=1e-13)


def test_gap_accepts_dataarrays_and_checks_arguments():
    years = {"year": [2025, 2026]}
    out = xr.DataArray([10.0, 30.0], coords=years, dims="year")
    earn = xr.DataArray([100.0, 100.0], coords=years, dims="year")
    assert general_average_premium(out, earn, 0.0, 0.0) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="either closing_reserve or closing_reserve_ratio"):
        general_average_premium([1.0], [1.0], 0.0, 0.0, closing_reserve=1.0, closing_reserve_ratio=1.0)
    with pytest.raises(ValueError, match="horizon=3 is outside \\[1, 2\\]"):
        general_average_premium([1.0, 2.0], [1.0, 2.0], 0.0, 0.0, horizon=3)
    with pytest.raises(ValueError, match="horizon=0 is outside"):
        general_average_premium([1.0, 2.0], [1.0, 2.0], 0.0, 0.0, horizon=0)
    with pytest.raises(ValueError, match=r"present value of insured earnings is 0\.0"):
        general_average_premium([1.0, 2.0], [0.0, 0.0], 0.0, 0.0)
    with pytest.raises(ValueError, match="insured_earnings has 3"):
        general_average_premium([1.0, 2.0], [1.0, 2.0, 3.0], 0.0, 0.0)


# ---------------------------------------------------------------- scaled premium

def test_scaled_premium_no_fall_holds_and_binds_at_each_period_end():
    outgo, earnings, other, interest = maturing_scheme(T=23)
    res = scaled_premium(outgo, earnings, other, interest, 500.0, period_length=5)
    np.testing.assert_array_equal(res["period_start"], [0, 5, 10, 15, 20])
    np.testing.assert_array_equal(res["period_end"], [5, 10, 15, 20, 23])
    rate = res["rate"]
    for a, b, p in zip(res["period_start"], res["period_end"], res["period_rate"], strict=True):
        assert np.all(rate[a:b] == p)
    assert np.all(np.diff(res["period_rate"]) > 0)  # maturing scheme: rising steps
    reserve = python_roll(500.0, rate * earnings + other, outgo, interest)
    np.testing.assert_allclose(res["reserve_end"], reserve, rtol=1e-12)
    start = np.concatenate([[500.0], reserve[:-1]])
    change = reserve - start
    tol = 1e-9 * outgo
    assert np.all(change >= -tol), "the reserve falls in some year"
    last = res["period_end"] - 1
    assert np.all(np.abs(change[last]) <= tol[last]), "income does not just cover outgo at a period's end"
    assert np.all(change[np.setdiff1d(np.arange(23), last)] > tol[np.setdiff1d(np.arange(23), last)])


def test_scaled_premium_no_fall_binds_in_an_earlier_year_when_cost_rate_falls():
    earnings = np.full(4, 100.0)
    outgo = np.array([5.0, 30.0, 10.0, 12.0])  # year 1 is the costly one
    res = scaled_premium(outgo, earnings, 0.0, 0.05, 0.0, period_length=4)
    reserve = python_roll(0.0, res["rate"] * earnings, outgo, np.full(4, 0.05))
    change = np.diff(np.concatenate([[0.0], reserve]))
    assert np.all(change >= -1e-12)
    assert np.min(change) == pytest.approx(0.0, abs=1e-12)
    assert np.argmin(change) == 1


@pytest.mark.parametrize("k", [0.0, 1.5])
def test_scaled_premium_reserve_ratio_criterion_binds(k):
    outgo, earnings, other, interest = maturing_scheme(T=30)
    res = scaled_premium(outgo, earnings, other, interest, 0.0, period_length=10,
                         criterion="reserve_ratio", min_reserve_ratio=k)
    assert np.all(res["period_rate"] > 0)  # not floored at zero, so the criterion must bind
    reserve = python_roll(0.0, res["rate"] * earnings + other, outgo, interest)
    last = res["period_end"] - 1
    np.testing.assert_allclose(reserve[last] / outgo[last], k, atol=1e-9)


def test_scaled_premium_no_fall_with_reserve_ratio_floor_takes_the_larger_rate():
    outgo, earnings, other, interest = maturing_scheme(T=10)
    kw = dict(period_length=10)
    a = scaled_premium(outgo, earnings, other, interest, 500.0, **kw)["period_rate"][0]
    b = scaled_premium(outgo, earnings, other, interest, 500.0, criterion="reserve_ratio",
                       min_reserve_ratio=15.0, **kw)["period_rate"][0]
    c = scaled_premium(outgo, earnings, other, interest, 500.0, min_reserve_ratio=15.0, **kw)["period_rate"][0]
    assert b > a  # a reserve of 15 years of outgo needs more than not falling
    assert c == b


def test_scaled_premium_step_rounds_up_and_is_minimal_on_the_grid():
    outgo, earnings, other, interest = maturing_scheme(T=23)
    step = 0.005
    exact = scaled_premium(outgo, earnings, other, interest, 500.0, period_length=5)
    res = scaled_premium(outgo, earnings, other, interest, 500.0, period_length=5, step=step)
    rates = res["period_rate"]
    np.testing.assert_allclose(rates / step, np.round(rates / step), atol=1e-9)
    # First period starts from the same reserve: rounded rate is the next grid point up.
    assert exact["period_rate"][0] <= rates[0] < exact["period_rate"][0] + step
    # Every period: the rounded rate keeps the reserve from falling, one step less does not.
    r = 500.0
    for a, b, p in zip(res["period_start"], res["period_end"], rates, strict=True):
        sl = slice(a, b)
        for trial, falls in ((p, False), (p - step, True)):
            ends = python_roll(r, trial * earnings[sl] + other[sl], outgo[sl], interest[sl])
            change = np.diff(np.concatenate([[r], ends]))
            assert bool(np.any(change < 0)) is falls
        r = python_roll(r, p * earnings[sl] + other[sl], outgo[sl], interest[sl])[-1]
    np.testing.assert_allclose(res["reserve_end"][-1], r, rtol=1e-12)


def test_scaled_premium_is_floored_at_zero_and_returns_dataarrays():
    years = np.arange(2025, 2031)
    da = lambda v: xr.DataArray(np.asarray(v, float), coords={"year": years}, dims="year")
    res = scaled_premium(da(np.full(6, 1.0)), da(np.full(6, 100.0)), 0.0, 0.05, 1e6, period_length=3)
    np.testing.assert_array_equal(res["period_rate"], [0.0, 0.0])
    assert isinstance(res["rate"], xr.DataArray) and isinstance(res["reserve_end"], xr.DataArray)
    np.testing.assert_array_equal(res["rate"]["year"], years)


def test_scaled_premium_bad_arguments():
    x, e = [1.0, 2.0], [10.0, 10.0]
    with pytest.raises(ValueError, match="criterion='flat' is not one of 'no_fall', 'reserve_ratio'"):
        scaled_premium(x, e, 0.0, 0.0, 0.0, period_length=1, criterion="flat")
    with pytest.raises(ValueError, match="needs min_reserve_ratio"):
        scaled_premium(x, e, 0.0, 0.0, 0.0, period_length=1, criterion="reserve_ratio")
    with pytest.raises(ValueError, match="period_length=0"):
        scaled_premium(x, e, 0.0, 0.0, 0.0, period_length=0)
    with pytest.raises(ValueError, match=r"step=0\.0"):
        scaled_premium(x, e, 0.0, 0.0, 0.0, period_length=1, step=0.0)
    with pytest.raises(ValueError, match="no contribution rate stops the reserve from falling in year index 1"):
        scaled_premium(x, [10.0, 0.0], 0.0, 0.0, 0.0, period_length=1)


# ---------------------------------------------------------------- reserves

RES = [120.0, 150.0, 90.0]
OUT = [60.0, 50.0, 45.0]


def test_reserve_ratio_conventions_by_hand():
    np.testing.assert_allclose(reserve_ratio(RES, OUT), [2.0, 3.0, 2.0])
    np.testing.assert_allclose(reserve_ratio(RES, OUT, convention="ssa", reserve_start=100.0),
                               [100 / 60, 120 / 50, 150 / 45])
    np.testing.assert_allclose(reserve_ratio(RES, OUT, convention="ssa", reserve_start=[100.0, 120.0, 150.0]),
                               [100 / 60, 120 / 50, 150 / 45])
    np.testing.assert_allclose(reserve_ratio(RES, OUT, convention="ssa"), [np.nan, 120 / 50, 150 / 45])
    np.testing.assert_allclose(reserve_ratio(RES, OUT, convention="cpp"), [120 / 50, 150 / 45, np.nan])


def test_reserve_ratio_dataarray_and_errors():
    years = {"year": [2030, 2031, 2032]}
    r = reserve_ratio(xr.DataArray(RES, coords=years, dims="year"), OUT, convention="cpp")
    assert isinstance(r, xr.DataArray)
    assert float(r.sel(year=2030)) == pytest.approx(2.4)
    assert np.isnan(reserve_ratio([1.0], [0.0])[0])
    with pytest.raises(ValueError, match="convention='oecd' is not one of 'ilo', 'ssa', 'cpp'"):
        reserve_ratio(RES, OUT, convention="oecd")
    with pytest.raises(ValueError, match="reserve_start is used only with convention='ssa'"):
        reserve_ratio(RES, OUT, reserve_start=1.0)
    with pytest.raises(ValueError, match="outgo has 2"):
        reserve_ratio(RES, OUT[:2])


def test_depletion_year_hand_cases():
    years = [2030, 2031, 2032]
    assert depletion_year(years, [5.0, 4.0, 1.0]) is None
    assert depletion_year(years, [-1.0, 4.0, 1.0]) == 2030
    assert depletion_year(years, [3.0, 0.0, -2.0]) == 2031  # exact zero counts
    assert depletion_year(years, [3.0, 1e-9, -2.0]) == 2032
    # below k x outgo: 60 <= 1.5 x 40
    assert depletion_year(years, [100.0, 60.0, 40.0], outgo=[40.0, 40.0, 40.0], threshold_ratio=1.5) == 2031
    assert depletion_year(years, [100.0, 60.0, 40.0], outgo=[40.0, 40.0, 40.0], threshold_ratio=0.5) is None
    da = xr.DataArray([5.0, -1.0], coords={"year": [2040, 2041]}, dims="year")
    assert depletion_year(None, da) == 2041
    with pytest.raises(ValueError, match="needs outgo"):
        depletion_year(years, [1.0, 2.0, 3.0], threshold_ratio=1.0)
    with pytest.raises(ValueError, match="years has shape \\(2,\\); expected \\(3,\\)"):
        depletion_year(years[:2], [1.0, 2.0, 3.0])


# ---------------------------------------------------------------- summarized rates

def test_summarized_rates_two_years_by_hand():
    income, cost, payroll, interest = [50, 60, 0], [40, 70, 80], [500, 600, 700], [0.1, 0.2, 0.3]
    got = summarized_rates(income, cost, payroll, interest, start_reserve=100.0, horizon=2)
    # Exact arithmetic: mid-year factors (1 + i/2) v_t, target = 1.0 x cost of year 3 at end of year 2.
    v = [1 / F(11, 10), 1 / (F(11, 10) * F(12, 10))]
    vm = [v[0] * F(105, 100), v[1] * F(11, 10)]
    pv_p = 500 * vm[0] + 600 * vm[1]
    sir = (100 + 50 * vm[0] + 60 * vm[1]) / pv_p
    scr = (40 * vm[0] + 70 * vm[1] + 80 * v[1]) / pv_p
    assert got["income_rate"] == pytest.approx(float(sir), rel=1e-14)
    assert got["cost_rate"] == pytest.approx(float(scr), rel=1e-14)
    assert got["actuarial_balance"] == pytest.approx(float(sir - scr), rel=1e-13)
    assert got["actuarial_balance"] > 0  # income exceeds cost here: a surplus
    assert got["horizon"] == 2


def test_actuarial_balance_sign_and_meaning():
    outgo, earnings, _, interest = maturing_scheme(T=76)
    income = 0.08 * earnings
    got = summarized_rates(income, outgo, earnings, interest, start_reserve=500.0, horizon=75)
    assert got["actuarial_balance"] < 0  # 8 % against a cost rate rising to 32 %: deficit
    # Raising the rate by -AB over the period meets the target: 1.0 x cost of year 76 at the end of year 75.
    raised = income[:75] - got["actuarial_balance"] * earnings[:75]
    reserve = python_roll(500.0, raised, outgo[:75], interest[:75])[-1]
    assert reserve == pytest.approx(outgo[75], rel=1e-9)


def test_summarized_rates_several_horizons_and_fallback():
    outgo, earnings, _, interest = maturing_scheme(T=76)
    income = 0.1 * earnings
    many = summarized_rates(income, outgo, earnings, interest, start_reserve=0.0, horizon=[25, 50, 75])
    for j, h in enumerate([25, 50, 75]):
        one = summarized_rates(income, outgo, earnings, interest, start_reserve=0.0, horizon=h)
        assert many["actuarial_balance"][j] == one["actuarial_balance"]
    assert np.all(np.diff(many["actuarial_balance"]) < 0)  # longer horizon, more of the rising cost
    with pytest.warns(UserWarning, match="cost of the last year"):
        short = summarized_rates([1.0, 1.0], [1.0, 2.0], [10.0, 10.0], 0.0, start_reserve=0.0, horizon=2)
    assert short["cost_rate"] == pytest.approx((1.0 + 2.0 + 2.0) / 20.0)
    with pytest.raises(ValueError, match="horizon=76 is outside \\[1, 75\\]"):
        summarized_rates(income[:75], outgo[:75], earnings[:75], interest[:75], start_reserve=0.0, horizon=76)


# ---------------------------------------------------------------- liabilities

def test_accrued_to_date_liability_and_implicit_debt():
    adl = accrued_to_date_liability([100.0, 50.0], [10.0, 12.0], [[40.0, 0.0]], [[5.0, 7.0]])
    assert adl == pytest.approx(100 * 10 + 50 * 12 + 40 * 5)
    assert implicit_pension_debt(adl, 300.0) == pytest.approx(1500.0)
    np.testing.assert_allclose(implicit_pension_debt(np.array([10.0, 20.0]), 5.0), [5.0, 15.0])
    with pytest.raises(ValueError, match="accrued_pensions_actives has shape \\(2,\\) but deferred_annuity_factors"):
        accrued_to_date_liability([1.0], [1.0], [1.0, 2.0], [1.0])


# ---------------------------------------------------------------- ratios

def test_dependency_ratios():
    assert demographic_dependency_ratio(30.0, 120.0) == pytest.approx(0.25)
    pop = np.ones(101)  # ages 0..100+: 36 aged 65+, 50 aged 15-64
    assert dependency_ratio_by_age(pop) == pytest.approx(36 / 50)
    assert dependency_ratio_by_age(pop, old_age=60, working_ages=(20, 59)) == pytest.approx(41 / 40)
    by_year = np.stack([np.ones(101), 2 * np.ones(101)])
    np.testing.assert_allclose(dependency_ratio_by_age(by_year), [0.72, 0.72])
    np.testing.assert_allclose(dependency_ratio_by_age(by_year.T, axis=0), [0.72, 0.72])
    da = xr.DataArray(by_year, coords={"year": [2030, 2031], "age": np.arange(101)}, dims=("year", "age"))
    r = dependency_ratio_by_age(da)
    assert r.dims == ("year",)
    np.testing.assert_allclose(r, [0.72, 0.72])
    # five-year groups: 0, 5, ..., 100
    grouped = np.ones(21)
    assert dependency_ratio_by_age(grouped, ages=np.arange(0, 105, 5)) == pytest.approx(8 / 10)
    with pytest.raises(ValueError, match="ages has shape \\(3,\\); expected \\(101,\\)"):
        dependency_ratio_by_age(pop, ages=[0, 1, 2])
    with pytest.raises(ValueError, match="expected a dim 'age'"):
        dependency_ratio_by_age(xr.DataArray(np.ones(3), dims="x"))
    assert system_dependency_ratio(20.0, 100.0) == pytest.approx(0.2)


def test_coverage_replacement_and_gdp_ratios():
    np.testing.assert_allclose(coverage_ratio([30.0, 40.0], [100.0, 100.0]), [0.3, 0.4])
    assert old_age_coverage_ratio(15.0, 60.0) == pytest.approx(0.25)
    assert replacement_rate(1.2e6, 3.0e6) == pytest.approx(0.4)
    assert share_of_gdp(5.0, 200.0) == pytest.approx(0.025)
    assert np.isnan(share_of_gdp(5.0, 0.0))
    y = lambda v, yrs: xr.DataArray(v, coords={"year": yrs}, dims="year")
    got = coverage_ratio(y([30.0, 40.0], [2030, 2031]), y([100.0, 0.0], [2030, 2031]))
    assert isinstance(got, xr.DataArray)
    np.testing.assert_allclose(got, [0.3, np.nan])
    with pytest.raises(ValueError, match="contributors and labour_force are not on the same coordinates"):
        coverage_ratio(y([30.0, 40.0], [2030, 2031]), y([100.0, 100.0], [2031, 2032]))
    with pytest.raises(ValueError, match="amount has shape \\(2,\\) but gdp has shape \\(3,\\)"):
        share_of_gdp([1.0, 2.0], [1.0, 2.0, 3.0])

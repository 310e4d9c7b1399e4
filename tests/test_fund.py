"""Fund roll-forward and discount factors: exactness, closed forms, inputs."""
import math

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from ssproj.finance.fund import discount_factors, roll_forward

money = st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_infinity=False)
rates = st.floats(min_value=-0.5, max_value=0.5, allow_nan=False, allow_infinity=False)


@st.composite
def flows(draw):
    n = draw(st.integers(min_value=1, max_value=40))
    income = draw(st.lists(money, min_size=n, max_size=n))
    outgo = draw(st.lists(money, min_size=n, max_size=n))
    ret = draw(st.lists(rates, min_size=n, max_size=n))
    r0 = draw(st.floats(min_value=-1e10, max_value=1e10, allow_nan=False))
    return r0, np.array(income), np.array(outgo), np.array(ret)


@settings(max_examples=200, deadline=None)
@given(flows())
def test_roll_forward_is_exact(case):
    r0, income, outgo, ret = case
    out = roll_forward(r0, income, outgo, ret)
    # Opening reserve, then each year's opening is last year's closing, bit for bit.
    assert out["reserve_start"][0] == r0
    np.testing.assert_array_equal(out["reserve_start"][1:], out["reserve_end"][:-1])
    # Closing - opening = income - outgo, to one rounding of the reserve.
    change = out["reserve_end"] - out["reserve_start"]
    balance = out["total_income"] - out["total_outgo"]
    scale = np.maximum.reduce([np.abs(out["reserve_start"]), np.abs(out["reserve_end"]), np.abs(balance)])
    assert np.all(np.abs(change - balance) <= 4 * np.spacing(scale))
    # Components are what they claim to be.
    np.testing.assert_array_equal(out["total_outgo"], outgo)
    np.testing.assert_array_equal(out["net_cash_flow"], income - outgo)
    inv = out["investment_income"]
    np.testing.assert_allclose(inv, ret * (out["reserve_start"] + (income - outgo) / 2), rtol=1e-13, atol=0)
    recovered = out["total_income"] - inv
    assert np.all(np.abs(recovered - income) <= 2 * np.spacing(np.maximum(out["total_income"], np.abs(inv))))


@settings(max_examples=200, deadline=None)
@given(flows())
def test_closing_reserve_equals_accumulated_opening_reserve_and_cash_flows(case):
    """R_n = R_0 prod(1+i_s) + sum_t C_t (1 + i_t/2) prod_{s>t} (1+i_s), computed independently."""
    r0, income, outgo, ret = case
    n = len(ret)
    growth = [math.prod(1.0 + ret[s] for s in range(t + 1, n)) for t in range(n)]
    terms = [r0 * math.prod(1.0 + x for x in ret)]
    terms += [(income[t] - outgo[t]) * (1.0 + ret[t] / 2) * growth[t] for t in range(n)]
    expected = math.fsum(terms)
    scale = math.fsum(abs(x) for x in terms)
    got = roll_forward(r0, income, outgo, ret)["reserve_end"][-1]
    assert abs(got - expected) <= 1e-12 * scale + 1e-6


@pytest.mark.parametrize("i, c, n, r0", [(0.05, 100.0, 30, 1000.0), (0.115, -40.0, 75, 5e6),
                                         (-0.02, 10.0, 10, 0.0), (0.3, 1e9, 5, -1e8)])
def test_constant_return_and_cash_flow_closed_form(i, c, n, r0):
    """R_n = R_0 (1+i)^n + C (1 + i/2) ((1+i)^n - 1)/i with the DESIGN §7 half-year credit."""
    out = roll_forward(r0, np.full(n, c + 7.0), np.full(n, 7.0), np.full(n, i))
    expected = r0 * (1 + i) ** n + c * (1 + i / 2) * ((1 + i) ** n - 1) / i
    np.testing.assert_allclose(out["reserve_end"][-1], expected, rtol=1e-11)


@pytest.mark.parametrize("i, c, n, r0", [(0.05, 100.0, 30, 1000.0), (0.115, -40.0, 75, 5e6)])
def test_compound_mid_year_discounting_closed_form(i, c, n, r0):
    """Accumulating with the compound mid-year factor gives
    R_n = R_0 (1+i)^n + C (1+i)^{1/2} ((1+i)^n - 1)/i."""
    v = discount_factors(np.full(n, i))
    vm = discount_factors(np.full(n, i), mid_year=True)
    got = (r0 + np.sum(c * vm)) / v[-1]
    expected = r0 * (1 + i) ** n + c * math.sqrt(1 + i) * ((1 + i) ** n - 1) / i
    np.testing.assert_allclose(got, expected, rtol=1e-11)


def test_simple_mid_year_discounting_agrees_with_roll_forward():
    rng = np.random.default_rng(3)
    n = 50
    i = rng.uniform(0.0, 0.2, n)
    income, outgo = rng.uniform(0, 100, n), rng.uniform(0, 120, n)
    r_end = roll_forward(500.0, income, outgo, i)["reserve_end"]
    v = discount_factors(i)
    vm = discount_factors(i, mid_year=True, half_year="simple")
    pv = 500.0 + np.cumsum((income - outgo) * vm)
    np.testing.assert_allclose(r_end * v, pv, rtol=1e-11)


def test_discount_factors_by_hand():
    np.testing.assert_allclose(discount_factors([0.25, 0.0, 1.0]), [0.8, 0.8, 0.4], rtol=1e-15)
    np.testing.assert_allclose(discount_factors([0.21, 0.44], mid_year=True),
                               [1.1 / 1.21, 1.2 / (1.21 * 1.44)], rtol=1e-15)
    np.testing.assert_allclose(discount_factors([0.2, 0.1], mid_year=True, half_year="simple"),
                               [1.1 / 1.2, 1.05 / (1.2 * 1.1)], rtol=1e-15)


def test_negative_reserve_reported_not_clipped():
    out = roll_forward(0.0, [0.0, 0.0], [100.0, 100.0], 0.1)
    assert out["reserve_end"][0] == pytest.approx(-105.0)
    assert out["reserve_end"][1] < -200.0
    assert out["investment_income"][1] < 0.0


def test_scalar_return_broadcasts():
    a = roll_forward(10.0, [5.0, 6.0], [1.0, 2.0], 0.07)
    b = roll_forward(10.0, [5.0, 6.0], [1.0, 2.0], [0.07, 0.07])
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_dataarray_in_dataarray_out():
    years = np.arange(2025, 2030)
    income = xr.DataArray(np.linspace(10, 14, 5), coords={"year": years}, dims="year")
    outgo = xr.DataArray(np.linspace(8, 16, 5), coords={"year": years}, dims="year")
    out = roll_forward(50.0, income, outgo, 0.05)
    ref = roll_forward(50.0, income.values, outgo.values, 0.05)
    for k, v in out.items():
        assert isinstance(v, xr.DataArray) and v.name == k
        np.testing.assert_array_equal(v["year"], years)
        np.testing.assert_array_equal(v.values, ref[k])
    assert out["reserve_end"].attrs["units"] == "currency"
    v = discount_factors(xr.DataArray([0.1, 0.1], coords={"year": [2030, 2031]}, dims="year"))
    assert isinstance(v, xr.DataArray)
    np.testing.assert_array_equal(v["year"], [2030, 2031])


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match=r"equal lengths.*income_excl_investment has 2.*outgo has 3"):
        roll_forward(0.0, [1.0, 2.0], [1.0, 2.0, 3.0], 0.05)
    with pytest.raises(ValueError, match="outgo has shape \\(2, 2\\); expected a 1-D array"):
        roll_forward(0.0, [1.0, 2.0], [[1.0, 2.0], [1.0, 2.0]], 0.05)
    with pytest.raises(ValueError, match="outgo is a scalar"):
        roll_forward(0.0, [1.0, 2.0], 3.0, 0.05)
    with pytest.raises(ValueError, match="reserve_open has shape \\(2,\\); expected a scalar"):
        roll_forward([0.0, 1.0], [1.0, 2.0], [1.0, 2.0], 0.05)
    years = {"year": [2025, 2026]}
    with pytest.raises(ValueError, match="same 'year' coordinate"):
        roll_forward(0.0, xr.DataArray([1.0, 2.0], coords=years, dims="year"),
                     xr.DataArray([1.0, 2.0], coords={"year": [2026, 2027]}, dims="year"), 0.05)
    with pytest.raises(ValueError, match="single dim 'year'"):
        roll_forward(0.0, xr.DataArray([1.0, 2.0], dims="time"), [1.0, 2.0], 0.05)
    with pytest.raises(ValueError, match=r"interest\[1\] = -1\.0; expected rates > -1"):
        discount_factors([0.1, -1.0])
    with pytest.raises(ValueError, match="half_year='linear' is not one of 'compound', 'simple'"):
        discount_factors([0.1], mid_year=True, half_year="linear")

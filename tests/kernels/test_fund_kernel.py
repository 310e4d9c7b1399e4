"""Fund roll-forward kernel: hand-worked steps, a plain-Python loop, edge cases.

These tests also run with NUMBA_DISABLE_JIT=1 (tests/test_nojit.py).
"""
import math

import numpy as np
import pytest

from ssproj.kernels.fund import roll_forward_kernel

KEYS = ("reserve_start", "investment_income", "total_income", "total_outgo", "reserve_end", "net_cash_flow")


def run(r0, income, outgo, rate):
    n = len(income)
    out = {k: np.empty(n) for k in KEYS}
    roll_forward_kernel(float(r0), np.asarray(income, float), np.asarray(outgo, float),
                        np.asarray(rate, float), *(out[k] for k in KEYS))
    return out


def python_loop(r0, income, outgo, rate):
    """Independent plain-Python statement of DESIGN §7."""
    rows = []
    r = r0
    for inc, out, i in zip(income, outgo, rate, strict=True):
        inv = i * (r + (inc - out) / 2)
        end = r + inc + inv - out
        rows.append((r, inv, inc + inv, out, end, inc - out))
        r = end
    return {k: np.array([row[j] for row in rows]) for j, k in enumerate(KEYS)}


def test_two_years_by_hand():
    out = run(1000.0, [200.0, 100.0], [100.0, 300.0], [0.10, 0.05])
    # Year 1: J = 0.10 (1000 + 50) = 105; R = 1000 + 200 + 105 - 100 = 1205.
    # Year 2: J = 0.05 (1205 - 100) = 55.25; R = 1205 + 100 + 55.25 - 300 = 1060.25.
    np.testing.assert_allclose(out["investment_income"], [105.0, 55.25], rtol=1e-15)
    np.testing.assert_allclose(out["reserve_end"], [1205.0, 1060.25], rtol=1e-15)
    np.testing.assert_array_equal(out["reserve_start"], [1000.0, 1205.0])
    np.testing.assert_allclose(out["total_income"], [305.0, 155.25], rtol=1e-15)
    np.testing.assert_array_equal(out["total_outgo"], [100.0, 300.0])
    np.testing.assert_array_equal(out["net_cash_flow"], [100.0, -200.0])


@pytest.mark.parametrize("seed", range(5))
def test_matches_plain_python_loop(seed):
    rng = np.random.default_rng(seed)
    n = 60
    income = rng.uniform(0, 1e9, n)
    outgo = rng.uniform(0, 1.5e9, n)
    rate = rng.uniform(-0.1, 0.3, n)
    r0 = rng.uniform(-1e9, 1e10)
    got = run(r0, income, outgo, rate)
    want = python_loop(r0, income, outgo, rate)
    for k in KEYS:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-3, err_msg=k)


def test_reserve_carried_bit_for_bit():
    rng = np.random.default_rng(7)
    n = 40
    out = run(123.456, rng.uniform(0, 10, n), rng.uniform(0, 12, n), rng.uniform(0, 0.2, n))
    assert out["reserve_start"][0] == 123.456
    np.testing.assert_array_equal(out["reserve_start"][1:], out["reserve_end"][:-1])


def test_negative_reserve_is_not_clipped_and_pays_interest():
    out = run(10.0, [0.0, 0.0], [50.0, 50.0], [0.10, 0.10])
    # Year 1: J = 0.1 (10 - 25) = -1.5; R = 10 - 1.5 - 50 = -41.5.
    # Year 2: J = 0.1 (-41.5 - 25) = -6.65; R = -41.5 - 6.65 - 50 = -98.15.
    np.testing.assert_allclose(out["investment_income"], [-1.5, -6.65], rtol=1e-14)
    np.testing.assert_allclose(out["reserve_end"], [-41.5, -98.15], rtol=1e-14)


def test_zero_years_leaves_outputs_empty():
    out = run(5.0, [], [], [])
    assert all(v.shape == (0,) for v in out.values())


def test_nan_propagates_from_its_year_on():
    out = run(100.0, [10.0, math.nan, 10.0], [5.0, 5.0, 5.0], [0.05, 0.05, 0.05])
    assert np.isfinite(out["reserve_end"][0])
    assert np.isnan(out["reserve_end"][1:]).all()

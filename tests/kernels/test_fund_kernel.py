"""Fund roll-forward kernel: hand-worked steps, a plain-Python loop, edge cases.

These tests also run with NUMBA_DISABLE_JIT=1 (tests/test_nojit.py).
"""
import math

import numpy as np
import pytest

from ssproj.kernels.fund import BORROW, PAYABLE, STATE_TRANSFER, FundFlows, fund_outputs, roll_forward_kernel

KEYS = ("reserve_start", "investment_income", "total_income", "total_outgo", "reserve_end", "net_cash_flow")


def run(r0, income, outgo, rate, rule=BORROW, floor=0.0, benefits=None):
    n = len(income)
    row = lambda v: np.ascontiguousarray(np.broadcast_to(np.asarray(v, float), (n,))[None])
    flows = FundFlows(row(income), row(outgo), row(outgo if benefits is None else benefits), row(rate), row(floor))
    out = fund_outputs(1, n)
    roll_forward_kernel(np.array([float(r0)]), np.array([rule], dtype=np.int64), flows, out)
    return {k: v[0] for k, v in out._asdict().items()}


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


def test_state_transfer_by_hand():
    # Year 1: without a transfer J = 0.1 (10 - 15) < 0 -> 0 and R = 10 - 30 < 0: the transfer x solves
    # R = 10 (1.1) + (x - 30)(1.05) = 0 -> x = 30 - 11/1.05; the balance 10 + (x - 30)/2 = 10 - 5.238... >= 0.
    out = run(10.0, [20.0, 20.0], [50.0, 50.0], [0.10, 0.10], rule=STATE_TRANSFER)
    x1 = 30.0 - 11.0 / 1.05
    np.testing.assert_allclose(out["state_transfer"], [x1, 30.0], rtol=1e-14)
    np.testing.assert_allclose(out["reserve_end"], [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(out["investment_income"], [0.1 * (10.0 + (x1 - 30.0) / 2), 0.0], atol=1e-12)
    np.testing.assert_array_equal(out["benefits_paid"], [50.0, 50.0])
    # the scheduled reserve is the borrow roll-forward, whatever the rule
    np.testing.assert_array_equal(out["reserve_end_scheduled"], run(10.0, [20.0, 20.0], [50.0, 50.0],
                                                                    [0.10, 0.10])["reserve_end"])


def test_payable_cuts_benefits_only_as_far_as_needed():
    # outgo 50 of which benefits 45 (admin 5): the cut is the transfer above, at most 45
    out = run(10.0, [20.0, 20.0], [50.0, 50.0], [0.10, 0.10], rule=PAYABLE, benefits=[45.0, 45.0])
    x1 = 30.0 - 11.0 / 1.05
    np.testing.assert_allclose(out["benefits_paid"], [45.0 - x1, 15.0], rtol=1e-14)
    np.testing.assert_allclose(out["total_outgo"], [50.0 - x1, 20.0], rtol=1e-14)
    np.testing.assert_allclose(out["reserve_end"], [0.0, 0.0], atol=1e-12)
    assert not out["state_transfer"].any()
    # income below the admin costs: every benefit cut and the reserve still falls, earning nothing
    out = run(0.0, [2.0], [10.0], [0.1], rule=PAYABLE, benefits=[5.0])
    assert out["benefits_paid"][0] == 0.0 and out["investment_income"][0] == 0.0 and out["reserve_end"][0] == -3.0


@pytest.mark.parametrize("rule", [STATE_TRANSFER, PAYABLE])
def test_floor_is_kept_and_nothing_is_added_above_it(rule):
    rng = np.random.default_rng(11)
    n = 80
    income = rng.uniform(0, 100, n)
    outgo = rng.uniform(0, 140, n)
    rate = rng.uniform(0.0, 0.15, n)
    floor = 0.5 * outgo
    out = run(30.0, income, outgo, rate, rule=rule, floor=floor)
    x = out["state_transfer"] if rule == STATE_TRANSFER else outgo - out["benefits_paid"]
    assert (x >= 0).all()
    assert (out["reserve_end"] >= floor - 1e-9).all()
    # where the rule acts the reserve is exactly at the floor; elsewhere it is the plain roll-forward
    acted = x > 0
    assert acted.any() and (~acted).any()
    np.testing.assert_allclose(out["reserve_end"][acted], floor[acted], rtol=1e-12)
    start = out["reserve_start"]
    c = income - outgo + x
    base = start + c / 2
    np.testing.assert_allclose(out["investment_income"], rate * np.maximum(base, 0.0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out["reserve_end"], start + c + out["investment_income"], rtol=1e-12, atol=1e-9)


def test_negative_opening_reserve_earns_no_interest_under_a_transfer():
    out = run(-100.0, [10.0], [10.0], [0.1], rule=STATE_TRANSFER)
    assert out["state_transfer"][0] == 100.0 and out["investment_income"][0] == 0.0 and out["reserve_end"][0] == 0.0


def test_borrow_scheduled_reserve_is_the_reserve_bit_for_bit():
    rng = np.random.default_rng(3)
    out = run(5.0, rng.uniform(0, 10, 50), rng.uniform(0, 14, 50), rng.uniform(-0.05, 0.2, 50))
    np.testing.assert_array_equal(out["reserve_end_scheduled"], out["reserve_end"])
    assert not out["state_transfer"].any()


def test_nan_propagates_from_its_year_on():
    out = run(100.0, [10.0, math.nan, 10.0], [5.0, 5.0, 5.0], [0.05, 0.05, 0.05])
    assert np.isfinite(out["reserve_end"][0])
    assert np.isnan(out["reserve_end"][1:]).all()

"""Life-table kernel: hand-worked cases, edge ages, NaNs.

These tests also run with NUMBA_DISABLE_JIT=1 (tests/test_nojit.py).
"""
import math

import numpy as np
import pytest

from ssproj.kernels.lifetable import (
    N_AGES,
    e0_many,
    infant_ax,
    life_expectancy_at,
    life_table_into,
    survival_ratios_into,
)


def table(mx, female=True):
    q, l, L = np.empty(N_AGES), np.empty(N_AGES), np.empty(N_AGES)
    life_table_into(np.asarray(mx, dtype=float), female, q, l, L)
    return q, l, L


@pytest.mark.parametrize("m", [0.001, 0.02, 0.3])
@pytest.mark.parametrize("female", [True, False])
def test_constant_rate_gives_e0_equal_to_one_over_m(m, female):
    # With L(x) = d(x)/m(x) at every age (it follows from q = m/(1+(1-a)m)
    # for any a), total person-years = total deaths / m = 1/m.
    _, l, L = table(np.full(N_AGES, m), female)
    assert life_expectancy_at(L, l, 0) == pytest.approx(1.0 / m, rel=1e-12)


def test_hand_worked_q_and_L_at_adult_age():
    mx = np.full(N_AGES, 0.01)
    mx[40] = 0.1
    q, l, L = table(mx)
    assert q[40] == pytest.approx(0.1 / 1.05, rel=1e-15)
    assert L[40] == pytest.approx(l[41] + 0.5 * (l[40] - l[41]), rel=1e-15)
    assert l[41] == pytest.approx(l[40] * (1 - 0.1 / 1.05), rel=1e-15)


def test_open_group_person_years():
    mx = np.full(N_AGES, 0.05)
    mx[100] = 0.6
    q, l, L = table(mx)
    assert q[100] == 1.0
    assert L[100] == pytest.approx(l[100] / 0.6, rel=1e-15)


@pytest.mark.parametrize(
    "m0, female, expected",
    [
        (0.01, True, 0.14903 - 2.05527 * 0.01),
        (0.03, True, 0.04667 + 3.88089 * 0.03),
        (0.2, True, 0.31411),
        (0.01, False, 0.14929 - 1.99545 * 0.01),
        (0.05, False, 0.02832 + 3.26021 * 0.05),
        (0.2, False, 0.29915),
    ],
)
def test_infant_ax_andreev_kingkade(m0, female, expected):
    assert infant_ax(m0, female) == pytest.approx(expected, rel=1e-15)


def test_survival_ratios_and_open_group_ratio():
    mx = np.linspace(0.001, 0.5, N_AGES)
    _, _, L = table(mx)
    S = np.empty(N_AGES)
    survival_ratios_into(L, S)
    np.testing.assert_allclose(S[:99], L[1:100] / L[:99], rtol=1e-15)
    assert S[99] == pytest.approx(L[100] / (L[99] + L[100]), rel=1e-15)


def test_nan_rate_propagates_instead_of_giving_a_number():
    mx = np.full(N_AGES, 0.01)
    mx[50] = np.nan
    out = e0_many(mx[None, :], True)
    assert math.isnan(out[0])


def test_certain_death_caps_q_at_one():
    mx = np.full(N_AGES, 0.01)
    mx[30] = 50.0  # q would exceed 1 with a = 0.5 ... capped
    q, l, _L = table(mx)
    assert q[30] <= 1.0
    assert np.all(l[31:] >= 0)

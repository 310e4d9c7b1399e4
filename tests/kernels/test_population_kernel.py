"""Cohort-component kernel: hand-worked steps, conservation, edge ages.

These tests also run with NUMBA_DISABLE_JIT=1 (tests/test_nojit.py).
"""
import numpy as np
import pytest

from ssproj.kernels.population import project_population_kernel
from ssproj.testing.oracle import project_population_numpy

N = 101


def run(pop0, mx, asfr, srb, mig):
    T = mx.shape[0]
    pop = np.empty((T + 1, 2, N))
    births = np.empty((T, 2))
    deaths = np.empty((T, 2, N))
    fl = np.empty(T)
    project_population_kernel(pop0, mx, asfr, srb, mig, pop, births, deaths, fl)
    return pop, births, deaths, fl


def python_life_table_L(mx, female):
    """An independent, plain-Python life table (L column), for checking."""
    m0 = mx[0]
    if female:
        a0 = 0.14903 - 2.05527 * m0 if m0 < 0.01724 else (0.04667 + 3.88089 * m0 if m0 < 0.06891 else 0.31411)
    else:
        a0 = 0.14929 - 1.99545 * m0 if m0 < 0.023 else (0.02832 + 3.26021 * m0 if m0 < 0.08307 else 0.29915)
    l, L = 1.0, []
    for x in range(N - 1):
        a = a0 if x == 0 else 0.5
        q = mx[x] / (1 + (1 - a) * mx[x])
        l_next = l * (1 - q)
        L.append(l_next + a * (l - l_next))
        l = l_next
    L.append(l / mx[N - 1])
    return np.array(L)


def inputs(T=3, seed=0):
    rng = np.random.default_rng(seed)
    pop0 = rng.uniform(100, 10_000, (2, N))
    mx = np.exp(rng.uniform(-7, -1, (T, 2, N)))
    asfr = np.zeros((T, N))
    asfr[:, 15:50] = rng.uniform(0.0, 0.15, (T, 35))
    srb = rng.uniform(1.03, 1.12, T)
    mig = rng.normal(0, 50, (T, 2, N))
    return pop0, mx, asfr, srb, mig


def test_zero_fertility_and_migration_each_cohort_shrinks_by_survival_ratio():
    pop0, mx, asfr, srb, mig = inputs(T=4)
    asfr[:] = 0.0
    mig[:] = 0.0
    pop, births, _, _ = run(pop0, mx, asfr, srb, mig)
    assert np.all(births == 0.0)
    for t in range(4):
        for s in range(2):
            L = python_life_table_L(mx[t, s], female=(s == 1))
            np.testing.assert_allclose(pop[t + 1, s, 1:100], pop[t, s, :99] * L[1:100] / L[:99], rtol=1e-13)
            expected_top = (pop[t, s, 99] + pop[t, s, 100]) * L[100] / (L[99] + L[100])
            assert pop[t + 1, s, 100] == pytest.approx(expected_top, rel=1e-13)
            assert pop[t + 1, s, 0] == 0.0


def test_births_hand_worked_single_fertile_age():
    pop0 = np.zeros((2, N))
    pop0[1, 29] = 1000.0
    pop0[1, 30] = 2000.0
    mx = np.full((1, 2, N), 1e-9)
    asfr = np.zeros((1, N))
    asfr[0, 30] = 0.1
    srb = np.array([1.05])
    mig = np.zeros((1, 2, N))
    pop, births, _, _ = run(pop0, mx, asfr, srb, mig)
    # exposure at age 30 = (2000 at the start + ~1000 survivors of age 29 at the end) / 2
    exposure = 0.5 * (2000.0 + pop[1, 1, 30])
    assert births.sum() == pytest.approx(0.1 * exposure, rel=1e-14)
    assert births[0, 0] / births[0, 1] == pytest.approx(1.05, rel=1e-14)
    # newborns alive at the next 1 July: births x L(0) (radix 1), ~ births here
    assert pop[1, :, 0].sum() == pytest.approx(births.sum(), rel=1e-8)


def test_migrants_join_half_at_start_half_at_end():
    pop0 = np.full((2, N), 1000.0)
    mx = np.full((1, 2, N), 1e-12)
    asfr = np.zeros((1, N))
    srb = np.array([1.05])
    mig = np.zeros((1, 2, N))
    mig[0, 0, 40] = 100.0
    pop, _, _, _ = run(pop0, mx, asfr, srb, mig)
    assert pop[1, 0, 41] == pytest.approx(1050.0, rel=1e-9)  # 1000 aged 40 + 50 joining at the start
    assert pop[1, 0, 40] == pytest.approx(1050.0, rel=1e-9)  # 1000 aged 39 + 50 joining at the end


@pytest.mark.parametrize("seed", range(5))
def test_balancing_equation_is_exact(seed):
    pop0, mx, asfr, srb, mig = inputs(T=10, seed=seed)
    pop, births, deaths, fl = run(pop0, mx, asfr, srb, mig)
    change = pop[1:].sum(axis=(1, 2)) - pop[:-1].sum(axis=(1, 2))
    flows = births.sum(axis=1) - deaths.sum(axis=(1, 2)) + mig.sum(axis=(1, 2)) + fl
    np.testing.assert_allclose(change, flows, rtol=0, atol=1e-9 * pop.sum(axis=(1, 2)).max())


def test_heavy_emigration_is_floored_and_reported():
    pop0 = np.full((2, N), 10.0)
    mx = np.full((1, 2, N), 0.01)
    asfr = np.zeros((1, N))
    srb = np.array([1.05])
    mig = np.zeros((1, 2, N))
    mig[0, 1, 90] = -100.0  # 50 leave at the start from a stock of 10
    pop, _, _, fl = run(pop0, mx, asfr, srb, mig)
    assert np.all(pop >= 0)
    # start: 10 - 50 = -40 floored (40); end: survivors of age 89, 10 (1 - q),
    # minus 50 joining-then-leaving at the end, floored again.
    # With constant m and a = 1/2, L(x+1)/L(x) = 1 - q exactly.
    q = 0.01 / 1.005
    assert fl[0] == pytest.approx(40.0 + (50.0 - 10.0 * (1 - q)), rel=1e-12)
    assert pop[1, 1, 90] == 0.0 and pop[1, 1, 91] == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_kernel_matches_numpy_reference(seed):
    pop0, mx, asfr, srb, mig = inputs(T=20, seed=seed)
    mig *= 20  # exercise the floor too
    got = run(pop0, mx, asfr, srb, mig)
    ref = project_population_numpy(pop0, mx, asfr, srb, mig)
    for g, r in zip(got, ref, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-9)


def test_nan_input_propagates():
    pop0, mx, asfr, srb, mig = inputs(T=2)
    mx[0, 0, 50] = np.nan
    pop, _, _, _ = run(pop0, mx, asfr, srb, mig)
    assert np.isnan(pop[1, 0, 51])

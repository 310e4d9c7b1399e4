"""Constant rates: the projected growth rate converges to Lotka's intrinsic r.

Lotka's renewal equation (discrete form, female line):

    sum_x exp(-r (x + 1/2)) L_f(x) f(x) p_f = 1

with L_f the female life table's person-years (radix 1), f the
age-specific fertility and p_f = 1 / (1 + SRB) the share of girls at birth.
It is solved here with scipy's brentq, independently of the projection.
The projection's one-year step differs from this equation only at second
order: births from the average exposure of the year, (1 + exp(-r))/2,
stand for exp(-r/2), a relative difference of r^2/8 which moves r by about
r^2 / (8 T), T ~ 28 years the mean age at childbearing: below 1e-5 for
|r| < 0.05, hence that tolerance.
"""
import numpy as np
import pytest
from scipy.optimize import brentq

from ssproj.demography.cohort import DemographicInputs, project_population
from ssproj.demography.lifetable import LifeTable


def gompertz_makeham(a, b, c):
    ages = np.arange(101) + 0.5
    m = a + b * np.exp(c * ages)
    m[0] = 0.03
    return m


@pytest.mark.parametrize("tfr, mort", [(4.0, (5e-4, 3e-5, 0.1)), (2.0, (2e-4, 2e-5, 0.1)), (1.3, (1e-4, 1e-5, 0.11))])
def test_growth_rate_converges_to_lotka_r(tfr, mort):
    years = np.arange(2000, 2601)
    n = len(years)
    mx_f = gompertz_makeham(*mort)
    mx_m = mx_f * 1.2
    asfr = np.zeros(101)
    ages = np.arange(15, 50)
    shape = np.exp(-0.5 * ((ages - 28) / 6.0) ** 2)
    asfr[15:50] = tfr * shape / shape.sum()
    srb = 1.05
    rng = np.random.default_rng(0)
    inputs = DemographicInputs(
        years=years,
        population0=rng.uniform(1e4, 1e5, (2, 101)),  # far from stable on purpose
        mx=np.broadcast_to(np.stack([mx_m, mx_f]), (n, 2, 101)).copy(),
        asfr=np.broadcast_to(asfr, (n, 101)).copy(),
        srb=np.full(n, srb),
        migration=np.zeros((n, 2, 101)),
    )
    pop = project_population(inputs)["population"].sum(axis=(1, 2))
    r_projected = np.log(pop[-1] / pop[-2])

    L = LifeTable.from_mx(mx_f, sex="female").Lx
    share_female = 1.0 / (1.0 + srb)
    x = np.arange(101) + 0.5

    def lotka(r):
        return np.sum(np.exp(-r * x) * L * asfr) * share_female - 1.0

    r_lotka = brentq(lotka, -0.2, 0.2, xtol=1e-14)
    assert abs(r_projected - r_lotka) < 1e-5, (r_projected, r_lotka)
    # and the projection has really converged: the growth rate is constant
    assert abs(np.log(pop[-2] / pop[-3]) - r_projected) < 1e-8

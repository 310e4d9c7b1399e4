"""Numba kernel of the cohort-component population projection.

One step takes the population at 1 July of year t to 1 July of year t+1
(DESIGN §4). Symbols, per sex s and single age x = 0..100 (100 = 100+):

* ``P[t, s, x]``   stock at 1 July of year t [persons]
* ``m[t, s, x]``   central death rate for the interval t -> t+1 [1/year]
* ``f[t, x]``      age-specific fertility for the interval [births per woman per year]
* ``srb[t]``       sex ratio at birth for the interval [males per female]
* ``M[t, s, x]``   net migrants during the interval, by age at migration [persons]

Migrants are spread evenly over the interval: half join at the start (age x)
and are exposed to a full year of mortality, half join at the end (at age
x). This keeps their average age at migration at x and exposes them, on
average, to half a year of mortality, as in the UN's projection method.

    P'(x)        = P(x, t) + M(x)/2                        (start-of-interval stock)
    P(x+1, t+1)  = P'(x) S(x) + M(x+1)/2                   x = 0..98
    P(100, t+1)  = (P'(99) + P'(100)) S(99) + M(100)/2     open group
    B            = sum_x f(x) (P'(F, x) + P(F, x, t+1)) / 2
    P(0, t+1)    = B p_s L(0) + M(0)/2                     p_s = share of sex s at birth

with ``S(x) = L(x+1)/L(x)`` from the interval's life table. Stocks are
floored at zero (heavy emigration at very old ages cannot make a negative
head count); the amount floored is returned so callers can report it.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from ssproj.kernels.lifetable import FEMALE, life_table_into, survival_ratios_into


@njit(cache=True)
def project_population_kernel(pop0, mx, asfr, srb, mig, pop, births, deaths, floored):
    """Project a population with annual cohort-component steps.

    Parameters
    ----------
    pop0 : ndarray, shape (2, 101)
        Population at 1 July of the start year, [male, female] x age. [persons]
    mx : ndarray, shape (T, 2, 101)
        Central death rates for each interval t -> t+1. [1/year]
    asfr : ndarray, shape (T, 101)
        Age-specific fertility rates of women for each interval, zero
        outside the fertile ages. [births per woman per year]
    srb : ndarray, shape (T,)
        Sex ratio at birth for each interval. [males per female]
    mig : ndarray, shape (T, 2, 101)
        Net migrants during each interval by age. [persons]
    pop : ndarray, shape (T + 1, 2, 101)
        Output: stocks at 1 July, ``pop[0] = pop0``. [persons]
    births : ndarray, shape (T, 2)
        Output: live births during each interval, by sex. [persons]
    deaths : ndarray, shape (T, 2, 101)
        Output: deaths during each interval by age at the start of the
        interval (row 0 holds deaths among that interval's births and
        among end-of-interval migrants aged 0: these are included in the
        open-ended count at index 0 together with deaths of those aged 0
        at the start). [persons]
    floored : ndarray, shape (T,)
        Output: persons added to keep stocks non-negative. [persons]

    Notes
    -----
    The balancing equation holds exactly for every interval:
    ``sum(pop[t+1]) = sum(pop[t]) + sum(births[t]) - sum(deaths[t])
    + sum(mig[t]) + floored[t]``.
    """
    T = mx.shape[0]
    n = pop0.shape[1]
    last = n - 1
    qx = np.empty(n)
    lx = np.empty(n)
    Lx = np.empty(n)
    Sx = np.empty(n)
    start = np.empty((2, n))
    L0 = np.empty(2)
    for s in range(2):
        for x in range(n):
            pop[0, s, x] = pop0[s, x]
    for t in range(T):
        fl = 0.0
        # start-of-interval stock with half the migrants
        for s in range(2):
            for x in range(n):
                v = pop[t, s, x] + 0.5 * mig[t, s, x]
                if v < 0.0:
                    fl -= v
                    v = 0.0
                start[s, x] = v
        for s in range(2):
            life_table_into(mx[t, s], s == FEMALE, qx, lx, Lx)
            survival_ratios_into(Lx, Sx)
            L0[s] = Lx[0]
            for x in range(last - 1):
                survivors = start[s, x] * Sx[x]
                deaths[t, s, x] = start[s, x] - survivors
                pop[t + 1, s, x + 1] = survivors
            top = start[s, last - 1] + start[s, last]
            survivors = top * Sx[last - 1]
            deaths[t, s, last - 1] = start[s, last - 1] * (1.0 - Sx[last - 1])
            deaths[t, s, last] = start[s, last] * (1.0 - Sx[last - 1])
            pop[t + 1, s, last] = survivors
        # end-of-interval migrants (ages 1..100 here; age 0 below)
        for s in range(2):
            for x in range(1, n):
                v = pop[t + 1, s, x] + 0.5 * mig[t, s, x]
                if v < 0.0:
                    fl -= v
                    v = 0.0
                pop[t + 1, s, x] = v
        # births from the average female exposure of the interval
        b = 0.0
        for x in range(n):
            if asfr[t, x] != 0.0:
                b += asfr[t, x] * 0.5 * (start[FEMALE, x] + pop[t + 1, FEMALE, x])
        share_male = srb[t] / (1.0 + srb[t])
        births[t, 0] = b * share_male
        births[t, 1] = b * (1.0 - share_male)
        for s in range(2):
            surv0 = births[t, s] * L0[s]
            deaths[t, s, 0] += births[t, s] - surv0
            v = surv0 + 0.5 * mig[t, s, 0]
            if v < 0.0:
                fl -= v
                v = 0.0
            pop[t + 1, s, 0] = v
        floored[t] = fl


@njit(cache=True)
def interval_rates(mx, asfr, mx_i, asfr_i):
    """Rates of the projection intervals 1 July t -> 1 July t+1 from calendar-year rates.

    ``mx_i[t] = sqrt(mx[t] mx[t+1])`` (geometric mean: death rates change
    geometrically over time) and ``asfr_i[t] = (asfr[t] + asfr[t+1]) / 2``.

    Parameters
    ----------
    mx : ndarray, shape (T, 2, 101)
        Central death rates by calendar year. [1/year]
    asfr : ndarray, shape (T, 101)
        Fertility rates by calendar year. [births per woman per year]
    mx_i, asfr_i : ndarray, shapes (T-1, 2, 101), (T-1, 101)
        Written. [1/year], [births per woman per year]
    """
    T = mx.shape[0]
    for t in range(T - 1):
        for s in range(mx.shape[1]):
            for x in range(mx.shape[2]):
                mx_i[t, s, x] = math.sqrt(mx[t, s, x] * mx[t + 1, s, x])
        for x in range(asfr.shape[1]):
            asfr_i[t, x] = 0.5 * (asfr[t, x] + asfr[t + 1, x])


"""Numba kernels for period life tables on single ages 0..100+.

Conventions (DESIGN §4):

* ``mx[x]`` central death rate at age x, x = 0..100, index 100 is the open
  group 100+. [deaths per person-year]
* ``q(x) = m(x) / (1 + (1 - a(x)) m(x))`` with ``a(x) = 0.5`` except at
  age 0, where ``a(0)`` comes from ``m(0)`` (Andreev & Kingkade 2015, the
  rule used in the Human Mortality Database Methods Protocol v6).
* radix ``l(0) = 1``; ``L(x) = l(x+1) + a(x) d(x)``; open group
  ``L(100+) = l(100) / m(100)``.

All functions take and return plain NumPy arrays so that they compile with
``numba.njit`` and also run unchanged with ``NUMBA_DISABLE_JIT=1``.
"""
from __future__ import annotations

import numpy as np
from numba import njit

#: Number of single ages including the open group (0..100+).
N_AGES = 101
#: Index of the open age group 100+.
OPEN_AGE = 100
MALE = 0
FEMALE = 1


@njit(cache=True)
def infant_ax(m0, female):
    """Average fraction of the first year of life lived by infants who die.

    Andreev, E.M. and Kingkade, W.W. (2015), "Average age at death in
    infancy and infant mortality level: Reconsidering the Coale-Demeny
    formulas at current levels of low mortality", Demographic Research
    33(13), Table 3 (formulas in terms of m0); HMD Methods Protocol v6.

    Parameters
    ----------
    m0 : float
        Infant central death rate. [deaths per person-year]
    female : bool
        True for females.

    Returns
    -------
    float
        a(0), in years (between 0 and 1).
    """
    if female:
        if m0 < 0.01724:
            return 0.14903 - 2.05527 * m0
        elif m0 < 0.06891:
            return 0.04667 + 3.88089 * m0
        return 0.31411
    if m0 < 0.02300:
        return 0.14929 - 1.99545 * m0
    elif m0 < 0.08307:
        return 0.02832 + 3.26021 * m0
    return 0.29915


@njit(cache=True)
def life_table_into(mx, female, qx, lx, Lx):
    """Fill ``qx``, ``lx`` and ``Lx`` from central death rates ``mx``.

    Parameters
    ----------
    mx : ndarray, shape (101,)
        Central death rates by single age, 100 = open group. [1/year]
    female : bool
        Selects the infant a(0) formula.
    qx, lx, Lx : ndarray, shape (101,)
        Output arrays (overwritten): probability of dying between x and
        x+1 [1], survivors at exact age x per newborn [1], person-years
        lived between x and x+1 per newborn [years] (open group: all years
        lived above 100).
    """
    n = mx.shape[0]
    last = n - 1
    lx[0] = 1.0
    for x in range(last):
        m = mx[x]
        a = 0.5
        if x == 0:
            a = infant_ax(m, female)
        q = m / (1.0 + (1.0 - a) * m)
        if q > 1.0:
            q = 1.0
        qx[x] = q
        d = lx[x] * q
        lx[x + 1] = lx[x] - d
        Lx[x] = lx[x + 1] + a * d
    qx[last] = 1.0
    if mx[last] > 0.0:
        Lx[last] = lx[last] / mx[last]
    else:
        # no deaths in the open group: an infinite life expectancy is not a
        # valid input; treat it as one year lived so results stay finite.
        Lx[last] = lx[last]


@njit(cache=True)
def survival_ratios_into(Lx, Sx):
    """Cohort survival ratios between mid-year stocks one year apart.

    ``S[x] = L(x+1) / L(x)`` for x = 0..98; ``S[99]`` is the ratio applied
    to the combined stock aged 99 and 100+ to give the 100+ stock a year
    later: ``L(100+) / (L(99) + L(100+))``; ``S[100]`` is unused (set equal
    to ``S[99]``). The ratio for births surviving to age 0 at the next
    1 July is ``L(0)`` per birth (radix 1), returned separately by callers.
    """
    last = Lx.shape[0] - 1
    # "== 0" (not "> 0") so that a NaN propagates instead of becoming 0
    for x in range(last - 1):
        if Lx[x] == 0.0:
            Sx[x] = 0.0
        else:
            Sx[x] = Lx[x + 1] / Lx[x]
    denom = Lx[last - 1] + Lx[last]
    if denom == 0.0:
        Sx[last - 1] = 0.0
    else:
        Sx[last - 1] = Lx[last] / denom
    Sx[last] = Sx[last - 1]


@njit(cache=True)
def life_expectancy_at(Lx, lx, age):
    """Remaining life expectancy at exact age ``age`` [years]."""
    total = 0.0
    for x in range(age, Lx.shape[0]):
        total += Lx[x]
    if lx[age] <= 0.0:
        return 0.0
    return total / lx[age]


@njit(cache=True)
def e0_many(mx, female):
    """Life expectancy at birth for many mortality schedules.

    Parameters
    ----------
    mx : ndarray, shape (n_schedules, 101)
        Central death rates, one schedule per row. [1/year]
    female : bool

    Returns
    -------
    ndarray, shape (n_schedules,)
        e(0) [years].
    """
    k = mx.shape[0]
    n = mx.shape[1]
    out = np.empty(k)
    qx = np.empty(n)
    lx = np.empty(n)
    Lx = np.empty(n)
    for i in range(k):
        life_table_into(mx[i], female, qx, lx, Lx)
        out[i] = life_expectancy_at(Lx, lx, 0)
    return out

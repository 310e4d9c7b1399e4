"""NumPy-vectorised reference implementations of the kernels.

They compute the same steps as the Numba kernels with whole-array NumPy
operations (vectorised over sex and age, looping only over time, which is
sequential). Tests check the kernels against them; ``benchmarks/`` times
the kernels against them. They are not used by the projection itself.
"""
from __future__ import annotations

import numpy as np

__all__ = ["life_tables_numpy", "project_population_numpy"]


def _infant_ax(m0, female):
    m0 = np.asarray(m0, dtype=float)
    female = np.asarray(female, dtype=bool)
    male_a = np.where(m0 < 0.02300, 0.14929 - 1.99545 * m0,
                      np.where(m0 < 0.08307, 0.02832 + 3.26021 * m0, 0.29915))
    fem_a = np.where(m0 < 0.01724, 0.14903 - 2.05527 * m0,
                     np.where(m0 < 0.06891, 0.04667 + 3.88089 * m0, 0.31411))
    return np.where(female, fem_a, male_a)


def life_tables_numpy(mx, female):
    """Life tables for a stack of schedules.

    Parameters
    ----------
    mx : ndarray, shape (..., 101)
        Central death rates. [1/year]
    female : ndarray of bool, broadcastable to ``mx.shape[:-1]``

    Returns
    -------
    qx, lx, Lx : ndarray, shape (..., 101)
    """
    mx = np.asarray(mx, dtype=float)
    a = np.full(mx.shape, 0.5)
    a[..., 0] = _infant_ax(mx[..., 0], female)
    qx = np.minimum(mx / (1.0 + (1.0 - a) * mx), 1.0)
    qx[..., -1] = 1.0
    lx = np.concatenate([np.ones(mx.shape[:-1] + (1,)), np.cumprod(1.0 - qx[..., :-1], axis=-1)], axis=-1)
    dx = lx * qx
    Lx = np.empty_like(mx)
    Lx[..., :-1] = lx[..., 1:] + a[..., :-1] * dx[..., :-1]
    Lx[..., -1] = lx[..., -1] / mx[..., -1]
    return qx, lx, Lx


def project_population_numpy(pop0, mx, asfr, srb, mig):
    """Cohort-component projection, NumPy version of ``project_population_kernel``.

    Same arguments and conventions as
    :func:`ssproj.kernels.population.project_population_kernel`; returns
    ``(pop, births, deaths, floored)`` instead of filling output arrays.
    """
    T = mx.shape[0]
    n = pop0.shape[-1]
    pop = np.empty((T + 1, 2, n))
    births = np.empty((T, 2))
    deaths = np.empty((T, 2, n))
    floored = np.empty(T)
    pop[0] = pop0
    female = np.array([False, True])
    _, _, Lx = life_tables_numpy(mx, female[None, :])  # (T, 2, n)
    S = np.empty_like(Lx)
    with np.errstate(divide="ignore", invalid="ignore"):
        S[..., :-2] = np.where(Lx[..., :-2] == 0, 0.0, Lx[..., 1:-1] / Lx[..., :-2])
        denom = Lx[..., -2] + Lx[..., -1]
        S[..., -2] = np.where(denom == 0, 0.0, Lx[..., -1] / denom)
    S[..., -1] = S[..., -2]
    for t in range(T):
        start = pop[t] + 0.5 * mig[t]
        fl = -start[start < 0].sum()
        start = np.maximum(start, 0.0)
        new = np.empty((2, n))
        new[:, 1:-1] = start[:, :-2] * S[t, :, :-2]
        top = start[:, -2] + start[:, -1]
        new[:, -1] = top * S[t, :, -2]
        d = np.empty((2, n))
        d[:, :-2] = start[:, :-2] * (1.0 - S[t, :, :-2])
        d[:, -2:] = start[:, -2:] * (1.0 - S[t, :, -2])[:, None]
        end = new[:, 1:] + 0.5 * mig[t, :, 1:]
        fl += -end[end < 0].sum()
        new[:, 1:] = np.maximum(end, 0.0)
        b = np.sum(asfr[t] * 0.5 * (start[1] + new[1]))
        share_male = srb[t] / (1.0 + srb[t])
        births[t] = [b * share_male, b * (1.0 - share_male)]
        surv0 = births[t] * Lx[t, :, 0]
        d[:, 0] += births[t] - surv0
        age0 = surv0 + 0.5 * mig[t, :, 0]
        fl += -age0[age0 < 0].sum()
        new[:, 0] = np.maximum(age0, 0.0)
        pop[t + 1] = new
        deaths[t] = d
        floored[t] = fl
    return pop, births, deaths, floored

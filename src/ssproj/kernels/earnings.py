"""Numba kernels of insured earnings: lognormal earnings clipped to a floor and a ceiling.

Average earnings of a group at an age are the mean of a lognormal
distribution of individual earnings with a given standard deviation of log
earnings, ``X ~ LN(mu, sigma)`` with ``mu = ln E[X] - sigma^2/2``. Because
``E[X; X <= b] = E[X] Phi((ln b - mu - sigma^2)/sigma)``::

    E[clip(X, F, C)] = F P(X < F) + E[X; F <= X <= C] + C P(X > C).

These scalar functions are the only implementation of the formula: the
engine (:mod:`ssproj.kernels.engine`) calls them cell by cell, and
:func:`ssproj.scheme.earnings.expected_clipped` maps them over arrays.
"""
from __future__ import annotations

import math

from numba import njit

_SQRT_HALF = 0.7071067811865476


@njit(cache=True)
def ndtr(z):
    """Standard normal distribution function Phi(z). [1]"""
    return 0.5 * math.erfc(-z * _SQRT_HALF)


@njit(cache=True)
def _cdf(mean, mu, sigma, bound, log_bound):
    if bound <= 0.0:
        return 0.0
    if sigma > 0.0:
        return ndtr((log_bound - mu) / sigma)
    return 1.0 if mean <= bound else 0.0


@njit(cache=True)
def _partial_mean(mean, mu, sigma, bound, log_bound):
    if bound <= 0.0:
        return 0.0
    if sigma > 0.0:
        return mean * ndtr((log_bound - mu - sigma * sigma) / sigma)
    return mean if mean <= bound else 0.0


@njit(cache=True)
def safe_log(v):
    """``log(v)`` for v > 0, else -inf."""
    return math.log(v) if v > 0.0 else -math.inf


@njit(cache=True)
def clipped_with_logs(mean, sigma, floor, ceiling, log_floor, log_ceiling):
    """:func:`expected_clipped_scalar` given ``log(floor)`` and ``log(ceiling)``
    (used only when the bound is > 0), so loops over ages compute them once.

    Parameters
    ----------
    mean : float
        Mean earnings E[X]; 0 or less gives 0. [currency/month]
    sigma : float
        Standard deviation of log earnings (0 = everyone earns the mean). [1]
    floor, ceiling : float
        Bounds, ``floor <= ceiling``. [currency/month]

    Returns
    -------
    float
        ``E[min(max(X, floor), ceiling)]``. [currency/month]
    """
    if not mean > 0.0:
        return 0.0
    mu = math.log(mean) - 0.5 * sigma * sigma
    if sigma > 0.0 and floor > 0.0 and ceiling > 0.0:  # the usual case, without the branches below
        s2 = sigma * sigma
        return (floor * ndtr((log_floor - mu) / sigma)
                + mean * (ndtr((log_ceiling - mu - s2) / sigma) - ndtr((log_floor - mu - s2) / sigma))
                + ceiling * (1.0 - ndtr((log_ceiling - mu) / sigma)))
    pf = _cdf(mean, mu, sigma, floor, log_floor)
    pc = _cdf(mean, mu, sigma, ceiling, log_ceiling)
    between = (_partial_mean(mean, mu, sigma, ceiling, log_ceiling)
               - _partial_mean(mean, mu, sigma, floor, log_floor))
    return floor * pf + between + ceiling * (1.0 - pc)


@njit(cache=True)
def expected_clipped_scalar(mean, sigma, floor, ceiling):
    """Mean of lognormal earnings with mean `mean` clipped to ``[floor, ceiling]``. [currency/month]"""
    return clipped_with_logs(mean, sigma, floor, ceiling, safe_log(floor), safe_log(ceiling))


@njit(cache=True)
def share_above_scalar(mean, sigma, ceiling):
    """Share of total earnings above the ceiling, ``1 - E[min(X, C)] / E[X]`` (0 if E[X] <= 0). [1]"""
    if not mean > 0.0:
        return 0.0
    return 1.0 - expected_clipped_scalar(mean, sigma, 0.0, ceiling) / mean


@njit(cache=True)
def expected_clipped_many(mean, sigma, floor, ceiling, out):
    """:func:`expected_clipped_scalar` over 1-D arrays of equal length (``out`` is written). [currency/month]"""
    for i in range(mean.shape[0]):
        out[i] = expected_clipped_scalar(mean[i], sigma[i], floor[i], ceiling[i])


@njit(cache=True)
def share_above_many(mean, sigma, ceiling, out):
    """:func:`share_above_scalar` over 1-D arrays of equal length (``out`` is written). [1]"""
    for i in range(mean.shape[0]):
        out[i] = share_above_scalar(mean[i], sigma[i], ceiling[i])


__all__ = ["clipped_with_logs", "expected_clipped_many", "expected_clipped_scalar", "ndtr", "safe_log",
           "share_above_many", "share_above_scalar"]

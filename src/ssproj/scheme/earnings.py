"""Insured earnings: floors, ceilings and the spread of earnings.

Average earnings of a group at an age are the mean of a lognormal
distribution of individual earnings with a given standard deviation of log
earnings. Contributions are levied on earnings clipped to [floor, ceiling],
whose expectation has a closed form, so a ceiling frozen in nominal terms
while wages rise shows up as a growing share of earnings above it.
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr

__all__ = ["expected_clipped", "share_above"]


def _params(mean, sigma):
    mean = np.asarray(mean, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    with np.errstate(divide="ignore"):
        mu = np.log(mean) - 0.5 * sigma**2
    return mu, sigma


def _partial_mean(mean, mu, sigma, bound):
    """E[X; X <= bound] for X lognormal(mu, sigma) with E[X] = mean."""
    bound = np.asarray(bound, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.log(bound) - mu - sigma**2) / sigma
        cdf = np.where(sigma > 0, ndtr(z), (mean <= bound).astype(float))
    return np.where(bound <= 0, 0.0, mean * cdf)


def _cdf(mu, sigma, bound, mean):
    bound = np.asarray(bound, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.log(bound) - mu) / sigma
        cdf = np.where(sigma > 0, ndtr(z), (mean <= bound).astype(float))
    return np.where(bound <= 0, 0.0, cdf)


def expected_clipped(mean, sigma, floor, ceiling):
    """Mean of lognormal earnings clipped to ``[floor, ceiling]``.

    Parameters
    ----------
    mean : array_like
        Mean earnings, E[X]. [currency/month]
    sigma : array_like
        Standard deviation of log earnings (0 = everyone earns the mean). [1]
    floor, ceiling : array_like
        Contribution floor and ceiling, ``floor <= ceiling``. [currency/month]

    Returns
    -------
    ndarray
        ``E[min(max(X, floor), ceiling)]``. [currency/month]

    Notes
    -----
    With ``X ~ LN(mu, sigma)``, ``mu = ln E[X] - sigma^2/2``,
    ``E[X; X <= b] = E[X] Phi((ln b - mu - sigma^2)/sigma)``, so

    .. math::

        E[\\mathrm{clip}(X, F, C)] = F\\,P(X<F) + E[X; F \\le X \\le C] + C\\,P(X>C).
    """
    mean = np.asarray(mean, dtype=float)
    mu, sigma = _params(mean, sigma)
    pf = _cdf(mu, sigma, floor, mean)
    pc = _cdf(mu, sigma, ceiling, mean)
    between = _partial_mean(mean, mu, sigma, ceiling) - _partial_mean(mean, mu, sigma, floor)
    out = np.asarray(floor) * pf + between + np.asarray(ceiling) * (1.0 - pc)
    return np.where(mean > 0, out, np.minimum(np.maximum(0.0, floor), ceiling) * (mean > 0))


def share_above(mean, sigma, ceiling):
    """Share of total earnings above the ceiling, ``1 - E[min(X, C)] / E[X]``. [1]"""
    mean = np.asarray(mean, dtype=float)
    capped = expected_clipped(mean, sigma, 0.0, ceiling)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean > 0, 1.0 - capped / mean, 0.0)
